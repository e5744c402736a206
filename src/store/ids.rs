//! Interned ids: units get a u32, frameworks and indicators a u16, so observation keys are
//! fixed-width. Ids are never reused or removed; the next id is the number already given.

use std::collections::HashMap;

/// A store whose id table is full: the key width (`[unit u32][fw u16][ind u16][year u16]`)
/// has no room for another id. Refused instead of wrapping onto an id in use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the store has no room for another {what} id ({given} given, the most a {bits}-bit key holds); nothing was written"
)]
pub struct IdsFull {
    pub what: &'static str,
    pub given: u64,
    pub bits: u32,
}

/// The next id after `n` already given, if the width has room for it.
fn next_id<T: TryFrom<usize>>(n: usize, what: &'static str, bits: u32) -> Result<T, IdsFull> {
    T::try_from(n).map_err(|_| IdsFull {
        what,
        given: n as u64,
        bits,
    })
}

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
    pub fn intern_unit(
        &mut self,
        code: &str,
        ids: &mut impl Sink,
        rev: &mut impl Sink,
    ) -> Result<u32, IdsFull> {
        if let Some(id) = self.unit(code) {
            return Ok(id);
        }
        let id: u32 = next_id(self.units.len(), "unit", 32)?;
        let mut k = vec![b'u'];
        k.extend_from_slice(code.as_bytes());
        ids.put(k, id.to_be_bytes().to_vec());
        let mut r = vec![b'u'];
        r.extend_from_slice(&id.to_be_bytes());
        rev.put(r, code.as_bytes().to_vec());
        self.units.insert(code.to_string(), id);
        self.unit_codes.insert(id, code.to_string());
        Ok(id)
    }

    pub fn intern_framework(
        &mut self,
        fw: &str,
        ids: &mut impl Sink,
        rev: &mut impl Sink,
    ) -> Result<u16, IdsFull> {
        if let Some(id) = self.framework(fw) {
            return Ok(id);
        }
        let id: u16 = next_id(self.frameworks.len(), "framework", 16)?;
        let mut k = vec![b'f'];
        k.extend_from_slice(fw.as_bytes());
        ids.put(k, id.to_be_bytes().to_vec());
        let mut r = vec![b'f'];
        r.extend_from_slice(&id.to_be_bytes());
        rev.put(r, fw.as_bytes().to_vec());
        self.frameworks.insert(fw.to_string(), id);
        self.framework_ids.insert(id, fw.to_string());
        Ok(id)
    }

    pub fn intern_indicator(
        &mut self,
        fw: &str,
        code: &str,
        ids: &mut impl Sink,
        rev: &mut impl Sink,
    ) -> Result<u16, IdsFull> {
        if let Some(id) = self.indicator(fw, code) {
            return Ok(id);
        }
        let id: u16 = next_id(self.indicators.len(), "indicator", 16)?;
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
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicator_ids_refuse_to_wrap() {
        let mut ids = Ids::default();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let width = u16::MAX as usize + 1;
        for i in 0..width {
            let id = ids.intern_indicator("big", &i.to_string(), &mut a, &mut b);
            assert_eq!(id, Ok(i as u16));
        }
        let e = ids
            .intern_indicator("big", "one-too-many", &mut a, &mut b)
            .unwrap_err();
        assert_eq!(e.given, width as u64);
        assert!(
            e.to_string().contains("no room for another indicator id"),
            "{e}"
        );
        // nothing was queued for the refused one, and the first id still names the first code
        assert_eq!(a.len(), width);
        assert_eq!(ids.indicator_code(0), Some("0"));
        assert_eq!(ids.indicator("big", "one-too-many"), None);
        // known codes still resolve
        assert_eq!(ids.intern_indicator("big", "7", &mut a, &mut b), Ok(7));
    }

    #[test]
    fn framework_ids_refuse_to_wrap() {
        let mut ids = Ids::default();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for i in 0..=u16::MAX as usize {
            ids.intern_framework(&format!("f{i}"), &mut a, &mut b)
                .unwrap();
        }
        assert!(ids.intern_framework("one-more", &mut a, &mut b).is_err());
    }
}
