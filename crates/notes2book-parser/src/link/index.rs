//! Lookup tables for references to notes: by path, file name, title, URL and heading id.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use notes2book_model::vfs::normalize;
use notes2book_model::{Chapter, ChapterId, ChapterKind, slugify};

use super::url::{UrlRules, key, page_url};
use super::{clean_rel, stem_of};

/// Lookup tables for resolving references to notes.
pub struct Index {
    pub(super) by_path: BTreeMap<PathBuf, ChapterId>,
    pub(super) by_stem: BTreeMap<String, Vec<ChapterId>>,
    pub(super) by_title: BTreeMap<String, Vec<ChapterId>>,
    /// Obsidian's `aliases:`, other names a note is linked by.
    pub(super) by_alias: BTreeMap<String, Vec<ChapterId>>,
    pub(super) by_url: BTreeMap<String, ChapterId>,
    /// Per chapter: the id an author would write (local) → the book-unique id.
    pub(super) local_ids: Vec<BTreeMap<String, String>>,
    pub(super) paths: Vec<Option<PathBuf>>,
    /// Chapter anchors, filled by `assign_ids`.
    pub(super) anchors: Vec<String>,
    /// Per chapter, its headings in order: level, text and book-unique id (by `assign_ids`).
    pub(super) headings: Vec<Vec<(u8, String, String)>>,
    /// Each chapter's address on the author's site (`/section/slug/`).
    pub(super) urls: Vec<Option<String>>,
    pub(super) rules: UrlRules,
}

impl Index {
    pub fn new(chapters: &[Chapter], rules: &UrlRules) -> Self {
        let mut ix = Index {
            urls: chapters.iter().map(|c| page_url(c, rules)).collect(),
            rules: rules.clone(),
            by_path: BTreeMap::new(),
            by_stem: BTreeMap::new(),
            by_title: BTreeMap::new(),
            by_alias: BTreeMap::new(),
            by_url: BTreeMap::new(),
            local_ids: vec![BTreeMap::new(); chapters.len()],
            paths: chapters.iter().map(|c| c.path.clone()).collect(),
            anchors: Vec::new(),
            headings: vec![Vec::new(); chapters.len()],
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
            if let Some(u) = ix.urls[ch.id.0 as usize].clone() {
                ix.by_url.entry(u).or_insert(ch.id);
            }
            for alias in &ch.front.aliases {
                // Hugo's aliases are old addresses, Obsidian's other names.
                ix.by_url.entry(key(alias, rules)).or_insert(ch.id);
                ix.by_alias
                    .entry(alias.trim().to_lowercase())
                    .or_default()
                    .push(ch.id);
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
        for table in [&self.by_stem, &self.by_title, &self.by_alias] {
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

    /// Obsidian's nested heading path `A#B#C`: heading C inside B inside A (levels between
    /// may be skipped), matched by their text as `#A` alone would be.
    pub(super) fn heading_path(&self, ch: ChapterId, path: &str) -> Option<String> {
        let heads = self.headings.get(ch.0 as usize)?;
        let mut from = 0;
        let mut within: Option<u8> = None;
        let mut found = None;
        for part in path.split('#').filter(|p| !p.trim().is_empty()) {
            let want = slugify(part);
            let i = heads
                .iter()
                .enumerate()
                .skip(from)
                .take_while(|(_, (level, _, _))| within.is_none_or(|w| *level > w))
                .find(|(_, (_, text, _))| slugify(text) == want)
                .map(|(i, _)| i)?;
            within = Some(heads[i].0);
            from = i + 1;
            found = Some(heads[i].2.clone());
        }
        found
    }

    pub(super) fn anchor_in(&self, ch: ChapterId, anchor: &str) -> Option<String> {
        let ids = self.local_ids.get(ch.0 as usize)?;
        ids.get(anchor)
            .or_else(|| ids.get(&slugify(anchor)))
            .or_else(|| ids.get(&anchor.to_lowercase()))
            .cloned()
    }
}
