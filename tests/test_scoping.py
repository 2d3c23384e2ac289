"""Who sees what: another union or district gets 404 (never someone else's data); drafts stay in the union."""
import pytest


@pytest.mark.parametrize("outsider", ["officer2", "officer3", "reviewer2", "admin"])
def test_outsiders_get_404_on_a_submitted_dossier_and_its_documents(api, browser, outsider):
    dossier = api.fire_ok("officer", api.create(), "submit")
    document = dossier["documents"][0]
    assert api.get(outsider, f"/api/v1/dossiers/{dossier['id']}").status_code == 404
    assert api.get(outsider, f"/api/v1/dossiers/{dossier['id']}/documents").status_code == 404
    assert api.get(outsider, document["url"]).status_code == 404
    assert api.fire(outsider, dossier, "approve").status_code == 404
    assert api.patch(outsider, f"/api/v1/dossiers/{dossier['id']}", {"version": 1, "data": {}}).status_code == 404
    assert dossier["id"] not in [d["id"] for d in api.get(outsider, "/api/v1/dossiers").json["dossiers"]]
    page = browser(outsider)
    assert page.get(f"/dossiers/{dossier['id']}").status_code == 404
    assert page.get(f"/documents/{document['id']}").status_code == 404
    assert page.post(f"/dossiers/{dossier['id']}/events/approve",
                     {"confirm": "1", "version": dossier["version"]}).status_code == 404
    assert "Nguyễn Văn Ánh" not in page.get("/dossiers").get_data(as_text=True)


def test_drafts_are_invisible_to_the_district_and_province(api, browser):
    draft = api.create()
    for user in ("reviewer", "liaison"):
        assert api.get(user, f"/api/v1/dossiers/{draft['id']}").status_code == 404
        assert api.get(user, "/api/v1/dossiers").json["dossiers"] == []
        assert browser(user).get(f"/dossiers/{draft['id']}").status_code == 404
    assert api.get("officer", f"/api/v1/dossiers/{draft['id']}").status_code == 200


def test_the_province_sees_a_dossier_once_forwarded(api):
    approved = api.approved()
    assert api.get("liaison", f"/api/v1/dossiers/{approved['id']}").status_code == 404
    batch = api.forwarded(approved)
    assert api.get("liaison", f"/api/v1/dossiers/{approved['id']}").status_code == 200
    assert api.get("liaison", f"/api/v1/batches/{batch['id']}").status_code == 200


def test_a_batch_and_its_tờ_trình_are_for_the_district_and_province_only(api, browser):
    batch = api.forwarded(api.approved())
    url = batch["documents"][0]["url"]
    for user, status in [("reviewer", 200), ("liaison", 200), ("officer", 404), ("officer2", 404), ("reviewer2", 404)]:
        assert api.get(user, url).status_code == status, user
        assert api.get(user, f"/api/v1/batches/{batch['id']}").status_code == status, user
        assert api.get(user, batch["bundle_url"]).status_code == status, user
        assert browser(user).get(f"/batches/{batch['id']}").status_code == status, user


def test_wrong_role_in_the_right_place_is_403_not_404(api):
    dossier = api.fire_ok("officer", api.create(), "submit")
    response = api.fire("officer", dossier, "approve")  # sees it, but may not approve it
    assert response.status_code == 403


def test_api_needs_a_valid_token(client, api):
    assert client.get("/api/v1/dossiers").status_code == 401
    response = client.get("/api/v1/dossiers", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.post("/api/v1/tokens", json={"username": "officer", "password": "wrong"}).status_code == 401


def test_pages_need_a_login(client):
    response = client.get("/dossiers")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_expired_token_is_refused(api, ctx):
    from datetime import timedelta

    from workflow.auth.models import ApiToken
    from workflow.extensions import db

    headers = api.headers("officer")
    assert api.client.get("/api/v1/dossiers", headers=headers).status_code == 200
    for token in db.session.scalars(db.select(ApiToken)):
        token.expires_at -= timedelta(days=1)
    db.session.commit()
    assert api.client.get("/api/v1/dossiers", headers=headers).status_code == 401
