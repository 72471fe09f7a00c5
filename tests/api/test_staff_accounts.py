"""The staff API's new-media accounts over real HTTP: filings, reviews and publications by signed-in people and by
business systems' tokens, refused by the same rules as on the command line, idempotent, and recorded with how the
actor was proven."""

from __future__ import annotations

from typing import Any

from registry.accounts.service import Accounts
from registry.actor import Channel, Role
from registry.service import Registry
from tests.api.server import serving
from tests.api.staff import DRAFTER, Caller, Desk, desk

ACCOUNT = "NM-CZJ00001"
CONTACT = "李会计 0477-7612345"
RESULT = """
  clientMutationId
  receipt { accountId version position replayed }
  userErrors { code rule field message text }
  account { id unit status streamVersion elements { name platform contact } pending { kind nextStep } }
"""
STAFF = ("drafter", "preliminary", "publisher")


def mutation(field: str) -> str:
    """The query text of the account mutation `field` (e.g. fileAccount) with its input in $input."""
    kind = field[0].upper() + field[1:]
    return f"mutation($input: {kind}Input!) {{ result: {field}(input: $input) {{ {RESULT} }} }}"


def mutate(caller: Caller, field: str, given: dict[str, Any], **headers: str) -> dict[str, Any]:
    payload: dict[str, Any] = caller.data(mutation(field), {"input": given}, **headers)["result"]
    return payload


def file_input(account_id: str | None = ACCOUNT, **given: Any) -> dict[str, Any]:
    """fileAccount's input: a WeChat account of 财政局, as a drafter of 财政局 files it (elements as the API spells
    them)."""
    elements = {
        "name": "鄂托克前旗财政",
        "platform": "微信",
        "handle": "gh_etkqq_czj",
        "certifiedAs": "财政局",
        "openedOn": "2019-06-01",
        "purpose": "财政政策解读、预决算公开",
        "link": "https://mp.weixin.qq.com/etkqq_czj",
        "contact": CONTACT,
        **given,
    }
    return {"accountId": account_id, "elements": elements}


def errors(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["rule"] or e["field"]) for e in payload["userErrors"]]


def opened(office: Desk, account_id: str = ACCOUNT, **given: Any) -> None:
    """`account_id` filed by 财政局's drafter, passed at 初审 and published, each through a token of its own."""
    steps = [
        ("drafter", "fileAccount", file_input(account_id, **given)),
        ("preliminary", "reviewAccount", {"accountId": account_id, "stage": "PRELIMINARY"}),
        ("publisher", "publishAccount", {"accountId": account_id}),
    ]
    for key, field, step in steps:
        assert mutate(office.with_token(key), field, step)["userErrors"] == []


def reviewed_and_published(office: Desk, account_id: str = ACCOUNT) -> dict[str, Any]:
    """The pending filing of `account_id` passed at 初审 and published: the publication's payload."""
    mutate(office.with_token("preliminary"), "reviewAccount", {"accountId": account_id, "stage": "PRELIMINARY"})
    return mutate(office.with_token("publisher"), "publishAccount", {"accountId": account_id})


# -- each mutation's happy path ---------------------------------------------------------------------------------------


def test_three_staff_signed_in_file_review_and_publish_an_account(registry: Registry) -> None:
    with desk(registry, *STAFF) as office:
        people = {key: office.signed_in(key) for key in STAFF}
        filed = mutate(people["drafter"], "fileAccount", file_input())
        reviewed = mutate(people["preliminary"], "reviewAccount", {"accountId": ACCOUNT, "stage": "PRELIMINARY"})
        published = mutate(people["publisher"], "publishAccount", {"accountId": ACCOUNT})

    assert [errors(p) for p in (filed, reviewed, published)] == [[]] * 3
    assert filed["account"]["status"] == "FILED"
    assert filed["account"]["unit"] == "财政局"
    assert filed["account"]["elements"]["platform"] == "微信公众号"  # the alias, as the profile names the platform
    assert reviewed["account"]["pending"] == {"kind": "OPEN", "nextStep": "publication"}
    assert published["account"]["status"] == "OPEN" and published["account"]["pending"] is None
    assert [p["receipt"]["version"] for p in (filed, reviewed, published)] == [1, 1, 1]


def test_a_change_is_filed_with_its_reason_and_published(registry: Registry) -> None:
    with desk(registry) as office:
        opened(office)
        changed = mutate(
            office.with_token("drafter"),
            "changeAccount",
            {"accountId": ACCOUNT, "elements": {"name": "鄂托克前旗财政发布"}, "reason": "机构改革后更名"},
        )
        published = reviewed_and_published(office)

    assert errors(changed) == []
    assert changed["account"]["pending"] == {"kind": "CHANGE", "nextStep": "preliminary"}
    assert changed["receipt"]["version"] == 2
    assert published["account"]["elements"]["name"] == "鄂托克前旗财政发布"
    assert published["account"]["status"] == "OPEN"


def test_a_suspension_is_filed_and_once_published_the_account_is_suspended(registry: Registry) -> None:
    with desk(registry) as office:
        opened(office)
        suspended = mutate(
            office.with_token("drafter"), "suspendAccount", {"accountId": ACCOUNT, "reason": "运维人员调整，暂停更新"}
        )
        published = reviewed_and_published(office)

    assert errors(suspended) == []
    assert suspended["account"]["pending"]["kind"] == "SUSPEND"
    assert published["account"]["status"] == "SUSPENDED"


def test_a_closure_is_filed_and_once_published_the_account_is_closed(registry: Registry) -> None:
    with desk(registry) as office:
        opened(office)
        closing = mutate(
            office.with_token("drafter"), "closeAccount", {"accountId": ACCOUNT, "reason": "整合至政府网站"}
        )
        published = reviewed_and_published(office)

    assert errors(closing) == []
    assert closing["account"]["pending"]["kind"] == "CLOSE"
    assert published["account"]["status"] == "CLOSED"


def test_a_filing_sent_back_at_preliminary_review_leaves_a_new_account_refused(registry: Registry) -> None:
    with desk(registry) as office:
        mutate(office.with_token("drafter"), "fileAccount", file_input())
        rejected = mutate(
            office.with_token("preliminary"),
            "rejectAccount",
            {"accountId": ACCOUNT, "stage": "PRELIMINARY", "comment": "认证截图不清晰"},
        )

    assert errors(rejected) == []
    assert rejected["account"]["status"] == "REFUSED" and rejected["account"]["pending"] is None


# -- attacks ----------------------------------------------------------------------------------------------------------


def test_a_filing_without_a_session_or_token_is_unauthenticated_and_records_nothing(registry: Registry) -> None:
    with desk(registry) as office:
        before = office.log_size()
        response = office.caller().post(mutation("fileAccount"), {"input": file_input()})

        assert office.log_size() == before
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_signed_in_filing_without_the_csrf_token_is_refused_and_records_nothing(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        person = office.signed_in("drafter")
        before = office.log_size()
        response = person.http.post(
            "/staff/graphql", json={"query": mutation("fileAccount"), "variables": {"input": file_input()}}
        )

        assert office.log_size() == before
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF"


def test_a_token_without_the_drafter_role_cannot_file_though_its_actor_drafts(registry: Registry) -> None:
    with desk(registry) as office:
        both = frozenset({Role.DRAFTER, Role.APPROVER})
        registry.register_actor("张双岗", "财政局", both, office.office.actors["admin"])
        approving = office.with_token("张双岗", frozenset({Role.APPROVER}), name="财政局审批系统")
        before = office.log_size()
        refused = mutate(approving, "fileAccount", file_input())

        assert office.log_size() == before
        drafting = office.with_token("张双岗", frozenset({Role.DRAFTER}))
        filed = mutate(drafting, "fileAccount", file_input())

    assert refused["receipt"] is None and refused["account"] is None
    assert errors(refused) == [("RULE", "起草主体")]
    assert errors(filed) == []


def test_a_drafter_of_another_unit_cannot_file_for_this_unit(registry: Registry) -> None:
    with desk(registry) as office:
        registry.register_actor("起草人公安局", "公安局", frozenset({Role.DRAFTER}), office.office.actors["admin"])
        police = office.with_token("起草人公安局", name="公安局政务系统")
        before = office.log_size()
        refused = mutate(police, "fileAccount", {**file_input(), "unit": "财政局"})

        assert office.log_size() == before
    assert errors(refused) == [("RULE", "起草主体")]  # 谁开设、谁主办
    assert "谁开设、谁主办" in refused["userErrors"][0]["message"]
    assert refused["userErrors"][0]["text"]


def test_a_preliminary_reviewer_cannot_publish(registry: Registry) -> None:
    with desk(registry) as office:
        mutate(office.with_token("drafter"), "fileAccount", file_input())
        reviewer = office.with_token("preliminary")
        mutate(reviewer, "reviewAccount", {"accountId": ACCOUNT, "stage": "PRELIMINARY"})
        before = office.log_size()
        refused = mutate(reviewer, "publishAccount", {"accountId": ACCOUNT})

        assert office.log_size() == before
    assert errors(refused) == [("RULE", "公布主体")]
    assert refused["account"]["status"] == "FILED"


# -- 一平台一账号 ------------------------------------------------------------------------------------------------------


def test_a_second_wechat_account_of_a_unit_is_refused_naming_one_account_per_platform(registry: Registry) -> None:
    with desk(registry) as office:
        drafter = office.with_token("drafter")
        mutate(drafter, "fileAccount", file_input())
        weibo = mutate(drafter, "fileAccount", file_input("NM-CZJ00002", platform="微博", handle="etkqqcz"))
        before = office.log_size()
        second = mutate(drafter, "fileAccount", file_input("NM-CZJ00003", platform="政务微信", handle="gh_czj_2"))

        assert office.log_size() == before
    assert errors(weibo) == []
    assert errors(second) == [("RULE", "一平台一账号")]
    assert second["account"] is None
    assert ACCOUNT in second["userErrors"][0]["message"]


def test_after_the_closure_of_the_first_a_new_wechat_account_can_be_filed(registry: Registry) -> None:
    with desk(registry) as office:
        opened(office)
        drafter = office.with_token("drafter")
        mutate(drafter, "closeAccount", {"accountId": ACCOUNT, "reason": "密码遗失，账号无法维护"})
        reviewed_and_published(office)
        again = mutate(drafter, "fileAccount", file_input("NM-CZJ00004", handle="gh_etkqq_czj_new"))
        closed = drafter.data(f'{{ account(id: "{ACCOUNT}") {{ status history {{ action }} }} }}')["account"]

    assert errors(again) == []
    assert closed["status"] == "CLOSED"  # kept, with its history
    assert [step["action"] for step in closed["history"]] == [
        "file",
        "preliminary_review_passed",
        "publish",
        "close",
        "preliminary_review_passed",
        "publish",
    ]


# -- idempotency ------------------------------------------------------------------------------------------------------


def test_three_sends_of_a_review_with_one_idempotency_key_append_once_and_answer_the_first_receipt(
    registry: Registry,
) -> None:
    with desk(registry) as office:
        mutate(office.with_token("drafter"), "fileAccount", file_input())
        reviewer = office.with_token("preliminary")
        before = office.log_size()
        key = {"Idempotency-Key": "2f0c9e1a-7b3d-4c8e-9f10-112233445566"}
        review = {"accountId": ACCOUNT, "stage": "PRELIMINARY", "comment": "认证一致"}
        first = mutate(reviewer, "reviewAccount", review, **key)
        again = mutate(reviewer, "reviewAccount", review, **key)
        and_again = mutate(reviewer, "reviewAccount", review, **key)

        assert office.log_size() == before + 1
    assert first["receipt"]["replayed"] is False
    assert again["receipt"] == and_again["receipt"] == {**first["receipt"], "replayed": True}


def test_a_retried_filing_without_an_account_id_files_one_account(registry: Registry) -> None:
    with desk(registry) as office:
        system = office.with_token("drafter")
        given = {**file_input(None), "commandId": "czj-wechat-2026-0001"}
        first = mutate(system, "fileAccount", given)
        again = mutate(system, "fileAccount", given)
        listed = system.data("{ accounts { total } }")["accounts"]

    assert first["receipt"]["accountId"] == again["receipt"]["accountId"]
    assert first["receipt"]["accountId"].startswith("NM-")
    assert again["receipt"]["replayed"] is True
    assert listed == {"total": 1}


def test_the_same_idempotency_key_for_another_command_is_a_conflict_and_appends_nothing(registry: Registry) -> None:
    with desk(registry) as office:
        system = office.with_token("drafter")
        mutate(system, "fileAccount", file_input(), **{"Idempotency-Key": "k-1"})
        before = office.log_size()
        other = mutate(
            system,
            "fileAccount",
            file_input("NM-CZJ00002", platform="抖音", handle="czj"),
            **{"Idempotency-Key": "k-1"},
        )

        assert office.log_size() == before
    assert errors(other) == [("CONFLICT", "commandId")]


# -- the proof in the metadata ----------------------------------------------------------------------------------------


def test_each_step_records_the_channel_and_credential_that_proved_its_actor(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        mutate(office.signed_in("drafter"), "fileAccount", file_input())
        reviewer = office.with_token("preliminary")
        token_id = reviewer.data("{ me { tokenId } }")["me"]["tokenId"]
        mutate(reviewer, "reviewAccount", {"accountId": ACCOUNT, "stage": "PRELIMINARY"})
        _account, stored = Accounts(registry).load(ACCOUNT)
        history = reviewer.data(f'{{ account(id: "{ACCOUNT}") {{ history {{ actor channel credential }} }} }}')

    filed, reviewed = (event.metadata for event in stored)
    assert (filed.actor, filed.channel) == (DRAFTER, Channel.SESSION.value)
    assert filed.credential and len(filed.credential) == 64  # a digest of the session id, not the id
    assert (reviewed.actor, reviewed.channel, reviewed.credential) == ("孙初审", Channel.TOKEN.value, token_id)
    assert history["account"]["history"] == [
        {"actor": DRAFTER, "channel": "SESSION", "credential": filed.credential},
        {"actor": "孙初审", "channel": "TOKEN", "credential": token_id},
    ]


# -- other answers ----------------------------------------------------------------------------------------------------


def test_a_change_of_an_unknown_account_is_not_found(registry: Registry) -> None:
    with desk(registry) as office:
        payload = mutate(
            office.with_token("drafter"),
            "changeAccount",
            {"accountId": "NM-NOSUCH", "elements": {"name": "无"}, "reason": "更名"},
        )

    assert errors(payload) == [("NOT_FOUND", "accountId")]
    assert payload["account"] is None


def test_an_element_that_cannot_be_stored_is_invalid_naming_the_field(registry: Registry) -> None:
    with desk(registry) as office:
        payload = mutate(office.with_token("drafter"), "fileAccount", file_input(name="鄂托克前旗财政\x07"))

    assert errors(payload) == [("INVALID", "elements.name")]
    assert "账号名称" in payload["userErrors"][0]["text"]


def test_a_publication_without_the_signing_key_is_a_top_level_error_and_records_nothing(registry: Registry) -> None:
    with desk(registry) as office:
        mutate(office.with_token("drafter"), "fileAccount", file_input())
        mutate(office.with_token("preliminary"), "reviewAccount", {"accountId": ACCOUNT, "stage": "PRELIMINARY"})
        _token, secret = registry.issue_token(
            office.name("publisher"), "发布系统", frozenset(), None, office.office.actors["admin"]
        )
    before = registry.store.head()
    with serving(registry.engine, registry.profile) as api:  # a server started without the signing key
        response = api.http.post(
            "/staff/graphql",
            json={"query": mutation("publishAccount"), "variables": {"input": {"accountId": ACCOUNT}}},
            headers={"Authorization": f"Bearer {secret}"},
        )

    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "SIGNING_KEY"
    assert registry.store.head() == before


# -- queries ----------------------------------------------------------------------------------------------------------

ACCOUNTS = """query($unit: ShortText, $status: AccountStatus) {
  accounts(unit: $unit, status: $status) { total accounts { id unit platform name status pendingKind contact } }
}"""


def test_the_staff_list_has_every_account_filings_in_review_included_with_the_contact(registry: Registry) -> None:
    with desk(registry) as office:
        opened(office)
        mutate(office.with_token("drafter"), "fileAccount", file_input("NM-CZJ00002", platform="抖音", handle="czj"))
        found = office.with_token("preliminary").data(ACCOUNTS)["accounts"]

    assert found["total"] == 2
    assert [(a["id"], a["platform"], a["status"], a["pendingKind"], a["contact"]) for a in found["accounts"]] == [
        (ACCOUNT, "微信公众号", "OPEN", None, CONTACT),
        ("NM-CZJ00002", "抖音", "FILED", "OPEN", CONTACT),
    ]


def test_the_staff_list_is_filtered_by_unit_alias_and_status(registry: Registry) -> None:
    with desk(registry) as office:
        opened(office)
        admin = office.office.actors["admin"]
        registry.register_actor("起草人人社局", "人力资源与社会保障局", frozenset({Role.DRAFTER}), admin)
        mutate(
            office.with_token("起草人人社局", name="人社局系统"),
            "fileAccount",
            file_input("NM-RSJ00001", certifiedAs="人社局", handle="gh_rsj"),
        )
        system = office.with_token("drafter")
        by_alias = system.data(ACCOUNTS, {"unit": "人社局"})["accounts"]
        filed = system.data(ACCOUNTS, {"status": "FILED"})["accounts"]
        unknown = system.data(ACCOUNTS, {"unit": "无此单位"})["accounts"]

    assert [(a["id"], a["unit"]) for a in by_alias["accounts"]] == [("NM-RSJ00001", "人力资源与社会保障局")]
    assert [a["id"] for a in filed["accounts"]] == ["NM-RSJ00001"]
    assert unknown == {"total": 0, "accounts": []}


def test_an_account_shows_its_pending_filing_against_the_published_one_and_its_whole_history(
    registry: Registry,
) -> None:
    with desk(registry) as office:
        opened(office)
        mutate(
            office.with_token("drafter"),
            "changeAccount",
            {"accountId": ACCOUNT, "elements": {"operator": "鄂尔多斯某传媒公司"}, "reason": "委托运营"},
        )
        found = office.with_token("publisher").data(
            f"""{{ account(id: "{ACCOUNT}") {{
                  status statusLabel version streamVersion
                  published {{ version elements {{ operator contact }} }}
                  pending {{ version kind reason filedBy passed nextStep changes {{ field label old new }} }}
                  history {{ action actionLabel version actor role reason }} }} }}"""
        )["account"]
        missing = office.with_token("publisher").data('{ account(id: "NM-NOSUCH") { id } }')

    assert (found["status"], found["statusLabel"], found["version"], found["streamVersion"]) == ("OPEN", "正常", 2, 4)
    assert found["published"] == {"version": 1, "elements": {"operator": "", "contact": CONTACT}}
    assert found["pending"] == {
        "version": 2,
        "kind": "CHANGE",
        "reason": "委托运营",
        "filedBy": DRAFTER,
        "passed": [],
        "nextStep": "preliminary",
        "changes": [{"field": "operator", "label": "运营单位", "old": None, "new": "鄂尔多斯某传媒公司"}],
    }
    assert [(s["action"], s["actionLabel"], s["version"], s["actor"], s["role"]) for s in found["history"]] == [
        ("file", "开设备案", 1, DRAFTER, "drafter"),
        ("preliminary_review_passed", "初审通过", 1, "孙初审", "preliminary_reviewer"),
        ("publish", "公布", 1, "吴发布", "publisher"),
        ("change", "变更备案", 2, DRAFTER, "drafter"),
    ]
    assert found["history"][-1]["reason"] == "委托运营"
    assert missing == {"account": None}
