//! Asking a witness for a cosignature (C2SP tlog-witness, FORMAT.md section
//! 9): `onus serve --witness` and `onus publish --witness`. The checkpoint
//! goes with a consistency proof from the witness's last size; a 409 names
//! that size and the request is made again from it, once. Every cosignature
//! is checked under the witness's key before it is used.

use base64::Engine;
use onus::cosignature::{Cosignature, WitnessKey};
use onus::statement::Hash;
use onus::witness::add_checkpoint_body;
use std::collections::HashMap;
use std::time::Duration;

/// How long one witness may take to answer.
const WITNESS_TIMEOUT: Duration = Duration::from_secs(3);
/// A witness as `--witness URL=VKEY` names it, and what this client knows of it.
pub struct WitnessClient {
    pub url: String,
    pub key: WitnessKey,
    /// The size of the latest checkpoint it cosigned, per log (from its answers).
    sizes: HashMap<i64, u64>,
    /// Whether its last answer was a cosignature (to say so once when that changes).
    pub cosigning: bool,
    agent: ureq::Agent,
}

impl WitnessClient {
    /// `URL=VKEY`, e.g. `http://127.0.0.1:8081=witness.example/w1+1a2b3c4d+BA…`.
    pub fn parse(spec: &str) -> Result<WitnessClient, String> {
        let (url, vkey) = spec.split_once('=').ok_or_else(|| format!("--witness {spec:?} is not URL=VKEY (the witness's address, '=', its vkey)"))?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("--witness {spec:?}: the URL must start with http:// or https://"));
        }
        let key = WitnessKey::parse(vkey).map_err(|e| format!("--witness {spec:?}: {e}"))?;
        let agent = ureq::AgentBuilder::new().timeout(WITNESS_TIMEOUT).build();
        Ok(WitnessClient { url: url.trim_end_matches('/').to_string(), key, sizes: HashMap::new(), cosigning: true, agent })
    }

    /// Asks for a cosignature of `note` (of `size`, text `text`); `proof(old)` is the
    /// consistency proof from `old`. The line, checked, or why there is none.
    pub fn cosign(&mut self, log: i64, note: &str, text: &str, size: u64, proof: &dyn Fn(u64) -> Vec<Hash>) -> Result<String, String> {
        let mut old = self.sizes.get(&log).copied().unwrap_or(0);
        // At most one retry: after a 409 the witness's size is known.
        for _ in 0..2 {
            if old > size {
                return Err(format!("it holds a checkpoint of size {old}, newer than this one ({size})"));
            }
            let p = if old == 0 || old == size { Vec::new() } else { proof(old) };
            let answer = self.agent.post(&format!("{}/add-checkpoint", self.url)).send_string(&add_checkpoint_body(old, &p, note));
            match answer {
                Ok(r) => {
                    let body = r.into_string().map_err(|e| format!("its answer could not be read: {e}"))?;
                    let line = self.check(body.lines().find(|l| self.is_mine(l)).ok_or("its answer has no cosignature line by its key")?, text)?;
                    self.sizes.insert(log, size);
                    return Ok(line);
                }
                Err(ureq::Error::Status(409, r)) => {
                    let body = r.into_string().unwrap_or_default();
                    let theirs: u64 = body.trim().parse().map_err(|_| format!("409 without a size ({body:?})"))?;
                    if theirs == old {
                        return Err(format!("409: it cosigned another root at size {old}: this log's history is not the one it saw"));
                    }
                    old = theirs;
                    self.sizes.insert(log, theirs);
                }
                Err(ureq::Error::Status(code, r)) => return Err(format!("{code}: {}", r.into_string().unwrap_or_default().trim())),
                Err(e) => return Err(format!("unreachable: {e}")),
            }
        }
        Err("it kept answering 409".into())
    }

    fn is_mine(&self, line: &str) -> bool {
        line.strip_prefix("\u{2014} ").and_then(|r| r.split_once(' ')).is_some_and(|(name, _)| name == self.key.name)
    }

    /// A cosignature line must verify under the witness's key before it goes into the log.
    fn check(&self, line: &str, text: &str) -> Result<String, String> {
        let (name, b64) = line.strip_prefix("\u{2014} ").and_then(|r| r.split_once(' ')).ok_or("a malformed cosignature line")?;
        let blob = base64::engine::general_purpose::STANDARD.decode(b64).map_err(|_| "a cosignature that is not base64")?;
        let c = Cosignature::from_blob(name, &blob).ok_or("a signature line that is not a timestamped cosignature")?;
        if !c.is_by(&self.key) {
            return Err("a cosignature by another key".into());
        }
        c.verify(text, &self.key).map_err(|e| format!("a cosignature that does not verify ({e})"))?;
        Ok(line.to_string())
    }
}
