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

What is drawn, and how it stays cheap (WeasyPrint lays a page out in about 3 ms; it took 2.2 s of a hundred
dossiers' bundle's 2.7 to lay out its table of contents and captions):
- the table of contents and the images' captions (one A4 page each) are set here (typeset.py: the shipped Liberation
  Serif, lines broken from its widths, each face embedded once as a subset), so the table's length, and with it
  every page number it gives, is known before a page is drawn;
- each stamp is set in the same embedded face: its glyph codes and advances, one text object per sheet added to the
  sheet's content, so it is read back as text ("Trang 12/637");
- each image is drawn on its caption's page inside the binding margins (left 30 mm, right 15 mm, top and bottom
  20 mm): a JPEG's bytes as they are, a PNG's compressed data as img2pdf copies it.
bench/bundle.py measures it against merging the stored PDFs alone.
The ZIP holds the stored files byte for byte and manifest.json with the path and SHA-256 of each; when the sending
organisation has a key, its attachments signed by it (attachment_signature.py), each image as a one-page PDF.
"""
from __future__ import annotations

import contextlib
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
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath

import img2pdf
import pikepdf
from PIL import Image

from .. import storage
from . import images, typeset
from .typeset import MM

logger = logging.getLogger(__name__)

APP_NAME = "Hồ sơ Công đoàn"
# What the bundle draws (the table of contents, the images and their captions) is inside the documents' margins on
# A4 portrait: top and bottom 20 mm, 30 mm on the left for the binding, 15 mm on the right.
PAGE_LEFT, PAGE_RIGHT = 30 * MM, (210 - 15) * MM
PAGE_TOP, PAGE_BOTTOM = (297 - 20) * MM, 20 * MM


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
    toc: dict  # what the table of contents' heading says it goes with: number, issued_on, issuer_name
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

# A heading, then a ruled table, its column headings on every page: STT 14 mm, the title (the rest), pages 26 mm;
# 12 pt text on 14 pt lines, cells padded 1.5 pt 3 pt, 0.5 pt rules; a section's row in bold. Set here (typeset.py),
# its length, and with it every page number it gives, is known before a page is drawn.
TOC_COLUMNS = (PAGE_LEFT, PAGE_LEFT + 14 * MM, PAGE_RIGHT - 26 * MM, PAGE_RIGHT)  # the table's rules, across
TOC_SIZE, TOC_LINE = 12.0, 14.0
TOC_PADDING_X, TOC_PADDING_Y, TOC_RULE = 3.0, 1.5, 0.5
TOC_TITLE_WIDTH = TOC_COLUMNS[2] - TOC_COLUMNS[1] - 2 * TOC_PADDING_X


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
    def face(self) -> str:
        return typeset.BOLD if self.section else typeset.REGULAR


def _row_height(lines: int) -> float:
    return lines * TOC_LINE + 2 * TOC_PADDING_Y + TOC_RULE  # half of each rule, above and below, is the row's


@dataclass
class _Paragraph:
    """A heading's paragraph, centred between the margins less `inset` on each side."""

    face: str
    size: float
    line: float
    lines: list[str]
    inset: float = 0.0
    after: float = 0.0  # space below it
    rule: bool = False  # a short rule below it, in that space

    @classmethod
    def of(cls, face: str, size: float, line: float, text: str, inset: float = 0.0, after: float = 0.0,
           rule: bool = False) -> _Paragraph:
        width = PAGE_RIGHT - PAGE_LEFT - 2 * inset
        return cls(face, size, line, typeset.Face.named(face).lines(text, size, width), inset, after, rule)

    @property
    def height(self) -> float:
        return len(self.lines) * self.line + self.after


HEADING_RULE = (5.0, 0.75, 8.0, 0.25)  # under the title: the space above it, its thickness, the space below, its width


def _toc_heading(contents: Contents, total: int) -> list[_Paragraph]:
    """The title, what the bundle goes with (a short rule under it), and how its sheets are numbered."""
    toc = contents.toc
    issued = f"ngày {toc['issued_on']} " if toc.get("issued_on") else ""
    return [
        _Paragraph.of(typeset.BOLD, 14, 17, "MỤC LỤC BỘ HỒ SƠ"),
        _Paragraph.of(typeset.BOLD, 13, 16, f"Kèm theo Tờ trình số {toc['number']} {issued}của {toc['issuer_name']}",
                      inset=0.08 * (PAGE_RIGHT - PAGE_LEFT),  # narrower: the title stands out
                      after=sum(HEADING_RULE[:3]), rule=True),
        _Paragraph.of(typeset.ITALIC, 12, 14, f"Bộ hồ sơ gồm {total} trang, đánh số từ trang 1 đến trang {total} ở góc "
                      "dưới bên phải mỗi trang.", after=8)]


def _toc_titles(rows: list[_Row]) -> list[list[str]]:
    """Each row's title broken into the lines of its cell."""
    return [typeset.Face.named(row.face).lines(row.title, TOC_SIZE, TOC_TITLE_WIDTH) for row in rows]


def _toc_cut(heading: list[_Paragraph], titles: list[list[str]]) -> list[range]:
    """The rows on each page of the table: as many as fit under the column headings (and the heading, first)."""
    room = PAGE_TOP - PAGE_BOTTOM - _row_height(1)  # the column headings' row
    pages, first, used = [], 0, sum(paragraph.height for paragraph in heading)
    for index, lines in enumerate(titles):
        height = _row_height(len(lines))
        if index > first and used + height > room:
            pages.append(range(first, index))
            first, used = index, 0.0
        used += height
    pages.append(range(first, len(titles)))
    return pages


@dataclass
class _Toc:
    """The table of contents laid out: the plan its length is in, its heading, each row's title in lines, and the
    rows (their indexes) on each of its pages."""

    plan: _Plan
    heading: list[_Paragraph]
    titles: list[list[str]]
    pages: list[range]


def _toc_layout(contents: Contents, part_pages: dict[int, int]) -> _Toc:
    """The table of contents laid out, its length in the plan. A row's lines do not depend on its page numbers; the
    heading's may, on the total, and the total on the table's length: laid out again until it holds (once more, at
    most, in practice)."""
    plan = _plan(contents, part_pages, 1)
    titles = _toc_titles(plan.rows)
    for _ in range(5):
        heading = _toc_heading(contents, plan.total)
        pages = _toc_cut(heading, titles)
        if len(pages) == plan.toc.last - plan.toc.first + 1:
            return _Toc(plan, heading, titles, pages)
        plan = _plan(contents, part_pages, len(pages))
    raise RuntimeError("the table of contents' length does not settle")


def _toc_pages(type_: typeset.Type, toc: _Toc) -> None:
    """The table of contents' pages, added to the type's PDF."""
    for page_number, rows in enumerate(toc.pages):
        sheet = typeset.Sheet(type_)
        top = PAGE_TOP
        if page_number == 0:
            top = _draw_heading(sheet, toc.heading)
        bottom = _draw_row(sheet, top, "STT", ["Tài liệu"], "Trang", typeset.BOLD, centred=True)
        for index in rows:
            row = toc.plan.rows[index]
            bottom = _draw_row(sheet, bottom, row.number, toc.titles[index], row.pages, row.face)
        sheet.rule(TOC_COLUMNS[0], bottom, TOC_COLUMNS[-1], bottom, TOC_RULE)
        for x in TOC_COLUMNS:
            sheet.rule(x, top, x, bottom, TOC_RULE)
        sheet.add_page()


def _draw_heading(sheet: typeset.Sheet, heading: list[_Paragraph]) -> float:
    """The heading drawn from the top margin down; where it ends."""
    top = PAGE_TOP
    for paragraph in heading:
        offset = typeset.baseline_offset(paragraph.face, paragraph.size, paragraph.line)
        for line in paragraph.lines:
            sheet.text(paragraph.face, paragraph.size, PAGE_LEFT + paragraph.inset, top - offset, line, "center",
                       PAGE_RIGHT - PAGE_LEFT - 2 * paragraph.inset)
            top -= paragraph.line
        if paragraph.rule:
            above, thickness, _, width = HEADING_RULE
            middle, half, y = (PAGE_LEFT + PAGE_RIGHT) / 2, (PAGE_RIGHT - PAGE_LEFT) * width / 2, top - above
            sheet.rule(middle - half, y - thickness / 2, middle + half, y - thickness / 2, thickness)
        top -= paragraph.after
    return top


def _draw_row(sheet: typeset.Sheet, top: float, number: str, title: list[str], pages: str, face: str,
              centred: bool = False) -> float:
    """A row of the table, the rule above it, from `top` down; where it ends (the rule below is the next row's)."""
    left, title_left, pages_left, right = TOC_COLUMNS
    sheet.rule(left, top, right, top, TOC_RULE)
    baseline = top - TOC_RULE / 2 - TOC_PADDING_Y - typeset.baseline_offset(face, TOC_SIZE, TOC_LINE)
    padded = 2 * TOC_PADDING_X
    sheet.text(face, TOC_SIZE, left + TOC_PADDING_X, baseline, number, "center", title_left - left - padded)
    sheet.text(face, TOC_SIZE, pages_left + TOC_PADDING_X, baseline, pages, "center", right - pages_left - padded)
    for line in title:
        sheet.text(face, TOC_SIZE, title_left + TOC_PADDING_X, baseline, line, "center" if centred else "left",
                   pages_left - title_left - padded)
        baseline -= TOC_LINE
    return top - _row_height(len(title))


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


# --- images -------------------------------------------------------------------------------------------------

CAPTION_BAND = 17 * MM  # under the top margin: the caption's three lines at most, and a gap
IMAGE_TOP = PAGE_TOP - CAPTION_BAND


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
    xobject: _Held  # the image XObject, in a PDF of its own
    width: float  # as stored (before /Rotate)
    height: float
    rotation: int  # clockwise, from the photo's EXIF orientation


def _image(data: bytes) -> _Image:
    """The image as a PDF XObject: a JPEG's bytes kept (a photo, most images), a PNG's compressed data copied by
    img2pdf. An image larger than A4 at 200 dpi (stored before uploads were brought to it) is brought to it first."""
    with Image.open(io.BytesIO(data)) as image:
        large = not images.fits(image.size)
    if large:
        data = images.fit_a4(data)[1]
    with Image.open(io.BytesIO(data)) as image:
        if image.format == "JPEG" and image.mode in _JPEG_COLOURS:
            return _jpeg(data, image)
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


_JPEG_COLOURS = {"L": "/DeviceGray", "RGB": "/DeviceRGB", "CMYK": "/DeviceCMYK"}
_EXIF_TURNS = {3: 180, 6: 90, 8: 270}  # orientation -> clockwise degrees; a flipped one (a mirrored selfie) is kept
# as stored, as img2pdf's Rotation.ifvalid keeps it


def _jpeg(data: bytes, image: Image.Image) -> _Image:
    """A JPEG's bytes as an image XObject, as img2pdf makes it (its ICC profile, an Adobe CMYK JPEG's channels
    inverted), without the PDF img2pdf writes around it, to be read back: a tenth of img2pdf's time (0.04 s of a
    hundred dossiers' bundle)."""
    pdf = pikepdf.Pdf.new()
    colours = pikepdf.Name(_JPEG_COLOURS[image.mode])
    profile = image.info.get("icc_profile")
    if profile:
        colours = pikepdf.Array([pikepdf.Name.ICCBased, typeset.flate_stream(
            pdf, zlib.compress(profile), N=len(image.mode), Alternate=colours)])
    xobject = pikepdf.Stream(pdf, b"", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=image.width,
                             Height=image.height, ColorSpace=colours, BitsPerComponent=8)
    xobject.write(data, filter=pikepdf.Name.DCTDecode)  # as it is: not decoded
    if image.mode == "CMYK" and "adobe" in image.info:
        xobject.Decode = pikepdf.Array([1, 0] * 4)
    rotation = _EXIF_TURNS.get(image.getexif().get(images.ORIENTATION, 1), 0)
    return _Image(_Held(pdf, pdf.make_indirect(xobject)), image.width, image.height, rotation)


def _image_placement(image: _Image, top: float = IMAGE_TOP) -> tuple[float, ...]:
    """The matrix drawing the image (a unit square) upright, as large as fits in the box under the caption (or
    under `top`), centred across it and against its top."""
    turned = image.rotation in (90, 270)
    width, height = (image.height, image.width) if turned else (image.width, image.height)
    scale = min((PAGE_RIGHT - PAGE_LEFT) / width, (top - PAGE_BOTTOM) / height)
    w, h = width * scale, height * scale
    x, y = PAGE_LEFT + (PAGE_RIGHT - PAGE_LEFT - w) / 2, top - h
    return {0: (w, 0, 0, h, x, y), 90: (0, -h, w, 0, x, y + h),
            180: (-w, 0, 0, -h, x + w, y + h), 270: (0, h, -w, 0, x + w, y)}[image.rotation]




def image_pdf(data: bytes, title: str = "") -> bytes:
    """An image on an A4 page of its own, upright inside the binding margins, as the bundle places it (img2pdf:
    a JPEG's bytes kept, a PNG's data copied): how an image attachment is sent as a file that can carry a
    signature (the top margin free for it)."""
    image = _image(data)
    placement = _image_placement(image, PAGE_TOP)  # no caption: only the top margin kept clear
    with pikepdf.Pdf.new() as pdf:
        with image.xobject.pdf:
            xobject = pdf.copy_foreign(image.xobject.get_object())
        del image  # img2pdf's PDF: its data copied, not held while the file is written
        page = pdf.add_blank_page(page_size=typeset.A4)
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

CAPTION_LABEL = (typeset.BOLD, 12.0, 14.0)  # face, size, line: "3.4 Giấy khai sinh của trẻ" ...
CAPTION_FILE = (typeset.ITALIC, 11.0, 13.0)  # ... "Tệp đính kèm: khai sinh.jpg"
CAPTION_LINES = 3  # at most, the label's two of them at most: what the band above the image holds


def _caption_page(type_: typeset.Type, number: str, part: Part) -> pikepdf.Page:
    """An image's A4 page with its caption at the top (the image is drawn on it later), added to the type's PDF; a
    caption too long for its lines cut short with "…"."""
    width = PAGE_RIGHT - PAGE_LEFT
    label = _at_most(f"{number} {part.label or part.title}", CAPTION_LABEL, width, CAPTION_LINES - 1)
    file = _at_most(f"Tệp đính kèm: {part.filename}", CAPTION_FILE, width, CAPTION_LINES - len(label))
    sheet, top = typeset.Sheet(type_), PAGE_TOP
    for (face, size, line), lines in ((CAPTION_LABEL, label), (CAPTION_FILE, file)):
        for text in lines:
            sheet.text(face, size, PAGE_LEFT, top - typeset.baseline_offset(face, size, line), text)
            top -= line
    return sheet.add_page()


def _at_most(text: str, style: tuple[str, float, float], width: float, count: int) -> list[str]:
    face, size, _ = style
    lines = typeset.Face.named(face).lines(text, size, width)
    if len(lines) <= count:
        return lines
    return lines[:count - 1] + [typeset.Face.named(face).ellipsized(lines[count - 1], size, width)]


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
    """A font embedded in a PDF, set by hand: its glyph codes and advances, by character. Taken from the faces that
    typeset.py embeds (the bundle), or read from a page of pikepdf's or pypdf's (attachment_signature.py); `font`
    is the font dictionary there."""

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

    @classmethod
    def of_face(cls, type_: typeset.Type, face: str) -> _Type:
        """A face as `type_` embeds it (once everything is set in it): the characters its subset holds."""
        shipped = typeset.Face.named(face)
        characters = type_.characters(face)
        return cls(type_.font(face), {ch: shipped.codes[ch] for ch in characters},
                   {shipped.glyphs[ch]: shipped.advances[shipped.glyphs[ch]] for ch in characters}, 1000.0)

    def covers(self, text: str) -> bool:
        return all(ch in self.codes for ch in text)

    def set(self, text: str) -> tuple[str, float]:
        """(the glyph codes in hex, the width in points at STAMP_SIZE)."""
        codes = [self.codes[ch] for ch in text]
        width = sum(self.widths.get(int(code, 16), self.default) for code in codes)
        return "".join(codes), width * STAMP_SIZE / 1000


def _pages_data(prefix: str, captions: list[tuple[str, Part]]) -> bytes:
    """A PDF of the line of type (its first page: `prefix` and the stamps' characters, in the stamps' face and size),
    then a page per caption: where attachment_signature.py takes the font it sets its line in (_Type.from_page). Its
    subset holds the characters set and no more: it is embedded in every file signed."""
    with pikepdf.Pdf.new() as pdf:
        type_ = typeset.Type(pdf)
        sheet = typeset.Sheet(type_)
        sheet.text(typeset.REGULAR, STAMP_SIZE, PAGE_LEFT, PAGE_TOP - STAMP_SIZE, prefix + _TYPE_CHARACTERS)
        sheet.add_page()
        for number, part in captions:
            _caption_page(type_, number, part)
        type_.embed()
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


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


# What a document may hold for its pages besides them, that add_pages_from carries: a form's fields, named
# destinations (in /Names, or /Dests of PDF 1.1), layers.
_CARRIED_WITH_PAGES = ("/AcroForm", "/Names", "/Dests", "/OCProperties")


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
        if any(key in source.Root for key in _CARRIED_WITH_PAGES):
            self.pdf.add_pages_from(source, outlines="ignore")
        else:  # nothing but its pages to carry: qpdf's copy alone, without pikepdf's look for them (a sixth faster)
            self.pdf.pages.extend(source.pages)
        self._note(source)

    def add_drawn(self, pages: list[pikepdf.Page]) -> None:
        """Pages the bundle drew itself (the table of contents): nothing but their content and fonts to copy."""
        self.pdf.pages.extend(pages)

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


def _drawn_pages(toc: _Toc, pictures: list[tuple[str, Part]], prefix: str) -> tuple[pikepdf.Pdf, _Type]:
    """A PDF of what the bundle draws itself: the table of contents' pages, then a caption's page per image; and the
    stamps' type, in the same embedded face (the stamps' characters are in its subset)."""
    drawn = pikepdf.Pdf.new()
    type_ = typeset.Type(drawn, typeset.BASE_CHARACTERS)
    _toc_pages(type_, toc)
    for number, part in pictures:
        _caption_page(type_, number, part)
    type_.note(typeset.REGULAR, prefix + _TYPE_CHARACTERS)
    type_.embed()
    return drawn, _Type.of_face(type_, typeset.REGULAR)


def _build(contents: Contents, part_pages: dict[int, int], progress, out) -> None:
    head, sections = contents.head, contents.sections
    toc = _toc_layout(contents, part_pages)
    plan, toc_pages = toc.plan, len(toc.pages)
    pictures = [(row.number, part) for (_, parts), section in zip(plan.sections, sections, strict=True)
                for row, part in zip(parts, section.parts, strict=True) if part.content_type != "application/pdf"]
    prefix = typeset.Face.named(typeset.REGULAR).settable(_stamp_prefix(contents))
    with contextlib.ExitStack() as held:
        drawn, type_ = _drawn_pages(toc, pictures, prefix)
        held.enter_context(drawn)
        captions = iter(drawn.pages[toc_pages:])

        folder = held.enter_context(tempfile.TemporaryDirectory(prefix="bundle-"))
        pieces = _Pieces(folder, type_, prefix, plan.total)
        held.callback(pieces.close)
        pieces.add_pdf(head.sha256)
        if pieces.count != head.pages:
            raise _PagesDiffer(head, pieces.count)
        pieces.add_drawn(drawn.pages[:toc_pages])
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
    _outline(bundle, [(f"1. {head.title}", 0, []), ("2. Mục lục", plan.toc.first - 1, [])] + [
        (f"{row.number}. {section.title}", row.first - 1,
         [(f"{part_row.number} {part.title}", part_row.first - 1)
          for part_row, part in zip(part_rows, section.parts, strict=True)])
        for (row, part_rows), section in zip(plan.sections, sections, strict=True)])
    bundle.Root.PageMode = pikepdf.Name.UseOutlines
    info = {"/Title": contents.label or head.title, "/Author": contents.author, "/Subject": contents.subject,
            "/Creator": APP_NAME, "/CreationDate": datetime.now(UTC).strftime("D:%Y%m%d%H%M%SZ")}
    for key, value in info.items():
        bundle.docinfo[pikepdf.Name(key)] = pikepdf.String(value)
    bundle.save(out, **_AS_COPIED, min_version=pieces.version)


def _outline(bundle: pikepdf.Pdf, items: list[tuple[str, int, list[tuple[str, int]]]]) -> None:
    """The bookmarks, (title, page index, [(title, page index)]) each, in two levels, all open, each showing its whole
    page: the dictionaries pikepdf's outline helper writes, made directly (a fifth of its time: 0.02 s of a hundred
    dossiers' bundle)."""
    pages = bundle.pages

    def level(parent: pikepdf.Object, entries) -> list[pikepdf.Object]:
        made = []
        for title, page, children in entries:
            item = bundle.make_indirect(pikepdf.Dictionary(
                Title=pikepdf.String(title), Parent=parent, Dest=pikepdf.Array([pages[page].obj, pikepdf.Name.Fit])))
            if made:
                item.Prev, made[-1].Next = made[-1], item
            below = level(item, [(child, child_page, []) for child, child_page in children])
            if below:
                item.First, item.Last, item.Count = below[0], below[-1], len(below)
            made.append(item)
        return made

    root = bundle.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines))
    top = level(root, items)
    root.First, root.Last, root.Count = top[0], top[-1], len(top) + sum(len(children) for _, _, children in items)
    bundle.Root.Outlines = root


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
