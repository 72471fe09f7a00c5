"""`registry serve` serves the staff side too, with the registry's signing key: a publication through it is signed."""

from __future__ import annotations

from pathlib import Path

from events.checkpoint import create_key, load_signer
from events.database import open_engine
from registry.profile import load_profile
from registry.service import Registry
from tests.api.office import Office
from tests.api.server import registry_serve
from tests.api.staff import mutation
from tests.conftest import REGISTRY_BIN, initialise


def test_registry_serve_publishes_through_the_staff_api_with_the_key_beside_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    key = tmp_path / "registry.key"  # where `registry serve` looks for a SQLite file's key
    create_key(key)
    engine = open_engine(url)
    initialise(engine)
    profile = load_profile()
    registry = Registry(engine, profile, load_signer(key, f"catalog-registry/{profile.jurisdiction}"))
    registry.register_signing_key(None)
    office = Office(registry)
    office.draft("czj-yusuan")
    office.review_and_approve("czj-yusuan")
    _token, secret = registry.issue_token(
        office.names["publisher"], "发布系统", frozenset(), None, office.actors["admin"]
    )
    engine.dispose()

    with registry_serve(REGISTRY_BIN, url, tmp_path, "--session-idle", "10", "--session-lifetime", "8") as api:
        published = api.http.post(
            "/staff/graphql",
            json={"query": mutation("publishItem"), "variables": {"input": {"itemId": "czj-yusuan"}}},
            headers={"Authorization": f"Bearer {secret}"},
        )
        public = api.query('{ item(id: "czj-yusuan") { version proof { treeSize } } }')

    assert published.json()["data"]["result"]["userErrors"] == []
    assert public["item"]["version"] == 1 and public["item"]["proof"]["treeSize"] >= 1
    assert secret not in (tmp_path / "serve.log").read_text()
