"""Attachments sent in files of their own (the batch's ZIP) carry the sending organisation's signature, as NĐ 30/2020
(Phụ lục I, II.8.b) asks: at the top right of page 1, no image, "<the Tờ trình's number>; <signing time, ISO 8601>"
in 10 pt Liberation Serif; an image goes as a one-page PDF. Read as the recipient reads them: pyHanko's validation
against the published root, the field on the page, the text of its appearance, the page as drawn (pypdfium2)."""
import hashlib
import io
import json
import re
import shutil
import zipfile
from datetime import datetime

import pypdfium2
import pytest
from pypdf import PdfReader, PdfWriter

from workflow.seed import ORGANISATIONS
from workflow.signing import demo_pki, pades
from workflow.signing.keys import trust_roots

from ..dossiers.test_attachments import image_bytes, pdf_bytes, upload

MM = 72 / 25.4
STAMP = re.compile(r"(.+); (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00)")


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("attachment-keys")
    demo_pki.create(folder, [(spec["name"], spec["code"]) for spec in ORGANISATIONS], "mat-khau")
    return folder


@pytest.fixture
def signing(app, key_dir, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_KEY_DIR", str(key_dir))
    monkeypatch.setitem(app.config, "SIGNING_KEY_PASSPHRASE", "mat-khau")
    return key_dir


def turned_pdf() -> bytes:
    """A landscape scan stored upright with /Rotate 90 (as some scanners and phones write it)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842).rotate(90)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


JPEG = image_bytes("JPEG", (1200, 800))


def sent_batch(api):
    """A batch of two dossiers with a 3-page PDF, a turned PDF, a JPEG and a PNG among their attachments."""
    first = api.create()
    for data, name, kind in [(pdf_bytes(3), "chỉ định.pdf", "surgery_indication"),
                             (turned_pdf(), "xét nghiệm.pdf", "surgery_indication"),
                             (JPEG, "khai sinh.jpg", "birth_certificate")]:
        assert upload(api, "officer", first, data, name=name, attachment_type=kind).status_code == 201
    first = api.fire_ok("reviewer", api.fire_ok("officer", first, "submit"), "approve")
    second = api.create("officer2", full_name="Trần Thị Lệ Thủy", child_full_name="Trần Gia Hưng")
    assert upload(api, "officer2", second, image_bytes("PNG", (300, 900)), name="chi-dinh.png").status_code == 201
    second = api.fire_ok("reviewer", api.fire_ok("officer2", second, "submit"), "approve")
    return api.forwarded(first, second), first, second


def zip_of(api, batch, user="reviewer") -> zipfile.ZipFile:
    response = api.get(user, batch["zip_url"])
    assert response.status_code == 200 and response.mimetype == "application/zip"
    data = response.data
    response.close()  # streamed from a temporary file
    return zipfile.ZipFile(io.BytesIO(data))


def stored_attachments(api, *dossiers) -> dict[str, bytes]:
    """sha256 -> the stored bytes of each attachment, as its dossier's staff download it."""
    found = {}
    for dossier in dossiers:
        for attachment in api.view("reviewer", dossier)["attachments"]:
            found[attachment["sha256"]] = api.get("reviewer", attachment["url"]).data
    return found


def signature_widget(page):
    """The visible signature field of the page: (its name, its rectangle, its appearance stream)."""
    for annotation in page.get("/Annots", []):
        annotation = annotation.get_object()
        if annotation.get("/FT") == "/Sig" and annotation.get("/Subtype") == "/Widget":
            rect = [float(v) for v in annotation["/Rect"]]
            if rect[2] - rect[0] > 0:
                return annotation["/T"], rect, annotation["/AP"]["/N"].get_object()
    return None


def drawn(data: bytes):
    """Page 1 as a reader draws it (the fields' appearances too), 100 dpi, greyscale."""
    document = pypdfium2.PdfDocument(data)
    document.init_forms()
    return document[0].render(scale=100 / 72, may_draw_forms=True).to_pil().convert("L")


def ink(image, box) -> int:
    """Dark pixels in box (left, top, right, bottom) of the image, in fractions of its size."""
    w, h = image.size
    region = image.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
    return sum(region.histogram()[:128])


def test_each_attachment_in_the_zip_carries_the_senders_signature_at_the_top_right(app, api, signing):
    batch, first, second = sent_batch(api)
    number, sender = batch["number"], batch["org"]
    archive = zip_of(api, batch)
    manifest = json.loads(archive.read("manifest.json"))
    stored = stored_attachments(api, first, second)
    entries = [f for f in manifest["files"] if f.get("stored_sha256") in stored]
    assert len(entries) == len(stored) >= 4  # and a paper submit adds when a required one is missing
    with app.app_context():
        roots = trust_roots()
    for entry in entries:
        data = archive.read(entry["path"])
        assert entry["signed"] is True and entry["path"].endswith(".pdf")
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["size"]
        [status] = pades.validate(data, roots)
        assert status.intact and status.trusted and status.valid, entry["path"]
        assert status.field == "ChuKyCoQuan" and status.signer.startswith(f"(TEST) {sender['name'][:40]}")
        original = stored[entry["stored_sha256"]]
        if entry.get("stored_content_type") is None:  # a PDF: the stored bytes, then the signature's update
            assert data[:len(original)] == original
        reader = PdfReader(io.BytesIO(data))
        page = reader.pages[0]
        name, (x0, y0, x1, y1), appearance = signature_widget(page)
        assert name == "ChuKyCoQuan"
        text = page.extract_xform_text(appearance).strip()
        match = STAMP.fullmatch(text)
        assert match and match[1] == number, text
        # the time shown is the one the signature carries, in Vietnam's time zone
        assert datetime.fromisoformat(match[2]) == status.signed_at
        if page.rotation % 360 == 0:  # in the page's own coordinates: top right, inside the sheet
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            assert width - 20 * MM < x1 <= width - 10 * MM and x0 > width / 2
            assert height - 20 * MM < y0 < y1 <= height - 5 * MM
        # as drawn (a turned page shown turned): ink at the top right only, where the sheet was blank
        image = drawn(data)
        assert ink(image, (0.5, 0, 1, 0.06)) > 100, entry["path"]
        assert ink(image, (0, 0, 0.5, 0.06)) == 0
    images = {e["stored_content_type"]: e for e in entries if "stored_content_type" in e}
    assert set(images) == {"image/jpeg", "image/png"}
    # the photo, on an A4 page of its own: its JPEG bytes kept as they were uploaded
    photo = PdfReader(io.BytesIO(archive.read(images["image/jpeg"]["path"]))).pages[0]
    assert (round(float(photo.mediabox.width)), round(float(photo.mediabox.height))) == (595, 842)
    [xobject] = [x.get_object() for x in photo["/Resources"]["/XObject"].values()]
    assert xobject["/Filter"] == "/DCTDecode" and xobject._data == JPEG
    assert images["image/jpeg"]["path"].endswith("_khai-sinh.pdf")
    # the documents the system issued are in the ZIP as they were issued
    others = [f for f in manifest["files"] if "stored_sha256" not in f]
    assert others and all(hashlib.sha256(archive.read(f["path"])).hexdigest() == f["sha256"] for f in others)
    # the merged bundle's attachments are not signed on their own (the bundle is one file)
    bundle = PdfReader(io.BytesIO(api.get("reviewer", batch["bundle_url"]).data))
    assert not any(signature_widget(page) for page in bundle.pages)


def test_one_changed_byte_fails_an_attachments_signature(app, api, signing):
    batch, first, second = sent_batch(api)
    archive = zip_of(api, batch)
    manifest = json.loads(archive.read("manifest.json"))
    path = next(f["path"] for f in manifest["files"] if f.get("signed") and "stored_content_type" not in f)
    data = archive.read(path)
    start = data.index(b"stream") + 10  # inside page 1's content, as stored
    changed = data[:start] + bytes([data[start] ^ 0x01]) + data[start + 1:]
    with app.app_context():
        [status] = pades.validate(changed, trust_roots())
    assert not status.intact and not status.valid


def test_an_attachment_already_signed_keeps_its_signature_beside_the_senders(app, api, signing):
    """A paper that is itself a document an organisation issued (signed, its field named ChuKyCoQuan)."""
    issued = api.submitted("officer3")
    paper = api.get("officer3", issued["documents"][-1]["url"]).data
    dossier = api.create()
    upload(api, "officer", dossier, paper, name="to-trinh-cu.pdf")
    dossier = api.fire_ok("reviewer", api.fire_ok("officer", dossier, "submit"), "approve")
    batch = api.forwarded(dossier)
    archive = zip_of(api, batch)
    manifest = json.loads(archive.read("manifest.json"))
    [entry] = [f for f in manifest["files"] if f.get("stored_sha256") == hashlib.sha256(paper).hexdigest()]
    with app.app_context():
        statuses = pades.validate(archive.read(entry["path"]), trust_roots())
    assert [s.field for s in statuses] == ["ChuKyCoQuan", "ChuKyCoQuan2"]
    assert all(s.intact and s.trusted and s.valid for s in statuses)
    assert statuses[1].signer.startswith(f"(TEST) {batch['org']['name'][:40]}")


def test_without_the_senders_key_the_zip_holds_the_files_as_stored(app, api, signing, monkeypatch, tmp_path):
    batch, first, second = sent_batch(api)
    keys = shutil.copytree(signing, tmp_path / "keys")
    (keys / f"{batch['org']['code']}.p12").unlink()  # the other organisations keep theirs
    monkeypatch.setitem(app.config, "SIGNING_KEY_DIR", str(keys))
    archive = zip_of(api, batch)
    manifest = json.loads(archive.read("manifest.json"))
    stored = stored_attachments(api, first, second)
    assert stored.keys() <= {f["sha256"] for f in manifest["files"]}
    for entry in manifest["files"]:
        data = archive.read(entry["path"])
        assert "signed" not in entry and "stored_sha256" not in entry
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        if entry["sha256"] in stored:
            assert data == stored[entry["sha256"]]
            assert not data.startswith(b"%PDF") or not pades.validate(data, [])
    assert any(p.endswith(".jpg") for p in archive.namelist()) and any(p.endswith(".png") for p in archive.namelist())
