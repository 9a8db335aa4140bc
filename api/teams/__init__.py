"""The directory of community tech teams, one module per job.

A team serves one or more communes (at most one team per commune) and has office
hours per weekday in Vietnam local time (UTC+7). Seeding never overwrites a team a
staff member edited (``updated_by``) and never deletes a team. Public holidays,
seasonal (summer/winter) hours and one-off closures are not modelled.

- :mod:`~api.teams.models`: the table (``community_team``);
- :mod:`~api.teams.schema`: the seeds/teams format and its checks;
- :mod:`~api.teams.seeding`: loading seeds/teams into the database;
- :mod:`~api.teams.directory`: look-ups and staff edits;
- :mod:`~api.teams.office_hours`: open or closed, and the next opening;
- :mod:`~api.teams.wording`: what the assistant tells a citizen.

The names other packages use are re-exported here.
"""

from api.teams.directory import (
    InvalidTeam,
    TeamExists,
    create_team,
    edit_team,
    list_teams,
    team_for_commune,
    team_item,
)
from api.teams.office_hours import (
    HasOfficeHours,
    is_open,
    next_opening,
    open_in_minute,
)
from api.teams.schema import (
    EscalationContact,
    NewTeam,
    TeamEdit,
    TeamFields,
    TeamSeed,
    TeamsFile,
)
from api.teams.seeding import (
    SEED_AUTHOR,
    TeamSeedReport,
    check_teams,
    escalation_contacts,
    load_teams,
    seed_teams,
    validate_teams,
)
from api.teams.wording import (
    contact_message,
    contact_time_sentence,
    meeting_sentence,
    no_team_sentence,
    office_hours_text,
    when_text,
)

__all__ = [
    "SEED_AUTHOR",
    "EscalationContact",
    "HasOfficeHours",
    "InvalidTeam",
    "NewTeam",
    "TeamEdit",
    "TeamExists",
    "TeamFields",
    "TeamSeed",
    "TeamSeedReport",
    "TeamsFile",
    "check_teams",
    "contact_message",
    "contact_time_sentence",
    "create_team",
    "edit_team",
    "escalation_contacts",
    "is_open",
    "list_teams",
    "load_teams",
    "meeting_sentence",
    "next_opening",
    "no_team_sentence",
    "office_hours_text",
    "open_in_minute",
    "seed_teams",
    "team_for_commune",
    "team_item",
    "validate_teams",
    "when_text",
]
