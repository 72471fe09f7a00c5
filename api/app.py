"""The HTTP app: GraphQL over HTTP at /graphql (graphql-server on Starlette), GraphiQL, /healthz, ETags,
the reference portal page at / (static files under /static/), and the staff side under /staff/ (api/staff_view.py)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
import orjson
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql.execution import get_variable_values
from graphql.validation import NoSchemaIntrospectionCustomRule
from graphql_server.asgi import GraphQL
from graphql_server.exceptions import GraphQLValidationError
from graphql_server.http import GraphQLHTTPResponse, process_result
from graphql_server.http.exceptions import HTTPException
from graphql_server.runtime import execute_sync
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from api.admission import Admission
from api.deadline import Deadline, DeadlineContext, DeadlineExceeded, held_to
from api.headers import GRAPHIQL_POLICY, SecurityHeaders, with_policy
from api.limits import MAX_TOKENS, cost, cost_refusal, refusals
from api.request_log import REFUSED, fault, logging_refusals, operation_name
from api.response_cache import Kept, ResponseCache
from api.schema import schema
from api.staff_auth import SignInPolicy
from events.checkpoint import Signer
from projections import public_query
from registry.calendar import WorkingCalendar
from registry.profile import Profile
from registry.service import Registry

log = logging.getLogger("registry.api")
MAX_BODY = 64 * 1024
_DRAIN = 1024 * 1024  # bytes of a body over MAX_BODY read and dropped before the 413 (see _body)
STATIC = Path(__file__).with_name("static")  # the portal page: plain HTML, CSS and JavaScript modules
GRAPHIQL_PAGE = STATIC / "graphiql" / "index.html"  # GraphiQL from the registry's own copy (README.md there)
_CHECKED_QUERIES = 256  # query texts whose parsed and validated document is kept
_KNOWN_REQUESTS = 4096  # requests whose dependencies (or that they have no ETag) are kept, by digest
_UNCACHEABLE = "registry.uncacheable"  # set in the ASGI scope when a response must not carry an ETag
_DEADLINE = "registry.deadline"  # the request's Deadline, in the ASGI scope
_NOW = "registry.now"  # the request's time, in the ASGI scope: `coverage` and the ETag judge the same day

# What a root field's answer depends on besides the request and the public catalog's state (its last public change
# and newest checkpoint, which every ETag includes): "log", the log's head, which moves with every event, drafts and
# reviews included; "day", the day, as deadlines pass without any public change. A root field not named here (a new
# one) is never answered with an ETag.
DEPENDS_ON: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        ("catalog", "item", "retirement", "domains", "units", "changes", "checkpoints", "consistency", "labels"),
        frozenset(),
    ),
    **dict.fromkeys(("__typename", "__schema", "__type", "jurisdiction"), frozenset()),
    "log": frozenset({"log"}),
    "coverage": frozenset({"day"}),
}


@dataclass(frozen=True)
class ServerLimits:
    """What one server gives its requests: time, and how many may work at once."""

    deadline: float = 10.0  # seconds from a request's arrival until it is cut off
    concurrent: int = 8  # GraphQL requests at work at once: each holds a worker thread and a database connection
    queue: float = 2.0  # seconds a request waits for one of those before it is turned away with 503
    cache_bytes: int = 64 * 2**20  # answers kept by ETag (api.response_cache); 0: none


class RegistryGraphQL(GraphQL):
    """graphql-server's ASGI view with our limits, a read snapshot per request, masked errors and ETags."""

    def __init__(
        self,
        engine: Engine,
        profile: Profile,
        *,
        graphiql: bool = True,
        introspection: bool = True,
        limits: ServerLimits = ServerLimits(),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        graphql_schema: GraphQLSchema = schema.graphql_schema,
    ) -> None:
        super().__init__(graphql_schema, graphql_ide="graphiql" if graphiql else None)
        self.engine = engine
        self.profile = profile
        self.limits = limits
        self.clock = clock
        self.admission = Admission(limits.concurrent)
        self.cache = ResponseCache(limits.cache_bytes)
        # The cost limits (api.limits) are checked on their own first: the specified rules are what a flood makes slow.
        rules = [*specified_rules]
        if not introspection:
            rules.append(NoSchemaIntrospectionCustomRule)
        self.rules = tuple(rules)
        self._checked: dict[str, DocumentNode] = {}
        # What a request's answer depends on (DEPENDS_ON), by the request's digest: a request seen before is not
        # parsed, coerced and costed again to learn its ETag (None: it has none).
        self._depends: dict[bytes, frozenset[str] | None] = {}

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

    def admitted(self, query: str, operation_name: str | None, variables: Any) -> DocumentNode:
        """`query` checked, `variables` of the types its operation `operation_name` declares, and the operation
        within the cost limit with them; raises GraphQLValidationError."""
        document = self.checked(query)
        operation = get_operation_ast(document, operation_name)
        if operation is not None:
            # A variable its type refuses (a scalar's shape included) is a request error, like an invalid document:
            # 400 under application/graphql-response+json, as the GraphQL-over-HTTP spec has it.
            given = variables if isinstance(variables, dict) else {}
            coerced = get_variable_values(self.schema, operation.variable_definitions or (), given)
            if isinstance(coerced, list):
                raise GraphQLValidationError(coerced)
        refused = cost_refusal(cost(self.schema, document, operation_name, variables))
        if refused is not None:
            raise GraphQLValidationError([refused])
        return document

    async def render_graphql_ide(self, request: Any, request_data: Any) -> Response:
        # graphql-server's own page loads React and GraphiQL from unpkg.com; an intranet without the internet cannot.
        # Ours reads the query, variables and operation name from its URL itself, so it is served as it is.
        return HTMLResponse(GRAPHIQL_PAGE.read_text("utf-8"))

    def encode_json(self, data: object) -> str:
        """The answer's JSON, compact and in UTF-8 as written (orjson: several times json.dumps's speed)."""
        return orjson.dumps(data).decode()

    @contextmanager
    def snapshot(self, deadline: Deadline | None = None) -> Iterator[Connection]:
        """One consistent read snapshot for a whole request, whose statements stop at `deadline`."""
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            else:
                conn = conn.execution_options(sqlite_begin="DEFERRED")
            with conn.begin():
                if deadline is None:
                    yield conn
                    return
                with held_to(conn, deadline):
                    yield conn

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Any:
        scope = request.scope
        return {"request": request, "response": response, "deadline": scope[_DEADLINE], "now": scope[_NOW]}

    async def execute_operation(
        self, request_adapter: Any, request_data: Any, context: Any, root_value: Any, allowed_operation_types: Any
    ) -> ExecutionResult:
        query = request_data.query
        if not isinstance(query, str) or not query:
            raise GraphQLValidationError([GraphQLError("No GraphQL query found in the request")])
        deadline: Deadline = context["deadline"]

        def run() -> ExecutionResult:
            document = self.admitted(query, request_data.operation_name, request_data.variables)
            try:
                with self.snapshot(deadline) as conn:
                    result = execute_sync(
                        schema=self.schema,
                        query=document,
                        variable_values=request_data.variables,
                        context_value={**context, "conn": conn, "profile": self.profile, "request_state": {}},
                        operation_name=request_data.operation_name,
                        allowed_operation_types=allowed_operation_types,
                        validation_rules=self.rules,
                        validate_document=False,  # checked() did, once per query text
                        execution_context_class=DeadlineContext,
                    )
            except (DeadlineExceeded, OperationalError) as error:
                if not deadline.cut_off(error):
                    raise
                return ExecutionResult(None, [deadline.error()])
            if result.errors and deadline.cut_off(*(error.original_error for error in result.errors)):
                return ExecutionResult(None, [deadline.error()])  # not a half answer with a null for every field
            return result

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
            refused = [error.message for error in result.errors if not fault(error)]
            if refused:
                request.scope.setdefault(REFUSED, []).extend(refused)  # logged in one line as the answer goes out
            result.errors = [_public_error(error) for error in result.errors]
            # An error may be passing (a database hiccup): a 304 must never keep a client on it.
            request.scope[_UNCACHEABLE] = True
        return process_result(result, strict)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        read: list[bytes] = []  # the body, once read: the log names the request's operation from it
        send = logging_refusals(scope, send, lambda: _operation(scope, read))
        scope[_DEADLINE] = deadline = Deadline.starting_now(self.limits.deadline)
        scope[_NOW] = self.clock()
        if scope["method"] not in ("GET", "POST"):
            await super().__call__(scope, receive, send)  # HEAD: graphql-server answers 405
            return
        request = Request(scope, receive)
        body = await _body(request, deadline)
        if isinstance(body, bytes):
            read.append(body)
        if isinstance(body, Response):
            await body(scope, receive, send)
            return
        if self.graphql_ide and scope["method"] == "GET" and "text/html" in request.headers.get("accept", ""):
            await super().__call__(scope, _replay(body), with_policy(send, GRAPHIQL_POLICY))  # GraphiQL: no caching
            return
        give_back = await self.admission.enter(min(self.limits.queue, deadline.remaining()))
        if give_back is None:
            busy = PlainTextResponse("too many requests at once: try again shortly", 503, {"Retry-After": "1"})
            await busy(scope, receive, send)
            return
        try:
            etag = await anyio.to_thread.run_sync(self._etag, request, body, deadline)
            if etag is not None and etag in _tags(request.headers.get("if-none-match", "")):
                await Response(status_code=304, headers={"ETag": etag})(scope, receive, send)
                return
            kept = self.cache.get(etag) if etag is not None else None
            if kept is not None:  # the same request in the same public state: the same answer, not executed again
                give_back()
                await send({"type": "http.response.start", "status": 200, "headers": list(kept.headers)})
                await send({"type": "http.response.body", "body": kept.body})
                return
            sent: list[Message] = []

            async def send_with_etag(message: Message) -> None:
                if message["type"] == "http.response.start":
                    give_back()  # the work is done: a slow reader of the response holds no slot
                    if etag is not None and message["status"] == 200 and not scope.get(_UNCACHEABLE):
                        message = {**message, "headers": [*message.get("headers", []), (b"etag", etag.encode())]}
                        sent.append(message)
                elif sent:
                    sent.append(message)
                    if etag is not None and not message.get("more_body", False):
                        self._keep(etag, sent)
                await send(message)

            await super().__call__(scope, _replay(body), send_with_etag)
        finally:
            give_back()

    def _keep(self, etag: str, sent: list[Message]) -> None:
        """Keep the answer `sent` (its start and body messages) for requests with the same ETag."""
        headers = tuple((bytes(name), bytes(value)) for name, value in sent[0].get("headers", []))
        self.cache.put(etag, Kept(headers, b"".join(bytes(m.get("body", b"")) for m in sent[1:])))

    def _etag(self, request: Request, body: bytes, deadline: Deadline) -> str | None:
        """The ETag of the answer to this request, if it may have one: derived from the public catalog's position,
        and the log head or the day when the operation's root fields depend on them (DEPENDS_ON), and the request.

        None when the request is not a query operation the API would answer (the view reports why), or reaches past
        the deadline.
        """
        headers = request.headers  # those that change the answer: what is asked, and how it is read
        asked_for = hashlib.sha256(
            f"{request.method}\n{headers.get('accept', '')}\n{headers.get('content-type', '')}\n"
            f"{request.url.query}\n".encode()
            + body
        )
        key = asked_for.digest()
        if key in self._depends:
            depends = self._depends[key]
        else:
            depends = self._dependencies_of(request, body)
            if len(self._depends) >= _KNOWN_REQUESTS:
                self._depends.clear()  # a crude bound, as for the checked queries
            self._depends[key] = depends
        if depends is None:
            return None
        try:
            with self.snapshot(deadline) as conn:
                # Checkpoints are signed at public changes, and on demand by `registry checkpoint`.
                state = ":".join(str(n) for n in public_query.cache_state(conn))
                if "log" in depends:
                    state += ":" + str(public_query.log_head(conn)[0])
        except (DeadlineExceeded, OperationalError) as error:
            if not deadline.cut_off(error):
                raise
            return None  # the view meets the deadline too, and says so
        if "day" in depends:
            state += ":" + WorkingCalendar.of(self.profile).day_of(request.scope[_NOW]).isoformat()
        digest = hashlib.sha256(f"{state}\n".encode() + key).hexdigest()
        return f'"{digest[:32]}"'

    def _dependencies_of(self, request: Request, body: bytes) -> frozenset[str] | None:
        """What the answer to this request depends on; None when it is not a query operation the API would answer."""
        asked = _graphql_request(request, body)
        if asked is None:
            return None
        try:
            document = self.admitted(*asked)
        except GraphQLValidationError:
            return None
        return _dependencies(document, asked[1])


async def _body(request: Request, deadline: Deadline) -> bytes | Response:
    """The request's body, read as it arrives and never held beyond MAX_BODY; or the response that refuses it.

    Over MAX_BODY: 413. A body up to _DRAIN bytes longer is read to its end (and dropped) first, so that the client,
    still sending, does not lose the answer to a reset connection; a longer one is not read any further (nor at all,
    when its Content-Length says so) and the connection is closed. Not all there by the deadline: 408.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY + _DRAIN:
        return _too_large(close=True)
    chunks: list[bytes] = []
    size = 0
    with anyio.move_on_after(deadline.remaining()) as waiting:
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY + _DRAIN:
                    return _too_large(close=True)
                if size <= MAX_BODY:
                    chunks.append(chunk)
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is there to read it
    if waiting.cancelled_caught:
        return PlainTextResponse(
            f"request body not received within {deadline.seconds:g} s", 408, {"Connection": "close"}
        )
    if size > MAX_BODY:
        return _too_large(close=False)  # read to its end: the connection can carry the next request
    return b"".join(chunks)


def _too_large(*, close: bool) -> Response:
    return PlainTextResponse(f"request body over {MAX_BODY} bytes", 413, {"Connection": "close"} if close else None)


def _graphql_request(request: Request, body: bytes) -> tuple[str, str | None, Any] | None:
    """The query, operation name and variables of a GraphQL request, as the view reads them; None if it cannot."""
    if request.method == "GET":
        payload: Any = dict(request.query_params)
        try:
            payload["variables"] = json.loads(payload["variables"]) if payload.get("variables") else None
        except ValueError:
            return None
    elif "application/json" in request.headers.get("content-type", ""):
        try:
            payload = json.loads(body)
        except ValueError:
            return None
    else:
        return None
    if not isinstance(payload, dict):
        return None
    query, operation_name = payload.get("query"), payload.get("operationName")
    if not isinstance(query, str) or not (operation_name is None or isinstance(operation_name, str)):
        return None
    return query, operation_name, payload.get("variables")


def _dependencies(document: DocumentNode, operation_name: str | None) -> frozenset[str] | None:
    """What the answer to the query operation `operation_name` depends on (DEPENDS_ON); None if it is not a query
    operation or selects a root field whose dependencies are not known."""
    operation = get_operation_ast(document, operation_name)
    if operation is None or operation.operation is not OperationType.QUERY:
        return None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    names = _root_fields(operation.selection_set, fragments, set())
    if not names <= DEPENDS_ON.keys():
        return None
    return frozenset().union(*(DEPENDS_ON[name] for name in names))


def _root_fields(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], seen: set[str]
) -> set[str]:
    """The names of the fields selected at the root, through fragments (whether or not a directive skips them)."""
    names: set[str] = set()
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            names.add(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            names |= _root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            seen.add(selection.name.value)
            names |= _root_fields(fragments[selection.name.value].selection_set, fragments, seen)
    return names


def _operation(scope: Scope, read: list[bytes]) -> str:
    """The operation a request asks for, as the log names it (its body in `read`, once read)."""
    asked = _graphql_request(Request(scope), read[0]) if read else None
    return operation_name(asked[0] if asked else None, asked[1] if asked else None, MAX_TOKENS)


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
    if not fault(error):
        return error
    log.error("error resolving %s", error.path, exc_info=error.original_error)
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


def create_app(
    engine: Engine,
    profile: Profile,
    *,
    graphiql: bool = True,
    introspection: bool = True,
    limits: ServerLimits = ServerLimits(),
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    signer: Signer | None = None,
    sign_in: SignInPolicy | None = None,
) -> Starlette:
    """The app. `clock` gives the time the `coverage` verdicts and their ETags are judged at, and sessions, sign-in
    limits and token expiry on the staff side (the tests move it). `signer` signs the checkpoint of a publication
    made through the staff API (without it, publishing is refused); `sign_in`: session timeouts and failure limits.
    """
    from api.staff_view import staff_app  # it builds on this module's view

    view = RegistryGraphQL(engine, profile, graphiql=graphiql, introspection=introspection, limits=limits, clock=clock)
    staff = staff_app(
        Registry(engine, profile, signer),
        policy=sign_in or SignInPolicy(),
        introspection=introspection,
        limits=limits,
        clock=clock,
    )

    async def healthz(_request: Request) -> JSONResponse:
        def head() -> tuple[int, str]:
            with view.snapshot(Deadline.starting_now(view.limits.deadline)) as conn:
                return public_query.log_head(conn)

        position, head_hash = await anyio.to_thread.run_sync(head)
        return JSONResponse({"status": "ok", "position": position, "head_hash": head_hash})

    async def home(_request: Request) -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def workbench(_request: Request) -> FileResponse:
        return FileResponse(STATIC / "staff" / "index.html", headers={"Cache-Control": "no-cache"})

    return Starlette(
        routes=[
            Route("/graphql", view, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/", home),
            Mount("/static", _Revalidated(directory=STATIC), name="static"),
            Route("/staff/", workbench),  # the staff workbench (工作台), before the staff app takes /staff/...
            Mount("/staff", staff),
        ],
        middleware=[Middleware(SecurityHeaders), Middleware(_Guard)],
    )
