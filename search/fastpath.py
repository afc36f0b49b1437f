"""Whoosh queries and scoring that visit every match cheaply.

huiyi reports exact totals, so every matching passage is visited, never just the top ten; the
generic Whoosh machinery is made for the opposite. What costs most, and what replaces it:

* a filter (``date:``, ``kind:``) wrapped in ``ConstantScoreQuery`` walks the union of its
  terms one posting at a time through a tree of matchers (~130 ms for ``date:2015..`` on
  100,000 passages). :class:`DocSetQuery` reads the terms' postings a block at a time, keeps
  the id lists per segment, and skips through them by bisection;
* a phrase is checked by building span objects for every position of every word.
  :class:`AdjacentPhrase` reads its rarest word's postings whole, probes common words only at
  the candidates left, and compares positions as integers, none at all for a passage whose word
  view has the phrase as a word;
* ``AndMaybe`` adds the word-view bonus one skip at a time: :class:`WithWordBonus` adds it
  to the listed matches in bulk, and lists a single term's matches and scores in bulk
  (:func:`term_scores`), not through its matcher one at a time;
* BM25F looks up each matching passage's field length through a column reader.
  :class:`CachedLengthBM25F` reads a segment's length column once per field.

Every class gives the same matches and scores as the Whoosh query it replaces (tests compare
them on a real index); only the way of getting there differs.
"""

from __future__ import annotations

import sys
import weakref
from array import array
from bisect import bisect_left
from itertools import pairwise

from whoosh import matching
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.query.spans import Span, SpanWrappingMatcher
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F, WeightLengthScorer
from whoosh.util.numeric import byte_to_length

from corpus.text import is_han

_per_reader: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def reader_cache(reader) -> dict:
    """A dict that lives as long as a (segment) reader: values computed once per segment."""
    try:
        return _per_reader[reader]
    except KeyError:
        cache = _per_reader[reader] = {}
        return cache


def posting_ids(reader, fieldname: str, text) -> list[int]:
    """Every document id of a term in one segment, read a block at a time (deleted ones left out)."""
    try:
        return term_postings(reader, fieldname, text, ids_only=True)[0]
    except TermNotFound:
        return []


def term_postings(reader, fieldname: str, text, ids_only: bool = False, values: bool = True) -> tuple[list, list, list]:
    """A term's ids, weights and encoded values in one segment, read a block at a time
    (``ids_only``: the ids alone, leaving the other two lists empty; ``values=False``: the
    values list left empty)."""
    matcher = reader.postings(fieldname, text)
    ids: list = []
    weights: list = []
    found_values: list = []
    values = values and not ids_only
    if type(matcher) is not W3LeafMatcher:  # wrapped (e.g. deletions): the generic way
        while matcher.is_active():
            ids.append(matcher.id())
            if not ids_only:
                weights.append(matcher.weight())
            if values:
                found_values.append(matcher.value())
            matcher.next()
        return ids, weights, found_values
    parts = [("_ids", matcher._read_ids, ids)]
    if not ids_only:
        parts.append(("_weights", matcher._read_weights, weights))
    if values:
        parts.append(("_values", matcher._read_values, found_values))
    while matcher.is_active():
        start = matcher._i
        for attribute, read, into in parts:
            if getattr(matcher, attribute) is None:
                read()
            into.extend(getattr(matcher, attribute)[start:])
        matcher._next_block()
    return ids, weights, found_values


def term_scores(searcher, term: wq.Term, context=None) -> tuple[list, list] | None:
    """The ids and scores of a ``Term`` query's matches in one segment, as its matcher gives
    them one at a time (BM25F of each posting's weight and length, times the boost), worked out
    in bulk; None where that matcher must be used (another weighting, a minimum quality)."""
    field = searcher.schema[term.fieldname] if term.fieldname in searcher.schema else None
    if field is None or term.minquality:
        return None
    try:
        text = field.to_bytes(term.text)
    except ValueError:
        return None
    reader = searcher.reader()
    if (term.fieldname, text) not in reader:
        return None
    weighting = (None if context is None else context.weighting) or searcher.weighting  # as Term.matcher has it
    scorer = weighting.scorer(searcher, term.fieldname, text)
    if not isinstance(scorer, WeightLengthScorer):
        return None
    ids, weights, _ = term_postings(reader, term.fieldname, text, values=False)
    score, length = scorer._score, scorer.dfl
    scores = [score(weight, length(docnum)) for docnum, weight in zip(ids, weights)]
    if term.boost != 1.0:
        scores = [value * term.boost for value in scores]
    return ids, scores


def postings_at(reader, fieldname: str, text, docnums=None, weights_only: bool = False) -> dict:
    """``{docnum: (weight, value)}`` of a term in one segment (``weights_only``: ``{docnum:
    weight}``), for the sorted ``docnums`` only (None: every document). Few documents against a
    long posting list (a common word at the candidates left) are probed by skipping; otherwise
    the postings are read whole."""
    if docnums is not None and len(docnums) * 8 < reader.doc_frequency(fieldname, text):
        postings = reader.postings(fieldname, text)
        entries = {}
        for docnum in docnums:
            # the frequency counts deleted documents too: after an update, a term may be left in
            # none, and its matcher (which passes over deletions) is done before the first skip,
            # which raises ReadTooFar ('"rash advance"' with every "advance" rewritten)
            if not postings.is_active():
                break
            postings.skip_to(docnum)
            if not postings.is_active():
                break
            if postings.id() == docnum:
                entries[docnum] = postings.weight() if weights_only else (postings.weight(), postings.value())
        return entries
    ids, weights, values = term_postings(reader, fieldname, text, values=not weights_only)
    found = zip(ids, weights) if weights_only else zip(ids, zip(weights, values))
    if docnums is None:
        return dict(found)
    wanted = set(docnums)
    return {d: entry for d, entry in found if d in wanted}


# ------------------------------------------------------------------ filters


class SortedIdsMatcher(matching.ListMatcher):
    """A ListMatcher over sorted ids that skips by bisection, not one id at a time."""

    def skip_to(self, id):
        if not self.is_active():
            raise matching.ReadTooFar
        if id > self._ids[self._i]:
            self._i = bisect_left(self._ids, id, self._i)


class ScoredIdsMatcher(SortedIdsMatcher):
    """Sorted ids with their scores worked out beforehand."""

    def __init__(self, ids, scores) -> None:
        super().__init__(ids)
        self._scores = scores

    def copy(self):
        copied = self.__class__(self._ids, self._scores)
        copied._i = self._i
        return copied

    def score(self):
        return self._scores[self._i]

    def supports_block_quality(self):
        return False


class ConstantIdsMatcher(ScoredIdsMatcher):
    """Sorted ids that all score ``scores`` (one number), zero included (a ListMatcher given
    ``all_weights=0.0`` takes the zero for "no weight" and scores 1.0)."""

    def score(self):
        return self._scores

    def weight(self):
        return self._scores


class DocSetQuery(wq.Query):
    """Matches the documents having any of ``terms`` (``(field, text)`` pairs), all scoring
    ``score``: a filter, like ``ConstantScoreQuery(Or([Term, …]), score)`` except that a score
    of 0 is 0 (Whoosh's adds 1.0 to every filtered hit, which skews ``(a date:…) OR b``)."""

    def __init__(self, terms, score: float = 0.0) -> None:
        self.terms = tuple(terms)
        self.score = score
        self.boost = 1.0

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.terms == other.terms and self.score == other.score

    def __hash__(self) -> int:
        return hash((self.terms, self.score))

    def __repr__(self) -> str:
        return f"DocSetQuery({self.terms!r}, {self.score!r})"

    def __str__(self) -> str:
        return "(" + " OR ".join(f"{name}:{text}" for name, text in self.terms) + ")"

    def _words(self, fieldname=None):
        return []

    def estimate_size(self, ixreader) -> int:
        return sum(ixreader.doc_frequency(f, t) for f, t in self.terms)

    def docs(self, searcher, deleted=None):
        return iter(self._ids(searcher.reader()))

    def _ids(self, reader) -> array:
        cache = reader_cache(reader)
        key = ("docset", self.terms)
        ids = cache.get(key)
        if ids is None:
            found: set[int] = set()
            for fieldname, text in self.terms:
                found.update(posting_ids(reader, fieldname, text))
            ids = array("I", sorted(found))
            if len(cache) > 512:  # filters repeat in a batch; keep the newest few hundred
                for old in [k for k in cache if k[0] == "docset"][:256]:
                    del cache[old]
            cache[key] = ids
        return ids

    def matcher(self, searcher, context=None):
        ids = self._ids(searcher.reader())
        if not ids:
            return matching.NullMatcher()
        return ConstantIdsMatcher(ids, self.score)


# ------------------------------------------------------------------ phrases


class _AdjacentMatcher(SpanWrappingMatcher):
    """Documents where the words' positions follow one another (word i at start + i)."""

    def __init__(self, matchers) -> None:
        self.ms = matchers
        tree = matchers[0]
        for other in matchers[1:]:
            tree = matching.IntersectionMatcher(tree, other)
        super().__init__(tree)

    def copy(self):
        return self.__class__([m.copy() for m in self.ms])

    def replace(self, minquality=0):
        return self if self.is_active() else matching.NullMatcher()

    def _get_spans(self):
        matchers = self.ms
        starts = set(matchers[0].value_as("positions"))
        for offset in range(1, len(matchers)):
            starts.intersection_update([p - offset for p in matchers[offset].value_as("positions")])
            if not starts:
                return []
        last = len(matchers) - 1
        return [Span(start, start + last) for start in sorted(starts)]


class AdjacentPhrase(wq.Phrase):
    """``Phrase(fieldname, words)`` with no slop: the words at consecutive positions.

    Per segment, each word's postings are read whole, a block at a time; the documents having
    every word are found by set intersection, their positions compared as integers, and each
    match scored as Whoosh scores a phrase (the sum of its words' BM25F scores).

    ``witness``: a ``(field, term)`` whose documents are known to hold the phrase: the Han word
    the phrase's bigrams spell, in the word view of the same text (``search.compile._ranked``
    sets it; a word is a run of characters of its text). Their positions are not compared: the
    same matches without decoding every candidate's positions (``习近平`` on all of CCTV, 51,028
    hits: 30% less time)."""

    def __init__(self, fieldname: str, words, slop: int = 1, boost: float = 1.0, char_ranges=None,
                 witness: tuple[str, str] | None = None) -> None:
        if slop != 1:
            raise ValueError("AdjacentPhrase has no slop; use whoosh.query.Phrase")
        super().__init__(fieldname, list(words), slop=1, boost=boost, char_ranges=char_ranges)
        self.witness = witness

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        field = searcher.schema[self.fieldname]
        texts = [field.to_bytes(word) for word in self.words]
        if any((self.fieldname, text) not in reader for text in texts):
            return matching.NullMatcher()
        scorers = [searcher.weighting.scorer(searcher, self.fieldname, text) for text in texts]
        if not all(isinstance(scorer, WeightLengthScorer) for scorer in scorers):
            return _AdjacentMatcher([wq.Term(self.fieldname, t).matcher(searcher, context) for t in texts])
        # rarest word first; a common word ("the", "of") is probed at the few candidates left
        order = sorted(range(len(texts)), key=lambda i: reader.doc_frequency(self.fieldname, texts[i]))
        found: list[dict] = [{}] * len(texts)
        candidates = None
        for i in order:
            found[i] = postings_at(reader, self.fieldname, texts[i], candidates)
            candidates = sorted(found[i])
            if not candidates:
                return matching.NullMatcher()
        decode = field.format.decode_positions
        # a witness set for other words (Whoosh's Phrase.replace edits the words in place) is not used
        witnessed = self.witness is not None and spelled(self.words) == self.witness[1]
        known = set(posting_ids(reader, *self.witness)) if witnessed else ()
        matched, scores = array("I"), []
        for docnum in candidates:
            if docnum in known or _adjacent([entries[docnum][1] for entries in found], decode):
                score = 0.0
                for scorer, entries in zip(scorers, found):
                    score += scorer._score(entries[docnum][0], scorer.dfl(docnum))
                matched.append(docnum)
                scores.append(score * self.boost)
        if not matched:
            return matching.NullMatcher()
        return ScoredIdsMatcher(matched, scores)


def spelled(words: list[str]) -> str | None:
    """The Han text a chain of Han bigrams spells (``习近 近平`` → ``习近平``), else None."""
    if not all(len(word) == 2 and is_han(word[0]) and is_han(word[1]) for word in words):
        return None
    if any(left[1] != right[0] for left, right in pairwise(words)):
        return None
    return words[0] + "".join(word[1] for word in words[1:])


def _adjacent(values: list[bytes], decode) -> bool:
    """Whether word ``i`` is at ``start + i`` for some start, given each word's encoded positions."""
    starts = set(decode(values[0]))
    for offset in range(1, len(values)):
        starts.intersection_update([p - offset for p in decode(values[offset])])
        if not starts:
            return False
    return True


class _PositionalOr(wq.Or):
    """An Or that keeps its terms' positions however many there are (Whoosh's Or reads more
    than 1,024 terms' documents into one list, without positions)."""

    TOO_MANY_CLAUSES = sys.maxsize


class PositionalPrefix(wq.Prefix):
    """A prefix inside a Sequence (``co-op*``: the term co, then a term starting op): Whoosh's
    Prefix matcher drops positions where it expands to 1,024 terms or more, and the Sequence
    then failed with "Field does not support spans" on any large English index."""

    def matcher(self, searcher, context=None):
        terms = [wq.Term(self.fieldname, word, boost=self.boost) for word in self._btexts(searcher.reader()) if word]
        if not terms:
            return matching.NullMatcher()
        return terms[0].matcher(searcher, context) if len(terms) == 1 else _PositionalOr(terms).matcher(searcher, context)


class WithWordBonus(wq.Query):
    """``AndMaybe(required, Or([Term(fieldname, w, boost=boost) …]))``, worked out in bulk.

    The required part's matches are listed once; each word then adds its score to the matches
    that have it, looked up by skipping through its postings when the matches are few and by
    reading the postings whole when they are many."""

    def __init__(self, required: wq.Query, fieldname: str, words, boost: float) -> None:
        self.required = required
        self.fieldname = fieldname
        self.words = tuple(dict.fromkeys(words))
        self.boost = boost

    def __eq__(self, other) -> bool:
        return (type(self) is type(other) and self.required == other.required
                and (self.fieldname, self.words, self.boost) == (other.fieldname, other.words, other.boost))

    def __hash__(self) -> int:
        return hash((self.required, self.fieldname, self.words, self.boost))

    def __repr__(self) -> str:
        return f"WithWordBonus({self.required!r}, {self.fieldname!r}, {self.words!r}, {self.boost!r})"

    def __str__(self) -> str:
        return f"({self.required} ANDMAYBE " + " OR ".join(f"{self.fieldname}:{w}^{self.boost}" for w in self.words) + ")"

    def children(self):
        return [self.required]

    def _words(self, fieldname=None):
        return self.required._words(fieldname)

    def terms(self, phrases=False):
        yield from self.required.terms(phrases)

    def estimate_size(self, ixreader) -> int:
        return self.required.estimate_size(ixreader)

    def normalize(self):
        return self

    def matcher(self, searcher, context=None):
        listed = term_scores(searcher, self.required, context) if type(self.required) is wq.Term else None
        required = None if listed else self.required.matcher(searcher, context)
        if listed:
            ids, scores = listed
        elif isinstance(required, ScoredIdsMatcher):
            ids, scores = required._ids, list(required._scores)
        else:
            ids, scores = array("I"), []
            while required.is_active():
                ids.append(required.id())
                scores.append(required.score())
                required.next()
        if not ids:
            return matching.NullMatcher()
        reader = searcher.reader()
        bonus = [0.0] * len(ids)
        for word in self.words:
            if (self.fieldname, word) not in reader:
                continue
            scorer = searcher.weighting.scorer(searcher, self.fieldname, word)
            if not isinstance(scorer, WeightLengthScorer):
                scorer = None
            weights = postings_at(reader, self.fieldname, word, ids, weights_only=True)
            boost = self.boost
            if scorer is None:
                added = {docnum: weight * boost for docnum, weight in weights.items()}
            else:
                score, length = scorer._score, scorer.dfl
                added = {docnum: score(weight, length(docnum)) * boost for docnum, weight in weights.items()}
            bonus = [total + added.get(docnum, 0.0) for total, docnum in zip(bonus, ids)]  # + 0.0: unchanged
        return ScoredIdsMatcher(ids, [a + b for a, b in zip(scores, bonus)])


# ------------------------------------------------------------------ scoring


# a length byte to the length it stands for; 0 (no such field in the document) cannot match,
# so any length will do
_LENGTH_OF_BYTE = [1] + [byte_to_length(b) for b in range(1, 256)]


def field_lengths(reader, fieldname: str):
    """A segment's length of ``fieldname`` for every document, as a list (read once)."""
    cache = reader_cache(reader)
    key = ("lengths", fieldname)
    lengths = cache.get(key)
    if lengths is None:
        column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        lengths = cache[key] = None if column is None else [_LENGTH_OF_BYTE[b] for b in _column_bytes(column)]
    return lengths


def _column_bytes(column):
    """A one-byte-per-document column's bytes, read at once (iterating the column reader
    unpacks them one at a time: ~20 ms per 50,000 documents, paid per field and process)."""
    if getattr(column, "_typecode", None) != "B" or getattr(column, "_reverse", False):
        return list(column)
    raw = bytes(column._dbfile.get(column._basepos, column._count))
    return raw + bytes(column._doccount - len(raw))  # documents past the end have the default, 0


class CachedLengthBM25F(BM25F):
    """BM25F whose scorers look up field lengths in a list, not through a column reader."""

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        reader = searcher.reader()
        if isinstance(scorer, WeightLengthScorer) and hasattr(scorer, "dfl") and hasattr(reader, "_perdoc"):
            lengths = field_lengths(reader, fieldname)
            if lengths is not None:
                scorer.dfl = lengths.__getitem__
        return scorer

