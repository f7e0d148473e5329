//! A parser for the part of Graphviz's DOT language that pprof's graphs
//! use: one `digraph`, `node`/`edge` default attributes, (cluster)
//! subgraphs, node statements and edge chains with `[name=value ...]`
//! attribute lists, quoted and bare ids, comments. Ports, HTML labels and
//! undirected graphs are not supported.
//!
//! Values are kept as DOT has them after lexing: `\"` becomes `"`, every
//! other backslash sequence (`\n`, `\l`, `\\`) stays for [`unescape`] or
//! the label splitter of the renderer to interpret.

use super::SvgError;

/// Attributes in the order they were set (a later setting replaces an
/// earlier one in place).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attrs(pub Vec<(String, String)>);

impl Attrs {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn set(&mut self, name: &str, value: &str) {
        match self.0.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v = value.to_string(),
            None => self.0.push((name.to_string(), value.to_string())),
        }
    }

    fn merge(&mut self, other: &Attrs) {
        for (k, v) in &other.0 {
            self.set(k, v);
        }
    }

    /// A numeric attribute, when it is set and is a number.
    pub fn number(&self, name: &str) -> Option<f64> {
        self.get(name)
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: String,
    pub attrs: Attrs,
    /// Index into [`Graph::clusters`] of the innermost cluster subgraph the
    /// node was first named in.
    pub cluster: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub attrs: Attrs,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub name: String,
    pub attrs: Attrs,
}

/// A parsed graph: nodes in the order they were first named, edges in
/// statement order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Graph {
    /// The graph's name.
    pub name: String,
    /// Graph-level attributes.
    pub attrs: Attrs,
    /// The nodes.
    pub nodes: Vec<Node>,
    /// The edges.
    pub edges: Vec<Edge>,
    /// The subgraph clusters (pprof's legend).
    pub clusters: Vec<Cluster>,
}

/// Interprets the backslash sequences of a DOT string for plain text such
/// as a tooltip: `\n`, `\l` and `\r` become newlines, `\X` becomes `X`.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'l' | 'r') => out.push('\n'),
            Some(c) => out.push(c),
            None => out.push('\\'),
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Id(String),
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Eq,
    Semi,
    Comma,
    Arrow,
    Colon,
}

struct Lexer<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    line: usize,
}

impl<'a> Lexer<'a> {
    fn err(&self, message: impl Into<String>) -> SvgError {
        SvgError::Dot {
            line: self.line,
            message: message.into(),
        }
    }

    fn skip_space(&mut self) -> Result<(), SvgError> {
        let at_line_start = |l: &Lexer| l.i == 0 || l.s[l.i - 1] == b'\n';
        while self.i < self.s.len() {
            let c = self.s[self.i];
            if c == b'\n' {
                self.line += 1;
                self.i += 1;
            } else if c.is_ascii_whitespace() {
                self.i += 1;
            } else if (c == b'#' && at_line_start(self)) || self.s[self.i..].starts_with(b"//") {
                while self.i < self.s.len() && self.s[self.i] != b'\n' {
                    self.i += 1;
                }
            } else if self.s[self.i..].starts_with(b"/*") {
                let start_line = self.line;
                self.i += 2;
                loop {
                    if self.i >= self.s.len() {
                        self.line = start_line;
                        return Err(self.err("unterminated comment"));
                    }
                    if self.s[self.i..].starts_with(b"*/") {
                        self.i += 2;
                        break;
                    }
                    if self.s[self.i] == b'\n' {
                        self.line += 1;
                    }
                    self.i += 1;
                }
            } else {
                break;
            }
        }
        Ok(())
    }

    /// The next token and the line it starts on; `None` at the end.
    fn next(&mut self) -> Result<Option<(Tok, usize)>, SvgError> {
        self.skip_space()?;
        let line = self.line;
        let Some(&c) = self.s.get(self.i) else {
            return Ok(None);
        };
        let single = match c {
            b'{' => Some(Tok::LBrace),
            b'}' => Some(Tok::RBrace),
            b'[' => Some(Tok::LBracket),
            b']' => Some(Tok::RBracket),
            b'=' => Some(Tok::Eq),
            b';' => Some(Tok::Semi),
            b',' => Some(Tok::Comma),
            b':' => Some(Tok::Colon),
            _ => None,
        };
        if let Some(t) = single {
            self.i += 1;
            return Ok(Some((t, line)));
        }
        if self.s[self.i..].starts_with(b"->") {
            self.i += 2;
            return Ok(Some((Tok::Arrow, line)));
        }
        if self.s[self.i..].starts_with(b"--") {
            return Err(self.err("undirected edges (--) are not supported"));
        }
        if c == b'"' {
            return self.quoted().map(|s| Some((Tok::Id(s), line)));
        }
        if c == b'<' {
            return Err(self.err("HTML-like labels are not supported"));
        }
        let start = self.i;
        while self.i < self.s.len() {
            let c = self.s[self.i];
            let id_char = c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c >= 0x80;
            // A leading minus belongs to a number (`-1.5`).
            let minus = c == b'-' && self.i == start && !self.s[self.i..].starts_with(b"->");
            if !(id_char || minus) {
                break;
            }
            self.i += 1;
        }
        if self.i == start {
            let ch = self.text[self.i..].chars().next().unwrap_or('?');
            return Err(self.err(format!("unexpected character {ch:?}")));
        }
        Ok(Some((Tok::Id(self.text[start..self.i].to_string()), line)))
    }

    /// A quoted string; `\"` is a quote, `\` newline continues the line,
    /// other backslash pairs are kept as they are.
    fn quoted(&mut self) -> Result<String, SvgError> {
        let start_line = self.line;
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.i) else {
                self.line = start_line;
                return Err(self.err("unterminated string"));
            };
            match c {
                b'"' => {
                    self.i += 1;
                    break;
                }
                b'\\' => match self.s.get(self.i + 1) {
                    Some(b'"') => {
                        out.push(b'"');
                        self.i += 2;
                    }
                    Some(b'\n') => {
                        self.line += 1;
                        self.i += 2;
                    }
                    Some(b'\r') if self.s.get(self.i + 2) == Some(&b'\n') => {
                        self.line += 1;
                        self.i += 3;
                    }
                    Some(&d) => {
                        out.extend_from_slice(&[b'\\', d]);
                        self.i += 2;
                    }
                    None => {
                        out.push(b'\\');
                        self.i += 1;
                    }
                },
                _ => {
                    if c == b'\n' {
                        self.line += 1;
                    }
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        // Only ASCII bytes were removed from UTF-8 input, so this is UTF-8.
        Ok(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into()))
    }
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    g: Graph,
    index: std::collections::HashMap<String, usize>,
}

/// Defaults in force in one (sub)graph scope.
#[derive(Clone, Default)]
struct Scope {
    node: Attrs,
    edge: Attrs,
    cluster: Option<usize>,
}

/// Parses a DOT digraph.
pub fn parse(src: &str) -> Result<Graph, SvgError> {
    let mut lx = Lexer {
        s: src.as_bytes(),
        text: src,
        i: 0,
        line: 1,
    };
    let mut toks = Vec::new();
    while let Some(t) = lx.next()? {
        toks.push(t);
    }
    let mut p = Parser {
        toks,
        pos: 0,
        g: Graph::default(),
        index: std::collections::HashMap::new(),
    };
    p.graph()?;
    Ok(p.g)
}

impl Parser {
    fn line(&self) -> usize {
        self.toks
            .get(self.pos)
            .or(self.toks.last())
            .map_or(1, |t| t.1)
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T, SvgError> {
        Err(SvgError::Dot {
            line: self.line(),
            message: message.into(),
        })
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn bump(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|t| t.0.clone());
        self.pos += 1;
        t
    }

    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, t: &Tok, what: &str) -> Result<(), SvgError> {
        if self.eat(t) {
            Ok(())
        } else {
            self.err(format!("expected {what}"))
        }
    }

    fn id(&mut self, what: &str) -> Result<String, SvgError> {
        match self.peek() {
            Some(Tok::Id(_)) => match self.bump() {
                Some(Tok::Id(s)) => Ok(s),
                _ => unreachable!(),
            },
            _ => self.err(format!("expected {what}")),
        }
    }

    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Id(s)) if s.eq_ignore_ascii_case(kw))
    }

    fn graph(&mut self) -> Result<(), SvgError> {
        if self.keyword("strict") {
            self.pos += 1;
        }
        if self.keyword("graph") {
            return self.err("undirected graphs are not supported");
        }
        if !self.keyword("digraph") {
            return self.err("expected `digraph`");
        }
        self.pos += 1;
        if let Some(Tok::Id(_)) = self.peek() {
            self.g.name = self.id("graph name")?;
        }
        self.expect(&Tok::LBrace, "`{`")?;
        let mut scope = Scope::default();
        self.stmts(&mut scope)?;
        self.expect(&Tok::RBrace, "`}`")?;
        if self.pos < self.toks.len() {
            return self.err("text after the end of the graph");
        }
        Ok(())
    }

    fn stmts(&mut self, scope: &mut Scope) -> Result<(), SvgError> {
        loop {
            match self.peek() {
                None | Some(Tok::RBrace) => return Ok(()),
                Some(Tok::Semi) => {
                    self.pos += 1;
                }
                _ => self.stmt(scope)?,
            }
        }
    }

    fn attr_lists(&mut self) -> Result<Attrs, SvgError> {
        let mut a = Attrs::default();
        while self.eat(&Tok::LBracket) {
            loop {
                match self.peek() {
                    Some(Tok::RBracket) => {
                        self.pos += 1;
                        break;
                    }
                    Some(Tok::Comma | Tok::Semi) => {
                        self.pos += 1;
                    }
                    Some(Tok::Id(_)) => {
                        let k = self.id("attribute name")?;
                        self.expect(&Tok::Eq, "`=` after an attribute name")?;
                        let v = self.id("attribute value")?;
                        a.set(&k, &v);
                    }
                    _ => return self.err("expected an attribute or `]`"),
                }
            }
        }
        Ok(a)
    }

    fn subgraph(&mut self, scope: &Scope, name: Option<String>) -> Result<(), SvgError> {
        self.expect(&Tok::LBrace, "`{`")?;
        let mut inner = scope.clone();
        if let Some(name) = name.filter(|n| n.starts_with("cluster")) {
            self.g.clusters.push(Cluster {
                name,
                attrs: Attrs::default(),
            });
            inner.cluster = Some(self.g.clusters.len() - 1);
        }
        self.stmts(&mut inner)?;
        self.expect(&Tok::RBrace, "`}`")
    }

    fn node_ref(&mut self, scope: &Scope) -> Result<usize, SvgError> {
        let id = self.id("a node name")?;
        if self.eat(&Tok::Colon) {
            return self.err("ports are not supported");
        }
        Ok(self.node_index(&id, scope))
    }

    fn node_index(&mut self, id: &str, scope: &Scope) -> usize {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        self.g.nodes.push(Node {
            id: id.to_string(),
            attrs: scope.node.clone(),
            cluster: scope.cluster,
        });
        let i = self.g.nodes.len() - 1;
        self.index.insert(id.to_string(), i);
        i
    }

    fn stmt(&mut self, scope: &mut Scope) -> Result<(), SvgError> {
        if self.keyword("node") || self.keyword("edge") || self.keyword("graph") {
            let kw = self.id("keyword")?.to_ascii_lowercase();
            let a = self.attr_lists()?;
            match kw.as_str() {
                "node" => scope.node.merge(&a),
                "edge" => scope.edge.merge(&a),
                _ => match scope.cluster {
                    Some(c) => self.g.clusters[c].attrs.merge(&a),
                    None => self.g.attrs.merge(&a),
                },
            }
            return Ok(());
        }
        if self.keyword("subgraph") {
            self.pos += 1;
            let name = match self.peek() {
                Some(Tok::Id(_)) => Some(self.id("subgraph name")?),
                _ => None,
            };
            return self.subgraph(scope, name);
        }
        if self.peek() == Some(&Tok::LBrace) {
            return self.subgraph(scope, None);
        }
        // `name = value` sets a graph attribute.
        if matches!(self.toks.get(self.pos + 1), Some((Tok::Eq, _))) {
            let k = self.id("attribute name")?;
            self.pos += 1;
            let v = self.id("attribute value")?;
            match scope.cluster {
                Some(c) => self.g.clusters[c].attrs.set(&k, &v),
                None => self.g.attrs.set(&k, &v),
            }
            return Ok(());
        }
        let mut chain = vec![self.node_ref(scope)?];
        while self.eat(&Tok::Arrow) {
            if self.peek() == Some(&Tok::LBrace) || self.keyword("subgraph") {
                return self.err("subgraphs as edge ends are not supported");
            }
            chain.push(self.node_ref(scope)?);
        }
        let a = self.attr_lists()?;
        if chain.len() == 1 {
            self.g.nodes[chain[0]].attrs.merge(&a);
        } else {
            for w in chain.windows(2) {
                let mut attrs = scope.edge.clone();
                attrs.merge(&a);
                self.g.edges.push(Edge {
                    from: w[0],
                    to: w[1],
                    attrs,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pprof_shapes() {
        let src = r##"digraph "workload" {
node [style=filled fillcolor="#f8f8f8"]
subgraph cluster_L { "File: workload" [shape=box fontsize=16 label="File: workload\lType: cpu\l" tooltip="workload"] }
N1 [label="main\npaced\n0 of 1.44s (96.64%)" id="node1" fontsize=8 shape=box tooltip="main.paced (1.44s)" color="#b20100" fillcolor="#edd5d5"]
NN1_0 [label = "64kB" id="NN1_0" fontsize=8 shape=box3d tooltip="5.14MB"]
N1 -> NN1_0 [label=" 5.14MB" weight=100 tooltip="5.14MB" labeltooltip="5.14MB"]
N1 -> N2 [label=" 1s" weight=68 penwidth=4 color="#b21400" tooltip="a \"q\" ... b (1s)" style="dotted" minlen=2]
}
"##;
        let g = parse(src).unwrap();
        assert_eq!(g.name, "workload");
        let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["File: workload", "N1", "NN1_0", "N2"]);
        assert_eq!(g.nodes[0].cluster, Some(0));
        assert_eq!(g.clusters[0].name, "cluster_L");
        assert_eq!(g.nodes[0].attrs.get("fillcolor"), Some("#f8f8f8"));
        assert_eq!(
            g.nodes[0].attrs.get("label"),
            Some(r"File: workload\lType: cpu\l")
        );
        assert_eq!(g.nodes[1].cluster, None);
        assert_eq!(g.nodes[1].attrs.get("fillcolor"), Some("#edd5d5"));
        assert_eq!(g.nodes[1].attrs.number("fontsize"), Some(8.0));
        assert_eq!(g.nodes[2].attrs.get("shape"), Some("box3d"));
        assert_eq!(g.edges.len(), 2);
        assert_eq!((g.edges[1].from, g.edges[1].to), (1, 3));
        assert_eq!(g.edges[1].attrs.get("tooltip"), Some(r#"a "q" ... b (1s)"#));
        assert_eq!(g.edges[1].attrs.number("minlen"), Some(2.0));
    }

    #[test]
    fn reports_errors_with_lines() {
        let e = parse("digraph {\n a -> b [label=\"x]\n}\n").unwrap_err();
        assert!(matches!(e, SvgError::Dot { line: 2, .. }), "{e}");
        let e = parse("graph { a -- b }").unwrap_err();
        assert!(e.to_string().contains("undirected"), "{e}");
        let e = parse("digraph {\n a -> \n}").unwrap_err();
        assert!(matches!(e, SvgError::Dot { line: 3, .. }), "{e}");
    }

    #[test]
    fn unescapes_text() {
        assert_eq!(unescape(r"a\nb\lc\\d"), "a\nb\nc\\d");
    }
}
