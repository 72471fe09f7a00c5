"""PostgreSQL settings for one test's sessions only, as if the server were configured so: libpq `options` in the URL."""

from __future__ import annotations

from sqlalchemy.engine import make_url


def with_settings(url: str, **settings: str) -> str:
    """`url` whose PostgreSQL sessions start with `settings` (each `-c name=value`); a SQLite URL as it is."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return url
    given = parsed.query.get("options", "")
    assert isinstance(given, str)
    # libpq splits options at spaces: a space inside a value is escaped with a backslash.
    added = " ".join(f"-c {name}={value.replace(' ', chr(92) + ' ')}" for name, value in settings.items())
    return parsed.update_query_dict({"options": f"{given} {added}".strip()}).render_as_string(hide_password=False)
