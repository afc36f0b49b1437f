"""The index is read in place from its mapped file, never copied (indexer.storage)."""

import io
import pickle

from hypothesis import given
from hypothesis import strategies as st

from indexer.storage import _MappedFile, _ViewFile, open_index


@given(st.binary(max_size=300), st.lists(st.tuples(st.integers(0, 320), st.integers(-1, 50)), max_size=8))
def test_view_file_reads_like_bytesio(data, steps):
    view, reference = _ViewFile(memoryview(data)), io.BytesIO(data)
    for position, size in steps:
        assert view.seek(position) == reference.seek(position)
        assert view.read(size) == reference.read(size)
        assert view.readline() == reference.readline()
        assert view.tell() == reference.tell()


def test_pickles_load_from_a_view():
    data = pickle.dumps({"a": [1, 2, 3]}) + pickle.dumps("second", protocol=0)
    view = _ViewFile(memoryview(data))
    assert pickle.load(view) == {"a": [1, 2, 3]}
    assert pickle.load(view) == "second"


def test_segment_files_are_mapped_views(sample_index):
    ix = open_index(sample_index)
    with ix.searcher() as searcher:
        reader = searcher.reader().leaf_readers()[0][0]
        postfile = reader._terms._postfile
        assert isinstance(postfile, _MappedFile) and isinstance(postfile.file, _ViewFile)
        assert searcher.doc_count() > 0
    ix.close()
