//! The OpenGradient wasm module's entry points (www/pkg/onus_og*): loaded by
//! the page only when such a file is opened, so the main module does not carry it.

use wasm_bindgen::prelude::*;

/// One OpenGradient check, in two passes so that WebCrypto can do the RSA-PSS
/// arithmetic (src/og/pss.rs): `new` runs pass one and keeps what it asked,
/// `keys()` and `requests()` hand that out as flat bytes, `finish(answers)`
/// runs pass two and returns the report as the JSON text `onus og verify
/// --json` prints. An input the CLI refuses with exit 2 throws, with the CLI's
/// message.
#[wasm_bindgen(js_name = OgCheck)]
pub struct OgCheck {
    file: Vec<u8>,
    registry: Option<Vec<u8>>,
    key: Option<Vec<u8>>,
    request: Option<Vec<u8>>,
    root: Option<String>,
    asked: super::pss::Recorder,
    /// Pass one's report when it asked for no RSA-PSS check: it is already the answer.
    done: Option<super::Report>,
}

#[wasm_bindgen(js_class = OgCheck)]
impl OgCheck {
    #[wasm_bindgen(constructor)]
    pub fn new(file: Vec<u8>, registry: Option<Vec<u8>>, key: Option<Vec<u8>>, request: Option<Vec<u8>>, root: Option<String>) -> Result<OgCheck, JsError> {
        let mut check = OgCheck { file, registry, key, request, root, asked: Default::default(), done: None };
        let mut asked = super::pss::Recorder::default();
        let report = super::verify_with(&check.inputs(), &mut asked).map_err(|e| JsError::new(&e.0))?;
        check.done = asked.is_empty().then_some(report);
        check.asked = asked;
        Ok(check)
    }

    fn inputs(&self) -> super::Inputs<'_> {
        super::Inputs { file: &self.file, registry: self.registry.as_deref(), key: self.key.as_deref(), request: self.request.as_deref(), root: self.root.as_deref() }
    }

    /// The keys the requests name: `u32le len, SPKI DER` each.
    pub fn keys(&self) -> Vec<u8> {
        self.asked.pack_keys()
    }

    /// The RSA-PSS checks: `u32le key, salt, len, message, len, signature` each.
    pub fn requests(&self) -> Vec<u8> {
        self.asked.pack_requests()
    }

    /// How many requests there are (answers has one byte for each: 1 valid, 0 invalid, 2 not checked).
    #[wasm_bindgen(getter)]
    pub fn count(&self) -> usize {
        self.asked.len()
    }

    /// Pass two with the answers; what they leave open the rsa crate checks.
    pub fn finish(&mut self, answers: &[u8]) -> Result<String, JsError> {
        let report = match self.done.take() {
            Some(report) if answers.is_empty() => report,
            _ => {
                let mut pss = self.asked.answered(answers).map_err(|e| JsError::new(&e))?;
                super::verify_with(&self.inputs(), &mut pss).map_err(|e| JsError::new(&e.0))?
            }
        };
        Ok(serde_json::to_string(&report).expect("a report serialises"))
    }
}
