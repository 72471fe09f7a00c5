"""The workbench's language: messages of the domain in Chinese, whatever the server's locale.

The staff pages are Chinese throughout, so the staff API tells each refusal and problem both in English (`message`,
for programs and logs) and in Chinese (`text`), from the same gettext catalog the CLI uses.
"""

from __future__ import annotations

import gettext
from functools import cache

from cli.i18n import DOMAIN, LOCALE_DIR
from events.message import Message


@cache
def _catalog() -> gettext.NullTranslations:
    try:
        return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=["zh_CN"], fallback=True)
    except (OSError, ValueError, UnicodeError, LookupError):  # a damaged catalog: English rather than a traceback
        return gettext.NullTranslations()


def chinese(message: Message) -> str:
    """`message` in Chinese (its English where the catalog has no Chinese for it)."""
    return message.render(_catalog().gettext)
