"""The access sub-package: who sees what (this module), logins (``auth``), disclosure
control (``_disclosure``, ``_cellkey``), analysis input and the dashboard's one door
(``gateway``). The top of the data layer: it may import every other sub-package.

Who sees what: every read of cases, crossings and shelters for a page or an export.

The rules (roles and levels in :mod:`geodata.roles`):

- **aggregates** (viewer, planner): cases only as counts (per unit, per period, per
  category, totals), every one of them perturbed by the cell-key method of
  :mod:`geodata.access._cellkey` (ABS TableBuilder, ONS 2021 Census): 0 stays 0, a true 1 or 2 is
  published as 0 or ``suppress_below`` (3), larger counts move by at most 2, and the same
  records always give the same number on every page, filter and export. Rates are computed
  from the published counts. Filters are coarsened (:func:`coarsened_filter`): whole calendar
  years, destination country only, no free-text source. No case record, point, exact date,
  free text or note is reachable: the view keeps only coded columns, the report date and the
  record keys. Shelters keep only :data:`~geodata.access._disclosure.SHELTER_FIELDS` with a keyed
  id; confidential ones are moved to their kecamatan's representative point and renamed
  (``location_generalised`` True).
- **records** (analyst, police) and **admin**: also case records and points, no suppression.
- **demo** (no store, no login): synthetic data only, at records level; a dataset holding any
  real case or shelter is refused (:class:`DemoDataError`).

The dashboard never calls this module for data directly: :mod:`geodata.access.gateway` keeps the
raw dataset, builds one :class:`RoleView` per access level and data version (its cache keys
hold both, so one role's view is never handed to another), produces exports through
:func:`export_bytes` after checking the session, and hands out :class:`RoleStore` for writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, NamedTuple, Protocol, cast

import geopandas as gpd
import pandas as pd

from geodata import reference
from geodata.access._cellkey import dataset_key, record_keys, victim_keys
from geodata.access._disclosure import (
    CASE_KEY,
    SHELTER_FIELDS,
    VICTIM_KEY,
    exact_counts,
    generalise_shelters,
    publish_counts,
    shelters_for_aggregates,
)
from geodata.caching import LruCache
from geodata.codes import code_level
from geodata.config import load_config
from geodata.errors import AccessDeniedError, ArgumentError, DemoDataError, not_one_of
from geodata.records.cases import (
    CaseFilter,
    case_points,
    count_by_unit,
    destination_label,
    filter_cases,
    locate_cases,
)
from geodata.records.export import (
    to_csv_bytes,
    to_geojson_bytes,
    to_geopackage_bytes,
    to_xlsx_bytes,
)
from geodata.records.population import empty_table, unit_population
from geodata.records.schemas import VICTIM_COLUMNS
from geodata.records.trends import Frequency, cases_by, cases_over_time
from geodata.roles import LEVEL_PERMISSIONS, ROLE_LEVEL, AccessLevel, Permission, Role, check_role
from geodata.settings import DEFAULT_LANGUAGE, Level

if TYPE_CHECKING:
    from geodata.records.datasets import Dataset
    from geodata.store import ImportResult, Kind, PopulationResult, Store

__all__ = [
    "BREAKDOWNS",
    "EXPORT_FORMATS",
    "FACT_COLUMNS",
    "MIN_BREAKDOWN_CASES",
    "SHELTER_FIELDS",
    "DemoDataError",
    "FilterOptions",
    "RoleStore",
    "RoleView",
    "Totals",
    "ViewKey",
    "access_level",
    "allowed",
    "check_demo_dataset",
    "coarsened_filter",
    "demo_view",
    "export_bytes",
    "export_frame",
    "generalise_shelters",
    "publish_counts",
    "read_for",
    "require",
    "role_of",
    "view_for",
]

#: ``csv_excel_id`` is the CSV for Excel with Indonesian settings (semicolon, decimal comma).
ExportFormat = Literal["csv", "csv_excel_id", "xlsx", "geojson", "gpkg"]
EXPORT_FORMATS: Final[tuple[ExportFormat, ...]] = ("csv", "xlsx", "geojson", "gpkg")
#: Per victim column, the column of each case's victim keys (see :mod:`geodata.access._cellkey`).
_VICTIM_KEYS: Final = {column: f"_key_{column}" for column in VICTIM_COLUMNS}
#: Smallest published total an aggregate role sees broken down by a category.
MIN_BREAKDOWN_CASES: Final = 10
#: Filters whose cases a view keeps (the page's current one and the one before).
_FILTERS_KEPT: Final = 2
#: Published results (totals, trends, breakdowns: small tables) a view keeps, by filter. The
#: view is shared by every session of its level, so one user's filters serve the next.
_RESULTS_KEPT: Final = 512
#: Case columns an aggregate view keeps: coded values to filter and count, the record keys,
#: nothing about a person and no free text (``destination`` is the country code only,
#: ``destination_state`` is emptied).
FACT_COLUMNS: Final = (
    "date_reported",
    "exploitation",
    "destination_country",
    "destination_state",
    "destination",
    "status",
    "crossing_type",
    *VICTIM_COLUMNS,
    "kabupaten_code",
    "kecamatan_code",
    "desa_code",
    CASE_KEY,
    *_VICTIM_KEYS.values(),
)
#: Breakdowns offered to every role.
BREAKDOWNS: Final = frozenset({"exploitation", "destination", "status", "crossing_type"})


class HasRole(Protocol):
    """Anything with a role: a :class:`geodata.access.auth.User` or
    :class:`geodata.access.auth.Session`."""

    @property
    def role(self) -> Role: ...


Who = Role | HasRole


def role_of(who: Who) -> Role:
    """The role of a user, a session, or a role name."""
    return check_role(who if isinstance(who, str) else who.role)


class ViewKey(NamedTuple):
    """Which view a session sees: demo or not, its access level and the data version. A
    file made for one view (:attr:`RoleView.key`) is served only to sessions of that key."""

    demo: bool
    level: AccessLevel
    version: str


#: The demo mode's access level (synthetic data only).
DEMO_LEVEL: Final[AccessLevel] = "records"


def access_level(who: Who) -> AccessLevel:
    """``{"aggregates", "records", "admin"}``: what ``who`` may see."""
    return ROLE_LEVEL[role_of(who)]


def allowed(who: Who, permission: Permission) -> bool:
    """True if ``who`` has ``permission``."""
    return permission in LEVEL_PERMISSIONS[access_level(who)]


def require(who: Who, permission: Permission) -> None:
    """Raise :class:`AccessDeniedError` unless ``who`` has ``permission``."""
    if not allowed(who, permission):
        raise AccessDeniedError(f"the role {role_of(who)!r} may not {permission.replace('_', ' ')}")


@dataclass(frozen=True)
class FilterOptions:
    """Values the case filters offer (no record is reachable through them).

    For aggregate roles (``years_only``): ``first``/``last`` are 1 January of the first and
    31 December of the last year with a case, ``destinations`` are country codes, there are
    no ``sources``, and ``total`` is the published (perturbed) number of cases.
    """

    first: dt.date | None
    last: dt.date | None
    destinations: tuple[str, ...]
    sources: tuple[str, ...]
    total: int
    years_only: bool = False


@dataclass(frozen=True)
class Totals:
    """Cases and victims of a selection (published values for aggregate roles)."""

    cases: int
    victims: int
    cases_label: str
    victims_label: str
    suppressed: bool


# --- the view -------------------------------------------------------------------------------


def coarsened_filter(case_filter: CaseFilter | None) -> CaseFilter:
    """``case_filter`` as an aggregate role may apply it: its period only, in whole years.

    Dates widen to whole calendar years (``date_from`` to 1 January, ``date_to`` to 31
    December of their years). Every other filter (exploitation, victims' sex and age,
    destination, status, crossing type, source) is dropped: combined with small areas, and
    compared with each other (a count that changes or not when one value is added), they
    would tell a single case's profile, or whether a case with a given profile exists.
    """
    case_filter = case_filter or CaseFilter()
    start, end = case_filter.date_from, case_filter.date_to
    return CaseFilter(
        date_from=None if start is None else dt.date(start.year, 1, 1),
        date_to=None if end is None else dt.date(end.year, 12, 31),
    )


def _facts(located: gpd.GeoDataFrame, *, key: bytes) -> pd.DataFrame:
    """The coded columns of ``located`` and the record keys; no point, no geometry."""
    ids = located["case_id"].astype(str).tolist()
    facts = pd.DataFrame(located[[c for c in FACT_COLUMNS if c in located.columns]])
    facts["destination_state"] = pd.Series(pd.NA, index=facts.index, dtype="string")
    facts["destination"] = located["destination_country"].astype("string")
    facts[CASE_KEY] = record_keys(key, ids)
    for column, name in _VICTIM_KEYS.items():
        facts[name] = victim_keys(key, ids, located[column], column)
    return facts[list(FACT_COLUMNS)].reset_index(drop=True)


def _unit_level(code: str) -> Level:
    level = code_level(code)
    if level is not None and level != "provinsi":
        return level
    raise ArgumentError(
        f"`unit` should be a kabupaten, kecamatan or desa code such as '61.03.21', got {code!r}"
    )


class RoleView:
    """What one access level may see of one dataset. Build it with :func:`view_for`.

    Attributes
    ----------
    level
        ``{"aggregates", "records", "admin"}``.
    crossings, shelters
        The frames the level may see (shelters generalised for aggregates).
    synthetic, version
        As in the dataset (``version`` is the cache key of the data).
    threshold
        Counts from 1 to ``threshold - 1`` are never published at aggregate level.
    demo
        True in the demo mode (synthetic data only).
    """

    def __init__(
        self,
        level: AccessLevel,
        *,
        located: gpd.GeoDataFrame,
        crossings: gpd.GeoDataFrame,
        shelters: gpd.GeoDataFrame,
        synthetic: bool,
        version: str,
        threshold: int,
        key: bytes = b"",
        demo: bool = False,
        population: pd.DataFrame | None = None,
    ) -> None:
        self.level: AccessLevel = level
        self.__population = empty_table() if population is None else population
        self.crossings = crossings
        self.shelters = shelters
        self.synthetic = synthetic
        self.version = version
        self.threshold = threshold
        self.demo = demo
        self._options: FilterOptions | None = None  # what the filters offer, made once
        if level == "aggregates":
            self.__records: pd.DataFrame = _facts(located, key=dataset_key(key, version))
        else:
            self.__records = located
        # The cases of the last filters: one page run asks for the same filter many times
        # (views are shared by sessions; the frames handed out must not be modified).
        self.__filtered: LruCache[pd.DataFrame] = LruCache(_FILTERS_KEPT)
        self.__results: LruCache[object] = LruCache(_RESULTS_KEPT)

    def __repr__(self) -> str:
        return f"RoleView(level={self.level!r}, version={self.version!r}, demo={self.demo})"

    @property
    def key(self) -> ViewKey:
        """Demo or not, the access level and the data version of this view."""
        return ViewKey(self.demo, self.level, self.version)

    @property
    def records_allowed(self) -> bool:
        """True if case records and points may be shown."""
        return self.level != "aggregates"

    def population(self) -> pd.DataFrame:
        """The population loaded by the office (every level may read it: it is public);
        :data:`geodata.records.population.POPULATION_COLUMNS`, empty when none was loaded."""
        return self.__population.copy()

    def _require_records(self) -> None:
        if not self.records_allowed:
            raise AccessDeniedError("this role sees case counts only, not case records or points")

    def _filtered(self, case_filter: CaseFilter) -> pd.DataFrame:
        """``filter_cases`` of this view's records; the last :data:`_FILTERS_KEPT` remembered."""
        records = cast(gpd.GeoDataFrame, self.__records)
        return self.__filtered.get(case_filter, lambda: filter_cases(records, case_filter))

    def _remembered(self, key: Hashable, build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """``build()``'s table, made once per ``key`` (the caller's own copy each time)."""
        return cast(pd.DataFrame, self.__results.get(key, build)).copy()

    def _selected(self, case_filter: CaseFilter | None, unit: str | None = None) -> pd.DataFrame:
        """The cases of the filter (coarsened for aggregates, all years for a desa), with
        the victims' cell keys."""
        case_filter = case_filter or CaseFilter()
        if not self.records_allowed:
            whole = unit is not None and _unit_level(unit) == "desa"
            case_filter = coarsened_filter(None if whole else case_filter)
        selected = self._filtered(case_filter)
        if unit is not None:
            level = _unit_level(unit)
            selected = selected[selected[f"{level}_code"] == unit]
        if not self.records_allowed:
            keys = [_VICTIM_KEYS[column] for column in case_filter.victim_columns()]
            selected = selected.assign(**{VICTIM_KEY: selected[keys].sum(axis=1) % 256})
        return selected

    def _published(self, counted: pd.DataFrame) -> pd.DataFrame:
        if self.records_allowed:
            return exact_counts(counted)
        return publish_counts(counted, threshold=self.threshold)

    def _with_keys(
        self, counted: pd.DataFrame, selected: pd.DataFrame, by: pd.Series, *, on: str
    ) -> pd.DataFrame:
        """``counted`` with the cell keys of its rows (grouped ``by``, matched ``on``)."""
        if self.records_allowed:
            return counted
        keys = selected[[CASE_KEY, VICTIM_KEY]].groupby(by.to_numpy()).sum()
        merged = counted.merge(keys, left_on=on, right_index=True, how="left")
        merged[[CASE_KEY, VICTIM_KEY]] = merged[[CASE_KEY, VICTIM_KEY]].fillna(0).astype("int64")
        return merged

    def filter_options(self) -> FilterOptions:
        """What the case filters can offer: report dates (years for aggregates),
        destinations and sources (none for aggregates, who filter by period only)."""
        if self._options is None:  # a view never changes: every rerun asks the same
            self._options = self._filter_options()
        return self._options

    def _filter_options(self) -> FilterOptions:
        facts = self.__records
        dates = pd.to_datetime(facts["date_reported"])
        first = dates.min().date() if len(facts) else None
        last = dates.max().date() if len(facts) else None
        if self.records_allowed:
            return FilterOptions(
                first=first,
                last=last,
                destinations=tuple(sorted(facts["destination"].dropna().astype(str).unique())),
                sources=tuple(sorted(facts["source"].dropna().astype(str).unique())),
                total=len(facts),
            )
        # Built from published values only: a year or a country whose cases all publish as
        # 0 is not offered, as if it held no case (the list would otherwise tell it does).
        # No destination is offered: these roles filter by period only (coarsened_filter).
        years = pd.to_datetime(self.case_trend()["period"]).dt.year
        return FilterOptions(
            first=dt.date(int(years.min()), 1, 1) if len(years) else None,
            last=dt.date(int(years.max()), 12, 31) if len(years) else None,
            destinations=(),
            sources=(),
            total=self.case_totals().cases,
            years_only=True,
        )

    def cases(self, *, case_filter: CaseFilter | None = None) -> gpd.GeoDataFrame:
        """Case records matching ``case_filter`` (records and admin levels only)."""
        self._require_records()
        return cast(gpd.GeoDataFrame, self._selected(case_filter).copy())  # callers' own

    def case_points(
        self, gazetteer: pd.DataFrame, *, case_filter: CaseFilter | None = None
    ) -> gpd.GeoDataFrame:
        """Cases drawable as points (records and admin levels only)."""
        self._require_records()
        return case_points(cast(gpd.GeoDataFrame, self._selected(case_filter)), gazetteer)

    def case_counts(
        self,
        units: gpd.GeoDataFrame,
        *,
        level: Level,
        case_filter: CaseFilter | None = None,
    ) -> gpd.GeoDataFrame:
        """``units`` with ``cases``, ``victims``, rates per 100k, labels and ``suppressed``
        (published values for aggregate roles).

        Rates per 100k need people: per kabupaten the Kemendagri totals of ``units``; per
        kecamatan or desa the office's loaded figures (:meth:`population`), with
        ``population_source`` and ``population_year``; units without one get no rate.
        """
        if not self.records_allowed and level == "desa":
            case_filter = None  # a desa's count per year would tell when its few cases were
        selected = self._selected(case_filter)
        if level != "kabupaten" and not self.__population.empty:
            people = unit_population(units, level=level, table=self.__population)
            loaded = people["population_source"] == "loaded"
            units = units.assign(
                population=people["population"].where(loaded),
                population_source=people["population_source"],
                population_year=people["population_year"],
            )
        counted = count_by_unit(selected, units, level=level)
        by = selected[f"{level}_code"]
        return self._published(self._with_keys(counted, selected, by, on="code"))

    def case_totals(
        self, *, case_filter: CaseFilter | None = None, unit: str | None = None
    ) -> Totals:
        """Cases and victims of the selection (of one unit if ``unit`` is a code)."""
        return cast(
            Totals,
            self.__results.get(
                ("totals", case_filter, unit), lambda: self._case_totals(case_filter, unit)
            ),
        )

    def _case_totals(self, case_filter: CaseFilter | None, unit: str | None) -> Totals:
        selected = self._selected(case_filter, unit)
        frame = pd.DataFrame(
            {"cases": [len(selected)], "victims": [int(selected["victims_selected"].sum())]}
        )
        if not self.records_allowed:
            frame[CASE_KEY] = int(selected[CASE_KEY].sum())
            frame[VICTIM_KEY] = int(selected[VICTIM_KEY].sum())
        row = self._published(frame).iloc[0]
        return Totals(
            cases=int(row["cases"]),
            victims=int(row["victims"]),
            cases_label=str(row["cases_label"]),
            victims_label=str(row["victims_label"]),
            suppressed=bool(row["suppressed"]),
        )

    def case_trend(
        self,
        *,
        frequency: Frequency = "year",
        case_filter: CaseFilter | None = None,
        unit: str | None = None,
    ) -> pd.DataFrame:
        """Cases and victims per ``period`` (year or month), published for aggregates.

        Aggregate roles get years whatever ``frequency`` asks: their dates are whole years;
        and none for a desa (its counts cover all years).
        """
        if not self.records_allowed:
            frequency = "year"
            if unit is not None and _unit_level(unit) == "desa":
                return self._remembered(("trend", "desa"), lambda: _no_rows(self.case_trend()))
        return self._remembered(
            ("trend", frequency, case_filter, unit),
            lambda: self._case_trend(frequency, case_filter, unit),
        )

    def _case_trend(
        self, frequency: Frequency, case_filter: CaseFilter | None, unit: str | None
    ) -> pd.DataFrame:
        selected = self._selected(case_filter, unit)
        trend = cases_over_time(selected, frequency=frequency)
        span = "Y" if frequency == "year" else "M"
        by = pd.to_datetime(selected["date_reported"]).dt.to_period(span).dt.start_time
        if not len(trend):
            trend["period"] = pd.to_datetime(trend["period"])
        published = self._published(self._with_keys(trend, selected, by, on="period"))
        if self.records_allowed:
            return published
        # The span runs between the first and last *published* case, not the true ones.
        shown = published.index[published["cases"] > 0]
        if not len(shown):
            return published.iloc[0:0]
        return published.loc[shown.min() : shown.max()].reset_index(drop=True)

    def case_breakdown(
        self, column: str, *, case_filter: CaseFilter | None = None, unit: str | None = None
    ) -> pd.DataFrame:
        """Cases and victims per value of ``column`` in :data:`BREAKDOWNS` (published for
        aggregates, whose ``destination`` is the country code).

        For aggregates a value whose cases publish as 0 has no row (as a value with no case),
        and rows are ordered by the published counts, never by the true ones. Aggregate roles
        get breakdowns of the whole province over all years only, and only when it publishes
        at least :data:`MIN_BREAKDOWN_CASES` cases (else no row): an area's breakdowns, or a
        small year's, would each tell one attribute of its few cases, and two periods' (2020-
        2021 against 2021) would tell the attributes of the cases one adds.
        """
        if column not in BREAKDOWNS:
            raise not_one_of("column", BREAKDOWNS, column)
        if not self.records_allowed:
            case_filter = None
        if not self.records_allowed and (
            unit is not None or self.case_totals().cases < MIN_BREAKDOWN_CASES
        ):
            return self._remembered(
                ("breakdown", column, None, "none"),
                lambda: _no_rows(self._case_breakdown(column, None, None)),
            )
        return self._remembered(
            ("breakdown", column, case_filter, unit),
            lambda: self._case_breakdown(column, case_filter, unit),
        )

    def _case_breakdown(
        self, column: str, case_filter: CaseFilter | None, unit: str | None
    ) -> pd.DataFrame:
        selected = self._selected(case_filter, unit)
        counted = cases_by(selected, column)
        published = self._published(self._with_keys(counted, selected, selected[column], on=column))
        if self.records_allowed:
            return published
        published = published[published["cases"] > 0]
        return published.sort_values(["cases", column], ascending=[False, True]).reset_index(
            drop=True
        )


def _no_rows(table: pd.DataFrame) -> pd.DataFrame:
    """``table``'s columns without its rows."""
    return table.iloc[0:0].reset_index(drop=True)


def _located(dataset: Dataset, located: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    if located is None:
        located = locate_cases(dataset.cases, reference.load_units("desa"))
    if "destination" not in located.columns:
        located = located.assign(destination=destination_label(located))
    return located


def view_for(
    who: Who,
    dataset: Dataset,
    *,
    located: gpd.GeoDataFrame | None = None,
    threshold: int | None = None,
    lang: str = DEFAULT_LANGUAGE,
) -> RoleView:
    """The view of ``dataset`` that ``who`` (a user, session or role) may see.

    Parameters
    ----------
    who
        A :class:`geodata.access.auth.User`, :class:`geodata.access.auth.Session` or role name.
    dataset
        The full dataset (e.g. ``store.dataset()``), never shown as it is.
    located
        ``dataset.cases`` through :func:`geodata.records.cases.locate_cases` (computed if None).
    threshold
        Smallest count shown to aggregate roles (default: ``suppress_below`` setting).
    lang
        ``{"id", "en"}``: language of generalised shelter names.
    """
    level = access_level(who)
    threshold = load_config().suppress_below if threshold is None else threshold
    key = dataset_key(dataset.secret, dataset.version)
    shelters = dataset.shelters
    if level == "aggregates":
        shelters = shelters_for_aggregates(shelters, key=key, lang=lang)
    return RoleView(
        level,
        located=_located(dataset, located),
        crossings=dataset.crossings,
        shelters=shelters,
        synthetic=dataset.synthetic,
        version=dataset.version,
        threshold=threshold,
        key=key,
        population=dataset.population,
    )


def check_demo_dataset(dataset: Dataset) -> Dataset:
    """Return ``dataset`` if it may be shown in the demo mode, else raise DemoDataError.

    Every case and shelter must be synthetic; crossings too, except the official PLBN
    (public record).
    """
    real = {
        "cases": int((~dataset.cases["synthetic"].astype(bool)).sum()),
        "shelters": int((~dataset.shelters["synthetic"].astype(bool)).sum()),
        "crossings": int(
            (
                ~dataset.crossings["synthetic"].astype(bool) & (dataset.crossings["kind"] != "plbn")
            ).sum()
        ),
    }
    found = {kind: count for kind, count in real.items() if count}
    if found:
        raise DemoDataError(
            f"the demo mode shows synthetic data only, but the dataset holds real records "
            f"{found}; configure a store and log in to see real data"
        )
    return dataset


def demo_view(dataset: Dataset, *, located: gpd.GeoDataFrame | None = None) -> RoleView:
    """The demo mode's view: records level, synthetic data only (else DemoDataError)."""
    check_demo_dataset(dataset)
    return RoleView(
        DEMO_LEVEL,
        located=_located(dataset, located),
        crossings=dataset.crossings,
        shelters=dataset.shelters,
        synthetic=True,
        version=dataset.version,
        threshold=load_config().suppress_below,
        demo=True,
        population=dataset.population,
    )


# --- exports and store reads ----------------------------------------------------------------


def export_frame(
    view: RoleView,
    kind: str,
    *,
    units: gpd.GeoDataFrame | None = None,
    level: Level = "kabupaten",
    case_filter: CaseFilter | None = None,
) -> gpd.GeoDataFrame:
    """The frame an export of ``kind`` holds for this view.

    ``cases`` are the filtered records at records level, and the published counts per unit
    of ``level`` (``units``, default the reference units) at aggregate level.
    """
    if kind == "crossings":
        return view.crossings
    if kind == "shelters":
        return view.shelters
    if kind == "case_counts" or (kind == "cases" and not view.records_allowed):
        units = reference.load_units(level) if units is None else units
        return view.case_counts(units, level=level, case_filter=case_filter)
    if kind == "cases":
        return view.cases(case_filter=case_filter)
    raise not_one_of("kind", ("cases", "case_counts", "crossings", "shelters"), kind)


def export_bytes(
    view: RoleView,
    kind: str,
    fmt: ExportFormat,
    *,
    units: gpd.GeoDataFrame | None = None,
    level: Level = "kabupaten",
    case_filter: CaseFilter | None = None,
) -> bytes:
    """A download of ``kind`` in ``fmt`` ``{"csv", "csv_excel_id", "xlsx", "geojson", "gpkg"}``.

    A viewer asking for ``cases`` gets the published counts per unit, never records.
    """
    frame = export_frame(view, kind, units=units, level=level, case_filter=case_filter)
    if fmt == "csv":
        return to_csv_bytes(frame)
    if fmt == "csv_excel_id":
        return to_csv_bytes(frame, dialect="excel_id")
    if fmt == "xlsx":
        return to_xlsx_bytes(frame, sheet=kind)
    if fmt == "geojson":
        return to_geojson_bytes(frame)
    if fmt == "gpkg":
        return to_geopackage_bytes({kind: frame})
    raise not_one_of("fmt", EXPORT_FORMATS, fmt)


def read_for(
    who: Who, kind: Kind, *, store: Store, lang: str = DEFAULT_LANGUAGE
) -> gpd.GeoDataFrame:
    """Current records of ``kind`` from ``store`` as ``who`` may see them.

    Case records need records level (:class:`AccessDeniedError` otherwise: aggregate roles
    read counts through :func:`view_for`); aggregate roles get shelters as in their view.
    """
    if kind == "cases":
        require(who, "read_records")
    frame = store.read(kind)
    if kind == "shelters" and not allowed(who, "read_records"):
        frame = shelters_for_aggregates(frame, key=store.secret("cell_key"), lang=lang)
    return frame


class RoleStore:
    """Writes to a store on behalf of a logged-in user, checked against their role.

    Adding, editing and marking crossings need ``edit_records`` (analyst, police, admin);
    importing, retiring, backup and restore need ``manage_data`` (admin). The user's name
    goes to the audit log.
    """

    def __init__(self, user: HasRole, store: Store) -> None:
        username = getattr(user, "username", None)
        if not isinstance(username, str):
            raise TypeError(
                f"`user` should be a logged-in User or Session, got {type(user).__name__}"
            )
        self.user, self.username, self.store = user, username, store

    def add(self, kind: Kind, record: dict[str, object]) -> str:
        """See :meth:`geodata.store.Store.add`."""
        require(self.user, "edit_records")
        return self.store.add(kind, record, user=self.username)

    def update(self, kind: Kind, record_id: str, changes: dict[str, object]) -> dict:
        """See :meth:`geodata.store.Store.update`."""
        require(self.user, "edit_records")
        return self.store.update(kind, record_id, changes, user=self.username)

    def mark_crossing(self, crossing_id: str, status: str, *, on: dt.date | None = None) -> dict:
        """See :meth:`geodata.store.Store.mark_crossing`."""
        require(self.user, "edit_records")
        return self.store.mark_crossing(crossing_id, status, user=self.username, on=on)

    def import_batch(
        self, kind: Kind, frame: pd.DataFrame, *, skip_stored: bool = False
    ) -> ImportResult:
        """See :meth:`geodata.store.Store.import_batch`."""
        require(self.user, "manage_data")
        return self.store.import_batch(kind, frame, user=self.username, skip_stored=skip_stored)

    def replace_population(self, frame: pd.DataFrame) -> PopulationResult:
        """See :meth:`geodata.store.Store.replace_population` (needs ``manage_data``)."""
        require(self.user, "manage_data")
        return self.store.replace_population(frame, user=self.username)

    def retire(self, kind: Kind, record_id: str, *, reason: str) -> None:
        """See :meth:`geodata.store.Store.retire`."""
        require(self.user, "manage_data")
        self.store.retire(kind, record_id, user=self.username, reason=reason)

    def backup(self, path: str) -> object:
        """See :meth:`geodata.store.Store.backup`."""
        require(self.user, "manage_data")
        return self.store.backup(path)

    def restore(self, path: str) -> None:
        """See :meth:`geodata.store.Store.restore`."""
        require(self.user, "manage_data")
        self.store.restore(path, user=self.username)
