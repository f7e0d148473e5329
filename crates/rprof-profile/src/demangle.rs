//! Function names as pprof's symbolizer leaves them (its `Demangle` step,
//! `internal/symbolizer`), which it runs on every profile it reads, before
//! dropping uninteresting frames.
//!
//! For each function whose name is empty or equal to its system name:
//!
//! 1. a C++ (Itanium ABI) mangled system name (`_ZN3foo3barEv`, or with
//!    the extra leading `_` of macOS) is demangled, by `cpp_demangle`,
//!    and simplified as the mode says;
//! 2. otherwise a name that *looks* demangled — it contains `<`, `>`, `[`,
//!    `]` or `::`, but neither `.<` (Java's `class.<init>`) nor `]).`
//!    (Go's `pkg.(*T[...]).Method`) — loses every balanced `(...)` group
//!    and, in the default mode, every balanced `<...>` group. So Go
//!    generic instantiations change: `main.Apply[go.shape.func(int) (int,
//!    error)]` becomes `main.Apply[go.shape.func ]`.
//!
//! The name is changed, the system name kept, so `proto` and `merge` write
//! both, as pprof does.

use crate::model::Profile;

/// pprof's `-symbolize=demangle=…`: how much of a C++ name is kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DemangleMode {
    /// pprof's default: no parameters, no template arguments, no return
    /// type; names already demangled are left as they are.
    #[default]
    Default,
    /// `demangle=templates`: no parameters, no return type; every name is
    /// demangled again from its system name.
    Templates,
    /// `demangle=full`: the whole demangled name (without clone suffixes);
    /// every name is demangled again from its system name.
    Full,
    /// `demangle=none`: system names as they are; every name is reset to
    /// its system name.
    None,
}

/// Why a `--symbolize` value was refused.
#[derive(Debug, thiserror::Error)]
#[error(
    "unrecognized symbolization option {0:?}: expecting [local|fastlocal|remote|none][:force][:demangle=[none|full|templates|default]]"
)]
pub struct SymbolizeError(pub String);

/// What pprof's `-symbolize` option asks of an offline tool: whether to
/// demangle at all, how, and whether existing names are replaced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Symbolize {
    /// `none`: no symbolization step at all, so no demangling either.
    pub off: bool,
    /// `force` (implied by `demangle=…`): names are demangled again from
    /// their system names.
    pub force: bool,
    /// How names are demangled.
    pub mode: DemangleMode,
}

impl std::str::FromStr for Symbolize {
    type Err = SymbolizeError;

    /// pprof's syntax: `:`-separated words, case-insensitive. `local`,
    /// `fastlocal` and `remote` are accepted and change nothing here: the
    /// profiles rprof reads are symbolized already.
    fn from_str(s: &str) -> Result<Self, SymbolizeError> {
        let mut out = Symbolize::default();
        for o in s.to_ascii_lowercase().split(':') {
            match o {
                "" | "local" | "fastlocal" | "remote" => {}
                "none" | "no" => out.off = true,
                "force" => out.force = true,
                other => {
                    out.mode = match other.strip_prefix("demangle=").unwrap_or(other) {
                        "full" => DemangleMode::Full,
                        "none" => DemangleMode::None,
                        "templates" => DemangleMode::Templates,
                        "default" => continue,
                        _ => return Err(SymbolizeError(s.to_string())),
                    };
                    out.force = true;
                }
            }
        }
        Ok(out)
    }
}

/// pprof's `symbolizer.Demangle` over every function of `p`, as
/// [`Symbolize`] says (see the module documentation).
pub fn demangle(p: &mut Profile, opts: Symbolize) {
    if opts.off {
        return;
    }
    let mut changes = Vec::new();
    for (i, f) in p.functions.iter().enumerate() {
        let name = p.str(f.name);
        let system = p.str(f.system_name);
        let mut current = name;
        if opts.force && !name.is_empty() && !system.is_empty() {
            current = system;
        }
        let new = if opts.mode == DemangleMode::None {
            None
        } else if !current.is_empty() && system != current {
            // Already demangled.
            None
        } else {
            Some(demangle_name(system, opts.mode))
        };
        match new {
            Some(n) if n != name => changes.push((i, n)),
            None if current != name => changes.push((i, current.to_string())),
            _ => {}
        }
    }
    for (i, n) in changes {
        let id = p.strings.push(&n);
        p.functions[i].name = id;
    }
}

/// pprof's `demangleSingleFunction` for one system name.
fn demangle_name(system: &str, mode: DemangleMode) -> String {
    if let Some(d) = demangle_cpp(system, mode) {
        return d;
    }
    // macOS prefixes every symbol with an extra `_`.
    if let Some(rest) = system.strip_prefix('_')
        && let Some(d) = demangle_cpp(rest, mode)
    {
        return d;
    }
    let mut name = system.to_string();
    if looks_like_demangled_cplusplus(&name) {
        if mode != DemangleMode::Full {
            name = remove_matching(&name, b'(', b')');
        }
        if mode == DemangleMode::Default {
            name = remove_matching(&name, b'<', b'>');
        }
    }
    name
}

/// A mangled C++ name demangled and simplified for `mode`, or `None` when
/// it is not one (Go's `demangle.Filter` returns such names unchanged).
fn demangle_cpp(name: &str, mode: DemangleMode) -> Option<String> {
    if !name.starts_with("_Z") {
        return None;
    }
    let sym = cpp_demangle::Symbol::new(name.as_bytes()).ok()?;
    let mut opts = cpp_demangle::DemangleOptions::new();
    if mode != DemangleMode::Full {
        opts = opts.no_params().no_return_type();
    }
    let mut out = sym.demangle_with_options(&opts).ok()?;
    // Go's NoClones (full) and NoParams drop `[clone .isra.0]` suffixes.
    while let Some(i) = out.find(" [clone ") {
        let end = out[i..].find(']').map_or(out.len(), |j| i + j + 1);
        out.replace_range(i..end, "");
    }
    if mode != DemangleMode::Full {
        // Go's NoEnclosingParams: `f(int)::local` is `f::local`;
        // `(anonymous namespace)` is a name, not parameters.
        const ANON: &str = "(anonymous namespace)";
        const HIDDEN: &str = "\u{1}anonymous namespace\u{2}";
        out = remove_matching(&out.replace(ANON, HIDDEN), b'(', b')').replace(HIDDEN, ANON);
    }
    if mode == DemangleMode::Default {
        out = remove_matching(&out, b'<', b'>');
    }
    (out != name).then_some(out)
}

/// pprof's `looksLikeDemangledCPlusPlus`.
fn looks_like_demangled_cplusplus(name: &str) -> bool {
    if name.contains(".<") || name.contains("]).") {
        return false;
    }
    name.contains(['<', '>', '[', ']']) || name.contains("::")
}

/// pprof's `removeMatching`: removes every outermost balanced
/// `start`…`end` group; on a stray `end` the name is returned as it was
/// when the stray was met. Byte-wise, as Go's: the delimiters are ASCII,
/// so every cut is on a character boundary.
fn remove_matching(name: &str, start: u8, end: u8) -> String {
    let mut name = name.as_bytes().to_vec();
    let mut nesting = 0i32;
    let mut first = 0usize;
    let mut current = 0usize;
    while current < name.len() {
        let c = name[current];
        if c == start {
            nesting += 1;
            if nesting == 1 {
                first = current;
            }
        } else if c == end {
            nesting -= 1;
            if nesting < 0 {
                break;
            }
            if nesting == 0 {
                name.drain(first..=current);
                current = first;
                continue;
            }
        }
        current += 1;
    }
    String::from_utf8(name).expect("cuts at ASCII bytes keep UTF-8 valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_generic_names_lose_parenthesised_groups() {
        let d = |s| demangle_name(s, DemangleMode::Default);
        assert_eq!(
            d("main.Apply[go.shape.func(int) (int, error)]"),
            "main.Apply[go.shape.func ]"
        );
        assert_eq!(
            d("crypto/hmac.New[go.shape.interface { BlockSize() int; Reset() }]"),
            "crypto/hmac.New[go.shape.interface { BlockSize int; Reset }]"
        );
        // Methods of generic types and Java constructors are left alone.
        assert_eq!(
            d("main.(*List[go.shape.int]).Push"),
            "main.(*List[go.shape.int]).Push"
        );
        assert_eq!(d("java.lang.Object.<init>"), "java.lang.Object.<init>");
        assert_eq!(d("main.main.func1"), "main.main.func1");
        assert_eq!(d("a::b<c<d>>(int)"), "a::b");
        assert_eq!(
            demangle_name("a::b<c<d>>(int)", DemangleMode::Templates),
            "a::b<c<d>>"
        );
        // A stray closing bracket stops the removal where it is.
        assert_eq!(remove_matching("a(b)c)d(e)", b'(', b')'), "ac)d(e)");
        assert_eq!(d("größe::f(ä)"), "größe::f");
    }

    #[test]
    fn cpp_names_are_demangled() {
        let d = demangle_name;
        assert_eq!(d("_ZN3foo3barEv", DemangleMode::Default), "foo::bar");
        assert_eq!(d("__ZN3foo3barEv", DemangleMode::Default), "foo::bar");
        assert_eq!(d("_ZN3foo3bazIiEEvT_", DemangleMode::Default), "foo::baz");
        assert_eq!(
            d("_ZN3foo3bazIiEEvT_", DemangleMode::Templates),
            "foo::baz<int>"
        );
        assert_eq!(
            d("_ZN3foo3bazIiEEvT_", DemangleMode::Full),
            "void foo::baz<int>(int)"
        );
        assert_eq!(
            d("_ZN12_GLOBAL__N_13fooEv", DemangleMode::Default),
            "(anonymous namespace)::foo"
        );
    }

    #[test]
    fn symbolize_option_parses_as_pprof() {
        let s = |v: &str| v.parse::<Symbolize>().unwrap();
        assert_eq!(s(""), Symbolize::default());
        assert!(s("none").off);
        assert_eq!(
            s("demangle=full"),
            Symbolize {
                off: false,
                force: true,
                mode: DemangleMode::Full
            }
        );
        assert_eq!(s("local:demangle=templates").mode, DemangleMode::Templates);
        assert_eq!(s("demangle=default"), Symbolize::default());
        assert!("demangle=fancy".parse::<Symbolize>().is_err());
    }
}
