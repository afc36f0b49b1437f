"""`huiyi check`: summaries, problem lines, JSON, exit codes."""

import json
from pathlib import Path

from click.testing import CliRunner

from search.cli import main

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_c75d9bfc1afe58b6.txt"
SAMPLES = Path(__file__).resolve().parents[1] / "corpus" / "samples"


def test_check_seed_json():
    result = CliRunner().invoke(main, ["check", str(SEED), "--format", "json"])
    assert result.exit_code == 0
    (line,) = result.stdout.strip().splitlines()
    record = json.loads(line)
    assert record["dates"]["start"] == {"iso": "1954-10-10", "precision": "day", "missing": []}
    assert record["dates"]["end"]["iso"] == "1954-10-31"
    assert record["type"] == "4th National Mutual Aid and Cooperation Conference"
    assert record["place"] == "Beijing"
    (speech,) = record["speeches"]
    assert (speech["speaker"], speech["date"]["iso"], speech["title"]) == ("Deng Zihui", "1954-10-29", "Summary reports")
    assert [f["number"] for p in speech["paragraphs"] for f in p["footnotes"]] == ["3", "4"]
    assert record["references"][0]["date"]["iso"] == "1954-04-02"


def test_check_text_summary_and_problems(tmp_path):
    (tmp_path / "good.txt").write_text("**Dates of Meeting:** 05-1955\n\n**Odd:** x\n", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"")
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'good.txt'}: 1955-05 · 0 speeches" in result.stdout
    assert f"{tmp_path / 'good.txt'}:3: warning: unknown label **Odd:**" in result.stdout
    assert f"{tmp_path / 'bad.txt'}:1: error: empty file" in result.stdout
    assert isinstance(result.exception, SystemExit)  # a message, not an uncaught error


def test_check_missing_path_is_an_error_without_traceback(tmp_path):
    result = CliRunner().invoke(main, ["check", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "no such file or folder" in result.output and isinstance(result.exception, SystemExit)


def test_check_samples_has_no_errors():
    result = CliRunner().invoke(main, ["check", str(SAMPLES)])
    assert result.exit_code == 0, result.output
    assert ": error:" not in result.stdout
    assert len(result.stdout.splitlines()) >= 8
