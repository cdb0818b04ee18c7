"""day hour counts: each day's requests by local hour for a project, provider and model

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 14:00:00

The weekday-by-hour chart narrowed to a provider, model or project summed the hour of every matching entry
(tens of milliseconds for a busy account); it now sums these day rows, one per project, provider and model
the person used that day, as the day totals do. Every ledger entry is counted here in its owner's zone, as
`ledger.enter` counts it from now on.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

import mediaws.models.base
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOURS = [f'h{hour:02d}' for hour in range(24)]
KEY = ['user_id', 'period_start', 'project_id', 'provider', 'model']
READ_BATCH = 10_000
INSERT_BATCH = 500


def upgrade() -> None:
    """Add the day hour counts and count every ledger entry into them."""
    op.create_table('usage_day_hours',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('period_start', mediaws.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    *(sa.Column(name, sa.Integer(), nullable=False) for name in HOURS),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint(*KEY, name='uq_usage_day_hours_key')
    )
    op.create_index(
        'ix_usage_day_hours_span', 'usage_day_hours',
        ['user_id', 'period_start', 'provider', 'model', 'project_id', 'weekday', *HOURS], unique=False,
    )
    _count_entries()


def _count_entries() -> None:
    bind = op.get_bind()
    when = mediaws.models.base.UTCDateTime(timezone=True)
    users = sa.table('users', sa.column('id', sa.Uuid()), sa.column('time_zone'))
    entries = sa.table(
        'ledger_entries', sa.column('user_id', sa.Uuid()), sa.column('project_id', sa.Uuid()),
        sa.column('provider'), sa.column('model'), sa.column('completed_at', when),
    )
    zones = {user: ZoneInfo(name or 'UTC') for user, name in bind.execute(sa.select(users)).all()}
    counts: dict[tuple, dict] = {}
    for user, project, provider, model, done in bind.execute(
        sa.select(entries).execution_options(yield_per=READ_BATCH)
    ):
        local = done.astimezone(zones[user])
        start = datetime(local.year, local.month, local.day, tzinfo=zones[user]).astimezone(UTC)
        day = counts.setdefault((user, start, project, provider, model), {
            'id': uuid.uuid4(), 'user_id': user, 'period_start': start, 'project_id': project,
            'provider': provider, 'model': model, 'weekday': local.weekday(), **dict.fromkeys(HOURS, 0),
        })
        day[HOURS[local.hour]] += 1
    days = sa.table(
        'usage_day_hours', sa.column('id', sa.Uuid()), sa.column('user_id', sa.Uuid()),
        sa.column('period_start', when), sa.column('project_id', sa.Uuid()),
        *(sa.column(name) for name in ('provider', 'model', 'weekday', *HOURS)),
    )
    rows = list(counts.values())
    for first in range(0, len(rows), INSERT_BATCH):
        bind.execute(sa.insert(days), rows[first : first + INSERT_BATCH])


def downgrade() -> None:
    """Drop the day hour counts."""
    op.drop_index('ix_usage_day_hours_span', table_name='usage_day_hours')
    op.drop_table('usage_day_hours')
