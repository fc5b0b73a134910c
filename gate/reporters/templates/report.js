// Optional comfort only: everything is readable without it. Reads textContent and data-* only; writes no HTML.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function key(cell) {
    var raw = cell.getAttribute("data-sort");
    var text = raw !== null ? raw : cell.textContent.trim();
    return /^-?\d+(\.\d+)?$/.test(text) ? parseFloat(text) : text.toLowerCase();
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (th, index) {
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var down = th.getAttribute("aria-sort") !== "descending";
        table.querySelectorAll("thead th").forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", down ? "descending" : "ascending");
        Array.prototype.slice.call(body.rows).sort(function (a, b) {
          var x = key(a.cells[index]), y = key(b.cells[index]);
          var order = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === "number" ? -1 : 1);
          return down ? -order : order;
        }).forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  var filter = document.getElementById("severity-filter");
  var base = document.getElementById("baseline-filter");
  function apply() {
    var least = filter ? parseInt(filter.value, 10) : 0;
    var state = base ? base.value : "";
    document.querySelectorAll("tr[data-severity]").forEach(function (row) {
      var low = parseInt(row.getAttribute("data-severity"), 10) < least;
      var other = state !== "" && row.getAttribute("data-baseline") !== state;
      row.classList.toggle("hidden", low || other);
    });
  }
  if (filter) { filter.addEventListener("change", apply); }
  if (base) { base.addEventListener("change", apply); }
})();
