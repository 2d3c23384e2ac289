"""What the bundle sets itself (pdf/typeset.py): the table of contents' long titles broken inside their cells and read
back as given, its length what its layout said; captions cut short to their lines; Vietnamese as typed on any machine
(decomposed on a Mac), a character the font lacks as its base letter or "?"; one embedded subset per face, shared by
the table, the captions and the stamps."""
import io
import itertools
import random
import unicodedata

import pdfplumber
import pikepdf

from .test_bundle import two_unions_batch

MM = 72 / 25.4


def drawn(draw) -> bytes:
    """A PDF of what `draw(type_)` sets, its faces embedded as the bundle embeds them."""
    from workflow.pdf import typeset

    with pikepdf.Pdf.new() as pdf:
        type_ = typeset.Type(pdf, typeset.BASE_CHARACTERS)
        draw(type_)
        type_.embed()
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def contents_of(titles: list[str], sections: int):
    from workflow.pdf.bundle import Contents, Part, Section

    parts = [Part(title, "", "application/pdf", 1 + index % 3, "") for index, title in enumerate(titles)]
    size = len(parts) // sections
    return Contents(Part(titles[0], "", "application/pdf", 2, ""),
                    [Section(title, "", parts[i * size:(i + 1) * size]) for i, title in enumerate(titles[:sections])],
                    {"number": "01/TTr-LĐLĐ", "issued_on": "05/01/2026", "issuer_name": "Liên đoàn Lao động tỉnh"}, {})


def long_titles(count: int) -> list[str]:
    words = ("Tờ trình đề nghị hỗ trợ kinh phí phẫu thuật cho con của đoàn viên Nguyễn Thị Bảo Ngọc Công đoàn cơ sở "
             "Trường THCS Phú Trung Biên bản thẩm định số 01/TTr-CĐCS, ngày 05/01/2026 ảnh-hiện-trạng-nhà-ở.jpg "
             "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW").split()
    pick = random.Random(7)
    return [" ".join(pick.choice(words) for _ in range(pick.randint(1, 45))) for _ in range(count)]


def squeezed(text: str) -> str:
    return "".join(text.split())


def test_long_titles_are_broken_inside_their_cells_and_the_table_takes_the_pages_its_layout_gave():
    from workflow.pdf import bundle

    contents = contents_of(long_titles(260), 20)
    toc = bundle._toc_layout(contents, {})
    data = drawn(lambda type_: bundle._toc_pages(type_, toc))
    planned = toc.plan.rows
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == len(toc.pages) == toc.plan.toc.last - toc.plan.toc.first + 1 > 10
        found = []
        columns = bundle.TOC_COLUMNS
        cells = list(itertools.pairwise(columns))
        for page in pdf.pages:
            (table,) = page.find_tables()
            cells_read = table.extract()
            assert cells_read[0] == ["STT", "Tài liệu", "Trang"]  # the column headings on every page
            found += cells_read[1:]
            assert page.height - table.bbox[3] >= 20 * MM - 0.5  # above the bottom margin
            for char in page.crop(table.bbox).chars:  # inside its cell's padding
                left, right = next(cell for cell in reversed(cells) if char["x0"] >= cell[0])
                assert left + bundle.TOC_PADDING_X - 0.1 <= char["x0"], char["text"]
                assert char["x1"] <= right - bundle.TOC_PADDING_X + 0.1, char["text"]
    assert [row[0] for row in found] == [row.number for row in planned]
    assert [squeezed(row[1]) for row in found] == [squeezed(row.title) for row in planned]  # long words broken
    assert [row[2] for row in found] == [row.pages for row in planned]


def test_the_heading_says_what_the_bundle_goes_with_and_how_its_sheets_are_numbered():
    from workflow.pdf import bundle

    contents = contents_of(["Tờ trình số 01/TTr-LĐLĐ", "Hồ sơ của Đỗ Thị Yến", "Quyết định"], 1)
    toc = bundle._toc_layout(contents, {})
    data = drawn(lambda type_: bundle._toc_pages(type_, toc))
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = " ".join(pdf.pages[0].extract_text().split())
    assert text.startswith("MỤC LỤC BỘ HỒ SƠ Kèm theo Tờ trình số 01/TTr-LĐLĐ ngày 05/01/2026 của Liên đoàn Lao động "
                           f"tỉnh Bộ hồ sơ gồm {toc.plan.total} trang, đánh số từ trang 1 đến trang {toc.plan.total} ")


def test_vietnamese_is_read_back_as_written_whatever_its_form_and_a_missing_character_is_replaced():
    from workflow.pdf import typeset

    written = "Đặng Thị Hường – ảnh chụp giấy chứng nhận quyền sử dụng đất"
    decomposed = unicodedata.normalize("NFD", written)
    assert decomposed != written

    def draw(type_):
        sheet = typeset.Sheet(type_)
        for index, text in enumerate((decomposed, "Ảnh 漢字 ﬁle", "ẠẦỆỮđĐ ạầệữ")):
            sheet.text(typeset.REGULAR, 12, 100, 700 - 20 * index, text)
        sheet.add_page()

    with pdfplumber.open(io.BytesIO(drawn(draw))) as pdf:
        lines = pdf.pages[0].extract_text().splitlines()
    assert lines == [written, "Ảnh ?? file", "ẠẦỆỮđĐ ạầệữ"]


def test_a_caption_too_long_for_its_three_lines_is_cut_short():
    from workflow.pdf import bundle

    part = bundle.Part("", "", "image/jpeg", 1, "", label="Giấy xác nhận hoàn cảnh khó khăn " * 8,
                       filename="ảnh-chụp-giấy-xác-nhận-của-ủy-ban-nhân-dân-xã-" * 8 + ".jpg")
    data = drawn(lambda type_: bundle._caption_page(type_, "12.3", part))
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        lines = page.extract_text_lines()
        assert len(lines) == 3 and lines[0]["text"].startswith("12.3 Giấy xác nhận hoàn cảnh khó khăn")
        assert lines[1]["text"].endswith("…") and lines[2]["text"].startswith("Tệp đính kèm: ảnh-chụp-giấy")
        assert lines[2]["text"].endswith("…")
        assert min(c["x0"] for c in page.chars) >= 30 * MM - 0.1 and max(c["x1"] for c in page.chars) <= \
            page.width - 15 * MM + 0.1
        assert max(c["bottom"] for c in page.chars) < 20 * MM + bundle.CAPTION_BAND  # above the image


def font_files(pdf: pikepdf.Pdf, pages) -> set:
    return {pdf.pages[index].Resources.Font[name].DescendantFonts[0].FontDescriptor.FontFile2.objgen
            for index in pages for name in pdf.pages[index].Resources.Font.keys()}


def test_the_table_the_captions_and_the_stamps_share_one_subset_per_face(api):
    batch, _, _ = two_unions_batch(api)
    data = api.get("liaison", batch["bundle_url"]).data
    with pdfplumber.open(io.BytesIO(data)) as plumbed:
        captions = [index for index, page in enumerate(plumbed.pages) if "Tệp đính kèm:" in page.extract_text()
                    and page.images]
        toc = [index for index, page in enumerate(plumbed.pages) if "MỤC LỤC BỘ HỒ SƠ" in page.extract_text()]
    assert len(captions) == 2 and len(toc) == 1
    with pikepdf.Pdf.open(io.BytesIO(data)) as pdf:
        drawn_fonts = font_files(pdf, toc + captions)
        assert len(drawn_fonts) == 3  # regular, bold, italic
        stamps = {pdf.pages[index].Resources.Font.BundleStamp.DescendantFonts[0].FontDescriptor.FontFile2.objgen
                  for index in range(len(pdf.pages))}
        assert len(stamps) == 1 and stamps <= drawn_fonts
