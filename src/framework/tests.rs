use super::*;
use crate::model::{Comparison, Kind, TargetOrigin, TargetValue};

const MINI: &str = r#"
id = "mini"
name = "Bộ mini"
name_en = "Mini"
regions = ["TDMNPB", "DBSH"]

[[groups]]
code = "I"
name = "Nhóm I"
name_en = "Group I"

[[criteria]]
code = "1"
group = "I"
name = "Điện"
name_en = "Electricity"

[[indicators]]
code = "1.1"
criterion = "1"
name = "Hệ thống điện đạt chuẩn"
name_en = "Grid up to standard"
kind = "bool"
comparison = "="
targets = { national = true }
sources = { national = "test" }

[[indicators]]
code = "1.2"
criterion = "1"
name = "Tỷ lệ hộ dùng điện"
name_en = "Households with power"
kind = "ratio"
unit = "hộ"
comparison = ">="
targets = { TDMNPB = 95.0, national = 98.0 }
unconfirmed = ["DBSH"]
sources = { TDMNPB = "test", national = "test" }
"#;

fn mini() -> Framework {
    parse_framework("mini.toml", MINI).unwrap()
}

#[test]
fn parses_a_valid_file() {
    let f = mini();
    assert_eq!(f.id, "mini");
    assert_eq!(f.criteria.len(), 1);
    assert_eq!(f.criteria[0].indicators, vec![0, 1]);
    assert_eq!(f.indicators[1].kind, Kind::Ratio);
    assert_eq!(f.indicators[1].comparison, Comparison::Ge);
    assert_eq!(f.indicators[0].targets["national"], TargetValue::Pass(true));
}

#[test]
fn target_resolution_order() {
    let f = mini();
    let ov = Override {
        framework: "mini".into(),
        province: "24".into(),
        decision: "07/2017/QĐ-UBND".into(),
        issuer: None,
        targets: vec![OverrideTarget {
            indicator: "1.2".into(),
            value: TargetValue::Number(99.0),
            comparison: None,
            note: None,
        }],
        source_text: String::new(),
        added_as: None,
    };
    let mut ovs = [ov];
    // province override wins
    let t = f.target(1, Some("TDMNPB"), Some("24"), &ovs).unwrap();
    assert_eq!(t.value, TargetValue::Number(99.0));
    assert_eq!(t.origin, TargetOrigin::Province("07/2017/QĐ-UBND".into()));
    // one a user added names itself, so the verdict can be traced to it
    ovs[0].added_as = Some("ha-noi-2021".into());
    let t = f.target(1, Some("TDMNPB"), Some("24"), &ovs).unwrap();
    assert_eq!(
        t.origin,
        TargetOrigin::Province("07/2017/QĐ-UBND [override ha-noi-2021]".into())
    );
    // then the region
    let t = f.target(1, Some("TDMNPB"), Some("01"), &ovs).unwrap();
    assert_eq!(t.value, TargetValue::Number(95.0));
    assert_eq!(t.origin, TargetOrigin::Region("TDMNPB".into()));
    // an unconfirmed region gets no target instead of the national one
    assert!(f.target(1, Some("DBSH"), None, &ovs).is_none());
    // no region: national
    let t = f.target(1, None, None, &ovs).unwrap();
    assert_eq!(t.origin, TargetOrigin::National);
    assert_eq!(t.value, TargetValue::Number(98.0));
}

fn broken(from: &str, to: &str) -> FrameworkError {
    let text = MINI.replacen(from, to, 1);
    assert_ne!(text, MINI, "the replacement must change the file");
    parse_framework("bad.toml", &text).unwrap_err()
}

#[test]
fn rejects_unknown_kind_with_line() {
    let e = broken("kind = \"ratio\"", "kind = \"percent\"");
    assert_eq!(e.file, "bad.toml");
    assert_eq!(e.line, 33);
    assert!(e.reason.contains("unknown kind \"percent\""), "{e}");
}

#[test]
fn rejects_duplicate_code() {
    let e = broken("code = \"1.2\"", "code = \"1.1\"");
    assert!(e.reason.contains("duplicate indicator code 1.1"), "{e}");
    assert_eq!(e.line, 29);
}

#[test]
fn rejects_indicator_of_missing_criterion() {
    let e = broken(
        "criterion = \"1\"\nname = \"Tỷ lệ",
        "criterion = \"7\"\nname = \"Tỷ lệ",
    );
    assert!(
        e.reason.contains("criterion 7, which is not defined"),
        "{e}"
    );
}

#[test]
fn rejects_target_for_unknown_region_and_wrong_type() {
    let e = broken("TDMNPB = 95.0", "XYZ = 95.0");
    assert!(e.reason.contains("unknown region XYZ"), "{e}");
    let e = broken(
        "targets = { national = true }",
        "targets = { national = 5.0 }",
    );
    assert!(e.reason.contains("true/false target"), "{e}");
}

#[test]
fn rejects_unknown_field_and_bad_syntax() {
    let e = broken("name_en = \"Mini\"", "name_en = \"Mini\"\ncolour = \"red\"");
    assert!(e.reason.contains("unknown field"), "{e}");
    assert_eq!(e.line, 5);
    let e = broken("[[groups]]", "[[groups]");
    assert_eq!(e.line, 7);
}

#[test]
fn override_on_missing_indicator_is_rejected() {
    let mut reg = Registry::default();
    reg.put_framework(mini());
    let text = "framework = \"mini\"\nprovince = \"24\"\ndecision = \"x\"\n\n[[targets]]\nindicator = \"9.9\"\nvalue = 1.0\n";
    let e = parse_override("ov.toml", text, &reg).unwrap_err();
    assert_eq!(e.line, 6);
    assert!(e.reason.contains("9.9"), "{e}");
    let ok = "framework = \"mini\"\nprovince = \"24\"\ndecision = \"x\"\n\n[[targets]]\nindicator = \"1.2\"\nvalue = 99\n";
    let o = parse_override("ov.toml", ok, &reg).unwrap();
    assert_eq!(o.targets[0].value, TargetValue::Number(99.0));
}

#[test]
fn builtin_frameworks_are_complete() {
    let reg = Registry::builtin();
    let f = reg.get("qd1980-2016").expect("qd1980-2016 is built in");
    assert_eq!(f.criteria.len(), 19);
    assert_eq!(f.groups.len(), 5);
    assert_eq!(f.indicators.len(), 51);
    for code in ["3.1a", "3.1b", "17.1a", "17.1b", "5", "10", "19.2"] {
        assert!(f.indicator(code).is_some(), "missing {code}");
    }
    // every target is traced to a source
    for i in &f.indicators {
        for k in i.targets.keys() {
            assert!(
                i.sources.contains_key(k),
                "{} target {k} has no source",
                i.code
            );
        }
    }
    // Bắc Giang (TDMNPB) gets a target for 17.6 from the report's appendix
    let (i, _) = f.indicator("17.6").unwrap();
    let t = f
        .target(i, Some("TDMNPB"), Some("24"), &reg.overrides)
        .unwrap();
    assert_eq!(t.value, TargetValue::Number(70.0));
}

#[test]
fn new_criteria_sets_are_built_in_with_only_confirmed_content() {
    let reg = Registry::builtin();
    for f in &reg.frameworks {
        for i in &f.indicators {
            for k in i.targets.keys() {
                assert!(
                    i.sources.get(k).is_some_and(|s| !s.trim().is_empty()),
                    "{} {} target {k} has no source",
                    f.id,
                    i.code
                );
            }
            // an unconfirmed indicator never carries a numeric level
            if !i.confirmed {
                assert!(
                    i.targets
                        .values()
                        .all(|t| matches!(t, TargetValue::Pass(_))),
                    "{} {}: unconfirmed indicator with a numeric target",
                    f.id,
                    i.code
                );
            }
        }
    }

    let f = reg.get("qd318-2022").expect("qd318-2022 is built in");
    assert_eq!((f.criteria.len(), f.groups.len()), (19, 5));
    assert_eq!(f.regions, crate::model::REGIONS);
    let name = |c: &str| f.criterion(c).unwrap().1.name.as_str();
    assert_eq!(name("3"), "Thủy lợi và phòng, chống thiên tai");
    assert_eq!(name("11"), "Nghèo đa chiều");
    assert_eq!(name("12"), "Lao động");
    assert_eq!(
        name("13"),
        "Tổ chức sản xuất và phát triển kinh tế nông thôn"
    );
    assert_eq!(name("17"), "Môi trường và an toàn thực phẩm");
    // 15.3 stunting: the confirmed ceilings, in the research note's region order
    let (i, ind) = f.indicator("15.3").unwrap();
    assert!(ind.confirmed);
    assert_eq!(ind.comparison, Comparison::Le);
    let want = [24.0, 16.5, 25.0, 22.0, 26.5, 14.5, 19.0];
    for (r, w) in crate::model::REGIONS.iter().zip(want) {
        let t = f.target(i, Some(r), None, &[]).unwrap();
        assert_eq!(t.value, TargetValue::Number(w), "{r}");
        assert!(ind.sources[*r].contains("S15"), "{r}");
    }
    assert!(
        !ind.targets.contains_key("national"),
        "no national level is confirmed"
    );
    // every other criterion: one criterion-level pass/fail indicator with the criterion's code
    for c in &f.criteria {
        let (_, ci) = f.indicator(&c.code).expect("criterion-level indicator");
        assert_eq!(ci.kind, Kind::Bool);
        assert!(!ci.confirmed);
    }
    assert_eq!(f.indicators.len(), 20);

    let n = reg
        .get("qd318-2022-nang-cao")
        .expect("nâng cao is built in");
    assert_eq!(n.criteria.len(), 19);
    let (_, health) = n.criterion("14").unwrap();
    assert_eq!(health.name, "Y tế");
    assert!(health.confirmed);
    assert_eq!(n.criteria.iter().filter(|c| c.confirmed).count(), 1);
    assert!(
        n.note
            .as_deref()
            .unwrap()
            .contains("Chất lượng môi trường sống")
    );

    let g = reg.get("qd51-2025").expect("qd51-2025 is built in");
    assert_eq!(g.criteria.len(), 10);
    assert_eq!(g.commune_groups, ["1", "2", "3"]);
    assert!(g.regions.is_empty());
    assert_eq!(g.declared_indicators, Some(47));
    assert_eq!(g.criteria[6].name, "Khoa học, công nghệ và chuyển đổi số");
    assert_eq!(g.indicators.len(), 10);
    assert!(g.indicators.iter().all(|i| !i.confirmed));
}

const GROUPS: &str = r#"
id = "grp"
name = "Bộ theo nhóm xã"
name_en = "By commune group"
commune_groups = ["1", "2", "3"]

[[criteria]]
code = "1"
name = "Điện"
name_en = "Electricity"

[[indicators]]
code = "1"
criterion = "1"
name = "Tỷ lệ hộ dùng điện"
name_en = "Households with power"
kind = "ratio"
unit = "hộ"
comparison = ">="
targets = { "1" = 99.0, "3" = 90.0, national = 95.0 }
unconfirmed = ["2"]
sources = { "1" = "test", "3" = "test", national = "test" }
"#;

fn unit(
    code: &str,
    level: crate::model::Level,
    parent: Option<&str>,
    group: Option<&str>,
    region: Option<&str>,
) -> crate::model::Unit {
    crate::model::Unit {
        code: code.into(),
        name: code.into(),
        level,
        parent_code: parent.map(Into::into),
        region: region.map(Into::into),
        valid_from: None,
        valid_to: None,
        successor_code: None,
        commune_group: group.map(Into::into),
    }
}

#[test]
fn group_based_framework_resolves_targets_by_the_units_commune_group() {
    use crate::model::{Level, Units};
    let f = parse_framework("grp.toml", GROUPS).unwrap();
    assert!(f.uses_commune_groups());
    let mut units = Units::default();
    units.insert(unit("P", Level::Province, None, None, Some("TDMNPB")));
    units.insert(unit("D", Level::District, Some("P"), Some("3"), None));
    units.insert(unit("c-inherits", Level::Commune, Some("D"), None, None));
    units.insert(unit("c-own", Level::Commune, Some("D"), Some("1"), None));
    units.insert(unit("c-two", Level::Commune, Some("P"), Some("2"), None));
    units.insert(unit("c-none", Level::Commune, Some("P"), None, None));
    let t = |u: &str| crate::eval::targets_for(&f, &units, u, &[]).remove(0);
    // inherited from the district, like region
    let x = t("c-inherits").unwrap();
    assert_eq!(x.value, TargetValue::Number(90.0));
    assert_eq!(x.origin, TargetOrigin::CommuneGroup("3".into()));
    // its own group wins over the parent's; the region (TDMNPB) plays no part
    assert_eq!(t("c-own").unwrap().value, TargetValue::Number(99.0));
    // an unconfirmed group: no target, not the national one
    assert!(t("c-two").is_none());
    // no group anywhere up the chain: national
    assert_eq!(t("c-none").unwrap().origin, TargetOrigin::National);
    // and a region-based framework ignores commune groups
    let m = mini();
    let r = crate::eval::targets_for(&m, &units, "c-own", &[]);
    assert_eq!(
        r[1].as_ref().unwrap().origin,
        TargetOrigin::Region("TDMNPB".into())
    );
}

#[test]
fn group_based_framework_errors_name_the_line() {
    let e = parse_framework("g.toml", &GROUPS.replace("\"3\" = 90.0", "\"4\" = 90.0")).unwrap_err();
    assert!(e.reason.contains("unknown commune group 4"), "{e}");
    assert_eq!(e.line, 20);
    let e = parse_framework(
        "g.toml",
        &GROUPS.replace(
            "commune_groups = [",
            "regions = [\"TDMNPB\"]\ncommune_groups = [",
        ),
    )
    .unwrap_err();
    assert!(e.reason.contains("not both"), "{e}");
    assert_eq!(e.line, 6);
    // groups declared: every criterion needs one
    let e = parse_framework(
        "g.toml",
        &GROUPS.replace(
            "[[criteria]]",
            "[[groups]]\ncode = \"I\"\nname = \"x\"\nname_en = \"x\"\n\n[[criteria]]",
        ),
    )
    .unwrap_err();
    assert!(e.reason.contains("criterion 1 has no group"), "{e}");
}

fn mapping_reg() -> Registry {
    Registry::builtin()
}

#[test]
fn builtin_mapping_pairs_stunting_across_the_2021_change() {
    let reg = mapping_reg();
    assert_eq!(reg.mappings.len(), 1);
    let m = &reg.mappings[0];
    assert_eq!(
        (m.from.as_str(), m.to.as_str()),
        ("qd1980-2016", "qd318-2022")
    );
    assert_eq!(
        reg.counterparts("qd318-2022", "15.3"),
        vec![(
            "qd1980-2016".to_string(),
            "15.3".to_string(),
            m.pairs[0].note.clone()
        )]
    );
    assert_eq!(reg.counterparts("qd1980-2016", "15.3")[0].0, "qd318-2022");
    // criterion-level pass/fail indicators are not the same measure as 1980's ratios
    assert!(reg.counterparts("qd318-2022", "10").is_empty());
    assert!(reg.counterparts("qd1980-2016", "10").is_empty());
}

#[test]
fn mapping_errors_name_file_and_line() {
    let reg = mapping_reg();
    let ok = "from = \"qd1980-2016\"\nto = \"qd318-2022\"\n\n[[pairs]]\nfrom = \"15.3\"\nto = \"15.3\"\n";
    assert_eq!(parse_mapping("m.toml", ok, &reg).unwrap().pairs.len(), 1);
    let e = parse_mapping(
        "m.toml",
        &ok.replace("to = \"15.3\"", "to = \"15.9\""),
        &reg,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "m.toml:6: 15.9 is not an indicator of framework qd318-2022"
    );
    let e = parse_mapping(
        "m.toml",
        &ok.replace("from = \"15.3\"", "from = \"99\""),
        &reg,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "m.toml:5: 99 is not an indicator of framework qd1980-2016"
    );
    let e = parse_mapping("m.toml", &ok.replace("qd318-2022", "qd999"), &reg).unwrap_err();
    assert_eq!(e.to_string(), "m.toml:2: unknown framework qd999");
    let twice = format!("{ok}\n[[pairs]]\nfrom = \"15.3\"\nto = \"15\"\n");
    let e = parse_mapping("m.toml", &twice, &reg).unwrap_err();
    assert_eq!(e.line, 9);
    assert!(e.reason.contains("mapped twice"), "{e}");
    let e = parse_mapping("m.toml", &format!("{ok}colour = 1\n"), &reg).unwrap_err();
    assert!(e.reason.contains("unknown field"), "{e}");
}

#[test]
fn more_indicators_than_a_16_bit_id_counts_are_refused() {
    let head = "id = \"big\"\nname = \"B\"\nname_en = \"B\"\n\n[[criteria]]\ncode = \"1\"\nname = \"C\"\nname_en = \"C\"\n";
    let ind = |i: usize| {
        format!(
            "[[indicators]]\ncode = \"{i}\"\ncriterion = \"1\"\nname = \"\"\nname_en = \"\"\nkind = \"bool\"\ncomparison = \"=\"\n"
        )
    };
    let text = |n: usize| head.to_string() + &(0..n).map(ind).collect::<String>();
    let e = parse_framework("big.toml", &text(MAX_INDICATORS + 1)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "big.toml:1: the framework has 65536 indicators; ntm stores at most 65535 (indicator ids are 16-bit)"
    );
    assert_eq!(
        parse_framework("big.toml", &text(MAX_INDICATORS))
            .unwrap()
            .indicators
            .len(),
        MAX_INDICATORS
    );
}

#[test]
fn ids_and_codes_with_controls_or_spaces_are_refused() {
    for (from, to, what) in [
        (
            "id = \"mini\"",
            "id = \"mi\\u001b]0;x\\u0007ni\"",
            "mini.toml:2: framework id",
        ),
        (
            "id = \"mini\"",
            "id = \"mi ni\"",
            "mini.toml:2: framework id",
        ),
        (
            "code = \"1.2\"",
            "code = \"1.\\u202e2\"",
            "mini.toml:29: indicator code",
        ),
        (
            "code = \"1\"\ngroup",
            "code = \"\\u0000\"\ngroup",
            "mini.toml:13: criterion code",
        ),
    ] {
        let e = parse_framework("mini.toml", &MINI.replacen(from, to, 1)).unwrap_err();
        let m = e.to_string();
        assert!(m.starts_with(what), "{m}");
        assert!(m.contains("contains spaces or control characters"), "{m}");
        assert!(!m.chars().any(|c| c.is_control()), "{m:?}");
    }
    let long = format!("id = \"{}\"", "q".repeat(65));
    let e = parse_framework("mini.toml", &MINI.replacen("id = \"mini\"", &long, 1)).unwrap_err();
    assert!(
        e.to_string().contains("is longer than 64 characters"),
        "{e}"
    );
}

#[test]
fn a_framework_already_in_a_store_still_loads() {
    // stores kept files from before the code checks: they load, a new add is refused
    let old = MINI.replacen("code = \"1.2\"", "code = \"1 .2\"", 1);
    assert!(parse_framework("mini.toml", &old).is_err());
    let f = parse_stored_framework("mini.toml", &old).unwrap();
    assert!(f.indicator("1 .2").is_some());
    let empty = MINI.replacen("id = \"mini\"", "id = \" \"", 1);
    assert!(parse_stored_framework("mini.toml", &empty).is_err());
}
