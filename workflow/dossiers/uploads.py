"""What an uploaded file really is: a PDF that parses or a JPEG/PNG that decodes, judged by its content,
never by its name or declared type; and a name that is safe to show and to put in a ZIP."""
from __future__ import annotations

import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from flask_babel import gettext
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from ..errors import Invalid

EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
MAX_IMAGE_PIXELS = 60_000_000  # a 60-megapixel scan is plenty; more is a decompression bomb


@dataclass
class Inspected:
    content_type: str
    page_count: int


def inspect(data: bytes) -> Inspected:
    if data.startswith(b"%PDF-"):
        try:
            reader = PdfReader(io.BytesIO(data), strict=True)
            pages = len(reader.pages)
            if pages == 0:
                raise PdfReadError("no pages")
        except Exception as exc:  # pypdf raises many kinds of errors on broken files
            raise Invalid(gettext("Tệp PDF bị hỏng."),
                          {"file": [gettext("Tệp PDF bị hỏng hoặc không đọc được.")]}) from exc
        return Inspected("application/pdf", pages)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only the decoders of accepted formats ever see the bytes (a phone's multi-picture JPEG opens as JPEG).
            with Image.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as probe:
                kind = probe.format
                if probe.width * probe.height > MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                probe.verify()
            with Image.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as image:
                image.load()  # decode every pixel: a truncated image fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise Invalid(gettext("Tệp không hợp lệ."), {"file": [
            gettext("Chỉ nhận tệp PDF, JPEG hoặc PNG còn nguyên vẹn (kiểm tra theo nội dung tệp, không theo "
                    "tên).")]}) from exc
    return Inspected("image/png" if kind == "PNG" else "image/jpeg", 1)


def safe_filename(name: str | None, content_type: str) -> str:
    """Keep the letters people typed (Vietnamese included), drop any path, control or odd character,
    and end with the extension of what the file really is."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = "".join(ch for ch in stem if ch.isalnum() or ch in " -_()")
    stem = re.sub(r"\s+", " ", stem).strip(" ._-")[:100] or "tep-dinh-kem"
    return stem + EXTENSIONS[content_type]
