"""Notifications: in the app for the union and each level a dossier reaches; by e-mail through SMTP when set."""
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from workflow import create_app
from workflow.auth.models import User
from workflow.extensions import db

from ..conftest import Api


def unread(page) -> int:
    import re

    found = re.search(r'id="unread-count">(\d+)', page.get("/").get_data(as_text=True))
    return int(found.group(1)) if found else 0


def test_each_step_tells_the_right_people_and_opening_marks_read(api, browser):
    officer, reviewer, reviewer2, liaison = (browser(u) for u in ("officer", "reviewer", "reviewer2", "liaison"))
    dossier = api.fire_ok("officer", api.create(), "submit")
    assert unread(reviewer) == 1 and unread(reviewer2) == 0 and unread(officer) == 0
    inbox = reviewer.get("/notifications").get_data(as_text=True)
    assert f"Hồ sơ số {dossier['id']} (Nguyễn Thị Bảo Ngọc (con của Nguyễn Văn Ánh))" in inbox
    assert "đã được nộp, chờ xử lý" in inbox

    dossier = api.fire_ok("reviewer", dossier, "return", comment="Thiếu giấy khai sinh của cháu.")
    officer_inbox = officer.get("/notifications").get_data(as_text=True)
    assert "bị trả lại. Lý do: Thiếu giấy khai sinh của cháu." in officer_inbox
    dossier = api.fire_ok("officer", dossier, "submit")
    assert "đã được nộp lại (lần 2) sau khi sửa" in reviewer.get("/notifications").get_data(as_text=True)

    dossier = api.fire_ok("reviewer", dossier, "approve")
    batch = api.forwarded(dossier)
    assert unread(liaison) == 1
    assert f"Đã nhận đợt chuyển số {batch['number']}" in liaison.get("/notifications").get_data(as_text=True)
    assert unread(officer) == 3  # returned, approved, forwarded
    assert "đã được chuyển lên Liên đoàn Lao động tỉnh Đồng Nai" in officer.get("/notifications").get_data(as_text=True)

    from workflow.notifications.models import Notification

    with api.client.application.app_context():
        # the province's staff each hear of it (liaison, and leader who signs its documents): liaison's item
        item = db.session.scalars(db.select(Notification).join(Notification.user).filter(
            Notification.topic == "batch_received", User.username == "liaison")).one()
        others = db.session.scalars(db.select(Notification).filter_by(topic="approved")).one()
    assert officer.post(f"/notifications/{item.id}/open").status_code == 404  # someone else's
    opened = liaison.post(f"/notifications/{item.id}/open")
    assert opened.status_code == 303 and opened.headers["Location"].endswith(f"/batches/{batch['id']}")
    assert unread(liaison) == 0
    assert officer.post(f"/notifications/{others.id}/open").headers["Location"].endswith(f"/dossiers/{dossier['id']}")
    assert officer.post("/notifications/read").status_code == 303 and unread(officer) == 0


def test_a_decision_tells_the_union_and_a_referral_the_level_below(api, browser):
    accepted = api.approved(kind="union_housing")
    referred = api.approved(kind="union_housing", citizen_id="070085000002")
    batch = api.forwarded(accepted, referred)
    response = api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions", {"event": "accept", "items": [
        {"dossier_id": accepted["id"], "version": batch["dossiers"][0]["version"], "granted_amount_vnd": 30_000_000}]})
    assert response.status_code == 200, response.json
    current = api.get("liaison", f"/api/v1/dossiers/{referred['id']}").json
    api.fire_ok("liaison", current, "refer_back", comment="Đề nghị xác minh lại thu nhập.")
    assert (f"Hồ sơ số {accepted['id']} (Nguyễn Văn Ánh) được Liên đoàn Lao động tỉnh Đồng Nai chấp thuận."
            in browser("officer").get("/notifications").get_data(as_text=True))
    assert "được cấp trên chuyển lại. Lý do: Đề nghị xác minh lại thu nhập." in browser(
        "reviewer").get("/notifications").get_data(as_text=True)


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def test_mail_goes_through_smtp_after_commit_in_the_readers_language(app, demo_data, today, smtp_server):
    port, inbox = smtp_server
    mailing = create_app({**{k: app.config[k] for k in ("TESTING", "ENV_NAME", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI",
                                                          "STORAGE_DIR", "PASSWORD_HASH_METHOD", "SERVER_NAME")},
                          "MAIL_ENABLED": True, "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
                          "MAIL_DEFAULT_SENDER": "ho-so@ldld-phu-rieng.example"})
    api = Api(mailing.test_client())
    dossier = api.create()
    assert inbox.messages == []  # a draft tells nobody
    refused = api.fire("officer", dossier, "submit", attach=False)
    assert refused.status_code == 422 and inbox.messages == []  # nothing committed, nothing sent
    dossier = api.fire_ok("officer", dossier, "submit")
    (recipients, message), = inbox.messages
    assert recipients == ["reviewer@example.org"] and message["From"] == "ho-so@ldld-phu-rieng.example"
    assert message["Subject"].strip().startswith(f"[Hồ sơ Công đoàn] Hồ sơ số {dossier['id']}")
    body = message.get_content()
    assert "Kính gửi Đặng Minh Quân," in body
    assert f"http://localhost/dossiers/{dossier['id']}" in body

    api.fire_ok("reviewer", dossier, "return", comment="Bổ sung giấy khai sinh.")
    recipients, message = inbox.messages[-1]
    assert recipients == ["officer@example.org"]
    assert "Lý do: Bổ sung giấy khai sinh." in message.get_content()
    with mailing.app_context():
        db.engine.dispose()


def test_no_mail_without_smtp_settings(api, app, monkeypatch):
    from workflow.notifications import service

    queued = []
    monkeypatch.setattr(service, "send_mail_task", lambda *args: queued.append(args))
    assert not app.config["MAIL_ENABLED"]
    api.fire_ok("officer", api.create(), "submit")
    assert queued == []
    monkeypatch.setitem(app.config, "MAIL_ENABLED", True)  # the same step with SMTP set would send one
    api.fire_ok("officer", api.create(citizen_id="070085009999"), "submit")
    assert [to for to, _subject, _body in queued] == ["reviewer@example.org"]


def test_mail_waits_for_the_real_commit_not_a_savepoint(api, app, monkeypatch):
    from workflow.auth.models import User
    from workflow.batches.operations import decide_in_batch
    from workflow.dossiers import operations as ops
    from workflow.dossiers.models import Batch, Dossier
    from workflow.notifications import service

    first = api.approved(kind="union_housing")
    second = api.approved(kind="union_housing", citizen_id="070085000002")
    batch = api.forwarded(first, second)
    draft = api.create(citizen_id="070085000003")
    api.attach_required("officer", draft["id"])
    queued = []
    monkeypatch.setattr(service, "send_mail_task", lambda *args: queued.append(args))
    monkeypatch.setitem(app.config, "MAIL_ENABLED", True)
    with app.test_request_context():
        officer = db.session.scalars(db.select(User).filter_by(username="officer")).one()
        ops.fire(officer, db.session.get(Dossier, draft["id"]), "submit", version=draft["version"])
        db.session.rollback()
        assert queued == []  # the request failed: nobody is told

        liaison = db.session.scalars(db.select(User).filter_by(username="liaison")).one()
        items = [{"dossier_id": d["id"], "version": d["version"]} for d in batch["dossiers"]]
        results, _ = decide_in_batch(liaison, db.session.get(Batch, batch["id"]), "reject", items,
                                     "Không đủ điều kiện.\nXem lại hồ sơ.")
        assert all(r["ok"] for r in results) and queued == []  # each item's savepoint released: not sent yet
        db.session.commit()
    assert [to for to, _s, _b in queued] == ["officer@example.org", "officer@example.org"]
    assert all("\n" not in subject for _to, subject, _b in queued)  # a reason over two lines, one header line
