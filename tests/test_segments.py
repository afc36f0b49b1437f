"""The index builder writes what Whoosh's own writer writes, and the fast analysis of a passage
is the analyzers' analysis."""

import collections
import os
import signal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.columns import (
    CompressedBytesColumn,
    FixedBytesColumn,
    NumericColumn,
    PickleColumn,
    VarBytesColumn,
)
from whoosh.filedb.compound import CompoundStorage

from corpus.sources import iter_record_files, read_record
from indexer.analysis import VALUE_SEPARATOR, exact_analyzer, exact_tokens, index_views, word_analyzer
from indexer.build import bundled_samples, documents_of
from indexer.schema import make_schema
from indexer.segments import (
    EXACT_VIEW_FIELDS,
    WORD_VIEW_FIELDS,
    IndexWorkerError,
    SegmentBuilder,
    build_segments,
    commit_segments,
)

from .conftest import write_records

# Han (Simplified and Traditional), Latin with accents, digits, and the separators the
# tokenizer treats specially.
PIECES = st.sampled_from(list("中國国人民合作社農业生产的了一 \n，。、“”《》-‐'’.,:;!?abcXYZéōü0129")
                         + ["U.S.", "co-op", "the", "of", "600,000", "Zhōu", "ｆｕｌｌ", "party's", VALUE_SEPARATOR])
TEXT = st.lists(PIECES, max_size=40).map("".join)


def analysed_by_the_analyzers(text: str):
    words = collections.Counter(token.text for token in word_analyzer()(text, mode="index"))
    exact = collections.defaultdict(list)
    for token in exact_analyzer()(text, mode="index", positions=True):
        exact[token.text].append(token.pos)
    return dict(words), dict(exact)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_index_views_are_the_analyzers_views(text):
    words, exact = index_views(text)
    assert (dict(words), dict(exact)) == analysed_by_the_analyzers(text)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_exact_tokens_are_the_exact_analyzers_tokens(text):
    expected = [(token.text, token.startchar, token.endchar, token.pos) for token in exact_analyzer()(text)]
    assert exact_tokens(text) == expected


def test_view_fields_use_the_views_analyzers():
    schema = make_schema()
    for name in WORD_VIEW_FIELDS:
        assert schema[name].analyzer == word_analyzer(), name
    for name in EXACT_VIEW_FIELDS:
        assert schema[name].analyzer == exact_analyzer(), name


def sample_documents() -> list[dict]:
    documents = []
    for record_file in iter_record_files([str(bundled_samples())]):
        result = read_record(record_file)
        if result.meeting:
            documents += documents_of(result.meeting, str(record_file.path))
    return documents


def whoosh_written(folder, documents):
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), make_schema())
    writer = ix.writer()
    for document in documents:
        writer.add_document(**document)
    writer.commit()
    return ix


def builder_written(folder, documents, **options):
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), make_schema())
    builder = SegmentBuilder(ix.storage, ix.indexname, ix.schema, **options)
    for document in documents:
        builder.add(document)
    commit_segments(ix, [builder.finish()])
    return ix


def segment_files(ix) -> dict[str, bytes]:
    [segment] = ix._segments()
    files = CompoundStorage(ix.storage.open_file(segment.make_filename(segment.COMPOUND_EXT)))
    return {name.split(".", 1)[1]: files.open_file(name).read() for name in files.list()}


def assert_same_index(ours, theirs) -> int:
    """Stored fields, lengths and columns are the same bytes; terms and postings are the same
    when read (a block's pickle shares equal values, so its bytes can be shorter). Returns the
    largest document frequency seen."""
    ours_files, whoosh_files = segment_files(ours), segment_files(theirs)
    assert ours_files.keys() == whoosh_files.keys()
    for name in ours_files.keys() - {"trm", "pst"}:
        assert ours_files[name] == whoosh_files[name], name
    stats = ("weight", "doc_frequency", "min_length", "max_length", "max_weight", "min_id", "max_id")
    with ours.reader() as mine, theirs.reader() as reference:
        terms = list(reference.all_terms())
        assert list(mine.all_terms()) == terms
        assert len(terms) > 1000
        for fieldname, text in terms:
            a, b = mine.term_info(fieldname, text), reference.term_info(fieldname, text)
            assert [getattr(a, stat)() for stat in stats] == [getattr(b, stat)() for stat in stats], (fieldname, text)
            assert postings(mine, fieldname, text) == postings(reference, fieldname, text), (fieldname, text)
        for fieldname in reference.indexed_field_names():
            assert mine.field_length(fieldname) == reference.field_length(fieldname)
        return max(reference.doc_frequency(fieldname, text) for fieldname, text in terms)


def postings(reader, fieldname, text) -> list:
    matcher = reader.postings(fieldname, text)
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight(), matcher.value(), matcher.block_max_weight(),
                      matcher.block_min_length(), matcher.block_max_length()))
        matcher.next()
    return found


def test_builder_writes_what_whoosh_writes(tmp_path):
    documents = sample_documents()
    assert len(documents) > 50
    assert_same_index(builder_written(tmp_path / "ours", documents), whoosh_written(tmp_path / "whoosh", documents))


def test_a_builder_takes_the_views_from_the_function_it_is_given(tmp_path):
    """bench.build_phases times adding alone by handing in views made beforehand: each
    document's distinct texts are asked for once, in the builder's field order, and what the
    function returns is what is indexed."""
    documents = sample_documents()
    asked = []

    def made_before(text):
        asked.append(text)
        counts, positions = index_views(text)
        return collections.Counter({**counts, "madebefore": 1}), positions

    ix = builder_written(tmp_path / "ours", documents, analyse=made_before)
    view_fields = sorted(WORD_VIEW_FIELDS | EXACT_VIEW_FIELDS)
    assert asked == [text for document in documents
                     for text in dict.fromkeys(document[name] for name in view_fields if document.get(name))]
    with ix.reader() as reader:
        assert reader.doc_frequency("word", "madebefore") == sum(1 for document in documents if document["word"])


@settings(max_examples=50, deadline=None)
@given(st.sets(st.binary(min_size=1, max_size=12), max_size=400))
def test_term_table_hashes_are_whooshs_bytes(keys):
    """The terms table's hash tables, written a bucket at a time, are the bytes Whoosh writes
    a slot at a time (collisions included: 400 keys over 256 buckets)."""
    from whoosh.filedb.filestore import RamStorage
    from whoosh.filedb.filetables import OrderedHashWriter

    from indexer.segments import _write_hashes

    written = []
    for fast in (False, True):
        storage = RamStorage()
        table = OrderedHashWriter(storage.create_file("t"))
        for key in sorted(keys):
            table.add(key, b"v" + key)
        if fast:
            table._write_hashes = lambda table=table: _write_hashes(table)
        table.close()
        written.append(storage.open_file("t").read())
    assert written[0] == written[1]


def test_terms_in_more_documents_than_a_block_holds(tmp_path):
    documents = [dict(document, passage_id=f"{document['passage_id']}-{copy}")
                 for copy in range(7) for document in sample_documents()]
    largest = assert_same_index(builder_written(tmp_path / "ours", documents),
                                whoosh_written(tmp_path / "whoosh", documents))
    assert largest > 2 * 128  # three blocks or more


def test_memory_limit_splits_segments_and_workers_share_the_work(tmp_path):
    documents = [dict(document, passage_id=f"{document['passage_id']}-{copy}")
                 for copy in range(5) for document in sample_documents()]
    (tmp_path / "ix").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "ix"), make_schema())
    segments = build_segments(ix.storage, ix.indexname, ix.schema, iter(documents), procs=2, memory_mb=1)
    assert len(segments) > 2
    assert sum(segment.doc_count_all() for segment in segments) == len(documents)
    commit_segments(ix, segments)
    with ix.searcher() as searcher:
        assert searcher.doc_count() == len(documents)
        assert sorted(fields["passage_id"] for fields in searcher.all_stored_fields()) == \
            sorted(document["passage_id"] for document in documents)


def test_a_failing_worker_is_reported(tmp_path):
    (tmp_path / "ix").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "ix"), make_schema())
    documents = sample_documents()
    documents[-1] = dict(documents[-1], kind=5)  # an ID field must be text
    with pytest.raises(IndexWorkerError, match="kind|not unicode"):
        build_segments(ix.storage, ix.indexname, ix.schema, iter(documents), procs=2, memory_mb=64)


def test_a_worker_killed_midway_fails_the_build(tmp_path, monkeypatch):
    from indexer import segments

    real_add = SegmentBuilder.add

    def add_then_die(self, document):
        if document["passage_id"].endswith("#3"):
            os.kill(os.getpid(), signal.SIGKILL)
        real_add(self, document)

    monkeypatch.setattr(segments.SegmentBuilder, "add", add_then_die)
    (tmp_path / "ix").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "ix"), make_schema())
    with pytest.raises(IndexWorkerError, match="died"):
        build_segments(ix.storage, ix.indexname, ix.schema, iter(sample_documents()), procs=2, memory_mb=64)


def test_a_parallel_update_finds_what_a_fresh_build_finds(tmp_path):
    from indexer.build import build_index
    from search import Engine

    def write(version: str, count: int):
        return write_records(tmp_path / "c", {
            f"{n:02d}.txt": f"**Dates of Meeting:** {1950 + n % 10}\n\n**Remarks:**\n\n"
                            f"第{n}次会议讨论合作社 meeting {n} {version}\n" for n in range(count)})

    corpus = write("first", 60)
    build_index([corpus], tmp_path / "ix", procs=2)
    write("second", 58)  # 58 changed (more than 50: analysed in workers), 2 left as they were
    for n in (58, 59):
        (corpus / f"{n:02d}.txt").unlink()
    update = build_index([corpus], tmp_path / "ix", procs=2)
    assert (update.changed, update.removed) == (58, 2)
    build_index([corpus], tmp_path / "fresh", procs=1)

    def hits(index_dir, query):
        with Engine.open(index_dir) as engine:
            results = engine.search(query, limit=0, excerpts=False)
            return results.total_passages, sorted(hit.passage_id for hit in results.hits)

    for query in ["合作社", '"第3次"', "second", "first", "meeting", "date:1953"]:
        assert hits(tmp_path / "ix", query) == hits(tmp_path / "fresh", query), query
    assert hits(tmp_path / "ix", "second")[0] == 58


_COLUMNS = {
    "var": lambda: VarBytesColumn(write_offsets_cutoff=3),  # offsets written from 3 documents
    "compressed": lambda: CompressedBytesColumn(),
    "pickle": lambda: PickleColumn(CompressedBytesColumn()),
    "numeric": lambda: NumericColumn("i"),
    "lengths": lambda: NumericColumn("B", default=0),
    "fixed": lambda: FixedBytesColumn(4),
}


def _column_value(kind: str, number: int, size: int):
    if kind in ("numeric", "lengths"):
        return number % 3 if kind == "lengths" else number - 2  # defaults (0) included
    if kind == "fixed":
        return b"\0\0\0\0" if number % 4 == 0 else number.to_bytes(4, "big")
    if kind == "pickle":
        return {"n": number, "text": "字" * size}
    return bytes([number % 256]) * size


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(_COLUMNS)),
       st.lists(st.tuples(st.integers(0, 3), st.integers(0, 9), st.sampled_from([0, 1, 5, 300, 70_000])), max_size=12),
       st.integers(0, 3))
def test_columns_written_at_once_are_the_bytes_written_a_value_at_a_time(kind, items, tail):
    """Gaps between documents, the length and offset arrays growing past a byte and past two
    bytes, values equal to the default, documents after the last value."""
    from whoosh.filedb.filestore import RamStorage

    from indexer.segments import _Columns

    written = []
    for at_once in (False, True):
        storage = RamStorage()
        column = _COLUMNS[kind]()
        perdoc, files = type("PerDoc", (), {"_colwriters": {}})(), {}

        def create(name, col, perdoc=perdoc, files=files, storage=storage):
            files[name] = storage.create_file(name)
            perdoc._colwriters[name] = col.writer(files[name])

        perdoc._create_column = create
        columns = _Columns(perdoc) if at_once else None
        docnum = -1
        for gap, number, size in items:
            docnum += gap + 1
            value = _column_value(kind, number, size)
            if at_once:
                perdoc._docnum = docnum
                columns.add("f", column, value)
            else:
                if "f" not in perdoc._colwriters:
                    perdoc._create_column("f", column)
                perdoc._colwriters["f"].add(docnum, value)
        if at_once:
            columns.write()
        if "f" in perdoc._colwriters:
            perdoc._colwriters["f"].finish(docnum + 1 + tail)
            files["f"].close()
        written.append(storage.open_file("f").read() if "f" in perdoc._colwriters else None)
    assert written[0] == written[1]
