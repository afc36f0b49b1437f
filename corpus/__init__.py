"""Reading meeting records: the data model, the parser and the file sources.

The names below are imported on first use (PEP 562): ``corpus.errors`` is imported by every
command, and a search need not load the parser, its patterns and the file sources at each start.
"""

from __future__ import annotations

from .lazy import lazy_exports

_EXPORTS = {
    "HuiyiError": "corpus.errors",
    "SourceError": "corpus.errors",
    "Meeting": "corpus.model",
    "ParseResult": "corpus.model",
    "PartialDate": "corpus.model",
    "Problem": "corpus.model",
    "parse_text": "corpus.parser",
    "read_record": "corpus.sources",
    "read_records": "corpus.sources",
}

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
