"""Issue 13: password guessing is limited per address and per account (web and API share the counts), answers 429
with a Retry-After and a message in the user's language; wrong passwords in a row lock the account's sign-in (even
to the right password), which its owner sees and an admin lifts; every attempt is kept; the CSRF token of the
sign-in page does not carry over into the session."""
import re
from datetime import timedelta

import sqlalchemy as sa

from tests.conftest import _CSRF, csrf_token_of, other_workers
from workflow.audit.models import AdminChange
from workflow.auth.models import LoginAttempt, User
from workflow.clock import utcnow
from workflow.extensions import db


class SignIn:
    """A browser at one address signing in on the web page, or a client asking the API for a token."""

    def __init__(self, app, address="198.51.100.7"):
        self.client = app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = address

    def web(self, username, password):
        token = _CSRF.search(self.client.get("/login").get_data(as_text=True)).group(1)
        return self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})

    def api(self, username, password):
        return self.client.post("/api/v1/tokens", json={"username": username, "password": password})


def _user(username) -> User:
    return db.session.scalar(sa.select(User).where(User.username == username))


def test_guesses_for_one_account_are_limited_across_the_web_and_the_api(app, limits):
    limits(LOGIN_LIMIT_PER_ACCOUNT="3 per minute")
    attacker = SignIn(app)
    assert [attacker.web("officer", f"sai-{n}").status_code for n in range(2)] == [401, 401]
    assert attacker.api("officer", "sai-3").status_code == 401
    refused = attacker.web("officer", "demo")  # even the right password: the account's count is spent
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 1 phút." in page
    assert 'value="officer"' in page  # what was typed is kept (not the password)
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    answer = attacker.api("OFFICER ", "demo")  # the same account, however it is typed
    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) > 0
    assert answer.json["error"] == "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 1 phút."
    # Another account from the same address, and the same account's owner elsewhere, are not held back... by this
    # limit: the account's count is per account, the address's per address.
    assert attacker.web("reviewer", "demo").status_code == 302
    assert SignIn(app, "203.0.113.9").web("officer2", "demo").status_code == 302


def test_guesses_from_one_address_are_limited_whatever_the_account(app, limits):
    limits(LOGIN_LIMIT_PER_ADDRESS="4 per minute")
    attacker = SignIn(app)
    for name in ("officer", "officer2", "khong-co-ai", "reviewer"):
        assert attacker.web(name, "sai").status_code == 401
    assert attacker.api("officer3", "demo").status_code == 429
    assert attacker.web("officer3", "demo").status_code == 429
    assert SignIn(app, "203.0.113.9").web("officer3", "demo").status_code == 302  # another address goes on


def test_an_ipv6_network_counts_as_one_address(app, limits):
    limits(LOGIN_LIMIT_PER_ADDRESS="2 per minute")
    for host in ("2001:db8:1:2::a", "2001:db8:1:2:ffff::b"):  # one subscriber's /64
        assert SignIn(app, host).web("officer", "sai").status_code == 401
    assert SignIn(app, "2001:db8:1:2::c").web("officer2", "demo").status_code == 429
    assert SignIn(app, "2001:db8:1:3::a").web("officer2", "demo").status_code == 302  # the next /64 is another


def test_successful_sign_ins_are_not_counted(app, limits):
    """An office of many behind one address signs in all morning without being held back."""
    limits(LOGIN_LIMIT_PER_ADDRESS="2 per minute", LOGIN_LIMIT_PER_ACCOUNT="2 per minute")
    assert {SignIn(app).web("officer", "demo").status_code for _ in range(4)} == {302}
    assert {SignIn(app).api("officer", "demo").status_code for _ in range(4)} == {201}


def test_wrong_passwords_in_a_row_lock_the_accounts_sign_in_until_an_admin_lifts_it(app, limits, browser):
    limits(LOGIN_LIMIT_PER_ACCOUNT="100 per minute", LOGIN_LIMIT_PER_ADDRESS="100 per minute",
           LOGIN_LOCKOUT_FAILURES=3)
    attacker, owner = SignIn(app), SignIn(app, "203.0.113.9")
    assert [attacker.web("officer", "sai").status_code for _ in range(2)] == [401, 401]
    third = attacker.api("officer", "sai")
    assert third.status_code == 429 and "đang tạm khóa đăng nhập đến" in third.json["error"]
    refused = owner.web("officer", "demo")  # the right password, from elsewhere: refused while locked
    assert refused.status_code == 429
    with app.app_context():
        locked_until = _user("officer").locked_until
    assert timedelta(minutes=14) < locked_until - utcnow() <= timedelta(minutes=15)
    page = refused.get_data(as_text=True)
    assert re.search(r"Tài khoản officer đang tạm khóa đăng nhập đến \d\d:\d\d \d\d/\d\d/\d{4}", page)
    assert "nhờ quản trị viên gỡ tạm khóa" in page
    assert 14 * 60 < int(refused.headers["Retry-After"]) <= 15 * 60

    admin = browser("admin")
    with app.app_context():
        officer_id = _user("officer").id
        outcomes = db.session.scalars(sa.select(LoginAttempt.outcome).where(LoginAttempt.user_id == officer_id)
                                      .order_by(LoginAttempt.id)).all()
    assert outcomes == ["wrong_password"] * 3 + ["locked"]
    account = admin.get(f"/admin/users/{officer_id}").get_data(as_text=True)
    assert "Đang tạm khóa đăng nhập đến" in account and "3 lần nhập sai mật khẩu liên tiếp" in account
    assert account.count("Sai mật khẩu") == 3 and "198.51.100.7" in account and "203.0.113.9" in account
    assert admin.post(f"/admin/users/{officer_id}/unlock").status_code == 302
    with app.app_context():
        change = db.session.scalar(sa.select(AdminChange).where(AdminChange.action == "user.unlock"))
        assert change.subject_id == officer_id and change.before["failed_logins"] == 3
        assert change.after == {"locked_until": None, "failed_logins": 0}

    signed_in = owner.web("officer", "demo")
    assert signed_in.status_code == 302
    # Lifted by the admin, the count went with the lock: nothing to tell the owner.
    assert "lần nhập sai mật khẩu" not in owner.client.get(signed_in.headers["Location"]).get_data(as_text=True)


def test_the_owner_is_told_of_wrong_passwords_since_the_last_sign_in(app, limits):
    attacker, owner = SignIn(app), SignIn(app, "203.0.113.9")
    assert attacker.api("officer", "sai").status_code == 401
    assert attacker.web("officer", "sai nữa").status_code == 401
    signed_in = owner.web("officer", "demo")
    page = owner.client.get(signed_in.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Có 2 lần nhập sai mật khẩu vào tài khoản của bạn kể từ lần đăng nhập trước" in page
    with app.app_context():
        assert _user("officer").failed_logins == 0


def test_a_lock_that_ran_out_locks_again_at_the_next_wrong_password(app, limits):
    limits(LOGIN_LIMIT_PER_ACCOUNT="100 per minute", LOGIN_LIMIT_PER_ADDRESS="100 per minute",
           LOGIN_LOCKOUT_FAILURES=2)
    attacker = SignIn(app)
    assert [attacker.web("officer", "sai").status_code for _ in range(2)] == [401, 429]
    with app.app_context():
        _user("officer").locked_until = utcnow() - timedelta(seconds=1)  # the lock ran out
        db.session.commit()
    assert attacker.web("officer", "sai").status_code == 429  # one guess per lock, not ten
    with app.app_context():
        _user("officer").locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert SignIn(app, "203.0.113.9").web("officer", "demo").status_code == 302


def test_an_admin_lifts_a_lock_through_the_api_and_a_reset_password_lifts_it_too(app, limits, api):
    limits(LOGIN_LIMIT_PER_ACCOUNT="100 per minute", LOGIN_LIMIT_PER_ADDRESS="100 per minute",
           LOGIN_LOCKOUT_FAILURES=2)
    attacker = SignIn(app)
    for _ in range(2):
        attacker.api("officer2", "sai")
    with app.app_context():
        officer2 = _user("officer2").id
    seen = api.client.get(f"/api/v1/users/{officer2}", headers=api.headers("admin")).json
    assert seen["sign_in_locked_until"] and seen["failed_logins"] == 2
    assert api.client.post(f"/api/v1/users/{officer2}/unlock", headers=api.headers("officer")).status_code == 403
    lifted = api.client.post(f"/api/v1/users/{officer2}/unlock", headers=api.headers("admin"))
    assert lifted.status_code == 200 and lifted.json["sign_in_locked_until"] is None
    assert lifted.json["failed_logins"] == 0
    assert attacker.api("officer2", "demo").status_code == 201

    for _ in range(2):
        attacker.web("officer3", "sai")
    with app.app_context():
        officer3 = _user("officer3").id
    admin = SignIn(app, "203.0.113.9")
    assert admin.web("admin", "demo").status_code == 302
    reset = admin.client.post(f"/admin/users/{officer3}/password",
                              data={"csrf_token": csrf_token_of(admin.client), "method": "temporary"})
    password = reset.get_data(as_text=True).split('id="temporary-password">')[1].split("<")[0]
    assert SignIn(app, "192.0.2.1").web("officer3", password).status_code == 302  # the guessed password is gone


def test_a_user_of_another_province_cannot_be_unlocked(app, limits, api, browser):
    with app.app_context():
        outsider = db.session.scalar(sa.select(User).where(User.username == "tld")).id
    assert browser("admin").post(f"/admin/users/{outsider}/unlock").status_code == 404
    assert api.client.post(f"/api/v1/users/{outsider}/unlock", headers=api.headers("admin")).status_code == 404


def test_attempts_are_kept_for_a_while_then_purged(app, limits):
    SignIn(app).web("khong-co-ai", "sai")
    with app.app_context():
        row = db.session.scalar(sa.select(LoginAttempt).where(LoginAttempt.username == "khong-co-ai"))
        assert (row.outcome, row.user_id, row.address, row.channel) == ("unknown_user", None, "198.51.100.7", "web")
        row.at = utcnow() - timedelta(days=app.config["LOGIN_ATTEMPT_RETENTION_DAYS"] + 1)
        db.session.commit()
    SignIn(app).api("officer", "demo")
    with app.app_context():
        kept = db.session.execute(sa.select(LoginAttempt.username, LoginAttempt.outcome,
                                            LoginAttempt.channel)).all()
    assert kept == [("officer", "success", "api")]


def test_the_csrf_token_of_the_sign_in_page_does_not_carry_over(app, demo_data):
    client = app.test_client()
    before = _CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": "officer", "password": "demo",
                                       "csrf_token": before}).status_code == 302
    assert client.post("/notifications/read", data={"csrf_token": before}).status_code == 400
    after = csrf_token_of(client)
    assert after != before
    assert client.post("/notifications/read", data={"csrf_token": after}).status_code == 303


def test_the_limits_are_kept_in_redis_when_configured_shared_by_every_worker(app, demo_data, redis_url):
    """Two processes' apps over one Redis see one count (memory would give each worker its own)."""
    with other_workers(app, 2, RATELIMIT_STORAGE_URI=redis_url, LOGIN_LIMIT_PER_ACCOUNT="2 per minute") as workers:
        assert SignIn(workers[0]).api("officer", "sai").status_code == 401
        assert SignIn(workers[1]).api("officer", "sai").status_code == 401
        assert SignIn(workers[0]).api("officer", "demo").status_code == 429
        assert SignIn(workers[1]).api("officer", "demo").status_code == 429


def test_sign_in_goes_on_limited_in_memory_when_redis_is_down(app, limits):
    # port 9 (discard): nothing answers
    with other_workers(app, RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0",
                       LOGIN_LIMIT_PER_ACCOUNT="2 per minute") as (worker,):
        assert SignIn(worker).web("officer", "demo").status_code == 302
        assert [SignIn(worker).api("officer", "sai").status_code for _ in range(3)] == [401, 401, 429]


def test_a_locked_account_hears_of_its_lock_from_the_limiter_too(app, limits):
    """The account's limit and its lock both refuse: the answer tells the longer wait, the lock's."""
    limits(LOGIN_LIMIT_PER_ACCOUNT="3 per minute", LOGIN_LOCKOUT_FAILURES=3)
    attacker = SignIn(app)
    assert [attacker.api("officer", "sai").status_code for _ in range(3)] == [401, 401, 429]
    answer = attacker.web("officer", "demo")  # the limiter's turn now (3 attempts this minute)
    assert answer.status_code == 429 and "đang tạm khóa đăng nhập đến" in answer.get_data(as_text=True)
    assert int(answer.headers["Retry-After"]) > 14 * 60


def test_the_limits_speak_english_to_an_api_client_asking_for_it(app, limits):
    limits(LOGIN_LIMIT_PER_ACCOUNT="1 per minute")
    client = SignIn(app)
    headers = {"Accept-Language": "en"}
    client.client.post("/api/v1/tokens", json={"username": "officer", "password": "sai"}, headers=headers)
    answer = client.client.post("/api/v1/tokens", json={"username": "officer", "password": "sai"}, headers=headers)
    assert answer.status_code == 429
    assert answer.json["error"] == "Too many failed sign-ins. Please try again in 1 minute."
