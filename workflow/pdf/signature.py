"""The signing block and the "Nơi nhận" of a document, as its issuing organisation signs (NĐ 30/2020 Phụ lục I
II.7.b and ô 9b): "TM." for a collective body, then the head's title; or "KT." a deputy for the head, "Q." an
acting head, "TL."/"TUQ." someone by order or by authorisation, with that person's title; then the signer's name
below the space for the signature and the seal."""
from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_

AUTHORITIES = {  # code -> label (a msgid)
    "": N_("Người đứng đầu ký"),
    "KT.": N_("KT. – cấp phó ký thay người đứng đầu"),
    "Q.": N_("Q. – quyền người đứng đầu ký"),
    "TL.": N_("TL. – ký thừa lệnh"),
    "TUQ.": N_("TUQ. – ký thừa ủy quyền"),
}


@dataclass(frozen=True)
class SigningBlock:
    lines: tuple[str, ...]  # upper case, bold: "TM. BAN THƯỜNG VỤ", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"
    name: str
    signature: str | None = None  # the signer's signature image (a data: URI) on a document they signed
    seal: str | None = None  # the organisation's seal image, over the left third of the signature


def signing_block(issuer: dict) -> SigningBlock:
    """`issuer` is a document's header (orgs.tree.Header as a dict)."""
    body, head = issuer["signing_body"].upper(), issuer["head_title"].upper()
    authority, title = issuer["signing_authority"], issuer["signer_title"].upper()
    if authority == "TL.":  # by order of the body, as the union prints it (or of the head where no body signs)
        return SigningBlock((f"TL. {body or head}", title), issuer["signer_name"])
    if authority == "TUQ.":  # by the head's authorisation (NĐ 30 Phụ lục I II.7.b: "TUQ. CHỦ TỊCH")
        return SigningBlock((f"TUQ. {head}", title), issuer["signer_name"])
    lines = [f"TM. {body}"] if body else []
    if authority == "KT.":
        lines += [f"KT. {head}", title]
    elif authority == "Q.":
        lines += [f"Q. {head}"]
    else:
        return SigningBlock((*lines, head), issuer["head_name"])
    return SigningBlock(tuple(lines), issuer["signer_name"])


def filed_line(issuer: dict) -> str:
    """The last line of "Nơi nhận": the copy kept by the records office (VT) and by the drafting unit."""
    unit = issuer["drafting_unit"].strip()
    return f"Lưu: VT, {unit}." if unit else "Lưu: VT."
