"""`registry verify` covers the new-media account streams: the hash chain and the Merkle tree over their events, the
checkpoint each publication signs, and the media_accounts projection against a fresh fold; on SQLite and PostgreSQL,
through the real CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select, update

from events.account import AccountElements
from events.schema import events
from projections.schema import media_accounts
from registry.accounts.command import FileAccount, PublishAccount, ReviewAccount
from registry.accounts.service import Accounts
from registry.actor import Role
from registry.service import Registry
from tests.conftest import Result

Cli = Callable[..., Result]


def published_account(registry: Registry) -> int:
    """One account filed, reviewed and published; returns the position of its filing."""
    registry.register_actor("管理员", "政务服务局", frozenset({Role.ADMIN}))
    admin = registry.actor("管理员")
    for name, unit, role in (
        ("陈公安", "公安局", Role.DRAFTER),
        ("孙初审", "政务服务局", Role.PRELIMINARY_REVIEWER),
        ("吴发布", "政务服务局", Role.PUBLISHER),
    ):
        registry.register_actor(name, unit, frozenset({role}), admin)
    accounts, now = Accounts(registry), datetime.now(UTC)
    elements = AccountElements(
        name="鄂托克前旗公安", platform="微信公众号", handle="gh_verify", certified_as="公安局", contact="王警官"
    )
    filed = accounts.execute(FileAccount(account_id="wx", actor=registry.actor("陈公安"), at=now, elements=elements))
    accounts.execute(ReviewAccount(account_id="wx", actor=registry.actor("孙初审"), at=now, stage="preliminary"))
    accounts.execute(PublishAccount(account_id="wx", actor=registry.actor("吴发布"), at=now))
    return filed.position


def verify(cli: Cli, db_url: str) -> tuple[int, dict[str, object]]:
    result = cli("--db", db_url, "verify", "--json")
    assert "Traceback" not in result.err, result.err
    return result.code, json.loads(result.out)


def test_a_registry_with_accounts_verifies(registry: Registry, db_url: str, cli: Cli) -> None:
    published_account(registry)

    code, report = verify(cli, db_url)

    assert (code, report["ok"]) == (0, True)


def test_an_account_event_edited_behind_the_registrys_back_is_named_by_its_position(
    registry: Registry, db_url: str, cli: Cli
) -> None:
    filing = published_account(registry)
    with registry.engine.begin() as conn:
        payload = json.loads(conn.execute(select(events.c.payload).where(events.c.position == filing)).scalar_one())
        payload["elements"]["certified_as"] = "某某文化传媒有限公司"
        conn.execute(update(events).where(events.c.position == filing).values(payload=json.dumps(payload)))

    code, report = verify(cli, db_url)

    assert (code, report["first_bad_position"]) == (6, filing)


def test_the_account_list_changed_behind_the_logs_back_is_a_projection_problem_that_rebuild_repairs(
    registry: Registry, db_url: str, cli: Cli
) -> None:
    published_account(registry)
    with registry.engine.begin() as conn:
        conn.execute(update(media_accounts).values(status="closed"))

    code, report = verify(cli, db_url)
    repaired = cli("--db", db_url, "rebuild")
    after, again = verify(cli, db_url)

    problems = report["projection_problems"]
    assert code == 6 and isinstance(problems, list) and any("media_accounts" in str(p) for p in problems)
    assert repaired.code == 0 and (after, again["ok"]) == (0, True)
