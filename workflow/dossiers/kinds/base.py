"""What every dossier kind declares, and the shared machinery: field metadata, form parsing, error messages.

A kind is one module in this package (see child_heart.py): a pydantic model of its fields (which also
gives its JSON Schema and its form), a pydantic model of its rule-set parameters, the rules checked at
submit, its attachment types, and what its documents and lists show. Its templates live in
templates/kinds/<code>/ (or in the kind's own `template_dir`).

Languages: every label and message is a Vietnamese msgid. Module-level ones (field labels, choice labels,
titles, attachment types) stay plain str, marked with N_ (field labels: the `field:1` keyword), so that the
JSON Schema stays plain; they are translated with gettext where text is built for people (label(),
display(), error messages). Official documents render under force_locale("vi").
"""
from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Literal, get_args, get_origin

from flask_babel import gettext, ngettext
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from ...formatting import (
    CONTROL_CHARACTERS,
    TEXT_CONTROL_CHARACTERS,
    format_amount,
    format_date,
    format_money,
    parse_money,
    parse_screen_date,
    parse_whole,
)
from ...i18n import N_

Errors = dict[str, list[str]]


def field(label: str, *, required: bool = True, choices: dict[str, str] | None = None, long: bool = False,
          pattern_message: str | None = None, missing_message: str | None = None, **constraints) -> Any:
    """A dossier field: optional while drafting, `required` ones must be filled before submit.

    `label` is extracted as a msgid (pybabel's `field:1`); choice labels and messages are marked with N_.
    All stay plain str here and are translated where shown."""
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


class FieldsModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, value, info):
        # pydantic would read true as 1; an amount of "true" is a client's mistake.
        if isinstance(value, bool) and _plain(cls, info.field_name) is int:
            raise PydanticCustomError("int_type", "Input should be a valid integer")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value):
        # Invisible in a form, printed in official documents: an escape, a NUL or a bidi override (which reverses
        # a printed name) is no one's data.
        if isinstance(value, str) and TEXT_CONTROL_CHARACTERS.search(value):
            raise PydanticCustomError("control_character", "Control character")
        return value


class ParamsModel(BaseModel):
    """A rule set's parameters: a misspelt key is an error, not a silently ignored limit; a name in them (an
    occasion) is one line of text, without control characters (printed in documents, matched with a dossier's)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value):
        texts = value.keys() if isinstance(value, dict) else [value]
        if any(isinstance(text, str) and CONTROL_CHARACTERS.search(text) for text in texts):
            raise PydanticCustomError("control_character", "Control character")
        return value

    @classmethod
    def read_stored(cls, params: dict):
        """Stored parameters as the model. One added before a bound was set (a cap beyond MAX_VND, an occasion's
        name with a control character) is read as it stands rather than failing every page of its kind."""
        try:
            return cls.model_validate(params)
        except ValidationError:
            return _constructed(cls, params)


def _constructed(model: type[BaseModel], values: dict):
    fields = {}
    for name in model.model_fields:
        if name in values:
            plain, value = _plain(model, name), values[name]
            nested = isinstance(plain, type) and issubclass(plain, BaseModel) and isinstance(value, dict)
            fields[name] = _constructed(plain, value) if nested else value
    return model.model_construct(**fields)


GENDERS = {"male": N_("Nam"), "female": N_("Nữ")}
MAX_VND = 10**13


class PersonData(FieldsModel):
    """The union member concerned (DESIGN §5, common person fields)."""

    full_name: str | None = field("Họ và tên đoàn viên", min_length=2, max_length=100)
    gender: Literal["male", "female"] | None = field("Giới tính", choices=GENDERS)
    birth_date: date | None = field("Ngày sinh")
    citizen_id: str | None = field("Số CCCD", pattern=r"^\d{12}$",
                                   pattern_message=N_("Số CCCD phải gồm đúng 12 chữ số."))
    member_since: date | None = field("Ngày vào Công đoàn")
    workplace: str | None = field("Đơn vị công tác", max_length=200)
    position: str | None = field("Chức vụ / nghề nghiệp", required=False, max_length=100)
    phone: str | None = field("Số điện thoại", required=False, pattern=r"^\+?[0-9 .]{9,15}$",
                              pattern_message=N_("Số điện thoại chỉ gồm chữ số (9 đến 15 số)."))
    address: str | None = field("Địa chỉ thường trú", max_length=300, long=True)


_MESSAGES = {
    "missing": N_("Vui lòng nhập thông tin này."),
    "string_type": N_("Phải là chuỗi ký tự."),
    "string_too_short": N_("Quá ngắn (tối thiểu %(min_length)s ký tự)."),
    "string_too_long": N_("Quá dài (tối đa %(max_length)s ký tự)."),
    "string_pattern_mismatch": N_("Không đúng định dạng."),
    "control_character": N_("Không được chứa ký tự điều khiển."),
    "int_type": N_("Phải là số nguyên."),
    "int_parsing": N_("Phải là số nguyên."),
    "int_from_float": N_("Phải là số nguyên."),
    "greater_than_equal": N_("Phải lớn hơn hoặc bằng %(ge)s."),
    "greater_than": N_("Phải lớn hơn %(gt)s."),
    "less_than_equal": N_("Phải nhỏ hơn hoặc bằng %(le)s."),
    "date_type": N_("Ngày không hợp lệ."),
    "date_parsing": N_("Ngày không hợp lệ."),
    "date_from_datetime_parsing": N_("Ngày không hợp lệ."),
    "date_from_datetime_inexact": N_("Ngày không hợp lệ."),
    "bool_type": N_("Phải là đúng hoặc sai."),
    "bool_parsing": N_("Phải là đúng hoặc sai."),
    "literal_error": N_("Giá trị không nằm trong danh sách cho phép."),
    "list_type": N_("Phải là một danh sách."),
    "model_type": N_("Phải là một đối tượng."),
    "dict_type": N_("Phải là một đối tượng."),
    "extra_forbidden": N_("Trường này không có trong loại hồ sơ."),
    "too_short": N_("Chọn ít nhất %(min_length)s mục."),
    "too_long": N_("Tối đa %(max_length)s mục."),
}
MISSING = _MESSAGES["missing"]
_INVALID = N_("Giá trị không hợp lệ.")
_OTHER_LABELS = {"attachments": N_("Tệp đính kèm"), "kind": N_("Loại hồ sơ"), "version": N_("Phiên bản")}


# --- field metadata, for a kind's model or a row model inside it ----------------------------------

def _plain(model: type[BaseModel], name: str):
    """The field's type without its `| None`."""
    annotation = model.model_fields[name].annotation
    if get_origin(annotation) in (typing.Union, types.UnionType):
        return next(a for a in get_args(annotation) if a is not type(None))
    return annotation


def meta(model: type[BaseModel], name: str) -> dict:
    return model.model_fields[name].json_schema_extra or {}


def row_model(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    """For a list-of-rows field (e.g. a nominee's solutions), the model of one row."""
    plain = _plain(model, name)
    if get_origin(plain) is list:
        (item,) = get_args(plain)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
    return None


def widget(model: type[BaseModel], name: str) -> str:
    plain = _plain(model, name)
    if row_model(model, name):
        return "rows"
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
    return "textarea" if meta(model, name).get("x-long-text") else "text"


def display_value(model: type[BaseModel], name: str, value) -> str:
    """A value as people read it, in the current language: dd/mm/yyyy, 1.500.000 đ, labels instead of codes,
    Có/Không."""
    if value is None or value == "" or value == []:
        return ""
    kind_of = widget(model, name)
    if kind_of == "date":
        return format_date(value)
    if kind_of == "money":
        return format_money(value)
    if kind_of == "checkbox":
        return gettext("Có") if value else gettext("Không")
    if kind_of in ("select", "checkboxes"):
        labels = meta(model, name).get("x-choice-labels", {})
        if isinstance(value, list):
            return "; ".join(gettext(labels[v]) if v in labels else v for v in value)
        return gettext(labels[value]) if value in labels else value
    if kind_of == "rows":
        return ngettext("%(num)s mục", "%(num)s mục", len(value))
    return str(value)


def _parse_value(model, name, raw: str, errors: Errors, key: str):
    kind_of = widget(model, name)
    if kind_of == "date":
        parsed = parse_screen_date(raw)
        if parsed is None:
            errors[key] = [gettext("Ngày không hợp lệ, nhập theo dạng dd/mm/yyyy.")]
            return None
        return parsed.isoformat()
    if kind_of == "money":
        parsed = parse_money(raw)
        if parsed is None:
            errors[key] = [gettext("Phải là số nguyên, ví dụ 1.500.000.")]
        return parsed
    if kind_of == "number":  # a count or a percentage: a dot is a decimal point here, not a separator
        if re.fullmatch(r"-?[0-9]{1,9}", raw):
            return int(raw)
        errors[key] = [gettext("Phải là số nguyên.")]
        return None
    return raw


def parse_fields(model: type[BaseModel], form, prefix: str = "") -> tuple[dict, Errors]:
    """The posted form (dd/mm/yyyy dates, "1.500.000" amounts, rows as name-0-field) as API-shaped data."""
    data: dict = {}
    errors: Errors = {}
    for name in model.model_fields:
        key = prefix + name
        kind_of = widget(model, name)
        if kind_of == "rows":
            # Positions, not the posted numbers, so that errors land on the card the form redraws.
            rows = []
            for position, index in enumerate(row_indexes(form, key)):
                row, row_errors = parse_fields(row_model(model, name), form, f"{key}-{index}-")
                errors.update({f"{key}.{position}.{k.rsplit('-', 1)[-1]}": v for k, v in row_errors.items()})
                rows.append(row)
            data[name] = rows
        elif kind_of == "checkboxes":
            data[name] = form.getlist(key)
        elif kind_of == "checkbox":
            data[name] = form.get(key) in {"on", "1", "true", "yes"}
        else:
            raw = (form.get(key) or "").strip()
            if raw:
                value = _parse_value(model, name, raw, errors, key)
                if value is not None:
                    data[name] = value
    return data, errors


def without_blank_rows(model: type[BaseModel], data: dict) -> dict:
    """Rows the form showed but nobody filled in are not data."""
    return {name: [row for row in value if any(v not in (None, "", False, []) for v in row.values())]
            if row_model(model, name) and isinstance(value, list) else value
            for name, value in data.items()}


def row_indexes(form, key: str) -> list[int]:
    pattern = f"{key}-"
    found = {parse_whole(k[len(pattern):].split("-", 1)[0]) for k in form.keys() if k.startswith(pattern)}
    return sorted(found - {None})


@dataclass
class RuleContext:
    """What the rules of a kind are judged against: the submission date, the rule set's parameters,
    the dossier itself (e.g. to look for another aid to the same person)."""

    on: date
    params: Any
    dossier: Any = None


class DossierKind:
    code: ClassVar[str]
    title: ClassVar[str]  # the full name, on screens and in the list heading
    short_title: ClassVar[str]  # for narrow columns
    request_phrase: ClassVar[str]  # completes "Tờ trình đề nghị ..."
    Data: ClassVar[type[BaseModel]]
    Params: ClassVar[type[BaseModel]]  # the rule set's parameters, validated when a rule set is added
    # Attachment types: code -> (label, required at submit)
    attachment_types: ClassVar[dict[str, tuple[str, bool]]] = {}
    # (heading, function of the displayed values) for the batch's "danh sách trích ngang".
    list_columns: ClassVar[list[tuple[str, Any]]] = []
    # Where the kind's templates live when not under templates/kinds/<code>/ (a kind shipped elsewhere).
    template_dir: ClassVar[str | None] = None

    # --- fields --------------------------------------------------------------------------------
    @classmethod
    def field_names(cls) -> list[str]:
        return list(cls.Data.model_fields)

    @classmethod
    def meta(cls, name: str) -> dict:
        return meta(cls.Data, name)

    @classmethod
    def label(cls, name: str) -> str:
        """The field's label in the current language."""
        label = cls.meta(name).get("x-label")
        return gettext(label) if label else name

    @classmethod
    def error_label(cls, key: str) -> str:
        """'solutions.1.benefit_vnd' -> 'Giải pháp 2 – Giá trị làm lợi (đồng)'."""
        parts = key.split(".")
        if parts[0] not in cls.Data.model_fields:
            return gettext(_OTHER_LABELS[key]) if key in _OTHER_LABELS else key
        if len(parts) == 3 and parse_whole(parts[1]) is not None and row_model(cls.Data, parts[0]):
            rows = row_model(cls.Data, parts[0])
            inner = meta(rows, parts[2]).get("x-label") if parts[2] in rows.model_fields else None
            return gettext("%(field)s – dòng %(row)s – %(column)s", field=cls.label(parts[0]), row=int(parts[1]) + 1,
                           column=gettext(inner) if inner else parts[2])
        return cls.label(parts[0])

    @classmethod
    def widget(cls, name: str) -> str:
        return widget(cls.Data, name)

    @classmethod
    def row_model(cls, name: str):
        return row_model(cls.Data, name)

    @classmethod
    def json_schema(cls) -> dict:
        schema = cls.Data.model_json_schema()
        schema["title"] = cls.title
        schema["x-kind"] = cls.code
        schema["x-required-at-submit"] = [n for n in cls.field_names() if cls.meta(n).get("x-required-at-submit")]
        schema["x-attachment-types"] = {code: {"label": label, "required": required}
                                        for code, (label, required) in cls.attachment_types.items()}
        return schema

    # --- validation ----------------------------------------------------------------------------
    @classmethod
    def translate(cls, error: ValidationError) -> Errors:
        errors: Errors = {}
        for item in error.errors():
            loc = [str(part) for part in item["loc"]]
            if not loc:
                loc = ["data"]
            name = loc[0]
            model = cls.Data
            key = name
            if len(loc) >= 3 and name in cls.Data.model_fields and row_model(cls.Data, name):
                model, key, name = row_model(cls.Data, name), ".".join(loc[:3]), loc[2]
            if item["type"] == "string_pattern_mismatch" and name in model.model_fields:
                message = gettext(meta(model, name).get("x-pattern-message", _MESSAGES["string_pattern_mismatch"]))
            else:
                message = gettext(_MESSAGES.get(item["type"], _INVALID), **(item.get("ctx") or {}))
            errors.setdefault(key, []).append(message)
        return errors

    @classmethod
    def clean(cls, data: dict) -> tuple[dict, Errors]:
        """Check the shape of the data (types, formats); returns the JSON-ready data and the errors."""
        if not isinstance(data, dict):
            return {}, {"data": [gettext("Dữ liệu hồ sơ phải là một đối tượng JSON.")]}
        try:
            model = cls.Data.model_validate(data)
        except ValidationError as exc:
            return {}, cls.translate(exc)
        return model.model_dump(mode="json", exclude_none=True), {}

    @classmethod
    def check_for_submit(cls, data: dict, ctx: RuleContext) -> Errors:
        """All rules that must hold at submission; `data` is already clean."""
        errors: Errors = {}
        for name in cls.field_names():
            field_meta = cls.meta(name)
            if field_meta.get("x-required-at-submit") and data.get(name) in (None, "", []):
                errors.setdefault(name, []).append(gettext(field_meta.get("x-missing-message", MISSING)))
            rows = cls.row_model(name)
            for index, row in enumerate(data.get(name) or [] if rows else []):
                for inner in rows.model_fields:
                    if meta(rows, inner).get("x-required-at-submit") and row.get(inner) in (None, "", []):
                        errors.setdefault(f"{name}.{index}.{inner}", []).append(gettext(MISSING))
        missing = set(errors)
        for key, messages in cls.check_rules(data, ctx).items():
            if key not in missing:  # a field reported missing says only that; two rules on one field both speak
                errors[key] = messages
        return errors

    @classmethod
    def check_rules(cls, data: dict, ctx: RuleContext) -> Errors:
        """The kind's rules alone (not the fields still missing), each broken one's message under its field: what a
        draft is warned of when it is saved; `data` is already clean."""
        errors: Errors = {}
        for key, message in cls.rules(cls.Data.model_validate(data), ctx):
            if message not in errors.get(key, []):
                errors.setdefault(key, []).append(message)
        return errors

    @classmethod
    def rules(cls, values, ctx: RuleContext):
        """Yield (field, message) for each broken rule; fields reported missing are skipped."""
        yield from person_rules(values, ctx.on)

    @classmethod
    def criteria(cls, params) -> list[tuple[str, tuple[str, ...]]]:
        """What a reviewer checks, as a record of the review prints it (always Vietnamese), each with the fields
        whose rules decide it; `params` is the rule set's (None where the dossier has none)."""
        return [("Người được đề nghị là đoàn viên; họ tên, ngày sinh, số CCCD, ngày vào Công đoàn, đơn vị công tác "
                 "được ghi đầy đủ, hợp lệ", PERSON_FIELDS)]

    @classmethod
    def required_attachments(cls, data: dict) -> dict[str, str]:
        """code -> label (a msgid: gettext it to show it) of the attachment types this dossier must have at submit."""
        return {code: label for code, (label, required) in cls.attachment_types.items() if required}

    @classmethod
    def form_hints(cls, params) -> dict[str, str]:
        """Short notes under form fields from the rule set in force today (caps, occasions)."""
        return {}

    @classmethod
    def form_choices(cls, params) -> dict[str, dict[str, str]]:
        """Text fields the form offers as a list built from the rule set in force (the aid's occasions): field ->
        {value: label}. The value stays the field's text, so the API takes it as before; the server checks it."""
        return {}

    @classmethod
    def same_choice(cls, name: str, value) -> bool:
        """Whether a stored or posted value is the choice `name` of form_choices."""
        return value == name

    @classmethod
    def dedup_key(cls, data: dict) -> str | None:
        """A key that at most one active dossier may hold across the whole system (None: no such rule)."""
        return None

    @classmethod
    def dedup_error(cls, data: dict) -> tuple[str, str]:
        """(field, message) when another active dossier holds the same key."""
        return "data", gettext("Đã có một hồ sơ như vậy trong hệ thống.")

    # --- presentation --------------------------------------------------------------------------
    @classmethod
    def subject(cls, data: dict) -> str:
        """A short line naming who the dossier is about, for lists and titles. Not translated: it is stored
        (the search column) and printed in official documents."""
        return data.get("full_name") or "(chưa nhập tên)"

    @classmethod
    def requested_amount(cls, data: dict) -> int | None:
        """The money asked for, or None for a kind that asks for none (an award)."""
        return data.get("requested_amount_vnd")

    @classmethod
    def display(cls, data: dict) -> dict:
        shown = {name: display_value(cls.Data, name, data.get(name)) for name in cls.field_names()}
        for name in cls.field_names():
            rows = cls.row_model(name)
            if rows:
                shown[name + "_rows"] = [{inner: display_value(rows, inner, row.get(inner))
                                          for inner in rows.model_fields}
                                         for row in data.get(name) or []]
        return shown

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
        data, errors = parse_fields(cls.Data, form)
        # Report the shape errors of the other fields too, so that one round shows every mistake.
        for key, messages in cls.clean(data)[1].items():
            errors.setdefault(key, messages)
        if not errors:
            data = without_blank_rows(cls.Data, data)
        return data, errors


PERSON_FIELDS = ("full_name", "gender", "birth_date", "citizen_id", "member_since", "workplace", "position", "phone",
                 "address")


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def person_rules(values: PersonData, on: date):
    if values.birth_date and values.birth_date >= on:
        yield "birth_date", gettext("Ngày sinh phải trước ngày lập hồ sơ.")
    if values.member_since and values.member_since > on:
        yield "member_since", gettext("Ngày vào Công đoàn không được sau ngày lập hồ sơ.")
    if values.member_since and values.birth_date and values.member_since <= values.birth_date:
        yield "member_since", gettext("Ngày vào Công đoàn phải sau ngày sinh.")


def posted_values(model: type[BaseModel], form, prefix: str = "") -> dict:
    """What was typed, as typed (rows as lists of dicts), so that a refused form loses nothing."""
    values = {}
    for name in model.model_fields:
        key = prefix + name
        kind_of = widget(model, name)
        if kind_of == "rows":
            values[name] = [posted_values(row_model(model, name), form, f"{key}-{i}-") for i in row_indexes(form, key)]
        elif kind_of == "checkboxes":
            values[name] = form.getlist(key)
        elif kind_of == "checkbox":
            values[name] = key in form
        else:
            values[name] = form.get(key, "")
    return values


def screen_values(model: type[BaseModel], data: dict) -> dict:
    """Stored data as the form shows it: dd/mm/yyyy dates, 1.500.000 amounts."""
    values = {}
    for name in model.model_fields:
        value = data.get(name)
        if value is None:
            continue
        kind_of = widget(model, name)
        if kind_of == "rows":
            values[name] = [screen_values(row_model(model, name), row) for row in value]
        elif kind_of == "money":
            values[name] = format_amount(value)
        elif kind_of in ("date", "number"):
            values[name] = display_value(model, name, value)
        else:
            values[name] = value
    return values


def change_rows(values: dict, action: str) -> dict:
    """Apply an "add:<field>" or "remove:<field>:<index>" button of the form to the typed values."""
    parts = action.split(":")
    rows = values.get(parts[1]) if len(parts) > 1 else None
    if not isinstance(rows, list):
        return values
    if parts[0] == "add":
        rows.append({})
    elif parts[0] == "remove" and len(parts) == 3:
        index = parse_whole(parts[2])
        if index is not None and index < len(rows):
            rows.pop(index)
    return values


def full_years(since: date, on: date) -> int:
    """Whole years from `since` to `on` (an anniversary counts on its day)."""
    years = on.year - since.year
    return years if add_years(since, years) <= on else years - 1
