"""Writing Whoosh segments straight from passages, in parallel.

Whoosh's own writer sends every posting of every document through a pool of
``(field, term, docnum, weight, value)`` tuples that it sorts, spills to disk and merges, then
hands them one at a time to the codec, which looks up the document's field length for each.
For huiyi's index (two exact-view terms per Han character) that was most of a build. Here a
segment's postings are gathered in memory, term by term (documents arrive in docnum order, so
each term's postings are already sorted), and written with the same codec a block at a time,
analysed by :func:`indexer.analysis.index_views` (one pass for both views) instead of a Token
through the analyzer chain per term. The segment holds what Whoosh's writer makes of the same
documents: the same terms, postings and statistics, and stored fields, lengths and columns byte
for byte (``tests/test_segments.py`` compares them); only the posting blocks are pickled with a
newer protocol (see ``BLOCK_PICKLE``). Reading, searching and later updates by Whoosh are
unchanged.

Parallel builds: worker processes (forked after jieba is loaded, so they share its dictionary)
take batches of documents from a queue, each writing its own segments; when a worker's postings
outgrow its share of ``memory_mb`` it writes a segment and starts another. The parent commits
them all into the index at once (:func:`commit_segments`), so nothing is visible until the end.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import signal
import struct
import zlib
from array import array
from collections.abc import Callable, Iterable
from hashlib import md5
from operator import itemgetter, sub
from pickle import dumps

from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.columns import (
    CompressedBytesColumn,
    FixedBytesColumn,
    NumericColumn,
    PickleColumn,
    VarBytesColumn,
)
from whoosh.filedb.filetables import _lengths as _RECORD_LENGTHS
from whoosh.filedb.filetables import _pointer as _SLOT
from whoosh.filedb.filetables import md5_hash
from whoosh.formats import Positions
from whoosh.system import pack_int as _pack_int
from whoosh.system import pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.util.numlists import GrowableArray
from whoosh.writing import MERGE_SMALL, NO_MERGE

from corpus.errors import HuiyiError

from .analysis import index_views

WORD_VIEW_FIELDS = frozenset({"word", "quote"})
EXACT_VIEW_FIELDS = frozenset({"exact", "quote_exact", "speaker", "type", "place", "attendee"})
WORD_VIEW, EXACT_VIEW, _PLAIN = 1, 2, 3  # how an indexed field is analysed (see SegmentBuilder._plan)
BATCH_DOCUMENTS = 200
_pack_uint = struct.Struct("!I").pack
# W3TermInfo's fields, then the postings' offset and length (``pack_long``, ``pack_int``)
_TERM_INFO_POINTER = struct.Struct(W3TermInfo._struct.format + "qi")
# Postings are written to the file in pieces of about this many bytes.
_WRITE_BYTES = 1 << 22
BLOCK_LIMIT, COMPRESSION = 128, 3  # W3Codec's defaults, which huiyi uses
# Whoosh compresses every block of 80 bytes or more; a zlib call costs ~15 µs whatever the size,
# and below 512 bytes it saves little: 1.1 s of the 8 s that writing 8 MB of CCTV text took, for an
# index 7% larger. (Readers decompress only blocks flagged as compressed.)
COMPRESSION_MIN_SIZE = 512
# Whoosh pickles a block's (ids, weights, values) with protocol 2, which writes each bytes value
# as a call to codecs.encode on a latin-1 string. Protocol 4 writes bytes as bytes: on Chinese
# text blocks are 45% smaller after compression, pickling 3.5× faster, and reading them back
# (every query) 3.5× faster. Readers unpickle whatever protocol they find, so the index is still
# a Whoosh index.
BLOCK_PICKLE = 4

# Bytes of memory per gathered posting and per distinct term: a posting is two list slots, a
# term its key, dict slot and list (fitted to the memory growth of a year of CCTV text, 5.3
# million postings of 443,000 terms: 238 MB).
_POSTING_BYTES = 24
_TERM_BYTES = 260


class IndexWorkerError(HuiyiError):
    """An indexing process failed or died."""


class SegmentBuilder:
    """Gathers documents for one new segment of the index in ``storage``; ``finish`` writes it."""

    def __init__(self, storage, indexname: str, schema, analyse: Callable = index_views) -> None:
        """``analyse``: a text's two views, as :func:`indexer.analysis.index_views` makes them
        (``bench.build_phases`` hands in views made beforehand, to time adding alone)."""
        self.storage, self.schema, self.analyse = storage, schema, analyse
        self.codec = default_codec()
        self.segment = self.codec.new_segment(storage, indexname)
        self.perdoc = self.codec.per_document_writer(storage, self.segment)
        self.columns = _Columns(self.perdoc)
        self.docnum = 0
        self.postings_count = 0
        # field → term → [docnum, value, docnum, value, …]; value = (bytes, weight)
        self.postings: dict[str, dict] = {name: {} for name in schema.names() if schema[name].indexed}
        # field → docnum → the field's length as the byte Whoosh stores (0: none); a block's
        # and a term's shortest and longest are the bytes' min and max (the encoding is monotonic)
        self.lengths: dict[str, bytearray] = {name: bytearray() for name in self.postings}
        self._plain_terms: dict[tuple[str, object], list] = {}
        self._plans: dict[tuple, list] = {}

    # ------------------------------------------------------------- adding

    def add(self, document: dict) -> None:
        """Add one document, as ``whoosh.writing.SegmentWriter.add_document`` would."""
        perdoc, docnum = self.perdoc, self.docnum
        key = tuple(document)
        plan = self._plans.get(key) or self._plan(key)
        views: dict[str, tuple] = {}
        perdoc.start_doc(docnum)
        for name, field, view, stored, column in plan:
            value = document[name]
            if value is None:
                continue
            length = 0
            if view == _PLAIN:
                length = self._add_plain_terms(name, field, value)
            elif view is not None and value:  # an empty text has no terms and no length
                length = self._add_view_terms(name, view, value, views)
            if length:
                lengths = self.lengths[name]
                if len(lengths) < docnum:  # no length meanwhile: byte 0 (unscorable fields: always)
                    lengths.extend(bytes(docnum - len(lengths)))
                lengths.append(length_to_byte(length))
                perdoc.add_field(name, field, value if stored else None, length)
            elif stored:
                perdoc.add_field(name, field, value, 0)
            if column is not None:
                self.columns.add(name, column, field.to_column_value(value))
        perdoc.finish_doc()
        self.docnum += 1

    def _plan(self, names: tuple) -> list:
        """How each field of documents with these field names is added: (name, field, view,
        stored, column), by name; view is ``WORD_VIEW``, ``EXACT_VIEW``, ``_PLAIN`` (other indexed
        fields: Whoosh's own analysis) or None (not indexed)."""
        plan = []
        for name in sorted(name for name in names if not name.startswith("_")):
            field = self.schema[name]
            view = None
            if field.indexed:
                view = _PLAIN
                if field.scorable:  # the views' lengths are scored
                    view = WORD_VIEW if name in WORD_VIEW_FIELDS else EXACT_VIEW if name in EXACT_VIEW_FIELDS else _PLAIN
            plan.append((name, field, view, field.stored, field.column_type or None))
        self._plans[names] = plan
        return plan

    def _add_view_terms(self, name: str, view: int, value: str, views: dict) -> int:
        """Gather a text field's postings for the current document (analysed once for all the
        fields with this text); returns its length."""
        analysed = views.get(value)
        if analysed is None:
            analysed = views[value] = self.analyse(value)
        if view == WORD_VIEW:
            counts = analysed[0]
            self._gather(name, counts.keys(), map(_FREQUENCY_VALUES.__getitem__, counts.values()))
            return sum(counts.values())
        positions = analysed[1]
        self._gather(name, positions.keys(), map(_POSITIONS_VALUES.__getitem__, map(tuple, positions.values())))
        return sum(map(len, positions.values()))

    def _add_plain_terms(self, name: str, field, value) -> int:
        """Identifiers, dates and the like: Whoosh's own analysis, remembered per value."""
        cache_key = (name, value if isinstance(value, str) else repr(value))
        found = self._plain_terms.get(cache_key)
        if found is None:
            items = list(field.index(value))
            found = ([term for term, _freq, _weight, _vbytes in items],
                     [(vbytes, weight) for _term, _freq, weight, vbytes in items],
                     sum(freq for _term, freq, _weight, _vbytes in items) if field.scorable else 0)
            if len(self._plain_terms) > 50_000:
                self._plain_terms.clear()
            self._plain_terms[cache_key] = found
        terms, values, length = found
        self._gather(name, terms, values)
        return length

    def _gather(self, name: str, terms, values) -> None:
        docnum, postings = self.docnum, self.postings[name]
        get = postings.get
        for term, posting in zip(terms, values):
            entry = get(term)
            if entry is None:
                postings[term] = [docnum, posting]
            else:
                entry += (docnum, posting)
        self.postings_count += len(terms)

    def memory(self) -> int:
        """An estimate of the bytes the gathered postings and stored fields hold."""
        return (self.postings_count * _POSTING_BYTES + sum(map(len, self.postings.values())) * _TERM_BYTES
                + self.columns.pickled_bytes)

    # ------------------------------------------------------------- writing

    def finish(self):
        """Write the segment's files; returns the Whoosh segment, or None if nothing was added."""
        self.columns.write()
        self.perdoc.close()
        fieldwriter = self.codec.field_writer(self.storage, self.segment)
        for name in sorted(self.postings):
            terms = self.postings[name]
            if not terms:
                continue
            field = self.schema[name]
            lengths = self.lengths[name]
            lengths.extend(bytes(self.docnum - len(lengths)))
            fieldwriter.start_field(name, field)
            fieldid = pack_ushort(fieldwriter._fieldid)
            postfile, table = fieldwriter._postfile, fieldwriter._tindex
            write_one, write_many = _posting_writers(field.format.fixed_value_size(), lengths)
            offset = postfile.tell()
            keys, infos, blobs, pending = [], [], [], offset
            for term in sorted(terms):
                entry = terms[term]
                blob, info = write_one(offset, *entry) if len(entry) == 2 else write_many(offset, entry)
                blobs.append(blob)
                offset += len(blob)
                keys.append(fieldid + (term.encode("utf-8") if isinstance(term, str) else term))
                infos.append(info)
                if offset - pending > _WRITE_BYTES:
                    postfile.write(b"".join(blobs))
                    blobs, pending = [], offset
            postfile.write(b"".join(blobs))
            _add_to_table(table, keys, infos)
            fieldwriter.finish_field()
            terms.clear()
        fieldwriter._tindex._write_hashes = lambda: _write_hashes(fieldwriter._tindex)
        fieldwriter.close()
        segment = self.segment
        segment.set_doc_count(self.docnum)
        if not self.docnum:
            for name in segment.list_files(self.storage):
                self.storage.delete_file(name)
            return None
        segment.create_compound_file(self.storage)
        return segment


class _Columns:
    """A segment's column values (stored fields, field lengths, sortable fields), gathered in
    lists and handed to Whoosh's column writers a column at a time when the segment is written:
    the same bytes as adding them a value at a time, which took a chain of five calls and a
    write per value (about 10% of adding a document). Installed as the per-document writer's
    ``add_column_value``, so the values it adds itself (stored fields, lengths) come here too."""

    def __init__(self, perdoc) -> None:
        self.perdoc = perdoc
        self.values: dict[str, tuple] = {}  # field name → (column, docnums, values), as first added
        self.pickled_bytes = 0  # the stored fields' pickles held (the other values are small)
        perdoc.add_column_value = self.add

    def add(self, fieldname: str, column, value) -> None:
        entry = self.values.get(fieldname)
        if entry is None:
            entry = self.values[fieldname] = (column, [], [])
        if isinstance(column, PickleColumn):  # pickled now: the stored fields' dict is reused
            value = b"" if value is None else dumps(value, 2)
            self.pickled_bytes += len(value)
        entry[1].append(self.perdoc._docnum)
        entry[2].append(value)

    def write(self) -> None:
        perdoc = self.perdoc
        for fieldname, (column, docnums, values) in self.values.items():
            if fieldname not in perdoc._colwriters:
                perdoc._create_column(fieldname, column)
            _load_column(perdoc._colwriters[fieldname], docnums, values)
            docnums.clear()  # each column's values freed once written, not all at the end
            values.clear()
        self.values.clear()


def _load_column(writer, docnums: list, values: list) -> None:
    """What ``writer.add(docnum, value)`` for each pair would write and leave behind."""
    if isinstance(writer, PickleColumn.Writer):  # values pickled by _Columns.add
        writer = writer._child
    if isinstance(writer, CompressedBytesColumn.Writer):
        values = [writer._compress(value, writer._level) for value in values]
    if type(writer) in (VarBytesColumn.Writer, CompressedBytesColumn.Writer):
        lengths, offsets, base, count = [], [], writer._offset_base, writer._count
        for docnum, value in zip(docnums, values):
            if docnum > count:
                lengths += [0] * (docnum - count)
                offsets += [base] * (docnum - count)
            lengths.append(len(value))
            offsets.append(base)
            base += len(value)
            count = docnum + 1
        writer._dbfile.write(b"".join(values))
        _extend(writer._lengths, lengths)
        _extend(writer._offsets, offsets)
        writer._offset_base, writer._count = base, count
    elif type(writer) in (NumericColumn.Writer, FixedBytesColumn.Writer):
        encode = writer._pack if isinstance(writer, NumericColumn.Writer) else None
        default, parts, count = writer._default, [], writer._count
        for docnum, value in zip(docnums, values):
            if value == default:
                continue
            if docnum > count:
                parts.append(writer._defaultbytes * (docnum - count))
            value = encode(value) if encode else value
            if len(value) != writer._fixedlen:
                raise ValueError(f"a column value of {len(value)} bytes, not {writer._fixedlen}")
            parts.append(value)
            count = docnum + 1
        writer._dbfile.write(b"".join(parts))
        writer._count = count
    else:  # pragma: no cover - a column type huiyi's schema does not use
        for docnum, value in zip(docnums, values):
            writer.add(docnum, value)


def _extend(numbers: GrowableArray, more: list) -> None:
    """``GrowableArray.extend``: its type ends as the one appending them would leave (the
    smallest that holds the largest number)."""
    if more:
        largest = max(more)
        try:
            array(numbers.array.typecode, [largest])
        except OverflowError:
            numbers._retype(largest)
        numbers.array.extend(more)


_weight_of, _bytes_of = itemgetter(1), itemgetter(0)


def _add_to_table(table, keys: list, values: list) -> None:
    """``OrderedHashWriter.add`` for many sorted keys: one write, the same records, hashes and
    key index."""
    if table.hashfn is not md5_hash:  # pragma: no cover - W3Codec's term tables use md5
        for key, value in zip(keys, values):
            table.add(key, value)
        return
    dbfile, buckets, index = table.dbfile, table.buckets, table.index
    position, last = dbfile.tell(), table.lastkey
    records = []
    for key, value in zip(keys, values):
        if key <= last:
            raise ValueError(f"Keys must increase: {last!r}..{key!r}")
        index.append(position)
        record = _RECORD_LENGTHS.pack(len(key), len(value)) + key + value
        records.append(record)
        hashed = int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:], "big")  # = md5_hash(key)
        buckets[hashed & 255].append((hashed, position))
        position += len(record)
        last = key
    dbfile.write(b"".join(records))
    table.lastkey = last


_EMPTY_SLOT = _SLOT.pack(0, 0)


def _write_hashes(table) -> None:
    """``HashWriter._write_hashes`` with one write per hash table (it writes a slot at a time:
    two writes per term, millions in a large segment); the same bytes."""
    dbfile = table.dbfile
    for entries in table.buckets:
        numslots = 2 * len(entries)
        table.directory.append((dbfile.tell(), numslots))
        slots = [_EMPTY_SLOT] * numslots
        for hashed, position in entries:
            slot = (hashed >> 8) % numslots
            while slots[slot] is not _EMPTY_SLOT:
                slot = (slot + 1) % numslots
            slots[slot] = _SLOT.pack(hashed, position)
        dbfile.write(b"".join(slots))


def _posting_writers(fixed_size, lengths: bytearray):
    """Two functions writing one term's postings as ``W3PostingsWriter`` writes them (it takes
    them one at a time), a block at a time: ``write_many(offset, entry)`` and, for a term in one
    document (half the terms of a segment), ``write_one(offset, docnum, value)``. Each returns
    the bytes for the postings file at ``offset`` and the term's ``W3TermInfo`` bytes. The
    postings' values are packed by the field format's ``fixed_size`` as the codec packs them."""
    if fixed_size is None or fixed_size < 0:
        def block_values(values):
            return tuple(filter(None, map(_bytes_of, values)))
    elif fixed_size == 0:
        def block_values(values):
            return None
    else:
        def block_values(values):
            return b"".join(filter(None, map(_bytes_of, values)))

    def write_block(ids: list, values: list, last: bool, head: bytes = b"") -> tuple:
        """A block's bytes (after ``head``), and its total weight, max weight and length bytes
        (min, max)."""
        given = list(map(_weight_of, values))
        if given.count(1.0) == len(given):
            weights, total, max_weight = None, float(len(given)), 1.0
        else:
            stored = array("f", given)  # as the codec holds them
            if stored.count(1.0) == len(stored):
                weights = None
            else:
                weights = stored[0] if stored.count(stored[0]) == len(stored) else tuple(stored)
            total, max_weight = sum(stored), max(0, max(given))
        known = bytes(itemgetter(*ids)(lengths)) if len(ids) > 1 else bytes((lengths[ids[0]],))
        if 0 in known:
            known = known.replace(b"\0", b"")
        shortest, longest = (min(known), max(known)) if known else (0, 0)
        block = _block_bytes((ids[0], *map(sub, ids[1:], ids)), weights, block_values(values), ids[-1],
                             max_weight, shortest, longest, last, head)
        return block, total, max_weight, shortest, longest

    def write_many(offset: int, entry: list) -> tuple[bytes, bytes]:
        docnums, values = entry[0::2], entry[1::2]
        count = len(docnums)
        if count <= BLOCK_LIMIT:
            blob, total, max_weight, shortest, longest = write_block(docnums, values, True, WHOOSH3_HEADER_MAGIC)
        else:
            out, total, max_weight, shortest, longest = [WHOOSH3_HEADER_MAGIC], 0.0, 0, 0, 0
            for start in range(0, count, BLOCK_LIMIT):
                end = start + BLOCK_LIMIT
                block, block_total, block_max_weight, block_shortest, block_longest = \
                    write_block(docnums[start:end], values[start:end], end >= count)
                out.append(block)
                total += block_total
                max_weight = max(max_weight, block_max_weight)
                if block_shortest and (not shortest or block_shortest < shortest):
                    shortest = block_shortest
                longest = max(longest, block_longest)
            blob = b"".join(out)
        return blob, _TERM_INFO_POINTER.pack(False, total, count, shortest, longest, max_weight, docnums[0],
                                             docnums[-1], offset, len(blob))

    def write_one(offset: int, docnum: int, value: tuple) -> tuple[bytes, bytes]:
        weight = value[1]
        stored_weight = 1.0 if weight == 1.0 else array("f", (weight,))[0]
        max_weight = max(0, weight)
        length = lengths[docnum]
        blob = _block_bytes((docnum,), None if stored_weight == 1.0 else stored_weight, block_values((value,)), docnum,
                            max_weight, length, length, True, WHOOSH3_HEADER_MAGIC)
        return blob, _TERM_INFO_POINTER.pack(False, stored_weight, 1, length, length, max_weight, docnum, docnum,
                                             offset, len(blob))

    return write_one, write_many


def _block_bytes(deltas: tuple, weights, values, last_id: int, max_weight, shortest: int, longest: int,
                 last: bool, head: bytes = b"") -> bytes:
    """One block of postings as the codec writes it, after ``head``: its size (negative for a
    term's last block), its info (count, last id, max weight, compression, length bytes), its
    postings."""
    data = dumps((deltas, weights, values), BLOCK_PICKLE)
    compression = COMPRESSION if len(data) >= COMPRESSION_MIN_SIZE else 0
    if compression:
        data = zlib.compress(data, compression)
    info = dumps((len(deltas), last_id, max_weight, compression, shortest, longest), 2)
    size = len(info) + len(data)
    return b"".join((head, _pack_int(-size if last else size), info, data))


class _Values(dict):
    """Posting values, (encoded bytes, weight), made once and shared by every posting that has
    them: ``_FREQUENCY_VALUES[count]``, ``_POSITIONS_VALUES[tuple of positions]``."""

    def __init__(self, encode) -> None:
        super().__init__()
        self.encode = encode

    def __missing__(self, key):
        if len(self) > 100_000:  # ~20 MB; a value made again is only a little time
            self.clear()
        value = self[key] = self.encode(key)
        return value


_FREQUENCY_VALUES = _Values(lambda count: (_pack_uint(count), float(count)))
_encode_positions = Positions().encode
_POSITIONS_VALUES = _Values(lambda positions: (_encode_positions(positions), float(len(positions))))


# ------------------------------------------------------------------ committing


def commit_segments(ix, segments: list, deletions: Iterable[tuple[str, str]] = (),
                    docnums: Iterable[int] = ()) -> None:
    """Make new segments part of the index, with deletions (by term, and by the document
    numbers of a reader of this generation), in one Whoosh commit (atomic: a reader sees the
    index before or after, never between). Small existing segments are merged as Whoosh would
    merge them."""
    writer = ix.writer()
    try:
        for fieldname, text in deletions:
            writer.delete_by_term(fieldname, text)
        for docnum in docnums:
            writer.delete_document(docnum)
    except BaseException:
        writer.cancel()
        raise
    policy = MERGE_SMALL if writer.segments else NO_MERGE
    writer.commit(mergetype=lambda w, existing: policy(w, existing) + [s for s in segments if s is not None])


# ------------------------------------------------------------------ building


def build_segments(storage, indexname: str, schema, documents: Iterable[dict], procs: int,
                   memory_mb: int) -> list:
    """Write ``documents`` as new segments of the index in ``storage`` with ``procs`` processes;
    returns the segments, not yet committed. Without ``fork`` (Windows) one process does it all:
    workers must inherit the loaded jieba and the open index."""
    if procs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return _build_here(storage, indexname, schema, documents, memory_mb)
    return _build_in_workers(storage, indexname, schema, documents, procs, memory_mb)


def _build_here(storage, indexname, schema, documents, memory_mb, next_batch: Callable | None = None) -> list:
    limit = memory_mb * 1024 * 1024
    segments, builder = [], SegmentBuilder(storage, indexname, schema)
    batches = iter(next_batch, None) if next_batch else _batches(documents)
    # Millions of small lists and tuples, none in a cycle: the cyclic collector would walk them
    # again and again (~15% of a build) to free almost nothing; it is paused until the end.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for batch in batches:
            for document in batch:
                builder.add(document)
            if builder.memory() > limit:
                segments.append(builder.finish())
                builder = SegmentBuilder(storage, indexname, schema)
                gc.collect()  # the finished writers' few cycles, while the collector is paused
        segments.append(builder.finish())
    finally:
        if collecting:
            gc.enable()
    return [segment for segment in segments if segment is not None]


def _batches(documents: Iterable[dict]):
    batch = []
    for document in documents:
        batch.append(document)
        if len(batch) >= BATCH_DOCUMENTS:
            yield batch
            batch = []
    if batch:
        yield batch


def _build_in_workers(storage, indexname, schema, documents, procs, memory_mb) -> list:
    context = multiprocessing.get_context("fork")
    tasks = context.Queue(maxsize=procs * 2)
    results = context.Queue()
    parent = os.getpid()
    workers = [
        context.Process(target=_work, args=(storage, indexname, schema, tasks, results, max(memory_mb // procs, 1),
                                            parent), daemon=True)
        for _ in range(procs)
    ]
    # Ctrl-C is held back while the workers are forked: each starts with it blocked and ignores
    # it (see _work); the parent gets one pressed meanwhile as soon as they are started
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        try:
            for worker in workers:
                worker.start()
        finally:  # a Ctrl-C held back is raised here: the workers started are stopped below
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        for batch in _batches(documents):
            _put(tasks, batch, workers)
        for _ in workers:
            _put(tasks, None, workers)
        segments = []
        for _ in workers:
            status, payload = _get(results, workers)
            if status != "ok":
                raise IndexWorkerError(f"an indexing process failed: {payload}")
            segments += payload
        for worker in workers:
            worker.join()
        return segments
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
                worker.join()
        tasks.cancel_join_thread()


def _put(tasks, item, workers) -> None:
    while True:
        try:
            tasks.put(item, timeout=0.5)
            return
        except queue.Full:
            _check_alive(workers)


def _get(results, workers):
    while True:
        try:
            return results.get(timeout=0.5)
        except queue.Empty:
            _check_alive(workers)
            if all(worker.exitcode is not None for worker in workers):  # all gone, a result missing
                try:
                    return results.get(timeout=5)
                except queue.Empty:
                    raise IndexWorkerError("an indexing process ended without its result") from None


def _check_alive(workers) -> None:
    for worker in workers:
        if worker.exitcode not in (None, 0):
            raise IndexWorkerError(f"an indexing process died (exit code {worker.exitcode})")


def _die_with_parent(parent: int) -> None:
    """Linux: the kernel kills this worker when the build process dies (kill -9 included), even
    if it is blocked reading a half-written batch; elsewhere the worker polls for it."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


def _work(storage, indexname, schema, tasks, results, memory_mb, parent) -> None:
    _die_with_parent(parent)
    # Ctrl-C reaches every process of the terminal's group: the parent stops the build (and
    # this worker); a worker interrupted too would print its own traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    # The collector stays paused to the end (see _build_here): a worker exits once its segments
    # are written, and enabling it then would first walk every object the build left behind
    # (the word caches: ~0.2 s at the end of every parallel build, for nothing)
    gc.disable()

    def next_batch():
        while True:
            try:
                return tasks.get(timeout=0.5)
            except queue.Empty:
                if os.getppid() != parent:  # the build was killed: do not linger
                    os._exit(1)

    try:
        segments = _build_here(storage, indexname, schema, None, memory_mb, next_batch)
    except Exception as error:  # noqa: BLE001 - any failure is reported to the parent, which raises it
        results.put(("error", f"{type(error).__name__}: {error}"))
        return
    results.put(("ok", segments))
