"""Writes the sample account lists beside this file: `python tests/data/accounts/make_samples.py`.

wild.xlsx is a list as counties publish them: a title and a note above the header, the 主办单位 merged over its
accounts, platforms written many ways or only after the name, short unit names, Excel dates and dates as text,
full-width spaces, and the statuses 正常/运营中/暂停更新/已注销. grouped.csv is a list grouped by unit whose unit is
written once, on the first row of each group.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
HEADER = ["序号", "账号　名称", "平台", "平台账号标识", "主办单位", "运营单位", "认证主体", "开设日期", "状态"]
HEADER += ["主要内容/定位", "联系人"]
WILD_ROWS: list[list[object]] = [
    [
        1,
        "鄂托克前旗公安",
        "政务微信",
        "gh_e3f1a2b4",
        "县公安局",
        "",
        "鄂托克前旗公安局",
        datetime(2016, 5, 4),
        "正常",
        "警务资讯、便民服务",
        "张警官 13900000001",
    ],
    [2, "前旗警方（新浪微博）", "", "5712345678", None, "", "公安局", "2017年3月", "运营中", "警情通报", ""],
    [
        3,
        "前旗警方(抖音)",
        "抖音号",
        "qqjf2019",
        None,
        "某文化传媒有限公司",
        "鄂托克前旗公安局",
        "2019.03",
        "暂停更新",
        "",
        "",
    ],
    [4, "前旗交警", "快手", "", None, "", "", 43800, "已注销", "", ""],
    [
        5,
        "前旗财政　",
        "微信订阅号",
        "gh_c7d8e9f0",
        "财政局",
        "",
        "财政局",
        "2018-01-01",
        "正常",
        "财政资金公开",
        "王会计",
    ],
    [6, "城川镇发布", "今日头条", "1620000001", "城川镇", "", "城川镇", datetime(2020, 9, 1), "正常", "", ""],
]


def wild_xlsx(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "政务新媒体"
    sheet.append(["鄂托克前旗政务新媒体账号清单"])
    sheet.merge_cells("A1:K1")
    sheet.append(["填报单位（盖章）：　　　　　填报日期：2025年6月"])
    sheet.append(HEADER)
    for row in WILD_ROWS:
        sheet.append(row)
    sheet.merge_cells("E4:E7")  # 县公安局 over its four accounts
    sheet["H4"].number_format = "yyyy-mm-dd"
    sheet["H9"].number_format = "yyyy/m/d"
    sheet.append([])
    sheet.append(["注：本表由各单位填报，政务服务局汇总。"])
    book.save(path)


GROUPED_ROWS = [
    ["序号", "账号名称", "平台", "平台账号标识", "主办单位", "运营单位", "认证主体", "开设日期", "状态", "链接/二维码"],
    ["1", "鄂托克前旗公安", "微信公众号", "gh_e3f1a2b4", "旗公安局", "", "公安局", "2016/5/4", "正常", ""],
    ["2", "前旗警方", "微博", "5712345678", "", "", "公安局", "2017.3.1", "正常", "https://weibo.com/u/5712345678"],
    ["3", "前旗财政", "微信", "gh_c7d8e9f0", "财政局", "", "财政局", "2018年1月1日", "正常", ""],
    ["4", "财政发布", "抖音", "czfb2018", "", "", "财政局", "2018-06-01", "运营中", ""],
]


def grouped_csv(path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(GROUPED_ROWS)


if __name__ == "__main__":
    wild_xlsx(HERE / "wild.xlsx")
    grouped_csv(HERE / "grouped.csv")
