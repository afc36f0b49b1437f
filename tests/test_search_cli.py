"""`huiyi index`, `huiyi search` and `huiyi show` through click's runner: formats and errors."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from search.cli import main

from .conftest import SAMPLES


def run(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


def test_python_dash_m_has_every_command():
    """``python -m search.cli`` had run ``main`` before ``kwic`` and ``trend`` were defined."""
    done = subprocess.run([sys.executable, "-m", "search.cli", "--help"], capture_output=True, text=True, check=True)
    listed = {line.split()[0] for line in done.stdout.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(main.commands) >= {"kwic", "trend"}


def test_a_search_does_not_load_the_builder_or_the_record_parser(sample_index):
    """Each ``huiyi search`` is a new process: loading the index builder, the record parser and
    their patterns had been 30 ms (11%) of every search's start. ``from corpus import …`` and
    ``from search import Engine`` still give their names."""
    script = ("import sys; from search.engine import Engine; from corpus import PartialDate\n"
              f"Engine.open({str(sample_index)!r}).search('合作化')\n"
              "print(sorted(m for m in ('indexer.build', 'indexer.segments', 'corpus.parser', 'corpus.sources', "
              "'corpus.importers') if m in sys.modules))\n"
              "import corpus, search; print(corpus.parse_text.__module__, search.Engine.__module__)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["[]", "corpus.parser search.engine"]
    command = ("import sys; from search.cli import main\n"
               f"main(['search', '合作化', '--index', {str(sample_index)!r}, '--format', 'jsonl'], standalone_mode=False)\n"
               "print(sorted(m for m in ('indexer.build', 'corpus.parser', 'corpus.sources') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", command], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[]" and len(done.stdout.splitlines()) > 1


def test_an_output_that_cannot_take_chinese_or_is_full_gets_no_traceback(sample_index):
    """A latin-1 terminal had stopped at the first character it lacks, and a full disk (stdout
    to /dev/full) with an OSError traceback."""
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    narrow = subprocess.run([sys.executable, "-m", "search.cli", "search", "合作化", "--index", str(sample_index),
                             "--format", "text", "--limit", "1"], capture_output=True, env=env, check=False)
    assert narrow.returncode == 0 and b"Traceback" not in narrow.stderr
    assert narrow.stderr.startswith(b"warning: the output is written as iso8859-1") and b"???" in narrow.stdout
    chinese = subprocess.run([sys.executable, "-m", "search.cli", "search", "合作化", "--index", str(sample_index),
                              "--format", "jsonl", "--limit", "1"], capture_output=True,
                             env={**os.environ, "PYTHONIOENCODING": "gbk"}, check=False)
    assert chinese.returncode == 0 and not chinese.stderr.startswith(b"warning")  # Chinese Windows' cp936
    assert "合作化" in chinese.stdout.decode("gbk")
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "search.cli", "stats", "--index", str(sample_index)],
                              stdout=full, stderr=subprocess.PIPE, text=True, check=False)
    assert done.returncode == 1 and done.stderr == "Error: cannot write the output: No space left on device\n"


def test_facets_given_one_by_one_are_all_counted(sample_index):
    """A second --facet had replaced the first."""
    result = run("search", "合作化", "--index", sample_index, "--format", "json", "--facet", "year", "--facet", "kind,year")
    assert list(json.loads(result.stdout)["facets"]) == ["year", "kind"]


def test_index_command_builds_and_summarises(tmp_path):
    result = run("index", SAMPLES, "--index", tmp_path / "ix")
    assert result.exit_code == 0, result.output
    assert "built from scratch; 10 meetings, 86 passages" in result.stderr and "10/10 files" in result.stderr
    assert result.stdout == ""
    quiet = run("index", SAMPLES, "--index", tmp_path / "ix", "--quiet")
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_index_skips_bad_files_and_indexes_the_rest(tmp_path):
    (tmp_path / "good.txt").write_text("**Dates of Meeting:** 1955\n\n**Remarks:**\n\nA remark.\n", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01\x02binary")
    result = run("index", tmp_path, "--index", tmp_path / "ix")
    assert result.exit_code == 0
    assert "skipped" in result.stderr and "bad.txt:1: error: binary file" in result.stderr
    assert "1 meeting, 1 passage" in result.stderr


def test_index_uses_HUIYI_INDEX(tmp_path):
    result = run("index", SAMPLES, "-q", env={"HUIYI_INDEX": str(tmp_path / "env-ix")})
    assert result.exit_code == 0
    assert (tmp_path / "env-ix" / "huiyi.json").exists()


def test_jsonl_keys(sample_index):
    result = run("search", '"blind optimism"', "--index", sample_index, "--format", "jsonl")
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and set(rows[0]) >= {"rank", "score", "meeting_id", "source", "kind", "speaker", "speech_date",
                                     "meeting", "excerpt", "highlights", "text"}
    assert set(rows[0]["meeting"]) == {"start", "end", "type", "place"}
    for row in rows:
        for start, end in row["highlights"]:
            assert row["excerpt"][start:end].lower().replace("\n", " ") == "blind optimism"
    assert "passages in" in result.stderr


def test_json_totals_and_facets(sample_index):
    result = run("search", "合作化", "--index", sample_index, "--format", "json", "--facet", "year,kind", "--limit", "0")
    data = json.loads(result.stdout)
    assert data["total_passages"] == len(data["hits"])
    assert data["total_meetings"] == len({hit["meeting_id"] for hit in data["hits"]})
    assert sum(count for _, count in data["facets"]["year"]) == data["total_passages"]


def test_csv_columns(sample_index):
    result = run("search", "cooperativization", "--index", sample_index, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and rows[0]["rank"] == "1" and "meeting_start" in rows[0] and "highlights" in rows[0]
    assert json.loads(rows[0]["highlights"])


def test_html_escapes_and_marks(sample_index):
    result = run("search", "统购统销", "--index", sample_index, "--format", "html")
    assert result.exit_code == 0
    assert "<mark>统购统销</mark>" in result.stdout
    assert "<script" not in result.stdout


def test_html_shows_what_text_shows(sample_index):
    """HTML had numbered every page from 1, and left out speakers, passage ids, a meeting's next
    best passages and the facets."""
    args = ("search", "合作化", "--index", sample_index, "--limit", "3", "--offset", "2", "--group", "meeting",
            "--facet", "year")
    page = run(*args, "--format", "html").stdout
    results = json.loads(run(*args, "--format", "json").stdout)
    assert '<ol start="3">' in page
    first = results["hits"][0]
    assert f"{first['kind']} · {first['passage_id']}" in page
    also = [other for hit in results["hits"] for other in hit["also"]]
    assert also and all(other["passage_id"] in page for other in also) and page.count('<ul class="also">') >= 1
    assert '<section class="facets"><h2>year</h2>' in page
    assert all(f"<li>{year} ({count})</li>" in page for year, count in results["facets"]["year"])


def test_text_header_and_hits(sample_index):
    result = run("search", "cooperativization", "--index", sample_index, "--format", "text", "--limit", "2")
    lines = result.stdout.splitlines()
    assert lines[0].endswith("meetings") and "passages in" in lines[0]
    assert lines[2].startswith("  1. ")


def test_text_marks_with_ansi_on_a_terminal(sample_index):
    result = CliRunner().invoke(main, ["search", "统购统销", "--index", str(sample_index), "--format", "text"],
                                color=True)
    assert "\x1b[" in result.stdout


def test_sort_by_date_puts_undated_meetings_last_and_keeps_relevance_scores(tmp_path):
    """Whoosh's sorted search had put undated meetings (start key 0) first when sorting by
    date, and its sort key (19560101.0) in every hit's score."""
    from indexer.build import build_index
    from search import Engine

    folder = tmp_path / "r"
    folder.mkdir()
    for name, date, text in [("undated", "", "alpha"), ("year", "1956", "alpha alpha beta"), ("march", "10-03-1956", "alpha"),
                             ("early", "1950", "alpha")]:
        (folder / f"{name}.txt").write_text(f"**Dates of Meeting:** {date}\n\n**Remarks:**\n\n{text}\n", encoding="utf-8")
    build_index([folder], tmp_path / "ix", procs=1)
    with Engine.open(tmp_path / "ix") as engine:
        relevance = {hit.meeting_id: hit.score for hit in engine.search("alpha", limit=0).hits}
        oldest = engine.search("alpha", sort="date", limit=0).hits
        newest = engine.search("alpha", sort="-date", limit=2).hits
    assert [hit.meeting_id for hit in oldest] == ["early", "year", "march", "undated"]
    assert [hit.meeting_id for hit in newest] == ["march", "year"]
    assert {hit.meeting_id: hit.score for hit in oldest} == relevance and max(relevance.values()) < 100


def test_sort_by_date_keeps_a_meetings_passages_in_their_records_order_after_an_update(tmp_path):
    """Ties had kept index order: a passage an update rewrote moved to the end of its meeting."""
    from indexer.build import build_index
    from search import Engine

    folder = tmp_path / "r"
    folder.mkdir()
    paragraphs = ["alpha one.", "alpha two.", "alpha three."]
    for name in ("b", "a"):
        (folder / f"{name}.txt").write_text("**Dates of Meeting:** 1956\n\n**Remarks:**\n\n" + "\n\n".join(paragraphs),
                                            encoding="utf-8")
    build_index([folder], tmp_path / "ix", procs=1)
    (folder / "b.txt").write_text((folder / "b.txt").read_text(encoding="utf-8").replace("alpha one.", "alpha one, edited."),
                                  encoding="utf-8")
    assert build_index([folder], tmp_path / "ix", procs=1).passages_written == 1
    with Engine.open(tmp_path / "ix") as engine:
        for sort in ("date", "-date"):
            hits = engine.search("alpha", sort=sort, limit=0).hits
            assert [hit.passage_id for hit in hits] == ["a#0", "a#1", "a#2", "b#0", "b#1", "b#2"]


def test_a_query_of_filters_alone_lists_its_hits_by_date_however_the_index_was_updated(tmp_path):
    """Every hit of date:1955 scores alike: they had come in the index's order, which differed
    between an updated index and a fresh build of the same records."""
    from indexer.build import build_index
    from search import Engine

    folder = tmp_path / "r"
    folder.mkdir()
    for name, date in (("a", "1956"), ("b", "03-1955"), ("c", "01-1955")):
        (folder / f"{name}.txt").write_text(f"**Dates of Meeting:** {date}\n\n**Remarks:**\n\none.\n\ntwo.\n", encoding="utf-8")
    build_index([folder], tmp_path / "ix", procs=1)
    (folder / "c.txt").write_text((folder / "c.txt").read_text(encoding="utf-8").replace("one.", "one, edited."),
                                  encoding="utf-8")
    build_index([folder], tmp_path / "ix", procs=1)
    build_index([folder], tmp_path / "fresh", procs=1)
    orders = []
    for index in ("ix", "fresh"):
        with Engine.open(tmp_path / index) as engine:
            results = engine.search("date:1955..1956 -kind:speech", limit=0)
            orders.append([hit.passage_id for hit in results.hits])
            assert results.sort == "date" and engine.search("date:1955 one", limit=0).sort == "relevance"
    assert orders[0] == orders[1] == ["c#0", "c#1", "b#0", "b#1", "a#0", "a#1"]


def test_group_sort_offset(sample_index):
    grouped = json.loads(run("search", "合作化", "--index", sample_index, "--format", "json", "--group", "meeting",
                             "--limit", "0").stdout)
    ids = [hit["meeting_id"] for hit in grouped["hits"]]
    assert len(ids) == len(set(ids)) == grouped["total_meetings"]
    by_date = json.loads(run("search", "合作化", "--index", sample_index, "--format", "json", "--sort", "date",
                             "--limit", "0").stdout)
    starts = [hit["meeting"]["start"] for hit in by_date["hits"]]
    assert starts == sorted(starts)
    second = json.loads(run("search", "合作化", "--index", sample_index, "--format", "json", "--offset", "1",
                            "--limit", "1").stdout)
    first_two = json.loads(run("search", "合作化", "--index", sample_index, "--format", "json", "--limit", "2").stdout)
    assert second["hits"][0]["passage_id"] == first_two["hits"][1]["passage_id"]


@pytest.mark.parametrize(
    "query, words",
    [
        ("", "empty query"),
        ("the of and", "only stopwords or punctuation"),
        ("，。！", "only stopwords or punctuation"),
        ("foo:bar", "unknown field"),
        ("date:1957..1953", "ends before it starts"),
        ("(合作化", "unclosed parenthesis"),
        ("合作化 " * 2000, "query too long"),
        ("(" * 300 + "合作化" + ")" * 300, "parentheses nested 300 deep"),  # had been a RecursionError
    ],
)
def test_bad_queries_exit_2_without_traceback(sample_index, query, words):
    result = run("search", query, "--index", sample_index)
    assert result.exit_code == 2
    assert words in result.stderr and isinstance(result.exception, SystemExit)
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_index_exit_1(tmp_path):
    result = run("search", "x", "--index", tmp_path / "none")
    assert result.exit_code == 1
    assert f"no huiyi index at {tmp_path / 'none'}" in result.stderr and "huiyi index" in result.stderr


def test_corrupt_index_exit_1(tmp_path, sample_index):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(sample_index, broken)
    for segment in broken.glob("*.seg"):
        segment.write_bytes(b"garbage")
    for toc in broken.glob("_MAIN_*.toc"):
        toc.write_bytes(b"garbage")
    result = run("search", "x", "--index", broken)
    assert result.exit_code == 1
    assert "damaged" in result.stderr and isinstance(result.exception, SystemExit)


def test_incompatible_index_says_rebuild(tmp_path, sample_index):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(sample_index, old)
    manifest = json.loads((old / "huiyi.json").read_text())
    manifest["schema_version"] = "0"
    (old / "huiyi.json").write_text(json.dumps(manifest))
    result = run("search", "x", "--index", old)
    assert result.exit_code == 1 and "rebuild" in result.stderr


def test_show_marks_matches_in_place(sample_index):
    result = run("show", "009_plan-cutback-1956", "--index", sample_index, "--query", "急躁冒进")
    assert result.exit_code == 0
    assert "Politburo and State Council" in result.stdout
    marked = [line for line in result.stdout.splitlines() if line.startswith(">> ")]
    assert len(marked) == 1 and "急躁冒进" in marked[0]


def test_show_unknown_meeting(sample_index):
    result = run("show", "nope", "--index", sample_index)
    assert result.exit_code == 2 and "no meeting 'nope'" in result.stderr


def test_the_python_api_takes_one_name_for_a_list_and_says_when_it_is_closed(sample_index):
    from search import Engine, EngineClosedError, UsageError

    with Engine.open(sample_index) as engine:
        # one facet name, one trend query (had been the facets y, e, a, r; a series per character)
        assert engine.search("合作化", facets="year").facets == engine.search("合作化", facets=["year"]).facets
        assert [s.query for s in engine.trend("合作化").series] == ["合作化"]
        with pytest.raises(UsageError, match="width must be at least 20"):  # width=0 had made the excerpt "……"
            engine.search("合作化", width=0)
        engine.close()  # then the with block's close: closing twice had raised
    with pytest.raises(EngineClosedError, match="is closed; open it again with Engine.open"):
        engine.search("合作化")  # had been Whoosh's ReaderClosed, with an empty message


@pytest.mark.parametrize("command", ["search", "kwic"])
def test_a_query_may_start_with_a_minus(sample_index, command):
    """click had taken -高级社 for an option ("No such option"), unless written after --."""
    fmt = "json" if command == "search" else "jsonl"
    typed = run(command, "-高级社 合作化", "--index", sample_index, "--format", fmt)
    spelled = run(command, "--index", sample_index, "--format", fmt, "--", "-高级社 合作化")
    assert typed.exit_code == spelled.exit_code == 0, typed.output
    assert typed.stdout == spelled.stdout and "合作化" in typed.stdout
    mistyped = run(command, "合作化", "--limt", "3", "--index", sample_index)
    assert mistyped.exit_code == 2 and "No such option '--limt'" in mistyped.stderr
