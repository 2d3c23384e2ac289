"""sign-in limits: lockout on the account, attempts logged

Each account counts its wrong passwords since its last sign-in and, past a threshold, is locked from signing in until
a time (auth/guessing.py); every attempt that reached a password check is kept a while in login_attempt. Existing
accounts start with no failure and no lock.

Revision ID: f6a074577c8e
Revises: b7c3e5a91d20
Create Date: 2026-12-03 10:13:11.346743

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f6a074577c8e'
down_revision = 'b7c3e5a91d20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.Column('channel', sa.String(length=3), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.CheckConstraint("outcome IN ('success', 'wrong_password', 'unknown_user', 'inactive', 'locked')", name=op.f('ck_login_attempt_outcome')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_login_attempt_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt'))
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_failed_login_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('last_failed_login_at')
        batch_op.drop_column('failed_logins')

    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempt_user_id'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_at'))

    op.drop_table('login_attempt')
