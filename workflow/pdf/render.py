"""HTML (Jinja) -> PDF with WeasyPrint, using the Liberation Serif 2 fonts shipped in pdf/fonts/.

The font configuration and the official stylesheet are parsed once per thread and reused: a new
FontConfiguration per document is slower and leaks memory (stack notes §3.5). Nothing is fetched
but the shipped fonts.
"""
from __future__ import annotations

import atexit
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "Liberation Serif"

_FONT_FILES = {
    "LiberationSerif-Regular.ttf": ("normal", "normal"),
    "LiberationSerif-Bold.ttf": ("bold", "normal"),
    "LiberationSerif-Italic.ttf": ("normal", "italic"),
    "LiberationSerif-BoldItalic.ttf": ("bold", "italic"),
}
_FONT_FACES = "\n".join(
    f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{file}"); font-weight: {weight}; font-style: {style}; }}'
    for file, (weight, style) in _FONT_FILES.items()
)


class ShippedFontsOnly(URLFetcher):
    """Serve the shipped font files and nothing else (no network, no other local file)."""

    ALLOWED = {(FONT_DIR / name).as_uri() for name in _FONT_FILES}
    IMAGES = "data:image/png;base64,"  # a signed document's signature and seal (pdf/issue.py), inline

    def __init__(self):
        super().__init__(allowed_protocols=["file", "data"], allow_redirects=False)

    def fetch(self, url, headers=None):
        if url not in self.ALLOWED and not url.startswith(self.IMAGES):
            raise ValueError(f"Refused to fetch {url}")
        return super().fetch(url, headers)


@dataclass
class RenderedPdf:
    data: bytes
    page_count: int


_local = threading.local()
# Freed before the interpreter tears down the modules it needs: left to the end, WeasyPrint's font configuration
# (Pango/fontconfig objects) is finalised after them and the process dies with SIGSEGV on exit.
atexit.register(lambda: _local.__dict__.clear())


def _setup():
    setup = getattr(_local, "setup", None)
    if setup is None:
        font_config = FontConfiguration()
        stylesheet_path = Path(current_app.root_path).parent / "templates" / "documents" / "official.css"
        css = CSS(string=_FONT_FACES + stylesheet_path.read_text(encoding="utf-8"),
                  base_url=FONT_DIR.as_uri() + "/", font_config=font_config, url_fetcher=ShippedFontsOnly())
        setup = _local.setup = (font_config, css)
    return setup


def html_to_pdf(html: str) -> RenderedPdf:
    font_config, css = _setup()
    document = HTML(string=html, base_url=FONT_DIR.as_uri() + "/", url_fetcher=ShippedFontsOnly()).render(
        stylesheets=[css], font_config=font_config
    )
    return RenderedPdf(data=document.write_pdf(), page_count=len(document.pages))


def render_document_html(template: str, context: dict) -> str:
    """Official documents (and the bundle's table of contents) are always in Vietnamese."""
    with force_locale("vi"):
        return render_template(template, **context)
