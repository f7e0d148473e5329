//! Node keys: pprof's `NodeInfo` interned once per report, each location
//! mapped to its node ids once, and printable names made on demand.

use crate::gopath::{base_name, clean_path};
use crate::source::trim_path;
use crate::{Granularity, Report};
use rprof_profile::{Profile, StrId};
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::cmp::Ordering;

/// pprof's `NodeInfo`, with strings replaced by ids into [`NodeKeys::names`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NodeKey {
    /// Function name (0: none at this granularity).
    pub name: u32,
    /// Instruction address (addresses granularity).
    pub address: u64,
    /// Source file, cleaned as Go's `filepath.Clean` does.
    pub file: u32,
    /// The function's first line (kept only where pprof keeps it).
    pub start_line: i64,
    /// Source line (lines granularity).
    pub line: i64,
    /// Source column (with `show_columns`).
    pub column: i64,
    /// The mapping's file, for frames without a function.
    pub objfile: u32,
}

/// Canonical strings: equal text gets an equal id, whatever the string
/// table of the profile did (a table may repeat an entry).
#[derive(Default)]
pub struct Names<'p> {
    // FxHash, as the merges intern a profile's strings: SipHash was
    // most of building the keys of a profile of 72,000 locations.
    map: FxHashMap<Cow<'p, str>, u32>,
    list: Vec<Cow<'p, str>>,
}

impl<'p> Names<'p> {
    fn new() -> Self {
        let mut n = Names::default();
        n.id(Cow::Borrowed(""));
        n
    }

    fn id(&mut self, s: Cow<'p, str>) -> u32 {
        if let Some(&i) = self.map.get(&s) {
            return i;
        }
        let i = self.list.len() as u32;
        self.list.push(s.clone());
        self.map.insert(s, i);
        i
    }

    /// The text of a canonical id.
    pub fn get(&self, id: u32) -> &str {
        &self.list[id as usize]
    }

    /// The canonical id of a text, if any key uses it.
    pub fn id_of(&self, s: &str) -> Option<u32> {
        self.map.get(s).copied()
    }
}

/// Every node key a report can produce, and which keys each location maps
/// to (one per line, innermost first, as pprof's `CreateNodes`).
pub struct NodeKeys<'p> {
    /// The texts of the keys' string ids.
    pub names: Names<'p>,
    /// Every distinct key; a node id indexes this.
    pub keys: Vec<NodeKey>,
    key_ids: FxHashMap<NodeKey, u32>,
    /// `loc_nodes[loc_ends[l-1]..loc_ends[l]]`: node ids of location l.
    loc_nodes: Vec<u32>,
    loc_ends: Vec<u32>,
    /// Per location, its node id when it has exactly one (no inlined
    /// frames), else [`NodeKeys::MULTI`]: the common case in one load
    /// instead of two bounds and a slice.
    loc_single: Vec<u32>,
}

/// Which fields of a location survive aggregation (pprof's
/// `Profile.Aggregate` flags, plus `ObjNames` of the graph options).
#[derive(Clone, Copy, Debug)]
pub struct KeyOptions {
    /// Inlined frames are nodes of their own.
    pub inline_frames: bool,
    /// Keys keep the function name.
    pub function: bool,
    /// Keys keep the file name.
    pub filename: bool,
    /// Keys keep the line number.
    pub line_number: bool,
    /// Keys keep the column number.
    pub column_number: bool,
    /// Keys keep the address.
    pub address: bool,
    /// Keys keep the mapping's file.
    pub obj_names: bool,
}

impl KeyOptions {
    /// The flags pprof's driver derives from granularity and noinlines.
    pub fn for_granularity(g: Granularity, no_inlines: bool, show_columns: bool) -> Self {
        use Granularity::*;
        let inlines = !no_inlines;
        let mut k = KeyOptions {
            inline_frames: inlines,
            function: false,
            filename: false,
            line_number: false,
            column_number: show_columns,
            address: false,
            obj_names: false,
        };
        match g {
            Addresses if inlines => {
                // pprof does not aggregate at all in this case.
                k.function = true;
                k.filename = true;
                k.line_number = true;
                k.column_number = true;
                k.address = true;
            }
            Addresses => {
                k.function = true;
                k.filename = true;
                k.line_number = true;
                k.address = true;
            }
            Lines => {
                k.function = true;
                k.filename = true;
                k.line_number = true;
            }
            Files => k.filename = true,
            Functions => k.function = true,
            FileFunctions => {
                k.function = true;
                k.filename = true;
            }
        }
        k
    }
}

impl<'p> NodeKeys<'p> {
    /// The node keys of a report's profile at its granularity.
    pub fn for_report(r: &Report<'p>) -> Self {
        let o = r.options();
        NodeKeys::with_paths(
            r.profile(),
            KeyOptions::for_granularity(o.granularity, o.no_inlines, o.show_columns),
            &o.trim_path,
            &o.source_path,
        )
    }

    /// Interns the node keys of every location of `p`.
    pub fn new(p: &'p Profile, o: KeyOptions) -> Self {
        NodeKeys::with_paths(p, o, "", "")
    }

    /// [`NodeKeys::new`], with file names trimmed as pprof's report trims
    /// them (`-trim_path`, `-source_path`, see
    /// [`trim_path`](crate::source::trim_path)) before they are cleaned.
    pub fn with_paths(p: &'p Profile, o: KeyOptions, trim: &str, search_path: &str) -> Self {
        let mut names = Names::new();
        // Canonical ids per function and mapping, computed once.
        // By string table index (u32::MAX: not yet).
        let mut str_ids = vec![u32::MAX; p.strings.len()];
        let mut canon = |names: &mut Names<'p>, id: StrId| -> u32 {
            let slot = &mut str_ids[id as usize];
            if *slot == u32::MAX {
                *slot = names.id(Cow::Borrowed(p.str(id)));
            }
            *slot
        };
        let funcs: Vec<(u32, u32, i64)> = p
            .functions
            .iter()
            .map(|f| {
                let name = if o.function {
                    canon(&mut names, f.name)
                } else {
                    0
                };
                let file = if o.filename && f.filename != 0 {
                    let raw = p.str(f.filename);
                    let trimmed = trim_path(raw, trim, search_path);
                    if trimmed.is_empty() {
                        0
                    } else {
                        match clean_path(trimmed) {
                            Cow::Borrowed(b) if b.len() == raw.len() => {
                                canon(&mut names, f.filename)
                            }
                            c => names.id(c),
                        }
                    }
                } else {
                    0
                };
                (name, file, f.start_line)
            })
            .collect();
        let objs: Vec<u32> = p
            .mappings
            .iter()
            .map(|m| canon(&mut names, m.file))
            .collect();

        let mut keys = Vec::new();
        let mut key_ids = FxHashMap::default();
        let mut loc_nodes = Vec::with_capacity(p.lines.len() + p.locations.len());
        let mut loc_ends = Vec::with_capacity(p.locations.len());
        let mut loc_single = Vec::with_capacity(p.locations.len());
        let mut intern = |k: NodeKey| -> u32 {
            *key_ids.entry(k).or_insert_with(|| {
                keys.push(k);
                (keys.len() - 1) as u32
            })
        };
        for (li, loc) in p.locations.iter().enumerate() {
            let objfile = loc.mapping.map_or(0, |m| objs[m as usize]);
            let address = if o.address { loc.address } else { 0 };
            let mut lines = p.location_lines(li as u32);
            if !o.inline_frames && lines.len() > 1 {
                lines = &lines[lines.len() - 1..];
            }
            if lines.is_empty() {
                loc_nodes.push(intern(NodeKey {
                    name: 0,
                    address,
                    file: 0,
                    start_line: 0,
                    line: 0,
                    column: 0,
                    objfile,
                }));
            }
            for line in lines {
                let (name, file, start_line) = funcs[line.function as usize];
                let mut k = NodeKey {
                    name,
                    address,
                    file,
                    start_line: 0,
                    line: if o.line_number { line.line } else { 0 },
                    column: if o.line_number && o.column_number {
                        line.column
                    } else {
                        0
                    },
                    objfile: 0,
                };
                if o.obj_names || name == 0 {
                    k.objfile = objfile;
                    k.start_line = start_line;
                }
                loc_nodes.push(intern(k));
            }
            let start = loc_ends.last().map_or(0, |&e| e as usize);
            loc_single.push(if loc_nodes.len() - start == 1 {
                loc_nodes[start]
            } else {
                Self::MULTI
            });
            loc_ends.push(loc_nodes.len() as u32);
        }
        NodeKeys {
            names,
            keys,
            key_ids,
            loc_nodes,
            loc_ends,
            loc_single,
        }
    }

    /// What [`NodeKeys::single_node`] returns for a location of several
    /// nodes.
    pub const MULTI: u32 = u32::MAX;

    /// The node id of location `loc` when it has one node (no inlined
    /// frames), else [`NodeKeys::MULTI`] (then see [`NodeKeys::of_location`]).
    #[inline]
    pub fn single_node(&self, loc: u32) -> u32 {
        self.loc_single[loc as usize]
    }

    /// Node ids of location `loc`, innermost line first.
    #[inline]
    pub fn of_location(&self, loc: u32) -> &[u32] {
        let l = loc as usize;
        let start = if l == 0 {
            0
        } else {
            self.loc_ends[l - 1] as usize
        };
        &self.loc_nodes[start..self.loc_ends[l] as usize]
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when the profile has no locations.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The id of a key, if any location produced it.
    pub fn id(&self, k: &NodeKey) -> Option<u32> {
        self.key_ids.get(k).copied()
    }

    /// pprof's `NodeInfo.PrintableName`.
    pub fn printable_name(&self, id: u32) -> String {
        let k = &self.keys[id as usize];
        let mut parts: Vec<Cow<str>> = Vec::with_capacity(3);
        if k.address != 0 {
            parts.push(Cow::Owned(format!("{:016x}", k.address)));
        }
        if k.name != 0 {
            parts.push(Cow::Borrowed(self.names.get(k.name)));
        }
        if k.line != 0 {
            let mut s = format!("{}:{}", self.names.get(k.file), k.line);
            if k.column != 0 {
                s.push_str(&format!(":{}", k.column));
            }
            parts.push(Cow::Owned(s));
        } else if k.file != 0 {
            parts.push(Cow::Borrowed(self.names.get(k.file)));
        } else if k.name != 0 {
        } else if k.objfile != 0 {
            parts.push(Cow::Owned(format!(
                "[{}]",
                base_name(self.names.get(k.objfile))
            )));
        } else {
            parts.push(Cow::Borrowed("<unknown>"));
        }
        parts.join(" ")
    }

    /// `fmt.Sprint(NodeInfo)`: pprof's last-resort tie breaker.
    pub(crate) fn go_sprint(&self, id: u32) -> String {
        let k = &self.keys[id as usize];
        format!(
            "{{{} {} {} {} {} {} {} {}}}",
            self.names.get(k.name),
            "",
            k.address,
            self.names.get(k.file),
            k.start_line,
            k.line,
            k.column,
            self.names.get(k.objfile)
        )
    }
}

/// Printable names of node keys, computed once each.
pub struct NameCache<'k, 'p> {
    /// The keys named.
    pub keys: &'k NodeKeys<'p>,
    pub(super) cache: FxHashMap<u32, String>,
}

impl<'k, 'p> NameCache<'k, 'p> {
    /// An empty cache over `keys`.
    pub fn new(keys: &'k NodeKeys<'p>) -> Self {
        NameCache {
            keys,
            cache: FxHashMap::default(),
        }
    }

    /// pprof's `PrintableName` of node key `id`.
    pub fn get(&mut self, id: u32) -> &str {
        let keys = self.keys;
        self.cache
            .entry(id)
            .or_insert_with(|| keys.printable_name(id))
    }

    /// pprof's `comparePrintableName`, returning an ordering.
    pub(super) fn compare(&mut self, a: u32, b: u32) -> Ordering {
        if a == b {
            return Ordering::Equal;
        }
        let (ka, kb) = (self.keys.keys[a as usize], self.keys.keys[b as usize]);
        if ka.address != 0 && kb.address != 0 && ka.address != kb.address {
            return ka.address.cmp(&kb.address);
        }
        let na = self.get(a).to_string();
        na.as_str().cmp(self.get(b))
    }
}
