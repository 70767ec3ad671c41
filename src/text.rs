//! The JSON text stage: bytes in, a [`Value`] out, with the byte offset of every value and
//! every duplicate object key.
//!
//! `serde_json` alone cannot do this: its `Value` forgets where values were and silently keeps
//! the last of two equal keys. So this is a small strict RFC 8259 parser of its own that builds
//! the same `Value` `serde_json::from_slice` would (numbers are even converted by `serde_json`).

use std::collections::HashMap;
use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};
use std::fmt::Write as _;

use serde_json::{Map, Number, Value};

use crate::pointer::{array_index, push_token, unescape_token};

/// Limits on the input, checked while parsing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Largest accepted input, in bytes. Clamped to `u32::MAX`, so that offsets fit in a `u32`.
    pub max_bytes: usize,
    /// Deepest accepted nesting of objects and arrays: depth 1 is inside the top-level object or
    /// array. Keep it modest (callers cap it at 1024): the resulting `Value` is dropped
    /// recursively by `serde_json`.
    pub max_depth: usize,
}

/// A parsed JSON text.
#[derive(Debug)]
pub(crate) struct Parsed {
    /// The value, as `serde_json::from_slice` would build it.
    pub value: Value,
    /// Where every value is in the input.
    pub spans: Spans,
    /// Every duplicate object key, in input order. The value keeps the LAST occurrence (like
    /// serde_json). Stops short only for pathological inputs: see `omitted_duplicates`.
    pub duplicates: Vec<Duplicate>,
    /// How many duplicates were found but not recorded in `duplicates`, because their pointers
    /// together would have taken more than 8 times the input size plus 64 KiB. Zero for any
    /// input that is not built to exhaust memory (one long key above many duplicates would
    /// otherwise make memory quadratic in the input size).
    pub omitted_duplicates: usize,
}

/// A key that appears more than once in the same object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Duplicate {
    /// JSON Pointer of the member (e.g. "/data/status"), RFC 6901 escaping (~0 ~1).
    pub pointer: String,
    /// Byte offset of the repeated key's opening quote.
    pub offset: usize,
    /// Byte offset of the first occurrence's opening quote.
    pub first_offset: usize,
}

/// Byte offsets of values by JSON Pointer ("" for the root).
///
/// Stored as a tree, not as a map from whole pointer strings: the pointers of an input can add
/// up to far more than its size (one long key above many members), while the tree holds each
/// key once, so memory stays linear.
#[derive(Debug)]
pub(crate) struct Spans {
    /// One node per value, the root first.
    nodes: Vec<Node>,
    /// Children of array nodes, by item index; indexed by `Kind::Array`.
    arrays: Vec<Vec<u32>>,
    /// Children of object nodes: the member nodes, found by their parent and name. One flat
    /// table of node ids for every object, so that a member costs no allocation of its own.
    members: HashTable<u32>,
    /// The names of all members, one after another; a member node holds its range.
    names: String,
    /// The table's hasher, randomly seeded: hostile keys cannot be chosen to collide.
    hasher: DefaultHashBuilder,
}

/// One value's offsets and children.
#[derive(Debug)]
struct Node {
    /// Offset of the value's first byte.
    value: u32,
    /// Offset of the member's key's opening quote, or [`NO_KEY`].
    key: u32,
    /// What children the value has.
    kind: Kind,
    /// For an object member: the object's node, and the member's name in `Spans::names`.
    parent: u32,
    name_start: u32,
    name_len: u32,
}

/// The shape of a node's value.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// A string, number, boolean or null.
    Scalar,
    /// An object; its members are in `Spans::members`.
    Object,
    /// An array; its items are in `Spans::arrays[_]`.
    Array(u32),
}

/// `Node::key` of the root and of array items.
const NO_KEY: u32 = u32::MAX;

/// Converts an offset of an input accepted by [`parse`] (at most `u32::MAX` bytes long).
fn to_u32(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

impl Spans {
    /// Offset of the first byte of the value at `pointer` (its opening quote, bracket, digit,
    /// sign or letter).
    pub(crate) fn value(&self, pointer: &str) -> Option<usize> {
        self.node(pointer).map(|node| node.value as usize)
    }

    /// Offset of the opening quote of the member's key, for object members (None for the root
    /// and array items).
    pub(crate) fn key(&self, pointer: &str) -> Option<usize> {
        self.node(pointer)
            .filter(|node| node.key != NO_KEY)
            .map(|node| node.key as usize)
    }

    /// The node at `pointer`, walking down from the root one reference token at a time.
    fn node(&self, pointer: &str) -> Option<&Node> {
        let mut id: u32 = 0;
        if !pointer.is_empty() {
            for token in pointer.strip_prefix('/')?.split('/') {
                let token = unescape_token(token)?;
                id = match self.nodes.get(id as usize)?.kind {
                    Kind::Scalar => return None,
                    Kind::Array(list) => {
                        let items = self.arrays.get(list as usize)?;
                        *items.get(array_index(&token)?)?
                    }
                    Kind::Object => self.member(id, &token)?,
                };
            }
        }
        self.nodes.get(id as usize)
    }
}

impl Spans {
    /// The hash of the member `name` of the object node `parent`.
    fn member_hash(&self, parent: u32, name: &str) -> u64 {
        self.hasher.hash_one((parent, name))
    }

    /// The node of the member `name` of the object node `parent`: its latest occurrence.
    fn member(&self, parent: u32, name: &str) -> Option<u32> {
        let hash = self.member_hash(parent, name);
        self.members
            .find(hash, |&id| self.is_member(id, parent, name))
            .copied()
    }

    fn is_member(&self, id: u32, parent: u32, name: &str) -> bool {
        is_member(&self.nodes, &self.names, id, parent, name)
    }
}

/// The name of a member node, out of `Spans::names`.
fn name_of<'s>(names: &'s str, node: &Node) -> &'s str {
    let start = node.name_start as usize;
    names
        .get(start..start + node.name_len as usize)
        .unwrap_or_default()
}

/// Whether the node `id` is the member `name` of the object node `parent`.
fn is_member(nodes: &[Node], names: &str, id: u32, parent: u32, name: &str) -> bool {
    nodes
        .get(id as usize)
        .is_some_and(|n| n.key != NO_KEY && n.parent == parent && name_of(names, n) == name)
}

/// Why an input is not an acceptable JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TextError {
    /// The input is empty or only whitespace.
    Empty,
    /// Larger than `max_bytes` (checked before anything else; do not scan the input).
    TooLarge {
        /// The input's length in bytes.
        len: usize,
        /// The limit in force (`max_bytes`, clamped to `u32::MAX`).
        max: usize,
    },
    /// Not UTF-8. `offset` is the first invalid byte (`std::str::from_utf8(..).valid_up_to()`).
    InvalidUtf8 {
        /// Offset of the first byte that is not part of valid UTF-8.
        offset: usize,
    },
    /// A syntax error at `offset`; `message` is lowercase, no trailing period, and says what was
    /// expected and what was found, e.g. "expected `,` or `}` after an object member, found `]`".
    Syntax {
        /// Offset of the offending byte (`len` for an unexpected end of input).
        offset: usize,
        /// What was expected and what was found.
        message: String,
    },
    /// Non-whitespace data after the top-level value, at `offset`.
    TrailingData {
        /// Offset of the first byte after the value that is not whitespace.
        offset: usize,
    },
    /// Nesting deeper than `max_depth` (depth 1 = inside the top-level object/array).
    TooDeep {
        /// Offset of the bracket that went too deep.
        offset: usize,
        /// The limit in force.
        max: usize,
    },
}

/// Drops a parsed value without recursion.
///
/// `serde_json`'s own drop recurses once per level: at the deepest nesting the limits allow
/// (1024) that needs more stack than a small thread has in a debug build.
pub(crate) fn dispose(value: Value) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// Parses `bytes` as one strict RFC 8259 JSON text.
///
/// Checks, in order: the size (without reading the input), a leading byte order mark, UTF-8
/// (the whole input, once, so an invalid byte anywhere wins over syntax errors), then the
/// syntax, stopping at the first error.
pub(crate) fn parse(bytes: &[u8], limits: &Limits) -> Result<Parsed, TextError> {
    let max = limits.max_bytes.min(u32::MAX as usize);
    if bytes.len() > max {
        return Err(TextError::TooLarge {
            len: bytes.len(),
            max,
        });
    }
    // RFC 8259 section 8.1: senders must not add a BOM, parsers may ignore one. A validator
    // reports it instead, so that the sender gets fixed.
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(TextError::Syntax {
            offset: 0,
            message: "byte order mark at the start of the input; JSON text must not begin with one"
                .to_owned(),
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|error| TextError::InvalidUtf8 {
        offset: error.valid_up_to(),
    })?;
    let mut parser = Parser {
        bytes,
        text,
        pos: 0,
        max_depth: limits.max_depth,
        stack: Vec::new(),
        path: String::new(),
        spans: Spans {
            // A member takes about 20 bytes of a typical payload: sized once, no regrowth.
            nodes: Vec::with_capacity(bytes.len().min(1 << 16) / 16),
            arrays: Vec::new(),
            members: HashTable::with_capacity(bytes.len().min(1 << 16) / 16),
            names: String::with_capacity(bytes.len().min(1 << 16) / 2),
            hasher: DefaultHashBuilder::default(),
        },
        first_keys: HashMap::new(),
        duplicates: Vec::new(),
        duplicate_budget: bytes.len().saturating_mul(8).saturating_add(1 << 16),
        omitted_duplicates: 0,
    };
    let value = parser.run()?;
    Ok(Parsed {
        value,
        spans: parser.spans,
        duplicates: parser.duplicates,
        omitted_duplicates: parser.omitted_duplicates,
    })
}

/// An object or array whose closing bracket has not been read yet.
///
/// The parser keeps these on an explicit stack instead of recursing: a recursive descent parser
/// can overflow the thread's stack on hostile nesting (`[[[[…`) before any depth check helps,
/// and an overflow aborts the process rather than returning an error.
enum Frame {
    /// An open array.
    Array {
        /// The items read so far.
        items: Vec<Value>,
        /// Index of the array's children in `Spans::arrays`.
        list: u32,
        /// Length of `Parser::path` before this array's own reference token.
        parent_path: usize,
    },
    /// An open object.
    Object {
        /// The members read so far.
        map: Map<String, Value>,
        /// The object's node in `Spans`.
        node: u32,
        /// The key of the member whose value is being read.
        key: String,
        /// Length of `Parser::path` before this object's own reference token.
        parent_path: usize,
    },
}

/// What follows a `,` in the innermost open container.
enum Next {
    /// A member of the object with this node.
    Member(u32),
    /// An item of the array with these children in `Spans::arrays`.
    Item(u32),
}

/// The parser's state.
struct Parser<'a> {
    /// The input.
    bytes: &'a [u8],
    /// The input, known to be UTF-8.
    text: &'a str,
    /// Offset of the next byte to read.
    pos: usize,
    /// See [`Limits::max_depth`].
    max_depth: usize,
    /// The open objects and arrays, outermost first.
    stack: Vec<Frame>,
    /// JSON Pointer of the innermost open object or array, kept up to date as containers open
    /// and close, so a duplicate's pointer costs one copy, not a walk of the stack.
    path: String,
    /// The spans built so far.
    spans: Spans,
    /// First key offset of members that were repeated, by the node of their latest occurrence.
    first_keys: HashMap<u32, u32>,
    /// Duplicates found so far.
    duplicates: Vec<Duplicate>,
    /// Bytes of duplicate pointers that may still be recorded.
    duplicate_budget: usize,
    /// Duplicates found but not recorded.
    omitted_duplicates: usize,
}

/// A syntax error.
fn syntax(offset: usize, message: impl Into<String>) -> TextError {
    TextError::Syntax {
        offset,
        message: message.into(),
    }
}

/// Bare words that other languages' serializers write, shown as they are in messages.
const KNOWN_WORDS: [&str; 12] = [
    "True",
    "False",
    "None",
    "NaN",
    "Infinity",
    "undefined",
    "nil",
    "TRUE",
    "FALSE",
    "NULL",
    "Null",
    "null",
];

/// Describes one char for a message: in backticks, or as `U+XXXX` when it would be invisible or
/// confusing there.
fn describe_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() || c == '\u{FEFF}' || c == '`' {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("`{c}`")
    }
}

impl<'a> Parser<'a> {
    /// The byte at `pos`, if any.
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Skips whitespace: only space, tab, LF and CR (RFC 8259 section 2).
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// The input between two offsets that lie on char boundaries.
    ///
    /// The parser only cuts next to ASCII bytes (quotes, backslashes, digits), which are always
    /// char boundaries of the validated text, so `get` cannot fail; an empty string is a
    /// harmless fallback that avoids a panicking index.
    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or_default()
    }

    /// What is at `offset`, for "found …" in messages.
    fn found(&self, offset: usize) -> String {
        let Some(&byte) = self.bytes.get(offset) else {
            return "end of input".to_owned();
        };
        let Some(rest) = self.text.get(offset..) else {
            return format!("byte 0x{byte:02X}");
        };
        if byte.is_ascii_alphabetic() {
            // A bare word reads better whole than as its first letter, but only the literals
            // other languages write (`True`, `None`, `NaN`, `undefined`) are shown whole: any other
            // unquoted word may be a secret sent without quotes (`"iotToken": s3cr3t`), so only
            // its first letter is.
            let word: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(16)
                .collect();
            return if KNOWN_WORDS.contains(&word.as_str()) {
                format!("`{word}`")
            } else {
                describe_char(char::from(byte))
            };
        }
        rest.chars().next().map_or_else(String::new, describe_char)
    }

    /// "expected {what}, found …" at `offset`, or "unexpected end of input, expected {what}" at
    /// the end of the input.
    fn expected(&self, offset: usize, what: &str) -> TextError {
        if offset >= self.bytes.len() {
            syntax(
                self.bytes.len(),
                format!("unexpected end of input, expected {what}"),
            )
        } else {
            syntax(
                offset,
                format!("expected {what}, found {}", self.found(offset)),
            )
        }
    }

    /// Adds a node with no value offset yet.
    fn new_node(&mut self, key: u32) -> u32 {
        let id = to_u32(self.spans.nodes.len());
        self.spans.nodes.push(Node {
            value: 0,
            key,
            kind: Kind::Scalar,
            parent: NO_KEY,
            name_start: 0,
            name_len: 0,
        });
        id
    }

    /// Parses the whole input.
    ///
    /// One loop over values. A scalar or an empty container is complete at once; a non-empty
    /// container is pushed on the stack and the loop goes on with its first child. A complete
    /// value is attached to the innermost open container, which then needs `,` (go on with the
    /// next child) or its closing bracket (it is complete in turn, so attach it one level up).
    fn run(&mut self) -> Result<Value, TextError> {
        self.skip_whitespace();
        if self.pos >= self.bytes.len() {
            return Err(TextError::Empty);
        }
        let mut node = self.new_node(NO_KEY);
        let mut after_comma = false;
        'value: loop {
            self.skip_whitespace();
            let start = self.pos;
            if let Some(slot) = self.spans.nodes.get_mut(node as usize) {
                slot.value = to_u32(start);
            }
            let mut value = match self.peek() {
                Some(bracket @ (b'{' | b'[')) => {
                    if self.stack.len() >= self.max_depth {
                        return Err(TextError::TooDeep {
                            offset: start,
                            max: self.max_depth,
                        });
                    }
                    self.pos += 1;
                    self.skip_whitespace();
                    if bracket == b'{' {
                        self.set_kind(node, Kind::Object);
                        if self.peek() == Some(b'}') {
                            self.pos += 1;
                            Value::Object(Map::new())
                        } else {
                            let parent_path = self.enter();
                            self.stack.push(Frame::Object {
                                map: Map::new(),
                                node,
                                key: String::new(),
                                parent_path,
                            });
                            node = self.member(node, false)?;
                            after_comma = false;
                            continue 'value;
                        }
                    } else {
                        let list = to_u32(self.spans.arrays.len());
                        self.spans.arrays.push(Vec::new());
                        self.set_kind(node, Kind::Array(list));
                        if self.peek() == Some(b']') {
                            self.pos += 1;
                            Value::Array(Vec::new())
                        } else {
                            let parent_path = self.enter();
                            self.stack.push(Frame::Array {
                                items: Vec::new(),
                                list,
                                parent_path,
                            });
                            node = self.item(list);
                            after_comma = false;
                            continue 'value;
                        }
                    }
                }
                Some(b'"') => Value::String(self.string()?),
                Some(b'-' | b'0'..=b'9') => Value::Number(self.number()?),
                _ => match self.literal() {
                    Some(value) => value,
                    None => return Err(self.unexpected_value(after_comma)),
                },
            };
            // Attach `value` to its container; close containers while their bracket follows.
            loop {
                let (close, what, next) = match self.stack.last_mut() {
                    None => {
                        self.skip_whitespace();
                        if self.pos < self.bytes.len() {
                            return Err(TextError::TrailingData { offset: self.pos });
                        }
                        return Ok(value);
                    }
                    Some(Frame::Array { items, list, .. }) => {
                        items.push(value);
                        (b']', "`,` or `]` after an array item", Next::Item(*list))
                    }
                    Some(Frame::Object { map, key, node, .. }) => {
                        // Last wins, as in serde_json: `insert` replaces the earlier value.
                        map.insert(std::mem::take(key), value);
                        (
                            b'}',
                            "`,` or `}` after an object member",
                            Next::Member(*node),
                        )
                    }
                };
                self.skip_whitespace();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        node = match next {
                            Next::Member(parent) => self.member(parent, true)?,
                            Next::Item(list) => self.item(list),
                        };
                        after_comma = true;
                        continue 'value;
                    }
                    Some(byte) if byte == close => {
                        self.pos += 1;
                        value = self.close();
                    }
                    _ => return Err(self.expected(self.pos, what)),
                }
            }
        }
    }

    /// Sets the kind of a node.
    fn set_kind(&mut self, node: u32, kind: Kind) {
        if let Some(slot) = self.spans.nodes.get_mut(node as usize) {
            slot.kind = kind;
        }
    }

    /// Appends the reference token of the container being opened to `path`; returns the length
    /// to truncate `path` back to when it closes.
    fn enter(&mut self) -> usize {
        let parent_path = self.path.len();
        match self.stack.last() {
            None => {}
            Some(Frame::Array { items, .. }) => {
                let _ = write!(self.path, "/{}", items.len());
            }
            Some(Frame::Object { key, .. }) => push_token(&mut self.path, key),
        }
        parent_path
    }

    /// Pops the innermost container and returns it as a value.
    fn close(&mut self) -> Value {
        match self.stack.pop() {
            Some(Frame::Array {
                items, parent_path, ..
            }) => {
                self.path.truncate(parent_path);
                Value::Array(items)
            }
            Some(Frame::Object {
                map, parent_path, ..
            }) => {
                self.path.truncate(parent_path);
                Value::Object(map)
            }
            // Only called with an open container.
            None => Value::Null,
        }
    }

    /// Adds the node of the next item of the array whose children are `list`.
    fn item(&mut self, list: u32) -> u32 {
        let node = self.new_node(NO_KEY);
        if let Some(items) = self.spans.arrays.get_mut(list as usize) {
            items.push(node);
        }
        node
    }

    /// Reads a member's key and its `:`, records a duplicate, and returns the member's node.
    fn member(&mut self, parent: u32, after_comma: bool) -> Result<u32, TextError> {
        self.skip_whitespace();
        let key_offset = self.pos;
        if self.peek() != Some(b'"') {
            return Err(if after_comma && self.peek() == Some(b'}') {
                syntax(
                    key_offset,
                    "expected a string key after `,`, found `}` (trailing commas are not allowed)",
                )
            } else if after_comma {
                self.expected(key_offset, "a string key after `,`")
            } else {
                self.expected(key_offset, "a string key or `}`")
            });
        }
        let key = self.string()?;
        self.skip_whitespace();
        if self.peek() != Some(b':') {
            return Err(self.expected(self.pos, "`:` after an object key"));
        }
        self.pos += 1;

        let node = self.new_node(to_u32(key_offset));
        let name_start = to_u32(self.spans.names.len());
        self.spans.names.push_str(&key);
        if let Some(slot) = self.spans.nodes.get_mut(node as usize) {
            slot.parent = parent;
            slot.name_start = name_start;
            slot.name_len = to_u32(key.len());
        }
        // The spans table doubles as the set of keys seen in each open object: one hash lookup
        // per member, so even 200,000 repeats of one key stay linear.
        let hash = self.spans.member_hash(parent, &key);
        let Spans {
            members,
            nodes,
            names,
            hasher,
            ..
        } = &mut self.spans;
        match members.find_mut(hash, |&id| is_member(nodes, names, id, parent, &key)) {
            Some(slot) => {
                let previous = std::mem::replace(slot, node);
                let first = match self.first_keys.remove(&previous) {
                    Some(first) => first,
                    None => self
                        .spans
                        .nodes
                        .get(previous as usize)
                        .map_or(NO_KEY, |n| n.key),
                };
                self.first_keys.insert(node, first);
                self.record_duplicate(&key, key_offset, first as usize);
            }
            None => {
                members.insert_unique(hash, node, |&id| {
                    nodes
                        .get(id as usize)
                        .map_or(0, |n| hasher.hash_one((n.parent, name_of(names, n))))
                });
            }
        }
        if let Some(Frame::Object { key: pending, .. }) = self.stack.last_mut() {
            *pending = key;
        }
        Ok(node)
    }

    /// Records a duplicate of `key` in the innermost open object, within the memory budget.
    fn record_duplicate(&mut self, key: &str, offset: usize, first_offset: usize) {
        let size = self.path.len() + 1 + key.len() * 2;
        if size > self.duplicate_budget {
            self.omitted_duplicates += 1;
            return;
        }
        self.duplicate_budget -= size;
        let mut pointer = String::with_capacity(size);
        pointer.push_str(&self.path);
        push_token(&mut pointer, key);
        self.duplicates.push(Duplicate {
            pointer,
            offset,
            first_offset,
        });
    }

    /// The error for a byte that cannot start a value.
    fn unexpected_value(&self, after_comma: bool) -> TextError {
        let what = if after_comma {
            "a value after `,`"
        } else {
            "a value"
        };
        let error = self.expected(self.pos, what);
        let hint = match self.peek() {
            Some(b']') if after_comma => " (trailing commas are not allowed)",
            Some(b'/') => " (comments are not allowed)",
            Some(b'\'') => " (strings take double quotes)",
            _ => "",
        };
        match error {
            TextError::Syntax { offset, message } => syntax(offset, message + hint),
            other => other,
        }
    }

    /// Reads `true`, `false` or `null`.
    fn literal(&mut self) -> Option<Value> {
        let rest = self.bytes.get(self.pos..)?;
        let (len, value) = if rest.starts_with(b"true") {
            (4, Value::Bool(true))
        } else if rest.starts_with(b"false") {
            (5, Value::Bool(false))
        } else if rest.starts_with(b"null") {
            (4, Value::Null)
        } else {
            return None;
        };
        self.pos += len;
        Some(value)
    }

    /// Reads a number per the RFC 8259 grammar, then lets serde_json convert the token, so that
    /// integers stay `u64`/`i64` and floats round exactly as `serde_json::from_slice` does.
    fn number(&mut self) -> Result<Number, TextError> {
        let start = self.pos;
        let digit_at = |i: usize| matches!(self.bytes.get(i), Some(b'0'..=b'9'));
        let mut i = start;
        if self.bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        match self.bytes.get(i) {
            Some(b'0') => {
                i += 1;
                if digit_at(i) {
                    let digits = self.slice(i - 1, i + 1);
                    return Err(syntax(
                        i - 1,
                        format!("number with a leading zero, found `{digits}`"),
                    ));
                }
            }
            Some(b'1'..=b'9') => {
                while digit_at(i) {
                    i += 1;
                }
            }
            _ => return Err(self.expected(i, "a digit after `-`")),
        }
        if self.bytes.get(i) == Some(&b'.') {
            i += 1;
            if !digit_at(i) {
                return Err(self.expected(i, "a digit after `.` in a number"));
            }
            while digit_at(i) {
                i += 1;
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = self.bytes.get(i) {
                i += 1;
            }
            if !digit_at(i) {
                return Err(self.expected(i, "a digit in the exponent of a number"));
            }
            while digit_at(i) {
                i += 1;
            }
        }
        let token = self.slice(start, i);
        let number = serde_json::from_str::<Number>(token)
            .map_err(|_| syntax(start, "number out of range"))?;
        self.pos = i;
        Ok(number)
    }

    /// Reads a string; `pos` is at its opening quote.
    fn string(&mut self) -> Result<String, TextError> {
        let open = self.pos;
        let unterminated = || syntax(open, "unterminated string");
        // Decoded text, only once an escape is seen; until then the string is one slice of the
        // input (already validated as UTF-8), copied once at the end.
        let mut decoded: Option<String> = None;
        // Start of the input not yet copied to `decoded`.
        let mut copied = open + 1;
        let mut i = open + 1;
        loop {
            match *self.bytes.get(i).ok_or_else(unterminated)? {
                b'"' => {
                    let tail = self.slice(copied, i);
                    self.pos = i + 1;
                    return Ok(match decoded {
                        None => tail.to_owned(),
                        Some(mut decoded) => {
                            decoded.push_str(tail);
                            decoded
                        }
                    });
                }
                b'\\' => {
                    let escape = i;
                    let out = decoded.get_or_insert_with(String::new);
                    out.push_str(self.text.get(copied..escape).unwrap_or_default());
                    let byte = *self.bytes.get(escape + 1).ok_or_else(unterminated)?;
                    let simple = match byte {
                        b'"' => Some('"'),
                        b'\\' => Some('\\'),
                        b'/' => Some('/'),
                        b'b' => Some('\u{8}'),
                        b'f' => Some('\u{c}'),
                        b'n' => Some('\n'),
                        b'r' => Some('\r'),
                        b't' => Some('\t'),
                        _ => None,
                    };
                    if let Some(c) = simple {
                        out.push(c);
                        i = escape + 2;
                    } else if byte == b'u' {
                        let (c, len) = self.unicode_escape(open, escape)?;
                        out.push(c);
                        i = escape + len;
                    } else {
                        return Err(self.invalid_escape(escape));
                    }
                    copied = i;
                }
                byte @ 0x00..=0x1F => {
                    return Err(syntax(
                        i,
                        format!("control character U+{byte:04X} in a string"),
                    ));
                }
                _ => i += 1,
            }
        }
    }

    /// The error for a backslash at `escape` followed by a char that starts no escape.
    fn invalid_escape(&self, escape: usize) -> TextError {
        let next = self
            .text
            .get(escape + 1..)
            .and_then(|rest| rest.chars().next());
        match next {
            Some(c) if !(c.is_control() || c.is_whitespace() || c == '`') => {
                syntax(escape, format!("invalid escape `\\{c}` in a string"))
            }
            Some(c) => syntax(
                escape,
                format!(
                    "invalid escape in a string, expected an escape char after `\\`, found {}",
                    describe_char(c)
                ),
            ),
            None => syntax(escape, "invalid escape in a string"),
        }
    }

    /// Reads `\uXXXX`, or a surrogate pair `\uXXXX\uXXXX`, at `escape`; returns the char and the
    /// escape's length in bytes.
    fn unicode_escape(&self, open: usize, escape: usize) -> Result<(char, usize), TextError> {
        let high = self.hex4(open, escape)?;
        if (0xDC00..0xE000).contains(&high) {
            return Err(self.lone_surrogate(escape));
        }
        if (0xD800..0xDC00).contains(&high) {
            match (self.bytes.get(escape + 6), self.bytes.get(escape + 7)) {
                (Some(b'\\'), Some(b'u')) => {
                    let low = self.hex4(open, escape + 6)?;
                    if (0xDC00..0xE000).contains(&low) {
                        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                        return char::from_u32(code)
                            .map(|c| (c, 12))
                            .ok_or_else(|| self.lone_surrogate(escape));
                    }
                }
                // The input ends inside the string: that is the first error found.
                (None, _) | (Some(b'\\'), None) => {
                    return Err(syntax(open, "unterminated string"));
                }
                _ => {}
            }
            return Err(self.lone_surrogate(escape));
        }
        char::from_u32(high)
            .map(|c| (c, 6))
            .ok_or_else(|| self.lone_surrogate(escape))
    }

    /// The error for a surrogate escape at `escape` that is not part of a pair.
    fn lone_surrogate(&self, escape: usize) -> TextError {
        let written = self.slice(escape, escape + 6);
        syntax(escape, format!("lone surrogate `{written}` in a string"))
    }

    /// Reads the 4 hex digits of the `\u` escape at `escape`.
    fn hex4(&self, open: usize, escape: usize) -> Result<u32, TextError> {
        let mut code = 0;
        for k in 0..4 {
            let at = escape + 2 + k;
            let Some(&byte) = self.bytes.get(at) else {
                return Err(syntax(open, "unterminated string"));
            };
            let Some(digit) = char::from(byte).to_digit(16) else {
                let read = self.slice(escape, at);
                let found = self
                    .text
                    .get(at..)
                    .and_then(|rest| rest.chars().next())
                    .map_or_else(String::new, describe_char);
                return Err(syntax(
                    escape,
                    format!(
                        "invalid escape `{read}` in a string, expected 4 hex digits after `\\u`, found {found}"
                    ),
                ));
            };
            code = code * 16 + digit;
        }
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn limits() -> Limits {
        Limits {
            max_bytes: 1 << 20,
            max_depth: 64,
        }
    }

    fn ok(input: &str) -> Parsed {
        match parse(input.as_bytes(), &limits()) {
            Ok(parsed) => parsed,
            Err(error) => panic!("{input:?} failed: {error:?}"),
        }
    }

    fn err(input: &[u8]) -> TextError {
        match parse(input, &limits()) {
            Ok(parsed) => panic!("{input:?} parsed as {}", parsed.value),
            Err(error) => error,
        }
    }

    fn syntax_err(input: &str) -> (usize, String) {
        match err(input.as_bytes()) {
            TextError::Syntax { offset, message } => (offset, message),
            other => panic!("{input:?}: expected a syntax error, got {other:?}"),
        }
    }

    /// Offset of the `n`th (0-based) occurrence of `needle` in `haystack`.
    fn nth(haystack: &str, needle: &str, n: usize) -> usize {
        haystack.match_indices(needle).nth(n).unwrap().0
    }

    #[test]
    fn values_match_serde_json() {
        let input = r#" {"a": [1, -2, 3.5, 1e3, -0, 18446744073709551615, 18446744073709551616,
            -9223372036854775808, true, false, null, "x\u00e9\ud83d\ude00\n\"\\\/\b\f\r\t"],
            "": {}, "e": [], "é": "plain ütf-8"} "#;
        let parsed = ok(input);
        let expected: Value = serde_json::from_str(input).unwrap();
        assert_eq!(parsed.value, expected);
        assert_eq!(parsed.value["a"][0], json!(1));
        assert!(parsed.value["a"][5].is_u64());
        assert!(parsed.value["a"][6].is_f64());
        assert!(parsed.value["a"][7].is_i64());
        assert_eq!(parsed.value["a"][11], json!("xé😀\n\"\\/\u{8}\u{c}\r\t"));
        assert!(parsed.duplicates.is_empty());
    }

    #[test]
    fn scalars_at_the_top_level() {
        assert_eq!(ok("0").value, json!(0));
        assert_eq!(ok(" \"s\" ").value, json!("s"));
        assert_eq!(ok("null").value, Value::Null);
        assert_eq!(ok("\ttrue\r\n").value, json!(true));
        assert_eq!(ok("-1.5E-2").value, json!(-0.015));
    }

    #[test]
    fn spans_of_the_root_and_nested_values() {
        let input = r#"  {"data": {"list": [10, {"x": null}], "s": "v"}, "t": true}"#;
        let parsed = ok(input);
        let spans = &parsed.spans;
        assert_eq!(spans.value(""), Some(2));
        assert_eq!(spans.key(""), None);
        assert_eq!(spans.value("/data"), Some(nth(input, "{", 1)));
        assert_eq!(spans.key("/data"), Some(nth(input, "\"data\"", 0)));
        assert_eq!(spans.value("/data/list"), Some(nth(input, "[", 0)));
        assert_eq!(spans.value("/data/list/0"), Some(nth(input, "10", 0)));
        assert_eq!(spans.key("/data/list/0"), None);
        assert_eq!(spans.value("/data/list/1"), Some(nth(input, "{", 2)));
        assert_eq!(spans.value("/data/list/1/x"), Some(nth(input, "null", 0)));
        assert_eq!(spans.key("/data/list/1/x"), Some(nth(input, "\"x\"", 0)));
        assert_eq!(spans.value("/data/s"), Some(nth(input, "\"v\"", 0)));
        assert_eq!(spans.value("/t"), Some(nth(input, "true", 0)));
        // Absent or malformed pointers.
        assert_eq!(spans.value("/data/list/2"), None);
        assert_eq!(spans.value("/data/list/01"), None);
        assert_eq!(spans.value("/data/list/-"), None);
        assert_eq!(spans.value("/data/s/x"), None);
        assert_eq!(spans.value("/nope"), None);
        assert_eq!(spans.value("data"), None);
        assert_eq!(spans.value("/data~2"), None);
    }

    #[test]
    fn spans_of_numbers_with_signs() {
        let input = "[-1, 2]";
        let parsed = ok(input);
        assert_eq!(parsed.spans.value("/0"), Some(1));
        assert_eq!(parsed.spans.value("/1"), Some(5));
    }

    #[test]
    fn pointers_are_escaped() {
        let input = r#"{"a/b": {"m~n": [1, {"": 2, "": 3}]}, "a/b": 0}"#;
        let parsed = ok(input);
        let spans = &parsed.spans;
        // The last `a/b` wins, in the value and in the spans.
        assert_eq!(parsed.value["a/b"], json!(0));
        assert_eq!(spans.value("/a~1b"), Some(input.len() - 2));
        assert_eq!(spans.key("/a~1b"), Some(nth(input, "\"a/b\"", 1)));
        assert_eq!(spans.value("/a/b"), None);
        assert_eq!(
            parsed.duplicates,
            [
                Duplicate {
                    pointer: "/a~1b/m~0n/1/".to_owned(),
                    offset: nth(input, "\"\"", 1),
                    first_offset: nth(input, "\"\"", 0),
                },
                Duplicate {
                    pointer: "/a~1b".to_owned(),
                    offset: nth(input, "\"a/b\"", 1),
                    first_offset: nth(input, "\"a/b\"", 0),
                },
            ]
        );
        // The replaced member's children went with it.
        assert_eq!(spans.value("/a~1b/m~0n"), None);
        let parsed = ok(r#"{"a/b": {"m~n": [1, {"": 2}]}}"#);
        assert_eq!(parsed.spans.value("/a~1b/m~0n/1/"), Some(25));
        assert_eq!(parsed.spans.key("/a~1b/m~0n/1/"), Some(21));
        assert_eq!(parsed.spans.key("/a~1b/m~0n"), Some(9));
    }

    #[test]
    fn duplicates_at_nested_pointers_keep_the_first_offset() {
        let input = r#"{"data": {"status": 1, "list": [{"k": 1, "k": 2, "k": 3}], "status": 2}}"#;
        let parsed = ok(input);
        let k = |n| nth(input, "\"k\"", n);
        let status = |n| nth(input, "\"status\"", n);
        assert_eq!(
            parsed.duplicates,
            [
                Duplicate {
                    pointer: "/data/list/0/k".to_owned(),
                    offset: k(1),
                    first_offset: k(0),
                },
                Duplicate {
                    pointer: "/data/list/0/k".to_owned(),
                    offset: k(2),
                    first_offset: k(0),
                },
                Duplicate {
                    pointer: "/data/status".to_owned(),
                    offset: status(1),
                    first_offset: status(0),
                },
            ]
        );
        assert_eq!(parsed.omitted_duplicates, 0);
        // Last wins, like serde_json.
        assert_eq!(parsed.value, serde_json::from_str::<Value>(input).unwrap());
        assert_eq!(parsed.value["data"]["status"], json!(2));
        assert_eq!(parsed.spans.key("/data/list/0/k"), Some(k(2)));
        assert_eq!(parsed.spans.value("/data/status"), Some(input.len() - 3));
        // Equal keys in different objects are not duplicates.
        assert!(
            ok(r#"[{"a": 1}, {"a": 2}, {"b": {"a": 3}}]"#)
                .duplicates
                .is_empty()
        );
        // Keys compare after unescaping.
        let parsed = ok(r#"{"é": 1, "\u00e9": 2}"#);
        assert_eq!(parsed.duplicates.len(), 1);
        assert_eq!(parsed.duplicates[0].pointer, "/é");
    }

    #[test]
    fn empty() {
        assert_eq!(err(b""), TextError::Empty);
        assert_eq!(err(b" \t\r\n "), TextError::Empty);
    }

    #[test]
    fn too_large_is_checked_first() {
        let limits = Limits {
            max_bytes: 3,
            max_depth: 64,
        };
        assert_eq!(
            parse(b"\xFF\xFF\xFF\xFF", &limits).err(),
            Some(TextError::TooLarge { len: 4, max: 3 })
        );
        assert!(parse(b"123", &limits).is_ok());
        // The limit is clamped so that offsets fit in a u32.
        let huge = Limits {
            max_bytes: usize::MAX,
            max_depth: 64,
        };
        assert!(parse(b"[]", &huge).is_ok());
    }

    #[test]
    fn invalid_utf8_wins_over_syntax_errors() {
        assert_eq!(
            err(b"[1,, \"\xC3\x28\"]"),
            TextError::InvalidUtf8 { offset: 6 }
        );
        assert_eq!(err(b"\xFF"), TextError::InvalidUtf8 { offset: 0 });
        assert_eq!(
            err(b"\"\xC3\xA9\xE2\x82\""),
            TextError::InvalidUtf8 { offset: 3 }
        );
    }

    #[test]
    fn byte_order_mark() {
        assert_eq!(
            syntax_err("\u{FEFF}{}"),
            (
                0,
                "byte order mark at the start of the input; JSON text must not begin with one"
                    .to_owned()
            )
        );
    }

    #[test]
    fn trailing_data() {
        assert_eq!(err(b"{} {}"), TextError::TrailingData { offset: 3 });
        assert_eq!(err(b"1 2"), TextError::TrailingData { offset: 2 });
        assert_eq!(err(b"nullx"), TextError::TrailingData { offset: 4 });
        assert_eq!(err(b"\"a\"\n,"), TextError::TrailingData { offset: 4 });
    }

    #[test]
    fn too_deep_at_the_bracket_over_the_limit() {
        let limits = Limits {
            max_bytes: 1 << 20,
            max_depth: 3,
        };
        assert!(parse(b"[[[]]]", &limits).is_ok());
        assert!(parse(br#"{"a":[{}]}"#, &limits).is_ok());
        assert_eq!(
            parse(b"[[[[]]]]", &limits).err(),
            Some(TextError::TooDeep { offset: 3, max: 3 })
        );
        assert_eq!(
            parse(br#"{"a":[{"b":{}}]}"#, &limits).err(),
            Some(TextError::TooDeep { offset: 11, max: 3 })
        );
        let none = Limits {
            max_bytes: 10,
            max_depth: 0,
        };
        assert!(parse(b"1", &none).is_ok());
        assert_eq!(
            parse(b" []", &none).err(),
            Some(TextError::TooDeep { offset: 1, max: 0 })
        );
    }

    #[test]
    fn syntax_errors_name_the_expectation_and_the_offset() {
        let cases: &[(&str, usize, &str)] = &[
            (
                r#"{"a":1,}"#,
                7,
                "expected a string key after `,`, found `}` (trailing commas are not allowed)",
            ),
            (
                "[1,]",
                3,
                "expected a value after `,`, found `]` (trailing commas are not allowed)",
            ),
            (
                r#"{"a":1]"#,
                6,
                "expected `,` or `}` after an object member, found `]`",
            ),
            (
                "[1 2]",
                3,
                "expected `,` or `]` after an array item, found `2`",
            ),
            (
                r#"{"a" 1}"#,
                5,
                "expected `:` after an object key, found `1`",
            ),
            ("{1:2}", 1, "expected a string key or `}`, found `1`"),
            ("{'a':1}", 1, "expected a string key or `}`, found `'`"),
            (
                "['a']",
                1,
                "expected a value, found `'` (strings take double quotes)",
            ),
            (
                "[1, // c\n]",
                4,
                "expected a value after `,`, found `/` (comments are not allowed)",
            ),
            (
                "/* c */ 1",
                0,
                "expected a value, found `/` (comments are not allowed)",
            ),
            ("[True]", 1, "expected a value, found `True`"),
            ("NaN", 0, "expected a value, found `NaN`"),
            ("[tru]", 1, "expected a value, found `t`"),
            ("+1", 0, "expected a value, found `+`"),
            (".5", 0, "expected a value, found `.`"),
            ("[\u{a0}1]", 1, "expected a value, found U+00A0"),
            ("01", 0, "number with a leading zero, found `01`"),
            ("[-00]", 2, "number with a leading zero, found `00`"),
            ("-a", 1, "expected a digit after `-`, found `a`"),
            (
                "1.]",
                2,
                "expected a digit after `.` in a number, found `]`",
            ),
            (
                "1.e5",
                2,
                "expected a digit after `.` in a number, found `e`",
            ),
            (
                "1e+",
                3,
                "unexpected end of input, expected a digit in the exponent of a number",
            ),
            (
                "[1E-x]",
                4,
                "expected a digit in the exponent of a number, found `x`",
            ),
            ("[1, 1e400]", 4, "number out of range"),
            ("-1e400", 0, "number out of range"),
            (r#"["abc"#, 1, "unterminated string"),
            (r#"["abc\"#, 1, "unterminated string"),
            (r#"["\u12"#, 1, "unterminated string"),
            (r#"["\ud800"#, 1, "unterminated string"),
            (r#"["\ud800\"#, 1, "unterminated string"),
            (r#"{"a": "x\qy"}"#, 8, "invalid escape `\\q` in a string"),
            (r#""\'""#, 1, "invalid escape `\\'` in a string"),
            (
                "\"\\\u{7}\"",
                1,
                "invalid escape in a string, expected an escape char after `\\`, found U+0007",
            ),
            (
                r#""ab\u12G4""#,
                3,
                "invalid escape `\\u12` in a string, expected 4 hex digits after `\\u`, found `G`",
            ),
            ("\"a\nb\"", 2, "control character U+000A in a string"),
            ("[\"\t\"]", 2, "control character U+0009 in a string"),
            ("\"\u{0}\"", 1, "control character U+0000 in a string"),
            (r#"["\ud800"]"#, 2, "lone surrogate `\\ud800` in a string"),
            (r#""x\uDFFF""#, 2, "lone surrogate `\\uDFFF` in a string"),
            (
                r#""\ud800\u0041""#,
                1,
                "lone surrogate `\\ud800` in a string",
            ),
            (r#""\ud800\n""#, 1, "lone surrogate `\\ud800` in a string"),
            (
                r#""\ud800\ud800""#,
                1,
                "lone surrogate `\\ud800` in a string",
            ),
            ("[", 1, "unexpected end of input, expected a value"),
            (
                "[1,",
                3,
                "unexpected end of input, expected a value after `,`",
            ),
            (
                "[1",
                2,
                "unexpected end of input, expected `,` or `]` after an array item",
            ),
            (
                "{",
                1,
                "unexpected end of input, expected a string key or `}`",
            ),
            (
                r#"{"a""#,
                4,
                "unexpected end of input, expected `:` after an object key",
            ),
            (r#"{"a":"#, 5, "unexpected end of input, expected a value"),
            (
                r#"{"a":1 "#,
                7,
                "unexpected end of input, expected `,` or `}` after an object member",
            ),
            ("]", 0, "expected a value, found `]`"),
            (
                "-",
                1,
                "unexpected end of input, expected a digit after `-`",
            ),
        ];
        for &(input, offset, message) in cases {
            assert_eq!(
                syntax_err(input),
                (offset, message.to_owned()),
                "input {input:?}"
            );
            // serde_json rejects every one of them too.
            assert!(serde_json::from_str::<Value>(input).is_err(), "{input:?}");
        }
    }

    #[test]
    fn first_error_wins() {
        // A control character before the end of an unterminated string.
        assert_eq!(syntax_err("\"ab\ncd").0, 3);
        // An invalid escape before a lone surrogate.
        assert_eq!(syntax_err(r#""\x\ud800""#).0, 1);
    }

    #[test]
    fn hostile_nesting_stops_at_the_limit() {
        let input = "[".repeat(100_000);
        let started = std::time::Instant::now();
        assert_eq!(
            parse(input.as_bytes(), &limits()).err(),
            Some(TextError::TooDeep {
                offset: 64,
                max: 64
            })
        );
        let objects = r#"{"a":"#.repeat(100_000);
        assert_eq!(
            parse(objects.as_bytes(), &limits()).err(),
            Some(TextError::TooDeep {
                offset: 64 * 5,
                max: 64
            })
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // Exactly at the limit is fine, with correct spans.
        let deep = format!("{}{}", "[".repeat(64), "]".repeat(64));
        let parsed = ok(&deep);
        assert_eq!(parsed.spans.value(&"/0".repeat(63)), Some(63));
    }

    fn big() -> Limits {
        Limits {
            max_bytes: 100 << 20,
            max_depth: 64,
        }
    }

    #[test]
    fn many_members_in_one_object() {
        let mut input = String::from("{");
        for i in 0..200_000 {
            if i > 0 {
                input.push(',');
            }
            let _ = write!(input, "\"k{i}\":{i}");
        }
        input.push('}');
        let parsed = parse(input.as_bytes(), &big()).unwrap();
        assert_eq!(parsed.value.as_object().unwrap().len(), 200_000);
        assert!(parsed.duplicates.is_empty());
        assert_eq!(parsed.spans.value("/k199999"), Some(input.len() - 7));
    }

    #[test]
    fn many_duplicate_keys() {
        let count = 200_000;
        let input = format!(r#"{{"data":{{{}"a":1}}}}"#, r#""a":1,"#.repeat(count - 1));
        let parsed = parse(input.as_bytes(), &big()).unwrap();
        assert_eq!(parsed.duplicates.len(), count - 1);
        assert_eq!(parsed.omitted_duplicates, 0);
        let last = parsed.duplicates.last().unwrap();
        assert_eq!(last.pointer, "/data/a");
        assert_eq!(last.first_offset, 9);
        assert_eq!(last.offset, 9 + 6 * (count - 1));
        assert_eq!(parsed.value, json!({"data": {"a": 1}}));
    }

    #[test]
    fn duplicates_under_a_long_key_are_bounded() {
        // Memory stays linear: pointers of recorded duplicates add up to at most 8 times the
        // input plus 64 KiB; the rest are counted.
        let key = "k".repeat(100_000);
        let input = format!(r#"{{"{key}":{{{}"a":1}}}}"#, r#""a":1,"#.repeat(10_000));
        let parsed = parse(input.as_bytes(), &big()).unwrap();
        let recorded: usize = parsed.duplicates.iter().map(|d| d.pointer.len()).sum();
        assert!(recorded <= input.len() * 8 + (1 << 16));
        assert!(parsed.omitted_duplicates > 0);
        assert_eq!(parsed.duplicates.len() + parsed.omitted_duplicates, 10_000);
        assert_eq!(parsed.duplicates[0].pointer, format!("/{key}/a"));
    }

    #[test]
    fn a_long_string() {
        // 50 MB, with no escape (the fast path) and then with escapes near the end.
        let size = 50_000_000;
        let mut input = String::with_capacity(size + 20);
        input.push_str("[\"");
        input.push_str(&"x".repeat(size));
        input.push_str("\"]");
        let parsed = parse(input.as_bytes(), &big()).unwrap();
        assert_eq!(parsed.value[0].as_str().map(str::len), Some(size));
        input.truncate(input.len() - 2);
        input.push_str("\\u00e9\\n\"]");
        let parsed = parse(input.as_bytes(), &big()).unwrap();
        let text = parsed.value[0].as_str().unwrap();
        assert_eq!(text.len(), size + 3);
        assert!(text.ends_with("xé\n"));
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        // With a limit far above what callers use, 100,000 levels parse on the test thread's
        // 2 MiB stack: a recursive parser would overflow it.
        let depth = 100_000;
        let input = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let limits = Limits {
            max_bytes: 1 << 20,
            max_depth: depth,
        };
        let parsed = parse(input.as_bytes(), &limits).unwrap();
        assert_eq!(parsed.spans.value(&"/0".repeat(depth - 1)), Some(depth - 1));
        // serde_json's drop of a `Value` does recurse: leak this one (a few MB, once).
        std::mem::forget(parsed.value);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// serde_json stops at 127 levels (its counter starts at 128 and fails when it reaches
        /// 0), so this is the limit that makes the two agree.
        fn serde_limits() -> Limits {
            Limits {
                max_bytes: 1 << 20,
                max_depth: 127,
            }
        }

        fn arbitrary_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<u64>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                any::<f64>()
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(Value::from),
                any::<String>().prop_map(Value::String),
                "[a-z~/\"\\\\\u{0}-\u{1f}é😀]{0,6}".prop_map(Value::String),
            ];
            leaf.prop_recursive(6, 64, 8, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                    prop::collection::btree_map("[a-z~/]{0,3}|.*", inner, 0..8)
                        .prop_map(|map| Value::Object(map.into_iter().collect())),
                ]
            })
        }

        /// JSON-ish bytes: mostly the characters that matter to the grammar.
        fn jsonish_bytes() -> impl Strategy<Value = Vec<u8>> {
            let piece = prop_oneof![
                prop::sample::select(vec![
                    "{", "}", "[", "]", ",", ":", "\"", "\\", " ", "\n", "0", "1", "-", "+", ".",
                    "e", "E", "true", "false", "null", "\"a\"", "\\u", "d800", "dc00", "00e9", "x",
                    "\t", "\u{1}", "é", "\u{FEFF}", "1e400", "tru",
                ])
                .prop_map(|s| s.as_bytes().to_vec()),
                any::<u8>().prop_map(|b| vec![b]),
            ];
            prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
        }

        /// Checks `parse` against serde_json on any bytes, and that spans agree with `value`.
        fn agrees_with_serde_json(bytes: &[u8]) -> Result<(), TestCaseError> {
            let ours = parse(bytes, &serde_limits());
            let theirs = serde_json::from_slice::<Value>(bytes);
            match (&ours, &theirs) {
                (Ok(parsed), Ok(value)) => {
                    prop_assert_eq!(&parsed.value, value);
                    check_spans(bytes, parsed, &parsed.value, &mut String::new())?;
                }
                (Err(_), Err(_)) => {}
                _ => prop_assert!(
                    false,
                    "ours {:?} vs serde_json {:?}",
                    ours.as_ref().err(),
                    theirs.as_ref().err()
                ),
            }
            Ok(())
        }

        /// Every value in `value` has a span whose text parses to that value.
        fn check_spans(
            bytes: &[u8],
            parsed: &Parsed,
            value: &Value,
            pointer: &mut String,
        ) -> Result<(), TestCaseError> {
            let start = parsed.spans.value(pointer);
            prop_assert!(start.is_some(), "no span for {:?}", pointer);
            let start = start.unwrap();
            let mut stream =
                serde_json::Deserializer::from_slice(&bytes[start..]).into_iter::<Value>();
            if let Some(Ok(at_span)) = stream.next() {
                // With duplicate keys too: the span is the last occurrence's, which serde_json
                // keeps as well.
                prop_assert_eq!(&at_span, value, "span of {:?}", pointer);
            } else {
                prop_assert!(false, "span of {:?} does not start a value", pointer);
            }
            let len = pointer.len();
            match value {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let _ = write!(pointer, "/{i}");
                        check_spans(bytes, parsed, item, pointer)?;
                        pointer.truncate(len);
                    }
                }
                Value::Object(map) => {
                    for (key, item) in map {
                        push_token(pointer, key);
                        let key_at = parsed.spans.key(pointer);
                        prop_assert!(key_at.is_some());
                        let key_text: String =
                            serde_json::Deserializer::from_slice(&bytes[key_at.unwrap()..])
                                .into_iter::<String>()
                                .next()
                                .and_then(Result::ok)
                                .unwrap_or_default();
                        prop_assert_eq!(&key_text, key);
                        check_spans(bytes, parsed, item, pointer)?;
                        pointer.truncate(len);
                    }
                }
                _ => {}
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            #[test]
            fn serialized_values_parse_back_the_same(value in arbitrary_value()) {
                for text in [
                    serde_json::to_string(&value).unwrap(),
                    serde_json::to_string_pretty(&value).unwrap(),
                ] {
                    let parsed = parse(text.as_bytes(), &serde_limits());
                    prop_assert!(parsed.is_ok(), "{:?}: {:?}", text, parsed.err());
                    let parsed = parsed.unwrap();
                    // Not compared with `value` itself: without `float_roundtrip`, serde_json
                    // may read a printed f64 back one ulp off, and so must this parser.
                    prop_assert_eq!(&parsed.value, &serde_json::from_slice::<Value>(text.as_bytes()).unwrap());
                    prop_assert!(parsed.duplicates.is_empty());
                    agrees_with_serde_json(text.as_bytes())?;
                }
            }

            #[test]
            fn arbitrary_bytes_never_panic_and_agree(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
                agrees_with_serde_json(&bytes)?;
            }

            #[test]
            fn jsonish_bytes_never_panic_and_agree(bytes in jsonish_bytes()) {
                agrees_with_serde_json(&bytes)?;
            }

            #[test]
            fn mutated_json_never_panics_and_agrees(
                value in arbitrary_value(),
                edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..4),
            ) {
                let mut bytes = serde_json::to_vec(&value).unwrap();
                for (index, byte, op) in edits {
                    if bytes.is_empty() {
                        bytes.push(byte);
                        continue;
                    }
                    let at = index.index(bytes.len());
                    match op {
                        0 => bytes[at] = byte,
                        1 => { bytes.remove(at); }
                        _ => bytes.insert(at, byte),
                    }
                }
                agrees_with_serde_json(&bytes)?;
            }
        }
    }
}
