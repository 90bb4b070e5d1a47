"""The briefing's contents: for one kabupaten and one period, computed once.

Crossings that matter to a kabupaten: those within ``near_km`` of it, and those its cases
named (Pontianak's victims cross at Entikong, 200 km away). They are ranked by
recency-weighted cases (:func:`layers.patrol.rank_crossings`), with suggested patrol
locations (:class:`layers.patrol.PatrolPlan`), the changes since the previous period and
the period's cases. :func:`case_weeks` and :func:`default_week` choose the week.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geodata import reference
from geodata.errors import GeodataError
from geodata.i18n import WIB
from geodata.settings import DEFAULT_LANGUAGE, LANGUAGES, METRIC_CRS
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

log = logging.getLogger(__name__)

#: Crossings listed on the page (the rest are on the map only): what fits one page.
DEFAULT_TOP_CROSSINGS: Final = 8
#: Patrol locations suggested on the page.
DEFAULT_BRIEFING_PATROL_SITES: Final = 3


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
        All cases, as from :func:`geodata.records.loaders.load_cases` (crossings are ranked on
        every case that used them, wherever the victim came from).
    crossings
        All crossings, as from :func:`geodata.records.loaders.load_crossings`.
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
