"""campaign reports: an organisation's official report on a plan (Báo cáo tổng kết), sent to its parent

Each row is a report issued once (its document, doc_type "BC") with the figures it printed; a corrected report is
a new row for the same organisation, plan and phase. No data to move: no report was issued before.

A notification may lead to a plan's report page (a report received from a unit below): notification.campaign_id.

Revision ID: d39c44c9be2a
Revises: 5e1f0b7c2a90
Create Date: 2026-12-03 17:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'd39c44c9be2a'
down_revision = '5e1f0b7c2a90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('campaign_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('phase_id', sa.Integer(), nullable=True),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('figures', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_report_campaign_id_campaign')),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_campaign_report_document_id_document')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_campaign_report_issued_by_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_campaign_report_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['phase_id'], ['campaign_phase.id'], name=op.f('fk_campaign_report_phase_id_campaign_phase')),
    sa.ForeignKeyConstraint(['recipient_id'], ['organisation.id'], name=op.f('fk_campaign_report_recipient_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_report')),
    sa.UniqueConstraint('document_id', name=op.f('uq_campaign_report_document_id'))
    )
    with op.batch_alter_table('campaign_report', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_report_organisation_campaign', ['organisation_id', 'campaign_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_report_recipient_id'), ['recipient_id'], unique=False)
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notification_campaign_id_campaign'), 'campaign', ['campaign_id'],
                                    ['id'])


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notification_campaign_id_campaign'), type_='foreignkey')
        batch_op.drop_column('campaign_id')
    with op.batch_alter_table('campaign_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_report_recipient_id'))
        batch_op.drop_index('ix_campaign_report_organisation_campaign')
    op.drop_table('campaign_report')
