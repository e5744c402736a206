//! Changes after import: figures, notes, sources, follow-up flags, undo, and the audits of
//! spot checks — each one transaction that also appends to the change log.

use serde::{Deserialize, Serialize};

use super::codec::{KeyPart, decode, encode, key};
use super::log::{LogEntry, actor, now, verify_chain};
use super::{ChainProblem, Store, StoreError, Summary, io_err};
use crate::eval;
use crate::framework::Registry;
use crate::model::{Observation, Value};

/// An observation's identity.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObsKey {
    pub unit: String,
    pub framework: String,
    pub indicator: String,
    pub year: u16,
}

impl std::fmt::Display for ObsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.unit, self.framework, self.indicator, self.year
        )
    }
}

impl ObsKey {
    pub fn of(o: &Observation) -> ObsKey {
        ObsKey {
            unit: o.unit_code.clone(),
            framework: o.framework.clone(),
            indicator: o.indicator.clone(),
            year: o.year,
        }
    }
}

/// A follow-up flag on an observation (DHIS2's "follow-up"), with its comment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    pub comment: String,
    pub who: String,
    pub when: i64,
}

/// The figures of an observation, as logged (JSON) so that an undo can restore them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Figures {
    value: Option<Value>,
    numerator: Option<f64>,
    denominator: Option<f64>,
    stated_percent: Option<f64>,
}

impl Figures {
    fn of(o: &Observation) -> Figures {
        Figures {
            value: o.value,
            numerator: o.numerator,
            denominator: o.denominator,
            stated_percent: o.stated_percent,
        }
    }
    fn text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// How an audited record turned out.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum MarkStatus {
    Confirmed,
    Discrepancy,
    CannotVerify,
}

impl MarkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MarkStatus::Confirmed => "confirmed",
            MarkStatus::Discrepancy => "discrepancy",
            MarkStatus::CannotVerify => "cannot_verify",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditMark {
    pub status: MarkStatus,
    /// The recounted value (the percentage for ratios, the number for numbers, 1/0 for pass/fail).
    pub recount: Option<f64>,
    pub note: Option<String>,
    pub who: String,
    pub when: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub key: ObsKey,
    /// The reported value when sampled (same scale as `AuditMark::recount`).
    pub reported: Option<f64>,
    /// Why it was drawn (stratum, risk weight), for the auditor.
    pub why: String,
    pub mark: Option<AuditMark>,
}

/// A named, reproducible sample of records and its results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Audit {
    pub name: String,
    pub who: String,
    pub created: i64,
    /// The parameters as given (`--size 20 --seed 7 --year 2020 --strata unit`).
    pub params: String,
    /// SHA-256 over the sampled records' keys and reported values.
    pub hash: String,
    pub records: Vec<AuditRecord>,
}

/// One log entry to append: (what, action, old, new, reason).
pub type NewEntry = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl Store {
    /// Batches appending `entries` to the log and moving the recorded newest hash, plus the
    /// entries themselves (not yet written).
    pub(super) fn log_entries_batch(
        &self,
        entries: &[NewEntry],
    ) -> Result<(sled::Batch, sled::Batch, Vec<LogEntry>), StoreError> {
        let io = io_err(&self.path);
        let (mut seq, mut prev) = match self.log.last().map_err(&io)? {
            Some((k, v)) => {
                let s = u64::from_be_bytes(
                    k.as_ref()
                        .try_into()
                        .map_err(|_| StoreError::Corrupt("log key".into()))?,
                );
                let e: LogEntry = decode(&v, "log entry")?;
                (s, e.hash)
            }
            None => (0, [0; 32]),
        };
        let (who, when) = (actor(), now());
        let mut log_b = sled::Batch::default();
        let mut meta_b = sled::Batch::default();
        let mut out = Vec::new();
        for (what, action, old, new, reason) in entries {
            seq += 1;
            let e = LogEntry::new(
                seq,
                prev,
                &who,
                when,
                what,
                action,
                old.clone(),
                new.clone(),
                reason.clone(),
            );
            prev = e.hash;
            log_b.insert(&seq.to_be_bytes(), encode(&e));
            out.push(e);
        }
        meta_b.insert("log_head", &prev);
        Ok((log_b, meta_b, out))
    }

    /// Every log entry in order (None where the bytes cannot be read).
    pub fn log_raw(&self) -> Result<Vec<(u64, Option<LogEntry>)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.log.iter() {
            let (k, v) = kv.map_err(io_err(&self.path))?;
            let seq = k.as_ref().try_into().map(u64::from_be_bytes).unwrap_or(0);
            out.push((seq, decode::<LogEntry>(&v, "log entry").ok()));
        }
        Ok(out)
    }

    pub fn log_entries(&self) -> Result<Vec<LogEntry>, StoreError> {
        Ok(self.log_raw()?.into_iter().filter_map(|(_, e)| e).collect())
    }

    /// Check the hash chain of the change log.
    pub fn verify_log(&self) -> Result<Vec<ChainProblem>, StoreError> {
        let head = self
            .meta
            .get("log_head")
            .map_err(io_err(&self.path))?
            .and_then(|h| <[u8; 32]>::try_from(h.as_ref()).ok());
        Ok(verify_chain(&self.log_raw()?, head))
    }

    fn obs_key_bytes(&self, k: &ObsKey) -> Option<Vec<u8>> {
        Some(key(&[
            KeyPart::U32(self.ids.unit(&k.unit)?),
            KeyPart::U16(self.ids.framework(&k.framework)?),
            KeyPart::U16(self.ids.indicator(&k.framework, &k.indicator)?),
            KeyPart::U16(k.year),
        ]))
    }

    /// One observation, if stored.
    pub fn observation(&self, k: &ObsKey) -> Result<Option<Observation>, StoreError> {
        let (Some(uid), Some(fid), Some(iid)) = (
            self.ids.unit(&k.unit),
            self.ids.framework(&k.framework),
            self.ids.indicator(&k.framework, &k.indicator),
        ) else {
            return Ok(None);
        };
        let rows = self.series_rows(uid, fid)?;
        match super::series::find(&rows, iid, k.year) {
            Some(r) => Ok(Some(self.obs_of(uid, fid, r.clone())?)),
            None => Ok(None),
        }
    }

    /// Write one observation (new or changed) with its index entry, the unit-year's summary
    /// and the log entries, in one transaction.
    fn write_observation(
        &mut self,
        o: &Observation,
        reg: &Registry,
        entries: &[NewEntry],
    ) -> Result<Vec<LogEntry>, StoreError> {
        self.writable("editing")?;
        let mut ids = self.ids.clone();
        let (mut ids_b, mut rev_b) = (sled::Batch::default(), sled::Batch::default());
        let uid = ids.intern_unit(&o.unit_code, &mut ids_b, &mut rev_b)?;
        let fid = ids.intern_framework(&o.framework, &mut ids_b, &mut rev_b)?;
        let iid = ids.intern_indicator(&o.framework, &o.indicator, &mut ids_b, &mut rev_b)?;
        // the unit's series record with this row in place
        let mut obs_b = sled::Batch::default();
        let mut rows = self.series_rows(uid, fid)?;
        super::series::upsert(
            &mut rows,
            super::series::Row {
                ind: iid,
                year: o.year,
                rec: super::series::ObsRecord::of(o),
            },
        );
        obs_b.insert(
            super::series_key(uid, fid),
            super::series::encode_rows(&rows),
        );

        // the unit-year's summary with this row in place
        let mut sum_b = sled::Batch::default();
        if let Some(fw) = reg.get(&o.framework) {
            let units = self.units()?;
            let mut rows: Vec<Observation> = self
                .observations_of(&o.unit_code, &o.framework)?
                .into_iter()
                .filter(|r| r.year == o.year && r.indicator != o.indicator)
                .collect();
            rows.push(o.clone());
            let targets = eval::targets_for(fw, &units, &o.unit_code, &reg.overrides);
            let ev = eval::evaluate(fw, &targets, &eval::by_indicator(fw, &rows));
            let s = Summary {
                statuses: ev.criteria.iter().map(|s| s.as_u8()).collect(),
            };
            sum_b.insert(
                key(&[KeyPart::U32(uid), KeyPart::U16(fid), KeyPart::U16(o.year)]),
                encode(&s),
            );
        }
        let (log_b, mut meta_b, logged) = self.log_entries_batch(entries)?;
        if reg.get(&o.framework).is_some() {
            meta_b.insert(
                super::YEARS_KEY,
                self.years_with([(o.framework.clone(), o.year)])?,
            );
        }
        self.commit(&[
            (&self.ids_t, ids_b),
            (&self.rev, rev_b),
            (&self.series, obs_b),
            (&self.summary, sum_b),
            (&self.log, log_b),
            (&self.meta, meta_b),
        ])?;
        self.ids = ids;
        Ok(logged)
    }

    /// Change the figures (value, or numerator/denominator, and the printed percentage) of an
    /// observation, creating it if absent. `new` has been validated by the caller; a reason is
    /// required.
    pub fn set_figures(
        &mut self,
        new: &Observation,
        reason: &str,
        reg: &Registry,
    ) -> Result<LogEntry, StoreError> {
        let k = ObsKey::of(new);
        let old = self.observation(&k)?;
        let mut o = old.clone().unwrap_or_else(|| new.clone());
        o.value = new.value;
        o.numerator = new.numerator;
        o.denominator = new.denominator;
        o.stated_percent = new.stated_percent;
        let entry = (
            k.to_string(),
            "set_value".to_string(),
            old.as_ref().map(|x| Figures::of(x).text()),
            Some(Figures::of(&o).text()),
            Some(reason.to_string()),
        );
        Ok(self.write_observation(&o, reg, &[entry])?.remove(0))
    }

    /// Change the note (None clears it) of an existing observation.
    pub fn set_note(
        &mut self,
        k: &ObsKey,
        note: Option<&str>,
        reason: Option<&str>,
        reg: &Registry,
    ) -> Result<LogEntry, StoreError> {
        self.set_text(k, "set_note", note, reason, reg)
    }

    /// Change the source (None clears it) of an existing observation.
    pub fn set_source(
        &mut self,
        k: &ObsKey,
        source: Option<&str>,
        reason: Option<&str>,
        reg: &Registry,
    ) -> Result<LogEntry, StoreError> {
        self.set_text(k, "set_source", source, reason, reg)
    }

    fn set_text(
        &mut self,
        k: &ObsKey,
        action: &str,
        text: Option<&str>,
        reason: Option<&str>,
        reg: &Registry,
    ) -> Result<LogEntry, StoreError> {
        let mut o = self
            .observation(k)?
            .ok_or_else(|| StoreError::Invalid(format!("no observation {k} to change")))?;
        let field = if action == "set_note" {
            &mut o.note
        } else {
            &mut o.source
        };
        let old = field.clone();
        *field = text
            .map(|t| crate::text::nfc(t.trim()))
            .filter(|t| !t.is_empty());
        let new = field.clone();
        let entry = (
            k.to_string(),
            action.to_string(),
            old,
            new,
            reason.map(str::to_string),
        );
        Ok(self.write_observation(&o, reg, &[entry])?.remove(0))
    }

    /// The follow-up flag of an observation.
    pub fn flag(&self, k: &ObsKey) -> Result<Option<Flag>, StoreError> {
        let Some(kb) = self.obs_key_bytes(k) else {
            return Ok(None);
        };
        match self.flags.get(kb).map_err(io_err(&self.path))? {
            Some(v) => Ok(Some(decode(&v, "flag")?)),
            None => Ok(None),
        }
    }

    /// Set (Some comment) or clear (None) the follow-up flag.
    pub fn set_flag(&mut self, k: &ObsKey, comment: Option<&str>) -> Result<LogEntry, StoreError> {
        self.writable("flagging")?;
        let kb = self
            .obs_key_bytes(k)
            .ok_or_else(|| StoreError::Invalid(format!("no observation {k} to flag")))?;
        let old = self.flag(k)?;
        let mut flags_b = sled::Batch::default();
        let (action, new) = match comment {
            Some(c) => {
                let f = Flag {
                    comment: crate::text::nfc(c.trim()),
                    who: actor(),
                    when: now(),
                };
                flags_b.insert(kb, encode(&f));
                ("flag", Some(f.comment))
            }
            None => {
                flags_b.remove(kb);
                ("unflag", None)
            }
        };
        let (log_b, meta_b, mut logged) = self.log_entries_batch(&[(
            k.to_string(),
            action.into(),
            old.map(|f| f.comment),
            new,
            None,
        )])?;
        self.commit(&[
            (&self.flags, flags_b),
            (&self.log, log_b),
            (&self.meta, meta_b),
        ])?;
        Ok(logged.remove(0))
    }

    /// Every flagged observation.
    pub fn flags(&self) -> Result<Vec<(ObsKey, Flag)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.flags.iter() {
            let (k, v) = kv.map_err(io_err(&self.path))?;
            let key = ObsKey {
                unit: self
                    .ids
                    .unit_code(super::codec::u32_at(&k, 0))
                    .unwrap_or("?")
                    .to_string(),
                framework: self
                    .ids
                    .framework_id(super::codec::u16_at(&k, 4))
                    .unwrap_or("?")
                    .to_string(),
                indicator: self
                    .ids
                    .indicator_code(super::codec::u16_at(&k, 6))
                    .unwrap_or("?")
                    .to_string(),
                year: super::codec::u16_at(&k, 8),
            };
            out.push((key, decode(&v, "flag")?));
        }
        Ok(out)
    }

    /// Undo a logged change (set_value, set_note, set_source, flag, unflag): the undo is itself
    /// a logged change, with the reason naming the entry it undoes.
    pub fn undo(&mut self, seq: u64, reg: &Registry) -> Result<LogEntry, StoreError> {
        let e = self
            .log_entries()?
            .into_iter()
            .find(|e| e.seq == seq)
            .ok_or_else(|| StoreError::Invalid(format!("no log entry {seq}")))?;
        let k = parse_key(&e.what).ok_or_else(|| {
            StoreError::Invalid(format!("entry {seq} is not a change to one observation"))
        })?;
        // the field must still be what the entry made it: otherwise undoing it would silently
        // throw away a later change (an edit, an undo, an import) to the same field
        let now = match e.action.as_str() {
            "set_value" => self.observation(&k)?.map(|o| Figures::of(&o).text()),
            "set_note" => self.observation(&k)?.and_then(|o| o.note),
            "set_source" => self.observation(&k)?.and_then(|o| o.source),
            "flag" | "unflag" => self.flag(&k)?.map(|f| f.comment),
            _ => e.new.clone(),
        };
        let same = match e.action.as_str() {
            "set_value" => {
                let parse =
                    |t: Option<&str>| t.and_then(|t| serde_json::from_str::<Figures>(t).ok());
                parse(now.as_deref()) == parse(e.new.as_deref())
            }
            _ => now == e.new,
        };
        if !same {
            let later = self.log_entries()?.into_iter().rfind(|x| {
                x.seq > seq && x.what == e.what && changes_same_field(&e.action, &x.action)
            });
            return Err(StoreError::Invalid(match later {
                Some(x) => format!(
                    "entry {seq} cannot be undone: entry {} ({}, {} by {}) changed the same figure since; undo entry {} first, or set the figure again",
                    x.seq,
                    x.action,
                    super::log::iso8601(x.when),
                    x.who,
                    x.seq
                ),
                None => format!(
                    "entry {seq} cannot be undone: {} changed since (an import after it); set the figure again instead",
                    e.what
                ),
            }));
        }
        let reason = format!("undo of entry {seq}");
        match e.action.as_str() {
            "set_value" => {
                let Some(old) = e
                    .old
                    .as_deref()
                    .and_then(|t| serde_json::from_str::<Figures>(t).ok())
                else {
                    return Err(StoreError::Invalid(format!(
                        "entry {seq} created the row; it cannot be undone by restoring figures"
                    )));
                };
                let mut o = self
                    .observation(&k)?
                    .ok_or_else(|| StoreError::Invalid(format!("no observation {k}")))?;
                let before = Figures::of(&o).text();
                o.value = old.value;
                o.numerator = old.numerator;
                o.denominator = old.denominator;
                o.stated_percent = old.stated_percent;
                let entry = (
                    k.to_string(),
                    "undo".to_string(),
                    Some(before),
                    Some(Figures::of(&o).text()),
                    Some(reason),
                );
                Ok(self.write_observation(&o, reg, &[entry])?.remove(0))
            }
            "set_note" => self.set_note(&k, e.old.as_deref(), Some(&reason), reg),
            "set_source" => self.set_source(&k, e.old.as_deref(), Some(&reason), reg),
            "flag" | "unflag" => self.set_flag(&k, e.old.as_deref()),
            other => Err(StoreError::Invalid(format!(
                "entry {seq} ({other}) cannot be undone"
            ))),
        }
    }

    // ---------- audits ----------

    pub fn audit(&self, name: &str) -> Result<Option<Audit>, StoreError> {
        match self
            .audits
            .get(name.as_bytes())
            .map_err(io_err(&self.path))?
        {
            Some(v) => Ok(Some(decode(&v, "audit")?)),
            None => Ok(None),
        }
    }

    pub fn audits(&self) -> Result<Vec<Audit>, StoreError> {
        let mut out = Vec::new();
        for kv in self.audits.iter() {
            let (_, v) = kv.map_err(io_err(&self.path))?;
            out.push(decode(&v, "audit")?);
        }
        Ok(out)
    }

    /// Save a new audit (a name is used once). `allocation` (per stratum, for a stratified
    /// draw) goes into the change-log entry with the parameters and the sample's hash.
    pub fn save_audit(
        &mut self,
        a: &Audit,
        allocation: Option<&str>,
    ) -> Result<LogEntry, StoreError> {
        self.writable("saving an audit")?;
        if self.audit(&a.name)?.is_some() {
            return Err(StoreError::Invalid(format!(
                "an audit named {} already exists",
                a.name
            )));
        }
        let mut b = sled::Batch::default();
        b.insert(a.name.as_bytes(), encode(a));
        let mut detail = format!(
            "{} records; {}; sha256 {}",
            a.records.len(),
            a.params,
            a.hash
        );
        if let Some(al) = allocation.filter(|t| !t.is_empty()) {
            detail += &format!("; allocation {al}");
        }
        let (log_b, meta_b, mut logged) = self.log_entries_batch(&[(
            format!("audit {}", a.name),
            "audit_sample".into(),
            None,
            Some(detail),
            None,
        )])?;
        self.commit(&[(&self.audits, b), (&self.log, log_b), (&self.meta, meta_b)])?;
        Ok(logged.remove(0))
    }

    /// Record the result of checking record `index` of an audit. Re-marking a record that
    /// already has a mark needs a reason (logged with it); the earlier marks stay in the
    /// change log, where `audit_history` finds them.
    pub fn mark_audit(
        &mut self,
        name: &str,
        index: usize,
        mark: AuditMark,
        reason: Option<&str>,
    ) -> Result<LogEntry, StoreError> {
        self.writable("marking an audit record")?;
        let mut a = self
            .audit(name)?
            .ok_or_else(|| StoreError::Invalid(format!("no audit named {name}")))?;
        let r = a.records.get_mut(index).ok_or_else(|| {
            StoreError::Invalid(format!("audit {name} has no record {}", index + 1))
        })?;
        let reason = reason.map(str::trim).filter(|t| !t.is_empty());
        if let Some(m) = &r.mark
            && reason.is_none()
        {
            return Err(StoreError::Invalid(format!(
                "record {} of audit {name} is already marked {} (by {}); re-marking it needs a reason, and the earlier mark stays in its history",
                index + 1,
                mark_text(m),
                m.who
            )));
        }
        let old = r.mark.as_ref().map(mark_text);
        let new = Some(mark_text(&mark));
        let what = format!("audit {name} #{} {}", index + 1, r.key);
        r.mark = Some(mark);
        let mut b = sled::Batch::default();
        b.insert(name.as_bytes(), encode(&a));
        let (log_b, meta_b, mut logged) = self.log_entries_batch(&[(
            what,
            "audit_mark".into(),
            old,
            new,
            reason.map(str::to_string),
        )])?;
        self.commit(&[(&self.audits, b), (&self.log, log_b), (&self.meta, meta_b)])?;
        Ok(logged.remove(0))
    }
}

impl Store {
    /// Every mark record `index` of audit `name` was given, oldest first (the change log's
    /// `audit_mark` entries for it: who, when, the mark, and the reason of a re-mark).
    pub fn audit_history(&self, name: &str, index: usize) -> Result<Vec<LogEntry>, StoreError> {
        let prefix = format!("audit {name} #{} ", index + 1);
        Ok(self
            .log_entries()?
            .into_iter()
            .filter(|e| e.action == "audit_mark" && e.what.starts_with(&prefix))
            .collect())
    }
}

/// A mark as the change log keeps it: `discrepancy recount=80 note=…`.
pub fn mark_text(m: &AuditMark) -> String {
    let mut s = m.status.as_str().to_string();
    if let Some(r) = m.recount {
        s += &format!(" recount={}", crate::text::fmt_plain(r));
    }
    if let Some(n) = &m.note {
        s += &format!(" note={n}");
    }
    s
}

/// Whether a log entry of `later` action changes the field an entry of `action` changed.
fn changes_same_field(action: &str, later: &str) -> bool {
    match action {
        "set_value" => matches!(later, "set_value" | "undo"),
        "flag" | "unflag" => matches!(later, "flag" | "unflag"),
        a => later == a,
    }
}

/// `UNIT FRAMEWORK INDICATOR YEAR` back into a key.
pub fn parse_key(s: &str) -> Option<ObsKey> {
    let p: Vec<&str> = s.split(' ').collect();
    if p.len() != 4 {
        return None;
    }
    Some(ObsKey {
        unit: p[0].into(),
        framework: p[1].into(),
        indicator: p[2].into(),
        year: p[3].parse().ok()?,
    })
}
