"""Who hears of what (DESIGN §3): the union when its dossier is returned, approved, sent up, decided, moved to
another organisation or closed; the organisation a dossier reaches when it is submitted or referred back to it or
moved to it; the recipient of a batch when it arrives. Each recipient gets an item in the app and, when SMTP is
configured, an e-mail in their own language, sent in the background only after the change has been committed.
An item names the dossier as its recipient's organisation knows it (visibility.py)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from flask_babel import force_locale, gettext
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..auth.models import User
from ..extensions import db
from ..i18n import DEFAULT_LOCALE, N_
from .models import Notification

# topic -> (message with %(…)s from params, who is told: the union's officers, or the staff of the organisation
# the dossier waits at now)
TOPICS = {
    "submitted": (N_("Hồ sơ số %(id)s (%(subject)s) của %(union)s đã được nộp, chờ xử lý."), "current"),
    "resubmitted": (N_("Hồ sơ số %(id)s (%(subject)s) của %(union)s đã được nộp lại (lần %(round)s) sau khi sửa."),
                    "current"),
    "returned": (N_("Hồ sơ số %(id)s (%(subject)s) bị trả lại. Lý do: %(reason)s"), "union"),
    "approved": (N_("Hồ sơ số %(id)s (%(subject)s) đã được %(org)s thẩm định đạt."), "union"),
    "forwarded": (N_("Hồ sơ số %(id)s (%(subject)s) đã được chuyển lên %(org)s."), "union"),
    "accepted": (N_("Hồ sơ số %(id)s (%(subject)s) được %(org)s chấp thuận."), "union"),
    "rejected": (N_("Hồ sơ số %(id)s (%(subject)s) không được chấp thuận. Lý do: %(reason)s"), "union"),
    "referred_back": (N_("Hồ sơ số %(id)s (%(subject)s) được cấp trên chuyển lại. Lý do: %(reason)s"), "current"),
    "closed": (N_("Hồ sơ số %(id)s (%(subject)s) đã được đóng. Lý do: %(reason)s"), "union"),
    "transferred": (N_("Hồ sơ số %(id)s (%(subject)s) từ nay do %(org)s xử lý. Lý do: %(reason)s"), "union"),
    "transferred_in": (N_("Hồ sơ số %(id)s (%(subject)s) của %(union)s được chuyển đến đơn vị bạn xử lý. "
                          "Lý do: %(reason)s"), "current"),
    "batch_received": (N_("Đã nhận đợt chuyển số %(number)s của %(sender)s: %(count)s hồ sơ chờ xử lý."), "batch"),
}

EVENT_TOPICS = {"return": "returned", "approve": "approved", "forward": "forwarded", "accept": "accepted",
                "reject": "rejected", "refer_back": "referred_back", "close": "closed", "transfer": "transferred"}


def message(notification: Notification) -> str:
    """The item's text in the current language."""
    return gettext(TOPICS[notification.topic][0], **notification.params)


def notify_dossier_event(event_name: str, dossier, comment: str | None) -> None:
    from ..dossiers.visibility import data_seen, viewer_for

    topics = [("resubmitted" if dossier.round > 1 else "submitted") if event_name == "submit"
              else EVENT_TOPICS.get(event_name)]
    if event_name == "transfer" and dossier.current_org_id is not None:
        topics.append("transferred_in")
    for topic in filter(None, topics):
        told = TOPICS[topic][1]
        if told == "union":
            organisation_id, role = dossier.organisation_id, "officer"
        else:
            organisation_id, role = dossier.current_org_id, "staff"
        if organisation_id is None:
            continue
        # Who did it (the history row just written), or for a forward where it went.
        acting = (dossier.current_step.organisation.name if event_name == "forward"
                  else dossier.events[-1].organisation.name)
        seen = data_seen(viewer_for(organisation_id, owner_side=told == "union"), dossier)
        params = {"id": dossier.id, "subject": dossier.kind_spec.subject(seen or dossier.submitted_data or {}),
                  "union": dossier.organisation.name, "reason": comment or "", "round": dossier.round, "org": acting}
        _notify(topic, role, organisation_id, params, dossier_id=dossier.id)


def notify_batch_received(batch) -> None:
    params = {"number": batch.document.number if batch.document else batch.id, "sender": batch.organisation.name,
              "count": len(batch.dossiers)}
    _notify("batch_received", "staff", batch.recipient_id, params, batch_id=batch.id)


def _notify(topic: str, role: str, organisation_id: int | None, params: dict, **links) -> None:
    if organisation_id is None:
        return
    recipients = db.session.scalars(sa.select(User).where(
        User.organisation_id == organisation_id, User.role == role, User.active.is_(True))).all()
    outbox = db.session.info.setdefault("outbox", [])
    for user in recipients:
        item = Notification(user_id=user.id, topic=topic, params=params, **links)
        db.session.add(item)
        if user.email and current_app.config.get("MAIL_ENABLED"):
            outbox.append((item, _mail_for(user, item, links)))


def _mail_for(user: User, item: Notification, links: dict) -> dict:
    """Rendered now, while the request (for addresses) and the database are at hand; sent after commit."""
    with force_locale(user.locale or DEFAULT_LOCALE):
        text = gettext(TOPICS[item.topic][0], **item.params)
        url = _address(*(("dossiers.show", {"dossier_id": links["dossier_id"]}) if links.get("dossier_id")
                         else ("batches.show", {"batch_id": links["batch_id"]})))
        line = " ".join(text.split())  # a reason typed over several lines must not break the header
        subject = gettext("[Hồ sơ Công đoàn] %(text)s", text=line if len(line) < 90 else line[:87] + "…")
        body = "\n\n".join([gettext("Kính gửi %(name)s,", name=user.full_name), text,
                            gettext("Xem chi tiết: %(url)s", url=url),
                            gettext("Thư này được gửi tự động từ hệ thống Hồ sơ Công đoàn; vui lòng không trả lời.")])
    return {"to": user.email, "subject": subject, "body": body}


def _address(endpoint: str, values: dict) -> str:
    """The page's full address: from PUBLIC_URL when set (never from a request's Host header, which the sender
    controls), else from the request; a command with neither gives the path."""
    if has_request_context() and not current_app.config.get("PUBLIC_URL"):
        return url_for(endpoint, **values, _external=True)
    path = current_app.url_map.bind("localhost", script_name=current_app.config["APPLICATION_ROOT"]).build(endpoint, values)
    return current_app.config.get("PUBLIC_URL", "").rstrip("/") + path


@event.listens_for(Session, "after_commit")
def _send_committed_mail(session):
    if session.in_nested_transaction():  # a savepoint released: the real commit is still to come
        return
    outbox = session.info.pop("outbox", [])
    from ..jobs import send_mail_task

    for item, mail in outbox:
        if inspect(item).persistent:  # an item undone with its savepoint is not sent
            send_mail_task(mail["to"], mail["subject"], mail["body"])


@event.listens_for(Session, "after_rollback")
def _drop_unsent_mail(session):
    if not session.in_nested_transaction():  # after a savepoint's rollback, what it undid is no longer persistent
        session.info.pop("outbox", None)
