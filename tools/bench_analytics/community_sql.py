"""The community teams' year (tickets, helper sessions, notices), in SQL."""

from __future__ import annotations

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
