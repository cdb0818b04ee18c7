"""idempotency keys

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch_op.add_column(sa.Column('request_fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index(
            'uq_generations_owner_idempotency_key', ['owner_id', 'idempotency_key'], unique=True
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.drop_index('uq_generations_owner_idempotency_key')
        batch_op.drop_column('request_fingerprint')
        batch_op.drop_column('idempotency_key')
