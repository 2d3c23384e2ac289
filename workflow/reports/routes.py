"""Pages: a plan's report for the user's organisation (or a unit under it), with its charts and official reports,
and its exports."""
from __future__ import annotations

from flask import Response, redirect, render_template, request
from flask_login import current_user, login_required

from .. import clock
from ..dossiers.kinds import KINDS
from ..replica import reads_from_replica
from ..web import url_keeping_query
from . import bp, export
from .charts import charts
from .figures import COUNTS, OUTCOMES, asks_money, report
from .official import reports_for_page
from .scope import scope_for

EXPORTS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8"}


@bp.get("/campaigns/<int:campaign_id>/report")
@login_required
@reads_from_replica
def show(campaign_id: int):
    scope, errors = scope_for(current_user, campaign_id, request.args)
    figures = report(scope)
    return render_template("reports/show.html", report=figures, scope=scope, errors=errors, charts=charts(figures),
                           outcomes=OUTCOMES, counts=COUNTS, kinds=KINDS,
                           asks_money=asks_money,
                           **reports_for_page(current_user, scope.campaign, scope.phase))


@bp.get("/campaigns/<int:campaign_id>/report.<any(xlsx, csv):fmt>")
@login_required
@reads_from_replica
def export_report(campaign_id: int, fmt: str):
    scope, errors = scope_for(current_user, campaign_id, request.args)
    if errors:  # the page says what is wrong, rather than a file of other figures
        return redirect(url_keeping_query("reports.show", campaign_id=campaign_id), 303)
    figures = report(scope)
    body = export.to_xlsx(figures) if fmt == "xlsx" else export.to_csv(figures)
    phase = f"-dot-{scope.phase.id}" if scope.phase else ""
    name = f"bao-cao-ke-hoach-{campaign_id}{phase}-{clock.today():%Y%m%d}.{fmt}"
    return Response(body, mimetype=EXPORTS[fmt], headers={"Content-Disposition": f"attachment; filename={name}"})
