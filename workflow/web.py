"""Pieces shared by every page: filters, labels, error pages, security headers."""
import json

from flask import Flask, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from .formatting import format_date, format_datetime, format_money
from .states import EVENTS, STATES


def _kind_title(code: str) -> str:
    from .dossiers.kinds import KINDS

    return gettext(KINDS[code].short_title) if code in KINDS else code


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(date=format_date, datetime=format_datetime, money=format_money,
                                 readable_json=lambda value: json.dumps(value, ensure_ascii=False, indent=1), kind_title=_kind_title,
                                 money_plain=lambda value: format_money(value).removesuffix(" đ").removesuffix(" VND"))

    @app.context_processor
    def labels():
        from .dossiers.kinds import KINDS

        return {"STATES": STATES, "EVENTS": EVENTS, "KINDS": KINDS}

    @app.get("/")
    def home():
        from .dossiers.home import HOMES

        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        if current_user.role not in HOMES:
            return redirect(url_for("admin.rule_sets"))
        return render_template(f"home/{current_user.role}.html", **HOMES[current_user.role](current_user))

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault(
                "Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:")
        return response

    def page(status, title, message):
        def handler(error):
            if request.path.startswith("/api/"):
                return {"error": message}, status
            return render_template("error.html", title=title, message=message), status
        return handler

    app.register_error_handler(404, page(404, "Không tìm thấy", "Trang hoặc hồ sơ này không tồn tại, hoặc bạn không có quyền xem."))
    app.register_error_handler(403, page(403, "Không được phép", "Bạn không có quyền thực hiện thao tác này."))
    app.register_error_handler(400, page(400, "Yêu cầu không hợp lệ", "Yêu cầu không hợp lệ hoặc phiên làm việc đã hết hạn; vui lòng tải lại trang và thử lại."))
    app.register_error_handler(405, page(405, "Không được phép", "Thao tác này không được hỗ trợ."))
    app.register_error_handler(413, page(413, "Dữ liệu quá lớn", "Dữ liệu gửi lên vượt quá giới hạn cho phép."))
    app.register_error_handler(500, page(500, "Lỗi hệ thống", "Đã có lỗi xảy ra; không có thay đổi nào được lưu. Vui lòng thử lại sau."))
