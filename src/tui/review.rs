//! Writing from the interface: the edit, flag and audit-mark forms, undo with confirmation,
//! and the audit screens' state. Every write goes through the store (which logs and flushes
//! it); after a write the grid, detail and audit are reloaded so statuses and findings follow.
//! Input is validated exactly as on import (`io::validate_observation`).

use std::collections::HashMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, AuditView, QData, Screen};
use super::form::{Confirm, Field, Form, FormEvent, FormKind};
use crate::eval::Options as EvalOptions;
use crate::i18n::Lang;
use crate::io::{ReadOptions, validate_observation};
use crate::model::{Kind, Observation, Value};
use crate::query::GridRow;
use crate::store::{AuditMark, LogEntry, MarkStatus, ObsKey, Store};

/// A number as typed back into a field: `97,9` in Vietnamese, `97.9` in English, no grouping.
pub fn num_text(x: f64, lang: Lang) -> String {
    let s = crate::text::fmt_plain(x);
    if lang == Lang::Vi {
        s.replace('.', ",")
    } else {
        s
    }
}

fn pass_text(p: bool, lang: Lang) -> &'static str {
    match (p, lang) {
        (true, Lang::Vi) => "đạt",
        (false, Lang::Vi) => "chưa đạt",
        (true, Lang::En) => "yes",
        (false, Lang::En) => "no",
    }
}

/// Catalogue key of the form label for an import column.
fn label_of(column: &str) -> Option<&'static str> {
    Some(match column {
        "value" => "f_value",
        "numerator" => "f_numerator",
        "denominator" => "f_denominator",
        "stated_percent" => "f_stated",
        "note" => "f_note",
        "source" => "f_source",
        _ => return None,
    })
}

impl<'s> App<'s> {
    /// Writes are possible: not `--read-only`, the store is not read-only, and the app holds
    /// it exclusively.
    pub fn can_write(&self) -> bool {
        !self.opts.read_only && self.store.writable()
    }

    /// The store for a write, or None (with the reason on the status line when the store
    /// could not be opened, e.g. another process held it past the wait).
    fn store_mut(&mut self) -> Option<&mut Store> {
        if !self.can_write() {
            return None;
        }
        match self.store.get_mut() {
            Ok(s) => s,
            Err(e) => {
                self.message = Some(crate::text::sanitize(&e.to_string()));
                None
            }
        }
    }

    fn read_options(&self) -> ReadOptions {
        ReadOptions {
            locale_vi: self.opts.lang == Lang::Vi,
            ..Default::default()
        }
    }

    /// The observation key under the detail's cursor.
    pub fn selected_key(&self) -> Option<ObsKey> {
        let d = self.detail.as_ref()?;
        let ir = d.indicators.get(d.cursor)?;
        let fw = self.fw();
        Some(ObsKey {
            unit: d.grid_row(&self.grid).report.unit.code.clone(),
            framework: fw.id.clone(),
            indicator: fw.indicators[ir.index].code.clone(),
            year: d.year,
        })
    }

    fn selected_obs(&self) -> Option<Observation> {
        let d = self.detail.as_ref()?;
        d.indicators.get(d.cursor)?.by_year.get(&d.year).cloned()
    }

    /// Refuse a write action with a message; true when refused.
    fn refuse_write(&mut self) -> bool {
        if self.can_write() {
            return false;
        }
        self.message = Some(self.t("read_only_refused").to_string());
        true
    }

    /// `e`: the edit form for the selected indicator and year.
    pub fn open_edit_form(&mut self) {
        if self.refuse_write() {
            return;
        }
        let Some(key) = self.selected_key() else {
            return;
        };
        let lang = self.opts.lang;
        let kind = self
            .fw()
            .indicator(&key.indicator)
            .map(|(_, i)| i.kind)
            .unwrap_or(Kind::Number);
        let o = self.selected_obs();
        let num = |x: Option<f64>| x.map(|x| num_text(x, lang)).unwrap_or_default();
        let mut fields = Vec::new();
        let value = match o.as_ref() {
            Some(o) if o.numerator.is_none() || kind != Kind::Ratio => match o.value {
                Some(Value::Number(x)) => num_text(x, lang),
                Some(Value::Pass(p)) => pass_text(p, lang).to_string(),
                None => String::new(),
            },
            _ => String::new(),
        };
        fields.push(Field::new("value", "f_value", &value));
        if kind == Kind::Ratio {
            let o = o.as_ref();
            fields.push(Field::new(
                "numerator",
                "f_numerator",
                &num(o.and_then(|o| o.numerator)),
            ));
            fields.push(Field::new(
                "denominator",
                "f_denominator",
                &num(o.and_then(|o| o.denominator)),
            ));
            fields.push(Field::new(
                "stated_percent",
                "f_stated",
                &num(o.and_then(|o| o.stated_percent)),
            ));
        }
        let text = |f: fn(&Observation) -> &Option<String>| {
            o.as_ref()
                .and_then(|o| f(o).clone())
                .map(|s| super::ui::clean(&s))
                .unwrap_or_default()
        };
        fields.push(Field::new("note", "f_note", &text(|o| &o.note)));
        fields.push(Field::new("source", "f_source", &text(|o| &o.source)));
        fields.push(Field::new("reason", "f_reason", ""));
        self.edit_base = Some(o.clone());
        self.form = Some(Form {
            kind: FormKind::Edit { key, kind },
            fields,
            focus: 0,
            error: None,
            hint: Some("form_reason_hint"),
        });
    }

    /// `F`: the follow-up flag form for the selected indicator and year.
    pub fn open_flag_form(&mut self) {
        if self.refuse_write() {
            return;
        }
        let Some(key) = self.selected_key() else {
            return;
        };
        if self.selected_obs().is_none() {
            self.message = Some(format!("{} {key}", self.t("none")));
            return;
        }
        let flag = self.store.get().and_then(|s| s.flag(&key)).ok().flatten();
        let comment = flag
            .as_ref()
            .map(|f| super::ui::clean(&f.comment))
            .unwrap_or_default();
        self.form = Some(Form {
            kind: FormKind::Flag {
                key,
                flagged: flag.is_some(),
            },
            fields: vec![Field::new("comment", "f_comment", &comment)],
            focus: 0,
            error: None,
            hint: Some("form_flag_hint"),
        });
    }

    /// `c` / `d` / `x` on the audit screen: the mark form for the current record.
    pub fn open_mark_form(&mut self, status: MarkStatus) {
        if self.refuse_write() {
            return;
        }
        let Some(av) = &self.audit else { return };
        let Some(r) = av.audit.records.get(av.index) else {
            return;
        };
        let mut fields = Vec::new();
        let old = r.mark.as_ref().filter(|m| m.status == status);
        if status == MarkStatus::Discrepancy {
            let rc = old
                .and_then(|m| m.recount)
                .map(|x| num_text(x, self.opts.lang))
                .unwrap_or_default();
            fields.push(Field::new("recount", "f_recount", &rc));
        }
        let note = old
            .and_then(|m| m.note.clone())
            .map(|n| super::ui::clean(&n))
            .unwrap_or_default();
        fields.push(Field::new(
            "note",
            if status == MarkStatus::Discrepancy {
                "f_evidence"
            } else {
                "f_note"
            },
            &note,
        ));
        let remark = r.mark.is_some();
        if remark {
            // marking again: why (logged; the earlier mark stays in the record's history)
            fields.push(Field::new("reason", "f_reason", ""));
        }
        self.form = Some(Form {
            hint: remark.then_some("form_remark_hint"),
            kind: FormKind::Mark {
                audit: av.audit.name.clone(),
                index: av.index,
                status,
                key: r.key.clone(),
            },
            fields,
            focus: 0,
            error: None,
        });
    }

    /// `r` on the list of audits: the form that draws a new sample (name, size, year, strata,
    /// weight, and a seed from the operating system, shown and saved with the audit).
    pub fn open_draw_form(&mut self) {
        if self.refuse_write() {
            return;
        }
        let fw = self.fw().id.clone();
        let year = self.year.to_string();
        let n = self.q.audits.len() + 1;
        let mut name = format!("kt{year}-{n}");
        while self.q.audits.iter().any(|a| a.name == name) {
            name.push('b');
        }
        let seed = crate::audit::os_seed().to_string();
        self.form = Some(Form {
            kind: FormKind::Draw { framework: fw },
            fields: vec![
                Field::new("name", "f_name", &name),
                Field::new("size", "f_size", "20"),
                Field::new("year", "f_year", &year),
                Field::new("strata", "f_strata", ""),
                Field::new("weight", "f_weight", ""),
                Field::new("seed", "f_seed", &seed),
            ],
            focus: 0,
            error: None,
            hint: Some("form_draw_hint"),
        });
    }

    fn submit_draw(&mut self, form: &Form, framework: String) {
        let name = form.get("name").trim().to_string();
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            self.form_error(self.t("err_name").to_string(), Some("name"));
            return;
        }
        let Some(size) = form
            .get("size")
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
        else {
            self.form_error(self.t("err_size").to_string(), Some("size"));
            return;
        };
        let year = match form.get("year").trim() {
            "" => None,
            y => match y.parse::<u16>() {
                Ok(y) if (1900..=2100).contains(&y) => Some(y),
                _ => {
                    self.form_error(self.t("err_year").to_string(), Some("year"));
                    return;
                }
            },
        };
        let strata = match form.get("strata").trim() {
            "" => None,
            s => match crate::audit::Strata::parse(s) {
                Some(s) => Some(s),
                None => {
                    self.form_error(self.t("err_strata").to_string(), Some("strata"));
                    return;
                }
            },
        };
        let risk = match form.get("weight").trim() {
            "" => false,
            "risk" => true,
            _ => {
                self.form_error(self.t("err_weight").to_string(), Some("weight"));
                return;
            }
        };
        let Ok(seed) = form.get("seed").trim().parse::<u64>() else {
            self.form_error(self.t("err_seed").to_string(), Some("seed"));
            return;
        };
        let prepared = match self.query() {
            Ok(q) => crate::query::audit::prepare(
                &q,
                &crate::query::audit::DrawRequest {
                    name: &name,
                    size,
                    seed,
                    year,
                    strata,
                    risk,
                    framework: Some(&framework),
                    progress: false,
                },
            ),
            Err(e) => Err(anyhow::anyhow!(e.to_string())),
        };
        let p = match prepared {
            Ok(p) => p,
            Err(e) => {
                self.form_error(crate::text::sanitize(&format!("{e:#}")), None);
                return;
            }
        };
        let alloc = crate::audit::allocation_text(&p.allocation);
        let Some(store) = self.store_mut() else {
            return;
        };
        match store.save_audit(&p.audit, Some(&alloc)) {
            Ok(e) => {
                self.form = None;
                self.after_write();
                self.message = Some(format!(
                    "{}{} · {} {} · {}",
                    self.t("drawn"),
                    e.seq,
                    p.audit.records.len(),
                    self.t("audit_records"),
                    p.audit.params
                ));
                // open it at its first record
                if let Some(i) = self.q.audits.iter().position(|a| a.name == name) {
                    self.audits.cursor = i;
                    self.open_audit(i);
                }
            }
            Err(e) => self.form_error(crate::text::sanitize(&e.to_string()), None),
        }
    }

    /// `u`: ask before undoing the newest change of this session.
    pub fn ask_undo(&mut self) {
        if self.refuse_write() {
            return;
        }
        let Some(&seq) = self.session.last() else {
            self.message = Some(self.t("undo_none").to_string());
            return;
        };
        let e = self
            .store
            .get()
            .and_then(|s| s.log_entries())
            .unwrap_or_default()
            .into_iter()
            .find(|e| e.seq == seq);
        let text = match e {
            Some(e) => format!(
                "{} #{seq}: {} {} ({} → {})?",
                self.t("undo_ask"),
                e.action,
                e.what,
                super::detail::logged(e.old.as_deref(), self.opts.lang),
                super::detail::logged(e.new.as_deref(), self.opts.lang)
            ),
            None => format!("{} #{seq}?", self.t("undo_ask")),
        };
        self.confirm = Some(Confirm::Undo { seq, text });
    }

    /// A key while the yes/no question is open.
    pub fn confirm_key(&mut self, e: KeyEvent) {
        let ctrl = e.modifiers.contains(KeyModifiers::CONTROL);
        let yes = match e.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter if !ctrl => true,
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => false,
            KeyCode::Char('c') | KeyCode::Char('g') if ctrl => false,
            _ => return,
        };
        let Some(c) = self.confirm.take() else { return };
        if !yes {
            return;
        }
        match c {
            Confirm::Undo { seq, .. } => {
                let reg = self.q.reg.clone();
                let Some(store) = self.store_mut() else {
                    self.message = Some(self.t("read_only_refused").to_string());
                    return;
                };
                match store.undo(seq, &reg) {
                    Ok(e) => {
                        self.session.retain(|s| *s != seq);
                        self.after_write();
                        self.message = Some(format!("{}{}", self.t("undone"), e.seq));
                    }
                    Err(err) => self.message = Some(crate::text::sanitize(&err.to_string())),
                }
            }
        }
    }

    /// A key while a form is open.
    pub fn form_key(&mut self, e: KeyEvent) {
        let Some(form) = &mut self.form else { return };
        match form.key(e) {
            FormEvent::Nothing => {}
            FormEvent::Cancel => self.form = None,
            FormEvent::Submit => self.submit_form(),
        }
    }

    fn form_error(&mut self, msg: String, focus: Option<&str>) {
        if let Some(f) = &mut self.form {
            f.error = Some(msg);
            if let Some(n) = focus {
                f.focus_on(n);
            }
        }
    }

    /// Validate the open form and write it; on error the form stays open with the message
    /// and nothing is written.
    pub fn submit_form(&mut self) {
        let Some(form) = self.form.clone() else {
            return;
        };
        if !self.can_write() {
            self.form = None;
            self.message = Some(self.t("read_only_refused").to_string());
            return;
        }
        match &form.kind {
            FormKind::Edit { key, .. } => self.submit_edit(&form, key.clone()),
            FormKind::Flag { key, flagged } => self.submit_flag(&form, key.clone(), *flagged),
            FormKind::Mark {
                audit,
                index,
                status,
                key,
            } => self.submit_mark(&form, audit.clone(), *index, *status, key.clone()),
            FormKind::Draw { framework } => self.submit_draw(&form, framework.clone()),
        }
    }

    fn validate(
        &self,
        key: &ObsKey,
        figures: &[(&str, &str)],
    ) -> Result<Observation, (String, Option<&'static str>)> {
        let mut fields: HashMap<String, String> = HashMap::new();
        fields.insert("unit_code".into(), key.unit.clone());
        fields.insert("framework".into(), key.framework.clone());
        fields.insert("indicator".into(), key.indicator.clone());
        fields.insert("year".into(), key.year.to_string());
        for (k, v) in figures {
            if !v.is_empty() {
                fields.insert((*k).to_string(), (*v).to_string());
            }
        }
        validate_observation(&fields, &self.q.reg, &self.q.units, &self.read_options()).map_err(
            |rows| {
                let msg = rows
                    .iter()
                    .map(|r| {
                        let col = label_of(&r.column).map(|l| self.t(l)).unwrap_or(&r.column);
                        format!("{col}: {}", r.reason)
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                let focus = rows.first().and_then(|r| match r.column.as_str() {
                    "value" => Some("value"),
                    "numerator" => Some("numerator"),
                    "denominator" => Some("denominator"),
                    "stated_percent" => Some("stated_percent"),
                    "note" => Some("note"),
                    "source" => Some("source"),
                    _ => None,
                });
                (msg, focus)
            },
        )
    }

    /// An observation's figures as the interface shows them (`2.640/2.693`, `86,4`).
    fn figures_text(&self, o: &Observation) -> String {
        let lang = self.opts.lang;
        let num = |x: f64| crate::text::fmt_num(x, 3, lang.num_style());
        match (o.numerator, o.denominator, o.value) {
            (Some(n), Some(d), _) => format!("{}/{}", num(n), num(d)),
            (_, _, Some(Value::Number(x))) => num(x),
            (_, _, Some(Value::Pass(p))) => pass_text(p, lang).to_string(),
            _ => "—".into(),
        }
    }

    fn submit_edit(&mut self, form: &Form, key: ObsKey) {
        let figures: Vec<(&str, &str)> = [
            "value",
            "numerator",
            "denominator",
            "stated_percent",
            "note",
            "source",
        ]
        .into_iter()
        .filter(|n| form.field(n).is_some())
        .map(|n| (n, form.get(n)))
        .collect();
        let new = match self.validate(&key, &figures) {
            Ok(o) => o,
            Err((msg, focus)) => {
                self.form_error(msg, focus);
                return;
            }
        };
        let old = self
            .store
            .get()
            .and_then(|s| s.observation(&key))
            .ok()
            .flatten();
        // the record changed since the form showed it (another officer saved it): refuse, and
        // show what it is now — never save over a change unseen
        if let Some(base) = &self.edit_base
            && !same_record(base.as_ref(), old.as_ref())
        {
            let who = crate::store::Change::read(self.store.path())
                .map(|c| c.user)
                .unwrap_or_else(|| "?".into());
            let now = old
                .as_ref()
                .map(|o| self.figures_text(o))
                .unwrap_or_else(|| self.t("none").to_string());
            self.form_error(
                format!(
                    "{} {who}: {now}. {}",
                    self.t("edit_conflict"),
                    self.t("edit_conflict_hint")
                ),
                None,
            );
            self.after_write();
            return;
        }
        let figures_changed = old.as_ref().is_none_or(|o| {
            o.value != new.value
                || o.numerator != new.numerator
                || o.denominator != new.denominator
                || o.stated_percent != new.stated_percent
        });
        let norm = |s: &Option<String>| {
            s.as_deref()
                .map(|t| crate::text::nfc(t.trim()))
                .filter(|t| !t.is_empty())
        };
        let note_changed = norm(&old.as_ref().and_then(|o| o.note.clone())) != norm(&new.note);
        let source_changed =
            norm(&old.as_ref().and_then(|o| o.source.clone())) != norm(&new.source);
        let reason = form.get("reason").to_string();
        if figures_changed && reason.is_empty() {
            self.form_error(self.t("err_reason").to_string(), Some("reason"));
            return;
        }
        if !figures_changed && !note_changed && !source_changed {
            self.form = None;
            self.message = Some(self.t("nothing_changed").to_string());
            return;
        }
        let reg = self.q.reg.clone();
        let reason_opt = (!reason.is_empty()).then_some(reason.as_str());
        let Some(store) = self.store_mut() else {
            return;
        };
        let mut written: Vec<LogEntry> = Vec::new();
        let mut err = None;
        if figures_changed {
            match store.set_figures(&new, &reason, &reg) {
                Ok(e) => written.push(e),
                Err(e) => err = Some(e),
            }
        }
        if err.is_none() && note_changed {
            match store.set_note(&key, norm(&new.note).as_deref(), reason_opt, &reg) {
                Ok(e) => written.push(e),
                Err(e) => err = Some(e),
            }
        }
        if err.is_none() && source_changed {
            match store.set_source(&key, norm(&new.source).as_deref(), reason_opt, &reg) {
                Ok(e) => written.push(e),
                Err(e) => err = Some(e),
            }
        }
        self.session.extend(written.iter().map(|e| e.seq));
        if !written.is_empty() {
            self.after_write();
        }
        match err {
            Some(e) if written.is_empty() => {
                self.form_error(crate::text::sanitize(&e.to_string()), None);
            }
            Some(e) => {
                self.form = None;
                self.message = Some(crate::text::sanitize(&e.to_string()));
            }
            None => {
                self.form = None;
                let seqs: Vec<String> = written.iter().map(|e| e.seq.to_string()).collect();
                self.message = Some(format!("{}{}", self.t("saved"), seqs.join(", #")));
            }
        }
    }

    fn submit_flag(&mut self, form: &Form, key: ObsKey, flagged: bool) {
        let comment = form.get("comment").to_string();
        if comment.is_empty() && !flagged {
            self.form_error(self.t("err_comment").to_string(), Some("comment"));
            return;
        }
        let Some(store) = self.store_mut() else {
            return;
        };
        let r = store.set_flag(&key, (!comment.is_empty()).then_some(comment.as_str()));
        match r {
            Ok(e) => {
                self.session.push(e.seq);
                self.form = None;
                self.after_write();
                self.message = Some(format!("{}{}", self.t("saved"), e.seq));
            }
            Err(e) => self.form_error(crate::text::sanitize(&e.to_string()), None),
        }
    }

    fn submit_mark(
        &mut self,
        form: &Form,
        audit: String,
        index: usize,
        status: MarkStatus,
        key: ObsKey,
    ) {
        let note = form.get("note").to_string();
        let mut recount = None;
        if status == MarkStatus::Discrepancy {
            let rc = form.get("recount").to_string();
            if rc.is_empty() {
                self.form_error(self.t("err_recount").to_string(), Some("recount"));
                return;
            }
            // the recount is read as a value of this indicator, as on import
            match self.validate(&key, &[("value", rc.as_str())]) {
                Ok(o) => recount = crate::query::audit::reported(&o),
                Err((msg, _)) => {
                    let msg = msg.replacen(self.t("f_value"), self.t("f_recount"), 1);
                    self.form_error(msg, Some("recount"));
                    return;
                }
            }
            if note.is_empty() {
                self.form_error(self.t("err_evidence").to_string(), Some("note"));
                return;
            }
        }
        let reason = form
            .field("reason")
            .map(|_| form.get("reason").trim().to_string());
        if reason.as_deref() == Some("") {
            self.form_error(self.t("err_remark_reason").to_string(), Some("reason"));
            return;
        }
        let mark = AuditMark {
            status,
            recount,
            note: (!note.is_empty()).then(|| crate::text::nfc(&note)),
            who: crate::store::log::actor(),
            when: crate::store::log::now(),
        };
        let Some(store) = self.store_mut() else {
            return;
        };
        match store.mark_audit(&audit, index, mark, reason.as_deref()) {
            Ok(e) => {
                self.form = None;
                self.after_write();
                self.message = Some(format!("{}{}", self.t("marked"), e.seq));
                // on to the next record not yet checked
                if let Some(av) = &mut self.audit {
                    let n = av.audit.records.len();
                    match (1..=n)
                        .map(|k| (index + k) % n)
                        .find(|&i| av.audit.records[i].mark.is_none())
                    {
                        Some(i) => av.index = i,
                        None => {
                            self.message = Some(format!(
                                "{}{} · {}",
                                self.opts.lang.t("marked"),
                                e.seq,
                                self.opts.lang.t("audit_all_done")
                            ))
                        }
                    }
                }
                self.audit_detail();
            }
            Err(e) => self.form_error(crate::text::sanitize(&e.to_string()), None),
        }
    }

    /// When the person pauses (see `tui::RELEASE_IDLE`): let go of the store (a session), so
    /// others can use it while this screen is looked at.
    pub fn before_idle(&mut self) {
        self.store.release();
    }

    /// After waking (a key, or the idle timer): if another process wrote to the store since
    /// the last look, reload and say so. Returns true when the screen must be redrawn.
    pub fn check_external(&mut self) -> bool {
        match self.store.changed_by_others() {
            Some(c) => {
                self.on_external_change(&c);
                true
            }
            None => false,
        }
    }

    /// Another process committed a write: reload everything read from the store (keeping the
    /// cursor) and say who changed it and when (local time).
    pub fn on_external_change(&mut self, c: &crate::store::Change) {
        self.after_write();
        self.message = Some(format!(
            "{} {} {} {}",
            self.t("changed_by_others"),
            c.user,
            self.t("at_time"),
            local_hh_mm(c.secs())
        ));
    }

    /// After a write: reload what was read from the store, the grid, the detail, the audit.
    pub fn after_write(&mut self) {
        if let Some(d) = self.store.get().ok().and_then(|s| QData::load(s).ok()) {
            self.q = d;
        }
        if let Some(av) = &mut self.audit
            && let Some(a) = self.q.audits.iter().find(|a| a.name == av.audit.name)
        {
            av.audit = a.clone();
        }
        let (y, ag) = (self.year, self.against);
        if let Err(e) = self.reload(Some(y), Some(ag)) {
            self.message = Some(crate::text::sanitize(&format!("{e:#}")));
        }
    }

    // ---------- audit screens ----------

    /// Open the list of audits (from anywhere: the stack above the grid is replaced).
    pub fn open_audits(&mut self) {
        if let Some(d) = self.store.get().ok().and_then(|s| QData::load(s).ok()) {
            self.q = d;
        }
        self.screens.truncate(1);
        self.detail = None;
        self.indicator = None;
        self.audit = None;
        self.audits.cursor = self
            .audits
            .cursor
            .min(self.q.audits.len().saturating_sub(1));
        self.screens.push(Screen::Audits);
        self.scroll.list.set(0);
    }

    /// Open audit number `i` of the list on its first record not yet checked.
    pub fn open_audit(&mut self, i: usize) {
        let Some(a) = self.q.audits.get(i).cloned() else {
            return;
        };
        let index = a.records.iter().position(|r| r.mark.is_none()).unwrap_or(0);
        self.audit = Some(AuditView {
            audit: a,
            index,
            earlier: Vec::new(),
        });
        self.screens.push(Screen::Audit);
        self.scroll.list.set(0);
        self.audit_detail();
    }

    /// Build the detail of the current audit record (the record's unit, criterion and year,
    /// cursor on its indicator).
    pub fn audit_detail(&mut self) {
        self.detail = None;
        // the record's earlier marks, from the change log (all but the newest)
        if let Some(av) = &self.audit {
            let logged = self
                .store
                .get()
                .and_then(|s| s.audit_history(&av.audit.name, av.index))
                .unwrap_or_default();
            let earlier: Vec<String> = logged
                .iter()
                .rev()
                .skip(1)
                .rev()
                .map(|e| {
                    format!(
                        "{} ({}, {}){}",
                        e.new.as_deref().unwrap_or("—"),
                        e.who,
                        crate::store::log::iso8601(e.when),
                        e.reason
                            .as_deref()
                            .map(|r| format!(" → {r}"))
                            .unwrap_or_default()
                    )
                })
                .collect();
            if let Some(av) = &mut self.audit {
                av.earlier = earlier;
            }
        }
        let Some(av) = &self.audit else { return };
        let Some(r) = av.audit.records.get(av.index) else {
            return;
        };
        let k = r.key.clone();
        let fw = self.fw();
        if k.framework != fw.id {
            return;
        }
        let Some((ii, ind)) = fw.indicator(&k.indicator) else {
            return;
        };
        let c = ind.criterion;
        let pos = fw.criteria[c].indicators.iter().position(|&x| x == ii);
        let Some(unit) = self.q.units.get(&k.unit).cloned() else {
            return;
        };
        let against = self
            .q
            .years
            .get(&fw.id)
            .and_then(|ys| ys.range(..k.year).next_back().copied());
        let Ok(q) = self.query() else {
            return;
        };
        let Ok(report) = q.report(fw, &unit, k.year, against, &EvalOptions::default()) else {
            return;
        };
        let prev = against.and_then(|a| q.evaluation(fw, &unit.code, a).ok().flatten());
        let cells = q.cells(fw, &report, prev.as_ref());
        drop(q);
        let gr = GridRow { report, cells };
        self.detail = self
            .build_detail(&gr, k.year, against, c, pos)
            .map(|mut d| {
                d.own = Some(Box::new(gr));
                d
            });
    }

    /// Step to another record of the open audit.
    pub fn audit_step(&mut self, to: usize) {
        if let Some(av) = &mut self.audit {
            let n = av.audit.records.len();
            if n == 0 {
                return;
            }
            av.index = to.min(n - 1);
        }
        self.audit_detail();
    }
}

/// The same record as far as an edit is concerned: figures, note and source.
fn same_record(a: Option<&Observation>, b: Option<&Observation>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            a.value == b.value
                && a.numerator == b.numerator
                && a.denominator == b.denominator
                && a.stated_percent == b.stated_percent
                && a.note == b.note
                && a.source == b.source
        }
        _ => false,
    }
}

/// `HH:MM` of a time in the server's local time zone (where the officers are).
fn local_hh_mm(secs: i64) -> String {
    #[cfg(unix)]
    {
        let t = secs as libc::time_t;
        // SAFETY: localtime_r writes into the zeroed tm we pass and reads only `t`
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        if !unsafe { libc::localtime_r(&t, &mut tm) }.is_null() {
            return format!("{:02}:{:02}", tm.tm_hour, tm.tm_min);
        }
    }
    crate::store::log::iso8601(secs)[11..16].to_string()
}
