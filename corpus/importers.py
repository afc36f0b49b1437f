"""Importers: collections that are not in the record format (JSONL, CSV) as meetings.

Each row becomes a meeting; its text becomes one passage per paragraph. A mapping says which
column holds what: ``text=content,date=year,type=title,speaker=premier``.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import re
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from .dates import parse_date_range
from .errors import HuiyiError, SourceError, UsageError
from .inline import clean_paragraph
from .model import Meeting, ParseResult, Problem, Speech
from .parser import _Line, paragraphs_of
from .sources import (
    LEGACY_SAMPLE_BYTES,
    NOT_TEXT,
    TEXT_BOMS,
    decode,
    decodes,
    likelier_legacy,
    path_text,
    reason,
    text_encoding,
)
from .text import count_han, quoted

TARGETS = ("text", "id", "date", "type", "place", "speaker", "title", "attendance")
# A whole report in one cell: Python's csv stops at 131,072 characters a field by default, and
# the rest of the file was lost (2**31 - 1: the largest a C long holds on every platform).
csv.field_size_limit(2**31 - 1)
FORMATS = ("jsonl", "csv", "txt")
KINDS = ("speech", "decision", "remark")


class ImportError_(UsageError):
    """A mapping or import file that cannot be used; exit code 2 like other usage errors."""


def check_encoding(name: str) -> str:
    """``--encoding``: a name Python knows for a text encoding, as its codec names it."""
    try:
        "".encode(name)  # LookupError for a name Python does not know, or a codec not for text
    except LookupError:
        raise ImportError_(f"--encoding: not a text encoding Python knows: {name!r} (e.g. utf-8, gb18030, "
                           "big5, cp950, utf-16)") from None
    return codecs.lookup(name).name


def parse_mapping(spec: str, fmt: str = "jsonl") -> dict[str, str]:
    """``text=content,date=year`` → ``{"text": "content", "date": "year"}``.

    ``text`` is required, except for plain-text files, whose text is the file's content."""
    mapping: dict[str, str] = {}
    for part in filter(None, (piece.strip() for piece in spec.split(","))):
        target, equals, column = part.partition("=")
        target, column = target.strip().lower(), column.strip()
        if not equals or not column:
            raise ImportError_(f"--map: {part!r} is not target=column")
        if target not in TARGETS:
            raise ImportError_(f"--map: unknown target {target!r}: use {', '.join(TARGETS)}")
        if target in mapping:
            raise ImportError_(f"--map: {target} is mapped twice ({mapping[target]!r} and {column!r})")
        mapping[target] = column
    if fmt == "txt":
        mapping.setdefault("text", "text")
    if "text" not in mapping:
        raise ImportError_("--map needs text=COLUMN: the column that holds the text to search")
    return mapping


def compile_pattern(pattern: str) -> re.Pattern:
    """``{speaker}_{session}_{date}.txt`` → a regex with one named group per ``{name}``."""
    parts = re.split(r"\{([A-Za-z_]\w*)\}", pattern)
    if any("{" in part or "}" in part for part in parts[::2]):
        raise ImportError_(f"--pattern {pattern!r}: a brace that is not part of a {{name}} field")
    regex = "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)" for index, part in enumerate(parts))
    try:
        return re.compile(regex)
    except re.error as error:
        raise ImportError_(f"--pattern {pattern!r}: {error}") from None


def text_file_row(record_file, pattern: str | None, encoding: str | None = None) -> dict:
    """The columns of a plain-text file: ``text``, ``file`` and the ``--pattern`` fields of its
    name. ``encoding``: the file's, as the user says (else told from its bytes)."""
    data = record_file.path.read_bytes()
    warning = None
    if not encoding:
        text = decode(data)[0]
    elif b"\x00" in data and not encoding.startswith(("utf-16", "utf-32")):
        raise SourceError(NOT_TEXT)
    elif decodes(data, encoding):
        text = data.decode(encoding)
    else:
        text, warning = data.decode(encoding, errors="replace"), _replaced(encoding)
    row = {"text": text, "file": record_file.meeting_id}
    if warning:
        row["__warning__"] = warning
    if pattern:
        match = compile_pattern(pattern).fullmatch(record_file.path.name)
        if match is None:
            raise ImportError_(f"{record_file.path}: the name does not match --pattern {pattern!r}")
        row.update(match.groupdict())
    return row


def check_text_columns(record_files: list, pattern: str | None, mapping: dict[str, str],
                       encoding: str | None = None) -> None:
    """Fail early when ``--pattern`` matches no file name, or names no field ``--map`` uses (as
    the first readable file it matches tells); a file it does not match, or that cannot be
    read, is skipped and reported when read."""
    if pattern:
        regex = compile_pattern(pattern)
        record_files = [record_file for record_file in record_files if regex.fullmatch(record_file.path.name)]
        if not record_files:
            raise ImportError_(f"--pattern {pattern!r} matches no file name")
    for record_file in record_files:
        try:
            row = text_file_row(record_file, pattern, encoding)
        except (OSError, SourceError):
            continue
        missing = [column for column in mapping.values() if column not in row]
        if missing:
            fields = ", ".join(field for field in row if field != "__warning__")
            raise ImportError_(f"{record_file.path}: no field {missing[0]!r} (fields: {fields}; "
                               "name them with --pattern)")
        return
    raise ImportFileError(f"{record_files[0].path}: no file of this folder can be read as text")


def import_text_file(record_file, pattern: str | None, mapping: dict[str, str], kind: str = "speech",
                     encoding: str | None = None) -> ParseResult:
    """One plain-text file as one meeting; its id is its path under the folder, as for records."""
    source = record_file.display
    try:
        row = text_file_row(record_file, pattern, encoding)
    except (OSError, HuiyiError) as error:
        return ParseResult(source, None, (Problem(source, 1, str(error), "error"),))
    return _meeting_of_row(source, 1, row, mapping, kind, meeting_id=record_file.meeting_id)


def _replaced(encoding: str, told: bool = True) -> str:
    """The warning on a row whose bytes were not all ``encoding`` text; ``told``: the user
    gave the encoding (else it was told from the text, and may be wrong)."""
    hint = "" if told else "; if the file is in another encoding, give it with --encoding"
    return f"bytes that are not {encoding} text, replaced by \ufffd{hint}"


class ImportFileError(HuiyiError):
    """An import file that cannot be read (not gzip, cut short, not text): exit code 1."""


_HEAD_BYTES = 1 << 13  # the start of a UTF-8 file, which tells its encoding (as much as a text file reads at once)
_READ_ERRORS = (OSError, EOFError, zlib.error)  # a file that is not gzip, cut short or damaged


@dataclass
class _Decoding:
    """How a file of rows is read as text: its encoding, and whether it is read as a stream
    (UTF-16, whose line break is two bytes, or lines ended by a lone CR) rather than a line at
    a time."""

    encoding: str
    stream: bool
    guessed: bool = False  # from the whole file's text, its start not settling it


def _open_rows(path: Path, encoding: str | None = None) -> tuple[io.BufferedIOBase, _Decoding]:
    """The file (gunzipped if ``.gz``) as bytes, and how to decode it: in ``encoding`` if the
    user says, else as it tells (UTF-8 as a rule; CSV saved by spreadsheets on Chinese systems
    is often GB18030, on Windows UTF-16)."""
    raw, guessed = None, False
    try:
        raw = _open_bytes(path)
        head, whole = _read_head(raw, _HEAD_BYTES)
        raw.seek(0)
        lone_cr = b"\r" in head and b"\n" not in head
        if encoding:  # as given; but a BOM is not text (Excel's "CSV UTF-8" has one)
            bom, with_bom = _BOM_OF.get(encoding, (None, encoding))
            if bom and head.startswith(bom):
                encoding = with_bom
        elif head.startswith(TEXT_BOMS) or b"\x00" in head:
            encoding = text_encoding(head, whole=whole)
        elif decodes(head, "utf-8", whole) and (whole or _beyond_ascii(head) >= _SURELY_UTF8):
            encoding = "utf-8"
        else:  # too little to tell from, or not UTF-8: the whole file decides
            encoding = _file_encoding(path, lone_cr)
            guessed = encoding != "utf-8"
    except (*_READ_ERRORS, SourceError) as error:
        if raw is not None:
            raw.close()
        raise ImportFileError(f"{path}: {reason(error)}") from None
    stream = encoding.startswith(("utf-16", "utf-32")) or lone_cr
    return raw, _Decoding(encoding, stream, guessed)


# an encoding given, its byte order mark, and the codec that reads a file starting with it
_BOM_OF = {"utf-8": (codecs.BOM_UTF8, "utf-8-sig"), "utf-16-le": (codecs.BOM_UTF16_LE, "utf-16"),
           "utf-16-be": (codecs.BOM_UTF16_BE, "utf-16"), "utf-32-le": (codecs.BOM_UTF32_LE, "utf-32"),
           "utf-32-be": (codecs.BOM_UTF32_BE, "utf-32")}


def _open_bytes(path: Path) -> io.BufferedIOBase:
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


_SURELY_UTF8 = 32  # characters beyond ASCII, all valid UTF-8, that make a file's start settle it


def _beyond_ascii(data: bytes) -> int:
    text = data.decode("utf-8", errors="ignore")
    return len(text) - len(text.encode("ascii", errors="ignore"))


def _file_encoding(path: Path, lone_cr: bool) -> str:
    """The encoding of a file of rows whose start does not settle it, from all its lines beyond
    ASCII (read once per file as it is): UTF-8 unless more of them look like GB18030 or Big5
    than are UTF-8; then whichever of those two the fewest of them fail in."""
    found = os.stat(path)
    return _scanned_encoding(path, lone_cr, found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino)


@lru_cache(maxsize=256)
def _scanned_encoding(path: Path, lone_cr: bool, *_file_as_it_is) -> str:
    utf8 = 0  # lines beyond ASCII in valid UTF-8
    legacy: list[bytes] = []  # lines that look GB18030 or Big5, the first 64 KB of them
    legacy_lines = legacy_bytes = 0
    with _open_bytes(path) as raw:
        try:
            for line in _byte_lines(raw, b"\r" if lone_cr else b"\n"):
                if line.isascii():
                    continue
                if decodes(line, "utf-8"):
                    utf8 += 1
                elif _looks_legacy(line):
                    legacy_lines += 1
                    if legacy_bytes < LEGACY_SAMPLE_BYTES:
                        legacy.append(line)
                        legacy_bytes += len(line)
                # else: stray bytes among ASCII or UTF-8 (a Windows quote, a Latin-1 letter): that line is marked
        except _READ_ERRORS:  # damaged further on: the lines before decide (reading says the rest)
            pass
    if legacy_lines <= utf8:
        return "utf-8"
    return _fewest_failures(legacy)


# Four bytes from A1 to FE in a row: two common Chinese characters in GB18030 or Big5 (GB2312's
# are all such bytes; Big5's first bytes are, and most second ones). Windows-1252 or Latin-1 text
# in English or a European language has a quote, a dash (bytes 80 to 9F), a no-break space (A0)
# or an accented letter, one or two, between letters ("…”—“", "« … »", "ção", "Müller").
_CHINESE_RUN = re.compile(rb"[\xa1-\xfe]{4}")


def _looks_legacy(line: bytes) -> bool:
    """Whether a line that is not UTF-8 looks like Chinese in GB18030 or Big5, whatever ASCII
    is around it (JSON keys, dates, addresses), and is not UTF-8 Chinese with a stray byte."""
    return _CHINESE_RUN.search(line) is not None and _utf8_chinese(line) is None


def _utf8_chinese(line: bytes) -> str | None:
    """The line as UTF-8, if it is Chinese in UTF-8 but for a stray byte or a character cut in
    two (a Windows quote pasted in, a cell cut at a byte limit): two Han characters at least,
    and fewer bad sequences than Han characters. GB18030 or Big5 read as UTF-8 is nearly all
    bad sequences."""
    text = line.decode("utf-8", errors="replace")
    han = count_han(text)
    return text if han >= 2 and text.count("\ufffd") < han else None


def _fewest_failures(lines: list[bytes]) -> str:
    """GB18030 or Big5 (as Windows has it, cp950: Taiwan's files use its extra characters): the
    one in which the fewest of ``lines`` fail to decode; if alike, the likelier of the two for
    the lines both read (``corpus.sources.likelier_legacy``)."""
    failures = {encoding: sum(not decodes(line, encoding) for line in lines) for encoding in _LEGACY_CANDIDATES}
    fewest = [encoding for encoding in _LEGACY_CANDIDATES if failures[encoding] == min(failures.values())]
    if len(fewest) == 1:
        return fewest[0]
    return likelier_legacy([line for line in lines if decodes(line, "big5")], fewest)


_LEGACY_CANDIDATES = ("gb18030", "cp950")  # in order of preference


def _byte_lines(raw: io.BufferedIOBase, separator: bytes) -> Iterator[bytes]:
    """The file's lines, each with its end (``separator``)."""
    if separator == b"\n":
        yield from raw
        return
    pending: list[bytes] = []  # a line's pieces so far (a long line is not copied again and again)
    while chunk := raw.read(1 << 16):
        *lines, rest = chunk.split(separator)
        for line in lines:
            yield b"".join((*pending, line, separator))
            pending = []
        if rest:
            pending.append(rest)
    if pending:
        yield b"".join(pending)


def _read_head(raw: io.BufferedIOBase, size: int) -> tuple[bytes, bool]:
    """The first ``size`` bytes of the file, and whether that is all of it. A file damaged early
    gives what comes before the damage (reading the rows meets it again and says so); one
    damaged at its very start raises."""
    parts: list[bytes] = []
    got = 0
    while got < size:
        try:
            part = raw.read1(min(4096, size - got))  # what is there: a gzip file's text before its damage
        except _READ_ERRORS:
            if got:
                return b"".join(parts), False
            raise
        if not part:
            return b"".join(parts), True
        parts.append(part)
        got += len(part)
    return b"".join(parts), False


def _lines(raw: io.BufferedIOBase, decoding: _Decoding, replaced: list[int]) -> Iterator[str]:
    """The file's lines as text, each decoded alone: a line with bytes that are not in the
    file's encoding has them replaced (its number goes to ``replaced``) and costs no other
    line."""
    if decoding.stream:
        text = io.TextIOWrapper(raw, encoding=decoding.encoding, errors="replace", newline="")
        for number, line in enumerate(text, start=1):
            if "\ufffd" in line:
                replaced.append(number)
            yield line
        return
    encoding = decoding.encoding
    legacy = encoding in _LEGACY_CANDIDATES
    for number, line in enumerate(raw, start=1):
        if legacy and not line.isascii():  # a file of both: this line may be (nearly) UTF-8 Chinese
            text = _utf8_chinese(line)
            if text is not None:
                if "\ufffd" in text and not decodes(line, "utf-8"):
                    replaced.append(number)
                yield text
                continue
        try:
            yield line.decode(encoding)
        except UnicodeDecodeError:
            replaced.append(number)
            yield line.decode(encoding, errors="replace")


def _rows(path: Path, fmt: str, opened: Callable[[io.BufferedIOBase], None] | None = None,
          encoding: str | None = None, mapped: Collection[str] = ()) -> Iterator[tuple[int, dict]]:
    """(line number, row) for each row; a row that cannot be read is ``{"__error__": why}``, a
    row with bytes not in the file's encoding has a ``"__warning__"``, a remark on the file as a
    whole is ``{"__note__": remark}``, and a file that cannot be read further ends with an error
    row. ``opened`` is given the open file; ``mapped``: the columns an import reads (a CSV header
    that names one of them twice is remarked on)."""
    raw, decoding = _open_rows(path, encoding)
    replaced: list[int] = []
    warning = _replaced(decoding.encoding, told=encoding is not None)
    number = 0  # the last line read
    with raw:
        if opened is not None:
            opened(raw)
        if decoding.guessed:  # said once, at the top: a wrong guess reads every Chinese line wrong
            yield 0, {"__note__": f"read as {decoding.encoding}, as its text suggests; if that is wrong, "
                                  "give the encoding with --encoding"}
        lines = _lines(raw, decoding, replaced)
        try:
            if fmt == "csv":
                tally = CsvLines(lines)
                reader = csv.DictReader(tally)
                if reader.fieldnames:
                    reader.fieldnames, note = _distinct_column_names(reader.fieldnames, mapped)
                    if note:
                        yield reader.line_num, {"__note__": note}
                number = tally.end_row()[1]
                held = None  # the row before: the last row is checked for a quote left open
                for row in reader:
                    if held is not None:
                        yield held
                    first, number, row_lines = tally.end_row()
                    if replaced and replaced[-1] >= first:
                        row["__warning__"] = warning
                    held = first, row
                if held is not None:
                    first = held[0]
                    if number > first and ends_inside_quotes(row_lines):
                        held = first, {"__error__": f"{unclosed_quote(first, number)}; not indexed"}
                    yield held
                return
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError as error:
                    yield number, {"__error__": f"not JSON ({error})"}
                    continue
                if not isinstance(row, dict):
                    yield number, {"__error__": "not a JSON object"}
                    continue
                if replaced and replaced[-1] == number:
                    row["__warning__"] = warning
                yield number, row
        except (*_READ_ERRORS, csv.Error, UnicodeError) as error:  # UnicodeError: UTF-16 given, no BOM
            yield number + 1, {"__error__": f"{_CANNOT_READ_ON}: {reason(error)}"}


_CANNOT_READ_ON = "cannot read the rest of the file"
_UNREADABLE_ROWS = 100  # a file whose first so many rows cannot be read is not read on


class CsvLines:
    """The lines of a CSV file for ``csv.reader``, noting as it reads them where each row starts
    (csv passes over blank lines between rows, so a row's line is its first one that is not
    blank) and the row's lines, so that a last row can be checked for a quoted cell the end of
    the file cut (csv reads on to the end, silently: an unclosed quote made the rest of a file
    one row)."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines, self._number, self._first, self._row = lines, 0, 0, []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self._number += 1
        if not self._first and line.strip():
            self._first = self._number
        self._row.append(line)
        return line

    def end_row(self) -> tuple[int, int, list[str]]:
        """The row just read (or the header): its first line that is not blank, its last line,
        and the lines read since the row before ended."""
        row = (self._first or self._number, self._number, self._row)
        self._first, self._row = 0, []
        return row


def ends_inside_quotes(lines: list[str]) -> bool:
    """Whether the lines of a last row end inside a quoted cell: an odd number of quote marks
    (a cheap first test), then csv's strict reading says so (a literal mark in an unquoted cell,
    as in 12" ruler, makes the count odd too)."""
    if sum(line.count('"') for line in lines) % 2 == 0:
        return False
    try:
        for _ in csv.reader(lines, strict=True):
            pass
    except csv.Error as error:
        return "unexpected end of data" in str(error)
    return False


def unclosed_quote(first: int, last: int) -> str:
    """What happened when the last row of a CSV file, lines ``first`` to ``last``, ended inside a
    quoted cell (csv reads on to the end of the file, silently)."""
    return (f"the quote mark opened on line {first} is never closed, so lines {first}-{last} (the rest of the file) "
            'read as one row (close it, or write a quote mark inside a quoted cell as "")')


def _distinct_column_names(names: list[str], mapped: Collection[str]) -> tuple[list[str], str]:
    """A header's names with each repeated one numbered as pandas numbers it (``text``, then
    ``text.1``), so that ``--map`` can name either column; and a remark when a mapped one repeats
    (csv alone would read the last column of a name, silently)."""
    taken, seen = set(names), set()
    distinct, repeated = [], {}
    for column, name in enumerate(names, start=1):
        if name in seen and name:
            repeated.setdefault(name, [names.index(name) + 1]).append(column)
            suffix = 1
            while f"{name}.{suffix}" in taken:
                suffix += 1
            name = f"{name}.{suffix}"
            taken.add(name)
        seen.add(name)
        distinct.append(name)
    remarks = []
    for name, columns in repeated.items():
        if name in mapped:
            others = ", ".join(repr(distinct[column - 1]) for column in columns[1:])
            remarks.append(f"{len(columns)} columns are named {name!r} (columns {', '.join(map(str, columns))}): "
                           f"{name!r} reads the first, {others} the next")
    return distinct, "; ".join(remarks)


def check_columns(path: Path, fmt: str, mapping: dict[str, str], encoding: str | None = None) -> None:
    """Fail early, naming the column, when the first row that can be read lacks a mapped column
    (rows before it are skipped and named when the file is read)."""
    first_error, errors = None, 0
    for number, row in _rows(path, fmt, encoding=encoding, mapped=set(mapping.values())):
        if "__note__" in row:
            continue
        if "__error__" in row:
            first_error, errors = first_error or f"{path}:{number}: {row['__error__']}", errors + 1
            if row["__error__"].startswith(_CANNOT_READ_ON):
                raise ImportFileError(f"{path}:{number}: {row['__error__']}")
            if errors >= _UNREADABLE_ROWS:  # not rows of this format at all (a CSV given as JSONL)
                raise ImportFileError(f"{first_error}, and the {errors - 1} lines after it")
            continue
        missing = [column for column in mapping.values() if column not in row]
        if missing:
            columns = ", ".join(str(column) for column in row if column != "__warning__")
            raise ImportError_(f"{path}:{number}: no column {missing[0]!r} (columns: {columns})")
        return
    raise ImportFileError(first_error or f"{path}: no rows")


def import_rows(path: str | Path, fmt: str, mapping: dict[str, str], kind: str = "speech",
                namespace: str | None = None, encoding: str | None = None) -> RowImport:
    """A ParseResult per row (iterate once); a row with a bad date keeps its text and gets a
    warning.

    A row's meeting id is ``namespace/id`` (the ``id`` column, else the line number);
    ``namespace`` defaults to the file's name without suffixes. A row whose id an earlier row
    has gets ``id@line`` and a warning: two rows are never merged into one meeting."""
    return RowImport(Path(path), fmt, mapping, kind, namespace, encoding)


def rows_namespace(path: Path) -> str:
    """The first part of the meeting ids of a file of rows: its name without suffixes."""
    return path_text(path.name.split(".")[0])


class RowImport:
    """The rows of a file as meetings, and how much of the file is read (progress within one
    large file: a year of news is one file)."""

    def __init__(self, path: Path, fmt: str, mapping: dict[str, str], kind: str, namespace: str | None,
                 encoding: str | None = None) -> None:
        self.path, self.fmt, self.mapping, self.kind, self.encoding = path, fmt, mapping, kind, encoding
        self.namespace = namespace or rows_namespace(path)
        self._handle: io.BufferedIOBase | None = None

    def __iter__(self) -> Iterator[ParseResult]:
        return self._results()

    def bytes_read(self) -> int:
        """Bytes of the file (as stored: compressed, for ``.gz``) read so far; 0 when not open."""
        handle = self._handle
        if handle is None or handle.closed:
            return 0
        stored = getattr(handle, "fileobj", handle)  # a gzip file: the file it reads
        try:
            return stored.tell()
        except (OSError, ValueError):
            return 0

    def _opened(self, handle: io.BufferedIOBase) -> None:
        self._handle = handle

    def _results(self) -> Iterator[ParseResult]:
        path, fmt, mapping, kind = self.path, self.fmt, self.mapping, self.kind
        if fmt not in FORMATS:
            raise ImportError_(f"unknown import format {fmt!r}: use {', '.join(FORMATS)}")
        if kind not in KINDS:
            raise ImportError_(f"unknown kind {kind!r}: use {', '.join(KINDS)}")
        check_columns(path, fmt, mapping, self.encoding)
        source = path_text(path)
        first_line: dict[str, int] = {}
        for number, row in _rows(path, fmt, self._opened, self.encoding, set(mapping.values())):
            if "__note__" in row:
                yield ParseResult(source, None, (Problem(source, number, row["__note__"]),))
                continue
            if "__error__" in row:
                yield ParseResult(source, None, (Problem(source, number, row["__error__"], "error"),))
                continue
            meeting_id = f"{self.namespace}/{_value(row, mapping, 'id') or number}"
            result = _meeting_of_row(source, number, row, mapping, kind, meeting_id)
            if result.meeting is not None and meeting_id in first_line:
                renamed = f"{meeting_id}@{number}"
                note = Problem(source, number, f"the id of line {first_line[meeting_id]}'s row again: this row is "
                                               f"{renamed}")
                result = ParseResult(source, replace(result.meeting, id=renamed), (*result.problems, note))
            elif result.meeting is not None:
                first_line[meeting_id] = number
            yield result


def _value(row: dict, mapping: dict[str, str], target: str) -> str:
    column = mapping.get(target)
    value = row.get(column) if column else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 1955.0: pandas writes a year column with gaps as floats
    return "" if value is None else str(value).strip()


def _meeting_of_row(source: str, number: int, row: dict, mapping: dict[str, str], kind: str,
                    meeting_id: str) -> ParseResult:
    """One row as a meeting; ``source``: its file, as problems name it (made once per file)."""
    problems: list[Problem] = []
    if "__warning__" in row:
        problems.append(Problem(source, number, row.pop("__warning__")))
    date_text = _value(row, mapping, "date")
    dates = parse_date_range(date_text) if date_text else None
    if date_text and dates is None:
        problems.append(Problem(source, number, f"cannot read the date {quoted(date_text)}; the meeting has no date"))
    text = _value(row, mapping, "text").replace("**", "").replace("\r\n", "\n")
    if "\n\n" not in text.strip():
        text = text.replace("\n", "\n\n")  # no blank lines at all: every line is a paragraph
    lines = [_Line(number, line) for line in text.split("\n")]
    paragraphs = tuple(clean_paragraph(raw, number)[0] for raw, _ in paragraphs_of(lines))
    if not any(paragraph.text for paragraph in paragraphs):
        column = mapping["text"]
        return ParseResult(source, None, (*problems, Problem(source, number, f"nothing to index: no text in {column!r}; skipped")))
    speaker = _value(row, mapping, "speaker")
    title = _value(row, mapping, "title")
    attendance = tuple(name.strip() for name in _value(row, mapping, "attendance").split(",") if name.strip())
    fields = {"decisions": (), "remarks": (), "speeches": ()}
    if kind == "speech":
        fields["speeches"] = (Speech(speaker=speaker, line=number, heading=title, title=title, paragraphs=paragraphs),)
    else:
        fields["decisions" if kind == "decision" else "remarks"] = paragraphs
    meeting = Meeting(
        id=meeting_id,
        source=source,
        dates=dates,
        type=_value(row, mapping, "type"),
        place=_value(row, mapping, "place"),
        attendance=attendance,
        problems=tuple(problems),
        **fields,
    )
    return ParseResult(source, meeting, tuple(problems))
