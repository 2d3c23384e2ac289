"""Build the bundle of a batch of N dossiers (default 100) that a commune union sends up, each with its step
documents and two attachments, and compare it with merging the same stored PDFs alone, side by side.

    .venv/bin/python bench/bundle.py [N] [--runs R]

Prints, from the same run, the runs taken in turn (bundle, merge, bundle, merge ...; the median of R each):
- the bundle PDF's time, and the time of pikepdf (qpdf) merging the same stored PDFs alone (`Pdf.new()`,
  `pages.extend`, saved to memory as the bundle is: nothing decoded or recompressed), and their ratio;
- what the bundle's additions cost within its time: the table of contents' layout, the pages it sets itself (the table
  of contents and the images' captions, with the fonts they and the stamps share: pdf/typeset.py), the images (a
  JPEG's bytes as they are, img2pdf for the others), the stamps on every sheet, the bookmarks and writing; and the
  bundle without what it sets itself against the merge alone (two WeasyPrint renders before: 2.2 s of 2.7);
- pypdf merging the same files alone, for reference (what the bundle was merged with before issue 14);
- memory: the peak of Python allocations (tracemalloc), which does not see what qpdf allocates, and the peak resident
  growth of the process while it builds (VmHWM reset before each build, Linux), which does;
- the ZIP, plain and with the sender's key (its attachments signed).
Targets: the bundle PDF <= 2 times the merge alone, <= 3 s, <= 300 MB (bench/bundle_memory.py measures the memory of
a bundle of the worst files, each build in a process of its own).

The set-up's objects (a hundred dossiers created through the operations, in this process) are frozen out of
the garbage collector before measuring: a worker building a bundle does not carry them, and walking them made
every build here 25-40 % slower, old code and new alike. `--no-freeze` measures without.
"""
from __future__ import annotations

import contextlib
import ctypes
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

import pikepdf  # noqa: E402
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

STAGES = {"_toc_layout": "table of contents' layout", "_drawn_pages": "table of contents, captions (typeset)",
          "_image": "images (JPEG as is, else img2pdf)", "_stamp": "stamps on every sheet",
          "_finish": "bookmarks and writing"}
SET_HERE = ("_toc_layout", "_drawn_pages")  # what the bundle sets itself (two WeasyPrint renders before)


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
        if hasattr(bundle, name):  # an older bundle.py, for a comparison, has other stages
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


_libc = None


def _release_freed_memory() -> None:
    """Give the memory freed so far back to the system (glibc keeps it), so that the next peak is the build's."""
    global _libc
    gc.collect()
    try:
        _libc = _libc or ctypes.CDLL("libc.so.6")
        _libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


def resident_growth(function) -> float | None:
    """How far the resident memory rose above where it was while `function` ran, in bytes: VmHWM reset before
    (Linux: /proc/self/clear_refs), or None where that cannot be done."""
    def status(key):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) * 1024
        raise KeyError(key)

    try:
        _release_freed_memory()
        Path("/proc/self/clear_refs").write_text("5")
        before = status("VmRSS:")
    except OSError:
        return None
    function()
    return status("VmHWM:") - before


def side_by_side(functions: dict, runs: int, stages: dict | None = None) -> dict:
    """Each function run `runs` times, in turn with the others (a slower moment of the machine weighs on all alike):
    the median wall time of each; then in one traced run each, the peak of Python allocations, and in one more the
    peak resident growth. `stages` (timed_stages()) is given what the timed runs spent in each stage."""
    times = {name: [] for name in functions}
    for function in functions.values():  # once untimed: caches, first imports
        function()
    spent = dict(stages or {})
    for _ in range(runs):
        for name, function in functions.items():
            started = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - started)
    if stages is not None:
        stages.update({stage: seconds - spent[stage] for stage, seconds in stages.items()})
        spent = dict(stages)
    results = {}
    for name, function in functions.items():
        _release_freed_memory()
        tracemalloc.start()
        result = function()
        traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        results[name] = {"time": statistics.median(times[name]), "times": times[name], "traced": traced,
                         "resident": resident_growth(function), "result": result}
    if stages is not None:  # the traced and measured runs left out
        stages.update(spent)
    return results


def main(n: int, runs: int, freeze: bool = True) -> None:
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
        pdfs = [part.sha256 for part in files if part.content_type == "application/pdf"]

        def pikepdf_alone():
            """The stored PDFs merged by qpdf and nothing else, each read whole (they are small) and open until the
            merge is written, as the bundle does."""
            with pikepdf.Pdf.new() as merged, contextlib.ExitStack() as sources:
                for sha256 in pdfs:
                    source = sources.enter_context(pikepdf.Pdf.open(io.BytesIO(storage.read(sha256))))
                    merged.pages.extend(source.pages)
                out = io.BytesIO()
                merged.save(out, stream_decode_level=pikepdf.StreamDecodeLevel.none, compress_streams=False)
                return out.getvalue()

        def pypdf_alone():
            writer = PdfWriter()
            for sha256 in pdfs:
                writer.append(PdfReader(io.BytesIO(storage.read(sha256))))
            out = io.BytesIO()
            writer.write(out)
            return out.getvalue()

        spent = timed_stages()
        figures = side_by_side({"bundle": lambda: build_bundle_pdf(bundle_contents(batch)),
                                "pikepdf": pikepdf_alone}, runs, spent)
        per_build = {name: seconds / runs for name, seconds in spent.items()}
        reference = side_by_side({"pypdf": pypdf_alone}, 1)["pypdf"]
        zip_time, zip_peak, archive = measure_once(lambda: build_bundle_zip(bundle_contents(batch)))
        # the same with the sending organisation's key: each attachment signed (an image as a one-page PDF)
        key_dir = Path(tempfile.mkdtemp(prefix="bench-bundle-keys-"))
        demo_pki.create(key_dir, [(batch.organisation.name, batch.organisation.code)], "")
        app.config["SIGNING_KEY_DIR"] = str(key_dir)
        signed_time, signed_peak, signed_archive = measure_once(
            lambda: build_bundle_zip(bundle_contents(batch), signer=attachment_signer(batch)))
        app.config["SIGNING_KEY_DIR"] = ""
        shutil.rmtree(key_dir)

    built, merged = figures["bundle"], figures["pikepdf"]
    pdf = built["result"]
    pages = len(pikepdf.Pdf.open(io.BytesIO(pdf)).pages)
    mb = 1024 * 1024

    def memory(entry):
        resident = "n/a" if entry["resident"] is None else f"{entry['resident'] / mb:5.1f} MB"
        return f"peak {entry['traced'] / mb:5.1f} MB Python, resident +{resident}"

    def spread(entry):
        return f"(runs {min(entry['times']):.2f}-{max(entry['times']):.2f} s)"

    print(f"files: {len(files)} ({len(files) - len(pdfs)} images, {len(pdfs)} PDFs merged)")
    print(f"bundle PDF    : {built['time']:6.2f} s  {memory(built)}  ({pages} pages, {len(pdf) / mb:.1f} MB) "
          f"{spread(built)}")
    print(f"pikepdf alone : {merged['time']:6.2f} s  {memory(merged)}  (the {len(pdfs)} stored PDFs merged, "
          f"{len(merged['result']) / mb:.1f} MB) {spread(merged)}")
    print(f"ratio         : {built['time'] / merged['time']:6.2f}   target <= 2 (and the bundle <= 3 s, <= 300 MB)")
    for name, label in STAGES.items():
        if hasattr(bundle, name):
            print(f"  of which {label:38s} {per_build[name]:5.2f} s")
    set_here = sum(per_build.get(name, 0) for name in SET_HERE)
    rest = built["time"] - set_here
    print(f"  the bundle without what it sets itself              {rest:5.2f} s: {rest / merged['time']:.2f} times "
          "the merge alone")
    print(f"pypdf alone   : {reference['time']:6.2f} s  {memory(reference)}  (for reference: the merge before "
          f"issue 14; {reference['time'] / merged['time']:.1f} times pikepdf's)")
    print(f"bundle ZIP    : {zip_time:6.2f} s  peak {zip_peak / mb:5.1f} MB Python  ({len(archive) / mb:.1f} MB)")
    attachments = sum(1 for f in files if f.attachment)
    print(f"ZIP signed    : {signed_time:6.2f} s  peak {signed_peak / mb:5.1f} MB Python  "
          f"({len(signed_archive) / mb:.1f} MB; {attachments} attachments signed by the sender, "
          f"{(signed_time - zip_time) / max(attachments, 1) * 1000:.0f} ms each)")
    print("the whole process, set-up included, peaked at "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB resident")


def measure_once(function):
    """Wall time of one run, then the peak of Python allocations in one traced run."""
    started = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak, result


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--no-freeze"]
    runs = 5
    if "--runs" in arguments:
        index = arguments.index("--runs")
        runs = int(arguments[index + 1])
        del arguments[index:index + 2]
    main(int(arguments[0]) if arguments else 100, runs, freeze="--no-freeze" not in sys.argv)
