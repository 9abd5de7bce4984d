//! An SSE capture of a streaming chat answer (docs/OPENGRADIENT.md section 3.2):
//! the frames, the signed final frame, and the content the gateway buffered.

use super::json::{self, Value};
use super::receipt::{tool_calls_text, Call, Content};
use std::collections::BTreeMap;

/// A capture, read: the frame that carries `tee_signature`, and the content of the frames before it.
#[derive(Debug, Clone)]
pub struct Stream {
    pub signed_frame: Value,
    pub content: Content,
    pub frames: usize,
}

/// Does this text look like an event stream (a line starting `data:`)?
pub fn looks_like(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("data:"))
}

/// Reads a capture; a stream that cannot be the gateway's signed stream is `og.stream.malformed`, with the reason.
pub fn parse(text: &str) -> Result<Stream, String> {
    let text = text.replace("\r\n", "\n");
    let mut signed: Option<Value> = None;
    let mut frames = 0usize;
    let mut content = String::new();
    let mut calls: BTreeMap<i64, Call> = BTreeMap::new();
    for (n, event) in text.split("\n\n").enumerate() {
        let data: Vec<&str> = event.lines().filter_map(|l| l.strip_prefix("data:")).map(|d| d.strip_prefix(' ').unwrap_or(d)).collect();
        if data.is_empty() {
            continue;
        }
        let data = data.join("\n");
        if data == "[DONE]" {
            break;
        }
        let frame = json::parse(&data).map_err(|e| format!("event {} is not JSON ({e})", n + 1))?;
        frames += 1;
        if signed.is_some() {
            return Err(format!("event {} follows the signed frame; the signature covers only what came before", n + 1));
        }
        if frame.get("tee_signature").is_some() {
            signed = Some(frame);
            continue;
        }
        gather(&frame, &mut content, &mut calls).map_err(|why| format!("event {}: {why}", n + 1))?;
    }
    let signed = signed.ok_or("no frame carries tee_signature (a stream that ends in an error, or was cut short, is not signed)")?;
    let finish = signed.get("choices").and_then(Value::as_array).and_then(|c| c.first()).and_then(|c| c.get("finish_reason"));
    let content = if matches!(finish, Some(Value::Str(f)) if f == "tool_calls") && !calls.is_empty() {
        let calls: Vec<Call> = calls.into_values().collect();
        Content { signed: tool_calls_text(&calls), unsigned_text: !content.is_empty() }
    } else {
        Content { signed: content, unsigned_text: false }
    };
    Ok(Stream { signed_frame: signed, content, frames })
}

/// One earlier frame's `choices[0].delta`: text appended, tool calls gathered per index.
fn gather(frame: &Value, text: &mut String, calls: &mut BTreeMap<i64, Call>) -> Result<(), String> {
    let Some(delta) = frame.get("choices").and_then(Value::as_array).and_then(|c| c.first()).and_then(|c| c.get("delta")) else {
        return Ok(());
    };
    if let Some(Value::Str(s)) = delta.get("content") {
        text.push_str(s);
    }
    for tc in delta.get("tool_calls").and_then(Value::as_array).unwrap_or(&[]) {
        let index = match tc.get("index") {
            None | Some(Value::Null) => 0,
            Some(Value::Int(d)) => d.parse::<i64>().map_err(|_| format!("a tool call index {d} is out of range"))?,
            Some(other) => return Err(format!("a tool call index is {}, not an integer", other.type_name())),
        };
        let call = calls.entry(index).or_insert_with(|| Call { id: Value::Str(String::new()), name: Value::Str(String::new()), arguments: Value::Str(String::new()) });
        let nonempty = |v: Option<&Value>| v.and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
        if let Some(id) = nonempty(tc.get("id")) {
            call.id = Value::Str(id);
        }
        let f = tc.get("function");
        if let Some(name) = nonempty(f.and_then(|f| f.get("name"))) {
            call.name = Value::Str(name);
        }
        if let Some(args) = nonempty(f.and_then(|f| f.get("arguments"))) {
            if let Value::Str(a) = &mut call.arguments {
                a.push_str(&args);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_calls_are_gathered_per_index() {
        let s = "data: {\"choices\":[{\"delta\":{\"content\":\"thinking\",\"tool_calls\":[{\"index\":1,\"id\":\"c2\",\"function\":{\"name\":\"b\",\"arguments\":\"{\\\"x\\\"\"}}]}}]}\n\n\
                 data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"c1\",\"function\":{\"name\":\"a\",\"arguments\":\"\"}},{\"index\":1,\"id\":\"\",\"function\":{\"arguments\":\": 1}\"}}]}}]}\n\n\
                 data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}],\"tee_signature\":\"x\"}\n\ndata: [DONE]\n\n";
        let st = parse(s).unwrap();
        assert_eq!(st.content.signed, r#"[{"function": {"arguments": "", "name": "a"}, "id": "c1", "type": "function"}, {"function": {"arguments": "{\"x\": 1}", "name": "b"}, "id": "c2", "type": "function"}]"#);
        assert!(st.content.unsigned_text);
    }

    #[test]
    fn malformed_streams_say_why() {
        assert!(parse("data: {\"choices\":[]}\n\n").unwrap_err().contains("no frame carries tee_signature"));
        assert!(parse("data: {\"tee_signature\":\"x\"}\n\ndata: {\"error\":\"boom\"}\n\n").unwrap_err().contains("follows the signed frame"));
        assert!(parse("data: {nope\n\n").unwrap_err().contains("not JSON"));
        // Multi-line data, CRLF, comments and a missing [DONE].
        let st = parse(": hi\r\nevent: x\r\ndata: {\"choices\":[{\"delta\":\r\ndata: {\"content\":\"a\"}}]}\r\n\r\ndata:{\"tee_signature\":\"x\"}").unwrap();
        assert_eq!(st.content.signed, "a");
    }
}
