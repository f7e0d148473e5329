//! Quantities as the text outputs and the verdicts print them.

/// Bytes in binary units: `512 B`, `3.2 KiB`, `14.0 MiB`.
pub fn format_bytes(v: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut x = v;
    let mut u = 0;
    while x.abs() >= 1024.0 && u < UNITS.len() - 1 {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{x:.0} {}", UNITS[u])
    } else {
        format!("{x:.1} {}", UNITS[u])
    }
}

/// A float with at most `digits` decimals and no trailing zeros, as the
/// text outputs print figures (`1.5`, `12`, `0.004`).
pub fn format_num(v: f64, digits: usize) -> String {
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}
