"""Rules that speak early (issue 13): a draft is saved whatever its rules say, and says at once, at the field, what
would be refused; the submit confirmation lists what will be refused and does not offer to submit; the province's
amounts are checked before its confirmation, each problem naming its dossier; a returned dossier says why at the
top; the occasion of an aid is chosen from those in force; several files are uploaded at once, all or nothing."""
import io
import re
from datetime import date

from ..conftest import tiny_pdf
from .test_pages import FORM, dossier_id, html
from .test_province import three_in_a_batch

TOO_OLD = "Trẻ phải dưới 16 tuổi"
OVER_COST = "Số tiền đề nghị không được lớn hơn chi phí dự kiến."
OVER_CAP = "Mức hỗ trợ tối đa cho tim bẩm sinh là 50.000.000 đồng"


def beside(body: str, key: str, what: str = "warning") -> str:
    """The text of the warning (or error) shown under the field `key` of a dossier form."""
    found = re.search(rf'id="f-{re.escape(key)}-{what}"[^>]*>(.*?)</div>\s*</div>', body, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


def state_of(api, number):
    return api.get("officer", f"/api/v1/dossiers/{number}").json["state"]


# --- 1. a draft's rules at save, at the field ---------------------------------------------------------------------

def test_a_draft_that_breaks_rules_is_saved_and_says_so_at_once(browser, api):
    page = browser("officer")
    saved = page.post("/dossiers/new", {**FORM, "child_birth_date": "01/06/2009", "requested_amount_vnd": "90.000.000"})
    assert saved.status_code == 302  # a draft may be saved however far from submittable
    number = dossier_id(saved)
    detail = html(page.get(f"/dossiers/{number}"))
    for message in (TOO_OLD, OVER_COST, OVER_CAP):  # every broken rule, two on the same field included
        assert message in detail, message
    facts = detail.split('id="facts-heading"')[1].split("</section>")[0]
    assert TOO_OLD in facts  # beside the value on the page, not only in a list
    form = html(page.get(f"/dossiers/{number}/edit"))
    assert TOO_OLD in beside(form, "child_birth_date")
    assert OVER_COST in beside(form, "requested_amount_vnd") and OVER_CAP in beside(form, "requested_amount_vnd")
    assert beside(form, "hospital") == ""
    assert re.search(r'id="f-child_birth_date" [^>]*aria-describedby="[^"]*f-child_birth_date-warning"', form)
    assert state_of(api, number) == "draft"


def test_an_edit_that_breaks_a_rule_is_saved_and_warned(browser, api):
    dossier = api.create()
    page = browser("officer")
    detail = html(page.get(f"/dossiers/{dossier['id']}"))
    assert TOO_OLD not in detail and "rule-warnings" not in detail
    saved = page.post(f"/dossiers/{dossier['id']}/edit",
                      {**FORM, "version": str(dossier["version"]), "estimated_cost_vnd": "40.000.000"})
    assert saved.status_code == 302
    followed = page.get(saved.headers["Location"])
    body = html(followed)
    assert OVER_COST in body and "Đã lưu thay đổi." in body


def test_the_api_says_the_rules_a_saved_draft_breaks(api):
    created = api.create(child_birth_date="2009-06-01")  # a draft is still accepted
    assert TOO_OLD in " ".join(created["warnings"]["child_birth_date"])
    fixed = api.patch("officer", f"/api/v1/dossiers/{created['id']}",
                      {"version": created["version"], "data": {"child_birth_date": "2015-02-28"}})
    assert fixed.status_code == 200 and fixed.json["warnings"] == {}
    submitted = api.fire_ok("officer", fixed.json, "submit")
    assert "warnings" not in api.view("reviewer", submitted) and "warnings" not in submitted


# --- 1. the submit confirmation ---------------------------------------------------------------------------------

def test_the_submit_confirmation_says_what_will_be_refused_and_offers_no_submit(browser, api):
    dossier = api.create(child_birth_date="2009-06-01", requested_amount_vnd=90_000_000, hospital=None)
    api.attach_required("officer", dossier["id"])
    page = browser("officer")
    version = api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json["version"]
    asked = page.post(f"/dossiers/{dossier['id']}/events/submit", {"version": str(version)})
    body = html(asked)
    assert asked.status_code == 422
    for message in (TOO_OLD, OVER_COST, OVER_CAP, "Bệnh viện chỉ định phẫu thuật"):
        assert message in body, message
    assert 'name="confirm"' not in body  # no way to confirm what would be refused
    assert f'href="/dossiers/{dossier["id"]}/edit#f-child_birth_date"' in body  # straight to the field
    assert state_of(api, dossier["id"]) == "draft"


def test_the_submit_confirmation_names_missing_files(browser, api):
    dossier = api.create()
    asked = browser("officer").post(f"/dossiers/{dossier['id']}/events/submit", {"version": str(dossier["version"])})
    body = html(asked)
    assert asked.status_code == 422 and 'name="confirm"' not in body
    assert "Giấy chỉ định phẫu thuật" in body and "Giấy khai sinh của trẻ" in body


def test_the_submit_confirmation_knows_the_person_already_has_an_aid(browser, api, today):
    from .test_union_housing_and_accident_aid import aid

    today(date(2026, 1, 10))
    first = api.post("officer", "/api/v1/dossiers", {"kind": "accident_aid", "data": aid()}).json
    api.fire_ok("officer", first, "submit")
    second = api.post("officer3", "/api/v1/dossiers", {"kind": "accident_aid", "data": aid()}).json
    api.attach_required("officer3", second["id"])
    asked = browser("officer3").post(f"/dossiers/{second['id']}/events/submit", {"version": str(second["version"])})
    body = html(asked)
    assert asked.status_code == 422 and 'name="confirm"' not in body and "đã có hồ sơ hỗ trợ" in body


def test_a_submittable_dossier_is_still_offered_for_confirmation(browser, api):
    dossier = api.create()
    api.attach_required("officer", dossier["id"])
    version = api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json["version"]
    asked = browser("officer").post(f"/dossiers/{dossier['id']}/events/submit", {"version": str(version)})
    assert asked.status_code == 200 and 'name="confirm" value="1"' in html(asked)


# --- 2. the province's amounts before its confirmation -----------------------------------------------------------

def _decision_form(a, b, granted_a="25.000.000", granted_b="5.000.000.000", event="accept", comment=""):
    return {"event": event, "comment": comment, "dossier_id": [str(a["id"]), str(b["id"])],
            f"version-{a['id']}": str(a["version"]), f"granted-{a['id']}": granted_a,
            f"version-{b['id']}": str(b["version"]), f"granted-{b['id']}": granted_b}


def test_the_provinces_amounts_are_checked_before_its_confirmation(api, browser):
    batch, (a, b, c) = three_in_a_batch(api)
    page = browser("liaison")
    review = page.post(f"/batches/{batch['id']}/decisions", _decision_form(a, b))
    body = html(review)
    assert review.status_code == 422
    assert 'name="confirm"' not in body
    problem = re.search(r'<li[^>]*class="[^"]*decision-problem[^"]*"[^>]*>(.*?)</li>', body, re.S)
    assert problem, body
    named = " ".join(re.sub(r"<[^>]+>", " ", problem.group(1)).split())
    assert f"Hồ sơ số {b['id']}" in named and "Trần Thị Lệ Thủy" in named and "30.000.000" in named
    # what was typed stays: the amounts and the ticks
    assert f'name="granted-{b["id"]}"' in body and 'value="5.000.000.000"' in body and 'value="25.000.000"' in body
    assert re.search(rf'name="dossier_id" value="{a["id"]}"[^>]*checked', body)
    assert not re.search(rf'name="dossier_id" value="{c["id"]}"[^>]*checked', body)
    assert re.search(rf'id="granted-{b["id"]}"[^>]*aria-invalid="true"', body)
    for d in (a, b):
        assert api.view("liaison", d)["state"] == "forwarded"


def test_an_unreadable_amount_and_a_missing_reason_are_said_before_confirmation(api, browser):
    batch, (a, b, _) = three_in_a_batch(api)
    page = browser("liaison")
    unreadable = page.post(f"/batches/{batch['id']}/decisions", _decision_form(a, b, granted_b="30 triệu"))
    assert unreadable.status_code == 422 and "Phải là số nguyên, ví dụ 1.500.000." in html(unreadable)
    assert 'value="30 triệu"' in html(unreadable)
    no_reason = page.post(f"/batches/{batch['id']}/decisions", _decision_form(a, b, event="reject"))
    body = html(no_reason)
    assert no_reason.status_code == 422 and "Vui lòng nhập lý do." in body and 'name="confirm"' not in body
    assert re.search(r'type="radio" name="event" value="reject"[^>]*checked', body)
    ok = page.post(f"/batches/{batch['id']}/decisions", _decision_form(a, b, granted_b="30.000.000"))
    assert ok.status_code == 200 and 'name="confirm" value="1"' in html(ok)


def test_a_row_refused_after_confirmation_names_its_dossier(api, browser):
    batch, (a, b, _) = three_in_a_batch(api)
    done = browser("liaison").post(f"/batches/{batch['id']}/decisions", {**_decision_form(a, b), "confirm": "1"})
    body = html(done)
    assert done.status_code == 200
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", body, re.S) if "Không thực hiện" in r)
    assert "Trần Thị Lệ Thủy" in row and str(b["id"]) in row


# --- 3. a returned dossier says why at the top ---------------------------------------------------------------------

def test_a_returned_dossier_says_why_at_the_top_and_what_to_do(api, browser):
    reason = "Thiếu bản sao giấy khai sinh có chứng thực."
    dossier = api.fire_ok("officer", api.create(), "submit")
    api.fire_ok("reviewer", dossier, "return", comment=reason)
    body = html(browser("officer").get(f"/dossiers/{dossier['id']}"))
    top = body.split('class="route-line')[0]  # before the route, the facts and the history
    assert "returned-notice" in top, top[-3000:]
    notice = top.split("returned-notice")[1]
    text = " ".join(re.sub(r"<[^>]+>", " ", notice).split())
    assert reason in text and "Công đoàn xã Phú Riềng" in text
    assert "Sửa hồ sơ" in text and "Nộp hồ sơ" in text  # what to do: mend, then submit again
    assert f'href="/dossiers/{dossier["id"]}/edit"' in notice
    staff = html(browser("reviewer").get(f"/dossiers/{dossier['id']}"))
    assert reason in staff.split('class="route-line')[0] and "Sửa hồ sơ" not in staff


# --- 4. the occasion chosen from those in force --------------------------------------------------------------------

def _occasion_select(body: str) -> str:
    found = re.search(r'<select[^>]*name="occasion".*?</select>', body, re.S)
    assert found, "no select for the occasion"
    return found.group(0)


def test_the_occasion_is_chosen_from_those_in_force(browser, api, app):
    from workflow.dossiers.rules import add_rule_set
    from workflow.extensions import db
    from workflow.orgs.models import Organisation

    page = browser("officer")
    select = _occasion_select(html(page.get("/dossiers/new?kind=accident_aid")))
    assert '<option value="Tết Bính Ngọ 2026"' in select and "1.300.000" in select
    with app.app_context():
        province = db.session.query(Organisation).filter_by(code="ldld-dong-nai").one()
        add_rule_set(None, kind="accident_aid", jurisdiction_id=province.id, valid_from=date(2026, 1, 1),
                     valid_to=date(2026, 6, 30), basis="Kế hoạch chăm lo Tết và Tháng Công nhân (thử nghiệm)",
                     params={"occasions": {"Tết Bính Ngọ 2026": 1_300_000, "Tháng Công nhân năm 2026": 800_000}})
        db.session.commit()
    select = _occasion_select(html(page.get("/dossiers/new?kind=accident_aid")))
    assert '<option value="Tháng Công nhân năm 2026"' in select and '<option value="Tết Bính Ngọ 2026"' in select


def test_an_occasion_typed_through_the_api_shows_chosen_and_one_not_in_force_is_refused(browser, api, today):
    today(date(2026, 1, 10))
    page = browser("officer")
    spaced = api.create(kind="accident_aid", occasion="tết  bính ngọ 2026")  # the API keeps taking the text
    assert re.search(r'<option value="Tết Bính Ngọ 2026"[^>]*selected', _occasion_select(
        html(page.get(f"/dossiers/{spaced['id']}/edit"))))
    unknown = api.create(kind="accident_aid", occasion="Tết Đinh Mùi 2027", citizen_id="070188009999")
    edit = html(page.get(f"/dossiers/{unknown['id']}/edit"))
    assert re.search(r'<option value="Tết Đinh Mùi 2027"[^>]*selected', _occasion_select(edit))  # kept, not lost
    assert "Dịp hỗ trợ phải là một trong: Tết Bính Ngọ 2026." in beside(edit, "occasion")
    refused = api.fire("officer", unknown, "submit")
    assert refused.status_code == 422 and refused.json["errors"]["occasion"] == [
        "Dịp hỗ trợ phải là một trong: Tết Bính Ngọ 2026."]
    # the form's select is checked on the server: an occasion it did not offer is refused at the field
    from .test_union_housing_and_accident_aid import PERSON

    form = {"kind": "accident_aid", **{k: v for k, v in PERSON.items() if k not in ("birth_date", "member_since")},
            "birth_date": "02/10/1988", "member_since": "01/03/2012", "case_type": "labour_accident",
            "occurred_on": "10/12/2025", "description": "Bị thương khi vận hành máy.", "occasion": "Tết Nhâm Tý 2032",
            "requested_amount_vnd": "1.000.000"}
    crafted = page.post("/dossiers/new", form)
    assert crafted.status_code == 422 and "Chọn một dịp hỗ trợ trong danh sách" in beside(
        html(crafted), "occasion", "error")
    chosen = page.post("/dossiers/new", {**form, "occasion": "Tết Bính Ngọ 2026", "citizen_id": "070188001111"})
    assert chosen.status_code == 302


# --- 6. several files at once, all or nothing -------------------------------------------------------------------

def _files(*named):
    return [(io.BytesIO(data), name) for name, data in named]


def test_several_files_are_uploaded_at_once(browser, api):
    dossier = api.create()
    page = browser("officer")
    detail = html(page.get(f"/dossiers/{dossier['id']}"))
    assert re.search(r'<input[^>]*type="file"[^>]*multiple', detail)
    done = page.post(f"/dossiers/{dossier['id']}/attachments", {
        "attachment_type": "hardship_evidence",
        "file": _files(("so-ho-ngheo.pdf", tiny_pdf()), ("xac-nhan.pdf", tiny_pdf(2)))},
        content_type="multipart/form-data")
    assert done.status_code == 302
    shown = html(page.get(done.headers["Location"]))
    assert "so-ho-ngheo.pdf" in shown and "xac-nhan.pdf" in shown and "Đã tải lên 2 tệp" in shown
    names = [a["filename"] for a in api.get("officer", f"/api/v1/dossiers/{dossier['id']}/attachments").json[
        "attachments"]]
    assert sorted(names) == ["so-ho-ngheo.pdf", "xac-nhan.pdf"]


def test_one_bad_file_refuses_the_upload_and_names_it(browser, api):
    dossier = api.create()
    page = browser("officer")
    refused = page.post(f"/dossiers/{dossier['id']}/attachments", {
        "attachment_type": "hardship_evidence",
        "file": _files(("tot.pdf", tiny_pdf()), ("virus.exe", b"MZ" * 50), ("cung-tot.pdf", tiny_pdf()))},
        content_type="multipart/form-data")
    body = html(refused)
    assert refused.status_code == 422
    assert "virus.exe" in body and "Chỉ nhận tệp PDF, JPEG hoặc PNG" in body
    assert "Chưa tải lên tệp nào" in body  # all or nothing: the good ones are not kept either
    assert api.get("officer", f"/api/v1/dossiers/{dossier['id']}/attachments").json["attachments"] == []


def test_one_dossiers_amount_is_checked_before_its_confirmation_too(api, browser):
    dossier, staff = api.at_decider(kind="union_housing")
    page = browser(staff)
    over = page.post(f"/dossiers/{dossier['id']}/events/accept",
                     {"version": str(dossier["version"]), "granted_amount_vnd": "5.000.000.000"})
    body = html(over)
    assert over.status_code == 422 and 'name="confirm"' not in body
    assert "không vượt quá số tiền đề nghị (30.000.000 đồng)" in body and 'value="5.000.000.000"' in body
    fine = page.post(f"/dossiers/{dossier['id']}/events/accept",
                     {"version": str(dossier["version"]), "granted_amount_vnd": "30.000.000"})
    assert fine.status_code == 200 and 'name="confirm" value="1"' in html(fine)
