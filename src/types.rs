//! The fixed-size values of the format (FORMAT.md section 1), each its own
//! type so that an id never stands where a key is meant: statement ids and
//! BLAKE3 hashes (lowercase hex), Ed25519 keys and signatures (base64url
//! without padding, one spelling each).

use crate::report::quoted;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

macro_rules! fixed_bytes {
    ($(#[$doc:meta])* $name:ident, $n:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; $n]);

        impl $name {
            pub const LEN: usize = $n;
            pub fn as_bytes(&self) -> &[u8; $n] {
                &self.0
            }
            /// From a slice of exactly the right length.
            pub fn from_slice(b: &[u8]) -> Option<$name> {
                b.try_into().ok().map($name)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name([0; $n])
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        // Bytes, not text, in serde: phase A results cross between workers in
        // postcard; reports spell values out as text where they name them.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let b: serde_bytes::ByteBuf = serde::Deserialize::deserialize(d)?;
                $name::from_slice(&b).ok_or_else(|| serde::de::Error::invalid_length(b.len(), &stringify!($n)))
            }
        }
    };
}

fixed_bytes!(
    /// A statement's id: BLAKE3-derive_key over its canonical form (FORMAT.md section 2).
    Id, 32
);
fixed_bytes!(
    /// A BLAKE3 hash: a Merkle leaf, node or root, or a hash a body commits to.
    Hash, 32
);
fixed_bytes!(
    /// An Ed25519 public key.
    Key, 32
);
fixed_bytes!(
    /// An Ed25519 signature.
    Sig, 64
);

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}
impl std::fmt::Display for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}
impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}
impl std::fmt::Display for Sig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

/// Exactly 64 lowercase hex characters.
fn parse_hex32(s: &str) -> Result<[u8; 32], String> {
    if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(format!("{} is not 64 lowercase hex characters", quoted(s)));
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).expect("checked hex");
    Ok(out)
}

/// base64url without padding, in its one canonical spelling.
fn parse_b64url<const N: usize>(s: &str, what: &str, chars: usize) -> Result<[u8; N], String> {
    if s.len() != chars {
        return Err(format!("a {what} is {chars} base64url characters, this one has {}", s.len()));
    }
    let v = URL_SAFE_NO_PAD.decode(s).map_err(|_| format!("a {what} must be base64url without padding"))?;
    // Reject non-canonical trailing bits, so one value has one spelling.
    if URL_SAFE_NO_PAD.encode(&v) != s {
        return Err(format!("the {what}'s last character has non-zero padding bits"));
    }
    v.try_into().map_err(|_| format!("a {what} decodes to {N} bytes"))
}

impl Id {
    pub fn parse(s: &str) -> Result<Id, String> {
        parse_hex32(s).map(Id)
    }
}
impl Hash {
    pub fn parse(s: &str) -> Result<Hash, String> {
        parse_hex32(s).map(Hash)
    }
}
impl Key {
    /// Exactly 43 characters of base64url.
    pub fn parse(s: &str) -> Result<Key, String> {
        parse_b64url(s, "key", 43).map(Key)
    }
}
impl Key {
    /// The public key of a signing key.
    pub fn of(secret: &ed25519_dalek::SigningKey) -> Key {
        Key(secret.verifying_key().to_bytes())
    }
}
impl Sig {
    /// Exactly 86 characters of base64url.
    pub fn parse(s: &str) -> Result<Sig, String> {
        parse_b64url(s, "signature", 86).map(Sig)
    }
}

/// A hash written as hex in JSON (serde `with`), for the values readers pass in.
pub mod hex_hash {
    use super::Hash;
    pub fn serialize<S: serde::Serializer>(h: &Hash, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&h.to_string())
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Hash, D::Error> {
        let s: String = serde::Deserialize::deserialize(d)?;
        Hash::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_spelling_each() {
        let k = Key([7; 32]);
        assert_eq!(Key::parse(&k.to_string()).unwrap(), k);
        // The last character with its lowest (padding) bit set: another spelling of the same bytes.
        const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut other = k.to_string();
        let last = other.pop().unwrap();
        other.push(ALPHABET.as_bytes()[ALPHABET.find(last).unwrap() ^ 1] as char);
        assert!(Key::parse(&other).is_err(), "{other}");
        let h = Hash([0xab; 32]);
        assert_eq!(Hash::parse(&h.to_string()).unwrap(), h);
        assert!(Hash::parse(&h.to_string().to_uppercase()).is_err());
        assert!(Sig::parse("x").unwrap_err().contains("86 base64url"));
        assert_eq!(postcard::from_bytes::<Id>(&postcard::to_allocvec(&Id([3; 32])).unwrap()).unwrap(), Id([3; 32]));
    }
}
