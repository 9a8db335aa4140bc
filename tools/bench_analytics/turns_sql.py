"""The generation of the year's turns, in SQL run on the server."""

from __future__ import annotations

CREATE_DAYS = """
CREATE TEMP TABLE bench_day (
    d int PRIMARY KEY, start_utc timestamptz, turns int, sessions int,
    users_joined int, today boolean, span_seconds double precision)
"""
INSERT_DAY = """
INSERT INTO bench_day VALUES (:d, :start_utc, :turns, :sessions, :users_joined,
                              :today, :span_seconds)
"""
CREATE_USERS = """
CREATE TEMP TABLE bench_user AS
SELECT uid,
       substr(md5('bench-citizen-' || uid), 1, 32) AS pseudonym,
       (CAST(:channels AS text[]))[1 + floor(random() * 1000)::int] AS channel,
       random() AS r_place, random() AS r_province, random() AS r_commune,
       random() AS r_has_commune,
       NULL::varchar(8) AS province_code, NULL::varchar(8) AS commune_code,
       'chưa biết ạ'::text AS place_text
FROM generate_series(0, :users - 1) AS uid
"""
SET_USER_PROVINCES = """
UPDATE bench_user SET province_code = CASE
    WHEN r_place >= :with_place THEN NULL
    WHEN r_province < :main_share THEN CAST(:main AS varchar)
    ELSE (CAST(:others AS text[]))[
        1 + floor((r_province - :main_share) / (1 - :main_share) * 1000)::int]
    END
"""
CREATE_COMMUNES = """
CREATE TEMP TABLE bench_commune AS
SELECT province_code, array_agg(code ORDER BY code) AS codes
FROM place_commune GROUP BY province_code
"""
SET_USER_COMMUNES = """
UPDATE bench_user u SET commune_code = c.codes[1 + floor(
        power(u.r_commune, CASE WHEN u.province_code = :main THEN 2.2 ELSE 1 END)
        * cardinality(c.codes))::int]
FROM bench_commune c
WHERE c.province_code = u.province_code
  AND u.r_has_commune < CASE WHEN u.province_code = :main THEN :main_with_commune
                             ELSE :other_with_commune END
"""
SET_USER_PLACE_TEXTS = [
    """
    UPDATE bench_user u SET place_text = 'mình ở ' || lower(c.name) || ', ' || p.name
    FROM place_commune c JOIN place_province p ON p.code = c.province_code
    WHERE c.code = u.commune_code
    """,
    """
    UPDATE bench_user u SET place_text = 'tôi ở ' || p.full_name || ' ạ'
    FROM place_province p
    WHERE p.code = u.province_code AND u.commune_code IS NULL
    """,
]
CREATE_SESSIONS = """
CREATE TEMP TABLE bench_session AS
WITH s AS (
    SELECT d.d, d.turns AS day_turns,
           CASE WHEN d.today
                THEN d.start_utc + d.span_seconds * random() * interval '1 second'
                ELSE d.start_utc + ((CAST(:hours AS int[]))[
                        1 + floor(random() * 1000)::int] * 3600 + random() * 3600)
                     * interval '1 second'
           END AS started,
           floor(d.users_joined * sqrt(random()))::int AS uid,
           (CAST(:lengths AS int[]))[1 + floor(random() * 1000)::int] AS n
    FROM bench_day d CROSS JOIN LATERAL generate_series(1, d.sessions) AS g
), c AS (
    SELECT s.*, sum(n) OVER (PARTITION BY d ORDER BY started, uid
                             ROWS UNBOUNDED PRECEDING) AS cum
    FROM s
)
SELECT d, started, uid, LEAST(n, day_turns - (cum - n))::int AS n
FROM c WHERE cum - n < day_turns
ORDER BY started
"""
CREATE_TOPICS = """
CREATE TEMP TABLE bench_topic AS
SELECT code, answers FROM unnest(CAST(:codes AS text[])) AS code
LEFT JOIN (SELECT topic, array_agg(id ORDER BY id) AS answers
           FROM knowledge_entry GROUP BY topic) k ON k.topic = code
"""
CREATE_TEXTS = """
CREATE TEMP TABLE bench_text (
    key text PRIMARY KEY, texts text[], reply text, p_not_helpful double precision)
"""
INSERT_TEXT = "INSERT INTO bench_text VALUES (:key, :texts, :reply, :p_not_helpful)"
# r: one row per turn with its random draws (OFFSET 0 keeps them drawn once per row);
# o: the outcome and the topic and answer drawn; c: everything derived from them.
INSERT_TURNS = """
INSERT INTO querylog_turn (
    created_at, channel, user_pseudonym, conversation_id, text_masked, reply_masked,
    intent, confidence, topic, answer_id, answer_confidence, outcome, latency_ms,
    detail, feedback, province_code, commune_code)
SELECT c.created_at, c.channel, c.pseudonym, c.pseudonym,
       CASE WHEN c.text_key = '~place' THEN c.place_text
            ELSE x.texts[1 + floor(c.r_text * cardinality(x.texts))::int] END
       || CASE WHEN c.text_key NOT IN ('~unsure', '~out_of_scope') THEN ''
               WHEN c.r_detail < 0.3 AND c.province_code IS NOT NULL
                    THEN ', ' || c.place_text
               WHEN c.r_detail < 0.6 THEN ' ' || (CAST(:details AS text[]))[
                    1 + floor(c.r_detail2 * :detail_count)::int]
               ELSE '' END,
       CASE WHEN c.outcome = 'error' THEN CAST(:error_reply AS text) ELSE x.reply END,
       c.intent, c.confidence, c.topic, c.answer_id, c.answer_confidence, c.outcome,
       c.latency_ms, c.detail,
       CASE WHEN c.outcome = 'answered' AND c.answer_id IS NOT NULL
                 AND c.r_feedback < :feedback_rate
            THEN CASE WHEN c.r_feedback < :feedback_rate * x.p_not_helpful
                      THEN 'not_helpful' ELSE 'helpful' END END,
       c.province_code, c.commune_code
FROM (
    SELECT o.*,
        CASE WHEN o.outcome IN ('answered', 'undelivered') THEN o.pick_topic
             WHEN o.outcome = 'unsure' AND o.suggest THEN o.pick_topic
             WHEN o.outcome = 'out_of_scope' THEN 'out_of_scope' END AS topic,
        CASE WHEN o.outcome IN ('answered', 'undelivered')
                  OR (o.outcome = 'unsure' AND o.suggest) THEN o.pick_answer
             END AS answer_id,
        CASE WHEN o.outcome IN ('answered', 'undelivered') THEN
                  CASE o.pick_topic WHEN 'smalltalk' THEN '~smalltalk'
                                    WHEN 'citizen_place' THEN '~place'
                                    ELSE o.pick_answer END
             WHEN o.outcome = 'error' THEN coalesce(o.pick_answer, '~unsure')
             WHEN o.outcome = 'rejected' THEN
                  CASE WHEN o.r_misc < 0.45 THEN '~photo'
                       WHEN o.r_misc < 0.6 THEN '~sticker'
                       WHEN o.r_misc < 0.7 THEN '~voice'
                       WHEN o.r_misc < 0.97 THEN '~rate_limited'
                       ELSE '~too_long' END
             ELSE '~' || o.outcome END AS text_key,
        CASE WHEN o.outcome IN ('answered', 'undelivered') THEN
                  CASE o.pick_topic
                      WHEN 'smalltalk' THEN (CAST(:smalltalk_intents AS text[]))[
                          1 + floor(o.r_misc * :smalltalk_count)::int]
                      WHEN 'citizen_place' THEN 'provide_place'
                      ELSE CASE WHEN o.r_misc < 0.12 THEN 'guide' ELSE 'faq' END END
             WHEN o.outcome = 'unsure' THEN
                  CASE WHEN o.suggest THEN 'faq' ELSE 'nlu_fallback' END
             WHEN o.outcome = 'out_of_scope' THEN 'out_of_scope' END AS intent,
        CASE WHEN o.outcome IN ('answered', 'undelivered') THEN
                  CASE WHEN o.pick_topic = 'citizen_place' THEN NULL
                       ELSE 0.75 + 0.25 * o.r_conf END
             WHEN o.outcome = 'unsure' THEN 0.3 + 0.35 * o.r_conf
             WHEN o.outcome = 'out_of_scope' THEN 0.55 + 0.45 * o.r_conf
             END AS confidence,
        CASE WHEN o.outcome IN ('answered', 'undelivered')
                  AND o.pick_answer IS NOT NULL THEN 0.6 + 0.4 * o.r_conf
             WHEN o.outcome = 'unsure' AND o.suggest THEN 0.2 + 0.3 * o.r_conf
             END AS answer_confidence,
        CASE WHEN o.outcome = 'rejected'
                  OR o.pick_topic = 'citizen_place'
                     AND o.outcome IN ('answered', 'undelivered') THEN 0
             WHEN o.outcome = 'error' THEN 15000
             ELSE (60 + 900 * power(o.r_latency, 3))::int END AS latency_ms,
        CASE o.outcome
            WHEN 'error' THEN 'rasa_unavailable'
            WHEN 'undelivered' THEN CASE o.channel
                WHEN 'telegram' THEN 'telegram:403 bot blocked by the user'
                ELSE 'zalo:-230 outside the 48h window' END
            WHEN 'rejected' THEN
                CASE WHEN o.r_misc < 0.45 THEN 'unsupported:photo'
                     WHEN o.r_misc < 0.6 THEN 'unsupported:sticker'
                     WHEN o.r_misc < 0.7 THEN 'unsupported:voice'
                     WHEN o.r_misc < 0.97 THEN 'rate_limited'
                     ELSE 'too_long' END
            END AS detail
    FROM (
        SELECT r.*,
            CASE WHEN r.outcome_raw = 'undelivered' AND r.channel = 'web'
                 THEN 'error' ELSE r.outcome_raw END AS outcome,
            t.answers[1 + floor(power(r.r_answer, 1.6)
                                * cardinality(t.answers))::int] AS pick_answer,
            r.r_suggest < 0.6 AND t.answers IS NOT NULL AS suggest
        FROM (
            SELECT LEAST(s.started + (k * 45 + 20 * random()) * interval '1 second',
                         CAST(:now AS timestamptz)) AS created_at,
                   u.channel, u.pseudonym, u.province_code, u.commune_code,
                   u.place_text,
                   (CAST(:outcomes AS text[]))[1 + floor(random() * 1000)::int]
                       AS outcome_raw,
                   (CAST(:topics AS text[]))[1 + floor(random() * 1000)::int]
                       AS pick_topic,
                   random() AS r_answer, random() AS r_text, random() AS r_feedback,
                   random() AS r_misc, random() AS r_conf, random() AS r_latency,
                   random() AS r_suggest, random() AS r_detail,
                   random() AS r_detail2
            FROM bench_session s
            JOIN bench_user u ON u.uid = s.uid
            CROSS JOIN LATERAL generate_series(0, s.n - 1) AS k
            OFFSET 0
        ) r
        JOIN bench_topic t ON t.code = r.pick_topic
    ) o
) c
JOIN bench_text x ON x.key = c.text_key
"""
