"""The staff schema's new-media accounts (政务新媒体): the list with 联系人, one account with its pending filing and its
history, and one mutation per account command.

A resolver builds the command, has the accounts' service execute it as the proven actor, and maps the receipt or the
refusal into the payload, as the item mutations do: the rules live in `decide` alone. Built on api.staff_schema's
shared types (user errors, idempotency keys, who acts, history steps), which imports this module once they are defined.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import graphene
from graphql import GraphQLError, ValueNode
from pydantic import ValidationError

from api.language import chinese
from api.scalars import DateTime, Offset, PageSize, ShortText, _at, _label, _string
from api.schema import Checkpoint, _labelled
from api.staff_schema import (
    _INVALID,
    PAGE,
    ElementChange,
    Given,
    HistoryStep,
    Retry,
    UserError,
    _acting,
    _camel,
    _elements,
    _registry,
    _value,
)
from events import checkpoint
from events.account import ACCOUNT_LABELS
from events.account import AccountElements as AccountElementsValue
from events.account import AccountStatus as AccountStatusValue
from events.account import FilingKind as FilingKindValue
from events.checkpoint import SigningKeyError
from events.elements import FieldChange
from events.envelope import StoredEvent, parse_time
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
from events.message import N_, Message
from events.store import CommandIdConflict, ConcurrencyConflict
from projections import media_accounts
from projections.history import ACTION_LABELS
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
from registry.accounts.decider import fold
from registry.accounts.rules import next_step
from registry.accounts.service import Accounts, new_account_id
from registry.accounts.state import AccountState, Filing
from registry.actor import Channel as ChannelValue
from registry.missing import NotFound
from registry.rules import RuleViolation
from registry.service import ACCOUNT_STREAM, now

_P = TypeVar("_P")


class AccountId(graphene.Scalar):
    """A new-media account's id (e.g. NM-1A2B3C4D): 1 to 200 characters, no control characters."""

    @staticmethod
    def serialize(value: Any) -> str:
        return str(value)

    @staticmethod
    def parse_value(value: Any) -> str:
        return _label("account id", value, required=True)

    @staticmethod
    def parse_literal(node: ValueNode, _variables: Any = None) -> str:
        return _at(node, AccountId.parse_value, _string("AccountId", node))


AccountStatus = _labelled(
    AccountStatusValue, "AccountStatus", "Where an account stands: 开设备案审核中, 正常, 已关停, 已注销, 开设备案退回."
)
FilingKind = _labelled(FilingKindValue, "FilingKind", "备案: what a filing asks: 开设, 变更, 关停 or 注销.")


class AccountStage(graphene.Enum):
    """A step of the profile's account review path (by default 初审 only, then 公布)."""

    PRELIMINARY = "preliminary"
    LEGALITY = "legality"
    APPROVAL = "approval"

    @property
    def description(self) -> str:
        return {"PRELIMINARY": "初审", "LEGALITY": "合法性审查", "APPROVAL": "审议"}[self.name]


# -- what staff see ------------------------------------------------------------------------------------------------


class AccountElementFields:
    """The elements of an account as the list names them."""

    name = graphene.String(required=True, description="账号名称")
    platform = graphene.String(required=True, description="平台, as the profile's vocabulary names it")
    handle = graphene.String(required=True, description="平台账号标识: the platform's id or handle")
    operator = graphene.String(required=True, description="运营单位: the contractor operating it, if any")
    certified_as = graphene.String(required=True, description="认证主体: names the 主办单位")
    opened_on = graphene.Date(description="开设日期")
    purpose = graphene.String(required=True, description="主要内容/定位")
    link = graphene.String(required=True, description="链接或二维码")
    contact = graphene.String(required=True, description="联系人: internal, never public")


class AccountElements(AccountElementFields, graphene.ObjectType):
    """What a filing of the account says, 联系人 included (the staff side only)."""

    @staticmethod
    def of(elements: AccountElementsValue) -> AccountElements:
        return AccountElements(**elements.model_dump())


class AccountElementsInput(graphene.InputObjectType):
    """Elements to set: those given (not null) are the ones a change (变更备案) changes."""

    name = graphene.String(description="账号名称")
    platform = graphene.String(
        description="平台: a platform of the profile or an alias (微信, 微博, 抖音号), or 其他：NAME"
    )
    handle = graphene.String(description="平台账号标识")
    operator = graphene.String(description="运营单位")
    certified_as = graphene.String(description="认证主体: must name the 主办单位 (认证一致)")
    opened_on = graphene.Date(description="开设日期")
    purpose = graphene.String(description="主要内容/定位")
    link = graphene.String(description="链接或二维码")
    contact = graphene.String(description="联系人 (internal)")


class PublishedAccount(graphene.ObjectType):
    """The account as the public list shows it (联系人 aside), since its last publication."""

    version = graphene.Int(required=True)
    elements = graphene.Field(AccountElements, required=True)
    published_at = DateTime(required=True)


class AccountFiling(graphene.ObjectType):
    """A filing (备案) in review: 开设, 变更, 关停 or 注销."""

    version = graphene.Int(required=True)
    kind = graphene.Field(FilingKind, required=True)
    elements = graphene.Field(AccountElements, required=True, description="what the account will say once published")
    reason = graphene.String(required=True)
    filed_by = graphene.String(required=True, description="the drafter who filed it")
    passed = graphene.List(graphene.NonNull(AccountStage), required=True, description="the review steps passed")
    next_step = graphene.String(required=True, description="preliminary, legality, approval, or publication")
    changes = graphene.List(
        graphene.NonNull(ElementChange), required=True, description="against the published account (none: a new one)"
    )

    @staticmethod
    def of(filing: Filing, published: AccountElementsValue, step: str | None) -> AccountFiling:
        return AccountFiling(
            version=filing.version,
            kind=filing.kind.value,
            elements=AccountElements.of(filing.elements),
            reason=filing.reason,
            filed_by=filing.author,
            passed=list(filing.passed),
            next_step=step or "publication",
            changes=[_change(change) for change in _diff(published, filing.elements)],
        )


class StaffAccount(graphene.ObjectType):
    """An account in any state, as staff see it: its published record, its pending filing and its whole history."""

    id = graphene.ID(required=True)
    unit = graphene.String(required=True, description="主办单位")
    status = graphene.Field(AccountStatus, required=True)
    status_label = graphene.String(required=True, description="e.g. 正常, 已关停, 已注销")
    version = graphene.Int(required=True, description="the newest filing's version, pending or published")
    stream_version = graphene.Int(required=True, description="events recorded for the account")
    elements = graphene.Field(AccountElements, required=True, description="the pending filing's, else the published")
    published = graphene.Field(PublishedAccount)
    pending = graphene.Field(AccountFiling)
    history = graphene.List(graphene.NonNull(HistoryStep), required=True, description="oldest first")

    @staticmethod
    def of(account: AccountState, stored: list[StoredEvent], step: str | None) -> StaffAccount:
        published = account.published
        return StaffAccount(
            id=account.account_id,
            unit=account.unit,
            status=account.status.value,
            status_label=account.status.label,
            version=account.last_version,
            stream_version=len(stored),
            elements=AccountElements.of(account.elements),
            published=PublishedAccount(
                version=published.version,
                elements=AccountElements.of(published.elements),
                published_at=published.published_at,
            )
            if published
            else None,
            pending=AccountFiling.of(account.pending, published.elements if published else AccountElementsValue(), step)
            if account.pending
            else None,
            history=[_history_step(event) for event in stored],
        )


class AccountSummary(graphene.ObjectType):
    """An account in the staff list."""

    id = graphene.ID(required=True)
    unit = graphene.String(required=True, description="主办单位")
    platform = graphene.String(required=True)
    name = graphene.String(required=True, description="the newest name, a pending filing's included")
    status = graphene.Field(AccountStatus, required=True)
    version = graphene.Int(required=True)
    published_version = graphene.Int(description="the version the public list shows (null: none yet)")
    pending_kind = graphene.Field(FilingKind, description="the filing in review, if there is one")
    contact = graphene.String(required=True, description="联系人 (internal)")
    updated_at = DateTime(required=True)


class AccountPage(graphene.ObjectType):
    total = graphene.Int(required=True, description="accounts that match, on every page")
    accounts = graphene.List(graphene.NonNull(AccountSummary), required=True)


def _state(stored: list[StoredEvent]) -> AccountState:
    return fold([(event.data, event.metadata.actor) for event in stored if isinstance(event.data, AccountEvent)])


def _diff(old: AccountElementsValue, new: AccountElementsValue) -> list[FieldChange]:
    before, after = old.as_json(), new.as_json()
    return [
        FieldChange(field=name, old=before[name] or None, new=after[name] or None)
        for name in AccountElementsValue.model_fields
        if before[name] != after[name]
    ]


def _change(change: FieldChange) -> ElementChange:
    return ElementChange(
        field=_camel(change.field), label=ACCOUNT_LABELS.get(change.field, ""), old=change.old, new=change.new
    )


ACCOUNT_ACTION_LABELS = {
    **ACTION_LABELS,
    "file": "开设备案",
    "change": "变更备案",
    "suspend": "关停",
    "close": "注销",
    "publish": "公布",
}


def _describe(stored: StoredEvent) -> tuple[str, int | None, str, list[FieldChange]]:
    """(action, filing version, reason or comment, element changes) of an account event."""
    reason = stored.metadata.reason
    match stored.data:
        case AccountFiled(elements=elements):
            return "file", 1, reason, _diff(AccountElementsValue(), elements)
        case AccountChangeFiled(version=version, reason=why, changes=changes):
            return "change", version, why, list(changes)
        case AccountSuspensionFiled(version=version, reason=why):
            return "suspend", version, why, []
        case AccountClosureFiled(version=version, reason=why):
            return "close", version, why, []
        case AccountReviewPassed(version=version, stage=stage, comment=comment, reference=reference):
            action = "approve" if stage == "approval" else f"{stage}_review_passed"
            return action, version, comment or reference or reason, []
        case AccountFilingRejected(version=version, stage=stage, comment=comment):
            return f"{stage}_rejected", version, comment, []
        case AccountPublished(version=version):
            return "publish", version, reason, []
        case _:
            return type(stored.data).__name__, None, reason, []


def _history_step(stored: StoredEvent) -> HistoryStep:
    action, version, reason, changes = _describe(stored)
    meta = stored.metadata
    return HistoryStep(
        position=stored.position,
        stream_version=stored.version,
        version=version,
        action=action,
        action_label=ACCOUNT_ACTION_LABELS.get(action, action),
        recorded_at=stored.recorded_at,
        occurred_at=stored.effective_at,
        actor=meta.actor,
        unit=meta.unit,
        role=meta.role,
        reason=reason,
        channel=meta.channel or ChannelValue.CLI.value,
        credential=meta.credential,
        backfilled_by=meta.backfilled_by,
        changes=[_change(change) for change in changes],
    )


def staff_account(info: graphene.ResolveInfo, account_id: str) -> StaffAccount | None:
    """The account as the staff schema shows it (None: never filed)."""
    registry = _registry(info)
    try:
        account, stored = Accounts(registry).load(account_id)
    except NotFound:
        return None
    step = next_step(registry.profile, account.pending) if account.pending else None
    return StaffAccount.of(account, stored, step)


class AccountQuery:
    """The staff queries of the new-media accounts (every signed-in staff member sees every account)."""

    accounts = graphene.Field(
        AccountPage,
        required=True,
        unit=graphene.Argument(ShortText, description="主办单位 (its name or an alias)"),
        status=graphene.Argument(AccountStatus, description="default: every status, filings in review included"),
        first=graphene.Argument(PageSize, default_value=PAGE, description="page size, default 50, at most 200"),
        offset=graphene.Argument(Offset, default_value=0, description="accounts to skip: the pages before"),
        description="The new-media account list (政务新媒体清单) as staff see it: every account, by unit and id, "
        "filings in review, refused and closed ones included, with 联系人.",
    )
    account = graphene.Field(
        StaffAccount,
        id=graphene.Argument(AccountId, required=True),
        description="An account with its pending filing and its whole history (null: no such account).",
    )

    @staticmethod
    def resolve_accounts(
        _root: None,
        info: graphene.ResolveInfo,
        first: int | None = PAGE,
        offset: int | None = 0,
        unit: str | None = None,
        status: Any = None,
    ) -> AccountPage:
        first = PAGE if first is None else first
        offset = offset or 0
        registry = _registry(info)
        known = registry.profile.unit(unit) if unit else None
        wanted = _value(status)
        with registry.store.reading() as conn:
            rows = media_accounts.all_accounts(
                conn, unit=known.name if known else unit or None, statuses=[wanted] if wanted else ()
            )
            page = rows[offset : offset + first]
            # 联系人 is internal: the projection keeps no copy of it, the account's stream has it
            contacts = {
                row["account_id"]: _state(
                    registry.store.read_stream(conn, ACCOUNT_STREAM + row["account_id"])
                ).elements.contact
                for row in page
            }
        return AccountPage(
            total=len(rows),
            accounts=[
                AccountSummary(
                    id=row["account_id"],
                    unit=row["unit"],
                    platform=row["platform"],
                    name=row["name"],
                    status=row["status"],
                    version=row["version"],
                    published_version=row["published_version"],
                    pending_kind=row["pending_kind"],
                    contact=contacts[row["account_id"]],
                    updated_at=parse_time(row["updated_at"]),
                )
                for row in page
            ],
        )

    @staticmethod
    def resolve_account(_root: None, info: graphene.ResolveInfo, id: str) -> StaffAccount | None:
        return staff_account(info, id)


# -- mutations ------------------------------------------------------------------------------------------------------


class AccountReceipt(graphene.ObjectType):
    """What an account command recorded: the account, its filing version, the last log position written."""

    account_id = graphene.ID(required=True)
    version = graphene.Int(required=True, description="the filing's version")
    position = graphene.Int(required=True)
    replayed = graphene.Boolean(
        required=True, description="a retry of a command already recorded: nothing new was appended"
    )
    checkpoint = graphene.Field(
        Checkpoint,
        description="the signed checkpoint of the log up to this receipt's position (after 公布, the one signed in "
        "the same transaction); null when none was signed at exactly that size",
    )

    @staticmethod
    def resolve_checkpoint(root: AccountReceipt, info: graphene.ResolveInfo) -> Checkpoint | None:
        with _registry(info).store.reading() as conn:
            signed = checkpoint.latest(conn, size=root.position)
        return Checkpoint.from_row(signed) if signed else None


class AccountOutcome:
    """Fields of every account mutation's payload."""

    account = graphene.Field(StaffAccount, description="the account afterwards (null: no such account)")
    receipt = graphene.Field(AccountReceipt, description="null when userErrors says why nothing was recorded")
    user_errors = graphene.List(graphene.NonNull(UserError), required=True)


class AccountTarget(Retry):
    """The fields of a mutation on a filed account."""

    account_id = graphene.Field(AccountId, required=True)


def carry_out(
    payload: Callable[..., _P], info: graphene.ResolveInfo, given: dict[str, Any], build: Callable[[Given], Any]
) -> _P:
    """Build the account command, have the accounts' service execute it as the proven actor (the proof goes into the
    events' metadata), and map the receipt or the refusal into the payload."""
    acting = _acting(info)
    key = given.get("command_id") or acting.idempotency_key
    command_id = f"{acting.scope}:{key}" if key else None
    try:
        command: AnyAccountCommand = build(Given(acting.actor, now(), command_id))
        receipt = Accounts(_registry(info)).execute(command, command_id=command_id, proof=acting.proof)
    except ValidationError as invalid:
        return _refused(payload, info, given, *_invalid(invalid))
    except RuleViolation as refusal:
        return _refused(payload, info, given, UserError.refused(refusal))
    except ConcurrencyConflict as moved_on:  # another write to the account in between: decide again on the new state
        return _refused(payload, info, given, UserError.of("CONFLICT", "accountId", moved_on))
    except CommandIdConflict as taken:
        return _refused(payload, info, given, UserError.of("CONFLICT", "commandId", taken))
    except NotFound as missing:
        return _refused(payload, info, given, UserError.of("NOT_FOUND", "accountId", missing))
    except SigningKeyError as unsigned:  # the server's configuration, not the caller's input
        raise GraphQLError(str(unsigned), extensions={"code": "SIGNING_KEY"}) from unsigned
    recorded = AccountReceipt(
        account_id=receipt.item_id, version=receipt.version, position=receipt.position, replayed=receipt.replayed
    )
    return payload(account=staff_account(info, receipt.item_id), receipt=recorded, user_errors=[])


def _refused(payload: Callable[..., _P], info: graphene.ResolveInfo, given: dict[str, Any], *errors: UserError) -> _P:
    account_id = given.get("account_id")
    return payload(account=staff_account(info, account_id) if account_id else None, receipt=None, user_errors=errors)


# The Chinese names of the inputs that are not elements, for an INVALID error's text.
_INPUT_LABELS = {"unit": "主办单位", "reason": "理由", "comment": "意见", "reference": "审议依据"}


def _invalid(error: ValidationError) -> list[UserError]:
    return [
        UserError(
            code="INVALID",
            field=".".join(_camel(str(part)) for part in e["loc"]),
            message=e["msg"],
            text=chinese(_invalid_text(e["loc"], e["type"], e.get("ctx") or {})),
        )
        for e in error.errors(include_url=False)
    ]


def _invalid_text(where: tuple[int | str, ...], kind: str, context: dict[str, Any]) -> Message:
    labels = {**_INPUT_LABELS, **ACCOUNT_LABELS}
    element = next((labels[str(part)] for part in reversed(where) if str(part) in labels), str(where[-1]))
    template = _INVALID.get(kind, N_("{element} is not a valid value"))
    return Message(template, element=element, max_length=context.get("max_length", ""))


class FileAccountPayload(graphene.relay.ClientIDMutation, AccountOutcome):
    """开设备案: file a new account, as a drafter of its 主办单位 (谁开设、谁主办); one per platform (一平台一账号)."""

    class Input(Retry):
        account_id = graphene.Field(
            AccountId, description="the new account's id (default: derived from commandId, else random: NM-…)"
        )
        unit = graphene.Field(ShortText, description="主办单位 (default: mine; aliases accepted)")
        elements = graphene.Field(AccountElementsInput, required=True)

    @classmethod
    def mutate_and_get_payload(cls, _root: None, info: graphene.ResolveInfo, **given: Any) -> FileAccountPayload:
        return carry_out(
            cls,
            info,
            given,
            lambda g: FileAccount(
                account_id=given.get("account_id") or new_account_id(g.command_id),
                actor=g.actor,
                at=g.at,
                unit=given.get("unit") or "",
                elements=_elements(given["elements"]),
            ),
        )


class ChangeAccountPayload(graphene.relay.ClientIDMutation, AccountOutcome):
    """变更备案: change elements of an open account, or reopen a suspended one; a name change states its reason."""

    class Input(AccountTarget):
        elements = graphene.Field(AccountElementsInput, required=True, description="the elements to change, only those")
        reason = graphene.String(description="why (变更留痕): required for a change of name")

    @classmethod
    def mutate_and_get_payload(cls, _root: None, info: graphene.ResolveInfo, **given: Any) -> ChangeAccountPayload:
        changed = _elements(given["elements"])
        return carry_out(
            cls,
            info,
            given,
            lambda g: ChangeAccount(
                account_id=given["account_id"],
                actor=g.actor,
                at=g.at,
                elements=changed,
                fields=frozenset(changed),
                reason=given.get("reason") or "",
            ),
        )


class SuspendAccountPayload(graphene.relay.ClientIDMutation, AccountOutcome):
    """关停: file the suspension of an open account, for a reason."""

    class Input(AccountTarget):
        reason = graphene.String(required=True)

    @classmethod
    def mutate_and_get_payload(cls, _root: None, info: graphene.ResolveInfo, **given: Any) -> SuspendAccountPayload:
        return carry_out(
            cls,
            info,
            given,
            lambda g: SuspendAccount(account_id=given["account_id"], actor=g.actor, at=g.at, reason=given["reason"]),
        )


class CloseAccountPayload(graphene.relay.ClientIDMutation, AccountOutcome):
    """注销: file the closure of an account for good, for a reason (注销不可恢复)."""

    class Input(AccountTarget):
        reason = graphene.String(required=True)

    @classmethod
    def mutate_and_get_payload(cls, _root: None, info: graphene.ResolveInfo, **given: Any) -> CloseAccountPayload:
        return carry_out(
            cls,
            info,
            given,
            lambda g: CloseAccount(account_id=given["account_id"], actor=g.actor, at=g.at, reason=given["reason"]),
        )


class ReviewAccountPayload(graphene.relay.ClientIDMutation, AccountOutcome):
    """Pass the pending filing at a step of the account review path (初审 by default); 审议 cites its reference."""

    class Input(AccountTarget):
        stage = graphene.Field(AccountStage, required=True)
        comment = graphene.String()
        reference = graphene.String(description="审议: the meeting or document")

    @classmethod
    def mutate_and_get_payload(cls, _root: None, info: graphene.ResolveInfo, **given: Any) -> ReviewAccountPayload:
        return carry_out(
            cls,
            info,
            given,
            lambda g: ReviewAccount(
                account_id=given["account_id"],
                actor=g.actor,
                at=g.at,
                stage=_value(given["stage"]),
                comment=given.get("comment") or "",
                reference=given.get("reference") or "",
            ),
        )


class RejectAccountPayload(graphene.relay.ClientIDMutation, AccountOutcome):
    """Send the pending filing back at a review step, saying why (a new account's filing is then refused)."""

    class Input(AccountTarget):
        stage = graphene.Field(AccountStage, required=True)
        comment = graphene.String(required=True, description="退回意见")

    @classmethod
    def mutate_and_get_payload(cls, _root: None, info: graphene.ResolveInfo, **given: Any) -> RejectAccountPayload:
        return carry_out(
            cls,
            info,
            given,
            lambda g: RejectAccount(
                account_id=given["account_id"],
                actor=g.actor,
                at=g.at,
                stage=_value(given["stage"]),
                comment=given["comment"],
            ),
        )


class PublishAccountPayload(graphene.relay.ClientIDMutation, AccountOutcome):
    """公布: the reviewed filing takes effect in the public list; signed with the server's key."""

    class Input(AccountTarget):
        pass

    @classmethod
    def mutate_and_get_payload(cls, _root: None, info: graphene.ResolveInfo, **given: Any) -> PublishAccountPayload:
        return carry_out(
            cls, info, given, lambda g: PublishAccount(account_id=given["account_id"], actor=g.actor, at=g.at)
        )


class AccountMutation:
    """The staff mutations of the new-media accounts."""

    file_account = FileAccountPayload.Field()
    change_account = ChangeAccountPayload.Field()
    suspend_account = SuspendAccountPayload.Field()
    close_account = CloseAccountPayload.Field()
    review_account = ReviewAccountPayload.Field()
    reject_account = RejectAccountPayload.Field()
    publish_account = PublishAccountPayload.Field()
