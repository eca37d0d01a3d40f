# Two commands for a fresh machine (Python 3.11 and the package registries):
#   make demo   builds .venv, installs everything, runs the whole pipeline on the bundled sample
#   make test   builds .venv, installs everything, runs the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DIR ?= data/demo
APT_PACKAGES := tesseract-ocr tesseract-ocr-eng chromium chromium-driver poppler-utils

.PHONY: setup system demo demo-build test test-all lint bench

$(BIN)/pdt: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/pdt system

# OCR (tesseract) and the browser tests (chromium) need Debian packages.
system:
	@missing=""; \
	command -v tesseract >/dev/null || missing="$$missing tesseract"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages for:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi

demo: setup
	$(BIN)/pdt --data-dir $(DEMO_DIR) demo

demo-build: setup
	$(BIN)/pdt --data-dir $(DEMO_DIR) demo --no-serve

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff format --check . && $(BIN)/ruff check .

bench: setup
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done
