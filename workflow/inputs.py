"""One input layer for every request, the pages, the API and the admin forms alike: what no operation should ever
be handed, judged before any view (or any other hook) reads the request.

- NUL is no text (PostgreSQL refuses it in any text, so a query with one fails): in the query string, a form or a
  JSON body the request is refused, a 400 page in the reader's language, a JSON error under /api/. (In the path it
  matches no route's number, and the few routes that take a word, an event, a verification code, a link's token,
  compare it with what they know: a 404.)
- The other C0 control characters (tab, line feed and carriage return excepted) and DEL are invisible: on the query
  string and in a form they are removed as the values are read (what the person saw is what is kept, and a refused
  form is shown again with the rest of what was typed; the vertical tab, the form feed and the separators a word
  processor pastes become a space); in a JSON body, which a program wrote, they are refused with a 422 naming where
  (`errors`, keyed by the member's path: `data.full_name`, `dossier_ids.0`).
- Numbers: a query or form value read with `type=int` beyond what an id column holds (MAX_ID) is unreadable, as "abc" is
  (its default: a page 1, a filter left out, an id that is no row's). In a JSON body the operations judge each number
  where it is used (an id beyond MAX_ID is no row's: formatting.is_id; an amount has its bounds), so that one item of
  a bulk decision with an absurd id fails alone (and is named as sent); a number that is no finite value (1e999) is
  refused (422); NaN, Infinity and whole numbers of more than 4,300 digits are no JSON (what the view says of a body
  it cannot read).
- JSON: at most MAX_JSON_DEPTH levels of nesting (deeper: 400, before the parser recurses) and MAX_JSON_BYTES (413).

Each view keeps judging its own fields (a name's length, a known state); this layer only makes sure that what it is
handed is text and numbers a database holds. Upload file names are made safe where they are stored
(dossiers/uploads.safe_filename)."""
from __future__ import annotations

import json
import math
import re

from flask import Flask, Request, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException

from .formatting import MAX_ID
from .i18n import N_

MAX_JSON_DEPTH = 32
MAX_JSON_BYTES = 1024 * 1024  # a dossier with thirty solutions is a few KB; a batch decision of 500 items, ~50 KB

# C0 (tab, line feed, carriage return kept) and DEL; NUL apart (refused, not removed).
INVISIBLE = re.compile("[\x01-\x08\x0b-\x0c\x0e-\x1f\x7f]")
AS_SPACE = {"\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f"}  # line tab, form feed, separators: breaks between words
JSON_CONTROL = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]")
# JSON's "\ud800" escapes give half a UTF-16 pair: no text, it cannot be encoded (a database, a hash, a page).
LONE_SURROGATE = re.compile("[\ud800-\udfff]")

NUL_MESSAGE = N_("Yêu cầu chứa ký tự NUL (mã 0), không phải văn bản; không có thay đổi nào được lưu.")
JSON_INVALID = N_("Dữ liệu JSON gửi lên không hợp lệ; không có thay đổi nào được lưu.")
DEPTH_MESSAGE = N_("Dữ liệu JSON lồng nhau quá sâu (tối đa %(depth)s cấp).")
JSON_TOO_LARGE = N_("Dữ liệu JSON vượt quá %(size)s KB.")
CONTROL_MESSAGE = N_("Không được chứa ký tự điều khiển.")
SURROGATE_MESSAGE = N_("Chứa ký tự không hợp lệ (nửa cặp UTF-16).")
NUMBER_MESSAGE = N_("Phải là một số hữu hạn.")


def without_invisible(text: str) -> str:
    """The text without the control characters a page cannot show (NUL left for the request to be refused)."""
    if not INVISIBLE.search(text):
        return text
    return INVISIBLE.sub(lambda m: " " if m.group(0) in AS_SPACE else "", text)


def whole_number(value) -> int:
    """int(), for MultiDict.get(type=int): a number beyond what an id column holds is unreadable (ValueError)."""
    number = int(value)
    if not -MAX_ID <= number <= MAX_ID:
        raise ValueError("beyond what an id column holds")
    return number


class CleanMultiDict(ImmutableMultiDict):
    """The query string's and the forms' values (Request.parameter_storage_class): invisible control characters
    removed from names and texts as they are read; `type=int` bounded to what an id column holds (MAX_ID)."""

    def __init__(self, mapping=None):
        if mapping is None or isinstance(mapping, dict):  # a MultiDict too: already read
            super().__init__(mapping)
            return
        super().__init__([(_clean(key), _clean(value)) for key, value in mapping])

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's name)
        return super().get(key, default, whole_number if type is int else type)

    def getlist(self, key, type=None):  # noqa: A002
        return super().getlist(key, whole_number if type is int else type)


def _clean(value):
    return without_invisible(value) if isinstance(value, str) else value


# --- JSON ---------------------------------------------------------------------------------------------------------

class InputRefused(HTTPException):
    """A request this layer refuses: its page (or JSON error) says why."""

    def __init__(self, code: int, message: str, errors: dict | None = None, **values):
        super().__init__()
        self.code, self.message, self.errors, self.values = code, message, errors or {}, values


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def _too_deep(text: str) -> bool:
    """Nested deeper than MAX_JSON_DEPTH, counted on the brackets outside strings, before the parser (which recurses
    once per level, and fails beyond Python's recursion limit) sees it."""
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub('""', text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            return True
    return False


def _no_constant(name: str):
    raise ValueError(f"{name} is no JSON")


def loads(data, **kwargs):
    """json.loads with the layer's bounds: too deep is refused (400) before parsing; NaN and Infinity are no JSON
    (ValueError, as any unreadable body); numbers and texts are judged afterwards (check_json)."""
    text = data.decode(json.detect_encoding(data), "surrogatepass") if isinstance(data, bytes | bytearray) else data
    if _too_deep(text):
        raise InputRefused(400, DEPTH_MESSAGE, depth=MAX_JSON_DEPTH)
    return json.loads(text, parse_constant=_no_constant, **kwargs)


class BoundedJSONProvider(DefaultJSONProvider):
    """The app's JSON (what Request.get_json parses a body with): reading is bounded, writing as Flask does."""

    def loads(self, s, **kwargs):
        return loads(s, **kwargs)


def _printable_key(key: str) -> str:
    return LONE_SURROGATE.sub("?", JSON_CONTROL.sub("?", key))


def _text_problems(text: str) -> list[str]:
    return ([CONTROL_MESSAGE] if JSON_CONTROL.search(text) else []) + (
        [SURROGATE_MESSAGE] if LONE_SURROGATE.search(text) else [])


def json_problems(value, path: str = "", found: dict | None = None) -> dict:
    """Where a parsed body holds what no operation should get: {path: [message]}, the message a msgid."""
    found = {} if found is None else found
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{_printable_key(key)}" if path else _printable_key(key)
            if _text_problems(key):
                found.setdefault(inner, []).extend(_text_problems(key))
            json_problems(item, inner, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            json_problems(item, f"{path}.{index}" if path else str(index), found)
    elif isinstance(value, str):
        if _text_problems(value):
            found.setdefault(path or "body", []).extend(_text_problems(value))
    elif isinstance(value, float) and not math.isfinite(value):
        found.setdefault(path or "body", []).append(NUMBER_MESSAGE)
    return found


class BoundedRequest(Request):
    parameter_storage_class = CleanMultiDict


# --- the hook ------------------------------------------------------------------------------------------------------

def _has_nul(values) -> bool:
    """A NUL in a name or a text (a multipart part may come without a name: None)."""
    return any(isinstance(text, str) and "\x00" in text for pair in values.items(multi=True) for text in pair)


def judge_request() -> None:
    """Before anything else reads the request: refuse a NUL in what it sends, and a JSON body beyond the bounds."""
    if _has_nul(request.args):
        raise InputRefused(400, NUL_MESSAGE)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            if _has_nul(request.form) or _has_nul(request.files):
                raise InputRefused(400, NUL_MESSAGE)
        elif request.is_json and request.content_length != 0:
            _judge_json()


def _judge_json() -> None:
    if request.content_length is not None and request.content_length > MAX_JSON_BYTES:
        raise InputRefused(413, JSON_TOO_LARGE, size=MAX_JSON_BYTES // 1024)
    data = request.get_data(cache=True)
    if len(data) > MAX_JSON_BYTES:  # sent without a length (chunked)
        raise InputRefused(413, JSON_TOO_LARGE, size=MAX_JSON_BYTES // 1024)
    body = request.get_json(silent=True)  # parsed once, kept for the view; unreadable: the view says so
    if body is None:
        return
    problems = json_problems(body)
    if problems:
        raise InputRefused(422, JSON_INVALID, problems)


def refused(error: InputRefused):
    message = gettext(error.message, **error.values)
    if request.path.startswith("/api/"):
        body = {"error": message}
        if error.errors:
            body["errors"] = {path: [gettext(m) for m in messages] for path, messages in error.errors.items()}
        return body, error.code
    title = gettext("Dữ liệu quá lớn") if error.code == 413 else gettext("Yêu cầu không hợp lệ")
    return render_template("error.html", title=title, message=message), error.code


def init_app(app: Flask) -> None:
    app.request_class = BoundedRequest
    app.json = BoundedJSONProvider(app)
    # First of the hooks: the CSRF check, the session's and the limits' read the request only once it is judged.
    app.before_request_funcs.setdefault(None, []).insert(0, judge_request)
    app.register_error_handler(InputRefused, refused)

