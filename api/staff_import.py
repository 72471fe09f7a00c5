"""POST /staff/import: a unit's catalog table imported for the signed-in staff member, its progress streamed as NDJSON.

The same use case as `registry import` (registry/transfer/importing.py, all or nothing), over HTTP for the workbench:
the body is the file, the query names the unit, the file's name (its suffix says the format), the domain and whether to
write (`dryRun=false`; a dry run by default). The answer is one JSON object per line: the phases and counts as the
import goes, then one line with the report or the error. The report tells each problem in English and in Chinese."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
from anyio.streams.memory import MemoryObjectSendStream
from starlette.requests import ClientDisconnect, HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from api.language import chinese
from api.staff_auth import Staff, forgery, unauthenticated
from events.message import LIST_SEPARATOR, N_, Message
from registry.items.rules import require_drafter_of
from registry.rules import RuleViolation, unknown_unit
from registry.service import Registry
from registry.transfer import spreadsheet
from registry.transfer.catalog_table import NotACatalog, Problem
from registry.transfer.importing import ImportReport, import_catalog
from registry.transfer.spreadsheet import UnreadableFile

log = logging.getLogger("registry.api")
MAX_UPLOAD = 20 * 1024 * 1024  # bytes of a catalog file: the largest county catalogs are a few MB
_DRAIN = 1024 * 1024  # bytes over MAX_UPLOAD read and dropped before the 413, so that the sender reads it
UPLOAD_SECONDS = 120.0  # for the whole file to arrive over a slow office line
CONCURRENT = 1  # imports at work at once: each holds a worker thread, a core and a write transaction
PROGRESS_INTERVAL = 0.05  # seconds between two {"done": K} lines of one phase: at most 20 a second
NDJSON = "application/x-ndjson"

Line = dict[str, Any]

# The endpoint's own refusals, in English and Chinese (the domain's messages come from the gettext catalog).
_REFUSALS: dict[str, tuple[str, str]] = {
    "MISSING_UNIT": (
        "say whose catalog this is: ?unit=财政局",
        "缺少参数 unit：请指明目录所属的单位，例如 ?unit=财政局",
    ),
    "MISSING_FILENAME": (
        "give the file's name: ?filename=目录.xlsx (its suffix says the format)",
        "缺少参数 filename：请提供文件名，例如 ?filename=目录.xlsx（扩展名决定文件格式）",
    ),
    "BAD_DRY_RUN": ("dryRun is true or false", "参数 dryRun 只能是 true 或 false"),
    "TOO_LARGE": (
        f"the file is over {MAX_UPLOAD // 2**20} MB",
        f"文件超过 {MAX_UPLOAD // 2**20} MB",
    ),
    "TIMEOUT": (
        f"the file did not arrive within {UPLOAD_SECONDS:g} s",
        f"未能在 {UPLOAD_SECONDS:g} 秒内收到完整文件",
    ),
    "INTERNAL": (
        "the import failed on the server; nothing was imported",
        "服务器导入出错，未导入任何内容",
    ),
}
_WAITING = ("waiting for another import to finish", "正在等待其他导入完成")


class StaffImport:
    """The endpoint, with the slots its imports share (CONCURRENT; a further import waits for one)."""

    def __init__(
        self,
        registry: Registry,
        *,
        concurrent: int = CONCURRENT,
        wrote: Callable[[str], None] = lambda _actor_id: None,
    ) -> None:
        self.registry = registry
        self.slots = anyio.Semaphore(concurrent)
        self.wrote = wrote  # told the actor once an import has run: their reads see it (api/replicas.py)

    async def upload(self, request: Request) -> Response:
        staff = request.scope.get("user")
        if not isinstance(staff, Staff):
            return unauthenticated()
        refused = forgery(request, staff)
        if refused is not None:
            return refused
        asked = self.asked(request)
        if isinstance(asked, Response):
            return asked
        filename, unit, domain, dry_run = asked
        try:  # before the file is read: a dry run would tell another unit's items by their rows
            require_drafter_of(staff.actor, unit)
        except RuleViolation as refusal:
            return _answer({**_error("RULE", refusal.text), "rule": refusal.rule.code}, 403)
        body = await _upload(request)
        if isinstance(body, Response):
            return body
        if not body.strip():
            return _refusal_of(UnreadableFile(N_("{file}: the file is empty"), file=filename).text, "EMPTY_FILE")

        def run(progress: _Lines) -> Line:
            try:
                return self.run(staff, body, filename, unit=unit, domain=domain, dry_run=dry_run, progress=progress)
            finally:
                if not dry_run:
                    self.wrote(staff.actor.actor_id)

        return _Stream(run, self.slots)

    def asked(self, conn: HTTPConnection) -> tuple[str, str, str | None, bool] | Response:
        """The file's name, the unit (its name, not an alias), the domain and whether it is a dry run; or the 400 that
        refuses the query."""
        query = conn.query_params
        unit = query.get("unit", "").strip()
        if not unit:
            return _refusal("MISSING_UNIT")
        owner = self.registry.profile.unit(unit)
        if owner is None:
            return _refusal_of(unknown_unit(self.registry.profile, unit), "UNKNOWN_UNIT")
        filename = _basename(query.get("filename", ""))
        if not filename:
            return _refusal("MISSING_FILENAME")
        suffix = Path(filename).suffix.lower()
        if suffix not in spreadsheet.SUFFIXES:
            try:  # the reader's own words for it, which the catalog has in Chinese
                spreadsheet.format_of(Path(filename), b"?")
            except UnreadableFile as unsupported:
                return _refusal_of(unsupported.text, "UNSUPPORTED_FILE_TYPE")
        dry_run = query.get("dryRun", "true").strip().lower()
        if dry_run not in ("true", "false"):
            return _refusal("BAD_DRY_RUN")
        return filename, owner.name, query.get("domain", "").strip() or None, dry_run == "true"

    def run(
        self,
        staff: Staff,
        body: bytes,
        filename: str,
        *,
        unit: str,
        domain: str | None,
        dry_run: bool,
        progress: _Lines,
    ) -> Line:
        """The import of `body` as a file named `filename` (in a fresh directory, removed afterwards): the last line."""
        try:
            with tempfile.TemporaryDirectory(prefix="registry-import-") as directory:
                path = Path(directory) / filename
                path.write_bytes(body)
                report = import_catalog(
                    self.registry,
                    path,
                    unit=unit,
                    actor=staff.actor,
                    domain=domain,
                    dry_run=dry_run,
                    progress=progress,
                    proof=staff.proof,
                )
        except UnreadableFile as unreadable:
            return {"error": _error("UNREADABLE_FILE", unreadable.text)}
        except NotACatalog as not_a_catalog:
            return {"error": _error("NOT_A_CATALOG", not_a_catalog.text)}
        except RuleViolation as refusal:
            return {"error": {**_error("RULE", refusal.text), "rule": refusal.rule.code}}
        except Exception:  # the import's transaction rolled back: the page gets a last line, never half an answer
            log.exception("error in an import of %s for %s by %s", filename, unit, staff.actor.actor_id)
            message, text = _REFUSALS["INTERNAL"]
            return {"error": {"code": "INTERNAL", "message": message, "text": text}}
        progress.finish()
        return {"report": report_json(report)}


def report_json(report: ImportReport) -> Line:
    """`report.as_json()` with each problem also told in Chinese: `text`, and `whereText` for where it is."""
    found = report.as_json()
    found["problems"] = [
        {**shown, "text": chinese(problem.text), "whereText": _where(problem)}
        for shown, problem in zip(found["problems"], report.problems, strict=True)
    ]
    return found


def _where(problem: Problem) -> str:
    return chinese(Message(LIST_SEPARATOR)).join(chinese(part) for part in problem.where)


def _basename(name: str) -> str:
    """The last part of a file's name as a browser or a shell may give it (C:\\…\\目录.xlsx, ../目录.xlsx): no
    separator, no `..`, no control character, so that it names a file in the import's own directory only."""
    last = PureWindowsPath(PurePosixPath(name.strip()).name).name
    last = "".join(c for c in last if c.isprintable()).strip()
    return "" if last in ("", ".", "..") else last[-200:]


def _error(code: str, text: Message) -> Line:
    return {"code": code, "message": str(text), "text": chinese(text)}


def _refusal(code: str, status: int = 400, headers: dict[str, str] | None = None) -> JSONResponse:
    message, text = _REFUSALS[code]
    return _answer({"code": code, "message": message, "text": text}, status, headers)


def _refusal_of(text: Message, code: str) -> JSONResponse:
    return _answer(_error(code, text), 400)


def _answer(error: Line, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error}, status, {"Cache-Control": "no-store", **(headers or {})})


async def _upload(request: Request) -> bytes | Response:
    """The body, read as it arrives and never held beyond MAX_UPLOAD; or the response that refuses it (413, 408).

    As the GraphQL view does (api/app.py `_body`): a body up to _DRAIN bytes over the limit is read to its end first,
    so that the sender gets the 413 rather than a reset; a longer one (or one that says so) closes the connection.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD + _DRAIN:
        return _refusal("TOO_LARGE", 413, {"Connection": "close"})
    chunks: list[bytes] = []
    size = 0
    with anyio.move_on_after(UPLOAD_SECONDS) as waiting:
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_UPLOAD + _DRAIN:
                    return _refusal("TOO_LARGE", 413, {"Connection": "close"})
                if size <= MAX_UPLOAD:
                    chunks.append(chunk)
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is there to read it
    if waiting.cancelled_caught:
        return _refusal("TIMEOUT", 408, {"Connection": "close"})
    if size > MAX_UPLOAD:
        return _refusal("TOO_LARGE", 413)
    return b"".join(chunks)


class _Lines:
    """The import's Progress as lines for the stream: each phase, and the count done within it, at most once every
    PROGRESS_INTERVAL and always its last. Called in the worker thread; a reader that left stops nothing (the import
    is one transaction: it completes or records nothing)."""

    def __init__(self, send: Callable[[Line], None], clock: Callable[[], float] = time.monotonic) -> None:
        self.send = send
        self.clock = clock
        self.done = 0
        self.shown = 0
        self.last = -math.inf

    def phase(self, description: Message, total: int | None) -> None:
        self.finish()
        self.done = self.shown = 0
        self.send({"phase": str(description), "phaseText": chinese(description), "total": total})

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = self.clock()
        if now - self.last >= PROGRESS_INTERVAL:
            self.last = now
            self._show()

    def finish(self) -> None:
        """Show the count of the phase that ends, if its last advance was not shown."""
        if self.done != self.shown:
            self._show()

    def _show(self) -> None:
        self.shown = self.done
        self.send({"done": self.done})


class _Stream(Response):
    """200, then the lines of `run` (which runs in a worker thread once it holds one of `slots`) as they come."""

    media_type = NDJSON

    def __init__(self, run: Callable[[_Lines], Line], slots: anyio.Semaphore) -> None:
        super().__init__(headers={"Cache-Control": "no-store", "Vary": "Authorization, Cookie"})
        self.raw_headers = [(name, value) for name, value in self.raw_headers if name != b"content-length"]
        self.run = run
        self.slots = slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        lines, received = anyio.create_memory_object_stream[bytes](math.inf)
        async with anyio.create_task_group() as work:
            work.start_soon(self._work, lines)
            async with received:
                async for line in received:
                    await send({"type": "http.response.body", "body": line, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _work(self, lines: MemoryObjectSendStream[bytes]) -> None:
        with lines:

            def put(line: Line) -> None:
                # A reader that left stops nothing: the import goes on to its end all the same.
                with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                    lines.send_nowait(_encoded(line))

            def put_from_thread(line: Line) -> None:
                anyio.from_thread.run_sync(put, line)

            if self.slots.value == 0:
                message, text = _WAITING
                put({"phase": message, "phaseText": text, "total": None})
            async with self.slots:
                last = await anyio.to_thread.run_sync(self.run, _Lines(put_from_thread))
            put(last)


def _encoded(line: Line) -> bytes:
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
