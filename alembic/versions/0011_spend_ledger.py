"""spend ledger: an entry per finished generation that outlives it, day and month totals, the user's zone

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 20:18:21

Generations that finished before this revision get their ledger entries and totals here, in UTC (every
account's zone is UTC until its owner sets one; `mediaws analytics rebuild` recounts after a change).
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlmodel

import mediaws.models.base
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


FINISHED = ("succeeded", "failed", "cancelled")
SUMMED = ("cost_picos", "reported_cost_picos", "total_tokens", "image_count", "video_seconds", "characters")


def upgrade() -> None:
    """Add the ledger and its totals, then enter every generation that has already finished."""
    op.create_table('ledger_entries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('generation_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('model', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('capability', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('cost_picos', sa.BigInteger(), nullable=False),
    sa.Column('reported_cost_picos', sa.BigInteger(), nullable=False),
    sa.Column('tokens_total', sa.BigInteger(), nullable=False),
    sa.Column('image_count', sa.Integer(), nullable=False),
    sa.Column('video_seconds', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('characters', sa.BigInteger(), nullable=False),
    sa.Column('duration_ms', sa.BigInteger(), nullable=True),
    sa.Column('created_at', mediaws.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', mediaws.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', mediaws.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('project_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('generation_id')
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entries_project_id'), ['project_id'], unique=False)
        batch_op.create_index('ix_ledger_entries_user_completed', ['user_id', 'completed_at'], unique=False)

    op.create_table('usage_analytics',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('period_type', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('period_start', mediaws.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('model', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('generation_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('request_count', sa.Integer(), nullable=False),
    sa.Column('success_count', sa.Integer(), nullable=False),
    sa.Column('failure_count', sa.Integer(), nullable=False),
    sa.Column('cancelled_count', sa.Integer(), nullable=False),
    sa.Column('total_tokens', sa.BigInteger(), nullable=False),
    sa.Column('image_count', sa.Integer(), nullable=False),
    sa.Column('video_seconds', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('characters', sa.BigInteger(), nullable=False),
    sa.Column('cost_picos', sa.BigInteger(), nullable=False),
    sa.Column('reported_cost_picos', sa.BigInteger(), nullable=False),
    sa.Column('duration_ms_total', sa.BigInteger(), nullable=False),
    sa.Column('timed_count', sa.Integer(), nullable=False),
    sa.Column('updated_at', mediaws.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint(
        'user_id', 'period_type', 'period_start', 'project_id', 'provider', 'model', 'generation_type',
        name='uq_usage_analytics_bucket',
    )
    )
    with op.batch_alter_table('usage_analytics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usage_analytics_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'time_zone', sqlmodel.sql.sqltypes.AutoString(length=64), server_default='UTC', nullable=False
            )
        )
    _enter_finished_generations()


def _enter_finished_generations() -> None:
    bind = op.get_bind()
    when = mediaws.models.base.UTCDateTime(timezone=True)
    generations = sa.table(
        'generations',
        *(sa.column(name, sa.Uuid()) for name in ('id', 'owner_id', 'project_id')),
        *(sa.column(name) for name in (
            'provider', 'model', 'capability', 'status', 'cost_picos', 'cost_source', 'tokens_total',
            'image_count', 'characters', 'duration_ms',
        )),
        sa.column('video_seconds', sa.Numeric(12, 3)),
        sa.column('created_at', when),
        sa.column('completed_at', when),
    )
    rows = bind.execute(sa.select(generations).where(generations.c.status.in_(FINISHED))).mappings().all()
    entries, buckets = [], {}
    for row in rows:
        done = row['completed_at'] or row['created_at']
        cost = int(row['cost_picos'] or 0)
        entry = {
            'id': uuid.uuid4(), 'generation_id': row['id'], 'user_id': row['owner_id'],
            'project_id': row['project_id'], 'provider': row['provider'], 'model': row['model'],
            'capability': row['capability'], 'status': row['status'], 'cost_picos': cost,
            'reported_cost_picos': cost if row['cost_source'] == 'provider_usage' else 0,
            'tokens_total': int(row['tokens_total'] or 0), 'image_count': int(row['image_count'] or 0),
            'video_seconds': Decimal(row['video_seconds'] or 0), 'characters': int(row['characters'] or 0),
            'duration_ms': row['duration_ms'], 'created_at': row['created_at'], 'completed_at': done,
        }
        entries.append(entry)
        for period, start in (
            ('day', datetime(done.year, done.month, done.day, tzinfo=UTC)),
            ('month', datetime(done.year, done.month, 1, tzinfo=UTC)),
        ):
            key = (row['owner_id'], period, start, row['project_id'], row['provider'], row['model'],
                   row['capability'])
            bucket = buckets.setdefault(key, {
                'id': uuid.uuid4(), 'user_id': key[0], 'period_type': period, 'period_start': start,
                'project_id': key[3], 'provider': key[4], 'model': key[5], 'generation_type': key[6],
                'request_count': 0, 'success_count': 0, 'failure_count': 0, 'cancelled_count': 0,
                'total_tokens': 0, 'image_count': 0, 'video_seconds': Decimal(0), 'characters': 0,
                'cost_picos': 0, 'reported_cost_picos': 0, 'duration_ms_total': 0, 'timed_count': 0,
                'updated_at': datetime.now(UTC),
            })
            bucket['request_count'] += 1
            counted = {'succeeded': 'success_count', 'failed': 'failure_count'}.get(row['status'])
            bucket[counted or 'cancelled_count'] += 1
            for name in SUMMED:
                bucket[name] += entry['tokens_total' if name == 'total_tokens' else name]
            if row['duration_ms'] is not None:
                bucket['duration_ms_total'] += int(row['duration_ms'])
                bucket['timed_count'] += 1
    if entries:
        op.bulk_insert(_table('ledger_entries', entries[0], when), entries)
        op.bulk_insert(_table('usage_analytics', next(iter(buckets.values())), when), list(buckets.values()))


def _table(name: str, row: dict, when: sa.types.TypeEngine) -> sa.TableClause:
    def kind(key: str) -> sa.types.TypeEngine | None:
        if key in ('created_at', 'completed_at', 'period_start', 'updated_at'):
            return when
        if key == 'id' or key.endswith('_id'):
            return sa.Uuid()
        return sa.Numeric(14, 3) if key == 'video_seconds' else None

    return sa.table(name, *(sa.column(key, kind(key)) for key in row))


def downgrade() -> None:
    """Drop the ledger, its totals and the zone setting."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone')

    with op.batch_alter_table('usage_analytics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usage_analytics_project_id'))

    op.drop_table('usage_analytics')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entries_user_completed')
        batch_op.drop_index(batch_op.f('ix_ledger_entries_project_id'))

    op.drop_table('ledger_entries')
