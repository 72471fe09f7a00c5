"""`registry show` of a retired item: that it was retired, when, why, on whose approval, and the last published
version, through the installed entry point on a SQLite file."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

from events.database import open_engine
from events.event import ReviewStage
from registry.items.command import ApproveItem, PassReview, PublishItem, RetireItem, SubmitItem
from registry.schema import upgrade
from registry.service import Registry, now
from tests.cli.test_lifecycle import BUDGET, ITEM, REFERENCE, publish_budget
from tests.conftest import REGISTRY_BIN, Result
from tests.signing import signed_registry

RETIREMENT_REFERENCE = "2024年第9次政府常务会议"
TRIGGER, REASON = "上级取消", "并入财政预决算公开事项"


def retire_budget(registry: Registry) -> None:
    """Publish version 1 of ITEM, then carry its retirement (version 2) through review, approval and publication."""
    publish_budget(registry)
    drafter = registry.actor("李财政")
    registry.execute(RetireItem(item_id=ITEM, actor=drafter, at=now(), trigger=TRIGGER, reason=REASON))
    registry.execute(SubmitItem(item_id=ITEM, actor=drafter, at=now()))
    registry.execute(PassReview(item_id=ITEM, actor=registry.actor("孙初审"), at=now(), stage=ReviewStage.PRELIMINARY))
    registry.execute(PassReview(item_id=ITEM, actor=registry.actor("周法务"), at=now(), stage=ReviewStage.LEGALITY))
    registry.execute(
        ApproveItem(item_id=ITEM, actor=registry.actor("王审议"), at=now(), reference=RETIREMENT_REFERENCE)
    )
    registry.execute(PublishItem(item_id=ITEM, actor=registry.actor("吴发布"), at=now()))


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding registry.db, in which ITEM was published and then retired."""
    directory = tmp_path_factory.mktemp("retired")
    engine = open_engine(f"sqlite:///{directory / 'registry.db'}")
    upgrade(engine)
    retire_budget(signed_registry(engine))
    engine.dispose()
    return directory


def registry_cli(directory: Path, *args: str) -> Result:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    environment["LANG"] = environment["LC_ALL"] = "C.UTF-8"  # the English messages
    done = subprocess.run(
        [str(REGISTRY_BIN), "--db", "sqlite:///registry.db", *args],
        capture_output=True,
        text=True,
        cwd=directory,
        env=environment,
        timeout=120,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def history(directory: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(registry_cli(directory, "history", ITEM, "--json").out)
    return rows


def test_show_of_a_retired_item_exits_0_saying_it_was_retired_why_and_on_whose_approval(directory: Path) -> None:
    shown = registry_cli(directory, "show", ITEM)

    assert shown.code == 0, shown.err
    text = " ".join(shown.out.split())  # rich may wrap long lines
    assert "retired" in text
    assert TRIGGER in text and REASON in text
    assert RETIREMENT_REFERENCE in text and "旗人民政府" in text


def test_show_of_a_retired_item_prints_the_last_published_version_and_the_history_hint(directory: Path) -> None:
    shown = registry_cli(directory, "show", ITEM)

    text = " ".join(shown.out.split())
    assert BUDGET.content in text and REFERENCE in text
    hint = shown.out.rsplit("its whole record: ", 1)[1].strip()  # as the user can run it, --db included
    assert hint.endswith(f"--db sqlite:///registry.db history {ITEM}")
    followed = subprocess.run(shlex.split(hint), capture_output=True, text=True, cwd=directory, timeout=120)
    assert followed.returncode == 0, followed.stderr
    assert "ItemRetired" in followed.stdout or "取消" in followed.stdout


def test_show_json_of_a_retired_item_gives_its_retirement(directory: Path, history: list[dict[str, Any]]) -> None:
    shown = json.loads(registry_cli(directory, "show", ITEM, "--json").out)

    retired_at = next(row["occurred_at"] for row in history if row["type"] == "ItemRetired")
    approved_at = [row["occurred_at"] for row in history if row["type"] == "ItemApproved"][-1]
    assert shown["status"] == "retired"
    assert shown["retirement"] == {
        "version": 2,
        "retired_at": retired_at,
        "trigger": TRIGGER,
        "reason": REASON,
        "approval_reference": RETIREMENT_REFERENCE,
        "approved_by": "旗人民政府",
        "approved_at": approved_at,
        "backfilled": False,
    }


def test_show_json_of_a_retired_item_gives_the_last_published_version(directory: Path) -> None:
    shown = json.loads(registry_cli(directory, "show", ITEM, "--json").out)

    assert (shown["version"], shown["published_version"], shown["approval_reference"]) == (1, 1, REFERENCE)
    assert shown["elements"]["content"] == BUDGET.content


def test_show_of_another_version_of_a_retired_item_does_not_call_it_the_last_published(directory: Path) -> None:
    shown = registry_cli(directory, "show", ITEM, "--version", "2")

    assert shown.code == 0, shown.err
    assert "no longer in the public catalog" in shown.out
    assert "last published version" not in shown.out
