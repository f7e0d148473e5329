//! A layered (Sugiyama-style) layout for call graphs, top to bottom.
//!
//! The steps are Graphviz `dot`'s, each done with a simple, fast method:
//!
//! 0. **Components** are laid out separately and put side by side, the
//!    one of the first node (pprof's heaviest) first.
//! 1. **Cycles** (recursion) are broken by reversing the back edges of a
//!    depth-first search from the roots.
//! 2. **Ranks**: longest path from the roots, then single nodes moved to
//!    the end of their feasible range that shortens their weighted edges,
//!    towards their callees when that is a tie (so sources and chains of
//!    callers sink to just above what they call, as network simplex would
//!    put them). As in `dot` with edge labels, ranks are doubled: boxes
//!    sit on even ranks, edge labels on the odd ones between.
//! 3. **Dummy nodes** split every edge into one-rank steps; one dummy per
//!    edge carries its label, with the label's size, so labels take space
//!    like boxes do and never overlap anything. On huge graphs the longest
//!    edges get no dummies (see [`layout`]).
//! 4. **Order** within ranks: a few starting orders (depth-first,
//!    breadth-first, fixed pseudo-random ones), each improved by
//!    barycenter sweeps down and up with adjacent-swap (transpose)
//!    refinement; the order with the fewest crossings (counted in
//!    O(E log V) per pair of ranks) wins.
//! 5. **X**: every rank is placed by weighted isotonic regression (pool
//!    adjacent violators): each node as close as possible to the weighted
//!    mean of its neighbours in the adjacent rank, in order, never closer
//!    to its neighbour than the separation. Sweeps alternate down and up;
//!    chains of dummies weigh 8 times more, heavy edges by their DOT
//!    weight. Then the dummies of each edge, heaviest first, are lined up
//!    wherever their neighbours leave room (straight long edges).
//! 6. **Y**: each rank is as tall as its tallest member; the gap above it
//!    grows with how far sideways the edges into it travel.
//! 7. **Edges** run vertically through the ranks they cross, at their
//!    dummy's x, and bend (cubic curves with vertical tangents) only in
//!    the empty space between ranks, so they never cross a box or a label;
//!    they leave and enter boxes at ports along the box side, ordered and
//!    shifted towards where they go.
//!
//! Everything is linear or O(n log n) per sweep, with a bounded number of
//! sweeps: 80 nodes take a few milliseconds, 1000 about a second.

/// A point.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Pt {
    pub x: f64,
    pub y: f64,
}

const fn pt(x: f64, y: f64) -> Pt {
    Pt { x, y }
}

/// A box to place: its width and height.
#[derive(Debug, Clone, Copy)]
pub struct NodeIn {
    pub width: f64,
    pub height: f64,
}

/// An edge to route.
#[derive(Debug, Clone, Copy)]
pub struct EdgeIn {
    pub from: usize,
    pub to: usize,
    /// Minimum length in DOT ranks (DOT's `minlen`, at least 1).
    pub minlen: usize,
    /// How much a short, straight edge matters (DOT's `weight`).
    pub weight: f64,
    /// Width and height of the label, if any.
    pub label: Option<(f64, f64)>,
    /// Line width.
    pub pen: f64,
}

/// What to lay out. `reserve` is a box kept free at the top left (for
/// pprof's legend).
#[derive(Debug, Clone, Default)]
pub struct LayoutIn {
    pub nodes: Vec<NodeIn>,
    pub edges: Vec<EdgeIn>,
    pub reserve: Option<(f64, f64)>,
}

/// One piece of an edge's path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Seg {
    Line(Pt),
    Cubic(Pt, Pt, Pt),
}

/// An edge's path from its source towards its target, the arrowhead at
/// the target (`base` to `tip`), and the top-left corner of its label.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Route {
    pub start: Pt,
    pub segs: Vec<Seg>,
    pub arrow_base: Pt,
    pub arrow_tip: Pt,
    pub label: Option<Pt>,
}

/// Where everything went: box centres, edge routes, the overall size.
#[derive(Debug, Clone)]
pub struct LayoutOut {
    pub centers: Vec<Pt>,
    pub routes: Vec<Route>,
    pub width: f64,
    pub height: f64,
}

/// Length of an arrowhead.
pub const ARROW: f64 = 10.0;
/// Horizontal space between boxes.
const NODE_SEP: f64 = 18.0;
/// Horizontal space between an edge and a box, or two edges.
const EDGE_SEP: f64 = 9.0;
/// Vertical space above a rank of boxes (room for bends and arrowheads).
const GAP_TO_BOX: f64 = 26.0;
/// Vertical space above a rank of labels.
const GAP_TO_LABEL: f64 = 12.0;
/// Extra vertical gap per point of sideways travel, and its limit.
const SLOPE_GAP: f64 = 0.1;
const MAX_EXTRA_GAP: f64 = 30.0;
/// Space kept between the reserved box and the graph.
const RESERVE_SEP: f64 = 24.0;
/// Horizontal space between connected components.
const COMPONENT_SEP: f64 = 36.0;
/// Width a self-loop takes right of its box, before its label.
const LOOP_W: f64 = 30.0;
/// Space between an edge and its label.
const LABEL_PAD: f64 = 5.0;
/// Sweeps of the ordering and positioning phases, fewer on huge layered
/// graphs (long edges across hundreds of ranks) to bound the time: a
/// budget of node visits.
const ORDER_SWEEPS: usize = 24;
const PLACE_SWEEPS: usize = 12;
const SWEEP_BUDGET: usize = 2_000_000;
/// Most nodes, dummies included, of the layered graph.
const MAX_LAYERED: usize = 150_000;
/// Starting orders tried: at most `MAX_STARTS`, fewer on graphs of more
/// than `MULTI_START_WORK / MAX_STARTS` layered nodes.
const MAX_STARTS: usize = 10;
const MULTI_START_WORK: usize = 200_000;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Real(usize),
    Dummy,
    Label,
}

#[derive(Debug, Clone)]
struct LNode {
    rank: usize,
    kind: Kind,
    /// Extent left and right of the anchor x.
    left: f64,
    right: f64,
    height: f64,
}

/// A layered-graph link between adjacent ranks.
#[derive(Debug, Clone, Copy)]
struct Link {
    other: usize,
    weight: f64,
}

/// Lays out `inp`; deterministic for a given input.
///
/// When the layered graph (boxes plus one dummy per edge and rank
/// crossed) would exceed 150,000 nodes, the longest edges are drawn as
/// single curves that may cross boxes, to bound the time.
///
/// Connected components are laid out one by one and put side by side, in
/// the order of their first node (pprof's `N1` is the heaviest node, so
/// its component comes first, next to the reserved box).
pub fn layout(inp: &LayoutIn) -> LayoutOut {
    let n = inp.nodes.len();
    // Union-find over the edges.
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut v: usize) -> usize {
        while parent[v] != v {
            parent[v] = parent[parent[v]];
            v = parent[v];
        }
        v
    }
    for e in &inp.edges {
        if e.from < n && e.to < n {
            let (a, b) = (find(&mut parent, e.from), find(&mut parent, e.to));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut comp_of = vec![usize::MAX; n];
    let mut comps: Vec<Vec<usize>> = Vec::new();
    for v in 0..n {
        let root = find(&mut parent, v);
        if comp_of[root] == usize::MAX {
            comp_of[root] = comps.len();
            comps.push(Vec::new());
        }
        comp_of[v] = comp_of[root];
        comps[comp_of[v]].push(v);
    }
    if comps.len() <= 1 {
        return layout_connected(inp);
    }
    let mut comp_edges: Vec<Vec<usize>> = vec![Vec::new(); comps.len()];
    for (i, e) in inp.edges.iter().enumerate() {
        if e.from < n && e.to < n {
            comp_edges[comp_of[e.from]].push(i);
        }
    }
    let mut local = vec![0usize; n];
    let mut out = LayoutOut {
        centers: vec![pt(0.0, 0.0); n],
        routes: vec![Route::default(); inp.edges.len()],
        width: 0.0,
        height: 0.0,
    };
    let mut x0 = 0.0;
    for (c, members) in comps.iter().enumerate() {
        for (i, &v) in members.iter().enumerate() {
            local[v] = i;
        }
        let sub = LayoutIn {
            nodes: members.iter().map(|&v| inp.nodes[v]).collect(),
            edges: comp_edges[c]
                .iter()
                .map(|&e| EdgeIn {
                    from: local[inp.edges[e].from],
                    to: local[inp.edges[e].to],
                    ..inp.edges[e]
                })
                .collect(),
            reserve: if c == 0 { inp.reserve } else { None },
        };
        let mut lo = layout_connected(&sub);
        if c > 0 {
            // Start right of the reserved box when ranks beside it could
            // not (they all are, since every component starts at the top).
            if let Some((w, _)) = inp.reserve {
                x0 = f64::max(x0, w + RESERVE_SEP);
            }
        }
        let dx = x0;
        for (i, &v) in members.iter().enumerate() {
            out.centers[v] = pt(lo.centers[i].x + dx, lo.centers[i].y);
        }
        for (k, &e) in comp_edges[c].iter().enumerate() {
            let r = std::mem::take(&mut lo.routes[k]);
            out.routes[e] = r.shifted(dx);
        }
        x0 = dx + lo.width + COMPONENT_SEP;
        out.width = out.width.max(dx + lo.width);
        out.height = out.height.max(lo.height);
    }
    if let Some((w, h)) = inp.reserve {
        out.width = out.width.max(w);
        out.height = out.height.max(h);
    }
    out
}

impl Route {
    fn shifted(self, dx: f64) -> Route {
        let s = |p: Pt| pt(p.x + dx, p.y);
        Route {
            start: s(self.start),
            segs: self
                .segs
                .into_iter()
                .map(|g| match g {
                    Seg::Line(p) => Seg::Line(s(p)),
                    Seg::Cubic(a, b, p) => Seg::Cubic(s(a), s(b), s(p)),
                })
                .collect(),
            arrow_base: s(self.arrow_base),
            arrow_tip: s(self.arrow_tip),
            label: self.label.map(s),
        }
    }
}

/// Lays out one connected graph.
fn layout_connected(inp: &LayoutIn) -> LayoutOut {
    let n = inp.nodes.len();
    let loops: Vec<usize> = (0..inp.edges.len())
        .filter(|&e| inp.edges[e].from == inp.edges[e].to && inp.edges[e].from < n)
        .collect();
    let edges: Vec<usize> = (0..inp.edges.len())
        .filter(|&e| {
            let ed = &inp.edges[e];
            ed.from != ed.to && ed.from < n && ed.to < n
        })
        .collect();

    let reversed = break_cycles(n, inp, &edges);
    let rank = assign_ranks(n, inp, &edges, &reversed);

    // On huge graphs, the longest edges get no dummies (they are drawn
    // as one curve, which may cross boxes) so that the layered graph
    // stays within MAX_LAYERED nodes.
    let span = |e: usize| rank[inp.edges[e].from].abs_diff(rank[inp.edges[e].to]) - 1;
    let mut total: usize = n + edges.iter().map(|&e| span(e)).sum::<usize>();
    let mut free: Vec<usize> = Vec::new();
    if total > MAX_LAYERED {
        let mut longest = edges.clone();
        longest.sort_by(|&a, &b| span(b).cmp(&span(a)).then(a.cmp(&b)));
        for e in longest {
            if total <= MAX_LAYERED {
                break;
            }
            total -= span(e);
            free.push(e);
        }
        free.sort_unstable();
    }
    let edges: Vec<usize> = edges
        .into_iter()
        .filter(|e| free.binary_search(e).is_err())
        .collect();

    // The layered graph: real nodes first, with room for self-loops.
    let mut ln: Vec<LNode> = (0..n)
        .map(|v| LNode {
            rank: rank[v],
            kind: Kind::Real(v),
            left: inp.nodes[v].width / 2.0,
            right: inp.nodes[v].width / 2.0,
            height: inp.nodes[v].height,
        })
        .collect();
    for &e in &loops {
        let ed = &inp.edges[e];
        let label_w = ed.label.map_or(0.0, |l| l.0 + LABEL_PAD);
        ln[ed.from].right += LOOP_W + label_w;
    }
    let mut ups: Vec<Vec<Link>> = vec![Vec::new(); n];
    let mut downs: Vec<Vec<Link>> = vec![Vec::new(); n];
    // Per edge: its layered chain, top to bottom, and the label dummy.
    let mut chains: Vec<Vec<usize>> = vec![Vec::new(); inp.edges.len()];
    let mut label_node: Vec<Option<usize>> = vec![None; inp.edges.len()];
    for &e in &edges {
        let ed = &inp.edges[e];
        let (top, bottom) = if reversed[e] {
            (ed.to, ed.from)
        } else {
            (ed.from, ed.to)
        };
        let (rt, rb) = (rank[top], rank[bottom]);
        debug_assert!(rb >= rt + 2);
        let half = (rb - rt) / 2;
        let label_rank = if half % 2 == 0 {
            rt + half - 1
        } else {
            rt + half
        };
        let mut chain = vec![top];
        for r in rt + 1..rb {
            let is_label = r == label_rank && ed.label.is_some();
            let (left, right, height, kind) = match (is_label, ed.label) {
                (true, Some((w, h))) => (ed.pen / 2.0 + 1.0, LABEL_PAD + w + 2.0, h, Kind::Label),
                _ => (ed.pen / 2.0 + 1.0, ed.pen / 2.0 + 1.0, 0.0, Kind::Dummy),
            };
            ln.push(LNode {
                rank: r,
                kind,
                left,
                right,
                height,
            });
            ups.push(Vec::new());
            downs.push(Vec::new());
            let d = ln.len() - 1;
            if is_label {
                label_node[e] = Some(d);
            }
            chain.push(d);
        }
        chain.push(bottom);
        let w = ed.weight.max(1.0);
        for pair in chain.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let dummies = usize::from(!is_real(&ln[a])) + usize::from(!is_real(&ln[b]));
            let omega = [1.0, 2.0, 8.0][dummies];
            downs[a].push(Link {
                other: b,
                weight: w * omega,
            });
            ups[b].push(Link {
                other: a,
                weight: w * omega,
            });
        }
        chains[e] = chain;
    }

    let max_rank = ln.iter().map(|l| l.rank).max().unwrap_or(0);
    // The best of a few starting orders (fewer on big graphs).
    let starts = (MULTI_START_WORK / ln.len().max(1)).clamp(1, MAX_STARTS);
    let mut best: Option<(u64, Vec<Vec<usize>>)> = None;
    for variant in 0..starts {
        let mut layers = initial_order(&ln, &downs, max_rank, variant);
        let c = order(&mut layers, &ups, &downs, ln.len());
        if best.as_ref().is_none_or(|b| c < b.0) {
            best = Some((c, layers));
        }
        if c == 0 {
            break;
        }
    }
    let layers = best.map(|b| b.1).unwrap_or_default();

    // Y with the smallest gaps first: which ranks are next to the
    // reserved box (they start right of it)?
    let no_dx = vec![0.0; max_rank + 1];
    let (ytop, _, gap_before, _) = rank_ys(&ln, &layers, &no_dx);
    let lower: Vec<Option<f64>> = (0..=max_rank)
        .map(|r| match inp.reserve {
            Some((w, h)) if ytop[r] - gap_before[r] < h + RESERVE_SEP => Some(w + RESERVE_SEP),
            _ => None,
        })
        .collect();

    let mut x = place(&ln, &layers, &ups, &downs, &lower);
    let mut by_weight: Vec<usize> = edges.clone();
    by_weight.sort_by(|&a, &b| {
        inp.edges[b]
            .weight
            .total_cmp(&inp.edges[a].weight)
            .then(a.cmp(&b))
    });
    let mut pos = vec![0usize; ln.len()];
    set_positions(&layers, &mut pos);
    for &e in &by_weight {
        straighten(&chains[e], &ln, &layers, &pos, &lower, &mut x);
    }

    // Y again, with more room between ranks that edges cross far
    // sideways (gentler bends). Gaps only grow, so the ranks found next to
    // the reserved box above still include all that are.
    let mut max_dx = vec![0.0f64; max_rank + 1];
    for (a, links) in downs.iter().enumerate() {
        for l in links {
            let r = ln[l.other].rank;
            max_dx[r] = max_dx[r].max((x[l.other] - x[a]).abs());
        }
    }
    let (ytop, ybot, _, height) = rank_ys(&ln, &layers, &max_dx);

    // Shift so that the leftmost box starts at 0, keeping the ranks next
    // to the reserved box right of it.
    let mut shift = f64::INFINITY;
    let mut need = f64::NEG_INFINITY;
    for (i, l) in ln.iter().enumerate() {
        shift = shift.min(x[i] - l.left);
        if let Some(b) = lower[l.rank] {
            need = need.max(b - (x[i] - l.left));
        }
    }
    let shift = if shift.is_finite() {
        (-shift).max(need)
    } else {
        0.0
    };
    let x: Vec<f64> = x.iter().map(|v| v + shift).collect();

    let centers: Vec<Pt> = (0..n)
        .map(|v| pt(x[v], (ytop[rank[v]] + ybot[rank[v]]) / 2.0))
        .collect();
    let box_top = |v: usize| centers[v].y - inp.nodes[v].height / 2.0;
    let box_bottom = |v: usize| centers[v].y + inp.nodes[v].height / 2.0;

    // Ports: edges leave and enter boxes spread along the box side, in the
    // order of where they come from or go to.
    let mut out_port = vec![0.0; inp.edges.len()];
    let mut in_port = vec![0.0; inp.edges.len()];
    {
        let mut outs: Vec<Vec<(f64, usize)>> = vec![Vec::new(); n];
        let mut ins: Vec<Vec<(f64, usize)>> = vec![Vec::new(); n];
        for &e in &edges {
            let c = &chains[e];
            let (top, bottom) = (c[0], c[c.len() - 1]);
            outs[top].push((x[c[1]], e));
            ins[bottom].push((x[c[c.len() - 2]], e));
        }
        // Each edge leaves towards where it goes (half the sideways
        // distance, within the middle 70% of the box), in order, at least
        // `step` apart.
        let spread = |list: &mut Vec<(f64, usize)>, cx: f64, width: f64, port: &mut Vec<f64>| {
            list.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let k = list.len();
            if k == 0 {
                return;
            }
            let half = width * 0.35;
            let step = if k > 1 {
                (2.0 * half / (k - 1) as f64).min(12.0)
            } else {
                0.0
            };
            let targets: Vec<f64> = list
                .iter()
                .enumerate()
                .map(|(i, &(to, _))| ((to - cx) * 0.5).clamp(-half, half) - i as f64 * step)
                .collect();
            let hi = (half - (k - 1) as f64 * step).max(-half);
            for (i, y) in pav(&targets).into_iter().enumerate() {
                port[list[i].1] = y.clamp(-half, hi) + i as f64 * step;
            }
        };
        for v in 0..n {
            spread(&mut outs[v], x[v], inp.nodes[v].width, &mut out_port);
            spread(&mut ins[v], x[v], inp.nodes[v].width, &mut in_port);
        }
    }

    let mut routes: Vec<Route> = vec![
        Route {
            start: pt(0.0, 0.0),
            segs: Vec::new(),
            arrow_base: pt(0.0, 0.0),
            arrow_tip: pt(0.0, 0.0),
            label: None,
        };
        inp.edges.len()
    ];
    for &e in &edges {
        let c = &chains[e];
        let (top, bottom) = (c[0], c[c.len() - 1]);
        // Vertical stations, top to bottom: (x, y from, y to).
        let mut st: Vec<(f64, f64, f64)> = Vec::with_capacity(c.len());
        let x_top = x[top] + out_port[e];
        let x_bottom = x[bottom] + in_port[e];
        st.push((x_top, box_bottom(top), ybot[rank[top]]));
        for &d in &c[1..c.len() - 1] {
            let r = ln[d].rank;
            st.push((x[d], ytop[r], ybot[r]));
        }
        st.push((x_bottom, ytop[rank[bottom]], box_top(bottom)));
        let (tip, base);
        if reversed[e] {
            tip = pt(x_top, box_bottom(top));
            base = pt(x_top, tip.y + ARROW);
            st[0] = (x_top, base.y, st[0].2.max(base.y));
        } else {
            tip = pt(x_bottom, box_top(bottom));
            base = pt(x_bottom, tip.y - ARROW);
            let last = st.len() - 1;
            st[last] = (x_bottom, st[last].1.min(base.y), base.y);
        }
        if reversed[e] {
            st.reverse();
            for s in &mut st {
                *s = (s.0, s.2, s.1);
            }
        }
        let mut segs: Vec<Seg> = Vec::with_capacity(st.len() * 2);
        let mut cur = pt(st[0].0, st[0].1);
        let start = cur;
        // A vertical line, merged into the previous one when it continues
        // it (long edges straightened through many ranks).
        let line_to = |segs: &mut Vec<Seg>, from: Pt, to: Pt| {
            if let Some(Seg::Line(p)) = segs.last_mut()
                && p.x == to.x
                && from.x == to.x
            {
                *p = to;
            } else {
                segs.push(Seg::Line(to));
            }
        };
        for (i, &(sx, y0, y1)) in st.iter().enumerate() {
            let mut sx = sx;
            if i > 0 {
                if (sx - cur.x).abs() < 0.01 {
                    sx = cur.x;
                    line_to(&mut segs, cur, pt(sx, y0));
                } else {
                    let to = pt(sx, y0);
                    let mid = (cur.y + to.y) / 2.0;
                    segs.push(Seg::Cubic(pt(cur.x, mid), pt(to.x, mid), to));
                }
                cur = pt(sx, y0);
            }
            if y1 != y0 {
                let to = pt(sx, y1);
                line_to(&mut segs, cur, to);
                cur = to;
            }
        }
        let label = label_node[e].map(|d| {
            let r = ln[d].rank;
            let h = inp.edges[e].label.map_or(0.0, |l| l.1);
            pt(x[d] + LABEL_PAD, (ytop[r] + ybot[r]) / 2.0 - h / 2.0)
        });
        routes[e] = Route {
            start,
            segs,
            arrow_base: base,
            arrow_tip: tip,
            label,
        };
    }
    for &e in &free {
        let ed = &inp.edges[e];
        let (a, b) = (ed.from, ed.to);
        let (start, tip) = if centers[a].y < centers[b].y {
            (pt(x[a], box_bottom(a)), pt(x[b], box_top(b)))
        } else {
            (pt(x[a], box_top(a)), pt(x[b], box_bottom(b)))
        };
        let dir = if tip.y > start.y { 1.0 } else { -1.0 };
        let base = pt(tip.x, tip.y - dir * ARROW);
        let mid = (start.y + base.y) / 2.0;
        routes[e] = Route {
            start,
            segs: vec![Seg::Cubic(pt(start.x, mid), pt(base.x, mid), base)],
            arrow_base: base,
            arrow_tip: tip,
            label: ed
                .label
                .map(|(_, h)| pt((start.x + base.x) / 2.0 + LABEL_PAD, mid - h / 2.0)),
        };
    }
    for &e in &loops {
        let ed = &inp.edges[e];
        let v = ed.from;
        let xr = x[v] + inp.nodes[v].width / 2.0;
        let cy = centers[v].y;
        let dy = (inp.nodes[v].height / 2.0 - 4.0).clamp(2.0, 8.0);
        let base = pt(xr + ARROW, cy + dy);
        routes[e] = Route {
            start: pt(xr, cy - dy),
            segs: vec![Seg::Cubic(
                pt(xr + LOOP_W, cy - dy - 18.0),
                pt(xr + LOOP_W, cy + dy),
                base,
            )],
            arrow_base: base,
            arrow_tip: pt(xr, cy + dy),
            label: ed
                .label
                .map(|(_, h)| pt(xr + LOOP_W - 4.0 + LABEL_PAD, cy - h / 2.0)),
        };
    }

    let mut width = ln
        .iter()
        .enumerate()
        .map(|(i, l)| x[i] + l.right)
        .fold(0.0, f64::max);
    let mut height = height;
    if let Some((w, h)) = inp.reserve {
        width = width.max(w);
        height = height.max(h);
    }
    LayoutOut {
        centers,
        routes,
        width,
        height,
    }
}

fn is_real(l: &LNode) -> bool {
    matches!(l.kind, Kind::Real(_))
}

/// Marks the edges to reverse so that the graph has no cycles: back edges
/// of a depth-first search started at the roots (then at any node left),
/// in input order.
fn break_cycles(n: usize, inp: &LayoutIn, edges: &[usize]) -> Vec<bool> {
    let mut reversed = vec![false; inp.edges.len()];
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indeg = vec![0usize; n];
    for &e in edges {
        out[inp.edges[e].from].push(e);
        indeg[inp.edges[e].to] += 1;
    }
    // 0 unvisited, 1 on the stack, 2 done.
    let mut state = vec![0u8; n];
    let roots = (0..n).filter(|&v| indeg[v] == 0).chain(0..n);
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in roots {
        if state[root] != 0 {
            continue;
        }
        state[root] = 1;
        stack.push((root, 0));
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if *next < out[v].len() {
                let e = out[v][*next];
                *next += 1;
                let w = inp.edges[e].to;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => reversed[e] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    reversed
}

/// Ranks (doubled: boxes on even ranks): longest path, then improved by
/// moving single nodes within their slack.
fn assign_ranks(n: usize, inp: &LayoutIn, edges: &[usize], reversed: &[bool]) -> Vec<usize> {
    // (top, bottom, length, weight) of every edge, cycles broken.
    let dag: Vec<(usize, usize, i64, f64)> = edges
        .iter()
        .map(|&e| {
            let ed = &inp.edges[e];
            let (a, b) = if reversed[e] {
                (ed.to, ed.from)
            } else {
                (ed.from, ed.to)
            };
            (a, b, 2 * ed.minlen.max(1) as i64, ed.weight.max(0.0))
        })
        .collect();
    let mut outs: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut ins: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, &(a, b, _, _)) in dag.iter().enumerate() {
        outs[a].push(i);
        ins[b].push(i);
    }
    // Topological order (Kahn, stable).
    let mut indeg: Vec<usize> = (0..n).map(|v| ins[v].len()).collect();
    let mut topo: Vec<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    let mut head = 0;
    while head < topo.len() {
        let v = topo[head];
        head += 1;
        for &i in &outs[v] {
            let b = dag[i].1;
            indeg[b] -= 1;
            if indeg[b] == 0 {
                topo.push(b);
            }
        }
    }
    debug_assert_eq!(topo.len(), n);
    let mut rank = vec![0i64; n];
    for &v in &topo {
        for &i in &outs[v] {
            let (_, b, len, _) = dag[i];
            rank[b] = rank[b].max(rank[v] + len);
        }
    }
    // Each node moves to whichever end of its slack its heavier side
    // pulls it to; a few passes in both directions.
    for pass in 0..8 {
        let mut moved = false;
        let order: Box<dyn Iterator<Item = &usize>> = if pass % 2 == 0 {
            Box::new(topo.iter().rev())
        } else {
            Box::new(topo.iter())
        };
        for &v in order {
            if ins[v].is_empty() && outs[v].is_empty() {
                continue;
            }
            let lo = ins[v]
                .iter()
                .map(|&i| rank[dag[i].0] + dag[i].2)
                .max()
                .unwrap_or(i64::MIN);
            let hi = outs[v]
                .iter()
                .map(|&i| rank[dag[i].1] - dag[i].2)
                .min()
                .unwrap_or(i64::MAX);
            let w_in: f64 = ins[v].iter().map(|&i| dag[i].3).sum();
            let w_out: f64 = outs[v].iter().map(|&i| dag[i].3).sum();
            let target = if w_in > w_out && lo != i64::MIN {
                lo
            } else if w_out > w_in && hi != i64::MAX {
                hi
            } else if hi != i64::MAX {
                // No callers, or balanced: as close to the callees as
                // possible (chains of callers sink as a whole, pass by
                // pass, to just above what they call).
                hi
            } else {
                rank[v]
            };
            if target != rank[v] {
                rank[v] = target;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    let min = rank.iter().copied().min().unwrap_or(0);
    rank.iter().map(|&r| (r - min) as usize).collect()
}

/// Depth-first from the real nodes in rank then input order.
/// An initial order: depth-first from the real nodes in rank then input
/// order, callees in edge order (`variant` 0) or reversed (1), or
/// breadth-first (2); further variants visit roots and callees in
/// pseudo-random (but fixed) orders.
fn initial_order(
    ln: &[LNode],
    downs: &[Vec<Link>],
    max_rank: usize,
    variant: usize,
) -> Vec<Vec<usize>> {
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); max_rank + 1];
    let mut seen = vec![false; ln.len()];
    let mut starts: Vec<usize> = (0..ln.len())
        .filter(|&i| matches!(ln[i].kind, Kind::Real(_)))
        .collect();
    starts.sort_by_key(|&i| (ln[i].rank, i));
    // xorshift64, seeded by the variant.
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ (variant as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let shuffle = |v: &mut Vec<usize>, rand: &mut dyn FnMut() -> u64| {
        for i in (1..v.len()).rev() {
            let j = (rand() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    };
    if variant >= 3 {
        // Shuffle roots within their rank.
        shuffle(&mut starts, &mut rand);
        starts.sort_by_key(|&i| ln[i].rank);
    }
    let mut stack: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    let mut children: Vec<usize> = Vec::new();
    for s in starts {
        if seen[s] {
            continue;
        }
        stack.push_back(s);
        loop {
            let next = if variant == 2 {
                stack.pop_front()
            } else {
                stack.pop_back()
            };
            let Some(v) = next else { break };
            if seen[v] {
                continue;
            }
            seen[v] = true;
            layers[ln[v].rank].push(v);
            children.clear();
            children.extend(downs[v].iter().map(|l| l.other).filter(|&w| !seen[w]));
            match variant {
                0 => children.reverse(),
                1 | 2 => {}
                _ => shuffle(&mut children, &mut rand),
            }
            stack.extend(children.iter().copied());
        }
    }
    layers
}

/// Crossings between rank `r` and the next.
fn crossings(upper: &[usize], lower_len: usize, downs: &[Vec<Link>], pos: &[usize]) -> u64 {
    let mut seq: Vec<usize> = Vec::new();
    let mut tmp: Vec<usize> = Vec::new();
    for &u in upper {
        tmp.clear();
        tmp.extend(downs[u].iter().map(|l| pos[l.other]));
        tmp.sort_unstable();
        seq.extend_from_slice(&tmp);
    }
    // Count pairs i < j with seq[i] > seq[j] with a Fenwick tree.
    let mut tree = vec![0u64; lower_len + 1];
    let mut total = 0u64;
    for (seen, &p) in seq.iter().enumerate() {
        // Elements seen so far that are <= p.
        let mut i = p + 1;
        let mut le = 0u64;
        while i > 0 {
            le += tree[i];
            i &= i - 1;
        }
        total += seen as u64 - le;
        let mut i = p + 1;
        while i <= lower_len {
            tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    }
    total
}

fn total_crossings(layers: &[Vec<usize>], downs: &[Vec<Link>], pos: &[usize]) -> u64 {
    (0..layers.len().saturating_sub(1))
        .map(|r| crossings(&layers[r], layers[r + 1].len(), downs, pos))
        .sum()
}

fn set_positions(layers: &[Vec<usize>], pos: &mut [usize]) {
    for layer in layers {
        for (i, &v) in layer.iter().enumerate() {
            pos[v] = i;
        }
    }
}

/// Barycenter sweeps with transposition; keeps the best order seen.
/// Returns the number of crossings of the order left in `layers`.
fn order(layers: &mut [Vec<usize>], ups: &[Vec<Link>], downs: &[Vec<Link>], count: usize) -> u64 {
    let mut pos = vec![0usize; count];
    set_positions(layers, &mut pos);
    let mut best = layers.to_vec();
    let mut best_c = total_crossings(layers, downs, &pos);
    // Transposition costs the product of neighbour counts per swap; skip
    // it on very large graphs.
    let transpose_ok = count <= 4000;
    let sweeps = (SWEEP_BUDGET / count.max(1)).clamp(4, ORDER_SWEEPS);
    for sweep in 0..sweeps {
        if best_c == 0 {
            break;
        }
        let down = sweep % 2 == 0;
        let ranks: Vec<usize> = if down {
            (1..layers.len()).collect()
        } else {
            (0..layers.len().saturating_sub(1)).rev().collect()
        };
        for r in ranks {
            let nbrs = if down { ups } else { downs };
            let mut keyed: Vec<(f64, usize, usize)> = layers[r]
                .iter()
                .map(|&v| {
                    let ns = &nbrs[v];
                    let b = if ns.is_empty() {
                        // Keep its place relative to the others.
                        f64::NAN
                    } else {
                        ns.iter().map(|l| pos[l.other] as f64).sum::<f64>() / ns.len() as f64
                    };
                    (b, pos[v], v)
                })
                .collect();
            // Nodes without neighbours keep their slot; the others are
            // sorted by barycenter into the remaining slots.
            let mut movable: Vec<(f64, usize, usize)> =
                keyed.iter().copied().filter(|k| !k.0.is_nan()).collect();
            movable.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut it = movable.into_iter();
            for k in keyed.iter_mut() {
                if !k.0.is_nan() {
                    *k = it.next().expect("as many movable as slots");
                }
            }
            for (i, k) in keyed.iter().enumerate() {
                layers[r][i] = k.2;
                pos[k.2] = i;
            }
        }
        if transpose_ok {
            transpose(layers, ups, downs, &mut pos);
        }
        let c = total_crossings(layers, downs, &pos);
        if c < best_c {
            best_c = c;
            best = layers.to_vec();
        }
    }
    layers.clone_from_slice(&best);
    best_c
}

/// Crossings among the links of `u` and `v` when `u` is left of `v`.
fn pair_crossings(u: usize, v: usize, nbrs: &[Vec<Link>], pos: &[usize]) -> u64 {
    let mut c = 0;
    for a in &nbrs[u] {
        for b in &nbrs[v] {
            if pos[a.other] > pos[b.other] {
                c += 1;
            }
        }
    }
    c
}

fn transpose(layers: &mut [Vec<usize>], ups: &[Vec<Link>], downs: &[Vec<Link>], pos: &mut [usize]) {
    for _ in 0..4 {
        let mut improved = false;
        for layer in layers.iter_mut() {
            for i in 0..layer.len().saturating_sub(1) {
                let (u, v) = (layer[i], layer[i + 1]);
                let keep = pair_crossings(u, v, ups, pos) + pair_crossings(u, v, downs, pos);
                let swap = pair_crossings(v, u, ups, pos) + pair_crossings(v, u, downs, pos);
                if swap < keep {
                    layer.swap(i, i + 1);
                    pos[v] = i;
                    pos[u] = i + 1;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

/// Top and bottom of every rank, the gap above each, and the total
/// height. Ranks are as tall as their tallest member; empty ranks take no
/// room; a gap grows with `max_dx[r]`, how far sideways an edge into rank
/// `r` goes.
fn rank_ys(
    ln: &[LNode],
    layers: &[Vec<usize>],
    max_dx: &[f64],
) -> (Vec<f64>, Vec<f64>, Vec<f64>, f64) {
    let k = layers.len();
    let (mut ytop, mut ybot, mut gap_before) = (vec![0.0; k], vec![0.0; k], vec![0.0; k]);
    let mut y = 0.0;
    let mut first = true;
    for r in 0..k {
        if layers[r].is_empty() {
            ytop[r] = y;
            ybot[r] = y;
            continue;
        }
        let h = layers[r].iter().map(|&v| ln[v].height).fold(0.0, f64::max);
        if !first {
            let base = if r % 2 == 0 { GAP_TO_BOX } else { GAP_TO_LABEL };
            gap_before[r] = base + ((max_dx[r] - 30.0) * SLOPE_GAP).clamp(0.0, MAX_EXTRA_GAP);
        }
        first = false;
        y += gap_before[r];
        ytop[r] = y;
        y += h;
        ybot[r] = y;
    }
    (ytop, ybot, gap_before, y)
}

/// Lines up the dummies of one edge's chain: each run of consecutive
/// dummies that can share one x without moving past a neighbour gets the
/// one nearest to their median.
fn straighten(
    chain: &[usize],
    ln: &[LNode],
    layers: &[Vec<usize>],
    pos: &[usize],
    lower: &[Option<f64>],
    x: &mut [f64],
) {
    if chain.len() < 4 {
        return;
    }
    // How far a dummy can move without passing its neighbours.
    let slack = |d: usize, x: &[f64]| -> (f64, f64) {
        let layer = &layers[ln[d].rank];
        let i = pos[d];
        let mut lo = match i {
            0 => f64::NEG_INFINITY,
            _ => x[layer[i - 1]] + separation(&ln[layer[i - 1]], &ln[d]),
        };
        if let Some(b) = lower[ln[d].rank] {
            lo = lo.max(b + ln[d].left);
        }
        let hi = match layer.get(i + 1) {
            Some(&w) => x[w] - separation(&ln[d], &ln[w]),
            None => f64::INFINITY,
        };
        (lo, hi)
    };
    let dummies = &chain[1..chain.len() - 1];
    let mut start = 0;
    while start < dummies.len() {
        let (mut lo, mut hi) = slack(dummies[start], x);
        let mut end = start + 1;
        while end < dummies.len() {
            let (l, h) = slack(dummies[end], x);
            if l.max(lo) > h.min(hi) {
                break;
            }
            lo = lo.max(l);
            hi = hi.min(h);
            end += 1;
        }
        if end - start >= 2 {
            let mut xs: Vec<f64> = dummies[start..end].iter().map(|&d| x[d]).collect();
            xs.sort_by(f64::total_cmp);
            let target = xs[xs.len() / 2].clamp(lo, hi);
            for &d in &dummies[start..end] {
                x[d] = target;
            }
        }
        start = end;
    }
}

/// The non-decreasing sequence closest to `t` (least squares, pool
/// adjacent violators).
fn pav(t: &[f64]) -> Vec<f64> {
    let mut blocks: Vec<(f64, usize)> = Vec::with_capacity(t.len());
    for &v in t {
        blocks.push((v, 1));
        while blocks.len() >= 2 {
            let (bs, bc) = blocks[blocks.len() - 1];
            let (as_, ac) = blocks[blocks.len() - 2];
            if as_ / ac as f64 > bs / bc as f64 {
                blocks.pop();
                let last = blocks.len() - 1;
                blocks[last] = (as_ + bs, ac + bc);
            } else {
                break;
            }
        }
    }
    blocks
        .into_iter()
        .flat_map(|(s, c)| std::iter::repeat_n(s / c as f64, c))
        .collect()
}

fn separation(a: &LNode, b: &LNode) -> f64 {
    let real = |l: &LNode| matches!(l.kind, Kind::Real(_));
    let sep = if real(a) && real(b) {
        NODE_SEP
    } else {
        EDGE_SEP
    };
    a.right + sep + b.left
}

/// X of every layered node.
fn place(
    ln: &[LNode],
    layers: &[Vec<usize>],
    ups: &[Vec<Link>],
    downs: &[Vec<Link>],
    lower: &[Option<f64>],
) -> Vec<f64> {
    let mut x = vec![0.0; ln.len()];
    for (r, layer) in layers.iter().enumerate() {
        let mut cur = lower[r].unwrap_or(0.0);
        for (i, &v) in layer.iter().enumerate() {
            if i == 0 {
                cur += ln[v].left;
            } else {
                cur += separation(&ln[layer[i - 1]], &ln[v]);
            }
            x[v] = cur;
        }
    }
    let mut desired: Vec<f64> = Vec::new();
    let mut weights: Vec<f64> = Vec::new();
    let mut place_rank = |r: usize, x: &mut Vec<f64>, use_up: bool, use_down: bool| {
        let layer = &layers[r];
        desired.clear();
        weights.clear();
        for &v in layer {
            let (mut sum, mut wsum) = (0.0, 0.0);
            let mut add = |links: &[Link]| {
                for l in links {
                    sum += x[l.other] * l.weight;
                    wsum += l.weight;
                }
            };
            if use_up {
                add(&ups[v]);
            }
            if use_down {
                add(&downs[v]);
            }
            if wsum > 0.0 {
                desired.push(sum / wsum);
                weights.push(wsum);
            } else {
                desired.push(x[v]);
                weights.push(1e-3);
            }
        }
        let placed = isotonic(ln, layer, &desired, &weights, lower[r]);
        for (i, &v) in layer.iter().enumerate() {
            x[v] = placed[i];
        }
    };
    let n_ranks = layers.len();
    let sweeps = (SWEEP_BUDGET / 2 / ln.len().max(1)).clamp(3, PLACE_SWEEPS);
    for _ in 0..sweeps {
        for r in 1..n_ranks {
            place_rank(r, &mut x, true, false);
        }
        for r in (0..n_ranks.saturating_sub(1)).rev() {
            place_rank(r, &mut x, false, true);
        }
    }
    for _ in 0..2 {
        for r in 0..n_ranks {
            place_rank(r, &mut x, true, true);
        }
    }
    x
}

/// Positions of `layer`, in order and separated, minimising the weighted
/// squared distance to `desired` (pool adjacent violators on positions
/// relative to the tightest packing), left of nothing below `lower`.
fn isotonic(
    ln: &[LNode],
    layer: &[usize],
    desired: &[f64],
    weights: &[f64],
    lower: Option<f64>,
) -> Vec<f64> {
    let k = layer.len();
    let mut off = vec![0.0; k];
    for i in 1..k {
        off[i] = off[i - 1] + separation(&ln[layer[i - 1]], &ln[layer[i]]);
    }
    // Blocks of (weighted sum, weight, count).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::with_capacity(k);
    for i in 0..k {
        let w = weights[i].max(1e-9);
        blocks.push((w * (desired[i] - off[i]), w, 1));
        while blocks.len() >= 2 {
            let b = blocks[blocks.len() - 1];
            let a = blocks[blocks.len() - 2];
            if a.0 / a.1 > b.0 / b.1 {
                blocks.pop();
                let last = blocks.len() - 1;
                blocks[last] = (a.0 + b.0, a.1 + b.1, a.2 + b.2);
            } else {
                break;
            }
        }
    }
    let bound = lower.map(|l| l + layer.first().map_or(0.0, |&v| ln[v].left));
    let mut out = Vec::with_capacity(k);
    let mut i = 0;
    for (s, w, c) in blocks {
        let mut y = s / w;
        if let Some(b) = bound {
            y = y.max(b);
        }
        for _ in 0..c {
            out.push(y + off[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(w: f64, h: f64) -> NodeIn {
        NodeIn {
            width: w,
            height: h,
        }
    }

    fn edge(from: usize, to: usize) -> EdgeIn {
        EdgeIn {
            from,
            to,
            minlen: 1,
            weight: 1.0,
            label: Some((30.0, 15.0)),
            pen: 1.0,
        }
    }

    #[test]
    fn chain_goes_down_and_cycles_are_fine() {
        let inp = LayoutIn {
            nodes: vec![node(60.0, 36.0); 4],
            edges: vec![edge(0, 1), edge(1, 2), edge(2, 0), edge(2, 3), edge(3, 3)],
            reserve: Some((100.0, 50.0)),
        };
        let out = layout(&inp);
        let c = &out.centers;
        assert!(c[0].y < c[1].y && c[1].y < c[2].y && c[2].y < c[3].y);
        assert!(c[0].x - 30.0 >= 100.0, "first rank is right of the reserve");
        for r in &out.routes {
            assert!(r.label.is_some());
        }
        // The back edge 2 -> 0 points up into the bottom of 0.
        let back = &out.routes[2];
        assert!(back.arrow_tip.y > back.arrow_base.y - 1.0 - 2.0 * ARROW);
        assert!((back.arrow_tip.y - (c[0].y + 18.0)).abs() < 1e-9);
    }

    #[test]
    fn crossing_count() {
        // 0 -> 3, 1 -> 2 with upper [0, 1] and lower [2, 3]: one crossing.
        let downs = vec![
            vec![Link {
                other: 3,
                weight: 1.0,
            }],
            vec![Link {
                other: 2,
                weight: 1.0,
            }],
            vec![],
            vec![],
        ];
        let pos = vec![0, 1, 0, 1];
        assert_eq!(crossings(&[0, 1], 2, &downs, &pos), 1);
        assert_eq!(crossings(&[1, 0], 2, &downs, &pos), 0);
    }
}
