"""Signing in and out over real HTTP: the session cookie, timeouts, failure limits and the access audit."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
from argon2 import PasswordHasher
from sqlalchemy import func, select

from api.staff_auth import SignInPolicy
from registry import access, credentials
from registry.service import Registry
from tests.api.staff import COOKIE, DRAFTER, PASSWORD, desk

ME = "{ me { actorId channel } }"
FEW = SignInPolicy(failures=3)  # for what does not depend on the default limit: each failure costs an Argon2 hash


def test_a_sign_in_sets_a_strict_http_only_session_cookie_and_answers_with_the_csrf_token(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        response = office.caller().sign_in(DRAFTER)

    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    session_id = response.cookies[COOKIE]  # over plain http: no __Host- prefix, which needs Secure
    assert {"HttpOnly", "Path=/", "SameSite=strict"} <= {part.strip() for part in cookie.split(";")}
    assert "secure" not in cookie.lower()
    assert response.json()["csrfToken"] == credentials.csrf_token(session_id)
    assert response.headers["cache-control"] == "no-store"


def test_over_https_the_cookie_is_a_secure_host_cookie(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        # The test server trusts X-Forwarded-Proto from 127.0.0.1, as uvicorn does a local TLS-terminating proxy's.
        https = {"X-Forwarded-Proto": "https"}
        response = office.caller(https).http.post("/staff/login", data={"name": DRAFTER, "password": PASSWORD})
        cookie = {part.strip() for part in response.headers["set-cookie"].split(";")}
        (session,) = [part for part in cookie if part.startswith("__Host-registry_session=")]
        csrf = {"X-CSRF-Token": response.json()["csrfToken"]}
        as_host_cookie = office.caller({**https, "Cookie": session})
        as_plain_cookie = office.caller({**https, "Cookie": session.replace("__Host-registry_session", COOKIE)})

        assert {"Secure", "HttpOnly", "Path=/", "SameSite=strict"} <= cookie
        assert as_host_cookie.post(ME, **csrf).status_code == 200
        assert as_plain_cookie.post(ME, **csrf).status_code == 401  # over https only the __Host- cookie counts


def test_a_signed_in_person_acts_through_their_session(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        person = office.signed_in("drafter")

        assert person.data(ME) == {"me": {"actorId": DRAFTER, "channel": "SESSION"}}


def test_each_sign_in_gets_a_new_session_id_and_ends_the_one_the_browser_held(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        person = office.signed_in("drafter")
        earlier = office.replaying(person)
        person.sign_in(DRAFTER)  # the browser sends the cookie it holds

        assert earlier.session_id != person.session_id
        assert earlier.post(ME).status_code == 401
        assert person.post(ME).status_code == 200


def test_an_unknown_name_and_a_wrong_password_get_the_same_answer(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        wrong_password = office.caller().sign_in(DRAFTER, "not the password at all")
        unknown_name = office.caller().sign_in("无此人", PASSWORD)

    assert wrong_password.status_code == unknown_name.status_code == 401
    assert wrong_password.json() == unknown_name.json()
    assert "set-cookie" not in wrong_password.headers and "set-cookie" not in unknown_name.headers


def test_a_disabled_actors_right_password_is_a_failed_sign_in(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        registry.disable_actor(DRAFTER, "调离", office.office.actors["admin"])
        response = office.caller().sign_in(DRAFTER)

    assert response.status_code == 401


def test_the_eleventh_wrong_password_within_the_window_gets_429_with_retry_after(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        stranger = office.caller()
        answers = [stranger.sign_in(DRAFTER, f"wrong password {n:02d}").status_code for n in range(11)]
        refused = stranger.answers[-1]

    assert answers == [401] * 10 + [429]
    assert refused.headers["retry-after"] == str(15 * 60)


def test_fifty_wrong_passwords_in_a_row_are_all_refused_and_write_nothing(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        before = office.log_size()
        stranger = office.caller()
        answers = {stranger.sign_in(DRAFTER, f"wrong password {n:02d}").status_code for n in range(50)}
        right_password = stranger.sign_in(DRAFTER)

        assert answers == {401, 429}
        assert right_password.status_code == 429  # locked out: the right password waits out the window too
        assert office.log_size() == before
        with registry.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(access.sessions)).scalar_one() == 0


def test_failures_from_one_address_lock_it_out_for_every_name(registry: Registry) -> None:
    with desk(registry, "drafter", policy=FEW) as office:
        stranger = office.caller()
        for n in range(FEW.failures):
            stranger.sign_in(f"猜测{n}", PASSWORD)

        assert stranger.sign_in(DRAFTER).status_code == 429


def test_failures_for_one_name_lock_it_out_from_every_address(registry: Registry) -> None:
    with desk(registry, "drafter", policy=FEW) as office:
        for n in range(FEW.failures):
            # The test server trusts X-Forwarded-For from 127.0.0.1, as uvicorn does a local proxy's.
            office.caller({"X-Forwarded-For": f"203.0.113.{n}"}).sign_in(DRAFTER, "wrong password")

        assert office.caller({"X-Forwarded-For": "198.51.100.7"}).sign_in(DRAFTER).status_code == 429


def test_failures_older_than_the_window_no_longer_count(registry: Registry) -> None:
    with desk(registry, "drafter", policy=FEW) as office:
        stranger = office.caller()
        for n in range(FEW.failures):
            stranger.sign_in(DRAFTER, f"wrong password {n:02d}")
        office.clock.move_on(timedelta(minutes=16))

        assert stranger.sign_in(DRAFTER).status_code == 200


def test_a_session_cookie_replayed_after_sign_out_gets_401(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        person = office.signed_in("drafter")
        kept = office.replaying(person)
        signed_out = person.sign_out()
        replayed = kept.post(ME)

    assert signed_out.status_code == 200
    assert "registry_session=" in signed_out.headers["set-cookie"]  # the browser is told to forget it
    assert replayed.status_code == 401
    assert replayed.headers["www-authenticate"].startswith("Bearer")


def test_a_session_idle_for_longer_than_the_idle_timeout_has_ended(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        person = office.signed_in("drafter")
        office.clock.move_on(timedelta(minutes=29))
        within = person.post(ME)
        office.clock.move_on(timedelta(minutes=31))
        after = person.post(ME)

    assert within.status_code == 200
    assert after.status_code == 401


def test_a_session_ends_at_its_absolute_lifetime_however_busy(registry: Registry) -> None:
    policy = SignInPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=1))
    with desk(registry, "drafter", policy=policy) as office:
        person = office.signed_in("drafter")
        answers = []
        for _ in range(3):
            office.clock.move_on(timedelta(minutes=25))
            answers.append(person.post(ME).status_code)

    assert answers == [200, 200, 401]


def test_a_password_reset_ends_the_actors_sessions(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        person = office.signed_in("drafter")
        registry.set_password(DRAFTER, "秋风萧瑟天气凉，草木摇落露为霜", office.office.actors["admin"])

        assert person.post(ME).status_code == 401


def test_a_password_hashed_with_weaker_parameters_is_hashed_again_at_sign_in(registry: Registry) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with desk(registry) as office:
        with registry.engine.begin() as conn:
            access.store_password(conn, DRAFTER, weak, datetime.now(UTC))
        office.signed_in("drafter")
        with registry.engine.connect() as conn:
            stored = access.password_hash(conn, DRAFTER)

    assert stored is not None and stored != weak
    assert not credentials.needs_rehash(stored)
    assert credentials.password_matches(stored, PASSWORD)


def test_sign_ins_failures_lock_outs_and_sign_outs_are_in_the_access_audit(registry: Registry) -> None:
    policy = SignInPolicy(failures=1)
    with desk(registry, "drafter", policy=policy) as office:
        person = office.signed_in("drafter")
        person.sign_out()
        office.caller().sign_in(DRAFTER, "wrong password")
        office.caller().sign_in(DRAFTER, "wrong password")
        with registry.engine.connect() as conn:
            entries = access.access_entries(conn)

    assert [(e["name"], e["event"], e["client"]) for e in entries] == [
        (DRAFTER, "login", "127.0.0.1"),
        (DRAFTER, "logout", "127.0.0.1"),
        (DRAFTER, "login_failed", "127.0.0.1"),
        (DRAFTER, "locked_out", "127.0.0.1"),
    ]


def test_a_sign_in_from_another_site_is_refused(registry: Registry) -> None:
    with desk(registry, "drafter") as office:
        response = office.caller({"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}).sign_in(DRAFTER)

    assert response.status_code == 403
    assert "set-cookie" not in response.headers


def test_a_sign_in_needs_a_name_and_a_password(registry: Registry) -> None:
    with desk(registry) as office:
        response = office.caller().http.post("/staff/login", json={"name": DRAFTER})

    assert response.status_code == 400


def test_wrong_passwords_sent_together_are_counted_together(registry: Registry) -> None:
    sent = 24
    with desk(registry, "drafter") as office:
        start = threading.Barrier(sent)

        def guess(number: int) -> int:
            with httpx.Client(base_url=office.api.url, timeout=60) as client:
                start.wait()
                form = {"name": DRAFTER, "password": f"wrong password {number:02d}"}
                return client.post("/staff/login", json=form).status_code

        with ThreadPoolExecutor(max_workers=sent) as pool:
            answers = list(pool.map(guess, range(sent)))
        with registry.engine.connect() as conn:
            checked = conn.execute(
                select(func.count()).select_from(access.access_log).where(access.access_log.c.event == "login_failed")
            ).scalar_one()

    assert sorted(answers) == [401] * 10 + [429] * (sent - 10)  # before: every one of them was checked
    assert checked == 10
