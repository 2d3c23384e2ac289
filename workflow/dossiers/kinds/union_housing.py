"""Support to build or repair a member's house ("Mái ấm Công đoàn").

No national cap was found (shared/reference/domain-research.md §A.2): each provincial federation runs
its own fund with its own cap per house and, in some provinces, a minimum membership (5 years in
Khánh Hòa, QĐ 50/QĐ-LĐ 2019, and in HCMC's export-zone union). Both are rule-set parameters of the
province; the land must be lawful and undisputed (Khánh Hòa QĐ 50/QĐ-LĐ 2019).
"""
from __future__ import annotations

from typing import Literal

from flask_babel import gettext
from pydantic import Field

from ...formatting import format_amount, format_money
from ...i18n import N_
from .base import MAX_VND, DossierKind, ParamsModel, PersonData, RuleContext, field, full_years

SUPPORT_TYPES = {"new_build": N_("Xây mới"), "repair": N_("Sửa chữa")}
HOUSE_CONDITIONS = {
    "no_house": N_("Chưa có nhà ở"),
    "temporary": N_("Nhà tạm"),
    "dilapidated": N_("Nhà dột nát"),
    "severely_damaged": N_("Nhà hư hỏng nặng"),
    "disaster": N_("Nhà bị thiên tai, hỏa hoạn"),
}


class UnionHousingData(PersonData):
    support_type: Literal["new_build", "repair"] | None = field("Hình thức hỗ trợ", choices=SUPPORT_TYPES)
    house_condition: Literal[tuple(HOUSE_CONDITIONS)] | None = field(  # type: ignore[valid-type]
        "Hiện trạng nhà ở", choices=HOUSE_CONDITIONS)
    house_address: str | None = field("Địa chỉ nhà", max_length=300, long=True)
    land_document: str | None = field("Giấy tờ về đất (loại, số)", max_length=200)
    land_undisputed: bool | None = field("Đất hợp pháp, không tranh chấp, không nằm trong quy hoạch")
    estimated_cost_vnd: int | None = field("Tổng dự toán (đồng)", gt=0, le=MAX_VND)
    own_contribution_vnd: int | None = field("Gia đình tự lo (đồng)", ge=0, le=MAX_VND)
    requested_amount_vnd: int | None = field("Số tiền đề nghị hỗ trợ (đồng)", gt=0, le=MAX_VND)
    member_years: int | None = field("Số năm là đoàn viên", ge=0, le=60)
    household_size: int | None = field("Số nhân khẩu", ge=1, le=30)


class HousingCaps(ParamsModel):
    new_build: int = Field(gt=0, le=MAX_VND, description=N_("Mức hỗ trợ tối đa xây mới (đồng/căn)"))
    repair: int = Field(gt=0, le=MAX_VND, description=N_("Mức hỗ trợ tối đa sửa chữa (đồng/căn)"))


class UnionHousingParams(ParamsModel):
    caps_vnd: HousingCaps = Field(description=N_("Mức hỗ trợ tối đa mỗi căn"))
    min_member_years: int | None = Field(default=None, ge=0, le=60,  # as a dossier's member_years
                                         description=N_("Số năm là đoàn viên tối thiểu, nếu có"))


class UnionHousing(DossierKind):
    code = "union_housing"
    title = N_("Hỗ trợ nhà “Mái ấm Công đoàn”")
    short_title = N_("Mái ấm Công đoàn")
    request_phrase = "hỗ trợ nhà “Mái ấm Công đoàn” cho đoàn viên"
    Data = UnionHousingData
    Params = UnionHousingParams
    attachment_types = {
        "application": (N_("Đơn đề nghị có xác nhận của địa phương"), False),
        "land_document": (N_("Giấy tờ về quyền sử dụng đất"), False),
        "house_photo": (N_("Ảnh hiện trạng nhà ở"), True),
        "cost_estimate": (N_("Dự toán xây dựng, sửa chữa"), False),
    }
    list_columns = [
        ("Số năm là đoàn viên", lambda shown: shown["member_years"]),
        ("Địa chỉ nhà", lambda shown: shown["house_address"]),
        ("Hiện trạng nhà", lambda shown: shown["house_condition"]),
        ("Hình thức", lambda shown: shown["support_type"]),
        ("Tổng dự toán", lambda shown: shown["estimated_cost_vnd"]),
    ]

    @classmethod
    def form_hints(cls, params: UnionHousingParams) -> dict[str, str]:
        hints = {"requested_amount_vnd": gettext("Tối đa %(new_build)s (xây mới), %(repair)s (sửa chữa) mỗi căn.",
                                                 new_build=format_money(params.caps_vnd.new_build),
                                                 repair=format_money(params.caps_vnd.repair))}
        if params.min_member_years:
            hints["member_years"] = gettext("Cần từ %(years)s năm là đoàn viên trở lên.", years=params.min_member_years)
        return hints

    @classmethod
    def criteria(cls, params):
        caps = (f" (tối đa {format_amount(params.caps_vnd.new_build)} đồng xây mới, "
                f"{format_amount(params.caps_vnd.repair)} đồng sửa chữa mỗi căn)") if params else ""
        years = (f"; là đoàn viên từ {params.min_member_years} năm trở lên"
                 if params and params.min_member_years else "")
        return [*super().criteria(params),
                ("Hoàn cảnh khó khăn về nhà ở; số năm là đoàn viên, nhân khẩu được kê khai" + years,
                 ("house_condition", "member_years", "household_size")),
                ("Đất ở hợp pháp, không tranh chấp, không nằm trong quy hoạch",
                 ("house_address", "land_document", "land_undisputed")),
                ("Số tiền đề nghị không vượt tổng dự toán và mức hỗ trợ tối đa" + caps,
                 ("support_type", "estimated_cost_vnd", "own_contribution_vnd", "requested_amount_vnd"))]

    @classmethod
    def rules(cls, values: UnionHousingData, ctx: RuleContext):
        yield from super().rules(values, ctx)
        if values.land_undisputed is False:
            yield "land_undisputed", gettext(
                "Chỉ hỗ trợ khi đất ở hợp pháp, không có tranh chấp và không nằm trong quy hoạch.")
        requested, estimated = values.requested_amount_vnd, values.estimated_cost_vnd
        if requested and estimated and requested > estimated:
            yield "requested_amount_vnd", gettext("Số tiền đề nghị không được lớn hơn tổng dự toán.")
        if values.own_contribution_vnd and estimated and values.own_contribution_vnd > estimated:
            yield "own_contribution_vnd", gettext("Phần gia đình tự lo không được lớn hơn tổng dự toán.")
        if requested and values.support_type:
            cap = getattr(ctx.params.caps_vnd, values.support_type)
            if requested > cap:
                yield "requested_amount_vnd", gettext(
                    "Mức hỗ trợ tối đa (%(support_type)s) là %(cap)s đồng mỗi căn.",
                    support_type=gettext(SUPPORT_TYPES[values.support_type]).lower(), cap=format_amount(cap))
        if values.member_years is not None and values.member_since and values.member_since <= ctx.on:
            possible = full_years(values.member_since, ctx.on)
            if values.member_years > possible:
                yield "member_years", gettext("Số năm là đoàn viên không được lớn hơn số năm kể từ ngày vào Công đoàn "
                                              "(%(years)s năm tính đến ngày nộp).", years=possible)
        minimum = ctx.params.min_member_years
        if minimum is not None and values.member_years is not None and values.member_years < minimum:
            yield "member_years", gettext("Cần là đoàn viên từ %(years)s năm trở lên.", years=minimum)
