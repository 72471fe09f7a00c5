"""The stored form of a time: UTC, microseconds, a trailing Z, so that it sorts as text.

Apart from the envelope (and its pydantic models), so that a read that only shows times starts quickly.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def format_time(moment: datetime) -> str:
    """The stored form of a time: UTC, microseconds, a trailing Z (sorts as text). A naive time is refused: Python
    would take it as the server's local time, and the edges (CLI, API) read a time without an offset as UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a time without a timezone cannot be stored: {moment.isoformat()}")
    return _format_utc(moment.astimezone(UTC))


@lru_cache(maxsize=256)  # a command's events share their time, and the projections format each several times
def _format_utc(moment: datetime) -> str:
    # Keyed by the UTC time: equal keys are the same instant (local times equal but for `fold` are not).
    if moment.year >= 1000:
        # The same text as strftime(TIME_FORMAT), four times faster; strftime leaves earlier years unpadded.
        return moment.isoformat(timespec="microseconds")[:-6] + "Z"
    return moment.strftime(TIME_FORMAT)


_STORED_FORM = re.compile(r"[1-9]\d{3}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", re.ASCII)


def is_stored_form(text: str) -> bool:
    """Whether `text` is written as format_time writes (then format_time(parse_time(text)) == text)."""
    return _STORED_FORM.fullmatch(text) is not None


def parse_time(text: str) -> datetime:
    if len(text) == 27 and text[10] == "T" and text[-1] == "Z":
        return datetime.fromisoformat(text)  # the stored form; ~20 times faster than strptime, which replay feels
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)
