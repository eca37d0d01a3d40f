"""Draw a pack's charts as PNG bytes with matplotlib's Agg canvas (no display, no pyplot)."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

if TYPE_CHECKING:
    from tracker.export_pack import Chart, Pack

log = logging.getLogger(__name__)

STATUS_COLOURS = {
    "responded": "#1b7837",
    "overdue": "#b2182b",
    "pending": "#f4a582",
    "unknown": "#bababa",
}
MAX_BARS = 15


def shorten(label: Any, width: int = 42) -> str:
    """Return a label cut to a width, with an ellipsis when cut."""
    text = str(label if label is not None else "(none)")
    return text if len(text) <= width else text[: width - 1] + "…"


def to_png(fig: Figure) -> bytes:
    """Render a figure to PNG bytes."""
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def bars_by_year(rows: list[dict[str, Any]]) -> Figure | None:
    """Draw reports per year."""
    rows = [r for r in rows if r["year"]]
    if not rows:
        return None
    fig = Figure(figsize=(7, 3.2))
    ax = fig.add_subplot()
    ax.bar([r["year"] for r in rows], [r["reports"] for r in rows], color="#2166ac")
    ax.set_ylabel("reports")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Reports per year (date of report)")
    ax.tick_params(axis="x", labelrotation=45)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def rates_by_organisation(rows: list[dict[str, Any]]) -> Figure | None:
    """Draw the response rate of the organisations with most reports."""
    rows = [r for r in rows if r["response_rate_pct"] is not None][:MAX_BARS]
    if not rows:
        return None
    rows.reverse()
    fig = Figure(figsize=(7, 0.35 * len(rows) + 1.2))
    ax = fig.add_subplot()
    labels = [f"{shorten(r['organisation'])} (n={r['reports']})" for r in rows]
    bars = ax.barh(labels, [r["response_rate_pct"] for r in rows], color="#1b7837")
    ax.bar_label(bars, fmt="%.0f%%", padding=2, fontsize=8)
    ax.set_xlim(0, 110)
    ax.set_xlabel("response rate, % of recipients due")
    ax.set_title("Response rate by organisation (most reports first)")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def status_breakdown(summary: dict[str, Any]) -> Figure | None:
    """Draw one stacked bar of recipients by response status."""
    values = {k: summary.get(k) or 0 for k in STATUS_COLOURS}
    if not any(values.values()):
        return None
    fig = Figure(figsize=(7, 1.6))
    ax = fig.add_subplot()
    left = 0
    for status, count in values.items():
        ax.barh(["recipients"], [count], left=left, color=STATUS_COLOURS[status], label=status)
        left += count
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.35), frameon=False)
    ax.set_title("Responses by status")
    ax.spines[["top", "right", "left"]].set_visible(False)
    return fig


def top_themes(rows: list[dict[str, Any]]) -> Figure | None:
    """Draw the themes found in most reports."""
    rows = rows[:10]
    if not rows:
        return None
    rows = list(reversed(rows))
    fig = Figure(figsize=(7, 0.35 * len(rows) + 1.2))
    ax = fig.add_subplot()
    ax.barh([shorten(r["theme"]) for r in rows], [r["reports"] for r in rows], color="#762a83")
    ax.set_xlabel("reports")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Top concern themes")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def chart_specs(pack: Pack) -> list[tuple[str, str, str, Callable[[], Figure | None]]]:
    """Return (name, title, source table, drawer) for every chart a pack can have."""
    return [
        ("status", "Responses by status", "summary", lambda: status_breakdown(pack.summary())),
        (
            "reports_by_year",
            "Reports per year",
            "reports_by_year",
            lambda: bars_by_year(pack.table("reports_by_year")),
        ),
        (
            "response_rates",
            "Response rate by organisation",
            "organisations",
            lambda: rates_by_organisation(pack.table("organisations")),
        ),
        ("themes", "Top concern themes", "themes", lambda: top_themes(pack.table("themes"))),
    ]


def draw_charts(pack: Pack) -> list[Chart]:
    """Draw every chart the pack has data for."""
    from tracker.export_pack import Chart

    charts = []
    for name, title, source, draw in chart_specs(pack):
        fig = draw()
        if fig is None:
            log.info("export: no data for chart %s", name)
            continue
        charts.append(Chart(name=name, title=title, png=to_png(fig), source=source))
    return charts
