"""The meeting-record parser (see ``../shared/FORMAT.md``).

It never raises on bad input: whatever cannot be read becomes a :class:`Problem` with a file
and line, and a file that is not a record at all yields no meeting and an error.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from .dates import parse_date_range, read_heading
from .inline import QUOTE_PAIRS, clean_paragraph
from .model import DateRange, ExtraField, Meeting, Paragraph, ParseResult, Problem, Speech
from .text import fold_width, is_han, quoted

FIELD_LABELS = {
    "dates": ["dates of meeting", "date of meeting", "dates", "date", "会议日期", "日期", "会议时间", "时间"],
    "type": ["type of meeting", "meeting type", "会议类型", "会议名称"],
    "place": ["place of meeting", "place", "location", "会议地点", "地点"],
    "attendance": ["attendance", "attendees", "出席", "出席人员", "与会者", "出席者"],
    "agenda": ["major agenda items", "agenda items", "agenda", "主要议程", "议程"],
    "speeches": ["speeches/reports", "speeches", "reports", "讲话/报告", "讲话", "报告", "发言"],
    "decisions": [
        "other decisions and/or actions",
        "decisions and/or actions",
        "decisions",
        "其他决定",
        "决定",
        "决议",
    ],
    "remarks": ["remarks", "notes", "备注"],
}

# A label is at most 300 characters: "**The Honourable …, Minister for …:**" had passed 100, and
# its speech had been filed under the speaker before, silently; longer is text, with a warning.
LABEL_LENGTH = 300
_LABEL_END = r"(?:[:：][ \t]*\*\*|\*\*[ \t]*[:：])"
_LABEL = re.compile(rf"\*\*[ \t]*(?P<label>[^*\n]{{1,{LABEL_LENGTH}}}?)[ \t]*{_LABEL_END}")
_TOO_LONG_LABEL = re.compile(rf"^\*\*[^*\n]{{{LABEL_LENGTH + 1},}}{_LABEL_END}", re.MULTILINE)
# a line that is a bare number is no list item: "2.5" (细颗粒物（PM⏎2.5⏎）) had opened a new
# paragraph; "1.1 Budget" still does
_LIST_MARKER = re.compile(r"^(?:[-*•·]\s+|\d{1,3}[.)、](?![\d.]*\s*$)\s*|[（(][一二三四五六七八九十\d]{1,3}[)）]\s*|[一二三四五六七八九十]{1,3}、)")
_BULLET = re.compile(r"^[-*•·]\s+")
_CLOSING = set(".!?。！？…;；:：") | set(QUOTE_PAIRS.values()) | {")", "）", "]", "】"}
_ATTENDANCE_SPLIT = re.compile(r"\s*[,;，；、\n]\s*")
_ATTENDANCE_SEPARATOR = re.compile(r"[,;，；、]")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def _label_key(label: str) -> str:
    folded = fold_width(label).lower()
    if any(is_han(ch) for ch in folded):
        folded = _t2s().convert(folded)
    return re.sub(r"\s+", "", folded)


_FIELD_BY_KEY = {_label_key(name): field for field, names in FIELD_LABELS.items() for name in names}


def field_for_label(label: str) -> str | None:
    """The field a label names, in English or Chinese (Simplified or Traditional), or None."""
    return _FIELD_BY_KEY.get(_label_key(label))


@dataclass
class _Label:
    label: str
    field: str | None  # None: not a known field label (a speaker, or an extra field)
    start: int
    end: int


@dataclass
class _Line:
    number: int
    text: str


class _Record:
    """State while reading one file."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.problems: list[Problem] = []
        self.newlines = [i for i, ch in enumerate(text) if ch == "\n"]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.newlines, offset - 1) + 1

    def warn(self, line: int, message: str, severity: str = "warning") -> None:
        self.problems.append(Problem(self.source, line, message, severity))

    def lines(self, start: int, end: int) -> list[_Line]:
        first = self.line_of(start)
        return [_Line(first + i, chunk) for i, chunk in enumerate(self.text[start:end].split("\n"))]


def find_labels(text: str) -> list[_Label]:
    """Bold labels at the start of a line, or run together right after another label."""
    labels: list[_Label] = []
    for match in _LABEL.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        boundary = line_start
        if labels and labels[-1].end > line_start:
            boundary = labels[-1].end
        if text[boundary : match.start()].strip():
            continue
        label = match.group("label").strip()
        labels.append(_Label(label, field_for_label(label), match.start(), match.end()))
    return labels


def paragraphs_of(lines: list[_Line]) -> list[tuple[str, int]]:
    """Group lines into paragraphs at blank lines and list markers; join broken sentences."""
    groups: list[list[_Line]] = []
    current: list[_Line] = []
    for line in lines:
        stripped = line.text.strip()
        if not stripped:
            if current:
                groups.append(current)
            current = []
            continue
        if _LIST_MARKER.match(stripped):
            if current:
                groups.append(current)
            current = []
            stripped = _BULLET.sub("", stripped)
        current.append(_Line(line.number, stripped))
    if current:
        groups.append(current)

    paragraphs: list[tuple[str, int]] = []
    for group in groups:
        text = group[0].text
        for line in group[1:]:
            text = _join(text, line.text)
        if paragraphs and _continues(paragraphs[-1][0], text):
            previous, number = paragraphs[-1]
            paragraphs[-1] = (_join(previous, text), number)
        else:
            paragraphs.append((text, group[0].number))
    return paragraphs


def _join(left: str, right: str) -> str:
    """Join two pieces of one paragraph: no space between Han characters, one elsewhere, none
    after a word broken by a hyphen at the end of a line (``agricul-`` and ``ture``: the hyphen
    stays, as in ``co-operative``, and search joins the parts; a soft hyphen goes)."""
    if left and right and (is_han(left[-1]) or left[-1] in "，、。；：") and is_han(right[0]):
        return left + right
    if left[-1:] in ("-", "\u00ad") and left[-2:-1].isalpha() and right[:1].isalpha():
        return left + right
    return left + " " + right


def _continues(previous: str, following: str) -> bool:
    """A paragraph cut mid-sentence by a blank line continues in the next one."""
    last, first = previous.rstrip()[-1:], following.lstrip()[:1]
    if not last or not first:
        return False
    if last in "，、,":
        return True
    return last not in _CLOSING and not last.isdigit() and first.islower()


def _clean_all(record: _Record, raw: list[tuple[str, int]]) -> tuple[Paragraph, ...]:
    cleaned = []
    for index, (text, line) in enumerate(raw):
        paragraph, left_open = clean_paragraph(text, line)
        following = raw[index + 1][0] if index + 1 < len(raw) else ""
        # A quotation running over several paragraphs reopens each of them: not a problem.
        if left_open and not (following[:1] in QUOTE_PAIRS):
            record.warn(line, "unclosed quotation mark")
        cleaned.append(paragraph)
    return tuple(cleaned)


def _plain(paragraphs: tuple[Paragraph, ...]) -> str:
    return " ".join(p.text for p in paragraphs).strip()


def _speeches(record: _Record, labels: list[_Label], start: int, end: int, dates: DateRange | None):
    """Split the Speeches/Reports field at its speaker labels."""
    speeches: list[Speech] = []
    inner = [label for label in labels if start <= label.start < end]
    cuts = [(None, start)] + [(label, label.end) for label in inner]
    for index, (label, body_start) in enumerate(cuts):
        body_end = inner[index].start if index < len(inner) else end
        lines = record.lines(body_start, body_end)
        if label is None:
            paragraphs = _clean_all(record, paragraphs_of(lines))
            if paragraphs:
                record.warn(paragraphs[0].line, "text before the first speaker is kept as an unattributed speech")
                speeches.append(Speech(speaker="", line=paragraphs[0].line, paragraphs=paragraphs))
            continue
        heading = lines[0].text.strip() if lines else ""
        date, title, impossible = read_heading(heading, dates)
        if impossible:  # February 30: as a meeting's date says, not silently a title
            record.warn(lines[0].number, f"no such day as {impossible!r} in the heading; the speech has no date")
        rest = lines[1:]
        if _looks_like_speech_text(title):
            # "**Mao Zedong:** "We must ..."" : the line is the speech, not its heading.
            rest = [_Line(lines[0].number, title)] + rest
            title = ""
        paragraphs = _clean_all(record, paragraphs_of(rest))
        speeches.append(
            Speech(
                speaker=label.label,
                line=record.line_of(label.start),
                heading=heading,
                date=date,
                title=clean_paragraph(title, 0)[0].text if title else "",
                paragraphs=paragraphs,
            )
        )
    return speeches


def _looks_like_speech_text(title: str) -> bool:
    return bool(title) and (
        len(title) > 120 or title[0] in QUOTE_PAIRS or title.rstrip()[-1:] in set(".!?。！？\"”」』")
    )


def parse_text(text: str, source: str, meeting_id: str, encoding: str = "utf-8") -> ParseResult:
    """Parse a decoded record. ``source`` names it in problems; ``meeting_id`` identifies it."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    record = _Record(text, source)
    if not text.strip():
        record.warn(1, "empty file: not a meeting record", "error")
        return ParseResult(source, None, tuple(record.problems))
    labels = find_labels(text)
    for match in _TOO_LONG_LABEL.finditer(text):
        record.warn(record.line_of(match.start()), f"a bold label over {LABEL_LENGTH} characters is read as text")
    if not any(label.field for label in labels):
        record.warn(1, "no field labels such as **Dates of Meeting:** found: not a meeting record", "error")
        return ParseResult(source, None, tuple(record.problems))

    values: dict[str, list] = {name: [] for name in FIELD_LABELS}
    extra: list[ExtraField] = []
    dates: DateRange | None = None
    seen: set[str] = set()

    preamble = text[: labels[0].start]
    if preamble.strip():
        paragraphs = _clean_all(record, paragraphs_of(record.lines(0, labels[0].start)))
        record.warn(paragraphs[0].line, "text before the first label is kept as an extra field")
        extra.append(ExtraField("", paragraphs[0].line, paragraphs))

    # Fields: known labels always open one; an unknown label opens an extra field unless it is
    # a speaker inside Speeches/Reports.
    current_field: str | None = None
    openers: list[tuple[_Label, int]] = []
    for index, label in enumerate(labels):
        if label.field is None and current_field == "speeches":
            continue
        if label.field is not None:
            current_field = label.field
        else:
            current_field = None
        openers.append((label, index))

    for position, (label, _) in enumerate(openers):
        body_end = openers[position + 1][0].start if position + 1 < len(openers) else len(text)
        line = record.line_of(label.start)
        field = label.field
        if field is None:
            record.warn(line, f"unknown label **{label.label}:** kept as an extra field")
            paragraphs = _clean_all(record, paragraphs_of(record.lines(label.end, body_end)))
            extra.append(ExtraField(label.label, line, paragraphs))
            continue
        if field in seen and field in ("dates", "type", "place"):
            record.warn(line, f"field {label.label!r} given again; its text is added to the first")
        seen.add(field)
        if field == "speeches":
            if dates is None:
                dates = _dates_ahead(record, labels, openers, position)
            values["speeches"].extend(_speeches(record, labels, label.end, body_end, dates))
            continue
        lines = record.lines(label.end, body_end)
        if field == "attendance" and not _ATTENDANCE_SEPARATOR.search(record.text, label.end, body_end):
            # no separator at all: one name a line (they had run together into one name)
            lines = [piece for line in lines for piece in (line, _Line(line.number, ""))]
        paragraphs = _clean_all(record, paragraphs_of(lines))
        if field == "dates":
            written = _plain(paragraphs)
            if written and dates is None:
                dates = parse_date_range(written)
                if dates is None:
                    record.warn(line, f"cannot read the date {quoted(written)}; the meeting has no date")
        elif field == "attendance":  # each paragraph (a list item) apart: they had run together too
            names = (name for paragraph in paragraphs for name in _ATTENDANCE_SPLIT.split(paragraph.text))
            values["attendance"].extend(name.strip() for name in names if name.strip())
        else:
            values[field].extend(paragraphs)

    if dates is None and "dates" not in seen:
        record.warn(1, "no Dates of Meeting field; the meeting has no date")

    meeting = Meeting(
        id=meeting_id,
        source=source,
        encoding=encoding,
        dates=dates,
        type=_plain(tuple(values["type"])),
        place=_plain(tuple(values["place"])),
        attendance=tuple(values["attendance"]),
        agenda=tuple(values["agenda"]),
        speeches=tuple(values["speeches"]),
        decisions=tuple(values["decisions"]),
        remarks=tuple(values["remarks"]),
        extra_fields=tuple(extra),
        problems=tuple(record.problems),
    )
    return ParseResult(source, meeting, tuple(record.problems))


def _dates_ahead(record: _Record, labels, openers, position) -> DateRange | None:
    """The meeting dates when Speeches/Reports comes before Dates of Meeting in the file."""
    for later, (label, _) in enumerate(openers[position + 1 :], start=position + 1):
        if label.field == "dates":
            end = openers[later + 1][0].start if later + 1 < len(openers) else len(record.text)
            return parse_date_range(" ".join(record.text[label.end : end].split()))
    return None
