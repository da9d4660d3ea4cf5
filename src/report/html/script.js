'use strict';
// Filters the findings table by severity and rule, and sorts it by a column.
(function () {
  const table = document.getElementById('findings-table');
  if (!table) { return; }
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  rows.forEach(function (row, i) { row.dataset.order = String(i); });
  const boxes = Array.from(document.querySelectorAll('input[name="severity"]'));
  const rule = document.getElementById('rule-filter');
  const shown = document.getElementById('shown-count');

  function apply() {
    const on = new Set(boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; }));
    let count = 0;
    rows.forEach(function (row) {
      const visible = on.has(row.dataset.severity) && (rule.value === '' || row.dataset.rule === rule.value);
      row.hidden = !visible;
      if (visible) { count += 1; }
    });
    shown.textContent = count + ' of ' + rows.length + ' shown';
  }

  function sortKey(row, column) {
    const cell = row.cells[column];
    return cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
  }

  function compare(a, b) {
    const x = Number(a);
    const y = Number(b);
    if (a !== '' && b !== '' && Number.isFinite(x) && Number.isFinite(y)) { return x - y; }
    return a < b ? -1 : (a > b ? 1 : 0);
  }

  const headers = Array.from(table.tHead.rows[0].cells);
  headers.forEach(function (th, column) {
    th.addEventListener('click', function () {
      const ascending = th.getAttribute('aria-sort') !== 'ascending';
      headers.forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      const sorted = rows.slice().sort(function (a, b) {
        const order = compare(sortKey(a, column), sortKey(b, column));
        return (ascending ? order : -order) || Number(a.dataset.order) - Number(b.dataset.order);
      });
      sorted.forEach(function (row) { body.appendChild(row); });
    });
  });

  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  rule.addEventListener('change', apply);
  apply();
}());
