"""The Whoosh schema of a huiyi index: one document per passage."""

from __future__ import annotations

from whoosh.columns import FixedBytesColumn, NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from .analysis import exact_analyzer, word_analyzer

SCHEMA_VERSION = "8"  # 8: order_key

# Fields a query can name, and the index fields they search.
TEXT_FIELDS = ("word", "exact", "quote", "quote_exact")
META_TEXT_FIELDS = ("speaker", "type", "place", "attendee")
DATE_FIELDS = ("year", "fullyear", "month", "fullmonth", "day")
DIGEST_SIZE = 16


class KEY(COLUMN):
    """A text value kept in a column (and stored, if asked) for facets and stats, read back as
    text: the column of an ``ID(sortable=True)`` without its term per passage, which no query
    names (a build pays for every posting)."""

    def __init__(self, stored: bool = False) -> None:
        super().__init__(VarBytesColumn())
        self.stored = stored

    def to_bytes(self, value: str) -> bytes:
        return value.encode("utf-8")

    def from_bytes(self, value: bytes) -> str:
        return value.decode("utf-8")


def make_schema() -> Schema:
    word, exact = word_analyzer(), exact_analyzer()
    return Schema(
        # not indexed: no query names it, and its unique term cost a term table entry and a
        # posting block per passage
        passage_id=STORED,
        meeting_id=ID(stored=True, sortable=True),
        file_key=ID(stored=True),
        source=STORED,
        kind=ID(stored=True, sortable=True),
        position=STORED,
        lang=KEY(stored=True),
        # searchable metadata: exact view, so speaker:"Deng Zihui" and place:北京 are phrases
        speaker=TEXT(analyzer=exact, phrase=True),
        type=TEXT(analyzer=exact, phrase=True),
        place=TEXT(analyzer=exact, phrase=True),
        attendee=TEXT(analyzer=exact, phrase=True),
        # facets and stats (columns only: no query names them)
        speaker_key=KEY(),
        type_key=KEY(),
        year_key=KEY(),
        # sorting and trends only: columns, not indexed (a NUMERIC field adds 8 trie terms per
        # passage that no query uses: ~8% of all postings)
        start_key=COLUMN(NumericColumn("i")),
        # a passage's place in its record (position, as a column): passages of one meeting sort
        # by it, not by the order an update happened to index them in
        order_key=COLUMN(NumericColumn("i")),
        # dates as terms (see indexer.dates)
        year=KEYWORD(scorable=False),
        month=KEYWORD(scorable=False),
        fullyear=KEYWORD(scorable=False),
        fullmonth=KEYWORD(scorable=False),
        day=KEYWORD(scorable=False),
        # text
        word=TEXT(analyzer=word, phrase=False),
        exact=TEXT(analyzer=exact, phrase=True),
        quote=TEXT(analyzer=word, phrase=False),
        quote_exact=TEXT(analyzer=exact, phrase=True),
        # shown with a hit
        text=STORED,
        quote_spans=STORED,
        speaker_name=STORED,
        speech_date=STORED,
        speech_title=STORED,
        meeting_type=STORED,
        meeting_place=STORED,
        attendance=STORED,
        start=STORED,
        end=STORED,
        length=COLUMN(NumericColumn("i")),
        # what the passage was indexed from (see indexer.build.documents_of): an update
        # re-indexes only the passages of a changed file that changed
        digest=COLUMN(FixedBytesColumn(DIGEST_SIZE)),
    )
