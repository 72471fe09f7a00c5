"""The rules every aggregate shares: the rules' names, the refusal, and the review path's roles (初审, 合法性审查,
审议, 公布) and backfill. A check returns nothing or raises RuleViolation."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from events.message import N_, Message
from registry.actor import Actor, Role
from registry.profile import Profile


class Rule(Enum):
    """Each rule's Chinese name (as the features say it) and its English name."""

    COMPLETENESS = ("要素完整", "completeness")
    ORDER = ("审查顺序", "review order")
    REJECTION_COMMENT = ("退回说明", "a rejection states why")
    DRAFTING_UNIT = ("起草主体", "drafting by the owning unit")
    PRELIMINARY_REVIEWER = ("初审主体", "preliminary review by the government service bureau")
    LEGALITY_REVIEWER = ("合法性审查主体", "legality review by the legal affairs center")
    APPROVER = ("审议主体", "approval by an approver")
    APPROVAL_REFERENCE = ("审议依据", "an approval cites its meeting or document")
    PUBLISHER = ("公布主体", "publication by the government service bureau")
    SEPARATION_OF_DUTIES = ("审核分离", "separation of duties")
    TIME_LIMIT = ("公开时限", "time limit")
    PORTAL_FIRST = ("网站优先", "the portal first")
    SPECIFIC_AUDIENCE = ("特定群体", "a specific audience is named")
    ADJUSTMENT = ("动态调整", "adjustment")
    NOTHING_DISAPPEARS = ("留痕不删", "nothing disappears")
    KNOWN_ITEM = ("事项存在", "the item exists")
    UNIQUE_ITEM_ID = ("事项编号唯一", "an item id is drafted once")
    DOMAIN = ("目录领域", "a domain is the profile's, or declared as another domain (其他领域)")
    ACTOR_REGISTRATION = ("人员登记", "actor registration")
    SIGNING_KEY = ("签名密钥", "the checkpoint signing key")
    CREDENTIALS = ("凭据管理", "passwords and tokens are an admin's to manage")
    BACKFILL = ("补录", "a backfill is an admin's record of an earlier act")
    WEBHOOK = ("推送订阅", "webhook subscriptions are an admin's to manage, to a URL of their own")
    ACCOUNT_ELEMENTS = ("账号要素", "an account names itself, its platform and its platform id")
    KNOWN_ACCOUNT = ("账号存在", "the account exists, and an account id is filed once")
    ONE_ACCOUNT_PER_PLATFORM = ("一平台一账号", "a unit opens one account on any one platform")
    CERTIFICATION = ("认证一致", "the account's certification names its 主办单位")
    CLOSURE_IS_FINAL = ("注销不可恢复", "a closed account is never reopened")
    CHANGE_TRAIL = ("变更留痕", "a change, suspension or closure of an account states its reason")

    @property
    def code(self) -> str:
        return self.value[0]

    @property
    def english(self) -> str:
        return self.value[1]


class RuleViolation(Exception):
    """A command refused by a rule. `str()` is the message users see, in English; `text` is the same message as a
    template (marked with N_) and its arguments, which the CLI shows in the reader's language."""

    def __init__(self, rule: Rule, template: str | Message, /, **arguments: object) -> None:
        self.rule = rule
        self.text = template if isinstance(template, Message) else Message(template, **arguments)
        self.message = str(self.text)
        super().__init__(f"refused [{rule.code}]: {self.message}")


def unusable_roles(actor: Actor, profile: Profile) -> list[RuleViolation]:
    """The refusals `actor` will meet in each role that their unit can never act in: asked of the very checks that
    refuse them, so that a warning at registration and the refusal later say the same."""
    checks = {
        Role.PRELIMINARY_REVIEWER: require_preliminary_reviewer,
        Role.LEGALITY_REVIEWER: require_legality_reviewer,
        Role.PUBLISHER: require_publisher,
    }
    refusals = []
    for role in sorted(actor.roles & checks.keys()):
        try:
            checks[role](actor.model_copy(update={"roles": frozenset({role})}), profile)
        except RuleViolation as refusal:
            refusals.append(refusal)
    return refusals


def require_rejection_comment(comment: str) -> None:
    if not comment.strip():
        raise RuleViolation(Rule.REJECTION_COMMENT, N_("a rejection needs a comment saying what to fix (退回意见)"))


def unknown_unit(profile: Profile, unit: str) -> Message:
    """What to say of a unit the profile does not have: with the nearest units, when some are near."""
    nearest = profile.nearest_units(unit)
    if nearest:
        return Message(
            N_("unknown unit {unit!r} (did you mean {nearest}?): the jurisdiction profile has no such unit"),
            unit=unit,
            nearest=nearest,
        )
    return Message(N_("unknown unit {unit!r}: the jurisdiction profile has no such unit"), unit=unit)


def require_preliminary_reviewer(actor: Actor, profile: Profile) -> None:
    if not actor.has(Role.PRELIMINARY_REVIEWER) or actor.unit != profile.review_unit:
        raise RuleViolation(
            Rule.PRELIMINARY_REVIEWER,
            N_("the preliminary review is done by {unit}'s preliminary reviewers (初审人)"),
            unit=profile.review_unit,
        )


def require_legality_reviewer(actor: Actor, profile: Profile) -> None:
    if not actor.has(Role.LEGALITY_REVIEWER) or actor.unit != profile.legal_unit:
        raise RuleViolation(
            Rule.LEGALITY_REVIEWER,
            N_("the legality review is done by {unit}'s legality reviewers (合法性审查人)"),
            unit=profile.legal_unit,
        )


def require_approver(actor: Actor) -> None:
    if not actor.has(Role.APPROVER):
        raise RuleViolation(Rule.APPROVER, N_("only approvers (审议人) approve or reject at 审议"))


def require_approval_reference(reference: str) -> None:
    if not reference.strip():
        raise RuleViolation(
            Rule.APPROVAL_REFERENCE,
            N_("an approval cites the meeting or document that approved it (e.g. 2020年第15次政府常务会议)"),
        )


def require_publisher(actor: Actor, profile: Profile) -> None:
    if not actor.has(Role.PUBLISHER) or actor.unit != profile.review_unit:
        raise RuleViolation(
            Rule.PUBLISHER, N_("publication is done by {unit}'s publishers (发布人)"), unit=profile.review_unit
        )


def require_backfill(by: Actor, at: datetime, last: datetime | None, clock: datetime) -> None:
    """补录: an admin records an act from before the registry at its own time, after the item's last event and not
    in the registry's future; the item's record then reads in order, whenever it was entered."""
    if Role.ADMIN not in by.roles:
        raise RuleViolation(
            Rule.BACKFILL, N_("only an admin (管理员) records a backfill; {actor} is not one"), actor=by.actor_id
        )
    if at > clock:
        raise RuleViolation(
            Rule.BACKFILL, N_("a backfill records the past: {at} is after the registry's clock"), at=at.isoformat()
        )
    if last is not None and at < last:
        raise RuleViolation(
            Rule.BACKFILL,
            N_("the item has events up to {last}: a backfill cannot be dated before them"),
            last=last.isoformat(),
        )
