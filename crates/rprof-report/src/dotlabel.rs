//! Text and colours of DOT graph elements, as pprof's `graph/dotgraph.go`
//! and `graph.ShortenFunctionName` produce them.

use regex::Regex;
use rprof_profile::gomath;
use std::sync::LazyLock;

// Go's `\w` and `\d` are ASCII-only; Rust's are Unicode, so they are
// spelled out.
static CPP_ANONYMOUS_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\(anonymous namespace\)::").unwrap());
static GO_VER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(.*?)/v(?:[2-9]|[1-9][0-9]+)([./].*)$").unwrap());
static GO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:[0-9A-Za-z_\-\.]+/)+([^.]+\..+)").unwrap());
static JAVA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[a-z][0-9A-Za-z_]*\.)*([A-Z][0-9A-Za-z_\$]*\.(?:<init>|[a-z][0-9A-Za-z_\$]*(?:\$[0-9]+)?))(?:(?:\()|$)",
    )
    .unwrap()
});
static CPP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[_a-zA-Z][0-9A-Za-z_]*::)+(_*[A-Z][0-9A-Za-z_]*::~?[_a-zA-Z][0-9A-Za-z_]*(?:<.*>)?)",
    )
    .unwrap()
});

/// pprof's `ShortenFunctionName`: the package path (and a Go module
/// version, a C++ namespace, Java packages) stripped from a function name.
pub fn shorten_function_name(f: &str) -> String {
    let f = CPP_ANONYMOUS_PREFIX.replace_all(f, "");
    let f = GO_VER.replace_all(&f, "${1}${2}");
    for re in [&*GO, &*JAVA, &*CPP] {
        if let Some(c) = re.captures(&f) {
            return c
                .iter()
                .skip(1)
                .map(|m| m.map_or("", |m| m.as_str()))
                .collect();
        }
    }
    f.into_owned()
}

/// pprof's `escapeForDot`: backslashes and double quotes escaped, newlines
/// turned into Graphviz's left-justified line break `\l`.
pub fn escape_for_dot(s: &str) -> String {
    s.replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\l")
}

/// pprof's `dotColor`: a colour for `score` in [-1, 1] (clamped): green
/// for negative, grey near zero, red for positive; light when
/// `background`.
pub fn dot_color(score: f64, background: bool) -> String {
    const SHIFT_EXP: f64 = 0.3; // Go's constant expression 1.0 - 0.7, exactly.
    let (mut saturation, value) = if background { (0.1, 0.93) } else { (1.0, 0.7) };
    let mut score = gomath::max(-1.0, gomath::min(1.0, score));
    if score.abs() < 0.2 {
        saturation *= score.abs() / 0.2;
    }
    if score > 0.0 {
        score = gomath::pow(score, SHIFT_EXP);
    }
    if score < 0.0 {
        score = -gomath::pow(-score, SHIFT_EXP);
    }
    let (r, g);
    if score < 0.0 {
        g = value;
        r = value * (1.0 + saturation * score);
    } else {
        r = value;
        g = value * (1.0 - saturation * score);
    }
    let b = value * (1.0 - saturation);
    let byte = |x: f64| rprof_profile::measurement::go_f64_to_i64(x * 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", byte(r), byte(g), byte(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten() {
        assert_eq!(
            shorten_function_name("crypto/internal/fips140/sha256.blockSHANI"),
            "sha256.blockSHANI"
        );
        assert_eq!(shorten_function_name("main.main.func1"), "main.main.func1");
        assert_eq!(shorten_function_name("github.com/x/y/v2/pkg.F"), "pkg.F");
        assert_eq!(shorten_function_name("runtime/pprof.Do"), "pprof.Do");
        assert_eq!(
            shorten_function_name("slices.partitionOrdered[go.shape.int]"),
            "slices.partitionOrdered[go.shape.int]"
        );
    }

    #[test]
    fn colors() {
        // From pprof's own output.
        assert_eq!(dot_color(740.0 / 750.0, false), "#b20000");
        assert_eq!(dot_color(740.0 / 750.0, true), "#edd5d5");
        assert_eq!(dot_color(430.0 / 750.0, false), "#b21b00");
        assert_eq!(dot_color(30.0 / 750.0, false), "#b2a48e");
        assert_eq!(dot_color(30.0 / 750.0, true), "#edebe8");
    }
}
