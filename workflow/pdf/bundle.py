"""A bundle of stored files as one PDF and as one ZIP (what goes in is the caller's: batches/contents.py).

The PDF is what a federation files: the head part (a batch's Tờ trình with its landscape list), a table of
contents, then each section's parts (documents and attachments, each image on an A4 page of its own with a
caption), the sections numbered alike in the table, in the bookmarks and in the ZIP ("1", "2", "3", "3.1" ...).
Every sheet carries the bundle's page number at its bottom right ("Trang 12/637"), the number the table of
contents gives. It is merged from the stored PDFs by qpdf (pikepdf: their pages copied into a new PDF, with their
forms' fields, not their bookmarks), never re-rendered: the stored files stay as they are (the stamps, the captions
and the table of contents are drawn on the bundle's copies only, each sheet's own content wrapped in q ... Q).
What is copied is held in memory until written, so a large bundle is made in pieces written to temporary files and
joined by qpdf, which reads them as it writes (see PIECE_BYTES); a hundred dossiers' bundle is one piece.

What is drawn, and how it stays cheap (WeasyPrint lays a page out in about 3 ms, so one stamp page per sheet
would cost 2 s for a 640-page bundle):
- the table of contents: one WeasyPrint render, its rows cut into pages beforehand from the fonts' widths, so
  that its length, and with it every page number it prints, is known before it is rendered;
- one more WeasyPrint render: the images' captions, one A4 page each, and a line of type (the stamps'
  characters, unkerned, without ligatures). Each stamp is then set from that line's embedded font: its glyph
  codes (ToUnicode) and advances (/W), one text object per sheet added to the sheet's content, so it is read
  back as text ("Trang 12/637") and looks as WeasyPrint sets it;
- the images are placed by img2pdf (JPEG kept as it is) and drawn on their caption page inside the binding
  margins (left 30 mm, right 15 mm, top and bottom 20 mm).
The two WeasyPrint renders are most of a bundle's time (bench/bundle.py, 100 dossiers: 2.2 s of 2.7, the table of
contents' 23 pages 1.65 s); the rest, the pages copied with their stamps, images and bookmarks, takes about twice
what merging the stored PDFs alone takes (0.55 s against 0.26 s).
The ZIP holds the stored files byte for byte and manifest.json with the path and SHA-256 of each; when the sending
organisation has a key, its attachments signed by it (attachment_signature.py), each image as a one-page PDF.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import io
import json
import logging
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath

import img2pdf
import pikepdf
from markupsafe import Markup, escape
from PIL import Image

from .. import storage
from . import images
from .render import FONT_DIR, html_to_pdf, render_document_html

logger = logging.getLogger(__name__)

MM = 72 / 25.4
APP_NAME = "Hồ sơ Công đoàn"


@dataclass
class Part:
    title: str
    sha256: str
    content_type: str
    pages: int
    zip_name: str
    label: str = ""  # an image's caption: the attachment's type ...
    filename: str = ""  # ... and the file's name as it was uploaded
    attachment: bool = False  # a paper of the dossier (uploaded), not a document the system issued


@dataclass
class Section:
    title: str
    folder: str  # an ASCII slug; the ZIP prefixes it with the section's number
    parts: list[Part] = field(default_factory=list)


@dataclass
class Contents:
    """What a bundle holds: the head part, the sections (the outcome, if any, last), and what its table of
    contents, its metadata and its manifest say of it."""

    head: Part
    sections: list[Section]
    toc: dict  # for documents/bundle_toc.html: number, issuer_name, date_line, built_at
    manifest: dict  # the manifest's heading
    label: str = ""  # "Bộ hồ sơ kèm Tờ trình số 02/TTr-LĐLĐ": the PDF's title, and on every sheet
    author: str = ""  # the sending organisation
    subject: str = ""  # what the batch asks for


def ascii_slug(text: str, limit: int = 60) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")[:limit] or "tep"


FIRST_SECTION = 3  # 1 the head part, 2 the table of contents


def section_number(index: int) -> int:
    """The number (STT) of the index-th section (from 0), as the table of contents, the bookmarks and the ZIP
    give it."""
    return FIRST_SECTION + index


# --- the table of contents ----------------------------------------------------------------------------------

# Its layout, in bundle_toc.html's <style>: A4 portrait, margins 20/15/20/30 mm; 12 pt text on 14 pt lines;
# columns STT 14 mm, the title (the rest), pages 26 mm; cells padded 1.5 pt 3 pt, 0.5 pt rules.
TOC_CONTENT_HEIGHT = (297 - 40) * MM
TOC_TITLE_WIDTH = (165 - 14 - 26) * MM - 6 - 4  # the cell's padding, and a margin for the estimate
TOC_LINE = 14.0
TOC_ROW_EXTRA = 3.5  # padding and rule
TOC_HEADING = 120.0  # the title, its rule and the note above the table, on the first page (generous)
TOC_FILL = 0.96


@functools.lru_cache(maxsize=4)
def _advances(font_file: str) -> tuple[dict[int, float], float]:
    """Advance widths of a shipped font in em, by code point."""
    from fontTools.ttLib import TTFont

    with TTFont(FONT_DIR / font_file) as font:
        em = font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        return {code: metrics[glyph][0] / em for code, glyph in font.getBestCmap().items()}, 0.6


def _text_lines(text: str, size: float, width: float, bold: bool) -> int:
    """Lines a cell of `width` points takes for `text`, broken at spaces (and inside a word too long for a
    line), measured without kerning: an estimate that is never short of Pango's, which kerns and may also
    break after a hyphen."""
    advances, missing = _advances("LiberationSerif-Bold.ttf" if bold else "LiberationSerif-Regular.ttf")

    def measure(word):
        return sum(advances.get(ord(ch), missing) for ch in word) * size

    space = measure(" ")
    lines, used = 1, 0.0
    for word in text.split():
        w = measure(word)
        if used and used + space + w <= width:
            used += space + w
            continue
        if used:
            lines += 1
        while w > width:
            lines += 1
            w -= width
        used = w
    return lines


@dataclass
class _Row:
    number: str
    title: str
    first: int = 0
    last: int = 0
    section: bool = False

    @property
    def pages(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}–{self.last}"

    @property
    def title_html(self) -> Markup:
        """The title with each document number kept on one line ("02/TTr-CĐCS", never "02/" then the rest): a
        word joiner after its slash (invisible, and not read back as text; a nowrap span around each number
        made the table a third slower to lay out)."""
        return Markup(_NUMBER.sub(lambda m: m[0].replace("/", "/\u2060"), str(escape(self.title))))


_NUMBER = re.compile(r"\d+/\S+")


def _chunks(rows: list[_Row]) -> list[list[_Row]]:
    """The rows cut into pages (one table each, its heading repeated), from their estimated heights."""
    chunks, current, room = [], [], TOC_CONTENT_HEIGHT - TOC_HEADING
    used = TOC_LINE + TOC_ROW_EXTRA  # the column headings
    for row in rows:
        height = _text_lines(row.title, 12, TOC_TITLE_WIDTH, row.section) * TOC_LINE + TOC_ROW_EXTRA
        if current and used + height > room * TOC_FILL:
            chunks.append(current)
            current, room, used = [], TOC_CONTENT_HEIGHT, TOC_LINE + TOC_ROW_EXTRA
        current.append(row)
        used += height
    chunks.append(current)
    return chunks


# --- the layout of the rows and the sheets --------------------------------------------------------------------

@dataclass
class _Plan:
    rows: list[_Row]  # the table of contents
    head: _Row
    toc: _Row
    sections: list[tuple[_Row, list[_Row]]]
    total: int


def _plan(contents: Contents, part_pages: dict[int, int], toc_pages: int) -> _Plan:
    head = _Row("1", contents.head.title, 1, part_pages.get(id(contents.head), contents.head.pages), True)
    toc = _Row("2", "Mục lục", head.last + 1, head.last + toc_pages, True)
    page, sections, rows = toc.last + 1, [], [head, toc]
    for index, section in enumerate(contents.sections):
        number = section_number(index)
        parts = []
        for position, part in enumerate(section.parts, start=1):
            pages = part_pages.get(id(part), part.pages) if part.content_type == "application/pdf" else 1
            parts.append(_Row(f"{number}.{position}", part.title, page, page + pages - 1))
            page += pages
        row = _Row(str(number), section.title, parts[0].first if parts else page, page - 1, True)
        sections.append((row, parts))
        rows += [row, *parts]
    return _Plan(rows, head, toc, sections, page - 1)


def _toc_pdf(contents: Contents, plan: _Plan, chunks: list[list[_Row]]) -> pikepdf.Pdf:
    html = render_document_html("documents/bundle_toc.html", {
        **contents.toc, "chunks": chunks, "total": plan.total})
    return pikepdf.Pdf.open(io.BytesIO(html_to_pdf(html).data))


# --- images -------------------------------------------------------------------------------------------------

IMAGE_LEFT, IMAGE_RIGHT, IMAGE_BOTTOM = 30 * MM, (210 - 15) * MM, 20 * MM
CAPTION_BAND = 17 * MM  # under the top margin: the caption's three lines at most, and a gap
IMAGE_TOP = (297 - 20) * MM - CAPTION_BAND


@dataclass
class _Held:
    """An object of another PDF, and that PDF, to be kept open until the object is copied from it (pikepdf copies a
    stream's data as it copies the stream)."""

    pdf: pikepdf.Pdf
    object: pikepdf.Object

    def get_object(self) -> pikepdf.Object:
        return self.object


@dataclass
class _Image:
    xobject: _Held  # the image XObject in img2pdf's PDF
    width: float  # as stored (before /Rotate)
    height: float
    rotation: int  # clockwise, from the photo's EXIF orientation


def _image(data: bytes) -> _Image:
    """The image as a PDF XObject (img2pdf keeps a JPEG's bytes and copies a PNG's compressed data). An image
    larger than A4 at 200 dpi (stored before uploads were brought to it) is brought to it first."""
    with Image.open(io.BytesIO(data)) as image:
        large = not images.fits(image.size)
    if large:
        data = images.fit_a4(data)[1]
    with Image.open(io.BytesIO(data)) as image:
        # img2pdf takes these as they are (a palette or 1-bit PNG too: its compressed data is copied, not
        # decoded, where the old code flattened a palette to RGB); an alpha channel it refuses: flattened.
        if image.mode not in ("RGB", "L", "CMYK", "P", "1") or "transparency" in image.info:
            flat = io.BytesIO()
            image.convert("RGB").save(flat, "PNG")
            data = flat.getvalue()

    def layout(width_px, height_px, _dpi):  # a page the image's shape (placed later): at most 1000 pt wide
        scale = 1000 / max(width_px, height_px)
        return width_px * scale, height_px * scale, width_px * scale, height_px * scale

    # A flipped EXIF orientation (a mirrored selfie) is not refused: the image is kept as stored.
    pdf = pikepdf.Pdf.open(io.BytesIO(img2pdf.convert(data, layout_fun=layout, rotation=img2pdf.Rotation.ifvalid)))
    page = pdf.pages[0]
    (xobject,) = page.resources.XObject.values()
    box = page.mediabox
    return _Image(_Held(pdf, xobject), float(box[2]) - float(box[0]), float(box[3]) - float(box[1]),
                  page.rotation % 360)


def _image_placement(image: _Image, top: float = IMAGE_TOP) -> tuple[float, ...]:
    """The matrix drawing the image (a unit square) upright, as large as fits in the box under the caption (or
    under `top`), centred across it and against its top."""
    turned = image.rotation in (90, 270)
    width, height = (image.height, image.width) if turned else (image.width, image.height)
    scale = min((IMAGE_RIGHT - IMAGE_LEFT) / width, (top - IMAGE_BOTTOM) / height)
    w, h = width * scale, height * scale
    x, y = IMAGE_LEFT + (IMAGE_RIGHT - IMAGE_LEFT - w) / 2, top - h
    return {0: (w, 0, 0, h, x, y), 90: (0, -h, w, 0, x, y + h),
            180: (-w, 0, 0, -h, x + w, y + h), 270: (0, h, -w, 0, x + w, y)}[image.rotation]


IMAGE_PAGE_TOP = (297 - 20) * MM  # an image on a page of its own: no caption, the top margin kept clear


def image_pdf(data: bytes, title: str = "") -> bytes:
    """An image on an A4 page of its own, upright inside the binding margins, as the bundle places it (img2pdf:
    a JPEG's bytes kept, a PNG's data copied): how an image attachment is sent as a file that can carry a
    signature (the top margin free for it)."""
    image = _image(data)
    placement = _image_placement(image, IMAGE_PAGE_TOP)
    with pikepdf.Pdf.new() as pdf:
        with image.xobject.pdf:
            xobject = pdf.copy_foreign(image.xobject.get_object())
        del image  # img2pdf's PDF: its data copied, not held while the file is written
        page = pdf.add_blank_page(page_size=(210 * MM, 297 * MM))
        _Canvas(pdf).draw(page, f"q {_numbers(placement)} cm /Image Do Q".encode(), "/XObject", "/Image", xobject)
        for key, value in ({"/Title": title, "/Creator": APP_NAME} if title else {"/Creator": APP_NAME}).items():
            pdf.docinfo[key] = pikepdf.String(value)
        out = io.BytesIO()
        pdf.save(out, **_AS_COPIED)  # a PNG's data as img2pdf copied it, not decoded and compressed again
    return out.getvalue()


# --- captions and the stamps' type ----------------------------------------------------------------------------

STAMP_SIZE = 10.0
STAMP_RIGHT = 15 * MM  # the text ends on the right margin's line ...
STAMP_BASELINE = 9 * MM  # ... in the bottom margin (20 mm on every stored page), clear of the paper's edge
_TYPE_CHARACTERS = "Trang 0123456789/"

_PAGES_HTML = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Bộ hồ sơ</title><style>
@page {{ size: A4; margin: 20mm 15mm 20mm 30mm; @top-center {{ content: none; }} }}
html {{ font-family: "Liberation Serif"; }}
body {{ margin: 0; }}
.type {{ font-size: {size}pt; font-kerning: none; font-variant-ligatures: none; white-space: pre;
         break-after: page; }}
.caption {{ height: {band}mm; max-height: {band}mm; overflow: hidden; break-after: page; }}
.caption p {{ margin: 0; text-indent: 0; text-align: left; overflow-wrap: anywhere; }}
.caption .label {{ font-size: 12pt; line-height: 14pt; font-weight: bold; }}
.caption .file {{ font-size: 11pt; line-height: 13pt; font-style: italic; }}
</style></head><body><div class="type">{type}</div>{captions}</body></html>"""


def _caption_html(number: str, part: Part) -> str:
    label = part.label or part.title
    name = part.filename if len(part.filename) <= 150 else part.filename[:147] + "…"
    return (f'<div class="caption"><p class="label">{escape(number)} {escape(label)}</p>'
            f'<p class="file">Tệp đính kèm: {escape(name)}</p></div>')


def _cmap(stream: bytes) -> dict[str, str]:
    """A ToUnicode CMap read back: character -> glyph code (hex), for single characters."""
    text, codes = stream.decode("latin-1"), {}

    def put(code: int, width: int, target: str):
        if len(target) == 1:
            codes.setdefault(target, f"{code:0{width}x}")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for source, target in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            put(int(source, 16), len(source), bytes.fromhex(target).decode("utf-16-be", "replace"))
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for low, high, target in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            start = int.from_bytes(bytes.fromhex(target), "big")
            for offset in range(int(high, 16) - int(low, 16) + 1):
                put(int(low, 16) + offset, len(low), chr(start + offset))
    return codes


def _resolved(value):
    """A value as an object: pypdf's indirect references resolved (pikepdf resolves them as it reads)."""
    return value if isinstance(value, pikepdf.Object) or not hasattr(value, "get_object") else value.get_object()


def _stream_data(stream) -> bytes:
    stream = _resolved(stream)
    return stream.read_bytes() if isinstance(stream, pikepdf.Object) else stream.get_data()


def _widths(font) -> tuple[dict[int, float], float]:
    descendant = _resolved(_resolved(font["/DescendantFonts"])[0])
    default, widths = float(descendant.get("/DW", 1000)), {}
    items = [_resolved(item) for item in _resolved(descendant.get("/W", []))]
    index = 0
    while index < len(items):
        first, second = int(items[index]), items[index + 1]
        if isinstance(second, list | pikepdf.Array):
            widths.update({first + i: float(_resolved(w)) for i, w in enumerate(second)})
            index += 2
        else:
            widths.update({code: float(items[index + 2]) for code in range(first, int(second) + 1)})
            index += 3
    return widths, default


@dataclass
class _Type:
    """A font embedded by WeasyPrint, set by hand: its glyph codes and advances, by character. Read from a page of
    pikepdf's (the bundle) or of pypdf's (attachment_signature.py); `font` is the font dictionary there."""

    font: object
    codes: dict[str, str]
    widths: dict[int, float]
    default: float

    @classmethod
    def from_page(cls, page, text: str) -> _Type | None:
        page = page.obj if isinstance(page, pikepdf.Page) else page
        fonts = _resolved(_resolved(page["/Resources"])["/Font"])
        best = None
        for key in list(fonts.keys()):
            font = _resolved(fonts[key])
            if font.get("/Subtype") != "/Type0" or "/ToUnicode" not in font:
                continue
            codes = _cmap(_stream_data(font["/ToUnicode"]))
            covered = sum(ch in codes for ch in set(text))
            if best is None or covered > best[0]:
                best = (covered, font, codes)
        if best is None or not set(_TYPE_CHARACTERS) <= set(best[2]):
            return None
        return cls(best[1], best[2], *_widths(best[1]))

    def covers(self, text: str) -> bool:
        return all(ch in self.codes for ch in text)

    def set(self, text: str) -> tuple[str, float]:
        """(the glyph codes in hex, the width in points at STAMP_SIZE)."""
        codes = [self.codes[ch] for ch in text]
        width = sum(self.widths.get(int(code, 16), self.default) for code in codes)
        return "".join(codes), width * STAMP_SIZE / 1000


def _pages_pdf(prefix: str, captions: list[tuple[str, Part]]) -> pikepdf.Pdf:
    return pikepdf.Pdf.open(io.BytesIO(_pages_data(prefix, captions)))


def _pages_data(prefix: str, captions: list[tuple[str, Part]]) -> bytes:
    """The line of type (its first page), then a page per caption."""
    html = _PAGES_HTML.format(size=STAMP_SIZE, band=CAPTION_BAND / MM - 3,
                              type=escape(prefix + _TYPE_CHARACTERS),
                              captions="".join(_caption_html(number, part) for number, part in captions))
    return html_to_pdf(html).data


# --- drawing on the bundle's pages ----------------------------------------------------------------------------

class _Canvas:
    """Adds content and resources to a PDF's pages without touching their own content: it is wrapped in q ... Q
    (its graphics state cannot leak into what is added) and the new content follows."""

    def __init__(self, pdf: pikepdf.Pdf):
        self.pdf = pdf
        self.push = pdf.make_stream(b"q\n")
        self._shared: dict[tuple, pikepdf.Dictionary] = {}

    @staticmethod
    def free_name(page: pikepdf.Page, category: str, stem: str) -> str:
        resources = page.obj.get("/Resources")
        taken = resources.get(category) if resources is not None else None
        name, index = f"/{stem}", 0
        while taken is not None and name in taken:
            index += 1
            name = f"/{stem}{index}"
        return name

    def draw(self, page: pikepdf.Page, ops: bytes, category: str, name: str, value: pikepdf.Object,
             share: bool = False) -> None:
        """Draw `ops` over the page, `value` in its resources as `name`. The page's resources are not changed in
        place (another page may hold them): it gets a copy with the new entry, shared by the pages that shared
        them when `share`."""
        resources = page.obj.get("/Resources")
        key = None
        if share and resources is not None and resources.is_indirect:
            key = (resources.objgen, category, name, value.objgen)
        new = self._shared.get(key) if key is not None else None
        if new is None:
            new = pikepdf.Dictionary(dict(resources.items()) if resources is not None else {})
            entries = resources.get(category) if resources is not None else None
            new_entries = pikepdf.Dictionary(dict(entries.items()) if entries is not None else {})
            new_entries[name] = value
            new[category] = new_entries
            if key is not None:
                new = self._shared[key] = self.pdf.make_indirect(new)
        page.obj.Resources = new
        page.contents_add(self.push, prepend=True)
        page.contents_add(self.pdf.make_stream(b"\nQ\n" + ops))


def _page_matrix(page: pikepdf.Page) -> tuple[tuple[float, ...], float, float]:
    """The matrix from an upright sheet, as it is shown (its crop box turned by /Rotate), to the page's own
    coordinates; and the sheet's width and height as shown."""
    return _rotated(int(page.rotation) % 360, *(float(v) for v in page.cropbox))


def _rotated(rotation: int, x0: float, y0: float, x1: float, y1: float) -> tuple[tuple[float, ...], float, float]:
    """The same for a box (x0, y0, x1, y1) shown turned clockwise by `rotation` (0, 90, 180 or 270) degrees."""
    if rotation == 90:
        return (0, 1, -1, 0, x1, y0), y1 - y0, x1 - x0
    if rotation == 180:
        return (-1, 0, 0, -1, x1, y1), x1 - x0, y1 - y0
    if rotation == 270:
        return (0, -1, 1, 0, x0, y1), y1 - y0, x1 - x0
    return (1, 0, 0, 1, x0, y0), x1 - x0, y1 - y0


def _numbers(values) -> str:
    return " ".join(f"{v:.4f}".rstrip("0").rstrip(".") for v in values)


def _stamp(canvas: _Canvas, type_: _Type, prefix: str, first: int = 1, total: int | None = None):
    """Number the canvas's sheets first, first + 1, ... of `total` (the bundle's: a piece may hold a part of it)."""
    pdf = canvas.pdf
    font = pdf.copy_foreign(type_.font)  # the type's PDF's font: the one its caption pages brought, if any
    total = total or len(pdf.pages)
    if not type_.covers(prefix):
        prefix = ""
    for number, page in enumerate(pdf.pages, start=first):
        codes, width = type_.set(f"{prefix}Trang {number}/{total}")
        matrix, sheet_width, _ = _page_matrix(page)
        name = canvas.free_name(page, "/Font", "BundleStamp")
        ops = (f"q {_numbers(matrix)} cm BT {name} {STAMP_SIZE:g} Tf 0 g 0 Tr "
               f"{_numbers((sheet_width - STAMP_RIGHT - width, STAMP_BASELINE))} Td <{codes}> Tj ET Q").encode()
        canvas.draw(page, ops, "/Font", name, font, share=True)


# --- the bundle -----------------------------------------------------------------------------------------------

def _stamp_prefix(contents: Contents) -> str:
    return f"{contents.label} – " if contents.label else ""


def build_bundle_pdf(contents: Contents, progress=None, out=None) -> bytes | None:
    """The bundle's PDF: written to `out` (a file: a large bundle need not sit in memory), or returned."""
    head, sections = contents.head, contents.sections
    part_pages: dict[int, int] = {}
    target = out if out is not None else io.BytesIO()
    for _ in range(3):  # a stored page count that is wrong is corrected, and the layout made again
        try:
            _build(contents, part_pages, progress, target)
            return target.getvalue() if out is None else None
        except _PagesDiffer as differ:
            part_pages[id(differ.part)] = differ.pages
            target.seek(0)
            target.truncate()
    raise RuntimeError(f"the page counts of the bundle of {head.title} do not settle ({len(sections)} sections)")


class _PagesDiffer(Exception):
    def __init__(self, part: Part, pages: int):
        self.part, self.pages = part, pages


# pikepdf copies a page from another PDF with its streams' data (it opens every PDF with qpdf's "immediate copy"): what
# is copied into the bundle is in memory until the bundle is written. So a bundle is made in pieces: the sheets copied
# into the bundle's PDF, up to PIECE_BYTES of the files they come from (small stored PDFs, read whole, and images),
# are written to a temporary file once there are more; a large stored PDF (over SMALL_FILE: a scan) is a piece of its
# own, stamped in its own PDF and written from its file, never whole in memory. The pieces are then joined by qpdf
# (pikepdf.Job, its --pages), which reads each stream from its piece as it writes it, and the bookmarks added. A bundle
# of small files (a hundred dossiers: 14 MB) is one piece, written once, straight to `out`.
PIECE_BYTES = 16 * 1024 * 1024
SMALL_FILE = 2 * 1024 * 1024
# Written as copied: nothing decoded, nothing recompressed (the stamps' few bytes stay as drawn).
_AS_COPIED = {"stream_decode_level": pikepdf.StreamDecodeLevel.none, "compress_streams": False,
              "fix_metadata_version": False}


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(number) for number in version.split(".") if number.isdigit())


class _Pieces:
    """The bundle's sheets, each stamped with its number in the bundle, copied by qpdf (pikepdf) into a new PDF, a
    piece at a time when there is much to hold."""

    def __init__(self, folder: str, type_: _Type, prefix: str, total: int):
        self.folder, self.type_, self.prefix, self.total = folder, type_, prefix, total
        self.files: list[str] = []  # the pieces written
        self.pages = 0  # sheets written in them
        self.version = "1.3"  # the highest of the sources', the bundle's
        self.signature_flags = 0  # the sources' forms' /SigFlags (signatures exist, append only), the bundle's
        self._new()

    def _new(self):
        self.pdf = pikepdf.Pdf.new()
        self.canvas = _Canvas(self.pdf)
        self.held = 0  # bytes of the files copied into the piece

    @property
    def count(self) -> int:
        """Sheets so far, in the bundle."""
        return self.pages + len(self.pdf.pages)

    def _room(self, size: int) -> None:
        if len(self.pdf.pages) and self.held + size > PIECE_BYTES:
            self.close_piece()

    def _note(self, source: pikepdf.Pdf) -> None:
        self.version = max(self.version, source.pdf_version, key=_version_key)
        self.signature_flags |= int((source.Root.get("/AcroForm") or {}).get("/SigFlags", 0))

    def add(self, source: pikepdf.Pdf) -> None:
        """Every sheet of `source`, copied (it may be closed after) with what its document holds for them (the fields
        of its form, as a signed document's signature field, a name made unique where two are alike; named
        destinations; layers), not its bookmarks."""
        self.pdf.add_pages_from(source, outlines="ignore")
        self._note(source)

    def add_pdf(self, sha256: str) -> None:
        size = storage.size(sha256)
        if size <= SMALL_FILE:  # read whole: qpdf reads the many small objects faster from memory
            self._room(size)
            with pikepdf.Pdf.open(io.BytesIO(storage.read(sha256))) as source:
                self.add(source)
            self.held += size
            return
        self.close_piece()  # a piece of its own, written from the stored file as it is read
        with storage.opened(sha256) as stored, pikepdf.Pdf.open(stored, access_mode=pikepdf.AccessMode.stream) as own:
            self._note(own)
            if "/Outlines" in own.Root:  # its bookmarks are not the bundle's
                del own.Root["/Outlines"]
            _stamp(_Canvas(own), self.type_, self.prefix, first=self.count + 1, total=self.total)
            self._write(own)

    def add_image_page(self, caption: pikepdf.Page, data: bytes) -> None:
        self._room(len(data))
        image = _image(data)
        with image.xobject.pdf:
            self.pdf.pages.append(caption)
            page = self.pdf.pages[-1]
            name = self.canvas.free_name(page, "/XObject", "BundleImage")
            self.canvas.draw(page, f"q {_numbers(_image_placement(image))} cm {name} Do Q".encode(),
                             "/XObject", name, self.pdf.copy_foreign(image.xobject.get_object()))
        self.held += len(data)

    def _write(self, piece: pikepdf.Pdf) -> None:
        path = os.path.join(self.folder, f"{len(self.files):05d}.pdf")
        piece.save(path, **_AS_COPIED)
        self.files.append(path)
        self.pages += len(piece.pages)

    def close_piece(self, last: bool = False) -> None:
        if not len(self.pdf.pages):
            return
        _stamp(self.canvas, self.type_, self.prefix, first=self.pages + 1, total=self.total)
        if last and not self.files:
            return  # the bundle in one piece: written from memory
        self._write(self.pdf)
        self.close()
        self._new()

    def write(self, contents: Contents, plan: _Plan, out) -> None:
        """The bundle, with its bookmarks and metadata, written to `out`: the one piece, or the pieces joined by qpdf
        (which reads each stream from its piece as it writes it), then opened to be given its bookmarks (and written
        again, each stream read from the joined file)."""
        if not self.files:
            _finish(self.pdf, contents, plan, out, self)
            return
        joined = self.files[0]
        if len(self.files) > 1:
            joined = os.path.join(self.folder, "joined.pdf")
            pikepdf.Job({"empty": "", "outputFile": joined, "pages": [{"file": path} for path in self.files],
                         "decodeLevel": "none", "compressStreams": "n"}).run()
        with pikepdf.Pdf.open(joined, access_mode=pikepdf.AccessMode.stream) as bundle:
            _finish(bundle, contents, plan, out, self)

    def close(self) -> None:
        self.pdf.close()


def _build(contents: Contents, part_pages: dict[int, int], progress, out) -> None:
    head, sections = contents.head, contents.sections
    rows = _plan(contents, part_pages, 1).rows
    chunks = _chunks(rows)
    toc_pages = len(chunks)
    with contextlib.ExitStack() as held:
        for _ in range(3):  # the cut is estimated on the safe side; should WeasyPrint need a page more, redo
            plan = _plan(contents, part_pages, toc_pages)
            toc = held.enter_context(_toc_pdf(contents, plan, _chunks_of(plan.rows, chunks)))
            if len(toc.pages) == toc_pages:
                break
            toc_pages = len(toc.pages)

        pictures = [(row.number, part) for (_, parts), section in zip(plan.sections, sections, strict=True)
                    for row, part in zip(parts, section.parts, strict=True) if part.content_type != "application/pdf"]
        prefix = _stamp_prefix(contents)
        pages = held.enter_context(_pages_pdf(prefix, pictures))
        type_ = _Type.from_page(pages.pages[0], prefix + _TYPE_CHARACTERS)
        if type_ is None:
            raise RuntimeError("the stamps' type was not found in the rendered line")
        captions = iter(pages.pages[1:])

        folder = held.enter_context(tempfile.TemporaryDirectory(prefix="bundle-"))
        pieces = _Pieces(folder, type_, prefix, plan.total)
        held.callback(pieces.close)
        pieces.add_pdf(head.sha256)
        if pieces.count != head.pages:
            raise _PagesDiffer(head, pieces.count)
        pieces.add(toc)
        for done, ((_, part_rows), section) in enumerate(zip(plan.sections, sections, strict=True), start=1):
            for part_row, part in zip(part_rows, section.parts, strict=True):
                if part.content_type == "application/pdf":
                    pieces.add_pdf(part.sha256)
                    if pieces.count != part_row.last:
                        raise _PagesDiffer(part, pieces.count - part_row.first + 1)
                else:
                    pieces.add_image_page(next(captions), storage.read(part.sha256))
            if progress:
                progress(done, len(sections))
        pieces.close_piece(last=True)
        pieces.write(contents, plan, out)


def _finish(bundle: pikepdf.Pdf, contents: Contents, plan: _Plan, out, pieces: _Pieces) -> None:
    """The bookmarks, numbered as the table of contents is, and the metadata; then the bundle written to `out`."""
    head, sections = contents.head, contents.sections
    form = bundle.Root.get("/AcroForm")
    if form is not None and pieces.signature_flags:  # the signed documents' fields: as their forms said
        form.SigFlags = pieces.signature_flags
    with bundle.open_outline() as outline:
        outline.root.append(pikepdf.OutlineItem(f"1. {head.title}", 0))
        outline.root.append(pikepdf.OutlineItem("2. Mục lục", plan.toc.first - 1))
        for (row, part_rows), section in zip(plan.sections, sections, strict=True):
            parent = pikepdf.OutlineItem(f"{row.number}. {section.title}", row.first - 1)
            parent.children.extend(pikepdf.OutlineItem(f"{part_row.number} {part.title}", part_row.first - 1)
                                   for part_row, part in zip(part_rows, section.parts, strict=True))
            outline.root.append(parent)
    bundle.Root.PageMode = pikepdf.Name.UseOutlines
    info = {"/Title": contents.label or head.title, "/Author": contents.author, "/Subject": contents.subject,
            "/Creator": APP_NAME, "/CreationDate": datetime.now(UTC).strftime("D:%Y%m%d%H%M%SZ")}
    for key, value in info.items():
        bundle.docinfo[pikepdf.Name(key)] = pikepdf.String(value)
    bundle.save(out, **_AS_COPIED, min_version=pieces.version)


def _chunks_of(rows: list[_Row], chunks: list[list[_Row]]) -> list[list[_Row]]:
    """The same cut of the table for rows given new page numbers."""
    result, index = [], 0
    for chunk in chunks:
        result.append(rows[index:index + len(chunk)])
        index += len(chunk)
    return result


def build_bundle_zip(contents: Contents, out=None, signer=None):
    """Write the ZIP to `out` (a file, so that a large batch need not sit in memory), or return its bytes.
    Its folders are numbered as the table of contents numbers the sections.

    With a `signer` (attachment_signature.AttachmentSigner: the sending organisation has a key), each attachment
    is sent as NĐ 30 sends an attachment in a file of its own: signed by the organisation, the number of the
    document it goes with and the signing time at the top right of page 1; an image as a one-page PDF (a JPEG or
    PNG file cannot carry a PAdES signature), named .pdf. The manifest then gives the signed file's sum, and the
    stored file's as `stored_sha256` (a signed PDF starts with the stored bytes: its signature is an incremental
    update). A file that cannot be signed (an encrypted PDF, say) is sent as stored, `"signed": false`.
    One file is in memory at a time."""
    head, sections = contents.head, contents.sections
    width = max(2, len(str(section_number(len(sections)))))
    files = [(f"{1:0{width}d}_{head.zip_name}", "1", head)]
    for index, section in enumerate(sections):
        number = section_number(index)
        folder = f"{number:0{width}d}_{section.folder}"
        files += [(f"{folder}/{part.zip_name}", f"{number}.{position}", part)
                  for position, part in enumerate(section.parts, start=1)]
    target = out if out is not None else io.BytesIO()
    manifest = {**contents.manifest, "files": []}
    signed_since = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # from S3 the next few files are fetched while one is compressed or signed (at most 4 more in memory)
        stored = storage.read_ahead((part.sha256 for _, _, part in files), window=4)
        for (path, number, part), data in zip(files, stored, strict=True):
            assert hashlib.sha256(data).hexdigest() == part.sha256, f"stored file {part.sha256} is damaged"
            entry = {"path": path, "number": number, "sha256": part.sha256, "size": len(data), "title": part.title}
            if signer is not None and part.attachment:
                data = _signed_attachment(signer, part, data, entry)
                signed_since += len(data)
            archive.writestr(entry["path"], data)
            manifest["files"].append(entry)
            del data
            if signed_since > PIECE_BYTES:  # pyHanko's objects refer to each other: collected, their memory returns
                gc.collect()
                signed_since = 0
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return target if out is not None else target.getvalue()


def _signed_attachment(signer, part: Part, data: bytes, entry: dict) -> bytes:
    """The attachment signed (its manifest entry updated), or as stored when it cannot be."""
    try:
        if part.content_type == "application/pdf":
            signed = signer.sign(data)
        else:
            signed = signer.sign(image_pdf(data, part.filename))
    except Exception:  # one odd file does not stop the batch's ZIP: it goes unsigned, and the manifest says so
        logger.warning("attachment %s (%s) could not be signed; sent as stored", entry["path"], part.sha256,
                       exc_info=True)
        entry["signed"] = False
        return data
    if part.content_type != "application/pdf":
        entry["path"] = str(PurePosixPath(entry["path"]).with_suffix(".pdf"))
        entry["stored_content_type"] = part.content_type
    entry.update(sha256=hashlib.sha256(signed).hexdigest(), size=len(signed), signed=True, stored_sha256=part.sha256)
    return signed
