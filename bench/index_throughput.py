"""Indexing throughput: huiyi against the jieba floor, the naive Whoosh pipeline and tantivy-py.

Run from the repository root:

    python -m bench.index_throughput                         # (a) 10,000 mixed passages
    python -m bench.index_throughput --cctv --json idx.json  # (a) and (b) the full CCTV corpus
    python -m bench.index_throughput --mixed 1000            # quick check
    python -m bench.index_throughput --rounds 5              # (a), medians of 5 runs each
    python -m bench.index_throughput --mixed 0 --cctv --cctv-years 2012 --limit-mb 2

Inputs, written into a temporary folder (``--keep DIR`` keeps it):

(a) ``--mixed N`` (default 10,000; 0 skips it): N single-paragraph passages, alternately a line
    of a 新闻联播 story (Chinese) and a paragraph of a UN General Debate speech (English), as
    JSONL rows ``{"id", "date", "text"}`` in 100 files, so that 1% of the files can change.
(b) ``--cctv``: the CCTV corpus ``xwlb-cctv-news/xwlb_*.jsonl.gz`` as it is (``--cctv-years``
    picks years; ``--limit-mb`` writes a cut copy holding about that many MB of story text).

Systems, each on exactly the same passage texts:

* **huiyi**: the real CLI in a subprocess, default settings (``--procs`` = CPU count), as a user
  imports these files: ``huiyi index --from jsonl FILES --map text=text,date=date,id=id
  --kind remark --index DIR -q``. Wall time of the whole command (start-up included; the
  fixed cost of a one-passage build is printed beside it).
* **floor**: ``jieba.Tokenizer().lcut(text)`` (precise mode, HMM on), one process.
* **naive**: Whoosh with ``TEXT(analyzer=jieba.analyse.ChineseAnalyzer(), stored=True)``, one
  process, one writer, one commit.
* **tantivy**: tantivy-py (a benchmark-only dependency, like psutil) with a ``whitespace``
  text field fed ``" ".join(jieba.cut_for_search(text))``, the text stored, one indexing thread;
  jieba's time is included. Skipped, with a note, when tantivy is not installed.

The passages are what huiyi's own importer makes of the rows (``corpus.importers.import_rows``
then ``indexer.passages.passages_of``): a CCTV story becomes one passage per line. The other
systems get those texts from a file, read before their clock starts (jieba is loaded before it
too); their times are the indexing alone. Every system's passage count and MB are printed, and
an order-free digest of the texts shows they are the same (huiyi's is read back from its index).

``--rounds N`` runs every system N times, in turn (huiyi, floor, naive, tantivy, then again), and
the update N times (each from the full build: the files and a copy of the index as built are put
back before the next); the figures are the medians, with every run's time in the JSON. On a
shared machine one run's times move by ±10%, so a ratio near a target needs rounds to mean
anything.

huiyi's own modules are compiled to bytecode first, as ``make install`` leaves them: an editable
install where ``PYTHONDONTWRITEBYTECODE`` is set would otherwise compile every edited module again
at each start, some 50 ms that an installed huiyi does not spend.

MB = 10^6 bytes of UTF-8 passage text. Peak memory is the largest sum of RSS over a process and
its children, sampled every 50 ms (psutil). Index size is the bytes of the files in the index
folder. After the (a) build, 1% of the input files change (a row edited, a row added) and the
same ``huiyi index`` command updates the index: that time over the full build's is the
incremental figure.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import convert

REPO = Path(__file__).resolve().parents[1]
CORPORA = convert.CORPORA
MB = 1_000_000
MAP = "text=text,date=date,id=id"
KIND = "remark"
MIXED_FILES = 100

TARGET_NAIVE = 3.0  # huiyi ≥ 3× the naive pipeline
TARGET_FLOOR = 0.75  # huiyi ≥ 0.75× the single-core jieba floor
STRETCH_FLOOR = 1.0
TARGET_MEMORY = 2 * 1024**3  # peak memory on (b)
TARGET_INCREMENTAL = 0.05  # update after changing 1% of files / full build

SYSTEMS = ("huiyi", "floor", "naive", "tantivy")
LABELS = {
    "huiyi": "huiyi index",
    "floor": "jieba floor (1 core)",
    "naive": "Whoosh + jieba (naive)",
    "tantivy": "tantivy-py + jieba",
}


def compile_huiyi() -> None:
    """Compile huiyi's packages to bytecode where it is stale (see the module's docstring)."""
    import compileall

    root = Path(__file__).resolve().parent.parent
    for package in ("corpus", "indexer", "search"):
        compileall.compile_dir(root / package, quiet=1)


def have(module: str) -> bool:
    import importlib

    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def huiyi_command() -> str:
    beside = Path(sys.executable).parent / "huiyi"
    return str(beside) if beside.exists() else (shutil.which("huiyi") or "huiyi")


# ---------------------------------------------------------------------------------------------
# Inputs


def _han_lines(text: str) -> list[str]:
    return convert.paragraphs_of_lines(text)


def cctv_lines(count: int) -> list[dict]:
    """``count`` lines of 新闻联播 stories, an equal share of every year, spread over the year."""
    paths = sorted((CORPORA / convert.XWLB_DIR).glob("xwlb_*.jsonl.gz"))
    if not paths:
        raise SystemExit(f"no xwlb_*.jsonl.gz in {CORPORA / convert.XWLB_DIR}")
    quota = math.ceil(count / len(paths))
    rows: list[dict] = []
    for path in paths:
        year: list[dict] = []
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                story = json.loads(line)
                for number, text in enumerate(_han_lines(story.get("text") or "")):
                    year.append({"id": f"zh-{story['id']}-{number}", "date": story["date"], "text": text})
        rows += convert.spread(year, quota)
    return convert.spread(rows, count)


_UN_NUMBER = re.compile(r"^\d{1,4}\.\s+")
_SENTENCE_END = re.compile(r"[.?!:;\"”)]$")


def un_paragraphs(text: str) -> list[str]:
    """Paragraphs of a UN speech file, whose lines break mid-sentence: a line that ends a
    sentence and is clearly shorter than the file's usual line closes a paragraph."""
    lines = [line.strip() for line in text.splitlines()]
    widths = sorted(len(line) for line in lines if line)
    if not widths:
        return []
    usual = widths[int(len(widths) * 0.75)]
    paragraphs, current = [], ""
    for line in lines:
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
            continue
        if current.endswith("-") and line[:1].islower():
            current = current[:-1] + line
        else:
            current = f"{current} {line}" if current else line
        if (_SENTENCE_END.search(line) and len(line) < 0.8 * usual) or len(current) > 3000:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    paragraphs = [_UN_NUMBER.sub("", p).strip() for p in paragraphs]
    return [p for p in paragraphs if len(p) >= 20]


def un_rows(count: int) -> list[dict]:
    """``count`` English paragraphs, up to ten from each of speeches spread over the years."""
    files = convert.un_files(CORPORA)
    if not files:
        raise SystemExit(f"no UN General Debate files in {CORPORA / convert.UN_DIR}")
    wanted_files = math.ceil(count / 10 * 1.5)
    while True:
        rows: list[dict] = []
        for speech in convert.spread(files, min(len(files), wanted_files)):
            text = speech.path.read_text(encoding="utf-8-sig", errors="replace")
            for number, paragraph in enumerate(un_paragraphs(text)[:10]):
                rows.append({"id": f"en-{speech.iso}-{speech.year}-{number}", "date": str(speech.year),
                             "text": paragraph})
        if len(rows) >= count or wanted_files >= len(files):
            return convert.spread(rows, count)
        wanted_files *= 2


def write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def write_mixed(folder: Path, count: int) -> list[Path]:
    """``count`` rows, Chinese and English alternately, in ``MIXED_FILES`` files."""
    chinese, english = cctv_lines((count + 1) // 2), un_rows(count // 2)
    rows = []
    for index in range(max(len(chinese), len(english))):
        rows += [chinese[index]] if index < len(chinese) else []
        rows += [english[index]] if index < len(english) else []
    files = min(MIXED_FILES, max(1, len(rows)))
    per_file = math.ceil(len(rows) / files)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(files):
        chunk = rows[number * per_file:(number + 1) * per_file]
        if chunk:
            path = folder / f"mixed_{number:03d}.jsonl"
            write_jsonl(path, chunk)
            paths.append(path)
    return paths


def cctv_inputs(folder: Path, years: set[int] | None, limit_mb: float | None) -> list[Path]:
    """The corpus files themselves, or (with a limit) cut copies holding about that much text."""
    paths = []
    for path in sorted((CORPORA / convert.XWLB_DIR).glob("xwlb_*.jsonl.gz")):
        year = int(re.search(r"(\d{4})", path.name).group(1))
        if years is None or year in years:
            paths.append(path)
    if not paths:
        raise SystemExit(f"no CCTV files for years {sorted(years or [])} in {CORPORA / convert.XWLB_DIR}")
    if limit_mb is None:
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    budget, cut = limit_mb * MB, []
    for path in paths:
        if budget <= 0:
            break
        rows = []
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                story = json.loads(line)
                text = story.get("text") or ""
                if not text.strip():
                    continue
                rows.append(story)
                budget -= len(text.encode("utf-8"))
                if budget <= 0:
                    break
        target = folder / path.name.replace(".jsonl.gz", ".jsonl")
        write_jsonl(target, rows)
        cut.append(target)
    return cut


# ---------------------------------------------------------------------------------------------
# Passages: what huiyi's importer makes of the rows


def extract_passages(files: list[Path], out: Path) -> dict:
    """Write ``{"id", "text"}`` per passage, as huiyi's importer splits the rows; return counts."""
    from corpus.importers import import_rows
    from indexer.passages import language_of, passages_of

    digest = TextDigest()
    languages: dict = {}
    with open(out, "w", encoding="utf-8") as handle:
        for path in files:
            for result in import_rows(path, "jsonl", dict(kv.split("=") for kv in MAP.split(",")), KIND):
                if result.meeting is None:
                    continue
                for passage in passages_of(result.meeting):
                    handle.write(json.dumps({"id": passage.passage_id, "text": passage.text}, ensure_ascii=False))
                    handle.write("\n")
                    digest.add(passage.text)
                    share = languages.setdefault(language_of(passage.text), [0, 0])
                    share[0] += 1
                    share[1] += len(passage.text.encode("utf-8"))
    return {**digest.result(), "languages": languages}


def read_passages(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8") as handle:
        return [(row["id"], row["text"]) for row in map(json.loads, handle)]


class TextDigest:
    """An order-free digest of a multiset of texts, with their count and UTF-8 bytes."""

    def __init__(self) -> None:
        self.hashes: list[bytes] = []
        self.bytes = 0

    def add(self, text: str) -> None:
        data = text.encode("utf-8")
        self.bytes += len(data)
        self.hashes.append(hashlib.blake2b(data, digest_size=12).digest())

    def result(self) -> dict:
        whole = hashlib.blake2b(b"".join(sorted(self.hashes)), digest_size=8).hexdigest()
        return {"passages": len(self.hashes), "bytes": self.bytes, "digest": whole}


def digest_of(texts) -> dict:
    digest = TextDigest()
    for text in texts:
        digest.add(text)
    return digest.result()


def huiyi_texts(index_dir: Path) -> dict:
    """Count, bytes and digest of the passage texts stored in a huiyi index."""
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(index_dir))
    try:
        with ix.searcher() as searcher:
            return digest_of(fields["text"] for fields in searcher.all_stored_fields())
    finally:
        ix.close()


# ---------------------------------------------------------------------------------------------
# Running and measuring


class PeakRSS(threading.Thread):
    """Samples the summed RSS of a process and its children every 50 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.stopped.is_set():
            total = 0
            try:
                processes = [root] + root.children(recursive=True)
            except psutil.Error:
                break
            for process in processes:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self.stopped.wait(0.05)

    def stop(self) -> int:
        self.stopped.set()
        self.join()
        return self.peak


def run_measured(command: list[str]) -> dict:
    """Run a command; its wall time, peak tree RSS, exit code and output."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = None
    if HAVE_PSUTIL:
        sampler = PeakRSS(process.pid)
        sampler.start()
    out_chunks: dict = {}
    readers = [threading.Thread(target=lambda s=s, n=n: out_chunks.__setitem__(n, s.read()), daemon=True)
               for n, s in (("out", process.stdout), ("err", process.stderr))]
    for reader in readers:
        reader.start()
    if sampler:
        code = process.wait()
    else:  # without psutil: the largest RSS of the process or one of its children (Linux: KB)
        _pid, status, usage = os.wait4(process.pid, 0)
        code = process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    for reader in readers:
        reader.join()
    peak = sampler.stop() if sampler else usage.ru_maxrss * 1024
    return {"seconds": seconds, "peak_rss": peak, "returncode": code,
            "stdout": out_chunks.get("out", ""), "stderr": out_chunks.get("err", "")}


def folder_bytes(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def index_command(files: list[Path], index_dir: Path) -> list[str]:
    return [huiyi_command(), "index", "--from", "jsonl", *map(str, files), "--map", MAP, "--kind", KIND,
            "--index", str(index_dir), "-q"]


def huiyi_stats(index_dir: Path) -> dict:
    done = subprocess.run([huiyi_command(), "stats", "--index", str(index_dir), "--format", "json"],
                          cwd=REPO, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def fail(what: str, run: dict) -> None:
    sys.stderr.write(f"{what} failed (exit {run['returncode']}):\n{run['stderr'][-4000:]}\n")
    raise SystemExit(1)


def run_huiyi(files: list[Path], index_dir: Path) -> dict:
    command = index_command(files, index_dir)
    run = run_measured(command)
    if run["returncode"] != 0:
        fail("huiyi index", run)
    stats = huiyi_stats(index_dir)
    texts = huiyi_texts(index_dir)
    return {"seconds": run["seconds"], "peak_rss": run["peak_rss"], "index_bytes": folder_bytes(index_dir),
            "passages": texts["passages"], "bytes": texts["bytes"], "digest": texts["digest"],
            "stats_passages": stats["passages"], "command": command}


def run_worker(system: str, passages_file: Path, out_dir: Path) -> dict:
    command = [sys.executable, "-m", "bench.index_throughput", "--worker", system,
               "--passages", str(passages_file), "--out", str(out_dir)]
    run = run_measured(command)
    if run["returncode"] != 0:
        fail(LABELS[system], run)
    result = json.loads(run["stdout"].strip().splitlines()[-1])
    result["peak_rss"] = run["peak_rss"]
    result["index_bytes"] = folder_bytes(out_dir) if result.get("indexed") is not None else None
    return result


# ---------------------------------------------------------------------------------------------
# Workers: one system, one process; the clock covers indexing only


def _quiet_jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def worker_floor(passages, _out: Path) -> dict:
    jieba = _quiet_jieba()
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    tokenizer.lcut("预热")
    started = time.perf_counter()
    tokens = 0
    for _id, text in passages:
        tokens += len(tokenizer.lcut(text, HMM=True))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "tokens": tokens, "indexed": None}


def worker_naive(passages, out: Path) -> dict:
    jieba = _quiet_jieba()
    jieba.initialize()
    from jieba.analyse import ChineseAnalyzer
    from whoosh import index as whoosh_index
    from whoosh.fields import ID, TEXT, Schema

    schema = Schema(id=ID(stored=True), content=TEXT(analyzer=ChineseAnalyzer(), stored=True))
    out.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(out), schema)
    started = time.perf_counter()
    writer = ix.writer()
    for passage_id, text in passages:
        writer.add_document(id=passage_id, content=text)
    writer.commit()
    seconds = time.perf_counter() - started
    with ix.searcher() as searcher:
        stored = digest_of(fields["content"] for fields in searcher.all_stored_fields())
    ix.close()
    return {"seconds": seconds, "indexed": stored["passages"], "stored_digest": stored["digest"]}


def worker_tantivy(passages, out: Path) -> dict:
    import tantivy

    jieba = _quiet_jieba()
    jieba.initialize()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("content", tokenizer_name="whitespace")  # positions indexed, as Whoosh TEXT
    builder.add_bytes_field("text", stored=True)  # the passage, stored as the others store it
    schema = builder.build()
    out.mkdir(parents=True, exist_ok=True)
    ix = tantivy.Index(schema, path=str(out))
    cut = jieba.cut_for_search
    started = time.perf_counter()
    writer = ix.writer(heap_size=256_000_000, num_threads=1)
    for passage_id, text in passages:
        document = tantivy.Document()
        document.add_text("id", passage_id)
        document.add_text("content", " ".join(token for token in cut(text) if not token.isspace()))
        document.add_bytes("text", text.encode("utf-8"))
        writer.add_document(document)
    writer.commit()
    writer.wait_merging_threads()
    seconds = time.perf_counter() - started
    ix.reload()
    return {"seconds": seconds, "indexed": ix.searcher().num_docs}


WORKERS = {"floor": worker_floor, "naive": worker_naive, "tantivy": worker_tantivy}


def worker_main(system: str, passages_file: Path, out: Path) -> None:
    passages = read_passages(passages_file)
    fed = digest_of(text for _id, text in passages)
    result = WORKERS[system](passages, out)
    result.update(passages=fed["passages"], bytes=fed["bytes"], digest=fed["digest"])
    print(json.dumps(result))


# ---------------------------------------------------------------------------------------------
# One data set


def fixed_cost(folder: Path) -> float:
    """Wall time of ``huiyi index`` on one short passage: start-up, jieba, an empty-ish index."""
    folder.mkdir(parents=True, exist_ok=True)
    one = folder / "one.jsonl"
    write_jsonl(one, [{"id": "1", "date": "2019-01-01", "text": "央视网消息（新闻联播）：国务院召开常务会议。"}])
    run = run_measured(index_command([one], folder / "index"))
    if run["returncode"] != 0:
        fail("huiyi index (one passage)", run)
    return run["seconds"]


def modify_files(files: list[Path], share: float = 0.01) -> int:
    """Change ``share`` of the files: edit the first row's text and add a row to each.

    Returns the number of files changed (each gains one passage)."""
    count = max(1, round(len(files) * share))
    step = len(files) / count
    for number in range(count):
        path = files[int(number * step)]
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows[0]["text"] += " (revised)"
        extra = dict(rows[-1])
        extra["id"] = f"{extra['id']}-added"
        extra["text"] = "补充：" + extra["text"]
        rows.append(extra)
        write_jsonl(path, rows)
    return count


def measure(name: str, files: list[Path], work: Path, incremental: bool, systems: list[str], rounds: int = 1) -> dict:
    print(f"\n== {name}: preparing passages with huiyi's importer …", flush=True)
    work.mkdir(parents=True, exist_ok=True)
    for old in ("huiyi-index", *(f"{system}-index" for system in WORKERS), "one"):
        shutil.rmtree(work / old, ignore_errors=True)  # --keep DIR run again: build afresh
    passages_file = work / "passages.jsonl"
    expected = extract_passages(files, passages_file)
    input_bytes = sum(path.stat().st_size for path in files)
    print(f"   {len(files)} input files, {input_bytes / MB:.2f} MB on disk; "
          f"{expected['passages']:,} passages, {expected['bytes'] / MB:.2f} MB of passage text "
          f"({language_shares(expected)})", flush=True)
    runs: dict[str, list[dict]] = {system: [] for system in systems}
    for number in range(rounds):
        for system in systems:
            print(f"   running {LABELS[system]}" + (f" (round {number + 1} of {rounds})" if rounds > 1 else "") + " …",
                  flush=True)
            index_dir = work / f"{system}-index"
            shutil.rmtree(index_dir, ignore_errors=True)  # every run builds afresh
            if system == "huiyi":
                row = run_huiyi(files, index_dir)
            else:
                row = run_worker(system, passages_file, index_dir)
            runs[system].append(row)
            print(f"   … {row['seconds']:.2f} s", flush=True)
    results = {system: median_run(rows) for system, rows in runs.items()}
    data = {"name": name, "files": [str(p) for p in files], "input_bytes": input_bytes,
            "expected": expected, "systems": results, "procs": os.cpu_count(), "rounds": rounds}
    if "huiyi" in results:
        data["huiyi_fixed_seconds"] = fixed_cost(work / "one")
        if incremental:
            data["incremental"] = measure_incremental(files, work / "huiyi-index", results["huiyi"], rounds)
    return data


def median_run(rows: list[dict]) -> dict:
    """One system's figures over its runs: the last run's, with the median time (and the MB/s
    from it), the highest peak memory, and every run's time."""
    row = dict(rows[-1])
    row["runs"] = [run["seconds"] for run in rows]
    row["seconds"] = statistics.median(row["runs"])
    row["peak_rss"] = max(run["peak_rss"] or 0 for run in rows) or None
    row["mb_s"] = row["bytes"] / MB / row["seconds"]
    row["passages_s"] = row["passages"] / row["seconds"]
    return row


def measure_incremental(files: list[Path], index_dir: Path, full: dict, rounds: int = 1) -> dict:
    """Change 1% of the files and update, ``rounds`` times, each from the full build: before
    every round after the first, the files and a copy of the index as built are put back."""
    if rounds < 1:
        raise ValueError("rounds must be 1 or more")
    before = huiyi_stats(index_dir)["passages"]
    originals = {path: path.read_bytes() for path in files}
    built = index_dir.with_name(f"{index_dir.name}-as-built")
    shutil.rmtree(built, ignore_errors=True)
    shutil.copytree(index_dir, built)
    times, peaks = [], []
    try:
        for number in range(rounds):
            if number:
                for path, content in originals.items():
                    path.write_bytes(content)
                shutil.rmtree(index_dir)
                shutil.copytree(built, index_dir)
            changed = modify_files(files)
            print(f"   changed {changed} of {len(files)} files; updating with the same command"
                  + (f" (round {number + 1} of {rounds})" if rounds > 1 else "") + " …", flush=True)
            run = run_measured(index_command(files, index_dir))
            if run["returncode"] != 0:
                fail("huiyi index (update)", run)
            times.append(run["seconds"])
            peaks.append(run["peak_rss"] or 0)
            after = huiyi_stats(index_dir)
            if after["passages"] != before + changed:
                break  # reported below
    finally:
        shutil.rmtree(built, ignore_errors=True)
    seconds = statistics.median(times)
    return {"files_changed": changed, "files": len(files), "seconds": seconds, "runs": times,
            "peak_rss": max(peaks) or None, "full_seconds": full["seconds"], "ratio": seconds / full["seconds"],
            "passages_before": before, "passages_after": after["passages"],
            "passages_expected": before + changed, "update_seconds_manifest": after.get("update_seconds")}


# ---------------------------------------------------------------------------------------------
# Report


def language_shares(expected: dict) -> str:
    """``en 1,000 passages (76% of MB), zh …`` by huiyi's language_of."""
    parts = []
    for language, (count, size) in sorted(expected["languages"].items()):
        parts.append(f"{language or '(none)'} {count:,} passages ({size / max(1, expected['bytes']):.0%} of MB)")
    return ", ".join(parts)


def short_command(command: list[str]) -> str:
    """The command with a long list of input files shortened (the JSON keeps it whole)."""
    files = [arg for arg in command if arg.endswith((".jsonl", ".jsonl.gz"))]
    if len(files) <= 3:
        return " ".join(command)
    first = command.index(files[0])
    shown = command[:first] + [files[0], f"… ({len(files)} files) …", files[-1]] + command[first + len(files):]
    return " ".join(shown)


def human_bytes(value) -> str:
    if value is None:
        return "—"
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(value)


def report(data: dict) -> list[dict]:
    """Print one data set's table, ratios and targets; return the target checks."""
    systems = data["systems"]
    expected = data["expected"]
    print(f"\n{data['name']}: {expected['passages']:,} passages, {expected['bytes'] / MB:.2f} MB of text "
          f"(UTF-8), {len(data['files'])} input files; huiyi with {data['procs']} procs (CPU count)")
    print(f"languages: {language_shares(expected)}")
    header = f"{'system':<24}{'passages':>10}{'MB':>9}{'seconds':>10}{'MB/s':>8}{'passages/s':>12}" \
             f"{'peak RSS':>11}{'index':>11}  same texts"
    print(header)
    print("-" * len(header))
    for system in SYSTEMS:
        row = systems.get(system)
        if row is None:
            continue
        key = ("passages", "bytes", "digest")
        same = "yes" if [row[k] for k in key] == [expected[k] for k in key] else "NO"
        if row.get("indexed") is not None and row["indexed"] != row["passages"]:
            same = f"NO ({row['indexed']:,} indexed)"
        if row.get("stored_digest", row["digest"]) != row["digest"]:
            same = "NO (stored texts differ)"
        print(f"{LABELS[system]:<24}{row['passages']:>10,}{row['bytes'] / MB:>9.2f}{row['seconds']:>10.2f}"
              f"{row['mb_s']:>8.3f}{row['passages_s']:>12,.0f}{human_bytes(row['peak_rss']):>11}"
              f"{human_bytes(row.get('index_bytes')):>11}  {same}")
    if data.get("rounds", 1) > 1:
        print(f"seconds are the medians of {data['rounds']} runs each, run in turn; every run:")
        for system in SYSTEMS:
            if system in systems:
                print(f"  {LABELS[system]:<24}" + ", ".join(f"{seconds:.2f}" for seconds in systems[system]["runs"]))
    if "tantivy" not in systems:
        why = "not asked for (--systems)" if have("tantivy") else "tantivy is not installed (pip install tantivy; benchmark only)"
        print(f"{LABELS['tantivy']:<24}  skipped: {why}")
    huiyi = systems.get("huiyi")
    if huiyi:
        if huiyi["stats_passages"] != huiyi["passages"]:
            print(f"WARNING: huiyi stats says {huiyi['stats_passages']:,} passages, the index stores "
                  f"{huiyi['passages']:,}")
        fixed = data["huiyi_fixed_seconds"]
        print(f"huiyi fixed cost (one-passage build, wall time): {fixed:.2f} s", end="")
        if huiyi["seconds"] > fixed:
            net = huiyi["bytes"] / MB / (huiyi["seconds"] - fixed)
            floor = systems.get("floor")
            print(f"; without it {net:.3f} MB/s" + (f", {net / floor['mb_s']:.2f}× the floor" if floor else "")
                  + " (for information: the targets use the wall time)")
        else:
            print()
    checks = []
    if huiyi:
        print("ratios (MB/s over MB/s):")
        ratios = data.setdefault("ratios", {})
        for system in ("naive", "floor", "tantivy"):
            if system in systems:
                ratios[system] = huiyi["mb_s"] / systems[system]["mb_s"]
                print(f"  huiyi / {system:<8} {ratios[system]:6.2f}×")
            else:
                print(f"  huiyi / {system:<8}    n/a")

        def check(label, value, ok, target, stretch=False):
            checks.append({"data": data["name"], "target": label, "value": value, "target_value": target,
                           "pass": ok, "stretch": stretch})

        if "naive" in ratios:
            check("huiyi ≥ 3× naive", ratios["naive"], ratios["naive"] >= TARGET_NAIVE, TARGET_NAIVE)
        if "floor" in ratios:
            check("huiyi ≥ 0.75× jieba floor", ratios["floor"], ratios["floor"] >= TARGET_FLOOR, TARGET_FLOOR)
            check("stretch: huiyi ≥ 1.0× jieba floor", ratios["floor"], ratios["floor"] >= STRETCH_FLOOR,
                  STRETCH_FLOOR, True)
        if "tantivy" in ratios:
            check("stretch: huiyi ≥ 1.0× tantivy-py", ratios["tantivy"], ratios["tantivy"] >= 1.0, 1.0, True)
        if data.get("memory_target"):
            check("peak memory < 2 GB", huiyi["peak_rss"], huiyi["peak_rss"] < TARGET_MEMORY, TARGET_MEMORY)
    incremental = data.get("incremental")
    if incremental:
        print(f"incremental: {incremental['files_changed']} of {incremental['files']} files changed → "
              f"update {incremental['seconds']:.2f} s / full {incremental['full_seconds']:.2f} s = "
              f"{incremental['ratio']:.1%} (passages {incremental['passages_before']:,} → "
              f"{incremental['passages_after']:,}, expected {incremental['passages_expected']:,}; "
              f"peak {human_bytes(incremental['peak_rss'])})")
        if len(incremental.get("runs", ())) > 1:
            print("  update runs (median above): " + ", ".join(f"{seconds:.2f}" for seconds in incremental["runs"]))
        if incremental["passages_after"] != incremental["passages_expected"]:
            print("WARNING: the update did not leave the expected passage count")
        checks.append({"data": data["name"], "target": "update after 1% changed < 5% of full build",
                       "value": incremental["ratio"], "target_value": TARGET_INCREMENTAL,
                       "pass": incremental["ratio"] < TARGET_INCREMENTAL, "stretch": False})
    return checks


def format_value(check: dict) -> str:
    if "memory" in check["target"]:
        return human_bytes(check["value"])
    if "update" in check["target"]:
        return f"{check['value']:.1%}"
    return f"{check['value']:.2f}×"


# ---------------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.index_throughput", description=__doc__.split("\n")[0])
    parser.add_argument("--mixed", type=int, default=10000, metavar="N",
                        help="(a) N mixed Chinese/English passages in 100 files (default 10000; 0: skip)")
    parser.add_argument("--cctv", action="store_true", help="(b) the CCTV news corpus")
    parser.add_argument("--cctv-years", help="only these years of the CCTV corpus, e.g. 2019,2020")
    parser.add_argument("--limit-mb", type=float, help="(b) about this many MB of story text (a cut copy)")
    parser.add_argument("--rounds", type=int, default=1, metavar="N",
                        help="run every system (and the update) N times, in turn; report the medians (default 1)")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"systems to run (default {','.join(SYSTEMS)})")
    parser.add_argument("--json", metavar="FILE", help="write all figures to FILE")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (inputs, passages, indexes)")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--passages", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


HAVE_PSUTIL = have("psutil")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        worker_main(args.worker, Path(args.passages), Path(args.out))
        return 0
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = set(systems) - set(SYSTEMS)
    if unknown:
        raise SystemExit(f"unknown systems: {', '.join(sorted(unknown))}")
    notes = []
    if "tantivy" in systems and not have("tantivy"):
        systems.remove("tantivy")
        notes.append("tantivy is not installed: the tantivy-py column is skipped "
                     "(pip install tantivy; a benchmark-only dependency)")
    if not HAVE_PSUTIL:
        notes.append("psutil is not installed (pip install psutil; benchmark only): peak memory is the "
                     "largest single process's (wait4), not the sum over huiyi's workers")
    if args.rounds < 1:
        raise SystemExit("--rounds must be 1 or more")
    if not args.mixed and not args.cctv:
        raise SystemExit("nothing to do: give --mixed N and/or --cctv")
    for note in notes:
        print("NOTE:", note)
    compile_huiyi()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="huiyi-index-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    years = {int(y) for y in args.cctv_years.split(",")} if args.cctv_years else None
    figures = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": sys.version.split()[0],
                           "loadavg_start": os.getloadavg()},
               "versions": versions(), "notes": notes, "datasets": [], "checks": []}
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; work folder {work}")
    try:
        if args.mixed:
            folder = work / "mixed"
            files = write_mixed(folder / "input", args.mixed)
            data = measure(f"(a) mixed, {args.mixed:,} rows", files, folder, incremental=True, systems=systems,
                           rounds=args.rounds)
            figures["datasets"].append(data)
        if args.cctv:
            folder = work / "cctv"
            files = cctv_inputs(folder / "input", years, args.limit_mb)
            label = "(b) CCTV news" + (f" {args.cctv_years}" if years else ", all years") + \
                    (f", cut to {args.limit_mb:g} MB" if args.limit_mb else "")
            data = measure(label, files, folder, incremental=False, systems=systems, rounds=args.rounds)
            data["memory_target"] = True
            figures["datasets"].append(data)
        figures["machine"]["loadavg_end"] = os.getloadavg()
        print("\n" + "=" * 100)
        for data in figures["datasets"]:
            figures["checks"] += report(data)
        print(f"\nload average at start {figures['machine']['loadavg_start'][0]:.2f}, "
              f"at end {figures['machine']['loadavg_end'][0]:.2f} ({os.cpu_count()} CPUs)")
        if figures["checks"]:
            print("\ntargets:")
            for check in figures["checks"]:
                verdict = "PASS" if check["pass"] else "FAIL"
                print(f"  {verdict}  {check['data']}: {check['target']}: {format_value(check)}")
        for data in figures["datasets"]:
            huiyi = data["systems"].get("huiyi")
            if huiyi:
                print(f"\nhuiyi command for {data['name']}:\n  " + short_command(huiyi["command"]))
        if args.json:
            Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=1, default=str),
                                       encoding="utf-8")
            print(f"\nfigures written to {args.json}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("huiyi", "jieba", "whoosh3", "Whoosh", "tantivy", "psutil"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            pass
    return found


if __name__ == "__main__":
    sys.exit(main())
