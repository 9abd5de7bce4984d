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
    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.blocks.iter().flat_map(|b| b.iter().copied())
    }
}

/// A value a column stores as fixed-size little-endian bytes in a state file:
/// a column is saved as one byte string, so restoring a million ids is a copy,
/// not a million element decodes.
pub trait Fixed: Copy {
    const SIZE: usize;
    fn put(&self, out: &mut Vec<u8>);
    /// From exactly `SIZE` bytes.
    fn take(b: &[u8]) -> Self;
}

impl Fixed for u8 {
    const SIZE: usize = 1;
    fn put(&self, out: &mut Vec<u8>) {
        out.push(*self);
    }
    fn take(b: &[u8]) -> Self {
        b[0]
    }
}

impl Fixed for u32 {
    const SIZE: usize = 4;
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn take(b: &[u8]) -> Self {
        u32::from_le_bytes(b.try_into().expect("4 bytes"))
    }
}

impl Fixed for u64 {
    const SIZE: usize = 8;
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn take(b: &[u8]) -> Self {
        u64::from_le_bytes(b.try_into().expect("8 bytes"))
    }
}

impl Fixed for crate::types::Id {
    const SIZE: usize = 32;
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
    fn take(b: &[u8]) -> Self {
        crate::types::Id(b.try_into().expect("32 bytes"))
    }
}

// One byte string of every entry in order, so the encoding does not depend on the block size.
impl<T: Fixed> Serialize for Column<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut bytes = Vec::with_capacity(self.len * T::SIZE);
        for b in &self.blocks {
            for v in b {
                v.put(&mut bytes);
            }
        }
        s.serialize_bytes(&bytes)
    }
}

impl<'de, T: Fixed> Deserialize<'de> for Column<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<T: Fixed> Visit<T> {
            fn column<E: serde::de::Error>(bytes: &[u8]) -> Result<Column<T>, E> {
                if bytes.len() % T::SIZE != 0 {
                    return Err(E::custom(format!("a column of {}-byte entries cannot be {} bytes long", T::SIZE, bytes.len())));
                }
                let len = bytes.len() / T::SIZE;
                let blocks = bytes
                    .chunks(BLOCK * T::SIZE)
                    .map(|chunk| {
                        let mut b = Vec::with_capacity(BLOCK);
                        b.extend(chunk.chunks_exact(T::SIZE).map(T::take));
                        b
                    })
                    .collect();
                Ok(Column { blocks, len })
            }
        }
        impl<'de, T: Fixed> serde::de::Visitor<'de> for Visit<T> {
            type Value = Column<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a column's bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Column<T>, E> {
                Self::column(v)
            }
            fn visit_borrowed_bytes<E: serde::de::Error>(self, v: &'de [u8]) -> Result<Column<T>, E> {
                Self::column(v)
            }
        }
        d.deserialize_bytes(Visit(std::marker::PhantomData))
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
        // Entries as little-endian bytes after a length: the block size is not in the encoding.
        assert_eq!(&bytes[bytes.len() - 8..], &[(BLOCK * 2 + 3) as u8, 0, 2, 0, (BLOCK * 2 + 4) as u8, 0, 2, 0]);
        let empty: Column<u8> = postcard::from_bytes(&postcard::to_allocvec(&Column::<u8>::default()).unwrap()).unwrap();
        assert_eq!(empty.len(), 0);
        // A byte string that is not whole entries is an error, not a short column.
        assert!(postcard::from_bytes::<Column<u32>>(&postcard::to_allocvec(&serde_bytes::Bytes::new(&[1, 2, 3])).unwrap()).is_err());
        assert!(postcard::from_bytes::<Column<u32>>(&postcard::to_allocvec(&serde_bytes::Bytes::new(&[1, 2, 3, 4])).unwrap()).is_ok());
    }
}
