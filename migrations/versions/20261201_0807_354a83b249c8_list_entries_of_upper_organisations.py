"""list entries of upper organisations: dossier_access carries the list columns

Revision ID: 354a83b249c8
Revises: 7c2d41e9a0b3
Create Date: 2026-12-01 08:07:01.512584

An upper organisation's lists read its access rows (workflow/dossiers/visibility.py, Entries), so that a
province's list of 100,000 dossiers is one index range in the order asked rather than a sort of every dossier
that reached it:
- dossier_access gains the dossier's union, kind, state, dates, plan and lateness, what waits there (task), and
  the search columns of what that organisation was sent, with three list indexes (newest, by name, by date),
  one for the home page's counts and one for its queue; PostgreSQL: a trigram index on its names;
- the dossier's own search columns become its union's view (the data as it is now);
- PostgreSQL: the indexes that served lists over many unions' dossiers go (nothing reads dossier that way now).

Data (with the tables as they are here, and the code it needs copied below, not imported): every access row is
filled from its dossier and the snapshot of the event it was sent.
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '354a83b249c8'
down_revision = '7c2d41e9a0b3'
branch_labels = None
depends_on = None

FILTER_COLUMNS = ['state', 'kind', 'submitted_late', 'campaign_id', 'union_id', 'task', 'citizen_id', 'search_text']
WAITING_STATES = {"submitted", "approved", "forwarded"}
NOT_NULL = {  # the columns every access row gets, and their types
    'union_id': sa.Integer(), 'kind': sa.String(40), 'state': sa.String(20), 'updated_at': sa.DateTime(),
    'submitted_on': sa.Date(), 'submitted_late': sa.Boolean(), 'subject': sa.String(300),
    'search_text': sa.String(600)}
JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


# --- as workflow/lists/search.py and the kinds' subject() and requested_amount() stood on 01/12/2026 ---------

def _fold(text):
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", text).strip().lower()


def _subject(kind, data):
    if kind == "child_heart":
        child = data.get("child_full_name") or "(chưa nhập tên trẻ)"
        parent = data.get("full_name")
        return f"{child} (con của {parent})" if parent else child
    return data.get("full_name") or "(chưa nhập tên)"


def _search_columns(kind, data):
    data = data or {}
    names = [str(data[name]) for name in ("full_name", "child_full_name") if data.get(name)]
    citizen_id = data.get("citizen_id") or None
    return {"subject": _subject(kind, data)[:300], "citizen_id": citizen_id,
            "search_text": _fold(" ".join(names + ([citizen_id] if citizen_id else [])))[:600]}


def _requested_amount(kind, data):
    return None if kind == "creative_labour" else (data or {}).get("requested_amount_vnd")


def _task(dossier, steps, org_id):
    """What waits at org_id (workflow/dossiers/visibility.task_of and Dossier.route_steps)."""
    if dossier.state not in WAITING_STATES or dossier.position is None:
        return None
    amount = _requested_amount(dossier.kind, dossier.submitted_data or dossier.data)
    acting = []
    for step in steps:
        acting.append(step)
        if step.role == "decide" or (step.decides_up_to_vnd is not None and amount is not None
                                     and amount <= step.decides_up_to_vnd):
            break
    if dossier.position >= len(acting) or acting[dossier.position].organisation_id != org_id:
        return None
    if dossier.state == "approved":
        return "forward"
    step = acting[dossier.position]
    decides = step.role == "decide" or (step.decides_up_to_vnd is not None and amount is not None
                                        and amount <= step.decides_up_to_vnd)
    return "decide" if decides else "review"


def upgrade():
    with op.batch_alter_table('dossier_access', schema=None) as batch_op:
        batch_op.add_column(sa.Column('union_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('state', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('task', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('submitted_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('submitted_late', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('subject', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('search_text', sa.String(length=600), nullable=True))
        batch_op.add_column(sa.Column('citizen_id', sa.String(length=12), nullable=True))

    _fill()

    with op.batch_alter_table('dossier_access', schema=None) as batch_op:
        for name, type_ in NOT_NULL.items():
            batch_op.alter_column(name, existing_type=type_, nullable=False)
        batch_op.create_index('ix_dossier_access_counts', ['organisation_id', 'union_id', 'state'], unique=False)
        batch_op.create_index('ix_dossier_access_list', ['organisation_id', 'updated_at', 'dossier_id', 'submitted_on',
                                                          *FILTER_COLUMNS], unique=False)
        batch_op.create_index('ix_dossier_access_list_by_date', ['organisation_id', 'submitted_on', 'dossier_id',
                                                                  *FILTER_COLUMNS], unique=False)
        batch_op.create_index('ix_dossier_access_list_by_name', ['organisation_id', 'subject', 'dossier_id',
                                                                  'submitted_on', *FILTER_COLUMNS], unique=False)
        batch_op.create_index('ix_dossier_access_task', ['organisation_id', 'task', 'arrived_on', 'dossier_id', 'state'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_dossier_access_union_id_organisation'), 'organisation',
                                    ['union_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_dossier_access_campaign_id_campaign'), 'campaign',
                                    ['campaign_id'], ['id'])
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_dossier_search_text_trgm', table_name='dossier')
        op.drop_index('ix_dossier_submitted', table_name='dossier')
        op.drop_index('ix_dossier_subject', table_name='dossier')
        op.drop_index('ix_dossier_updated', table_name='dossier')
        op.create_index('ix_dossier_access_search_text_trgm', 'dossier_access', ['search_text'], unique=False,
                        postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})


def _fill():
    conn = op.get_bind()
    dossier = sa.table('dossier', sa.column('id'), sa.column('kind'), sa.column('organisation_id'),
                       sa.column('state'), sa.column('position'), sa.column('data', JSON),
                       sa.column('submitted_data', JSON), sa.column('updated_at', sa.DateTime),
                       sa.column('submitted_on', sa.Date), sa.column('submitted_late', sa.Boolean),
                       sa.column('campaign_id'), sa.column('subject'), sa.column('search_text'),
                       sa.column('citizen_id'))
    step = sa.table('dossier_step', sa.column('dossier_id'), sa.column('position'), sa.column('organisation_id'),
                    sa.column('role'), sa.column('decides_up_to_vnd'))
    event = sa.table('dossier_event', sa.column('id'), sa.column('data_snapshot', JSON))
    access = sa.table('dossier_access', sa.column('organisation_id'), sa.column('dossier_id'),
                      sa.column('sent_event_id'), *(sa.column(name) for name in NOT_NULL),
                      sa.column('task'), sa.column('campaign_id'), sa.column('citizen_id'))
    steps = {}
    for row in conn.execute(sa.select(step).order_by(step.c.dossier_id, step.c.position)):
        steps.setdefault(row.dossier_id, []).append(row)
    rows = conn.execute(sa.select(dossier)).all()
    for row in rows:
        own = _search_columns(row.kind, row.data)
        if any(getattr(row, name) != value for name, value in own.items()):
            conn.execute(dossier.update().where(dossier.c.id == row.id).values(**own))
    dossiers = {row.id: row for row in rows}
    sent = sa.select(access.c.organisation_id, access.c.dossier_id, event.c.data_snapshot).join(
        event, event.c.id == access.c.sent_event_id)
    for row in conn.execute(sent).all():
        d = dossiers[row.dossier_id]
        conn.execute(access.update().where(access.c.organisation_id == row.organisation_id,
                                           access.c.dossier_id == row.dossier_id).values(
            union_id=d.organisation_id, kind=d.kind, state=d.state, updated_at=d.updated_at,
            submitted_on=d.submitted_on, submitted_late=bool(d.submitted_late), campaign_id=d.campaign_id,
            task=_task(d, steps.get(d.id, []), row.organisation_id), **_search_columns(d.kind, row.data_snapshot)))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_dossier_access_search_text_trgm', table_name='dossier_access')
        op.create_index('ix_dossier_updated', 'dossier', ['updated_at', 'id', 'organisation_id'], unique=False)
        op.create_index('ix_dossier_subject', 'dossier', ['subject', 'id', 'organisation_id'], unique=False)
        op.create_index('ix_dossier_submitted', 'dossier',
                        [sa.text('submitted_on DESC NULLS LAST'), sa.text('id DESC'), 'organisation_id'], unique=False)
        op.create_index('ix_dossier_search_text_trgm', 'dossier', ['search_text'], unique=False,
                        postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})
    with op.batch_alter_table('dossier_access', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_dossier_access_campaign_id_campaign'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_dossier_access_union_id_organisation'), type_='foreignkey')
        batch_op.drop_index('ix_dossier_access_task')
        batch_op.drop_index('ix_dossier_access_list_by_name')
        batch_op.drop_index('ix_dossier_access_list_by_date')
        batch_op.drop_index('ix_dossier_access_list')
        batch_op.drop_index('ix_dossier_access_counts')
        for name in ('citizen_id', 'search_text', 'subject', 'campaign_id', 'submitted_late', 'submitted_on',
                     'updated_at', 'task', 'state', 'kind', 'union_id'):
            batch_op.drop_column(name)
