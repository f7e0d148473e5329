// rprof web UI: what every page shares (menus, selection, refine, search,
// value formatting). Profile strings reach the page only through
// textContent; data comes from the JSON block #page-data.
'use strict';
const rprof = (() => {
  const data = JSON.parse(document.getElementById('page-data').textContent);
  const selection = new Set();
  let onSearch = null;
  let onSelect = [];

  // pprof's QuoteMeta, anchored: the regexp that matches exactly `name`.
  function exact(name) {
    return '^' + name.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&') + '$';
  }
  function selectionRegexp() {
    return Array.from(selection).map(exact).join('|');
  }

  // A URL for `path` with the current query, `set` applied (null deletes).
  function withParams(path, set) {
    const u = new URL(path, window.location.href);
    const q = new URLSearchParams(window.location.search);
    for (const [k, v] of Object.entries(set)) {
      if (v === null || v === '') q.delete(k); else q.set(k, v);
    }
    u.search = q.toString();
    return u.toString();
  }

  // Values as pprof prints them: scaled to a readable unit, 2 decimals
  // with ".00" dropped.
  const timeUnits = {nanoseconds: 1, ns: 1, microseconds: 1e3, us: 1e3,
    milliseconds: 1e6, ms: 1e6, seconds: 1e9, s: 1e9};
  function fmt(v, unit) {
    const neg = v < 0;
    let a = Math.abs(v), suffix = '';
    if (unit in timeUnits) {
      a *= timeUnits[unit];
      for (const [u, f] of [['hrs', 3600e9], ['s', 1e9], ['ms', 1e6], ['us', 1e3], ['ns', 1]]) {
        if (a >= f || u === 'ns') { a /= f; suffix = u; break; }
      }
    } else if (unit === 'bytes' || unit === 'B') {
      for (const [u, f] of [['TB', 2 ** 40], ['GB', 2 ** 30], ['MB', 2 ** 20], ['kB', 2 ** 10], ['B', 1]]) {
        if (a >= f || u === 'B') { a /= f; suffix = u; break; }
      }
    } else {
      return (neg ? '-' : '') + String(Math.round(a));
    }
    let s = a.toFixed(2);
    if (s.endsWith('.00')) s = s.slice(0, -3);
    return (neg ? '-' : '') + s + suffix;
  }
  function pct(v, total) {
    if (!total) return '';
    return (100 * v / total).toFixed(2) + '%';
  }
  function compile(text) {
    if (!text) return null;
    try { return new RegExp(text); } catch (e) {
      return new RegExp(text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&'));
    }
  }
  function setSelection(names) {
    selection.clear();
    for (const n of names) selection.add(n);
    for (const f of onSelect) f(selection);
  }
  function showError(msg) {
    const e = document.getElementById('errors');
    const d = document.createElement('div');
    d.textContent = msg;
    e.appendChild(d);
    setTimeout(() => d.remove(), 4000);
  }

  function init() {
    // Menus open on click (and hover, by CSS); a click elsewhere closes.
    document.addEventListener('click', (ev) => {
      const name = ev.target.closest('.menu-name');
      for (const m of document.querySelectorAll('.menu.open')) {
        if (!name || m !== name.parentElement) m.classList.remove('open');
      }
      if (name) name.parentElement.classList.toggle('open');
    });
    const details = document.getElementById('details');
    if (details) {
      details.addEventListener('click', (ev) => {
        ev.preventDefault();
        document.getElementById('detailsbox').classList.toggle('shown');
      });
    }
    // Refine from the current selection.
    const refine = {focus: 'f', ignore: 'i', hide: 'h', show: 's', 'show-from': 'sf'};
    for (const [id, param] of Object.entries(refine)) {
      const a = document.getElementById(id);
      if (!a) continue;
      a.addEventListener('click', (ev) => {
        ev.preventDefault();
        if (selection.size === 0) {
          showError('Select one or more functions first (click a frame, a row or a node).');
          return;
        }
        const set = {[param]: selectionRegexp()};
        set.pivot = null; set.root = null;
        window.location.href = withParams(window.location.pathname, set);
      });
    }
    // Peek and source show the selection (pprof passes it as f).
    for (const id of ['view-peek', 'view-source']) {
      const a = document.getElementById(id);
      if (!a) continue;
      a.addEventListener('click', (ev) => {
        if (selection.size === 0) return;
        ev.preventDefault();
        window.location.href = withParams(a.getAttribute('href').split('?')[0],
          {f: selectionRegexp(), pivot: null});
      });
    }
    const search = document.getElementById('search');
    if (search) {
      let timer = null;
      const fire = () => { if (onSearch) onSearch(search.value); };
      search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(fire, 150); });
      search.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') fire(); });
    }
    // Share bars (a style attribute in the markup would need an unsafe
    // style policy; a script may set it).
    for (const b of document.querySelectorAll('.share-fill[data-pct]')) {
      b.style.width = (parseFloat(b.dataset.pct) || 0) + '%';
    }
    // Tabs of the standalone report.
    const tabs = document.querySelectorAll('.tab');
    function showTab(name) {
      for (const t of tabs) t.classList.toggle('active', t.id === 'tab-' + name);
      for (const p of document.querySelectorAll('.pane')) p.hidden = p.id !== 'pane-' + name;
      window.dispatchEvent(new Event('resize'));
    }
    for (const t of tabs) {
      t.addEventListener('click', (ev) => { ev.preventDefault(); showTab(t.id.slice(4)); });
    }
    if (tabs.length && window.location.hash) {
      const h = window.location.hash.slice(1);
      // The hash also names an element (#top): undo the jump to it.
      if (document.getElementById('pane-' + h)) { showTab(h); window.scrollTo(0, 0); }
    }
  }

  return {
    data, selection, exact, selectionRegexp, withParams, fmt, pct, compile,
    setSelection, showError, init,
    set onSearch(f) { onSearch = f; },
    get onSearch() { return onSearch; },
    addSelectListener(f) { onSelect.push(f); },
    standalone: !!data.standalone,
  };
})();
rprof.init();
