"""Research views: concordance, trends, glossary expansion and did-you-mean."""

import json
import re

import pytest
from click.testing import CliRunner

from corpus.sources import read_records
from indexer.analysis import fold
from indexer.passages import passages_of
from search import Engine
from search.cli import main
from search.glossary import Glossary, GlossaryError

from .conftest import SAMPLES, SEEDS


@pytest.fixture(scope="module")
def passages():
    return [p for r in read_records([SAMPLES, SEEDS]) for p in passages_of(r.meeting)]


def brute_count(passages, pattern: str) -> int:
    return sum(len(re.findall(pattern, fold(p.text), flags=re.IGNORECASE)) for p in passages)


@pytest.mark.parametrize(
    "query, pattern",
    [
        ("合作化", "合作化"),
        ("统购统销", "统购统销"),
        ('"急躁冒进"', "急躁冒进"),
        ("初级社", "初级社"),
        ('"blind optimism"', r"\bblind\s+optimism\b"),
        ("cooperativization", r"\bcooperativization\b"),
        ("peasants", r"\bpeasants?\b"),
    ],
)
def test_kwic_counts_equal_a_brute_force_count(sample_index, passages, query, pattern):
    with Engine.open(sample_index) as engine:
        lines = engine.kwic(query, width=10)
    assert len(lines) == brute_count(passages, pattern) > 0
    assert all(re.fullmatch(pattern, fold(line.match), flags=re.IGNORECASE) for line in lines)


def test_kwic_lines_sort_and_align(sample_index):
    with Engine.open(sample_index) as engine:
        by_date = engine.kwic("合作化", width=8, sort="date")
        by_right = engine.kwic("合作化", width=8, sort="right")
    dates = [line.date for line in by_date]
    assert dates == sorted(dates)
    assert [line.right for line in by_right] == sorted(line.right for line in by_right)
    result = CliRunner().invoke(main, ["kwic", "合作化", "--index", str(sample_index), "--width", "8"])
    columns = {line.index("合作化") for line in result.stdout.splitlines()}
    assert len(columns) <= 2  # aligned in display columns: wide characters count two
    from search.kwic import display_width

    assert {display_width(line[: line.index("合作化")]) for line in result.stdout.splitlines()} == {9}


def test_kwic_formats(sample_index):
    import csv
    import io
    import json

    csv_out = CliRunner().invoke(main, ["kwic", "统购统销", "--index", str(sample_index), "--format", "csv"]).stdout
    rows = list(csv.DictReader(io.StringIO(csv_out)))
    assert rows and {"left", "match", "right", "meeting_id", "date", "speaker"} <= set(rows[0])
    jsonl = CliRunner().invoke(main, ["kwic", "统购统销", "--index", str(sample_index), "--format", "jsonl"]).stdout
    assert len(jsonl.splitlines()) == len(rows) and json.loads(jsonl.splitlines()[0])["match"] == "统购统销"


@pytest.mark.parametrize("query", ["合作化", "cooperativization", '"blind optimism"', "初级社 OR 高级社"])
def test_trend_totals_equal_search_totals(sample_index, query):
    with Engine.open(sample_index) as engine:
        trend = engine.trend([query])
        total = engine.search(query, limit=0).total_passages
    (series,) = trend.series
    assert sum(series.passages) + series.undated == total == series.total_passages
    assert trend.periods == tuple(str(y) for y in range(1953, 1958))


def test_trend_by_month_leaves_meetings_dated_by_year_alone_out_of_january(tmp_path):
    """A meeting dated 1956 had been counted in 1956-01 (its start key is the year's first day)."""
    from indexer.build import build_index

    folder = tmp_path / "r"
    folder.mkdir()
    for name, date in {"year": "1956", "march": "10-03-1956", "newyear": "01-01-1956", "january": "01-1956"}.items():
        (folder / f"{name}.txt").write_text(f"**Dates of Meeting:** {date}\n\n**Remarks:**\n\nalpha\n", encoding="utf-8")
    build_index([folder], tmp_path / "ix", procs=1)
    with Engine.open(tmp_path / "ix") as engine:
        by_month, by_year = engine.trend(["alpha"], by="month"), engine.trend(["alpha"])
    (series,) = by_month.series
    assert dict(zip(by_month.periods, series.passages)) == {"1956-01": 2, "1956-02": 0, "1956-03": 1}
    assert series.undated == 1 and by_month.base_passages == (2, 0, 1)
    assert by_year.series[0].passages == (4,) and by_year.series[0].undated == 0
    result = CliRunner().invoke(main, ["trend", "alpha", "--by", "month", "--index", str(tmp_path / "ix")])
    assert "alpha: 4 passages in 4 meetings (1 undated or dated by year only)" in result.stdout


def test_a_year_before_1000_is_named_in_four_digits_and_sorted_as_a_year(tmp_path):
    """Year facets, stats and batch columns had said 956 (after 1955: sorted as text) where
    dates and trend said 0956."""
    from indexer.build import build_index
    from search.batch import BatchQuery, run_query

    folder = tmp_path / "r"
    folder.mkdir()
    for date in ("0956", "1955", "03-0956"):
        (folder / f"m{date}.txt").write_text(f"**Dates of Meeting:** {date}\n\n**Remarks:**\n\nalpha\n", encoding="utf-8")
    build_index([folder], tmp_path / "ix", procs=1)
    with Engine.open(tmp_path / "ix") as engine:
        assert engine.search("alpha", facets=["year"]).facets["year"] == (("0956", 2), ("1955", 1))
        assert engine.stats().by_year == (("0956", 2), ("1955", 1))
        assert run_query(engine, BatchQuery("1", "alpha"), counts_only=True).year_counts == (("0956", 2), ("1955", 1))
        trend = engine.trend(["alpha"])
    assert trend.periods[0] == "0956" and trend.periods[-1] == "1955" and trend.series[0].passages[0] == 2


def test_trend_normalised_and_no_match(sample_index):
    with Engine.open(sample_index) as engine:
        trend = engine.trend(["合作化", "zzzzqqq"], per="passages")
    share, nothing = trend.series
    for i in range(len(trend.periods)):
        assert share.values[i] == pytest.approx(share.passages[i] / trend.base_passages[i])
    assert nothing.passages == (0,) * len(trend.periods) and nothing.total_passages == 0
    result = CliRunner().invoke(main, ["trend", "zzzzqqq", "--index", str(sample_index), "--format", "csv"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] and all(line.split(",")[1] == "0" for line in result.stdout.splitlines()[1:])


def test_trend_by_month(sample_index):
    with Engine.open(sample_index) as engine:
        trend = engine.trend(["合作化"], by="month")
    assert trend.periods[0] == "1953-10" and trend.periods[-1] == "1957-09" and len(trend.periods) == 48


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plots_are_written(sample_index, tmp_path, suffix):
    path = tmp_path / f"trend{suffix}"
    result = CliRunner().invoke(main, ["trend", "合作化", "cooperativization", "--index", str(sample_index),
                                       "--plot", str(path)])
    assert result.exit_code == 0, result.output
    assert path.stat().st_size > 1000


def test_a_plot_of_queries_with_dollar_signs_is_written(sample_index, tmp_path):
    """matplotlib had read "$1,000" OR "$2,000" in the legend as maths, and crashed."""
    path = tmp_path / "trend.svg"
    result = CliRunner().invoke(main, ["trend", '"$1,000" OR "$2,000"', "US$ 5", "--index", str(sample_index),
                                       "--plot", str(path)])
    assert result.exit_code == 0 and result.exception is None, result.output
    assert '"$1,000" OR "$2,000"' in path.read_text(encoding="utf-8")  # the legend as typed


def test_plot_to_an_unwritable_path(sample_index, tmp_path):
    result = CliRunner().invoke(main, ["trend", "合作化", "--index", str(sample_index),
                                       "--plot", str(tmp_path / "missing" / "x.png")])
    assert result.exit_code == 1 and "cannot write" in result.stderr and isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("name", ["trend.pdf", ""])
def test_a_plot_file_name_huiyi_cannot_draw_to_is_a_usage_error(sample_index, name):
    """It had exited 1 after the work, and --plot '' had been ignored."""
    result = CliRunner().invoke(main, ["trend", "合作化", "--index", str(sample_index), "--plot", name])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert f"--plot {name!r}: the file name must end in .png or .svg" in result.stderr


def test_glossary_expansion_finds_both_languages(sample_index):
    with Engine.open(sample_index) as engine:
        plain = engine.search("合作化", limit=0)
        expanded = engine.search("合作化", limit=0, expand=True)
        english = engine.search("cooperativization", limit=0, expand=True)
    plain_meetings = {h.meeting_id for h in plain.hits}
    expanded_meetings = {h.meeting_id for h in expanded.hits}
    assert plain_meetings < expanded_meetings
    assert "001_national-mutual-aid-1953" in expanded_meetings  # English only: cooperativization
    assert {h.meeting_id for h in english.hits} == expanded_meetings
    forms = {form for hit in expanded.hits for form in hit.matched_forms}
    assert "合作化" in forms and "cooperativization" in forms


def test_glossary_from_a_user_file_and_its_errors(tmp_path, sample_index):
    good = tmp_path / "g.toml"
    good.write_text('"统购统销" = ["planned purchase and planned supply"]\n', encoding="utf-8")
    with Engine.open(sample_index, glossary=good) as engine:
        results = engine.search("统购统销", limit=0, expand=True)
        unknown = engine.search("合作化", limit=0, expand=True)
    assert any(h.meeting_id.startswith("001") for h in results.hits)
    assert unknown.notes and "no entry for '合作化'" in unknown.notes[0]
    bad = tmp_path / "bad.toml"
    bad.write_text('"a" = ["b"]\n"c" = [oops\n', encoding="utf-8")
    with pytest.raises(GlossaryError, match=r"bad\.toml:2: "):
        Glossary.load(bad)
    result = CliRunner().invoke(main, ["search", "a", "--expand", "--glossary", str(bad), "--index", str(sample_index)])
    assert result.exit_code == 2 and "bad.toml:2:" in result.stderr
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('"a" = "b"\n', encoding="utf-8")
    with pytest.raises(GlossaryError, match="must be a list of terms"):
        Glossary.load(wrong)
    for entries in ('"a" = ["b", ""]\n', '"a" = ["b", " "]\n', '"" = ["b"]\n'):
        wrong.write_text(entries, encoding="utf-8")
        with pytest.raises(GlossaryError, match=re.escape('has an empty term (""); remove it')):
            Glossary.load(wrong)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_batch_expands_with_a_glossary_of_its_own(tmp_path, sample_index, workers):
    """huiyi batch had no --glossary (only huiyi.toml's), and Engine.batch no expand."""
    good = tmp_path / "g.toml"
    good.write_text('"统购统销" = ["planned purchase and planned supply"]\n', encoding="utf-8")
    queries = tmp_path / "q.txt"
    queries.write_text("统购统销\n合作化\n", encoding="utf-8")
    with Engine.open(sample_index, glossary=good) as engine:
        expected = [engine.search(query, limit=0, expand=True).total_passages for query in ("统购统销", "合作化")]
        plain = engine.search("统购统销", limit=0).total_passages
        assert [result.results.total_passages for result in engine.batch(["统购统销", "合作化"], expand=True,
                                                                         workers=int(workers))] == expected
    assert expected[0] > plain
    result = CliRunner().invoke(main, ["batch", str(queries), "--expand", "--glossary", str(good), "--counts-only",
                                       "--index", str(sample_index), "--workers", workers])
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["total_passages"] for line in result.stdout.splitlines()[1:]] == expected
    bad = tmp_path / "bad.toml"
    bad.write_text('"a" = ["b"]\n"c" = [oops\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["batch", str(queries), "--expand", "--glossary", str(bad), "--index", str(sample_index)])
    assert result.exit_code == 2 and "bad.toml:2:" in result.stderr and not result.stdout


def test_expand_from_config(tmp_path, sample_index, monkeypatch):
    (tmp_path / "huiyi.toml").write_text("expand = true\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with Engine.open(sample_index) as engine:
        assert engine.search("合作化", limit=0).expanded
        assert not engine.search("合作化", limit=0, expand=False).expanded
    (tmp_path / "huiyi.toml").write_text("expand = maybe\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["search", "x", "--index", str(sample_index)])
    assert result.exit_code == 2 and "huiyi.toml:1:" in result.stderr
    (tmp_path / "huiyi.toml").write_text("glossary = 5\n", encoding="utf-8")  # had been a TypeError traceback
    result = CliRunner().invoke(main, ["search", "x", "--index", str(sample_index)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert result.stderr.strip() == "Error: huiyi.toml: glossary must be the path of a glossary file, in quotes"


def test_a_config_or_glossary_saved_with_a_bom_is_read_and_one_not_in_utf8_is_named(tmp_path, sample_index,
                                                                                     monkeypatch):
    """Notepad's byte order mark had been "Invalid statement" at 1:1, a UTF-16 or GBK file a
    UnicodeDecodeError traceback."""
    monkeypatch.chdir(tmp_path)
    config, glossary = tmp_path / "huiyi.toml", tmp_path / "g.toml"
    config.write_bytes("\ufeffexpand = true\nglossary = \"g.toml\"\n".encode())
    glossary.write_bytes('\ufeff"统购统销" = ["planned purchase"]\n'.encode())
    with Engine.open(sample_index) as engine:
        assert engine.search("统购统销", limit=0).expanded
    for broken, what in ((glossary, "glossary"), (config, "config file")):
        broken.write_bytes(broken.read_bytes().decode("utf-8-sig").encode("utf-16"))
        result = CliRunner().invoke(main, ["search", "统购统销", "--index", str(sample_index)])
        assert result.exit_code == 2 and result.stderr.strip() == (
            f"Error: {broken.name if broken == config else broken}: the {what} is not UTF-8 text; save it as UTF-8")


def test_did_you_mean(sample_index):
    with Engine.open(sample_index) as engine:
        english = engine.search("cooperatvization")
        chinese = engine.search("農業合作化運動")
        found = engine.search("合作化")
    assert english.total_passages == 0 and english.suggestions[0] == "cooperativization"
    assert chinese.total_passages == 0
    assert chinese.suggestions[0] == "农业合作化运动" and "合作化" in chinese.suggestions
    assert found.suggestions == ()
    result = CliRunner().invoke(main, ["search", "cooperatvization", "--index", str(sample_index)])
    assert "did you mean: cooperativization" in result.stderr


def test_did_you_mean_offers_no_word_left_only_in_replaced_passages(tmp_path):
    """An update replaces a passage, but its words stay in the index's vocabulary until its
    segment is merged: "cooperativization", in no passage any more, had been offered."""
    from indexer.build import build_index

    from .conftest import write_records

    corpus = write_records(tmp_path / "c", {"a.txt": "**Remarks:**\n\nThe cooperativization drive.\n",
                                            "b.txt": "**Remarks:**\n\nThe cooperatives grew.\n"})
    build_index([corpus], tmp_path / "ix", procs=1)
    with Engine.open(tmp_path / "ix") as engine:
        assert engine.search("cooperativisation").suggestions == ("cooperativization",)
    (corpus / "a.txt").write_text("**Remarks:**\n\nThe steel drive.\n", encoding="utf-8")
    build_index([corpus], tmp_path / "ix", procs=1)
    with Engine.open(tmp_path / "ix") as engine:
        assert engine.search("cooperativization").total_passages == 0
        assert engine.search("cooperativisation").suggestions == ()
