"""Nomination for the Confederation's "Lao động sáng tạo" award (Bằng Lao động sáng tạo).

QĐ 1564/QĐ-TLĐ ngày 24/12/2014, Điều 16: a member with solutions applied in practice and recognised by
a competent body, whose benefit ("giá trị làm lợi") reaches the threshold of the nominee's category:
A (qualification up to college, no leadership post) 80,000,000 đ, or 120,000,000 đ over three
consecutive years; B (university or above, no leadership post) 150,000,000 đ; C (managers)
200,000,000 đ. We read the base threshold as the recognised solutions' benefit within one year (the
award is yearly, and the three-year alternative for A would mean nothing if the whole sum counted);
only recognised solutions (body, number and date of the recognition) count.
"""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from .base import DossierKind, FieldsModel, MAX_VND, ParamsModel, PersonData, RuleContext, field
from .kinds import register

CATEGORIES = {
    "A": "A – Công nhân, viên chức, lao động trình độ cao đẳng trở xuống, không giữ chức vụ lãnh đạo",
    "B": "B – Cán bộ, viên chức, lao động trình độ đại học trở lên, không giữ chức vụ lãnh đạo",
    "C": "C – Cán bộ lãnh đạo, quản lý (trưởng, phó cấp cơ sở trở lên)",
}
SOLUTION_TYPES = {
    "initiative": "Sáng kiến",
    "useful_solution": "Giải pháp hữu ích",
    "technical_improvement": "Cải tiến kỹ thuật",
    "research_topic": "Đề tài khoa học cấp cơ sở",
    "management_improvement": "Cải tiến quản lý",
}
ROLES = {"author": "Tác giả", "co_author": "Đồng tác giả"}


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
                                             missing_message="Nhập ít nhất một giải pháp.")


class CategoryThreshold(ParamsModel):
    one_year_vnd: int = Field(gt=0, description="Tổng giá trị làm lợi trong một năm (đồng)")
    three_consecutive_years_vnd: int | None = Field(default=None, gt=0, description="Hoặc tổng trong ba năm liên tục")


class CreativeLabourParams(ParamsModel):
    categories: dict[Literal["A", "B", "C"], CategoryThreshold]


def _money(value: int) -> str:
    return f"{value:,}".replace(",", ".") + " đồng"


def best_year(solutions: list[Solution]) -> tuple[int, int]:
    """(year, benefit) of the year with the largest recognised benefit."""
    by_year: dict[int, int] = {}
    for s in solutions:
        by_year[s.year] = by_year.get(s.year, 0) + (s.benefit_vnd or 0)
    year = max(by_year, key=lambda y: (by_year[y], y))
    return year, by_year[year]


def best_three_consecutive_years(solutions: list[Solution]) -> tuple[int, int] | None:
    """(first year, benefit) of the best run of three consecutive years, each with a recognised solution."""
    by_year: dict[int, int] = {}
    for s in solutions:
        by_year[s.year] = by_year.get(s.year, 0) + (s.benefit_vnd or 0)
    runs = [(y, by_year[y] + by_year[y + 1] + by_year[y + 2]) for y in by_year if y + 1 in by_year and y + 2 in by_year]
    return max(runs, key=lambda r: r[1]) if runs else None


@register
class CreativeLabour(DossierKind):
    code = "creative_labour"
    title = "Đề nghị tặng Bằng “Lao động sáng tạo”"
    short_title = "Lao động sáng tạo"
    request_phrase = "xét tặng Bằng “Lao động sáng tạo” của Tổng Liên đoàn Lao động Việt Nam"
    Data = CreativeLabourData
    Params = CreativeLabourParams
    attachment_types = {
        "recognition_decision": ("Quyết định / giấy chứng nhận công nhận giải pháp", False),
        "achievement_report": ("Báo cáo thành tích, nội dung giải pháp", False),
        "meeting_minutes": ("Biên bản họp Ban Chấp hành Công đoàn cơ sở xét đề nghị", True),
        "benefit_calculation": ("Bảng tính giá trị làm lợi", False),
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
    def rules(cls, values: CreativeLabourData, ctx: RuleContext):
        yield from super().rules(values, ctx)
        solutions = values.solutions or []
        for index, s in enumerate(solutions):
            if s.recognition_date and s.recognition_date > ctx.on:
                yield f"solutions.{index}.recognition_date", "Ngày công nhận không được sau ngày nộp hồ sơ."
            if s.applied_on and s.applied_on > ctx.on:
                yield f"solutions.{index}.applied_on", "Ngày áp dụng không được sau ngày nộp hồ sơ."
            if s.year and s.year > ctx.on.year:
                yield f"solutions.{index}.year", "Năm làm lợi không được sau năm nộp hồ sơ."
            partly = [bool(s.recognised_by), bool(s.recognition_number), bool(s.recognition_date)]
            if any(partly) and not all(partly):
                yield f"solutions.{index}.recognition_number", (
                    "Ghi đủ cơ quan, số và ngày công nhận (hoặc để trống cả ba nếu chưa được công nhận).")
        if not solutions:
            return
        recognised = [s for s in solutions if s.recognised and s.year is not None]
        if not recognised:
            yield "solutions", "Cần ít nhất một giải pháp đã được cơ quan có thẩm quyền công nhận (có số và ngày quyết định)."
            return
        if values.category is None:
            return
        threshold = ctx.params.categories[values.category]
        year, benefit = best_year(recognised)
        if benefit >= threshold.one_year_vnd:
            return
        if threshold.three_consecutive_years_vnd:
            run = best_three_consecutive_years(recognised)
            if run and run[1] >= threshold.three_consecutive_years_vnd:
                return
        message = (f"Giá trị làm lợi của các giải pháp được công nhận cao nhất trong một năm là {_money(benefit)} "
                   f"(năm {year}), chưa đạt {_money(threshold.one_year_vnd)} của đối tượng {values.category}")
        if threshold.three_consecutive_years_vnd:
            message += f", cũng chưa đạt {_money(threshold.three_consecutive_years_vnd)} trong ba năm liên tục"
        yield "solutions", message + "."

    @classmethod
    def form_hints(cls, params: CreativeLabourParams) -> dict[str, str]:
        parts = []
        for category, threshold in sorted(params.categories.items()):
            text = f"{category}: {_money(threshold.one_year_vnd)} trong một năm"
            if threshold.three_consecutive_years_vnd:
                text += f" hoặc {_money(threshold.three_consecutive_years_vnd)} trong ba năm liên tục"
            parts.append(text)
        return {"solutions": "Giá trị làm lợi của các giải pháp được công nhận cần đạt: " + "; ".join(parts) + "."}

    @classmethod
    def requested_amount(cls, data: dict) -> None:
        return None  # an award, not money

    @classmethod
    def display(cls, data: dict) -> dict:
        shown = super().display(data)
        total = sum(s.get("benefit_vnd") or 0 for s in data.get("solutions") or [])
        shown["total_benefit"] = _money(total).replace(" đồng", " đ")
        return shown
