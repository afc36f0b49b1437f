"""Did you mean: what to suggest when a query finds nothing.

English: the closest words of the index vocabulary (edit distance) for each word without hits.
Chinese: the query's Simplified form when it was written in Traditional characters, and the
longest of its jieba words that do occur.
"""

from __future__ import annotations

from indexer.analysis import fold, word_analyzer
from indexer.dictionary import segmenter

_word = word_analyzer()


def is_content_word(word: str) -> bool:
    """Worth correcting: not a stopword, not a number, at least three letters."""
    return len(word) >= 3 and not word.isdigit() and any(True for _ in _word(word))

from .query import And, Node, Not, Or, Phrase, Term


def _han(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def _terms(node: Node):
    if isinstance(node, (And, Or)):
        for child in node.items:
            yield from _terms(child)
    elif isinstance(node, (Term, Phrase)) and node.field in ("", "quote") and not isinstance(node, Not):
        yield node


def suggestions(node: Node, count, corrector, limit: int = 5) -> tuple[str, ...]:
    """``count(query) -> int`` counts hits; ``corrector(word) -> list`` gives close index words."""
    found: list[str] = []
    for term in _terms(node):
        text = term.text
        if _han(text):
            simplified = fold(text)
            if simplified != text:
                found.append(simplified)
            words = {w for w in segmenter().lcut_for_search(simplified) if len(w) > 1 and w != simplified}
            for word in sorted(words, key=lambda w: (-len(w), w)):
                if count(word):
                    found.append(word)
            continue
        words = text.split()
        missing = [word for word in words if is_content_word(word) and not count(word)]
        if not missing:
            continue  # every word occurs: filters or word order emptied the result, not spelling
        fixed = []
        for word in words:
            fixed.append(next(iter(corrector(word.lower())), word) if word in missing else word)
        candidate = " ".join(fixed)
        if candidate.lower() != text.lower():
            found.append(f'"{candidate}"' if isinstance(term, Phrase) else candidate)
    return tuple(dict.fromkeys(found))[:limit]
