//! Links between notes, resolved to chapter and anchor.

use std::path::Path;

use notes2book_model::vfs::normalize;
use notes2book_model::{Chapter, ChapterId, Diagnostic, Inline, LinkSyntax, LinkTarget};

use super::{Index, clean_rel, percent_decode, stem_of};
use crate::walk;

/// Resolve every link in the book to a chapter and anchor.
pub fn resolve_links(chapters: &mut [Chapter], ix: &Index, diags: &mut Vec<Diagnostic>) {
    let titles: Vec<String> = chapters.iter().map(|c| c.title.clone()).collect();
    for ch in chapters.iter_mut() {
        let from = ch.id;
        let rel = ch.path.clone().unwrap_or_default();
        let mut resolve = |inline: &mut Inline| {
            let Inline::Link(link) = inline else { return };
            if link.target != LinkTarget::Unresolved {
                return;
            }
            match resolve_one(&link.dest, link.syntax, from, &rel, ix) {
                Ok((chapter, anchor, warn)) => {
                    if let Some(w) = warn {
                        diags.push(Diagnostic::warning("anchor-unresolved", w).at_opt(link.span).hint("check the heading's id; links go to the note's start meanwhile"));
                    }
                    if link.content.is_empty() {
                        let t = titles.get(chapter.0 as usize).cloned().unwrap_or_default();
                        link.content = vec![Inline::Text(t)];
                    }
                    link.target = LinkTarget::Internal { chapter, anchor };
                }
                Err((code, msg, hint)) => {
                    diags.push(Diagnostic::warning(code, msg).at_opt(link.span).hint(hint));
                    if link.content.is_empty() {
                        link.content = vec![Inline::Text(link.dest.clone())];
                    }
                }
            }
        };
        walk::inlines_mut(&mut ch.blocks, &mut resolve);
        for f in &mut ch.footnotes {
            walk::inlines_mut(&mut f.blocks, &mut resolve);
        }
    }
}

type Resolved = (ChapterId, Option<String>, Option<String>);
type Failed = (&'static str, String, String);

fn resolve_one(
    dest: &str,
    syntax: LinkSyntax,
    from: ChapterId,
    rel: &Path,
    ix: &Index,
) -> Result<Resolved, Failed> {
    let from_dir = rel.parent().unwrap_or(Path::new(""));
    let decoded = if syntax == LinkSyntax::Wiki {
        dest.to_owned()
    } else {
        percent_decode(dest)
    };
    let (path, anchor) = match decoded.split_once('#') {
        Some((p, a)) => (p.trim(), Some(a.trim())),
        None => (decoded.trim(), None),
    };
    let path = path.split('?').next().unwrap_or(path);
    let chapter = if path.is_empty() {
        from
    } else {
        let found = match syntax {
            LinkSyntax::Wiki | LinkSyntax::Ref => match ix.by_name(path, from_dir) {
                Ok(c) => c,
                Err(list) => {
                    let names: Vec<String> = list
                        .iter()
                        .map(|c| {
                            ix.paths
                                .get(c.0 as usize)
                                .cloned()
                                .flatten()
                                .map_or(format!("#{}", c.0), |p| p.display().to_string())
                        })
                        .collect();
                    return Err((
                        "link-ambiguous",
                        format!(
                            "`{dest}` names {} notes ({}); it is not linked",
                            list.len(),
                            names.join(", ")
                        ),
                        "use the note's path, e.g. [[folder/note]]".into(),
                    ));
                }
            },
            _ => by_path_or_url(path, from_dir, rel, ix),
        };
        match found {
            Some(c) => c,
            None => {
                let hint = if looks_like_file(path)
                    && !path.ends_with(".md")
                    && !path.ends_with(".markdown")
                {
                    "a book can only link to its notes and to web addresses; link to the file's web address instead"
                } else {
                    "check the file name; paths are relative to the note's folder"
                };
                return Err((
                    "link-unresolved",
                    format!(
                        "`{dest}` does not lead to a note in the book; its text is shown without a link"
                    ),
                    hint.into(),
                ));
            }
        }
    };
    let Some(anchor) = anchor.filter(|a| !a.is_empty()) else {
        return Ok((chapter, None, None));
    };
    if let Some(id) = ix.anchor_in(chapter, anchor) {
        // The chapter's own anchor is its start: no anchor needed.
        let at_start = ix.anchors.get(chapter.0 as usize).is_some_and(|a| a == &id);
        return Ok((chapter, (!at_start).then_some(id), None));
    }
    if path.is_empty() {
        // A bare `#id` that lives in another note.
        for (c, ids) in ix.local_ids.iter().enumerate() {
            if let Some(id) = ids.get(anchor) {
                return Ok((ChapterId(c as u32), Some(id.clone()), None));
            }
        }
        return Err((
            "anchor-unresolved",
            format!(
                "no heading with the id `{anchor}` in this note or any other; its text is shown without a link"
            ),
            "check the heading's id (ids are the heading text in lower case, words joined by `-`)"
                .into(),
        ));
    }
    Ok((
        chapter,
        None,
        Some(format!(
            "`{dest}`: no heading with the id `{anchor}` in that note"
        )),
    ))
}

fn looks_like_file(p: &str) -> bool {
    p.rsplit('/').next().is_some_and(|n| n.contains('.'))
}

fn by_path_or_url(path: &str, from_dir: &Path, rel: &Path, ix: &Index) -> Option<ChapterId> {
    if !path.starts_with('/')
        && let Some(c) = normalize(&from_dir.join(path)).and_then(|p| ix.path_lookup(&p))
    {
        return Some(c);
    }
    if let Some(c) = clean_rel(path).and_then(|p| ix.path_lookup(&p)) {
        return Some(c);
    }
    // Hugo URLs: absolute (`/section/slug/`) or relative to the page's own URL.
    let url = if path.starts_with('/') {
        path.to_owned()
    } else {
        let stem = stem_of(rel);
        let page = if rel
            .file_name()
            .is_some_and(|n| n == "_index.md" || n == "index.md")
        {
            from_dir.to_path_buf()
        } else {
            from_dir.join(stem)
        };
        normalize(&page.join(path))?.to_string_lossy().into_owned()
    };
    let key = format!("/{}/", url.trim_matches('/'))
        .replace("//", "/")
        .to_lowercase();
    ix.by_url.get(&key).copied()
}
