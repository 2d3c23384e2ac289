"""Attacks on issue 13's limits on password guessing (auth/guessing.py) and its input layer: each test here
reproduces a defect found by attacking the demo (each failed before its fix).

Addresses are IPv6 unless a test is about IPv4, so that one defect (the per-address key on IPv4) does not hide
the others."""
import redis
import sqlalchemy as sa

from tests.conftest import other_workers
from tests.test_guessing import SignIn, _user
from workflow.auth import guessing
from workflow.auth.models import LoginAttempt, User
from workflow.extensions import db, limiter

HIGH = "1000 per minute"


def _count(outcome) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)
                             .where(LoginAttempt.outcome == outcome))


# --- the per-address limit on IPv4 ----------------------------------------------------------------------------

def test_the_address_key_of_an_ipv4_client_is_its_address(app, demo_data):
    """`_address_key` reads `ipv4_mapped`, which only IPv6Address has: on every IPv4 request it raises
    AttributeError, Flask-Limiter swallows it (RATELIMIT_SWALLOW_ERRORS) and skips the per-address limit."""
    with app.test_request_context("/login", method="POST", environ_base={"REMOTE_ADDR": "198.51.100.7"}):
        assert guessing._address_key() == "198.51.100.7"
    with app.test_request_context("/login", method="POST", environ_base={"REMOTE_ADDR": "::ffff:198.51.100.7"}):
        assert guessing._address_key() == "198.51.100.7"


def test_password_spraying_from_one_ipv4_address_is_limited(app, limits):
    """One address trying one password on many names (each name under its own limit): the per-address limit must
    stop it. Observed: 40 names from 127.0.0.80 against the demo's default 30 per minute, all 401, none 429."""
    limits(LOGIN_LIMIT_PER_ADDRESS="4 per minute", LOGIN_LIMIT_PER_ACCOUNT=HIGH)
    sprayer = SignIn(app, "198.51.100.7")
    assert [sprayer.api(name, "demo123").status_code for name in ("ai-1", "ai-2", "ai-3", "ai-4")] == [401] * 4
    assert sprayer.api("officer3", "demo").status_code == 429


def test_redis_stays_the_limits_storage_after_a_sign_in_from_ipv4(app, limits, redis_url):
    """The key's AttributeError also makes Flask-Limiter take its storage for dead and count in this process's
    memory: with Redis configured and two workers, each worker counts apart (seen on the demo: two processes, Redis
    configured, 10 wrong passwords checked for one account in a minute where 5 are allowed; Redis held no key)."""
    with other_workers(app, RATELIMIT_STORAGE_URI=redis_url) as (worker,):
        assert SignIn(worker, "198.51.100.7").api("officer", "sai").status_code == 401
        assert not limiter._storage_dead
        # the account's count is where all workers see it
        assert redis.Redis.from_url(redis_url).keys("*account:officer*")


# --- guesses sent at once ---------------------------------------------------------------------------------------

def _at_once(app, monkeypatch, guesses: int):
    """`guesses` wrong passwords for officer arriving together: each arrives while the one before is having its
    password checked (as parallel requests interleave), from addresses of their own. Seen on the demo: 25 parallel
    requests to /api/v1/tokens had 23 passwords checked (limit 5 per minute, lock at 10); after a lock ran out, 30
    parallel requests had 15 checked where one should lock the account again."""
    real = User.check_password
    waiting = list(range(1, guesses))

    def check_password(self, password):
        if waiting:
            n = waiting.pop(0)
            SignIn(app, f"2001:db8:{n}::1").api("officer", f"sai-{n}")
        return real(self, password)

    monkeypatch.setattr(User, "check_password", check_password)
    SignIn(app, "2001:db8:ff::1").api("officer", "sai-0")
    monkeypatch.setattr(User, "check_password", real)
    with app.app_context():
        return _count("wrong_password")


def test_guesses_sent_at_once_get_no_more_checks_than_the_lockout_allows(app, limits, monkeypatch):
    limits(LOGIN_LIMIT_PER_ADDRESS=HIGH, LOGIN_LIMIT_PER_ACCOUNT=HIGH, LOGIN_LOCKOUT_FAILURES=3)
    assert _at_once(app, monkeypatch, 8) <= 3


def test_guesses_sent_at_once_get_no_more_checks_than_the_account_limit_allows(app, limits, monkeypatch):
    """Flask-Limiter's deduct_when tests before the view and counts after it: every request in flight passes."""
    limits(LOGIN_LIMIT_PER_ADDRESS=HIGH, LOGIN_LIMIT_PER_ACCOUNT="3 per minute", LOGIN_LOCKOUT_FAILURES=100)
    assert _at_once(app, monkeypatch, 8) <= 3


# --- the admin lifting a lock -------------------------------------------------------------------------------------

def test_an_admin_lifting_the_lock_lets_the_owner_sign_in_again(app, limits, api):
    """The admin's unlock clears the account's row, not Flask-Limiter's count of the account: the owner, with the
    right password, is still refused (429 'try again in 1 minute') while the admin's page and the API say the
    account is not locked. An attacker keeping the count spent (5 a minute, 30 an hour) keeps anyone out, the
    admins included, and no admin can help."""
    limits(LOGIN_LIMIT_PER_ADDRESS=HIGH, LOGIN_LIMIT_PER_ACCOUNT="3 per minute", LOGIN_LOCKOUT_FAILURES=3)
    attacker = SignIn(app, "2001:db8:a::1")
    assert [attacker.api("officer2", "sai").status_code for _ in range(3)] == [401, 401, 429]
    with app.app_context():
        officer2 = _user("officer2").id
    lifted = api.client.post(f"/api/v1/users/{officer2}/unlock", headers=api.headers("admin"))
    assert lifted.status_code == 200 and lifted.json["sign_in_locked_until"] is None
    owner = SignIn(app, "2001:db8:b::1")
    assert owner.web("officer2", "demo").status_code == 302


# --- what the lock tells -------------------------------------------------------------------------------------------

def test_until_a_lock_the_answers_do_not_tell_which_names_have_an_account(app, limits):
    """Found: past LOGIN_LOCKOUT_FAILURES wrong passwords an account answers 429 'Tài khoản officer đang tạm khóa
    đăng nhập đến …', an unknown name 401. Kept, by decision: issue 13 asks for a lockout its owner can see, and a
    lock shown for every name would have to lock names nobody holds (usernames here are not secret either: the
    admins make them from people's names). Until a lock, a wrong password answers alike for both, in the same time."""
    limits(LOGIN_LIMIT_PER_ADDRESS=HIGH, LOGIN_LIMIT_PER_ACCOUNT=HIGH, LOGIN_LOCKOUT_FAILURES=3)
    attacker = SignIn(app, "2001:db8:c::1")
    for _ in range(2):
        known, unknown = attacker.api("OFFICER", "sai"), attacker.api("khong-co-ai", "sai")
        assert (known.status_code, known.json) == (unknown.status_code, unknown.json) == (
            401, {"error": "Tên đăng nhập hoặc mật khẩu không đúng."})


# --- other places a password is checked --------------------------------------------------------------------------

def test_the_current_password_on_the_password_page_is_limited_as_the_sign_in(app, limits, browser):
    """/account/password checks the current password with no limit and no count: whoever holds a session (a copied
    cookie) guesses the password there, unlimited, and keeps the account after logout ends the session."""
    limits(LOGIN_LIMIT_PER_ADDRESS=HIGH, LOGIN_LIMIT_PER_ACCOUNT="3 per minute", LOGIN_LOCKOUT_FAILURES=3)
    holder = browser("officer")
    answers = [holder.post("/account/password", {"current": f"sai-{n}", "password": "Mat-khau-moi-2026!",
                                                 "repeated": "Mat-khau-moi-2026!"}).status_code for n in range(6)]
    assert 429 in answers


# --- the input layer ------------------------------------------------------------------------------------------------

def test_a_lone_surrogate_in_the_credentials_is_a_4xx(app, limits):
    """JSON's "\\ud800" (no text: it cannot be encoded) reaches the database and the password hash: 500."""
    client = SignIn(app, "2001:db8:d::1").client
    for body in (b'{"username": "\\ud800", "password": "x"}', b'{"username": "officer", "password": "\\ud800"}'):
        answer = client.post("/api/v1/tokens", data=body, content_type="application/json")
        assert 400 <= answer.status_code < 500, answer.get_data(as_text=True)


def test_a_lone_surrogate_in_an_admin_change_is_a_4xx(app, limits, api):
    with app.app_context():
        officer = _user("officer").id
    answer = api.client.patch(f"/api/v1/users/{officer}", data=b'{"full_name": "A\\ud800B"}',
                              content_type="application/json", headers=api.headers("admin"))
    assert 400 <= answer.status_code < 500, answer.get_data(as_text=True)
