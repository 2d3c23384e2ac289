"""Text set straight into a PDF's pages with pikepdf, in the shipped Liberation Serif 2 (it has every Vietnamese
letter precomposed: stack notes §3), for what the bundle draws itself: its table of contents, the images' captions
and the page stamps. Laying such plain pages out with WeasyPrint cost the bundle of a hundred dossiers 2.2 s of its
2.7 (23 pages of a table, a page per caption); set here they take about 0.03 s (bench/bundle.py).

What is set is what a browser sets without shaping: each character's glyph at its advance, no kerning, no
ligatures (Vietnamese needs neither: its letters are single glyphs in this font). Lines are broken at spaces, a word
longer than a line inside it (after a hyphen, slash, dot or underscore where it can). Text is NFC-normalised (a
name typed on a Mac comes decomposed); a character the font lacks is set as its base letter, or "?".

A face is embedded once per PDF, as WeasyPrint embeds it: a Type 0 font whose codes are the font's glyph ids
(Identity-H), a subset of the TrueType file keeping those ids, widths (/W) and a ToUnicode map, so that the text is
read back as written (pdftotext, a search, a screen reader). The subset holds the characters set and, for the bundle,
the whole Vietnamese alphabet (BASE_CHARACTERS): then one subset serves every bundle a process builds (fontTools takes
30-60 ms per subset), and a stamp set later in the same font finds its characters there.
"""
from __future__ import annotations

import functools
import hashlib
import io
import re
import unicodedata
import zlib
from dataclasses import dataclass

import pikepdf

from .render import FONT_DIR

MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)

REGULAR, BOLD, ITALIC = "LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf", "LiberationSerif-Italic.ttf"

# ASCII, Latin-1, and the Vietnamese letters outside them (Ă Đ Ĩ Ũ Ơ Ư and U+1EA0-U+1EF9), typographic punctuation
BASE_CHARACTERS = frozenset(
    [chr(code) for code in (*range(0x20, 0x7F), *range(0xA0, 0x100), *range(0x1EA0, 0x1EFA))]
    + list("ĂăĐđĨĩŨũƠơƯư–—‘’“”…•₫№"))

_BREAK_AFTER = "-/._"  # where a word too long for a line is broken, if it can be
_WHITE_SPACE = re.compile("[\t\n\r\f\v]")  # set as spaces, as HTML sets them (a no-break space stays)


@dataclass(eq=False)
class Face:
    """A shipped font file's metrics, read once per process."""

    file: str
    glyphs: dict[str, int]  # character -> glyph id
    codes: dict[str, str]  # character -> its glyph id as a text's code in a PDF (4 hex digits, Identity-H)
    advances: list[float]  # by glyph id, in thousandths of an em (the unit of a PDF font's widths)
    ascent: float  # in em, above the baseline (the font's hhea metrics, as Pango uses them)
    descent: float  # in em, below it (positive)
    descriptor: dict  # the font descriptor's metrics

    @staticmethod
    @functools.cache
    def named(file: str) -> Face:
        """The face of a file in pdf/fonts (REGULAR, BOLD, ITALIC)."""
        from fontTools.ttLib import TTFont

        with TTFont(FONT_DIR / file, lazy=True) as font:
            em = font["head"].unitsPerEm
            order = {name: index for index, name in enumerate(font.getGlyphOrder())}
            metrics = font["hmtx"].metrics
            advances = [metrics[name][0] * 1000 / em for name in font.getGlyphOrder()]
            glyphs = {chr(code): order[name] for code, name in font.getBestCmap().items()}
            head, hhea, os2, post = font["head"], font["hhea"], font["OS/2"], font["post"]
            italic = post.italicAngle != 0
            descriptor = {
                "/Flags": 2 | 4 | (64 if italic else 0),  # serif, symbolic (beyond the standard Latin set), italic
                "/FontBBox": [round(v * 1000 / em) for v in (head.xMin, head.yMin, head.xMax, head.yMax)],
                "/ItalicAngle": float(post.italicAngle),
                "/Ascent": round(hhea.ascent * 1000 / em), "/Descent": round(hhea.descent * 1000 / em),
                "/CapHeight": round(getattr(os2, "sCapHeight", hhea.ascent) * 1000 / em),
                "/StemV": 80,
            }
            name = font["name"].getDebugName(6) or file.rsplit(".", 1)[0]
        descriptor["/FontName"] = name
        codes = {ch: f"{glyph:04x}" for ch, glyph in glyphs.items()}
        return Face(file, glyphs, codes, advances, hhea.ascent / em, -hhea.descent / em, descriptor)

    def settable(self, text: str) -> str:
        """The text as this face can set it: NFC, white space as spaces, each character it lacks replaced by its base
        letter or "?"."""
        text = unicodedata.normalize("NFC", text)
        if not text.isprintable():  # a tab or a line break, maybe: looked for only then (titles are many)
            text = _WHITE_SPACE.sub(" ", text)
        if self.glyphs.keys() >= set(text):
            return text
        return "".join(self._substitute(ch) for ch in text)

    def _substitute(self, ch: str) -> str:
        if ch in self.glyphs:
            return ch
        if ch.isspace():
            return " "
        base = "".join(part for part in unicodedata.normalize("NFKD", ch) if part in self.glyphs
                       and not unicodedata.combining(part))
        return base or "?"

    @functools.lru_cache(maxsize=65536)  # noqa: B019 (faces live as long as the process: functools.cache above)
    def _em(self, text: str) -> float:
        advances, glyphs = self.advances, self.glyphs
        return sum(advances[glyphs[ch]] for ch in text) / 1000

    def width(self, text: str, size: float) -> float:
        """The width in points of settable text."""
        return self._em(text) * size

    def lines(self, text: str, size: float, width: float) -> list[str]:
        """The text broken into lines no wider than `width` points: at spaces (runs of white space set as one, as
        HTML sets them); a word longer than a line inside it, begun on the line before if some of it fits there."""
        limit = width / size
        space = self._em(" ")
        lines: list[str] = []
        line: list[str] = []
        used = 0.0
        for word in filter(None, self.settable(text).split(" ")):
            em = self._em(word)
            if line and used + space + em <= limit:
                line.append(word)
                used += space + em
                continue
            if line and em > limit:
                head, word = self._split(word, limit - used - space, least=0)
                if head:
                    line.append(head)
                em = self._em(word)
            if line:
                lines.append(" ".join(line))
            while em > limit:
                head, word = self._split(word, limit, least=1)
                lines.append(head)
                em = self._em(word)
            line, used = [word], em
        if line:
            lines.append(" ".join(line))
        return lines or [""]

    def _split(self, word: str, room: float, least: int) -> tuple[str, str]:
        """A word too long for a line cut where `room` (in em) ends, `least` characters at least: after the last
        hyphen, slash, dot or underscore that fits, if there is one past the first third of what fits."""
        fits, used = 0, 0.0
        for ch in word:
            used += self.advances[self.glyphs[ch]] / 1000
            if used > room:
                break
            fits += 1
        end = max(fits, least)
        cut = max(word.rfind(mark, 0, end) for mark in _BREAK_AFTER) + 1
        if cut > end / 3:
            end = cut
        return word[:end], word[end:]

    def ellipsized(self, text: str, size: float, width: float) -> str:
        """The line cut short with "…" to fit `width` points."""
        text = self.settable(text)
        while text and self.width(text + "…", size) > width:
            text = text[:-1]
        return text.rstrip() + "…"


@dataclass
class _Subset:
    """What a PDF's font dictionary of a face needs, for a set of characters: made once per set (fontTools)."""

    tag: str  # the subset's six letters, prefixed to the font's name
    font_file: bytes  # the subset TrueType file, glyph ids kept, compressed (Flate)
    font_file_length: int
    widths: list  # /W
    to_unicode: bytes  # the ToUnicode CMap


@functools.lru_cache(maxsize=16)
def _subset(file: str, characters: frozenset[str]) -> _Subset:
    """The face's subset for these characters (all of them in it), its widths and ToUnicode map."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    face = Face.named(file)
    options = subset.Options()
    options.retain_gids = True  # the glyph ids are the codes the text is set in
    options.hinting = False  # as WeasyPrint embeds fonts: a third of the size, the same outlines
    options.notdef_outline = True
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "FFTM", "DSIG"]
    subsetter = subset.Subsetter(options)
    with TTFont(FONT_DIR / file) as font:
        subsetter.populate(unicodes=[ord(ch) for ch in characters])
        subsetter.subset(font)
        out = io.BytesIO()
        font.save(out)
    data = out.getvalue()

    by_glyph: dict[int, str] = {}  # a glyph shown for two characters (a space and a no-break space) reads as the first
    for ch in sorted(characters):
        by_glyph.setdefault(face.glyphs[ch], ch)
    glyph_ids = sorted(by_glyph)
    widths: list = []
    for glyph in glyph_ids:  # runs of consecutive ids: first [w w ...]
        if widths and widths[-2] + len(widths[-1]) == glyph:
            widths[-1].append(round(face.advances[glyph], 2))
        else:
            widths += [glyph, [round(face.advances[glyph], 2)]]
    pairs = [f"<{glyph:04x}> <{by_glyph[glyph].encode('utf-16-be').hex()}>" for glyph in glyph_ids]
    blocks = "".join(f"{len(block)} beginbfchar\n" + "\n".join(block) + "\nendbfchar\n"
                     for block in (pairs[i:i + 100] for i in range(0, len(pairs), 100)))  # 100 a block at most
    to_unicode = ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                  "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                  "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                  "1 begincodespacerange\n<0000> <ffff>\nendcodespacerange\n" + blocks +
                  "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n").encode()
    digest = hashlib.sha256("".join(sorted(characters)).encode()).digest()
    tag = "".join(chr(ord("A") + byte % 26) for byte in digest[:6])
    return _Subset(tag, zlib.compress(data), len(data), widths, to_unicode)


def flate_stream(pdf: pikepdf.Pdf, compressed: bytes, **entries) -> pikepdf.Stream:
    """A stream of data compressed with zlib (the bundle is written as copied: nothing compressed then)."""
    stream = pikepdf.Stream(pdf, b"", **entries)
    stream.write(compressed, filter=pikepdf.Name.FlateDecode)
    return stream


class Type:
    """The faces a PDF's pages are set in: each embedded once, as the pages it is set on share it. Its font dictionary
    is made when the face is first used and filled in by `embed()`, once everything is set (the subset holds the
    characters set, and `base`)."""

    def __init__(self, pdf: pikepdf.Pdf, base: frozenset[str] = frozenset()):
        self.pdf = pdf
        self.base = base
        self._fonts: dict[str, pikepdf.Dictionary] = {}
        self._used: dict[str, set[str]] = {}

    def font(self, file: str) -> pikepdf.Dictionary:
        """The face's font dictionary in the PDF (empty until `embed()`)."""
        if file not in self._fonts:
            self._fonts[file] = self.pdf.make_indirect(pikepdf.Dictionary())
            self._used[file] = set()
        return self._fonts[file]

    def note(self, file: str, text: str) -> None:
        """Settable text to be set in the face: its characters embedded."""
        self.font(file)
        self._used[file].update(text)

    def codes(self, file: str, text: str) -> str:
        """Settable text's glyph codes in hex, noted to be embedded."""
        self.note(file, text)
        return "".join(map(Face.named(file).codes.__getitem__, text))

    def characters(self, file: str) -> frozenset[str]:
        """What the face's embedded subset can set (once embedded)."""
        glyphs = Face.named(file).glyphs
        return frozenset(ch for ch in self.base if ch in glyphs) | frozenset(self._used.get(file, ()))

    def embed(self) -> None:
        """Each face's font dictionary filled in, with its subset (made once per process for a set of characters)."""
        for file, font in self._fonts.items():
            face = Face.named(file)
            subset = _subset(file, self.characters(file))
            name = pikepdf.Name(f"/{subset.tag}+{face.descriptor['/FontName']}")
            descriptor = pikepdf.Dictionary({
                **{key: value for key, value in face.descriptor.items() if key != "/FontName"},
                "/Type": pikepdf.Name.FontDescriptor, "/FontName": name,
                "/FontFile2": flate_stream(self.pdf, subset.font_file, Length1=subset.font_file_length)})
            descendant = pikepdf.Dictionary({
                "/Type": pikepdf.Name.Font, "/Subtype": pikepdf.Name.CIDFontType2, "/BaseFont": name,
                "/CIDSystemInfo": pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
                "/FontDescriptor": self.pdf.make_indirect(descriptor), "/CIDToGIDMap": pikepdf.Name.Identity,
                "/DW": 1000, "/W": pikepdf.Array(subset.widths)})
            entries = {"/Type": pikepdf.Name.Font, "/Subtype": pikepdf.Name.Type0, "/BaseFont": name,
                       "/Encoding": pikepdf.Name("/Identity-H"),
                       "/DescendantFonts": pikepdf.Array([self.pdf.make_indirect(descendant)]),
                       "/ToUnicode": flate_stream(self.pdf, zlib.compress(subset.to_unicode))}
            for key, value in entries.items():
                font[key] = value


class Sheet:
    """One A4 page's content being set: lines of text and rules, in points from the page's bottom left."""

    def __init__(self, type_: Type):
        self.type = type_
        self.ops: list[str] = []
        self.fonts: dict[str, str] = {}  # file -> its name in the page's resources

    def text(self, file: str, size: float, x: float, baseline: float, text: str, align: str = "left",
             width: float = 0.0) -> None:
        """A line of text, its baseline at `baseline`: starting at x, or centred in (or ending at the right of) the
        `width` points from x."""
        face = Face.named(file)
        text = face.settable(text)
        if align != "left":
            room = width - face.width(text, size)
            x += room / 2 if align == "center" else room
        name = self.fonts.setdefault(file, f"/F{len(self.fonts) + 1}")
        self.ops.append(f"BT {name} {size:g} Tf {x:.2f} {baseline:.2f} Td <{self.type.codes(file, text)}> Tj ET")

    def rule(self, x0: float, y0: float, x1: float, y1: float, width: float = 0.5) -> None:
        self.ops.append(f"{width:g} w {x0:.2f} {y0:.2f} m {x1:.2f} {y1:.2f} l S")

    def add_page(self) -> pikepdf.Page:
        """The page, added to the type's PDF."""
        pdf = self.type.pdf
        page = pdf.add_blank_page(page_size=A4)
        page.obj.Resources = pikepdf.Dictionary(
            Font=pikepdf.Dictionary({name: self.type.font(file) for file, name in self.fonts.items()}))
        page.obj.Contents = flate_stream(pdf, zlib.compress(("0 g 0 G\n" + "\n".join(self.ops)).encode()))
        return page


def baseline_offset(file: str, size: float, line: float) -> float:
    """How far below a line box's top its text's baseline is (CSS: the half-leading, then the ascent)."""
    face = Face.named(file)
    return (line - (face.ascent + face.descent) * size) / 2 + face.ascent * size
