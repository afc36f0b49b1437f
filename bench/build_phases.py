"""Where an index worker's time goes: one worker's share of a build, phase by phase.

Run from the repository root:

    python -m bench.build_phases                          # CCTV 2019, one of 2 workers' share
    python -m bench.build_phases --cctv-year 2015 --workers 1   # a whole year in one "worker"
    python -m bench.build_phases --mixed 10000            # (a)'s 10,000 mixed rows, half of them
    python -m bench.build_phases --rounds 3 --json phases.json

``bench.index_throughput`` times whole builds; this says what a build is made of, so that an
idea for making it faster can be weighed before it is written. A parallel build
(:mod:`indexer.segments`) is a parent reading the input and ``N`` workers taking batches of
documents from a shared queue, each adding its batches to a segment and writing it. In one
process, with the cyclic collector paused as it is in a worker, this times a worker's even
share, every ``N``-th batch:

* **read**: the parent's part for all the documents: rows → meetings → passages → documents
  (``indexer.build._documents``, as ``huiyi index --from jsonl … --map text=text,date=date,id=id
  --kind remark`` reads them);
* **analysis**: ``index_views`` on each document's texts, as the segment builder calls it
  (analysis caches cleared first), and within it **jieba**: jieba's ``tokenize`` alone on the
  Han runs the analysis hands it (not those its cache of recent runs holds);
* **add**: ``SegmentBuilder.add`` with the views made beforehand: gathering postings, stored
  fields, columns, identifiers and dates;
* **write**: ``SegmentBuilder.finish``: posting blocks, term table, columns, compound file;

and, for scale, the **jieba floor** of ``bench.index_throughput`` (``jieba.Tokenizer().lcut``
of each passage, one core) on the same share. It also counts postings, terms and terms found in
one document only: writing costs per term as much as per posting.

One segment is written per round (a real worker starts another when its postings outgrow its
share of ``--memory``: more, smaller segments, each paying per term again). Each phase is run
``--rounds`` times; the figures are medians. The input is read at run time from
``../shared/corpora`` (``$HUIYI_CORPORA``), never copied into the repository.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import convert
from bench.index_throughput import KIND, MAP, TARGET_FLOOR, write_mixed

CCTV_DEFAULT_YEAR = 2019


def read_documents(files: list[Path]) -> tuple[list[dict], float]:
    """Every document of ``files`` as the build makes them, and the seconds it took."""
    from indexer import build

    mapping = dict(pair.split("=") for pair in MAP.split(","))
    units, _notes = build._units([], [build.ImportSpec(str(path), "jsonl", mapping, KIND) for path in files])
    started = time.perf_counter()
    documents = list(build._documents(units, None, started, {}, build._new_counts()))
    return documents, time.perf_counter() - started


def worker_share(documents: list[dict], workers: int) -> list[dict]:
    """The documents of every ``workers``-th batch, as one of ``workers`` workers takes them."""
    from indexer.segments import BATCH_DOCUMENTS

    batches = [documents[start:start + BATCH_DOCUMENTS] for start in range(0, len(documents), BATCH_DOCUMENTS)]
    return [document for batch in batches[::workers] for document in batch]


def analysed_texts(documents: list[dict]) -> list[str]:
    """The texts the segment builder analyses, in its order: each document's distinct values
    of the word- and exact-view fields (a text in two fields of a document is analysed once)."""
    from indexer.segments import EXACT_VIEW_FIELDS, WORD_VIEW_FIELDS

    fields = sorted(WORD_VIEW_FIELDS | EXACT_VIEW_FIELDS)
    texts = []
    for document in documents:
        seen = set()
        for name in fields:
            value = document.get(name)
            if isinstance(value, str) and value and value not in seen:
                seen.add(value)
                texts.append(value)
    return texts


def time_jieba(texts: list[str]) -> float:
    """jieba's ``tokenize`` alone on the Han runs the analysis passes to it: those of the folded
    texts, less the runs its cache of recent segmentations already holds (found by replaying the
    runs through a cache of the same kind and size that only notes what it would segment)."""
    from indexer.analysis import _RUNS, _segment_cache, _SegmentCache, fold
    from indexer.dictionary import segmenter

    runs: list[str] = []
    replay = _SegmentCache(_segment_cache.size)
    replay._segment = lambda run: runs.append(run) or ()
    for text in texts:
        for run, _word in _RUNS.findall(fold(text)):
            if run:
                replay.terms(run)
    tokenize = segmenter().tokenize
    started = time.perf_counter()
    for run in runs:
        for _token in tokenize(run, HMM=True):
            pass
    return time.perf_counter() - started


def time_analysis(texts: list[str]) -> tuple[float, dict]:
    """``index_views`` on every text, caches cleared first; the seconds and text → views."""
    from indexer import analysis

    analysis._segment_cache.clear()
    for cached in (analysis._english_terms, analysis.fold_accents, analysis._normalize_word, analysis._stem):
        cached.cache_clear()
    views = {}
    started = time.perf_counter()
    for text in texts:
        views[text] = analysis.index_views(text)
    return time.perf_counter() - started, views


def time_add_and_write(documents: list[dict], views: dict, folder: Path) -> dict:
    """Add the documents to one segment with their views made, then write it."""
    from whoosh import index as whoosh_index

    from indexer.schema import make_schema
    from indexer.segments import SegmentBuilder

    ix = whoosh_index.create_in(str(folder), make_schema())
    builder = SegmentBuilder(ix.storage, ix.indexname, ix.schema, analyse=views.__getitem__)
    started = time.perf_counter()
    for document in documents:
        builder.add(document)
    added = time.perf_counter()
    terms = sum(map(len, builder.postings.values()))
    single = sum(1 for postings in builder.postings.values() for entry in postings.values() if len(entry) == 2)
    postings = builder.postings_count
    builder.finish()
    written = time.perf_counter()
    return {"add": added - started, "write": written - added, "postings": postings, "terms": terms,
            "single_document_terms": single, "segment_bytes": sum(path.stat().st_size for path in folder.iterdir())}


def time_floor(documents: list[dict]) -> float:
    """``bench.index_throughput``'s floor (``jieba.Tokenizer().lcut`` of each passage's text, one
    process) on these documents' passages."""
    from bench.index_throughput import worker_floor

    return worker_floor([(document["passage_id"], document["text"]) for document in documents], None)["seconds"]


def measure(files: list[Path], workers: int, rounds: int, work: Path) -> dict:
    from indexer.dictionary import segmenter

    segmenter(whole=True)  # as a large build loads it before forking its workers
    runs: dict[str, list[float]] = {name: [] for name in ("read", "jieba", "analysis", "add", "write", "floor")}
    counts: dict = {}
    collecting = gc.isenabled()
    gc.disable()
    try:
        for number in range(rounds):
            documents, read_seconds = read_documents(files)
            share = worker_share(documents, workers)
            if not share:
                raise SystemExit(f"no documents to time: {len(documents)} read, none in one of {workers} workers' share")
            texts = analysed_texts(share)
            runs["read"].append(read_seconds)
            runs["jieba"].append(time_jieba(texts))
            analysis_seconds, views = time_analysis(texts)
            runs["analysis"].append(analysis_seconds)
            folder = work / f"round-{number}"
            folder.mkdir()
            result = time_add_and_write(share, views, folder)
            runs["add"].append(result.pop("add"))
            runs["write"].append(result.pop("write"))
            runs["floor"].append(time_floor(share))
            counts = {"documents": len(documents), "share": len(share), "texts": len(texts),
                      "share_mb": sum(len(document["text"].encode("utf-8")) for document in share) / 1e6, **result}
            del documents, share, texts, views
            gc.collect()
            print(f"   round {number + 1}: " + ", ".join(f"{name} {values[-1]:.2f} s" for name, values in runs.items()),
                  file=sys.stderr)
    finally:
        if collecting:
            gc.enable()
    return {"files": [str(path) for path in files], "workers": workers, "rounds": rounds, "runs": runs,
            "seconds": {name: statistics.median(values) for name, values in runs.items()}, **counts}


def report(data: dict) -> str:
    seconds, share = data["seconds"], data["share"]
    worker = seconds["analysis"] + seconds["add"] + seconds["write"]
    rows = [
        ("read (parent, all documents)", seconds["read"], None, data["documents"]),
        ("analysis", seconds["analysis"], seconds["analysis"] / worker, share),
        ("  of which jieba", seconds["jieba"], seconds["jieba"] / worker, share),
        ("add (views made)", seconds["add"], seconds["add"] / worker, share),
        ("write (finish)", seconds["write"], seconds["write"] / worker, share),
        ("worker: analysis + add + write", worker, 1.0, share),
        ("  of which not jieba", worker - seconds["jieba"], (worker - seconds["jieba"]) / worker, share),
        ("jieba floor (lcut, 1 core)", seconds["floor"], None, share),
    ]
    lines = [
        (f"{data['documents']:,} documents; one worker of {data['workers']}: {share:,} documents "
         f"({data['share_mb']:.2f} MB of passage text, {data['texts']:,} texts analysed); "
         f"medians of {data['rounds']} round(s)"),
        f"{'phase':34} {'seconds':>8} {'of worker':>10} {'µs/doc':>8}",
        "-" * 64,
    ]
    for name, value, part, documents in rows:
        lines.append(f"{name:34} {value:8.2f} {'' if part is None else f'{part:.0%}':>10} "
                     f"{value / max(documents, 1) * 1e6:8.0f}")
    lines += [
        "-" * 64,
        (f"postings {data['postings']:,}; terms {data['terms']:,}, of which in one document only "
         f"{data['single_document_terms']:,}; segment {data['segment_bytes'] / 1e6:.1f} MB"),
        (f"worker / floor: {worker / seconds['floor']:.2f}× the floor's time "
         f"(not jieba: {(worker - seconds['jieba']) / seconds['floor']:.2f}×); huiyi ≥ {TARGET_FLOOR}× the floor "
         f"with {data['workers']} worker(s) on as many cores needs at most {data['workers'] / TARGET_FLOOR:.2f}× "
         "(less the parent's reading)"),
    ]
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--cctv-year", type=int, metavar="YEAR",
                        help=f"a year of the CCTV corpus (default {CCTV_DEFAULT_YEAR})")
    source.add_argument("--mixed", type=int, metavar="N", help="bench.index_throughput's (a): N mixed rows")
    parser.add_argument("--workers", type=int, default=2, help="time one of this many workers' share (default 2)")
    parser.add_argument("--rounds", type=int, default=1, help="run every phase this many times (medians)")
    parser.add_argument("--json", metavar="FILE", help="write the figures to FILE")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.workers < 1 or args.rounds < 1:
        raise SystemExit("--workers and --rounds must be at least 1")
    with tempfile.TemporaryDirectory(prefix="huiyi-build-phases-") as temporary:
        work = Path(temporary)
        if args.mixed is not None:
            if args.mixed < 1:
                raise SystemExit("--mixed must be at least 1")
            files, what = write_mixed(work / "input", args.mixed), f"(a) mixed, {args.mixed:,} rows"
        else:
            year = args.cctv_year or CCTV_DEFAULT_YEAR
            path = convert.CORPORA / convert.XWLB_DIR / f"xwlb_{year}.jsonl.gz"
            if not path.exists():
                raise SystemExit(f"no CCTV file for {year}: {path}")
            files, what = [path], f"CCTV news {year}"
        print(f"{what}: reading and timing …", file=sys.stderr)
        data = measure(files, args.workers, args.rounds, work)
    data["input"] = what
    print(what)
    print(report(data))
    if args.json:
        Path(args.json).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
