from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..extensions import JSONType, db
from ..i18n import N_

# What an audit row records, as shown on the pages (msgids).
ACTIONS = {
    "organisation.create": N_("Thành lập đơn vị"),
    "organisation.rename": N_("Đổi tên"),
    "organisation.move": N_("Chuyển sang tổ chức cấp trên khác"),
    "organisation.header": N_("Sửa thông tin trên văn bản"),
    "organisation.end": N_("Kết thúc hoạt động"),
    "user.create": N_("Tạo tài khoản"),
    "user.update": N_("Sửa tài khoản"),
    "user.deactivate": N_("Khóa tài khoản"),
    "user.reactivate": N_("Mở lại tài khoản"),
    "user.reset_password": N_("Đặt lại mật khẩu"),
    "user.unlock": N_("Gỡ tạm khóa đăng nhập"),
    "user.move": N_("Chuyển đơn vị"),
    "campaign.create": N_("Tạo kế hoạch"),
    "campaign.update": N_("Sửa kế hoạch"),
    "rule_set.create": N_("Thêm bộ quy định"),
    "route.create": N_("Thêm tuyến xét duyệt"),
    "import": N_("Nhập từ Excel"),
}

# The fields an audit row names, as shown (msgids); others show their own name.
FIELD_LABELS = {
    "code": N_("Mã"), "name": N_("Tên"), "level": N_("Cấp"), "header_name": N_("Tên trên tiêu đề"),
    "short_header_name": N_("Tên viết tắt trên tiêu đề"), "abbreviation": N_("Chữ viết tắt trong số văn bản"),
    "place_name": N_("Địa danh"), "signing_body": N_("Tập thể lãnh đạo"), "head_title": N_("Chức danh người đứng đầu"),
    "head_name": N_("Họ tên người đứng đầu"), "valid_from": N_("Từ ngày"), "valid_to": N_("Đến ngày"),
    "parent": N_("Trực thuộc"), "on": N_("Từ ngày"), "successor": N_("Đơn vị kế thừa"), "reason": N_("Lý do"),
    "units": N_("Đơn vị trực thuộc"), "users": N_("Tài khoản"), "dossiers": N_("Hồ sơ"),
    "username": N_("Tên đăng nhập"), "full_name": N_("Họ và tên"), "role": N_("Vai trò"), "email": N_("E-mail"),
    "active": N_("Đang hoạt động"), "organisation_id": N_("Tổ chức"), "method": N_("Cách đặt lại"),
    "context": N_("Nơi thực hiện"), "locked_until": N_("Tạm khóa đăng nhập đến"),
    "failed_logins": N_("Số lần nhập sai mật khẩu liên tiếp"),
    "signing_authority": N_("Cách ký"), "signer_title": N_("Chức danh người ký"), "signer_name": N_("Họ tên người ký"),
    "drafting_unit": N_("Đơn vị soạn thảo"), "finance_office": N_("Bộ phận tài chính"),
    "office_address": N_("Địa điểm làm việc"), "record_approval": N_("Lãnh đạo duyệt biên bản thẩm định"),
    "signed_by_signer": N_("Văn bản trình ký"), "signs_documents": N_("Ký văn bản của đơn vị"),
    "job_title": N_("Chức vụ"),
    "kind": N_("Loại hồ sơ"), "jurisdiction_id": N_("Phạm vi áp dụng"), "basis": N_("Căn cứ"),
    "citation": N_("Trích dẫn căn cứ trên văn bản"), "fund": N_("Nguồn kinh phí"), "params": N_("Tham số"),
    "steps": N_("Các cấp xét duyệt"),
}


class AdminChange(db.Model):
    """Append-only. `organisation_id` is the unit the change concerns (a user's organisation, a plan's issuer, a
    rule set's jurisdiction), so that an admin sees the changes of their subtree; `subject_*` names the row."""

    __tablename__ = "admin_change"
    __table_args__ = (
        sa.Index("ix_admin_change_subject", "subject_type", "subject_id", "id"),
        sa.Index("ix_admin_change_organisation", "organisation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))  # None: the server's operator
    action: Mapped[str] = mapped_column(sa.String(40))
    subject_type: Mapped[str] = mapped_column(sa.String(20))  # organisation, user, campaign, rule_set, route
    subject_id: Mapped[int]
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    before: Mapped[dict | None] = mapped_column(JSONType)
    after: Mapped[dict | None] = mapped_column(JSONType)

    actor = relationship("User", foreign_keys=[actor_id])

    @staticmethod
    def field_label(field: str) -> str:
        """A msgid, translated where shown."""
        return FIELD_LABELS.get(field, field)

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field that differs, in a stable order."""
        before, after = self.before or {}, self.after or {}
        return [(key, before.get(key), after.get(key)) for key in sorted(set(before) | set(after))
                if before.get(key) != after.get(key)]


def plain(value):
    """A value as stored in an audit row's JSON."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value
