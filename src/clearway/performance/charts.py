"""Charts as server-side SVG (pygal, from PyPI), each drawn from a Table that the page also shows.

The SVG is embedded as a data: image, so it needs no script (pygal's tooltips script, which
it would load from a CDN, is switched off) and fits the pages' Content-Security-Policy
(`img-src 'self' data:`). The table under each chart is its text alternative.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pygal
from pygal.style import Style

from clearway.performance.tables import Table
from clearway.web.render import month, number

STYLE = Style(background="#ffffff", plot_background="#ffffff", foreground="#1b1f24", foreground_strong="#1b1f24",
              foreground_subtle="#c5ccd6", font_family="system-ui, sans-serif", label_font_size=12,
              major_label_font_size=12, legend_font_size=12, title_font_size=14,
              colors=("#0b55a3", "#b35c00", "#2e7d32", "#6a3d9a", "#b3261e", "#4a5563"))
CHANNEL_ORDER = ("green", "blue", "yellow", "red")


@dataclass(frozen=True)
class Chart:
    """An SVG chart as a data URI, with its title (the image's alt text) and the table it draws."""

    title: str
    uri: str
    table: Table


def _config(locale: str) -> dict[str, Any]:
    # Axis labels and values the reader's way (12 345,5 in French, never 9e+10).
    return {"style": STYLE, "js": [], "disable_xml_declaration": True, "width": 720, "height": 320,
            "x_label_rotation": 30, "truncate_label": 20, "legend_at_bottom": True, "print_values": False,
            "value_formatter": lambda v: number(v, locale, 2 if isinstance(v, float) and v % 1 else None)}


def _uri(chart: Any) -> str:
    svg = chart.render(is_unicode=True)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def distribution_chart(table: Table, title: str, label: Callable[[Any, Any], str], locale: str = "en") -> Chart:
    """Bars: declarations per release-time bucket."""
    chart = pygal.Bar(title=title, show_legend=False, **_config(locale))
    chart.x_labels = [label(low, high) for low, high, _ in table.rows]
    chart.add(title, [n for _, _, n in table.rows])
    return Chart(title, _uri(chart), table)


def trend_chart(table: Table, title: str, names: dict[str, str], locale: str = "en") -> Chart:
    """Lines: mean and median of an interval per month (rows of a release table grouped by period)."""
    chart = pygal.Line(title=title, **_config(locale))
    chart.x_labels = [month(row[0], locale) for row in table.rows]
    at = {c: i for i, c in enumerate(table.columns)}
    for column in ("mean_h", "median_h", "p90_h"):
        chart.add(names[column], [row[at[column]] for row in table.rows])
    return Chart(title, _uri(chart), table)


def channel_chart(table: Table, title: str, names: dict[str, str], locale: str = "en") -> Chart:
    """Stacked bars: declarations per month by channel."""
    periods = sorted({row[0] for row in table.rows})
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for period, channel, n in table.rows:
        counts[str(channel)][period] = n
    chart = pygal.StackedBar(title=title, **_config(locale))
    chart.x_labels = [month(p, locale) for p in periods]
    for channel in sorted(counts, key=lambda c: (*CHANNEL_ORDER, c).index(c)):
        chart.add(names.get(channel, channel), [counts[channel].get(p, 0) for p in periods])
    return Chart(title, _uri(chart), table)


def rate_chart(table: Table, title: str, locale: str = "en") -> Chart:
    """Horizontal bars: a rate (0-100 %) per row of a rate table."""
    chart = pygal.HorizontalBar(title=title, show_legend=False, range=(0, 100), **_config(locale))
    chart.x_labels = [str(row[0]) for row in table.rows]
    chart.add(title, [None if row[3] is None else round(row[3] * 100, 1) for row in table.rows])
    return Chart(title, _uri(chart), table)


def revenue_chart(table: Table, title: str, names: dict[str, str], locale: str = "en") -> Chart:
    """Grouped bars: assessed, collected and adjusted revenue per month (all offices, taxes, one currency)."""
    at = {c: i for i, c in enumerate(table.columns)}
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in table.rows:
        for kind in ("assessed", "collected", "adjusted"):
            sums[kind][row[at["period"]]] += float(row[at[kind]])  # a picture only: the table keeps the Decimals
    periods = sorted({row[at["period"]] for row in table.rows})
    chart = pygal.Bar(title=title, **_config(locale))
    chart.x_labels = [month(p, locale) for p in periods]
    for kind in ("assessed", "collected", "adjusted"):
        chart.add(names[kind], [sums[kind].get(p, 0.0) for p in periods])
    return Chart(title, _uri(chart), table)
