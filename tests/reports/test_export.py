"""A plan's report as a spreadsheet (workflow/reports/export.py): one XLSX sheet per table, numbers as numbers and
dates as dates, Vietnamese headings, names never run as formulas; the CSV is the detail sheet, a flat table."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import force_locale, gettext
from openpyxl import load_workbook

from workflow.auth.models import User
from workflow.campaigns.models import Campaign
from workflow.dossiers.visibility import viewer_of
from workflow.extensions import db
from workflow.lists.export import as_text
from workflow.orgs.models import Organisation
from workflow.reports.export import to_csv, to_xlsx
from workflow.reports.figures import Scope, report

SHEETS = ["Thông tin báo cáo", "Theo loại hồ sơ", "Theo đơn vị", "Chi tiết", "Thời gian xử lý", "Nộp theo ngày"]
FIGURE_HEADINGS = ["Đã nộp", "Đang xem xét", "Đã thẩm định đạt, chờ chuyển lên", "Trả lại để hoàn thiện",
                   "Được chấp thuận", "Không được chấp thuận", "Đã rút", "Đã đóng (đơn vị giải thể)", "Đúng hạn",
                   "Sau hạn", "Số tiền đề nghị (đồng)", "Số tiền được hỗ trợ (đồng)"]
# A name a spreadsheet would run as a formula, were it written as one.
FORMULA_NAME = '=HYPERLINK("http://example.com/x","Công đoàn xã Bù Đăng")'


def dossiers_of_the_plan(api, today):
    """Eight dossiers answering the plan (phase I, phase II, one late) from both communes of the province and a
    union directly under it; seven reached the province, in every outcome but "closed"."""
    today(date(2025, 12, 20))
    api.forwarded(api.approved("officer", surgery_indicated_on="2025-11-01", citizen_id="070085000101"))
    today(date(2026, 1, 5))
    small_aid = api.submitted("officer", kind="accident_aid", citizen_id="070085000102")
    api.fire_ok("reviewer", api.view("reviewer", small_aid), "accept", granted_amount_vnd=1_300_000)  # commune only
    house = api.approved("officer2", kind="union_housing", citizen_id="070085000103")
    api.forwarded(house)
    api.fire_ok("liaison", api.view("liaison", house), "accept", granted_amount_vnd=25_000_000)
    refused = api.submitted("officer4", kind="union_housing", citizen_id="070085000104")
    api.fire_ok("liaison", api.view("liaison", refused), "reject", comment="Đã được hỗ trợ từ nguồn khác.")
    returned = api.approved("officer3", citizen_id="070085000105")
    api.forwarded(returned, reviewer="reviewer2")
    api.fire_ok("liaison", api.view("liaison", returned), "return", comment="Bổ sung giấy chỉ định phẫu thuật.")
    award = api.approved("officer", kind="creative_labour", citizen_id="070085000106")
    api.forwarded(award)
    api.fire_ok("liaison", api.view("liaison", award), "approve")  # not yet sent up to the Confederation
    withdrawn = api.submitted("officer4", kind="accident_aid", citizen_id="070085000107")
    api.fire_ok("officer4", api.view("officer4", withdrawn), "withdraw", comment="Gia đình xin rút hồ sơ.")
    late = api.create("officer3", citizen_id="070085000108")
    today(date(2026, 4, 2))
    api.forwarded(api.fire_ok("reviewer2", api.view("reviewer2", api.fire_ok("officer3", late, "submit")), "approve"),
                  reviewer="reviewer2")


def named(code: str, name: str) -> None:
    """An organisation's name as stored (a form would refuse some of them: the export must cope anyway)."""
    db.session.scalar(sa.select(Organisation).where(Organisation.code == code)).name = name
    db.session.commit()


def report_of(username: str, campaign_id: int, **scope):
    user = db.session.scalar(sa.select(User).where(User.username == username))
    return report(Scope(viewer_of(user), db.session.get(Campaign, campaign_id), **scope))


def sheet_rows(book, title: str) -> list[list]:
    return [list(row) for row in book[title].iter_rows(values_only=True)]


def test_the_report_as_xlsx_has_one_sheet_per_table_with_numbers_as_numbers(app, api, today, current_plan):
    dossiers_of_the_plan(api, today)
    with app.app_context():
        named("cd-xa-bu-dang", FORMULA_NAME)
        figures = report_of("liaison", current_plan)
        book = load_workbook(io.BytesIO(to_xlsx(figures)))

    assert book.sheetnames == SHEETS
    info = dict(row for row in sheet_rows(book, "Thông tin báo cáo"))
    assert info["Kế hoạch"] == "Kế hoạch xét chọn, đề nghị khen thưởng và hỗ trợ đoàn viên năm 2025–2026"
    assert info["Số kế hoạch"] == "120/KH-LĐLĐ" and info["Ngày ban hành"] == datetime(2025, 9, 15)
    assert info["Đợt"] == "Tất cả các đợt" and info["Loại hồ sơ"] == "Tất cả các loại"
    assert info["Nộp từ ngày"] == info["Nộp đến ngày"] == "—"
    assert info["Đơn vị báo cáo"] == "Liên đoàn Lao động tỉnh Đồng Nai"
    assert isinstance(info["Thời điểm xuất"], datetime)

    for title, labels in (("Theo loại hồ sơ", ["Loại hồ sơ"]), ("Theo đơn vị", ["Đơn vị"]),
                          ("Chi tiết", ["Đơn vị", "Loại hồ sơ"])):
        sheet = book[title]
        assert sheet_rows(book, title)[0] == labels + FIGURE_HEADINGS, title
        assert all(cell.font.b for cell in sheet[1]) and sheet.freeze_panes == "A2", title
        *rows, total = sheet_rows(book, title)[1:]
        assert total[:len(labels)] == ["Tổng cộng"] + [None] * (len(labels) - 1), title  # "" is read back as None
        numbers = total[len(labels):]
        # 2 waiting at the province, 1 approved there, 1 returned, 1 granted, 1 refused, 1 withdrawn; 1 late
        assert numbers == [7, 2, 1, 1, 1, 1, 1, 0, 6, 1, 3 * 50_000_000 + 2 * 30_000_000 + 1_300_000, 25_000_000]
        assert all(type(value) is int for row in rows + [total] for value in row[len(labels):]), title
        assert [sum(row[len(labels) + i] for row in rows) for i in range(len(numbers))] == numbers, title
        money = sheet.cell(row=sheet.max_row, column=len(labels) + len(FIGURE_HEADINGS))
        assert money.number_format == "#,##0" and money.font.b

    units = {row[0]: row[1] for row in sheet_rows(book, "Theo đơn vị")[1:]}
    assert units == {"Công đoàn cơ sở Công ty Cổ phần Chế biến Nông sản Đồng Xoài": 2, FORMULA_NAME: 2,
                     "Công đoàn xã Phú Riềng": 3, "Tổng cộng": 7}
    for title in ("Theo đơn vị", "Chi tiết"):
        cells = [row[0] for row in book[title].iter_rows(min_row=2) if row[0].value == FORMULA_NAME]
        assert cells and all(cell.data_type == "s" for cell in cells), title  # text, never a formula
    detail = sheet_rows(book, "Chi tiết")[1:-1]
    assert {(row[0], row[1]): row[2] for row in detail} == {
        ("Công đoàn cơ sở Công ty Cổ phần Chế biến Nông sản Đồng Xoài", "Mái ấm Công đoàn"): 1,
        ("Công đoàn cơ sở Công ty Cổ phần Chế biến Nông sản Đồng Xoài", "TNLĐ, BNN, hoàn cảnh khó khăn"): 1,
        (FORMULA_NAME, "Trẻ em tim bẩm sinh / hở môi vòm miệng"): 2,
        ("Công đoàn xã Phú Riềng", "Trẻ em tim bẩm sinh / hở môi vòm miệng"): 1,
        ("Công đoàn xã Phú Riềng", "Lao động sáng tạo"): 1,
        ("Công đoàn xã Phú Riềng", "Mái ấm Công đoàn"): 1}
    assert len(detail) == 6

    days = sheet_rows(book, "Thời gian xử lý")
    assert days[0] == ["Loại hồ sơ", "Cấp", "Số ngày (trung vị)", "Số lượng hồ sơ"]
    every_kind = {row[1]: row for row in days[1:] if row[0] == "Tất cả các loại"}
    assert set(every_kind) == {"Công đoàn cơ sở", "Công đoàn cấp trên trực tiếp cơ sở",
                               "Công đoàn cấp tỉnh, ngành trung ương"}
    # a whole number of days (0.0 here: every step took seconds) is read back as an int: a number either way
    assert all(isinstance(row[2], int | float) and type(row[3]) is int for row in days[1:])
    assert book["Thời gian xử lý"].cell(row=2, column=3).number_format == "0.0"
    for kind, per_level in figures.days_at_level.items():
        for level, held in per_level.items():
            assert sum(1 for row in days[1:] if row[3] == held.dossiers and row[2] == held.median) >= 1, (kind, level)

    by_day = book["Nộp theo ngày"]
    assert [cell.value for cell in by_day[1]] == ["Ngày nộp", "Số lượng hồ sơ", "Lũy kế"]
    rows = sheet_rows(book, "Nộp theo ngày")[1:]
    assert [row[0].date() for row in rows] == [day for day, _ in figures.submissions_by_day]
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)
    assert rows[0][0] == datetime(2025, 12, 20) and rows[-1] == [datetime(2026, 4, 2), 1, 7]
    assert all(row[2] == sum(r[1] for r in rows[:i + 1]) for i, row in enumerate(rows))
    assert by_day.cell(row=2, column=1).number_format == "dd/mm/yyyy" and by_day.cell(row=2, column=1).is_date


def test_the_csv_is_the_detail_sheet_a_flat_table_in_utf8_with_a_bom(app, api, today, current_plan):
    dossiers_of_the_plan(api, today)
    with app.app_context():
        named("cd-xa-bu-dang", FORMULA_NAME)
        figures = report_of("liaison", current_plan)
        body, book = to_csv(figures), load_workbook(io.BytesIO(to_xlsx(figures)))

    assert body.startswith(b"\xef\xbb\xbf")
    read = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    detail = [["" if value is None else str(as_text(value)) for value in row] for row in sheet_rows(book, "Chi tiết")]
    assert read == detail
    assert read[0][:3] == ["Đơn vị", "Loại hồ sơ", "Đã nộp"] and read[-1][:3] == ["Tổng cộng", "", "7"]
    assert "'" + FORMULA_NAME in [row[0] for row in read]  # a spreadsheet opening the CSV reads it as text

    with app.test_request_context(), force_locale("en"):  # the reader's language
        english = next(csv.reader(io.StringIO(to_csv(figures).decode("utf-8-sig"))))
        assert english[:3] == [gettext("Đơn vị"), gettext("Loại hồ sơ"), gettext("Đã nộp")]
        assert english[2] != "Đã nộp" and english[-1] == gettext("Số tiền được hỗ trợ (đồng)")


def test_a_filtered_report_names_its_filters_and_any_report_exports(app, api, today, current_plan):
    dossiers_of_the_plan(api, today)
    with app.app_context():
        named("cd-xa-phu-rieng", "Công đoàn xã\x07 Phú Riềng")  # a control character stored before it was refused
        campaign = db.session.get(Campaign, current_plan)
        figures = report_of("reviewer", current_plan, phase=campaign.phases[1], kind="child_heart",
                            submitted_from=date(2026, 1, 1), submitted_to=date(2026, 6, 30))
        filtered = load_workbook(io.BytesIO(to_xlsx(figures)))
        own = load_workbook(io.BytesIO(to_xlsx(report_of("officer", current_plan))))
        nothing = load_workbook(io.BytesIO(to_xlsx(report_of("tld", current_plan))))  # nothing reached it
        empty_csv = to_csv(report_of("tld", current_plan)).decode("utf-8-sig")

    info = dict(row for row in sheet_rows(filtered, "Thông tin báo cáo"))
    assert info["Đợt"] == "Đợt II"
    assert info["Loại hồ sơ"] == "Hỗ trợ phẫu thuật cho trẻ em bệnh tim bẩm sinh, khe hở môi - vòm miệng"
    assert info["Nộp từ ngày"] == datetime(2026, 1, 1) and info["Nộp đến ngày"] == datetime(2026, 6, 30)
    assert filtered["Thông tin báo cáo"]["B6"].number_format == "dd/mm/yyyy"
    assert info["Đơn vị báo cáo"] == "Công đoàn xã Phú Riềng"  # the sheet holds the name, without the bell

    assert sheet_rows(own, "Theo đơn vị")[1:] == [
        ["Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng", 3, 1, 1, 0, 1, 0, 0, 0, 3, 0, 51_300_000, 1_300_000],
        ["Tổng cộng", 3, 1, 1, 0, 1, 0, 0, 0, 3, 0, 51_300_000, 1_300_000]]
    assert sheet_rows(nothing, "Theo loại hồ sơ")[1:] == [["Tổng cộng"] + [0] * len(FIGURE_HEADINGS)]
    assert sheet_rows(nothing, "Chi tiết")[1:] == [["Tổng cộng", None] + [0] * len(FIGURE_HEADINGS)]
    assert len(sheet_rows(nothing, "Nộp theo ngày")) == 1 and len(sheet_rows(nothing, "Thời gian xử lý")) == 1
    assert empty_csv.splitlines()[1:] == ["Tổng cộng,," + ",".join(["0"] * len(FIGURE_HEADINGS))]
