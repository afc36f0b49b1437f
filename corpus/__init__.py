"""Reading meeting records: the data model, the parser and the file sources."""

from .errors import HuiyiError, SourceError
from .model import Meeting, ParseResult, PartialDate, Problem
from .parser import parse_text
from .sources import read_record, read_records

__all__ = ["HuiyiError", "Meeting", "ParseResult", "PartialDate", "Problem", "SourceError",
           "parse_text", "read_record", "read_records"]
