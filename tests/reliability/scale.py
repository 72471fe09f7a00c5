"""How big the reliability runs are: the CI size by default, the long versions with REGISTRY_SOAK=1 (`make soak`)."""

from __future__ import annotations

import os

SOAK = os.environ.get("REGISTRY_SOAK") == "1"


def size(ci: int, soak: int) -> int:
    return soak if SOAK else ci


# Concurrency: writers racing on shared items, each also working on its own private items.
WRITERS = 8
COMMANDS_PER_WRITER = size(100, 1000)
SHARED_ITEMS = 10
PRIVATE_ITEMS = 100  # in all, split among the writers

# Crashes: SIGKILLs per backend, how many of them hit the real `registry import` CLI, and the size of its file.
# After every kill the whole log is read and checked, so a series' time grows with the square of its kills (and
# with the rows of the imports that completed): 200 kills of 2,000-row imports took most of an hour per backend.
KILLS = size(20, 100)
CLI_IMPORT_KILLS = size(3, 20)
IMPORT_ROWS = size(120, 2000)

# Property tests: examples per backend.
TAMPERING_EXAMPLES = size(60, 1000)
HOSTILE_SERVICE_EXAMPLES = size(120, 3000)
HOSTILE_CLI_EXAMPLES = size(2, 60)
GRAPHQL_EXAMPLES = size(40, 1000)
