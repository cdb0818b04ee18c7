"""login throttle

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 06:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Index login attempts by (account, address) and by address, as the throttle asks for them."""
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_email')
        batch_op.drop_index('ix_login_attempts_client')
        batch_op.create_index(
            'ix_login_attempts_email_client_created_at', ['email', 'client', 'created_at'], unique=False
        )
        batch_op.create_index('ix_login_attempts_client_created_at', ['client', 'created_at'], unique=False)


def downgrade() -> None:
    """Back to one index per column."""
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_client_created_at')
        batch_op.drop_index('ix_login_attempts_email_client_created_at')
        batch_op.create_index('ix_login_attempts_client', ['client'], unique=False)
        batch_op.create_index('ix_login_attempts_email', ['email'], unique=False)
