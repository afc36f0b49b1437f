"""Regression tests for each bug of the plain Whoosh + jieba setup, on a real index."""

import pytest

from corpus.errors import QuerySyntaxError
from indexer.build import build_index
from search import Engine

from .conftest import write_records

RECORDS = {
    "a.txt": "**Dates of Meeting:** 1955\n\n**Other Decisions and/or Actions:**\n\n要加强农业生产的领导。\n",
    "b.txt": "**Dates of Meeting:** 1955\n\n**Other Decisions and/or Actions:**\n\n工业和农业生产都要抓。\n",
    "c.txt": "**Dates of Meeting:** 1955\n\n**Other Decisions and/or Actions:**\n\n先抓生产农业再说。\n",
    "d.txt": "**Dates of Meeting:** 1956\n\n**備註：**\n\n反對急躁冒進，發展農業。\n",
    "e.txt": (
        "**Dates of Meeting:** 1954\n\n**Speeches/Reports:**\n\n**Deng Zihui:**\n\n"
        '"Now there is some Blind\n optimism<sup>2</sup> in the counties."\n\n'
        "**Remarks:**\n\nThey called it blind, optimism.\n"
    ),
    "g.txt": "**Dates of Meeting:** 1954\n\n**Remarks:**\n\nThe optimism was blind.\n",
    "f.txt": "**Dates of Meeting:** 1957\n\n**Remarks:**\n\nThe co-operative movement of the U.S. farmers' 600,000 acres.\n",
    "h.txt": "**Dates of Meeting:** 1957\n\n**Remarks:**\n\nThe methods used were not useful; the UN and İSTANBUL.\n",
    "i.txt": ("**Dates of Meeting:** 1958\n\n**Remarks:**\n\nTheir agricul-\nture and collec\u00ad\ntivisation, "
              "industrial\u200bisation, ﬁnancial ﬂows.\n"),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    folder = write_records(tmp_path_factory.mktemp("records"), RECORDS)
    index_dir = tmp_path_factory.mktemp("ix") / "index"
    build_index([folder], index_dir)
    with Engine.open(index_dir) as opened:
        yield opened


def meetings(engine, query):
    return sorted({hit.meeting_id for hit in engine.search(query, limit=0, excerpts=False).hits})


def test_chinese_phrases_of_several_words_match(engine):
    assert meetings(engine, '"农业生产"') == ["a", "b"]
    assert meetings(engine, '"急躁冒进"') == ["d"]
    assert meetings(engine, '"生产农业"') == ["c"]


def test_bare_han_term_is_a_substring_and_only_that(engine):
    assert meetings(engine, "农业生产") == ["a", "b"]  # 生产农业 in c is not 农业生产
    assert meetings(engine, "业生") == ["a", "b"]  # crosses jieba's word boundary


def test_phrases_ignore_punctuation_between_chinese_characters(engine):
    assert meetings(engine, '"发展农业"') == ["d"]  # the text has 發展，農業 (bigram 展农 across the comma)
    assert meetings(engine, '"冒进，发展"') == ["d"]


def test_chinese_words_of_a_phrase_with_a_distance_may_stand_apart(engine):
    """The two words had been joined by a bigram (产领) that is in no text where they stand
    apart, so "生产 领导"~N found only what "生产领导" finds."""
    assert meetings(engine, '"生产 领导"~1') == ["a"]  # 要加强农业生产的领导: one character between
    assert meetings(engine, '"生产 领导"~0') == meetings(engine, '"生产 领导"') == []
    assert meetings(engine, '"领导 生产"~1') == []  # in order
    assert meetings(engine, '"农业 领导"~2') == [] and meetings(engine, '"农业 领导"~3') == ["a"]
    assert meetings(engine, '"冒进 农业"~2') == ["d"]  # 冒進，發展農業: punctuation is no character
    assert meetings(engine, '"生产 农业"~3') == ["c"] and meetings(engine, '"农业生产"~3') == ["a", "b"]
    hit = engine.search('"生产 领导"~1').hits[0]
    assert [hit.excerpt[start:end] for start, end in hit.highlights] == ["生产", "领导"]


def test_traditional_finds_simplified_and_back(engine):
    assert meetings(engine, "農業") == meetings(engine, "农业") == ["a", "b", "c", "d"]
    assert meetings(engine, '"急躁冒進"') == ["d"]


def test_english_phrases_match_exactly(engine):
    assert meetings(engine, '"blind optimism"') == ["e"]  # across a line break, case, footnote mark
    results = engine.search('"blind optimism"', limit=0)
    speech = next(hit for hit in results.hits if hit.kind == "speech")
    assert speech.excerpt[slice(*speech.highlights[0])] == "Blind\n optimism".replace("\n ", " ")


def test_phrase_ignores_punctuation_but_not_word_order(engine):
    kinds = sorted(hit.kind for hit in engine.search('"blind optimism"', limit=0).hits)
    assert kinds == ["remark", "speech"]  # "blind, optimism" matches; "optimism was blind" (g) does not


def test_phrase_across_a_paragraph_broken_mid_sentence(sample_index):
    with Engine.open(sample_index) as engine:
        found = meetings(engine, '"mutual assistance and cooperation must implement"')
    assert found == ["000_c75d9bfc1afe58b6"]


def test_english_word_forms(engine):
    assert meetings(engine, "cooperative") == ["f"]
    assert meetings(engine, "co-operative") == ["f"]
    assert meetings(engine, '"600,000 acres"') == ["f"]
    assert meetings(engine, "farmer") == ["f"]
    assert meetings(engine, '"u.s. farmers"') == ["f"]
    assert "f" in meetings(engine, "U.S.")


def test_chinese_excerpt_is_cut_at_chinese_sentence_ends(engine):
    from search.excerpts import make_excerpt

    text = "第一句很长很长很长很长很长。第二句提到合作化的问题！第三句又很长很长很长很长很长很长？"
    start = text.index("合作化")
    excerpt = make_excerpt(text, [(start, start + 3)], width=16)
    assert excerpt.text == "…第二句提到合作化的问题！…"
    assert excerpt.text[slice(*excerpt.highlights[0])] == "合作化"


@pytest.mark.parametrize("width, excerpt", [(20, "…atoms-for-peace…"), (33, "…atoms-for-peace plan.…"),
                                             (40, "…the atoms-for-peace plan.…")])
def test_a_narrow_excerpt_is_not_cut_inside_a_word(width, excerpt):
    """At --width 20–33 an excerpt had begun "…toms-for-peace" and ended "peace-lovi…"."""
    from search.excerpts import make_excerpt

    text = "In this debate many speakers mentioned the atoms-for-peace plan. Other peace-loving nations agreed."
    start = text.index("peace")
    made = make_excerpt(text, [(start, start + 5)], width=width)
    assert made.text == excerpt and made.text[slice(*made.highlights[0])] == "peace"
    later = text.index("peace-loving")
    assert make_excerpt(text, [(later, later + 5)], width=20).text == "…Other peace-loving…"


@pytest.mark.parametrize("width", [20, 21, 22, 40])
def test_a_match_longer_than_the_width_is_shown_whole_and_marked(width):
    """A phrase of 22 characters at --width 20 or 21: the window had started inside it
    ("…elegates cooperative…") and marked nothing."""
    from search.excerpts import make_excerpt

    text = "The meeting heard that the delegates cooperatives were praised by all."
    start = text.index("delegates")
    made = make_excerpt(text, [(start, start + 22)], width=width)
    assert [made.text[slice(*span)] for span in made.highlights] == ["delegates cooperatives"]


def test_us_is_the_united_states_not_used(engine):
    """U.S. had been the term us, the stem of used, uses and useful; US had been a stopword."""
    assert meetings(engine, "U.S.") == meetings(engine, "US") == ["f"]
    assert meetings(engine, "used") == meetings(engine, "useful") == ["h"]
    assert meetings(engine, "U.N.") == meetings(engine, "un") == ["h"]
    assert meetings(engine, "istanbul") == ["h"]
    (hit,) = engine.search("US").hits
    assert [hit.text[start:end] for start, end in hit.matches] == ["U.S."]


@pytest.mark.parametrize("word", ["agriculture", "collectivisation", "industrialisation", "financial", "flows"])
def test_words_broken_at_a_line_end_or_by_typesetting_are_found(engine, word):
    """A hyphen at a line's end, a soft hyphen, a zero-width space and the ligatures of PDFs had
    split or hidden these words."""
    assert meetings(engine, word) == ["i"]
    (hit,) = engine.search(word).hits
    assert hit.text == "Their agricul-ture and collectivisation, industrialisation, financial flows."


def test_a_phrase_stays_inside_one_quotation_and_one_attendee(tmp_path):
    """Quotations and attendees had been indexed joined with " … " and " ; ": a phrase ran from
    one into the next (quote:"advance where", quote:"不足我犯", attendee:"Shaoqi Zhou")."""
    records = {
        "q.txt": ("**Dates of Meeting:** 1955\n\n**Attendance:** Mao Zedong, Liu Shaoqi; Zhou Enlai\n\n"
                  '**Speeches/Reports:**\n\n**Deng Zihui:**\n\nHe warned of "rash advance" and said "Where the '
                  'masses are ready, go on."\n\n他说「估计不足」，又说『我犯了错误』。\n'),
        "r.txt": "**Dates of Meeting:** 1956\n\n**出席：** 刘少奇、周恩来\n\n**Remarks:**\n\nNothing.\n",
    }
    index_dir = tmp_path / "ix"
    build_index([write_records(tmp_path / "c", records)], index_dir)
    with Engine.open(index_dir) as engine:
        for query in ('quote:"advance where"', 'quote:"不足我犯"', 'quote:"估计 错误"~50', 'attendee:"Shaoqi Zhou"',
                      "attendee:奇周", 'attendee:"Zedong Liu"~5'):
            assert meetings(engine, query) == [], query
        for query, found in [('quote:"rash advance"', ["q"]), ('quote:"where the masses"', ["q"]),
                             ('quote:"估计不足"', ["q"]), ('quote:"我犯了错误"', ["q"]), ('quote:"犯 错误"~1', ["q"]),
                             ('attendee:"Liu Shaoqi"', ["q"]), ('attendee:"Zhou Enlai"', ["q"]),
                             ("attendee:周恩来", ["r"]), ("attendee:刘少奇", ["r"])]:
            assert meetings(engine, query) == found, query
        hit = engine.search('quote:"我犯了错误"').hits[0]
        assert [hit.excerpt[start:end] for start, end in hit.highlights] == ["我犯了错误"]


def test_a_prefix_with_a_hyphen_an_apostrophe_a_dot_or_an_accent_finds_its_words(tmp_path):
    """The prefix had been looked up as written: co-op*, Mao's*, U.S* and Zhō* found nothing."""
    records = {"a.txt": ("**Dates of Meeting:** 1957\n\n**Remarks:**\n\nThe co-operatives grew; Zhōu Enlai spoke of "
                         "Mao's line, the U.S. delegation and self-reliance.\n"),
               "b.txt": "**Dates of Meeting:** 1957\n\n**Remarks:**\n\nA coop store; the co-chair's operation.\n",
               # over 1,024 words starting "op": Whoosh's prefix had dropped positions, and co-op* failed
               "c.txt": "**Dates of Meeting:** 1957\n\n**Remarks:**\n\n" + " ".join(f"op{n}x" for n in range(1100)) + "\n"}
    index_dir = tmp_path / "ix"
    build_index([write_records(tmp_path / "c", records)], index_dir)
    with Engine.open(index_dir) as engine:
        for query, found, marked in [("co-op*", ["a"], ["co-operatives"]), ("Zhō*", ["a"], ["Zhōu"]),
                                     ("zhou*", ["a"], ["Zhōu"]), ("Mao's li*", ["a"], ["Mao's", "line"]),
                                     ("self-rel*", ["a"], ["self-reliance"]), ("coop*", ["b"], ["coop"])]:
            assert meetings(engine, query) == found, query
            hit = engine.search(query).hits[0]
            assert [hit.excerpt[start:end] for start, end in hit.highlights] == marked, query
        for query in ("U.S*", "Mao's*", "co-o*"):  # one letter after the hyphen: every word of the index
            with pytest.raises(QuerySyntaxError, match="at least 2 letters after its last hyphen"):
                engine.search(query)


def test_the_distance_of_a_loose_phrase_is_counted_between_whole_words(tmp_path):
    """Each term of the words could stray by ~N: "国家 建设"~3 took 国家 then the 家 of 专家 and
    matched 国家的专家在建设 (4 characters apart), found but with nothing highlighted."""
    records = {"a.txt": "**Dates of Meeting:** 1956\n\n**Remarks:**\n\n国家的专家在建设。\n\n国家在建设。\n"}
    index_dir = tmp_path / "ix"
    build_index([write_records(tmp_path / "c", records)], index_dir)
    with Engine.open(index_dir) as engine:
        assert [hit.passage_id for hit in engine.search('"国家 建设"~3').hits] == ["a#1"]
        assert sorted(hit.passage_id for hit in engine.search('"国家 建设"~4').hits) == ["a#0", "a#1"]
        assert all(hit.highlights for hit in engine.search('"国家 建设"~4').hits)
        assert [hit.passage_id for hit in engine.search('speaker:x OR "国家 建设"~1').hits] == ["a#1"]


@pytest.mark.parametrize("text, query, marked", [
    ("国家建设甲建设乙丙丁发展。", '"国家 建设 发展"~3', ["国家", "建设", "发展"]),
    ("party state x state y z economy w.", '"party state economy"~2', ["party", "state", "economy"]),
])
def test_every_loose_phrase_hit_is_highlighted(tmp_path, text, query, marked):
    """The highlighter took the nearest place of each word and never went back: where only a
    later one leads on, the index's hit had no highlight (and kwic no line)."""
    records = {"a.txt": f"**Dates of Meeting:** 1956\n\n**Remarks:**\n\n{text}\n"}
    index_dir = tmp_path / "ix"
    build_index([write_records(tmp_path / "c", records)], index_dir)
    with Engine.open(index_dir) as engine:
        (hit,) = engine.search(query).hits
        assert [hit.excerpt[start:end] for start, end in hit.highlights] == marked
        assert [line.match for line in engine.kwic(query)] == marked  # a line per word, as highlighted
