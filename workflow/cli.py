import click
import sqlalchemy as sa
from flask import Flask, current_app

from .auth.models import ROLES, User
from .extensions import db
from .orgs.models import Organisation
from .pdf import storage
from .pdf.models import Document
from .seed import seed_demo
from .transaction import unit_of_work


def init_app(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load the demo organisations, users (password "demo") and rule sets."""
        if current_app.config["ENV_NAME"] == "production":
            raise click.ClickException("seed-demo is refused in production (WORKFLOW_ENV=production).")
        with unit_of_work():
            created = seed_demo()
        click.echo("Demo data loaded." if created else "Demo data already present; nothing changed.")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--full-name", required=True)
    @click.option("--role", type=click.Choice(list(ROLES)), required=True)
    @click.option("--org", "org_code", required=True, help="Organisation code, e.g. ldld-phu-rieng")
    @click.password_option()
    def create_user_command(username, full_name, role, org_code, password):
        """Create a user with one role in one organisation."""
        org = db.session.scalar(sa.select(Organisation).where(Organisation.code == org_code))
        if org is None:
            raise click.ClickException(f"No organisation with code {org_code!r}.")
        if db.session.scalar(sa.select(User).where(User.username == username)) is not None:
            raise click.ClickException(f"User {username!r} already exists.")
        with unit_of_work():
            user = User(username=username, full_name=full_name, role=role, organisation=org)
            user.set_password(password)
            db.session.add(user)
        click.echo(f"Created {role} {username} in {org.name}.")

    @app.cli.command("collect-garbage")
    @click.option("--dry-run", is_flag=True)
    def collect_garbage_command(dry_run):
        """Remove stored files that no document row refers to (left by an interrupted request)."""
        referenced = set(db.session.scalars(sa.select(Document.sha256)))
        orphans = storage.all_stored() - referenced
        for sha256 in sorted(orphans):
            click.echo(f"{'would remove' if dry_run else 'removed'} {sha256}")
            if not dry_run:
                storage.remove(sha256)
        click.echo(f"{len(orphans)} unreferenced file(s).")
