"""The briefing as one printable HTML page (Jinja template, no script, no external URL).

Every text from the data (names, ids) is escaped; the page carries the "DATA CONTOH /
SAMPLE DATA" label when any record is synthetic, the time it was generated and a note on
method. The map is the inline SVG of :mod:`layers.briefing.svg`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Final

import jinja2
import pandas as pd
from markupsafe import Markup

from geodata import reference
from geodata.i18n import format_date, format_number, format_timestamp, t
from layers import styles
from layers.briefing.model import Briefing
from layers.briefing.svg import PERIOD_CASE, SELECTED_FILL, YEAR_CASE, briefing_svg, symbol_markup
from layers.patrol import (
    DEFAULT_PATROL_RADIUS_KM,
)
from layers.periods import Period

#: Cases of the period listed on the page.
MAX_LISTED_CASES: Final = 6
TEMPLATE_DIR: Final = Path(__file__).resolve().parent.parent / "templates"
_ARROWS: Final = {"up": "▲", "down": "▼", "same": ""}
#: Catalogue keys of the page's fixed texts; the template uses the part after "briefing.".
PAGE_TEXT_KEYS: Final = (
    "briefing.title", "briefing.period", "briefing.previous", "briefing.generated",
    "briefing.confidential", "briefing.map", "briefing.priorities", "briefing.patrol",
    "briefing.changes", "briefing.measure", "briefing.this_period", "briefing.previous_period",
    "briefing.change", "briefing.last_12_months", "briefing.cases", "briefing.no_cases",
    "briefing.method_title", "briefing.col_crossing", "briefing.col_risk",
    "briefing.col_period", "briefing.col_previous", "briefing.col_gain",
    "briefing.col_cumulative", "briefing.col_case", "briefing.col_date", "briefing.col_place",
    "briefing.col_victims",
)  # fmt: skip
#: Catalogue key of each measure of the changes table.
CHANGE_KEYS: Final = {
    "cases": "briefing.measure_cases",
    "victims": "briefing.measure_victims",
    "child_victims": "briefing.measure_child_victims",
    "unofficial": "briefing.measure_unofficial",
    "official": "briefing.measure_official",
}
#: Short catalogue label of each crossing kind (the table is narrow).
KIND_KEYS: Final = {
    "plbn": "briefing.kind_plbn",
    "land_track": "briefing.kind_land_track",
    "river_route": "briefing.kind_river_route",
}


def briefing_html(briefing: Briefing) -> str:
    """The briefing as one self-contained, printable HTML page (no script, no URL)."""
    lang = briefing.lang
    template = _environment().get_template("briefing.html.j2")
    return template.render(
        lang=lang,
        text=_texts(briefing),
        kabupaten_name=briefing.kabupaten["name"],
        kabupaten_code=briefing.kabupaten["code"],
        period_label=period_label(briefing.period, lang),
        previous_label=period_label(briefing.period.previous(), lang),
        generated=format_timestamp(briefing.generated_at, lang),
        synthetic=briefing.synthetic,
        map_svg=Markup(briefing_svg(briefing)),
        legend=_legend(briefing),
        map_note=_map_note(briefing),
        priorities=_priority_rows(briefing),
        patrol=_patrol_section(briefing),
        changes=_change_rows(briefing),
        cases=_case_rows(briefing),
        more_cases=(
            t("briefing.more_cases", lang, count=len(briefing.cases) - MAX_LISTED_CASES)
            if len(briefing.cases) > MAX_LISTED_CASES
            else ""
        ),
        method=_method(briefing),
    )


def _texts(briefing: Briefing) -> dict[str, str]:
    """The fixed texts of the page in the briefing's language."""
    lang = briefing.lang
    texts = {key.removeprefix("briefing."): t(key, lang) for key in PAGE_TEXT_KEYS}
    texts["no_crossings"] = t(
        "briefing.no_crossings", lang, km=format_number(briefing.near_km, lang)
    )
    texts["sample"] = t("common.sample_data", lang)
    texts["sample_note"] = t("common.sample_data_note", lang)
    return texts


def period_label(period: Period, lang: str) -> str:
    """``"2–8 Juni 2025 (2025-W23)"``-style label of a period."""
    start, end = format_date(period.start, lang), format_date(period.end, lang)
    label = start if period.start == period.end else f"{start} – {end}"
    iso = period.start.isocalendar()
    if period.days == 7 and period.start.weekday() == 0:
        label += f" ({iso.year}-W{iso.week:02d})"
    return label


def _priority_rows(briefing: Briefing) -> list[dict[str, object]]:
    """Rows of the priority table (plain values: the template escapes them)."""
    lang = briefing.lang
    rows = []
    for crossing in briefing.priorities.head(briefing.top).to_dict("records"):
        verified = crossing.get("last_verified")
        days = crossing.get("days_since_verified")
        details = [
            t(KIND_KEYS.get(crossing["kind"], "briefing.kind_other"), lang),
            t(f"crossing_status.{crossing['status']}", lang).lower(),
        ]
        if pd.notna(verified):
            details.append(
                t("briefing.verified", lang, days=format_number(days, lang))
                if pd.notna(days) and days >= 0
                else t("briefing.verified_later", lang)
            )
        rows.append(
            {
                "rank": crossing["rank"],
                "name": crossing["name"],
                "details": " · ".join(details),
                "risk": format_number(crossing["risk_weighted_cases"], lang, digits=1),
                "cases": format_number(crossing["cases"], lang),
                "cases_previous": format_number(crossing["cases_previous"], lang),
                "trend": crossing["trend"],
                "arrow": _ARROWS[crossing["trend"]],
            }
        )
    return rows


def _patrol_section(briefing: Briefing) -> dict[str, object] | None:
    """Summary and rows of the suggested patrol locations."""
    plan, lang = briefing.patrol, briefing.lang
    if plan is None:
        return None
    summary = t(
        "briefing.patrol_summary",
        lang,
        sites=format_number(len(plan.sites_), lang),
        radius=format_number(plan.radius_km, lang),
        covered=format_number(plan.covered_share_ * 100.0, lang, digits=0),
    )
    rows = [
        {
            "order": site["order"],
            "name": site["name"],
            "gain": format_number(site["gain_pct"], lang, digits=1) + " %",
            "covered": format_number(site["covered_pct"], lang, digits=1) + " %",
        }
        for site in plan.sites_.to_dict("records")
    ]
    return {"summary": summary, "rows": rows}


def _change_rows(briefing: Briefing) -> list[dict[str, str]]:
    """Rows of the changes table."""
    lang = briefing.lang
    rows = []
    for row in briefing.changes.to_dict("records"):
        change = int(row["change"])
        trend = "up" if change > 0 else "down" if change < 0 else "same"
        rows.append(
            {
                "label": t(CHANGE_KEYS[row["measure"]], lang),
                "this": format_number(row["this_period"], lang),
                "previous": format_number(row["previous_period"], lang),
                "change": (f"{_ARROWS[trend]} {change:+d}" if change else "0"),
                "trend": trend,
                "year": format_number(row["last_12_months"], lang),
            }
        )
    return rows


def _case_rows(briefing: Briefing) -> list[dict[str, object]]:
    """Rows of the period's cases (newest first, at most :data:`MAX_LISTED_CASES`)."""
    lang = briefing.lang
    names = _place_names()
    crossing_names = (
        briefing.crossings.set_index("crossing_id")["name"]
        if len(briefing.crossings)
        else pd.Series(dtype=str)
    )
    cases = briefing.cases.sort_values(["date_reported", "case_id"], ascending=[False, True])
    rows = []
    for case in cases.head(MAX_LISTED_CASES).to_dict("records"):
        code = _text(case.get("admin_code"))
        crossing_id = _text(case.get("crossing_id"))
        crossing = crossing_names.get(crossing_id, crossing_id) if crossing_id else ""
        if not crossing:
            crossing = t(f"crossing_type.{case.get('crossing_type') or 'unknown'}", lang)
        rows.append(
            {
                "case_id": case["case_id"],
                "date": format_date(
                    pd.Timestamp(case["date_reported"]).date(), lang, style="medium"
                ),
                "place": names.get(code, code),
                "victims": format_number(case.get("victims_total"), lang),
                "crossing": crossing,
            }
        )
    return rows


def _text(value: object) -> str:
    """``value`` as text, empty for None, NaN and pandas.NA."""
    return "" if value is None or pd.isna(value) else str(value).strip()  # type: ignore[call-overload]


@cache
def _place_names() -> dict[str, str]:
    """Name of every code in the gazetteer."""
    gazetteer = reference.load_gazetteer()
    return dict(zip(gazetteer["code"], gazetteer["name"], strict=True))


def _method(briefing: Briefing) -> list[str]:
    """Paragraphs of the note on method."""
    lang = briefing.lang
    half_life = briefing.half_life_days
    radius = briefing.patrol.radius_km if briefing.patrol is not None else DEFAULT_PATROL_RADIUS_KM
    paragraphs = [
        t(
            "briefing.method_ranking",
            lang,
            km=format_number(briefing.near_km, lang),
            half_life=format_number(half_life, lang),
        ),
        t("briefing.method_patrol", lang, radius=format_number(radius, lang)),
        t("briefing.method_changes", lang),
    ]
    if briefing.unplaced_cases:
        paragraphs.append(
            t("briefing.method_unplaced", lang, count=format_number(briefing.unplaced_cases, lang))
        )
    if briefing.synthetic:
        paragraphs.append(t("briefing.method_synthetic", lang))
    return paragraphs


def _map_note(briefing: Briefing) -> str:
    """Caption under the map: cases not drawn because their place is too coarse."""
    hidden = int(briefing.cases.geometry.isna().sum())
    if not hidden:
        return ""
    return t("briefing.map_hidden_cases", briefing.lang, count=format_number(hidden, briefing.lang))


_SWATCHES: Final = {
    "kabupaten": (
        f'<rect x="1" y="1" width="12" height="12" fill="{SELECTED_FILL}" '
        'stroke="#222" stroke-width="1.5"/>'
    ),
    "border": f'<line x1="0" y1="7" x2="14" y2="7" stroke="{styles.BORDER}" stroke-width="2.5"/>',
    "period_cases": f'<circle cx="7" cy="7" r="4" fill="{PERIOD_CASE}" stroke="#fff"/>',
    "year_cases": f'<circle cx="7" cy="7" r="2.5" fill="{YEAR_CASE}"/>',
    "patrol": (
        f'<circle cx="7" cy="7" r="5.5" fill="none" stroke="{styles.CASE}" '
        'stroke-dasharray="2 1.5"/>'
    ),
}


def _swatch(body: str) -> Markup:
    """A 14 px legend symbol (project-made SVG, no user text)."""
    return Markup(
        f'<svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true">{body}</svg>'
    )


def _legend(briefing: Briefing) -> list[dict[str, object]]:
    """Legend entries below the map."""
    lang = briefing.lang
    items = [
        (_SWATCHES["kabupaten"], t("briefing.legend_kabupaten", lang)),
        (_SWATCHES["border"], t("map.layer.border", lang)),
        (symbol_markup("plbn", 7, 7, 5), t("crossing_kind.plbn", lang)),
        (symbol_markup("land_track", 7, 7, 5), t("briefing.legend_unofficial", lang)),
        (_SWATCHES["period_cases"], t("briefing.legend_period_cases", lang)),
        (_SWATCHES["year_cases"], t("briefing.legend_year_cases", lang)),
    ]
    if briefing.patrol is not None:
        radius = format_number(briefing.patrol.radius_km, lang)
        items.append((_SWATCHES["patrol"], t("briefing.legend_patrol", lang, radius=radius)))
    return [{"symbol": _swatch(body), "label": label} for body, label in items]


@cache
def _environment() -> jinja2.Environment:
    """The Jinja environment of the templates, escaping every value by default."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
