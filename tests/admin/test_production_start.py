"""Starting for real (README "Start for your federation"): an empty database, the Confederation with the national
rules, a federation's first admin who must change the temporary password, then units of their own."""
import re

import sqlalchemy as sa

from tests.conftest import _CSRF, TODAY, csrf_token_of
from workflow.dossiers.models import Route, RuleSet
from workflow.extensions import db
from workflow.orgs.models import Organisation


def test_a_federation_starts_from_an_empty_database(app, empty_database, today):
    runner = app.test_cli_runner()
    assert "in place" in runner.invoke(args=["seed-national"]).output
    assert "already there" in runner.invoke(args=["seed-national"]).output
    result = runner.invoke(args=["create-admin", "qt.lamdong", "--full-name", "Trần Thị Quản Trị", "--org",
                                 "ldld-lam-dong", "--new-org-name", "Liên đoàn Lao động tỉnh Lâm Đồng",
                                 "--place", "Lâm Đồng"])
    assert result.exit_code == 0, result.output
    password = re.search(r"first sign-in\): (\S+)", result.output).group(1)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RuleSet)) >= 3
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Route)) == 4
        province = db.session.scalar(sa.select(Organisation).where(Organisation.code == "ldld-lam-dong"))
        assert province.parent_on(TODAY).code == "tld"
    refused = runner.invoke(args=["create-admin", "qt2", "--full-name", "Ai Đó", "--org", "ldld-lam-dong",
                                  "--new-org-name", "Trùng mã"])
    assert refused.exit_code != 0 and "đã được dùng" in refused.output

    client = app.test_client()
    csrf = _CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": "qt.lamdong", "password": password,
                                       "csrf_token": csrf}).status_code == 302
    assert client.get("/admin/organisations").headers["Location"].endswith("/account/password")
    csrf = csrf_token_of(client, "/account/password")  # a new token since sign-in
    assert client.post("/account/password", data={"csrf_token": csrf, "current": password,
                                                  "password": "mot-mat-khau-dai", "repeated": "mot-mat-khau-dai"}
                       ).status_code == 302
    page = client.get("/admin/organisations")
    assert page.status_code == 200 and "Liên đoàn Lao động tỉnh Lâm Đồng" in page.get_data(as_text=True)
    with app.app_context():
        province_id = db.session.scalar(sa.select(Organisation.id).where(Organisation.code == "ldld-lam-dong"))
    created = client.post("/admin/organisations/new", data={
        "csrf_token": csrf, "code": "cd-phuong-da-lat", "name": "Công đoàn phường Đà Lạt",
        "level": "upper_grassroots", "parent_id": province_id})
    assert created.status_code == 302
