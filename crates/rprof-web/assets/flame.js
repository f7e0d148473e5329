// The flame graph: root at the top, callees below; click to zoom, hover
// for details, search to highlight, pivot on a function to see its
// callers above and callees below. The server sends the tree pruned
// below a fraction of a pixel; a frame marked truncated gets its subtree
// fetched when it is zoomed into.
'use strict';
(() => {
  const page = rprof.data;
  const main = document.getElementById('flame');
  if (!main || !(page.flame || page.callees)) return;
  const ROW = 18;
  const INLINED = 1, PARTLY = 2, TRUNCATED = 4;
  const tip = document.getElementById('flame-tip');
  const status = document.getElementById('flame-path');

  // One graph: a tree of nodes, drawn into `el`, downwards or upwards.
  function Graph(el, payload, mode, upwards) {
    this.el = el; this.mode = mode; this.upwards = upwards;
    this.total = payload.total; this.unit = payload.unit; this.diff = payload.diff;
    this.type = payload.type;
    this.byId = new Map();
    this.root = this.merge(payload.tree, null);
    this.focus = this.root;
    this.pattern = null;
    el.addEventListener('click', (ev) => this.click(ev));
    el.addEventListener('mousemove', (ev) => this.hover(ev));
    el.addEventListener('mouseleave', () => { tip.hidden = true; });
  }
  // Adds a response's nodes; the first is `at` (already known) or the root.
  Graph.prototype.merge = function (t, at) {
    const s = t.stride, n = t.nodes, list = [];
    for (let k = 0; k < n.length; k += s) {
      const idx = k / s;
      let node;
      if (idx === 0 && at) {
        node = at;
        node.kids = [];
        node.flags &= ~TRUNCATED;
        node.flags |= n[k + 6] & TRUNCATED;
      } else {
        node = {id: n[k], name: t.names[n[k + 2]], color: t.colors[n[k + 2]], w: n[k + 3],
          self: n[k + 4], v: n[k + 5], flags: n[k + 6], base: s > 7 ? n[k + 7] : 0,
          kids: [], parent: null};
        this.byId.set(node.id, node);
      }
      list.push(node);
      const p = n[k + 1];
      if (p >= 0) { node.parent = list[p]; list[p].kids.push(node); }
    }
    if (this.diff) {
      let max = 0;
      for (const node of this.byId.values()) {
        if (node.parent) max = Math.max(max, Math.abs(node.w - node.base));
      }
      this.maxDelta = max;
    }
    return list[0];
  };
  Graph.prototype.query = function (extra) {
    const q = new URLSearchParams(page.query);
    if (page.pivot) { q.set('pivot', page.pivot); q.set('mode', this.mode); }
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    return q.toString();
  };
  Graph.prototype.colorOf = function (node) {
    if (this.diff) {
      const d = node.w - node.base;
      if (d === 0 || !this.maxDelta) return '#fafafa';
      const t = Math.sqrt(Math.min(1, Math.abs(d) / this.maxDelta));
      const c = Math.round(235 - 155 * t);
      return d > 0 ? `rgb(255,${c},${c})` : `rgb(${c},${c},255)`;
    }
    return node.color;
  };
  Graph.prototype.zoom = async function (node) {
    if (node.flags & TRUNCATED && !rprof.standalone) {
      try {
        const r = await fetch('./flamegraph/data?' + this.query({root: node.id}));
        if (!r.ok) throw new Error(await r.text());
        const j = await r.json();
        this.merge(j.tree, node);
      } catch (e) {
        rprof.showError('Could not load the frames under ' + node.name + ': ' + e.message);
      }
    }
    this.focus = node;
    this.draw();
  };
  Graph.prototype.draw = function () {
    const width = this.el.clientWidth || 1200;
    const frag = document.createDocumentFragment();
    const chain = [];
    for (let a = this.focus.parent; a; a = a.parent) chain.unshift(a);
    const rows = [];
    let depth = 0;
    for (const a of chain) rows.push([a, 0, width, depth++]);
    const scale = width / Math.max(1, this.focus.w);
    // Breadth of the drawing: every frame at least a pixel wide.
    const stack = [[this.focus, 0, depth]];
    let maxDepth = depth;
    while (stack.length) {
      const [node, x, d] = stack.pop();
      const w = node.w * scale;
      if (w < 1) continue;
      rows.push([node, x, w, d]);
      maxDepth = Math.max(maxDepth, d);
      let cx = x;
      for (const k of node.kids) {
        stack.push([k, cx, d + 1]);
        cx += k.w * scale;
      }
    }
    const height = (maxDepth + 1) * ROW;
    for (const [node, x, w, d] of rows) {
      const div = document.createElement('div');
      div.className = 'frame';
      if (node.flags & (INLINED | PARTLY)) div.classList.add('inlined');
      if (node === this.focus) div.classList.add('focused');
      if (this.pattern && this.pattern.test(node.name)) div.classList.add('match');
      if (rprof.selection.has(node.name)) div.classList.add('selected');
      div.style.left = x + 'px';
      div.style.width = Math.max(1, w - 1) + 'px';
      div.style.top = (this.upwards ? height - (d + 1) * ROW : d * ROW) + 'px';
      div.style.background = this.colorOf(node);
      div.dataset.id = node.id;
      if (w > 24) div.textContent = node.name;
      frag.appendChild(div);
    }
    this.el.textContent = '';
    this.el.style.height = height + 'px';
    this.el.appendChild(frag);
  };
  Graph.prototype.nodeAt = function (ev) {
    const f = ev.target.closest('.frame');
    return f ? this.byId.get(Number(f.dataset.id)) || (Number(f.dataset.id) === this.root.id ? this.root : null) : null;
  };
  Graph.prototype.click = function (ev) {
    const node = this.nodeAt(ev);
    if (!node) return;
    rprof.setSelection(node === this.root ? [] : [node.name]);
    showActions(node === this.root ? null : node.name);
    this.zoom(node === this.focus && node.parent ? node.parent : node);
  };
  Graph.prototype.hover = function (ev) {
    const node = this.nodeAt(ev);
    if (!node) { tip.hidden = true; return; }
    const u = this.unit;
    const lines = [node.name];
    let t = 'Total: ' + rprof.fmt(node.v, u) + ' (' + rprof.pct(node.v, this.total) + ')';
    lines.push(t);
    lines.push('Self: ' + rprof.fmt(node.self, u) + ' (' + rprof.pct(node.self, this.total) + ')');
    if (node.flags & INLINED) lines.push('inlined');
    if (node.flags & PARTLY) lines.push('partly inlined');
    if (this.diff) {
      const d = node.w - node.base;
      let c = 'Base: ' + rprof.fmt(node.base, u) + ', change: ' + (d >= 0 ? '+' : '') + rprof.fmt(d, u);
      c += node.base ? ' (' + (d >= 0 ? '+' : '') + (100 * d / node.base).toFixed(2) + '%)' : (d ? ' (new)' : '');
      lines.push(c);
    }
    if (node.flags & TRUNCATED) lines.push('(click to load narrower frames)');
    tip.textContent = '';
    for (const l of lines) {
      const div = document.createElement('div');
      div.textContent = l;
      tip.appendChild(div);
    }
    tip.hidden = false;
    const r = document.getElementById('flame-view').getBoundingClientRect();
    let x = ev.clientX - r.left + 14, y = ev.clientY - r.top + 14;
    if (x + tip.offsetWidth > r.width) x = Math.max(0, x - tip.offsetWidth - 28);
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  };
  Graph.prototype.search = function (re) {
    this.pattern = re;
    this.draw();
    // Outermost matching frames among those loaded.
    let sum = 0;
    const walk = (n) => {
      for (const k of n.kids) { if (re && re.test(k.name)) sum += k.w; else walk(k); }
    };
    if (re) walk(this.root);
    return sum;
  };

  const graphs = [];
  if (page.pivot) {
    const callers = document.getElementById('flame-callers');
    graphs.push(new Graph(callers, page.callers, 'callers', true));
    graphs.push(new Graph(main, page.callees, 'callees', false));
  } else {
    graphs.push(new Graph(main, page.flame, 'flame', false));
  }
  const first = graphs[graphs.length - 1];

  // The status line: what is selected, and what can be done with it.
  function showActions(name) {
    status.textContent = '';
    const add = (text, href, id) => {
      const a = document.createElement('a');
      a.textContent = text; a.href = href;
      if (id) a.id = id;
      status.appendChild(a);
      status.appendChild(document.createTextNode(' '));
    };
    if (page.pivot) {
      const s = document.createElement('span');
      s.textContent = 'Callers (above) and callees (below) of ' + page.pivot + ' ';
      status.appendChild(s);
      if (!rprof.standalone) add('Back to the flame graph', rprof.withParams('./flamegraph', {pivot: null}), 'unpivot');
    }
    if (first.diff) {
      const d = document.createElement('span');
      d.className = 'legend';
      d.textContent = 'Differential: widths are the current profile; red grew, blue shrank against the base. ';
      status.appendChild(d);
    }
    if (!name) return;
    const s = document.createElement('span');
    s.className = 'selected-name';
    s.textContent = name;
    status.appendChild(s);
    status.appendChild(document.createTextNode(' '));
    if (!rprof.standalone) {
      add('Pivot: callers and callees', rprof.withParams('./flamegraph', {pivot: name}), 'pivot');
      add('Focus', rprof.withParams('./flamegraph', {f: rprof.exact(name), pivot: null}), 'focus-one');
    }
  }

  rprof.onSearch = async (text) => {
    const re = rprof.compile(text);
    let local = 0;
    for (const g of graphs) local = g.search(re);
    if (rprof.graphSearch) rprof.graphSearch(text);
    const out = document.getElementById('matched');
    if (!out) return;
    if (!re) { out.textContent = ''; return; }
    if (rprof.standalone || page.pivot) {
      out.textContent = 'Matched: ' + rprof.fmt(local, first.unit) + ' (' + rprof.pct(local, first.total) + ')';
      return;
    }
    try {
      const r = await fetch('./flamegraph/search?' + first.query({q: text}));
      if (!r.ok) throw new Error(await r.text());
      const j = await r.json();
      out.textContent = 'Matched: ' + rprof.fmt(j.matched, first.unit) + ' (' + rprof.pct(j.matched, j.total) + ')';
    } catch (e) {
      out.textContent = 'Matched: ' + rprof.fmt(local, first.unit) + ' (' + rprof.pct(local, first.total) + ')';
    }
  };
  window.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') for (const g of graphs) { g.focus = g.root; g.draw(); }
  });
  let resize = null;
  window.addEventListener('resize', () => {
    clearTimeout(resize);
    resize = setTimeout(() => graphs.forEach((g) => g.draw()), 100);
  });
  showActions(null);
  graphs.forEach((g) => g.draw());
})();
