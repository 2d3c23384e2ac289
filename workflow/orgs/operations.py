"""Administering the tree: founding a unit, renaming it from a date, placing it under another parent from a date,
editing what its documents print, ending it (workflow/restructuring). The admin screens, the API, the import and
the CLI all call these; each change writes an audit row in the same transaction.

An admin manages the subtree of their own organisation as it stands today (a confederation admin: everything);
`actor` OPERATOR (the server's commands) manages everything."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, timedelta

import sqlalchemy as sa
from flask import g, has_app_context
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..audit.service import record, snapshot
from ..errors import Forbidden, Invalid, NotFound
from ..extensions import db
from ..formatting import CONTROL_CHARACTERS, format_date, is_id
from ..pdf.heading import fits as heading_fits
from ..pdf.heading import heading_line, number_fits
from ..pdf.signature import AUTHORITIES
from .models import LEVEL_RANK, LEVELS, Organisation, OrganisationFormerName, OrganisationPlacement
from .tree import subtree_on

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")

# What a new unit prints unless told otherwise (the union's usual practice per level).
DEFAULT_ABBREVIATION = {"grassroots": "CĐCS", "upper_grassroots": "CĐ", "province": "LĐLĐ", "confederation": "TLĐ"}
DEFAULT_SIGNING_BODY = {"grassroots": "BAN CHẤP HÀNH", "upper_grassroots": "BAN THƯỜNG VỤ",
                        "province": "BAN THƯỜNG VỤ", "confederation": "ĐOÀN CHỦ TỊCH"}

# The fields a document's header and signature print, edited together; not dated (documents already issued keep
# what they printed, being stored files).
HEADER_FIELDS = {
    "short_header_name": (0, 120),
    "abbreviation": (2, 20),
    "place_name": (2, 100),
    "signing_body": (2, 100),
    "head_title": (2, 100),
    "head_name": (0, 100),
    "signing_authority": (0, 4),  # one of pdf.signature.AUTHORITIES
    "signer_title": (0, 100),
    "signer_name": (0, 100),
    "drafting_unit": (0, 30),
    "finance_office": (0, 100),
    "office_address": (0, 200),
}
FLAG_FIELDS = ("record_approval",)  # yes/no settings of the documents, edited with the header
SIGNED_TYPES = ("TTr", "TB", "BB", "QĐ")  # the types a step may present to the signer (signing/step.py)
DEFAULT_FINANCE_OFFICE = {"grassroots": "Kế toán", "upper_grassroots": "Bộ phận Tài chính",
                          "province": "Ban Tài chính", "confederation": "Ban Tài chính"}
AUDITED = ("code", "name", "level", "header_name", *HEADER_FIELDS, *FLAG_FIELDS, "signed_by_signer", "valid_from",
           "valid_to")


def is_operator(actor) -> bool:
    return getattr(actor, "role", None) == "operator"


def managed_ids(actor) -> set[int]:
    """The organisations the actor administers today. Kept for the request (an import asks once a row), extended
    by create_organisation and dropped by the changes that reshape the tree (forget_managed)."""
    cache = g.setdefault("managed_ids", {}) if has_app_context() else {}
    key = getattr(actor, "id", None)
    if key not in cache:
        if is_operator(actor):
            cache[key] = set(db.session.scalars(sa.select(Organisation.id)))
        elif getattr(actor, "role", None) != "admin":
            cache[key] = set()
        else:
            cache[key] = {org.id for org in subtree_on(actor.organisation, clock.today())}
    return cache[key]


def forget_managed() -> None:
    if has_app_context():
        g.pop("managed_ids", None)


def manages(actor, org: Organisation | None) -> bool:
    return org is not None and org.id in managed_ids(actor)


def managed_organisation(actor, org_id) -> Organisation:
    """The organisation, when the actor administers it; otherwise as if it did not exist."""
    org = db.session.get(Organisation, org_id) if is_id(org_id) else None
    if org is None or not (manages(actor, org) or _ended_within(actor, org)):
        raise NotFound(gettext("Không tìm thấy tổ chức."))
    return org


def _ended_within(actor, org: Organisation) -> bool:
    """An ended unit stays visible to who manages where it last sat or its successor."""
    if org.valid_to is None:
        return False
    managed = managed_ids(actor)
    last_parent = org.last_parent
    return (last_parent is not None and last_parent.id in managed) or (org.successor_id in managed)


def clean_text(value, field: str, errors: dict, *, low: int, high: int, required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        errors[field] = [gettext("Phải là chuỗi ký tự.")]
    elif CONTROL_CHARACTERS.search(text):
        errors[field] = [gettext("Không được chứa ký tự điều khiển.")]
    elif (required or text) and not low <= len(text) <= high:
        errors[field] = [gettext("Nhập từ %(low)s đến %(high)s ký tự.", low=max(low, 1), high=high)]
    return text


EARLIEST, LATEST = date(1900, 1, 1), date(2200, 12, 31)  # beyond them a date is a typing mistake


def check_day(value, field: str, errors: dict, *, required_message: str) -> date | None:
    if not isinstance(value, date):
        errors[field] = [required_message]
        return None
    if not EARLIEST <= value <= LATEST:
        errors[field] = [gettext("Ngày không hợp lệ, nhập theo dạng dd/mm/yyyy.")]
        return None
    return value


@contextmanager
def unique_or_invalid(field: str, message: str):
    """Rows added inside are flushed in a savepoint: when another request took the same unique value between our
    check and our write, the form says so instead of failing, and the rest of the transaction stays usable."""
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError as exc:
        raise Invalid(gettext("Chưa lưu được."), {field: [message]}) from exc


def create_organisation(actor, *, code, name, level, parent, valid_from=None, header_name=None,
                        **header) -> Organisation:
    """Found a unit under `parent` (an Organisation the actor manages) from `valid_from` (default today)."""
    errors: dict[str, list[str]] = {}
    code = clean_text(code, "code", errors, low=2, high=60).lower()
    if "code" not in errors and not CODE_PATTERN.match(code):
        errors["code"] = [gettext("Mã chỉ gồm chữ thường không dấu, chữ số, dấu chấm, gạch ngang, gạch dưới.")]
    elif "code" not in errors and db.session.scalar(sa.select(Organisation.id).where(Organisation.code == code)):
        errors["code"] = [gettext("Mã %(code)s đã được dùng.", code=code)]
    name = clean_text(name, "name", errors, low=3, high=200)
    if level not in LEVELS or (level == "confederation" and not is_operator(actor)):
        errors["level"] = [gettext("Chọn cấp của đơn vị.")]
    valid_from = clock.today() if valid_from is None else valid_from
    check_day(valid_from, "valid_from", errors, required_message=gettext("Nhập ngày thành lập (dd/mm/yyyy)."))
    if parent is None:
        if not (is_operator(actor) and level in LEVELS and level != "grassroots"):
            errors["parent"] = [gettext("Chọn tổ chức cấp trên thuộc phạm vi quản lý của bạn.")]
    elif not manages(actor, parent):
        errors["parent"] = [gettext("Chọn tổ chức cấp trên thuộc phạm vi quản lý của bạn.")]
    elif level in LEVELS and LEVEL_RANK[parent.level] <= LEVEL_RANK[level]:
        errors["parent"] = [gettext("Tổ chức cấp trên phải ở cấp cao hơn đơn vị.")]
    elif "valid_from" not in errors and not parent.in_force(valid_from):
        errors["parent"] = [gettext("%(parent)s không hoạt động vào ngày %(day)s.", parent=parent.name,
                                    day=format_date(valid_from))]
    header_name = clean_text(header_name, "header_name", errors, low=3, high=200, required=False) or name.upper()
    values = _header_values(header, errors, level=level, parent=parent)
    check_heading(header_name, values.get("short_header_name"), errors)
    if errors:
        raise Invalid(gettext("Chưa thể thành lập đơn vị."), errors)
    org = Organisation(code=code, name=name, level=level, header_name=header_name, valid_from=valid_from, **values)
    with unique_or_invalid("code", gettext("Mã %(code)s đã được dùng.", code=code)):
        db.session.add(org)
        if parent is not None:
            db.session.add(OrganisationPlacement(organisation=org, parent=parent, valid_from=valid_from))
    if valid_from <= clock.today():
        for managed in (g.get("managed_ids") or {}).values() if has_app_context() else ():
            if parent is None or parent.id in managed:
                managed.add(org.id)
    record(actor, "organisation.create", "organisation", org.id, org.id, None,
           dict(snapshot(org, AUDITED), parent=parent.code if parent else None))
    return org


# Header fields whose default comes from another field of the new unit.
DEFAULT_SOURCE = {"abbreviation": "level", "signing_body": "level", "place_name": "parent"}


def _header_values(given: dict, errors: dict, *, level=None, parent=None, current: Organisation | None = None) -> dict:
    unknown = set(given) - set(HEADER_FIELDS) - set(FLAG_FIELDS) - {"signed_by_signer"}
    for field in unknown:
        errors[field] = [gettext("Không có trường này.")]
    defaults = {
        "abbreviation": DEFAULT_ABBREVIATION.get(level, ""),
        "signing_body": DEFAULT_SIGNING_BODY.get(level, ""),
        "head_title": "CHỦ TỊCH",
        "place_name": parent.place_name if parent is not None else "",
        "head_name": "",
        "short_header_name": None,
        "signing_authority": "",
        "signer_title": "",
        "signer_name": "",
        "drafting_unit": "" if level == "grassroots" else "VP",
        "finance_office": DEFAULT_FINANCE_OFFICE.get(level, ""),
        "office_address": "",
    }
    values = {}
    for field, (low, high) in HEADER_FIELDS.items():
        if field not in given and current is not None:
            continue
        value = given.get(field)
        if value is None or (isinstance(value, str) and not value.strip() and low > 0 and current is None):
            if DEFAULT_SOURCE.get(field) in errors:
                continue  # its default depends on a field already refused: one error, not three
            value = defaults[field]
        text = clean_text(value, field, errors, low=low, high=high, required=low > 0)
        values[field] = text or (None if field == "short_header_name" else text)
    for field in FLAG_FIELDS:
        if field in given or current is None:
            value = given.get(field, False)
            if value in ("", "0", "off", None):
                value = False
            elif value in ("1", "on", "y"):
                value = True
            if not isinstance(value, bool):
                errors[field] = [gettext("Chọn có hoặc không.")]
            values[field] = value
    if "signed_by_signer" in given or current is None:
        values["signed_by_signer"] = _signed_types(given.get("signed_by_signer"), errors)
    _check_signing(values, errors, current)
    return values


def _signed_types(value, errors: dict) -> list[str]:
    """The document types whose steps wait for the signer: a list of types, or from the form "" (none: the acting
    person signs at once), one type, or "all"."""
    if value in ("", None):
        return []
    if value == "all":
        return list(SIGNED_TYPES)
    chosen = [value] if isinstance(value, str) else value
    if not isinstance(chosen, list) or any(not isinstance(t, str) or t not in SIGNED_TYPES for t in chosen):
        errors["signed_by_signer"] = [gettext("Chọn trong các loại văn bản: %(types)s.", types=", ".join(SIGNED_TYPES))]
        return []
    return [t for t in SIGNED_TYPES if t in chosen]


def _check_signing(values: dict, errors: dict, current: Organisation | None) -> None:
    """A deputy, an acting head or someone signing by order or authorisation is named with their title; a head who
    signs is named; the abbreviation keeps the "Số:" line on one line (pdf/heading.py)."""
    def value(field):
        return values[field] if field in values else getattr(current, field, "") or ""

    authority = value("signing_authority")
    if "signing_authority" not in errors and authority not in AUTHORITIES:
        errors["signing_authority"] = [gettext("Chọn một cách ký trong danh sách.")]
    elif authority:
        needed = ("signer_name",) if authority == "Q." else ("signer_title", "signer_name")
        for field in needed:
            if not value(field) and field not in errors:
                errors[field] = [gettext("Ghi chức danh và họ tên người ký khi không phải người đứng đầu ký.")]
    elif current is not None and not value("head_name") and "head_name" not in errors:
        # the head signs: a document must name who signed it (a new unit may be founded before its head is known)
        errors["head_name"] = [gettext("Ghi họ tên người đứng đầu: văn bản do người đứng đầu ký in tên người ký.")]
    abbreviation = values.get("abbreviation")
    if abbreviation and "abbreviation" not in errors and not number_fits(abbreviation):
        errors["abbreviation"] = [gettext("Chữ viết tắt quá dài: số văn bản “Số: 1234/TTr-%(abbreviation)s” phải nằm "
                                          "trên một dòng.", abbreviation=abbreviation)]


def check_heading(header_name: str, short_header_name: str | None, errors: dict) -> None:
    """The heading prints the organisation on one line (pdf/heading.py): a short header name must fit the column,
    and a header name that does not fit even abbreviated needs one."""
    if "short_header_name" in errors or "header_name" in errors or not header_name:
        return
    if short_header_name and not heading_fits(short_header_name, bold=True):
        errors["short_header_name"] = [gettext(
            "Tên viết tắt vẫn dài hơn một dòng tiêu đề (khoảng 76 mm ở cỡ chữ 12); hãy viết ngắn hơn.")]
    elif not short_header_name and not heading_line(header_name, None, bold=True).fits:
        errors["short_header_name"] = [gettext(
            "Tên trên tiêu đề quá dài cho một dòng của văn bản; nhập tên viết tắt trên tiêu đề, ví dụ "
            "“CĐCS CTY CAO SU PHÚ RIỀNG”.")]


def update_header(actor, org: Organisation, **fields) -> Organisation:
    """Edit what the organisation's documents print (abbreviation, place, signing body, head's title and name, a
    short header name)."""
    _require_managed(actor, org, own_allowed=True)
    errors: dict[str, list[str]] = {}
    values = _header_values(fields, errors, current=org)
    if "short_header_name" in values:
        check_heading(org.header_name, values["short_header_name"], errors)
    if errors:
        raise Invalid(gettext("Thông tin chưa hợp lệ."), errors)
    before = snapshot(org, values)
    for field, value in values.items():
        setattr(org, field, value)
    after = snapshot(org, values)
    if before != after:
        record(actor, "organisation.header", "organisation", org.id, org.id, before, after)
    return org


def rename_organisation(actor, org: Organisation, *, name, header_name=None, short_header_name=None,
                        on=None) -> Organisation:
    """From `on` (not after today) the organisation is called `name`; documents of earlier days keep the old name,
    and later documents that cite them print it too (Organisation.names_on)."""
    _require_managed(actor, org, own_allowed=True)
    errors: dict[str, list[str]] = {}
    name = clean_text(name, "name", errors, low=3, high=200)
    header_name = clean_text(header_name, "header_name", errors, low=3, high=200, required=False) or name.upper()
    short_header_name = clean_text(short_header_name, "short_header_name", errors, low=0, high=120,
                                   required=False) or None
    on = clock.today() if on is None else on
    if check_day(on, "on", errors, required_message=gettext("Nhập ngày bắt đầu dùng tên mới (dd/mm/yyyy).")):
        last_renamed = org.former_names[-1].valid_to if org.former_names else None
        if on > clock.today():
            errors["on"] = [gettext("Ngày đổi tên không được sau hôm nay; hãy thực hiện vào ngày đó.")]
        elif org.valid_to is not None:
            errors["on"] = [gettext("%(org)s đã kết thúc hoạt động.", org=org.name)]
        elif (org.valid_from is not None and on <= org.valid_from) or (last_renamed is not None and on <= last_renamed
                                                                      + timedelta(days=1)):
            errors["on"] = [gettext("Ngày đổi tên phải sau ngày thành lập và sau lần đổi tên trước.")]
    if not errors and (name, header_name) == (org.name, org.header_name):
        errors["name"] = [gettext("Tên mới trùng tên hiện tại.")]
    check_heading(header_name, short_header_name, errors)
    if errors:
        raise Invalid(gettext("Chưa thể đổi tên."), errors)
    before = snapshot(org, ("name", "header_name", "short_header_name"))
    org.former_names.append(OrganisationFormerName(valid_to=on - timedelta(days=1), name=org.name,
                                                   header_name=org.header_name,
                                                   short_header_name=org.short_header_name))
    org.name, org.header_name, org.short_header_name = name, header_name, short_header_name
    record(actor, "organisation.rename", "organisation", org.id, org.id, before,
           dict(snapshot(org, ("name", "header_name", "short_header_name")), on=on))
    return org


def move_organisation(actor, org: Organisation, parent: Organisation | None, on=None) -> Organisation:
    """Place the organisation (with everything under it) under `parent` from `on`. Dossiers already submitted keep
    the route they were given; later submissions find the new chain."""
    _require_managed(actor, org, own_allowed=False)
    errors: dict[str, list[str]] = {}
    on = clock.today() if on is None else on
    current = None
    if check_day(on, "on", errors, required_message=gettext("Nhập ngày chuyển (dd/mm/yyyy).")):
        current = org.placement_on(on)
        if org.valid_to is not None:
            errors["on"] = [gettext("%(org)s đã kết thúc hoạt động.", org=org.name)]
        elif any(p.valid_from is not None and p.valid_from > on for p in org.placements):
            errors["on"] = [gettext("Đã có một lần chuyển từ ngày sau ngày này; không thể chuyển trước nó.")]
        elif org.valid_from is not None and on < org.valid_from:
            errors["on"] = [gettext("Ngày chuyển không được trước ngày thành lập.")]
    if parent is None or not manages(actor, parent):
        errors["parent"] = [gettext("Chọn tổ chức cấp trên thuộc phạm vi quản lý của bạn.")]
    elif LEVEL_RANK[parent.level] <= LEVEL_RANK[org.level]:
        errors["parent"] = [gettext("Tổ chức cấp trên phải ở cấp cao hơn đơn vị.")]
    elif isinstance(on, date) and (parent in subtree_on(org, on) or not parent.in_force(on)):
        errors["parent"] = [gettext("Chọn một tổ chức đang hoạt động, không trực thuộc %(org)s.", org=org.name)]
    elif current is not None and current.parent_id == parent.id:
        errors["parent"] = [gettext("%(org)s đã trực thuộc %(parent)s.", org=org.name, parent=parent.name)]
    if errors:
        raise Invalid(gettext("Chưa thể chuyển đơn vị."), errors)
    before = {"parent": current.parent.code if current else None}
    if current is not None and current.valid_from == on:
        current.parent = parent  # placed and moved the same day: the first placement never held
    else:
        if current is not None:
            current.valid_to = on - timedelta(days=1)
        db.session.add(OrganisationPlacement(organisation=org, parent=parent, valid_from=on))
    db.session.flush()
    forget_managed()
    record(actor, "organisation.move", "organisation", org.id, org.id, before, {"parent": parent.code, "on": on})
    return org


def _require_managed(actor, org: Organisation, *, own_allowed: bool) -> None:
    if not manages(actor, org):
        raise NotFound(gettext("Không tìm thấy tổ chức."))
    if not own_allowed and not is_operator(actor) and org.id == actor.organisation_id:
        raise Forbidden(gettext("Không thể chuyển hay kết thúc chính tổ chức của bạn; quản trị cấp trên thực hiện."))
