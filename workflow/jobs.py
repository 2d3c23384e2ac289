"""Background work (large bundles) with Huey: SQLite by default, so nothing else has to run; Redis when
HUEY_REDIS_URL is set. The consumer: `.venv/bin/huey_consumer workflow.jobs.huey` (same environment as the app).
Tests run tasks inline (`huey.immediate = True`)."""
from __future__ import annotations

import os
from pathlib import Path

from huey import RedisHuey, SqliteHuey

ROOT = Path(__file__).resolve().parent.parent


def _make_huey():
    redis_url = os.environ.get("HUEY_REDIS_URL")
    if redis_url:
        return RedisHuey("union-workflow", url=redis_url)
    path = Path(os.environ.get("HUEY_SQLITE", ROOT / "instance" / "huey.sqlite"))
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("union-workflow", filename=str(path))


huey = _make_huey()
_app = None


def _app_context():
    """The consumer's own app (one per process); inline tasks use the caller's."""
    from flask import current_app, has_app_context

    global _app
    if has_app_context():
        return current_app.app_context()
    if _app is None:
        from . import create_app

        _app = create_app()
    return _app.app_context()


@huey.task()
def build_bundle_task(build_id: int) -> None:
    from .batches.bundles import run_bundle_build

    with _app_context():
        run_bundle_build(build_id)


@huey.task(retries=3, retry_delay=60)
def send_mail_task(to: str, subject: str, body: str) -> None:
    from flask_mailman import EmailMessage

    with _app_context():
        EmailMessage(subject=subject, body=body, to=[to]).send()
