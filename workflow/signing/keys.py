"""Where signing keys live, behind one front door: `signer_for(organisation code)` and `personal_signer_for(username)`
give a pyHanko signer, or None (no key: the document is issued unsigned, as before).

SIGNING_KEY_STORE picks the store (workflow/signing/stores.py), each reading its settings from the environment,
nothing secret in the database:
- `pkcs12` (default): PKCS#12 files, `<code>.p12` and `people/<username>.p12` in SIGNING_KEY_DIR, opened with
  SIGNING_KEY_PASSPHRASE;
- `pkcs11`: a token or HSM (SIGNING_PKCS11_MODULE, SIGNING_PKCS11_TOKEN, SIGNING_PKCS11_PIN), the certificate and
  key labelled `<code>` or `people/<username>`;
- `csc`: a remote signing service (Cloud Signature Consortium API: SIGNING_CSC_URL, SIGNING_CSC_TOKEN,
  SIGNING_CSC_CREDENTIAL_ID, SIGNING_CSC_TIMEOUT), where the signer confirms on their phone: `is_remote()` tells
  the signing step to answer at once (202) and sign in the background; a confirmation that never comes raises
  SignatureNotConfirmed after SIGNING_CSC_TIMEOUT seconds.
A store that cannot be opened (wrong passphrase or PIN, unknown token, refused service token) raises KeyStoreError
(a RuntimeError)."""
from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.sign import signers

from .stores import CSCStore, KeyStore, KeyStoreError, PKCS11Store, PKCS12Store, SignatureNotConfirmed

__all__ = ["KeyStoreError", "SignatureNotConfirmed", "is_remote", "key_dir", "personal_signer_for", "signer_for",
           "store", "trust_roots", "trust_roots_path"]

KINDS = ("pkcs12", "pkcs11", "csc")
_stores: dict[tuple, KeyStore] = {}  # one per configuration: each keeps the keys it loaded (see stores.py)
_lock = threading.Lock()


def key_dir() -> Path | None:
    folder = current_app.config.get("SIGNING_KEY_DIR")
    return Path(folder) if folder else None


def store() -> KeyStore:
    """The store SIGNING_KEY_STORE names, with the current settings (a changed setting gives a fresh store)."""
    config = current_app.config
    kind = (config.get("SIGNING_KEY_STORE") or "pkcs12").lower()
    if kind == "pkcs12":
        settings = (kind, key_dir(), config.get("SIGNING_KEY_PASSPHRASE", ""))
    elif kind == "pkcs11":
        settings = (kind, config.get("SIGNING_PKCS11_MODULE", ""), config.get("SIGNING_PKCS11_TOKEN", ""),
                    config.get("SIGNING_PKCS11_PIN", ""))
    elif kind == "csc":
        settings = (kind, config.get("SIGNING_CSC_URL", ""), config.get("SIGNING_CSC_TOKEN", ""),
                    config.get("SIGNING_CSC_CREDENTIAL_ID", "{name}"), float(config.get("SIGNING_CSC_TIMEOUT", 300)),
                    config.get("SIGNING_CSC_API_VERSION", "v1"))
    else:
        raise KeyStoreError(f"SIGNING_KEY_STORE is {kind!r}: it must be one of {', '.join(KINDS)}.")
    with _lock:
        if settings not in _stores:
            _stores[settings] = {"pkcs12": PKCS12Store, "pkcs11": PKCS11Store, "csc": CSCStore}[kind](*settings[1:])
        return _stores[settings]


def signer_for(organisation_code: str) -> signers.Signer | None:
    """The organisation's key (its văn thư signs with it when a document is issued)."""
    return store().signer(organisation_code)


def personal_signer_for(username: str) -> signers.Signer | None:
    """A person's own key (the head or deputy who signs a document), or None: they sign by their step alone."""
    return store().signer(f"people/{username}")


def is_remote(username: str | None = None, *, organisation_code: str | None = None) -> bool:
    """Whether signing waits for a confirmation outside the request (a remote service: the signer confirms on their
    phone), so the signing step should answer 202 and finish in the background. Without arguments: whether the
    configured store is remote; with a username (or an organisation code): whether that key is there."""
    current = store()
    if not current.remote:
        return False
    if organisation_code is not None:
        return signer_for(organisation_code) is not None
    if username is not None:
        return personal_signer_for(username) is not None
    return True


def trust_roots_path() -> Path | None:
    configured = current_app.config.get("SIGNING_TRUST_ROOTS")
    if configured:
        return Path(configured)
    folder = key_dir()
    return folder / "trust-roots.pem" if folder else None


def trust_roots() -> list:
    """The roots the system validates signatures against, as published at /verify/trust-roots.pem."""
    path = trust_roots_path()
    if path is None or not path.is_file():
        return []
    return list(load_certs_from_pemder_data(path.read_bytes()))
