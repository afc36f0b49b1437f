"""Importers: collections that are not in the record format (JSONL, CSV) as meetings.

Each row becomes a meeting; its text becomes one passage per paragraph. A mapping says which
column holds what: ``text=content,date=year,type=title,speaker=premier``.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

from .dates import parse_date_range
from .errors import HuiyiError, UsageError
from .model import Meeting, ParseResult, Problem, Speech
from .inline import clean_paragraph
from .parser import _Line, paragraphs_of

TARGETS = ("text", "id", "date", "type", "place", "speaker", "title", "attendance")
FORMATS = ("jsonl", "csv", "txt")
KINDS = ("speech", "decision", "remark")


class ImportError_(UsageError):
    """A mapping or import file that cannot be used; exit code 2 like other usage errors."""


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
        mapping[target] = column
    if fmt == "txt":
        mapping.setdefault("text", "text")
    if "text" not in mapping:
        raise ImportError_("--map needs text=COLUMN: the column that holds the text to search")
    return mapping


def compile_pattern(pattern: str) -> re.Pattern:
    """``{speaker}_{session}_{date}.txt`` → a regex with one named group per ``{name}``."""
    parts = re.split(r"\{([A-Za-z_]\w*)\}", pattern)
    regex = "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)" for index, part in enumerate(parts))
    try:
        return re.compile(regex)
    except re.error as error:
        raise ImportError_(f"--pattern {pattern!r}: {error}") from None


def text_file_row(record_file, pattern: str | None) -> dict:
    """The columns of a plain-text file: ``text``, ``file`` and the ``--pattern`` fields of its name."""
    from .sources import decode

    text, _ = decode(record_file.path.read_bytes())
    row = {"text": text, "file": record_file.meeting_id}
    if pattern:
        match = compile_pattern(pattern).fullmatch(record_file.path.name)
        if match is None:
            raise ImportError_(f"{record_file.path}: the name does not match --pattern {pattern!r}")
        row.update(match.groupdict())
    return row


def check_text_columns(record_file, pattern: str | None, mapping: dict[str, str]) -> None:
    row = text_file_row(record_file, pattern)
    missing = [column for column in mapping.values() if column not in row]
    if missing:
        raise ImportError_(f"{record_file.path}: no field {missing[0]!r} (fields: {', '.join(row)}; "
                           "name them with --pattern)")


def import_text_file(record_file, pattern: str | None, mapping: dict[str, str], kind: str = "speech") -> ParseResult:
    """One plain-text file as one meeting; its id is its path under the folder, as for records."""
    source = str(record_file.path)
    try:
        row = text_file_row(record_file, pattern)
    except (OSError, HuiyiError) as error:
        return ParseResult(source, None, (Problem(source, 1, str(error), "error"),))
    return _meeting_of_row(record_file.path, 1, row, mapping, kind, meeting_id=record_file.meeting_id)


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig")
    return open(path, encoding="utf-8-sig", newline="")


def _rows(path: Path, fmt: str) -> Iterator[tuple[int, dict]]:
    with _open_text(path) as handle:
        if fmt == "csv":
            reader = csv.DictReader(handle)
            for number, row in enumerate(reader, start=2):
                yield number, row
            return
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as error:
                yield number, {"__error__": f"not JSON ({error})"}
                continue
            yield number, row if isinstance(row, dict) else {"__error__": "not a JSON object"}


def check_columns(path: Path, fmt: str, mapping: dict[str, str]) -> None:
    """Fail early, naming the column, when the first row lacks a mapped column."""
    for number, row in _rows(path, fmt):
        if "__error__" in row:
            raise ImportError_(f"{path}:{number}: {row['__error__']}")
        missing = [column for column in mapping.values() if column not in row]
        if missing:
            raise ImportError_(
                f"{path}:{number}: no column {missing[0]!r} (columns: {', '.join(map(str, row))})"
            )
        return
    raise ImportError_(f"{path}: no rows")


def import_rows(path: str | Path, fmt: str, mapping: dict[str, str], kind: str = "speech") -> Iterator[ParseResult]:
    """A ParseResult per row; a row with a bad date keeps its text and gets a warning."""
    path = Path(path)
    if fmt not in FORMATS:
        raise ImportError_(f"unknown import format {fmt!r}: use {', '.join(FORMATS)}")
    if kind not in KINDS:
        raise ImportError_(f"unknown kind {kind!r}: use {', '.join(KINDS)}")
    check_columns(path, fmt, mapping)
    source = str(path)
    for number, row in _rows(path, fmt):
        if "__error__" in row:
            yield ParseResult(source, None, (Problem(source, number, row["__error__"], "error"),))
            continue
        yield _meeting_of_row(path, number, row, mapping, kind)


def _value(row: dict, mapping: dict[str, str], target: str) -> str:
    column = mapping.get(target)
    value = row.get(column) if column else None
    return "" if value is None else str(value).strip()


def _meeting_of_row(path: Path, number: int, row: dict, mapping: dict[str, str], kind: str,
                    meeting_id: str | None = None) -> ParseResult:
    source = f"{path}"
    problems: list[Problem] = []
    date_text = _value(row, mapping, "date")
    dates = parse_date_range(date_text) if date_text else None
    if date_text and dates is None:
        problems.append(Problem(source, number, f"cannot read the date {date_text!r}; the meeting has no date"))
    text = _value(row, mapping, "text").replace("**", "").replace("\r\n", "\n")
    if "\n\n" not in text.strip():
        text = text.replace("\n", "\n\n")  # no blank lines at all: every line is a paragraph
    lines = [_Line(number, line) for line in text.split("\n")]
    paragraphs = tuple(clean_paragraph(raw, number)[0] for raw, _ in paragraphs_of(lines))
    row_id = _value(row, mapping, "id") or str(number)
    speaker = _value(row, mapping, "speaker")
    title = _value(row, mapping, "title")
    attendance = tuple(name.strip() for name in _value(row, mapping, "attendance").split(",") if name.strip())
    fields = {"decisions": (), "remarks": (), "speeches": ()}
    if kind == "speech":
        fields["speeches"] = (Speech(speaker=speaker, line=number, heading=title, title=title, paragraphs=paragraphs),)
    else:
        fields["decisions" if kind == "decision" else "remarks"] = paragraphs
    meeting = Meeting(
        id=meeting_id or f"{path.name.split('.')[0]}/{row_id}",
        source=source,
        dates=dates,
        type=_value(row, mapping, "type"),
        place=_value(row, mapping, "place"),
        attendance=attendance,
        problems=tuple(problems),
        **fields,
    )
    return ParseResult(source, meeting, tuple(problems))
