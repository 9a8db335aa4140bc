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
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import secrets
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Connection, Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api.__main__ import migrate
from api.community.directory import seed_teams
from api.core.clock import day_start, today_local
from api.core.config import Settings
from api.core.db import make_engine
from api.knowledge.models import KnowledgeEntry
from api.knowledge.seeding import load_taxonomy, seed_knowledge
from api.main import create_app
from api.places.seeding import places_seed_path, seed_places
from api.querylog.rollup import refresh
from api.querylog.wording import message_words
from api.staff.models import Role, StaffUser
from api.staff.security import hash_password
from api.staff.service import token_for
from tools.bench import _machine, _percentile
from tools.model import ROOT

BENCH = ROOT / "bench"
OUTPUT = BENCH / "analytics.json"
README = BENCH / "README.md"
README_START = "<!-- analytics-bench:start (written by tools/bench_analytics.py) -->"
README_END = "<!-- analytics-bench:end -->"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGET_MS = 300.0
DAYS = 365
SEEDS = ROOT / "seeds"
T = TypeVar("T")

# --- what the generated year looks like ------------------------------------------

CHANNEL_WEIGHTS = {"web": 45, "zalo": 40, "telegram": 15}
OUTCOME_WEIGHTS = {
    "answered": 800,
    "unsure": 100,
    "out_of_scope": 60,
    "error": 15,
    "undelivered": 10,
    "rejected": 15,
}
# Topics of answered turns (and of the answer an unsure turn suggests); topics with
# answers in the knowledge base but not listed here weigh DEFAULT_TOPIC_WEIGHT.
TOPIC_WEIGHTS = {
    "vneid_account": 24,
    "public_service_portal": 18,
    "vneid_features": 8,
    "scam_safety": 6,
    "online_payment": 6,
    "application_tracking": 6,
    "digital_signature": 5,
    "digital_skills": 4,
    "cashless_payment": 4,
    "e_health": 3,
    "criminal_record": 3,
    "driving_licence": 3,
    "community_support": 2,
    "smalltalk": 6,
    "citizen_place": 2,
}
DEFAULT_TOPIC_WEIGHT = 2
SMALLTALK, CITIZEN_PLACE = "smalltalk", "citizen_place"
SMALLTALK_INTENTS = ["greet", "greet", "thank", "thank", "goodbye", "help"]
# Vietnam-local hour of day -> relative number of sessions starting in it.
HOUR_WEIGHTS = [
    *(1, 0.5, 0.3, 0.3, 0.5, 1.5, 3, 5, 7, 8, 8, 7),
    *(5, 5, 6, 7, 7, 6, 6, 7, 7, 6, 4, 2),
]
WEEKDAY_FACTORS = [1.0, 1.05, 1.0, 1.0, 0.95, 0.7, 0.55]  # Monday first
SESSION_LENGTHS = {1: 35, 2: 25, 3: 15, 4: 10, 5: 6, 6: 4, 7: 3, 8: 2}
CITIZENS_PER_TURN = 0.03  # 30 000 citizens for 1 000 000 turns
WITH_PLACE = 0.6  # share of citizens (hence of turns) whose place is known
MAIN_PROVINCE = "Hà Tĩnh"  # most citizens with a place live there
MAIN_PROVINCE_SHARE = 0.7
MAIN_WITH_COMMUNE, OTHER_WITH_COMMUNE = 0.88, 0.65
# Other provinces: relative weights (the rest weigh 1).
PROVINCE_WEIGHTS = {"Hà Nội": 5, "Hồ Chí Minh": 5, "Nghệ An": 4, "Quảng Trị": 2}
FEEDBACK_RATE = 0.057  # of answered turns with an answer id: ~5 % of answered turns

QUESTION_PREFIXES = [
    *("", "", "", "Cho mình hỏi ", "Chào bạn, cho em hỏi ", "Ad ơi, ", "Xin hỏi "),
    *("Tôi muốn hỏi ", "Bác hỏi chút: ", "Alo ad, "),
]
QUESTION_SUFFIXES = [
    *("", "", " ạ", " vậy ạ?", " Cảm ơn nhiều.", " Số của tôi là [SĐT]."),
    *(" Mình ở quê không rành lắm.", " Mong được hướng dẫn.", " Gấp ạ!"),
]
UNSURE_TEXTS = [
    "cái ứng dụng này sao vào không được vậy, cứ quay vòng vòng mãi",
    "mình làm theo hướng dẫn rồi mà vẫn không được là sao",
    "sao cứ báo lỗi hoài vậy ad, mình thử mấy lần rồi",
    "làm sổ đỏ online được không ạ, cần giấy tờ gì",
    "đăng ký kết hôn trên mạng thì làm thế nào",
    "cấp lại giấy khai sinh cho con thì lên đâu làm",
    "tôi bị khóa tài khoản ngân hàng phải làm sao bây giờ",
    "đổi số điện thoại trên thẻ căn cước được không",
    "mã OTP không về điện thoại [SĐT] thì làm sao",
    "hồ sơ của tôi bị trả về mà không rõ lý do",
    "làm sao để đưa bằng lái xe vào ứng dụng",
    "nộp thuế đất trên mạng ở đâu vậy",
    "con tôi 15 tuổi có làm định danh được không",
    "tại sao tài khoản mức 2 lại bị hạ xuống mức 1",
    "ứng dụng báo thông tin không trùng khớp là sao",
    "điện thoại cũ quá không cài được app thì làm sao",
    "đăng ký thường trú cho con mới sinh như thế nào",
    "quên email đăng ký tài khoản thì lấy lại thế nào",
    "làm hộ chiếu trên mạng mất bao lâu thì có",
    "xác thực khuôn mặt mãi không được phải làm sao",
    "tôi có hai số điện thoại thì dùng số nào",
    "nhận lương hưu qua tài khoản có mất phí không",
    "bị trừ tiền trong tài khoản mà không biết vì sao",
    "giấy tờ bản gốc có cần mang lên xã nữa không",
]
OUT_OF_SCOPE_TEXTS = [
    "thời tiết Hà Tĩnh ngày mai thế nào, có mưa không",
    "giá vàng hôm nay bao nhiêu một chỉ vậy",
    "kết quả xổ số miền Bắc hôm qua là bao nhiêu",
    "cho tôi xin số điện thoại của chủ tịch xã",
    "bạn có biết nấu canh chua cá lóc không",
    "tư vấn giúp tôi nên mua xe máy loại nào tốt",
    "lịch cắt điện tuần này ở phường mình",
    "tỷ số trận bóng đá tối qua thế nào",
    "mua bảo hiểm xe máy ở đâu thì rẻ",
    "cách chữa đau lưng cho người già",
    "viết giúp tôi lá đơn xin nghỉ phép",
    "giá lúa hôm nay bao nhiêu một cân",
]
SMALLTALK_TEXTS = [
    *("xin chào", "chào bạn nhé", "cảm ơn bạn nhiều", "ok cảm ơn ad"),
    *("bạn là người hay máy vậy", "tạm biệt nhé", "bạn giúp được gì cho tôi"),
    *("chào buổi sáng", "hay quá, cảm ơn trợ lý"),
]
# What citizens add to a question the assistant cannot answer: with these (and their
# place), most unanswered messages differ, as they do in real life, so the inbox
# groups a long tail of messages, not a few dozen texts.
UNANSWERED_DETAILS = [
    *("từ hôm qua đến giờ", "từ sáng tới giờ vẫn vậy", "trên điện thoại Samsung"),
    *("trên máy iPhone cũ", "mà con tôi đi làm xa", "bà nhà tôi 70 tuổi rồi"),
    *("hôm trước cán bộ xã có hướng dẫn", "làm 3 lần rồi", "số [SĐT] của tôi"),
    *("lúc 9 giờ tối", "gấp lắm ạ", "cho mẹ tôi", "cho bố tôi", "ở chỗ làm"),
    *("bên ngân hàng nói vậy", "tôi đã cài lại app", "mạng 4G yếu lắm"),
    *("bị báo sai mật khẩu", "không nhận được tin nhắn", "máy báo hết bộ nhớ"),
    *("con cháu không có nhà", "tôi không biết chữ nhiều", "đi làm ăn xa quê"),
    *("đã lên xã hỏi nhưng chưa được", "cán bộ bảo lên mạng làm", "mới đổi sim"),
    *("thẻ cũ hết hạn rồi", "mắt kém nhìn không rõ", "tuần sau phải nộp"),
]
RATE_LIMITED_TEXTS = [
    *("alo", "trả lời đi", "sao không trả lời", "???", "alo alo có ai không"),
    *("nhanh lên giúp mình", "ủa"),
]
CANNED_REPLIES = {
    "~smalltalk": (
        "Chào Anh/Chị! Tôi là Trợ lý Bình dân học vụ số. Tôi có thể hướng dẫn Anh/Chị "
        "dùng ứng dụng VNeID, Cổng Dịch vụ công quốc gia, chữ ký số, thanh toán trực "
        "tuyến và cách phòng tránh lừa đảo trên mạng. Anh/Chị cần hỏi gì ạ?"
    ),
    "~place": (
        "Cảm ơn Anh/Chị, tôi đã ghi nhận địa bàn. Khi cần hỗ trợ trực tiếp, Anh/Chị có "
        "thể đến Tổ công nghệ số cộng đồng hoặc bộ phận một cửa của xã/phường mình."
    ),
    "~unsure": (
        "Xin lỗi, tôi chưa chắc đã hiểu đúng câu hỏi của Anh/Chị. Anh/Chị có thể hỏi "
        "lại ngắn gọn hơn, hoặc chọn một chủ đề: Tài khoản VNeID; Dịch vụ công trực "
        "tuyến; Chữ ký số; Thanh toán trực tuyến; Phòng tránh lừa đảo. Nếu cần người "
        "hỗ trợ, Anh/Chị nhắn 'gặp cán bộ'."
    ),
    "~out_of_scope": (
        "Câu hỏi này nằm ngoài phạm vi hỗ trợ của tôi. Tôi hướng dẫn về kỹ năng số và "
        "dịch vụ công trực tuyến: tài khoản định danh điện tử VNeID, Cổng Dịch vụ công "
        "quốc gia, chữ ký số, thanh toán không dùng tiền mặt và an toàn trên mạng."
    ),
    "~photo": "Hiện tôi chỉ đọc được tin nhắn chữ. Anh/Chị vui lòng gõ câu hỏi ạ.",
    "~sticker": "Hiện tôi chỉ đọc được tin nhắn chữ. Anh/Chị vui lòng gõ câu hỏi ạ.",
    "~voice": "Hiện tôi chỉ đọc được tin nhắn chữ. Anh/Chị vui lòng gõ câu hỏi ạ.",
    "~rate_limited": "Anh/Chị nhắn hơi nhanh, vui lòng đợi một phút rồi hỏi tiếp ạ.",
    "~too_long": "Tin nhắn dài quá 2000 ký tự. Anh/Chị vui lòng hỏi ngắn gọn hơn ạ.",
}
ERROR_REPLY = (
    "Xin lỗi, hệ thống đang bận. Anh/Chị vui lòng thử lại sau ít phút; nếu cần gấp, "
    "hãy liên hệ bộ phận một cửa của xã/phường."
)
TOO_LONG_TEXT = (
    "Tôi muốn trình bày hoàn cảnh gia đình và hỏi về thủ tục hành chính trên mạng. "
    * 26
)[:2000] + " …"

# --- the generation, in SQL ------------------------------------------------------

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

# --- the community teams' year, in SQL -------------------------------------------

TICKETS_PER_TURN = 0.004  # ~4 000 hand-off tickets for 1 000 000 turns
DECLINED_PER_TICKET = 0.1  # offers the citizen declined, per ticket opened
# How much likelier a turn is to be followed by an offer of a person (the reason
# then), by what happened in it: the citizen asked for one (any turn), was not
# understood (twice, in the application), rated answers unhelpful.
HANDOFF_WEIGHTS = {"requested": 1.0, "not_understood": 4.0, "unhelpful": 12.0}
RESOLUTION_WEIGHTS = {
    "guided_remotely": 45,
    "met_in_person": 25,
    "referred": 12,
    "no_response": 10,
    "not_needed": 8,
}
ESCALATED_SHARE = 0.05  # tickets claimed after their claim window (or never)
HELPER_SESSIONS_PER_TURN = 0.003  # ~3 000 residents assisted for 1 000 000 turns
MEMBERS = 20  # bench-member-1 ... bench-member-20, by commune
GROUP_WEIGHTS = {
    "elderly": 35,
    "farmer": 20,
    "worker": 15,
    "student": 8,
    "household_biz": 8,
    "ethnic_minority": 4,
    "other": 10,
}
OTHER_TASK_SHARE = 0.2  # helper sessions whose task was not a guided procedure
NOTICES = 24  # over the year, two a month
SUBSCRIBED_SHARE = 0.05  # of the citizens on Telegram and Zalo
ADMIN = "bench-admin"
# The daily tables, vacuumed and analyzed after their first build (as autovacuum
# does within a minute of it on a live server).
ROLLUP_TABLES = (
    "querylog_daily",
    "querylog_citizen_day",
    "querylog_rollup",
    "querylog_citizen_gap",
)
COMMUNITY_TABLES = (
    "handoff_ticket",
    "handoff_message",
    "helper_session",
    "notice_subscription",
    "notice",
    "notice_delivery",
)

DESCRIPTION_TEXTS = [
    "Tôi chưa kích hoạt được tài khoản VNeID mức 2, không nhận được mã kích hoạt về "
    "số [SĐT].",
    "Nhờ Tổ hướng dẫn giúp tôi nộp hồ sơ đăng ký khai sinh cho con trên Cổng Dịch vụ "
    "công.",
    "Bà tôi 78 tuổi, không biết dùng điện thoại thông minh, cần người đến hướng dẫn "
    "cài VNeID.",
    "Tôi bị trừ tiền trong tài khoản ngân hàng sau khi bấm vào một đường link lạ, giờ "
    "phải làm sao.",
    "Hồ sơ cấp phiếu lý lịch tư pháp của tôi bị trả về, không rõ phải bổ sung giấy tờ "
    "gì.",
    "Xác thực khuôn mặt trên VNeID mãi không được, máy báo thông tin không trùng khớp.",
    "Mình muốn đăng ký chữ ký số để nộp thuế hộ kinh doanh nhưng không biết bắt đầu "
    "từ đâu.",
    "Quên mật khẩu VNeID, số điện thoại cũ [SĐT] không còn dùng nữa.",
    "Cần hỗ trợ thanh toán tiền điện, tiền nước qua ứng dụng ngân hàng cho bố mẹ.",
    "Nộp hồ sơ đổi giấy phép lái xe trên mạng bị lỗi ở bước thanh toán lệ phí.",
]
TEAM_REPLY_TEXTS = [
    "Chào Anh/Chị, Tổ đã nhận yêu cầu. Anh/Chị cho biết đang dùng điện thoại loại nào "
    "để Tổ hướng dẫn cho đúng ạ.",
    "Anh/Chị mở ứng dụng VNeID, chọn “Quên mật khẩu” và làm theo các bước; nếu vẫn "
    "không được, mời Anh/Chị ghé Bộ phận một cửa UBND xã trong giờ hành chính.",
    "Tổ đã kiểm tra: hồ sơ cần bổ sung bản chụp giấy chứng sinh. Anh/Chị chụp rõ nét "
    "rồi tải lên lại ở mục “Hồ sơ của tôi”.",
    "Chiều thứ Năm thành viên của Tổ có mặt tại nhà văn hóa thôn từ 14 giờ, Anh/Chị "
    "mang theo căn cước và điện thoại đến để được hỗ trợ trực tiếp ạ.",
    "Anh/Chị tuyệt đối không cung cấp mã OTP cho bất kỳ ai. Tổ đã chuyển thông tin "
    "sang Công an xã để hướng dẫn tiếp.",
    "Tổ đã gọi theo số [SĐT] nhưng chưa liên lạc được, Anh/Chị nhắn lại giờ thuận "
    "tiện giúp Tổ nhé.",
    "Việc này đã xong chưa ạ? Nếu cần thêm hỗ trợ Anh/Chị cứ nhắn lại cho Tổ.",
]
NOTICE_TEXTS = [
    "Cảnh báo: xuất hiện tin nhắn giả mạo cơ quan thuế yêu cầu cài ứng dụng lạ để "
    "“cập nhật mã số thuế”. Không bấm vào đường link, không cung cấp mã OTP.",
    "Từ tháng sau, một số thủ tục chỉ tiếp nhận hồ sơ trực tuyến trên Cổng Dịch vụ "
    "công quốc gia. Tổ công nghệ số cộng đồng ở xã, phường sẵn sàng hỗ trợ bà con.",
    "Cuối tuần này, các Tổ công nghệ số cộng đồng hỗ trợ kích hoạt tài khoản VNeID mức "
    "2 tại nhà văn hóa thôn, tổ dân phố. Bà con mang theo căn cước và điện thoại.",
    "Cảnh giác với cuộc gọi tự xưng công an yêu cầu chuyển tiền để “xác minh” tài "
    "khoản. Công an không làm việc qua điện thoại hay mạng xã hội.",
    "Bà con có thể thanh toán tiền điện, tiền nước, học phí không dùng tiền mặt qua "
    "ứng dụng ngân hàng; nhắn “thanh toán trực tuyến” cho trợ lý để xem hướng dẫn.",
    "Dịp nghỉ lễ, Bộ phận một cửa nghỉ từ thứ Sáu đến Chủ nhật; hồ sơ trực tuyến vẫn "
    "được tiếp nhận bình thường.",
    "Hệ thống định danh điện tử bảo trì từ 22 giờ đến 24 giờ tối thứ Bảy; bà con vui "
    "lòng thực hiện thủ tục vào thời gian khác.",
    "Tháng cao điểm “Bình dân học vụ số”: mỗi hộ gia đình có ít nhất một người biết "
    "dùng dịch vụ công trực tuyến.",
]

# The member of a commune's team (claims its tickets, records its helper sessions).
MEMBER_OF = "'bench-member-' || (1 + mod(abs(hashtext({})::bigint), :members))"
CREATE_TEAMS = """
CREATE TEMP TABLE bench_team AS
SELECT c.code AS commune_code, min(t.id) AS team_id
FROM community_team t
CROSS JOIN LATERAL json_array_elements_text(CAST(t.communes AS json)) AS c(code)
GROUP BY 1
"""
# picked: turns followed by an offer (weighted sampling without replacement: the
# smallest -ln(u)/w), opened ones of citizens with a commune (the application asks
# for it before opening), declined ones of any citizen (no place on an offer);
# drawn: the random durations (seconds) of each step; timed: when each step happened
# (in the future: not yet); staged: the status as of now.
INSERT_TICKETS = f"""
INSERT INTO handoff_ticket (
    channel, user_pseudonym, status, reason, province_code, commune_code, team_id,
    description, offered_at, opened_at, claim_due_at, escalated_at, claimed_by,
    claimed_at, first_reply_at, closed_at, resolution, closed_by)
WITH picked AS (
    (SELECT created_at, channel, user_pseudonym, province_code, commune_code,
            outcome, feedback, true AS opened
     FROM querylog_turn
     WHERE commune_code IS NOT NULL AND outcome NOT IN ('rejected', 'error')
     ORDER BY -ln(1 - random()) / CASE
         WHEN feedback = 'not_helpful' THEN :w_unhelpful
         WHEN outcome IN ('unsure', 'out_of_scope') THEN :w_not_understood
         ELSE :w_requested END
     LIMIT :tickets)
    UNION ALL
    (SELECT created_at, channel, user_pseudonym, NULL, NULL, outcome, feedback, false
     FROM querylog_turn
     WHERE outcome NOT IN ('rejected', 'error')
     ORDER BY -ln(1 - random()) / CASE
         WHEN feedback = 'not_helpful' THEN :w_unhelpful
         WHEN outcome IN ('unsure', 'out_of_scope') THEN :w_not_understood
         ELSE :w_requested END
     LIMIT :declined)
), drawn AS (
    SELECT p.*,
           LEAST(p.created_at + interval '5 seconds', CAST(:now AS timestamptz))
               AS offered_at,
           60 + 240 * random() AS open_s,
           60 * (5 + :claim_scale * power(random(), 4)) AS claim_s,
           60 * (1 + 29 * random()) AS reply_s,
           60 * (10 + 4300 * power(random(), 3)) AS close_s,
           600 * random() AS escalate_s,
           random() AS r_text, random() AS r_resolution
    FROM picked p
    OFFSET 0
), timed AS (
    SELECT d.*,
           d.offered_at + d.open_s * interval '1 second' AS opened_at_,
           d.offered_at + (d.open_s + d.claim_s) * interval '1 second' AS claimed_at_,
           d.offered_at + (d.open_s + d.claim_s + d.reply_s) * interval '1 second'
               AS first_reply_at_,
           d.offered_at + (d.open_s + d.claim_s + d.reply_s + d.close_s)
               * interval '1 second' AS closed_at_,
           d.offered_at + d.open_s * interval '1 second'
               + :claim_hours * interval '1 hour' AS claim_due_at_,
           d.offered_at + d.open_s * interval '1 second'
               + :claim_hours * interval '1 hour'
               + d.escalate_s * interval '1 second' AS escalated_at_,
           {MEMBER_OF.format("d.commune_code")} AS member
    FROM drawn d
), staged AS (
    SELECT t.*, CASE WHEN NOT t.opened THEN 'declined'
                     WHEN t.claimed_at_ > :now THEN 'open'
                     WHEN t.closed_at_ > :now THEN 'claimed'
                     ELSE 'closed' END AS status
    FROM timed t
)
SELECT s.channel, s.user_pseudonym, s.status,
       CASE WHEN s.feedback = 'not_helpful' THEN 'unhelpful'
            WHEN s.outcome IN ('unsure', 'out_of_scope') THEN 'not_understood'
            ELSE 'requested' END,
       s.province_code, s.commune_code, m.team_id,
       CASE WHEN s.opened THEN (CAST(:descriptions AS text[]))[
            1 + floor(s.r_text * :description_count)::int] END,
       s.offered_at,
       CASE WHEN s.opened THEN s.opened_at_ END,
       CASE WHEN s.opened THEN s.claim_due_at_ END,
       CASE WHEN s.opened AND s.escalated_at_ <= :now
                 AND (s.status = 'open' OR s.claimed_at_ > s.escalated_at_)
            THEN s.escalated_at_ END,
       CASE WHEN s.status IN ('claimed', 'closed') THEN s.member END,
       CASE WHEN s.status IN ('claimed', 'closed') THEN s.claimed_at_ END,
       CASE WHEN s.status IN ('claimed', 'closed') AND s.first_reply_at_ <= :now
            THEN s.first_reply_at_ END,
       CASE WHEN s.status = 'closed' THEN s.closed_at_ END,
       CASE WHEN s.status = 'closed' THEN (CAST(:resolutions AS text[]))[
            1 + floor(s.r_resolution * 1000)::int] END,
       CASE WHEN s.status = 'closed' THEN s.member END
FROM staged s
LEFT JOIN bench_team m ON m.commune_code = s.commune_code
ORDER BY s.offered_at
"""
# The citizen's description when the ticket opened, then 1-3 team replies from the
# first reply on, spread until the closing (or now).
INSERT_TICKET_MESSAGES = """
INSERT INTO handoff_message (ticket_id, created_at, author, text_masked, delivery)
SELECT t.id,
       CASE WHEN k = 0 THEN t.opened_at
            ELSE t.first_reply_at + (coalesce(t.closed_at, CAST(:now AS timestamptz))
                                     - t.first_reply_at) * ((k - 1)::float / n.replies)
            END,
       CASE WHEN k = 0 THEN 'citizen' ELSE t.claimed_by END,
       CASE WHEN k = 0 THEN t.description
            ELSE (CAST(:replies AS text[]))[1 + floor(random() * :reply_count)::int]
            END,
       'sent'
FROM handoff_ticket t
CROSS JOIN LATERAL (
    SELECT CASE WHEN t.first_reply_at IS NULL THEN 0
                ELSE 1 + floor(random() * 3)::int END AS replies) n
CROSS JOIN LATERAL generate_series(0, n.replies) AS k
WHERE t.opened_at IS NOT NULL
ORDER BY t.id, k
"""
# Residents assisted in the main province's communes (the busiest most), at the
# starts of citizens' sessions in office hours (so with the same growth and weekly
# pattern), for 5-45 minutes.
INSERT_HELPER_SESSIONS = f"""
INSERT INTO helper_session (
    staff_username, channel, user_pseudonym, status, "group", province_code,
    commune_code, task, started_at, ended_at)
SELECT x.member, CASE WHEN x.member ~ '[02468]$' THEN 'zalo' ELSE 'telegram' END,
       substr(md5(x.member), 1, 32), 'done',
       (CAST(:groups AS text[]))[1 + floor(x.r_group * 1000)::int], :main, x.commune,
       CASE WHEN x.r_task < :other_share OR x.guides IS NULL THEN 'other'
            ELSE x.guides[1 + floor(power(x.r_guide, 1.5) * cardinality(x.guides))::int]
            END,
       x.started, LEAST(x.started + (5 + 40 * x.r_minutes) * interval '1 minute',
                        CAST(:now AS timestamptz))
FROM (
    SELECT y.*, {MEMBER_OF.format("y.commune")} AS member
    FROM (
        SELECT s.started,
               c.codes[1 + floor(power(random(), 1.6) * cardinality(c.codes))::int]
                   AS commune,
               g.guides, random() AS r_group, random() AS r_task, random() AS r_guide,
               random() AS r_minutes
        FROM (SELECT started FROM bench_session
              WHERE extract(hour FROM started AT TIME ZONE 'Asia/Ho_Chi_Minh')
                    BETWEEN 7 AND 16
              ORDER BY random() LIMIT :sessions) s
        CROSS JOIN (SELECT codes FROM bench_commune WHERE province_code = :main) c
        CROSS JOIN (SELECT array_agg(id ORDER BY id) AS guides FROM knowledge_entry
                    WHERE json_array_length(CAST(steps AS json)) > 0) g
        OFFSET 0
    ) y
) x
ORDER BY x.started
"""
# Citizens on Telegram and Zalo who typed "nhận thông báo", some days after they
# first wrote.
INSERT_SUBSCRIPTIONS = """
INSERT INTO notice_subscription (channel, user_pseudonym, subscribed_at)
SELECT u.channel, u.pseudonym,
       LEAST(f.first + random() * interval '20 days', CAST(:now AS timestamptz))
FROM bench_user u
JOIN (SELECT uid, min(started) AS first FROM bench_session GROUP BY uid) f
    ON f.uid = u.uid
WHERE u.channel IN ('telegram', 'zalo') AND random() < :share
"""
# Every third notice to every subscriber, the others to the main province's.
INSERT_NOTICES = """
INSERT INTO notice (text, province_code, created_by, created_at, recipients, sent,
                    failed, skipped)
SELECT (CAST(:texts AS text[]))[1 + (k - 1) % :text_count],
       CASE WHEN k % 3 <> 0 THEN CAST(:main AS varchar) END,
       :admin,
       CAST(:now AS timestamptz) - (:count - k + 0.2 + 0.6 * random())
           * (:days / CAST(:count AS float)) * interval '1 day',
       0, 0, 0, 0
FROM generate_series(1, :count) AS k
ORDER BY k
"""
# Every subscriber of the notice's area when it was sent: Zalo's followers outside
# the 48-hour window skipped, a few failures and opt-outs.
INSERT_NOTICE_DELIVERIES = """
INSERT INTO notice_delivery (notice_id, channel, user_pseudonym, status)
SELECT x.id, x.channel, x.user_pseudonym,
       CASE WHEN x.r < 0.01 THEN 'skipped:opted_out'
            WHEN x.channel = 'zalo' AND x.r < 0.36 THEN 'skipped:outside_window'
            WHEN x.channel = 'zalo' AND x.r < 0.38 THEN 'failed:outside_window'
            WHEN x.channel = 'telegram' AND x.r < 0.04
                THEN 'failed:403 bot blocked by the user'
            ELSE 'sent' END
FROM (
    SELECT n.id, s.channel, s.user_pseudonym, random() AS r
    FROM notice n
    JOIN notice_subscription s ON s.subscribed_at < n.created_at
    JOIN bench_user u ON u.channel = s.channel AND u.pseudonym = s.user_pseudonym
    WHERE n.province_code IS NULL OR u.province_code = n.province_code
    OFFSET 0
) x
"""
UPDATE_NOTICE_COUNTS = [
    """
    UPDATE notice n SET recipients = d.total, sent = d.sent, failed = d.failed,
                        skipped = d.skipped
    FROM (SELECT notice_id, count(*) AS total,
                 count(*) FILTER (WHERE status = 'sent') AS sent,
                 count(*) FILTER (WHERE status LIKE 'failed:%') AS failed,
                 count(*) FILTER (WHERE status LIKE 'skipped:%') AS skipped
          FROM notice_delivery GROUP BY notice_id) d
    WHERE d.notice_id = n.id
    """,
    # Sent one by one, about 0.2 s each (the send interval and the channel's answer).
    "UPDATE notice SET finished_at = created_at + (2 + 0.2 * recipients) "
    "* interval '1 second'",
]


@dataclass(frozen=True)
class DayPlan:
    """Turns of one Vietnam-local day and how they are drawn."""

    d: int
    start_utc: datetime
    turns: int
    sessions: int
    users_joined: int
    today: bool
    span_seconds: float


def _pool(weights: Mapping[T, float], size: int = 1000) -> list[T]:
    """``size`` keys, each repeated in proportion to its weight (an array to draw
    from with one random index)."""
    total = sum(weights.values())
    exact = {k: w / total * size for k, w in weights.items() if w > 0}
    counts = {k: max(1, math.floor(v)) for k, v in exact.items()}
    by_remainder = sorted(exact, key=lambda k: exact[k] - math.floor(exact[k]))
    while sum(counts.values()) < size:
        counts[by_remainder.pop()] += 1
    while sum(counts.values()) > size:
        biggest = max(counts, key=lambda k: counts[k])
        counts[biggest] -= 1
    return [k for k, n in counts.items() for _ in range(n)]


def _allocate(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders)."""
    exact = [w / sum(weights) * total for w in weights]
    counts = [math.floor(v) for v in exact]
    order = sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def plan_days(
    turns: int, citizens: int, now: datetime, rng: random.Random
) -> list[DayPlan]:
    """The last :data:`DAYS` days up to today: growth over the year, a weekly pattern,
    day-to-day noise, four campaign days; today only as far as ``now``."""
    today = today_local(now)
    days = [today - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    weights = []
    for i, day in enumerate(days):
        growth = 0.35 + 0.65 * (i / (DAYS - 1)) ** 1.3
        noise = min(1.3, max(0.7, rng.gauss(1, 0.08)))
        weights.append(growth * WEEKDAY_FACTORS[day.weekday()] * noise)
    for i in rng.sample(range(30, DAYS - 7), 4):
        weights[i] *= 1.8
        weights[i + 1] *= 1.3
    elapsed = (now - day_start(today)).total_seconds()
    hour = int(elapsed // 3600)
    share = (
        sum(HOUR_WEIGHTS[:hour]) + HOUR_WEIGHTS[hour] * (elapsed % 3600) / 3600
    ) / (sum(HOUR_WEIGHTS))
    weights[-1] *= share
    counts = _allocate(turns, weights)
    mean_session = sum(k * w for k, w in SESSION_LENGTHS.items()) / sum(
        SESSION_LENGTHS.values()
    )
    plans, cumulative = [], 0
    for i, (day, n) in enumerate(zip(days, counts, strict=True)):
        cumulative += n
        joined = round(citizens * (0.05 + 0.95 * cumulative / max(turns, 1)))
        plans.append(
            DayPlan(
                d=i,
                start_utc=day_start(day),
                turns=n,
                sessions=math.ceil(n / mean_session * 1.15) + 5 if n else 0,
                users_joined=max(1, min(citizens, joined)),
                today=day == today,
                span_seconds=max(0.0, elapsed - 600),
            )
        )
    return plans


def _without_accents(value: str) -> str:
    """How many citizens type: lower case, no diacritics ("đ" -> "d")."""
    decomposed = unicodedata.normalize("NFD", value.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _variants(base: str, rng: random.Random, count: int) -> list[str]:
    """Ways citizens ask ``base``: greetings, politeness, a masked phone number,
    often without diacritics."""
    out = []
    for _ in range(count):
        prefix = rng.choice(QUESTION_PREFIXES)
        body = base[0].lower() + base[1:] if prefix else base
        value = prefix + body + rng.choice(QUESTION_SUFFIXES)
        if rng.random() < 0.35:
            value = _without_accents(value).replace("[sdt]", "[SĐT]")
        out.append(value)
    return list(dict.fromkeys(out))


def _text_rows(connection: Connection, rng: random.Random) -> list[dict[str, Any]]:
    """Masked questions and replies per answer id, and for the turns without one."""
    rows = []
    entries = connection.execute(
        select(
            KnowledgeEntry.id,
            KnowledgeEntry.question,
            KnowledgeEntry.answer,
            KnowledgeEntry.steps,
            KnowledgeEntry.source_ref,
            KnowledgeEntry.source_url,
            KnowledgeEntry.related,
        ).order_by(KnowledgeEntry.id)
    ).all()
    questions = {e.id: e.question for e in entries}
    for entry in entries:
        steps = "".join(f"\n{n}. {s}" for n, s in enumerate(entry.steps, start=1))
        source = entry.source_ref or "Nguồn chính thức"
        # Messaging channels show the related questions' buttons as a list.
        related = "".join(
            f"\n- {questions[r]}" for r in entry.related[:3] if r in questions
        )
        reply = (
            f"{entry.answer}{steps}\n\nNguồn: {source} – {entry.source_url}"
            + (f"\n\nAnh/Chị có thể hỏi thêm:{related}" if related else "")
            + "\n\nThông tin này có hữu ích với Anh/Chị không?"
        )
        rows.append(
            {
                "key": entry.id,
                "texts": _variants(entry.question, rng, 8),
                "reply": reply,
                "p_not_helpful": rng.uniform(0.1, 0.5),
            }
        )
    pools = {
        "~smalltalk": SMALLTALK_TEXTS,
        "~place": ["(the citizen's place)"],
        "~unsure": [v for t in UNSURE_TEXTS for v in _variants(t, rng, 3)],
        "~out_of_scope": [v for t in OUT_OF_SCOPE_TEXTS for v in _variants(t, rng, 2)],
        "~photo": ["[photo]"],
        "~sticker": ["[sticker]"],
        "~voice": ["[voice]"],
        "~rate_limited": RATE_LIMITED_TEXTS,
        "~too_long": [TOO_LONG_TEXT],
    }
    for key, texts in pools.items():
        rows.append(
            {
                "key": key,
                "texts": texts,
                "reply": CANNED_REPLIES[key],
                "p_not_helpful": None,
            }
        )
    return rows


def _province_pool(connection: Connection, main: str) -> list[str]:
    weights: dict[str, float] = {}
    for code, name in connection.execute(text("SELECT code, name FROM place_province")):
        if code != main:
            weights[code] = PROVINCE_WEIGHTS.get(name, 1)
    return _pool(weights)


def _topic_weights(connection: Connection) -> dict[str, float]:
    """Weights of the topics answered turns are drawn from: every topic with answers,
    and small talk and the citizen's place (answered without an answer id)."""
    taxonomy = load_taxonomy(SEEDS)
    with_answers = {
        row[0]
        for row in connection.execute(
            text("SELECT DISTINCT topic FROM knowledge_entry")
        )
    }
    weights: dict[str, float] = {}
    for topic in taxonomy.topics:
        if topic.code in with_answers:
            weights[topic.code] = TOPIC_WEIGHTS.get(topic.code, DEFAULT_TOPIC_WEIGHT)
        elif topic.code in (SMALLTALK, CITIZEN_PLACE):
            weights[topic.code] = TOPIC_WEIGHTS[topic.code]
    return weights


@contextmanager
def _timer(into: dict[str, float], key: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    into[key] = round(time.perf_counter() - started, 2)


def generate(
    engine: Engine, turns: int, citizens: int, seed: int, now: datetime
) -> dict[str, Any]:
    """Fills ``querylog_turn`` with ``turns`` turns; returns the timings (seconds)."""
    rng = random.Random(seed)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with engine.connect() as connection:
        connection.execute(text("SET synchronous_commit = off"))
        connection.execute(text("SET maintenance_work_mem = '256MB'"))
        connection.execute(text("SELECT setseed(:s)"), {"s": rng.uniform(-1, 1)})
        main = connection.scalar(
            text("SELECT code FROM place_province WHERE name = :n"),
            {"n": MAIN_PROVINCE},
        )
        with _timer(timings, "lookup_tables_seconds"):
            connection.execute(text(CREATE_DAYS))
            connection.execute(
                text(INSERT_DAY),
                [asdict(p) for p in plan_days(turns, citizens, now, rng)],
            )
            connection.execute(
                text(CREATE_USERS),
                {"channels": _pool(CHANNEL_WEIGHTS), "users": citizens},
            )
            connection.execute(
                text(SET_USER_PROVINCES),
                {
                    "with_place": WITH_PLACE,
                    "main_share": MAIN_PROVINCE_SHARE,
                    "main": main,
                    "others": _province_pool(connection, main),
                },
            )
            connection.execute(text(CREATE_COMMUNES))
            connection.execute(
                text(SET_USER_COMMUNES),
                {
                    "main": main,
                    "main_with_commune": MAIN_WITH_COMMUNE,
                    "other_with_commune": OTHER_WITH_COMMUNE,
                },
            )
            for statement in SET_USER_PLACE_TEXTS:
                connection.execute(text(statement))
            connection.execute(text("CREATE INDEX ON bench_user (uid)"))
            connection.execute(
                text(CREATE_SESSIONS),
                {
                    "hours": _pool(dict(enumerate(HOUR_WEIGHTS))),
                    "lengths": _pool(SESSION_LENGTHS),
                },
            )
            topic_weights = _topic_weights(connection)
            connection.execute(text(CREATE_TOPICS), {"codes": list(topic_weights)})
            connection.execute(text(CREATE_TEXTS))
            connection.execute(text(INSERT_TEXT), _text_rows(connection, rng))
            connection.execute(text("ANALYZE bench_user"))
            connection.execute(text("ANALYZE bench_session"))
        indexes = [
            (name, definition)
            for name, definition in connection.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes "
                    "WHERE tablename = 'querylog_turn' AND indexname NOT LIKE 'pk_%'"
                )
            )
        ]
        for name, _ in indexes:
            connection.execute(text(f'DROP INDEX "{name}"'))
        with _timer(timings, "insert_seconds"):
            inserted = connection.execute(
                text(INSERT_TURNS),
                {
                    "error_reply": ERROR_REPLY,
                    "feedback_rate": FEEDBACK_RATE,
                    "smalltalk_intents": SMALLTALK_INTENTS,
                    "smalltalk_count": len(SMALLTALK_INTENTS),
                    "details": UNANSWERED_DETAILS,
                    "detail_count": len(UNANSWERED_DETAILS),
                    "now": now,
                    "outcomes": _pool(OUTCOME_WEIGHTS),
                    "topics": _pool(topic_weights),
                },
            ).rowcount
        with _timer(timings, "community_seconds"):
            community = _generate_community(connection, turns, main, now)
        with _timer(timings, "words_seconds"):
            _fill_words(connection)
        connection.commit()
    # The update left a dead copy of every row: rewrite the table (no indexes yet).
    rewrite = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    with _timer(timings, "rewrite_seconds"), rewrite as c:
        c.execute(text("VACUUM FULL querylog_turn"))
    with engine.connect() as connection:
        with _timer(timings, "index_seconds"):
            for _, definition in indexes:
                connection.execute(text(definition))
        connection.commit()
    with _timer(timings, "vacuum_analyze_seconds"):
        _vacuum_analyze(engine)
    timings["total_seconds"] = round(time.perf_counter() - started, 2)
    timings["turns_inserted"] = inserted
    return {**timings, **community}


def _generate_community(
    connection: Connection, turns: int, main: str, now: datetime
) -> dict[str, int]:
    """The community teams' year, after the turns (of the citizens of
    ``bench_user``): hand-off tickets and offers, their threads, helper sessions,
    subscriptions, notices and their deliveries. Returns the rows inserted."""
    tickets = round(turns * TICKETS_PER_TURN)
    claim_hours = Settings.model_fields["handoff_claim_hours"].default
    connection.execute(text(CREATE_TEAMS))
    inserted = {}
    inserted["tickets_inserted"] = connection.execute(
        text(INSERT_TICKETS),
        {
            "tickets": tickets,
            "declined": round(tickets * DECLINED_PER_TICKET),
            "w_requested": HANDOFF_WEIGHTS["requested"],
            "w_not_understood": HANDOFF_WEIGHTS["not_understood"],
            "w_unhelpful": HANDOFF_WEIGHTS["unhelpful"],
            # Minutes to the claim: 5 + claim_scale * u^4, over the claim window
            # (escalated) for ESCALATED_SHARE of the tickets.
            "claim_scale": (claim_hours * 60 - 5) / (1 - ESCALATED_SHARE) ** 4,
            "claim_hours": claim_hours,
            "members": MEMBERS,
            "descriptions": DESCRIPTION_TEXTS,
            "description_count": len(DESCRIPTION_TEXTS),
            "resolutions": _pool(RESOLUTION_WEIGHTS),
            "now": now,
        },
    ).rowcount
    inserted["ticket_messages_inserted"] = connection.execute(
        text(INSERT_TICKET_MESSAGES),
        {
            "replies": TEAM_REPLY_TEXTS,
            "reply_count": len(TEAM_REPLY_TEXTS),
            "now": now,
        },
    ).rowcount
    inserted["helper_sessions_inserted"] = connection.execute(
        text(INSERT_HELPER_SESSIONS),
        {
            "sessions": round(turns * HELPER_SESSIONS_PER_TURN),
            "groups": _pool(GROUP_WEIGHTS),
            "other_share": OTHER_TASK_SHARE,
            "members": MEMBERS,
            "main": main,
            "now": now,
        },
    ).rowcount
    inserted["subscriptions_inserted"] = connection.execute(
        text(INSERT_SUBSCRIPTIONS), {"share": SUBSCRIBED_SHARE, "now": now}
    ).rowcount
    inserted["notices_inserted"] = connection.execute(
        text(INSERT_NOTICES),
        {
            "texts": NOTICE_TEXTS,
            "text_count": len(NOTICE_TEXTS),
            "main": main,
            "admin": ADMIN,
            "now": now,
            "count": NOTICES,
            "days": DAYS,
        },
    ).rowcount
    inserted["notice_deliveries_inserted"] = connection.execute(
        text(INSERT_NOTICE_DELIVERIES)
    ).rowcount
    for statement in UPDATE_NOTICE_COUNTS:
        connection.execute(text(statement))
    return inserted


def _fill_words(connection: Connection) -> None:
    """``text_words`` of every generated turn, as the application computes it when it
    logs a turn (api.querylog.wording), once per distinct text."""
    texts = connection.scalars(
        text("SELECT DISTINCT text_masked FROM querylog_turn")
    ).all()
    connection.execute(
        text("CREATE TEMP TABLE bench_words (text text PRIMARY KEY, words text)")
    )
    connection.execute(
        text("INSERT INTO bench_words VALUES (:text, :words)"),
        [{"text": t, "words": message_words(t)} for t in texts],
    )
    connection.execute(
        text(
            "UPDATE querylog_turn t SET text_words = w.words FROM bench_words w "
            "WHERE w.text = t.text_masked"
        )
    )


def _vacuum_analyze(engine: Engine, *tables: str) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(
            text(f"VACUUM ANALYZE {', '.join(tables)}" if tables else "VACUUM ANALYZE")
        )


# --- the data, the database ------------------------------------------------------


def _data_profile(engine: Engine) -> dict[str, Any]:
    """What was generated, to check it against the intended mix."""
    with engine.connect() as c:
        row = c.execute(
            text(
                """
                SELECT count(*) AS turns, min(created_at) AS first,
                       max(created_at) AS last,
                       avg((province_code IS NOT NULL)::int) AS with_province,
                       avg((commune_code IS NOT NULL)::int) AS with_commune,
                       avg(length(text_masked)) AS text_chars,
                       avg(length(reply_masked)) AS reply_chars,
                       count(feedback) AS feedback,
                       count(*) FILTER (WHERE outcome = 'answered') AS answered
                FROM querylog_turn
                """
            )
        ).one()

        def shares(column: str) -> dict[str, float]:
            return {
                str(k): round(float(v), 4)
                for k, v in c.execute(
                    text(
                        f"SELECT {column}, count(*)::float / sum(count(*)) OVER () "
                        f"FROM querylog_turn GROUP BY 1 ORDER BY 2 DESC LIMIT 12"
                    )
                )
            }

        citizens = c.execute(
            text(
                """
                SELECT count(*) AS citizens, avg(days) AS days,
                       avg((days >= 2)::int) AS returning
                FROM (SELECT user_pseudonym, count(DISTINCT day) AS days
                      FROM querylog_citizen_day GROUP BY 1) u
                """
            )
        ).one()
        busiest = c.execute(
            text(
                "SELECT day, sum(turns) FROM querylog_daily GROUP BY 1 ORDER BY 2 DESC "
                "LIMIT 1"
            )
        ).one()
        community = _community_profile(c)
        return {
            "turns": row.turns,
            "first_turn": row.first.isoformat(timespec="seconds"),
            "last_turn": row.last.isoformat(timespec="seconds"),
            "channels": shares("channel"),
            "outcomes": shares("outcome"),
            "topics": shares("coalesce(topic, '(none)')"),
            "provinces": shares("coalesce(province_code, '(none)')"),
            "with_province": round(float(row.with_province), 4),
            "with_commune": round(float(row.with_commune), 4),
            "feedback_of_answered": round(row.feedback / max(row.answered, 1), 4),
            "text_chars_mean": round(float(row.text_chars)),
            "reply_chars_mean": round(float(row.reply_chars)),
            "citizens": citizens.citizens,
            "days_per_citizen_mean": round(float(citizens.days), 1),
            "citizens_on_2_days_or_more": round(float(citizens.returning), 3),
            "busiest_day": {"day": busiest[0].isoformat(), "turns": int(busiest[1])},
            "community": community,
        }


def _community_profile(c: Connection) -> dict[str, Any]:
    """The generated hand-offs, helper sessions and notices."""

    def counts(sql: str) -> dict[str, int]:
        return {str(k): int(v) for k, v in c.execute(text(sql))}

    tickets = c.execute(
        text(
            """
            SELECT count(opened_at) AS opened,
                   avg((escalated_at IS NOT NULL)::int)
                       FILTER (WHERE opened_at IS NOT NULL) AS escalated,
                   avg((commune_code IS NOT NULL)::int)
                       FILTER (WHERE opened_at IS NOT NULL) AS with_commune,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY
                       extract(epoch FROM first_reply_at - opened_at) / 60)
                       AS minutes_to_first_reply,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY
                       extract(epoch FROM closed_at - opened_at) / 60)
                       AS minutes_to_close
            FROM handoff_ticket
            """
        )
    ).one()
    messages = c.scalar(text("SELECT count(*) FROM handoff_message")) or 0
    notices = c.execute(
        text(
            "SELECT count(*) AS notices, avg(recipients) AS recipients, "
            "count(province_code) AS with_province FROM notice"
        )
    ).one()

    def rounded(value: Any, digits: int = 1) -> float | None:
        return None if value is None else round(float(value), digits)

    return {
        "tickets_by_status": counts(
            "SELECT status, count(*) FROM handoff_ticket GROUP BY 1 ORDER BY 2 DESC"
        ),
        "ticket_reasons": counts(
            "SELECT reason, count(*) FROM handoff_ticket WHERE opened_at IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC"
        ),
        "ticket_resolutions": counts(
            "SELECT resolution, count(*) FROM handoff_ticket "
            "WHERE resolution IS NOT NULL GROUP BY 1 ORDER BY 2 DESC"
        ),
        "tickets_opened": tickets.opened,
        "escalated_of_opened": rounded(tickets.escalated, 4),
        "median_minutes_to_first_reply": rounded(tickets.minutes_to_first_reply),
        "median_minutes_to_close": rounded(tickets.minutes_to_close),
        "messages_per_opened_ticket": round(messages / max(tickets.opened, 1), 2),
        "helper_sessions_by_group": counts(
            'SELECT "group", count(*) FROM helper_session GROUP BY 1 ORDER BY 2 DESC'
        ),
        "helper_sessions_other_task": c.scalar(
            text("SELECT count(*) FROM helper_session WHERE task = 'other'")
        ),
        "subscribers": c.scalar(text("SELECT count(*) FROM notice_subscription")),
        "notices": notices.notices,
        "notices_to_the_province": notices.with_province,
        "recipients_per_notice_mean": rounded(notices.recipients),
        "notice_delivery_statuses": counts(
            "SELECT split_part(status, ':', 1), count(*) FROM notice_delivery "
            "GROUP BY 1 ORDER BY 2 DESC"
        ),
    }


def _database_info(engine: Engine) -> dict[str, Any]:
    with engine.connect() as c:
        settings = {
            name: c.scalar(text(f"SHOW {name}"))
            for name in (
                "shared_buffers",
                "work_mem",
                "effective_cache_size",
                "max_parallel_workers_per_gather",
                "jit",
            )
        }
        tables = {}
        for table in (
            "querylog_turn",
            "querylog_daily",
            "querylog_citizen_day",
            *COMMUNITY_TABLES,
        ):
            rows = c.scalar(text(f"SELECT count(*) FROM {table}"))
            sizes = c.execute(
                text(
                    "SELECT pg_total_relation_size(:t), pg_relation_size(:t), "
                    "pg_indexes_size(:t)"
                ),
                {"t": table},
            ).one()
            tables[table] = {
                "rows": rows,
                "total_mb": round(sizes[0] / 2**20, 1),
                "heap_mb": round(sizes[1] / 2**20, 1),
                "indexes_mb": round(sizes[2] / 2**20, 1),
            }
        version = c.scalar(text("SHOW server_version"))
    return {"version": version, "settings": settings, "tables": tables}


def _load() -> dict[str, Any]:
    """Load averages and the `uptime` line: the machine is shared."""
    one, five, fifteen = os.getloadavg()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return {
        "loadavg": [round(one, 2), round(five, 2), round(fifteen, 2)],
        "uptime": uptime,
    }


def _git() -> dict[str, Any]:
    def run(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()

    return {
        "commit": run("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(
            run("status", "--porcelain", "--untracked-files=no")
        ),
    }


@contextmanager
def fresh_database(server_url: str, keep: bool) -> Iterator[str]:
    """A new empty database on the server of ``server_url``; dropped on exit unless
    ``keep``."""
    url = make_url(server_url)
    name = f"bdhvs_bench_{secrets.token_hex(5)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            with admin.connect() as connection:
                connection.execute(
                    text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                )
        admin.dispose()


# --- the rollup and the routes ---------------------------------------------------


def time_rollup(engine: Engine, now: datetime) -> dict[str, float]:
    """The first build of the daily tables and the refresh every worker runs in the
    background; leaves them as they are just before the next refresh is due (the
    last interval of turns, and SETTLE, read live)."""
    interval = timedelta(
        seconds=Settings.model_fields["rollup_refresh_seconds"].default
    )
    out: dict[str, float] = {"refresh_interval_seconds": interval.total_seconds()}
    with Session(engine) as session, _timer(out, "first_build_seconds"):
        refresh(session, now=now - 2 * interval)
    with Session(engine) as session, _timer(out, "refresh_seconds"):
        refresh(session, now=now - interval)
    return out


@dataclass(frozen=True)
class Case:
    """One route asked with one period and area, by one role: the analyst (the
    client's own token) unless ``token`` is set."""

    route: str
    path: str
    params: dict[str, str]
    period: str
    area: str
    role: str = "analyst"
    token: str | None = field(default=None, repr=False)


def _cases(
    paths: set[str],
    main: str,
    commune: str | None,
    today: date,
    tokens: Mapping[str, str],
    ticket_id: int | None,
) -> tuple[list[Case], list[str]]:
    """The dashboard's requests: every period route for 3 periods x 3 areas, the
    others once (the hand-off queue as the commune's team member and as an admin,
    with their ``tokens`` by role; ``ticket_id``: the ticket whose page is asked).
    Returns the cases and the routes left out (not in the app)."""
    period_routes = [
        ("overview", "/api/staff/analytics/overview", {}),
        ("volume day", "/api/staff/analytics/volume", {"interval": "day"}),
        ("volume week", "/api/staff/analytics/volume", {"interval": "week"}),
        ("volume month", "/api/staff/analytics/volume", {"interval": "month"}),
        ("topics", "/api/staff/analytics/topics", {}),
        ("pillars", "/api/staff/analytics/pillars", {}),
        ("channels", "/api/staff/analytics/channels", {}),
        (
            "places province",
            "/api/staff/analytics/places",
            {"level": "province", "limit": "10"},
        ),
        (
            "places commune",
            "/api/staff/analytics/places",
            {"level": "commune", "limit": "10"},
        ),
        ("top-questions", "/api/staff/analytics/top-questions", {"limit": "10"}),
        ("feedback", "/api/staff/analytics/feedback", {"limit": "10"}),
        ("community", "/api/staff/analytics/community", {}),
        ("inbox", "/api/staff/inbox", {"status": "open", "limit": "50"}),
        ("report summary", "/api/staff/reports/summary", {}),
        ("report export xlsx", "/api/staff/reports/export", {"format": "xlsx"}),
    ]
    plain_routes = [
        ("me", "/api/staff/me", {}),
        ("answers", "/api/staff/answers", {}),
        ("provinces list", "/api/staff/places/provinces", {}),
        ("communes list", "/api/staff/places/communes", {"province": main}),
        ("turns", "/api/staff/turns", {"limit": "50"}),
        ("training-examples", "/api/staff/training-examples", {}),
    ]
    # (route, path template, path, query, role): asked with that role's token.
    tickets = "/api/staff/tickets"
    role_routes = [
        (f"tickets {status} ({who})", tickets, tickets, query, role)
        for who, role in (("member", "community"), ("admin", "admin"))
        for status in ("active", "closed")
        for query in [{"status": status, "limit": "100"}]
    ]
    if ticket_id is not None:  # none in a very small run
        role_routes.append(
            (
                "ticket detail (member)",
                "/api/staff/tickets/{ticket_id}",
                f"/api/staff/tickets/{ticket_id}",
                {},
                "community",
            )
        )
    role_routes.append(
        (
            "notices (admin)",
            "/api/staff/notices",
            "/api/staff/notices",
            {"limit": "50"},
            "admin",
        )
    )
    periods = {
        "30 days": {},
        "quarter": {
            "from": (today - timedelta(days=91)).isoformat(),
            "to": today.isoformat(),
        },
        "year": {
            "from": (today - timedelta(days=DAYS - 1)).isoformat(),
            "to": today.isoformat(),
        },
    }
    areas: dict[str, dict[str, str]] = {"all": {}, "province": {"province": main}}
    if commune is not None:  # none in a very small run
        areas["commune"] = {"province": main, "commune": commune}
    missing = sorted(
        {p for _, p, _ in [*period_routes, *plain_routes] if p not in paths}
        | {p for _, p, *_ in role_routes if p not in paths}
    )
    cases = []
    for route, path, extra in period_routes:
        if path in paths:
            for period, dates in periods.items():
                for area, place in areas.items():
                    params = {**dates, **place, **extra}
                    cases.append(Case(route, path, params, period, area))
    for route, path, extra in plain_routes:
        if path in paths:
            cases.append(Case(route, path, extra, "-", "-"))
    for route, template, path, extra, role in role_routes:
        if template in paths:
            cases.append(Case(route, path, extra, "-", "-", role, tokens[role]))
    return cases, missing


def time_case(
    client: TestClient, case: Case, warmup: int, repeat: int
) -> dict[str, Any]:
    """``warmup`` untimed then ``repeat`` timed requests; statuses of all of them."""
    timings: list[float] = []
    statuses: set[int] = set()
    failure = ""
    # Another role than the client's analyst: that role's token instead.
    headers = {"Authorization": f"Bearer {case.token}"} if case.token else None
    for n in range(warmup + repeat):
        started = time.perf_counter()
        response = client.get(case.path, params=case.params, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        statuses.add(response.status_code)
        if response.status_code != 200 and not failure:
            failure = response.text[:300]
        if n >= warmup:
            timings.append(elapsed)
    status = statuses.pop() if len(statuses) == 1 else sorted(statuses)
    return {
        "route": case.route,
        "path": case.path,
        "params": case.params,
        "period": case.period,
        "area": case.area,
        "role": case.role,
        "status": status,
        "requests": len(timings),
        "p50_ms": _percentile(timings, 50),
        "p95_ms": _percentile(timings, 95),
        "max_ms": round(max(timings), 1),
        "load_1min": round(os.getloadavg()[0], 2),
        **({"failure": failure} if failure else {}),
    }


def _settings(url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=url,
        environment="test",
        pseudonym_key=SecretStr(secrets.token_urlsafe(32)),
        token_key=SecretStr(secrets.token_urlsafe(32)),
        staff_token_minutes=24 * 60,
        redis_url=None,
        telegram_token=None,
        zalo_app_id=None,
        # The bench refreshes the daily tables itself (and times it).
        rollup_refresh_seconds=0,
    )


def _staff_accounts(
    engine: Engine, commune: str | None, settings: Settings
) -> tuple[str, int | None, dict[str, str]]:
    """The accounts the routes need (every token is checked against its account):
    an analyst, the team member of ``commune`` (who claimed its generated tickets)
    and an admin. Returns the member's username, the newest ticket of the commune
    and a token per role."""
    with Session(engine) as session:
        member = session.scalar(
            text("SELECT " + MEMBER_OF.format("CAST(:commune AS text)")),
            {"commune": commune or "", "members": MEMBERS},
        )
        assert member is not None
        accounts = [
            StaffUser(
                username=username,
                password_hash=hash_password(secrets.token_urlsafe(16)),
                role=role,
                communes=communes,
            )
            for username, role, communes in (
                ("bench-analyst", Role.ANALYST, []),
                (member, Role.COMMUNITY, [commune] if commune else []),
                (ADMIN, Role.ADMIN, []),
            )
        ]
        session.add_all(accounts)
        session.commit()
        tokens = {
            user.role.value: token_for(
                user, settings.token_secret(), settings.staff_token_minutes
            )
            for user in accounts
        }
        ticket_id = session.scalar(
            text(
                "SELECT max(id) FROM handoff_ticket WHERE commune_code = :c "
                "AND status IN ('open', 'claimed', 'closed')"
            ),
            {"c": commune},
        )
    return member, ticket_id, tokens


def time_routes(
    engine: Engine,
    url: str,
    warmup: int,
    repeat: int,
    progress: Callable[[dict[str, Any]], None],
) -> dict[str, Any]:
    """The first request of a day, then every case."""
    settings = _settings(url)
    with engine.connect() as c:
        main = c.scalar(
            text("SELECT code FROM place_province WHERE name = :n"),
            {"n": MAIN_PROVINCE},
        )
        commune = c.scalar(
            text(
                "SELECT commune_code FROM querylog_turn WHERE province_code = :p "
                "AND commune_code IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            ),
            {"p": main},
        )
    member, ticket_id, tokens = _staff_accounts(engine, commune, settings)
    token = tokens.pop(Role.ANALYST.value)
    app = create_app(settings)
    # The GET routes the application has (the report routes may not exist yet).
    paths = {p for p, ops in app.openapi()["paths"].items() if "get" in ops}
    today = today_local()
    cases, missing = _cases(paths, main, commune, today, tokens, ticket_id)
    results = []
    with TestClient(
        app,
        headers={"Authorization": f"Bearer {token}"},
        raise_server_exceptions=False,
    ) as client:
        load_before = _load()
        for case in cases:
            result = time_case(client, case, warmup, repeat)
            results.append(result)
            progress(result)
        load_after = _load()
    return {
        "filters": {"province": main, "commune": commune},
        "staff": {"community": member, "admin": ADMIN, "ticket_id": ticket_id},
        "routes_not_in_app": missing,
        "load_before": load_before,
        "load_after": load_after,
        "requests": results,
    }


# --- output ----------------------------------------------------------------------


def _row(r: dict[str, Any]) -> str:
    mark = " **>300**" if r["p95_ms"] > TARGET_MS else ""
    return (
        f"| {r['route']} | {r['period']} | {r['area']} | {r['status']} | "
        f"{r['p50_ms']} | {r['p95_ms']}{mark} | {r['max_ms']} |"
    )


def _table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| route | period | area | status | p50 ms | p95 ms | max ms |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    return "\n".join([*lines, *(_row(r) for r in results)])


def _slow(results: list[dict[str, Any]]) -> list[str]:
    return [
        f"{r['route']} ({r['period']}, {r['area']}): p95 {r['p95_ms']} ms"
        for r in results
        if r["p95_ms"] > TARGET_MS
    ]


PERIODS = ("30 days", "quarter", "year")
AREAS = ("all", "province", "commune")


def _matrix(requests: list[dict[str, Any]]) -> str:
    """p95 per route (rows) and period x area (columns); over the target in bold."""
    cells: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    for r in requests:
        cells.setdefault(r["route"], {})[(r["period"], r["area"])] = r

    def cell(r: dict[str, Any] | None) -> str:
        if r is None:
            return ""
        text = f"{r['p95_ms']:.0f}" if r["status"] == 200 else f"HTTP {r['status']}"
        return f"**{text}**" if r["p95_ms"] > TARGET_MS else text

    head = " | ".join(f"{p} {a}" for p in PERIODS for a in AREAS)
    lines = [f"| route | {head} |", "|---" + "|---:" * len(PERIODS) * len(AREAS) + "|"]
    once = []
    for route, by_case in cells.items():
        if ("-", "-") in by_case:
            once.append(f"{route} {cell(by_case[('-', '-')])}")
            continue
        row = " | ".join(cell(by_case.get((p, a))) for p in PERIODS for a in AREAS)
        lines.append(f"| {route} | {row} |")
    return "\n".join(lines) + "\n\nWithout a period (p95 ms): " + ", ".join(once) + "."


def readme_section(results: dict[str, Any]) -> str:
    """The analytics part of bench/README.md (kept when `make bench` rewrites the
    rest: it is written after tools/bench.py)."""
    db, g, r, routes = (
        results["postgresql"],
        results["generation"],
        results["rollup"],
        results["routes"],
    )
    t, d, settings = db["tables"], results["data"], db["settings"]
    requests = routes["requests"]
    over = len(results["slow_routes"])
    dirty = " with uncommitted changes" if results["git"]["uncommitted_changes"] else ""
    return f"""{README_START}
## Staff dashboard on PostgreSQL (`make bench-analytics`)

tools/bench_analytics.py creates a fresh PostgreSQL database (`bdhvs_bench_<random>`,
dropped at the end unless `--keep`), migrates it, loads seeds/ and generates `--turns`
turns (default 1 000 000) over the last 365 days, in SQL on the server: channels
web/zalo/telegram ~45/40/15 %; FAQ topics weighted (VNeID and the public service portal
most) with answer ids of their topic; ~80 % answered, 10 % unsure, 6 % out of scope,
the rest error, undelivered, rejected; ~60 % of the turns with a province, most of them
in Hà Tĩnh and its communes; ~30 000 citizens who come back on several days; feedback
on ~5 % of the answered turns; masked questions of 60-120 characters and replies of
~600; growth over the year, a weekly pattern and a few campaign days. The community
teams' year with them: hand-off tickets for ~0.4 % of the turns (their citizens',
mostly closed with a resolution minutes to days later, ~5 % escalated, a few open or
claimed in the last days, 1-4 messages each) and ~10 % as many declined offers;
residents assisted in helper mode for ~0.3 % of the turns in the province's communes;
24 notices, each delivered to the subscribers of its area then (~5 % of the
Telegram and Zalo citizens). Then it times the build and the periodic refresh of the
daily tables and every dashboard GET route through the real
application in-process (FastAPI TestClient: no network, no uvicorn): the analytics
with an analyst token, for the last 30 days (the default), the last quarter (92
days) and the year, each for all areas, for the province and for one of its
communes; the hand-off queue (active and closed tickets, the newest ticket's page)
as the team member of that commune and as an admin, and the notices log as an admin:
{results["warmup"]} warm-up then {results["repeat"]} timed requests each. Timings are
reported, not asserted: the command fails only if a request does not answer 200.

Run: `make bench-analytics` (part of `make bench`), or
`.venv/bin/python -m tools.bench_analytics --turns 100000 --keep --output /tmp/a.json`
for a quicker look (bench/README.md is only rewritten with the default output).
`--database-url` names the PostgreSQL server (the bench creates its own database).

Reading `analytics.json`: `data` is the generated mix as measured (`data.community`:
tickets, helper sessions, notices); `generation` the load (insert, the community data,
the words of each message, re-creating the indexes, VACUUM ANALYZE);
`rollup` the first build of the daily tables from an empty state
(`first_build_seconds`) and the refresh every gateway worker runs in the background
each `refresh_interval_seconds` (`refresh_seconds`; no request builds anything: the
requests read the turns since the last refresh live, here the last interval and the
two-minute settling time of them); `postgresql` the server version, settings (as the
application's sessions see them), row counts and sizes;
`routes.requests` one entry per route, period and area (p50/p95/max ms, HTTP status,
the role asking, the 1-minute load average when it was measured); `slow_routes` the
p95s over 300 ms.
The machine is shared: compare the load averages before reading much into a figure.

Last run ({results["measured_at"][:16].replace("T", " ")} UTC):

- Code: commit {results["git"]["commit"]}{dirty}.
- Machine: {results["machine"]["cpus"]} CPUs; PostgreSQL {db["version"].split()[0]} with
  shared_buffers {settings["shared_buffers"]}, work_mem {settings["work_mem"]}, jit
  {settings["jit"]} (api/core/db.py); load average {routes["load_before"]["loadavg"][0]} before the
  requests, {routes["load_after"]["loadavg"][0]} after.
- Data: {t["querylog_turn"]["rows"]:,} turns ({t["querylog_turn"]["total_mb"]:.0f} MB
  with indexes), {d["citizens"]:,} citizens; querylog_daily
  {t["querylog_daily"]["rows"]:,} rows, querylog_citizen_day
  {t["querylog_citizen_day"]["rows"]:,} rows; {t["handoff_ticket"]["rows"]:,} hand-off
  tickets and offers ({t["handoff_message"]["rows"]:,} messages),
  {t["helper_session"]["rows"]:,} helper sessions, {t["notice"]["rows"]:,} notices
  ({t["notice_delivery"]["rows"]:,} deliveries).
- Generation: {g["total_seconds"]:.0f} s (insert {g["insert_seconds"]:.0f} s, community
  data {g["community_seconds"]:.0f} s, words
  {g["words_seconds"] + g["rewrite_seconds"]:.0f} s, indexes {g["index_seconds"]:.0f} s,
  VACUUM ANALYZE {g["vacuum_analyze_seconds"]:.0f} s).
- Daily tables: first build {r["first_build_seconds"]:.1f} s; background refresh
  (every {r["refresh_interval_seconds"]:.0f} s) {r["refresh_seconds"]:.2f} s.
- {over} of {len(requests)} cases have a p95 over 300 ms (in bold below).

p95 in ms:

{_matrix(requests)}
{README_END}
"""


def write_readme(section: str) -> None:
    """Replaces the analytics section of bench/README.md, or appends it."""
    current = README.read_text(encoding="utf-8") if README.exists() else ""
    pattern = re.compile(
        re.escape(README_START) + r".*?" + re.escape(README_END) + r"\n?", re.S
    )
    if pattern.search(current):
        updated = pattern.sub(lambda _: section, current)
    else:
        updated = current.rstrip("\n") + "\n\n" + section
    README.write_text(updated, encoding="utf-8")


def main() -> int:
    """Runs the benchmark; 1 if any request did not answer 200."""
    parser = argparse.ArgumentParser(prog="python -m tools.bench_analytics")
    parser.add_argument("--turns", type=int, default=1_000_000)
    parser.add_argument(
        "--citizens", type=int, help="default: 3 %% of the turns (30 000 for 1 000 000)"
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_SERVER,
        help="a PostgreSQL server URL; the bench creates its own database on it",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--output",
        type=Path,
        default=OUTPUT,
        help="bench/README.md is updated only with the default output",
    )
    args = parser.parse_args()
    citizens = args.citizens or max(50, round(args.turns * CITIZENS_PER_TURN))
    if not args.database_url.startswith("postgresql"):
        parser.error("the analytics bench needs PostgreSQL")

    git = _git()  # the code measured: others may commit while the bench runs
    print(f"load: {_load()['uptime']}", flush=True)
    with fresh_database(args.database_url, args.keep) as url:
        print(f"database {make_url(url).database}", flush=True)
        migrate(url)
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                seed_knowledge(session, SEEDS)
                seed_places(session, places_seed_path(SEEDS))
                seed_teams(session, SEEDS)
            now = datetime.now(timezone.utc)
            print(f"generating {args.turns:,} turns ...", flush=True)
            generation = generate(engine, args.turns, citizens, args.seed, now)
            print(f"  {generation}", flush=True)
            rollup = time_rollup(engine, now)
            print(f"  rollup {rollup}", flush=True)
            _vacuum_analyze(engine, *ROLLUP_TABLES)
            data = _data_profile(engine)
            database = _database_info(engine)

            def progress(r: dict[str, Any]) -> None:
                print(
                    f"  {r['route']:<24} {r['period']:<8} {r['area']:<9} {r['status']} "
                    f"p50 {r['p50_ms']:>7} p95 {r['p95_ms']:>7} max {r['max_ms']:>7}",
                    flush=True,
                )

            routes = time_routes(engine, url, args.warmup, args.repeat, progress)
        finally:
            engine.dispose()

    requests = routes["requests"]
    failures = [r for r in requests if r["status"] != 200]
    results = {
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "make bench-analytics",
        "git": git,
        "machine": _machine(),
        "postgresql": database,
        "turns_requested": args.turns,
        "citizens_requested": citizens,
        "seed": args.seed,
        "warmup": args.warmup,
        "repeat": args.repeat,
        "transport": "in-process ASGI (fastapi.testclient.TestClient), no network",
        "target_p95_ms": TARGET_MS,
        "data": data,
        "generation": generation,
        "rollup": {
            **rollup,
            "note": "first_build: refresh on an empty rollup state (every day); "
            "refresh: the one every worker runs each refresh interval (the last "
            "REBUILD_DAYS days and today again); the requests then read the last "
            "interval and SETTLE of turns live, as just before the next refresh",
        },
        "routes": routes,
        "slow_routes": _slow(requests),
        "failures": [
            {k: r.get(k) for k in ("route", "period", "area", "status", "failure")}
            for r in failures
        ],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n",
        encoding="utf-8",
    )
    if args.output.resolve() == OUTPUT.resolve():
        write_readme(readme_section(results))
    print()
    print(_table(requests))
    print()
    print(f"load before/after: {routes['load_before']['uptime']}")
    print(f"                   {routes['load_after']['uptime']}")
    print("p95 above 300 ms:" if results["slow_routes"] else "every p95 <= 300 ms")
    for line in results["slow_routes"]:
        print(f"  {line}")
    print(f"wrote {args.output}")
    for failure in results["failures"]:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
