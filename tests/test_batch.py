"""`huiyi batch` and Engine.batch: input formats, error rows, ordering, TREC, stdin."""

import csv
import io
import json
import threading

import pytest
from click.testing import CliRunner

from corpus.sources import NOT_TEXT
from search import Engine
from search.batch import BatchInputError, BatchQuery, read_queries
from search.cli import main

QUERIES = ["cooperativization", '"blind optimism"', "合作化", "foo:bar", "统购统销 date:1953", "nothingmatcheszzz"]


def run(*args, **kwargs):
    return CliRunner().invoke(main, ["batch", *[str(a) for a in args]], **kwargs)


def jsonl_rows(text):
    lines = [json.loads(line) for line in text.splitlines()]
    assert "_meta" in lines[0]
    return lines[0]["_meta"], lines[1:]


def test_input_formats_parse_alike():
    txt = read_queries("# a comment\n\ncooperativization\n合作化\n", "txt")
    tsv = read_queries("id\tquery\nq1\tcooperativization\nq2\t合作化\n", "tsv")
    csv_ = read_queries('id,query\nq1,cooperativization\nq2,"合作化"\n', "csv")
    jsonl = read_queries('{"id": "q1", "query": "cooperativization"}\n{"id": "q2", "query": "合作化", '
                         '"limit": 3, "filters": {"date": "1955", "kind": "speech"}}\n', "jsonl")
    assert [q.query for q in txt] == [q.query for q in tsv] == [q.query for q in csv_] == [q.query for q in jsonl]
    assert [q.id for q in txt] == ["1", "2"] and [q.id for q in tsv] == ["q1", "q2"] == [q.id for q in csv_]
    assert jsonl[1].limit == 3 and jsonl[1].full_query() == "(合作化) date:1955 kind:speech"


def test_csv_queries_keep_phrases_in_doubled_quote_marks_and_cells_over_lines():
    queries = read_queries('id,query\nq1,"""blind optimism"" OR ""急躁冒进"""\nq2,"a\nb"\nq3,c "d\n', "csv")
    assert [(q.id, q.query) for q in queries] == [("q1", '"blind optimism" OR "急躁冒进"'), ("q2", "a\nb"), ("q3", 'c "d')]


def test_an_empty_query_keeps_its_row_in_every_format():
    """A CSV row with an id and no query had vanished (TSV kept it, to report "empty query"), and
    a JSONL "id": null had become the id "None"."""
    tsv = read_queries("q1\tcooperativization\nq2\t\n", "tsv")
    csv_ = read_queries("id,query\nq1,cooperativization\nq2,\n,\n", "csv")
    jsonl = read_queries('{"id": "q1", "query": "cooperativization"}\n{"id": null, "query": ""}\n', "jsonl")
    assert [(q.id, q.query) for q in tsv] == [(q.id, q.query) for q in csv_] == [("q1", "cooperativization"), ("q2", "")]
    assert [(q.id, q.query) for q in jsonl] == [("q1", "cooperativization"), ("2", "")]


@pytest.mark.parametrize("blank", ["", " "])
def test_a_blank_id_is_numbered_by_the_querys_place_in_every_format(blank):
    tsv = read_queries(f"id\tquery\nq1\tcooperativization\n{blank}\t合作化\n", "tsv")
    csv_ = read_queries(f"id,query\nq1,cooperativization\n{blank},合作化\n", "csv")
    jsonl = read_queries(f'{{"id": "q1", "query": "cooperativization"}}\n{{"id": "{blank}", "query": "合作化"}}\n', "jsonl")
    assert [q.id for q in tsv] == [q.id for q in csv_] == [q.id for q in jsonl] == ["q1", "2"]


def test_a_last_csv_query_with_a_literal_quote_mark_is_no_open_quote():
    queries = read_queries('id,query,note\nq1,"a\nb",a 12" ruler\n', "csv")  # odd in marks, but closed
    assert [(q.id, q.query) for q in queries] == [("q1", "a\nb")]


@pytest.mark.parametrize(
    "text, fmt, words",
    [
        ("q1 cooperativization\n", "tsv", "queries:1: expected id<TAB>query"),
        ("name,text\na,b\n", "csv", "needs a header with 'id' and 'query'"),
        ('{"query": "a"\n', "jsonl", "queries:1: not JSON"),
        ('{"query": "a", "filters": {"colour": "red"}}\n', "jsonl", "filters may use"),
        ("a\tx\na\ty\n", "tsv", "query id 'a' is used twice"),
        ("id,query,Query\nq1,a,b\n", "csv", "queries:1: the header has 2 columns named 'query'"),
        ('id,query\nq1,"blind optimism\nq2,合作化\n', "csv",
         "queries:2: the quote mark opened on line 2 is never closed, so lines 2-3 "),
        ('id,query\nq1,a\n\nq2,"blind optimism\nq3,合作化\n', "csv",  # the line of the quote, not the blank one
         "queries:4: the quote mark opened on line 4 is never closed, so lines 4-5 "),
    ],
)
def test_bad_query_files(text, fmt, words):
    with pytest.raises(BatchInputError, match=words):
        read_queries(text, fmt)


def test_bad_query_file_exits_2(tmp_path, sample_index):
    path = tmp_path / "q.jsonl"
    path.write_text("not json\n", encoding="utf-8")
    result = run(path, "--index", sample_index, "--workers", "1")
    assert result.exit_code == 2 and "q.jsonl:1: not JSON" in result.stderr


def test_jsonl_rows_errors_and_summary(tmp_path, sample_index):
    path = tmp_path / "q.txt"
    path.write_text("\n".join(QUERIES), encoding="utf-8")
    result = run(path, "--index", sample_index, "--limit", "2", "--workers", "1")
    assert result.exit_code == 0
    meta, rows = jsonl_rows(result.stdout)
    assert meta["documents"] > 0 and meta["index_built_at"] and meta["analyzer"]["analyzer_version"]
    by_query = {}
    for row in rows:
        by_query.setdefault(row["query_id"], []).append(row)
    assert len(by_query["1"]) == 2 and by_query["1"][0]["rank"] == 1
    assert by_query["1"][0]["total_passages"] >= 2 and "excerpt" in by_query["1"][0]
    assert by_query["4"] == [{"query_id": "4", "query": "foo:bar", "error": by_query["4"][0]["error"]}]
    assert "unknown field 'foo'" in by_query["4"][0]["error"]
    assert by_query["6"] == [{"query_id": "6", "query": "nothingmatcheszzz", "total_passages": 0,
                              "total_meetings": 0}]
    assert "1 failed" in result.stderr and "query 4: unknown field" in result.stderr
    strict = run(path, "--index", sample_index, "--workers", "1", "--strict")
    assert strict.exit_code == 1


def test_output_identical_for_any_worker_count(tmp_path, sample_index):
    path = tmp_path / "q.txt"
    path.write_text("\n".join(QUERIES * 5), encoding="utf-8")
    outputs = {
        workers: run(path, "--index", sample_index, "--workers", workers, "--format", fmt, "-q").stdout
        for workers in (1, 2, 3)
        for fmt in ["tsv"]
    }
    assert outputs[1] == outputs[2] == outputs[3]
    assert outputs[1].count("\n") > len(QUERIES)


def test_trec_lines_are_valid(tmp_path, sample_index):
    path = tmp_path / "q.tsv"
    path.write_text("a\tcooperativization\nb\t合作化\nc\tfoo:bar\n", encoding="utf-8")
    result = run(path, "--index", sample_index, "--format", "trec", "--limit", "3", "--workers", "1")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("# {")
    runs = [line.split() for line in lines[1:]]
    assert runs and all(len(fields) == 6 and fields[1] == "Q0" and fields[5] == "huiyi" for fields in runs)
    assert [fields[0] for fields in runs] == ["a", "a", "a", "b", "b", "b"]
    assert [int(fields[3]) for fields in runs[:3]] == [1, 2, 3]
    scores = [float(fields[4]) for fields in runs[:3]]
    assert scores == sorted(scores, reverse=True)


def test_counts_only_names_the_undated_column(tmp_path):
    """Undated passages had a column with an empty header (and "" in JSONL's years)."""
    from indexer.build import build_index

    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "a.txt").write_text("**Remarks:**\n\nalpha\n", encoding="utf-8")
    (folder / "b.txt").write_text("**Dates of Meeting:** 1956\n\n**Remarks:**\n\nalpha\n", encoding="utf-8")
    build_index([folder], tmp_path / "ix", procs=1)
    (tmp_path / "q.txt").write_text("alpha\n", encoding="utf-8")
    table = run(tmp_path / "q.txt", "--index", tmp_path / "ix", "--counts-only", "--format", "csv", "--workers", "1")
    lines = run(tmp_path / "q.txt", "--index", tmp_path / "ix", "--counts-only", "--workers", "1")
    assert table.exit_code == lines.exit_code == 0
    (row,) = csv.DictReader(io.StringIO(table.stdout))
    assert (row["1956"], row["undated"]) == ("1", "1") and "" not in row
    assert list(json.loads(lines.stdout.splitlines()[1])["years"].items()) == [("1956", 1), ("undated", 1)]


def test_csv_with_sidecar_and_counts_only(tmp_path, sample_index):
    path = tmp_path / "q.csv"
    path.write_text("id,query\nq1,合作化\nq2,cooperativization\nq3,foo:bar\n", encoding="utf-8")
    out = tmp_path / "counts.csv"
    result = run(path, "--index", sample_index, "--counts-only", "--format", "csv", "-o", out, "--workers", "1")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [row["query_id"] for row in rows] == ["q1", "q2", "q3"]
    with Engine.open(sample_index) as engine:
        full = engine.search("合作化", limit=0, facets=["year"])
    assert int(rows[0]["total_passages"]) == full.total_passages
    for year, count in full.facets["year"]:
        assert int(rows[0][year]) == count
    assert rows[2]["error"] and not rows[2]["total_passages"]
    meta = json.loads((tmp_path / "counts.csv.meta.json").read_text(encoding="utf-8"))
    assert meta["documents"] > 0


def test_stdin(sample_index):
    result = run("-", "--index", sample_index, "--workers", "1", "--limit", "1", input="合作化\n统购统销\n")
    _, rows = jsonl_rows(result.stdout)
    assert [row["query"] for row in rows] == ["合作化", "统购统销"]


def test_engine_batch_matches_search(sample_index):
    with Engine.open(sample_index) as engine:
        results = list(engine.batch(["合作化", "foo:bar", BatchQuery("x", "统购统销", limit=1)], limit=3))
        single = engine.search("合作化", limit=3)
    assert [r.query.id for r in results] == ["1", "2", "x"]
    assert results[0].results.hits == single.hits
    assert results[1].error and results[1].results is None
    assert len(results[2].results.hits) == 1


def test_example_script_writes_counts_per_year(tmp_path, sample_index):
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    out = tmp_path / "counts.csv"
    done = subprocess.run(
        [sys.executable, str(repo / "examples" / "counts_per_year.py"), str(repo / "examples" / "queries.txt"),
         str(out), "--index", str(sample_index)],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[1]["query"] == "合作化" and int(rows[1]["passages"]) > 0
    assert sum(int(rows[1][c]) for c in rows[1] if c.isdigit()) == int(rows[1]["passages"])


def test_every_worker_takes_queries_and_the_order_is_kept(sample_index):
    """The calling process and its helpers share the queries; results come back in order."""
    from search.batch import run_batch

    queries = [BatchQuery(str(n), query) for n, query in enumerate(QUERIES * 20)]
    results = list(run_batch(sample_index, queries, workers=3, limit=2))
    assert [r.query.id for r in results] == [q.id for q in queries]
    with Engine.open(sample_index) as engine:
        alone = list(engine.batch(queries, limit=2))
    assert [(r.error, r.results and r.results.hits) for r in results] == \
        [(r.error, r.results and r.results.hits) for r in alone]


@pytest.mark.parametrize("how, words", [("raise", "failed: RuntimeError: a bug"), ("kill", "died")])
def test_a_batch_worker_that_fails_stops_the_batch(sample_index, monkeypatch, how, words):
    import os
    import signal
    import time

    from search import batch
    from search.batch import BatchWorkerError, run_batch

    parent, real = os.getpid(), batch._run_one

    def failing_in_a_helper(query):
        if os.getpid() == parent:
            time.sleep(0.02)  # the helper surely takes some of the queries
            return real(query)
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise RuntimeError("a bug")

    monkeypatch.setattr(batch, "_run_one", failing_in_a_helper)
    queries = [BatchQuery(str(n), "合作化") for n in range(40)]
    with pytest.raises(BatchWorkerError, match=words):
        list(run_batch(sample_index, queries, workers=2))


def test_no_helper_outlives_a_batch_that_cannot_start(sample_index, monkeypatch):
    """The helpers are forked before this process opens its index: if that fails, they go too."""
    import multiprocessing
    import os

    from search import batch
    from search.batch import run_batch

    parent, real = os.getpid(), batch._init_worker

    def failing_here(*args):
        if os.getpid() == parent:
            raise RuntimeError("cannot open")
        real(*args)

    monkeypatch.setattr(batch, "_init_worker", failing_here)
    with pytest.raises(RuntimeError, match="cannot open"):
        list(run_batch(sample_index, [BatchQuery(str(n), "合作化") for n in range(20)], workers=3))
    assert multiprocessing.active_children() == []


def _raised_in_time(call, seconds: float = 30):
    """What ``call`` raised, or returned; fails if it is still waiting after ``seconds``."""
    outcome = []

    def run():
        try:
            outcome.append(call())
        except Exception as error:  # noqa: BLE001 - the test looks at it
            outcome.append(error)

    running = threading.Thread(target=run, daemon=True)
    running.start()
    running.join(timeout=seconds)
    assert not running.is_alive(), "the batch waited for ever"
    return outcome[0]


def test_a_worker_killed_holding_the_query_counter_does_not_hang_the_batch():
    """A lock held by a dead process is never released: the waiting process must notice."""
    import multiprocessing
    import os
    import signal

    from search.batch import BatchWorkerError, _take

    context = multiprocessing.get_context("fork")
    counter = context.Value("q", 0)

    def take_and_die():
        counter.get_lock().acquire()
        os.kill(os.getpid(), signal.SIGKILL)

    dying = context.Process(target=take_and_die)
    dying.start()
    dying.join()
    assert dying.exitcode == -signal.SIGKILL
    assert isinstance(_raised_in_time(lambda: _take(counter, lambda: dying.exitcode is not None)), BatchWorkerError)


def test_the_query_counter_gives_each_number_once():
    import multiprocessing

    from search.batch import _take

    counter = multiprocessing.get_context("fork").Value("q", 0)
    assert [_take(counter, lambda: False) for _ in range(3)] == [0, 1, 2]


def test_a_batch_whose_helper_dies_holding_the_query_counter_stops_with_an_error(sample_index, monkeypatch):
    import os
    import signal

    from search import batch
    from search.batch import BatchWorkerError, run_batch

    parent, real = os.getpid(), batch._take

    def dying_in_a_helper(counter, stranded):
        if os.getpid() != parent:
            counter.get_lock().acquire()
            os.kill(os.getpid(), signal.SIGKILL)
        return real(counter, stranded)

    monkeypatch.setattr(batch, "_take", dying_in_a_helper)
    queries = [BatchQuery(str(n), "合作化") for n in range(40)]
    assert isinstance(_raised_in_time(lambda: list(run_batch(sample_index, queries, workers=2))), BatchWorkerError)


def test_a_filter_value_is_matched_as_written_with_its_brackets_and_quote_marks(sample_index):
    """Unquoted, a type copied from the data, 中共中央政治局扩大会议（讨论粮食统购统销问题）, had been read
    as query syntax: the type clause 中共中央政治局扩大会议 and a group searched in the text (no hits)."""
    type_ = "中共中央政治局扩大会议（讨论粮食统购统销问题）"
    queries = [BatchQuery("1", "粮食", filters=(("type", type_),)),
               BatchQuery("2", "", filters=(("type", type_.replace("（", '"(')), ("date", "1953")))]
    assert queries[0].full_query() == f'(粮食) type:"{type_}"'
    with Engine.open(sample_index) as engine:
        expected = [engine.search(query, limit=0).total_passages
                    for query in (f'粮食 type:"{type_}"', f'type:"{type_}" date:1953')]
        results = [result.results.total_passages for result in engine.batch(queries)]
    assert 0 < expected[0] < expected[1] and results == expected


@pytest.mark.parametrize("encoding, queries", [("gb18030", ["合作化", "统购统销"]), ("utf-16", ["合作化", "统购统销"]),
                                               ("utf-8-sig", ["合作化", "统购统销"]), ("big5", ["合作化", "統購統銷"])])
def test_a_query_file_in_a_legacy_encoding_is_read_as_records_are(tmp_path, sample_index, encoding, queries):
    """A GBK or UTF-16 (Notepad) query file had stopped the batch with a UnicodeDecodeError."""
    path = tmp_path / "q.txt"
    path.write_bytes("".join(f"{query}\n" for query in queries).encode(encoding))
    result = run(path, "--index", sample_index, "--workers", "1", "--counts-only", "-q")
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()[1:]]
    assert [row["query"] for row in rows] == queries and all(row["total_passages"] for row in rows)
    guessed = encoding != "utf-8-sig"  # any but UTF-8 is said, as for records
    assert (f"{path}: info: decoded as {encoding}" in result.stderr) == guessed


def test_query_files_and_outputs_that_cannot_be_used_are_said_in_one_line(tmp_path, sample_index):
    """A missing query file, a binary one and an output in a missing folder had given tracebacks."""
    missing = run(tmp_path / "nope.txt", "--index", sample_index)
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    binary = tmp_path / "q.txt"
    binary.write_bytes(b"\x00\x01\x02 not text")
    refused = run(binary, "--index", sample_index)
    assert refused.exit_code == 2 and refused.stderr.strip() == f"Error: {binary}: {NOT_TEXT}"
    binary.write_text("合作化\n", encoding="utf-8")
    nowhere = tmp_path / "missing" / "out.csv"
    result = run(binary, "--index", sample_index, "--format", "csv", "-o", nowhere)
    assert result.exit_code == 1 and result.stderr.strip() == f"Error: cannot write {nowhere}: No such file or directory"
