"""Opening an index without copying it into memory.

Whoosh maps a segment's compound file and hands each sub-file (terms, postings, …) out as a
``BufferFile``, which wraps the mapped bytes in ``io.BytesIO``, and BytesIO *copies* them. Every
process that opens an index therefore holds a private copy of its postings and terms: about
290 MB per process for a 100,000-passage index, per batch worker too, where the mapped pages
would have been shared. ``_ViewFile`` reads the mapped bytes in place instead (measured on that
index: the same query latency, 96 MB of private memory instead of 443 MB).

The swap is of one module attribute of the exactly pinned whoosh3 (see pyproject.toml), done
when this module is imported; indexer and search open indexes only through :func:`open_index`.
So is the one other change to Whoosh: an index without a segment gets empty columns.
"""

from __future__ import annotations

import pickle
import struct
import zlib
from pathlib import Path

from whoosh import columns
from whoosh import index as whoosh_index
from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile
from whoosh.reading import EmptyReader

from corpus.errors import IndexDamagedError

# What reading a damaged index raises: a segment file removed or cut short, a table of contents
# emptied. Caught where an index is opened and read before a search or an update, and said in
# one line (they had come out as tracebacks, or as "Aborted!" for an EOFError).
INDEX_DAMAGE = (whoosh_index.IndexError, OSError, ValueError, EOFError, TypeError, struct.error,
                pickle.UnpicklingError, zlib.error)
# What reading the postings of a damaged segment raises (no ValueError or TypeError: there they
# would as likely be a bug of huiyi's, and are left to show as one)
POSTINGS_DAMAGE = (OSError, EOFError, struct.error, pickle.UnpicklingError, zlib.error)


def open_checked(index_dir: str | Path):
    """The index and a reader of all its segments: opening them is where a removed or truncated
    one is found. The caller reads with that reader (and closes it), not a second one."""
    try:
        ix = open_index(index_dir)
        return ix, ix.reader()
    except INDEX_DAMAGE as error:
        raise damaged(index_dir, error) from error


def damaged(index_dir: str | Path, error: Exception) -> IndexDamagedError:
    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return IndexDamagedError(f"the index at {index_dir} is damaged ({reason}); rebuild it with: "
                             f"huiyi index --rebuild --index {index_dir}")


class _ViewFile:
    """The read side of a file object over a memoryview, without copying it."""

    __slots__ = ("_buf", "_len", "_pos")

    def __init__(self, buf) -> None:
        self._buf = buf
        self._pos = 0
        self._len = len(buf)

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = self._len if size is None or size < 0 else min(self._len, start + size)
        end = self._pos = max(start, end)  # past the end: nothing read, the position stays
        return bytes(self._buf[start:end])

    def readinto(self, target) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        start = end = self._pos
        limit = self._len if size is None or size < 0 else min(self._len, start + size)
        limit = max(start, limit)
        while end < limit:  # in steps, so a long line is not copied whole to find its end
            found = bytes(self._buf[end : min(limit, end + 4096)]).find(b"\n")
            if found >= 0:
                end += found + 1
                break
            end = min(limit, end + 4096)
        self._pos = end
        return bytes(self._buf[start:end])

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._pos, self._len)[whence]
        self._pos = base + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._buf = None


class _MappedFile(BufferFile):
    def __init__(self, buf, name=None, onclose=None) -> None:
        self._buf = buf
        self._name = name
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False
        self.file = _ViewFile(buf)


compound.BufferFile = _MappedFile


def _empty_column(self, fieldname: str, column=None, reverse: bool = False, translate: bool = True):
    """An index without a segment (every passage deleted, or none to index) reads as one with
    empty columns: Whoosh's ``EmptyReader`` raised NotImplementedError at the first facet,
    meeting count or stats."""
    column = column or self.schema[fieldname].column_type
    return columns.EmptyColumnReader(column.default_value(reverse), 0)


EmptyReader.column_reader = _empty_column


def open_index(index_dir) -> whoosh_index.Index:
    """Open the Whoosh index in ``index_dir`` (its sub-files read in place, never copied)."""
    return whoosh_index.open_dir(str(index_dir))
