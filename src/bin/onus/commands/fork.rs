//! `onus verify-fork FILE`: whether fork evidence proves that a log signed two
//! checkpoints that cannot both be true (the core's [`onus::fork::check`]).

use crate::commands::verify::read_policy;
use crate::input::read_all;
use crate::Fail;
use onus::fork::{check, ForkEvidence};

pub fn verify_fork(file: &str, policy: Option<&std::path::Path>, json: bool) -> Result<u8, Fail> {
    let policy = policy.map(read_policy).transpose()?;
    let bytes = read_all(file)?;
    let outcome = serde_json::from_slice::<ForkEvidence>(&bytes)
        .map_err(|e| onus::fork::NotAFork::Malformed(format!("{file} is not JSON of fork evidence ({e})")))
        .and_then(|e| check(&e, policy.as_ref()));
    if json {
        let v = match &outcome {
            Ok(f) => serde_json::json!({
                "fork": true,
                "origin": f.origin,
                "smaller": { "size": f.smaller.size, "root": f.smaller.root.to_string(), "cosigners": f.smaller.cosigners },
                "larger": { "size": f.larger.size, "root": f.larger.root.to_string(), "cosigners": f.larger.cosigners },
                "larger_root_at_smaller_size": f.root_at_smaller.to_string(),
            }),
            Err(why) => serde_json::json!({ "fork": false, "code": why.code(), "message": why.to_string() }),
        };
        println!("{}", serde_json::to_string_pretty(&v).expect("JSON"));
    } else {
        match &outcome {
            Ok(f) => {
                let by = |c: &[String]| if c.is_empty() { String::new() } else { format!(", cosigned by {}", c.join(", ")) };
                println!("FORK PROVEN: the log {} signed two histories that cannot both be true.", f.origin);
                println!("  checkpoint 1: size {}, root {}{}", f.smaller.size, f.smaller.root, by(&f.smaller.cosigners));
                println!("  checkpoint 2: size {}, root {}{}", f.larger.size, f.larger.root, by(&f.larger.cosigners));
                if f.smaller.size != f.larger.size {
                    println!("  checkpoint 2's history has root {} at size {} (a consistency proof binds it), not checkpoint 1's.", f.root_at_smaller, f.smaller.size);
                }
            }
            Err(why) => println!("NOT PROVEN ({}): {why}.", why.code()),
        }
    }
    Ok(if outcome.is_ok() { 0 } else { 1 })
}
