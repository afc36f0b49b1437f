"""Trends: how many passages match, period by period, optionally per amount of text.

Counts are exact (every matching passage is counted, by its meeting's start date), so the
sum of a series plus its undated passages equals ``huiyi search --limit 0``'s total.
"""

from __future__ import annotations

from dataclasses import dataclass

BY = ("year", "month")
PER = ("passages", "meetings", "million-chars")


@dataclass(frozen=True)
class Series:
    query: str
    passages: tuple[int, ...]  # matching passages per period
    meetings: tuple[int, ...]  # matching meetings per period
    values: tuple[float, ...]  # what is plotted: passages, or the normalised value
    undated: int  # matching passages whose meeting has no date (by month: or a year alone)
    total_passages: int
    total_meetings: int


@dataclass(frozen=True)
class Trend:
    by: str
    per: str  # "" for raw counts
    periods: tuple[str, ...]
    series: tuple[Series, ...]
    base_passages: tuple[int, ...]  # all passages per period
    base_meetings: tuple[int, ...]
    base_chars: tuple[int, ...]

    @property
    def measure(self) -> str:
        return {
            "": "matching passages",
            "passages": "share of passages",
            "meetings": "share of meetings",
            "million-chars": "matching passages per million characters",
        }[self.per]


def period_of(start_key: int, by: str) -> str | None:
    """``19541029`` → ``1954`` or ``1954-10``; ``None`` for an undated meeting (key 0)."""
    if not start_key:
        return None
    year, month = start_key // 10000, start_key // 100 % 100
    return f"{year:04d}" if by == "year" else f"{year:04d}-{month:02d}"


def period_range(first: str, last: str, by: str) -> list[str]:
    """Every period from ``first`` to ``last``, so a period without hits shows as zero."""
    if by == "year":
        return [f"{year:04d}" for year in range(int(first), int(last) + 1)]
    year, month = int(first[:4]), int(first[5:])
    end = (int(last[:4]), int(last[5:]))
    periods = []
    while (year, month) <= end:
        periods.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return periods


def normalise(passages: int, meetings: int, base_passages: int, base_meetings: int, base_chars: int,
              per: str) -> float:
    if per == "passages":
        return passages / base_passages if base_passages else 0.0
    if per == "meetings":
        return meetings / base_meetings if base_meetings else 0.0
    if per == "million-chars":
        return passages * 1_000_000 / base_chars if base_chars else 0.0
    return float(passages)


def bar(value: float, top: float, width: int = 40) -> str:
    """A horizontal bar of eighth-blocks, ``width`` cells for ``top``."""
    if top <= 0 or value <= 0:
        return ""
    eighths = round(value / top * width * 8)
    return "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]
