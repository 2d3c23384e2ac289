"""Build the bundle of a batch of N dossiers (default 100) that a commune union sends up, each with its step
documents and two attachments, and compare with pypdf merging the same files alone.

    .venv/bin/python bench/bundle.py [N]

Prints the time and peak memory (tracemalloc, Python allocations) of building the bundle PDF and the ZIP (also
with the sender's key: its attachments signed),
beside a plain pypdf merge of the same stored files, and what the archive's additions cost within the PDF's
time: the table of contents (one WeasyPrint render), the captions with the stamps' type (one more), the
images, the stamps on every sheet. Target: <= 3 s and <= 300 MB for the PDF.

The set-up's objects (a hundred dossiers created through the operations, in this process) are frozen out of
the garbage collector before measuring: a worker building a bundle does not carry them, and walking them made
every build here 25-40 % slower, old code and new alike. `--no-freeze` measures without.
"""
from __future__ import annotations

import gc
import io
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from PIL import Image  # noqa: E402
from pypdf import PdfReader, PdfWriter  # noqa: E402

from bench.pdf import DATA, blank_pdf, demo_app, prepare  # noqa: E402
from workflow import storage  # noqa: E402
from workflow.auth.models import User  # noqa: E402
from workflow.batches.bundles import attachment_signer  # noqa: E402
from workflow.batches.contents import bundle_contents  # noqa: E402
from workflow.batches.operations import forward_dossiers  # noqa: E402
from workflow.dossiers import operations  # noqa: E402
from workflow.extensions import db  # noqa: E402
from workflow.pdf import bundle  # noqa: E402
from workflow.pdf.bundle import build_bundle_pdf, build_bundle_zip  # noqa: E402
from workflow.signing import demo_pki  # noqa: E402

STAGES = {"_toc_pdf": "table of contents", "_pages_pdf": "captions and the stamps' type",
          "_image": "images (img2pdf)", "_stamp": "stamps on every sheet"}


def timed_stages() -> dict[str, float]:
    """Wrap the bundle's stages to add up their time (the wrappers stay: their cost is a clock read)."""
    spent = dict.fromkeys(STAGES, 0.0)

    def wrap(name):
        inner = getattr(bundle, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started
        setattr(bundle, name, timed)
    for name in STAGES:
        if hasattr(bundle, name):  # an older bundle.py, for a comparison, has fewer stages
            wrap(name)
    return spent


def scan_jpeg() -> bytes:
    """A phone photo of a paper: 1600 x 1200 JPEG with some content."""
    image = Image.new("RGB", (1600, 1200), (245, 242, 235))
    for y in range(0, 1200, 40):
        image.paste((40, 40, 40), (120, y + 10, 1480, y + 14))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def measure(function, runs=3):
    """Median wall time of `runs` plain runs, then the peak of Python allocations in one traced run
    (tracemalloc slows the code several times, so it is not timed)."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak, result


def main(n: int, freeze: bool = True) -> None:
    app = demo_app("bench-bundle-")
    photo, scan = scan_jpeg(), blank_pdf(2)
    with app.app_context():
        prepare()
        officer = db.session.scalar(sa.select(User).where(User.username == "officer"))
        reviewer = db.session.scalar(sa.select(User).where(User.username == "reviewer"))
        started = time.perf_counter()
        ids = []
        for i in range(n):
            dossier = operations.create_dossier(officer, "child_heart", {**DATA, "citizen_id": f"0700850{i:05d}"})
            operations.add_attachment(officer, dossier, "surgery_indication", "chi-dinh.pdf", scan)
            operations.add_attachment(officer, dossier, "birth_certificate", f"khai-sinh-{i}.jpg", photo)
            operations.fire(officer, dossier, "submit", version=dossier.version)
            operations.fire(reviewer, dossier, "approve", version=dossier.version)
            db.session.commit()
            ids.append(dossier.id)
        batch = forward_dossiers(reviewer, ids)
        db.session.commit()
        print(f"set-up: {n} dossiers with 2 documents and 2 attachments each, forwarded in "
              f"{time.perf_counter() - started:.1f} s")

        if freeze:
            gc.collect()
            gc.freeze()
        contents = bundle_contents(batch)
        files = [contents.head] + [p for s in contents.sections for p in s.parts]

        def pypdf_alone():
            writer = PdfWriter()
            for part in files:
                if part.content_type == "application/pdf":
                    writer.append(PdfReader(io.BytesIO(storage.read(part.sha256))))
            out = io.BytesIO()
            writer.write(out)
            return out.getvalue()

        pdf_time, pdf_peak, pdf = measure(lambda: build_bundle_pdf(bundle_contents(batch)))
        spent = timed_stages()
        build_bundle_pdf(bundle_contents(batch))
        zip_time, zip_peak, archive = measure(lambda: build_bundle_zip(bundle_contents(batch)))
        # the same with the sending organisation's key: each attachment signed (an image as a one-page PDF)
        key_dir = Path(tempfile.mkdtemp(prefix="bench-bundle-keys-"))
        demo_pki.create(key_dir, [(batch.organisation.name, batch.organisation.code)], "")
        app.config["SIGNING_KEY_DIR"] = str(key_dir)
        signed_time, signed_peak, signed_archive = measure(
            lambda: build_bundle_zip(bundle_contents(batch), signer=attachment_signer(batch)))
        app.config["SIGNING_KEY_DIR"] = ""
        shutil.rmtree(key_dir)
        alone_time, alone_peak, _ = measure(pypdf_alone)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    mb = 1024 * 1024
    print(f"files: {len(files)} ({sum(1 for f in files if f.content_type != 'application/pdf')} images)")
    print(f"bundle PDF : {pdf_time:6.2f} s  peak {pdf_peak / mb:6.1f} MB  ({pages} pages, {len(pdf) / mb:.1f} MB)"
          "   target <= 3 s, <= 300 MB")
    for name, label in STAGES.items():
        if hasattr(bundle, name):
            print(f"  of which {label:30s} {spent[name]:5.2f} s")
    print(f"bundle ZIP : {zip_time:6.2f} s  peak {zip_peak / mb:6.1f} MB  ({len(archive) / mb:.1f} MB)")
    attachments = sum(1 for f in files if f.attachment)
    print(f"ZIP signed : {signed_time:6.2f} s  peak {signed_peak / mb:6.1f} MB  ({len(signed_archive) / mb:.1f} MB; "
          f"{attachments} attachments signed by the sender, "
          f"{(signed_time - zip_time) / max(attachments, 1) * 1000:.0f} ms each)")
    print(f"pypdf alone: {alone_time:6.2f} s  peak {alone_peak / mb:6.1f} MB  (merging the stored PDFs only, no images,"
          " no TOC, no bookmarks)")
    print("peaks are Python allocations (tracemalloc); the whole process, set-up included, peaked at "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB resident")


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--no-freeze"]
    main(int(arguments[0]) if arguments else 100, freeze="--no-freeze" not in sys.argv)
