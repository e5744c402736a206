//! The plan screen on the demo data (TestBackend): the commune under the cursor, the district
//! ranked by closeness, moving between them, into a criterion's detail and back, other years;
//! snapshots of both views in Vietnamese and English, ASCII, and no panic at any size.

use ntm::cli::demo::load_demo;
use ntm::i18n::Lang;
use ntm::store::Store;
use ntm::tui::action::Action;
use ntm::tui::app::{App, Options, Screen};
use ntm::tui::plan::PlanMode;
use ntm::tui::{Keymap, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn demo() -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().unwrap();
    let store = load_demo(tmp.path()).unwrap();
    (tmp, store)
}

fn app(store: &Store, lang: Lang, ascii: bool) -> App<'_> {
    let opts = Options {
        lang,
        ascii,
        color: !ascii,
        read_only: false,
    };
    App::new(store, opts, Keymap::default_map()).unwrap()
}

fn text(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    draw(&mut t, app).unwrap();
    let buf = t.backend().buffer();
    let mut s = String::new();
    for y in 0..h {
        for x in 0..w {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

/// The grid's cursor on the commune named `name` (sorted by name).
fn to_commune(app: &mut App, name: &str) {
    app.act(Action::GoTop);
    for _ in 0..app.view.len() {
        let r = app.current_row().unwrap();
        if app.grid.rows[r].report.unit.name == name {
            return;
        }
        app.act(Action::MoveDown);
    }
    panic!("{name} is not in the grid");
}

#[test]
fn the_commune_under_the_cursor_and_its_shortfall() {
    let (_t, store) = demo();
    let mut a = app(&store, Lang::Vi, false);
    to_commune(&mut a, "Song Khê");
    a.act(Action::Plan);
    assert_eq!(a.screen(), Screen::Plan);
    let pv = a.plan.as_ref().unwrap();
    assert_eq!(pv.mode, PlanMode::Commune);
    assert_eq!(pv.unit, "213-song-khe");
    let s = text(&a, 80, 24);
    assert!(
        s.contains("Song Khê — con đường đến chuẩn, năm 2020"),
        "{s}"
    );
    assert!(s.contains("338/632 = 53,5%   thêm 42 hộ"), "{s}");
    assert!(s.contains("⌈60% × 632⌉ − 338 = 380 − 338 = 42"), "{s}");
    assert!(
        s.contains("Công nhận NTM 2016, nguy cơ thu hồi trung bình — cần khôi phục"),
        "{s}"
    );
    // Enter: criterion 17's detail on 17.7; Esc comes back to the plan
    a.act(Action::DrillIn);
    assert_eq!(a.screen(), Screen::Detail);
    let d = a.detail.as_ref().unwrap();
    let fw = a.fw();
    assert_eq!(fw.criteria[d.criterion].code, "17");
    assert_eq!(fw.indicators[d.indicators[d.cursor].index].code, "17.7");
    a.act(Action::Back);
    assert_eq!(a.screen(), Screen::Plan);
    a.act(Action::Back);
    assert_eq!(a.screen(), Screen::Grid);
    assert!(a.plan.is_none());
}

#[test]
fn the_district_ranked_and_back_to_a_commune() {
    let (_t, store) = demo();
    let mut a = app(&store, Lang::Vi, false);
    to_commune(&mut a, "Song Khê");
    a.act(Action::Plan);
    a.act(Action::Plan);
    let pv = a.plan.as_ref().unwrap();
    assert_eq!(pv.mode, PlanMode::District);
    // the cursor stays on the commune it came from
    assert_eq!(pv.list()[pv.cursor].unit.code, "213-song-khe");
    let names: Vec<&str> = pv.list().iter().map(|e| e.unit.name.as_str()).collect();
    // the two communes short of the standard first (one criterion each; the one whose only gap
    // is a missing value after the one with a distance), then those meeting it
    assert_eq!(names[..2], ["Song Khê", "Tân Tiến"]);
    assert_eq!(names.len(), 6);
    let s = text(&a, 80, 24);
    assert!(s.contains("Xã đạt chuẩn: 4/6"), "{s}");
    assert!(s.contains("17.7 thêm 42 hộ"), "{s}");
    assert!(s.contains("13.2 chưa có số liệu"), "{s}");
    assert!(s.contains("Tổng cần cho kế hoạch:"), "{s}");
    // Enter on Tân Tiến: its own plan
    a.act(Action::MoveDown);
    a.act(Action::DrillIn);
    let pv = a.plan.as_ref().unwrap();
    assert_eq!(
        (pv.mode, pv.unit.as_str()),
        (PlanMode::Commune, "213-tan-tien")
    );
    // n: the next in the ranking (the first commune meeting the standard)
    a.act(Action::NextMatch);
    let pv = a.plan.as_ref().unwrap();
    assert_eq!(pv.unit, pv.list()[2].unit.code);
    let s = text(&a, 80, 24);
    assert!(s.contains("Đạt chuẩn (19/19)"), "{s}");
}

#[test]
fn another_year_recomputes_the_plan() {
    let (_t, store) = demo();
    let mut a = app(&store, Lang::En, false);
    to_commune(&mut a, "Song Khê");
    a.act(Action::Plan);
    a.act(Action::YearPrev);
    assert_eq!(a.year, 2019);
    let pv = a.plan.as_ref().unwrap();
    assert_eq!(pv.scope.year, 2019);
    // in 2019 Song Khê met every criterion
    assert!(pv.entry().unwrap().plan.meets_standard());
    let s = text(&a, 100, 30);
    assert!(s.contains("Meets the standard (19/19)"), "{s}");
    a.act(Action::YearNext);
    let s = text(&a, 100, 30);
    assert!(s.contains("42 more households"), "{s}");
}

#[test]
fn help_names_the_key() {
    let (_t, store) = demo();
    let mut a = app(&store, Lang::En, false);
    a.act(Action::Help);
    let s = text(&a, 100, 60);
    assert!(s.contains("The way to the standard of this commune"), "{s}");
    assert!(
        s.contains("Switch between the commune and the district ranked by closeness"),
        "{s}"
    );
    assert!(s.lines().any(|l| l.trim_start().starts_with("r ")), "{s}");
}

#[test]
fn snapshots_of_the_district_view() {
    let (_t, store) = demo();
    for lang in [Lang::Vi, Lang::En] {
        for (w, h) in [(80u16, 24u16), (160, 48)] {
            let mut a = app(&store, lang, false);
            to_commune(&mut a, "Song Khê");
            a.act(Action::Plan);
            a.act(Action::Plan);
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            draw(&mut t, &a).unwrap();
            let l = if lang == Lang::Vi { "vi" } else { "en" };
            insta::assert_snapshot!(format!("plan_district_{l}_{w}x{h}"), t.backend());
        }
    }
}

#[test]
fn ascii_and_tiny_terminals() {
    let (_t, store) = demo();
    let mut apps = Vec::new();
    for mode in 0..3 {
        let mut a = app(&store, Lang::Vi, true);
        to_commune(
            &mut a,
            if mode == 2 {
                "Tân Tiến"
            } else {
                "Song Khê"
            },
        );
        a.act(Action::Plan);
        if mode == 1 {
            a.act(Action::Plan);
        }
        apps.push(a);
    }
    // ASCII only, the arithmetic included
    let s = text(&apps[0], 80, 24);
    assert!(s.is_ascii(), "{s}");
    assert!(s.contains("[60% x 632] - 338 = 380 - 338 = 42"), "{s}");
    let mut t = Terminal::new(TestBackend::new(1, 1)).unwrap();
    for a in &apps {
        for w in (1..=120u16).step_by(3) {
            for h in 1..=30u16 {
                t.backend_mut().resize(w, h);
                draw(&mut t, a).unwrap();
            }
        }
    }
}
