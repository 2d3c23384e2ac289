"""Support for surgery of a member's child with congenital heart disease or a cleft lip/palate.

Programme "Vì trái tim và nụ cười trẻ thơ" 2014–2018, QĐ 378/QĐ-TLĐ ngày 28/3/2014 (Quỹ Bảo trợ Trẻ em
của Công đoàn Việt Nam): a child of a member, under 16, with a surgical indication, from a family in one
of the listed hardships; at most 50,000,000 đ per heart surgery and 10,000,000 đ per cleft surgery,
special cases decided by the Fund's standing board. The numbers live in the rule set (seeded in
workflow/seed.py), not here.
"""
from __future__ import annotations

from datetime import date
from typing import Literal

from flask_babel import gettext
from pydantic import Field

from ...formatting import format_amount, format_date, format_money
from ...i18n import N_
from .base import GENDERS, MAX_VND, DossierKind, ParamsModel, PersonData, RuleContext, add_years, field

DIAGNOSIS_GROUPS = {
    "congenital_heart": N_("Tim bẩm sinh"),
    "cleft_lip": N_("Khe hở môi"),
    "cleft_palate": N_("Khe hở vòm miệng"),
    "cleft_lip_palate": N_("Khe hở môi và vòm miệng"),
}

HARDSHIP_CRITERIA = {
    "orphan_both": N_("Mồ côi cả cha và mẹ"),
    "orphan_one": N_("Mồ côi cha hoặc mẹ"),
    "parent_accident_31pct": N_("Cha hoặc mẹ bị tai nạn lao động, suy giảm khả năng lao động từ 31% trở lên"),
    "parent_critical_illness": N_("Cha hoặc mẹ mắc bệnh hiểm nghèo"),
    "parent_lost_job": N_("Cha hoặc mẹ mất việc làm hoặc việc làm không ổn định"),
    "single_mother": N_("Nữ đoàn viên đơn thân nuôi con"),
}


class ChildHeartData(PersonData):
    child_full_name: str | None = field("Họ và tên trẻ", min_length=2, max_length=100)
    child_birth_date: date | None = field("Ngày sinh của trẻ")
    child_gender: Literal["male", "female"] | None = field("Giới tính của trẻ", choices=GENDERS)
    diagnosis_group: Literal["congenital_heart", "cleft_lip", "cleft_palate", "cleft_lip_palate"] | None = field(
        "Nhóm bệnh", choices=DIAGNOSIS_GROUPS)
    diagnosis: str | None = field("Chẩn đoán", max_length=300)
    hospital: str | None = field("Bệnh viện chỉ định phẫu thuật", max_length=200)
    surgery_indicated_on: date | None = field("Ngày chỉ định phẫu thuật")
    estimated_cost_vnd: int | None = field("Chi phí phẫu thuật dự kiến (đồng)", ge=0, le=MAX_VND)
    requested_amount_vnd: int | None = field("Số tiền đề nghị hỗ trợ (đồng)", gt=0, le=MAX_VND)
    hardship_criteria: list[Literal[tuple(HARDSHIP_CRITERIA)]] | None = field(  # type: ignore[valid-type]
        "Hoàn cảnh gia đình (tiêu chí QĐ 378/QĐ-TLĐ)", choices=HARDSHIP_CRITERIA,
        missing_message=N_("Chọn ít nhất một hoàn cảnh theo QĐ 378/QĐ-TLĐ."))
    special_case: bool | None = field("Trường hợp đặc biệt (Thường trực Hội đồng quản lý Quỹ xem xét)", required=False)


class ChildHeartCaps(ParamsModel):
    congenital_heart: int = Field(gt=0, le=MAX_VND, description=N_("Mức hỗ trợ tối đa một ca phẫu thuật tim (đồng)"))
    cleft: int = Field(gt=0, le=MAX_VND,
                       description=N_("Mức hỗ trợ tối đa một ca phẫu thuật hở môi / vòm miệng (đồng)"))


class ChildHeartParams(ParamsModel):
    max_age_years: int = Field(gt=0, le=18, description=N_("Trẻ phải dưới số tuổi này vào ngày nộp hồ sơ"),
                               json_schema_extra={"x-unit": "age"})
    caps_vnd: ChildHeartCaps = Field(description=N_("Mức hỗ trợ tối đa mỗi ca"))


def age_limit_reached(birth_date: date, on: date, max_age: int) -> bool:
    """True from the `max_age`-th birthday on: the birthday itself is too late."""
    return on >= add_years(birth_date, max_age)


class ChildHeart(DossierKind):
    code = "child_heart"
    title = N_("Hỗ trợ phẫu thuật cho trẻ em bệnh tim bẩm sinh, khe hở môi - vòm miệng")
    short_title = N_("Trẻ em tim bẩm sinh / hở môi vòm miệng")
    request_phrase = "hỗ trợ kinh phí phẫu thuật cho con của đoàn viên"
    Data = ChildHeartData
    Params = ChildHeartParams
    attachment_types = {
        "surgery_indication": (N_("Giấy chỉ định phẫu thuật"), True),
        "birth_certificate": (N_("Giấy khai sinh của trẻ"), True),
        "hardship_evidence": (N_("Giấy tờ chứng minh hoàn cảnh"), False),
        "cost_estimate": (N_("Dự toán chi phí của bệnh viện"), False),
    }
    list_columns = [
        ("Họ và tên trẻ", lambda shown: shown["child_full_name"]),
        ("Ngày sinh của trẻ", lambda shown: shown["child_birth_date"]),
        ("Chẩn đoán", lambda shown: f'{shown["diagnosis_group"]}: {shown["diagnosis"]}'),
        ("Bệnh viện, ngày chỉ định", lambda shown: f'{shown["hospital"]}, {shown["surgery_indicated_on"]}'),
        ("Hoàn cảnh (QĐ 378/QĐ-TLĐ)", lambda shown: shown["hardship_criteria"]),
        ("Chi phí dự kiến", lambda shown: shown["estimated_cost_vnd"]),
    ]

    @classmethod
    def criteria(cls, params):
        age = f"dưới {params.max_age_years} tuổi" if params else "trong độ tuổi"
        caps = (f" (tối đa {format_amount(params.caps_vnd.congenital_heart)} đồng một ca tim bẩm sinh, "
                f"{format_amount(params.caps_vnd.cleft)} đồng một ca hở môi, vòm miệng)") if params else ""
        return [*super().criteria(params),
                (f"Trẻ là con của đoàn viên, {age} vào ngày nộp hồ sơ", ("child_full_name", "child_birth_date",
                                                                          "child_gender")),
                ("Bệnh tim bẩm sinh hoặc khe hở môi, vòm miệng có chỉ định phẫu thuật của bệnh viện",
                 ("diagnosis_group", "diagnosis", "hospital", "surgery_indicated_on")),
                ("Gia đình thuộc diện khó khăn theo tiêu chí của Chương trình", ("hardship_criteria",)),
                ("Số tiền đề nghị không vượt chi phí dự kiến và mức hỗ trợ tối đa" + caps,
                 ("estimated_cost_vnd", "requested_amount_vnd", "special_case"))]

    @classmethod
    def rules(cls, values: ChildHeartData, ctx: RuleContext):
        yield from super().rules(values, ctx)
        on, params = ctx.on, ctx.params
        max_age = params.max_age_years
        if values.child_birth_date:
            if values.child_birth_date > on:
                yield "child_birth_date", gettext("Ngày sinh của trẻ không được sau ngày lập hồ sơ.")
            elif age_limit_reached(values.child_birth_date, on, max_age):
                yield "child_birth_date", gettext(
                    "Trẻ phải dưới %(age)s tuổi vào ngày nộp hồ sơ (%(on)s); trẻ tròn %(age)s tuổi ngày %(birthday)s.",
                    age=max_age, on=format_date(on), birthday=format_date(add_years(values.child_birth_date, max_age)))
        if values.surgery_indicated_on and values.surgery_indicated_on > on:
            yield "surgery_indicated_on", gettext("Ngày chỉ định phẫu thuật không được sau ngày lập hồ sơ.")
        indicated, born = values.surgery_indicated_on, values.child_birth_date
        if born and indicated and indicated < born:
            yield "surgery_indicated_on", gettext("Ngày chỉ định phẫu thuật không được trước ngày sinh của trẻ.")
        requested, estimated = values.requested_amount_vnd, values.estimated_cost_vnd
        if requested and estimated is not None and requested > estimated:
            yield "requested_amount_vnd", gettext("Số tiền đề nghị không được lớn hơn chi phí dự kiến.")
        if requested and values.diagnosis_group and not values.special_case:
            cap_key = "congenital_heart" if values.diagnosis_group == "congenital_heart" else "cleft"
            cap = getattr(params.caps_vnd, cap_key)
            if requested > cap:
                yield "requested_amount_vnd", gettext(
                    "Mức hỗ trợ tối đa cho %(group)s là %(cap)s đồng (trừ trường hợp đặc biệt).",
                    group=gettext(DIAGNOSIS_GROUPS[values.diagnosis_group]).lower(), cap=format_amount(cap))

    @classmethod
    def form_hints(cls, params: ChildHeartParams) -> dict[str, str]:
        return {
            "child_birth_date": gettext("Trẻ phải dưới %(age)s tuổi vào ngày nộp hồ sơ.", age=params.max_age_years),
            "requested_amount_vnd": gettext(
                "Tối đa %(heart)s (tim bẩm sinh), %(cleft)s (khe hở môi, vòm miệng), trừ trường hợp đặc biệt.",
                heart=format_money(params.caps_vnd.congenital_heart), cleft=format_money(params.caps_vnd.cleft)),
        }

    @classmethod
    def subject(cls, data: dict) -> str:
        child = data.get("child_full_name") or "(chưa nhập tên trẻ)"
        parent = data.get("full_name")
        return f"{child} (con của {parent})" if parent else child
