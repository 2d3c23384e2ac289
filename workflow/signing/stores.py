"""Where signing keys live: three stores behind one interface (`KeyStore.signer(name)`), chosen by
SIGNING_KEY_STORE and reached only through keys.py.

A key is named `<organisation code>` for an organisation and `people/<username>` for a person, in every store:
- `pkcs12` (the default): `SIGNING_KEY_DIR/<name>.p12`, opened with SIGNING_KEY_PASSPHRASE.
- `pkcs11`: a token or HSM (SIGNING_PKCS11_MODULE, SIGNING_PKCS11_TOKEN, SIGNING_PKCS11_PIN); the certificate and
  the private key both carry the name as their PKCS#11 label (CKA_LABEL).
- `csc`: a remote signing service speaking the Cloud Signature Consortium API (Viettel MySign, VNPT SmartCA's CSC
  gateway...), SIGNING_CSC_URL with the bearer token SIGNING_CSC_TOKEN; the credential of a name is
  SIGNING_CSC_CREDENTIAL_ID with `{name}` replaced (default: the name itself). Its signer confirms each signature on
  their phone, so a signature may wait up to SIGNING_CSC_TIMEOUT seconds, then fails with SignatureNotConfirmed.

`signer(name)` answers a pyHanko Signer, or None when the store holds no key of that name (the document is issued
unsigned, as before); a store that cannot be opened (wrong passphrase or PIN, no such token, the service refusing
the token) raises KeyStoreError, a RuntimeError."""
from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiohttp
from asn1crypto import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.csc_signer import (
    CSCAuthorizationManager,
    CSCServiceSessionInfo,
    CSCSigner,
    fetch_certs_in_csc_credential,
)
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

CACHE_SECONDS = 300  # a token's or a service's answer (a key, or none) is kept this long: keys come and go rarely


class KeyStoreError(RuntimeError):
    """The store cannot be opened or refuses to sign (wrong passphrase or PIN, no such token, a refused token)."""


class SignatureNotConfirmed(Exception):
    """The remote signer did not confirm the signature (on their phone) within SIGNING_CSC_TIMEOUT seconds."""


def _run(make_coroutine):
    """Run a coroutine to its end from synchronous code, in a thread of its own when this one runs an event loop
    (as pades._run does)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


class KeyStore:
    """One place keys live. `remote` stores make the signer wait for a confirmation away from the request."""
    remote = False

    def signer(self, name: str) -> signers.Signer | None:
        raise NotImplementedError


class _Cached:
    """name -> (signer or None) for CACHE_SECONDS: a lookup in a token or at a service is not free."""

    def __init__(self):
        self._entries: dict[str, tuple[float, signers.Signer | None]] = {}
        self._lock = threading.Lock()

    def get(self, name: str, load):
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(name)
            if entry and entry[0] > now:
                return entry[1]
        signer = load(name)  # outside the lock: a slow service does not hold up every other name
        with self._lock:
            self._entries[name] = (now + CACHE_SECONDS, signer)
        return signer


# ---- PKCS#12 files ---------------------------------------------------------------------------------------------

class ParsedKeySigner(signers.SimpleSigner):
    """A SimpleSigner (a PKCS#12 key) that parses its private key once: pyHanko's parses it for every signature,
    and cryptography's RSA key check takes ~35 ms of a ~75 ms signature here (stack notes §5); an issued document
    carries two. The other mechanisms (PSS) take pyHanko's own path."""

    _private_key = None

    @classmethod
    def of(cls, signer: signers.Signer) -> signers.Signer:
        if type(signer) is not signers.SimpleSigner:  # a token or a signing service: as it is
            return signer
        kept = cls.__new__(cls)
        kept.__dict__.update(signer.__dict__)
        kept._private_key = serialization.load_der_private_key(signer.signing_key.dump(), password=None)
        return kept

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        try:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        except ValueError:  # as pyHanko's sign_raw: a mechanism asn1crypto cannot name
            return super().sign_raw(data, digest_algorithm)
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._private_key, RSAPrivateKey):
            return self._private_key.sign(data, PKCS1v15(), hash_algorithm)
        if mechanism == "ecdsa" and isinstance(self._private_key, EllipticCurvePrivateKey):
            return self._private_key.sign(data, ECDSA(hash_algorithm))
        return super().sign_raw(data, digest_algorithm)



class PKCS12Store(KeyStore):
    """`<folder>/<name>.p12`. A loaded key is kept until its file changes (loading costs ~40 ms of key
    derivation); SimpleSigner holds the key in memory, so one signer serves every thread."""

    def __init__(self, folder: Path | None, passphrase: str):
        self.folder, self.passphrase = folder, passphrase
        self._cache: dict[tuple[str, float], signers.SimpleSigner] = {}
        self._lock = threading.Lock()

    def signer(self, name: str) -> signers.SimpleSigner | None:
        if self.folder is None:
            return None
        path = self.folder / f"{name}.p12"
        if not path.resolve().is_relative_to(self.folder.resolve()) or not path.is_file():
            return None
        key = (str(path), path.stat().st_mtime)
        with self._lock:
            if key not in self._cache:
                signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=self.passphrase.encode() or None)
                if signer is None:  # pyHanko answers None (and logs) for a wrong passphrase
                    raise KeyStoreError(f"The signing key {path} cannot be opened: check SIGNING_KEY_PASSPHRASE.")
                self._cache = {k: v for k, v in self._cache.items() if k[0] != key[0]}  # forget the older file
                self._cache[key] = ParsedKeySigner.of(signer)
            return self._cache[key]


# ---- PKCS#11 token / HSM ---------------------------------------------------------------------------------------

_token_locks: dict[tuple[str, str], threading.Lock] = {}
_token_locks_lock = threading.Lock()


class PKCS11Store(KeyStore):
    """A token or HSM through its PKCS#11 module, with pyHanko's PKCS11Signer (python-pkcs11).

    Sessions: one per signature, opened, logged in and closed around it, under one lock per token for the whole
    process (python-pkcs11 loads a module once per process). A PKCS#11 login belongs to the application, not the
    session: a second session logging in while another is open fails (CKR_USER_ALREADY_LOGGED_IN) and closing one
    logs out all, so sessions must not overlap. A session kept open for the process's life would go stale when the
    token is unplugged or the HSM restarts; opening one costs milliseconds (SoftHSM: ~6 ms), small beside rendering
    the document. Signatures on one token are thus serialised, which tokens do anyway. The signing itself runs in a
    worker thread, never blocking an event loop.

    The certificate labelled `<name>` is read once (kept CACHE_SECONDS), with the CA certificates on the token as
    its chain; the private key labelled `<name>` is found again in each session."""

    def __init__(self, module: str, token: str, pin: str):
        if not module:
            raise KeyStoreError("SIGNING_KEY_STORE=pkcs11 needs SIGNING_PKCS11_MODULE (the token's PKCS#11 .so).")
        self.module, self.token, self.pin = module, token, pin
        with _token_locks_lock:  # one lock per token, shared by every store on it (another PIN is another store)
            self.lock = _token_locks.setdefault((module, token), threading.Lock())
        self._cached = _Cached()

    def open_session(self):
        """A logged-in session on the token (the caller holds `lock` and closes it)."""
        from pkcs11 import exceptions as p11_errors
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import open_pkcs11_session
        if not Path(self.module).is_file():
            raise KeyStoreError(f"The PKCS#11 module {self.module} does not exist: check SIGNING_PKCS11_MODULE.")
        try:
            return open_pkcs11_session(self.module, token_criteria=TokenCriteria(label=self.token or None),
                                       user_pin=self.pin or None)
        except p11_errors.PinIncorrect as error:
            raise KeyStoreError(f"The token {self.token!r} refused the PIN: check SIGNING_PKCS11_PIN.") from error
        except p11_errors.PinLocked as error:
            raise KeyStoreError(f"The token {self.token!r} is locked (too many wrong PINs).") from error
        except p11_errors.PKCS11Error as error:
            raise KeyStoreError(f"The token {self.token!r} cannot be opened: {error or type(error).__name__}. "
                                "Check SIGNING_PKCS11_TOKEN.") from error

    def signer(self, name: str) -> signers.Signer | None:
        return self._cached.get(name, self._load)

    def _load(self, name: str) -> signers.Signer | None:
        from pkcs11 import Attribute, ObjectClass
        with self.lock:
            session = self.open_session()
            try:
                found = [x509.Certificate.load(obj[Attribute.VALUE]) for obj in session.get_objects(
                    {Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: name})]
                keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.LABEL: name}))
                on_token = [x509.Certificate.load(obj[Attribute.VALUE])
                            for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})]
                chain = [certificate for certificate in on_token if certificate.ca]
            finally:
                session.close()
        if not found and not keys:
            return None
        if len(found) != 1 or len(keys) != 1:
            raise KeyStoreError(f"The token {self.token!r} holds {len(found)} certificate(s) and {len(keys)} private "
                                f"key(s) labelled {name!r}: one of each is needed.")
        return _TokenSigner(self, name, found[0], chain)


class _TokenSigner(signers.Signer):
    """A key on a PKCS#11 token: each signature opens its own session (see PKCS11Store)."""

    def __init__(self, store: PKCS11Store, label: str, certificate: x509.Certificate, chain: list):
        super().__init__(signing_cert=certificate,
                         cert_registry=SimpleCertificateStore.from_certs([certificate, *chain]))
        self.store, self.label = store, label

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
        if dry_run:
            return bytes(512)
        return await asyncio.to_thread(self._sign_in_a_session, data, digest_algorithm)

    def _sign_in_a_session(self, data: bytes, digest_algorithm: str) -> bytes:
        from pyhanko.sign.pkcs11 import PKCS11Signer
        with self.store.lock:
            session = self.store.open_session()
            try:
                token_signer = PKCS11Signer(session, key_label=self.label, signing_cert=self.signing_cert,
                                            signature_mechanism=self.get_signature_mechanism_for_digest(
                                                digest_algorithm))
                return asyncio.run(token_signer.async_sign_raw(data, digest_algorithm))
            finally:
                session.close()


# ---- Remote signing service (Cloud Signature Consortium API) ---------------------------------------------------

class CSCStore(KeyStore):
    """A remote signing service speaking the CSC API (pyHanko's csc_signer): `credentials/info` gives a name's
    certificate chain (kept CACHE_SECONDS; a credential the service does not know, 400 or 404, means no key), each
    signature asks `credentials/authorize` for the document's hash (the service asks the signer to confirm on their
    phone and answers once they have), then `signatures/signHash`. The whole must end within `timeout` seconds, or
    SignatureNotConfirmed is raised.

    Each signature opens its own HTTP session inside the event loop that signs (an aiohttp session cannot cross
    loops, and pyHanko's synchronous calls start a loop per call), so one signer serves every thread.
    `api_version` only changes the URL path (`/csc/v1/...`); pyHanko sends CSC v1 request bodies."""
    remote = True

    def __init__(self, url: str, token: str, credential_id: str, timeout: float, api_version: str = "v1"):
        if not url:
            raise KeyStoreError("SIGNING_KEY_STORE=csc needs SIGNING_CSC_URL (the signing service).")
        self.url, self.token = url.rstrip("/"), token or None
        self.credential_id, self.timeout, self.api_version = credential_id or "{name}", timeout, api_version
        self._cached = _Cached()

    def session_info(self, name: str):
        return CSCServiceSessionInfo(service_url=self.url, credential_id=self.credential_id.format(name=name),
                                     oauth_token=self.token, api_ver=self.api_version)

    def signer(self, name: str) -> signers.Signer | None:
        return self._cached.get(name, self._load)

    def _load(self, name: str) -> signers.Signer | None:
        session_info = self.session_info(name)

        async def fetch():
            async with aiohttp.ClientSession() as session:
                return await fetch_certs_in_csc_credential(session, session_info, timeout=30)
        try:
            credential = _run(fetch)
        except SigningError as error:
            cause = error.__cause__
            if isinstance(cause, aiohttp.ClientResponseError) and cause.status in (400, 404):
                return None  # the service knows no such credential (CSC answers 400 invalid_request)
            raise KeyStoreError(f"The signing service {self.url} gave no certificate for "
                                f"{session_info.credential_id!r}: {cause or error}. Check SIGNING_CSC_URL and "
                                "SIGNING_CSC_TOKEN.") from error
        return _RemoteSigner(self, session_info, credential)


class _RemoteSigner(signers.Signer):
    """A credential at a CSC service; each signature waits for the signer's confirmation (see CSCStore)."""

    def __init__(self, store: CSCStore, session_info, credential):
        super().__init__(signing_cert=credential.signing_cert, cert_registry=credential.as_cert_store())
        self.store, self.session_info, self.credential = store, session_info, credential

    def get_signature_mechanism_for_digest(self, digest_algorithm):
        mechanism = super().get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism["algorithm"].native not in self.credential.supported_mechanisms:
            raise SigningError(f"The signing service does not offer {mechanism['algorithm'].native} for this key.")
        return mechanism

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
        if dry_run:
            return bytes(512)
        timeout = self.store.timeout
        async with aiohttp.ClientSession() as session:
            remote = CSCSigner(session, _ConfirmedOnThePhone(self.session_info, self.credential, session, timeout),
                               sign_timeout=max(1, int(timeout)))
            try:
                return await asyncio.wait_for(remote.async_sign_raw(data, digest_algorithm), timeout)
            except TimeoutError as error:
                raise SignatureNotConfirmed(
                    f"{self.session_info.credential_id}: the signature was not confirmed within {timeout:g} s "
                    "(SIGNING_CSC_TIMEOUT).") from error


class _ConfirmedOnThePhone(CSCAuthorizationManager):
    """`credentials/authorize` for exactly the hashes about to be signed (SCAL 2); the service answers with the
    signature activation data once the signer confirms, or the request times out (SignatureNotConfirmed)."""

    def __init__(self, session_info, credential, http, timeout: float):
        super().__init__(session_info, credential)
        self.http, self.timeout = http, timeout

    async def authorize_signature(self, hash_b64s: list[str]):
        request = self.format_csc_auth_request(hash_b64s=hash_b64s, description="Ký văn bản (Hồ sơ Công đoàn)")
        try:
            async with self.http.post(self.csc_session_info.endpoint_url("credentials/authorize"),
                                      headers=self.auth_headers, json=request, raise_for_status=True,
                                      timeout=aiohttp.ClientTimeout(total=self.timeout)) as response:
                answer = await response.json()
        except TimeoutError as error:
            raise SignatureNotConfirmed(f"{self.csc_session_info.credential_id}: the signature was not confirmed "
                                        f"within {self.timeout:g} s (SIGNING_CSC_TIMEOUT).") from error
        except aiohttp.ClientError as error:
            raise SigningError(f"The signing service refused to authorise the signature: {error}") from error
        return self.parse_csc_auth_response(answer)
