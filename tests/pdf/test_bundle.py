"""The province's bundle: merged from the stored files, with a table of contents and bookmarks per dossier
and per part; the ZIP carries the same files byte for byte with a manifest of SHA-256 sums."""
import hashlib
import io
import json
import zipfile

from PIL import Image
from pypdf import PdfReader

from ..dossiers.test_attachments import image_bytes, pdf_bytes, upload


def outline_of(reader):
    """[(title, page index, [(child title, page index)])] of a two-level outline."""
    result, items = [], list(reader.outline)
    for index, item in enumerate(items):
        if isinstance(item, list):
            continue
        children = items[index + 1] if index + 1 < len(items) and isinstance(items[index + 1], list) else []
        result.append((item.title, reader.get_destination_page_number(item),
                       [(c.title, reader.get_destination_page_number(c)) for c in children]))
    return result


def two_unions_batch(api):
    first = api.create()
    upload(api, "officer", first, pdf_bytes(3), name="chỉ định.pdf")
    upload(api, "officer", first, image_bytes("JPEG", (1200, 800)), name="khai sinh.jpg",
           attachment_type="birth_certificate")
    first = api.fire_ok("reviewer", api.fire_ok("officer", first, "submit"), "approve")
    second = api.create("officer2", full_name="Trần Thị Lệ Thủy", child_full_name="Trần Gia Hưng")
    upload(api, "officer2", second, image_bytes("PNG", (300, 900)), name="chi-dinh.png")
    second = api.fire_ok("reviewer", api.fire_ok("officer2", second, "submit"), "approve")
    return api.forwarded(first, second), first, second


def union_request(api, dossier):
    """(number, dd/mm/yyyy) of the union's Tờ trình that sent the dossier up."""
    request = next(d for d in api.view("liaison", dossier)["documents"] if d["doc_type"] == "TTr")
    year, month, day = request["issued_on"].split("-")
    return request["number"], f"{day}/{month}/{year}"


def section_title(api, dossier, subject):
    number, day = union_request(api, dossier)
    return f"Hồ sơ của {subject} — Tờ trình số {number} ngày {day} của {dossier['org']['name']}"


def test_bundle_pages_and_bookmarks_match_its_parts(api):
    batch, first, second = two_unions_batch(api)
    response = api.get("liaison", batch["bundle_url"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    outline = outline_of(reader)
    head_pages = batch["documents"][0]["page_count"]
    assert outline[0][0] == "1. Tờ trình số 03/TTr-CĐX ngày 05/01/2026 và danh sách trích ngang"
    assert outline[0][1] == 0
    assert outline[1][0] == "2. Mục lục" and outline[1][1] == head_pages
    dossiers = outline[2:]
    assert [d[0] for d in dossiers] == [
        "3. " + section_title(api, first, "Nguyễn Thị Bảo Ngọc (con của Nguyễn Văn Ánh)"),
        "4. " + section_title(api, second, "Trần Gia Hưng (con của Trần Thị Lệ Thủy)")]
    first_parts = [title for title, _ in dossiers[0][2]]
    assert first_parts[0].startswith("3.1 Tờ trình đề nghị") and first_parts[1].startswith("3.2 Biên bản thẩm định")
    assert first_parts[2:] == ["3.3 Giấy chỉ định phẫu thuật: chỉ định.pdf",
                               "3.4 Giấy khai sinh của trẻ: khai sinh.jpg"]
    # each part starts where the previous one ended: TTr 1 page, BB pages, a 3-page PDF, then the image on one page
    starts = [page for _, page in dossiers[0][2]]
    assert starts[3] - starts[2] == 3 and dossiers[1][1] == starts[3] + 1
    assert len(reader.pages) == dossiers[1][2][-1][1] + 1
    image_page = reader.pages[starts[3]]
    assert round(float(image_page.mediabox.width)) == 595 and round(float(image_page.mediabox.height)) == 842  # A4
    toc = " ".join(reader.pages[head_pages].extract_text().split())
    assert "MỤC LỤC BỘ HỒ SƠ" in toc.upper() and "Giấy khai sinh của trẻ: khai sinh.jpg" in toc
    assert f"Bộ hồ sơ gồm {len(reader.pages)} trang" in toc


def test_zip_holds_the_same_files_and_their_sums(api):
    batch, first, second = two_unions_batch(api)
    response = api.get("reviewer", batch["bundle_url"].replace(".pdf", ".zip"))
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    response.close()
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["batch"]["number"] == "03/TTr-CĐX"
    paths = [f["path"] for f in manifest["files"]]
    assert sorted(paths + ["manifest.json"]) == sorted(archive.namelist())
    for entry in manifest["files"]:
        data = archive.read(entry["path"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["size"]
    documents = api.get("reviewer", f"/api/v1/dossiers/{first['id']}").json
    stored = {d["sha256"] for d in documents["documents"]} | {a["sha256"] for a in documents["attachments"]}
    assert stored <= {f["sha256"] for f in manifest["files"]}  # the original bytes, not copies re-made
    assert paths[0] == "01_03-TTr-CDX_to-trinh.pdf" and any(p.endswith(".jpg") for p in paths)
    # folders numbered as the table of contents, named by the person and the union's Tờ trình, not by an id
    folders = sorted({p.split("/")[0] for p in paths if "/" in p})
    assert folders == ["03_Nguyen-Thi-Bao-Ngoc-con-cua-Nguyen-Van-Anh_01-TTr-CDCS",
                       "04_Tran-Gia-Hung-con-cua-Tran-Thi-Le-Thuy_01-TTr-CDCS"]
    assert [f["number"] for f in manifest["files"]][:3] == ["1", "3.1", "3.2"]
    Image.open(io.BytesIO(archive.read(next(p for p in paths if p.endswith(".jpg"))))).verify()


def test_only_the_forwarding_district_and_the_deciding_province_get_the_bundle(api, browser):
    batch, _, _ = two_unions_batch(api)
    for user, status in [("reviewer", 200), ("liaison", 200), ("officer", 404), ("officer2", 404), ("reviewer2", 404),
                         ("officer3", 404), ("admin", 404)]:
        for response in (api.get(user, batch["bundle_url"].replace(".pdf", ".zip")),
                         browser(user).get(f"/batches/{batch['id']}/bundle.zip")):
            response.close()  # the ZIP is streamed from a temporary file, closed with the response
            assert response.status_code == status, user


def test_a_large_batch_is_built_in_the_background_with_progress(api, app, browser):
    app.config["BUNDLE_INLINE_MAX_DOSSIERS"] = 1
    try:
        batch, first, second = two_unions_batch(api)
        response = api.get("liaison", batch["bundle_url"])  # huey runs inline in tests: built by now
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        again = api.get("reviewer", batch["bundle_url"])
        assert again.data == response.data  # the stored build, not a new one
        outline = outline_of(PdfReader(io.BytesIO(response.data)))
        assert len(outline) == 4  # Tờ trình, Mục lục, two dossiers
        page = browser("reviewer").get(f"/batches/{batch['id']}/bundle.pdf")
        assert page.status_code == 200 and page.data == response.data
    finally:
        app.config["BUNDLE_INLINE_MAX_DOSSIERS"] = 5


def test_progress_shows_while_the_build_waits(api, app, browser):
    from workflow.jobs import huey

    app.config["BUNDLE_INLINE_MAX_DOSSIERS"] = 1
    huey.immediate = False  # queued, nobody consumes: the build waits
    try:
        batch, _, _ = two_unions_batch(api)
        response = api.get("liaison", batch["bundle_url"])
        assert response.status_code == 202 and response.json["status"] == "queued" and response.json["total"] == 2
        shown = browser("liaison").get(f"/batches/{batch['id']}").get_data(as_text=True)
        assert '<progress id="bundle-progress" value="0" max="2">' in shown and 'http-equiv="refresh"' in shown
        huey.flush()
    finally:
        huey.immediate = True
        app.config["BUNDLE_INLINE_MAX_DOSSIERS"] = 5


def test_asking_again_while_it_waits_queues_nothing_more(api, app):
    from workflow.jobs import huey

    app.config["BUNDLE_INLINE_MAX_DOSSIERS"] = 1
    huey.immediate = False
    try:
        batch, _, _ = two_unions_batch(api)
        queued_before = huey.pending_count()
        for _ in range(3):
            assert api.get("liaison", batch["bundle_url"]).status_code == 202
        assert huey.pending_count() == queued_before + 1
        huey.flush()
    finally:
        huey.immediate = True
        app.config["BUNDLE_INLINE_MAX_DOSSIERS"] = 5
