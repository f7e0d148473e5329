// rprof trace timeline: a canvas renderer for the timeline index
// (crates/rprof-trace/src/analysis/timeline, whose module doc defines the
// JSON). No framework, no network beyond the page's own server.
//
// Markup: <div class="rt-timeline" data-api="/trace/api" data-view="proc">
// (or data-goroutine="ID" for one goroutine's timeline). The script builds
// a toolbar, a canvas and a details panel inside it.
//
// Requests, whenever the visible window changes (debounced, the previous
// one aborted):
//   GET {api}/info                        what was indexed (start_ns, end_ns...)
//   GET {api}/timeline?view=proc|thread&start=NS&end=NS&px=WIDTH
//   GET {api}/goroutine?g=ID&start=NS&end=NS&px=WIDTH
//   GET {api}/slice?id=DETAIL             on click: the details panel
// While the server is still indexing it answers 503 with
// {"indexing": FRACTION}; the page shows the fraction and asks again.
//
// Keys (as in Go's trace viewer): W/S zoom in/out, A/D pan left/right;
// also the wheel (zoom at the pointer; with Shift: pan), dragging (pan),
// 0 (whole trace). Click a slice for its details and the arrow from the
// event that let it run; click a summary bar to zoom into it.
//
// Every string from the trace reaches the page through textContent or
// canvas fillText, never as HTML.
(function () {
  "use strict";

  var LABEL_W = 130; // row label gutter, CSS px
  var AXIS_H = 22;
  var MAIN_H = 18;
  var SUB_H = 9;
  var LANE_H = 12;
  var COUNTER_H = 34;
  var GAP = 3;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Durations as Go prints them, to three significant digits.
  function fmtDur(ns) {
    var a = Math.abs(ns);
    if (a < 1e3) return Math.round(ns) + "ns";
    var v, u;
    if (a < 1e6) { v = ns / 1e3; u = "µs"; }
    else if (a < 1e9) { v = ns / 1e6; u = "ms"; }
    else { v = ns / 1e9; u = "s"; }
    var av = Math.abs(v);
    return (av >= 100 ? v.toFixed(0) : av >= 10 ? v.toFixed(1) : v.toFixed(2)) + u;
  }

  // A point in time, exactly: seconds since the trace's start with all
  // nine decimals (as Go's task pages print times).
  function fmtTime(ns) {
    var neg = ns < 0;
    var a = Math.round(Math.abs(ns));
    var s = Math.floor(a / 1e9), f = String(a % 1e9);
    while (f.length < 9) f = "0" + f;
    return (neg ? "-" : "") + s + "." + f + "s";
  }

  // An axis tick: in the unit of the window's end, with as many decimals
  // as the step between ticks needs.
  function fmtTick(t, step, end) {
    var a = Math.max(Math.abs(end), Math.abs(t));
    var unit = a >= 1e9 ? [1e9, "s"] : a >= 1e6 ? [1e6, "ms"] : a >= 1e3 ? [1e3, "µs"] : [1, "ns"];
    var dec = Math.max(0, Math.min(9, Math.ceil(-Math.log10(step / unit[0]) - 1e-9)));
    return (t / unit[0]).toFixed(dec) + unit[1];
  }

  function fmtBytes(b) {
    if (b < 1024) return b + "B";
    if (b < 1 << 20) return (b / 1024).toFixed(1) + "KiB";
    if (b < 1 << 30) return (b / (1 << 20)).toFixed(1) + "MiB";
    return (b / (1 << 30)).toFixed(2) + "GiB";
  }

  // A goroutine's colour: a hue from its ID, spread by a golden-ratio step.
  function hue(id) {
    var h = ((id * 0.6180339887) % 1 + 1) % 1;
    return Math.round(h * 360);
  }
  function colour(id, alpha) {
    if (id < 0) return "rgba(120,120,120," + (alpha === undefined ? 1 : alpha) + ")";
    return "hsla(" + hue(id) + ",62%,58%," + (alpha === undefined ? 1 : alpha) + ")";
  }
  var SUB_COLOURS = {
    "syscalls": "#c77c2e",
    "sweep": "#8aa9c9",
    "mark assist": "#b0467a",
    "stop-the-world": "#d23c3c",
    "ranges": "#7f7f7f",
  };
  var COUNTER_GROUPS = [
    { title: "Goroutines", series: ["goroutines_running", "goroutines_runnable", "goroutines_gc_waiting"],
      colours: ["#5b8f3e", "#c9a227", "#b0467a"], fmt: String },
    { title: "Heap", series: ["heap_alloc", "heap_goal"], colours: ["#3b73b9", "#9bbbe0"], fmt: fmtBytes },
    { title: "Threads", series: ["threads_running", "threads_in_syscall"], colours: ["#5b8f3e", "#c77c2e"], fmt: String },
  ];

  function Timeline(root) {
    this.root = root;
    this.api = root.getAttribute("data-api") || "/trace/api";
    this.view = root.getAttribute("data-view") || "proc";
    var g = root.getAttribute("data-goroutine");
    this.goroutine = g === null || g === "" ? null : Number(g);
    this.info = null;
    this.data = null; // last answer
    this.t0 = 0;
    this.t1 = 1;
    this.selected = null; // {detail, json}
    this.hits = []; // clickable boxes of the last draw
    this.pending = null;
    this.timer = 0;
    this.build();
    this.readHash();
    this.loadInfo();
  }

  Timeline.prototype.build = function () {
    var self = this;
    var bar = el("div", "rt-toolbar");
    if (this.goroutine === null) {
      this.viewSel = el("select", "rt-view");
      [["proc", "by proc"], ["thread", "by thread"]].forEach(function (o) {
        var opt = el("option", "", o[1]);
        opt.value = o[0];
        self.viewSel.appendChild(opt);
      });
      this.viewSel.value = this.view;
      this.viewSel.addEventListener("change", function () {
        self.view = self.viewSel.value;
        self.selected = null;
        self.showDetails(null);
        self.changed();
      });
      bar.appendChild(this.viewSel);
    }
    var buttons = [["−", function () { self.zoom(2, 0.5); }, "zoom out (S)"],
                   ["+", function () { self.zoom(0.5, 0.5); }, "zoom in (W)"],
                   ["◀", function () { self.pan(-0.25); }, "pan left (A)"],
                   ["▶", function () { self.pan(0.25); }, "pan right (D)"],
                   ["whole trace", function () { self.whole(); }, "show the whole trace (0)"]];
    buttons.forEach(function (b) {
      var e = el("button", "rt-btn", b[0]);
      e.title = b[2];
      e.addEventListener("click", b[1]);
      bar.appendChild(e);
    });
    this.range = el("span", "rt-range", "");
    bar.appendChild(this.range);
    this.status = el("span", "rt-status", "");
    bar.appendChild(this.status);
    bar.appendChild(el("span", "rt-help", "W/S zoom · A/D pan · wheel zoom · drag pan · click a slice"));
    this.root.appendChild(bar);

    this.wrap = el("div", "rt-canvas-wrap");
    this.canvas = el("canvas", "rt-canvas");
    this.canvas.tabIndex = 0;
    this.wrap.appendChild(this.canvas);
    this.tip = el("div", "rt-tip");
    this.tip.style.display = "none";
    this.wrap.appendChild(this.tip);
    this.root.appendChild(this.wrap);
    this.details = el("div", "rt-details");
    this.root.appendChild(this.details);
    this.showDetails(null);

    var c = this.canvas;
    c.addEventListener("wheel", function (e) {
      e.preventDefault();
      var f = self.fracAt(e.offsetX);
      if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        var d = e.shiftKey ? e.deltaY : e.deltaX;
        self.pan(d / Math.max(1, self.plotW()));
      } else {
        self.zoom(Math.pow(1.0015, e.deltaY), f);
      }
    }, { passive: false });
    var drag = null;
    c.addEventListener("mousedown", function (e) {
      drag = { x: e.offsetX, t0: self.t0, t1: self.t1, moved: false };
      c.focus();
    });
    window.addEventListener("mousemove", function (e) {
      if (!drag) return;
      var dx = e.clientX - c.getBoundingClientRect().left - drag.x;
      if (Math.abs(dx) > 3) drag.moved = true;
      if (!drag.moved) return;
      var dt = -dx / Math.max(1, self.plotW()) * (drag.t1 - drag.t0);
      self.setWindow(drag.t0 + dt, drag.t1 + dt);
    });
    window.addEventListener("mouseup", function (e) {
      if (drag && !drag.moved && e.target === c) self.click(e.offsetX, e.offsetY);
      drag = null;
    });
    c.addEventListener("mousemove", function (e) { self.hover(e.offsetX, e.offsetY); });
    c.addEventListener("mouseleave", function () { self.tip.style.display = "none"; });
    c.addEventListener("keydown", function (e) { self.key(e); });
    document.addEventListener("keydown", function (e) {
      if (e.target === document.body) self.key(e);
    });
    window.addEventListener("resize", function () { self.changed(); });
    window.addEventListener("hashchange", function () {
      if (self.readHash()) self.changed();
    });
  };

  Timeline.prototype.key = function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var k = e.key.toLowerCase();
    var f = this.mouseFrac === undefined ? 0.5 : this.mouseFrac;
    if (k === "w") this.zoom(0.8, f);
    else if (k === "s") this.zoom(1.25, f);
    else if (k === "a") this.pan(-0.2);
    else if (k === "d") this.pan(0.2);
    else if (k === "0") this.whole();
    else return;
    e.preventDefault();
  };

  Timeline.prototype.plotW = function () {
    return Math.max(50, this.wrap.clientWidth - LABEL_W);
  };
  Timeline.prototype.fracAt = function (x) {
    return Math.min(1, Math.max(0, (x - LABEL_W) / this.plotW()));
  };
  Timeline.prototype.xOf = function (t) {
    return LABEL_W + (t - this.t0) / (this.t1 - this.t0) * this.plotW();
  };
  Timeline.prototype.tOf = function (x) {
    return this.t0 + (x - LABEL_W) / this.plotW() * (this.t1 - this.t0);
  };

  Timeline.prototype.readHash = function () {
    var h = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i > 0) h[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1));
    });
    var s = Number(h.start), e = Number(h.end);
    var changed = false;
    if (isFinite(s) && isFinite(e) && e > s && (s !== this.t0 || e !== this.t1)) {
      this.t0 = s; this.t1 = e; this.fromHash = true; changed = true;
    }
    if ((h.view === "proc" || h.view === "thread") && this.goroutine === null && h.view !== this.view) {
      this.view = h.view;
      if (this.viewSel) this.viewSel.value = h.view;
      changed = true;
    }
    return changed;
  };
  Timeline.prototype.writeHash = function () {
    var h = "#start=" + Math.round(this.t0) + "&end=" + Math.round(this.t1);
    if (this.goroutine === null) h += "&view=" + this.view;
    if (location.hash !== h) history.replaceState(null, "", h);
  };

  Timeline.prototype.bounds = function () {
    var i = this.info;
    return i ? [i.start_ns, Math.max(i.end_ns, i.start_ns + 1)] : [0, 1];
  };
  Timeline.prototype.setWindow = function (a, b) {
    var bd = this.bounds();
    var span = Math.max(b - a, 20); // at least 20ns across the plot
    var maxSpan = (bd[1] - bd[0]) * 1.5;
    if (span > maxSpan) span = maxSpan;
    var mid = (a + b) / 2;
    a = mid - span / 2;
    var lo = bd[0] - span * 0.25, hi = bd[1] + span * 0.25;
    if (a < lo) a = lo;
    if (a + span > hi) a = hi - span;
    this.t0 = a;
    this.t1 = a + span;
    this.changed();
  };
  Timeline.prototype.zoom = function (factor, frac) {
    var t = this.t0 + frac * (this.t1 - this.t0);
    this.setWindow(t - (t - this.t0) * factor, t + (this.t1 - t) * factor);
  };
  Timeline.prototype.pan = function (frac) {
    var d = frac * (this.t1 - this.t0);
    this.setWindow(this.t0 + d, this.t1 + d);
  };
  Timeline.prototype.whole = function () {
    var b = this.bounds();
    this.setWindow(b[0], b[1]);
  };

  Timeline.prototype.setStatus = function (s) {
    this.status.textContent = s;
  };

  // GET a JSON document; 503 {"indexing": f} means "ask again soon".
  Timeline.prototype.get = function (path, signal) {
    var self = this;
    return fetch(this.api + path, { signal: signal }).then(function (r) {
      return r.text().then(function (body) {
        var j = null;
        try { j = JSON.parse(body); } catch (e) { j = null; }
        if (r.status === 503 && j && typeof j.indexing === "number") {
          self.setStatus("indexing " + Math.floor(j.indexing * 100) + "%");
          return new Promise(function (res) { setTimeout(res, 400); }).then(function () {
            return self.get(path, signal);
          });
        }
        if (!r.ok || j === null) {
          throw new Error(r.status + " " + (body.length < 300 ? body : body.slice(0, 300)));
        }
        return j;
      });
    });
  };

  Timeline.prototype.loadInfo = function () {
    var self = this;
    this.setStatus("loading…");
    this.get("/info").then(function (info) {
      self.info = info;
      if (!self.fromHash) {
        self.t0 = info.start_ns;
        self.t1 = Math.max(info.end_ns, info.start_ns + 1);
      }
      if (info.error) self.setStatus("damaged trace: " + info.error);
      self.changed();
    }).catch(function (e) { self.setStatus("error: " + e.message); });
  };

  // The window changed: draw what we have now, ask for the new window.
  Timeline.prototype.changed = function () {
    var self = this;
    this.draw();
    if (!this.info) return;
    this.writeHash();
    this.range.textContent = fmtDur(this.t0) + " – " + fmtDur(this.t1) + " (" + fmtDur(this.t1 - this.t0) + ")";
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.fetchWindow(); }, 40);
  };

  Timeline.prototype.fetchWindow = function () {
    var self = this;
    if (this.pending) this.pending.abort();
    var ctl = new AbortController();
    this.pending = ctl;
    var a = Math.floor(this.t0), b = Math.ceil(this.t1);
    if (b <= a) b = a + 1;
    var px = Math.max(1, Math.min(65536, Math.round(this.plotW())));
    var path = this.goroutine === null
      ? "/timeline?view=" + this.view + "&start=" + a + "&end=" + b + "&px=" + px
      : "/goroutine?g=" + this.goroutine + "&start=" + a + "&end=" + b + "&px=" + px;
    var t = performance.now();
    this.get(path, ctl.signal).then(function (d) {
      if (self.pending !== ctl) return;
      self.pending = null;
      self.data = d;
      if (!self.info.error) self.setStatus("");
      self.lastMs = performance.now() - t;
      self.draw();
    }).catch(function (e) {
      if (e.name !== "AbortError") self.setStatus("error: " + e.message);
    });
  };

  Timeline.prototype.resize = function () {
    var d = this.data;
    var h = AXIS_H + 4;
    if (d && this.goroutine === null) {
      h += COUNTER_GROUPS.length * (COUNTER_H + GAP);
      h += 2 * (LANE_H + GAP);
      d.rows.forEach(function (r) {
        h += MAIN_H + (r.lanes.length - 1) * SUB_H + GAP;
      });
      h += (d.tasks.length + d.regions.length + 1) * (LANE_H + 1) + 3 * GAP;
    } else if (d) {
      h += MAIN_H + LANE_H + 2 * GAP;
    } else {
      h += 200;
    }
    var w = this.wrap.clientWidth;
    var dpr = window.devicePixelRatio || 1;
    var c = this.canvas;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
      c.style.width = w + "px";
      c.style.height = h + "px";
    }
    this.h = h;
    this.w = w;
  };

  Timeline.prototype.draw = function () {
    this.resize();
    var c = this.canvas;
    var ctx = c.getContext("2d");
    var dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.w, this.h);
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    this.hits = [];
    this.rowY = {};
    var d = this.data;
    this.drawAxis(ctx);
    if (!d) return;
    var y = AXIS_H + 4;
    var self = this;
    if (this.goroutine === null) {
      COUNTER_GROUPS.forEach(function (g) {
        self.drawCounters(ctx, g, y);
        y += COUNTER_H + GAP;
      });
      var bandTop = y;
      y = this.drawLane(ctx, d.gc, "GC", y, LANE_H, "#6f9f6f", d.strings, "gc") + GAP;
      y = this.drawLane(ctx, d.stw, "STW", y, LANE_H, "#d23c3c", d.strings, "stw") + GAP;
      var rowsTop = y;
      d.rows.forEach(function (r) {
        self.rowY[r.id] = y + MAIN_H / 2;
        r.lanes.forEach(function (l, i) {
          var h = i === 0 ? MAIN_H : SUB_H;
          y = self.drawLane(ctx, l, i === 0 ? r.name : "", y, h, i === 0 ? null : SUB_COLOURS[l.name] || "#888",
                            d.strings, i === 0 ? "goroutine" : l.name);
          if (i > 0) {
            ctx.font = "8px system-ui, sans-serif";
            ctx.fillStyle = "#888";
            ctx.textAlign = "right";
            ctx.fillText(l.name, LABEL_W - 6, y - h / 2);
            ctx.font = "11px system-ui, sans-serif";
          }
        });
        y += GAP;
      });
      // GC and STW as translucent bands over the rows.
      this.drawBands(ctx, d.gc, rowsTop, y, "rgba(111,159,111,0.10)");
      this.drawBands(ctx, d.stw, bandTop, y, "rgba(210,60,60,0.18)");
      y += GAP;
      d.tasks.forEach(function (l, i) {
        y = self.drawLane(ctx, l, i === 0 ? "Tasks" : "", y, LANE_H, "#7a6bb5", d.strings, "task") + 1;
      });
      d.regions.forEach(function (l, i) {
        y = self.drawLane(ctx, l, i === 0 ? "Regions" : "", y, LANE_H, "#4f9a94", d.strings, "region") + 1;
      });
      y += GAP;
      this.drawLogs(ctx, d.logs, y);
    } else {
      this.rowY["g"] = y + MAIN_H / 2;
      y = this.drawLane(ctx, d.slices, "G" + d.g + " " + d.name, y, MAIN_H, null, d.strings, "goroutine") + GAP;
      this.drawLane(ctx, d.regions, "regions", y, LANE_H, "#4f9a94", d.strings, "region");
    }
    this.drawArrow(ctx);
  };

  Timeline.prototype.drawAxis = function (ctx) {
    var span = this.t1 - this.t0;
    var w = this.plotW();
    var step = Math.pow(10, Math.floor(Math.log10(span / 8)));
    if (span / step > 16) step *= 5;
    else if (span / step > 8) step *= 2;
    ctx.fillStyle = "#555";
    ctx.strokeStyle = "#ddd";
    ctx.textAlign = "left";
    for (var t = Math.ceil(this.t0 / step) * step; t <= this.t1; t += step) {
      var x = this.xOf(t);
      ctx.beginPath();
      ctx.moveTo(x + 0.5, AXIS_H - 6);
      ctx.lineTo(x + 0.5, this.h);
      ctx.stroke();
      ctx.fillText(fmtTick(t, step, this.t1), x + 3, AXIS_H / 2);
    }
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, LABEL_W - 2, this.h);
    ctx.fillStyle = "#222";
    var d = this.data;
    if (d && this.lastMs !== undefined) {
      ctx.fillText(fmtDur((d.end - d.start) / Math.max(1, d.px)) + "/px", 4, AXIS_H / 2);
    }
    if (this.info) {
      // The trace's extent.
      ctx.fillStyle = "rgba(0,0,0,0.06)";
      var a = this.xOf(this.info.start_ns), b = this.xOf(this.info.end_ns);
      if (a > LABEL_W) ctx.fillRect(LABEL_W, AXIS_H, a - LABEL_W, this.h);
      if (b < LABEL_W + w) ctx.fillRect(b, AXIS_H, LABEL_W + w - b, this.h);
    }
  };

  Timeline.prototype.label = function (ctx, text, y, h) {
    if (!text) return;
    ctx.fillStyle = "#222";
    ctx.textAlign = "left";
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, y, LABEL_W - 6, h);
    ctx.clip();
    ctx.fillText(text, 4, y + h / 2);
    ctx.restore();
  };

  Timeline.prototype.sliceName = function (kind, s, strings) {
    var n = strings[s[3]] || "";
    if (kind === "goroutine") return n ? "G" + s[2] + " " + n : "G" + s[2];
    if (kind === "task") return "T" + s[2] + " " + n;
    return n;
  };

  // One lane: slices (≥ 1px) and summary bars. Returns the y below it.
  Timeline.prototype.drawLane = function (ctx, lane, label, y, h, fixed, strings, kind) {
    var self = this;
    this.label(ctx, label, y, h);
    var x0 = LABEL_W, x1 = LABEL_W + this.plotW();
    ctx.save();
    ctx.beginPath();
    ctx.rect(x0, y, x1 - x0, h);
    ctx.clip();
    lane.bars.forEach(function (b) {
      var a = self.xOf(b[0]), e = self.xOf(b[0] + b[1]);
      var w = Math.max(1, e - a);
      var density = b[1] > 0 ? Math.min(1, b[3] / b[1]) : 1;
      ctx.fillStyle = fixed ? fixed : colour(b[4], 0.35 + 0.65 * density);
      if (fixed) ctx.globalAlpha = 0.35 + 0.65 * density;
      // A bar: a hatched look at the top tells it from a slice.
      ctx.fillRect(a, y + 2, w, h - 2);
      ctx.globalAlpha = 1;
      self.hits.push({ x: a, y: y, w: Math.max(w, 2), h: h, bar: b, kind: kind, strings: strings });
    });
    lane.slices.forEach(function (s) {
      var a = self.xOf(s[0]), e = self.xOf(s[0] + s[1]);
      var w = Math.max(1, e - a);
      ctx.fillStyle = fixed ? fixed : colour(kind === "task" || kind === "region" ? s[2] : s[2]);
      ctx.fillRect(a, y, w, h);
      if (self.selected && self.selected.id === s[4] && s[4] >= 0) {
        ctx.strokeStyle = "#000";
        ctx.lineWidth = 2;
        ctx.strokeRect(a + 1, y + 1, w - 2, h - 2);
        ctx.lineWidth = 1;
      }
      if (h >= 12 && w > 30) {
        var va = Math.max(a, x0), ve = Math.min(e, x1);
        if (ve - va > 30) {
          ctx.save();
          ctx.beginPath();
          ctx.rect(va, y, ve - va, h);
          ctx.clip();
          ctx.fillStyle = "#111";
          ctx.textAlign = "left";
          ctx.fillText(self.sliceName(kind, s, strings), va + 3, y + h / 2 + 0.5);
          ctx.restore();
        }
      }
      self.hits.push({ x: a, y: y, w: Math.max(w, 2), h: h, slice: s, kind: kind, strings: strings });
    });
    ctx.restore();
    ctx.strokeStyle = "#eee";
    ctx.beginPath();
    ctx.moveTo(x0, y + h + 0.5);
    ctx.lineTo(x1, y + h + 0.5);
    ctx.stroke();
    return y + h;
  };

  Timeline.prototype.drawBands = function (ctx, lane, top, bottom, fill) {
    var self = this;
    ctx.fillStyle = fill;
    lane.slices.concat(lane.bars).forEach(function (s) {
      var a = Math.max(self.xOf(s[0]), LABEL_W), e = self.xOf(s[0] + s[1]);
      if (e > a) ctx.fillRect(a, top, Math.max(1, e - a), bottom - top);
    });
  };

  Timeline.prototype.drawCounters = function (ctx, g, y) {
    var d = this.data;
    var byName = {};
    d.counters.forEach(function (c) { byName[c.name] = c.points; });
    var max = 1;
    g.series.forEach(function (n) {
      (byName[n] || []).forEach(function (p) { if (p[1] > max) max = p[1]; });
    });
    this.label(ctx, g.title + " (max " + g.fmt(max) + ")", y, COUNTER_H);
    var self = this;
    var x1 = LABEL_W + this.plotW();
    ctx.save();
    ctx.beginPath();
    ctx.rect(LABEL_W, y, this.plotW(), COUNTER_H);
    ctx.clip();
    g.series.forEach(function (n, i) {
      var pts = byName[n] || [];
      if (!pts.length) return;
      ctx.strokeStyle = g.colours[i];
      ctx.fillStyle = g.colours[i];
      ctx.globalAlpha = i === 0 ? 0.45 : 0.25;
      ctx.beginPath();
      var base = y + COUNTER_H;
      ctx.moveTo(self.xOf(pts[0][0]), base);
      for (var k = 0; k < pts.length; k++) {
        var x = self.xOf(pts[k][0]);
        var yy = base - pts[k][1] / max * (COUNTER_H - 2);
        if (k > 0) ctx.lineTo(x, base - pts[k - 1][1] / max * (COUNTER_H - 2));
        ctx.lineTo(x, yy);
      }
      var last = pts[pts.length - 1];
      var xe = Math.min(x1, self.xOf(self.data.trace_end));
      ctx.lineTo(Math.max(xe, self.xOf(last[0])), base - last[1] / max * (COUNTER_H - 2));
      ctx.lineTo(Math.max(xe, self.xOf(last[0])), base);
      ctx.closePath();
      ctx.fill();
      ctx.globalAlpha = 1;
    });
    ctx.restore();
    this.hits.push({ x: LABEL_W, y: y, w: this.plotW(), h: COUNTER_H, counters: g, byName: byName });
  };

  Timeline.prototype.drawLogs = function (ctx, logs, y) {
    var self = this;
    this.label(ctx, "Logs", y, LANE_H);
    ctx.fillStyle = "#333";
    logs.bars.forEach(function (b) {
      var a = self.xOf(b[0]);
      ctx.globalAlpha = Math.min(1, 0.3 + b[2] / 20);
      ctx.fillRect(a, y + 1, Math.max(2, self.xOf(b[0] + b[1]) - a), LANE_H - 2);
      self.hits.push({ x: a - 2, y: y, w: 5, h: LANE_H, logbar: b });
    });
    ctx.globalAlpha = 1;
    logs.marks.forEach(function (m) {
      var x = self.xOf(m[0]);
      ctx.beginPath();
      ctx.moveTo(x, y + 1);
      ctx.lineTo(x + 4, y + LANE_H / 2);
      ctx.lineTo(x, y + LANE_H - 1);
      ctx.lineTo(x - 4, y + LANE_H / 2);
      ctx.closePath();
      ctx.fill();
      self.hits.push({ x: x - 4, y: y, w: 8, h: LANE_H, log: m });
    });
  };

  // The flow arrow: from the event that let the selected slice run.
  Timeline.prototype.drawArrow = function (ctx) {
    var s = this.selected;
    if (!s || !s.json || !s.json.cause) return;
    var c = s.json.cause;
    var toRow = this.goroutine === null ? (this.view === "proc" ? s.json.p : s.json.m) : "g";
    var fromRow = this.goroutine === null ? (this.view === "proc" ? c.p : c.m) : "g";
    var y1 = this.rowY[toRow];
    if (y1 === undefined) return;
    var y0 = this.rowY[fromRow];
    if (y0 === undefined) y0 = AXIS_H + 2; // no row (netpoller, no P): from the top
    var x0 = this.xOf(c.time), x1 = this.xOf(s.json.start);
    ctx.strokeStyle = "#000";
    ctx.fillStyle = "#000";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.stroke();
    var ang = Math.atan2(y1 - y0, x1 - x0);
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - 8 * Math.cos(ang - 0.4), y1 - 8 * Math.sin(ang - 0.4));
    ctx.lineTo(x1 - 8 * Math.cos(ang + 0.4), y1 - 8 * Math.sin(ang + 0.4));
    ctx.closePath();
    ctx.fill();
    ctx.beginPath();
    ctx.arc(x0, y0, 3, 0, 2 * Math.PI);
    ctx.fill();
    ctx.lineWidth = 1;
  };

  Timeline.prototype.hitAt = function (x, y) {
    for (var i = this.hits.length - 1; i >= 0; i--) {
      var h = this.hits[i];
      if (x >= h.x && x <= h.x + h.w && y >= h.y && y <= h.y + h.h && !h.counters) return h;
    }
    for (i = 0; i < this.hits.length; i++) {
      h = this.hits[i];
      if (h.counters && x >= h.x && y >= h.y && y <= h.y + h.h) return h;
    }
    return null;
  };

  Timeline.prototype.hover = function (x, y) {
    this.mouseFrac = this.fracAt(x);
    var h = this.hitAt(x, y);
    var tip = this.tip;
    if (!h) { tip.style.display = "none"; return; }
    var lines = [];
    if (h.slice) {
      lines.push(this.sliceName(h.kind, h.slice, h.strings));
      lines.push(fmtDur(h.slice[1]) + " from " + fmtTime(h.slice[0]));
    } else if (h.bar) {
      lines.push(h.bar[2] + " " + (h.kind === "goroutine" ? "slices" : h.kind) + " in " + fmtDur(h.bar[1]) +
                 " (busy " + fmtDur(h.bar[3]) + ")");
      var n = h.strings[h.bar[5]] || "";
      if (h.kind === "goroutine") lines.push("mostly G" + h.bar[4] + (n ? " " + n : ""));
      else if (n) lines.push("mostly " + n);
      lines.push("click to zoom in");
    } else if (h.log) {
      lines.push(h.log[4]);
      lines.push(fmtTime(h.log[0]) + " G" + h.log[1]);
    } else if (h.logbar) {
      lines.push(h.logbar[2] + " logs in " + fmtDur(h.logbar[1]));
    } else if (h.counters) {
      var t = this.tOf(x);
      var g = h.counters;
      lines.push(g.title + " at " + fmtTime(t));
      g.series.forEach(function (n) {
        var pts = h.byName[n] || [];
        var v = null;
        for (var k = 0; k < pts.length && pts[k][0] <= t; k++) v = pts[k][1];
        if (v !== null) lines.push(n.replace(/^[a-z]+_/, "") + ": " + g.fmt(v));
      });
    }
    tip.textContent = "";
    lines.forEach(function (l) { tip.appendChild(el("div", "", l)); });
    tip.style.display = "block";
    var left = Math.min(x + 14, this.w - 260);
    tip.style.left = left + "px";
    tip.style.top = (y + 14) + "px";
  };

  Timeline.prototype.click = function (x, y) {
    var h = this.hitAt(x, y);
    var self = this;
    if (h && h.bar) {
      var pad = Math.max(h.bar[1] * 0.1, 100);
      this.setWindow(h.bar[0] - pad, h.bar[0] + h.bar[1] + pad);
      return;
    }
    if (h && h.logbar) {
      this.setWindow(h.logbar[0] - 1000, h.logbar[0] + h.logbar[1] + 1000);
      return;
    }
    var id = h && h.slice ? h.slice[4] : h && h.log ? h.log[3] : -1;
    if (id === undefined || id < 0) {
      this.selected = null;
      this.showDetails(null);
      this.draw();
      return;
    }
    this.selected = { id: id, json: null };
    this.get("/slice?id=" + id).then(function (j) {
      if (!self.selected || self.selected.id !== id) return;
      self.selected.json = j;
      self.showDetails(j);
      self.draw();
    }).catch(function (e) { self.setStatus("error: " + e.message); });
    this.draw();
  };

  function stackTable(title, frames) {
    var box = el("div", "rt-stack");
    box.appendChild(el("div", "rt-stack-title", title));
    if (!frames.length) {
      box.appendChild(el("div", "rt-none", "(no stack)"));
      return box;
    }
    var t = el("table");
    frames.forEach(function (f) {
      var tr = el("tr");
      tr.appendChild(el("td", "rt-func", f.func));
      tr.appendChild(el("td", "rt-file", f.file + ":" + f.line));
      t.appendChild(tr);
    });
    box.appendChild(t);
    return box;
  }

  Timeline.prototype.showDetails = function (j) {
    var d = this.details;
    d.textContent = "";
    if (!j) {
      d.appendChild(el("div", "rt-none", "Click a slice for its goroutine, times, end reason, stacks and what let it run."));
      return;
    }
    var title;
    if (j.kind === "goroutine") title = "G" + j.g + (j.name ? " " + j.name : "") + (j.label ? " (" + j.label + ")" : "");
    else if (j.kind === "task") title = "Task " + j.task + " " + j.name;
    else if (j.kind === "region") title = "Region " + j.name + " on G" + j.g;
    else if (j.kind === "log") title = "Log on G" + j.g;
    else title = j.kind + " of G" + j.g;
    d.appendChild(el("h3", "", title));
    var kv = el("table", "rt-kv");
    function row(k, v) {
      if (v === null || v === undefined || v === "") return;
      var tr = el("tr");
      tr.appendChild(el("th", "", k));
      tr.appendChild(el("td", "", String(v)));
      kv.appendChild(tr);
    }
    row("Start", fmtTime(j.start));
    row("Duration", fmtDur(j.dur));
    row("End", fmtTime(j.end));
    if (j.p >= 0) row("P", j.p);
    if (j.m >= 0 && j.kind !== "task") row("Thread", j.m);
    if (j.end_state) row("Ended", j.end_state + (j.reason ? " (" + j.reason + ")" : ""));
    if (j.blocked !== null && j.blocked !== undefined) row("Blocked", j.blocked ? "yes" : "no");
    if (j.task !== null && j.task !== undefined) row("Task", j.task);
    if (j.parent !== null && j.parent !== undefined) row("Parent task", j.parent);
    if (j.text !== null && j.text !== undefined) row("Message", j.text);
    if (j.cause) {
      var c = j.cause;
      row("Started by", c.name + " at " + fmtTime(c.time) + (c.g >= 0 ? " on G" + c.g : "") +
          (c.p >= 0 ? " P" + c.p : "") + " (" + fmtDur(j.start - c.time) + " before)");
    }
    d.appendChild(kv);
    var stacks = el("div", "rt-stacks");
    var startTitle = j.kind === "goroutine" ? "Resumed at" : j.kind === "log" ? "Logged at" : "Began at";
    stacks.appendChild(stackTable(startTitle, j.start_stack));
    if (j.kind !== "log") stacks.appendChild(stackTable(j.kind === "goroutine" ? "Stopped at" : "Ended at", j.end_stack));
    if (j.cause) stacks.appendChild(stackTable("Cause: " + j.cause.name, j.cause.stack));
    d.appendChild(stacks);
  };

  function init() {
    var roots = document.querySelectorAll(".rt-timeline");
    for (var i = 0; i < roots.length; i++) {
      if (!roots[i].rtTimeline) roots[i].rtTimeline = new Timeline(roots[i]);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  window.RprofTraceTimeline = Timeline;
})();
