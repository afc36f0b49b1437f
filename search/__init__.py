"""Searching a huiyi index: ``from search import Engine; Engine.open(path).search("合作化")``."""

from corpus.errors import HuiyiError, IndexNotFoundError, QuerySyntaxError

from .compile import Ranking
from .engine import Engine, UsageError
from .results import Hit, MeetingInfo, Results

__all__ = ["Engine", "Ranking", "Hit", "MeetingInfo", "Results", "HuiyiError", "IndexNotFoundError", "QuerySyntaxError",
           "UsageError"]
