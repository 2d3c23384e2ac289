"""Three places keys live, one front door (keys.signer_for / personal_signer_for): PKCS#12 files, a PKCS#11 token
(SoftHSM v2 standing in for a USB token or an HSM) and a remote signing service speaking the CSC API
(certomancer-csc-dummy, pyHanko's own test double, on 127.0.0.1). Each signs a PDF that validates against the test
root of workflow.signing.demo_pki; wrong secrets and unknown names give clear errors or None.

The SoftHSM tests skip when its module is absent, unless REQUIRE_KEY_STORE_TESTS=1 (CI), where that is a failure."""
from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys import load_certs_from_pemder_data
from pypdf import PdfWriter

from workflow.signing import demo_pki, keys, pades, stores

PASSPHRASE = "mat-khau-thu"
ORGANISATION = ("Công đoàn cơ sở Trường Thử nghiệm", "cd-thu-nghiem")
PERSON = ("Nguyễn Thị Ký", "chutich-thu", ORGANISATION[0])
SOFTHSM_MODULE = os.environ.get("SOFTHSM2_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
TOKEN, PIN = "hoso-test", "1234"


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pki")
    demo_pki.create(folder, [ORGANISATION], PASSPHRASE, people=[PERSON])
    return folder


@pytest.fixture(scope="module")
def roots(pki) -> list:
    return list(load_certs_from_pemder_data((pki / "trust-roots.pem").read_bytes()))


def _key_and_certificate(pki: Path, name: str, passphrase: str = PASSPHRASE):
    key, certificate, _ = pkcs12.load_key_and_certificates((pki / f"{name}.p12").read_bytes(), passphrase.encode())
    return key, certificate


@pytest.fixture(scope="module")
def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _sign_and_validate(pdf: bytes, signer, roots) -> pades.SignatureStatus:
    assert signer is not None
    signed = pades.sign(pdf, signer, field_name="ChuKyCoQuan", reason="Phát hành văn bản", location="Bình Phước")
    [status] = pades.validate(signed, roots)
    return status


@pytest.fixture
def config(app, monkeypatch):
    """Set signing settings for one test, inside an app context."""
    def setting(**values):
        for name, value in values.items():
            monkeypatch.setitem(app.config, name, value)
    with app.app_context():
        yield setting


# ---- PKCS#12 files (the default) -------------------------------------------------------------------------------

def test_pkcs12_files_sign_for_the_organisation_and_the_person(config, pki, roots, pdf):
    config(SIGNING_KEY_STORE="pkcs12", SIGNING_KEY_DIR=str(pki), SIGNING_KEY_PASSPHRASE=PASSPHRASE)
    status = _sign_and_validate(pdf, keys.signer_for(ORGANISATION[1]), roots)
    assert status.intact and status.trusted and status.valid and status.signer == f"(TEST) {ORGANISATION[0]}"
    status = _sign_and_validate(pdf, keys.personal_signer_for(PERSON[1]), roots)
    assert status.valid and status.signer == f"(TEST) {PERSON[0]}"
    assert keys.signer_for("cd-khong-co") is None and keys.personal_signer_for("khong-co") is None
    assert keys.signer_for("../trust-roots") is None  # a name never leaves the folder
    assert keys.is_remote() is False and keys.is_remote(PERSON[1]) is False


def test_pkcs12_wrong_passphrase_is_a_clear_error(config, pki):
    config(SIGNING_KEY_STORE="pkcs12", SIGNING_KEY_DIR=str(pki), SIGNING_KEY_PASSPHRASE="sai-mat-khau")
    with pytest.raises(keys.KeyStoreError, match="SIGNING_KEY_PASSPHRASE"):
        keys.signer_for(ORGANISATION[1])


def test_an_unknown_store_is_a_clear_error(config):
    config(SIGNING_KEY_STORE="usb")
    with pytest.raises(keys.KeyStoreError, match="pkcs12, pkcs11, csc"):
        keys.signer_for(ORGANISATION[1])


# ---- PKCS#11: SoftHSM v2 ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def softhsm(pki, tmp_path_factory):
    """A SoftHSM token holding the organisation's and the person's keys and certificates (labelled `<code>` and
    `people/<username>`) and the root, imported from demo_pki's PKCS#12 files with python-pkcs11."""
    util = shutil.which("softhsm2-util")
    if not Path(SOFTHSM_MODULE).is_file() or util is None:
        reason = f"SoftHSM v2 is not installed ({SOFTHSM_MODULE}; apt-get install softhsm2)"
        if os.environ.get("REQUIRE_KEY_STORE_TESTS") == "1":
            pytest.fail(f"{reason}, and REQUIRE_KEY_STORE_TESTS=1 requires these tests to run", pytrace=False)
        pytest.skip(reason)
    import pkcs11
    from pkcs11 import Attribute
    from pkcs11.util.rsa import decode_rsa_private_key
    from pkcs11.util.x509 import decode_x509_certificate

    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(conf))  # read when the module initialises: before any use in the process
        subprocess.run([util, "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", "87654321"],
                       check=True, capture_output=True)
        token = pkcs11.lib(SOFTHSM_MODULE).get_token(token_label=TOKEN)
        with token.open(rw=True, user_pin=PIN) as session:
            for number, (file_name, label) in enumerate([(ORGANISATION[1], ORGANISATION[1]),
                                                         (f"people/{PERSON[1]}", f"people/{PERSON[1]}")], start=1):
                key, certificate = _key_and_certificate(pki, file_name)
                der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL,
                                        serialization.NoEncryption())
                common = {Attribute.LABEL: label, Attribute.ID: bytes([number]), Attribute.TOKEN: True}
                session.create_object({**decode_rsa_private_key(der), **common, Attribute.PRIVATE: True,
                                       Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False})
                session.create_object({**decode_x509_certificate(certificate.public_bytes(
                    serialization.Encoding.DER)), **common})
            [root] = load_certs_from_pemder_data((pki / "trust-roots.pem").read_bytes())
            session.create_object({**decode_x509_certificate(root.dump()), Attribute.LABEL: "root",
                                   Attribute.TOKEN: True})
        yield SOFTHSM_MODULE


def test_pkcs11_token_signs_for_the_organisation_and_the_person(config, softhsm, roots, pdf):
    config(SIGNING_KEY_STORE="pkcs11", SIGNING_PKCS11_MODULE=softhsm, SIGNING_PKCS11_TOKEN=TOKEN,
           SIGNING_PKCS11_PIN=PIN)
    signer = keys.signer_for(ORGANISATION[1])
    assert isinstance(signer, stores._TokenSigner) and signer.label == ORGANISATION[1]
    status = _sign_and_validate(pdf, signer, roots)
    assert status.intact and status.trusted and status.valid and status.signer == f"(TEST) {ORGANISATION[0]}"
    status = _sign_and_validate(pdf, keys.personal_signer_for(PERSON[1]), roots)
    assert status.valid and status.signer == f"(TEST) {PERSON[0]}"
    assert keys.signer_for(ORGANISATION[1]) is signer  # kept, not looked up again
    assert keys.is_remote(PERSON[1]) is False


def test_pkcs11_signs_from_several_threads_at_once(config, softhsm, roots, pdf, app):
    """Sessions never overlap (one login per token and process): concurrent signatures all succeed."""
    config(SIGNING_KEY_STORE="pkcs11", SIGNING_PKCS11_MODULE=softhsm, SIGNING_PKCS11_TOKEN=TOKEN,
           SIGNING_PKCS11_PIN=PIN)
    signer = keys.signer_for(ORGANISATION[1])
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda _: _sign_and_validate(pdf, signer, roots), range(6)))
    assert [s.valid for s in statuses] == [True] * 6


def test_pkcs11_unknown_label_is_none_wrong_pin_or_token_a_clear_error(config, softhsm):
    config(SIGNING_KEY_STORE="pkcs11", SIGNING_PKCS11_MODULE=softhsm, SIGNING_PKCS11_TOKEN=TOKEN,
           SIGNING_PKCS11_PIN=PIN)
    assert keys.signer_for("cd-khong-co") is None and keys.personal_signer_for("khong-co") is None
    config(SIGNING_PKCS11_PIN="0000")
    with pytest.raises(keys.KeyStoreError, match="refused the PIN"):
        keys.signer_for(ORGANISATION[1])
    config(SIGNING_PKCS11_PIN=PIN, SIGNING_PKCS11_TOKEN="khong-co-token")
    with pytest.raises(keys.KeyStoreError, match="SIGNING_PKCS11_TOKEN"):
        keys.signer_for(ORGANISATION[1])
    config(SIGNING_PKCS11_MODULE="/khong/co/module.so")
    with pytest.raises(keys.KeyStoreError, match="SIGNING_PKCS11_MODULE"):
        keys.signer_for(ORGANISATION[1])


# ---- CSC: a remote signing service -----------------------------------------------------------------------------

class _Service:
    """certomancer-csc-dummy serving demo_pki's keys and certificates (credentials `union/<code>` and
    `union/people/<username>`), in a thread of its own on a free port of 127.0.0.1. `confirm` stands for the signer's
    phone: while it is False, `credentials/authorize` waits (as the real service does until the signer confirms)."""

    def __init__(self, pki: Path, folder: Path, names=(ORGANISATION[1], f"people/{PERSON[1]}"),
                 passphrase: str = PASSPHRASE):
        from aiohttp import web
        from certomancer.registry import CertomancerConfig
        from csc_dummy.csc_dummy_server import CSCWithCertomancer

        for name in names:
            key, certificate = _key_and_certificate(pki, name, passphrase)
            flat = name.replace("/", "-")
            (folder / f"{flat}.key.pem").write_bytes(key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
            (folder / f"{flat}.cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        shutil.copy(pki / "trust-roots.pem", folder / "root.cert.pem")
        shutil.copy(pki / "demo-root-key.pem", folder / "root.key.pem")
        certs = {"root": {"subject": "root", "issuer": "root", "certificate-file": "root.cert.pem",
                          "validity": {"valid-from": "2000-01-01T00:00:00+0000",
                                       "valid-to": "2500-01-01T00:00:00+0000"}}}
        keyset = {"root": {"path": "root.key.pem", "password": passphrase}}
        entities = {"root": {"common-name": "root"}}
        for name in names:
            flat = name.replace("/", "-")
            keyset[flat] = {"path": f"{flat}.key.pem"}
            entities[flat] = {"common-name": flat}
            certs[name] = {"subject": flat, "subject-key": flat, "issuer": "root", "authority-key": "root",
                           "certificate-file": f"{flat}.cert.pem",
                           "validity": {"valid-from": "2000-01-01T00:00:00+0000",
                                        "valid-to": "2500-01-01T00:00:00+0000"}}
        config = CertomancerConfig({"keysets": {"union": {"keys": keyset}},
                                    "pki-architectures": {"union": {"keyset": "union", "entities": entities,
                                                                    "certs": certs}}},
                                   key_search_dir=str(folder), config_search_dir=str(folder))
        with warnings.catch_warnings():  # the dummy keys its aiohttp app with strings, which aiohttp now warns of
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            service = self.service = CSCWithCertomancer(config)
        self.confirm = True
        self.waiting = 0
        self._phone: asyncio.Event | None = None
        authorize = service.credentials_authorize

        async def credentials_authorize(request):
            if not self.confirm:
                self.waiting += 1
                await self._phone.wait()  # set when the fixture ends: nothing else confirms
            return await authorize(request)

        service.credentials_authorize = credentials_authorize
        service.register_routes()
        self.loop = asyncio.new_event_loop()
        self.runner = web.AppRunner(service.app, shutdown_timeout=1)
        ready = threading.Event()

        def serve():
            asyncio.set_event_loop(self.loop)
            self._phone = asyncio.Event()
            self.loop.run_until_complete(self.runner.setup())
            site = web.TCPSite(self.runner, "127.0.0.1", 0)  # port 0: the system picks a free one
            self.loop.run_until_complete(site.start())
            self.port = self.runner.addresses[0][1]
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        if not ready.wait(timeout=10):  # bounded readiness wait
            raise RuntimeError("the CSC test service did not start")
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.loop.call_soon_threadsafe(self._phone.set)
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture(scope="module")
def csc_service(pki, tmp_path_factory):
    service = _Service(pki, tmp_path_factory.mktemp("csc"))
    yield service
    service.stop()


@pytest.fixture
def csc(config, csc_service):
    csc_service.confirm = True
    config(SIGNING_KEY_STORE="csc", SIGNING_CSC_URL=csc_service.url, SIGNING_CSC_TOKEN="test-token",
           SIGNING_CSC_CREDENTIAL_ID="union/{name}", SIGNING_CSC_TIMEOUT=30.0)
    return csc_service


def test_csc_service_signs_for_the_organisation_and_the_person(csc, roots, pdf):
    signer = keys.signer_for(ORGANISATION[1])
    assert isinstance(signer, stores._RemoteSigner)
    assert signer.session_info.credential_id == f"union/{ORGANISATION[1]}"
    status = _sign_and_validate(pdf, signer, roots)
    assert status.intact and status.trusted and status.valid and status.signer == f"(TEST) {ORGANISATION[0]}"
    status = _sign_and_validate(pdf, keys.personal_signer_for(PERSON[1]), roots)
    assert status.valid and status.signer == f"(TEST) {PERSON[0]}"


def test_csc_says_signing_is_remote_and_unknown_credentials_are_none(csc):
    assert keys.is_remote() is True
    assert keys.is_remote(PERSON[1]) is True and keys.is_remote(organisation_code=ORGANISATION[1]) is True
    assert keys.is_remote("khong-co") is False  # no credential: they sign by their step alone, nothing to wait for
    assert keys.signer_for("cd-khong-co") is None and keys.personal_signer_for("khong-co") is None


def test_csc_signature_never_confirmed_times_out(csc, config, pdf):
    config(SIGNING_CSC_TIMEOUT=0.5)
    signer = keys.signer_for(ORGANISATION[1])
    csc.confirm = False
    started = time.monotonic()
    with pytest.raises(stores.SignatureNotConfirmed, match="SIGNING_CSC_TIMEOUT"):
        pades.sign(pdf, signer, field_name="ChuKyCoQuan", reason="Phát hành văn bản", location="Bình Phước")
    assert 0.4 < time.monotonic() - started < 10
    assert csc.waiting >= 1  # the request did reach the service, which was waiting for the phone
    assert keys.SignatureNotConfirmed is stores.SignatureNotConfirmed


def test_csc_unreachable_service_is_a_clear_error(config):
    config(SIGNING_KEY_STORE="csc", SIGNING_CSC_URL="http://127.0.0.1:9", SIGNING_CSC_CREDENTIAL_ID="union/{name}")
    with pytest.raises(keys.KeyStoreError, match="SIGNING_CSC_URL"):
        keys.signer_for(ORGANISATION[1])
