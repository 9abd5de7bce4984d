//! Strict JSON (FORMAT.md section 1 and 2) and RFC 8785 canonical form (JCS).
//!
//! serde_json cannot report duplicate member names at every depth nor keep
//! integer-only rules, and a trace line is the hot path, so the parser is our
//! own. It is tested against the RFC 8785 vectors in `../shared/vectors/jcs`
//! and cross-checked against the `serde_jcs` crate.

use std::fmt;

/// Integers outside this range are malformed (FORMAT.md section 1: I-JSON range).
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;
/// Nesting deeper than this is refused rather than risking the stack.
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    /// Only produced by [`Numbers::AnyFloat`]; never in a trace.
    Float(f64),
    Str(String),
    Arr(Vec<Json>),
    /// Members in document order; names are unique (checked while parsing).
    Obj(Vec<(String, Json)>),
}

impl Json {
    pub fn get(&self, name: &str) -> Option<&Json> {
        match self {
            Json::Obj(members) => members.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Int(_) | Json::Float(_) => "a number",
            Json::Str(_) => "a string",
            Json::Arr(_) => "an array",
            Json::Obj(_) => "an object",
        }
    }
}

/// A parsed value as serde sees it (members in document order): how the wasm
/// shell hands a statement's body to the page as a plain object.
impl serde::Serialize for Json {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Int(i) => s.serialize_i64(*i),
            Json::Float(f) => s.serialize_f64(*f),
            Json::Str(t) => s.serialize_str(t),
            Json::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Json::Obj(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// Which numbers the parser accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbers {
    /// Trace rule: integers in +-(2^53-1) only.
    SafeIntegers,
    /// Any JSON number, as f64 (for the RFC 8785 vectors only).
    AnyFloat,
}

/// Why a text is not acceptable JSON; `at` is a byte offset into the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub at: usize,
    pub reason: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.reason, self.at)
    }
}

pub fn parse(input: &[u8], numbers: Numbers) -> Result<Json, JsonError> {
    let text = std::str::from_utf8(input).map_err(|e| JsonError {
        at: e.valid_up_to(),
        reason: "the text is not valid UTF-8".into(),
    })?;
    if text.starts_with('\u{feff}') {
        return Err(JsonError { at: 0, reason: "a byte order mark (BOM) is not allowed".into() });
    }
    let mut p = Parser { s: text.as_bytes(), i: 0, numbers };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.err("unexpected text after the JSON value"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    numbers: Numbers,
}

impl Parser<'_> {
    fn err(&self, reason: &str) -> JsonError {
        JsonError { at: self.i, reason: reason.to_string() }
    }
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    /// `depth` is how many arrays and objects enclose the value.
    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        // An array or object at `depth` is nesting level `depth + 1`.
        if depth >= MAX_DEPTH && matches!(self.peek(), Some(b'{' | b'[')) {
            return Err(self.err(&format!("JSON nested more than {MAX_DEPTH} levels deep")));
        }
        match self.peek() {
            None => Err(self.err("unexpected end of text")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("not a JSON value")),
        }
    }
    fn literal(&mut self, word: &str, v: Json) -> Result<Json, JsonError> {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(self.err("not a JSON value"))
        }
    }
    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.i += 1;
        let mut members: Vec<(String, Json)> = Vec::new();
        // Where each name starts, to point at a duplicate found after the object ends.
        let mut name_at: Vec<usize> = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Json::Obj(members));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a member name in double quotes"));
            }
            let at = self.i;
            let name = self.string()?;
            // Small objects (every statement) are checked as they are read; large
            // ones once, sorted, at the end: a linear scan would be quadratic.
            if members.len() < LINEAR_NAME_CHECK && members.iter().any(|(k, _)| *k == name) {
                return Err(duplicate_name(at, &name));
            }
            name_at.push(at);
            self.ws();
            if self.peek() != Some(b':') {
                return Err(self.err("expected ':' after a member name"));
            }
            self.i += 1;
            self.ws();
            let v = self.value(depth + 1)?;
            members.push((name, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    if members.len() > LINEAR_NAME_CHECK {
                        check_unique_names(&members, &name_at)?;
                    }
                    return Ok(Json::Obj(members));
                }
                _ => return Err(self.err("expected ',' or '}' in an object")),
            }
        }
    }
    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Json::Arr(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Json::Arr(items));
                }
                _ => return Err(self.err("expected ',' or ']' in an array")),
            }
        }
    }
    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self.s.get(self.i..self.i + 4).ok_or_else(|| self.err("truncated \\u escape"))?;
        let mut v = 0u32;
        for &d in digits {
            let n = (d as char).to_digit(16).ok_or_else(|| self.err("bad hex digit in \\u escape"))?;
            v = v * 16 + n;
        }
        self.i += 4;
        Ok(v)
    }
    fn string(&mut self) -> Result<String, JsonError> {
        self.i += 1; // opening quote
        let start = self.i;
        // Fast path: no escapes.
        while let Some(&b) = self.s.get(self.i) {
            match b {
                b'"' => {
                    let s = std::str::from_utf8(&self.s[start..self.i]).expect("input was checked as UTF-8");
                    self.i += 1;
                    return Ok(s.to_owned());
                }
                b'\\' => break,
                0..=0x1f => return Err(self.err("control character in a string (escape it)")),
                _ => self.i += 1,
            }
        }
        let mut out = String::from(std::str::from_utf8(&self.s[start..self.i]).expect("checked UTF-8"));
        loop {
            let Some(&b) = self.s.get(self.i) else {
                return Err(self.err("unterminated string"));
            };
            match b {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
                        return Err(self.err("unterminated escape"));
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xd800..0xdc00).contains(&hi) {
                                if self.s.get(self.i..self.i + 2) != Some(b"\\u") {
                                    return Err(self.err("lone surrogate in \\u escape"));
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&lo) {
                                    return Err(self.err("lone surrogate in \\u escape"));
                                }
                                0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                            } else if (0xdc00..0xe000).contains(&hi) {
                                return Err(self.err("lone surrogate in \\u escape"));
                            } else {
                                hi
                            };
                            out.push(char::from_u32(c).expect("surrogates were excluded"));
                        }
                        _ => return Err(self.err("unknown escape in a string")),
                    }
                }
                0..=0x1f => return Err(self.err("control character in a string (escape it)")),
                _ => {
                    // Copy one UTF-8 scalar (the input is valid UTF-8).
                    let len = utf8_len(b);
                    out.push_str(std::str::from_utf8(&self.s[self.i..self.i + len]).expect("checked UTF-8"));
                    self.i += len;
                }
            }
        }
    }
    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.i += 1;
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(self.err("leading zero in a number"));
                }
            }
            Some(b'1'..=b'9') => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.i += 1;
                }
            }
            _ => return Err(self.err("bad number")),
        }
        let int_end = self.i;
        let mut is_int = true;
        if self.peek() == Some(b'.') {
            is_int = false;
            self.i += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err("bad number: digits must follow '.'"));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            is_int = false;
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err("bad number: digits must follow the exponent"));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).expect("ASCII");
        match self.numbers {
            Numbers::SafeIntegers => {
                if !is_int {
                    return Err(JsonError {
                        at: start,
                        reason: format!("number {text} has a fraction or exponent; only integers are allowed (write decimals as strings)"),
                    });
                }
                let digits = &self.s[start..int_end];
                let v: i64 = if digits.len() > 17 {
                    i64::MAX
                } else {
                    std::str::from_utf8(digits).expect("ASCII").parse().unwrap_or(i64::MAX)
                };
                if !(-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&v) {
                    return Err(JsonError {
                        at: start,
                        reason: format!("integer {text} is outside +-(2^53-1); write it as a string"),
                    });
                }
                Ok(Json::Int(v))
            }
            Numbers::AnyFloat => {
                let v: f64 = text.parse().map_err(|_| self.err("bad number"))?;
                if !v.is_finite() {
                    return Err(self.err("number out of range"));
                }
                Ok(Json::Float(v))
            }
        }
    }
}

/// Objects up to this many members are checked for duplicate names as they are read.
const LINEAR_NAME_CHECK: usize = 16;

fn duplicate_name(at: usize, name: &str) -> JsonError {
    JsonError { at, reason: format!("duplicate member name {}", crate::report::quoted(name)) }
}

/// Sorts the names once (O(n log n)); reports the later of the first duplicate pair found.
fn check_unique_names(members: &[(String, Json)], name_at: &[usize]) -> Result<(), JsonError> {
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_unstable_by(|&a, &b| members[a].0.cmp(&members[b].0).then(a.cmp(&b)));
    let first = order.windows(2).filter(|w| members[w[0]].0 == members[w[1]].0).map(|w| w[1]).min();
    match first {
        Some(i) => Err(duplicate_name(name_at[i], &members[i].0)),
        None => Ok(()),
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// RFC 8785 canonical bytes of `v`, appended to `out`.
pub fn write_canonical(v: &Json, out: &mut Vec<u8>) {
    match v {
        Json::Null => out.extend_from_slice(b"null"),
        Json::Bool(true) => out.extend_from_slice(b"true"),
        Json::Bool(false) => out.extend_from_slice(b"false"),
        Json::Int(i) => out.extend_from_slice(itoa_i64(*i).as_bytes()),
        Json::Float(f) => write_float(*f, out),
        Json::Str(s) => write_string(s, out),
        Json::Arr(items) => {
            out.push(b'[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        Json::Obj(members) => write_object(members.iter().map(|(k, v)| (k.as_str(), v)), out),
    }
}

/// Writes an object's members in RFC 8785 order (UTF-16 code units of the names).
pub fn write_object<'a>(members: impl Iterator<Item = (&'a str, &'a Json)>, out: &mut Vec<u8>) {
    let mut sorted: Vec<(&str, &Json)> = members.collect();
    sorted.sort_unstable_by(|a, b| cmp_utf16(a.0, b.0));
    out.push(b'{');
    for (n, (k, v)) in sorted.into_iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write_string(k, out);
        out.push(b':');
        write_canonical(v, out);
    }
    out.push(b'}');
}

fn cmp_utf16(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.as_bytes().cmp(b.as_bytes());
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

fn itoa_i64(i: i64) -> String {
    i.to_string()
}

fn write_float(f: f64, out: &mut Vec<u8>) {
    if f == 0.0 {
        out.push(b'0'); // -0 serializes as 0 (RFC 8785 section 3.2.2.3)
    } else {
        let mut buf = ryu_js::Buffer::new();
        out.extend_from_slice(buf.format_finite(f).as_bytes());
    }
}

pub fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x09 => b"\\t",
            0x0a => b"\\n",
            0x0c => b"\\f",
            0x0d => b"\\r",
            0..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                out.extend_from_slice(format!("\\u{:04x}", b).as_bytes());
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(esc);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// An indented rendering for people (members in document order, two spaces).
pub fn pretty(v: &Json) -> String {
    fn go(v: &Json, depth: usize, out: &mut Vec<u8>) {
        let pad = |d: usize, out: &mut Vec<u8>| out.extend(std::iter::repeat_n(b' ', d * 2));
        match v {
            Json::Arr(items) if !items.is_empty() => {
                out.extend_from_slice(b"[\n");
                for (i, item) in items.iter().enumerate() {
                    pad(depth + 1, out);
                    go(item, depth + 1, out);
                    out.extend_from_slice(if i + 1 < items.len() { b",\n" } else { b"\n" });
                }
                pad(depth, out);
                out.push(b']');
            }
            Json::Obj(members) if !members.is_empty() => {
                out.extend_from_slice(b"{\n");
                for (i, (k, item)) in members.iter().enumerate() {
                    pad(depth + 1, out);
                    write_string(k, out);
                    out.extend_from_slice(b": ");
                    go(item, depth + 1, out);
                    out.extend_from_slice(if i + 1 < members.len() { b",\n" } else { b"\n" });
                }
                pad(depth, out);
                out.push(b'}');
            }
            other => write_canonical(other, out),
        }
    }
    let mut out = Vec::new();
    go(v, 0, &mut out);
    String::from_utf8(out).expect("JSON text is UTF-8")
}

/// Canonical bytes of a whole value.
pub fn canonical(v: &Json) -> Vec<u8> {
    let mut out = Vec::new();
    write_canonical(v, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict(s: &str) -> Result<Json, JsonError> {
        parse(s.as_bytes(), Numbers::SafeIntegers)
    }

    #[test]
    fn rejects_what_the_format_forbids() {
        assert!(strict(r#"{"a":1,"a":2}"#).unwrap_err().reason.contains("duplicate"));
        assert!(strict(r#"{"x":{"a":1,"a":2}}"#).unwrap_err().reason.contains("duplicate"));
        assert!(strict("1.5").unwrap_err().reason.contains("fraction"));
        assert!(strict("1e3").unwrap_err().reason.contains("fraction or exponent"));
        assert!(strict("9007199254740992").unwrap_err().reason.contains("2^53"));
        assert_eq!(strict("9007199254740991").unwrap(), Json::Int(MAX_SAFE_INTEGER));
        assert_eq!(strict("-9007199254740991").unwrap(), Json::Int(-MAX_SAFE_INTEGER));
        assert!(strict("-9007199254740992").is_err());
        assert!(strict("01").is_err());
        assert!(strict(r#""\ud800""#).unwrap_err().reason.contains("surrogate"));
        assert!(strict("\u{feff}{}").unwrap_err().reason.contains("BOM"));
        assert!(parse(b"\"\xff\"", Numbers::SafeIntegers).unwrap_err().reason.contains("UTF-8"));
        assert!(strict("{} x").is_err());
        assert!(strict(&"[".repeat(100)).unwrap_err().reason.contains("more than 64 levels"));
        // 64 levels are allowed, 65 are not (docs/FORMAT.md section 1).
        let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(strict(&nest(64)).is_ok());
        assert!(strict(&nest(65)).unwrap_err().reason.contains("more than 64 levels"));
        let objs = |n: usize| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
        assert!(strict(&objs(64)).is_ok());
        assert!(strict(&objs(65)).is_err());
        assert!(strict("\"a\tb\"").is_err());
    }

    #[test]
    fn duplicate_names_in_large_objects_are_found() {
        let many = |extra: &str| {
            let members: Vec<String> = (0..5000).map(|i| format!("\"m{i}\":{i}")).collect();
            format!("{{{}{extra}}}", members.join(","))
        };
        assert!(strict(&many("")).is_ok());
        let e = strict(&many(",\"m17\":0")).unwrap_err();
        assert!(e.reason.contains("duplicate member name \"m17\""), "{e}");
        // The error points at the second occurrence.
        let text = many(",\"m17\":0");
        assert_eq!(e.at, text.rfind("\"m17\"").unwrap());
        // Nested large objects too.
        assert!(strict(&format!("{{\"x\":{}}}", many(",\"m4999\":1"))).is_err());
    }

    #[test]
    fn pretty_keeps_order_and_indents() {
        let v = strict(r#"{"b":[1,{"c":"x"}],"a":{},"d":[]}"#).unwrap();
        assert_eq!(pretty(&v), "{\n  \"b\": [\n    1,\n    {\n      \"c\": \"x\"\n    }\n  ],\n  \"a\": {},\n  \"d\": []\n}");
    }

    #[test]
    fn canonical_orders_by_utf16_and_escapes_minimally() {
        let v = strict(r#"{"b":1,"a":"x\u000by\n\"","\ud83d\ude00":2,"\ue000":3}"#).unwrap();
        let c = String::from_utf8(canonical(&v)).unwrap();
        assert_eq!(c, "{\"a\":\"x\\u000by\\n\\\"\",\"b\":1,\"\u{1f600}\":2,\"\u{e000}\":3}");
    }
}
