"""The migrations build the schema the models declare (a migration forgotten or
edited out of step with a model shows up here, on SQLite and PostgreSQL)."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

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
from api.core.db import Base


def test_migrated_schema_matches_the_models(engine: Any) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": False}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
