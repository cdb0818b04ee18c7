"""exact costs

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Keep each generation's cost in pico-dollars, unrounded; costs known in micro-dollars carry over."""
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cost_picos', sa.BigInteger(), nullable=True))
    op.execute('UPDATE generations SET cost_picos = cost_micros * 1000000 WHERE cost_micros IS NOT NULL')


def downgrade() -> None:
    """Back to micro-dollars only."""
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.drop_column('cost_picos')
