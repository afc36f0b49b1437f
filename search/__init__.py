"""Searching a huiyi index: ``from search import Engine; Engine.open(path).search("合作化")``."""

from corpus.errors import HuiyiError, IndexNotFoundError, QuerySyntaxError

from .engine import Engine, UsageError
from .results import Hit, MeetingInfo, Results

__all__ = ["Engine", "Hit", "MeetingInfo", "Results", "HuiyiError", "IndexNotFoundError", "QuerySyntaxError",
           "UsageError"]
