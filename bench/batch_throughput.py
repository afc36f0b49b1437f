"""Batch throughput of the ``huiyi batch`` CLI with 1 and 2 worker processes, and its peak memory.

    /tmp/v/bin/python -m bench.batch_throughput (--keep DIR | --index DIR) [--count 1000]
                                                [--workers 1,2] [--queries FILE] [--repeat 1]
                                                [--passages 100000] [--json FILE]

Target (from the issue): 1,000 queries against the 100,000-passage index of the query latency
benchmark; ``--workers 2`` at least 1.8× as many queries/s as ``--workers 1``, peak memory
under 1 GB.

The index. ``--keep DIR`` uses DIR/huiyi, the layout written by
``bench.query_latency --keep DIR`` (run that first, or this builds records and both indexes
there with ``--passages``, exactly as the latency benchmark would, so the two benchmarks always
measure the same index). ``--index DIR`` uses any existing huiyi index as it is.

The queries. The mixed set (``bench/queries_mixed.txt``) is used whole, then again with a date
or kind filter added to each query, round after round, until there are ``--count`` distinct
queries. Filters are chosen for the query's corpus (CCTV years for Chinese queries, UN years
for English ones) so that the variants still find something and are not just empty
intersections; a query that already has a date gets a kind filter instead. They are written to
a temporary ``.txt`` file.

The measurement. The real CLI runs as a subprocess,
``huiyi batch FILE --index DIR --workers N --format jsonl -o OUT -q``, because that is what a
user runs and what the target is about: process start-up, worker start-up, query work and
writing the output all count. Wall time is measured around the whole process; queries/s =
count / wall time. The fixed start-up cost is measured separately with a 2-query batch and
shown as "net" throughput, so a missed target can be put down to fixed costs or to the query
work itself. The index files are read once before timing, so neither run pays for a cold disk
cache. The CPU time of the whole tree and the load average before each run are shown too: on a
shared 2-core machine a speed-up well below 2 with "cores" near 1 means the second core was
busy with other work, not that the workers did not run in parallel.

Peak memory, in one more run per worker count (timed runs are not watched: the polling below
takes CPU from the workers). psutil is not a dependency, so the process tree (the CLI and
every descendant: the pool's workers) is found through ``/proc/PID/task/*/children`` every 50 ms, and for each
process ``Pss`` (``/proc/PID/smaps_rollup``), ``VmRSS`` and ``RssAnon`` (``/proc/PID/status``) are
summed; the peak of each sum is reported. The target is judged on PSS: it charges every page
the tree maps exactly once, splitting a shared page between its users, so it is the tree's real
footprint. The RSS sum counts a shared page once per process (the forked workers share the
parent's copy-on-write pages and each maps the same index files), so it overstates; RssAnon
(heap, no file pages) is the part that is not just mapped index or library files. A 50 ms poll
can miss a shorter spike.

Finally the outputs for the different worker counts must be byte-identical (the CLI promises
output in input order, whatever the worker count).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.query_latency import DEFAULT_QUERIES, Query, prepare, read_queries

TARGET_SPEEDUP = 1.8
TARGET_MEMORY_MB = 1024
POLL_SECONDS = 0.05

# Filters added to the mixed queries to make variants: (Chinese queries, English queries).
ZH_FILTERS = ("date:2012..2015", "date:2016..2018", "date:2019..2021", "date:2022..", "kind:decision",
              "date:2020-01..2020-06", "date:2013", "date:2024")
EN_FILTERS = ("date:1946..1955", "date:1956..1962", "date:1963..1970", "date:1971..", "kind:speech",
              "date:1960", "date:..1950", "date:1990..2010")
_HAN = re.compile(r"[\u3400-\u9fff]")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Queries


def make_queries(base: list[Query], count: int) -> list[str]:
    """``count`` distinct queries: the base set, then rounds of filtered variants of it."""
    if not base:
        raise ValueError("no base queries")
    made: list[str] = []
    seen: set[str] = set()
    rounds = 0
    while len(made) < count:
        for number, query in enumerate(base):
            if rounds == 0:
                text = query.text
            else:
                han = bool(_HAN.search(query.text))
                filters = ZH_FILTERS if han else EN_FILTERS
                if "date:" in query.text:  # a second date range would mostly just empty it
                    filters = ("kind:decision",) if han else ("kind:speech",)
                # Shift the filter by the query's number, so one round does not ask every
                # query about the same years.
                text = f"({query.text}) {filters[(rounds - 1 + number) % len(filters)]}"
            if text not in seen:
                seen.add(text)
                made.append(text)
            if len(made) == count:
                break
        rounds += 1
        if rounds > max(len(ZH_FILTERS), len(EN_FILTERS)) and len(made) < count:
            raise ValueError(f"cannot make {count} distinct queries from {len(base)}")
    return made


# ---------------------------------------------------------------------------------------------
# Watching a process tree


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(child) for child in handle.read().split()]
    except OSError:
        pass
    return found


def process_tree(root: int) -> list[int]:
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += _children(pid)
    return tree


def _kb(path: str, key: str) -> int:
    """The ``key:  N kB`` value of a /proc file, 0 when the process is gone."""
    try:
        with open(path) as handle:
            for line in handle:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


@dataclass
class Run:
    workers: int
    seconds: float
    queries: int
    peak_pss_mb: float
    peak_rss_mb: float
    peak_anon_mb: float
    peak_processes: int
    cpu_seconds: float  # user + system time of the CLI and all its (reaped) descendants
    load_before: float  # the 1-minute load average when the run started: other work on the machine
    returncode: int
    stderr: str = ""

    @property
    def rate(self) -> float:
        return self.queries / self.seconds if self.seconds else 0.0


def run_cli(command: list[str], workers: int, queries: int, watch_memory: bool = False) -> Run:
    """Run the CLI; with ``watch_memory``, poll its process tree's memory every 50 ms until it exits.

    Timed runs do not poll: reading ``smaps_rollup`` walks the page tables of every process in
    the tree, and a poller that wakes 20 times a second takes CPU from the workers exactly when
    they use both cores (it made --workers 2 look ~10% slower). Memory is measured in a run of
    its own."""
    peak_pss = peak_rss = peak_anon = 0
    peak_processes = 0
    # stderr goes to a file: a query error per line could fill a pipe nobody reads while polling.
    # CPU time: the pool workers are reaped by the CLI, the CLI by us, so RUSAGE_CHILDREN grows
    # by the whole tree's time; with the wall time it shows how many cores the run really got.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        while watch_memory and process.poll() is None:
            tree = process_tree(process.pid)
            rss = sum(_kb(f"/proc/{pid}/status", "VmRSS:") for pid in tree)
            pss = sum(_kb(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in tree)
            anon = sum(_kb(f"/proc/{pid}/status", "RssAnon:") for pid in tree)
            peak_pss, peak_rss, peak_anon = max(peak_pss, pss), max(peak_rss, rss), max(peak_anon, anon)
            peak_processes = max(peak_processes, len(tree))
            time.sleep(POLL_SECONDS)
        process.wait()
        seconds = time.perf_counter() - started
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(workers, seconds, queries, round(peak_pss / 1024, 1), round(peak_rss / 1024, 1),
               round(peak_anon / 1024, 1), peak_processes,
               round(cpu, 2), round(load, 2), process.returncode, stderr.strip())


def huiyi_command() -> list[str]:
    """The installed ``huiyi`` script beside this Python, else the CLI module."""
    script = Path(sys.executable).with_name("huiyi")
    return [str(script)] if script.exists() else [sys.executable, "-m", "search.cli"]


def warm_cache(index_dir: Path) -> None:
    """Read every index file once, so the first timed run does not pay for a cold disk."""
    for path in index_dir.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                while handle.read(1 << 20):
                    pass


def first_difference(a: Path, b: Path) -> str:
    with a.open("rb") as left, b.open("rb") as right:
        for number, (x, y) in enumerate(zip(left, right, strict=False), start=1):  # lengths may differ
            if x != y:
                return f"line {number}: {x[:120]!r} vs {y[:120]!r}"
    return "one output is a prefix of the other"


def output_figures(path: Path) -> dict:
    """Queries answered, error rows and hit rows in a jsonl batch output."""
    ids, errors, hits = set(), 0, 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if "_meta" in row:
                continue
            ids.add(row.get("query_id"))
            if row.get("error"):
                errors += 1
            elif row.get("passage_id"):
                hits += 1
    return {"queries": len(ids), "error_rows": errors, "hit_rows": hits}


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--keep", type=Path, help="the --keep folder of bench.query_latency (uses DIR/huiyi)")
    where.add_argument("--index", type=Path, help="an existing huiyi index")
    parser.add_argument("--passages", type=int, default=100_000,
                        help="with --keep: the passage count the index is (re)built for (default 100000)")
    parser.add_argument("--count", type=int, default=1000, help="queries per batch (default 1000)")
    parser.add_argument("--workers", default="1,2", help="worker counts to compare, first is the base (default 1,2)")
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES, help="base query file")
    parser.add_argument("--repeat", type=int, default=1, help="runs per worker count; the fastest counts")
    parser.add_argument("--json", type=Path, help="write all figures here")
    args = parser.parse_args(argv)
    try:
        workers = [int(n) for n in args.workers.split(",")]
    except ValueError:
        parser.error("--workers takes numbers separated by commas, such as 1,2")
    if len(workers) < 2 or min(workers) < 1 or args.count < 2 or args.repeat < 1:
        parser.error("need two or more worker counts ≥ 1, --count ≥ 2 and --repeat ≥ 1")

    if args.keep:
        stamp = prepare(args.keep, args.passages, rebuild=False)
        index_dir = args.keep / "huiyi"
        passages = stamp["huiyi"]["passages"]
    else:
        index_dir = args.index
        manifest = json.loads((index_dir / "huiyi.json").read_text(encoding="utf-8"))
        passages = manifest.get("passages")
    queries = make_queries(read_queries(args.queries), args.count)

    scratch = Path(tempfile.mkdtemp(prefix="huiyi-batch-"))
    try:
        query_file = scratch / "queries.txt"
        query_file.write_text("\n".join(queries) + "\n", encoding="utf-8")
        startup_file = scratch / "startup.txt"
        startup_file.write_text("\n".join(queries[:2]) + "\n", encoding="utf-8")
        warm_cache(index_dir)

        def command(file: Path, n: int, out: Path) -> list[str]:
            return huiyi_command() + ["batch", str(file), "--index", str(index_dir), "--workers", str(n),
                                      "--format", "jsonl", "-o", str(out), "-q"]

        runs: dict[int, Run] = {}
        startup: dict[int, Run] = {}
        outputs: dict[int, Path] = {}
        for n in workers:
            log(f"--workers {n}: {len(queries)} queries …")
            outputs[n] = scratch / f"out_{n}.jsonl"
            startup[n] = run_cli(command(startup_file, n, scratch / f"startup_{n}.jsonl"), n, 2)
            for _ in range(args.repeat):
                run = run_cli(command(query_file, n, outputs[n]), n, len(queries))
                if run.returncode != 0:
                    log(f"  huiyi batch exited with {run.returncode}: {run.stderr}")
                    return 2
                log(f"  {run.seconds:.1f} s, {run.rate:.1f} queries/s")
                if n not in runs or run.seconds < runs[n].seconds:
                    runs[n] = run
            watched = run_cli(command(query_file, n, scratch / f"watched_{n}.jsonl"), n, len(queries),
                              watch_memory=True)
            log(f"  peak PSS {watched.peak_pss_mb:.0f} MB (a separate run, {watched.seconds:.1f} s while watched)")
            runs[n].peak_pss_mb, runs[n].peak_rss_mb = watched.peak_pss_mb, watched.peak_rss_mb
            runs[n].peak_anon_mb, runs[n].peak_processes = watched.peak_anon_mb, watched.peak_processes
        base = workers[0]
        identical = {n: filecmp.cmp(outputs[base], outputs[n], shallow=False) for n in workers[1:]}
        figures_out = output_figures(outputs[base])
        differences = {n: first_difference(outputs[base], outputs[n]) for n, same in identical.items() if not same}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"\nIndex: {index_dir} ({passages} passages); {len(queries)} queries "
          f"({figures_out['queries']} answered, {figures_out['error_rows']} error rows, "
          f"{figures_out['hit_rows']} hit rows); fastest of {args.repeat} run(s)\n")
    print(f"{'workers':>7} {'wall s':>8} {'queries/s':>10} {'start-up s':>11} {'net q/s':>8} {'CPU s':>7} "
          f"{'cores':>6} {'load':>5} {'peak PSS MB':>12} {'RSS sum MB':>11} {'anon MB':>8} {'processes':>10}")
    for n in workers:
        run, fixed = runs[n], startup[n].seconds
        net = run.queries / (run.seconds - fixed) if run.seconds > fixed else float("nan")
        print(f"{n:7d} {run.seconds:8.2f} {run.rate:10.1f} {fixed:11.2f} {net:8.1f} "
              f"{run.cpu_seconds:7.1f} "
              f"{run.cpu_seconds / run.seconds:6.2f} {run.load_before:5.1f} "
              f"{run.peak_pss_mb:12.0f} {run.peak_rss_mb:11.0f} {run.peak_anon_mb:8.0f} "
              f"{run.peak_processes:10d}")
    print(f"(start-up: a 2-query batch with the same workers; net q/s leaves it out. cores: CPU s / wall s,\n"
          f" well below the worker count means the machine was busy or the workers waited; load: the\n"
          f" 1-minute load average before the run, on {os.cpu_count()} CPUs. Memory: peaks of sums over the\n"
          f" process tree; PSS charges shared pages once, the RSS sum once per process, anon is heap only.)")

    passed = True
    speedups = {}
    for n in workers[1:]:
        speedups[n] = runs[n].rate / runs[base].rate
        target = TARGET_SPEEDUP if (base, n) == (1, 2) else None
        verdict = "" if target is None else f" (target ≥ {target}×): {'PASS' if speedups[n] >= target else 'FAIL'}"
        passed &= target is None or speedups[n] >= target
        print(f"\nSpeed-up, --workers {n} vs {base}: {speedups[n]:.2f}×{verdict}")
    peak = max(run.peak_pss_mb for run in runs.values())
    peak_rss = max(run.peak_rss_mb for run in runs.values())
    memory_ok = peak < TARGET_MEMORY_MB
    passed &= memory_ok
    print(f"Peak memory (PSS of the process tree): {peak:.0f} MB (target < {TARGET_MEMORY_MB} MB): "
          f"{'PASS' if memory_ok else 'FAIL'}"
          + (f"; the RSS sum, {peak_rss:.0f} MB, would not pass" if peak_rss >= TARGET_MEMORY_MB > peak else ""))
    for n, same in identical.items():
        print(f"Output --workers {n} byte-identical to --workers {base}: {'yes' if same else 'NO'}"
              + ("" if same else f" (first difference at {differences[n]})"))
        passed &= same
    print(f"\nOverall: {'PASS' if passed else 'FAIL'}")

    if args.json:
        args.json.write_text(json.dumps({
            "passed": passed, "index": str(index_dir), "passages": passages, "queries": len(queries),
            "output": figures_out,
            "runs": {n: asdict(run) | {"queries_per_s": round(run.rate, 2)} for n, run in runs.items()},
            "startup_seconds": {n: round(run.seconds, 3) for n, run in startup.items()},
            "speedup": {n: round(s, 3) for n, s in speedups.items()}, "identical": identical,
        }, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
