"""Meeting dates as index terms, so date filters are term lookups, not numeric range scans.

A meeting covers the days from the first day its start date can mean to the last day its end
date can mean (``1954`` covers the whole year). A passage gets the terms

* ``year``: every year the meeting touches;
* ``fullyear``: every year it covers entirely (a meeting dated ``1954``);
* ``month``: every month it touches (``1954-10``) in a year it does not cover entirely;
* ``fullmonth``: every month it covers entirely, in such a year;
* ``day``: every day it touches in a month it does not cover entirely.

A query range decomposes into whole years, whole months and the days of partial months; the
meeting overlaps the range exactly when one of those terms matches (a partial year also matches
on ``fullyear``, a partial month on ``fullmonth`` or on one of its days). That is at most a few
dozen terms for any range. (Before ``fullyear``, a meeting dated by its year alone carried 12
``month`` and 12 ``fullmonth`` terms on every passage: 8% of all postings of the UN speeches.)
``tests/test_dates.py`` checks the equivalence with random meetings and ranges.
"""

from __future__ import annotations

import calendar
import datetime as dt

from corpus.model import PartialDate


def first_day(date: PartialDate) -> dt.date:
    return dt.date(date.year, date.month or 1, date.day or 1)


def last_day(date: PartialDate) -> dt.date:
    month = date.month or 12
    return dt.date(date.year, month, date.day or calendar.monthrange(date.year, month)[1])


def _months(start: dt.date, end: dt.date):
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def date_terms(start: dt.date, end: dt.date) -> dict[str, list[str]]:
    """The date terms of a meeting covering ``start``..``end`` (inclusive)."""
    terms: dict[str, list[str]] = {"year": [], "fullyear": [], "month": [], "fullmonth": [], "day": []}
    terms["year"] = [str(year) for year in range(start.year, end.year + 1)]
    for year, month in _months(start, end):
        if start <= dt.date(year, 1, 1) and dt.date(year, 12, 31) <= end:
            if month == 1:
                terms["fullyear"].append(str(year))
            continue
        key = f"{year:04d}-{month:02d}"
        terms["month"].append(key)
        first, last = _month_bounds(year, month)
        if start <= first and last <= end:
            terms["fullmonth"].append(key)
            continue
        day = max(start, first)
        while day <= min(end, last):
            terms["day"].append(day.isoformat())
            day += dt.timedelta(days=1)
    return terms


def range_terms(start: dt.date, end: dt.date) -> list[tuple[str, str]]:
    """(field, term) pairs of which a passage must match one to overlap ``start``..``end``."""
    pairs: list[tuple[str, str]] = []
    year = start.year
    for year in range(start.year, end.year + 1):
        if dt.date(year, 1, 1) >= start and dt.date(year, 12, 31) <= end:
            pairs.append(("year", str(year)))
            continue
        pairs.append(("fullyear", str(year)))  # a meeting covering the whole year overlaps
        for y, month in _months(max(start, dt.date(year, 1, 1)), min(end, dt.date(year, 12, 31))):
            key = f"{y:04d}-{month:02d}"
            first, last = _month_bounds(y, month)
            if start <= first and last <= end:
                pairs.append(("month", key))
                continue
            pairs.append(("fullmonth", key))
            day = max(start, first)
            while day <= min(end, last):
                pairs.append(("day", day.isoformat()))
                day += dt.timedelta(days=1)
    return pairs


def sort_key(date: dt.date) -> int:
    return date.year * 10000 + date.month * 100 + date.day
