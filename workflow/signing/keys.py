"""Where an organisation's signing key lives, behind one interface: `signer_for(organisation code)` gives a pyHanko
signer or None (the organisation does not sign electronically yet: its documents are issued unsigned, as before).

This store reads PKCS#12 files, one per organisation, named by its code (`<code>.p12`) in SIGNING_KEY_DIR, opened
with SIGNING_KEY_PASSPHRASE from the environment: nothing secret in the database. Tokens (PKCS#11) and remote
signing services (CSC) are other stores behind the same function."""
from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.sign import signers

_cache: dict[tuple[str, float], signers.SimpleSigner] = {}  # loading a PKCS#12 costs ~40 ms (its key derivation)
_lock = threading.Lock()


def key_dir() -> Path | None:
    folder = current_app.config.get("SIGNING_KEY_DIR")
    return Path(folder) if folder else None


def signer_for(organisation_code: str) -> signers.SimpleSigner | None:
    """The organisation's key (its văn thư signs with it when a document is issued)."""
    folder = key_dir()
    return _pkcs12(folder / f"{organisation_code}.p12") if folder else None


def personal_signer_for(username: str) -> signers.SimpleSigner | None:
    """A person's own key (the head or deputy who signs a document), or None: they sign by their step alone."""
    folder = key_dir()
    return _pkcs12(folder / "people" / f"{username}.p12") if folder else None


def _pkcs12(path: Path) -> signers.SimpleSigner | None:
    if not path.is_file():
        return None
    key = (str(path), path.stat().st_mtime)
    with _lock:
        if key not in _cache:
            passphrase = current_app.config.get("SIGNING_KEY_PASSPHRASE", "").encode() or None
            signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=passphrase)
            if signer is None:  # pyHanko answers None (and logs) for a wrong passphrase
                raise RuntimeError(f"The signing key {path} cannot be opened: check SIGNING_KEY_PASSPHRASE.")
            _cache[key] = signer
        return _cache[key]


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

