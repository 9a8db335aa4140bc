"""Hand-off to a community tech team (Tổ công nghệ số cộng đồng).

- :mod:`~api.handoff.models`: the tables (``handoff_ticket``, ``handoff_message``);
- :mod:`~api.handoff.dialogue`: the citizen's side: the offer of a person, the
  questions that open a ticket, the satisfaction tap, replies waiting for the web chat;
- :mod:`~api.handoff.tickets`: the team's side: the queue, claiming, replying, closing
  and escalation to the province;
- :mod:`~api.handoff.wording`: what the hand-off says to the citizen.
"""
