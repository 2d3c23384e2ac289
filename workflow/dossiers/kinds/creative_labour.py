"""Nomination for the Confederation's "Lao động sáng tạo" award (Bằng Lao động sáng tạo).

QĐ 1564/QĐ-TLĐ ngày 24/12/2014, Điều 16: a member with solutions applied in practice and recognised by
a competent body, whose total benefit ("tổng giá trị làm lợi") reaches the threshold of the nominee's
category: A (qualification up to college, no leadership post) 80,000,000 đ, or 120,000,000 đ over three
consecutive years; B (university or above, no leadership post) 150,000,000 đ; C (managers)
200,000,000 đ. Only recognised solutions (body, number and date of the recognition) count, each
recognition once; the figure judged is the one the documents print.
"""
from __future__ import annotations

from datetime import date
from typing import Literal

from flask_babel import gettext
from pydantic import Field

from ...formatting import format_amount, format_money
from ...i18n import N_
from .base import MAX_VND, DossierKind, FieldsModel, ParamsModel, PersonData, RuleContext, field

CATEGORIES = {
    "A": N_("A – Công nhân, viên chức, lao động trình độ cao đẳng trở xuống, không giữ chức vụ lãnh đạo"),
    "B": N_("B – Cán bộ, viên chức, lao động trình độ đại học trở lên, không giữ chức vụ lãnh đạo"),
    "C": N_("C – Cán bộ lãnh đạo, quản lý (trưởng, phó cấp cơ sở trở lên)"),
}
SOLUTION_TYPES = {
    "initiative": N_("Sáng kiến"),
    "useful_solution": N_("Giải pháp hữu ích"),
    "technical_improvement": N_("Cải tiến kỹ thuật"),
    "research_topic": N_("Đề tài khoa học cấp cơ sở"),
    "management_improvement": N_("Cải tiến quản lý"),
}
ROLES = {"author": N_("Tác giả"), "co_author": N_("Đồng tác giả")}


class Solution(FieldsModel):
    title: str | None = field("Tên giải pháp", min_length=3, max_length=300)
    solution_type: Literal[tuple(SOLUTION_TYPES)] | None = field("Loại giải pháp", choices=SOLUTION_TYPES)  # type: ignore[valid-type]
    role: Literal["author", "co_author"] | None = field("Vai trò", choices=ROLES)
    applied_on: date | None = field("Ngày bắt đầu áp dụng")
    recognised_by: str | None = field("Cơ quan công nhận", required=False, max_length=200)
    recognition_number: str | None = field("Số quyết định / giấy chứng nhận", required=False, max_length=50)
    recognition_date: date | None = field("Ngày công nhận", required=False)
    year: int | None = field("Năm làm lợi", ge=1990, le=2100)
    benefit_vnd: int | None = field("Giá trị làm lợi (đồng)", ge=0, le=MAX_VND)

    @property
    def recognised(self) -> bool:
        return bool(self.recognised_by and self.recognition_number and self.recognition_date)


class CreativeLabourData(PersonData):
    category: Literal["A", "B", "C"] | None = field("Đối tượng", choices=CATEGORIES)
    solutions: list[Solution] | None = field("Giải pháp, sáng kiến", max_length=30,
                                             missing_message=N_("Nhập ít nhất một giải pháp."))


class CategoryThreshold(ParamsModel):
    total_vnd: int = Field(gt=0, le=MAX_VND,
                           description=N_("Tổng giá trị làm lợi của các giải pháp được công nhận (đồng)"))
    three_consecutive_years_vnd: int | None = Field(
        default=None, gt=0, le=MAX_VND,
        description=N_("Hoặc: tổng trong ba năm liên tục, năm nào cũng có giải pháp được công nhận"))


class Categories(ParamsModel):
    A: CategoryThreshold = Field(description=CATEGORIES["A"])
    B: CategoryThreshold = Field(description=CATEGORIES["B"])
    C: CategoryThreshold = Field(description=CATEGORIES["C"])


class CreativeLabourParams(ParamsModel):
    categories: Categories = Field(description=N_("Ngưỡng giá trị làm lợi theo đối tượng"))


def counted(solutions: list[Solution]) -> list[Solution]:
    """The recognised solutions, each recognition once (a solution typed twice is not twice the benefit)."""
    seen, result = set(), []
    for s in solutions:
        key = (s.recognised_by or "").casefold().strip(), (s.recognition_number or "").casefold().replace(" ", "")
        if s.recognised and key not in seen:
            seen.add(key)
            result.append(s)
    return result


def best_three_consecutive_years(solutions: list[Solution]) -> tuple[int, int] | None:
    """(first year, benefit) of the best run of three consecutive years, each with a counted solution."""
    by_year: dict[int, int] = {}
    for s in solutions:
        if s.year is not None:
            by_year[s.year] = by_year.get(s.year, 0) + (s.benefit_vnd or 0)
    runs = [(y, by_year[y] + by_year[y + 1] + by_year[y + 2]) for y in by_year if y + 1 in by_year and y + 2 in by_year]
    return max(runs, key=lambda r: r[1]) if runs else None


class CreativeLabour(DossierKind):
    code = "creative_labour"
    title = N_("Đề nghị tặng Bằng “Lao động sáng tạo”")
    short_title = N_("Lao động sáng tạo")
    request_phrase = "xét tặng Bằng “Lao động sáng tạo” của Tổng Liên đoàn Lao động Việt Nam"
    Data = CreativeLabourData
    Params = CreativeLabourParams
    attachment_types = {
        "recognition_decision": (N_("Quyết định / giấy chứng nhận công nhận giải pháp"), False),
        "achievement_report": (N_("Báo cáo thành tích, nội dung giải pháp"), False),
        "meeting_minutes": (N_("Biên bản họp Ban Chấp hành Công đoàn cơ sở xét đề nghị"), True),
        "benefit_calculation": (N_("Bảng tính giá trị làm lợi"), False),
    }
    list_columns = [
        ("Đối tượng", lambda shown: shown["category"][:1]),
        ("Tên giải pháp", lambda shown: "; ".join(r["title"] for r in shown["solutions_rows"])),
        ("Năm làm lợi", lambda shown: ", ".join(r["year"] for r in shown["solutions_rows"])),
        ("Cơ quan, số và ngày công nhận", lambda shown: "; ".join(
            f'{r["recognised_by"]} số {r["recognition_number"]} ngày {r["recognition_date"]}'
            for r in shown["solutions_rows"] if r["recognition_number"])),
        ("Giá trị làm lợi", lambda shown: shown["total_benefit"]),
    ]

    @classmethod
    def criteria(cls, params):
        if params:
            thresholds = "; ".join(f"đối tượng {code}: từ {format_amount(getattr(params.categories, code).total_vnd)} "
                                   "đồng" for code in ("A", "B", "C"))
        return [*super().criteria(params),
                ("Giải pháp, sáng kiến được cơ quan có thẩm quyền công nhận (số, ngày quyết định)", ("solutions",)),
                ("Tổng giá trị làm lợi đạt ngưỡng theo đối tượng" + (f" ({thresholds})" if params else ""),
                 ("category",))]

    @classmethod
    def rules(cls, values: CreativeLabourData, ctx: RuleContext):
        yield from super().rules(values, ctx)
        solutions = values.solutions or []
        seen = {}
        for index, s in enumerate(solutions):
            if s.recognition_date and s.recognition_date > ctx.on:
                yield f"solutions.{index}.recognition_date", gettext("Ngày công nhận không được sau ngày nộp hồ sơ.")
            if s.applied_on and s.applied_on > ctx.on:
                yield f"solutions.{index}.applied_on", gettext("Ngày áp dụng không được sau ngày nộp hồ sơ.")
            if s.year and s.year > ctx.on.year:
                yield f"solutions.{index}.year", gettext("Năm làm lợi không được sau năm nộp hồ sơ.")
            elif s.year and s.applied_on and s.year < s.applied_on.year:
                yield f"solutions.{index}.year", gettext("Năm làm lợi không được trước năm bắt đầu áp dụng giải pháp.")
            partly = [bool(s.recognised_by), bool(s.recognition_number), bool(s.recognition_date)]
            if any(partly) and not all(partly):
                yield f"solutions.{index}.recognition_number", gettext(
                    "Ghi đủ cơ quan, số và ngày công nhận (hoặc để trống cả ba nếu chưa được công nhận).")
            if s.recognised:
                key = (s.recognised_by.casefold().strip(), s.recognition_number.casefold().replace(" ", ""))
                if key in seen:
                    yield f"solutions.{index}.recognition_number", gettext(
                        "Trùng quyết định công nhận với giải pháp ở dòng %(row)s; mỗi giải pháp chỉ kê một lần.",
                        row=seen[key] + 1)
                seen.setdefault(key, index)
        if not solutions:
            return
        recognised = counted(solutions)
        if not recognised:
            yield "solutions", gettext(
                "Cần ít nhất một giải pháp đã được cơ quan có thẩm quyền công nhận (có số và ngày quyết định).")
            return
        if values.category is None:
            return
        threshold = getattr(ctx.params.categories, values.category)
        total = sum(s.benefit_vnd or 0 for s in recognised)
        if total >= threshold.total_vnd:
            return
        if threshold.three_consecutive_years_vnd:
            run = best_three_consecutive_years(recognised)
            if run and run[1] >= threshold.three_consecutive_years_vnd:
                return
        if threshold.three_consecutive_years_vnd:
            yield "solutions", gettext(
                "Tổng giá trị làm lợi của các giải pháp được công nhận là %(total)s đồng, chưa đạt %(threshold)s đồng "
                "của đối tượng %(category)s (hoặc %(three_years)s đồng trong ba năm liên tục).",
                total=format_amount(total), threshold=format_amount(threshold.total_vnd), category=values.category,
                three_years=format_amount(threshold.three_consecutive_years_vnd))
        else:
            yield "solutions", gettext(
                "Tổng giá trị làm lợi của các giải pháp được công nhận là %(total)s đồng, chưa đạt %(threshold)s đồng "
                "của đối tượng %(category)s.",
                total=format_amount(total), threshold=format_amount(threshold.total_vnd), category=values.category)

    @classmethod
    def form_hints(cls, params: CreativeLabourParams) -> dict[str, str]:
        parts = []
        for category in ("A", "B", "C"):
            threshold = getattr(params.categories, category)
            if threshold.three_consecutive_years_vnd:
                parts.append(gettext("%(category)s: tổng %(total)s đồng hoặc %(three_years)s đồng trong ba năm "
                                     "liên tục",
                                     category=category, total=format_amount(threshold.total_vnd),
                                     three_years=format_amount(threshold.three_consecutive_years_vnd)))
            else:
                parts.append(gettext("%(category)s: tổng %(total)s đồng", category=category,
                                     total=format_amount(threshold.total_vnd)))
        return {"solutions": gettext("Giá trị làm lợi của các giải pháp được công nhận cần đạt: %(thresholds)s.",
                                     thresholds="; ".join(parts))}

    @classmethod
    def requested_amount(cls, data: dict) -> None:
        return None  # an award, not money

    @classmethod
    def display(cls, data: dict) -> dict:
        shown = super().display(data)
        try:
            solutions = [Solution.model_validate(row) for row in data.get("solutions") or []]
        except ValueError:
            solutions = []
        shown["total_benefit"] = format_money(sum(s.benefit_vnd or 0 for s in counted(solutions)))
        return shown
