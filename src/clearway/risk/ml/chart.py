"""Small charts drawn on the server as inline SVG (no script, no CDN): bars with labelled values.

Every chart is paired with a table of the same figures on the page, which is the text
alternative; the SVG itself carries a title and a description for screen readers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 560, 220, 44, 36, 16
Format = Callable[[float], str]  # a figure as the page's language writes it (the caller knows the locale)


def _percent(value: float) -> str:
    return f"{value:.0%}"


def _decimal(value: float) -> str:
    return f"{value:.2f}"


@dataclass(frozen=True)
class Bar:
    """One bar: its label under the axis, its value (0-1) and the text printed on it."""

    label: str
    value: float
    text: str
    series: int = 0  # 0 or 1: two series side by side


def bars_svg(bars: Sequence[Bar], *, title: str, description: str, chart_id: str, percent: Format = _percent) -> str:
    """An accessible SVG bar chart of values between 0 and 1 (one or two series per label); `percent` writes the
    axis ticks."""
    labels = list(dict.fromkeys(b.label for b in bars))
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / max(len(labels), 1)
    series = max((b.series for b in bars), default=0) + 1
    bar_w = slot * 0.7 / series
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
             f'aria-labelledby="{chart_id}-t {chart_id}-d" class="chart">',
             f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>']
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = TOP + plot_h * (1 - tick)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#c8ccd0" '
                     f'stroke-width="1"/><text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
                     f'fill="#333">{escape(percent(tick))}</text>')
    for b in bars:
        i = labels.index(b.label)
        value = min(max(b.value, 0.0), 1.0)
        x = LEFT + slot * i + slot * 0.15 + bar_w * b.series
        h = plot_h * value
        fill = "#1d4e89" if b.series == 0 else "#b35c00"
        parts.append(f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                     f'fill="{fill}"/><text x="{x + bar_w / 2:.1f}" y="{TOP + plot_h - h - 4:.1f}" font-size="11" '
                     f'text-anchor="middle" fill="#111">{escape(b.text)}</text>')
    for i, label in enumerate(labels):
        x = LEFT + slot * (i + 0.5)
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="12" text-anchor="middle" '
                     f'fill="#111">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def precision_chart(rates: Sequence[dict[str, float]], *, title: str, description: str, percent: Format = _percent,
                    decimal: Format = _decimal) -> str:
    """Precision (and recall) at each inspection rate of a model's validation, figures written by the formats."""
    bars = []
    for row in rates:
        label = percent(row["rate"])
        bars.append(Bar(label, float(row.get("precision", 0.0)), decimal(float(row.get("precision", 0.0)))))
        recall = row.get("recall")
        if isinstance(recall, float) and recall == recall:
            bars.append(Bar(label, recall, decimal(recall), series=1))
    return bars_svg(bars, title=title, description=description, chart_id="precision", percent=percent)
