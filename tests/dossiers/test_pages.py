"""The web pages, driven as a browser would: forms with CSRF tokens, dd/mm/yyyy dates and 1.500.000 amounts."""
import re

FORM = {
    "kind": "child_heart",
    "full_name": "Nguyễn Văn Ánh", "gender": "male", "birth_date": "12/04/1985", "citizen_id": "070085001234",
    "member_since": "01/05/2008", "workplace": "Nông trường Phú Riềng Đỏ", "position": "Công nhân cạo mủ",
    "phone": "0912 345 678", "address": "Ấp 3, xã Phú Riềng",
    "child_full_name": "Nguyễn Thị Bảo Ngọc", "child_birth_date": "28/02/2015", "child_gender": "female",
    "diagnosis_group": "congenital_heart", "diagnosis": "Thông liên thất (VSD)", "hospital": "Bệnh viện Nhi Đồng 1",
    "surgery_indicated_on": "02/01/2018", "estimated_cost_vnd": "85.000.000", "requested_amount_vnd": "50.000.000 đ",
    "hardship_criteria": ["parent_lost_job", "single_mother"],
}


def dossier_id(response):
    return int(re.search(r"/dossiers/(\d+)$", response.headers["Location"]).group(1))


def html(response):
    return response.get_data(as_text=True)


def test_a_refused_form_keeps_what_was_typed_and_says_why_per_field(browser, api):
    page = browser("officer")
    typed = {**FORM, "citizen_id": "07008500123", "child_birth_date": "31/02/2015", "requested_amount_vnd": "50 triệu"}
    response = page.post("/dossiers/new", typed)
    assert response.status_code == 422
    body = html(response)
    assert "Số CCCD phải gồm đúng 12 chữ số." in body
    assert "Ngày không hợp lệ, nhập theo dạng dd/mm/yyyy." in body
    assert "Phải là số nguyên, ví dụ 1.500.000." in body
    for value in ("07008500123", "31/02/2015", "50 triệu", "Nguyễn Thị Bảo Ngọc", "Thông liên thất (VSD)"):
        assert f'value="{value}"' in body, value
    assert 'value="single_mother" checked' in body
    assert api.get("officer", "/api/v1/dossiers").json["dossiers"] == []


def test_user_input_is_escaped(browser, api):
    page = browser("officer")
    response = page.post("/dossiers/new", {**FORM, "full_name": "<script>alert(1)</script>"})
    assert response.status_code == 302
    body = html(page.get(response.headers["Location"]))
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_the_whole_flow_through_the_pages(browser, api):
    officer, reviewer, liaison, tld = browser("officer"), browser("reviewer"), browser("liaison"), browser("tld")
    created = officer.post("/dossiers/new", FORM)
    assert created.status_code == 302
    number = dossier_id(created)
    detail = html(officer.get(f"/dossiers/{number}"))
    assert "Nộp hồ sơ" in detail and "12/04/1985" in detail and "50.000.000 đ" in detail
    assert "Thẩm định đạt" not in detail  # only the actions this user may take now
    assert "Nếu nộp hôm nay, hồ sơ sẽ đi theo tuyến:" in detail  # the route of today's tree, before it is kept
    route = detail.split('class="route-steps"')[1].split("</ol>")[0]
    assert [name for name in ("Công đoàn xã Phú Riềng", "Liên đoàn Lao động tỉnh Đồng Nai",
                              "Tổng Liên đoàn Lao động Việt Nam") if name in route] == [
        "Công đoàn xã Phú Riềng", "Liên đoàn Lao động tỉnh Đồng Nai", "Tổng Liên đoàn Lao động Việt Nam"]

    version = lambda: api.get("officer", f"/api/v1/dossiers/{number}").json["version"]  # noqa: E731
    refused = officer.post(f"/dossiers/{number}/events/submit", {"confirm": "1", "version": version()})
    assert refused.status_code == 422 and "Thiếu tệp đính kèm bắt buộc: Giấy chỉ định phẫu thuật" in html(refused)
    api.attach_required("officer", number)
    asked = officer.post(f"/dossiers/{number}/events/submit", {"version": version()})
    assert (asked.status_code == 200 and "Xác nhận: Nộp hồ sơ" in html(asked)
            and 'name="confirm" value="1"' in html(asked))
    # nothing happens before confirming
    assert api.get("officer", f"/api/v1/dossiers/{number}").json["state"] == "draft"
    assert officer.post(f"/dossiers/{number}/events/submit", {"confirm": "1", "version": version()}).status_code == 302

    reviewer_page = html(reviewer.get(f"/dossiers/{number}"))
    assert "Trả lại hồ sơ" in reviewer_page and "Thẩm định đạt" in reviewer_page and "Sửa hồ sơ" not in reviewer_page
    current = reviewer_page.split('aria-current="step"')[1].split("</li>")[0]
    assert "Công đoàn xã Phú Riềng" in current and "đang xử lý" in current
    no_reason = reviewer.post(f"/dossiers/{number}/events/return",
                              {"confirm": "1", "version": version(), "comment": " "})
    assert no_reason.status_code == 422 and "Vui lòng nhập lý do." in html(no_reason)
    assert reviewer.post(f"/dossiers/{number}/events/return",
                         {"confirm": "1", "version": version(),
                          "comment": "Thiếu bản sao giấy khai sinh."}).status_code == 302
    officer_view = html(officer.get(f"/dossiers/{number}"))
    assert "Thiếu bản sao giấy khai sinh." in officer_view and "Bị trả lại" in officer_view

    edit_form = html(officer.get(f"/dossiers/{number}/edit"))
    assert 'value="28/02/2015"' in edit_form and 'value="85.000.000"' in edit_form
    assert officer.post(f"/dossiers/{number}/edit", {**FORM, "hospital": "Bệnh viện Tim Tâm Đức",
                                                     "version": version()}).status_code == 302
    unsent = html(officer.get(f"/dossiers/{number}"))
    assert "Những sửa đổi chưa nộp lại (so với lần nộp 1)" in unsent and "Bệnh viện Tim Tâm Đức" in unsent
    assert officer.post(f"/dossiers/{number}/events/submit", {"confirm": "1", "version": version()}).status_code == 302
    changes = html(reviewer.get(f"/dossiers/{number}"))
    assert "Lần nộp 2 so với lần 1" in changes
    assert "<del>Bệnh viện Nhi Đồng 1</del>" in changes and "<ins>Bệnh viện Tim Tâm Đức</ins>" in changes
    assert reviewer.post(f"/dossiers/{number}/events/approve",
                         {"confirm": "1", "version": version()}).status_code == 302

    listing = html(reviewer.get("/dossiers"))
    assert f'name="dossier_id" value="{number}"' in listing
    asked = reviewer.post("/batches", {"dossier_id": str(number), f"version-{number}": str(version())})
    assert asked.status_code == 200 and "Xác nhận: Chuyển lên cấp trên" in html(asked)
    assert "sẽ được chuyển lên Liên đoàn Lao động tỉnh Đồng Nai" in html(asked)
    assert api.get("reviewer", f"/api/v1/dossiers/{number}").json["state"] == "approved"
    forwarded = reviewer.post("/batches", {"confirm": "1", "dossier_id": str(number),
                                           f"version-{number}": str(version())})
    assert forwarded.status_code == 302
    batch_page = html(reviewer.get(forwarded.headers["Location"]))
    assert "Tờ trình số 03/TTr-CĐX" in batch_page  # after 01/TB (return) and 02/BB (approve)

    province_page = html(liaison.get(f"/dossiers/{number}"))  # the province reviews a child's heart surgery
    assert 'name="granted_amount_vnd"' not in province_page and "Thẩm định đạt" in province_page
    assert liaison.post(f"/dossiers/{number}/events/approve", {"confirm": "1", "version": version()}).status_code == 302
    assert "Chuyển lên Tổng Liên đoàn Lao động Việt Nam" in html(liaison.get(f"/dossiers/{number}"))
    assert liaison.post("/batches", {"confirm": "1", "dossier_id": str(number),
                                     f"version-{number}": str(version())}).status_code == 302

    decision_page = html(tld.get(f"/dossiers/{number}"))
    assert 'name="granted_amount_vnd"' in decision_page and 'value="50.000.000"' in decision_page
    too_much = tld.post(f"/dossiers/{number}/events/accept",
                        {"confirm": "1", "version": version(), "granted_amount_vnd": "60.000.000"})
    assert too_much.status_code == 422 and "không vượt quá số tiền đề nghị" in html(too_much)
    assert tld.post(f"/dossiers/{number}/events/accept",
                    {"confirm": "1", "version": version(), "granted_amount_vnd": "45.000.000"}).status_code == 302

    final = html(officer.get(f"/dossiers/{number}"))
    assert "Được chấp thuận" in final and "45.000.000 đ" in final
    links = set(re.findall(r'href="(/documents/\d+)"', final))  # listed, and linked from the history
    assert len(links) == 6  # TTr, TB, TTr, BB, BB, QĐ (the batches' Tờ trình stay with the federations)
    for link in links:
        response = officer.get(link)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Thiếu bản sao giấy khai sinh." in final  # the history keeps the reason


def test_officer_cannot_open_the_edit_form_once_submitted(browser, api):
    dossier = api.fire_ok("officer", api.create(), "submit")
    assert browser("officer").get(f"/dossiers/{dossier['id']}/edit").status_code == 403
    assert browser("reviewer").get(f"/dossiers/{dossier['id']}/edit").status_code == 403


def test_pages_are_vietnamese_and_utf8(browser):
    response = browser("reviewer").get("/dossiers")
    assert response.content_type == "text/html; charset=utf-8"
    assert '<html lang="vi">' in html(response) and "Danh sách hồ sơ" in html(response)
