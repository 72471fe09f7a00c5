"""The stored form of a time, written and recognised."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from events.timestamp import TIME_FORMAT, format_time, is_stored_form, parse_time

TIMES = [
    datetime(2024, 3, 1, 4, 5, 6, 789, tzinfo=UTC),
    datetime(2024, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=8))),
    datetime(1000, 1, 1, tzinfo=UTC),
    datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),  # strftime leaves such years unpadded
    datetime(5, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
]


@pytest.mark.parametrize("moment", TIMES, ids=str)
def test_a_time_is_stored_as_strftime_wrote_it(moment: datetime) -> None:
    assert format_time(moment) == moment.astimezone(UTC).strftime(TIME_FORMAT)


@pytest.mark.parametrize("moment", TIMES, ids=str)
def test_a_time_in_the_stored_form_is_recognised_only_where_formatting_it_again_gives_it_back(
    moment: datetime,
) -> None:
    text = format_time(moment)

    assert is_stored_form(text) == (len(text) == 27)
    if is_stored_form(text):
        assert format_time(parse_time(text)) == text


@pytest.mark.parametrize(
    "text", ["2024-W09-5T04:05:06.000789Z", "2024-03-01T04:05:06,000789Z", "2024-03-01T04:05:06.000789+00:00"]
)
def test_other_forms_of_a_time_are_not_taken_for_the_stored_form(text: str) -> None:
    assert not is_stored_form(text)
