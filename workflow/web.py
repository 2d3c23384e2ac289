"""Pieces shared by every page: filters, labels, error pages, security headers."""
import json

from flask import Flask, current_app, has_request_context, render_template, request, url_for
from flask_babel import gettext
from werkzeug.routing import IntegerConverter

from .errors import STORAGE_UNAVAILABLE, Unavailable
from .formatting import (
    MAX_ID,
    format_amount,
    format_date,
    format_datetime,
    format_days,
    format_file_size,
    format_money,
    roman,
    unbroken_amounts,
)
from .i18n import N_
from .number_words import amount_in_words
from .states import EVENTS, STATES

ERROR_PAGES = {
    404: (N_("Không tìm thấy"), N_("Trang hoặc hồ sơ này không tồn tại, hoặc bạn không có quyền xem.")),
    403: (N_("Không được phép"), N_("Bạn không có quyền thực hiện thao tác này.")),
    400: (N_("Yêu cầu không hợp lệ"),
          N_("Yêu cầu không hợp lệ hoặc phiên làm việc đã hết hạn; vui lòng tải lại trang và thử lại.")),
    405: (N_("Không được phép"), N_("Thao tác này không được hỗ trợ.")),
    413: (N_("Dữ liệu quá lớn"), N_("Dữ liệu gửi lên vượt quá giới hạn cho phép.")),
    500: (N_("Lỗi hệ thống"), N_("Đã có lỗi xảy ra; không có thay đổi nào được lưu. Vui lòng thử lại sau.")),
    503: (N_("Tạm thời gián đoạn"), STORAGE_UNAVAILABLE),
}



def _kind_title(code: str) -> str:
    from .dossiers.kinds import KINDS

    return gettext(KINDS[code].short_title) if code in KINDS else code


def _org_level(level: str) -> str:
    from .orgs.models import LEVELS

    return gettext(LEVELS[level]) if level in LEVELS else level


def url_keeping_query(endpoint: str, **overrides) -> str:
    """This page's query (its filters) carried to another page or export, minus what url_for itself would take
    as an argument (a crafted `?endpoint=` or `?_external=` must not break the page)."""
    view_args = request.view_args or {}
    kept = {key: value for key, value in request.args.items()
            if not key.startswith("_") and key not in ("endpoint", "values", "page") and key not in view_args
            and key not in overrides}
    if endpoint == request.endpoint:
        kept.update(view_args)
    return url_for(endpoint, **kept, **overrides)


class IdConverter(IntegerConverter):
    """<int:…> in a URL: a number beyond what a database integer holds matches no route (404) rather than
    overflowing the query that would look it up."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["url_keeping_query"] = url_keeping_query
    app.jinja_env.filters.update(date=format_date, datetime=format_datetime, money=format_money,
                                 readable_json=lambda value: json.dumps(value, ensure_ascii=False, indent=1),
                                 kind_title=_kind_title,
                                 # a label marked in Python, translated as is (Jinja's _() would read a '%' as a format)
                                 translate=lambda text: gettext(text) if text else text,
                                 amount=format_amount, amount_words=amount_in_words, roman=roman,
                                 unbroken_amounts=unbroken_amounts, filesize=format_file_size, org_level=_org_level,
                                 days=format_days)

    @app.context_processor
    def labels():
        from .dossiers.kinds import KINDS

        return {"STATES": STATES, "EVENTS": EVENTS, "KINDS": KINDS}

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if current_app.config["SESSION_COOKIE_SECURE"]:  # served over HTTPS only: browsers must not try HTTP
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if response.mimetype == "text/html":
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:")
        return response

    def page(status, title, message):
        def handler(error):
            if request.path.startswith("/api/"):
                return {"error": gettext(message)}, status
            return render_template("error.html", title=gettext(title), message=gettext(message)), status
        return handler

    for status, (title, message) in ERROR_PAGES.items():
        app.register_error_handler(status, page(status, title, message))

    @app.errorhandler(Unavailable)  # raised where no view catches it (a download, a page that reads a file)
    def unavailable(error: Unavailable):
        if request.path.startswith("/api/"):
            response = current_app.make_response(({"error": error.message}, error.status))
        else:
            response = current_app.make_response(
                (render_template("error.html", title=gettext(ERROR_PAGES[503][0]), message=error.message), 503))
        response.headers["Retry-After"] = str(error.retry_after)
        return response


def public_address(endpoint: str, values: dict) -> str:
    """The page's full address: from PUBLIC_URL when set (never from a request's Host header, which the sender
    controls), else from the request; a command with neither gives the path."""
    if has_request_context() and not current_app.config.get("PUBLIC_URL"):
        return url_for(endpoint, **values, _external=True)
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config["APPLICATION_ROOT"])
    path = adapter.build(endpoint, values)
    return current_app.config.get("PUBLIC_URL", "").rstrip("/") + path
