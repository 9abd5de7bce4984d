//! The page folder: never the keys or the database, whatever the layout; no
//! redirect that a browser reads as another host.
#![cfg(feature = "serve")]

mod serve_support;

use serve_support::*;
use std::process::Command;

fn page_folder(root: &std::path::Path) -> std::path::PathBuf {
    let www = root.join("www");
    for (path, text) in [
        ("index.html", "<p>page</p>"),
        ("pkg/onus.js", "// js"),
        (".secret", "dot file"),
        ("sub/.hidden/x.txt", "in a dot folder"),
        ("log.key", "a key"),
        ("Backup.KEY", "a key"),
        ("onus.db", "db"),
        ("old/onus.db-wal", "wal"),
        ("onus.db-shm", "shm"),
    ] {
        let p = www.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    www
}

#[test]
fn a_data_folder_inside_the_page_folder_is_refused() {
    let dir = tmpdir("datainwww");
    let www = page_folder(&dir);
    let out = run_briefly(Command::new(onus_bin()).args(["serve", "--data"]).arg(www.join(".onus-data")).arg("--www").arg(&www).args(["--addr", "127.0.0.1:0"]));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("inside") && err.contains("--www"), "{err}");
    assert!(!www.join(".onus-data").join("polls.key").exists(), "no key made where it would be served");
    // Through another path to the same folder too.
    let out = run_briefly(Command::new(onus_bin()).args(["serve", "--data"]).arg(www.join("sub/../.onus-data")).arg("--www").arg(dir.join("./www")).args(["--addr", "127.0.0.1:0"]));
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn keys_databases_and_dot_files_are_never_served() {
    let dir = tmpdir("files");
    let www = page_folder(&dir);
    let data = dir.join("data");
    let s = Server::start_in(&data, www.to_str().unwrap(), &[], None);
    // A link inside the page folder to the data folder must not expose it either.
    std::os::unix::fs::symlink(&data, www.join("data")).unwrap();
    let to = s.addr();
    for ok in ["/", "/index.html", "/pkg/onus.js"] {
        assert_eq!(raw_status(&raw_get(to, ok)), 200, "{ok}");
    }
    for hidden in [
        "/.secret",
        "/%2Esecret",
        "/%2esecret",
        "/sub/.hidden/x.txt",
        "/sub/%2Ehidden/x.txt",
        "/log.key",
        "/log%2Ekey",
        "/Backup.KEY",
        "/onus.db",
        "/ONUS.DB",
        "/old/onus.db-wal",
        "/onus.db-shm",
        "/data/polls.key",
        "/data/onus.db",
    ] {
        let a = raw_get(to, hidden);
        assert_eq!(raw_status(&a), 404, "{hidden}: {a}");
    }
    assert!(data.join("polls.key").exists() && data.join("onus.db").exists());
}

#[test]
fn double_slashes_never_redirect_to_another_host() {
    let dir = tmpdir("slashes");
    let www = page_folder(&dir);
    let s = Server::start_in(&dir.join("data"), www.to_str().unwrap(), &[], None);
    let to = s.addr();
    // A folder without its slash is redirected on the same host.
    let a = raw_get(to, "/pkg");
    assert!(a.to_ascii_lowercase().contains("location: /pkg/\r\n"), "{a}");
    for path in ["//pkg", "//pkg/", "///pkg", "//evil.example", "/pkg//", "/%2F/pkg"] {
        let a = raw_get(to, path);
        let location = a.lines().find(|l| l.to_ascii_lowercase().starts_with("location:"));
        assert!(location.is_none_or(|l| !l[9..].trim_start().starts_with("//")), "{path}: {a}");
        assert!(matches!(raw_status(&a), 404 | 400), "{path}: {a}");
    }
}

/// One raw GET that asks for gzip: the head, lowercased.
fn head_with_gzip(to: std::net::SocketAddr, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(to).unwrap();
    let answer = raw_exchange(&mut s, format!("GET {path} HTTP/1.1\r\nHost: {to}\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n").as_bytes());
    answer.split("\r\n\r\n").next().unwrap().to_ascii_lowercase()
}

#[test]
fn a_published_log_in_the_page_folder_goes_with_its_content_types_and_gzipped_text() {
    let dir = tmpdir("published");
    let www = page_folder(&dir);
    let lines: String = (0..256).map(|i| format!("{{\"statement\":{i},\"padding\":\"{}\"}}\n", "x".repeat(64))).collect();
    for (path, bytes) in [
        ("log/checkpoint", b"example.org/log\n256\nAAAA\n\n".to_vec()),
        ("log/tile/entries/000", lines.into_bytes()),
        ("log/tile/0/000", vec![7u8; 256 * 32]),
    ] {
        let p = www.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let s = Server::start_in(&dir.join("data"), www.to_str().unwrap(), &[], None);
    let bundle = head_with_gzip(s.addr(), "/log/tile/entries/000");
    assert!(bundle.starts_with("http/1.1 200") && bundle.contains("content-type: application/jsonl; charset=utf-8") && bundle.contains("content-encoding: gzip"), "{bundle}");
    let checkpoint = head_with_gzip(s.addr(), "/log/checkpoint");
    assert!(checkpoint.contains("content-type: text/plain; charset=utf-8"), "{checkpoint}");
    // Hash tiles are random bytes: sent as they are.
    let tile = head_with_gzip(s.addr(), "/log/tile/0/000");
    assert!(tile.starts_with("http/1.1 200") && !tile.contains("content-encoding"), "{tile}");
    // A client that does not ask gets the bytes as they are.
    let plain = raw_get(s.addr(), "/log/tile/entries/000");
    assert!(!plain.to_ascii_lowercase().contains("content-encoding") && plain.contains("{\"statement\":255,"), "{}", &plain[..200]);
}
