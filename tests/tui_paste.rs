//! Pastes and bursts of typing in the interface's state machine (demo data): a paste goes to
//! the text field with the keyboard (its first line, capped, controls left out, the filter
//! applied once) and is ignored elsewhere; decoded terminal bytes reach the app through
//! `tui::deliver` with a run of characters inserted at once.

use ntm::cli::demo::load_demo;
use ntm::i18n::Lang;
use ntm::store::Store;
use ntm::tui::Keymap;
use ntm::tui::app::{App, FILTER_MAX, Options, Screen};
use ntm::tui::form::MAX_LEN;
use ntm::tui::input::Decoder;
use ntm::tui::keymap::Key;

fn demo() -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().unwrap();
    let store = load_demo(tmp.path()).unwrap();
    (tmp, store)
}

fn opts(lang: Lang) -> Options {
    Options {
        lang,
        ascii: false,
        color: true,
        read_only: false,
    }
}

fn key(a: &mut App, k: &str) {
    for part in k.split_whitespace() {
        a.on_key(Key::parse(part).unwrap().to_event());
    }
}

fn names(a: &App) -> Vec<String> {
    a.view
        .iter()
        .map(|&r| a.grid.rows[r].report.unit.name.clone())
        .collect()
}

/// Bytes as the terminal sends them, decoded and delivered in one batch.
fn bytes(a: &mut App, b: &[u8]) -> bool {
    let mut d = Decoder::new();
    let mut inputs = Vec::new();
    d.feed(b, &mut inputs);
    d.timeout(&mut inputs);
    ntm::tui::deliver(a, &mut inputs)
}

#[test]
fn a_paste_into_the_filter_keeps_its_first_line_and_filters_once() {
    let (_tmp, store) = demo();
    let mut a = App::new(&store, opts(Lang::En), Keymap::default_map()).unwrap();
    key(&mut a, "/");
    let before = a.filter_passes;
    let big = format!("dinh tri\r\n{}", "Song Khê\n".repeat(12_000)); // ~100 KB
    assert!(a.on_paste(&big));
    assert_eq!(a.filter, "dinh tri");
    assert_eq!(a.filter_passes, before + 1, "one filter pass for the paste");
    assert_eq!(names(&a), vec!["Dĩnh Trì"]);
    assert_eq!(
        a.message.as_deref(),
        Some("Only the first line was pasted (this field is one line)")
    );
    // still editing: Enter keeps it, and the next key clears the message
    key(&mut a, "enter");
    assert_eq!(a.editing, None);
    assert_eq!(a.message, None);
    assert_eq!(names(&a), vec!["Dĩnh Trì"]);
}

#[test]
fn a_paste_is_capped_and_cleaned() {
    let (_tmp, store) = demo();
    let mut a = App::new(&store, opts(Lang::Vi), Keymap::default_map()).unwrap();
    key(&mut a, "/");
    // one trailing newline is not "more"; controls are left out; a tab is a space
    assert!(a.on_paste("so\x1b[31mng\tkh\u{7}ê\n"));
    assert_eq!(a.filter, "so[31mng khê");
    assert_eq!(a.message, None);
    key(&mut a, "ctrl-u");
    let long = "x".repeat(10 * FILTER_MAX);
    a.on_paste(&long);
    assert_eq!(a.filter.chars().count(), FILTER_MAX);
    assert_eq!(a.message.as_deref(), Some("Phần dán quá dài, đã cắt bớt"));
}

#[test]
fn a_paste_outside_a_text_field_is_ignored() {
    let (_tmp, store) = demo();
    let mut a = App::new(&store, opts(Lang::Vi), Keymap::default_map()).unwrap();
    let (row, col) = (a.row, a.col);
    // keys in a paste are never keys: no quit, no filter, no move
    assert!(!a.on_paste("q/jjj\r"));
    assert!(!a.quit);
    assert_eq!(a.editing, None);
    assert_eq!(a.filter, "");
    assert_eq!((a.row, a.col), (row, col));
    assert_eq!(a.screen(), Screen::Grid);
    // the same bytes as one bracketed paste from the terminal
    assert!(!bytes(&mut a, b"\x1b[200~q/dinh\r\x1b[201~"));
    assert!(!a.quit);
    assert_eq!(a.editing, None);
}

#[test]
fn a_paste_into_a_form_field() {
    let (_tmp, mut store) = demo();
    let mut a = App::new(&mut store, opts(Lang::Vi), Keymap::default_map()).unwrap();
    key(&mut a, "down down");
    for _ in 0..16 {
        key(&mut a, "right");
    }
    key(&mut a, "enter");
    key(&mut a, "e");
    let f = a.form.as_mut().expect("edit form");
    f.focus_on("reason");
    assert!(a.on_paste("đếm lại\ttheo sổ\r\ndòng thứ hai"));
    assert_eq!(a.form.as_ref().unwrap().get("reason"), "đếm lại theo sổ");
    assert_eq!(
        a.message.as_deref(),
        Some("Chỉ dán dòng đầu tiên (ô này một dòng)")
    );
    // a field takes at most MAX_LEN characters, at the cursor
    let f = a.form.as_mut().unwrap();
    f.focus_on("source");
    key(&mut a, "ctrl-u");
    a.on_paste(&"ồ".repeat(100_000));
    let src = a.form.as_ref().unwrap().get("source").to_string();
    assert_eq!(src.chars().count(), MAX_LEN);
    assert_eq!(a.message.as_deref(), Some("Phần dán quá dài, đã cắt bớt"));
    // the form is still open and answers keys
    key(&mut a, "esc");
    assert!(a.form.is_none());
}

#[test]
fn a_paste_into_the_parent_picker() {
    let (_tmp, store) = demo();
    let mut a = App::new(&store, opts(Lang::Vi), Keymap::default_map()).unwrap();
    key(&mut a, "p");
    assert_eq!(a.screen(), Screen::Picker);
    let all = a.picker.as_ref().unwrap().shown.len();
    assert!(a.on_paste("no such unit\nmore"));
    let p = a.picker.as_ref().unwrap();
    assert_eq!(p.query, "no such unit");
    assert!(p.shown.is_empty(), "the list was filtered");
    for _ in 0.."no such unit".len() {
        key(&mut a, "backspace");
    }
    assert_eq!(a.picker.as_ref().unwrap().shown.len(), all);
    assert!(a.on_paste("bac giang"));
    let p = a.picker.as_ref().unwrap();
    assert_eq!(p.query, "bac giang");
    assert!(!p.shown.is_empty() && p.shown.len() <= all);
    assert_eq!(a.message, None);
}

#[test]
fn typed_bursts_are_inserted_at_once() {
    let (_tmp, store) = demo();
    let mut a = App::new(&store, opts(Lang::Vi), Keymap::default_map()).unwrap();
    // what a terminal without bracketed paste sends: keys, one batch
    let before = a.filter_passes;
    assert!(bytes(&mut a, "/dinh tri\r".as_bytes()));
    assert_eq!(a.filter, "dinh tri");
    assert_eq!(a.editing, None);
    assert_eq!(names(&a), vec!["Dĩnh Trì"]);
    // the run, then Enter
    assert_eq!(a.filter_passes, before + 2, "one pass for the run");
    // a long burst: capped as typing is, still one pass per run
    let before = a.filter_passes;
    let mut burst = b"/\x15".to_vec(); // edit, clear
    burst.extend(std::iter::repeat_n(b'x', 100_000));
    burst.extend(b"\x7f\x7fso\r");
    bytes(&mut a, &burst);
    assert_eq!(a.filter.chars().count(), FILTER_MAX);
    assert!(a.filter.ends_with("xxso"), "{}", a.filter);
    // ctrl-u, the run, two backspaces, the second run, Enter
    assert_eq!(a.filter_passes, before + 6);
    // outside a text field characters stay keys: `q` quits, and nothing after it runs
    assert!(bytes(&mut a, b"q/x"));
    assert!(a.quit);
    assert_eq!(a.editing, None);
}
