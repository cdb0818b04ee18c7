"""hour counts: requests per hour of each user's day, kept with the day totals for the weekday-by-hour chart

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 04:00:00

Every ledger entry is counted here in its owner's zone, as `ledger.enter` counts it from now on.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa

import mediaws.models.base
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

READ_BATCH = 10_000
INSERT_BATCH = 1_000


def upgrade() -> None:
    """Add the hour counts and count every ledger entry into them."""
    op.create_table('usage_hours',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('period_start', mediaws.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('request_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'period_start', name='uq_usage_hours_hour')
    )
    op.create_index(
        'ix_usage_hours_user_span', 'usage_hours',
        ['user_id', 'period_start', 'weekday', 'hour', 'request_count'], unique=False,
    )
    _count_entries()


def _count_entries() -> None:
    bind = op.get_bind()
    when = mediaws.models.base.UTCDateTime(timezone=True)
    users = sa.table('users', sa.column('id', sa.Uuid()), sa.column('time_zone'))
    entries = sa.table('ledger_entries', sa.column('user_id', sa.Uuid()), sa.column('completed_at', when))
    zones = {user: ZoneInfo(name or 'UTC') for user, name in bind.execute(sa.select(users)).all()}
    counts: dict[tuple, dict] = {}
    for user, done in bind.execute(sa.select(entries).execution_options(yield_per=READ_BATCH)):
        local = done.astimezone(zones[user])
        start = local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
        hour = counts.setdefault((user, start), {
            'id': uuid.uuid4(), 'user_id': user, 'period_start': start, 'weekday': local.weekday(),
            'hour': local.hour, 'request_count': 0,
        })
        hour['request_count'] += 1
    hours = sa.table(
        'usage_hours', sa.column('id', sa.Uuid()), sa.column('user_id', sa.Uuid()),
        sa.column('period_start', when), *(sa.column(name) for name in ('weekday', 'hour', 'request_count')),
    )
    rows = list(counts.values())
    for first in range(0, len(rows), INSERT_BATCH):
        bind.execute(sa.insert(hours), rows[first : first + INSERT_BATCH])


def downgrade() -> None:
    """Drop the hour counts."""
    op.drop_index('ix_usage_hours_user_span', table_name='usage_hours')
    op.drop_table('usage_hours')
