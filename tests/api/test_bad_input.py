"""Malformed requests get a clear 4xx in Vietnamese and change nothing; never a 500."""
import pytest


@pytest.mark.parametrize("version", ["abc", [1], 1.0, True, None])
def test_version_must_be_an_integer(api, version):
    dossier = api.create()
    response = api.post("officer", f"/api/v1/dossiers/{dossier['id']}/transitions",
                        {"event": "submit", "version": version})
    assert response.status_code == 422 and "version" in response.json["errors"]
    response = api.patch("officer", f"/api/v1/dossiers/{dossier['id']}",
                         {"version": version, "data": {"hospital": "X"}})
    assert response.status_code == 422
    assert api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json["state"] == "draft"


@pytest.mark.parametrize("body", [{"event": ["submit"], "version": 1}, {"event": "publish", "version": 1},
                                  {"version": 1}])
def test_event_must_be_one_of_the_workflow(api, body):
    dossier = api.create()
    response = api.post("officer", f"/api/v1/dossiers/{dossier['id']}/transitions", body)
    assert response.status_code == 422 and "event" in response.json["errors"]


@pytest.mark.parametrize("kind", [["child_heart"], "horse_racing", None])
def test_kind_must_be_known(api, kind):
    response = api.post("officer", "/api/v1/dossiers", {"kind": kind, "data": {}})
    assert response.status_code == 422 and "kind" in response.json["errors"]


def test_batch_versions_are_checked(api):
    dossier = api.approved()
    response = api.post("reviewer", "/api/v1/batches",
                        {"dossier_ids": [dossier["id"]], "versions": {str(dossier["id"]): "x"}})
    assert response.status_code == 422
    response = api.post("reviewer", "/api/v1/batches",
                        {"dossier_ids": [dossier["id"]], "versions": {str(dossier["id"]): 1}})
    assert response.status_code == 409
    assert api.get("reviewer", f"/api/v1/dossiers/{dossier['id']}").json["state"] == "approved"


def test_oversized_request_is_413(api, app):
    headers = api.headers("officer")
    body = b'{"kind": "child_heart", "data": {"full_name": "' + b"a" * app.config["MAX_CONTENT_LENGTH"] + b'"}}'
    response = api.client.post("/api/v1/dossiers", data=body, headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json["error"]


def test_a_revoked_token_stops_working(api):
    headers = api.headers("officer")
    assert api.client.delete("/api/v1/tokens", headers=headers).status_code == 204
    assert api.client.get("/api/v1/dossiers", headers=headers).status_code == 401


def test_the_federations_see_what_was_submitted_not_the_unions_unsent_edits(api, browser):
    dossier = api.fire_ok("officer", api.create(), "submit")
    dossier = api.fire_ok("reviewer", dossier, "return", comment="Bổ sung chẩn đoán.")
    api.patch("officer", f"/api/v1/dossiers/{dossier['id']}",
              {"version": dossier["version"], "data": {"diagnosis": "Bản nháp chưa nộp"}})
    assert api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json["data"]["diagnosis"] == "Bản nháp chưa nộp"
    assert api.get("reviewer", f"/api/v1/dossiers/{dossier['id']}").json["data"]["diagnosis"] == "Thông liên thất (VSD)"
    page = browser("reviewer").get(f"/dossiers/{dossier['id']}").get_data(as_text=True)
    assert "Bản nháp chưa nộp" not in page and "Thông liên thất (VSD)" in page


@pytest.mark.parametrize("comment", [5, ["Thiếu"], {"a": 1}, True])
def test_comment_must_be_text(api, comment):
    dossier = api.fire_ok("officer", api.create(), "submit")
    response = api.post("reviewer", f"/api/v1/dossiers/{dossier['id']}/transitions",
                        {"event": "return", "version": dossier["version"], "comment": comment})
    assert response.status_code == 422 and "comment" in response.json["errors"]


def test_booleans_are_not_amounts(api):
    from ..conftest import valid_child_heart

    response = api.post("officer", "/api/v1/dossiers",
                        {"kind": "child_heart", "data": valid_child_heart(requested_amount_vnd=True)})
    assert response.status_code == 422
    assert response.json["errors"] == {"requested_amount_vnd": ["Phải là số nguyên."]}
