//! Behaviour of the interface's state machine on the demo data: filter with diacritic
//! folding, years, drill-down and back, findings jump, sort, parent picker, key sequences.

use ntm::cli::demo::load_demo;
use ntm::i18n::Lang;
use ntm::store::Store;
use ntm::tui::Keymap;
use ntm::tui::action::Action;
use ntm::tui::app::{App, Options, Screen, Sort};
use ntm::tui::keymap::Key;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn demo() -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().unwrap();
    let store = load_demo(tmp.path()).unwrap();
    (tmp, store)
}

fn app<'s>(store: &'s Store, km: &str) -> App<'s> {
    App::new(
        store,
        Options {
            lang: Lang::Vi,
            ascii: false,
            color: true,
            read_only: false,
        },
        Keymap::load(Some(km)).unwrap(),
    )
    .unwrap()
}

fn typ(a: &mut App, s: &str) {
    for c in s.chars() {
        a.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
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

#[test]
fn filter_folds_diacritics_and_case() {
    let (_tmp, store) = demo();
    for q in ["dinh tri", "DINH TRI", "Dĩnh Trì", "dĩnh", "213-dinh"] {
        let mut a = app(&store, "default");
        key(&mut a, "/");
        typ(&mut a, q);
        key(&mut a, "enter");
        assert_eq!(names(&a), vec!["Dĩnh Trì"], "query {q}");
        assert!(a.editing.is_none());
    }
    // đ matches d
    let mut a = app(&store, "default");
    key(&mut a, "/");
    typ(&mut a, "dong son");
    key(&mut a, "enter");
    assert_eq!(names(&a), vec!["Đồng Sơn"]);
    // Esc while editing restores the previous filter; Esc on the grid clears it
    key(&mut a, "/");
    typ(&mut a, "xyz");
    assert!(names(&a).is_empty());
    key(&mut a, "esc");
    assert_eq!(names(&a), vec!["Đồng Sơn"]);
    key(&mut a, "esc");
    // six communes and the city's own row
    assert_eq!(names(&a).len(), 7);
}

#[test]
fn years_change_with_brackets() {
    let (_tmp, store) = demo();
    let mut a = app(&store, "default");
    assert_eq!((a.year, a.against), (2020, Some(2019)));
    // moving the year keeps the comparison year before it (the previous year with data)
    key(&mut a, "[");
    assert_eq!((a.year, a.against), (2019, Some(2018)));
    // and back: the default comparison follows the year again
    key(&mut a, "]");
    assert_eq!((a.year, a.against), (2020, Some(2019)));
    key(&mut a, "[");
    key(&mut a, "{");
    assert_eq!(a.against, Some(2017));
    // 2016, then the city report's baseline 2011, then none
    key(&mut a, "{ { { {");
    assert_eq!(a.against, None);
    key(&mut a, "} }");
    assert_eq!(a.against, Some(2016));
    // a comparison year chosen by hand stays while the year moves
    key(&mut a, "] ]");
    assert_eq!(a.year, 2020);
    assert_eq!(a.grid.year, 2020);
    assert_eq!(a.grid.against, Some(2016));
}

#[test]
fn drill_in_and_back_keep_the_grid_position() {
    let (_tmp, store) = demo();
    let mut a = app(&store, "vim");
    // below the city's own row
    key(&mut a, "j j j");
    for _ in 0..16 {
        key(&mut a, "l");
    }
    key(&mut a, "enter");
    assert_eq!(a.screen(), Screen::Detail);
    let d = a.detail.as_ref().unwrap();
    assert_eq!(a.grid.rows[d.row].report.unit.name, "Song Khê");
    assert_eq!(a.fw().criteria[d.criterion].code, "17");
    // left/right move between criteria
    key(&mut a, "l");
    assert_eq!(
        a.fw().criteria[a.detail.as_ref().unwrap().criterion].code,
        "18"
    );
    key(&mut a, "h h");
    assert_eq!(
        a.fw().criteria[a.detail.as_ref().unwrap().criterion].code,
        "16"
    );
    key(&mut a, "esc");
    assert_eq!(a.screen(), Screen::Grid);
    assert_eq!((a.row, a.col), (3, 15));
    // gg / G
    key(&mut a, "G");
    assert_eq!(a.row, 6);
    key(&mut a, "g g");
    assert_eq!(a.row, 0);
}

#[test]
fn findings_enter_jumps_to_the_cell() {
    let (_tmp, store) = demo();
    let mut a = app(&store, "default");
    key(&mut a, "f");
    assert_eq!(a.screen(), Screen::Findings);
    assert!(!a.findings.list.is_empty());
    // most severe first
    let sev: Vec<_> = a.findings.list.iter().map(|(_, f)| f.severity).collect();
    let mut sorted = sev.clone();
    sorted.sort_by(|x, y| y.cmp(x));
    assert_eq!(sev, sorted);
    let (row, f) = a.findings.list[0].clone();
    key(&mut a, "enter");
    assert_eq!(a.screen(), Screen::Grid);
    assert_eq!(a.current_row(), Some(row));
    if let Some(code) = &f.indicator {
        let c = a.fw().indicator(code).unwrap().1.criterion;
        assert_eq!(a.col, c);
    }
    // filter by kind
    key(&mut a, "f t");
    let k = a.findings.kind.expect("a kind");
    assert!(a.findings.list.iter().all(|(_, f)| f.kind == k));
}

#[test]
fn sort_cycles() {
    let (_tmp, store) = demo();
    let mut a = app(&store, "default");
    key(&mut a, "s");
    assert_eq!(a.sort, Sort::CriteriaMet);
    let met: Vec<usize> = a
        .view
        .iter()
        .map(|&r| a.grid.rows[r].criteria_met())
        .collect();
    assert!(met.windows(2).all(|w| w[0] >= w[1]));
    key(&mut a, "s");
    assert_eq!(a.sort, Sort::Findings);
    key(&mut a, "s");
    assert_eq!(a.sort, Sort::Name);
}

#[test]
fn parent_picker_switches_the_grid() {
    let (_tmp, store) = demo();
    let mut a = app(&store, "default");
    let before = a.parent.clone();
    key(&mut a, "p");
    assert_eq!(a.screen(), Screen::Picker);
    let p = a.picker.as_ref().unwrap();
    assert!(p.all.len() >= 2, "{:?}", p.all);
    typ(&mut a, "bac giang");
    key(&mut a, "down enter");
    assert_eq!(a.screen(), Screen::Grid);
    // the province holds the same communes through the city
    assert!(!a.grid.rows.is_empty());
    let _ = before;
}

#[test]
fn indicator_view_sorts_best_first() {
    let (_tmp, store) = demo();
    let mut a = app(&store, "default");
    for _ in 0..16 {
        key(&mut a, "right");
    }
    key(&mut a, "i");
    assert_eq!(a.screen(), Screen::Indicator);
    let iv = a.indicator.as_ref().unwrap();
    assert_eq!(iv.rows.len(), 7);
    let vals: Vec<f64> = iv
        .rows
        .iter()
        .filter_map(|r| match r.value {
            Some(ntm::model::Value::Number(x)) => Some(x),
            _ => None,
        })
        .collect();
    assert!(vals.windows(2).all(|w| w[0] >= w[1]), "{vals:?}");
    key(&mut a, "enter");
    assert_eq!(a.screen(), Screen::Detail);
}

#[test]
fn emacs_sequences_and_help_toggle() {
    let (_tmp, store) = demo();
    let mut a = app(&store, "emacs");
    key(&mut a, "ctrl-n");
    assert_eq!(a.row, 1);
    key(&mut a, "?");
    assert_eq!(a.screen(), Screen::Help);
    key(&mut a, "ctrl-g");
    assert_eq!(a.screen(), Screen::Grid);
    key(&mut a, "ctrl-x");
    assert!(!a.quit);
    assert_eq!(a.pending.len(), 1);
    key(&mut a, "ctrl-c");
    assert!(a.quit);
    let _ = Action::Quit;
}

#[test]
fn years_move_the_detail_too_and_unbound_keys_change_nothing() {
    let (_tmp, store) = demo();
    let mut a = app(&store, "default");
    key(&mut a, "down down");
    for _ in 0..16 {
        key(&mut a, "right");
    }
    key(&mut a, "enter");
    let v2020 = a.detail.as_ref().unwrap().indicators[0]
        .by_year
        .get(&2020)
        .cloned();
    assert!(v2020.is_some());
    key(&mut a, "[");
    assert_eq!(a.year, 2019);
    assert_eq!(a.screen(), Screen::Detail);
    let d = a.detail.as_ref().unwrap();
    assert_eq!(a.grid.rows[d.row].report.unit.name, "Song Khê");
    assert_eq!(a.fw().criteria[d.criterion].code, "17");
    // an unbound key asks for no redraw; a bound one does
    assert!(!a.on_key(Key::parse("z").unwrap().to_event()));
    assert!(a.on_key(Key::parse("down").unwrap().to_event()));
}

fn draw_at(a: &App, w: u16, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    ntm::tui::draw(&mut t, a).unwrap();
    t.backend().to_string()
}

/// While "Cửa sổ quá nhỏ" is shown no key acts but quit and help: Down, Enter must not open a
/// detail nobody can see.
#[test]
fn keys_wait_while_the_terminal_is_too_small() {
    let (_t, store) = demo();
    let mut a = app(&store, "default");
    assert!(draw_at(&a, 30, 8).contains("Cửa sổ quá nhỏ"));
    key(&mut a, "down down enter right f /");
    typ(&mut a, "x");
    assert_eq!(a.screen(), Screen::Grid);
    assert_eq!((a.row, a.col), (0, 0));
    assert!(a.editing.is_none() && a.filter.is_empty());
    key(&mut a, "?");
    assert_eq!(a.screen(), Screen::Help);
    key(&mut a, "esc");
    assert_eq!(a.screen(), Screen::Help, "esc waits too");
    // back to a size that shows the screen: keys act again
    draw_at(&a, 80, 24);
    key(&mut a, "esc down");
    assert_eq!(a.screen(), Screen::Grid);
    assert_eq!(a.row, 1);
    draw_at(&a, 39, 20);
    key(&mut a, "q");
    assert!(a.quit);
}
