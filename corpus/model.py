"""The parsed form of a meeting record.

Plain frozen dataclasses with no I/O, so that the parser, the indexer, the JSON output and
the tests all speak of the same facts. Offsets are character offsets into a paragraph's
cleaned ``text`` (markup removed), which is also what gets indexed and shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Precision = Literal["day", "month", "year"]


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date of which only some parts may be known; a missing part is never invented."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if self.day is not None and self.month is None:
            raise ValueError("a day without a month")

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(name for name, value in (("month", self.month), ("day", self.day)) if value is None)

    def iso(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text

    def to_dict(self) -> dict:
        return {"iso": self.iso(), "precision": self.precision, "missing": list(self.missing)}


@dataclass(frozen=True)
class DateRange:
    """A meeting's dates as written: one date (``end`` is ``None``) or both ends of a range."""

    start: PartialDate
    end: PartialDate | None = None
    text: str = ""

    @property
    def last(self) -> PartialDate:
        return self.end or self.start

    def to_dict(self) -> dict:
        return {
            "start": self.start.to_dict(),
            "end": self.end.to_dict() if self.end else None,
            "text": self.text,
        }


@dataclass(frozen=True)
class Span:
    """A half-open range ``[start, end)`` of characters in a paragraph's text."""

    start: int
    end: int


@dataclass(frozen=True)
class Quotation:
    """A direct quotation: the speaker's own words.

    ``start``/``end`` cover the text between the quotation marks; ``parts`` are the pieces of
    that range that are not editorial insertions, so ``text`` is only what the speaker said.
    """

    start: int
    end: int
    parts: tuple[Span, ...]
    text: str
    closed: bool = True


@dataclass(frozen=True)
class FootnoteMark:
    """A ``<sup>N</sup>`` footnote marker, removed from the text; ``offset`` is where it stood."""

    number: str
    offset: int


@dataclass(frozen=True)
class CrossReference:
    """A link such as ``[02-04-1954](#)`` to another meeting, by that meeting's start date."""

    text: str
    target: str
    date: PartialDate | None
    span: Span


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a field, cleaned of markup, with what the markup told us."""

    text: str
    line: int
    quotations: tuple[Quotation, ...] = ()
    footnotes: tuple[FootnoteMark, ...] = ()
    insertions: tuple[Span, ...] = ()
    references: tuple[CrossReference, ...] = ()


@dataclass(frozen=True)
class Speech:
    speaker: str
    line: int
    heading: str = ""
    date: PartialDate | None = None
    title: str = ""
    paragraphs: tuple[Paragraph, ...] = ()


@dataclass(frozen=True)
class ExtraField:
    """A field whose label huiyi does not know: kept, never dropped."""

    label: str
    line: int
    paragraphs: tuple[Paragraph, ...] = ()


Severity = Literal["info", "warning", "error"]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str
    severity: Severity = "warning"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line > 0 else self.file  # 0: the file as a whole
        return f"{where}: {self.severity}: {self.message}"


@dataclass(frozen=True)
class Meeting:
    id: str
    source: str
    encoding: str = "utf-8"
    dates: DateRange | None = None
    type: str = ""
    place: str = ""
    attendance: tuple[str, ...] = ()
    agenda: tuple[Paragraph, ...] = ()
    speeches: tuple[Speech, ...] = ()
    decisions: tuple[Paragraph, ...] = ()
    remarks: tuple[Paragraph, ...] = ()
    extra_fields: tuple[ExtraField, ...] = ()
    problems: tuple[Problem, ...] = field(default=(), compare=False)

    @property
    def references(self) -> tuple[CrossReference, ...]:
        return tuple(ref for paragraph in self.all_paragraphs() for ref in paragraph.references)

    @property
    def start(self) -> PartialDate | None:
        return self.dates.start if self.dates else None

    @property
    def end(self) -> PartialDate | None:
        return self.dates.last if self.dates else None

    def all_paragraphs(self):
        yield from self.agenda
        for speech in self.speeches:
            yield from speech.paragraphs
        yield from self.decisions
        yield from self.remarks
        for extra in self.extra_fields:
            yield from extra.paragraphs


@dataclass(frozen=True)
class ParseResult:
    """What reading one file gave: a meeting, or only problems when it was not a record."""

    source: str
    meeting: Meeting | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.meeting is not None
