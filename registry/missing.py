"""What is not there: an item, version or actor that does not exist; a database without the registry's schema.

Apart from the service, so that a read that needs no domain model (`registry history`) can raise them cheaply.
"""

from __future__ import annotations

from events.message import Message


class NotFound(Exception):
    """An item, version or actor that does not exist. The message is a template (marked with N_) and its arguments:
    `str()` is the English, `text` what the CLI shows in the reader's language."""

    def __init__(self, template: str, /, **arguments: object) -> None:
        self.text = Message(template, **arguments)
        super().__init__(str(self.text))


class NotInitialized(Exception):
    """The database has no registry schema (or an old one). A template and its arguments, as for NotFound."""

    def __init__(self, template: str, /, **arguments: object) -> None:
        self.text = Message(template, **arguments)
        super().__init__(str(self.text))
