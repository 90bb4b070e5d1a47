"""``python -m geodata.validate``: exit codes, text and JSON reports, languages, no
traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from geodata import settings
from geodata.records.validate import main

ROOT = Path(__file__).resolve().parents[1]
LOADERS = Path(__file__).parent / "fixtures" / "loaders"
HOSTILE = Path(__file__).parent / "fixtures" / "hostile"


@pytest.fixture(autouse=True)
def private_mappings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.COLUMN_MAPPINGS_ENV, str(tmp_path / "mappings.json"))


def run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The command in a fresh interpreter, as scripts call it."""
    env = {**os.environ, settings.COLUMN_MAPPINGS_ENV: str(tmp_path / "mappings.json")}
    return subprocess.run(
        [sys.executable, "-m", "geodata.validate", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_valid_file_exits_0_and_says_so(tmp_path: Path) -> None:
    done = run(str(LOADERS / "cases_good.csv"), "--lang", "en", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "cases_good.csv: 3 row(s) read as cases, 3 valid.",
        "No problems found.",
        "The file can be imported.",
    ]
    assert done.stderr == ""


def test_invalid_file_exits_1_with_the_full_report_in_indonesian(tmp_path: Path) -> None:
    done = run(str(LOADERS / "cases_bad.csv"), tmp_path=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "cases_bad.csv: 30 baris dibaca sebagai kasus, 8 valid."
    assert lines[1].startswith("22 kesalahan")
    assert sum(line.startswith("[KESALAHAN]") for line in lines) == 22  # every problem, no limit
    assert lines[-1].startswith("File tidak dapat diimpor")


def test_json_report(tmp_path: Path) -> None:
    done = run(str(HOSTILE / "place_names_only.csv"), "--format", "json", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["kind"] == "case" and report["ok"] is True
    assert (report["rows_read"], report["rows_valid"], report["rows_rejected"]) == (2, 2, 0)
    assert report["mapping"]["lokasi"] == "lokasi"
    assert [row["code"] for row in report["located"]] == ["61.03.21.2003", "61.03.21.2003"]
    assert {p["code"] for p in report["problems"]} >= {"place_located"}
    assert all(
        set(p) == {"file", "row", "field", "code", "severity", "message"}
        for p in report["problems"]
    )


def test_kind_is_guessed_or_forced() -> None:
    assert main([str(LOADERS / "crossings.csv"), "--format", "json"]) == 1
    assert main([str(LOADERS / "shelters.csv"), "--kind", "shelters", "--format", "json"]) == 1


def test_forcing_the_wrong_kind_reports_missing_columns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(LOADERS / "cases_good.csv"), "--kind", "crossings", "--lang", "en"]) == 1
    assert "Required column(s) missing" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["a.csv", "--kind", "people"],
        ["a.csv", "--format", "xml"],
        ["a.csv", "--lang", "fr"],
        ["a.csv", "b.csv"],
        ["--nope", "a.csv"],
    ],
)
def test_bad_arguments_exit_2_with_a_translated_message(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    error = capsys.readouterr().err
    assert "Perintah tidak dapat dipahami" in error and "usage:" in error


def test_bad_arguments_in_english_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "--kind", "x", "a.csv"]) == 2
    assert "The command was not understood" in capsys.readouterr().err
    assert main(["--help"]) == 0
    assert "--kind {cases,crossings,shelters}" in capsys.readouterr().out


def test_missing_file_is_a_report_not_a_crash(tmp_path: Path) -> None:
    done = run(str(tmp_path / "tidak_ada.csv"), "--lang", "en", tmp_path=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "The file was not found" in done.stdout


def test_an_unexpected_failure_is_a_message_and_a_log_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("geodata.records.validate.preview_import", broken)
    assert main([str(LOADERS / "cases_good.csv"), "--lang", "en"]) == 1
    captured = capsys.readouterr()
    assert "unexpected problem" in captured.err and "boom" not in captured.err + captured.out


def test_debug_logs_the_details_to_stderr(tmp_path: Path) -> None:
    done = run(str(HOSTILE / "truncated.xlsx"), "--debug", "--lang", "en", tmp_path=tmp_path)
    assert done.returncode == 1
    assert "Could not read truncated.xlsx" in done.stderr and "damaged or incomplete" in done.stdout
