"""Bilingual analysis: a script-aware tokenizer followed by small filters, Whoosh style.

Two views of the same text are indexed:

* **word** — jieba words for Han text (search-mode sub-words share their word's position),
  English lowercased, accent-folded, stemmed, stopwords dropped. Used for ranking and for
  single words.
* **exact** — one position per Han character, holding the character and the bigram that
  starts there (across punctuation and spaces too: they do not break a phrase); English words
  unstemmed. Used for phrases and Chinese substrings, so a quoted
  phrase matches whatever jieba did to the text. Bigrams make a Chinese phrase a chain of
  selective terms instead of a chain of very common characters (see :func:`exact_sequence`).

Han text is folded Traditional→Simplified and full-width→half-width *before* segmentation.
The fold maps one character to one character, so every token keeps its true offsets into the
original text, and folding a substring gives the same characters as folding the whole text.
"""

from __future__ import annotations

import glob
import hashlib
import importlib.util
import marshal
import os
import re
import unicodedata
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterator
from functools import cache, lru_cache
from itertools import chain
from operator import add, itemgetter
from pathlib import Path

from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.analysis.filters import STOP_WORDS
from whoosh.lang.porter import stem as porter_stem

from corpus.text import HAN_CLASS, HAN_RUNS, WIDTH_TABLE

from .dictionary import segmenter, user_dictionaries, word_lists_digest
from .files import cache_dir, write_cache_file

ANALYZER_VERSION = "5"  # 5: values kept apart (VALUE_SEPARATOR); 4: u.s (US in capitals too), İ folded
# English-like words: letters/digits with inner hyphens, apostrophes, or digit separators.
_WORD = (rf"(?:[^\W_{HAN_CLASS}]\.){{2,}}(?![^\W_])"  # acronyms: U.S., U.N.
         rf"|[^\W_{HAN_CLASS}]+(?:(?:[-‐'’]|(?<=\d)[.,](?=\d))[^\W_{HAN_CLASS}]+)*")
_RUNS = re.compile(rf"(?P<han>[{HAN_CLASS}]+)|(?P<word>{_WORD})")
# The values of a field with several (a passage's quotations, a meeting's attendees) are indexed
# as one text, each after this character: every view analyses each value on its own, the next
# starting VALUE_GAP positions on, so no phrase runs from one value into the next. Joined with
# " … " and " ; ", quote:"advance where" had matched the end of one quotation and the start of
# the next (a Han bigram bridged them), attendee:"Shaoqi Zhou" two people.
VALUE_SEPARATOR = "\x1e"
VALUE_GAP = 1000  # more than any phrase's distance (~999 at most)
_ALNUM = re.compile(rf"[^\W_{HAN_CLASS}]+")
_SPLIT_PARTS = re.compile(r"[-‐]")


@cache
def _words_pattern(ascii_only: bool) -> re.Pattern:
    """The words of text without Han, as _RUNS finds them (in ASCII text, \\w is [a-zA-Z0-9_]
    either way, and the ASCII pattern is faster). Compiled when first used: each takes 3 ms to
    compile, and a search never needs them."""
    return re.compile(_WORD, re.ASCII) if ascii_only else re.compile(_WORD)


# ---------------------------------------------------------------- folding


_T2S_CACHE_FORMAT = 1  # changed whenever _t2s_table_from_opencc would make another table


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, int]:
    """The Traditional→Simplified table, kept in huiyi's cache folder for the installed OpenCC:
    making it takes ~15 ms of every search or small update that meets Chinese; reading it ~1 ms."""
    path = _t2s_cache_file()
    if path is not None:
        try:
            table = marshal.loads(path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            table = None
        if _is_fold_table(table):
            return table
    table = _t2s_table_from_opencc()
    if path is not None:
        write_cache_file(path, marshal.dumps(table))
    return table


def _is_fold_table(table) -> bool:
    """A table ``str.translate`` can use as the fold: code points to code points."""
    return isinstance(table, dict) and bool(table) and all(
        type(source) is int and type(target) is int and 0 <= source < 0x110000 and 0 <= target < 0x110000
        for source, target in table.items())


def _t2s_cache_file() -> Path | None:
    """Named by what the table is made from: the installed OpenCC's module, its t2s configuration
    and dictionaries and its compiled library (each by path, size and time written), and the
    analyzer version, so another OpenCC makes its own file; None without OpenCC."""
    spec = importlib.util.find_spec("opencc")
    if spec is None or not spec.origin:
        return None
    package = os.path.dirname(spec.origin)
    share = os.path.join(package, "clib", "share", "opencc")
    made_from = [spec.origin, *(os.path.join(share, name) for name in ("t2s.json", "TSCharacters.ocd2", "TSPhrases.ocd2")),
                 *sorted(glob.glob(os.path.join(package, "clib", "opencc_clib*")))]
    key = [f"{_T2S_CACHE_FORMAT} {ANALYZER_VERSION}"]
    for path in made_from:
        try:
            found = os.stat(path)
        except OSError:
            key.append(f"{path} missing")
            continue
        key.append(f"{path} {found.st_size} {found.st_mtime_ns}")
    digest = hashlib.blake2b("\n".join(key).encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()
    return cache_dir() / f"t2s-{digest}.marshal"


def _t2s_table_from_opencc() -> dict[int, int]:
    """Character-level Traditional→Simplified table taken from OpenCC's t2s dictionary.

    Converting character by character (not phrase by phrase) is what keeps the fold 1:1 and
    context-free, so a phrase typed by a user folds exactly as it folds inside a passage.
    """
    import opencc

    converter = opencc.OpenCC("t2s")
    table: dict[int, int] = {}
    for low, high in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)):
        chars = [chr(code) for code in range(low, high + 1)]
        converted = converter.convert("\n".join(chars)).split("\n")
        if len(converted) != len(chars):  # pragma: no cover - OpenCC kept the separators so far
            converted = [converter.convert(ch) for ch in chars]
        for source, target in zip(chars, converted):
            if len(target) == 1 and target != source:
                table[ord(source)] = ord(target)
    return table


# Every character either fold changes: full-width forms (U+3000, U+FF01–FF5E) and the Han of the
# t2s table (U+3400–FAFF). Text without any (most English) is returned as it is: ASCII text at
# once, other text when this finds none (it stops at the first, where a test of every
# character's code would look at them all).
_FOLDABLE = re.compile("[\u3000\u3400-\ufaff\uff01-\uff5e]")


def fold(text: str) -> str:
    """Full-width→half-width and Traditional→Simplified, one character for one character."""
    if text.isascii() or _FOLDABLE.search(text) is None:
        return text
    return text.translate(_fold_table())


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, int]:
    """Both folds in one table (one pass): their characters do not overlap."""
    return {**_t2s_table(), **WIDTH_TABLE}


@lru_cache(maxsize=65536)
def fold_accents(word: str) -> str:
    """``Zhōu`` → ``zhou``: drop combining marks, character by character."""
    if word.isascii():
        return word
    out = []
    for ch in word:
        if unicodedata.combining(ch):  # a mark on its own: İ lowercases to i and U+0307 (it had stayed)
            continue
        base = unicodedata.normalize("NFD", ch)
        stripped = "".join(c for c in base if not unicodedata.combining(c))
        out.append(stripped if len(stripped) == 1 else ch)
    return "".join(out)


# ---------------------------------------------------------------- jieba


class _SegmentCache:
    """Recent Han runs and their segmentation: the word and quote fields of a passage, and the
    excerpt highlighter after a search, all ask for the same runs; jieba runs once for them."""

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self.items: OrderedDict[str, tuple] = OrderedDict()

    def clear(self) -> None:
        self.items.clear()

    def get(self, run: str) -> tuple:
        """(word, start, end, sub-words) for each jieba word of the run."""
        return self._entry(run)[0]

    def terms(self, run: str) -> tuple[str, ...]:
        """The run's word-view terms: each word followed by its sub-words."""
        return self._entry(run)[1]

    def _entry(self, run: str) -> tuple:
        found = self.items.get(run)
        if found is not None:
            self.items.move_to_end(run)
            return found
        words = self._segment(run)
        found = self.items[run] = (words, tuple(term for word, _start, _end, subs in words
                                                for term in (word, *(sub[0] for sub in subs))))
        if len(self.items) > self.size:
            self.items.popitem(last=False)
        return found

    @staticmethod
    def _segment(run: str) -> tuple:
        """(word, start, end, sub-words) for each jieba word of a folded Han run."""
        tokenizer = segmenter()
        freq = tokenizer.FREQ
        words = []
        for word, start, end in tokenizer.tokenize(run, HMM=True):
            subs = []
            if len(word) > 2:
                for size in (2, 3):
                    for offset in range(len(word) - size + 1):
                        sub = word[offset : offset + size]
                        if sub != word and freq.get(sub):
                            subs.append((sub, start + offset, start + offset + size))
            words.append((word, start, end, tuple(subs)))
        return tuple(words)


_segment_cache = _SegmentCache()


def forget_segmentations() -> None:
    """Drop remembered segmentations (the vocabulary has changed)."""
    _segment_cache.clear()


# ---------------------------------------------------------------- tokenizer


class ScriptTokenizer(Tokenizer):
    """Splits text into Han runs and other words; ``mode`` picks the word or exact view.

    Every token has ``han`` (is it Han text), true ``startchar``/``endchar`` into the value,
    and ``pos``: sequential, never decreasing; sub-words repeat their word's position.
    """

    def __init__(self, view: str = "word", han: bool = True) -> None:
        if view not in ("word", "exact"):
            raise ValueError(view)
        self.view = view
        self.han = han  # False: skip Han runs (their positions still count), no jieba

    def __eq__(self, other):
        return type(self) is type(other) and self.view == other.view and self.han == other.han

    def __setstate__(self, state):  # indexes pickled before ``han`` existed
        self.__dict__.update({"han": True, **state})

    def __call__(self, value: str, positions=True, chars=True, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if VALUE_SEPARATOR not in value:
            yield from self._tokens(token, value, start_pos, start_char)
            return
        pos, char = start_pos, start_char
        for piece in value.split(VALUE_SEPARATOR):
            pos = (yield from self._tokens(token, piece, pos, char)) + VALUE_GAP
            char += len(piece) + 1

    def _tokens(self, token: Token, value: str, pos: int, start_char: int):
        """The tokens of one value; returns the position after its last."""
        folded = fold(value)
        runs = list(_RUNS.finditer(folded))
        for number, match in enumerate(runs):
            token.stopped = False
            token.boost = 1.0
            if match.lastgroup == "han":
                run_start = match.start()
                if self.view == "exact":
                    run = match.group()
                    following = runs[number + 1] if number + 1 < len(runs) else None
                    for index, ch in enumerate(run):
                        _set(token, ch, pos, start_char + run_start + index, 1, han=True)
                        yield token
                        if index + 1 < len(run):  # the bigram starting here, at the same position
                            _set(token, run[index : index + 2], pos, start_char + run_start + index, 2, han=True)
                            yield token
                        elif following is not None and following.lastgroup == "han":
                            # punctuation or space between two Han runs does not break a phrase:
                            # the bigram bridges it (its offsets cover what lies between)
                            _set(token, ch + following.group()[0], pos, start_char + run_start + index,
                                 following.start() - run_start - index + 1, han=True)
                            yield token
                        pos += 1
                    continue
                if not self.han:
                    pos += 1
                    continue
                for word, start, end, subs in _segment_cache.get(match.group()):
                    _set(token, word, pos, start_char + run_start + start, end - start, han=True)
                    yield token
                    for sub, sub_start, sub_end in subs:
                        _set(token, sub, pos, start_char + run_start + sub_start, sub_end - sub_start, han=True)
                        yield token
                    pos += 1
            elif self.view == "exact":
                for part in _ALNUM.finditer(match.group()):
                    _set(token, part.group(), pos, start_char + match.start() + part.start(), len(part.group()))
                    pos += 1
                    yield token
            else:
                word = match.group()
                offset = start_char + match.start()
                _set(token, word, pos, offset, len(word))
                yield token
                if _SPLIT_PARTS.search(word):
                    # co-operative: the joined form above, each part at the same position.
                    cursor = 0
                    for part in _SPLIT_PARTS.split(word):
                        if part:
                            _set(token, part, pos, offset + cursor, len(part))
                            yield token
                        cursor += len(part) + 1
                pos += 1
        return pos


def _set(token: Token, text: str, pos: int, start: int, length: int, han: bool = False) -> None:
    token.text = text
    token.original = text
    token.pos = pos
    token.startchar = start
    token.endchar = start + length
    token.han = han
    token.stopped = False


# ---------------------------------------------------------------- filters (non-Han tokens only)


_STOPS = frozenset(STOP_WORDS)


class EnglishNormalizeFilter(Filter):
    """Lowercase and fold accents; ``600,000`` → ``600000``, ``party's`` → ``party``,
    ``co-operative`` → ``cooperative``, ``U.N.`` → ``un``, ``U.S.`` and ``US`` → ``u.s`` (see
    :func:`_word_term`)."""

    def __init__(self, joined: bool = True) -> None:
        self.joined = joined

    def __call__(self, tokens):
        for token in tokens:
            if not token.han:
                text = _word_term(token.text) if self.joined else fold_accents(token.text.lower())
                token.text = text
                if not text:
                    continue
            yield token


@lru_cache(maxsize=65536)
def _word_term(word: str) -> str:
    """The word view's term of an English word as written, before stopwords and stemming.

    An acronym is its letters (``U.N.`` and ``UN`` → ``un``), but one whose letters are a
    stopword keeps dots between them, ``U.S.`` → ``u.s``, a term no stem can be: as ``us`` it
    had matched "used", "uses" and "useful" (all stem to ``us``). ``US`` in capitals is that
    acronym too (it had been the stopword); other stopwords in capitals stay stopwords, so a
    query typed in capitals (``THE FINANCIAL FLOWS``) finds what it finds in lower case."""
    if word in _STOPWORD_ACRONYMS:
        return ".".join(word.lower())
    return _normalize_word(fold_accents(word.lower()))


_STOPWORD_ACRONYMS = frozenset({"US"})


@lru_cache(maxsize=65536)
def _normalize_word(text: str) -> str:
    text = text.replace("’", "'")
    text = text.removesuffix("'s")
    if "." in text and not text[0].isdigit():  # acronym (see _word_term)
        letters = text.replace(".", "")
        return ".".join(letters) if letters in _STOPS else letters
    if "," in text:
        text = text.replace(",", "")
    return text.replace("-", "").replace("‐", "").replace("'", "")


class EnglishStopFilter(Filter):
    """Drops English stopwords from the word view (phrases use the exact view, which keeps them)."""

    def __init__(self, stoplist=_STOPS) -> None:
        self.stops = stoplist

    def __call__(self, tokens):
        for token in tokens:
            if not token.han and token.text in self.stops and "." not in token.original:
                if not token.removestops:
                    token.stopped = True
                    yield token
                continue
            yield token


class EnglishStemFilter(Filter):
    """Porter stems for non-Han tokens; Han words pass untouched."""

    is_morph = True

    def __call__(self, tokens):
        for token in tokens:
            if not token.han and not token.stopped:
                token.text = _stem(token.text)
            yield token


@lru_cache(maxsize=100000)
def _stem(word: str) -> str:
    return word if word[:1].isdigit() or "." in word else porter_stem(word)  # u.s: an acronym


def exact_tokens(text: str) -> list[tuple[str, int, int, int]]:
    """``(term, startchar, endchar, pos)`` of each exact-view token of ``text``, in order, as
    ``exact_analyzer()`` yields them (a property test holds the two equal).

    Excerpts mark matches by the exact view of every hit's text; a Token through the generator
    chain for each character and bigram was most of the time of exporting many hits (``--limit
    0``: 8.4 million tokens for the 32,471 hits of 经济 on all of CCTV)."""
    found: list[tuple[str, int, int, int]] = []
    if VALUE_SEPARATOR not in text:
        _exact_tokens(text, found, 0, 0)
        return found
    position = offset = 0
    for piece in text.split(VALUE_SEPARATOR):
        position = _exact_tokens(piece, found, position, offset) + VALUE_GAP
        offset += len(piece) + 1
    return found


def _exact_tokens(text: str, found: list, position: int, offset: int) -> int:
    """Append the exact tokens of one value, its characters from ``offset``, its positions from
    ``position``; returns the position after its last."""
    append = found.append
    runs = list(_RUNS.finditer(fold(text)))
    for number, match in enumerate(runs):
        start = offset + match.start()
        if match.lastgroup == "han":
            run = match.group()
            last = len(run) - 1
            for index, character in enumerate(run):
                at = start + index
                append((character, at, at + 1, position))
                if index < last:
                    append((run[index : index + 2], at, at + 2, position))
                elif number + 1 < len(runs) and runs[number + 1].lastgroup == "han":  # bridged, as the tokenizer does
                    following = runs[number + 1]
                    append((character + following.group()[0], at, offset + following.start() + 1, position))
                position += 1
        else:
            for part in _ALNUM.finditer(match.group()):
                term = fold_accents(part.group().lower())
                if term:  # an English part that folds to nothing keeps its position, no token
                    append((term, start + part.start(), start + part.end(), position))
                position += 1
    return position


def exact_sequence(text: str, keep_last: bool = False) -> list[str]:
    """The exact-view terms a phrase must match at consecutive positions.

    At each position the longest token is taken (the bigram where there is one), so
    ``农业生产`` becomes ``农业 业生 生产`` and a two-character word is a single term. A run's
    last character is kept only when something follows it (or ``keep_last``), to hold the
    positions in step.
    """
    by_position: dict[int, str] = {}
    for token in exact_analyzer()(text):
        current = by_position.get(token.pos)
        if current is None or len(token.text) > len(current):
            by_position[token.pos] = token.text
    sequence = [by_position[pos] for pos in sorted(by_position)]
    if (not keep_last and len(sequence) > 1 and len(sequence[-2]) == 2 and sequence[-2][1] == sequence[-1]
            and _is_han_token(sequence[-1])):
        sequence.pop()
    return sequence


_BETWEEN_WORDS = re.compile(r"[\W_]+")


def loose_words(text: str) -> list[list[str]]:
    """The exact-view terms of each word of a phrase whose words may stand apart (``"冒进
    说法"~2``), none bridging two words: :func:`exact_sequence` bridges them (``冒进 进说
    说法``), and a bigram made of two words that stand apart is in no text (such a phrase had
    found only what the exact phrase finds). Each word but the last keeps its last character,
    so the distance to the next word is counted from where the word ends, in characters."""
    words = [word for word in _BETWEEN_WORDS.split(fold(text)) if word]
    found = [exact_sequence(word, keep_last=number < len(words) - 1) for number, word in enumerate(words)]
    return [terms for terms in found if terms]


def _is_han_token(text: str) -> bool:
    return bool(_RUNS.fullmatch(text)) and _RUNS.fullmatch(text).lastgroup == "han"


def index_views(text: str) -> tuple[dict[str, int], dict[str, list[int]]]:
    """The word view's term counts and the exact view's term positions of ``text``, exactly as
    ``word_analyzer()`` and ``exact_analyzer()`` produce them at index time.

    The index builder (:mod:`indexer.segments`) calls this once per passage text: one fold and
    one pass over the runs for both views, lists and dictionaries instead of a Token through a
    chain of generators for every term (the exact view has two terms per Han character), and
    each stretch of English words analysed as a whole (a Python step per word was most of the
    time of English text). The analyzers stay the reference: queries and excerpts use them, and
    a property test holds the two equal.
    """
    if VALUE_SEPARATOR not in text:
        word_terms, exact, _ = _views(text)
        return Counter(word_terms), exact
    counts: Counter = Counter()
    joined: defaultdict[str, list[int]] = defaultdict(list)
    position = 0
    for piece in text.split(VALUE_SEPARATOR):
        word_terms, exact, length = _views(piece)
        counts.update(word_terms)
        for term, positions in exact.items():
            joined[term] += (at + position for at in positions)
        position += length + VALUE_GAP
    return counts, joined


def _views(text: str) -> tuple[list[str], defaultdict[str, list[int]], int]:
    """:func:`index_views` of one value, its word-view terms listed; and its number of positions."""
    singles: list[str] = []  # the exact view's term at each position: a Han character, an English part
    bigrams: list[str] = []  # the Han bigrams, and their positions
    bigram_positions: list[int] = []
    word_terms: list[str] = []
    english: list[str] = []  # English words not yet analysed, all after the last Han run
    previous = ""  # the run before, if it was Han: a bigram bridges the two
    folded = fold(text)
    if folded.isascii():
        english, runs = _words_pattern(True).findall(folded), ()
    elif HAN_RUNS.search(folded) is None:
        english, runs = _words_pattern(False).findall(folded), ()
    else:
        runs = _RUNS.findall(folded)
    for run, word in runs:  # (han, word) pairs, one of them empty
        if word:
            english.append(word)
            previous = ""
            continue
        if english:
            _add_english(english, singles, word_terms)
            english = []
        at = len(singles)
        if previous:
            bigrams.append(previous[-1] + run[0])
            bigram_positions.append(at - 1)
        if len(run) > 1:
            bigrams += map(add, run, run[1:])
            bigram_positions += range(at, at + len(run) - 1)
        singles += run
        word_terms += _segment_cache.terms(run)
        previous = run
    if english:
        _add_english(english, singles, word_terms)
    exact: defaultdict[str, list[int]] = defaultdict(list)
    for at, term in enumerate(singles):
        exact[term].append(at)
    for term, at in zip(bigrams, bigram_positions):
        exact[term].append(at)
    exact.pop("", None)  # an English part that analyses to nothing keeps its position, no term
    return word_terms, exact, len(singles)


def _add_english(words: list[str], singles: list[str], word_terms: list[str]) -> None:
    """Append English words' exact-view parts (one position each) and word-view terms."""
    analysed = list(map(_english_terms, words))
    singles += chain.from_iterable(map(itemgetter(0), analysed))
    word_terms += chain.from_iterable(map(itemgetter(1), analysed))


@lru_cache(maxsize=200_000)
def _english_terms(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A non-Han word's exact-view terms (one per position; empty: dropped) and word-view
    terms, as the two analyzers make them."""
    parts = tuple(fold_accents(part.lower()) for part in _ALNUM.findall(word))
    terms = []
    for part in (word, *_SPLIT_PARTS.split(word)) if _SPLIT_PARTS.search(word) else (word,):
        if part:
            term = _word_term(part)
            if term and (term not in _STOPS or "." in part):
                terms.append(_stem(term))
    return parts, tuple(terms)


def word_analyzer(han: bool = True):
    """The word view; ``han=False`` leaves Han text out (for marking English words fast)."""
    return ScriptTokenizer("word", han) | EnglishNormalizeFilter() | EnglishStopFilter() | EnglishStemFilter()


def exact_analyzer():
    return ScriptTokenizer("exact") | EnglishNormalizeFilter(joined=False)


def analyzer_settings() -> dict:
    """What a result table needs to know about how its index was analysed."""
    return {
        "analyzer_version": ANALYZER_VERSION,
        "fold": "full-width→half-width, Traditional→Simplified (OpenCC t2s, per character)",
        "word": "jieba precise mode + dictionary sub-words; English lowercase, accent fold, Porter stem, stopwords",
        "exact": "one position per Han character, with the bigram starting there; English lowercase, accent fold, "
                 "unstemmed",
        "user_dictionaries": user_dictionaries(),
        "word_lists_digest": word_lists_digest(),
    }
