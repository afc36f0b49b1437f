"""Search results as frozen dataclasses; text, JSON, CSV and HTML are made from them at the edge."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MeetingInfo:
    id: str
    start: str  # ISO with its precision: 1954, 1954-10 or 1954-10-10
    end: str
    type: str
    place: str


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float
    passage_id: str
    meeting_id: str
    source: str
    kind: str
    position: int
    speaker: str
    speech_date: str
    speech_title: str
    meeting: MeetingInfo
    text: str
    excerpt: str
    highlights: tuple[tuple[int, int], ...]  # [start, end) into excerpt
    matches: tuple[tuple[int, int], ...] = ()  # [start, end) into text: every match in the passage
    also: tuple[Hit, ...] = ()  # with --group meeting: the meeting's next best passages

    @property
    def matched_forms(self) -> tuple[str, ...]:
        """The distinct strings that matched, as written (which glossary form, which inflection)."""
        return tuple(dict.fromkeys(self.text[start:end] for start, end in self.matches))


@dataclass(frozen=True)
class Results:
    query: str
    parsed: str
    hits: tuple[Hit, ...]
    total_passages: int
    total_meetings: int
    facets: dict[str, tuple[tuple[str, int], ...]]
    offset: int = 0
    limit: int = 10
    sort: str = "relevance"
    group: str = ""
    suggestions: tuple[str, ...] = ()  # "did you mean", when nothing was found
    notes: tuple[str, ...] = ()  # e.g. glossary terms without an entry
    expanded: bool = False  # glossary equivalents were searched too


@dataclass(frozen=True)
class PassageView:
    """One passage of a meeting shown whole, with the query's matches marked in place."""

    passage_id: str
    kind: str
    position: int
    speaker: str
    speech_date: str
    speech_title: str
    text: str
    highlights: tuple[tuple[int, int], ...]
    matched: bool


@dataclass(frozen=True)
class MeetingView:
    meeting: MeetingInfo
    source: str
    attendance: tuple[str, ...]
    passages: tuple[PassageView, ...]
    query: str = ""


@dataclass(frozen=True)
class IndexStats:
    index_dir: str
    meetings: int
    passages: int
    terms: dict[str, int]  # distinct terms per text view
    size_bytes: int
    built_at: str
    updated_at: str
    build_seconds: float
    huiyi_version: str
    analyzer: dict
    corpus_paths: tuple[str, ...]
    imports: tuple[dict, ...]
    by_year: tuple[tuple[str, int], ...]
    by_kind: tuple[tuple[str, int], ...]
    by_language: tuple[tuple[str, int], ...]
