"""Inline markup of one paragraph: superscripts, links, bold, quotation marks, brackets.

The cleaned text is what gets indexed and shown; everything the markup said is kept beside
it as spans into that text, so nothing is lost and nothing foreign (a footnote number, a
``**``) ends up glued to a word.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .dates import parse_date
from .model import CrossReference, FootnoteMark, Paragraph, Quotation, Span

# The HTML elements that records exported from web pages carry: dropped as markup. Any other
# <word> is the editor's (<illegible>, <Bern>) and stays in the text: all <…> had been dropped.
HTML_ELEMENTS = (
    "a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b", "base", "bdi", "bdo", "big",
    "blockquote", "body", "button", "canvas", "caption", "center", "cite", "code", "col", "colgroup", "data",
    "dd", "del", "details", "dfn", "dialog", "div", "dl", "dt", "em", "embed", "fieldset", "figcaption",
    "figure", "font", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hr", "html",
    "i", "iframe", "img", "input", "ins", "kbd", "label", "legend", "li", "link", "main", "map", "mark",
    "menu", "meta", "meter", "nav", "nobr", "noscript", "object", "ol", "optgroup", "option", "output", "p",
    "param", "picture", "pre", "progress", "q", "rp", "rt", "ruby", "s", "samp", "script", "section",
    "select", "small", "source", "span", "strike", "strong", "style", "sub", "summary", "sup", "svg",
    "table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead", "time", "title", "tr", "track",
    "tt", "u", "ul", "var", "video", "wbr",
)
# A tag's attributes as HTML writes them: name=value, or a boolean one. So <a href="#fn3"> is a
# tag and <a line illegible> an editor's note.
_ATTRIBUTES = (r"(?:\s+(?:[A-Za-z_:][\w:.-]*\s*=\s*(?:\"[^\"<>\n]{0,200}\"|'[^'<>\n]{0,200}'|[^\s\"'<>=`]{1,200})"
               r"|checked|disabled|hidden|selected|readonly|required|multiple|autofocus|async|defer|open|novalidate))"
               r"{0,20}")
_TAG = r"</?(?:" + "|".join(sorted(HTML_ELEMENTS, key=len, reverse=True)) + r")(?![\w-])" + _ATTRIBUTES + r"\s*/?>"
_MARKUP = re.compile(
    # a superscript's content may be wrapped in tags of its own: <sup><a href="#fn3">3</a></sup>
    r"<sup>\s*(?P<sup>(?:[^<>\n]|" + _TAG + r"){0,20}?)\s*</sup>"
    r"|\[(?P<link_text>[^\[\]\n]{0,200})\]\((?P<link_target>[^()\s]{0,500})\)"
    r"|(?<!^)\[\^(?P<note>[^\[\]\s^]{1,20})\]|\[\^(?P<note_first>[^\[\]\s^]{1,20})\](?!:)"  # Markdown's footnote reference;
    # "[^3]: ..." at a paragraph's start is the note itself
    r"|(?P<br><br\s*/?>)"
    r"|(?P<tag>" + _TAG + r")"
    r"|(?P<bold>\*\*|__)",
    re.IGNORECASE,
)
_INNER_TAGS = re.compile(_TAG, re.IGNORECASE)
# Every piece of markup starts with one of these: a paragraph without them has none (most).
_MARKUP_START = re.compile(r"[<\[*_]")
_ORDINAL = re.compile(r"st|nd|rd|th|er|e|re|ème|eme", re.IGNORECASE)
_FOOTNOTE = re.compile(r"\d{1,4}|[a-z]{1,2}|[*†‡§]{1,3}", re.IGNORECASE)
# A footnote number as web pages set it: [3], (3)
_BRACKETED = re.compile(r"\[\s*([^\[\]]*?)\s*\]|\(\s*([^()]*?)\s*\)")
_INSERTION = re.compile(r"\[[^\[\]\n]{0,500}\]")

# Opening mark -> closing mark. A straight quote closes itself.
QUOTE_PAIRS = {'"': '"', "“": "”", "「": "」", "『": "』", "«": "»", "„": "“"}
_CLOSERS = {close for close in QUOTE_PAIRS.values()}
# Runs of blanks other than one space, made one space
_BLANKS = re.compile(r"[ \t\u00a0]{2,}|[\t\u00a0]")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?])")
_QUOTE_MARKS = re.compile("[" + re.escape("".join(sorted(set(QUOTE_PAIRS) | _CLOSERS))) + "]")


class _Builder:
    """Accumulates cleaned text, folding runs of white space as it goes."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.last = ""

    def emit(self, text: str) -> None:
        if not text:
            return
        if self.last in ("", " ") and text[0] == " ":
            text = text.lstrip(" ")
            if not text:
                return
        self.parts.append(text)
        self.length += len(text)
        self.last = text[-1]

    def text(self) -> str:
        return "".join(self.parts)


def fold_blanks(text: str) -> str:
    """Each run of spaces, tabs and no-break spaces made one space; most paragraphs have no
    such run but single spaces, and are returned without a regex visiting every space."""
    if "  " in text or "\t" in text or "\u00a0" in text:
        return _BLANKS.sub(" ", text)
    return text


# Characters of typesetting, not of the text: gone, or the letters they join (a PDF's "ﬁnancial").
# Invisible ones had split a word for search ("co\u200boperativization" was "co" and "operativization").
_TYPESETTING = str.maketrans({
    "\u00ad": None, "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None,
    "ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st",
})
_HAS_TYPESETTING = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff\ufb00-\ufb06]")


def drop_typesetting(text: str) -> str:
    """Soft hyphens, zero-width spaces and joiners dropped, ligatures spelled out: as records
    are indexed, and so as queries (one pasted from the same PDF) must be searched."""
    return text.translate(_TYPESETTING) if _HAS_TYPESETTING.search(text) else text


def clean_paragraph(raw: str, line: int) -> tuple[Paragraph, bool]:
    """Clean one paragraph; returns it and whether a quotation was left open at its end."""
    raw = fold_blanks(drop_typesetting(raw)).strip()
    out = _Builder()
    footnotes: list[FootnoteMark] = []
    references: list[CrossReference] = []
    position = 0
    for match in _MARKUP.finditer(raw) if _MARKUP_START.search(raw) else ():
        out.emit(raw[position : match.start()])
        position = match.end()
        following = raw[position : position + 1]
        note = match.group("note") or match.group("note_first")
        if match.group("sup") is not None or note is not None:
            content = note or _INNER_TAGS.sub("", match.group("sup") or "").strip()
            bracketed = _BRACKETED.fullmatch(content)
            number = next(filter(None, bracketed.groups()), "") if bracketed else content
            if note is None and _ORDINAL.fullmatch(content) and out.last.isdigit():
                out.emit(content)  # 4<sup>th</sup> -> 4th
            elif note is not None or _FOOTNOTE.fullmatch(number):
                footnotes.append(FootnoteMark(number, out.length))
                if out.last.isalnum() and following.isalnum():
                    out.emit(" ")  # never glue the words on either side together
            else:
                out.emit(content)
        elif match.group("link_target") is not None:
            text, target = match.group("link_text"), match.group("link_target")
            start = out.length
            out.emit(text)
            references.append(CrossReference(text, target, parse_date(text), Span(start, out.length)))
        elif match.group("br") is not None:
            out.emit(" ")
        # other tags and bold markers are dropped
    out.emit(raw[position:])
    text = out.text()
    if text != text.strip():  # blanks left at an end by markup taken out (``x <sup>3</sup>``, ``<b></b>\nx``)
        lead, text = len(text) - len(text.lstrip()), text.strip()

        def moved(offset: int) -> int:
            return min(max(offset - lead, 0), len(text))

        footnotes = [FootnoteMark(mark.number, moved(mark.offset)) for mark in footnotes]
        references = [replace(reference, span=Span(moved(reference.span.start), moved(reference.span.end)))
                      for reference in references]
    insertions = tuple(Span(m.start(), m.end()) for m in _INSERTION.finditer(text))
    quotations, left_open = find_quotations(text, insertions)
    paragraph = Paragraph(
        text=text,
        line=line,
        quotations=quotations,
        footnotes=tuple(footnotes),
        insertions=insertions,
        references=tuple(references),
    )
    return paragraph, left_open


def find_quotations(text: str, insertions: tuple[Span, ...]) -> tuple[tuple[Quotation, ...], bool]:
    """Top-level quoted spans; nested marks inside a quotation are part of it."""
    marks = ((match.start(), match.group()) for match in _QUOTE_MARKS.finditer(text))
    return quotations_at(text, marks, insertions)


def quotations_at(text: str, characters, insertions: tuple[Span, ...]) -> tuple[tuple[Quotation, ...], bool]:
    """:func:`find_quotations` over ``characters``, (index, character) pairs of ``text`` in order:
    its quotation marks are enough (any other character leaves the state as it is)."""
    quotations: list[Quotation] = []
    opener = ""
    start = 0
    depth = 0
    for index, ch in characters:
        if not opener:
            if ch in QUOTE_PAIRS:
                opener, start, depth = ch, index + 1, 0
            continue
        closer = QUOTE_PAIRS[opener]
        if ch == closer and opener != closer and depth:
            depth -= 1
        elif ch == closer:
            quotations.append(_quotation(text, start, index, insertions, closed=True))
            opener = ""
        elif ch == opener and opener != closer:
            depth += 1
    if opener:
        quotations.append(_quotation(text, start, len(text), insertions, closed=False))
    return tuple(quotations), bool(opener)


def _quotation(text: str, start: int, end: int, insertions: tuple[Span, ...], closed: bool) -> Quotation:
    parts: list[Span] = []
    cursor = start
    for span in insertions:
        if span.end <= cursor or span.start >= end:
            continue
        if span.start > cursor:
            parts.append(Span(cursor, span.start))
        cursor = max(cursor, span.end)
    if cursor < end:
        parts.append(Span(cursor, end))
    words = " ".join(text[p.start : p.end].strip() for p in parts)
    words = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join(words.split()))
    return Quotation(start, end, tuple(parts), words, closed)
