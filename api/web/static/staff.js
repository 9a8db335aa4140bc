// Staff dashboard: login, filters kept in the URL hash, overview cards, charts drawn as
// inline SVG (no library: the page works offline on a province intranet under a strict
// CSP), the unanswered inbox, answer editing (admin), report export, recent turns, the
// community teams' figures, the community team's hand-off queue (claim, reply, close),
// helper-mode link codes (community members, admins) and notices to citizens (admins).
// Every panel loads on its own: one failing request shows an error in that panel only.
(function () {
  "use strict";

  var TOKEN_KEY = "bdhvs-staff-token";
  var ROLE_KEY = "bdhvs-staff-role";
  var NOTICE_KEY = "bdhvs-staff-notice";
  var USER_KEY = "bdhvs-staff-user";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var VN_OFFSET_MS = 7 * 3600 * 1000; // Asia/Ho_Chi_Minh, no daylight saving time

  var ROLE_LABELS = { admin: "Quản trị", analyst: "Phân tích", community: "Tổ công nghệ số cộng đồng" };
  var CHANNEL_LABELS = { web: "Web", telegram: "Telegram", zalo: "Zalo" };
  var OUTCOME_LABELS = {
    answered: "Trả lời được", unsure: "Chưa chắc", out_of_scope: "Ngoài phạm vi",
    error: "Lỗi hệ thống", undelivered: "Chưa gửi được", rejected: "Bị từ chối"
  };
  var INTERVALS = ["day", "week", "month"];
  var LEVELS = ["province", "commune"];
  var FILTER_KEYS = ["from", "to", "province", "commune", "channel"];
  var FIELD_LABELS = {
    question: "Câu hỏi", answer: "Nội dung trả lời", steps: "Các bước", source_url: "Nguồn",
    source_ref: "Trích dẫn nguồn", sources: "Nguồn thêm", status: "Trạng thái",
    verified_on: "Ngày kiểm tra", verified_by: "Người kiểm tra"
  };
  var CHANGE_ACTIONS = { edit: "sửa", verify: "xác nhận đã kiểm tra", revert: "khôi phục" };
  var FIELD_MESSAGES = {
    question: "Vui lòng nhập câu hỏi.",
    answer: "Vui lòng nhập nội dung trả lời (ngắn gọn, lịch sự).",
    steps: "Các bước chưa hợp lệ: mỗi dòng một bước, không để dòng trống.",
    source_url: "Nguồn phải là địa chỉ https:// của đúng trang có thông tin, không phải trang chủ.",
    source_ref: "Trích dẫn nguồn chưa hợp lệ."
  };
  var ANSWER_WORD_LIMIT = 60; // seeds/README.md: an answer has at most 60 words of prose

  var token = sessionStorage.getItem(TOKEN_KEY);
  var role = null;
  var username = "";         // the signed-in staff member (from /api/staff/me)
  var state = null;          // filters and view choices, mirrored in the URL hash
  var provinces = [];        // [{code, name}]
  var topicLabels = {};      // topic code -> Vietnamese label (from the topics panel)
  var answers = null;        // [{id, topic, question, ...}] once loaded
  var answersWaiters = [];   // callbacks waiting for the answer list
  var editing = null;        // id of the answer shown in the form
  var seq = {};              // latest request number per panel (late answers are dropped)
  var chartData = {};        // last data per chart, to redraw on resize
  var expiring = false;
  var views = window.BdhvsStaffViews; // staff-views.js: dates, bar scale, search, paging

  function $(id) { return document.getElementById(id); }

  // ---------------------------------------------------------------- formatting

  // 1234567 -> "1.234.567" (Vietnamese grouping), independent of the browser's locale.
  function fmtInt(n) {
    if (n === null || n === undefined || isNaN(n)) return "–";
    var s = String(Math.round(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    return (n < 0 ? "−" : "") + s;
  }

  // 0.8523 -> "85,2 %" (no-break space before the sign).
  function fmtPct(fraction) {
    if (fraction === null || fraction === undefined || isNaN(fraction)) return "–";
    var parts = (Math.round(fraction * 1000) / 10).toFixed(1).split(".");
    return fmtInt(Number(parts[0])) + "," + parts[1] + "\u00a0%";
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function isoDate(d) { return d.toISOString().slice(0, 10); }
  function parseIso(s) {
    var p = s.split("-");
    return new Date(Date.UTC(Number(p[0]), Number(p[1]) - 1, Number(p[2])));
  }
  function validIso(s) { return /^\d{4}-\d{2}-\d{2}$/.test(s || "") && isoDate(parseIso(s)) === s; }
  function addDays(s, n) { var d = parseIso(s); d.setUTCDate(d.getUTCDate() + n); return isoDate(d); }
  function todayVN() { return isoDate(new Date(Date.now() + VN_OFFSET_MS)); }
  // "2025-03-04" -> "04/03/2025"
  function fmtDate(s) { return s ? s.slice(8, 10) + "/" + s.slice(5, 7) + "/" + s.slice(0, 4) : ""; }
  function fmtDateTime(iso) {
    var d = new Date(iso);
    if (isNaN(d)) return iso || "";
    var v = new Date(d.getTime() + VN_OFFSET_MS);
    return pad(v.getUTCHours()) + ":" + pad(v.getUTCMinutes()) + " " + fmtDate(isoDate(v));
  }
  // A bucket of the volume chart: "05/03" on the axis, "Tuần từ 03/03/2025" in titles.
  function bucketLabel(start, interval, long) {
    if (interval === "month") return (long ? "Tháng " : "") + start.slice(5, 7) + "/" + start.slice(0, 4);
    if (!long) return fmtDate(start).slice(0, 5);
    return (interval === "week" ? "Tuần từ " : "") + fmtDate(start);
  }
  function topicLabel(code) {
    if (!code || code === "unknown") return "Chưa xác định";
    return topicLabels[code] || code;
  }

  // ---------------------------------------------------------------- DOM helpers

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var value = attrs[k];
      if (value === null || value === undefined || value === false) return;
      if (k === "text") node.textContent = value;
      else if (k === "className") node.className = value;
      else node.setAttribute(k, value);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function cell(row, text, cls) { var td = el("td", { className: cls || null, text: text }); row.appendChild(td); return td; }
  function fillTable(table, rows, rowClasses) {
    var body = clear(table.tBodies[0]);
    rows.forEach(function (values, r) {
      var tr = el("tr", { className: rowClasses ? rowClasses[r] : null });
      values.forEach(function (v, i) {
        if (v && v.nodeType) { var td = el("td"); td.appendChild(v); tr.appendChild(td); } else cell(tr, v, i > 0 ? "num" : null);
      });
      body.appendChild(tr);
    });
    labelCells(table);
  }
  // Each cell carries its column's name: on a phone the rows of a .stack table are shown
  // as blocks ("Lượt: 3") instead of squeezed columns.
  function labelCells(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    // A header sits over its column: right-aligned over numbers, left over text.
    var first = table.tBodies[0].rows[0];
    if (first && first.cells.length === heads.length) {
      Array.prototype.forEach.call(first.cells, function (td, i) {
        heads[i].classList.toggle("num", td.classList.contains("num"));
      });
    }
    Array.prototype.forEach.call(table.tBodies[0].rows, function (tr) {
      Array.prototype.forEach.call(tr.cells, function (td, i) {
        if (heads[i] && heads[i].textContent.trim()) td.setAttribute("data-label", heads[i].textContent.trim());
      });
    });
  }
  function say(node, text) { node.textContent = ""; window.setTimeout(function () { node.textContent = text; }, 30); }

  // ---------------------------------------------------------------- API

  function ApiError(status, detail) { this.status = status; this.detail = detail; }

  function request(path, options) {
    options = options || {};
    var headers = { Authorization: "Bearer " + token };
    var init = { method: options.method || "GET", headers: headers };
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    return fetch(path, init).catch(function () {
      throw new ApiError(0, null);
    }).then(function (r) {
      if (r.status === 401) { expire(); throw new ApiError(401, null); }
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (b) {
          throw new ApiError(r.status, b ? b.detail : null);
        });
      }
      return options.raw ? r : r.json();
    });
  }

  var VIETNAMESE = /[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]/i;

  function errorText(err) {
    var status = err && err.status;
    var detail = err && err.detail;
    var message = detail && typeof detail === "object" ? detail.message : detail;
    // The API's own message when it is written for staff (in Vietnamese).
    var generic = detail && detail.code === "invalid_request"; // "Yêu cầu không hợp lệ."
    if (status >= 400 && status < 500 && !generic && typeof message === "string" && VIETNAMESE.test(message)) {
      return message;
    }
    if (status === 0) return "Không kết nối được máy chủ. Anh/Chị kiểm tra mạng rồi thử lại.";
    if (status === 403) return "Tài khoản của Anh/Chị không có quyền xem mục này.";
    if (status === 404) return "Không tìm thấy dữ liệu (mã 404).";
    if (status === 422) return "Bộ lọc chưa hợp lệ. Anh/Chị kiểm tra lại ngày và địa bàn.";
    if (status >= 500) return "Máy chủ đang gặp sự cố. Anh/Chị vui lòng thử lại sau.";
    if (!(err instanceof ApiError) && window.console) console.error(err);
    return "Không tải được dữ liệu. Anh/Chị vui lòng thử lại.";
  }

  // The token expired or was revoked: back to the login form, the filters kept in the hash.
  function expire() {
    if (expiring) return;
    expiring = true;
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(ROLE_KEY);
    sessionStorage.removeItem(USER_KEY);
    sessionStorage.setItem(NOTICE_KEY, "expired");
    location.reload();
  }

  // ---------------------------------------------------------------- panels

  function panelError(section, message, retry) {
    var box = section.querySelector(".panel-error");
    if (!box) {
      box = el("div", { className: "panel-error", role: "alert" }, [el("span")]);
      var button = el("button", { type: "button", text: "Thử lại" });
      box.appendChild(button);
      var body = section.querySelector(".panel-body");
      section.insertBefore(box, body);
    }
    box.firstChild.textContent = message;
    box.querySelector("button").onclick = retry;
    box.hidden = false;
    var content = section.querySelector(".panel-body");
    if (content) content.hidden = true;
  }

  function panelOk(section) {
    var box = section.querySelector(".panel-error");
    if (box) box.hidden = true;
    var content = section.querySelector(".panel-body");
    if (content) content.hidden = false;
  }

  // Loads one panel; an answer that arrives after a newer request for the panel is dropped.
  function loadPanel(name, sectionId, path, render) {
    var section = $(sectionId);
    var mine = seq[name] = (seq[name] || 0) + 1;
    section.setAttribute("aria-busy", "true");
    function retry() { loadPanel(name, sectionId, path, render); }
    return request(path).then(function (data) {
      if (seq[name] !== mine) return;
      panelOk(section);
      render(data);
    }).catch(function (err) {
      if (seq[name] !== mine || (err && err.status === 401)) return;
      panelError(section, errorText(err), retry);
    }).then(function () {
      if (seq[name] === mine) section.removeAttribute("aria-busy");
    });
  }

  function filterQuery(extra) {
    var params = new URLSearchParams();
    FILTER_KEYS.forEach(function (k) { if (state[k]) params.set(k, state[k]); });
    Object.keys(extra || {}).forEach(function (k) { if (extra[k]) params.set(k, extra[k]); });
    return params.toString();
  }

  var loaders = {
    overview: function () {
      return loadPanel("overview", "overview-panel", "/api/staff/analytics/overview?" + filterQuery(), renderOverview);
    },
    volume: function () {
      return loadPanel("volume", "volume-panel",
        "/api/staff/analytics/volume?" + filterQuery({ interval: state.interval }), renderVolume);
    },
    topics: function () {
      return loadPanel("topics", "topics-panel", "/api/staff/analytics/topics?" + filterQuery(), renderTopics);
    },
    pillars: function () {
      return loadPanel("pillars", "pillars-panel", "/api/staff/analytics/pillars?" + filterQuery(), renderPillars);
    },
    channels: function () {
      return loadPanel("channels", "channels-panel", "/api/staff/analytics/channels?" + filterQuery(), renderChannels);
    },
    places: function () {
      return loadPanel("places", "places-panel",
        "/api/staff/analytics/places?" + filterQuery({ level: state.level, limit: "10" }), renderPlaces);
    },
    topQuestions: function () {
      return loadPanel("topQuestions", "top-questions-panel",
        "/api/staff/analytics/top-questions?" + filterQuery({ topic: state.topic, limit: "10" }), renderTopQuestions);
    },
    feedback: function () {
      return loadPanel("feedback", "feedback-panel",
        "/api/staff/analytics/feedback?" + filterQuery({ limit: "10" }), renderFeedback);
    },
    inbox: function () {
      return loadPanel("inbox", "inbox-panel",
        "/api/staff/inbox?" + filterQuery({ status: "open", limit: "50" }), renderInbox);
    },
    summary: function () {
      return loadPanel("summary", "export-panel", "/api/staff/reports/summary?" + filterQuery(), renderSummary);
    },
    community: function () {
      return loadPanel("community", "community-panel", "/api/staff/analytics/community?" + filterQuery(), renderCommunity);
    },
    safety: function () {
      return loadPanel("safety", "safety-panel", "/api/staff/analytics/safety?" + filterQuery(), renderSafety);
    },
    content: function () {
      return loadPanel("content", "safety-panel", "/api/staff/analytics/content?" + filterQuery(), renderContent);
    }
  };

  function renderSafety(data) {
    var labels = data.kind_labels || {};
    $("safety-total").textContent = data.alerts
      ? "Trợ lý đã cảnh báo " + fmtInt(data.alerts) + " lượt người dân kể về tình huống nghi lừa đảo trong kỳ."
      : "Chưa có lượt cảnh báo lừa đảo nào trong kỳ.";
    var body = clear($("safety-kinds").tBodies[0]);
    Object.keys(data.by_kind || {}).forEach(function (kind) {
      var tr = el("tr");
      cell(tr, labels[kind] || kind);
      cell(tr, fmtInt(data.by_kind[kind]), "num");
      body.appendChild(tr);
    });
    labelCells($("safety-kinds"));
    var list = clear($("safety-rising"));
    (data.rising || []).forEach(function (place) {
      var li = el("li");
      li.appendChild(el("span", { text: (place.name || place.province_code) + ": " + fmtInt(place.this_week) +
        " lượt trong 7 ngày gần nhất (7 ngày trước: " + fmtInt(place.week_before) + ")" +
        (place.kind ? ", nhiều nhất: " + (labels[place.kind] || place.kind) : "") }));
      if (role === "admin" && place.notice_draft) {
        var draft = el("button", { type: "button", text: "Soạn thông báo cho địa bàn này",
          "aria-label": "Soạn thông báo cảnh báo cho " + (place.name || place.province_code) });
        draft.addEventListener("click", function () { draftNotice(place); });
        li.appendChild(draft);
      }
      list.appendChild(li);
    });
    if (!list.children.length) list.appendChild(el("li", { text: "Không có địa bàn nào tăng đột biến." }));
  }

  function draftNotice(place) {
    // The admin previews and sends as any notice; nothing is sent from here.
    $("notices-panel").hidden = false;
    $("notice-text").value = place.notice_draft;
    $("notice-text").dispatchEvent(new Event("input"));
    var province = $("notice-province");
    for (var i = 0; i < province.options.length; i++) {
      if (province.options[i].value === place.province_code) province.value = place.province_code;
    }
    $("notice-text").focus();
    if ($("notices-panel").scrollIntoView) $("notices-panel").scrollIntoView({ block: "start" });
  }

  function renderContent(data) {
    var text = fmtInt(data.verified) + " câu trả lời đã kiểm tra với trang nguồn, " +
      fmtInt(data.draft) + " bản nháp, " + fmtInt(data.stale) + " đã kiểm tra quá 180 ngày.";
    if (data.answers_served) {
      text += " Trong kỳ, " + fmtInt(data.answers_served_from_drafts) + " trong " +
        fmtInt(data.answers_served) + " lượt trả lời dùng bản nháp.";
    }
    $("content-state").textContent = text;
  }

  // ---------------------------------------------------------------- accuracy sample

  var VERDICTS = [["right", "Đúng"], ["partly", "Đúng một phần"], ["wrong", "Sai"]];
  var accuracyWeek = "";

  function loadAccuracy(week) {
    loadPanel("accuracy", "accuracy-panel",
      "/api/staff/accuracy/sample" + (week ? "?week=" + week : ""), renderAccuracySample);
    request("/api/staff/accuracy").then(renderAccuracyFigures).catch(function () { /* the panel shows errors */ });
  }

  function renderAccuracySample(data) {
    accuracyWeek = data.week;
    $("accuracy-week").textContent = "Tuần " + fmtDate(data.week) + " – " + fmtDate(data.week_end);
    $("accuracy-next").disabled = addDays(data.week, 7) > addDays(todayVN(), -7);
    $("accuracy-progress").textContent = data.size
      ? "Đã kiểm tra " + fmtInt(data.reviewed) + "/" + fmtInt(data.size) + " lượt."
      : "Tuần này không có lượt nào được trả lời.";
    var list = clear($("accuracy-list"));
    data.turns.forEach(function (turn) { list.appendChild(accuracyItem(turn)); });
  }

  function accuracyItem(turn) {
    var li = el("li", { className: "accuracy-item" });
    li.appendChild(el("p", { className: "question" }, [
      el("strong", { text: "Người dân hỏi (" + fmtDate(turn.answered_on) + "): " }),
      el("span", { text: turn.question || "(đã xóa theo thời hạn lưu)" })]));
    li.appendChild(el("p", { className: "answer" }, [
      el("strong", { text: "Trợ lý trả lời" + (turn.answer_question ? " bằng “" + turn.answer_question + "”" : "") + ": " }),
      el("span", { text: turn.reply })]));
    var group = el("div", { role: "group", className: "verdicts",
      "aria-label": "Đánh giá câu trả lời cho: " + (turn.question || "").slice(0, 60) });
    VERDICTS.forEach(function (v) {
      var button = el("button", { type: "button", text: v[1], "data-verdict": v[0],
        "aria-pressed": turn.verdict === v[0] ? "true" : "false" });
      button.addEventListener("click", function () {
        request("/api/staff/accuracy/" + turn.id, { method: "POST", body: { verdict: v[0] } }).then(function (saved) {
          li.replaceWith(accuracyItem(saved));
          loadAccuracy(accuracyWeek);
        }).catch(function (err) { $("accuracy-progress").textContent = errorText(err); });
      });
      group.appendChild(button);
    });
    li.appendChild(group);
    return li;
  }

  function renderAccuracyFigures(data) {
    var body = clear($("accuracy-months").tBodies[0]);
    data.months.slice().reverse().forEach(function (m) {
      var tr = el("tr");
      cell(tr, m.month.slice(5, 7) + "/" + m.month.slice(0, 4));
      cell(tr, fmtInt(m.reviewed), "num");
      cell(tr, fmtInt(m.right), "num");
      cell(tr, fmtInt(m.partly), "num");
      cell(tr, fmtInt(m.wrong), "num");
      cell(tr, fmtPct(m.accuracy) + " (" + fmtPct(m.ci_low) + " – " + fmtPct(m.ci_high) + ")", "num");
      body.appendChild(tr);
    });
    labelCells($("accuracy-months"));
    $("accuracy-none").hidden = data.months.length > 0;
  }

  function loadAll() { Object.keys(loaders).forEach(function (k) { loaders[k](); }); }

  // ---------------------------------------------------------------- filters and hash

  var RANGES = {
    "7d": function (t) { return [addDays(t, -6), t]; },
    "30d": function (t) { return [addDays(t, -29), t]; },
    quarter: function (t) {
      var month = Math.floor((Number(t.slice(5, 7)) - 1) / 3) * 3 + 1;
      return [t.slice(0, 4) + "-" + pad(month) + "-01", t];
    },
    year: function (t) { return [t.slice(0, 4) + "-01-01", t]; }
  };

  function defaults() {
    var range = RANGES["30d"](todayVN());
    return { from: range[0], to: range[1], province: "", commune: "", channel: "",
      interval: "day", topic: "", level: "province" };
  }

  function readHash() {
    var s = defaults();
    var raw = location.hash.replace(/^#/, "");
    if (raw.indexOf("=") < 0) return state || s; // an in-page anchor, not a saved view
    var p = new URLSearchParams(raw);
    var code = /^[0-9A-Za-z_]{1,16}$/;
    if (validIso(p.get("from"))) s.from = p.get("from");
    if (validIso(p.get("to"))) s.to = p.get("to");
    if (s.from > s.to) { var t = s.from; s.from = s.to; s.to = t; }
    if (code.test(p.get("province") || "")) s.province = p.get("province");
    if (s.province && code.test(p.get("commune") || "")) s.commune = p.get("commune");
    if (CHANNEL_LABELS[p.get("channel")]) s.channel = p.get("channel");
    if (INTERVALS.indexOf(p.get("interval")) >= 0) s.interval = p.get("interval");
    if (LEVELS.indexOf(p.get("level")) >= 0) s.level = p.get("level");
    if (code.test(p.get("topic") || "")) s.topic = p.get("topic");
    return s;
  }

  function hashOf(s) {
    var d = defaults();
    var p = new URLSearchParams();
    p.set("from", s.from);
    p.set("to", s.to);
    ["province", "commune", "channel", "interval", "topic", "level"].forEach(function (k) {
      if (s[k] && s[k] !== d[k]) p.set(k, s[k]);
    });
    return "#" + p.toString();
  }

  function navigate(changes) {
    var next = {};
    Object.keys(state).forEach(function (k) { next[k] = state[k]; });
    Object.keys(changes).forEach(function (k) { next[k] = changes[k]; });
    if (next.from > next.to) {
      $("filter-error").textContent = "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.";
      $("filter-error").hidden = false;
      syncForm();
      return;
    }
    $("filter-error").hidden = true;
    var hash = hashOf(next);
    if (location.hash === hash) { apply(next); return; }
    location.hash = hash; // the hashchange handler applies it (also for back/forward)
  }

  function apply(next) {
    var prev = state;
    state = next;
    syncForm();
    if (!prev || prev.province !== next.province) loadCommunes();
    var filtersChanged = !prev || FILTER_KEYS.some(function (k) { return prev[k] !== next[k]; });
    if (filtersChanged) { loadAll(); return; }
    if (prev.interval !== next.interval) loaders.volume();
    if (prev.level !== next.level) loaders.places();
    if (prev.topic !== next.topic) loaders.topQuestions();
  }

  function syncForm() {
    var today = todayVN();
    ["f-from", "f-to"].forEach(function (id) { $(id).removeAttribute("aria-invalid"); });
    $("f-from").value = views.formatVnDate(state.from);
    $("f-to").value = views.formatVnDate(state.to);
    $("f-channel").value = state.channel;
    ensureOption($("f-province"), state.province, "Mã " + state.province);
    $("f-province").value = state.province;
    $("volume-interval").value = state.interval;
    $("places-level").value = state.level;
    ensureOption($("top-topic"), state.topic, topicLabel(state.topic));
    $("top-topic").value = state.topic;
    Array.prototype.forEach.call(document.querySelectorAll(".quick button"), function (b) {
      var range = RANGES[b.getAttribute("data-range")](today);
      b.setAttribute("aria-pressed", String(range[0] === state.from && range[1] === state.to));
    });
    describeFilters();
  }

  function ensureOption(select, value, label) {
    if (!value) return;
    for (var i = 0; i < select.options.length; i++) if (select.options[i].value === value) return;
    select.appendChild(el("option", { value: value, text: label }));
  }

  function placeName(list, code) {
    for (var i = 0; i < list.length; i++) if (list[i].code === code) return list[i].name;
    return "mã " + code;
  }

  function describeFilters() {
    var parts = ["Đang xem từ " + fmtDate(state.from) + " đến " + fmtDate(state.to)];
    if (state.province) {
      var commune = state.commune ? $("f-commune").selectedOptions[0] : null;
      parts.push((commune && commune.value === state.commune ? commune.textContent + ", " : "") +
        placeName(provinces, state.province));
    } else parts.push("tất cả địa bàn");
    parts.push(state.channel ? "kênh " + CHANNEL_LABELS[state.channel] : "mọi kênh");
    $("filter-summary").textContent = parts.join(" · ") + ".";
  }

  function loadProvinces() {
    var select = $("f-province");
    return request("/api/staff/places/provinces").then(function (data) {
      provinces = data.items || [];
      clear(select).appendChild(el("option", { value: "", text: "Tất cả tỉnh, thành phố" }));
      provinces.forEach(function (p) { select.appendChild(el("option", { value: p.code, text: p.name })); });
      ensureOption(select, state.province, "Mã " + state.province);
      select.value = state.province;
      describeFilters();
      fillNoticeProvinces();
    }).catch(function (err) {
      if (err && err.status === 401) return;
      showFilterError("Không tải được danh sách tỉnh, thành phố. " + errorText(err));
    });
  }

  function loadCommunes() {
    var select = $("f-commune");
    var province = state.province;
    var mine = seq.communes = (seq.communes || 0) + 1;
    clear(select).appendChild(el("option", { value: "", text: "Tất cả xã, phường" }));
    select.disabled = true;
    if (!province) return;
    ensureOption(select, state.commune, "Mã " + state.commune);
    select.value = state.commune;
    request("/api/staff/places/communes?province=" + encodeURIComponent(province)).then(function (data) {
      if (seq.communes !== mine) return;
      (data.items || []).forEach(function (c) {
        if (c.code !== state.commune) select.appendChild(el("option", { value: c.code, text: c.name }));
        else select.querySelector('option[value="' + c.code + '"]').textContent = c.name;
      });
      select.value = state.commune;
      select.disabled = false;
      describeFilters();
    }).catch(function (err) {
      if (seq.communes !== mine || (err && err.status === 401)) return;
      select.disabled = false;
      showFilterError("Không tải được danh sách xã, phường. " + errorText(err));
    });
  }

  function showFilterError(text) { $("filter-error").textContent = text; $("filter-error").hidden = false; }

  function bindFilters() {
    $("filters").addEventListener("submit", function (e) { e.preventDefault(); });
    // Typed dates (dd/mm/yyyy, see staff-views.js) count when the field is left or
    // Enter is pressed; a date that is not one is said, and nothing is asked.
    [["f-from", "from", "Từ ngày"], ["f-to", "to", "Đến ngày"]].forEach(function (f) {
      var input = $(f[0]);
      function typed() {
        var iso = views.parseVnDate(input.value);
        if (!iso) { input.setAttribute("aria-invalid", "true"); showFilterError(views.dateError(f[2])); return; }
        var changes = {};
        changes[f[1]] = iso;
        navigate(changes);
      }
      input.addEventListener("change", typed);
      input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); typed(); } });
    });
    Array.prototype.forEach.call(document.querySelectorAll(".quick button"), function (b) {
      b.addEventListener("click", function () {
        var range = RANGES[b.getAttribute("data-range")](todayVN());
        navigate({ from: range[0], to: range[1] });
      });
    });
    $("f-province").addEventListener("change", function () {
      var changes = { province: this.value, commune: "" };
      // A chosen province: show its communes in the places ranking.
      changes.level = this.value ? "commune" : "province";
      navigate(changes);
    });
    $("f-commune").addEventListener("change", function () { navigate({ commune: this.value }); });
    $("f-channel").addEventListener("change", function () { navigate({ channel: this.value }); });
    $("volume-interval").addEventListener("change", function () { navigate({ interval: this.value }); });
    $("places-level").addEventListener("change", function () { navigate({ level: this.value }); });
    $("top-topic").addEventListener("change", function () { navigate({ topic: this.value }); });
    window.addEventListener("hashchange", function () {
      if (state && location.hash.indexOf("=") >= 0) apply(readHash());
    });
  }

  // ---------------------------------------------------------------- overview

  function renderOverview(o) {
    var outcomes = o.outcomes || {};
    var rates = o.rates || {};
    var feedback = o.feedback || {};
    $("c-turns").textContent = fmtInt(o.turns);
    $("c-turns-note").textContent = fmtDate(o.period && o.period.from) + " – " + fmtDate(o.period && o.period.to);
    $("c-citizens").textContent = fmtInt(o.citizens);
    $("c-citizens-note").textContent = fmtInt(o.new_citizens) + " mới · " + fmtInt(o.returning_citizens) + " quay lại";
    $("c-answered").textContent = fmtPct(rates.answered);
    $("c-answered-note").textContent = fmtInt(outcomes.answered) + " lượt";
    $("c-unsure").textContent = fmtPct(rates.unsure);
    $("c-unsure-note").textContent = fmtInt(outcomes.unsure) + " lượt";
    $("c-out-of-scope").textContent = fmtPct(rates.out_of_scope);
    $("c-out-of-scope-note").textContent = fmtInt(outcomes.out_of_scope) + " lượt";
    $("c-helpful").textContent = fmtPct(feedback.helpful_rate);
    $("c-helpful-note").textContent = (feedback.helpful || feedback.not_helpful)
      ? fmtInt(feedback.helpful) + " hữu ích · " + fmtInt(feedback.not_helpful) + " chưa hữu ích"
      : "Chưa có đánh giá";
  }

  // ---------------------------------------------------------------- community teams' figures

  var NONE = "—"; // a figure that does not exist (no ticket to take a median or rate of)

  // 30 -> "30 phút", 12.5 -> "12,5 phút", 75 -> "1 giờ 15 phút"; null -> "—".
  function fmtMinutes(minutes) {
    if (minutes === null || minutes === undefined || isNaN(minutes)) return NONE;
    if (minutes < 60) {
      var tenths = Math.round(minutes * 10);
      var whole = fmtInt(Math.floor(tenths / 10));
      return (tenths % 10 ? whole + "," + (tenths % 10) : whole) + " phút";
    }
    return fmtDuration(Math.round(minutes) * 60000);
  }

  function communeName(name, code) {
    if (name) return name;
    return code ? "Xã, phường mã " + code : "Chưa rõ xã, phường";
  }

  function fillOrEmpty(table, rows) {
    fillTable(table, rows);
    showEmpty(table, !rows.length);
  }

  function renderCommunity(data) {
    var t = data.tickets || {};
    var a = data.assisted || {};
    var n = function (v) { return v === null || v === undefined ? NONE : fmtInt(v); };
    $("community-channel-note").hidden = !state.channel;
    $("k-opened").textContent = n(t.opened);
    $("k-opened-note").textContent = "đang chờ " + n(t.waiting) + " · đang xử lý " + n(t.claimed) +
      " · đã đóng " + n(t.closed);
    $("k-resolved").textContent = n(t.resolved) + "/" + n(t.opened);
    $("k-resolved-note").textContent = "đạt " + (t.resolved_rate === null || t.resolved_rate === undefined
      ? NONE : fmtPct(t.resolved_rate));
    $("k-escalated").textContent = n(t.escalated);
    $("k-escalated-note").textContent = "không ai nhận trong hạn";
    $("k-first-reply").textContent = fmtMinutes(t.median_minutes_to_first_reply);
    $("k-first-reply-note").textContent = "đóng yêu cầu sau " + fmtMinutes(t.median_minutes_to_close) + " (trung vị)";
    $("k-assisted").textContent = n(a.residents);
    $("k-assisted-note").textContent = "cán bộ ngồi cùng người dân";

    var assisted = a.residents || 0;
    fillOrEmpty($("k-groups"), assisted ? (a.by_group || []).map(function (g) {
      return [g.label || g.group, fmtInt(g.residents)];
    }) : []);
    fillOrEmpty($("k-tasks"), (a.by_task || []).map(function (k) {
      return [k.label || k.task, fmtInt(k.residents)];
    }));
    fillOrEmpty($("k-resolutions"), t.closed ? (t.by_resolution || []).map(function (r) {
      return [r.label || resolutionLabel(r.resolution), fmtInt(r.tickets)];
    }) : []);

    // Tickets and residents side by side, per commune (assisted residents without a
    // known commune on their own row).
    var rows = [];
    var byCode = {};
    (t.by_commune || []).forEach(function (c) {
      var r = { name: communeName(c.name, c.code), tickets: c.tickets || 0, closed: c.closed || 0, residents: 0 };
      byCode[c.code] = r;
      rows.push(r);
    });
    (a.by_commune || []).forEach(function (c) {
      var r = c.code ? byCode[c.code] : null;
      if (!r) {
        r = { name: communeName(c.name, c.code), tickets: 0, closed: 0, residents: 0 };
        if (c.code) byCode[c.code] = r;
        rows.push(r);
      }
      r.residents += c.residents || 0;
    });
    rows.sort(function (x, y) {
      return (y.tickets + y.residents) - (x.tickets + x.residents) || x.name.localeCompare(y.name, "vi");
    });
    fillOrEmpty($("k-communes"), rows.map(function (r) {
      return [r.name, fmtInt(r.tickets), fmtInt(r.closed), fmtInt(r.residents)];
    }));
  }

  // ---------------------------------------------------------------- charts

  function chartWidth(container) { return Math.max(280, Math.floor(container.clientWidth || 600)); }

  function emptyChart(container, text) {
    clear(container).appendChild(el("p", { className: "empty", text: text || "Chưa có dữ liệu trong kỳ này." }));
  }

  // Round up to 1, 2 or 5 times a power of ten.
  function niceMax(v) {
    if (v <= 5) return Math.max(1, Math.ceil(v));
    var p = Math.pow(10, Math.floor(Math.log(v) / Math.LN10));
    var m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }

  // Volume over time: a line for the turns and a dashed one for the answered turns; each
  // bucket is a <g class="point"> with a <title>, the table below holds the same figures.
  function lineChart(container, series, interval, label) {
    chartData[container.id] = function () { lineChart(container, series, interval, label); };
    if (!series.length) { emptyChart(container); return; }
    var width = chartWidth(container);
    var height = width < 500 ? 200 : 240;
    var m = { top: 12, right: 22, bottom: 28, left: 44 };
    var w = width - m.left - m.right;
    var h = height - m.top - m.bottom;
    var max = niceMax(Math.max.apply(null, series.map(function (s) { return s.turns || 0; })));
    var n = series.length;
    var step = n > 1 ? w / (n - 1) : 0;
    function x(i) { return m.left + (n > 1 ? i * step : w / 2); }
    function y(v) { return m.top + h - (v / max) * h; }
    var root = svg("svg", { viewBox: "0 0 " + width + " " + height, width: width, height: height,
      role: "img", "aria-label": label });
    var grid = svg("g", { "class": "grid" });
    var ticks = max <= 5 ? max : 5; // niceMax keeps max / 5 a whole number above 5
    for (var t = 0; t <= ticks; t++) {
      var value = max * t / ticks;
      grid.appendChild(svg("line", { x1: m.left, x2: m.left + w, y1: y(value), y2: y(value) }));
      grid.appendChild(svg("text", { x: m.left - 6, y: y(value) + 4, "text-anchor": "end",
        "class": "axis-label", text: fmtInt(value) }));
    }
    root.appendChild(grid);
    var every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(w / 56))));
    var axis = svg("g", { "class": "axis" });
    series.forEach(function (s, i) {
      if (i % every === 0 || (i === n - 1 && (n - 1) % every > every / 2)) {
        axis.appendChild(svg("text", { x: x(i), y: m.top + h + 18, "text-anchor": "middle",
          "class": "axis-label", text: bucketLabel(s.start, interval, false) }));
      }
    });
    root.appendChild(axis);
    ["answered", "turns"].forEach(function (key) {
      var d = series.map(function (s, i) { return (i ? "L" : "M") + x(i).toFixed(1) + " " + y(s[key] || 0).toFixed(1); }).join(" ");
      if (n > 1) root.appendChild(svg("path", { d: d, "class": "line-" + key }));
    });
    var slot = n > 1 ? step : w;
    series.forEach(function (s, i) {
      var g = svg("g", { "class": "point", "data-start": s.start }, [
        svg("title", { text: bucketLabel(s.start, interval, true) + ": " + fmtInt(s.turns) + " lượt hỏi, " +
          fmtInt(s.answered) + " trả lời được, " + fmtInt(s.unsure) + " chưa chắc, " +
          fmtInt(s.out_of_scope) + " ngoài phạm vi, " + fmtInt(s.citizens) + " người dân" }),
        svg("rect", { "class": "hit", x: Math.max(m.left, x(i) - slot / 2), y: m.top,
          width: Math.min(slot, w), height: h }),
        svg("circle", { "class": "dot-answered", cx: x(i), cy: y(s.answered || 0), r: n > 60 ? 1.5 : 3 }),
        svg("circle", { "class": "dot-turns", cx: x(i), cy: y(s.turns || 0), r: n > 60 ? 2 : 4 })
      ]);
      root.appendChild(g);
    });
    clear(container);
    container.appendChild(el("div", { className: "legend", "aria-hidden": "true" }, [
      el("span", { className: "turns", text: "Lượt hỏi" }),
      el("span", { className: "answered", text: "Trả lời được" })
    ]));
    container.appendChild(root);
  }

  // Horizontal bars, one <g class="bar-row"> per item: the label above its bar, the value
  // at its end; the <title> gives the full figures (tooltip and screen readers). Items
  // marked unknown come last (the caller orders them), grey, below a dashed line, and
  // are left out of the scale; one longer than the longest real bar is cut at the end
  // of its track and says so.
  function barChart(container, items, label) {
    chartData[container.id] = function () { barChart(container, items, label); };
    if (!items.length) { emptyChart(container); return; }
    var width = chartWidth(container);
    var rowHeight = 42;
    var valueSpace = 56;
    var track = width - valueSpace;
    var known = items.filter(function (i) { return !i.unknown; }).length;
    var gap = known && known < items.length ? 12 : 0;
    var height = items.length * rowHeight + gap + 4;
    var max = views.barScale(items);
    var maxChars = Math.max(16, Math.floor(width / 7.2));
    var root = svg("svg", { viewBox: "0 0 " + width + " " + height, width: width, height: height,
      role: "img", "aria-label": label });
    items.forEach(function (item, i) {
      var top = i * rowHeight + (item.unknown ? gap : 0);
      var cut = (item.value || 0) > max;
      var barWidth = cut ? track : Math.max(item.value ? 2 : 0, track * (item.value || 0) / max);
      var name = cut ? item.label + " (vượt thang đo)" : item.label;
      var text = name.length > maxChars ? name.slice(0, maxChars - 1) + "…" : name;
      if (item.unknown && i === known && gap) {
        root.appendChild(svg("line", { "class": "unknown-sep", x1: 0, x2: track, y1: top - gap / 2, y2: top - gap / 2 }));
      }
      root.appendChild(svg("g", { "class": "bar-row" + (item.unknown ? " unknown" : "") + (cut ? " cut" : ""),
        "data-key": item.key == null ? "" : item.key }, [
        svg("title", { text: item.title }),
        svg("text", { x: 0, y: top + 14, text: text }),
        svg("rect", { "class": "track", x: 0, y: top + 20, width: track, height: 14, rx: 3 }),
        svg("rect", { "class": "bar", x: 0, y: top + 20, width: barWidth, height: 14, rx: 3 }),
        // Two slanted strokes across a cut bar's end: the usual mark of a broken axis.
        cut ? svg("path", { "class": "cut-mark", d: "M" + (track - 14) + " " + (top + 36) + "l6 -18m5 18l6 -18" }) : null,
        svg("text", { "class": "bar-value", x: barWidth + 6, y: top + 32, text: fmtInt(item.value) })
      ]));
    });
    clear(container).appendChild(root);
    if (known < items.length) {
      container.appendChild(el("p", { className: "hint chart-note",
        text: "Phần màu xám (chưa xác định được) xếp cuối và không dùng làm thang đo của các thanh." }));
    }
  }

  function isUnknownTopic(t) { return !t.topic || t.topic === "unknown"; }
  function isUnknownPillar(p) { return !p.pillar || p.pillar === "unknown"; }
  function isUnknownPlace(p) { return !p.code; }
  function unknownRows(items, isUnknown) {
    return items.map(function (i) { return isUnknown(i) ? "unknown" : null; });
  }

  function share(value, total) { return total ? " (" + fmtPct(value / total) + ")" : ""; }
  function sum(items, key) { return items.reduce(function (a, i) { return a + (i[key] || 0); }, 0); }

  function renderVolume(data) {
    var series = data.series || [];
    lineChart($("volume-chart"), series, data.interval || state.interval, "Biểu đồ lượt hỏi theo thời gian");
    fillTable($("volume-table"), series.map(function (s) {
      return [bucketLabel(s.start, data.interval || state.interval, true), fmtInt(s.turns), fmtInt(s.answered),
        fmtInt(s.unsure), fmtInt(s.out_of_scope), fmtInt(s.citizens)];
    }));
  }

  function renderTopics(data) {
    var items = views.unknownLast(data.items || [], isUnknownTopic);
    var total = sum(items, "turns");
    items.forEach(function (t) { if (t.topic && t.label) topicLabels[t.topic] = t.label; });
    barChart($("topics-chart"), items.map(function (t) {
      var label = t.label || topicLabel(t.topic);
      return { key: t.topic, label: label, value: t.turns, unknown: isUnknownTopic(t),
        title: label + ": " + fmtInt(t.turns) + " lượt hỏi" + share(t.turns, total) + "; trả lời được " +
          fmtInt(t.answered) + ", chưa chắc " + fmtInt(t.unsure) + ", ngoài phạm vi " + fmtInt(t.out_of_scope) };
    }), "Biểu đồ lượt hỏi theo chủ đề");
    fillTable($("topics-table"), items.map(function (t) {
      return [t.label || topicLabel(t.topic), fmtInt(t.turns), fmtInt(t.answered), fmtInt(t.unsure), fmtInt(t.out_of_scope)];
    }), unknownRows(items, isUnknownTopic));
    // The topic choice of "Câu hỏi nhiều nhất".
    var select = $("top-topic");
    clear(select).appendChild(el("option", { value: "", text: "Tất cả chủ đề" }));
    items.forEach(function (t) {
      if (t.topic && t.topic !== "unknown") select.appendChild(el("option", { value: t.topic, text: t.label || t.topic }));
    });
    ensureOption(select, state.topic, topicLabel(state.topic));
    select.value = state.topic;
  }

  function renderPillars(data) {
    var items = views.unknownLast(data.items || [], isUnknownPillar);
    var total = sum(items, "turns");
    barChart($("pillars-chart"), items.map(function (p) {
      return { key: p.pillar, label: p.label, value: p.turns, unknown: isUnknownPillar(p),
        title: p.label + ": " + fmtInt(p.turns) + " lượt hỏi" + share(p.turns, total) };
    }), "Biểu đồ lượt hỏi theo trụ cột công dân số");
    fillTable($("pillars-table"), items.map(function (p) { return [p.label, fmtInt(p.turns)]; }),
      unknownRows(items, isUnknownPillar));
  }

  function renderChannels(data) {
    var items = data.items || [];
    var total = sum(items, "turns");
    barChart($("channels-chart"), items.map(function (c) {
      var label = CHANNEL_LABELS[c.channel] || c.channel;
      return { key: c.channel, label: label, value: c.turns,
        title: label + ": " + fmtInt(c.turns) + " lượt hỏi" + share(c.turns, total) + ", " + fmtInt(c.citizens) + " người dân" };
    }), "Biểu đồ lượt hỏi theo kênh");
    fillTable($("channels-table"), items.map(function (c) {
      return [CHANNEL_LABELS[c.channel] || c.channel, fmtInt(c.turns), fmtInt(c.citizens)];
    }));
  }

  function placeLabel(p, level) {
    if (!p.code) return p.name || "Chưa rõ địa bàn";
    return level === "commune" && p.province_name && !state.province ? p.name + ", " + p.province_name : p.name;
  }

  function renderPlaces(data) {
    var items = views.unknownLast(data.items || [], isUnknownPlace);
    var level = data.level || state.level;
    barChart($("places-chart"), items.map(function (p) {
      var label = placeLabel(p, level);
      return { key: p.code, label: label, value: p.turns, unknown: isUnknownPlace(p),
        title: label + ": " + fmtInt(p.turns) + " lượt hỏi, " + fmtInt(p.citizens) + " người dân" };
    }), level === "commune" ? "Biểu đồ xã, phường hỏi nhiều nhất" : "Biểu đồ tỉnh, thành phố hỏi nhiều nhất");
    fillTable($("places-table"), items.map(function (p) {
      return [placeLabel(p, level), fmtInt(p.turns), fmtInt(p.citizens)];
    }), unknownRows(items, isUnknownPlace));
  }

  window.addEventListener("resize", (function () {
    var timer = null;
    var lastWidth = window.innerWidth;
    return function () {
      if (window.innerWidth === lastWidth) return;
      lastWidth = window.innerWidth;
      clearTimeout(timer);
      timer = setTimeout(function () {
        Object.keys(chartData).forEach(function (id) { chartData[id](); });
      }, 150);
    };
  })());

  // ---------------------------------------------------------------- question tables

  // The question as a link-like button that opens the answer in the editor.
  function answerLink(answerId, question) {
    if (!answerId) return document.createTextNode(question || "Chưa xác định");
    var b = el("button", { type: "button", className: "linklike", text: question || answerId });
    b.addEventListener("click", function () { openAnswer(answerId); });
    return b;
  }

  function questionCell(item, withTopic) {
    var wrap = el("div", null, [answerLink(item.answer_id, item.question)]);
    if (withTopic && item.topic) wrap.appendChild(el("span", { className: "topic-tag", text: topicLabel(item.topic) }));
    return wrap;
  }

  function showEmpty(table, empty) {
    table.hidden = empty;
    table.parentNode.querySelector(".empty").hidden = !empty;
  }

  function renderTopQuestions(data) {
    var items = data.items || [];
    var table = $("top-questions");
    fillTable(table, items.map(function (q) {
      return [questionCell(q, !state.topic), fmtInt(q.turns), fmtInt(q.helpful), fmtInt(q.not_helpful)];
    }));
    showEmpty(table, !items.length);
  }

  function renderFeedback(data) {
    var items = data.items || [];
    var table = $("worst-answers");
    fillTable(table, items.map(function (q) {
      return [questionCell(q, true), fmtInt(q.helpful), fmtInt(q.not_helpful), fmtPct(q.helpful_rate)];
    }));
    showEmpty(table, !items.length);
  }

  // ---------------------------------------------------------------- unanswered inbox

  function whenAnswers(callback) {
    if (answers) callback(answers);
    else answersWaiters.push(callback);
  }

  function answerById(id) {
    for (var i = 0; answers && i < answers.length; i++) if (answers[i].id === id) return answers[i];
    return null;
  }

  function fillAnswerSelect(select, suggested) {
    whenAnswers(function (list) {
      var groups = {};
      var order = [];
      list.forEach(function (a) {
        if (!groups[a.topic]) { groups[a.topic] = el("optgroup", { label: topicLabel(a.topic) }); order.push(a.topic); }
        var text = a.question.length > 90 ? a.question.slice(0, 89) + "…" : a.question;
        groups[a.topic].appendChild(el("option", { value: a.id, text: text + (a.id === suggested ? " (gợi ý)" : "") }));
      });
      order.forEach(function (t) { select.appendChild(groups[t]); });
      if (suggested && answerById(suggested)) select.value = suggested;
      select.dispatchEvent(new Event("change"));
    });
  }

  // The inbox shows 20 groups at a time: at 50 groups it was a 10 000-pixel page that
  // pushed the answers and the report far down.
  var INBOX_PAGE = 20;
  var inboxPager = null;

  function inboxCount() {
    // The last shown group was dealt with: the next page takes its place.
    if (inboxPager && !inboxPager.shown() && inboxPager.next()) inboxPager.more();
    var n = inboxPager ? inboxPager.total() : 0;
    var shown = inboxPager ? inboxPager.shown() : 0;
    var next = inboxPager ? inboxPager.next() : 0;
    $("inbox-count").textContent = "(" + fmtInt(n) + " nhóm)";
    $("inbox-shown").textContent = n ? "Đang hiện " + fmtInt(shown) + " trong " + fmtInt(n) + " nhóm." : "";
    $("inbox-more").hidden = !next;
    $("inbox-more").textContent = "Xem thêm " + fmtInt(next) + " nhóm";
    showEmpty($("inbox-list"), n === 0);
  }

  function renderInbox(data) {
    inboxPager = new views.Pager($("inbox-list"), INBOX_PAGE, (function () {
      var index = 0;
      return function (g) { return inboxGroup(g, index++); };
    })());
    inboxPager.reset(data.groups || []);
    inboxCount();
    var partial = $("inbox-partial");
    partial.hidden = data.complete !== false;
    partial.textContent = partial.hidden ? "" : "Kỳ này có hơn " + fmtInt(data.scanned) +
      " câu hỏi chưa giải đáp; các nhóm được gom từ " + fmtInt(data.scanned) +
      " câu gần nhất. Anh/Chị xử lý bớt hoặc thu hẹp thời gian, địa bàn để xem các câu cũ hơn.";
  }

  function inboxGroup(g, index) {
    var outcomes = g.outcomes || {};
    var id = "inbox-" + index + "-" + (seq.inbox || 0);
    var li = el("li", { className: "inbox-group", "data-key": g.key, "aria-labelledby": id + "-title" });
    li.appendChild(el("h3", { id: id + "-title", tabindex: "-1", text: fmtInt(g.count) + " câu hỏi tương tự" }));
    var first = g.first_at ? fmtDateTime(g.first_at).slice(6) : "";
    var last = g.last_at ? fmtDateTime(g.last_at).slice(6) : first;
    var span = !first ? "" : first === last ? "Ngày " + first : "Từ " + first + " đến " + last;
    var kinds = [];
    if (outcomes.unsure) kinds.push("chưa chắc: " + fmtInt(outcomes.unsure));
    if (outcomes.out_of_scope) kinds.push("ngoài phạm vi: " + fmtInt(outcomes.out_of_scope));
    li.appendChild(el("p", { className: "hint", text: [span, kinds.join(", ")].filter(Boolean).join(" · ") }));
    var samples = el("ul", { className: "samples", "aria-label": "Ví dụ câu hỏi (đã che thông tin cá nhân)" });
    (g.sample_texts || []).forEach(function (t) { samples.appendChild(el("li", { text: "“" + t + "”" })); });
    li.appendChild(samples);

    var actions = el("div", { className: "inbox-actions", role: "group", "aria-label": "Xử lý nhóm câu hỏi" });
    var reviewed = el("button", { type: "button", text: "Đã xem" });
    var select = el("select", { id: id + "-answer" }, [el("option", { value: "", text: "— Chọn câu trả lời —" })]);
    var addExample = el("button", { type: "button", text: "Thêm câu mẫu", disabled: "disabled" });
    var needsAnswer = el("button", { type: "button", text: "Cần câu trả lời mới" });
    var addBox = el("div", { className: "add-example" }, [
      el("label", { "for": id + "-answer", text: "Thêm làm câu mẫu cho câu trả lời…" }, []), addExample]);
    addBox.firstChild.appendChild(select);
    actions.appendChild(reviewed);
    actions.appendChild(addBox);
    actions.appendChild(needsAnswer);
    li.appendChild(actions);
    var problem = el("p", { className: "error", role: "alert", hidden: "hidden" });
    li.appendChild(problem);

    select.addEventListener("change", function () { addExample.disabled = !select.value; });
    fillAnswerSelect(select, g.suggested_answer_id);

    function act(action, button) {
      var body = { turn_ids: g.turn_ids || [], action: action };
      if (action === "add_example") body.answer_id = select.value;
      var buttons = li.querySelectorAll("button, select");
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
      problem.hidden = true;
      request("/api/staff/inbox/review", { method: "POST", body: body }).then(function (result) {
        var n = result && typeof result.updated === "number" ? result.updated : g.count;
        var message;
        if (action === "reviewed") message = "Đã đánh dấu “Đã xem” cho " + fmtInt(n) + " câu hỏi.";
        else if (action === "add_example") {
          var a = answerById(body.answer_id);
          message = "Đã thêm " + fmtInt(n) + " câu làm câu mẫu cho “" + (a ? a.question : body.answer_id) +
            "”. Câu mẫu được dùng từ lần huấn luyện sau.";
        } else message = "Đã ghi nhận " + fmtInt(n) + " câu hỏi cần câu trả lời mới.";
        var next = li.nextElementSibling || li.previousElementSibling;
        li.parentNode.removeChild(li);
        inboxCount();
        say($("inbox-status"), message);
        var focus = next ? next.querySelector("button") : $("inbox-title");
        focus.focus();
      }).catch(function (err) {
        if (err && err.status === 401) return;
        Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
        addExample.disabled = !select.value;
        problem.textContent = err && err.status === 422
          ? "Chưa lưu được: câu trả lời đã chọn không còn tồn tại. Anh/Chị chọn lại."
          : "Chưa lưu được. " + errorText(err);
        problem.hidden = false;
        if (button) button.focus();
      });
    }
    reviewed.addEventListener("click", function () { act("reviewed", reviewed); });
    addExample.addEventListener("click", function () { if (select.value) act("add_example", addExample); });
    needsAnswer.addEventListener("click", function () { act("needs_answer", needsAnswer); });
    return li;
  }

  // ---------------------------------------------------------------- answers

  var FIELDS = {
    question: "a-question", answer: "a-answer", steps: "a-steps", source_url: "a-source-url",
    source_ref: "a-source-ref"
  };

  function canEdit() { return role === "admin"; }

  function loadAnswers() {
    var section = $("answers-panel");
    var mine = seq.answers = (seq.answers || 0) + 1;
    section.setAttribute("aria-busy", "true");
    return request("/api/staff/answers").then(function (data) {
      if (seq.answers !== mine) return;
      answers = data.items || [];
      answers.forEach(function (a) { if (a.topic_label) topicLabels[a.topic] = a.topic_label; });
      panelOk(section);
      renderAnswerList();
      var waiting = answersWaiters;
      answersWaiters = [];
      waiting.forEach(function (cb) { cb(answers); });
    }).catch(function (err) {
      if (seq.answers !== mine || (err && err.status === 401)) return;
      panelError(section, errorText(err), loadAnswers);
    }).then(function () { if (seq.answers === mine) section.removeAttribute("aria-busy"); });
  }

  function renderAnswerList() {
    var query = $("answer-search").value.trim();
    var body = clear($("answer-list").tBodies[0]);
    // Drafts first, then the checks that are oldest: what needs a look comes first.
    var ordered = answers.slice().sort(function (x, y) {
      var kx = x.status === "verified" ? (x.verified_on || "") : "";
      var ky = y.status === "verified" ? (y.verified_on || "") : "";
      return kx < ky ? -1 : kx > ky ? 1 : 0;
    });
    var due = ordered.filter(function (a) { return a.due_for_check; }).length;
    // A search ranks by the question's words (staff-views.js); that order wins.
    var found = views.rankAnswers(ordered, query, function (a) { return topicLabel(a.topic); });
    var shown = found.length;
    found.forEach(function (a) {
      var tr = el("tr", { "data-id": a.id, className: a.due_for_check ? "due" : null });
      var q = el("td");
      q.appendChild(el("span", { text: a.question }));
      q.appendChild(el("code", { className: "topic-tag", text: a.id }));
      tr.appendChild(q);
      cell(tr, topicLabel(a.topic));
      cell(tr, checkText(a), a.due_for_check ? "due-cell" : null);
      var td = el("td");
      var b = el("button", { type: "button", text: canEdit() ? "Sửa" : "Xem",
        "aria-label": (canEdit() ? "Sửa câu trả lời: " : "Xem câu trả lời: ") + a.question });
      b.addEventListener("click", function () { openAnswer(a.id); });
      td.appendChild(b);
      tr.appendChild(td);
      body.appendChild(tr);
    });
    labelCells($("answer-list"));
    $("answer-count").textContent = (query
      ? "Tìm thấy " + fmtInt(shown) + " trong " + fmtInt(answers.length) + " câu trả lời."
      : fmtInt(answers.length) + " câu trả lời.") +
      " " + fmtInt(due) + " câu cần kiểm tra (bản nháp hoặc kiểm tra quá 180 ngày).";
  }

  function checkText(a) {
    if (a.status !== "verified") return "Bản nháp, chưa kiểm tra";
    var text = "Đã kiểm tra " + fmtDate(a.verified_on);
    return a.due_for_check ? text + " (quá 180 ngày)" : text;
  }

  function loadHistory(id) {
    var list = clear($("answer-history"));
    return request("/api/staff/answers/" + encodeURIComponent(id) + "/history").then(function (data) {
      if (editing !== id) return;
      (data.items || []).forEach(function (r) {
        var fields = (r.changed || []).map(function (f) { return FIELD_LABELS[f] || f; }).join(", ");
        var li = el("li", { "data-revision": String(r.id) });
        li.appendChild(el("span", { text: fmtDateTime(r.changed_at) + " · " + r.changed_by + " · " +
          (CHANGE_ACTIONS[r.action] || r.action) + (fields ? ": " + fields : "") }));
        if (canEdit()) {
          var undo = el("button", { type: "button", text: "Hoàn tác thay đổi này",
            "aria-label": "Hoàn tác thay đổi lúc " + fmtDateTime(r.changed_at) });
          undo.addEventListener("click", function () { revertTo(id, r.id, undo); });
          li.appendChild(undo);
        }
        list.appendChild(li);
      });
      if (!list.children.length) list.appendChild(el("li", { text: "Chưa có thay đổi nào từ khi nạp dữ liệu gốc." }));
    }).catch(function () { /* the form still works without its history */ });
  }

  function replaceAnswer(item) {
    for (var i = 0; i < answers.length; i++) if (answers[i].id === item.id) answers[i] = item;
    renderAnswerList();
    if (editing === item.id) showAnswer(item);
  }

  function revertTo(id, revision, button) {
    button.disabled = true;
    request("/api/staff/answers/" + encodeURIComponent(id) + "/revert",
      { method: "POST", body: { revision_id: revision } }).then(function (item) {
      replaceAnswer(item);
      say($("answer-status"), "Đã khôi phục nội dung trước thay đổi này.");
    }).catch(function (err) {
      button.disabled = false;
      if (err && err.status !== 401) say($("answer-status"), "Chưa khôi phục được. " + errorText(err));
    });
  }

  function clearFieldErrors() {
    $("answer-errors").hidden = true;
    clear($("answer-errors"));
    Object.keys(FIELDS).forEach(function (f) {
      $(FIELDS[f]).removeAttribute("aria-invalid");
      $(FIELDS[f] + "-error").hidden = true;
      $(FIELDS[f] + "-error").textContent = "";
    });
  }

  function showFieldErrors(errors, general) {
    // errors: {field: message}; shown next to each field and listed above the form.
    var box = $("answer-errors");
    clear(box);
    box.appendChild(el("p", { text: general || "Chưa lưu được. Anh/Chị sửa các mục sau:" }));
    var list = el("ul");
    var first = null;
    Object.keys(errors).forEach(function (f) {
      if (FIELDS[f]) {
        $(FIELDS[f]).setAttribute("aria-invalid", "true");
        $(FIELDS[f] + "-error").textContent = errors[f];
        $(FIELDS[f] + "-error").hidden = false;
        if (!first) first = $(FIELDS[f]);
      }
      var label = FIELD_LABELS[f] && errors[f].indexOf(FIELD_LABELS[f]) !== 0 ? FIELD_LABELS[f] + ": " : "";
      list.appendChild(el("li", { text: label + errors[f] }));
    });
    if (list.children.length) box.appendChild(list);
    box.hidden = false;
    (first || $("answer-form-title")).focus();
  }

  function updateWordCount() {
    var words = $("a-answer").value.trim().split(/\s+/).filter(Boolean).length;
    var hint = $("a-answer-hint");
    hint.textContent = fmtInt(words) + "/" + ANSWER_WORD_LIMIT + " từ. Ngắn gọn, lịch sự, xưng hô Anh/Chị.";
    hint.className = "hint" + (words > ANSWER_WORD_LIMIT ? " words-over" : "");
  }

  function openAnswer(id) {
    whenAnswers(function () {
      var a = answerById(id);
      if (!a) return;
      showAnswer(a);
      $("answer-form").hidden = false;
      $("answers-panel").classList.add("editing");
      $("answer-form-title").focus();
      if ($("answer-form").scrollIntoView) $("answer-form").scrollIntoView({ block: "nearest" });
    });
  }

  function showAnswer(a) {
    editing = a.id;
    var editable = canEdit();
    clearFieldErrors();
    $("answer-status").textContent = "";
    $("answer-form-title").textContent = (editable ? "Sửa câu trả lời " : "Câu trả lời ") + a.id;
    $("answer-meta").textContent = "Chủ đề: " + topicLabel(a.topic) +
      (a.updated_at ? " · Cập nhật " + fmtDateTime(a.updated_at) + (a.updated_by ? " bởi " + (a.updated_by === "seed" ? "dữ liệu gốc" : a.updated_by) : "") : "");
    $("a-question").value = a.question || "";
    $("a-answer").value = a.answer || "";
    $("a-steps").value = (a.steps || []).join("\n");
    $("a-source-url").value = a.source_url || "";
    $("a-source-ref").value = a.source_ref || "";
    $("a-check-state").textContent = a.status === "verified"
      ? "Đã kiểm tra với trang nguồn ngày " + fmtDate(a.verified_on) + (a.verified_by ? " (" + a.verified_by + ")" : "") +
        (a.due_for_check ? ". Đã quá 180 ngày: nên kiểm tra lại." : ".")
      : "Bản nháp: chưa ai kiểm tra nội dung này với trang nguồn. Người dân được nhắc tự kiểm tra lại.";
    $("a-verified").checked = false;
    $("a-verified").disabled = !editable;
    Object.keys(FIELDS).forEach(function (f) { $(FIELDS[f]).readOnly = !editable; });
    $("answer-save").hidden = !editable;
    $("answer-verify").hidden = !editable;
    updateWordCount();
    loadHistory(a.id);
  }

  function formValues() {
    return {
      question: $("a-question").value.trim(),
      answer: $("a-answer").value.trim(),
      steps: $("a-steps").value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean),
      source_url: $("a-source-url").value.trim(),
      source_ref: $("a-source-ref").value.trim() || null,
      sources: (answerById(editing) || {}).sources || [],
      verified: $("a-verified").checked
    };
  }

  function checkForm(v) {
    var errors = {};
    if (!v.question) errors.question = FIELD_MESSAGES.question;
    if (!v.answer) errors.answer = FIELD_MESSAGES.answer;
    if (!/^https:\/\/[^\s/]+\.[^\s]+$/i.test(v.source_url)) errors.source_url = FIELD_MESSAGES.source_url;
    return errors;
  }

  // The API's 422 detail, by field. Answer edits come back as
  // {code, message, problems: [{field, message}]} with Vietnamese messages; request
  // validation errors name the field with pydantic's English text, so those show the
  // field's own Vietnamese hint instead.
  function fieldOf(path) {
    var parts = String(path || "").split(".");
    for (var i = parts.length - 1; i >= 0; i--) if (FIELDS[parts[i]]) return parts[i];
    return null;
  }

  function apiFieldErrors(detail) {
    var errors = {};
    var problems = detail && Array.isArray(detail.problems) ? detail.problems : [];
    problems.forEach(function (p) {
      var field = fieldOf(p.field);
      var text = VIETNAMESE.test(p.message || "") ? p.message : (field ? FIELD_MESSAGES[field] : "");
      var key = field || "_";
      if (text && !errors[key]) errors[key] = text;
    });
    if (!Object.keys(errors).length) {
      errors._ = (detail && VIETNAMESE.test(detail.message || "")) ? detail.message : "Dữ liệu chưa hợp lệ.";
    }
    return errors;
  }

  function bindAnswers() {
    $("answer-search").addEventListener("input", function () { if (answers) renderAnswerList(); });
    $("answer-verify").addEventListener("click", function () {
      if (!canEdit() || !editing) return;
      var id = editing;
      var button = $("answer-verify");
      button.disabled = true;
      clearFieldErrors();
      request("/api/staff/answers/" + encodeURIComponent(id) + "/verify", { method: "POST" }).then(function (item) {
        replaceAnswer(item);
        say($("answer-status"), "Đã ghi nhận: câu trả lời được kiểm tra hôm nay với trang nguồn.");
      }).catch(function (err) {
        if (err && err.status === 401) return;
        if (err && err.status === 422) showFieldErrors(apiFieldErrors(err.detail));
        else showFieldErrors({}, "Chưa ghi nhận được. " + errorText(err));
      }).then(function () { button.disabled = false; });
    });
    $("a-answer").addEventListener("input", updateWordCount);
    $("answer-close").addEventListener("click", function () {
      var row = document.querySelector('#answer-list tr[data-id="' + editing + '"] button');
      $("answer-form").hidden = true;
      $("answers-panel").classList.remove("editing");
      editing = null;
      if (row) row.focus(); else $("answer-search").focus();
    });
    $("answer-form").addEventListener("submit", function (e) {
      e.preventDefault();
      if (!canEdit() || !editing) return;
      clearFieldErrors();
      $("answer-status").textContent = "";
      var values = formValues();
      var problems = checkForm(values);
      if (Object.keys(problems).length) { showFieldErrors(problems); return; }
      var id = editing;
      $("answer-save").disabled = true;
      request("/api/staff/answers/" + encodeURIComponent(id), { method: "PUT", body: values }).then(function (item) {
        replaceAnswer(item);
        say($("answer-status"), "Đã lưu. Trợ lý dùng nội dung mới từ câu trả lời tiếp theo." +
          (item.status === "verified" ? "" : " Câu trả lời là bản nháp cho đến khi được kiểm tra với trang nguồn."));
      }).catch(function (err) {
        if (err && err.status === 401) return;
        if (err && err.status === 422) showFieldErrors(apiFieldErrors(err.detail));
        else if (err && err.status === 403) showFieldErrors({}, "Chỉ quản trị viên được sửa câu trả lời.");
        else if (err && err.status === 404) showFieldErrors({}, "Câu trả lời này không còn tồn tại.");
        else showFieldErrors({}, "Chưa lưu được. " + errorText(err));
      }).then(function () { $("answer-save").disabled = false; });
    });
  }

  // ---------------------------------------------------------------- export and summary

  function renderSummary(data) {
    $("summary-text").textContent = data.paragraph || "";
    $("summary-copy").disabled = !data.paragraph;
    $("summary-status").textContent = "";
  }

  function fileName(disposition, format) {
    var m = /filename\*=UTF-8''([^;]+)/i.exec(disposition || "");
    if (m) { try { return decodeURIComponent(m[1]); } catch (e) { /* fall through */ } }
    m = /filename="?([^";]+)"?/i.exec(disposition || "");
    if (m) return m[1];
    return "bao-cao-bdhvs_" + state.from + "_" + state.to + "." + format;
  }

  function download(format, button) {
    var status = $("export-status");
    button.disabled = true;
    status.textContent = "Đang chuẩn bị tệp…";
    var response = null;
    request("/api/staff/reports/export?" + filterQuery({ format: format }), { raw: true }).then(function (r) {
      response = r;
      return r.blob();
    }).then(function (blob) {
      var url = URL.createObjectURL(blob);
      var a = el("a", { href: url, download: fileName(response.headers.get("Content-Disposition"), format) });
      document.body.appendChild(a);
      a.click();
      document.body.removeChild(a);
      setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
      say(status, "Đã tải tệp " + format.toUpperCase() + " (" + fmtDate(state.from) + " – " + fmtDate(state.to) + ").");
    }).catch(function (err) {
      if (err && err.status === 401) return;
      status.textContent = "";
      say(status, "Chưa tải được tệp. " + errorText(err));
    }).then(function () { button.disabled = false; });
  }

  function copySummary() {
    var text = $("summary-text").textContent;
    var status = $("summary-status");
    function done() { say(status, "Đã sao chép đoạn tóm tắt."); }
    function fallback() {
      // Clipboard API needs HTTPS; on a plain-HTTP intranet select and copy instead.
      var area = el("textarea", { readonly: "readonly", "aria-hidden": "true", className: "visually-hidden" });
      area.value = text;
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      $("summary-copy").focus();
      if (ok) done(); else say(status, "Chưa sao chép được. Anh/Chị bôi đen đoạn văn rồi nhấn Ctrl+C.");
    }
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  }

  // ---------------------------------------------------------------- recent turns

  function loadTurns() {
    return loadPanel("turns", "turns-panel", "/api/staff/turns?limit=50", function (rows) {
      var body = clear(document.querySelector("#turns tbody"));
      rows.forEach(function (t) {
        var tr = el("tr");
        cell(tr, fmtDateTime(t.created_at));
        cell(tr, CHANNEL_LABELS[t.channel] || t.channel);
        cell(tr, t.text);
        cell(tr, t.topic ? topicLabel(t.topic) : "");
        cell(tr, OUTCOME_LABELS[t.outcome] || t.outcome);
        // The answer's confidence (what was checked against the threshold) when there
        // is one; the intent's is 1,00 for every FAQ question, sure or not.
        var checked = t.answer_confidence !== null && t.answer_confidence !== undefined ? t.answer_confidence : t.confidence;
        cell(tr, checked === null || checked === undefined ? "" : checked.toFixed(2).replace(".", ","), "num");
        cell(tr, fmtInt(t.latency_ms), "num");
        body.appendChild(tr);
      });
      labelCells($("turns"));
    });
  }

  // ---------------------------------------------------------------- hand-off queue

  // Community tech team members (and admins) see the tickets of their communes: the
  // queue, one ticket with the citizen's masked conversation, claim, reply and close.
  var TICKET_STATUSES = {
    open: { label: "Đang chờ", empty: "Không có yêu cầu nào đang chờ." },
    claimed: { label: "Đã nhận", empty: "Không có yêu cầu nào đang được xử lý." },
    closed: { label: "Đã đóng", empty: "Chưa có yêu cầu nào đã đóng." }
  };
  var REASON_LABELS = {
    requested: "Người dân yêu cầu", not_understood: "Trợ lý chưa hiểu 2 lần",
    unhelpful: "Người dân đánh giá chưa hữu ích 2 lần"
  };
  var TICKET_CHANNELS = { web: "Trò chuyện trên web", telegram: "Telegram", zalo: "Zalo OA" };
  var RESOLUTION_LABELS = {
    guided_remotely: "Đã hướng dẫn qua tin nhắn", met_in_person: "Đã hỗ trợ trực tiếp tại điểm hỗ trợ",
    referred: "Đã chuyển cơ quan khác", no_response: "Không liên lạc được", not_needed: "Không cần hỗ trợ nữa"
  };
  var REPLY_HINTS = {
    web: "Người dân dùng trò chuyện trên web: trả lời hiện ra khi người dân mở lại trang trò chuyện.",
    telegram: "Trả lời được gửi ngay qua Telegram.",
    zalo: "Zalo chỉ cho gửi trong 48 giờ kể từ tin nhắn cuối của người dân."
  };
  var DELIVERY_FAILURES = {
    outside_window: "đã quá thời hạn 48 giờ của Zalo, hãy liên hệ người dân qua đầu mối khác",
    no_contact: "không tìm thấy địa chỉ nhận tin của người dân trên kênh này, hãy liên hệ người dân qua đầu mối khác",
    channel_off: "kênh này chưa được bật trên hệ thống, hãy báo quản trị viên và liên hệ người dân qua đầu mối khác",
    Forbidden: "người dân đã chặn tài khoản của trợ lý, hãy liên hệ người dân qua đầu mối khác"
  };
  var REPLY_LIMIT = 2000;
  var TICKETS_LIMIT = 500;
  var CLOSED_SHOWN = 50;
  var REFRESH_MS = 60000;
  var PAGE_TITLE = document.title;

  var ticketFilter = "open";
  var activeTickets = [];    // open and claimed tickets, escalated then oldest first
  var closedTickets = null;  // newest closed first, once asked for
  var seenOpen = null;       // ids of the open tickets already shown (new ones are announced)
  var ticket = null;         // the ticket shown in the detail panel
  var ticketsLoadedAt = 0;
  var busy = false;          // a claim, reply or close is under way
  var conversationShown = null; // the conversation drawn in the panel (as JSON)

  function ticketsShown() { return !$("handoff").hidden; }

  // 8 100 000 ms -> "2 giờ 15 phút"; days drop the minutes.
  function fmtDuration(ms) {
    var minutes = Math.max(0, Math.floor(ms / 60000));
    if (minutes < 1) return "dưới 1 phút";
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var parts = [];
    if (days) parts.push(days + " ngày");
    if (hours) parts.push(hours + " giờ");
    if (!days && minutes % 60) parts.push((minutes % 60) + " phút");
    return parts.join(" ");
  }
  function since(iso) { var t = new Date(iso).getTime(); return isNaN(t) ? 0 : Date.now() - t; }
  function waiting(t) { return t.opened_at ? "chờ " + fmtDuration(since(t.opened_at)) : ""; }

  function placeOf(t) {
    if (!t.commune_code) return "Chưa rõ xã, phường";
    var commune = t.commune_name || "Xã, phường mã " + t.commune_code;
    return t.province_name ? commune + ", " + t.province_name : commune;
  }
  function holderName(name) { return name === username ? "Anh/Chị" : name; }
  function resolutionLabel(r) { return RESOLUTION_LABELS[r] || r || ""; }

  function deliveryText(d) {
    if (d === "sent") return "Đã gửi";
    if (d === "waiting") return "Đang chờ người dân mở lại trang trò chuyện";
    if (d === "sending") return "Đang gửi…";
    var reason = String(d || "").replace(/^failed:/, "");
    return "Chưa gửi được: " + (DELIVERY_FAILURES[reason] ||
      "kênh báo lỗi (" + reason + "), hãy thử lại sau hoặc liên hệ người dân qua đầu mối khác");
  }
  function deliveryFailed(d) { return /^failed:/.test(d || ""); }

  function badge(text, cls) { return el("span", { className: "badge " + cls, text: text }); }
  function statusBadge(t) {
    var s = TICKET_STATUSES[t.status];
    return badge(s ? s.label : t.status, "status-" + t.status);
  }
  function escalatedBadge(t) {
    if (!t.escalated) return null;
    return t.status === "open" ? badge("Quá hạn — đã báo lên tỉnh", "overdue")
      : badge("Đã báo lên tỉnh", "escalated");
  }

  // One line under the ticket's place: how long it has waited, who has it, how it ended.
  function ticketState(t) {
    if (t.status === "open") {
      var due = t.claim_due_at && !t.escalated ? " · hạn nhận " + fmtDateTime(t.claim_due_at) : "";
      return waiting(t) + due;
    }
    if (t.status === "claimed") {
      return holderName(t.claimed_by) + " đã nhận lúc " + fmtDateTime(t.claimed_at) +
        (t.first_reply_at ? "" : " · chưa trả lời");
    }
    return "Đóng lúc " + fmtDateTime(t.closed_at) + " · " + resolutionLabel(t.resolution);
  }

  function ticketRow(t) {
    var li = el("li", { className: "ticket-item" + (t.escalated && t.status === "open" ? " overdue" : "") });
    var b = el("button", { type: "button", className: "ticket-row", "data-id": String(t.id),
      "aria-current": ticket && ticket.id === t.id ? "true" : null });
    var head = el("span", { className: "row-head" }, [el("b", { text: "Số " + t.id }), escalatedBadge(t)]);
    if (t.status === "claimed" && t.claimed_by === username) head.appendChild(badge("Anh/Chị đang xử lý", "mine"));
    b.appendChild(head);
    b.appendChild(el("span", { className: "row-place", text: placeOf(t) }));
    b.appendChild(el("span", { className: "row-reason",
      text: (REASON_LABELS[t.reason] || t.reason) + " · " + (TICKET_CHANNELS[t.channel] || t.channel) }));
    b.appendChild(el("span", { className: "row-state", text: ticketState(t) }));
    if (t.description) b.appendChild(el("span", { className: "row-description", text: "“" + t.description + "”" }));
    b.addEventListener("click", function () { openTicket(t.id); });
    li.appendChild(b);
    return li;
  }

  function ticketsOf(filter) {
    if (filter === "closed") return (closedTickets || []).slice(0, CLOSED_SHOWN);
    return activeTickets.filter(function (t) { return t.status === filter; });
  }

  function renderTickets() {
    var list = $("ticket-list");
    var focused = document.activeElement && list.contains(document.activeElement)
      ? document.activeElement.getAttribute("data-id") : null;
    clear(list);
    var items = ticketsOf(ticketFilter);
    items.forEach(function (t) { list.appendChild(ticketRow(t)); });
    var empty = list.parentNode.querySelector(".empty");
    empty.textContent = ticketFilter === "closed" && closedTickets === null
      ? "Đang tải…" : TICKET_STATUSES[ticketFilter].empty;
    showEmpty(list, !items.length);
    // A refresh keeps the keyboard where it was.
    if (focused) {
      var again = list.querySelector('button[data-id="' + focused + '"]');
      if (again) again.focus();
    }
    var open = ticketsOf("open").length;
    var claimed = ticketsOf("claimed").length;
    var counts = document.querySelectorAll(".ticket-filter .n");
    counts[0].textContent = " (" + fmtInt(open) + ")";
    counts[1].textContent = " (" + fmtInt(claimed) + ")";
    Array.prototype.forEach.call(document.querySelectorAll(".ticket-filter button"), function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-status") === ticketFilter));
    });
    $("handoff-count").textContent = "(" + fmtInt(open) + " đang chờ)";
    // The browser tab tells a counter that keeps the page open in the background.
    document.title = (open ? "(" + open + ") " : "") + PAGE_TITLE;
  }

  function loadTickets() {
    var section = $("tickets-queue");
    var mine = seq.tickets = (seq.tickets || 0) + 1;
    var wanted = [request("/api/staff/tickets?status=active&limit=" + TICKETS_LIMIT)];
    if (ticketFilter === "closed") wanted.push(request("/api/staff/tickets?status=closed&limit=" + TICKETS_LIMIT));
    section.setAttribute("aria-busy", "true");
    return Promise.all(wanted).then(function (results) {
      if (seq.tickets !== mine) return;
      ticketsLoadedAt = Date.now();
      activeTickets = results[0].items || [];
      if (results[1]) {
        // The API lists the oldest first; the team looks back at the latest.
        closedTickets = (results[1].items || []).slice().sort(function (a, b) {
          return (b.closed_at || "") < (a.closed_at || "") ? -1 : (b.closed_at || "") > (a.closed_at || "") ? 1 : b.id - a.id;
        });
      }
      var open = activeTickets.filter(function (t) { return t.status === "open"; });
      if (seenOpen) {
        var fresh = open.filter(function (t) { return !seenOpen[t.id]; }).length;
        if (fresh) say($("tickets-status"), "Có " + fmtInt(fresh) + " yêu cầu mới đang chờ.");
      }
      seenOpen = {};
      open.forEach(function (t) { seenOpen[t.id] = true; });
      panelOk(section);
      renderTickets();
    }).catch(function (err) {
      if (seq.tickets !== mine || (err && err.status === 401)) return;
      panelError(section, "Không tải được danh sách yêu cầu. " + errorText(err), loadTickets);
    }).then(function () {
      if (seq.tickets === mine) section.removeAttribute("aria-busy");
    });
  }

  function refreshTickets() {
    loadTickets();
    if (ticket && !busy) loadTicket(ticket.id, false);
  }

  // ---- one ticket

  function metaRow(dl, term, value) {
    if (!value) return;
    dl.appendChild(el("dt", { text: term }));
    dl.appendChild(el("dd", { text: value }));
  }

  function bubble(who, cls, at, text, note) {
    return el("li", { className: "bubble " + cls }, [
      el("span", { className: "who", text: who + (at ? " · " + fmtDateTime(at) : "") }),
      el("span", { className: "text", text: text }),
      note ? el("span", { className: "note", text: note }) : null
    ]);
  }

  // Redrawn only when it changed: the minute's refresh keeps the reader's scroll position.
  function renderConversation(turns) {
    var key = JSON.stringify(turns);
    if (key === conversationShown) return;
    conversationShown = key;
    var list = clear($("ticket-conversation"));
    turns.forEach(function (c) {
      list.appendChild(bubble("Người dân", "citizen", c.at, c.text));
      if (c.reply) {
        var note = c.outcome && c.outcome !== "answered" ? OUTCOME_LABELS[c.outcome] || c.outcome : null;
        list.appendChild(bubble("Trợ lý", "assistant", null, c.reply, note));
      }
    });
    $("ticket-conversation-count").textContent = "(" + fmtInt(turns.length) + " lượt)";
    list.parentNode.querySelector(".empty").hidden = turns.length > 0;
    list.hidden = !turns.length;
  }

  function renderThread(t) {
    var list = clear($("ticket-thread"));
    (t.thread || []).forEach(function (m) {
      var citizen = m.author === "citizen";
      var who = citizen ? "Người dân" : (m.author === username ? "Anh/Chị (" + m.author + ")" : m.author);
      var item = el("li", { className: "message " + (citizen ? "from-citizen" : "from-team") }, [
        el("span", { className: "who", text: who + " · " + fmtDateTime(m.at) }),
        el("span", { className: "text", text: m.text })
      ]);
      if (!citizen) {
        item.appendChild(el("span", { className: "delivery" + (deliveryFailed(m.delivery) ? " failed" : ""),
          text: deliveryText(m.delivery) }));
      }
      list.appendChild(item);
    });
  }

  function renderTicket(t) {
    ticket = t;
    var mine = t.status === "claimed" && t.claimed_by === username;
    $("ticket-title").textContent = "Yêu cầu số " + t.id;
    var badges = clear($("ticket-badges"));
    badges.appendChild(statusBadge(t));
    var escalated = escalatedBadge(t);
    if (escalated) badges.appendChild(escalated);

    var dl = clear($("ticket-meta"));
    metaRow(dl, "Xã, phường", placeOf(t));
    metaRow(dl, "Kênh", TICKET_CHANNELS[t.channel] || t.channel);
    metaRow(dl, "Lý do", REASON_LABELS[t.reason] || t.reason);
    metaRow(dl, "Gửi lúc", t.opened_at && fmtDateTime(t.opened_at) + (t.status === "open" ? " (" + waiting(t) + ")" : ""));
    if (t.status === "open") {
      metaRow(dl, "Hạn nhận", t.claim_due_at && fmtDateTime(t.claim_due_at) +
        (t.escalated ? " (đã quá hạn, tỉnh đã được báo)" : ""));
    }
    metaRow(dl, "Người nhận", t.claimed_by && holderName(t.claimed_by) + " · " + fmtDateTime(t.claimed_at));
    metaRow(dl, "Trả lời đầu tiên", t.first_reply_at && fmtDateTime(t.first_reply_at));
    metaRow(dl, "Kết quả", t.status === "closed" && resolutionLabel(t.resolution) + " · " + fmtDateTime(t.closed_at));
    $("ticket-description").textContent = t.description || "(không có mô tả)";

    $("ticket-claim-box").hidden = t.status !== "open";
    var holder = $("ticket-holder");
    holder.hidden = true;
    if (t.status === "claimed" && !mine) {
      holder.textContent = t.claimed_by + " đã nhận yêu cầu này lúc " + fmtDateTime(t.claimed_at) +
        ". Chỉ người nhận trả lời và đóng được yêu cầu.";
      holder.hidden = false;
    } else if (t.status === "closed") {
      holder.textContent = "Yêu cầu đã đóng lúc " + fmtDateTime(t.closed_at) + ": " + resolutionLabel(t.resolution) + ".";
      holder.hidden = false;
    }

    renderConversation(t.conversation || []);
    renderThread(t);
    $("reply-form").hidden = !mine;
    $("close-form").hidden = !mine;
    $("reply-channel-hint").textContent = REPLY_HINTS[t.channel] || "";
    Array.prototype.forEach.call(document.querySelectorAll("#ticket-list .ticket-row"), function (b) {
      if (b.getAttribute("data-id") === String(t.id)) b.setAttribute("aria-current", "true");
      else b.removeAttribute("aria-current");
    });
  }

  function clearTicketMessages() {
    ["ticket-load-error", "claim-error", "reply-error", "close-error"].forEach(function (id) {
      $(id).hidden = true;
      $(id).textContent = "";
    });
    $("ticket-status").textContent = "";
    $("reply-text").removeAttribute("aria-invalid");
    $("close-resolution").removeAttribute("aria-invalid");
  }

  // Loads a ticket into the panel; ``fresh`` when another ticket is opened (its forms
  // are emptied), not when the panel refreshes the same one.
  function loadTicket(id, fresh) {
    var mine = seq.ticket = (seq.ticket || 0) + 1;
    var panel = $("ticket");
    panel.setAttribute("aria-busy", "true");
    return request("/api/staff/tickets/" + encodeURIComponent(id)).then(function (t) {
      if (seq.ticket !== mine) return;
      if (fresh) {
        clearTicketMessages();
        $("reply-text").value = "";
        $("close-resolution").value = "";
        updateReplyCount();
      }
      $("ticket-load-error").hidden = true;
      renderTicket(t);
    }).catch(function (err) {
      if (seq.ticket !== mine || (err && err.status === 401)) return;
      var box = $("ticket-load-error");
      box.textContent = err && err.status === 404
        ? "Không mở được yêu cầu số " + id + ": yêu cầu không còn thuộc địa bàn của Anh/Chị."
        : "Không tải được yêu cầu số " + id + ". " + errorText(err);
      box.hidden = false;
    }).then(function () { if (seq.ticket === mine) panel.removeAttribute("aria-busy"); });
  }

  function openTicket(id) {
    var panel = $("ticket");
    var other = !ticket || ticket.id !== id;
    if (other) {
      ticket = null;
      $("ticket-title").textContent = "Yêu cầu số " + id;
      ["ticket-badges", "ticket-meta", "ticket-description", "ticket-thread", "ticket-conversation"].forEach(function (n) { clear($(n)); });
      conversationShown = null;
      ["ticket-claim-box", "ticket-holder", "reply-form", "close-form"].forEach(function (n) { $(n).hidden = true; });
    }
    panel.hidden = false;
    $("handoff").classList.add("reading");
    $("ticket-title").focus();
    if (panel.scrollIntoView) panel.scrollIntoView({ block: "start" });
    return loadTicket(id, other);
  }

  function closeTicketPanel() {
    var id = ticket ? String(ticket.id) : null;
    seq.ticket = (seq.ticket || 0) + 1; // a late answer must not reopen it
    ticket = null;
    $("ticket").hidden = true;
    $("handoff").classList.remove("reading");
    Array.prototype.forEach.call(document.querySelectorAll("#ticket-list .ticket-row"), function (b) {
      b.removeAttribute("aria-current");
    });
    var row = id && document.querySelector('#ticket-list button[data-id="' + id + '"]');
    (row || document.querySelector('.ticket-filter button[aria-pressed="true"]')).focus();
  }

  // A 409: someone else claimed it, or it was closed meanwhile.
  function conflictText(err) {
    var detail = err && err.detail;
    var holder = detail && typeof detail === "object" ? detail.holder : null;
    var text = errorText(err);
    if (holder === "closed") return text + " Yêu cầu đã đóng.";
    if (holder && holder !== "open") return text + " Người nhận: " + holder + ".";
    return text;
  }

  function showError(id, text, field) {
    $(id).textContent = text;
    $(id).hidden = false;
    if (field) { field.setAttribute("aria-invalid", "true"); field.focus(); }
  }

  function ticketAction(path, body) {
    busy = true;
    return request(path, body === undefined ? { method: "POST" } : { method: "POST", body: body })
      .then(function (r) { busy = false; return r; }, function (err) { busy = false; throw err; });
  }

  function claimTicket() {
    if (!ticket || busy) return;
    var id = ticket.id;
    var button = $("ticket-claim");
    clearTicketMessages();
    button.disabled = true;
    ticketAction("/api/staff/tickets/" + id + "/claim").then(function (t) {
      renderTicket(t);
      say($("ticket-status"), "Anh/Chị đã nhận yêu cầu số " + id + ". Hãy trả lời người dân bên dưới.");
      $("reply-text").focus();
      loadTickets();
    }).catch(function (err) {
      if (err && err.status === 401) return;
      showError("claim-error", err && err.status === 409 ? conflictText(err) : "Chưa nhận được yêu cầu. " + errorText(err));
      if (err && (err.status === 409 || err.status === 404)) { loadTicket(id, false); loadTickets(); }
    }).then(function () { button.disabled = false; });
  }

  function updateReplyCount() {
    var n = $("reply-text").value.length;
    $("reply-hint").textContent = fmtInt(n) + "/" + fmtInt(REPLY_LIMIT) + " ký tự. Không ghi số định danh, mật khẩu hay mã OTP. " +
      "Người dân nhận kèm tên Tổ và số yêu cầu.";
  }

  function sendReply(e) {
    e.preventDefault();
    if (!ticket || busy) return;
    var id = ticket.id;
    var field = $("reply-text");
    var text = field.value.trim();
    clearTicketMessages();
    if (!text) { showError("reply-error", "Anh/Chị nhập nội dung trả lời.", field); return; }
    if (text.length > REPLY_LIMIT) {
      showError("reply-error", "Trả lời dài quá " + fmtInt(REPLY_LIMIT) + " ký tự. Anh/Chị rút gọn lại.", field);
      return;
    }
    $("reply-send").disabled = true;
    ticketAction("/api/staff/tickets/" + id + "/reply", { text: text }).then(function (r) {
      field.value = "";
      updateReplyCount();
      var delivery = r && r.delivery;
      if (deliveryFailed(delivery)) showError("reply-error", "Đã lưu trả lời nhưng " + deliveryText(delivery).charAt(0).toLowerCase() +
        deliveryText(delivery).slice(1) + ".");
      else if (delivery === "sent") say($("ticket-status"), "Đã gửi trả lời tới người dân qua " + (TICKET_CHANNELS[ticket.channel] || ticket.channel) + ".");
      else say($("ticket-status"), "Đã lưu trả lời. " + deliveryText(delivery) + ".");
      return loadTicket(id, false);
    }).catch(function (err) {
      if (err && err.status === 401) return;
      if (err && err.status === 409) {
        showError("reply-error", "Chưa gửi được: yêu cầu này không còn do Anh/Chị xử lý. " + conflictText(err));
        loadTicket(id, false);
        loadTickets();
      } else if (err && err.status === 422) {
        showError("reply-error", "Chưa gửi được: trả lời phải có từ 1 đến " + fmtInt(REPLY_LIMIT) + " ký tự.", field);
      } else showError("reply-error", "Chưa gửi được. " + errorText(err));
    }).then(function () { $("reply-send").disabled = false; });
  }

  function closeTicket(e) {
    e.preventDefault();
    if (!ticket || busy) return;
    var id = ticket.id;
    var select = $("close-resolution");
    clearTicketMessages();
    if (!select.value) { showError("close-error", "Anh/Chị chọn kết quả xử lý trước khi đóng yêu cầu.", select); return; }
    var resolution = select.value;
    $("close-submit").disabled = true;
    ticketAction("/api/staff/tickets/" + id + "/close", { resolution: resolution }).then(function (t) {
      renderTicket(t);
      select.value = "";
      say($("ticket-status"), "Đã đóng yêu cầu số " + id + ". Kết quả: " + resolutionLabel(resolution) + ".");
      $("ticket-back").focus();
      loadTickets();
    }).catch(function (err) {
      if (err && err.status === 401) return;
      if (err && err.status === 409) {
        showError("close-error", "Chưa đóng được. " + conflictText(err));
        loadTicket(id, false);
        loadTickets();
      } else showError("close-error", "Chưa đóng được. " + errorText(err));
    }).then(function () { $("close-submit").disabled = false; });
  }

  function bindTickets() {
    Array.prototype.forEach.call(document.querySelectorAll(".ticket-filter button"), function (b) {
      b.addEventListener("click", function () {
        ticketFilter = b.getAttribute("data-status");
        renderTickets();
        if (ticketFilter === "closed") loadTickets();
      });
    });
    $("tickets-reload").addEventListener("click", refreshTickets);
    $("ticket-back").addEventListener("click", closeTicketPanel);
    $("ticket-claim").addEventListener("click", claimTicket);
    $("reply-form").addEventListener("submit", sendReply);
    $("reply-text").addEventListener("input", updateReplyCount);
    $("close-form").addEventListener("submit", closeTicket);
    // Every minute while the page is in front; at once when it comes back after longer.
    window.setInterval(function () {
      if (ticketsShown() && !document.hidden) refreshTickets();
    }, REFRESH_MS);
    document.addEventListener("visibilitychange", function () {
      if (ticketsShown() && !document.hidden && Date.now() - ticketsLoadedAt >= REFRESH_MS) refreshTickets();
    });
  }

  function startTickets() {
    $("handoff").hidden = false;
    updateReplyCount();
    loadTickets();
  }

  // ---------------------------------------------------------------- helper mode link code

  // A member (or an admin) links their own chat to their account with a one-time code,
  // then "/hotro" in that chat starts helping a resident.
  var linkCodeTimer = null;

  // "14:35", Vietnam time.
  function fmtClock(iso) {
    var d = new Date(iso);
    if (isNaN(d)) return "";
    var v = new Date(d.getTime() + VN_OFFSET_MS);
    return pad(v.getUTCHours()) + ":" + pad(v.getUTCMinutes());
  }

  function linkCodeExpired() {
    $("link-code-box").classList.add("expired");
    $("link-code-expiry").textContent = "Mã này đã hết hạn. Anh/Chị bấm “Lấy mã mới” để lấy mã khác.";
    $("link-code-inline").textContent = "<mã>";
  }

  function getLinkCode() {
    var button = $("link-code-get");
    var error = $("link-code-error");
    button.disabled = true;
    error.hidden = true;
    request("/api/staff/helper/link-code", { method: "POST" }).then(function (r) {
      window.clearTimeout(linkCodeTimer);
      var clock = fmtClock(r.expires_at);
      var left = new Date(r.expires_at).getTime() - Date.now();
      var minutes = Math.max(1, Math.round(left / 60000));
      $("link-code-box").classList.remove("expired");
      $("link-code").textContent = r.code || "";
      $("link-code-inline").textContent = r.code || "<mã>";
      $("link-code-instruction").textContent = r.instruction || "";
      $("link-code-expiry").textContent = "Mã dùng một lần, hết hạn lúc " + clock + " (sau " + fmtInt(minutes) +
        " phút). Lấy mã mới thì mã cũ không dùng được nữa.";
      $("link-code-box").hidden = false;
      button.textContent = "Lấy mã mới";
      // Read out digit by digit: "1 2 3 4 5 6".
      say($("link-code-status"), "Mã liên kết: " + String(r.code || "").split("").join(" ") +
        ". Hết hạn lúc " + clock + ".");
      if (!isNaN(left)) linkCodeTimer = window.setTimeout(linkCodeExpired, Math.max(0, left));
    }).catch(function (err) {
      if (err && err.status === 401) return;
      error.textContent = "Chưa lấy được mã liên kết. " + errorText(err);
      error.hidden = false;
    }).then(function () { button.disabled = false; });
  }

  function startHelper() {
    $("helper").hidden = false;
  }

  // ---------------------------------------------------------------- notices to citizens

  // Admins only: a dry run (how many would get it, the text as they read it), then the
  // send, bound to that preview; the log refreshes while a notice is going out.
  var NOTICE_LIMIT = 1000;      // api/channels/broadcast.py MAX_NOTICE_CHARS
  var ZALO_WINDOW_HOURS = 48;   // BDHVS_ZALO_WINDOW_HOURS
  var NOTICE_LOG_LIMIT = 20;
  var NOTICE_EXCERPT = 120;
  var noticePreview = null;     // {text, province, area, key, recipients}
  var noticeBusy = false;
  var noticePoll = null;
  var noticePollDelay = 0;

  function noticeValues() {
    return {
      text: $("notice-text").value.normalize("NFC").trim(),
      province: $("notice-province").value
    };
  }

  function noticeArea(province) {
    if (!province) return "tất cả người đăng ký";
    return placeName(provinces, province).replace(/^mã /, "Mã ");
  }

  function fillNoticeProvinces() {
    var select = $("notice-province");
    var chosen = select.value;
    clear(select).appendChild(el("option", { value: "", text: "Tất cả người đăng ký" }));
    provinces.forEach(function (p) { select.appendChild(el("option", { value: p.code, text: p.name })); });
    select.value = chosen;
    if (select.value !== chosen) select.value = "";
    updateNoticeState();
  }

  function updateNoticeCount() {
    var n = $("notice-text").value.length;
    var hint = $("notice-count");
    hint.textContent = fmtInt(n) + "/" + fmtInt(NOTICE_LIMIT) + " ký tự. Không ghi số định danh, mật khẩu hay mã OTP. " +
      "Người dân nhận kèm tiêu đề của trợ lý và cách hủy nhận thông báo.";
    hint.className = "hint" + (n > NOTICE_LIMIT ? " words-over" : "");
  }

  // "Sẽ gửi tới 3 người: Telegram 2, Zalo 1; 1 người theo dõi Zalo quá 48 giờ …".
  function noticeCountsText(r, province, area) {
    var outside = r.zalo_outside_window || 0;
    var zaloRule = fmtInt(outside) + " người theo dõi Zalo quá " + ZALO_WINDOW_HOURS +
      " giờ không gửi được theo quy định của Zalo";
    if (!r.total) {
      return "Không có ai để gửi: " + (outside ? zaloRule
        : "chưa có người dân nào " + (province ? "ở " + area + " " : "") +
          "đăng ký nhận thông báo trên Telegram hoặc Zalo") + ". Nút “Gửi thông báo” chưa dùng được.";
    }
    return "Sẽ gửi tới " + fmtInt(r.total) + " người: Telegram " + fmtInt(r.telegram) + ", Zalo " + fmtInt(r.zalo) +
      (outside ? "; " + zaloRule : "") + ".";
  }

  // The send button works only for the previewed text and area, and someone to send to.
  function updateNoticeState() {
    var v = noticeValues();
    var p = noticePreview;
    var fresh = !!p && p.text === v.text && p.province === v.province;
    var ready = fresh && p.recipients.total > 0;
    $("notice-send").disabled = !ready || noticeBusy;
    $("notice-result").classList.toggle("stale", !!p && !fresh);
    var hint = $("notice-send-hint");
    if (!p) hint.textContent = "Bấm “Xem trước (chạy thử)” trước khi gửi.";
    else if (!fresh) hint.textContent = "Nội dung hoặc nơi nhận đã thay đổi sau lần xem trước. Anh/Chị bấm “Xem trước (chạy thử)” lại.";
    else if (!ready) hint.textContent = "Không có ai để gửi.";
    else hint.textContent = "Đã xem trước. Bấm “Gửi thông báo” để gửi tới " + fmtInt(p.recipients.total) + " người.";
    if (!ready) $("notice-confirm").hidden = true;
  }

  function noticeError(text) {
    $("notice-error").textContent = text;
    $("notice-error").hidden = false;
  }

  function clearNoticeMessages() {
    $("notice-error").hidden = true;
    $("notice-error").textContent = "";
    $("notice-text-error").hidden = true;
    $("notice-text").removeAttribute("aria-invalid");
  }

  function previewNotice(e) {
    e.preventDefault();
    if (noticeBusy) return;
    clearNoticeMessages();
    $("notice-status").textContent = "";
    var v = noticeValues();
    var field = $("notice-text");
    if (!v.text || v.text.length > NOTICE_LIMIT) {
      showError("notice-text-error", v.text ? "Nội dung dài quá " + fmtInt(NOTICE_LIMIT) + " ký tự. Anh/Chị rút gọn lại."
        : "Anh/Chị nhập nội dung thông báo.", field);
      return;
    }
    var body = { text: v.text };
    if (v.province) body.province = v.province;
    var button = $("notice-preview");
    button.disabled = true;
    noticeBusy = true;
    updateNoticeState();
    request("/api/staff/notices/preview", { method: "POST", body: body }).then(function (r) {
      var recipients = r.recipients || { telegram: 0, zalo: 0, zalo_outside_window: 0, total: 0 };
      var area = noticeArea(v.province);
      noticePreview = { text: v.text, province: v.province, area: area, key: r.preview_key, recipients: recipients };
      $("notice-as-sent").textContent = r.text_as_sent || "";
      $("notice-counts").classList.toggle("nobody", !recipients.total);
      $("notice-result").hidden = false;
      say($("notice-counts"), noticeCountsText(recipients, v.province, area));
      if ($("notice-result").scrollIntoView) $("notice-result").scrollIntoView({ block: "nearest" });
    }).catch(function (err) {
      if (err && err.status === 401) return;
      if (err && err.status === 422 && !(err.detail && typeof err.detail === "object" && err.detail.message)) {
        showError("notice-text-error", "Nội dung thông báo phải có từ 1 đến " + fmtInt(NOTICE_LIMIT) + " ký tự.", field);
      } else noticeError("Chưa xem trước được. " + errorText(err));
    }).then(function () {
      noticeBusy = false;
      button.disabled = false;
      updateNoticeState();
    });
  }

  function askToSend() {
    var p = noticePreview;
    updateNoticeState();
    if ($("notice-send").disabled || !p) return;
    clearNoticeMessages();
    var who = fmtInt(p.recipients.total) + " người";
    $("notice-confirm-text").textContent = "Gửi tới " + who + (p.province ? " ở " + p.area : " (tất cả người đăng ký)") + "?";
    $("notice-confirm-yes").textContent = "Gửi tới " + who;
    $("notice-confirm").hidden = false;
    $("notice-confirm-yes").focus();
  }

  function cancelSend() {
    $("notice-confirm").hidden = true;
    $("notice-send").focus();
  }

  function sendNotice() {
    var p = noticePreview;
    if (!p || noticeBusy) return;
    var body = { text: p.text, preview_key: p.key };
    if (p.province) body.province = p.province;
    noticeBusy = true;
    $("notice-confirm-yes").disabled = true;
    $("notice-confirm-no").disabled = true;
    updateNoticeState();
    request("/api/staff/notices", { method: "POST", body: body }).then(function (r) {
      var n = r && r.recipients ? r.recipients.total : p.recipients.total;
      noticePreview = null;
      $("notice-text").value = "";
      $("notice-result").hidden = true;
      $("notice-confirm").hidden = true;
      updateNoticeCount();
      say($("notice-status"), "Đã bắt đầu gửi thông báo" + (r && r.id ? " số " + r.id : "") + " tới " + fmtInt(n) +
        " người. Kết quả hiện trong bảng “Thông báo đã gửi”.");
      $("notice-text").focus();
      noticePollDelay = 0;
      loadNotices();
    }).catch(function (err) {
      if (err && err.status === 401) return;
      $("notice-confirm").hidden = true;
      if (err && err.status === 409) {
        noticePreview = null;
        $("notice-result").hidden = true;
      }
      noticeError("Chưa gửi được. " + errorText(err));
      $("notice-send").focus();
    }).then(function () {
      noticeBusy = false;
      $("notice-confirm-yes").disabled = false;
      $("notice-confirm-no").disabled = false;
      updateNoticeState();
    });
  }

  function excerpt(text) {
    text = String(text || "").replace(/\s+/g, " ").trim();
    return text.length > NOTICE_EXCERPT ? text.slice(0, NOTICE_EXCERPT - 1) + "…" : text;
  }

  function renderNotices(data) {
    var items = data.items || [];
    var table = $("notice-log");
    var body = clear(table.tBodies[0]);
    var sending = false;
    items.forEach(function (n) {
      var done = !!n.finished_at;
      if (!done) sending = true;
      var tr = el("tr", { "data-id": String(n.id) });
      cell(tr, fmtDateTime(n.created_at));
      cell(tr, n.province_code ? (n.province_name || "Mã " + n.province_code) : "Tất cả người đăng ký");
      cell(tr, excerpt(n.text)).setAttribute("title", n.text || "");
      cell(tr, fmtInt(n.recipients), "num");
      cell(tr, done ? fmtInt(n.sent) : "Đang gửi…", "num");
      cell(tr, done ? fmtInt(n.failed) : "…", "num" + (done && n.failed ? " failed" : ""));
      cell(tr, fmtInt(n.skipped), "num");
      cell(tr, n.created_by);
      body.appendChild(tr);
    });
    labelCells(table);
    showEmpty(table, !items.length);
    // While a notice is going out, look again: every 2 s, then less often.
    window.clearTimeout(noticePoll);
    noticePoll = null;
    if (sending) {
      noticePollDelay = Math.min(30000, noticePollDelay ? noticePollDelay * 1.5 : 2000);
      noticePoll = window.setTimeout(loadNotices, noticePollDelay);
    } else noticePollDelay = 0;
  }

  function loadNotices() {
    return loadPanel("notices", "notices-panel", "/api/staff/notices?limit=" + NOTICE_LOG_LIMIT, renderNotices);
  }

  function startNotices() {
    $("notices-panel").hidden = false;
    $("notices-link").hidden = false;
    fillNoticeProvinces();
    updateNoticeCount();
    updateNoticeState();
    loadNotices();
  }

  function bindNotices() {
    $("notice-form").addEventListener("submit", previewNotice);
    $("notice-text").addEventListener("input", function () { updateNoticeCount(); updateNoticeState(); });
    $("notice-province").addEventListener("change", updateNoticeState);
    $("notice-send").addEventListener("click", askToSend);
    $("notice-confirm-yes").addEventListener("click", sendNotice);
    $("notice-confirm-no").addEventListener("click", cancelSend);
    $("link-code-get").addEventListener("click", getLinkCode);
  }

  // ---------------------------------------------------------------- start

  function showAccount(username, r) {
    $("me-name").textContent = username || "";
    $("me-role").textContent = ROLE_LABELS[r] || r || "";
    $("account").hidden = false;
  }

  function start() {
    $("login-section").hidden = true;
    $("dashboard").hidden = false;
    request("/api/staff/me").then(function (me) {
      username = me.username || "";
      showAccount(me.username, me.role);
      return me.role;
    }).catch(function (err) {
      if (err && err.status === 401) throw err;
      // /me failed for another reason: keep working with the role given at login.
      var stored = sessionStorage.getItem(ROLE_KEY);
      username = sessionStorage.getItem(USER_KEY) || "";
      showAccount(username, stored);
      $("me-error").textContent = "Không tải được thông tin tài khoản. " + errorText(err);
      $("me-error").hidden = false;
      return stored;
    }).then(function (r) {
      role = r;
      // The hand-off queue is the community team's main view (admins see it too).
      if (role === "community" || role === "admin") { startTickets(); startHelper(); }
      if (role !== "admin" && role !== "analyst") {
        $("no-access").hidden = role === "community";
        $("analytics").hidden = true;
        return;
      }
      $("analytics").hidden = false;
      $("answers-readonly").hidden = canEdit();
      apply(readHash());
      if (location.hash !== hashOf(state)) history.replaceState(null, "", hashOf(state));
      loadProvinces();
      loadAnswers();
      loadTurns();
      loadAccuracy("");
      if (role === "admin") startNotices();
      // The admin screens live in admin.js; they start once the role is known.
      document.dispatchEvent(new CustomEvent("bdhvs:staff-ready", { detail: { role: role, username: username } }));
    }).catch(function () { /* 401: expire() reloads the page */ });
  }

  function bindPage() {
    // In-page links scroll without touching the hash, which holds the filters.
    document.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest('a[href^="#"]');
      if (!a) return;
      var target = $(a.getAttribute("href").slice(1));
      if (!target) return;
      e.preventDefault();
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
    });
    $("accuracy-prev").addEventListener("click", function () { loadAccuracy(addDays(accuracyWeek, -7)); });
    $("accuracy-next").addEventListener("click", function () { loadAccuracy(addDays(accuracyWeek, 7)); });
    $("logout").addEventListener("click", function () {
      sessionStorage.removeItem(TOKEN_KEY);
      sessionStorage.removeItem(ROLE_KEY);
      sessionStorage.removeItem(USER_KEY);
      location.reload();
    });
    $("login").addEventListener("submit", function (e) {
      e.preventDefault();
      var error = $("login-error");
      error.hidden = true;
      fetch("/api/staff/login", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: $("username").value.trim(), password: $("password").value })
      }).then(function (r) {
        if (!r.ok) {
          error.textContent = r.status === 401 || r.status === 422
            ? "Sai tên đăng nhập hoặc mật khẩu."
            : "Chưa đăng nhập được. Anh/Chị vui lòng thử lại sau.";
          error.hidden = false;
          return;
        }
        return r.json().then(function (b) {
          token = b.access_token;
          sessionStorage.setItem(TOKEN_KEY, token);
          sessionStorage.setItem(ROLE_KEY, b.role || "");
          sessionStorage.setItem(USER_KEY, $("username").value.trim());
          $("password").value = "";
          $("login-notice").hidden = true;
          start();
        });
      }).catch(function () {
        error.textContent = "Không kết nối được máy chủ. Anh/Chị kiểm tra mạng rồi thử lại.";
        error.hidden = false;
      });
    });
    $("export-xlsx").addEventListener("click", function () { download("xlsx", this); });
    $("export-csv").addEventListener("click", function () { download("csv", this); });
    $("summary-copy").addEventListener("click", copySummary);
    $("turns-reload").addEventListener("click", loadTurns);
    bindFilters();
    bindAnswers();
    $("inbox-more").addEventListener("click", function () {
      var first = inboxPager && inboxPager.more();
      inboxCount();
      // The keyboard goes on from the first group just shown, not back to the top.
      if (first) first.querySelector("h3").focus();
    });
    bindTickets();
    bindNotices();
  }

  bindPage();
  if (sessionStorage.getItem(NOTICE_KEY) === "expired") {
    sessionStorage.removeItem(NOTICE_KEY);
    $("login-notice").textContent = "Phiên đăng nhập đã hết hạn. Anh/Chị vui lòng đăng nhập lại.";
    $("login-notice").hidden = false;
  }
  if (token) start();
  else $("username").focus();
})();
