// The printable step list (/huong-dan/<id>): "In trang này" prints it, "Chia sẻ đường
// link" hands the page address to the phone's share sheet (Zalo, Messenger…) or copies
// it. A file of its own because the page's Content-Security-Policy allows no inline
// script; without JavaScript the buttons stay hidden and the page still prints.
(function () {
  "use strict";
  var actions = document.querySelector(".actions");
  var print = document.getElementById("print");
  var share = document.getElementById("share");
  var status = document.getElementById("share-status");
  if (!actions || !print || !share) { return; }

  print.addEventListener("click", function () { window.print(); });

  var canShare = typeof navigator.share === "function";
  var canCopy = !!(navigator.clipboard && navigator.clipboard.writeText);
  if (!canShare && !canCopy) {
    share.hidden = true;
  }
  share.addEventListener("click", function () {
    var url = window.location.href;
    if (canShare) {
      navigator.share({ title: document.title, url: url }).catch(function () {
        // Closed by the citizen, or refused: nothing to report.
      });
      return;
    }
    navigator.clipboard.writeText(url).then(
      function () { status.textContent = "Đã sao chép đường link. Anh/Chị dán vào tin nhắn để gửi."; },
      function () { status.textContent = "Chưa sao chép được. Anh/Chị hãy sao chép địa chỉ trên thanh trình duyệt."; }
    );
  });
  actions.hidden = false;
})();
