"""Helper mode: a team member guiding a resident with the assistant.

- :mod:`~api.helper_mode.models`: the tables (``staff_chat_link``,
  ``staff_link_code``, ``helper_session``);
- :mod:`~api.helper_mode.service`: linking a member's chat and the helper dialogue.
"""
