//! The runtime diagnostics pages in headless Chromium (the harness of
//! `browser`): each page loads with its scripts run to the end (diag.js
//! marks `body[data-ready]` last: an error in any script leaves it
//! unset), its tables have the report's rows, the goroutine search
//! filters buckets by function, the dump opens as a flame graph, and
//! markup from a dump stays text. With `RPROF_SCREENSHOTS=DIR` each page
//! is also saved there as a PNG, to look at.

use crate::browser::{in_browser, js, no_alert, wait_for};
use crate::diag_http::{SCRIPT, gctrace, goroutines, hostile_dump, memstats, race, serve_diag};
use fantoccini::Client;
use rprof_web::Diagnostics;
use std::time::Duration;

#[test]
fn diag_pages_in_headless_chromium() {
    in_browser(scenarios);
}

async fn scenarios(c: Client) {
    goroutine_page_filters_and_opens_the_profile(&c).await;
    the_other_pages_render(&c).await;
    dump_markup_is_text(&c).await;
}

/// Loads `addr/path`, waits for the scripts to have run, saves a
/// screenshot when asked.
async fn load(c: &Client, addr: &str, path: &str, shot: &str) {
    c.goto(&format!("http://{addr}{path}")).await.unwrap();
    wait_for(c, "body[data-ready='1']").await;
    no_alert(c, shot).await;
    if let Some(dir) = std::env::var_os("RPROF_SCREENSHOTS") {
        // The whole page: the window as tall as the document.
        let h = js(c, "return document.documentElement.scrollHeight").await;
        let h = h.as_u64().unwrap_or(900).clamp(900, 8000) as u32;
        let _ = c.set_window_size(1400, h).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = c.screenshot().await.unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(std::path::Path::new(&dir).join(format!("{shot}.png")), png).unwrap();
        let _ = c.set_window_size(1400, 900).await;
    }
}

async fn count(c: &Client, css: &str) -> u64 {
    js(
        c,
        &format!(
            "return Array.from(document.querySelectorAll({css:?})).filter(e => !e.hidden && e.offsetParent !== null).length"
        ),
    )
    .await
    .as_u64()
    .unwrap()
}

async fn search(c: &Client, text: &str) {
    js(
        c,
        &format!(
            "const s = document.getElementById('search'); s.value = {text:?}; s.dispatchEvent(new KeyboardEvent('keydown', {{key: 'Enter'}}));"
        ),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
}

async fn goroutine_page_filters_and_opens_the_profile(c: &Client) {
    for (names, shot) in [
        (
            &["leak/goroutine-005s.txt", "leak/goroutine-065s.txt"][..],
            "goroutines-leak",
        ),
        (&["sigquit.txt"][..], "goroutines-sigquit"),
    ] {
        let r = goroutines(names);
        let buckets = r.buckets.len() as u64;
        // The buckets with a function (frame or creator) from net/http.
        let net_http = r
            .buckets
            .iter()
            .filter(|b| {
                b.frames.iter().any(|f| f.function.contains("net/http"))
                    || b.created_by
                        .as_ref()
                        .is_some_and(|c| c.function.contains("net/http"))
            })
            .count() as u64;
        assert!(
            net_http > 0 && net_http < buckets,
            "{shot}: {net_http} of {buckets}"
        );
        let addr = serve_diag(Diagnostics::Goroutines(r), &names.join(", "));
        load(c, &addr, "/", shot).await;
        assert_eq!(count(c, "tr.bucket-row").await, buckets, "{shot}");
        assert_eq!(count(c, "section.bucket-stack").await, buckets, "{shot}");
        search(c, "net/http").await;
        assert_eq!(
            count(c, "tr.bucket-row").await,
            net_http,
            "{shot}: filtered rows"
        );
        assert_eq!(
            count(c, "section.bucket-stack").await,
            net_http,
            "{shot}: filtered stacks"
        );
        let matched = js(c, "return document.getElementById('matched').textContent").await;
        assert_eq!(matched, format!("{net_http} of {buckets} buckets"));
        search(c, "").await;
        assert_eq!(
            count(c, "tr.bucket-row").await,
            buckets,
            "{shot}: filter cleared"
        );
    }
    // The dump as a goroutine profile: the flame graph draws.
    js(c, "document.getElementById('open-profile').click()").await;
    wait_for(c, "#flame .frame").await;
    let url = c.current_url().await.unwrap();
    assert!(url.path().starts_with("/pprof/ui/flamegraph"), "{url}");
}

async fn the_other_pages_render(c: &Client) {
    let r = gctrace("gctrace-grow.txt");
    let cycles = r.traces[0].cycles.len() as u64;
    let addr = serve_diag(Diagnostics::Gctrace(r), "gctrace-grow.txt");
    load(c, &addr, "/", "gctrace").await;
    assert_eq!(count(c, "table.cycles tr.cycle").await, cycles);
    let w = js(
        c,
        "return document.querySelector('#chart svg').getBoundingClientRect().width",
    )
    .await;
    assert!(w.as_f64().unwrap() > 300.0, "the chart is drawn: {w}");

    let r = gctrace("leak/stderr.txt");
    let addr = serve_diag(Diagnostics::Gctrace(r), "leak/stderr.txt");
    load(c, &addr, "/", "gctrace-leak-stderr").await;

    let r = memstats(&["leak/vars.jsonl", "steady/vars.jsonl"]);
    let addr = serve_diag(Diagnostics::Memstats(r), "leak, steady");
    load(c, &addr, "/", "memstats").await;
    assert_eq!(count(c, ".verdict.leak").await, 1);
    assert_eq!(count(c, ".verdict.ok").await, 1);
    assert_eq!(count(c, "#chart svg").await, 1);

    let r = memstats(&["gops-memstats.txt"]);
    let addr = serve_diag(Diagnostics::Memstats(r), "gops-memstats.txt");
    load(c, &addr, "/", "memstats-gops").await;

    let r = race("race.txt");
    let pairs = r.pairs.len() as u64;
    let addr = serve_diag(Diagnostics::Race(r), "race.txt");
    load(c, &addr, "/", "race").await;
    assert_eq!(count(c, "tr.pair-row").await, pairs);
    assert_eq!(count(c, "section.pair").await, pairs);
}

async fn dump_markup_is_text(c: &Client) {
    let mut g = rprof_diag::GoroutineReader::new(Default::default());
    g.read("dump.txt", hostile_dump().as_bytes()).unwrap();
    let addr = serve_diag(Diagnostics::Goroutines(g.finish()), "dump.txt");
    load(c, &addr, "/", "goroutines-hostile").await;
    let fns = js(
        c,
        "return Array.from(document.querySelectorAll('#b0 .fn')).map(e => e.textContent)",
    )
    .await;
    assert!(
        fns.as_array()
            .unwrap()
            .iter()
            .any(|f| f.as_str().unwrap() == format!("main.{SCRIPT}")),
        "{fns}"
    );
    assert_eq!(
        js(
            c,
            "return document.querySelectorAll('main script, main img').length"
        )
        .await,
        0
    );
    // The search treats the text as text too.
    search(c, "script>alert").await;
    assert_eq!(count(c, "tr.bucket-row").await, 2);
    no_alert(c, "hostile dump").await;
}
