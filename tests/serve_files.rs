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
