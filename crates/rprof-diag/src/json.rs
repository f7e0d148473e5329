//! JSON: the summaries as they are (every struct of this crate is
//! `Serialize`), pretty-printed. NaN (a snapshot without some metric)
//! becomes `null`.

use serde::Serialize;

/// `value` as pretty JSON with a final newline.
pub fn to_json<T: Serialize>(value: &T) -> String {
    // The summaries hold only strings, numbers, options and vectors:
    // serialising them cannot fail.
    let mut s = serde_json::to_string_pretty(value)
        .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string());
    s.push('\n');
    s
}
