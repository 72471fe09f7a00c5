"""Commands: what an actor asks the registry to do to a new-media account. Each carries the actor and the time."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from events.account import AccountElements
from events.elements import Text
from registry.commands import Command, Label

AccountStage = Literal["preliminary", "legality", "approval"]


class AccountCommand(Command):
    """A command to a new-media account: its stream is the account's (account:ID)."""

    account_id: Label = Field(min_length=1)


def _known_fields(fields: frozenset[str]) -> frozenset[str]:
    unknown = fields - set(AccountElements.model_fields)
    if unknown:
        raise ValueError(f"unknown account element(s): {', '.join(sorted(unknown))}")
    return fields


AccountFields = Annotated[frozenset[str], AfterValidator(_known_fields)]


class FileAccount(AccountCommand):
    """开设备案: file a new account for `unit` (the actor's own when empty), the 主办单位."""

    unit: Text = ""
    elements: AccountElements


class ChangeAccount(AccountCommand):
    """变更备案: change the published account's `fields` to the values in `elements`; a suspended account reopens."""

    elements: AccountElements
    fields: AccountFields
    reason: Text = ""


class SuspendAccount(AccountCommand):
    """关停: suspend the account, for a reason; a filed 变更 reopens it."""

    reason: Text = ""


class CloseAccount(AccountCommand):
    """注销: close the account for good, for a reason."""

    reason: Text = ""


class ReviewAccount(AccountCommand):
    """Pass the pending filing at `stage`, a step of the profile's account review path; 审议 cites `reference`."""

    stage: AccountStage
    comment: Text = ""
    reference: Text = ""


class RejectAccount(AccountCommand):
    """Send the pending filing back at `stage`, saying why."""

    stage: AccountStage
    comment: Text = ""


class PublishAccount(AccountCommand):
    """公布: the reviewed filing takes effect in the public list."""


AnyAccountCommand = (
    FileAccount | ChangeAccount | SuspendAccount | CloseAccount | ReviewAccount | RejectAccount | PublishAccount
)
