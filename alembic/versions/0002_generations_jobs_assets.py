"""generations jobs assets

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 02:00:52.731101
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import mediaws.models.base

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table('generations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('capability', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('model', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('endpoint_id', sa.Uuid(), nullable=True),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('error_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('tokens_input', sa.Integer(), nullable=False),
    sa.Column('tokens_output', sa.Integer(), nullable=False),
    sa.Column('tokens_total', sa.Integer(), nullable=False),
    sa.Column('tokens_cached', sa.Integer(), nullable=False),
    sa.Column('image_count', sa.Integer(), nullable=False),
    sa.Column('video_seconds', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('characters', sa.Integer(), nullable=False),
    sa.Column('predict_seconds', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('output_count', sa.Integer(), nullable=False),
    sa.Column('usage', sa.JSON(), nullable=False),
    sa.Column('estimated_cost_micros', sa.BigInteger(), nullable=False),
    sa.Column('cost_micros', sa.BigInteger(), nullable=True),
    sa.Column('price_version', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('provider_request_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('fallback_from', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=True),
    sa.Column('created_at', mediaws.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', mediaws.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', mediaws.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_generations_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_generations_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_generations_status'), ['status'], unique=False)

    op.create_table('assets',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('project_id', sa.Uuid(), nullable=False),
    sa.Column('generation_id', sa.Uuid(), nullable=True),
    sa.Column('source_asset_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('storage_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('mime_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('bytes', sa.BigInteger(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('duration_seconds', sa.Float(), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', mediaws.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['generation_id'], ['generations.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_asset_id'], ['assets.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('storage_key')
    )
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assets_generation_id'), ['generation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_source_asset_id'), ['source_asset_id'], unique=False)

    op.create_table('async_jobs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('generation_id', sa.Uuid(), nullable=False),
    sa.Column('provider_job_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('progress_percent', sa.Integer(), nullable=True),
    sa.Column('eta_seconds', sa.Integer(), nullable=True),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('timeout_seconds', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('lease_expires_at', mediaws.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', mediaws.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('run_after', mediaws.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('created_at', mediaws.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', mediaws.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', mediaws.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['generation_id'], ['generations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('generation_id')
    )
    with op.batch_alter_table('async_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_async_jobs_lease_expires_at'), ['lease_expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_async_jobs_run_after'), ['run_after'], unique=False)
        batch_op.create_index(batch_op.f('ix_async_jobs_status'), ['status'], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('async_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_async_jobs_status'))
        batch_op.drop_index(batch_op.f('ix_async_jobs_run_after'))
        batch_op.drop_index(batch_op.f('ix_async_jobs_lease_expires_at'))

    op.drop_table('async_jobs')
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assets_source_asset_id'))
        batch_op.drop_index(batch_op.f('ix_assets_project_id'))
        batch_op.drop_index(batch_op.f('ix_assets_owner_id'))
        batch_op.drop_index(batch_op.f('ix_assets_generation_id'))

    op.drop_table('assets')
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_generations_status'))
        batch_op.drop_index(batch_op.f('ix_generations_project_id'))
        batch_op.drop_index(batch_op.f('ix_generations_owner_id'))

    op.drop_table('generations')
