"""Steps of the new-media account specs (features/media_account_*.feature): words into account commands and reads.

Accounts are named in the specs by the 账号名称 they were filed with; `account_ids` maps that name to the account's
id for the whole scenario (a renamed account keeps its first name there). A `假如` step fails the scenario if the
registry refuses it; a `当` step records what the registry did in `outcome`; a `那么` step reads the result.
Helpers are private so that `from tests.features.account_steps import *` in the conftest shares only the steps.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

from events.account import ACCOUNT_LABELS, AccountElements, AccountStatus, FilingKind
from events.elements import FieldChange
from events.event import AccountChangeFiled, AccountFiled
from projections import media_accounts
from registry.accounts.command import (
    AccountStage,
    AnyAccountCommand,
    ChangeAccount,
    CloseAccount,
    FileAccount,
    PublishAccount,
    RejectAccount,
    ReviewAccount,
    SuspendAccount,
)
from registry.accounts.rules import next_step
from registry.accounts.service import Accounts, new_account_id
from registry.accounts.state import AccountState
from registry.missing import NotFound
from registry.rules import RuleViolation
from registry.service import Receipt, Registry, now


@dataclass(frozen=True)
class _Kind:
    """A type of parse's step patterns: the text `pattern` matches, as written."""

    pattern: str

    def __call__(self, text: str) -> str:
        return text


# {x:Q} is a quoted text, {x:W} a name or a word: neither runs over a quotation mark into the next part of a sentence.
_TYPES = {"Q": _Kind(r"[^“”]+"), "W": _Kind(r"[^“”，、\s]+")}
_FIELDS = {label: field for field, label in ACCOUNT_LABELS.items()}
_STATUSES = {status.label: status for status in AccountStatus}
_KINDS = {kind.label: kind for kind in FilingKind}
_STAGES: dict[str, AccountStage] = {"初审": "preliminary", "合法性审查": "legality", "审议": "approval"}


def _words(pattern: str) -> parsers.parse:
    """A step pattern whose {x:Q} stands for a quoted text and {x:W} for a name or word, so that no pattern of the
    account steps reads another's sentence."""
    return parsers.parse(pattern, extra_types=_TYPES)


@dataclass(frozen=True)
class _Outcome:
    """What the registry did with the command of a `当` step, and what the account list was before it."""

    account_id: str
    events_before: int
    list_before: list[dict[str, Any]]
    receipt: Receipt | None = None
    refusal: RuleViolation | None = None


@pytest.fixture
def account_ids() -> dict[str, str]:
    """账号名称 as first filed -> account id, for the scenario."""
    return {}


def _id_of(account_ids: dict[str, str], account: str) -> str:
    assert account in account_ids, f"no account {account!r} was filed in this scenario"
    return account_ids[account]


def _events_in(registry: Registry, account_id: str) -> int:
    try:
        return len(Accounts(registry).load(account_id)[1])
    except NotFound:
        return 0


def _listed(registry: Registry) -> list[dict[str, Any]]:
    with registry.store.reading() as conn:
        return media_accounts.all_accounts(conn)


def _state_of(registry: Registry, account_id: str) -> AccountState:
    return Accounts(registry).load(account_id)[0]


def _carry_out(registry: Registry, command: AnyAccountCommand) -> Receipt:
    """Run a `假如` step's command; a refusal here means the scenario's history is wrong, so it fails."""
    return Accounts(registry).execute(command)


def _attempt(registry: Registry, command: AnyAccountCommand) -> _Outcome:
    before = _events_in(registry, command.account_id), _listed(registry)
    try:
        return _Outcome(command.account_id, *before, receipt=Accounts(registry).execute(command))
    except RuleViolation as refusal:
        return _Outcome(command.account_id, *before, refusal=refusal)


# -- the commands, by the words that ask for them ---------------------------------------------------------------


def _file(
    registry: Registry,
    account_ids: dict[str, str],
    name: str,
    platform: str,
    account: str,
    *,
    unit: str = "",
    certified_as: str | None = None,
    operator: str = "",
) -> FileAccount:
    """开设备案 of a new account named `account`; certified as its 主办单位 unless the step says otherwise."""
    actor = registry.actor(name)
    account_id = account_ids.setdefault(account, new_account_id())
    elements = AccountElements(
        name=account,
        platform=platform,
        handle=f"gh_{uuid.uuid4().hex[:12]}",
        operator=operator,
        certified_as=(unit or actor.unit) if certified_as is None else certified_as,
        purpose="发布本单位政务信息",
        contact="王联络 0477-7000000",
    )
    return FileAccount(account_id=account_id, actor=actor, at=now(), unit=unit, elements=elements)


def _change(registry: Registry, account_id: str, name: str, label: str, text: str, reason: str) -> ChangeAccount:
    assert label in _FIELDS, f"unknown account element {label!r}; the specs use {', '.join(_FIELDS)}"
    field = _FIELDS[label]
    return ChangeAccount(
        account_id=account_id,
        actor=registry.actor(name),
        at=now(),
        elements=AccountElements.model_validate({field: text}),
        fields=frozenset({field}),
        reason=reason,
    )


def _reopen(registry: Registry, account_id: str, name: str, reason: str) -> ChangeAccount:
    """A 变更备案 that changes no element: it reopens a suspended account."""
    return ChangeAccount(
        account_id=account_id,
        actor=registry.actor(name),
        at=now(),
        elements=AccountElements(),
        fields=frozenset(),
        reason=reason,
    )


def _suspend(registry: Registry, account_id: str, name: str, reason: str) -> SuspendAccount:
    return SuspendAccount(account_id=account_id, actor=registry.actor(name), at=now(), reason=reason)


def _close(registry: Registry, account_id: str, name: str, reason: str) -> CloseAccount:
    return CloseAccount(account_id=account_id, actor=registry.actor(name), at=now(), reason=reason)


def _review(registry: Registry, account_id: str, name: str) -> ReviewAccount:
    return ReviewAccount(account_id=account_id, actor=registry.actor(name), at=now(), stage="preliminary")


def _reject(registry: Registry, account_id: str, name: str, stage: str, comment: str) -> RejectAccount:
    assert stage in _STAGES, f"unknown review step {stage!r}"
    return RejectAccount(
        account_id=account_id, actor=registry.actor(name), at=now(), stage=_STAGES[stage], comment=comment
    )


def _publish(registry: Registry, account_id: str, name: str) -> PublishAccount:
    return PublishAccount(account_id=account_id, actor=registry.actor(name), at=now())


# -- 假如: what has already happened to the accounts -------------------------------------------------------------


@given(_words("{name:W}已在“{platform:Q}”备案开设账号“{account:Q}”"))
def account_filed(registry: Registry, account_ids: dict[str, str], name: str, platform: str, account: str) -> None:
    _carry_out(registry, _file(registry, account_ids, name, platform, account))


@given(_words("{drafter:W}在“{platform:Q}”开设的账号“{account:Q}”已经{reviewer:W}初审并由{publisher:W}公布"))
def account_opened(
    registry: Registry,
    account_ids: dict[str, str],
    drafter: str,
    platform: str,
    account: str,
    reviewer: str,
    publisher: str,
) -> None:
    account_id = _carry_out(registry, _file(registry, account_ids, drafter, platform, account)).item_id
    _carry_out(registry, _review(registry, account_id, reviewer))
    _carry_out(registry, _publish(registry, account_id, publisher))


@given(_words("{name:W}已初审通过账号“{account:Q}”"))
def account_reviewed(registry: Registry, account_ids: dict[str, str], name: str, account: str) -> None:
    _carry_out(registry, _review(registry, _id_of(account_ids, account), name))


@given(_words("{name:W}已在{stage:W}退回账号“{account:Q}”，意见为“{comment:Q}”"))
def account_rejected(
    registry: Registry, account_ids: dict[str, str], name: str, stage: str, account: str, comment: str
) -> None:
    _carry_out(registry, _reject(registry, _id_of(account_ids, account), name, stage, comment))


@given(_words("{name:W}已公布账号“{account:Q}”"))
def account_published(registry: Registry, account_ids: dict[str, str], name: str, account: str) -> None:
    _carry_out(registry, _publish(registry, _id_of(account_ids, account), name))


@given(_words("{name:W}已以“{reason:Q}”为由将账号“{account:Q}”的{label:W}变更为“{text:Q}”"))
def account_change_filed(
    registry: Registry, account_ids: dict[str, str], name: str, reason: str, account: str, label: str, text: str
) -> None:
    _carry_out(registry, _change(registry, _id_of(account_ids, account), name, label, text, reason))


@given(_words("{name:W}已以“{reason:Q}”为由备案变更，重新开通账号“{account:Q}”"))
def account_reopening_filed(
    registry: Registry, account_ids: dict[str, str], name: str, reason: str, account: str
) -> None:
    _carry_out(registry, _reopen(registry, _id_of(account_ids, account), name, reason))


@given(_words("{name:W}已以“{reason:Q}”为由关停账号“{account:Q}”"))
def account_suspension_filed(
    registry: Registry, account_ids: dict[str, str], name: str, reason: str, account: str
) -> None:
    _carry_out(registry, _suspend(registry, _id_of(account_ids, account), name, reason))


@given(_words("{name:W}已以“{reason:Q}”为由注销账号“{account:Q}”"))
def account_closure_filed(
    registry: Registry, account_ids: dict[str, str], name: str, reason: str, account: str
) -> None:
    _carry_out(registry, _close(registry, _id_of(account_ids, account), name, reason))


# -- 当: the command under test ---------------------------------------------------------------------------------


@when(_words("{name:W}在“{platform:Q}”备案开设账号“{account:Q}”"), target_fixture="outcome")
def account_try_file(
    registry: Registry, account_ids: dict[str, str], name: str, platform: str, account: str
) -> _Outcome:
    return _attempt(registry, _file(registry, account_ids, name, platform, account))


@when(
    _words("{name:W}在“{platform:Q}”备案开设账号“{account:Q}”，认证主体为“{certified:Q}”"),
    target_fixture="outcome",
)
def account_try_file_certified(
    registry: Registry, account_ids: dict[str, str], name: str, platform: str, account: str, certified: str
) -> _Outcome:
    return _attempt(registry, _file(registry, account_ids, name, platform, account, certified_as=certified))


@when(
    _words("{name:W}在“{platform:Q}”备案开设账号“{account:Q}”，由“{operator:Q}”运营，认证主体为“{certified:Q}”"),
    target_fixture="outcome",
)
def account_try_file_operated(
    registry: Registry,
    account_ids: dict[str, str],
    name: str,
    platform: str,
    account: str,
    operator: str,
    certified: str,
) -> _Outcome:
    command = _file(registry, account_ids, name, platform, account, certified_as=certified, operator=operator)
    return _attempt(registry, command)


@when(_words("{name:W}为“{unit:Q}”在“{platform:Q}”备案开设账号“{account:Q}”"), target_fixture="outcome")
def account_try_file_for(
    registry: Registry, account_ids: dict[str, str], name: str, unit: str, platform: str, account: str
) -> _Outcome:
    return _attempt(registry, _file(registry, account_ids, name, platform, account, unit=unit))


@when(_words("{name:W}以已注销账号“{account:Q}”的编号重新备案开设"), target_fixture="outcome")
def account_try_file_again(registry: Registry, account_ids: dict[str, str], name: str, account: str) -> _Outcome:
    account_id = _id_of(account_ids, account)
    first = _state_of(registry, account_id)
    assert first.published is not None
    command = FileAccount(
        account_id=account_id, actor=registry.actor(name), at=now(), elements=first.published.elements
    )
    return _attempt(registry, command)


@when(_words("{name:W}初审通过账号“{account:Q}”"), target_fixture="outcome")
def account_try_review(registry: Registry, account_ids: dict[str, str], name: str, account: str) -> _Outcome:
    return _attempt(registry, _review(registry, _id_of(account_ids, account), name))


@when(_words("{name:W}在{stage:W}退回账号“{account:Q}”，意见为“{comment:Q}”"), target_fixture="outcome")
def account_try_reject(
    registry: Registry, account_ids: dict[str, str], name: str, stage: str, account: str, comment: str
) -> _Outcome:
    return _attempt(registry, _reject(registry, _id_of(account_ids, account), name, stage, comment))


@when(_words("{name:W}在{stage:W}退回账号“{account:Q}”，未写意见"), target_fixture="outcome")
def account_try_reject_silently(
    registry: Registry, account_ids: dict[str, str], name: str, stage: str, account: str
) -> _Outcome:
    return _attempt(registry, _reject(registry, _id_of(account_ids, account), name, stage, ""))


@when(_words("{name:W}公布账号“{account:Q}”"), target_fixture="outcome")
def account_try_publish(registry: Registry, account_ids: dict[str, str], name: str, account: str) -> _Outcome:
    return _attempt(registry, _publish(registry, _id_of(account_ids, account), name))


@when(_words("{name:W}以“{reason:Q}”为由将账号“{account:Q}”的{label:W}变更为“{text:Q}”"), target_fixture="outcome")
def account_try_change(
    registry: Registry, account_ids: dict[str, str], name: str, reason: str, account: str, label: str, text: str
) -> _Outcome:
    return _attempt(registry, _change(registry, _id_of(account_ids, account), name, label, text, reason))


@when(_words("{name:W}将账号“{account:Q}”的{label:W}变更为“{text:Q}”，未说明理由"), target_fixture="outcome")
def account_try_change_without_reason(
    registry: Registry, account_ids: dict[str, str], name: str, account: str, label: str, text: str
) -> _Outcome:
    return _attempt(registry, _change(registry, _id_of(account_ids, account), name, label, text, ""))


@when(_words("{name:W}以“{reason:Q}”为由备案变更，重新开通账号“{account:Q}”"), target_fixture="outcome")
def account_try_reopen(
    registry: Registry, account_ids: dict[str, str], name: str, reason: str, account: str
) -> _Outcome:
    return _attempt(registry, _reopen(registry, _id_of(account_ids, account), name, reason))


@when(_words("{name:W}备案变更，重新开通账号“{account:Q}”，未说明理由"), target_fixture="outcome")
def account_try_reopen_without_reason(
    registry: Registry, account_ids: dict[str, str], name: str, account: str
) -> _Outcome:
    return _attempt(registry, _reopen(registry, _id_of(account_ids, account), name, ""))


@when(_words("{name:W}以“{reason:Q}”为由关停账号“{account:Q}”"), target_fixture="outcome")
def account_try_suspend(
    registry: Registry, account_ids: dict[str, str], name: str, reason: str, account: str
) -> _Outcome:
    return _attempt(registry, _suspend(registry, _id_of(account_ids, account), name, reason))


@when(_words("{name:W}关停账号“{account:Q}”，未说明理由"), target_fixture="outcome")
def account_try_suspend_without_reason(
    registry: Registry, account_ids: dict[str, str], name: str, account: str
) -> _Outcome:
    return _attempt(registry, _suspend(registry, _id_of(account_ids, account), name, ""))


@when(_words("{name:W}以“{reason:Q}”为由注销账号“{account:Q}”"), target_fixture="outcome")
def account_try_close(
    registry: Registry, account_ids: dict[str, str], name: str, reason: str, account: str
) -> _Outcome:
    return _attempt(registry, _close(registry, _id_of(account_ids, account), name, reason))


@when(_words("{name:W}注销账号“{account:Q}”，未说明理由"), target_fixture="outcome")
def account_try_close_without_reason(
    registry: Registry, account_ids: dict[str, str], name: str, account: str
) -> _Outcome:
    return _attempt(registry, _close(registry, _id_of(account_ids, account), name, ""))


# -- 那么: what the registry did, and what the public list shows --------------------------------------------------


def _carried_out(outcome: _Outcome) -> None:
    assert outcome.refusal is None, f"expected the command to be carried out, but: {outcome.refusal}"


@then(_words("被拒绝，依据规则“{code:Q}”，不留记录"))
def account_refused_by(registry: Registry, outcome: _Outcome, code: str) -> None:
    assert outcome.refusal is not None, f"expected a refusal by {code}, but the command was carried out"
    assert outcome.refusal.rule.code == code, str(outcome.refusal)
    assert str(outcome.refusal).startswith(f"refused [{code}]: ")
    assert _events_in(registry, outcome.account_id) == outcome.events_before, "a refused command recorded something"
    assert _listed(registry) == outcome.list_before, "a refused command changed the account list"


@then(_words("账号“{account:Q}”处于“{label:Q}”"))
def account_now(registry: Registry, account_ids: dict[str, str], outcome: _Outcome, account: str, label: str) -> None:
    _carried_out(outcome)
    assert _state_of(registry, _id_of(account_ids, account)).status is _STATUSES[label]


@then(_words("账号“{account:Q}”仍处于“{label:Q}”"))
def account_still(registry: Registry, account_ids: dict[str, str], account: str, label: str) -> None:
    assert _state_of(registry, _id_of(account_ids, account)).status is _STATUSES[label]


@then(_words("账号“{account:Q}”的{kind:W}已受理，待初审"))
def account_filing_waits(
    registry: Registry, account_ids: dict[str, str], outcome: _Outcome, account: str, kind: str
) -> None:
    _carried_out(outcome)
    pending = _state_of(registry, _id_of(account_ids, account)).pending
    assert pending is not None, "the account has no filing in review"
    assert (pending.kind, pending.passed) == (_KINDS[kind], ())


@then(_words("账号“{account:Q}”已通过初审，待公布"))
def account_waits_for_publication(
    registry: Registry, account_ids: dict[str, str], outcome: _Outcome, account: str
) -> None:
    _carried_out(outcome)
    pending = _state_of(registry, _id_of(account_ids, account)).pending
    assert pending is not None, "the account has no filing in review"
    assert pending.passed == ("preliminary",)
    assert next_step(registry.profile, pending) is None


def _in_public_list(registry: Registry, account_id: str, **query: Any) -> media_accounts.ListedAccount | None:
    with registry.store.reading() as conn:
        return next(
            (entry for entry in media_accounts.public_list(conn, **query) if entry.account_id == account_id), None
        )


@then(_words("公开清单列出“{unit:Q}”的“{platform:Q}”账号“{account:Q}”，状态为“{label:Q}”"))
def account_listed(
    registry: Registry, account_ids: dict[str, str], unit: str, platform: str, account: str, label: str
) -> None:
    entry = _in_public_list(registry, _id_of(account_ids, account), unit=unit, platform=platform)
    assert entry is not None, f"{account} is not in the public list under {unit} and {platform}"
    assert entry.status is _STATUSES[label]
    assert "contact" not in entry.elements, "the public list shows the internal 联系人"


@then(_words("公开清单中没有账号“{account:Q}”"))
def account_not_listed(registry: Registry, account_ids: dict[str, str], account: str) -> None:
    assert _in_public_list(registry, _id_of(account_ids, account)) is None


@then(_words("按“{label:Q}”筛选的公开清单列出账号“{account:Q}”"))
def account_listed_with_status(registry: Registry, account_ids: dict[str, str], label: str, account: str) -> None:
    entry = _in_public_list(registry, _id_of(account_ids, account), statuses=[_STATUSES[label]])
    assert entry is not None, f"{account} is not in the public list of accounts {label}"
    assert entry.published_at, "the public list does not date the account's last change"


@then(_words("公开清单中账号“{account:Q}”的{label:W}为“{text:Q}”"))
def account_listed_as(registry: Registry, account_ids: dict[str, str], account: str, label: str, text: str) -> None:
    entry = _in_public_list(registry, _id_of(account_ids, account))
    assert entry is not None, f"{account} is not in the public list"
    assert entry.elements[_FIELDS[label]] == text


@then(_words("账号“{account:Q}”的历史记录保留{label:W}由“{old:Q}”变更为“{new:Q}”"))
def account_history_keeps(
    registry: Registry, account_ids: dict[str, str], account: str, label: str, old: str, new: str
) -> None:
    events = [stored.data for stored in Accounts(registry).load(_id_of(account_ids, account))[1]]
    field = _FIELDS[label]
    filed = [event for event in events if isinstance(event, AccountFiled)]
    assert [getattr(event.elements, field) for event in filed] == [old]
    changes = [change for event in events if isinstance(event, AccountChangeFiled) for change in event.changes]
    assert FieldChange(field=field, old=old, new=new) in changes, changes
