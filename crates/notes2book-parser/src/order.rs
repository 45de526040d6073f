//! Reading order: a `chapters:` list from the config, else SUMMARY.md, else Hugo's rule
//! (non-zero `weight` ascending, then zero or absent weight, then path; sections keep their
//! notes together under the same rule). Drafts are left out unless asked for.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use notes2book_model::{ChapterKind, Diagnostic, LeftOut, Span};

use crate::discover::Dir;
use crate::note::ParsedNote;
use crate::summary;

/// One place in the reading order.
#[derive(Debug, Clone)]
pub struct Slot {
    /// Index into the parsed notes; `None` for a part title.
    pub note: Option<usize>,
    pub kind: ChapterKind,
    pub depth: u8,
    /// Title from SUMMARY.md (a part's title, or a chapter's label).
    pub label: Option<String>,
    pub span: Option<Span>,
}

/// A chapter named in the config's `chapters:` list.
#[derive(Debug, Clone)]
pub struct ChapterEntry {
    pub path: String,
    pub span: Option<Span>,
}

pub struct Orderer<'a> {
    pub notes: &'a [ParsedNote],
    pub by_path: BTreeMap<PathBuf, usize>,
    pub drafts: bool,
    /// Notes Hugo does not render (`headless`): never in the reading order.
    pub hidden: Vec<bool>,
    /// Notes another book of the vault takes and this one does not (`books:`): never in
    /// the reading order, and not reported as left out.
    pub outside: Vec<bool>,
    pub left_out: Vec<LeftOut>,
    pub diags: Vec<Diagnostic>,
}

impl<'a> Orderer<'a> {
    pub fn new(notes: &'a [ParsedNote], drafts: bool, hidden: Vec<bool>) -> Self {
        let by_path = notes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.rel.clone(), i))
            .collect();
        Orderer {
            notes,
            by_path,
            drafts,
            hidden,
            outside: Vec::new(),
            left_out: Vec::new(),
            diags: Vec::new(),
        }
    }

    /// True when the note is a draft that stays out (recorded), or a page Hugo does not
    /// render.
    fn skip_draft(&mut self, i: usize) -> bool {
        if self.hidden.get(i).copied().unwrap_or(false) {
            return true;
        }
        let n = &self.notes[i];
        if !n.front.draft || self.drafts {
            return false;
        }
        self.left_out.push(LeftOut {
            path: n.rel.clone(),
            reason: "draft".into(),
        });
        self.diags.push(
            Diagnostic::note(
                "draft-left-out",
                format!(
                    "{} is a draft (`draft: true`); it is left out",
                    n.rel.display()
                ),
            )
            .at(n.span)
            .hint("build with --drafts to include drafts"),
        );
        true
    }

    fn is_outside(&self, i: usize) -> bool {
        self.outside.get(i).copied().unwrap_or(false)
    }

    fn left_out_rest(&mut self, used: &[Slot], why: &str) {
        let used: std::collections::BTreeSet<usize> = used.iter().filter_map(|s| s.note).collect();
        let already: std::collections::BTreeSet<PathBuf> =
            self.left_out.iter().map(|l| l.path.clone()).collect();
        for (i, n) in self.notes.iter().enumerate() {
            if !used.contains(&i)
                && !self.is_outside(i)
                && !already.contains(&n.rel)
                && n.rel
                    .file_name()
                    .is_some_and(|f| f != "_index.md" || n.rel.parent() != Some(Path::new("")))
            {
                self.left_out.push(LeftOut {
                    path: n.rel.clone(),
                    reason: why.into(),
                });
            }
        }
        if !self.left_out.is_empty() {
            let names: Vec<String> = self
                .left_out
                .iter()
                .filter(|l| l.reason == why)
                .map(|l| l.path.display().to_string())
                .collect();
            if !names.is_empty() {
                self.diags.push(
                    Diagnostic::note(
                        "not-in-order",
                        format!("{} note(s) {why}: {}", names.len(), names.join(", ")),
                    )
                    .hint("add them to the list to include them"),
                );
            }
        }
    }

    pub fn by_config(&mut self, entries: &[ChapterEntry]) -> Vec<Slot> {
        let mut out = Vec::new();
        for e in entries {
            let key = crate::link::clean_rel(&e.path);
            match key.and_then(|k| self.by_path.get(&k).copied()) {
                Some(i) => {
                    if self.skip_draft(i) {
                        continue;
                    }
                    let kind = if self.notes[i].rel.ends_with("_index.md") { ChapterKind::Section } else { ChapterKind::Note };
                    out.push(Slot { note: Some(i), kind, depth: 0, label: None, span: e.span });
                }
                None => self.diags.push(
                    Diagnostic::error("chapter-missing", format!("the chapter `{}` listed in `chapters:` does not exist", e.path))
                        .at_opt(e.span)
                        .hint("paths in `chapters:` are relative to the notes folder, e.g. `intro.md` or `part/_index.md`"),
                ),
            }
        }
        self.left_out_rest(&out, "not in the `chapters:` list");
        out
    }

    pub fn by_summary(&mut self, entries: &[summary::Entry]) -> Vec<Slot> {
        let mut out = Vec::new();
        for e in entries {
            match e {
                summary::Entry::Part { title, span } => out.push(Slot {
                    note: None,
                    kind: ChapterKind::Part,
                    depth: 0,
                    label: Some(title.clone()),
                    span: Some(*span),
                }),
                summary::Entry::Chapter {
                    label,
                    path,
                    depth,
                    span,
                } => {
                    let key = crate::link::clean_rel(&crate::link::percent_decode(path));
                    match key.and_then(|k| self.by_path.get(&k).copied()) {
                        Some(i) => {
                            if self.skip_draft(i) {
                                continue;
                            }
                            out.push(Slot {
                                note: Some(i),
                                kind: ChapterKind::Note,
                                depth: *depth,
                                label: Some(label.clone()),
                                span: Some(*span),
                            });
                        }
                        None => self.diags.push(
                            // mdBook would make an empty chapter; the book goes without.
                            Diagnostic::warning(
                                "summary-missing",
                                format!("SUMMARY.md lists `{path}`, which does not exist; the book goes without it"),
                            )
                            .at(*span)
                            .hint("fix the path (relative to SUMMARY.md) or remove the entry"),
                        ),
                    }
                }
            }
        }
        self.left_out_rest(&out, "not in SUMMARY.md");
        out
    }

    /// Hugo's order over the discovered tree.
    pub fn by_tree(&mut self, root: &Dir) -> Vec<Slot> {
        let mut out = Vec::new();
        if let Some(i) = root
            .index
            .as_ref()
            .and_then(|p| self.by_path.get(p).copied())
        {
            // The home page: its text (if any) opens the book.
            let has_text = !self.notes[i].blocks.is_empty();
            if has_text && !self.skip_draft(i) {
                out.push(Slot {
                    note: Some(i),
                    kind: ChapterKind::Section,
                    depth: 0,
                    label: None,
                    span: None,
                });
            }
        }
        self.dir(root, 0, &mut out);
        out
    }

    fn weight_of(&self, rel: &Path) -> i64 {
        self.by_path
            .get(rel)
            .map_or(0, |&i| self.notes[i].front.weight)
    }

    fn dir(&mut self, dir: &Dir, depth: u8, out: &mut Vec<Slot>) {
        enum Item<'d> {
            Note(usize),
            Dir(&'d Dir),
        }
        let mut items: Vec<(i64, PathBuf, Item<'_>)> = Vec::new();
        for n in &dir.notes {
            if let Some(&i) = self.by_path.get(&n.rel) {
                items.push((self.notes[i].front.weight, n.rel.clone(), Item::Note(i)));
            }
        }
        for d in &dir.dirs {
            let w = d.index.as_deref().map_or(0, |p| self.weight_of(p));
            items.push((w, d.rel.clone(), Item::Dir(d)));
        }
        items.sort_by_cached_key(|(w, p, _)| {
            (*w == 0, *w, crate::discover::natural_key(p), p.clone())
        });
        for (_, _, item) in items {
            match item {
                Item::Note(i) => {
                    if !self.skip_draft(i) {
                        out.push(Slot {
                            note: Some(i),
                            kind: ChapterKind::Note,
                            depth,
                            label: None,
                            span: None,
                        });
                    }
                }
                Item::Dir(d) => match d.index.as_ref().and_then(|p| self.by_path.get(p).copied()) {
                    Some(i) => {
                        if self.is_outside(i) {
                            continue;
                        }
                        if self.skip_draft(i) {
                            self.skip_tree(d);
                            continue;
                        }
                        out.push(Slot {
                            note: Some(i),
                            kind: ChapterKind::Section,
                            depth,
                            label: None,
                            span: None,
                        });
                        self.dir(d, depth.saturating_add(1), out);
                    }
                    // A folder without `_index.md` keeps its notes together, with no page.
                    None => self.dir(d, depth, out),
                },
            }
        }
    }

    fn skip_tree(&mut self, d: &Dir) {
        for f in d.all_files() {
            if Some(&f.rel) == d.index.as_ref() {
                continue;
            }
            self.left_out.push(LeftOut {
                path: f.rel.clone(),
                reason: "in a draft section".into(),
            });
        }
    }
}
