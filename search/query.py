"""The query language: parsed into a small tree, independent of Whoosh.

    cooperativization 合作化            all bare words must match
    "blind optimism"  "急躁冒进"~2       exact phrase, proximity
    coop* optimsm~  (a OR b) NOT c -d   prefix, fuzzy, boolean
    speaker:"Deng Zihui" type: place: kind: quote: attendee:
    date:1954  date:1954-10  date:1953..1955-06  date:..1955  date:1954-10-29..

A malformed query raises :class:`QuerySyntaxError` with the position of the problem.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from corpus.errors import QuerySyntaxError
from corpus.inline import drop_typesetting
from corpus.text import HAN_CLASS, WIDTH_TABLE, fold_width

MAX_QUERY_LENGTH = 2000
MAX_NESTING = 100
TEXT_FIELDS = ("quote",)
META_FIELDS = ("speaker", "type", "place", "attendee")
FIELDS = TEXT_FIELDS + META_FIELDS + ("kind", "date")
KINDS = ("speech", "decision", "agenda", "remark")
QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』"}


@dataclass(frozen=True)
class Term:
    text: str
    field: str = ""  # "" = the passage text
    prefix: bool = False
    fuzzy: int = 0


@dataclass(frozen=True)
class Phrase:
    text: str
    field: str = ""
    slop: int = 0


@dataclass(frozen=True)
class DateFilter:
    start: dt.date | None
    end: dt.date | None
    text: str


@dataclass(frozen=True)
class KindFilter:
    kind: str


@dataclass(frozen=True)
class And:
    items: tuple


@dataclass(frozen=True)
class Or:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


Node = Term | Phrase | DateFilter | KindFilter | And | Or | Not

_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<lparen>\()|(?P<rparen>\))"
    r"|(?P<phrase>[\"“「『])"
    r"|(?P<field>[A-Za-z_]+):(?=\S)"
    r"|(?P<word>[^\s()\"“”「」『』]+)"
)


# Punctuation that lists bare Chinese words (合作化，冒进、统购统销): between two words there, where
# it had been ignored and the words searched as one run of characters (合作化冒进, no hits). Beside
# Latin letters and digits it stays inside the word (650,000).
_LISTED = re.compile(rf"(?<=[{HAN_CLASS}])[，、；。！？,;!?]+|[，、；。！？,;!?]+(?=[{HAN_CLASS}])")
_NEGATED = re.compile(r"-(?=[(\"“「『]|[A-Za-z_]+:\S)")


@dataclass
class _Tok:
    kind: str
    text: str
    pos: int
    slop: int = 0


def _lex(query: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    position = 0
    while position < len(query):
        if _NEGATED.match(query, position) and (position == 0 or query[position - 1].isspace() or
                                                query[position - 1] == "("):
            # -"a phrase", -(a OR b), -kind:speech: NOT, as before a word (which the word rule
            # takes apart below); these had been read as a word "-", or a word "kind:speech"
            tokens.append(_Tok("NOT", "-", position))
            position += 1
            continue
        match = _TOKEN.match(query, position)
        if match is None:  # a lone closing quote mark
            raise QuerySyntaxError(f"unexpected {query[position]!r}", query, position)
        kind = match.lastgroup
        if kind == "phrase":
            opener = match.group()
            close = query.find(QUOTES[opener], match.end())
            if close < 0:
                raise QuerySyntaxError("unclosed quotation mark", query, position)
            end = close + 1
            slop = 0
            tail = re.match(r"~(\d*)", query[end:])
            if tail:
                after = query[end + tail.end() : end + tail.end() + 1]
                if len(tail.group(1)) > 3 or (after and not after.isspace() and after != ")"):
                    # "blind optimism"~x had searched the word x too; ~99999… left its tail as a word
                    raise QuerySyntaxError("~ after a phrase takes a number of words, as in ~2", query, end)
                slop = int(tail.group(1) or 1)
                end += tail.end()
            tokens.append(_Tok("phrase", query[match.end() : close], position, slop))
            position = end
            continue
        if kind != "space":
            text = match.group("field") if kind == "field" else match.group()
            if kind == "word" and text in ("AND", "OR", "NOT"):
                kind = text
            elif kind == "word" and text.startswith("-") and len(text) > 1:
                tokens.append(_Tok("NOT", "-", position))
                text, position = text[1:], position + 1
            if kind == "word" and text.endswith(":") and text[:-1].lower() in FIELDS:
                # "speaker: 邓子恢", "date:": had been searched as the word "speaker"
                raise QuerySyntaxError(f"{text[:-1].lower()}: needs a value right after the colon", query, position)
            listed = kind == "word" and not (tokens and tokens[-1].kind == "field")  # a field's value is one value
            tokens.extend(_listed_words(text, position) if listed else [_Tok(kind, text, position)])
        position = match.end()
    return tokens


def _listed_words(text: str, position: int) -> list[_Tok]:
    """合作化，冒进: two words, as a Chinese reader lists them, each a token of its own, so that a
    NOT before the first (-合作化，冒进) takes the first alone; it had taken both, as one group.
    合作化，-冒进: NOT 冒进."""
    tokens, start = [], 0
    for end, after in [(found.start(), found.end()) for found in _LISTED.finditer(text)] + [(len(text), len(text))]:
        piece, at = text[start:end], position + start
        if start and piece.startswith("-") and len(piece) > 1:
            tokens.append(_Tok("NOT", "-", at))
            piece, at = piece[1:], at + 1
        if piece:
            tokens.append(_Tok("word", piece, at))
        start = after
    return tokens or [_Tok("word", text, position)]


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _lex(query)
        self.index = 0

    def peek(self) -> _Tok | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Tok:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def error(self, message: str, token: _Tok | None = None) -> QuerySyntaxError:
        position = token.pos if token else len(self.query)
        return QuerySyntaxError(message, self.query, position)

    def parse(self) -> Node:
        if not self.tokens:
            raise QuerySyntaxError("empty query", self.query, 0)
        node = self.parse_or()
        if self.peek() is not None:
            raise self.error(f"unexpected {self.peek().text!r}", self.peek())
        return node

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while self.peek() and self.peek().kind == "OR":
            operator = self.take()
            if self.peek() is None or self.peek().kind in ("OR", "AND", "rparen"):
                raise self.error("OR needs something on its right", operator)
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Node:
        items = [self.parse_unary()]
        while self.peek() and self.peek().kind not in ("OR", "rparen"):
            if self.peek().kind == "AND":
                operator = self.take()
                if self.peek() is None or self.peek().kind in ("OR", "AND", "rparen"):
                    raise self.error("AND needs something on its right", operator)
            items.append(self.parse_unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_unary(self) -> Node:
        token = self.peek()
        if token is None:
            raise self.error("the query ends too early")
        if token.kind == "NOT":
            self.take()
            if self.peek() is None:
                raise self.error("NOT needs something to exclude", token)
            return Not(self.parse_unary())
        return self.parse_primary()

    def parse_primary(self) -> Node:
        token = self.take()
        if token.kind == "lparen":
            if self.peek() is None or self.peek().kind == "rparen":
                raise self.error("empty parentheses", token)
            node = self.parse_or()
            closing = self.peek()
            if closing is None or closing.kind != "rparen":
                raise self.error("unclosed parenthesis", token)
            self.take()
            return node
        if token.kind == "rparen":
            raise self.error("unmatched ')'", token)
        if token.kind in ("AND", "OR"):
            raise self.error(f"{token.kind} needs something on its left", token)
        if token.kind == "field":
            return self.parse_field(token)
        if token.kind == "phrase":
            return Phrase(token.text, "", token.slop)
        return _word(token.text, "", token, self)

    def parse_field(self, token: _Tok) -> Node:
        name = token.text.lower()
        if name not in FIELDS:
            raise self.error(f"unknown field {token.text!r}: use one of {', '.join(FIELDS)}", token)
        value = self.peek()
        if name == "date" and value is not None and value.kind == "NOT":  # date:-1955, as some tools write "until"
            raise self.error("a date range is written date:..1955 (up to 1955) or date:1955.. (from 1955)", token)
        if value is None or value.kind not in ("word", "phrase"):
            raise self.error(f"{name}: needs a value", token)
        self.take()
        if name == "date":
            return parse_date_filter(value.text, self.query, value.pos)
        if name == "kind":
            kind = value.text.lower()
            if kind not in KINDS:
                raise self.error(f"unknown kind {value.text!r}: use one of {', '.join(KINDS)}", value)
            return KindFilter(kind)
        if value.kind == "phrase":
            return Phrase(value.text, name, value.slop)
        return _word(value.text, name, value, self)


_ONE_WORD = re.compile(rf"[^\W_{HAN_CLASS}]+")
_LAST_PART = re.compile(r"[^-‐'’.]*$")
_INNER_QUESTION = re.compile(r"\?(?=\w)")


def _word(text: str, field: str, token: _Tok, parser: _Parser) -> Term:
    fuzzy = 0
    # a word's ~ and its edits: optimsm~, optimsm~2 (~0: the word itself); 1955~1956 stays text
    match = re.fullmatch(r"(.*\D)~(\d*)", text)
    if match:
        text, edits = match.groups()
        if edits not in ("", "0", "1", "2"):  # optimsm~10 had searched the word "optimsm~10"
            raise parser.error("fuzzy distance must be 1 or 2", token)
        fuzzy = int(edits or 1)
        if not _ONE_WORD.fullmatch(text):  # U.S.~ had been u~, co-operatives~ co~, 合作化~ 合作~
            raise parser.error("~ (fuzzy) takes one English word, without hyphens, dots or Chinese", token)
    prefix = text.endswith("*")
    if prefix:
        text = text.rstrip("*")
        if len(text) < 2:
            raise parser.error("a prefix needs at least 2 characters before *", token)
        if len(_LAST_PART.search(text).group()) < 2:  # U.S*, Mao's*: s* against every word of the index
            raise parser.error("a prefix needs at least 2 letters after its last hyphen, dot or apostrophe "
                               "(co-op*)", token)
    if _INNER_QUESTION.search(text):  # wom?n: no wildcard (a ? at a word's end is a question's)
        raise parser.error("wildcards are only allowed at the end of a word (prefix*)", token)
    if "*" in text:  # a ? is a question's (合作化？, who led it?): punctuation, ignored as others are
        raise parser.error("wildcards are only allowed at the end of a word (prefix*)", token)
    return Term(text, field, prefix, fuzzy)


_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def _date_bound(text: str, last: bool, query: str, position: int) -> dt.date | None:
    if not text:
        return None
    match = _DATE.fullmatch(text)
    if not match:
        raise QuerySyntaxError(f"cannot read date {text!r}: use YYYY, YYYY-MM or YYYY-MM-DD", query, position)
    year, month, day = int(match.group(1)), match.group(2), match.group(3)
    try:
        if day:
            return dt.date(year, int(month), int(day))
        if month:
            month = int(month)
            if last:
                following = dt.date(year + (month == 12), month % 12 + 1, 1)
                return following - dt.timedelta(days=1)
            return dt.date(year, month, 1)
        return dt.date(year, 12, 31) if last else dt.date(year, 1, 1)
    except ValueError:
        raise QuerySyntaxError(f"no such date {text!r}", query, position) from None


def parse_date_filter(text: str, query: str = "", position: int = 0) -> DateFilter:
    """``1954``, ``1954-10``, ``1954-10-29``, ``a..b`` with either end open (inclusive)."""
    text = fold_width(text)
    if ".." in text:
        low, _, high = text.partition("..")
        if not low and not high:
            raise QuerySyntaxError("a date range needs at least one end", query, position)
        start = _date_bound(low, False, query, position)
        end = _date_bound(high, True, query, position)
    else:
        start, end = _date_bound(text, False, query, position), _date_bound(text, True, query, position)
    if start and end and end < start:
        raise QuerySyntaxError(f"date range {text} ends before it starts", query, position)
    return DateFilter(start, end, text)


def parse_query(query: str) -> Node:
    """Parse a query string; raises QuerySyntaxError for anything malformed."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(f"query too long ({len(query)} characters; the limit is {MAX_QUERY_LENGTH})", query, 0)
    depth = deepest = 0
    for character in query:  # parsing, compiling and describing recurse once per level
        depth += character == "("
        depth -= character == ")"
        deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise QuerySyntaxError(f"parentheses nested {deepest} deep; the limit is {MAX_NESTING}", query, 0)
    return _Parser(_keyboard_syntax(drop_typesetting(query)).strip()).parse()


_WIDTH_BUT_COLON_AND_BRACKETS = {code: ascii_ for code, ascii_ in WIDTH_TABLE.items() if chr(code) not in "：（）"}
_FIELD_COLON = re.compile(rf"(?<![\w.])({'|'.join(FIELDS)})：", re.IGNORECASE)


def _keyboard_syntax(query: str) -> str:
    """Full-width syntax as a Chinese keyboard types it, （a OR b） －c speaker：x "…"～2, as syntax
    (it had been searched as text, silently), one character for one so positions stay the
    user's. A colon is a field's only after a field name (Mao：合作化 stays text), brackets are
    a group's only where they pair (合作化（初级 stays text)."""
    folded = query.translate(_WIDTH_BUT_COLON_AND_BRACKETS)
    folded = _FIELD_COLON.sub(r"\1:", folded)
    depth = 0
    for character in folded:
        depth += (character == "（") - (character == "）")
        if depth < 0:
            break
    if depth == 0 and "（" in folded:
        folded = folded.replace("（", "(").replace("）", ")")
    return folded


def only_filters(node: Node) -> bool:
    """Whether a query is date and kind filters alone: nothing in it ranks one hit above another."""
    if isinstance(node, (DateFilter, KindFilter)):
        return True
    if isinstance(node, (And, Or)):
        return all(map(only_filters, node.items))
    return isinstance(node, Not) and only_filters(node.item)


def describe(node: Node) -> str:
    """A canonical text form of a parsed query, for output headers and batch rows."""
    if isinstance(node, Term):
        text = node.text + ("*" if node.prefix else "") + (f"~{node.fuzzy}" if node.fuzzy else "")
        return f"{node.field}:{text}" if node.field else text
    if isinstance(node, Phrase):
        text = f'"{node.text}"' + (f"~{node.slop}" if node.slop else "")
        return f"{node.field}:{text}" if node.field else text
    if isinstance(node, DateFilter):
        return f"date:{node.start or ''}..{node.end or ''}"
    if isinstance(node, KindFilter):
        return f"kind:{node.kind}"
    if isinstance(node, Not):
        return f"NOT {describe(node.item)}"
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(describe(item) for item in node.items) + ")"
