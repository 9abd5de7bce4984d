//! `onus fsck DIR|URL/`: an operator's check of a published tiled log (FORMAT.md
//! section 8): every entry bundle is read, every hash tile and the root are
//! re-derived from the bundles (the core's publishing layout), and each is
//! compared byte for byte with what the store holds. A verifier trusts tiles
//! it can authenticate and fetches only what it needs; fsck trusts nothing and
//! reads everything, so a store that lost, truncated or altered a file is found
//! even where no reader would look.

use crate::source::{parallel_map, Source, MAX_FILE};
use crate::Fail;
use onus::note;
use onus::publish::Layout;
use onus::statement;
use onus::tiles::{self, TILE_WIDTH};
use onus::verify::{classify, line_content, LineOutcome};

/// Files read at once.
const PARALLEL: usize = 16;

pub fn fsck(target: &str, key: Option<&str>) -> Result<u8, Fail> {
    let src = Source::of(target).ok_or_else(|| Fail(format!("{target} is not a folder or an http(s) URL ending in '/': give the tiled log's folder or its URL")))?;
    let text = src.get("checkpoint", 1 << 20).map_err(Fail)?.ok_or_else(|| Fail(format!("{} holds no checkpoint: is it a tiled log?", src.describe())))?;
    let text = String::from_utf8(text).map_err(|_| Fail("the checkpoint is not UTF-8 text".into()))?;
    let cp = note::parse_checkpoint(&text).map_err(|e| Fail(format!("the checkpoint cannot be read: {e}")))?;
    let mut problems = Vec::new();
    if let Some(k) = key {
        let (origin, public) = note::parse_vkey(k).or_else(|_| statement::parse_key(k).map(|pk| (cp.origin.clone(), pk))).map_err(|e| Fail(format!("--key: {e}")))?;
        if let Err(e) = note::verify_checkpoint(&text, &origin, &public) {
            problems.push(format!("checkpoint: not signed by the log key given ({e:?})"));
        }
    }
    let layout = re_derive(&src, cp.size, &mut problems)?;
    let mut tiles_checked = 0u64;
    if layout.wanted() == 0 {
        if layout.root() != cp.root {
            problems.push(format!("checkpoint: the bundles make root {} at size {}, not the checkpoint's {}", layout.root(), cp.size, cp.root));
        }
        let derived: Vec<_> = layout.tiles().collect();
        let stored = parallel_map(&derived, PARALLEL, |(t, _)| src.get(&t.path(), MAX_FILE));
        for ((t, bytes), got) in derived.iter().zip(stored) {
            tiles_checked += 1;
            match got.map_err(Fail)? {
                None => problems.push(format!("{}: missing", t.path())),
                Some(g) if g != *bytes => problems.push(format!("{}: differs from the tile the bundles make ({} bytes stored, {} expected)", t.path(), g.len(), bytes.len())),
                Some(_) => {}
            }
        }
    }
    let bundles = cp.size.div_ceil(TILE_WIDTH);
    if problems.is_empty() {
        say!("{}: ok: {} statements in {bundles} bundles, {tiles_checked} tiles and the root at size {} re-derived and equal to the store's ({})", src.describe(), cp.size, cp.size, cp.origin);
        return Ok(0);
    }
    say!("{}: {} problem(s) in the published log {} at size {}:", src.describe(), problems.len(), cp.origin, cp.size);
    for p in &problems {
        say!("  {p}");
    }
    say!("the entries are the log: republish the files from them (the collector's publisher rewrites missing or wrong files from the size of the checkpoint in the store; remove it to rewrite everything)");
    Ok(1)
}

/// The layout of every statement the checkpoint covers, from the bundles; a problem for each bundle that is missing or wrong.
fn re_derive(src: &Source, size: u64, problems: &mut Vec<String>) -> Result<Layout, Fail> {
    let mut layout = Layout::new(size);
    let all: Vec<_> = tiles::bundles_for(size).collect();
    for chunk in all.chunks(PARALLEL * 4) {
        let got = parallel_map(chunk, PARALLEL, |b| src.get(&b.path(), MAX_FILE));
        for (b, bytes) in chunk.iter().zip(got) {
            let Some(bytes) = bytes.map_err(Fail)? else {
                problems.push(format!("{}: missing", b.path()));
                return Ok(layout);
            };
            let lines: Vec<&[u8]> = bytes.split_inclusive(|&c| c == b'\n').collect();
            if lines.len() != b.width as usize || !bytes.ends_with(b"\n") {
                problems.push(format!("{}: {} lines (with a final newline: {}); a bundle of width {} has {} lines, each ending in a newline", b.path(), lines.len(), bytes.ends_with(b"\n"), b.width, b.width));
                return Ok(layout);
            }
            for (i, line) in lines.iter().enumerate() {
                match classify(line) {
                    LineOutcome::Statement(c) => {
                        layout.push(line_content(line), c.leaf);
                    }
                    _ => {
                        problems.push(format!("{}: line {} (statement {}) is not a well-formed statement", b.path(), i + 1, b.first() + i as u64));
                        return Ok(layout);
                    }
                }
            }
        }
    }
    Ok(layout)
}
