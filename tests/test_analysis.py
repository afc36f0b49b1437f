"""Analyzer invariants (property tests) and the analysis rules of the word and exact views."""

import marshal
import subprocess
import sys

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from corpus.text import is_han
from indexer.analysis import (
    ScriptTokenizer,
    exact_analyzer,
    exact_sequence,
    fold,
    fold_accents,
    index_views,
    word_analyzer,
)

MIXED = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("農業合作社发展急躁冒进，。！？「」“”　１９５５ＡＰＣ")),
        st.sampled_from(list("abc XYZ-'’.,;:0123456789 ōé\n")),
        st.characters(codec="utf-8"),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(MIXED)
@example("a\u3000b")  # one kind of foldable character alone
@example("ＡＰＣ 1955")
@example("農業 ok")
def test_folding_is_width_then_traditional_to_simplified(text):
    from corpus.text import fold_width
    from indexer.analysis import _t2s_table

    assert fold(text) == fold_width(text).translate(_t2s_table())


@settings(max_examples=300, deadline=None)
@given(MIXED)
def test_folding_keeps_lengths(text):
    assert len(fold(text)) == len(text)
    assert fold(text[3:9]) == fold(text)[3:9]  # context-free: a substring folds as it does in place


@settings(max_examples=300, deadline=None)
@given(MIXED, st.sampled_from(["word", "exact"]))
def test_offsets_slice_back_and_positions_never_decrease(text, view):
    last = -1
    for token in ScriptTokenizer(view)(text):
        source = fold(text[token.startchar : token.endchar])
        if len(token.text) == 2 and source != token.text:  # a bigram bridging punctuation or space
            assert source[0] + source[-1] == token.text and not any(is_han(ch) for ch in source[1:-1])
        else:
            assert source == token.text
        assert token.pos >= last
        last = token.pos


@settings(max_examples=200, deadline=None)
@given(MIXED)
def test_exact_view_offsets_after_filters(text):
    for token in exact_analyzer()(text):
        source = fold(text[token.startchar : token.endchar])
        if token.han and len(token.text) == 2:
            source = source[0] + source[-1]  # a bigram may bridge punctuation
        assert token.text == (source if token.han else fold_accents(source.lower()))


def test_sub_words_share_their_word_position():
    tokens = [(t.text, t.pos) for t in word_analyzer()("农业生产合作社发展")]
    positions = dict(tokens)
    assert positions["农业生产合作社"] == positions["合作社"] == positions["合作"]
    assert positions["发展"] == positions["农业生产合作社"] + 1


def test_exact_view_is_one_position_per_han_character_with_its_bigram():
    tokens = [(t.text, t.pos, t.startchar) for t in exact_analyzer()("急躁冒進 blind")]
    assert tokens == [("急", 0, 0), ("急躁", 0, 0), ("躁", 1, 1), ("躁冒", 1, 1), ("冒", 2, 2), ("冒进", 2, 2),
                      ("进", 3, 3), ("blind", 4, 5)]


def test_bigrams_bridge_punctuation_and_spaces():
    tokens = [(t.text, t.pos, t.startchar, t.endchar) for t in exact_analyzer()("成就，是 x 中")]
    assert ("就是", 1, 1, 4) in tokens  # across the comma
    assert not any(text == "是中" for text, *_ in tokens)  # a word in between does break it


def test_exact_sequence_of_a_phrase():
    assert exact_sequence("农业生产") == ["农业", "业生", "生产"]
    assert exact_sequence("中国") == ["中国"]
    assert exact_sequence("中") == ["中"]
    assert exact_sequence("中，国") == ["中国"]  # punctuation is ignored in queries as in text
    assert exact_sequence("APC合作社 now") == ["apc", "合作", "作社", "社", "now"]


def test_traditional_and_full_width_are_folded_before_segmentation():
    assert [t.text for t in word_analyzer()("農業合作社")] == [t.text for t in word_analyzer()("农业合作社")]
    tokens = [(t.text, t.startchar, t.endchar) for t in word_analyzer()("１９５５年")]
    assert tokens[0] == ("1955", 0, 4)


def test_english_normalisation():
    words = [t.text for t in word_analyzer()("The co-operative U.S. party's 600,000 APCs; Zhōu Ēnlái")]
    assert words[:3] == ["cooper", "co", "oper"]  # joined form first, its parts at the same position
    assert "u.s" in words and "parti" in words and "600000" in words and "apc" in words
    assert "zhou" in words and "enlai" in words and "the" not in words
    cooperative = [t.text for t in word_analyzer()("cooperative")]
    assert cooperative == ["cooper"]


@pytest.mark.parametrize("text, terms", [
    ("U.S.", ["u.s"]), ("US", ["u.s"]),  # a stopword's letters keep dots: "us" is the stem of used, uses, useful
    ("used useful uses", ["us", "us", "us"]), ("us", []),
    ("U.N.", ["un"]), ("UN", ["un"]), ("U.S.A.", ["usa"]), ("USA", ["usa"]),
    ("İSTANBUL", ["istanbul"]),  # İ lowercases to i and a combining dot, which had stayed
    ("THE FINANCIAL FLOWS", ["financi", "flow"]), ("IT IS", []),  # other stopwords in capitals stay stopwords
])
def test_acronyms_and_capitals(text, terms):
    assert [t.text for t in word_analyzer()(text)] == terms
    assert sorted(index_views(text)[0].elements()) == sorted(terms)


def test_period_dictionary_words_are_kept_whole():
    words = [t.text for t in word_analyzer()("初级社转为高级社，反对急躁冒进和统购统销")]
    for word in ("初级社", "高级社", "急躁冒进", "统购统销"):
        assert word in words


def test_user_dictionary_extends_jieba(tmp_path):
    """Also after jieba was read lazily (see indexer.dictionary): that load is for one set of
    word lists, so adding one loads again."""
    dictionary = tmp_path / "mine.txt"
    dictionary.write_text("穷棒子社 100 n\n", encoding="utf-8")
    script = (
        "from indexer.analysis import word_analyzer\nfrom indexer.dictionary import add_user_dictionary, segmenter\n"
        "before = [t.text for t in word_analyzer()('穷棒子社')]\n"
        "lazy = not segmenter().whole\n"
        f"add_user_dictionary({str(dictionary)!r})\n"
        "after = [t.text for t in word_analyzer()('穷棒子社')]\n"
        "assert '穷棒子社' not in before and '穷棒子社' in after\n"
        "print(lazy)\n"
    )
    for _ in range(2):  # the first run may be the one that writes the trie file
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


def test_jieba_loads_quietly():
    script = "from indexer.analysis import word_analyzer\nlist(word_analyzer()('合作化运动'))\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert "Building prefix dict" not in done.stderr and "Loading model" not in done.stderr
    assert done.stderr == ""


# every edge of every Han range, and the characters just outside them
_HAN_EDGES = "".join(chr(c) for lo, hi in ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF),
                                           (0x20000, 0x2FA1F), (0x3007, 0x3007))
                     for c in (lo - 1, lo, hi, hi + 1))


@example(_HAN_EDGES)
@given(st.text(max_size=50))
def test_han_pattern_agrees_with_is_han(text):
    from corpus.text import HAN_RUNS, count_han, is_han

    han = "".join(ch for ch in text if is_han(ch))
    assert "".join(HAN_RUNS.findall(text)) == han and count_han(text) == len(han)


def test_jieba_cache_loads_what_jieba_loads():
    import jieba

    from indexer.dictionary import load_jieba_cache, segmenter

    segmenter(whole=True)  # jieba's cache exists once jieba has loaded whole in this process
    ours, theirs = jieba.Tokenizer(), jieba.Tokenizer()
    assert load_jieba_cache(ours)
    theirs.initialize()
    assert ours.initialized and ours.total == theirs.total and ours.FREQ == theirs.FREQ
    assert ours.lcut("农业合作化的高潮") == theirs.lcut("农业合作化的高潮")


def test_jieba_cache_refuses_another_dictionary(tmp_path):
    import jieba

    from indexer.dictionary import load_jieba_cache

    assert not load_jieba_cache(jieba.Tokenizer(dictionary=str(tmp_path / "words.txt")))


def test_jieba_works_without_pkg_resources(tmp_path):
    """jieba is imported with pkg_resources hidden: its data files still open (a dictionary
    built from dict.txt into an empty cache folder, HMM for unknown words)."""
    script = (
        "import sys\n"
        "from indexer.dictionary import segmenter\n"
        "segmenter()\n"
        "import jieba\n"
        "assert 'pkg_resources' not in sys.modules\n"
        "fresh = jieba.Tokenizer()\n"
        f"fresh.tmp_dir = {str(tmp_path)!r}\n"
        "fresh.initialize()\n"
        "print(' '.join(fresh.lcut('农业合作化的高潮')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["农业", "合作化", "的", "高潮"]
    assert (tmp_path / "jieba.cache").is_file()


def test_the_traditional_to_simplified_table_is_kept_in_the_cache_folder(tmp_path, monkeypatch):
    """Made from OpenCC once, then read from huiyi's cache folder; a damaged file is made again."""
    from indexer import analysis

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    fresh = analysis._t2s_table_from_opencc()
    path = analysis._t2s_cache_file()
    assert path.parent == tmp_path / "huiyi" and not path.exists()
    try:
        analysis._t2s_table.cache_clear()
        assert analysis._t2s_table() == fresh and fresh[ord("農")] == ord("农")
        assert marshal.loads(path.read_bytes()) == fresh

        path.write_bytes(marshal.dumps({ord("農"): ord("X")}))  # a file it did not make: it is read
        analysis._t2s_table.cache_clear()
        assert analysis._t2s_table() == {ord("農"): ord("X")}

        for damaged in (b"\x00garbage", marshal.dumps({ord("農"): "X"}), marshal.dumps([1, 2]), marshal.dumps({}),
                        marshal.dumps({ord("農"): 0x110000}), marshal.dumps({"農": ord("农")})):
            path.write_bytes(damaged)
            analysis._t2s_table.cache_clear()
            assert analysis._t2s_table() == fresh
            assert marshal.loads(path.read_bytes()) == fresh
    finally:
        analysis._t2s_table.cache_clear()


def test_another_opencc_gets_its_own_table_file(tmp_path, monkeypatch):
    """The table's file is named by OpenCC's module, t2s dictionaries and compiled library."""
    import importlib.util
    import os
    from types import SimpleNamespace

    from indexer import analysis

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    package = tmp_path / "opencc"
    share = package / "clib" / "share" / "opencc"
    share.mkdir(parents=True)
    made_from = [package / "__init__.py", share / "t2s.json", share / "TSCharacters.ocd2",
                 share / "TSPhrases.ocd2", package / "clib" / "opencc_clib.cpython-311-x86_64-linux-gnu.so"]
    for path in made_from:
        path.write_bytes(b"1")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: SimpleNamespace(origin=str(made_from[0])))
    names = {analysis._t2s_cache_file()}
    for number, path in enumerate(made_from, start=1):
        os.utime(path, ns=(10**18 + number * 10**9,) * 2)  # the file rewritten by an upgrade
        names.add(analysis._t2s_cache_file())
    assert len(names) == len(made_from) + 1
    assert analysis._t2s_cache_file() == analysis._t2s_cache_file()  # and stable otherwise
