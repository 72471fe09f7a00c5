"""Supervision of the new-media account list: counts per unit and platform, and the inspections' three findings
(several accounts on one platform over time, a certification that does not name the 主办单位, a suspension past the
profile's limit), as of a day; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from events.account import AccountElements, AccountStatus
from registry.accounts.command import CloseAccount, FileAccount, PublishAccount, ReviewAccount, SuspendAccount
from registry.accounts.service import Accounts
from registry.accounts.state import AccountState, PublicAccount
from registry.actor import Role
from registry.profile import Unit, load_profile
from registry.service import Registry
from registry.supervision.accounts import account_coverage, judge

PROFILE = load_profile()
DAY = date(2026, 6, 30)


def published(account_id: str, unit: str, platform: str, status: AccountStatus, certified_as: str = "") -> AccountState:
    elements = AccountElements(name=account_id, platform=platform, handle=account_id, certified_as=certified_as or unit)
    public = PublicAccount(version=1, elements=elements, published_at=datetime(2026, 1, 5, tzinfo=UTC))
    return AccountState(account_id=account_id, unit=unit, status=status, last_version=1, published=public)


def test_a_unit_counts_its_open_and_suspended_accounts_by_platform() -> None:
    states = [
        published("a", "公安局", "微信公众号", AccountStatus.OPEN),
        published("b", "公安局", "抖音", AccountStatus.SUSPENDED),
        published("c", "公安局", "新浪微博", AccountStatus.CLOSED),
    ]

    report = judge(PROFILE, states, {}, DAY)

    (line,) = report.units
    assert (line.unit, line.open, line.suspended, line.closed) == ("公安局", {"微信公众号": 1}, {"抖音": 1}, 1)


def test_two_accounts_of_a_unit_on_one_platform_over_time_are_flagged_and_a_refused_opening_is_not() -> None:
    states = [
        published("old", "公安局", "新浪微博", AccountStatus.CLOSED),
        published("new", "公安局", "新浪微博", AccountStatus.OPEN),
        published("wx", "公安局", "微信公众号", AccountStatus.OPEN),
        published("tried", "公安局", "微信公众号", AccountStatus.REFUSED),
    ]

    report = judge(PROFILE, states, {}, DAY)

    assert [(d.unit, d.platform, d.accounts) for d in report.duplicates] == [("公安局", "新浪微博", ("new", "old"))]


def test_a_certification_that_no_longer_names_the_unit_under_the_current_profile_is_flagged() -> None:
    """The rule 认证一致 held when the account was filed; the unit was renamed since (机构改革)."""
    renamed = PROFILE.model_copy(
        update={
            "units": tuple(Unit(name="公安分局", kind="department") if u.name == "公安局" else u for u in PROFILE.units)
        }
    )
    states = [published("a", "公安局", "微信公众号", AccountStatus.OPEN, certified_as="公安局")]

    assert judge(PROFILE, states, {}, DAY).uncertified == []
    assert [(f.account_id, f.detail) for f in judge(renamed, states, {}, DAY).uncertified] == [("a", "公安局")]


def test_a_certification_naming_another_unit_is_flagged() -> None:
    states = [published("a", "公安局", "微信公众号", AccountStatus.OPEN, certified_as="财政局")]

    assert [(f.account_id, f.detail) for f in judge(PROFILE, states, {}, DAY).uncertified] == [("a", "财政局")]


def test_a_suspension_longer_than_the_profiles_limit_is_flagged_on_the_day_after_the_limit() -> None:
    since = datetime(2026, 1, 1, 4, tzinfo=UTC)  # 12:00 in the banner
    states = [published("a", "应急管理局", "今日头条", AccountStatus.SUSPENDED)]
    limit = PROFILE.account_suspension_limit
    last_day = date(2026, 1, 1) + timedelta(days=limit)

    assert judge(PROFILE, states, {"a": since}, last_day).suspended_too_long == []
    (flagged,) = judge(PROFILE, states, {"a": since}, last_day + timedelta(days=1)).suspended_too_long
    assert (flagged.account_id, flagged.days) == ("a", limit + 1)


def test_the_coverage_report_folds_the_account_streams_as_they_stood_at_the_end_of_a_day(registry: Registry) -> None:
    admin_name = "管理员"
    registry.register_actor(admin_name, "政务服务局", frozenset({Role.ADMIN}))
    admin = registry.actor(admin_name)
    for name, unit, role in (
        ("陈公安", "公安局", Role.DRAFTER),
        ("孙初审", "政务服务局", Role.PRELIMINARY_REVIEWER),
        ("吴发布", "政务服务局", Role.PUBLISHER),
    ):
        registry.register_actor(name, unit, frozenset({role}), admin)
    drafter, reviewer, publisher = (registry.actor(n) for n in ("陈公安", "孙初审", "吴发布"))
    accounts = Accounts(registry)

    def through(account_id: str) -> None:
        now = datetime.now(UTC)
        accounts.execute(ReviewAccount(account_id=account_id, actor=reviewer, at=now, stage="preliminary"))
        accounts.execute(PublishAccount(account_id=account_id, actor=publisher, at=now))

    now = datetime.now(UTC)
    weibo = AccountElements(name="鄂托克前旗公安", platform="微博", handle="etkqq_gaj", certified_as="公安局")
    accounts.execute(FileAccount(account_id="wb1", actor=drafter, at=now, elements=weibo))
    through("wb1")
    accounts.execute(CloseAccount(account_id="wb1", actor=drafter, at=now, reason="停止运营"))
    through("wb1")
    accounts.execute(FileAccount(account_id="wb2", actor=drafter, at=now, elements=weibo))
    through("wb2")
    accounts.execute(SuspendAccount(account_id="wb2", actor=drafter, at=now, reason="人员调整"))
    through("wb2")
    today = datetime.now(UTC)

    report = account_coverage(registry, today.date(), today + timedelta(days=1))
    before = account_coverage(registry, today.date(), datetime(2020, 1, 1, tzinfo=UTC))

    (line,) = report.units
    assert (line.open, line.suspended, line.closed) == ({}, {"新浪微博": 1}, 1)
    assert [d.accounts for d in report.duplicates] == [("wb1", "wb2")]
    assert report.units and before.units == [] and before.duplicates == []
