//! Writing a [`Profile`] as a pprof protobuf, byte for byte the way pprof's
//! `Profile.WriteUncompressed` / `Profile.Write` (Go's
//! `github.com/google/pprof/profile`, `encode.go`) write the same profile.
//!
//! Two steps, as in Go:
//!
//! 1. [`to_pb`] is pprof's `preEncode`: it builds the prost message
//!    ([`crate::pb::Profile`]) with a fresh string table, in which every
//!    string gets the next index the first time it is met, in pprof's
//!    order: sample types; each sample's labels (string labels sorted by
//!    key, then numeric labels sorted by key); mappings (file, build id);
//!    functions (name, system name, file); drop frames, keep frames, the
//!    period type, comments, the default sample type, the doc URL. Strings
//!    of the model that nothing refers to are not written, and equal
//!    strings are written once.
//! 2. [`encode_pb`] is pprof's `encode`: it serializes the message in Go's
//!    layout, which prost's `Message::encode` cannot produce: a repeated
//!    scalar field (stack, values, comments) is packed only when it has
//!    more than two elements and written element by element otherwise,
//!    and `default_sample_type` is written even when it is 0. Field order
//!    and everything else is what prost writes too; prost decodes the
//!    result, as does any protobuf reader.
//!
//! Labels are written as pprof holds them after reading a file, which is
//! what a round trip through Go gives too: a label with a string index
//! other than 0 is a string label (even when it names ""); otherwise it
//! is a numeric label when its number or unit is set, and it is dropped
//! when neither is. An empty string is always index 0, so a string label
//! whose value is "" comes out without a value, as Go writes it.
//!
//! Checked by hand with Go 1.27: for every protobuf fixture, and for
//! merges of them (3 files, and fleets of 300 and 1,000 files through
//! [`crate::fleet`]), [`encode`] is byte-identical to Go's
//! `WriteUncompressed` of the same profile and to the gunzipped output of
//! `go tool pprof -proto`; `go tool pprof -raw` of a written file equals
//! `-raw` of the original (`RPROF_GO=… cargo test --test write_roundtrip`).
//!
//! [`write_gz`] gzips like Go's `Profile.Write` (default level, no name,
//! mtime 0, OS "unknown"): the header is Go's, the deflate stream is
//! zlib's, not Go's, so only the uncompressed bytes can be compared.

use crate::model::{Label, Profile, StrId};
use crate::pb;
use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint};
use std::collections::HashMap;

/// The profile as uncompressed protobuf bytes, identical to what pprof's
/// `Profile.WriteUncompressed` writes for the same profile.
pub fn encode(p: &Profile) -> Vec<u8> {
    encode_pb(&to_pb(p))
}

/// Writes the profile gzipped, as pprof's `Profile.Write` does (the
/// format of `.pb.gz` files and of `go tool pprof -proto`).
pub fn write_gz(p: &Profile, w: impl std::io::Write) -> std::io::Result<()> {
    use std::io::Write;
    let mut gz = flate2::GzBuilder::new().write(w, flate2::Compression::default());
    gz.write_all(&encode(p))?;
    gz.finish()?.flush()
}

/// Writes the profile as uncompressed protobuf (pprof's
/// `WriteUncompressed`).
pub fn write_uncompressed(p: &Profile, mut w: impl std::io::Write) -> std::io::Result<()> {
    w.write_all(&encode(p))?;
    w.flush()
}

// ---------------------------------------------------------------------------
// preEncode

/// pprof's `addString` over the model's string ids: equal strings get one
/// index, in order of first use; "" is always 0.
struct StringTable<'a> {
    p: &'a Profile,
    /// Model string id → output index, `u32::MAX` until first used.
    by_id: Vec<u32>,
    by_str: HashMap<&'a str, u32>,
    table: Vec<String>,
}

impl<'a> StringTable<'a> {
    fn new(p: &'a Profile) -> Self {
        let mut t = StringTable {
            p,
            by_id: vec![u32::MAX; p.strings.len()],
            by_str: HashMap::new(),
            table: Vec::new(),
        };
        t.by_str.insert("", 0);
        t.table.push(String::new());
        t
    }

    /// The output index of the model's string `id`.
    fn id(&mut self, id: StrId) -> i64 {
        if let Some(&i) = self.by_id.get(id as usize)
            && i != u32::MAX
        {
            return i64::from(i);
        }
        let p: &'a Profile = self.p;
        let s = p.str(id);
        let i = match self.by_str.get(s) {
            Some(&i) => i,
            None => {
                let i = self.table.len() as u32;
                self.table.push(s.to_string());
                self.by_str.insert(s, i);
                i
            }
        };
        if let Some(slot) = self.by_id.get_mut(id as usize) {
            *slot = i;
        }
        i64::from(i)
    }
}

/// pprof's `preEncode`: the prost message for `p`, with a fresh string
/// table built in pprof's order (see the module docs). Ids of mappings,
/// locations and functions are the model's (the file's) ids.
pub fn to_pb(p: &Profile) -> pb::Profile {
    let mut st = StringTable::new(p);

    let sample_type = p
        .sample_types
        .iter()
        .map(|vt| {
            let ty = st.id(vt.ty);
            let unit = st.id(vt.unit);
            pb::ValueType { r#type: ty, unit }
        })
        .collect();

    let s = &p.samples;
    let mut sample = Vec::with_capacity(s.len());
    let mut strs: Vec<&Label> = Vec::new();
    let mut nums: Vec<&Label> = Vec::new();
    for i in 0..s.len() {
        let mut label = Vec::new();
        let ls = s.labels(i);
        if !ls.is_empty() {
            strs.clear();
            nums.clear();
            for l in ls {
                if l.str != 0 {
                    strs.push(l);
                } else if l.num != 0 || l.num_unit != 0 {
                    nums.push(l);
                }
            }
            // Stable: a key's values keep their order.
            strs.sort_by(|a, b| p.str(a.key).cmp(p.str(b.key)));
            nums.sort_by(|a, b| p.str(a.key).cmp(p.str(b.key)));
            label.reserve(strs.len() + nums.len());
            for l in &strs {
                let key = st.id(l.key);
                let str = st.id(l.str);
                label.push(pb::Label {
                    key,
                    str,
                    num: 0,
                    num_unit: 0,
                });
            }
            for l in &nums {
                let key = st.id(l.key);
                let num_unit = if l.num_unit != 0 {
                    st.id(l.num_unit)
                } else {
                    0
                };
                label.push(pb::Label {
                    key,
                    str: 0,
                    num: l.num,
                    num_unit,
                });
            }
        }
        sample.push(pb::Sample {
            location_id: s
                .stack(i)
                .iter()
                .map(|&l| p.locations[l as usize].id)
                .collect(),
            value: s.values(i).to_vec(),
            label,
        });
    }

    let mapping = p
        .mappings
        .iter()
        .map(|m| {
            let filename = st.id(m.file);
            let build_id = st.id(m.build_id);
            pb::Mapping {
                id: m.id,
                memory_start: m.start,
                memory_limit: m.limit,
                file_offset: m.offset,
                filename,
                build_id,
                has_functions: m.has_functions,
                has_filenames: m.has_filenames,
                has_line_numbers: m.has_line_numbers,
                has_inline_frames: m.has_inline_frames,
            }
        })
        .collect();

    let location = p
        .locations
        .iter()
        .enumerate()
        .map(|(i, l)| pb::Location {
            id: l.id,
            mapping_id: l.mapping.map_or(0, |m| p.mappings[m as usize].id),
            address: l.address,
            line: p
                .location_lines(i as u32)
                .iter()
                .map(|ln| pb::Line {
                    function_id: p.functions[ln.function as usize].id,
                    line: ln.line,
                    column: ln.column,
                })
                .collect(),
            is_folded: l.is_folded,
        })
        .collect();

    let function = p
        .functions
        .iter()
        .map(|f| {
            let name = st.id(f.name);
            let system_name = st.id(f.system_name);
            let filename = st.id(f.filename);
            pb::Function {
                id: f.id,
                name,
                system_name,
                filename,
                start_line: f.start_line,
            }
        })
        .collect();

    let drop_frames = st.id(p.drop_frames);
    let keep_frames = st.id(p.keep_frames);
    let period_type = p.period_type.and_then(|vt| {
        let ty = st.id(vt.ty);
        let unit = st.id(vt.unit);
        // pprof writes the period type only when it names something.
        (ty != 0 || unit != 0).then_some(pb::ValueType { r#type: ty, unit })
    });
    let comment = p.comments.iter().map(|&c| st.id(c)).collect();
    let default_sample_type = st.id(p.default_sample_type);
    let doc_url = st.id(p.doc_url);

    pb::Profile {
        sample_type,
        sample,
        mapping,
        location,
        function,
        string_table: st.table,
        drop_frames,
        keep_frames,
        time_nanos: p.time_nanos,
        duration_nanos: p.duration_nanos,
        period_type,
        period: p.period,
        comment,
        default_sample_type,
        doc_url,
    }
}

// ---------------------------------------------------------------------------
// encode

/// pprof's `encode`: `m` in Go's wire layout (see the module docs).
/// `prost::Message::decode` reads the result back into an equal message.
pub fn encode_pb(m: &pb::Profile) -> Vec<u8> {
    let mut out = Vec::with_capacity(estimate(m));
    let mut body = Vec::new();
    let mut inner = Vec::new();
    for x in &m.sample_type {
        body.clear();
        value_type(&mut body, x);
        message(&mut out, 1, &body);
    }
    for x in &m.sample {
        body.clear();
        repeated(&mut body, 1, x.location_id.iter().copied());
        repeated(&mut body, 2, x.value.iter().map(|&v| v as u64));
        for l in &x.label {
            inner.clear();
            opt(&mut inner, 1, l.key as u64);
            opt(&mut inner, 2, l.str as u64);
            opt(&mut inner, 3, l.num as u64);
            opt(&mut inner, 4, l.num_unit as u64);
            message(&mut body, 3, &inner);
        }
        message(&mut out, 2, &body);
    }
    for x in &m.mapping {
        body.clear();
        opt(&mut body, 1, x.id);
        opt(&mut body, 2, x.memory_start);
        opt(&mut body, 3, x.memory_limit);
        opt(&mut body, 4, x.file_offset);
        opt(&mut body, 5, x.filename as u64);
        opt(&mut body, 6, x.build_id as u64);
        opt(&mut body, 7, u64::from(x.has_functions));
        opt(&mut body, 8, u64::from(x.has_filenames));
        opt(&mut body, 9, u64::from(x.has_line_numbers));
        opt(&mut body, 10, u64::from(x.has_inline_frames));
        message(&mut out, 3, &body);
    }
    for x in &m.location {
        body.clear();
        opt(&mut body, 1, x.id);
        opt(&mut body, 2, x.mapping_id);
        opt(&mut body, 3, x.address);
        for ln in &x.line {
            inner.clear();
            opt(&mut inner, 1, ln.function_id);
            opt(&mut inner, 2, ln.line as u64);
            opt(&mut inner, 3, ln.column as u64);
            message(&mut body, 4, &inner);
        }
        opt(&mut body, 5, u64::from(x.is_folded));
        message(&mut out, 4, &body);
    }
    for x in &m.function {
        body.clear();
        opt(&mut body, 1, x.id);
        opt(&mut body, 2, x.name as u64);
        opt(&mut body, 3, x.system_name as u64);
        opt(&mut body, 4, x.filename as u64);
        opt(&mut body, 5, x.start_line as u64);
        message(&mut out, 5, &body);
    }
    for s in &m.string_table {
        message(&mut out, 6, s.as_bytes());
    }
    opt(&mut out, 7, m.drop_frames as u64);
    opt(&mut out, 8, m.keep_frames as u64);
    opt(&mut out, 9, m.time_nanos as u64);
    opt(&mut out, 10, m.duration_nanos as u64);
    if let Some(pt) = &m.period_type
        && (pt.r#type != 0 || pt.unit != 0)
    {
        body.clear();
        value_type(&mut body, pt);
        message(&mut out, 11, &body);
    }
    opt(&mut out, 12, m.period as u64);
    repeated(&mut out, 13, m.comment.iter().map(|&c| c as u64));
    // Not optional in pprof's encoder: written even when 0.
    scalar(&mut out, 14, m.default_sample_type as u64);
    opt(&mut out, 15, m.doc_url as u64);
    out
}

/// A rough size for the output buffer: the sample arrays dominate.
fn estimate(m: &pb::Profile) -> usize {
    let samples: usize = m
        .sample
        .iter()
        .map(|s| 8 + 3 * s.location_id.len() + 4 * s.value.len() + 10 * s.label.len())
        .sum();
    let strings: usize = m.string_table.iter().map(|s| s.len() + 3).sum();
    samples + strings + 24 * m.location.len() + 16 * m.function.len() + 64 * m.mapping.len() + 64
}

fn value_type(b: &mut Vec<u8>, x: &pb::ValueType) {
    opt(b, 1, x.r#type as u64);
    opt(b, 2, x.unit as u64);
}

/// Go's `encodeUint64`/`encodeInt64`: a varint field, even when 0.
fn scalar(b: &mut Vec<u8>, tag: u32, x: u64) {
    encode_key(tag, WireType::Varint, b);
    encode_varint(x, b);
}

/// Go's `encode*Opt`: a varint field, left out when 0.
fn opt(b: &mut Vec<u8>, tag: u32, x: u64) {
    if x != 0 {
        scalar(b, tag, x);
    }
}

/// Go's `encodeUint64s`/`encodeInt64s`: packed when there are more than
/// two elements, else one field per element.
fn repeated(b: &mut Vec<u8>, tag: u32, xs: impl ExactSizeIterator<Item = u64> + Clone) {
    if xs.len() > 2 {
        let len: usize = xs.clone().map(encoded_len_varint).sum();
        encode_key(tag, WireType::LengthDelimited, b);
        encode_varint(len as u64, b);
        for x in xs {
            encode_varint(x, b);
        }
    } else {
        for x in xs {
            scalar(b, tag, x);
        }
    }
}

/// A length-delimited field (a message or a string).
fn message(b: &mut Vec<u8>, tag: u32, body: &[u8]) {
    encode_key(tag, WireType::LengthDelimited, b);
    encode_varint(body.len() as u64, b);
    b.extend_from_slice(body);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::ProfileBuilder;
    use prost::Message;

    fn sample_profile() -> Profile {
        let mut b = ProfileBuilder::new();
        b.add_sample_type("samples", "count");
        b.add_sample_type("cpu", "nanoseconds");
        let f = b.function("main.f", "main.f", "f.go", 3);
        let g = b.function("main.g", "main.g", "g.go", 7);
        let file = b.intern("/bin/x");
        let m = b.mapping(crate::Mapping {
            start: 0x1000,
            limit: 0x2000,
            file,
            has_functions: true,
            ..Default::default()
        });
        let line = |function, line| crate::Line {
            function,
            line,
            column: 0,
        };
        let lf = b.location(Some(m), 0x1010, &[line(f, 4)], false);
        let lg = b.location(Some(m), 0x1020, &[line(g, 8), line(f, 5)], false);
        let (k, v, n, u) = (
            b.intern("zkey"),
            b.intern("v"),
            b.intern("akey"),
            b.intern("bytes"),
        );
        let labels = [
            Label {
                key: k,
                str: v,
                num: 0,
                num_unit: 0,
            },
            Label {
                key: n,
                str: 0,
                num: 7,
                num_unit: u,
            },
            Label {
                key: n,
                str: 0,
                num: 0,
                num_unit: 0,
            },
            Label {
                key: n,
                str: 0,
                num: 5,
                num_unit: 0,
            },
        ];
        b.push_sample(&[lf, lg, lf], &[1, 10], &labels);
        b.push_sample(&[lg], &[2, 20], &[]);
        let pt = b.value_type("cpu", "nanoseconds");
        b.intern("unused string");
        let p = b.profile_mut();
        p.period_type = Some(pt);
        p.period = 10_000_000;
        p.time_nanos = 123;
        b.finish()
    }

    #[test]
    fn string_table_in_pprof_order() {
        let p = sample_profile();
        let m = to_pb(&p);
        assert_eq!(
            m.string_table,
            [
                "",
                "samples",
                "count",
                "cpu",
                "nanoseconds",
                "zkey",
                "v",
                "akey",
                "bytes",
                "/bin/x",
                "main.f",
                "f.go",
                "main.g",
                "g.go"
            ]
        );
        // String labels first, then numeric ones; the empty label is gone.
        let l = &m.sample[0].label;
        assert_eq!(l.len(), 3);
        assert_eq!((l[0].key, l[0].str), (5, 6));
        assert_eq!((l[1].key, l[1].num, l[1].num_unit), (7, 7, 8));
        assert_eq!((l[2].key, l[2].num, l[2].num_unit), (7, 5, 0));
    }

    #[test]
    fn go_layout_decodes_with_prost() {
        let p = sample_profile();
        let m = to_pb(&p);
        let bytes = encode_pb(&m);
        assert_eq!(pb::Profile::decode(bytes.as_slice()).unwrap(), m);
        // Go's layout: 3 location ids packed, 2 values not packed,
        // default_sample_type written although 0.
        let packed = [0x0a, 0x03, 0x01, 0x02, 0x01, 0x10, 0x01, 0x10, 0x0a];
        assert!(bytes.windows(packed.len()).any(|w| w == packed));
        assert_eq!(&bytes[bytes.len() - 2..], [0x70, 0x00]);
        // prost's own layout differs only in those respects.
        assert_ne!(m.encode_to_vec(), bytes);
    }
}
