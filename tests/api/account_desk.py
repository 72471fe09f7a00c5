"""A county's new-media desk that files accounts (政务新媒体) and carries them through review with real commands."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from events.account import AccountElements
from registry.accounts.command import (
    AnyAccountCommand,
    ChangeAccount,
    CloseAccount,
    FileAccount,
    PublishAccount,
    RejectAccount,
    ReviewAccount,
    SuspendAccount,
)
from registry.accounts.service import Accounts
from registry.actor import Actor, Role
from tests.api.office import Office


def account(**given: Any) -> AccountElements:
    """Complete elements of a WeChat account of 公安局; `given` overrides any of them."""
    values: dict[str, Any] = {
        "name": "鄂托克前旗公安",
        "platform": "微信公众号",
        "handle": "gh_gaj001",
        "operator": "",
        "certified_as": "公安局",
        "opened_on": date(2016, 5, 4),
        "purpose": "警务公开、防诈提醒",
        "link": "https://mp.weixin.qq.com/gaj001",
        "contact": "张三 0477-1234567",
        **given,
    }
    return AccountElements(**values)


class AccountDesk:
    """The office's reviewer and publisher, and a drafter per unit that files an account (registered when needed)."""

    def __init__(self, office: Office, *, names: dict[str, str] | None = None) -> None:
        """`names` names the drafters by unit (default: 新媒体<unit>)."""
        self.office = office
        self.accounts = Accounts(office.registry)
        self.names = names or {}
        self.drafters: dict[str, Actor] = {}

    def drafter(self, unit: str) -> Actor:
        if unit not in self.drafters:
            name = self.names.get(unit, f"新媒体{unit}")
            registry = self.office.registry
            registry.register_actor(name, unit, frozenset({Role.DRAFTER}), self.office.actors["admin"])
            self.drafters[unit] = registry.actor(name)
        return self.drafters[unit]

    def _do(self, command: AnyAccountCommand) -> None:
        self.accounts.execute(command)

    def _unit(self, account_id: str) -> str:
        return self.accounts.load(account_id)[0].unit

    def file(self, account_id: str, unit: str, **given: Any) -> None:
        """开设备案 by the unit's drafter (certified as the unit, unless `given` says otherwise): in review, not
        public."""
        elements = account(**{"certified_as": unit, **given})
        self._do(FileAccount(account_id=account_id, actor=self.drafter(unit), at=_now(), elements=elements))

    def publish(self, account_id: str, comment: str = "") -> None:
        """初审 (with the reviewer's `comment`) and 公布 of the pending filing."""
        actors = self.office.actors
        preliminary = actors["preliminary"]
        self._do(
            ReviewAccount(account_id=account_id, actor=preliminary, at=_now(), stage="preliminary", comment=comment)
        )
        self._do(PublishAccount(account_id=account_id, actor=actors["publisher"], at=_now()))

    def open(self, account_id: str, unit: str, *, comment: str = "", **given: Any) -> None:
        self.file(account_id, unit, **given)
        self.publish(account_id, comment)

    def file_change(self, account_id: str, reason: str, **changed: Any) -> None:
        """变更备案 of `changed` elements, with `reason`: in review until published."""
        state = self.accounts.load(account_id)[0]
        elements = state.elements.model_copy(update=changed)
        self._do(
            ChangeAccount(
                account_id=account_id,
                actor=self.drafter(state.unit),
                at=_now(),
                elements=elements,
                fields=frozenset(changed),
                reason=reason,
            )
        )

    def change(self, account_id: str, reason: str, **changed: Any) -> None:
        self.file_change(account_id, reason, **changed)
        self.publish(account_id)

    def suspend(self, account_id: str, reason: str) -> None:
        """关停, published."""
        actor = self.drafter(self._unit(account_id))
        self._do(SuspendAccount(account_id=account_id, actor=actor, at=_now(), reason=reason))
        self.publish(account_id)

    def close(self, account_id: str, reason: str) -> None:
        """注销, published."""
        actor = self.drafter(self._unit(account_id))
        self._do(CloseAccount(account_id=account_id, actor=actor, at=_now(), reason=reason))
        self.publish(account_id)

    def reject(self, account_id: str, comment: str) -> None:
        """初审 sends the pending filing back."""
        preliminary = self.office.actors["preliminary"]
        self._do(
            RejectAccount(account_id=account_id, actor=preliminary, at=_now(), stage="preliminary", comment=comment)
        )


def _now() -> datetime:
    return datetime.now(UTC)  # the service stamps the registry's clock over it
