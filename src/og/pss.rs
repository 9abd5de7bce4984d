//! RSA-PSS done outside the core, in two passes (the page: WebCrypto is
//! asynchronous and about 25 times faster than the rsa crate in wasm).
//!
//! Pass one runs the whole verification with a [`Recorder`], which notes every
//! check asked for and answers "invalid", so a legacy receipt asks about every
//! registry key it could match. The page answers each request; pass two runs
//! the same verification with an [`Answered`], which looks the answers up.
//! Pass two asks for a subset of pass one's checks (an answer "valid" can only
//! end a search early); a check with no answer, or one the page could not do
//! ([`Answer::NotChecked`]), is done by the rsa crate. Every decision stays in
//! the core: the page only does the arithmetic it is handed.
//!
//! The boundary is flat bytes, little-endian u32 lengths:
//! keys: `len der` per key; requests: `key salt len message len signature`
//! per request (`key` indexes the keys); answers: one byte per request.

use super::enc::TeeId;
use super::keys::{Pss, Signature, TeeKey};
use hashbrown::{HashMap, HashSet};

/// One RSA-PSS check the core asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Request {
    key: TeeId,
    salt: usize,
    message: Vec<u8>,
    signature: Vec<u8>,
}

/// The page's answer to one request: 1, 0, or any other byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Valid,
    Invalid,
    NotChecked,
}

impl Answer {
    pub fn from_byte(b: u8) -> Answer {
        match b {
            1 => Answer::Valid,
            0 => Answer::Invalid,
            _ => Answer::NotChecked,
        }
    }
}

/// Pass one: notes each distinct check, in the order asked.
#[derive(Default)]
pub struct Recorder {
    keys: Vec<TeeKey>,
    key_index: HashMap<TeeId, u32>,
    requests: Vec<(u32, Request)>,
    seen: HashSet<Request>,
}

impl Pss for Recorder {
    fn verify(&mut self, key: &TeeKey, message: &[u8], signature: &[u8], salt: usize) -> Signature {
        let r = Request { key: key.id, salt, message: message.to_vec(), signature: signature.to_vec() };
        if self.seen.insert(r.clone()) {
            let next = self.keys.len() as u32;
            let k = *self.key_index.entry(key.id).or_insert_with(|| {
                self.keys.push(key.clone());
                next
            });
            self.requests.push((k, r));
        }
        Signature::Invalid
    }
}

fn put(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).expect("RSA inputs are far below 4 GiB").to_le_bytes());
}

impl Recorder {
    pub fn len(&self) -> usize {
        self.requests.len()
    }
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }
    /// The keys asked about, as `len der` each.
    pub fn pack_keys(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for k in &self.keys {
            put(&mut out, k.der().len());
            out.extend_from_slice(k.der());
        }
        out
    }
    /// The checks asked for, as `key salt len message len signature` each.
    pub fn pack_requests(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (k, r) in &self.requests {
            put(&mut out, *k as usize);
            put(&mut out, r.salt);
            put(&mut out, r.message.len());
            out.extend_from_slice(&r.message);
            put(&mut out, r.signature.len());
            out.extend_from_slice(&r.signature);
        }
        out
    }
    /// Pass two's primitive: one answer byte per request, in order.
    pub fn answered(&self, answers: &[u8]) -> Result<Answered, String> {
        if answers.len() != self.requests.len() {
            return Err(format!("{} answers for {} RSA-PSS requests", answers.len(), self.requests.len()));
        }
        let answers = self.requests.iter().zip(answers).map(|((_, r), &b)| (r.clone(), Answer::from_byte(b))).collect();
        Ok(Answered { answers, fell_back: 0 })
    }
}

/// Pass two: the page's answers, and the rsa crate for what they do not cover.
pub struct Answered {
    answers: HashMap<Request, Answer>,
    fell_back: usize,
}

impl Answered {
    /// How many checks the rsa crate did (no answer, or not checked).
    pub fn fell_back(&self) -> usize {
        self.fell_back
    }
}

impl Pss for Answered {
    fn verify(&mut self, key: &TeeKey, message: &[u8], signature: &[u8], salt: usize) -> Signature {
        let r = Request { key: key.id, salt, message: message.to_vec(), signature: signature.to_vec() };
        match self.answers.get(&r) {
            Some(Answer::Valid) => Signature::Valid,
            Some(Answer::Invalid) => Signature::Invalid,
            Some(Answer::NotChecked) | None => {
                self.fell_back += 1;
                key.verify_pss(message, signature, salt)
            }
        }
    }
}
