//! The collector serves every log as a tiled log too (FORMAT.md section 8):
//! `onus verify URL/` reads it from tiles, with cache headers a CDN can use.
#![cfg(feature = "serve")]

mod serve_support;

use serve_support::*;
use std::process::Command;

fn verify(args: &[&str]) -> (i32, serde_json::Value, String) {
    let o = Command::new(onus_bin()).arg("verify").arg("--json").args(args).output().unwrap();
    (o.status.code().unwrap(), serde_json::from_slice(&o.stdout).unwrap_or_default(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// A binary file: status, cache-control and bytes.
fn get_bytes(url: &str) -> (u16, String, Vec<u8>) {
    let r = agent().get(url).call().unwrap();
    let cc = r.header("cache-control").unwrap_or("").to_string();
    let mut b = Vec::new();
    std::io::Read::read_to_end(&mut r.into_reader(), &mut b).unwrap();
    (200, cc, b)
}

fn sealed_size(s: &Server) -> u64 {
    get(&s.url("/logs/polls")).json()["sealed"]["size"].as_u64().unwrap_or(0)
}

#[test]
fn a_collected_log_is_served_as_tiles() {
    let dir = tmpdir("tiles");
    let data = dir.join("data");
    let mut s = Server::start(&data, &["--rate", "0", "--seal-ms", "100"]);
    let poll = poll_id(&s, "polls", 0);
    s.stop();
    // Past 65,536 statements: a full level-1 tile and a level-2 partial.
    fill_log(&data, 66_000);
    let s = Server::start(&data, &["--rate", "0", "--seal-ms", "100"]);
    let n = eventually(30, "the filled log sealed", || Some(sealed_size(&s)).filter(|&n| n >= 66_000));
    let log = get(&s.url("/logs/polls")).json();
    assert_eq!(log["tiled"], "/logs/polls/");

    let base = s.url("/logs/polls/");
    let state = dir.join("reader.state");
    let (code, tiled, err) = verify(&[&base, "--state", state.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (_, file, _) = verify(&[&s.url("/logs/polls/trace.jsonl")]);
    assert_eq!(tiled["statements"], n);
    assert_eq!(tiled["polls"], file["polls"], "the same tallies from tiles as from the trace");
    assert_eq!(tiled["status"], "verified");

    // Cache headers: full tiles and bundles forever, partials briefly.
    let full = get_bytes(&s.url("/logs/polls/tile/1/000"));
    assert_eq!((full.1.as_str(), full.2.len()), ("public, max-age=31536000, immutable", 256 * 32));
    let bundle = get(&s.url("/logs/polls/tile/entries/000"));
    assert_eq!(bundle.status, 200);
    assert_eq!(bundle.header("cache-control"), Some("public, max-age=31536000, immutable"));
    assert_eq!(bundle.body.lines().count(), 256);
    // Bundles go gzipped to a client that asks (about 40 % of their size); hash tiles as they are.
    for (path, gzipped) in [("/logs/polls/tile/entries/000", true), ("/logs/polls/tile/1/000", false)] {
        let mut c = std::net::TcpStream::connect(s.addr()).unwrap();
        let a = raw_exchange(&mut c, format!("GET {path} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n").as_bytes());
        let head = a.split("\r\n\r\n").next().unwrap().to_ascii_lowercase();
        assert_eq!(head.contains("content-encoding: gzip"), gzipped, "{path}: {head}");
    }
    let w = n % 256;
    let partial = get_bytes(&s.url(&format!("/logs/polls/tile/0/{}.p/{w}", onus::tiles::index_path(n / 256))));
    assert_eq!((partial.1.as_str(), partial.2.len() as u64), ("public, max-age=60", w * 32));

    // Beyond the checkpoint, or not a tile path: 404 with a reason.
    let beyond = get(&s.url(&format!("/logs/polls/tile/entries/{}", onus::tiles::index_path(n / 256 + 1))));
    assert_eq!((beyond.status, beyond.code().as_str()), (404, "tile.unknown"), "{}", beyond.body);
    let bad = get(&s.url("/logs/polls/tile/0/0001"));
    assert_eq!((bad.status, bad.code().as_str()), (404, "tile.path"), "{}", bad.body);

    // A returning reader verifies only the new ballots.
    let t = now();
    for i in 0..3 {
        let (line, _) = ballot(&voter(9_000_000 + i), &poll, 1, t);
        assert_eq!(post(&s.url("/logs/polls/statements"), &line).status, 201);
    }
    eventually(30, "the new ballots sealed", || Some(()).filter(|_| sealed_size(&s) == n + 3));
    let (code, resumed, err) = verify(&[&base, "--state", state.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&format!("3 new statement(s) since your saved state at size {n}")), "{err}");
    let (_, scratch, _) = verify(&[&base]);
    assert_eq!(resumed, scratch);
}
