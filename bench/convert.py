"""Turn the real corpora in ``../shared/corpora/`` into meeting records, at run time.

None of the shared corpora is in the meeting-record format (``../shared/FORMAT.md``), and none
may be copied into the repository. Benchmarks and evaluations therefore call these functions to
write records into a temporary folder and index that:

    from bench import convert
    convert.gov_reports(folder)            # 72 Government Work Reports/resolutions + 16 CPC reports
    convert.un_speeches(folder, limit=300) # UN General Debate speeches, spread over the years
    convert.cctv_news(folder, limit=30)    # 新闻联播, one record per evening

Each function writes UTF-8 ``.txt`` records and returns how many it wrote. The text is kept as
the source has it (Traditional characters, full-width digits, paragraph breaks in mid-sentence):
those are exactly what huiyi must cope with. The only changes are to text the parser would read
as record markup (see :func:`escape_markup`), so that a record says what the source says.

The corpora are looked for in ``$HUIYI_CORPORA`` or, by default, ``../shared/corpora`` beside the
repository.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("HUIYI_CORPORA", REPO.parent / "shared" / "corpora"))

GOV_DIR = "cn-gov-reports"
UN_DIR = "un-general-debate"
XWLB_DIR = "xwlb-cctv-news"

# Years of the CPC National Congresses, so a congress report gets a meeting date (the corpus
# only gives the congress number).
CPC_CONGRESS_YEARS = {
    1: 1921, 2: 1922, 3: 1923, 4: 1925, 5: 1927, 6: 1928, 7: 1945, 8: 1956, 9: 1969, 10: 1973,
    11: 1977, 12: 1982, 13: 1987, 14: 1992, 15: 1997, 16: 2002, 17: 2007, 18: 2012, 19: 2017,
    20: 2022,
}
# Where the congresses before 1949 met; later ones met in Beijing.
CPC_CONGRESS_PLACES = {1: "上海", 2: "上海", 3: "广州", 4: "上海", 5: "武汉", 6: "莫斯科", 7: "延安"}

# ---------------------------------------------------------------------------------------------
# Writing records


_BOLD = re.compile(r"\*{2,}|_{2,}")  # ** and __ open bold text or a **Label:**
_TAG = re.compile(r"<(?=/?[A-Za-z])")  # <sup>, <br>, any HTML-like tag the parser would drop
_LINK = re.compile(r"\](?=\()")  # [text](target) is read as a cross-reference link


def escape_markup(text: str) -> str:
    """Neutralise what huiyi's parser would read as markup rather than text.

    A ``**`` could open a field label or a speaker, ``<sup>3</sup>`` becomes a footnote mark,
    other tags are dropped and ``[x](y)`` becomes a link: in source text all of these are just
    characters. Runs of ``*``/``_`` shrink to one, a ``<`` before a tag name becomes ``‹``, and
    a space goes between ``]`` and ``(``. Word characters are never touched, so searchable text
    stays the same.
    """
    text = _BOLD.sub(lambda m: m.group()[0], text)
    text = _TAG.sub("‹", text)
    return _LINK.sub("] ", text)


def _label_text(name: str) -> str:
    """A name usable inside ``**Name:**``: one line, no asterisks, no trailing colon."""
    name = re.sub(r"\s+", " ", name.replace("*", " ")).strip()
    return name.rstrip(":：,， ").strip()


@dataclass
class Speech:
    speaker: str
    paragraphs: list[str]
    heading: str = ""


@dataclass
class Record:
    """A meeting record, rendered in the layout of ``../shared/FORMAT.md``."""

    type: str
    place: str
    dates: str | None = None  # None: the field is left out (the source has no date)
    speeches: list[Speech] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)

    def render(self) -> str:
        parts: list[str] = []

        def add(label: str, paragraphs: Iterable[str]) -> None:
            parts.append(f"**{label}:**")
            parts.extend(paragraphs)

        if self.dates:
            add("Dates of Meeting", [self.dates])
        add("Type of Meeting", [escape_markup(self.type)])
        add("Place of Meeting", [self.place])
        if self.speeches:
            parts.append("**Speeches/Reports:**")
            for speech in self.speeches:
                colon = "：" if _has_han(speech.speaker) else ":"
                label = f"**{_label_text(speech.speaker)}{colon}**"
                parts.append(f"{label} {escape_markup(speech.heading)}".rstrip())
                parts.extend(escape_markup(p) for p in speech.paragraphs)
        if self.decisions:
            add("Other Decisions and/or Actions", (escape_markup(p) for p in self.decisions))
        if self.remarks:
            add("Remarks", (escape_markup(p) for p in self.remarks))
        return "\n\n".join(parts) + "\n"


def _has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def paragraphs_of_lines(text: str) -> list[str]:
    """Every non-empty line, stripped (ASCII and ideographic spaces), as its own paragraph.

    The sources break paragraphs in mid-sentence at single newlines; written with a blank line
    between them, such breaks reach huiyi exactly as in badly typed records.
    """
    return [line.strip(" \t\u3000\u00a0\ufeff") for line in text.splitlines() if line.strip(" \t\u3000\u00a0\ufeff")]


class _Names:
    """Unique file names in one output folder: ``stem.txt``, then ``stem_2.txt`` …"""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def __call__(self, stem: str) -> str:
        count = self.seen.get(stem, 0) + 1
        self.seen[stem] = count
        return f"{stem}.txt" if count == 1 else f"{stem}_{count}.txt"


def _writer(out_dir: str | os.PathLike):
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    names = _Names()

    def write(stem: str, record: Record) -> None:
        (folder / names(stem)).write_text(record.render(), encoding="utf-8")

    return write


def _capped(items: Iterable, limit: int | None) -> Iterator:
    for count, item in enumerate(items):
        if limit is not None and count >= limit:
            return
        yield item


# ---------------------------------------------------------------------------------------------
# Government Work Reports, NPC resolutions, CPC congress reports

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(text: str) -> int | None:
    """``十四`` → 14, ``二十`` → 20, ``三`` → 3 (numbers below 100, as in 第十四届)."""
    if not text or any(ch not in _ZH_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _ZH_DIGITS[text] if len(text) == 1 else None
    tens, _, units = text.partition("十")
    return (_ZH_DIGITS.get(tens, 0) if tens else 1) * 10 + (_ZH_DIGITS.get(units, 0) if units else 0)


def _resolution_stem(title: str) -> str:
    """``第十四届…第三次会议关于政府工作报告的决议`` → ``npc_14_3_resolution``."""
    match = re.match(r"第(.{1,3})届.*?第(.{1,3})次会议", title)
    if match:
        term, session = chinese_number(match.group(1)), chinese_number(match.group(2))
        if term and session:
            return f"npc_{term:02d}_{session}_resolution"
    return "npc_resolution"


def _read_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def gov_records(corpora: Path = CORPORA) -> Iterator[tuple[str, Record]]:
    """(file stem, record) for every Government Work Report, NPC resolution and CPC report.

    A report is one speech, by the State Council premier (``国务院总理``) or the Central
    Committee (``中央委员会``); an NPC resolution on the report (``year`` null) is a decision
    document, so its paragraphs go under Other Decisions and/or Actions, without a date.
    """
    folder = corpora / GOV_DIR
    for row in _read_jsonl(folder / "government_work_reports.jsonl"):
        paragraphs = paragraphs_of_lines(row["content"])
        year = (row.get("year") or "").strip() or None
        if year is None and "决议" in row["title"]:
            yield _resolution_stem(row["title"]), Record(row["title"], "北京", None, decisions=paragraphs)
        else:
            speech = Speech("国务院总理", paragraphs)
            yield f"gwr_{year or 'undated'}", Record(row["title"], "北京", year, speeches=[speech])
    for row in _read_jsonl(folder / "cpc_congress_reports.jsonl"):
        congress = int(row["congress"])
        year = CPC_CONGRESS_YEARS.get(congress)
        speech = Speech("中央委员会", paragraphs_of_lines(row["content"]))
        place = CPC_CONGRESS_PLACES.get(congress, "北京")
        record = Record(row["title"], place, str(year) if year else None, speeches=[speech])
        yield f"cpc_{congress:02d}", record


def gov_reports(out_dir: str | os.PathLike, limit: int | None = None, corpora: Path = CORPORA) -> int:
    """Write the 88 Chinese government and party reports as records; returns the file count."""
    write = _writer(out_dir)
    count = 0
    for stem, record in _capped(gov_records(corpora), limit):
        write(stem, record)
        count += 1
    return count


# ---------------------------------------------------------------------------------------------
# UN General Debate

_UN_FILE = re.compile(r"(?P<iso>[A-Z0-9]{2,4})_(?P<session>\d+)_(?P<year>\d{4})\.txt$")
_PARAGRAPH_NUMBER = re.compile(r"^\d{1,4}\.\t+")  # "37.\tOnly a few months ago…"


def ordinal(n: int) -> str:
    """1 → 1st, 2 → 2nd, 11 → 11th, 23 → 23rd."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class UNFile:
    path: Path
    iso: str
    session: int
    year: int


def un_files(corpora: Path = CORPORA, years: Iterable[int] | None = None) -> list[UNFile]:
    """Every speech file, ordered by year then country code, optionally only some years."""
    wanted = set(years) if years is not None else None
    found = []
    for path in (corpora / UN_DIR / "TXT").glob("Session */*.txt"):
        match = _UN_FILE.match(path.name)
        if not match:
            continue
        year = int(match.group("year"))
        if wanted is None or year in wanted:
            found.append(UNFile(path, match.group("iso"), int(match.group("session")), year))
    return sorted(found, key=lambda f: (f.year, f.iso))


def spread(items: Sequence, limit: int | None) -> list:
    """At most ``limit`` items taken evenly across ``items`` (all of them without a limit).

    The UN files are ordered by year, so the first N would all be 1946: an even spread keeps
    every period of the corpus in a small sample, deterministically.
    """
    if limit is None or limit >= len(items):
        return list(items)
    if limit <= 0:
        return []
    return [items[(i * len(items)) // limit] for i in range(limit)]


def un_speakers(corpora: Path = CORPORA) -> dict[tuple[int, str], str]:
    """(year, ISO code) → the speaker's name; several speakers are joined with `` and ``."""
    names: dict[tuple[int, str], list[str]] = defaultdict(list)
    with (corpora / UN_DIR / "speakers_by_session.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                key = (int(row["Year"].strip()), row["ISO Code"].strip())
            except (ValueError, AttributeError):
                continue
            name = _label_text(row.get("Name of Person Speaking") or "")
            if name and name not in names[key]:
                names[key].append(name)
    return {key: " and ".join(value) for key, value in names.items() if value}


def un_record(speech_file: UNFile, speaker: str) -> Record:
    """One speech as a meeting of the General Debate of its session."""
    text = speech_file.path.read_text(encoding="utf-8-sig")
    paragraphs = [_PARAGRAPH_NUMBER.sub("", p) for p in paragraphs_of_lines(text)]
    paragraphs = [p for p in paragraphs if p.strip()]
    return Record(
        type=f"UN General Assembly, {ordinal(speech_file.session)} session, General Debate",
        place="New York",
        dates=str(speech_file.year),
        speeches=[Speech(speaker, paragraphs)],
    )


def un_speeches(
    out_dir: str | os.PathLike,
    limit: int | None = None,
    years: Iterable[int] | None = None,
    corpora: Path = CORPORA,
) -> int:
    """Write UN General Debate speeches as records; returns the file count.

    ``limit`` takes that many files spread evenly over the (year-ordered) corpus, see
    :func:`spread`; ``years`` keeps only those years. The speaker comes from
    ``speakers_by_session.csv`` on (year, ISO code), or is the ISO code when it is not listed.
    """
    speakers = un_speakers(corpora)
    write = _writer(out_dir)
    chosen = spread(un_files(corpora, years), limit)
    for speech_file in chosen:
        speaker = speakers.get((speech_file.year, speech_file.iso), speech_file.iso)
        stem = f"un_{speech_file.iso}_{speech_file.session:02d}_{speech_file.year}"
        write(stem, un_record(speech_file, speaker))
    return len(chosen)


# ---------------------------------------------------------------------------------------------
# CCTV 新闻联播

_VIDEO_PREFIX = re.compile(r"^\s*\[视频\]\s*")


def xwlb_evenings(corpora: Path = CORPORA, years: Iterable[int] | None = None) -> Iterator[tuple[str, list[dict]]]:
    """(YYYY-MM-DD, the stories with text of that evening in running order), oldest first."""
    wanted = set(years) if years is not None else None
    for path in sorted((corpora / XWLB_DIR).glob("xwlb_*.jsonl.gz")):
        year = int(re.search(r"(\d{4})", path.name).group(1))
        if wanted is not None and year not in wanted:
            continue
        evenings: dict[str, list[dict]] = defaultdict(list)
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                story = json.loads(line)
                if (story.get("text") or "").strip():
                    evenings[story["date"]].append(story)
        for date in sorted(evenings):
            yield date, sorted(evenings[date], key=lambda s: s.get("num") or 0)


def xwlb_record(date: str, stories: list[dict]) -> Record:
    """One evening's broadcast: each story's title line, then its text lines, as decisions.

    News items are reports of what was done or decided, not speeches by a person, so they go
    under Other Decisions and/or Actions; the ``[视频]`` tag on every title is dropped.
    """
    year, month, day = date.split("-")
    paragraphs: list[str] = []
    for story in stories:
        title = _VIDEO_PREFIX.sub("", story.get("title") or "").strip()
        if title:
            paragraphs.append(title)
        paragraphs.extend(paragraphs_of_lines(story["text"]))
    return Record("新闻联播", "北京", f"{day}-{month}-{year}", decisions=paragraphs)


def cctv_news(
    out_dir: str | os.PathLike,
    limit: int | None = None,
    years: Iterable[int] | None = None,
    corpora: Path = CORPORA,
) -> int:
    """Write one record per 新闻联播 evening (``xwlb_YYYYMMDD.txt``); returns the file count."""
    write = _writer(out_dir)
    count = 0
    for date, stories in _capped(xwlb_evenings(corpora, years), limit):
        write(f"xwlb_{date.replace('-', '')}", xwlb_record(date, stories))
        count += 1
    return count
