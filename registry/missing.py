"""What is not there: an item, version or actor that does not exist; a database without the registry's schema.

Apart from the service, so that a read that needs no domain model (`registry history`) can raise them cheaply.
"""

from __future__ import annotations


class NotFound(Exception):
    """An item, version or actor that does not exist."""


class NotInitialized(Exception):
    """The database has no registry schema (or an old one)."""
