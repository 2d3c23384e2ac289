"""An organisation with a signing key issues its documents signed (PAdES, its own certificate under the system's
published root); the signature validates with pyHanko, a changed byte breaks it, and /verify says so to anyone."""
import io

import pytest
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader

from workflow.seed import ORGANISATIONS
from workflow.signing import demo_pki, pades
from workflow.signing.keys import trust_roots


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    demo_pki.create(folder, [(spec["name"], spec["code"]) for spec in ORGANISATIONS if spec["code"] != "cd-xa-bu-dang"],
                    "mat-khau-thu")
    return folder


@pytest.fixture
def signing(app, key_dir, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEY_DIR", str(key_dir))
    monkeypatch.setitem(app.config, "SIGNING_KEY_PASSPHRASE", "mat-khau-thu")
    return key_dir


def test_a_document_is_issued_with_its_organisations_valid_signature(app, api, client, signing):
    document = api.submitted()["documents"][-1]
    data = api.get("officer", document["url"]).data
    embedded = PdfFileReader(io.BytesIO(data)).embedded_signatures
    assert [s.field_name for s in embedded] == ["ChuKyCoQuan"]
    with app.app_context():
        [status] = pades.validate(data, trust_roots())
    assert status.intact and status.trusted and status.valid
    assert status.signer.startswith("(TEST) Công đoàn cơ sở Công ty TNHH MTV Cao su Phú")
    answer = client.get(document["verify_url"].replace("http://localhost", ""), headers={"Accept": "application/json"})
    [shown] = answer.json["document"]["signatures"]
    assert shown["valid"] is True and shown["signer"] == status.signer


def test_one_changed_byte_fails_the_signature_and_the_public_check(app, api, client, signing):
    data = api.get("officer", api.submitted()["documents"][-1]["url"]).data
    start = data.index(b"stream") + 20  # inside the page's content, covered by the signature
    changed = data[:start] + bytes([data[start] ^ 0x01]) + data[start + 1:]
    with app.app_context():
        [status] = pades.validate(changed, trust_roots())
    assert not status.intact and not status.valid
    answer = client.post("/verify", data={"file": (io.BytesIO(changed), "a.pdf")}, content_type="multipart/form-data",
                         headers={"Accept": "application/json"})
    assert answer.json["match"] is False
    assert [s["valid"] for s in answer.json["signatures"]] == [False]


def test_a_signature_under_another_root_is_not_trusted(app, api, signing, tmp_path):
    data = api.get("officer", api.submitted()["documents"][-1]["url"]).data
    other = tmp_path / "other"
    demo_pki.create(other, [], "")
    [status] = pades.validate(data, list(load_certs_from_pemder_data((other / "trust-roots.pem").read_bytes())))
    assert status.intact and not status.trusted and not status.valid


def test_an_organisation_without_a_key_issues_unsigned(app, api, signing):
    dossier = api.submitted("officer3")  # Trường Mầm non Tuổi Hồng's union has a key: its Tờ trình is signed
    assert PdfFileReader(io.BytesIO(api.get("officer3", dossier["documents"][-1]["url"]).data)).embedded_signatures
    dossier = api.fire_ok("reviewer2", dossier, "return", comment="Bổ sung giấy tờ.")
    notice = dossier["documents"][-1]  # Công đoàn xã Bù Đăng has none in this key folder
    assert notice["issuer"]["code"] == "cd-xa-bu-dang"
    assert not PdfFileReader(io.BytesIO(api.get("officer3", notice["url"]).data)).embedded_signatures


def test_the_trust_roots_are_published(client, signing):
    answer = client.get("/verify/trust-roots.pem")
    assert answer.status_code == 200 and answer.data == (signing / "trust-roots.pem").read_bytes()


def test_without_keys_documents_are_issued_unsigned_and_no_roots_are_published(api, client):
    data = api.get("officer", api.submitted()["documents"][-1]["url"]).data
    assert not PdfFileReader(io.BytesIO(data)).embedded_signatures
    assert client.get("/verify/trust-roots.pem").status_code == 404
