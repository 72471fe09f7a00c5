"""The staff side of the HTTP app, under /staff: sign-in and sign-out, and GraphQL for the proven actor."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import anyio.to_thread
from graphql import DocumentNode, ExecutionResult, GraphQLError, OperationType, get_operation_ast
from graphql_server.exceptions import GraphQLValidationError
from graphql_server.http.exceptions import HTTPException
from graphql_server.runtime import execute_sync
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from api.app import RegistryGraphQL, ServerLimits
from api.deadline import DeadlineContext, DeadlineExceeded
from api.replicas import Reads
from api.sign_in import SignIn
from api.staff_auth import SignInPolicy, Staff, StaffBackend, forgery, invalid_token, refusal, unauthenticated
from api.staff_import import StaffImport
from api.staff_schema import Acting, key_problem, staff_schema
from registry.service import Registry

log = logging.getLogger("registry.api")


class StaffGraphQL(RegistryGraphQL):
    """The staff schema over graphql-server's view, with the public view's limits: only for an authenticated actor,
    a cookie's request only with its CSRF token; answers are never cached. Resolvers read and write through the
    Registry (each write its own transaction), not a request-wide snapshot."""

    kept = False  # each answer is the caller's own: no ETag, never a 304, never kept

    def __init__(
        self,
        registry: Registry,
        *,
        introspection: bool,
        limits: ServerLimits,
        clock: Callable[[], datetime],
        reads: Reads | None = None,
    ) -> None:
        super().__init__(
            registry.engine,
            registry.profile,
            graphiql=False,
            introspection=introspection,
            limits=limits,
            clock=clock,
            graphql_schema=staff_schema.graphql_schema,
            reads=reads,
        )
        self.registry = registry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await Response(status_code=404)(scope, receive, send)
            return
        staff = scope.get("user")
        conn = HTTPConnection(scope)
        refused = forgery(conn, staff) if isinstance(staff, Staff) else unauthenticated()
        key = conn.headers.get("idempotency-key")
        if refused is None and key is not None and (problem := key_problem(key)):
            refused = refusal(400, f"Idempotency-Key: {problem}", "BAD_REQUEST")
        if refused is not None:
            await refused(scope, receive, send)
            return

        async def send_private(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Cache-Control"] = "no-store"
                headers["Vary"] = "Authorization, Cookie"
            await send(message)

        await super().__call__(scope, receive, send_private)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Any:
        context = await super().get_context(request, response)
        staff: Staff = request.scope["user"]
        acting = Acting(staff.actor, staff.proof, staff.token_name, request.headers.get("idempotency-key"))
        return {
            **context,
            "registry": self.registry,
            "acting": acting,
            "profile": self.profile,
            "request_state": {},
            "read": lambda work: self.reads.read([self.engine], work),  # execute_operation chooses, by the operation
        }

    async def execute_operation(
        self, request_adapter: Any, request_data: Any, context: Any, root_value: Any, allowed_operation_types: Any
    ) -> ExecutionResult:
        query = request_data.query
        if not isinstance(query, str) or not query:
            raise GraphQLValidationError([GraphQLError("No GraphQL query found in the request")])
        deadline = context["deadline"]

        def run() -> ExecutionResult:
            document = self.admitted(query, request_data.operation_name, request_data.variables)
            if context["acting"].idempotency_key is not None:
                one_command(document, request_data.operation_name)
            actor_id = context["acting"].actor.actor_id
            operation = get_operation_ast(document, request_data.operation_name)
            writes = operation is not None and operation.operation is OperationType.MUTATION
            # A mutation reads what it wrote from the primary; a query, from a replica that has replayed the actor's
            # last write (api/replicas.py).
            engines = [self.engine] if writes else self.reads.staff(actor_id)
            context["read"] = lambda work: self.reads.read(engines, work)
            try:
                return executed(document)
            finally:
                if writes:
                    self.reads.wrote(actor_id)

        def executed(document: DocumentNode) -> ExecutionResult:
            result = execute_sync(
                schema=self.schema,
                query=document,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed_operation_types,
                validation_rules=self.rules,
                validate_document=False,  # admitted() did
                execution_context_class=DeadlineContext,
            )
            if result.errors and any(isinstance(e.original_error, DeadlineExceeded) for e in result.errors):
                return ExecutionResult(None, [deadline.error()])
            return result

        try:
            return await anyio.to_thread.run_sync(run)
        except GraphQLError:
            raise
        except Exception as error:
            log.exception("error around the execution of a staff GraphQL request")
            raise HTTPException(500, "Internal server error") from error


def one_command(document: DocumentNode, operation_name: str | None) -> None:
    """An Idempotency-Key names one command: a document that sends more than one mutation with it is refused (each
    mutation can carry its own `commandId` instead)."""
    operation = get_operation_ast(document, operation_name)
    mutation = operation is not None and operation.operation is OperationType.MUTATION
    if mutation and operation is not None and len(operation.selection_set.selections) > 1:
        raise GraphQLValidationError(
            [
                GraphQLError(
                    "an Idempotency-Key names one command: send one mutation with it, or give each mutation "
                    "its own commandId input"
                )
            ]
        )


def staff_app(
    registry: Registry,
    *,
    policy: SignInPolicy,
    introspection: bool,
    limits: ServerLimits,
    clock: Callable[[], datetime],
    reads: Reads | None = None,
) -> Starlette:
    """/login, /logout and /graphql, behind the authentication backend (mounted at /staff)."""
    sign_in = SignIn(registry, policy, clock)
    reads = reads or Reads.primary_only(registry.engine)
    view = StaffGraphQL(registry, introspection=introspection, limits=limits, clock=clock, reads=reads)

    return Starlette(
        routes=[
            Route("/login", sign_in.login, methods=["POST"]),
            Route("/logout", sign_in.logout, methods=["POST"]),
            Route("/graphql", view, methods=["GET", "POST"]),
            Route("/import", StaffImport(registry, wrote=reads.wrote).upload, methods=["POST"]),
        ],
        middleware=[
            Middleware(AuthenticationMiddleware, backend=StaffBackend(registry, policy, clock), on_error=invalid_token)
        ],
    )
