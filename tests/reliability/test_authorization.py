"""The role x command matrix (tests/registry/items/test_rule_matrix.py) through every write path on a real store: at the
status where the right person's command is carried out, everyone else's is refused by the same rule through
`Registry.execute`, `Registry.execute_all` (and the whole batch rolls back), the `registry` CLI (exit 4) and
`registry import`; and nothing about the people behind the catalog reaches the public API, checkpoints included.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from events.checkpoint import create_key, load_signer
from events.database import open_engine
from events.envelope import Metadata
from events.event import ItemEvent
from events.schema import checkpoints
from registry.items.command import DraftItem, ItemCommand
from registry.profile import load_profile
from registry.rules import Rule, RuleViolation
from registry.schema import upgrade
from registry.service import Registry
from registry.transfer.importing import import_catalog
from tests.api.office import Office
from tests.api.server import Api, serving
from tests.api.test_canary import every_field, schema_of
from tests.conftest import Result
from tests.registry.items.test_rule_matrix import ACTORS, COMMANDS, ELEMENTS, HISTORIES, MATRIX, NOON, expected, state
from tests.reliability.catalog_file import write_catalog_csv
from tests.signing import signed_registry

Cli = Callable[..., Result]


def refusals() -> list[tuple[str, str, str, Rule]]:
    """(command, actor, status, rule): each command at the first status it acts on, by everyone the matrix refuses."""
    found = []
    for command, (_, _, acts_on) in MATRIX.items():
        status = next(iter(acts_on))
        for actor_name in ACTORS:
            want = expected(command, actor_name, status)
            if isinstance(want, Rule):
                found.append((command, actor_name, status, want))
    return found


REFUSALS = refusals()


def item_at(status: str) -> str:
    return f"m-{list(HISTORIES).index(status):02d}"


def command_for(command: str, actor_name: str, status: str) -> ItemCommand:
    return COMMANDS[command](ACTORS[actor_name][0]).model_copy(update={"item_id": item_at(status)})


@pytest.fixture(scope="module")
def matrix(module_db_url: str) -> Iterator[Registry]:
    """One item at each status of the matrix (its events appended as the matrix's histories say), and the matrix's
    actors registered, so that the CLI can act as them."""
    engine = open_engine(module_db_url)
    upgrade(engine)
    registry = signed_registry(engine)
    admin = ACTORS["admin"][0]
    registry.register_actor(admin.actor_id, admin.unit, admin.roles)
    for name, (actor, _) in ACTORS.items():
        if name != "admin":
            registry.register_actor(actor.actor_id, actor.unit, actor.roles, admin)
    for status, steps in HISTORIES.items():
        item_id = item_at(status)
        for version, (event, by) in enumerate(steps):
            renamed: ItemEvent = event.model_copy(update={"item_id": item_id})
            with registry.store.writing() as conn:
                result = registry.store.append(conn, item_id, version, [renamed], Metadata(actor=by))
                registry.after_append(conn, result)
    yield registry
    engine.dispose()


def test_the_matrix_items_stand_where_the_matrix_says(matrix: Registry) -> None:
    assert {s: matrix.load(item_at(s))[0].status for s in HISTORIES if s != "new"} == {
        s: state(s).status for s in HISTORIES if s != "new"
    }
    assert len(REFUSALS) > 100


def test_every_refusal_of_the_matrix_holds_through_registry_execute(matrix: Registry) -> None:
    before = matrix.store.head()
    wrong = []
    for command, actor_name, status, rule in REFUSALS:
        try:
            matrix.execute(command_for(command, actor_name, status), command_id=str(uuid.uuid4()))
        except RuleViolation as refusal:
            if refusal.rule is not rule:
                wrong.append((command, actor_name, status, rule.code, refusal.rule.code))
        else:
            wrong.append((command, actor_name, status, rule.code, "carried out"))

    assert wrong == []
    assert matrix.store.head() == before


def test_every_refusal_of_the_matrix_holds_through_execute_all_and_rolls_the_batch_back(matrix: Registry) -> None:
    before = matrix.store.head()
    drafter = ACTORS["drafter of 财政局"][0]
    wrong = []
    for command, actor_name, status, rule in REFUSALS:
        harmless = DraftItem(
            item_id=f"batch-{uuid.uuid4().hex[:8]}", actor=drafter, at=NOON, domain="财政预决算", elements=ELEMENTS
        )
        try:
            matrix.execute_all([harmless, command_for(command, actor_name, status)])
        except RuleViolation as refusal:
            if refusal.rule is not rule or "command 2 of 2" not in refusal.message:
                wrong.append((command, actor_name, status, rule.code, str(refusal)))
        else:
            wrong.append((command, actor_name, status, rule.code, "carried out"))

    assert wrong == []
    assert matrix.store.head() == before


# The CLI costs a second a command: one refusal of each rule the matrix uses, on each backend.
CLI_COMMANDS: dict[str, list[str]] = {
    "draft": ["draft", "--domain", "财政预决算", "--name", "政府预算"],
    "submit": ["submit"],
    "pass 初审": ["review", "--stage", "preliminary", "--pass"],
    "pass 合法性审查": ["review", "--stage", "legality", "--pass"],
    "approve": ["approve", "--reference", "2020年第15次政府常务会议"],
    "publish": ["publish"],
}
CLI_CASES = list({rule: (c, a, s, rule) for c, a, s, rule in REFUSALS if c in CLI_COMMANDS}.values())


@pytest.mark.parametrize(("command", "actor_name", "status", "rule"), CLI_CASES, ids=[r[3].code for r in CLI_CASES])
def test_a_refusal_of_each_rule_holds_through_the_cli(
    matrix: Registry, module_db_url: str, cli: Cli, command: str, actor_name: str, status: str, rule: Rule
) -> None:
    before = matrix.store.head()
    actor = ACTORS[actor_name][0].actor_id
    words = CLI_COMMANDS[command]
    target = ["--id", item_at(status)] if command == "draft" else [item_at(status)]

    done = cli("--db", module_db_url, "--as", actor, words[0], *target, *words[1:])

    assert done.code == 4, done.out + done.err
    assert done.err.startswith(f"refused [{rule.code}]: "), done.err
    assert matrix.store.head() == before


@pytest.mark.parametrize("importer", ["drafter of 民政局", "preliminary reviewer of 政务服务局", "admin"])
def test_an_import_into_another_units_catalog_is_refused_before_the_file_is_read(
    matrix: Registry, tmp_path: Path, importer: str
) -> None:
    """Refused whole, not row by row: a dry run's report would tell which of the unit's items the rows match."""
    before = matrix.store.head()

    with pytest.raises(RuleViolation) as refused:
        import_catalog(
            matrix,
            write_catalog_csv(tmp_path / "财政局.csv", ["国有资产报告", "政府债务"]),
            unit="财政局",
            actor=ACTORS[importer][0],
            dry_run=True,
        )

    assert refused.value.rule is Rule.DRAFTING_UNIT
    assert matrix.store.head() == before


def test_registry_import_into_another_units_catalog_exits_4(
    matrix: Registry, module_db_url: str, cli: Cli, tmp_path: Path
) -> None:
    before = matrix.store.head()
    path = write_catalog_csv(tmp_path / "财政局.csv", ["国有资产报告"])

    done = cli(
        "--db", module_db_url, "--as", ACTORS["drafter of 民政局"][0].actor_id, "import", str(path), "--unit", "财政局"
    )

    assert done.code == 4, done.out + done.err
    assert Rule.DRAFTING_UNIT.code in done.out + done.err
    assert matrix.store.head() == before


# -- no identity leaks, checkpoints included --------------------------------------------------------------------


def canary(where: str) -> str:
    return f"金丝雀{where}{uuid.uuid4().hex[:10]}"


@dataclass(frozen=True)
class Canaries:
    api: Api
    secrets: list[str]
    sizes: list[int]


@pytest.fixture
def canaries(db_url: str, tmp_path: Path) -> Iterator[Canaries]:
    """Actors named by canaries, comments that are canaries, on a registry that signs checkpoints; served."""
    engine = open_engine(db_url)
    upgrade(engine)
    profile = load_profile()
    key = tmp_path / "registry.key"
    create_key(key)
    registry = Registry(engine, profile, load_signer(key, f"catalog-registry/{profile.jurisdiction}"))
    registry.register_signing_key(None)  # as `registry init` does
    keys = ("admin", "preliminary", "legality", "approver", "publisher", "drafter:财政局")
    names = {key: canary(f"人员{number}") for number, key in enumerate(keys)}
    comments = [canary("comment") for _ in range(4)]
    office = Office(registry, names=names)
    office.draft("pub-1")
    office.submit("pub-1")
    office.pass_preliminary("pub-1", comment=comments[0])
    office.pass_legality("pub-1", comment=comments[1])
    office.approve("pub-1", comment=comments[2])
    office.publish("pub-1")
    office.publish_new("ret-1")
    office.retire("ret-1")
    office.draft("rej-1")
    office.submit("rej-1")
    office.pass_preliminary("rej-1")
    office.reject_at_legality("rej-1", comments[3])
    with registry.store.reading() as conn:
        sizes = [int(s) for s in conn.execute(select(checkpoints.c.size).order_by(checkpoints.c.size)).scalars()]
    with serving(engine, profile) as api:
        yield Canaries(api, [*names.values(), *comments], sizes)
    engine.dispose()


def arguments_for(name: str, field: Any, sizes: list[int]) -> list[str]:
    """Argument lists that make root field `name` answer with data (an id that exists, the checkpoints' sizes)."""
    given: dict[str, str] = {}
    if "first" in field.args:  # every row of this small registry, within the API's cost limit
        given["first"] = "50"
    if "from" in field.args and "to" in field.args:
        given |= {"from": str(sizes[0]), "to": str(sizes[-1])}
    if "size" in field.args and sizes:
        given["size"] = str(sizes[-1])
    calls = [given] if "id" not in field.args else [{**given, "id": json.dumps(i)} for i in ("pub-1", "ret-1", "rej-1")]
    return [", ".join(f"{key}: {value}" for key, value in call.items()) for call in calls]


def test_no_public_response_names_an_actor_or_holds_a_comment(canaries: Canaries) -> None:
    schema = schema_of(canaries.api)
    assert schema.query_type is not None
    assert len(canaries.sizes) >= 2
    asked = []
    for name, field in schema.query_type.fields.items():
        for number, written in enumerate(arguments_for(name, field, canaries.sizes)):
            asked.append(f"{name}_{number}: {name}{f'({written})' if written else ''} {every_field(field.type)}")

    response = canaries.api.post("{ " + "\n".join(asked) + " }")

    assert response.status_code == 200
    assert "errors" not in response.json(), response.json()["errors"]
    data = json.dumps(response.json(), ensure_ascii=False)
    assert [secret for secret in canaries.secrets if secret in data or secret in response.text] == []
    assert any(str(size) in data for size in canaries.sizes)  # the checkpoints were there to be looked at
