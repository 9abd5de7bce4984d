//! The OpenGradient wasm module's entry points (www/pkg/onus_og*): loaded by
//! the page only when such a file is opened, so the main module does not carry it.

use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Keeps a panic's message so the worker can show it instead of a bare trap.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info.to_string();
        LAST_PANIC.with(|p| *p.borrow_mut() = msg);
    }));
}

/// The message of the last Rust panic (empty if none).
#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> String {
    LAST_PANIC.with(|p| p.borrow().clone())
}

/// Bytes in, the report out as the JSON text `onus og verify --json` prints
/// (the page parses it: the CLI's object, member for member). An input the
/// CLI refuses with exit 2 throws, with the CLI's message.
#[wasm_bindgen(js_name = ogVerify)]
pub fn og_verify(file: &[u8], registry: Option<Vec<u8>>, key: Option<Vec<u8>>, request: Option<Vec<u8>>, root: Option<String>) -> Result<String, JsError> {
    let inputs = super::Inputs { file, registry: registry.as_deref(), key: key.as_deref(), request: request.as_deref(), root: root.as_deref() };
    let report = super::verify(&inputs).map_err(|e| JsError::new(&e.0))?;
    Ok(serde_json::to_string(&report).expect("a report serialises"))
}
