"""The bundle as the receiving federation files it, read as its clerk reads it (pdfplumber: text and where it is
on the sheet; pypdfium2: the sheet as drawn): a table of contents whose page numbers are the numbers stamped on
the sheets, every sheet stamped once at its bottom right, numbered bookmarks, sections named by the person and
the union's Tờ trình, the PDF's metadata, images on A4 inside the binding margins with their caption, and the
decisions taken on the batch filed once at the end, in a build made after them."""
import contextlib
import hashlib
import io
import re
import zipfile

import pdfplumber
import pypdfium2
import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader, PdfWriter

from ..dossiers.test_attachments import upload
from .test_bundle import outline_of, two_unions_batch

MM = 72 / 25.4
STAMP = re.compile(r"Trang (\d+)/(\d+)")


def stamps_of(pdf):
    """Per sheet: the stamps found on it, each (i, n, where its line ends, its height above the sheet's
    bottom edge)."""
    found = []
    for page in pdf.pages:
        on_page = []
        for line in page.extract_text_lines():
            for match in STAMP.finditer(line["text"]):  # alone on its line, in the margin
                on_page.append((int(match[1]), int(match[2]), line["x1"], page.height - line["bottom"]))
        found.append(on_page)
    return found


def toc_rows(pdf, first, last):
    """The table of contents' rows (STT, title, pages), from its ruled table on sheets first..last (from 1)."""
    rows = []
    for page in pdf.pages[first - 1:last]:
        for table in page.extract_tables():
            rows += [[" ".join((cell or "").split()) for cell in row] for row in table if row[0] != "STT"]
    return rows


def first_page(pages: str) -> int:
    return int(pages.split("–")[0])


def test_the_table_of_contents_gives_the_stamped_numbers_of_every_part(api):
    batch, first, second = two_unions_batch(api)
    data = api.get("liaison", batch["bundle_url"]).data
    reader = PdfReader(io.BytesIO(data))
    outline = outline_of(reader)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        stamps = stamps_of(pdf)
        total = len(pdf.pages)
        # every sheet, the Tờ trình's and the attachments' too, carries exactly one stamp, numbered 1..N of N
        assert [[(i, n) for i, n, _, _ in on_page] for on_page in stamps] == [[(i, total)] for i in
                                                                              range(1, total + 1)]
        for page, on_page in zip(pdf.pages, stamps, strict=True):
            (_, _, right, above_bottom) = on_page[0]
            # in the bottom margin (20 mm on every stored page), ending on the right margin's line
            assert page.width - 15 * MM - 1 <= right <= page.width - 15 * MM + 0.5
            assert 5 * MM < above_bottom < 15 * MM
        toc_start, toc_end = outline[1][1] + 1, outline[2][1]
        rows = toc_rows(pdf, toc_start, toc_end)
    assert [row[0] for row in rows] == ["1", "2", "3", "3.1", "3.2", "3.3", "3.4", "4", "4.1", "4.2", "4.3", "4.4"]
    assert rows[1] == ["2", "Mục lục", str(toc_start) if toc_start == toc_end else f"{toc_start}–{toc_end}"]
    bookmarks = {title.split(" ", 1)[0].rstrip("."): page for title, page, _ in outline}
    bookmarks.update({title.split(" ", 1)[0]: page for _, _, children in outline for title, page in children})
    for number, title, pages in rows:
        # the number the table gives is the one stamped on the part's first sheet, where its bookmark points
        assert stamps[first_page(pages) - 1][0][0] == first_page(pages)
        assert bookmarks[number] == first_page(pages) - 1, (number, title)
    # a part's range ends where the next one starts; the sections span their parts
    parts = [row for row in rows if "." in row[0]]
    for this, following in zip(parts, parts[1:], strict=False):
        assert int(this[2].split("–")[-1]) + 1 == first_page(following[2])
    assert rows[2][2] == f"{first_page(rows[3][2])}–{first_page(rows[7][2]) - 1}"
    assert int(rows[-1][2].split("–")[-1]) == total  # the last part ends on the last sheet
    assert rows[6][1] == "Giấy khai sinh của trẻ: khai sinh.jpg" and rows[6][2] == str(first_page(rows[7][2]) - 1)


def zip_of(api, batch) -> bytes:
    response = api.get("liaison", batch["bundle_url"].replace(".pdf", ".zip"))
    data = response.data
    response.close()  # streamed from a temporary file, closed with the response
    return data


def test_bookmarks_are_numbered_and_sections_named_without_a_database_id(api):
    batch, first, second = two_unions_batch(api)
    reader = PdfReader(io.BytesIO(api.get("liaison", batch["bundle_url"]).data))
    outline = outline_of(reader)
    assert [title.split(" ", 1)[0] for title, _, _ in outline] == ["1.", "2.", "3.", "4."]
    assert [[t.split(" ", 1)[0] for t, _ in children] for _, _, children in outline] == [
        [], [], ["3.1", "3.2", "3.3", "3.4"], ["4.1", "4.2", "4.3", "4.4"]]
    for title, _, _ in outline[2:]:
        assert re.fullmatch(r"\d\. Hồ sơ của .+ \(con của .+\) — Tờ trình số \d\d/TTr-CĐCS ngày 05/01/2026 của "
                            r"Công đoàn .+", title), title
        assert "Hồ sơ số" not in title and f"{first['id']}:" not in title and f"{second['id']}:" not in title
    zip_paths = zipfile.ZipFile(io.BytesIO(zip_of(api, batch))).namelist()
    assert not any(re.search(r"HS-\d", path) for path in zip_paths)


def test_the_pdf_says_what_it_is(api):
    batch, _, _ = two_unions_batch(api)
    metadata = PdfReader(io.BytesIO(api.get("liaison", batch["bundle_url"]).data)).metadata
    assert metadata.title == "Bộ hồ sơ kèm Tờ trình số 03/TTr-CĐX"
    assert metadata.author == "Công đoàn xã Phú Riềng"  # the sender
    assert metadata.subject == "Đề nghị hỗ trợ kinh phí phẫu thuật cho con của đoàn viên"
    assert metadata.creator == "Hồ sơ Công đoàn"
    assert metadata.creation_date is not None


def image_placements(page):
    """(x0, top, x1, bottom) in points of each image drawn on a pdfplumber page."""
    return [(image["x0"], image["top"], image["x1"], image["bottom"]) for image in page.images]


def test_an_image_sits_on_a4_inside_the_binding_margins_under_its_caption(api):
    batch, first, second = two_unions_batch(api)
    data = api.get("liaison", batch["bundle_url"]).data
    outline = outline_of(PdfReader(io.BytesIO(data)))
    jpeg_page, png_page = outline[2][2][3][1], outline[3][2][2][1]
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for index, (name, label, number, shape) in {
                jpeg_page: ("khai sinh.jpg", "Giấy khai sinh của trẻ", "3.4", 1200 / 800),
                png_page: ("chi-dinh.png", "Giấy chỉ định phẫu thuật", "4.3", 300 / 900)}.items():
            page = pdf.pages[index]
            assert (round(page.width), round(page.height)) == (595, 842)
            text = page.extract_text()
            assert f"{number} {label}" in text and f"Tệp đính kèm: {name}" in text
            (x0, top, x1, bottom), = image_placements(page)
            assert x0 >= 30 * MM - 0.1 and x1 <= page.width - 15 * MM + 0.1  # binding margin on the left
            assert top >= 20 * MM and bottom <= page.height - 20 * MM + 0.1
            assert (x1 - x0) / (bottom - top) == pytest.approx(shape, rel=0.01)  # not distorted
            caption = max(c["bottom"] for c in page.chars if c["top"] < top)
            assert caption < top  # the caption above the image, not over it
            label_chars = [c for c in page.chars if c["top"] < top]
            assert min(c["x0"] for c in label_chars) >= 30 * MM - 0.5
            # fitted: as large as the box allows in one direction
            assert x1 - x0 == pytest.approx(165 * MM, abs=0.5) or bottom == pytest.approx(277 * MM, abs=0.5)


def exif_rotated_jpeg(size=(1200, 800), orientation=6) -> bytes:
    """A phone photo stored sideways: EXIF orientation 6 shows it turned a quarter clockwise (portrait)."""
    image = Image.new("RGB", size, (240, 240, 240))
    image.paste((20, 20, 20), (0, 0, 200, 200))  # a dark square in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def rotated_scan() -> bytes:
    """A scanner's PDF: a portrait A4 page turned a quarter clockwise by /Rotate, shown in landscape; then a page
    larger than A4 cropped to it, away from the origin."""
    from pypdf.generic import RectangleObject

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.pages[0].rotate(90)
    writer.add_blank_page(width=700, height=900)
    writer.pages[1].cropbox = RectangleObject((50, 40, 645, 882))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def dark(bitmap, box) -> int:
    x0, y0, x1, y1 = (round(v) for v in box)
    return sum(1 for x in range(x0, x1) for y in range(y0, y1) if bitmap.getpixel((x, y)) < 128)


def test_stamps_and_photos_stand_upright_as_the_sheet_is_shown(api):
    dossier = api.create()
    upload(api, "officer", dossier, rotated_scan(), name="quét xoay.pdf")
    upload(api, "officer", dossier, exif_rotated_jpeg(), name="ảnh điện thoại.jpg", attachment_type="birth_certificate")
    dossier = api.fire_ok("reviewer", api.fire_ok("officer", dossier, "submit"), "approve")
    batch = api.forwarded(dossier)
    data = api.get("liaison", batch["bundle_url"]).data
    children = outline_of(PdfReader(io.BytesIO(data)))[2][2]
    scan_page, photo_page = children[2][1], children[3][1]
    assert photo_page == scan_page + 2
    document = pypdfium2.PdfDocument(data)
    try:
        for index in (scan_page, scan_page + 1, photo_page):
            bitmap = document[index].render(scale=1).to_pil().convert("L")  # as shown: turned, cropped
            width, height = bitmap.size
            # the stamp's line, upright at the bottom right; nothing at the other corners
            assert dark(bitmap, (width - 15 * MM - 40, height - 12 * MM, width - 15 * MM, height - 7 * MM)) > 20
            for corner in ((15 * MM, 7 * MM, 15 * MM + 40, 12 * MM), (width - 15 * MM - 40, 7 * MM,
                                                                    width - 15 * MM, 12 * MM)):
                assert dark(bitmap, corner) == 0
        assert abs(bitmap.size[0] - 595) <= 1 and abs(bitmap.size[1] - 842) <= 1  # the photo's page: A4 portrait
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            (x0, top, x1, bottom), = image_placements(pdf.pages[photo_page])
        assert bottom - top > x1 - x0  # shown as the phone held it: portrait
        # the stored top-left corner, turned a quarter clockwise, is the shown top-right one
        assert dark(bitmap, (x1 - 20, top + 2, x1 - 2, top + 20)) > 200
        assert dark(bitmap, (x0 + 2, top + 2, x0 + 20, top + 20)) == 0
    finally:
        document.close()


def jpeg(mode: str, **options) -> bytes:
    image = Image.new("RGB", (300, 200), (200, 30, 60))
    image.paste((20, 120, 220), (0, 0, 100, 100))
    out = io.BytesIO()
    image.convert(mode).save(out, "JPEG", **options)
    return out.getvalue()


def exif(orientation: int) -> bytes:
    tags = Image.Exif()
    tags[0x0112] = orientation
    return tags.tobytes()


@pytest.mark.parametrize("mode, options", [
    ("RGB", {}), ("L", {}), ("CMYK", {}), ("RGB", {"exif": exif(6)}), ("RGB", {"exif": exif(2)}),
    ("RGB", {"icc_profile": b"icc"})], ids=["colour", "grey", "cmyk-adobe", "turned", "mirrored", "icc"])
def test_a_jpeg_is_placed_as_img2pdf_places_it(monkeypatch, mode, options):
    """A JPEG's bytes are made the image without img2pdf (which writes a PDF around them to be read back): the same
    image, its colours (an Adobe CMYK JPEG's inverted, an ICC profile's), turned by its EXIF orientation alike."""
    from PIL import ImageCms

    from workflow.pdf import bundle

    if "icc_profile" in options:
        options = {"icc_profile": ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()}
    data = jpeg(mode, **options)
    placed = bundle.image_pdf(data)
    monkeypatch.setattr(bundle, "_JPEG_COLOURS", {})  # every image through img2pdf
    by_img2pdf = bundle.image_pdf(data)
    with pikepdf_xobject(placed) as ours, pikepdf_xobject(by_img2pdf) as theirs:
        assert ours.read_raw_bytes() == data
        assert {key: value for key, value in ours.items() if key != "/ColorSpace"} == \
            {key: value for key, value in theirs.items() if key != "/ColorSpace"}
    images = [pypdfium2.PdfDocument(pdf) for pdf in (placed, by_img2pdf)]
    try:
        drawn = [document[0].render(scale=0.5).to_pil().convert("RGB") for document in images]
        assert ImageChops.difference(*drawn).getbbox() is None
    finally:
        for document in images:
            document.close()


@contextlib.contextmanager
def pikepdf_xobject(data: bytes):
    import pikepdf

    with pikepdf.Pdf.open(io.BytesIO(data)) as pdf:
        (xobject,) = pdf.pages[0].Resources.XObject.values()
        yield xobject


def test_the_stored_files_are_not_touched(api, app):
    from workflow import storage

    batch, first, second = two_unions_batch(api)
    api.get("liaison", batch["bundle_url"])
    with app.app_context():
        for dossier in (first, second):
            seen = api.view("liaison", dossier)
            for entry in seen["documents"] + seen["attachments"]:
                assert hashlib.sha256(storage.read(entry["sha256"])).hexdigest() == entry["sha256"]


# --- the outcome -------------------------------------------------------------------------------------------

def three_houses(api):
    """Three housing dossiers sent to the province, which decides them."""
    a = api.approved(kind="union_housing")
    b = api.approved("officer2", "union_housing", full_name="Trần Thị Lệ Thủy", citizen_id="070190004321")
    c = api.approved(kind="union_housing", full_name="Đỗ Thị Yến", citizen_id="070190007777")
    batch = api.forwarded(a, b, c)
    return batch, [api.view("liaison", d) for d in (a, b, c)]


def decide(api, batch, event, dossiers, **extra):
    items = [{"dossier_id": d["id"], "version": api.view("liaison", d)["version"],
              **({"granted_amount_vnd": 20_000_000} if event == "accept" else {})} for d in dossiers]
    response = api.post("liaison", f"/api/v1/batches/{batch['id']}/decisions", {"event": event, "items": items,
                                                                                  **extra})
    assert response.status_code == 200 and all(r["ok"] for r in response.json["results"]), response.json
    return response.json


def outcome_section(data):
    reader = PdfReader(io.BytesIO(data))
    outline = outline_of(reader)
    found = [item for item in outline if item[0].endswith("Kết quả giải quyết")]
    return reader, outline, found


def test_the_decisions_are_filed_once_at_the_end_after_the_batch_is_decided(api):
    batch, (a, b, c) = three_houses(api)
    before = api.get("liaison", batch["bundle_url"]).data
    assert outcome_section(before)[2] == []
    decision = decide(api, batch, "accept", [a, b])["decision"]  # one Quyết định for two dossiers
    decide(api, batch, "reject", [c], comment="Đã được địa phương hỗ trợ làm nhà.")
    notice = api.view("liaison", c)["documents"][-1]
    data = api.get("reviewer", batch["bundle_url"]).data  # the sender files it too
    reader, outline, ((title, page, children),) = outcome_section(data)
    assert outline[-1][0] == title == "6. Kết quả giải quyết"  # after the three dossiers, last
    assert [t.split(" (")[0] for t, _ in children] == ["6.1 Quyết định hỗ trợ nhà “Mái ấm Công đoàn” cho đoàn viên",
                                                      "6.2 Thông báo kết quả xét hồ sơ đề nghị hỗ trợ nhà “Mái ấm "
                                                      "Công đoàn” cho đoàn viên"]
    assert f"số {decision['number']}, ngày 05/01/2026" in children[0][0] and "2 hồ sơ" not in children[0][0]
    assert "Nguyễn Văn Ánh" in children[0][0] and "Trần Thị Lệ Thủy" in children[0][0]
    assert f"số {notice['number']}" in children[1][0] and "Đỗ Thị Yến" in children[1][0]
    # the Quyết định once, its pages as issued, then the notice up to the last sheet
    assert children[1][1] - children[0][1] == decision["page_count"]
    assert len(reader.pages) - children[1][1] == notice["page_count"]
    decision_text = " ".join(reader.pages[children[0][1]].extract_text().split())
    assert "QUYẾT ĐỊNH" in decision_text.upper() and decision["number"] in decision_text
    assert sum(decision["number"] in " ".join(p.extract_text().split()[:60]) for p in reader.pages) == 1
    # the pages filed before the decision keep their place: the outcome is added after them
    assert outline_of(PdfReader(io.BytesIO(before))) == outline[:-1]
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        stamps = stamps_of(pdf)
        rows = toc_rows(pdf, outline[1][1] + 1, outline[2][1])
    assert [[(i, n) for i, n, _, _ in s] for s in stamps] == [[(i, len(stamps))] for i in range(1, len(stamps) + 1)]
    assert rows[-3][:2] == ["6", "Kết quả giải quyết"] and first_page(rows[-2][2]) == children[0][1] + 1
    archive = zipfile.ZipFile(io.BytesIO(zip_of(api, batch)))
    outcomes = [p for p in archive.namelist() if p.startswith("06_ket-qua-giai-quyet/")]
    assert len(outcomes) == 2 and {hashlib.sha256(archive.read(p)).hexdigest() for p in outcomes} == {
        decision["sha256"], notice["sha256"]}


def test_a_build_made_before_the_decision_is_not_served_after_it(api, app):
    app.config["BUNDLE_INLINE_MAX_DOSSIERS"] = 1
    try:
        batch, (a, b, c) = three_houses(api)
        before = api.get("liaison", batch["bundle_url"])  # built in the background (inline in tests) and stored
        assert before.status_code == 200 and outcome_section(before.data)[2] == []
        assert api.get("liaison", batch["bundle_url"]).data == before.data  # the stored build, as long as it holds
        decide(api, batch, "accept", [a])
        after = api.get("liaison", batch["bundle_url"])
        assert after.status_code == 200 and after.data != before.data
        (_, _, children), = outcome_section(after.data)[2]
        assert len(children) == 1 and children[0][0].startswith("6.1 Quyết định")
        assert api.get("reviewer", batch["bundle_url"]).data == after.data  # stored again, served to both
    finally:
        app.config["BUNDLE_INLINE_MAX_DOSSIERS"] = 5
