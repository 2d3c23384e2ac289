from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import administration, reports, routes  # noqa: E402,F401
