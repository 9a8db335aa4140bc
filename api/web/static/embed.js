// Embeds the web chat in another site (e.g. a province portal):
//   <script src="https://<gateway>/static/embed.js" defer></script>
// Adds a "Hỏi trợ lý" button at the bottom right that opens the chat in a frame. The
// gateway must list the site in BDHVS_EMBED_ORIGINS (Content-Security-Policy
// frame-ancestors), otherwise the browser refuses to show the frame.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || document.getElementById("bdhvs-chat-frame")) return;
  var origin = new URL(script.src).origin;
  var label = script.getAttribute("data-label") || "Hỏi trợ lý số";

  var button = document.createElement("button");
  button.id = "bdhvs-chat-button";
  button.type = "button";
  button.textContent = label;
  button.setAttribute("aria-expanded", "false");
  button.style.cssText = "position:fixed;right:16px;bottom:16px;z-index:2147483646;" +
    "background:#b71c1c;color:#fff;border:0;border-radius:24px;padding:12px 18px;" +
    "font:600 16px system-ui,Arial,sans-serif;box-shadow:0 2px 8px rgba(0,0,0,.3);cursor:pointer";

  var frame = document.createElement("iframe");
  frame.id = "bdhvs-chat-frame";
  frame.title = "Trợ lý Bình dân học vụ số";
  frame.src = origin + "/?embed=1";
  frame.hidden = true;
  var small = window.matchMedia("(max-width: 480px)").matches;
  frame.style.cssText = "position:fixed;z-index:2147483647;border:0;background:#fff;" +
    "box-shadow:0 4px 16px rgba(0,0,0,.3);" + (small
      ? "left:0;top:0;width:100%;height:calc(100% - 64px)"
      : "right:16px;bottom:72px;width:380px;height:600px;max-height:calc(100% - 88px);border-radius:12px");

  button.addEventListener("click", function () {
    frame.hidden = !frame.hidden;
    button.setAttribute("aria-expanded", String(!frame.hidden));
    button.textContent = frame.hidden ? label : "Đóng";
  });
  document.body.appendChild(frame);
  document.body.appendChild(button);
})();
