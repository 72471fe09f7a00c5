"""The demo's new-media accounts (政务新媒体清单): a dozen accounts of the banner's units, through the whole account
life: 开设备案, 初审, 公布, a name change with its reason, a suspension, a closure, and a filing still in review.
DEMO DATA: the names, handles and contacts are made up for the demo (handles start with demo_)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import NamedTuple

from events.account import AccountElements
from registry.accounts.command import (
    ChangeAccount,
    CloseAccount,
    FileAccount,
    PublishAccount,
    ReviewAccount,
    SuspendAccount,
)
from registry.accounts.service import Accounts
from registry.actor import Actor
from registry.service import Registry

REVIEWER = "孙初审"
PUBLISHER = "吴发布"


class DemoAccount(NamedTuple):
    account_id: str
    drafter: str
    unit: str
    name: str
    platform: str
    opened_on: date
    purpose: str
    operator: str = ""
    then: str = ""  # what happens after publication: rename:NEW NAME|REASON, suspend:REASON, close:REASON, pending


ACCOUNTS = (
    DemoAccount(
        "NM-GAJ-WX",
        "陈公安",
        "公安局",
        "鄂托克前旗公安",
        "微信公众号",
        date(2016, 5, 4),
        "警务公开、防诈提醒、办事指南",
    ),
    DemoAccount(
        "NM-GAJ-DY", "陈公安", "公安局", "鄂托克前旗公安", "抖音", date(2019, 8, 1), "警情通报、安全防范短视频"
    ),
    DemoAccount(
        "NM-GAJ-WB",
        "陈公安",
        "公安局",
        "鄂托克前旗公安",
        "新浪微博",
        date(2013, 3, 18),
        "警务资讯",
        then="close:长期无更新，内容并入微信公众号运营",
    ),
    DemoAccount("NM-GAJ-WB2", "陈公安", "公安局", "鄂托克前旗公安", "微博", date(2024, 4, 1), "警务资讯、警情通报"),
    DemoAccount(
        "NM-WL-WX",
        "宋文旅",
        "文化和旅游局",
        "鄂托克前旗文旅",
        "微信公众号",
        date(2018, 6, 12),
        "文旅资讯、景区开放信息",
        operator="（演示）鄂尔多斯某文化传媒有限公司",
    ),
    DemoAccount(
        "NM-WL-DY",
        "宋文旅",
        "文化和旅游局",
        "鄂托克前旗文旅",
        "抖音",
        date(2020, 9, 1),
        "文旅宣传短视频",
        then="rename:魅力鄂托克前旗|机构职能调整后统一文旅宣传品牌",
    ),
    DemoAccount(
        "NM-JT-WX", "赵教育", "教育体育局", "鄂托克前旗教体", "微信公众号", date(2017, 9, 1), "招生入学、教育政策"
    ),
    DemoAccount(
        "NM-WJ-WX", "曹卫健", "卫生健康委员会", "健康鄂托克前旗", "微信公众号", date(2017, 4, 7), "健康科普、疫苗接种"
    ),
    DemoAccount(
        "NM-YJ-WX", "罗应急", "应急管理局", "鄂托克前旗应急管理", "微信公众号", date(2019, 3, 1), "预警信息、安全生产"
    ),
    DemoAccount(
        "NM-YJ-TT",
        "罗应急",
        "应急管理局",
        "鄂托克前旗应急管理",
        "今日头条",
        date(2019, 11, 5),
        "预警信息转发",
        then="suspend:人员调整，暂停更新，恢复时另行变更备案",
    ),
    DemoAccount(
        "NM-SJ-WX",
        "冯市监",
        "市场监督管理局",
        "鄂托克前旗市场监管",
        "微信公众号",
        date(2019, 1, 10),
        "食品安全、消费提示",
    ),
    DemoAccount(
        "NM-CC-WX", "刘城川", "城川镇", "城川镇人民政府", "微信公众号", date(2018, 5, 20), "镇务公开、惠民政策"
    ),
    DemoAccount("NM-AL-WX", "巴特尔", "敖勒召其镇", "敖勒召其镇发布", "微信公众号", date(2018, 7, 2), "镇务公开"),
    DemoAccount(
        "NM-AL-KS", "巴特尔", "敖勒召其镇", "敖勒召其镇", "快手", date(2022, 3, 1), "农牧民服务短视频", then="pending"
    ),
    DemoAccount("NM-SHM-DY", "苏和", "上海庙镇", "上海庙镇", "抖音", date(2021, 6, 8), "镇村动态"),
)


def build_accounts(registry: Registry, people: dict[str, Actor]) -> int:
    """Record the demo's accounts at the registry's time (the list is kept from now on); returns how many."""
    accounts = Accounts(registry)
    reviewer, publisher = people[REVIEWER], people[PUBLISHER]
    for number, spec in enumerate(ACCOUNTS, start=1):
        drafter = people[spec.drafter]
        elements = AccountElements(
            name=spec.name,
            platform=spec.platform,
            handle=f"demo_{spec.account_id.lower().replace('-', '_')}",
            operator=spec.operator,
            certified_as=spec.unit,
            opened_on=spec.opened_on,
            purpose=spec.purpose,
            contact=f"（演示）联系人{number:02d} 0477-00000{number:02d}",
        )
        accounts.execute(FileAccount(account_id=spec.account_id, actor=drafter, at=_now(), elements=elements))
        if spec.then == "pending":
            continue
        _through_review(accounts, spec.account_id, reviewer, publisher)
        kind, _, detail = spec.then.partition(":")
        if kind == "rename":
            name, _, reason = detail.partition("|")
            change = elements.model_copy(update={"name": name})
            accounts.execute(
                ChangeAccount(
                    account_id=spec.account_id,
                    actor=drafter,
                    at=_now(),
                    elements=change,
                    fields=frozenset({"name"}),
                    reason=reason,
                )
            )
        elif kind == "suspend":
            accounts.execute(SuspendAccount(account_id=spec.account_id, actor=drafter, at=_now(), reason=detail))
        elif kind == "close":
            accounts.execute(CloseAccount(account_id=spec.account_id, actor=drafter, at=_now(), reason=detail))
        if kind:
            _through_review(accounts, spec.account_id, reviewer, publisher)
    return len(ACCOUNTS)


def _through_review(accounts: Accounts, account_id: str, reviewer: Actor, publisher: Actor) -> None:
    for stage in accounts.registry.profile.account_review:
        assert stage == "preliminary", "the demo's profile reviews accounts at 初审 only"
        accounts.execute(ReviewAccount(account_id=account_id, actor=reviewer, at=_now(), stage="preliminary"))
    accounts.execute(PublishAccount(account_id=account_id, actor=publisher, at=_now()))


def _now() -> datetime:
    return datetime.now(UTC)  # the service records the registry's own time; this is the caller's, kept beside it
