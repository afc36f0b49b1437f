"""The Whoosh schema of a huiyi index: one document per passage."""

from __future__ import annotations

from whoosh.columns import FixedBytesColumn, NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from .analysis import exact_analyzer, word_analyzer

SCHEMA_VERSION = "6"

# Fields a query can name, and the index fields they search.
TEXT_FIELDS = ("word", "exact", "quote", "quote_exact")
META_TEXT_FIELDS = ("speaker", "type", "place", "attendee")
DATE_FIELDS = ("year", "fullyear", "month", "fullmonth", "day")
DIGEST_SIZE = 16


def make_schema() -> Schema:
    word, exact = word_analyzer(), exact_analyzer()
    return Schema(
        passage_id=ID(stored=True, unique=True),
        meeting_id=ID(stored=True, sortable=True),
        file_key=ID(stored=True),
        source=STORED,
        kind=ID(stored=True, sortable=True),
        position=STORED,
        lang=ID(stored=True, sortable=True),
        # searchable metadata: exact view, so speaker:"Deng Zihui" and place:北京 are phrases
        speaker=TEXT(analyzer=exact, phrase=True),
        type=TEXT(analyzer=exact, phrase=True),
        place=TEXT(analyzer=exact, phrase=True),
        attendee=TEXT(analyzer=exact, phrase=True),
        # facets and sorting
        speaker_key=ID(sortable=True),
        type_key=ID(sortable=True),
        year_key=ID(sortable=True),
        # sorting and trends only: columns, not indexed (a NUMERIC field adds 8 trie terms per
        # passage that no query uses: ~8% of all postings)
        start_key=COLUMN(NumericColumn("i")),
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
