"""The background queue (Huey): SQLite by default, so nothing else has to run; Redis when HUEY_REDIS_URL is set.
Tasks are declared where their work is (batches/bundles.py, notifications/service.py); workflow/worker.py gathers
them for the consumer: `.venv/bin/huey_consumer workflow.worker.huey` (same environment as the app). Tests run
tasks inline (`huey.immediate = True`)."""
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


def app_context():
    """For a task: the consumer's own app (one per process); an inline task uses the caller's."""
    from flask import current_app, has_app_context

    global _app
    if has_app_context():
        return current_app.app_context()
    if _app is None:
        from . import create_app

        _app = create_app()
    return _app.app_context()

