//! Building a [`Profile`] piece by piece, with interning: the text readers
//! and the merger use it, so that equal strings, functions, locations and
//! mappings are stored once however often they are added.

use crate::model::*;
use rustc_hash::FxHashMap;

/// Interns strings, functions, locations and mappings; appends samples.
///
/// Ids of the finished profile are dense indices + 1, the way Go numbers
/// them.
#[derive(Default)]
pub struct ProfileBuilder {
    profile: Profile,
    // Fx, not SipHash: the keys are the profile's own, and a fleet merge
    // interns every string and function of every input.
    strings: FxHashMap<Box<str>, StrId>,
    functions: FxHashMap<(StrId, StrId, StrId, i64), u32>,
    locations: FxHashMap<LocationKey, u32>,
    mappings: FxHashMap<Mapping, u32>,
}

/// What makes two locations the same: pprof's merge key, with the address
/// made relative to the mapping so that relocated binaries still match.
#[derive(PartialEq, Eq, Hash)]
struct LocationKey {
    mapping: Option<u32>,
    address: u64,
    is_folded: bool,
    lines: Vec<(u32, i64, i64)>,
}

impl ProfileBuilder {
    /// A builder whose samples have `sample_types` values each.
    pub fn new() -> Self {
        let mut b = ProfileBuilder {
            profile: Profile::default(),
            ..Default::default()
        };
        b.strings.insert("".into(), 0);
        b
    }

    /// The profile being built, for setting header fields directly.
    pub fn profile_mut(&mut self) -> &mut Profile {
        &mut self.profile
    }

    /// The profile being built.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The id of `s`, adding it if it is new.
    pub fn intern(&mut self, s: &str) -> StrId {
        if let Some(&id) = self.strings.get(s) {
            return id;
        }
        let id = self.profile.strings.push(s);
        self.strings.insert(s.into(), id);
        id
    }

    /// A value type from its two names.
    pub fn value_type(&mut self, ty: &str, unit: &str) -> ValueType {
        ValueType {
            ty: self.intern(ty),
            unit: self.intern(unit),
        }
    }

    /// Appends a sample type; call before adding samples.
    pub fn add_sample_type(&mut self, ty: &str, unit: &str) {
        let vt = self.value_type(ty, unit);
        self.profile.sample_types.push(vt);
        self.profile.samples.width = self.profile.sample_types.len();
    }

    /// The dense index of a function, adding it if it is new.
    pub fn function(
        &mut self,
        name: &str,
        system_name: &str,
        filename: &str,
        start_line: i64,
    ) -> u32 {
        let key = (
            self.intern(name),
            self.intern(system_name),
            self.intern(filename),
            start_line,
        );
        self.function_ids(key.0, key.1, key.2, key.3)
    }

    /// Like [`Self::function`], with already interned strings.
    pub fn function_ids(
        &mut self,
        name: StrId,
        system_name: StrId,
        filename: StrId,
        start_line: i64,
    ) -> u32 {
        let key = (name, system_name, filename, start_line);
        if let Some(&i) = self.functions.get(&key) {
            return i;
        }
        let i = self.profile.functions.len() as u32;
        self.profile.functions.push(Function {
            id: u64::from(i) + 1,
            name,
            system_name,
            filename,
            start_line,
        });
        self.functions.insert(key, i);
        i
    }

    /// The dense index of a mapping, adding it if it is new (its `id` is
    /// ignored and reassigned).
    pub fn mapping(&mut self, mut m: Mapping) -> u32 {
        m.id = 0;
        if let Some(&i) = self.mappings.get(&m) {
            return i;
        }
        let i = self.profile.mappings.len() as u32;
        let mut stored = m.clone();
        stored.id = u64::from(i) + 1;
        self.profile.mappings.push(stored);
        self.mappings.insert(m, i);
        i
    }

    /// The dense index of a location, adding it if it is new. `lines` are
    /// innermost first, functions as dense indices of this builder.
    pub fn location(
        &mut self,
        mapping: Option<u32>,
        address: u64,
        lines: &[Line],
        is_folded: bool,
    ) -> u32 {
        let rel = match mapping {
            Some(m) => address.wrapping_sub(self.profile.mappings[m as usize].start),
            None => address,
        };
        let key = LocationKey {
            mapping,
            address: rel,
            is_folded,
            lines: lines
                .iter()
                .map(|l| (l.function, l.line, l.column))
                .collect(),
        };
        if let Some(&i) = self.locations.get(&key) {
            return i;
        }
        let i = self.profile.locations.len() as u32;
        let start = self.profile.lines.len() as u32;
        self.profile.lines.extend_from_slice(lines);
        self.profile.locations.push(Location {
            id: u64::from(i) + 1,
            mapping,
            address,
            lines: start..self.profile.lines.len() as u32,
            is_folded,
        });
        self.locations.insert(key, i);
        i
    }

    /// Appends a sample (no deduplication: see the merger for that).
    pub fn push_sample(&mut self, stack: &[u32], values: &[i64], labels: &[Label]) {
        self.profile.samples.push(stack, values, labels);
    }

    /// The finished profile.
    pub fn finish(self) -> Profile {
        self.profile
    }
}
