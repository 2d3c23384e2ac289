"""A plan's reports: its figures for what each organisation may see (figures.py), their charts, the official
report (Báo cáo tổng kết) an organisation issues and sends up, and the exports."""
from flask import Blueprint

bp = Blueprint("reports", __name__)

from . import official_routes  # noqa: E402,F401  (its routes on bp)
