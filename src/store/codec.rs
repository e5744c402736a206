//! Record encoding: one schema-version byte, then the record in bincode 2 (standard config).
//! Released record versions are never changed; a new version is a new byte and a migration.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::StoreError;

/// The newest record schema this build writes and reads.
pub const SCHEMA: u8 = 1;

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<{ 16 << 20 }>()
}

pub fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = vec![SCHEMA];
    // encoding plain owned data into a Vec cannot fail except on the size limit, which our
    // records (a few hundred bytes) never reach
    out.extend(bincode::serde::encode_to_vec(v, config()).expect("record encodes"));
    out
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, StoreError> {
    let Some((&ver, body)) = bytes.split_first() else {
        return Err(StoreError::Corrupt(format!("empty {what} record")));
    };
    if ver > SCHEMA {
        return Err(StoreError::NewerSchema {
            found: ver,
            supported: SCHEMA,
        });
    }
    if ver == 0 {
        return Err(StoreError::Corrupt(format!(
            "{what} record with schema version 0"
        )));
    }
    let (v, used) = bincode::serde::decode_from_slice(body, config())
        .map_err(|e| StoreError::Corrupt(format!("{what} record: {e}")))?;
    if used != body.len() {
        return Err(StoreError::Corrupt(format!(
            "{what} record has {} trailing bytes",
            body.len() - used
        )));
    }
    Ok(v)
}

/// Fixed-width big-endian key pieces, so that byte order is numeric order and prefixes are
/// range scans.
pub fn key(parts: &[KeyPart]) -> Vec<u8> {
    let mut k = Vec::with_capacity(12);
    for p in parts {
        match *p {
            KeyPart::U16(v) => k.extend_from_slice(&v.to_be_bytes()),
            KeyPart::U32(v) => k.extend_from_slice(&v.to_be_bytes()),
        }
    }
    k
}

#[derive(Clone, Copy, Debug)]
pub enum KeyPart {
    U16(u16),
    U32(u32),
}

pub fn u16_at(k: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([k[at], k[at + 1]])
}

pub fn u32_at(k: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([k[at], k[at + 1], k[at + 2], k[at + 3]])
}
