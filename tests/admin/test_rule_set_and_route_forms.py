"""Rule sets and routes as forms: an admin fills in labelled fields (amounts as 1.500.000 đ, rows for occasions and
for steps), previews what the change affects, then saves; add_rule_set and add_route judge it, and every save leaves
an audit row. The API and the CLI keep their JSON (tests/dossiers/test_rule_sets.py)."""
import html
import re
from datetime import date

import pytest
import sqlalchemy as sa

from workflow.audit.models import AdminChange
from workflow.dossiers.models import Route, RuleSet
from workflow.extensions import db
from workflow.orgs.models import Organisation


@pytest.fixture
def orgs(app, demo_data):
    with app.app_context():
        return {code: str(id_) for code, id_ in db.session.execute(sa.select(Organisation.code, Organisation.id))}


def housing(orgs, **changes) -> dict:
    form = {"kind": "union_housing", "jurisdiction_id": orgs["ldld-dong-nai"], "valid_from": "01/02/2026",
            "valid_to": "", "basis": "Quyết định số 20/QĐ-LĐLĐ của LĐLĐ tỉnh Đồng Nai",
            "p-caps_vnd-new_build": "40.000.000", "p-caps_vnd-repair": "25.000.000", "p-min_member_years": "3"}
    form.update(changes)
    return form


def route(orgs, **changes) -> dict:
    form = {"kind": "accident_aid", "jurisdiction_id": orgs["ldld-dong-nai"], "valid_from": "01/02/2026",
            "valid_to": "", "basis": "Quyết định số 21/QĐ-LĐLĐ của LĐLĐ tỉnh Đồng Nai",
            "steps-0-level": "upper_grassroots", "steps-0-role": "review", "steps-0-decides_up_to_vnd": "5.000.000",
            "steps-1-level": "province", "steps-1-role": "decide", "steps-1-decides_up_to_vnd": "",
            "steps-2-level": "", "steps-2-role": "", "steps-2-decides_up_to_vnd": ""}
    form.update(changes)
    return form


def error_beside(page: str, key: str) -> str:
    """The messages shown under the control named `key` (empty when none)."""
    found = re.search(rf'id="f-{re.escape(key)}-error">(.*?)</div>\s*</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def typed(page: str, key: str) -> str:
    return html.unescape(re.search(rf'name="{re.escape(key)}" id="f-{re.escape(key)}" value="([^"]*)"', page).group(1))


def hidden_inputs(page: str) -> dict:
    return {name: html.unescape(value) for name, value in
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page) if name != "csrf_token"}


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                     for model in (RuleSet, Route, AdminChange))


def test_the_kind_comes_first_and_the_form_is_filled_from_the_rule_set_in_force(browser):
    page = browser("admin")
    chooser = page.get("/admin/rule-sets/new").get_data(as_text=True)
    assert 'name="kind"' in chooser and 'type="radio"' in chooser and "p-caps_vnd" not in chooser

    form = page.get("/admin/rule-sets/new?kind=union_housing").get_data(as_text=True)
    assert "Mức hỗ trợ tối đa xây mới" in form and ">đ</span>" in form and ">năm</span>" in form
    assert typed(form, "p-caps_vnd-new_build") == "30.000.000" and typed(form, "p-min_member_years") == ""
    assert "{" not in re.sub(r"<script.*?</script>", "", form.split("<main", 1)[1], flags=re.S)  # no JSON shown

    aid = page.get("/admin/rule-sets/new?kind=accident_aid").get_data(as_text=True)
    assert typed(aid, "p-occasions-0-name") == "Tết Bính Ngọ 2026" and typed(aid, "p-occasions-0-amount") == "1.300.000"
    assert typed(aid, "p-occasions-1-name") == ""  # room for another occasion
    creative = page.get("/admin/rule-sets/new?kind=creative_labour").get_data(as_text=True)
    assert typed(creative, "p-categories-A-three_consecutive_years_vnd") == "120.000.000"
    heart = page.get("/admin/rule-sets/new?kind=child_heart").get_data(as_text=True)
    assert typed(heart, "p-max_age_years") == "16" and ">tuổi</span>" in heart


def test_posting_the_fields_creates_the_rule_set_and_its_audit_row(browser, app, orgs):
    page = browser("admin")
    response = page.post("/admin/rule-sets/new", {**housing(orgs), "action": "save"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        rule_set = db.session.scalar(sa.select(RuleSet).order_by(RuleSet.id.desc()))
        assert (rule_set.kind, rule_set.valid_from, rule_set.jurisdiction.code) == (
            "union_housing", date(2026, 2, 1), "ldld-dong-nai")
        assert rule_set.params == {"caps_vnd": {"new_build": 40_000_000, "repair": 25_000_000}, "min_member_years": 3}
        audit = db.session.scalar(sa.select(AdminChange).where(AdminChange.action == "rule_set.create"))
        assert (audit.subject_type, audit.subject_id, audit.organisation_id) == ("rule_set", rule_set.id,
                                                                                 rule_set.jurisdiction_id)
        assert audit.actor.username == "admin" and audit.before is None
        assert audit.after["params"] == rule_set.params and audit.after["valid_from"] == "2026-02-01"
    listing = page.get("/admin/rule-sets").get_data(as_text=True)
    assert "40.000.000 đ" in listing and "3 năm" in listing and "sắp áp dụng" in listing
    assert "&#34;" not in listing and '"caps_vnd"' not in listing  # read as labelled values, not JSON

    occasions = page.post("/admin/rule-sets/new", {
        "kind": "accident_aid", "jurisdiction_id": orgs["ldld-dong-nai"], "valid_from": "15/01/2026",
        "basis": "Kế hoạch chăm lo Tết của LĐLĐ tỉnh Đồng Nai", "action": "save",
        "p-occasions-0-name": "Tết Bính Ngọ 2026", "p-occasions-0-amount": "1.500.000 đ",
        "p-occasions-1-name": "", "p-occasions-1-amount": "",
        "p-occasions-2-name": " Tháng Công nhân 2026 ", "p-occasions-2-amount": "1000000"})
    assert occasions.status_code == 302, occasions.get_data(as_text=True)
    with app.app_context():
        rule_set = db.session.scalar(sa.select(RuleSet).order_by(RuleSet.id.desc()))
        assert rule_set.params == {"occasions": {"Tết Bính Ngọ 2026": 1_500_000, "Tháng Công nhân 2026": 1_000_000}}


def test_bad_values_are_refused_beside_their_field_and_kept_as_typed(browser, app, orgs):
    page = browser("admin")
    before = counts(app)
    response = page.post("/admin/rule-sets/new", housing(
        orgs, **{"p-caps_vnd-new_build": "-5.000.000", "p-caps_vnd-repair": "abc", "p-min_member_years": "-1",
                 "valid_to": "32/13/2026", "action": "save"}))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert error_beside(text, "p-caps_vnd-new_build") == "Số tiền không được âm."
    assert error_beside(text, "p-caps_vnd-repair") == "Phải là số nguyên, ví dụ 1.500.000."
    assert error_beside(text, "p-min_member_years") == "Không được âm."  # add_rule_set's verdict, beside its field
    assert "dd/mm/yyyy" in error_beside(text, "valid_to")
    assert typed(text, "p-caps_vnd-new_build") == "-5.000.000" and typed(text, "p-caps_vnd-repair") == "abc"
    assert "Quyết định số 20/QĐ-LĐLĐ" in text

    zero = page.post("/admin/rule-sets/new", housing(orgs, **{"p-caps_vnd-repair": "0", "p-caps_vnd-new_build": ""}))
    assert zero.status_code == 422
    assert error_beside(zero.get_data(as_text=True), "p-caps_vnd-repair") == "Phải lớn hơn 0."
    assert error_beside(zero.get_data(as_text=True), "p-caps_vnd-new_build") == "Thiếu giá trị."

    nameless = page.post("/admin/rule-sets/new", {
        "kind": "accident_aid", "jurisdiction_id": orgs["ldld-dong-nai"], "valid_from": "15/01/2026",
        "basis": "Kế hoạch chăm lo Tết", "p-occasions-0-name": "Tết Bính Ngọ 2026", "p-occasions-0-amount": "1.300.000",
        "p-occasions-1-name": "", "p-occasions-1-amount": "900.000",
        "p-occasions-2-name": "tết  bính ngọ 2026", "p-occasions-2-amount": "1.000.000"})
    assert nameless.status_code == 422
    text = nameless.get_data(as_text=True)
    assert error_beside(text, "p-occasions-1-name") == "Nhập tên cho dòng này."
    assert error_beside(text, "p-occasions-2-name") == "Tên này trùng với một dòng ở trên."
    assert typed(text, "p-occasions-1-amount") == "900.000"
    assert typed(text, "p-occasions-2-name") == "tết  bính ngọ 2026"

    empty = page.post("/admin/rule-sets/new", {
        "kind": "accident_aid", "jurisdiction_id": orgs["ldld-dong-nai"], "valid_from": "15/01/2026",
        "basis": "Kế hoạch chăm lo Tết", "p-occasions-0-name": "", "p-occasions-0-amount": ""})
    assert empty.status_code == 422
    assert error_beside(empty.get_data(as_text=True), "p-occasions") == "Cần ít nhất một mục."
    assert counts(app) == before


def test_the_preview_shows_before_and_after_and_what_it_reaches_and_changes_nothing(browser, api, app, orgs):
    api.submitted(kind="union_housing")  # a house waiting at the commune union under Đồng Nai
    api.create(kind="union_housing", citizen_id="070085000777")  # a draft: the new rules judge it if sent later
    page = browser("admin")
    before = counts(app)
    response = page.post("/admin/rule-sets/new", housing(orgs, action="preview"))
    assert response.status_code == 200
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())
    assert "Xem trước bộ quy định mới" in text
    assert "Mức hỗ trợ tối đa xây mới (đồng/căn) 30.000.000 đ 40.000.000 đ thay đổi" in text
    assert "Số năm là đoàn viên tối thiểu, nếu có Không quy định 3 năm thay đổi" in text
    assert "thay cho bộ đang áp dụng với Liên đoàn Lao động tỉnh Đồng Nai" in text and "từ 01/07/2025" in text
    assert re.search(r"Phạm vi áp dụng gồm \d+ tổ chức \(tính cả Liên đoàn Lao động tỉnh Đồng Nai\)", text)
    assert "1 hồ sơ loại này đã nộp, đang được xét trong phạm vi giữ nguyên bộ quy định" in text
    assert "1 hồ sơ loại này đang là dự thảo hoặc bị trả lại" in text
    assert counts(app) == before

    carried = hidden_inputs(response.get_data(as_text=True))
    assert carried["p-caps_vnd-new_build"] == "40.000.000" and carried["valid_from"] == "01/02/2026"
    back = page.post("/admin/rule-sets/new", {**carried, "action": "edit"})
    assert back.status_code == 200 and typed(back.get_data(as_text=True), "p-caps_vnd-repair") == "25.000.000"
    assert counts(app) == before
    saved = page.post("/admin/rule-sets/new", {**carried, "action": "save"})
    assert saved.status_code == 302
    assert counts(app) == (before[0] + 1, before[1], before[2] + 1)
    again = page.post("/admin/rule-sets/new", {**carried, "action": "save"})  # saved twice: re-judged, refused
    assert again.status_code == 422 and "Đã có bộ quy định của tổ chức này" in error_beside(
        again.get_data(as_text=True), "valid_from")


def test_a_route_is_added_through_its_form_with_a_preview_and_an_audit_row(browser, app, orgs):
    page = browser("admin")
    assert 'type="radio"' in page.get("/admin/routes/new").get_data(as_text=True)
    form = page.get("/admin/routes/new?kind=accident_aid").get_data(as_text=True)
    assert re.search(r'name="steps-0-level"[^>]*>.*?<option value="upper_grassroots" selected>', form, re.S)
    assert typed(form, "steps-0-decides_up_to_vnd") == "2.000.000"
    assert re.search(r'name="steps-1-role"[^>]*>.*?<option value="decide" selected>Quyết định', form, re.S)
    assert "Công đoàn cấp trên trực tiếp cơ sở" in form and "Tổng Liên đoàn" in form

    before = counts(app)
    preview = page.post("/admin/routes/new", {**route(orgs), "action": "preview"})
    assert preview.status_code == 200
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", preview.get_data(as_text=True))).split())
    assert ("Công đoàn cấp trên trực tiếp cơ sở: Thẩm định, tự quyết định đến 2.000.000 đ "
            "Công đoàn cấp trên trực tiếp cơ sở: Thẩm định, tự quyết định đến 5.000.000 đ thay đổi") in text
    assert "Tuyến đó là của Tổng Liên đoàn Lao động Việt Nam (cấp trên)" in text
    assert counts(app) == before

    saved = page.post("/admin/routes/new", {**hidden_inputs(preview.get_data(as_text=True)), "action": "save"})
    assert saved.status_code == 302
    with app.app_context():
        added = db.session.scalar(sa.select(Route).order_by(Route.id.desc()))
        assert (added.kind, added.jurisdiction.code, added.valid_from) == ("accident_aid", "ldld-dong-nai",
                                                                           date(2026, 2, 1))
        assert added.steps == [{"level": "upper_grassroots", "role": "review", "decides_up_to_vnd": 5_000_000},
                               {"level": "province", "role": "decide", "decides_up_to_vnd": None}]
        audit = db.session.scalar(sa.select(AdminChange).where(AdminChange.action == "route.create"))
        assert (audit.subject_type, audit.subject_id, audit.after["steps"]) == ("route", added.id, added.steps)
    listing = page.get("/admin/routes").get_data(as_text=True)
    assert "Quyết định số 21/QĐ-LĐLĐ" in listing and "sắp áp dụng" in listing and "đang áp dụng" in listing
    assert "tự quyết định đến 5.000.000 đ" in listing


def test_route_mistakes_are_shown_beside_the_step(browser, app, orgs):
    page = browser("admin")
    before = counts(app)
    bad = page.post("/admin/routes/new", route(orgs, **{"steps-0-decides_up_to_vnd": "abc", "steps-1-role": ""}))
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert error_beside(text, "steps-0-decides_up_to_vnd") == "Phải là số nguyên, ví dụ 1.500.000."
    assert error_beside(text, "steps-1-role") == "Thiếu giá trị."
    assert typed(text, "steps-0-decides_up_to_vnd") == "abc"
    last_reviews = page.post("/admin/routes/new", route(orgs, **{"steps-1-role": "review"}))
    assert last_reviews.status_code == 422
    assert "Cấp cuối cùng của tuyến phải là cấp quyết định." in error_beside(last_reviews.get_data(as_text=True),
                                                                            "steps")
    assert counts(app) == before


def test_another_federations_jurisdiction_is_refused(browser, app, orgs):
    page = browser("admin")
    before = counts(app)
    for url, form in (("/admin/rule-sets/new", housing(orgs, jurisdiction_id=orgs["tld"], action="save")),
                      ("/admin/routes/new", route(orgs, jurisdiction_id=orgs["tld"], action="save")),
                      ("/admin/routes/new", route(orgs, jurisdiction_id=orgs["ldld-binh-phuoc"]))):
        response = page.post(url, form)
        assert response.status_code == 422, url
        assert error_beside(response.get_data(as_text=True), "jurisdiction_id") == (
            "Chọn một tổ chức thuộc phạm vi quản lý của bạn.")
    options = page.get("/admin/routes/new?kind=child_heart").get_data(as_text=True)
    for outside in ("tld", "cd-xa-phu-rieng"):  # the Confederation; a commune union, which sets no routes
        assert f'<option value="{orgs[outside]}"' not in options
    assert counts(app) == before


def test_staff_and_officers_get_404(browser, app, orgs):
    before = counts(app)
    for user in ("officer", "reviewer", "liaison", "tld"):
        page = browser(user)
        for url in ("/admin/routes", "/admin/routes/new", "/admin/routes/new?kind=accident_aid",
                    "/admin/rule-sets/new?kind=union_housing"):
            assert page.get(url).status_code == 404, (user, url)
        assert page.post("/admin/routes/new", {**route(orgs), "action": "save"}).status_code == 404
        assert page.post("/admin/rule-sets/new", {**housing(orgs), "action": "save"}).status_code == 404
    assert counts(app) == before
