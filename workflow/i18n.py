"""Languages: Vietnamese is the source language of every message (msgids are Vietnamese) and the default;
English comes from workflow/translations/en. A signed-in user's choice is kept on the account, a visitor's in
the session. Official documents are always rendered in Vietnamese (`force_locale("vi")`)."""
from __future__ import annotations

from flask import Blueprint, has_request_context, redirect, request, session
from flask_babel import Babel, get_locale
from flask_login import current_user

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
DEFAULT_LOCALE = "vi"

babel = Babel()
bp = Blueprint("i18n", __name__)


def N_(message: str) -> str:  # noqa: N802 (the gettext convention for "mark for extraction, translate later")
    return message


def select_locale() -> str:
    if not has_request_context():  # the CLI, a background task: messages keep their Vietnamese msgid
        return DEFAULT_LOCALE
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    if request.blueprint == "api":  # a client says what it reads (a browser's header is not asked: it often says
        return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LOCALE  # English for Vietnamese readers)
    return DEFAULT_LOCALE


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else DEFAULT_LOCALE


@bp.post("/language")
def choose_language():
    code = request.form.get("locale")
    if code in LANGUAGES:
        session["locale"] = code
        if current_user.is_authenticated:
            from .transaction import unit_of_work  # (it imports this module)

            with unit_of_work():
                current_user.locale = code
    from .redirects import safe_next

    return redirect(safe_next(request.form.get("next")), code=303)


def init_app(app) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)

    @app.context_processor
    def language_helpers():
        return {"LANGUAGES": LANGUAGES, "current_language": current_language}
