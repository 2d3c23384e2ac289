"""The organisation names a document's heading prints, each on one line of the left column.

NĐ 30/2020 Phụ lục I puts the parent body (12 pt, upright) and the issuing body (12 pt, bold) on the left of the
heading, and a name there must not break ("LIÊN ĐOÀN LAO ĐỘNG HUYỆN PHÚ / RIỀNG" reads as two bodies). The right
column must hold the national name (12 pt bold, 88 mm), so the left one is what remains of the 165 mm text width.
A name is printed whole when it fits; otherwise its short header name, otherwise the abbreviations the union itself
prints ("LĐLĐ TỈNH BÌNH PHƯỚC", "TỔNG LĐLĐ VIỆT NAM"). Widths are measured with the shipped fonts' advance widths,
so the choice is the one WeasyPrint will render.
"""
from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

from fontTools.ttLib import TTFont

from .render import FONT_DIR

TEXT_WIDTH_MM = 165.0  # A4 less the 30 mm binding and 15 mm right margins
LEFT_COLUMN_MM = 76.0  # what the right column (the national name, 88.3 mm, and a little air) leaves
RIGHT_COLUMN_MM = TEXT_WIDTH_MM - LEFT_COLUMN_MM
HEADING_PT = 12
NUMBER_PT = DATE_PT = 13  # "Số: …" and the place-and-date line (ô 3, ô 4)
SMALLEST_DATE_PT = 11  # "Thành phố Hồ Chí Minh, ngày …" (written in full, NĐ 30) fits at 11.75 pt

# The abbreviations common in the union's own headings, longest first.
ABBREVIATIONS = [
    ("TỔNG LIÊN ĐOÀN LAO ĐỘNG", "TỔNG LĐLĐ"),
    ("LIÊN ĐOÀN LAO ĐỘNG", "LĐLĐ"),
    ("CÔNG ĐOÀN CƠ SỞ", "CĐCS"),
    ("THÀNH PHỐ", "TP."),
    ("TRÁCH NHIỆM HỮU HẠN MỘT THÀNH VIÊN", "TNHH MTV"),
    ("TRÁCH NHIỆM HỮU HẠN", "TNHH"),
    ("CỔ PHẦN", "CP"),
    ("CÔNG ĐOÀN", "CĐ"),
    ("CÔNG TY", "CTY"),
]
SMALLEST_PT = 10  # below this a heading would no longer read as one; the admin is told to shorten the name


@functools.cache
def _advances(style: str):
    font = TTFont(FONT_DIR / f"LiberationSerif-{style}.ttf")
    return font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm


def width_mm(text: str, *, bold: bool = False, italic: bool = False, size_pt: float = HEADING_PT,
             upper: bool = True) -> float:
    cmap, hmtx, units = _advances(("Bold" if bold else "") + ("Italic" if italic else "") or "Regular")
    total = 0
    for character in unicodedata.normalize("NFC", text.upper() if upper else text):
        glyph = cmap.get(ord(character))
        total += hmtx[glyph][0] if glyph else units // 2
    return total / units * size_pt * 25.4 / 72


def fits(text: str, *, bold: bool) -> bool:
    return width_mm(text, bold=bold) <= LEFT_COLUMN_MM


def abbreviated(name: str) -> str:
    """The name with the union's usual abbreviations, applied one at a time from the start of the name until it
    is short enough (the later words, the place, stay whole)."""
    text = name.upper()
    for phrase, short in ABBREVIATIONS:
        if phrase in text:
            text = text.replace(phrase, short, 1)
            if fits(text, bold=True):
                break
    return text


@dataclass(frozen=True)
class HeadingLine:
    text: str
    size_pt: float  # 12, or less for a name no abbreviation brings into the column
    fits: bool = True  # False: too long even at the smallest size (printed over two lines rather than overlapping)


def heading_line(header_name: str, short_header_name: str | None, *, bold: bool) -> HeadingLine:
    """The line the heading prints for an organisation: its header name, else its short header name, else the
    union's abbreviations; a name still too long is set smaller rather than broken."""
    for candidate in (header_name, short_header_name):
        if candidate and fits(candidate, bold=bold):
            return HeadingLine(candidate.upper(), HEADING_PT)
    text = (short_header_name or abbreviated(header_name)).upper()
    size = HEADING_PT * LEFT_COLUMN_MM / width_mm(text, bold=bold)
    return HeadingLine(text, max(SMALLEST_PT, min(HEADING_PT, int(size * 4) / 4)), size >= SMALLEST_PT)


def date_line_pt(date_line: str) -> float:
    """The size the place-and-date line is set in: 13 pt, or the largest quarter point down to 11 pt at which a
    long place name (written in full) still fits the right column on one line."""
    size = DATE_PT * (RIGHT_COLUMN_MM - 1) / width_mm(date_line, italic=True, size_pt=DATE_PT, upper=False)
    return max(SMALLEST_DATE_PT, min(DATE_PT, int(size * 4) / 4))


def number_fits(abbreviation: str) -> bool:
    """Whether the longest "Số:" line of the organisation ("Số: 1234/TTr-<abbreviation>") fits its column."""
    return width_mm(f"Số: 1234/TTr-{abbreviation}", size_pt=NUMBER_PT, upper=False) <= LEFT_COLUMN_MM - 1
