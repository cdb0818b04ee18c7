"""generation cost source

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision: where each generation's cost came from (NULL for rows priced before it)."""
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('cost_source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.drop_column('cost_source')
