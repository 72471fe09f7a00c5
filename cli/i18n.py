"""The language people read: Chinese for a Chinese locale (LANG=zh_CN.UTF-8), English otherwise.

Messages are written in English in the code and marked with `_()` (or `N_()` where they are made, in the domain);
their Chinese lives in gettext catalogs (cli/locale/zh_CN/LC_MESSAGES/registry.po, compiled to .mo with Babel:
`make messages`). The locale is read as gettext reads it: the first of LANGUAGE, LC_ALL, LC_MESSAGES and LANG that
is set. An unknown locale, or a catalog that cannot be read, means English.

click's and Typer's own texts ("Usage:", "Options", "Missing option", ...) go through `gettext.gettext`, the
default domain: it is pointed at our catalog, which translates them too.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from events.message import Message

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "registry"


def _load() -> gettext.NullTranslations:
    try:
        found = gettext.translation(DOMAIN, localedir=LOCALE_DIR, fallback=True)
    except (OSError, ValueError, UnicodeError, LookupError):  # a damaged catalog: English rather than a traceback
        return gettext.NullTranslations()
    if isinstance(found, gettext.GNUTranslations):
        # click and Typer call gettext.gettext (the default domain): let it find their Chinese in our catalog.
        gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
        gettext.textdomain(DOMAIN)
    return found


_translation = _load()


def _(message: str) -> str:
    """`message` in the reader's language."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural of a message for `count`, in the reader's language (Chinese has one form)."""
    return _translation.ngettext(singular, plural, count)


def locale_is_chinese() -> bool:
    """Whether messages are shown in Chinese."""
    return _translation.info().get("language", "").startswith("zh")


def render(message: Message) -> str:
    """A domain message (a template marked with N_ and its arguments) in the reader's language."""
    return message.render(_translation.gettext)


def explained(failure: BaseException) -> str:
    """An error's message in the reader's language: its `text` (a Message) when it has one, else its English."""
    from events.message import Message

    text = getattr(failure, "text", None)
    return render(text) if isinstance(text, Message) else str(failure)


def listing(items: Iterable[str]) -> str:
    """Items joined as the reader's language lists them: `a, b, c` or `a、b、c`."""
    from events.message import LIST_SEPARATOR

    return _(LIST_SEPARATOR).join(items)
