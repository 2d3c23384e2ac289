"""PAdES signatures on a PDF and their validation, with pyHanko (measured in /tmp/sigproto on this machine:
~46 ms a signature with the space reserved, ~28 ms to validate two).

- The subfilter is set to ETSI.CAdES.detached: pyHanko's default is adbe.pkcs7.detached, which is not PAdES.
- Each signature is an incremental update, so a later one (the organisation's after the signer's) keeps the
  earlier valid.
- Validation always gets the trust roots the system publishes: pyHanko's fallback to the OS list is deprecated, and
  Vietnamese roots are in no OS list anyway. `intact and trusted` is the verdict (`valid` alone stays True when a
  byte of the document changed)."""
from __future__ import annotations

import asyncio
import io
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

RESERVED_BYTES = 16_384  # room for the CMS blob: skips pyHanko's dry run (halves the signing time)

logging.getLogger("pyhanko.sign.diff_analysis").setLevel(logging.ERROR)  # logs a traceback per illegal update


def _run(make_coroutine):
    """pyHanko is asynchronous at heart; its synchronous wrappers call asyncio.run(), which fails in a thread whose
    event loop already runs (an async server, Playwright's sync API in the tests). Run there in a thread of its
    own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def sign(pdf: bytes, signer: signers.Signer, *, field_name: str, reason: str, location: str,
         timestamper=None) -> bytes:
    """The PDF with one more signature (invisible: the seal and the signature are drawn by the document): PAdES
    B-T when a timestamper (a TSA's RFC 3161 time) is given, B-B otherwise."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    metadata = signers.PdfSignatureMetadata(field_name=field_name, subfilter=SigSeedSubFilter.PADES,
                                            md_algorithm="sha256", reason=reason, location=location)
    pdf_signer = signers.PdfSigner(metadata, signer=signer, timestamper=timestamper,
                                   new_field_spec=SigFieldSpec(sig_field_name=field_name))
    return _run(lambda: pdf_signer.async_sign_pdf(writer, bytes_reserved=RESERVED_BYTES)).getvalue()


# The signature fields the system writes (pdf/issue.py), and who each stands for.
ROLES = {"ChuKyNguoiKy": "signer", "ChuKyCoQuan": "organisation"}


@dataclass(frozen=True)
class SignatureStatus:
    field: str
    signer: str  # the certificate's common name
    signed_at: datetime | None
    intact: bool  # the signed bytes are unchanged
    trusted: bool  # the certificate chains to a root the system trusts
    valid: bool  # intact, trusted, and whatever was added after it is allowed

    def as_json(self) -> dict:
        return {"field": self.field, "role": ROLES.get(self.field, "other"), "signer": self.signer,
                "signed_at": self.signed_at.isoformat() if self.signed_at else None,
                "intact": self.intact, "trusted": self.trusted, "valid": self.valid}


def validate(pdf: bytes, trust_roots: list) -> list[SignatureStatus]:
    """Each signature of the file, in signing order; [] for a file without any, or one that is no PDF."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:  # noqa: BLE001 — any unreadable file simply carries no signature we can vouch for
        return []
    statuses = []
    for signature in embedded:
        context = ValidationContext(trust_roots=trust_roots, allow_fetching=False, revocation_mode="soft-fail")
        try:
            status = _run(lambda: async_validate_pdf_signature(signature, context))  # noqa: B023 — run at once
        except Exception:  # noqa: BLE001 — a malformed signature is an invalid one
            statuses.append(SignatureStatus(signature.field_name, "", None, False, False, False))
            continue
        statuses.append(SignatureStatus(
            field=signature.field_name, signer=status.signing_cert.subject.native.get("common_name", ""),
            signed_at=status.signer_reported_dt, intact=status.intact, trusted=status.trusted,
            valid=bool(status.bottom_line)))
    return statuses
