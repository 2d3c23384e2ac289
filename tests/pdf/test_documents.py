"""Every step's PDF read back: heading, number, names with diacritics, and only the shipped font."""
import hashlib
import io

import pytest
from pypdf import PdfReader


def read(api, user, document):
    response = api.get(user, document["url"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data


def text_of(data):
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def fonts_of(data):
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def all_step_documents(api):
    """Run one dossier through every document-issuing step (and a second one to reject and refer back)."""
    d = api.fire_ok("officer", api.create(), "submit")
    d = api.fire_ok("reviewer", d, "return", comment="Bổ sung bản sao giấy khai sinh của cháu.")
    d = api.fire_ok("officer", d, "submit")
    d = api.fire_ok("reviewer", d, "approve")
    other = api.approved("officer2", full_name="Trần Thị Lệ Thủy", child_full_name="Trần Gia Hưng")
    third = api.approved("officer2", full_name="Đỗ Thị Yến", child_full_name="Đỗ Quốc Việt")
    batch = api.forwarded(d, other, third)
    d = api.get("liaison", f"/api/v1/dossiers/{d['id']}").json
    d = api.fire_ok("liaison", d, "accept", granted_amount_vnd=45_000_000)
    other = api.fire_ok("liaison", api.get("liaison", f"/api/v1/dossiers/{other['id']}").json, "reject",
                        comment="Gia đình đã nhận hỗ trợ của Quỹ Bảo trợ trẻ em tỉnh.")
    third = api.fire_ok("liaison", api.get("liaison", f"/api/v1/dossiers/{third['id']}").json, "refer_back",
                        comment="Đề nghị xác minh lại hoàn cảnh gia đình.")
    return d, other, third, batch


@pytest.fixture
def issued(api):
    return all_step_documents(api)


EXPECTED = [
    # (which, index, heading, number, issuer line, words that must be in the body)
    ("accepted", 0, "TỜ TRÌNH", "01/TTr-CĐCS", "CÔNG ĐOÀN CÔNG TY TNHH MTV CAO SU PHÚ RIỀNG",
     ["Nguyễn Văn Ánh", "Nguyễn Thị Bảo Ngọc", "Thông liên thất (VSD)", "50.000.000 đ", "378/QĐ-TLĐ",
      "Phú Riềng, ngày 05 tháng 01 năm 2018", "TM. BAN CHẤP HÀNH", "Trần Quốc Dũng"]),
    ("accepted", 1, "THÔNG BÁO", "01/TB-LĐLĐ", "LIÊN ĐOÀN LAO ĐỘNG HUYỆN PHÚ RIỀNG",
     ["Bổ sung bản sao giấy khai sinh của cháu.", "Tờ trình số 01/TTr-CĐCS", "Nguyễn Thị Bảo Ngọc"]),
    ("accepted", 2, "TỜ TRÌNH", "02/TTr-CĐCS", "CÔNG ĐOÀN CÔNG TY TNHH MTV CAO SU PHÚ RIỀNG", ["lần nộp thứ 2"]),
    ("accepted", 3, "BIÊN BẢN", "02/BB-LĐLĐ", "LIÊN ĐOÀN LAO ĐỘNG HUYỆN PHÚ RIỀNG",
     ["Đặng Minh Quân", "Nguyễn Thị Bảo Ngọc", "Liên đoàn Lao động tỉnh Bình Phước"]),
    ("accepted", 4, "QUYẾT ĐỊNH", "01/QĐ-LĐLĐ", "LIÊN ĐOÀN LAO ĐỘNG TỈNH BÌNH PHƯỚC",
     ["45.000.000 đ", "Nguyễn Thị Bảo Ngọc", "Tờ trình số 05/TTr-LĐLĐ", "Bình Phước, ngày 05 tháng 01 năm 2018",
      "TM. BAN THƯỜNG VỤ", "Lê Thị Xuân Trang"]),
    ("rejected", -1, "THÔNG BÁO", "02/TB-LĐLĐ", "LIÊN ĐOÀN LAO ĐỘNG TỈNH BÌNH PHƯỚC",
     ["không được chấp thuận", "Gia đình đã nhận hỗ trợ của Quỹ Bảo trợ trẻ em tỉnh.", "Trần Gia Hưng"]),
    ("referred", -1, "THÔNG BÁO", "03/TB-LĐLĐ", "LIÊN ĐOÀN LAO ĐỘNG TỈNH BÌNH PHƯỚC",
     ["Đề nghị xác minh lại hoàn cảnh gia đình.", "Đỗ Quốc Việt"]),
]


@pytest.mark.parametrize("which,index,heading,number,issuer,words", EXPECTED, ids=[e[3] for e in EXPECTED])
def test_step_document_text_and_font(api, issued, which, index, heading, number, issuer, words):
    dossier = {"accepted": issued[0], "rejected": issued[1], "referred": issued[2]}[which]
    document = dossier["documents"][index]
    assert document["number"] == number
    data = read(api, "officer" if which == "accepted" else "officer2", document)
    assert hashlib.sha256(data).hexdigest() == document["sha256"]
    text = text_of(data)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert heading in text
    assert f"Số: {number}" in text
    assert issuer in text
    for word in words:
        assert word in text, word
    assert fonts_of(data) <= {"Liberation-Serif", "Liberation-Serif-Bold", "Liberation-Serif-Italic",
                              "Liberation-Serif-Bold-Italic"}, fonts_of(data)


def test_batch_tờ_trình_has_its_landscape_appendix(api, issued):
    batch = issued[3]
    data = read(api, "reviewer", batch["documents"][0])
    reader = PdfReader(io.BytesIO(data))
    first, last = reader.pages[0], reader.pages[-1]
    assert first.mediabox.width < first.mediabox.height  # portrait A4
    assert last.mediabox.width > last.mediabox.height  # landscape appendix
    text = text_of(data)
    assert "Số: 05/TTr-LĐLĐ" in text and "Kính gửi: Liên đoàn Lao động tỉnh Bình Phước." in text
    assert "DANH SÁCH TRÍCH NGANG" in text and "Tổng cộng: 3 hồ sơ" in text
    assert "Kèm theo Tờ trình số 05/TTr-LĐLĐ" in text
    for name in ("Nguyễn Văn Ánh", "Trần Thị Lệ Thủy", "Đỗ Thị Yến", "150.000.000 đ"):
        assert name in text
    assert fonts_of(data) <= {"Liberation-Serif", "Liberation-Serif-Bold", "Liberation-Serif-Italic",
                              "Liberation-Serif-Bold-Italic"}


def test_a_download_returns_the_same_bytes_every_time(api, issued):
    document = issued[0]["documents"][0]
    assert read(api, "officer", document) == read(api, "reviewer", document)


def test_a_long_document_numbers_its_pages_from_page_two(api):
    long_text = "Khó khăn kéo dài nhiều năm, gia đình không có thu nhập ổn định. " * 6
    dossier = api.create(address=long_text[:300], diagnosis=long_text[:300], workplace=long_text[:200])
    dossier = api.fire_ok("officer", dossier, "submit")
    dossier = api.fire_ok("reviewer", dossier, "approve")
    data = read(api, "officer", dossier["documents"][-1])
    pages = PdfReader(io.BytesIO(data)).pages
    assert len(pages) >= 2
    assert texts_in_top_margin(pages[0]) == []
    assert texts_in_top_margin(pages[1]) == ["2"]


def texts_in_top_margin(page):
    """Text drawn above the 20 mm top margin (where the page number goes)."""
    top = float(page.mediabox.height) - 20 / 25.4 * 72
    found = []

    def visit(text, cm, tm, font_dict, font_size):
        y = tm[5] * cm[3] + cm[5]
        if text.strip() and y > top:
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    return found


@pytest.mark.parametrize("url", [
    "file:///etc/hostname",
    "https://example.com/font.ttf",
    "{fonts}/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fhostname",
    "{fonts}/../../../../../../etc/hostname",
])
def test_the_renderer_fetches_nothing_but_the_shipped_fonts(url):
    from workflow.pdf.render import FONT_DIR, ShippedFontsOnly

    fetcher = ShippedFontsOnly()
    with pytest.raises(ValueError):
        fetcher.fetch(url.format(fonts=FONT_DIR.as_uri()))
    response = fetcher.fetch((FONT_DIR / "LiberationSerif-Regular.ttf").as_uri())
    assert response is not None
