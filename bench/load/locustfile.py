"""A deadline rush: the three roles' daily work at once, through the API and a few pages (bench/load/run.py runs it).

- Officers (officer, officer2, officer3, taken in turn: several "tabs" each): draft an accident aid (1.3 M đ,
  decided by the upper union) or a "Mái ấm Công đoàn" house (decided by the province), attach the required
  papers, submit; look at their home page and list.
- Reviewers (reviewer, reviewer2, the upper unions, one user each): list what waits, decide the accident aids
  (accept), approve or (one in ten) return the houses, forward the approved houses to the province in batches;
  their home page and list.
- The province: liaison decides the received batches (accept each house with its amount), which waits for the
  signature of leader, who signs the queue.

Each user signs in once (a token for the API, a session for the pages) and keeps it. Requests that take a step
issuing a document are named "doc: …" (bench/load/run.py counts them against the render ceiling).
"""
from __future__ import annotations

import io
import itertools
import random
import re

from locust import HttpUser, between, task
from locust.exception import StopUser

OFFICERS = ["officer", "officer2", "officer3"]
REVIEWERS = ["reviewer", "reviewer2"]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_officers = itertools.cycle(OFFICERS)
_reviewers = itertools.cycle(REVIEWERS)


def tiny_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = tiny_pdf()


def person() -> dict:
    return {"full_name": random.choice(["Nguyễn Văn Ánh", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung"]),
            "gender": random.choice(["male", "female"]), "birth_date": "1985-04-12",
            "citizen_id": f"0700{random.randrange(10**8):08d}", "member_since": "2008-05-01",
            "workplace": "Nông trường Phú Riềng Đỏ", "position": "Công nhân cạo mủ", "phone": "0912345678",
            "address": "Ấp 3, xã Phú Riềng, tỉnh Đồng Nai"}


def accident_aid() -> dict:
    return {**person(), "case_type": "labour_accident", "occurred_on": "2025-12-01",
            "description": "Bị thương khi vận hành máy cán mủ, phải điều trị dài ngày.",
            "occasion": "Tết Bính Ngọ 2026", "requested_amount_vnd": 1_300_000}


def union_housing() -> dict:
    return {**person(), "support_type": "new_build", "house_condition": "dilapidated",
            "house_address": "Ấp 3, xã Phú Riềng, tỉnh Đồng Nai", "land_document": "GCN QSDĐ số CS 01234",
            "land_undisputed": True, "estimated_cost_vnd": 150_000_000, "own_contribution_vnd": 120_000_000,
            "requested_amount_vnd": 30_000_000, "member_years": 17, "household_size": 4}


REQUIRED = {}


def required(kind: str, data: dict) -> list[str]:
    if kind not in REQUIRED:
        from workflow.dossiers.kinds import KINDS

        REQUIRED[kind] = list(KINDS[kind].required_attachments(data))
    return REQUIRED[kind]


class Role(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)
    username = ""

    def on_start(self):
        self.pick_user()
        answer = self.client.post("/api/v1/tokens", json={"username": self.username, "password": "demo"},
                                  name="sign in (API)")
        if answer.status_code != 201:
            raise StopUser()
        self.auth = {"Authorization": f"Bearer {answer.json()['token']}"}
        page = self.client.get("/login", name="sign in (page)")
        token = CSRF.search(page.text)
        self.client.post("/login", data={"username": self.username, "password": "demo",
                                         "csrf_token": token.group(1) if token else ""},
                         name="sign in (page)", allow_redirects=False)

    def pick_user(self): ...

    def api(self, method, url, name=None, ok=(200, 201, 202), **kwargs):
        with self.client.request(method, url, headers=self.auth, name=name or url, catch_response=True,
                                 **kwargs) as response:
            if response.status_code in ok:
                response.success()
                try:
                    return response.json()
                except ValueError:
                    return {}
            response.failure(f"{response.status_code}: {response.text[:200]}")
            return None

    def pages(self):
        self.client.get("/", name="page: home")
        self.client.get("/dossiers", name="page: list")


class Officer(Role):
    weight = 1  # every user not a reviewer nor the province

    def pick_user(self):
        self.username = next(_officers)

    @task(4)
    def draft_attach_submit(self):
        kind = random.choice(["accident_aid", "union_housing"])
        data = accident_aid() if kind == "accident_aid" else union_housing()
        dossier = self.api("POST", "/api/v1/dossiers", "api: create draft", json={"kind": kind, "data": data})
        if not dossier:
            return
        for code in required(kind, data):
            self.api("POST", f"/api/v1/dossiers/{dossier['id']}/attachments", "api: attach",
                     data={"attachment_type": code}, files={"file": (f"{code}.pdf", PDF, "application/pdf")})
        self.api("POST", f"/api/v1/dossiers/{dossier['id']}/transitions", "doc: submit",
                 json={"event": "submit", "version": dossier["version"]})

    @task(1)
    def look(self):
        self.pages()


class Reviewer(Role):
    fixed_count = 2  # one per account: two tabs of one reviewer would take the same dossiers (409, by design)

    def pick_user(self):
        self.username = next(_reviewers)

    @task(5)
    def review(self):
        waiting = self.api("GET", "/api/v1/dossiers?state=submitted&per_page=5", "api: list waiting")
        for item in (waiting or {}).get("dossiers", [])[:5]:
            events_ = item["allowed_events"]
            body = {"version": item["version"]}
            if item["kind"] == "accident_aid" and "accept" in events_:
                self.api("POST", f"/api/v1/dossiers/{item['id']}/transitions", "doc: accept (upper union)",
                         json={**body, "event": "accept", "granted_amount_vnd": 1_300_000})
            elif "return" in events_ and random.random() < 0.1:
                self.api("POST", f"/api/v1/dossiers/{item['id']}/transitions", "doc: return",
                         json={**body, "event": "return", "comment": "Bổ sung giấy xác nhận của công đoàn cơ sở."})
            elif "approve" in events_:
                self.api("POST", f"/api/v1/dossiers/{item['id']}/transitions", "doc: approve",
                         json={**body, "event": "approve"})

    @task(2)
    def forward(self):
        approved = self.api("GET", "/api/v1/dossiers?state=approved&per_page=20", "api: list approved")
        ids = [d["id"] for d in (approved or {}).get("dossiers", []) if "forward" in d["allowed_events"]]
        if ids:
            self.api("POST", "/api/v1/batches", "doc: forward batch", json={"dossier_ids": ids})

    @task(2)
    def look(self):
        self.pages()


class Province(Role):
    """liaison decides the batches received; leader signs what waits for the province's signature."""
    weight = 1
    fixed_count = 1

    def pick_user(self):
        self.username = "liaison"

    def on_start(self):
        super().on_start()
        self.liaison = self.auth
        answer = self.client.post("/api/v1/tokens", json={"username": "leader", "password": "demo"},
                                  name="sign in (API)")
        if answer.status_code != 201:
            raise StopUser()
        self.leader = {"Authorization": f"Bearer {answer.json()['token']}"}
        self.decided: set[int] = set()

    @task(3)
    def decide(self):
        self.auth = self.liaison
        batches = self.api("GET", "/api/v1/batches", "api: batches")
        for batch in (batches or {}).get("batches", []):
            recipient = (batch["recipient"] or {}).get("code")
            if batch["id"] in self.decided or recipient != "ldld-dong-nai":
                continue
            items = [{"dossier_id": d["id"], "version": d["version"], "granted_amount_vnd": 30_000_000}
                     for d in batch["dossiers"] if "accept" in d["allowed_events"]]
            if items:
                self.api("POST", f"/api/v1/batches/{batch['id']}/decisions", "doc: decide batch",
                         json={"event": "accept", "items": items, "comment": ""})
            self.decided.add(batch["id"])

    @task(3)
    def sign(self):
        self.auth = self.leader
        queue = self.api("GET", "/api/v1/signing-queue", "api: signing queue")
        for item in (queue or {}).get("items", [])[:5]:
            if item["state"] == "waiting" and item["documents"]:
                self.api("POST", f"/api/v1/documents/{item['documents'][0]['id']}/signatures", "doc: sign",
                         json={"decision": "sign"})

    @task(1)
    def look(self):
        self.auth = self.liaison
        self.pages()

