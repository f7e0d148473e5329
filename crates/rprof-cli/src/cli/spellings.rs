//! pprof's spellings of options, rewritten onto rprof's before clap parses.
//!
//! pprof users type `-nodecount=5 -sample_index=alloc_space -lines -cum`
//! from memory (Go's flag package: one or two dashes, `-name=value` or
//! `-name value`, `-flag=false`). [`pprof_spellings`] maps each such word
//! onto the long option of the command being parsed: one dash becomes two,
//! underscores become hyphens, pprof's granularity flags (`-lines`,
//! `-files`, `-functions`, `-filefunctions`, `-addresses`) become
//! `--granularity=…`, `-trim=false` becomes `--no-trim`, and a boolean
//! given `=false` is dropped. The names come from clap's own command tree,
//! so every long option of the command is covered and nothing else is
//! touched: single-letter options (`-o FILE`), values, negative numbers,
//! and everything after `--` pass through. An unknown `-word` becomes
//! `--word`, so that clap's usage error suggests the option meant.

use clap::{Command, CommandFactory};
use std::ffi::OsString;

/// pprof's granularity flags, which are values of `--granularity` here.
const GRANULARITIES: &[&str] = &["functions", "filefunctions", "files", "lines", "addresses"];

/// Rewrites pprof's spellings in `args` (argv, program name first) onto
/// rprof's long options; see the module documentation.
pub fn pprof_spellings(args: Vec<OsString>) -> Vec<OsString> {
    let mut root = super::Cli::command();
    // Global options reach the subcommands only once the tree is built.
    root.build();
    let mut cur: &Command = &root;
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.into_iter();
    out.extend(iter.next());
    let mut value_next = false;
    let mut positional_seen = false;
    let mut verbatim = false;
    for arg in iter {
        let Some(w) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if verbatim || value_next {
            value_next = false;
            out.push(arg);
            continue;
        }
        if w == "--" {
            verbatim = true;
            out.push(arg);
            continue;
        }
        if !w.starts_with('-') || w == "-" {
            if !positional_seen && let Some(sub) = cur.find_subcommand(w) {
                cur = sub;
            } else {
                positional_seen = true;
            }
            out.push(arg);
            continue;
        }
        let (words, next) = rewrite(cur, w);
        value_next = next;
        out.extend(words.into_iter().map(OsString::from));
    }
    out
}

/// The words one option word becomes, and whether the next word is its
/// value (`-nodecount 5`).
fn rewrite(cmd: &Command, word: &str) -> (Vec<String>, bool) {
    let keep = || (vec![word.to_string()], false);
    let dashes = if word.starts_with("--") { 2 } else { 1 };
    let body = &word[dashes..];
    // Negative numbers and oddities are values, not options.
    if !body.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return keep();
    }
    let (name, value) = match body.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (body, None),
    };
    if dashes == 1 && name.chars().count() == 1 {
        // A short option (`-o`); its value may follow.
        let takes_value = cmd
            .get_arguments()
            .find(|a| a.get_short().is_some_and(|s| name.starts_with(s)))
            .is_some_and(|a| a.get_action().takes_values());
        return (vec![word.to_string()], takes_value && value.is_none());
    }
    let norm = name.replace('_', "-");
    let long = |n: &str| cmd.get_arguments().find(|a| a.get_long() == Some(n));
    if GRANULARITIES.contains(&norm.as_str()) && long("granularity").is_some() {
        return match value.map(go_bool) {
            None | Some(Some(true)) => (vec![format!("--granularity={norm}")], false),
            Some(Some(false)) => (Vec::new(), false),
            Some(None) => keep(),
        };
    }
    if norm == "trim" && long("no-trim").is_some() {
        return match value.map(go_bool) {
            None | Some(Some(true)) => (Vec::new(), false),
            Some(Some(false)) => (vec!["--no-trim".to_string()], false),
            Some(None) => keep(),
        };
    }
    match long(&norm) {
        Some(a) if a.get_action().takes_values() => match value {
            Some(v) => (vec![format!("--{norm}={v}")], false),
            None => (vec![format!("--{norm}")], true),
        },
        Some(_) => match value.map(go_bool) {
            None | Some(Some(true)) => (vec![format!("--{norm}")], false),
            // `-cum=false`: the default, as if not given.
            Some(Some(false)) => (Vec::new(), false),
            Some(None) => (
                vec![format!("--{norm}={}", value.unwrap_or_default())],
                false,
            ),
        },
        None if dashes == 1 => {
            // A short option with its value attached (`-ofile.svg`) stays.
            let first = name.chars().next();
            if cmd
                .get_arguments()
                .any(|a| a.get_short().is_some() && a.get_short() == first)
            {
                return keep();
            }
            // Unknown: with two dashes clap names it and suggests the
            // option meant.
            (vec![format!("-{word}")], false)
        }
        None => keep(),
    }
}

/// Go's `strconv.ParseBool`, which the flag package uses for `-flag=value`.
fn go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(line: &str) -> String {
        let args: Vec<OsString> = line.split(' ').map(OsString::from).collect();
        pprof_spellings(args)
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn pprof_words_become_long_options() {
        assert_eq!(
            rw("rprof top -nodecount=5 -sample_index=alloc_space f"),
            "rprof top --nodecount=5 --sample-index=alloc_space f"
        );
        assert_eq!(
            rw("rprof top -lines -flat -focus=main\\. f"),
            "rprof top --granularity=lines --flat --focus=main\\. f"
        );
        assert_eq!(
            rw("rprof tree --files -addresses -functions -filefunctions f"),
            "rprof tree --granularity=files --granularity=addresses \
             --granularity=functions --granularity=filefunctions f"
        );
        assert_eq!(
            rw("rprof top -nodecount 5 -trim=false -cum=false -show_from x f"),
            "rprof top --nodecount 5 --no-trim --show-from x f"
        );
        assert_eq!(
            rw("rprof raw -drop_negative f"),
            "rprof raw --drop-negative f"
        );
    }

    #[test]
    fn shorts_values_and_numbers_pass_through() {
        assert_eq!(rw("rprof top -o out.txt f"), "rprof top -o out.txt f");
        assert_eq!(rw("rprof top -oout.txt f"), "rprof top -oout.txt f");
        // The value of an option is never rewritten, nor anything after --.
        assert_eq!(
            rw("rprof top --focus -lines f"),
            "rprof top --focus -lines f"
        );
        assert_eq!(rw("rprof top -- -lines"), "rprof top -- -lines");
        assert_eq!(rw("rprof gops 1 setgc -1"), "rprof gops 1 setgc -1");
        // Global options before the subcommand.
        assert_eq!(
            rw("rprof -max_inflate=8g top f"),
            "rprof --max-inflate=8g top f"
        );
        // A profile named like a command is a profile.
        assert_eq!(
            rw("rprof top top -lines"),
            "rprof top top --granularity=lines"
        );
    }

    #[test]
    fn unknown_words_get_two_dashes_for_clap_to_suggest() {
        assert_eq!(rw("rprof top -nodecont=5 f"), "rprof top --nodecont=5 f");
        assert_eq!(rw("rprof top -n f"), "rprof top -n f");
    }
}
