"""Working days: weekends, the State Council's holidays and make-up working days, time limits counted in them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from registry.calendar import WorkingCalendar
from registry.profile import ProfileError, load_profile

PROFILE = load_profile()
CALENDAR = WorkingCalendar.of(PROFILE)
WEEKENDS_ONLY = WorkingCalendar()


def test_weekdays_are_working_days_and_weekends_are_not() -> None:
    week = [date(2021, 3, 1) + timedelta(days=n) for n in range(7)]  # Monday to Sunday, no holiday

    assert [CALENDAR.is_working_day(day) for day in week] == [True] * 5 + [False] * 2


def test_the_working_day_after_a_friday_is_the_monday() -> None:
    assert CALENDAR.add_working_days(date(2021, 3, 5), 1) == date(2021, 3, 8)


def test_a_weekend_adds_no_working_days() -> None:
    friday, saturday, sunday, monday = (date(2021, 3, d) for d in (5, 6, 7, 8))

    assert CALENDAR.working_days_between(friday, sunday) == 0
    assert CALENDAR.working_days_between(saturday, monday) == 1
    assert CALENDAR.working_days_between(friday, monday) == 1


def test_working_days_between_counts_after_the_start_up_to_the_end() -> None:
    monday, tuesday = date(2021, 3, 8), date(2021, 3, 9)

    assert CALENDAR.working_days_between(monday, monday) == 0
    assert CALENDAR.working_days_between(monday, tuesday) == 1
    assert CALENDAR.working_days_between(tuesday, monday) == -1


def test_zero_working_days_from_a_day_is_that_day() -> None:
    assert CALENDAR.add_working_days(date(2021, 3, 6), 0) == date(2021, 3, 6)


def test_counting_back_skips_weekends_too() -> None:
    assert CALENDAR.add_working_days(date(2021, 3, 8), -1) == date(2021, 3, 5)


def test_the_2020_spring_festival_runs_from_24_january_to_the_extended_2_february() -> None:
    assert not any(CALENDAR.is_working_day(date(2020, 1, 24) + timedelta(days=n)) for n in range(10))
    assert CALENDAR.is_working_day(date(2020, 2, 3))


def test_sunday_19_january_2020_is_worked_before_the_spring_festival() -> None:
    assert CALENDAR.is_working_day(date(2020, 1, 19))


def test_saturday_1_february_2020_is_not_worked_once_the_holiday_was_extended() -> None:
    assert not CALENDAR.is_working_day(date(2020, 2, 1))


def test_the_day_after_the_last_working_day_before_the_spring_festival_is_3_february() -> None:
    assert CALENDAR.add_working_days(date(2020, 1, 23), 1) == date(2020, 2, 3)
    assert CALENDAR.working_days_between(date(2020, 1, 23), date(2020, 2, 3)) == 1


def test_the_2020_national_day_and_mid_autumn_holiday_is_1_to_8_october() -> None:
    assert not any(CALENDAR.is_working_day(date(2020, 10, 1) + timedelta(days=n)) for n in range(8))
    assert CALENDAR.is_working_day(date(2020, 10, 9))


@pytest.mark.parametrize("worked", [date(2020, 9, 27), date(2020, 10, 10)], ids=["sunday-before", "saturday-after"])
def test_the_2020_national_day_make_up_weekend_days_are_worked(worked: date) -> None:
    assert worked.weekday() >= 5
    assert CALENDAR.is_working_day(worked)


def test_a_week_around_the_2020_national_day_holiday() -> None:
    # Sun 27 Sep (worked) to Sat 10 Oct (worked): 28, 29, 30 Sep, then 9 and 10 Oct.
    assert CALENDAR.working_days_between(date(2020, 9, 26), date(2020, 10, 10)) == 6
    assert CALENDAR.add_working_days(date(2020, 9, 30), 1) == date(2020, 10, 9)
    assert CALENDAR.add_working_days(date(2020, 10, 9), 1) == date(2020, 10, 10)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2020, 7, 15), date(2020, 8, 12)),  # no holiday: four weeks
        (date(2020, 1, 20), date(2020, 2, 25)),  # across the extended Spring Festival
        (date(2020, 9, 22), date(2020, 10, 26)),  # across National Day, with its two weekend days worked
        (date(2026, 2, 10), date(2026, 3, 16)),  # across the 2026 Spring Festival and its two Saturdays worked
        (
            date(2024, 12, 31),
            date(2025, 2, 5),
        ),  # New Year's Day, Sunday 26 January worked, an eight-day Spring Festival
    ],
)
def test_twenty_working_days_from_a_day(start: date, end: date) -> None:
    """信息形成或者变更之日起20个工作日内: the day itself does not count."""
    assert CALENDAR.add_working_days(start, 20) == end
    assert CALENDAR.working_days_between(start, end) == 20


def test_twenty_working_days_without_holidays_would_end_earlier() -> None:
    assert WEEKENDS_ONLY.add_working_days(date(2020, 1, 20), 20) == date(2020, 2, 17)


def test_years_the_profile_does_not_list_count_weekends_only() -> None:
    assert CALENDAR.is_working_day(date(2030, 1, 1))
    assert CALENDAR.add_working_days(date(2030, 1, 4), 1) == date(2030, 1, 7)


def test_counting_agrees_with_walking_day_by_day() -> None:
    start = date(2019, 12, 1)
    for offset in range(0, 2700, 37):
        end = start + timedelta(days=offset)
        walked = sum(CALENDAR.is_working_day(start + timedelta(days=n)) for n in range(1, offset + 1))
        assert CALENDAR.working_days_between(start, end) == walked


@pytest.mark.parametrize(
    ("year", "days_off", "weekend_days_worked"),
    [(2020, 30, 6), (2021, 31, 7), (2022, 31, 7), (2023, 27, 7), (2024, 28, 8), (2025, 28, 5), (2026, 33, 6)],
)
def test_the_profile_carries_each_notice(year: int, days_off: int, weekend_days_worked: int) -> None:
    # 2023's New Year holiday began on 31 December 2022, as its notice says.
    holidays = Counter(day.year if day != date(2022, 12, 31) else 2023 for day in PROFILE.holidays)
    workdays = Counter(day.year for day in PROFILE.workdays)

    assert (holidays[year], workdays[year]) == (days_off, weekend_days_worked)


def test_every_make_up_working_day_is_a_weekend_day() -> None:
    assert all(day.weekday() >= 5 for day in PROFILE.workdays)


def test_the_day_is_the_banners_day() -> None:
    evening_in_utc = datetime(2020, 7, 15, 16, 30, tzinfo=UTC)  # 00:30 on the 16th in Beijing

    assert CALENDAR.day_of(evening_in_utc) == date(2020, 7, 16)
    assert CALENDAR.end_of(date(2020, 7, 15)) == datetime(2020, 7, 15, 16, 0, tzinfo=UTC)


def test_a_profile_cannot_make_a_day_both_off_and_worked(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "registry/profiles/etuokeqianqi.toml").read_text("utf-8")
    clash = tmp_path / "clash.toml"
    clash.write_text(text.replace("workdays = [", "workdays = [\n    2020-01-24,", 1), "utf-8")

    with pytest.raises(ProfileError, match="both a holiday and a working day: 2020-01-24"):
        load_profile(clash)


def test_a_profile_names_a_known_time_zone(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "registry/profiles/etuokeqianqi.toml").read_text("utf-8")
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text(text.replace('timezone = "Asia/Shanghai"', 'timezone = "Asia/Nowhere"'), "utf-8")

    with pytest.raises(ProfileError, match="unknown time zone"):
        load_profile(elsewhere)
