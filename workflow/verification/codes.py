"""Verification codes: ten characters of Crockford's base32 (no I, L, O, U: nothing to misread on paper), grouped
"7KQ2M-X9D4P"; 50 bits from `secrets`, so a code names a document without being guessable from its number."""
from __future__ import annotations

import io
import re
import secrets

import segno
from markupsafe import Markup

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def normalise(text: str) -> str | None:
    """A code as typed (lower case, without the hyphen, O for 0) in its canonical form, or None."""
    if not isinstance(text, str) or len(text) > 20:
        return None
    plain = re.sub(r"[\s-]", "", text).upper().translate(_READ_AS)
    code = f"{plain[:5]}-{plain[5:]}" if len(plain) == 10 else plain
    return code if CODE.match(code) else None


def qr_svg(url: str, size_mm: float = 18) -> Markup:
    """The address as an inline SVG QR code (WeasyPrint draws it as vectors; nothing is fetched)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", xmldecl=False, svgns=True, nl=False, border=1,
                                    omitsize=True)
    svg = out.getvalue().decode("utf-8").replace("<svg ", f'<svg width="{size_mm}mm" height="{size_mm}mm" ', 1)
    return Markup(svg)
