// The top table: rprof top's rows, sortable by flat, cum and name,
// filtered as you type; clicking rows selects functions for Refine.
'use strict';
(() => {
  const top = rprof.data.top;
  const body = document.getElementById('rows');
  if (!top || !body) return;
  const rows = top.rows.map((r, i) => Object.assign({i}, r));
  let column = 'flat', descending = true, filter = null;

  function cell(tr, text, cls) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }
  function render() {
    const shown = rows.filter((r) => !filter || filter.test(r.name));
    shown.sort((a, b) => {
      const x = a[column], y = b[column];
      let c = x < y ? -1 : x > y ? 1 : 0;
      if (descending) c = -c;
      return c || a.i - b.i;
    });
    const frag = document.createDocumentFragment();
    let sum = 0;
    for (const r of shown) {
      const tr = document.createElement('tr');
      sum += r.flat;
      cell(tr, r.flat_text, 'num');
      cell(tr, rprof.pct(r.flat, top.total), 'num');
      cell(tr, rprof.pct(sum, top.total), 'num');
      cell(tr, r.cum_text, 'num');
      cell(tr, rprof.pct(r.cum, top.total), 'num');
      cell(tr, r.name, 'name');
      cell(tr, r.inline, '');
      tr.dataset.name = r.name;
      if (rprof.selection.has(r.name)) tr.classList.add('selected');
      frag.appendChild(tr);
    }
    body.textContent = '';
    body.appendChild(frag);
    const count = document.getElementById('top-count');
    if (count) count.textContent = shown.length + ' of ' + rows.length + ' rows';
  }
  function sortBy(c) {
    if (c === column) descending = !descending;
    else { column = c; descending = c !== 'name'; }
    render();
  }
  for (const [id, c] of [['flathdr1', 'flat'], ['flathdr2', 'flat'], ['cumhdr1', 'cum'],
    ['cumhdr2', 'cum'], ['namehdr', 'name']]) {
    const h = document.getElementById(id);
    if (h) h.addEventListener('click', () => sortBy(c));
  }
  body.addEventListener('click', (ev) => {
    const tr = ev.target.closest('tr');
    if (!tr) return;
    const name = tr.dataset.name;
    const names = new Set(rprof.selection);
    if (ev.ctrlKey || ev.metaKey || ev.shiftKey) {
      if (names.has(name)) names.delete(name); else names.add(name);
    } else if (names.size === 1 && names.has(name)) {
      names.clear();
    } else {
      names.clear(); names.add(name);
    }
    rprof.setSelection(names);
    render();
  });
  const input = document.getElementById('top-filter');
  const apply = (text) => { filter = text ? rprof.compile(text) : null; render(); };
  if (input) input.addEventListener('input', () => apply(input.value));
  // The header's search box filters the table too.
  if (!document.getElementById('flame')) rprof.onSearch = apply;
  render();
})();
