"""Public verification of issued documents: a short code and QR code printed on each, a page anyone can open
without an account, and a check that a file is exactly a document the system issued (by its SHA-256)."""
from flask import Blueprint

bp = Blueprint("verify", __name__, url_prefix="/verify")

from . import routes  # noqa: E402,F401
