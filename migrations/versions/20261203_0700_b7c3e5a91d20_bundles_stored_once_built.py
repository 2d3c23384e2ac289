"""bundles stored once built: each build's format and the key of what it holds

Both the PDF and the ZIP of a batch are built once and served from storage as long as the batch's bundle holds the
same (bundle_build.content_key). Builds made before hold no key: each batch's bundle is built once more, on its next
download.

Revision ID: b7c3e5a91d20
Revises: d09a60975113
Create Date: 2026-12-03 07:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7c3e5a91d20'
down_revision = 'd09a60975113'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bundle_build', schema=None) as batch_op:
        batch_op.add_column(sa.Column('format', sa.String(length=3), server_default='pdf', nullable=False))
        batch_op.add_column(sa.Column('content_key', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('bundle_build', schema=None) as batch_op:
        batch_op.drop_column('content_key')
        batch_op.drop_column('format')
