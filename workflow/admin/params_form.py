"""A kind's rule-set parameters as a form: one labelled field per value of the kind's Params model (kinds/*.py),
amounts typed and shown as 1.500.000 with their unit, a mapping of names to amounts (the accident aid's occasions)
as rows. The form is read from the model, so that a kind added later gets its form without a template of its own.

What the form produces is the JSON the API and the CLI take; judging it stays with add_rule_set (dossiers/rules.py),
whose messages are placed here beside the field they concern.

Labels are the models' `description`s (Vietnamese msgids, marked with N_); the unit of a plain number comes from
`json_schema_extra["x-unit"]` or the field's name (`_vnd` is đồng, as is everything under a `..._vnd` group;
`_years` is years; `_pct` a percentage)."""
from __future__ import annotations

import re
import types
import typing
import unicodedata
from dataclasses import dataclass
from typing import get_args, get_origin

from flask_babel import gettext
from pydantic import BaseModel, ValidationError

from ..formatting import format_amount, format_money, parse_money, parse_whole
from ..i18n import N_

PREFIX = "p"  # the posted names of the parameters: p-caps_vnd-new_build, p-occasions-0-name
GENERAL = PREFIX  # where a problem with the parameters as a whole is shown
EXTRA_ROWS = 2  # empty rows under a mapping's filled ones: room to add some without JavaScript
UNITS = {"vnd": N_("đ"), "years": N_("năm"), "age": N_("tuổi"), "percent": "%"}

Errors = dict[str, list[str]]


@dataclass(frozen=True)
class Node:
    """One field of the form: a group (a nested model), a value, or a mapping shown as rows (`pairs`)."""

    key: str  # the posted name, and the id its errors are filed under
    name: str  # the field's name in its model
    label: str  # a msgid
    widget: str  # group, money, number, text, pairs
    unit: str | None = None  # a key of UNITS; for pairs, the unit of the values
    required: bool = True
    children: tuple[Node, ...] = ()
    key_label: str | None = None  # pairs: the heading of the names' column
    value_label: str | None = None  # pairs: the heading of the values' column


def _plain(annotation):
    """The type without its `| None`."""
    if get_origin(annotation) in (typing.Union, types.UnionType):
        return next(a for a in get_args(annotation) if a is not type(None))
    return annotation


def _unit(name: str, extra: dict, money: bool) -> str | None:
    if money or name.endswith("_vnd"):
        return "vnd"
    if extra.get("x-unit"):
        return extra["x-unit"]
    if name.endswith("_years"):
        return "years"
    if name.endswith(("_pct", "_percent")):
        return "percent"
    return None


def fields_of(model: type[BaseModel], prefix: str = PREFIX, money: bool = False) -> tuple[Node, ...]:
    """The form of a Params model, in the model's order."""
    nodes = []
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        label = info.description or info.title or name
        plain = _plain(info.annotation)
        key = f"{prefix}-{name}"
        unit = _unit(name, extra, money)
        if isinstance(plain, type) and issubclass(plain, BaseModel):
            # A group named ..._vnd (caps_vnd) holds amounts whatever its fields are called.
            nodes.append(Node(key, name, label, "group", required=info.is_required(),
                              children=fields_of(plain, key, money or unit == "vnd")))
        elif get_origin(plain) is dict:
            nodes.append(Node(key, name, label, "pairs", unit, info.is_required(),
                              key_label=extra.get("x-key-label", N_("Tên")),
                              value_label=extra.get("x-value-label", N_("Giá trị"))))
        elif plain is int:
            nodes.append(Node(key, name, label, "money" if unit == "vnd" else "number", unit, info.is_required()))
        else:
            nodes.append(Node(key, name, label, "text", None, info.is_required()))
    return tuple(nodes)


def walk(nodes):
    """Every node, groups before what they hold."""
    for node in nodes:
        yield node
        yield from walk(node.children)


# --- what was typed ---------------------------------------------------------------------------------------------

def _rows(form, key: str) -> list[dict]:
    """A mapping's rows as typed, empty ones dropped, so that the rows shown again (and the positions their
    errors are filed under) are those sent."""
    pattern = re.compile(re.escape(key) + r"-([0-9]{1,3})-(name|amount)")
    found: dict[int, dict] = {}
    for posted in form.keys():
        if match := pattern.fullmatch(posted):
            found.setdefault(parse_whole(match[1]), {})[match[2]] = (form.get(posted) or "").strip()
    rows = [{"name": row.get("name", ""), "amount": row.get("amount", "")} for _, row in sorted(found.items())]
    return [row for row in rows if row["name"] or row["amount"]]


def typed_values(nodes, form) -> dict:
    """What was typed, by posted name (a mapping: its rows), so that a refused form loses nothing."""
    values = {}
    for node in walk(nodes):
        if node.widget == "pairs":
            values[node.key] = _rows(form, node.key)
        elif node.widget != "group":
            values[node.key] = (form.get(node.key) or "").strip()
    return values


def _number(node: Node, raw: str, errors: Errors, key: str):
    if node.widget == "money" or (node.widget == "pairs" and node.unit == "vnd"):
        amount = parse_money(raw)
        if amount is None:
            negative = raw.startswith("-") and parse_money(raw[1:]) is not None
            # parse_money reads no sign: an amount of đồng is never below zero, on any form.
            errors[key] = [gettext("Số tiền không được âm.") if negative
                           else gettext("Phải là số nguyên, ví dụ 1.500.000.")]
        return amount
    if node.widget in ("number", "pairs"):
        # A dot here would be a decimal point, not a thousands separator: years and percentages are whole numbers.
        if re.fullmatch(r"-?[0-9]{1,9}", raw):
            return int(raw)
        errors[key] = [gettext("Phải là số nguyên.")]
        return None
    return raw


def same_name(text: str) -> str:
    """Names that differ only in case, spacing or Unicode form are one name (a dossier's occasion is matched so)."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def parse(nodes, values: dict) -> tuple[dict, Errors]:
    """The typed values as the parameters add_rule_set takes, and what the form itself can tell is wrong (an amount
    that is no number, a row without its name). A value left empty is left out: add_rule_set says whether it was
    needed."""
    params: dict = {}
    errors: Errors = {}
    for node in nodes:
        if node.widget == "group":
            params[node.name], inner = parse(node.children, values)
            errors.update(inner)
        elif node.widget == "pairs":
            pairs, seen = {}, set()
            for position, row in enumerate(values.get(node.key) or []):
                name_key, amount_key = f"{node.key}-{position}-name", f"{node.key}-{position}-amount"
                if not row["name"]:
                    errors[name_key] = [gettext("Nhập tên cho dòng này.")]
                elif same_name(row["name"]) in seen:
                    errors[name_key] = [gettext("Tên này trùng với một dòng ở trên.")]
                seen.add(same_name(row["name"]))
                if not row["amount"]:
                    errors[amount_key] = [gettext("Vui lòng nhập thông tin này.")]
                    continue
                value = _number(node, row["amount"], errors, amount_key)
                if value is not None and row["name"]:
                    pairs[row["name"]] = value
            params[node.name] = pairs
        else:
            raw = values.get(node.key) or ""
            if raw:
                value = _number(node, raw, errors, node.key)
                if value is not None:
                    params[node.name] = value
    return params, errors


def screen_values(nodes, params: dict | None) -> dict:
    """Stored parameters as the form shows them: amounts as 1.500.000, a mapping as rows."""
    values = {}
    for node in nodes:
        value = (params or {}).get(node.name)
        if node.widget == "group":
            values.update(screen_values(node.children, value if isinstance(value, dict) else {}))
        elif node.widget == "pairs":
            values[node.key] = [{"name": name, "amount": _screen(node, amount)}
                                for name, amount in (value or {}).items()]
        else:
            values[node.key] = "" if value is None else _screen(node, value)
    return values


def _screen(node: Node, value) -> str:
    return format_amount(value) if node.unit == "vnd" and isinstance(value, int) else str(value)


def hidden_fields(nodes, values: dict) -> list[tuple[str, str]]:
    """The typed values as (name, value) inputs: what the preview carries to the save."""
    fields = []
    for node in walk(nodes):
        if node.widget == "pairs":
            for position, row in enumerate(values.get(node.key) or []):
                fields += [(f"{node.key}-{position}-name", row["name"]),
                           (f"{node.key}-{position}-amount", row["amount"])]
        elif node.widget != "group":
            fields.append((node.key, values.get(node.key, "")))
    return fields


# --- add_rule_set's messages beside their fields ---------------------------------------------------------------

def _key_of(nodes, loc: tuple, values: dict) -> str:
    """The posted name a pydantic error location concerns: the field, a mapping's row, or the nearest group."""
    key = GENERAL
    for position, part in enumerate(loc):
        node = next((n for n in nodes if n.name == part), None)
        if node is None:
            return key
        key = node.key
        if node.widget == "pairs" and position + 1 < len(loc):
            name = str(loc[position + 1])
            row = next((i for i, r in enumerate(values.get(node.key) or []) if r["name"] == name), None)
            column = "name" if loc[-1] == "[key]" else "amount"  # a problem with the row's name, or its amount
            return f"{node.key}-{row}-{column}" if row is not None else key
        nodes = node.children
    return key


def place_errors(nodes, params_model: type[BaseModel], params: dict, messages: list[str], values: dict) -> Errors:
    """add_rule_set's messages on the parameters ('<path>: <problem>', one per pydantic error, in order) filed under
    the field each concerns. The same model read again gives each message's location; should the two disagree,
    the messages are shown together above the fields rather than beside a wrong one."""
    try:
        params_model.model_validate(params)
        problems = []
    except ValidationError as exc:
        problems = exc.errors()
    if len(problems) != len(messages):
        return {GENERAL: list(messages)}
    placed: Errors = {}
    for problem, message in zip(problems, messages, strict=True):
        path = ".".join(str(part) for part in problem["loc"])
        text = message[len(path) + 2:] if message.startswith(path + ": ") else message
        placed.setdefault(_key_of(nodes, problem["loc"], values), []).append(sentence(text))
    return placed


def sentence(text: str) -> str:
    """rules.py's messages follow a path ('caps_vnd.repair: phải lớn hơn 0'); alone beside a field, a sentence."""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".") if text else text


# --- the parameters as people read them ------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One value of a rule set as read: its labels (groups first; msgids), for a mapping the row's name, the text."""

    id: tuple
    labels: tuple[str, ...]
    item: str | None
    text: str


def shown(node: Node, value) -> str:
    if value is None or value == "":
        return gettext("Không quy định")
    if node.unit == "vnd" and isinstance(value, int):
        return format_money(value)
    if node.unit == "percent":
        return f"{value}%"
    if node.unit in UNITS:
        return f"{value} {gettext(UNITS[node.unit])}"
    return str(value)


def lines(nodes, params: dict | None, labels: tuple[str, ...] = ()) -> list[Line]:
    found = []
    for node in nodes:
        value = (params or {}).get(node.name)
        if node.widget == "group":
            found += lines(node.children, value if isinstance(value, dict) else {}, (*labels, node.label))
        elif node.widget == "pairs":
            found += [Line((node.key, same_name(name)), (*labels, node.label), name, shown(node, amount))
                      for name, amount in (value or {}).items()]
        else:
            found.append(Line((node.key,), (*labels, node.label), None, shown(node, value)))
    return found


@dataclass(frozen=True)
class Change:
    labels: tuple[str, ...]
    item: str | None
    before: str | None  # None: the value is new (or there was no rule set before)
    after: str | None  # None: the value goes

    @property
    def changed(self) -> bool:
        return self.before != self.after


def compare(nodes, before: dict | None, after: dict) -> list[Change]:
    """Each value before and after, in the form's order; a mapping's rows that go come after those that stay."""
    old = {line.id: line for line in lines(nodes, before)} if before is not None else {}
    changes = [Change(line.labels, line.item, old[line.id].text if line.id in old else None, line.text)
               for line in lines(nodes, after)]
    kept = {line.id for line in lines(nodes, after)}
    changes += [Change(line.labels, line.item, line.text, None) for line_id, line in old.items() if line_id not in kept]
    return changes
