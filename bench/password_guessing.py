"""How many passwords an attacker gets checked, with the default limits (workflow/config.py), measured on the app.

    .venv/bin/python bench/password_guessing.py [--attempts N] [--threads T]

Four attacks, each on a fresh database with the demo's accounts, each sending N attempts as fast as it can (the
issue's figure before the limits: about 370 guesses a minute on /login and /api/v1/tokens, the right password taken
right after):
- one account from one address, alternating the sign-in page and the API;
- one account from N addresses (a botnet: the per-address limit never bites);
- many accounts from one address (password spraying: one guess per name);
- one account from T threads at once (requests in flight together).
For each: how many passwords were checked (login_attempt rows "wrong_password"), how many answers were 429, and
whether the right password opens the account right after (no: the account's count is spent for the rest of the
minute, from any address; an admin's unlock clears it). Attempts count within the limits' first minute, so the
figures are per minute (the hourly limits and the lock bound longer attacks further).
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def fresh_app(folder: Path):
    from flask_migrate import upgrade

    from workflow import create_app
    from workflow.extensions import db, limiter
    from workflow.seed import seed_demo

    app = create_app({"ENV_NAME": "bench", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI":
                      f"sqlite:///{folder / 'bench.sqlite'}", "STORAGE_DIR": str(folder / "storage"),
                      "SESSION_COOKIE_SECURE": False})
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
    limiter.reset()
    return app


def web(app, address: str, username: str, password: str) -> int:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token}).status_code


def api(app, address: str, username: str, password: str) -> int:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client.post("/api/v1/tokens", json={"username": username, "password": password}).status_code


def checked(app) -> int:
    from workflow.auth.models import LoginAttempt
    from workflow.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)
                                 .where(LoginAttempt.outcome.in_(["wrong_password", "unknown_user"])))


def run(name: str, attempts: int, attack, right_after) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = fresh_app(Path(folder))
        started = time.perf_counter()
        statuses = attack(app, attempts)
        seconds = time.perf_counter() - started
        owner = right_after(app)
        print(f"{name:<44} {attempts:>6} sent in {seconds:5.1f} s  {checked(app):>4} checked  "
              f"{statuses.count(429):>5} × 429  right password after: {owner}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=400)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    n = args.attempts
    print(f"{'attack':<44} {'':>6}")
    run("one account, one address, web and API", n,
        lambda app, n: [(web if i % 2 else api)(app, "198.51.100.7", "officer", f"sai-{i}") for i in range(n)],
        lambda app: api(app, "203.0.113.9", "officer", "demo"))
    run("one account, a new address each time", n,
        lambda app, n: [api(app, f"10.{i // 250}.{i % 250}.1", "officer", f"sai-{i}") for i in range(n)],
        lambda app: api(app, "203.0.113.9", "officer", "demo"))
    run("a name after another, one address", n,
        lambda app, n: [api(app, "198.51.100.7", f"ten-{i}", "Matkhau@2026") for i in range(n)],
        lambda app: api(app, "198.51.100.7", "officer", "demo"))

    def burst(app, n):
        with ThreadPoolExecutor(args.threads) as pool:
            return list(pool.map(lambda i: api(app, f"10.9.{i // 250}.{i % 250}", "officer", f"sai-{i}"), range(n)))

    run(f"one account, {args.threads} threads at once", n, burst,
        lambda app: api(app, "203.0.113.9", "officer", "demo"))


if __name__ == "__main__":
    main()
