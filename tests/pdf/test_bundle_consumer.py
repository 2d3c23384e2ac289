"""One test with a real Huey consumer process building a large batch's bundle from the queue."""
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pypdf import PdfReader

from .test_bundle import two_unions_batch


def test_a_real_consumer_builds_the_bundle(api, app, tmp_path):
    from workflow.jobs import huey

    app.config["BUNDLE_INLINE_MAX_DOSSIERS"] = 1
    huey.immediate = False
    log = open(tmp_path / "consumer.log", "w")
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "STORAGE_DIR": app.config["STORAGE_DIR"], "SECRET_KEY": "consumer", "WORKFLOW_ENV": "testing"}
    consumer = subprocess.Popen([str(Path(sys.executable).parent / "huey_consumer"), "workflow.worker.huey", "-w", "1",
                                 "-k", "thread", "-d", "0.05", "-m", "0.2"],
                                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[2])
    try:
        batch, _, _ = two_unions_batch(api)
        first = api.get("liaison", batch["bundle_url"])
        assert first.status_code == 202
        deadline = time.monotonic() + 60
        response = first
        while response.status_code == 202 and time.monotonic() < deadline:
            time.sleep(0.2)  # a real process on its own clock: poll, bounded
            response = api.get("liaison", batch["bundle_url"])
        assert response.status_code == 200, (response.status_code, (tmp_path / "consumer.log").read_text()[-2000:])
        reader = PdfReader(io.BytesIO(response.data))
        assert len(reader.outline) >= 4
    finally:
        consumer.send_signal(signal.SIGINT)
        try:
            consumer.wait(timeout=10)
        except subprocess.TimeoutExpired:
            consumer.kill()
        log.close()
        huey.immediate = True
        app.config["BUNDLE_INLINE_MAX_DOSSIERS"] = 5
