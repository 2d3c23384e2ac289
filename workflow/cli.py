from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app

from . import storage
from .auth.models import OPERATOR, ROLES, User
from .auth.operations import create_user
from .demo_data import seed_sample_dossiers
from .dossiers.routing import add_route
from .dossiers.rules import add_rule_set
from .errors import OperationError
from .extensions import db
from .orgs.models import Organisation
from .orgs.operations import clean_text, create_organisation
from .restructuring.operations import end_organisation
from .seed import seed_demo, seed_national
from .transaction import unit_of_work

DATE = click.DateTime(["%Y-%m-%d", "%d/%m/%Y"])
CITATION_HELP = ('The regulation as documents cite it, JSON: \'{"type": "Quyết định", "number": "1564/QĐ-TLĐ", '
                 '"date": "2014-12-24", "issuer": "Đoàn Chủ tịch Tổng Liên đoàn Lao động Việt Nam", "subject": "ban '
                 'hành Quy chế khen thưởng của tổ chức Công đoàn"}\' (number and date optional)')


def _organisation(code: str, option: str) -> Organisation:
    org = db.session.scalar(sa.select(Organisation).where(Organisation.code == code))
    if org is None:
        raise click.ClickException(f"{option}: no organisation with code {code!r}.")
    return org


def _json(text: str, option: str):
    from .inputs import MAX_JSON_DEPTH, InputRefused, loads

    try:
        return loads(text)  # as a request's JSON is read: nested at most MAX_JSON_DEPTH levels
    except InputRefused as exc:
        raise click.ClickException(f"{option} is nested deeper than {MAX_JSON_DEPTH} levels.") from exc
    except ValueError as exc:
        raise click.ClickException(f"{option} is not JSON: {exc}") from exc


def _refused(exc: OperationError) -> click.ClickException:
    return click.ClickException("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items()) or exc.message)


def init_app(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--with-dossiers", is_flag=True,
                  help="Also add sample dossiers in every stage (only while there is no dossier yet).")
    def seed_demo_command(with_dossiers):
        """Load the demo organisations (the 2017 tree restructured in 2025), users (password "demo"), rule sets and
        routes; with --with-dossiers, the 2017–2018 dossiers played on the old tree and this year's on today's."""
        if current_app.config["ENV_NAME"] == "production":
            raise click.ClickException("seed-demo is refused in production (WORKFLOW_ENV=production).")
        with unit_of_work():
            created = seed_demo(restructure=not with_dossiers)
        click.echo("Demo data loaded." if created else "Demo data already present; nothing changed.")
        if with_dossiers:
            with unit_of_work():
                count = seed_sample_dossiers()
            click.echo(f"{count} sample dossiers created." if count else "Dossiers already present; no sample added.")

    @app.cli.command("demo-pki")
    @click.option("--from-seed", is_flag=True, help="The demo's organisations (before they are in the database).")
    def demo_pki_command(from_seed):
        """A TEST PKI: a root and a PKCS#12 key per organisation in SIGNING_KEY_DIR (passphrase
        SIGNING_KEY_PASSPHRASE); documents of an organisation with a key are then issued signed. Never in
        production."""
        from .seed import ORGANISATIONS, SIGNERS, USERS
        from .signing import demo_pki  # cryptography's key generation: loaded only for this command
        from .signing.images import image_dir

        if current_app.config["ENV_NAME"] == "production":
            raise click.ClickException("demo-pki is refused in production (WORKFLOW_ENV=production).")
        folder = current_app.config.get("SIGNING_KEY_DIR")
        if not folder:
            raise click.ClickException("Set SIGNING_KEY_DIR to the folder the keys go to (outside the repository).")
        if from_seed:
            organisations = [(spec["name"], spec["code"]) for spec in ORGANISATIONS]
            names = {spec["code"]: spec["name"] for spec in ORGANISATIONS}
            people = [(full_name, username, names[org]) for username, full_name, _, org in USERS
                      if username in SIGNERS]
        else:
            organisations = [(o.name, o.code) for o in db.session.scalars(sa.select(Organisation))]
            people = [(u.full_name, u.username, u.organisation.name) for u in db.session.scalars(
                sa.select(User).where(User.signs_documents.is_(True)))]
        written = demo_pki.create(Path(folder), organisations, current_app.config.get("SIGNING_KEY_PASSPHRASE", ""),
                                  people=people)
        demo_pki.draw_images(image_dir(), people=[(full_name, username) for full_name, username, _ in people],
                             organisations=[code for _, code in organisations])
        click.echo(f"Test keys written for {len(written)} organisations and signers in {folder}; invented "
                   f"signature and seal images (marked MẪU) in {image_dir()}.")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--full-name", required=True)
    @click.option("--role", type=click.Choice(list(ROLES)), required=True)
    @click.option("--org", "org_code", required=True, help="Organisation code, e.g. ldld-phu-rieng")
    @click.option("--job-title", default="", help="The position a review record prints, e.g. 'Chuyên viên Ban Chính "
                                                  "sách' (at most 100 characters)")
    @click.password_option()
    def create_user_command(username, full_name, role, org_code, job_title, password):
        """Create a user with one role in one organisation."""
        org = _organisation(org_code, "--org")
        if db.session.scalar(sa.select(User).where(User.username == username)) is not None:
            raise click.ClickException(f"User {username!r} already exists.")
        problems: dict = {}
        job_title = clean_text(job_title, "job_title", problems, low=0, high=100, required=False)
        if problems:
            raise click.ClickException("; ".join(f"--job-title: {' '.join(v)}" for v in problems.values()))
        with unit_of_work():
            user = User(username=username, full_name=full_name, job_title=job_title, role=role, organisation=org)
            user.set_password(password)
            db.session.add(user)
        click.echo(f"Created {role} {username} in {org.name}.")

    @app.cli.command("seed-national")
    def seed_national_command():
        """A production start: the Confederation with the national rule sets and routes, nothing else."""
        with unit_of_work():
            created = seed_national()
        click.echo("The Confederation, its rule sets and routes are in place." if created
                   else "The Confederation is already there; nothing changed.")

    @app.cli.command("create-admin")
    @click.argument("username")
    @click.option("--full-name", required=True)
    @click.option("--email")
    @click.option("--org", "org_code", required=True, help="The federation's code, e.g. ldld-dong-nai")
    @click.option("--new-org-name", help="Found the federation first, under --parent, with this name")
    @click.option("--level", type=click.Choice(["province", "upper_grassroots"]), default="province")
    @click.option("--parent", "parent_code", default="tld", help="Where a new federation sits (default tld)")
    @click.option("--place", "place_name", help="Its place name on documents, e.g. Đồng Nai")
    def create_admin_command(username, full_name, email, org_code, new_org_name, level, parent_code, place_name):
        """The first admin of a federation (founding it when --new-org-name is given). Prints a temporary password
        that must be changed at the first sign-in."""
        try:
            with unit_of_work():
                if new_org_name:
                    org = create_organisation(OPERATOR, code=org_code, name=new_org_name, level=level,
                                              parent=_organisation(parent_code, "--parent"), valid_from=None,
                                              place_name=place_name)
                else:
                    org = _organisation(org_code, "--org")
                user, password = create_user(OPERATOR, username=username, full_name=full_name, role="admin",
                                             organisation=org, email=email)
        except OperationError as exc:
            raise _refused(exc) from exc
        click.echo(f"Created admin {user.username} of {org.name}.")
        click.echo(f"Temporary password (to change at the first sign-in): {password}")

    @app.cli.command("add-rule-set")
    @click.option("--kind", required=True, help="A kind's code, e.g. child_heart (kinds are known at run time)")
    @click.option("--jurisdiction", "org_code", required=True, help="Organisation code, e.g. ldld-binh-phuoc")
    @click.option("--from", "valid_from", required=True, type=DATE)
    @click.option("--to", "valid_to", type=DATE)
    @click.option("--basis", required=True, help="The regulation: number, date, issuer")
    @click.option("--params", "params_json", required=True, help='JSON, e.g. \'{"occasions": {"Tết 2027": 1500000}}\'')
    @click.option("--citation", "citation_json", help=CITATION_HELP)
    @click.option("--fund", help="The fund the money comes from, as a decision's Điều 2 names it")
    def add_rule_set_command(kind, org_code, valid_from, valid_to, basis, params_json, citation_json, fund):
        """Add a rule set for a kind from a start date (earlier dossiers keep theirs)."""
        org, params = _organisation(org_code, "--jurisdiction"), _json(params_json, "--params")
        citation = _json(citation_json, "--citation") if citation_json else None
        try:
            with unit_of_work():
                rule_set = add_rule_set(None, kind=kind, jurisdiction_id=org.id, valid_from=valid_from.date(),
                                        valid_to=valid_to.date() if valid_to else None, basis=basis, params=params,
                                        citation=citation, fund=fund)
        except OperationError as exc:
            raise _refused(exc) from exc
        click.echo(f"Rule set {rule_set.id} for {kind} in {org.name} from {rule_set.valid_from:%d/%m/%Y}.")

    @app.cli.command("add-route")
    @click.option("--kind", required=True, help="A kind's code, e.g. accident_aid")
    @click.option("--jurisdiction", "org_code", required=True, help="Organisation code, e.g. ldld-dong-nai")
    @click.option("--from", "valid_from", required=True, type=DATE)
    @click.option("--to", "valid_to", type=DATE)
    @click.option("--basis", required=True, help="The regulation that gives these levels their say")
    @click.option("--steps", "steps_json", required=True,
                  help='JSON, from the union\'s upper level to the deciding one, e.g. \'[{"level": "upper_grassroots", '
                       '"role": "review", "decides_up_to_vnd": 3000000}, {"level": "province", "role": "decide"}]\'')
    @click.option("--citation", "citation_json", help=CITATION_HELP)
    def add_route_command(kind, org_code, valid_from, valid_to, basis, steps_json, citation_json):
        """Add the route a kind's dossiers follow from a start date (dossiers already submitted keep theirs)."""
        org, steps = _organisation(org_code, "--jurisdiction"), _json(steps_json, "--steps")
        citation = _json(citation_json, "--citation") if citation_json else None
        try:
            with unit_of_work():
                route = add_route(None, kind=kind, jurisdiction_id=org.id, valid_from=valid_from.date(),
                                  valid_to=valid_to.date() if valid_to else None, basis=basis, steps=steps,
                                  citation=citation)
        except OperationError as exc:
            raise _refused(exc) from exc
        levels = " → ".join(f"{s['level']} ({s['role']})" for s in route.steps)
        click.echo(f"Route {route.id} for {kind} in {org.name} from {route.valid_from:%d/%m/%Y}: {levels}.")

    @app.cli.command("end-organisation")
    @click.option("--code", required=True, help="The organisation that ends")
    @click.option("--on", "on", required=True, type=DATE, help="Its last day (today or earlier)")
    @click.option("--successor", "successor_code", help="The organisation that takes over (same level, or its parent)")
    @click.option("--reason", help="Added to the notice its unions receive")
    @click.option("--dry-run", is_flag=True, help="Only tell what would move")
    def end_organisation_command(code, on, successor_code, reason, dry_run):
        """End an organisation on a date: its units, users and waiting dossiers go to the successor; without one,
        a dissolved grassroots union's open dossiers are closed."""
        from .restructuring.operations import plan_ending

        org = _organisation(code, "--code")
        successor = _organisation(successor_code, "--successor") if successor_code else None
        try:
            if dry_run:
                ending = plan_ending(OPERATOR, org, on.date(), successor)  # changes nothing
            else:
                with unit_of_work():
                    ending = end_organisation(OPERATOR, org, on.date(), successor, reason=reason)
        except OperationError as exc:
            raise _refused(exc) from exc
        summary = f"{len(ending.units)} unit(s), {len(ending.users)} user(s), {len(ending.dossiers)} open dossier(s)"
        verb = "would move" if dry_run else "moved" if successor else "closed/left"
        click.echo(f"{org.name} ends on {on:%d/%m/%Y}"
                   + (f", succeeded by {successor.name}" if successor else ", without successor")
                   + f": {summary} {verb}.")

    @app.cli.command("collect-garbage")
    @click.option("--dry-run", is_flag=True)
    @click.option("--older-than", type=click.IntRange(min=0), default=60, show_default=True, metavar="MINUTES",
                  help="Leave younger files: a request on another host may have stored one and not yet committed.")
    def collect_garbage_command(dry_run, older_than):
        """Remove stored files that no document row refers to (left by an interrupted request)."""
        cutoff = datetime.now(UTC) - timedelta(minutes=older_than)
        candidates = storage.stored(before=cutoff)  # listed before the rows are read: a file committed since is kept
        orphans = candidates - storage.referenced()
        for sha256 in sorted(orphans):
            click.echo(f"{'would remove' if dry_run else 'removed'} {sha256}")
            if not dry_run:
                storage.remove(sha256)
        click.echo(f"{len(orphans)} unreferenced file(s).")
