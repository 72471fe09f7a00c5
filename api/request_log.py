"""The server log of the GraphQL views: one line for a request the client got wrong, a traceback for a fault.

A bad cursor, a page size over the limit or an unknown field is the client's mistake, answered with a message: the
log gets one line with the status, the operation and that message. An unexpected exception is the server's fault and
keeps its traceback (logged where it is caught: api/app.py `_public_error`, `execute_operation`, `_Guard`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from graphql import GraphQLError, OperationDefinitionNode, parse
from starlette.types import Message, Scope, Send

log = logging.getLogger("registry.api")

REFUSED = "registry.refused"  # in the ASGI scope: the messages of the client's errors in the answer
_LONGEST = 500  # characters of the messages a line keeps


def fault(error: GraphQLError) -> bool:
    """Whether `error` is the server's fault (an unexpected exception under it) rather than the request's: the
    request's errors, the schema's refusals and the resolvers' own answers are GraphQLErrors of their own."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def operation_name(query: str | None, given: str | None, max_tokens: int) -> str:
    """The operation a request names, or the name of its document's one operation; "(anonymous)" without either."""
    if given:
        return given
    if query:
        try:
            document = parse(query, max_tokens=max_tokens)
        except GraphQLError:
            return "(anonymous)"
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) == 1 and operations[0].name:
            return operations[0].name.value
    return "(anonymous)"


def _one_line(text: str) -> str:
    """`text` as one line of the log: a client cannot start a line of its own (control characters escaped)."""
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    return shown if len(shown) <= _LONGEST else shown[: _LONGEST - 1] + "…"


def logging_refusals(scope: Scope, send: Send, operation: Callable[[], str]) -> Send:
    """`send`, logging one line once a response that refused the client (4xx, or GraphQL errors of the request that
    REFUSED in the scope lists) is sent: the status, `operation()` and the messages (or the start of a 4xx body)."""
    status = 0

    async def send_logged(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            refused = scope.get(REFUSED)
            if isinstance(refused, list) and refused:
                said = "; ".join(str(m) for m in refused)
            elif 400 <= status < 500:
                said = bytes(message.get("body", b"")[:_LONGEST]).decode("utf-8", "replace")
            else:
                said = ""
            if said:
                log.warning("client error (HTTP %s) in %s: %s", status, _one_line(operation()), _one_line(said))
        await send(message)

    return send_logged
