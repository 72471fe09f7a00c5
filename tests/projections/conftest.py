"""The registry the projection tests fold: the demo's story, with every kind of item event."""

from __future__ import annotations

import pytest

from events.elements import ItemElements
from registry.demo import STORY, build_demo
from registry.items.command import AdjustItem, DiscardItem, ReviseItem
from registry.service import Registry, now


@pytest.fixture
def demo(registry: Registry) -> Registry:
    """The demo registry, plus a revision, a discarded draft and a withdrawn adjustment it does not have."""
    build_demo(registry, limit=len(STORY))  # every kind of event; the full demo would add minutes, not cases
    education, civil_affairs = registry.actor("赵教育"), registry.actor("张民政")
    registry.execute(
        ReviseItem(
            item_id="jtj-jihua",
            actor=education,
            at=now(),
            elements=ItemElements(body="教育体育局"),
            fields=frozenset({"body"}),
        )
    )
    registry.execute(DiscardItem(item_id="jtj-jihua", actor=education, at=now(), reason="并入招生入学政策"))
    registry.execute(
        AdjustItem(
            item_id="mzj-dibao",
            actor=civil_affairs,
            at=now(),
            trigger="职能调整",
            reason="低保审核确认权限下放到镇",
            elements=ItemElements(body="各镇人民政府"),
            fields=frozenset({"body"}),
        )
    )
    registry.execute(DiscardItem(item_id="mzj-dibao", actor=civil_affairs, at=now(), reason="待自治区文件"))
    return registry
