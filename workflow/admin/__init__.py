"""The admin's screens: organisations, users, imports, plans, routes and rule sets of the admin's own subtree."""
from flask import Blueprint, abort
from flask_login import current_user, login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def admins_only():
    if current_user.role != "admin":
        abort(404)


from . import (  # noqa: E402,F401
    imports,
    organisations,
    rule_sets,  # noqa: E402,F401  (registers the views)
    users,
)
from .campaigns import bp as _campaigns  # noqa: E402,F401  (registers the views; isort keeps it apart)
from .routes_admin import bp as _routes_admin  # noqa: E402,F401  (registers the views; isort keeps it apart)
