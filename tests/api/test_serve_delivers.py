"""`registry serve` delivers the webhooks in the background, with the key beside the database: also a key made
while it runs (the first `webhook add`); with --no-deliver it leaves them to `registry deliver`."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from events.checkpoint import create_key, load_signer
from events.database import open_engine
from registry.profile import load_profile
from registry.service import Registry
from tests.api.office import Office
from tests.api.server import serve_process
from tests.conftest import REGISTRY_BIN, initialise
from tests.webhook_receiver import Receiver

WAIT = 20.0  # seconds for a delivery to arrive


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    create_key(tmp_path / "registry.key")  # where `registry serve` and the CLI look for a SQLite file's key
    engine = open_engine(url)
    initialise(engine)
    profile = load_profile()
    registry = Registry(
        engine, profile, load_signer(tmp_path / "registry.key", f"catalog-registry/{profile.jurisdiction}")
    )
    registry.register_signing_key(None)
    yield Office(registry)
    engine.dispose()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver()
    yield started
    started.stop()
    assert started.errors == []


def add(tmp_path: Path, office: Office, url: str) -> tuple[str, str]:
    """`registry webhook add` through the real CLI: the subscription's id and its secret."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    database = f"sqlite:///{tmp_path / 'registry.db'}"
    done = subprocess.run(
        [
            str(REGISTRY_BIN),
            "--db",
            database,
            "--as",
            office.names["admin"],
            "webhook",
            "add",
            url,
            "--name",
            "融媒体中心",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        check=True,
    )
    printed = json.loads(done.stdout)
    return printed["id"], printed["secret"]


def wait_for(receiver: Receiver, count: int, seconds: float = WAIT) -> None:
    deadline = time.monotonic() + seconds
    while len(receiver.requests) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_serve_delivers_to_a_subscription_added_while_it_runs(
    tmp_path: Path, office: Office, receiver: Receiver
) -> None:
    with serve_process(REGISTRY_BIN, f"sqlite:///{tmp_path / 'registry.db'}", tmp_path):
        assert not (tmp_path / "registry.push.webhook-key").exists()
        subscription, secret = add(tmp_path, office, receiver.url)  # makes the key while the server runs
        office.backfill = False
        office.publish_new("czj-1", name="政府预算")
        wait_for(receiver, 1)

    assert len(receiver.requests) == 1, (tmp_path / "serve.log").read_text()
    request = receiver.requests[0]
    body = Webhook(secret).verify(request.body, dict(request.headers))
    assert body["data"]["itemId"] == "czj-1"
    assert request.headers["webhook-id"].startswith(f"msg_{subscription}_")
    assert secret not in (tmp_path / "serve.log").read_text()


def test_serve_with_no_deliver_leaves_the_webhooks_to_registry_deliver(
    tmp_path: Path, office: Office, receiver: Receiver
) -> None:
    add(tmp_path, office, receiver.url)
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    with serve_process(REGISTRY_BIN, url, tmp_path, "--no-deliver"):
        office.backfill = False
        office.publish_new("czj-1", name="政府预算")
        wait_for(receiver, 1, 3.0)  # the whole wait (a dozen polls of a delivering server): nothing may come
        assert receiver.requests == []
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    subprocess.run([str(REGISTRY_BIN), "--db", url, "deliver", "--once"], env=environment, cwd=tmp_path, check=True)
    assert len(receiver.requests) == 1
