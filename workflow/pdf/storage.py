"""Content-addressed storage of issued documents (and, later, attachments): one file per SHA-256."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app, g, has_app_context


def _root() -> Path:
    return Path(current_app.config["STORAGE_DIR"]) / "objects"


def path_for(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return _root() / sha256[:2] / sha256


def store(data: bytes) -> str:
    """Write the bytes once (atomically) and return their SHA-256."""
    sha256 = hashlib.sha256(data).hexdigest()
    target = path_for(sha256)
    if target.exists():
        return sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
        tmp.write(data)
        tmp.flush()
        os.fsync(tmp.fileno())
    os.replace(tmp.name, target)
    _new_files().append(sha256)
    return sha256


def store_file(source) -> tuple[str, int]:
    """Store what an open binary file holds, from its start, copied in chunks (a bundle need not sit in memory):
    (its SHA-256, its size)."""
    source.seek(0)
    digest, size = hashlib.sha256(), 0
    root = _root()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=root, delete=False) as tmp:
        try:
            while chunk := source.read(1024 * 1024):
                digest.update(chunk)
                tmp.write(chunk)
                size += len(chunk)
            tmp.flush()
            os.fsync(tmp.fileno())
        except BaseException:
            os.unlink(tmp.name)
            raise
    sha256 = digest.hexdigest()
    target = path_for(sha256)
    if target.exists():
        os.unlink(tmp.name)
        return sha256, size
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp.name, target)
    _new_files().append(sha256)
    return sha256, size


def _new_files() -> list[str]:
    if not has_app_context():
        return []
    if "new_files" not in g:
        g.new_files = []
    return g.new_files


def discard_new_files() -> None:
    """Remove what this unit of work stored: its rows were rolled back, so nothing refers to them."""
    for sha256 in _new_files():
        remove(sha256)
    forget_new_files()


def forget_new_files() -> None:
    _new_files().clear()


def read(sha256: str) -> bytes:
    return path_for(sha256).read_bytes()


def all_stored() -> set[str]:
    root = _root()
    if not root.exists():
        return set()
    return {p.name for p in root.glob("??/*") if p.is_file() and len(p.name) == 64}


def remove(sha256: str) -> None:
    path_for(sha256).unlink(missing_ok=True)
