"""Plans set up by an admin on screen: created and edited for the upper organisations of the admin's subtree, only
before they open, each change in the audit rows; another federation's admin and non-admins see none of it."""
from datetime import date

import pytest
import sqlalchemy as sa

from workflow.audit.models import AdminChange
from workflow.auth.models import User
from workflow.campaigns.models import Campaign
from workflow.extensions import db
from workflow.orgs.models import Organisation, OrganisationPlacement


def org_id(app, code):
    with app.app_context():
        return db.session.scalar(sa.select(Organisation.id).where(Organisation.code == code))


def plan_form(app, **changes) -> dict:
    """A plan of Đồng Nai for accident aid: phase I open today (05/01/2026), phase II from February."""
    form = {"title": "Kế hoạch hỗ trợ đoàn viên bị tai nạn dịp Tết Bính Ngọ 2026", "plan_number": "07/KH-LĐLĐ",
            "plan_date": "02/01/2026", "issuer_id": str(org_id(app, "ldld-dong-nai")), "kinds": ["accident_aid"],
            "phases-0-name": "Đợt I", "phases-0-starts_on": "", "phases-0-ends_on": "31/01/2026",
            "phases-1-name": "Đợt II", "phases-1-starts_on": "01/02/2026", "phases-1-ends_on": "28/02/2026",
            "phases-2-name": "", "phases-2-starts_on": "", "phases-2-ends_on": ""}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def counts(app):
    with app.app_context():
        return (db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)),
                db.session.scalar(sa.select(sa.func.count()).select_from(AdminChange)))


def created(app, admin, **changes) -> int:
    response = admin.post("/admin/campaigns/new", plan_form(app, **changes))
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def another_federation_admin(app) -> None:
    """LĐLĐ tỉnh Lâm Đồng under the Confederation, with its admin `admin-lam-dong`."""
    with app.app_context():
        national = db.session.scalar(sa.select(Organisation).where(Organisation.code == "tld"))
        org = Organisation(code="ldld-lam-dong", level="province", name="Liên đoàn Lao động tỉnh Lâm Đồng",
                           header_name="LIÊN ĐOÀN LAO ĐỘNG TỈNH LÂM ĐỒNG", abbreviation="LĐLĐ", place_name="Lâm Đồng",
                           signing_body="BAN THƯỜNG VỤ", head_name="Trần Văn Năm", valid_from=date(2025, 7, 1))
        db.session.add_all([org, OrganisationPlacement(organisation=org, parent=national, valid_from=date(2025, 7, 1))])
        user = User(username="admin-lam-dong", full_name="Quản trị Lâm Đồng", role="admin", organisation=org)
        user.set_password("demo")
        db.session.add(user)
        db.session.commit()


def test_an_admin_creates_a_plan_on_screen_and_its_page_shows_the_audit_row(app, browser):
    admin = browser("admin")
    form = admin.get("/admin/campaigns/new").get_data(as_text=True)
    assert 'name="csrf_token"' in form and 'id="kind-accident_aid"' in form
    assert "Hỗ trợ công nhân lao động bị tai nạn lao động, bệnh nghề nghiệp" in form
    assert 'name="phases-2-ends_on"' in form and 'name="phases-3-name"' not in form  # three empty rows

    campaign_id = created(app, admin)
    with app.app_context():
        plan = db.session.get(Campaign, campaign_id)
        assert (plan.plan_number, plan.plan_date, plan.issuer.code, plan.kinds) == (
            "07/KH-LĐLĐ", date(2026, 1, 2), "ldld-dong-nai", ["accident_aid"])
        assert [(p.name, p.starts_on, p.ends_on) for p in plan.phases] == [
            ("Đợt I", None, date(2026, 1, 31)), ("Đợt II", date(2026, 2, 1), date(2026, 2, 28))]
        row = db.session.scalar(sa.select(AdminChange).where(AdminChange.subject_type == "campaign"))
        assert (row.action, row.subject_id, row.organisation_id, row.before) == (
            "campaign.create", campaign_id, plan.issuer_id, None)
        assert row.after["phases"] == [{"name": "Đợt I", "starts_on": None, "ends_on": "2026-01-31"},
                                       {"name": "Đợt II", "starts_on": "2026-02-01", "ends_on": "2026-02-28"}]
        assert row.after["plan_date"] == "2026-01-02" and row.actor.username == "admin"

    page = admin.get(f"/admin/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Tạo kế hoạch" in page and "Trịnh Minh Khoa" in page and "Đợt II: 01/02/2026 – 28/02/2026" in page
    assert "07/KH-LĐLĐ" in admin.get("/admin/campaigns").get_data(as_text=True)


BAD_INPUT = [
    ({"phases-0-name": "", "phases-0-ends_on": "", "phases-1-name": "", "phases-1-starts_on": "",
      "phases-1-ends_on": ""}, "phases", "Cần ít nhất một đợt"),
    ({"phases-1-starts_on": "01/03/2026"}, "phases-1-ends_on", "Hạn nộp không được trước ngày bắt đầu"),
    ({"phases-1-starts_on": "15/01/2026"}, "phases-1-starts_on", "phải bắt đầu sau hạn nộp của đợt trước"),
    ({"phases-1-starts_on": ""}, "phases-1-starts_on", "chỉ đợt đầu tiên được để trống"),
    ({"phases-0-ends_on": "31/13/2026"}, "phases-0-ends_on", "Ngày không hợp lệ"),
    ({"kinds": ["accident_aid", "lottery"]}, "kinds", "Không có loại hồ sơ này: lottery."),
    ({"plan_number": "  "}, "plan_number", "Nhập số kế hoạch"),
    ({"title": "x" * 301}, "title", "Nhập tên kế hoạch"),
    ({"plan_date": "hôm qua"}, "plan_date", "dd/mm/yyyy"),
    ({"issuer_id": "code:ldld-lam-dong"}, "issuer_id", "thuộc phạm vi quản lý của bạn"),
    ({"issuer_id": "code:tld"}, "issuer_id", "thuộc phạm vi quản lý của bạn"),
    ({"issuer_id": "code:cdcs-cao-su-phu-rieng"}, "issuer_id", "thuộc phạm vi quản lý của bạn"),  # grassroots
]


@pytest.mark.parametrize("changes, field, message", BAD_INPUT, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD_INPUT)])
def test_bad_input_is_422_next_to_its_field_keeps_what_was_typed_and_writes_nothing(app, browser, changes, field,
                                                                                    message):
    another_federation_admin(app)
    if changes.get("issuer_id", "").startswith("code:"):
        changes = {**changes, "issuer_id": str(org_id(app, changes["issuer_id"][5:]))}
    before = counts(app)
    response = browser("admin").post("/admin/campaigns/new", plan_form(app, **changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    assert 'value="Kế hoạch hỗ trợ đoàn viên bị tai nạn dịp Tết Bính Ngọ 2026"' in html or field == "title"
    assert counts(app) == before


def test_a_plan_is_edited_before_it_opens_and_refused_after(app, browser, today):
    admin = browser("admin")
    campaign_id = created(app, admin, **{"phases-0-starts_on": "10/01/2026"})
    edit = admin.get(f"/admin/campaigns/{campaign_id}/edit").get_data(as_text=True)
    assert 'value="10/01/2026"' in edit and 'value="07/KH-LĐLĐ"' in edit and 'name="phases-4-name"' in edit

    changed = plan_form(app, **{"phases-0-starts_on": "10/01/2026", "phases-1-ends_on": "15/03/2026",
                                "kinds": ["accident_aid", "union_housing"]})
    assert admin.post(f"/admin/campaigns/{campaign_id}/edit", changed).status_code == 302
    with app.app_context():
        plan = db.session.get(Campaign, campaign_id)
        assert plan.kinds == ["union_housing", "accident_aid"] and plan.final_deadline == date(2026, 3, 15)
        row = db.session.scalars(sa.select(AdminChange).where(AdminChange.subject_id == campaign_id)
                                 .order_by(AdminChange.id.desc())).first()
        assert row.action == "campaign.update"
        assert row.before["phases"][1]["ends_on"] == "2026-02-28" and row.after["phases"][1]["ends_on"] == "2026-03-15"
        assert row.before["kinds"] == ["accident_aid"] and row.before["title"] == row.after["title"]
    page = admin.get(f"/admin/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Sửa kế hoạch" in page and "01/02/2026 – 28/02/2026" in page and "01/02/2026 – 15/03/2026" in page

    today(date(2026, 1, 10))
    before = counts(app)
    refused = admin.post(f"/admin/campaigns/{campaign_id}/edit", {**changed, "title": "Tên khác"})
    assert refused.status_code == 409
    assert "Kế hoạch đã bắt đầu nhận hồ sơ từ ngày 10/01/2026, không thể sửa nữa." in refused.get_data(as_text=True)
    assert counts(app) == before
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).title != "Tên khác"
    assert admin.get(f"/admin/campaigns/{campaign_id}/edit").status_code == 302  # to its page, which says why
    page = admin.get(f"/admin/campaigns/{campaign_id}").get_data(as_text=True)
    assert "không thể sửa nữa" in page and f"/admin/campaigns/{campaign_id}/edit" not in page


def test_a_plan_open_from_its_issue_is_fixed_once_a_dossier_answers_it(app, browser, api):
    admin = browser("admin")
    campaign_id = created(app, admin, kinds=[])
    assert admin.get(f"/admin/campaigns/{campaign_id}/edit").status_code == 200
    dossier = api.create(kind="accident_aid")
    assert api.view("officer", dossier)["campaign"]["id"] == campaign_id
    refused = admin.post(f"/admin/campaigns/{campaign_id}/edit", plan_form(app, kinds=[], title="Tên khác"))
    assert refused.status_code == 409 and "Đã có hồ sơ thuộc kế hoạch này" in refused.get_data(as_text=True)


def test_the_new_plan_is_offered_to_the_unions_under_its_issuer_for_its_kinds(app, browser, api):
    campaign_id = created(app, browser("admin"))
    aid = api.create(kind="accident_aid")
    assert api.view("officer", aid)["campaign"]["id"] == campaign_id  # the one plan open today: the default
    officer = browser("officer")
    drafting = officer.get(f"/dossiers/{aid['id']}").get_data(as_text=True)
    assert f'<option value="{campaign_id}" selected>07/KH-LĐLĐ' in drafting
    heart = api.create(kind="child_heart")
    assert f'value="{campaign_id}"' not in officer.get(f"/dossiers/{heart['id']}").get_data(as_text=True)
    assert "07/KH-LĐLĐ" in officer.get("/campaigns").get_data(as_text=True)
    # above the issuer: not a plan it answers, one it reports on (issued under it)
    answered, below = browser("tld").get("/campaigns").get_data(as_text=True).split("Kế hoạch của các đơn vị cấp dưới")
    assert "07/KH-LĐLĐ" not in answered and "07/KH-LĐLĐ" in below


def test_another_federations_admin_sees_none_of_it(app, browser):
    campaign_id = created(app, browser("admin"))
    another_federation_admin(app)
    other = browser("admin-lam-dong")
    assert other.get(f"/admin/campaigns/{campaign_id}/edit").status_code == 404
    assert other.get(f"/admin/campaigns/{campaign_id}").status_code == 404
    before = counts(app)
    assert other.post(f"/admin/campaigns/{campaign_id}/edit", plan_form(app, title="Tên khác")).status_code == 404
    assert counts(app) == before
    listing = other.get("/admin/campaigns").get_data(as_text=True)
    assert "07/KH-LĐLĐ" not in listing and "45/KH-LĐLĐ" not in listing
    # its own province is the only issuer it is offered
    form = other.get("/admin/campaigns/new").get_data(as_text=True)
    assert "Liên đoàn Lao động tỉnh Lâm Đồng" in form and "Liên đoàn Lao động tỉnh Đồng Nai" not in form


def test_the_inherited_plan_is_listed_but_no_longer_editable(app, browser):
    """Bình Phước's 2017 plan runs on under Đồng Nai (campaigns_for): its admin sees it, closed long ago."""
    admin = browser("admin")
    listing = admin.get("/admin/campaigns").get_data(as_text=True)
    assert "45/KH-LĐLĐ" in listing and "Liên đoàn Lao động tỉnh Bình Phước" in listing
    with app.app_context():
        campaign_id = db.session.scalar(sa.select(Campaign.id).where(Campaign.plan_number == "45/KH-LĐLĐ"))
    page = admin.get(f"/admin/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Đợt đầu của kế hoạch đã hết hạn ngày 31/12/2017, không thể sửa nữa." in page
    assert f"/admin/campaigns/{campaign_id}/edit" not in page
    assert admin.post(f"/admin/campaigns/{campaign_id}/edit", plan_form(app)).status_code == 409


@pytest.mark.parametrize("user", ["officer", "reviewer", "liaison", "tld"])
def test_only_admins_reach_the_plans_administration(browser, user):
    page = browser(user)
    assert page.get("/admin/campaigns").status_code == 404
    assert page.get("/admin/campaigns/new").status_code == 404
    assert page.post("/admin/campaigns/new", {"title": "x"}).status_code == 404


def test_the_forms_need_their_csrf_token(app, browser):
    admin = browser("admin")
    before = counts(app)
    assert admin.client.post("/admin/campaigns/new", data=plan_form(app)).status_code == 400
    assert counts(app) == before


def test_the_same_number_twice_in_a_year_is_refused_and_an_unchanged_save_writes_no_audit_row(app, browser):
    admin = browser("admin")
    campaign_id = created(app, admin)
    again = admin.post("/admin/campaigns/new", plan_form(app, **{"plan_date": "03/01/2026"}))
    assert again.status_code == 422
    assert "Tổ chức này đã có kế hoạch số 07/KH-LĐLĐ trong năm 2026." in again.get_data(as_text=True)
    assert created(app, admin, **{"plan_date": "02/01/2027", "phases-0-ends_on": "31/01/2027",
                                  "phases-1-starts_on": "01/02/2027", "phases-1-ends_on": "28/02/2027"})
    before = counts(app)
    assert admin.post(f"/admin/campaigns/{campaign_id}/edit", plan_form(app)).status_code == 302
    assert counts(app) == before
