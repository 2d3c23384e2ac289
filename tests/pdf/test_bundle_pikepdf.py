"""The bundle copied by qpdf (pikepdf, issue 14) from what the stored files may hold: a page whose content leaves the
graphics state changed, page attributes inherited from the page tree, a PDF encrypted with an owner password only,
signed documents' fields; and a bundle written in pieces (past PIECE_BYTES of files copied into memory, or a large
stored PDF as a piece of its own) that is the same bundle, its files closed once it is written."""
import io
import os

import pdfplumber
import pikepdf
import pypdfium2
import pytest
from PIL import ImageChops

from ..dossiers.test_attachments import upload
from .test_bundle import outline_of, two_unions_batch
from .test_bundle_archive import MM, dark, stamps_of

SQUARE = (100, 600, 200, 700)  # where the stored pages draw a black square, in their own coordinates


def square() -> bytes:
    return b"0 g %d %d %d %d re f" % (SQUARE[0], SQUARE[1], SQUARE[2] - SQUARE[0], SQUARE[3] - SQUARE[1])


def saved(pdf: pikepdf.Pdf, **options) -> bytes:
    out = io.BytesIO()
    pdf.save(out, **options)
    return out.getvalue()


def leaking_pdf() -> bytes:
    """A page whose content ends with the coordinates scaled and moved, the fill colour red, the text's size and
    rise set: what is drawn after it must not be (its q and Q balanced, as PDF asks)."""
    pdf = pikepdf.Pdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    page.obj.Contents = pdf.make_stream(square() + b" q 0.5 0 0 0.5 10 10 cm Q 3 0 0 3 120 300 cm 1 0 0 rg 40 Ts 3 Tz")
    return saved(pdf)


def inherited_pdf() -> bytes:
    """Two pages whose media box (larger than A4) and /Rotate 90 are the page tree's, not their own."""
    pdf = pikepdf.Pdf.new()
    for _ in range(2):
        page = pdf.add_blank_page()
        del page.obj["/MediaBox"]
        page.obj.Contents = pdf.make_stream(square())
    pdf.Root.Pages.MediaBox = pikepdf.Array([0, 0, 700, 900])
    pdf.Root.Pages.Rotate = 90
    return saved(pdf)


def owner_locked_pdf() -> bytes:
    """Encrypted with an owner password and an empty user password: it opens without one (the upload takes it)."""
    pdf = pikepdf.Pdf.new()
    page = pdf.add_blank_page(page_size=(595, 842))
    page.obj.Contents = pdf.make_stream(square())
    return saved(pdf, encryption=pikepdf.Encryption(owner="chu-so-huu", user="", R=6))


def odd_batch(api):
    dossier = api.create()
    for data, name in [(leaking_pdf(), "ro-ri.pdf"), (inherited_pdf(), "ke-thua.pdf"),
                       (owner_locked_pdf(), "khoa.pdf")]:
        response = upload(api, "officer", dossier, data, name=name)
        assert response.status_code == 201, response.json
    dossier = api.fire_ok("reviewer", api.fire_ok("officer", dossier, "submit"), "approve")
    return api.forwarded(dossier)


def shown(document, index):
    """The sheet as a reader shows it (turned, cropped), greyscale at 72 dpi."""
    return document[index].render(scale=1).to_pil().convert("L")


def ink(bitmap) -> int:
    return sum(bitmap.histogram()[:128])


def reader_of(data: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data))


@pytest.mark.parametrize("own_pieces", [False, True], ids=["copied", "each file a piece of its own"])
def test_what_a_stored_page_leaves_behind_does_not_move_its_stamp_and_attributes_are_inherited(api, monkeypatch,
                                                                                              own_pieces):
    if own_pieces:  # each stored PDF stamped in its own PDF and written from its file, as a large scan is
        from workflow.pdf import bundle

        monkeypatch.setattr(bundle, "SMALL_FILE", 0)
    batch = odd_batch(api)
    data = api.get("liaison", batch["bundle_url"]).data
    leaking, inherited, locked = (page for _, page in outline_of(reader_of(data))[2][2][2:5])
    assert inherited == leaking + 1 and locked == inherited + 2
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        stamps = stamps_of(pdf)
        (number, total, right, above_bottom), = stamps[leaking]
        page = pdf.pages[leaking]
        assert (number, total) == (leaking + 1, len(pdf.pages))
        assert page.width - 15 * MM - 1 <= right <= page.width - 15 * MM + 0.5 and 5 * MM < above_bottom < 15 * MM
    document = pypdfium2.PdfDocument(data)
    try:
        for index in (leaking, inherited, inherited + 1, locked):
            bitmap = shown(document, index)
            width, height = bitmap.size
            if index in (inherited, inherited + 1):  # the page tree's box, turned: shown landscape
                assert (width, height) == (900, 700)
            else:
                assert (width, height) == (595, 842)
            # the stamp's line at the bottom right, upright; nothing at the bottom left
            assert dark(bitmap, (width - 15 * MM - 40, height - 12 * MM, width - 15 * MM, height - 7 * MM)) > 20
            assert dark(bitmap, (15 * MM, height - 12 * MM, 15 * MM + 40, height - 7 * MM)) == 0
            # the stored page's own square (decrypted, for the locked one) and the stamp: nothing else
            assert 100 * 100 < ink(bitmap) < 100 * 100 + 1000, index
    finally:
        document.close()


def form_of(data: bytes):
    """(the names of the form's fields, its /SigFlags), checking that every widget on the pages is one of them."""
    with pikepdf.Pdf.open(io.BytesIO(data)) as pdf:
        widgets = [annotation for page in pdf.pages for annotation in page.obj.get("/Annots", [])
                   if annotation.get("/Subtype") == "/Widget"]
        assert widgets, "the issued documents are signed"
        fields = list(pdf.Root.AcroForm.Fields)
        assert {field.objgen for field in fields} == {widget.objgen for widget in widgets}
        return [str(field.T) for field in fields], int(pdf.Root.AcroForm.SigFlags)


def test_signed_documents_keep_their_fields_listed_in_the_form(api, app, monkeypatch, tmp_path):
    """The documents the system issued are signed (an invisible signature field each): their fields are carried
    with their pages and listed in the bundle's form, as pypdf merged them (a reader finds every field; no widget is
    left outside the form), their names made unique; no warning from the copy; the same in a bundle of pieces."""
    from workflow.batches.contents import bundle_contents
    from workflow.dossiers.models import Batch
    from workflow.extensions import db
    from workflow.pdf import bundle
    from workflow.seed import ORGANISATIONS
    from workflow.signing import demo_pki

    demo_pki.create(tmp_path, [(spec["name"], spec["code"]) for spec in ORGANISATIONS], "mat-khau")
    monkeypatch.setitem(app.config, "SIGNING_KEY_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "SIGNING_KEY_PASSPHRASE", "mat-khau")
    batch, _, _ = two_unions_batch(api)
    names, flags = form_of(api.get("liaison", batch["bundle_url"]).data)
    assert len(set(names)) == len(names) > 2 and all(name.startswith("ChuKyCoQuan") for name in names)
    assert flags == 3  # signatures exist, append only
    monkeypatch.setattr(bundle, "SMALL_FILE", 0)  # every stored PDF a piece of its own, the pieces joined by qpdf
    with app.test_request_context():
        pieces = bundle.build_bundle_pdf(bundle_contents(db.session.get(Batch, batch["id"])))
    assert form_of(pieces) == (names, flags)


@pytest.fixture
def pieces_written(monkeypatch):
    """How many pieces each build wrote (0: the bundle written from the one piece in memory)."""
    from workflow.pdf import bundle

    counted = []
    write = bundle._Pieces.write

    def counting(self, *args, **kwargs):
        counted.append(len(self.files))
        return write(self, *args, **kwargs)

    monkeypatch.setattr(bundle._Pieces, "write", counting)
    return counted


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts the open files in /proc")
def test_a_bundle_written_in_pieces_is_the_same_bundle_and_its_files_are_closed(api, app, monkeypatch, pieces_written):
    from workflow.batches.contents import bundle_contents
    from workflow.dossiers.models import Batch
    from workflow.extensions import db
    from workflow.pdf import bundle

    batch, _, _ = two_unions_batch(api)
    builds = {}
    with app.test_request_context():
        contents = bundle_contents(db.session.get(Batch, batch["id"]))
        before = open_files()
        builds["one piece"] = bundle.build_bundle_pdf(contents)
        monkeypatch.setattr(bundle, "PIECE_BYTES", 1)  # every file held in memory ends its piece
        builds["a piece a file"] = bundle.build_bundle_pdf(contents)
        monkeypatch.setattr(bundle, "PIECE_BYTES", 1 << 30)
        monkeypatch.setattr(bundle, "SMALL_FILE", 0)  # every stored PDF a piece of its own, written from its file
        builds["large files"] = bundle.build_bundle_pdf(contents)
        assert open_files() == before
    assert pieces_written[0] == 0 and pieces_written[1] > 5 and pieces_written[2] > 5
    expected = builds.pop("one piece")
    reference = pypdfium2.PdfDocument(expected)
    try:
        for name, data in builds.items():
            assert outline_of(reader_of(data)) == outline_of(reader_of(expected)), name
            document = pypdfium2.PdfDocument(data)
            try:
                assert len(document) == len(reference), name
                for index in range(len(document)):
                    assert document[index].get_textpage().get_text_range() == \
                        reference[index].get_textpage().get_text_range(), (name, index)
                    assert ImageChops.difference(shown(document, index), shown(reference, index)).getbbox() is None, \
                        (name, index)
            finally:
                document.close()
    finally:
        reference.close()


def linked_pdf() -> bytes:
    """Two pages, a link on the first to the second by a named destination (a table of contents of its own)."""
    pdf = pikepdf.Pdf.new()
    for _ in range(2):
        pdf.add_blank_page(page_size=(595, 842))
    pdf.Root.Names = pikepdf.Dictionary(Dests=pikepdf.Dictionary(
        Names=pikepdf.Array([pikepdf.String("muc-2"), pikepdf.Array([pdf.pages[1].obj, pikepdf.Name.Fit])])))
    link = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[100, 100, 200, 200],
                              Dest=pikepdf.String("muc-2"))
    pdf.pages[0].obj.Annots = pikepdf.Array([pdf.make_indirect(link)])
    return saved(pdf)


def test_a_link_to_a_named_destination_still_leads_to_its_page(api):
    """A stored PDF whose document holds more than its pages (here named destinations) is copied with it; one that
    holds nothing more is copied by qpdf alone: either way its links lead where they led."""
    dossier = api.create()
    assert upload(api, "officer", dossier, linked_pdf(), name="muc-luc-rieng.pdf").status_code == 201
    dossier = api.fire_ok("reviewer", api.fire_ok("officer", dossier, "submit"), "approve")
    data = api.get("liaison", api.forwarded(dossier)["bundle_url"]).data
    linked = outline_of(reader_of(data))[2][2][2][1]  # 3.3, the PDF uploaded
    with pikepdf.Pdf.open(io.BytesIO(data)) as pdf:
        (link,) = [annotation for annotation in pdf.pages[linked].obj.Annots if annotation.Subtype == "/Link"]
        destination = pikepdf.NameTree(pdf.Root.Names.Dests)[str(link.Dest)]
        if isinstance(destination, pikepdf.Dictionary):  # {/D [page /Fit]}, as the PDF reference also has it
            destination = destination.D
        assert pdf.pages.index(pikepdf.Page(destination[0])) == linked + 1
