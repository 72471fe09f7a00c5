"""The vocabulary: every fact the registry records, as frozen pydantic models."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict

from events.account import AccountElements, AccountStatus, FilingKind
from events.elements import FieldChange, ItemElements


class ChangeKind(StrEnum):
    """动态调整: what a pending version does to the public catalog."""

    ADD = "add"
    CHANGE = "change"
    CANCEL = "cancel"

    @property
    def label(self) -> str:
        return {"add": "增加", "change": "变更", "cancel": "取消"}[self.value]


class ReviewStage(StrEnum):
    PRELIMINARY = "preliminary"
    LEGALITY = "legality"

    @property
    def label(self) -> str:
        return {"preliminary": "初审", "legality": "合法性审查"}[self.value]


class Event(BaseModel):
    """A fact. Who, when and why live in the stored envelope, not here."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ActorRegistered(Event):
    """A person may now act in the registry, for `unit`, in `roles`."""

    actor_id: str
    unit: str
    roles: tuple[str, ...]


class PasswordSet(Event):
    """An admin set or reset the actor's password (its hash lives outside the log, in the credentials table)."""

    actor_id: str


class TokenIssued(Event):
    """An API token for a business system acting as `actor_id`, in `roles` only (the secret is never recorded)."""

    actor_id: str
    token_id: str
    name: str
    roles: tuple[str, ...]
    expires_at: AwareDatetime | None = None


class TokenRevoked(Event):
    """The token no longer authenticates anyone."""

    actor_id: str
    token_id: str


class ActorDisabled(Event):
    """The actor may no longer act: their sessions end and their tokens stop working. Their history stays."""

    actor_id: str
    reason: str


class SigningKeyRegistered(Event):
    """The registry signs its checkpoints with this Ed25519 key from now on (the key it replaces, if any, retires)."""

    key_id: str
    public_key: str  # base64 of the 32 raw bytes
    replaces: str | None = None


class WebhookSubscribed(Event):
    """A business system is sent the public changes that match the filters at `url` (the secret is never recorded).

    The filters are as the public feed names them (projections.public_feed.ChangeFilter): None matches any.
    """

    subscription_id: str
    name: str
    url: str
    domain: str | None = None
    unit: str | None = None
    level: str | None = None
    village: str | None = None
    kind: str | None = None


class WebhookPaused(Event):
    """Deliveries to the subscription stop until it is resumed; its cursor stays where it is."""

    subscription_id: str


class WebhookResumed(Event):
    """Deliveries go on from the cursor (a failing subscription's next attempt is now)."""

    subscription_id: str


class WebhookRemoved(Event):
    """The subscription ends for good; its record and its deliveries stay."""

    subscription_id: str


class WebhookReplayed(Event):
    """The subscription is sent every matching public change again from `from_position` on."""

    subscription_id: str
    from_position: int


class ItemDrafted(Event):
    """A new item was drafted as version 1 (增加)."""

    item_id: str
    domain: str
    unit: str
    elements: ItemElements


class ItemRevised(Event):
    """The pending version's elements were changed before submission."""

    item_id: str
    version: int
    changes: tuple[FieldChange, ...]


class ItemSubmitted(Event):
    """The pending version went to review."""

    item_id: str
    version: int


class ReviewPassed(Event):
    """A review stage (初审 or 合法性审查) passed the pending version."""

    item_id: str
    version: int
    stage: ReviewStage
    comment: str = ""


class ReviewRejected(Event):
    """A review or approval stage sent the pending version back to drafting."""

    item_id: str
    version: int
    stage: str
    comment: str


class ItemApproved(Event):
    """审议: the government approved the pending version."""

    item_id: str
    version: int
    reference: str


class ItemPublished(Event):
    """The pending version became the authoritative public version."""

    item_id: str
    version: int
    kind: ChangeKind
    elements: ItemElements
    published_at: AwareDatetime


class AdjustmentProposed(Event):
    """动态调整（变更）: a published item got a pending version N+1; version N stays authoritative."""

    item_id: str
    version: int
    trigger: str
    reason: str
    changes: tuple[FieldChange, ...]


class RetirementProposed(Event):
    """动态调整（取消）: a published item may leave the public catalog once this is reviewed and approved."""

    item_id: str
    version: int
    trigger: str
    reason: str


class ItemRetired(Event):
    """The item left the public catalog. Its history stays."""

    item_id: str
    version: int
    trigger: str
    reason: str
    retired_at: AwareDatetime


class DraftDiscarded(Event):
    """A never-published draft was abandoned."""

    item_id: str
    reason: str


class PendingChangeWithdrawn(Event):
    """A pending adjustment or retirement of a published item was withdrawn; the published version stays."""

    item_id: str
    version: int
    reason: str


class AccountFiled(Event):
    """开设备案: a unit filed a new-media account (version 1); it is in review, and holds its platform."""

    account_id: str
    unit: str
    elements: AccountElements


class AccountChangeFiled(Event):
    """变更备案: a change of a published account (a suspended one's reopening among them) went to review as version
    `version`; the published record stays until it is published."""

    account_id: str
    version: int
    reason: str
    changes: tuple[FieldChange, ...]
    reopen: bool = False


class AccountSuspensionFiled(Event):
    """关停: the unit filed the account's suspension, with a reason."""

    account_id: str
    version: int
    reason: str


class AccountClosureFiled(Event):
    """注销: the unit filed the account's closure for good, with a reason."""

    account_id: str
    version: int
    reason: str


class AccountReviewPassed(Event):
    """A review step of the profile's account review path (初审, 合法性审查, 审议) passed the pending filing."""

    account_id: str
    version: int
    stage: str
    comment: str = ""
    reference: str = ""  # 审议: the meeting or document


class AccountFilingRejected(Event):
    """A review step sent the pending filing back: it ends; a new account's filing leaves the account refused."""

    account_id: str
    version: int
    stage: str
    comment: str


class AccountPublished(Event):
    """The pending filing took effect in the public list: the account now reads `elements` and stands at `status`."""

    account_id: str
    version: int
    kind: FilingKind
    elements: AccountElements
    status: AccountStatus
    published_at: AwareDatetime


ItemEvent = (
    ItemDrafted
    | ItemRevised
    | ItemSubmitted
    | ReviewPassed
    | ReviewRejected
    | ItemApproved
    | ItemPublished
    | AdjustmentProposed
    | RetirementProposed
    | ItemRetired
    | DraftDiscarded
    | PendingChangeWithdrawn
)
AccountEvent = (
    AccountFiled
    | AccountChangeFiled
    | AccountSuspensionFiled
    | AccountClosureFiled
    | AccountReviewPassed
    | AccountFilingRejected
    | AccountPublished
)
ActorEvent = ActorRegistered | PasswordSet | TokenIssued | TokenRevoked | ActorDisabled
WebhookEvent = WebhookSubscribed | WebhookPaused | WebhookResumed | WebhookRemoved | WebhookReplayed
# Events of no item's stream: an actor's, the signing key's, a webhook subscription's.
AdminEvent = ActorEvent | SigningKeyRegistered | WebhookEvent
AnyEvent = ItemEvent | AccountEvent | AdminEvent
