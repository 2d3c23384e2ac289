from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from ..errors import Invalid
from ..extensions import db, login_manager
from ..formatting import is_id, parse_whole
from ..redirects import safe_next
from ..transaction import unit_of_work
from . import guessing
from .models import User
from .operations import change_password, user_of_link

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id: str):
    """The session's user, while the account is active and the session not ended (User.get_id)."""
    user_id, _, version = session_id.partition(".")
    user_id, version = parse_whole(user_id), parse_whole(version)
    if not is_id(user_id) or version is None:
        return None  # a session from before session versions, or a forged one: sign in again
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


class LoginForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(_l("Vui lòng nhập tên đăng nhập."))])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(_l("Vui lòng nhập mật khẩu."))])


def start_session(user: User) -> None:
    """Sign the user in on this browser. The CSRF token starts anew: one seen before sign-in (a shared computer, a
    cookie planted by someone else) does not carry over into the session."""
    login_user(user)
    session.pop(current_app.config["WTF_CSRF_FIELD_NAME"], None)
    g.pop(current_app.config["WTF_CSRF_FIELD_NAME"], None)


@bp.route("/login", methods=["GET", "POST"])
@guessing.limited
def login():
    if current_user.is_authenticated:
        return redirect(url_for("lists.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            signed_in = guessing.sign_in(form.username.data, form.password.data, "web")
        except guessing.SignInRefused as refusal:
            return _refused(refusal, form)
        start_session(signed_in.user)
        notice = guessing.earlier_failures_notice(signed_in)
        if notice:
            flash(notice, "warning")
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 401 if request.method == "POST" else 200


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(exc: RateLimitExceeded):
    """The sign-in page again, with what was typed (not the password) and how long to wait."""
    return _refused(guessing.limit_refusal(exc), LoginForm())


def _refused(refusal: guessing.SignInRefused, form: LoginForm):
    flash(refusal.message, "error")
    headers = {"Retry-After": str(refusal.retry_after)} if refusal.retry_after else {}
    return render_template("auth/login.html", form=form), refusal.status, headers


@bp.post("/logout")
@login_required
def logout():
    """Every session and API token of the account ends, not only this one: a session cookie copied before (another
    device, a shared computer) stops working too."""
    with unit_of_work():
        current_user.end_sessions()
    logout_user()
    flash(gettext("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


# Pages a user who must change their password may still open.
_OPEN_BEFORE_CHANGE = {"auth.change_own_password", "auth.logout", "auth.set_password", "static"}


@bp.before_app_request
def password_first():
    """A new account or a reset password is changed before anything else (the API answers 403 likewise)."""
    if (current_user.is_authenticated and current_user.must_change_password and request.endpoint
            and request.endpoint not in _OPEN_BEFORE_CHANGE and request.blueprint != "api"):
        return redirect(url_for("auth.change_own_password"))
    return None


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_own_password():
    values, errors = {}, {}
    if request.method == "POST":
        values = request.form
        try:
            holds = guessing.current_password_holds(current_user._get_current_object(), values.get("current", ""))
        except guessing.SignInRefused as refusal:
            return render_template("auth/password.html", errors={"current": [refusal.message]}, needs_current=True,
                                   forced=current_user.must_change_password), 429, {
                                       "Retry-After": str(refusal.retry_after)}
        if not holds:
            errors = {"current": [gettext("Mật khẩu hiện tại không đúng.")]}
        else:
            try:
                user = current_user._get_current_object()  # login_user must not hold the proxy to itself
                with unit_of_work():
                    change_password(user, values.get("password", ""), values.get("repeated", ""))
                login_user(user)  # this session goes on under the new session version
                flash(gettext("Đã đổi mật khẩu."), "success")
                return redirect(url_for("lists.home"))
            except Invalid as exc:
                errors = exc.errors
    return render_template("auth/password.html", errors=errors, needs_current=True,
                           forced=current_user.must_change_password), 422 if errors else 200


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token):
    """The one-time link an admin gives out: sets the password once, then signs the user in."""
    user = user_of_link(token)
    if user is None:
        return render_template("error.html", title=gettext("Liên kết không còn hiệu lực"), message=gettext(
            "Liên kết đặt mật khẩu không còn hiệu lực (đã dùng, đã hết hạn hoặc không đúng). Liên hệ quản trị.")), 404
    errors = {}
    if request.method == "POST":
        try:
            with unit_of_work():
                change_password(user, request.form.get("password", ""), request.form.get("repeated", ""))
            if current_user.is_authenticated:
                logout_user()
            start_session(user)
            flash(gettext("Đã đặt mật khẩu."), "success")
            return redirect(url_for("lists.home"))
        except Invalid as exc:
            errors = exc.errors
    return render_template("auth/password.html", errors=errors, needs_current=False, forced=True,
                           account=user), 422 if errors else 200
