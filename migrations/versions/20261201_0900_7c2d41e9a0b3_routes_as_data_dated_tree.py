"""routes as data over a dated tree: placements, routes, each dossier's steps and who it reached

Revision ID: 7c2d41e9a0b3
Revises: 5b9e0c3d7a41
Create Date: 2026-12-01 09:00:00.000000

Schema:
- organisation_placement (an organisation's parent for a period) replaces organisation.parent_id;
- route (a kind's levels, per jurisdiction and period), dossier.route_id and dossier.position, dossier_step
  (the route resolved for a dossier), dossier_access (who a dossier reached, and what it was sent);
- batch.recipient_id (the level a batch went to), dossier_event.batch_id, dossier_event.actor_id nullable (the
  server's operator), the state `closed`, the role `staff` for every upper organisation's people.

Data (with the tables as they are here, not through the app's code):
- each organisation's parent becomes a placement since its validity start (or since ever);
- the reviewer and liaison roles become staff;
- existing dossiers get the 2017 route they were decided under: their union's parent reviewed, its
  grandparent decided; the parent reached them at submission, the grandparent when they were forwarded;
- forward events name their batch; a batch's recipient is its sender's parent;
- where a Confederation exists, the default routes of each kind are added for it (see workflow/seed.py).
"""
from datetime import date, datetime, timezone

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c2d41e9a0b3'
down_revision = '5b9e0c3d7a41'
branch_labels = None
depends_on = None

STATES = ["draft", "submitted", "returned", "approved", "forwarded", "accepted", "rejected", "withdrawn", "closed"]
OLD_STATES = STATES[:-1]

# The defaults of workflow/seed.py ROUTES, as they stood when this revision was written.
DEFAULT_ROUTES = [
    ("creative_labour", date(2014, 12, 24),
     "Quyết định số 1564/QĐ-TLĐ ngày 24/12/2014: Bằng “Lao động sáng tạo” do Đoàn Chủ tịch Tổng Liên đoàn tặng; "
     "công đoàn cấp trên trực tiếp cơ sở và LĐLĐ tỉnh xét chọn, đề nghị",
     [{"level": "upper_grassroots", "role": "review", "decides_up_to_vnd": None},
      {"level": "province", "role": "review", "decides_up_to_vnd": None},
      {"level": "confederation", "role": "decide", "decides_up_to_vnd": None}]),
    ("child_heart", date(2014, 3, 28),
     "Quyết định số 378/QĐ-TLĐ ngày 28/3/2014: Quỹ Bảo trợ trẻ em Công đoàn Việt Nam xét hỗ trợ theo đề nghị của "
     "LĐLĐ tỉnh, thành phố",
     [{"level": "upper_grassroots", "role": "review", "decides_up_to_vnd": None},
      {"level": "province", "role": "review", "decides_up_to_vnd": None},
      {"level": "confederation", "role": "decide", "decides_up_to_vnd": None}]),
    ("union_housing", date(2014, 1, 1),
     "Nhà “Mái ấm Công đoàn” được hỗ trợ từ quỹ xã hội của LĐLĐ tỉnh, thành phố: LĐLĐ tỉnh quyết định",
     [{"level": "upper_grassroots", "role": "review", "decides_up_to_vnd": None},
      {"level": "province", "role": "decide", "decides_up_to_vnd": None}]),
    ("accident_aid", date(2014, 1, 1),
     "Công đoàn cấp trên trực tiếp cơ sở hỗ trợ từ nguồn tài chính của mình đến 2.000.000 đồng mỗi trường hợp, "
     "trường hợp lớn hơn trình LĐLĐ tỉnh quyết định (mức giả định của bản demo)",
     [{"level": "upper_grassroots", "role": "review", "decides_up_to_vnd": 2_000_000},
      {"level": "province", "role": "decide", "decides_up_to_vnd": None}]),
]

JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def _in(values):
    return ", ".join(f"'{v}'" for v in values)


def upgrade():
    op.create_table('organisation_placement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_placement_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['parent_id'], ['organisation.id'], name=op.f('fk_organisation_placement_parent_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_placement')),
    sa.UniqueConstraint('organisation_id', 'valid_from', name=op.f('uq_organisation_placement_organisation_id_valid_from'))
    )
    with op.batch_alter_table('organisation_placement', schema=None) as batch_op:
        batch_op.create_index('ix_organisation_placement_parent', ['parent_id', 'valid_from'], unique=False)

    op.create_table('route',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('basis', sa.String(length=300), nullable=False),
    sa.Column('steps', JSON, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction_id'], ['organisation.id'], name=op.f('fk_route_jurisdiction_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_route')),
    sa.UniqueConstraint('kind', 'jurisdiction_id', 'valid_from', name=op.f('uq_route_kind_jurisdiction_id_valid_from'))
    )
    with op.batch_alter_table('route', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_route_kind'), ['kind'], unique=False)

    op.create_table('dossier_step',
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('decides_up_to_vnd', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_dossier_step_dossier_id_dossier')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_dossier_step_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('dossier_id', 'position', name=op.f('pk_dossier_step'))
    )
    with op.batch_alter_table('dossier_step', schema=None) as batch_op:
        batch_op.create_index('ix_dossier_step_org', ['organisation_id', 'dossier_id'], unique=False)

    op.create_table('dossier_access',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('sent_event_id', sa.Integer(), nullable=False),
    sa.Column('arrived_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_dossier_access_dossier_id_dossier')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_dossier_access_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['sent_event_id'], ['dossier_event.id'], name=op.f('fk_dossier_access_sent_event_id_dossier_event')),
    sa.PrimaryKeyConstraint('organisation_id', 'dossier_id', name=op.f('pk_dossier_access'))
    )
    with op.batch_alter_table('dossier_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_access_dossier_id'), ['dossier_id'], unique=False)

    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('route_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_dossier_route_id_route'), 'route', ['route_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_dossier_state'), type_='check')
        batch_op.create_check_constraint('state', f"state IN ({_in(STATES)})")

    with op.batch_alter_table('dossier_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_dossier_event_batch_id_batch'), 'batch', ['batch_id'], ['id'])
        batch_op.alter_column('actor_id', existing_type=sa.Integer(), nullable=True)

    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient_id', sa.Integer(), nullable=True))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_role'), type_='check')

    _move_data()

    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.alter_column('recipient_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_batch_recipient_id_organisation'), 'organisation',
                                    ['recipient_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_batch_recipient_id'), ['recipient_id'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_check_constraint('role', "role IN ('officer', 'staff', 'admin')")

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(op.f('ix_organisation_parent_id'))
        batch_op.drop_constraint(op.f('fk_organisation_parent_id_organisation'), type_='foreignkey')
        batch_op.drop_column('parent_id')


def _move_data():
    conn = op.get_bind()
    org = sa.table('organisation', sa.column('id'), sa.column('parent_id'), sa.column('valid_from', sa.Date),
                   sa.column('level'))
    placement = sa.table('organisation_placement', sa.column('organisation_id'), sa.column('parent_id'),
                         sa.column('valid_from', sa.Date), sa.column('valid_to', sa.Date))
    parents = {row.id: row.parent_id for row in conn.execute(sa.select(org.c.id, org.c.parent_id))}
    rows = [{"organisation_id": row.id, "parent_id": row.parent_id, "valid_from": row.valid_from, "valid_to": None}
            for row in conn.execute(sa.select(org).where(org.c.parent_id.is_not(None)))]
    if rows:
        conn.execute(placement.insert(), rows)

    user = sa.table('user_account', sa.column('role'))
    conn.execute(user.update().where(user.c.role.in_(("reviewer", "liaison"))).values(role="staff"))

    batch = sa.table('batch', sa.column('id'), sa.column('organisation_id'), sa.column('recipient_id'))
    for row in conn.execute(sa.select(batch.c.id, batch.c.organisation_id)).all():
        conn.execute(batch.update().where(batch.c.id == row.id)
                     .values(recipient_id=parents.get(row.organisation_id) or row.organisation_id))

    document = sa.table('document', sa.column('id'), sa.column('batch_id'))
    event = sa.table('dossier_event', sa.column('id'), sa.column('dossier_id'), sa.column('event'),
                     sa.column('at', sa.DateTime), sa.column('document_id'), sa.column('batch_id'))
    for row in conn.execute(sa.select(event.c.id, document.c.batch_id)
                            .join(document, document.c.id == event.c.document_id)
                            .where(event.c.event == "forward")).all():
        conn.execute(event.update().where(event.c.id == row.id).values(batch_id=row.batch_id))

    dossier = sa.table('dossier', sa.column('id'), sa.column('organisation_id'), sa.column('state'),
                       sa.column('round'), sa.column('position'))
    step = sa.table('dossier_step', sa.column('dossier_id'), sa.column('position'), sa.column('organisation_id'),
                    sa.column('role'), sa.column('decides_up_to_vnd'))
    access = sa.table('dossier_access', sa.column('organisation_id'), sa.column('dossier_id'),
                      sa.column('sent_event_id'), sa.column('arrived_on', sa.Date))
    last = {}  # (dossier, event) -> (id, at) of the last such event
    for row in conn.execute(sa.select(event.c.id, event.c.dossier_id, event.c.event, event.c.at)
                            .where(event.c.event.in_(("submit", "forward"))).order_by(event.c.id)):
        last[(row.dossier_id, row.event)] = (row.id, row.at)
    steps, reached = [], []
    for row in conn.execute(sa.select(dossier).where(dossier.c.round > 0)).all():
        reviewer = parents.get(row.organisation_id)
        decider = parents.get(reviewer) if reviewer else None
        if reviewer is None:
            continue
        chain = [(reviewer, "review"), (decider, "decide")] if decider else [(reviewer, "decide")]
        steps += [{"dossier_id": row.id, "position": i, "organisation_id": o, "role": r, "decides_up_to_vnd": None}
                  for i, (o, r) in enumerate(chain)]
        forwarded = (row.id, "forward") in last
        conn.execute(dossier.update().where(dossier.c.id == row.id).values(
            position=1 if decider and (row.state in ("forwarded", "accepted", "rejected") or
                                       (row.state == "withdrawn" and forwarded)) and forwarded else 0))
        if (row.id, "submit") in last:
            sent, at = last[(row.id, "submit")]
            reached.append({"organisation_id": reviewer, "dossier_id": row.id, "sent_event_id": sent, "arrived_on": at.date()})
        if decider and forwarded:
            sent, at = last[(row.id, "forward")]
            reached.append({"organisation_id": decider, "dossier_id": row.id, "sent_event_id": sent, "arrived_on": at.date()})
    if steps:
        conn.execute(step.insert(), steps)
    if reached:
        conn.execute(access.insert(), reached)

    confederation = conn.execute(sa.select(org.c.id).where(org.c.level == "confederation").order_by(org.c.id)
                                 .limit(1)).scalar()
    if confederation is not None:
        route = sa.table('route', sa.column('kind'), sa.column('jurisdiction_id'), sa.column('valid_from', sa.Date),
                         sa.column('valid_to', sa.Date), sa.column('basis'), sa.column('steps', JSON),
                         sa.column('created_at', sa.DateTime))
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        conn.execute(route.insert(), [
            {"kind": kind, "jurisdiction_id": confederation, "valid_from": start, "valid_to": None, "basis": basis,
             "steps": levels, "created_at": now} for kind, start, basis, levels in DEFAULT_ROUTES])


def downgrade():
    conn = op.get_bind()
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_organisation_parent_id_organisation'), 'organisation', ['parent_id'], ['id'])
        batch_op.create_index(op.f('ix_organisation_parent_id'), ['parent_id'], unique=False)
    org = sa.table('organisation', sa.column('id'), sa.column('parent_id'))
    placement = sa.table('organisation_placement', sa.column('organisation_id'), sa.column('parent_id'),
                         sa.column('valid_from'))
    for row in conn.execute(sa.select(placement).order_by(placement.c.valid_from.is_not(None), placement.c.valid_from)):
        conn.execute(org.update().where(org.c.id == row.organisation_id).values(parent_id=row.parent_id))
    user = sa.table('user_account', sa.column('role'), sa.column('organisation_id'))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_role'), type_='check')
    # Staff of a federation with grandchildren decided (liaison); the others reviewed (the 2017 three levels).
    child = org.alias("child")
    grandparents = sa.select(org.c.parent_id).where(org.c.id.in_(
        sa.select(child.c.parent_id).where(child.c.parent_id.is_not(None))))
    conn.execute(user.update().where(user.c.role == "staff", user.c.organisation_id.in_(grandparents))
                 .values(role="liaison"))
    conn.execute(user.update().where(user.c.role == "staff").values(role="reviewer"))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_check_constraint('role', "role IN ('officer', 'reviewer', 'liaison', 'admin')")
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_recipient_id'))
        batch_op.drop_constraint(batch_op.f('fk_batch_recipient_id_organisation'), type_='foreignkey')
        batch_op.drop_column('recipient_id')
    with op.batch_alter_table('dossier_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_dossier_event_batch_id_batch'), type_='foreignkey')
        batch_op.drop_column('batch_id')
    dossier = sa.table('dossier', sa.column('state'))
    conn.execute(dossier.update().where(dossier.c.state == "closed").values(state="withdrawn"))
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_dossier_state'), type_='check')
        batch_op.create_check_constraint('state', f"state IN ({_in(OLD_STATES)})")
        batch_op.drop_constraint(batch_op.f('fk_dossier_route_id_route'), type_='foreignkey')
        batch_op.drop_column('position')
        batch_op.drop_column('route_id')
    op.drop_table('dossier_access')
    op.drop_table('dossier_step')
    op.drop_table('route')
    op.drop_table('organisation_placement')
