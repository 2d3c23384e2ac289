"""Issue N step documents and compare with WeasyPrint alone rendering the same HTML in the same process.

    .venv/bin/python bench/pdf.py [N]

Prints the median time per issued document (numbering, Jinja, WeasyPrint, SHA-256 storage, the row, the
commit) beside the median time of WeasyPrint alone on the same HTML with the same fonts and stylesheet,
and their ratio; then issued with the organisation's signature, and with both signatures (the signer's, with the
signature and seal images, then the organisation's). Targets: ratio <= 1.3 and <= 150 ms per two-page document;
the two signatures add at most 50 %.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from weasyprint import HTML  # noqa: E402

from workflow import clock, create_app  # noqa: E402
from workflow.auth.models import User  # noqa: E402
from workflow.dossiers import documents, operations  # noqa: E402
from workflow.extensions import db  # noqa: E402
from workflow.pdf import issue as issue_module  # noqa: E402
from workflow.pdf import render  # noqa: E402
from workflow.seed import seed_demo  # noqa: E402
from workflow.signing import demo_pki  # noqa: E402

DATA = {
    "full_name": "Nguyễn Văn Ánh", "gender": "male", "birth_date": "1985-04-12", "citizen_id": "070085001234",
    "member_since": "2008-05-01", "workplace": "Nông trường Phú Riềng Đỏ, Công ty TNHH MTV Cao su Phú Riềng",
    "position": "Công nhân cạo mủ", "phone": "0912345678",
    "address": "Ấp 3, xã Phú Riềng, tỉnh Đồng Nai; tạm trú tại khu tập thể nông trường",
    "child_full_name": "Nguyễn Thị Bảo Ngọc", "child_birth_date": "2015-02-28", "child_gender": "female",
    "diagnosis_group": "congenital_heart", "diagnosis": "Thông liên thất phần quanh màng, tăng áp phổi nhẹ (VSD)",
    "hospital": "Bệnh viện Nhi Đồng 1, Thành phố Hồ Chí Minh", "surgery_indicated_on": "2018-01-02",
    "estimated_cost_vnd": 85_000_000, "requested_amount_vnd": 50_000_000,
    "hardship_criteria": ["parent_lost_job", "single_mother", "parent_critical_illness"],
}


def blank_pdf(pages: int = 1) -> bytes:
    """A scanned paper stands in as blank A4 pages."""
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def demo_app(prefix: str):
    """An app on a fresh SQLite database and storage in a temporary folder, the calendar on 05/01/2026;
    call `prepare()` inside its app context for the schema and the demo data."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite'}",
                      "STORAGE_DIR": str(tmp / "storage"),
                      "SECRET_KEY": "bench", "ENV_NAME": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "SERVER_NAME": "localhost"})
    clock.today = lambda: date(2026, 1, 5)
    return app


def prepare() -> None:
    upgrade()
    seed_demo()


def submitted_for_approval():
    """Inside the app's context, after prepare(): the commune union's reviewer and a dossier submitted to them."""
    officer = db.session.scalar(sa.select(User).where(User.username == "officer"))
    reviewer = db.session.scalar(sa.select(User).where(User.username == "reviewer"))
    dossier = operations.create_dossier(officer, "child_heart", DATA)
    for code in ("surgery_indication", "birth_certificate"):
        operations.add_attachment(officer, dossier, code, f"{code}.pdf", blank_pdf())
    operations.fire(officer, dossier, "submit", version=dossier.version)
    db.session.commit()
    return reviewer, dossier


def html_issued_by(issue) -> str:
    """The HTML of the document `issue()` issues, exactly as issuing built it."""
    rendered = {}
    original = issue_module.render_document_html

    def keep_html(template, context):
        rendered["html"] = original(template, context)
        return rendered["html"]

    issue_module.render_document_html = keep_html
    try:
        issue()
    finally:
        issue_module.render_document_html = original
    return rendered["html"]


def main(n: int) -> None:
    app = demo_app("bench-pdf-")
    with app.app_context():
        prepare()
        reviewer, dossier = submitted_for_approval()

        # The approval's Biên bản: two A4 pages (header, facts table, conclusion, signatures).
        def issue():
            document = documents.issue_for_event(reviewer, dossier, "approve", None, clock.today(),
                                                 reviewer.organisation)
            db.session.commit()
            return document

        first_pages = issue().page_count  # warm-up: fonts, stylesheet
        ours = []
        for _ in range(n):
            started = time.perf_counter()
            issue()
            ours.append(time.perf_counter() - started)

        # The same with the organisation's signature (a test key, as the demo's).
        key_dir = Path(tempfile.mkdtemp(prefix="bench-keys-"))
        demo_pki.create(key_dir, [(reviewer.organisation.name, reviewer.organisation.code)], "")
        app.config["SIGNING_KEY_DIR"] = str(key_dir)
        issue()  # warm-up: the key loaded once
        signed = []
        for _ in range(n):
            started = time.perf_counter()
            issue()
            signed.append(time.perf_counter() - started)

        # Both signatures: the person who signs (the acting person holding a key of their own, with their signature
        # image and the seal drawn) then the organisation, as a signed step issues its document.
        demo_pki.create(key_dir, [], "", people=[(reviewer.full_name, reviewer.username,
                                                  reviewer.organisation.name)])
        demo_pki.draw_images(key_dir / "images", people=[(reviewer.full_name, reviewer.username)],
                             organisations=[reviewer.organisation.code])
        issue()
        both = []
        for _ in range(n):
            started = time.perf_counter()
            issue()
            both.append(time.perf_counter() - started)
        app.config["SIGNING_KEY_DIR"] = ""

        html = html_issued_by(issue)
        font_config, css = render._setup()
        alone = []
        pages = 0
        for _ in range(n):
            started = time.perf_counter()
            document = HTML(string=html, base_url=render.FONT_DIR.as_uri() + "/",
                            url_fetcher=render.ShippedFontsOnly()).render(stylesheets=[css], font_config=font_config)
            document.write_pdf()
            alone.append(time.perf_counter() - started)
            pages = len(document.pages)

    ours_ms, alone_ms = statistics.median(ours) * 1000, statistics.median(alone) * 1000
    print(f"documents issued: {n}, pages each: {first_pages} (WeasyPrint alone: {pages})")
    print(f"issue a step document (median): {ours_ms:7.1f} ms")
    print(f"WeasyPrint alone, same HTML   : {alone_ms:7.1f} ms")
    print(f"ratio                         : {ours_ms / alone_ms:7.2f}   (target <= 1.3, and <= 150 ms per document)")
    signed_ms, both_ms = statistics.median(signed) * 1000, statistics.median(both) * 1000
    print(f"issued with the organisation's signature: {signed_ms:7.1f} ms (+{signed_ms / ours_ms - 1:.0%})")
    print(f"issued with both signatures (the signer's with images, then the organisation's): {both_ms:7.1f} ms "
          f"(+{both_ms / ours_ms - 1:.0%}; target: at most +50 %)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
