"""dashboard indexes: the day sums' covering index, and deleted projects' kept names

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 08:00:00

The dashboard sums a span of a person's day totals twice (by project, provider, model and type; by day).
With every summed column in the index, both are index-only scans instead of a table lookup per row.
A deleted project's name is read from one of its entries: a partial index holds just those entries.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ['user_id', 'period_type', 'period_start', 'project_id', 'provider', 'model', 'generation_type']
SUMS = [
    'cost_picos', 'reported_cost_picos', 'request_count', 'success_count', 'failure_count', 'cancelled_count',
    'duration_ms_total', 'timed_count',
]


def upgrade() -> None:
    """Add the covering index of the day sums and the index of kept project names."""
    op.create_index('ix_usage_analytics_sums', 'usage_analytics', [*KEY, *SUMS], unique=False)
    kept = sa.text('project_name IS NOT NULL')
    op.create_index(
        'ix_ledger_entries_kept_names', 'ledger_entries', ['project_id', 'user_id', 'project_name'],
        unique=False, sqlite_where=kept, postgresql_where=kept,
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_index('ix_ledger_entries_kept_names', table_name='ledger_entries')
    op.drop_index('ix_usage_analytics_sums', table_name='usage_analytics')
