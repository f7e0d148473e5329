//! `cargo xtask deps`: module cycles inside each crate of the workspace.
//!
//! A module depends on another when its code names it: `use` statements
//! and paths starting with `crate::`, `super::`, `self::` or a child
//! module's name. Re-exports (`pub use`) and `mod` declarations are the
//! facade of a module, not its code, and do not count; neither do
//! `#[cfg(test)]` modules. Dependencies are compared level by level: two
//! files under `graph/` depend on each other as siblings of `graph`,
//! `graph/build.rs` on `graph/mod.rs` as a child on its parent's own
//! items (shown as `graph`), and `filters.rs` on an item of `lib.rs` as a
//! sibling on the crate root (shown as `(crate root)`). Any strongly connected
//! group of more than one module is a cycle.
//!
//! The scan is textual (comments and strings removed, braces matched),
//! which is enough for this workspace's code; it errs towards reporting.

use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type ModPath = Vec<String>;

pub fn run(root: &Path) -> Result<()> {
    let mut cycles = 0;
    let mut crates = 0;
    for entry in std::fs::read_dir(root.join("crates"))? {
        let dir = entry?.path();
        let src = dir.join("src");
        if !src.join("lib.rs").exists() && !src.join("main.rs").exists() {
            continue;
        }
        crates += 1;
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        for cycle in crate_cycles(&src)? {
            cycles += 1;
            println!("{name}: cycle: {}", cycle.join(" <-> "));
        }
    }
    if cycles > 0 {
        anyhow::bail!("{cycles} module cycle(s)");
    }
    println!("deps: no module cycles in {crates} crates");
    Ok(())
}

/// The cycles among the modules of one crate, each as module names.
pub fn crate_cycles(src: &Path) -> Result<Vec<Vec<String>>> {
    let files = module_files(src)?;
    let known: BTreeSet<ModPath> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut texts = BTreeMap::new();
    for (m, f) in &files {
        let raw = std::fs::read_to_string(f).with_context(|| f.display().to_string())?;
        texts.insert(m.clone(), strip_tests(&strip_comments_and_strings(&raw)));
    }
    // Names a module re-exports: `pub use a::b::X` makes `m::X` mean `a::b`.
    let mut reexports: BTreeMap<(ModPath, String), ModPath> = BTreeMap::new();
    for (m, text) in &texts {
        for (is_pub, tree) in use_statements(text) {
            if !is_pub {
                continue;
            }
            for path in flatten_use(&tree) {
                if let (Some(last), Some(abs)) = (path.last(), resolve(m, &path, &known)) {
                    let target = module_of(&abs, &known);
                    reexports.insert((m.clone(), last.clone()), target);
                }
            }
        }
    }
    // Edges at each level, keyed by the parent module.
    let mut edges: BTreeMap<ModPath, BTreeSet<(String, String)>> = BTreeMap::new();
    for (m, text) in &texts {
        let mut refs: Vec<Vec<String>> = Vec::new();
        for (is_pub, tree) in use_statements(text) {
            if !is_pub {
                refs.extend(flatten_use(&tree));
            }
        }
        refs.extend(code_paths(&remove_uses(text)));
        for path in refs {
            let Some(abs) = resolve(m, &path, &known) else {
                continue;
            };
            let mut target = module_of(&abs, &known);
            // An item re-exported by its module stands for where it is.
            if abs.len() > target.len()
                && let Some(t) = reexports.get(&(target.clone(), abs[target.len()].clone()))
            {
                target = t.clone();
            }
            if let Some((parent, from, to)) = level_edge(m, &target) {
                edges.entry(parent).or_default().insert((from, to));
            }
        }
    }
    let mut cycles = Vec::new();
    for (parent, es) in &edges {
        for scc in sccs(es) {
            if scc.len() > 1 {
                let shown = |n: &String| {
                    if n == SELF {
                        parent
                            .last()
                            .cloned()
                            .unwrap_or_else(|| "(crate root)".into())
                    } else {
                        let mut p = parent.clone();
                        p.push(n.clone());
                        p.join("::")
                    }
                };
                cycles.push(scc.iter().map(shown).collect());
            }
        }
    }
    Ok(cycles)
}

const SELF: &str = "<self>";

/// The edge between `from` and `to` at the level where their paths part.
fn level_edge(from: &ModPath, to: &ModPath) -> Option<(ModPath, String, String)> {
    let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
    let parent: ModPath = from[..common].to_vec();
    let a = from.get(common).cloned().unwrap_or_else(|| SELF.into());
    let b = to.get(common).cloned().unwrap_or_else(|| SELF.into());
    (a != b).then_some((parent, a, b))
}

/// Every module file under `src`, with its module path.
fn module_files(src: &Path) -> Result<Vec<(ModPath, PathBuf)>> {
    let mut out = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let p = entry?.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = p.strip_prefix(src)?;
            let mut parts: ModPath = rel
                .iter()
                .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
                .collect();
            let last = parts.last().cloned().unwrap_or_default();
            if last == "mod" || (parts.len() == 1 && (last == "lib" || last == "main")) {
                parts.pop();
            }
            // Binaries under src/bin are crates of their own.
            if parts.first().is_some_and(|f| f == "bin") {
                continue;
            }
            out.push((parts, p));
        }
    }
    Ok(out)
}

/// The longest prefix of `path` that is a module.
fn module_of(path: &[String], known: &BTreeSet<ModPath>) -> ModPath {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| known.contains(p))
        .unwrap_or_default()
}

/// `path` as an absolute module path, if it is one of this crate's.
fn resolve(m: &ModPath, path: &[String], known: &BTreeSet<ModPath>) -> Option<Vec<String>> {
    let first = path.first()?;
    let mut base: Vec<String> = match first.as_str() {
        "crate" => Vec::new(),
        "self" => m.clone(),
        "super" => {
            let mut b = m.clone();
            let mut rest = path;
            while rest.first().is_some_and(|s| s == "super") {
                b.pop()?;
                rest = &rest[1..];
            }
            b.extend(rest.iter().cloned());
            return Some(b);
        }
        _ => {
            // A child module named without `self::`.
            let mut child = m.clone();
            child.push(first.clone());
            if known.contains(&child) {
                let mut b = m.clone();
                b.extend(path.iter().cloned());
                return Some(b);
            }
            return None;
        }
    };
    base.extend(path[1..].iter().cloned());
    Some(base)
}

/// Tarjan's strongly connected components.
fn sccs(edges: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    let mut nodes: BTreeSet<&String> = BTreeSet::new();
    for (a, b) in edges {
        nodes.insert(a);
        nodes.insert(b);
    }
    let nodes: Vec<&String> = nodes.into_iter().collect();
    let idx = |n: &String| nodes.iter().position(|x| *x == n).unwrap_or(0);
    let mut adj = vec![Vec::new(); nodes.len()];
    for (a, b) in edges {
        adj[idx(a)].push(idx(b));
    }
    struct T {
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(v: usize, adj: &[Vec<usize>], t: &mut T) {
        t.index[v] = Some(t.next);
        t.low[v] = t.next;
        t.next += 1;
        t.stack.push(v);
        t.on[v] = true;
        for &w in &adj[v] {
            match t.index[w] {
                None => {
                    visit(w, adj, t);
                    t.low[v] = t.low[v].min(t.low[w]);
                }
                Some(iw) if t.on[w] => t.low[v] = t.low[v].min(iw),
                _ => {}
            }
        }
        if Some(t.low[v]) == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on[w] = false;
                comp.push(w);
                if w == v {
                    break;
                }
            }
            t.out.push(comp);
        }
    }
    let n = nodes.len();
    let mut t = T {
        index: vec![None; n],
        low: vec![0; n],
        on: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if t.index[v].is_none() {
            visit(v, &adj, &mut t);
        }
    }
    t.out
        .into_iter()
        .map(|c| {
            let mut names: Vec<String> = c.into_iter().map(|i| nodes[i].clone()).collect();
            names.sort();
            names
        })
        .collect()
}

/// Rust source without comments, string and char literals (replaced by
/// spaces or empty literals), so that scanning sees only code.
fn strip_comments_and_strings(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < b.len() {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                out.push(' ');
            }
            b'r' if matches!(b.get(i + 1), Some(b'#') | Some(b'"'))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                // Raw string r#"…"#.
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    out.push('r');
                    i += 1;
                    continue;
                }
                j += 1;
                let close: Vec<u8> = std::iter::once(b'"')
                    .chain(std::iter::repeat_n(b'#', hashes))
                    .collect();
                while j < b.len() && !b[j..].starts_with(&close) {
                    j += 1;
                }
                i = j + close.len();
                out.push_str("\"\"");
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                out.push_str("\"\"");
            }
            b'\'' => {
                // A char literal ('a', '\n', '\'') or a lifetime ('a).
                if b.get(i + 1) == Some(&b'\\') {
                    let mut j = i + 2;
                    while j < b.len() && b[j] != b'\'' {
                        j += 1;
                    }
                    i = j + 1;
                    out.push_str("' '");
                } else if b.get(i + 2) == Some(&b'\'') {
                    i += 3;
                    out.push_str("' '");
                } else {
                    out.push('\'');
                    i += 1;
                }
            }
            _ => {
                // Copy one whole UTF-8 character.
                let ch = s[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

/// `s` without `#[cfg(test)]` items (test modules see everything).
fn strip_tests(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        // The item ends at its `;` or at the brace matching its first `{`.
        let semi = after.find(';');
        let brace = after.find('{');
        let end = match (brace, semi) {
            (Some(b), Some(sc)) if sc < b => sc + 1,
            (Some(b), _) => match_brace(after, b).map_or(after.len(), |e| e + 1),
            (None, Some(sc)) => sc + 1,
            (None, None) => after.len(),
        };
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn match_brace(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in s[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The `use` trees of a file: `(is pub, tree text)`.
fn use_statements(s: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let words: Vec<(usize, &str)> = word_starts(s);
    for (at, w) in words {
        if w != "use" {
            continue;
        }
        let before = s[..at].trim_end();
        let is_pub = before.ends_with("pub") || before.ends_with(')') && before.contains("pub(");
        if let Some(end) = s[at..].find(';') {
            out.push((is_pub, s[at + 3..at + end].trim().to_string()));
        }
    }
    out
}

/// `s` without its `use` statements.
fn remove_uses(s: &str) -> String {
    let mut out = String::new();
    let mut last = 0;
    for (at, w) in word_starts(s) {
        if w == "use" && at >= last {
            out.push_str(&s[last..at]);
            last = s[at..].find(';').map_or(s.len(), |e| at + e + 1);
        }
    }
    out.push_str(&s[last.min(s.len())..]);
    out
}

fn word_starts(s: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_alphabetic() || b[i] == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let prev_colon = start >= 1 && b[start - 1] == b':';
            if !prev_colon {
                out.push((start, &s[start..i]));
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The paths a use tree names: `a::{b, c::{d, e}}` → a::b, a::c::d, a::c::e.
fn flatten_use(tree: &str) -> Vec<Vec<String>> {
    fn go(prefix: &[String], t: &str, out: &mut Vec<Vec<String>>) {
        let t = t.trim();
        if let Some(open) = t.find('{') {
            let head: Vec<String> = t[..open]
                .split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            let mut p = prefix.to_vec();
            p.extend(head);
            let close = match_brace(t, open).unwrap_or(t.len() - 1);
            let inner = &t[open + 1..close];
            // Split at top-level commas.
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        go(&p, &inner[start..i], out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            go(&p, &inner[start..], out);
        } else {
            let t = t.split(" as ").next().unwrap_or(t);
            let mut p = prefix.to_vec();
            p.extend(
                t.split("::")
                    .map(str::trim)
                    .filter(|s| !s.is_empty() && *s != "*")
                    .map(String::from),
            );
            if p.last().is_some_and(|l| l == "self") {
                p.pop();
            }
            if !p.is_empty() {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    go(&[], tree, &mut out);
    out
}

/// Paths in code: identifiers joined by `::`.
fn code_paths(s: &str) -> Vec<Vec<String>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let ident_start = b[i].is_ascii_alphabetic() || b[i] == b'_';
        let after_ident = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        let after_colons = i >= 2 && &b[i - 2..i] == b"::";
        if !ident_start || after_ident || after_colons {
            i += 1;
            continue;
        }
        let mut segs = Vec::new();
        let mut j = i;
        loop {
            let start = j;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            segs.push(s[start..j].to_string());
            if b.get(j) == Some(&b':')
                && b.get(j + 1) == Some(&b':')
                && b.get(j + 2)
                    .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
            {
                j += 2;
            } else {
                break;
            }
        }
        if segs.len() > 1 {
            out.push(segs);
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn flattens_use_trees() {
        assert_eq!(
            flatten_use("crate::{graph::{Graph, Node as N}, Report, self}"),
            vec![
                v(&["crate", "graph", "Graph"]),
                v(&["crate", "graph", "Node"]),
                v(&["crate", "Report"]),
                v(&["crate"])
            ]
        );
    }

    #[test]
    fn finds_a_cycle_between_siblings_and_none_in_a_chain() {
        let dir = std::env::temp_dir().join(format!("xtask-deps-{}", std::process::id()));
        let src = dir.join("src");
        std::fs::create_dir_all(src.join("g")).unwrap();
        std::fs::write(src.join("lib.rs"), "mod a; mod b; mod g; pub use a::A;").unwrap();
        std::fs::write(src.join("a.rs"), "pub struct A; fn f() { crate::b::g(); }").unwrap();
        std::fs::write(
            src.join("b.rs"),
            "/* crate::a */ pub fn g() { let s = \"crate::a\"; }",
        )
        .unwrap();
        std::fs::write(src.join("g/mod.rs"), "mod x; pub struct G;").unwrap();
        std::fs::write(src.join("g/x.rs"), "use super::G; fn f(_: G) {}").unwrap();
        assert!(crate_cycles(&src).unwrap().is_empty());
        // b now uses A through the root's re-export: a cycle a <-> b.
        std::fs::write(src.join("b.rs"), "pub fn g() { let _ = crate::A; }").unwrap();
        // And g's own items use its child x: g <-> g::x.
        std::fs::write(
            src.join("g/mod.rs"),
            "mod x; pub struct G; fn h() { x::f; }",
        )
        .unwrap();
        let mut c = crate_cycles(&src).unwrap();
        c.sort();
        assert_eq!(c, vec![v(&["a", "b"]), v(&["g", "g::x"])]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
