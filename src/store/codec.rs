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

/// A unit record as every store before commune groups holds it (record version 1). Field order
/// is the encoding: never change it.
#[derive(Serialize, serde::Deserialize)]
struct UnitV1 {
    code: String,
    name: String,
    level: crate::model::Level,
    parent_code: Option<String>,
    region: Option<String>,
    valid_from: Option<u16>,
    valid_to: Option<u16>,
    successor_code: Option<String>,
}

/// Record version of a unit that carries a commune group: (the version-1 fields, the group).
/// Only such units are written with it, so a store without commune groups stays readable by
/// older builds; an older build meeting one refuses the store ("written by a newer ntm")
/// instead of misreading it.
pub const UNIT_V2: u8 = 2;

pub fn encode_unit(u: &crate::model::Unit) -> Vec<u8> {
    let v1 = UnitV1 {
        code: u.code.clone(),
        name: u.name.clone(),
        level: u.level,
        parent_code: u.parent_code.clone(),
        region: u.region.clone(),
        valid_from: u.valid_from,
        valid_to: u.valid_to,
        successor_code: u.successor_code.clone(),
    };
    match &u.commune_group {
        None => encode(&v1),
        Some(g) => {
            let mut out = vec![UNIT_V2];
            out.extend(bincode::serde::encode_to_vec((&v1, g), config()).expect("record encodes"));
            out
        }
    }
}

pub fn decode_unit(bytes: &[u8]) -> Result<crate::model::Unit, StoreError> {
    let (v1, group): (UnitV1, Option<String>) = match bytes.split_first() {
        Some((&UNIT_V2, body)) => {
            let ((v1, g), used): ((UnitV1, String), usize) =
                bincode::serde::decode_from_slice(body, config())
                    .map_err(|e| StoreError::Corrupt(format!("unit record: {e}")))?;
            if used != body.len() {
                return Err(StoreError::Corrupt(format!(
                    "unit record has {} trailing bytes",
                    body.len() - used
                )));
            }
            (v1, Some(g))
        }
        Some((&v, _)) if v > UNIT_V2 => {
            return Err(StoreError::NewerSchema {
                found: v,
                supported: UNIT_V2,
            });
        }
        _ => (decode::<UnitV1>(bytes, "unit")?, None),
    };
    Ok(crate::model::Unit {
        code: v1.code,
        name: v1.name,
        level: v1.level,
        parent_code: v1.parent_code,
        region: v1.region,
        valid_from: v1.valid_from,
        valid_to: v1.valid_to,
        successor_code: v1.successor_code,
        commune_group: group,
    })
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
