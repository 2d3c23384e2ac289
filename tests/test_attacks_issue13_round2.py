"""Second round of attacks on issue 13's limits on password guessing (auth/guessing.py): each test reproduces a
defect found by attacking the demo (each failed before its fix)."""
import pytest

from tests.test_guessing import SignIn

ACCOUNTS = ("officer2", "officer3", "officer4", "officer5", "reviewer", "reviewer2")


@pytest.mark.parametrize("body", [
    lambda name: {"username": name},                      # no password: 422, no password checked
    lambda name: {"username": name, "password": 1},       # a password that is no text: 422
], ids=["no-password", "number-password"])
def test_bodies_that_check_no_password_cannot_hold_every_account_closed_from_one_address(app, limits, body):
    """The per-account limit counts every request naming the account, but the per-address limit counts only 401
    and 429: an API body naming an account and refused with 422 (no password checked, no LoginAttempt, the
    account's row untouched, so the admin's page shows nothing to unlock) spends the owner's count and none of
    the address's. One address then holds every account closed. Observed on the demo (defaults 5/min per account,
    30/min per address): 54 bodies {"username": name} from 127.0.0.1 for nine accounts, all 422 but one per
    account; each owner then got 429 "Đăng nhập sai quá nhiều lần" at the right password, with failed_logins 0 and
    no attempt kept. Expected: what one address can do to owners is bounded by the address's limit (either such
    requests do not spend the account's count, or they count against the address too)."""
    limits(LOGIN_LIMIT_PER_ADDRESS="4 per minute", LOGIN_LIMIT_PER_ACCOUNT="2 per minute")
    attacker = SignIn(app, "2001:db8:a::1")
    for name in ACCOUNTS:
        for _ in range(2):
            attacker.client.post("/api/v1/tokens", json=body(name))
    held = [name for name in ACCOUNTS if SignIn(app, "2001:db8:b::1").api(name, "demo").status_code == 429]
    # At most 4 counted failures from that address, 2 per account: at most 2 owners held back.
    assert len(held) <= 2, f"one address held {held} closed without a password checked"


def test_the_answers_to_one_client_do_not_tell_when_someone_else_signed_in_to_the_account(app, limits):
    """RATELIMIT_HEADERS_ENABLED puts the per-account limit's X-RateLimit-Remaining on every sign-in answer, and a
    sign-in clears that count: anyone can watch an account (even with bodies that check no password, 422) and see
    how many attempts others made on it in the window and the moment its owner signed in (Remaining back to the
    full limit), which is also the moment the account's wrong passwords and lock were cleared. Observed on the
    demo: 401 Remaining 4, 401 Remaining 3, the owner signs in elsewhere, then {"username": "reviewer2"} → 422
    with Remaining 4. Expected: nothing in what an unsigned client gets back depends on the owner's sign-in."""
    limits(LOGIN_LIMIT_PER_ADDRESS="1000 per minute", LOGIN_LIMIT_PER_ACCOUNT="5 per minute")
    watcher = SignIn(app, "2001:db8:a::1")
    watcher.api("reviewer2", "sai-1")
    before = watcher.api("reviewer2", "sai-2").headers.get("X-RateLimit-Remaining")
    assert SignIn(app, "2001:db8:b::1").api("reviewer2", "demo").status_code == 201
    after = watcher.api("reviewer2", "sai-3").headers.get("X-RateLimit-Remaining")
    assert before is None or after is None or int(after) < int(before), (
        f"Remaining went from {before} to {after}: the owner's sign-in shows")
