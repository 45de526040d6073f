//! Lookup tables for references to notes: by path, file name, title, URL and heading id.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use notes2book_model::vfs::normalize;
use notes2book_model::{Chapter, ChapterId, ChapterKind, slugify};

use super::{clean_rel, stem_of};

/// Lookup tables for resolving references to notes.
pub struct Index {
    pub(super) by_path: BTreeMap<PathBuf, ChapterId>,
    pub(super) by_stem: BTreeMap<String, Vec<ChapterId>>,
    pub(super) by_title: BTreeMap<String, Vec<ChapterId>>,
    pub(super) by_url: BTreeMap<String, ChapterId>,
    /// Per chapter: the id an author would write (local) → the book-unique id.
    pub(super) local_ids: Vec<BTreeMap<String, String>>,
    pub(super) paths: Vec<Option<PathBuf>>,
    /// Chapter anchors, filled by `assign_ids`.
    pub(super) anchors: Vec<String>,
}

fn url_of(ch: &Chapter) -> Option<String> {
    let rel = ch.path.as_ref()?;
    let dir = rel.parent().unwrap_or(Path::new(""));
    let name = rel.file_name()?.to_str()?;
    let url = if name == "_index.md" || name == "index.md" {
        dir.to_string_lossy().into_owned()
    } else {
        let slug = ch.front.slug.clone().unwrap_or_else(|| stem_of(rel));
        dir.join(slug).to_string_lossy().into_owned()
    };
    Some(
        format!("/{}/", url.trim_matches('/'))
            .replace("//", "/")
            .to_lowercase(),
    )
}

impl Index {
    pub fn new(chapters: &[Chapter]) -> Self {
        let mut ix = Index {
            by_path: BTreeMap::new(),
            by_stem: BTreeMap::new(),
            by_title: BTreeMap::new(),
            by_url: BTreeMap::new(),
            local_ids: vec![BTreeMap::new(); chapters.len()],
            paths: chapters.iter().map(|c| c.path.clone()).collect(),
            anchors: Vec::new(),
        };
        for ch in chapters {
            if ch.kind == ChapterKind::Part {
                continue;
            }
            if let Some(rel) = &ch.path {
                ix.by_path.insert(rel.clone(), ch.id);
                ix.by_stem
                    .entry(stem_of(rel).to_lowercase())
                    .or_default()
                    .push(ch.id);
            }
            ix.by_title
                .entry(ch.title.trim().to_lowercase())
                .or_default()
                .push(ch.id);
            if let Some(u) = url_of(ch) {
                ix.by_url.entry(u).or_insert(ch.id);
            }
            for alias in &ch.front.aliases {
                let a = format!("/{}/", alias.trim_matches('/')).to_lowercase();
                ix.by_url.entry(a).or_insert(ch.id);
            }
        }
        ix
    }

    pub(super) fn path_lookup(&self, p: &Path) -> Option<ChapterId> {
        if let Some(&c) = self.by_path.get(p) {
            return Some(c);
        }
        let has_ext = p.extension().is_some_and(|e| e == "md" || e == "markdown");
        if has_ext {
            return None;
        }
        for cand in [
            p.join("_index.md"),
            p.join("index.md"),
            p.with_extension("md"),
            p.with_extension("markdown"),
        ] {
            if let Some(&c) = self.by_path.get(&cand) {
                return Some(c);
            }
        }
        None
    }

    /// A note named the way an Obsidian wikilink or a Hugo `ref` names it.
    pub(super) fn by_name(
        &self,
        name: &str,
        from_dir: &Path,
    ) -> Result<Option<ChapterId>, Vec<ChapterId>> {
        let name = name.trim();
        if let Some(p) = normalize(&from_dir.join(name))
            && let Some(c) = self.path_lookup(&p)
        {
            return Ok(Some(c));
        }
        if let Some(p) = clean_rel(name)
            && let Some(c) = self.path_lookup(&p)
        {
            return Ok(Some(c));
        }
        let base = name.rsplit('/').next().unwrap_or(name);
        let base = base
            .strip_suffix(".md")
            .or_else(|| base.strip_suffix(".markdown"))
            .unwrap_or(base);
        for table in [&self.by_stem, &self.by_title] {
            if let Some(list) = table.get(&base.to_lowercase()) {
                return if list.len() == 1 {
                    Ok(Some(list[0]))
                } else {
                    Err(list.clone())
                };
            }
        }
        if let Some(list) = self.by_title.get(&name.to_lowercase()) {
            return if list.len() == 1 {
                Ok(Some(list[0]))
            } else {
                Err(list.clone())
            };
        }
        Ok(None)
    }

    pub(super) fn anchor_in(&self, ch: ChapterId, anchor: &str) -> Option<String> {
        let ids = self.local_ids.get(ch.0 as usize)?;
        ids.get(anchor)
            .or_else(|| ids.get(&slugify(anchor)))
            .or_else(|| ids.get(&anchor.to_lowercase()))
            .cloned()
    }
}
