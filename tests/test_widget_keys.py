"""Widget keys live in dashboard/state.py, and the translated-widget list is derived there.

A page that writes a key as a string literal (``key="risk_level"``) can drift from the key
the language switch, the URL and the tests use; a widget whose options are shown translated
(``format_func=``) but is not declared ``labelled`` loses its value on a language switch.
Both are found here by reading the dashboard's code, and the checker is itself tried on
planted mistakes so it cannot pass by checking nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Final

from dashboard import state

DASHBOARD: Final = Path(__file__).resolve().parent.parent / "dashboard"
#: Widgets with a format_func whose labels are the same in every language.
SAME_IN_EVERY_LANGUAGE: Final = {state.LANG}  # "Bahasa Indonesia", "English"


def _is_session_state(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "session_state"


def _literal(node: ast.expr) -> bool:
    """A key written in the code: a string, or an f-string with text besides ``_``."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.Constant) and part.value != "_" for part in node.values)
    return False


def literal_keys(source: str) -> list[int]:
    """Line numbers where ``source`` writes a widget or session key as a literal."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        keys: list[ast.expr] = []
        if isinstance(node, ast.Call):
            keys += [kw.value for kw in node.keywords if kw.arg == "key"]
            func = node.func
            named = isinstance(func, ast.Attribute) and node.args
            if named and (
                func.attr == "form"
                or (func.attr in {"get", "pop", "setdefault"} and _is_session_state(func.value))
            ):
                keys.append(node.args[0])
        elif isinstance(node, ast.Subscript) and _is_session_state(node.value):
            keys.append(node.slice)
        elif isinstance(node, ast.Compare) and any(
            _is_session_state(right) for right in node.comparators
        ):
            keys.append(node.left)
        lines += [key.lineno for key in keys if _literal(key)]
    return lines


def translated_widgets(source: str) -> set[str]:
    """Names of the ``state`` keys given to widgets that have a ``format_func``."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        options = {kw.arg: kw.value for kw in node.keywords}
        key = options.get("key")
        if (
            "format_func" in options
            and isinstance(key, ast.Attribute)
            and isinstance(key.value, ast.Name)
            and key.value.id == "state"
        ):
            names.add(key.attr)
    return names


def _sources() -> dict[str, str]:
    return {
        str(path.relative_to(DASHBOARD)): path.read_text(encoding="utf-8")
        for path in sorted(DASHBOARD.rglob("*.py"))
        if "node_modules" not in path.parts and path.name != "state.py"
    }


def test_the_checker_finds_planted_literal_keys() -> None:
    planted = (
        'st.selectbox("x", [], key="risk_level")\n'
        'st.slider("x", key=f"weight_{name}")\n'
        'st.session_state["briefing_html"] = ""\n'
        'value = st.session_state.get("risk_view")\n'
        'if "level" in st.session_state: pass\n'
        'with st.form("login"): pass\n'
        'st.slider("x", key=f"{state.WEIGHT}_{name}")\n'
        'st.session_state[state.SELECTED] = ""\n'
    )
    assert literal_keys(planted) == [1, 2, 3, 4, 5, 6]
    assert translated_widgets('st.radio("x", [], key=state.LEVEL, format_func=str)') == {"LEVEL"}


def test_no_page_writes_a_widget_key_as_a_literal() -> None:
    found = {name: lines for name, source in _sources().items() if (lines := literal_keys(source))}
    assert not found, (
        f"widget/session keys written as literals (file: lines): {found}; expected none. "
        "Declare the key in dashboard/state.py and use the constant."
    )


def test_every_translated_widget_is_in_the_derived_list() -> None:
    used = set().union(*(translated_widgets(source) for source in _sources().values()))
    labelled = {getattr(state, name) for name in used} - SAME_IN_EVERY_LANGUAGE
    missing = labelled - set(state.LABELLED_WIDGETS)
    assert not missing, (
        f"widgets with a format_func not declared labelled: {sorted(missing)}; "
        "declare them with _widget(..., labelled=True) in dashboard/state.py"
    )
    stale = set(state.LABELLED_WIDGETS) - labelled
    assert not stale, f"declared labelled but no widget shows them translated: {sorted(stale)}"


def test_widget_keys_are_distinct() -> None:
    keys = [
        value
        for name, value in vars(state).items()
        if name.isupper() and isinstance(value, str) and name not in {"DEFAULT_LANGUAGE"}
    ]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    assert not duplicates, f"two constants in dashboard/state.py share a key: {duplicates}"
