//! Reading and validating a bundle. Nothing here touches the store: the caller gets either a
//! complete, valid `Bundle` or the list of every bad row (up to a cap).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Read;
use std::path::Path;

use crate::framework::Registry;
use crate::hash::FastMap;
use crate::model::{
    COMMUNE_GROUPS, Kind, Level, Merge, Observation, REGIONS, Recognition, RecognitionKind, Unit,
    Units, Value, date_problem, parse_date,
};
use crate::store::Bundle;
use crate::text::{excerpt, nfc, parse_plain, parse_vi};

use super::numbers::{self, Ambiguity, Evidence, Style};

/// At most this many bad rows are listed; the count of the rest is given.
const MAX_ERRORS: usize = 50;
/// Files larger than this are refused before reading (a bundle is text, not a database dump).
const MAX_FILE_BYTES: u64 = 2 << 30;
/// A header with more columns than this is refused (the format has twelve at most).
pub(super) const MAX_COLUMNS: usize = 256;
/// A field longer than this is refused.
const MAX_FIELD_BYTES: usize = 64 << 10;
/// A row (a line, or lines joined by a quoted line break) longer than this is refused while
/// it is read: a bundle row is a few hundred bytes, and the csv parser would otherwise hold a
/// 100 MB line of commas as 100 million fields (~4.5 GB).
const MAX_ROW_BYTES: usize = 1 << 20;

#[derive(Clone, Debug, PartialEq)]
pub struct BadRow {
    pub file: String,
    pub line: u64,
    pub column: String,
    pub reason: String,
}

impl fmt::Display for BadRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.file.is_empty() {
            write!(f, "{}", self.reason)
        } else if self.file.contains('!') && self.line == 0 {
            // a workbook cell: `observations!D12: reason`
            write!(f, "{}: {}", self.file, self.reason)
        } else if self.column.is_empty() {
            write!(f, "{}:{}: {}", self.file, self.line, self.reason)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.reason
            )
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// Accept Vietnamese number writing (`16.209`, `99,8`).
    pub locale_vi: bool,
    pub ignore_unknown_columns: bool,
    /// Recognitions the store already holds: a unit recognised again for the same kind in
    /// another year is refused against them as within the bundle.
    pub recognitions: Vec<Recognition>,
}

struct Errors {
    list: Vec<BadRow>,
    more: usize,
    /// Figures accepted with a doubt (an ambiguous measure), listed after a good read.
    warnings: Vec<BadRow>,
    /// units.csv could not be read (said once): rows are not checked against its codes,
    /// which would only repeat that as "213 is not a unit" a hundred times.
    units_unread: bool,
}

impl Errors {
    fn push(&mut self, file: &str, line: u64, column: &str, reason: impl Into<String>) {
        if self.list.len() < MAX_ERRORS {
            self.list.push(BadRow {
                file: file.to_string(),
                line,
                // a column is named by its header word, which may be anything up to 64 KiB
                column: excerpt(column),
                reason: reason.into(),
            });
        } else {
            self.more += 1;
        }
    }

    fn warn(&mut self, file: &str, line: u64, column: &str, reason: impl Into<String>) {
        self.warnings.push(BadRow {
            file: file.to_string(),
            line,
            column: excerpt(column),
            reason: reason.into(),
        });
    }
}

impl Table {
    /// Report every required column left empty in row `r`; true when none is.
    fn has_required(&self, line: u64, r: &Row, required: &[&str], errs: &mut Errors) -> bool {
        let mut ok = true;
        for c in required {
            if r.get(c).is_none() {
                errs.push(&self.file, line, c, "required value is empty");
                ok = false;
            }
        }
        ok
    }
}

/// How many problems a rejected read found: the rows listed plus those the cap left out.
pub fn problem_count(rows: &[BadRow]) -> usize {
    rows.iter().map(|r| not_listed(r).unwrap_or(1)).sum()
}

/// The count on the closing "… and N more problems not listed" line, if `r` is that line.
fn not_listed(r: &BadRow) -> Option<usize> {
    if !(r.file.is_empty() && r.line == 0 && r.column.is_empty()) {
        return None;
    }
    let rest = r.reason.strip_prefix("… and ")?;
    Some(
        rest.split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(1),
    )
}

/// "3 problems listed above", or "70 problems, the first 50 listed above": never a count
/// of listed problems larger than the list.
pub fn problems_listed(rows: &[BadRow]) -> String {
    let n = problem_count(rows);
    let listed = rows.iter().filter(|r| not_listed(r).is_none()).count();
    match n {
        1 if listed == 1 => "1 problem listed above".into(),
        n if n == listed => format!("{n} problems listed above"),
        n => format!("{n} problems, the first {listed} listed above"),
    }
}

/// A parsed CSV file: rows of (line, fields).
struct Table {
    file: String,
    rows: Vec<(u64, Row)>,
    /// SHA-256 of the file's bytes as read, for the change log.
    sha256: String,
    /// How its figures are written (decided from its unambiguous ones, see `numbers`).
    style: Style,
}

/// One row's fields (trimmed, NFC; unknown columns blank) in a single buffer, looked up by
/// column name through the header the rows share. A national bundle has millions of rows: a
/// map of strings per row took ~1.6 KB each, this takes ~200 B.
struct Row {
    head: std::rc::Rc<[Box<str>]>,
    rec: csv::StringRecord,
}

impl Row {
    /// Does the file have column `c` at all?
    fn has(&self, c: &str) -> bool {
        self.head.iter().any(|h| crate::text::same(h, c))
    }

    /// The value of column `c`, or `None` when the column is absent or the cell empty.
    fn get(&self, c: &str) -> Option<&str> {
        self.raw(c).map(numbers::untyped)
    }

    /// The cell as read, with a workbook's typed-number mark (`numbers::TYPED`) if it has one.
    fn raw(&self, c: &str) -> Option<&str> {
        let i = self.head.iter().position(|h| crate::text::same(h, c))?;
        self.rec.get(i).filter(|v| !v.is_empty())
    }

    fn from_fields(fields: &HashMap<String, String>) -> Row {
        let (head, vals): (Vec<Box<str>>, Vec<String>) = fields
            .iter()
            .map(|(k, v)| (k.as_str().into(), nfc(v.trim())))
            .unzip();
        Row {
            head: head.into(),
            rec: csv::StringRecord::from(vals),
        }
    }
}

const UNIT_COLS: &[&str] = &[
    "code",
    "name",
    "level",
    "parent_code",
    "region",
    "valid_from",
    "valid_to",
    "successor_code",
    "commune_group",
];
const UNIT_REQ: &[&str] = &["code", "name", "level"];
const OBS_COLS: &[&str] = &[
    "unit_code",
    "framework",
    "indicator",
    "year",
    "value",
    "numerator",
    "denominator",
    "stated_percent",
    "units_met",
    "units_total",
    "source",
    "note",
];
const OBS_REQ: &[&str] = &["unit_code", "framework", "indicator", "year"];
/// Columns whose figures tell how a file writes its numbers.
const NUMBER_COLS: &[&str] = &["value", "numerator", "denominator", "stated_percent"];
const REC_COLS: &[&str] = &["unit_code", "kind", "year", "decision", "issuer"];
const REC_REQ: &[&str] = &["unit_code", "kind", "year"];
/// merges.csv: an optional extension of the bundle, also imported alone (`ntm merges import`).
pub const MERGE_COLS: &[&str] = &["old_code", "new_code", "effective_date", "decision"];
const MERGE_REQ: &[&str] = &["old_code", "new_code", "effective_date"];

/// Guess the legacy encoding of a non-UTF-8 Vietnamese file, for the error message.
fn encoding_hint(bytes: &[u8]) -> &'static str {
    // Windows-1258 uses 0xD0/0xF0 for Đ/đ and combining tone marks at 0xCC, 0xD2, 0xDE, 0xEC, 0xF2;
    // TCVN3 (ABC) puts precomposed lowercase letters in 0xA4–0xFE. This is a hint, not a proof.
    let combining = bytes
        .iter()
        .filter(|b| matches!(b, 0xCC | 0xD2 | 0xDE | 0xEC | 0xF2))
        .count();
    if combining > 0 {
        "it looks like Windows-1258 (CP1258); convert it with: iconv -f CP1258 -t UTF-8 FILE > FILE.utf8"
    } else {
        "it may be Windows-1258 or a legacy TCVN3/VNI font encoding; save it as \"CSV UTF-8\" from the spreadsheet, or convert it (iconv -f CP1258 -t UTF-8, or a TCVN3/VNI converter such as Unikey's)"
    }
}

/// UTF-16 text (what "Unicode text" in Excel saves): by its byte-order mark, or by ASCII
/// letters alternating with NUL bytes. Returns the iconv name of the byte order.
fn utf16_order(head: &[u8]) -> Option<&'static str> {
    match head {
        [0xFF, 0xFE, ..] => return Some("UTF-16LE"),
        [0xFE, 0xFF, ..] => return Some("UTF-16BE"),
        _ => {}
    }
    let pairs = &head[..head.len().min(4096) & !1];
    let (mut nul_first, mut nul_second) = (0usize, 0usize);
    for p in pairs.chunks_exact(2) {
        match (p[0], p[1]) {
            (0, x) if x != 0 => nul_first += 1,
            (x, 0) if x != 0 => nul_second += 1,
            _ => {}
        }
    }
    let n = pairs.len() / 2;
    // a header row is ASCII: most of its pairs have a NUL on one side
    if n >= 2 && nul_second * 2 >= n && nul_second > 4 * nul_first {
        Some("UTF-16LE")
    } else if n >= 2 && nul_first * 2 >= n && nul_first > 4 * nul_second {
        Some("UTF-16BE")
    } else {
        None
    }
}

/// Bytes looked at before reading (compression, UTF-16, an empty file).
const SNIFF_BYTES: u64 = 64 << 10;

/// Where the CSV parser is within a row, to count its bytes and columns as it streams.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    /// At the start of a field: a `"` here opens a quoted field.
    Start,
    Plain,
    Quoted,
    /// A `"` inside a quoted field: closes it, or escapes the next `"`.
    AfterQuote,
}

/// Checks the bytes on their way to the csv parser, so that no row is ever buffered whole
/// past the limits: a row over `MAX_ROW_BYTES` or `MAX_COLUMNS` and bytes that are not UTF-8
/// stop the read at once. Also hashes the file for the change log.
struct Scan {
    q: Field,
    /// Physical line (1-based) the next byte is on, and the line the current row started on.
    line: u64,
    row_line: u64,
    row_bytes: usize,
    commas: usize,
    /// Still in the first row (the header)?
    header: bool,
    /// File offset of the next byte.
    offset: u64,
    /// An incomplete UTF-8 sequence at the end of the previous chunk.
    tail: Vec<u8>,
    sha: sha2::Sha256,
    failed: Option<(u64, String)>,
    /// Offsets (in the stream the csv parser reads, after a BOM) of the line feeds read but
    /// not yet passed by a record, and how many were passed: a record's line is counted from
    /// its byte offset. The csv parser's own line count is one short after every CRLF.
    feeds: std::collections::VecDeque<u64>,
    feeds_passed: u64,
    /// Offsets of the first byte after each run of line ends outside quotes (where a record
    /// really starts), and whether the last byte seen ended a line.
    run_ends: std::collections::VecDeque<u64>,
    in_run: bool,
    bom: u64,
}

impl Scan {
    fn new(bom: &[u8]) -> Scan {
        use sha2::Digest;
        let mut sha = sha2::Sha256::new();
        sha.update(bom);
        Scan {
            q: Field::Start,
            line: 1,
            row_line: 1,
            row_bytes: 0,
            commas: 0,
            header: true,
            offset: bom.len() as u64,
            tail: Vec::new(),
            sha,
            failed: None,
            feeds: std::collections::VecDeque::new(),
            feeds_passed: 0,
            run_ends: std::collections::VecDeque::new(),
            in_run: false,
            bom: bom.len() as u64,
        }
    }

    /// The physical line (1-based) of the record the parser says starts at `byte`. The parser
    /// places a record just after the previous record's terminator (on the `\n` of a CRLF,
    /// before any blank lines), so the record really starts where that run of line ends
    /// ends. Calls come in increasing order (records are read in order), so what is behind
    /// is forgotten.
    fn line_at(&mut self, byte: u64) -> u64 {
        while self.run_ends.front().is_some_and(|&e| e < byte) {
            self.run_ends.pop_front();
        }
        let start = self.run_ends.front().copied().unwrap_or(byte);
        while self.feeds.front().is_some_and(|&f| f < start) {
            self.feeds.pop_front();
            self.feeds_passed += 1;
        }
        self.feeds_passed + 1
    }

    fn what(&self) -> &'static str {
        if self.header {
            "the header row"
        } else {
            "the row"
        }
    }

    fn fail(&mut self, line: u64, reason: String) -> bool {
        self.failed = Some((line, reason));
        false
    }

    fn utf8(&mut self, b: &[u8]) -> bool {
        let joined;
        let data: &[u8] = if self.tail.is_empty() {
            b
        } else {
            joined = [&self.tail[..], b].concat();
            &joined
        };
        let start = self.offset - self.tail.len() as u64;
        match std::str::from_utf8(data) {
            Ok(_) => self.tail.clear(),
            Err(e) if e.error_len().is_none() && !b.is_empty() => {
                self.tail = data[e.valid_up_to()..].to_vec();
            }
            Err(e) => {
                let at = e.valid_up_to();
                let line = self.line + data[..at].iter().filter(|c| **c == b'\n').count() as u64;
                let reason = format!(
                    "not UTF-8 (byte 0x{:02X} at offset {}); {}",
                    data[at],
                    start + at as u64,
                    encoding_hint(data)
                );
                return self.fail(line, reason);
            }
        }
        true
    }

    /// Check one chunk; false (with `failed` set) when it breaks a limit. An empty chunk is
    /// the end of the file.
    fn feed(&mut self, b: &[u8]) -> bool {
        use sha2::Digest;
        if !self.utf8(b) {
            return false;
        }
        let base = self.offset - self.bom;
        for (k, &c) in b.iter().enumerate() {
            if c == b'\n' {
                self.feeds.push_back(base + k as u64);
            }
            let line_end = self.q != Field::Quoted && (c == b'\n' || c == b'\r');
            if self.in_run && !line_end {
                self.run_ends.push_back(base + k as u64);
            }
            self.in_run = line_end;
            self.row_bytes += 1;
            match (self.q, c) {
                (Field::Quoted, b'"') => self.q = Field::AfterQuote,
                (Field::Quoted, b'\n') => self.line += 1,
                (Field::Quoted, _) => {}
                (Field::Start, b'"') | (Field::AfterQuote, b'"') => self.q = Field::Quoted,
                (_, b',') => {
                    self.commas += 1;
                    self.q = Field::Start;
                }
                (_, b'\n' | b'\r') => {
                    if c == b'\n' {
                        self.line += 1;
                    }
                    self.row_line = self.line;
                    self.header = false;
                    self.row_bytes = 0;
                    self.commas = 0;
                    self.q = Field::Start;
                }
                _ => self.q = Field::Plain,
            }
            if self.row_bytes > MAX_ROW_BYTES {
                let (line, what) = (self.row_line, self.what());
                return self.fail(
                    line,
                    format!(
                        "{what} is longer than {MAX_ROW_BYTES} bytes (1 MiB), the limit for one row"
                    ),
                );
            }
            if self.commas >= MAX_COLUMNS {
                let (line, what) = (self.row_line, self.what());
                return self.fail(
                    line,
                    format!("{what} has more than {MAX_COLUMNS} columns, the limit"),
                );
            }
        }
        self.sha.update(b);
        self.offset += b.len() as u64;
        true
    }
}

/// A reader that passes bytes through `Scan`; a broken limit is an I/O error to the csv
/// parser, which then stops (the reason is in `scan.failed`).
struct Bounded<R> {
    inner: R,
    scan: Scan,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.scan.failed.is_some() {
            return Err(std::io::Error::other("stopped at a limit"));
        }
        let n = self.inner.read(buf)?;
        if self.scan.feed(&buf[..n]) {
            Ok(n)
        } else {
            Err(std::io::Error::other("stopped at a limit"))
        }
    }
}

fn read_table(
    dir: &Path,
    name: &str,
    known: &[&str],
    required: &[&str],
    opt: &ReadOptions,
    errs: &mut Errors,
) -> Option<Table> {
    let mut rows = Vec::new();
    let mut t = read_table_each(
        dir,
        FileSpec {
            name,
            known,
            required,
        },
        opt,
        None,
        errs,
        &mut |_, line, row, _| {
            rows.push((line, row));
        },
    )?;
    t.rows = rows;
    Some(t)
}

/// A bundle file: its name, the columns it may have and those it must have.
#[derive(Clone, Copy)]
struct FileSpec<'a> {
    name: &'a str,
    known: &'a [&'a str],
    required: &'a [&'a str],
}

/// observations.csv, read by streaming.
const OBS_FILE: FileSpec<'static> = FileSpec {
    name: "observations.csv",
    known: OBS_COLS,
    required: OBS_REQ,
};

/// Read a CSV file row by row, handing each row (trimmed, NFC) to `each` as it is read: a
/// file of millions of rows is never held whole. The table passed to `each` names the file
/// and holds no rows; the one returned has the file's SHA-256. `None` when the file cannot be
/// read at all (the reason is in `errs`; rows already handed over stay handed over).
fn read_table_each(
    dir: &Path,
    file: FileSpec,
    opt: &ReadOptions,
    preset: Option<Style>,
    errs: &mut Errors,
    each: &mut dyn FnMut(&Table, u64, Row, &mut Errors),
) -> Option<Table> {
    let FileSpec {
        name,
        known,
        required,
    } = file;
    let path = dir.join(name);
    // a link may point anywhere: only files inside the bundle folder are read
    if let Ok(lm) = std::fs::symlink_metadata(&path)
        && lm.file_type().is_symlink()
    {
        let inside = match (std::fs::canonicalize(&path), std::fs::canonicalize(dir)) {
            (Ok(target), Ok(root)) => target.starts_with(&root),
            _ => false,
        };
        if !inside {
            errs.push(name, 0, "", "is a symbolic link pointing outside the bundle folder; copy the file into the bundle instead");
            return None;
        }
    }
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) => {
            errs.push(name, 0, "", format!("cannot read {}: {e}", path.display()));
            return None;
        }
    };
    if !meta.is_file() {
        errs.push(name, 0, "", "is not a regular file");
        return None;
    }
    if meta.len() > MAX_FILE_BYTES {
        errs.push(
            name,
            0,
            "",
            format!(
                "file is {} bytes, over the {} byte limit",
                meta.len(),
                MAX_FILE_BYTES
            ),
        );
        return None;
    }
    let mut file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            errs.push(name, 0, "", format!("cannot read: {e}"));
            return None;
        }
    };
    let mut head = Vec::new();
    if let Err(e) = (&mut file).take(SNIFF_BYTES).read_to_end(&mut head) {
        errs.push(name, 0, "", format!("cannot read: {e}"));
        return None;
    }
    let compressed = match head.get(..4) {
        Some([0x1F, 0x8B, ..]) => Some("gzip"),
        Some([b'P', b'K', 3, 4]) => Some("zip (an .xlsx workbook is a zip too)"),
        Some([b'B', b'Z', b'h', _]) => Some("bzip2"),
        Some([0xFD, b'7', b'z', b'X']) => Some("xz"),
        Some([0x28, 0xB5, 0x2F, 0xFD]) => Some("zstd"),
        _ => None,
    };
    if let Some(kind) = compressed {
        errs.push(name, 0, "", format!("is a compressed file ({kind}), not CSV text; unpack it (or export CSV UTF-8 from the spreadsheet) and import the CSV"));
        return None;
    }
    if let Some(order) = utf16_order(&head) {
        let stem = name.strip_suffix(".csv").unwrap_or(name);
        // a name the shell would split or expand is quoted in the command
        let q = |s: &str| {
            if s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-+".contains(&b))
            {
                s.to_string()
            } else {
                format!("'{}'", s.replace('\'', "'\\''"))
            }
        };
        let (shown, conv) = (q(name), q(&format!("{stem}.utf8.csv")));
        errs.push(
            name,
            1,
            "",
            format!(
                "is UTF-16 text ({order}), not UTF-8; convert it with: iconv -f {order} -t UTF-8 {shown} > {conv} && mv {conv} {shown} (or save it from the spreadsheet as \"CSV UTF-8\")"
            ),
        );
        return None;
    }
    let bom = if head.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    if (head.len() as u64) < SNIFF_BYTES && head[bom..].iter().all(|b| b.is_ascii_whitespace()) {
        errs.push(name, 1, "", "file is empty (expected a header row)");
        return None;
    }
    let src = Bounded {
        scan: Scan::new(&head[..bom]),
        inner: std::io::Cursor::new(head[bom..].to_vec()).chain(file),
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(src);
    // the reason a read stopped at a limit, or the csv parser's own
    let stopped = |rdr: &mut csv::Reader<Bounded<_>>, errs: &mut Errors, e: &csv::Error| {
        if let Some((line, why)) = &rdr.get_ref().scan.failed {
            errs.push(name, *line, "", why.clone());
            true
        } else {
            let line = match e.position() {
                Some(p) => rdr.get_mut().scan.line_at(p.byte()),
                None => 0,
            };
            errs.push(name, line, "", format!("malformed CSV row: {e}"));
            false
        }
    };
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(e) => {
            let e = e.to_string();
            match &rdr.get_ref().scan.failed {
                Some((line, why)) => errs.push(name, *line, "", why.clone()),
                None => errs.push(name, 1, "", format!("cannot read the header row: {e}")),
            }
            return None;
        }
    };
    let mut ok = true;
    let mut seen = HashSet::new();
    for h in &headers {
        if h.len() > MAX_FIELD_BYTES {
            errs.push(
                name,
                1,
                &excerpt(h),
                format!(
                    "header word is {} bytes, over the {MAX_FIELD_BYTES} byte limit",
                    h.len()
                ),
            );
            ok = false;
            continue;
        }
        if !seen.insert(h.clone()) {
            errs.push(name, 1, &excerpt(h), "column appears twice in the header");
            ok = false;
        }
        if !known.contains(&h.as_str()) && !opt.ignore_unknown_columns {
            errs.push(
                name,
                1,
                &excerpt(h),
                format!(
                    "unknown column (known: {}; or pass --ignore-unknown-columns)",
                    known.join(", ")
                ),
            );
            ok = false;
        }
    }
    for r in required {
        if !headers.iter().any(|h| h == r) {
            errs.push(name, 1, r, "required column is missing from the header");
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    let head: std::rc::Rc<[Box<str>]> = headers.iter().map(|h| h.as_str().into()).collect();
    // rows handed over before the end know the file's writing only when a first read told it
    let mut table = Table {
        file: name.to_string(),
        rows: Vec::new(),
        sha256: String::new(),
        style: preset.clone().unwrap_or_default(),
    };
    let mut rec = csv::StringRecord::new();
    let mut evidence = Evidence::default();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let line = match rec.position() {
                    Some(p) => rdr.get_mut().scan.line_at(p.byte()),
                    None => 0,
                };
                let mut m = csv::StringRecord::with_capacity(rec.as_slice().len(), rec.len());
                for (h, v) in headers.iter().zip(rec.iter()) {
                    if v.len() > MAX_FIELD_BYTES {
                        errs.push(
                            name,
                            line,
                            h,
                            format!(
                                "field is {} bytes, over the {MAX_FIELD_BYTES} byte limit",
                                v.len()
                            ),
                        );
                        m.push_field("");
                        continue;
                    }
                    let v = v.trim();
                    if NUMBER_COLS.contains(&h.as_str()) {
                        evidence.observe(line, h, v);
                    }
                    if v.is_empty() || !known.contains(&h.as_str()) {
                        m.push_field("");
                    } else if unicode_normalization::is_nfc_quick(v.chars())
                        == unicode_normalization::IsNormalized::Yes
                    {
                        m.push_field(v);
                    } else {
                        m.push_field(&nfc(v));
                    }
                }
                each(
                    &table,
                    line,
                    Row {
                        head: head.clone(),
                        rec: m,
                    },
                    errs,
                );
            }
            Err(e) => {
                if stopped(&mut rdr, errs, &e) {
                    return None;
                }
            }
        }
    }
    let style = match evidence.decide(opt.locale_vi) {
        Ok(s) => s,
        Err((line, col, why)) => {
            errs.push(name, line, &col, why);
            return None;
        }
    };
    // the end of the file: an unfinished UTF-8 character there is not UTF-8 either
    let mut scan = rdr.into_inner().scan;
    if !scan.feed(&[]) {
        let (line, why) = scan.failed.take().unwrap_or_default();
        errs.push(name, line, "", why);
        return None;
    }
    use sha2::Digest;
    table.sha256 = scan
        .sha
        .finalize()
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect();
    table.style = style;
    Some(table)
}

/// A year is four plain digits (`2021`; not `+2021` or `2021.0`) between 1900 and 2100.
fn parse_year(t: &Table, line: u64, col: &str, v: &str, errs: &mut Errors) -> Option<u16> {
    let digits = v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit());
    match v.parse::<u16>() {
        Ok(y) if digits && (1900..=2100).contains(&y) => Some(y),
        _ => {
            errs.push(
                &t.file,
                line,
                col,
                format!(
                    "\"{v}\" is not a four-digit year between 1900 and 2100",
                    v = excerpt(v)
                ),
            );
            None
        }
    }
}

/// The largest count (households, people ...) or measure (km, ha) accepted: Vietnam has
/// about 100 million people; a larger figure is a typo, and sums of such overflow.
pub const MAX_COUNT: f64 = 1e9;
/// The largest amount (a number indicator: income, money), either sign.
pub const MAX_AMOUNT: f64 = 1e12;
/// A measured denominator (km, ha) other than 0 is at least this (1 m in km); less is a
/// typo, or a value like `1e-320` that makes every percentage infinite.
pub const MIN_MEASURE: f64 = 1e-3;

/// What a numeric field holds, which decides its plausible range.
#[derive(Clone, Copy)]
enum Quantity<'a> {
    /// Whole things (the unit names them): 0 ..= MAX_COUNT, whole.
    Count(&'a str),
    /// A measure in a unit (km, ha) or without one: 0 ..= MAX_COUNT.
    Measure(&'a str),
    /// A percentage: 0 ..= 100.
    Percent,
    /// A number indicator's value: finite, within ±MAX_AMOUNT.
    Amount,
}

impl Quantity<'_> {
    /// The quantity a ratio's counts (or a number indicator's value) are in.
    fn of(ind: &crate::framework::Indicator, value: bool) -> Quantity<'_> {
        match (ind.counts_whole(), value) {
            (true, _) => Quantity::Count(&ind.unit),
            (false, true) => Quantity::Amount,
            (false, false) => Quantity::Measure(&ind.unit),
        }
    }

    /// Why `x` (written `v`) is not plausible, if it is not.
    fn problem(self, x: f64, v: &str, denominator: bool) -> Option<String> {
        let v = excerpt(v);
        let in_unit = |u: &str| {
            if u.is_empty() {
                String::new()
            } else {
                format!(" (in {})", excerpt(u))
            }
        };
        match self {
            Quantity::Percent if !(0.0..=100.0).contains(&x) => {
                Some(format!("{v} is not a percentage between 0 and 100"))
            }
            Quantity::Count(_) | Quantity::Measure(_) if x < 0.0 => {
                Some(format!("{v} is negative; counts cannot be"))
            }
            Quantity::Count(u) | Quantity::Measure(u) if x > MAX_COUNT => Some(format!(
                "{v} is over 1000000000, the largest count or measure accepted{}",
                in_unit(u)
            )),
            Quantity::Count(u) if x.fract() != 0.0 => Some(format!(
                "{v} is not a whole number; this indicator counts {}",
                excerpt(u),
            )),
            Quantity::Measure(u) if denominator && x > 0.0 && x < MIN_MEASURE => Some(format!(
                "denominator {v} is below {MIN_MEASURE}{}; a denominator is 0 or a real measure",
                in_unit(u)
            )),
            Quantity::Amount if x.abs() > MAX_AMOUNT => Some(format!(
                "{v} is beyond ±1000000000000, the largest amount accepted"
            )),
            _ => None,
        }
    }
}

/// A number written the import's way (plain, or Vietnamese with `--locale vi`): finite,
/// with `-0` read as 0.
fn parse_num(
    t: &Table,
    line: u64,
    col: &str,
    v: &str,
    opt: &ReadOptions,
    errs: &mut Errors,
) -> Option<f64> {
    let vi = t.style == Style::Vietnamese && !r_typed(v);
    let v = numbers::untyped(v);
    let n = if vi { parse_vi(v) } else { parse_plain(v) };
    if n.is_none() {
        let hint = if !opt.locale_vi && (v.contains(',') || v.matches('.').count() > 1) {
            " (use \".\" as decimal point and no thousands separator, or pass --locale vi)"
        } else {
            ""
        };
        errs.push(
            &t.file,
            line,
            col,
            format!("\"{v}\" is not a number{hint}", v = excerpt(v)),
        );
    }
    // `-0 + 0` is `+0`: no negative zero reaches the store or the output
    n.map(|x| x + 0.0)
}

/// A number checked against the plausible range of what it holds.
#[allow(clippy::too_many_arguments)]
fn parse_quantity(
    t: &Table,
    line: u64,
    col: &str,
    v: &str,
    q: Quantity,
    opt: &ReadOptions,
    errs: &mut Errors,
) -> Option<f64> {
    let x = parse_num(t, line, col, v, opt, errs)?;
    // an ambiguous `16.003` outside Vietnamese reading (typed workbook numbers are never)
    if t.style != Style::Vietnamese && !r_typed(v) {
        let (count, unit) = match q {
            Quantity::Count(u) => (true, u),
            Quantity::Measure(u) => (false, u),
            Quantity::Amount => (false, ""),
            Quantity::Percent => (false, ""),
        };
        let percent = matches!(q, Quantity::Percent);
        match numbers::ambiguity(v, count, unit, &t.style) {
            // a thousandfold percentage is over 100: the machine reading is the only one
            _ if percent => {}
            Some(Ambiguity::Refuse(why)) => {
                errs.push(&t.file, line, col, why);
                return None;
            }
            Some(Ambiguity::Warn(why)) => errs.warn(&t.file, line, col, why),
            None => {}
        }
    }
    let v = numbers::untyped(v);
    match q.problem(x, v, col == "denominator") {
        Some(p) => {
            errs.push(&t.file, line, col, p);
            None
        }
        None => Some(x),
    }
}

/// Columns that carry a figure: a row with none of them is a template row nobody filled in.
const FIGURE_COLS: &[&str] = &[
    "value",
    "numerator",
    "denominator",
    "stated_percent",
    "units_met",
    "units_total",
];

/// An observation row without any figure (a data-entry template's untouched row): skipped
/// and counted, not an error; a row with some figures but not enough stays an error.
fn without_figure(r: &Row) -> bool {
    FIGURE_COLS.iter().all(|c| r.get(c).is_none())
}

/// Did the workbook reader mark this cell as a typed number?
fn r_typed(v: &str) -> bool {
    v.starts_with(numbers::TYPED)
}

/// A count of units (`units_met`, `units_total`): plain digits, at most `MAX_COUNT`.
fn parse_int(t: &Table, line: u64, col: &str, v: &str, errs: &mut Errors) -> Option<u32> {
    match v.parse::<u32>() {
        Ok(n) if v.bytes().all(|b| b.is_ascii_digit()) && f64::from(n) <= MAX_COUNT => Some(n),
        _ => {
            errs.push(
                &t.file,
                line,
                col,
                format!(
                    "\"{v}\" is not a whole number between 0 and 1000000000",
                    v = excerpt(v)
                ),
            );
            None
        }
    }
}

/// Read and validate the bundle in `dir` against the frameworks in `reg` and the units already
/// in the store. Returns every problem found (up to a cap), or the bundle.
pub fn read_bundle(
    dir: &Path,
    reg: &Registry,
    stored: &Units,
    opt: &ReadOptions,
) -> Result<Bundle, Vec<BadRow>> {
    let mut obs = Vec::new();
    let mut b = read_bundle_into(dir, reg, stored, opt, &mut |o| {
        obs.push(o);
        Ok(())
    })?;
    b.observations = obs;
    Ok(b)
}

/// `read_bundle`, handing each valid observation to `sink` as its row is read instead of
/// keeping it (`observations` of the bundle returned is empty): `ntm import` stages a national
/// bundle this way without ever holding it. The sink may have taken rows of a bundle that is
/// then rejected; the caller drops them. A sink error (a full disk) is reported like a bad row.
pub fn read_bundle_into(
    dir: &Path,
    reg: &Registry,
    stored: &Units,
    opt: &ReadOptions,
    sink: &mut dyn FnMut(Observation) -> Result<(), String>,
) -> Result<Bundle, Vec<BadRow>> {
    let mut errs = Errors {
        list: Vec::new(),
        more: 0,
        warnings: Vec::new(),
        units_unread: false,
    };
    let md = std::fs::symlink_metadata(dir);
    match md {
        Ok(m) if m.is_dir() || (m.file_type().is_symlink() && dir.is_dir()) => {}
        Ok(_) => {
            return Err(vec![BadRow {
                file: dir.display().to_string(),
                line: 0,
                column: String::new(),
                reason: "a bundle is a folder holding units.csv, observations.csv and optionally recognitions.csv; this is a file".into(),
            }]);
        }
        Err(e) => {
            return Err(vec![BadRow {
                file: dir.display().to_string(),
                line: 0,
                column: String::new(),
                reason: format!("cannot open the bundle folder: {e}"),
            }]);
        }
    }
    let units_t = read_table(dir, "units.csv", UNIT_COLS, UNIT_REQ, opt, &mut errs);
    // its reason is listed once; the codes of the other files are not checked against it
    errs.units_unread = units_t.is_none();
    let rec_t = if dir.join("recognitions.csv").exists() {
        read_table(dir, "recognitions.csv", REC_COLS, REC_REQ, opt, &mut errs)
    } else {
        None
    };
    let merge_t = if dir.join("merges.csv").exists() {
        read_table(dir, "merges.csv", MERGE_COLS, MERGE_REQ, opt, &mut errs)
    } else {
        None
    };

    let mut b = Bundle::default();
    let mut all_units = stored.clone();
    if let Some(t) = &units_t {
        let mut codes = HashMap::new();
        // what each code looks like → the code (and its line, or the store): a look-alike of
        // a known code is refused
        let mut looks: HashMap<String, (String, Option<u64>)> = stored
            .map
            .keys()
            .map(|c| (super::codes::skeleton(c), (c.clone(), None)))
            .collect();
        for (line, r) in &t.rows {
            let line = *line;
            let get = |c: &str| r.get(c);
            let mut ok = t.has_required(line, r, UNIT_REQ, &mut errs);
            if let Some(code) = get("code")
                && code.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                errs.push(
                    &t.file,
                    line,
                    "code",
                    format!(
                        "unit code \"{code}\" contains spaces or control characters",
                        code = excerpt(code)
                    ),
                );
                ok = false;
            }
            if let Some(code) = get("code")
                && let Some(why) = super::codes::invisible_problem(code)
            {
                errs.push(&t.file, line, "code", why);
                ok = false;
            } else if let Some(code) = get("code") {
                let sk = super::codes::skeleton(code);
                match looks.get(&sk) {
                    Some((other, at)) if other != code => {
                        let at = match at {
                            Some(l) => format!("on line {l}"),
                            None => "in the store".into(),
                        };
                        errs.push(
                            &t.file,
                            line,
                            "code",
                            format!(
                                "unit code {} is confusable with {} {at}: it differs {}",
                                excerpt(code),
                                excerpt(other),
                                super::codes::how_confusable(code, other)
                            ),
                        );
                        ok = false;
                    }
                    Some(_) => {}
                    None => {
                        looks.insert(sk, (code.to_string(), Some(line)));
                    }
                }
            }
            if let Some(code) = get("code")
                && let Some(prev) = codes.insert(code.to_string(), line)
            {
                errs.push(
                    &t.file,
                    line,
                    "code",
                    format!(
                        "unit {code} already defined on line {prev}",
                        code = excerpt(code)
                    ),
                );
                ok = false;
            }
            let level = get("level").and_then(|l| {
                let lv = Level::parse(l);
                if lv.is_none() {
                    errs.push(
                        &t.file,
                        line,
                        "level",
                        format!(
                            "\"{l}\" is not province, district or commune",
                            l = excerpt(l)
                        ),
                    );
                }
                lv
            });
            if let Some(reg_s) = get("region")
                && !REGIONS.contains(&reg_s)
            {
                errs.push(
                    &t.file,
                    line,
                    "region",
                    format!(
                        "unknown region \"{reg_s}\" (one of {})",
                        REGIONS.join(", "),
                        reg_s = excerpt(reg_s)
                    ),
                );
                ok = false;
            }
            if let Some(g) = get("commune_group")
                && !COMMUNE_GROUPS.contains(&g)
            {
                errs.push(
                    &t.file,
                    line,
                    "commune_group",
                    format!(
                        "unknown commune group \"{g}\" (one of {}; QĐ 51/2025/QĐ-TTg)",
                        COMMUNE_GROUPS.join(", "),
                        g = excerpt(g)
                    ),
                );
                ok = false;
            }
            let vf =
                get("valid_from").and_then(|v| parse_year(t, line, "valid_from", v, &mut errs));
            let vt = get("valid_to").and_then(|v| parse_year(t, line, "valid_to", v, &mut errs));
            if let (Some(a), Some(z)) = (vf, vt)
                && a > z
            {
                errs.push(
                    &t.file,
                    line,
                    "valid_to",
                    format!("valid_to {z} is before valid_from {a}"),
                );
                ok = false;
            }
            if let (Some(level), Some(code), Some(name)) = (level, get("code"), get("name")) {
                // a column the file does not have keeps what the store holds: a data-entry
                // template (code, name, level, parent, region) must not erase a unit's history
                let stored = stored.get(code);
                let field = |c: &str, kept: Option<&String>| -> Option<String> {
                    if r.has(c) {
                        get(c).map(str::to_string)
                    } else {
                        kept.cloned()
                    }
                };
                let u = Unit {
                    code: code.to_string(),
                    name: name.to_string(),
                    level,
                    parent_code: field("parent_code", stored.and_then(|s| s.parent_code.as_ref())),
                    region: field("region", stored.and_then(|s| s.region.as_ref())),
                    valid_from: if r.has("valid_from") {
                        vf
                    } else {
                        stored.and_then(|s| s.valid_from)
                    },
                    valid_to: if r.has("valid_to") {
                        vt
                    } else {
                        stored.and_then(|s| s.valid_to)
                    },
                    successor_code: field(
                        "successor_code",
                        stored.and_then(|s| s.successor_code.as_ref()),
                    ),
                    commune_group: field(
                        "commune_group",
                        stored.and_then(|s| s.commune_group.as_ref()),
                    ),
                };
                // known for references even when this row has an error, so that one bad
                // cell is reported once and not again on every row that names the unit
                all_units.insert(u.clone());
                if ok {
                    b.units.push(u);
                }
            }
        }
        // references between units, now that all are known
        for (line, r) in &t.rows {
            for col in ["parent_code", "successor_code"] {
                if let Some(p) = r.get(col) {
                    if all_units.get(p).is_none() {
                        errs.push(
                            &t.file,
                            *line,
                            col,
                            format!(
                                "{p} is not a unit in units.csv or in the store",
                                p = excerpt(p)
                            ),
                        );
                    } else if r.get("code") == Some(p) {
                        errs.push(&t.file, *line, col, "a unit cannot refer to itself");
                    } else if col == "parent_code"
                        && let Some(code) = r.get("code")
                    {
                        hierarchy(t, *line, code, p, &all_units, &mut errs);
                    }
                }
            }
            // a province with a parent (a self-reference or a missing parent is named above)
            if let (Some(code), Some(p)) = (r.get("code"), r.get("parent_code"))
                && all_units
                    .get(code)
                    .is_some_and(|u| u.level == Level::Province)
                && all_units.get(p).is_some()
                && p != code
                && let Some(why) = super::codes::level_problem(Level::Province, Level::Province)
            {
                errs.push(&t.file, *line, "parent_code", why);
            }
        }
    }

    // observations, row by row: validated, checked for repeats and handed to the sink. How
    // the file writes its numbers is decided from all its figures first (a quick first read).
    let mut first = Errors {
        list: Vec::new(),
        more: 0,
        warnings: Vec::new(),
        units_unread: false,
    };
    let obs_style = read_table_each(dir, OBS_FILE, opt, None, &mut first, &mut |_, _, _, _| {})
        .map(|t| t.style);
    if obs_style.is_none() {
        // the file cannot be read as it is: its problems, once
        for r in first.list {
            errs.push(&r.file, r.line, &r.column, r.reason);
        }
        errs.more += first.more;
    }
    let mut seen = SeenKeys::default();
    let mut repeats: Vec<Repeat> = Vec::new();
    let mut sink_failed = false;
    let obs_t = obs_style.and_then(|style| {
        read_table_each(
            dir,
            OBS_FILE,
            opt,
            Some(style),
            &mut errs,
            &mut |t, line, r, errs| {
                if without_figure(&r) {
                    b.skipped_empty += 1;
                    return;
                }
                let Some(o) = observation_row(t, line, &r, reg, &all_units, opt, errs) else {
                    return;
                };
                if !seen.insert(&o) {
                    repeats.push(Repeat {
                        listed: (errs.list.len() < MAX_ERRORS).then_some(errs.list.len()),
                        key: (
                            o.unit_code.clone(),
                            o.framework.clone(),
                            o.indicator.clone(),
                            o.year,
                        ),
                        line,
                    });
                    // the earlier line is found once the whole file has been read
                    errs.push(&t.file, line, "indicator", String::new());
                    return;
                }
                if sink_failed || !errs.list.is_empty() {
                    // the bundle is rejected already: no point staging more
                    return;
                }
                if let Err(e) = sink(o) {
                    errs.push(
                        &t.file,
                        line,
                        "",
                        format!("cannot keep the row for the import: {e}"),
                    );
                    sink_failed = true;
                }
            },
        )
    });
    if !repeats.is_empty() {
        name_earlier_lines(dir, opt, &mut repeats, &mut errs);
    }

    if let Some(t) = &rec_t {
        let mut seen = HashMap::new();
        // the line of each accepted recognition, to name it when a unit comes back
        let mut rec_lines: Vec<u64> = Vec::new();
        for (line, r) in &t.rows {
            let line = *line;
            let get = |c: &str| r.get(c);
            let mut ok = t.has_required(line, r, REC_REQ, &mut errs);
            if !ok {
                continue;
            }
            let unit = get("unit_code").unwrap();
            if all_units.get(unit).is_none() {
                if !errs.units_unread {
                    errs.push(
                        &t.file,
                        line,
                        "unit_code",
                        format!(
                            "{unit} is not a unit in units.csv or in the store",
                            unit = excerpt(unit)
                        ),
                    );
                }
                ok = false;
            }
            let kind = RecognitionKind::parse(get("kind").unwrap());
            if kind.is_none() {
                errs.push(
                    &t.file,
                    line,
                    "kind",
                    format!(
                        "\"{}\" is not ntm, nang_cao or kieu_mau",
                        excerpt(get("kind").unwrap())
                    ),
                );
            }
            let year = parse_year(t, line, "year", get("year").unwrap(), &mut errs);
            if let (true, Some(kind), Some(year)) = (ok, kind, year) {
                if let Some(prev) = seen.insert((unit.to_string(), kind, year), line) {
                    errs.push(
                        &t.file,
                        line,
                        "kind",
                        format!(
                            "{unit} {} {year} already given on line {prev}",
                            kind.as_str(),
                            unit = excerpt(unit)
                        ),
                    );
                    continue;
                }
                let r = Recognition {
                    unit_code: unit.to_string(),
                    kind,
                    year,
                    decision: get("decision").map(str::to_string),
                    issuer: get("issuer").map(str::to_string),
                };
                let here = b
                    .recognitions
                    .iter()
                    .zip(rec_lines.iter().map(|l| Some(*l)));
                let stored = opt.recognitions.iter().map(|x| (x, None));
                if let Some(why) = here
                    .chain(stored)
                    .find_map(|(x, at)| super::recognitions::twice(&r, x, at))
                {
                    errs.push(&t.file, line, "year", why);
                    continue;
                }
                b.recognitions.push(r);
                rec_lines.push(line);
            }
        }
    }

    if let Some(t) = &merge_t {
        b.merges = merge_rows(t, &all_units, &[], &mut errs);
    }

    if errs.list.is_empty() {
        // for the change log: which files, with their SHA-256 as read, made this import
        let parts: Vec<String> = [&units_t, &obs_t, &rec_t, &merge_t]
            .into_iter()
            .flatten()
            .map(|t| format!("{} sha256 {}", t.file, t.sha256))
            .collect();
        b.origin = Some((dir.display().to_string(), parts.join(", ")));
        b.warnings = std::mem::take(&mut errs.warnings);
        Ok(b)
    } else {
        if errs.more > 0 {
            errs.list.push(BadRow {
                file: String::new(),
                line: 0,
                column: String::new(),
                reason: format!("… and {} more problems not listed", errs.more),
            });
        }
        Err(errs.list)
    }
}

/// A unit's place under its parent: a level below it, and no loop back to itself.
fn hierarchy(t: &Table, line: u64, code: &str, parent: &str, units: &Units, errs: &mut Errors) {
    let (Some(u), Some(p)) = (units.get(code), units.get(parent)) else {
        return;
    };
    if u.level != Level::Province
        && let Some(why) = super::codes::level_problem(u.level, p.level)
    {
        errs.push(
            &t.file,
            line,
            "parent_code",
            format!("{} ({} {})", why, p.level.as_str(), excerpt(parent)),
        );
    }
    if let Some(chain) = super::codes::parent_loop(units, code) {
        errs.push(
            &t.file,
            line,
            "parent_code",
            format!("the parent chain loops: {chain}"),
        );
    }
}

/// Validate the rows of a merge file against the units (the store's plus the bundle's) and the
/// merges already stored. Errors go to `errs`; the valid rows come back.
fn merge_rows(t: &Table, units: &Units, stored: &[Merge], errs: &mut Errors) -> Vec<Merge> {
    let mut out: Vec<(u64, Merge)> = Vec::new();
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    for (line, r) in &t.rows {
        let line = *line;
        let get = |c: &str| r.get(c);
        let mut ok = t.has_required(line, r, MERGE_REQ, errs);
        if !ok {
            continue;
        }
        let (old, new, date) = (
            get("old_code").unwrap(),
            get("new_code").unwrap(),
            get("effective_date").unwrap(),
        );
        let mut found = |col: &str, code: &str| {
            let u = units.get(code);
            if u.is_none() && !errs.units_unread {
                errs.push(
                    &t.file,
                    line,
                    col,
                    format!(
                        "{code} is not a unit in units.csv or in the store",
                        code = excerpt(code)
                    ),
                );
            }
            u
        };
        let (ou, nu) = (found("old_code", old), found("new_code", new));
        let parsed = parse_date(date);
        if parsed.is_none() {
            errs.push(
                &t.file,
                line,
                "effective_date",
                date_problem(&excerpt(date)),
            );
        }
        let (Some(ou), Some(nu), Some((y, _, _))) = (ou, nu, parsed) else {
            continue;
        };
        if old == new {
            errs.push(&t.file, line, "new_code", "a unit cannot merge into itself");
            continue;
        }
        if ou.level != nu.level {
            errs.push(
                &t.file,
                line,
                "new_code",
                format!(
                    "{old} is a {} but {new} is a {}; a merge joins units of one level",
                    ou.level.as_str(),
                    nu.level.as_str(),
                    old = excerpt(old),
                    new = excerpt(new)
                ),
            );
            ok = false;
        }
        if let Some(z) = ou.valid_to
            && z != y
            && z + 1 != y
        {
            errs.push(
                &t.file,
                line,
                "effective_date",
                format!(
                    "effective year {y} does not fit valid_to {z} of {old} (the old unit ends the year before the merger or in its year: {} or {y})",
                    y - 1, old = excerpt(old)),
            );
            ok = false;
        }
        if let Some(a) = nu.valid_from
            && a != y
            && a != y + 1
        {
            errs.push(
                &t.file,
                line,
                "effective_date",
                format!(
                    "effective year {y} does not fit valid_from {a} of {new} (the new unit starts in the merger's year or the next: {y} or {})",
                    y + 1, new = excerpt(new)),
            );
            ok = false;
        }
        if let Some(prev) = seen.insert((old.to_string(), new.to_string()), line) {
            errs.push(
                &t.file,
                line,
                "new_code",
                format!(
                    "{old} → {new} already given on line {prev}",
                    old = excerpt(old),
                    new = excerpt(new)
                ),
            );
            ok = false;
        }
        if ok {
            out.push((
                line,
                Merge {
                    old_code: old.to_string(),
                    new_code: new.to_string(),
                    effective_date: date.to_string(),
                    decision: get("decision").map(str::to_string),
                },
            ));
        }
    }
    // an old unit's successor_code must be one of the units it went into
    for (line, m) in &out {
        let Some(s) = units
            .get(&m.old_code)
            .and_then(|u| u.successor_code.as_deref())
        else {
            continue;
        };
        let into: Vec<&str> = out
            .iter()
            .map(|(_, x)| x)
            .chain(stored)
            .filter(|x| x.old_code == m.old_code)
            .map(|x| x.new_code.as_str())
            .collect();
        if !into.contains(&s) {
            errs.push(
                &t.file,
                *line,
                "new_code",
                format!(
                    "{} has successor_code {s} in units.csv, but goes into {} here",
                    m.old_code,
                    into.join(", "),
                    s = excerpt(s)
                ),
            );
        }
    }
    out.into_iter().map(|(_, m)| m).collect()
}

/// Read and validate a merge file on its own (`ntm merges import FILE.csv`): every unit must be
/// in the store already.
pub fn read_merges(
    path: &Path,
    stored: &Units,
    stored_merges: &[Merge],
    opt: &ReadOptions,
) -> Result<Vec<Merge>, Vec<BadRow>> {
    let mut errs = Errors {
        list: Vec::new(),
        more: 0,
        warnings: Vec::new(),
        units_unread: false,
    };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let merges = match read_table(dir, &name, MERGE_COLS, MERGE_REQ, opt, &mut errs) {
        Some(t) => merge_rows(&t, stored, stored_merges, &mut errs),
        None => Vec::new(),
    };
    if errs.list.is_empty() {
        Ok(merges)
    } else {
        if errs.more > 0 {
            errs.list.push(BadRow {
                file: String::new(),
                line: 0,
                column: String::new(),
                reason: format!("… and {} more problems not listed", errs.more),
            });
        }
        Err(errs.list)
    }
}

/// Which (unit, framework, indicator, year) the observations read so far gave: one bit per key,
/// so that a national file (7.6 M rows) is checked for repeats in a few MB instead of a map of
/// every key with its line.
#[derive(Default)]
struct SeenKeys {
    /// `unit \0 framework` → number.
    groups: FastMap<Box<str>, u32>,
    /// `framework \0 indicator` → number.
    indicators: FastMap<Box<str>, u32>,
    /// (group, indicator, year / 64) → a bit per year.
    bits: FastMap<(u32, u32, u16), u64>,
    key: String,
}

impl SeenKeys {
    /// Note the observation's key; false when an earlier row had it.
    fn insert(&mut self, o: &Observation) -> bool {
        let number = |map: &mut FastMap<Box<str>, u32>, a: &str, b: &str, key: &mut String| {
            key.clear();
            key.push_str(a);
            key.push('\0');
            key.push_str(b);
            match map.get(key.as_str()) {
                Some(&n) => n,
                None => {
                    let n = map.len() as u32;
                    map.insert(key.as_str().into(), n);
                    n
                }
            }
        };
        let g = number(&mut self.groups, &o.unit_code, &o.framework, &mut self.key);
        let i = number(
            &mut self.indicators,
            &o.framework,
            &o.indicator,
            &mut self.key,
        );
        let word = self.bits.entry((g, i, o.year / 64)).or_default();
        let bit = 1u64 << (o.year % 64);
        let new = *word & bit == 0;
        *word |= bit;
        new
    }
}

/// A row that repeats an earlier row's key, with the place of its message in the list.
struct Repeat {
    listed: Option<usize>,
    key: (String, String, String, u16),
    line: u64,
}

/// Fill in the messages of repeated rows with the line that gave the key before: a second read
/// of observations.csv, only when a bundle has repeats (and is rejected anyway).
fn name_earlier_lines(dir: &Path, opt: &ReadOptions, repeats: &mut [Repeat], errs: &mut Errors) {
    let wanted: HashSet<&(String, String, String, u16)> = repeats.iter().map(|r| &r.key).collect();
    let mut lines: HashMap<(String, String, String, u16), Vec<u64>> = HashMap::new();
    let mut quiet = Errors {
        list: Vec::new(),
        more: 0,
        warnings: Vec::new(),
        units_unread: false,
    };
    read_table_each(
        dir,
        OBS_FILE,
        opt,
        None,
        &mut quiet,
        &mut |_, line, r, _| {
            let (Some(u), Some(f), Some(i), Some(y)) = (
                r.get("unit_code"),
                r.get("framework"),
                r.get("indicator"),
                r.get("year").and_then(|y| y.parse::<u16>().ok()),
            ) else {
                return;
            };
            let k = (u.to_string(), f.to_string(), i.to_string(), y);
            if wanted.contains(&k) {
                lines.entry(k).or_default().push(line);
            }
        },
    );
    for r in repeats.iter() {
        let Some(at) = r.listed else { continue };
        let prev = lines
            .get(&r.key)
            .and_then(|ls| ls.iter().filter(|&&l| l < r.line).max())
            .map_or_else(|| "?".to_string(), u64::to_string);
        let (unit, _, ind, year) = &r.key;
        errs.list[at].reason = format!("{unit} {ind} {year} already given on line {prev}");
    }
}

/// Validate one observation row (fields by column name, already NFC and trimmed). Errors go to
/// `errs`; the row comes back only when it is entirely valid.
#[allow(clippy::too_many_arguments)]
fn observation_row(
    t: &Table,
    line: u64,
    r: &Row,
    reg: &Registry,
    all_units: &Units,
    opt: &ReadOptions,
    errs: &mut Errors,
) -> Option<Observation> {
    let get = |c: &str| r.get(c);
    let mut ok = t.has_required(line, r, OBS_REQ, errs);
    if !ok {
        return None;
    }
    let (unit, fwid, ind_code, year_s) = (
        get("unit_code").unwrap(),
        get("framework").unwrap(),
        get("indicator").unwrap(),
        get("year").unwrap(),
    );
    if all_units.get(unit).is_none() {
        if !errs.units_unread {
            errs.push(
                &t.file,
                line,
                "unit_code",
                format!(
                    "{unit} is not a unit in units.csv or in the store",
                    unit = excerpt(unit)
                ),
            );
        }
        ok = false;
    }
    let year = parse_year(t, line, "year", year_s, errs);
    let Some(fw) = reg.get(fwid) else {
        let known: Vec<&str> = reg.frameworks.iter().map(|f| f.id.as_str()).collect();
        errs.push(
            &t.file,
            line,
            "framework",
            format!(
                "unknown framework {fwid} (known: {})",
                known.join(", "),
                fwid = excerpt(fwid)
            ),
        );
        return None;
    };
    let Some((_, ind)) = fw.indicator(ind_code) else {
        errs.push(
            &t.file,
            line,
            "indicator",
            format!(
                "framework {fwid} has no indicator {ind_code}",
                fwid = excerpt(fwid),
                ind_code = excerpt(ind_code)
            ),
        );
        return None;
    };
    let counts = Quantity::of(ind, false);
    let num = r
        .raw("numerator")
        .and_then(|v| parse_quantity(t, line, "numerator", v, counts, opt, errs));
    let den = r
        .raw("denominator")
        .and_then(|v| parse_quantity(t, line, "denominator", v, counts, opt, errs));
    let has_num = get("numerator").is_some();
    let has_den = get("denominator").is_some();
    let has_val = get("value").is_some();
    if has_num != has_den {
        let (c, missing) = if has_num {
            ("denominator", "denominator")
        } else {
            ("numerator", "numerator")
        };
        errs.push(
            &t.file,
            line,
            c,
            format!("numerator and denominator go together; {missing} is empty"),
        );
        ok = false;
    }
    // FORMAT.md §1: a pass/fail row always carries value, and may carry the counts behind it
    if ind.kind == Kind::Bool && !has_val && (has_num || has_den) {
        errs.push(
            &t.file,
            line,
            "value",
            format!(
                "indicator {} is pass/fail: value (dat/chua_dat ...) is required; numerator and denominator may come with it",
                excerpt(ind_code)
            ),
        );
        ok = false;
    } else if has_val && (has_num || has_den) && ind.kind != Kind::Bool {
        errs.push(
            &t.file,
            line,
            "value",
            "give either value or numerator+denominator, not both",
        );
        ok = false;
    }
    if !has_val && !has_num && !has_den {
        errs.push(
            &t.file,
            line,
            "value",
            "no figure: give value, or numerator and denominator",
        );
        ok = false;
    }
    let mut value = None;
    if let Some(v) = get("value") {
        match ind.kind {
            Kind::Bool => match super::parse_pass(v) {
                Some(p) => value = Some(Value::Pass(p)),
                None => {
                    errs.push(&t.file, line, "value", format!("indicator {ind_code} is pass/fail; \"{v}\" is not one of dat/chua_dat, có/không, yes/no, true/false, 1/0", ind_code = excerpt(ind_code), v = excerpt(v)));
                    ok = false;
                }
            },
            Kind::Ratio => {
                match parse_num(t, line, "value", r.raw("value").unwrap_or(v), opt, errs) {
                    Some(x) if !(0.0..=100.0).contains(&x) => {
                        errs.push(&t.file, line, "value", format!("{v} is not a percentage between 0 and 100 (indicator {ind_code} is a ratio)", v = excerpt(v), ind_code = excerpt(ind_code)));
                        ok = false;
                    }
                    Some(x) => value = Some(Value::Number(x)),
                    None => ok = false,
                }
            }
            Kind::Number => {
                let raw = r.raw("value").unwrap_or(v);
                match parse_quantity(t, line, "value", raw, Quantity::of(ind, true), opt, errs) {
                    Some(x) => value = Some(Value::Number(x)),
                    None => ok = false,
                }
            }
        }
    }
    if has_num && ind.kind == Kind::Number {
        errs.push(
            &t.file,
            line,
            "numerator",
            format!(
                "indicator {ind_code} is a number; numerator/denominator apply to ratios and pass/fail rows",
                ind_code = excerpt(ind_code)
            ),
        );
        ok = false;
    }
    let stated = r
        .raw("stated_percent")
        .and_then(|v| parse_quantity(t, line, "stated_percent", v, Quantity::Percent, opt, errs));
    let met = get("units_met").and_then(|v| parse_int(t, line, "units_met", v, errs));
    let total = get("units_total").and_then(|v| parse_int(t, line, "units_total", v, errs));
    if let (Some(m), Some(n)) = (met, total)
        && m > n
    {
        errs.push(
            &t.file,
            line,
            "units_met",
            format!("units_met {m} is more than units_total {n}"),
        );
        ok = false;
    }
    let year = year?;
    let parse_failed = (has_num && num.is_none())
        || (has_den && den.is_none())
        || (get("stated_percent").is_some() && stated.is_none())
        || (get("units_met").is_some() && met.is_none())
        || (get("units_total").is_some() && total.is_none());
    (ok && !parse_failed).then(|| Observation {
        unit_code: unit.to_string(),
        framework: fwid.to_string(),
        indicator: ind_code.to_string(),
        year,
        value,
        numerator: num,
        denominator: den,
        stated_percent: stated,
        units_met: met,
        units_total: total,
        source: get("source").map(str::to_string),
        note: get("note").map(str::to_string),
    })
}

/// Validate a single observation given as fields by column name (e.g. from `ntm set` or the
/// edit form) exactly as import validates a row. Errors name the column.
pub fn validate_observation(
    fields: &HashMap<String, String>,
    reg: &Registry,
    units: &Units,
    opt: &ReadOptions,
) -> Result<Observation, Vec<BadRow>> {
    validate_observation_noted(fields, reg, units, opt).map(|(o, _)| o)
}

/// `validate_observation`, with what it accepted with a doubt (an ambiguous measure such as
/// `15.848` km without `--locale vi`), to tell the user.
pub fn validate_observation_noted(
    fields: &HashMap<String, String>,
    reg: &Registry,
    units: &Units,
    opt: &ReadOptions,
) -> Result<(Observation, Vec<BadRow>), Vec<BadRow>> {
    let t = Table {
        file: "input".into(),
        rows: Vec::new(),
        sha256: String::new(),
        // one value typed by a person: the flag says how it is written
        style: if opt.locale_vi {
            Style::Vietnamese
        } else {
            Style::Undecided
        },
    };
    let mut errs = Errors {
        list: Vec::new(),
        more: 0,
        warnings: Vec::new(),
        units_unread: false,
    };
    match observation_row(&t, 0, &Row::from_fields(fields), reg, units, opt, &mut errs) {
        Some(o) if errs.list.is_empty() => Ok((o, errs.warnings)),
        _ => Err(errs.list),
    }
}
