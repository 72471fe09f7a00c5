"""The floor of Q: a raw Starlette endpoint that returns the same catalog page as JSON, read with raw SQL.

The same page as the GraphQL query of benchmarks/read_api.py (every field of the first 50 items after a cursor,
their public history, the total count and the page info), from the same SQLite database, with an ETag from the
position of the last public change; served by uvicorn as `registry serve` is.

Run: python -m benchmarks.raw_endpoint DATABASE PORT
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import sys
import threading
from datetime import datetime
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

FIELDS = (
    "item_id, version, domain, unit, category, name, subname, content, basis, time_limit, body, channels, audience,"
    " audience_note, method, levels, published_at, approval_reference"
)


def create_app(path: str) -> Starlette:
    local = threading.local()

    def connection() -> sqlite3.Connection:
        if not hasattr(local, "conn"):
            local.conn = sqlite3.connect(path, check_same_thread=False)
        conn: sqlite3.Connection = local.conn
        return conn

    def etag(conn: sqlite3.Connection, query: str) -> str:
        position = conn.execute("SELECT COALESCE(MAX(position), 0) FROM public_changes").fetchone()[0]
        return '"' + hashlib.sha256(f"{position}\n{query}".encode()).hexdigest()[:32] + '"'

    def page(conn: sqlite3.Connection, after: str | None, first: int) -> dict[str, Any]:
        total = conn.execute("SELECT COUNT(*) FROM public_catalog").fetchone()[0]
        rows = conn.execute(
            f"SELECT {FIELDS} FROM public_catalog WHERE item_id > ? ORDER BY item_id LIMIT ?", (after or "", first + 1)
        ).fetchall()
        ids = [row[0] for row in rows[:first]]
        histories: dict[str, list[dict[str, Any]]] = {item: [] for item in ids}
        marks = ", ".join("?" * len(ids))
        for item, version, published_at, kind, reason in conn.execute(
            f"SELECT item_id, version, published_at, kind, reason FROM public_changes WHERE item_id IN ({marks})"
            " ORDER BY position",
            ids,
        ):
            histories[item].append(
                {"version": version, "publishedAt": _time(published_at), "changeKind": kind.upper(), "reason": reason}
            )
        edges = [
            {
                "cursor": _cursor(row[0]),
                "node": {
                    "id": row[0],
                    "version": row[1],
                    "domain": row[2],
                    "unit": row[3],
                    "category": row[4],
                    "name": row[5],
                    "subname": row[6],
                    "content": row[7],
                    "basis": row[8],
                    "timeLimit": row[9],
                    "body": row[10],
                    "channels": json.loads(row[11]),
                    "audience": [value.upper() for value in json.loads(row[12])],
                    "audienceNote": row[13],
                    "method": [value.upper() for value in json.loads(row[14])],
                    "levels": [value.upper() for value in json.loads(row[15])],
                    "publishedAt": _time(row[16]),
                    "approvalReference": row[17],
                    "history": histories[row[0]],
                },
            }
            for row in rows[:first]
        ]
        return {
            "data": {
                "catalog": {
                    "totalCount": total,
                    "pageInfo": {
                        "hasNextPage": len(rows) > first,
                        "hasPreviousPage": after is not None,
                        "startCursor": edges[0]["cursor"] if edges else None,
                        "endCursor": edges[-1]["cursor"] if edges else None,
                    },
                    "edges": edges,
                }
            }
        }

    def catalog(request: Request) -> Response:
        conn = connection()
        conn.execute("BEGIN")  # one snapshot, as the registry reads
        try:
            tag = etag(conn, request.url.query)
            if tag in request.headers.get("if-none-match", ""):
                return Response(status_code=304, headers={"ETag": tag})
            after = request.query_params.get("after")
            body = json.dumps(page(conn, after, int(request.query_params.get("first", "50"))), ensure_ascii=False)
        finally:
            conn.execute("COMMIT")
        return Response(body, media_type="application/json", headers={"ETag": tag})

    return Starlette(routes=[Route("/catalog", catalog)])


def _cursor(item_id: str) -> str:
    return base64.urlsafe_b64encode(f"item:{item_id}".encode()).decode()


def _time(stored: str) -> str:
    """The stored UTC time as graphene's DateTime writes it."""
    return datetime.fromisoformat(stored).isoformat()


if __name__ == "__main__":
    uvicorn.run(create_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
