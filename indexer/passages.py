"""From a parsed meeting to index units: one passage per paragraph, with its meeting's metadata.

A passage is what a hit shows, so it is the paragraph a historian would cite: a speech
paragraph, a decision, an agenda item, a remark (extra fields count as remarks).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from corpus.model import Meeting, Paragraph, PartialDate
from corpus.text import count_han

from .analysis import VALUE_SEPARATOR
from .dates import date_terms, first_day, last_day, sort_key


@dataclass(frozen=True)
class Passage:
    passage_id: str
    meeting_id: str
    source: str
    kind: str  # speech | decision | agenda | remark
    position: int  # order within the record, from 0
    text: str
    quote_spans: tuple[tuple[int, int], ...]  # the speaker's own words, editorial insertions excluded
    quote_text: str
    speaker: str = ""
    speech_date: str = ""
    speech_title: str = ""


def passages_of(meeting: Meeting) -> list[Passage]:
    items: list[tuple[str, Paragraph, str, str, str]] = []
    items += [("agenda", p, "", "", "") for p in meeting.agenda]
    for speech in meeting.speeches:
        date = speech.date.iso() if speech.date else ""
        items += [("speech", p, speech.speaker, date, speech.title) for p in speech.paragraphs]
    items += [("decision", p, "", "", "") for p in meeting.decisions]
    items += [("remark", p, "", "", "") for p in meeting.remarks]
    for extra in meeting.extra_fields:
        items += [("remark", p, "", "", "") for p in extra.paragraphs]
    passages = []
    for position, (kind, paragraph, speaker, date, title) in enumerate(items):
        if not paragraph.text.strip():
            continue
        spans = tuple((part.start, part.end) for q in paragraph.quotations for part in q.parts)
        passages.append(
            Passage(
                passage_id=f"{meeting.id}#{position}",
                meeting_id=meeting.id,
                source=meeting.source,
                kind=kind,
                position=position,
                text=paragraph.text,
                quote_spans=spans,
                quote_text=VALUE_SEPARATOR.join(q.text for q in paragraph.quotations),
                speaker=speaker,
                speech_date=date,
                speech_title=title,
            )
        )
    return passages


def language_of(text: str) -> str:
    """``zh``, ``en`` or ``mixed``, by the share of Han characters among letters; ``""`` for a
    passage without letters (a stray ``↑``, a page number), which is in no language."""
    if text.isascii():  # no Han (most English): no need to count
        return "en" if any(map(str.isalpha, text)) else ""
    han = count_han(text)
    letters = sum(map(str.isalpha, text))
    if not letters:
        return ""
    share = han / letters
    return "zh" if share > 0.8 else "en" if share < 0.05 else "mixed"


def meeting_fields(meeting: Meeting) -> dict:
    """The meeting metadata every passage of it carries, as Whoosh field values."""
    fields: dict = {
        "type": meeting.type,
        "place": meeting.place,
        "attendee": VALUE_SEPARATOR.join(meeting.attendance),
        "meeting_type": meeting.type,
        "meeting_place": meeting.place,
        "attendance": list(meeting.attendance),
        "start": "",
        "end": "",
        # every document has every column: Whoosh's multi-segment column reader fails on a
        # segment that lacks one (an all-undated segment, say)
        "start_key": 0,
        "year_key": "",
    }
    if meeting.dates:
        fields.update(_date_fields(meeting.dates.start, meeting.dates.last))
    return fields


@lru_cache(maxsize=4096)
def _date_fields(first: PartialDate, last: PartialDate) -> dict:
    """The date fields of a meeting held from ``first`` to ``last`` (many share their dates:
    a day's news, a session's speeches). Read only: the caller copies it."""
    start, end = first_day(first), last_day(last)
    fields = {name: " ".join(values) for name, values in date_terms(start, end).items() if values}
    # year_key in four digits, as in ISO dates and trend periods: year 956 is 0956, which sorts before 1955
    fields.update(start=first.iso(), end=last.iso(), start_key=sort_key(start), year_key=f"{first.year:04d}")
    return fields
