// The call graph: pan with the mouse, zoom with the wheel (or +/-),
// click nodes to select them for Refine; search highlights nodes.
'use strict';
(() => {
  const box = document.getElementById('graph');
  const svg = box && box.querySelector('svg');
  if (!svg) return;
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  // Pan and zoom act on the viewBox.
  const vb0 = svg.viewBox.baseVal;
  let vb = vb0 && vb0.width ? {x: vb0.x, y: vb0.y, w: vb0.width, h: vb0.height} : null;
  if (!vb) {
    const b = svg.getBBox();
    vb = {x: b.x, y: b.y, w: b.width, h: b.height};
  }
  function apply() { svg.setAttribute('viewBox', `${vb.x} ${vb.y} ${vb.w} ${vb.h}`); }
  // Start readable: fitting a big graph whole makes its text a few pixels
  // high, so show its top (where the heaviest paths start) at half size
  // or more; the wheel zooms out to all of it.
  const box0 = svg.getBoundingClientRect();
  if (box0.width > 0 && box0.height > 0) {
    const fit = Math.min(box0.width / vb.w, box0.height / vb.h);
    const scale = Math.max(fit, 0.5);
    if (scale > fit) {
      const w = box0.width / scale, h = box0.height / scale;
      vb = {x: vb.x + (vb.w - w) / 2, y: vb.y, w, h};
    }
  }
  apply();
  function zoom(f, cx, cy) {
    const r = svg.getBoundingClientRect();
    const px = vb.x + (cx - r.left) / r.width * vb.w;
    const py = vb.y + (cy - r.top) / r.height * vb.h;
    vb = {x: px - (px - vb.x) * f, y: py - (py - vb.y) * f, w: vb.w * f, h: vb.h * f};
    apply();
  }
  svg.addEventListener('wheel', (ev) => {
    ev.preventDefault();
    zoom(ev.deltaY > 0 ? 1.15 : 1 / 1.15, ev.clientX, ev.clientY);
  }, {passive: false});
  let drag = null, moved = false;
  svg.addEventListener('mousedown', (ev) => { drag = {x: ev.clientX, y: ev.clientY, vb: {...vb}}; moved = false; });
  window.addEventListener('mouseup', () => { drag = null; });
  window.addEventListener('mousemove', (ev) => {
    if (!drag) return;
    const r = svg.getBoundingClientRect();
    const dx = (ev.clientX - drag.x) / r.width * vb.w, dy = (ev.clientY - drag.y) / r.height * vb.h;
    if (Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) > 3) moved = true;
    vb = {...drag.vb, x: drag.vb.x - dx, y: drag.vb.y - dy, w: vb.w, h: vb.h};
    apply();
  });
  window.addEventListener('keydown', (ev) => {
    if (ev.target.tagName === 'INPUT') return;
    const r = svg.getBoundingClientRect();
    if (ev.key === '+' || ev.key === '=') zoom(1 / 1.25, r.left + r.width / 2, r.top + r.height / 2);
    if (ev.key === '-') zoom(1.25, r.left + r.width / 2, r.top + r.height / 2);
  });

  // A node's function name: the tooltip is "name (values)" in both
  // renderers; without one, the label's text lines.
  function nodeName(g) {
    const a = g.querySelector('a');
    const t = a && (a.getAttribute('xlink:title') || a.getAttribute('title'));
    if (t) return t.replace(/ \([^()]*\)$/, '');
    return Array.from(g.querySelectorAll('text')).map((x) => x.textContent).slice(0, -1).join('') || '';
  }
  const nodes = Array.from(svg.querySelectorAll('g.node'));
  for (const g of nodes) g.dataset.name = nodeName(g);
  function paint() {
    for (const g of nodes) g.classList.toggle('selected', rprof.selection.has(g.dataset.name));
  }
  svg.addEventListener('click', (ev) => {
    if (moved) return;
    const g = ev.target.closest('g.node');
    if (!g) return;
    ev.preventDefault();
    const names = new Set(rprof.selection);
    if (names.has(g.dataset.name)) names.delete(g.dataset.name); else names.add(g.dataset.name);
    rprof.setSelection(names);
    paint();
  });
  const search = (text) => {
    const re = rprof.compile(text);
    for (const g of nodes) g.classList.toggle('match', !!re && re.test(g.dataset.name));
  };
  if (!document.getElementById('flame')) rprof.onSearch = search;
  else rprof.graphSearch = search;
})();
