"""A plan's report as its readers use it: the province's staff on a desktop and on a phone, following a number to
the dossiers behind it, the charts with their tables and text alternatives."""
import re

from .conftest import PHONE
from .pages import expect, main, no_horizontal_scroll, section


def test_the_province_reads_its_report_and_follows_a_number(login, plan_work):
    page = login("liaison")
    page.get_by_role("link", name="Các kế hoạch").first.click()
    page.get_by_role("link", name="Báo cáo kết quả").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Báo cáo kết quả thực hiện kế hoạch")

    by_kind = section(page, "Theo loại hồ sơ").get_by_role("table")
    total = by_kind.get_by_role("row").filter(has_text="Tổng cộng")
    expect(total.get_by_role("cell").first).to_have_text("2")  # what reached the province: decided twice
    granted = by_kind.get_by_role("row").filter(has_text="Trẻ em tim bẩm sinh").get_by_role("link", name="1").first
    granted.click()
    expect(page).to_have_url(re.compile(r"/dossiers\?"))
    expect(main(page).get_by_role("status")).to_have_text("Tìm thấy 1 hồ sơ.")
    expect(page.locator("#report-filters")).to_contain_text("đã nộp")
    page.go_back()

    # Each chart is an image with a name and a description, and its figures are a table beside it.
    charts = page.get_by_role("img")
    expect(charts.first).to_be_visible()
    for index in range(charts.count()):
        chart = charts.nth(index)
        assert chart.get_attribute("aria-labelledby"), index
    assert main(page).locator("figure").count() == charts.count()

    # Drill down into a commune's unions
    section(page, "Theo đơn vị trực thuộc").get_by_role("link", name="Xem các đơn vị cấp dưới").last.click()
    expect(page.get_by_role("navigation", name="Vị trí")).to_contain_text("Công đoàn xã Phú Riềng")
    expect(section(page, "Theo đơn vị trực thuộc")).to_contain_text("Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng")


def test_the_report_on_a_phone(login, plan_work):
    page = login("reviewer", viewport=PHONE)
    page.goto(f"/campaigns/{plan_work['plan']}/report")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    no_horizontal_scroll(page)  # the wide tables scroll inside their box, the page does not
    page.get_by_label("Đợt", exact=True).select_option(label="Đợt I (hạn 31/12/2025)")
    page.get_by_role("button", name="Xem báo cáo").click()
    expect(page.get_by_text("Đợt I (hạn nộp 31/12/2025)")).to_be_visible()
    no_horizontal_scroll(page)
