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
    """Run one house through every document-issuing step on today's tree (the commune union reviews, the province
    decides), and two more to reject and refer back."""
    d = api.fire_ok("officer", api.create(kind="union_housing"), "submit")
    d = api.fire_ok("reviewer", d, "return", comment="Bổ sung ảnh hiện trạng nhà ở.")
    d = api.fire_ok("officer", d, "submit")
    d = api.fire_ok("reviewer", d, "approve")
    other = api.approved("officer2", "union_housing", full_name="Trần Thị Lệ Thủy", citizen_id="070190004321")
    third = api.approved("officer2", "union_housing", full_name="Đỗ Thị Yến", citizen_id="070190004322")
    batch = api.forwarded(d, other, third)
    d = api.fire_ok("liaison", api.view("liaison", d), "accept", granted_amount_vnd=25_000_000)
    other = api.fire_ok("liaison", api.view("liaison", other), "reject",
                        comment="Gia đình đã được địa phương hỗ trợ xây nhà năm 2025.")
    third = api.fire_ok("liaison", api.view("liaison", third), "refer_back",
                        comment="Đề nghị xác minh lại hiện trạng nhà ở.")
    return d, other, third, batch


@pytest.fixture
def issued(api):
    return all_step_documents(api)


EXPECTED = [
    # (which, index, heading, number, issuer lines (parent, issuer), words that must be in the body)
    ("accepted", 0, "TỜ TRÌNH", "01/TTr-CĐCS",
     # its short header name: the full one is too long for the heading's column
     ("CÔNG ĐOÀN XÃ PHÚ RIỀNG", "CĐCS CTY CAO SU PHÚ RIỀNG"),
     ["Nguyễn Văn Ánh", "30.000.000 đồng (Bằng chữ: Ba mươi triệu đồng)", "Mái ấm Công đoàn",
      "Kính gửi: Công đoàn xã Phú Riềng",
      "Phú Riềng, ngày 05 tháng 01 năm 2026", "TM. BAN CHẤP HÀNH", "Trần Quốc Dũng"]),
    ("accepted", 1, "THÔNG BÁO", "01/TB-CĐX", ("LĐLĐ TỈNH ĐỒNG NAI", "CÔNG ĐOÀN XÃ PHÚ RIỀNG"),
     ["Bổ sung ảnh hiện trạng nhà ở.", "Tờ trình số 01/TTr-CĐCS", "Nguyễn Văn Ánh",
      "Kính gửi: Công đoàn cơ sở Công ty TNHH MTV Cao su Phú Riềng"]),
    ("accepted", 2, "TỜ TRÌNH", "02/TTr-CĐCS",
     ("CÔNG ĐOÀN XÃ PHÚ RIỀNG", "CĐCS CTY CAO SU PHÚ RIỀNG"),
     ["lần nộp thứ 2"]),
    ("accepted", 3, "BIÊN BẢN", "02/BB-CĐX", ("LĐLĐ TỈNH ĐỒNG NAI", "CÔNG ĐOÀN XÃ PHÚ RIỀNG"),
     ["Đặng Minh Quân", "Nguyễn Văn Ánh", "Tờ trình số 02/TTr-CĐCS", "NGƯỜI THẨM ĐỊNH", "Kết luận",
      "Thống nhất trình Liên đoàn Lao động tỉnh Đồng Nai xem xét, quyết định"]),
    ("accepted", 4, "QUYẾT ĐỊNH", "01/QĐ-LĐLĐ",
     ("TỔNG LĐLĐ VIỆT NAM", "LĐLĐ TỈNH ĐỒNG NAI"),  # the union's abbreviations: neither name fits 76 mm
     ["25.000.000 đồng (Bằng chữ: Hai mươi lăm triệu đồng)", "Nguyễn Văn Ánh", "Tờ trình số 05/TTr-CĐX",
      "của Công đoàn xã Phú Riềng", "Căn cứ Điều lệ Công đoàn Việt Nam;", "Quỹ hỗ trợ xã hội Công đoàn tỉnh Đồng Nai",
      "Đồng Nai, ngày 05 tháng 01 năm 2026", "TM. BAN THƯỜNG VỤ KT. CHỦ TỊCH PHÓ CHỦ TỊCH Phạm Văn Lực",
      "Lưu: VT, CSPL."]),
    ("rejected", -1, "THÔNG BÁO", "02/TB-LĐLĐ",
     ("TỔNG LĐLĐ VIỆT NAM", "LĐLĐ TỈNH ĐỒNG NAI"),
     ["không được chấp thuận", "Gia đình đã được địa phương hỗ trợ xây nhà năm 2025.", "Trần Thị Lệ Thủy",
      "Kính gửi: Công đoàn xã Phú Riềng"]),
    ("referred", -1, "THÔNG BÁO", "03/TB-LĐLĐ",
     ("TỔNG LĐLĐ VIỆT NAM", "LĐLĐ TỈNH ĐỒNG NAI"),
     ["Đề nghị xác minh lại hiện trạng nhà ở.", "Đỗ Thị Yến", "Công đoàn xã Phú Riềng xem xét lại"]),
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
    assert f"{issuer[0]} {issuer[1]}" in text  # the parent of the day, then the issuer
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
    assert "Số: 05/TTr-CĐX" in text and "Kính gửi: Liên đoàn Lao động tỉnh Đồng Nai." in text
    assert "DANH SÁCH TRÍCH NGANG" in text and "Tổng cộng: 3 hồ sơ" in text
    assert "Kèm theo Tờ trình số 05/TTr-CĐX" in text
    for name in ("Nguyễn Văn Ánh", "Trần Thị Lệ Thủy", "Đỗ Thị Yến", "90.000.000", "Số 02/TTr-CĐCS",
                 "Bằng chữ: Chín mươi triệu đồng"):
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
