"""The images a signed document shows (NĐ 30/2020 Phụ lục I: the signer's signature image, the organisation's
seal over about a third of it on the left): PNG files in SIGNING_IMAGE_DIR (default SIGNING_KEY_DIR/images),
`people/<username>.png` and `<organisation code>-seal.png`. Kept beside the keys, not in the database: whoever
holds a seal image can print it."""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from .keys import key_dir


def image_dir() -> Path | None:
    configured = current_app.config.get("SIGNING_IMAGE_DIR")
    if configured:
        return Path(configured)
    folder = key_dir()
    return folder / "images" if folder else None


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def signature_images(username: str, organisation_code: str) -> tuple[bytes | None, bytes | None]:
    """(the person's signature, the organisation's seal), each None where there is none."""
    folder = image_dir()
    if folder is None:
        return None, None
    return _read(folder / "people" / f"{username}.png"), _read(folder / f"{organisation_code}-seal.png")
