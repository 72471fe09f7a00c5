"""The new-media account's rules, one named check each. A check returns nothing or raises RuleViolation.

The review path's roles (初审, 合法性审查, 审议, 公布) are the shared ones of registry.rules."""

from __future__ import annotations

from events.account import AccountElements, AccountStatus
from events.message import N_, Message
from registry.accounts.state import AccountState, Filing
from registry.actor import Actor, Role
from registry.profile import Profile, Unit
from registry.rules import Rule, RuleViolation, unknown_unit

STATUS_NAMES = {
    AccountStatus.NEW: N_("not filed"),
    AccountStatus.FILED: N_("filed, in review (开设备案)"),
    AccountStatus.OPEN: N_("open (正常)"),
    AccountStatus.SUSPENDED: N_("suspended (已关停)"),
    AccountStatus.CLOSED: N_("closed (已注销)"),
    AccountStatus.REFUSED: N_("refused (开设备案退回)"),
}
STEP_NAMES = {"preliminary": N_("初审"), "legality": N_("合法性审查"), "approval": N_("审议")}


def require_account(account: AccountState) -> None:
    if account.status is AccountStatus.NEW:
        raise RuleViolation(Rule.KNOWN_ACCOUNT, N_("there is no such account"))


def require_new_account(account: AccountState, account_id: str) -> None:
    """An account id is filed once. A closed account's id stays closed (注销不可恢复)."""
    if account.status is AccountStatus.CLOSED:
        require_not_closed(account)
    if account.status is not AccountStatus.NEW:
        raise RuleViolation(
            Rule.KNOWN_ACCOUNT, N_("account {account} already exists; a new filing needs a new id"), account=account_id
        )


def require_not_closed(account: AccountState) -> None:
    """注销不可恢复: nothing reopens a closed account; the unit files a new account (a new id), reviewed anew."""
    if account.status is AccountStatus.CLOSED:
        raise RuleViolation(
            Rule.CLOSURE_IS_FINAL,
            N_("account {account} is closed (已注销) for good: to open an account again, file a new one (开设备案)"),
            account=account.account_id,
        )


def require_account_status(account: AccountState, action: str, *allowed: AccountStatus) -> None:
    """`action` is marked with N_."""
    require_not_closed(account)
    if account.status not in allowed:
        expected = Message(STATUS_NAMES[allowed[0]])
        for status in allowed[1:]:
            expected = Message(N_("{either} or {other}"), either=expected, other=Message(STATUS_NAMES[status]))
        raise RuleViolation(
            Rule.ORDER,
            N_("{action} needs the account {expected}; it is {current}"),
            action=Message(action),
            expected=expected,
            current=Message(STATUS_NAMES[account.status]),
        )


def require_no_pending(account: AccountState) -> None:
    if account.pending is not None:
        raise RuleViolation(
            Rule.ORDER,
            N_("account {account} has a filing in review ({kind}, version {version}): it is decided first"),
            account=account.account_id,
            kind=account.pending.kind.label,
            version=account.pending.version,
        )


def require_pending(account: AccountState) -> Filing:
    if account.pending is None:
        raise RuleViolation(Rule.ORDER, N_("account {account} has no filing in review"), account=account.account_id)
    return account.pending


def account_unit(profile: Profile, unit: str, actor: Actor) -> str:
    """The 主办单位 of a new account asked for as `unit` (the actor's own when empty): a unit of the profile."""
    name = unit.strip() or actor.unit
    found = profile.unit(name)
    if found is None:
        raise RuleViolation(Rule.DRAFTING_UNIT, unknown_unit(profile, name))
    return found.name


def require_account_drafter(actor: Actor, unit: str) -> None:
    """谁开设、谁主办: only the 主办单位's drafters file its accounts and their changes, suspensions and closures."""
    if not actor.has(Role.DRAFTER) or actor.unit != unit:
        raise RuleViolation(
            Rule.DRAFTING_UNIT,
            N_("only drafters (起草人) of {unit} file its new-media accounts and their changes (谁开设、谁主办)"),
            unit=unit,
        )


def known_platform(profile: Profile, platform: str) -> str:
    """The platform as the list records it; a name the profile cannot place is refused with the vocabulary."""
    found = profile.platform(platform)
    if found is None:
        raise RuleViolation(
            Rule.ACCOUNT_ELEMENTS,
            N_("unknown platform {platform!r}: a platform is one of {platforms}, or another written 其他：NAME"),
            platform=platform,
            platforms=[Message(known.name) for known in profile.platforms],
        )
    return found


def require_account_elements(elements: AccountElements) -> None:
    """An account names itself, its platform and the platform's id or handle for it."""
    missing = [
        label
        for label, value in (
            ("账号名称", elements.name),
            ("平台", elements.platform),
            ("平台账号标识", elements.handle),
        )
        if not value.strip()
    ]
    if missing:
        raise RuleViolation(
            Rule.ACCOUNT_ELEMENTS, N_("the account lacks {missing}"), missing=[Message(name) for name in missing]
        )


def require_certification(profile: Profile, elements: AccountElements, unit: str) -> None:
    """认证一致: the platform's certification (认证主体) names the 主办单位 (its name or an alias), not an operator."""
    certified = elements.certified_as.strip()
    if not certified:
        raise RuleViolation(
            Rule.CERTIFICATION, N_("the account's 认证主体 is missing: it names the 主办单位 {unit}"), unit=unit
        )
    found = certified_unit(profile, certified)
    if found is None or found.name != unit:
        raise RuleViolation(
            Rule.CERTIFICATION,
            N_("the account is certified as {certified}, and it must name its 主办单位 {unit} (谁开设、谁主办)"),
            certified=certified,
            unit=unit,
        )


def certified_unit(profile: Profile, certified_as: str) -> Unit | None:
    """The unit a certification names: by the unit's name or an alias, also after the jurisdiction's name, as
    platforms print it (鄂托克前旗公安局 names 公安局)."""
    text = "".join(certified_as.split())
    found = profile.unit(text)
    if found is None and text.startswith(profile.jurisdiction):
        found = profile.unit(text.removeprefix(profile.jurisdiction))
    return found


def require_one_per_platform(unit: str, platform: str, holders: tuple[str, ...]) -> None:
    """一平台一账号: `holders`, the unit's other accounts filed, published or suspended on `platform`, are none."""
    if holders:
        raise RuleViolation(
            Rule.ONE_ACCOUNT_PER_PLATFORM,
            N_(
                "{unit} already has an account on {platform} ({accounts}): a unit opens one account on any one "
                "platform; change or close that one"
            ),
            unit=unit,
            platform=platform,
            accounts=list(holders),
        )


def require_reason(reason: str, action: str) -> None:
    """变更留痕: a change, suspension or closure states why. `action` is marked with N_."""
    if not reason.strip():
        raise RuleViolation(Rule.CHANGE_TRAIL, N_("a {action} states its reason (--reason)"), action=Message(action))


def require_same_platform(old: AccountElements, new: AccountElements) -> None:
    if old.platform != new.platform:
        raise RuleViolation(
            Rule.ONE_ACCOUNT_PER_PLATFORM,
            N_("an account stays on its platform ({old}): an account on {new} is a new filing"),
            old=old.platform,
            new=new.platform,
        )


def require_not_filer(filing: Filing, actor: Actor, action: str) -> None:
    """审核分离: nobody reviews or publishes a filing they filed. `action` is marked with N_."""
    if actor.actor_id == filing.author:
        raise RuleViolation(
            Rule.SEPARATION_OF_DUTIES,
            N_("{actor} filed version {version} and cannot {action} it"),
            actor=actor.actor_id,
            version=filing.version,
            action=Message(action),
        )


def require_other_reviewer(filing: Filing, actor: Actor) -> None:
    """审核分离: one person passes one review step of a filing."""
    if actor.actor_id in filing.reviewers:
        raise RuleViolation(
            Rule.SEPARATION_OF_DUTIES,
            N_("{actor} already passed a review step of version {version}"),
            actor=actor.actor_id,
            version=filing.version,
        )


def next_step(profile: Profile, filing: Filing) -> str | None:
    """The review step the filing waits for, or None once every step of the profile's path has passed."""
    steps = profile.account_review
    return steps[len(filing.passed)] if len(filing.passed) < len(steps) else None


def require_step(profile: Profile, filing: Filing, stage: str) -> None:
    """审查顺序: each step of the profile's account review path in turn; a step the path lacks is refused."""
    waiting = next_step(profile, filing)
    if stage not in profile.account_review:
        raise RuleViolation(
            Rule.ORDER,
            N_("accounts are not reviewed at {stage} here: the profile's account review path is {steps}"),
            stage=Message(STEP_NAMES[stage]),
            steps=[Message(STEP_NAMES[step]) for step in profile.account_review] or Message(N_("publication only")),
        )
    if waiting != stage:
        raise RuleViolation(
            Rule.ORDER,
            N_("version {version} waits for {waiting}, not {stage}"),
            version=filing.version,
            waiting=Message(STEP_NAMES[waiting]) if waiting else Message(N_("publication (公布)")),
            stage=Message(STEP_NAMES[stage]),
        )


def require_reviewed(profile: Profile, filing: Filing) -> None:
    waiting = next_step(profile, filing)
    if waiting is not None:
        raise RuleViolation(
            Rule.ORDER,
            N_("version {version} waits for {waiting}: it is published after the review path"),
            version=filing.version,
            waiting=Message(STEP_NAMES[waiting]),
        )
