"""What an uploaded file really is: a PDF that parses or a JPEG/PNG that decodes, judged by its content,
never by its name or declared type; and a name that is safe to show and to put in a ZIP."""
from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from flask import current_app, g, has_request_context
from flask_babel import gettext
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from ..errors import Invalid
from ..pdf import images

EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
MAX_IMAGE_PIXELS = 60_000_000  # a 60-megapixel photo is plenty; more is a decompression bomb
# What decoding an image may take in memory (Pillow holds 4 bytes a pixel for RGB and RGBA, 1 for grey or a
# palette). A JPEG is decoded already reduced (draft: 1/2, 1/4 or 1/8 of its size): it never nears this. A PNG is
# decoded whole: a colour or 16-bit PNG is taken up to 24 megapixels (A4 at 400 dpi is 15.5), a grey one up to the cap.
MAX_DECODED_BYTES = 96 * 1024 * 1024
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1}  # every other mode: 4 (16-bit grey is decoded as 32-bit)


@dataclass
class Inspected:
    content_type: str
    page_count: int
    data: bytes = b""  # what is stored: the upload as it came, or the image downscaled and re-encoded
    normalised: bool = False


def _refused() -> Invalid:
    return Invalid(gettext("Tệp không hợp lệ."), {"file": [
        gettext("Chỉ nhận tệp PDF, JPEG hoặc PNG còn nguyên vẹn (kiểm tra theo nội dung tệp, không theo tên).")]})


def _too_many_pixels(width: int, height: int) -> Invalid:
    return Invalid(gettext("Ảnh quá lớn."), {"file": [gettext(
        "Ảnh %(width)s × %(height)s điểm ảnh quá lớn để xử lý; hãy quét hoặc chụp ở độ phân giải thấp hơn (200–300 "
        "dpi là đủ cho một trang A4).", width=width, height=height)]})


def inspect(data: bytes) -> Inspected:
    """What the upload is, and what is stored of it. A PDF is stored as it came. An image is decoded (a truncated
    or broken one is refused) within bounded memory, and one larger than A4 at 200 dpi is downscaled to it, turned
    upright by its EXIF orientation and stored re-encoded without its metadata (a phone's location included)."""
    if data.startswith(b"%PDF-"):
        try:
            reader = PdfReader(io.BytesIO(data), strict=True)
            pages = len(reader.pages)
            if pages == 0:
                raise PdfReadError("no pages")
        except Exception as exc:  # pypdf raises many kinds of errors on broken files
            raise Invalid(gettext("Tệp PDF bị hỏng."),
                          {"file": [gettext("Tệp PDF bị hỏng hoặc không đọc được.")]}) from exc
        return Inspected("application/pdf", pages, data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only the decoders of accepted formats ever see the bytes (a phone's multi-picture JPEG opens as JPEG).
            with Image.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as probe:
                kind, size, mode = probe.format, probe.size, probe.mode
                if size[0] * size[1] > MAX_IMAGE_PIXELS:
                    raise _too_many_pixels(*size)
                if kind == "PNG" and size[0] * size[1] * _BYTES_PER_PIXEL.get(mode, 4) > MAX_DECODED_BYTES:
                    raise _too_many_pixels(*size)
                probe.verify()
            content_type = "image/png" if kind == "PNG" else "image/jpeg"
            if images.fits(size):
                with Image.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as image:
                    image.load()  # decode every pixel: a truncated image fails here
                return Inspected(content_type, 1, data)
            content_type, data = images.fit_a4(data)  # decoding every pixel too
            return Inspected(content_type, 1, data, normalised=True)
    except Invalid:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise _refused() from exc


def prepare(data: bytes) -> None:
    """Inspect an upload before the unit of work that adds it (on SQLite a writer's, holding the database's write
    lock): a large image is downscaled with no lock held. Remembered for the request; what is refused is said by
    the operation, in its order (who may add a file comes first)."""
    if not has_request_context() or not data or len(data) > current_app.config["MAX_ATTACHMENT_BYTES"]:
        return
    try:
        found = inspect(data)
    except Invalid:
        return
    g.setdefault("inspected_uploads", {})[hashlib.sha256(data).digest()] = found


def inspected(data: bytes) -> Inspected:
    """inspect(data), or what prepare found for the same bytes in this request."""
    if has_request_context() and "inspected_uploads" in g:
        found = g.inspected_uploads.get(hashlib.sha256(data).digest())
        if found is not None:
            return found
    return inspect(data)


def safe_filename(name: str | None, content_type: str) -> str:
    """Keep the letters people typed (Vietnamese included), drop any path, control or odd character,
    and end with the extension of what the file really is."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = "".join(ch for ch in stem if ch.isalnum() or ch in " -_()")
    stem = re.sub(r"\s+", " ", stem).strip(" ._-")[:100] or "tep-dinh-kem"
    return stem + EXTENSIONS[content_type]
