//! A vector grown in fixed blocks: no reallocation copies and no doubling
//! slack, which matters in wasm, where memory once grown is never given back.

use serde::{Deserialize, Serialize};

/// Entries per block (a block of ids is 2 MiB).
const BLOCK: usize = 1 << 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column<T> {
    blocks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Column<T> {
    fn default() -> Self {
        Column { blocks: Vec::new(), len: 0 }
    }
}

impl<T: Copy> Column<T> {
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn push(&mut self, v: T) {
        if self.len % BLOCK == 0 {
            self.blocks.push(Vec::with_capacity(BLOCK));
        }
        self.blocks.last_mut().expect("a block with room").push(v);
        self.len += 1;
    }
    pub fn get(&self, i: usize) -> Option<T> {
        (i < self.len).then(|| self.blocks[i / BLOCK][i % BLOCK])
    }
    /// The entry at `i`, which must exist.
    pub fn at(&self, i: usize) -> T {
        assert!(i < self.len, "column index {i} out of range ({})", self.len);
        self.blocks[i / BLOCK][i % BLOCK]
    }
    pub fn set(&mut self, i: usize, v: T) {
        assert!(i < self.len, "column index {i} out of range ({})", self.len);
        self.blocks[i / BLOCK][i % BLOCK] = v;
    }
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.blocks.iter().flat_map(|b| b.iter().copied())
    }
}

// As one flat sequence, so the encoding does not depend on the block size.
impl<T: Copy + Serialize> Serialize for Column<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.len))?;
        for v in self.iter() {
            seq.serialize_element(&v)?;
        }
        seq.end()
    }
}

impl<'de, T: Copy + Deserialize<'de>> Deserialize<'de> for Column<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: Copy + Deserialize<'de>> serde::de::Visitor<'de> for Visit<T> {
            type Value = Column<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Column<T>, A::Error> {
                let mut c = Column::default();
                while let Some(v) = seq.next_element()? {
                    c.push(v);
                }
                Ok(c)
            }
        }
        d.deserialize_seq(Visit(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_in_blocks_and_reads_back() {
        let mut c = Column::default();
        for i in 0..(BLOCK as u32 * 2 + 5) {
            c.push(i);
        }
        assert_eq!(c.len(), BLOCK * 2 + 5);
        assert_eq!(c.blocks.len(), 3);
        assert_eq!(c.at(BLOCK + 1), BLOCK as u32 + 1);
        assert_eq!(c.get(BLOCK * 3), None);
        c.set(7, 99);
        assert_eq!(c.iter().nth(7), Some(99));
        let bytes = postcard::to_allocvec(&c).unwrap();
        assert_eq!(postcard::from_bytes::<Column<u32>>(&bytes).unwrap(), c);
    }
}
