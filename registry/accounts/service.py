"""The new-media account use cases: load an account's stream, fold, decide, append, project. One transaction each."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence

from sqlalchemy import Connection

from events.envelope import Metadata, StoredEvent, format_time
from events.event import AccountEvent, AccountPublished
from events.message import N_
from events.store import AppendResult
from projections import media_accounts
from registry.accounts.command import AnyAccountCommand, FileAccount
from registry.accounts.decider import decide, evolve, fold, required_role
from registry.accounts.state import AccountState
from registry.actor import Proof
from registry.missing import NotFound
from registry.rules import Rule, RuleViolation
from registry.service import ACCOUNT_STREAM, Receipt, Registry


def new_account_id(command_id: str | None = None) -> str:
    """A new id (NM- and 8 hex digits); with a command id, the same for every retry of that command."""
    if command_id:
        return "NM-" + uuid.uuid5(uuid.NAMESPACE_URL, command_id).hex[:8].upper()
    return "NM-" + secrets.token_hex(4).upper()


class Accounts:
    """The new-media accounts of one registry: streams `account:ID` in its log, beside the items."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def load(self, account_id: str) -> tuple[AccountState, list[StoredEvent]]:
        """The account's state and its events. Raises NotFound for an account never filed."""
        with self.registry.store.reading() as conn:
            stored = self.registry.store.read_stream(conn, ACCOUNT_STREAM + account_id)
        if not stored:
            raise NotFound(N_("no account {account!r}: `registry account list` shows them"), account=account_id)
        return _fold(stored), stored

    def execute(
        self,
        command: AnyAccountCommand,
        *,
        command_id: str | None = None,
        source: str | None = None,
        proof: Proof | None = None,
    ) -> Receipt:
        """Carry out `command` in one write transaction, at the registry's time. Raises RuleViolation, NotFound,
        CommandIdConflict or SigningKeyError. A retry with the same command id returns the first receipt."""
        store = self.registry.store
        with store.writing() as conn:
            (receipt,) = self._carry_out(conn, [command], [source], command_id=command_id, proof=proof)
        return receipt

    def execute_all(
        self,
        commands: Sequence[AnyAccountCommand],
        *,
        sources: Sequence[str | None] = (),
        proof: Proof | None = None,
    ) -> list[Receipt]:
        """Carry out `commands` in one write transaction: all of them, or none (a refusal names its source)."""
        with self.registry.store.writing() as conn:
            return self._carry_out(conn, commands, sources, proof=proof)

    def _carry_out(
        self,
        conn: Connection,
        commands: Sequence[AnyAccountCommand],
        sources: Sequence[str | None],
        *,
        command_id: str | None = None,
        proof: Proof | None = None,
    ) -> list[Receipt]:
        store, receipts = self.registry.store, []
        clock = store.clock(conn)  # the registry's time, read under the append lock: one for the whole batch
        for index, command in enumerate(commands):
            stream = ACCOUNT_STREAM + command.account_id
            source = sources[index] if index < len(sources) else None
            digest = command.fingerprint
            if command_id and (earlier := store.replay(conn, command_id, stream, digest)):
                then = _fold(store.read_stream(conn, stream)[: earlier[-1].version])  # the account as it left it
                receipts.append(Receipt(command.account_id, then.last_version, earlier[-1].position, replayed=True))
                continue
            stored = store.read_stream(conn, stream)
            account = _fold(stored)
            if not stored and not isinstance(command, FileAccount):
                raise NotFound(
                    N_("no account {account!r}: `registry account list` shows them"), account=command.account_id
                )
            effective = command.model_copy(update={"at": clock})
            holders = self._holders(conn, command) if isinstance(command, FileAccount) else ()
            try:
                new_events = decide(effective, account, self.registry.profile, holders)
            except RuleViolation as refusal:
                if source is None:
                    raise
                raise RuleViolation(
                    refusal.rule, N_("{source}: {problem}"), source=source, problem=refusal.text
                ) from None
            if any(isinstance(event, AccountPublished) for event in new_events):
                self.registry.require_signer(conn)
            result = self._append(conn, stream, len(stored), new_events, effective, command, command_id, source, proof)
            for event in new_events:
                account = evolve(account, event, command.actor.actor_id)
            receipts.append(Receipt(command.account_id, account.last_version, result.position))
        return receipts

    def _holders(self, conn: Connection, filing: FileAccount) -> tuple[str, ...]:
        """一平台一账号's input, read in the write transaction: the accounts holding the platform of the unit the
        filing names (none where the profile knows neither: decide refuses those)."""
        profile = self.registry.profile
        unit = profile.unit(filing.unit.strip() or filing.actor.unit)
        platform = profile.platform(filing.elements.platform)
        return media_accounts.holders(conn, unit.name, platform) if unit and platform else ()

    def _append(
        self,
        conn: Connection,
        stream: str,
        version: int,
        new_events: list[AccountEvent],
        effective: AnyAccountCommand,
        asked: AnyAccountCommand,
        command_id: str | None,
        source: str | None,
        proof: Proof | None,
    ) -> AppendResult:
        metadata = Metadata(
            actor=effective.actor.actor_id,
            unit=effective.actor.unit,
            role=required_role(effective).value,
            reason=_reason(effective),
            command_id=command_id or str(uuid.uuid4()),
            source=source,
            occurred_at=format_time(asked.at),
            fingerprint=asked.fingerprint,
            channel=proof.channel.value if proof else None,
            credential=proof.credential if proof else None,
            os_user=proof.os_user if proof else None,
        )
        result = self.registry.store.append(
            conn, stream, version, new_events, metadata, now=effective.at, check_replay=False
        )
        self.registry.after_append(conn, result)
        return result


def _fold(stored: list[StoredEvent]) -> AccountState:
    found: list[tuple[AccountEvent, str]] = []
    for event in stored:
        data = event.data
        if not isinstance(data, AccountEvent):
            raise RuleViolation(Rule.KNOWN_ACCOUNT, N_("stream {stream} is not an account's"), stream=event.stream_id)
        found.append((data, event.metadata.actor))
    return fold(found)


def _reason(command: AnyAccountCommand) -> str:
    for name in ("reason", "comment"):
        value = getattr(command, name, "")
        if value:
            return str(value)
    return ""
