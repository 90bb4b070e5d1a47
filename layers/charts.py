"""Small charts of case counts as inline SVG: cases and victims over time, and per category.

Drawn on the server as plain markup, in the language's number and date formats: the page
needs no chart library (Vega and its data format were a megabyte of the first page load and
a tenth of a rerun's server time), and the charts print and work offline like the text
around them. Hidden small counts (None) are gaps, never numbers. Every label is plain text:
its line breaks become spaces and it is escaped, and each chart is one line of HTML in a
``<div>``, which Markdown (``st.markdown``) passes through untouched: a ``*`` or ``$`` in an
imported name stays a character.

Functions
---------
:func:`trend_svg` (trend, ``frequency=``, ``lang=``) -> SVG of a line per measure;
:func:`category_svg` (counted, column, labels, ``title=``, ``lang=``) -> SVG of bars per value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from html import escape
from typing import Final

import pandas as pd

from geodata.i18n import format_date, format_number, t
from geodata.records.trends import Frequency

__all__ = ["MEASURE_COLOURS", "category_svg", "trend_svg"]

#: Cases and victims in two colours (as the map's legend).
MEASURE_COLOURS: Final = {"cases": "#d7191c", "victims": "#fdae61"}
#: Widths of the drawing (px at full size): the trend spans the page, the bars half of it.
_TREND_WIDTH: Final = 900
_BARS_WIDTH: Final = 460
_HEIGHT: Final = 240
_FONT: Final = 'font-family="sans-serif" font-size="12" fill="#31333f"'
_TICKS: Final = 5


def _nice_top(largest: float) -> tuple[float, float]:
    """The axis top and tick step: 1, 2 or 5 × 10ⁿ per step, whole numbers (counts)."""
    if largest <= 0:
        return 1.0, 1.0
    raw = largest / _TICKS
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0)
    return step * math.ceil(largest / step), step


def _text(value: str) -> str:
    """``value`` as SVG text: runs of whitespace (line breaks too) as one space, escaped."""
    return escape(" ".join(value.split()))


def _values(frame: pd.DataFrame, column: str) -> list[int | None]:
    """The counts of ``column``, a hidden one (NA) as None."""
    return [None if pd.isna(v) else int(v) for v in frame[column].tolist()]


def _legend(x: float, y: float, lang: str) -> str:
    """A colour box and name per measure, in a row from (``x``, ``y``)."""
    items = []
    for measure, colour in MEASURE_COLOURS.items():
        label = t(f"measure.{measure}", lang)
        items.append(
            f'<rect x="{x:.0f}" y="{y - 9:.0f}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14:.0f}" y="{y:.0f}">{_text(label)}</text>'
        )
        x += 14 + 7 * len(label) + 16  # about 7 px a character at 12 px
    return "".join(items)


def _svg(body: str, *, width: int, height: int, title: str) -> str:
    """``body`` in an SVG element scaled to the page's width, named ``title``, in a div."""
    return (
        f'<div><svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" height="{height}" preserveAspectRatio="xMinYMin meet" {_FONT}>'
        f"<title>{_text(title)}</title>"
        f"{body}</svg></div>"
    )


def _period_text(period: dt.date, frequency: Frequency, lang: str) -> str:
    """A year, or a month and year in the language (``Agu 2024``)."""
    return str(period.year) if frequency == "year" else format_date(period, lang, style="MMM y")


def trend_svg(
    trend: pd.DataFrame, *, frequency: Frequency, lang: str, width: int = _TREND_WIDTH
) -> str:
    """Cases and victims per ``period`` (``trend``'s columns ``period``, ``cases``,
    ``victims``) as two lines with points; ``frequency`` ``{"year", "month"}`` says how the
    periods are written. A hidden count (None) breaks its line. ``width`` is the drawing's
    width in pixels at full size: about the width it is shown at, so its text keeps its
    size (a 900-pixel drawing in a 400-pixel column had 5-pixel text)."""
    left, right, top, bottom = 48, 12, 24, 28
    plot_w, plot_h = width - left - right, _HEIGHT - top - bottom
    series = {measure: _values(trend, measure) for measure in MEASURE_COLOURS}
    known = [v for values in series.values() for v in values if v is not None]
    axis_top, step = _nice_top(max(known, default=0))
    periods = [pd.Timestamp(p).date() for p in trend["period"]]
    count = len(periods)

    def x_of(i: int) -> float:
        return left + (plot_w / 2 if count == 1 else plot_w * i / (count - 1))

    def y_of(v: float) -> float:
        return top + plot_h * (1 - v / axis_top)

    parts = [_legend(left, 14, lang), _y_axis(left, plot_w, axis_top, step, y_of, lang)]
    every = max(1, math.ceil(count / max(2, min(8, plot_w // 60))))  # labels ~60 px apart
    named = [i for i in range(count) if i % every == 0]
    if count and named[-1] != count - 1:  # the latest period is always named, and a
        if len(named) > 1 and x_of(count - 1) - x_of(named[-1]) < 40:  # label too near
            named.pop()  # it gives way
        named.append(count - 1)
    for i, period in enumerate(periods):
        if i in named:
            parts.append(
                f'<text x="{x_of(i):.1f}" y="{_HEIGHT - 8}" text-anchor="middle">'
                f"{_text(_period_text(period, frequency, lang))}</text>"
            )
    for measure, values in series.items():
        parts.append(_line(values, x_of, y_of, MEASURE_COLOURS[measure]))
        for i, value in enumerate(values):
            if value is None:
                continue
            tip = (
                f"{_period_text(periods[i], frequency, lang)} · "
                f"{t(f'measure.{measure}', lang)}: {format_number(value, lang)}"
            )
            parts.append(
                f'<circle cx="{x_of(i):.1f}" cy="{y_of(value):.1f}" r="3.5" '
                f'fill="{MEASURE_COLOURS[measure]}"><title>{_text(tip)}</title></circle>'
            )
    title = t("charts.title", lang)
    return _svg("".join(parts), width=width, height=_HEIGHT, title=title)


def _line(
    values: Sequence[int | None],
    x_of: Callable[[int], float],
    y_of: Callable[[float], float],
    colour: str,
) -> str:
    """A polyline per run of known values (a hidden count is a gap)."""
    runs: list[list[str]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append(f"{x_of(i):.1f},{y_of(value):.1f}")
    return "".join(
        f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2"/>'
        for run in runs
        if len(run) > 1
    )


def _y_axis(
    left: float,
    width: float,
    axis_top: float,
    step: float,
    y_of: Callable[[float], float],
    lang: str,
) -> str:
    """Horizontal grid lines with whole-number labels in the language's format."""
    parts = []
    for tick in range(int(axis_top // step) + 1):
        value = tick * step
        y = y_of(value)
        parts.append(
            f'<line x1="{left}" x2="{left + width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e6e6e6"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_text(format_number(value, lang))}</text>"
        )
    return "".join(parts)


def category_svg(
    counted: pd.DataFrame, column: str, labels: dict[str, str], *, title: str, lang: str
) -> str:
    """Cases and victims per value of ``column`` as pairs of horizontal bars, in the order
    of ``counted``; ``labels`` names the values (a value without one is shown as it is),
    ``title`` names the chart for screen readers."""
    label_w, right, top, row_h = 170, 40, 24, 30
    rows = counted.reset_index(drop=True)
    height = top + row_h * max(len(rows), 1) + 8
    series = {measure: _values(rows, measure) for measure in MEASURE_COLOURS}
    known = [v for values in series.values() for v in values if v is not None]
    axis_top = max(known, default=0) or 1
    bar_w = _BARS_WIDTH - label_w - right
    parts = [_legend(label_w, 14, lang)]
    for i, value in enumerate(rows[column].tolist()):
        name = labels.get(value, value) if isinstance(value, str) else None
        name = " ".join((name or "").split()) or "–"
        y = top + i * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end">'
            f"{escape(_shortened(name))}<title>{escape(name)}</title></text>"
        )
        for j, (measure, values) in enumerate(series.items()):
            count = values[i]
            bar_y = y + 3 + j * 12
            shown = format_number(count, lang)
            tip = f"{name} · {t(f'measure.{measure}', lang)}: {shown}"
            length = 0.0 if count is None else bar_w * count / axis_top
            parts.append(
                f'<rect x="{label_w}" y="{bar_y}" width="{length:.1f}" height="11" '
                f'fill="{MEASURE_COLOURS[measure]}"><title>{_text(tip)}</title></rect>'
                f'<text x="{label_w + length + 4:.1f}" y="{bar_y + 10}" font-size="11">'
                f"{_text(shown)}</text>"
            )
    return _svg("".join(parts), width=_BARS_WIDTH, height=height, title=title)


def _shortened(name: str, limit: int = 26) -> str:
    """``name`` cut to ``limit`` characters with an ellipsis (the whole name is its tooltip)."""
    return name if len(name) <= limit else name[: limit - 1] + "…"
