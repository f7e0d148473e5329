//! A hand-rolled decoder for the pprof protobuf wire format, straight into
//! the columnar [`Profile`].
//!
//! Why not prost here: a generated decoder allocates two `Vec`s per sample
//! and one per location, which is 2–4x slower than filling flat arrays
//! (measured in ../shared/reference/ecosystem.md §7). prost's types remain
//! the schema, are used for writing, and are the oracle for this decoder in
//! tests.
//!
//! The decoder follows the wire format, not a particular encoder: fields may
//! come in any order, repeated scalars may be packed or not, unknown fields
//! are skipped, and a message that appears several times (concatenated
//! encodings) is merged as protobuf defines: repeated fields append, the
//! last scalar wins. Ids and string indexes are resolved and checked after
//! the whole input has been read, because the tables they point into may
//! come after the samples.

use crate::error::{ParseError, ValidationError};
use crate::model::*;
use std::collections::HashMap;

struct Wire<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Offset of `buf[0]` in the whole input, for error messages.
    base: usize,
}

type WResult<T> = Result<T, ParseError>;

/// The high bit of every byte of a word: a varint's continuation bits.
const WORD_HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The value of a varint of at most eight bytes, given as the low bytes
/// of `w` (the bytes above it zero).
#[inline(always)]
fn varint_bits(w: u64) -> u64 {
    (w & 0x7f)
        | ((w >> 1) & (0x7f << 7))
        | ((w >> 2) & (0x7f << 14))
        | ((w >> 3) & (0x7f << 21))
        | ((w >> 4) & (0x7f << 28))
        | ((w >> 5) & (0x7f << 35))
        | ((w >> 6) & (0x7f << 42))
        | ((w >> 7) & (0x7f << 49))
}

/// How many varints end in `b`: its bytes without the continuation bit,
/// counted a word at a time.
fn varint_count(b: &[u8]) -> usize {
    let (words, rest) = b.as_chunks::<8>();
    let whole: u32 = words
        .iter()
        .map(|w| (!u64::from_le_bytes(*w) & WORD_HIGH_BITS).count_ones())
        .sum();
    whole as usize + rest.iter().filter(|&&b| b < 0x80).count()
}

impl<'a> Wire<'a> {
    fn new(buf: &'a [u8], base: usize) -> Self {
        Wire { buf, pos: 0, base }
    }

    fn err(&self, what: &'static str) -> ParseError {
        ParseError::Wire {
            offset: self.base + self.pos,
            what,
        }
    }

    #[inline]
    fn done(&self) -> bool {
        self.pos >= self.buf.len()
    }

    // Always inlined: it is the inner loop of reading a profile.
    #[inline(always)]
    fn varint(&mut self) -> WResult<u64> {
        let buf = &self.buf[self.pos.min(self.buf.len())..];
        // Most varints in a profile are one byte (field keys, small ids);
        // with eight bytes at hand the rest decode without bounds checks.
        match buf.first() {
            Some(&b) if b < 0x80 => {
                self.pos += 1;
                return Ok(u64::from(b));
            }
            // Up to 8 bytes at once; longer varints (negative numbers)
            // take the loops below.
            _ if buf.len() >= 8 => {
                if let Some(v) = self.varint_in_word() {
                    return Ok(v);
                }
                if buf.len() >= 10 {
                    return self.varint_long(buf);
                }
            }
            _ => {}
        }
        self.varint_slow()
    }

    /// The next varint when eight bytes are at hand and it fits in them,
    /// without a branch on its length (a packed run of location ids reads
    /// them this way: there, the one-byte test of [`Wire::varint`] was
    /// mispredicted often).
    #[inline(always)]
    fn varint_in_word(&mut self) -> Option<u64> {
        let buf = self.buf.get(self.pos..self.pos + 8)?;
        let word = u64::from_le_bytes(buf.try_into().expect("8 bytes"));
        let stop = !word & WORD_HIGH_BITS;
        if stop == 0 {
            return None;
        }
        let bits = stop.trailing_zeros() + 1;
        self.pos += (bits / 8) as usize;
        Some(varint_bits(word & (u64::MAX >> (64 - bits))))
    }

    /// Calls `f` on each varint of a packed run that ends within the
    /// next eight bytes, word after word, until fewer than eight bytes
    /// are left or a varint is longer than eight bytes (the careful
    /// readers then take over). The varints of one word are told apart
    /// by its terminating bytes, so that the next one does not wait for
    /// the position the last one left (reading them one by one, each
    /// load waited for the length of the previous varint: the chain was
    /// most of decoding a profile's location ids).
    #[inline(always)]
    fn varints_in_words(&mut self, mut f: impl FnMut(u64)) {
        while let Some(b) = self.buf.get(self.pos..self.pos + 8) {
            let word = u64::from_le_bytes(b.try_into().expect("8 bytes"));
            let mut stop = !word & WORD_HIGH_BITS;
            match stop {
                0 => return,
                // Four two-byte varints (ids 128 to 16,383), at once.
                0x8000_8000_8000_8000 => {
                    let v = (word & 0x007f_007f_007f_007f) | ((word >> 1) & 0x3f80_3f80_3f80_3f80);
                    for lane in 0..4 {
                        f((v >> (16 * lane)) & 0xffff);
                    }
                    self.pos += 8;
                    continue;
                }
                // Eight one-byte varints.
                WORD_HIGH_BITS => {
                    for byte in 0..8 {
                        f((word >> (8 * byte)) & 0x7f);
                    }
                    self.pos += 8;
                    continue;
                }
                _ => {}
            }
            let mut start = 0;
            while stop != 0 {
                let end = stop.trailing_zeros() + 1;
                f(varint_bits(
                    (word >> start) & (u64::MAX >> (64 - (end - start))),
                ));
                start = end;
                stop &= stop - 1;
            }
            self.pos += (start / 8) as usize;
        }
    }

    /// A varint of 9 or 10 bytes, with 10 bytes at hand.
    #[inline(never)]
    fn varint_long(&mut self, buf: &[u8]) -> WResult<u64> {
        let mut v: u64 = 0;
        for (i, &b) in buf[..10].iter().enumerate() {
            v |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                if i == 9 && b > 1 {
                    break;
                }
                self.pos += i + 1;
                return Ok(v);
            }
        }
        self.varint_slow()
    }

    /// The careful byte loop: the last few bytes of a packed field or of
    /// the input, and every error.
    #[inline(never)]
    fn varint_slow(&mut self) -> WResult<u64> {
        let mut v: u64 = 0;
        let mut shift = 0u32;
        loop {
            let Some(&b) = self.buf.get(self.pos) else {
                return Err(self.err("truncated varint"));
            };
            self.pos += 1;
            if shift == 63 && b > 1 {
                return Err(self.err("varint overflows 64 bits"));
            }
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
            shift += 7;
            if shift > 63 {
                return Err(self.err("varint longer than 10 bytes"));
            }
        }
    }

    /// Reads a field key: (field number, wire type).
    #[inline]
    fn key(&mut self) -> WResult<(u64, u8)> {
        let k = self.varint()?;
        let field = k >> 3;
        if field == 0 {
            return Err(self.err("field number 0"));
        }
        Ok((field, (k & 7) as u8))
    }

    fn bytes(&mut self) -> WResult<(&'a [u8], usize)> {
        let len = self.varint()?;
        let start = self.pos;
        if len > (self.buf.len() - start) as u64 {
            return Err(self.err("length-delimited field runs past the end of its message"));
        }
        self.pos += len as usize;
        Ok((&self.buf[start..self.pos], self.base + start))
    }

    fn skip(&mut self, wire_type: u8) -> WResult<()> {
        match wire_type {
            0 => {
                self.varint()?;
            }
            1 => self.advance(8)?,
            2 => {
                self.bytes()?;
            }
            5 => self.advance(4)?,
            _ => return Err(self.err("unsupported wire type (groups or invalid)")),
        }
        Ok(())
    }

    fn advance(&mut self, n: usize) -> WResult<()> {
        if self.buf.len() - self.pos < n {
            return Err(self.err("fixed-size field runs past the end"));
        }
        self.pos += n;
        Ok(())
    }

    /// A scalar of an int64/uint64/bool field, checking the wire type.
    #[inline]
    fn scalar(&mut self, wire_type: u8) -> WResult<u64> {
        if wire_type != 0 {
            return Err(self.err("expected a varint field"));
        }
        self.varint()
    }

    /// Appends the values of a repeated varint field, packed or not.
    fn repeated(&mut self, wire_type: u8, out: &mut Vec<u64>) -> WResult<()> {
        match wire_type {
            0 => out.push(self.varint()?),
            2 => {
                let (b, base) = self.bytes()?;
                let mut w = Wire::new(b, base);
                while !w.done() {
                    out.push(w.varint()?);
                }
            }
            _ => return Err(self.err("expected a varint or packed field")),
        }
        Ok(())
    }

    fn message(&mut self, wire_type: u8) -> WResult<Wire<'a>> {
        if wire_type != 2 {
            return Err(self.err("expected an embedded message"));
        }
        let (b, base) = self.bytes()?;
        Ok(Wire::new(b, base))
    }
}

/// String indexes as they are in the file, checked once the table is known.
#[derive(Default)]
struct RawValueType {
    ty: i64,
    unit: i64,
}

#[derive(Default)]
struct RawLine {
    function_id: u64,
    line: i64,
    column: i64,
}

#[derive(Default)]
struct RawLabel {
    key: i64,
    str: i64,
    num: i64,
    num_unit: i64,
}

struct RawMapping {
    m: Mapping,
    file: i64,
    build_id: i64,
}

struct RawFunction {
    id: u64,
    name: i64,
    system_name: i64,
    filename: i64,
    start_line: i64,
}

struct RawLocation {
    id: u64,
    mapping_id: u64,
    address: u64,
    lines: std::ops::Range<u32>,
    is_folded: bool,
}

#[derive(Default)]
struct Raw {
    sample_types: Vec<RawValueType>,
    /// Where each sample message is (offset and length in the input):
    /// samples are decoded once the locations are known, in parallel.
    samples: Vec<(usize, usize)>,
    mappings: Vec<RawMapping>,
    locations: Vec<RawLocation>,
    lines: Vec<RawLine>,
    functions: Vec<RawFunction>,
    strings: Option<Strings>,
    drop_frames: i64,
    keep_frames: i64,
    time_nanos: i64,
    time_fields: u32,
    duration_nanos: i64,
    period_type: Option<RawValueType>,
    period: i64,
    comments: Vec<u64>,
    default_sample_type: i64,
    doc_url: i64,
}

impl Raw {
    /// Takes in one top-level field of the profile, its key read: a
    /// sample's place, a table entry, a scalar. `size` is the size of the
    /// whole input, to size the string table.
    fn field(&mut self, field: u64, wt: u8, w: &mut Wire, size: usize) -> WResult<()> {
        match field {
            1 => {
                let m = w.message(wt)?;
                self.sample_types.push(value_type(m)?);
            }
            2 => {
                let m = w.message(wt)?;
                self.samples.push((m.base, m.buf.len()));
            }
            3 => {
                let m = w.message(wt)?;
                self.mappings.push(mapping(m)?);
            }
            4 => {
                let m = w.message(wt)?;
                location(m, self)?;
            }
            5 => {
                let m = w.message(wt)?;
                self.functions.push(function(m)?);
            }
            6 => {
                if wt != 2 {
                    return Err(w.err("string_table entry is not length-delimited"));
                }
                let (b, _) = w.bytes()?;
                let strings = self
                    .strings
                    .get_or_insert_with(|| Strings::with_capacity(1024, size / 4));
                match std::str::from_utf8(b) {
                    Ok(s) => strings.push(s),
                    Err(_) => strings.push(&String::from_utf8_lossy(b)),
                };
            }
            7 => self.drop_frames = w.scalar(wt)? as i64,
            8 => self.keep_frames = w.scalar(wt)? as i64,
            9 => {
                self.time_nanos = w.scalar(wt)? as i64;
                self.time_fields += 1;
            }
            10 => self.duration_nanos = w.scalar(wt)? as i64,
            11 => {
                let m = w.message(wt)?;
                // A repeated embedded message merges into the earlier one.
                let vt = value_type(m)?;
                self.period_type = Some(vt);
            }
            12 => self.period = w.scalar(wt)? as i64,
            13 => w.repeated(wt, &mut self.comments)?,
            14 => self.default_sample_type = w.scalar(wt)? as i64,
            15 => self.doc_url = w.scalar(wt)? as i64,
            _ => w.skip(wt)?,
        }
        Ok(())
    }
}

/// Decodes an uncompressed pprof protobuf message.
pub fn decode(buf: &[u8]) -> Result<Profile, ParseError> {
    decode_with(buf, None)
}

/// [`decode`], going on from the fields `prefetch` took in from the start
/// of `buf` while it was still being inflated, and using the samples it
/// read (where its guesses hold).
pub(crate) fn decode_with(
    buf: &[u8],
    mut prefetch: Option<SamplePrefetch>,
) -> Result<Profile, ParseError> {
    if buf.is_empty() {
        return Err(ParseError::Empty);
    }
    // The fields the read-ahead took in already (whole, well formed, in
    // order) are in its tables: the first pass goes on after them.
    let (mut raw, start) = match prefetch.as_mut() {
        Some(p) => (std::mem::take(&mut p.raw), p.pos),
        None => (Raw::default(), 0),
    };
    let mut w = Wire::new(&buf[start..], start);
    while !w.done() {
        let (field, wt) = w.key()?;
        raw.field(field, wt, &mut w, buf.len())?;
    }
    let concatenated = raw.time_fields > 1;
    resolve(buf, raw, prefetch).map_err(|e| match e {
        ParseError::Invalid(v) if concatenated => ParseError::Concatenated(v),
        e => e,
    })
}

fn value_type(mut w: Wire) -> WResult<RawValueType> {
    let mut v = RawValueType::default();
    while !w.done() {
        let (f, wt) = w.key()?;
        match f {
            1 => v.ty = w.scalar(wt)? as i64,
            2 => v.unit = w.scalar(wt)? as i64,
            _ => w.skip(wt)?,
        }
    }
    Ok(v)
}

/// Samples decoded from a run of sample messages, with the first error
/// of each kind that resolve reports (in its order: unknown locations,
/// then value counts, then label strings).
#[derive(Default)]
pub(crate) struct SampleRun {
    stack_ends: Vec<u32>,
    stacks: Vec<u32>,
    values: Vec<i64>,
    label_ends: Vec<u32>,
    labels: Vec<Label>,
    unknown_location: Option<ParseError>,
    value_count: Option<ParseError>,
    label_string: Option<ParseError>,
}

impl SampleRun {
    /// Appends a later run.
    fn append(&mut self, mut later: SampleRun) {
        let stacks = self.stacks.len() as u32;
        self.stacks.append(&mut later.stacks);
        self.append_placed(later, stacks);
    }

    /// Appends a later run whose location indices are already in place
    /// at `stacks` in `self.stacks` (its stack ends count from there).
    fn append_placed(&mut self, mut later: SampleRun, stacks: u32) {
        let labels = self.labels.len() as u32;
        self.stack_ends
            .extend(later.stack_ends.iter().map(|&e| e + stacks));
        self.values.append(&mut later.values);
        self.label_ends
            .extend(later.label_ends.iter().map(|&e| e + labels));
        self.labels.append(&mut later.labels);
        self.unknown_location = self.unknown_location.take().or(later.unknown_location);
        self.value_count = self.value_count.take().or(later.value_count);
        self.label_string = self.label_string.take().or(later.label_string);
    }
}

/// Where a run's location indices go: the run's own vector, or a slice
/// of the profile's, sized beforehand, that threads fill side by side.
trait Stacks {
    fn push(&mut self, index: u32);
    /// Indices pushed so far (past the slice's end too, for the check).
    fn len(&self) -> usize;
}

impl Stacks for Vec<u32> {
    #[inline]
    fn push(&mut self, index: u32) {
        Vec::push(self, index);
    }
    fn len(&self) -> usize {
        Vec::len(self)
    }
}

/// A slice of the profile's location indices, filled from its start.
struct StackSlice<'s> {
    slots: &'s mut [u32],
    len: usize,
}

impl Stacks for StackSlice<'_> {
    #[inline]
    fn push(&mut self, index: u32) {
        if let Some(slot) = self.slots.get_mut(self.len) {
            *slot = index;
        }
        self.len += 1;
    }
    fn len(&self) -> usize {
        self.len
    }
}

/// What resolving sample fields needs: the location ids, the number of
/// values per sample and the size of the string table.
struct SampleCtx<'a> {
    buf: &'a [u8],
    locations: &'a IdMap,
    width: usize,
    strings: usize,
}

impl SampleCtx<'_> {
    fn string(&self, field: &'static str, index: i64) -> Result<StrId, ParseError> {
        if index < 0 || index as u64 >= self.strings as u64 {
            Err(ParseError::BadString {
                field,
                index,
                len: self.strings,
            })
        } else {
            Ok(index as StrId)
        }
    }

    /// Decodes the sample messages `msgs`, the first of which is sample
    /// number `first`. Wire errors end it; rule violations are recorded.
    fn run(&self, msgs: &[(usize, usize)], first: usize) -> WResult<SampleRun> {
        let mut stacks = Vec::new();
        let mut run = self.run_into(msgs, first, &mut stacks)?;
        run.stacks = stacks;
        Ok(run)
    }

    /// [`SampleCtx::run`] with the location indices pushed to `stacks`
    /// (the run's stack ends count them from its start).
    fn run_into(
        &self,
        msgs: &[(usize, usize)],
        first: usize,
        stacks: &mut impl Stacks,
    ) -> WResult<SampleRun> {
        let mut run = SampleRun {
            stack_ends: Vec::with_capacity(msgs.len()),
            values: Vec::with_capacity(msgs.len() * self.width),
            ..SampleRun::default()
        };
        let mut ids = Vec::new();
        for (k, &(off, len)) in msgs.iter().enumerate() {
            self.sample(
                Wire::new(&self.buf[off..off + len], off),
                first + k,
                &mut run,
                stacks,
                &mut ids,
            )?;
        }
        Ok(run)
    }

    /// How many location ids the sample messages `msgs` hold, counted
    /// without decoding them (in a packed run, every varint ends in the
    /// one byte without the continuation bit); `None` when a message is
    /// not plainly well formed, for the ordinary decoding to report.
    fn count_ids(&self, msgs: &[(usize, usize)]) -> Option<usize> {
        let mut n = 0;
        for &(off, len) in msgs {
            let mut w = Wire::new(&self.buf[off..off + len], off);
            while !w.done() {
                match w.key().ok()? {
                    (1, 2) => n += varint_count(w.bytes().ok()?.0),
                    (1, 0) => {
                        w.varint().ok()?;
                        n += 1;
                    }
                    (1, _) => return None,
                    (_, wt) => w.skip(wt).ok()?,
                }
            }
        }
        Some(n)
    }

    fn sample(
        &self,
        mut w: Wire,
        index: usize,
        run: &mut SampleRun,
        stacks: &mut impl Stacks,
        scratch: &mut Vec<u64>,
    ) -> WResult<()> {
        let values_before = run.values.len();
        while !w.done() {
            let (f, wt) = w.key()?;
            match f {
                1 if wt == 2 => {
                    // Packed, as every encoder writes it: the hot loop of
                    // reading a profile, one location id per frame.
                    let (b, base) = w.bytes()?;
                    let mut ids = Wire::new(b, base);
                    ids.varints_in_words(|id| self.push_location(id, index, run, stacks));
                    while !ids.done() {
                        let id = ids.varint()?;
                        self.push_location(id, index, run, stacks);
                    }
                }
                1 => {
                    let id = w.scalar(wt)?;
                    self.push_location(id, index, run, stacks);
                }
                2 => {
                    scratch.clear();
                    w.repeated(wt, scratch)?;
                    run.values.extend(scratch.iter().map(|&v| v as i64));
                }
                3 => {
                    let l = raw_label(w.message(wt)?)?;
                    self.label(l, run);
                }
                _ => w.skip(wt)?,
            }
        }
        run.stack_ends.push(len32(stacks.len(), "location ids")?);
        let n = run.values.len() - values_before;
        if n != self.width {
            run.value_count.get_or_insert(
                ValidationError::ValueCount {
                    sample: index,
                    values: n,
                    types: self.width,
                }
                .into(),
            );
        }
        run.label_ends.push(len32(run.labels.len(), "labels")?);
        Ok(())
    }

    #[inline]
    fn push_location(&self, id: u64, index: usize, run: &mut SampleRun, stacks: &mut impl Stacks) {
        let idx = match self.locations.get(id) {
            Some(i) => i,
            None => {
                run.unknown_location
                    .get_or_insert(ValidationError::UnknownLocation { sample: index, id }.into());
                0
            }
        };
        stacks.push(idx);
    }

    /// Checks and keeps one label. A label with neither a string, a number
    /// nor a unit means nothing; Go's decoder drops it, and so does rprof,
    /// so that every report (and a written file) agrees with pprof's view
    /// of the profile.
    fn label(&self, l: RawLabel, run: &mut SampleRun) {
        let checked = if l.str == 0 && l.num == 0 && l.num_unit == 0 {
            self.string("label key", l.key).map(|_| None)
        } else {
            (|| {
                Ok(Some(Label {
                    key: self.string("label key", l.key)?,
                    str: self.string("label str", l.str)?,
                    num: l.num,
                    num_unit: self.string("label num_unit", l.num_unit)?,
                }))
            })()
        };
        match checked {
            Ok(Some(label)) => run.labels.push(label),
            Ok(None) => {}
            Err(e) => {
                run.label_string.get_or_insert(e);
            }
        }
    }
}

/// Reads the samples at the front of a profile while the rest of it is
/// still being inflated (on another thread), so that decoding them
/// overlaps inflating.
///
/// Go writes the period and the sample types, then the samples, each
/// preceded by the locations and functions it is the first to use (other
/// writers put the tables after every sample). Until the tables are
/// known, a sample's location ids are taken to be Go's dense 1..=n
/// (index = id - 1) and its label strings to exist;
/// [`SamplePrefetch::confirmed`] checks these guesses against the
/// tables, and where they fail (or a sample type comes after samples)
/// the samples are decoded again the ordinary way, so the result and the
/// errors are always those of [`decode`].
///
/// Every field is also taken in as the first pass of [`decode`] takes it
/// (the tables, the scalars, where each sample is), so that the first
/// pass goes on where the read-ahead stopped: walking the whole profile
/// again was a serial step after inflating, a tenth of `top` on a
/// profile of 72,000 locations.
#[derive(Default)]
pub(crate) struct SamplePrefetch {
    /// Where the next top-level field starts.
    pos: usize,
    /// The fields before `pos`, as the first pass takes them in.
    raw: Raw,
    /// The size the whole input is expected to have (see
    /// [`Raw::field`]).
    size_hint: usize,
    /// Sample types seen before the first sample.
    width: usize,
    /// How many of the samples taken in (`raw.samples`) are read into
    /// `run`.
    decoded: usize,
    /// The samples read so far, with guessed location indices.
    run: SampleRun,
    max_location: u64,
    max_string: i64,
    /// A field that cannot be taken in (a group, a broken field) was
    /// reached: the first pass goes on from there and reports it.
    stopped: bool,
    /// A guess cannot hold (an id too big for an index, a negative string
    /// index, a wrong value count, a sample type after the samples):
    /// nothing read of the samples is used.
    failed: bool,
    scratch: Vec<u64>,
}

impl SamplePrefetch {
    /// A read-ahead for an input expected to be about `size` bytes.
    pub(crate) fn with_size_hint(size: usize) -> Self {
        SamplePrefetch {
            size_hint: size,
            ..SamplePrefetch::default()
        }
    }

    /// Takes in every complete top-level field of `buf` (the inflated
    /// bytes so far, growing between calls), then reads about `budget`
    /// bytes of the samples taken in. Whether it did anything.
    ///
    /// The fields come first: when the samples are slower to read than
    /// the input inflates, the first pass must not be left to do the
    /// tables after inflating (alone, while the samples left are read by
    /// every thread).
    pub(crate) fn feed(&mut self, buf: &[u8], budget: usize) -> bool {
        let before = (self.pos, self.decoded);
        self.fields(buf);
        self.samples(buf, budget);
        (self.pos, self.decoded) != before
    }

    fn fields(&mut self, buf: &[u8]) {
        while !self.stopped && self.pos < buf.len() {
            let mut w = Wire::new(&buf[self.pos..], self.pos);
            // A field cut off by the end of what is inflated yet is
            // read again next time; a broken one stops the read-ahead
            // (the first pass will report it).
            let Ok((field, wt)) = w.key() else {
                self.stopped |= buf.len() - self.pos >= 10;
                return;
            };
            let end = match wt {
                0 => {
                    if w.varint().is_err() {
                        self.stopped |= buf.len() - self.pos >= 20;
                        return;
                    }
                    w.pos
                }
                1 | 5 => {
                    let n = if wt == 1 { 8 } else { 4 };
                    if w.buf.len() - w.pos < n {
                        return;
                    }
                    w.pos + n
                }
                2 => {
                    let Ok(len) = w.varint() else {
                        self.stopped |= buf.len() - self.pos >= 20;
                        return;
                    };
                    if len > (w.buf.len() - w.pos) as u64 {
                        return;
                    }
                    w.pos + len as usize
                }
                _ => {
                    self.stopped = true;
                    return;
                }
            };
            // The whole field is there: the first pass's reading of it,
            // on it alone (it reads the same bytes, and where it fails it
            // fails again in the first pass, which then reports it).
            let mut f = Wire::new(&buf[self.pos..self.pos + end], self.pos);
            let size = self.size_hint.max(buf.len());
            let samples_before = self.raw.samples.len();
            if f.key()
                .and_then(|_| self.raw.field(field, wt, &mut f, size))
                .is_err()
            {
                self.stopped = true;
                return;
            }
            self.pos += end;
            match field {
                // Sample types after samples: the width the samples were
                // read with may be wrong.
                1 if samples_before > 0 => self.failed = true,
                2 if samples_before == 0 => self.width = self.raw.sample_types.len(),
                _ => {}
            }
        }
    }

    /// Reads about `budget` bytes of the samples taken in and not read.
    fn samples(&mut self, buf: &[u8], budget: usize) {
        let mut read = 0;
        while !self.failed && read < budget {
            let Some(&(start, len)) = self.raw.samples.get(self.decoded) else {
                return;
            };
            if self
                .sample(Wire::new(&buf[start..start + len], start))
                .is_err()
            {
                self.failed = true;
                return;
            }
            self.decoded += 1;
            read += len.max(1);
        }
    }

    /// One sample, as [`SampleCtx::sample`] reads it, with guessed ids.
    fn sample(&mut self, mut w: Wire) -> WResult<()> {
        let run = &mut self.run;
        let values_before = run.values.len();
        while !w.done() {
            let (f, wt) = w.key()?;
            match f {
                1 => {
                    let (b, base) = if wt == 2 {
                        w.bytes()?
                    } else {
                        // One unpacked id: read it as a packed run of one.
                        let start = w.pos;
                        w.scalar(wt)?;
                        (&w.buf[start..w.pos], w.base + start)
                    };
                    let mut ids = Wire::new(b, base);
                    let mut max = self.max_location;
                    let mut push = |id: u64| {
                        max = max.max(id);
                        run.stacks.push(id.wrapping_sub(1) as u32);
                        id == 0 || id > u64::from(u32::MAX)
                    };
                    let mut bad = false;
                    ids.varints_in_words(|id| bad |= push(id));
                    while !ids.done() {
                        bad |= push(ids.varint()?);
                    }
                    if bad {
                        return Err(ids.err("location id is not a dense index"));
                    }
                    self.max_location = max;
                }
                2 => {
                    self.scratch.clear();
                    w.repeated(wt, &mut self.scratch)?;
                    run.values.extend(self.scratch.iter().map(|&v| v as i64));
                }
                3 => {
                    let l = raw_label(w.message(wt)?)?;
                    let strings = [l.key, l.str, l.num_unit];
                    if strings.iter().any(|&i| i < 0 || i > i64::from(u32::MAX)) {
                        return Err(w.err("label string index out of range"));
                    }
                    self.max_string = strings.into_iter().fold(self.max_string, i64::max);
                    // Meaningless labels are dropped, as SampleCtx::label does.
                    if !(l.str == 0 && l.num == 0 && l.num_unit == 0) {
                        run.labels.push(Label {
                            key: l.key as StrId,
                            str: l.str as StrId,
                            num: l.num,
                            num_unit: l.num_unit as StrId,
                        });
                    }
                }
                _ => w.skip(wt)?,
            }
        }
        if run.values.len() - values_before != self.width {
            return Err(w.err("value count differs from the sample types"));
        }
        run.stack_ends
            .push(len32(run.stacks.len(), "location ids")?);
        run.label_ends.push(len32(run.labels.len(), "labels")?);
        Ok(())
    }

    /// Whether [`SamplePrefetch::feed`] could read more of `buf`.
    pub(crate) fn wants(&self, buf: &[u8]) -> bool {
        (!self.stopped && self.pos < buf.len())
            || (!self.failed && self.decoded < self.raw.samples.len())
    }

    /// The samples read ahead, if every guess holds for the profile as
    /// the first pass read it: its locations are numbered 1..=n and cover
    /// their ids, the width is right, and their label strings exist.
    /// (They are its first samples: the first pass went on from the
    /// read-ahead's own list of them.)
    fn confirmed(self, ctx: &SampleCtx) -> Option<SampleRun> {
        let dense = match ctx.locations {
            IdMap::Dense(n) => self.max_location <= *n as u64,
            IdMap::Sparse(_) => self.decoded == 0,
        };
        let ok = !self.failed
            && dense
            && self.width == ctx.width
            && self.max_string < ctx.strings as i64;
        ok.then_some(self.run)
    }
}

/// Samples per run below which decoding stays on one thread.
const SAMPLES_PER_RUN: usize = 16_384;

/// Decodes the sample messages `msgs` (sample number `first` onwards)
/// and appends them to `into` (the samples before them, or none).
///
/// With several threads, each decodes one contiguous share. The location
/// indices, most of a profile's bytes, are written straight into their
/// place in `into`'s array: each share's ids are counted first, so that
/// nothing is copied afterwards (appending the shares' arrays was a
/// fifth of `top` on a profile of 200,000 deep stacks, mostly page
/// faults on the copies).
fn decode_samples(
    ctx: &SampleCtx,
    msgs: &[(usize, usize)],
    first: usize,
    mut into: SampleRun,
) -> WResult<SampleRun> {
    // One run on this thread: for few samples or one thread, and for
    // input the counting below cannot vouch for (malformed messages,
    // which the ordinary checks then name).
    let plain = |mut into: SampleRun| -> WResult<SampleRun> {
        into.append(ctx.run(msgs, first)?);
        Ok(into)
    };
    let threads = rayon::current_num_threads();
    if threads < 2 || msgs.len() < 2 * SAMPLES_PER_RUN {
        return plain(into);
    }
    use rayon::prelude::*;
    let per = msgs
        .len()
        .div_ceil(threads.min(msgs.len() / SAMPLES_PER_RUN));
    let shares: Vec<&[(usize, usize)]> = msgs.chunks(per).collect();
    let counts: Option<Vec<usize>> = shares.par_iter().map(|m| ctx.count_ids(m)).collect();
    let base = into.stacks.len();
    let total = counts
        .as_ref()
        .map(|c| c.iter().sum::<usize>())
        .filter(|&t| base + t <= u32::MAX as usize);
    let (Some(counts), Some(total)) = (counts, total) else {
        return plain(into);
    };
    into.stacks.reserve_exact(total);
    // Zeroed by every thread at once: the first touch of fresh pages is
    // most of the cost of filling them.
    into.stacks.par_extend(rayon::iter::repeat_n(0u32, total));
    let mut slices = Vec::with_capacity(counts.len());
    let mut rest = &mut into.stacks[base..];
    for &c in &counts {
        let (share, later) = rest.split_at_mut(c);
        slices.push(share);
        rest = later;
    }
    let runs: Vec<WResult<(SampleRun, usize)>> = shares
        .par_iter()
        .zip(slices)
        .enumerate()
        .map(|(i, (m, slots))| {
            let mut slice = StackSlice { slots, len: 0 };
            let run = ctx.run_into(m, first + i * per, &mut slice)?;
            Ok((run, slice.len))
        })
        .collect();
    let mut at = base;
    let mut runs_ok = Vec::with_capacity(runs.len());
    for (r, &c) in runs.into_iter().zip(&counts) {
        let (run, len) = r?;
        if len != c {
            // The count and the decoding disagree (a malformed varint the
            // count took for a whole one): start again the plain way.
            into.stacks.truncate(base);
            return plain(into);
        }
        runs_ok.push((run, at));
        at += c;
    }
    for (run, at) in runs_ok {
        into.append_placed(run, at as u32);
    }
    Ok(into)
}

/// A sample's label as the file has it (string indexes unchecked).
fn raw_label(mut m: Wire) -> WResult<RawLabel> {
    let mut l = RawLabel::default();
    while !m.done() {
        let (f, wt) = m.key()?;
        match f {
            1 => l.key = m.scalar(wt)? as i64,
            2 => l.str = m.scalar(wt)? as i64,
            3 => l.num = m.scalar(wt)? as i64,
            4 => l.num_unit = m.scalar(wt)? as i64,
            _ => m.skip(wt)?,
        }
    }
    Ok(l)
}

fn len32(n: usize, what: &'static str) -> WResult<u32> {
    u32::try_from(n).map_err(|_| ValidationError::TooLarge(what).into())
}

fn mapping(mut w: Wire) -> WResult<RawMapping> {
    let mut r = RawMapping {
        m: Mapping::default(),
        file: 0,
        build_id: 0,
    };
    while !w.done() {
        let (f, wt) = w.key()?;
        match f {
            1 => r.m.id = w.scalar(wt)?,
            2 => r.m.start = w.scalar(wt)?,
            3 => r.m.limit = w.scalar(wt)?,
            4 => r.m.offset = w.scalar(wt)?,
            5 => r.file = w.scalar(wt)? as i64,
            6 => r.build_id = w.scalar(wt)? as i64,
            7 => r.m.has_functions = w.scalar(wt)? != 0,
            8 => r.m.has_filenames = w.scalar(wt)? != 0,
            9 => r.m.has_line_numbers = w.scalar(wt)? != 0,
            10 => r.m.has_inline_frames = w.scalar(wt)? != 0,
            _ => w.skip(wt)?,
        }
    }
    Ok(r)
}

fn location(mut w: Wire, raw: &mut Raw) -> WResult<()> {
    let start = len32(raw.lines.len(), "lines")?;
    let mut loc = RawLocation {
        id: 0,
        mapping_id: 0,
        address: 0,
        lines: start..start,
        is_folded: false,
    };
    while !w.done() {
        let (f, wt) = w.key()?;
        match f {
            1 => loc.id = w.scalar(wt)?,
            2 => loc.mapping_id = w.scalar(wt)?,
            3 => loc.address = w.scalar(wt)?,
            4 => {
                let mut m = w.message(wt)?;
                let mut l = RawLine::default();
                while !m.done() {
                    let (f, wt) = m.key()?;
                    match f {
                        1 => l.function_id = m.scalar(wt)?,
                        2 => l.line = m.scalar(wt)? as i64,
                        3 => l.column = m.scalar(wt)? as i64,
                        _ => m.skip(wt)?,
                    }
                }
                raw.lines.push(l);
            }
            5 => loc.is_folded = w.scalar(wt)? != 0,
            _ => w.skip(wt)?,
        }
    }
    loc.lines.end = len32(raw.lines.len(), "lines")?;
    raw.locations.push(loc);
    Ok(())
}

fn function(mut w: Wire) -> WResult<RawFunction> {
    let mut r = RawFunction {
        id: 0,
        name: 0,
        system_name: 0,
        filename: 0,
        start_line: 0,
    };
    while !w.done() {
        let (f, wt) = w.key()?;
        match f {
            1 => r.id = w.scalar(wt)?,
            2 => r.name = w.scalar(wt)? as i64,
            3 => r.system_name = w.scalar(wt)? as i64,
            4 => r.filename = w.scalar(wt)? as i64,
            5 => r.start_line = w.scalar(wt)? as i64,
            _ => w.skip(wt)?,
        }
    }
    Ok(r)
}

/// Maps file ids to dense indices. Go writes ids 1..=n in order, so the
/// common case needs no hash map at all.
pub(crate) enum IdMap {
    Dense(usize),
    Sparse(HashMap<u64, u32>),
}

impl IdMap {
    pub(crate) fn build(
        ids: impl ExactSizeIterator<Item = u64> + Clone,
        what: &'static str,
    ) -> Result<IdMap, ValidationError> {
        let n = ids.len();
        if ids.clone().enumerate().all(|(i, id)| id == i as u64 + 1) {
            return Ok(IdMap::Dense(n));
        }
        let mut map = HashMap::with_capacity(n);
        for (i, id) in ids.enumerate() {
            if id == 0 {
                return Err(ValidationError::ZeroId { what });
            }
            if map.insert(id, i as u32).is_some() {
                return Err(ValidationError::DuplicateId { what, id });
            }
        }
        Ok(IdMap::Sparse(map))
    }

    #[inline]
    pub(crate) fn get(&self, id: u64) -> Option<u32> {
        match self {
            IdMap::Dense(n) => (id >= 1 && id <= *n as u64).then(|| (id - 1) as u32),
            IdMap::Sparse(m) => m.get(&id).copied(),
        }
    }
}

fn resolve(buf: &[u8], raw: Raw, prefetch: Option<SamplePrefetch>) -> Result<Profile, ParseError> {
    let strings = raw.strings.unwrap_or_default();
    if strings.is_empty() {
        // No string table at all: only valid if nothing refers to strings,
        // which the checks below find out; give the table its "" entry.
    } else if !strings.get(0).is_empty() {
        return Err(ParseError::BadStringZero);
    }
    let strings = if strings.is_empty() {
        Strings::new()
    } else {
        strings
    };
    let nstr = strings.len();
    let s = |field: &'static str, index: i64| -> Result<StrId, ParseError> {
        if index < 0 || index as u64 >= nstr as u64 {
            Err(ParseError::BadString {
                field,
                index,
                len: nstr,
            })
        } else {
            Ok(index as StrId)
        }
    };
    let vt = |field: &'static str, v: &RawValueType| -> Result<ValueType, ParseError> {
        Ok(ValueType {
            ty: s(field, v.ty)?,
            unit: s(field, v.unit)?,
        })
    };

    let sample_types = raw
        .sample_types
        .iter()
        .map(|v| vt("sample_type", v))
        .collect::<Result<Vec<_>, _>>()?;
    let width = sample_types.len();
    if !raw.samples.is_empty() && width == 0 {
        return Err(ValidationError::MissingSampleTypes.into());
    }

    // Functions.
    let fmap = IdMap::build(raw.functions.iter().map(|f| f.id), "function")?;
    let mut functions = Vec::with_capacity(raw.functions.len());
    for f in &raw.functions {
        if f.id == 0 {
            return Err(ValidationError::ZeroId { what: "function" }.into());
        }
        functions.push(Function {
            id: f.id,
            name: s("function name", f.name)?,
            system_name: s("function system_name", f.system_name)?,
            filename: s("function filename", f.filename)?,
            start_line: f.start_line,
        });
    }

    // Mappings.
    let mmap = IdMap::build(raw.mappings.iter().map(|m| m.m.id), "mapping")?;
    let mut mappings = Vec::with_capacity(raw.mappings.len());
    for r in raw.mappings {
        if r.m.id == 0 {
            return Err(ValidationError::ZeroId { what: "mapping" }.into());
        }
        let mut m = r.m;
        m.file = s("mapping filename", r.file)?;
        m.build_id = s("mapping build_id", r.build_id)?;
        mappings.push(m);
    }

    // Locations and their lines.
    let lmap = IdMap::build(raw.locations.iter().map(|l| l.id), "location")?;
    let mut lines = Vec::with_capacity(raw.lines.len());
    for (loc, l) in raw.locations.iter().flat_map(|loc| {
        raw.lines[loc.lines.start as usize..loc.lines.end as usize]
            .iter()
            .map(move |l| (loc, l))
    }) {
        let function = fmap
            .get(l.function_id)
            .ok_or(ValidationError::UnknownFunction {
                location: loc.id,
                id: l.function_id,
            })?;
        lines.push(Line {
            function,
            line: l.line,
            column: l.column,
        });
    }
    let mut locations = Vec::with_capacity(raw.locations.len());
    for l in &raw.locations {
        if l.id == 0 {
            return Err(ValidationError::ZeroId { what: "location" }.into());
        }
        // An unknown mapping id is tolerated, as pprof does: the location
        // simply has no mapping.
        let mapping = if l.mapping_id == 0 {
            None
        } else {
            mmap.get(l.mapping_id)
        };
        locations.push(Location {
            id: l.id,
            mapping,
            address: l.address,
            lines: l.lines.clone(),
            is_folded: l.is_folded,
        });
    }

    // Samples: every wire error first, then the first unknown location,
    // wrong value count and bad label string, in that order.
    let ctx = SampleCtx {
        buf,
        locations: &lmap,
        width,
        strings: nstr,
    };
    let prefetched = prefetch.and_then(|p| p.confirmed(&ctx)).unwrap_or_default();
    let done = prefetched.stack_ends.len();
    let run = decode_samples(&ctx, &raw.samples[done..], done, prefetched)?;
    if let Some(e) = run
        .unknown_location
        .or(run.value_count)
        .or(run.label_string)
    {
        return Err(e);
    }
    let mut samples = Samples::new(width);
    samples.stack_ends = run.stack_ends;
    samples.stacks = run.stacks;
    samples.values = run.values;
    if !run.labels.is_empty() {
        samples.label_ends = run.label_ends;
        samples.labels = run.labels;
    }

    Ok(Profile {
        sample_types,
        default_sample_type: s("default_sample_type", raw.default_sample_type)?,
        samples,
        mappings,
        locations,
        lines,
        functions,
        drop_frames: s("drop_frames", raw.drop_frames)?,
        keep_frames: s("keep_frames", raw.keep_frames)?,
        time_nanos: raw.time_nanos,
        duration_nanos: raw.duration_nanos,
        period_type: raw
            .period_type
            .as_ref()
            .map(|v| vt("period_type", v))
            .transpose()?,
        period: raw.period,
        comments: raw
            .comments
            .iter()
            .map(|&c| s("comment", c as i64))
            .collect::<Result<_, _>>()?,
        doc_url: s("doc_url", raw.doc_url)?,
        strings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn inflated(name: &str) -> Vec<u8> {
        let gz = rprof_testkit::read(rprof_testkit::fixture(&format!("profiles/{name}")));
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&gz[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    /// Profiles written by Go put the period (and, for CPU profiles, the
    /// time) before the sample types, and each location and function just
    /// before the first sample that uses it. The prefetch steps over all
    /// that and reads every sample as the bytes arrive (it used to stop at
    /// the first such field, so it read nothing of a real Go profile).
    #[test]
    fn samples_of_go_written_profiles_are_read_as_they_inflate() {
        for name in ["heap.pb.gz", "cpu.pb.gz", "cpu_labels.pb.gz", "mutex.pb.gz"] {
            let buf = inflated(name);
            let mut p = SamplePrefetch::default();
            // As the inflater hands the bytes over: a few at a time, so
            // that fields are often cut off at the end of what is there.
            for end in (0..buf.len()).step_by(37).chain([buf.len()]) {
                while p.wants(&buf[..end]) && p.feed(&buf[..end], 256) {}
            }
            let plain = decode(&buf).unwrap();
            assert!(!p.failed && !p.stopped, "{name}");
            assert_eq!(p.width, plain.sample_types.len(), "{name}");
            assert_eq!(p.decoded, plain.samples.len(), "{name}");
            let read = decode_with(&buf, Some(p)).unwrap();
            assert_eq!(read.samples.stacks, plain.samples.stacks, "{name}");
            assert_eq!(read.samples.stack_ends, plain.samples.stack_ends, "{name}");
            assert_eq!(read.samples.values, plain.samples.values, "{name}");
            assert_eq!(read.samples.labels, plain.samples.labels, "{name}");
        }
    }

    /// Packed runs of varints of every length mix (one-byte, two-byte,
    /// mixed, up to ten bytes, cut at every length): read a word at a
    /// time and then one by one, they give what the careful byte loop
    /// gives, and the word count of terminating bytes agrees.
    #[test]
    fn varints_read_a_word_at_a_time_match_the_byte_loop() {
        fn encode(mut v: u64, out: &mut Vec<u8>) {
            while v >= 0x80 {
                out.push(v as u8 | 0x80);
                v >>= 7;
            }
            out.push(v as u8);
        }
        // A small deterministic generator (xorshift), values of a chosen
        // number of bits so that every varint length shows up.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let shapes: [&[u32]; 6] = [&[7], &[14], &[7, 14], &[21, 14, 7], &[64, 7], &[56, 63, 28]];
        for shape in shapes {
            for n in 0..40 {
                let mut buf = Vec::new();
                let mut want = Vec::new();
                for i in 0..n {
                    let bits = shape[i % shape.len()];
                    let v = next() >> (64 - bits);
                    // Values right at the limit of their length too.
                    let v = if i % 5 == 0 {
                        (1u64 << bits.min(63)) - 1
                    } else {
                        v
                    };
                    encode(v, &mut buf);
                    want.push(v);
                }
                let mut w = Wire::new(&buf, 0);
                let mut got = Vec::new();
                w.varints_in_words(|v| got.push(v));
                while !w.done() {
                    got.push(w.varint().unwrap());
                }
                assert_eq!(got, want, "shape {shape:?}, {n} varints");
                assert_eq!(varint_count(&buf), n, "shape {shape:?}, {n} varints");
                for cut in 0..buf.len() {
                    let mut w = Wire::new(&buf[..cut], 0);
                    let mut got = Vec::new();
                    w.varints_in_words(|v| got.push(v));
                    assert!(got.len() <= want.len() && got[..] == want[..got.len()]);
                    assert!(w.pos <= cut);
                }
            }
        }
    }

    /// What decoding gives, comparable: the profile written out, or the
    /// error's message.
    fn outcome(r: Result<Profile, ParseError>) -> Result<Vec<u8>, String> {
        r.map(|p| crate::write::encode(&p))
            .map_err(|e| e.to_string())
    }

    /// The first pass goes on where the read-ahead stopped, with the
    /// tables and scalars it took in: the profile, or the error, is the
    /// one a first pass from the start gives, whatever the bytes (whole
    /// fixtures, bytes flipped and cuts all over them) and however they
    /// arrived (a few at a time, or in big chunks).
    #[test]
    fn the_first_pass_resumes_where_the_read_ahead_stopped() {
        let names = [
            "heap.pb.gz",
            "cpu.pb.gz",
            "cpu_labels.pb.gz",
            "mutex.pb.gz",
            "goroutine.pb.gz",
        ];
        for name in names {
            let whole = inflated(name);
            let mut variants = vec![whole.clone()];
            for k in 1..40 {
                let at = whole.len() * k / 40;
                let mut flipped = whole.clone();
                flipped[at] ^= [0x01, 0x80, 0xff, 0x10][k % 4];
                variants.push(flipped);
                variants.push(whole[..at].to_vec());
            }
            for (v, buf) in variants.iter().enumerate() {
                let want = outcome(decode(buf));
                for step in [37, 4096] {
                    let mut p = SamplePrefetch::with_size_hint(buf.len());
                    for end in (0..buf.len()).step_by(step).chain([buf.len()]) {
                        while p.wants(&buf[..end]) && p.feed(&buf[..end], 1000) {}
                    }
                    if v == 0 {
                        // The whole fixture is read ahead to its end.
                        assert_eq!(p.pos, buf.len(), "{name}");
                    }
                    assert_eq!(
                        outcome(decode_with(buf, Some(p))),
                        want,
                        "{name}, variant {v}, step {step}"
                    );
                }
            }
        }
    }

    /// The top-level fields of `buf`: (field number, start, end).
    fn fields(buf: &[u8]) -> Vec<(u64, usize, usize)> {
        let mut w = Wire::new(buf, 0);
        let mut out = Vec::new();
        while !w.done() {
            let start = w.pos;
            let (field, wt) = w.key().unwrap();
            w.skip(wt).unwrap();
            out.push((field, start, w.pos));
        }
        out
    }

    /// A big profile in Go's field order, read ahead only in part: the
    /// samples left are decoded by two threads straight into the array
    /// after the prefetched ones, and everything equals the plain
    /// single-threaded reading.
    #[test]
    fn samples_left_after_a_partial_prefetch_land_in_place() {
        let small = inflated("cpu_labels.pb.gz");
        let samples: Vec<&[u8]> = fields(&small)
            .into_iter()
            .filter(|&(f, _, _)| f == 2)
            .map(|(_, a, b)| &small[a..b])
            .collect();
        // Go's order, with copies of the samples appended (they use the
        // same locations and labels) until two threads share the rest.
        let mut buf = small.clone();
        let mut n = samples.len();
        while n < 6 * SAMPLES_PER_RUN {
            for s in &samples {
                buf.extend_from_slice(s);
            }
            n += samples.len();
        }
        let pool = |n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
        };
        let plain = pool(1).install(|| decode(&buf)).unwrap();
        assert_eq!(plain.samples.len(), n);
        for part in [3, 2] {
            let mut p = SamplePrefetch::default();
            let end = buf.len() / part;
            while p.wants(&buf[..end]) && p.feed(&buf[..end], 4096) {}
            let done = p.decoded;
            assert!(n - done >= 2 * SAMPLES_PER_RUN, "{done} of {n}");
            assert!(done > 0, "nothing read ahead");
            let read = pool(2).install(|| decode_with(&buf, Some(p))).unwrap();
            assert_eq!(read.samples.stacks, plain.samples.stacks);
            assert_eq!(read.samples.stack_ends, plain.samples.stack_ends);
            assert_eq!(read.samples.values, plain.samples.values);
            assert_eq!(read.samples.label_ends, plain.samples.label_ends);
            assert_eq!(read.samples.labels, plain.samples.labels);
        }
    }
}
