"""The parser against the real seed record and against every quirk of FORMAT.md."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.dates import chinese_number, parse_date_range, split_heading
from corpus.model import DateRange, PartialDate
from corpus.parser import parse_text
from corpus.sources import RecordFile, read_record

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_c75d9bfc1afe58b6.txt"


def parse(text: str):
    result = parse_text(text, "test.txt", "test")
    assert result.meeting is not None, result.problems
    return result.meeting


@pytest.fixture(scope="module")
def seed():
    result = read_record(RecordFile(SEED, SEED.parent))
    assert result.meeting is not None
    return result


def test_seed_meeting_fields(seed):
    meeting = seed.meeting
    assert meeting.id == "000_c75d9bfc1afe58b6"
    assert meeting.dates.start == PartialDate(1954, 10, 10)
    assert meeting.dates.end == PartialDate(1954, 10, 31)
    assert meeting.type == "4th National Mutual Aid and Cooperation Conference"
    assert meeting.place == "Beijing"
    assert meeting.attendance == ()
    assert meeting.agenda == ()
    assert [p for p in seed.problems if p.severity != "info"] == []


def test_seed_speech(seed):
    (speech,) = seed.meeting.speeches
    assert speech.speaker == "Deng Zihui"
    assert speech.date == PartialDate(1954, 10, 29)
    assert speech.title == "Summary reports"
    assert len(speech.paragraphs) == 2
    quotes = [q.text for p in speech.paragraphs for q in p.quotations]
    assert "Therefore, the whole party must be cautious and conscientious in running the cooperatives well. " \
           "We cannot afford to be careless or act hastily." in quotes
    assert any(q.startswith("Now there is some blind optimism.") for q in quotes)


def test_seed_footnotes_kept_and_absent_from_text(seed):
    (speech,) = seed.meeting.speeches
    marks = [(f.number, p.text) for p in speech.paragraphs for f in p.footnotes]
    assert [number for number, _ in marks] == ["3", "4"]
    first, second = speech.paragraphs
    assert "<sup>" not in first.text and "well.3" not in first.text and "well. If not" in first.text
    assert 'backtrack." Meanwhile' in second.text
    mark = first.footnotes[0]
    assert first.text[mark.offset - 5 : mark.offset] == "well."


def test_seed_editorial_insertions_not_quoted(seed):
    first = seed.meeting.speeches[0].paragraphs[0]
    assert "[i.e., poorly run cooperatives]" in first.text
    assert all("poorly run" not in q.text for q in first.quotations)
    assert any(first.text[s.start : s.end] == "[to do so]" for s in first.insertions)


def test_seed_cross_reference_and_broken_paragraph(seed):
    meeting = seed.meeting
    (reference,) = meeting.references
    assert reference.text == "02-04-1954" and reference.date == PartialDate(1954, 4, 2)
    assert any("see meeting 02-04-1954." in d.text for d in meeting.decisions)
    joined = [d for d in meeting.decisions if "Mutual assistance and cooperation must implement" in d.text]
    assert len(joined) == 1
    assert "Mutual assistance and cooperation must implement the principle of voluntariness" in joined[0].text
    assert len(meeting.decisions) == 9
    assert "1st 5-year plan" in meeting.decisions[0].text and "2nd 5-year plan" in meeting.decisions[0].text


def test_run_together_empty_fields():
    meeting = parse(
        "**Dates of Meeting:** 1955\n\n**Attendance:****Major Agenda Items:****Speeches/Reports:**\n\n"
        "**Mao Zedong:** Opening remarks\n\nWe talked.\n"
    )
    assert meeting.attendance == () and meeting.agenda == ()
    assert [s.speaker for s in meeting.speeches] == ["Mao Zedong"]
    assert meeting.speeches[0].title == "Opening remarks"


def test_chinese_labels_and_full_width_colon():
    meeting = parse(
        "**会议日期：**一九五五年七月三十一日\n\n**会议类型：** 省委书记会议\n\n**会议地点：**北京\n\n"
        "**出席：**毛泽东、刘少奇，周恩来; 邓子恢\n\n**讲话/报告：**\n\n**毛泽东：** 7月31日 关于农业合作化问题\n\n"
        "他说：「我们应当积极地领导运动。」\n\n**决定：**\n\n会议决定推广经验。\n\n**备注：**\n\n无。\n"
    )
    assert meeting.dates.start == PartialDate(1955, 7, 31) and meeting.dates.end is None
    assert meeting.type == "省委书记会议" and meeting.place == "北京"
    assert meeting.attendance == ("毛泽东", "刘少奇", "周恩来", "邓子恢")
    (speech,) = meeting.speeches
    assert speech.speaker == "毛泽东" and speech.date == PartialDate(1955, 7, 31)
    assert speech.title == "关于农业合作化问题"
    assert speech.paragraphs[0].quotations[0].text == "我们应当积极地领导运动。"
    assert meeting.decisions[0].text == "会议决定推广经验。"
    assert meeting.remarks[0].text == "无。"


def test_traditional_labels_are_recognised():
    meeting = parse("**會議日期：** 1956年1月\n\n**會議地點：** 北京\n")
    assert meeting.dates.start == PartialDate(1956, 1) and meeting.place == "北京"


@pytest.mark.parametrize(
    "written, start, end",
    [
        ("10-10-1954 – 31-10-1954", PartialDate(1954, 10, 10), PartialDate(1954, 10, 31)),
        ("10-10-1954 - 31-10-1954", PartialDate(1954, 10, 10), PartialDate(1954, 10, 31)),
        ("10-10-1954 to 31-10-1954", PartialDate(1954, 10, 10), PartialDate(1954, 10, 31)),
        ("10-1954", PartialDate(1954, 10), None),
        ("1954", PartialDate(1954), None),
        ("1954年10月", PartialDate(1954, 10), None),
        ("一九五五年七月三十一日", PartialDate(1955, 7, 31), None),
        ("１９５５年７月", PartialDate(1955, 7), None),
        ("1954年10月10日至31日", PartialDate(1954, 10, 10), PartialDate(1954, 10, 31)),
        ("October 1954", PartialDate(1954, 10), None),
        ("29 October 1954", PartialDate(1954, 10, 29), None),
        ("1955-07-31", PartialDate(1955, 7, 31), None),
        ("10-1953 – 03-1954", PartialDate(1953, 10), PartialDate(1954, 3)),
        # one unspaced hyphen between two dates (had been unreadable)
        ("1955-1956", PartialDate(1955), PartialDate(1956)),
        ("1955年10月-1956年2月", PartialDate(1955, 10), PartialDate(1956, 2)),
        ("1954年10月10日-1955年1月5日", PartialDate(1954, 10, 10), PartialDate(1955, 1, 5)),
        ("4-11 October 1955", PartialDate(1955, 10, 4), PartialDate(1955, 10, 11)),
        # a start without its year, an end without its month, a range over New Year (had been unreadable)
        ("October 4-11, 1955", PartialDate(1955, 10, 4), PartialDate(1955, 10, 11)),
        ("Oct. 4th–11th 1955", PartialDate(1955, 10, 4), PartialDate(1955, 10, 11)),
        ("September 28 - October 4, 1955", PartialDate(1955, 9, 28), PartialDate(1955, 10, 4)),
        ("28 September to 4 October 1955", PartialDate(1955, 9, 28), PartialDate(1955, 10, 4)),
        ("December 28 - January 3, 1956", PartialDate(1955, 12, 28), PartialDate(1956, 1, 3)),
        ("1955年12月28日至1月3日", PartialDate(1955, 12, 28), PartialDate(1956, 1, 3)),
        ("1955年10月4—11日", PartialDate(1955, 10, 4), PartialDate(1955, 10, 11)),
        ("一九五五年十月四至十一日", PartialDate(1955, 10, 4), PartialDate(1955, 10, 11)),
    ],
)
def test_dates(written, start, end):
    parsed = parse_date_range(written)
    assert parsed == DateRange(start, end, written)


def test_partial_dates_say_what_is_missing():
    assert PartialDate(1954, 10).precision == "month"
    assert PartialDate(1954, 10).missing == ("day",)
    assert PartialDate(1954).missing == ("month", "day")
    assert PartialDate(1954, 10).iso() == "1954-10"


@pytest.mark.parametrize("bad", ["sometime", "31-31-1954", "31-10-1954 – 10-10-1954", "1954年13月", "1956-1955", "1955-13",
                                 "29-02-1955", "31-04-1955", "1955年2月30日", "1955-02-29",
                                 "October 11-4, 1955", "February 28-30, 1955", "1955年12月28日至3日", "October 4-11",
                                 "10月4—11日", "November 2 - October 4, 1955", "November 2, 1955 - October 4",
                                 "1955年11月2日至10月4日"])  # a slip, not a range over New Year
def test_unreadable_dates(bad):
    assert parse_date_range(bad) is None


def test_a_day_that_does_not_exist_is_no_date_and_the_index_is_built(tmp_path):
    """29-02-1955 had passed the parser and stopped ``huiyi index`` with a traceback (and every
    later update of that index)."""
    from indexer.build import build_index

    assert parse_date_range("29-02-1956").start == PartialDate(1956, 2, 29)  # a leap year
    meeting = DateRange(PartialDate(1955, 2, 1), PartialDate(1955, 3, 5))
    assert split_heading("February 30 Report", meeting) == (None, "February 30 Report")
    assert split_heading("February 28 Report", meeting) == (PartialDate(1955, 2, 28), "Report")
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "a.txt").write_text("**Dates of Meeting:** 29-02-1955\n\n**Remarks:**\n\nalpha\n", encoding="utf-8")
    summary = build_index([folder], tmp_path / "ix", procs=1)
    assert summary.passages == 1
    assert [problem.message for problem in summary.problems] == ["cannot read the date '29-02-1955'; the meeting has no date"]


def test_unparsable_date_is_a_warning_with_line():
    result = parse_text("**Dates of Meeting:**\n\nsometime in spring\n\n**Place of Meeting:** Beijing\n", "f.txt", "f")
    assert result.meeting is not None and result.meeting.dates is None
    (problem,) = result.problems
    assert problem.line == 1 and "sometime in spring" in problem.message
    runaway = parse_text("**Dates of Meeting:** 01-01-1955 **Remarks:** " + "x " * 100_000, "f.txt", "f")
    (problem,) = runaway.problems  # the whole field had been quoted: 200 KB in one warning
    assert problem.message.startswith("cannot read the date '01-01-1955 ") and len(problem.message) < 150
    assert problem.message.endswith(" x …'; the meeting has no date")


def test_chinese_numerals():
    assert chinese_number("一九五五") == 1955
    assert chinese_number("三十一") == 31
    assert chinese_number("十") == 10
    assert chinese_number("十二") == 12
    assert chinese_number("二十") == 20


@pytest.mark.parametrize(
    "heading, date, title",
    [
        ("October 29 Summary reports", PartialDate(1954, 10, 29), "Summary reports"),
        ("29 October Summary reports", PartialDate(1954, 10, 29), "Summary reports"),
        ("10月29日 总结报告", PartialDate(1954, 10, 29), "总结报告"),
        ("十月二十九日：总结报告", PartialDate(1954, 10, 29), "总结报告"),
        ("Summary reports", None, "Summary reports"),
        ("", None, ""),
        # a speech over two days is dated by its first (the second had been the title's start)
        ("October 29-30 Summary reports", PartialDate(1954, 10, 29), "Summary reports"),
        ("29–30 October: Summary reports", PartialDate(1954, 10, 29), "Summary reports"),
        ("10月29日至30日 总结报告", PartialDate(1954, 10, 29), "总结报告"),
        ("十月二十九至三十日：总结报告", PartialDate(1954, 10, 29), "总结报告"),
        ("October 29 - 30 delegates spoke", PartialDate(1954, 10, 29), "30 delegates spoke"),  # no range
    ],
)
def test_speech_headings(heading, date, title):
    meeting = DateRange(PartialDate(1954, 10, 10), PartialDate(1954, 10, 31))
    assert split_heading(heading, meeting) == (date, title)


def test_speech_year_crossing_new_year():
    meeting = DateRange(PartialDate(1954, 12, 20), PartialDate(1955, 1, 5))
    assert split_heading("January 3 Closing", meeting) == (PartialDate(1955, 1, 3), "Closing")


def test_ordinals_and_footnotes():
    meeting = parse(
        '**Type of Meeting:** 2<sup>nd</sup> Plenum\n\n**Speeches/Reports:**\n\n**Liu Shaoqi:**\n\n'
        'He said "go slowly."<sup>12</sup> Then a word<sup>3</sup>glued and x<sup>a</sup>.\n'
    )
    assert meeting.type == "2nd Plenum"
    paragraph = meeting.speeches[0].paragraphs[0]
    assert paragraph.text == 'He said "go slowly." Then a word glued and x.'
    assert [f.number for f in paragraph.footnotes] == ["12", "3", "a"]


@pytest.mark.parametrize("written, number", [
    ('careful.<sup><a href="#fn3" id="r3">3</a></sup> Next', "3"),  # web pages link the mark: "careful.3"
    ("careful.<sup>[3]</sup> Next", "3"),  # had been an editor's insertion, "[3]"
    ("careful.<sup>(3)</sup> Next", "3"),
    ("careful.<sup> <b>[ii]</b> </sup> Next", "ii"),
    ("careful.[^3] Next", "3"),  # Markdown's footnote reference had stayed in the text
    ("careful.[^note-a] Next", "note-a"),
])
def test_footnote_marks_as_web_pages_and_markdown_write_them(written, number):
    paragraph = parse(f"**Speeches/Reports:**\n\n**Liu Shaoqi:**\n\n{written}\n\n[^3]: The note.\n").speeches[0].paragraphs
    assert paragraph[0].text == "careful. Next"
    assert [(f.number, f.offset) for f in paragraph[0].footnotes] == [(number, len("careful."))]
    assert paragraph[1].text == "[^3]: The note." and not paragraph[1].footnotes  # the note itself is text


def test_a_markdown_footnote_reference_before_a_colon_is_a_mark_inside_a_paragraph():
    paragraphs = parse("**Remarks:**\n\nHe listed three points[^3]: first, speed.\n\n[^3]: The note.\n").remarks
    assert [p.text for p in paragraphs] == ["He listed three points: first, speed.", "[^3]: The note."]
    assert [(f.number, f.offset) for f in paragraphs[0].footnotes] == [("3", len("He listed three points"))]


def test_marks_keep_their_place_when_markup_leaves_blanks_at_an_end():
    meeting = parse("**Speeches/Reports:**\n\n**Liu Shaoqi:**\n\nThe plan was adopted. <sup>4</sup>\n\n"
                    "<b></b>\n[02-04-1954](#) was the day.<sup>5</sup>\n")
    first, second = meeting.speeches[0].paragraphs
    assert first.text == "The plan was adopted." and first.footnotes[0].offset == len(first.text)
    reference = second.references[0]
    assert second.text[reference.span.start:reference.span.end] == "02-04-1954"
    assert second.footnotes[0].offset == len(second.text)


def test_quotation_marks_of_every_kind():
    meeting = parse(
        "**Speeches/Reports:**\n\n**Chen Yun:**\n\n"
        "Straight \"one\", curly “two”, corner 「三『四』」 and white 『五』.\n"
    )
    quotes = [q.text for q in meeting.speeches[0].paragraphs[0].quotations]
    assert quotes == ["one", "two", "三『四』", "五"]


def test_quotation_may_span_sentences_and_speech_continues():
    meeting = parse(
        "**Speeches/Reports:**\n\n**Deng Zihui:** 5 May Report\n\n"
        "He said: “First sentence. Second sentence.”\n\n"
        "Deng Zihui then warned the participants against haste.\n\n"
        "**Mao Zedong:**\n\nA reply.\n\n**Remarks:**\n\nNone.\n"
    )
    deng, mao = meeting.speeches
    assert deng.paragraphs[0].quotations[0].text == "First sentence. Second sentence."
    assert deng.paragraphs[1].text == "Deng Zihui then warned the participants against haste."
    assert deng.paragraphs[1].quotations == ()
    assert mao.paragraphs[0].text == "A reply."
    assert meeting.remarks[0].text == "None."


def test_speech_text_on_the_label_line():
    meeting = parse('**Speeches/Reports:**\n\n**Zhou Enlai:** "We seek common ground."\n')
    speech = meeting.speeches[0]
    assert speech.title == ""
    assert speech.paragraphs[0].quotations[0].text == "We seek common ground."


def test_unclosed_quotation_is_a_warning():
    text = '**Dates of Meeting:** 1955\n**Speeches/Reports:**\n\n**Chen Yun:**\n\nHe said "never closed.\n'
    result = parse_text(text, "f.txt", "f")
    assert [(p.line, p.message) for p in result.problems] == [(6, "unclosed quotation mark")]
    assert result.meeting.speeches[0].paragraphs[0].quotations[0].closed is False


def test_multi_paragraph_quotation_is_not_a_problem():
    result = parse_text(
        '**Dates of Meeting:** 1955\n**Speeches/Reports:**\n\n**Chen Yun:**\n\n"First paragraph.\n\n"Second paragraph."\n', "f.txt", "f"
    )
    assert result.problems == ()


def test_unknown_label_kept_as_extra_field():
    result = parse_text("**Dates of Meeting:** 1955\n\n**Source Note:** From an archive.\n", "f.txt", "f")
    (extra,) = result.meeting.extra_fields
    assert extra.label == "Source Note" and extra.paragraphs[0].text == "From an archive."
    assert [(p.line, p.severity) for p in result.problems] == [(3, "warning")]


def test_chinese_broken_paragraph_and_line_joins():
    meeting = parse("**决定：**\n\n互助合作必须\n贯彻自愿原则，\n\n坚持互利。\n\n另一段。\n")
    assert [d.text for d in meeting.decisions] == ["互助合作必须贯彻自愿原则，坚持互利。", "另一段。"]


def test_sentence_end_paragraphs_stay_apart():
    meeting = parse("**Remarks:**\n\nFirst ends here.\n\nsecond starts lower.\n\n1955 figures\n\nwere revised.\n")
    assert [r.text for r in meeting.remarks] == ["First ends here.", "second starts lower.",
                                                  "1955 figures were revised."]


def test_agenda_list_items():
    meeting = parse("**Major Agenda Items:**\n- Grain purchase\n- Cooperatives\n1. Budget\n")
    assert [a.text for a in meeting.agenda] == ["Grain purchase", "Cooperatives", "1. Budget"]


def test_a_line_starting_with_a_decimal_number_is_no_list_item():
    """细颗粒物（PM⏎2.5⏎）: the line "2.5" had opened a new paragraph, cutting the sentence."""
    meeting = parse("**Remarks:**\n\n细颗粒物（PM\n2.5\n）平均浓度下降。\n\nThey bought\n1.5 million tons.\n2. Budget\n"
                    "1.1 Grain\n1.2 Cooperatives\n")
    assert [p.text for p in meeting.remarks] == ["细颗粒物（PM 2.5 ）平均浓度下降。", "They bought",
                                                 "1.5 million tons.", "2. Budget", "1.1 Grain", "1.2 Cooperatives"]


def test_bold_label_mid_line_is_text():
    meeting = parse("**Remarks:** It was **Important:** indeed.\n")
    assert meeting.remarks[0].text == "It was Important: indeed."
    assert meeting.extra_fields == ()


_QUOTED_TEXT = st.lists(st.sampled_from(list('"“”「」『』«»„ ab农业.[]') + ["[i.e., x]", "合作化"]), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(_QUOTED_TEXT)
def test_quotations_are_found_as_a_character_by_character_scan_finds_them(text):
    import re

    from corpus.inline import find_quotations, quotations_at
    from corpus.model import Span

    insertions = tuple(Span(m.start(), m.end()) for m in re.finditer(r"\[[^\]]*\]", text))
    assert find_quotations(text, insertions) == quotations_at(text, enumerate(text), insertions)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([" ", "\t", "\u00a0", "a", "农", "\n"]), max_size=30).map("".join))
def test_blank_runs_fold_to_one_space(text):
    import re

    from corpus.inline import fold_blanks

    assert fold_blanks(text) == re.sub(r"[ \t\u00a0]+", " ", text)


@pytest.mark.parametrize("raw", ["a <sup>3</sup> b", "see [the law](law.md) now", "x<br>y", "**bold** here", "__this__ one",
                                 "<i>tag</i> text", "plain text, no markup"])
def test_markup_is_read_with_or_without_the_quick_check(raw, monkeypatch):
    """The check for a character that can start markup only skips paragraphs with none."""
    import re

    from corpus import inline

    quick = inline.clean_paragraph(raw, 1)
    monkeypatch.setattr(inline, "_MARKUP_START", re.compile(""))  # matches everywhere: always read
    assert inline.clean_paragraph(raw, 1) == quick


@pytest.mark.parametrize("written", [
    "- Mao Zedong\n- Liu Shaoqi\n- Zhou Enlai",  # a list: had been one name, "Mao Zedong Liu Shaoqi Zhou Enlai"
    "Mao Zedong\nLiu Shaoqi\nZhou Enlai",  # one a line, no separator
    "Mao Zedong, Liu\nShaoqi, Zhou Enlai",  # separators: a line break inside a name is a wrapped line
    "- Mao Zedong, Liu Shaoqi\n- Zhou Enlai",
])
def test_attendance_one_name_a_line_or_an_item_is_a_name_each(written):
    record = f"**Dates of Meeting:** 1955\n\n**Attendance:**\n\n{written}\n\n**Remarks:**\n\nx.\n"
    assert parse_text(record, "a.txt", "a").meeting.attendance == ("Mao Zedong", "Liu Shaoqi", "Zhou Enlai")
    chinese = record.replace("Mao Zedong", "毛泽东").replace("Liu\nShaoqi", "刘少\n奇").replace("Liu Shaoqi", "刘少奇")
    chinese = chinese.replace("Zhou Enlai", "周恩来").replace(", ", "、")
    assert parse_text(chinese, "a.txt", "a").meeting.attendance == ("毛泽东", "刘少奇", "周恩来")


def test_a_long_speaker_label_opens_its_speech_and_a_longer_one_is_text_with_a_warning():
    """A label over 100 characters had been text: its speech was filed under the speaker before."""
    long_name = "The Honourable Member for " + "the Constituency of Somewhere, " * 4 + "Minister"  # 158 characters
    record = ("**Dates of Meeting:** 1955\n\n**Speeches/Reports:**\n\n**Deng Zihui:** First\n\nalpha.\n\n"
              f"**{long_name}:** October 7 Long name\n\nbeta.\n")
    result = parse_text(record, "a.txt", "a")
    assert [(s.speaker, [p.text for p in s.paragraphs]) for s in result.meeting.speeches] == [
        ("Deng Zihui", ["alpha."]), (long_name, ["beta."])]
    assert not result.problems
    too_long = parse_text(record.replace(long_name, long_name * 2), "a.txt", "a")
    assert [str(p) for p in too_long.problems] == ["a.txt:9: warning: a bold label over 300 characters is read as text"]


@pytest.mark.parametrize("written, text", [
    ("Geneva & <Bern>", "Geneva & <Bern>"),  # an editor's angle brackets: had been dropped with the word
    ("the text is <illegible> here", "the text is <illegible> here"),
    ('<b>Bern</b>, <span class="x">Geneva</span><br/>Paris <HR>', "Bern, Geneva Paris"),  # HTML: dropped
    ('Geneva<sup>2</sup> <label>talks</label>', "Geneva talks"),  # sup and label had stayed
    ("the <a line illegible> talks", "the <a line illegible> talks"),  # no tag: its "attributes" are words
])
def test_html_tags_are_dropped_and_other_angle_brackets_kept(written, text):
    record = f"**Dates of Meeting:** 1956\n\n**Place of Meeting:** {written}\n\n**Remarks:**\n\n{written}\n"
    meeting = parse_text(record, "a.txt", "a").meeting
    assert meeting.place == text and meeting.remarks[0].text == text


def test_a_heading_date_that_does_not_exist_is_warned_about():
    """It had silently become part of the title, where a meeting's impossible date is warned about."""
    result = parse_text("**Dates of Meeting:** 1955\n\n**Speeches/Reports:**\n\n**Deng Zihui:** February 30 Report\n\n"
                        "alpha.\n\n**Mao Zedong:** 2月30日 讲话\n\nbeta.\n\n**Liu Shaoqi:** February 28 Report\n\ngamma.\n",
                        "a.txt", "a")
    assert [str(p) for p in result.problems] == [
        "a.txt:5: warning: no such day as 'February 30' in the heading; the speech has no date",
        "a.txt:9: warning: no such day as '2月30日' in the heading; the speech has no date"]
    assert [s.date for s in result.meeting.speeches] == [None, None, PartialDate(1955, 2, 28)]
