//! Keymaps: the shipped maps parse and bind every action; user files override only what they
//! name; bad files fail with file, line and key.

use ntm::tui::action::Action;
use ntm::tui::keymap::{self, Feed, Key, Keymap, parse_layer};

#[test]
fn shipped_keymaps_bind_every_action() {
    for name in ["default", "vim", "emacs"] {
        let text = keymap::builtin(name).unwrap();
        let layer = parse_layer(text, name).unwrap();
        for a in Action::ALL {
            assert!(
                layer.bindings.get(&a).is_some_and(|v| !v.is_empty()),
                "{name} does not bind {}",
                a.name()
            );
        }
        let km = Keymap::load(Some(name)).unwrap();
        assert!(km.unbound().is_empty(), "{name}: {:?}", km.unbound());
    }
}

#[test]
fn action_names_are_snake_case_and_round_trip() {
    for a in Action::ALL {
        assert_eq!(Action::parse(a.name()), Some(a));
        assert!(a.name().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        // serde uses the same names
        let toml_name: String = serde_json_like(a);
        assert_eq!(toml_name, a.name());
    }
}

fn serde_json_like(a: Action) -> String {
    #[derive(serde::Serialize)]
    struct W {
        a: Action,
    }
    let s = toml::to_string(&W { a }).unwrap();
    s.trim()
        .trim_start_matches("a = \"")
        .trim_end_matches('"')
        .to_string()
}

#[test]
fn user_file_overrides_only_named_actions() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mine.toml");
    std::fs::write(&p, "[keys]\nmove_down = [\"x\", \"down\"]\nquit = \"Q\"\n").unwrap();
    let km = Keymap::load(Some(p.to_str().unwrap())).unwrap();
    assert_eq!(km.keys_of(Action::MoveDown), vec!["x", "down"]);
    assert_eq!(km.keys_of(Action::Quit), vec!["Q"]);
    assert_eq!(km.keys_of(Action::MoveUp), vec!["up"]);
    assert_eq!(km.keys_of(Action::Help), vec!["?", "f1"]);
    // a key taken by the user is taken away from its old action
    std::fs::write(&p, "[keys]\nsort_next = \"q\"\n").unwrap();
    let km = Keymap::load(Some(p.to_str().unwrap())).unwrap();
    assert_eq!(km.keys_of(Action::Quit), vec!["ctrl-c"]);
    // base = "vim"
    std::fs::write(&p, "base = \"vim\"\n[keys]\nquit = \"Q\"\n").unwrap();
    let km = Keymap::load(Some(p.to_str().unwrap())).unwrap();
    assert_eq!(km.keys_of(Action::MoveDown), vec!["j", "down"]);
    assert_eq!(km.keys_of(Action::GoTop), vec!["g g", "home"]);
}

fn err(text: &str) -> keymap::KeymapError {
    parse_layer(text, "bad.toml").unwrap_err()
}

#[test]
fn bad_files_name_file_line_and_key() {
    let e = err("[keys]\nmove_down = \"j\"\nfly_away = \"x\"\n");
    assert_eq!(
        (e.file.as_str(), e.line, e.key.as_str()),
        ("bad.toml", 3, "fly_away")
    );
    assert!(
        e.to_string()
            .starts_with("keymap bad.toml:3: fly_away: unknown action"),
        "{e}"
    );

    let e = err("[keys]\n\nquit = [\"ctrl-\"]\n");
    assert_eq!((e.line, e.key.as_str()), (3, "quit"));
    assert!(e.message.contains("cannot read key `ctrl-`"), "{e}");

    let e = err("[keys]\nquit = \"q\"\nhelp = [\"?\", \"q\"]\n");
    assert_eq!((e.line, e.key.as_str()), (3, "help"));
    assert!(e.message.contains("clashes"), "{e}");

    // a prefix of a sequence clashes too
    let e = err("[keys]\ngo_top = \"g g\"\nfilter = \"g\"\n");
    assert_eq!(e.line, 3);

    let e = err("[keys]\nquit = 5\n");
    assert_eq!((e.line, e.key.as_str()), (2, "quit"));

    let e = err("[keys\nquit = \"q\"\n");
    assert_eq!(e.line, 1);

    let e = err("colour = \"red\"\n");
    assert_eq!((e.line, e.key.as_str()), (1, "colour"));

    let e = err("base = \"nano\"\n");
    assert!(e.message.contains("unknown base keymap"));

    let e = Keymap::load(Some("/nonexistent/keys.toml")).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/keys.toml"), "{e}");
}

#[test]
fn key_parsing_and_sequences() {
    assert_eq!(Key::parse("G").unwrap().to_string(), "G");
    assert_eq!(Key::parse("ctrl-D").unwrap().to_string(), "ctrl-d");
    assert_eq!(Key::parse("alt-<").unwrap().to_string(), "alt-<");
    assert_eq!(Key::parse("space").unwrap().to_string(), "space");
    assert_eq!(Key::parse("-").unwrap().to_string(), "-");
    assert!(Key::parse("f99").is_none());
    assert!(Key::parse("hyper-x").is_none());
    let km = Keymap::load(Some("vim")).unwrap();
    let mut pending = Vec::new();
    let g = Key::parse("g").unwrap();
    assert_eq!(km.feed(&mut pending, g), Feed::Pending);
    assert_eq!(km.feed(&mut pending, g), Feed::Action(Action::GoTop));
    // an abandoned sequence falls back to the new key
    assert_eq!(km.feed(&mut pending, g), Feed::Pending);
    assert_eq!(
        km.feed(&mut pending, Key::parse("j").unwrap()),
        Feed::Action(Action::MoveDown)
    );
    assert!(pending.is_empty());
    // crossterm's shifted letter arrives as the capital with SHIFT
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let k = Key::from_event(&KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)).unwrap();
    assert_eq!(km.feed(&mut pending, k), Feed::Action(Action::GoBottom));
}

#[test]
fn help_and_keys_table_come_from_the_keymap() {
    let km = Keymap::load(Some("vim")).unwrap();
    let md = ntm::tui::help::markdown(&km, ntm::i18n::Lang::En);
    assert!(md.contains("| `g g` `home` | To the top |"), "{md}");
    let km = Keymap::default_map();
    let md = ntm::tui::help::markdown(&km, ntm::i18n::Lang::En);
    assert!(md.contains("| `[` | Previous year |"), "{md}");
}

#[test]
fn catalogue_has_every_ui_key_once() {
    let mut seen = std::collections::BTreeSet::new();
    for (k, vi, en) in ntm::i18n::CATALOGUE {
        assert!(seen.insert(*k), "duplicate catalogue key {k}");
        assert!(!vi.is_empty() && !en.is_empty(), "{k}");
    }
    for a in Action::ALL {
        assert!(seen.contains(a.desc_key()), "{}", a.desc_key());
        assert!(seen.contains(a.hint_key()), "{}", a.hint_key());
    }
}

#[test]
fn hostile_keymap_text_is_echoed_short_and_clean() {
    let long = format!("\u{1b}]0;x\u{7}{}", "k".repeat(5000));
    let toml_str = long
        .replace('\u{1b}', "\\u001b")
        .replace('\u{7}', "\\u0007");
    for text in [
        format!("[keys]\nquit = \"{toml_str}\"\n"),
        format!("[keys]\n\"{toml_str}\" = \"q\"\n"),
        format!("base = \"{toml_str}\"\n"),
    ] {
        let shown = err(&text).to_string();
        assert!(shown.starts_with("keymap bad.toml:"), "{shown}");
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert!(shown.len() < 1200, "{} bytes: {shown}", shown.len());
        assert!(!shown.contains(&"k".repeat(41)), "{shown}");
    }
}
