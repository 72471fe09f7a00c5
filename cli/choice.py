"""Enumerated option values, in English or in Chinese: `--status 已公布` is `--status published`, in any locale.

The same for --status, --stage, --role and the element options (--audience, --method, --level), as the options'
parser, so that a wrong value is a usage error (exit 2) that lists the choices; `label()` names a value in the
reader's language.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

import typer

from cli.i18n import Translation, _, listing, locale_is_chinese


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
            Translation(f"{labels[0]} ({value})" if chinese else f"{value} ({labels[0]})", f"{value} ({labels[0]})")
            if labels
            else value
            for value, labels in self.names.items()
        )

    def label(self, value: str) -> str:
        """`value` as the reader's language names it: its Chinese label under a Chinese locale, else itself."""
        labels = self.names.get(value)
        return labels[0] if labels and locale_is_chinese() else value


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


def _audiences() -> dict[str, tuple[str, ...]]:
    from events.elements import Audience
    from registry.transfer.catalog_table import (
        AUDIENCE_WORDS,  # every word catalogs use for the public: 所有人, 社会公众 …
    )

    return {
        a.value: (a.label, *(w for w, v in AUDIENCE_WORDS.items() if v == a.value and w != a.label)) for a in Audience
    }


def _methods() -> dict[str, tuple[str, ...]]:
    from events.elements import Method

    aliases = {Method.PROACTIVE: ("主动公开",), Method.ON_REQUEST: ("依申请公开",)}
    return {m.value: (m.label, *aliases.get(m, ())) for m in Method}


def _levels() -> dict[str, tuple[str, ...]]:
    from events.elements import Level

    aliases = {Level.TOWNSHIP: ("乡镇级", "镇级")}
    return {level.value: (level.label, *aliases.get(level, ())) for level in Level}


def _version_states() -> dict[str, tuple[str, ...]]:
    """A version's own state (`show`): where it stands, not what the item waits for (an item's status)."""
    return {
        "draft": ("草稿",),
        "submitted": ("已提交",),
        "preliminary_reviewed": ("初审通过",),
        "legality_reviewed": ("合法性审查通过",),
        "approved": ("审议通过",),
        "published": ("已公布",),
        "superseded": ("已被取代",),
        "retired": ("已取消",),
        "withdrawn": ("已撤回",),
        "discarded": ("已废弃",),
    }


def status() -> Choice:
    """An item's status (`registry list --status`): the Chinese status names, and a few words people use."""
    return Choice(_statuses)


def stage() -> Choice:
    """A review stage (`registry review --stage`)."""
    return Choice(lambda: {"preliminary": ("初审",), "legality": ("合法性审查",), "approval": ("审议",)})


def role() -> Choice:
    """An actor's role (`actor add --role`, `token create --role`)."""
    return Choice(_roles)


def audience() -> Choice:
    """公开对象 (`--audience`): 全社会 also in the other words catalogs use for everyone (所有人, 社会公众 …)."""
    return Choice(_audiences)


def method() -> Choice:
    """公开方式 (`--method`)."""
    return Choice(_methods)


def level() -> Choice:
    """公开层级 (`--level`)."""
    return Choice(_levels)


def version_state() -> Choice:
    """A version's state, as `show` names it."""
    return Choice(_version_states)
