"""The second jurisdiction profile, 鄂托克旗 (registry/profiles/etuokeqi.toml): it loads with the project's loader, it
is a jurisdiction of its own, its 26 domains are held by its own units, and a registry with it publishes an item."""

from __future__ import annotations

from pathlib import Path

from events.database import open_engine
from events.elements import ItemElements
from events.event import ReviewStage
from events.status import Status
from projections import public_query
from registry.actor import Role
from registry.items.command import ApproveItem, DraftItem, ItemCommand, PassReview, PublishItem, SubmitItem
from registry.profile import Profile, load_profile
from registry.service import Registry, now
from tests.conftest import initialise
from tests.signing import signed_registry, signer_for

PROFILES = Path(__file__).parents[2] / "registry/profiles"
CODE = "etuokeqi"
DEFAULT_CODE = "etuokeqianqi"  # the file registry.profile.load_profile() reads when given no path
DEFAULT = load_profile()


def second_profile() -> Profile:
    return load_profile(PROFILES / f"{CODE}.toml")


def test_the_second_profile_loads_with_the_project_s_loader() -> None:
    profile = second_profile()

    assert profile.jurisdiction == "鄂托克旗"
    assert profile.units and profile.domains


def test_its_jurisdiction_name_and_code_are_not_the_default_profile_s() -> None:
    profile = second_profile()

    assert load_profile(PROFILES / f"{DEFAULT_CODE}.toml") == DEFAULT
    assert profile.jurisdiction != DEFAULT.jurisdiction
    assert CODE != DEFAULT_CODE
    # Its checkpoints are signed as another jurisdiction's log: each verifiable on its own.
    assert signer_for(profile).origin != signer_for(DEFAULT).origin


def test_each_of_the_26_domains_has_a_responsible_unit_of_this_profile() -> None:
    profile = second_profile()
    units = {unit.name for unit in profile.units}

    assert len(DEFAULT.domains) == 26
    assert [domain.name for domain in profile.domains] == [domain.name for domain in DEFAULT.domains]
    assert all(domain.pilot for domain in profile.domains)
    # The canonical name, not an alias: registry.items.rules.owning_unit compares the drafter's unit with it.
    held_by_no_unit = {d.name: d.responsible_unit for d in profile.domains if d.responsible_unit not in units}
    assert held_by_no_unit == {}


def test_no_unit_name_or_alias_names_the_default_banner() -> None:
    profile = second_profile()
    names = [name for unit in profile.units for name in (unit.name, *unit.aliases)]
    names += [profile.review_unit, profile.legal_unit, *(domain.responsible_unit for domain in profile.domains)]

    assert DEFAULT.jurisdiction == "鄂托克前旗"
    assert [name for name in names if DEFAULT.jurisdiction in name] == []


def test_a_registry_with_the_second_profile_drafts_reviews_approves_and_publishes_an_item(sqlite_url: str) -> None:
    profile = second_profile()
    engine = open_engine(sqlite_url)
    initialise(engine)
    try:
        registry = signed_registry(engine, profile)
        publish_one_item(registry, profile)

        state, _ = registry.load(ITEM)
        assert state.status == Status.PUBLISHED
        assert (state.domain, state.unit) == (DOMAIN, "城市管理综合行政执法局")
        assert state.published is not None and state.published.version == 1
        with engine.connect() as conn:
            public = public_query.item(conn, ITEM, None)
        assert public is not None and (public["domain"], public["unit"]) == (DOMAIN, "城市管理综合行政执法局")
    finally:
        engine.dispose()


ITEM = "etk-cszhzf-1"
DOMAIN = "城市综合执法"  # held by a unit the default profile does not have
ELEMENTS = ItemElements(
    category="行政处罚",
    name="行政处罚结果",
    content="行政处罚决定书：违法主体、违法事实、处罚依据、处罚结果",
    basis="《中华人民共和国行政处罚法》第四十八条",
    time_limit="作出行政处罚决定之日起7个工作日内",
    body="城市管理综合行政执法局",
    channels=("政府网站",),
    audience=("public",),
    method=("proactive",),
    levels=("county",),
)


def publish_one_item(registry: Registry, profile: Profile) -> None:
    """Take ITEM from drafting to publication, each step by an actor of the unit the profile gives that step."""
    registry.register_actor("管理员", profile.review_unit, frozenset({Role.ADMIN}))
    admin = registry.actor("管理员")
    drafting_unit = next(domain.responsible_unit for domain in profile.domains if domain.name == DOMAIN)
    for name, unit, role in (
        ("起草人", drafting_unit, Role.DRAFTER),
        ("初审人", profile.review_unit, Role.PRELIMINARY_REVIEWER),
        ("合法性审查人", profile.legal_unit, Role.LEGALITY_REVIEWER),
        ("审议人", "旗人民政府", Role.APPROVER),
        ("发布人", profile.review_unit, Role.PUBLISHER),
    ):
        registry.register_actor(name, unit, frozenset({role}), admin)
    commands: list[ItemCommand] = [
        DraftItem(item_id=ITEM, actor=registry.actor("起草人"), at=now(), domain=DOMAIN, elements=ELEMENTS),
        SubmitItem(item_id=ITEM, actor=registry.actor("起草人"), at=now()),
        PassReview(item_id=ITEM, actor=registry.actor("初审人"), at=now(), stage=ReviewStage.PRELIMINARY),
        PassReview(item_id=ITEM, actor=registry.actor("合法性审查人"), at=now(), stage=ReviewStage.LEGALITY),
        ApproveItem(item_id=ITEM, actor=registry.actor("审议人"), at=now(), reference="2024年第3次政府常务会议"),
        PublishItem(item_id=ITEM, actor=registry.actor("发布人"), at=now()),
    ]
    for command in commands:
        registry.execute(command)
