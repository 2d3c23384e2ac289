"""Edges of routes as data over a dated tree (dossier_access list entries, batches from any level,
ending an organisation): visibility, list entries kept in step, bad input, stale and transferred dossiers."""
from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from workflow.auth.models import User
from workflow.dossiers.models import Dossier
from workflow.extensions import db
from workflow.orgs.models import Organisation, OrganisationPlacement

from .conftest import end, new_commune

# --- helpers ----------------------------------------------------------------------------------------------------

def entry_mismatches(app) -> list:
    """Every dossier_access row compared with what the ORM says its dossier is and what that organisation was
    sent; every dossier's own list columns with its live data. Returns the differences."""
    from workflow.dossiers.visibility import task_of
    from workflow.lists.search import search_columns

    found = []
    with app.app_context():
        for dossier in db.session.scalars(sa.select(Dossier).order_by(Dossier.id)):
            own = search_columns(dossier.kind, dossier.data)
            for name, value in own.items():
                if getattr(dossier, name) != value:
                    found.append((dossier.id, "dossier", name, getattr(dossier, name), value))
            for access in dossier.access:
                sent = search_columns(dossier.kind, access.sent_event.data_snapshot)
                expected = {"union_id": dossier.organisation_id, "kind": dossier.kind, "state": dossier.state,
                            "updated_at": dossier.updated_at, "submitted_on": dossier.submitted_on,
                            "submitted_late": dossier.submitted_late, "campaign_id": dossier.campaign_id,
                            "task": task_of(dossier, access.organisation_id), **sent}
                for name, value in expected.items():
                    if getattr(access, name) != value:
                        found.append((dossier.id, access.organisation.code, name, getattr(access, name), value))
            current = dossier.current_org_id
            if current is not None and not any(a.organisation_id == current and a.task for a in dossier.access):
                found.append((dossier.id, "no entry with a task where it waits", current))
        db.session.remove()
    return found


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json
    return [d["id"] for d in response.json["dossiers"]]


@pytest.fixture
def no_propagation(app, monkeypatch):
    """Answer an unexpected exception with the server's 500, as production does, instead of raising it here."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)


# --- visibility: who reads what ---

def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_the_province_cannot_read_a_resubmission_not_yet_sent_to_it_through_its_documents(api):
    """The province returns a child's surgery to the union, which corrects the diagnosis and resubmits to the
    commune union. The province still reads round 1 (data, files); the union's new Tờ trình, which prints the
    corrected data for the commune union, must not be listed to it or downloadable by it either."""
    child = api.approved()
    api.forwarded(child)
    returned = api.fire_ok("liaison", api.view("liaison", child), "return", comment="Chẩn đoán chưa rõ.")
    edited = api.patch("officer", f"/api/v1/dossiers/{child['id']}",
                       {"version": returned["version"], "data": {"diagnosis": "Tứ chứng Fallot đã sửa"}}).json
    again = api.fire_ok("officer", edited, "submit")
    assert again["current_org"]["code"] == "cd-xa-phu-rieng"
    seen = api.view("liaison", child)
    assert seen["data"]["diagnosis"] == "Thông liên thất (VSD)"  # what it was sent: holds
    leaked = [d["number"] for d in seen["documents"]
              if "Tứ chứng Fallot đã sửa" in _pdf_text(api.get("liaison", d["url"]).data)]
    assert leaked == []


def test_outsiders_get_404_from_every_batch_action(api, browser):
    """Another commune union, a union (even the one whose dossier is in it) and an admin: 404 on deciding a batch
    (API and page, with or without confirmation), on the forward confirmation with someone else's dossier, and
    on the batches index; no result row tells them anything."""
    house = api.approved(kind="union_housing")
    batch = api.forwarded(house)
    other = api.approved("officer3", kind="union_housing", citizen_id="070085000003")
    item = {"dossier_id": house["id"], "version": api.view("liaison", house)["version"],
            "granted_amount_vnd": 1_000_000}
    for user in ("reviewer2", "officer", "officer2", "admin"):
        assert api.post(user, f"/api/v1/batches/{batch['id']}/decisions",
                        {"event": "accept", "items": [item]}).status_code == 404, user
        page = browser(user)
        for confirm in ("", "1"):
            response = page.post(f"/batches/{batch['id']}/decisions",
                                 {"event": "accept", "dossier_id": str(house["id"]), "confirm": confirm,
                                  f"version-{house['id']}": str(item["version"]), f"granted-{house['id']}": "1000000"})
            assert response.status_code == 404, (user, confirm)
        if user != "officer":  # its own dossier
            assert page.post("/batches", {"dossier_id": str(house["id"])}).status_code == 404, user
    assert browser("officer").get("/batches").status_code == 404
    assert api.get("officer", "/api/v1/batches").json["batches"] == []
    assert api.view("liaison", house)["state"] == "forwarded"
    assert browser("reviewer").post("/batches", {"dossier_id": str(other["id"])}).status_code == 404


def test_batches_mixing_levels_other_unions_and_duplicates_are_refused(api, browser):
    at_commune = api.approved()
    up = api.approved(citizen_id="070085000002")
    api.forwarded(up)
    at_province = api.fire_ok("liaison", api.view("liaison", up), "approve")
    elsewhere = api.approved("officer3", citizen_id="070085000003")
    house = api.approved(kind="union_housing", citizen_id="070085000004")
    cases = [
        ("reviewer", [at_commune["id"], at_province["id"]], 403),
        ("liaison", [at_commune["id"], at_province["id"]], 404),
        ("reviewer", [at_commune["id"], elsewhere["id"]], 404),
        ("reviewer", [at_commune["id"], at_commune["id"]], 422),
        ("reviewer", [at_commune["id"], house["id"]], 422),
        ("reviewer", [True], 422),
        ("officer", [at_commune["id"]], 403),
        ("admin", [at_commune["id"]], 404),
    ]
    for user, dossier_ids, status in cases:
        response = api.post(user, "/api/v1/batches", {"dossier_ids": dossier_ids})
        assert response.status_code == status, (user, dossier_ids, response.json)
    for user, d in (("officer", at_commune), ("officer3", elsewhere), ("officer", house)):
        assert api.view(user, d)["state"] == "approved"
    assert api.view("liaison", at_province)["state"] == "approved"


# --- list entries (dossier_access) kept in step; the queue ---

def test_list_entries_follow_every_step(api, app, today):
    """After each kind of step, every dossier_access row holds what the dossier is now and the names its
    organisation was sent; the union's own columns hold its live data; where it waits has a task."""
    def check(step):
        assert entry_mismatches(app) == [], step

    new_commune(app)
    child = api.submitted()
    house = api.submitted("officer2", "union_housing", citizen_id="070085000002")
    far = api.submitted("officer3", citizen_id="070085000003")
    direct = api.submitted("officer4", "union_housing", citizen_id="070085000004")
    small = api.submitted("officer", "accident_aid", citizen_id="070085000005")
    check("submit")
    child = api.fire_ok("reviewer", child, "return", comment="Bổ sung.")
    child = api.patch("officer", f"/api/v1/dossiers/{child['id']}", {"version": child["version"], "data": {
        "full_name": "Lê Văn Sửa", "citizen_id": "070085009999"}}).json
    check("unsent edit")
    child = api.fire_ok("officer", child, "submit")
    check("resubmit")
    child = api.fire_ok("reviewer", child, "approve")
    check("approve")
    api.forwarded(child)
    check("forward")
    child = api.fire_ok("liaison", api.view("liaison", child), "approve")
    api.forwarded(child, reviewer="liaison")
    check("forward to the Confederation")
    child = api.fire_ok("tld", api.view("tld", child), "refer_back", comment="Thiếu chỉ định mổ.")
    check("refer back to a middle level")
    child = api.fire_ok("liaison", api.view("liaison", child), "approve")
    api.forwarded(child, reviewer="liaison")
    api.fire_ok("tld", api.view("tld", child), "accept", granted_amount_vnd=40_000_000)
    check("accept")
    house = api.fire_ok("reviewer", house, "approve")
    api.forwarded(house)
    api.fire_ok("liaison", api.view("liaison", house), "refer_back", comment="Xác minh.")
    check("refer back to the first level")
    house = api.fire_ok("reviewer", api.view("reviewer", house), "approve")
    api.forwarded(house)
    api.fire_ok("liaison", api.view("liaison", house), "reject", comment="Không đủ điều kiện.")
    check("reject")
    api.fire_ok("officer3", far, "withdraw", comment="Gia đình tự lo.")
    check("withdraw")
    api.fire_ok("reviewer", small, "accept", granted_amount_vnd=1_000_000)
    check("accept at a first level that decides")
    waiting = api.approved(kind="union_housing", citizen_id="070085000006")
    check("approved, to forward")
    today(date(2026, 1, 6))
    assert end(app, "--code", "cd-xa-phu-rieng", "--on", "2026-01-05", "--successor", "cd-xa-phu-trung").exit_code == 0
    check("transfer to a successor")
    api.fire_ok("liaison", api.view("liaison", direct), "accept", granted_amount_vnd=30_000_000)
    api.forwarded(api.view("reviewer", waiting), reviewer="staff-cd-xa-phu-trung")
    check("forward by the successor")
    lone = api.submitted("officer2", "child_heart", citizen_id="070085000007")
    today(date(2026, 1, 7))
    assert end(app, "--code", "cdcs-thcs-phu-trung", "--on", "2026-01-06").exit_code == 0
    check("close")
    assert api.view("officer2", lone)["state"] == "closed"


def test_a_referral_back_restarts_the_wait_at_the_level_below(api, browser, today):
    """Forwarded on 05/01, referred back by the province on 25/01: the commune union has had it since 25/01, so
    its home page shows 0 days, not 20 days overdue (arrived_on is 'the day it last reached the organisation')."""
    house = api.approved(kind="union_housing")
    api.forwarded(house)
    today(date(2026, 1, 25))
    api.fire_ok("liaison", api.view("liaison", house), "refer_back", comment="Xác minh lại.")
    home = browser("reviewer").get("/").get_data(as_text=True)
    queue = home.split('id="queue"')[1].split('id="to-forward"')[0]
    assert f"Số {house['id']}" in queue
    assert "hồ sơ đã chờ đơn vị xử lý quá hạn" not in home
    assert "20 ngày" not in queue and "0 ngày" in queue
    row = queue.split(f"Số {house['id']}")[1].split("</tr>")[0]
    assert "Liên đoàn Lao động tỉnh Đồng Nai" in row  # it came back from the province, not from the union


# --- ending an organisation ---

def test_a_referral_back_to_an_ended_level_reaches_its_successor(api, app, today):
    """A house forwarded to the province; the commune union ends (a new commune takes over); the province refers
    the house back. It must wait at someone who can act: the successor, not the ended union nobody speaks for."""
    new_commune(app)
    house = api.approved(kind="union_housing")
    api.forwarded(house)
    today(date(2026, 1, 6))
    result = end(app, "--code", "cd-xa-phu-rieng", "--on", "2026-01-05", "--successor", "cd-xa-phu-trung")
    assert result.exit_code == 0, result.output
    referred = api.fire_ok("liaison", api.view("liaison", house), "refer_back", comment="Xác minh lại.")
    assert referred["current_org"]["code"] == "cd-xa-phu-trung"
    for user in ("reviewer", "staff-cd-xa-phu-trung"):
        assert "approve" in api.view(user, house)["allowed_events"], user
        assert house["id"] in ids(api.get(user, "/api/v1/dossiers?waiting=1")), user


def test_a_resubmission_after_an_upper_return_goes_to_the_successor(api, app, today):
    """The province returns a child's surgery to the union; meanwhile the union's commune union ends. The union
    resubmits: the first level of its route is now the successor, not the ended union."""
    new_commune(app)
    child = api.approved()
    api.forwarded(child)
    returned = api.fire_ok("liaison", api.view("liaison", child), "return", comment="Bổ sung giấy khai sinh.")
    today(date(2026, 1, 6))
    result = end(app, "--code", "cd-xa-phu-rieng", "--on", "2026-01-05", "--successor", "cd-xa-phu-trung")
    assert result.exit_code == 0, result.output
    again = api.fire_ok("officer", api.view("officer", returned), "submit")
    assert again["current_org"]["code"] == "cd-xa-phu-trung"
    assert "approve" in api.view("staff-cd-xa-phu-trung", child)["allowed_events"]


def test_a_successor_that_already_had_an_entry_finds_what_the_ended_one_saw(api, app, today):
    """The province had a house as first sent (S1); the commune union later got the resubmission (S2, a new name)
    and returned it. The commune union ends into the province, which takes over what it saw: its page shows S2
    (visibility.access_of, the newest of the two), so its list must find the dossier by S2's name, and sort it
    under that name; today the province's own older entry is kept (take_over_access skips it) and the list
    searches S1 while showing S2."""
    house = api.approved(kind="union_housing")
    api.forwarded(house)
    referred = api.fire_ok("liaison", api.view("liaison", house), "refer_back", comment="Xác minh lại.")
    returned = api.fire_ok("reviewer", referred, "return", comment="Sửa họ tên theo CCCD.")
    edited = api.patch("officer", f"/api/v1/dossiers/{house['id']}",
                       {"version": returned["version"], "data": {"full_name": "Trần Thị Bình"}}).json
    again = api.fire_ok("officer", edited, "submit")
    api.fire_ok("reviewer", again, "return", comment="Thiếu ảnh nhà.")
    today(date(2026, 1, 6))
    result = end(app, "--code", "cd-xa-phu-rieng", "--on", "2026-01-05", "--successor", "ldld-dong-nai")
    assert result.exit_code == 0, result.output
    page = api.view("liaison", house)
    assert page["data"]["full_name"] == "Trần Thị Bình"  # what the ended commune union saw
    listed = api.get("liaison", "/api/v1/dossiers?q=tran+thi+binh").json["dossiers"]
    assert [d["id"] for d in listed] == [house["id"]]
    assert house["id"] not in ids(api.get("liaison", "/api/v1/dossiers?q=nguyen+van+anh"))


def test_a_grassroots_union_cannot_end_into_its_commune_union(api, app, today):
    """'Same level, or its parent' lets a grassroots union name its commune union as successor. Then its officers
    become officers of the commune union: they create dossiers owned by an upper organisation, whose route skips
    the commune union (the province decides at once), and the moved dossier is owned by its own first reviewing
    level. A grassroots union's successor must be a grassroots union (or none: dissolved)."""
    waiting = api.submitted(kind="union_housing")
    today(date(2026, 1, 6))
    result = end(app, "--code", "cdcs-cao-su-phu-rieng", "--on", "2026-01-05", "--successor", "cd-xa-phu-rieng")
    created = api.post("officer", "/api/v1/dossiers", {"kind": "union_housing", "data": {}}).status_code
    moved = api.view("reviewer", waiting)
    assert result.exit_code != 0, (result.output, f"officer may create: {created}", moved["org"],
                                   [s["org"]["code"] for s in moved["route"]])


def test_an_admin_cannot_end_their_own_federation_into_the_confederation(app, ctx, today):
    """An admin of Đồng Nai may end organisations of its own subtree; ending Đồng Nai itself with the
    Confederation (its parent) as successor moves the admin's account to the Confederation: an admin of the
    whole country, by their own hand."""
    from workflow.errors import OperationError
    from workflow.restructuring.operations import end_organisation

    admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
    province = db.session.scalar(sa.select(Organisation).where(Organisation.code == "ldld-dong-nai"))
    national = db.session.scalar(sa.select(Organisation).where(Organisation.code == "tld"))
    try:
        end_organisation(admin, province, date(2026, 1, 5), national)
    except OperationError:
        refused = True
    else:
        refused = False
    scope = admin.organisation.code
    db.session.rollback()
    assert refused, f"the admin now manages {scope}"


def test_an_ending_dated_before_the_last_move_leaves_the_union_nowhere_after_it(api, app, today):
    """The union sat under the district until 30/06/2025 and under the commune union from 01/07/2025. Ended on
    01/06/2025 (accepted: a date in the past), it must sit nowhere after that day; today its placement under the
    commune union stays open, so the commune union still counts it among its units."""
    result = end(app, "--code", "cdcs-cao-su-phu-rieng", "--on", "2025-06-01")
    assert result.exit_code == 0, result.output
    union = api.get("admin", "/api/v1/organisations?code=cdcs-cao-su-phu-rieng").json["organisations"][0]
    assert union["valid_to"] == "2025-06-01"
    dry = end(app, "--code", "cd-xa-phu-rieng", "--on", "2026-01-05", "--successor", "cd-xa-bu-dang", "--dry-run")
    assert "1 unit(s)" in dry.output, dry.output  # THCS Phú Trung only
    assert all(p["valid_to"] is not None and p["valid_to"] <= "2025-06-01" for p in union["placements"]), \
        union["placements"]


def test_end_organisation_refuses_bad_codes_dates_and_successors(app, demo_data, today, no_propagation):
    """Beyond tests/test_restructuring.py's cases: unreadable dates, an empty or unknown code, a successor that
    ended, one two levels up, the root, and a province into a commune union; each refused cleanly, nothing
    changed."""
    cases = [
        ["--code", "cd-xa-phu-rieng", "--on", "2026-13-01"],
        ["--code", "cd-xa-phu-rieng", "--on", "05/01/2026"],
        ["--code", "", "--on", "2026-01-05"],
        ["--code", "cd-xa-phu-rieng", "--on", "2026-01-05", "--successor", "nope"],
        ["--code", "cd-xa-phu-rieng", "--on", "2026-01-05", "--successor", "ldld-binh-phuoc"],
        ["--code", "cd-xa-phu-rieng", "--on", "2026-01-05", "--successor", "tld"],
        ["--code", "cd-xa-phu-rieng", "--on", "2026-01-05", "--successor", "cdcs-cao-su-phu-rieng"],
        ["--code", "tld", "--on", "2026-01-05"],
        ["--code", "tld", "--on", "2026-01-05", "--successor", "ldld-dong-nai"],
        ["--code", "ldld-dong-nai", "--on", "2026-01-05", "--successor", "cd-xa-bu-dang"],
        ["--code", "cdcs-tieu-hoc-long-ha", "--on", "2026-01-05"],
    ]
    for args in cases:
        result = end(app, *args)
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
        assert result.exit_code != 0, (args, result.output)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)
                                 .where(Organisation.valid_to > date(2025, 12, 31))) == 0


# --- concurrency-ish: stale reads, double sends, transferred dossiers ---

def test_a_transfer_makes_what_was_read_before_it_stale(api, app, today):
    """The reviewer read a dossier waiting at the commune union (version v, route commune → province → TLD).
    The commune union ends into the province: a history row, another route, another organisation acting. An
    action sent with version v was decided on a view that no longer holds: 409, as for any other change; today
    the transfer leaves the version as it was and the reviewer's approval goes through as the province's."""
    waiting = api.submitted()
    today(date(2026, 1, 6))
    assert end(app, "--code", "cd-xa-phu-rieng", "--on", "2026-01-05", "--successor", "ldld-dong-nai").exit_code == 0
    moved = api.view("liaison", waiting)
    assert moved["history"][-1]["event"] == "transfer" and moved["route"] != waiting["route"]
    assert moved["version"] != waiting["version"]
    late = api.fire("reviewer", waiting, "approve")
    assert late.status_code == 409, late.json


def test_two_forwards_of_the_same_dossier_make_one_batch(api, app):
    approved = api.approved()
    first = api.post("reviewer", "/api/v1/batches",
                     {"dossier_ids": [approved["id"]], "versions": {str(approved["id"]): approved["version"]}})
    second = api.post("reviewer", "/api/v1/batches",
                      {"dossier_ids": [approved["id"]], "versions": {str(approved["id"]): approved["version"]}})
    third = api.post("reviewer", "/api/v1/batches", {"dossier_ids": [approved["id"]]})
    assert first.status_code == 201 and second.status_code == 409 and third.status_code == 409
    assert len(api.get("liaison", "/api/v1/batches").json["batches"]) == 1
    assert entry_mismatches(app) == []


def test_a_batch_received_by_an_ended_province_is_decided_by_its_successor(api, app, today):
    """A province that ends hands the houses it received to its successor (another province): the successor's
    staff (the moved liaison) decide them in the batch the ended one received, the Quyết định is the successor's,
    a stale version is refused for its dossier alone, the entries stay in step and the other waits."""
    batch = api.forwarded(api.approved(kind="union_housing"),
                          api.approved(kind="union_housing", citizen_id="070085000002"))
    old = [api.view("liaison", d) for d in batch["dossiers"]]
    with app.app_context():
        province = db.session.scalar(sa.select(Organisation).where(Organisation.code == "ldld-dong-nai"))
        other = Organisation(code="ldld-moi", level="province", name="LĐLĐ tỉnh Mới", header_name="LĐLĐ TỈNH MỚI",
                             abbreviation="LĐLĐ", place_name="Mới", signing_body="BAN THƯỜNG VỤ", head_name="A",
                             valid_from=date(2026, 1, 1))
        national = db.session.scalar(sa.select(Organisation).where(Organisation.code == "tld"))
        db.session.add_all([other, OrganisationPlacement(organisation=other, parent=national,
                                                         valid_from=date(2026, 1, 1))])
        db.session.commit()
        assert province.id
    today(date(2026, 1, 6))
    result = end(app, "--code", "ldld-dong-nai", "--on", "2026-01-05", "--successor", "ldld-moi")
    assert result.exit_code == 0, result.output
    assert entry_mismatches(app) == []
    decided = api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions", {"event": "accept", "items": [
        {"dossier_id": old[0]["id"], "version": old[0]["version"] - 1, "granted_amount_vnd": 30_000_000},
        {"dossier_id": old[1]["id"], "version": api.view("liaison", old[1])["version"],
         "granted_amount_vnd": 30_000_000}]})
    assert decided.status_code == 200, decided.json
    assert [(r["ok"], r.get("status")) for r in decided.json["results"]] == [(False, 409), (True, None)]
    assert decided.json["decision"]["issuer"]["code"] == "ldld-moi"
    assert entry_mismatches(app) == []
    assert ids(api.get("liaison", "/api/v1/dossiers?waiting=1")) == [old[0]["id"]]


# --- bad input on the new endpoints and pages ---

def test_batch_input_with_unicode_digits_is_refused_not_a_server_error(api, browser, no_propagation):
    """str.isdigit() is true for '²' (and other Unicode digits) that int() refuses: each guard below lets one
    through to int() and the request fails with 500."""
    approved = api.approved()
    key = str(approved["id"])
    house_batch = api.forwarded(api.approved(kind="union_housing", citizen_id="070085000002"))
    reviewer, liaison = browser("reviewer"), browser("liaison")
    answers = {
        "POST /api/v1/batches versions {'²': 1}": api.post(
            "reviewer", "/api/v1/batches", {"dossier_ids": [approved["id"]], "versions": {"²": 1}}).status_code,
        "POST /batches dossier_id=²": reviewer.post("/batches", {"dossier_id": "²"}).status_code,
        "POST /batches version-²=1": reviewer.post("/batches", {"dossier_id": key, "version-²": "1"}).status_code,
        "POST /batches version-N=²": reviewer.post(
            "/batches", {"dossier_id": key, f"version-{key}": "²", "confirm": "1"}).status_code,
        "POST /batches/N/decisions dossier_id=²": liaison.post(
            f"/batches/{house_batch['id']}/decisions", {"dossier_id": "²", "event": "accept"}).status_code,
    }
    assert {what: status for what, status in answers.items() if status >= 500} == {}
    assert api.view("reviewer", approved)["state"] in ("approved", "forwarded")


def test_batches_index_with_any_page_number_is_not_a_server_error(api, browser, no_propagation):
    """The dossier list and the organisations API clamp their page; the batches index (db.paginate) does not."""
    api.forwarded(api.approved())
    page = browser("reviewer")
    answers = {number: page.get(f"/batches?page={number}").status_code
               for number in ("99999999999999999999", str(2**63), "abc", "-3", "0", "1e9", "²")}
    assert {number: status for number, status in answers.items() if status not in (200, 404)} == {}


def test_ids_beyond_any_row_are_404_not_500(api, browser, no_propagation):
    """A number no row can have (past 2**63) in a path or in POST /api/v1/batches: 404 (or 422), never 500.
    (SQLite: OverflowError; PostgreSQL: integer out of range.)"""
    huge = 2**70
    approved = api.approved()
    answers = {"POST /api/v1/batches": api.post("reviewer", "/api/v1/batches",
                                                {"dossier_ids": [approved["id"], huge]}).status_code}
    for url in (f"/api/v1/batches/{huge}", f"/api/v1/batches/{huge}/bundle.zip", f"/api/v1/dossiers/{huge}",
                f"/api/v1/documents/{huge}", f"/api/v1/attachments/{huge}"):
        answers[url] = api.get("reviewer", url).status_code
    page = browser("reviewer")
    for url in (f"/batches/{huge}", f"/batches/{huge}/bundle.pdf", f"/dossiers/{huge}", f"/documents/{huge}"):
        answers[url] = page.get(url).status_code
    assert {url: status for url, status in answers.items() if status >= 500} == {}
    assert api.view("reviewer", approved)["state"] == "approved"


def test_organisations_and_routes_apis_with_odd_queries(api, no_propagation):
    """Unreadable dates are 422; odd levels, codes and page sizes are an answer, never a server error; the routes
    answer every kind of user (a dissolved union's officer, an admin, the Confederation)."""
    answers = {query: api.get("officer", f"/api/v1/organisations?{query}").status_code for query in (
        "in_force_on=2026-02-30", "in_force_on=99999-01-01", "in_force_on=%00", "in_force_on=0001-01-01",
        "in_force_on=9999-12-31", "per_page=0", "per_page=-5", f"per_page={2**70}", f"page=-{2**70}", "page=abc",
        "level=galaxy", "level=province&level=tld", "code=%27%3B--")}
    assert {q: s for q, s in answers.items() if s not in (200, 422) and q != "in_force_on=%00"} == {}
    assert answers["in_force_on=2026-02-30"] == 422
    assert answers["in_force_on=%00"] == 400  # a NUL: the input layer's (workflow/inputs.py), before any view
    for user in ("officer", "officer5", "reviewer", "liaison", "tld", "admin"):
        assert api.get(user, "/api/v1/routes?kind=nope&on=garbage").status_code == 200, user
