"""Excerpts: where a query matched in a passage, and the best window around it.

Highlights are found by running the index's own analyzers over the passage, so every mark is a
real match (a Chinese substring, a folded Traditional form, a stemmed English form) and
nothing else is marked. Windows are cut at sentence or clause ends in both languages.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from indexer.analysis import exact_tokens, word_analyzer

from .compile import Mark

# Word marks are English only (a Han term is marked through the exact view), so the passage's
# Han text need not go through jieba to find them.
_english_words = word_analyzer(han=False)

SENTENCE_END = re.compile(r"[。！？；.!?;][\"”’」』）)]*\s*")
CLAUSE_END = re.compile(r"[，、：,:]\s*")
ELLIPSIS = "…"


@dataclass(frozen=True)
class Excerpt:
    text: str
    highlights: tuple[tuple[int, int], ...]  # [start, end) into text
    start: int  # where the excerpt starts in the passage (after any leading "…")
    end: int


def find_matches(text: str, marks: list[Mark], quote_spans=()) -> list[tuple[int, int]]:
    """Character spans in ``text`` matched by the query's marks, merged and sorted."""
    spans: list[tuple[int, int]] = []
    word_marks = [m for m in marks if m.view == "word"]
    other_marks = [m for m in marks if m.view != "word"]
    if word_marks:
        tokens = [(t.text, t.startchar, t.endchar) for t in _english_words(text)]
        for mark in word_marks:
            wanted = set(mark.tokens)
            spans += _inside([(s, e) for w, s, e in tokens if w in wanted], mark, quote_spans)
    if other_marks:
        tokens = exact_tokens(text)
        wanted = {word for mark in other_marks if mark.view != "prefix" for word in mark.tokens}
        at: dict[int, dict[str, tuple[int, int]]] = {}  # the marks' words only: all that is looked up
        for word, start, end, pos in tokens:
            if word in wanted:
                at.setdefault(pos, {})[word] = (start, end)
        for mark in other_marks:
            if mark.view == "prefix":
                found = _prefixed(tokens, mark.tokens)
            else:
                found = _sequences(at, mark.tokens, mark.slop, mark.apart)
            spans += _inside(found, mark, quote_spans)
    return _merge(spans)


def _prefixed(tokens, parts: tuple[str, ...]) -> list[tuple[int, int]]:
    """Spans of a prefix's match: a term starting with its one part, or (``co-op*``) its parts
    but the last at consecutive positions, then a term starting with the last."""
    if len(parts) == 1:
        return [(s, e) for w, s, e, _ in tokens if w.startswith(parts[0])]
    by_position = {pos: (w, s, e) for w, s, e, pos in tokens}
    found = []
    for word, start, _end, pos in tokens:
        if word != parts[0]:
            continue
        following = [by_position.get(pos + k, ("", 0, 0)) for k in range(1, len(parts))]
        if [w for w, _, _ in following[:-1]] == list(parts[1:-1]) and following[-1][0].startswith(parts[-1]):
            found.append((start, following[-1][2]))
    return found


def _sequences(at: dict[int, dict[str, tuple[int, int]]], sequence: tuple[str, ...], slop: int,
               apart: tuple[int, ...] = ()):
    """Spans where the terms of ``sequence`` stand at consecutive positions (or, with
    ``slop``, in order and at most ``slop`` positions further apart than adjacent: before the
    terms numbered in ``apart`` only, where it is given)."""
    found: list[tuple[int, int]] = []
    if not sequence:
        return found
    dead_ends: set[tuple[int, int]] = set()  # (term number, position) from which the rest was not found

    def rest(number: int, cursor: int) -> list[int] | None:
        """The positions of terms ``number``… after ``cursor``: each nearer choice is tried first,
        and a later one where it leads nowhere (taking the nearest only had missed matches the
        index found: "国家 建设 发展"~3 in 国家建设甲建设乙丙丁发展)."""
        if number == len(sequence):
            return []
        if (number, cursor) in dead_ends:
            return None
        reach = slop + 2 if not apart or number in apart else 2
        for step in range(1, reach):
            if sequence[number] in at.get(cursor + step, ()):
                after = rest(number + 1, cursor + step)
                if after is not None:
                    return [cursor + step, *after]
        dead_ends.add((number, cursor))
        return None

    for position in sorted(p for p, words in at.items() if sequence[0] in words):
        positions = rest(1, position)
        if positions is None:
            continue
        picked = [at[position][sequence[0]]] + [at[p][word] for p, word in zip(positions, sequence[1:])]
        if slop:
            found += picked
        else:
            found.append((picked[0][0], picked[-1][1]))
    return found


def _inside(spans, mark: Mark, quote_spans) -> list[tuple[int, int]]:
    if not mark.in_quote:
        return list(spans)
    return [(s, e) for s, e in spans if any(qs <= s and e <= qe for qs, qe in quote_spans)]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _boundaries(text: str, pattern: re.Pattern) -> list[int]:
    return [0] + [m.end() for m in pattern.finditer(text) if m.end() < len(text)]


def make_excerpt(text: str, matches: list[tuple[int, int]], width: int = 240) -> Excerpt:
    """The window of at most ``width`` characters holding the most matches, cut at sentence
    or clause boundaries where possible, with ``…`` where text was cut."""
    if len(text) <= width:
        return Excerpt(text, tuple(matches), 0, len(text))
    sentences = _boundaries(text, SENTENCE_END)
    clauses = sorted(set(sentences) | set(_boundaries(text, CLAUSE_END)))
    best: tuple[tuple[int, int], int, int] | None = None
    anchors = matches or [(0, 0)]
    # matches are merged and sorted, so their starts and their ends both ascend: the matches
    # inside a window are one slice, found by bisection (a scan per anchor was quadratic: 11 s
    # for a 100 KB passage of 20,000 matches); so are the boundaries tried below
    starts, ends = [s for s, _ in matches], [e for _, e in matches]
    for anchor_start, anchor_end in anchors:
        # a match longer than the width is shown whole: cut to the width, the window had started
        # inside it ("…elegates cooperative…") and marked nothing
        room = max(width, anchor_end - anchor_start)
        start = _start_before(text, anchor_start, anchor_end, room, sentences, clauses)
        end = _end_after(text, start, room, sentences, clauses, anchor_end)
        if end == len(text):
            start = _fill_backwards(text, start, end, room, clauses)
        covered = matches[bisect_left(starts, start):bisect_right(ends, end)]
        score = (len({text[s:e].lower() for s, e in covered}), len(covered))
        if best is None or score > best[0]:
            best = (score, start, end)
    _, start, end = best
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    body = text[start:end].strip()
    lead = len(text[start:end]) - len(text[start:end].lstrip())
    shift = len(prefix) - start - lead
    highlights = tuple((s + shift, e + shift) for s, e in matches if s >= start + lead and e <= start + lead + len(body))
    return Excerpt(prefix + body + suffix, highlights, start + lead, start + lead + len(body))


def _start_before(text, match_start, match_end, width, sentences, clauses) -> int:
    """The start of the match's own sentence, else of its clause, else a word boundary, such
    that the match sits in the first three quarters of the window."""
    reach = width * 3 // 4
    for candidates in (sentences, clauses):
        last = bisect_right(candidates, match_start) - 1  # the last boundary at or before the match
        if last >= 0 and match_end - candidates[last] <= reach:
            return candidates[last]
    start = max(0, match_start - (width - (match_end - match_start)) // 3)
    if start == 0 or not text[start - 1].isalnum():
        return start
    word_start = text.rfind(" ", 0, start) + 1
    if match_end - word_start <= reach:  # the whole word the window had cut into fits
        return word_start
    space = text.find(" ", start, match_start)
    if space < 0:  # inside a hyphenated word (atoms-for-peace): from a part's start, not "…toms"
        space = text.find("-", start, match_start)
    return space + 1 if space >= 0 else start


def _fill_backwards(text, start, end, width, boundaries) -> int:
    """When the window reached the passage's end with room to spare, show more before it."""
    if start == 0 or end - start >= width * 4 // 5:
        return start
    first = bisect_left(boundaries, end - width)  # the first boundary within reach of the end
    if first < len(boundaries) and boundaries[first] < start:
        return boundaries[first]
    lowest = max(0, end - width)
    space = text.find(" ", lowest, start)
    return space + 1 if space >= 0 else lowest


def _end_after(text, start, width, sentences, clauses, must_reach) -> int:
    limit = min(len(text), start + width)
    if limit == len(text):
        return limit
    enough = start + width * 2 // 3  # a sentence end that wastes a third of the room is too early
    for candidates in (sentences, clauses):
        last = bisect_right(candidates, limit) - 1  # the last boundary within the limit
        if last >= 0 and candidates[last] >= max(must_reach, start + 1) and \
                (candidates[last] >= enough or candidates is clauses):
            return candidates[last]
    space = text.rfind(" ", max(must_reach, start), limit)
    if space < max(must_reach, start):  # inside a hyphenated word (peace-loving): at a part's end
        space = text.rfind("-", max(must_reach, start), limit)
    return space if space > start and limit - space < 40 else limit
