"""What a store still lacks, and the administrator's first-run guide to fill it.

A new store holds the five official posts (PLBN) and nothing else. While it holds no
unofficial crossings, no shelters or no cases, an administrator sees three steps on Data
(import crossings, shelters, cases, each with a template to fill in, XLSX and CSV) and a
short pointer on Peta; other roles see which data is still missing. The demo sample is
complete, so the demo mode shows neither.
"""

from __future__ import annotations

from functools import partial
from typing import Final

import streamlit as st

from dashboard import state
from dashboard.text import num, tr
from geodata.access import RoleView, allowed
from geodata.access.auth import User
from geodata.access.gateway import Kind
from geodata.records.templates import media_type, template_bytes

#: The order an office fills a store: crossings and shelters first, so cases can name them.
STEPS: Final[tuple[Kind, ...]] = ("crossings", "shelters", "cases")
#: The template formats offered, spreadsheet first (offices fill them in Excel).
FORMATS: Final = ("xlsx", "csv")


def held(view: RoleView) -> dict[Kind, int]:
    """How many records of each kind the view holds (crossings: unofficial ones only)."""
    crossings = view.crossings
    unofficial = int((crossings["kind"] != "plbn").sum()) if len(crossings) else 0
    return {
        "crossings": unofficial,
        "shelters": len(view.shelters),
        "cases": view.filter_options().total,
    }


def missing(view: RoleView) -> list[Kind]:
    """The kinds a store view holds none of, in :data:`STEPS` order (none in the demo)."""
    if view.demo:
        return []
    counts = held(view)
    return [kind for kind in STEPS if counts[kind] == 0]


def _missing_names(kinds: list[Kind]) -> str:
    return ", ".join(tr(f"manage.{kind}") for kind in kinds)


def template_buttons(kind: Kind, *, lang: str, key: str) -> None:
    """Two downloads of the import template of ``kind``: XLSX and CSV (made on click)."""
    left, right = st.columns(2)
    for column, fmt in zip((left, right), FORMATS, strict=True):
        column.download_button(
            tr("data.template_download", format=fmt.upper()),
            data=partial(template_bytes, kind, fmt, lang=lang),
            file_name=f"{tr('data.template_file')}-{tr(f'manage.{kind}').lower()}.{fmt}",
            mime=media_type(fmt),
            key=f"{key}_{fmt}",
            on_click="ignore",  # a template changes nothing on the page: no rerun
        )


def first_run_guide(user: User | None, view: RoleView, *, lang: str) -> None:
    """On Data: the three import steps with their templates, while the store lacks any kind.

    Administrators get the steps; other roles a note naming what the store lacks.
    """
    lacking = missing(view)
    if not lacking:
        return
    if user is None or not allowed(user, "manage_data"):
        st.info(tr("data.store_lacks", missing=_missing_names(lacking)))
        return
    counts = held(view)
    with st.container(border=True):
        st.subheader(tr("data.guide_title"))
        st.markdown(tr("data.guide_intro"))
        for number, kind in enumerate(STEPS, start=1):
            status = (
                tr("data.guide_done", count=num(counts[kind]))
                if counts[kind]
                else tr("data.guide_todo")
            )
            st.markdown(f"**{number}. {tr(f'data.guide_step.{kind}')}** — {status}")
            st.caption(tr(f"data.guide_help.{kind}"))
            template_buttons(kind, lang=lang, key=f"{state.GUIDE_TEMPLATE}_{kind}")
        st.caption(tr("data.guide_where"))


def first_run_pointer(user: User | None, view: RoleView) -> None:
    """On Peta: one line naming what the store lacks, and where to import it."""
    lacking = missing(view)
    if not lacking:
        return
    if user is not None and allowed(user, "manage_data"):
        st.info(tr("peta.guide_pointer", missing=_missing_names(lacking)))
    else:
        st.info(tr("data.store_lacks", missing=_missing_names(lacking)))
