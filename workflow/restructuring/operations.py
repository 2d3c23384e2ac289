"""Ending an organisation (the district federations of 2025, merged provinces, dissolved grassroots unions).

With a successor: the units under it are placed under the successor from the next day, its users act for the
successor, every open dossier with it on its route (waiting there now, further up, or behind it: a referral back
or a resubmission may return to that level) moves to the successor with a history row and a notice to its union
(nothing is re-issued: documents keep the names they were issued under), a grassroots union's own open dossiers
change hands, and the successor sees what it saw (an access row for each dossier that reached it, and its
batches).
Without one: a grassroots union is dissolved, its open dossiers closed with the reason; an upper organisation may
end so only once nothing is under it and no open dossier has it on its route. The command `flask
end-organisation` and the admin screens call end_organisation; plan_ending tells beforehand what would move."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import g
from flask_babel import gettext

from .. import clock
from ..audit.service import record
from ..auth.models import User
from ..dossiers.models import Dossier, DossierStep
from ..dossiers.operations import close_dossier, take_over_access, transfer_dossier
from ..errors import Forbidden, Invalid
from ..extensions import db
from ..formatting import format_date
from ..orgs.models import LEVEL_RANK, Organisation, OrganisationPlacement
from ..orgs.operations import forget_managed
from ..orgs.tree import subtree_on
from ..states import FINAL_STATES


@dataclass
class Ending:
    organisation: Organisation
    on: date
    successor: Organisation | None
    units: list[Organisation] = field(default_factory=list)  # placed under it after `on`
    users: list[User] = field(default_factory=list)
    dossiers: list[Dossier] = field(default_factory=list)  # open, owned by it or still to pass through it

    @property
    def reason(self) -> str:
        if self.successor is None:
            return gettext("%(org)s kết thúc hoạt động từ ngày %(day)s, không có đơn vị kế thừa.",
                           org=self.organisation.name, day=format_date(self.on + timedelta(days=1)))
        return gettext("%(org)s kết thúc hoạt động từ ngày %(day)s; %(successor)s tiếp nhận.",
                       org=self.organisation.name, day=format_date(self.on + timedelta(days=1)),
                       successor=self.successor.name)


def _placements_after(org: Organisation, on: date) -> list[OrganisationPlacement]:
    return list(db.session.scalars(sa.select(OrganisationPlacement).where(
        OrganisationPlacement.parent_id == org.id,
        sa.or_(OrganisationPlacement.valid_to.is_(None), OrganisationPlacement.valid_to > on))))


def _open_dossiers(org: Organisation) -> list[Dossier]:
    """Open dossiers it owns or that have it anywhere on their route (behind them too: a referral back or a
    resubmission may return to it)."""
    on_route = sa.select(DossierStep.dossier_id).where(DossierStep.organisation_id == org.id,
                                                       DossierStep.dossier_id == Dossier.id)
    return list(db.session.scalars(sa.select(Dossier).where(
        Dossier.state.not_in(FINAL_STATES),
        sa.or_(Dossier.organisation_id == org.id, sa.exists(on_route))).order_by(Dossier.id)))


def plan_ending(actor, org: Organisation, on, successor: Organisation | None) -> Ending:
    """Check an ending and list what it would move; changes nothing."""
    if actor.role == "admin":
        # Within their own federation only, and never the federation itself: its users (the admin among them)
        # would move to the successor, an organisation the admin does not manage.
        managed = subtree_on(actor.organisation, clock.today())
        if org not in managed or org.id == actor.organisation_id:
            raise Forbidden(gettext("Tổ chức này không thuộc phạm vi quản lý của bạn."))
        if successor is not None and successor not in managed:
            raise Forbidden(gettext("Đơn vị kế thừa không thuộc phạm vi quản lý của bạn."))
    elif actor.role != "operator":
        raise Forbidden(gettext("Chỉ quản trị hệ thống được kết thúc hoạt động của một tổ chức."))
    errors: dict[str, list[str]] = {}
    if not isinstance(on, date):
        errors["on"] = [gettext("Nhập ngày kết thúc hoạt động (dd/mm/yyyy).")]
    elif on > clock.today():
        errors["on"] = [gettext("Ngày kết thúc hoạt động không được sau hôm nay; hãy thực hiện vào ngày đó.")]
    elif org.valid_to is not None:
        errors["on"] = [gettext("%(org)s đã kết thúc hoạt động từ ngày %(day)s.", org=org.name,
                                day=format_date(org.valid_to + timedelta(days=1)))]
    elif org.valid_from is not None and on < org.valid_from:
        errors["on"] = [gettext("Ngày kết thúc hoạt động không được trước ngày thành lập (%(day)s).",
                                day=format_date(org.valid_from))]
    if errors:
        raise Invalid(gettext("Chưa thể kết thúc hoạt động."), errors)
    ending = Ending(org, on, successor, units=[p.organisation for p in _placements_after(org, on)],
                    users=list(db.session.scalars(sa.select(User).where(User.organisation_id == org.id)
                                                  .order_by(User.username))),
                    dossiers=_open_dossiers(org))
    day_after = on + timedelta(days=1)
    if successor is not None:
        parent = org.parent_on(on)
        if successor.id == org.id or not successor.in_force(day_after):
            errors["successor"] = [gettext("Đơn vị kế thừa phải là một tổ chức khác, đang hoạt động từ ngày %(day)s.",
                                           day=format_date(day_after))]
        elif org.level == "grassroots" and successor.level != "grassroots":
            # Its officers act for the successor: an upper organisation would own dossiers it also reviews.
            errors["successor"] = [gettext("Đơn vị kế thừa của một công đoàn cơ sở phải là một công đoàn cơ sở.")]
        elif successor.level != org.level and successor != parent:
            errors["successor"] = [gettext("Đơn vị kế thừa phải cùng cấp với %(org)s, hoặc là tổ chức cấp trên của "
                                           "nó (%(parent)s).", org=org.name, parent=parent.name if parent else "—")]
        elif successor in subtree_on(org, on):
            errors["successor"] = [gettext("Đơn vị kế thừa không được là đơn vị trực thuộc %(org)s.", org=org.name)]
        elif LEVEL_RANK[successor.level] < LEVEL_RANK[org.level]:
            errors["successor"] = [gettext("Đơn vị kế thừa không được ở cấp thấp hơn.")]
    elif org.level != "grassroots" and (ending.units or ending.dossiers):
        errors["successor"] = [gettext(
            "Còn %(units)s đơn vị trực thuộc và %(dossiers)s hồ sơ đang chờ: chọn đơn vị kế thừa (ví dụ tổ chức cấp "
            "trên) để tiếp nhận.", units=len(ending.units), dossiers=len(ending.dossiers))]
    if errors:
        raise Invalid(gettext("Chưa thể kết thúc hoạt động."), errors)
    return ending


def end_organisation(actor, org: Organisation, on: date, successor: Organisation | None = None,
                     reason: str | None = None) -> Ending:
    """End `org` on `on` (its last day) and hand what it held to `successor`; see the module's text."""
    ending = plan_ending(actor, org, on, successor)
    text = ending.reason + (f" {reason.strip()}" if reason and reason.strip() else "")
    day_after = on + timedelta(days=1)
    org.valid_to, org.successor = on, successor
    for placement in list(org.placements):  # it sits nowhere after its last day
        if placement.valid_from is not None and placement.valid_from > on:
            org.placements.remove(placement)  # a move it never made
            db.session.delete(placement)
        elif placement.valid_to is None or placement.valid_to > on:
            placement.valid_to = on
    for placement in _placements_after(org, on):
        if placement.valid_from is not None and placement.valid_from > on:
            placement.parent = successor
        else:
            db.session.add(OrganisationPlacement(organisation=placement.organisation, parent=successor,
                                                 valid_from=day_after, valid_to=placement.valid_to))
            placement.valid_to = on
    if successor is not None:
        for user in ending.users:
            user.organisation = successor
    db.session.flush()
    g.pop("predecessor_ids", None)  # the successor now speaks for the ended organisation
    forget_managed()
    for dossier in ending.dossiers:
        if successor is not None:
            transfer_dossier(actor, dossier, org, successor, text)
        else:
            close_dossier(actor, dossier, text, org)
    if successor is not None:
        take_over_access(org, successor)
    record(actor, "organisation.end", "organisation", org.id, org.id, {"valid_to": None},
           {"valid_to": on, "successor": successor.code if successor else None, "reason": text,
            "units": len(ending.units), "users": len(ending.users), "dossiers": len(ending.dossiers)})
    db.session.flush()
    return ending
