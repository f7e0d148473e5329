// rprof runtime diagnostics pages: the goroutine page's search box
// filters the buckets by function. Strings from the dump are only read
// (textContent); the page's own counts are the only text written.
'use strict';
(() => {
  const rows = Array.from(document.querySelectorAll('tr.bucket-row'));
  const matched = document.getElementById('matched');
  const noMatch = document.getElementById('no-match');
  // Each bucket's function names: its stack's frames and its creator.
  const names = new Map();
  for (const s of document.querySelectorAll('section.bucket-stack')) {
    names.set(s.dataset.b, Array.from(s.querySelectorAll('.fn')).map(e => e.textContent));
  }
  function filter(text) {
    const re = rprof.compile(text);
    let shown = 0;
    for (const r of rows) {
      const b = r.dataset.b;
      const ok = !re || (names.get(b) || []).some(n => re.test(n));
      r.hidden = !ok;
      const s = document.getElementById('b' + b);
      if (s) s.hidden = !ok;
      if (ok) shown++;
    }
    if (matched) matched.textContent = re ? `${shown} of ${rows.length} buckets` : '';
    if (noMatch) noMatch.hidden = shown > 0 || rows.length === 0;
    const q = new URLSearchParams(window.location.search);
    if (text) q.set('f', text); else q.delete('f');
    const s = q.toString();
    history.replaceState(null, '', window.location.pathname + (s ? '?' + s : '') + window.location.hash);
  }
  if (rows.length) {
    rprof.onSearch = filter;
    const search = document.getElementById('search');
    const f = new URLSearchParams(window.location.search).get('f');
    if (f && search) { search.value = f; filter(f); }
  }
  document.body.dataset.ready = '1';
})();
