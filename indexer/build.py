"""Building and updating an index from record folders and imported files.

* A full build writes into a fresh folder beside the target and swaps it in only when it is
  complete, so an interrupted build never leaves a broken index behind.
* An update (the default when an index exists) compares content hashes with the manifest and
  re-reads only new and changed files; removed files' passages are deleted. Whoosh commits a
  new generation atomically, so searches see the old index or the new one, never a mix.
* One writer at a time: a lock file beside the index makes a second build fail at once.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path, PurePosixPath

from whoosh import index as whoosh_index

from corpus.errors import HuiyiError, IndexDamagedError, IndexNotFoundError
from corpus.importers import (
    check_columns,
    check_text_columns,
    import_rows,
    import_text_file,
    rows_namespace,
)
from corpus.model import Meeting, ParseResult, Problem
from corpus.sources import RecordFile, iter_record_files, path_text, read_record, reason
from corpus.version import READER_VERSION, VERSION

from .analysis import analyzer_settings, fold
from .dictionary import (
    reload_if_word_lists_changed,
    segmenter,
    word_lists_digest,
)
from .files import replace_file
from .manifest import MANIFEST, compatible, default_index_dir, read_manifest, use_user_dictionaries
from .passages import language_of, meeting_fields, passages_of
from .schema import DIGEST_SIZE, SCHEMA_VERSION, make_schema
from .segments import build_segments, commit_segments
from .storage import POSTINGS_DAMAGE, damaged, open_checked

# Above this much input, jieba's dictionary is loaded whole (0.2 s) rather than word by word
# from its trie (~0.7 µs a character more, see indexer.dictionary): ~300,000 Chinese characters.
WHOLE_DICTIONARY_BYTES = 1 << 20
# An update reading more than this (or more than 50 files) spreads the work over worker
# processes, as a full build does; a smaller one, the usual update, is done in this process:
# forking workers costs more than they save on a few small files.
PARALLEL_BYTES = 1 << 20
# How files of rows name their meetings (see corpus.importers.import_rows), in every such file's
# digest: an index made before a change is read again, so that it names them so too.
ROW_IDS = " ids-2"
KEPT_FAILURES = 20  # of a file's rows that cannot be read, the manifest keeps so many to report again
PROGRESS_ROWS = 200  # within a file of rows, progress is reported every so many rows


class IndexLockedError(HuiyiError):
    """Another process is writing this index."""


def bundled_samples() -> Path:
    return Path(__file__).resolve().parent.parent / "corpus" / "samples"


@dataclass(frozen=True)
class ImportSpec:
    """A file of rows to import (``huiyi index --from jsonl FILE --map …``)."""

    path: str
    format: str
    mapping: dict
    kind: str = "speech"
    pattern: str | None = None  # for plain-text files: fields in the file names
    encoding: str | None = None  # the files' encoding, as the user says; None: told from the text

    def to_dict(self) -> dict:
        spec = {"path": self.path, "from": self.format, "map": self.mapping, "kind": self.kind,
                "pattern": self.pattern}
        if self.encoding:  # only then: the digests of imports made before stay as they were
            spec["encoding"] = self.encoding
        return spec

    @classmethod
    def from_dict(cls, data: dict) -> ImportSpec:
        return cls(data["path"], data["from"], data["map"], data.get("kind", "speech"), data.get("pattern"),
                   data.get("encoding"))


@dataclass(frozen=True)
class _Unit:
    """One file the index tracks: its key (absolute path), hash, size and how to read it."""

    key: str
    digest: str
    size: int
    read: Callable[[], Iterable[ParseResult]]
    unreadable: Problem | None = None  # why the file or folder cannot be read: nothing to read


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
    mode: str  # "full" or "update"
    files: int
    meetings: int
    passages: int
    added: int
    changed: int
    removed: int
    unchanged: int
    passages_written: int
    passages_deleted: int
    failed: tuple[Problem, ...]  # files and rows that could not be read (of a file with many, the first)
    warnings: int
    seconds: float
    problems: tuple[Problem, ...] = field(default=(), repr=False)
    rebuilt_because: str = ""  # why an existing index was built again without --rebuild
    reread_because: str = ""  # why an update read every file, not only the changed ones
    skipped: int = 0  # files and rows that could not be read, all counted


# ------------------------------------------------------------------ documents


def documents_of(meeting: Meeting, file_key: str) -> list[dict]:
    """The Whoosh documents (one per passage) of a meeting.

    A passage's source is its file's key (its absolute path, symbolic links resolved), not the
    path as given: an update
    does not read a file whose bytes are unchanged, so one given as ``corpus/a.txt`` when indexed
    and by its absolute path later (``huiyi index`` refreshes from the absolute paths) had kept
    the old spelling, beside new files with the other one. Files imported are given so already."""
    meeting = replace(meeting, source=file_key)
    shared = meeting_fields(meeting)
    type_key = fold(meeting.type)
    # the digest of what each document is made from: this meeting's fields, then the passage
    meeting_digest = hashlib.blake2b(_digestible((file_key, shared)), digest_size=DIGEST_SIZE)
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
            order_key=passage.position,
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
            text=passage.text,
            quote_spans=[list(span) for span in passage.quote_spans],
            length=len(passage.text),
        )
        digest = meeting_digest.copy()
        digest.update(_digestible(passage))
        document["digest"] = digest.digest()
        documents.append(document)
    return documents


def _digestible(value) -> bytes:
    """The bytes a passage digest is made of. Equal digests mean an update can leave an
    indexed passage as it is: a document is made from its file key, its meeting's fields and
    its ``Passage`` alone (a new analyzer or schema rebuilds the index anyway)."""
    return repr(value).encode("utf-8", "surrogatepass")


# ------------------------------------------------------------------ sources


def _digest(path: Path) -> tuple[str, int]:
    hasher = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
            size += len(block)
    return hasher.hexdigest(), size


def _units(paths: Sequence[str], imports: Sequence[ImportSpec]) -> tuple[list[_Unit], list[Problem]]:
    """The files to index: records under ``paths``, then the files of ``imports``; a file
    given twice (in a folder given, and by itself) is indexed once, as it is first given, with
    a warning if the two ways differ (a record and an import, two mappings)."""
    files: list[tuple] = [(record_file, None) for record_file in iter_record_files(paths)]
    for spec in imports:
        path = Path(spec.path)
        if spec.format == "txt":  # a folder of plain-text files: one meeting, one unit, per file
            found = list(iter_record_files([path]))
            if found:
                check_text_columns(found, spec.pattern, spec.mapping, spec.encoding)
            files += ((record_file, spec) for record_file in found)
            continue
        if not path.is_file():
            raise IndexNotFoundError(f"{path}: no such file to import")
        check_columns(path, spec.format, spec.mapping, spec.encoding)  # a wrong mapping fails before any work
        files.append((path, spec))
    # folders that cannot be listed: reported, and kept out of the names (a file beside one, of
    # the same stem, had been named by its suffix while the folder was locked)
    units = [_unreadable_unit(file.path, file.unreadable) for file, _spec in files if getattr(file, "unreadable", "")]
    files = [(file, spec) for file, spec in files if not getattr(file, "unreadable", "")]
    resolved: dict[Path, tuple] = {}
    ignored: list[tuple] = []  # (the way files are indexed, a way ignored, the files)
    warned: set[tuple[Path, str]] = set()  # (a file, settings ignored): once, by whichever import came first
    for file, spec in files:
        path = (file.path if isinstance(file, RecordFile) else file).resolve()
        first = resolved.setdefault(path, (file, spec))[1]
        settings = repr(_settings(spec))
        if repr(_settings(first)) != settings and (path, settings) not in warned:  # not a folder and a file in it
            group = next((group for group in ignored if group[:2] == (first, spec)), None)
            if group is None:
                ignored.append(group := (first, spec, []))
            group[2].append(path)
            warned.add((path, settings))
    roots: dict[Path, Path] = {}
    names = _distinct_names([_meeting_names(file, path, roots) for path, (file, _spec) in resolved.items()])
    for (path, (file, spec)), name in zip(resolved.items(), names):
        try:
            digest, size = _digest(path)
        except OSError as error:
            units.append(_unreadable_unit(file.path if isinstance(file, RecordFile) else file, reason(error)))
            continue
        if spec is not None:
            digest += json.dumps(spec.to_dict(), sort_keys=True)
        # the name its meetings get (from the corpus root, or told apart from another file's):
        # a file whose bytes stay but whose name changes is read again (its old id had stayed)
        digest += f" named {name}"
        if spec is None:
            read = partial(_read_record, replace(file, name=name))
        elif spec.format == "txt":
            read = partial(_import_text_file, replace(file, name=name), spec)
        else:
            digest += ROW_IDS
            read = partial(import_rows, spec.path, spec.format, spec.mapping, spec.kind, name, spec.encoding)
        units.append(_Unit(path_text(path), digest, size, read))
    return units, [_given_twice(paths_given, first, spec) for first, spec, paths_given in ignored]


def _unreadable_unit(path: Path, why: str) -> _Unit:
    """A file or folder that cannot be read: nothing to read, the problem to report."""
    return _Unit(path_text(path.resolve()), "", 0, tuple, Problem(path_text(path), 0, why, "error"))


def _settings(spec: ImportSpec | None) -> ImportSpec | None:
    return spec and replace(spec, path="")


def _given_twice(files: list[Path], first: ImportSpec | None, other: ImportSpec | None) -> Problem:
    """The warning for files given in two ways, indexed only the ``first`` way."""
    def way(spec: ImportSpec | None) -> str:
        if spec is None:
            return "as a record"
        mapping = ",".join(f"{target}={source}" for target, source in spec.mapping.items())
        options = [f"--map {mapping}" if mapping else "", f"--kind {spec.kind}" if spec.kind != "speech" else "",
                   f"--pattern {spec.pattern}" if spec.pattern else "", f"--encoding {spec.encoding}" if spec.encoding else ""]
        return " ".join(["by --from", spec.format, spec.path, *filter(None, options)])

    indexed, ignored = way(first), way(other)
    more = len(files) - 1
    return Problem(str(files[0]), 0, f"given twice, {indexed} and {ignored}"
                                     + (f" (and {more} other file{'s' * (more > 1)})" if more else "")
                                     + f": indexed {indexed} only")


def _read_record(record_file: RecordFile) -> list[ParseResult]:
    return [read_record(record_file)]


def _import_text_file(record_file: RecordFile, spec: ImportSpec) -> list[ParseResult]:
    return [import_text_file(record_file, spec.pattern, spec.mapping, spec.kind, spec.encoding)]


def _meeting_names(file, resolved: Path, roots: dict) -> tuple[str, PurePosixPath, PurePosixPath, bool]:
    """How a file's meetings are named (a record's or text file's id; for a file of rows, the
    first part of each row's id: the file's name without suffixes), the path that name is the
    end of, the file's path (``resolved``), and whether it is a file of rows. ``roots``: folders
    resolved so far."""
    path = PurePosixPath(resolved.as_posix())
    if isinstance(file, RecordFile):
        root = roots.get(file.root) or roots.setdefault(file.root, file.root.resolve())
        return file.meeting_id, PurePosixPath(root.as_posix(), file.meeting_id), path, False
    stem = rows_namespace(path)
    return stem, path.with_name(stem), path, True


def _distinct_names(named: list[tuple[str, PurePosixPath, PurePosixPath, bool]]) -> list[str]:
    """The name of each file's meetings, so that meetings of different files are never merged:
    files whose meetings would share a name (records of the same path under two folders, files
    of rows of the same name, a record ``reports/12`` and row 12 of ``reports.jsonl``) are named
    by as much more of their path as tells them apart (``1955/report`` and ``1956/report``), and
    by their suffixes where the rest is the same (``data.csv`` and ``data.jsonl``). Each file is
    one of ``named`` (see _meeting_names), for distinct files."""
    depth = [len(PurePosixPath(name).parts) for name, *_rest in named]
    suffixed = [False] * len(named)

    def current(number: int) -> str:
        parts = named[number][2 if suffixed[number] else 1].parts
        return "/".join(parts[-depth[number]:]).lstrip("/")

    def grow(number: int) -> bool:
        if depth[number] < len(named[number][2 if suffixed[number] else 1].parts):
            depth[number] += 1
            return True
        return False

    while True:
        groups: dict[str, list[int]] = defaultdict(list)
        for number in range(len(named)):
            groups[current(number)].append(number)
        changed = False
        for members in (members for members in groups.values() if len(members) > 1):
            ends = defaultdict(list)  # the same path but for the suffix: told apart by the suffix
            for number in members:
                ends[named[number][1]].append(number)
            for number in members:
                if len(ends[named[number][1]]) > 1 and not suffixed[number]:
                    suffixed[number] = changed = True
                else:
                    changed = grow(number) or changed
        if not changed:
            changed = _prefix_clash(named, groups, current, suffixed, grow)
        if not changed:  # no two names alike, or none can grow (the same file cannot be here twice)
            return [current(number) for number in range(len(named))]


def _prefix_clash(named, groups, current, suffixed, grow) -> bool:
    """Mend the first name that begins with the name of a file of rows and ``/`` (that file
    names its meetings ``name/id``): by the suffix of that file ("reports.jsonl/12" beside the
    record "reports/12"), else by more of both paths. Returns whether a name changed (the names
    are grouped again before the next one)."""
    for number in range(len(named)):
        parts = current(number).split("/")
        for size in range(1, len(parts)):
            for owner in groups.get("/".join(parts[:size]), ()):
                if not named[owner][3]:
                    continue
                if not suffixed[owner]:
                    suffixed[owner] = True
                    return True
                grown = grow(owner)
                if grow(number) or grown:
                    return True
    return False


# ------------------------------------------------------------------ lock and manifest


class _Lock:
    """An exclusive, non-blocking lock on a file beside the index."""

    def __init__(self, index_dir: Path) -> None:
        self.path = index_dir.parent / f".{index_dir.name}.lock"
        self.index_dir = index_dir

    def __enter__(self):
        try:  # the first write of a build: a folder that cannot be written is said here, in one line
            self.index_dir.parent.mkdir(parents=True, exist_ok=True)
            self.handle = open(self.path, "a+")
        except OSError as error:
            raise HuiyiError(f"cannot write an index at {self.index_dir}: {error.strerror or error}") from None
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "?"
            self.handle.close()
            raise IndexLockedError(
                f"another huiyi index (pid {holder}) is writing {self.index_dir}; try again when it has finished"
            ) from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(str(os.getpid()))
        self.handle.flush()
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _write_manifest(folder: Path, manifest: dict) -> None:
    """Write atomically: a crash leaves the old manifest or the new one."""
    try:
        data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
    except UnicodeEncodeError:  # a path that is not UTF-8 (its bytes as lone surrogates): \udce9, read back alike
        data = json.dumps(manifest, indent=1).encode("ascii")
    replace_file(folder / MANIFEST, data)


def _new_manifest(paths, imports, files: dict, seconds: float) -> dict:
    return {
        "huiyi_version": VERSION,
        "schema_version": SCHEMA_VERSION,
        "reader_version": READER_VERSION,
        "analyzer": analyzer_settings(),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "build_seconds": round(seconds, 3),
        "corpus_paths": [str(Path(p).resolve()) for p in paths],
        "imports": [spec.to_dict() for spec in imports],
        "meetings": sum(entry["meetings"] for entry in files.values()),
        "passages": sum(entry["passages"] for entry in files.values()),
        "files": files,
    }


# ------------------------------------------------------------------ building


def build_index(
    paths: Sequence[str | os.PathLike] | None = None,
    index_dir: str | os.PathLike | None = None,
    imports: Sequence[ImportSpec] = (),
    procs: int | None = None,
    memory_mb: int = 1024,
    rebuild: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
) -> BuildSummary:
    """Build or update the index at ``index_dir`` from record ``paths`` and ``imports``.

    Without paths or imports, an existing index is refreshed from the sources it was built
    from, and a new one is built from the bundled samples.
    """
    started = time.perf_counter()
    named = Path(index_dir) if index_dir else default_index_dir()
    # the folder itself, not a symbolic link to it: one lock whatever the way to it, and a
    # rebuild replaces the folder, not the link
    index_dir = named.resolve()
    procs = procs or os.cpu_count() or 1
    try:
        return _build_locked(paths, index_dir, named, imports, procs, memory_mb, rebuild, on_progress, started)
    except OSError as error:
        if error.errno in _NOT_WRITABLE:  # a read-only index folder or a full disk: one line, no traceback
            raise HuiyiError(f"cannot write the index at {index_dir}: {error.strerror}") from error
        raise


_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT}


def _build_locked(paths, index_dir: Path, named: Path, imports, procs: int, memory_mb: int, rebuild: bool,
                  on_progress, started: float) -> BuildSummary:
    """build_index, from taking the lock on."""
    with _Lock(index_dir):
        for stale in index_dir.parent.glob(f".{index_dir.name}.building-*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by a killed build: we hold the lock now
        manifest, reason = None, ""
        reload_if_word_lists_changed()  # a word list edited since this process loaded jieba
        if (index_dir / MANIFEST).exists():
            try:
                manifest = read_manifest(index_dir)
            except IndexDamagedError:
                if not (rebuild and (paths or imports)):  # the sources it was built from are unknown
                    raise
                if not any(index_dir.glob("_MAIN_*.toc")):  # no index beside it: a folder of other things
                    raise IndexNotFoundError(f"{index_dir} holds a {MANIFEST} that is not huiyi's, and no index; "
                                             "refusing to replace it") from None
        if manifest is not None and not compatible(manifest):  # another version's: rebuilt, never mixed
            reason = "" if rebuild else "the index was made by another version of huiyi"
            rebuild = True
        notes: list[Problem] = []
        if manifest:  # new text is analysed as the index's was; a rebuild, from the same sources
            notes = [Problem(path, 0, "the index was built with this jieba dictionary, which is gone: rebuilt "
                                      "without it")
                     for path in use_user_dictionaries(manifest, rebuild)]
            current = word_lists_digest()
            if not rebuild and manifest.get("analyzer", {}).get("word_lists_digest", current) != current:
                # words were added to or changed in a word list: all text is segmented anew
                rebuild, reason = True, "the jieba word lists changed"
        paths = [str(p) for p in paths or ()]
        imports = list(imports)
        if not paths and not imports:
            if manifest:  # an index of another version too: it had been rebuilt from the samples
                paths = manifest.get("corpus_paths", [])
                imports = [ImportSpec.from_dict(item) for item in manifest.get("imports", [])]
            else:
                paths = [str(bundled_samples())]
        units, given_twice = _units(paths, imports)
        notes += given_twice
        unreadable = [unit for unit in units if unit.unreadable]
        units = [unit for unit in units if not unit.unreadable]
        if manifest is None or rebuild:
            summary = _full_build(index_dir, paths, imports, units, procs, memory_mb, on_progress, started)
            summary = replace(summary, rebuilt_because=reason)
            failed = [unit.unreadable for unit in unreadable]
        else:
            kept, failed = _kept_unreadable(manifest, unreadable)
            summary = _update(index_dir, manifest, paths, imports, units, procs, memory_mb, on_progress, started,
                              kept)
        return replace(summary, index_dir=str(named), problems=(*notes, *summary.problems),
                       warnings=summary.warnings + len(notes), failed=(*failed, *summary.failed),
                       skipped=summary.skipped + len(failed))


def _kept_unreadable(manifest: dict, unreadable: list[_Unit]) -> tuple[set[str], list[Problem]]:
    """The indexed files that an update keeps as they are because they, or a folder holding
    them, cannot be read now (a permission changed): had been deleted from the index, in
    silence for a folder. Returns them and the problems to report."""
    known = manifest.get("files", {})
    kept: set[str] = set()
    problems = []
    for unit in unreadable:
        inside = {key for key in known if key == unit.key or key.startswith(unit.key.rstrip("/") + "/")}
        kept |= inside
        problem = unit.unreadable
        if inside:
            source = "it" if inside == {unit.key} else f"its {len(inside)} file{'s' * (len(inside) > 1)}"
            problem = replace(problem, message=f"{problem.message}; what was indexed from {source} stays as it was")
        problems.append(problem)
    return kept, problems


def _documents(units: list[_Unit], on_progress, started, files: dict, counts: dict):
    """The documents of ``units``, read one file at a time; fills in ``files`` and ``counts``."""
    total = sum(unit.size for unit in units)
    done_bytes = 0
    for number, unit in enumerate(units, start=1):
        meetings = passages = 0
        failed: list[Problem] = []
        results = unit.read()
        bytes_read = getattr(results, "bytes_read", None) if on_progress else None
        for count, result in enumerate(results, start=1):
            if bytes_read is not None and not count % PROGRESS_ROWS:  # within a large file of rows
                on_progress(Progress(number - 1, len(units), done_bytes + min(bytes_read(), unit.size), total, started))
            counts["problems"].extend(result.problems)
            counts["warnings"] += sum(1 for p in result.problems if p.severity == "warning")
            if result.meeting is None:
                failed += (p for p in result.problems if p.severity == "error")
                continue
            documents = documents_of(result.meeting, unit.key)
            meetings += bool(documents)  # a meeting without a passage is not in the index: not counted
            for document in documents:
                yield document
                passages += 1
        counts["failed"] += failed
        files[unit.key] = {"hash": unit.digest, "meetings": meetings, "passages": passages}
        if failed:  # reported again by every update until the file changes (see _still_failed)
            files[unit.key]["failed"] = [[p.file, p.line, p.message] for p in failed[:KEPT_FAILURES]]
            files[unit.key]["failed_count"] = len(failed)
        done_bytes += unit.size
        if on_progress:
            on_progress(Progress(number, len(units), done_bytes, total, started))


def _new_counts() -> dict:
    """What reading and writing report: problems, and passages written and deleted."""
    return {"failed": [], "warnings": 0, "problems": [], "written": 0, "deleted": 0}


def _write(ix, units: list[_Unit], procs: int, memory_mb: int, on_progress, started, files: dict,
           deletions=(), indexed: dict | None = None) -> dict:
    """Analyse and write ``units`` as new segments, then commit them (and ``deletions``).

    ``indexed``: digest → numbers of the indexed passages of ``units``; a passage whose digest
    is there stays as it is, and the indexed passages no passage matched are deleted."""
    counts, indexed = _new_counts(), indexed or {}
    if units:  # load jieba once, before any worker is forked; not at all with nothing to read
        segmenter(whole=sum(unit.size for unit in units) > WHOLE_DICTIONARY_BYTES)
    documents = _not_indexed(_documents(units, on_progress, started, files, counts), indexed, counts)
    segments = build_segments(ix.storage, ix.indexname, ix.schema, documents, procs, memory_mb)
    stale = [docnum for docnums in indexed.values() for docnum in docnums]
    counts["deleted"] += len(stale)
    commit_segments(ix, segments, deletions, stale)
    return counts


def _not_indexed(documents, indexed: dict, counts: dict):
    """The documents whose passage is not in the index as it is; ``indexed`` keeps the rest."""
    for document in documents:
        docnums = indexed.get(document["digest"])
        if docnums:
            docnums.pop()
            continue
        counts["written"] += 1
        yield document


def _still_failed(known: dict, read_again: set[str]) -> tuple[list[Problem], int]:
    """What could not be read in the files an update does not read again (unchanged since):
    their rows or records are still missing from the index, so it is said again. Returns the
    problems kept (the first of each file's) and how many there were."""
    kept = [Problem(file, line, message, "error") for key, entry in known.items() if key not in read_again
            for file, line, message in entry.get("failed", ())]
    count = sum(entry.get("failed_count", len(entry.get("failed", ()))) for key, entry in known.items()
                if key not in read_again)
    return kept, count


def _unlisted_files(reader, known: dict) -> dict[str, int]:
    """File key → live passages, for the files in the index that ``known`` does not list."""
    keys = [key for key in reader.field_terms("file_key") if key not in known]
    found = {key: sum(1 for _ in reader.postings("file_key", key).all_ids()) for key in keys}
    return {key: count for key, count in found.items() if count}


def _indexed_digests(reader, file_keys: list[str]) -> dict[bytes, list[int]]:
    """digest → document numbers, for the passages of these files in the index."""
    found = defaultdict(list)
    digests = reader.column_reader("digest")
    for key in file_keys:
        if ("file_key", key) in reader:
            for docnum in reader.postings("file_key", key).all_ids():
                found[digests[docnum]].append(docnum)
    return found


def _full_build(index_dir, paths, imports, units, procs, memory_mb, on_progress, started) -> BuildSummary:
    staging = index_dir.parent / f".{index_dir.name}.building-{os.getpid()}"
    staging.mkdir(parents=True)
    files: dict = {}
    try:
        ix = whoosh_index.create_in(str(staging), make_schema())
        parallel = len(units) > 1 or sum(unit.size for unit in units) > PARALLEL_BYTES
        counts = _write(ix, units, procs if parallel else 1, memory_mb, on_progress, started, files)
        manifest = _new_manifest(paths, imports, files, time.perf_counter() - started)
        _write_manifest(staging, manifest)
        _swap_in(staging, index_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildSummary(
        index_dir=str(index_dir), mode="full", files=len(units), meetings=manifest["meetings"],
        passages=manifest["passages"], added=len(units), changed=0, removed=0, unchanged=0,
        passages_written=counts["written"], passages_deleted=0,
        failed=tuple(counts["failed"]), skipped=len(counts["failed"]), warnings=counts["warnings"],
        seconds=time.perf_counter() - started,
        problems=tuple(counts["problems"]),
    )


def _update(index_dir, manifest, paths, imports, units, procs, memory_mb, on_progress, started,
            kept: set[str] = frozenset()) -> BuildSummary:
    """``kept``: indexed files left as they are (see _kept_unreadable)."""
    known: dict = dict(manifest.get("files", {}))
    current = {unit.key for unit in units} | kept
    changed = [unit for unit in units if known.get(unit.key, {}).get("hash") != unit.digest]
    todo, reread_because = changed, ""
    if manifest.get("reader_version") != READER_VERSION:
        # the same files may yield other meetings now: all are read; unchanged passages stay
        todo, reread_because = units, "every file read again: huiyi reads records and rows differently since the last update"
    still_failed, still_skipped = _still_failed(known, {unit.key for unit in todo} | (known.keys() - current))
    added = sum(1 for unit in changed if unit.key not in known)
    removed = [key for key in known if key not in current]
    counts = _new_counts()
    ix, reader = open_checked(index_dir)
    try:
        try:  # what an update reads of the index: where it is damaged, said in one line
            # files with passages in the index that the manifest does not list: an update killed after
            # its commit, before it wrote the manifest. Their passages are matched like a changed
            # file's, or deleted if the file is gone, so they are never indexed twice.
            unlisted = _unlisted_files(reader, known)
            indexed = _indexed_digests(reader, [unit.key for unit in todo])
        except POSTINGS_DAMAGE as error:
            raise damaged(index_dir, error) from error
        finally:
            reader.close()
        strays = [key for key in unlisted if key not in current]
        if todo or removed or strays:
            deletions = [("file_key", key) for key in removed + strays]
            dropped = sum(known.pop(key).get("passages", 0) for key in removed) + sum(unlisted[key] for key in strays)
            todo_bytes = sum(unit.size for unit in todo)
            counts = _write(ix, todo, procs if len(todo) > 50 or todo_bytes > PARALLEL_BYTES else 1, memory_mb,
                            on_progress, started, known, deletions, indexed)
            counts["deleted"] += dropped
    finally:
        ix.close()
    elapsed = time.perf_counter() - started
    new_manifest = _new_manifest(paths, imports, known, manifest.get("build_seconds", elapsed))
    new_manifest["updated_at"] = new_manifest["built_at"]
    new_manifest["built_at"] = manifest.get("built_at", new_manifest["built_at"])
    new_manifest["update_seconds"] = round(elapsed, 3)
    _write_manifest(index_dir, new_manifest)
    return BuildSummary(
        index_dir=str(index_dir), mode="update", files=len(units), meetings=new_manifest["meetings"],
        passages=new_manifest["passages"], added=added, changed=len(changed) - added, removed=len(removed),
        unchanged=len(units) - len(changed), passages_written=counts["written"], passages_deleted=counts["deleted"],
        failed=(*still_failed, *counts["failed"]), skipped=still_skipped + len(counts["failed"]), warnings=counts["warnings"],
        seconds=elapsed, problems=tuple(counts["problems"]), reread_because=reread_because,
    )


def _swap_in(staging: Path, index_dir: Path) -> None:
    """Replace ``index_dir`` by the finished build with renames (each one atomic)."""
    if index_dir.exists() and not (index_dir / MANIFEST).exists() and any(index_dir.iterdir()):
        raise IndexNotFoundError(f"{index_dir} exists and is not a huiyi index; refusing to replace it")
    old = index_dir.parent / f".{index_dir.name}.old-{os.getpid()}"
    if index_dir.exists():
        os.replace(index_dir, old)
    os.replace(staging, index_dir)
    shutil.rmtree(old, ignore_errors=True)
