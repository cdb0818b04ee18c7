"""email preferences: the monthly summary (opt-in) and budget warnings (opt-out), and the emails sent

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import mediaws.models.base
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the two email choices to every account and the table that makes each email go out once."""
    # Plain ALTER TABLE, never a batch copy: on SQLite a copied users table would be dropped, and with
    # foreign keys on, dropping it deletes every row that cascades from users. '0'/'1' read as booleans on both.
    op.add_column('users', sa.Column('summary_emails', sa.Boolean(), server_default='0', nullable=False))
    op.add_column('users', sa.Column('budget_emails', sa.Boolean(), server_default='1', nullable=False))

    op.create_table('sent_emails',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('claimed_at', mediaws.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', mediaws.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'kind', 'key', name='uq_sent_emails_once')
    )


def downgrade() -> None:
    """Drop the record of sent emails and the two choices."""
    op.drop_table('sent_emails')
    op.drop_column('users', 'budget_emails')  # ALTER TABLE … DROP COLUMN (SQLite 3.35+), no table copy
    op.drop_column('users', 'summary_emails')
