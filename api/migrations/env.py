"""Alembic environment: the URL comes from the api settings (or the Config)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

import api.accuracy.models
import api.channels.models
import api.citizen.models
import api.conversation.models
import api.handoff.models
import api.helper_mode.models
import api.knowledge.models
import api.notices.models
import api.places.models
import api.querylog.models
import api.staff.models
import api.teams.models  # noqa: F401  (register tables on Base.metadata)
from api.core.config import get_settings
from api.core.db import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """Emit SQL without a connection."""
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the database."""
    connectable = engine_from_config(
        {"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
