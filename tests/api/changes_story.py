"""A story of public changes for the subscribers' tests (projections.public_feed, the Atom feed, the live stream):
what it published, in log order, and which of those each filter should give, worked out here from the story itself.

The registry has a profile of its own with two villages (the packaged profile lists none). Beside the public changes
it holds a draft that was never published and a pending adjustment of a published item, each with a unique canary
string in every text element, and actors whose names are canaries too: none may ever reach a subscriber.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from events.database import open_engine
from registry.profile import Profile, load_profile
from registry.service import Registry
from tests.api.office import Office
from tests.api.server import Api, serving
from tests.conftest import fresh_postgres_schema, initialise
from tests.signing import signed_registry

# The towns of the packaged profile: a village's list holds its own town's items and every non-town unit's.
TOWNS = frozenset({"敖勒召其镇", "城川镇", "上海庙镇", "昂素镇"})
VILLAGES = (
    {"name": "测试甲嘎查", "town": "城川镇"},
    {"name": "测试乙嘎查", "town": "上海庙镇", "aliases": ["测试乙村"]},
)
VILLAGE_TOWN = {"测试甲嘎查": "城川镇", "测试乙嘎查": "上海庙镇"}


def profile_with_villages() -> Profile:
    return Profile.model_validate({**load_profile().model_dump(), "villages": list(VILLAGES)})


def canary(where: str) -> str:
    return f"推送金丝雀{where}{uuid.uuid4().hex[:10]}"


DRAFT_FIELDS = ("category", "name", "subname", "content", "basis", "time_limit", "body", "audience_note")
SECRET = {
    **{f"draft-{name}": canary(f"draft-{name}") for name in DRAFT_FIELDS},
    "draft-channel": canary("draft-channel"),
    **{f"pending-{name}": canary(f"pending-{name}") for name in DRAFT_FIELDS},
    "pending-channel": canary("pending-channel"),
    "pending-trigger": canary("pending-trigger"),
    "pending-reason": canary("pending-reason"),
    "pending-reference": canary("pending-reference"),
    "review-comment": canary("review-comment"),
}
DRAFTING_UNITS = ("财政局", "民政局", "城川镇", "上海庙镇")
ACTOR_KEYS = ("admin", "preliminary", "legality", "approver", "publisher", *(f"drafter:{u}" for u in DRAFTING_UNITS))
ACTOR = {key: canary(f"人员{index}") for index, key in enumerate(ACTOR_KEYS)}


@dataclass(frozen=True)
class Published:
    """A public change as the story made it: the version it concerns is described by its domain, unit, levels."""

    item_id: str
    kind: str  # add, change, cancel
    version: int  # the change's version (for a cancel, the retirement's)
    domain: str
    unit: str
    levels: tuple[str, ...]
    title: str


def matches(
    change: Published,
    *,
    domain: str | None = None,
    unit: str | None = None,
    level: str | None = None,
    village: str | None = None,
    kind: str | None = None,
) -> bool:
    """Whether a subscriber with these filters (canonical names, English values) should get `change`."""
    if domain is not None and change.domain != domain:
        return False
    if unit is not None and change.unit != unit:
        return False
    if level is not None and level not in change.levels:
        return False
    if village is not None and (
        "village" not in change.levels or (change.unit in TOWNS and change.unit != VILLAGE_TOWN[village])
    ):
        return False
    return kind is None or change.kind == kind


@dataclass
class Story:
    registry: Registry
    office: Office
    published: list[Published]

    def expected(self, **flt: str | None) -> list[tuple[str, str, int]]:
        """(item id, kind, version) of the story's changes that `flt` should give, oldest first."""
        return [(c.item_id, c.kind, c.version) for c in self.published if matches(c, **flt)]


def tell(registry: Registry) -> Story:
    """Publish the story on `registry` (its profile must have VILLAGES)."""
    office = Office(registry, names=ACTOR)
    published: list[Published] = []

    def record(item_id: str, kind: str, version: int, domain: str, unit: str, levels: list[str], title: str) -> None:
        published.append(Published(item_id, kind, version, domain, unit, tuple(levels), title))

    county = ["county"]
    everywhere = ["county", "township", "village"]
    office.publish_new("czj-yusuan", name="政府预算", levels=county)
    record("czj-yusuan", "add", 1, "财政预决算", "财政局", county, "政府预算")
    office.publish_new(
        "mzj-dibao", domain="社会救助", unit="民政局", name="城乡低保", subname="认定结果", levels=everywhere
    )
    record("mzj-dibao", "add", 1, "社会救助", "民政局", everywhere, "城乡低保（认定结果）")
    office.publish_new(
        "ccz-dili", domain="涉农补贴", unit="城川镇", name="耕地地力补贴", levels=["township", "village"]
    )
    record("ccz-dili", "add", 1, "涉农补贴", "城川镇", ["township", "village"], "耕地地力补贴")
    office.publish_new("shm-caoyuan", domain="涉农补贴", unit="上海庙镇", name="草原补奖", levels=["village"])
    record("shm-caoyuan", "add", 1, "涉农补贴", "上海庙镇", ["village"], "草原补奖")
    office.publish_adjustment("czj-yusuan", reason="增加转移支付内容", content="第二版")
    record("czj-yusuan", "change", 2, "财政预决算", "财政局", county, "政府预算")
    office.retire("mzj-dibao", reason="并入其他事项")
    record("mzj-dibao", "cancel", 2, "社会救助", "民政局", everywhere, "城乡低保（认定结果）")
    office.publish_adjustment("ccz-dili", reason="不再在嘎查村公开", levels=["township"])
    record("ccz-dili", "change", 2, "涉农补贴", "城川镇", ["township"], "耕地地力补贴")
    office.publish_new("mzj-gaoling", domain="养老服务", unit="民政局", name="高龄津贴", levels=["village"])
    record("mzj-gaoling", "add", 1, "养老服务", "民政局", ["village"], "高龄津贴")

    # Never public: a draft, and a pending adjustment of a published item, with canaries everywhere.
    office.draft(
        "czj-caogao",
        **{name: SECRET[f"draft-{name}"] for name in DRAFT_FIELDS},
        channels=["政府网站", SECRET["draft-channel"]],
        audience=["specific_group"],
        levels=everywhere,
    )
    office.revise("czj-caogao", content=SECRET["draft-content"] + "（修改）")
    office.adjust(
        "czj-yusuan",
        trigger=f"其他：{SECRET['pending-trigger']}",
        reason=SECRET["pending-reason"],
        **{name: SECRET[f"pending-{name}"] for name in DRAFT_FIELDS},
        channels=["政府网站", SECRET["pending-channel"]],
        audience=["specific_group"],
        levels=everywhere,
    )
    office.submit("czj-yusuan")
    office.pass_preliminary("czj-yusuan", comment=SECRET["review-comment"])
    office.pass_legality("czj-yusuan")
    office.approve("czj-yusuan", reference=SECRET["pending-reference"])
    return Story(registry, office, published)


def leaked(text: str) -> list[str]:
    """The canaries in `text`."""
    return [secret for secret in (*SECRET.values(), *ACTOR.values()) if secret in text]


@contextmanager
def village_registry(url: str) -> Iterator[Registry]:
    """An initialised registry at `url` with the villages' profile."""
    engine = open_engine(url)
    initialise(engine)
    try:
        yield signed_registry(engine, profile_with_villages())
    finally:
        engine.dispose()


@contextmanager
def story_on(backend: str, directory: Path) -> Iterator[Story]:
    """The story told on a SQLite file in `directory` or on a fresh PostgreSQL schema."""
    if backend == "sqlite":
        with village_registry(f"sqlite:///{directory / 'registry.db'}") as registry:
            yield tell(registry)
        return
    with fresh_postgres_schema() as url, village_registry(url) as registry:
        yield tell(registry)


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass(frozen=True)
class Served:
    """The story, and the real server over its database."""

    story: Story
    api: Api


@contextmanager
def served_story(backend: str, directory: Path, **options: Any) -> Iterator[Served]:
    """The story on `backend`, served over HTTP (`options` go to create_app, e.g. stream settings)."""
    with (
        story_on(backend, directory) as story,
        serving(story.registry.engine, story.registry.profile, **options) as api,
    ):
        yield Served(story, api)
