"""What documents print, edited where its neighbours are: a rule set's and a route's regulation as a "Căn cứ" line
cites it (type, number, date, issuer, subject) and a rule set's fund, on their forms (kept as typed when refused,
each problem beside its input, the preview citing it as a document would), in add_rule_set/add_route and the CLI;
an account's position (job title, printed in a review record) on the user form; a unit's signing and review-record
settings on its header form. Every change leaves an audit row with before and after; another federation's admin
reaches none of it."""
import html
import re
from datetime import date

import pytest
import sqlalchemy as sa

from tests.admin.test_organisations_and_users import _other_federation
from tests.admin.test_rule_set_and_route_forms import counts, error_beside, hidden_inputs, housing, route, typed
from workflow.audit.models import AdminChange
from workflow.auth.models import User
from workflow.dossiers.models import Route, RuleSet
from workflow.dossiers.routing import add_route
from workflow.dossiers.rules import add_rule_set
from workflow.errors import Invalid
from workflow.extensions import db
from workflow.orgs.models import Organisation

CITATION = {"citation-type": "Quyết định", "citation-number": "20/QĐ-LĐLĐ", "citation-date": "02/01/2026",
            "citation-issuer": "Ban Thường vụ Liên đoàn Lao động tỉnh Đồng Nai",
            "citation-subject": "ban hành mức hỗ trợ nhà “Mái ấm Công đoàn” năm 2026"}
CITED = ("Căn cứ Quyết định số 20/QĐ-LĐLĐ ngày 02/01/2026 của Ban Thường vụ Liên đoàn Lao động tỉnh Đồng Nai "
         "ban hành mức hỗ trợ nhà “Mái ấm Công đoàn” năm 2026;")
STORED = {"type": "Quyết định", "number": "20/QĐ-LĐLĐ", "date": "2026-01-02",
          "issuer": "Ban Thường vụ Liên đoàn Lao động tỉnh Đồng Nai",
          "subject": "ban hành mức hỗ trợ nhà “Mái ấm Công đoàn” năm 2026"}
FUND = "Quỹ hỗ trợ xã hội Công đoàn tỉnh Đồng Nai năm 2026"


@pytest.fixture
def orgs(app, demo_data):
    with app.app_context():
        return {code: str(id_) for code, id_ in db.session.execute(sa.select(Organisation.code, Organisation.id))}


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def last(app, model):
    with app.app_context():
        row = db.session.scalar(sa.select(model).order_by(model.id.desc()))
        db.session.expunge(row)
        return row


def audit_rows(app, subject_type, subject_id):
    with app.app_context():
        return [(r.action, r.actor.username if r.actor else None, r.before, r.after) for r in db.session.scalars(
            sa.select(AdminChange).where(AdminChange.subject_type == subject_type,
                                         AdminChange.subject_id == subject_id).order_by(AdminChange.id))]


def textarea(page: str, key: str) -> str:
    return html.unescape(re.search(rf'<textarea[^>]*name="{re.escape(key)}"[^>]*>(.*?)</textarea>', page, re.S)
                         .group(1))


# --- rule sets: the citation and the fund through the form ----------------------------------------------------

def test_the_rule_set_form_has_the_citation_group_and_the_fund_of_the_rule_set_in_force(browser):
    form = browser("admin").get("/admin/rule-sets/new?kind=union_housing").get_data(as_text=True)
    legend = re.search(r'<fieldset[^>]*id="f-citation"[^>]*>\s*<legend[^>]*>(.*?)</legend>', form, re.S)
    assert legend and legend.group(1).strip() == "Căn cứ"
    for key, label in (("citation-type", "Loại văn bản"), ("citation-number", "Số"),
                       ("citation-date", "Ngày (dd/mm/yyyy)"), ("citation-issuer", "Cơ quan ban hành"),
                       ("citation-subject", "Trích yếu"), ("fund", "Nguồn kinh phí")):
        assert re.search(rf'<label class="form-label" for="f-{key}">{re.escape(label)}</label>', form), key
    assert typed(form, "citation-type") == "" and textarea(form, "citation-subject") == ""  # the new regulation
    assert typed(form, "fund") == "Quỹ hỗ trợ xã hội Công đoàn tỉnh Đồng Nai"  # the fund goes on, as the params


def test_a_rule_set_with_its_citation_and_fund_is_previewed_as_cited_saved_and_audited(browser, app, orgs):
    page = browser("admin")
    before = counts(app)
    preview = page.post("/admin/rule-sets/new", housing(orgs, **CITATION, fund=FUND, action="preview"))
    assert preview.status_code == 200, preview.get_data(as_text=True)
    text = text_of(preview)
    assert f"Trích dẫn trên văn bản {CITED}" in text
    assert f"Nguồn kinh phí {FUND} thay đổi (đang áp dụng: Quỹ hỗ trợ xã hội Công đoàn tỉnh Đồng Nai)" in text
    # what the replaced rule set cited, as its documents did
    assert ("Trích dẫn trên văn bản của bộ đó: Căn cứ Quy chế của Ban Thường vụ Liên đoàn Lao động tỉnh Bình Phước"
            in text)
    assert counts(app) == before

    carried = hidden_inputs(preview.get_data(as_text=True))
    assert {key: carried[key] for key in CITATION} == CITATION and carried["fund"] == FUND
    back = page.post("/admin/rule-sets/new", {**carried, "action": "edit"}).get_data(as_text=True)
    assert typed(back, "citation-date") == "02/01/2026" and typed(back, "fund") == FUND
    assert textarea(back, "citation-subject") == CITATION["citation-subject"]

    saved = page.post("/admin/rule-sets/new", {**carried, "action": "save"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    rule_set = last(app, RuleSet)
    assert (rule_set.citation, rule_set.fund, rule_set.valid_from) == (STORED, FUND, date(2026, 2, 1))
    [(action, actor, audit_before, after)] = audit_rows(app, "rule_set", rule_set.id)
    assert (action, actor, audit_before) == ("rule_set.create", "admin", None)
    assert after["citation"] == STORED and after["fund"] == FUND and after["basis"] == rule_set.basis

    listing = text_of(page.get("/admin/rule-sets"))
    assert f"Trích dẫn: {CITED}" in listing and f"Nguồn kinh phí: {FUND}" in listing


def test_a_rule_set_without_a_citation_is_still_taken_and_says_so(browser, app, orgs):
    page = browser("admin")
    preview = page.post("/admin/rule-sets/new", housing(orgs, fund="", action="preview"))
    assert preview.status_code == 200
    assert "Chưa ghi: các văn bản chỉ in được phần căn cứ chung." in text_of(preview)
    saved = page.post("/admin/rule-sets/new", {**hidden_inputs(preview.get_data(as_text=True)), "action": "save"})
    assert saved.status_code == 302
    rule_set = last(app, RuleSet)
    assert (rule_set.citation, rule_set.fund) == (None, None)


def test_a_citation_is_refused_part_by_part_and_the_form_keeps_what_was_typed(browser, app, orgs):
    page = browser("admin")
    before = counts(app)
    # a number alone: type, issuer and subject go together
    alone = page.post("/admin/rule-sets/new", housing(orgs, **{"citation-number": "20/QĐ-LĐLĐ"}, action="save"))
    assert alone.status_code == 422
    text = alone.get_data(as_text=True)
    assert error_beside(text, "citation-type") == (
        "Nhập loại văn bản (ví dụ Quyết định): căn cứ cần đủ loại văn bản, cơ quan ban hành và trích yếu.")
    assert error_beside(text, "citation-issuer") == (
        "Nhập cơ quan ban hành: căn cứ cần đủ loại văn bản, cơ quan ban hành và trích yếu.")
    assert error_beside(text, "citation-subject") == (
        "Nhập trích yếu: căn cứ cần đủ loại văn bản, cơ quan ban hành và trích yếu.")
    assert error_beside(text, "citation-number") == "" and typed(text, "citation-number") == "20/QĐ-LĐLĐ"
    assert 'id="f-citation-type" value="" autocomplete="off" aria-describedby="f-citation-type-hint ' \
           'f-citation-type-error" aria-invalid="true"' in text

    # a day that is none, one to come, a control character, a subject too long, a fund too short
    bad = page.post("/admin/rule-sets/new", housing(orgs, **{
        **CITATION, "citation-date": "31/02/2026", "citation-issuer": "Ban\x9bThường vụ",
        "citation-subject": "x" * 301, "fund": "Qu"}, action="save"))
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert error_beside(text, "citation-date") == "Ngày không hợp lệ, nhập theo dạng dd/mm/yyyy."
    assert error_beside(text, "citation-issuer") == "Không được chứa ký tự điều khiển."
    assert error_beside(text, "citation-subject") == "Nhập từ 3 đến 300 ký tự."
    assert error_beside(text, "fund") == "Nhập từ 3 đến 300 ký tự."
    assert typed(text, "citation-date") == "31/02/2026" and typed(text, "fund") == "Qu"
    assert textarea(text, "citation-subject") == "x" * 301 and typed(text, "citation-type") == "Quyết định"
    later = page.post("/admin/rule-sets/new", housing(orgs, **{**CITATION, "citation-date": "06/01/2026"}))
    assert error_beside(later.get_data(as_text=True), "citation-date") == "Ngày ban hành không được sau hôm nay."

    # the preview finds the same problems as the save
    preview = page.post("/admin/rule-sets/new", housing(orgs, **{"citation-subject": "ban hành quy chế"}))
    assert preview.status_code == 422 and error_beside(preview.get_data(as_text=True), "citation-type")
    assert counts(app) == before


def test_a_rule_set_form_in_english_names_the_citation_problem_in_english(browser, orgs):
    page = browser("admin")
    assert page.post("/language", {"locale": "en", "next": "/"}).status_code == 303
    refused = page.post("/admin/rule-sets/new", housing(orgs, **{"citation-number": "20/QĐ-LĐLĐ"}, action="save"))
    assert refused.status_code == 422
    message = error_beside(refused.get_data(as_text=True), "citation-issuer")
    assert message and message.isascii(), message


# --- routes ---------------------------------------------------------------------------------------------------

def test_a_route_with_its_citation_is_previewed_as_cited_saved_and_audited(browser, app, orgs):
    page = browser("admin")
    form = page.get("/admin/routes/new?kind=accident_aid").get_data(as_text=True)
    assert 'id="f-citation"' in form and 'name="fund"' not in form  # a route pays nothing
    citation = {**CITATION, "citation-number": "21/QĐ-LĐLĐ", "citation-date": "",
                "citation-subject": "phân cấp xét hỗ trợ đoàn viên"}
    preview = page.post("/admin/routes/new", {**route(orgs), **citation, "action": "preview"})
    assert preview.status_code == 200, preview.get_data(as_text=True)
    assert ("Trích dẫn trên văn bản Căn cứ Quyết định số 21/QĐ-LĐLĐ của Ban Thường vụ Liên đoàn Lao động tỉnh "
            "Đồng Nai phân cấp xét hỗ trợ đoàn viên;") in text_of(preview)
    saved = page.post("/admin/routes/new", {**hidden_inputs(preview.get_data(as_text=True)), "action": "save"})
    assert saved.status_code == 302
    added = last(app, Route)
    stored = {"type": "Quyết định", "number": "21/QĐ-LĐLĐ", "date": None,
              "issuer": "Ban Thường vụ Liên đoàn Lao động tỉnh Đồng Nai", "subject": "phân cấp xét hỗ trợ đoàn viên"}
    assert added.citation == stored
    [(action, actor, _, after)] = audit_rows(app, "route", added.id)
    assert (action, actor, after["citation"]) == ("route.create", "admin", stored)
    assert "Trích dẫn: Căn cứ Quyết định số 21/QĐ-LĐLĐ" in text_of(page.get("/admin/routes"))


def test_route_citation_mistakes_are_shown_beside_their_input(browser, app, orgs):
    page = browser("admin")
    before = counts(app)
    bad = page.post("/admin/routes/new", {**route(orgs), "citation-type": "Q", "citation-date": "hôm qua",
                                          "action": "save"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert error_beside(text, "citation-type") == "Nhập từ 2 đến 40 ký tự."
    assert error_beside(text, "citation-date") == "Ngày không hợp lệ, nhập theo dạng dd/mm/yyyy."
    assert "Nhập cơ quan ban hành" in error_beside(text, "citation-issuer")
    assert typed(text, "citation-date") == "hôm qua" and typed(text, "steps-0-decides_up_to_vnd") == "5.000.000"
    assert counts(app) == before


def test_another_federations_admin_cannot_set_our_regulations(browser, app, orgs):
    _other_federation(app)
    page = browser("admin-ld")
    before = counts(app)
    for url, form in (("/admin/rule-sets/new", housing(orgs, **CITATION, fund=FUND, action="save")),
                      ("/admin/routes/new", {**route(orgs), **CITATION, "action": "save"})):
        refused = page.post(url, form)
        assert refused.status_code == 422, url
        assert error_beside(refused.get_data(as_text=True), "jurisdiction_id") == (
            "Chọn một tổ chức thuộc phạm vi quản lý của bạn.")
    assert counts(app) == before


# --- the operations and the CLI --------------------------------------------------------------------------------

def _refusal(call) -> dict:
    with pytest.raises(Invalid) as refused:
        call()
    db.session.rollback()
    return refused.value.errors


def test_add_rule_set_and_add_route_judge_the_citation_and_the_fund(ctx):
    common = dict(jurisdiction_id=ctx_org("ldld-dong-nai").id, valid_from=date(2026, 3, 1), valid_to=None,
                  basis="Quyết định số 30/QĐ-LĐLĐ của LĐLĐ tỉnh Đồng Nai")
    params = {"caps_vnd": {"new_build": 40_000_000, "repair": 25_000_000}}
    steps = [{"level": "province", "role": "decide"}]

    def rule_set(**changes):
        return lambda: add_rule_set(None, kind="union_housing", **common, params=params, **changes)

    def a_route(**changes):
        return lambda: add_route(None, kind="union_housing", **common, steps=steps, **changes)

    for make in (rule_set, a_route):
        assert set(_refusal(make(citation={"number": "30/QĐ-LĐLĐ"}))) == {
            "citation.type", "citation.issuer", "citation.subject"}
        assert set(_refusal(make(citation="Quyết định 30"))) == {"citation"}
        errors = _refusal(make(citation={**STORED, "date": "02/01/2026", "colour": "đỏ", "subject": 5}))
        assert set(errors) == {"citation.date", "citation.colour", "citation.subject"}, errors
        assert errors["citation.colour"] == ["Không có trường này."]
        assert set(_refusal(make(citation={**STORED, "date": 1767312000}))) == {"citation.date"}  # no timestamps
    assert _refusal(rule_set(fund="\x07Quỹ")) == {"fund": ["Không được chứa ký tự điều khiển."]}
    assert set(_refusal(rule_set(fund=["Quỹ"]))) == {"fund"}
    assert set(_refusal(rule_set(fund="Q" * 301, citation={"number": "1"}))) == {
        "fund", "citation.type", "citation.issuer", "citation.subject"}

    added = add_rule_set(None, kind="union_housing", **common, params=params,
                         citation={**STORED, "number": " 30/QĐ-LĐLĐ ", "date": date(2026, 1, 2)}, fund=f" {FUND} ")
    assert added.citation == {**STORED, "number": "30/QĐ-LĐLĐ"} and added.fund == FUND
    assert add_rule_set(None, kind="union_housing", **{**common, "valid_from": date(2026, 4, 1)}, params=params,
                        citation={}, fund="").citation is None
    assert add_route(None, kind="union_housing", **common, steps=steps, citation=STORED).citation == STORED


def ctx_org(code):
    return db.session.scalar(sa.select(Organisation).where(Organisation.code == code))


def test_the_cli_takes_the_citation_and_the_fund(app, demo_data):
    runner = app.test_cli_runner()
    citation = ('{"type": "Quyết định", "number": "31/QĐ-LĐLĐ", "date": "2026-01-02", "issuer": "Ban Thường vụ '
                'Liên đoàn Lao động tỉnh Đồng Nai", "subject": "ban hành mức hỗ trợ mới"}')
    added = runner.invoke(args=[
        "add-rule-set", "--kind", "union_housing", "--jurisdiction", "ldld-dong-nai", "--from", "2027-01-01",
        "--basis", "Quyết định số 31/QĐ-LĐLĐ", "--params", '{"caps_vnd": {"new_build": 40000000, "repair": 1}}',
        "--citation", citation, "--fund", FUND])
    assert added.exit_code == 0, added.output
    rule_set = last(app, RuleSet)
    assert rule_set.citation["number"] == "31/QĐ-LĐLĐ" and rule_set.fund == FUND
    route_added = runner.invoke(args=[
        "add-route", "--kind", "union_housing", "--jurisdiction", "ldld-dong-nai", "--from", "2027-01-01",
        "--basis", "Quyết định số 31/QĐ-LĐLĐ", "--steps", '[{"level": "province", "role": "decide"}]',
        "--citation", citation])
    assert route_added.exit_code == 0, route_added.output
    assert last(app, Route).citation["date"] == "2026-01-02"

    for args, message in [(["--citation", '{"number": "32/QĐ"}'], "citation.type:"),
                          (["--citation", "không phải JSON"], "--citation is not JSON"),
                          (["--fund", "\x1b"], "fund:")]:
        refused = runner.invoke(args=[
            "add-rule-set", "--kind", "union_housing", "--jurisdiction", "ldld-dong-nai", "--from", "2027-02-01",
            "--basis", "Thử", "--params", '{"caps_vnd": {"new_build": 1, "repair": 1}}', *args])
        assert refused.exit_code != 0 and message in refused.output, (args, refused.output)
    refused = runner.invoke(args=[
        "add-route", "--kind", "union_housing", "--jurisdiction", "ldld-dong-nai", "--from", "2027-02-01",
        "--basis", "Thử", "--steps", '[{"level": "province", "role": "decide"}]', "--citation", '["Quyết định"]'])
    assert refused.exit_code != 0 and "citation:" in refused.output


# --- an account's position --------------------------------------------------------------------------------------

def test_the_user_form_sets_the_job_title_with_an_audit_row(browser, app):
    page = browser("admin")
    with app.app_context():
        reviewer = db.session.scalar(sa.select(User).where(User.username == "reviewer"))
        reviewer_id, commune = reviewer.id, reviewer.organisation_id
    form = page.get(f"/admin/users/{reviewer_id}/edit").get_data(as_text=True)
    assert re.search(r'<label class="form-label" for="job_title">Chức vụ</label>', form)
    edited = page.post(f"/admin/users/{reviewer_id}/edit", {
        "full_name": "Đặng Minh Quân", "job_title": " Chuyên viên Ban Chính sách ", "email": "", "role": "staff"})
    assert edited.status_code == 302, edited.get_data(as_text=True)
    shown = text_of(page.get(f"/admin/users/{reviewer_id}"))
    assert "Chức vụ Chuyên viên Ban Chính sách" in shown
    assert "Sửa tài khoản" in shown  # the change, in the account's history
    action, actor, before, after = audit_rows(app, "user", reviewer_id)[-1]
    assert (action, actor, before["job_title"], after["job_title"]) == (
        "user.update", "admin", "Ủy viên Ban Thường vụ", "Chuyên viên Ban Chính sách")

    for job_title, message in (("Chuyên viên\x9b", "Không được chứa ký tự điều khiển."),
                               ("C" * 101, "Nhập từ 1 đến 100 ký tự.")):
        refused = page.post(f"/admin/users/{reviewer_id}/edit", {
            "full_name": "Đặng Minh Quân", "job_title": job_title, "email": "", "role": "staff"})
        assert refused.status_code == 422
        text = refused.get_data(as_text=True)
        assert message in re.search(r'id="job_title-error">(.*?)</div>\s*</div>', text, re.S).group(1)
        assert f'value="{html.escape(job_title)}"' in text  # kept as typed
    with app.app_context():
        assert db.session.get(User, reviewer_id).job_title == "Chuyên viên Ban Chính sách"

    created = page.post("/admin/users/new", {"username": "tham.dinh", "full_name": "Lê Văn Thẩm",
                                             "job_title": "Phó Trưởng Ban Chính sách", "email": "", "role": "staff",
                                             "organisation_id": str(commune)})
    assert created.status_code == 200, created.get_data(as_text=True)
    with app.app_context():
        account = db.session.scalar(sa.select(User).where(User.username == "tham.dinh"))
        assert account.job_title == "Phó Trưởng Ban Chính sách"
        account_id = account.id
    [(action, _, _, after)] = audit_rows(app, "user", account_id)
    assert (action, after["job_title"]) == ("user.create", "Phó Trưởng Ban Chính sách")


def test_another_federations_admin_cannot_touch_our_job_titles(browser, app):
    _other_federation(app)
    with app.app_context():
        reviewer = db.session.scalar(sa.select(User).where(User.username == "reviewer")).id
    page = browser("admin-ld")
    assert page.get(f"/admin/users/{reviewer}/edit").status_code == 404
    assert page.post(f"/admin/users/{reviewer}/edit", {"full_name": "Đặng Minh Quân", "job_title": "Bị sửa",
                                                       "email": "", "role": "staff"}).status_code == 404
    with app.app_context():
        assert db.session.get(User, reviewer).job_title == "Ủy viên Ban Thường vụ"
    assert audit_rows(app, "user", reviewer) == []


def test_the_cli_creates_a_user_with_a_job_title(app, demo_data):
    runner = app.test_cli_runner()
    done = runner.invoke(args=["create-user", "tham.dinh2", "--full-name", "Lê Thị Thẩm", "--role", "staff",
                               "--org", "cd-xa-phu-rieng", "--job-title", "Chuyên viên"],
                         input="mat-khau-1\nmat-khau-1\n")
    assert done.exit_code == 0, done.output
    with app.app_context():
        assert db.session.scalar(sa.select(User.job_title).where(User.username == "tham.dinh2")) == "Chuyên viên"
    refused = runner.invoke(args=["create-user", "tham.dinh3", "--full-name", "Lê Thị Thẩm", "--role", "staff",
                                  "--org", "cd-xa-phu-rieng", "--job-title", "C" * 101],
                            input="mat-khau-1\nmat-khau-1\n")
    assert refused.exit_code != 0 and "--job-title" in refused.output


# --- a unit's signing and review record, on its header form -------------------------------------------------

def _header(org, **changes) -> dict:
    fields = ("short_header_name", "abbreviation", "place_name", "signing_body", "head_title", "head_name",
              "signing_authority", "signer_title", "signer_name", "drafting_unit", "finance_office", "office_address")
    values = {name: getattr(org, name) or "" for name in fields}
    values["record_approval"] = "1" if org.record_approval else ""
    return {**values, **changes}


def test_the_header_form_sets_who_signs_and_the_review_records_approval_with_an_audit_row(browser, app, orgs):
    page = browser("admin")
    commune = int(orgs["cd-xa-bu-dang"])
    with app.app_context():
        form = _header(db.session.get(Organisation, commune))
    assert form["record_approval"] == "" and form["signing_authority"] == ""
    changed = page.post(f"/admin/organisations/{commune}/header", {
        **form, "signing_authority": "KT.", "signer_title": "PHÓ CHỦ TỊCH", "signer_name": "Trần Văn Phó",
        "office_address": "Hội trường Công đoàn xã Bù Đăng", "record_approval": "1"})
    assert changed.status_code == 302, changed.get_data(as_text=True)
    with app.app_context():
        org = db.session.get(Organisation, commune)
        assert (org.signing_authority, org.signer_title, org.signer_name, org.record_approval) == (
            "KT.", "PHÓ CHỦ TỊCH", "Trần Văn Phó", True)
    action, actor, before, after = audit_rows(app, "organisation", commune)[-1]
    assert (action, actor) == ("organisation.header", "admin")
    assert (before["record_approval"], after["record_approval"]) == (False, True)
    assert (before["signing_authority"], after["signing_authority"]) == ("", "KT.")
    assert after["office_address"] == "Hội trường Công đoàn xã Bù Đăng"

    refused = page.post(f"/admin/organisations/{commune}/header", {
        **form, "signing_authority": "KT.", "signer_title": "", "signer_name": ""})
    assert refused.status_code == 422
    assert "Ghi chức danh và họ tên người ký" in refused.get_data(as_text=True)

    _other_federation(app)
    assert browser("admin-ld").post(f"/admin/organisations/{commune}/header", {
        **form, "record_approval": ""}).status_code == 404
    with app.app_context():
        assert db.session.get(Organisation, commune).record_approval is True
