"""A one-page patrol briefing for a kabupaten and a week, as printable HTML and PDF.

The page holds a map (an inline SVG drawn from the geometries: it needs no script, no
tiles and no network, and prints sharp), the crossings that matter to the kabupaten ranked
by recency-weighted cases (:func:`layers.patrol.rank_crossings`), suggested patrol
locations (:class:`layers.patrol.PatrolPlan`), the changes since the previous period, the
period's cases, the "DATA CONTOH / SAMPLE DATA" label when any record is synthetic, the
time it was generated and a note on method. Every text from the data (names, ids) is
escaped; the HTML has no external URL. PDF comes from headless Chromium
(``--print-to-pdf``).

Crossings that matter to a kabupaten: those within ``near_km`` of it, and those its cases
named (Pontianak's victims cross at Entikong, 200 km away).

Command line::

    python -m layers.briefing --kabupaten 61.03 --week 2025-W23 [--cases FILE]
        [--crossings FILE] [--lang id|en] --out briefing.html|briefing.pdf
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

import geopandas as gpd
import jinja2
import numpy as np
import pandas as pd
import shapely
from markupsafe import Markup
from shapely.geometry.base import BaseGeometry

from geodata import reference
from geodata._errors import GeodataError
from geodata.i18n import WIB, format_date, format_number, format_timestamp, t
from geodata.settings import DEFAULT_LANGUAGE, LANGUAGES, METRIC_CRS
from layers import styles
from layers._html import escape_text
from layers._inputs import require_frame
from layers.coverage import case_kabupaten, case_places
from layers.patrol import (
    DEFAULT_HALF_LIFE_DAYS,
    DEFAULT_NEAR_KM,
    DEFAULT_PATROL_RADIUS_KM,
    PatrolPlan,
    rank_crossings,
)
from layers.periods import Period

__all__ = [
    "DEFAULT_BRIEFING_PATROL_SITES",
    "DEFAULT_TOP_CROSSINGS",
    "WIB",
    "Briefing",
    "briefing_html",
    "briefing_svg",
    "build_briefing",
    "case_weeks",
    "default_week",
    "html_to_pdf",
    "main",
    "pdf_bytes",
    "period_label",
    "write_briefing",
]

log = logging.getLogger(__name__)

#: Crossings listed on the page (the rest are on the map only): what fits one page.
DEFAULT_TOP_CROSSINGS: Final = 8
#: Patrol locations suggested on the page.
DEFAULT_BRIEFING_PATROL_SITES: Final = 3
#: Cases of the period listed on the page.
MAX_LISTED_CASES: Final = 6
#: Seconds Chromium may take to print.
PDF_TIMEOUT_S: Final = 120.0
#: Executables tried, in order, when no Chromium path is given.
CHROMIUM_NAMES: Final = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Debian's Chromium, tried last (it may be off the PATH of a service).
_SYSTEM_CHROMIUM: Final = Path("/usr/bin/chromium")
TEMPLATE_DIR: Final = Path(__file__).resolve().parent / "templates"
#: Width of the map's SVG coordinate space; the height follows the area's shape.
_SVG_WIDTH: Final = 1000.0
_SVG_MAX_HEIGHT: Final = 900.0
_MAP_MARGIN: Final = 0.06
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
_PERIOD_CASE: Final = "#d7191c"
_YEAR_CASE: Final = "#9e9e9e"
_SELECTED_FILL: Final = "#fff7bc"


@dataclass(frozen=True)
class Briefing:
    """Everything on a briefing page, computed once; render with :func:`briefing_html`.

    Attributes
    ----------
    kabupaten
        The kabupaten (one row of the reference coverage: ``code``, ``name``, geometry).
    period
        The week or date range of the briefing; ``period.previous()`` is compared.
    priorities
        Crossings that matter to the kabupaten, ranked (see
        :func:`layers.patrol.rank_crossings`), all of them (the page lists the first
        ``top``).
    changes
        One row per measure: ``measure``, ``this_period``, ``previous_period``, ``change``,
        ``last_12_months`` (the 365 days to the period's end), for the kabupaten's cases.
    cases
        The kabupaten's cases in the period, with their place (point or desa centre).
    recent_cases
        The kabupaten's cases in the 365 days to the period's end (for the map).
    patrol
        The fitted patrol plan over the crossings that matter, or ``None`` if there are none.
    synthetic
        Whether any case or crossing is synthetic (the page then carries the label).
    generated_at
        When the briefing was made (shown on the page).
    crossings
        All crossings (the map draws those in its frame).
    lang, top, near_km, half_life_days
        Language of the page, crossings listed, and the ranking's options.
    unplaced_cases
        The kabupaten's cases of the last 12 months that have no place (known only to the
        kecamatan or kabupaten): counted in the tables, not drawn.
    """

    kabupaten: pd.Series
    period: Period
    priorities: gpd.GeoDataFrame
    changes: pd.DataFrame
    cases: gpd.GeoDataFrame
    recent_cases: gpd.GeoDataFrame
    patrol: PatrolPlan | None
    synthetic: bool
    generated_at: dt.datetime
    crossings: gpd.GeoDataFrame
    lang: str = DEFAULT_LANGUAGE
    top: int = DEFAULT_TOP_CROSSINGS
    near_km: float = DEFAULT_NEAR_KM
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS
    unplaced_cases: int = 0


def build_briefing(
    cases: gpd.GeoDataFrame,
    crossings: gpd.GeoDataFrame,
    *,
    kabupaten: str,
    period: Period,
    lang: str = DEFAULT_LANGUAGE,
    synthetic: bool | None = None,
    near_km: float | None = None,
    half_life_days: float | None = None,
    top: int = DEFAULT_TOP_CROSSINGS,
    patrol_sites: int = DEFAULT_BRIEFING_PATROL_SITES,
    patrol_radius_km: float = DEFAULT_PATROL_RADIUS_KM,
    generated_at: dt.datetime | None = None,
    gazetteer: pd.DataFrame | None = None,
) -> Briefing:
    """Compute the contents of the briefing for one kabupaten and period.

    Parameters
    ----------
    cases
        All cases, as from :func:`geodata.loaders.load_cases` (crossings are ranked on
        every case that used them, wherever the victim came from).
    crossings
        All crossings, as from :func:`geodata.loaders.load_crossings`.
    kabupaten
        Kemendagri code (``"61.03"``) or name (``"Sanggau"``) of the kabupaten.
    period
        The week (``Period.iso_week("2025-W23")``) or date range of the briefing.
    lang
        Language of the page, ``{"id", "en"}``.
    synthetic
        Show the sample-data label; ``None`` shows it when any case or crossing has
        ``synthetic`` true.
    near_km, half_life_days
        As :func:`layers.patrol.rank_crossings` (``None`` takes their defaults).
    top
        Crossings listed on the page.
    patrol_sites, patrol_radius_km
        As :class:`layers.patrol.PatrolPlan`; ``patrol_sites=0`` leaves the section out.
    generated_at
        Time printed on the page; ``None`` is now.
    gazetteer
        Desa names and centres; ``None`` loads the reference gazetteer.
    """
    require_frame(cases, "cases", ["case_id", "date_reported", "crossing_id"])
    require_frame(crossings, "crossings", ["crossing_id", "name", "kind", "status"])
    if lang not in LANGUAGES:
        raise GeodataError(f"`lang` should be one of {set(LANGUAGES)}, got {lang!r}")
    near_km = DEFAULT_NEAR_KM if near_km is None else near_km
    half_life_days = DEFAULT_HALF_LIFE_DAYS if half_life_days is None else half_life_days
    gazetteer = reference.load_gazetteer() if gazetteer is None else gazetteer
    units = reference.load_units("kabupaten")
    unit = _find_kabupaten(kabupaten, units)

    dates = pd.to_datetime(cases["date_reported"]).dt.normalize()
    cases = cases[dates <= pd.Timestamp(period.end)]
    in_kabupaten = case_kabupaten(cases, kabupaten=units) == unit["code"]
    local = cases[in_kabupaten.fillna(False).to_numpy()]
    relevant = _relevant_crossings(crossings, local, unit.geometry, near_km=near_km)
    priorities = (
        rank_crossings(
            cases,
            relevant,
            period=period,
            near_km=near_km,
            half_life_days=half_life_days,
            gazetteer=gazetteer,
        )
        if len(relevant)
        else relevant.assign(rank=pd.Series(dtype="int64"))
    )
    patrol = None
    if patrol_sites > 0 and len(relevant):
        named = cases["crossing_id"].isin(set(relevant["crossing_id"]))
        demand = cases[in_kabupaten.fillna(False).to_numpy() | named.to_numpy()]
        if len(demand):
            patrol = PatrolPlan(
                sites=patrol_sites, radius_km=patrol_radius_km, half_life_days=half_life_days
            ).fit(demand, relevant, reference_date=period.end, gazetteer=gazetteer)

    places = case_places(local, gazetteer=gazetteer)
    placed = local.set_geometry(places.to_numpy()).set_crs(local.crs, allow_override=True)
    year = Period.ending(period.end, days=365)
    if synthetic is None:
        synthetic = _any_synthetic(cases) or _any_synthetic(crossings)
    briefing = Briefing(
        kabupaten=unit,
        period=period,
        priorities=priorities,
        changes=_changes(local, period=period, year=year),
        cases=placed[period.contains(placed["date_reported"]).to_numpy()],
        recent_cases=placed[year.contains(placed["date_reported"]).to_numpy()],
        patrol=patrol,
        synthetic=bool(synthetic),
        generated_at=generated_at or dt.datetime.now(WIB),
        lang=lang,
        top=top,
        near_km=near_km,
        half_life_days=half_life_days,
        crossings=crossings,
        unplaced_cases=int((places.isna() & year.contains(local["date_reported"])).sum()),
    )
    log.info(
        "Briefing %s %s–%s: %d crossings, %d cases in the period",
        unit["code"],
        period.start,
        period.end,
        len(priorities),
        len(briefing.cases),
    )
    return briefing


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


def briefing_svg(briefing: Briefing) -> str:
    """The briefing's map as an inline SVG: kabupaten, border, crossings, patrols, cases.

    Drawn in :data:`METRIC_CRS` from the simplified web layers; every name is escaped.
    """
    frame = _map_frame(briefing)
    draw = _SvgCanvas(frame)
    sarawak = reference.load_web_layer("sarawak").to_crs(METRIC_CRS)
    kabupaten = reference.load_web_layer("kabupaten").to_crs(METRIC_CRS)
    border = reference.load_web_layer("border").to_crs(METRIC_CRS)
    code = briefing.kabupaten["code"]
    parts = [
        draw.shapes(sarawak.geometry, fill=styles.SARAWAK_FILL, stroke="#b9b2a0", width=0.6),
        draw.shapes(
            kabupaten[kabupaten["code"] != code].geometry,
            fill="#f7f7f7",
            stroke="#9a9a9a",
            width=0.8,
        ),
        draw.shapes(
            kabupaten[kabupaten["code"] == code].geometry,
            fill=_SELECTED_FILL,
            stroke="#222222",
            width=2.2,
        ),
        draw.shapes(border.geometry, fill="none", stroke=styles.BORDER, width=2.4),
    ]
    if briefing.patrol is not None:
        sites = briefing.patrol.sites_.to_crs(METRIC_CRS)
        radius = briefing.patrol.radius_km * 1000.0
        parts += [draw.reach(point, radius) for point in sites.geometry]
    parts.append(_case_dots(draw, briefing.recent_cases, color=_YEAR_CASE, radius=2.6))
    parts.append(_case_dots(draw, briefing.cases, color=_PERIOD_CASE, radius=5.0))
    parts.append(_crossing_symbols(draw, briefing))
    parts.append(draw.scale_bar())
    parts.append(draw.north_arrow())
    label = escape_text(t("briefing.map", briefing.lang) + ": " + str(briefing.kabupaten["name"]))
    return (
        f'<svg class="kb-map" viewBox="0 0 {draw.width:.0f} '
        f'{draw.height:.0f}" role="img" aria-label="{label}" '
        'font-family="DejaVu Sans, Arial, sans-serif">'
        f'<rect width="100%" height="100%" fill="{styles.SEA}"/>' + "".join(parts) + "</svg>"
    )


def html_to_pdf(
    html: str,
    path: Path | str,
    *,
    chromium: Path | str | None = None,
    timeout_s: float = PDF_TIMEOUT_S,
) -> Path:
    """Print an HTML page to PDF with headless Chromium.

    Parameters
    ----------
    html
        The page; it should need no network (Chromium runs with networking features off).
    path
        Where to write the PDF.
    chromium
        The Chromium executable; ``None`` looks for ``chromium``, ``chromium-browser`` and
        Google Chrome on the PATH, then ``/usr/bin/chromium``.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    FileNotFoundError
        If Chromium is not installed (the message names the package).
    RuntimeError
        If Chromium fails or times out, or writes no PDF.
    """
    executable = _find_chromium(chromium)
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="briefing-") as folder:
        page = Path(folder) / "briefing.html"
        page.write_text(html, encoding="utf-8")
        command = [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-pdf-header-footer",
            f"--user-data-dir={Path(folder) / 'profile'}",
            f"--print-to-pdf={path}",
            page.as_uri(),
        ]
        _run_chromium(command, timeout_s=timeout_s)
    if not path.is_file() or path.read_bytes()[:5] != b"%PDF-":
        raise RuntimeError(f"Chromium ran but wrote no PDF to {path}")
    log.info("Printed the briefing to %s (%d bytes)", path, path.stat().st_size)
    return path


def pdf_bytes(html: str, *, chromium: Path | str | None = None) -> bytes:
    """Print an HTML page to PDF and return the file's bytes (for a download button).

    See :func:`html_to_pdf` for ``chromium`` and the errors raised.
    """
    with tempfile.TemporaryDirectory(prefix="briefing-pdf-") as folder:
        return html_to_pdf(html, Path(folder) / "briefing.pdf", chromium=chromium).read_bytes()


def write_briefing(
    briefing: Briefing, path: Path | str, *, chromium: Path | str | None = None
) -> Path:
    """Write the briefing as HTML or PDF, chosen by the suffix of ``path`` (.html / .pdf)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".html", ".htm", ".pdf"}:
        raise GeodataError(f"`path` should end in .html or .pdf, got {path.name!r}")
    html = briefing_html(briefing)
    if suffix == ".pdf":
        return html_to_pdf(html, path, chromium=chromium)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write a briefing for ``--kabupaten`` and ``--week`` (or a date range)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.week is None and args.date_to is None:
        parser.error("--from needs --to")
    if args.week is not None and args.date_to is not None:
        parser.error("--to goes with --from, not with --week")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        period = Period.iso_week(args.week) if args.week else Period(args.date_from, args.date_to)
        cases, crossings = _load_inputs(args.cases, args.crossings, lang=args.lang)
        briefing = build_briefing(
            cases, crossings, kabupaten=args.kabupaten, period=period, lang=args.lang
        )
        written = write_briefing(briefing, args.out)
    except (GeodataError, FileNotFoundError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(written)
    return 0


# --- contents ------------------------------------------------------------------------------


def _find_kabupaten(value: str, units: gpd.GeoDataFrame) -> pd.Series:
    """The kabupaten row whose code or name is ``value`` (names ignore case and prefixes)."""
    text = str(value).strip()
    by_code = units[units["code"] == text]
    if len(by_code):
        return by_code.iloc[0]
    short = units["name"].str.replace(r"^(Kabupaten|Kota)\s+", "", regex=True).str.casefold()
    wanted = re.sub(r"^(kabupaten|kota|kab\.?)\s+", "", text.casefold())
    by_name = units[(short == wanted) | (units["name"].str.casefold() == text.casefold())]
    if len(by_name) == 1:
        return by_name.iloc[0]
    choices = ", ".join(
        f"{code} ({name})" for code, name in zip(units["code"], units["name"], strict=True)
    )
    raise GeodataError(
        f"`kabupaten` should be a Kalbar kabupaten code or name, got {value!r}; "
        f"choose one of: {choices}"
    )


def _relevant_crossings(
    crossings: gpd.GeoDataFrame,
    local: gpd.GeoDataFrame,
    area: BaseGeometry,
    *,
    near_km: float,
) -> gpd.GeoDataFrame:
    """Crossings within ``near_km`` of the kabupaten, or named by one of its cases."""
    shape = gpd.GeoSeries([area], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]
    points = crossings.geometry.to_crs(METRIC_CRS)
    near = points.distance(shape) <= near_km * 1000.0
    named = crossings["crossing_id"].isin(set(local["crossing_id"].dropna()))
    return crossings[(near | named).to_numpy()]


def _changes(local: gpd.GeoDataFrame, *, period: Period, year: Period) -> pd.DataFrame:
    """Counts of the kabupaten's cases this period, the previous one and the last year."""
    victims = local.get("victims_total", pd.Series(0, index=local.index)).fillna(0)
    children = sum(
        (local[c].fillna(0) for c in ("victims_female_child", "victims_male_child") if c in local),
        start=pd.Series(0, index=local.index),
    )
    crossing = local.get("crossing_type", pd.Series("unknown", index=local.index))
    values = {
        "cases": pd.Series(1, index=local.index),
        "victims": victims,
        "child_victims": children,
        "unofficial": (crossing == "unofficial").astype(int),
        "official": (crossing == "official").astype(int),
    }
    windows = {
        "this_period": period.contains(local["date_reported"]),
        "previous_period": period.previous().contains(local["date_reported"]),
        "last_12_months": year.contains(local["date_reported"]),
    }
    rows = [
        {"measure": name, **{w: int(series[mask].sum()) for w, mask in windows.items()}}
        for name, series in values.items()
    ]
    frame = pd.DataFrame(rows)
    frame["change"] = frame["this_period"] - frame["previous_period"]
    return frame[["measure", "this_period", "previous_period", "change", "last_12_months"]]


def _any_synthetic(frame: pd.DataFrame) -> bool:
    """Whether any record of ``frame`` is flagged synthetic."""
    return "synthetic" in frame.columns and bool(
        frame["synthetic"].fillna(False).astype(bool).any()
    )


# --- page text -----------------------------------------------------------------------------


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


def case_weeks(dates: pd.Series) -> list[Period]:
    """The ISO weeks (Monday to Sunday) that hold a date of ``dates``, newest first: the
    weeks a briefing can be about."""
    days = pd.to_datetime(dates).dropna().dt.normalize()
    mondays = sorted({d.date() for d in days - pd.to_timedelta(days.dt.day_of_week, unit="D")})
    return [Period(monday, monday + dt.timedelta(days=6)) for monday in reversed(mondays)]


def default_week(dates: pd.Series) -> Period:
    """The briefing's default week: the last whole ISO week (Monday to Sunday) that holds a
    date of ``dates`` and ends by the last of them, so the week is not cut by the end of
    the data; the week of the last date when no week is whole.

    Raises
    ------
    GeodataError
        If ``dates`` holds no date.
    """
    days = pd.to_datetime(dates).dropna().dt.normalize()
    if days.empty:
        raise GeodataError("`dates` holds no date; pass the week explicitly")
    mondays = days - pd.to_timedelta(days.dt.day_of_week, unit="D")
    last = days.max()
    whole = mondays[mondays + pd.Timedelta(days=6) <= last]
    monday = (whole.max() if len(whole) else mondays.max()).date()
    return Period(monday, monday + dt.timedelta(days=6))


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
        f'<rect x="1" y="1" width="12" height="12" fill="{_SELECTED_FILL}" '
        'stroke="#222" stroke-width="1.5"/>'
    ),
    "border": f'<line x1="0" y1="7" x2="14" y2="7" stroke="{styles.BORDER}" stroke-width="2.5"/>',
    "period_cases": f'<circle cx="7" cy="7" r="4" fill="{_PERIOD_CASE}" stroke="#fff"/>',
    "year_cases": f'<circle cx="7" cy="7" r="2.5" fill="{_YEAR_CASE}"/>',
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
        (_symbol_markup("plbn", 7, 7, 5), t("crossing_kind.plbn", lang)),
        (_symbol_markup("land_track", 7, 7, 5), t("briefing.legend_unofficial", lang)),
        (_SWATCHES["period_cases"], t("briefing.legend_period_cases", lang)),
        (_SWATCHES["year_cases"], t("briefing.legend_year_cases", lang)),
    ]
    if briefing.patrol is not None:
        radius = format_number(briefing.patrol.radius_km, lang)
        items.append((_SWATCHES["patrol"], t("briefing.legend_patrol", lang, radius=radius)))
    return [{"symbol": _swatch(body), "label": label} for body, label in items]


# --- the SVG map ---------------------------------------------------------------------------


class _SvgCanvas:
    """Projects metric coordinates into an SVG box and writes shapes as SVG markup."""

    def __init__(self, bounds: tuple[float, float, float, float]) -> None:
        west, south, east, north = bounds
        self.west, self.north = west, north
        self.scale = _SVG_WIDTH / (east - west)
        self.width = _SVG_WIDTH
        self.height = (north - south) * self.scale
        self.bounds = bounds
        self.tolerance = 0.6 / self.scale  # drop detail under ~0.6 SVG units

    def xy(self, x: float, y: float) -> tuple[float, float]:
        """SVG coordinates of a metric point."""
        return (x - self.west) * self.scale, (self.north - y) * self.scale

    def shapes(self, geometries: gpd.GeoSeries, *, fill: str, stroke: str, width: float) -> str:
        """One ``<path>`` holding every polygon or line of ``geometries`` clipped to the map."""
        pad = 20.0 / self.scale
        west, south, east, north = self.bounds
        clipped = shapely.clip_by_rect(
            geometries.values, west - pad, south - pad, east + pad, north + pad
        )
        simple = shapely.simplify(clipped, self.tolerance)
        data = "".join(self._path_data(geometry) for geometry in simple if geometry is not None)
        if not data:
            return ""
        return (
            f'<path d="{data}" fill="{fill}" stroke="{stroke}" stroke-width="{width}" '
            'fill-rule="evenodd" stroke-linejoin="round"/>'
        )

    def _path_data(self, geometry: BaseGeometry) -> str:
        """SVG path commands of a (multi)polygon or (multi)line."""
        if geometry.is_empty:
            return ""
        if hasattr(geometry, "geoms"):
            return "".join(self._path_data(part) for part in geometry.geoms)
        if geometry.geom_type == "Polygon":
            rings = [geometry.exterior, *geometry.interiors]
            return "".join(self._ring(np.asarray(ring.coords), close=True) for ring in rings)
        if geometry.geom_type in {"LineString", "LinearRing"}:
            return self._ring(np.asarray(geometry.coords), close=False)
        return ""

    def _ring(self, coords: np.ndarray, *, close: bool) -> str:
        if len(coords) < 2:
            return ""
        x = (coords[:, 0] - self.west) * self.scale
        y = (self.north - coords[:, 1]) * self.scale
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))
        return f"M{points}{'Z' if close else ''}"

    def reach(self, point: BaseGeometry, radius_m: float) -> str:
        """A dashed circle of a patrol's reach."""
        cx, cy = self.xy(point.x, point.y)
        return (
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius_m * self.scale:.1f}" '
            f'fill="{styles.CASE}" fill-opacity="0.06" stroke="{styles.CASE}" '
            'stroke-width="1.6" stroke-dasharray="6 4"/>'
        )

    def scale_bar(self) -> str:
        """A scale bar of a round number of km at the bottom left."""
        target_m = (self.width * 0.22) / self.scale
        km = _round_length(target_m / 1000.0)
        length = km * 1000.0 * self.scale
        x0, y0 = 16.0, self.height - 18.0
        return (
            f'<g><rect x="{x0 - 6:.1f}" y="{y0 - 22:.1f}" width="{length + 12:.1f}" height="32" '
            'fill="#ffffff" fill-opacity="0.8"/>'
            f'<path d="M{x0:.1f},{y0 - 6:.1f}V{y0:.1f}H{x0 + length:.1f}V{y0 - 6:.1f}" '
            'fill="none" stroke="#222" stroke-width="2"/>'
            f'<text x="{x0 + length / 2:.1f}" y="{y0 - 9:.1f}" font-size="15" '
            f'text-anchor="middle">{km:g} km</text></g>'
        )

    def north_arrow(self) -> str:
        """A north arrow at the top right."""
        x, y = self.width - 28.0, 16.0
        return (
            f'<g><path d="M{x},{y} l10,30 l-10,-8 l-10,8 Z" fill="#222"/>'
            f'<text x="{x}" y="{y + 48}" font-size="15" text-anchor="middle">N</text></g>'
        )


def _round_length(km: float) -> float:
    """The largest of 1, 2, 5 × 10ⁿ km not above ``km``."""
    exponent = np.floor(np.log10(max(km, 1e-3)))
    for step in (5.0, 2.0, 1.0):
        if step * 10**exponent <= km:
            return float(step * 10**exponent)
    return float(10**exponent)


def _map_frame(briefing: Briefing) -> tuple[float, float, float, float]:
    """Metric bounds of the map: the kabupaten, its listed crossings and patrol reach."""
    shapes = [briefing.kabupaten.geometry]
    listed = briefing.priorities.head(briefing.top)
    shapes += list(listed.geometry)
    frame = gpd.GeoSeries(shapes, crs="EPSG:4326").to_crs(METRIC_CRS)
    west, south, east, north = frame.total_bounds
    if briefing.patrol is not None and len(briefing.patrol.sites_):
        sites = briefing.patrol.sites_.to_crs(METRIC_CRS)
        reach = sites.buffer(briefing.patrol.radius_km * 1000.0).total_bounds
        west, south = min(west, reach[0]), min(south, reach[1])
        east, north = max(east, reach[2]), max(north, reach[3])
    pad_x, pad_y = (east - west) * _MAP_MARGIN, (north - south) * _MAP_MARGIN
    west, east, south, north = west - pad_x, east + pad_x, south - pad_y, north + pad_y
    # Widen a tall frame so the map is never taller than _SVG_MAX_HEIGHT units.
    min_width = (north - south) * _SVG_WIDTH / _SVG_MAX_HEIGHT
    if east - west < min_width:
        middle = (east + west) / 2
        west, east = middle - min_width / 2, middle + min_width / 2
    return float(west), float(south), float(east), float(north)


def _case_dots(draw: _SvgCanvas, cases: gpd.GeoDataFrame, *, color: str, radius: float) -> str:
    """Cases as dots (cases without a place are not drawn)."""
    points = cases.geometry.dropna()
    if not len(points):
        return ""
    metric = points.to_crs(METRIC_CRS)
    dots = []
    for x, y in zip(metric.x, metric.y, strict=True):
        cx, cy = draw.xy(x, y)
        dots.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius}" fill="{color}" '
            'stroke="#ffffff" stroke-width="0.8"/>'
        )
    return "<g>" + "".join(dots) + "</g>"


def _symbol_markup(kind: str, x: float, y: float, size: float) -> str:
    """A crossing symbol: PLBN square, unofficial triangle (river: diamond)."""
    if kind == "plbn":
        return (
            f'<rect x="{x - size:.1f}" y="{y - size:.1f}" width="{2 * size:.1f}" '
            f'height="{2 * size:.1f}" fill="{styles.PLBN}" stroke="#222" stroke-width="1"/>'
        )
    if kind == "river_route":
        points = f"{x},{y - size} {x + size},{y} {x},{y + size} {x - size},{y}"
    else:
        points = f"{x},{y - size} {x + size},{y + size * 0.8} {x - size},{y + size * 0.8}"
    return f'<polygon points="{points}" fill="{styles.UNOFFICIAL}" stroke="#222" stroke-width="1"/>'


#: Where a rank label may go relative to its crossing, tried in order (SVG units).
_LABEL_OFFSETS: Final = (
    (13, -12), (-13, -12), (13, 12), (-13, 12), (0, -24), (0, 24), (26, 0), (-26, 0),
    (24, -24), (-24, -24), (24, 24), (-24, 24), (0, -40), (40, 0), (-40, 0), (0, 40),
)  # fmt: skip
_LABEL_GAP: Final = 19.0


def _crossing_symbols(draw: _SvgCanvas, briefing: Briefing) -> str:
    """Every crossing in the frame, the listed ones larger and numbered by rank.

    Each crossing carries its (escaped) name as an SVG ``<title>``. Rank labels are placed
    in rank order at the first free spot around their crossing, so close crossings (the
    tracks around Entikong) keep readable numbers; a label with no free spot is left out.
    """
    crossings = briefing.crossings
    if not len(crossings):
        return ""
    listed = briefing.priorities.head(briefing.top)
    ranks = dict(zip(listed["crossing_id"], listed["rank"], strict=True))
    metric = crossings.to_crs(METRIC_CRS)
    metric["rank"] = metric["crossing_id"].map(ranks)
    west, south, east, north = draw.bounds
    inside = metric.geometry.x.between(west, east) & metric.geometry.y.between(south, north)
    metric = metric[inside].sort_values("rank", na_position="first")
    symbols, labels = [], []
    taken: list[tuple[float, float]] = []
    for crossing in metric.to_dict("records"):
        x, y = draw.xy(crossing["geometry"].x, crossing["geometry"].y)
        ranked = pd.notna(crossing["rank"])
        body = _symbol_markup(str(crossing["kind"]), x, y, 7.0 if ranked else 4.0)
        title = escape_text(crossing["name"])
        opacity = "1" if ranked else "0.55"
        symbols.append(f'<g opacity="{opacity}"><title>{title}</title>{body}</g>')
        if ranked:
            spot = _free_spot(x, y, taken, width=draw.width, height=draw.height)
            if spot is not None:
                taken.append(spot)
                labels.append(_rank_label(x, y, spot, int(crossing["rank"]), title))
    return "<g>" + "".join(symbols) + "".join(labels) + "</g>"


def _free_spot(
    x: float, y: float, taken: list[tuple[float, float]], *, width: float, height: float
) -> tuple[float, float] | None:
    """The first label position around ``(x, y)`` clear of the labels already placed."""
    for dx, dy in _LABEL_OFFSETS:
        lx, ly = x + dx, y + dy
        if not (10 <= lx <= width - 10 and 10 <= ly <= height - 10):
            continue
        if all(np.hypot(lx - ox, ly - oy) >= _LABEL_GAP for ox, oy in taken):
            return lx, ly
    return None


def _rank_label(x: float, y: float, spot: tuple[float, float], rank: int, title: str) -> str:
    """A numbered disc at ``spot`` with a thin leader line to its crossing."""
    lx, ly = spot
    return (
        f"<g><title>{title}</title>"
        f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{lx:.1f}" y2="{ly:.1f}" stroke="#222" '
        'stroke-width="0.8"/>'
        f'<circle cx="{lx:.1f}" cy="{ly:.1f}" r="9" fill="#ffffff" stroke="#222" '
        'stroke-width="1"/>'
        f'<text x="{lx:.1f}" y="{ly + 4.5:.1f}" font-size="12" font-weight="bold" '
        f'text-anchor="middle">{rank}</text></g>'
    )


# --- templates, Chromium, command line -----------------------------------------------------


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


def _find_chromium(chromium: Path | str | None) -> str:
    """The Chromium executable to use, or a FileNotFoundError that says what to install."""
    if chromium is not None:
        if Path(chromium).is_file() or shutil.which(str(chromium)):
            return str(chromium)
        raise FileNotFoundError(f"`chromium` should be a Chromium executable, got {chromium!r}")
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    if _SYSTEM_CHROMIUM.is_file():
        return str(_SYSTEM_CHROMIUM)
    raise FileNotFoundError(
        "Printing the briefing to PDF needs Chromium, which is not installed. Install the "
        "`chromium` package (Debian/Ubuntu: `sudo apt-get install chromium`), or write "
        ".html and print it from a browser."
    )


def _run_chromium(command: list[str], *, timeout_s: float) -> None:
    """Run Chromium in its own process group; kill the whole group if it hangs."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        text=True,
    )
    try:
        _, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise RuntimeError(f"Chromium did not finish printing within {timeout_s:g} s") from None
    if process.returncode != 0:
        tail = "\n".join(stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"Chromium failed (exit {process.returncode}):\n{tail}")


def _load_inputs(
    cases_path: Path | None, crossings_path: Path | None, *, lang: str
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Cases and crossings from files, or the committed sample for what is not given."""
    from geodata.datasets import load_sample
    from geodata.loaders import load_cases, load_crossings

    sample = load_sample() if cases_path is None or crossings_path is None else None
    if crossings_path is None:
        assert sample is not None
        crossings = sample.crossings
    else:
        loaded = load_crossings(crossings_path)
        _warn_rejected(loaded.report, crossings_path, lang=lang)
        crossings = loaded.frame
    if cases_path is None:
        assert sample is not None
        return sample.cases, crossings
    result = load_cases(cases_path, crossings=crossings)
    _warn_rejected(result.report, cases_path, lang=lang)
    return result.frame, crossings


def _warn_rejected(report: object, path: Path, *, lang: str) -> None:
    """Print the validation report to stderr when the file had errors."""
    if not getattr(report, "ok", True):
        text = report.to_text(lang, limit=10)  # type: ignore[attr-defined]
        print(f"warning: {path}: rows with errors are left out\n{text}", file=sys.stderr)


def _date(text: str) -> dt.date:
    """An ISO date for argparse."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from error


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m layers.briefing",
        description="Write a one-page patrol briefing for a kabupaten and a week (HTML or PDF).",
    )
    parser.add_argument("--kabupaten", required=True, help="Kemendagri code (61.03) or name")
    when = parser.add_mutually_exclusive_group(required=True)
    when.add_argument("--week", help="ISO week, e.g. 2025-W23")
    when.add_argument("--from", dest="date_from", type=_date, help="first day (YYYY-MM-DD)")
    parser.add_argument("--to", dest="date_to", type=_date, help="last day, with --from")
    parser.add_argument("--cases", type=Path, help="case file (default: the sample data)")
    parser.add_argument("--crossings", type=Path, help="crossing file (default: the sample)")
    parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    parser.add_argument("--out", type=Path, required=True, help="briefing.html or briefing.pdf")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
