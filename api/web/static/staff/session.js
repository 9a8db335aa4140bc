// Who is signed in: the token kept for the browser tab, the role and the user name
// (from /api/staff/me), and the way back to the login form when the token is refused.

export var TOKEN_KEY = "bdhvs-staff-token";
export var ROLE_KEY = "bdhvs-staff-role";
export var NOTICE_KEY = "bdhvs-staff-notice";
export var USER_KEY = "bdhvs-staff-user";

export var token = sessionStorage.getItem(TOKEN_KEY);
export var role = null;
export var username = "";   // the signed-in staff member (from /api/staff/me)
var expiring = false;

export function setToken(value) { token = value; }
export function setRole(value) { role = value; }
export function setUsername(value) { username = value; }

// Logging out: the token, role and name are forgotten.
export function forget() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(ROLE_KEY);
  sessionStorage.removeItem(USER_KEY);
}

// The token expired or was revoked: back to the login form, the filters kept in the hash.
export function expire() {
  if (expiring) return;
  expiring = true;
  forget();
  sessionStorage.setItem(NOTICE_KEY, "expired");
  location.reload();
}
