"""The list's exports, downloaded by the browser: the filter on the page is the filter of the file."""
import csv
import io
from datetime import date

from openpyxl import load_workbook

from .pages import expect, main

HEADINGS = ["Số hồ sơ", "Loại hồ sơ", "Người được đề nghị", "Số CCCD", "Công đoàn cơ sở", "Kế hoạch", "Đợt",
            "Nộp sau hạn", "Trạng thái", "Ngày nộp", "Lần nộp", "Số tiền đề nghị (đồng)",
            "Số tiền được hỗ trợ (đồng)", "Cập nhật"]


def test_export_the_filtered_list_as_xlsx_and_csv(api, login, snap, tmp_path):
    approved = [api.approved(child_full_name="Trần Minh Khang", requested_amount_vnd=40_000_000),
                api.approved("officer2", child_full_name="Lê Thị Thu Hà", full_name="Lê Văn Đức")]
    waiting = api.fire_ok("officer", api.create(child_full_name="Phạm Gia Bảo"), "submit")
    api.create(child_full_name="Vũ Đức Anh")  # a draft: the district never sees it

    reviewer = login("reviewer")
    reviewer.get_by_role("navigation").first.get_by_role("link", name="Danh sách hồ sơ").click()
    expect(main(reviewer)).to_contain_text("Tìm thấy 3 hồ sơ.")
    reviewer.get_by_label("Trạng thái").select_option(label="Đã thẩm định đạt")
    reviewer.get_by_role("button", name="Lọc", exact=True).click()
    expect(main(reviewer)).to_contain_text("Tìm thấy 2 hồ sơ.")
    table = main(reviewer).get_by_role("table")
    expect(table.get_by_role("row").filter(has_text="Trần Minh Khang")).to_contain_text("Đã thẩm định đạt")
    expect(table.get_by_role("row").filter(has_text="Lê Thị Thu Hà")).to_contain_text(
        "Công đoàn cơ sở Trường THCS Phú Trung")
    expect(table).not_to_contain_text("Phạm Gia Bảo")
    snap(reviewer, "list-filtered")

    with reviewer.expect_download() as xlsx_download:
        reviewer.get_by_role("link", name="Xuất Excel (XLSX)").click()
    xlsx = xlsx_download.value
    assert xlsx.suggested_filename == "ho-so-20260105.xlsx"
    xlsx.save_as(tmp_path / xlsx.suggested_filename)
    book = load_workbook(tmp_path / xlsx.suggested_filename, read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    book.close()  # a read-only workbook keeps its file open until closed
    assert list(rows[0]) == HEADINGS
    by_id = {row[0]: dict(zip(HEADINGS, row, strict=True)) for row in rows[1:]}
    assert set(by_id) == {d["id"] for d in approved}  # only what the filter shows
    khang = by_id[approved[0]["id"]]
    assert khang["Người được đề nghị"] == "Trần Minh Khang (con của Nguyễn Văn Ánh)"
    assert khang["Trạng thái"] == "Đã thẩm định đạt"
    assert khang["Công đoàn cơ sở"] == "Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng"
    assert khang["Số tiền đề nghị (đồng)"] == 40_000_000  # a number, so that it sums
    assert khang["Ngày nộp"].date() == date(2026, 1, 5)
    assert by_id[approved[1]["id"]]["Người được đề nghị"] == "Lê Thị Thu Hà (con của Lê Văn Đức)"
    assert waiting["id"] not in by_id

    with reviewer.expect_download() as csv_download:
        reviewer.get_by_role("link", name="Xuất CSV").click()
    csv_file = csv_download.value
    assert csv_file.suggested_filename == "ho-so-20260105.csv"
    csv_file.save_as(tmp_path / csv_file.suggested_filename)
    content = (tmp_path / csv_file.suggested_filename).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM, for Excel
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert lines[0] == HEADINGS
    assert sorted(int(line[0]) for line in lines[1:]) == sorted(d["id"] for d in approved)
    khang_line = next(dict(zip(HEADINGS, line, strict=True)) for line in lines[1:] if int(line[0]) == approved[0]["id"])
    assert khang_line["Người được đề nghị"] == "Trần Minh Khang (con của Nguyễn Văn Ánh)"
    assert khang_line["Ngày nộp"] == "05/01/2026"
    expect(main(reviewer)).to_contain_text("Tìm thấy 2 hồ sơ.")  # a download does not leave the page
