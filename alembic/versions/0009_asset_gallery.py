"""asset gallery: organisation columns, tags, previews, search, storage deletes, asset jobs

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:30:00

SQLite keeps search in an FTS5 table over ``assets`` (external content keyed by rowid). A later migration
that rebuilds ``assets`` on SQLite (batch mode) changes rowids: it must end with
``INSERT INTO assets_fts(assets_fts) VALUES('rebuild')``. PostgreSQL keeps a generated tsvector column.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE assets_fts USING fts5("
    "name, description, prompt, content='assets', content_rowid='rowid', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER assets_fts_insert AFTER INSERT ON assets BEGIN "
    "INSERT INTO assets_fts(rowid, name, description, prompt) "
    "VALUES (new.rowid, new.name, new.description, new.prompt); END",
    "CREATE TRIGGER assets_fts_delete AFTER DELETE ON assets BEGIN "
    "INSERT INTO assets_fts(assets_fts, rowid, name, description, prompt) "
    "VALUES ('delete', old.rowid, old.name, old.description, old.prompt); END",
    "CREATE TRIGGER assets_fts_update AFTER UPDATE OF name, description, prompt ON assets BEGIN "
    "INSERT INTO assets_fts(assets_fts, rowid, name, description, prompt) "
    "VALUES ('delete', old.rowid, old.name, old.description, old.prompt); "
    "INSERT INTO assets_fts(rowid, name, description, prompt) "
    "VALUES (new.rowid, new.name, new.description, new.prompt); END",
    "INSERT INTO assets_fts(assets_fts) VALUES ('rebuild')",
)
POSTGRES_SEARCH = (
    "ALTER TABLE assets ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', "
    "coalesce(name, '') || ' ' || coalesce(description, '') || ' ' || coalesce(prompt, ''))) STORED",
    "CREATE INDEX ix_assets_search_vector ON assets USING gin (search_vector)",
)


def upgrade() -> None:
    """Add what the gallery sorts, filters and searches on; tags; the storage delete queue; asset jobs."""
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sqlmodel.sql.sqltypes.AutoString(length=200),
                                      server_default='', nullable=False))
        batch_op.add_column(sa.Column('description', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('prompt', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('cost_micros', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('favourite', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('preview_status', sqlmodel.sql.sqltypes.AutoString(length=16),
                                      server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('previews', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('peaks', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('excerpt', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    _backfill_assets()
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_index('ix_assets_project_created', ['project_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_assets_owner_created', ['owner_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_assets_project_name', ['project_id', 'name_key', 'id'], unique=False)
        batch_op.create_index('ix_assets_project_cost', ['project_id', 'cost_micros', 'id'], unique=False)
        batch_op.create_index('ix_assets_project_kind', ['project_id', 'kind', 'created_at', 'id'],
                              unique=False)

    op.create_table('tags',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('colour', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('owner_id', 'name_key', name='uq_tags_owner_name')
    )
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tags_owner_id'), ['owner_id'], unique=False)
    op.create_table('asset_tags',
    sa.Column('asset_id', sa.Uuid(), nullable=False),
    sa.Column('tag_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('asset_id', 'tag_id')
    )
    with op.batch_alter_table('asset_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_tags_tag_id'), ['tag_id'], unique=False)
    op.create_table('storage_deletions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('storage_deletions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_storage_deletions_next_attempt_at'), ['next_attempt_at'],
                              unique=False)

    with op.batch_alter_table('async_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24),
                                      server_default='generation', nullable=False))
        batch_op.add_column(sa.Column('asset_id', sa.Uuid(), nullable=True))
        batch_op.alter_column('generation_id', existing_type=sa.Uuid(), nullable=True)
        batch_op.create_index(batch_op.f('ix_async_jobs_asset_id'), ['asset_id'], unique=False)
        batch_op.create_foreign_key('fk_async_jobs_asset_id_assets', 'assets', ['asset_id'], ['id'],
                                    ondelete='CASCADE')

    statements = SQLITE_SEARCH if op.get_bind().dialect.name == 'sqlite' else POSTGRES_SEARCH
    for statement in statements:
        op.execute(statement)


def _backfill_assets() -> None:
    """Names to sort by, prompts to search, each generation's cost shared exactly among its files."""
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE assets SET name_key = lower(name), updated_at = created_at"))
    bind.execute(sa.text(
        "UPDATE assets SET prompt = (SELECT g.prompt FROM generations g WHERE g.id = assets.generation_id) "
        "WHERE generation_id IS NOT NULL"
    ))
    rows = bind.execute(sa.text(
        "SELECT a.id, a.generation_id, g.cost_micros FROM assets a JOIN generations g "
        "ON g.id = a.generation_id WHERE g.cost_micros IS NOT NULL ORDER BY a.generation_id, a.created_at, a.id"
    )).all()
    by_generation: dict[object, list[tuple[object, int]]] = {}
    for asset_id, generation_id, cost in rows:
        by_generation.setdefault(generation_id, []).append((asset_id, int(cost)))
    for shares in by_generation.values():
        total, count = shares[0][1], len(shares)
        for index, (asset_id, _) in enumerate(shares):
            share = total // count + (total % count if index == 0 else 0)
            bind.execute(sa.text("UPDATE assets SET cost_micros = :c WHERE id = :i"), {"c": share, "i": asset_id})


def downgrade() -> None:
    """Drop search, asset jobs, the deletion queue, tags and the gallery columns."""
    if op.get_bind().dialect.name == 'sqlite':
        for trigger in ('assets_fts_insert', 'assets_fts_delete', 'assets_fts_update'):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS assets_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_assets_search_vector")
        op.execute("ALTER TABLE assets DROP COLUMN IF EXISTS search_vector")
    op.execute("DELETE FROM async_jobs WHERE generation_id IS NULL")
    with op.batch_alter_table('async_jobs', schema=None) as batch_op:
        batch_op.drop_constraint('fk_async_jobs_asset_id_assets', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_async_jobs_asset_id'))
        batch_op.alter_column('generation_id', existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_column('asset_id')
        batch_op.drop_column('kind')
    with op.batch_alter_table('storage_deletions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_storage_deletions_next_attempt_at'))
    op.drop_table('storage_deletions')
    with op.batch_alter_table('asset_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_tags_tag_id'))
    op.drop_table('asset_tags')
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tags_owner_id'))
    op.drop_table('tags')
    with op.batch_alter_table('assets', schema=None) as batch_op:
        for index in ('ix_assets_project_kind', 'ix_assets_project_cost', 'ix_assets_project_name',
                      'ix_assets_owner_created', 'ix_assets_project_created'):
            batch_op.drop_index(index)
        for column in ('updated_at', 'excerpt', 'peaks', 'previews', 'preview_status', 'archived_at',
                       'favourite', 'cost_micros', 'prompt', 'description', 'name_key'):
            batch_op.drop_column(column)
