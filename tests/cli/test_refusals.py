"""A refused command, run through the real `registry` console script: exit 4 and `refused [<rule>]: <why>` on stderr.

Each case sets the item up through the application service (fast), then asks the CLI for the refused step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from events.elements import Audience, ItemElements, Level, Method
from events.event import ReviewStage
from registry.actor import Role
from registry.items.command import (
    ApproveItem,
    DraftItem,
    ItemCommand,
    PassReview,
    PublishItem,
    SubmitItem,
)
from registry.rules import Rule
from registry.service import Registry, now
from tests.conftest import Result

ITEM = "czj-yusuan"
MEETING = "2020年第15次政府常务会议"
PEOPLE = {
    "李财政": ("财政局", {Role.DRAFTER}),
    "张民政": ("民政局", {Role.DRAFTER}),
    "陈政务": ("政务服务局", {Role.DRAFTER, Role.PRELIMINARY_REVIEWER}),
    "孙初审": ("政务服务局", {Role.PRELIMINARY_REVIEWER}),
    "周法务": ("法务中心", {Role.LEGALITY_REVIEWER}),
    "王审议": ("旗人民政府", {Role.APPROVER}),
    "吴发布": ("政务服务局", {Role.PUBLISHER}),
}
COMPLETE = ItemElements(
    category="财政预决算",
    name="政府预算",
    content="一般公共预算收支",
    basis="《中华人民共和国预算法》",
    time_limit="本级人民代表大会或其常务委员会批准后20日内",
    body="财政局",
    channels=("政府网站",),
    audience=(Audience.PUBLIC,),
    method=(Method.PROACTIVE,),
    levels=(Level.COUNTY,),
)
Steps = Callable[[Registry], None]


def run(registry: Registry, *commands: Callable[[Registry], ItemCommand]) -> None:
    for command in commands:
        registry.execute(command(registry))


def drafted(elements: ItemElements = COMPLETE, by: str = "李财政", domain: str = "财政预决算") -> Steps:
    def steps(registry: Registry) -> None:
        run(
            registry,
            lambda r: DraftItem(item_id=ITEM, actor=r.actor(by), at=now(), domain=domain, elements=elements),
        )

    return steps


def reaching(stage: str, *, by: str = "李财政", domain: str = "财政预决算") -> Steps:
    """Drafted by `by`, then carried through the chain up to `stage` (submitted ... published)."""
    chain: list[tuple[str, Callable[[Registry], ItemCommand]]] = [
        ("submitted", lambda r: SubmitItem(item_id=ITEM, actor=r.actor(by), at=now())),
        (
            "初审",
            lambda r: PassReview(item_id=ITEM, actor=r.actor("孙初审"), at=now(), stage=ReviewStage.PRELIMINARY),
        ),
        (
            "合法性审查",
            lambda r: PassReview(item_id=ITEM, actor=r.actor("周法务"), at=now(), stage=ReviewStage.LEGALITY),
        ),
        ("审议", lambda r: ApproveItem(item_id=ITEM, actor=r.actor("王审议"), at=now(), reference=MEETING)),
        ("published", lambda r: PublishItem(item_id=ITEM, actor=r.actor("吴发布"), at=now())),
    ]
    stages = [name for name, _ in chain]

    def steps(registry: Registry) -> None:
        drafted(by=by, domain=domain)(registry)
        run(registry, *(command for _, command in chain[: stages.index(stage) + 1]))

    return steps


def nothing(registry: Registry) -> None:
    pass


def an_admin(registry: Registry) -> None:
    registry.register_actor("管理员", "政务服务局", frozenset({Role.ADMIN}))


@dataclass(frozen=True)
class Case:
    rule: str
    given: Steps
    actor: str
    args: tuple[str, ...]
    says: str


CASES = {
    "incomplete item submitted": Case(
        "要素完整", drafted(COMPLETE.model_copy(update={"basis": ""})), "李财政", ("submit", ITEM), "公开依据"
    ),
    "legality review before 初审": Case(
        "审查顺序", reaching("submitted"), "周法务", ("review", ITEM, "--stage", "legality", "--pass"), "初审"
    ),
    "rejection without a comment": Case(
        "退回说明", reaching("submitted"), "孙初审", ("review", ITEM, "--stage", "preliminary", "--reject"), "comment"
    ),
    "pilot-domain item drafted by another department": Case(
        "起草主体",
        nothing,
        "张民政",
        ("draft", "--id", ITEM, "--domain", "财政预决算", "--name", "政府预算"),
        "财政局",
    ),
    "初审 by the legal affairs center": Case(
        "初审主体",
        reaching("submitted"),
        "周法务",
        ("review", ITEM, "--stage", "preliminary", "--pass"),
        "政务服务局",
    ),
    "合法性审查 by the government service bureau": Case(
        "合法性审查主体",
        reaching("初审"),
        "孙初审",
        ("review", ITEM, "--stage", "legality", "--pass"),
        "法务中心",
    ),
    "approval by a publisher": Case(
        "审议主体", reaching("合法性审查"), "吴发布", ("approve", ITEM, "--reference", MEETING), "approvers"
    ),
    "approval without a reference": Case(
        "审议依据", reaching("合法性审查"), "王审议", ("approve", ITEM), "2020年第15次政府常务会议"
    ),
    "publication by an approver": Case("公布主体", reaching("审议"), "王审议", ("publish", ITEM), "政务服务局"),
    "初审 of one's own item": Case(
        "审核分离",
        reaching("submitted", by="陈政务", domain=""),  # an item of 政务服务局's own catalog
        "陈政务",
        ("review", ITEM, "--stage", "preliminary", "--pass"),
        "陈政务",
    ),
    "30 working days without a law that sets them": Case(
        "公开时限",
        drafted(COMPLETE.model_copy(update={"time_limit": "信息形成之日起30个工作日内"})),
        "李财政",
        ("submit", ITEM),
        "20",
    ),
    "no government portal": Case(
        "网站优先",
        drafted(COMPLETE.model_copy(update={"channels": ("政务服务中心",)})),
        "李财政",
        ("submit", ITEM),
        "政府网站",
    ),
    "specific group not named": Case(
        "特定群体",
        drafted(COMPLETE.model_copy(update={"audience": (Audience.SPECIFIC_GROUP,)})),
        "李财政",
        ("submit", ITEM),
        "特定群体",
    ),
    "adjustment without a trigger": Case(
        "动态调整",
        reaching("published"),
        "李财政",
        ("adjust", ITEM, "--trigger", "领导要求", "--content", "一般公共预算收支、政府性基金预算收支"),
        "法律法规修订",
    ),
    "published item discarded": Case("留痕不删", reaching("published"), "李财政", ("discard", ITEM), "retire"),
    "misspelt domain": Case(
        "目录领域",
        nothing,
        "李财政",
        ("draft", "--id", ITEM, "--domain", "财政预算", "--name", "政府预算"),
        "did you mean 财政预决算",
    ),
    "item id drafted again": Case(
        "事项编号唯一", drafted(), "李财政", ("draft", "--id", ITEM, "--domain", "财政预决算", "--name", "x"), ITEM
    ),
    "actor stream id": Case("事项存在", nothing, "李财政", ("draft", "--id", "actor:李财政", "--name", "x"), "actor"),
    "publication without the signing key": Case("签名密钥", reaching("审议"), "吴发布", ("publish", ITEM), "key"),
    "backfill by a non-admin": Case(
        "补录",
        nothing,
        "李财政",
        ("--backfill-at", "2020-06-01T10:00+08:00", "--backfill-by", "李财政", "draft", "--id", ITEM, "--name", "x"),
        "admin",
    ),
    "actor registered by a non-admin": Case(
        "人员登记", an_admin, "李财政", ("actor", "add", "赵财政", "--unit", "财政局", "--role", "drafter"), "admin"
    ),
    "API token issued by a non-admin": Case(
        "凭据管理", an_admin, "李财政", ("token", "create", "--actor", "李财政", "--name", "财政局预算系统"), "admin"
    ),
    "webhook subscription by a non-admin": Case(
        "推送订阅", an_admin, "李财政", ("webhook", "add", "https://rmt.example.cn/hooks", "--name", "融媒体"), "admin"
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_a_refusal_exits_4_and_names_its_rule(
    registry: Registry, db_url: str, cli: Callable[..., Result], case: Case
) -> None:
    for name, (unit, roles) in PEOPLE.items():
        registry.register_actor(name, unit, frozenset(roles))
    case.given(registry)
    before = registry.store.head()

    result = cli("--db", db_url, "--as", case.actor, *case.args)

    assert result.code == 4, result
    assert result.err.startswith(f"refused [{case.rule}]: "), result.err
    assert case.says in result.err
    assert "Traceback" not in result.err
    assert result.out == ""
    assert registry.store.head() == before, "a refused command recorded something"


def test_every_rule_has_a_refusal_through_the_cli() -> None:
    """The item's rules here, the account's in tests/cli/test_account_cli.py; the shared ones in either."""
    from tests.cli.test_account_cli import CASES as ACCOUNT_CASES

    covered = {case.rule for case in CASES.values()} | {case.rule for case in ACCOUNT_CASES.values()}
    assert covered == {rule.code for rule in Rule}


def test_a_write_to_an_unknown_item_exits_3_as_not_found(
    registry: Registry, db_url: str, cli: Callable[..., Result]
) -> None:
    registry.register_actor("李财政", "财政局", frozenset({Role.DRAFTER}))

    result = cli("--db", db_url, "--as", "李财政", "submit", "no-such-item")

    assert result.code == 3, result
    assert "no item 'no-such-item'" in result.err
    assert "Traceback" not in result.err
