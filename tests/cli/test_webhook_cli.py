"""`registry webhook ...` and `registry deliver` through the real console script, on SQLite and PostgreSQL: the secret
shown once and kept nowhere, an admin's acts recorded in the subscription's stream, refusals that record nothing, and
deliveries to a receiver on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from standardwebhooks.webhooks import Webhook

from events.schema import events
from registry.service import Registry
from tests.api.office import Office
from tests.conftest import Result
from tests.webhook_receiver import Receiver

Cli = Callable[..., Result]
ADMIN = "管理员"  # the office's admin
SECRET = re.compile(r"(?<![\w/])whsec_[A-Za-z0-9+/]{43}=")  # 32 bytes in base64


@pytest.fixture
def office(registry: Registry) -> Office:
    return Office(registry)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    yield started
    started.stop()


def add(cli: Cli, db_url: str, url: str, *options: str) -> tuple[str, str]:
    """`webhook add` by the admin: the subscription's id and the secret it printed."""
    done = cli("--db", db_url, "--as", ADMIN, "webhook", "add", url, "--name", "融媒体中心", *options, "--json")
    assert done.code == 0, done
    added = json.loads(done.out)
    return added["id"], added["secret"]


def listed(cli: Cli, db_url: str) -> list[dict[str, Any]]:
    done = cli("--db", db_url, "webhook", "list", "--json")
    assert done.code == 0, done
    rows: list[dict[str, Any]] = json.loads(done.out)
    return rows


def log_of(registry: Registry) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(stream, type, payload, metadata) of every event."""
    with registry.engine.connect() as conn:
        rows = conn.execute(
            select(events.c.stream_id, events.c.type, events.c.payload, events.c.metadata).order_by(events.c.position)
        ).all()
    return [(r.stream_id, r.type, json.loads(r.payload), json.loads(r.metadata)) for r in rows]


def sqlite_files(db_url: str) -> list[Path]:
    """The SQLite database file and its journal files, when the registry is one."""
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return []
    base = Path(url.database)
    return [path for path in (base, Path(f"{base}-wal"), Path(f"{base}-journal")) if path.exists()]


# -- the secret --------------------------------------------------------------------------------------------------------


def test_add_prints_the_signing_secret_once_and_list_and_deliveries_never_show_it(
    office: Office, db_url: str, cli: Cli
) -> None:
    added = cli("--db", db_url, "--as", ADMIN, "webhook", "add", "http://127.0.0.1:9/hooks", "--name", "融媒体中心")

    assert added.code == 0, added
    secrets = SECRET.findall(added.out)
    assert len(secrets) == 1, added.out
    subscription = listed(cli, db_url)[0]["id"]
    shown = [
        cli("--db", db_url, "webhook", "list"),
        cli("--db", db_url, "webhook", "list", "--json"),
        cli("--db", db_url, "webhook", "list", "--removed", "--json"),
        cli("--db", db_url, "webhook", "deliveries", subscription),
        cli("--db", db_url, "webhook", "deliveries", subscription, "--json"),
    ]
    for done in shown:
        assert done.code == 0, done
        assert subscription in done.out
        assert "whsec_" not in done.out + done.err
        assert secrets[0].removeprefix("whsec_") not in done.out + done.err


def test_the_secret_is_in_neither_the_database_nor_the_log(office: Office, db_url: str, cli: Cli) -> None:
    _subscription, secret = add(cli, db_url, "http://127.0.0.1:9/hooks", "--kind", "取消")
    encoded = secret.removeprefix("whsec_")
    raw = base64.b64decode(encoded)  # the secret's bytes, as the deliverer signs with them

    for stream, kind, payload, metadata in log_of(office.registry):
        text = json.dumps([stream, kind, payload, metadata], ensure_ascii=False)
        assert encoded not in text and raw.hex() not in text, kind
    for path in sqlite_files(db_url):
        contents = path.read_bytes()
        assert encoded.encode() not in contents and raw not in contents, path
    assert sqlite_files(db_url) or db_url.startswith("postgresql")


# -- refusals ----------------------------------------------------------------------------------------------------------


def test_a_non_admin_is_refused_with_the_rule_and_nothing_is_recorded(
    office: Office, db_url: str, cli: Cli, tmp_path: Path
) -> None:
    before = office.registry.store.head()
    key_file = tmp_path / "webhook.key"

    done = cli(
        "--db",
        db_url,
        "--as",
        "吴发布",
        "webhook",
        "add",
        "http://127.0.0.1:9/hooks",
        "--name",
        "融媒体中心",
        env={"REGISTRY_WEBHOOK_KEY_FILE": str(key_file)},
    )

    assert done.code == 4, done
    assert done.err.startswith("refused [推送订阅]: ") and "admin" in done.err, done.err
    assert "whsec_" not in done.out + done.err
    assert office.registry.store.head() == before
    assert listed(cli, db_url) == []
    assert not key_file.exists(), "a refused subscription created the deployment's webhook key"


def test_an_admin_act_on_a_subscription_by_a_non_admin_is_refused(office: Office, db_url: str, cli: Cli) -> None:
    subscription, _secret = add(cli, db_url, "http://127.0.0.1:9/hooks")
    before = office.registry.store.head()

    refused = [
        cli("--db", db_url, "--as", "吴发布", "webhook", *act, subscription)
        for act in (("pause",), ("resume",), ("remove",), ("replay", "--from", "1"))
    ]

    assert [done.code for done in refused] == [4, 4, 4, 4], refused
    assert all(done.err.startswith("refused [推送订阅]: ") for done in refused), refused
    assert office.registry.store.head() == before
    assert listed(cli, db_url)[0]["status"] == "active"


@pytest.mark.parametrize(
    "url",
    [
        "http://user:password@127.0.0.1:9/hooks",
        "ftp://127.0.0.1/hooks",
        "http://127.0.0.1:9/hooks#fragment",
        "127.0.0.1:9/hooks",
    ],
    ids=["credentials", "ftp", "fragment", "no scheme"],
)
def test_a_bad_url_is_refused_naming_the_url_and_nothing_is_recorded(
    office: Office, db_url: str, cli: Cli, url: str
) -> None:
    before = office.registry.store.head()

    done = cli("--db", db_url, "--as", ADMIN, "webhook", "add", url, "--name", "融媒体中心")

    assert done.code == 4, done
    assert done.err.startswith("refused [推送订阅]: ") and "URL" in done.err, done.err
    assert "Traceback" not in done.err and "whsec_" not in done.out
    assert office.registry.store.head() == before
    assert listed(cli, db_url) == []


@pytest.mark.parametrize(
    ("option", "value"), [("--domain", "不存在"), ("--kind", "其他"), ("--unit", "不存在局"), ("--level", "省级")]
)
def test_a_bad_filter_exits_2_naming_the_option_and_nothing_is_recorded(
    office: Office, db_url: str, cli: Cli, option: str, value: str
) -> None:
    before = office.registry.store.head()

    done = cli(
        "--db", db_url, "--as", ADMIN, "webhook", "add", "http://127.0.0.1:9/hooks", "--name", "x", option, value
    )

    assert done.code == 2, done
    assert f"{option}:" in done.err and value in done.err, done.err
    assert "Traceback" not in done.err and "whsec_" not in done.out
    assert office.registry.store.head() == before
    assert listed(cli, db_url) == []


# -- the admin's acts in the log ---------------------------------------------------------------------------------------


def test_add_pause_resume_replay_and_remove_are_events_of_the_subscription_stream_by_the_admin(
    office: Office, db_url: str, cli: Cli
) -> None:
    subscription, _secret = add(cli, db_url, "http://127.0.0.1:9/hooks", "--domain", "社会救助", "--kind", "变更")

    acts = [
        cli("--db", db_url, "--as", ADMIN, "webhook", "pause", subscription),
        cli("--db", db_url, "--as", ADMIN, "webhook", "resume", subscription),
        cli("--db", db_url, "--as", ADMIN, "webhook", "replay", subscription, "--from", "1"),
        cli("--db", db_url, "--as", ADMIN, "webhook", "remove", subscription),
    ]

    assert [done.code for done in acts] == [0, 0, 0, 0], acts
    recorded = [
        (kind, payload, meta)
        for stream, kind, payload, meta in log_of(office.registry)
        if stream.startswith("webhook:")
    ]
    assert {stream for stream, *_rest in log_of(office.registry) if stream.startswith("webhook:")} == {
        f"webhook:{subscription}"
    }
    assert [kind for kind, _payload, _meta in recorded] == [
        "WebhookSubscribed",
        "WebhookPaused",
        "WebhookResumed",
        "WebhookReplayed",
        "WebhookRemoved",
    ]
    assert all(meta["actor"] == ADMIN and meta["role"] == "admin" for _kind, _payload, meta in recorded)
    subscribed = recorded[0][1]
    assert (subscribed["subscription_id"], subscribed["url"], subscribed["name"]) == (
        subscription,
        "http://127.0.0.1:9/hooks",
        "融媒体中心",
    )
    assert (subscribed["domain"], subscribed["kind"]) == ("社会救助", "change")
    assert recorded[3][1]["from_position"] == 1
    assert listed(cli, db_url) == []
    assert [row["status"] for row in json.loads(cli("--db", db_url, "webhook", "list", "--removed", "--json").out)] == [
        "removed"
    ]


# -- registry deliver --------------------------------------------------------------------------------------------------


def test_deliver_once_delivers_to_a_local_receiver_and_prints_the_counts(
    office: Office, db_url: str, cli: Cli, receiver: Receiver
) -> None:
    subscription, secret = add(cli, db_url, receiver.url)
    office.publish_new("czj-1", name="政府预算")
    office.publish_new("czj-2", name="部门预算")

    delivered = cli("--db", db_url, "deliver", "--once", "--json")
    again = cli("--db", db_url, "deliver", "--once")
    deliveries = cli("--db", db_url, "webhook", "deliveries", subscription, "--json")

    assert delivered.code == 0, delivered
    assert json.loads(delivered.out) == {"delivered": 2, "failed": 0, "given_up": 0, "disabled": 0}
    assert again.code == 0 and again.out.strip().startswith("0 delivered, 0 failed"), again
    bodies = [Webhook(secret).verify(r.body, r.headers) for r in receiver.received()]
    assert [body["data"]["itemId"] for body in bodies] == ["czj-1", "czj-2"]
    attempts = json.loads(deliveries.out)["attempts"]
    assert [(a["outcome"], a["status_code"], a["webhook_id"]) for a in attempts] == [
        ("delivered", 200, r.webhook_id) for r in reversed(receiver.received())
    ]


def test_deliver_finds_the_key_named_by_registry_webhook_key_file(
    office: Office, db_url: str, cli: Cli, receiver: Receiver, tmp_path: Path
) -> None:
    key_file = {"REGISTRY_WEBHOOK_KEY_FILE": str(tmp_path / "elsewhere" / "webhooks.key")}
    added = cli(
        "--db", db_url, "--as", ADMIN, "webhook", "add", receiver.url, "--name", "融媒体中心", "--json", env=key_file
    )
    office.publish_new("czj-1")

    without = cli("--db", db_url, "deliver", "--once")
    delivered = cli("--db", db_url, "deliver", "--once", "--json", env=key_file)

    assert added.code == 0 and (tmp_path / "elsewhere" / "webhooks.key").exists(), added
    assert without.code == 2, without
    assert delivered.code == 0 and json.loads(delivered.out)["delivered"] == 1, delivered
    Webhook(json.loads(added.out)["secret"]).verify(receiver.received()[0].body, receiver.received()[0].headers)


def test_deliver_without_a_webhook_key_exits_2_saying_where_the_key_should_be(
    db_url: str, cli: Cli, tmp_path: Path
) -> None:
    cli("--db", db_url, "init")
    missing = tmp_path / "nowhere" / "webhooks.key"

    done = cli("--db", db_url, "deliver", "--once", env={"REGISTRY_WEBHOOK_KEY_FILE": str(missing)})

    assert done.code == 2, done
    assert str(missing) in done.err and "registry webhook add" in done.err, done.err
    assert "Traceback" not in done.err
