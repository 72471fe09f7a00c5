"""Reading account lists (政务新媒体清单) as counties publish them: pure, no files, no database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from registry.profile import load_profile
from registry.transfer.account_table import (
    AccountList,
    AccountRow,
    NotAnAccountList,
    date_of,
    has_account_header,
    listed_as,
    read_account_sheets,
    unit_named,
)
from registry.transfer.catalog_table import Merge, Sheet

PROFILE = load_profile()
HEADER = ("序号", "账号名称", "平台", "平台账号标识", "主办单位", "运营单位", "认证主体", "开设日期", "状态")


def account(
    name: str = "前旗财政", platform: str = "微信公众号", handle: str = "gh_1", **cells: str
) -> tuple[str, ...]:
    """A data row under HEADER: 序号 1, 财政局, certified as 财政局, opened 2018-01-01, 正常 unless told."""
    values = {"index": "1", "unit": "财政局", "operator": "", "certified_as": "财政局", "opened_on": "2018-01-01"}
    values |= {"status": "正常"} | cells
    order = ("index", "name", "platform", "handle", "unit", "operator", "certified_as", "opened_on", "status")
    given = {"name": name, "platform": platform, "handle": handle, **values}
    return tuple(given[field] for field in order)


def read(rows: Sequence[Sequence[str]], merges: Sequence[Merge] = ()) -> AccountList:
    return read_account_sheets([Sheet("清单", tuple(tuple(r) for r in rows), tuple(merges))], PROFILE)


def only(rows: Sequence[Sequence[str]], merges: Sequence[Merge] = ()) -> AccountRow:
    (row,) = read(rows, merges).rows
    return row


def errors(row: AccountRow) -> list[str]:
    return [str(p) for p in row.problems if p.severity == "error"]


@pytest.mark.parametrize(
    ("written", "platform"),
    [
        ("微信", "微信公众号"),
        ("政务微信", "微信公众号"),
        ("微信订阅号", "微信公众号"),
        ("微信公众号", "微信公众号"),
        ("微信（订阅号）", "微信公众号"),
        ("抖音", "抖音"),
        ("抖音号", "抖音"),
        ("新浪微博", "新浪微博"),
        ("微博", "新浪微博"),
        ("其他：小红书", "其他：小红书"),
    ],
)
def test_a_platform_written_any_of_the_ways_lists_write_it_reads_as_the_profile_s(written: str, platform: str) -> None:
    row = only([HEADER, account(platform=written)])

    assert row.elements is not None and row.elements.platform == platform


def test_an_unknown_platform_is_an_error_in_the_platform_column() -> None:
    row = only([HEADER, account(platform="飞书")])

    assert row.elements is None
    assert errors(row) == [
        "row 2, 平台: unknown platform '飞书': a platform is one of 微信公众号, 微信视频号, 新浪微博, 抖音, 快手, "
        "今日头条, 百家号, 小程序, 移动客户端, or another written 其他：NAME"
    ]


@pytest.mark.parametrize(
    ("written", "name", "platform"),
    [
        ("武定警方（新浪微博）", "武定警方", "新浪微博"),
        ("某某发布(抖音)", "某某发布", "抖音"),
        ("前旗发布（微信）", "前旗发布", "微信公众号"),
    ],
)
def test_a_platform_given_only_after_the_name_is_taken_from_it_and_cut_from_the_name(
    written: str, name: str, platform: str
) -> None:
    row = only([HEADER, account(name=written, platform="")])

    assert row.elements is not None
    assert (row.elements.name, row.elements.platform) == (name, platform)


def test_a_list_without_a_platform_column_is_read_when_its_names_carry_their_platforms() -> None:
    header = ("序号", "账号名称", "平台账号标识", "主办单位", "认证主体")
    rows = [
        header,
        ("1", "武定警方（新浪微博）", "wd110", "公安局", "公安局"),
        ("2", "武定警方(抖音)", "dy110", "公安局", "公安局"),
    ]

    found = read(rows)

    assert [(r.elements.name, r.elements.platform) for r in found.rows if r.elements] == [
        ("武定警方", "新浪微博"),
        ("武定警方", "抖音"),
    ]


def test_a_bracket_that_names_no_platform_stays_in_the_name() -> None:
    row = only([HEADER, account(name="融媒体中心（旗委宣传部）")])

    assert row.elements is not None and row.elements.name == "融媒体中心（旗委宣传部）"


def test_a_name_and_a_platform_column_that_disagree_are_an_error_in_the_name_column() -> None:
    row = only([HEADER, account(name="前旗发布（抖音）", platform="微博")])

    assert errors(row) == ["row 2, 账号名称: the name says the platform is 抖音, the 平台 column 新浪微博"]


def test_a_row_with_no_platform_anywhere_is_an_error_in_the_platform_column() -> None:
    row = only([HEADER, account(platform="")])

    assert errors(row) == ["row 2, 平台: empty, and the name does not end with its platform, e.g. （新浪微博）"]


def test_a_unit_merged_over_several_rows_applies_to_every_row_it_covers() -> None:
    rows = [
        HEADER,
        account(handle="a", unit="县公安局", certified_as="公安局", index=""),  # no 序号: only the merge says it
        account(handle="b", platform="微博", unit="", certified_as="公安局", index=""),
        account(handle="c", platform="抖音", unit="", certified_as="公安局", index=""),
    ]

    found = read(rows, [Merge(top=1, bottom=3, left=4, right=4)])

    assert [r.unit for r in found.rows] == ["公安局"] * 3 and not any(r.problems for r in found.rows)


def test_an_empty_unit_cell_continues_the_unit_above_when_the_numbering_continues() -> None:
    rows = [
        HEADER,
        account(handle="a", unit="公安局", certified_as="公安局", index="7"),
        account(handle="b", platform="微博", unit="", certified_as="公安局", index="8"),
        account(handle="c", unit="财政局", index="1"),
        account(handle="d", platform="抖音", unit="", index="2"),
    ]

    assert [r.unit for r in read(rows).rows] == ["公安局", "公安局", "财政局", "财政局"]


@pytest.mark.parametrize("index", ["", "1", "9"])
def test_an_empty_unit_cell_is_an_error_when_the_numbering_does_not_continue(index: str) -> None:
    rows = [HEADER, account(handle="a", index="1"), account(handle="b", platform="微博", unit="", index=index)]

    second = read(rows).rows[1]

    assert errors(second) == ["row 3, 主办单位: empty, and the 序号 does not continue a row above that names its unit"]


@pytest.mark.parametrize(
    ("written", "unit"),
    [
        ("公安局", "公安局"),
        ("县公安局", "公安局"),
        ("旗公安局", "公安局"),
        ("鄂托克前旗公安局", "公安局"),
        ("鄂托克前旗 公安局", "公安局"),
        ("教体局", "教育体育局"),
        ("旗人民政府", "旗人民政府"),
        ("鄂托克前旗人民政府", "旗人民政府"),
        ("旗政务服务局", "政务服务局"),
        ("执法局", "城市执法局"),
    ],
)
def test_a_short_or_long_unit_name_reads_as_the_profile_s_unit(written: str, unit: str) -> None:
    assert unit_named(PROFILE, written).unit == unit


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        (
            "管理中心",
            "管理中心 may be any of 住房和物业管理中心, 房屋征收与政府工程项目建设管理中心: write the unit's name",
        ),
        ("县政府", "县政府 is not a unit of the profile (did you mean 政府办, 旗人民政府?)"),
        ("武定县公安局", "武定县公安局 is not a unit of the profile (did you mean 公安局?)"),
    ],
)
def test_a_unit_name_that_stays_ambiguous_or_unknown_is_refused(written: str, problem: str) -> None:
    reading = unit_named(PROFILE, written)

    assert reading.unit is None and str(reading.note) == problem
    assert errors(only([HEADER, account(unit=written)])) == [f"row 2, 主办单位: {problem}"]


def test_title_rows_above_the_header_and_full_width_spaces_are_read_past() -> None:
    rows = [
        ("鄂托克前旗政务新媒体账号清单",),
        ("填报单位（盖章）：　　　　填报日期：2025年6月",),
        ("序　号", "账号　名称", "平　台", "平台账号标识", "主办单位", "认证主体"),
        ("1", "　前旗财政　", "微信", "gh_1", "财政局", "财政局"),
    ]

    row = only(rows)

    assert row.row == 4 and row.elements is not None and row.elements.name == "前旗财政"


@pytest.mark.parametrize(
    ("written", "day", "warned"),
    [
        ("2019-03-01", date(2019, 3, 1), False),  # an Excel date, as the reader gives it
        ("2019-03-01T00:00:00", date(2019, 3, 1), False),
        ("2019/3/1", date(2019, 3, 1), False),
        ("2019.3.1", date(2019, 3, 1), False),
        ("2019年3月1日", date(2019, 3, 1), False),
        ("20190301", date(2019, 3, 1), False),
        ("43525", date(2019, 3, 1), False),  # an Excel day number in a cell not formatted as a date
        ("2019年3月", date(2019, 3, 1), True),
        ("2019.03", date(2019, 3, 1), True),
        ("2019-03", date(2019, 3, 1), True),
        ("2019年", date(2019, 1, 1), True),
        ("", None, False),
    ],
)
def test_dates_as_lists_write_them(written: str, day: date | None, warned: bool) -> None:
    found, note = date_of(written)

    assert found == day and (note is not None) == warned


@pytest.mark.parametrize("written", ["2019/13/1", "去年", "2019年2月30日"])
def test_a_date_that_is_no_date_is_an_error_in_its_column(written: str) -> None:
    row = only([HEADER, account(opened_on=written)])

    assert errors(row) == [f"row 2, 开设日期: {written!r} is not a date (2019-03-01, 2019年3月1日, 2019.03 …)"]


@pytest.mark.parametrize(
    ("written", "listed"),
    [
        ("正常", "open"),
        ("运营中", "open"),
        ("", "open"),
        ("已关停", "suspended"),
        ("暂停更新", "suspended"),
        ("已注销", "closed"),
        ("注销", "closed"),
        ("关闭", None),
    ],
)
def test_statuses_as_lists_write_them(written: str, listed: str | None) -> None:
    assert listed_as(written) == listed


def test_an_unknown_status_is_an_error_in_the_status_column() -> None:
    row = only([HEADER, account(status="关闭")])

    assert errors(row) == ["row 2, 状态: '关闭' is not a status (正常, 已关停, 已注销)"]


def test_a_closed_row_is_read_without_what_a_filing_would_need() -> None:
    row = only([HEADER, account(handle="", unit="某某局", status="已注销")])

    assert row.listed == "closed" and errors(row) == []


def test_an_empty_handle_is_an_error_and_a_table_without_the_column_says_so_once() -> None:
    assert errors(only([HEADER, account(handle="")])) == ["row 2, 平台账号标识: empty"]

    found = read([("账号名称", "平台", "主办单位"), ("前旗财政", "微信", "财政局"), ("财政发布", "抖音", "财政局")])

    assert [str(p) for p in found.problems if p.severity == "error"] == [
        "row 1, 平台账号标识: no such column in the table: every account needs its platform id or handle (平台账号标识)"
    ]


def test_other_header_words_and_the_internal_contact_are_read() -> None:
    header = ("编号", "新媒体名称", "平台类型", "账号ID", "开设单位", "运维单位", "认证信息", "开通时间", "运营状态")
    header2 = (*header, "功能定位", "二维码", "联系人及电话")
    row = only(
        [
            header2,
            (
                "1",
                "前旗财政",
                "微信",
                "gh_1",
                "财政局",
                "某公司",
                "财政局",
                "2018-01-01",
                "正常",
                "公开",
                "q.png",
                "王 139",
            ),
        ]
    )

    assert row.elements is not None
    assert row.elements.as_json() == {
        "name": "前旗财政",
        "platform": "微信公众号",
        "handle": "gh_1",
        "operator": "某公司",
        "certified_as": "财政局",
        "opened_on": "2018-01-01",
        "purpose": "公开",
        "link": "q.png",
        "contact": "王 139",
    }


def test_a_sheet_without_an_account_header_is_not_an_account_list() -> None:
    catalog = Sheet("目录", (("序号", "一级事项", "二级事项", "公开内容", "公开依据", "公开时限", "公开主体"),))
    people = Sheet("人员", (("姓名", "电话"), ("张三", "123")))

    assert not has_account_header([catalog, people], PROFILE)
    with pytest.raises(NotAnAccountList, match="no account list found"):
        read_account_sheets([catalog, people], PROFILE)


def test_names_without_platform_suffixes_and_no_platform_column_are_not_an_account_list() -> None:
    assert not has_account_header([Sheet("s", (("账号名称", "主办单位"), ("前旗财政", "财政局")))], PROFILE)
    assert has_account_header([Sheet("s", (("账号名称", "主办单位"), ("前旗财政（微信）", "财政局")))], PROFILE)
