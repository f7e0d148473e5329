//! `rprof trace web` end to end in headless Chromium, with the profile
//! UI's harness (`browser::in_browser`): the timeline draws the fixture
//! trace's procs and a known goroutine's slice where it belongs, zooming
//! asks for a narrower window, clicking a slice shows its goroutine and
//! stack, the goroutine table has the numbers of `rprof trace goroutines`,
//! a blocking profile opens as a flame graph, and the trace's markup
//! (task and region types, log messages) is shown as text.

use crate::browser::{in_browser, js, no_alert, wait_for};
use crate::trace_http::{
    LOG_CATEGORY, LOG_MESSAGE, REGION, REGION2, TASK, first_slice, serve_trace, trace_fixture,
};
use fantoccini::{Client, Locator};
use rprof_trace::analysis::{GroupSort, goroutine_summary, sort_groups};
use serde_json::Value;
use std::time::Duration;

#[test]
fn trace_ui_in_headless_chromium() {
    in_browser(scenarios);
}

async fn scenarios(c: Client) {
    timeline_draws_slices_where_they_belong(&c).await;
    goroutine_table_has_the_cli_numbers(&c).await;
    blocking_profile_opens_as_a_flame_graph(&c).await;
    markup_is_shown_as_text(&c).await;
    mmu_plot_draws(&c).await;
}

/// Polls `cond` (a script returning a truthy value when done) for up to
/// 30 s; returns its last value.
async fn wait_js(c: &Client, cond: &str, what: &str) -> Value {
    for _ in 0..300 {
        let v = js(c, cond).await;
        if !(v.is_null() || v == Value::Bool(false)) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: not within 30 s");
}

const TL: &str = "const tl = document.getElementById('timeline').rtTimeline;";

/// Waits until the timeline has drawn an answer for its current window.
async fn drawn(c: &Client, what: &str) -> Value {
    wait_js(
        c,
        &format!(
            "{TL} return tl.data && !tl.pending && Math.abs(tl.data.start - Math.floor(tl.t0)) <= 1
               ? [tl.data.start, tl.data.end] : null"
        ),
        what,
    )
    .await
}

async fn timeline_draws_slices_where_they_belong(c: &Client) {
    let (a, _, ix) = serve_trace("markup.trace");
    // The whole trace by proc: one row per P of the index.
    c.goto(&format!("http://{a}/trace")).await.unwrap();
    wait_for(c, "#timeline canvas").await;
    drawn(c, "the whole trace").await;
    let rows = js(c, &format!("{TL} return tl.data.rows.map(r => r.name)")).await;
    let want: Vec<String> = ix
        .info()
        .procs
        .iter()
        .map(|p| format!("Proc {p}"))
        .collect();
    assert_eq!(rows, serde_json::json!(want), "the fixture's procs");

    // A known slice (the first one on the first P, from the index), in a
    // window three times its length: drawn at its time on its P's row.
    let s = first_slice(&ix);
    let p = ix.info().procs[0];
    let dur = (s.end - s.start).max(1000);
    let (w0, w1) = (s.start - dur, s.end + dur);
    c.goto(&format!("http://{a}/trace#start={w0}&end={w1}&view=proc"))
        .await
        .unwrap();
    wait_for(c, "#timeline canvas").await;
    let span = drawn(c, "the slice's window").await;
    assert_eq!(span[0], w0, "the window asked for");
    let hit = js(
        c,
        &format!(
            "{TL} const h = tl.hits.find(h => h.slice && h.kind === 'goroutine' && h.slice[0] === {start} && h.slice[2] === {g});
             return h ? [h.x, h.y, h.w, h.h, tl.xOf({start}), tl.xOf({end}), tl.rowY[{p}]] : null",
            start = s.start,
            end = s.end,
            g = s.id
        ),
    )
    .await;
    assert!(hit.is_array(), "G{} at {} is drawn", s.id, s.start);
    let f = |i: usize| hit[i].as_f64().unwrap();
    assert!((f(0) - f(4)).abs() < 0.5, "at its start: {hit}");
    assert!((f(0) + f(2) - f(5)).abs() < 1.5, "to its end: {hit}");
    assert!(f(1) <= f(6) && f(6) <= f(1) + f(3), "on its P's row: {hit}");

    // Zooming in asks the server for a narrower window.
    js(c, "performance.clearResourceTimings()").await;
    js(
        c,
        "Array.from(document.querySelectorAll('.rt-btn')).find(b => b.textContent === '+').click()",
    )
    .await;
    let after = wait_js(
        c,
        &format!(
            "{TL} return tl.data && !tl.pending && tl.data.end - tl.data.start < {} ? [tl.data.start, tl.data.end] : null",
            w1 - w0
        ),
        "the zoomed window",
    )
    .await;
    let asked = js(
        c,
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/trace/api/timeline'))",
    )
    .await;
    let asked: Vec<String> = serde_json::from_value(asked).unwrap();
    let narrower = asked.iter().any(|u| {
        let q: std::collections::HashMap<String, i64> = u
            .split('?')
            .nth(1)
            .unwrap_or("")
            .split('&')
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                Some((k.to_string(), v.parse().ok()?))
            })
            .collect();
        q.get("end").zip(q.get("start")).map(|(e, s)| e - s) < Some(w1 - w0)
    });
    assert!(
        narrower,
        "a narrower window was fetched: {asked:?} (now {after})"
    );

    // Back to the slice's window; click the slice: its goroutine, times
    // and stack in the details panel.
    c.goto(&format!("http://{a}/trace#start={w0}&end={w1}&view=proc"))
        .await
        .unwrap();
    c.refresh().await.unwrap();
    wait_for(c, "#timeline canvas").await;
    drawn(c, "the slice's window again").await;
    js(
        c,
        &format!(
            "{TL} const h = tl.hits.find(h => h.slice && h.kind === 'goroutine' && h.slice[0] === {start} && h.slice[2] === {g});
             const r = tl.canvas.getBoundingClientRect();
             const o = {{bubbles: true, clientX: r.left + h.x + h.w / 2, clientY: r.top + h.y + h.h / 2}};
             tl.canvas.dispatchEvent(new MouseEvent('mousedown', o));
             tl.canvas.dispatchEvent(new MouseEvent('mouseup', o));",
            start = s.start,
            g = s.id
        ),
    )
    .await;
    wait_for(c, ".rt-details h3").await;
    let title = js(
        c,
        "return document.querySelector('.rt-details h3').textContent",
    )
    .await;
    assert!(
        title.as_str().unwrap().starts_with(&format!("G{} ", s.id)),
        "the goroutine: {title}"
    );
    let detail = ix.slice(s.detail.unwrap()).unwrap();
    let funcs = js(
        c,
        "return Array.from(document.querySelectorAll('.rt-details .rt-stack')).map(b =>
           [b.querySelector('.rt-stack-title').textContent,
            Array.from(b.querySelectorAll('.rt-func')).map(f => f.textContent)])",
    )
    .await;
    let stopped = funcs
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b[0] == "Stopped at")
        .expect("the stack it stopped at");
    let want: Vec<&str> = detail.end_stack.iter().map(|f| f.func.as_str()).collect();
    assert!(!want.is_empty(), "the fixture's slice has a stack");
    assert_eq!(stopped[1], serde_json::json!(want), "its stack");
    let kv = js(c, "return document.querySelector('.rt-kv').textContent").await;
    assert!(
        kv.as_str().unwrap().contains("Duration"),
        "times shown: {kv}"
    );

    // The goroutine's own page and timeline.
    c.goto(&format!("http://{a}/trace?goid={}", s.id))
        .await
        .unwrap();
    wait_for(c, "#timeline canvas").await;
    let g = wait_js(
        c,
        &format!("{TL} return tl.data && tl.data.slices.slices.length + tl.data.slices.bars.length > 0 ? tl.data.g : null"),
        "the goroutine's timeline",
    )
    .await;
    assert_eq!(g, s.id);
    no_alert(c, "timeline").await;
}

async fn goroutine_table_has_the_cli_numbers(c: &Client) {
    let (a, _, _) = serve_trace("trace.out");
    c.goto(&format!("http://{a}/")).await.unwrap();
    c.find(Locator::Id("link-goroutines"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(c, "#groups tbody tr").await;
    let rows = js(
        c,
        "return Array.from(document.querySelectorAll('#groups tbody tr')).map(r =>
           [r.querySelector('td.fn').textContent, Number(r.cells[1].textContent)]
             .concat(Array.from(r.querySelectorAll('td[data-ns]')).map(td => Number(td.dataset.ns))))",
    )
    .await;
    // What `rprof trace goroutines` prints: the same library call.
    let bytes = rprof_testkit::read(trace_fixture("trace.out"));
    let mut groups = goroutine_summary(&mut rprof_trace::Reader::new(&bytes[..]).unwrap())
        .unwrap()
        .value;
    sort_groups(&mut groups, GroupSort::Exec);
    let want: Vec<Value> = groups
        .iter()
        .map(|g| {
            let name = if g.name.is_empty() {
                "(Inactive, no stack trace sampled)"
            } else {
                &g.name
            };
            serde_json::json!([
                name,
                g.count,
                g.exec_ns,
                g.sched_wait_ns,
                g.block_sync_ns(),
                g.block_net_ns(),
                g.block_other_ns(),
                g.syscall_ns,
                g.syscall_block_ns,
                g.gc_assist_ns()
            ])
        })
        .collect();
    assert_eq!(rows, Value::Array(want));
    // And the text as the CLI writes it (rprof_trace's fmt_dur).
    let text = js(
        c,
        "return document.querySelector('#groups tbody tr').cells[2].textContent",
    )
    .await;
    assert_eq!(
        text,
        rprof_trace::analysis::fmt_dur(groups[0].exec_ns),
        "the CLI's format"
    );
}

async fn blocking_profile_opens_as_a_flame_graph(c: &Client) {
    let (a, ui, _) = serve_trace("markup.trace");
    let _ = ui;
    c.goto(&format!("http://{a}/")).await.unwrap();
    c.find(Locator::Id("link-block"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(c, "#flame .frame").await;
    let url = c.current_url().await.unwrap();
    assert_eq!(url.path(), "/pprof/block/all/ui/flamegraph");
    let texts = js(
        c,
        "return Array.from(document.querySelectorAll('#flame .frame')).map(f => f.textContent)",
    )
    .await;
    let texts: Vec<String> = serde_json::from_value(texts).unwrap();
    assert!(
        texts.iter().any(|t| t == "main.consume"),
        "the blocking functions are drawn: {texts:?}"
    );
    // The trace's menu leads back.
    let back = js(
        c,
        "return document.getElementById('nav-goroutines').getAttribute('href')",
    )
    .await;
    assert_eq!(back, "/goroutines");
    no_alert(c, "flame graph").await;
}

async fn markup_is_shown_as_text(c: &Client) {
    let (a, _, ix) = serve_trace("markup.trace");
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    for (path, shown) in [
        ("/usertasks".to_string(), vec![TASK]),
        ("/userregions".to_string(), vec![REGION, REGION2]),
        (format!("/usertask?type={}", enc(TASK)), vec![TASK]),
        (format!("/userregion?type={}", enc(REGION)), vec![REGION]),
    ] {
        c.goto(&format!("http://{a}{path}")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        no_alert(c, &path).await;
        let r = js(
            c,
            "return [document.querySelectorAll('img, b, i').length,
                     Array.from(document.scripts).filter(s => !s.src && s.type !== 'application/json').length,
                     document.body.innerText]",
        )
        .await;
        assert_eq!(r[0], 0, "{path}: markup from the trace became elements");
        assert_eq!(r[1], 0, "{path}: an inline script was created");
        for s in shown {
            assert!(
                r[2].as_str().unwrap().contains(s),
                "{path}: {s:?} is visible as text"
            );
        }
    }
    // The timeline: a log message's details, as text.
    let end = ix.info().end_ns;
    c.goto(&format!("http://{a}/trace#start=0&end={end}&view=proc"))
        .await
        .unwrap();
    c.refresh().await.unwrap();
    wait_for(c, "#timeline canvas").await;
    drawn(c, "the whole trace").await;
    // Zoom on the first log so that it is a mark, then click it.
    let t = wait_js(
        c,
        &format!("{TL} const m = tl.hits.find(h => h.log || h.logbar); return m ? (m.log ? m.log[0] : m.logbar[0]) : null"),
        "a log in the timeline",
    )
    .await
    .as_i64()
    .unwrap();
    c.goto(&format!(
        "http://{a}/trace#start={}&end={}&view=proc",
        t - 2000,
        t + 2000
    ))
    .await
    .unwrap();
    c.refresh().await.unwrap();
    wait_for(c, "#timeline canvas").await;
    drawn(c, "the log's window").await;
    js(
        c,
        &format!(
            "{TL} const h = tl.hits.find(h => h.log);
             const r = tl.canvas.getBoundingClientRect();
             const o = {{bubbles: true, clientX: r.left + h.x + h.w / 2, clientY: r.top + h.y + h.h / 2}};
             tl.canvas.dispatchEvent(new MouseEvent('mousemove', o));
             tl.canvas.dispatchEvent(new MouseEvent('mousedown', o));
             tl.canvas.dispatchEvent(new MouseEvent('mouseup', o));"
        ),
    )
    .await;
    let details = wait_js(
        c,
        "const d = document.querySelector('.rt-details'); return d && d.querySelector('h3') ? d.innerText : null",
        "the log's details",
    )
    .await;
    let details = details.as_str().unwrap();
    assert!(details.contains(LOG_MESSAGE), "{details}");
    assert!(details.contains(LOG_CATEGORY), "{details}");
    let tip = js(c, "return document.querySelector('.rt-tip').innerText").await;
    assert!(
        tip.as_str().unwrap().contains(LOG_MESSAGE),
        "tooltip: {tip}"
    );
    let r = js(
        c,
        "return [document.querySelectorAll('img, b, i').length,
                 Array.from(document.scripts).filter(s => !s.src && s.type !== 'application/json').length]",
    )
    .await;
    assert_eq!(r, serde_json::json!([0, 0]), "no element from the trace");
    no_alert(c, "timeline").await;
}

async fn mmu_plot_draws(c: &Client) {
    let (a, _, _) = serve_trace("trace.out");
    c.goto(&format!("http://{a}/mmu")).await.unwrap();
    let v = wait_js(
        c,
        "const v = document.getElementById('mmu-value').textContent; return v ? v : null",
        "the MMU at the slider's window",
    )
    .await;
    assert!(v.as_str().unwrap().contains("MMU"), "{v}");
    // Per P: another curve is asked for.
    c.find(Locator::Id("perProc"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_js(
        c,
        "return window.location.search.includes('perProc') && document.getElementById('mmu-status').textContent === ''",
        "the per-P curve",
    )
    .await;
    no_alert(c, "mmu").await;
}
