"""A county office that carries catalog items through review with real commands, on a clock the test controls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from events.elements import ItemElements
from events.event import ReviewStage
from registry.actor import Actor, Role
from registry.items.command import (
    AdjustItem,
    ApproveItem,
    DiscardItem,
    DraftItem,
    ItemCommand,
    PassReview,
    PublishItem,
    RejectItem,
    RetireItem,
    ReviseItem,
    SubmitItem,
)
from registry.service import Registry

# Every command is one minute after the one before, from here: times in the past that a test can name.
OPENING = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)

# The unit whose drafter owns each domain's items in the default profile (towns own their own items).
DRAFTING_UNITS = ("财政局", "民政局", "生态环境分局", "人力资源与社会保障局", "城川镇")


def elements(**given: Any) -> dict[str, Any]:
    """Complete, publishable elements; `given` overrides any of them."""
    return {
        "category": "财政预决算",
        "name": "政府预算",
        "content": "一般公共预算、政府性基金预算",
        "basis": "《中华人民共和国预算法》",
        "time_limit": "信息形成或者变更之日起20个工作日内",
        "body": "财政局",
        "channels": ["政府网站"],
        "audience": ["public"],
        "method": ["proactive"],
        "levels": ["county"],
        **given,
    }


class Office:
    """The registry's actors: one reviewer per review stage, and a drafter per unit of DRAFTING_UNITS once needed."""

    def __init__(self, registry: Registry, *, names: dict[str, str] | None = None) -> None:
        """`names` renames actors by role key (drafter:<unit>, preliminary, legality, approver, publisher, admin)."""
        self.registry = registry
        self.clock = OPENING
        self.backfill = True
        self.names = {
            "admin": "管理员",
            "preliminary": "孙初审",
            "legality": "周法务",
            "approver": "王审议",
            "publisher": "吴发布",
            **{f"drafter:{unit}": f"起草人{unit}" for unit in DRAFTING_UNITS},
            **(names or {}),
        }
        registry.register_actor(self.names["admin"], "政务服务局", frozenset({Role.ADMIN}))
        self.actors: dict[str, Actor] = {"admin": registry.actor(self.names["admin"])}
        for key, unit, role in (
            ("preliminary", "政务服务局", Role.PRELIMINARY_REVIEWER),
            ("legality", "法务中心", Role.LEGALITY_REVIEWER),
            ("approver", "旗人民政府", Role.APPROVER),
            ("publisher", "政务服务局", Role.PUBLISHER),
        ):
            self._register(key, unit, role)
        self.owners: dict[str, str] = {}

    def _register(self, key: str, unit: str, role: Role) -> None:
        self.registry.register_actor(self.names[key], unit, frozenset({role}), self.actors["admin"])
        self.actors[key] = self.registry.actor(self.names[key])

    def tick(self) -> datetime:
        self.clock += timedelta(minutes=1)
        return self.clock

    def _run(self, command: type[ItemCommand], item_id: str, actor: str, **fields: Any) -> datetime:
        """One step of the office's 2024, recorded by its admin as a backfill (补录), so that it has that time; with
        `self.backfill` off, a step recorded as it happens (at the registry's time: the time returned is then not it).
        """
        at = self.tick()
        admin = self.actors["admin"] if self.backfill else None
        self.registry.execute(command(item_id=item_id, actor=self.actors[actor], at=at, **fields), backfill_by=admin)
        return at

    def _drafter(self, item_id: str) -> str:
        return f"drafter:{self.owners[item_id]}"

    # -- single steps -----------------------------------------------------------------------------

    def draft(self, item_id: str, *, domain: str = "财政预决算", unit: str = "财政局", **given: Any) -> None:
        """Draft `item_id` for `unit` (the domain's responsible unit, or a town for its own item) as its drafter."""
        self.owners[item_id] = unit
        if f"drafter:{unit}" not in self.actors:
            self._register(f"drafter:{unit}", unit, Role.DRAFTER)
        self._run(
            DraftItem,
            item_id,
            f"drafter:{unit}",
            domain=domain,
            unit=unit,
            elements=ItemElements.model_validate(elements(**given)),
        )

    def revise(self, item_id: str, **changes: Any) -> None:
        self._run(
            ReviseItem,
            item_id,
            self._drafter(item_id),
            elements=ItemElements.model_validate(elements(**changes)),
            fields=frozenset(changes),
        )

    def submit(self, item_id: str) -> None:
        self._run(SubmitItem, item_id, self._drafter(item_id))

    def pass_preliminary(self, item_id: str, comment: str = "要素齐全") -> None:
        self._run(PassReview, item_id, "preliminary", stage=ReviewStage.PRELIMINARY, comment=comment)

    def pass_legality(self, item_id: str, comment: str = "符合法律法规") -> None:
        self._run(PassReview, item_id, "legality", stage=ReviewStage.LEGALITY, comment=comment)

    def reject_at_legality(self, item_id: str, comment: str) -> None:
        self._run(RejectItem, item_id, "legality", stage="legality", comment=comment)

    def approve(self, item_id: str, reference: str = "2024年第3次政府常务会议", comment: str = "") -> None:
        self._run(ApproveItem, item_id, "approver", reference=reference, comment=comment)

    def publish(self, item_id: str) -> datetime:
        return self._run(PublishItem, item_id, "publisher")

    def adjust(self, item_id: str, *, trigger: str = "法律法规修订", reason: str = "依据修订", **changes: Any) -> None:
        self._run(
            AdjustItem,
            item_id,
            self._drafter(item_id),
            trigger=trigger,
            reason=reason,
            elements=ItemElements.model_validate(elements(**changes)),
            fields=frozenset(changes),
        )

    def propose_retirement(self, item_id: str, *, trigger: str = "上级取消", reason: str = "上级取消该事项") -> None:
        self._run(RetireItem, item_id, self._drafter(item_id), trigger=trigger, reason=reason)

    def discard(self, item_id: str, reason: str = "不再需要") -> None:
        self._run(DiscardItem, item_id, self._drafter(item_id), reason=reason)

    # -- whole walks ------------------------------------------------------------------------------

    def review_and_approve(self, item_id: str, reference: str = "2024年第3次政府常务会议") -> None:
        self.submit(item_id)
        self.pass_preliminary(item_id)
        self.pass_legality(item_id)
        self.approve(item_id, reference)

    def publish_new(self, item_id: str, *, domain: str = "财政预决算", unit: str = "财政局", **given: Any) -> datetime:
        """Draft, review, approve and publish version 1 of `item_id`; returns its publication time."""
        self.draft(item_id, domain=domain, unit=unit, **given)
        self.review_and_approve(item_id)
        return self.publish(item_id)

    def publish_adjustment(self, item_id: str, *, reason: str = "依据修订", **changes: Any) -> datetime:
        """Adjust a published item, review, approve and publish the new version; returns its publication time."""
        self.adjust(item_id, reason=reason, **changes)
        self.review_and_approve(item_id)
        return self.publish(item_id)

    def retire(self, item_id: str, *, reason: str = "上级取消该事项") -> datetime:
        """Propose, review, approve and carry out the retirement of `item_id`; returns when it left the catalog."""
        self.propose_retirement(item_id, reason=reason)
        self.review_and_approve(item_id)
        return self.publish(item_id)
