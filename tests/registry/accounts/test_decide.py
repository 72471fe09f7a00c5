"""The life of a new-media account, as given (events) / when (command) / then (events or a refusal). No database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events.account import AccountElements, AccountStatus, FilingKind
from events.elements import FieldChange
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
from registry.accounts.decider import decide, evolve, fold, required_role
from registry.accounts.state import AccountState, Filing, PublicAccount, initial_account
from registry.actor import Actor, Role
from registry.profile import Profile, load_profile
from registry.rules import Rule, RuleViolation

PROFILE = load_profile()
# The seed's full review path for accounts, with its 合法性审查 (法务中心) and 审议.
FULL_PATH = PROFILE.model_copy(update={"account_review": ("preliminary", "legality", "approval")})
ACCOUNT = "NM-0000A001"
NOON = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
LATER = NOON + timedelta(days=30)
REFERENCE = "2024年第3次政府常务会议"

DRAFTER = Actor(actor_id="李公安", unit="公安局", roles=frozenset({Role.DRAFTER}))
SECOND_DRAFTER = Actor(actor_id="赵公安", unit="公安局", roles=frozenset({Role.DRAFTER}))
OTHER_UNIT_DRAFTER = Actor(actor_id="张民政", unit="民政局", roles=frozenset({Role.DRAFTER}))
EDUCATION_DRAFTER = Actor(actor_id="钱教体", unit="教育体育局", roles=frozenset({Role.DRAFTER}))
REVIEWER = Actor(actor_id="孙初审", unit="政务服务局", roles=frozenset({Role.PRELIMINARY_REVIEWER}))
OTHER_UNIT_REVIEWER = Actor(actor_id="何财审", unit="财政局", roles=frozenset({Role.PRELIMINARY_REVIEWER}))
LEGALITY_REVIEWER = Actor(actor_id="周法务", unit="法务中心", roles=frozenset({Role.LEGALITY_REVIEWER}))
OTHER_UNIT_LEGALITY_REVIEWER = Actor(actor_id="秦审查", unit="政务服务局", roles=frozenset({Role.LEGALITY_REVIEWER}))
APPROVER = Actor(actor_id="王审议", unit="旗人民政府", roles=frozenset({Role.APPROVER}))
PUBLISHER = Actor(actor_id="吴发布", unit="政务服务局", roles=frozenset({Role.PUBLISHER}))
# A drafter of 政务服务局 who also reviews and publishes: the one 审核分离 is about.
ALL_ROUNDER = Actor(
    actor_id="陈政务",
    unit="政务服务局",
    roles=frozenset({Role.DRAFTER, Role.PRELIMINARY_REVIEWER, Role.LEGALITY_REVIEWER, Role.PUBLISHER}),
)

WECHAT = AccountElements(
    name="鄂托克前旗公安",
    platform="微信公众号",
    handle="gh_0123456789",
    certified_as="公安局",
    purpose="警情通报、办事指南",
    contact="王联络 0477-7000000",
)
SERVICE_WECHAT = WECHAT.model_copy(update={"name": "鄂托克前旗政务服务", "certified_as": "政务服务局"})

Given = tuple[AccountEvent, str]


def given(*history: Given) -> AccountState:
    return fold(list(history))


def filed(elements: AccountElements = WECHAT, unit: str = "公安局", by: Actor = DRAFTER) -> Given:
    return AccountFiled(account_id=ACCOUNT, unit=unit, elements=elements), by.actor_id


def passed(version: int = 1, stage: str = "preliminary", by: Actor = REVIEWER, reference: str = "") -> Given:
    return AccountReviewPassed(account_id=ACCOUNT, version=version, stage=stage, reference=reference), by.actor_id


def published(
    version: int = 1,
    kind: FilingKind = FilingKind.OPEN,
    status: AccountStatus = AccountStatus.OPEN,
    elements: AccountElements = WECHAT,
) -> Given:
    event = AccountPublished(
        account_id=ACCOUNT, version=version, kind=kind, elements=elements, status=status, published_at=NOON
    )
    return event, PUBLISHER.actor_id


def renamed(version: int = 2, name: str = "鄂托克前旗公安局") -> Given:
    change = FieldChange(field="name", old=WECHAT.name, new=name)
    return AccountChangeFiled(account_id=ACCOUNT, version=version, reason="机构改革", changes=(change,)), "李公安"


def suspension(version: int = 2) -> Given:
    return AccountSuspensionFiled(account_id=ACCOUNT, version=version, reason="暂停更新"), "李公安"


def closure(version: int = 2) -> Given:
    return AccountClosureFiled(account_id=ACCOUNT, version=version, reason="停止使用"), "李公安"


OPENED = (filed(), passed(), published())
SUSPENDED = (
    *OPENED,
    suspension(),
    passed(2),
    published(2, FilingKind.SUSPEND, AccountStatus.SUSPENDED),
)
CLOSED = (*OPENED, closure(), passed(2), published(2, FilingKind.CLOSE, AccountStatus.CLOSED))


def file(
    elements: AccountElements = WECHAT, *, by: Actor = DRAFTER, unit: str = "", account_id: str = ACCOUNT
) -> FileAccount:
    return FileAccount(account_id=account_id, actor=by, at=NOON, unit=unit, elements=elements)


def change(by: Actor = DRAFTER, reason: str = "机构改革", **values: str) -> ChangeAccount:
    return ChangeAccount(
        account_id=ACCOUNT,
        actor=by,
        at=LATER,
        elements=AccountElements.model_validate(values),
        fields=frozenset(values),
        reason=reason,
    )


def suspend(by: Actor = DRAFTER, reason: str = "暂停更新") -> SuspendAccount:
    return SuspendAccount(account_id=ACCOUNT, actor=by, at=LATER, reason=reason)


def close(by: Actor = DRAFTER, reason: str = "停止使用") -> CloseAccount:
    return CloseAccount(account_id=ACCOUNT, actor=by, at=LATER, reason=reason)


def review(by: Actor = REVIEWER, stage: AccountStage = "preliminary", reference: str = "") -> ReviewAccount:
    return ReviewAccount(account_id=ACCOUNT, actor=by, at=LATER, stage=stage, reference=reference)


def reject(by: Actor = REVIEWER, stage: AccountStage = "preliminary", comment: str = "名称不规范") -> RejectAccount:
    return RejectAccount(account_id=ACCOUNT, actor=by, at=LATER, stage=stage, comment=comment)


def publish(by: Actor = PUBLISHER) -> PublishAccount:
    return PublishAccount(account_id=ACCOUNT, actor=by, at=LATER)


def refused(
    rule: Rule,
    command: AnyAccountCommand,
    account: AccountState,
    profile: Profile = PROFILE,
    holders: tuple[str, ...] = (),
) -> RuleViolation:
    with pytest.raises(RuleViolation) as refusal:
        decide(command, account, profile, holders)
    assert refusal.value.rule is rule, str(refusal.value)
    return refusal.value


# -- 开设备案 --------------------------------------------------------------------------------------------------------


def test_a_drafter_files_an_account_of_their_unit() -> None:
    assert decide(file(), initial_account, PROFILE) == [
        AccountFiled(account_id=ACCOUNT, unit="公安局", elements=WECHAT)
    ]


@pytest.mark.parametrize(
    ("written", "recorded"),
    [
        ("政务微信", "微信公众号"),
        ("微信订阅号", "微信公众号"),
        ("微博", "新浪微博"),
        ("抖音号", "抖音"),
        ("其他：小红书", "其他：小红书"),
    ],
)
def test_a_filing_records_the_platform_by_its_name_in_the_profile(written: str, recorded: str) -> None:
    (event,) = decide(file(WECHAT.model_copy(update={"platform": written})), initial_account, PROFILE)
    assert isinstance(event, AccountFiled)
    assert event.elements.platform == recorded


def test_a_filing_names_the_unit_by_its_name_in_the_profile() -> None:
    elements = WECHAT.model_copy(update={"name": "鄂托克前旗教体", "certified_as": "教体局"})
    (event,) = decide(file(elements, by=EDUCATION_DRAFTER, unit="教体局"), initial_account, PROFILE)
    assert isinstance(event, AccountFiled)
    assert event.unit == "教育体育局"


def test_an_unknown_platform_is_refused_with_the_vocabulary() -> None:
    refusal = refused(Rule.ACCOUNT_ELEMENTS, file(WECHAT.model_copy(update={"platform": "飞鸽"})), initial_account)
    assert "微信公众号" in refusal.message


def test_an_account_without_name_platform_and_handle_is_refused_naming_them() -> None:
    refusal = refused(Rule.ACCOUNT_ELEMENTS, file(AccountElements(certified_as="公安局")), initial_account)
    for label in ("账号名称", "平台", "平台账号标识"):
        assert label in refusal.message


def test_a_drafter_of_another_unit_cannot_file_for_the_unit() -> None:
    refusal = refused(Rule.DRAFTING_UNIT, file(by=OTHER_UNIT_DRAFTER, unit="公安局"), initial_account)
    assert "公安局" in refusal.message


def test_only_drafters_file_accounts() -> None:
    refused(Rule.DRAFTING_UNIT, file(SERVICE_WECHAT, by=REVIEWER), initial_account)


def test_an_account_of_an_unknown_unit_is_refused() -> None:
    refusal = refused(Rule.DRAFTING_UNIT, file(by=DRAFTER, unit="宣传部门"), initial_account)
    assert "unknown unit '宣传部门'" in refusal.message


@pytest.mark.parametrize("certified_as", ["鄂尔多斯市某某文化传媒有限公司", "民政局", "", "  "])
def test_the_certification_names_the_unit(certified_as: str) -> None:
    elements = WECHAT.model_copy(update={"certified_as": certified_as, "operator": "鄂尔多斯市某某文化传媒有限公司"})
    refusal = refused(Rule.CERTIFICATION, file(elements), initial_account)
    assert "公安局" in refusal.message


def test_a_missing_certification_is_named_missing() -> None:
    refusal = refused(Rule.CERTIFICATION, file(WECHAT.model_copy(update={"certified_as": " "})), initial_account)
    assert "认证主体 is missing" in refusal.message


@pytest.mark.parametrize("certified_as", ["旗政务服务局", "鄂托克前旗政务服务局"])
def test_the_certification_may_name_the_unit_by_an_alias_or_after_the_jurisdiction(certified_as: str) -> None:
    elements = SERVICE_WECHAT.model_copy(update={"certified_as": certified_as})
    assert decide(file(elements, by=ALL_ROUNDER), initial_account, PROFILE)


def test_a_second_account_of_the_unit_on_the_platform_is_refused() -> None:
    refusal = refused(Rule.ONE_ACCOUNT_PER_PLATFORM, file(), initial_account, holders=("NM-0000A000",))
    assert "NM-0000A000" in refusal.message
    assert "微信公众号" in refusal.message


def test_the_account_itself_does_not_count_as_another_on_its_platform() -> None:
    assert decide(file(), initial_account, PROFILE, holders=(ACCOUNT,))


def test_an_account_id_is_filed_once() -> None:
    refused(Rule.KNOWN_ACCOUNT, file(), given(filed()))


def test_a_refused_account_is_not_filed_again_under_its_id() -> None:
    refused(Rule.KNOWN_ACCOUNT, file(), given(filed(), (reject_event(), REVIEWER.actor_id)))


def test_a_closed_account_is_not_filed_again_under_its_id() -> None:
    refused(Rule.CLOSURE_IS_FINAL, file(), given(*CLOSED))


def reject_event(version: int = 1, stage: str = "preliminary") -> AccountFilingRejected:
    return AccountFilingRejected(account_id=ACCOUNT, version=version, stage=stage, comment="名称不规范")


# -- 变更备案 --------------------------------------------------------------------------------------------------------


def test_a_change_with_a_reason_goes_to_review_with_the_old_and_new_values() -> None:
    assert decide(change(name="鄂托克前旗公安局"), given(*OPENED), PROFILE) == [
        AccountChangeFiled(
            account_id=ACCOUNT,
            version=2,
            reason="机构改革",
            changes=(FieldChange(field="name", old="鄂托克前旗公安", new="鄂托克前旗公安局"),),
        )
    ]


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_change_without_a_reason_is_refused(reason: str) -> None:
    refused(Rule.CHANGE_TRAIL, change(reason=reason, name="鄂托克前旗公安局"), given(*OPENED))


def test_a_change_that_changes_nothing_is_refused() -> None:
    refused(Rule.ADJUSTMENT, change(name=WECHAT.name), given(*OPENED))


def test_a_change_cannot_move_the_account_to_another_platform() -> None:
    refusal = refused(Rule.ONE_ACCOUNT_PER_PLATFORM, change(platform="新浪微博"), given(*OPENED))
    assert "新浪微博" in refusal.message


def test_a_change_writing_the_platform_by_an_alias_keeps_the_platform() -> None:
    (event,) = decide(change(platform="政务微信", operator="鄂尔多斯市某某文化传媒有限公司"), given(*OPENED), PROFILE)
    assert isinstance(event, AccountChangeFiled)
    assert [item.field for item in event.changes] == ["operator"]


def test_a_change_of_certification_to_the_operator_is_refused() -> None:
    refused(Rule.CERTIFICATION, change(certified_as="鄂尔多斯市某某文化传媒有限公司"), given(*OPENED))


def test_a_change_cannot_empty_the_name() -> None:
    refused(Rule.ACCOUNT_ELEMENTS, change(name=""), given(*OPENED))


def test_a_drafter_of_another_unit_cannot_change_the_account() -> None:
    refused(Rule.DRAFTING_UNIT, change(by=OTHER_UNIT_DRAFTER, name="民政之声"), given(*OPENED))


def test_another_drafter_of_the_unit_may_change_the_account() -> None:
    assert decide(change(by=SECOND_DRAFTER, name="鄂托克前旗公安局"), given(*OPENED), PROFILE)


def test_an_account_in_its_opening_review_is_not_changed() -> None:
    refused(Rule.ORDER, change(name="鄂托克前旗公安局"), given(filed()))


def test_an_account_with_a_filing_in_review_is_not_changed_again() -> None:
    refused(Rule.ORDER, change(name="前旗公安"), given(*OPENED, renamed()))


def test_a_change_of_an_unknown_account_is_refused() -> None:
    refused(Rule.KNOWN_ACCOUNT, change(name="鄂托克前旗公安局"), initial_account)


def test_a_change_without_element_changes_reopens_a_suspended_account() -> None:
    assert decide(change(), given(*SUSPENDED), PROFILE) == [
        AccountChangeFiled(account_id=ACCOUNT, version=3, reason="机构改革", changes=(), reopen=True)
    ]


def test_a_reopening_states_its_reason() -> None:
    refused(Rule.CHANGE_TRAIL, change(reason=""), given(*SUSPENDED))


# -- 关停 and 注销 ---------------------------------------------------------------------------------------------------


def test_a_suspension_with_a_reason_goes_to_review() -> None:
    assert decide(suspend(), given(*OPENED), PROFILE) == [
        AccountSuspensionFiled(account_id=ACCOUNT, version=2, reason="暂停更新")
    ]


def test_a_suspension_without_a_reason_is_refused() -> None:
    refused(Rule.CHANGE_TRAIL, suspend(reason=" "), given(*OPENED))


def test_a_suspended_account_is_not_suspended_again() -> None:
    refused(Rule.ORDER, suspend(), given(*SUSPENDED))


def test_a_drafter_of_another_unit_cannot_suspend_the_account() -> None:
    refused(Rule.DRAFTING_UNIT, suspend(by=OTHER_UNIT_DRAFTER), given(*OPENED))


def test_an_account_with_a_filing_in_review_is_not_suspended() -> None:
    refused(Rule.ORDER, suspend(), given(*OPENED, renamed()))


@pytest.mark.parametrize("history", [OPENED, SUSPENDED], ids=["open", "suspended"])
def test_an_open_or_suspended_account_is_closed_with_a_reason(history: tuple[Given, ...]) -> None:
    version = given(*history).last_version + 1
    assert decide(close(), given(*history), PROFILE) == [
        AccountClosureFiled(account_id=ACCOUNT, version=version, reason="停止使用")
    ]


def test_a_closure_without_a_reason_is_refused() -> None:
    refused(Rule.CHANGE_TRAIL, close(reason=""), given(*OPENED))


def test_an_account_in_its_opening_review_is_not_closed() -> None:
    refused(Rule.ORDER, close(), given(filed()))


def test_a_drafter_of_another_unit_cannot_close_the_account() -> None:
    refused(Rule.DRAFTING_UNIT, close(by=OTHER_UNIT_DRAFTER), given(*OPENED))


@pytest.mark.parametrize(
    "command",
    [change(name="鄂托克前旗公安局"), change(), suspend(), close()],
    ids=["change", "reopen", "suspend", "close"],
)
def test_a_closed_account_is_closed_for_good(command: AnyAccountCommand) -> None:
    refusal = refused(Rule.CLOSURE_IS_FINAL, command, given(*CLOSED))
    assert ACCOUNT in refusal.message


# -- the review path ---------------------------------------------------------------------------------------------


def test_the_preliminary_reviewer_passes_a_filing() -> None:
    assert decide(review(), given(filed()), PROFILE) == [
        AccountReviewPassed(account_id=ACCOUNT, version=1, stage="preliminary")
    ]


def test_a_preliminary_reviewer_of_another_unit_cannot_review() -> None:
    refusal = refused(Rule.PRELIMINARY_REVIEWER, review(by=OTHER_UNIT_REVIEWER), given(filed()))
    assert "政务服务局" in refusal.message


def test_the_filer_cannot_review_their_own_filing() -> None:
    refused(Rule.SEPARATION_OF_DUTIES, review(by=ALL_ROUNDER), given(filed(SERVICE_WECHAT, "政务服务局", ALL_ROUNDER)))


def test_nothing_in_review_is_not_reviewed() -> None:
    refused(Rule.ORDER, review(), given(*OPENED))


def test_a_step_outside_the_profile_path_is_refused_naming_the_path() -> None:
    refusal = refused(Rule.ORDER, review(LEGALITY_REVIEWER, "legality"), given(filed(), passed()))
    assert "account review path is 初审" in refusal.message


def test_a_step_passed_already_is_not_passed_again() -> None:
    refused(Rule.ORDER, review(), given(filed(), passed()), FULL_PATH)


def test_the_full_path_takes_its_steps_in_order() -> None:
    refused(Rule.ORDER, review(LEGALITY_REVIEWER, "legality"), given(filed()), FULL_PATH)
    refused(Rule.ORDER, review(APPROVER, "approval", REFERENCE), given(filed(), passed()), FULL_PATH)


def test_the_full_path_passes_legality_review_then_approval() -> None:
    account = given(filed(), passed())
    assert decide(review(LEGALITY_REVIEWER, "legality"), account, FULL_PATH) == [
        AccountReviewPassed(account_id=ACCOUNT, version=1, stage="legality")
    ]
    account = given(filed(), passed(), passed(stage="legality", by=LEGALITY_REVIEWER))
    assert decide(review(APPROVER, "approval", REFERENCE), account, FULL_PATH) == [
        AccountReviewPassed(account_id=ACCOUNT, version=1, stage="approval", reference=REFERENCE)
    ]


def test_the_legality_review_is_done_by_the_legal_unit() -> None:
    account = given(filed(), passed())
    refusal = refused(Rule.LEGALITY_REVIEWER, review(OTHER_UNIT_LEGALITY_REVIEWER, "legality"), account, FULL_PATH)
    assert "法务中心" in refusal.message
    refused(Rule.LEGALITY_REVIEWER, review(REVIEWER, "legality"), account, FULL_PATH)


def test_the_approval_is_done_by_an_approver() -> None:
    account = given(filed(), passed(), passed(stage="legality", by=LEGALITY_REVIEWER))
    refused(Rule.APPROVER, review(PUBLISHER, "approval", REFERENCE), account, FULL_PATH)


def test_an_approval_cites_its_meeting_or_document() -> None:
    account = given(filed(), passed(), passed(stage="legality", by=LEGALITY_REVIEWER))
    refused(Rule.APPROVAL_REFERENCE, review(APPROVER, "approval", " "), account, FULL_PATH)


def test_one_person_passes_one_step_of_a_filing() -> None:
    legal_here = FULL_PATH.model_copy(update={"legal_unit": "政务服务局"})
    account = given(filed(), passed(by=ALL_ROUNDER))
    refused(Rule.SEPARATION_OF_DUTIES, review(ALL_ROUNDER, "legality"), account, legal_here)


def test_a_rejection_states_why() -> None:
    refused(Rule.REJECTION_COMMENT, reject(comment=" "), given(filed()))


def test_a_rejection_is_made_at_the_step_the_filing_waits_for() -> None:
    assert decide(reject(), given(filed()), PROFILE) == [reject_event()]
    refused(Rule.ORDER, reject(LEGALITY_REVIEWER, "legality"), given(filed()), FULL_PATH)


def test_a_rejection_is_made_by_the_step_reviewer() -> None:
    refused(Rule.PRELIMINARY_REVIEWER, reject(by=OTHER_UNIT_REVIEWER), given(filed()))


def test_nothing_in_review_is_not_rejected() -> None:
    refused(Rule.ORDER, reject(), given(*OPENED))


# -- 公布 ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "kind", "status", "elements"),
    [
        ((filed(), passed()), FilingKind.OPEN, AccountStatus.OPEN, WECHAT),
        (
            (*OPENED, renamed(), passed(2)),
            FilingKind.CHANGE,
            AccountStatus.OPEN,
            WECHAT.model_copy(update={"name": "鄂托克前旗公安局"}),
        ),
        ((*OPENED, suspension(), passed(2)), FilingKind.SUSPEND, AccountStatus.SUSPENDED, WECHAT),
        ((*OPENED, closure(), passed(2)), FilingKind.CLOSE, AccountStatus.CLOSED, WECHAT),
    ],
    ids=["open", "change", "suspend", "close"],
)
def test_publication_puts_the_reviewed_filing_into_effect(
    history: tuple[Given, ...], kind: FilingKind, status: AccountStatus, elements: AccountElements
) -> None:
    version = given(*history).last_version
    assert decide(publish(), given(*history), PROFILE) == [
        AccountPublished(
            account_id=ACCOUNT, version=version, kind=kind, elements=elements, status=status, published_at=LATER
        )
    ]


def test_publication_waits_for_the_review_path() -> None:
    refusal = refused(Rule.ORDER, publish(), given(filed()))
    assert "初审" in refusal.message
    refused(Rule.ORDER, publish(), given(filed(), passed()), FULL_PATH)


def test_only_a_publisher_of_the_review_unit_publishes() -> None:
    refused(Rule.PUBLISHER, publish(REVIEWER), given(filed(), passed()))
    other_publisher = PUBLISHER.model_copy(update={"unit": "公安局"})
    refused(Rule.PUBLISHER, publish(other_publisher), given(filed(), passed()))


def test_the_filer_cannot_publish_their_own_filing() -> None:
    account = given(filed(SERVICE_WECHAT, "政务服务局", ALL_ROUNDER), passed())
    refused(Rule.SEPARATION_OF_DUTIES, publish(ALL_ROUNDER), account)


def test_nothing_in_review_is_not_published() -> None:
    refused(Rule.ORDER, publish(), given(*OPENED))


def test_a_profile_without_review_steps_publishes_a_filing_directly() -> None:
    publication_only = PROFILE.model_copy(update={"account_review": ()})
    assert decide(publish(), given(filed()), publication_only)
    refused(Rule.ORDER, review(), given(filed()), publication_only)


# -- evolve: what each event leaves ------------------------------------------------------------------------------


def test_a_filed_account_holds_its_platform_in_review() -> None:
    account = given(filed())
    assert (account.account_id, account.unit, account.status, account.last_version) == (
        ACCOUNT,
        "公安局",
        AccountStatus.FILED,
        1,
    )
    assert account.pending == Filing(version=1, kind=FilingKind.OPEN, elements=WECHAT, author="李公安")
    assert account.published is None
    assert account.status.holds_platform


def test_a_passed_step_is_recorded_with_its_reviewer() -> None:
    pending = given(filed(), passed()).pending
    assert pending is not None
    assert (pending.passed, pending.reviewers) == (("preliminary",), frozenset({"孙初审"}))


def test_a_published_opening_is_open_and_public() -> None:
    account = given(*OPENED)
    assert (account.status, account.pending) == (AccountStatus.OPEN, None)
    assert account.published == PublicAccount(version=1, elements=WECHAT, published_at=NOON)


def test_a_change_in_review_leaves_the_published_record() -> None:
    account = given(*OPENED, renamed())
    assert account.status is AccountStatus.OPEN
    assert account.published is not None and account.published.elements == WECHAT
    assert account.pending is not None
    assert (account.pending.kind, account.pending.reason, account.pending.elements.name) == (
        FilingKind.CHANGE,
        "机构改革",
        "鄂托克前旗公安局",
    )
    assert account.elements.name == "鄂托克前旗公安局"


def test_a_published_change_replaces_the_public_record() -> None:
    renamed_elements = WECHAT.model_copy(update={"name": "鄂托克前旗公安局"})
    account = given(*OPENED, renamed(), passed(2), published(2, FilingKind.CHANGE, elements=renamed_elements))
    assert account.published == PublicAccount(version=2, elements=renamed_elements, published_at=NOON)
    assert (account.status, account.last_version, account.pending) == (AccountStatus.OPEN, 2, None)


@pytest.mark.parametrize(
    ("history", "status", "holds"),
    [(SUSPENDED, AccountStatus.SUSPENDED, True), (CLOSED, AccountStatus.CLOSED, False)],
    ids=["suspended", "closed"],
)
def test_a_published_suspension_or_closure_sets_the_status(
    history: tuple[Given, ...], status: AccountStatus, holds: bool
) -> None:
    account = given(*history)
    assert (account.status, account.pending, account.status.holds_platform) == (status, None, holds)


def test_a_suspension_or_closure_in_review_leaves_the_account_open() -> None:
    for filing, kind in ((suspension(), FilingKind.SUSPEND), (closure(), FilingKind.CLOSE)):
        account = given(*OPENED, filing)
        assert account.status is AccountStatus.OPEN
        assert account.pending is not None and account.pending.kind is kind


def test_a_rejected_opening_leaves_the_account_refused_and_frees_the_platform() -> None:
    account = given(filed(), (reject_event(), REVIEWER.actor_id))
    assert (account.status, account.pending) == (AccountStatus.REFUSED, None)
    assert not account.status.holds_platform


def test_a_rejected_change_leaves_the_account_as_published() -> None:
    account = given(*OPENED, renamed(), (reject_event(2), REVIEWER.actor_id))
    assert (account.status, account.pending) == (AccountStatus.OPEN, None)
    assert account.elements == WECHAT


def test_evolve_records_without_checking() -> None:
    # A fact recorded under rules that have since changed still loads: evolve does not re-check the certification.
    uncertified = WECHAT.model_copy(update={"certified_as": "鄂尔多斯市某某文化传媒有限公司"})
    account = evolve(initial_account, AccountFiled(account_id=ACCOUNT, unit="公安局", elements=uncertified), "李公安")
    assert account.elements == uncertified


@pytest.mark.parametrize(
    ("command", "role"),
    [
        (file(), Role.DRAFTER),
        (close(), Role.DRAFTER),
        (review(), Role.PRELIMINARY_REVIEWER),
        (review(LEGALITY_REVIEWER, "legality"), Role.LEGALITY_REVIEWER),
        (reject(APPROVER, "approval"), Role.APPROVER),
        (publish(), Role.PUBLISHER),
    ],
)
def test_each_command_is_carried_out_in_its_role(command: AnyAccountCommand, role: Role) -> None:
    assert required_role(command) is role
