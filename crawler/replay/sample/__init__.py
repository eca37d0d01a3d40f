"""The bundled sample of fictional reports (reports.csv), shipped as package data."""
