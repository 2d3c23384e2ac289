"""A plan's report (figures.Report) as a spreadsheet: XLSX with one sheet per table of the report, numbers as
numbers and dates as dates so that a spreadsheet can sum and sort them, or its detail table (organisation × kind)
as CSV that Excel opens in UTF-8 and can pivot. Headings in the reader's language (Vietnamese by default)."""
from __future__ import annotations

import csv
import io
import tempfile
from datetime import date, datetime

from flask_babel import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .. import clock
from ..dossiers.kinds import KINDS
from ..formatting import vietnam_time
from ..i18n import N_
from ..lists.export import as_text
from ..orgs.models import LEVELS
from .figures import COUNTS, OUTCOMES, Figures, Report

COUNT_LABELS = {"submitted": N_("Đã nộp"), **{name: label for name, (label, _) in OUTCOMES.items()},
                "on_time": N_("Đúng hạn"), "late": N_("Sau hạn")}
MONEY_LABELS = (N_("Số tiền đề nghị (đồng)"), N_("Số tiền được hỗ trợ (đồng)"))
FIGURE_WIDTHS = [12] * len(COUNTS) + [20, 20]  # the count columns, then the two amounts

TOTAL = N_("Tổng cộng")
EVERY_KIND = N_("Tất cả các loại")
EVERY_PHASE = N_("Tất cả các đợt")
NOT_LIMITED = "—"  # a period left open at that end

SHEET_INFO = N_("Thông tin báo cáo")  # not "Thông tin" alone: a table heading elsewhere ("Field")
SHEET_BY_KIND = N_("Theo loại hồ sơ")
SHEET_BY_GROUP = N_("Theo đơn vị")
SHEET_DETAIL = N_("Chi tiết")
SHEET_DAYS = N_("Thời gian xử lý")
SHEET_BY_DAY = N_("Nộp theo ngày")

UNIT, KIND = N_("Đơn vị"), N_("Loại hồ sơ")
DOSSIERS = N_("Số lượng hồ sơ")  # how many ("Số hồ sơ" is a dossier's number)
UNIT_WIDTH, KIND_WIDTH = 48, 36

COUNT_FORMAT = MONEY_FORMAT = "#,##0"
DATE_FORMAT = "dd/mm/yyyy"
MOMENT_FORMAT = "dd/mm/yyyy hh:mm"
DAYS_FORMAT = "0.0"


def figure_headings() -> list[str]:
    return [gettext(COUNT_LABELS[name]) for name in COUNTS] + [gettext(label) for label in MONEY_LABELS]


def figure_values(figures: Figures) -> list[int]:
    return [figures.counts[name] for name in COUNTS] + [figures.requested_vnd, figures.granted_vnd]


def kind_label(kind: str) -> str:
    return gettext(KINDS[kind].short_title)


def detail_rows(report: Report):
    """The detail table (organisation, kind, figures), then its total: the CSV, and the XLSX's "Chi tiết"."""
    for group, kind, figures in report.rows():
        yield [group.label, kind_label(kind), *figure_values(figures)]
    yield [gettext(TOTAL), "", *figure_values(report.total)]


# --- CSV ------------------------------------------------------------------------------------------------------

def to_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([gettext(UNIT), gettext(KIND), *figure_headings()])
    for row in detail_rows(report):
        writer.writerow([as_text(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8 (Vietnamese) correctly


# --- XLSX -----------------------------------------------------------------------------------------------------

class Sheet:
    """A write-only sheet: its columns' widths, a bold heading row kept in view (when the columns are named), then
    rows of values, each cell written by its value's type."""

    def __init__(self, book: Workbook, title: str, columns: list[tuple[str | None, int]]):
        self.sheet = book.create_sheet(gettext(title))
        # A write-only sheet takes its widths and frozen panes before its first row.
        for index, (_, width) in enumerate(columns, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        if any(label for label, _ in columns):
            self.sheet.freeze_panes = "A2"
            self.append([self.heading(label) for label, _ in columns])

    def append(self, cells: list[WriteOnlyCell]) -> None:
        self.sheet.append(cells)

    def heading(self, label: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=gettext(label))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")  # the long outcome labels over narrow columns
        return cell

    def cell(self, value, number_format: str | None = None, bold: bool = False) -> WriteOnlyCell:
        if isinstance(value, str):
            # A control character no sheet may hold would make openpyxl refuse the whole file; and a name typed
            # as "=…" must stay a name, never become a formula (as the dossier list's export writes them).
            cell = WriteOnlyCell(self.sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
            cell.data_type = "s"
        else:
            cell = WriteOnlyCell(self.sheet, value=value)
            if isinstance(value, datetime):
                cell.number_format = MOMENT_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
            elif number_format:
                cell.number_format = number_format
        if bold:
            cell.font = Font(bold=True)
        return cell

    def figures_row(self, labels: list[str], figures: Figures, bold: bool = False) -> None:
        """The row's labels, then its counts and amounts as whole numbers with thousands separators."""
        self.append([self.cell(label, bold=bold) for label in labels]
                    + [self.cell(value, COUNT_FORMAT if index < len(COUNTS) else MONEY_FORMAT, bold)
                       for index, value in enumerate(figure_values(figures))])


def figure_columns(*labels: tuple[str, int]) -> list[tuple[str, int]]:
    return [*labels, *zip([*(COUNT_LABELS[name] for name in COUNTS), *MONEY_LABELS], FIGURE_WIDTHS, strict=True)]


def to_xlsx(report: Report) -> bytes:
    book = Workbook(write_only=True)
    write_info(book, report)

    by_kind = Sheet(book, SHEET_BY_KIND, figure_columns((KIND, KIND_WIDTH)))
    for kind in report.kinds:
        by_kind.figures_row([kind_label(kind)], report.by_kind[kind])
    by_kind.figures_row([gettext(TOTAL)], report.total, bold=True)

    by_group = Sheet(book, SHEET_BY_GROUP, figure_columns((UNIT, UNIT_WIDTH)))
    for group in report.groups:
        by_group.figures_row([group.label], report.by_group[group.id])
    by_group.figures_row([gettext(TOTAL)], report.total, bold=True)

    detail = Sheet(book, SHEET_DETAIL, figure_columns((UNIT, UNIT_WIDTH), (KIND, KIND_WIDTH)))
    for group, kind, figures in report.rows():
        detail.figures_row([group.label, kind_label(kind)], figures)
    detail.figures_row([gettext(TOTAL), ""], report.total, bold=True)

    write_days_at_level(book, report)
    write_submissions_by_day(book, report)
    with tempfile.TemporaryFile() as handle:
        book.save(handle)
        handle.seek(0)
        return handle.read()


def write_info(book: Workbook, report: Report) -> None:
    """What the figures are of: the plan, phase, kind and period, the organisation, and when they were taken."""
    scope = report.scope
    sheet = Sheet(book, SHEET_INFO, [(None, 24), (None, 80)])
    campaign = scope.campaign
    rows = [
        (N_("Kế hoạch"), campaign.title),
        (N_("Số kế hoạch"), campaign.plan_number),
        (N_("Ngày ban hành"), campaign.plan_date),
        (N_("Đợt"), gettext(scope.phase.name) if scope.phase else gettext(EVERY_PHASE)),
        (KIND, gettext(KINDS[scope.kind].title) if scope.kind else gettext(EVERY_KIND)),
        (N_("Nộp từ ngày"), scope.submitted_from or NOT_LIMITED),
        (N_("Nộp đến ngày"), scope.submitted_to or NOT_LIMITED),
        (N_("Đơn vị báo cáo"), report.organisation.name),
        (N_("Thời điểm xuất"), vietnam_time(clock.utcnow())),
    ]
    for label, value in rows:
        sheet.append([sheet.cell(gettext(label), bold=True), sheet.cell(value)])


def write_days_at_level(book: Workbook, report: Report) -> None:
    """One row per kind (then every kind) and level: the median days that level held a dossier, over how many."""
    sheet = Sheet(book, SHEET_DAYS, [(KIND, KIND_WIDTH), (N_("Cấp"), 36), (N_("Số ngày (trung vị)"), 14),
                                     (DOSSIERS, 12)])
    kinds = [kind for kind in report.kinds if kind in report.days_at_level] + [None]
    for kind in kinds:
        per_level = report.days_at_level.get(kind, {})
        label = kind_label(kind) if kind else gettext(EVERY_KIND)
        for level in report.levels:
            if level in per_level:
                days = per_level[level]
                sheet.append([sheet.cell(label), sheet.cell(gettext(LEVELS[level])),
                                    sheet.cell(days.median, DAYS_FORMAT), sheet.cell(days.dossiers, COUNT_FORMAT)])


def write_submissions_by_day(book: Workbook, report: Report) -> None:
    sheet = Sheet(book, SHEET_BY_DAY, [(N_("Ngày nộp"), 14), (DOSSIERS, 12), (N_("Lũy kế"), 12)])
    so_far = 0
    for day, count in report.submissions_by_day:
        so_far += count
        sheet.append([sheet.cell(day), sheet.cell(count, COUNT_FORMAT), sheet.cell(so_far, COUNT_FORMAT)])
