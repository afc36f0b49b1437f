"""The one exception hierarchy of huiyi.

Library code raises these; ``search/cli.py`` turns them into a message and an exit code in
one place. Anything else escaping is a bug.
"""


class HuiyiError(Exception):
    """Base of every error a user can cause; the message is meant for them."""

    exit_code = 1


class SourceError(HuiyiError):
    """A path or file that cannot be read as a record."""


class IndexNotFoundError(HuiyiError):
    """A missing, corrupt, locked or incompatible index."""


class IndexDamagedError(IndexNotFoundError):
    """An index whose files cannot be read as one (truncated, removed, overwritten)."""


class UsageError(HuiyiError):
    """Bad arguments, query, query file, mapping, glossary or config: exit code 2."""

    exit_code = 2


class QuerySyntaxError(UsageError):
    """A query that cannot be parsed."""

    def __init__(self, message: str, query: str = "", position: int | None = None) -> None:
        if position is not None and query:
            message = f"{message} (at character {position + 1}: {query[position:position + 20]!r})"
        super().__init__(message)
        self.query = query
        self.position = position
