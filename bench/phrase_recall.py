"""Phrase recall and precision on real text, against a brute-force scan of the same passages.

    /tmp/v/bin/python -m bench.phrase_recall [--zh-phrases 300] [--en-phrases 300] [--seed 1]
                                             [--un-limit 300] [--keep DIR] [--json FILE]

A quoted phrase must find every passage that holds its words (English) or characters (Chinese)
in sequence, whatever the case, punctuation, line breaks, full-width forms or Traditional
spelling, and nothing else. Hand-written tests cover the cases someone thought of; this bench
samples hundreds of phrases from real documents instead, most of them cutting across jieba's
word boundaries, and checks each result set against an independent reference.

Records: all Chinese Government Work Reports, NPC resolutions and CPC congress reports, and an
even spread of UN General Debate speeches (``bench/convert.py``), written to a temporary folder
and indexed with ``build_index``. Passages come from huiyi's own parser (``read_records`` →
``passages_of``), so the reference sees exactly the text huiyi indexes; everything after that is
done here and does not use huiyi's analyzers:

- normalise: full-width ASCII (U+FF01..U+FF5E) → ASCII, Traditional → Simplified one character
  at a time with OpenCC ``t2s`` (when it yields one character), lower case, accents stripped;
- tokenise: each Han character is a token, each run of other letters/digits is a token,
  punctuation and white space only separate;
- match: a phrase matches a passage when its tokens occur there contiguously.

Figures per language, at the meeting level (``hit.meeting_id``): recall (mean per phrase and
micro), precision, phrases with a miss, examples of misses and false positives; passage-level
micro figures beside them; and a Traditional check: a Chinese phrase written in Traditional
characters (OpenCC ``s2t``) must find the same meetings as its Simplified form.

Targets: recall 1.000 and precision >= 0.995 in both languages; the exit status is 1 when
either is missed. ``--keep DIR --reuse`` re-samples against an existing index without rebuilding.
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import re
import shutil
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import opencc

from bench import convert

# Han ideographs: CJK Unified (with Ext A and Ext B–F), compatibility ideographs (and their
# supplement) and 〇. Each one is a token of its own.
HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_HAN_CHAR = re.compile(f"[{HAN}]")
_TOKEN = re.compile(f"[{HAN}]|[^\\W_{HAN}]+")
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")  # punctuation and spaces at a phrase's ends
SEP = "\x1f"  # between tokens of the reference text; never inside a token
GAP = "\x1e"  # between passages

TARGET_RECALL = 1.0
TARGET_PRECISION = 0.995


# ---------------------------------------------------------------------------------------------
# The reference


class Normaliser:
    """The phrase-matching normalisation, one character at a time (so it is a translate table).

    Built lazily: each distinct character of the text is mapped once, which keeps OpenCC calls
    to the size of the alphabet rather than of the corpus.
    """

    def __init__(self) -> None:
        self._t2s = opencc.OpenCC("t2s")
        self._table: dict[int, str] = {}

    def _map(self, ch: str) -> str:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        if _HAN_CHAR.match(ch):
            simple = self._t2s.convert(ch)
            if len(simple) == 1:
                ch = simple
        ch = ch.lower()
        decomposed = unicodedata.normalize("NFD", ch)
        stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
        if stripped and stripped != decomposed:  # only where accents were removed
            ch = stripped
        return ch

    def __call__(self, text: str) -> str:
        if text.isascii():
            return text.lower()
        table = self._table
        for ch in set(text):
            if ord(ch) not in table:
                table[ord(ch)] = self._map(ch)
        return text.translate(table)


def tokens(text: str, normalise: Normaliser) -> list[str]:
    return _TOKEN.findall(normalise(text))


def has_han(text: str) -> bool:
    return bool(_HAN_CHAR.search(text))


@dataclass(frozen=True)
class PassageRef:
    passage_id: str
    meeting_id: str
    text: str


class Reference:
    """Every passage, tokenised once, in one string: a phrase lookup is a few ``str.find`` calls.

    Passages are laid out as ``SEP tok SEP tok … SEP`` joined by ``GAP``. A
    phrase key ``SEP t1 SEP … tn SEP`` can only match whole tokens inside one passage.
    """

    def __init__(self, passages: list[PassageRef], normalise: Normaliser) -> None:
        self.normalise = normalise
        self.passages = passages
        pieces, self.starts = [], []
        offset = 0
        for passage in self.passages:
            piece = SEP + SEP.join(tokens(passage.text, normalise)) + SEP
            self.starts.append(offset)
            pieces.append(piece)
            offset += len(piece) + len(GAP)
        self.text = GAP.join(pieces)

    def key(self, phrase: str) -> str:
        return SEP + SEP.join(tokens(phrase, self.normalise)) + SEP

    def passages_with(self, phrase: str) -> list[tuple[PassageRef, int]]:
        """The passages holding the phrase, each with the offset of its first match."""
        key = self.key(phrase)
        found = []
        position = self.text.find(key)
        while position >= 0:
            index = bisect.bisect_right(self.starts, position) - 1
            found.append((self.passages[index], position))
            following = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.text)
            position = self.text.find(key, following)
        return found

    def occurrences(self, passage: PassageRef, phrase: str) -> list[tuple[str, bool]]:
        """Where the phrase is in a passage: (snippet of the normalised text, bridged) per match.

        ``bridged`` says the match has punctuation or space between two of its Han characters
        (``成就，是`` for ``就是``), the case a Chinese phrase index is most likely to get wrong.
        """
        text = self.normalise(passage.text)
        parts = tokens(phrase, self.normalise)
        pattern = re.escape(parts[0])
        for left, right in pairwise(parts):
            joint = "*" if _HAN_CHAR.match(left) or _HAN_CHAR.match(right) else "+"
            pattern += f"([\\W_]{joint})" + re.escape(right)
        if not _HAN_CHAR.match(parts[0]):
            pattern = f"(?<![^\\W_{HAN}])" + pattern
        if not _HAN_CHAR.match(parts[-1]):
            pattern += f"(?![^\\W_{HAN}])"
        found = []
        for match in re.finditer(f"(?=({pattern}))", text):
            start, end = match.start(1), match.end(1)
            bridged = any(
                match.group(i + 2) and _HAN_CHAR.match(parts[i]) and _HAN_CHAR.match(parts[i + 1])
                for i in range(len(parts) - 1)
            )
            found.append((text[max(0, start - 12) : start] + "[" + text[start:end] + "]" + text[end : end + 12], bridged))
        return found


# ---------------------------------------------------------------------------------------------
# Sampling phrases


def _is_word(ch: str) -> bool:
    return ch.isalnum() and not _HAN_CHAR.match(ch)


def _weighted_passage(passages: list[PassageRef], cumulative: list[int], rng: random.Random) -> PassageRef:
    return passages[bisect.bisect_right(cumulative, rng.randrange(cumulative[-1]))]


def _usable(phrase: str, normalise: Normaliser) -> bool:
    """At least two tokens and no straight double quote (it would close the query's phrase)."""
    return '"' not in phrase and "＂" not in phrase and len(tokens(phrase, normalise)) >= 2


def sample_chinese(passages: list[PassageRef], count: int, rng: random.Random, normalise: Normaliser) -> list[tuple[str, str]]:
    """``count`` (phrase, passage id) pairs: 2–8 consecutive characters at a random offset.

    Offsets are uniform over all Chinese text, so long reports weigh more. A non-Han word cut at
    either end (``GDP`` → ``DP``) is widened to the whole word, and punctuation at the ends is
    dropped; punctuation inside stays, as a user pasting text would leave it.
    """
    cumulative, total = [], 0
    for passage in passages:
        total += len(passage.text)
        cumulative.append(total)
    chosen: dict[str, str] = {}
    attempts = 0
    while len(chosen) < count and attempts < count * 50:
        attempts += 1
        passage = _weighted_passage(passages, cumulative, rng)
        text = passage.text
        start = rng.randrange(len(text))
        end = min(len(text), start + rng.randint(2, 8))
        while start > 0 and _is_word(text[start - 1]) and _is_word(text[start]):
            start -= 1
        while end < len(text) and _is_word(text[end - 1]) and _is_word(text[end]):
            end += 1
        phrase = _EDGE.sub("", text[start:end])
        if has_han(phrase) and _usable(phrase, normalise) and phrase not in chosen:
            chosen[phrase] = passage.passage_id
    return list(chosen.items())


def sample_english(passages: list[PassageRef], count: int, rng: random.Random, normalise: Normaliser) -> list[tuple[str, str]]:
    """``count`` (phrase, passage id) pairs: 2–5 consecutive space-separated words, as written.

    The words keep their inner punctuation (``peace; there``, ``U.S. delegation``): the phrase
    is what a reader would copy from the page, only its outer punctuation is dropped.
    """
    words_of = [[m.span() for m in re.finditer(r"\S+", p.text)] for p in passages]
    cumulative, total = [], 0
    for words in words_of:
        total += len(words)
        cumulative.append(total)
    chosen: dict[str, str] = {}
    attempts = 0
    while len(chosen) < count and attempts < count * 50:
        attempts += 1
        index = bisect.bisect_right(cumulative, rng.randrange(cumulative[-1]))
        passage, words = passages[index], words_of[index]
        size = rng.randint(2, 5)
        if len(words) < size:
            continue
        first = rng.randrange(len(words) - size + 1)
        phrase = _EDGE.sub("", passage.text[words[first][0] : words[first + size - 1][1]])
        if not has_han(phrase) and _usable(phrase, normalise) and phrase not in chosen:
            chosen[phrase] = passage.passage_id
    return list(chosen.items())


# ---------------------------------------------------------------------------------------------
# Running and scoring


@dataclass
class Outcome:
    phrase: str
    source: str  # the passage it was sampled from
    reference: set[str]
    found: set[str]
    ref_passages: set[str] = field(default_factory=set)
    found_passages: set[str] = field(default_factory=set)
    error: str = ""
    seconds: float = 0.0

    @property
    def recall(self) -> float:
        return len(self.found & self.reference) / len(self.reference) if self.reference else 1.0


def run_phrase(engine, reference: Reference, phrase: str, source: str) -> Outcome:
    matches = reference.passages_with(phrase)
    outcome = Outcome(
        phrase,
        source,
        reference={p.meeting_id for p, _ in matches},
        found=set(),
        ref_passages={p.passage_id for p, _ in matches},
    )
    started = time.perf_counter()
    try:
        results = engine.search('"' + phrase + '"', limit=0, excerpts=False)
    except Exception as error:  # a query huiyi cannot run is a miss, reported with its message
        outcome.error = f"{type(error).__name__}: {error}"
    else:
        outcome.found = {hit.meeting_id for hit in results.hits}
        outcome.found_passages = {hit.passage_id for hit in results.hits}
    outcome.seconds = time.perf_counter() - started
    return outcome


def summarise(outcomes: list[Outcome]) -> dict:
    tested = len(outcomes)
    tp = sum(len(o.found & o.reference) for o in outcomes)
    ref = sum(len(o.reference) for o in outcomes)
    found = sum(len(o.found) for o in outcomes)
    p_tp = sum(len(o.found_passages & o.ref_passages) for o in outcomes)
    p_ref = sum(len(o.ref_passages) for o in outcomes)
    p_found = sum(len(o.found_passages) for o in outcomes)
    with_found = [o for o in outcomes if o.found]
    times = sorted(o.seconds for o in outcomes)
    return {
        "phrases": tested,
        "recall_mean": sum(o.recall for o in outcomes) / tested if tested else 0.0,
        "recall_micro": tp / ref if ref else 1.0,
        "precision_micro": tp / found if found else 1.0,
        "precision_mean": (
            sum(len(o.found & o.reference) / len(o.found) for o in with_found) / len(with_found) if with_found else 1.0
        ),
        "meetings_expected": ref,
        "meetings_found": found,
        "meetings_correct": tp,
        "phrases_with_miss": sum(1 for o in outcomes if o.reference - o.found),
        "phrases_with_false_positive": sum(1 for o in outcomes if o.found - o.reference),
        "query_errors": sum(1 for o in outcomes if o.error),
        "passage_recall_micro": p_tp / p_ref if p_ref else 1.0,
        "passage_precision_micro": p_tp / p_found if p_found else 1.0,
        "query_seconds_total": sum(times),
        "query_ms_median": 1000 * times[len(times) // 2] if times else 0.0,
        "query_ms_max": 1000 * times[-1] if times else 0.0,
    }


def examples(outcomes: list[Outcome], reference: Reference, engine, limit: int = 10) -> dict:
    """Up to ``limit`` misses and false positives, each with where the text was (or was not)."""
    misses, false_positives, errors = [], [], []
    for o in outcomes:
        if o.error and len(errors) < limit:
            errors.append({"phrase": o.phrase, "error": o.error})
        missing = sorted(o.reference - o.found)
        if missing and len(misses) < limit:
            passage = next(p for p, _ in reference.passages_with(o.phrase) if p.meeting_id == missing[0])
            snippet, bridged = (reference.occurrences(passage, o.phrase) or [("?", False)])[0]
            misses.append(
                {
                    "phrase": o.phrase,
                    "tokens": reference.key(o.phrase).strip(SEP).split(SEP),
                    "expected": sorted(o.reference),
                    "returned": sorted(o.found),
                    "missing": missing,
                    "passage": passage.passage_id,
                    "context": snippet,
                    "across_separator": bridged,
                }
            )
        extra = sorted(o.found - o.reference)
        if extra and len(false_positives) < limit:
            shown = ""
            try:
                hits = engine.search('"' + o.phrase + '"', limit=0, width=160).hits
                hit = next(h for h in hits if h.meeting_id == extra[0])
                shown = _marked(hit.excerpt, hit.highlights)
                passage = hit.passage_id
            except Exception as error:  # diagnostics only
                passage, shown = "?", f"({error})"
            false_positives.append(
                {
                    "phrase": o.phrase,
                    "tokens": reference.key(o.phrase).strip(SEP).split(SEP),
                    "expected": sorted(o.reference),
                    "returned": sorted(o.found),
                    "extra": extra,
                    "passage": passage,
                    "excerpt": shown,
                }
            )
    return {"misses": misses, "false_positives": false_positives, "errors": errors}


def classify_misses(outcomes: list[Outcome], reference: Reference) -> dict:
    """Missed (phrase, meeting) pairs, split by whether every match there crosses a separator.

    A miss "across a separator" is a meeting where the phrase's Han characters are only ever
    split by punctuation or space (``消费。在`` for ``消费在``): the reference counts it, as
    punctuation is not part of a phrase; an index that keeps Han bigrams only inside a run of
    Han text will not.
    """
    across = other = 0
    for o in outcomes:
        missing = o.reference - o.found
        if not missing:
            continue
        by_meeting: dict[str, list[bool]] = {}
        for passage, _ in reference.passages_with(o.phrase):
            if passage.meeting_id in missing:
                by_meeting.setdefault(passage.meeting_id, []).extend(b for _, b in reference.occurrences(passage, o.phrase))
        for flags in by_meeting.values():
            if flags and all(flags):
                across += 1
            else:
                other += 1
    return {"missed_meetings": across + other, "only_across_separator": across, "other": other}


def _marked(text: str, spans) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + "[" + text[start:end] + "]" + text[end:]
    return text


def traditional_check(engine, outcomes: list[Outcome], normalise: Normaliser, limit: int = 10) -> dict:
    """Each Chinese phrase with a Traditional form must find what its Simplified form finds.

    ``s2t`` works on whole phrases and sometimes picks a character whose per-character ``t2s``
    is not the original (a round trip that does not close); such disagreements are counted
    apart, since no per-character folding could make them agree.
    """
    s2t = opencc.OpenCC("s2t")
    checked = disagree = not_round_trip = 0
    shown = []
    for o in outcomes:
        traditional = s2t.convert(o.phrase)
        if traditional == o.phrase or o.error:
            continue
        checked += 1
        try:
            found = {h.meeting_id for h in engine.search('"' + traditional + '"', limit=0, excerpts=False).hits}
            error = ""
        except Exception as exc:
            found, error = set(), f"{type(exc).__name__}: {exc}"
        if found != o.found:
            disagree += 1
            round_trip = tokens(traditional, normalise) == tokens(o.phrase, normalise)
            not_round_trip += not round_trip
            if len(shown) < limit:
                shown.append(
                    {
                        "simplified": o.phrase,
                        "traditional": traditional,
                        "round_trip": round_trip,
                        "simplified_meetings": sorted(o.found),
                        "traditional_meetings": sorted(found),
                        "error": error,
                    }
                )
    return {"checked": checked, "disagreements": disagree, "not_round_trip": not_round_trip, "examples": shown}


# ---------------------------------------------------------------------------------------------
# Main


def load_passages(records: Path) -> list[PassageRef]:
    from corpus.sources import read_records
    from indexer.passages import passages_of

    passages = []
    for result in read_records([records]):
        if result.meeting is not None:
            passages += [PassageRef(p.passage_id, p.meeting_id, p.text) for p in passages_of(result.meeting)]
    return passages


def _print_examples(title: str, figures: dict) -> None:
    ex = figures["examples"]
    for item in ex["errors"]:
        print(f"    query error  {item['phrase']!r}: {item['error']}")
    for item in ex["misses"]:
        print(f"    MISS  {item['phrase']!r}  tokens={item['tokens']}")
        print(f"          expected {_ids(item['expected'])}  returned {_ids(item['returned'])}")
        across = " (across a separator)" if item["across_separator"] else ""
        print(f"          missing {_ids(item['missing'])}; in {item['passage']}{across}: …{item['context']}…")
    for item in ex["false_positives"]:
        print(f"    FALSE POSITIVE  {item['phrase']!r}  tokens={item['tokens']}")
        print(f"          expected {_ids(item['expected'])}  returned {_ids(item['returned'])}")
        print(f"          extra {_ids(item['extra'])}; {item['passage']}: {item['excerpt']}")


def _ids(ids: list[str], shown: int = 6) -> str:
    more = f" +{len(ids) - shown} more" if len(ids) > shown else ""
    return "[" + ", ".join(ids[:shown]) + more + "]"


def _opens(engine_class, index_dir: Path) -> bool:
    """Whether a kept index can be reused (it exists and this huiyi's schema can read it)."""
    try:
        engine_class.open(index_dir).close()
    except Exception as error:  # missing, damaged or built by another schema version: rebuild
        print(f"rebuilding the index: {error}", file=sys.stderr)
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zh-phrases", type=int, default=300, help="Chinese phrases to test (300)")
    parser.add_argument("--en-phrases", type=int, default=300, help="English phrases to test (300)")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the phrase sample (1)")
    parser.add_argument("--un-limit", type=int, default=300, help="UN speeches, spread over 1946-2022 (300)")
    parser.add_argument("--keep", metavar="DIR", help="write records and index here and keep them")
    parser.add_argument("--reuse", action="store_true", help="with --keep: reuse DIR's records and index if there")
    parser.add_argument("--procs", type=int, default=1, help="processes for build_index (1)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)

    from indexer.build import build_index
    from search import Engine

    temporary = None if args.keep else tempfile.TemporaryDirectory(prefix="huiyi-phrase-")
    work = Path(args.keep or temporary.name)
    records, index_dir = work / "records", work / "index"
    timings: dict[str, float] = {}
    try:
        started = time.perf_counter()
        if not (args.reuse and records.is_dir()):
            shutil.rmtree(records, ignore_errors=True)
            written = convert.gov_reports(records) + convert.un_speeches(records, limit=args.un_limit)
            print(f"converted {written} records into {records}", file=sys.stderr)
        timings["convert"] = time.perf_counter() - started

        started = time.perf_counter()
        if not (args.reuse and _opens(Engine, index_dir)):
            summary = build_index([records], index_dir, procs=args.procs)
            print(f"indexed {summary.meetings} meetings, {summary.passages} passages", file=sys.stderr)
        timings["build"] = time.perf_counter() - started

        started = time.perf_counter()
        normalise = Normaliser()
        passages = load_passages(records)
        reference = Reference(passages, normalise)
        zh_passages = [p for p in passages if not p.meeting_id.startswith("un_")]
        en_passages = [p for p in passages if p.meeting_id.startswith("un_")]
        timings["reference"] = time.perf_counter() - started

        rng = random.Random(args.seed)
        samples = {
            "zh": sample_chinese(zh_passages, args.zh_phrases, rng, normalise),
            "en": sample_english(en_passages, args.en_phrases, rng, normalise),
        }

        figures: dict = {
            "settings": vars(args) | {"meetings": len({p.meeting_id for p in passages}), "passages": len(passages)},
        }
        with Engine.open(index_dir) as engine:
            started = time.perf_counter()
            outcomes = {lang: [run_phrase(engine, reference, ph, src) for ph, src in pairs] for lang, pairs in samples.items()}
            timings["queries"] = time.perf_counter() - started
            for lang, results in outcomes.items():
                unreferenced = [o.phrase for o in results if not o.reference]
                figures[lang] = summarise(results) | {"unreferenced_samples": unreferenced}
                figures[lang]["misses"] = classify_misses(results, reference)
                figures[lang]["examples"] = examples(results, reference, engine)
            started = time.perf_counter()
            figures["traditional"] = traditional_check(engine, outcomes["zh"], normalise)
            timings["traditional_check"] = time.perf_counter() - started
        figures["timings_seconds"] = timings
        figures["per_phrase"] = {
            lang: [
                {"phrase": o.phrase, "expected": len(o.reference), "found": len(o.found), "correct": len(o.found & o.reference)}
                for o in results
            ]
            for lang, results in outcomes.items()
        }
    finally:
        if temporary is not None:
            temporary.cleanup()

    report(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    met = all(
        figures[lang]["recall_micro"] >= TARGET_RECALL and figures[lang]["precision_micro"] >= TARGET_PRECISION
        for lang in ("zh", "en")
    )
    return 0 if met else 1


def report(figures: dict) -> None:
    settings = figures["settings"]
    print(f"\nIndex: {settings['meetings']} meetings, {settings['passages']} passages (seed {settings['seed']})")
    for lang, name in (("zh", "Chinese"), ("en", "English")):
        f = figures[lang]
        print(f"\n{name}: {f['phrases']} phrases")
        if f["unreferenced_samples"]:
            print(f"    {len(f['unreferenced_samples'])} sampled phrases not found by the reference (a bench bug): {f['unreferenced_samples'][:5]}")
        m = f["misses"]
        if m["missed_meetings"]:
            print(f"    {m['missed_meetings']} missed (phrase, meeting) pairs: {m['only_across_separator']} where the "
                  f"phrase's characters are only split by punctuation/space in that meeting, {m['other']} other")
        _print_examples(name, f)
    t = figures["traditional"]
    print(f"\nTraditional check: {t['checked']} phrases with a Traditional form, {t['disagreements']} disagreements "
          f"({t['not_round_trip']} where s2t→t2s does not return the phrase)")
    for item in t["examples"]:
        print(f"    {item['simplified']!r} → {item['traditional']!r} (round trip {'ok' if item['round_trip'] else 'broken'}): "
              f"{_ids(item['simplified_meetings'])} vs {_ids(item['traditional_meetings'])} {item['error']}")

    timings = figures["timings_seconds"]
    print("\nTimings: " + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in timings.items()))

    rows = [
        ("phrases tested", "phrases", "{:d}"),
        ("recall (mean per phrase)", "recall_mean", "{:.4f}"),
        ("recall (micro)", "recall_micro", "{:.4f}"),
        ("precision (micro)", "precision_micro", "{:.4f}"),
        ("precision (mean per phrase)", "precision_mean", "{:.4f}"),
        ("meetings expected / found / correct", None, None),
        ("phrases with a miss", "phrases_with_miss", "{:d}"),
        ("phrases with a false positive", "phrases_with_false_positive", "{:d}"),
        ("query errors", "query_errors", "{:d}"),
        ("passage recall / precision (micro)", None, None),
        ("query ms median / max", None, None),
    ]
    print(f"\n{'':38}{'Chinese':>18}{'English':>18}")
    for label, key, fmt in rows:
        cells = []
        for lang in ("zh", "en"):
            f = figures[lang]
            if key:
                cells.append(fmt.format(f[key]))
            elif label.startswith("meetings"):
                cells.append(f"{f['meetings_expected']}/{f['meetings_found']}/{f['meetings_correct']}")
            elif label.startswith("passage"):
                cells.append(f"{f['passage_recall_micro']:.4f}/{f['passage_precision_micro']:.4f}")
            else:
                cells.append(f"{f['query_ms_median']:.0f}/{f['query_ms_max']:.0f}")
        print(f"{label:38}{cells[0]:>18}{cells[1]:>18}")
    print(f"{'Traditional disagreements':38}{t['disagreements']:>18}{'':>18}")
    for lang, name in (("zh", "Chinese"), ("en", "English")):
        f = figures[lang]
        ok = f["recall_micro"] >= TARGET_RECALL and f["precision_micro"] >= TARGET_PRECISION
        print(f"target recall {TARGET_RECALL:.3f}, precision >= {TARGET_PRECISION}: {name} {'MET' if ok else 'NOT MET'}")


if __name__ == "__main__":
    sys.exit(main())
