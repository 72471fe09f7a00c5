"""The review rules of features/*.feature, each scenario on a fresh SQLite file and a fresh PostgreSQL schema."""

from __future__ import annotations

import pytest
from pytest_bdd import scenarios

# `registry` depends on the parametrized `db_url`: asking for it here runs every scenario on both backends.
pytestmark = pytest.mark.usefixtures("registry")

scenarios(".")
