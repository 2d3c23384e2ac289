"""Who hears of what (DESIGN §3, issue 5): the union when its dossier is returned, approved, forwarded or
decided; the district when a dossier is submitted to it or referred back; the province when a batch arrives.
Each recipient gets an item in the app and, when SMTP is configured, an e-mail in their own language, sent in
the background only after the change has been committed."""
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

# topic -> (message with %(…)s from params, the role told, whose organisation: the dossier's union, its district,
# its province)
TOPICS = {
    "submitted": (N_("Hồ sơ số %(id)s (%(subject)s) của %(union)s đã được nộp, chờ thẩm định."), "reviewer", "district"),
    "resubmitted": (N_("Hồ sơ số %(id)s (%(subject)s) của %(union)s đã được nộp lại (lần %(round)s) sau khi sửa."),
                    "reviewer", "district"),
    "returned": (N_("Hồ sơ số %(id)s (%(subject)s) bị trả lại. Lý do: %(reason)s"), "officer", "union"),
    "approved": (N_("Hồ sơ số %(id)s (%(subject)s) đã được thẩm định đạt."), "officer", "union"),
    "forwarded": (N_("Hồ sơ số %(id)s (%(subject)s) đã được chuyển lên LĐLĐ tỉnh."), "officer", "union"),
    "accepted": (N_("Hồ sơ số %(id)s (%(subject)s) được chấp thuận."), "officer", "union"),
    "rejected": (N_("Hồ sơ số %(id)s (%(subject)s) không được chấp thuận. Lý do: %(reason)s"), "officer", "union"),
    "referred_back": (N_("Hồ sơ số %(id)s (%(subject)s) được LĐLĐ tỉnh chuyển lại. Lý do: %(reason)s"),
                      "reviewer", "district"),
    "batch_received": (N_("Đã nhận đợt chuyển số %(number)s của %(sender)s: %(count)s hồ sơ chờ quyết định."),
                       "liaison", "province"),
}

EVENT_TOPICS = {"return": "returned", "approve": "approved", "forward": "forwarded", "accept": "accepted",
                "reject": "rejected", "refer_back": "referred_back"}


def topic_for_event(event_name: str, dossier) -> str | None:
    if event_name == "submit":
        return "resubmitted" if dossier.round > 1 else "submitted"
    return EVENT_TOPICS.get(event_name)


def message(notification: Notification) -> str:
    """The item's text in the current language."""
    return gettext(TOPICS[notification.topic][0], **notification.params)


def notify_dossier_event(event_name: str, dossier, comment: str | None) -> None:
    topic = topic_for_event(event_name, dossier)
    if topic is None:
        return
    _, role, level = TOPICS[topic]
    organisation_id = {"union": dossier.organisation_id, "district": dossier.reviewing_org_id,
                       "province": dossier.deciding_org_id}[level]
    from ..dossiers.kinds import KINDS

    subject = KINDS[dossier.kind].subject(dossier.submitted_data or dossier.data)  # as the federations know it
    params = {"id": dossier.id, "subject": subject, "union": dossier.organisation.name,
              "reason": comment or "", "round": dossier.round}
    _notify(topic, role, organisation_id, params, dossier_id=dossier.id)


def notify_batch_received(batch) -> None:
    params = {"number": batch.document.number if batch.document else batch.id, "sender": batch.organisation.name,
              "count": len(batch.dossiers)}
    _notify("batch_received", "liaison", batch.organisation.parent_id, params, batch_id=batch.id)


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
                         else ("dossiers.show_batch", {"batch_id": links["batch_id"]})))
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
