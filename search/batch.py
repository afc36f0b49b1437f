"""Batch queries: many queries from a file, results in input order, whatever the worker count.

A query that fails becomes an error row and the batch goes on. Workers are processes, each
with its own open index; results come back in input order, so the output is byte-identical for
any number of workers.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import json
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from corpus.errors import HuiyiError, SourceError, UsageError
from corpus.importers import CsvLines, ends_inside_quotes, unclosed_quote
from corpus.sources import decode

from .results import Results

INPUT_FORMATS = ("txt", "tsv", "csv", "jsonl")
FILTER_FIELDS = ("date", "kind", "speaker", "type", "place", "attendee", "quote")


class BatchInputError(UsageError):
    pass


class BatchWorkerError(HuiyiError):
    """A batch worker process died or failed (a bug, not a bad query)."""


@dataclass(frozen=True)
class BatchQuery:
    id: str
    query: str
    limit: int | None = None  # None: the batch's --limit
    filters: tuple[tuple[str, str], ...] = ()

    def full_query(self) -> str:
        """The query with its filters added as field clauses (``date:1954..1955`` …)."""
        if not self.filters:
            return self.query
        clauses = " ".join(f"{name}:{_quote_value(name, value)}" for name, value in self.filters)
        return f"({self.query}) {clauses}" if self.query.strip() else clauses


def _quote_value(name: str, value: str) -> str:
    """A filter's value as the query language reads it. A text field's value is a phrase, as
    copied from the data: unquoted, ``中共七届六中全会（扩大）`` had been a field clause and a
    group searched in the text (no hits). Its quote marks are dropped (phrases ignore them)."""
    if name in ("date", "kind"):
        return f'"{value}"' if any(ch.isspace() for ch in value) else value
    phrase = value.replace('"', " ").replace("＂", " ")
    return f'"{phrase}"' if phrase.strip() else value


@dataclass(frozen=True)
class BatchResult:
    """One query's outcome: results, or the error that stopped it."""

    query: BatchQuery
    results: Results | None
    error: str = ""
    year_counts: tuple[tuple[str, int], ...] = field(default=())
    counts_only: bool = False
    rendered: str = ""  # the output lines, when the worker made them (see run_batch's render)


# ------------------------------------------------------------------ reading queries


def detect_format(path: str) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    return {"txt": "txt", "tsv": "tsv", "tab": "tsv", "csv": "csv", "jsonl": "jsonl", "ndjson": "jsonl"}.get(suffix, "txt")


def decode_queries(data: bytes, source: str = "queries") -> tuple[str, str]:
    """A query file's text and its encoding, told as a record's is; BatchInputError if it is
    not text."""
    try:
        return decode(data)
    except SourceError as error:
        raise BatchInputError(f"{source}: {error}") from None


def read_queries(text: str | bytes, input_format: str, source: str = "queries") -> list[BatchQuery]:
    """Parse a query file; raises BatchInputError naming the line that is wrong. Its bytes are
    decoded as records are (UTF-8, UTF-16 with its BOM, GB18030 or Big5): a query file saved as
    GBK or by Notepad as UTF-16 had stopped the batch with a UnicodeDecodeError traceback."""
    if input_format not in INPUT_FORMATS:
        raise BatchInputError(f"unknown input format {input_format!r}: use one of {', '.join(INPUT_FORMATS)}")
    if isinstance(text, bytes):
        text = decode_queries(text, source)[0]
    text = text.lstrip("\ufeff")
    reader = {"txt": _read_txt, "tsv": _read_tsv, "csv": _read_csv, "jsonl": _read_jsonl}[input_format]
    queries = list(reader(text, source))
    seen: set[str] = set()
    for query in queries:
        if query.id in seen:
            raise BatchInputError(f"{source}: query id {query.id!r} is used twice")
        seen.add(query.id)
    return queries


def _content_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, line


def _read_txt(text: str, source: str) -> Iterator[BatchQuery]:
    for count, (_, line) in enumerate(_content_lines(text), start=1):
        yield BatchQuery(id=str(count), query=line.strip())


def _read_tsv(text: str, source: str) -> Iterator[BatchQuery]:
    count = 0
    for number, line in _content_lines(text):
        query_id, tab, query = line.partition("\t")
        if not tab:
            raise BatchInputError(f"{source}:{number}: expected id<TAB>query")
        if number == 1 and query_id.strip().lower() == "id" and query.strip().lower() == "query":
            continue  # a header row
        count += 1
        # a blank id is numbered by the query's place, as in CSV and JSONL (it had stayed "")
        yield BatchQuery(id=query_id.strip() or str(count), query=query.strip())


def _read_csv(text: str, source: str) -> Iterator[BatchQuery]:
    lines = CsvLines(io.StringIO(text))
    rows = csv.DictReader(lines)
    columns = [name.strip().lower() for name in rows.fieldnames or []]
    if "query" not in columns:
        raise BatchInputError(f"{source}:1: a CSV query file needs a header with 'id' and 'query' columns")
    for name in ("id", "query"):
        if columns.count(name) > 1:
            raise BatchInputError(f"{source}:1: the header has {columns.count(name)} columns named {name!r}")
    rows.fieldnames = columns
    lines.end_row()  # the header
    queries = []
    for number, row in enumerate(rows, start=2):
        first_line, last_line, row_lines = lines.end_row()
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue  # a row of empty cells; one with an id and no query gets its error row, as in TSV
        query_id = (row.get("id") or "").strip() or str(number - 1)  # a blank id: the query's place
        queries.append(BatchQuery(id=query_id, query=(row.get("query") or "").strip()))
    if queries and last_line > first_line and ends_inside_quotes(row_lines):  # the last row only: see CsvLines
        raise BatchInputError(f"{source}:{first_line}: {unclosed_quote(first_line, last_line)}")
    return iter(queries)


def _read_jsonl(text: str, source: str) -> Iterator[BatchQuery]:
    for count, (number, line) in enumerate(_content_lines(text), start=1):
        try:
            item = json.loads(line)
        except ValueError as error:
            raise BatchInputError(f"{source}:{number}: not JSON ({error})") from None
        if not isinstance(item, dict) or not isinstance(item.get("query", ""), str):
            raise BatchInputError(f'{source}:{number}: expected an object like {{"id": "q1", "query": "…"}}')
        limit = item.get("limit")
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise BatchInputError(f"{source}:{number}: limit must be a whole number ≥ 0")
        filters = item.get("filters") or {}
        if not isinstance(filters, dict) or any(name not in FILTER_FIELDS for name in filters):
            raise BatchInputError(f"{source}:{number}: filters may use {', '.join(FILTER_FIELDS)}")
        yield BatchQuery(
            id=str(item["id"]).strip() or str(count) if item.get("id") is not None else str(count),  # not "None"
            query=item.get("query", ""),
            limit=limit,
            filters=tuple((name, str(value)) for name, value in filters.items()),
        )


# ------------------------------------------------------------------ running

_worker_engine = None
_worker_options: dict = {}
_worker_render: str | None = None


def _init_worker(index_dir: str, options: dict, render: str | None, glossary: str | None = None) -> None:
    global _worker_engine, _worker_options, _worker_render
    from .engine import Engine

    _close_worker()
    _worker_engine = Engine.open(index_dir, glossary=glossary)
    _worker_options, _worker_render = options, render


def _close_worker() -> None:
    global _worker_engine
    if _worker_engine is not None:
        _worker_engine.close()
        _worker_engine = None


def _run_one(query: BatchQuery) -> BatchResult:
    result = run_query(_worker_engine, query, **_worker_options)
    if _worker_render and not result.counts_only:
        from .render import batch_text

        # the text is made here, in parallel; the hits need not travel back to the parent
        hitless = _without_hits(result.results) if result.results else None
        return replace(result, results=hitless, rendered=batch_text(result, _worker_render))
    return result


def _without_hits(results: Results) -> Results:
    """The query and its exact totals, without hits or facets (a row that only counts)."""
    return Results(results.query, results.parsed, (), results.total_passages, results.total_meetings, {})


def run_query(engine, query: BatchQuery, limit: int = 10, counts_only: bool = False, width: int = 240,
              expand: bool | None = None) -> BatchResult:
    """Run one batch query; a HuiyiError becomes the row's error, anything else is a bug."""
    wanted = query.limit if query.limit is not None else limit
    try:
        results = engine.search(
            query.full_query(),
            limit=1 if counts_only else wanted,
            facets=["year"] if counts_only else (),
            width=width,
            excerpts=not counts_only,
            expand=expand,
            suggest=False,  # a batch row has no place for them
        )
    except HuiyiError as error:
        return BatchResult(query, None, str(error))
    # undated passages get a column named so (the facet's "" had made an empty CSV header)
    years = tuple(sorted(((year or "undated", count) for year, count in results.facets.get("year", ())),
                         key=lambda item: (item[0] == "undated", item[0]))) if counts_only else ()
    if counts_only:
        results = _without_hits(results)
    return BatchResult(query, results, "", tuple(years), counts_only)


def run_batch(
    index_dir: str | os.PathLike,
    queries: list[BatchQuery],
    workers: int = 1,
    limit: int = 10,
    counts_only: bool = False,
    width: int = 240,
    on_result: Callable[[int, BatchResult], None] | None = None,
    expand: bool | None = None,
    render: str | None = None,
    glossary: str | os.PathLike | None = None,
) -> Iterator[BatchResult]:
    """Yield each query's result in input order, running them in ``workers`` processes.

    With ``render`` (an output format of ``render.write_batch``), each result's output lines
    are made by the worker and carried in ``rendered``, and its hits are left out. ``glossary``:
    the TOML file ``expand`` uses (see ``Engine.open``).

    This process is one of the workers: it forks ``workers - 1`` helpers, and each process
    takes the next query from a shared counter (queries cost 1–300 ms, so fixed shares would
    leave one idle at the end). Only results travel, back to this process, which yields them
    in input order. (A ``multiprocessing.Pool`` adds a third busy process on two cores, with
    its task and result threads and a pickled task per query: 12.8 s of CPU for the benchmark's
    1,000 queries on two workers instead of 12.5 s, and 1.79× the speed of one worker instead
    of 1.83×.)"""
    options = {"limit": limit, "counts_only": counts_only, "width": width, "expand": expand}
    glossary = os.fspath(glossary) if glossary else None
    forking = workers > 1 and len(queries) > 1 and "fork" in multiprocessing.get_all_start_methods()
    helpers = []
    try:  # from the first fork on: whatever happens, no helper outlives the batch
        if forking:
            from indexer.dictionary import segmenter

            segmenter()  # loaded once here, shared by the forked helpers
            context = multiprocessing.get_context("fork")
            counter = context.Value("q", 0)
            for _ in range(min(workers, len(queries)) - 1):
                receiving, sending = context.Pipe(duplex=False)
                helper = context.Process(target=_helper, daemon=True,
                                         args=(str(index_dir), options, render, glossary, queries, counter,
                                               sending, os.getpid()))
                helper.start()
                sending.close()
                helpers.append((helper, receiving))
            next_query = functools.partial(_take, counter, lambda: any(
                helper.exitcode not in (None, 0) for helper, _receiving in helpers))
        else:
            next_query = iter(range(len(queries))).__next__
        _init_worker(str(index_dir), options, render, glossary)
        yield from _in_order(queries, next_query, helpers, on_result)
    finally:
        for helper, receiving in helpers:  # killed before their pipes close: no broken-pipe noise
            if helper.is_alive():
                helper.kill()
            helper.join()
            receiving.close()
        _close_worker()


def _in_order(queries, next_query, helpers, on_result) -> Iterator[BatchResult]:
    """Run queries here, gather the helpers' results, yield all of them in input order."""
    done: dict[int, BatchResult] = {}
    channels = {receiving: helper for helper, receiving in helpers}
    own = True  # this process still takes queries
    for number in range(len(queries)):
        while number not in done:
            if channels:  # whatever the helpers have sent so far, without waiting
                _receive(channels, done, 0)
            if number in done:
                break
            if own:
                index = _next_or_none(next_query, len(queries))
                if index is None:
                    own = False
                else:
                    done[index] = _run_one(queries[index])
                continue
            if not channels:
                raise BatchWorkerError(f"no result for query {queries[number].id}")
            _receive(channels, done, None)  # the rest is with the helpers: wait for it
        outcome = done.pop(number)
        if on_result:
            on_result(number + 1, outcome)
        yield outcome


def _next_or_none(next_query, count: int) -> int | None:
    try:
        index = next_query()
    except StopIteration:
        return None
    return index if index < count else None


def _receive(channels: dict, done: dict, timeout) -> None:
    for receiving in multiprocessing.connection.wait(list(channels), timeout):
        try:
            message = receiving.recv()
        except (EOFError, OSError, pickle.UnpicklingError):  # gone, perhaps in the middle of a message
            helper = channels.pop(receiving)
            helper.join()
            if helper.exitcode:
                raise BatchWorkerError(f"a batch worker died (exit code {helper.exitcode})") from None
            continue
        if message[0] == "failed":
            raise BatchWorkerError(f"a batch worker failed: {message[1]}")
        done[message[0]] = message[1]


def _take(counter, stranded: Callable[[], bool]) -> int:
    """The next query's number. A process killed while it holds the counter's lock never
    releases it, so a process waiting for the lock asks ``stranded`` (has another process died?)
    every half second instead of waiting for ever."""
    lock = counter.get_lock()
    while not lock.acquire(timeout=0.5):
        if stranded():
            raise BatchWorkerError("a batch worker died while taking a query")
    try:
        index = counter.value
        counter.value = index + 1
    finally:
        lock.release()
    return index


def _helper(index_dir: str, options: dict, render, glossary, queries, counter, sending, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it kills helpers

    def orphaned() -> bool:  # a stranded helper is killed by its parent; an orphan goes by itself
        return os.getppid() != parent

    try:
        _init_worker(index_dir, options, render, glossary)
        while (index := _take(counter, orphaned)) < len(queries):
            sending.send((index, _run_one(queries[index])))
    except Exception as error:  # noqa: BLE001 - reported to the parent, which raises it
        with contextlib.suppress(OSError):  # unless the parent is gone
            sending.send(("failed", f"{type(error).__name__}: {error}"))
    finally:
        sending.close()
