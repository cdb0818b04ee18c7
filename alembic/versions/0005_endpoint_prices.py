"""endpoint prices

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('input_price_micros', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('output_price_micros', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_column('output_price_micros')
        batch_op.drop_column('input_price_micros')
