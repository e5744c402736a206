//! The bundle format of FORMAT.md §1: reading (with validation that names file, line, column
//! and reason for every bad row) and writing.

pub mod changes;
mod codes;
#[cfg(test)]
mod documents_tests;
mod numbers;
mod read;
mod recognitions;
#[cfg(test)]
mod tests;
mod write;
pub mod xlsx;

pub use read::{
    BadRow, MERGE_COLS, ReadOptions, problem_count, problems_listed, read_bundle, read_bundle_into,
    read_merges, validate_observation, validate_observation_noted,
};
pub use write::{write_bundle, write_bundle_with, write_merges};

/// Pass/fail words accepted on import (compared case-insensitively, after NFC).
pub const PASS_WORDS: &[&str] = &["dat", "đạt", "co", "có", "yes", "true", "1"];
pub const FAIL_WORDS: &[&str] = &["chua_dat", "chưa đạt", "khong", "không", "no", "false", "0"];

/// Parse a pass/fail word; None when it is neither.
pub fn parse_pass(s: &str) -> Option<bool> {
    let l = crate::text::nfc(s.trim()).to_lowercase();
    if PASS_WORDS.contains(&l.as_str()) {
        Some(true)
    } else if FAIL_WORDS.contains(&l.as_str()) {
        Some(false)
    } else {
        None
    }
}
