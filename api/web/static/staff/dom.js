// DOM helpers shared by the dashboard's modules (admin screens included). Every node
// is built with textContent, never innerHTML: text from the API cannot become markup.

var SVG_NS = "http://www.w3.org/2000/svg";

export function $(id) { return document.getElementById(id); }

// el("p", {className: "hint", text: "…"}, [child, "text", null]): attributes whose value
// is null, undefined or false are left out; a string child becomes a text node.
export function el(tag, attrs, children) {
  var node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) {
    var value = attrs[k];
    if (value === null || value === undefined || value === false) return;
    if (k === "text") node.textContent = value;
    else if (k === "className") node.className = value;
    else node.setAttribute(k, value);
  });
  (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
  return node;
}

export function svg(tag, attrs, children) {
  var node = document.createElementNS(SVG_NS, tag);
  Object.keys(attrs || {}).forEach(function (k) {
    if (k === "text") node.textContent = attrs[k];
    else node.setAttribute(k, attrs[k]);
  });
  (children || []).forEach(function (c) { if (c) node.appendChild(c); });
  return node;
}

export function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

export function cell(row, text, cls) { var td = el("td", { className: cls || null, text: text }); row.appendChild(td); return td; }

export function fillTable(table, rows, rowClasses) {
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
export function labelCells(table) {
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

// Sets a live region's text after a moment, so that screen readers announce it again
// even when it is the same as before.
export function say(node, text) { node.textContent = ""; window.setTimeout(function () { node.textContent = text; }, 30); }

// A table or list, or the ".empty" note next to it when it has nothing to show.
export function showEmpty(table, empty) {
  table.hidden = empty;
  table.parentNode.querySelector(".empty").hidden = !empty;
}

// Makes sure a <select> offers ``value`` (one that came from the URL, say).
export function ensureOption(select, value, label) {
  if (!value) return;
  for (var i = 0; i < select.options.length; i++) if (select.options[i].value === value) return;
  select.appendChild(el("option", { value: value, text: label }));
}

// The message under a form (element ``id``); ``field`` is marked invalid and focused.
export function showError(id, text, field) {
  $(id).textContent = text;
  $(id).hidden = false;
  if (field) { field.setAttribute("aria-invalid", "true"); field.focus(); }
}
