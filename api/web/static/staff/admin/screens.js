// Admin screens of the staff dashboard: staff accounts (create, change role and
// communes, lock), the community teams' directory (create, edit) and the queue of
// training examples (accept, reject). main.js starts them once the signed-in role is
// known; they do nothing for other roles. Every request uses the existing staff API.

import { $ } from "../dom.js";
import { bindAccounts, loadAccounts } from "./accounts.js";
import { errorText, setMe, showError } from "./common.js";
import { loadExamples } from "./examples.js";
import { fillProvinceSelect, loadProvinces } from "./places.js";
import { bindTeams, loadTeams, renderTeams } from "./teams.js";

export function startAdmin(detail) {
  if (!detail || detail.role !== "admin") return;
  setMe(detail.username || "");
  $("admin-panel").hidden = false;
  $("admin-link").hidden = false;
  loadProvinces().then(function () {
    fillProvinceSelect($("account-province"));
    fillProvinceSelect($("team-province"));
    renderTeams();
  }).catch(function (err) {
    if (err && err.status === 401) return;
    showError($("teams-error"), "Không tải được danh sách tỉnh, thành phố. " + errorText(err));
  });
  loadAccounts();
  loadTeams();
  loadExamples();
}

export function bindAdmin() {
  if (!$("admin-panel")) return;
  bindTeams();
  bindAccounts();
}
