"""Steps of the review-rule specs in features/: each turns the registry's own words into a command or a read.

A `假如` step sets up history and fails the scenario if the registry refuses it; a `当` step records what the
registry did in `outcome`; a `那么` step reads the result. State passes between steps through target fixtures:
`proposal` (an item about to be drafted), `item` (the id of the drafted item), `outcome` (the last `当`), and
`registry` (replaced when a scenario loads another jurisdiction profile).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from typing import Any

from pytest_bdd import given, parsers, then, when
from sqlalchemy import select

from events.elements import Audience, ItemElements, Level, Method
from events.envelope import parse_time
from events.event import ReviewStage
from projections import query
from projections.history import ACTION_LABELS
from projections.public_query import PublishedEntry
from projections.schema import public_catalog
from projections.village import village_list
from registry.actor import Role
from registry.calendar import WorkingCalendar
from registry.items.command import (
    AdjustItem,
    ApproveItem,
    DiscardItem,
    DraftItem,
    ItemCommand,
    PassReview,
    PublishItem,
    RejectionStage,
    RejectItem,
    RetireItem,
    ReviseItem,
    SubmitItem,
)
from registry.items.state import ItemState
from registry.rules import RuleViolation
from registry.service import NotFound, Receipt, Registry, now
from registry.supervision import report as supervision
from tests.features.account_steps import *  # noqa: F403  (the new-media account steps)

MEETING = "2020年第15次政府常务会议"

ROLES = {role.label: role for role in Role}
STAGES: dict[str, RejectionStage] = {"初审": "preliminary", "合法性审查": "legality", "审议": "approval"}
STAGE_ORDER = ("初审", "合法性审查", "审议")

FIELDS = {
    "一级事项": "category",
    "二级事项": "name",
    "三级事项": "subname",
    "公开内容": "content",
    "公开依据": "basis",
    "公开时限": "time_limit",
    "公开主体": "body",
    "公开渠道": "channels",
    "公开渠道和载体": "channels",
    "公开对象": "audience",
    "特定群体": "audience_note",
    "特定群体说明": "audience_note",
    "公开方式": "method",
    "公开层级": "levels",
}
LIST_FIELDS = ("channels", "audience", "method", "levels")
VALUES = {member.label: member.value for kind in (Audience, Method, Level) for member in kind}


@dataclass(frozen=True)
class Proposal:
    """An item as its drafter means to draft it."""

    item_id: str
    domain: str
    unit: str
    elements: ItemElements


@dataclass(frozen=True)
class Outcome:
    """What the registry did with the command of a `当` step."""

    item_id: str
    events_before: int
    receipt: Receipt | None = None
    refusal: RuleViolation | None = None


def field_of(label: str) -> str:
    assert label in FIELDS, f"unknown element {label!r}; the features use {', '.join(FIELDS)}"
    return FIELDS[label]


def value_of(field: str, text: str) -> object:
    """An element value as the features write it: lists joined with 、, enum members by their Chinese label."""
    if field in LIST_FIELDS:
        return [VALUES.get(part.strip(), part.strip()) for part in text.split("、") if part.strip()]
    return text


def only(label: str, text: str) -> tuple[ItemElements, frozenset[str]]:
    """The elements and field set of a revision or adjustment that changes one element."""
    field = field_of(label)
    return ItemElements.model_validate({field: value_of(field, text)}), frozenset({field})


def complete_elements(registry: Registry, domain: str, title: str) -> ItemElements:
    known = registry.profile.domain(domain)
    return ItemElements(
        category=domain,
        name=title,
        content=f"{title}的主要内容",
        basis="《中华人民共和国政府信息公开条例》",
        time_limit="信息形成或者变更之日起20个工作日内",
        body=known.responsible_unit if known else "鄂托克前旗人民政府",
        channels=("政府网站",),
        audience=(Audience.PUBLIC,),
        method=(Method.PROACTIVE,),
        levels=(Level.COUNTY,),
    )


def events_in(registry: Registry, item_id: str) -> int:
    try:
        return len(registry.load(item_id)[1])
    except NotFound:
        return 0


def carry_out(registry: Registry, command: ItemCommand) -> Receipt:
    """Run a `假如` step's command; a refusal here means the scenario's history is wrong, so it fails."""
    return registry.execute(command)


def attempt(registry: Registry, command: ItemCommand) -> Outcome:
    before = events_in(registry, command.item_id)
    try:
        return Outcome(command.item_id, before, receipt=registry.execute(command))
    except RuleViolation as refusal:
        return Outcome(command.item_id, before, refusal=refusal)


def state_of(registry: Registry, item_id: str) -> ItemState:
    return registry.load(item_id)[0]


# -- the commands, by the words that ask for them ---------------------------------------------------------------


def draft(registry: Registry, name: str, proposal: Proposal) -> DraftItem:
    return DraftItem(
        item_id=proposal.item_id,
        actor=registry.actor(name),
        at=now(),
        domain=proposal.domain,
        unit=proposal.unit,
        elements=proposal.elements,
    )


def revise(registry: Registry, name: str, item: str, label: str, text: str) -> ReviseItem:
    elements, fields = only(label, text)
    return ReviseItem(item_id=item, actor=registry.actor(name), at=now(), elements=elements, fields=fields)


def submit(registry: Registry, name: str, item: str) -> SubmitItem:
    return SubmitItem(item_id=item, actor=registry.actor(name), at=now())


def pass_review(registry: Registry, name: str, item: str, stage: str) -> PassReview:
    assert stage in ("初审", "合法性审查"), f"{stage} is passed by 审议通过, not by a review"
    return PassReview(item_id=item, actor=registry.actor(name), at=now(), stage=ReviewStage(STAGES[stage]))


def reject(registry: Registry, name: str, item: str, stage: str, comment: str) -> RejectItem:
    return RejectItem(item_id=item, actor=registry.actor(name), at=now(), stage=STAGES[stage], comment=comment)


def approve(registry: Registry, name: str, item: str, reference: str) -> ApproveItem:
    return ApproveItem(item_id=item, actor=registry.actor(name), at=now(), reference=reference)


def publish(registry: Registry, name: str, item: str) -> PublishItem:
    return PublishItem(item_id=item, actor=registry.actor(name), at=now())


def adjust(registry: Registry, name: str, item: str, trigger: str, label: str, text: str) -> AdjustItem:
    elements, fields = only(label, text)
    return AdjustItem(
        item_id=item, actor=registry.actor(name), at=now(), trigger=trigger, elements=elements, fields=fields
    )


def retire(registry: Registry, name: str, item: str, trigger: str, reason: str) -> RetireItem:
    return RetireItem(item_id=item, actor=registry.actor(name), at=now(), trigger=trigger, reason=reason)


def discard(registry: Registry, name: str, item: str) -> DiscardItem:
    return DiscardItem(item_id=item, actor=registry.actor(name), at=now(), reason="不再需要")


# -- 假如: who works here, what is drafted ----------------------------------------------------------------------


@given("已登记以下人员：")
def registered_people(registry: Registry, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    assert header == ["姓名", "单位", "角色"], header
    for name, unit, roles in rows:
        registry.register_actor(name, unit, frozenset(ROLES[role] for role in roles.split("、")))


@given(parsers.parse("本县的合法性审查也由“{unit}”负责"), target_fixture="registry")
def legality_review_by(registry: Registry, unit: str) -> Registry:
    """Another county's profile: the same registry, with the legality review done by `unit`."""
    return Registry(registry.engine, registry.profile.model_copy(update={"legal_unit": unit}))


@given(parsers.parse("一份要素齐全的“{domain}”领域事项“{title}”"), target_fixture="proposal")
def complete_proposal(registry: Registry, domain: str, title: str) -> Proposal:
    return Proposal(uuid.uuid4().hex[:12], domain, "", complete_elements(registry, domain, title))


@given(parsers.parse("一份要素齐全的本单位事项“{title}”"), target_fixture="proposal")
def own_unit_proposal(registry: Registry, title: str) -> Proposal:
    """An item of its drafter's unit's own catalog (目录（一）), in no domain."""
    return Proposal(uuid.uuid4().hex[:12], "", "", complete_elements(registry, "", title))


@given(parsers.parse("一份要素齐全的事项“{title}”，领域写作“{domain}”"), target_fixture="proposal")
def proposal_in_written_domain(registry: Registry, title: str, domain: str) -> Proposal:
    """An item whose domain is written as its drafter writes it: misspelt, an alias, 其他：…."""
    return Proposal(uuid.uuid4().hex[:12], domain, "", complete_elements(registry, domain, title))


@given(parsers.parse("其{label}为空"), target_fixture="proposal")
def without_element(proposal: Proposal, label: str) -> Proposal:
    field = field_of(label)
    data = proposal.elements.as_json() | {field: [] if field in LIST_FIELDS else ""}
    return replace(proposal, elements=ItemElements.model_validate(data))


@given(parsers.parse("其{label}为“{text}”"), target_fixture="proposal")
def with_element(proposal: Proposal, label: str, text: str) -> Proposal:
    if label == "所属单位":
        return replace(proposal, unit=text)
    field = field_of(label)
    data = proposal.elements.as_json() | {field: value_of(field, text)}
    return replace(proposal, elements=ItemElements.model_validate(data))


@given(parsers.parse("{name}起草了该事项"), target_fixture="item")
def drafted(registry: Registry, proposal: Proposal, name: str) -> str:
    return carry_out(registry, draft(registry, name, proposal)).item_id


# -- 假如: what has already happened to the item ----------------------------------------------------------------


@given(parsers.parse("{name}已将该事项的{label}修改为“{text}”"))
def revised(registry: Registry, item: str, name: str, label: str, text: str) -> None:
    carry_out(registry, revise(registry, name, item, label, text))


@given(parsers.parse("{name}已提交该事项"))
def submitted(registry: Registry, item: str, name: str) -> None:
    carry_out(registry, submit(registry, name, item))


@given(parsers.parse("{name}已通过该事项的{stage}"))
def review_passed(registry: Registry, item: str, name: str, stage: str) -> None:
    carry_out(registry, pass_review(registry, name, item, stage))


@given(parsers.parse("{name}已在{stage}退回该事项，意见为“{comment}”"))
def rejected(registry: Registry, item: str, name: str, stage: str, comment: str) -> None:
    carry_out(registry, reject(registry, name, item, stage, comment))


@given(parsers.parse("{name}已审议通过该事项"))
def approved(registry: Registry, item: str, name: str) -> None:
    carry_out(registry, approve(registry, name, item, MEETING))


@given(parsers.parse("{name}已公布该事项"))
def published(registry: Registry, item: str, name: str) -> None:
    carry_out(registry, publish(registry, name, item))


@given(parsers.parse("该事项已经{preliminary}初审、{legality}合法性审查、{approver}审议并由{publisher}公布"))
def through_review_and_published(
    registry: Registry, item: str, preliminary: str, legality: str, approver: str, publisher: str
) -> None:
    carry_out(registry, pass_review(registry, preliminary, item, "初审"))
    carry_out(registry, pass_review(registry, legality, item, "合法性审查"))
    carry_out(registry, approve(registry, approver, item, MEETING))
    carry_out(registry, publish(registry, publisher, item))


@given(parsers.parse("该事项已通过{stage}之前的所有环节"))
def through_stages_before(registry: Registry, item: str, stage: str) -> None:
    """Each earlier stage passed by the first registered actor who holds its role in its unit."""
    reviewers = {
        "初审": (Role.PRELIMINARY_REVIEWER, registry.profile.review_unit),
        "合法性审查": (Role.LEGALITY_REVIEWER, registry.profile.legal_unit),
    }
    for earlier in STAGE_ORDER[: STAGE_ORDER.index(stage)]:
        role, unit = reviewers[earlier]
        reviewer = next(a for a in registry.actors() if a.has(role) and a.unit == unit)
        carry_out(registry, pass_review(registry, reviewer.actor_id, item, earlier))


@given(parsers.parse("{name}已以“{trigger}”为由将该事项的{label}变更为“{text}”"))
def adjustment_proposed(registry: Registry, item: str, name: str, trigger: str, label: str, text: str) -> None:
    carry_out(registry, adjust(registry, name, item, trigger, label, text))


@given(parsers.parse("{name}已以“{trigger}”为由申请取消该事项，理由为“{reason}”"))
def retirement_proposed(registry: Registry, item: str, name: str, trigger: str, reason: str) -> None:
    carry_out(registry, retire(registry, name, item, trigger, reason))


# -- 当: the command under test ---------------------------------------------------------------------------------


@when(parsers.parse("{name}起草该事项"), target_fixture="outcome")
def try_draft(registry: Registry, proposal: Proposal, name: str) -> Outcome:
    return attempt(registry, draft(registry, name, proposal))


@when(parsers.parse("{name}重新起草同一编号的事项"), target_fixture="outcome")
def try_draft_again(registry: Registry, proposal: Proposal, item: str, name: str) -> Outcome:
    return attempt(registry, draft(registry, name, replace(proposal, item_id=item)))


@when(parsers.parse("{name}将该事项的{label}修改为“{text}”"), target_fixture="outcome")
def try_revise(registry: Registry, item: str, name: str, label: str, text: str) -> Outcome:
    return attempt(registry, revise(registry, name, item, label, text))


@when(parsers.parse("{name}提交该事项"), target_fixture="outcome")
def try_submit(registry: Registry, item: str, name: str) -> Outcome:
    return attempt(registry, submit(registry, name, item))


@when(parsers.parse("{name}通过该事项的{stage}"), target_fixture="outcome")
def try_pass_review(registry: Registry, item: str, name: str, stage: str) -> Outcome:
    return attempt(registry, pass_review(registry, name, item, stage))


@when(parsers.parse("{name}在{stage}退回该事项，意见为“{comment}”"), target_fixture="outcome")
def try_reject(registry: Registry, item: str, name: str, stage: str, comment: str) -> Outcome:
    return attempt(registry, reject(registry, name, item, stage, comment))


@when(parsers.parse("{name}在{stage}退回该事项，未写意见"), target_fixture="outcome")
def try_reject_silently(registry: Registry, item: str, name: str, stage: str) -> Outcome:
    return attempt(registry, reject(registry, name, item, stage, ""))


@when(parsers.parse("{name}审议通过该事项，依据“{reference}”"), target_fixture="outcome")
def try_approve(registry: Registry, item: str, name: str, reference: str) -> Outcome:
    return attempt(registry, approve(registry, name, item, reference))


@when(parsers.parse("{name}审议通过该事项，未注明依据"), target_fixture="outcome")
def try_approve_without_reference(registry: Registry, item: str, name: str) -> Outcome:
    return attempt(registry, approve(registry, name, item, ""))


@when(parsers.parse("{name}公布该事项"), target_fixture="outcome")
def try_publish(registry: Registry, item: str, name: str) -> Outcome:
    return attempt(registry, publish(registry, name, item))


@when(parsers.parse("{name}以“{trigger}”为由将该事项的{label}变更为“{text}”"), target_fixture="outcome")
def try_adjust(registry: Registry, item: str, name: str, trigger: str, label: str, text: str) -> Outcome:
    return attempt(registry, adjust(registry, name, item, trigger, label, text))


@when(parsers.parse("{name}以“{trigger}”为由申请取消该事项，理由为“{reason}”"), target_fixture="outcome")
def try_retire(registry: Registry, item: str, name: str, trigger: str, reason: str) -> Outcome:
    return attempt(registry, retire(registry, name, item, trigger, reason))


@when(parsers.parse("{name}以“{trigger}”为由申请取消该事项，未说明理由"), target_fixture="outcome")
def try_retire_without_reason(registry: Registry, item: str, name: str, trigger: str) -> Outcome:
    return attempt(registry, retire(registry, name, item, trigger, ""))


@when(parsers.parse("{name}废弃该事项"), target_fixture="outcome")
def try_discard(registry: Registry, item: str, name: str) -> Outcome:
    return attempt(registry, discard(registry, name, item))


# -- 那么: what the registry did, and what the public sees ------------------------------------------------------


@then(parsers.parse("该事项处于“{label}”"))
def carried_out_and_now(registry: Registry, outcome: Outcome, label: str) -> None:
    assert outcome.refusal is None, f"expected the command to be carried out, but: {outcome.refusal}"
    assert state_of(registry, outcome.item_id).status.label == label


@then(parsers.parse("该事项仍处于“{label}”"))
def still(registry: Registry, outcome: Outcome, label: str) -> None:
    assert state_of(registry, outcome.item_id).status.label == label


@then(parsers.parse("该事项属于“{unit}”"))
def owned_by(registry: Registry, outcome: Outcome, unit: str) -> None:
    assert state_of(registry, outcome.item_id).unit == unit


@then(parsers.parse("该事项的领域为“{domain}”"))
def in_domain(registry: Registry, outcome: Outcome, domain: str) -> None:
    assert state_of(registry, outcome.item_id).domain == domain


@then(parsers.parse("被拒绝，依据规则“{code}”"))
def refused_by(registry: Registry, outcome: Outcome, code: str) -> None:
    assert outcome.refusal is not None, f"expected a refusal by {code}, but the command was carried out"
    assert outcome.refusal.rule.code == code, str(outcome.refusal)
    assert str(outcome.refusal).startswith(f"refused [{code}]: ")
    assert events_in(registry, outcome.item_id) == outcome.events_before, "a refused command recorded something"


@then(parsers.parse("拒绝说明包含“{text}”"))
def refusal_mentions(outcome: Outcome, text: str) -> None:
    assert outcome.refusal is not None
    assert text in outcome.refusal.message, outcome.refusal.message


@then(parsers.parse("拒绝说明不包含“{text}”"))
def refusal_does_not_mention(outcome: Outcome, text: str) -> None:
    assert outcome.refusal is not None
    assert text not in outcome.refusal.message, outcome.refusal.message


@then("拒绝说明列出以下要素：")
def refusal_lists(outcome: Outcome, datatable: list[list[str]]) -> None:
    assert outcome.refusal is not None
    for (label,) in datatable:
        assert label in outcome.refusal.message, outcome.refusal.message


@then(parsers.parse("退回意见为“{comment}”"))
def rejection_recorded(registry: Registry, outcome: Outcome, comment: str) -> None:
    pending = state_of(registry, outcome.item_id).pending
    assert pending is not None
    assert pending.rejection == comment


def public_row(registry: Registry, item_id: str) -> dict[str, Any] | None:
    with registry.store.reading() as conn:
        row = conn.execute(select(public_catalog).where(public_catalog.c.item_id == item_id)).mappings().first()
    return dict(row) if row else None


def stored_value(field: str, stored: Any) -> object:
    return json.loads(stored) if field in LIST_FIELDS else stored


@then(parsers.parse("公开目录中该事项为第{version:d}版，{label}为“{text}”"))
def public_version(registry: Registry, outcome: Outcome, version: int, label: str, text: str) -> None:
    row = public_row(registry, outcome.item_id)
    assert row is not None, "the item is not in the public catalog"
    field = field_of(label)
    assert (row["version"], stored_value(field, row[field])) == (version, value_of(field, text))


@then("公开目录中没有该事项")
def not_public(registry: Registry, outcome: Outcome) -> None:
    assert public_row(registry, outcome.item_id) is None


@then(parsers.parse("该事项的第{version:d}版仍可查阅，{label}为“{text}”"))
def version_kept(registry: Registry, outcome: Outcome, version: int, label: str, text: str) -> None:
    with registry.store.reading() as conn:
        versions = {v["version"]: v for v in query.versions(conn, outcome.item_id)}
    field = field_of(label)
    assert versions[version]["elements"][field] == value_of(field, text)


@then("该事项的历史记录依次为：")
def history_is(registry: Registry, outcome: Outcome, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    assert header == ["操作", "人员"], header
    with registry.store.reading() as conn:
        recorded = [[ACTION_LABELS[h["action"]], h["actor"]] for h in query.history(conn, outcome.item_id)]
    assert recorded == rows


def village_entries(registry: Registry, unit: str | None = None) -> dict[str, PublishedEntry]:
    with registry.store.reading() as conn:
        return {entry.elements.title: entry for entry in village_list(conn, unit)}


@then(parsers.parse("村级公开目录列出“{title}”第{version:d}版，与旗级公布的版本完全一致"))
def in_village_list_as_published(registry: Registry, outcome: Outcome, title: str, version: int) -> None:
    entry = village_entries(registry).get(title)
    assert entry is not None, f"{title} is not in the village list"
    assert (entry.item_id, entry.version) == (outcome.item_id, version)
    authoritative = state_of(registry, outcome.item_id).published
    assert authoritative is not None
    assert entry.elements == authoritative.elements
    with registry.store.reading() as conn:
        recorded = {v["version"]: v for v in query.versions(conn, outcome.item_id)}
    assert recorded[version]["state"] == "published"
    assert entry.elements == ItemElements.model_validate(recorded[version]["elements"])


@then(parsers.parse("村级公开目录中“{title}”的{label}为“{text}”"))
def village_list_says(registry: Registry, title: str, label: str, text: str) -> None:
    field = field_of(label)
    assert village_entries(registry)[title].elements.as_json()[field] == value_of(field, text)


@then(parsers.parse("村级公开目录中没有“{title}”"))
def not_in_village_list(registry: Registry, title: str) -> None:
    assert title not in village_entries(registry)


@then(parsers.parse("“{unit}”的村级公开目录列出“{title}”"))
def in_village_list_of(registry: Registry, unit: str, title: str) -> None:
    assert title in village_entries(registry, unit)


@then(parsers.parse("“{unit}”的村级公开目录中没有“{title}”"))
def not_in_village_list_of(registry: Registry, unit: str, title: str) -> None:
    assert title not in village_entries(registry, unit)


# -- 那么: 办理期限 (the queue's deadlines), seen some working days after the item began waiting ----------------------


def queue_entry_after(registry: Registry, item: str, name: str, days: int) -> supervision.QueueEntry:
    """The item in `name`'s queue as it stands `days` working days after the day it began waiting at its step."""
    calendar = WorkingCalendar.of(registry.profile)
    actor = registry.actor(name)
    waiting = {entry.item_id: entry for entry in supervision.queue(registry, actor).entries}
    assert item in waiting, f"{item} is not in {name}'s queue"
    began = calendar.day_of(parse_time(waiting[item].waiting_since))
    later = {
        entry.item_id: entry
        for entry in supervision.queue(registry, actor, calendar.add_working_days(began, days)).entries
    }
    return later[item]


@then(parsers.parse("提交后第{days:d}个工作日，{name}的待办中该事项还剩{left:d}个工作日"))
def working_days_left(registry: Registry, item: str, name: str, days: int, left: int) -> None:
    entry = queue_entry_after(registry, item, name, days)
    assert (entry.working_days_left, entry.overdue) == (left, False)


@then(parsers.parse("提交后第{days:d}个工作日，{name}的待办中该事项今日到期"))
def due_today(registry: Registry, item: str, name: str, days: int) -> None:
    entry = queue_entry_after(registry, item, name, days)
    assert (entry.working_days_left, entry.overdue) == (0, False)


@then(parsers.parse("提交后第{days:d}个工作日，{name}的待办中该事项逾期{late:d}个工作日"))
def overdue_by(registry: Registry, item: str, name: str, days: int, late: int) -> None:
    entry = queue_entry_after(registry, item, name, days)
    assert (entry.working_days_left, entry.overdue) == (-late, True)
