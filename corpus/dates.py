"""Dates as editors write them: numeric, partial, English month names, Chinese numerals.

Only what is written is kept: ``10-1954`` is October 1954 with no day, never the 1st.
"""

from __future__ import annotations

import re
from calendar import monthrange

from .model import DateRange, PartialDate
from .text import fold_width

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
MONTH_NAME = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"

CHINESE_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
                  "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CHINESE_NUMBER = "[〇○零一二两三四五六七八九十]+"


def chinese_number(text: str) -> int | None:
    """``一九五五`` → 1955 (digit by digit), ``三十一`` → 31, ``十`` → 10; ASCII digits pass."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        if not all(ch in CHINESE_DIGITS for ch in text):
            return None
        value = 0
        for ch in text:
            value = value * 10 + CHINESE_DIGITS[ch]
        return value
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    try:
        high = CHINESE_DIGITS[tens] if tens else 1
        low = CHINESE_DIGITS[ones] if ones else 0
    except KeyError:
        return None
    return high * 10 + low


def _valid(year: int | None, month: int | None, day: int | None) -> PartialDate | None:
    if year is None or not 1 <= year <= 9999:
        return None
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and (month is None or not 1 <= day <= monthrange(year, month)[1]):
        return None  # 29-02-1955, 31-04-1955: no such day (indexing it would fail)
    return PartialDate(year, month, day)


NUM = r"(\d{1,4})"
_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})"), "dmy"),
    (re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"), "ymd"),
    (re.compile(r"(\d{1,2})[-/.](\d{4})"), "my"),
    (re.compile(r"(\d{4})[-/.](\d{1,2})"), "ym"),
    (re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+(" + MONTH_NAME + r"),?\s+(\d{4})", re.IGNORECASE), "dMy"),
    (re.compile(r"(" + MONTH_NAME + r")\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", re.IGNORECASE), "Mdy"),
    (re.compile(r"(" + MONTH_NAME + r"),?\s+(\d{4})", re.IGNORECASE), "My"),
    (re.compile(r"(\d{4})"), "y"),
]
# a month and day with no year: the start of "October 4 - November 2, 1955"
_MONTH_DAY = [
    (re.compile(r"(" + MONTH_NAME + r")\s+(\d{1,2})(?:st|nd|rd|th)?", re.IGNORECASE), "Md"),
    (re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+(" + MONTH_NAME + r")", re.IGNORECASE), "dM"),
]
# a day and year with no month: the end of "October 4-11, 1955"
_DAY_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")
_CHINESE = re.compile(
    rf"(?:({CHINESE_NUMBER}|\d{{2,4}})\s*年)?\s*(?:({CHINESE_NUMBER}|\d{{1,2}})\s*月)?"
    rf"\s*(?:({CHINESE_NUMBER}|\d{{1,2}})\s*[日号])?"
)


def _from_groups(kind: str, groups: tuple[str, ...], year: int | None = None) -> PartialDate | None:
    """A date from a pattern's groups; ``year`` when the pattern has none."""
    parts = dict(zip(kind, groups))
    month = parts.get("m") or parts.get("M")
    if month is not None and not month.isdigit():
        month = MONTHS[month.lower().rstrip(".")]
    return _valid(
        int(parts["y"]) if "y" in parts else year,
        int(month) if month is not None else None,
        int(parts["d"]) if "d" in parts else None,
    )


def parse_date(text: str, default_year: int | None = None, default_month: int | None = None):
    """Parse one date written alone; ``None`` when it is not a date.

    ``default_year``/``default_month`` fill what an end of a range leaves out
    (``1954年10月10日至31日``); they are never used for a date written alone.
    """
    cleaned = fold_width(text).strip().rstrip(".,;，。")
    if not cleaned:
        return None
    for pattern, kind in _PATTERNS:
        match = pattern.fullmatch(cleaned)
        if match:
            return _from_groups(kind, match.groups())
    match = _CHINESE.fullmatch(cleaned)
    if match and any(match.groups()):
        year_text, month_text, day_text = match.groups()
        year = chinese_number(year_text) if year_text else default_year
        month = chinese_number(month_text) if month_text else (default_month if day_text else None)
        day = chinese_number(day_text) if day_text else None
        if year_text is None and month_text is None and day_text is None:
            return None
        if year is not None and year < 100 and year_text:
            return None
        return _valid(year, month, day)
    if default_year is not None:
        # An end of a range that gives only a day or a day and month ("10-31 October 1954",
        # "October 4 - November 2, 1955").
        for pattern, kind in _MONTH_DAY:
            match = pattern.fullmatch(cleaned)
            if match:
                return _from_groups(kind, match.groups(), default_year)
        match = re.fullmatch(r"(\d{1,2})", cleaned)
        if match and default_month is not None:
            return _valid(default_year, default_month, int(match.group(1)))
        match = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})", cleaned)
        if match:
            return _valid(default_year, int(match.group(2)), int(match.group(1)))
    return None


_RANGE_SPLIT = re.compile(r"\s*(?:[–—~～至到]|\s-\s|\bto\b|\buntil\b)\s*", re.IGNORECASE)


def parse_date_range(text: str) -> DateRange | None:
    """Parse the Dates of Meeting field: one date or a range; ``None`` when unreadable."""
    cleaned = " ".join(fold_width(text).split())
    if not cleaned:
        return None
    pieces = _RANGE_SPLIT.split(cleaned)
    if len(pieces) == 1:
        single = parse_date(cleaned)
        if single is not None:
            return DateRange(single, None, text.strip())
        # not one date: a range joined by one unspaced hyphen (1955-1956, 1955年10月-1956年2月,
        # 4-11 October 1955), where "10-1954" would have been one date
        pieces = cleaned.split("-")
        if len(pieces) != 2:
            return None
    if len(pieces) != 2:
        return None
    first, second = pieces
    end = parse_date(second)
    start = parse_date(first)
    if start is None and end is not None:
        # "10-31 October 1954" style: the start borrows what the end has.
        start = parse_date(first, default_year=end.year, default_month=end.month)
        if start is not None and _over_new_year(start, end):
            start = _valid(start.year - 1, start.month, start.day)  # December 28 - January 3, 1956
    elif start is not None and end is None:
        end = parse_date(second, default_year=start.year, default_month=start.month)
        if end is not None and _over_new_year(start, end):
            end = _valid(end.year + 1, end.month, end.day)  # 1955年12月28日至1月3日
    elif start is None and end is None:
        start, end = _days_of_one_month(first, second)
    if start is None or end is None:
        return None
    if _sort_key(end) < _sort_key(start):
        return None
    return DateRange(start, end, text.strip())


def _over_new_year(start: PartialDate, end: PartialDate) -> bool:
    """Whether a range given one year, whose end month comes before its start month, is one
    over New Year: from November or December to January or February. Any other such range is
    a slip (November 2 - October 4, 1955), unreadable, not a range of almost a year."""
    return start.year == end.year and (start.month or 0) >= 11 and (end.month or 13) <= 2


def _days_of_one_month(first: str, second: str) -> tuple[PartialDate | None, PartialDate | None]:
    """A range whose start lacks the year and whose end lacks the month: "October 4" and
    "11, 1955" (of "October 4-11, 1955"), "1955年10月4" and "11日" (of "1955年10月4—11日")."""
    day_year = _DAY_YEAR.fullmatch(second.rstrip(".,;"))
    if day_year is not None:
        year = int(day_year.group(2))
        start = parse_date(first, default_year=year)
        if start is not None and start.day is not None:
            return start, _valid(year, start.month, int(day_year.group(1)))
    elif second.endswith(("日", "号")) and "月" in first:
        start = parse_date(first + second[-1])
        if start is not None:
            return start, parse_date(second, default_year=start.year, default_month=start.month)
    return None, None


def _sort_key(date: PartialDate) -> tuple[int, int, int]:
    return (date.year, date.month or 0, date.day or 0)


# a heading's day may be the first of a range, "October 29-30", "10月29日至30日": the speech is dated
# by its first day (the rest had become the title, "30 Summary reports")
_DAY_TO = r"(?:(?:[-~]|\s*[–—]\s*)\d{1,2}(?:st|nd|rd|th)?(?!\d))?"  # "October 29 - 30 people": no range
_CHINESE_DAY_TO = rf"(?:\s*[日号]?\s*[-–—~至到]\s*(?:{CHINESE_NUMBER}|\d{{1,2}})\s*(?=[日号]))?"  # 29至30日, 29日至30日
_HEADING_DATE = [
    re.compile(r"(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})"),
    re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),
    re.compile(r"(?P<M>" + MONTH_NAME + r")\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?" + _DAY_TO + r"(?:,?\s+(?P<y>\d{4}))?(?!\d)",
               re.IGNORECASE),
    re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th)?" + _DAY_TO + r"\s+(?P<M>" + MONTH_NAME + r")(?:,?\s+(?P<y>\d{4}))?(?!\d)",
               re.IGNORECASE),
    re.compile(
        rf"(?:(?P<cy>{CHINESE_NUMBER}|\d{{4}})\s*年)?\s*(?P<cm>{CHINESE_NUMBER}|\d{{1,2}})\s*月"
        rf"\s*(?P<cd>{CHINESE_NUMBER}|\d{{1,2}}){_CHINESE_DAY_TO}\s*[日号]"
    ),
]


def split_heading(heading: str, meeting: DateRange | None) -> tuple[PartialDate | None, str]:
    """Split a speech heading such as ``October 29 Summary reports`` into (date, title).

    The year, when not written, comes from the meeting: the year of its start, or of its end
    when the start year would put the speech outside the meeting.
    """
    date, title, _impossible = read_heading(heading, meeting)
    return date, title


def read_heading(heading: str, meeting: DateRange | None) -> tuple[PartialDate | None, str, str | None]:
    """:func:`split_heading`'s date and title, and the date the heading starts with when no such
    day exists (``February 30 Report``: the heading is then all title), so the parser can say
    so, as it does of a meeting's date."""
    impossible_end = None
    for date, end in _heading_dates(heading, meeting):
        if date is not None:
            return date, heading[end:].strip(" \t:：,，-–—"), None
        impossible_end = impossible_end or end
    return None, heading.strip(), heading[:impossible_end].strip() if impossible_end else None


def _heading_dates(heading: str, meeting: DateRange | None):
    """(date, end offset in ``heading``) for each pattern a heading starts with that names a
    year (written or the meeting's), a month and a day; date None where no such day exists."""
    normalized = fold_width(heading)
    for pattern in _HEADING_DATE:
        match = pattern.match(normalized.lstrip())
        if not match:
            continue
        parts = match.groupdict()
        if parts.get("cm"):
            year = chinese_number(parts["cy"]) if parts.get("cy") else None
            month = chinese_number(parts["cm"])
            day = chinese_number(parts["cd"])
        else:
            year = int(parts["y"]) if parts.get("y") else None
            month = parts.get("m") or parts.get("M")
            month = int(month) if month.isdigit() else MONTHS[month.lower().rstrip(".")]
            day = int(parts["d"])
        if year is None and meeting is not None:
            year = meeting.start.year
            if meeting.end is not None and meeting.end.year != year and month < (meeting.start.month or 1):
                year = meeting.end.year
        if year is None or month is None or day is None:
            continue
        yield _valid(year, month, day), len(normalized) - len(normalized.lstrip()) + match.end()
