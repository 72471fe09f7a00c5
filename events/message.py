"""Messages for people: an English template with named arguments, put in the reader's language at the edge.

The domain stays locale-free: `str()` of a Message is its English, and the CLI translates the template with gettext
before filling in the arguments. `N_` marks a template for extraction (`pybabel extract`, a default keyword) and
returns it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable


def N_(template: str) -> str:
    """`template`, marked for translation where it is shown."""
    return template


# How the items of a list argument are joined (Chinese: 、).
LIST_SEPARATOR = N_(", ")


def _untranslated(template: str) -> str:
    return template


class Message:
    """An English template (marked with N_) and its named arguments (str.format fields).

    An argument may itself be a Message (translated with it) or a list or tuple of Messages or texts (joined with
    LIST_SEPARATOR). A template without arguments is used as it is, so that an already formatted text with braces
    in it stays intact.
    """

    __slots__ = ("arguments", "template")

    def __init__(self, template: str, /, **arguments: object) -> None:
        self.template = template
        self.arguments = arguments

    def render(self, translate: Callable[[str], str] = _untranslated) -> str:
        """The text, with `translate` applied to this template and to those of the arguments."""
        if not self.template:  # gettext("") is the catalog's header
            return ""
        if not self.arguments:
            return translate(self.template)
        values = {name: _render(value, translate) for name, value in self.arguments.items()}
        return translate(self.template).format(**values)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Message({self.template!r}, **{self.arguments!r})"


def _render(value: object, translate: Callable[[str], str]) -> object:
    if isinstance(value, Message):
        return value.render(translate)
    if isinstance(value, list | tuple):
        return translate(LIST_SEPARATOR).join(str(_render(v, translate)) for v in value)
    return value
