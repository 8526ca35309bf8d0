/*
 * Seoul public services: small progressive enhancements. Every page works without it.
 *
 *  - table.sortable: each column header gets a button that sorts the rows (numerically by the
 *    cells' data-sort attribute when present, else by their text, Korean collation); aria-sort
 *    tells screen readers the current order.
 *  - .error-summary: focused when the page loads, so keyboard and screen-reader users land on
 *    the list of problems first.
 *  - .menu-toggle: on narrow screens the main menu folds behind a button (aria-expanded);
 *    without this script the menu is simply always shown.
 *  - button[data-copy]: shown only with this script; copies the value of the field it names to
 *    the clipboard (or selects it where the clipboard is not allowed) and says so on the button.
 *
 * No inline handlers, no eval (CSP script-src 'self').
 */
(function () {
  "use strict";

  var collator = new Intl.Collator(document.documentElement.lang || "ko", { numeric: true, sensitivity: "base" });

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return { num: NaN, text: "" };
    var raw = cell.getAttribute("data-sort");
    var text = (raw !== null ? raw : cell.textContent || "").trim();
    var num = raw !== null ? Number(raw) : NaN;
    if (raw === null) {
      // Plain numbers such as "12", "1,234" or "45.6%".
      var m = /^-?[\d,]+(\.\d+)?%?$/.exec(text);
      if (m) num = Number(text.replace(/[,%]/g, ""));
    }
    return { num: num, text: text };
  }

  function compare(a, b) {
    var aNum = !isNaN(a.num), bNum = !isNaN(b.num);
    if (aNum && bNum) return a.num - b.num;
    if (aNum !== bNum) return aNum ? -1 : 1; // numbers before text ("—")
    return collator.compare(a.text, b.text);
  }

  function sortBy(table, th, index) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    for (var i = 0; i < headers.length; i++) {
      if (headers[i].hasAttribute("aria-sort")) headers[i].setAttribute("aria-sort", "none");
    }
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    Array.prototype.forEach.call(table.tBodies, function (body) {
      var rows = Array.prototype.slice.call(body.rows);
      if (rows.length < 2) return;
      var keyed = rows.map(function (row, pos) {
        return { row: row, key: cellValue(row, index), pos: pos };
      });
      keyed.sort(function (x, y) {
        var c = compare(x.key, y.key);
        if (!ascending) c = -c;
        return c || x.pos - y.pos; // stable
      });
      var frag = document.createDocumentFragment();
      keyed.forEach(function (k) { frag.appendChild(k.row); });
      body.appendChild(frag);
    });
    var status = table.parentNode.querySelector(".sort-status");
    if (status) {
      var label = th.querySelector(".sort-button").textContent;
      status.textContent = label + ": " + (ascending ? status.getAttribute("data-asc") : status.getAttribute("data-desc"));
    }
  }

  function initSortable(table) {
    if (table.getAttribute("data-sortable-ready") || !table.tHead || !table.tHead.rows.length) return;
    table.setAttribute("data-sortable-ready", "true");
    var ko = (document.documentElement.lang || "ko").indexOf("ko") === 0;
    // A polite live region announcing the new order.
    var status = document.createElement("p");
    status.className = "sort-status visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("data-asc", ko ? "오름차순 정렬됨" : "sorted ascending");
    status.setAttribute("data-desc", ko ? "내림차순 정렬됨" : "sorted descending");
    table.parentNode.insertBefore(status, table.nextSibling);

    var cells = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(cells, function (th, index) {
      if (th.tagName !== "TH" || th.hasAttribute("data-nosort")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () { sortBy(table, th, index); });
    });
  }

  function focusErrorSummary(root) {
    var summary = (root || document).querySelector(".error-summary");
    if (!summary) return;
    if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
    summary.focus();
    // Links in the summary move focus to the field itself (not just scroll to it).
    Array.prototype.forEach.call(summary.querySelectorAll("a[href^='#']"), function (a) {
      a.addEventListener("click", function (ev) {
        var target = document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
        if (!target) return;
        ev.preventDefault();
        target.scrollIntoView({ block: "center" });
        target.focus();
      });
    });
  }

  function initMenu() {
    var button = document.querySelector(".menu-toggle");
    var nav = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!nav) return;
    document.documentElement.classList.add("has-menu-toggle");
    button.hidden = false;
    function set(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("is-open", open);
    }
    button.addEventListener("click", function () {
      set(button.getAttribute("aria-expanded") !== "true");
    });
    // Escape closes the open menu and returns to its button.
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        set(false);
        button.focus();
      }
    });
  }

  function initCopy(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      function done() {
        button.textContent = button.getAttribute("data-copied") || label;
        window.setTimeout(function () { button.textContent = label; }, 3000);
      }
      field.focus();
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {});
      }
    });
  }

  function init(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("table.sortable"), initSortable);
  }

  function ready() {
    initMenu();
    init(document);
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), initCopy);
    focusErrorSummary(document);
    // htmx swaps in new content (e.g. the dashboard's project table): enhance it too.
    document.body.addEventListener("htmx:afterSettle", function (ev) { init(ev.target); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
