"""The organisation's signature on an attachment sent as a file of its own (NĐ 30/2020, Phụ lục I, II.8.b): the
văn thư signs it with the organisation's key; the signature is shown at the top right of page 1, with no image, as
the text "<number and notation of the document it is attached to>; <signing time, ISO 8601, Vietnam time>" in
Times New Roman (here Liberation Serif 2, its metric twin) 10 pt, upright, black:

    03/TTr-CĐX; 2026-12-02T10:15:30+07:00

How it is drawn. pyHanko's own text stamp embeds a TrueType font through HarfBuzz (an extra binary dependency), and
writes the font's advances as if it had 1000 units per em: Liberation has 2048, so the letters spread twice as wide
(stack notes §5). Here the line is typed once per ZIP by WeasyPrint (as the bundle's page stamps are: bundle._Type),
and each signature's appearance is a form showing those glyph codes with that subset of Liberation Serif, its
advances as WeasyPrint wrote them: the Vietnamese letters of a number ("LĐLĐ") come out as WeasyPrint sets them. The
form is the signature field's appearance (the field's rectangle is where the text is), so the text is the signature
as a PDF reader shows it, and the page's own content is left untouched.

The signature is an incremental update (PAdES, as pades.py signs): the stored file's bytes are the signed file's
first bytes, and a signature the attachment already carried stays valid. The time shown is the signing time the
signature carries (pyHanko's /M and the CMS signingTime), to the second."""
from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import ResourceType
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.stamp.base import BaseStamp, BaseStampStyle
from pypdf import PdfReader

from ..clock import ZONE
from ..signing import pades
from .bundle import MM, _numbers, _pages_data, _rotated, _Type

FIELD_NAME = "ChuKyCoQuan"  # the organisation's signature, as on the documents it issues (pdf/issue.py)
STAMP_SIZE = 10.0  # pt: Times New Roman 10 pt (NĐ 30)
STAMP_RIGHT = 15 * MM  # the text ends on the right margin's line (as the bundle's page numbers do) ...
STAMP_TOP = 8 * MM  # ... its box this far below the top edge: in a 20 mm top margin, clear of the paper's edge
PADDING = 2.0  # around the text, inside the field's rectangle
BOX_HEIGHT = 14.0  # a 10 pt line: Liberation's ascent 0.891 em and descent 0.216 em, and the padding
BASELINE = 3.5  # above the box's bottom
_TIME_CHARACTERS = "0123456789-:T+; "


def stamp_text(number: str, when: datetime) -> str:
    """'05/TTr-LĐLĐ; 2026-12-02T10:15:30+07:00': the number, and the time in Vietnam's zone to the second."""
    return f"{number}; {when.astimezone(ZONE).replace(microsecond=0).isoformat()}"


def _plain(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in plain if not unicodedata.combining(ch))


@dataclass(frozen=True)
class _LineStyle(BaseStampStyle):
    """A stamp showing one line of glyph codes in a font taken from another PDF (pyHanko's own styles set text
    with their own font engines)."""

    font: generic.PdfObject | None = None  # the font dictionary, in the type's PDF (imported into each file)
    codes: str = ""  # the glyph codes, hex
    rotation: int = 0  # the page's /Rotate: the line is turned with it, so that it reads upright
    border_width: int = 0
    background_opacity: float = 1.0

    def create_stamp(self, writer, box, text_params) -> _LineStamp:
        return _LineStamp(writer, self, box)


class _LineStamp(BaseStamp):
    def _render_inner_content(self):
        style: _LineStyle = self.style
        font = self.writer.import_object(style.font)
        self.set_resource(ResourceType.FONT, generic.NameObject("/F1"), font)
        width, height = self.box.width, self.box.height
        matrix = _rotated(style.rotation, 0, 0, width, height)[0]
        return [(f"{_numbers(matrix)} cm BT /F1 {STAMP_SIZE:g} Tf 0 g 0 Tr "
                 f"{_numbers((PADDING, BASELINE))} Td <{style.codes}> Tj ET").encode()]


class _AtTime(signers.PdfSigner):
    """A PdfSigner whose signing time is given (pyHanko takes the clock's when the session starts): the time the
    appearance shows is then the one the signature carries."""

    def __init__(self, *args, signing_time: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._signing_time
        return session


def _free_field_name(reader: PdfFileReader) -> str:
    """ChuKyCoQuan, or ChuKyCoQuan2 ... if a field of that name exists (an attachment that is itself a document
    an organisation issued)."""
    taken = {name for name, _, _ in fields.enumerate_sig_fields(reader)}
    name, index = FIELD_NAME, 1
    while name in taken:
        index += 1
        name = f"{FIELD_NAME}{index}"
    return name


class AttachmentSigner:
    """Signs the attachments of one document (a batch's Tờ trình) with its organisation's key: made once per ZIP
    (one WeasyPrint render for the type), then `sign(pdf)` for each file."""

    def __init__(self, signer: signers.Signer, number: str, *, location: str = "", reason: str | None = None):
        self.signer = signer
        self.number = unicodedata.normalize("NFC", number)
        self.location = location
        self.reason = reason or f"Tệp đính kèm văn bản số {self.number}"
        self._type: tuple[_Type, generic.PdfObject] | None = None

    def _typeset(self, text: str) -> tuple[_Type, generic.PdfObject, str]:
        """(the type, its font in the type's PDF for pyHanko, the text it can set: the number with its diacritics
        when the shipped font has them, as it has for Vietnamese)."""
        if self._type is None:
            line = self.number + _TIME_CHARACTERS
            data = _pages_data(line, [])
            type_ = _Type.from_page(PdfReader(io.BytesIO(data)).pages[0], line)
            if type_ is None:
                raise RuntimeError("the attachment stamp's type was not found in the rendered line")
            reader = PdfFileReader(io.BytesIO(data))
            page, _ = reader.find_page_for_modification(0)
            fonts = page.get_object()["/Resources"]["/Font"]
            font = next(fonts.raw_get(name) for name in fonts
                        if fonts[name]["/BaseFont"] == type_.font["/BaseFont"])
            self._type = (type_, font)
        type_, font = self._type
        return type_, font, text if type_.covers(text) else _plain(text)

    def sign(self, pdf: bytes, when: datetime | None = None) -> bytes:
        """The PDF signed by the organisation (an incremental update), the text at the top right of page 1."""
        when = (when or datetime.now(ZONE)).astimezone(ZONE).replace(microsecond=0)
        type_, font, text = self._typeset(stamp_text(self.number, when))
        codes, text_width = type_.set(text)
        page = PdfReader(io.BytesIO(pdf)).pages[0]
        (a, b, c, d, e, f), sheet_width, sheet_height = _rotated(page.rotation % 360, *_box(page))
        # the box as the sheet is shown (upright), then in the page's own coordinates
        right = sheet_width - STAMP_RIGHT + PADDING
        left = max(0.0, right - text_width - 2 * PADDING)
        top = sheet_height - STAMP_TOP
        corners = [(a * u + c * v + e, b * u + d * v + f) for u in (left, right) for v in (top - BOX_HEIGHT, top)]
        xs, ys = [x for x, _ in corners], [y for _, y in corners]
        rect = (min(xs), min(ys), max(xs), max(ys))

        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        field_name = _free_field_name(writer.prev)
        metadata = signers.PdfSignatureMetadata(field_name=field_name, subfilter=SigSeedSubFilter.PADES,
                                                md_algorithm="sha256", reason=self.reason, location=self.location)
        style = _LineStyle(font=font, codes=codes, rotation=page.rotation % 360)
        pdf_signer = _AtTime(metadata, signer=self.signer, stamp_style=style, signing_time=when,
                             new_field_spec=SigFieldSpec(sig_field_name=field_name, on_page=0, box=rect))
        return pades._run(lambda: pdf_signer.async_sign_pdf(writer, bytes_reserved=pades.RESERVED_BYTES)).getvalue()


def _box(page) -> tuple[float, float, float, float]:
    box = page.cropbox
    return tuple(float(v) for v in (box.left, box.bottom, box.right, box.top))
