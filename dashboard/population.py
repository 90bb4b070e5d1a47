"""On Data: load the population per kecamatan or desa (template, check, replace the table)."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.tables import show_dataframe
from dashboard.text import num, tr
from geodata.access import RoleView, allowed, gateway
from geodata.access.auth import User
from geodata.errors import GeodataError
from geodata.records.population import (
    PopulationFile,
    population_template,
    read_population,
    replaced,
)
from geodata.records.templates import media_type

#: Template formats offered, spreadsheet first.
_FORMATS = ("xlsx", "csv")


def _current(view: RoleView) -> str:
    table = view.population()
    if table.empty:
        return tr("population.none")
    level = str(table["level"].mode().iloc[0])
    return tr("population.current", count=num(len(table)), level=tr(f"unit_type.{level}"))


def _problems(checked: PopulationFile, lang: str) -> pd.DataFrame:
    table = pd.DataFrame(
        checked.report.to_table(lang), columns=["row", "field", "severity", "problem", "suggestion"]
    )
    table["row"] = table["row"].astype("Int64")
    return table.rename(columns={c: tr(f"manage.problem.{c}") for c in table.columns})


def population_section(user: User | None, view: RoleView) -> None:
    """The population table: what is in use, a template, a file checked before it replaces
    the table (only roles that may import store it; the data layer checks that again)."""
    lang = state.language()
    st.subheader(tr("population.import_title"))
    st.caption(tr("population.import_help"))
    st.caption(_current(view))
    for column, fmt in zip(st.columns(len(_FORMATS)), _FORMATS, strict=True):
        column.download_button(
            tr("data.template_download", format=fmt.upper()),
            data=partial(population_template, fmt, lang=lang),
            file_name=f"{tr('data.template_file')}-{tr('population.sheet').lower()}.{fmt}",
            mime=media_type(fmt),
            key=f"{state.POPULATION_TEMPLATE}_{fmt}",
            on_click="ignore",  # a template changes nothing on the page: no rerun
        )
    can_save = user is not None and allowed(user, "manage_data")
    if not can_save:
        st.caption(tr("population.not_allowed"))
    upload = st.file_uploader(
        tr("population.upload"), type=["csv", "xlsx"], key=state.POPULATION_FILE
    )
    if upload is None:
        return
    with st.spinner(tr("manage.checking")):
        checked = replaced(
            read_population(upload.getvalue(), filename=upload.name), view.population()
        )
    if len(checked.report.problems):
        show_dataframe(_problems(checked, lang))
    if not checked.ok:
        st.error(tr("manage.not_imported"))
        return
    st.success(tr("manage.ready", count=num(len(checked.frame))))
    if (
        can_save
        and user is not None
        and st.button(tr("population.store"), key=state.POPULATION_STORE)
    ):
        try:
            result = gateway.role_store(user).replace_population(checked.frame)
        except GeodataError as error:
            st.error(f"{tr('manage.not_imported')}\n\n{error}")
            return
        level = tr(f"unit_type.{checked.level}")
        st.success(tr("population.stored", count=num(result.count), level=level))
