"""`make bench-analytics`: staff dashboard response times over a year of turns.

Issue #5: "with 1 000 000 logged turns, every dashboard request answers in <= 300 ms on
PostgreSQL". This bench

1. creates a fresh PostgreSQL database (``bdhvs_bench_<random>``, dropped at the end
   unless ``--keep``), migrates it and loads seeds/ (knowledge base, places and the
   sample community teams);
2. generates ``--turns`` realistic turns over the last 365 days in SQL on the server
   (``INSERT ... SELECT`` over ``generate_series``; the indexes of ``querylog_turn`` are
   dropped during the load and re-created from their own definitions), then runs
   VACUUM ANALYZE. The mix: channels web/zalo/telegram ~45/40/15 % of citizens; FAQ
   topics weighted (VNeID and the public service portal most), each answered turn
   with an answer id of its topic from ``knowledge_entry``; outcomes ~80 % answered,
   10 % unsure, 6 % out of scope, the rest error, undelivered, rejected; ~60 % of
   turns with a province, most of them in Hà Tĩnh and its communes; ~30 000
   pseudonymous citizens (3 % of the turns) who join over the year and come back on
   several days, in sessions of 1-8 turns; feedback on ~5 % of the answered turns;
   masked questions of 60-120 characters and replies of ~600 characters (the answers
   of the knowledge base with their steps, source and related questions); daily
   volume that grows over the year, with a weekly pattern, an hourly profile and a
   few campaign days. Then the community teams' year, also in SQL: hand-off tickets
   after ~0.4 % of the turns (weighted to the turns not understood or rated
   unhelpful: the reason), for the citizen of the turn, of their commune (the
   application asks for it before opening), mostly closed with a resolution, claimed
   minutes to hours after opening (~5 % after the claim window: escalated), answered
   and closed minutes to days later, a few still open or claimed; the citizen's
   masked description and 1-3 team replies each; ~10 % as many declined offers;
   residents assisted in helper mode (``done``, a group, a guided procedure or
   "other") for ~0.3 % of the turns, in office hours in the main province's
   communes, by 20 members (``bench-member-<n>``, one per commune); ~5 % of the
   Telegram and Zalo citizens subscribed to notices, and 24 notices over the year
   (two in three to the main province) delivered to the subscribers of their area
   then (Zalo followers outside the 48-hour window skipped, a few failures);
3. times the first build of the daily tables (``refresh`` on an empty
   ``querylog_rollup_state``) and the refresh every gateway worker runs in the
   background, leaving the last refresh interval of turns to be read live;
4. times every dashboard GET route through the real application (``create_app``,
   in-process through FastAPI's TestClient: no network, no uvicorn): the analytics
   (the community teams' figures included) with an analyst token, for the last 30
   days (the default), the last quarter (92 days) and the whole year, each without a
   place filter, with the province and with one of its communes (the busiest); the
   hand-off queue (active and closed tickets, the page of the commune's newest
   ticket) as that commune's team member and as an admin (staff accounts created for
   them: the routes read the viewer's communes), and the notices log as the admin:
   ``--warmup`` untimed then ``--repeat`` timed requests each.

Results: bench/analytics.json and a section of bench/README.md. Exits non-zero if a
request answered anything but 200; timings are reported, not asserted (routes whose
p95 exceeds the 300 ms target are listed).

Modules: ``config`` (paths, server, target), ``mix`` (the turn mix), ``turns_sql`` and
``community_sql`` (the generation in SQL), ``generate``, ``profile`` (the data and the
database), ``timing`` (the rollup and the routes), ``readme`` (the results as text) and
``__main__`` (the command line).
"""
