"""jieba read lazily through the trie file segments exactly as jieba loaded whole."""

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.dictionary import (
    load_segmenter,
    read_trie,
    trie_path,
    user_dictionary_path,
)

from .conftest import SAMPLES

# Characters and words of the period (dictionary words, period words, prefixes of long words,
# characters jieba does not know), so that texts hit long words, unknown runs (HMM) and
# everything between.
PIECES = st.sampled_from(
    list("农业合作化的高潮社会主义改造初级高社员生产队粮食统购销人民公社大跃进急躁冒进反右倾一二三了在是")
    + ["合作化运动", "农业合作化", "初级社", "高级社", "社会主义", "中华人民共和国", "国务院常务会议",
       "邓子恢", "毛泽东", "小脚女人", "互助组", "中央农村工作部", "中华人民", "中华人"]
)
HAN_TEXT = st.lists(PIECES, max_size=30).map("".join)


@pytest.fixture(scope="module")
def tokenizers(tmp_path_factory):
    """(whole, lazy) for the bundled word list; the lazy one reads the trie file the first
    load wrote."""
    folder = tmp_path_factory.mktemp("cache")
    lists = [str(user_dictionary_path())]
    whole = load_segmenter(lists, whole=True, cache_dir=folder)
    writer = load_segmenter(lists, cache_dir=folder)  # finds no file: loads whole, writes it
    lazy = load_segmenter(lists, cache_dir=folder)
    assert whole.whole and writer.whole and not lazy.whole
    return whole, lazy


def segmentations(tokenizer, text):
    return (list(tokenizer.tokenize(text, HMM=True)), tokenizer.lcut_for_search(text),
            [(word, tokenizer.FREQ.get(word)) for word in tokenizer.lcut(text, HMM=False)])


@settings(max_examples=300, deadline=None)
@given(HAN_TEXT)
def test_lazy_segmentation_is_whole_segmentation(tokenizers, text):
    whole, lazy = tokenizers
    assert segmentations(lazy, text) == segmentations(whole, text)


@pytest.fixture(scope="module")
def jiebas_own():
    """jieba's own Tokenizer, with the bundled word list: huiyi's replaces get_DAG and calc."""
    from indexer.dictionary import _import_jieba

    tokenizer = _import_jieba().Tokenizer()
    tokenizer.initialize()
    tokenizer.load_userdict(str(user_dictionary_path()))
    return tokenizer


MIXED_TEXT = st.lists(st.one_of(PIECES, st.sampled_from(["WTO", "G20", "3.5%", "C++", " ", "，", "x-ray", "1955年"])),
                      max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(MIXED_TEXT)
def test_huiyis_word_graph_and_route_are_jiebas(tokenizers, jiebas_own, text):
    whole, lazy = tokenizers
    expected = segmentations(jiebas_own, text)
    assert segmentations(whole, text) == expected
    assert segmentations(lazy, text) == expected
    graph = jiebas_own.get_DAG(text)
    for ours in (whole, lazy):
        assert dict(ours.get_DAG(text)) == graph
        route, expected_route = {}, {}
        ours.calc(text, ours.get_DAG(text), route)
        jiebas_own.calc(text, graph, expected_route)
        assert route == expected_route  # the same floats, not just the same best path


def test_huiyis_segmentation_of_the_sample_corpus_is_jiebas(tokenizers, jiebas_own):
    text = "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in sorted(SAMPLES.iterdir()))
    assert segmentations(tokenizers[0], text) == segmentations(jiebas_own, text)


def test_lazy_segmentation_of_the_sample_corpus(tokenizers):
    whole, lazy = tokenizers
    text = "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in sorted(SAMPLES.iterdir()))
    assert sum("\u4e00" <= ch <= "\u9fff" for ch in text) > 1000
    assert segmentations(lazy, text) == segmentations(whole, text)
    assert 0 < len(lazy.FREQ) < len(whole.FREQ) / 20  # it copied only what the text needed


def test_the_longest_words(tokenizers):
    whole, lazy = tokenizers
    longest = sorted((word for word, frequency in whole.FREQ.items() if frequency), key=len)[-20:]
    assert len(longest[-1]) == lazy.longest
    text = "的".join(longest)
    assert segmentations(lazy, text) == segmentations(whole, text)
    assert longest[-1] in lazy.lcut(text)


def test_the_trie_file_is_named_by_what_it_was_made_from(tmp_path):
    listed = tmp_path / "words.txt"
    listed.write_text("小脚女人 3000 n\n", encoding="utf-8")
    bundled = str(user_dictionary_path())
    plain = trie_path([bundled], tmp_path)
    extended = trie_path([bundled, str(listed)], tmp_path)
    assert plain != extended and plain.parent == tmp_path
    listed.write_text("小脚女人 3000 n\n急躁冒进 3000 v\n", encoding="utf-8")
    assert trie_path([bundled, str(listed)], tmp_path) != extended  # the list's contents count
    assert trie_path([bundled, str(tmp_path / "missing.txt")], tmp_path) is None


def test_a_damaged_trie_file_is_replaced(tmp_path):
    lists = [str(user_dictionary_path())]
    path = trie_path(lists, tmp_path)
    path.write_bytes(b"huiyi-jieba-trie-1\n" + b"\x07" * 100)
    assert read_trie(path) is None
    tokenizer = load_segmenter(lists, cache_dir=tmp_path)
    assert tokenizer.whole and tokenizer.lcut("农业合作化的高潮") == ["农业合作化", "的", "高潮"]
    assert read_trie(path) is not None
    assert not load_segmenter(lists, cache_dir=tmp_path).whole


def segment_in_a_new_process(text: str, lists: list[str], whole: bool, folder) -> list:
    """jieba's global state (HMM force-split words) is per process."""
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from indexer.dictionary import load_segmenter\n"
        f"tokenizer = load_segmenter({lists!r}, whole={whole}, cache_dir=Path({str(folder)!r}))\n"
        "print(json.dumps([tokenizer.whole, tokenizer.lcut(sys.argv[1])]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, text], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_words_a_list_keeps_apart_stay_apart(tmp_path):
    """A word given frequency 0 is split by jieba's HMM too; the trie file carries that."""
    listed = tmp_path / "words.txt"
    listed.write_text("小脚女人 3000 n\n王明 0\n", encoding="utf-8")
    lists = [str(user_dictionary_path()), str(listed)]
    text = "批判王明路线，不要当小脚女人"
    whole = segment_in_a_new_process(text, lists, True, tmp_path)
    assert segment_in_a_new_process(text, lists, False, tmp_path) == whole  # writes the file
    lazy = segment_in_a_new_process(text, lists, False, tmp_path)
    assert lazy == [False, whole[1]] and "王明" not in lazy[1] and "小脚女人" in lazy[1]



def test_where_the_cache_cannot_be_written_no_trie_is_made(tmp_path, monkeypatch):
    """Every lazy load would otherwise make the trie (a second) only to fail to write it."""
    import marisa_trie

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    made = []
    real = marisa_trie.Trie
    monkeypatch.setattr(marisa_trie, "Trie", lambda *args: made.append(args) or real(*args))
    tokenizer = load_segmenter([str(user_dictionary_path())], cache_dir=blocked / "huiyi")
    assert tokenizer.whole and tokenizer.lcut("农业合作化的高潮") == ["农业合作化", "的", "高潮"]
    assert made == []


def test_a_word_added_to_a_lazy_dictionary_keeps_the_words_it_starts_with(tokenizers, tmp_path):
    """jieba's add_word marks the new word's prefixes missing from the dict as non-words: in a
    lazy dict, 中华人民 would be one of them."""
    whole, _lazy = tokenizers
    lists = [str(user_dictionary_path())]
    load_segmenter(lists, cache_dir=tmp_path)  # writes the trie file
    lazy = load_segmenter(lists, cache_dir=tmp_path)
    assert not lazy.whole and "中华人民" not in lazy.FREQ
    lazy.add_word("中华人民共和国万岁", 10)
    assert lazy.whole
    assert lazy.FREQ["中华人民"] == whole.FREQ["中华人民"] > 0
    assert lazy.lcut("中华人民共和国万岁") == ["中华人民共和国万岁"]


def test_only_the_newest_trie_files_are_kept(tmp_path):
    """Every word-list edit makes a 3 MB trie file: writing one prunes the oldest tries (and
    only tries)."""
    import os

    from indexer.files import KEPT_CACHE_FILES

    old_tries, tables = [], []
    for number in range(KEPT_CACHE_FILES + 2):
        for kind, names in (("jieba-{:024d}.trie", old_tries), ("t2s-{:016d}.marshal", tables)):
            path = tmp_path / kind.format(number)
            path.write_bytes(b"old")
            os.utime(path, ns=(10**18 + number * 10**9,) * 2)  # oldest first, all in the past
            names.append(path)
    lists = [str(user_dictionary_path())]
    load_segmenter(lists, cache_dir=tmp_path)  # no trie for these lists yet: writes one, prunes
    newest_old = old_tries[-(KEPT_CACHE_FILES - 1):]
    assert set(tmp_path.glob("jieba-*.trie")) == {trie_path(lists, tmp_path), *newest_old}
    assert set(tmp_path.glob("t2s-*.marshal")) == set(tables)
