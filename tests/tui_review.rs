//! Writing from the interface on the demo data: the edit form (validated as on import, a
//! reason for a figure), follow-up flags, undo with confirmation, read-only refusing every
//! write action, the audit screens (marks, progress, resume) and the grid's audit mark.

use ntm::cli::demo::load_demo;
use ntm::i18n::Lang;
use ntm::query::Cell;
use ntm::store::{Audit, AuditRecord, MarkStatus, ObsKey, Store};
use ntm::tui::Keymap;
use ntm::tui::app::{App, Options, Screen};
use ntm::tui::form::LineEdit;
use ntm::tui::keymap::Key;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn demo() -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().unwrap();
    let store = load_demo(tmp.path()).unwrap();
    (tmp, store)
}

fn opts(lang: Lang, read_only: bool) -> Options {
    Options {
        lang,
        ascii: false,
        color: true,
        read_only,
    }
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

/// Song Khê, criterion 17, cursor on 17.1a (2.636/2.693 in 2020).
fn to_detail(a: &mut App) {
    // below the city's own row (first), Dĩnh Trì and Đồng Sơn
    key(a, "down down down");
    for _ in 0..16 {
        key(a, "right");
    }
    key(a, "enter");
    assert_eq!(a.screen(), Screen::Detail);
}

fn log_len(store: &Store) -> usize {
    store.log_entries().unwrap().len()
}

/// Focus the form field `name`, clear it and type `text`.
fn fill(a: &mut App, name: &str, text: &str) {
    let f = a.form.as_mut().expect("a form is open");
    f.focus_on(name);
    assert_eq!(f.fields[f.focus].name, name);
    key(a, "ctrl-u");
    typ(a, text);
}

#[test]
fn edit_a_value_with_a_reason_writes_and_logs_it() {
    let (_tmp, mut store) = demo();
    let before = log_len(&store);
    let k;
    {
        let mut a = App::new(&mut store, opts(Lang::Vi, false), Keymap::default_map()).unwrap();
        to_detail(&mut a);
        k = a.selected_key().unwrap();
        assert_eq!(k.indicator, "17.1a");
        key(&mut a, "e");
        let f = a.form.as_ref().expect("edit form");
        assert_eq!(f.get("numerator"), "2636");
        assert_eq!(f.get("denominator"), "2693");
        fill(&mut a, "numerator", "2650");
        fill(&mut a, "reason", "đếm lại theo sổ hộ khẩu");
        key(&mut a, "enter");
        assert!(
            a.form.is_none(),
            "{:?}",
            a.form.as_ref().and_then(|f| f.error.clone())
        );
        assert!(a.message.as_deref().unwrap().starts_with("Đã lưu"));
        // the detail is reloaded: new value and its history
        let d = a.detail.as_ref().unwrap();
        let ir = &d.indicators[d.cursor];
        assert_eq!(ir.by_year[&2020].numerator, Some(2650.0));
        assert_eq!(ir.history.len(), 1);
        assert_eq!(ir.history[0].action, "set_value");
        assert_eq!(a.session.len(), 1);
    }
    let o = store.observation(&k).unwrap().unwrap();
    assert_eq!(o.numerator, Some(2650.0));
    assert_eq!(o.denominator, Some(2693.0));
    let log = store.log_entries().unwrap();
    assert_eq!(log.len(), before + 1);
    let e = log.last().unwrap();
    assert_eq!(e.action, "set_value");
    assert_eq!(e.what, k.to_string());
    assert_eq!(e.reason.as_deref(), Some("đếm lại theo sổ hộ khẩu"));
    assert!(store.verify_log().unwrap().is_empty());
}

#[test]
fn note_and_source_change_with_the_same_form() {
    let (_tmp, mut store) = demo();
    let k;
    {
        let mut a = App::new(&mut store, opts(Lang::En, false), Keymap::default_map()).unwrap();
        to_detail(&mut a);
        k = a.selected_key().unwrap();
        key(&mut a, "e");
        fill(&mut a, "note", "Thừa Thiên Huế");
        fill(&mut a, "source", "UBND xã");
        // no figure changed: no reason needed
        key(&mut a, "enter");
        assert!(a.form.is_none());
        assert_eq!(a.session.len(), 2);
    }
    let o = store.observation(&k).unwrap().unwrap();
    assert_eq!(o.note.as_deref(), Some("Thừa Thiên Huế"));
    assert_eq!(o.source.as_deref(), Some("UBND xã"));
    let acts: Vec<String> = store
        .log_entries()
        .unwrap()
        .into_iter()
        .filter(|e| e.what == k.to_string())
        .map(|e| e.action)
        .collect();
    assert_eq!(acts, vec!["set_note", "set_source"]);
}

#[test]
fn invalid_input_shows_an_inline_error_and_saves_nothing() {
    let (_tmp, mut store) = demo();
    let before = log_len(&store);
    let digest = store.content_digest().unwrap();
    {
        let mut a = App::new(&mut store, opts(Lang::En, false), Keymap::default_map()).unwrap();
        to_detail(&mut a);
        key(&mut a, "e");
        fill(&mut a, "numerator", "abc");
        fill(&mut a, "reason", "typo");
        key(&mut a, "enter");
        let f = a.form.as_ref().expect("the form stays open");
        let err = f.error.as_deref().unwrap();
        assert!(err.contains("not a number"), "{err}");
        assert_eq!(f.fields[f.focus].name, "numerator");
        // numerator without denominator, as on import
        fill(&mut a, "numerator", "2650");
        fill(&mut a, "denominator", "");
        key(&mut a, "enter");
        let err = a.form.as_ref().unwrap().error.clone().unwrap();
        assert!(err.contains("go together"), "{err}");
        // a percentage above 100
        fill(&mut a, "denominator", "2693");
        fill(&mut a, "numerator", "");
        fill(&mut a, "denominator", "");
        fill(&mut a, "value", "120");
        key(&mut a, "enter");
        let err = a.form.as_ref().unwrap().error.clone().unwrap();
        assert!(err.contains("between 0 and 100"), "{err}");
        // Esc cancels
        key(&mut a, "esc");
        assert!(a.form.is_none());
        assert!(a.session.is_empty());
    }
    assert_eq!(log_len(&store), before);
    assert_eq!(store.content_digest().unwrap(), digest);
}

#[test]
fn vietnamese_numbers_are_read_in_the_vietnamese_ui() {
    let (_tmp, mut store) = demo();
    let k;
    {
        let mut a = App::new(&mut store, opts(Lang::Vi, false), Keymap::default_map()).unwrap();
        to_detail(&mut a);
        k = a.selected_key().unwrap();
        key(&mut a, "e");
        fill(&mut a, "numerator", "");
        fill(&mut a, "denominator", "");
        fill(&mut a, "stated_percent", "");
        fill(&mut a, "value", "98,5");
        fill(&mut a, "reason", "số tổng hợp");
        key(&mut a, "enter");
        assert!(a.form.is_none());
    }
    let o = store.observation(&k).unwrap().unwrap();
    assert_eq!(o.value, Some(ntm::model::Value::Number(98.5)));
    assert_eq!(o.numerator, None);
}

#[test]
fn a_figure_change_without_a_reason_is_refused() {
    let (_tmp, mut store) = demo();
    let before = log_len(&store);
    let digest = store.content_digest().unwrap();
    {
        let mut a = App::new(&mut store, opts(Lang::Vi, false), Keymap::default_map()).unwrap();
        to_detail(&mut a);
        key(&mut a, "e");
        fill(&mut a, "numerator", "2650");
        fill(&mut a, "reason", "   ");
        key(&mut a, "enter");
        let f = a.form.as_ref().expect("the form stays open");
        assert_eq!(f.error.as_deref(), Some(Lang::Vi.t("err_reason")));
        assert_eq!(f.fields[f.focus].name, "reason");
    }
    assert_eq!(log_len(&store), before);
    assert_eq!(store.content_digest().unwrap(), digest);
}

#[test]
fn flag_with_a_comment_then_clear_it() {
    let (_tmp, mut store) = demo();
    let k;
    {
        let mut a = App::new(&mut store, opts(Lang::Vi, false), Keymap::default_map()).unwrap();
        to_detail(&mut a);
        k = a.selected_key().unwrap();
        // an empty comment on an unflagged record is refused
        key(&mut a, "F");
        key(&mut a, "enter");
        assert!(a.form.as_ref().unwrap().error.is_some());
        typ(&mut a, "cần xác minh lại mẫu số");
        key(&mut a, "enter");
        assert!(a.form.is_none());
        let d = a.detail.as_ref().unwrap();
        let fl = d.indicators[d.cursor].flag.as_ref().expect("flag shown");
        assert_eq!(fl.comment, "cần xác minh lại mẫu số");
    }
    assert_eq!(
        store.flag(&k).unwrap().unwrap().comment,
        "cần xác minh lại mẫu số"
    );
    {
        let mut a = App::new(&mut store, opts(Lang::Vi, false), Keymap::default_map()).unwrap();
        to_detail(&mut a);
        key(&mut a, "F");
        assert_eq!(
            a.form.as_ref().unwrap().get("comment"),
            "cần xác minh lại mẫu số"
        );
        key(&mut a, "ctrl-u enter");
        assert!(a.form.is_none());
    }
    assert!(store.flag(&k).unwrap().is_none());
    let acts: Vec<String> = store
        .log_entries()
        .unwrap()
        .into_iter()
        .filter(|e| e.what == k.to_string())
        .map(|e| e.action)
        .collect();
    assert_eq!(acts, vec!["flag", "unflag"]);
}

#[test]
fn undo_asks_first_and_is_itself_logged() {
    let (_tmp, mut store) = demo();
    let k;
    {
        let mut a = App::new(&mut store, opts(Lang::En, false), Keymap::default_map()).unwrap();
        // nothing to undo yet
        key(&mut a, "u");
        assert!(a.confirm.is_none());
        assert_eq!(a.message.as_deref(), Some(Lang::En.t("undo_none")));
        to_detail(&mut a);
        k = a.selected_key().unwrap();
        key(&mut a, "e");
        fill(&mut a, "numerator", "2000");
        fill(&mut a, "reason", "test");
        key(&mut a, "enter");
        assert_eq!(a.session.len(), 1);
        // asked, then declined: nothing happens
        key(&mut a, "u");
        assert!(a.confirm.is_some());
        key(&mut a, "n");
        assert!(a.confirm.is_none());
        assert_eq!(a.session.len(), 1);
        // other keys leave the question open
        key(&mut a, "u");
        key(&mut a, "down");
        assert!(a.confirm.is_some());
        key(&mut a, "y");
        assert!(a.confirm.is_none());
        assert!(a.session.is_empty());
        let d = a.detail.as_ref().unwrap();
        assert_eq!(
            d.indicators[d.cursor].by_year[&2020].numerator,
            Some(2636.0)
        );
    }
    assert_eq!(
        store.observation(&k).unwrap().unwrap().numerator,
        Some(2636.0)
    );
    let log = store.log_entries().unwrap();
    let last = log.last().unwrap();
    assert_eq!(last.action, "undo");
    assert_eq!(last.what, k.to_string());
    assert!(store.verify_log().unwrap().is_empty());
}

/// A three-record audit over 17.1a in 2020 (units in code order), saved in the store.
fn save_audit(store: &mut Store) -> Vec<ObsKey> {
    let mut obs: Vec<_> = store
        .all_observations()
        .map(|o| o.unwrap())
        .filter(|o| o.indicator == "17.1a" && o.year == 2020)
        .collect();
    obs.sort_by(|a, b| a.unit_code.cmp(&b.unit_code));
    let records: Vec<AuditRecord> = obs
        .iter()
        .take(3)
        .map(|o| AuditRecord {
            key: ObsKey::of(o),
            reported: ntm::query::audit::reported(o),
            why: "stratum 17".into(),
            mark: None,
        })
        .collect();
    assert_eq!(records.len(), 3);
    let keys = records.iter().map(|r| r.key.clone()).collect();
    let a = Audit {
        name: "kt".into(),
        who: "tester".into(),
        created: 1_790_000_000,
        params: "--size 3 --seed 1 --year 2020".into(),
        hash: ntm::audit::records_hash(&records),
        records,
    };
    store.save_audit(&a, None).unwrap();
    keys
}

#[test]
fn read_only_refuses_every_write_action() {
    let (_tmp, mut store) = demo();
    save_audit(&mut store);
    let before = log_len(&store);
    let digest = store.content_digest().unwrap();
    let refused = Lang::Vi.t("read_only_refused");
    {
        let mut a = App::new(&mut store, opts(Lang::Vi, true), Keymap::default_map()).unwrap();
        assert!(!a.can_write());
        to_detail(&mut a);
        for k in ["e", "F", "u"] {
            key(&mut a, k);
            assert!(a.form.is_none() && a.confirm.is_none(), "{k}");
            assert_eq!(a.message.as_deref(), Some(refused), "{k}");
        }
        key(&mut a, "a enter");
        assert_eq!(a.screen(), Screen::Audit);
        for k in ["c", "d", "x", "e", "F", "u"] {
            key(&mut a, k);
            assert!(a.form.is_none() && a.confirm.is_none(), "{k}");
            assert_eq!(a.message.as_deref(), Some(refused), "{k}");
        }
        // the status line says so
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 30)).unwrap();
        a.message = Some(refused.into());
        ntm::tui::draw(&mut t, &a).unwrap();
        assert!(t.backend().to_string().contains("Chỉ đọc"));
    }
    // a shared store is read-only too
    {
        let mut a = App::new(&store, opts(Lang::En, false), Keymap::default_map()).unwrap();
        assert!(!a.can_write());
        to_detail(&mut a);
        key(&mut a, "e");
        assert!(a.form.is_none());
        assert_eq!(a.message.as_deref(), Some(Lang::En.t("read_only_refused")));
    }
    assert_eq!(log_len(&store), before);
    assert_eq!(store.content_digest().unwrap(), digest);
    assert!(
        store.audit("kt").unwrap().unwrap().records[0]
            .mark
            .is_none()
    );
}

#[test]
fn audit_screen_marks_records_and_counts_progress() {
    let (_tmp, mut store) = demo();
    let keys = save_audit(&mut store);
    {
        let mut a = App::new(&mut store, opts(Lang::En, false), Keymap::default_map()).unwrap();
        key(&mut a, "a");
        assert_eq!(a.screen(), Screen::Audits);
        key(&mut a, "enter");
        assert_eq!(a.screen(), Screen::Audit);
        let av = a.audit.as_ref().unwrap();
        assert_eq!((av.index, av.marked()), (0, 0));
        // the record's detail: its unit, year, cursor on its indicator
        assert_eq!(a.selected_key().unwrap(), keys[0]);
        // confirmed, with an optional note
        key(&mut a, "c");
        typ(&mut a, "khớp sổ");
        key(&mut a, "enter");
        assert!(a.form.is_none());
        let av = a.audit.as_ref().unwrap();
        assert_eq!((av.index, av.marked()), (1, 1));
        assert_eq!(a.selected_key().unwrap(), keys[1]);
        // a discrepancy needs a recount and evidence
        key(&mut a, "d");
        key(&mut a, "enter");
        assert!(a.form.as_ref().unwrap().error.is_some());
        fill(&mut a, "recount", "abc");
        key(&mut a, "enter");
        assert!(
            a.form
                .as_ref()
                .unwrap()
                .error
                .as_deref()
                .unwrap()
                .contains("not a number"),
            "{:?}",
            a.form.as_ref().unwrap().error
        );
        fill(&mut a, "recount", "90.5");
        key(&mut a, "enter");
        assert_eq!(
            a.form.as_ref().unwrap().error.as_deref(),
            Some(Lang::En.t("err_evidence"))
        );
        fill(&mut a, "note", "household register p. 12");
        key(&mut a, "enter");
        assert!(a.form.is_none());
        assert_eq!(a.audit.as_ref().unwrap().marked(), 2);
        // cannot verify
        key(&mut a, "x");
        key(&mut a, "enter");
        let av = a.audit.as_ref().unwrap();
        assert_eq!(av.marked(), 3);
        assert!(
            a.message
                .as_deref()
                .unwrap()
                .contains(Lang::En.t("audit_all_done"))
        );
        // the screen shows progress
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
        ntm::tui::draw(&mut t, &a).unwrap();
        assert!(
            t.backend().to_string().contains("checked 3/3"),
            "{}",
            t.backend()
        );
    }
    let au = store.audit("kt").unwrap().unwrap();
    let st: Vec<_> = au
        .records
        .iter()
        .map(|r| r.mark.as_ref().unwrap().status)
        .collect();
    assert_eq!(
        st,
        vec![
            MarkStatus::Confirmed,
            MarkStatus::Discrepancy,
            MarkStatus::CannotVerify
        ]
    );
    assert_eq!(
        au.records[0].mark.as_ref().unwrap().note.as_deref(),
        Some("khớp sổ")
    );
    assert_eq!(au.records[1].mark.as_ref().unwrap().recount, Some(90.5));
    let marks = store
        .log_entries()
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "audit_mark")
        .count();
    assert_eq!(marks, 3);
}

#[test]
fn reopening_an_audit_resumes_at_the_first_unchecked_record() {
    let (_tmp, mut store) = demo();
    let keys = save_audit(&mut store);
    {
        let mut a = App::new(&mut store, opts(Lang::Vi, false), Keymap::default_map()).unwrap();
        key(&mut a, "a enter c enter");
        assert_eq!(a.audit.as_ref().unwrap().marked(), 1);
        key(&mut a, "esc esc");
        assert_eq!(a.screen(), Screen::Grid);
        assert!(a.detail.is_none() && a.audit.is_none());
    }
    let mut a = App::new(&mut store, opts(Lang::Vi, false), Keymap::default_map()).unwrap();
    key(&mut a, "a enter");
    let av = a.audit.as_ref().unwrap();
    assert_eq!((av.index, av.marked()), (1, 1));
    assert_eq!(a.selected_key().unwrap(), keys[1]);
    // stepping through records
    key(&mut a, "down");
    assert_eq!(a.audit.as_ref().unwrap().index, 2);
    key(&mut a, "down");
    assert_eq!(a.audit.as_ref().unwrap().index, 2);
    key(&mut a, "up up up");
    assert_eq!(a.audit.as_ref().unwrap().index, 0);
    assert_eq!(a.selected_key().unwrap(), keys[0]);
}

#[test]
fn the_grid_marks_a_cell_with_an_audit_discrepancy() {
    let (_tmp, mut store) = demo();
    let keys = save_audit(&mut store);
    let mut a = App::new(&mut store, opts(Lang::En, false), Keymap::default_map()).unwrap();
    // a record whose commune is in the grid
    let i = keys
        .iter()
        .position(|k| a.grid.rows.iter().any(|r| r.report.unit.code == k.unit))
        .expect("an audited commune in the grid");
    let row_of = |a: &App| {
        a.grid
            .rows
            .iter()
            .position(|r| r.report.unit.code == keys[i].unit)
            .unwrap()
    };
    let c17 = a.fw().criteria.iter().position(|c| c.code == "17").unwrap();
    assert_ne!(a.grid.rows[row_of(&a)].cells[c17], Cell::Audited);
    key(&mut a, "a enter");
    for _ in 0..i {
        key(&mut a, "down");
    }
    assert_eq!(a.selected_key().unwrap(), keys[i]);
    key(&mut a, "d");
    fill(&mut a, "recount", "50");
    fill(&mut a, "note", "recount at the commune office");
    key(&mut a, "enter");
    assert!(a.form.is_none());
    key(&mut a, "esc esc");
    assert_eq!(a.screen(), Screen::Grid);
    let r = row_of(&a);
    assert_eq!(a.grid.rows[r].cells[c17], Cell::Audited);
    assert!(
        a.grid.rows[r]
            .report
            .findings
            .iter()
            .any(|f| f.kind == ntm::eval::FindingKind::AuditDiscrepancy)
    );
    // drawn with its glyph, and in the legend
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 48)).unwrap();
    ntm::tui::draw(&mut t, &a).unwrap();
    let text = t.backend().to_string();
    assert!(
        text.contains("A a spot audit found a discrepancy"),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.contains(&a.grid.rows[r].report.unit.name))
        .unwrap();
    assert!(line.contains('A'), "{line}");
}

#[test]
fn line_editor_handles_vietnamese_and_the_cursor() {
    let mut e = LineEdit::new("");
    for c in "Huế".chars() {
        e.insert(c);
    }
    assert_eq!((e.text.as_str(), e.cursor), ("Huế", 3));
    e.left();
    e.insert('ê');
    assert_eq!(e.text, "Huêế");
    e.backspace();
    e.right();
    e.insert('!');
    assert_eq!(e.text, "Huế!");
    e.home();
    e.delete();
    assert_eq!((e.text.as_str(), e.cursor), ("uế!", 0));
    e.end();
    e.backspace();
    e.backspace();
    e.backspace();
    e.backspace();
    assert_eq!((e.text.as_str(), e.cursor), ("", 0));
    // NFD input (combining marks as separate chars) is kept and stored as typed
    let mut e = LineEdit::new("");
    for c in "e\u{0302}\u{0301}".chars() {
        e.insert(c);
    }
    assert_eq!(e.len(), 3);
}

#[test]
fn an_edit_over_a_record_changed_meanwhile_is_refused() {
    let (tmp, store) = demo();
    let path = store.path().to_path_buf();
    drop(store);
    let session =
        ntm::store::Session::new(&path, false, std::time::Duration::from_secs(5)).unwrap();
    let mut a = App::new(session, opts(Lang::Vi, false), Keymap::default_map()).unwrap();
    to_detail(&mut a);
    let k = a.selected_key().unwrap();
    key(&mut a, "e");
    assert_eq!(a.form.as_ref().unwrap().get("numerator"), "2636");
    // the interface lets go while the officer types; a colleague saves the same record
    a.before_idle();
    {
        let mut other = Store::open(&path, false).unwrap();
        let reg = other.registry().unwrap();
        let mut o = other.observation(&k).unwrap().unwrap();
        o.numerator = Some(2640.0);
        other.set_figures(&o, "đồng nghiệp sửa", &reg).unwrap();
    }
    fill(&mut a, "numerator", "2650");
    fill(&mut a, "reason", "đếm lại");
    key(&mut a, "enter");
    let err = a
        .form
        .as_ref()
        .and_then(|f| f.error.clone())
        .expect("the form stays open with the reason");
    assert!(err.contains("vừa được sửa bởi"), "{err}");
    assert!(
        err.contains("2.640/2.693"),
        "the new figures are shown: {err}"
    );
    a.before_idle();
    let o = Store::open(&path, true)
        .unwrap()
        .observation(&k)
        .unwrap()
        .unwrap();
    assert_eq!(o.numerator, Some(2640.0), "the colleague's figure stands");
    // after Esc and opening the form again, the new figures are the base: saving works
    key(&mut a, "esc");
    key(&mut a, "e");
    assert_eq!(a.form.as_ref().unwrap().get("numerator"), "2640");
    fill(&mut a, "numerator", "2650");
    fill(&mut a, "reason", "đếm lại");
    key(&mut a, "enter");
    assert!(
        a.form.is_none(),
        "{:?}",
        a.form.as_ref().and_then(|f| f.error.clone())
    );
    drop(a);
    drop(tmp);
}
