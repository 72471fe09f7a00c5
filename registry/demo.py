"""The demo registry: a realistic sample catalog of the banner, with an item in every state."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from events.elements import ItemElements
from events.event import ReviewStage
from registry.actor import Actor, Role
from registry.calendar import WorkingCalendar
from registry.command import (
    AdjustItem,
    ApproveItem,
    DraftItem,
    PassReview,
    PublishItem,
    RejectItem,
    RetireItem,
    SubmitItem,
)
from registry.service import Registry

PORTAL_AND_MORE = ["政府网站", "政务服务中心", "公开查阅点"]
WORKING_DAYS_20 = "信息形成或者变更之日起20个工作日内"

ACTORS: list[tuple[str, str, set[Role]]] = [
    ("管理员", "政务服务局", {Role.ADMIN}),
    ("李财政", "财政局", {Role.DRAFTER}),
    ("张民政", "民政局", {Role.DRAFTER}),
    ("赵教育", "教育体育局", {Role.DRAFTER}),
    ("陈公安", "公安局", {Role.DRAFTER}),
    ("刘城川", "城川镇", {Role.DRAFTER}),
    ("孙初审", "政务服务局", {Role.PRELIMINARY_REVIEWER}),
    ("周法务", "法务中心", {Role.LEGALITY_REVIEWER}),
    ("王审议", "旗人民政府", {Role.APPROVER}),
    ("吴发布", "政务服务局", {Role.PUBLISHER}),
]

ITEMS: list[dict[str, Any]] = [
    {
        "id": "czj-yusuan",
        "domain": "财政预决算",
        "by": "李财政",
        "path": "published",
        "timeline": {"start": date(2020, 6, 29), "pace": 2},  # published 7-13: 财政局 on time
        "elements": {
            "category": "财政预决算",
            "name": "政府预算",
            "content": "一般公共预算、政府性基金预算、国有资本经营预算、社会保险基金预算，政府债务限额、余额等，"
            "“三公”经费预算情况说明",
            "basis": "《中华人民共和国预算法》《中华人民共和国预算法实施条例》《地方预决算公开操作规程》",
            "time_limit": "本级人民代表大会或其常务委员会批准后20日内",
            "body": "财政局",
            "channels": PORTAL_AND_MORE,
            "audience": ["public"],
            "method": ["proactive"],
            "levels": ["county"],
        },
    },
    {
        "id": "czj-juesuan",
        "domain": "财政预决算",
        "by": "李财政",
        "path": "adjusting",
        "timeline": {"start": date(2020, 8, 3), "pace": 3, "later": date(2020, 11, 16)},
        "elements": {
            "category": "财政预决算",
            "name": "政府决算",
            "content": "一般公共预算、政府性基金预算、国有资本经营预算、社会保险基金预算决算，政府债务情况",
            "basis": "《中华人民共和国预算法》《地方预决算公开操作规程》",
            "time_limit": "本级人民代表大会常务委员会批准后20日内",
            "body": "财政局",
            "channels": ["政府网站"],
            "audience": ["public"],
            "method": ["proactive"],
            "levels": ["county"],
        },
        "adjust": {
            "trigger": "法律法规修订",
            "reason": "《中华人民共和国预算法实施条例》修订，增加转移支付公开内容",
            "content": "一般公共预算、政府性基金预算、国有资本经营预算、社会保险基金预算决算，政府债务情况，"
            "转移支付安排情况",
        },
    },
    {
        "id": "mzj-dibao",
        "domain": "社会救助",
        "by": "张民政",
        "path": "published",
        "timeline": {"start": date(2020, 7, 6), "pace": 3},  # published 7-27: 民政局 late
        "elements": {
            "category": "最低生活保障",
            "name": "城乡低保对象认定结果",
            "content": "低保对象姓名（隐去身份证号等个人隐私）、家庭保障人口、月保障金额",
            "basis": "《社会救助暂行办法》《最低生活保障审核确认办法》",
            "time_limit": WORKING_DAYS_20,
            "body": "民政局、各镇人民政府",
            "channels": ["政府网站", "社区/企事业单位/村公示栏（电子屏）", "便民服务站"],
            "audience": ["public", "specific_group"],
            "audience_note": "低保申请人及其家庭成员",
            "method": ["proactive"],
            "levels": ["county", "township", "village"],
        },
    },
    {
        "id": "mzj-tekun",
        "domain": "社会救助",
        "by": "张民政",
        "path": "preliminary",
        "timeline": {"start": date(2020, 9, 1), "pace": 2},
        "elements": {
            "category": "特困人员救助供养",
            "name": "特困人员认定办理流程",
            "content": "申请条件、申请材料、办理流程、办理时限、咨询电话",
            "basis": "《社会救助暂行办法》《特困人员认定办法》",
            "time_limit": WORKING_DAYS_20,
            "body": "民政局",
            "channels": ["政府网站", "政务服务中心"],
            "audience": ["public"],
            "method": ["proactive"],
            "levels": ["county", "township"],
        },
    },
    {
        "id": "mzj-gaoling",
        "domain": "养老服务",
        "by": "张民政",
        "path": "approved",
        "timeline": {"start": date(2020, 9, 14), "pace": 3},
        "elements": {
            "category": "养老服务",
            "name": "高龄津贴发放",
            "content": "发放对象、发放标准、发放时间、发放名单",
            "basis": "《中华人民共和国老年人权益保障法》",
            "time_limit": WORKING_DAYS_20,
            "body": "民政局",
            "channels": ["政府网站", "社区/企事业单位/村公示栏（电子屏）"],
            "audience": ["public"],
            "method": ["proactive"],
            "levels": ["county", "village"],
        },
    },
    {
        "id": "jtj-zhaosheng",
        "domain": "义务教育",
        "by": "赵教育",
        "path": "rejected",
        "timeline": {"start": date(2020, 6, 15), "pace": 2},
        "elements": {
            "category": "招生入学",
            "name": "义务教育招生入学政策",
            "content": "招生范围、招生计划、报名条件、报名时间、录取办法",
            "basis": "《中华人民共和国义务教育法》",
            "time_limit": WORKING_DAYS_20,
            "body": "教育体育局",
            "channels": ["政府网站", "纸质媒体"],
            "audience": ["public"],
            "method": ["proactive"],
            "levels": ["county"],
        },
        "rejection": "公开依据应补充《教育部关于做好普通中小学招生入学工作的通知》，并列明招生范围的划分依据",
    },
    {
        "id": "jtj-jihua",
        "domain": "义务教育",
        "by": "赵教育",
        "path": "draft",
        "timeline": {"start": date(2020, 10, 12), "pace": 2},
        "elements": {"category": "招生入学", "name": "学校招生计划", "content": "各学校招生计划数、学区划分"},
    },
    {
        "id": "gaj-qianyi",
        "domain": "户籍管理",
        "by": "陈公安",
        "path": "retired",
        "timeline": {"start": date(2020, 7, 1), "pace": 2, "later": date(2020, 11, 30)},
        "elements": {
            "category": "户口迁移",
            "name": "市外迁入户口准迁证办理",
            "content": "办理条件、所需材料、办理时限、办理地点",
            "basis": "《中华人民共和国户口登记条例》",
            "time_limit": WORKING_DAYS_20,
            "body": "公安局",
            "channels": ["政府网站", "政务服务中心"],
            "audience": ["public"],
            "method": ["proactive"],
            "levels": ["county"],
        },
        "retire": {"trigger": "上级取消", "reason": "自治区取消市外迁入户口准迁证，改为“一站式”迁移办理"},
    },
    {
        "id": "ccz-dili",
        "domain": "涉农补贴",
        "unit": "城川镇",
        "by": "刘城川",
        "path": "published",
        "timeline": {"start": date(2020, 6, 22), "pace": 2},  # published 7-7: 城川镇 on time
        "elements": {
            "category": "惠农补贴",
            "name": "耕地地力保护补贴发放",
            "content": "补贴对象、补贴标准、补贴面积、发放金额、发放名单",
            "basis": "《耕地地力保护补贴资金管理办法》",
            "time_limit": WORKING_DAYS_20,
            "body": "城川镇人民政府",
            "channels": ["政府网站", "社区/企事业单位/村公示栏（电子屏）", "两微一端"],
            "audience": ["public"],
            "method": ["proactive"],
            "levels": ["township", "village"],
        },
    },
    {
        "id": "mzj-yanglao",
        "domain": "养老服务",
        "by": "张民政",
        "path": "published",
        "timeline": {"start": date(2020, 10, 19), "pace": 3},  # published 11-9: 养老服务 late, 民政局 updated
        "elements": {
            "category": "养老服务",
            "name": "养老机构名录",
            "content": "养老机构名称、地址、床位数、收费标准、联系电话",
            "basis": "《中华人民共和国老年人权益保障法》《养老机构管理办法》",
            "time_limit": WORKING_DAYS_20,
            "body": "民政局",
            "channels": ["政府网站", "政务服务中心"],
            "audience": ["public"],
            "method": ["proactive"],
            "levels": ["county"],
        },
    },
    {
        "id": "czj-bumen",
        "domain": "财政预决算",
        "by": "李财政",
        "path": "submitted",
        "timeline": {"start": date(2020, 12, 14), "pace": 2},
        "elements": {
            "category": "财政预决算",
            "name": "部门预算",
            "content": "部门收支总表、收入总表、支出总表、财政拨款收支总表，“三公”经费预算及增减变化原因",
            "basis": "《中华人民共和国预算法》《地方预决算公开操作规程》",
            "time_limit": "本级人民代表大会批准后20日内",
            "body": "财政局及各预算部门",
            "channels": ["政府网站"],
            "audience": ["public"],
            "method": ["proactive"],
            "levels": ["county"],
        },
    },
    {
        "id": "jtj-zizhu",
        "domain": "义务教育",
        "by": "赵教育",
        "path": "legality",
        "timeline": {"start": date(2020, 11, 2), "pace": 3},
        "elements": {
            "category": "学生资助",
            "name": "家庭经济困难学生生活补助",
            "content": "资助政策、申请条件、申请程序、资助标准、受助学生名单（隐去身份证号等个人隐私）",
            "basis": "《中华人民共和国义务教育法》《学生资助资金管理办法》",
            "time_limit": WORKING_DAYS_20,
            "body": "教育体育局",
            "channels": ["政府网站", "社区/企事业单位/村公示栏（电子屏）"],
            "audience": ["public", "specific_group"],
            "audience_note": "家庭经济困难学生及其监护人",
            "method": ["proactive"],
            "levels": ["county"],
        },
    },
]

STOPS = ("draft", "rejected", "submitted", "preliminary", "legality", "approved", "published")


def build_demo(registry: Registry) -> str:
    """Record the demo actors and items through the application service; returns a one-line summary."""
    admin = None
    for name, unit, roles in ACTORS:
        registry.register_actor(name, unit, frozenset(roles), admin)
        if admin is None:
            admin = registry.actor(name)
    people = {name: registry.actor(name) for name, _, _ in ACTORS}
    assert admin is not None
    for spec in ITEMS:
        _walk(registry, people, spec, admin)
    return f"{len(ACTORS)} actors, {len(ITEMS)} items in every state"


def _walk(registry: Registry, people: dict[str, Actor], spec: dict[str, Any], admin: Actor) -> None:
    """One item's story. Its times are 2020's, so the admin records it as a backfill (补录), as a county entering its
    paper catalogs would: the registry keeps its own time of recording beside each."""
    item_id, path, drafter = spec["id"], spec["path"], people[spec["by"]]
    timeline = spec["timeline"]
    clock = _Clock(WorkingCalendar.of(registry.profile), timeline["start"], timeline["pace"])

    def run(command_type: type, actor: Actor, **fields: Any) -> None:
        command = command_type(item_id=item_id, actor=actor, at=clock.tick(), **fields)
        registry.execute(command, backfill_by=admin)

    run(
        DraftItem,
        drafter,
        domain=spec["domain"],
        unit=spec.get("unit", ""),
        elements=ItemElements.model_validate(spec["elements"]),
    )
    if path == "draft":
        return
    if path == "rejected":
        run(SubmitItem, drafter)
        run(PassReview, people["孙初审"], stage=ReviewStage.PRELIMINARY, comment="要素齐全")
        run(RejectItem, people["周法务"], stage="legality", comment=spec["rejection"])
        return
    _through_review(run, people, drafter, until=path if path in STOPS else "published")
    if "later" in timeline:
        clock.resume(timeline["later"])
    if path == "adjusting":
        change = dict(spec["adjust"])
        trigger, reason = change.pop("trigger"), change.pop("reason")
        run(
            AdjustItem,
            drafter,
            trigger=trigger,
            reason=reason,
            elements=ItemElements.model_validate(change),
            fields=frozenset(change),
        )
        run(SubmitItem, drafter)
        run(PassReview, people["孙初审"], stage=ReviewStage.PRELIMINARY, comment="同意")
    if path == "retired":
        run(RetireItem, drafter, **spec["retire"])
        _through_review(run, people, drafter, until="published")


def _through_review(run: Any, people: dict[str, Actor], drafter: Actor, until: str) -> None:
    steps: list[tuple[str, type, Actor, dict[str, Any]]] = [
        ("submitted", SubmitItem, drafter, {}),
        ("preliminary", PassReview, people["孙初审"], {"stage": ReviewStage.PRELIMINARY, "comment": "要素齐全，同意"}),
        ("legality", PassReview, people["周法务"], {"stage": ReviewStage.LEGALITY, "comment": "符合法律法规"}),
        ("approved", ApproveItem, people["王审议"], {"reference": "2020年第15次政府常务会议"}),
        ("published", PublishItem, people["吴发布"], {}),
    ]
    for stop, command_type, actor, fields in steps:
        run(command_type, actor, **fields)
        if stop == until:
            return


class _Clock:
    """The demo's 2020: one command of an item every `pace` working days from `start`, at 10:00 in the banner."""

    def __init__(self, calendar: WorkingCalendar, start: date, pace: int) -> None:
        self.calendar, self.pace = calendar, pace
        self.next = calendar.working_day_on_or_after(start)

    def tick(self) -> datetime:
        day = self.next
        self.next = self.calendar.add_working_days(day, self.pace)
        return datetime.combine(day, time(10), self.calendar.zone)

    def resume(self, day: date) -> None:
        """Carry on from `day` (a later phase, such as an adjustment months after publication)."""
        self.next = self.calendar.working_day_on_or_after(day)
