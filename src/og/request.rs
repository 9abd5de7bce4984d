//! Re-deriving a receipt's request hash (docs/OPENGRADIENT.md section 3.3):
//! the request the client sent, reduced to what the gateway hashes, written
//! as Python's `json.dumps(sort_keys=True)`.

use super::json::{self, pyjson, Value};

/// The request as the gateway hashes it. Not canonicalisable is an input error (exit 2).
pub fn canonical(text: &str) -> Result<String, String> {
    let v = json::parse(text).map_err(|e| format!("--request is not JSON: {e}"))?;
    let fail = |why: String| format!("--request cannot be re-derived as the gateway hashes it: {why}");
    if !v.is_object() {
        return Err(fail(format!("it is {}, not a request object", v.type_name())));
    }
    let get = |k: &str| v.get(k).cloned().unwrap_or(Value::Null);
    let mut out: Vec<(String, Value)> = Vec::new();
    let push = |out: &mut Vec<(String, Value)>, k: &str, v: Value| out.push((k.to_string(), v));
    if let Some(messages) = v.get("messages") {
        let model = get("model");
        if !matches!(&model, Value::Str(s) if !s.is_empty()) {
            return Err(fail("a chat request needs \"model\", a non-empty string".into()));
        }
        let list = messages.as_array().filter(|l| !l.is_empty()).ok_or_else(|| fail("\"messages\" must be a non-empty list".into()))?;
        let shaped = list.iter().enumerate().map(|(i, m)| message(m).map_err(|why| fail(format!("messages[{i}]: {why}")))).collect::<Result<Vec<_>, _>>()?;
        push(&mut out, "model", model);
        push(&mut out, "messages", Value::Arr(shaped));
        push(&mut out, "temperature", temperature(&get("temperature")).map_err(fail)?);
        if !matches!(get("max_tokens"), Value::Null) {
            push(&mut out, "max_tokens", get("max_tokens"));
        }
        for k in ["stop", "tools", "response_format"] {
            if get(k).truthy() {
                push(&mut out, k, get(k));
            }
        }
        if get("web_search").truthy() {
            push(&mut out, "web_search", Value::Bool(true));
        }
    } else if v.get("prompt").is_some() {
        push(&mut out, "model", get("model"));
        push(&mut out, "prompt", get("prompt"));
        push(&mut out, "temperature", temperature(&get("temperature")).map_err(fail)?);
        if !matches!(get("max_tokens"), Value::Null) {
            push(&mut out, "max_tokens", get("max_tokens"));
        }
        if get("stop").truthy() {
            push(&mut out, "stop", get("stop"));
        }
    } else {
        return Err(fail("it has neither \"messages\" (chat) nor \"prompt\" (completions)".into()));
    }
    Ok(pyjson(&Value::Obj(out)))
}

/// `float(t)`, or 0.0 when absent or null.
fn temperature(t: &Value) -> Result<Value, String> {
    match t {
        Value::Null => Ok(Value::Float(0.0)),
        Value::Float(f) => Ok(Value::Float(*f)),
        Value::Bool(b) => Ok(Value::Float(if *b { 1.0 } else { 0.0 })),
        Value::Int(d) => {
            let f: f64 = d.parse().map_err(|_| format!("temperature {d} is not a number"))?;
            if f.is_finite() { Ok(Value::Float(f)) } else { Err(format!("temperature {d} is too large for a float")) }
        }
        Value::Str(s) => match s.trim().parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => Err(format!("temperature {s:?} is not a finite number")),
        },
        other => Err(format!("temperature is {}, not a number", other.type_name())),
    }
}

fn obj(members: Vec<(&str, Value)>) -> Value {
    Value::Obj(members.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// One message, shaped by its role.
fn message(m: &Value) -> Result<Value, String> {
    if !m.is_object() {
        return Err(format!("it is {}, not a message object", m.type_name()));
    }
    let get = |k: &str| m.get(k).cloned().unwrap_or(Value::Null);
    let role = m.get("role").and_then(Value::as_str).ok_or("it has no \"role\" string")?;
    let content = get("content");
    Ok(match role {
        "system" | "developer" => obj(vec![("role", Value::Str("system".into())), ("content", content)]),
        "user" => obj(vec![("role", Value::Str("user".into())), ("content", user_content(&content)?)]),
        "assistant" => {
            let content = if content.truthy() { content } else { Value::Str(String::new()) };
            let mut members = vec![("role", Value::Str("assistant".into())), ("content", content)];
            let calls = get("tool_calls");
            if calls.truthy() {
                let list = calls.as_array().ok_or("its tool_calls is not a list")?;
                members.push(("tool_calls", Value::Arr(list.iter().map(tool_call).collect::<Result<_, _>>()?)));
            }
            obj(members)
        }
        "tool" => obj(vec![("role", Value::Str("tool".into())), ("content", content), ("tool_call_id", get("tool_call_id"))]),
        "function" => obj(vec![("role", Value::Str("function".into())), ("content", content), ("name", get("name"))]),
        other => return Err(format!("role {other:?} is not one the gateway accepts (system, developer, user, assistant, tool, function)")),
    })
}

fn tool_call(c: &Value) -> Result<Value, String> {
    if !c.is_object() {
        return Err(format!("a tool call is {}, not an object", c.type_name()));
    }
    let or = |v: Option<&Value>, d: &str| v.cloned().unwrap_or_else(|| Value::Str(d.to_string()));
    let f = c.get("function");
    let (name, arguments) = match f {
        None => (Value::Str(String::new()), Value::Str(String::new())),
        Some(f) if f.is_object() => (or(f.get("name"), ""), or(f.get("arguments"), "")),
        Some(f) => return Err(format!("a tool call's function is {}, not an object", f.type_name())),
    };
    Ok(obj(vec![("id", or(c.get("id"), "")), ("type", or(c.get("type"), "function")), ("function", obj(vec![("name", name), ("arguments", arguments)]))]))
}

/// U(c): a string as is; a list as parts; anything else the gateway hashes as Python `str()`.
fn user_content(c: &Value) -> Result<Value, String> {
    match c {
        Value::Str(_) => Ok(c.clone()),
        Value::Arr(parts) => parts.iter().map(part).collect::<Result<Vec<_>, _>>().map(Value::Arr),
        other => Err(format!("user content is {}; the gateway hashes Python's str() of it, which cannot be re-derived", other.type_name())),
    }
}

fn part(p: &Value) -> Result<Value, String> {
    match p {
        Value::Str(_) => Ok(obj(vec![("type", Value::Str("text".into())), ("text", p.clone())])),
        Value::Obj(_) => {
            let ty = p.get("type").cloned().unwrap_or(Value::Null);
            if ty == Value::Str("text".into()) {
                let text = p.get("text").cloned().filter(Value::truthy).unwrap_or(Value::Str(String::new()));
                return Ok(obj(vec![("type", ty), ("text", text)]));
            }
            let mut members = vec![("type", ty)];
            let filename = p.get("file").and_then(|f| f.get("filename")).filter(|f| f.truthy()).or_else(|| p.get("filename"));
            if let Some(f) = filename.filter(|f| f.truthy()) {
                members.push(("filename", f.clone()));
            }
            Ok(obj(members))
        }
        other => Err(format!("a content part is {}, neither a string nor an object", other.type_name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_vector() {
        let r = r#"{"model":"gpt-4.1","messages":[{"role":"user","content":"h\u00e9llo \ud83d\ude0a </>"}],"temperature":0.7,"max_tokens":256,"top_p":1,"user":"u","stream":true}"#;
        let c = canonical(r).unwrap();
        assert_eq!(c, r#"{"max_tokens": 256, "messages": [{"content": "h\u00e9llo \ud83d\ude0a </>", "role": "user"}], "model": "gpt-4.1", "temperature": 0.7}"#);
        assert!(hex::encode(crate::og::enc::keccak256(c.as_bytes())).starts_with("1bf2ca49"));
    }

    #[test]
    fn roles_and_members() {
        let r = r#"{"model":"m","messages":[
            {"role":"developer","content":"be brief"},
            {"role":"user","content":["hi",{"type":"text","text":null},{"type":"image_url","image_url":{"url":"data:..."}},{"type":"file","file":{"filename":"a.pdf","file_data":"..."}}]},
            {"role":"assistant","content":null,"tool_calls":[{"id":"c1","function":{"name":"get","arguments":"{}"}}]},
            {"role":"tool","content":"42","tool_call_id":"c1"},
            {"role":"function","content":"x"}],
            "temperature":1,"max_tokens":null,"stop":[],"tools":[{"type":"function"}],"web_search":1,"seed":3}"#;
        assert_eq!(
            canonical(r).unwrap(),
            r#"{"messages": [{"content": "be brief", "role": "system"}, {"content": [{"text": "hi", "type": "text"}, {"text": "", "type": "text"}, {"type": "image_url"}, {"filename": "a.pdf", "type": "file"}], "role": "user"}, {"content": "", "role": "assistant", "tool_calls": [{"function": {"arguments": "{}", "name": "get"}, "id": "c1", "type": "function"}]}, {"content": "42", "role": "tool", "tool_call_id": "c1"}, {"content": "x", "name": null, "role": "function"}], "model": "m", "temperature": 1.0, "tools": [{"type": "function"}], "web_search": true}"#
        );
        assert_eq!(canonical(r#"{"model":"m","prompt":"p","temperature":1e-05,"max_tokens":12345678901234567890,"stop":"\n"}"#).unwrap(), r#"{"max_tokens": 12345678901234567890, "model": "m", "prompt": "p", "stop": "\n", "temperature": 1e-05}"#);
        assert_eq!(canonical(r#"{"model":"m","prompt":"p","temperature":1e16}"#).unwrap(), r#"{"model": "m", "prompt": "p", "temperature": 1e+16}"#);
    }

    #[test]
    fn what_cannot_be_re_derived_is_refused() {
        for (r, why) in [
            (r#"[]"#, "not a request object"),
            (r#"{"model":"m"}"#, "neither"),
            (r#"{"model":"","messages":[{"role":"user","content":"x"}]}"#, "non-empty string"),
            (r#"{"model":"m","messages":[]}"#, "non-empty list"),
            (r#"{"model":"m","messages":[{"role":"robot","content":"x"}]}"#, "role \"robot\""),
            (r#"{"model":"m","messages":[{"role":"user","content":null}]}"#, "str()"),
            (r#"{"model":"m","messages":[{"role":"user","content":[1]}]}"#, "neither a string nor an object"),
            (r#"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":[]}"#, "temperature"),
            (r#"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":1e999}"#, "Infinity"),
        ] {
            let e = canonical(r).unwrap_err();
            assert!(e.contains(why), "{r}: {e}");
        }
    }
}
