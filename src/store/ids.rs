//! Interned ids: units get a u32, frameworks and indicators a u16, so observation keys are
//! fixed-width. Ids are never reused or removed; the next id is the number already given.

use std::collections::HashMap;

/// Where interned-id records go: a sled batch (one transaction) or a list written later.
pub trait Sink {
    fn put(&mut self, k: Vec<u8>, v: Vec<u8>);
}

impl Sink for sled::Batch {
    fn put(&mut self, k: Vec<u8>, v: Vec<u8>) {
        self.insert(k, v);
    }
}

impl Sink for Vec<(Vec<u8>, Vec<u8>)> {
    fn put(&mut self, k: Vec<u8>, v: Vec<u8>) {
        self.push((k, v));
    }
}

#[derive(Clone, Debug, Default)]
pub struct Ids {
    units: HashMap<String, u32>,
    unit_codes: HashMap<u32, String>,
    frameworks: HashMap<String, u16>,
    framework_ids: HashMap<u16, String>,
    indicators: HashMap<(String, String), u16>,
    indicator_codes: HashMap<u16, (String, String)>,
}

impl Ids {
    pub fn load(tree: &sled::Tree) -> sled::Result<Ids> {
        let mut ids = Ids::default();
        for kv in tree.iter() {
            let (k, v) = kv?;
            let name = String::from_utf8_lossy(&k[1..]).into_owned();
            match k[0] {
                b'u' => {
                    let id = u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
                    ids.unit_codes.insert(id, name.clone());
                    ids.units.insert(name, id);
                }
                b'f' => {
                    let id = u16::from_be_bytes([v[0], v[1]]);
                    ids.framework_ids.insert(id, name.clone());
                    ids.frameworks.insert(name, id);
                }
                b'i' => {
                    let id = u16::from_be_bytes([v[0], v[1]]);
                    let (f, c) = name.split_once('\0').unwrap_or((&name, ""));
                    let fc = (f.to_string(), c.to_string());
                    ids.indicator_codes.insert(id, fc.clone());
                    ids.indicators.insert(fc, id);
                }
                _ => {}
            }
        }
        Ok(ids)
    }

    pub fn unit(&self, code: &str) -> Option<u32> {
        self.units.get(code).copied()
    }
    pub fn unit_code(&self, id: u32) -> Option<&str> {
        self.unit_codes.get(&id).map(String::as_str)
    }
    pub fn framework(&self, fw: &str) -> Option<u16> {
        self.frameworks.get(fw).copied()
    }
    pub fn framework_id(&self, id: u16) -> Option<&str> {
        self.framework_ids.get(&id).map(String::as_str)
    }
    pub fn indicator(&self, fw: &str, code: &str) -> Option<u16> {
        self.indicators
            .get(&(fw.to_string(), code.to_string()))
            .copied()
    }
    pub fn indicator_code(&self, id: u16) -> Option<&str> {
        self.indicator_codes.get(&id).map(|(_, c)| c.as_str())
    }

    /// The unit's id, assigning the next one (and queueing its records) when new.
    pub fn intern_unit(&mut self, code: &str, ids: &mut impl Sink, rev: &mut impl Sink) -> u32 {
        if let Some(id) = self.unit(code) {
            return id;
        }
        let id = self.units.len() as u32;
        let mut k = vec![b'u'];
        k.extend_from_slice(code.as_bytes());
        ids.put(k, id.to_be_bytes().to_vec());
        let mut r = vec![b'u'];
        r.extend_from_slice(&id.to_be_bytes());
        rev.put(r, code.as_bytes().to_vec());
        self.units.insert(code.to_string(), id);
        self.unit_codes.insert(id, code.to_string());
        id
    }

    pub fn intern_framework(&mut self, fw: &str, ids: &mut impl Sink, rev: &mut impl Sink) -> u16 {
        if let Some(id) = self.framework(fw) {
            return id;
        }
        let id = self.frameworks.len() as u16;
        let mut k = vec![b'f'];
        k.extend_from_slice(fw.as_bytes());
        ids.put(k, id.to_be_bytes().to_vec());
        let mut r = vec![b'f'];
        r.extend_from_slice(&id.to_be_bytes());
        rev.put(r, fw.as_bytes().to_vec());
        self.frameworks.insert(fw.to_string(), id);
        self.framework_ids.insert(id, fw.to_string());
        id
    }

    pub fn intern_indicator(
        &mut self,
        fw: &str,
        code: &str,
        ids: &mut impl Sink,
        rev: &mut impl Sink,
    ) -> u16 {
        if let Some(id) = self.indicator(fw, code) {
            return id;
        }
        let id = self.indicators.len() as u16;
        let name = format!("{fw}\0{code}");
        let mut k = vec![b'i'];
        k.extend_from_slice(name.as_bytes());
        ids.put(k, id.to_be_bytes().to_vec());
        let mut r = vec![b'i'];
        r.extend_from_slice(&id.to_be_bytes());
        rev.put(r, name.as_bytes().to_vec());
        self.indicators
            .insert((fw.to_string(), code.to_string()), id);
        self.indicator_codes
            .insert(id, (fw.to_string(), code.to_string()));
        id
    }
}
