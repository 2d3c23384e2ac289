"""Setting up a federation from a spreadsheet: the XLSX template the app gives out (organisations, users), and the
import, all rows or none. Each row goes through the same operation as the screens (create_organisation,
create_user), in file order, so a row may name as parent a unit founded by a row above it; a preview runs the
whole import and rolls it back, so what it says is exactly what the import would do."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import force_locale, gettext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from ..audit.service import record
from ..auth.models import ROLES, User
from ..auth.operations import create_user
from ..errors import Invalid, OperationError
from ..extensions import db
from ..formatting import parse_screen_date
from ..orgs.models import LEVELS, Organisation
from ..orgs.operations import create_organisation

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 30  # the template has 12; a few more are ignored

# (column heading, field of the operation); headings are Vietnamese, as the template gives them out.
ORGANISATION_COLUMNS = [
    ("Mã đơn vị", "code"), ("Tên đơn vị", "name"), ("Cấp", "level"), ("Mã tổ chức cấp trên", "parent"),
    ("Thành lập từ ngày", "valid_from"), ("Tên trên tiêu đề văn bản", "header_name"),
    ("Tên viết tắt trên tiêu đề", "short_header_name"), ("Chữ viết tắt trong số văn bản", "abbreviation"),
    ("Địa danh", "place_name"), ("Tập thể lãnh đạo", "signing_body"), ("Chức danh người đứng đầu", "head_title"),
    ("Họ tên người đứng đầu", "head_name"),
]
USER_COLUMNS = [("Tên đăng nhập", "username"), ("Họ và tên", "full_name"), ("E-mail", "email"),
                ("Vai trò", "role"), ("Mã tổ chức", "organisation")]
ORGANISATIONS_SHEET, USERS_SHEET = "Tổ chức", "Người dùng"


@dataclass
class RowResult:
    sheet: str
    row: int  # as Excel numbers it
    key: str
    errors: list[str] = field(default_factory=list)
    created_id: int | None = None


@dataclass
class ImportResult:
    rows: list[RowResult] = field(default_factory=list)
    problem: str | None = None  # the file itself could not be read

    @property
    def ok(self) -> bool:
        return self.problem is None and not any(r.errors for r in self.rows)

    @property
    def failed(self) -> list[RowResult]:
        return [r for r in self.rows if r.errors]


def template_workbook() -> bytes:
    """The empty template: one sheet per kind of row, and the accepted levels and roles."""
    book = Workbook()
    guide = book.active
    guide.title = "Hướng dẫn"
    with force_locale("vi"):
        guide.append(["Điền sheet “Tổ chức” (từ trên xuống: đơn vị cấp trên trước đơn vị trực thuộc) và sheet "
                      "“Người dùng”. Ngày ghi dd/mm/yyyy. Mỗi tài khoản mới nhận liên kết đặt mật khẩu trong "
                      "tệp kết quả."])
        guide.append([])
        guide.append(["Cấp (cột “Cấp”)", "Nghĩa"])
        for code, label in LEVELS.items():
            if code != "confederation":
                guide.append([code, gettext(label)])
        guide.append([])
        guide.append(["Vai trò (cột “Vai trò”)", "Nghĩa"])
        for code, label in ROLES.items():
            guide.append([code, gettext(label)])
    guide.column_dimensions["A"].width = 28
    guide.column_dimensions["B"].width = 50
    for title, columns in ((ORGANISATIONS_SHEET, ORGANISATION_COLUMNS), (USERS_SHEET, USER_COLUMNS)):
        sheet = book.create_sheet(title)
        sheet.append([heading for heading, _ in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for index in range(len(columns)):
            sheet.column_dimensions[chr(ord("A") + index)].width = 24
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows(book, title: str, columns) -> list[tuple[int, dict]]:
    """The sheet's non-empty rows, reading no more than the limits allow whatever size the file declares (a few
    KB may declare a million rows of 16,384 columns)."""
    if title not in book.sheetnames:
        return []
    sheet = book[title]
    if (sheet.max_row or 0) > MAX_ROWS + 1:
        raise Invalid(gettext("Tối đa %(n)s dòng mỗi lần nhập; sheet “%(sheet)s” có %(rows)s dòng (kể cả dòng "
                              "trống đã định dạng: hãy xóa chúng).", n=MAX_ROWS, sheet=title, rows=sheet.max_row))
    rows = sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS, values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
    positions = {fld: header.index(heading) for heading, fld in columns if heading in header}
    found = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        found.append((number, {fld: values[i] if i < len(values) else None for fld, i in positions.items()}))
    return found


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _day(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date) or value is None or str(value).strip() == "":
        return value if isinstance(value, date) else None
    return parse_screen_date(str(value)) or "invalid"


def read_workbook(data: bytes):
    if len(data) > MAX_BYTES:
        raise Invalid(gettext("Tệp quá lớn (tối đa 5 MB)."))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise Invalid(gettext("Tệp không phải Excel (.xlsx). Hãy dùng tệp mẫu của hệ thống."))
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise Invalid(gettext("Không đọc được tệp Excel. Hãy dùng tệp mẫu của hệ thống.")) from exc


def run_import(actor, data: bytes, *, write: bool) -> ImportResult:
    """Import every row, or none: with `write` False, or when any row fails, everything is rolled back."""
    try:
        book = read_workbook(data)
        org_rows = _rows(book, ORGANISATIONS_SHEET, ORGANISATION_COLUMNS)
        user_rows = _rows(book, USERS_SHEET, USER_COLUMNS)
    except Invalid as exc:
        return ImportResult(problem=exc.message)
    except Exception:  # noqa: BLE001 - a damaged sheet shows only when read, in whatever way openpyxl fails
        return ImportResult(problem=gettext("Không đọc được tệp Excel. Hãy dùng tệp mẫu của hệ thống."))
    if not org_rows and not user_rows:
        return ImportResult(problem=gettext("Tệp không có dòng nào trong sheet “%(orgs)s” và “%(users)s”.",
                                            orgs=ORGANISATIONS_SHEET, users=USERS_SHEET))
    if len(org_rows) + len(user_rows) > MAX_ROWS:
        return ImportResult(problem=gettext("Tối đa %(n)s dòng mỗi lần nhập.", n=MAX_ROWS))
    result = ImportResult()
    labels = {fld: heading for heading, fld in ORGANISATION_COLUMNS + USER_COLUMNS} | {
        "organisation_id": "Mã tổ chức", "": ""}
    savepoint = db.session.begin_nested()
    for number, values in org_rows:
        row = RowResult(ORGANISATIONS_SHEET, number, _text(values.get("code")) or "")
        result.rows.append(row)
        texts = {k: _text(v) for k, v in values.items() if k not in ("valid_from",)}
        parent_code = texts.pop("parent", None)
        parent = _by_code(parent_code)
        problems = []
        if parent_code and parent is None:
            problems.append(f'{labels["parent"]}: ' + gettext("không có tổ chức mã %(code)s (kể cả ở các dòng trên).",
                                                            code=parent_code))
        valid_from = _day(values.get("valid_from"))
        if valid_from == "invalid":
            problems.append(f'{labels["valid_from"]}: ' + gettext("ngày không hợp lệ (dd/mm/yyyy)."))
            valid_from = None
        if problems:
            row.errors = problems
            continue
        header = {k: v for k, v in texts.items() if k not in ("code", "name", "level", "header_name")}
        try:
            org = create_organisation(actor, code=texts.get("code"), name=texts.get("name"),
                                      level=texts.get("level"), parent=parent, valid_from=valid_from,
                                      header_name=texts.get("header_name"), **header)
            row.created_id = org.id
        except OperationError as exc:
            row.errors = _messages(exc, labels)
    for number, values in user_rows:
        texts = {k: _text(v) for k, v in values.items()}
        row = RowResult(USERS_SHEET, number, texts.get("username") or "")
        result.rows.append(row)
        organisation = _by_code(texts.get("organisation"))
        if organisation is None:
            row.errors = [f'{labels["organisation"]}: ' + gettext("không có tổ chức mã %(code)s.",
                                                                 code=texts.get("organisation") or "—")]
            continue
        try:
            user, _ = create_user(actor, username=texts.get("username"), full_name=texts.get("full_name"),
                                  role=texts.get("role"), organisation=organisation, email=texts.get("email"),
                                  by_link=True)
            row.created_id = user.id
        except OperationError as exc:
            row.errors = _messages(exc, labels)
    if write and result.ok:
        record(actor, "import", "organisation", actor.organisation_id, actor.organisation_id, None,
               {"organisations": len(org_rows), "users": len(user_rows)})
        savepoint.commit()
    else:
        savepoint.rollback()
    return result


def _by_code(code: str | None) -> Organisation | None:
    if not code:
        return None
    return db.session.scalar(sa.select(Organisation).where(Organisation.code == code.strip().lower()))


def _messages(exc: OperationError, labels: dict) -> list[str]:
    if not exc.errors:
        return [exc.message]
    return [f"{labels.get(fld, fld)}: {message}" if labels.get(fld, fld) else message
            for fld, messages in exc.errors.items() for message in messages]


def result_workbook(result_rows: list[dict], links: dict[int, str]) -> bytes:
    """The outcome of an import: each row, what it created, and each new account's one-time link."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Kết quả"
    sheet.append(["Sheet", "Dòng", "Mã / tên đăng nhập", "Kết quả", "Liên kết đặt mật khẩu (dùng một lần)"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in result_rows:
        link = links.get(row["created_id"], "") if row["sheet"] == USERS_SHEET else ""
        sheet.append([row["sheet"], row["row"], row["key"], "Đã tạo", link])
    for column, width in zip("ABCDE", (14, 8, 30, 12, 90), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def new_accounts(ids: list[int]) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.id.in_(ids))))
