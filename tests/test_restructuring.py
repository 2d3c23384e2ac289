"""The tree over time: an organisation ends on a date (`flask end-organisation`); its units, users and the
dossiers waiting at it go to the successor, nothing issued changes; a dissolved union's open dossiers are closed."""
import io
from datetime import date

import sqlalchemy as sa
from pypdf import PdfReader

from workflow import storage
from workflow.auth.models import User
from workflow.dossiers.models import Dossier, DossierEvent
from workflow.extensions import db
from workflow.notifications.models import Notification
from workflow.orgs.models import Organisation
from workflow.pdf.models import Document

from .conftest import end, new_commune


def test_ending_a_commune_union_hands_its_work_to_the_successor(api, app, today, browser):
    new_commune(app)
    waiting = api.submitted(kind="union_housing")
    approved = api.approved(kind="union_housing", citizen_id="070085000002")
    returned = api.fire_ok("reviewer", api.submitted(citizen_id="070085000003"), "return", comment="Bổ sung.")
    up = api.approved(citizen_id="070085000004")
    api.forwarded(up)  # now at the province: the commune union is behind it
    decided = api.fire_ok("reviewer", api.submitted(kind="accident_aid"), "accept", granted_amount_vnd=1_300_000)
    with app.app_context():
        documents_before = {d.id: d.sha256 for d in db.session.scalars(sa.select(Document))}
        files_before = storage.stored()

    dry = end(app, "--code", "cd-xa-phu-rieng", "--on", "2026-01-05", "--successor", "cd-xa-phu-trung", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "2 unit(s), 1 user(s), 4 open dossier(s) would move" in dry.output  # `up` has it behind on its route
    today(date(2026, 1, 6))
    result = end(app, "--code", "cd-xa-phu-rieng", "--on", "2026-01-05", "--successor", "cd-xa-phu-trung",
                 "--reason", "Theo Quyết định số 15/QĐ-LĐLĐ của LĐLĐ tỉnh Đồng Nai.")
    assert result.exit_code == 0, result.output

    with app.app_context():
        ended = db.session.scalar(sa.select(Organisation).where(Organisation.code == "cd-xa-phu-rieng"))
        assert ended.valid_to == date(2026, 1, 5) and ended.successor.code == "cd-xa-phu-trung"
        union = db.session.scalar(sa.select(Organisation).where(Organisation.code == "cdcs-cao-su-phu-rieng"))
        assert union.parent_on(date(2026, 1, 5)).code == "cd-xa-phu-rieng"  # the tree of that day stays
        assert union.parent_on(date(2026, 1, 6)).code == "cd-xa-phu-trung"
        assert db.session.scalar(
            sa.select(User).where(User.username == "reviewer")).organisation.code == "cd-xa-phu-trung"
        # nothing re-issued
        assert {d.id: d.sha256 for d in db.session.scalars(sa.select(Document))} == documents_before
        assert storage.stored() == files_before
        moved = db.session.scalars(sa.select(DossierEvent).where(DossierEvent.event == "transfer")).all()
        assert sorted(row.dossier_id for row in moved) == sorted(
            [waiting["id"], approved["id"], returned["id"], up["id"]])
        assert all("Công đoàn xã Phú Riềng kết thúc hoạt động từ ngày 06/01/2026; Công đoàn xã Phú Trung tiếp nhận. "
                   "Theo Quyết định số 15/QĐ-LĐLĐ" in row.comment for row in moved)
        assert all(row.actor_id is None for row in moved)  # the server's operator
        told = db.session.scalars(sa.select(Notification.params).where(Notification.topic == "transferred")).all()
        assert len(told) == 3 and all(p["org"] == "Công đoàn xã Phú Trung" for p in told)
        assert db.session.get(Dossier, up["id"]).current_step.organisation.code == "ldld-dong-nai"

    # The successor's staff (the moved reviewer, and its own) see and act on what waits there.
    for user in ("reviewer", "staff-cd-xa-phu-trung"):
        seen = api.view(user, waiting)
        assert seen["current_org"]["code"] == "cd-xa-phu-trung" and seen["allowed_events"] == ["return", "approve"]
        assert [s["org"]["code"] for s in seen["route"]] == ["cd-xa-phu-trung", "ldld-dong-nai"]
    batch = api.forwarded(api.view("reviewer", approved), reviewer="staff-cd-xa-phu-trung")
    assert batch["org"]["code"] == "cd-xa-phu-trung" and batch["number"] == "01/TTr-CĐX"
    # What the ended organisation saw stays visible to whoever took it over, decided dossiers included.
    assert api.get("staff-cd-xa-phu-trung", f"/api/v1/dossiers/{decided['id']}").status_code == 200
    # ... in its lists too, each dossier once; what waits there is in its queue.
    listed = api.get("staff-cd-xa-phu-trung", "/api/v1/dossiers?per_page=50").json
    seen_before = [waiting, approved, returned, up, decided]
    assert sorted(d["id"] for d in listed["dossiers"]) == sorted(d["id"] for d in seen_before) == sorted(
        {d["id"] for d in seen_before})
    assert listed["total"] == 5
    queue = api.get("staff-cd-xa-phu-trung", "/api/v1/dossiers?waiting=1").json["dossiers"]
    assert [d["id"] for d in queue] == [waiting["id"]]
    home = browser("staff-cd-xa-phu-trung").get("/").get_data(as_text=True)
    assert f"/dossiers/{waiting['id']}" in home
    history = browser("officer").get(f"/dossiers/{waiting['id']}").get_data(as_text=True)
    assert "Chuyển đơn vị xử lý" in history and "Quản trị máy chủ" in history
    resubmitted = api.fire_ok("officer", api.view("officer", returned), "submit")
    assert resubmitted["current_org"]["code"] == "cd-xa-phu-trung"


def test_ending_into_the_parent_makes_it_the_first_level(api, app, today):
    """The commune union ends and the province takes its unions: the province is now both the first level and
    the deciding one for houses; a house approved by the ended union waits for the province's decision."""
    submitted = api.submitted(kind="union_housing")
    approved = api.approved(kind="union_housing", citizen_id="070085000002")
    child = api.approved(citizen_id="070085000003")
    up = api.approved(kind="union_housing", citizen_id="070085000004")
    api.forwarded(up)  # already at the province, with the commune union behind it
    today(date(2026, 1, 6))
    result = end(app, "--code", "cd-xa-phu-rieng", "--on", "2026-01-05", "--successor", "ldld-dong-nai")
    assert result.exit_code == 0, result.output
    for dossier, state in ((submitted, "submitted"), (approved, "submitted"), (up, "submitted")):
        seen = api.view("liaison", dossier)
        assert seen["state"] == state and [(s["org"]["code"], s["role"]) for s in seen["route"]] == [
            ("ldld-dong-nai", "decide")]
        assert seen["allowed_events"] == ["return", "accept", "reject"]
    seen = api.view("liaison", child)  # the province reviews a child's surgery: the approval of the ended level stays
    assert seen["state"] == "approved" and [s["org"]["code"] for s in seen["route"]] == ["ldld-dong-nai", "tld"]
    assert seen["allowed_events"] == ["forward"]
    fresh = api.submitted(kind="union_housing", citizen_id="070085000009")  # today's tree: no commune level
    assert [s["org"]["code"] for s in fresh["route"]] == ["ldld-dong-nai"]


def test_a_dissolved_union_has_its_open_dossiers_closed(api, app, today, browser):
    draft = api.create("officer2")
    waiting = api.submitted("officer2", citizen_id="070085000002")
    decided = api.fire_ok("reviewer", api.submitted("officer2", "accident_aid"), "accept", granted_amount_vnd=1_300_000)
    today(date(2026, 2, 1))
    result = end(app, "--code", "cdcs-thcs-phu-trung", "--on", "2026-01-31",
                 "--reason", "Đơn vị sự nghiệp công lập hưởng 100% lương ngân sách.")
    assert result.exit_code == 0, result.output
    assert "without successor: 0 unit(s), 1 user(s), 2 open dossier(s) closed" in result.output
    reason = ("Công đoàn cơ sở Trường THCS Phú Trung kết thúc hoạt động từ ngày 01/02/2026, không có đơn vị kế thừa. "
              "Đơn vị sự nghiệp công lập hưởng 100% lương ngân sách.")
    for dossier in (draft, waiting):
        seen = api.view("officer2", dossier)  # the union still reads its dossiers, and why they were closed
        assert seen["state"] == "closed" and seen["current_org"] is None and seen["allowed_events"] == []
        assert seen["history"][-1]["event"] == "close" and seen["history"][-1]["comment"] == reason
    assert api.view("officer2", decided)["state"] == "accepted"
    assert api.view("reviewer", waiting)["state"] == "closed"  # the commune union sees it closed
    page = browser("officer2")
    assert reason in page.get(f"/dossiers/{waiting['id']}").get_data(as_text=True)
    assert page.get("/dossiers/new").status_code == 403
    assert "/dossiers/new" not in page.get("/").get_data(as_text=True)  # nor offered on the home page or in the menu
    assert api.post("officer2", "/api/v1/dossiers", {"kind": "child_heart", "data": {}}).status_code == 403
    with app.app_context():
        told = db.session.scalars(sa.select(Notification).where(Notification.topic == "closed")).all()
        assert {n.user.username for n in told} == {"officer2"} and len(told) == 2
    # The person may be helped through another union: the closed dossier no longer holds the citizen ID.
    assert api.submitted("officer", "accident_aid")["state"] == "submitted"


def test_endings_that_cannot_be(api, app, today):
    cases = [
        (["--code", "cd-xa-phu-rieng", "--on", "2026-02-01"], "không được sau hôm nay"),
        (["--code", "cd-xa-phu-rieng", "--on", "2026-01-01"], "Còn 2 đơn vị trực thuộc"),
        (["--code", "cd-xa-phu-rieng", "--on", "2026-01-01", "--successor", "cdcs-thcs-phu-trung"],
         "Đơn vị kế thừa phải cùng cấp"),
        (["--code", "cd-xa-phu-rieng", "--on", "2026-01-01", "--successor", "cd-xa-phu-rieng"],
         "Đơn vị kế thừa phải là một tổ chức khác"),
        (["--code", "ldld-phu-rieng", "--on", "2026-01-01", "--successor", "cd-xa-phu-rieng"],
         "đã kết thúc hoạt động từ ngày 01/07/2025"),
        (["--code", "ldld-dong-nai", "--on", "2026-01-01", "--successor", "cd-xa-phu-rieng"],
         "Đơn vị kế thừa phải cùng cấp"),
        (["--code", "nope", "--on", "2026-01-01"], "no organisation with code"),
    ]
    for args, message in cases:
        result = end(app, *args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)
                                 .where(Organisation.valid_to > date(2025, 12, 31))) == 0


def test_an_admin_ends_only_within_their_own_subtree(app, ctx, today):
    from workflow.errors import Forbidden
    from workflow.restructuring.operations import end_organisation

    admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
    national = db.session.scalar(sa.select(Organisation).where(Organisation.code == "tld"))
    school = db.session.scalar(sa.select(Organisation).where(Organisation.code == "cdcs-thcs-phu-trung"))
    try:
        end_organisation(admin, national, date(2026, 1, 1))
    except Forbidden:
        pass
    else:
        raise AssertionError("an admin of Đồng Nai ended the Confederation")
    ending = end_organisation(admin, school, date(2026, 1, 1))
    assert ending.organisation.valid_to == date(2026, 1, 1)
    db.session.rollback()


def test_documents_issued_before_keep_the_old_names(api, app, today):
    """Issued on the tree of 2018, read again today: the bytes, and the names in them, are those of 2018."""
    today(date(2018, 1, 5))
    old = api.submitted("officer")
    assert [s["org"]["code"] for s in old["route"]] == ["ldld-phu-rieng", "ldld-binh-phuoc", "tld"]
    today(date(2026, 1, 5))
    text = api.get("officer", old["documents"][0]["url"]).data
    content = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(text)).pages).split())
    assert "LĐLĐ HUYỆN PHÚ RIỀNG CĐCS CTY CAO SU PHÚ RIỀNG" in content  # the heading's one-line names
    assert "Kính gửi: Liên đoàn Lao động huyện Phú Riềng" in content and "năm 2018" in content
    # The commune union took the district over: it sees what reached the district.
    assert api.view("reviewer", old)["documents"][0]["sha256"] == old["documents"][0]["sha256"]
