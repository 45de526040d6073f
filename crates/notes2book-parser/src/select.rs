//! Which notes of a vault make one book (`books:` in notes2book.yaml): notes under given
//! folders, with given tags (in front matter or Obsidian's `#tag` in the text), with
//! front-matter values (`publish: true`), or named in a list. A note is in the book when
//! any one of them takes it.

use std::path::{Path, PathBuf};

use notes2book_model::{Block, Inline, Value};

use crate::discover::Dir;
use crate::note::ParsedNote;

/// One book's choice of notes.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// The book's name (`--book NAME`), for messages.
    pub name: String,
    /// Folders relative to the notes folder: every note below them.
    pub folders: Vec<PathBuf>,
    /// Tags, without `#`; `rust` also takes `rust/async`. Compared without case.
    pub tags: Vec<String>,
    /// Front-matter keys and the value each must have (a list value must hold it).
    pub values: Vec<(String, Value)>,
    /// Notes by path relative to the notes folder (the extension may be left out).
    pub notes: Vec<PathBuf>,
}

impl Selection {
    /// Whether the selection takes this note by itself.
    fn takes(&self, note: &ParsedNote) -> bool {
        let rel = note.rel.as_path();
        self.folders.iter().any(|f| rel.starts_with(f))
            || self
                .notes
                .iter()
                .any(|n| n == rel || n.as_path() == rel.with_extension(""))
            || (!self.tags.is_empty() && self.takes_tags(note))
            || (!self.values.is_empty() && self.takes_values(note))
    }

    fn takes_tags(&self, note: &ParsedNote) -> bool {
        let mut tags: Vec<String> = note.front.tags.iter().map(|t| normal_tag(t)).collect();
        inline_tags(&note.blocks, &mut tags);
        self.tags.iter().map(|t| normal_tag(t)).any(|want| {
            tags.iter().any(|t| {
                t == &want
                    || t.strip_prefix(want.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            })
        })
    }

    fn takes_values(&self, note: &ParsedNote) -> bool {
        let params = crate::note::page_params(&note.front);
        self.values.iter().any(|(key, want)| match params.get(key) {
            Some(Value::List(items)) => items.iter().any(|v| same_value(v, want)),
            Some(v) => same_value(v, want),
            None => false,
        })
    }
}

/// Values equal as a reader of front matter means them: `"true"` is `true`, `1` is `1.0`,
/// strings without case.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.trim().eq_ignore_ascii_case(y.trim()),
        (Value::Bool(x), Value::String(s)) | (Value::String(s), Value::Bool(x)) => s
            .trim()
            .eq_ignore_ascii_case(if *x { "true" } else { "false" }),
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => *x as f64 == *y,
        _ => a == b,
    }
}

fn normal_tag(t: &str) -> String {
    t.trim().trim_start_matches('#').to_lowercase()
}

/// Obsidian's tags in the text: `#word` after a space or at the start of a text run, made
/// of letters, digits, `_`, `-` and `/`, not all digits (`#1` is not a tag).
fn inline_tags(blocks: &[Block], out: &mut Vec<String>) {
    notes2book_model::walk_blocks(blocks, &mut |b| {
        notes2book_model::block_inlines(b, &mut |i| {
            if let Inline::Text(text) = i {
                tags_in(text, out);
            }
        })
    });
}

fn tags_in(text: &str, out: &mut Vec<String>) {
    let mut prev = ' ';
    for (at, c) in text.char_indices() {
        if c == '#' && prev.is_whitespace() {
            let rest = &text[at + 1..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '/')))
                .unwrap_or(rest.len());
            let tag = &rest[..end];
            if !tag.is_empty() && !tag.chars().all(|c| c.is_ascii_digit()) {
                out.push(tag.to_lowercase());
            }
        }
        prev = c;
    }
}

/// For each note, whether it is outside the book. A section's opening page (`_index.md`)
/// stays when a note below it is in the book: it carries the book's parts. The home page
/// stays only when the selection takes it.
pub fn outside(notes: &[ParsedNote], tree: &Dir, selection: &Selection) -> Vec<bool> {
    let taken: Vec<bool> = notes.iter().map(|n| selection.takes(n)).collect();
    let mut sections: Vec<(PathBuf, PathBuf)> = Vec::new();
    section_pages(tree, &mut sections);
    let holds_taken = |dir: &Path, page: &Path| {
        notes
            .iter()
            .zip(&taken)
            .any(|(n, t)| *t && n.rel != page && n.rel.starts_with(dir))
    };
    notes
        .iter()
        .zip(&taken)
        .map(|(n, t)| {
            if *t {
                return false;
            }
            match sections.iter().find(|(page, _)| page == &n.rel) {
                Some((page, dir)) if !dir.as_os_str().is_empty() => !holds_taken(dir, page),
                _ => true,
            }
        })
        .collect()
}

/// Every folder's opening page and the folder, below the notes folder.
fn section_pages(dir: &Dir, out: &mut Vec<(PathBuf, PathBuf)>) {
    if let Some(i) = &dir.index {
        out.push((i.clone(), dir.rel.clone()));
    }
    for d in &dir.dirs {
        section_pages(d, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_in_text() {
        let mut out = Vec::new();
        tags_in(
            "#Rust is nice, see #lang/async and issue #12 or a#b",
            &mut out,
        );
        assert_eq!(out, ["rust", "lang/async"]);
    }

    #[test]
    fn values_compare_as_meant() {
        assert!(same_value(
            &Value::Bool(true),
            &Value::String("True".into())
        ));
        assert!(same_value(&Value::Int(1), &Value::Float(1.0)));
        assert!(!same_value(&Value::Bool(false), &Value::Bool(true)));
    }
}
