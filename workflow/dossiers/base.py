"""What every dossier kind declares, and the shared machinery: field metadata, form parsing, error messages.

A kind is one module in this package (see child_heart.py): a pydantic model of its fields (which also
gives its JSON Schema), the rules checked at submit against a rule set, and the bits its documents and
lists need. Templates of a kind live in templates/kinds/<code>/.
"""
from __future__ import annotations

import types
import typing
from datetime import date
from typing import Any, ClassVar, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..formatting import format_date, format_money, parse_money, parse_screen_date

Errors = dict[str, list[str]]


def field(label: str, *, required: bool = True, choices: dict[str, str] | None = None, long: bool = False,
          pattern_message: str | None = None, missing_message: str | None = None, **constraints) -> Any:
    """A dossier field: optional while drafting, `required` ones must be filled before submit."""
    extra = {"x-label": label, "x-required-at-submit": required}
    if missing_message:
        extra["x-missing-message"] = missing_message
    if choices:
        extra["x-choice-labels"] = choices
    if long:
        extra["x-long-text"] = True
    if pattern_message:
        extra["x-pattern-message"] = pattern_message
    return Field(default=None, title=label, json_schema_extra=extra, **constraints)


GENDERS = {"male": "Nam", "female": "Nữ"}


class PersonData(BaseModel):
    """The union member concerned (DESIGN §5, common person fields)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    full_name: str | None = field("Họ và tên đoàn viên", min_length=2, max_length=100)
    gender: Literal["male", "female"] | None = field("Giới tính", choices=GENDERS)
    birth_date: date | None = field("Ngày sinh")
    citizen_id: str | None = field("Số CCCD", pattern=r"^\d{12}$",
                                   pattern_message="Số CCCD phải gồm đúng 12 chữ số.")
    member_since: date | None = field("Ngày vào Công đoàn")
    workplace: str | None = field("Đơn vị công tác", max_length=200)
    position: str | None = field("Chức vụ / nghề nghiệp", required=False, max_length=100)
    phone: str | None = field("Số điện thoại", required=False, pattern=r"^\+?[0-9 .]{9,15}$",
                              pattern_message="Số điện thoại chỉ gồm chữ số (9 đến 15 số).")
    address: str | None = field("Địa chỉ thường trú", max_length=300, long=True)


_MESSAGES = {
    "missing": "Vui lòng nhập thông tin này.",
    "string_type": "Phải là chuỗi ký tự.",
    "string_too_short": "Quá ngắn (tối thiểu {min_length} ký tự).",
    "string_too_long": "Quá dài (tối đa {max_length} ký tự).",
    "string_pattern_mismatch": "Không đúng định dạng.",
    "int_type": "Phải là số nguyên.",
    "int_parsing": "Phải là số nguyên.",
    "int_from_float": "Phải là số nguyên.",
    "greater_than_equal": "Phải lớn hơn hoặc bằng {ge}.",
    "greater_than": "Phải lớn hơn {gt}.",
    "less_than_equal": "Phải nhỏ hơn hoặc bằng {le}.",
    "date_type": "Ngày không hợp lệ.",
    "date_parsing": "Ngày không hợp lệ.",
    "date_from_datetime_parsing": "Ngày không hợp lệ.",
    "date_from_datetime_inexact": "Ngày không hợp lệ.",
    "bool_type": "Phải là đúng hoặc sai.",
    "bool_parsing": "Phải là đúng hoặc sai.",
    "literal_error": "Giá trị không nằm trong danh sách cho phép.",
    "list_type": "Phải là một danh sách.",
    "extra_forbidden": "Trường này không có trong loại hồ sơ.",
    "too_short": "Chọn ít nhất {min_length} mục.",
}


def _plain(model: type[BaseModel], name: str):
    """The field's type without its `| None`."""
    annotation = model.model_fields[name].annotation
    if get_origin(annotation) in (typing.Union, types.UnionType):
        return next(a for a in get_args(annotation) if a is not type(None))
    return annotation


class DossierKind:
    code: ClassVar[str]
    title: ClassVar[str]  # the full name, on screens and in the list heading
    short_title: ClassVar[str]  # for narrow columns
    request_phrase: ClassVar[str]  # completes "Tờ trình đề nghị ..."
    Data: ClassVar[type[BaseModel]]
    # (heading, function of the displayed values) for the batch's "danh sách trích ngang".
    list_columns: ClassVar[list[tuple[str, Any]]] = []

    # --- fields --------------------------------------------------------------------------------
    @classmethod
    def field_names(cls) -> list[str]:
        return list(cls.Data.model_fields)

    @classmethod
    def meta(cls, name: str) -> dict:
        return cls.Data.model_fields[name].json_schema_extra or {}

    @classmethod
    def label(cls, name: str) -> str:
        return cls.meta(name).get("x-label", name)

    @classmethod
    def widget(cls, name: str) -> str:
        plain = _plain(cls.Data, name)
        meta = cls.meta(name)
        if get_origin(plain) is list:
            return "checkboxes"
        if get_origin(plain) is Literal:
            return "select"
        if plain is date:
            return "date"
        if plain is bool:
            return "checkbox"
        if plain is int:
            return "money" if name.endswith("_vnd") else "number"
        return "textarea" if meta.get("x-long-text") else "text"

    @classmethod
    def json_schema(cls) -> dict:
        schema = cls.Data.model_json_schema()
        schema["title"] = cls.title
        schema["x-kind"] = cls.code
        schema["x-required-at-submit"] = [n for n in cls.field_names() if cls.meta(n).get("x-required-at-submit")]
        return schema

    # --- validation ----------------------------------------------------------------------------
    @classmethod
    def translate(cls, error: ValidationError) -> Errors:
        errors: Errors = {}
        for item in error.errors():
            name = str(item["loc"][0]) if item["loc"] else "data"
            if item["type"] == "string_pattern_mismatch" and name in cls.Data.model_fields:
                message = cls.meta(name).get("x-pattern-message", _MESSAGES["string_pattern_mismatch"])
            else:
                template = _MESSAGES.get(item["type"], "Giá trị không hợp lệ.")
                message = template.format(**(item.get("ctx") or {}))
            errors.setdefault(name, []).append(message)
        return errors

    @classmethod
    def clean(cls, data: dict) -> tuple[dict, Errors]:
        """Check the shape of the data (types, formats); returns the JSON-ready data and the errors."""
        if not isinstance(data, dict):
            return {}, {"data": ["Dữ liệu hồ sơ phải là một đối tượng JSON."]}
        try:
            model = cls.Data.model_validate(data)
        except ValidationError as exc:
            return {}, cls.translate(exc)
        return model.model_dump(mode="json", exclude_none=True), {}

    @classmethod
    def check_for_submit(cls, data: dict, on: date, rule_set) -> Errors:
        """All rules that must hold at submission; `data` is already clean."""
        errors: Errors = {}
        for name in cls.field_names():
            meta = cls.meta(name)
            if meta.get("x-required-at-submit") and data.get(name) in (None, "", []):
                errors.setdefault(name, []).append(meta.get("x-missing-message", _MESSAGES["missing"]))
        values = cls.Data.model_validate(data)
        for name, message in cls.rules(values, on, rule_set.params if rule_set else {}):
            if name not in errors:
                errors.setdefault(name, []).append(message)
        return errors

    @classmethod
    def rules(cls, values, on: date, params: dict):
        """Yield (field, message) for each broken rule; fields still missing are skipped by the caller."""
        yield from person_rules(values, on)

    # --- presentation --------------------------------------------------------------------------
    @classmethod
    def subject(cls, data: dict) -> str:
        """A short line naming who the dossier is about, for lists and titles."""
        return data.get("full_name") or "(chưa nhập tên)"

    @classmethod
    def requested_amount(cls, data: dict) -> int | None:
        return data.get("requested_amount_vnd")

    @classmethod
    def choice_label(cls, name: str, value) -> str:
        labels = cls.meta(name).get("x-choice-labels", {})
        if isinstance(value, list):
            return "; ".join(labels.get(v, v) for v in value)
        return labels.get(value, value)

    @classmethod
    def display(cls, data: dict) -> dict[str, str]:
        return {name: display_value(cls, name, data.get(name)) for name in cls.field_names()}

    @classmethod
    def display_rows(cls, data: dict) -> list[tuple[str, str]]:
        shown = cls.display(data)
        return [(cls.label(name), shown[name]) for name in cls.field_names() if shown[name]]

    @classmethod
    def template(cls, part: str) -> str:
        return f"kinds/{cls.code}/{part}.html"

    # --- web form ------------------------------------------------------------------------------
    @classmethod
    def parse_form(cls, form) -> tuple[dict, Errors]:
        """Turn the posted form (dd/mm/yyyy dates, "1.500.000" amounts) into API-shaped data."""
        data: dict = {}
        errors: Errors = {}
        for name in cls.field_names():
            widget = cls.widget(name)
            if widget == "checkboxes":
                data[name] = form.getlist(name)
                continue
            if widget == "checkbox":
                data[name] = form.get(name) in {"on", "1", "true", "yes"}
                continue
            raw = (form.get(name) or "").strip()
            if raw == "":
                continue
            if widget == "date":
                parsed = parse_screen_date(raw)
                if parsed is None:
                    errors[name] = ["Ngày không hợp lệ, nhập theo dạng dd/mm/yyyy."]
                else:
                    data[name] = parsed.isoformat()
            elif widget in ("money", "number"):
                parsed = parse_money(raw)
                if parsed is None:
                    errors[name] = ["Phải là số nguyên, ví dụ 1.500.000."]
                else:
                    data[name] = parsed
            else:
                data[name] = raw
        # Report the shape errors of the other fields too, so that one round shows every mistake.
        for name, messages in cls.clean(data)[1].items():
            errors.setdefault(name, messages)
        return data, errors


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def person_rules(values: PersonData, on: date):
    if values.birth_date and values.birth_date >= on:
        yield "birth_date", "Ngày sinh phải trước ngày lập hồ sơ."
    if values.member_since and values.member_since > on:
        yield "member_since", "Ngày vào Công đoàn không được sau ngày lập hồ sơ."
    if values.member_since and values.birth_date and values.member_since <= values.birth_date:
        yield "member_since", "Ngày vào Công đoàn phải sau ngày sinh."


def display_value(kind, name: str, value) -> str:
    """A field's value as people read it: dd/mm/yyyy, 1.500.000 đ, labels instead of codes."""
    if value is None or value == "" or value == []:
        return ""
    widget = kind.widget(name)
    if widget == "date":
        return format_date(value)
    if widget == "money":
        return format_money(value)
    if widget == "checkbox":
        return "Có" if value else "Không"
    if widget in ("select", "checkboxes"):
        return kind.choice_label(name, value)
    return str(value)
