// rprof trace UI: the minimum mutator utilization plot (Go's /mmu page,
// drawn on a canvas instead of Google Charts). Data: GET
// /mmu?mode=plot&flags=a|b (Go's JSON: {"xMin","xMax","curve":[[w,mmu]]}).
// The check boxes choose what counts as GC work; the slider picks a
// window length and shows the MMU there (the curve, interpolated on its
// log scale).
'use strict';
(() => {
  const canvas = document.getElementById('mmu-plot');
  if (!canvas) return;
  const slider = document.getElementById('mmu-window');
  const value = document.getElementById('mmu-value');
  const status = document.getElementById('mmu-status');
  const boxes = Array.from(document.querySelectorAll('#options input[type=checkbox]'));
  let curve = null;
  let seq = 0;

  function fmtDur(ns) {
    const a = Math.abs(ns);
    if (a < 1e3) return Math.round(ns) + 'ns';
    let v, u;
    if (a < 1e6) { v = ns / 1e3; u = 'µs'; } else if (a < 1e9) { v = ns / 1e6; u = 'ms'; } else { v = ns / 1e9; u = 's'; }
    const av = Math.abs(v);
    return (av >= 100 ? v.toFixed(0) : av >= 10 ? v.toFixed(1) : v.toFixed(2)) + u;
  }
  function flags() {
    return boxes.filter((b) => b.checked).map((b) => b.id).join('|');
  }

  // The MMU at window w: linear in log(w) between the curve's points.
  function at(w) {
    const c = curve.curve;
    if (w <= c[0][0]) return c[0][1];
    for (let i = 1; i < c.length; i++) {
      if (w <= c[i][0]) {
        const f = (Math.log(w) - Math.log(c[i - 1][0])) / (Math.log(c[i][0]) - Math.log(c[i - 1][0]) || 1);
        return c[i - 1][1] + f * (c[i][1] - c[i - 1][1]);
      }
    }
    return c[c.length - 1][1];
  }
  function sliderWindow() {
    const c = curve.curve;
    const lo = Math.log(c[0][0]), hi = Math.log(c[c.length - 1][0]);
    return Math.exp(lo + (hi - lo) * slider.value / 1000);
  }

  function draw() {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    if (!curve || !curve.curve.length) return;
    const L = 50, R = 14, T = 12, B = 34;
    const pw = w - L - R, ph = h - T - B;
    const c = curve.curve;
    const lo = Math.log(c[0][0]), hi = Math.log(c[c.length - 1][0]);
    const x = (win) => L + (hi > lo ? (Math.log(win) - lo) / (hi - lo) : 0) * pw;
    const y = (u) => T + (1 - u) * ph;
    ctx.font = '11px system-ui, sans-serif';
    ctx.strokeStyle = '#ddd';
    ctx.fillStyle = '#555';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let u = 0; u <= 1.0001; u += 0.25) {
      ctx.beginPath(); ctx.moveTo(L, y(u) + 0.5); ctx.lineTo(L + pw, y(u) + 0.5); ctx.stroke();
      ctx.fillText(u.toFixed(2), L - 6, y(u));
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let d = Math.ceil(lo / Math.LN10); d <= hi / Math.LN10 + 1e-9; d++) {
      const win = Math.pow(10, d);
      ctx.beginPath(); ctx.moveTo(x(win) + 0.5, T); ctx.lineTo(x(win) + 0.5, T + ph); ctx.stroke();
      ctx.fillText(fmtDur(win), x(win), T + ph + 4);
    }
    ctx.fillText('Window duration', L + pw / 2, T + ph + 18);
    ctx.strokeStyle = '#3b73b9';
    ctx.lineWidth = 2;
    ctx.beginPath();
    c.forEach((p, i) => { if (i) ctx.lineTo(x(p[0]), y(p[1])); else ctx.moveTo(x(p[0]), y(p[1])); });
    ctx.stroke();
    ctx.lineWidth = 1;
    const sw = sliderWindow();
    ctx.strokeStyle = '#d23c3c';
    ctx.beginPath(); ctx.moveTo(x(sw) + 0.5, T); ctx.lineTo(x(sw) + 0.5, T + ph); ctx.stroke();
    ctx.fillStyle = '#d23c3c';
    ctx.beginPath(); ctx.arc(x(sw), y(at(sw)), 4, 0, 2 * Math.PI); ctx.fill();
  }

  function showValue() {
    if (!curve || !curve.curve.length) { value.textContent = ''; return; }
    const w = sliderWindow();
    value.textContent = 'window ' + fmtDur(w) + ': MMU ' + (at(w) * 100).toFixed(1) + '%';
    draw();
  }

  function load() {
    const f = flags();
    const mine = ++seq;
    status.textContent = 'computing…';
    canvas.style.opacity = '0.5';
    const u = new URL(window.location.href);
    u.searchParams.set('flags', f);
    history.replaceState(null, '', u.pathname + u.search);
    const ask = () => fetch('/mmu?mode=plot&flags=' + encodeURIComponent(f)).then((r) =>
      r.text().then((body) => {
        if (mine !== seq) return;
        let j = null;
        try { j = JSON.parse(body); } catch (e) { j = null; }
        if (r.status === 503 && j && typeof j.indexing === 'number') {
          status.textContent = 'indexing ' + Math.floor(j.indexing * 100) + '%';
          setTimeout(ask, 500);
          return;
        }
        if (!r.ok || !j) throw new Error(r.status + ' ' + body.slice(0, 300));
        curve = j;
        canvas.style.opacity = '1';
        status.textContent = '';
        showValue();
      }));
    ask().catch((e) => { if (mine === seq) status.textContent = 'error: ' + e.message; });
  }

  boxes.forEach((b) => b.addEventListener('change', load));
  slider.addEventListener('input', showValue);
  window.addEventListener('resize', draw);
  load();
})();
