"""The filtered list as a spreadsheet (XLSX with openpyxl, or CSV that Excel opens in UTF-8), headings in the
reader's language (Vietnamese by default)."""
from __future__ import annotations

import csv
import io
import tempfile
from datetime import date, datetime

from flask_babel import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from ..dossiers.visibility import data_seen_of, viewer_of
from ..formatting import format_date, vietnam_time
from ..i18n import N_

COLUMNS = [
    (N_("Số hồ sơ"), 10), (N_("Loại hồ sơ"), 24), (N_("Người được đề nghị"), 34), (N_("Số CCCD"), 15),
    (N_("Công đoàn cơ sở"), 34), (N_("Kế hoạch"), 18), (N_("Đợt"), 10), (N_("Nộp sau hạn"), 12),
    (N_("Trạng thái"), 24), (N_("Ngày nộp"), 12), (N_("Lần nộp"), 9), (N_("Số tiền đề nghị (đồng)"), 18),
    (N_("Số tiền được hỗ trợ (đồng)"), 18), (N_("Cập nhật"), 17),
]


def rows(user, dossiers):
    """One list per dossier, in COLUMNS order: dates and amounts as values, so that a spreadsheet can sum them."""
    labels: dict[str, str] = {}  # a few distinct labels, translated once each rather than once per row

    def tr(text: str) -> str:
        if text not in labels:
            labels[text] = gettext(text)
        return labels[text]

    late = gettext("Có")
    seen = data_seen_of(viewer_of(user), dossiers)
    for d in dossiers:
        data = seen[d.id]
        kind = d.kind_spec
        yield [d.id, tr(kind.short_title), kind.subject(data), data.get("citizen_id") or "",
               d.organisation.name, d.campaign.plan_number if d.campaign else "",
               tr(d.phase.name) if d.phase else "", late if d.submitted_late else "",
               tr(d.state_label), d.submitted_on, d.round or "", kind.requested_amount(data),
               d.granted_amount_vnd, vietnam_time(d.updated_at)]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text(value):
    """A typed-in text a spreadsheet would run as a formula (=HYPERLINK(…)) is written as text."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def headings() -> list[str]:
    return [gettext(label) for label, _ in COLUMNS]


def to_csv(user, dossiers) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headings())
    for row in rows(user, dossiers):
        writer.writerow([v.strftime("%d/%m/%Y %H:%M") if isinstance(v, datetime) else format_date(v)
                         if isinstance(v, date) else "" if v is None else as_text(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8 (Vietnamese) correctly


def to_xlsx(user, dossiers) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(gettext("Hồ sơ"))
    for index, (_, width) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    def cell(value, **style):
        made = WriteOnlyCell(sheet, value=value)
        for name, setting in style.items():
            setattr(made, name, setting)
        return made

    sheet.append([cell(text, font=Font(bold=True)) for text in headings()])
    money_columns = {index for index, (label, _) in enumerate(COLUMNS) if "(đồng)" in label}
    for row in rows(user, dossiers):
        out = []
        for index, value in enumerate(row):
            if isinstance(value, datetime):
                out.append(cell(value, number_format="dd/mm/yyyy hh:mm"))
            elif isinstance(value, date):
                out.append(cell(value, number_format="dd/mm/yyyy"))
            elif index in money_columns and value is not None:
                out.append(cell(value, number_format="#,##0"))
            elif isinstance(value, str):
                # A control character no sheet may hold (openpyxl refuses the whole file): rows stored before
                # they were refused at entry still export, without it.
                text = cell(ILLEGAL_CHARACTERS_RE.sub("", value))
                text.data_type = "s"  # never a formula, whatever it starts with
                out.append(text)
            else:
                out.append(value)
        sheet.append(out)
    with tempfile.TemporaryFile() as handle:
        book.save(handle)
        handle.seek(0)
        return handle.read()
