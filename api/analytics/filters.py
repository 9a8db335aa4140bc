"""The period and area every analytics question is asked for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from api.core.clock import day_start, today_local

CHANNELS = ("web", "telegram", "zalo")
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Filters:
    """Vietnam-local days ``start`` to ``end`` (inclusive), optionally one place and
    one channel."""

    start: date
    end: date
    province: str | None = None
    commune: str | None = None
    channel: str | None = None

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError("the period starts after it ends")
        if self.channel is not None and self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}")

    @classmethod
    def default(cls, **area: Any) -> Filters:
        """The last :data:`DEFAULT_DAYS` days up to today."""
        today = today_local()
        return cls(today - timedelta(days=DEFAULT_DAYS - 1), today, **area)

    @property
    def days(self) -> int:
        """Length of the period in days."""
        return (self.end - self.start).days + 1

    def shifted(self, start: date, end: date) -> Filters:
        """The same area over another period."""
        return Filters(start, end, self.province, self.commune, self.channel)

    @property
    def whole_months(self) -> int | None:
        """How many calendar months the period covers, when it is whole months."""
        after = self.end + timedelta(days=1)
        if self.start.day != 1 or after.day != 1:
            return None
        return (after.year - self.start.year) * 12 + after.month - self.start.month

    def previous_period(self) -> Filters:
        """The period compared as "kỳ trước": the previous calendar month(s) for whole
        months (Q3 -> Q2), else the same number of days just before."""
        months = self.whole_months
        if months is None:
            return self.shifted(
                self.start - timedelta(days=self.days), self.start - timedelta(days=1)
            )
        return self.shifted(
            _add_months(self.start, -months), self.start - timedelta(days=1)
        )

    def same_period_last_year(self) -> Filters:
        """The period compared as "cùng kỳ năm trước": the same months (February 2025
        -> February 2024, 29th included) or dates one year earlier."""
        if self.whole_months is None:
            return self.shifted(_year_back(self.start), _year_back(self.end))
        after = _add_months(self.end + timedelta(days=1), -12)
        return self.shifted(_add_months(self.start, -12), after - timedelta(days=1))

    def year_to_date(self) -> Filters:
        """From 1 January of the end's year to the end ("lũy kế")."""
        return self.shifted(date(self.end.year, 1, 1), self.end)

    def during(self, column: Any) -> list[Any]:
        """SQL: ``column`` (a UTC timestamp) within the period's Vietnam-local days."""
        return [
            column >= day_start(self.start),
            column < day_start(self.end + timedelta(days=1)),
        ]

    def area(self) -> dict[str, str]:
        """The set area filters by query-log column name (channel, place)."""
        wanted = {
            "channel": self.channel,
            "province_code": self.province,
            "commune_code": self.commune,
        }
        return {column: value for column, value in wanted.items() if value is not None}

    def echo(self) -> dict[str, Any]:
        """The filters as echoed in API responses."""
        return {
            "province": self.province,
            "commune": self.commune,
            "channel": self.channel,
        }


def _year_back(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
