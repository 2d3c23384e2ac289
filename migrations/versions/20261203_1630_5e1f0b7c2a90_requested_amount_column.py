"""the amount asked for, as a column of the dossier; the dossiers of a phase

Revision ID: 5e1f0b7c2a90
Revises: 20cfa9650a62
Create Date: 2026-12-03 16:30:00

A plan's report (workflow/reports) sums the money asked for per kind and union in SQL: the amount is read from
the data as last submitted (the kind's requested_amount), kept in dossier.requested_amount_vnd on every flush
(lists/entries.py) rather than read out of every dossier's JSON.

The dossier list's phase filter (a report's figure: the dossiers of Đợt I) reads an index on the phase.

Data (the code it needs copied below, not imported): every dossier gets the amount of the data it was last
submitted with, or of its draft.
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


def downgrade():
    op.drop_index('ix_dossier_phase_id', table_name='dossier')
    with op.batch_alter_table('dossier') as batch:
        batch.drop_column('requested_amount_vnd')
