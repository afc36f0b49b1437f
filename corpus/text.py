"""Character-level helpers shared by the parser and the analyzers.

Every function here maps one character to one character, so offsets computed on the folded
text are offsets into the original.
"""

from __future__ import annotations

import re

WIDTH_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
WIDTH_TABLE[0x3000] = 0x20  # ideographic space


def fold_width(text: str) -> str:
    """Full-width ASCII forms (``１９５５``, ``ＡＰＣ``) to their ASCII twins, one for one."""
    return text.translate(WIDTH_TABLE)


def is_han(ch: str) -> bool:
    """True for CJK ideographs (the characters jieba segments)."""
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x2FA1F
        or code == 0x3007  # 〇
    )


# the characters of is_han, as a regex class body (the analyzers build their patterns on it)
HAN_CLASS = "\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0002fa1f\u3007"
# ... and as a pattern, for finding and counting them at C speed (a string per run, not per character)
HAN_RUNS = re.compile(f"[{HAN_CLASS}]+")


def count_han(text: str) -> int:
    return sum(map(len, HAN_RUNS.findall(text)))


def quoted(value: str, limit: int = 80) -> str:
    """``value`` in quotes for a message, cut short after ``limit`` characters: a date field
    that ran on for a whole 3 MB file had been quoted whole in its warning."""
    return repr(value if len(value) <= limit else value[:limit] + "…")
