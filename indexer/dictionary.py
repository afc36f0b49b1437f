"""jieba and its dictionary, loaded once per process, whole or in a few milliseconds.

jieba keeps its dictionary (~500,000 words and word prefixes) in a dict it unmarshals at
start: 0.2 s, the largest fixed cost of a Chinese search, a batch or a small update. Yet
segmenting a text only ever looks up substrings of that text. So huiyi also keeps the
dictionary, with the bundled and user word lists applied, in a marisa trie file (3 MB
with the frequencies, read in ~1 ms), and before jieba builds a sentence's word graph copies into jieba's dict the
words that start at each of its characters. jieba then sees exactly the entries the whole
dictionary would have given it for that sentence, so it segments word for word the same
(tested), at ~0.7 µs more per character: a large build asks for the whole dictionary.

The trie file is made from the whole dictionary the first time a lazy load finds none, in
``$XDG_CACHE_HOME/huiyi`` (default ``~/.cache/huiyi``), named by what it was made from
(the digest of jieba's files and the word lists' contents that an index also records, see
``word_lists_digest``); where it cannot be written or
read, jieba is loaded whole, as before.
"""

from __future__ import annotations

import array
import gc
import hashlib
import logging
import marshal
import os
import struct
import sys
import tempfile
import threading
from importlib import resources
from math import log
from pathlib import Path

from corpus.errors import UsageError

from .files import cache_dir, writable_folder, write_cache_file

DEFAULT_USER_DICT = "period_words.txt"
_TRIE_MAGIC = b"huiyi-jieba-trie-1\n"
_TRIE_HEADER = struct.Struct("<QIII")  # total frequency, longest word, number of words, bytes of split words

_lock = threading.Lock()
_segmenter = None
_user_dicts: list[str] = []


def user_dictionary_path() -> Path:
    return Path(str(resources.files("indexer") / "data" / DEFAULT_USER_DICT))


def user_dictionaries() -> list[str]:
    """The extra word lists loaded after the bundled one (``--user-dict``), in order."""
    return list(_user_dicts)


def segmenter(whole: bool = False):
    """The process's one jieba tokenizer, quietly loaded.

    ``whole``: load the whole dictionary now (for a large build, before workers are forked,
    so they share it); otherwise it is read lazily through the trie file when there is one."""
    global _segmenter
    with _lock:
        if _segmenter is None:
            _segmenter = load_segmenter(_word_lists(), whole=whole)
        elif whole and not _segmenter.whole:
            _segmenter.load_whole()
    return _segmenter


def add_user_dictionary(path: str | Path) -> None:
    """Extend jieba's vocabulary with a user file (jieba format: ``word [freq] [tag]`` a line)."""
    global _segmenter
    path = str(Path(path).resolve())
    _check_word_list(path)
    if path in _user_dicts:
        return
    _user_dicts.append(path)
    from .analysis import forget_segmentations

    forget_segmentations()
    with _lock:
        if _segmenter is not None and _segmenter.whole:
            _segmenter.word_lists = tuple(_word_lists())
            _segmenter.word_lists_digest = _files_digest(_segmenter.word_lists)
            _segmenter.load_userdict(path)
        else:
            _segmenter = None  # a lazy one is made for one set of word lists: load again


def _check_word_list(path: str) -> None:
    """jieba reads word lists as UTF-8 and stops with a traceback on anything else (a list
    saved as GBK by a Windows editor): say so in one line instead."""
    try:
        Path(path).read_bytes().decode("utf-8")
    except OSError as error:
        raise UsageError(f"{path}: cannot read this word list: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: a jieba word list must be UTF-8 text; save it as UTF-8") from None


def _word_lists() -> list[str]:
    return [str(user_dictionary_path()), *_user_dicts]


def word_lists_digest() -> str:
    """What this process segments with, as a digest: jieba's dictionary (version, file) and the
    contents of the word lists (the bundled one and ``--user-dict`` files), as the loaded
    segmenter read them, else as they are now. Text segmented with other words is segmented
    differently."""
    with _lock:
        if _segmenter is not None:
            return _segmenter.word_lists_digest
    return _files_digest(_word_lists())


def reload_if_word_lists_changed() -> bool:
    """Drop the loaded segmenter if a word list changed on disk since it was loaded (a long
    process: a notebook, a test); True if it did."""
    global _segmenter
    with _lock:
        if _segmenter is None or _segmenter.word_lists_digest == _files_digest(_word_lists()):
            return False
        _segmenter = None
    from .analysis import forget_segmentations

    forget_segmentations()
    return True


def _files_digest(word_lists: list[str], strict: bool = False) -> str:
    """Of jieba's dictionary and the contents of ``word_lists``; an unreadable list counts as
    such (``strict``: it raises OSError). jieba is not imported (an English search need not):
    its code and dictionary files stand for its version (a new jieba replaces them)."""
    from importlib.util import find_spec

    digest = hashlib.sha256()
    try:
        package = os.path.dirname(find_spec("jieba").origin)
        for name in ("__init__.py", "dict.txt"):
            stat = os.stat(os.path.join(package, name))
            digest.update(f"jieba/{name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    except (AttributeError, TypeError, OSError) as error:
        digest.update(f"jieba: {error}\n".encode())
    for path in word_lists:
        try:
            digest.update(Path(path).read_bytes())
        except OSError as error:
            if strict:
                raise
            digest.update(f"unreadable {path}: {error.strerror}".encode())
        digest.update(b"\n\0")
    return digest.hexdigest()[:24]


def load_segmenter(word_lists: list[str], whole: bool = False, cache_dir: Path | None = None):
    """A new jieba tokenizer with ``word_lists`` applied: lazy from the trie file, else whole."""
    jieba = _import_jieba()
    jieba.setLogLevel(logging.WARNING)
    tokenizer = _tokenizer_class(jieba)()
    tokenizer.word_lists = tuple(word_lists)
    try:  # the word lists as read now, just before loading; the trie file is named by them
        tokenizer.word_lists_digest = _files_digest(word_lists, strict=True)
        path = _trie_file(tokenizer.word_lists_digest, cache_dir)
    except OSError:  # a word list cannot be read: the whole load reports it
        tokenizer.word_lists_digest, path = _files_digest(word_lists), None
    if not whole and path is not None and tokenizer.load_trie(path):
        return tokenizer
    tokenizer.load_whole()
    if not whole and path is not None:
        write_trie(tokenizer, path)
    return tokenizer


_classes: dict = {}


class _WordGraph(dict):
    """jieba's word graph (start → the ends of the words starting there), with the words'
    frequencies in ``frequencies[start]``, in the same order."""

    __slots__ = ("frequencies",)


def _tokenizer_class(jieba):
    """``jieba.Tokenizer`` that fills its dict from the trie before building a word graph
    (made on first use: jieba is imported only when Chinese text is met)."""
    if "tokenizer" in _classes:
        return _classes["tokenizer"]

    class Tokenizer(jieba.Tokenizer):
        word_lists: tuple[str, ...] = ()
        word_lists_digest = ""  # of the jieba dictionary and word lists it was loaded with
        trie = None
        trie_frequencies = None
        longest = 0

        @property
        def whole(self) -> bool:
            return self.initialized and self.trie is None

        def load_trie(self, path: Path) -> bool:
            found = read_trie(path)
            if found is None:
                return False
            self.trie, self.trie_frequencies, self.total, self.longest, split_words = found
            self.FREQ, self.initialized = {}, True
            for word in split_words:  # words a list gave frequency 0: jieba's HMM keeps them apart
                jieba.finalseg.add_force_split(word)
            return True

        def load_whole(self) -> None:
            """The whole dictionary and word lists, as jieba loads them (cyclic collector
            paused: the dict holds no cycles, and it would otherwise walk it again and again,
            ~10% of the load; frozen, so forked workers do not write to its pages)."""
            collecting = gc.isenabled()
            gc.disable()
            try:
                self.FREQ, self.total, self.initialized, self.trie = {}, 0, False, None
                if not load_jieba_cache(self):
                    self.initialize()  # builds and writes jieba's cache
                for path in self.word_lists:
                    self.load_userdict(path)
            finally:
                if collecting:
                    gc.enable()
            gc.freeze()

        def add_word(self, word, freq=None, tag=None):  # jieba's names
            """jieba's, on the whole dictionary: it marks the word's prefixes that are not in
            the dict yet as non-words, and a lazy dict lacks real words among them."""
            if self.trie is not None:
                self.load_whole()
            super().add_word(word, freq, tag)

        def get_DAG(self, sentence):  # jieba's name
            if self.trie is not None:
                freq, frequencies, longest = self.FREQ, self.trie_frequencies, self.longest
                starting_at = self.trie.iter_prefixes_with_ids
                for start in range(len(sentence)):
                    for word, number in starting_at(sentence[start:start + longest]):
                        if word not in freq:
                            freq[word] = frequencies[number]
            elif not self.initialized:
                self.initialize()
            # jieba's get_DAG, keeping the frequency of each word it finds for calc, which looked
            # each one up again (jieba is a quarter of a Chinese build; these two were two thirds)
            get, length = self.FREQ.get, len(sentence)
            graph = _WordGraph()
            graph.frequencies = frequencies = [(1,)] * length
            for start in range(length):
                ends, counts, end, piece = [], [], start, sentence[start]
                while end < length:
                    frequency = get(piece)
                    if frequency is None:  # no word goes on with this prefix
                        break
                    if frequency:
                        ends.append(end)
                        counts.append(frequency)
                    end += 1
                    piece = sentence[start:end + 1]
                if ends:
                    graph[start], frequencies[start] = ends, counts
                else:  # the character alone, counted once (jieba: ``FREQ.get(…) or 1``)
                    graph[start] = [start]
            return graph

        def calc(self, sentence, DAG, route):  # jieba's names
            """jieba's best route through the word graph: the same floats from the same
            operations, with the frequencies get_DAG found; a character that starts no longer
            word (most of them) skips the generator and ``max``."""
            frequencies = getattr(DAG, "frequencies", None)
            if frequencies is None:  # pragma: no cover - a graph huiyi's get_DAG did not make
                return super().calc(sentence, DAG, route)
            logtotal = log(self.total)
            route[len(sentence)] = (0, 0)
            for start in range(len(sentence) - 1, -1, -1):
                ends = DAG[start]
                if len(ends) == 1:
                    end = ends[0]
                    route[start] = (log(frequencies[start][0]) - logtotal + route[end + 1][0], end)
                else:
                    route[start] = max((log(frequency) - logtotal + route[end + 1][0], end)
                                       for end, frequency in zip(ends, frequencies[start]))
            return None

    _classes["tokenizer"] = Tokenizer
    return Tokenizer


def _import_jieba():
    """Import jieba without ``pkg_resources``.

    jieba imports ``pkg_resources`` only to open its own data files and falls back to a plain
    ``open()`` when it is missing; importing it costs 0.1 s at every start (Python 3.11 venvs
    ship setuptools, newer setuptools also warn that it is deprecated). So it is hidden while
    jieba is first imported."""
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    hide = "pkg_resources" not in sys.modules
    if hide:
        sys.modules["pkg_resources"] = None  # makes "import pkg_resources" raise ImportError
    try:
        import jieba
    finally:
        if hide:
            del sys.modules["pkg_resources"]
    return jieba


def load_jieba_cache(tokenizer) -> bool:
    """Load jieba's default dictionary from the cache file jieba writes, as jieba would.

    jieba reads it with ``marshal.load(file)``, which takes the file a few bytes at a time:
    0.58 s. Reading the file whole and then unmarshalling takes 0.2 s. Returns False (and
    leaves the tokenizer alone) when there is no usable cache, so that
    ``tokenizer.initialize()`` builds one."""
    import jieba

    if tokenizer.dictionary != jieba.DEFAULT_DICT or tokenizer.cache_file or tokenizer.initialized:
        return False
    path = os.path.join(tokenizer.tmp_dir or tempfile.gettempdir(), "jieba.cache")
    try:
        with open(path, "rb") as handle:
            freq, total = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return False
    if not isinstance(freq, dict) or not isinstance(total, int):
        return False
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = freq, total, True
    return True


# ---------------------------------------------------------------- the trie file


def trie_path(word_lists: list[str], folder: Path | None = None) -> Path | None:
    """The trie file for jieba's dictionary plus ``word_lists``, named by their contents
    (None when a word list cannot be read: the whole load reports it)."""
    try:
        return _trie_file(_files_digest(word_lists, strict=True), folder)
    except OSError:
        return None


def _trie_file(digest: str, folder: Path | None) -> Path:
    return (folder or cache_dir()) / f"jieba-{digest}.trie"


def write_trie(tokenizer, path: Path) -> bool:
    """Write the whole dictionary of ``tokenizer`` as a trie file (atomically); False if not."""
    import marisa_trie
    from jieba import finalseg

    if not writable_folder(path.parent):  # fail before the second it takes to make the trie
        return False
    try:
        trie = marisa_trie.Trie(tokenizer.FREQ.keys())
        frequencies = array.array("I", bytes(4 * len(trie)))
        for word, frequency in tokenizer.FREQ.items():
            frequencies[trie.key_id(word)] = frequency
        longest = max(map(len, tokenizer.FREQ), default=0)
        split_words = "\n".join(sorted(finalseg.Force_Split_Words)).encode()
        data = b"".join((_TRIE_MAGIC, _TRIE_HEADER.pack(tokenizer.total, longest, len(trie), len(split_words)),
                         frequencies.tobytes(), split_words, trie.tobytes()))
    except OverflowError:
        return False
    return write_cache_file(path, data)


def read_trie(path: Path):
    """(trie, frequencies, total, longest word, split words) from a trie file, or None if it
    is unusable."""
    import marisa_trie

    try:
        data = path.read_bytes()
    except OSError:
        return None
    start = len(_TRIE_MAGIC)
    if not data.startswith(_TRIE_MAGIC) or len(data) < start + _TRIE_HEADER.size:
        return None
    total, longest, count, split_size = _TRIE_HEADER.unpack_from(data, start)
    start += _TRIE_HEADER.size
    frequencies = array.array("I")
    frequencies.frombytes(data[start:start + 4 * count])
    start += 4 * count
    split_words = data[start:start + split_size].decode(errors="replace").split("\n") if split_size else []
    trie = marisa_trie.Trie()
    try:
        trie.frombytes(data[start + split_size:])
    except Exception:  # noqa: BLE001 - marisa raises its own errors for a damaged file
        return None
    if len(trie) != count or len(frequencies) != count:
        return None
    return trie, frequencies, total, longest, split_words
