"""Enumerated option values, in English or in Chinese: `--status 已公布` is `--status published`, in any locale.

The element options (--audience, --method, --level) read their Chinese labels in cli/element_input.py; this is the
same for --status, --stage and --role, as the options' parser, so that a wrong value is a usage error (exit 2) that
lists the choices.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

import typer

from cli.i18n import _, listing, locale_is_chinese


class Choice:
    """One of the values `load()` names: each English value with its Chinese names, the first of them its label.

    Loaded when first needed: a command's start-up does not import the domain for an option it was not given.
    """

    def __init__(self, load: Callable[[], Mapping[str, tuple[str, ...]]]) -> None:
        self.load = load

    @functools.cached_property
    def names(self) -> dict[str, tuple[str, ...]]:
        return dict(self.load())

    @functools.cached_property
    def values(self) -> dict[str, str]:
        return {value: value for value in self.names} | {
            chinese: value for value, chineses in self.names.items() for chinese in chineses
        }

    def __call__(self, given: str) -> str:
        """The English value of `given`, an English value or a Chinese name."""
        text = given.strip()
        if text in self.values:
            return self.values[text]
        raise typer.BadParameter(_("{value!r} is not one of {choices}").format(value=text, choices=self.choices()))

    def choices(self) -> str:
        """The values with their labels, the reader's language first: `published (已公布)` or `已公布 (published)`."""
        chinese = locale_is_chinese()
        return listing(
            (f"{labels[0]} ({value})" if chinese else f"{value} ({labels[0]})") if labels else value
            for value, labels in self.names.items()
        )


def _statuses() -> dict[str, tuple[str, ...]]:
    from events.status import Status

    aliases = {
        Status.DRAFT: ("草稿", "起草"),
        Status.SUBMITTED: ("已提交",),
        Status.PRELIMINARY_REVIEWED: ("初审通过", "已初审"),
        Status.LEGALITY_REVIEWED: ("合法性审查通过",),
        Status.APPROVED: ("审议通过", "已审议"),
        Status.RETIRED: ("取消",),
        Status.DISCARDED: ("废弃",),
    }
    return {s.value: (s.label, *aliases.get(s, ())) for s in Status if s is not Status.NEW}


def _roles() -> dict[str, tuple[str, ...]]:
    from registry.actor import Role

    aliases = {Role.PUBLISHER: ("公布人",), Role.LEGALITY_REVIEWER: ("合法性审核人",)}
    return {r.value: (r.label, *aliases.get(r, ())) for r in Role}


def status() -> Choice:
    """An item's status (`registry list --status`): the Chinese status names, and a few words people use."""
    return Choice(_statuses)


def stage() -> Choice:
    """A review stage (`registry review --stage`)."""
    return Choice(lambda: {"preliminary": ("初审",), "legality": ("合法性审查",), "approval": ("审议",)})


def role() -> Choice:
    """An actor's role (`actor add --role`, `token create --role`)."""
    return Choice(_roles)
