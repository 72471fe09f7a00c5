"""The verifiable log: the signing key, checkpoints (signed tree heads), proofs, and the offline proof check."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from sqlalchemy import and_, func, select

from cli.app import app
from cli.context import Context, Exit, InvalidInput, Usage, context, origin
from cli.i18n import _
from cli.output import console, error, grid, print_json
from events import checkpoint, merkle_store
from events.database import reading
from events.proof import ProofError, read_public_key, verify_file
from events.schema import events
from projections.schema import public_catalog, published_versions, signing_keys
from registry.missing import NotFound

if TYPE_CHECKING:
    from registry.service import Registry

Json = Annotated[bool, typer.Option("--json", help=_("print JSON"))]


def _signed_registry(ctx: typer.Context) -> Registry:
    c = context(ctx)
    registry = c.registry()
    if registry.signer is None:
        raise Usage(
            _("no signing key at {path}: `registry init` creates one, or pass --key FILE").format(path=c.key_path)
        )
    return registry


@app.command(help=_("The checkpoint signing key: where it is, its public half for verifiers, or its rotation."))
def key(
    ctx: typer.Context,
    public: Annotated[bool, typer.Option("--public", help=_("print the public key (base64 of its 32 bytes)"))] = False,
    rotate: Annotated[
        bool,
        typer.Option(
            "--rotate",
            help=_(
                "replace the signing key with a new one (an admin's act, recorded in the log; --as ADMIN); the old "
                "file is kept beside it as NAME.KEYID.retired.key"
            ),
        ),
    ] = False,
) -> None:
    c = context(ctx)
    if rotate:
        _rotate(c)
        return
    registry = _signed_registry(ctx)
    assert registry.signer is not None
    if public:
        typer.echo(registry.signer.public_key)
        return
    console.print(
        _("signing key {path} (Ed25519, id {key}); public key {public}").format(
            path=c.key_path, key=registry.signer.key_id, public=registry.signer.public_key
        ),
        markup=False,
    )
    with registry.store.reading() as conn:
        on_record = conn.execute(select(signing_keys).order_by(signing_keys.c.position)).all()
    from cli.clock import local_time

    for row in on_record:
        since = local_time(row.registered_at, registry.profile.timezone)
        if row.retired_at:
            until = local_time(row.retired_at, registry.profile.timezone)
            line = _("  on record: {key} since {since}, retired {until}").format(
                key=row.key_id, since=since, until=until
            )
        else:
            line = _("  on record: {key} since {since} (current)").format(key=row.key_id, since=since)
        console.print(line, markup=False)


def _rotate(c: Context) -> None:
    """A new key is written beside the old, recorded in the log, and only then put in the old one's place."""
    from registry.service import Registry

    registry = c.registry()
    admin = c.actor(registry)
    fresh = c.key_path.with_name(c.key_path.name + ".new")
    fresh.unlink(missing_ok=True)
    checkpoint.create_key(fresh)
    try:
        signer = checkpoint.load_signer(fresh, origin(registry.profile))
        Registry(registry.engine, registry.profile, signer).register_signing_key(admin, rotate=True)
    except BaseException:
        fresh.unlink(missing_ok=True)
        raise
    if registry.signer is not None and c.key_path.exists():
        c.key_path.rename(c.key_path.with_name(f"{c.key_path.stem}.{registry.signer.key_id}.retired.key"))
    fresh.rename(c.key_path)
    console.print(
        _(
            "rotated: checkpoints are signed with {key} ({path}) from now on; verifiers need its public half: "
            "`registry key --public`"
        ).format(key=signer.key_id, path=c.key_path),
        markup=False,
    )


@app.command("checkpoint", help=_("Sign and record a checkpoint of the whole log now."))
def record_checkpoint(ctx: typer.Context, as_json: Json = False) -> None:
    registry = _signed_registry(ctx)
    assert registry.signer is not None
    with registry.store.writing() as conn:
        registry.require_signer(conn)
        size = registry.store.head_in(conn)[0]
        if size == 0:
            raise Usage(_("the log is empty: nothing to sign"))
        row = checkpoint.record(conn, registry.signer, size)
    _print_checkpoint(row, as_json, registry.profile.timezone)


@app.command(help=_("The latest signed checkpoint: tree size, root, time, signature."))
def head(ctx: typer.Context, as_json: Json = False) -> None:
    c = context(ctx)
    with reading(c.engine()) as conn:  # a read: neither the domain model nor the key
        row = checkpoint.latest(conn)
    if row is None:
        raise NotFound(_("no checkpoint yet: one is signed at every publication, or run `registry checkpoint`"))
    _print_checkpoint(row, as_json, c.timezone)


@app.command(
    help=_("The signed checkpoints, newest first: the tree sizes that `prove --consistency OLD NEW` can join.")
)
def checkpoints(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help=_("how many, newest first"))] = 20,
    as_json: Json = False,
) -> None:
    from cli.clock import local_time
    from events.schema import checkpoints as table

    c = context(ctx)
    with reading(c.engine()) as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.size.desc()).limit(limit))]
        total = conn.execute(select(func.count()).select_from(table)).scalar_one()
    if as_json:
        print_json([checkpoint.as_json(row) for row in rows])
        return
    zone = c.timezone
    console.print(
        grid(
            _("{count} of {total} checkpoint(s), newest first").format(count=len(rows), total=total),
            [_("tree size"), _("signed at"), _("root"), _("key")],
            [
                [str(r["size"]), local_time(r["signed_at"], zone, seconds=True), checkpoint.as_json(r)["root"],
                 checkpoint.key_id(r["public_key"])]
                for r in rows
            ],
        )
    )  # fmt: skip


def _print_checkpoint(row: dict[str, Any], as_json: bool, zone: str) -> None:
    from cli.clock import local_time

    shape = checkpoint.as_json(row)
    if as_json:
        print_json(shape)
    else:
        signed_at = local_time(shape["signedAt"], zone, seconds=True)
        console.print(
            _(
                "tree size {size}\nroot      {root} (hex {hex})\nsigned at {time}\norigin    {origin}\n"
                "signature {signature}\npublic key {key}"
            ).format(
                size=shape["size"],
                root=shape["root"],
                hex=row["root"],
                time=signed_at,
                origin=shape["origin"],
                signature=shape["signature"],
                key=shape["publicKey"],
            ),
            markup=False,
        )


@app.command(
    help=_("An inclusion proof of the event that published a version, or a consistency proof between two checkpoints.")
)
def prove(
    ctx: typer.Context,
    item: Annotated[str | None, typer.Argument(help=_("the item whose published version to prove"))] = None,
    version: Annotated[int | None, typer.Option(help=_("a published version (default: the current one)"))] = None,
    size: Annotated[int | None, typer.Option(help=_("the checkpoint's tree size (default: the latest)"))] = None,
    consistency: Annotated[
        tuple[int, int] | None, typer.Option("--consistency", help=_("OLD NEW: prove the log only grew"))
    ] = None,
    as_json: Json = False,
) -> None:
    with reading(context(ctx).engine()) as conn:  # a read: neither the domain model nor the key
        if consistency is not None:
            document = _consistency(conn, *consistency)
        elif item is not None:
            document = _inclusion(conn, item, version, size)
        else:
            raise Usage(_("give an ITEM, or --consistency OLD NEW"))
    if as_json:
        print_json(document)
    else:
        _print_proof(document, ctx)


def _print_proof(document: dict[str, Any], ctx: typer.Context) -> None:
    """What a proof shows, for people; the file verifiers need is `--json`."""
    from cli.clock import local_time

    zone = context(ctx).timezone
    if document["type"] == "inclusion":
        signed = document["checkpoint"]
        console.print(
            _(
                "inclusion proof: version {version} of {item} was published by event #{position}, leaf {leaf} of the "
                "log's Merkle tree of size {size}\nroot      {root}\nsigned at {time} by key {key}\n"
                "path      {hashes} hash(es)"
            ).format(
                version=document["itemVersion"],
                item=document["itemId"],
                position=document["event"]["position"],
                leaf=document["leafIdx"],
                size=document["treeSize"],
                root=document["root"],
                time=local_time(signed["signedAt"], zone, seconds=True),
                key=checkpoint.key_id(signed["publicKey"]),
                hashes=len(document["proof"]),
            ),
            markup=False,
        )
    else:
        console.print(
            _(
                "consistency proof: the log of size {old} (root {old_root}) is a prefix of the log of size {new} "
                "(root {new_root})\npath      {hashes} hash(es)"
            ).format(
                old=document["size1"],
                old_root=document["root1"],
                new=document["size2"],
                new_root=document["root2"],
                hashes=len(document["proof"]),
            ),
            markup=False,
        )
    console.print(
        _("to check it offline, save it with --json and run `registry verify-proof FILE --public-key KEY`"),
        markup=False,
    )


def _inclusion(conn: Any, item: str, version: int | None, size: int | None) -> dict[str, Any]:
    table = published_versions
    if version is None:
        current = conn.execute(select(public_catalog.c.version).where(public_catalog.c.item_id == item)).scalar()
        if current is None:
            raise NotFound(
                _("item {item!r} has no published version (give --version for an older one)").format(item=item)
            )
        version = int(current)
    position = conn.execute(
        select(table.c.position).where(and_(table.c.item_id == item, table.c.version == version))
    ).scalar()
    if position is None:
        raise NotFound(_("item {item!r} has no published version {version}").format(item=item, version=version))
    signed = checkpoint.latest(conn, size=size)
    if signed is None:
        raise NotFound(
            _("no checkpoint of size {size}").format(size=size)
            if size
            else _("no checkpoint yet (`registry checkpoint`)")
        )
    if signed["size"] < position:
        raise Usage(
            _("the checkpoint of size {size} predates the publication at position {position}").format(
                size=signed["size"], position=position
            )
        )
    row = conn.execute(select(events).where(events.c.position == position)).one()
    event = {
        "position": row.position,
        "stream_id": row.stream_id,
        "version": row.version,
        "type": row.type,
        "schema_version": row.schema_version,
        "payload": json.loads(row.payload),
        "metadata": json.loads(row.metadata),
        "command_id": row.command_id,
        "recorded_at": row.recorded_at,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }
    from events.proof import leaf_hash

    proof = merkle_store.inclusion_proof(conn, position - 1, signed["size"])
    return {
        "type": "inclusion",
        "itemId": item,
        "itemVersion": version,
        "leafIdx": position - 1,
        "treeSize": signed["size"],
        "root": checkpoint.as_json(signed)["root"],
        "leafHash": _b64(leaf_hash(bytes.fromhex(row.hash))),
        "proof": [_b64(h) for h in proof],
        "event": event,
        "checkpoint": checkpoint.as_json(signed),
    }


def _consistency(conn: Any, old: int, new: int) -> dict[str, Any]:
    first, second = checkpoint.latest(conn, size=old), checkpoint.latest(conn, size=new)
    for wanted, found in ((old, first), (new, second)):
        if found is None:
            raise NotFound(_("no checkpoint of size {size} (`registry checkpoints` lists them)").format(size=wanted))
    assert first is not None and second is not None
    if old > new:
        raise Usage(_("OLD ({old}) must not be larger than NEW ({new})").format(old=old, new=new))
    proof = merkle_store.consistency_proof(conn, old, new)
    return {
        "type": "consistency",
        "size1": old,
        "size2": new,
        "root1": checkpoint.as_json(first)["root"],
        "root2": checkpoint.as_json(second)["root"],
        "proof": [_b64(h) for h in proof],
        "checkpoint1": checkpoint.as_json(first),
        "checkpoint2": checkpoint.as_json(second),
    }


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


@app.command(
    "verify-proof",
    help=_("Check a proof file and its signed checkpoint offline (no database): exit 0 if it verifies, 6 if not."),
)
def verify_proof(
    file: Annotated[Path, typer.Argument(help=_("a proof file from `registry prove --json`"))],
    public_key: Annotated[str, typer.Option("--public-key", help=_("base64, PEM, or a file holding either"))],
) -> None:
    try:
        summary = verify_file(file, read_public_key(public_key))
    except ProofError as failure:
        if not file.exists():
            raise InvalidInput(_("{path}: no such file").format(path=file)) from None
        error(_("verification FAILED: {problem}").format(problem=failure))
        raise typer.Exit(Exit.VERIFICATION_FAILED) from None
    console.print(summary, markup=False)
