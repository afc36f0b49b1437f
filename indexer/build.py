"""Building an index from record folders.

A build writes into a fresh folder beside the target and swaps it in only when it is
complete, so an interrupted build never leaves a broken index behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index

from corpus.errors import IndexNotFoundError
from corpus.model import Meeting, Problem
from corpus.sources import RecordFile, iter_record_files, read_record

from .analysis import analyzer_settings, fold, segmenter
from .passages import language_of, meeting_fields, passages_of
from .schema import SCHEMA_VERSION, make_schema

MANIFEST = "huiyi.json"
INDEX_ENV = "HUIYI_INDEX"
DEFAULT_INDEX = ".huiyi"


def default_index_dir() -> Path:
    """``$HUIYI_INDEX`` if set, else ``.huiyi`` in the current folder."""
    return Path(os.environ.get(INDEX_ENV) or DEFAULT_INDEX)


def bundled_samples() -> Path:
    return Path(__file__).resolve().parent.parent / "corpus" / "samples"


@dataclass(frozen=True)
class Progress:
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    started: float


@dataclass(frozen=True)
class BuildSummary:
    index_dir: str
    files: int
    meetings: int
    passages: int
    failed: tuple[Problem, ...]
    warnings: int
    seconds: float
    problems: tuple[Problem, ...] = field(default=(), repr=False)


def documents_of(meeting: Meeting, file_key: str) -> list[dict]:
    """The Whoosh documents (one per passage) of a meeting."""
    shared = meeting_fields(meeting)
    type_key = fold(meeting.type)
    documents = []
    for passage in passages_of(meeting):
        document = dict(shared)
        document.update(
            passage_id=passage.passage_id,
            meeting_id=passage.meeting_id,
            file_key=file_key,
            source=passage.source,
            kind=passage.kind,
            position=passage.position,
            lang=language_of(passage.text),
            speaker=passage.speaker,
            speaker_name=passage.speaker,
            speaker_key=fold(passage.speaker),
            type_key=type_key,
            speech_date=passage.speech_date,
            speech_title=passage.speech_title,
            word=passage.text,
            exact=passage.text,
            quote=passage.quote_text,
            quote_exact=passage.quote_text,
            quoted=bool(passage.quote_spans),
            text=passage.text,
            quote_spans=[list(span) for span in passage.quote_spans],
            length=len(passage.text),
        )
        documents.append({key: value for key, value in document.items() if value is not None})
    return documents


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_index(
    paths: Sequence[str | os.PathLike] | None,
    index_dir: str | os.PathLike | None = None,
    procs: int = 1,
    memory_mb: int = 256,
    on_progress: Callable[[Progress], None] | None = None,
) -> BuildSummary:
    """Index every record under ``paths`` (default: the bundled samples) into ``index_dir``."""
    started = time.perf_counter()
    index_dir = Path(index_dir) if index_dir else default_index_dir()
    paths = list(paths) if paths else [bundled_samples()]
    files = list(iter_record_files(paths))
    sizes = [f.path.stat().st_size for f in files]
    segmenter()  # load jieba before the writer forks its workers

    staging = index_dir.parent / f".{index_dir.name}.building-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        ix = whoosh_index.create_in(str(staging), make_schema())
        writer_options = {"limitmb": memory_mb}
        if procs > 1:
            writer_options.update(procs=procs, multisegment=True)
        writer = ix.writer(**writer_options)
        summary = _write_all(writer, files, sizes, on_progress, started)
        writer.commit()
        _write_manifest(staging, paths, summary, files)
        _swap_in(staging, index_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildSummary(index_dir=str(index_dir), seconds=time.perf_counter() - started, **summary)


def _write_all(writer, files: list[RecordFile], sizes: list[int], on_progress, started) -> dict:
    meetings = passages = warnings = 0
    failed: list[Problem] = []
    problems: list[Problem] = []
    bytes_done = 0
    total = sum(sizes)
    for number, (record_file, size) in enumerate(zip(files, sizes), start=1):
        result = read_record(record_file)
        problems.extend(result.problems)
        warnings += sum(1 for p in result.problems if p.severity == "warning")
        if result.meeting is None:
            failed.extend(p for p in result.problems if p.severity == "error")
        else:
            meetings += 1
            for document in documents_of(result.meeting, record_file.meeting_id):
                writer.add_document(**document)
                passages += 1
        bytes_done += size
        if on_progress:
            on_progress(Progress(number, len(files), bytes_done, total, started))
    return {
        "files": len(files),
        "meetings": meetings,
        "passages": passages,
        "failed": tuple(failed),
        "warnings": warnings,
        "problems": tuple(problems),
    }


def _write_manifest(folder: Path, paths: Iterable, summary: dict, files: list[RecordFile]) -> None:
    from importlib.metadata import version

    manifest = {
        "huiyi_version": version("huiyi"),
        "schema_version": SCHEMA_VERSION,
        "analyzer": analyzer_settings(),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "corpus_paths": [str(Path(p).resolve()) for p in paths],
        "meetings": summary["meetings"],
        "passages": summary["passages"],
        "files": {str(f.path.resolve()): file_hash(f.path) for f in files},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")


def _swap_in(staging: Path, index_dir: Path) -> None:
    """Replace ``index_dir`` by the finished build with renames (each one atomic)."""
    if index_dir.exists() and not (index_dir / MANIFEST).exists() and any(index_dir.iterdir()):
        raise IndexNotFoundError(f"{index_dir} exists and is not a huiyi index; refusing to replace it")
    old = index_dir.parent / f".{index_dir.name}.old-{os.getpid()}"
    if index_dir.exists():
        os.replace(index_dir, old)
    os.replace(staging, index_dir)
    shutil.rmtree(old, ignore_errors=True)


def read_manifest(index_dir: Path) -> dict:
    path = Path(index_dir) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise IndexNotFoundError(
            f"no huiyi index at {index_dir} (build one with: huiyi index PATH --index {index_dir})"
        ) from error
