"""The dossier list: filters, search on names and citizen IDs, sorting, pages, exports; the language switch."""
import csv
import io
import re

from openpyxl import load_workbook

from workflow.extensions import db


def ids_in(html: str) -> list[int]:
    """Dossier numbers in the list's rows, in order."""
    body = html.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in html else ""
    return list(dict.fromkeys(int(n) for n in re.findall(r'<td[^>]*><a href="/dossiers/(\d+)">', body)))


def test_filters_search_and_scoping(api, browser):
    ngoc = api.fire_ok("officer", api.create(), "submit")
    binh = api.fire_ok("officer", api.create(full_name="Trần Thị Bình", citizen_id="070085000777",
                                             child_full_name="Trần Gia Huy"), "submit")
    other = api.fire_ok("officer2", api.create("officer2", citizen_id="070085000888"), "submit")
    far = api.fire_ok("officer3", api.create("officer3", citizen_id="070085000999"), "submit")
    draft = api.create(full_name="Phạm Văn Đức", citizen_id="070085000555")
    reviewer = browser("reviewer")

    everything = ids_in(reviewer.get("/dossiers").get_data(as_text=True))
    assert set(everything) == {ngoc["id"], binh["id"], other["id"]}  # not a draft, not another district's
    assert ids_in(reviewer.get("/dossiers?q=tran thi binh").get_data(as_text=True)) == [binh["id"]]  # without accents
    assert ids_in(reviewer.get("/dossiers?q=Gia Huy").get_data(as_text=True)) == [binh["id"]]  # the child's name
    assert ids_in(reviewer.get("/dossiers?q=0700850").get_data(as_text=True)) == sorted(
        [ngoc["id"], binh["id"], other["id"]], reverse=True)  # a citizen ID's start
    assert ids_in(reviewer.get("/dossiers?q=070085000777").get_data(as_text=True)) == [binh["id"]]
    assert ids_in(reviewer.get("/dossiers?q=%25").get_data(as_text=True)) == []  # a LIKE wildcard is a character
    with api.client.application.app_context():
        from workflow.orgs.models import Organisation

        second_union = db.session.scalars(db.select(Organisation).filter_by(code="cdcs-thcs-phu-trung")).one().id
    assert ids_in(reviewer.get(f"/dossiers?union={second_union}").get_data(as_text=True)) == [other["id"]]
    assert ids_in(browser("officer").get("/dossiers?q=duc").get_data(as_text=True)) == [draft["id"]]
    assert ids_in(browser("officer2").get("/dossiers?q=070085000777").get_data(as_text=True)) == []
    assert ids_in(browser("reviewer2").get("/dossiers").get_data(as_text=True)) == [far["id"]]
    assert ids_in(reviewer.get("/dossiers?state=approved").get_data(as_text=True)) == []
    assert ids_in(reviewer.get("/dossiers?sort=name").get_data(as_text=True))[0] == ngoc["id"]  # "Nguyễn…" < "Trần…"

    bad_date = reviewer.get("/dossiers?from=31/02/2018&q=binh").get_data(as_text=True)
    assert "Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy." in bad_date and 'value="31/02/2018"' in bad_date
    assert ids_in(bad_date) == [binh["id"]]  # the other filters still apply
    assert ids_in(reviewer.get("/dossiers?from=06/01/2026").get_data(as_text=True)) == []
    assert len(ids_in(reviewer.get("/dossiers?from=05/01/2026&to=05/01/2026").get_data(as_text=True))) == 3


def test_pages_keep_the_filters(api, browser, app, monkeypatch):
    made = [api.fire_ok("officer", api.create(citizen_id=f"07008500010{i}"), "submit")["id"] for i in range(5)]
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    reviewer = browser("reviewer")
    first = reviewer.get("/dossiers?kind=child_heart&sort=number").get_data(as_text=True)
    assert ids_in(first) == sorted(made, reverse=True)[:2]
    assert "Trang 1 / 3 · 5 mục" in first and "kind=child_heart" in first.split('rel="next"')[0].rsplit("href=", 1)[1]
    last = reviewer.get("/dossiers?kind=child_heart&sort=number&page=3").get_data(as_text=True)
    assert ids_in(last) == [min(made)]
    assert ids_in(reviewer.get("/dossiers?page=99").get_data(as_text=True)) == []  # past the end: an empty page


def test_exports_follow_the_filters_with_vietnamese_headings(api, browser):
    binh = api.fire_ok("officer", api.create(full_name="Trần Thị Bình", citizen_id="070085000777"), "submit")
    api.fire_ok("officer", api.create(), "submit")
    api.fire_ok("officer2", api.create("officer2", citizen_id="070085000888"), "submit")
    officer = browser("officer")

    response = officer.get("/dossiers/export.csv?q=binh")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment; filename=ho-so-20260105.csv" == response.headers["Content-Disposition"]
    text = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["Số hồ sơ", "Loại hồ sơ", "Người được đề nghị", "Số CCCD", "Công đoàn cơ sở"]
    assert len(rows) == 2 and rows[1][0] == str(binh["id"]) and rows[1][3] == "070085000777"
    assert "05/01/2026" in rows[1] and "50000000" in rows[1]

    response = officer.get("/dossiers/export.xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "Hồ sơ"
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][2] == "Người được đề nghị" and table[0][11] == "Số tiền đề nghị (đồng)"
    assert len(table) == 3  # the heading and this union's two dossiers, not officer2's
    assert {row[3] for row in table[1:]} == {"070085000777", "070085001234"}
    assert sheet.cell(row=2, column=10).number_format == "dd/mm/yyyy"
    assert sheet.cell(row=2, column=12).value == 50_000_000


def test_language_switch_is_kept_on_the_account_and_refuses_foreign_redirects(api, browser, app):
    officer = browser("officer")
    assert '<html lang="vi">' in officer.get("/").get_data(as_text=True)
    switched = officer.post("/language", {"locale": "en", "next": "/dossiers?state=draft"})
    assert switched.status_code == 303 and switched.headers["Location"].endswith("/dossiers?state=draft")
    assert '<html lang="en">' in officer.get("/").get_data(as_text=True)
    assert '<html lang="en">' in browser("officer").get("/").get_data(as_text=True)  # a new session, same account
    assert '<html lang="vi">' in browser("officer2").get("/").get_data(as_text=True)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = officer.post("/language", {"locale": "vi", "next": target})
        assert response.headers["Location"] in ("/", "http://localhost/")
    assert officer.post("/language", {"locale": "xx"}).status_code == 303
    assert '<html lang="vi">' in officer.get("/").get_data(as_text=True)
    assert app.test_client().post("/language", data={"locale": "en"}).status_code == 400  # CSRF


def test_the_api_lists_with_the_same_filters_in_pages(api, current_plan):
    binh = api.fire_ok("officer", api.create(full_name="Trần Thị Bình", citizen_id="070085000777"), "submit")
    for i in range(3):
        api.fire_ok("officer", api.create(citizen_id=f"07008500010{i}"), "submit")
    found = api.get("reviewer", "/api/v1/dossiers?q=tran%20thi%20binh").json
    assert [d["id"] for d in found["dossiers"]] == [binh["id"]] and found["total"] == 1
    assert found["dossiers"][0]["campaign"]["plan_number"] == "120/KH-LĐLĐ"
    assert found["dossiers"][0]["phase"] == {"name": "Đợt II", "ends_on": "2026-03-31"}
    assert found["dossiers"][0]["submitted_late"] is False
    paged = api.get("reviewer", "/api/v1/dossiers?per_page=3&page=2&sort=number").json
    assert (paged["total"], paged["pages"], paged["page"], len(paged["dossiers"])) == (4, 2, 2, 1)
    assert paged["dossiers"][0]["id"] == binh["id"]
    refused = api.get("reviewer", "/api/v1/dossiers?from=32/01/2018")
    assert refused.status_code == 422 and refused.json["errors"] == {
        "from": ["Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy."]}
    none = api.post("officer", "/api/v1/dossiers", {"kind": "child_heart", "campaign_id": None,
                                                     "data": {"full_name": "Lê Văn Cường"}})
    assert none.status_code == 201 and none.json["campaign"] is None
    wrong = api.post("officer", "/api/v1/dossiers", {"kind": "child_heart", "campaign_id": 999, "data": {}})
    assert wrong.status_code == 422 and "campaign_id" in wrong.json["errors"]


def test_exports_never_carry_a_formula_typed_into_a_name(api, browser):
    planted = '=HYPERLINK("http://evil.example","Bấm vào đây")'
    api.fire_ok("officer", api.create(child_full_name=planted), "submit")
    reviewer = browser("reviewer")
    rows = list(csv.reader(io.StringIO(reviewer.get("/dossiers/export.csv").data.decode("utf-8-sig"))))
    assert rows[1][2].startswith("'=HYPERLINK")
    sheet = load_workbook(io.BytesIO(reviewer.get("/dossiers/export.xlsx").data)).active
    assert sheet.cell(row=2, column=3).data_type == "s" and sheet.cell(row=2, column=3).value.startswith("=HYPERLINK")


def test_the_province_never_sees_a_resubmission_the_commune_has_not_forwarded(api, browser):
    dossier = api.approved(kind="union_housing")
    batch = api.forwarded(dossier)
    current = api.get("liaison", f"/api/v1/dossiers/{dossier['id']}").json
    current = api.fire_ok("liaison", current, "refer_back", comment="Xác minh lại.")
    current = api.fire_ok("reviewer", current, "return", comment="Sửa họ tên cha.")
    api.patch("officer", f"/api/v1/dossiers/{dossier['id']}", {"version": current["version"], "data": {
        "full_name": "Trần Bí Mật", "citizen_id": "079999999999"}})
    officer_sees = browser("officer").get("/dossiers").get_data(as_text=True)
    assert "Trần Bí Mật" in officer_sees  # the union sees its own edits
    assert "Trần Bí Mật" not in browser("reviewer").get("/dossiers").get_data(as_text=True)  # not sent yet
    api.fire_ok("officer", api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json, "submit")
    assert "Trần Bí Mật" in browser("reviewer").get("/dossiers").get_data(as_text=True)

    liaison = browser("liaison")
    listing = liaison.get("/dossiers").get_data(as_text=True)
    assert "Trần Bí Mật" not in listing and "079999999999" not in listing and "Nguyễn Văn Ánh" in listing
    assert ids_in(liaison.get("/dossiers?q=bi mat").get_data(as_text=True)) == []
    assert ids_in(liaison.get("/dossiers?q=0799999").get_data(as_text=True)) == []
    exported = liaison.get("/dossiers/export.csv").data.decode("utf-8-sig")
    assert "Trần Bí Mật" not in exported and "079999999999" not in exported
    assert api.get("liaison", "/api/v1/dossiers?q=bi%20mat").json["total"] == 0
    assert batch["id"]


def test_crafted_query_strings_do_not_break_the_list_or_redirect_away(api, browser, monkeypatch, app):
    for i in range(3):
        api.fire_ok("officer", api.create(citizen_id=f"07008500010{i}"), "submit")
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    reviewer = browser("reviewer")
    page = reviewer.get("/dossiers?fmt=csv&endpoint=x&_external=1&values=y&q=nguyen")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert ('href="/dossiers/export.csv?q=nguyen' in body
            and "endpoint=" not in body.split("<tbody>")[0].split("<form")[0])
    assert reviewer.get("/dossiers/export.csv?fmt=xlsx&endpoint=x").status_code == 200
    for target in ("/\t/evil.example", "/\n/evil.example"):
        response = reviewer.post("/language", {"locale": "vi", "next": target})
        assert response.status_code == 303 and response.headers["Location"] in ("/", "http://localhost/")
