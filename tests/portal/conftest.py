"""Say where the portal's screenshots are, and how long the browser took, at the end of the run."""

from __future__ import annotations

import pytest

from tests.portal.browser import RUN_KEY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    run = config.stash.get(RUN_KEY, None)
    if run is not None:
        folder, seconds = run
        terminalreporter.write_line(f"portal: browser checks took {seconds:.0f} s; screenshots in {folder}")
