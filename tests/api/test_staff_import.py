"""POST /staff/import over real HTTP: a unit's catalog table checked or imported for the signed-in staff member, its
progress and report streamed as NDJSON, the report's problems told in Chinese, refusals before anything is read."""

from __future__ import annotations

import csv
import io
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from api.staff_import import MAX_UPLOAD, PROGRESS_INTERVAL, _Lines
from events.message import Message
from registry.actor import Channel, Role
from registry.items.state import Status
from registry.service import Registry
from registry.transfer.importing import derived_id
from tests.api.staff import Caller, Desk, desk
from tests.registry.transfer.catalog_files import HEADER as TABLE_HEADER
from tests.registry.transfer.catalog_files import good_row, write_rows_xlsx

HEADER = [*TABLE_HEADER, "领域"]
NAMES = ("政府预算", "政府决算", "部门预算", "部门决算")
OTHER_DRAFTER = "起草人民政局"


def row(number: int, name: str, domain: str = "财政预决算", **changes: str) -> list[str]:
    return [*good_row(number, name, **changes), domain]


def good_rows() -> list[list[str]]:
    return [HEADER, *(row(n, name) for n, name in enumerate(NAMES, start=1))]


def mistaken_rows() -> list[list[str]]:
    """Row 3 without its 公开时限, row 4 in a domain nobody has, row 5 with 30 working days and no law allowing it."""
    return [
        HEADER,
        row(1, "政府预算"),
        row(2, "政府决算", time_limit=""),
        row(3, "部门预算", domain="财政预算"),
        row(4, "部门决算", time_limit="信息形成之日起30个工作日内"),
    ]


def xlsx(tmp_path: Path, rows: list[list[str]]) -> bytes:
    return write_rows_xlsx(tmp_path / "catalog.xlsx", rows, title="财政局政务公开事项标准目录").read_bytes()


def csv_bytes(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows([["财政局政务公开事项标准目录"], *rows])
    return text.getvalue().encode()


def send(caller: Caller, content: bytes, csrf: bool = True, **params: str) -> httpx.Response:
    """POST /staff/import with `params` (unit 财政局 and filename 目录.xlsx unless given) and `content` as the body."""
    query = {"unit": "财政局", "filename": "目录.xlsx", **params}
    headers = {"Content-Type": "application/octet-stream"}
    if csrf and caller.csrf:
        headers["X-CSRF-Token"] = caller.csrf
    return caller.http.post("/staff/import", params=query, content=content, headers=headers)


def lines(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    found = [json.loads(line) for line in response.text.splitlines()]
    assert all(line for line in found)
    return found


def report(response: httpx.Response) -> dict[str, Any]:
    *_progress, last = lines(response)
    assert list(last) == ["report"], last
    found: dict[str, Any] = last["report"]
    return found


def head(registry: Registry) -> int:
    return registry.store.head()[0]


def drafter(office: Desk) -> Caller:
    office.give_password("drafter")
    return office.signed_in("drafter")


def test_a_dry_run_tells_each_mistake_with_its_row_and_column_in_chinese_and_writes_nothing(
    registry: Registry, tmp_path: Path
) -> None:
    with desk(registry) as office:
        person = drafter(office)
        before = head(registry)

        found = report(send(person, xlsx(tmp_path, mistaken_rows())))

        assert head(registry) == before
    assert (found["dry_run"], found["written"], found["rows"]) == (True, False, 4)
    assert found["counts"]["invalid"] == 2
    shown = [(p["severity"], p["row"], p["column"], p["field"], p["rule"]) for p in found["problems"]]
    assert shown == [
        ("error", 4, "F", "time_limit", None),
        ("error", 5, "L", "domain", "目录领域"),
        ("warning", 6, "F", "time_limit", "公开时限"),
    ]
    empty, domain, days = found["problems"]
    assert (empty["whereText"], empty["text"]) == ("第 4 行、公开时限", "为空：这是必填要素，请填写")
    assert domain["whereText"] == "第 5 行、领域"
    assert domain["text"].startswith("已拒绝 [目录领域]：") and "财政预算" in domain["text"]
    assert days["whereText"] == "第 6 行、公开时限" and "20" in days["text"]
    assert not any(c.isascii() and c.isalpha() for c in empty["text"] + empty["whereText"])


def test_a_csv_dry_run_reports_its_mistakes_in_chinese(registry: Registry) -> None:
    with desk(registry) as office:
        person = drafter(office)
        before = head(registry)

        found = report(send(person, csv_bytes(mistaken_rows()), filename="目录.csv"))

        assert head(registry) == before
    assert found["file"] == "目录.csv" and not found["written"]
    assert [(p["row"], p["field"], p["whereText"]) for p in found["problems"] if p["severity"] == "error"] == [
        (4, "time_limit", "第 4 行、公开时限"),
        (5, "domain", "第 5 行、领域"),
    ]


def test_the_fixed_file_imported_with_dry_run_false_drafts_every_row_for_the_unit(
    registry: Registry, tmp_path: Path
) -> None:
    with desk(registry) as office:
        person = drafter(office)

        found = report(send(person, xlsx(tmp_path, good_rows()), dryRun="false"))

        assert found["written"] and found["counts"]["draft"] == len(NAMES)
        assert found["position"] == head(registry)
    for name in NAMES:
        state, stored = registry.load(derived_id("财政局", ("财政预决算", name, "")))
        assert (state.status, state.unit, state.domain) == (Status.DRAFT, "财政局", "财政预决算")
        assert [(e.metadata.actor, e.metadata.channel) for e in stored] == [("起草人财政局", Channel.SESSION.value)]


def test_without_dry_run_false_nothing_is_written(registry: Registry, tmp_path: Path) -> None:
    with desk(registry) as office:
        person = drafter(office)
        before = head(registry)

        found = report(send(person, xlsx(tmp_path, good_rows())))

        assert found["counts"]["draft"] == len(NAMES) and not found["written"]
        assert head(registry) == before


def test_the_stream_tells_each_phase_and_the_count_done_before_the_report(registry: Registry, tmp_path: Path) -> None:
    with desk(registry) as office:
        person = drafter(office)

        response = send(person, xlsx(tmp_path, good_rows()), dryRun="false")

    assert response.headers["cache-control"] == "no-store"
    *progress, last = lines(response)
    assert "report" in last
    phases = [line for line in progress if "phase" in line]
    assert [(p["phase"], p["phaseText"], p["total"]) for p in phases] == [
        ("reading 目录.xlsx", "正在读取 目录.xlsx", None),
        ("checking rows", "正在检查各行", 4),
        ("importing 4 row(s)", "正在导入 4 行", 4),
    ]
    assert progress[-1] == {"done": 4}  # the last count of the last phase, always shown
    assert all(set(line) in ({"phase", "phaseText", "total"}, {"done"}) for line in progress)


def test_progress_shows_at_most_one_count_per_interval_and_always_the_last() -> None:
    sent: list[dict[str, Any]] = []
    now = [0.0]
    progress = _Lines(sent.append, lambda: now[0])

    progress.phase(Message("checking rows"), 1000)
    for _ in range(1000):
        progress.advance()
        now[0] += PROGRESS_INTERVAL / 10
    progress.finish()

    counts = [line["done"] for line in sent if "done" in line]
    assert len(counts) <= 1000 // 10 + 2
    assert counts[-1] == 1000 and counts == sorted(counts)


def test_without_a_session_the_import_is_refused_with_401(registry: Registry, tmp_path: Path) -> None:
    with desk(registry) as office:
        response = send(office.caller(), xlsx(tmp_path, good_rows()), dryRun="false")

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_session_without_the_csrf_header_is_refused_with_403_and_nothing_is_written(
    registry: Registry, tmp_path: Path
) -> None:
    with desk(registry) as office:
        person = drafter(office)
        before = head(registry)

        response = send(person, xlsx(tmp_path, good_rows()), csrf=False, dryRun="false")

        assert head(registry) == before
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF"


def test_a_drafter_of_another_unit_is_refused_before_the_file_is_read_so_no_report_tells_its_items(
    registry: Registry, tmp_path: Path
) -> None:
    with desk(registry) as office:
        imported = report(send(drafter(office), xlsx(tmp_path, good_rows()), dryRun="false"))  # 财政局's own items
        registry.register_actor(OTHER_DRAFTER, "民政局", frozenset({Role.DRAFTER}), office.office.actors["admin"])
        office.give_password(OTHER_DRAFTER)
        other = office.signed_in(OTHER_DRAFTER)
        before = head(registry)

        # The same rows, as a guess at 财政局's items: a dry run must not say which exist (unchanged) or their ids.
        probe = send(other, xlsx(tmp_path, good_rows()))
        write = send(other, xlsx(tmp_path, good_rows()), dryRun="false")

        assert head(registry) == before
    assert imported["written"]
    for response in (probe, write):
        assert response.status_code == 403
        error = response.json()["error"]
        assert (error["code"], error["rule"]) == ("RULE", "起草主体")
        assert "财政局" in error["text"] and "item_id" not in response.text and "unchanged" not in response.text


def test_an_unknown_unit_is_refused_with_400_in_chinese(registry: Registry, tmp_path: Path) -> None:
    with desk(registry) as office:
        response = send(drafter(office), xlsx(tmp_path, good_rows()), unit="财政厅")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "UNKNOWN_UNIT"
    assert "unknown unit" in error["message"] and error["text"].startswith("未知单位 '财政厅'")


def test_missing_parameters_are_refused_with_400(registry: Registry, tmp_path: Path) -> None:
    with desk(registry) as office:
        person = drafter(office)
        content = xlsx(tmp_path, good_rows())
        no_unit = send(person, content, unit="")
        no_name = send(person, content, filename="")
        bad_dry_run = send(person, content, dryRun="maybe")

    assert [(r.status_code, r.json()["error"]["code"]) for r in (no_unit, no_name, bad_dry_run)] == [
        (400, "MISSING_UNIT"),
        (400, "MISSING_FILENAME"),
        (400, "BAD_DRY_RUN"),
    ]
    assert "缺少参数 unit" in no_unit.json()["error"]["text"]


def test_an_unsupported_file_type_is_refused_with_400(registry: Registry) -> None:
    with desk(registry) as office:
        response = send(drafter(office), b"%PDF-1.7 ...", filename="目录.pdf")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "UNSUPPORTED_FILE_TYPE" and "不支持的文件类型 .pdf" in error["text"]


def test_an_empty_body_is_refused_with_400(registry: Registry) -> None:
    with desk(registry) as office:
        response = send(drafter(office), b"")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "EMPTY_FILE"
    assert response.json()["error"]["text"] == "目录.xlsx：文件为空"


def test_a_body_over_the_limit_is_refused_with_413(registry: Registry) -> None:
    with desk(registry) as office:
        person = drafter(office)
        before = head(registry)

        response = send(person, b"x" * (MAX_UPLOAD + 1), filename="目录.csv", dryRun="false")

        assert head(registry) == before
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "TOO_LARGE"


def test_garbage_named_xlsx_ends_the_stream_with_an_error_line_and_writes_nothing(registry: Registry) -> None:
    with desk(registry) as office:
        person = drafter(office)
        before = head(registry)

        *_progress, last = lines(send(person, b"\x00\x01garbage" * 50, dryRun="false"))

        assert head(registry) == before
    assert last["error"]["code"] == "UNREADABLE_FILE"
    assert "not an .xlsx workbook" in last["error"]["message"]
    assert last["error"]["text"].startswith("目录.xlsx：")


def test_a_table_that_is_no_catalog_ends_the_stream_with_an_error_line(registry: Registry) -> None:
    with desk(registry) as office:
        response = send(drafter(office), "姓名,电话\n张三,123\n".encode(), filename="names.csv")

    *_progress, last = lines(response)
    assert last["error"]["code"] == "NOT_A_CATALOG"


def test_an_unknown_domain_ends_the_stream_with_an_error_line_naming_the_rule(
    registry: Registry, tmp_path: Path
) -> None:
    with desk(registry) as office:
        response = send(drafter(office), xlsx(tmp_path, good_rows()), domain="财政预算", dryRun="false")

    *_progress, last = lines(response)
    assert (last["error"]["code"], last["error"]["rule"]) == ("RULE", "目录领域")
    assert "财政预决算" in last["error"]["text"]


def test_a_file_name_with_a_path_is_read_as_its_last_part(registry: Registry, tmp_path: Path) -> None:
    with desk(registry) as office:
        found = report(send(drafter(office), xlsx(tmp_path, good_rows()), filename="..\\..\\C:\\x\\../目录.xlsx"))

    assert found["file"] == "目录.xlsx"


def test_two_imports_sent_at_once_take_turns_and_the_second_finds_the_first_s_drafts(
    registry: Registry, tmp_path: Path
) -> None:
    content = xlsx(tmp_path, good_rows())
    with desk(registry) as office:
        first, second = drafter(office), office.signed_in("drafter")
        with ThreadPoolExecutor(2) as pool:
            sent = [pool.submit(send, person, content, dryRun="false") for person in (first, second)]
            found = [report(answer.result()) for answer in sent]

    assert sorted((r["counts"]["draft"], r["counts"]["unchanged"]) for r in found) == [(0, 4), (4, 0)]
    assert [r["written"] for r in found].count(True) == 1
