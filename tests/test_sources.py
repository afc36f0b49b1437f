"""Encodings, folder walking and bad input: every failure is a problem line, never a crash."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.errors import SourceError
from corpus.parser import parse_text
from corpus.sources import iter_record_files, read_records

RECORD = "**Dates of Meeting:** 1955年7月\n\n**會議地點：** 北京\n\n**決定：**\n\n農業合作社要發展。\n"


def test_encodings_are_detected_and_reported(tmp_path):
    for name, encoding in [("utf8", "utf-8"), ("bom", "utf-8-sig"), ("u16", "utf-16"),
                           ("gb", "gb18030"), ("big5", "big5")]:
        (tmp_path / f"{name}.txt").write_bytes(RECORD.encode(encoding))
    results = {r.meeting.id: r for r in read_records([tmp_path])}
    for name, expected in [("utf8", "utf-8"), ("bom", "utf-8-sig"), ("u16", "utf-16"),
                           ("gb", "gb18030"), ("big5", "big5")]:
        meeting = results[name].meeting
        assert meeting.encoding == expected
        assert meeting.decisions[0].text == "農業合作社要發展。"  # Traditional kept as written
    assert any("decoded as big5" in p.message for p in results["big5"].problems)
    assert not any(p.severity == "info" for p in results["utf8"].problems)


def test_folder_walk_ids_and_suffixes(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text(RECORD, encoding="utf-8")
    (tmp_path / "two.md").write_text(RECORD, encoding="utf-8")
    (tmp_path / "skip.csv").write_text("x", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text(RECORD, encoding="utf-8")
    ids = [f.meeting_id for f in iter_record_files([tmp_path])]
    assert ids == ["a/one", "two"]
    assert [f.meeting_id for f in iter_record_files([tmp_path / "two.md"])] == ["two"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="no .txt or .md records"):
        list(iter_record_files([tmp_path / "empty"]))


def test_bad_files_are_problems_and_the_rest_still_parses(tmp_path):
    (tmp_path / "0_good.txt").write_text(RECORD, encoding="utf-8")
    (tmp_path / "1_empty.txt").write_bytes(b"")
    (tmp_path / "2_binary.txt").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "3_nolabels.txt").write_text("Just some notes about a meeting.\n", encoding="utf-8")
    (tmp_path / "4_long.txt").write_text("**Remarks:** " + "word " * 2_000_000, encoding="utf-8")
    started = time.perf_counter()
    results = {r.source.rsplit("/", 1)[-1]: r for r in read_records([tmp_path])}
    assert time.perf_counter() - started < 60  # a 10 MB line must not hang the parser
    assert results["0_good.txt"].ok and results["4_long.txt"].ok
    for name, words in [("1_empty.txt", "empty file"), ("2_binary.txt", "binary"), ("3_nolabels.txt", "no field labels")]:
        (problem,) = results[name].problems
        assert not results[name].ok
        assert problem.severity == "error" and problem.line == 1 and words in problem.message
        assert str(problem).startswith(str(tmp_path / name) + ":1: error:")


LABELS = ["**Dates of Meeting:**", "**会议日期：**", "**Speeches/Reports:**", "**Remarks:**", "**X:**",
          "**Deng Zihui:**", "<sup>3</sup>", "<sup>th</sup>", "[02-04-1954](#)", "[", "]", '"', "“", "」",
          "『", "\n", "\n\n", "**", "10-10-1954 – 31-10-1954", "一九五五年", "１９５５", "<sup>", "</sup>",
          "<sup>[2]</sup>", '<a href="#fn3">', "</a>", "[^3]", "[^"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(LABELS), st.text(max_size=30)), max_size=40))
def test_parser_never_raises(pieces):
    result = parse_text("".join(pieces), "soup.txt", "soup")
    assert (result.meeting is not None) or any(p.severity == "error" for p in result.problems)
    for problem in result.problems:
        assert problem.line >= 1
    if result.meeting is not None:
        for paragraph in result.meeting.all_paragraphs():
            for quotation in paragraph.quotations:
                assert 0 <= quotation.start <= quotation.end <= len(paragraph.text)
            for footnote in paragraph.footnotes:
                assert 0 <= footnote.offset <= len(paragraph.text)
            for reference in paragraph.references:
                assert 0 <= reference.span.start <= reference.span.end <= len(paragraph.text)
            assert "<sup>" not in paragraph.text


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_reading_arbitrary_bytes_never_raises(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("bytes") / "x.txt"
    path.write_bytes(data)
    (result,) = list(read_records([path]))
    assert result.ok or result.problems


@pytest.mark.parametrize("text, encoding", [
    # English saved as "ANSI" on Chinese Windows: its quotes and dash had been read as Big5's ※ and §
    (("**Dates of Meeting:** 26-10-1953 – 05-11-1953\n\n**Speeches/Reports:**\n\n**Deng Zihui:**\n\n"
      "He said: “Run the cooperatives well.” Then he left…\n"), "gb18030"),
    ("**Dates of Meeting:** 1955\n\n**Remarks:**\n\n合作化 grain remark.\n", "gb18030"),  # had been 磁釬趙
    ("**Dates of Meeting:** 1955\n\n**Remarks:**\n\n農業合作社 grain remark.\n", "big5"),
])
def test_a_legacy_record_with_little_chinese_is_read_in_its_encoding(tmp_path, text, encoding):
    path = tmp_path / "r.txt"
    path.write_bytes(text.encode(encoding))
    (result,) = read_records([tmp_path])
    assert result.meeting.encoding == encoding
    as_utf8 = parse_text(text, str(path), "r").meeting
    assert [p.text for p in result.meeting.all_paragraphs()] == [p.text for p in as_utf8.all_paragraphs()]
    assert result.meeting.dates == as_utf8.dates and result.meeting.speeches == as_utf8.speeches


def test_one_path_may_be_given_alone(tmp_path):
    """read_records("folder") had taken each character for a path ("/" walked the whole disk)."""
    from corpus.sources import read_records

    (tmp_path / "a.txt").write_text("**Dates of Meeting:** 1955\n\n**Remarks:**\n\nalpha\n", encoding="utf-8")
    for one in (str(tmp_path), tmp_path):
        assert [result.meeting.id for result in read_records(one)] == ["a"]
    assert [result.meeting.id for result in read_records([tmp_path / "a.txt"])] == ["a"]
