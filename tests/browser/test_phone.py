"""At a phone's width (390x844) the navigation folds into the menu button and no page scrolls sideways."""
import re

from .conftest import PHONE
from .pages import expect, main, no_horizontal_scroll, section

SUBJECT = "Nguyễn Thị Bảo Ngọc (con của Nguyễn Văn Ánh)"


def test_phone_menu_and_no_sideways_scroll(api, login):
    dossier = api.fire_ok("officer", api.create(), "submit")
    returned = api.fire_ok("reviewer", dossier, "return", comment="Thiếu bản sao giấy khai sinh có chứng thực.")
    edited = api.patch("officer", f"/api/v1/dossiers/{dossier['id']}",
                       {"version": returned["version"], "data": {"hospital": "Bệnh viện Tim Tâm Đức"}})
    assert edited.status_code == 200, edited.json
    api.fire_ok("officer", edited.json, "submit")
    api.approved(child_full_name="Trần Minh Khang")

    officer = login("officer", viewport=PHONE)
    assert officer.viewport_size == PHONE
    menu = officer.get_by_role("button", name="Mở menu")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    list_link = officer.get_by_role("navigation").first.get_by_role("link", name="Danh sách hồ sơ")
    expect(list_link).to_be_hidden()
    no_horizontal_scroll(officer)

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(list_link).to_be_visible()
    list_link.click()
    expect(officer).to_have_url(re.compile(r"/dossiers$"))
    expect(officer.get_by_role("heading", level=1)).to_have_text("Danh sách hồ sơ")
    expect(list_link).to_be_hidden()  # folded again on the new page
    expect(main(officer).get_by_role("row").filter(has_text="Trần Minh Khang")).to_have_count(1)
    no_horizontal_scroll(officer)

    main(officer).get_by_role("link", name=SUBJECT).click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text(SUBJECT)
    expect(section(officer, "Thay đổi giữa các lần nộp").locator("ins")).to_have_text("Bệnh viện Tim Tâm Đức")
    no_horizontal_scroll(officer)

    reviewer = login("reviewer", viewport=PHONE)
    expect(section(reviewer, "Hồ sơ chờ đơn vị xử lý")).to_contain_text(SUBJECT)
    expect(section(reviewer, "Hồ sơ đã thẩm định đạt")).to_contain_text("Trần Minh Khang")
    no_horizontal_scroll(reviewer)
    reviewer.goto(f"/dossiers/{dossier['id']}")
    expect(section(reviewer, "Thay đổi giữa các lần nộp").locator("del")).to_have_text("Bệnh viện Nhi Đồng 1")
    no_horizontal_scroll(reviewer)
