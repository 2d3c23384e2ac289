"""Public verification of issued documents: a short code and QR code printed on each, a page anyone can open
without an account, and a check that a file is exactly a document the system issued (by its SHA-256)."""
from flask import Blueprint

bp = Blueprint("verify", __name__, url_prefix="/verify")


@bp.app_template_filter("signed_time")
def signed_time(iso: str) -> str:
    """A signature's ISO time as people read it here: "21:38:57 02/12/2026 (UTC+7)"."""
    from datetime import datetime

    from ..clock import ZONE

    return datetime.fromisoformat(iso).astimezone(ZONE).strftime("%H:%M:%S %d/%m/%Y") + " (UTC+7)"

from . import routes  # noqa: E402,F401
