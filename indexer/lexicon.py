"""Counting the distinct terms of a field, for ``huiyi stats``.

``reader.lexicon(field)`` merges the segments' sorted term lists a term at a time, reading each
key through three generators and a file seek: 6 s for the exact view of all of CCTV (a million
terms, 3.6 million keys in 8 segments). A segment's term table (``whoosh.filedb.filetables``'s
ordered hash file) holds its keys as records in order, ``(key length, value length)`` then the
key (two bytes of field number, then the term) and the value; a field's records are one run of
the file, found by the table's own binary search. Reading the run in one piece and walking it
here gives the same count in a fraction of the time.
"""

from __future__ import annotations

from collections.abc import Iterator
from heapq import merge
from itertools import groupby

from whoosh.filedb.filetables import _lengths as _RECORD_LENGTHS
from whoosh.system import pack_ushort

_FIELD_NUMBER = 2  # bytes before the term in a key


def distinct_terms(reader, fieldname: str) -> int:
    """The number of distinct terms of ``fieldname`` in the segments ``reader`` reads: the
    segments' sorted runs merged, equal neighbours counted once (a set of a million terms
    would hold ~180 MB)."""
    runs = [_terms(run) for leaf, _base in reader.leaf_readers() if (run := _field_records(leaf, fieldname))]
    return sum(1 for _term in groupby(merge(*runs)))


def _field_records(leaf, fieldname: str):
    """The records of ``fieldname``'s terms in one segment's term table: a view of the mapped
    file where the index was opened so (``indexer.storage``), else their bytes."""
    terms = getattr(leaf, "_terms", None)  # an empty index's reader has no segment
    if terms is None or fieldname not in terms._fieldmap:
        return b""
    table, number = terms._tindex, terms._fieldmap[fieldname]
    start = table.closest_key_pos(pack_ushort(number))
    if start is None:
        return b""
    end = table.closest_key_pos(pack_ushort(number + 1)) if number < 65535 else None
    end = table.endofdata if end is None else end
    mapped = getattr(getattr(table.dbfile, "file", None), "_buf", None)
    return mapped[start:end] if isinstance(mapped, memoryview) else table.dbfile.get(start, end - start)


def _terms(records) -> Iterator[bytes]:
    """The terms (without their field number), in order, of a run of term-table records."""
    unpack, head, position, end = _RECORD_LENGTHS.unpack_from, _RECORD_LENGTHS.size, 0, len(records)
    while position < end:
        key_length, value_length = unpack(records, position)
        position += head
        yield bytes(records[position + _FIELD_NUMBER : position + key_length])
        position += key_length + value_length
