"""CSRF on every form; a stale version gets 409 and changes nothing; concurrent writers: one wins."""
import threading


def test_forms_without_a_csrf_token_are_refused_and_change_nothing(api, browser):
    dossier = api.fire_ok("officer", api.create(), "submit")
    page = browser("reviewer")
    response = page.client.post(f"/dossiers/{dossier['id']}/events/approve", data={"version": dossier["version"]})
    assert response.status_code == 400
    assert api.get("reviewer", f"/api/v1/dossiers/{dossier['id']}").json["state"] == "submitted"
    response = page.client.post(f"/dossiers/{dossier['id']}/events/approve",
                                data={"version": dossier["version"], "csrf_token": "forged"})
    assert response.status_code == 400
    assert page.client.post("/logout").status_code == 400


def test_login_form_needs_csrf(client, demo_data):
    response = client.post("/login", data={"username": "officer", "password": "demo"})
    assert response.status_code == 400
    assert client.get("/dossiers").status_code == 302  # not logged in


def test_stale_version_through_the_api_is_409_and_changes_nothing(api):
    dossier = api.fire_ok("officer", api.create(), "submit")
    stale = dict(dossier)
    api.fire_ok("reviewer", dossier, "return", comment="Bổ sung giấy khai sinh.")
    response = api.fire("reviewer", stale, "approve")
    assert response.status_code == 409
    current = api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json
    assert current["state"] == "returned"
    assert len(current["documents"]) == 2 and len(current["history"]) == 2
    patch = api.patch("officer", f"/api/v1/dossiers/{dossier['id']}",
                      {"version": stale["version"], "data": {"hospital": "X"}})
    assert patch.status_code == 409
    assert api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json["data"]["hospital"] == "Bệnh viện Nhi Đồng 1"


def test_stale_version_on_screen_is_409_with_a_clear_message(api, browser):
    dossier = api.create()
    page = browser("officer")
    shown = page.get(f"/dossiers/{dossier['id']}").get_data(as_text=True)
    assert f'name="version" value="{dossier["version"]}"' in shown
    # meanwhile, in another tab, the dossier is edited
    api.patch("officer", f"/api/v1/dossiers/{dossier['id']}",
              {"version": dossier["version"], "data": {"hospital": "Bệnh viện Chợ Rẫy"}})
    response = page.post(f"/dossiers/{dossier['id']}/events/submit", {"confirm": "1", "version": dossier["version"]})
    assert response.status_code == 409
    assert "vừa được người khác thay đổi" in response.get_data(as_text=True)
    current = api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json
    assert current["state"] == "draft" and current["documents"] == [] and current["history"] == []

    edit = page.post(f"/dossiers/{dossier['id']}/edit", {"version": dossier["version"], "full_name": "Nguyễn Văn Bình"})
    assert edit.status_code == 409
    assert 'value="Nguyễn Văn Bình"' in edit.get_data(as_text=True)  # what was typed is kept
    assert api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json["data"]["full_name"] == "Nguyễn Văn Ánh"


def test_event_not_allowed_in_this_state_is_409(api):
    dossier = api.create()
    response = api.fire("officer", dossier, "accept")
    assert response.status_code == 409
    assert "trạng thái" in response.json["error"]


def test_two_reviewers_acting_at_once_exactly_one_wins(api, app):
    dossier = api.fire_ok("officer", api.create(), "submit")
    headers = api.headers("reviewer")
    results = []
    barrier = threading.Barrier(2)

    def act(event, extra):
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/dossiers/{dossier['id']}/transitions",
                               json={"event": event, "version": dossier["version"], **extra}, headers=headers)
        results.append(response.status_code)

    threads = [threading.Thread(target=act, args=("approve", {})),
               threading.Thread(target=act, args=("return", {"comment": "Thiếu hồ sơ."}))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]
    current = api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json
    assert len(current["history"]) == 2
    assert len(current["documents"]) == 2
    assert current["state"] in {"approved", "returned"}
