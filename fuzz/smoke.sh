#!/usr/bin/env bash
# A short fuzzing run of every target (default 30 s each). A crash is saved by
# libFuzzer under fuzz/artifacts/TARGET/; copy it into fuzz/regressions/TARGET/
# so tests/fuzz_regressions.rs replays it on every `cargo test`.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-30}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
for target in line note receipt og_dump og_sse; do
  mkdir -p "corpus/$target"
  cp -n regressions/$target/* "corpus/$target/" 2>/dev/null || true
  # cargo-fuzz needs nightly-only flags; RUSTC_BOOTSTRAP lets the stable toolchain accept them.
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -max_len=4096
done
