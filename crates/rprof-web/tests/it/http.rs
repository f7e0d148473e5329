//! Every route and parameter, over HTTP, against servers started
//! in-process on 127.0.0.1:0 with the fixture profiles.

use crate::support::{fixture, get, request, serve, serve_pipeline};
use rprof_profile::{Label, Line, ProfileBuilder};
use rprof_web::{Inputs, Pipeline, Source};
use std::sync::Arc;

#[test]
fn redirects_as_pprof() {
    let a = serve(&["cpu.pb.gz"], &[], false);
    let r = get(&a, "/");
    assert_eq!(r.status, 307);
    assert_eq!(r.header("location"), Some("/ui"));
    let r = get(&a, "/somewhere/else?si=cpu");
    assert_eq!(r.status, 307);
    assert_eq!(r.header("location"), Some("/ui?si=cpu"));
    let r = get(&a, "/ui");
    assert_eq!(r.status, 307);
    assert_eq!(r.header("location"), Some("/ui/"));
    let r = get(&a, "/ui/?si=cpu&f=main");
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("flamegraph?si=cpu&f=main"));
    for old in ["/ui/flamegraph2", "/ui/flamegraphold"] {
        let r = get(&a, old);
        assert_eq!(r.status, 301, "{old}");
        assert_eq!(r.header("location"), Some("flamegraph"));
    }
    assert_eq!(get(&a, "/ui/nosuchview").status, 404);
    assert_eq!(get(&a, "/ui/disasm").status, 501);
}

#[test]
fn every_view_answers_with_its_content_type() {
    let a = serve(&["cpu.pb.gz"], &[], false);
    for (path, ty) in [
        ("/ui/flamegraph", "text/html; charset=utf-8"),
        ("/ui/top", "text/html; charset=utf-8"),
        ("/ui/graph", "text/html; charset=utf-8"),
        ("/ui/peek?f=hashWorker", "text/html; charset=utf-8"),
        ("/ui/source?f=hashWorker", "text/html; charset=utf-8"),
        ("/ui/labels", "text/html; charset=utf-8"),
        ("/ui/top/data", "application/json"),
        ("/ui/flamegraph/data", "application/json"),
        ("/ui/flamegraph/search?q=sha256", "application/json"),
        ("/ui/download", "application/vnd.google.protobuf+gzip"),
        ("/assets/flame.js", "text/javascript; charset=utf-8"),
        ("/assets/rprof.css", "text/css; charset=utf-8"),
    ] {
        let r = get(&a, path);
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        assert_eq!(r.header("content-type"), Some(ty), "{path}");
        assert_eq!(
            r.header("content-security-policy"),
            Some(rprof_web::CSP),
            "{path}"
        );
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    }
    assert_eq!(get(&a, "/assets/nope.js").status, 404);
    let r = request(&a, "HEAD", "/ui/top", &a);
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
}

#[test]
fn only_get_and_head_and_only_our_host() {
    let a = serve(&["cpu.pb.gz"], &[], false);
    for m in ["POST", "PUT", "DELETE", "PATCH"] {
        let r = request(&a, m, "/ui/top", &a);
        assert_eq!(r.status, 405, "{m}");
        assert_eq!(r.header("allow"), Some("GET, HEAD"));
    }
    let port = a.rsplit(':').next().unwrap();
    // DNS rebinding: another name for 127.0.0.1 is refused.
    for host in [
        format!("evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        "127.0.0.1:1".to_string(),
        String::new(),
    ] {
        let r = request(&a, "GET", "/ui/top", &host);
        assert_eq!(r.status, 403, "Host {host:?}");
    }
    for host in [
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        a.clone(),
    ] {
        assert_eq!(request(&a, "GET", "/ui/top", &host).status, 200, "{host}");
    }
}

#[test]
fn bad_parameters_are_400_with_a_message() {
    let a = serve(&["heap.pb.gz"], &[], false);
    for (q, want) in [
        ("n=lots", "error setting config field nodecount"),
        ("nf=x", "error setting config field nodefraction"),
        ("g=bogus", "invalid \"granularity\" value"),
        ("sort=sideways", "invalid \"sort\" value"),
        (
            "mean=perhaps",
            "illegal value \"perhaps\" for bool variable",
        ),
        (
            "si=no_such_type",
            "sample_index \"no_such_type\" must be one of",
        ),
        ("p=3", "there is no profile 3"),
        ("base=7", "there is no profile 7"),
        ("tf=k=(", "tagfocus: error parsing regexp"),
    ] {
        for view in ["top", "flamegraph", "graph", "top/data"] {
            let r = get(&a, &format!("/ui/{view}?{q}"));
            assert_eq!(r.status, 400, "{view}?{q}: {}", r.text());
            assert!(
                r.text().to_lowercase().contains(&want.to_lowercase()),
                "{view}?{q}: {:?} lacks {want:?}",
                r.text()
            );
            assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
        }
    }
    let r = get(&a, "/ui/peek?f=(unclosed");
    assert_eq!(r.status, 400);
    assert!(r.text().contains("parsing argument regexp"), "{}", r.text());
    let r = get(&a, "/ui/peek?f=NoSuchFunctionAnywhere");
    assert_eq!(r.status, 400);
    assert!(r.text().contains("no matches found for regexp"));
    let r = get(&a, "/ui/flamegraph/data?root=99999999");
    assert_eq!(r.status, 400);
    assert!(r.text().contains("root"));
}

/// The top table's numbers follow every report parameter.
#[test]
fn top_follows_the_parameters() {
    let a = serve(&["heap.pb.gz"], &[], false);
    let rows = |q: &str| get(&a, &format!("/ui/top/data?{q}")).json();
    let base = rows("");
    let space = rows("si=alloc_space");
    assert_ne!(
        base["total"], space["total"],
        "another sample type, another total"
    );
    assert!(space["legend"].to_string().contains("Type: alloc_space"));
    let n3 = rows("si=alloc_space&n=3");
    assert_eq!(n3["rows"].as_array().unwrap().len(), 3);
    let cum = rows("si=alloc_space&sort=cum");
    let cums: Vec<i64> = cum["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["cum"].as_i64().unwrap())
        .collect();
    assert!(cums.windows(2).all(|w| w[0] >= w[1]), "sorted by cum");
    let lines = rows("si=alloc_space&g=lines");
    assert!(lines["rows"][0]["name"].as_str().unwrap().contains(".go:"));
    let focused = rows("si=alloc_space&f=allocBuffer");
    let names: Vec<&str> = focused["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"main.allocBuffer"), "{names:?}");
    assert!(focused["legend"].to_string().contains("focus=allocBuffer"));
    let ignored = rows("si=alloc_space&i=allocBuffer");
    assert!(!ignored["rows"].to_string().contains("main.allocBuffer"));
    let hidden = rows("si=alloc_space&h=allocBuffer");
    assert!(!hidden["rows"].to_string().contains("\"main.allocBuffer\""));
    let kb = rows("si=alloc_space&unit=kb");
    assert!(kb["rows"][0]["flat_text"].as_str().unwrap().ends_with("kB"));
    let mean = rows("si=alloc_space&mean=t");
    assert!(mean["legend"].to_string().contains("mean_alloc_space"));
}

#[test]
fn flame_graph_data_and_search() {
    let a = serve(&["cpu.pb.gz"], &[], false);
    let page = get(&a, "/ui/flamegraph").text();
    assert!(page.contains("id=\"page-data\""));
    let d = get(&a, "/ui/flamegraph/data").json();
    let tree = &d["tree"];
    let stride = tree["stride"].as_u64().unwrap() as usize;
    let nodes = tree["nodes"].as_array().unwrap();
    let names = tree["names"].as_array().unwrap();
    assert_eq!(d["diff"], false);
    assert_eq!(nodes[3], d["total"], "the root is as wide as the total");
    assert!(
        names
            .iter()
            .any(|n| n == "crypto/internal/fips140/sha256.blockSHANI")
    );
    // A subtree request starts at that node.
    let id = nodes[stride].as_i64().unwrap();
    let sub = get(&a, &format!("/ui/flamegraph/data?root={id}")).json();
    assert_eq!(sub["tree"]["nodes"][0].as_i64(), Some(id));
    assert_eq!(sub["tree"]["nodes"][1].as_i64(), Some(-1));
    // Search: sha256's share of the total.
    let s = get(&a, "/ui/flamegraph/search?q=sha256").json();
    let (m, t) = (s["matched"].as_i64().unwrap(), s["total"].as_i64().unwrap());
    assert!(
        m > t / 2 && m <= t,
        "sha256 is most of this profile: {m} of {t}"
    );
    // Pivot: callers above and callees below.
    let p = get(&a, "/ui/flamegraph?pivot=main.hashWorker").text();
    assert!(p.contains("\"callers\"") && p.contains("\"callees\""));
    let c = get(&a, "/ui/flamegraph/data?pivot=main.hashWorker&mode=callers").json();
    assert_eq!(
        c["tree"]["names"][0], "main.hashWorker",
        "the pivot at the root"
    );
    let callers = c["tree"]["names"].to_string();
    assert!(callers.contains("main.runWorkload.func1.1.1"), "{callers}");
    assert!(
        !callers.contains("main.sortWorker"),
        "only stacks through the pivot"
    );
    let e = get(&a, "/ui/flamegraph/data?pivot=main.nothing&mode=callers");
    assert_eq!(e.status, 400);
}

#[test]
fn several_profiles_and_compare_with() {
    let a = serve(&["heap.pb.gz", "heap.v2.pb.gz"], &[], false);
    let total = |q: &str| {
        get(&a, &format!("/ui/top/data?si=alloc_space&{q}")).json()["total"]
            .as_i64()
            .unwrap()
    };
    let (one, two, all) = (total("p=0"), total("p=1"), total(""));
    assert_eq!(one + two, all, "merged by default");
    // heap.v2 with heap.pb.gz as the base: totals subtract.
    let sub = get(&a, "/ui/top/data?si=alloc_space&p=1&base=0").json();
    assert!(sub["legend"].to_string().contains("alloc_space"));
    let d = get(&a, "/ui/flamegraph/data?si=alloc_space&p=1&base=0").json();
    assert_eq!(d["diff"], true, "a base makes a differential flame graph");
    assert_eq!(d["tree"]["stride"], 8);
    let page = get(&a, "/ui/top?p=1&diffbase=0").text();
    assert!(page.contains("id=\"compare-diffbase-0\" title=\"Compare with this profile; percentages of it (pprof&#39;s -diff_base)\" class=\"checked\"")
        || page.contains("compare-diffbase-0"));
    // The command line's base is the default, and can be dropped.
    let b = serve(&["heap.v2.pb.gz"], &["heap.pb.gz"], false);
    let with = get(&b, "/ui/flamegraph/data").json();
    assert_eq!(with["diff"], true);
    let without = get(&b, "/ui/flamegraph/data?base=none").json();
    assert_eq!(without["diff"], false);
}

#[test]
fn graph_without_graphviz_and_views_with_text() {
    let a = serve(&["cpu.pb.gz"], &[], false);
    let g = get(&a, "/ui/graph?renderer=builtin").text();
    assert!(g.contains("data-renderer=\"builtin\""));
    assert!(g.contains("<svg"));
    assert!(!g.contains("<script>"), "the renderer's script is dropped");
    assert!(g.contains("hashWorker"));
    let peek = get(&a, "/ui/peek?f=hashWorker").text();
    assert!(peek.contains("main.hashWorker"));
    assert!(peek.contains("flat  flat%"));
    let src = get(&a, "/ui/source?f=hashWorker").text();
    assert!(src.contains("main.hashWorker"));
    // Go wrote trimmed paths; the page says which files it could not read.
    assert!(src.contains("source not found for 1 file(s): workload/main.go"));
    let labels = get(&a, "/ui/labels").text();
    assert!(labels.contains("has no labels") || labels.contains("label-key"));
}

#[test]
fn labels_view_sets_tag_filters() {
    let a = serve(&["cpu_labels.pb.gz"], &[], false);
    let page = get(&a, "/ui/labels").text();
    assert!(
        page.contains("class=\"tag-focus\""),
        "label values are links"
    );
    // Follow the first focus link: it must be a tf= that the server accepts
    // and that narrows the profile.
    let i = page.find("class=\"tag-focus\" href=\"").unwrap() + "class=\"tag-focus\" href=\"".len();
    let href = page[i..].split('"').next().unwrap().replace("&amp;", "&");
    assert!(href.starts_with("./flamegraph?tf="), "{href}");
    let q = href.split_once('?').unwrap().1;
    let all = get(&a, "/ui/top/data").json()["rows"]
        .as_array()
        .unwrap()
        .len();
    let r = get(&a, &format!("/ui/top/data?{q}"));
    assert_eq!(r.status, 200, "{}", r.text());
    let legend = r.json()["legend"].to_string();
    assert!(legend.contains("tagfocus="), "{legend}");
    let ti = get(&a, &format!("/ui/top/data?{}", q.replace("tf=", "ti=")));
    assert_eq!(ti.status, 200);
    assert!(all > 0);
}

#[test]
fn download_as_loaded_and_as_shown() {
    let a = serve(&["cpu.pb.gz"], &[], false);
    let r = get(&a, "/ui/download");
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment;filename=profile.pb.gz")
    );
    let loaded = rprof_profile::parse(&r.body).expect("a profile");
    let r = get(&a, "/ui/download?filtered=1&f=hashWorker");
    let shown = rprof_profile::parse(&r.body).expect("a profile");
    assert!(shown.samples.len() < loaded.samples.len());
    let orig = rprof_profile::parse(&std::fs::read(fixture("cpu.pb.gz")).unwrap()).unwrap();
    assert_eq!(loaded.samples.len(), orig.samples.len());
}

/// A profile whose function, file and label names are markup and quotes.
pub fn hostile_pipeline() -> Pipeline {
    const EVIL: &str = "<script>alert(1)</script>";
    let mut b = ProfileBuilder::new();
    b.add_sample_type("samples", "count");
    b.add_sample_type("cpu", "nanoseconds");
    let f1 = b.function(&format!("main.{EVIL}"), "", "/src/<b>x</b>.go", 1);
    let f2 = b.function("main.\"quoted\"'and'&amp;", "", "/src/q\".go", 1);
    let f3 = b.function("main.main", "", "/src/main.go", 1);
    let loc = |b: &mut ProfileBuilder, f, line| {
        b.location(
            None,
            0x1000 + line as u64,
            &[Line {
                function: f,
                line,
                column: 0,
            }],
            false,
        )
    };
    let l1 = loc(&mut b, f1, 10);
    let l2 = loc(&mut b, f2, 20);
    let l3 = loc(&mut b, f3, 30);
    let key = b.intern(EVIL);
    let val = b.intern("\"><img src=x onerror=alert(2)>");
    let label = Label {
        key,
        str: val,
        num: 0,
        num_unit: 0,
    };
    b.push_sample(&[l1, l3], &[5, 5_000_000], &[label]);
    b.push_sample(&[l2, l3], &[3, 3_000_000], &[]);
    b.push_sample(&[l1, l2, l3], &[2, 2_000_000], &[label]);
    let p = b.finish();
    Pipeline::new(Inputs {
        profiles: vec![Source {
            name: format!("{EVIL}.pb.gz"),
            profile: Arc::new(p),
        }],
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn hostile_names_are_escaped_everywhere() {
    let a = serve_pipeline(hostile_pipeline());
    for path in [
        "/ui/flamegraph",
        "/ui/top",
        "/ui/graph",
        "/ui/graph?renderer=builtin",
        "/ui/peek?f=main",
        "/ui/source?f=main",
        "/ui/labels",
        "/ui/flamegraph?pivot=main.main",
    ] {
        let r = get(&a, path);
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        let t = r.text();
        assert!(!t.contains("<script>alert"), "{path}: raw script tag");
        assert!(!t.contains("<img src=x"), "{path}: raw img tag");
        assert!(!t.contains("<b>x</b>"), "{path}: raw markup");
        // Scripts only from /assets/, and the data block.
        for (i, _) in t.match_indices("<script") {
            let tag = &t[i..i + 60.min(t.len() - i)];
            assert!(
                tag.starts_with("<script src=\"/assets/")
                    || tag.starts_with("<script type=\"application/json\" id=\"page-data\">"),
                "{path}: unexpected {tag:?}"
            );
        }
    }
    // The names are there, escaped.
    let top = get(&a, "/ui/top").text();
    assert!(top.contains("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"));
    let labels = get(&a, "/ui/labels").text();
    assert!(labels.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(labels.contains("&#34;&#62;&#60;img src=x onerror=alert(2)&#62;"));
}
