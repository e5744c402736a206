//! Rendering tests of the terminal interface on the demo data: insta snapshots of every
//! screen in vi and en at 80×24 and 160×48, a no-panic sweep over sizes, and the ASCII and
//! no-colour passes.

use ntm::cli::demo::load_demo;
use ntm::i18n::Lang;
use ntm::store::{Audit, AuditRecord, ObsKey, Store};
use ntm::tui::action::Action;
use ntm::tui::app::{App, Options, Screen};
use ntm::tui::{Keymap, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

fn demo() -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().unwrap();
    let store = load_demo(tmp.path()).unwrap();
    (tmp, store)
}

fn app(store: &Store, lang: Lang) -> App<'_> {
    let opts = Options {
        lang,
        ascii: false,
        color: true,
        read_only: false,
    };
    App::new(store, opts, Keymap::default_map()).unwrap()
}

fn acts(app: &mut App, a: &[Action]) {
    for &x in a {
        app.act(x);
    }
}

/// Put the app on a screen the way a user would get there.
fn goto(app: &mut App, s: Screen) {
    match s {
        Screen::Grid => {}
        Screen::Detail => {
            // Song Khê (third by name, below the city's own row), criterion 17
            acts(app, &[Action::MoveDown, Action::MoveDown, Action::MoveDown]);
            for _ in 0..16 {
                app.act(Action::MoveRight);
            }
            app.act(Action::DrillIn);
        }
        Screen::Indicator => {
            goto(app, Screen::Detail);
            app.act(Action::IndicatorView);
        }
        Screen::Findings => app.act(Action::ToggleFindings),
        Screen::Help => app.act(Action::Help),
        Screen::Picker => app.act(Action::PickParent),
        Screen::Audits => app.act(Action::Audits),
        Screen::Audit => {
            app.act(Action::Audits);
            app.act(Action::DrillIn);
        }
        Screen::Plan => {
            // Song Khê's way to the standard
            acts(
                app,
                &[
                    Action::MoveDown,
                    Action::MoveDown,
                    Action::MoveDown,
                    Action::Plan,
                ],
            );
        }
    }
    assert_eq!(app.screen(), s);
}

fn render(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    draw(&mut t, app).unwrap();
    t
}

const SCREENS: [(Screen, &str); 7] = [
    (Screen::Grid, "grid"),
    (Screen::Detail, "detail"),
    (Screen::Indicator, "indicator"),
    (Screen::Findings, "findings"),
    (Screen::Help, "help"),
    (Screen::Picker, "picker"),
    (Screen::Plan, "plan"),
];

#[test]
fn snapshots_of_every_screen() {
    let (_tmp, store) = demo();
    for lang in [Lang::Vi, Lang::En] {
        for (s, name) in SCREENS {
            for (w, h) in [(80u16, 24u16), (160, 48)] {
                let mut a = app(&store, lang);
                goto(&mut a, s);
                let t = render(&a, w, h);
                let l = if lang == Lang::Vi { "vi" } else { "en" };
                insta::assert_snapshot!(format!("{name}_{l}_{w}x{h}"), t.backend());
            }
        }
    }
}

#[test]
fn no_panic_at_any_size() {
    let (_tmp, store) = demo();
    let mut apps: Vec<App> = Vec::new();
    for (s, _) in SCREENS {
        let mut a = app(&store, Lang::Vi);
        goto(&mut a, s);
        apps.push(a);
    }
    // an editing filter and an ASCII, colourless app too
    let mut a = app(&store, Lang::En);
    a.act(Action::Filter);
    apps.push(a);
    let mut a = App::new(
        &store,
        Options {
            lang: Lang::Vi,
            ascii: true,
            color: false,
            read_only: true,
        },
        Keymap::default_map(),
    )
    .unwrap();
    goto(&mut a, Screen::Detail);
    apps.push(a);
    // the new screens and popups, each on a writable store of its own
    let mut stores: Vec<(tempfile::TempDir, Store)> = (0..6).map(|_| demo()).collect();
    for (_, st) in stores.iter_mut() {
        save_audit(st);
    }
    let mut it = stores.iter_mut();
    let mut w = || &mut it.next().unwrap().1;
    let mut a = writable(w(), Lang::Vi);
    goto(&mut a, Screen::Detail);
    a.act(Action::Edit);
    a.form.as_mut().unwrap().error = Some("giá trị: \"abc\" is not a number ".repeat(4));
    apps.push(a);
    let mut a = writable(w(), Lang::En);
    goto(&mut a, Screen::Detail);
    a.act(Action::Flag);
    apps.push(a);
    let mut a = writable(w(), Lang::Vi);
    goto(&mut a, Screen::Audits);
    apps.push(a);
    let mut a = writable(w(), Lang::Vi);
    goto(&mut a, Screen::Audit);
    a.act(Action::MarkDiscrepancy);
    apps.push(a);
    let mut a = writable(w(), Lang::En);
    goto(&mut a, Screen::Audit);
    apps.push(a);
    let mut a = writable(w(), Lang::Vi);
    a.confirm = Some(ntm::tui::form::Confirm::Undo {
        seq: 7,
        text: "Hoàn tác mục nhật ký #7: set_value 213-song-khe qd1980-2016 17.1a 2020?".into(),
    });
    apps.push(a);
    let mut t = Terminal::new(TestBackend::new(1, 1)).unwrap();
    for a in &apps {
        for w in 1..=120u16 {
            for h in 1..=40u16 {
                t.backend_mut().resize(w, h);
                draw(&mut t, a).unwrap();
            }
        }
        for (w, h) in [(300u16, 100u16), (300, 1), (1, 100), (200, 60)] {
            t.backend_mut().resize(w, h);
            draw(&mut t, a).unwrap();
        }
    }
}

/// A three-record audit `kt` over 17.1a in 2020, communes of the demo grid first.
fn save_audit(store: &mut Store) {
    let mut obs: Vec<_> = store
        .all_observations()
        .map(|o| o.unwrap())
        .filter(|o| o.indicator == "17.1a" && o.year == 2020)
        .collect();
    obs.sort_by(|a, b| a.unit_code.cmp(&b.unit_code));
    let records: Vec<AuditRecord> = obs
        .iter()
        .filter(|o| o.unit_code.starts_with("213-"))
        .take(3)
        .map(|o| AuditRecord {
            key: ObsKey::of(o),
            reported: ntm::query::audit::reported(o),
            why: "stratum 17; risk 3".into(),
            mark: None,
        })
        .collect();
    assert_eq!(records.len(), 3);
    let a = Audit {
        name: "kt".into(),
        who: "tester".into(),
        created: 1_790_000_000,
        params: "--size 3 --seed 1 --year 2020".into(),
        hash: ntm::audit::records_hash(&records),
        records,
    };
    store.save_audit(&a, None).unwrap();
}

fn writable(store: &mut Store, lang: Lang) -> App<'_> {
    App::new(
        store,
        Options {
            lang,
            ascii: false,
            color: true,
            read_only: false,
        },
        Keymap::default_map(),
    )
    .unwrap()
}

#[test]
fn snapshots_of_the_edit_form_and_the_audit_screen() {
    for lang in [Lang::Vi, Lang::En] {
        let l = if lang == Lang::Vi { "vi" } else { "en" };
        for (w, h) in [(80u16, 24u16), (160, 48)] {
            let (_tmp, mut store) = demo();
            save_audit(&mut store);
            {
                let mut a = writable(&mut store, lang);
                goto(&mut a, Screen::Detail);
                a.act(Action::Edit);
                assert!(a.form.is_some());
                let t = render(&a, w, h);
                insta::assert_snapshot!(format!("edit_form_{l}_{w}x{h}"), t.backend());
            }
            let mut a = writable(&mut store, lang);
            goto(&mut a, Screen::Audit);
            let t = render(&a, w, h);
            insta::assert_snapshot!(format!("audit_{l}_{w}x{h}"), t.backend());
        }
    }
}

#[test]
fn too_small_says_so() {
    let (_tmp, store) = demo();
    let a = app(&store, Lang::En);
    let t = render(&a, 30, 8);
    assert!(
        t.backend().to_string().contains("Terminal too small"),
        "{}",
        t.backend()
    );
    let a = app(&store, Lang::Vi);
    let t = render(&a, 39, 20);
    assert!(t.backend().to_string().contains("Cửa sổ quá nhỏ"));
}

#[test]
fn ascii_mode_sends_only_ascii() {
    let (_tmp, store) = demo();
    for (s, _) in SCREENS {
        let mut a = App::new(
            &store,
            Options {
                lang: Lang::Vi,
                ascii: true,
                color: true,
                read_only: false,
            },
            Keymap::default_map(),
        )
        .unwrap();
        goto(&mut a, s);
        let t = render(&a, 100, 30);
        for c in t.backend().buffer().content.iter() {
            assert!(c.symbol().is_ascii(), "{:?} on {s:?}", c.symbol());
        }
    }
    let a = App::new(
        &store,
        Options {
            lang: Lang::Vi,
            ascii: true,
            color: true,
            read_only: false,
        },
        Keymap::default_map(),
    )
    .unwrap();
    let text = render(&a, 80, 24).backend().to_string();
    assert!(text.contains("Dinh Tri"), "{text}");
}

#[test]
fn no_color_mode_has_no_colours_but_keeps_the_cursor() {
    let (_tmp, store) = demo();
    let a = App::new(
        &store,
        Options {
            lang: Lang::Vi,
            ascii: false,
            color: false,
            read_only: false,
        },
        Keymap::default_map(),
    )
    .unwrap();
    let t = render(&a, 80, 24);
    let buf = t.backend().buffer();
    assert!(
        buf.content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
    assert!(
        buf.content
            .iter()
            .any(|c| c.modifier.contains(ratatui::style::Modifier::REVERSED))
    );
    // with colours, only the 16 ANSI colours are used
    let a = app(&store, Lang::Vi);
    let t = render(&a, 160, 48);
    for c in t.backend().buffer().content.iter() {
        for col in [c.fg, c.bg] {
            assert!(
                !matches!(col, Color::Rgb(..) | Color::Indexed(_)),
                "{col:?}"
            );
        }
    }
}

#[test]
fn vietnamese_numbers_in_the_ui() {
    let (_tmp, store) = demo();
    let mut a = app(&store, Lang::Vi);
    goto(&mut a, Screen::Detail);
    let vi = render(&a, 80, 24).backend().to_string();
    assert!(vi.contains("2.636/2.693 = 97,9%"), "{vi}");
    let mut a = app(&store, Lang::En);
    goto(&mut a, Screen::Detail);
    let en = render(&a, 80, 24).backend().to_string();
    assert!(en.contains("2,636/2,693 = 97.9%"), "{en}");
}

#[test]
fn nfd_and_nfc_names_line_up_and_controls_never_reach_the_terminal() {
    use ntm::text::{pad, width};
    use ntm::tui::ui::clean;
    use unicode_normalization::UnicodeNormalization;
    let nfc = "Thừa Thiên Huế";
    let nfd: String = nfc.nfd().collect();
    assert_ne!(nfc, nfd);
    assert_eq!(clean(&nfd), nfc);
    assert_eq!(width(&clean(&nfd)), 14);
    assert_eq!(width(&pad(&clean(&nfd), 20)), 20);
    let mut t = Terminal::new(TestBackend::new(20, 2)).unwrap();
    t.draw(|f| {
        let lines = vec![
            ratatui::text::Line::from(ntm::tui::ui::cell(&clean(&nfd), 16, Default::default())),
            ratatui::text::Line::from(ntm::tui::ui::cell(nfc, 16, Default::default())),
        ];
        f.render_widget(ratatui::widgets::Paragraph::new(lines), f.area());
    })
    .unwrap();
    let text = t.backend().to_string();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], rows[1]);
    let evil = clean("Xã\x1b[31m Đỏ\u{202E}");
    assert!(!evil.contains('\x1b') && !evil.contains('\u{202E}'));
}

#[test]
fn the_commune_column_stays_while_the_grid_scrolls_sideways() {
    let (_tmp, store) = demo();
    let mut a = app(&store, Lang::Vi);
    a.act(Action::LineEnd);
    let text = render(&a, 50, 16).backend().to_string();
    let rows: Vec<&str> = text.lines().collect();
    // the last columns are visible, the first criteria scrolled away, the names stay
    assert!(rows[2].contains("PH") && rows[2].contains('«'), "{text}");
    assert!(rows[3].starts_with("\"Σ Thành"), "{text}");
    assert!(rows[4].starts_with("\"Dĩnh Trì"), "{text}");
    assert!(!rows[2].contains(" 1   2"), "{text}");
    a.act(Action::LineStart);
    let text = render(&a, 50, 16).backend().to_string();
    assert!(text.lines().nth(2).unwrap().contains(" 1   2"), "{text}");
}

/// The footer is a number row ("100", never the met glyph), and with a `/` filter the footer
/// and the KPI line count the communes shown, saying so.
#[test]
fn grid_footer_counts_what_the_filter_shows_in_numbers() {
    let (_tmp, store) = demo();
    let footer = |a: &App| -> String {
        let t = render(a, 80, 24);
        let text = t.backend().to_string();
        text.lines()
            .find(|l| l.contains("% xã đạt"))
            .expect("footer")
            .to_string()
    };
    let mut a = app(&store, Lang::Vi);
    let full = (0..a.n_criteria())
        .filter(|&c| a.grid.percent_meeting(c).round() as i64 == 100)
        .count();
    assert!(full > 0, "the demo has a criterion every commune meets");
    let f = footer(&a);
    assert!(!f.contains('●'), "{f}");
    assert!(f.contains("100"), "{f}");
    // filter down to one commune that does not meet every criterion
    let (meet, with) = a.grid.meeting();
    assert!(with > 1);
    let lagging = a
        .grid
        .rows
        .iter()
        .find(|r| r.report.evaluation.is_some() && !r.meets_standard())
        .expect("a commune not meeting the standard")
        .report
        .unit
        .name
        .clone();
    a.filter = lagging.clone();
    a.rebuild_view(None);
    assert_eq!(a.view.len(), 1, "{lagging}");
    let text = render(&a, 80, 24).backend().to_string();
    assert!(
        text.contains(&format!("theo bộ lọc, đang hiện 1/{}", a.grid.rows.len())),
        "{text}"
    );
    assert!(
        text.contains("Xã đạt chuẩn: 0/1"),
        "{text} (all: {meet}/{with})"
    );
    // one commune: every footer cell is 0 or 100
    let f = footer(&a);
    // TestBackend quotes each line
    let cells: Vec<&str> = f.trim_matches('"').split_whitespace().skip(3).collect();
    assert!(!cells.is_empty());
    assert!(cells.iter().all(|c| *c == "0" || *c == "100"), "{f}");
    assert!(cells.contains(&"0"), "{f}");
}
