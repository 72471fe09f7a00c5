"""The HTTP app: GraphQL over HTTP at /graphql (graphql-server on Starlette), GraphiQL, /healthz, ETags,
and the reference portal page at / (static files under /static/)."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import anyio.to_thread
from graphql import DocumentNode, ExecutionResult, GraphQLError, parse, specified_rules, validate
from graphql.validation import NoSchemaIntrospectionCustomRule
from graphql_server.asgi import GraphQL
from graphql_server.exceptions import GraphQLValidationError
from graphql_server.http import GraphQLHTTPResponse, process_result
from graphql_server.http.exceptions import HTTPException
from graphql_server.runtime import execute_sync
from sqlalchemy import Connection, Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from api.executor import LeafShortcutContext
from api.limits import MAX_TOKENS, refusals
from api.schema import schema
from projections import public_query
from registry.profile import Profile

log = logging.getLogger("registry.api")
MAX_BODY = 64 * 1024
_MENTIONS_LOG = re.compile(r"\blog\b")
STATIC = Path(__file__).with_name("static")  # the portal page: plain HTML, CSS and JavaScript modules
_CHECKED_QUERIES = 256  # query texts whose parsed and validated document is kept
_UNCACHEABLE = "registry.uncacheable"  # set in the ASGI scope when a response must not carry an ETag


class RegistryGraphQL(GraphQL):
    """graphql-server's ASGI view with our limits, a read snapshot per request, masked errors and ETags."""

    def __init__(self, engine: Engine, profile: Profile, *, graphiql: bool = True, introspection: bool = True) -> None:
        super().__init__(schema.graphql_schema, graphql_ide="graphiql" if graphiql else None)
        self.engine = engine
        self.profile = profile
        # The cost limits (api.limits) are checked on their own first: the specified rules are what a flood makes slow.
        rules = [*specified_rules]
        if not introspection:
            rules.append(NoSchemaIntrospectionCustomRule)
        self.rules = tuple(rules)
        self._checked: dict[str, DocumentNode] = {}

    def checked(self, query: str) -> DocumentNode:
        """`query` parsed, within the cost limits and valid; raises GraphQLValidationError.

        Remembered per query text: portals send the same few queries with different variables, and parsing and
        validating a page's query cost a third of its time (docs/benchmarks.md).
        """
        document = self._checked.get(query)
        if document is not None:
            return document
        try:
            document = parse(query, max_tokens=MAX_TOKENS)
        except GraphQLError as error:
            raise GraphQLValidationError([error]) from error
        refused = refusals(document)
        if refused:
            raise GraphQLValidationError(refused)
        errors = validate(self.schema, document, self.rules)
        if errors:
            raise GraphQLValidationError(errors)
        if len(self._checked) >= _CHECKED_QUERIES:
            self._checked.clear()  # a crude bound: someone sending ever new queries only costs us the checking
        self._checked[query] = document
        return document

    def encode_json(self, data: object) -> str:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """One consistent read snapshot for a whole request."""
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            else:
                conn = conn.execution_options(sqlite_begin="DEFERRED")
            with conn.begin():
                yield conn

    async def execute_operation(
        self, request_adapter: Any, request_data: Any, context: Any, root_value: Any, allowed_operation_types: Any
    ) -> ExecutionResult:
        query = request_data.query
        if not isinstance(query, str) or not query:
            raise GraphQLValidationError([GraphQLError("No GraphQL query found in the request")])

        def run() -> ExecutionResult:
            document = self.checked(query)
            with self.snapshot() as conn:
                return execute_sync(
                    schema=self.schema,
                    query=document,
                    variable_values=request_data.variables,
                    context_value={**context, "conn": conn, "profile": self.profile, "request_state": {}},
                    operation_name=request_data.operation_name,
                    allowed_operation_types=allowed_operation_types,
                    validation_rules=self.rules,
                    validate_document=False,  # checked() did, once per query text
                    execution_context_class=LeafShortcutContext,
                )

        try:
            return await anyio.to_thread.run_sync(run)
        except GraphQLError:
            raise
        except Exception as error:
            # graphql-server would answer 400 with str(error): SQL, or the database's address.
            log.exception("error around the execution of a GraphQL request")
            raise HTTPException(500, "Internal server error") from error

    async def process_result(self, request: Any, result: ExecutionResult, strict: bool = False) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = [_public_error(error) for error in result.errors]
            # An error may be passing (a database hiccup): a 304 must never keep a client on it.
            request.scope[_UNCACHEABLE] = True
        return process_result(result, strict)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "POST"):
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        body = await request.body()
        if len(body) > MAX_BODY:
            await PlainTextResponse(f"request body over {MAX_BODY} bytes", status_code=413)(scope, receive, send)
            return
        if self.graphql_ide and scope["method"] == "GET" and "text/html" in request.headers.get("accept", ""):
            await super().__call__(scope, _replay(body), send)  # GraphiQL: no caching
            return
        etag = await anyio.to_thread.run_sync(self._etag, request, body)
        if etag in _tags(request.headers.get("if-none-match", "")):
            await Response(status_code=304, headers={"ETag": etag})(scope, receive, send)
            return

        async def send_with_etag(message: Any) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200 and not scope.get(_UNCACHEABLE):
                message = {**message, "headers": [*message.get("headers", []), (b"etag", etag.encode())]}
            await send(message)

        await super().__call__(scope, _replay(body), send_with_etag)

    def _etag(self, request: Request, body: bytes) -> str:
        """Derived from the public catalog's position (and the log head when the query asks for it) and the request."""
        with self.snapshot() as conn:
            # Checkpoints are signed at public changes, and on demand by `registry checkpoint`.
            state = ":".join(str(n) for n in public_query.cache_state(conn))
            if _may_select_log(request, body):
                state += ":" + str(public_query.log_head(conn)[0])
        if b"coverage" in body or "coverage" in request.url.query:
            # Deadlines pass without any public change: `coverage` answers differently from one day to the next.
            state += ":" + datetime.now(ZoneInfo(self.profile.timezone)).date().isoformat()
        digest = hashlib.sha256(
            f"{state}\n{request.method}\n{request.headers.get('accept', '')}\n{request.url.query}\n".encode() + body
        ).hexdigest()
        return f'"{digest[:32]}"'


def _may_select_log(request: Request, body: bytes) -> bool:
    """Whether the query may select `log`, whose head moves with every event, drafts and reviews included.

    Looks at the query text as the view will read it (percent-decoded, JSON-unescaped); when that is not clear,
    assumes it does.
    """
    if request.method == "GET":
        queries: list[object] = list(request.query_params.getlist("query"))
    else:
        try:
            payload = json.loads(body)
        except ValueError:
            return True
        queries = [payload.get("query")] if isinstance(payload, dict) else [payload]
    return any(not isinstance(query, str) or _MENTIONS_LOG.search(query) for query in queries)


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _replay(body: bytes) -> Receive:
    """A receive channel that hands the already-read body to the view again."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _public_error(error: GraphQLError) -> GraphQLError:
    """Our own GraphQL errors go out as they are; anything unexpected as "Internal server error" with its path."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return error
    log.error("error resolving %s", error.path, exc_info=original)
    return GraphQLError("Internal server error", nodes=error.nodes, path=error.path)


class _Guard:
    """Turns an unexpected exception outside GraphQL execution into a bare 500, never a traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception:
            log.exception("unhandled error")
            await PlainTextResponse("Internal server error", status_code=500)(scope, receive, send)


class _Revalidated(StaticFiles):
    """Static files that browsers revalidate (by ETag) before reuse: after an upgrade no old module lingers."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        return response


def create_app(engine: Engine, profile: Profile, *, graphiql: bool = True, introspection: bool = True) -> Starlette:
    view = RegistryGraphQL(engine, profile, graphiql=graphiql, introspection=introspection)

    async def healthz(_request: Request) -> JSONResponse:
        def head() -> tuple[int, str]:
            with view.snapshot() as conn:
                return public_query.log_head(conn)

        position, head_hash = await anyio.to_thread.run_sync(head)
        return JSONResponse({"status": "ok", "position": position, "head_hash": head_hash})

    async def home(_request: Request) -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    return Starlette(
        routes=[
            Route("/graphql", view, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/", home),
            Mount("/static", _Revalidated(directory=STATIC), name="static"),
        ],
        middleware=[Middleware(_Guard)],
    )
