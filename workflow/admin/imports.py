"""Import from Excel: the template, a preview with each row's errors, then all rows or none, and the result."""
from __future__ import annotations

import base64
import binascii

import sqlalchemy as sa
from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..auth.models import User
from ..auth.operations import hand_out_link
from ..extensions import db
from ..formatting import is_id, parse_whole
from ..orgs.operations import managed_ids
from ..transaction import unit_of_work
from . import bp
from .spreadsheet import MAX_BYTES, USERS_SHEET, result_workbook, run_import, template_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, filename: str) -> Response:
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/import")
def imports():
    return render_template("admin/import.html", result=None, carried=None, problem=None)


@bp.get("/import/template.xlsx")
def import_template():
    return _xlsx(template_workbook(), "mau-nhap-to-chuc-nguoi-dung.xlsx")


@bp.post("/import")
def run():
    """Without `carried`: the uploaded file is previewed. With it (the file carried by the preview page) and
    `confirmed`: imported, all rows or none."""
    carried = request.form.get("carried")
    if carried:
        try:
            data = base64.b64decode(carried, validate=True)
        except (binascii.Error, ValueError):
            abort(400)
    else:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return render_template("admin/import.html", result=None, carried=None,
                                   problem=gettext("Chọn tệp Excel (.xlsx) để nhập.")), 422
        if not upload.filename.lower().endswith(".xlsx"):
            return render_template("admin/import.html", result=None, carried=None,
                                   problem=gettext("Chỉ nhận tệp .xlsx (dùng tệp mẫu của hệ thống).")), 422
        data = upload.read(MAX_BYTES + 1)
    write = bool(carried) and request.form.get("confirmed") == "1"
    with unit_of_work():
        result = run_import(current_user, data, write=write)
    status = 200 if result.ok else 422
    return render_template("admin/import.html", result=result, written=write and result.ok, problem=result.problem,
                           carried=base64.b64encode(data).decode() if result.ok and not write else None), status


@bp.post("/import/result.xlsx")
def import_result():
    """The outcome as a file: the rows created and, for each new account that no password opens yet, a one-time
    link (derived from the account, so nothing secret is stored; each handed out is audited)."""
    managed = managed_ids(current_user)
    rows = []
    for value in request.form.getlist("row"):
        sheet, _, rest = value.partition("|")
        number, _, rest = rest.partition("|")
        created, _, key = rest.partition("|")
        number, created = parse_whole(number), parse_whole(created)
        if number is not None and is_id(created):
            rows.append({"sheet": sheet, "row": number, "created_id": created, "key": key[:100]})
    user_ids = [r["created_id"] for r in rows if r["sheet"] == USERS_SHEET]
    links = {}
    with unit_of_work():
        for user in db.session.scalars(sa.select(User).where(User.id.in_(user_ids))):
            if user.organisation_id in managed and user.opened_only_by_link and user.active:
                links[user.id] = url_for("auth.set_password", token=hand_out_link(current_user, user, "import"),
                                         _external=True)
    return _xlsx(result_workbook(rows, links), "ket-qua-nhap.xlsx")
