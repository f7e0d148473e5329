//! End to end in headless Chromium, driven over WebDriver (fantoccini and
//! Debian's chromium-driver, as /work/shared/reference/browser-testing.md
//! measured): the pages as a user sees them, scripts included.
//!
//! chromedriver starts with `--port=0` and says which port it took; it
//! runs in a guard that kills it (and with it the browser) on drop. Each
//! scenario runs in a spawned task, so a failed assertion still closes the
//! session before the panic is re-raised. Without chromium or chromedriver
//! the test says so and passes (`.ci/run` installs both).

use crate::http::hostile_pipeline;
use crate::support::{fixture, serve, serve_pipeline};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The harness (finding the browser, chromedriver, a session, helpers)
/// is shared with the trace UI's scenarios (`trace_browser`).
const CHROMIUM: &[&str] = &["/usr/bin/chromium", "/usr/bin/chromium-browser"];
const DRIVER: &[&str] = &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"];

fn find(paths: &[&str]) -> Option<String> {
    paths
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(|p| p.to_string())
}

/// Kills and reaps the child on drop.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// chromedriver on a free port: the guard and the port.
fn start_driver(driver: &str) -> (Guard, u16) {
    let mut child = Command::new(driver)
        .arg("--port=0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let out = child.stdout.take().unwrap();
    let guard = Guard(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            // "ChromeDriver was started successfully on port 41234."
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
                let _ = tx.send(port.parse::<u16>().ok());
            }
        }
    });
    let port = rx
        .recv_timeout(Duration::from_secs(30))
        .ok()
        .flatten()
        .expect("chromedriver did not say its port within 30 s");
    (guard, port)
}

async fn connect(port: u16, chromium: &str) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1400,900",
                     "--allow-file-access-from-files"],
        }),
    );
    caps.insert("unhandledPromptBehavior".into(), json!("ignore"));
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("WebDriver session")
}

pub async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.expect("script")
}

pub async fn wait_for(c: &Client, css: &str) {
    c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} never appeared: {e}"));
}

/// No alert is open: no script from a profile ran.
pub async fn no_alert(c: &Client, what: &str) {
    if let Ok(text) = c.get_alert_text().await {
        panic!("{what}: an alert opened ({text:?}): a profile string ran as script");
    }
}

/// Runs `scenarios` in a fresh headless Chromium session; without
/// chromium or chromedriver, says so and returns (`.ci/run` installs
/// both). The scenarios run in a spawned task, so that a failed assertion
/// still closes the session before the panic is re-raised.
pub fn in_browser<F, Fut>(scenarios: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (Some(chromium), Some(driver)) = (find(CHROMIUM), find(DRIVER)) else {
        eprintln!(
            "SKIPPED: browser tests need chromium and chromedriver (apt-get install chromium chromium-driver)"
        );
        return;
    };
    let (_driver, port) = start_driver(&driver);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let c = connect(port, &chromium).await;
        let body = tokio::spawn(scenarios(c.clone()));
        let result = body.await;
        let _ = c.close().await;
        if let Err(e) = result
            && e.is_panic()
        {
            std::panic::resume_unwind(e.into_panic());
        }
    });
}

#[test]
fn in_headless_chromium() {
    in_browser(scenarios);
}

async fn scenarios(c: Client) {
    flame_renders_zooms_and_searches(&c).await;
    sample_type_changes_the_numbers(&c).await;
    focus_from_top_narrows_the_flame_graph(&c).await;
    graph_without_graphviz(&c).await;
    report_from_file(&c).await;
    hostile_names_are_text(&c).await;
}

async fn frame_texts(c: &Client) -> Vec<String> {
    let v = js(
        c,
        "return Array.from(document.querySelectorAll('#flame .frame')).map(f => f.textContent)",
    )
    .await;
    serde_json::from_value(v).unwrap()
}

async fn flame_renders_zooms_and_searches(c: &Client) {
    let a = serve(&["cpu.pb.gz"], &[], false);
    c.goto(&format!("http://{a}/ui/")).await.unwrap();
    wait_for(c, "#flame .frame").await;
    let texts = frame_texts(c).await;
    assert!(
        texts
            .iter()
            .any(|t| t == "crypto/internal/fips140/sha256.blockSHANI"),
        "the hottest function is drawn with its name: {texts:?}"
    );
    // Click main.hashWorker: it fills the width.
    let clicked = js(
        c,
        "const f = Array.from(document.querySelectorAll('#flame .frame')).find(f => f.textContent === 'main.hashWorker');
         const before = f.offsetWidth; f.click(); return before",
    )
    .await;
    let before = clicked.as_f64().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = js(
        c,
        "const f = document.querySelector('#flame .frame.focused');
         return [f.textContent, f.offsetWidth, document.getElementById('flame').clientWidth]",
    )
    .await;
    assert_eq!(
        after[0], "main.hashWorker",
        "the clicked frame is the focus"
    );
    let (w, full) = (after[1].as_f64().unwrap(), after[2].as_f64().unwrap());
    assert!(
        w > before && w > 0.95 * full - 2.0,
        "zoomed: {before} → {w} of {full}"
    );
    let texts = frame_texts(c).await;
    assert!(
        !texts.iter().any(|t| t == "main.sortWorker"),
        "siblings gone after zoom"
    );
    // Search highlights and shows the matched share.
    let search = c.find(Locator::Id("search")).await.unwrap();
    search.send_keys("sha256").await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#flame .frame.match"))
        .await
        .expect("matching frames highlighted");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let matched = c
        .find(Locator::Id("matched"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        matched.starts_with("Matched: ") && matched.ends_with("%)"),
        "{matched:?}"
    );
    no_alert(c, "flame").await;
}

async fn sample_type_changes_the_numbers(c: &Client) {
    let a = serve(&["heap.pb.gz"], &[], false);
    c.goto(&format!("http://{a}/ui/top")).await.unwrap();
    wait_for(c, "#rows tr").await;
    let first = js(
        c,
        "return document.querySelector('#rows tr td').textContent",
    )
    .await;
    c.find(Locator::Css("#sample .menu-name"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id("sampletype-alloc_space"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(30))
        .for_url(&url_with(&a, "/ui/top?si=alloc_space"))
        .await
        .expect("navigated to alloc_space");
    wait_for(c, "#rows tr").await;
    let second = js(
        c,
        "return document.querySelector('#rows tr td').textContent",
    )
    .await;
    assert_ne!(first, second, "another sample type, other numbers");
    let details = js(
        c,
        "return document.getElementById('detailsbox').textContent",
    )
    .await;
    assert!(
        details.as_str().unwrap().contains("Type: alloc_space"),
        "{details}"
    );
}

pub fn url_with(addr: &str, path: &str) -> url::Url {
    url::Url::parse(&format!("http://{addr}{path}")).unwrap()
}

async fn focus_from_top_narrows_the_flame_graph(c: &Client) {
    let a = serve(&["heap.pb.gz"], &[], false);
    let width =
        "return JSON.parse(document.getElementById('page-data').textContent).flame.tree.nodes[3]";
    c.goto(&format!("http://{a}/ui/flamegraph?si=alloc_space"))
        .await
        .unwrap();
    wait_for(c, "#flame .frame").await;
    let all = js(c, width).await.as_i64().unwrap();
    c.goto(&format!("http://{a}/ui/top?si=alloc_space"))
        .await
        .unwrap();
    wait_for(c, "#rows tr").await;
    js(
        c,
        "Array.from(document.querySelectorAll('#rows tr')).find(r => r.dataset.name === 'main.allocBuffer').click()",
    )
    .await;
    c.find(Locator::Css("#refine .menu-name"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id("focus"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    wait_for(c, "#rows tr").await;
    let url = c.current_url().await.unwrap();
    assert!(
        url.query()
            .unwrap_or("")
            .contains("f=%5Emain%5C.allocBuffer%24"),
        "focus in the URL: {url}"
    );
    c.find(Locator::Css("#view .menu-name"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id("view-flamegraph"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(30))
        .for_url(&url_with(
            &a,
            &format!("/ui/flamegraph?{}", url.query().unwrap_or("")),
        ))
        .await
        .expect("flame graph with the focus");
    wait_for(c, "#flame .frame").await;
    let focused = js(c, width).await.as_i64().unwrap();
    assert!(focused > 0 && focused < all, "narrowed: {focused} of {all}");
    let texts = frame_texts(c).await;
    assert!(texts.iter().any(|t| t == "main.allocBuffer"), "{texts:?}");
}

async fn graph_without_graphviz(c: &Client) {
    let a = serve(&["cpu.pb.gz"], &[], false);
    c.goto(&format!("http://{a}/ui/graph?renderer=builtin"))
        .await
        .unwrap();
    wait_for(c, "#graph svg g.node").await;
    let r = js(
        c,
        "return [document.getElementById('graph').dataset.renderer, document.querySelectorAll('#graph g.node').length]",
    )
    .await;
    assert_eq!(r[0], "builtin");
    assert!(r[1].as_i64().unwrap() > 5, "{r}");
    // Clicking a node selects it.
    js(c, "document.querySelector('#graph g.node').dispatchEvent(new MouseEvent('click', {bubbles: true}))").await;
    let sel = js(
        c,
        "return document.querySelectorAll('#graph g.node.selected').length",
    )
    .await;
    assert_eq!(sel, 1);
}

async fn report_from_file(c: &Client) {
    let p = rprof_web::Pipeline::new(crate::support::inputs(&[fixture("cpu.pb.gz")], &[], false))
        .unwrap();
    let html =
        rprof_web::standalone_report(&p, &Default::default(), &Default::default(), "cpu.pb.gz")
            .unwrap();
    let dir = std::env::temp_dir().join(format!("rprof-web-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.html");
    std::fs::write(&file, html).unwrap();
    c.goto(&format!("file://{}", file.display())).await.unwrap();
    wait_for(c, "#flame .frame").await;
    let texts = frame_texts(c).await;
    assert!(
        texts
            .iter()
            .any(|t| t == "crypto/internal/fips140/sha256.blockSHANI")
    );
    c.find(Locator::Id("tab-top"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let rows = js(c, "return document.querySelectorAll('#rows tr').length").await;
    assert!(rows.as_i64().unwrap() > 10, "top rows: {rows}");
    let first = js(
        c,
        "return document.querySelector('#rows tr td.name').textContent",
    )
    .await;
    assert_eq!(first, "crypto/internal/fips140/sha256.blockSHANI");
    c.find(Locator::Id("tab-graph"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let nodes = js(
        c,
        "return document.querySelectorAll('#graph g.node').length",
    )
    .await;
    assert!(nodes.as_i64().unwrap() > 5);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn hostile_names_are_text(c: &Client) {
    let a = serve_pipeline(hostile_pipeline());
    const EVIL: &str = "main.<script>alert(1)</script>";
    c.goto(&format!("http://{a}/ui/flamegraph")).await.unwrap();
    wait_for(c, "#flame .frame").await;
    no_alert(c, "flame graph").await;
    let texts = frame_texts(c).await;
    assert!(texts.iter().any(|t| t == EVIL), "shown as text: {texts:?}");
    for path in [
        "/ui/top",
        "/ui/labels",
        "/ui/graph",
        "/ui/peek?f=main",
        "/ui/source?f=main",
    ] {
        c.goto(&format!("http://{a}{path}")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        no_alert(c, path).await;
        let r = js(
            c,
            "return [document.querySelectorAll('img').length,
                     Array.from(document.scripts).filter(s => !s.src && s.type !== 'application/json').length,
                     document.body.innerText]",
        )
        .await;
        assert_eq!(r[0], 0, "{path}: an <img> from a label was created");
        assert_eq!(r[1], 0, "{path}: an inline script was created");
        assert!(
            r[2].as_str().unwrap().contains("<script>alert(1)</script>"),
            "{path}: the name is visible as text"
        );
    }
}
