//! Removing uninteresting frames, as pprof's `profile/prune.go` does.
//!
//! A profile can name, in `drop_frames`, functions that are never
//! interesting as leaves (allocators, lock internals, signal handlers), and
//! in `keep_frames` exceptions. pprof's driver calls
//! [`remove_uninteresting`] on every profile after reading it (legacy
//! profiles get their patterns from the legacy reader): from the root
//! towards the leaf, past the first frame that does not match, the stack is
//! cut at the first frame that matches. Patterns are Go regular
//! expressions, matched against whole (simplified) function names.
//!
//! Patterns are compiled with [`crate::goregex::compile_go_regex`], so that
//! they mean what they mean in Go, as for every other pattern option.

pub use crate::error::PruneError;
use crate::model::Profile;
use regex::Regex;
use std::collections::HashMap;

/// pprof's `Profile.RemoveUninteresting`: when the profile has
/// `drop_frames`, prunes with `^(drop_frames)$` and, if set,
/// `^(keep_frames)$` ([`prune`]). A profile without `drop_frames` is left
/// alone. Compilation errors leave the profile unchanged.
pub fn remove_uninteresting(p: &mut Profile) -> Result<(), PruneError> {
    let drop = p.str(p.drop_frames).to_string();
    if drop.is_empty() {
        return Ok(());
    }
    let compile = |s: &str| {
        crate::goregex::compile_go_regex(&format!("^({s})$")).map_err(|error| PruneError {
            pattern: s.to_string(),
            error,
        })
    };
    let drop_rx = compile(&drop)?;
    let keep = p.str(p.keep_frames).to_string();
    let keep_rx = if keep.is_empty() {
        None
    } else {
        Some(compile(&keep)?)
    };
    prune(p, &drop_rx, keep_rx.as_ref());
    Ok(())
}

/// pprof's `Profile.Prune`: removes, in every sample, all frames beneath
/// (leafward of) a frame whose function matches `drop` and not `keep`,
/// scanning from the root and only after the first frame that does not
/// match (so that a stack of matching frames is not emptied). A location
/// whose outermost matching line is not its last keeps the lines above it
/// (inlined callers) and is itself kept; otherwise it goes too.
pub fn prune(p: &mut Profile, drop: &Regex, keep: Option<&Regex>) {
    let nloc = p.locations.len();
    let mut prune_loc = vec![false; nloc];
    let mut prune_beneath = vec![false; nloc];
    let mut cache: HashMap<u32, bool> = HashMap::new();
    for (li, loc) in p.locations.iter_mut().enumerate() {
        let lines = &p.lines[loc.lines.start as usize..loc.lines.end as usize];
        let mut found = None;
        for i in (0..lines.len()).rev() {
            let func = lines[i].function as usize;
            let Some(f) = p.functions.get(func) else {
                continue;
            };
            let name = p.strings.get(f.name);
            if name.is_empty() {
                continue;
            }
            let hit = *cache.entry(f.name).or_insert_with(|| {
                let simple = crate::filter::simplify_func(name);
                drop.is_match(simple) && !keep.is_some_and(|k| k.is_match(simple))
            });
            if hit {
                found = Some(i);
                break;
            }
        }
        if let Some(i) = found {
            prune_beneath[li] = true;
            if i == lines.len() - 1 {
                prune_loc[li] = true;
            } else {
                loc.lines.start += i as u32 + 1;
            }
        }
    }
    if !prune_loc.iter().any(|&x| x) && !prune_beneath.iter().any(|&x| x) {
        return;
    }
    rewrite_stacks(p, |stack| {
        let mut found_user = false;
        for i in (0..stack.len()).rev() {
            let id = stack[i] as usize;
            if !prune_loc[id] && !prune_beneath[id] {
                found_user = true;
                continue;
            }
            if !found_user {
                continue;
            }
            if prune_loc[id] {
                return i + 1;
            }
            if prune_beneath[id] {
                return i;
            }
        }
        0
    });
}

/// Replaces every sample's stack by its suffix from `cut(stack)` on.
fn rewrite_stacks(p: &mut Profile, mut cut: impl FnMut(&[u32]) -> usize) {
    let s = &mut p.samples;
    let mut stacks = Vec::with_capacity(s.stacks.len());
    let mut start = 0usize;
    for end in s.stack_ends.iter_mut() {
        let stack = &s.stacks[start..*end as usize];
        let from = cut(stack).min(stack.len());
        stacks.extend_from_slice(&stack[from..]);
        start = *end as usize;
        *end = stacks.len() as u32;
    }
    s.stacks = stacks;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::ProfileBuilder;
    use crate::model::Line;

    /// A profile with one sample per stack; each frame is a list of
    /// function names (inlined frames innermost first); stacks leaf first.
    fn profile(stacks: &[&[&[&str]]], drop: &str, keep: &str) -> Profile {
        let mut b = ProfileBuilder::new();
        b.add_sample_type("samples", "count");
        for stack in stacks {
            let mut locs = Vec::new();
            for frame in stack.iter() {
                let lines: Vec<Line> = frame
                    .iter()
                    .map(|name| Line {
                        function: b.function(name, name, "f.go", 0),
                        line: 1,
                        column: 0,
                    })
                    .collect();
                // Locations are interned by their lines: equal frames are
                // one location, as in real profiles.
                locs.push(b.location(None, 0x1000, &lines, false));
            }
            b.push_sample(&locs, &[1], &[]);
        }
        let d = b.intern(drop);
        let k = b.intern(keep);
        let mut p = b.finish();
        p.drop_frames = d;
        p.keep_frames = k;
        p
    }

    fn names(p: &Profile, i: usize) -> Vec<String> {
        p.samples
            .stack(i)
            .iter()
            .map(|&l| {
                p.location_lines(l)
                    .iter()
                    .map(|ln| p.str(p.functions[ln.function as usize].name).to_string())
                    .collect::<Vec<_>>()
                    .join("+")
            })
            .collect()
    }

    #[test]
    fn prune_and_prune_from_as_documented_by_pprof() {
        // pprof's example: sample [A,B,C,B,D], A the leaf.
        let s: &[&[&str]] = &[&["A"], &["B"], &["C"], &["B"], &["D"]];
        let rx = |s: &str| crate::goregex::compile_go_regex(&format!("^({s})$")).unwrap();
        let mut p = profile(&[s], "", "");
        crate::filter::prune_from(&mut p, &rx("A"));
        assert_eq!(names(&p, 0), ["A", "B", "C", "B", "D"]);
        let mut p = profile(&[s], "", "");
        prune(&mut p, &rx("A"), None);
        assert_eq!(names(&p, 0), ["B", "C", "B", "D"]);
        let mut p = profile(&[s], "", "");
        crate::filter::prune_from(&mut p, &rx("B"));
        assert_eq!(names(&p, 0), ["B", "C", "B", "D"]);
        let mut p = profile(&[s], "", "");
        prune(&mut p, &rx("B"), None);
        assert_eq!(names(&p, 0), ["D"]);
    }

    #[test]
    fn remove_uninteresting_go_heap_stack() {
        let drop = r"malloc|runtime\..*";
        let keep = r"runtime\.panic|runtime\.reflectcall|runtime\.call[0-9]*";
        let heap: &[&[&str]] = &[
            &["runtime.mallocgc"],
            &["runtime.newobject"],
            &["main.f"],
            &["runtime.call32"],
            &["main.main"],
            &["runtime.main"],
            &["runtime.goexit"],
        ];
        // Matching frames only: nothing is removed.
        let all_runtime: &[&[&str]] = &[&["runtime.mallocgc"], &["runtime.main"]];
        // Inlined: the runtime function inlined into main.g goes, main.g stays.
        let inlined: &[&[&str]] = &[
            &["runtime.mallocgc"],
            &["runtime.roundupsize", "main.g"],
            &["main.main"],
        ];
        let mut p = profile(&[heap, all_runtime, inlined], drop, keep);
        remove_uninteresting(&mut p).unwrap();
        assert_eq!(
            names(&p, 0),
            [
                "main.f",
                "runtime.call32",
                "main.main",
                "runtime.main",
                "runtime.goexit"
            ]
        );
        assert_eq!(names(&p, 1), ["runtime.mallocgc", "runtime.main"]);
        assert_eq!(names(&p, 2), ["main.g", "main.main"]);
        // No drop_frames: untouched; bad patterns: an error naming them.
        let mut p = profile(&[heap], "", keep);
        remove_uninteresting(&mut p).unwrap();
        assert_eq!(p.samples.stack(0).len(), 7);
        let mut p = profile(&[heap], "(", "");
        let e = remove_uninteresting(&mut p).unwrap_err();
        assert!(
            e.to_string().starts_with("failed to compile regexp (: "),
            "{e}"
        );
    }

    #[test]
    fn simplify() {
        assert_eq!(crate::filter::simplify_func(".foo(int)"), "foo");
        assert_eq!(
            crate::filter::simplify_func("(anonymous namespace)::f(int)"),
            "(anonymous namespace)::f"
        );
        assert_eq!(
            crate::filter::simplify_func("A::operator()(int)"),
            "A::operator()"
        );
        assert_eq!(crate::filter::simplify_func("main.(*T).m"), "main.");
        assert_eq!(crate::filter::simplify_func("plain"), "plain");
    }

    #[test]
    fn go_syntax() {
        let m = |p: &str, s: &str| crate::goregex::compile_go_regex(p).unwrap().is_match(s);
        assert!(m(r"^\d+$", "123"));
        assert!(!m(r"^\d+$", "١٢٣"));
        assert!(!m(r"^\w$", "é"));
        assert!(m(r"^[\w.]+$", "a.b_c"));
        assert!(m(r"^[^\d]$", "x"));
        assert!(m(r"^\Q(a+b)\E$", "(a+b)"));
        assert!(m(r"^a{$", "a{"));
        assert!(m(r"^a{2}$", "aa"));
        assert!(m(r"^[a[]+$", "a[a"));
        assert!(m(r"^[a&&b]+$", "a&b"));
        assert!(m(r"^[[:alpha:]]+$", "abc"));
        assert!(m(r"^\101$", "A"));
        assert!(m(r"^\<x\>$", "<x>"));
        assert!(m(r"^[]a]+$", "]a"));
        assert!(m(r"^[^]a]+$", "bc"));
        assert!(m(r"\bfoo\b", "a foo b"));
        assert!(m(r"^operator new(\[\])?$", "operator new[]"));
        assert!(crate::goregex::compile_go_regex("(").is_err());
    }
}
