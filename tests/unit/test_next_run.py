"""`digest status`'s next run is the instant Prefect starts it: `digest schedule` hands each
list's cron and timezone to Prefect, so its server's CronSchedule is the reference, on
the days clocks change (a wall time skipped, a wall time repeated) in zones both sides
of the equator, one with a half-hour change, one that changes at midnight, and one that
never changes. Prefect computes these dates itself: no server is needed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.app.overview import next_run
from digest.config import ListSettings, parse_settings
from digest.errors import ConfigError

ZONES = (
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # a half-hour change
    "America/Santiago",  # clocks change at midnight
    "Asia/Kolkata",  # no change
    "UTC",
)
FORMS = (
    "30 1 * * *",
    "30 2 * * *",
    "0 0 * * *",
    "0 7 * * 1-5",
    "*/15 * * * *",
    "0 * * * *",
    "10,40 2 * * 0",
    "5 1 1,15 * 6",
)
YEAR = 2026


def prefect_next(cases: list[tuple[str, str, datetime]]) -> list[datetime]:
    """For each (cron, timezone, after), the first run Prefect schedules after `after`, in
    UTC (its scheduler asks for a few runs at once and keeps them all, so the earliest of
    them is the next run)."""
    from prefect.server.schemas.schedules import CronSchedule

    async def dates() -> list[datetime]:
        found = []
        for cron, timezone, after in cases:
            schedule = CronSchedule(cron=cron, timezone=timezone)
            runs = await schedule.get_dates(n=3, start=after + timedelta(microseconds=1))
            found.append(runs[0].astimezone(UTC))
        return found

    return asyncio.run(dates())


def ours(cron: str, timezone: str, after: datetime) -> datetime | None:
    return next_run(ListSettings(name="daily", schedule=cron, timezone=timezone), now=after)


def transitions(timezone: str) -> list[datetime]:
    """The instants (UTC, to the minute) the zone's offset changes in YEAR."""
    zone = ZoneInfo(timezone)
    at = datetime(YEAR, 1, 1, tzinfo=UTC)
    found = []
    while at.year == YEAR:
        step = at + timedelta(hours=1)
        if step.astimezone(zone).utcoffset() != at.astimezone(zone).utcoffset():
            minute = at
            while minute.astimezone(zone).utcoffset() == at.astimezone(zone).utcoffset():
                minute += timedelta(minutes=1)
            found.append(minute)
        at = step
    return found


def test_the_day_clocks_skip_an_hour_runs_when_prefect_does():
    """The reported cases: a time that does not exist that day runs at its place on the
    clock before the change, as Prefect runs it, not an hour or half an hour early."""
    assert ours("30 1 * * *", "Europe/London", datetime(2026, 3, 28, 12, tzinfo=UTC)) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )
    assert ours("30 2 * * *", "America/New_York", datetime(2026, 3, 7, tzinfo=UTC)) == datetime(
        2026, 3, 7, 7, 30, tzinfo=UTC
    )
    assert ours("30 2 * * *", "America/New_York", datetime(2026, 3, 8, tzinfo=UTC)) == datetime(
        2026, 3, 8, 7, 30, tzinfo=UTC
    )
    # Asked during the skipped hour itself: the skipped 01:30 is still to come.
    assert ours("30 1 * * *", "Europe/London", datetime(2026, 3, 29, 1, 10, tzinfo=UTC)) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )
    # The repeated hour in autumn runs once, the first time; asked during its second
    # occurrence, the next run is the next day's.
    assert ours("30 1 * * *", "Europe/London", datetime(2026, 10, 24, 12, tzinfo=UTC)) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )
    assert ours("30 1 * * *", "Europe/London", datetime(2026, 10, 25, 1, 10, tzinfo=UTC)) == datetime(
        2026, 10, 26, 1, 30, tzinfo=UTC
    )
    assert ours("*/15 * * * *", "Europe/London", datetime(2026, 10, 25, 1, 10, tzinfo=UTC)) == datetime(
        2026, 10, 25, 2, 0, tzinfo=UTC
    )


@pytest.mark.parametrize("timezone", ZONES)
def test_next_run_is_prefects_over_a_year(timezone):
    """Every day of the year, two of the forms a day, at a time of day that moves round the
    clock; and every form every quarter of an hour for three hours either side of each
    change of the zone's clocks, and a second either side of it."""
    cases = [
        (
            FORMS[(day + shift) % len(FORMS)],
            timezone,
            datetime(YEAR, 1, 1, tzinfo=UTC) + timedelta(days=day, minutes=(day * 37) % 1440),
        )
        for day in range(365)
        for shift in (0, 3)
    ]
    changes = transitions(timezone)
    assert len(changes) == (0 if timezone in ("Asia/Kolkata", "UTC") else 2), changes
    around = [change + timedelta(minutes=m) for change in changes for m in range(-180, 181, 15)]
    around += [change + timedelta(seconds=s) for change in changes for s in (-1, 0, 1)]
    cases += [(cron, timezone, after) for cron in FORMS for after in around]
    expected = prefect_next(cases)
    wrong = [
        (cron, after.isoformat(), got and got.isoformat(), want.isoformat())
        for (cron, _, after), want in zip(cases, expected, strict=True)
        if (got := ours(cron, timezone, after)) != want
    ]
    assert not wrong, f"{len(wrong)} of {len(cases)} differ from Prefect, first: {wrong[:5]}"


@pytest.mark.parametrize(
    "cron",
    [
        "0 7 * * *",
        " 0 7 * * 1-5 ",
        "*/15 * * * *",
        "0 7 L * *",
        "0 7 * * MON#1",
        "0 0 29 2 *",
        "0 7 * *",  # four fields
        "@daily",  # an alias cron does not have
        "0 0 30 2 *",  # a day that never comes
        "0 7 * * 8",
        "0 24 * * *",
        "60 7 * * *",
        "0 7 ? * *",
        "0 7 * * 5-1",
        "every day",
    ],
)
def test_a_schedule_the_config_accepts_has_a_next_run_and_one_it_refuses_has_none(cron):
    raw = {"lists": {"daily": {"schedule": cron, "timezone": "Europe/London"}}}
    try:
        chosen = parse_settings(raw, base_dir=Path("/cfg"), environ={}).list("daily")
    except ConfigError:
        chosen = None
    got = ours(cron, "Europe/London", datetime(YEAR, 3, 28, 12, tzinfo=UTC))
    assert (chosen is None) == (got is None), (chosen, got)
    if chosen is not None:
        assert next_run(chosen, now=datetime(YEAR, 3, 28, 12, tzinfo=UTC)) == got
