"""Aid to a member after a labour accident, an occupational disease, a critical illness or another
special hardship, paid on an occasion (Tết, Tháng Công nhân) whose cap per person the plan sets (e.g.
the Confederation's Tết Bính Ngọ 2026 plan: 1,300,000 đ, of which 1,000,000 đ in cash). One aid per
person (citizen ID) per occasion across every union of the system.
"""
from __future__ import annotations

import unicodedata
from datetime import date
from typing import Annotated, Literal

from flask_babel import gettext
from pydantic import Field, StringConstraints

from ...formatting import format_amount, format_money
from ...i18n import N_
from .base import MAX_VND, DossierKind, ParamsModel, PersonData, RuleContext, field

CASE_TYPES = {
    "labour_accident": N_("Tai nạn lao động"),
    "occupational_disease": N_("Bệnh nghề nghiệp"),
    "critical_illness": N_("Bệnh hiểm nghèo"),
    "special_hardship": N_("Hoàn cảnh đặc biệt khó khăn"),
}


def normalise_occasion(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


class AccidentAidData(PersonData):
    case_type: Literal[tuple(CASE_TYPES)] | None = field("Trường hợp", choices=CASE_TYPES)  # type: ignore[valid-type]
    occurred_on: date | None = field("Ngày xảy ra (tai nạn, phát hiện bệnh)")
    description: str | None = field("Hoàn cảnh, diễn biến", max_length=2000, long=True)
    capacity_loss_pct: int | None = field("Tỷ lệ suy giảm khả năng lao động (%)", required=False, ge=0, le=100)
    occasion: str | None = field("Dịp hỗ trợ", max_length=100)
    requested_amount_vnd: int | None = field("Số tiền đề nghị hỗ trợ (đồng)", gt=0, le=MAX_VND)


class AccidentAidParams(ParamsModel):
    # An occasion's name is what a dossier's `occasion` (at most 100 characters) is matched with.
    occasions: dict[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)],
                    Annotated[int, Field(gt=0, le=MAX_VND)]] = Field(
        min_length=1, max_length=100, description=N_("Dịp hỗ trợ và mức tối đa mỗi người (đồng)"),
        # How the admin's form shows the pairs: one row per occasion, its name and its cap in đồng.
        json_schema_extra={"x-key-label": N_("Dịp hỗ trợ"), "x-value-label": N_("Mức tối đa mỗi người"),
                           "x-unit": "vnd"})


class AccidentAid(DossierKind):
    code = "accident_aid"
    title = N_("Hỗ trợ công nhân lao động bị tai nạn lao động, bệnh nghề nghiệp, hoàn cảnh đặc biệt khó khăn")
    short_title = N_("TNLĐ, BNN, hoàn cảnh khó khăn")
    request_phrase = "hỗ trợ đoàn viên bị tai nạn lao động, bệnh nghề nghiệp, có hoàn cảnh đặc biệt khó khăn"
    Data = AccidentAidData
    Params = AccidentAidParams
    attachment_types = {
        "application": (N_("Đơn đề nghị hỗ trợ"), True),
        # required when a percentage of capacity lost is given
        "capacity_assessment": (N_("Biên bản giám định mức suy giảm khả năng lao động"), False),
        "accident_report": (N_("Biên bản điều tra tai nạn lao động"), False),
        "discharge_paper": (N_("Giấy ra viện"), False),
    }
    list_columns = [
        ("Trường hợp", lambda shown: shown["case_type"]),
        ("Ngày xảy ra", lambda shown: shown["occurred_on"]),
        ("Tỷ lệ suy giảm KNLĐ", lambda shown: f'{shown["capacity_loss_pct"]}%' if shown["capacity_loss_pct"] else ""),
        ("Hoàn cảnh tóm tắt", lambda shown: shown["description"][:200]),
        ("Dịp", lambda shown: shown["occasion"]),
    ]

    @classmethod
    def required_attachments(cls, data: dict) -> dict[str, str]:
        required = super().required_attachments(data)
        if data.get("capacity_loss_pct") is not None:
            required["capacity_assessment"] = cls.attachment_types["capacity_assessment"][0]
        return required

    @classmethod
    def form_hints(cls, params: AccidentAidParams) -> dict[str, str]:
        occasions = "; ".join(gettext("%(occasion)s (tối đa %(cap)s)", occasion=name, cap=format_money(cap))
                              for name, cap in params.occasions.items())
        return {"occasion": gettext("Các dịp đang áp dụng: %(occasions)s.", occasions=occasions)}

    @classmethod
    def form_choices(cls, params: AccidentAidParams) -> dict[str, dict[str, str]]:
        # Chosen, not typed: the names exactly as the rule set in force lists them, each with its cap.
        return {"occasion": {name: gettext("%(occasion)s (tối đa %(cap)s)", occasion=name, cap=format_money(cap))
                             for name, cap in params.occasions.items()}}

    @classmethod
    def same_choice(cls, name: str, value) -> bool:
        """Whether a stored or posted value is the listed choice `name` (case, spacing and Unicode form aside)."""
        return isinstance(value, str) and normalise_occasion(value) == normalise_occasion(name)

    @classmethod
    def criteria(cls, params):
        occasions = ("; ".join(f"{name}: tối đa {format_amount(cap)} đồng" for name, cap in params.occasions.items())
                     if params else "")
        return [*super().criteria(params),
                ("Đoàn viên bị tai nạn lao động, bệnh nghề nghiệp hoặc có hoàn cảnh đặc biệt khó khăn",
                 ("case_type", "occurred_on", "description", "capacity_loss_pct")),
                ("Dịp hỗ trợ và số tiền đề nghị theo mức của kế hoạch" + (f" ({occasions})" if occasions else ""),
                 ("occasion", "requested_amount_vnd"))]

    @classmethod
    def rules(cls, values: AccidentAidData, ctx: RuleContext):
        yield from super().rules(values, ctx)
        if values.occurred_on and values.occurred_on > ctx.on:
            yield "occurred_on", gettext("Ngày xảy ra không được sau ngày nộp hồ sơ.")
        if values.occasion:
            caps = {normalise_occasion(name): (name, cap) for name, cap in ctx.params.occasions.items()}
            match = caps.get(normalise_occasion(values.occasion))
            if match is None:
                yield "occasion", gettext("Dịp hỗ trợ phải là một trong: %(occasions)s.",
                                          occasions="; ".join(ctx.params.occasions))
            elif values.requested_amount_vnd and values.requested_amount_vnd > match[1]:
                yield "requested_amount_vnd", gettext("Mức hỗ trợ tối đa dịp %(occasion)s là %(cap)s đồng mỗi người.",
                                                      occasion=match[0], cap=format_amount(match[1]))

    @classmethod
    def dedup_key(cls, data: dict) -> str | None:
        if data.get("citizen_id") and data.get("occasion"):
            return f"{cls.code}:{data['citizen_id']}:{normalise_occasion(data['occasion'])}"
        return None

    @classmethod
    def dedup_error(cls, data: dict) -> tuple[str, str]:
        # Says that an aid exists, never where or for whom beyond what the officer typed.
        return "citizen_id", gettext("Người có số CCCD này đã có hồ sơ hỗ trợ dịp “%(occasion)s” trong hệ thống; "
                                     "mỗi người chỉ được hỗ trợ một lần mỗi dịp.", occasion=data.get("occasion"))


