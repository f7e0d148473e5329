//! What every page shares: the layout's header ([`Chrome`]: title,
//! menus, details box, errors), the embedded assets, and data for the
//! page's script.
//!
//! Pages are askama templates that `{% extends "layout.html" %}` and have
//! a `chrome: Chrome` field and a `data: PageData` field. The layout
//! links the scripts and styles in [`Chrome::scripts`]/[`Chrome::styles`]
//! from `/assets/` (served by [`assets_router`]), or, for a standalone
//! file ([`Chrome::standalone`]), inlines them. Data reaches scripts only
//! as JSON inside `<script type="application/json" id="page-data">`
//! ([`PageData`]), never as markup: scripts read it with `JSON.parse` and
//! put strings into the page with `textContent`.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// A file embedded in the binary, served under `/assets/NAME`.
pub struct Asset {
    /// The file name (`flame.js`).
    pub name: &'static str,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its bytes.
    pub body: &'static str,
}

/// The assets of the profile views (and the shared look).
pub const ASSETS: &[Asset] = &[
    Asset {
        name: "rprof.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../assets/rprof.css"),
    },
    Asset {
        name: "common.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../assets/common.js"),
    },
    Asset {
        name: "flame.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../assets/flame.js"),
    },
    Asset {
        name: "top.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../assets/top.js"),
    },
    Asset {
        name: "graph.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../assets/graph.js"),
    },
];

/// A router serving `assets` at `/assets/{name}`.
pub fn assets_router<S: Clone + Send + Sync + 'static>(assets: &'static [Asset]) -> Router<S> {
    assets_router_of(vec![assets])
}

/// A router serving several sets of assets at `/assets/{name}` (one
/// route: a router cannot have it twice; the names must differ).
pub fn assets_router_of<S: Clone + Send + Sync + 'static>(
    sets: Vec<&'static [Asset]>,
) -> Router<S> {
    let sets = std::sync::Arc::new(sets);
    Router::new().route(
        "/assets/{name}",
        get(move |Path(name): Path<String>| async move { serve_asset(&sets, &name) }),
    )
}

fn serve_asset(sets: &[&'static [Asset]], name: &str) -> Response {
    match sets.iter().flat_map(|s| s.iter()).find(|a| a.name == name) {
        Some(a) => {
            let mut r = a.body.into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(a.content_type),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("max-age=3600"),
            );
            r
        }
        None => (StatusCode::NOT_FOUND, "no such asset\n").into_response(),
    }
}

/// The text of an embedded asset (for standalone pages).
pub fn asset(assets: &[Asset], name: &str) -> &'static str {
    assets
        .iter()
        .find(|a| a.name == name)
        .map(|a| a.body)
        .unwrap_or("")
}

/// One entry of a header menu.
#[derive(Clone, Debug, Default)]
pub struct MenuItem {
    /// What it says.
    pub label: String,
    /// Where it goes (`#` for items a script acts on).
    pub href: String,
    /// Element id, for scripts and tests (may be empty).
    pub id: String,
    /// Tooltip.
    pub title: String,
    /// Shown with a check mark (the current choice).
    pub checked: bool,
}

impl MenuItem {
    /// A link.
    pub fn link(label: impl Into<String>, href: impl Into<String>) -> Self {
        MenuItem {
            label: label.into(),
            href: href.into(),
            ..Default::default()
        }
    }

    /// With an element id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// With a tooltip.
    pub fn title(mut self, t: impl Into<String>) -> Self {
        self.title = t.into();
        self
    }

    /// Checked when `c`.
    pub fn checked(mut self, c: bool) -> Self {
        self.checked = c;
        self
    }
}

/// A header menu.
#[derive(Clone, Debug, Default)]
pub struct Menu {
    /// Its name in the bar.
    pub label: String,
    /// Element id.
    pub id: String,
    /// Its entries; an entry labelled `-` is a separator.
    pub items: Vec<MenuItem>,
}

/// Everything the layout draws around a view.
#[derive(Clone, Debug, Default)]
pub struct Chrome {
    /// The page title (the browser tab).
    pub title: String,
    /// Where the brand link goes.
    pub home: String,
    /// What the details link says (file and type).
    pub subtitle: String,
    /// Lines of the details box (the report's legend).
    pub legend: Vec<String>,
    /// The header menus.
    pub menus: Vec<Menu>,
    /// Whether the header has the search box.
    pub search: bool,
    /// Warnings and errors to show above the view.
    pub errors: Vec<String>,
    /// Stylesheets (asset names).
    pub styles: Vec<&'static str>,
    /// Scripts (asset names), in order.
    pub scripts: Vec<&'static str>,
    /// Inline the assets instead of linking them (a file opened from
    /// `file://`).
    pub standalone: bool,
    /// The assets' text when standalone (filled by [`Chrome::inline`]).
    pub inline_css: String,
    /// The scripts' text when standalone.
    pub inline_js: String,
    /// Reload the page after this many seconds (0: never): pages waiting
    /// for the trace's index.
    pub refresh: u32,
}

impl Chrome {
    /// Makes the page standalone: `assets`' styles and scripts inlined.
    pub fn inline(&mut self, assets: &[Asset]) {
        self.standalone = true;
        self.inline_css = self.styles.iter().map(|s| asset(assets, s)).collect();
        // A `</script` inside a script would end it early; ours have none,
        // and this keeps it so.
        self.inline_js = self
            .scripts
            .iter()
            .map(|s| asset(assets, s).replace("</script", "<\\/script"))
            .collect::<Vec<_>>()
            .join("\n;\n");
    }
}

/// JSON for a page's script, safe inside `<script type="application/json">`:
/// `<`, `>` and `&` are written as `\u003c`… so no string can end the
/// element or open a comment, and U+2028/2029 as escapes too.
#[derive(Clone, Debug, Default)]
pub struct PageData(String);

impl PageData {
    /// Serializes `v`.
    pub fn new(v: &impl serde::Serialize) -> Self {
        let s = serde_json::to_string(v).unwrap_or_else(|_| "null".into());
        PageData(escape_json_for_html(&s))
    }

    /// The escaped JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PageData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// See [`PageData`].
pub fn escape_json_for_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_cannot_close_the_script() {
        let d = PageData::new(&serde_json::json!({"n": "</script><script>alert(1)</script>&"}));
        assert!(!d.as_str().contains('<'));
        assert!(!d.as_str().contains('>'));
        let back: serde_json::Value = serde_json::from_str(d.as_str()).unwrap();
        assert_eq!(back["n"], "</script><script>alert(1)</script>&");
    }
}
