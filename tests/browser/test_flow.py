"""The whole round in a real browser, three users at once: the union officer drafts, uploads and submits; the
commune union returns it with a reason; the officer mends it and submits again; the reviewer sees what
changed between the two rounds and approves. Every action asks for confirmation first."""
import re

from tests.conftest import tiny_pdf
from tests.dossiers.test_pages import FORM

from .pages import act, expect, fill_dossier_form, main, section, tiny_png

SUBJECT = "Nguyễn Thị Bảo Ngọc (con của Nguyễn Văn Ánh)"
REASON = "Thiếu bản sao giấy khai sinh có chứng thực."


def upload(page, file_type: str, name: str, mime: str, content: bytes) -> None:
    files = section(page, "Tệp đính kèm")
    chooser = files.get_by_label("Loại tệp")
    chooser.select_option(chooser.locator("option", has_text=file_type).get_attribute("value"))
    files.locator("input[type=file]").set_input_files({"name": name, "mimeType": mime, "buffer": content})
    files.get_by_role("button", name="Tải lên").click()
    expect(section(page, "Tệp đính kèm").get_by_role("link", name=name)).to_be_visible()


def test_officer_reviewer_round_trip(login, snap):
    officer = login("officer")
    snap(officer, "officer-home-empty")
    main(officer).get_by_role("link", name="Lập hồ sơ mới").click()
    expect(officer).to_have_url(re.compile(r"/dossiers/new$"))
    officer.get_by_role("link", name=re.compile("tim bẩm sinh")).click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Lập hồ sơ mới")
    fill_dossier_form(officer, FORM)
    officer.get_by_role("button", name="Lưu hồ sơ").click()

    expect(officer).to_have_url(re.compile(r"/dossiers/\d+$"))
    number = int(re.search(r"/dossiers/(\d+)$", officer.url).group(1))
    expect(officer.get_by_role("heading", level=1)).to_have_text(f"Hồ sơ số {number}: {SUBJECT}")
    facts = section(officer, "Thông tin hồ sơ")
    for shown in ("12/04/1985", "28/02/2015", "50.000.000 đ", "Bệnh viện Nhi Đồng 1"):
        expect(facts).to_contain_text(shown)
    expect(officer.get_by_text("Còn thiếu tệp bắt buộc")).to_contain_text("Giấy chỉ định phẫu thuật")
    expect(officer.get_by_role("button", name="Thẩm định đạt")).to_have_count(0)  # only this user's actions

    upload(officer, "Giấy chỉ định phẫu thuật", "chi-dinh.pdf", "application/pdf", tiny_pdf())
    upload(officer, "Giấy khai sinh của trẻ", "khai-sinh.png", "image/png", tiny_png())
    expect(officer.get_by_text("Còn thiếu tệp bắt buộc")).to_have_count(0)
    snap(officer, "dossier-draft")

    # The confirmation page says what will happen; going back changes nothing.
    officer.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Xác nhận: Nộp hồ sơ")
    expect(main(officer)).to_contain_text(f"Hồ sơ số {number}")
    snap(officer, "confirm-submit")
    officer.get_by_role("link", name="Quay lại, không thực hiện").click()
    expect(officer.locator(".badge.state")).to_have_text("Dự thảo")
    act(officer, "Nộp hồ sơ")
    expect(officer.locator(".badge.state")).to_have_text("Đã nộp, chờ xử lý")
    expect(officer.get_by_role("link", name="Sửa hồ sơ")).to_have_count(0)

    reviewer = login("reviewer")
    queue = section(reviewer, "Hồ sơ chờ đơn vị xử lý")
    expect(queue.get_by_role("row").filter(has_text=SUBJECT)).to_contain_text(
        "Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng")
    snap(reviewer, "reviewer-home-queue")
    queue.get_by_role("link", name=f"Số {number} · {SUBJECT}").click()
    expect(reviewer.get_by_role("link", name="Sửa hồ sơ")).to_have_count(0)
    reviewer.get_by_role("button", name="Trả lại hồ sơ").click()  # without a reason: the browser asks for one
    reason_box = reviewer.get_by_label(re.compile(r"^Lý do \(trả lại hồ sơ\)"))
    assert reason_box.evaluate("e => e.validity.valueMissing")
    expect(reviewer.get_by_role("heading", level=1)).to_have_text(f"Hồ sơ số {number}: {SUBJECT}")
    act(reviewer, "Trả lại hồ sơ", reason=REASON)
    expect(reviewer.locator(".badge.state")).to_have_text("Bị trả lại")

    officer.goto("/")
    to_finish = section(officer, "Hồ sơ cần hoàn thiện và nộp").get_by_role("listitem").filter(has_text=SUBJECT)
    expect(to_finish).to_contain_text("Bị trả lại")
    expect(to_finish).to_contain_text(f"Lý do trả lại: {REASON}")
    snap(officer, "officer-home-returned")
    to_finish.get_by_role("link", name=f"Số {number} · {SUBJECT}").click()
    expect(section(officer, "Lịch sử xử lý")).to_contain_text(REASON)
    officer.get_by_role("link", name="Sửa hồ sơ").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text(f"Sửa hồ sơ số {number}")
    hospital = officer.locator("[name=hospital]")
    expect(hospital).to_have_value("Bệnh viện Nhi Đồng 1")
    expect(officer.locator("[name=child_birth_date]")).to_have_value("28/02/2015")
    hospital.fill("Bệnh viện Tim Tâm Đức")
    officer.get_by_role("button", name="Lưu hồ sơ").click()
    unsent = section(officer, "Thay đổi giữa các lần nộp")
    expect(unsent).to_contain_text("Những sửa đổi chưa nộp lại (so với lần nộp 1)")
    expect(unsent.locator("ins")).to_have_text("Bệnh viện Tim Tâm Đức")
    act(officer, "Nộp hồ sơ")
    expect(officer.locator(".badge.state")).to_have_text("Đã nộp, chờ xử lý")

    reviewer.goto("/")
    queue = section(reviewer, "Hồ sơ chờ đơn vị xử lý")
    expect(queue.get_by_role("row").filter(has_text=SUBJECT)).to_contain_text("nộp lại lần 2")
    queue.get_by_role("link", name=f"Số {number} · {SUBJECT}").click()
    changes = section(reviewer, "Thay đổi giữa các lần nộp")
    expect(changes).to_contain_text("Lần nộp 2 so với lần 1")
    changed = changes.get_by_role("row").filter(has_text="Bệnh viện")
    expect(changed).to_have_count(1)
    expect(changed.locator("del")).to_have_text("Bệnh viện Nhi Đồng 1")
    expect(changed.locator("ins")).to_have_text("Bệnh viện Tim Tâm Đức")
    # struck through and underlined as the user sees them, not only tagged
    assert "line-through" in changed.locator("del").evaluate("e => getComputedStyle(e).textDecorationLine")
    snap(reviewer, "dossier-diff")
    act(reviewer, "Thẩm định đạt")
    expect(reviewer.locator(".badge.state")).to_have_text("Đã thẩm định đạt")

    reviewer.goto("/")
    to_forward = section(reviewer, "Hồ sơ đã thẩm định đạt")
    expect(to_forward.get_by_role("checkbox", name=f"Số {number} · {SUBJECT}")).to_be_checked()
    officer.goto("/")
    expect(section(officer, "Hồ sơ đã nộp và kết quả").get_by_role("row").filter(has_text=SUBJECT)).to_contain_text(
        "Đã thẩm định đạt")


def test_a_refused_form_says_why_and_keeps_what_was_typed(login):
    officer = login("officer")
    officer.goto("/dossiers/new?kind=child_heart")
    fill_dossier_form(officer, {**FORM, "citizen_id": "07008500123", "child_birth_date": "31/02/2015"})
    officer.get_by_role("button", name="Lưu hồ sơ").click()
    expect(officer.get_by_role("alert")).to_contain_text("Hồ sơ chưa lưu được")
    expect(main(officer)).to_contain_text("Số CCCD phải gồm đúng 12 chữ số.")
    expect(main(officer)).to_contain_text("Ngày không hợp lệ, nhập theo dạng dd/mm/yyyy.")
    expect(officer.locator("[name=citizen_id]")).to_have_value("07008500123")
    expect(officer.locator("[name=child_full_name]")).to_have_value("Nguyễn Thị Bảo Ngọc")
