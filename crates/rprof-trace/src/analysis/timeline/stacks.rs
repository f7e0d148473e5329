//! Strings and stacks of the whole trace, interned once.
//!
//! A trace's stack and string IDs are per generation; the index needs
//! IDs that hold for the whole trace. Each distinct string, frame and
//! stack is kept once (programs have thousands of these, not millions);
//! a per-generation cache maps the generation's stack IDs to ours so that
//! a stack's frames are looked at once per generation.

use crate::event::Stack;
use crate::fxhash::FxHashMap;

/// Interned strings; ID 0 is the empty string.
#[derive(Debug)]
pub(crate) struct Strings {
    list: Vec<Box<str>>,
    ids: FxHashMap<Box<str>, u32>,
}

impl Default for Strings {
    fn default() -> Self {
        let mut s = Strings {
            list: Vec::new(),
            ids: FxHashMap::default(),
        };
        s.id("");
        s
    }
}

impl Strings {
    pub(crate) fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.list.len() as u32;
        self.list.push(s.into());
        self.ids.insert(s.into(), i);
        i
    }

    pub(crate) fn get(&self, id: u32) -> &str {
        self.list.get(id as usize).map_or("", |s| s)
    }

    /// Drops the lookup table once no more strings will be added.
    pub(crate) fn freeze(&mut self) {
        self.ids = FxHashMap::default();
        self.list.shrink_to_fit();
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.list.iter().map(|s| s.len() * 2 + 40).sum()
    }
}

/// One frame: interned function and file names, line and PC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Frame {
    pub(crate) func: u32,
    pub(crate) file: u32,
    pub(crate) line: u64,
    pub(crate) pc: u64,
}

/// Interned stacks; ID 0 is "no stack".
#[derive(Debug)]
pub(crate) struct Stacks {
    frames: Vec<Frame>,
    frame_ids: FxHashMap<Frame, u32>,
    stacks: Vec<Box<[u32]>>,
    stack_ids: FxHashMap<Box<[u32]>, u32>,
    /// This generation's stacks: (table address, ID) → ours.
    cache: FxHashMap<(usize, u64), u32>,
}

impl Default for Stacks {
    fn default() -> Self {
        Stacks {
            frames: Vec::new(),
            frame_ids: FxHashMap::default(),
            stacks: vec![Box::new([])],
            stack_ids: FxHashMap::default(),
            cache: FxHashMap::default(),
        }
    }
}

impl Stacks {
    /// Forgets the generation's stack IDs (a new generation's tables may
    /// reuse the addresses of freed ones).
    pub(crate) fn new_generation(&mut self) {
        self.cache.clear();
    }

    /// Our ID of `st` (0 if none or empty).
    pub(crate) fn id(&mut self, st: Stack<'_>, strings: &mut Strings) -> u32 {
        if st.is_none() || st.id() == 0 {
            return 0;
        }
        if let Some(&id) = self.cache.get(&st.key()) {
            return id;
        }
        let mut fs = Vec::new();
        for f in st.frames() {
            let fr = Frame {
                func: strings.id(&f.func_name()),
                file: strings.id(&f.file_name()),
                line: f.line,
                pc: f.pc,
            };
            let next = self.frames.len() as u32;
            let id = *self.frame_ids.entry(fr).or_insert(next);
            if id == next {
                self.frames.push(fr);
            }
            fs.push(id);
        }
        let id = if fs.is_empty() {
            0
        } else {
            let fs: Box<[u32]> = fs.into();
            match self.stack_ids.get(&fs) {
                Some(&id) => id,
                None => {
                    let id = self.stacks.len() as u32;
                    self.stacks.push(fs.clone());
                    self.stack_ids.insert(fs, id);
                    id
                }
            }
        };
        self.cache.insert(st.key(), id);
        id
    }

    /// A stack of one frame: the last (outermost) of stack `id`; 0 if
    /// `id` has no frames.
    pub(crate) fn last_frame_stack(&mut self, id: u32) -> u32 {
        let Some(&f) = self.stacks.get(id as usize).and_then(|s| s.last()) else {
            return 0;
        };
        let fs: Box<[u32]> = Box::new([f]);
        if let Some(&id) = self.stack_ids.get(&fs) {
            return id;
        }
        let id = self.stacks.len() as u32;
        self.stacks.push(fs.clone());
        self.stack_ids.insert(fs, id);
        id
    }

    /// The frames of stack `id`, innermost first.
    pub(crate) fn frames(&self, id: u32) -> impl Iterator<Item = &Frame> {
        self.stacks
            .get(id as usize)
            .map_or(&[][..], |s| &s[..])
            .iter()
            .filter_map(|&f| self.frames.get(f as usize))
    }

    /// Drops the lookup tables once no more stacks will be added.
    pub(crate) fn freeze(&mut self) {
        self.frame_ids = FxHashMap::default();
        self.stack_ids = FxHashMap::default();
        self.cache = FxHashMap::default();
        self.frames.shrink_to_fit();
        self.stacks.shrink_to_fit();
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.frames.capacity() * std::mem::size_of::<Frame>() * 2
            + self.stacks.iter().map(|s| s.len() * 8 + 48).sum::<usize>()
            + self.cache.capacity() * 24
    }
}
