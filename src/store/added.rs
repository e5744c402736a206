//! What users added to a store (criteria sets, provincial overrides, mappings): how a file is
//! described in the change log, and who added each one and when.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::{LogEntry, Store, StoreError};

/// `sha256 HEX; DESC`: a file as the change log records it, so the exact file that decided a
/// verdict can be identified later.
pub fn describe_file(bytes: &[u8], desc: &str) -> String {
    let h: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if desc.is_empty() {
        format!("sha256 {h}")
    } else {
        format!("sha256 {h}; {desc}")
    }
}

impl Store {
    /// The newest change-log entry that added or replaced each user file, by what it names
    /// (`framework ID`, `override ID`, `mapping ID`).
    pub fn added_entries(&self) -> Result<BTreeMap<String, LogEntry>, StoreError> {
        let mut out = BTreeMap::new();
        for e in self.log_entries()? {
            if e.action.ends_with("_add") || e.action.ends_with("_replace") {
                out.insert(e.what.clone(), e);
            }
        }
        Ok(out)
    }
}

impl Store {
    /// Whether a framework file with this id was added to the store (an older ntm let a user
    /// file take a built-in id; such a store keeps it, and `framework list` says so).
    pub fn has_user_framework(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .meta
            .get(format!("framework:{id}").as_bytes())
            .map_err(super::io_err(&self.path))?
            .is_some())
    }

    /// The stored name of the user mapping between two frameworks, if one was added.
    pub fn mapping_name(&self, from: &str, to: &str) -> Result<Option<String>, StoreError> {
        let reg = self.registry()?;
        for kv in self.meta.scan_prefix("mapping:") {
            let (k, v) = kv.map_err(super::io_err(&self.path))?;
            let name = String::from_utf8_lossy(&k[8..]).into_owned();
            if let Ok(m) =
                crate::framework::parse_mapping(&name, &String::from_utf8_lossy(&v), &reg)
                && m.from == from
                && m.to == to
            {
                return Ok(Some(name));
            }
        }
        Ok(None)
    }
}
