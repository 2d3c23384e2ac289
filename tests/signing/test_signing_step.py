"""The signing step (trình ký): the province's steps wait for its leader's signature; only signing numbers, dates
and issues the documents and moves the dossier; a step sent back is never numbered."""
import io
import re

import pytest
import sqlalchemy as sa
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader

from workflow.extensions import db
from workflow.notifications.models import Notification
from workflow.pdf.models import DocumentCounter
from workflow.seed import ORGANISATIONS
from workflow.signing import demo_pki, pades
from workflow.signing.keys import trust_roots

PROVINCE = "ldld-dong-nai"


def text_of(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    demo_pki.create(folder, [(spec["name"], spec["code"]) for spec in ORGANISATIONS], "mat-khau",
                    people=[("Phạm Văn Lực", "leader", "Liên đoàn Lao động tỉnh Đồng Nai")])
    demo_pki.draw_images(folder / "images", people=[("Phạm Văn Lực", "leader")], organisations=[PROVINCE])
    return folder


@pytest.fixture
def signed_keys(app, keys, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEY_DIR", str(keys))
    monkeypatch.setitem(app.config, "SIGNING_KEY_PASSPHRASE", "mat-khau")
    return keys


def counters(app) -> dict:
    with app.app_context():
        return {(c.organisation_id, c.sequence_scope): c.last_sequence
                for c in db.session.scalars(sa.select(DocumentCounter))}


def at_province(api):
    dossier, staff = api.at_decider("officer", "union_housing")
    assert staff == "liaison"
    return dossier


def test_a_decision_waits_for_the_leaders_signature_then_takes_effect_signed(app, api, signing_step, signed_keys):
    dossier = at_province(api)
    before = counters(app)
    answer = api.fire("liaison", dossier, "accept", granted_amount_vnd=30_000_000)
    assert answer.status_code == 202, answer.json
    waiting = answer.json["signing_request"]
    assert waiting["state"] == "waiting" and waiting["dossier_ids"] == [dossier["id"]]
    [draft] = waiting["documents"]
    assert draft["state"] == "draft" and draft["number"] is None and draft["issued_on"] is None
    assert draft["verify_url"] is None and draft["signatures"] == []
    # nothing took effect: same state, no number taken, the dossier locked against any other step
    assert api.view("liaison", dossier)["state"] == dossier["state"]
    assert counters(app) == before
    again = api.fire("liaison", dossier, "reject", comment="Thử thao tác khác.")
    assert again.status_code == 409 and "chờ lãnh đạo ký" in again.json["error"]
    data = api.get("liaison", draft["url"]).data
    text = text_of(data)
    assert "DỰ THẢO" in text and "Mã tra cứu" not in text
    assert not PdfFileReader(io.BytesIO(data)).embedded_signatures
    # the leader is told and finds it in the queue; the staff who asked does not sign
    with app.app_context():
        topics = db.session.scalars(sa.select(Notification.topic).join(Notification.user)
                                    .where(sa.text("user_account.username = 'leader'"))).all()
    assert "signing_requested" in topics
    assert [item["id"] for item in api.get("leader", "/api/v1/signing-queue").json["items"]] == [waiting["id"]]
    assert api.get("liaison", "/api/v1/signing-queue").json["items"] == []
    refused = api.post("liaison", f"/api/v1/documents/{draft['id']}/signatures", {})
    assert refused.status_code == 403
    # another organisation's user does not even see it
    assert api.post("reviewer", f"/api/v1/documents/{draft['id']}/signatures", {}).status_code == 404
    assert api.get("reviewer", draft["url"]).status_code == 404

    signed = api.post("leader", f"/api/v1/documents/{draft['id']}/signatures", {})
    assert signed.status_code == 200, signed.json
    assert signed.json["state"] == "signed"
    issued = [d for d in signed.json["documents"] if d["state"] == "issued"]
    assert len(issued) == 1 and issued[0]["number"].endswith("/QĐ-LĐLĐ") and issued[0]["verify_url"]
    assert [(s["role"], s["signer"]) for s in issued[0]["signatures"]] == [
        ("signer", "(TEST) Phạm Văn Lực"), ("organisation", "(TEST) Liên đoàn Lao động tỉnh Đồng Nai")]
    assert api.view("liaison", dossier)["state"] == "accepted"
    data = api.get("liaison", issued[0]["url"]).data
    with app.app_context():
        statuses = pades.validate(data, trust_roots())
    assert [(s.field, s.intact, s.trusted, s.valid) for s in statuses] == [
        ("ChuKyNguoiKy", True, True, True), ("ChuKyCoQuan", True, True, True)]
    text = text_of(data)
    assert "DỰ THẢO" not in text and issued[0]["number"] in text and "Phạm Văn Lực" in text
    # the union hears of the decision only now
    assert api.get("leader", "/api/v1/signing-queue").json["items"] == []


def test_a_step_sent_back_is_never_numbered_and_frees_the_dossier(app, api, signing_step):
    dossier = at_province(api)
    before = counters(app)
    answer = api.fire("liaison", dossier, "reject", comment="Không đủ điều kiện.")
    assert answer.status_code == 202
    [draft] = answer.json["signing_request"]["documents"]
    no_reason = api.post("leader", f"/api/v1/documents/{draft['id']}/signatures", {"decision": "return"})
    assert no_reason.status_code == 422
    back = api.post("leader", f"/api/v1/documents/{draft['id']}/signatures",
                    {"decision": "return", "reason": "Xem lại căn cứ từ chối."})
    assert back.status_code == 200 and back.json["state"] == "returned"
    assert back.json["return_reason"] == "Xem lại căn cứ từ chối."
    assert [d["state"] for d in back.json["documents"]] == ["draft"]
    assert counters(app) == before
    assert api.post("leader", f"/api/v1/documents/{draft['id']}/signatures", {}).status_code == 409
    # free again: the staff may take another step, which again waits for the signature
    again = api.fire("liaison", api.view("liaison", dossier), "accept",
                     granted_amount_vnd=30_000_000)
    assert again.status_code == 202


def test_the_leader_acts_and_signs_at_once(app, api, signing_step):
    dossier = at_province(api)
    answer = api.fire("leader", api.view("leader", dossier), "accept",
                      granted_amount_vnd=30_000_000)
    assert answer.status_code == 200, answer.json
    assert answer.json["state"] == "accepted"


def test_an_organisation_that_lets_the_acting_person_sign_issues_at_once(api, signing_step):
    dossier = api.submitted()  # the grassroots union signs its Tờ trình at once
    assert dossier["documents"][-1]["state"] == "issued" and dossier["documents"][-1]["number"]


def test_on_the_pages_the_staff_presents_the_leader_signs_several_at_once(app, api, browser, signing_step):
    first, second = at_province(api), at_province(api)
    liaison = browser("liaison")
    for dossier in (first, second):
        answer = liaison.post(f"/dossiers/{dossier['id']}/events/accept",
                              data={"confirm": "1", "version": dossier["version"], "granted_amount_vnd": "30.000.000"})
        assert answer.status_code == 302
        page = liaison.get(f"/dossiers/{dossier['id']}").get_data(as_text=True)
        assert "Hồ sơ chờ lãnh đạo ký" in page and f'action="/dossiers/{dossier["id"]}/events/' not in page
    leader = browser("leader")
    queue = leader.get("/signing").get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'name="request_id" value="(\d+)"', queue)]
    assert len(ids) == 2 and 'id="signing-count">2' in queue
    confirm = leader.post("/signing/sign-many", data={"request_id": [str(i) for i in ids]})
    assert confirm.status_code == 200 and "Ký 2 văn bản" in confirm.get_data(as_text=True)
    assert api.view("liaison", first)["state"] != "accepted"  # nothing signed before the confirmation
    done = leader.post("/signing/sign-many", data={"request_id": [str(i) for i in ids], "confirm": "1"})
    assert done.status_code == 303
    assert [api.view("liaison", d)["state"] for d in (first, second)] == ["accepted", "accepted"]
    numbers = [api.view("liaison", d)["documents"][-1]["number"] for d in (first, second)]
    assert len(set(numbers)) == 2 and all(n.endswith("/QĐ-LĐLĐ") for n in numbers)


def test_on_the_pages_a_return_needs_a_reason_and_keeps_what_was_typed(app, api, browser, signing_step):
    dossier = at_province(api)
    answer = api.fire("liaison", dossier, "reject", comment="Không đủ điều kiện.")
    request_id = answer.json["signing_request"]["id"]
    leader = browser("leader")
    page = leader.get(f"/signing/{request_id}").get_data(as_text=True)
    draft_id = answer.json["signing_request"]["documents"][0]["id"]
    assert f"/signing/documents/{draft_id}" in page
    assert leader.get(f"/signing/documents/{draft_id}").mimetype == "application/pdf"
    refused = leader.post(f"/signing/{request_id}/return", data={"reason": "   "})
    assert refused.status_code == 422 and "Vui lòng nêu lý do trả lại." in refused.get_data(as_text=True)
    back = leader.post(f"/signing/{request_id}/return", data={"reason": "Bổ sung <b>căn cứ</b>."})
    assert back.status_code == 303
    shown = browser("liaison").get(f"/signing/{request_id}").get_data(as_text=True)
    assert "Bổ sung &lt;b&gt;căn cứ&lt;/b&gt;." in shown
    # someone of another organisation sees none of it
    other = browser("reviewer")
    assert other.get(f"/signing/{request_id}").status_code == 404
    assert other.get(f"/signing/documents/{draft_id}").status_code == 404
    assert other.post(f"/signing/{request_id}/sign").status_code == 404


def _timestamp_authority(keys):
    """A TSA certificate under the test root (extended key usage timeStamping), as asn1crypto objects."""
    import datetime as dt

    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    root_key = serialization.load_pem_private_key((keys / "demo-root-key.pem").read_bytes(), b"mat-khau")
    root = x509.load_pem_x509_certificate((keys / "trust-roots.pem").read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    certificate = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "(TEST) TSA")]))
                   .issuer_name(root.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
                   .sign(root_key, hashes.SHA256()))
    return (asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
            asn1_keys.PrivateKeyInfo.load(key.private_bytes(serialization.Encoding.DER,
                                                            serialization.PrivateFormat.PKCS8,
                                                            serialization.NoEncryption())))


def test_with_a_timestamp_authority_the_signers_signature_carries_its_time(app, api, signing_step, signed_keys,
                                                                          monkeypatch):
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    import workflow.pdf.issue as issue

    tsa_cert, tsa_key = _timestamp_authority(signed_keys)
    monkeypatch.setattr(issue, "timestamper", lambda: DummyTimeStamper(tsa_cert, tsa_key))
    dossier = at_province(api)
    answer = api.fire("leader", api.view("leader", dossier), "accept", granted_amount_vnd=30_000_000)
    document = answer.json["documents"][-1]
    data = api.get("leader", document["url"]).data
    person, organisation = PdfFileReader(io.BytesIO(data)).embedded_signatures

    def timestamped(signature):
        unsigned = signature.signer_info["unsigned_attrs"]
        return any(attribute["type"].native == "signature_time_stamp_token" for attribute in unsigned or ())

    assert person.field_name == "ChuKyNguoiKy" and timestamped(person)  # PAdES B-T
    assert not timestamped(organisation)  # B-B
    with app.app_context():
        assert [s.valid for s in pades.validate(data, trust_roots())] == [True, True]


@pytest.fixture
def remote_leader(app, keys, tmp_path, monkeypatch):
    """The leader's and the province's keys at a remote signing service (CSC, as Viettel MySign or VNPT SmartCA):
    the leader confirms each signature on their phone."""
    from .test_key_stores import _Service

    service = _Service(keys, tmp_path, names=(PROVINCE, "people/leader"), passphrase="mat-khau")
    for name, value in {"SIGNING_KEY_STORE": "csc", "SIGNING_CSC_URL": service.url, "SIGNING_CSC_TOKEN": "jeton",
                        "SIGNING_CSC_CREDENTIAL_ID": "union/{name}", "SIGNING_CSC_TIMEOUT": 30.0,
                        "SIGNING_TRUST_ROOTS": str(keys / "trust-roots.pem")}.items():
        monkeypatch.setitem(app.config, name, value)
    yield service
    service.stop()


def test_a_remote_signature_answers_202_and_issues_once_confirmed(app, api, signing_step, remote_leader):
    dossier = at_province(api)
    presented = api.fire("liaison", dossier, "accept", granted_amount_vnd=30_000_000).json["signing_request"]
    [draft] = presented["documents"]
    answer = api.post("leader", f"/api/v1/documents/{draft['id']}/signatures", {})
    assert answer.status_code == 202 and answer.headers["Location"].endswith(f"/signing-requests/{answer.json['id']}")
    followed = api.get("leader", answer.headers["Location"]).json  # the phone confirmed: the background task signed
    assert followed["state"] == "signed"
    [issued] = [d for d in followed["documents"] if d["state"] == "issued"]
    data = api.get("leader", issued["url"]).data
    with app.app_context():
        statuses = pades.validate(data, trust_roots())
    assert [(s.field, s.valid) for s in statuses] == [("ChuKyNguoiKy", True), ("ChuKyCoQuan", True)]
    assert api.view("liaison", dossier)["state"] == "accepted"


def test_a_remote_signature_never_confirmed_goes_back_to_the_queue_unnumbered(app, api, signing_step, remote_leader,
                                                                             monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_CSC_TIMEOUT", 0.5)
    remote_leader.confirm = False
    dossier = at_province(api)
    before = counters(app)
    presented = api.fire("liaison", dossier, "accept", granted_amount_vnd=30_000_000).json["signing_request"]
    [draft] = presented["documents"]
    answer = api.post("leader", f"/api/v1/documents/{draft['id']}/signatures", {})
    assert answer.status_code == 202
    followed = api.get("leader", answer.headers["Location"]).json
    assert followed["state"] == "waiting" and "xác nhận" in followed["error"]
    assert counters(app) == before and api.view("liaison", dossier)["state"] != "accepted"
    assert [i["id"] for i in api.get("leader", "/api/v1/signing-queue").json["items"]] == [followed["id"]]


def test_a_batch_decision_presented_for_signature_decides_nothing_before_it(app, api, signing_step):
    """Drafting runs the decision with a savepoint per item, then rolls it all back: on SQLite a savepoint opened
    outside a transaction used to commit its item when released."""
    first, second = api.approved(kind="union_housing"), api.approved(kind="union_housing", citizen_id="070085000002")
    batch = api.forwarded(first, second)
    before = counters(app)
    answer = api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions", {"event": "accept", "items": [
        {"dossier_id": d["id"], "version": d["version"], "granted_amount_vnd": 30_000_000}
        for d in batch["dossiers"]]})
    assert answer.status_code == 202, answer.json
    assert [api.view("liaison", d)["state"] for d in (first, second)] == ["forwarded", "forwarded"]
    assert counters(app) == before
    [draft] = answer.json["signing_request"]["documents"]
    assert api.post("leader", f"/api/v1/documents/{draft['id']}/signatures", {}).status_code == 200
    assert [api.view("liaison", d)["state"] for d in (first, second)] == ["accepted", "accepted"]
