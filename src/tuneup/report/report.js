// The report's only script, inline and allowed by its hash (the page's Content-Security-Policy): tables sort
// by a click on a column's heading, and a chart's marks show their values as the pointer moves over them.
// Without it the page reads the same: tables in their order, values in each mark's <title> tooltip.
"use strict";
(function () {
  const root = document.querySelector("main.tuneup");
  if (!root) return;

  // ---- tables: a click on a heading sorts by that column, a second click reverses ------------------------
  // A cell's number is its leading number ("12.3% [10.1, 14.0]" -> 12.3, "1,234" -> 1234, "−0.5" -> -0.5);
  // a column sorts as numbers when every cell that is not empty holds one, else as text.
  const EMPTY = /^(|—|-|–|n\/a|none)$/i;
  function number(text) {
    const m = text.replace(/[\u2212]/g, "-").replace(/,/g, "").match(/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i);
    return m ? parseFloat(m[0]) : NaN;
  }
  function key(row, col) {
    const cell = row.cells[col];
    if (!cell) return "";
    return cell.dataset.sort != null ? cell.dataset.sort : cell.textContent.trim();
  }
  function sortBy(table, col, th) {
    const body = table.tBodies[0];
    if (!body) return;
    const rows = Array.from(body.rows);
    const keys = rows.map((r) => key(r, col));
    const numeric = keys.every((k) => EMPTY.test(k) || !Number.isNaN(number(k)));
    const down = th.getAttribute("aria-sort") === "ascending"; // the second click reverses
    const sign = down ? -1 : 1;
    const order = rows.map((r, i) => i).sort((a, b) => {
      const ka = keys[a], kb = keys[b];
      const ea = EMPTY.test(ka), eb = EMPTY.test(kb);
      if (ea || eb) return ea === eb ? a - b : ea ? 1 : -1; // empty cells last, either way
      const c = numeric ? number(ka) - number(kb) : ka.localeCompare(kb, undefined, { numeric: true });
      return c !== 0 ? sign * c : a - b;
    });
    for (const h of th.parentNode.cells) h.removeAttribute("aria-sort");
    th.setAttribute("aria-sort", down ? "descending" : "ascending");
    body.append(...order.map((i) => rows[i]));
  }
  for (const table of root.querySelectorAll("table")) {
    const head = table.tHead && table.tHead.rows[0];
    if (!head || !table.tBodies[0] || table.tBodies[0].rows.length < 2) continue;
    Array.from(head.cells).forEach((th, col) => {
      th.classList.add("tu-sortable");
      th.tabIndex = 0;
      th.title = "sort by " + (th.textContent.trim() || "this column");
      th.addEventListener("click", () => sortBy(table, col, th));
      th.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, col, th); }
      });
    });
  }

  // ---- charts: a mark's value beside the pointer, at once ---------------------------------------------
  // Each mark's <title> becomes its data-tip (so the browser's own, slower tooltip does not show it twice).
  const tip = document.createElement("div");
  tip.className = "tu-tip";
  tip.setAttribute("role", "status");
  tip.hidden = true;
  root.appendChild(tip);
  for (const t of root.querySelectorAll("svg.chart title")) {
    const mark = t.parentNode;
    if (mark.tagName.toLowerCase() === "svg") continue; // the chart's own label
    mark.dataset.tip = t.textContent;
    mark.classList.add("tu-mark");
    t.remove();
  }
  function place(e) {
    const pad = 14, w = tip.offsetWidth, h = tip.offsetHeight;
    let x = e.clientX + pad, y = e.clientY + pad;
    if (x + w > window.innerWidth - 4) x = e.clientX - pad - w;
    if (y + h > window.innerHeight - 4) y = e.clientY - pad - h;
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  root.addEventListener("pointermove", (e) => {
    const mark = e.target.closest && e.target.closest("svg.chart [data-tip]");
    if (!mark) { tip.hidden = true; return; }
    tip.textContent = mark.dataset.tip;
    tip.hidden = false;
    place(e);
  });
  root.addEventListener("pointerleave", () => { tip.hidden = true; });
})();
