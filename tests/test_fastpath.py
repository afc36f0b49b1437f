"""The bulk queries of search.fastpath match and score exactly as the Whoosh queries they replace."""

import pytest
from whoosh import query as wq

from indexer.analysis import exact_sequence
from indexer.storage import open_index
from search.compile import word_tokens
from search.fastpath import (
    AdjacentPhrase,
    CachedLengthBM25F,
    DocSetQuery,
    WithWordBonus,
)

PHRASES = ["合作化", "急躁冒进", "blind optimism", "leaders of the", "of the", "农业生产合作社", "社会主义"]


def _hits(searcher, query):
    return {hit.docnum: round(hit.score, 9) for hit in searcher.search(query, limit=None)}


@pytest.fixture(scope="module")
def searcher(sample_index):
    ix = open_index(sample_index)
    with ix.searcher(weighting=CachedLengthBM25F(B=0.5, K1=1.2)) as searcher:
        yield searcher
    ix.close()


@pytest.mark.parametrize("phrase", PHRASES)
def test_adjacent_phrase_equals_whoosh_phrase(searcher, phrase):
    tokens = exact_sequence(phrase)
    ours = _hits(searcher, AdjacentPhrase("exact", tokens))
    assert ours, f"{phrase!r} should occur in the samples"
    assert ours == _hits(searcher, wq.Phrase("exact", tokens))


@pytest.mark.parametrize("phrase", PHRASES)
def test_word_bonus_equals_and_maybe(searcher, phrase):
    required = wq.Phrase("exact", exact_sequence(phrase))
    words = list(dict.fromkeys(word_tokens(phrase)))
    whoosh = wq.AndMaybe(required, wq.Or([wq.Term("word", w, boost=2.0) for w in words]))
    ours = _hits(searcher, WithWordBonus(AdjacentPhrase("exact", exact_sequence(phrase)), "word", words, 2.0))
    theirs = _hits(searcher, whoosh)
    assert ours.keys() == theirs.keys()
    assert all(ours[d] == pytest.approx(theirs[d], rel=1e-6) for d in ours)


def test_docset_equals_constant_score_union(searcher):
    terms = [("year", "1955"), ("year", "1956"), ("kind", "decision"), ("year", "1800")]
    ours = _hits(searcher, DocSetQuery(terms, 0.0))
    theirs = _hits(searcher, wq.ConstantScoreQuery(wq.Or([wq.Term(f, t) for f, t in terms]), 0.0))
    assert ours and ours.keys() == theirs.keys()
    assert set(ours.values()) == {0.0}  # Whoosh's gives 1.0: a zero weight reads as "none"


@pytest.mark.parametrize("query", ["合作社", '"合作化"', "cooperative", '"blind optimism"', "合作社 发展"])
@pytest.mark.parametrize("where", ["date:1955", "date:1953..1956", "kind:speech", "date:..1954"])
def test_a_filter_does_not_change_scores(sample_index, query, where):
    """A filter narrows the hits and leaves every score as it was without it (Whoosh's own
    AndMaybe, intersected with a filter, loses the word bonus of some passages)."""
    from search import Engine

    with Engine.open(sample_index) as engine:
        alone = {(h.meeting_id, h.position): h.score for h in engine.search(query, limit=0).hits}
        narrowed = {(h.meeting_id, h.position): h.score for h in engine.search(f"{query} {where}", limit=0).hits}
    assert alone, query
    assert all(narrowed[key] == pytest.approx(alone[key], rel=1e-9) for key in narrowed)


def test_docset_skips_inside_an_intersection(searcher):
    text = wq.Term("word", exact_sequence("合作")[0])
    dated = DocSetQuery([("year", "1955")])
    ours = set(_hits(searcher, wq.And([text, dated])))
    assert ours == set(_hits(searcher, text)) & set(_hits(searcher, dated))



def test_bulk_matcher_skipped_to_the_end_under_and_not():
    """Whoosh's AndNotMatcher asks its positive side for an id after skipping it past its end
    (as in ``(台湾 -香港) kind:decision``); a bulk matcher must not raise there."""
    from whoosh.matching import AndNotMatcher, ListMatcher

    from search.fastpath import ScoredIdsMatcher

    matcher = AndNotMatcher(ScoredIdsMatcher([1, 2], [0.5, 0.7]), ListMatcher([1, 5, 9]))
    assert matcher.id() == 2
    matcher.skip_to(4)
    assert not matcher.is_active()


def test_length_columns_read_at_once_equal_one_at_a_time(searcher):
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    from search.fastpath import _column_bytes

    checked = 0
    for leaf, _ in searcher.reader().leaf_readers():
        for fieldname in ("word", "exact", "quote", "speaker"):
            column = leaf._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            if column is not None:
                assert list(_column_bytes(column)) == list(column)
                checked += 1
    assert checked >= 3
