"""Fixtures: one app per test session on a database of its own (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set), the schema built by the migrations, and the demo data reset before each test."""
from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

# The background queue of this test run, apart from the demo's (see tests/pdf/test_bundle_consumer.py).
os.environ["HUEY_SQLITE"] = os.path.join(tempfile.mkdtemp(prefix="workflow-huey-"), "huey.sqlite")

from workflow import ROOT, create_app
from workflow.extensions import db, limiter
from workflow.orgs.models import Organisation
from workflow.seed import seed_demo


def script_env() -> dict:
    """The environment for scripts/translations: the pybabel of the Python running the tests."""
    env = dict(os.environ)
    pybabel = Path(sys.executable).with_name("pybabel")
    if "PYBABEL" not in env and pybabel.exists():
        env["PYBABEL"] = str(pybabel)
    return env


def _compile_translations_if_stale() -> None:
    """The app reads compiled catalogues (.mo, not committed): build them when missing or older than the .po."""
    for po in (ROOT / "workflow" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run([str(ROOT / "scripts" / "translations"), "compile"], check=True, env=script_env(),
                           capture_output=True)
            return


_compile_translations_if_stale()  # before any test, or the session's app, reads a catalogue


def _postgres_database():
    """Create a database of our own on the server TEST_DATABASE_URL points at; return its URL and a dropper."""
    server_url = sa.make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    name = f"workflow_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server_url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("workflow")
    drop = None
    if os.environ.get("TEST_DATABASE_URL"):
        url, drop = _postgres_database()
    else:
        url = f"sqlite:///{tmp / 'test.sqlite'}"
    app = create_app({
        "TESTING": True,
        "ENV_NAME": "testing",
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "STORAGE_DIR": str(tmp / "storage"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # the real default (scrypt) is deliberately slow
        "SERVER_NAME": "localhost",
    })
    with app.app_context():
        upgrade()
    from workflow.jobs import huey

    huey.immediate = True  # background tasks run inline; tests/pdf/test_bundle_consumer.py runs a real consumer
    yield app
    with app.app_context():
        db.engine.dispose()
    if drop:
        drop()


@pytest.fixture
def demo_data(app):
    """Every test starts from the demo data and nothing else (today's tree, restructured in 2025 from the tree of
    2017), with empty storage. Seeded on the real calendar, whatever day a test has set."""
    from workflow import clock

    with app.app_context(), _real_calendar(clock):
        _empty(app)
        limiter.reset()  # the sign-in limits count in memory across the session's app: each test starts afresh
        seed_demo()
        # The demo's province has its documents signed by its leader first (the signing step, turned on again by
        # the `signing_step` fixture); elsewhere the tests take its steps as a small union would, signed at once.
        province = db.session.scalar(sa.select(Organisation).where(Organisation.code == "ldld-dong-nai"))
        province.signed_by_signer = []
        db.session.commit()
    yield


@pytest.fixture
def signing_step(app, demo_data):
    """The province's steps wait for the signature of its leader (user `leader`), as in the demo."""
    with app.app_context():
        province = db.session.scalar(sa.select(Organisation).where(Organisation.code == "ldld-dong-nai"))
        province.signed_by_signer = ["TTr", "TB", "BB", "QĐ"]
        db.session.commit()


def _empty(app):
    shutil.rmtree(app.config["STORAGE_DIR"], ignore_errors=True)
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("TRUNCATE {} RESTART IDENTITY CASCADE".format(", ".join(t.name for t in tables))))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def empty_database(app):
    """No data at all (the schema only), as `flask db upgrade` leaves a new database."""
    with app.app_context():
        _empty(app)
    yield


@contextlib.contextmanager
def _real_calendar(clock):
    set_day = clock.today
    clock.today = lambda: datetime.now(clock.ZONE).date()
    try:
        yield
    finally:
        clock.today = set_day


@pytest.fixture
def current_plan(app, demo_data):
    """A plan of LĐLĐ tỉnh Đồng Nai for 2025–2026 (number made up): phase I until 31/12/2025, phase II from
    01/01/2026 to 31/03/2026. Returns its id."""
    from workflow.campaigns.models import Campaign, CampaignPhase
    from workflow.orgs.models import Organisation

    with app.app_context():
        province = db.session.scalar(sa.select(Organisation).where(Organisation.code == "ldld-dong-nai"))
        plan = Campaign(title="Kế hoạch xét chọn, đề nghị khen thưởng và hỗ trợ đoàn viên năm 2025–2026",
                        plan_number="120/KH-LĐLĐ", plan_date=date(2025, 9, 15), issuer=province, kinds=[],
                        phases=[CampaignPhase(name="Đợt I", starts_on=None, ends_on=date(2025, 12, 31)),
                                CampaignPhase(name="Đợt II", starts_on=date(2026, 1, 1), ends_on=date(2026, 3, 31))])
        db.session.add(plan)
        db.session.commit()
        return plan.id


@pytest.fixture
def ctx(app, demo_data):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app, demo_data):
    return app.test_client()


# Whose upper union reviews first, for each demo officer (workflow/seed.py); the staff user of each organisation.
FIRST_LEVEL = {"officer": "reviewer", "officer2": "reviewer", "officer3": "reviewer2", "officer4": "liaison"}
STAFF_OF = {"cd-xa-phu-rieng": "reviewer", "cd-xa-bu-dang": "reviewer2", "ldld-dong-nai": "liaison", "tld": "tld"}
STAFF_ORG = {user: code for code, user in STAFF_OF.items()}


def valid_child_heart(**changes) -> dict:
    data = {
        "full_name": "Nguyễn Văn Ánh",
        "gender": "male",
        "birth_date": "1985-04-12",
        "citizen_id": "070085001234",
        "member_since": "2008-05-01",
        "workplace": "Nông trường Phú Riềng Đỏ",
        "position": "Công nhân cạo mủ",
        "phone": "0912345678",
        "address": "Ấp 3, xã Phú Riềng, huyện Phú Riềng",
        "child_full_name": "Nguyễn Thị Bảo Ngọc",
        "child_birth_date": "2015-02-28",
        "child_gender": "female",
        "diagnosis_group": "congenital_heart",
        "diagnosis": "Thông liên thất (VSD)",
        "hospital": "Bệnh viện Nhi Đồng 1",
        "surgery_indicated_on": "2018-01-02",
        "estimated_cost_vnd": 85_000_000,
        "requested_amount_vnd": 50_000_000,
        "hardship_criteria": ["parent_lost_job"],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


TODAY = date(2026, 1, 5)  # the tests' default calendar: today's tree, the Tết Bính Ngọ 2026 aid in force


@pytest.fixture
def today(monkeypatch):
    """Set the calendar: today(date(2018, 1, 5)); defaults to 05/01/2026."""
    from workflow import clock

    def set_today(day: date):
        monkeypatch.setattr(clock, "today", lambda: day)
    set_today(TODAY)
    return set_today


def _person(**changes) -> dict:
    data = {"full_name": "Nguyễn Văn Ánh", "gender": "male", "birth_date": "1985-04-12", "citizen_id": "070085001234",
            "member_since": "2008-05-01", "workplace": "Nông trường Phú Riềng Đỏ", "position": "Công nhân cạo mủ",
            "phone": "0912345678", "address": "Ấp 3, xã Phú Riềng, tỉnh Đồng Nai"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def valid_union_housing(**changes) -> dict:
    return _person(**{"support_type": "new_build", "house_condition": "dilapidated",
                      "house_address": "Ấp 3, xã Phú Riềng, tỉnh Đồng Nai", "land_document": "GCN QSDĐ số CS 01234",
                      "land_undisputed": True, "estimated_cost_vnd": 150_000_000, "own_contribution_vnd": 120_000_000,
                      "requested_amount_vnd": 30_000_000, "member_years": 17, "household_size": 4, **changes})


def valid_accident_aid(**changes) -> dict:
    return _person(**{"case_type": "labour_accident", "occurred_on": "2025-12-01", "capacity_loss_pct": None,
                      "description": "Bị thương khi vận hành máy cán mủ, phải điều trị dài ngày.",
                      "occasion": "Tết Bính Ngọ 2026", "requested_amount_vnd": 1_300_000, **changes})


def valid_creative_labour(**changes) -> dict:
    return _person(**{"category": "A", "solutions": [{
        "title": "Cải tiến dao cạo mủ giảm hao dăm", "solution_type": "technical_improvement", "role": "author",
        "applied_on": "2024-03-01", "recognised_by": "Hội đồng sáng kiến Công ty", "recognition_number": "15/QĐ-HĐSK",
        "recognition_date": "2024-12-18", "year": 2024, "benefit_vnd": 86_000_000}], **changes})


VALID = {"child_heart": valid_child_heart, "union_housing": valid_union_housing, "accident_aid": valid_accident_aid,
         "creative_labour": valid_creative_labour}


def tiny_pdf(pages: int = 1) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class Api:
    """A JSON API client for the demo users."""

    def __init__(self, client):
        self.client = client
        self.tokens = {}

    def headers(self, user):
        if user not in self.tokens:
            response = self.client.post("/api/v1/tokens", json={"username": user, "password": "demo"})
            assert response.status_code == 201, response.json
            self.tokens[user] = response.json["token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def get(self, user, url):
        return self.client.get(url, headers=self.headers(user))

    def post(self, user, url, body):
        return self.client.post(url, json=body, headers=self.headers(user))

    def patch(self, user, url, body):
        return self.client.patch(url, json=body, headers=self.headers(user))

    def create(self, user="officer", kind="child_heart", **changes):
        response = self.post(user, "/api/v1/dossiers", {"kind": kind, "data": VALID[kind](**changes)})
        assert response.status_code == 201, response.json
        return response.json

    def fire(self, user, dossier, event, attach=True, **extra):
        """Fire an event; before a submit, upload a small PDF for each required attachment still missing."""
        if event == "submit" and attach:
            self.attach_required(user, dossier["id"])
        return self.post(user, f"/api/v1/dossiers/{dossier['id']}/transitions",
                         {"event": event, "version": dossier["version"], **extra})

    def attach_required(self, user, dossier_id):
        from workflow.dossiers.kinds import KINDS

        current = self.get(user, f"/api/v1/dossiers/{dossier_id}").json
        present = {a["attachment_type"] for a in current.get("attachments", [])}
        for code in KINDS[current["kind"]].required_attachments(current["data"]):
            if code not in present:
                response = self.client.post(
                    f"/api/v1/dossiers/{dossier_id}/attachments", headers=self.headers(user),
                    data={"attachment_type": code, "file": (io.BytesIO(tiny_pdf()), f"{code}.pdf")},
                    content_type="multipart/form-data")
                assert response.status_code == 201, response.json

    def fire_ok(self, user, dossier, event, **extra):
        response = self.fire(user, dossier, event, **extra)
        assert response.status_code == 200, response.json
        return response.json

    def submitted(self, user="officer", kind="child_heart", **changes):
        return self.fire_ok(user, self.create(user, kind, **changes), "submit")

    def approved(self, user="officer", kind="child_heart", **changes):
        """Submitted and approved by the first level of its route (its union's upper union)."""
        return self.fire_ok(FIRST_LEVEL[user], self.submitted(user, kind, **changes), "approve")

    def forwarded(self, *dossiers, reviewer="reviewer"):
        response = self.post(reviewer, "/api/v1/batches", {"dossier_ids": [d["id"] for d in dossiers]})
        assert response.status_code == 201, response.json
        return response.json

    def view(self, user, dossier):
        response = self.get(user, f"/api/v1/dossiers/{dossier['id']}")
        assert response.status_code == 200, response.json
        return response.json

    def at_decider(self, user="officer", kind="child_heart", **changes):
        """Taken along its route to the level that decides: (the dossier as that level sees it, its staff user)."""
        dossier = self.submitted(user, kind, **changes)
        staff = FIRST_LEVEL[user]
        while "accept" not in (dossier := self.view(staff, dossier))["allowed_events"]:
            dossier = self.fire_ok(staff, dossier, "approve")
            self.forwarded(dossier, reviewer=staff)
            staff = STAFF_OF[dossier["route"][[s["org"]["code"] for s in dossier["route"]].index(
                STAFF_ORG[staff]) + 1]["org"]["code"]]
        return dossier, staff


@pytest.fixture
def api(client, today):
    return Api(client)


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_of(client, url: str = "/notifications") -> str:
    """The CSRF token a page gives the client's session (every signed-in page has one, in the sign-out form)."""
    return _CSRF.search(client.get(url).get_data(as_text=True)).group(1)


class Browser:
    """A logged-in web session that posts forms with their CSRF token, as a browser would."""

    def __init__(self, app, username):
        self.client = app.test_client()
        page = self.client.get("/login")
        token = _CSRF.search(page.get_data(as_text=True)).group(1)
        response = self.client.post("/login", data={"username": username, "password": "demo", "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        self.csrf = csrf_token_of(self.client)  # a new one from sign-in on (auth/routes.start_session)

    def get(self, url):
        return self.client.get(url)

    def post(self, url, data=None, **kwargs):
        return self.client.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)


@pytest.fixture
def browser(app, demo_data, today):
    return lambda username: Browser(app, username)


# --- the sign-in limits (auth/guessing.py) ---------------------------------------------------------------------

@pytest.fixture
def limits(app, demo_data):
    """Set the sign-in limits for one test (the defaults would need dozens of attempts); every count starts afresh,
    the in-memory fallback the limiter switches to when Redis is down included (limiter.reset() clears only the
    configured storage)."""
    keys = ("LOGIN_LIMIT_PER_ADDRESS", "LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LOCKOUT_FAILURES")
    saved = {key: app.config[key] for key in keys}

    def fresh():
        limiter._storage_dead = False
        if limiter._fallback_storage is not None:
            limiter._fallback_storage.reset()
        limiter.reset()

    fresh()
    yield app.config.update
    app.config.update(saved)
    fresh()


@pytest.fixture
def redis_url():
    """An empty Redis database's URL (emptied again after the test). No Redis: skipped, or a failure where
    REQUIRE_REDIS_TESTS=1 (CI) says these tests must run."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.exceptions.ConnectionError:
        if os.environ.get("REQUIRE_REDIS_TESTS") == "1":
            pytest.fail("no Redis at 127.0.0.1:6379, and REQUIRE_REDIS_TESTS=1 requires these tests to run",
                        pytrace=False)
        pytest.skip("no Redis at 127.0.0.1:6379 (apt-get install redis-server; REQUIRE_REDIS_TESTS=1 makes this a "
                    "failure)")
    yield url
    redis.Redis.from_url(url).flushdb()


@contextlib.contextmanager
def other_workers(app, count: int = 1, **config):
    """`count` more apps over the test session's database, as other worker processes would be, with `config` on
    top. There is one limiter per process (Flask-Limiter keeps its storage on the extension): afterwards it is the
    session's app's again, with its memory storage."""
    shared = {key: app.config[key] for key in ("TESTING", "ENV_NAME", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI",
                                               "STORAGE_DIR", "PASSWORD_HASH_METHOD")}
    workers = [create_app(shared | config) for _ in range(count)]
    try:
        yield workers
    finally:
        for worker in workers:
            with worker.app_context():
                db.engine.dispose()
        limiter.init_app(app)
        limiter._storage_dead = False


# --- the tree changing ---------------------------------------------------------------------------------------

def end(app, *args):
    """`flask end-organisation …`, as the operator runs it."""
    return app.test_cli_runner().invoke(args=["end-organisation", *args])


def new_commune(app, code="cd-xa-phu-trung", name="Công đoàn xã Phú Trung", since=date(2026, 1, 1)):
    """Another commune union under Đồng Nai, with a staff user `staff-{code}`."""
    from workflow.auth.models import User
    from workflow.orgs.models import Organisation, OrganisationPlacement

    with app.app_context():
        province = db.session.scalar(sa.select(Organisation).where(Organisation.code == "ldld-dong-nai"))
        org = Organisation(code=code, level="upper_grassroots", name=name, header_name=name.upper(),
                           abbreviation="CĐX", place_name="Phú Trung", signing_body="BAN THƯỜNG VỤ",
                           head_name="Lê Văn Tư", valid_from=since)
        db.session.add_all([org, OrganisationPlacement(organisation=org, parent=province, valid_from=since)])
        user = User(username=f"staff-{code}", full_name="Cán bộ xã Phú Trung", role="staff", organisation=org)
        user.set_password("demo")
        db.session.add(user)
        db.session.commit()


# --- a plan's work, for its reports ------------------------------------------------------------------------

@pytest.fixture
def plan_work(api, today, current_plan):
    """Dossiers answering plan 120/KH-LĐLĐ in every outcome, from three unions of two communes:
    - officer (xã Phú Riềng): accepted 45.000.000 of 50.000.000; rejected; returned; one waiting at the commune;
      a house approved at the commune (waiting to go up); one withdrawn; a draft (never counted); one submitted
      late (Đợt II), waiting;
    - officer2 (xã Phú Riềng): an accident aid waiting;
    - officer3 (xã Bù Đăng): a house waiting."""
    today(date(2025, 12, 1))
    dossier, staff = api.at_decider(citizen_id="070085000101")
    accepted = api.fire_ok(staff, dossier, "accept", granted_amount_vnd=45_000_000)
    dossier, staff = api.at_decider(citizen_id="070085000102", requested_amount_vnd=40_000_000)
    rejected = api.fire_ok(staff, dossier, "reject", comment="Không đủ điều kiện.")
    returned = api.fire_ok("reviewer", api.submitted(citizen_id="070085000103"), "return", comment="Thiếu giấy tờ.")
    waiting = api.submitted(citizen_id="070085000104", requested_amount_vnd=20_000_000)
    house = api.approved(kind="union_housing", citizen_id="070085000105")
    withdrawn = api.fire_ok("officer", api.submitted(citizen_id="070085000106"), "withdraw", comment="Đã tự lo.")
    api.create(citizen_id="070085000107")  # a draft: no report counts it
    aid = api.submitted("officer2", kind="accident_aid", citizen_id="070085000108")
    bu_dang = api.submitted("officer3", kind="union_housing", citizen_id="070085000109")
    late = api.create(citizen_id="070085000110", requested_amount_vnd=10_000_000)  # drafted while a phase is open
    today(date(2026, 4, 2))  # after Đợt II's deadline
    late = api.fire_ok("officer", late, "submit")
    return {"plan": current_plan, "accepted": accepted, "rejected": rejected, "returned": returned,
            "waiting": waiting, "house": house, "withdrawn": withdrawn, "aid": aid, "bu_dang": bu_dang, "late": late}
