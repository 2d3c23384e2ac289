"""dossier list indexes: the list from the index alone, PostgreSQL sort and trigram indexes

Revision ID: 5b9e0c3d7a41
Revises: f38cb406e54b
Create Date: 2026-11-24 09:00:00.000000

The list of 100,000 dossiers (bench/list.py, workflow/dossiers/listing.py):
- ix_dossier_org_updated and ix_dossier_org_subject grow into ix_dossier_list and ix_dossier_list_by_name, which
  hold every column that a visibility rule or a filter reads, so that the list counts, filters, sorts and skips
  to a page from the index alone;
- ix_dossier_org_state takes `round`, for the home pages' counts (the district sees what was submitted);
- PostgreSQL only: the dossiers of many unions in each order of the list, and a trigram index for names found
  anywhere in search_text (pg_trgm is a trusted extension: the database owner may create it).
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '5b9e0c3d7a41'
down_revision = 'f38cb406e54b'
branch_labels = None
depends_on = None

FILTER_COLUMNS = ["state", "kind", "submitted_late", "campaign_id", "submitted_on", "round", "citizen_id",
                  "search_text"]


def upgrade():
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_org_updated')
        batch_op.drop_index('ix_dossier_org_subject')
        batch_op.drop_index('ix_dossier_org_state')
        batch_op.create_index('ix_dossier_org_state', ['organisation_id', 'state', 'round'], unique=False)
        batch_op.create_index('ix_dossier_list', ['organisation_id', 'updated_at', 'id', *FILTER_COLUMNS],
                              unique=False)
        batch_op.create_index('ix_dossier_list_by_name', ['organisation_id', 'subject', 'id', *FILTER_COLUMNS],
                              unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index('ix_dossier_updated', 'dossier', ['updated_at', 'id', 'organisation_id'], unique=False)
        op.create_index('ix_dossier_subject', 'dossier', ['subject', 'id', 'organisation_id'], unique=False)
        op.create_index('ix_dossier_submitted', 'dossier',
                        [sa.text('submitted_on DESC NULLS LAST'), sa.text('id DESC'), 'organisation_id'], unique=False)
        op.create_index('ix_dossier_search_text_trgm', 'dossier', ['search_text'], unique=False,
                        postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_dossier_search_text_trgm', table_name='dossier')
        op.drop_index('ix_dossier_submitted', table_name='dossier')
        op.drop_index('ix_dossier_subject', table_name='dossier')
        op.drop_index('ix_dossier_updated', table_name='dossier')
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_list_by_name')
        batch_op.drop_index('ix_dossier_list')
        batch_op.drop_index('ix_dossier_org_state')
        batch_op.create_index('ix_dossier_org_state', ['organisation_id', 'state'], unique=False)
        batch_op.create_index('ix_dossier_org_subject', ['organisation_id', 'subject'], unique=False)
        batch_op.create_index('ix_dossier_org_updated', ['organisation_id', 'updated_at'], unique=False)
