"""The union dossier workflow: create_app() builds the Flask application."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from flask_babel import gettext
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Config
from .extensions import csrf, db, limiter, login_manager, mail, migrate
from .i18n import N_

ROOT = Path(__file__).resolve().parent.parent


def _secret_key(app: Flask) -> str:
    """Outside production a key is kept in the instance folder, so sessions survive restarts."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, template_folder=str(ROOT / "templates"))
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"] or (
        f"sqlite:///{Path(app.instance_path) / 'workflow.sqlite'}")
    app.config["STORAGE_DIR"] = app.config["STORAGE_DIR"] or str(Path(app.instance_path) / "storage")
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):  # the busy timeout (extensions.py)
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {"timeout": app.config["SQLITE_BUSY_TIMEOUT"], **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1)
    if not app.config["SECRET_KEY"]:
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError("SECRET_KEY must be set in production.")
        app.config["SECRET_KEY"] = _secret_key(app)

    from . import models  # noqa: F401  (every table, for the metadata and Alembic)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Vui lòng đăng nhập để tiếp tục.")
    login_manager.localize_callback = gettext  # translated when flashed (a lazy string cannot go in the session)
    login_manager.session_protection = "strong"

    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth.routes import bp as auth_bp
    from .batches.routes import bp as batches_bp
    from .dossiers.routes import bp as dossiers_bp
    from .health import bp as health_bp
    from .lists.routes import bp as lists_bp
    from .notifications.routes import bp as notifications_bp
    from .reports.routes import bp as reports_bp
    from .signing.routes import bp as signing_bp
    from .verification import bp as verification_bp
    from .web import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.register_blueprint(auth_bp)
    app.register_blueprint(lists_bp)
    app.register_blueprint(dossiers_bp)
    app.register_blueprint(batches_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(verification_bp)
    app.register_blueprint(signing_bp)
    app.register_blueprint(health_bp)  # /healthz, /readyz: no sign-in, no CSRF, no database session
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens only, never with the session cookie

    from .dossiers.kinds.templates import KindTemplateLoader

    app.jinja_loader = ChoiceLoader([KindTemplateLoader(), FileSystemLoader(str(ROOT / "templates"))])

    from . import cli, i18n, web

    i18n.init_app(app)
    cli.init_app(app)
    web.init_app(app)
    from . import inputs

    inputs.init_app(app)  # the input layer: every request judged before any view reads it
    from . import replica

    replica.init_app(app)  # reads of some pages from DATABASE_REPLICA_URL
    return app
