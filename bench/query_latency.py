"""Query latency of huiyi against plain Whoosh + jieba, same passages, same queries, same run.

    /tmp/v/bin/python -m bench.query_latency [--passages 100000] [--keep DIR] [--rebuild]
                                             [--queries bench/queries_mixed.txt] [--repeat 3]
                                             [--json FILE]

Target (from the issue): huiyi's p95 latency *with* excerpts is no slower than plain Whoosh's
p95 *without* excerpts, over 200+ mixed queries and an index of at least 100,000 passages.

Why a side-by-side baseline: latency figures alone depend on the machine and its load (the
benchmark machine is shared). Running plain Whoosh with jieba's own ``ChineseAnalyzer`` over
the same passages in the same process, interleaved query by query, gives a yardstick that sees
the same disk cache, CPU and background load, so the comparison holds even when the absolute
numbers drift.

Records. ``bench/convert.py`` turns the shared corpora into meeting records: half of the
passages come from UN General Debate speeches, half from CCTV 新闻联播 evenings, both taken in
an order that spreads any prefix evenly over the years (so a small run still covers 1946–2022
and 2012–2026 and the date filters find something). Records are written and parsed one at a
time until the target passage count is reached, so the index has at least ``--passages``
passages (the last record may overshoot by its own length).

Indexes. huiyi: ``build_index(..., procs=2)``. Baseline: one Whoosh writer (``procs=2``,
multisegment, the same 256 MB sort memory) with the schema below, fed the passage texts that
huiyi's parser gives (``read_records`` → ``passages_of``), so both index exactly the same text:

    id=ID(stored=True), content=TEXT(ChineseAnalyzer(), stored=True), year=NUMERIC(stored=True),
    month=NUMERIC (yyyymm of the meeting's start), kind=ID, speaker=TEXT(ChineseAnalyzer())

Queries. ``--queries`` is a huiyi batch ``.txt`` file; a comment ``# [category]`` starts a
category (chinese term, chinese phrase, english term, english phrase, boolean, filter/date, …).
For the baseline each query is translated to Whoosh's default query syntax (see
:func:`to_whoosh`) and parsed with ``QueryParser("content", schema)`` plus ``FuzzyTermPlugin``:
``date:`` becomes ``year:``/``month:`` (month or day precision → the start month; huiyi matches
by date overlap, the baseline by start year/month), ``kind:`` and ``speaker:`` map to the
baseline's fields, ``type:``/``place:``/``attendee:`` are dropped and ``quote:`` searches the
whole text; ``-x`` becomes ``NOT x``, curly and corner quotes become ``"``. Lossy translations
are listed in the output.

Timing. Each system keeps one open searcher. A timed call is, for huiyi,
``engine.search(query, limit=10, excerpts=True|False)`` (parsing, compiling, searching, exact
totals, stored fields of the top 10, excerpts); for the baseline, ``QueryParser.parse`` +
``searcher.search(q, limit=10)`` + ``hit.fields()`` of the top 10. One warm-up pass, then
``--repeat`` passes; in each pass every query runs on every system in turn (the order of
systems rotates per pass), and a query's latency is the median of its passes. Percentiles are
over queries. The baseline's total hit count (for "mean hits") is counted outside the timing,
because plain Whoosh does not count hits unless asked.

``--keep DIR`` keeps the records and both indexes in DIR so a rerun (or
``bench/batch_throughput.py --keep DIR``) does not rebuild them:

    DIR/records/   the converted records         DIR/huiyi/    the huiyi index
    DIR/bench.json what was built, and how long   DIR/whoosh/   the baseline index

They are reused when DIR/bench.json says they were made for the same ``--passages``;
``--rebuild`` forces a rebuild.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench import convert

DEFAULT_QUERIES = Path(__file__).resolve().with_name("queries_mixed.txt")
UN_SHARE = 0.5  # of the target passage count; the rest comes from CCTV news
LIMIT = 10
SYSTEMS = ("huiyi", "huiyi_noexcerpt", "whoosh")
LABELS = {
    "huiyi": "huiyi, with excerpts",
    "huiyi_noexcerpt": "huiyi, no excerpts",
    "whoosh": "plain Whoosh+jieba, no excerpts",
}
CATEGORY_ORDER = ("chinese term", "chinese phrase", "english term", "english phrase", "boolean", "filter/date")
STAMP = "bench.json"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Queries


@dataclass(frozen=True)
class Query:
    text: str
    category: str


_CATEGORY = re.compile(r"^#\s*\[(?P<name>[^\]]+)\]\s*$")


def read_queries(path: str | Path) -> list[Query]:
    """Queries of a huiyi batch ``.txt`` file, each with the category of the last ``# [name]``.

    The file stays a valid input for ``huiyi batch`` (comments are ignored there), so both
    benchmarks and the CLI read the very same queries.
    """
    queries, category = [], "uncategorised"
    for line in Path(path).read_text(encoding="utf-8-sig").splitlines():
        stripped = line.strip()
        match = _CATEGORY.match(stripped)
        if match:
            category = match.group("name").strip()
        elif stripped and not stripped.startswith("#"):
            queries.append(Query(stripped, category))
    return queries


# ---------------------------------------------------------------------------------------------
# Records


def spread_order(count: int) -> list[int]:
    """0 … count-1 in bit-reversed order: every prefix is spread evenly over the range.

    The sources are ordered by date, so taking records in this order until the passage target
    is met gives every period of the corpus a share, whatever the target.
    """
    if count <= 1:
        return list(range(count))
    bits = (count - 1).bit_length()
    return sorted(range(count), key=lambda i: int(format(i, f"0{bits}b")[::-1], 2))


def passages_in(path: Path, root: Path) -> int:
    """Passages huiyi will make of one record file (parsed exactly as the indexer parses it)."""
    from corpus.sources import RecordFile, read_record
    from indexer.passages import passages_of

    result = read_record(RecordFile(path, root))
    return len(passages_of(result.meeting)) if result.meeting is not None else 0


def convert_records(folder: Path, target: int) -> dict:
    """Write UN and CCTV records into ``folder`` until they hold at least ``target`` passages."""
    folder.mkdir(parents=True, exist_ok=True)
    un_target = math.ceil(target * UN_SHARE)
    figures = {"target": target, "un_files": 0, "un_passages": 0, "cctv_files": 0, "cctv_passages": 0}

    def write(stem: str, record: convert.Record) -> int:
        path = folder / f"{stem}.txt"
        path.write_text(record.render(), encoding="utf-8")
        return passages_in(path, folder)

    speakers = convert.un_speakers()
    files = convert.un_files()
    for index in spread_order(len(files)):
        if figures["un_passages"] >= un_target:
            break
        item = files[index]
        speaker = speakers.get((item.year, item.iso), item.iso)
        stem = f"un_{item.iso}_{item.session:02d}_{item.year}"
        figures["un_passages"] += write(stem, convert.un_record(item, speaker))
        figures["un_files"] += 1
    log(f"  UN: {figures['un_files']} speeches, {figures['un_passages']} passages")

    years = sorted(int(p.name[5:9]) for p in (convert.CORPORA / convert.XWLB_DIR).glob("xwlb_*.jsonl.gz"))
    for number, year in enumerate(years):
        # Each year gets an equal share of what is still missing, so a short year is made up later.
        missing = target - figures["un_passages"] - figures["cctv_passages"]
        quota = math.ceil(missing / (len(years) - number)) if missing > 0 else 0
        if quota == 0:
            break
        evenings = list(convert.xwlb_evenings(years=[year]))
        done = 0
        for index in spread_order(len(evenings)):
            if done >= quota:
                break
            date, stories = evenings[index]
            done += write(f"xwlb_{date.replace('-', '')}", convert.xwlb_record(date, stories))
            figures["cctv_files"] += 1
        figures["cctv_passages"] += done
    log(f"  CCTV: {figures['cctv_files']} evenings, {figures['cctv_passages']} passages")
    figures["passages"] = figures["un_passages"] + figures["cctv_passages"]
    if figures["passages"] < target:
        log(f"  warning: the corpora give only {figures['passages']} passages, fewer than {target}")
    return figures


# ---------------------------------------------------------------------------------------------
# Indexes


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def build_huiyi(records: Path, index_dir: Path) -> dict:
    from indexer.build import build_index

    shutil.rmtree(index_dir, ignore_errors=True)
    summary = build_index([records], index_dir, procs=2)
    return {"passages": summary.passages, "meetings": summary.meetings, "seconds": round(summary.seconds, 2),
            "mb": round(folder_mb(index_dir), 1)}


def _quiet_jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def baseline_schema():
    """The schema a Whoosh user would write for jieba: one analysed text field, plus filters."""
    from jieba.analyse import ChineseAnalyzer
    from whoosh.fields import ID, NUMERIC, TEXT, Schema

    _quiet_jieba()
    analyzer = ChineseAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        content=TEXT(analyzer=analyzer, stored=True),
        year=NUMERIC(stored=True),
        month=NUMERIC(),  # yyyymm of the meeting's start, when the month is known
        kind=ID(),
        speaker=TEXT(analyzer=analyzer),
    )


def baseline_documents(records: Path) -> Iterator[dict]:
    """One document per huiyi passage: huiyi's parser decides what the passages are."""
    from corpus.sources import read_records
    from indexer.passages import passages_of

    for result in read_records([records]):
        meeting = result.meeting
        if meeting is None:
            continue
        dates = {}
        if meeting.dates:
            start = meeting.dates.start
            dates["year"] = start.year
            if start.month:
                dates["month"] = start.year * 100 + start.month
        for passage in passages_of(meeting):
            yield dict(id=passage.passage_id, content=passage.text, kind=passage.kind,
                       speaker=passage.speaker, **dates)


def build_whoosh(records: Path, index_dir: Path) -> dict:
    from whoosh import index as whoosh_index

    shutil.rmtree(index_dir, ignore_errors=True)
    index_dir.mkdir(parents=True)
    started = time.perf_counter()
    ix = whoosh_index.create_in(str(index_dir), baseline_schema())
    writer = ix.writer(procs=2, multisegment=True, limitmb=256)
    count = 0
    for document in baseline_documents(records):
        writer.add_document(**document)
        count += 1
    writer.commit()
    ix.close()
    return {"passages": count, "seconds": round(time.perf_counter() - started, 2), "mb": round(folder_mb(index_dir), 1)}


def prepare(folder: Path, target: int, rebuild: bool) -> dict:
    """Records and both indexes in ``folder``, reused when its stamp says they fit ``target``."""
    stamp_path = folder / STAMP
    stamp = json.loads(stamp_path.read_text()) if stamp_path.exists() else {}
    records, huiyi_dir, whoosh_dir = folder / "records", folder / "huiyi", folder / "whoosh"
    if rebuild or stamp.get("records", {}).get("target") != target or not records.is_dir():
        log(f"converting records for {target} passages into {records} …")
        shutil.rmtree(records, ignore_errors=True)
        stamp = {"records": convert_records(records, target)}
        stamp_path.write_text(json.dumps(stamp, indent=1))
    else:
        log(f"reusing {stamp['records']['passages']} passages of records in {records}")
    if rebuild or "huiyi" not in stamp or not _huiyi_opens(huiyi_dir):
        log("building the huiyi index (procs=2) …")
        stamp["huiyi"] = build_huiyi(records, huiyi_dir)
        stamp_path.write_text(json.dumps(stamp, indent=1))
    if rebuild or "whoosh" not in stamp or not _whoosh_opens(whoosh_dir):
        log("building the plain Whoosh + jieba index (procs=2) …")
        stamp["whoosh"] = build_whoosh(records, whoosh_dir)
        stamp_path.write_text(json.dumps(stamp, indent=1))
    return stamp


def _huiyi_opens(index_dir: Path) -> bool:
    from corpus.errors import HuiyiError
    from search import Engine

    try:
        Engine.open(index_dir).close()
        return True
    except HuiyiError:
        return False


def _whoosh_opens(index_dir: Path) -> bool:
    from whoosh import index as whoosh_index

    return index_dir.is_dir() and whoosh_index.exists_in(str(index_dir))


# ---------------------------------------------------------------------------------------------
# huiyi queries in Whoosh's syntax

_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "『": '"', "』": '"'})
_FIELD = re.compile(r'(?P<name>[A-Za-z_]+):(?P<value>"[^"]*"|[^\s()]+)')
_MINUS = re.compile(r"(?:(?<=\s)|^|(?<=\())-(?=[^\s-])")
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")


def _date_clause(value: str, notes: list[str]) -> str:
    """``date:`` → ``year:`` (year precision) or ``month:`` (yyyymm), as a term or a range."""
    low, dots, high = value.partition("..")
    ends = [_DATE.match(part) if part else None for part in (low, high)]
    if any(part and match is None for part, match in zip((low, high), ends, strict=True)):
        notes.append(f"date:{value} not understood, dropped")
        return ""
    if any(match and match.group(3) for match in ends):
        notes.append(f"date:{value}: day precision reduced to the month")
    monthly = any(match and match.group(2) for match in ends)
    if monthly:
        notes.append(f"date:{value}: start month only (huiyi also finds meetings dated by year alone)")
    if not dots:
        year, month = ends[0].group(1), ends[0].group(2)
        return f"month:{year}{int(month):02d}" if monthly else f"year:{year}"

    def bound(match, first: bool) -> str:
        if match is None:
            return ""
        if not monthly:
            return match.group(1)
        month = int(match.group(2)) if match.group(2) else (1 if first else 12)
        return f"{match.group(1)}{month:02d}"

    name = "month" if monthly else "year"
    return f"{name}:[{bound(ends[0], True)} TO {bound(ends[1], False)}]"


def to_whoosh(query: str) -> tuple[str, list[str]]:
    """A huiyi query in Whoosh's default syntax, and notes on what could not be kept.

    The baseline has no exact view, no date-overlap terms and no meeting metadata beyond
    kind and speaker, so some huiyi clauses become coarser or disappear; the notes say which.
    """
    notes: list[str] = []

    def clause(match: re.Match) -> str:
        name, value = match.group("name").lower(), match.group("value")
        if name == "date":
            return _date_clause(value.strip('"'), notes)
        if name in ("kind", "speaker"):
            return f"{name}:{value}"
        if name == "quote":
            notes.append("quote: searched in the whole text")
            return value
        notes.append(f"{name}: filter dropped")
        return ""

    text = _FIELD.sub(clause, query.translate(_QUOTES))
    text = _MINUS.sub("NOT ", text)
    text = re.sub(r"\(\s*\)", " ", text)
    return re.sub(r"\s+", " ", text).strip(), notes


# ---------------------------------------------------------------------------------------------
# Timing


@dataclass
class Outcome:
    """One query on one system: per-pass latencies (ms), hits shown, exact total, error."""

    seconds: list[float] = field(default_factory=list)
    hits: int = 0
    total: int = 0
    error: str = ""

    @property
    def ms(self) -> float:
        return statistics.median(self.seconds) * 1000 if self.seconds else math.nan


class HuiyiRunner:
    """huiyi through its Python API; both variants share one open Engine (one searcher)."""

    def __init__(self, engine, excerpts: bool) -> None:
        from corpus.errors import HuiyiError

        self.engine = engine
        self.excerpts = excerpts
        self.failure = HuiyiError

    def __call__(self, query: str, outcome: Outcome) -> float:
        started = time.perf_counter()
        try:
            results = self.engine.search(query, limit=LIMIT, excerpts=self.excerpts)
        except self.failure as error:
            elapsed = time.perf_counter() - started
            outcome.error = str(error)
            return elapsed
        elapsed = time.perf_counter() - started
        outcome.hits, outcome.total = len(results.hits), results.total_passages
        return elapsed

    def close(self) -> None:
        pass  # the engine is closed by its opener


class WhooshRunner:
    """The baseline: QueryParser + searcher.search + stored fields of the hits shown."""

    def __init__(self, index_dir: Path) -> None:
        from whoosh import index as whoosh_index
        from whoosh.qparser import FuzzyTermPlugin, QueryParser

        _quiet_jieba()
        self.ix = whoosh_index.open_dir(str(index_dir))
        self.searcher = self.ix.searcher()
        self.parser = QueryParser("content", self.ix.schema)
        self.parser.add_plugin(FuzzyTermPlugin())
        self.counted: dict[str, int] = {}

    def __call__(self, query: str, outcome: Outcome) -> float:
        started = time.perf_counter()
        try:
            parsed = self.parser.parse(query)
            results = self.searcher.search(parsed, limit=LIMIT)
            stored = [hit.fields() for hit in results]
        except Exception as error:  # noqa: BLE001 - a baseline failure is a figure, not a crash
            outcome.error = f"{type(error).__name__}: {error}"
            return time.perf_counter() - started
        elapsed = time.perf_counter() - started
        outcome.hits = len(stored)
        if query not in self.counted:  # exact totals, outside the timing
            self.counted[query] = len(self.searcher.search(parsed, limit=1))
        outcome.total = self.counted[query]
        return elapsed

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()


def measure(queries: list[Query], runners: dict, translated: dict[str, str], repeat: int) -> dict[str, list[Outcome]]:
    """Warm up once, then ``repeat`` timed passes, every query on every system in each pass."""
    outcomes = {name: [Outcome() for _ in queries] for name in runners}
    names = list(runners)
    for number in range(repeat + 1):
        order = names[number % len(names):] + names[: number % len(names)]
        label = "warm-up" if number == 0 else f"pass {number}/{repeat}"
        started = time.perf_counter()
        for position, query in enumerate(queries):
            for name in order:
                text = translated[query.text] if name == "whoosh" else query.text
                elapsed = runners[name](text, outcomes[name][position])
                if number:
                    outcomes[name][position].seconds.append(elapsed)
        log(f"  {label}: {time.perf_counter() - started:.1f} s")
    return outcomes


# ---------------------------------------------------------------------------------------------
# Report


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), p in 0…100."""
    ordered = sorted(v for v in values if not math.isnan(v))
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarise(outcomes: list[Outcome]) -> dict:
    ms = [o.ms for o in outcomes]
    return {
        "queries": len(outcomes),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "max_ms": round(max(ms), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "mean_total_hits": round(statistics.fmean(o.total for o in outcomes), 1),
        "zero_hit_queries": sum(1 for o in outcomes if not o.total and not o.error),
        "errors": sum(1 for o in outcomes if o.error),
    }


def report(queries, outcomes, translated, notes, stamp, repeat, load) -> dict:
    overall = {name: summarise(outcomes[name]) for name in outcomes}
    categories = [c for c in CATEGORY_ORDER if any(q.category == c for q in queries)]
    categories += sorted({q.category for q in queries} - set(categories))
    per_category = {
        category: {name: summarise([o for q, o in zip(queries, outcomes[name], strict=True) if q.category == category])
                   for name in outcomes}
        for category in categories
    }
    records, huiyi, whoosh = stamp["records"], stamp["huiyi"], stamp["whoosh"]
    print(f"\nIndex: {huiyi['passages']} passages in {huiyi['meetings']} meetings "
          f"(UN {records['un_files']} speeches / {records['un_passages']} passages, "
          f"CCTV {records['cctv_files']} evenings / {records['cctv_passages']} passages)")
    print(f"  huiyi build {huiyi['seconds']:.1f} s, {huiyi['mb']:.0f} MB; "
          f"plain Whoosh+jieba build {whoosh['seconds']:.1f} s, {whoosh['mb']:.0f} MB "
          f"({whoosh['passages']} passages)")
    print(f"Queries: {len(queries)}, limit {LIMIT}; median of {repeat} timed passes per query, after a warm-up; "
          f"load average {load[0]:.1f} before, {load[1]:.1f} after timing on {os.cpu_count()} CPUs\n")

    print(f"{'system':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'mean hits':>10} {'0-hit':>6} {'errors':>6}")
    for name, figures in overall.items():
        print(f"{LABELS[name]:34} {figures['p50_ms']:8.1f} {figures['p95_ms']:8.1f} {figures['max_ms']:8.1f} "
              f"{figures['mean_total_hits']:10.1f} {figures['zero_hit_queries']:6d} {figures['errors']:6d}")
    print("(mean hits: matching passages per query, counted exactly for every system)")

    # Hits beside latency: a system that finds nothing has nothing to score, fetch or excerpt.
    print(f"\nby category           n   p95 ms: {'huiyi':>7} {'no exc.':>7} {'Whoosh':>7}"
          f"   mean hits: {'huiyi':>7} {'Whoosh':>7}   0-hit: {'huiyi':>5} {'Whoosh':>6}")
    for category, by_system in per_category.items():
        h, n, w = by_system["huiyi"], by_system["huiyi_noexcerpt"], by_system["whoosh"]
        print(f"{category:18} {h['queries']:4d}           {h['p95_ms']:7.1f} {n['p95_ms']:7.1f} {w['p95_ms']:7.1f}"
              f"              {h['mean_total_hits']:7.1f} {w['mean_total_hits']:7.1f}"
              f"          {h['zero_hit_queries']:5d} {w['zero_hit_queries']:6d}")
    print("(jieba's ChineseTokenizer gives character offsets as token positions, so plain Whoosh phrase\n"
          " queries only match where the words happen to be one character apart: few phrase hits)")

    slowest = sorted(range(len(queries)), key=lambda i: outcomes["huiyi"][i].ms, reverse=True)[:10]
    print("\n10 slowest huiyi queries (ms: huiyi / huiyi no excerpts / Whoosh; total hits: huiyi / Whoosh)")
    for i in slowest:
        h, n, w = outcomes["huiyi"][i], outcomes["huiyi_noexcerpt"][i], outcomes["whoosh"][i]
        print(f"  {h.ms:7.1f} {n.ms:7.1f} {w.ms:7.1f}   {h.total:7d} {w.total:7d}   "
              f"[{queries[i].category}] {queries[i].text}")

    errors = [(q, name, outcomes[name][i].error) for i, q in enumerate(queries) for name in outcomes
              if outcomes[name][i].error]
    if errors:
        print("\nErrors:")
        for query, name, error in errors:
            print(f"  {name}: {query.text!r}: {error}")
    lossy = [(q.text, notes[q.text]) for q in queries if notes[q.text]]
    if lossy:
        print(f"\nBaseline translation was lossy for {len(lossy)} queries (huiyi matches dates by overlap, "
              f"and has fields the baseline lacks):")
        for text, why in lossy:
            print(f"  {text}  →  {translated[text]}   ({'; '.join(why)})")

    target = overall["whoosh"]["p95_ms"]
    passed = overall["huiyi"]["p95_ms"] <= target
    print(f"\nTarget: huiyi p95 with excerpts ({overall['huiyi']['p95_ms']:.1f} ms) ≤ plain Whoosh p95 "
          f"without excerpts ({target:.1f} ms): {'PASS' if passed else 'FAIL'}")
    if huiyi["passages"] < stamp["records"]["target"]:
        print(f"Note: the index has {huiyi['passages']} passages, "
              f"fewer than the {stamp['records']['target']} asked for")
    return {
        "passed": passed,
        "index": stamp,
        "repeat": repeat,
        "load_average": load,
        "overall": overall,
        "per_category": per_category,
        "queries": [
            {"query": q.text, "category": q.category, "whoosh_query": translated[q.text],
             "translation_notes": notes[q.text],
             **{name: {"ms": round(outcomes[name][i].ms, 3), "hits": outcomes[name][i].hits,
                       "total": outcomes[name][i].total, "error": outcomes[name][i].error} for name in outcomes}}
            for i, q in enumerate(queries)
        ],
    }


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=100_000, help="passages to index, at least (default 100000)")
    parser.add_argument("--keep", type=Path, help="keep records and indexes here, and reuse them on the next run")
    parser.add_argument("--rebuild", action="store_true", help="with --keep: convert and index again")
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES, help="huiyi batch .txt query file")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per query (median is used)")
    parser.add_argument("--json", type=Path, help="write all figures here")
    args = parser.parse_args(argv)
    if args.passages < 1 or args.repeat < 1:
        parser.error("--passages and --repeat must be positive")

    queries = read_queries(args.queries)
    if not queries:
        parser.error(f"no queries in {args.queries}")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="huiyi-latency-"))
    try:
        stamp = prepare(folder, args.passages, args.rebuild)
        translated, notes = {}, {}
        for query in queries:
            translated[query.text], notes[query.text] = to_whoosh(query.text)
        from search import Engine

        with Engine.open(folder / "huiyi") as engine:
            runners = {"huiyi": HuiyiRunner(engine, excerpts=True),
                       "huiyi_noexcerpt": HuiyiRunner(engine, excerpts=False),
                       "whoosh": WhooshRunner(folder / "whoosh")}
            log(f"timing {len(queries)} queries × {len(runners)} systems …")
            load_before = os.getloadavg()[0]  # other work on a shared machine shows up here
            try:
                outcomes = measure(queries, runners, translated, args.repeat)
            finally:
                for runner in runners.values():
                    runner.close()
            load = (load_before, os.getloadavg()[0])
        figures = report(queries, outcomes, translated, notes, stamp, args.repeat, load)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if figures["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
