"""Peak memory of building a batch's bundle from the worst files the upload accepts, measured in a process of its own.

    .venv/bin/python bench/bundle_memory.py [--dossiers N] [--images K] [--png-only | --big-pdfs]

The worst files: an image just under the pixel cap whose file is small (a PNG of a ruled page, ~200 KB, the
attacker's 233 KB file), and an image as large as the upload takes in pixels and bytes (a JPEG of a detailed scan at
the cap, a few MB); each dossier gets as many as the upload takes (its limits on the count and the total size), up to
K. The dossiers are forwarded in one batch (N, default the most that is built while the user waits,
BUNDLE_INLINE_MAX_DOSSIERS). Then a fresh process builds the bundle PDF, and another the ZIP with every attachment
signed by the sending organisation, each printing the resident memory it peaked at (getrusage ru_maxrss: the whole
process, the interpreter, Flask and WeasyPrint included) and what it held before building. Target: <= 300 MB.
With --big-pdfs each dossier is filled instead with PDFs as large as the upload takes (10 MB of scan each, up to the
dossier's 50 MB): the most bytes a bundle can hold.
"""
from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    """The process's peak resident memory: VmHWM (Linux; its own, where ru_maxrss also counts what the parent held
    when it forked), else getrusage's ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ruled_png(pixels: int) -> bytes:
    """A ruled page as a PNG of about `pixels` pixels, with an alpha channel (its margin transparent): a few hundred
    KB however many pixels it has."""
    side = int(pixels ** 0.5)
    image = Image.new("RGBA", (side, side), (255, 255, 255, 0))
    ImageDraw.Draw(image).rectangle([side // 25, side // 25, side - side // 25, side - side // 25],
                                    fill=(255, 255, 255, 255))
    draw = ImageDraw.Draw(image)
    for y in range(0, side, 60):
        draw.line([(side // 25, y), (side - side // 25, y)], fill=(30, 30, 30, 255), width=3)
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=9)
    return out.getvalue()


def detailed_jpeg(pixels: int, max_bytes: int) -> bytes:
    """A scan with detail everywhere (text-like strokes over a gradient) at about `pixels` pixels, as large a file
    as the upload takes (the quality lowered until it fits)."""
    side = int(pixels ** 0.5)
    image = Image.linear_gradient("L").resize((side, side)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for y in range(0, side, 18):
        for x in range(0, side, 40):
            draw.line([(x, y), (x + 25, y + (x * 7 + y) % 11)], fill=((x * 13) % 256, (y * 7) % 256, 40), width=2)
    for quality in (95, 90, 85, 75, 60, 45, 30):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
        if len(out.getvalue()) <= max_bytes:
            return out.getvalue()
    raise RuntimeError("no JPEG small enough")


def heaviest_pdf(max_bytes: int) -> bytes:
    """A scanned page as large a PDF as the upload takes: one A4 page holding a JPEG of noise (nothing compresses)."""
    import os

    import img2pdf

    side = 1200
    while True:
        image = Image.frombytes("RGB", (side, int(side * 1.414)), os.urandom(side * int(side * 1.414) * 3))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=95)
        if len(out.getvalue()) > max_bytes * 0.97:
            break
        side += 200
    for quality in range(95, 10, -5):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
        pdf = img2pdf.convert(out.getvalue(), layout_fun=img2pdf.get_layout_fun((img2pdf.mm_to_pt(210),
                                                                                  img2pdf.mm_to_pt(297))))
        if len(pdf) <= max_bytes:
            return pdf
    raise RuntimeError("no PDF small enough")


def worst_images(max_bytes: int, png_only: bool) -> list[tuple[str, bytes]]:
    """The largest of each kind the upload accepts (uploads.inspect): tried from the pixel cap down."""
    from workflow.dossiers import uploads
    from workflow.errors import OperationError

    cap = getattr(uploads, "MAX_IMAGE_PIXELS", 60_000_000)
    found = []
    makers = [("trang-ke.png", lambda px: ruled_png(px))]
    if not png_only:
        makers.append(("ban-quet.jpg", lambda px: detailed_jpeg(px, max_bytes)))
    for name, make in makers:
        for fraction in (0.999, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2):
            data = make(int(cap * fraction))
            try:
                uploads.inspect(data)
            except OperationError:
                continue
            found.append((name, data))
            break
    return found


def set_up(n_dossiers: int, per_dossier: int, png_only: bool, big_pdfs: bool = False) -> tuple[dict, list]:
    from bench.pdf import DATA, blank_pdf, demo_app, prepare
    from workflow.auth.models import User
    from workflow.batches.operations import forward_dossiers
    from workflow.dossiers import operations
    from workflow.errors import OperationError
    from workflow.extensions import db
    from workflow.signing import demo_pki

    app = demo_app("bench-bundle-memory-")
    notes = []
    with app.app_context():
        prepare()
        officer = db.session.scalar(sa.select(User).where(User.username == "officer"))
        reviewer = db.session.scalar(sa.select(User).where(User.username == "reviewer"))
        images = ([("ban-quet-nang.pdf", heaviest_pdf(app.config["MAX_ATTACHMENT_BYTES"]))] if big_pdfs
                  else worst_images(app.config["MAX_ATTACHMENT_BYTES"], png_only))
        for name, data in images:
            if name.endswith(".pdf"):
                notes.append(f"{name}: {len(data) / 1024 / 1024:.1f} MB")
                continue
            with Image.open(io.BytesIO(data)) as probe:
                notes.append(f"{name}: {probe.width} x {probe.height} px ({probe.width * probe.height / 1e6:.1f} Mpx), "
                             f"{len(data) / 1024:.0f} KB")
        ids, stored = [], []
        started = time.perf_counter()
        for i in range(n_dossiers):
            dossier = operations.create_dossier(officer, "child_heart", {**DATA, "citizen_id": f"0700850{i:05d}"})
            operations.add_attachment(officer, dossier, "surgery_indication", "chi-dinh.pdf", blank_pdf(2))
            added = 0
            while added < per_dossier:
                name, data = images[added % len(images)]
                try:
                    with db.session.begin_nested():
                        attachment = operations.add_attachment(officer, dossier, "birth_certificate", name, data)
                except OperationError as exc:  # the dossier's limits: it takes no more
                    notes.append(f"dossier {i + 1}: the upload took {added} images, then said: {exc.message}")
                    break
                stored.append(attachment.size)
                added += 1
            operations.fire(officer, dossier, "submit", version=dossier.version)
            operations.fire(reviewer, dossier, "approve", version=dossier.version)
            db.session.commit()
            ids.append(dossier.id)
        batch = forward_dossiers(reviewer, ids)
        db.session.commit()
        key_dir = Path(tempfile.mkdtemp(prefix="bench-bundle-memory-keys-"))
        demo_pki.create(key_dir, [(batch.organisation.name, batch.organisation.code)], "")
        notes.append(f"set-up: {n_dossiers} dossier(s), {len(stored)} images stored "
                     f"({sum(stored) / 1024 / 1024:.1f} MB as stored), in {time.perf_counter() - started:.0f} s")
        where = {"database": app.config["SQLALCHEMY_DATABASE_URI"], "storage": app.config["STORAGE_DIR"],
                 "keys": str(key_dir), "batch": batch.id}
    return where, notes


def measure(where: dict, fmt: str) -> None:
    """In a process of its own: build the bundle once, print the peak resident memory as JSON."""
    import gc

    from workflow import create_app
    from workflow.batches.bundles import attachment_signer
    from workflow.batches.contents import bundle_contents
    from workflow.dossiers.models import Batch
    from workflow.extensions import db
    from workflow.pdf.bundle import build_bundle_pdf, build_bundle_zip

    app = create_app({"SQLALCHEMY_DATABASE_URI": where["database"], "STORAGE_DIR": where["storage"],
                      "SECRET_KEY": "bench", "ENV_NAME": "bench", "SERVER_NAME": "localhost",
                      "SIGNING_KEY_DIR": where["keys"]})
    with app.app_context():
        batch = db.session.get(Batch, where["batch"])
        contents = bundle_contents(batch)
        signer = attachment_signer(batch) if fmt == "zip" else None
        gc.collect()
        before = rss_mb()
        started = time.perf_counter()
        with tempfile.TemporaryFile() as out:
            if fmt == "pdf":
                try:
                    build_bundle_pdf(contents, out=out)  # written to a file as the app stores it
                    size = out.tell()
                except TypeError:  # a bundle.py of before: the PDF returned as bytes
                    data = build_bundle_pdf(contents)
                    size = len(data)
                    del data
            else:
                build_bundle_zip(contents, out, signer)
                size = out.tell()
        print(json.dumps({"format": fmt, "before_mb": round(before), "peak_mb": round(rss_mb()),
                          "seconds": round(time.perf_counter() - started, 1), "size_mb": round(size / 2**20, 1)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=None)
    parser.add_argument("--images", type=int, default=30, help="per dossier, at most (the upload may take fewer)")
    parser.add_argument("--png-only", action="store_true", help="only the small file with the most pixels")
    parser.add_argument("--big-pdfs", action="store_true",
                        help="instead of images, PDFs as large as the upload takes (the dossier's total the limit)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--set-up", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--format", default="pdf", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(json.loads(args.measure), args.format)
        return
    from workflow.config import Config

    dossiers = args.dossiers or Config.BUNDLE_INLINE_MAX_DOSSIERS
    if args.set_up:
        where, notes = set_up(dossiers, args.images, args.png_only, args.big_pdfs)
        print(json.dumps({"where": where, "notes": notes}))
        return
    # the set-up in a process of its own too: this one stays small, whatever the set-up held
    command = [sys.executable, __file__, "--set-up", "--dossiers", str(dossiers), "--images", str(args.images)]
    command += ["--png-only"] if args.png_only else []
    result = subprocess.run(command + (["--big-pdfs"] if args.big_pdfs else []), capture_output=True, text=True,
                            cwd=ROOT)
    if result.returncode != 0:
        sys.exit(f"set-up failed\n{result.stderr[-3000:]}")
    prepared = json.loads(result.stdout.strip().splitlines()[-1])
    where = prepared["where"]
    for note in prepared["notes"]:
        print(note)
    for fmt in ("pdf", "zip"):
        result = subprocess.run([sys.executable, __file__, "--measure", json.dumps(where), "--format", fmt],
                                capture_output=True, text=True, cwd=ROOT)
        if result.returncode != 0:
            print(f"bundle {fmt.upper()}: failed\n{result.stderr[-3000:]}")
            continue
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        print(f"bundle {fmt.upper()}{' (attachments signed)' if fmt == 'zip' else ''}: peak {figures['peak_mb']} MB "
              f"resident (before building {figures['before_mb']} MB), {figures['seconds']} s, "
              f"{figures['size_mb']} MB   target <= 300 MB")


if __name__ == "__main__":
    main()
