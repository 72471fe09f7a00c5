"""Times as people read them: in the jurisdiction's time zone, the zone named (2020-07-13 10:00 Beijing time).

The log and every JSON output keep the stored UTC form (ISO 8601 with its offset); only what a person reads is
converted, so that the CLI and the public page show one clock.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from cli.i18n import _
from events.message import N_
from events.timestamp import parse_time

# The zones people in China call by name; any other zone is shown by its IANA key (Asia/Urumqi).
_NAMED_ZONES = {"Asia/Shanghai": N_("Beijing time")}


def zone_label(zone: str) -> str:
    """What the zone is called: Beijing time (北京时间) for Asia/Shanghai, else its IANA key."""
    named = _NAMED_ZONES.get(zone)
    return _(named) if named else zone


def local_time(moment: str | datetime | None, zone: str, *, seconds: bool = False) -> str:
    """A stored time (or an aware datetime) in `zone`, to the minute (or second), with the zone named; — for none."""
    if moment is None or moment == "":
        return "—"
    aware = parse_time(moment) if isinstance(moment, str) else moment
    local = aware.astimezone(_zone(zone))
    shown = f"{local:%Y-%m-%d %H:%M:%S}" if seconds else f"{local:%Y-%m-%d %H:%M}"
    return f"{shown} {zone_label(zone)}"


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
