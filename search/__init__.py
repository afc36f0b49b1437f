"""Searching a huiyi index: ``from search import Engine; Engine.open(path).search("合作化")``.

The names below are imported on first use (PEP 562), so commands that do not search (``huiyi
index``, ``huiyi check``) do not pay for loading the query engine at every start.
"""

from __future__ import annotations

from corpus.lazy import lazy_exports

_EXPORTS = {
    "Engine": "search.engine",
    "UsageError": "search.engine",
    "EngineClosedError": "search.engine",
    "Ranking": "search.compile",
    "Hit": "search.results",
    "MeetingInfo": "search.results",
    "Results": "search.results",
    "HuiyiError": "corpus.errors",
    "IndexNotFoundError": "corpus.errors",
    "QuerySyntaxError": "corpus.errors",
}

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
