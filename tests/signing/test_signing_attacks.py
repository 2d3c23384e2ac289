"""Attacks on the signing step (trình ký): other organisations and roles reaching requests and drafts, signatures
and returns in every order and racing, steps attempted on locked dossiers, bad input, markup in what the pages
show, drafts leaking, and the dossiers changed under a waiting request. Each defect found
was reproduced here first, then fixed."""
import io

import pytest
import sqlalchemy as sa

from workflow import storage
from workflow.auth.models import User
from workflow.dossiers.models import Dossier
from workflow.errors import OperationError
from workflow.extensions import db
from workflow.notifications.models import Notification
from workflow.orgs.models import Organisation
from workflow.pdf.models import Document
from workflow.signing import step
from workflow.signing.models import SigningRequest
from workflow.transaction import unit_of_work

from ..conftest import end, tiny_pdf
from .test_signing_step import at_province, counters, keys, signed_keys  # noqa: F401

PROVINCE = "ldld-dong-nai"
OTHERS = ("reviewer", "reviewer2", "tld", "officer", "officer4")  # none of them belongs to the province


def presented(api, event="accept", dossier=None, **extra):
    """A step of the province's staff (liaison) waiting for the leader: (the dossier, the request as JSON)."""
    dossier = dossier or at_province(api)
    if event == "accept":
        extra.setdefault("granted_amount_vnd", 30_000_000)
    elif event in ("reject", "return", "refer_back"):
        extra.setdefault("comment", "Không đủ điều kiện.")
    answer = api.fire("liaison", dossier, event, **extra)
    assert answer.status_code == 202, answer.json
    return dossier, answer.json["signing_request"]


def batch_at_province(api, count=2, kind="union_housing"):
    """`count` dossiers of the union, forwarded to the province in one batch: (the batch, the dossiers as seen
    there)."""
    dossiers = [api.approved("officer", kind) for _ in range(count)]
    batch = api.forwarded(*dossiers, reviewer="reviewer")
    return batch, [api.view("liaison", d) for d in dossiers]


def signatures_url(request_json) -> str:
    return f"/api/v1/documents/{request_json['documents'][0]['id']}/signatures"


def state_of(app, request_id) -> str:
    with app.app_context():
        return db.session.get(SigningRequest, request_id).state


def set_org(app, code, **values):
    with app.app_context():
        org = db.session.scalar(sa.select(Organisation).where(Organisation.code == code))
        for name, value in values.items():
            setattr(org, name, value)
        db.session.commit()


def set_user(app, username, **values):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        for name, value in values.items():
            if name == "organisation":
                value = db.session.scalar(sa.select(Organisation).where(Organisation.code == value))
            setattr(user, name, value)
        db.session.commit()


def org_of(app, username) -> str | None:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        return user.organisation.code if user.organisation else None


def issued_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Document).where(Document.state == "issued"))


# --- who may read and sign ------------------------------------------------------------------------------------

def test_other_organisations_get_404_for_the_request_and_its_drafts_on_the_api(app, api, signing_step):
    dossier, waiting = presented(api)
    draft_id = waiting["documents"][0]["id"]
    for user in OTHERS:
        assert api.get(user, f"/api/v1/signing-requests/{waiting['id']}").status_code == 404, user
        assert api.get(user, f"/api/v1/documents/{draft_id}").status_code == 404, user
        assert api.post(user, f"/api/v1/documents/{draft_id}/signatures", {}).status_code == 404, user
        assert api.post(user, f"/api/v1/documents/{draft_id}/signatures",
                        {"decision": "return", "reason": "Không phải của tôi."}).status_code == 404, user
        assert api.get(user, "/api/v1/signing-queue").json["items"] == [], user
    assert state_of(app, waiting["id"]) == "waiting"
    assert api.view("liaison", dossier)["state"] == dossier["state"]


def test_other_organisations_get_404_on_the_pages_and_see_nothing_in_their_list(app, api, browser, signing_step):
    _, waiting = presented(api)
    draft_id = waiting["documents"][0]["id"]
    for user in ("reviewer", "tld", "officer"):
        page = browser(user)
        assert page.get(f"/signing/{waiting['id']}").status_code == 404, user
        assert page.get(f"/signing/documents/{draft_id}").status_code == 404, user
        assert page.post(f"/signing/{waiting['id']}/sign").status_code == 404, user
        assert page.post(f"/signing/{waiting['id']}/return", data={"reason": "x"}).status_code == 404, user
        assert page.post("/signing/sign-many", data={"request_id": str(waiting["id"]), "confirm": "1"}
                         ).status_code == 404, user
        listing = page.get("/signing").get_data(as_text=True)
        assert f"/signing/{waiting['id']}\"" not in listing and waiting["summary"] not in listing, user
    assert state_of(app, waiting["id"]) == "waiting"


def test_a_non_signer_of_the_organisation_follows_the_request_but_gets_403(app, api, browser, signing_step):
    dossier, waiting = presented(api)
    before = counters(app)
    assert api.get("liaison", f"/api/v1/signing-requests/{waiting['id']}").status_code == 200
    assert api.post("liaison", signatures_url(waiting), {}).status_code == 403
    assert api.post("liaison", signatures_url(waiting), {"decision": "return", "reason": "Tự rút."}).status_code == 403
    page = browser("liaison")
    shown = page.get(f"/signing/{waiting['id']}").get_data(as_text=True)
    assert "Ký và ban hành" not in shown  # no form to sign or send back
    assert 'name="request_id"' not in page.get("/signing").get_data(as_text=True)  # no checkbox to pick
    assert page.post(f"/signing/{waiting['id']}/sign").status_code == 403
    assert page.post(f"/signing/{waiting['id']}/return", data={"reason": "Tự rút."}).status_code == 403
    many = page.post("/signing/sign-many", data={"request_id": str(waiting["id"]), "confirm": "1"},
                     follow_redirects=True)
    assert "Chưa ký được" in many.get_data(as_text=True)
    assert state_of(app, waiting["id"]) == "waiting" and counters(app) == before
    assert api.view("liaison", dossier)["state"] == dossier["state"]


def test_the_admin_and_a_deactivated_signer_cannot_sign(app, api, browser, signing_step):
    _, waiting = presented(api)
    admin_status = 403 if org_of(app, "admin") == PROVINCE else 404
    assert api.post("admin", signatures_url(waiting), {}).status_code == admin_status
    leader = browser("leader")  # logged in before being deactivated
    api.headers("leader")  # and holding an API token
    set_user(app, "leader", active=False)
    assert api.post("leader", signatures_url(waiting), {}).status_code in (401, 403)
    answer = leader.post(f"/signing/{waiting['id']}/sign")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")  # logged out
    assert api.client.post("/api/v1/tokens", json={"username": "leader", "password": "demo"}).status_code == 401
    assert state_of(app, waiting["id"]) == "waiting"


# --- signing and returning, in every order ------------------------------------------------------------------------

def test_sign_twice_return_after_signing_and_sign_after_returning_are_refused(app, api, signing_step):
    dossier, first = presented(api)
    assert api.post("leader", signatures_url(first), {}).status_code == 200
    after = counters(app)
    assert api.post("leader", signatures_url(first), {}).status_code == 409
    assert api.post("leader", signatures_url(first), {"decision": "return", "reason": "Muộn."}).status_code == 409
    assert counters(app) == after and state_of(app, first["id"]) == "signed"
    assert api.view("liaison", dossier)["state"] == "accepted"

    dossier, second = presented(api, "reject")
    back = api.post("leader", signatures_url(second), {"decision": "return", "reason": "Xem lại."})
    assert back.status_code == 200
    before = counters(app)
    assert api.post("leader", signatures_url(second), {}).status_code == 409
    assert api.post("leader", signatures_url(second), {"decision": "return", "reason": "Lần hai."}).status_code == 409
    assert counters(app) == before and state_of(app, second["id"]) == "returned"
    assert api.get("leader", f"/api/v1/signing-requests/{second['id']}").json["return_reason"] == "Xem lại."
    assert api.view("liaison", dossier)["state"] == dossier["state"]


def test_sign_many_with_duplicates_signs_once_and_with_another_organisations_id_signs_nothing(app, api, browser,
                                                                                             signing_step):
    first_dossier, first = presented(api)
    _, second = presented(api)
    leader = browser("leader")
    # a forged id of a request that does not exist (as another organisation's would be) spoils the whole post
    assert leader.post("/signing/sign-many", data={"request_id": [str(first["id"]), "987654"], "confirm": "1"}
                       ).status_code == 404
    assert state_of(app, first["id"]) == "waiting"
    before = counters(app)
    done = leader.post("/signing/sign-many", data={"request_id": [str(first["id"])] * 3, "confirm": "1"})
    assert done.status_code == 303
    assert state_of(app, first["id"]) == "signed" and state_of(app, second["id"]) == "waiting"
    assert sum(counters(app).values()) == sum(before.values()) + 1
    assert api.view("liaison", first_dossier)["state"] == "accepted"
    # junk ids are ignored, not 500
    junk = leader.post("/signing/sign-many", data={"request_id": ["abc", "-1", "9" * 40, "1e3", " 1"]})
    assert junk.status_code == 303


def _stale_request(request_id):
    """The request as a second tab of a signer read it (loaded before the other tab acted), with the signer."""
    stale = db.session.get(SigningRequest, request_id)
    assert stale.state == "waiting"
    return stale, db.session.scalar(sa.select(User).where(User.username == "leader"))


def other_tab(app, call):
    """What another browser tab (another request, another database session) does meanwhile."""
    with app.app_context():  # the test client's request uses this context, hence a session of its own
        return call()


def test_two_signatures_racing_issue_the_step_once(app, api, signing_step):
    dossier, waiting = presented(api)
    with app.app_context():
        stale, leader = _stale_request(waiting["id"])
        before = issued_count(app)
        assert other_tab(app, lambda: api.post("leader", signatures_url(waiting), {})).status_code == 200
        with pytest.raises(OperationError) as refused:
            with unit_of_work():
                step.sign(leader, stale)
        assert refused.value.status == 409
    assert issued_count(app) == before + 1
    assert state_of(app, waiting["id"]) == "signed" and api.view("liaison", dossier)["state"] == "accepted"


def test_a_return_racing_a_signature_does_not_overwrite_it(app, api, signing_step):
    dossier, waiting = presented(api)
    with app.app_context():
        stale, leader = _stale_request(waiting["id"])
        assert other_tab(app, lambda: api.post("leader", signatures_url(waiting), {})).status_code == 200
        try:
            with unit_of_work():
                step.send_back(leader, stale, "Xem lại.")
        except OperationError:
            pass
    assert api.view("liaison", dossier)["state"] == "accepted"
    assert state_of(app, waiting["id"]) == "signed"


def test_a_signature_racing_a_return_does_not_issue_what_was_sent_back(app, api, signing_step):
    dossier, waiting = presented(api)
    before = counters(app)
    with app.app_context():
        stale, leader = _stale_request(waiting["id"])
        back = other_tab(app, lambda: api.post("leader", signatures_url(waiting),
                                               {"decision": "return", "reason": "Xem lại."}))
        assert back.status_code == 200
        try:
            with unit_of_work():
                step.sign(leader, stale)
        except OperationError:
            pass
    assert counters(app) == before
    assert state_of(app, waiting["id"]) == "returned"
    assert api.view("liaison", dossier)["state"] == dossier["state"]


# --- a step on a locked dossier ----------------------------------------------------------------------------------

def test_a_locked_dossier_refuses_every_other_step_on_the_api_and_the_page(app, api, browser, signing_step):
    dossier, waiting = presented(api)
    for event, extra in (("reject", {"comment": "Khác."}), ("refer_back", {"comment": "Khác."}),
                         ("accept", {"granted_amount_vnd": 20_000_000})):
        answer = api.fire("liaison", dossier, event, **extra)
        assert answer.status_code == 409 and "chờ lãnh đạo ký" in answer.json["error"], event
    # the leader, who signs at once, may not go around the request either
    assert api.fire("leader", dossier, "reject", comment="Khác.").status_code == 409
    page = browser("liaison")
    refused = page.post(f"/dossiers/{dossier['id']}/events/reject",
                        data={"confirm": "1", "version": dossier["version"], "comment": "Khác."})
    assert refused.status_code == 409 and "chờ lãnh đạo ký" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SigningRequest)) == 1


def test_a_batch_decision_with_a_locked_dossier_holds_only_the_free_ones(app, api, browser, signing_step):
    batch, (locked, free) = batch_at_province(api)
    _, waiting = presented(api, "reject", dossier=locked)
    answer = api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions", {
        "event": "reject", "comment": "Không đủ điều kiện.",
        "items": [{"dossier_id": d["id"], "version": d["version"]} for d in (locked, free)]})
    assert answer.status_code == 202, answer.json
    results = {r["dossier_id"]: r for r in answer.json["results"]}
    assert not results[locked["id"]]["ok"] and results[locked["id"]]["status"] == 409
    assert results[free["id"]]["ok"]
    second = answer.json["signing_request"]
    assert second["dossier_ids"] == [free["id"]] and len(second["documents"]) == 1
    with app.app_context():
        kept = db.session.get(SigningRequest, second["id"]).params["items"]
    assert [i["dossier_id"] for i in kept] == [free["id"]]
    # on the page too: the locked one is refused with its reason
    page = browser("liaison").post(f"/batches/{batch['id']}/decisions", data={
        "event": "reject", "comment": "Lần nữa.", "confirm": "1", "dossier_id": [str(locked["id"])],
        f"version-{locked['id']}": str(locked["version"])})
    assert page.status_code == 200 and "chờ lãnh đạo ký" in page.get_data(as_text=True)
    # signing the second one decides only the free dossier
    assert api.post("leader", signatures_url(second), {}).status_code == 200
    assert api.view("liaison", free)["state"] == "rejected"
    assert api.view("liaison", locked)["state"] == locked["state"]
    assert state_of(app, waiting["id"]) == "waiting"


def test_a_batch_acceptance_of_some_dossiers_locks_only_those(app, api, signing_step):
    batch, (chosen, other) = batch_at_province(api)
    answer = api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions", {
        "event": "accept", "items": [{"dossier_id": chosen["id"], "version": chosen["version"],
                                      "granted_amount_vnd": 30_000_000}]})
    assert answer.status_code == 202, answer.json
    assert answer.json["signing_request"]["dossier_ids"] == [chosen["id"]]
    assert api.fire("liaison", other, "reject", comment="Không đủ điều kiện.").status_code == 202


def test_a_batch_acceptance_with_failing_items_keeps_only_the_held_items_to_replay(app, api, signing_step):
    batch, (good, stale) = batch_at_province(api)
    answer = api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions", {
        "event": "accept", "items": [
            {"dossier_id": good["id"], "version": good["version"], "granted_amount_vnd": 30_000_000},
            {"dossier_id": stale["id"], "version": stale["version"] - 1, "granted_amount_vnd": 30_000_000},
            {"dossier_id": 10**30}, {"dossier_id": "x"}]})
    assert answer.status_code == 202, answer.json
    oks = {str(r["dossier_id"]): r["ok"] for r in answer.json["results"]}
    assert oks == {str(good["id"]): True, str(stale["id"]): False, str(10**30): False, "x": False}
    with app.app_context():
        request = db.session.get(SigningRequest, answer.json["signing_request"]["id"])
        assert [i["dossier_id"] for i in request.params["items"]] == [good["id"]]
    signed = api.post("leader", signatures_url(answer.json["signing_request"]), {})
    assert signed.status_code == 200
    assert api.view("liaison", good)["state"] == "accepted"
    assert api.view("liaison", stale)["state"] == stale["state"]


def test_a_batch_decision_keeps_exactly_the_items_that_held(app, api, signing_step):
    batch, (good, _) = batch_at_province(api)
    answer = api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions", {
        "event": "accept", "items": [
            {"dossier_id": good["id"], "version": good["version"], "granted_amount_vnd": 30_000_000},
            {"dossier_id": float(good["id"])}, *([{"dossier_id": True}] if good["id"] == 1 else [])]})
    assert answer.status_code == 202, answer.json
    assert [r["ok"] for r in answer.json["results"]][1:] == [False] * (len(answer.json["results"]) - 1)
    with app.app_context():
        request = db.session.get(SigningRequest, answer.json["signing_request"]["id"])
        assert request.params["items"] == [
            {"dossier_id": good["id"], "version": good["version"], "granted_amount_vnd": 30_000_000}]


def approved_at_province(api):
    """A child_heart dossier approved at the province (it decides above it): the province forwards it."""
    dossier = api.approved("officer", "child_heart")
    api.forwarded(dossier, reviewer="reviewer")
    dossier = api.fire_ok("liaison", api.view("liaison", dossier), "approve")
    assert dossier["state"] == "approved" and "forward" in api.view("liaison", dossier)["allowed_events"]
    return api.view("liaison", dossier)


def test_the_forward_of_several_dossiers_waits_then_sends_them_in_one_batch(app, api, browser, signing_step):
    set_org(app, PROVINCE, signed_by_signer=["TTr"])  # the province's approvals are issued at once
    dossiers = [approved_at_province(api) for _ in range(2)]
    before = counters(app)
    answer = api.post("liaison", "/api/v1/batches", {"dossier_ids": [d["id"] for d in dossiers],
                                                     "versions": {str(d["id"]): d["version"] for d in dossiers}})
    assert answer.status_code == 202, answer.json
    waiting = answer.json["signing_request"]
    assert waiting["dossier_ids"] == sorted(d["id"] for d in dossiers) and len(waiting["documents"]) == 1
    assert counters(app) == before
    # forwarding one of them again, on the API or the page, is refused while it waits
    assert api.post("liaison", "/api/v1/batches", {"dossier_ids": [dossiers[0]["id"]]}).status_code == 409
    page = browser("liaison").post("/batches", data={"dossier_id": str(dossiers[0]["id"]), "confirm": "1"},
                                   follow_redirects=True)
    assert "chờ lãnh đạo ký" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SigningRequest)) == 1
    signed = api.post("leader", signatures_url(waiting), {})
    assert signed.status_code == 200
    assert {api.view("liaison", d)["state"] for d in dossiers} == {"forwarded"}
    [issued] = [d for d in signed.json["documents"] if d["state"] == "issued"]
    assert issued["number"].endswith("/TTr-LĐLĐ")
    [batch] = [b for b in api.get("liaison", "/api/v1/batches").json["batches"] if b["number"] == issued["number"]]
    assert sorted(d["id"] for d in batch["dossiers"]) == sorted(d["id"] for d in dossiers)
    assert sum(counters(app).values()) == sum(before.values()) + 1


# --- the union's side of a locked dossier -------------------------------------------------------------------------

@pytest.fixture
def union_signs(app, signing_step):
    """The union of `officer` has its Tờ trình signed by a chairman (user `chutich`): the officer's submission
    waits for him."""
    with app.app_context():
        union = db.session.scalar(sa.select(User).where(User.username == "officer")).organisation
        union.signed_by_signer = ["TTr"]
        chairman = User(username="chutich", full_name="Lê Văn Chủ", role="officer", organisation=union,
                        signs_documents=True)
        chairman.set_password("demo")
        db.session.add(chairman)
        db.session.commit()


def test_a_submission_waiting_for_the_unions_chairman_freezes_data_and_attachments(app, api, browser, union_signs):
    dossier = api.create("officer")
    api.attach_required("officer", dossier["id"])
    dossier = api.view("officer", dossier)
    answer = api.fire("officer", dossier, "submit")
    assert answer.status_code == 202, answer.json
    waiting = answer.json["signing_request"]
    assert api.view("officer", dossier)["state"] == "draft"
    edit = api.patch("officer", f"/api/v1/dossiers/{dossier['id']}",
                     {"version": dossier["version"], "data": {"workplace": "Nơi khác"}})
    assert edit.status_code == 409, edit.json
    upload = api.client.post(f"/api/v1/dossiers/{dossier['id']}/attachments", headers=api.headers("officer"),
                             data={"attachment_type": "other", "file": (io.BytesIO(tiny_pdf()), "x.pdf")},
                             content_type="multipart/form-data")
    assert upload.status_code == 409, upload.json
    attachment_id = dossier["attachments"][0]["id"]
    removed = api.client.delete(f"/api/v1/attachments/{attachment_id}", headers=api.headers("officer"))
    assert removed.status_code == 409
    assert api.fire("officer", dossier, "withdraw", attach=False).status_code == 409
    page = browser("officer")
    form = page.post(f"/dossiers/{dossier['id']}/edit", data={"version": dossier["version"]})
    assert form.status_code == 409
    assert api.view("officer", dossier)["data"] == dossier["data"]
    # the chairman signs: the union's Tờ trình is numbered and the dossier submitted
    signed = api.post("chutich", signatures_url(waiting), {})
    assert signed.status_code == 200, signed.json
    assert api.view("officer", dossier)["state"] == "submitted"


def test_the_plan_of_a_dossier_waiting_for_its_submission_to_be_signed_cannot_change(app, api, browser, union_signs,
                                                                                     current_plan):
    dossier = api.create("officer")
    api.attach_required("officer", dossier["id"])
    answer = api.fire("officer", api.view("officer", dossier), "submit")
    assert answer.status_code == 202
    with app.app_context():
        before = db.session.get(Dossier, dossier["id"]).campaign_id
    browser("officer").post(f"/dossiers/{dossier['id']}/campaign",
                            data={"campaign_id": str(current_plan if before is None else "")})
    with app.app_context():
        assert db.session.get(Dossier, dossier["id"]).campaign_id == before


def test_a_step_is_not_presented_when_nobody_can_sign_it(app, api, signing_step):
    dossier = at_province(api)
    set_user(app, "leader", active=False)
    answer = api.fire("liaison", dossier, "accept", granted_amount_vnd=30_000_000)
    assert answer.status_code != 202


def test_the_union_does_not_learn_of_the_provinces_step_before_it_is_signed(app, api, browser, signing_step):
    dossier = api.view("liaison", api.submitted("officer4", "union_housing"))  # the province is its first level
    answer = api.fire("liaison", dossier, "return", comment="Thiếu giấy tờ.")
    assert answer.status_code == 202
    summary = answer.json["signing_request"]["summary"]
    page = browser("officer4").get(f"/dossiers/{dossier['id']}").get_data(as_text=True)
    assert summary not in page and "Hồ sơ chờ lãnh đạo ký" not in page  # the page holds
    refused = api.fire("officer4", api.view("officer4", dossier), "withdraw", comment="Rút.")
    assert refused.status_code == 409
    assert summary not in refused.json["error"] and "trả hồ sơ" not in refused.json["error"]


def test_the_api_lists_no_event_on_a_locked_dossier(app, api, signing_step):
    dossier, _ = presented(api)
    assert api.view("liaison", dossier)["allowed_events"] == []


# --- the requester and the dossier changing under the request -------------------------------------------------

def test_the_step_of_a_deactivated_requester_is_not_taken(app, api, signing_step):
    dossier, waiting = presented(api)
    set_user(app, "liaison", active=False)
    answer = api.post("leader", signatures_url(waiting), {})
    assert answer.status_code == 409
    assert api.view("leader", dossier)["state"] == dossier["state"]


def test_the_step_of_a_requester_moved_away_is_not_taken_and_can_be_returned(app, api, signing_step):
    dossier, waiting = presented(api)
    before = counters(app)
    set_user(app, "liaison", organisation="tld")
    answer = api.post("leader", signatures_url(waiting), {})
    assert answer.status_code in (403, 404, 409)  # (404 "hồ sơ not found": the requester no longer sees it)
    assert counters(app) == before and state_of(app, waiting["id"]) == "waiting"
    assert api.view("leader", dossier)["state"] == dossier["state"]
    back = api.post("leader", signatures_url(waiting), {"decision": "return", "reason": "Người trình đã chuyển."})
    assert back.status_code == 200 and back.json["state"] == "returned"


def test_a_dossier_transferred_under_the_request_is_not_signed_stale(app, api, signing_step):
    dossier, waiting = presented(api)
    before = counters(app)
    moved = end(app, "--code", "cdcs-cao-su-phu-rieng", "--on", "2026-01-05", "--successor", "cdcs-thcs-phu-trung")
    assert moved.exit_code == 0, moved.output
    answer = api.post("leader", signatures_url(waiting), {})
    assert answer.status_code == 409
    assert counters(app) == before and state_of(app, waiting["id"]) == "waiting"
    assert api.post("leader", signatures_url(waiting), {"decision": "return", "reason": "Đơn vị đã sáp nhập."}
                    ).status_code == 200


def test_a_batch_decision_that_no_longer_holds_is_not_reported_signed(app, api, signing_step):
    batch, (dossier, _) = batch_at_province(api)
    answer = api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions", {
        "event": "accept", "items": [{"dossier_id": dossier["id"], "version": dossier["version"],
                                      "granted_amount_vnd": 30_000_000}]})
    assert answer.status_code == 202
    waiting = answer.json["signing_request"]
    moved = end(app, "--code", "cdcs-cao-su-phu-rieng", "--on", "2026-01-05", "--successor", "cdcs-thcs-phu-trung")
    assert moved.exit_code == 0, moved.output
    signed = api.post("leader", signatures_url(waiting), {})
    assert signed.status_code == 409, signed.json
    assert state_of(app, waiting["id"]) == "waiting"


def test_the_province_signer_cannot_reach_another_organisations_request(app, api, browser, signing_step):
    _, ours = presented(api)
    set_org(app, "cd-xa-phu-rieng", signed_by_signer=["BB"])  # the commune's approvals wait for a signer too
    with app.app_context():  # who signs them: the commune union's chair
        commune = db.session.scalar(sa.select(Organisation).where(Organisation.code == "cd-xa-phu-rieng"))
        chair = User(username="chutich-xa", full_name="Lê Thị Chủ Tịch", role="staff", organisation=commune,
                     signs_documents=True)
        chair.set_password("demo")
        db.session.add(chair)
        db.session.commit()
    dossier = api.view("reviewer", api.submitted("officer", "union_housing"))
    answer = api.fire("reviewer", dossier, "approve")
    assert answer.status_code == 202, answer.json
    theirs = answer.json["signing_request"]
    assert api.get("leader", f"/api/v1/signing-requests/{theirs['id']}").status_code == 404
    assert api.get("leader", f"/api/v1/documents/{theirs['documents'][0]['id']}").status_code == 404
    assert api.post("leader", signatures_url(theirs), {}).status_code == 404
    assert [i["id"] for i in api.get("leader", "/api/v1/signing-queue").json["items"]] == [ours["id"]]
    leader = browser("leader")
    both = leader.post("/signing/sign-many", data={"request_id": [str(ours["id"]), str(theirs["id"])],
                                                   "confirm": "1"})
    assert both.status_code == 404
    assert leader.get(f"/signing/documents/{theirs['documents'][0]['id']}").status_code == 404
    assert state_of(app, theirs["id"]) == "waiting" and state_of(app, ours["id"]) == "waiting"
    assert api.view("reviewer", dossier)["state"] == "submitted"


# --- bad input -------------------------------------------------------------------------------------------------

def test_bad_input_to_the_signature_endpoint_is_refused_not_500(app, api, signing_step):
    _, waiting = presented(api)
    url = signatures_url(waiting)
    headers = api.headers("leader")
    for body in ("[]", "\"sign\"", "42", "null", "{", ""):
        answer = api.client.post(url, data=body, headers=headers, content_type="application/json")
        assert answer.status_code == 422, body
    for decision in (5, None, [], {}, ["sign"], {"sign": 1}, True, "SIGN", "sign "):
        assert api.post("leader", url, {"decision": decision}).status_code == 422, decision
    for reason in (None, 5, [], {"a": 1}, "", " \n\t ", "x" * 2001):
        answer = api.post("leader", url, {"decision": "return", "reason": reason})
        assert answer.status_code == 422 and "reason" in answer.json["errors"], reason
    assert state_of(app, waiting["id"]) == "waiting"
    longest = api.post("leader", url, {"decision": "return", "reason": "  " + "x" * 2000 + "  "})
    assert longest.status_code == 200 and longest.json["return_reason"] == "x" * 2000


def test_bad_ids_are_404_not_500(app, api, browser, signing_step):
    _, waiting = presented(api)
    huge = "9" * 30
    for url in (f"/api/v1/signing-requests/{huge}", "/api/v1/signing-requests/abc", "/api/v1/signing-requests/-1",
                f"/api/v1/documents/{huge}", "/api/v1/documents/0", "/api/v1/signing-requests/0"):
        assert api.get("leader", url).status_code == 404, url
    for url in (f"/api/v1/documents/{huge}/signatures", "/api/v1/documents/abc/signatures",
                "/api/v1/documents/0/signatures"):
        assert api.post("leader", url, {}).status_code == 404, url
    leader = browser("leader")
    for url in (f"/signing/{huge}", "/signing/abc", f"/signing/documents/{huge}", "/signing/documents/1.0",
                "/signing/0"):
        assert leader.get(url).status_code == 404, url
    for url in (f"/signing/{huge}/sign", f"/signing/{huge}/return", "/signing/abc/sign"):
        assert leader.post(url, data={"reason": "x"}).status_code == 404, url
    # an issued document's id is no draft: nothing to sign there
    assert leader.get(f"/signing/documents/{waiting['documents'][0]['id'] + 1000}").status_code == 404
    assert state_of(app, waiting["id"]) == "waiting"


def test_a_return_reason_with_control_characters_is_refused(app, api, signing_step):
    _, waiting = presented(api)
    answer = api.post("leader", signatures_url(waiting), {"decision": "return", "reason": "Xem lại\x00\x07 căn cứ."})
    assert answer.status_code == 422


def test_a_return_reason_over_several_lines_is_kept_and_the_mail_subject_stays_one_line(app, api, signing_step,
                                                                                        monkeypatch):
    from workflow.notifications import service

    queued = []
    monkeypatch.setattr(service, "send_mail_task", lambda *args: queued.append(args))
    monkeypatch.setitem(app.config, "MAIL_ENABLED", True)
    dossier = at_province(api)
    queued.clear()
    dossier, waiting = presented(api, "reject", dossier=dossier)
    # presenting it tells the leader, and nobody else: the union hears nothing of a step not yet taken
    assert [to for to, _s, _b in queued] == ["leader@example.org"]
    reason = "Xem lại căn cứ.\r\nBcc: ke-xau@example.org\nSubject: <script>alert(1)</script>"
    back = api.post("leader", signatures_url(waiting), {"decision": "return", "reason": reason})
    assert back.status_code == 200
    [(to, subject, body)] = queued[1:]
    assert to == "liaison@example.org" and "\n" not in subject and "\r" not in subject
    assert reason.strip() in body  # plain text: kept as typed
    # signing a later step tells the union only then
    _, again = presented(api, "reject", dossier=api.view("liaison", dossier))
    queued.clear()
    assert api.post("leader", signatures_url(again), {}).status_code == 200
    assert "officer@example.org" in [to for to, _s, _b in queued]


# --- markup in what the pages show ----------------------------------------------------------------------------

XSS = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def test_markup_in_the_summary_reason_and_names_is_escaped_everywhere(app, api, browser, signing_step):
    set_user(app, "liaison", full_name="Hồ " + XSS)
    dossier, waiting = presented(api)
    _, returned = presented(api, "reject")
    with app.app_context():  # a summary as later code might build it, from data people type
        for request_id in (waiting["id"], returned["id"]):
            db.session.get(SigningRequest, request_id).summary = "Quyết định " + XSS
        db.session.commit()
    assert api.post("leader", signatures_url(returned), {"decision": "return", "reason": "Lý do " + XSS}
                    ).status_code == 200
    pages = {
        "leader": ["/signing", f"/signing/{waiting['id']}", f"/signing/{returned['id']}", "/notifications"],
        "liaison": ["/signing", f"/signing/{waiting['id']}", f"/signing/{returned['id']}",
                    f"/dossiers/{dossier['id']}", "/notifications"],
    }
    for user, urls in pages.items():
        page = browser(user)
        for url in urls:
            text = page.get(url).get_data(as_text=True)
            assert "<script>alert" not in text and "<img src=x" not in text, (user, url)
            assert "&lt;script&gt;" in text or "&lt;img" in text, (user, url)
        if user == "leader":
            confirm = page.post("/signing/sign-many", data={"request_id": str(waiting["id"])}).get_data(as_text=True)
            assert "<script>alert" not in confirm and "&lt;script&gt;" in confirm
            set_user(app, "leader", signs_documents=False)  # so that signing it fails, with its summary flashed
            failed = page.post("/signing/sign-many", data={"request_id": str(waiting["id"]), "confirm": "1"},
                               follow_redirects=True).get_data(as_text=True)
            assert "Chưa ký được" in failed and "<script>alert" not in failed
            set_user(app, "leader", signs_documents=True)


# --- drafts leaking ------------------------------------------------------------------------------------------

def test_drafts_do_not_leak_through_verify_or_the_dossiers_documents(app, api, client, signing_step):
    dossier, waiting = presented(api)
    draft = waiting["documents"][0]
    data = api.get("liaison", draft["url"]).data
    assert data.startswith(b"%PDF")
    with app.app_context():
        row = db.session.get(Document, draft["id"])
        assert row.verify_code is None and row.number is None and row.sequence is None
        assert storage.read(row.sha256) == data
    # /verify by file: the draft is no document
    checked = client.post("/verify", data={"file": (io.BytesIO(data), "du-thao.pdf")},
                          content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert checked.status_code == 200 and checked.json["match"] is False
    for code in ("", "None", "null", "0"):
        assert client.get(f"/verify/{code}").status_code in (404, 308, 301), code
    # no dossier lists it, for any side
    for user in ("liaison", "officer", "reviewer", "leader"):
        listed = api.get(user, f"/api/v1/dossiers/{dossier['id']}").json
        assert draft["id"] not in [d["id"] for d in listed.get("documents", [])], user
        if user == "liaison" or user == "leader":
            docs = api.get(user, f"/api/v1/dossiers/{dossier['id']}/documents").json["documents"]
            assert draft["id"] not in [d["id"] for d in docs], user
    # the union officer does not get the draft by its id, on the API or the site
    assert api.get("officer", draft["url"]).status_code == 404
    with app.app_context():
        assert db.session.get(Document, draft["id"]).dossiers == []


def test_what_the_union_officer_sees_while_the_province_decision_waits(app, api, browser, signing_step):
    dossier, waiting = presented(api)
    seen = api.view("officer", dossier)
    assert seen["state"] == dossier["state"]
    assert all(d["state"] == "issued" for d in seen["documents"])
    page = browser("officer")
    text = page.get(f"/dossiers/{dossier['id']}").get_data(as_text=True)
    assert waiting["summary"] not in text and "/signing/" not in text
    assert "/signing/" not in page.get("/").get_data(as_text=True)
    with app.app_context():
        topics = db.session.scalars(sa.select(Notification.topic).join(Notification.user)
                                    .where(User.username == "officer")).all()
    assert "accepted" not in topics and "signing_requested" not in topics
