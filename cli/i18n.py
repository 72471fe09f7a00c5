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


class Translation(str):
    """A text in the reader's language that remembers its English: `.format()` fills both in, so that an error made
    with `_("…").format(…)` can still be told in English where a program reads it (`--json`'s `"message"`).

    Any other operation (`+`, slicing, `.strip()`) gives a plain str, whose English is itself."""

    english: str

    def __new__(cls, text: str, english: str) -> Translation:
        made = super().__new__(cls, text)
        made.english = english
        return made

    def format(self, *arguments: object, **fields: object) -> Translation:
        return Translation(
            super().format(*arguments, **fields),
            self.english.format(*map(english, arguments), **{name: english(v) for name, v in fields.items()}),
        )


def english(text: object) -> object:
    """The English of a Translation; anything else as it is."""
    return text.english if isinstance(text, Translation) else text


def _(message: str) -> str:
    """`message` in the reader's language (a Translation, which keeps the English)."""
    return Translation(_translation.gettext(message), message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural of a message for `count`, in the reader's language (Chinese has one form)."""
    return Translation(_translation.ngettext(singular, plural, count), singular if count == 1 else plural)


def locale_is_chinese() -> bool:
    """Whether messages are shown in Chinese."""
    return _translation.info().get("language", "").startswith("zh")


def render(message: Message) -> str:
    """A domain message (a template marked with N_ and its arguments) in the reader's language."""
    from events.message import Message

    template = message.template  # the CLI's own errors carry a text it translated already: NotFound(_("…"))
    in_english = Message(template.english, **message.arguments) if isinstance(template, Translation) else message
    return Translation(message.render(_translation.gettext), str(in_english))


def explained(failure: BaseException) -> str:
    """An error's message in the reader's language: its `text` (a Message) when it has one, else its English."""
    from events.message import Message

    text = getattr(failure, "text", None)
    if isinstance(text, Message):
        return render(text)
    said = failure.args[0] if len(failure.args) == 1 else None
    return said if isinstance(said, Translation) else str(failure)


def in_english(failure: BaseException) -> str:
    """An error's message in English, as `explained()` tells it to people (without a prefix such as `error:`)."""
    return str(english(explained(failure)))


def listing(items: Iterable[str]) -> str:
    """Items joined as the reader's language lists them: `a, b, c` or `a、b、c`."""
    from events.message import LIST_SEPARATOR

    listed = list(items)
    return Translation(_(LIST_SEPARATOR).join(listed), LIST_SEPARATOR.join(str(english(item)) for item in listed))
