"""From the parsed query tree to a Whoosh query, and to the marks the excerpt must show.

Query-side analysis is the index's own analysis, so a query folds, segments and stems exactly
as the passages did:

* a bare Han term must occur as a character sequence (recall: the exact view); its jieba
  words only add to the score (ranking: the word view);
* a quoted phrase, in either language, must occur as that sequence of exact tokens, whatever
  the case, punctuation, line breaks, footnote marks or Traditional/Simplified spelling;
* a bare English word matches its stem in the word view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import accumulate

from whoosh import query as wq

from corpus.errors import QuerySyntaxError
from corpus.text import is_han
from indexer.analysis import exact_sequence, fold, loose_words, word_analyzer
from indexer.dates import range_terms

from . import boolean
from .fastpath import AdjacentPhrase, DocSetQuery, PositionalPrefix, WithWordBonus, spelled
from .query import And, DateFilter, KindFilter, Node, Not, Or, Phrase, Term


@dataclass(frozen=True)
class Ranking:
    """The ranking knobs; the defaults were chosen with bench/ranking_eval.py."""

    exact_boost: float = 1.0  # the exact-view part of a Han term or phrase (required)
    word_boost: float = 2.0  # the word-view part: whole-word matches rank above mere substrings
    b: float = 0.5  # BM25F length normalisation (0.75 favoured one-line agenda items too much)
    k1: float = 1.2  # BM25F term-frequency saturation


DEFAULT_RANKING = Ranking()

_word = word_analyzer()


@dataclass(frozen=True)
class Mark:
    """What to highlight: a sequence of exact-view tokens, or word-view tokens, or prefixes."""

    view: str  # "exact" | "word" | "prefix"
    tokens: tuple[str, ...]
    slop: int = 0
    in_quote: bool = False
    # with slop: the tokens that start a word of the phrase (only there may the text stretch
    # by up to ``slop``; a word's own tokens follow one another); empty: every token
    apart: tuple[int, ...] = ()


@dataclass
class Compiled:
    query: wq.Query
    marks: list[Mark] = field(default_factory=list)
    fuzzy: list[tuple[wq.Query, bool]] = field(default_factory=list)  # expanded at search time


def exact_tokens(text: str) -> list[str]:
    """The exact-view terms of a phrase, one per position (see ``exact_sequence``)."""
    return exact_sequence(text)


def word_tokens(text: str) -> list[str]:
    """Word-view tokens of a query term, one per position (sub-words left out)."""
    tokens, seen = [], set()
    for token in _word(text):
        if token.pos not in seen:
            seen.add(token.pos)
            tokens.append(token.text)
    return tokens


def _has_han(tokens: list[str]) -> bool:
    return any(is_han(ch) for token in tokens for ch in token)


def _sequence(fieldname: str, tokens: list[str]) -> wq.Query:
    return wq.Term(fieldname, tokens[0]) if len(tokens) == 1 else AdjacentPhrase(fieldname, tokens)


def _loose(fieldname: str, words: list[list[str]], slop: int) -> wq.Query:
    """Words in order, at most ``slop`` positions apart, each word's terms side by side. A
    Phrase with slop had let every term stray (国家 as 国家 then any later 家: 国家的专家在建设
    matched "国家 建设"~3)."""
    parts = [wq.Term(fieldname, terms[0]) if len(terms) == 1 else wq.Phrase(fieldname, terms) for terms in words]
    return wq.Sequence(parts, slop=1 + slop)


# each exact-view field, and the word-view field of the same text
_WORD_VIEW_OF = {"exact": "word", "quote_exact": "quote"}


def _ranked(required: wq.Query, fieldname: str, words: list[str], ranking: Ranking) -> wq.Query:
    if (isinstance(required, AdjacentPhrase) and len(words) == 1 and _WORD_VIEW_OF.get(required.fieldname) == fieldname
            and spelled(required.words) == words[0]):
        # a passage with the word in its word view has its characters in a row: no need to check
        required.witness = (fieldname, words[0])
    if ranking.exact_boost != 1.0:
        required = required.with_boost(ranking.exact_boost)
    if not words or not ranking.word_boost:
        return required
    return WithWordBonus(required, fieldname, words, ranking.word_boost)


class _Compiler:
    def __init__(self, date_bounds: tuple[dt.date, dt.date], ranking: Ranking) -> None:
        self.date_bounds = date_bounds
        self.ranking = ranking
        self.result = Compiled(query=wq.NullQuery)

    def compile(self, node: Node, positive: bool = True) -> wq.Query | None:
        method = getattr(self, "_" + type(node).__name__.lower())
        return method(node, positive)

    def mark(self, positive: bool, mark: Mark) -> None:
        if positive:
            self.result.marks.append(mark)

    def _term(self, node: Term, positive: bool) -> wq.Query | None:
        in_quote = node.field == "quote"
        exact_field = "quote_exact" if in_quote else ("exact" if not node.field else node.field)
        word_field = "quote" if in_quote else "word"
        text_field = node.field in ("", "quote")
        if node.prefix:
            stem = fold(node.text).lower()
            if not stem.strip():
                return None
            if _has_han([stem]):
                if text_field:  # its characters, marked as a phrase's (a prefix mark of three had
                    # marked nothing: the exact view's terms are of one or two characters)
                    self.mark(positive, Mark("exact", tuple(exact_tokens(stem)), in_quote=in_quote))
                return wq.Prefix(word_field if text_field else exact_field, stem)
            # English: the exact view's parts, accents folded (Zhō* is zho*); co-op* is the part co
            # then a part starting op (a prefix with a hyphen, dot or apostrophe had found nothing)
            parts = exact_tokens(node.text)
            if not parts:
                return None
            if text_field:
                self.mark(positive, Mark("prefix", tuple(parts), in_quote=in_quote))
            if len(parts) == 1:
                return wq.Prefix(exact_field, parts[0])
            return wq.Sequence([*(wq.Term(exact_field, part) for part in parts[:-1]),
                                PositionalPrefix(exact_field, parts[-1])])
        exact = exact_tokens(node.text)
        if not exact:
            return None
        if node.fuzzy:
            query = wq.FuzzyTerm(exact_field, exact[0], maxdist=node.fuzzy, prefixlength=1)
            if text_field and positive:
                self.result.fuzzy.append((query, in_quote))
            return query
        if not text_field:
            return _sequence(exact_field, exact)
        if _has_han(exact):
            self.mark(positive, Mark("exact", tuple(exact), in_quote=in_quote))
            return _ranked(_sequence(exact_field, exact), word_field, word_tokens(node.text), self.ranking)
        words = word_tokens(node.text)
        if not words:
            return None  # a stopword alone
        self.mark(positive, Mark("word", tuple(words), in_quote=in_quote))
        return wq.And([wq.Term(word_field, w) for w in words]) if len(words) > 1 else wq.Term(word_field, words[0])

    def _phrase(self, node: Phrase, positive: bool) -> wq.Query | None:
        in_quote = node.field == "quote"
        words = loose_words(node.text) if node.slop else []
        if len(words) < 2:  # no distance, or one word to keep it in: the exact phrase
            exact, slop, apart = exact_tokens(node.text), 0, ()
        else:
            exact, slop = [term for terms in words for term in terms], node.slop
            apart = tuple(accumulate(len(terms) for terms in words[:-1]))
        if not exact:
            return None
        if node.field not in ("", "quote"):
            return _loose(node.field, words, slop) if slop else _sequence(node.field, exact)
        exact_field, word_field = ("quote_exact", "quote") if in_quote else ("exact", "word")
        self.mark(positive, Mark("exact", tuple(exact), slop, in_quote, apart))
        required = _loose(exact_field, words, slop) if slop else _sequence(exact_field, exact)
        return _ranked(required, word_field, word_tokens(node.text), self.ranking)

    def _datefilter(self, node: DateFilter, positive: bool) -> wq.Query:
        low, high = self.date_bounds
        start = node.start or low
        end = node.end or high
        if end < start:
            return wq.NullQuery
        return DocSetQuery(range_terms(start, end), 0.0)  # a filter: it does not change the ranking

    def _kindfilter(self, node: KindFilter, positive: bool) -> wq.Query:
        return DocSetQuery([("kind", node.kind)], 0.0)

    def _not(self, node: Not, positive: bool) -> wq.Query | None:
        if isinstance(node.item, Not):  # NOT NOT x is x (it had been compiled as NOT x inside an AND)
            return self.compile(node.item.item, positive)
        inner = self.compile(node.item, not positive)
        return None if inner is None else wq.Not(inner)

    def _and(self, node: And, positive: bool) -> wq.Query | None:
        parts = [self.compile(item, positive) for item in node.items]
        included = [q for q in parts if q is not None and not isinstance(q, wq.Not)]
        excluded = [q.query for q in parts if isinstance(q, wq.Not)]
        if not included and not excluded:
            return None
        base = wq.And(included) if len(included) > 1 else (included[0] if included else wq.Every())
        if excluded:
            return boolean.AndNot(base, boolean.Or(excluded) if len(excluded) > 1 else excluded[0])
        return base

    def _or(self, node: Or, positive: bool) -> wq.Query | None:
        parts = [q for q in (self.compile(item, positive) for item in node.items) if q is not None]
        if not parts:
            return None
        # grain OR -steel: every passage but those of steel, by the AND NOT above; Whoosh's Not
        # (its InverseMatcher) had also listed a deleted passage where its list ran out
        parts = [boolean.AndNot(wq.Every(), part.query) if isinstance(part, wq.Not) and len(parts) > 1 else part
                 for part in parts]
        return boolean.Or(parts) if len(parts) > 1 else parts[0]


def compile_query(node: Node, date_bounds: tuple[dt.date, dt.date], ranking: Ranking = DEFAULT_RANKING) -> Compiled:
    compiler = _Compiler(date_bounds, ranking)
    query = compiler.compile(node)
    if query is None:
        raise QuerySyntaxError("the query has only stopwords or punctuation: nothing to search for")
    if isinstance(query, wq.Not):
        query = boolean.AndNot(wq.Every(), query.query)
    compiler.result.query = query
    return compiler.result
