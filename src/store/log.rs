//! The change log: every change to the store (imports, values, notes, flags, audit marks,
//! undos) as an append-only, hash-chained list. Each entry commits to the previous entry's
//! hash, and the newest hash is kept in `meta`, so altering, removing or reordering any entry —
//! or cutting entries off the end — is detected by `verify`.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    pub seq: u64,
    /// Hash of the previous entry (zeros for the first).
    pub prev: [u8; 32],
    /// OS user who made the change.
    pub who: String,
    /// Seconds since 1970-01-01 UTC.
    pub when: i64,
    /// What changed: an observation key `UNIT FRAMEWORK INDICATOR YEAR`, a bundle path, an audit.
    pub what: String,
    /// `import`, `set_value`, `set_note`, `set_source`, `flag`, `unflag`, `audit_sample`,
    /// `audit_mark`, `undo`.
    pub action: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub reason: Option<String>,
    /// SHA-256 over all the fields above.
    pub hash: [u8; 32],
}

impl LogEntry {
    /// The hash this entry must carry: SHA-256 over every field, each length-prefixed so
    /// that no two different entries hash the same input.
    pub fn compute_hash(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.seq.to_be_bytes());
        h.update(self.prev);
        let mut field = |s: Option<&str>| match s {
            None => h.update([0u8]),
            Some(s) => {
                h.update([1u8]);
                h.update((s.len() as u64).to_be_bytes());
                h.update(s.as_bytes());
            }
        };
        field(Some(&self.who));
        field(Some(&self.when.to_string()));
        field(Some(&self.what));
        field(Some(&self.action));
        field(self.old.as_deref());
        field(self.new.as_deref());
        field(self.reason.as_deref());
        h.finalize().into()
    }

    /// A new entry following `prev` (hash filled in).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        seq: u64,
        prev: [u8; 32],
        who: &str,
        when: i64,
        what: &str,
        action: &str,
        old: Option<String>,
        new: Option<String>,
        reason: Option<String>,
    ) -> LogEntry {
        let mut e = LogEntry {
            seq,
            prev,
            who: who.to_string(),
            when,
            what: what.to_string(),
            action: action.to_string(),
            old,
            new,
            reason,
            hash: [0; 32],
        };
        e.hash = e.compute_hash();
        e
    }
}

/// What `verify` found wrong, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum ChainProblem {
    /// The stored bytes under this key cannot be read as an entry.
    Unreadable { key_seq: u64 },
    /// The entry's fields do not match its hash: it was altered.
    Altered { seq: u64 },
    /// An entry is stored under another position than its own number.
    Misplaced { key_seq: u64, seq: u64 },
    /// Entries are missing before this one.
    Gap { expected: u64, found: u64 },
    /// This entry does not follow the one before it (an entry removed or the order changed).
    Broken { seq: u64 },
    /// The last entry is not the one the store recorded as the newest (entries cut off).
    Truncated { last: u64 },
    /// The store has entries but no record of the newest one (it was deleted).
    MissingHead,
    /// The log no longer holds the entry a receipt saw as the newest: entries were removed, or
    /// an older copy of the store was put back.
    ShorterThanReceipt { entries: u64, receipt: u64 },
    /// The entry a receipt saw as the newest has another hash now: the log was rewritten up to
    /// it (and re-chained).
    ReceiptMismatch { seq: u64 },
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainProblem::Unreadable { key_seq } => {
                write!(f, "entry {key_seq} is unreadable (its bytes were changed)")
            }
            ChainProblem::Altered { seq } => write!(
                f,
                "entry {seq} was altered (its contents do not match its hash)"
            ),
            ChainProblem::Misplaced { key_seq, seq } => write!(
                f,
                "entry {seq} is stored in position {key_seq} (entries were reordered)"
            ),
            ChainProblem::Gap { expected, found } => {
                if found - expected == 1 {
                    write!(f, "entry {expected} is missing (removed)")
                } else {
                    write!(f, "entries {expected}–{} are missing (removed)", found - 1)
                }
            }
            ChainProblem::Broken { seq } => write!(
                f,
                "entry {seq} does not follow the entry before it (an entry was removed or the order changed)"
            ),
            ChainProblem::Truncated { last } => write!(
                f,
                "the log ends at entry {last}, but the store recorded a later newest entry (entries were cut off)"
            ),
            ChainProblem::MissingHead => write!(
                f,
                "the store's record of the newest entry is missing (it was deleted): the end of the log cannot be checked"
            ),
            ChainProblem::ShorterThanReceipt { entries, receipt } => write!(
                f,
                "the receipt saw {receipt} entries but the log has {entries}: entries were removed or an older copy of the store was put back"
            ),
            ChainProblem::ReceiptMismatch { seq } => write!(
                f,
                "entry {seq} is not the entry the receipt saw: the log was rewritten up to it"
            ),
        }
    }
}

/// Check a chain given as (key sequence number, decoded entry or None when unreadable), in
/// key order, against the recorded newest hash.
pub fn verify_chain(
    entries: &[(u64, Option<LogEntry>)],
    head: Option<[u8; 32]>,
) -> Vec<ChainProblem> {
    let mut problems = Vec::new();
    let mut expected = 1u64;
    let mut prev = [0u8; 32];
    let mut last_seq = 0;
    for (key_seq, e) in entries {
        let Some(e) = e else {
            problems.push(ChainProblem::Unreadable { key_seq: *key_seq });
            expected = key_seq + 1;
            prev = [0xFF; 32]; // unknown: the next entry cannot be checked against it
            continue;
        };
        if e.compute_hash() != e.hash {
            problems.push(ChainProblem::Altered { seq: e.seq });
        }
        if e.seq != *key_seq {
            problems.push(ChainProblem::Misplaced {
                key_seq: *key_seq,
                seq: e.seq,
            });
        } else if e.seq > expected {
            problems.push(ChainProblem::Gap {
                expected,
                found: e.seq,
            });
        } else if e.prev != prev && prev != [0xFF; 32] {
            problems.push(ChainProblem::Broken { seq: e.seq });
        }
        expected = key_seq + 1;
        prev = e.hash;
        last_seq = e.seq;
    }
    match (head, entries.last()) {
        (Some(h), Some((_, Some(e)))) if e.hash != h => {
            problems.push(ChainProblem::Truncated { last: last_seq })
        }
        (Some(_), None) => problems.push(ChainProblem::Truncated { last: 0 }),
        (None, Some(_)) => problems.push(ChainProblem::MissingHead),
        _ => {}
    }
    problems
}

/// What an inspector keeps to prove later that the log was not rewritten: how many entries it
/// had and the newest one's hash. The chain kept beside the data proves only that the entries
/// agree with each other; whoever can write the store can rewrite and re-chain them all. A
/// receipt kept elsewhere catches that: every later log must still hold that entry, unchanged.
#[derive(Clone, Debug, PartialEq)]
pub struct Receipt {
    pub entries: u64,
    pub head: [u8; 32],
    pub when: i64,
    pub store: String,
}

pub fn hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

impl Receipt {
    pub fn text(&self) -> String {
        format!(
            "ntm log receipt 1\nstore: {}\nentries: {}\nhead: {}\ntime: {}\n",
            self.store,
            self.entries,
            hex(&self.head),
            iso8601(self.when)
        )
    }

    /// Read a receipt written by `text` (other lines, e.g. a note added by hand, are ignored).
    pub fn parse(s: &str) -> Result<Receipt, String> {
        let mut lines = s.lines().map(str::trim);
        if lines.next() != Some("ntm log receipt 1") {
            return Err(
                "not an ntm log receipt (the first line must be \"ntm log receipt 1\")".into(),
            );
        }
        let (mut entries, mut head, mut store) = (None, None, String::new());
        for l in lines {
            match l.split_once(':').map(|(k, v)| (k.trim(), v.trim())) {
                Some(("entries", v)) => entries = v.parse::<u64>().ok(),
                Some(("head", v)) if v.len() == 64 => {
                    let mut h = [0u8; 32];
                    for (i, b) in h.iter_mut().enumerate() {
                        *b = u8::from_str_radix(&v[2 * i..2 * i + 2], 16)
                            .map_err(|_| "head: not a SHA-256 in hex".to_string())?;
                    }
                    head = Some(h);
                }
                Some(("store", v)) => store = v.to_string(),
                _ => {}
            }
        }
        Ok(Receipt {
            entries: entries.ok_or("no \"entries: N\" line")?,
            head: head.ok_or("no \"head: HASH\" line (64 hex digits)")?,
            when: 0,
            store,
        })
    }
}

/// Check a log against a receipt: the entry the receipt saw as the newest must still be there
/// with the same hash (and `verify_chain` must find the chain up to it intact, so every entry
/// before it is unchanged too).
pub fn check_receipt(entries: &[(u64, Option<LogEntry>)], r: &Receipt) -> Option<ChainProblem> {
    if r.entries == 0 {
        return None;
    }
    let have = entries.iter().filter(|(_, e)| e.is_some()).count() as u64;
    match entries.iter().find(|(k, _)| *k == r.entries) {
        None => Some(ChainProblem::ShorterThanReceipt {
            entries: have,
            receipt: r.entries,
        }),
        Some((_, Some(e))) if e.hash == r.head && e.seq == r.entries => None,
        Some(_) => Some(ChainProblem::ReceiptMismatch { seq: r.entries }),
    }
}

/// The account this process runs as, from the system's user database (the real uid), never
/// from `$USER`/`$LOGNAME`, which anyone can set: the change log must name who really acted.
pub fn current_user() -> String {
    #[cfg(unix)]
    {
        // SAFETY: getuid has no preconditions and cannot fail
        let uid = unsafe { libc::getuid() };
        account_name(uid).unwrap_or_else(|| format!("uid {uid}"))
    }
    #[cfg(not(unix))]
    {
        "unknown".into()
    }
}

static DECLARED: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

/// Record the name the person declared (`NTM_USER`, or `user = "…"` in their config), once per
/// process, before anything is logged. It is shown beside the account, never instead of it:
/// anyone can declare any name.
pub fn set_declared(name: Option<&str>) {
    let clean = name
        .map(|n| crate::text::excerpt_n(&crate::text::sanitize(n.trim()), 60))
        .filter(|n| !n.is_empty());
    let _ = DECLARED.set(clean);
}

/// Who acts, as the change log and audit marks record it: the OS account of the real uid,
/// then the declared name labelled as such (`lan (declared: Nguyễn Thị Lan)`).
pub fn actor() -> String {
    with_declared(&current_user(), DECLARED.get().and_then(|d| d.as_deref()))
}

/// `account (declared: name)`, or the account alone when nothing was declared or the name is
/// the account itself.
pub fn with_declared(account: &str, declared: Option<&str>) -> String {
    match declared {
        Some(d) if d != account => format!("{account} (declared: {d})"),
        _ => account.to_string(),
    }
}

/// The login name of `uid`, if the user database has one.
#[cfg(unix)]
pub fn account_name(uid: u32) -> Option<String> {
    let mut buf = vec![0u8; 4096];
    // SAFETY: a zeroed passwd is a valid out-parameter; getpwuid_r writes at most buf.len()
    // bytes into buf and sets `found` to null or to `pw`
    let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    let r =
        unsafe { libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr().cast(), buf.len(), &mut found) };
    if r != 0 || found.is_null() || pw.pw_name.is_null() {
        return None;
    }
    // SAFETY: pw_name points into buf, NUL-terminated by getpwuid_r
    let name = unsafe { std::ffi::CStr::from_ptr(pw.pw_name) };
    Some(crate::text::sanitize(&name.to_string_lossy()))
}

/// Now, in seconds since the epoch (UTC).
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `2026-11-28T13:40:05Z` from seconds since the epoch.
pub fn iso8601(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil-from-days (H. Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Seconds since the epoch from `YYYY-MM-DD` (midnight UTC).
pub fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: u64) -> Vec<LogEntry> {
        let mut v: Vec<LogEntry> = Vec::new();
        for i in 1..=n {
            let prev = v.last().map_or([0; 32], |e| e.hash);
            v.push(LogEntry::new(
                i,
                prev,
                "an",
                1_700_000_000 + i as i64,
                "213 qd1980-2016 17.6 2020",
                "set_value",
                Some("a".into()),
                Some("b".into()),
                Some("recount".into()),
            ));
        }
        v
    }

    fn stored(v: &[LogEntry]) -> Vec<(u64, Option<LogEntry>)> {
        v.iter().map(|e| (e.seq, Some(e.clone()))).collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let v = chain(5);
        assert!(verify_chain(&stored(&v), Some(v[4].hash)).is_empty());
    }

    #[test]
    fn a_modified_field_is_caught() {
        let v = chain(5);
        let mut s = stored(&v);
        s[2].1.as_mut().unwrap().new = Some("c".into());
        assert_eq!(
            verify_chain(&s, Some(v[4].hash)),
            vec![ChainProblem::Altered { seq: 3 }]
        );
    }

    #[test]
    fn a_deleted_entry_is_caught() {
        let v = chain(5);
        let mut s = stored(&v);
        s.remove(2);
        assert_eq!(
            verify_chain(&s, Some(v[4].hash)),
            vec![ChainProblem::Gap {
                expected: 3,
                found: 4
            }]
        );
        // the newest entry removed
        let mut s = stored(&v);
        s.pop();
        assert_eq!(
            verify_chain(&s, Some(v[4].hash)),
            vec![ChainProblem::Truncated { last: 4 }]
        );
    }

    #[test]
    fn a_swapped_pair_is_caught() {
        let v = chain(5);
        let mut s = stored(&v);
        let (a, b) = (s[1].1.clone(), s[2].1.clone());
        s[1].1 = b;
        s[2].1 = a;
        let p = verify_chain(&s, Some(v[4].hash));
        assert!(
            p.contains(&ChainProblem::Misplaced { key_seq: 2, seq: 3 }),
            "{p:?}"
        );
        assert!(
            p.contains(&ChainProblem::Misplaced { key_seq: 3, seq: 2 }),
            "{p:?}"
        );
        // re-numbered to hide the swap: the hashes no longer match
        let mut s = stored(&v);
        let mut a = v[2].clone();
        a.seq = 2;
        let mut b = v[1].clone();
        b.seq = 3;
        s[1].1 = Some(a);
        s[2].1 = Some(b);
        let p = verify_chain(&s, Some(v[4].hash));
        assert!(
            p.contains(&ChainProblem::Altered { seq: 2 })
                && p.contains(&ChainProblem::Altered { seq: 3 }),
            "{p:?}"
        );
    }

    #[test]
    fn a_missing_head_is_never_intact() {
        let v = chain(3);
        assert_eq!(
            verify_chain(&stored(&v), None),
            vec![ChainProblem::MissingHead]
        );
        assert!(
            verify_chain(&[], None).is_empty(),
            "an empty log has no head"
        );
    }

    #[test]
    fn a_receipt_catches_a_rewritten_and_rechained_log() {
        let v = chain(5);
        let r = Receipt {
            entries: 4,
            head: v[3].hash,
            when: 0,
            store: "s".into(),
        };
        assert_eq!(Receipt::parse(&r.text()).unwrap().head, r.head);
        assert_eq!(check_receipt(&stored(&v), &r), None, "the log extends it");
        // entry 2's reason rewritten and everything re-chained: the chain alone is intact
        let mut w = v.clone();
        w[1].reason = Some("something else".into());
        for i in 1..w.len() {
            if i > 1 {
                w[i].prev = w[i - 1].hash;
            }
            w[i].hash = w[i].compute_hash();
        }
        assert!(verify_chain(&stored(&w), Some(w[4].hash)).is_empty());
        assert_eq!(
            check_receipt(&stored(&w), &r),
            Some(ChainProblem::ReceiptMismatch { seq: 4 })
        );
        // cut back to 3 entries with the head re-pointed
        assert_eq!(
            check_receipt(&stored(&v[..3]), &r),
            Some(ChainProblem::ShorterThanReceipt {
                entries: 3,
                receipt: 4
            })
        );
        assert!(Receipt::parse("hello").is_err());
    }

    #[test]
    fn declared_names_stand_beside_the_account() {
        assert_eq!(with_declared("lan", None), "lan");
        assert_eq!(with_declared("lan", Some("lan")), "lan");
        assert_eq!(
            with_declared("root", Some("Nguyễn Thị Lan")),
            "root (declared: Nguyễn Thị Lan)"
        );
    }

    #[test]
    fn dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_795_872_005), "2026-11-28T13:20:05Z");
        assert_eq!(parse_date("2026-11-28"), Some(1_795_824_000));
        assert_eq!(
            iso8601(parse_date("2024-02-29").unwrap()),
            "2024-02-29T00:00:00Z"
        );
        assert_eq!(parse_date("2026-13-01"), None);
    }
}
