//! The Go palette: frame colours that tell the Go runtime, the standard
//! library and the program's own code apart.
//!
//! inferno's palettes colour by a hash of the name (`hot`, `mem`, …) or by
//! conventions of other languages (`java`, `rust`, …); none knows Go. This
//! module classifies a frame by the Go package its function belongs to
//! ([`category`]) and gives every category its own hue; the exact shade
//! within the hue comes from a stable hash of the frame's name, so one
//! function has one colour in every graph. Inlined frames are drawn in a
//! pale tint of their category's colour.
//!
//! | category | CPU and other profiles | heap and allocs profiles |
//! |---|---|---|
//! | your code (`main`, module paths) | orange | green |
//! | standard library | green | aqua |
//! | runtime | blue | blue |
//! | other (C, assembly without a package, unknown) | grey | grey |

/// Which part of a Go program a frame belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// The runtime and the internal packages it is built from
    /// (`runtime`, `internal/runtime/...`, `internal/bytealg`, ...).
    Runtime,
    /// Any other standard-library package (`fmt`, `sync`, `crypto/sha256`).
    Standard,
    /// The program's own code and its dependencies: `main` and every
    /// package outside the standard library.
    User,
    /// Frames without a Go package: C or assembly functions, addresses.
    Other,
}

/// An RGB colour.
pub type Rgb = (u8, u8, u8);

/// The top-level directories of the Go standard library (`$GOROOT/src`).
/// Go's own rule ("the first path element has no dot") would also call a
/// module named `workload` standard, so the list is spelled out.
const STD_ROOTS: &[&str] = &[
    "archive",
    "arena",
    "bufio",
    "builtin",
    "bytes",
    "cmp",
    "compress",
    "container",
    "context",
    "crypto",
    "database",
    "debug",
    "embed",
    "encoding",
    "errors",
    "expvar",
    "flag",
    "fmt",
    "go",
    "hash",
    "html",
    "image",
    "index",
    "internal",
    "io",
    "iter",
    "log",
    "maps",
    "math",
    "mime",
    "net",
    "os",
    "path",
    "plugin",
    "reflect",
    "regexp",
    "runtime",
    "slices",
    "sort",
    "strconv",
    "strings",
    "structs",
    "sync",
    "syscall",
    "testing",
    "text",
    "time",
    "unicode",
    "unique",
    "unsafe",
    "vendor",
    "weak",
];

/// Packages that are the runtime in all but name.
const RUNTIME_INTERNALS: &[&str] = &[
    "internal/abi",
    "internal/bytealg",
    "internal/chacha8rand",
    "internal/cpu",
    "internal/goarch",
    "internal/goos",
    "runtime/cgo",
];

/// Classifies a frame by its function name (a Go symbol such as
/// `crypto/sha256.(*digest).Write` or `slices.Sort[go.shape.int]`), or by
/// its source file when it has no function name (files granularity).
pub fn category(function: &str, file: &str) -> Category {
    if !function.is_empty() {
        return match package_path(function) {
            Some(pkg) => category_of_package(pkg),
            None => Category::Other,
        };
    }
    category_of_file(file)
}

/// The package path of a Go symbol: everything up to the first dot after
/// the last slash, ignoring generic type arguments (`[...]` may contain
/// dots and slashes). `None` for names without a package (C, assembly).
pub fn package_path(symbol: &str) -> Option<&str> {
    let s = symbol.find('[').map_or(symbol, |i| &symbol[..i]);
    let after_slash = s.rfind('/').map_or(0, |i| i + 1);
    let dot = s[after_slash..].find('.')? + after_slash;
    if dot == 0 {
        return None;
    }
    Some(&s[..dot])
}

fn category_of_package(pkg: &str) -> Category {
    if pkg == "runtime"
        || pkg.starts_with("runtime/internal/")
        || pkg.starts_with("internal/runtime/")
        || RUNTIME_INTERNALS.contains(&pkg)
    {
        return Category::Runtime;
    }
    let first = pkg.split('/').next().unwrap_or(pkg);
    if STD_ROOTS.contains(&first) {
        Category::Standard
    } else {
        Category::User
    }
}

fn category_of_file(file: &str) -> Category {
    if file.is_empty() || !file.ends_with(".go") {
        return Category::Other;
    }
    // `/usr/local/go/src/fmt/print.go` and, with -trimpath, `fmt/print.go`.
    let rel = file.rfind("/src/").map_or(file, |i| &file[i + 5..]);
    let rel = rel.trim_start_matches('/');
    match rel.rfind('/') {
        Some(i) => category_of_package(&rel[..i]),
        None => Category::User,
    }
}

/// The colour of a frame in the Go palette (`memory` selects the heap
/// variant). `inlined` frames get a pale tint of the same hue.
pub fn go_color(category: Category, name: &str, inlined: bool, memory: bool) -> Rgb {
    let (v1, v2, v3) = name_hash(name);
    // (base, range) per channel: colour = base + range * v.
    let ranges: [(f32, f32); 3] = match (category, memory) {
        (Category::User, false) => [(225.0, 30.0), (115.0, 85.0), (30.0, 50.0)],
        (Category::Standard, false) => [(90.0, 55.0), (180.0, 45.0), (95.0, 55.0)],
        (Category::Runtime, _) => [(110.0, 50.0), (140.0, 50.0), (215.0, 40.0)],
        (Category::User, true) => [(50.0, 70.0), (180.0, 55.0), (50.0, 60.0)],
        (Category::Standard, true) => [(50.0, 60.0), (165.0, 50.0), (165.0, 50.0)],
        (Category::Other, _) => [(165.0, 35.0), (165.0, 35.0), (165.0, 35.0)],
    };
    // Greys get one shade for all channels, so they stay grey.
    let vs = if category == Category::Other {
        [v1, v1, v1]
    } else {
        [v1, v2, v3]
    };
    let mut c = [0u8; 3];
    for i in 0..3 {
        let (base, range) = ranges[i];
        let mut x = base + range * vs[i];
        if inlined {
            // Halfway to white: the same hue, clearly paler.
            x += (255.0 - x) * 0.55;
        }
        c[i] = x.round().clamp(0.0, 255.0) as u8;
    }
    (c[0], c[1], c[2])
}

/// Three stable numbers in [0, 1] from a name (FNV-1a, as inferno's
/// `deterministic` mode): the same function gets the same shade in every
/// graph, on every machine.
fn name_hash(name: &str) -> (f32, f32, f32) {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let a = (h & 0xffff) as f32 / 65535.0;
    let b = ((h >> 16) & 0xffff) as f32 / 65535.0;
    let c = ((h >> 32) & 0xffff) as f32 / 65535.0;
    (a, b, c)
}

/// The fill of a frame in a differential graph: red when it grew, blue
/// when it shrank, white-ish when unchanged. `delta` is the change of the
/// frame's own width (current − base) and `max` the largest |change| of any
/// frame; the square root keeps small changes visible next to large ones.
pub fn diff_color(delta: i64, max: i64) -> Rgb {
    if delta == 0 || max == 0 {
        return (250, 250, 250);
    }
    let t = ((delta.unsigned_abs() as f64) / (max.unsigned_abs() as f64))
        .min(1.0)
        .sqrt();
    // 235 for the smallest change (a visible tint), 80 for the largest.
    let c = (235.0 - 155.0 * t).round() as u8;
    if delta > 0 { (255, c, c) } else { (c, c, 255) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages() {
        assert_eq!(package_path("main.main"), Some("main"));
        assert_eq!(
            package_path("crypto/internal/fips140/sha256.(*Digest).Write"),
            Some("crypto/internal/fips140/sha256")
        );
        assert_eq!(
            package_path("slices.Sort[go.shape.[]int,go.shape.int]"),
            Some("slices")
        );
        assert_eq!(
            package_path("github.com/a/b.(*T).M.func1"),
            Some("github.com/a/b")
        );
        assert_eq!(package_path("cmpbody"), None);
        assert_eq!(package_path(".text"), None);
    }

    #[test]
    fn categories() {
        use Category::*;
        assert_eq!(category("runtime.mallocgc", ""), Runtime);
        assert_eq!(
            category("internal/runtime/atomic.(*Uint64).Load", ""),
            Runtime
        );
        assert_eq!(category("internal/bytealg.IndexByteString", ""), Runtime);
        assert_eq!(category("runtime/trace.WithRegion", ""), Standard);
        assert_eq!(category("internal/sync.(*Mutex).Unlock", ""), Standard);
        assert_eq!(category("crypto/sha256.Sum256", ""), Standard);
        assert_eq!(category("main.hashWorker.func1", ""), User);
        assert_eq!(category("workload/lib.F", ""), User);
        assert_eq!(category("golang.org/x/sync/errgroup.(*Group).Go", ""), User);
        assert_eq!(category("cmpbody", ""), Other);
        assert_eq!(category("", "runtime/proc.go"), Runtime);
        assert_eq!(category("", "/usr/local/go/src/fmt/print.go"), Standard);
        assert_eq!(category("", "workload/main.go"), User);
        assert_eq!(category("", "main.go"), User);
        assert_eq!(category("", ""), Other);
    }

    #[test]
    fn hues_differ_by_category() {
        let user = go_color(Category::User, "main.f", false, false);
        let std = go_color(Category::Standard, "fmt.Println", false, false);
        let rt = go_color(Category::Runtime, "runtime.mallocgc", false, false);
        assert!(user.0 > user.2 + 100, "user code is warm: {user:?}");
        assert!(std.1 > std.0 && std.1 > std.2, "stdlib is green: {std:?}");
        assert!(rt.2 > rt.0 && rt.2 > rt.1, "runtime is blue: {rt:?}");
        let inl = go_color(Category::User, "main.f", true, false);
        assert!(inl.1 > user.1 && inl.2 > user.2, "inlined is paler");
        assert_eq!(go_color(Category::User, "main.f", false, false), user);
    }

    #[test]
    fn diff_colors() {
        assert_eq!(diff_color(0, 10), (250, 250, 250));
        let (r, g, b) = diff_color(10, 10);
        assert!(r == 255 && g == b && g < 100);
        let (r, g, b) = diff_color(-1, 10);
        assert!(b == 255 && r == g && r < 255);
    }
}
