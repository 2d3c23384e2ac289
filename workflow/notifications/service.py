"""Notifications: an item in the app for each recipient and, when SMTP is configured, an e-mail in their own
language, sent in the background only after the change has been committed. Who hears of what is decided by the
code that knows the dossiers (dossiers/notices.py); here are the messages and their delivery."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..auth.models import User
from ..extensions import db
from ..i18n import DEFAULT_LOCALE, N_
from ..jobs import app_context, huey
from ..web import public_address
from .models import Notification

# topic -> message with %(…)s from the item's params
TOPICS = {
    "submitted": N_("Hồ sơ số %(id)s (%(subject)s) của %(union)s đã được nộp, chờ xử lý."),
    "resubmitted": N_("Hồ sơ số %(id)s (%(subject)s) của %(union)s đã được nộp lại (lần %(round)s) sau khi sửa."),
    "returned": N_("Hồ sơ số %(id)s (%(subject)s) bị trả lại. Lý do: %(reason)s"),
    "approved": N_("Hồ sơ số %(id)s (%(subject)s) đã được %(org)s thẩm định đạt."),
    "forwarded": N_("Hồ sơ số %(id)s (%(subject)s) đã được chuyển lên %(org)s."),
    "accepted": N_("Hồ sơ số %(id)s (%(subject)s) được %(org)s chấp thuận."),
    "rejected": N_("Hồ sơ số %(id)s (%(subject)s) không được chấp thuận. Lý do: %(reason)s"),
    "referred_back": N_("Hồ sơ số %(id)s (%(subject)s) được cấp trên chuyển lại. Lý do: %(reason)s"),
    "closed": N_("Hồ sơ số %(id)s (%(subject)s) đã được đóng. Lý do: %(reason)s"),
    "transferred": N_("Hồ sơ số %(id)s (%(subject)s) từ nay do %(org)s xử lý. Lý do: %(reason)s"),
    "transferred_in": N_("Hồ sơ số %(id)s (%(subject)s) của %(union)s được chuyển đến đơn vị bạn xử lý. "
                         "Lý do: %(reason)s"),
    "batch_received": N_("Đã nhận đợt chuyển số %(number)s của %(sender)s: %(count)s hồ sơ chờ xử lý."),
    "signing_requested": N_("%(actor)s trình ký: %(summary)s."),
    "signing_returned": N_("%(signer)s trả lại văn bản trình ký (%(summary)s). Lý do: %(reason)s"),
    "report_received": N_("%(org)s đã gửi báo cáo tổng kết số %(number)s về Kế hoạch số %(plan)s."),
}


def link_of(notification_links: dict) -> tuple[str, dict]:
    """The page an item leads to (endpoint, values): its dossier, its batch, its plan's report, or else (a
    signing request for no dossier, such as a report) the signer's queue."""
    if notification_links.get("dossier_id"):
        return "dossiers.show", {"dossier_id": notification_links["dossier_id"]}
    if notification_links.get("batch_id"):
        return "batches.show", {"batch_id": notification_links["batch_id"]}
    if notification_links.get("campaign_id"):
        return "reports.show", {"campaign_id": notification_links["campaign_id"]}
    return "signing.index", {}


def message(notification: Notification) -> str:
    """The item's text in the current language."""
    return gettext(TOPICS[notification.topic], **notification.params)


def notify(topic: str, role: str, organisation_id: int | None, params: dict, **links) -> None:
    """An item for each active user of that role in that organisation (and a mail, when SMTP is set)."""
    if organisation_id is None:
        return
    recipients = db.session.scalars(sa.select(User).where(
        User.organisation_id == organisation_id, User.role == role, User.active.is_(True))).all()
    notify_users(topic, recipients, params, **links)


def notify_users(topic: str, recipients, params: dict, **links) -> None:
    """An item for each of these users (and a mail, when SMTP is set)."""
    outbox = db.session.info.setdefault("outbox", [])
    for user in recipients:
        item = Notification(user_id=user.id, topic=topic, params=params, **links)
        db.session.add(item)
        if user.email and current_app.config.get("MAIL_ENABLED"):
            outbox.append((item, _mail_for(user, item, links)))


def _mail_for(user: User, item: Notification, links: dict) -> dict:
    """Rendered now, while the request (for addresses) and the database are at hand; sent after commit."""
    with force_locale(user.locale or DEFAULT_LOCALE):
        text = gettext(TOPICS[item.topic], **item.params)
        url = public_address(*link_of(links))
        line = " ".join(text.split())  # a reason typed over several lines must not break the header
        subject = gettext("[Hồ sơ Công đoàn] %(text)s", text=line if len(line) < 90 else line[:87] + "…")
        body = "\n\n".join([gettext("Kính gửi %(name)s,", name=user.full_name), text,
                            gettext("Xem chi tiết: %(url)s", url=url),
                            gettext("Thư này được gửi tự động từ hệ thống Hồ sơ Công đoàn; vui lòng không trả lời.")])
    return {"to": user.email, "subject": subject, "body": body}


@event.listens_for(Session, "after_commit")
def _send_committed_mail(session):
    if session.in_nested_transaction():  # a savepoint released: the real commit is still to come
        return
    outbox = session.info.pop("outbox", [])
    for item, mail in outbox:
        if inspect(item).persistent:  # an item undone with its savepoint is not sent
            send_mail_task(mail["to"], mail["subject"], mail["body"])


@event.listens_for(Session, "after_rollback")
def _drop_unsent_mail(session):
    if not session.in_nested_transaction():  # after a savepoint's rollback, what it undid is no longer persistent
        session.info.pop("outbox", None)


@huey.task(retries=3, retry_delay=60)
def send_mail_task(to: str, subject: str, body: str) -> None:
    from flask_mailman import EmailMessage

    with app_context():
        EmailMessage(subject=subject, body=body, to=[to]).send()
