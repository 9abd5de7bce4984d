//! The encodings of docs/OPENGRADIENT.md section 2: hex, base64, timestamps,
//! and the two hashes (Ethereum's Keccak-256 and SHA-256).

use super::json::Value;
use base64::Engine as _;
use sha3::Digest as _;

/// Ethereum's Keccak-256 (padding 0x01), not SHA3-256.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    sha3::Keccak256::digest(data).into()
}

macro_rules! hex32_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; 32]);
        impl $name {
            /// `0x` and lower-case hex, as reports write it.
            pub fn to_hex(&self) -> String {
                format!("0x{}", hex::encode(self.0))
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_hex())
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.to_hex())
            }
        }
    };
}

hex32_type!(
    /// A TEE's id: keccak256 of its public key's DER (section 2).
    TeeId
);
hex32_type!(
    /// A 32-byte hash: a request, output, message, leaf or tree hash.
    Hash32
);

/// Exactly 64 hex digits, either case.
fn hex64(digits: &str) -> Option<[u8; 32]> {
    if digits.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(digits, &mut out).ok()?;
    Some(out)
}

/// A receipt's hash or tee_id: 64 digits with or without `0x`.
pub fn hex32_loose(s: &str) -> Option<[u8; 32]> {
    hex64(s.strip_prefix("0x").unwrap_or(s))
}

/// A dump's `bytes32`, a tree entry, a registry id: `0x` and 64 digits (as ethers).
pub fn hex32_prefixed(s: &str) -> Option<[u8; 32]> {
    hex64(s.strip_prefix("0x")?)
}

/// A dump's `bytes`: `0x` and an even number of digits (`0x` is empty).
pub fn bytes_prefixed(s: &str) -> Option<Vec<u8>> {
    hex::decode(s.strip_prefix("0x")?).ok()
}

/// RFC 4648 standard alphabet, padded; anything else is malformed.
pub fn base64_std(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

/// How a unix time was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Integer,
    DigitString,
}

/// A unix time in seconds: a JSON integer or a decimal-digit string, below 2^64.
pub fn unix_seconds(v: &Value) -> Option<(u64, Written)> {
    let (digits, written) = match v {
        Value::Int(d) => (d.as_str(), Written::Integer),
        Value::Str(s) => (s.as_str(), Written::DigitString),
        _ => return None,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((digits.parse::<u64>().ok()?, written))
}

/// An ISO-8601 time with a UTC offset (`2025-12-16T08:20:26.123+00:00`, or `Z`),
/// floored to whole seconds.
pub fn iso8601_seconds(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        part.iter().all(u8::is_ascii_digit).then(|| std::str::from_utf8(part).ok()?.parse().ok())?
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d, h, mi, sec) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'-' { -o } else { o }
        }
        _ => return None,
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&mo) || d < 1 || d > month_days[(mo - 1) as usize] || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let t = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset;
    u64::try_from(t).ok()
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `--root`: 64 hex digits, `0x` optional.
pub fn parse_root(s: &str) -> Result<Hash32, String> {
    hex32_loose(s.trim()).map(Hash32).ok_or_else(|| {
        format!("--root {s:?} is not a 32-byte root: give the BatchSettlement event's topics[1], 64 hex digits (0x optional)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keccak_is_not_sha3() {
        assert_eq!(hex::encode(keccak256(b"")), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    }

    #[test]
    fn hex_rules() {
        let h = "ab".repeat(32);
        assert!(hex32_loose(&h).is_some() && hex32_loose(&format!("0x{h}")).is_some());
        assert!(hex32_prefixed(&h).is_none() && hex32_prefixed(&format!("0x{}", h.to_uppercase())).is_some());
        assert!(hex32_loose(&h[2..]).is_none());
        assert_eq!(bytes_prefixed("0x"), Some(vec![]));
        assert_eq!(bytes_prefixed("0xd3"), Some(vec![0xd3]));
        assert!(bytes_prefixed("0xd").is_none() && bytes_prefixed("d3").is_none());
        assert!(base64_std("aGk=").is_some() && base64_std("aGk").is_none() && base64_std("aG-_").is_none());
    }

    #[test]
    fn timestamps() {
        assert_eq!(unix_seconds(&Value::Int("1700000000".into())), Some((1_700_000_000, Written::Integer)));
        assert_eq!(unix_seconds(&Value::Str("1700000000".into())), Some((1_700_000_000, Written::DigitString)));
        assert_eq!(unix_seconds(&Value::Int("18446744073709551615".into())).map(|t| t.0), Some(u64::MAX));
        for bad in [Value::Int("18446744073709551616".into()), Value::Int("-1".into()), Value::Float(1.0), Value::Str("".into()), Value::Str("1.5".into()), Value::Str("+1".into()), Value::Str("2025-01-01T00:00:00Z".into())] {
            assert_eq!(unix_seconds(&bad), None, "{bad:?}");
        }
        assert_eq!(iso8601_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(iso8601_seconds("2023-11-14T22:13:20+00:00"), Some(1_700_000_000));
        assert_eq!(iso8601_seconds("2023-11-14T23:13:20.999999+01:00"), Some(1_700_000_000));
        assert_eq!(iso8601_seconds("2024-02-29T00:00:00-00:30"), Some(1_709_166_600));
        for bad in ["2023-11-14T22:13:20", "2023-02-29T00:00:00Z", "2023-11-14T22:13:20.+00:00", "2023-11-14T22:13:20+0000", "1700000000"] {
            assert_eq!(iso8601_seconds(bad), None, "{bad}");
        }
    }
}
