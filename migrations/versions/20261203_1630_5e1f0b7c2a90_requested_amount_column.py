"""the amount asked for, as a column of the dossier and of each organisation's entry; the dossiers of a phase; the
days each level held a dossier, on its history's rows

Revision ID: 5e1f0b7c2a90
Revises: 20cfa9650a62
Create Date: 2026-12-03 16:30:00

A plan's report (workflow/reports) sums the money asked for per kind and union in SQL: the amount is read from
the data as last submitted (the kind's requested_amount), kept in dossier.requested_amount_vnd on every flush
(lists/entries.py) rather than read out of every dossier's JSON; an upper organisation sums the amount as it was
sent it (a later round may have gone only to the level below), kept in dossier_access.requested_amount_vnd; the
dossier's phase and grant are copied on its entries too, so that a report reads the entries alone.

A plan's report gives the median days each level held a dossier: each history row carries the level of the
organisation that took the step and the days since the step before (written with the row from now on), summed per
dossier and level from a new index alone, where the report read every event and ranked them with a window.

The dossier list's phase filter (a report's figure: the dossiers of Đợt I) reads an index on the phase.

Data (the code it needs copied below, not imported): every dossier gets the amount of the data it was last
submitted with, or of its draft; every access row the amount of the snapshot of the event that sent it; every
history row its organisation's level and the days since the dossier's row before it.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e1f0b7c2a90'
down_revision = '20cfa9650a62'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
BATCH = 2000


# --- as the kinds' requested_amount() stood on 03/12/2026 ----------------------------------------------------

def _requested_amount(kind, data):
    if kind == "creative_labour":
        return None  # an award, not money
    amount = (data or {}).get("requested_amount_vnd")
    return amount if type(amount) is int else None  # noqa: E721 (a bool is no amount)


def upgrade():
    with op.batch_alter_table('dossier') as batch:
        batch.add_column(sa.Column('requested_amount_vnd', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('dossier_access') as batch:
        batch.add_column(sa.Column('requested_amount_vnd', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('granted_amount_vnd', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('phase_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f('fk_dossier_access_phase_id_campaign_phase'), 'campaign_phase',
                                 ['phase_id'], ['id'])
    with op.batch_alter_table('dossier_event') as batch:
        batch.add_column(sa.Column('level', sa.String(20), nullable=True))
        batch.add_column(sa.Column('held_days', sa.Float(), nullable=True))
    op.create_index('ix_dossier_phase_id', 'dossier', ['phase_id'])

    dossier = sa.table('dossier', sa.column('id', sa.Integer()), sa.column('kind', sa.String()),
                       sa.column('data', JSON), sa.column('submitted_data', JSON),
                       sa.column('requested_amount_vnd', sa.BigInteger()))
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.select(dossier.c.id, dossier.c.kind, dossier.c.data, dossier.c.submitted_data)
                            .where(dossier.c.id > last).order_by(dossier.c.id).limit(BATCH)).all()
        if not rows:
            break
        last = rows[-1].id
        amounts = [{"key": row.id, "amount": _requested_amount(row.kind, row.submitted_data or row.data)}
                   for row in rows]
        amounts = [row for row in amounts if row["amount"] is not None]
        if amounts:
            bind.execute(dossier.update().where(dossier.c.id == sa.bindparam("key"))
                         .values(requested_amount_vnd=sa.bindparam("amount")), amounts)

    access = sa.table('dossier_access', sa.column('organisation_id', sa.Integer()),
                      sa.column('dossier_id', sa.Integer()), sa.column('sent_event_id', sa.Integer()),
                      sa.column('kind', sa.String()), sa.column('requested_amount_vnd', sa.BigInteger()))
    event = sa.table('dossier_event', sa.column('id', sa.Integer()), sa.column('data_snapshot', JSON))
    last = (0, 0)  # (dossier, organisation): the key of the last row done
    while True:
        after = sa.or_(access.c.dossier_id > last[0],
                       sa.and_(access.c.dossier_id == last[0], access.c.organisation_id > last[1]))
        rows = bind.execute(sa.select(access.c.organisation_id, access.c.dossier_id, access.c.kind,
                                      event.c.data_snapshot)
                            .join(event, event.c.id == access.c.sent_event_id).where(after)
                            .order_by(access.c.dossier_id, access.c.organisation_id).limit(BATCH)).all()
        if not rows:
            break
        last = (rows[-1].dossier_id, rows[-1].organisation_id)
        amounts = [{"org": row.organisation_id, "key": row.dossier_id,
                    "amount": _requested_amount(row.kind, row.data_snapshot)} for row in rows]
        amounts = [row for row in amounts if row["amount"] is not None]
        if amounts:
            bind.execute(access.update().where(access.c.organisation_id == sa.bindparam("org"),
                                               access.c.dossier_id == sa.bindparam("key"))
                         .values(requested_amount_vnd=sa.bindparam("amount")), amounts)


    # the dossier's phase and grant on each of its entries, as lists/entries.py copies them
    dossier_row = sa.table('dossier', sa.column('id', sa.Integer()), sa.column('phase_id', sa.Integer()),
                           sa.column('granted_amount_vnd', sa.BigInteger()))
    entry = sa.table('dossier_access', sa.column('dossier_id', sa.Integer()), sa.column('phase_id', sa.Integer()),
                     sa.column('granted_amount_vnd', sa.BigInteger()))
    of_dossier = dossier_row.c.id == entry.c.dossier_id
    bind.execute(entry.update().values(
        phase_id=sa.select(dossier_row.c.phase_id).where(of_dossier).scalar_subquery(),
        granted_amount_vnd=sa.select(dossier_row.c.granted_amount_vnd).where(of_dossier).scalar_subquery()))
    _held_days(bind)
    op.create_index('ix_dossier_event_held', 'dossier_event', ['dossier_id', 'level', 'held_days'])


def _held_days(bind):
    """Each history row's level and days since the row before it, a range of dossiers at a time."""
    organisation = sa.table('organisation', sa.column('id', sa.Integer()), sa.column('level', sa.String()))
    event = sa.table('dossier_event', sa.column('id', sa.Integer()), sa.column('dossier_id', sa.Integer()),
                     sa.column('organisation_id', sa.Integer()), sa.column('at', sa.DateTime()),
                     sa.column('level', sa.String()), sa.column('held_days', sa.Float()))
    levels = dict(bind.execute(sa.select(organisation.c.id, organisation.c.level)).all())
    last = 0
    while True:
        next_dossiers = (sa.select(event.c.dossier_id).where(event.c.dossier_id > last).distinct()
                         .order_by(event.c.dossier_id).limit(BATCH).subquery())
        upto = bind.scalar(sa.select(sa.func.max(next_dossiers.c.dossier_id)))
        if upto is None:
            break
        rows = bind.execute(sa.select(event.c.id, event.c.dossier_id, event.c.organisation_id, event.c.at)
                            .where(event.c.dossier_id > last, event.c.dossier_id <= upto)
                            .order_by(event.c.dossier_id, event.c.id)).all()
        changes, previous = [], None
        for row in rows:
            before = previous.at if previous is not None and previous.dossier_id == row.dossier_id else None
            changes.append({"key": row.id, "level": levels.get(row.organisation_id),
                            "days": (row.at - before).total_seconds() / 86400 if before is not None else None})
            previous = row
        bind.execute(event.update().where(event.c.id == sa.bindparam("key"))
                     .values(level=sa.bindparam("level"), held_days=sa.bindparam("days")), changes)
        last = upto


def downgrade():
    op.drop_index('ix_dossier_event_held', table_name='dossier_event')
    with op.batch_alter_table('dossier_event') as batch:
        batch.drop_column('held_days')
        batch.drop_column('level')
    op.drop_index('ix_dossier_phase_id', table_name='dossier')
    with op.batch_alter_table('dossier_access') as batch:
        batch.drop_constraint(batch.f('fk_dossier_access_phase_id_campaign_phase'), type_='foreignkey')
        batch.drop_column('phase_id')
        batch.drop_column('granted_amount_vnd')
        batch.drop_column('requested_amount_vnd')
    with op.batch_alter_table('dossier') as batch:
        batch.drop_column('requested_amount_vnd')
