"""indexes for a million dossiers

Revision ID: 20cfa9650a62
Revises: f6a074577c8e
Create Date: 2026-12-03 14:05:12.553120

bench/list.py at 1,000,000 dossiers on PostgreSQL (README): where a list or home page read a whole organisation's
entries (up to 675,000) to find a few, or to order them, it gets an index range of its own.

Both databases: dossier_event's index on dossier_id becomes a dossier's history in order with each event's name
and batch (ix_dossier_event_trail), read from the index alone: which received batches still have dossiers
pending, on the home page.

PostgreSQL only (SQLite, which keeps no statistics, would pick these narrower indexes for queries they do not
order: it keeps the list indexes it was given in 5b9e0c3d7a41 and 354a83b249c8):
- dossier (a union's own entries): ix_dossier_org_state holds the submission date, id and plan in place of
  round: the dossiers of a state oldest first (those waiting are the newest: read in date order, every other
  dossier came first), the officer's home's returned dossiers and drafts, and how many of them answer a plan
  whose deadline has passed; a list index by submission date, newest first with the drafts last (the "Ngày nộp"
  sort, a date range); by plan then submission date (the plans page's counts; a plan's dossiers oldest first
  read the plan's alone); those submitted late, with their plan (partial);
- dossier_access (an upper organisation's entries): what waits there is a partial index now (most entries wait
  nowhere), and another orders it by submission date (the "waiting here" list, oldest first); the entries by
  state then submission date, by kind then union, by citizen ID, by plan then submission date, and those
  submitted late with their plan (partial).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '20cfa9650a62'
down_revision = 'f6a074577c8e'
branch_labels = None
depends_on = None

LIST_COLUMNS = ["state", "kind", "submitted_late", "campaign_id", "round", "citizen_id", "search_text"]
WAITING = sa.text('task IS NOT NULL')
LATE = sa.text('submitted_late')


def upgrade():
    op.create_index('ix_dossier_event_trail', 'dossier_event', ['dossier_id', 'id', 'event', 'batch_id'])
    op.drop_index('ix_dossier_event_dossier_id', table_name='dossier_event')
    if op.get_bind().dialect.name != "postgresql":
        return

    op.drop_index('ix_dossier_org_state', table_name='dossier')
    op.create_index('ix_dossier_org_state', 'dossier', ['organisation_id', 'state', 'submitted_on', 'id',
                                                        'campaign_id'])
    op.create_index('ix_dossier_list_by_date', 'dossier', ['organisation_id', sa.text('submitted_on DESC NULLS LAST'),
                                                           sa.text('id DESC'), *LIST_COLUMNS])
    op.create_index('ix_dossier_plan', 'dossier', ['organisation_id', 'campaign_id', 'submitted_on', 'id'])
    op.create_index('ix_dossier_late', 'dossier', ['organisation_id', 'updated_at', 'id', 'campaign_id'],
                    postgresql_where=LATE)

    op.drop_index('ix_dossier_access_task', table_name='dossier_access')
    op.create_index('ix_dossier_access_task', 'dossier_access',
                    ['organisation_id', 'task', 'arrived_on', 'dossier_id', 'state'], postgresql_where=WAITING)
    op.create_index('ix_dossier_access_waiting', 'dossier_access', ['organisation_id', 'submitted_on', 'dossier_id'],
                    postgresql_where=WAITING)
    op.create_index('ix_dossier_access_state', 'dossier_access',
                    ['organisation_id', 'state', 'submitted_on', 'dossier_id'])
    op.create_index('ix_dossier_access_kind', 'dossier_access', ['organisation_id', 'kind', 'union_id', 'state'])
    op.create_index('ix_dossier_access_citizen', 'dossier_access',
                    ['organisation_id', 'citizen_id', 'updated_at', 'dossier_id'])
    op.create_index('ix_dossier_access_plan', 'dossier_access', ['organisation_id', 'campaign_id', 'submitted_on',
                                                                'dossier_id'])
    op.create_index('ix_dossier_access_late', 'dossier_access', ['organisation_id', 'updated_at', 'dossier_id',
                                                                'campaign_id'], postgresql_where=LATE)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_dossier_access_late', table_name='dossier_access')
        op.drop_index('ix_dossier_access_plan', table_name='dossier_access')
        op.drop_index('ix_dossier_access_citizen', table_name='dossier_access')
        op.drop_index('ix_dossier_access_kind', table_name='dossier_access')
        op.drop_index('ix_dossier_access_state', table_name='dossier_access')
        op.drop_index('ix_dossier_access_waiting', table_name='dossier_access')
        op.drop_index('ix_dossier_access_task', table_name='dossier_access')
        op.create_index('ix_dossier_access_task', 'dossier_access',
                        ['organisation_id', 'task', 'arrived_on', 'dossier_id', 'state'])

        op.drop_index('ix_dossier_late', table_name='dossier')
        op.drop_index('ix_dossier_plan', table_name='dossier')
        op.drop_index('ix_dossier_list_by_date', table_name='dossier')
        op.drop_index('ix_dossier_org_state', table_name='dossier')
        op.create_index('ix_dossier_org_state', 'dossier', ['organisation_id', 'state', 'round'])

    op.create_index('ix_dossier_event_dossier_id', 'dossier_event', ['dossier_id'])
    op.drop_index('ix_dossier_event_trail', table_name='dossier_event')
