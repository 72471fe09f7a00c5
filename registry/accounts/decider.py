"""The new-media account decider: decide(command, state, profile, holders) -> events, evolve(state, event) -> state.
No I/O: what the rule 一平台一账号 needs from other streams (the unit's accounts holding the platform) is read by the
service inside the write transaction and passed in."""

from __future__ import annotations

from typing import assert_never

from events.account import AccountElements, AccountStatus, FilingKind, account_diff, apply_account_changes
from events.event import (
    AccountChangeFiled,
    AccountClosureFiled,
    AccountEvent,
    AccountFiled,
    AccountFilingRejected,
    AccountPublished,
    AccountReviewPassed,
    AccountSuspensionFiled,
)
from events.message import N_
from registry.accounts.command import (
    AnyAccountCommand,
    ChangeAccount,
    CloseAccount,
    FileAccount,
    PublishAccount,
    RejectAccount,
    ReviewAccount,
    SuspendAccount,
)
from registry.accounts.rules import (
    account_unit,
    known_platform,
    require_account,
    require_account_drafter,
    require_account_elements,
    require_account_status,
    require_certification,
    require_new_account,
    require_no_pending,
    require_not_filer,
    require_one_per_platform,
    require_other_reviewer,
    require_pending,
    require_reason,
    require_reviewed,
    require_same_platform,
    require_step,
)
from registry.accounts.state import AccountState, Filing, PublicAccount
from registry.actor import Actor, Role
from registry.items.rules import require_change
from registry.profile import Profile
from registry.rules import (
    require_approval_reference,
    require_approver,
    require_legality_reviewer,
    require_preliminary_reviewer,
    require_publisher,
    require_rejection_comment,
)

STAGE_ROLES = {"preliminary": Role.PRELIMINARY_REVIEWER, "legality": Role.LEGALITY_REVIEWER, "approval": Role.APPROVER}
# The status a published filing leaves the account at.
AFTER = {
    FilingKind.OPEN: AccountStatus.OPEN,
    FilingKind.CHANGE: AccountStatus.OPEN,
    FilingKind.SUSPEND: AccountStatus.SUSPENDED,
    FilingKind.CLOSE: AccountStatus.CLOSED,
}


def required_role(command: AnyAccountCommand) -> Role:
    """The role the command is carried out in (recorded with its events)."""
    match command:
        case ReviewAccount(stage=stage) | RejectAccount(stage=stage):
            return STAGE_ROLES[stage]
        case PublishAccount():
            return Role.PUBLISHER
        case _:
            return Role.DRAFTER


def decide(
    command: AnyAccountCommand, account: AccountState, profile: Profile, holders: tuple[str, ...] = ()
) -> list[AccountEvent]:
    """The events `command` makes of `account`, or RuleViolation. `holders`: the other accounts of the account's unit
    filed, published or suspended on the command's platform (read inside the write transaction)."""
    actor = command.actor
    match command:
        case FileAccount(account_id=account_id, unit=unit, elements=elements):
            require_new_account(account, account_id)
            owner = account_unit(profile, unit, actor)
            require_account_drafter(actor, owner)
            require_account_elements(elements)
            platform = known_platform(profile, elements.platform)
            elements = elements.model_copy(update={"platform": platform})
            require_certification(profile, elements, owner)
            require_one_per_platform(owner, platform, tuple(h for h in holders if h != account_id))
            return [AccountFiled(account_id=account_id, unit=owner, elements=elements)]
        case ChangeAccount(elements=values, fields=fields, reason=reason):
            require_account(account)
            require_account_status(account, N_("a change (变更备案)"), AccountStatus.OPEN, AccountStatus.SUSPENDED)
            require_no_pending(account)
            require_account_drafter(actor, account.unit)
            current = account.elements
            updated = AccountElements.model_validate(
                current.as_json() | {name: getattr(values, name) for name in fields}
            )
            if "platform" in fields:
                known = profile.platform(updated.platform)
                updated = updated.model_copy(update={"platform": known or updated.platform})
            require_same_platform(current, updated)
            require_account_elements(updated)
            require_certification(profile, updated, account.unit)
            reopen = account.status is AccountStatus.SUSPENDED
            changes = account_diff(current, updated)
            require_change(bool(changes) or reopen, N_("change (变更备案)"))
            require_reason(reason, N_("change (变更备案)"))
            return [
                AccountChangeFiled(
                    account_id=account.account_id,
                    version=account.last_version + 1,
                    reason=reason.strip(),
                    changes=changes,
                    reopen=reopen,
                )
            ]
        case SuspendAccount(reason=reason):
            require_account(account)
            require_account_status(account, N_("a suspension (关停)"), AccountStatus.OPEN)
            require_no_pending(account)
            require_account_drafter(actor, account.unit)
            require_reason(reason, N_("suspension (关停)"))
            return [
                AccountSuspensionFiled(
                    account_id=account.account_id, version=account.last_version + 1, reason=reason.strip()
                )
            ]
        case CloseAccount(reason=reason):
            require_account(account)
            require_account_status(account, N_("a closure (注销)"), AccountStatus.OPEN, AccountStatus.SUSPENDED)
            require_no_pending(account)
            require_account_drafter(actor, account.unit)
            require_reason(reason, N_("closure (注销)"))
            return [
                AccountClosureFiled(
                    account_id=account.account_id, version=account.last_version + 1, reason=reason.strip()
                )
            ]
        case ReviewAccount(stage=stage, comment=comment, reference=reference):
            require_account(account)
            filing = require_pending(account)
            require_step(profile, filing, stage)
            _require_reviewer(stage, actor, profile)
            if stage == "approval":
                require_approval_reference(reference)
            require_not_filer(filing, actor, N_("review"))
            require_other_reviewer(filing, actor)
            return [
                AccountReviewPassed(
                    account_id=account.account_id,
                    version=filing.version,
                    stage=stage,
                    comment=comment.strip(),
                    reference=reference.strip(),
                )
            ]
        case RejectAccount(stage=stage, comment=comment):
            require_account(account)
            filing = require_pending(account)
            require_step(profile, filing, stage)
            _require_reviewer(stage, actor, profile)
            require_rejection_comment(comment)
            return [
                AccountFilingRejected(
                    account_id=account.account_id, version=filing.version, stage=stage, comment=comment.strip()
                )
            ]
        case PublishAccount():
            require_account(account)
            filing = require_pending(account)
            require_publisher(actor, profile)
            require_reviewed(profile, filing)
            require_not_filer(filing, actor, N_("publish"))
            return [
                AccountPublished(
                    account_id=account.account_id,
                    version=filing.version,
                    kind=filing.kind,
                    elements=filing.elements,
                    status=AFTER[filing.kind],
                    published_at=command.at,
                )
            ]
        case _:
            assert_never(command)


def _require_reviewer(stage: str, actor: Actor, profile: Profile) -> None:
    if stage == "preliminary":
        require_preliminary_reviewer(actor, profile)
    elif stage == "legality":
        require_legality_reviewer(actor, profile)
    else:
        require_approver(actor)


def evolve(account: AccountState, event: AccountEvent, actor: str = "") -> AccountState:
    """The account after `event`, done by `actor`. Records only: every check was made in decide."""
    match event:
        case AccountFiled(account_id=account_id, unit=unit, elements=elements):
            filing = Filing(version=1, kind=FilingKind.OPEN, elements=elements, author=actor)
            return AccountState(
                account_id=account_id, unit=unit, status=AccountStatus.FILED, last_version=1, pending=filing
            )
        case AccountChangeFiled(version=version, reason=reason, changes=changes):
            elements = apply_account_changes(account.elements, changes)
            filing = Filing(version=version, kind=FilingKind.CHANGE, elements=elements, reason=reason, author=actor)
            return account.model_copy(update={"pending": filing, "last_version": version})
        case AccountSuspensionFiled(version=version, reason=reason):
            filing = Filing(
                version=version, kind=FilingKind.SUSPEND, elements=account.elements, reason=reason, author=actor
            )
            return account.model_copy(update={"pending": filing, "last_version": version})
        case AccountClosureFiled(version=version, reason=reason):
            filing = Filing(
                version=version, kind=FilingKind.CLOSE, elements=account.elements, reason=reason, author=actor
            )
            return account.model_copy(update={"pending": filing, "last_version": version})
        case AccountReviewPassed(stage=stage):
            waiting = account.pending
            assert waiting is not None
            passed = waiting.model_copy(
                update={"passed": (*waiting.passed, stage), "reviewers": waiting.reviewers | {actor}}
            )
            return account.model_copy(update={"pending": passed})
        case AccountFilingRejected():
            status = AccountStatus.REFUSED if account.status is AccountStatus.FILED else account.status
            return account.model_copy(update={"pending": None, "status": status})
        case AccountPublished(version=version, elements=elements, status=status, published_at=published_at):
            public = PublicAccount(version=version, elements=elements, published_at=published_at)
            return account.model_copy(update={"pending": None, "status": status, "published": public})
        case _:
            assert_never(event)


def fold(events: list[tuple[AccountEvent, str]]) -> AccountState:
    account = AccountState()
    for event, actor in events:
        account = evolve(account, event, actor)
    return account
