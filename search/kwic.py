"""Keyword in context: one line per occurrence, the match in a centre column.

Occurrences are the highlight spans of the search, so a concordance line exists exactly where
a hit's excerpt would mark a match: Chinese substrings, folded Traditional forms and every
inflected English form the query matched.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

SORTS = ("left", "right", "date")


@dataclass(frozen=True)
class KwicLine:
    meeting_id: str
    passage_id: str
    date: str  # the meeting's start
    speaker: str
    kind: str
    left: str
    match: str
    right: str
    offset: int  # where the match starts in the passage


def _flat(text: str) -> str:
    return " ".join(text.split())


def kwic_lines(hits, width: int) -> list[KwicLine]:
    """Concordance lines of hits that carry ``matches`` (spans into their full text)."""
    lines = []
    for hit, matches in hits:
        text = hit.text
        for start, end in matches:
            left = _flat(text[max(0, start - width * 2) : start])[-width:] if start else ""
            right = _flat(text[end : end + width * 2])[:width]
            lines.append(KwicLine(hit.meeting_id, hit.passage_id, hit.meeting.start, hit.speaker, hit.kind,
                                  left, text[start:end], right, start))
    return lines


def sort_lines(lines: list[KwicLine], order: str) -> list[KwicLine]:
    """``left``: by the words before the match, read backwards; ``right``: by the words after;
    ``date``: by meeting date, then place in the record. Ties keep rank order."""
    if order == "left":
        return sorted(lines, key=lambda line: (line.match.lower(), line.left[::-1].lower()))
    if order == "right":
        return sorted(lines, key=lambda line: (line.match.lower(), line.right.lower()))
    return sorted(lines, key=lambda line: (line.date or "9999", line.passage_id.rsplit("#", 1)[0],
                                           int(line.passage_id.rsplit("#", 1)[-1]), line.offset))


def display_width(text: str) -> int:
    """Terminal columns: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit_left(text: str, columns: int) -> str:
    """The end of ``text`` that fits in ``columns``, padded on the left."""
    out, used = [], 0
    for ch in reversed(text):
        w = display_width(ch)
        if used + w > columns:
            break
        out.append(ch)
        used += w
    return " " * (columns - used) + "".join(reversed(out))


def fit_right(text: str, columns: int) -> str:
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > columns:
            break
        out.append(ch)
        used += w
    return "".join(out) + " " * (columns - used)
