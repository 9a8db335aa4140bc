// Embeds the web chat in another site (e.g. a province portal):
//   <script src="https://<gateway>/static/embed.js" defer></script>
// Adds a "Hỏi trợ lý" button at the bottom right that opens the chat in a frame. The
// frame is created on the first click only: a page where nobody opens the chat loads
// nothing more from the gateway. Escape closes it. The gateway must list the site in
// BDHVS_EMBED_ORIGINS (Content-Security-Policy frame-ancestors), otherwise the browser
// refuses to show the frame.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || document.getElementById("bdhvs-chat-button")) return;
  var origin = new URL(script.src).origin;
  var label = script.getAttribute("data-label") || "Hỏi trợ lý số";
  var small = window.matchMedia("(max-width: 480px)");
  var frame = null;

  var button = document.createElement("button");
  button.id = "bdhvs-chat-button";
  button.type = "button";
  button.textContent = label;
  button.setAttribute("aria-expanded", "false");
  button.style.cssText = "position:fixed;right:16px;bottom:16px;z-index:2147483646;" +
    "min-height:48px;background:#b71c1c;color:#fff;border:0;border-radius:24px;padding:12px 18px;" +
    "font:600 17px system-ui,Arial,sans-serif;box-shadow:0 2px 8px rgba(0,0,0,.3);cursor:pointer";

  function place() {
    if (!frame) return;
    frame.style.cssText = "position:fixed;z-index:2147483647;border:0;background:#fff;" +
      "box-shadow:0 4px 16px rgba(0,0,0,.3);" + (small.matches
        ? "left:0;top:0;width:100%;height:calc(100% - 80px)"
        : "right:16px;bottom:80px;width:380px;height:600px;max-height:calc(100% - 96px);border-radius:12px");
  }

  function create() {
    frame = document.createElement("iframe");
    frame.id = "bdhvs-chat-frame";
    frame.title = "Trợ lý Bình dân học vụ số";
    frame.src = origin + "/?embed=1";
    place();
    document.body.appendChild(frame);
  }

  function setOpen(open) {
    if (open && !frame) create();
    if (frame) frame.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "Đóng" : label;
    if (open) frame.focus();
  }

  button.addEventListener("click", function () {
    setOpen(!frame || frame.hidden);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && frame && !frame.hidden) {
      setOpen(false);
      button.focus();
    }
  });
  // Escape pressed inside the chat (chat.js tells its parent page).
  window.addEventListener("message", function (e) {
    if (e.origin === origin && e.data === "bdhvs-chat-close" && frame && !frame.hidden) {
      setOpen(false);
      button.focus();
    }
  });
  if (small.addEventListener) small.addEventListener("change", place);
  document.body.appendChild(button);
})();
