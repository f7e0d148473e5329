//! The web top table against `go tool pprof -top`: for every `top` case
//! of the parity suite (fixtures/cases.txt) whose options have a URL
//! parameter, the rows of `/ui/top/data` with those parameters, printed
//! the way `rprof top` prints them, are the committed output of the real
//! `go tool pprof` (fixtures/expected/ID.out), header lines included.

use crate::support::{get, serve};
use rprof_profile::measurement::percentage;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `--name=value` options of a case as URL parameters; `None` when one
/// has no URL equivalent.
/// URL parameters, base files, and whether the bases are diff bases.
type CaseParams = (Vec<(String, String)>, Vec<String>, bool);

fn url_params(opts: &[&str]) -> Option<CaseParams> {
    let mut q = Vec::new();
    let mut bases = Vec::new();
    let mut diff = false;
    let mut n_given = false;
    let mut seen = std::collections::HashSet::new();
    for o in opts {
        let (name, value) = match o.strip_prefix("--")?.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (o.strip_prefix("--")?, None),
        };
        // The UI sets each parameter once; a flag given twice (the last
        // wins) is a command-line matter.
        if !seen.insert(name) && name != "base" && name != "diff-base" {
            return None;
        }
        let v = || value.map(str::to_string);
        let (k, val) = match (name, value) {
            ("cum", None) => ("sort", Some("cum".to_string())),
            ("nodecount", Some(_)) => {
                n_given = true;
                ("n", v())
            }
            ("nodefraction", Some(_)) => ("nf", v()),
            ("edgefraction", Some(_)) => ("ef", v()),
            ("sample-index" | "sample_index", Some(_)) => ("si", v()),
            ("focus", Some(_)) => ("f", v()),
            ("ignore", Some(_)) => ("i", v()),
            ("hide", Some(_)) => ("h", v()),
            ("show", Some(_)) => ("s", v()),
            ("show-from" | "show_from", Some(_)) => ("sf", v()),
            ("prune-from" | "prune_from", Some(_)) => ("prunefrom", v()),
            ("tagfocus", Some(_)) => ("tf", v()),
            ("tagignore", Some(_)) => ("ti", v()),
            ("tagshow", Some(_)) => ("ts", v()),
            ("taghide", Some(_)) => ("th", v()),
            ("granularity", Some(_)) => ("g", v()),
            ("unit", Some(_)) => ("unit", v()),
            ("mean", None) => ("mean", Some("t".into())),
            ("noinlines", None) => ("noinlines", Some("t".into())),
            ("showcolumns", None) => ("showcolumns", Some("t".into())),
            ("relative-percentages", None) => ("rel", Some("t".into())),
            ("drop-negative", None) => ("dropneg", Some("t".into())),
            ("no-trim", None) => ("trim", Some("f".into())),
            ("normalize", None) => ("norm", Some("t".into())),
            ("base", Some(b)) => {
                bases.push(b.to_string());
                continue;
            }
            ("diff-base", Some(b)) => {
                bases.push(b.to_string());
                diff = true;
                continue;
            }
            _ => return None,
        };
        q.push((k.to_string(), val?));
    }
    if !n_given {
        // `rprof top` lists every node; the web view's default is 500.
        q.push(("n".into(), "0".into()));
    }
    Some((q, bases, diff))
}

#[test]
fn web_top_is_go_tool_pprof_top() {
    let cases = std::fs::read_to_string(root().join("fixtures/cases.txt")).unwrap();
    let mut checked = 0;
    for line in cases.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let (id, args) = (words[0], &words[1..]);
        // Rows tied by value come in Go's map order there.
        if args.first() != Some(&"top") || id.contains("unordered") {
            continue;
        }
        let expected = root().join(format!("fixtures/expected/{id}.out"));
        let Ok(expected) = std::fs::read_to_string(&expected) else {
            continue; // pprof failed on this case (an .err file)
        };
        let (opts, files): (Vec<&str>, Vec<&str>) =
            args[1..].iter().partition(|a| a.starts_with("--"));
        // Profile texts need the binary in pprof (see cases.txt).
        if files.iter().any(|f| f.ends_with(".txt")) {
            continue;
        }
        let Some((q, bases, diff)) = url_params(&opts) else {
            continue;
        };
        let bases: Vec<&str> = bases.iter().map(String::as_str).collect();
        let a = serve(&files, &bases, diff);
        let query: Vec<String> = q
            .iter()
            .map(|(k, v)| format!("{k}={}", rprof_web_encode(v)))
            .collect();
        let r = get(&a, &format!("/ui/top/data?{}", query.join("&")));
        if root().join(format!("fixtures/expected/{id}.err")).exists() {
            if bases.is_empty() && q.iter().any(|(k, _)| k == "norm") {
                // pprof's -normalize without a base is a command-line
                // error; its web UI, like this one, ignores `norm` then.
                continue;
            }
            // pprof refused the options: so does the server, with a 400.
            assert_eq!(r.status, 400, "{id}: {:.300}", r.text());
            checked += 1;
            continue;
        }
        assert_eq!(r.status, 200, "{id}: {:.300}", r.text());
        let t = r.json();
        let total = t["total"].as_i64().unwrap();
        let mut text = String::new();
        for l in t["legend"].as_array().unwrap() {
            text.push_str(l.as_str().unwrap());
            text.push('\n');
        }
        text.push_str(&format!(
            "{:>10} {:>5}% {:>5}% {:>10} {:>5}%\n",
            "flat", "flat", "sum", "cum", "cum"
        ));
        let mut sum = 0i64;
        for row in t["rows"].as_array().unwrap() {
            let (flat, cum) = (row["flat"].as_i64().unwrap(), row["cum"].as_i64().unwrap());
            sum += flat;
            let inline = row["inline"].as_str().unwrap();
            text.push_str(&format!(
                "{:>10} {} {} {:>10} {}  {}{}\n",
                row["flat_text"].as_str().unwrap(),
                percentage(flat, total),
                percentage(sum, total),
                row["cum_text"].as_str().unwrap(),
                percentage(cum, total),
                row["name"].as_str().unwrap(),
                if inline.is_empty() {
                    String::new()
                } else {
                    format!(" {inline}")
                }
            ));
        }
        assert_eq!(text, expected, "{id}: /ui/top/data?{}", query.join("&"));
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} cases had URL equivalents");
}

fn rprof_web_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
