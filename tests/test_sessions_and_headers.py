"""Issue 13: sessions end at logout everywhere, expired tokens are purged, uploaded files never run in the app's
origin, HSTS when cookies are secure."""
import io
from datetime import timedelta

import sqlalchemy as sa

from tests.conftest import tiny_pdf
from workflow.auth.models import ApiToken, User
from workflow.clock import utcnow
from workflow.extensions import db


def test_a_session_cookie_copied_before_logout_no_longer_works_after_it(app, browser):
    page = browser("officer")
    copied = page.client.get_cookie("session").value
    assert page.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/dossiers").status_code == 302  # to the login page


def test_logout_ends_the_accounts_other_sessions_and_tokens(app, browser, api):
    other_device = browser("officer")
    headers = api.headers("officer")
    assert browser("officer").post("/logout").status_code == 302
    assert other_device.get("/dossiers").status_code == 302
    assert api.client.get("/api/v1/dossiers", headers=headers).status_code == 401


def test_expired_tokens_are_purged_when_a_token_is_issued(app, api):
    api.headers("officer")
    with app.app_context():
        db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    api.tokens.clear()
    api.headers("reviewer")
    with app.app_context():
        remaining = db.session.scalars(sa.select(ApiToken.user_id)).all()
        reviewer = db.session.scalar(sa.select(User.id).where(User.username == "reviewer"))
    assert remaining == [reviewer]


def test_an_uploaded_pdf_is_served_as_a_download_in_a_sandbox(app, api):
    from workflow.dossiers.kinds import KINDS

    dossier = api.create()
    code = next(iter(KINDS["child_heart"].required_attachments(dossier["data"])))
    response = api.client.post(f"/api/v1/dossiers/{dossier['id']}/attachments", headers=api.headers("officer"),
                               data={"attachment_type": code, "file": (io.BytesIO(tiny_pdf()), "scan.pdf")},
                               content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    attachment = response.json
    served = api.client.get(attachment["url"], headers=api.headers("officer"))
    assert served.status_code == 200
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in served.headers["Content-Security-Policy"]


def test_hsts_when_cookies_are_secure(app, client):
    secure = app.config["SESSION_COOKIE_SECURE"]
    try:
        app.config["SESSION_COOKIE_SECURE"] = True
        assert "max-age=" in client.get("/login").headers["Strict-Transport-Security"]
        app.config["SESSION_COOKIE_SECURE"] = False
        assert "Strict-Transport-Security" not in client.get("/login").headers
    finally:
        app.config["SESSION_COOKIE_SECURE"] = secure
