//! Tiles (C2SP tlog-tiles with BLAKE3, FORMAT.md section 8): paths and widths
//! against the spec's examples, and proofs computed from tiles against the
//! same proofs computed from the leaves.

use onus::merkle::{self, Leaves};
use onus::statement::Hash;
use onus::tiles::*;

fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| Hash(*blake3::hash(format!("leaf {i}").as_bytes()).as_bytes())).collect()
}

/// Every tile of the tree over `l`, as a publisher would write them.
fn all_tiles(l: &[Hash]) -> TileSet {
    let size = l.len() as u64;
    let mut set = TileSet::new(size);
    for t in tiles_for(size) {
        let hashes = tile_hashes(&t, &mut Leaves(l)).unwrap();
        set.insert(&t, hashes);
    }
    set
}

#[test]
fn the_specs_example_of_size_70000() {
    let tiles = tiles_for(70_000);
    let level = |l: u8| tiles.iter().filter(|t| t.level == l).collect::<Vec<_>>();
    let l0 = level(0);
    assert_eq!(l0.iter().filter(|t| t.is_full()).count(), 273);
    assert_eq!(l0.last().unwrap().width, 112);
    let l1 = level(1);
    assert_eq!(l1.len(), 2);
    assert!(l1[0].is_full());
    assert_eq!(l1[1].width, 17);
    let l2 = level(2);
    assert_eq!(l2.len(), 1);
    assert_eq!(l2[0].width, 1);
    assert!(level(3).is_empty());
    assert_eq!(partial_tiles(70_000).iter().map(|t| (t.level, t.width)).collect::<Vec<_>>(), [(0, 112), (1, 17), (2, 1)]);
    // "A tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile of width 1."
    assert_eq!(tiles_for(256).iter().map(|t| (t.level, t.width)).collect::<Vec<_>>(), [(0, 256), (1, 1)]);
    assert!(tiles_for(0).is_empty());
    assert_eq!(bundles_for(70_000).count(), 274);
    assert_eq!(bundles_for(70_000).last().unwrap().width, 112);
}

#[test]
fn paths_are_spelled_as_the_spec_says() {
    assert_eq!(index_path(1234067), "x001/x234/067");
    assert_eq!(index_path(0), "000");
    assert_eq!(index_path(999), "999");
    assert_eq!(index_path(1000), "x001/000");
    let t = Tile::at(0, 273, 70_000).unwrap();
    assert_eq!(t.path(), "tile/0/273.p/112");
    assert_eq!(Tile::at(1, 0, 70_000).unwrap().path(), "tile/1/000");
    assert_eq!(Bundle::at(1234067, u64::MAX).unwrap().path(), "tile/entries/x001/x234/067");
    assert_eq!(Bundle::at(273, 70_000).unwrap().path(), "tile/entries/273.p/112");
    for p in ["tile/0/273.p/112", "tile/1/000", "tile/entries/x001/x234/067", "tile/63/x999/999", "tile/entries/000.p/1"] {
        let parsed = parse_path(p).unwrap_or_else(|e| panic!("{p}: {e}"));
        let again = match parsed {
            TilePath::Hashes(t) => t.path(),
            TilePath::Entries(b) => b.path(),
        };
        assert_eq!(again, p);
    }
    for bad in ["tile/00/000", "tile/0/0", "tile/0/x000/001", "tile/0/001/002", "tile/0/000.p/256", "tile/0/000.p/0", "tile/0/000.p/01", "tile/64/000", "tiles/0/000", "tile/0/abc"] {
        assert!(parse_path(bad).is_err(), "{bad} should be refused");
    }
    assert_eq!(Tile::at(1, 2, u64::MAX).unwrap().first_leaf(), 2 * 65536);
}

#[test]
fn proofs_from_tiles_equal_proofs_from_leaves() {
    let all = leaves(70_000);
    for size in [1u64, 2, 255, 256, 257, 511, 512, 65535, 65536, 65537, 70_000] {
        let l = &all[..size as usize];
        let mut tiles = all_tiles(l);
        assert_eq!(merkle::root_of(size, &mut tiles).unwrap(), merkle::root(l), "root at {size}");
        tiles.authenticate(&merkle::root(l)).unwrap();
        for index in [0, size / 3, size / 2, size - 1] {
            let want = merkle::inclusion_proof(index, l);
            assert_eq!(merkle::inclusion_proof_of(index, size, &mut tiles).unwrap(), want, "inclusion {index} of {size}");
            // The tiles named for that proof are enough on their own.
            let needed = TileSet::needed(size, |s| merkle::inclusion_proof_of(index, size, s));
            let mut just = TileSet::new(size);
            for t in &needed {
                just.insert(t, tiles.get(t.level, t.index).unwrap().to_vec());
            }
            assert_eq!(merkle::inclusion_proof_of(index, size, &mut just).unwrap(), want);
            just.authenticate(&merkle::root(l)).unwrap();
        }
        for old in [0, 1, size / 2, size - 1, size] {
            let want = merkle::consistency_proof(old, l);
            assert_eq!(merkle::consistency_proof_of(old, size, &mut tiles).unwrap(), want, "consistency {old}->{size}");
            assert!(merkle::verify_consistency(old, size, &merkle::root(&l[..old as usize]), &merkle::root(l), &want).is_ok());
        }
    }
}

#[test]
fn a_tile_that_does_not_fit_is_named() {
    let all = leaves(70_000);
    let root = merkle::root(&all);
    // A changed hash in a full level-0 tile: it no longer hashes to its entry above.
    let mut tiles = all_tiles(&all);
    let t = Tile::at(0, 5, 70_000).unwrap();
    let mut h = tiles.get(0, 5).unwrap().to_vec();
    h[7].0[0] ^= 1;
    tiles.insert(&t, h);
    assert_eq!(tiles.authenticate(&root), Err(TileFault::Mismatch(vec![t])));
    // A changed partial: the root is not made.
    let mut tiles = all_tiles(&all);
    let p = Tile::at(0, 273, 70_000).unwrap();
    let mut h = tiles.get(0, 273).unwrap().to_vec();
    h[0].0[0] ^= 1;
    tiles.insert(&p, h);
    assert!(matches!(tiles.authenticate(&root), Err(TileFault::Mismatch(v)) if v.contains(&p)));
    // A needed parent that is not there.
    let needed = TileSet::needed(70_000, |s| merkle::inclusion_proof_of(5 * 256, 70_000, s));
    let full = all_tiles(&all);
    let mut part = TileSet::new(70_000);
    for t in needed.iter().filter(|t| t.level != 1 || !t.is_full()) {
        part.insert(t, full.get(t.level, t.index).unwrap().to_vec());
    }
    assert_eq!(part.authenticate(&root), Err(TileFault::Missing(Tile::at(1, 0, 70_000).unwrap())));
}

#[test]
fn a_full_tile_stands_in_for_a_partial() {
    let all = leaves(512);
    let t = Tile::at(0, 1, 300).unwrap();
    assert_eq!(t.width, 44);
    let full = encode_tile(&all[256..512]);
    assert_eq!(decode_tile(&t, &full).unwrap(), all[256..300].to_vec());
    assert!(decode_tile(&t, &full[..100]).is_none());
    assert!(decode_tile(&t.full(), &full[..44 * 32]).is_none());
}

/// A tile's path names its width, and full tiles never change: what a log
/// gains from `old` to `new` is exactly the paths `new` has and `old` had not.
#[test]
fn tiles_and_bundles_changed_are_the_new_paths() {
    use std::collections::BTreeSet;
    let sizes = [0u64, 1, 2, 255, 256, 257, 511, 512, 65_535, 65_536, 65_537, 70_000, 16_777_216, 16_777_217];
    for &old in &sizes {
        for &new in sizes.iter().filter(|&&n| n >= old) {
            let paths = |n: u64| tiles_for(n).iter().map(|t| t.path()).collect::<BTreeSet<_>>();
            let expected: Vec<String> = paths(new).difference(&paths(old)).cloned().collect();
            let mut got: Vec<String> = tiles_changed(old, new).iter().map(|t| t.path()).collect();
            got.sort();
            assert_eq!(got, expected, "tiles from {old} to {new}");
            let bpaths = |n: u64| bundles_for(n).map(|b| b.path()).collect::<BTreeSet<_>>();
            let expected: Vec<String> = bpaths(new).difference(&bpaths(old)).cloned().collect();
            let mut got: Vec<String> = bundles_changed(old, new).map(|b| b.path()).collect();
            got.sort();
            assert_eq!(got, expected, "bundles from {old} to {new}");
        }
    }
}
