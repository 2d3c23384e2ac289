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

from pydantic import Field

from .base import DossierKind, GENDERS, MAX_VND, ParamsModel, PersonData, RuleContext, add_years, field
from ..formatting import format_money
from .kinds import register

DIAGNOSIS_GROUPS = {
    "congenital_heart": "Tim bẩm sinh",
    "cleft_lip": "Khe hở môi",
    "cleft_palate": "Khe hở vòm miệng",
    "cleft_lip_palate": "Khe hở môi và vòm miệng",
}

HARDSHIP_CRITERIA = {
    "orphan_both": "Mồ côi cả cha và mẹ",
    "orphan_one": "Mồ côi cha hoặc mẹ",
    "parent_accident_31pct": "Cha hoặc mẹ bị tai nạn lao động, suy giảm khả năng lao động từ 31% trở lên",
    "parent_critical_illness": "Cha hoặc mẹ mắc bệnh hiểm nghèo",
    "parent_lost_job": "Cha hoặc mẹ mất việc làm hoặc việc làm không ổn định",
    "single_mother": "Nữ đoàn viên đơn thân nuôi con",
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
        missing_message="Chọn ít nhất một hoàn cảnh theo QĐ 378/QĐ-TLĐ.")
    special_case: bool | None = field("Trường hợp đặc biệt (Thường trực Hội đồng quản lý Quỹ xem xét)", required=False)


class ChildHeartCaps(ParamsModel):
    congenital_heart: int = Field(gt=0, description="Mức hỗ trợ tối đa một ca phẫu thuật tim (đồng)")
    cleft: int = Field(gt=0, description="Mức hỗ trợ tối đa một ca phẫu thuật hở môi / vòm miệng (đồng)")


class ChildHeartParams(ParamsModel):
    max_age_years: int = Field(gt=0, le=18, description="Trẻ phải dưới số tuổi này vào ngày nộp hồ sơ")
    caps_vnd: ChildHeartCaps


def age_limit_reached(birth_date: date, on: date, max_age: int) -> bool:
    """True from the `max_age`-th birthday on: the birthday itself is too late."""
    return on >= add_years(birth_date, max_age)


@register
class ChildHeart(DossierKind):
    code = "child_heart"
    title = "Hỗ trợ phẫu thuật cho trẻ em bệnh tim bẩm sinh, khe hở môi - vòm miệng"
    short_title = "Trẻ em tim bẩm sinh / hở môi vòm miệng"
    request_phrase = "hỗ trợ kinh phí phẫu thuật cho con của đoàn viên"
    Data = ChildHeartData
    Params = ChildHeartParams
    attachment_types = {
        "surgery_indication": ("Giấy chỉ định phẫu thuật", True),
        "birth_certificate": ("Giấy khai sinh của trẻ", True),
        "hardship_evidence": ("Giấy tờ chứng minh hoàn cảnh", False),
        "cost_estimate": ("Dự toán chi phí của bệnh viện", False),
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
    def rules(cls, values: ChildHeartData, ctx: RuleContext):
        yield from super().rules(values, ctx)
        on, params = ctx.on, ctx.params
        max_age = params.max_age_years
        if values.child_birth_date:
            if values.child_birth_date > on:
                yield "child_birth_date", "Ngày sinh của trẻ không được sau ngày lập hồ sơ."
            elif age_limit_reached(values.child_birth_date, on, max_age):
                yield "child_birth_date", (
                    f"Trẻ phải dưới {max_age} tuổi vào ngày nộp hồ sơ ({on:%d/%m/%Y}); "
                    f"trẻ tròn {max_age} tuổi ngày {add_years(values.child_birth_date, max_age):%d/%m/%Y}.")
        if values.surgery_indicated_on and values.surgery_indicated_on > on:
            yield "surgery_indicated_on", "Ngày chỉ định phẫu thuật không được sau ngày lập hồ sơ."
        if values.child_birth_date and values.surgery_indicated_on and values.surgery_indicated_on < values.child_birth_date:
            yield "surgery_indicated_on", "Ngày chỉ định phẫu thuật không được trước ngày sinh của trẻ."
        requested, estimated = values.requested_amount_vnd, values.estimated_cost_vnd
        if requested and estimated is not None and requested > estimated:
            yield "requested_amount_vnd", "Số tiền đề nghị không được lớn hơn chi phí dự kiến."
        if requested and values.diagnosis_group and not values.special_case:
            cap_key = "congenital_heart" if values.diagnosis_group == "congenital_heart" else "cleft"
            cap = getattr(params.caps_vnd, cap_key)
            if requested > cap:
                yield "requested_amount_vnd", (
                    f"Mức hỗ trợ tối đa cho {DIAGNOSIS_GROUPS[values.diagnosis_group].lower()} là "
                    f"{cap:,} đồng".replace(",", ".") + " (trừ trường hợp đặc biệt).")

    @classmethod
    def form_hints(cls, params: ChildHeartParams) -> dict[str, str]:
        return {
            "child_birth_date": f"Trẻ phải dưới {params.max_age_years} tuổi vào ngày nộp hồ sơ.",
            "requested_amount_vnd": f"Tối đa {format_money(params.caps_vnd.congenital_heart)} (tim bẩm sinh), "
                                    f"{format_money(params.caps_vnd.cleft)} (khe hở môi, vòm miệng), trừ trường hợp đặc biệt.",
        }

    @classmethod
    def subject(cls, data: dict) -> str:
        child = data.get("child_full_name") or "(chưa nhập tên trẻ)"
        parent = data.get("full_name")
        return f"{child} (con của {parent})" if parent else child
