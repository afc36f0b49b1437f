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
    """Whoosh's AndNotMatcher asked its positive side for an id after skipping it past its end
    (as in ``(台湾 -香港) kind:decision``); huiyi's (search.boolean) does not ask, so a bulk
    matcher there need not answer with a stale id."""
    from whoosh.matching import ListMatcher

    from search.boolean import _AndNotMatcher
    from search.fastpath import ScoredIdsMatcher

    matcher = _AndNotMatcher(ScoredIdsMatcher([1, 2], [0.5, 0.7]), ListMatcher([1, 5, 9]))
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


@pytest.mark.parametrize("word", ["合作", "发展", "cooperative", "农业"])
def test_word_bonus_over_one_term_equals_and_maybe(searcher, word):
    """A one-term query's scores are listed in bulk (``term_scores``), as its matcher gives them."""
    exact, words = exact_sequence(word), list(dict.fromkeys(word_tokens(word)))
    assert len(exact) == 1
    for boost in (1.0, 1.5):
        ours = _hits(searcher, WithWordBonus(wq.Term("exact", exact[0], boost=boost), "word", words, 2.0))
        theirs = _hits(searcher, wq.AndMaybe(wq.Term("exact", exact[0], boost=boost),
                                             wq.Or([wq.Term("word", w, boost=2.0) for w in words])))
        assert ours and ours.keys() == theirs.keys()
        assert all(ours[d] == pytest.approx(theirs[d], rel=1e-6) for d in ours)


def test_a_phrase_with_a_witness_matches_as_without(tmp_path):
    """The passages having the word 习近平 in their word view skip the position check; the others
    (jieba cut 学习/近/平常 there, or the bigrams are apart) are checked as before."""
    from indexer.build import build_index
    from search.compile import compile_query
    from search.query import parse_query

    from .conftest import write_records

    texts = {"a": "习近平主席出席会议", "b": "他学习近平常的功课", "c": "学习近况，靠近平原", "d": "习近平说，习近平强调",
             "e": "习近平谈学习"}
    corpus = write_records(tmp_path / "c", {f"{name}.txt": f"**Remarks:**\n\n{text}\n" for name, text in texts.items()})
    build_index([corpus], tmp_path / "ix", procs=1)
    tokens = exact_sequence("习近平")
    compiled = compile_query(parse_query("习近平"), (None, None)).query
    assert compiled.required.witness == ("word", "习近平")
    assert compile_query(parse_query('"习近平常"'), (None, None)).query.required.witness is None  # two words
    ix = open_index(tmp_path / "ix")
    with ix.searcher(weighting=CachedLengthBM25F(B=0.5, K1=1.2)) as searcher:
        ours = _hits(searcher, AdjacentPhrase("exact", tokens, witness=("word", "习近平")))
        assert ours == _hits(searcher, wq.Phrase("exact", tokens))
        names = [searcher.stored_fields(docnum)["meeting_id"] for docnum in ours]
        # a witness that does not spell the words (Whoosh's Phrase.replace edits them in place) is not used
        stale = AdjacentPhrase("exact", ["学习", "习近"], witness=("word", "习近平"))
        assert _hits(searcher, stale) == _hits(searcher, wq.Phrase("exact", ["学习", "习近"]))
    ix.close()
    assert sorted(names) == ["a", "b", "d", "e"]


def test_each_witness_field_holds_the_same_text_as_its_phrase_field(sample_index):
    """The witness rests on it: a word in a passage's word view is a run of its exact view's text."""
    from corpus.sources import read_records
    from indexer.build import documents_of
    from search.compile import _WORD_VIEW_OF

    from .conftest import SAMPLES

    documents = [document for result in read_records([SAMPLES]) if result.meeting
                 for document in documents_of(result.meeting, "k")]
    assert any(document["quote"] for document in documents)
    for exact_field, word_field in _WORD_VIEW_OF.items():
        assert all(document[exact_field] == document[word_field] for document in documents)


def test_top_hits_taken_at_once_equal_whooshs_one_at_a_time(tmp_path):
    """Equal scores across two segments: the same top N, in the same order, and the same count."""
    from whoosh.collectors import Collector

    from indexer.build import build_index
    from search.engine import _CountingTopCollector
    from search.fastpath import ScoredIdsMatcher

    from .conftest import write_records

    class OneAtATime(_CountingTopCollector):
        collect_matches = Collector.collect_matches  # a match at a time, as Whoosh collects

    same = "**Remarks:**\n\n合作社的发展\n"
    corpus = write_records(tmp_path / "c", {f"{n:02d}.txt": same if n % 3 else same.replace("发展", "发展发展")
                                            for n in range(12)})
    build_index([corpus], tmp_path / "ix", procs=1)
    write_records(corpus, {f"{n:02d}.txt": same for n in range(12, 20)})
    build_index([corpus], tmp_path / "ix", procs=1)  # a second segment
    ix = open_index(tmp_path / "ix")
    query = WithWordBonus(wq.Term("exact", "发展"), "word", ["发展"], 2.0)
    with ix.searcher(weighting=CachedLengthBM25F(B=0.5, K1=1.2)) as searcher:
        leaves = searcher.leaf_searchers()
        assert len(leaves) == 2 and all(type(query.matcher(leaf)) is ScoredIdsMatcher for leaf, _ in leaves)
        for limit in (1, 3, 5, 19, 30):
            ours, theirs = _CountingTopCollector(limit), OneAtATime(limit)
            searcher.search_with_collector(query, ours)
            searcher.search_with_collector(query, theirs)
            assert [(hit.docnum, hit.score) for hit in ours.results()] == \
                   [(hit.docnum, hit.score) for hit in theirs.results()]
            assert ours.results().docs() == theirs.results().docs() == set(range(20))
            assert limit == 1 or len({hit.score for hit in ours.results()}) < min(limit, 20)  # ties within the top N
    ix.close()


def test_a_phrase_whose_common_word_was_rewritten_by_an_update_is_searched(tmp_path):
    """Every passage holding "advance" rewritten by an update (their meeting's date changed):
    the old segment still counts the word's postings, but holds it in no live passage. Probing
    it at "rash"'s one passage there had raised ReadTooFar: a traceback for '"rash advance"'."""
    from indexer.build import build_index
    from search import Engine

    from .conftest import write_records

    header = "**Dates of Meeting:** {date}\n\n**Other Decisions and/or Actions:**\n\n"
    points = "".join(f"Point {n}: we must advance.\n\n" for n in range(1, 10))
    corpus = write_records(tmp_path / "c", {"a.txt": header.format(date="10-10-1954") + points,
                                            "b.txt": header.format(date="11-11-1954") + "No rash moves.\n"})
    build_index([corpus], tmp_path / "ix", procs=1)
    (corpus / "a.txt").write_text(header.format(date="12-10-1954") + points, encoding="utf-8")
    assert build_index([corpus], tmp_path / "ix", procs=1).passages_written == 9
    with Engine.open(tmp_path / "ix") as engine:
        assert engine.search('"rash advance"').total_passages == 0
        assert engine.search('"must advance"').total_passages == 9
        (corpus / "b.txt").write_text(header.format(date="11-11-1954") + "No rash advance.\n", encoding="utf-8")
    build_index([corpus], tmp_path / "ix", procs=1)
    with Engine.open(tmp_path / "ix") as engine:
        assert [hit.meeting_id for hit in engine.search('"rash advance"').hits] == ["b"]
