"""A database of the three-level days upgrades: its dossiers get the 2017 route they were decided under, each
organisation its place in the tree, the reviewers and liaisons become staff, and the app then works on it."""
import os
import uuid
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from workflow import create_app
from workflow.extensions import db

BEFORE = "5b9e0c3d7a41"  # the last revision of the three-level days


@pytest.fixture
def old_database(tmp_path):
    """An empty database of its own (SQLite, or PostgreSQL when TEST_DATABASE_URL is set)."""
    if os.environ.get("TEST_DATABASE_URL"):
        server = sa.make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
        name = f"workflow_migration_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield server.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        yield f"sqlite:///{tmp_path / 'old.sqlite'}"


def rows(table, *dicts):
    return table, list(dicts)


def fill_three_level_data(conn):
    """A Confederation, a province, a district and a grassroots union; a house forwarded and accepted in 2018, a
    child's dossier waiting at the district, a draft."""
    meta = sa.MetaData()
    meta.reflect(conn)
    t = meta.tables
    at = datetime(2018, 1, 5, 2, 0)
    org = dict(header_name="X", abbreviation="LĐLĐ", place_name="P", signing_body="BAN THƯỜNG VỤ",
               head_title="CHỦ TỊCH", head_name="", valid_from=None, valid_to=None, successor_id=None)
    data = {"full_name": "Nguyễn Văn Ánh", "citizen_id": "070085001234", "requested_amount_vnd": 30_000_000}
    dossier = dict(kind="union_housing", organisation_id=4, data=data, submitted_data=data, created_by_id=1,
                   created_at=at, updated_at=at, submitted_on=date(2018, 1, 5), submitted_late=False,
                   subject="Nguyễn Văn Ánh", search_text="nguyen van anh 070085001234", citizen_id="070085001234",
                   granted_amount_vnd=None)
    document = dict(title="T", year=2018, sequence_scope="", issued_on=date(2018, 1, 5), issued_at=at, template="t",
                    sha256="0" * 64, size=1, page_count=1, batch_id=None)
    event = dict(at=at, comment=None, document_id=None, data_snapshot=None)
    for table, values in [
        rows(t["organisation"], {**org, "id": 1, "code": "tld", "level": "confederation", "name": "TLĐ",
                                 "parent_id": None},
             {**org, "id": 2, "code": "tinh", "level": "province", "name": "LĐLĐ tỉnh", "parent_id": 1},
             {**org, "id": 3, "code": "huyen", "level": "upper_grassroots", "name": "LĐLĐ huyện", "parent_id": 2},
             {**org, "id": 4, "code": "cdcs", "level": "grassroots", "name": "CĐCS", "parent_id": 3}),
        rows(t["user_account"], *[{"id": i, "username": u, "password_hash": "x", "full_name": u, "role": r,
                                   "organisation_id": o, "active": True}
                                  for i, u, r, o in [(1, "officer", "officer", 4), (2, "reviewer", "reviewer", 3),
                                                     (3, "liaison", "liaison", 2), (4, "admin", "admin", 2)]]),
        rows(t["dossier"], {**dossier, "id": 1, "state": "accepted", "version": 5, "round": 1,
                            "granted_amount_vnd": 30_000_000},
             {**dossier, "id": 2, "kind": "child_heart", "state": "submitted", "version": 2, "round": 1},
             {**dossier, "id": 3, "state": "draft", "version": 1, "round": 0, "submitted_on": None,
              "submitted_data": None}),
        rows(t["batch"], {"id": 1, "kind": "union_housing", "organisation_id": 3, "created_by_id": 2,
                          "created_at": at}),
        rows(t["batch_dossier"], {"batch_id": 1, "dossier_id": 1}),
        rows(t["document"], {**document, "id": 1, "doc_type": "TTr", "organisation_id": 4, "sequence": 1,
                             "number": "01/TTr-CĐCS", "issued_by_id": 1},
             {**document, "id": 2, "doc_type": "BB", "organisation_id": 3, "sequence": 1, "number": "01/BB-LĐLĐ",
              "issued_by_id": 2},
             {**document, "id": 3, "doc_type": "TTr", "organisation_id": 3, "sequence": 2, "number": "02/TTr-LĐLĐ",
              "issued_by_id": 2, "batch_id": 1},
             {**document, "id": 4, "doc_type": "QĐ", "organisation_id": 2, "sequence": 1, "number": "01/QĐ-LĐLĐ",
              "issued_by_id": 3}),
        rows(t["dossier_event"],
             {**event, "id": 1, "dossier_id": 1, "event": "submit", "from_state": "draft", "to_state": "submitted",
              "actor_id": 1, "organisation_id": 4, "round": 1, "document_id": 1, "data_snapshot": data},
             {**event, "id": 2, "dossier_id": 1, "event": "approve", "from_state": "submitted", "to_state": "approved",
              "actor_id": 2, "organisation_id": 3, "round": 1, "document_id": 2, "at": at + timedelta(days=3)},
             {**event, "id": 3, "dossier_id": 1, "event": "forward", "from_state": "approved", "to_state": "forwarded",
              "actor_id": 2, "organisation_id": 3, "round": 1, "document_id": 3, "data_snapshot": data,
              "at": at + timedelta(days=4, hours=12)},
             {**event, "id": 4, "dossier_id": 1, "event": "accept", "from_state": "forwarded", "to_state": "accepted",
              "actor_id": 3, "organisation_id": 2, "round": 1, "document_id": 4, "at": at + timedelta(days=14)},
             {**event, "id": 5, "dossier_id": 2, "event": "submit", "from_state": "draft", "to_state": "submitted",
              "actor_id": 1, "organisation_id": 4, "round": 1, "data_snapshot": data}),
    ]:
        conn.execute(table.insert(), values)
    if conn.dialect.name == "postgresql":
        for table in ("organisation", "user_account", "dossier", "batch", "document", "dossier_event"):
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT max(id) FROM {table}))"))


def test_a_three_level_database_upgrades_and_keeps_working(old_database, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": old_database, "SECRET_KEY": "x", "STORAGE_DIR": str(tmp_path / "s"),
                      "TESTING": True, "ENV_NAME": "testing", "SERVER_NAME": "localhost"})
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            fill_three_level_data(conn)
        upgrade()
        from workflow.auth.models import User
        from workflow.dossiers.models import Dossier, Route
        from workflow.orgs.models import Organisation
        from workflow.orgs.tree import chain_on

        assert {u.username: u.role for u in db.session.scalars(sa.select(User))} == {
            "officer": "officer", "reviewer": "staff", "liaison": "staff", "admin": "admin"}
        union = db.session.get(Organisation, 4)
        assert [o.code for o in chain_on(union, date(2018, 1, 5))] == ["cdcs", "huyen", "tinh", "tld"]
        accepted, waiting, draft = (db.session.get(Dossier, i) for i in (1, 2, 3))
        assert [(s.organisation.code, s.role) for s in accepted.steps] == [("huyen", "review"), ("tinh", "decide")]
        assert accepted.position == 1 and accepted.route_id is None
        assert {a.organisation.code: a.sent_event_id for a in accepted.access} == {"huyen": 1, "tinh": 3}
        assert waiting.current_org_id == 3 and waiting.current_step.role == "review"
        assert [a.organisation.code for a in waiting.access] == ["huyen"]
        assert draft.steps == [] and draft.position is None and draft.access == []
        assert accepted.batches[0].recipient.code == "tinh"
        assert [e.batch_id for e in accepted.events if e.event == "forward"] == [1]
        assert {r.kind for r in db.session.scalars(sa.select(Route))} == {
            "child_heart", "creative_labour", "union_housing", "accident_aid"}
        # a plan's report reads the amount asked (as each level was sent it) and how long each level held it
        assert (accepted.requested_amount_vnd, draft.requested_amount_vnd) == (30_000_000, 30_000_000)
        assert {a.organisation.code: a.requested_amount_vnd for a in accepted.access} == {
            "huyen": 30_000_000, "tinh": 30_000_000}
        assert [(e.level, e.held_days) for e in accepted.events] == [
            ("grassroots", None), ("upper_grassroots", 3.0), ("upper_grassroots", 1.5), ("province", 9.5)]
        assert [(e.level, e.held_days) for e in waiting.events] == [("grassroots", None)]
        db.session.remove()

    client = app.test_client()
    with app.app_context():
        from workflow.auth.models import User

        for user in db.session.scalars(sa.select(User)):
            user.set_password("demo")
        db.session.commit()

    def token(user):
        return {"Authorization": "Bearer " + client.post("/api/v1/tokens", json={
            "username": user, "password": "demo"}).json["token"]}

    seen = client.get("/api/v1/dossiers/2", headers=token("reviewer")).json
    assert seen["allowed_events"] == ["return", "approve"] and seen["current_org"]["code"] == "huyen"
    assert client.get("/api/v1/dossiers/2", headers=token("liaison")).status_code == 404  # never sent up
    assert client.get("/api/v1/dossiers/1", headers=token("liaison")).json["state"] == "accepted"
    assert client.get("/api/v1/batches/1", headers=token("liaison")).status_code == 200
    with app.app_context():
        downgrade(revision=BEFORE)  # and back, for an operator who must
        roles = dict(db.session.execute(sa.text("SELECT username, role FROM user_account")).all())
        assert roles == {"officer": "officer", "reviewer": "reviewer", "liaison": "liaison", "admin": "admin"}
        assert db.session.execute(sa.text("SELECT parent_id FROM organisation WHERE id = 4")).scalar() == 3
        db.session.remove()
        db.engine.dispose()
