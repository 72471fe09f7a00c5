"""The HTTP app: GraphQL over HTTP at /graphql (graphql-server on Starlette), GraphiQL, /healthz, ETags,
the reference portal page at / (static files under /static/), the staff side under /staff/ (api/staff_view.py), and
the public changes pushed: the Atom feed (api/feeds.py) and the live stream (api/stream.py)."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import anyio
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
from graphql_server.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from graphql_server.http.exceptions import HTTPException
from graphql_server.http.parse_content_type import parse_content_type
from graphql_server.http.types import operation_type_from_http
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
from api.feeds import PATH as FEED_PATH
from api.feeds import AtomFeed
from api.headers import GRAPHIQL_POLICY, SecurityHeaders, with_policy
from api.limits import MAX_TOKENS, cost, cost_refusal, refusals
from api.public_state import LoopState
from api.replicas import Reads, failed_over
from api.request_log import REFUSED, fault, logging_refusals, operation_name
from api.response_cache import Kept, ResponseCache
from api.schema import schema
from api.staff_auth import SignInPolicy
from api.stream import PATH as STREAM_PATH
from api.stream import ChangeStream, StreamSettings
from events.checkpoint import Signer
from projections import public_query
from registry.calendar import WorkingCalendar
from registry.profile import Profile
from registry.service import Registry

log = logging.getLogger("registry.api")
_T = TypeVar("_T")
MAX_BODY = 64 * 1024
_DRAIN = 1024 * 1024  # bytes of a body over MAX_BODY read and dropped before the 413 (see _body)
STATIC = Path(__file__).with_name("static")  # the portal page: plain HTML, CSS and JavaScript modules
GRAPHIQL_PAGE = STATIC / "graphiql" / "index.html"  # GraphiQL from the registry's own copy (README.md there)
_CHECKED_QUERIES = 256  # query texts whose parsed and validated document is kept
_KNOWN_REQUESTS = 4096  # requests whose dependencies (or that they have no ETag) are kept, by digest
_UNCACHEABLE = "registry.uncacheable"  # set in the ASGI scope when a response must not carry an ETag
_DEADLINE = "registry.supervision.deadline"  # the request's Deadline, in the ASGI scope
_READ_FROM = "registry.read_from"  # the engine a request's ETag was read from, in the ASGI scope (api/replicas.py)
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
    **dict.fromkeys(("mediaAccounts", "mediaAccount"), frozenset()),  # the public state counts account publications
    "log": frozenset({"log"}),
    "coverage": frozenset({"day"}),
}


@dataclass(frozen=True)
class ServerLimits:
    """What one server gives its requests: time, and how many may work at once."""

    deadline: float = 10.0  # seconds from a request's arrival until it is cut off
    # GraphQL requests at work at once: each holds a worker thread and a database connection (on SQLite, an answer
    # given from the response cache, or a 304, takes neither: api/public_state.py)
    concurrent: int = 8
    queue: float = 2.0  # seconds a request waits for one of those before it is turned away with 503
    cache_bytes: int = 64 * 2**20  # answers kept by ETag (api.response_cache); 0: none


class RegistryGraphQL(GraphQL):
    """graphql-server's view with our limits, a read snapshot per request, masked errors, ETags and the response
    cache.

    A public request whose ETag was answered before is given the kept answer (or a 304) without a worker thread
    where the public state can be read on the event loop (api/public_state.py). Any other takes one worker thread,
    which reads the public state, makes the ETag and, when that is not answered from memory either, executes the
    request in the same snapshot: the answer kept under an ETag is always the answer in the state the ETag names.
    A request as graphql-server reads it plainly (JSON or query parameters, a query, variables as an object) is
    executed there and answered as graphql-server would answer it (`_plain_request`); anything else, and every
    request the API refuses before executing it, goes through graphql-server's own view, which answers as before.
    """

    kept = True  # answers carry ETags and are kept (api.response_cache); the staff view's are the caller's own

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
        reads: Reads | None = None,
    ) -> None:
        super().__init__(graphql_schema, graphql_ide="graphiql" if graphiql else None)
        self.engine = engine
        self.reads = reads or Reads.primary_only(engine)  # where reads go: the primary, or replicas (api/replicas.py)
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
        self._loop_state: LoopState | None = None  # opened by the first request that takes a worker thread
        self._loop_state_tried = False
        self._loop_state_lock = threading.Lock()

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
        coerced: dict[str, Any] | None = None
        if operation is not None:
            # A variable its type refuses (a scalar's shape included) is a request error, like an invalid document:
            # 400 under application/graphql-response+json, as the GraphQL-over-HTTP spec has it.
            given = variables if isinstance(variables, dict) else {}
            found = get_variable_values(self.schema, operation.variable_definitions or (), given)
            if isinstance(found, list):
                raise GraphQLValidationError(found)
            coerced = found
        refused = cost_refusal(cost(self.schema, document, operation_name, variables, coerced))
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

    def create_response(self, response_data: GraphQLHTTPResponse, sub_response: Response, is_strict: bool) -> Response:
        """graphql-server's response, with the JSON's bytes as orjson writes them: the same bytes as encode_json's
        text in UTF-8, without decoding and encoding a page's worth of text again."""
        response = Response(
            orjson.dumps(response_data),
            status_code=sub_response.status_code or 200,
            headers=sub_response.headers,
            media_type="application/graphql-response+json" if is_strict else "application/json",
        )
        if sub_response.background:
            response.background = sub_response.background
        return response

    @contextmanager
    def snapshot(self, deadline: Deadline | None = None, engine: Engine | None = None) -> Iterator[Connection]:
        """One consistent read snapshot for a whole request on `engine` (the primary's by default), whose statements
        stop at `deadline`."""
        with (engine or self.engine).connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            else:
                conn = conn.execution_options(sqlite_begin="DEFERRED")
            if deadline is None:
                with conn.begin():
                    yield conn
                return
            # held_to's statement timeout is kept by the server; a replica's server that hangs, by the watchdog (from
            # the first statement: the BEGIN and held_to's SET LOCAL too), soon enough for the primary to answer
            with self.reads.guarded(conn, 0.6 * deadline.remaining()), conn.begin(), held_to(conn, deadline):
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

        scope = context["request"].scope
        # The engine whose state named the request's ETag (_work), if it did: the answer must come from it too.
        chosen: Engine | None = scope.get(_READ_FROM)

        def run() -> ExecutionResult:
            document = self.admitted(query, request_data.operation_name, request_data.variables)
            if chosen is None:
                return self._on_replicas(lambda engine: executed(engine, document))
            return self._on_replicas(lambda engine: executed(engine, document), [chosen])

        def executed(engine: Engine, document: DocumentNode) -> ExecutionResult:
            if chosen is not None and engine is not chosen:
                scope[_UNCACHEABLE] = True  # the ETag named the state of the engine that failed, not this one's
            try:
                with self.snapshot(deadline, engine) as conn:
                    result = self._execute(conn, document, request_data, context, allowed_operation_types)
                    self._replica_failed(engine, deadline, *(e.original_error for e in result.errors or ()))
            except (DeadlineExceeded, OperationalError) as error:
                if not deadline.cut_off(error):
                    self._replica_failed(engine, deadline, error)
                    raise
                return ExecutionResult(None, [deadline.error()])
            return self._within(deadline, result)

        try:
            return await anyio.to_thread.run_sync(run)
        except GraphQLError:
            raise
        except Exception as error:
            # graphql-server would answer 400 with str(error): SQL, or the database's address.
            log.exception("error around the execution of a GraphQL request")
            raise HTTPException(500, "Internal server error") from error

    def _execute(
        self,
        conn: Connection,
        document: DocumentNode,
        request_data: GraphQLRequestData,
        context: dict[str, Any],
        allowed_operation_types: set[OperationType],
    ) -> ExecutionResult:
        """The admitted `document` executed on `conn` (a snapshot)."""
        return execute_sync(
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

    @staticmethod
    def _within(deadline: Deadline, result: ExecutionResult) -> ExecutionResult:
        """`result`, or only the deadline's error when the deadline cut the execution off: not a half answer with a
        null for every field."""
        if result.errors and deadline.cut_off(*(error.original_error for error in result.errors)):
            return ExecutionResult(None, [deadline.error()])
        return result

    async def process_result(self, request: Any, result: ExecutionResult, strict: bool = False) -> GraphQLHTTPResponse:
        return self._processed(request.scope, result, strict)

    def _processed(self, scope: Scope, result: ExecutionResult, strict: bool) -> GraphQLHTTPResponse:
        if result.errors:
            refused = [error.message for error in result.errors if not fault(error)]
            if refused:
                scope.setdefault(REFUSED, []).extend(refused)  # logged in one line as the answer goes out
            result.errors = [_public_error(error) for error in result.errors]
            # An error may be passing (a database hiccup): a 304 must never keep a client on it.
            scope[_UNCACHEABLE] = True
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
        key = _digest(request, body) if self.kept else b""
        depends = self._depends.get(key, _UNKNOWN) if self.kept else None
        quick_tag: str | None = None
        if isinstance(depends, frozenset) and self._loop_state is not None:
            state = self._loop_state.read(log="log" in depends)
            if state is not None:
                quick_tag = self._tag(key, depends, state, scope[_NOW])
                if await self._from_memory(quick_tag, None, request, send):
                    return  # a 304 or a kept answer: no worker thread, no connection, no slot
        give_back = await self.admission.enter(min(self.limits.queue, deadline.remaining()))
        if give_back is None:
            busy = PlainTextResponse("too many requests at once: try again shortly", 503, {"Retry-After": "1"})
            await busy(scope, receive, send)
            return
        try:
            if not self.kept:
                await super().__call__(scope, _replay(body), _giving_back(send, give_back))
                return
            plain = self.plain_request(request, body)
            sub_response = await self.get_sub_response(request)
            context = await self.get_context(request, sub_response)
            try:
                outcome = await anyio.to_thread.run_sync(
                    self._on_replicas,
                    lambda engine: self._work(engine, request, body, key, quick_tag, plain, sub_response, context),
                )
            except Exception:
                log.exception("error around the execution of a GraphQL request")
                await PlainTextResponse("Internal server error", 500)(scope, receive, send)
                return
            if isinstance(outcome, _Remembered):
                give_back()
                await self._from_memory(outcome.etag, outcome.kept, request, send)
                return
            etag = outcome.etag
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

            if isinstance(outcome, _Answered):
                await outcome.response(scope, receive, send_with_etag)
            else:
                await super().__call__(scope, _replay(body), send_with_etag)
        finally:
            give_back()

    async def _from_memory(self, etag: str, kept: Kept | None, request: Request, send: Send) -> bool:
        """Answer with a 304 when the request holds `etag`, or with the answer kept for it (`kept`, else looked up);
        False when neither can be given."""
        if etag in _tags(request.headers.get("if-none-match", "")):
            await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", etag.encode())]})
            await send({"type": "http.response.body", "body": b""})
            return True
        kept = kept or self.cache.get(etag)
        if kept is None:
            return False
        await send({"type": "http.response.start", "status": 200, "headers": list(kept.headers)})
        await send({"type": "http.response.body", "body": kept.body})
        return True

    def _on_replicas(self, work: Callable[[Engine], _T], engines: list[Engine] | None = None) -> _T:
        """`work` on the engines a public read goes to (api/replicas.py; `engines`, then the primary, if given): when
        it fails on a replica (it raises _ReplicaFailed), it is done again on the next one, the primary last."""
        if engines is None:
            engines = self.reads.public()
        elif engines[-1] is not self.engine:
            engines = [*engines, self.engine]
        for engine in engines[:-1]:
            try:
                return work(engine)
            except _ReplicaFailed as failure:
                self.reads.failed(engine, failure.error)
        return work(engines[-1])

    def _replica_failed(self, engine: Engine, deadline: Deadline, *errors: BaseException | None) -> None:
        """Raise _ReplicaFailed when `engine` is a replica and one of `errors` says the replica failed the read (not
        the request's deadline: a request cut off is not read again)."""
        if engine is self.engine or deadline.cut_off(*errors):
            return
        for error in errors:
            if error is not None and failed_over(error):
                raise _ReplicaFailed(error)

    def _work(
        self,
        engine: Engine,
        request: Request,
        body: bytes,
        key: bytes,
        quick_tag: str | None,
        plain: _Plain | None,
        sub_response: Response,
        context: dict[str, Any],
    ) -> _Outcome:
        """In a worker thread: the request's ETag from the public state on `engine` and, unless that answers it (a 304
        or a kept answer), the answer to a plain request executed in the same snapshot."""
        deadline: Deadline = context["deadline"]
        scope = request.scope
        admitted = _Admitted(self)
        depends = self._depends.get(key, _UNKNOWN)
        if depends is _UNKNOWN:
            depends = self._dependencies_of(request, body, admitted)
            if len(self._depends) >= _KNOWN_REQUESTS:
                self._depends.clear()  # a crude bound, as for the checked queries
            self._depends[key] = depends
        assert not isinstance(depends, _Unknown)
        self._open_loop_state()
        etag: str | None = None
        executing = False
        try:
            with self.snapshot(deadline, engine) as conn:
                if depends is not None:
                    state = public_query.cache_state(conn, log="log" in depends)
                    etag = self._tag(key, depends, state, scope[_NOW])
                    matched = etag in _tags(request.headers.get("if-none-match", ""))
                    kept = None if matched or etag == quick_tag else self.cache.get(etag)
                    if matched or kept is not None:
                        return _Remembered(etag, kept)
                if plain is None:
                    request.scope[_READ_FROM] = engine
                    return _Delegated(etag)
                try:
                    document = admitted(plain.data.query or "", plain.data.operation_name, plain.data.variables)
                except GraphQLValidationError:
                    request.scope[_READ_FROM] = engine
                    return _Delegated(etag)  # refused: graphql-server's view answers it as it always has
                executing = True
                try:
                    result = self._execute(conn, document, plain.data, context, plain.allowed)
                except GraphQLError:
                    request.scope[_READ_FROM] = engine
                    return _Delegated(etag)  # an operation type the method does not allow: the view says so
                self._replica_failed(engine, deadline, *(e.original_error for e in result.errors or ()))
        except (DeadlineExceeded, OperationalError) as error:
            if not deadline.cut_off(error):
                self._replica_failed(engine, deadline, error)
                raise
            if not executing or plain is None:
                return _Delegated(None)  # graphql-server's view meets the deadline too, and says so
            result = ExecutionResult(None, [deadline.error()])
        assert plain is not None
        result = self._within(deadline, result)
        response_data = self._processed(scope, result, plain.strict)
        if result.errors:
            self._handle_errors(result.errors, response_data)
        return _Answered(etag, self.create_response(response_data, sub_response, plain.strict))

    def plain_request(self, request: Request, body: bytes) -> _Plain | None:
        """The request as graphql-server's view reads it, when this view may execute and answer it itself (None:
        graphql-server's view takes it)."""
        return _plain_request(self, request, body)

    def _open_loop_state(self) -> None:
        """Open the public state's reader for the event loop, once (in a worker thread: the pool may wait)."""
        if self._loop_state_tried:
            return
        with self._loop_state_lock:
            if not self._loop_state_tried:
                self._loop_state = LoopState.open(self.engine)
                self._loop_state_tried = True

    def _keep(self, etag: str, sent: list[Message]) -> None:
        """Keep the answer `sent` (its start and body messages) for requests with the same ETag."""
        headers = tuple((bytes(name), bytes(value)) for name, value in sent[0].get("headers", []))
        self.cache.put(etag, Kept(headers, b"".join(bytes(m.get("body", b"")) for m in sent[1:])))

    def _tag(self, key: bytes, depends: frozenset[str], state: tuple[int, ...], now: datetime) -> str:
        """The ETag of the answer to the request of digest `key` in the public `state` (public_query.cache_state,
        with the log head when the operation's root fields depend on it) and on the day of `now` if they depend on
        the day (DEPENDS_ON)."""
        tagged = ":".join(str(n) for n in state)
        if "day" in depends:
            tagged += ":" + WorkingCalendar.of(self.profile).day_of(now).isoformat()
        digest = hashlib.sha256(f"{tagged}\n".encode() + key).hexdigest()
        return f'"{digest[:32]}"'

    def _dependencies_of(self, request: Request, body: bytes, admitted: _Admitted) -> frozenset[str] | None:
        """What the answer to this request depends on; None when it is not a query operation the API would answer."""
        asked = _graphql_request(request, body)
        if asked is None:
            return None
        try:
            document = admitted(*asked)
        except GraphQLValidationError:
            return None
        return _dependencies(document, asked[1])


class _Unknown:
    """What a request seen for the first time depends on: not known yet."""


_UNKNOWN = _Unknown()


class _Admitted:
    """`RegistryGraphQL.admitted`, remembering its last answer: a request's ETag and its execution admit it once."""

    def __init__(self, view: RegistryGraphQL) -> None:
        self.view = view
        self.last: tuple[str, str | None, Any, DocumentNode] | None = None

    def __call__(self, query: str, operation_name: str | None, variables: Any) -> DocumentNode:
        last = self.last
        if last is not None and last[0] == query and last[1] == operation_name and last[2] == variables:
            return last[3]
        document = self.view.admitted(query, operation_name, variables)
        self.last = (query, operation_name, variables, document)
        return document


@dataclass(frozen=True)
class _Plain:
    """A GraphQL request as graphql-server's view reads it, when nothing about it needs that view's other ways."""

    data: GraphQLRequestData
    strict: bool  # application/graphql-response+json
    allowed: set[OperationType]


class _ReplicaFailed(Exception):
    """A read failed on a replica (api/replicas.py.failed_over): it is done again elsewhere."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class _Remembered:
    etag: str
    kept: Kept | None  # None: the request holds the ETag (304)


@dataclass(frozen=True)
class _Answered:
    etag: str | None
    response: Response


@dataclass(frozen=True)
class _Delegated:
    etag: str | None


_Outcome = _Remembered | _Answered | _Delegated


def _plain_request(view: RegistryGraphQL, request: Request, body: bytes) -> _Plain | None:
    """The request as graphql-server's view (AsyncBaseHTTPView.run, parse_http_body) reads it, when it would read it
    without an error and execute it; None for anything else (the view then takes it)."""
    headers = {key.lower(): value for key, value in request.headers.items()}
    content_type, _ = _content_type(request.headers.get("content-type") or "")
    accept_type = _content_type(headers.get("accept", "") or headers.get("http-accept", ""))
    if view._is_multipart_subscriptions(*accept_type):
        return None
    strict = "application/graphql-response+json" in accept_type
    data: Any
    try:
        if request.method == "GET":
            data = dict(request.query_params)
            for name in ("variables", "extensions"):
                if data.get(name):
                    data[name] = view.decode_json(data[name])
        elif "application/json" in content_type:
            data = view.decode_json(body)
        else:
            return None
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    query, variables, operation, extensions = (
        data.get("query"),
        data.get("variables"),
        data.get("operationName"),
        data.get("extensions"),
    )
    if not isinstance(query, str) or not query or not (operation is None or isinstance(operation, str)):
        return None
    if not (variables is None or isinstance(variables, dict)) or not (
        extensions is None or isinstance(extensions, dict)
    ):
        return None
    allowed = operation_type_from_http(request.method)  # type: ignore[arg-type]
    if request.method == "GET" and not view.allow_queries_via_get:
        allowed = allowed - {OperationType.QUERY}
    data_ = GraphQLRequestData(query, None, variables, operation, extensions, "http-strict" if strict else "http")
    return _Plain(data_, strict, allowed)


@lru_cache(maxsize=64)
def _content_type(header: str) -> tuple[str, dict[str, str]]:
    """graphql-server's parse_content_type, remembered: it parses a MIME message for each header."""
    return parse_content_type(header)


def _digest(request: Request, body: bytes) -> bytes:
    """A digest of what, in a request, changes the answer: what is asked, and how it is read."""
    headers = request.headers
    return hashlib.sha256(
        f"{request.method}\n{headers.get('accept', '')}\n{headers.get('content-type', '')}\n"
        f"{request.url.query}\n".encode()
        + body
    ).digest()


def _giving_back(send: Send, give_back: Callable[[], None]) -> Send:
    """`send`, giving the request's slot back as the response starts: a slow reader of the response holds none."""

    async def send_giving_back(message: Message) -> None:
        if message["type"] == "http.response.start":
            give_back()
        await send(message)

    return send_giving_back


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
    stream: StreamSettings | None = None,
    reads: Reads | None = None,
) -> Starlette:
    """The app. `clock` gives the time the `coverage` verdicts and their ETags are judged at, and sessions, sign-in
    limits and token expiry on the staff side (the tests move it). `signer` signs the checkpoint of a publication
    made through the staff API (without it, publishing is refused); `sign_in`: session timeouts and failure limits;
    `stream`: the live stream's heartbeat, how often it looks for new changes, how many streams may be open
    (api.stream.StreamSettings); `reads`: the read replicas the GraphQL reads go to (api/replicas.py; its monitor
    runs while the app does), else the primary alone; the Atom feed's pages too. The live stream reads the primary.
    """
    from api.staff_view import staff_app  # it builds on this module's view

    reads = reads or Reads.primary_only(engine)
    view = RegistryGraphQL(
        engine, profile, graphiql=graphiql, introspection=introspection, limits=limits, clock=clock, reads=reads
    )
    staff = staff_app(
        Registry(engine, profile, signer),
        policy=sign_in or SignInPolicy(),
        introspection=introspection,
        limits=limits,
        clock=clock,
        reads=reads,
    )

    async def healthz(_request: Request) -> JSONResponse:
        def head() -> tuple[int, str]:
            with view.snapshot(Deadline.starting_now(view.limits.deadline)) as conn:
                return public_query.log_head(conn)

        position, head_hash = await anyio.to_thread.run_sync(head)
        health: dict[str, object] = {"status": "ok", "position": position, "head_hash": head_hash}
        if reads.replicas:
            health["replicas"] = reads.status()
        return JSONResponse(health)

    async def home(_request: Request) -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def workbench(_request: Request) -> FileResponse:
        return FileResponse(STATIC / "staff" / "index.html", headers={"Cache-Control": "no-cache"})

    feed = AtomFeed(engine, profile, view.admission, limits.deadline, limits.queue, reads)
    changes = ChangeStream(engine, profile, stream or StreamSettings(), limits.deadline)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        reads.start()  # the replicas' monitor, when there are replicas
        try:
            async with anyio.create_task_group() as tasks:
                await tasks.start(changes.watcher.run)  # the live stream's one look at the public position
                yield
                tasks.cancel_scope.cancel()
        finally:
            reads.stop()

    return Starlette(
        routes=[
            Route("/graphql", view, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route(FEED_PATH, feed.respond),
            Route(STREAM_PATH, changes),
            Route("/", home),
            Mount("/static", _Revalidated(directory=STATIC), name="static"),
            Route("/staff/", workbench),  # the staff workbench (工作台), before the staff app takes /staff/...
            Mount("/staff", staff),
        ],
        middleware=[Middleware(SecurityHeaders), Middleware(_Guard)],
        lifespan=lifespan,
    )
