//! JSON as Python's `json.loads` reads it, and `json.dumps(v, sort_keys=True)`
//! as Python writes it (docs/OPENGRADIENT.md section 3.3, "pyjson").
//!
//! The trace parser (`crate::json`) is stricter on purpose (I-JSON integers, no
//! duplicate names); OpenGradient's gateway is Python, so here integers of any
//! size stay integers, a literal with `.`, `e` or `E` is a float, and a
//! repeated member name keeps its last value, as a Python dict does.

use std::fmt::Write as _;

/// Nesting deeper than this is refused rather than risking the stack.
pub const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// Decimal digits with an optional leading `-`, as written (never `-0`).
    Int(String),
    Float(f64),
    Str(String),
    Arr(Vec<Value>),
    /// Members in first-seen order; names are unique (a repeat replaced the value).
    Obj(Vec<(String, Value)>),
}

impl Value {
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Obj(m) => m.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Arr(a) => Some(a),
            _ => None,
        }
    }
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Obj(_))
    }
    /// Python truthiness: not null, false, 0, 0.0, "", [] or {}.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(d) => d != "0",
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Arr(a) => !a.is_empty(),
            Value::Obj(m) => !m.is_empty(),
        }
    }
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Str(_) => "a string",
            Value::Arr(_) => "an array",
            Value::Obj(_) => "an object",
        }
    }
}

/// Why a text is not JSON; `at` is a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub at: usize,
    pub reason: String,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at byte {})", self.reason, self.at)
    }
}

pub fn parse(text: &str) -> Result<Value, JsonError> {
    let mut p = Parser { s: text.as_bytes(), i: 0 };
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
    fn eat(&mut self, lit: &str, v: Value) -> Result<Value, JsonError> {
        if self.s[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            Ok(v)
        } else {
            Err(self.err("not a JSON value"))
        }
    }
    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err(&format!("nested deeper than {MAX_DEPTH} levels")));
        }
        match self.s.get(self.i) {
            None => Err(self.err("the text ends where a value should be")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => Ok(Value::Str(self.string()?)),
            Some(b't') => self.eat("true", Value::Bool(true)),
            Some(b'f') => self.eat("false", Value::Bool(false)),
            Some(b'n') => self.eat("null", Value::Null),
            Some(b'N' | b'I') => Err(self.err("NaN and Infinity are not JSON numbers")),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("not a JSON value")),
        }
    }
    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.i += 1;
        let mut members: Vec<(String, Value)> = Vec::new();
        // Large objects find a repeated name through an index, not a scan.
        let mut index: Option<hashbrown::HashMap<String, usize>> = None;
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Value::Obj(members));
        }
        loop {
            self.ws();
            if self.s.get(self.i) != Some(&b'"') {
                return Err(self.err("expected a member name in double quotes"));
            }
            let name = self.string()?;
            self.ws();
            if self.s.get(self.i) != Some(&b':') {
                return Err(self.err("expected ':' after a member name"));
            }
            self.i += 1;
            self.ws();
            let v = self.value(depth + 1)?;
            if members.len() == 16 && index.is_none() {
                index = Some(members.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect());
            }
            let at = match &index {
                Some(ix) => ix.get(&name).copied(),
                None => members.iter().position(|(k, _)| *k == name),
            };
            match at {
                Some(i) => members[i].1 = v,
                None => {
                    if let Some(ix) = &mut index {
                        ix.insert(name.clone(), members.len());
                    }
                    members.push((name, v));
                }
            }
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Obj(members));
                }
                _ => return Err(self.err("expected ',' or '}' in an object")),
            }
        }
    }
    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Value::Arr(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Arr(items));
                }
                _ => return Err(self.err("expected ',' or ']' in an array")),
            }
        }
    }
    fn hex4(&mut self) -> Result<u32, JsonError> {
        let h = self.s.get(self.i..self.i + 4).ok_or_else(|| self.err("a \\u escape needs four hex digits"))?;
        let h = std::str::from_utf8(h).ok().and_then(|h| u32::from_str_radix(h, 16).ok().filter(|_| h.bytes().all(|b| b.is_ascii_hexdigit())));
        let v = h.ok_or_else(|| self.err("a \\u escape needs four hex digits"))?;
        self.i += 4;
        Ok(v)
    }
    fn string(&mut self) -> Result<String, JsonError> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(&b) = self.s.get(self.i) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            // The input is a &str, and the run stops only at ASCII bytes.
            out.push_str(std::str::from_utf8(&self.s[start..self.i]).expect("a run of a str between ASCII bytes is UTF-8"));
            match self.s.get(self.i) {
                None => return Err(self.err("a string is not closed")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let e = *self.s.get(self.i).ok_or_else(|| self.err("a string is not closed"))?;
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
                            let u = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&u) && self.s[self.i..].starts_with(b"\\u") {
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("a lone UTF-16 surrogate escape cannot be checked (it has no UTF-8 form)"));
                                }
                                char::from_u32(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00))
                            } else {
                                char::from_u32(u)
                            };
                            out.push(c.ok_or_else(|| self.err("a lone UTF-16 surrogate escape cannot be checked (it has no UTF-8 form)"))?);
                        }
                        _ => return Err(self.err("an unknown escape in a string")),
                    }
                }
                Some(_) => return Err(self.err("a control character must be escaped in a string")),
            }
        }
    }
    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let s = p.i;
            while p.s.get(p.i).is_some_and(u8::is_ascii_digit) {
                p.i += 1;
            }
            p.i - s
        };
        if self.s[self.i] == b'-' {
            self.i += 1;
        }
        let int_at = self.i;
        let n = digits(self);
        if n == 0 || (n > 1 && self.s[int_at] == b'0') {
            return Err(self.err("not a JSON number"));
        }
        let mut float = false;
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            float = true;
            if digits(self) == 0 {
                return Err(self.err("not a JSON number"));
            }
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            float = true;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return Err(self.err("not a JSON number"));
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).expect("ASCII");
        if float {
            let f: f64 = text.parse().map_err(|_| self.err("not a JSON number"))?;
            if !f.is_finite() {
                return Err(JsonError { at: start, reason: "a number too large for a float (Python reads it as Infinity)".into() });
            }
            Ok(Value::Float(f))
        } else if text == "-0" {
            Ok(Value::Int("0".into()))
        } else {
            Ok(Value::Int(text.to_string()))
        }
    }
}

/// Python 3 `json.dumps(v, sort_keys=True)` with its defaults, byte for byte.
pub fn pyjson(v: &Value) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out
}

fn write(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(d) => out.push_str(d),
        Value::Float(f) => float_repr(*f, out),
        Value::Str(s) => write_str(s, out),
        Value::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::Obj(members) => {
            // Rust's str order is code point order, as Python's sort_keys.
            let mut sorted: Vec<&(String, Value)> = members.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            out.push('{');
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str(k, out);
                out.push_str(": ");
                write(v, out);
            }
            out.push('}');
        }
    }
}

/// `ensure_ascii=True`: every character outside U+0020..U+007E as `\uxxxx`
/// (a UTF-16 surrogate pair above U+FFFF), with the short escapes Python uses.
pub fn write_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{:04x}", u);
                }
            }
        }
    }
    out.push('"');
}

/// Python's `repr(float)`: the shortest digits that round-trip, positional
/// when 1e-4 <= |x| < 1e16 (at least one digit after the point), otherwise
/// `d[.ddd]e+XX` with at least two exponent digits.
pub fn float_repr(x: f64, out: &mut String) {
    if x == 0.0 {
        out.push_str(if x.is_sign_negative() { "-0.0" } else { "0.0" });
        return;
    }
    // Rust's `{:e}` without a precision is the shortest round-trip form: "-1.2345e3".
    let sci = format!("{:e}", x);
    let (mantissa, exp) = sci.split_once('e').expect("{:e} writes an exponent");
    let exp: i32 = exp.parse().expect("{:e} writes a decimal exponent");
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repr(x: f64) -> String {
        let mut s = String::new();
        float_repr(x, &mut s);
        s
    }

    #[test]
    fn floats_print_as_python_repr() {
        for (x, want) in [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.7, "0.7"),
            (1.0, "1.0"),
            (100.0, "100.0"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e16, "1e+16"),
            (1.5e300, "1.5e+300"),
            (9999999999999998.0, "9999999999999998.0"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (-2.5, "-2.5"),
            (1234.5678, "1234.5678"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.30000000000000004, "0.30000000000000004"),
        ] {
            assert_eq!(repr(x), want, "{x:e}");
        }
    }

    #[test]
    fn numbers_keep_their_python_type() {
        assert_eq!(parse("1").unwrap(), Value::Int("1".into()));
        assert_eq!(parse("-0").unwrap(), Value::Int("0".into()));
        assert_eq!(parse("123456789012345678901234567890").unwrap(), Value::Int("123456789012345678901234567890".into()));
        assert_eq!(parse("1.0").unwrap(), Value::Float(1.0));
        assert_eq!(parse("1E2").unwrap(), Value::Float(100.0));
        assert_eq!(pyjson(&parse("[1e2, 1, -0.0, 1e-05, 1e+16]").unwrap()), "[100.0, 1, -0.0, 1e-05, 1e+16]");
        assert!(parse("1e400").unwrap_err().reason.contains("Infinity"));
        assert!(parse("NaN").is_err());
        assert!(parse("01").is_err());
    }

    #[test]
    fn dumps_sorts_by_code_point_and_escapes_as_ensure_ascii() {
        let v = parse(r#"{"b": 1, "a": {"z": null, "é": true, "Z": false, "😊": [], "\uffff": {}}, "a\u0000": "x"}"#).unwrap();
        // Code point order: "Z" < "z" < "é" (U+00E9) < U+FFFF < "😊" (U+1F60A); JavaScript's UTF-16 sort would put U+1F60A before U+FFFF.
        assert_eq!(pyjson(&v), r#"{"a": {"Z": false, "z": null, "\u00e9": true, "\uffff": {}, "\ud83d\ude0a": []}, "a\u0000": "x", "b": 1}"#);
        let s = parse(r#""h\u00e9llo \ud83d\ude0a </> \"q\" \\ \n\r\t\b\f \u007f \u001f""#).unwrap();
        assert_eq!(pyjson(&s), r#""h\u00e9llo \ud83d\ude0a </> \"q\" \\ \n\r\t\b\f \u007f \u001f""#);
    }

    #[test]
    fn a_repeated_name_keeps_the_last_value_in_the_first_place() {
        let v = parse(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
        assert_eq!(v, Value::Obj(vec![("a".into(), Value::Int("3".into())), ("b".into(), Value::Int("2".into()))]));
        let many: String = (0..40).map(|i| format!("\"k{}\": {i}, ", i % 20)).collect::<String>() + "\"end\": 0";
        let Value::Obj(m) = parse(&format!("{{{many}}}")).unwrap() else { panic!() };
        assert_eq!(m.len(), 21);
        assert_eq!(m[3], ("k3".into(), Value::Int("23".into())));
    }

    #[test]
    fn bad_text_is_refused_with_a_reason() {
        assert!(parse("{\"a\": \"\u{1}\"}").unwrap_err().reason.contains("control character"));
        assert!(parse(r#""\ud800""#).unwrap_err().reason.contains("surrogate"));
        assert!(parse("[1,]").is_err());
        assert!(parse(&"[".repeat(200)).unwrap_err().reason.contains("nested"));
    }
}
