"""Date terms: a passage matches a date filter exactly when the meeting's days and the
filter's days overlap (indexer.dates)."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.dates import date_terms, range_terms

days = st.dates(min_value=dt.date(1949, 1, 1), max_value=dt.date(1962, 12, 31))


def _span(a: dt.date, b: dt.date) -> tuple[dt.date, dt.date]:
    return (a, b) if a <= b else (b, a)


def _matches(meeting: tuple[dt.date, dt.date], query: tuple[dt.date, dt.date]) -> bool:
    indexed = {(field, term) for field, terms in date_terms(*meeting).items() for term in terms}
    return any(pair in indexed for pair in range_terms(*query))


whole_years = st.integers(1949, 1962).flatmap(
    lambda y: st.integers(y, 1962).map(lambda z: (dt.date(y, 1, 1), dt.date(z, 12, 31))))
whole_months = st.tuples(st.integers(1949, 1962), st.integers(1, 12), st.integers(0, 30)).map(
    lambda t: (dt.date(t[0], t[1], 1), (dt.date(t[0], t[1], 1) + dt.timedelta(days=31 * t[2] + 31)).replace(day=1)
               - dt.timedelta(days=1)))
ranges = st.one_of(st.tuples(days, days).map(lambda p: _span(*p)), whole_years, whole_months)


@settings(max_examples=400, deadline=None)
@given(ranges, ranges)
def test_terms_match_exactly_when_dates_overlap(meeting, query):
    overlap = meeting[0] <= query[1] and query[0] <= meeting[1]
    assert _matches(meeting, query) == overlap
