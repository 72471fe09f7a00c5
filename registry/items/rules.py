"""The catalog item's rules, one named check each. A check returns nothing or raises RuleViolation."""

from __future__ import annotations

import re

from events.elements import PORTAL, Audience, ItemElements, Method
from events.message import N_, Message
from registry.actor import Actor, Role
from registry.items.state import ItemState, Pending, Status
from registry.profile import Profile
from registry.rules import Rule, RuleViolation, unknown_unit

# A domain outside the profile (the seed's 其他领域, 26个试点领域以外) is declared as such: 其他：网络安全.
OTHER_DOMAIN = re.compile(r"^其他(?:领域)?\s*[:：]\s*(.*)$", re.S)


TRIGGERS = ("法律法规修订", "职能调整", "上级取消", "依据失效", "合并/分设")


OTHER_TRIGGER = re.compile(r"^其他\s*[:：]\s*\S")


MAX_WORKING_DAYS = 20


# Catalogs write day counts in Arabic, full-width or Chinese numerals (20, ２０, 二十): all count.
_WORKING_DAYS = re.compile(r"(\d+|[零〇一二两三四五六七八九十百]+)\s*个?\s*工作日")


_CHINESE_DIGITS = {digit: value for value, digit in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


_CITATION = re.compile(r"《([^》]+)》")


_SAME_AS_ABOVE = "同上"


STAGE_NAMES = {
    Status.DRAFT: N_("梳理 (drafting)"),
    Status.SUBMITTED: N_("submitted, waiting for 初审"),
    Status.PRELIMINARY_REVIEWED: N_("初审 passed, waiting for 合法性审查"),
    Status.LEGALITY_REVIEWED: N_("合法性审查 passed, waiting for 审议"),
    Status.APPROVED: N_("审议 passed, waiting for 公布"),
    Status.PUBLISHED: N_("公布 (published)"),
    Status.RETIRED: N_("取消 (retired)"),
    Status.DISCARDED: N_("discarded"),
    Status.NEW: N_("not drafted"),
}


def require_item_exists(item: ItemState) -> None:
    if item.status is Status.NEW:
        raise RuleViolation(Rule.KNOWN_ITEM, N_("there is no such item"))


def require_new_item(item: ItemState, item_id: str) -> None:
    """An item id is drafted once: a new item never takes the id of an item that exists or existed."""
    if item.status is not Status.NEW:
        raise RuleViolation(
            Rule.UNIQUE_ITEM_ID, N_("item {item} already exists; a new item needs a new id"), item=item_id
        )


def known_domain(profile: Profile, name: str) -> str:
    """The domain `name` names, as it is recorded: one of the profile's (its name or an alias, with or without 领域),
    or another domain declared as 其他：NAME or 其他领域：NAME; "" for none. Any other name is refused with the
    profile's domains nearest to it, so that a misspelt domain never quietly starts a domain of its own."""
    text = name.strip()
    if not text:
        return ""
    declared = OTHER_DOMAIN.match(text)
    if declared:
        other = declared.group(1).strip().removesuffix("领域").strip()
        if not other:
            raise RuleViolation(
                Rule.DOMAIN, N_("{text} names no domain: write 其他：NAME, e.g. 其他：网络安全"), text=text
            )
        known = profile.domain(other)
        return known.name if known else other
    known = profile.domain(text)
    if known:
        return known.name
    nearest = profile.nearest_domains(text)
    bare = text.removesuffix("领域")
    if nearest:
        raise RuleViolation(
            Rule.DOMAIN,
            N_(
                "unknown domain {name} (did you mean {nearest}?): a domain is one of the jurisdiction profile's, "
                "or another domain declared as 其他：{bare}"
            ),
            name=text,
            nearest=nearest,
            bare=bare,
        )
    raise RuleViolation(
        Rule.DOMAIN,
        N_(
            "unknown domain {name}: a domain is one of the jurisdiction profile's, or another domain declared as "
            "其他：{bare}"
        ),
        name=text,
        bare=bare,
    )


def require_status(item: ItemState, action: str | Message, *allowed: Status) -> None:
    """Rule 2, order: each stage only from the stage before it. `action` is marked with N_ (or a Message)."""
    if item.status not in allowed:
        expected = Message(STAGE_NAMES[allowed[0]])
        for status in allowed[1:]:
            expected = Message(N_("{either} or {other}"), either=expected, other=Message(STAGE_NAMES[status]))
        raise RuleViolation(
            Rule.ORDER,
            N_("{action} needs the item at {expected}; it is at {current}"),
            action=action if isinstance(action, Message) else Message(action),
            expected=expected,
            current=Message(STAGE_NAMES[item.status]),
        )


def owning_unit(profile: Profile, domain: str, unit: str, actor: Actor) -> str:
    """Rule 3: the unit that owns a new item of `domain` asked for as `unit` (both may be empty)."""
    known = profile.domain(domain) if domain else None
    if unit:
        found = profile.unit(unit)
        if found is None:
            raise RuleViolation(Rule.DRAFTING_UNIT, unknown_unit(profile, unit))
        if known and known.pilot and found.kind != "town" and found.name != known.responsible_unit:
            raise RuleViolation(
                Rule.DRAFTING_UNIT,
                N_("items of the pilot domain {domain} are owned by {owner}, not {unit}"),
                domain=known.name,
                owner=known.responsible_unit,
                unit=found.name,
            )
        return found.name
    if known and known.pilot:
        return known.responsible_unit
    return actor.unit


def require_drafter_of(actor: Actor, unit: str) -> None:
    """Rule 3: only drafters of the owning unit draft, revise, submit, adjust or retire its items."""
    if not actor.has(Role.DRAFTER) or actor.unit != unit:
        raise RuleViolation(
            Rule.DRAFTING_UNIT,
            N_("only drafters (起草人) of {unit} draft, revise, submit, adjust or retire its items"),
            unit=unit,
        )


def require_not_author(pending: Pending, actor: Actor, action: str) -> None:
    """Rule 4: nobody reviews, approves or publishes a version they drafted or revised. `action` is marked with N_."""
    if actor.actor_id in pending.authors:
        raise RuleViolation(
            Rule.SEPARATION_OF_DUTIES,
            N_("{actor} drafted or revised version {version} and cannot {action} it"),
            actor=actor.actor_id,
            version=pending.version,
            action=Message(action),
        )


def require_other_reviewer(pending: Pending, actor: Actor) -> None:
    """Rule 4: one person cannot pass both review stages of the same version."""
    if pending.preliminary_reviewer == actor.actor_id:
        raise RuleViolation(
            Rule.SEPARATION_OF_DUTIES,
            N_("{actor} passed the 初审 of version {version} and cannot also pass its 合法性审查"),
            actor=actor.actor_id,
            version=pending.version,
        )


def require_complete(elements: ItemElements) -> None:
    """Rule 1 (国办发〔2019〕54号): every element is there. Lists everything missing at once."""
    missing: list[Message] = []
    if not (elements.name.strip() or elements.category.strip()):
        missing.append(Message(N_("二级事项 (name, or 一级事项 where there is no 二级)")))
    for field, label in (
        ("content", N_("公开内容 (content)")),
        ("basis", N_("公开依据 (basis)")),
        ("time_limit", N_("公开时限 (time limit)")),
        ("body", N_("公开主体 (body)")),
    ):
        if not str(getattr(elements, field)).strip():
            missing.append(Message(label))
    if not elements.channels:
        missing.append(Message(N_("公开渠道和载体 (channels)")))
    if not elements.audience:
        missing.append(Message(N_("公开对象 (audience)")))
    if not elements.method:
        missing.append(Message(N_("公开方式 (method)")))
    if not elements.levels:
        missing.append(Message(N_("公开层级 (levels)")))
    if missing:
        raise RuleViolation(Rule.COMPLETENESS, N_("missing {elements}"), elements=missing)


def require_lawful_time_limit(elements: ItemElements) -> None:
    """Rule 5 (条例第二十六条): at most 20 working days for proactive items, unless a cited law says otherwise."""
    limit = elements.time_limit.strip()
    if limit == _SAME_AS_ABOVE:
        raise RuleViolation(Rule.TIME_LIMIT, N_("the time limit 同上 (same as above) only makes sense inside a table"))
    if Method.PROACTIVE not in elements.method:
        return
    days = [_day_count(n) for n in _WORKING_DAYS.findall(limit)]
    if not days or max(days) <= MAX_WORKING_DAYS:
        return
    cited = set(_CITATION.findall(limit)) & set(_CITATION.findall(elements.basis))
    if not cited:
        raise RuleViolation(
            Rule.TIME_LIMIT,
            N_(
                "a proactive item is disclosed within {limit} working days (条例第二十六条); {days} 个工作日 needs "
                "the time limit to cite the law that sets it (《...》), also listed in 公开依据"
            ),
            limit=MAX_WORKING_DAYS,
            days=max(days),
        )


def _day_count(numeral: str) -> int:
    """20, ２０ or 二十 -> 20 (Chinese numerals up to the hundreds)."""
    if numeral.isdecimal():
        return int(numeral)
    total, digit = 0, 0
    for character in numeral:
        if character == "百":
            total, digit = total + (digit or 1) * 100, 0
        elif character == "十":
            total, digit = total + (digit or 1) * 10, 0
        else:
            digit = _CHINESE_DIGITS[character]
    return total + digit


def require_portal(elements: ItemElements) -> None:
    """Rule 6: the government portal is the first platform."""
    if PORTAL not in elements.channels:
        raise RuleViolation(
            Rule.PORTAL_FIRST, N_("every published version lists {portal} among its channels"), portal=PORTAL
        )


def require_named_group(elements: ItemElements) -> None:
    """Rule 7: a specific audience names its group."""
    if Audience.SPECIFIC_GROUP in elements.audience and not elements.audience_note.strip():
        raise RuleViolation(
            Rule.SPECIFIC_AUDIENCE, N_("the audience includes 特定群体; name the group (audience_note, e.g. 低保对象)")
        )


def require_publishable(elements: ItemElements) -> None:
    """Rules 1, 5, 6 and 7: what a version must say before it goes to review and to the public."""
    for check in PUBLISHABLE:
        check(elements)


PUBLISHABLE = (require_complete, require_lawful_time_limit, require_portal, require_named_group)
"""The checks of require_publishable, in its order."""


def publication_problems(elements: ItemElements) -> list[RuleViolation]:
    """Every refusal require_publishable could give for `elements`, not only the first: what a form shows before a
    version is submitted."""
    found = []
    for check in PUBLISHABLE:
        try:
            check(elements)
        except RuleViolation as refusal:
            found.append(refusal)
    return found


def require_trigger(trigger: str) -> None:
    """Rule 8: an adjustment states its trigger."""
    if trigger.strip() not in TRIGGERS and not OTHER_TRIGGER.match(trigger.strip()):
        raise RuleViolation(
            Rule.ADJUSTMENT,
            N_("an adjustment states its trigger: {triggers}, or 其他：<what happened>"),
            triggers=[Message(trigger) for trigger in TRIGGERS],
        )


def require_reason(reason: str) -> None:
    if not reason.strip():
        raise RuleViolation(Rule.ADJUSTMENT, N_("a cancellation (取消) states its reason"))


def require_change(changed: bool, action: str) -> None:
    """`action` is marked with N_."""
    if not changed:
        raise RuleViolation(Rule.ADJUSTMENT, N_("the {action} changes nothing"), action=Message(action))


def require_discardable(item: ItemState) -> None:
    """Rule 10: only never-published drafts are discarded; a published item is retired, never deleted."""
    if item.status is not Status.DRAFT:
        raise RuleViolation(
            Rule.NOTHING_DISAPPEARS,
            N_("only a draft can be discarded or a pending change withdrawn; the item is at {current}{retire}"),
            current=Message(STAGE_NAMES[item.status]),
            retire=Message(N_("; a published item can only be retired (registry retire)")) if item.published else "",
        )
