import re

import sqlalchemy as sa

from workflow.auth.models import User
from workflow.extensions import db


def test_login_and_logout(client, browser, demo_data):
    page = browser("officer")
    home = page.get("/dossiers")
    assert home.status_code == 200
    assert "Nguyễn Thị Hồng Nhung" in home.get_data(as_text=True)
    assert page.post("/logout").status_code == 302
    assert page.get("/dossiers").status_code == 302


def test_wrong_password_is_refused_in_vietnamese(client, demo_data):
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"username": "officer", "password": "sai", "csrf_token": token})
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)
    assert 'value="officer"' in response.get_data(as_text=True)


def test_login_redirect_stays_on_this_site(client, demo_data):
    form = client.get("/login?next=https://evil.example/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    response = client.post("/login?next=https://evil.example/", data={"username": "officer", "password": "demo",
                                                                      "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_passwords_are_hashed(ctx):
    user = db.session.scalar(sa.select(User).where(User.username == "officer"))
    assert "demo" not in user.password_hash
    assert user.check_password("demo") and not user.check_password("Demo")


def test_session_cookie_settings(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    from workflow.config import Config
    assert Config.SESSION_COOKIE_SECURE is True  # unless the environment says otherwise (the local demo on http)


def test_seed_demo_is_refused_in_production(app, demo_data):
    runner = app.test_cli_runner()
    app.config["ENV_NAME"] = "production"
    try:
        result = runner.invoke(args=["seed-demo"])
    finally:
        app.config["ENV_NAME"] = "testing"
    assert result.exit_code != 0 and "refused in production" in result.output
    assert "already present" in runner.invoke(args=["seed-demo"]).output


def test_create_user(app, demo_data):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "canbo4", "--full-name", "Phan Văn Tư", "--role", "officer",
                                 "--org", "cdcs-mn-tuoi-hong", "--password", "matkhau-4"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "canbo4"))
        assert user.organisation.code == "cdcs-mn-tuoi-hong" and user.check_password("matkhau-4")
    assert runner.invoke(args=["create-user", "x", "--full-name", "X", "--role", "officer", "--org", "nowhere",
                               "--password", "p"]).exit_code != 0


def test_collect_garbage_removes_only_unreferenced_files(app, api):
    from workflow import storage

    dossier = api.fire_ok("officer", api.create(), "submit")
    with app.app_context():
        orphan = storage.store(b"%PDF-1.7 orphan left by an interrupted request")
        storage.forget_new_files()
    young = app.test_cli_runner().invoke(args=["collect-garbage"])  # it may be a request's still under way
    assert "0 unreferenced file(s)" in young.output
    result = app.test_cli_runner().invoke(args=["collect-garbage", "--older-than", "0"])
    assert "1 unreferenced file(s)" in result.output
    with app.app_context():
        assert not storage.exists(orphan)
        assert storage.exists(dossier["documents"][0]["sha256"])


def test_a_failed_request_leaves_no_file_behind(app, api, monkeypatch):
    from workflow import storage
    from workflow.dossiers import operations

    dossier = api.create()
    api.attach_required("officer", dossier["id"])
    with app.app_context():
        before = storage.stored()

    def fail_after_issuing(*args, **kwargs):
        raise RuntimeError("disk full while writing the history")

    monkeypatch.setattr(operations, "record", fail_after_issuing)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = api.fire("officer", dossier, "submit")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500
    with app.app_context():
        assert storage.stored() == before
    current = api.get("officer", f"/api/v1/dossiers/{dossier['id']}").json
    assert current["state"] == "draft" and current["documents"] == []
