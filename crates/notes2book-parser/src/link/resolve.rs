//! Links between notes, resolved to chapter and anchor.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use notes2book_model::vfs::normalize;
use notes2book_model::{Chapter, ChapterId, Diagnostic, Inline, LinkSyntax, LinkTarget};

use super::{Index, clean_rel, percent_decode, url};
use crate::walk;

/// Resolve every link in the book to a chapter and anchor. Links to the site's own
/// address (`baseURL`) are links inside the book when they lead to a note. Failures are
/// reported once per cause: the same address from many places, or one form of address
/// that leads nowhere (a single word, as a theme's render hook reads it), is one warning
/// with a count.
pub fn resolve_links(chapters: &mut [Chapter], ix: &Index, diags: &mut Vec<Diagnostic>) {
    let titles: Vec<String> = chapters.iter().map(|c| c.title.clone()).collect();
    let mut failures = Failures::default();
    for ch in chapters.iter_mut() {
        let from = ch.id;
        let rel = ch.path.clone().unwrap_or_default();
        let mut resolve = |inline: &mut Inline| {
            let Inline::Link(link) = inline else { return };
            let on_own_site = matches!(&link.target, LinkTarget::External { url }
                if ix.rules.base_url.as_deref().is_some_and(|b| url::is_on_site(url, b)));
            if link.target != LinkTarget::Unresolved && !on_own_site {
                return;
            }
            match resolve_one(&link.dest, link.syntax, from, &rel, ix) {
                Ok((chapter, anchor, warn)) => {
                    if let Some(w) = warn {
                        failures.add(
                            Diagnostic::warning("anchor-unresolved", w)
                                .at_opt(link.span)
                                .hint("check the heading's id; links go to the note's start meanwhile"),
                            &link.dest,
                            false,
                        );
                    }
                    if link.content.is_empty() {
                        let t = titles.get(chapter.0 as usize).cloned().unwrap_or_default();
                        link.content = vec![Inline::Text(t)];
                    }
                    link.target = LinkTarget::Internal { chapter, anchor };
                }
                // A page of the site that is not in the book stays a web link.
                Err(_) if on_own_site => {}
                Err((code, msg, hint)) => {
                    failures.add(
                        Diagnostic::warning(code, msg).at_opt(link.span).hint(hint),
                        &link.dest,
                        link.syntax == LinkSyntax::Markdown && is_single_word(&link.dest),
                    );
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
    failures.report(diags);
}

/// A failure's code, place (file and offset) and address.
type Place = (&'static str, Option<(u32, u32)>, String);

/// Link failures grouped by cause, in the order their first place was seen.
#[derive(Default)]
struct Failures {
    groups: Vec<(Diagnostic, usize, bool)>,
    by_cause: BTreeMap<(&'static str, String), usize>,
    /// Places already counted (an embedded copy of a link fails again at the same place).
    seen: BTreeSet<Place>,
}

impl Failures {
    /// `word`: the address is a single word written as a Markdown link.
    fn add(&mut self, d: Diagnostic, dest: &str, word: bool) {
        let place = d.span.map(|s| (s.file, s.start));
        if !self.seen.insert((d.code, place, dest.to_owned())) {
            return;
        }
        let cause = if word {
            "a single word".to_owned()
        } else if dest.contains("{{") {
            // `[x]({{% eturl rss %}})`: an address the site's template makes.
            "a shortcode".to_owned()
        } else {
            dest.trim().trim_start_matches("./").to_lowercase()
        };
        match self.by_cause.get(&(d.code, cause.clone())) {
            Some(&i) => self.groups[i].1 += 1,
            None => {
                self.by_cause.insert((d.code, cause), self.groups.len());
                self.groups.push((d, 1, word));
            }
        }
    }

    fn report(self, diags: &mut Vec<Diagnostic>) {
        for (mut d, count, word) in self.groups {
            if !word && count > 1 && d.message.contains("{{") {
                d.message = format!(
                    "{} ({count} links whose address a shortcode makes, which only the site can; the first is here)",
                    d.message
                );
                d.hint = Some("link to the note's path instead".into());
            } else if word {
                d.message = format!(
                    "{}; {} link{} of this form (a single word, such as a theme's render hook reads) lead nowhere in the book (the first is here)",
                    d.message,
                    count,
                    if count == 1 { "" } else { "s" }
                );
                d.hint = Some(
                    "a site can give such links a meaning that a book cannot; link to the note's path or name instead".into(),
                );
            } else if count > 1 {
                d.message = format!("{} ({count} links to it; the first is here)", d.message);
            }
            diags.push(d);
        }
    }
}

/// `[term](g)`: no path, extension, anchor or scheme, as a site's render hook may read.
fn is_single_word(dest: &str) -> bool {
    let d = dest.trim();
    !d.is_empty()
        && d.chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
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
            _ => by_path_or_url(path, from_dir, from, ix),
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
    let found = ix.anchor_in(chapter, anchor).or_else(|| {
        anchor
            .contains('#')
            .then(|| ix.heading_path(chapter, anchor))
            .flatten()
    });
    // `#top` is the top of the page in every browser.
    let found = found.or_else(|| {
        anchor
            .eq_ignore_ascii_case("top")
            .then(|| ix.anchors.get(chapter.0 as usize).cloned())
            .flatten()
    });
    if let Some(id) = found {
        // The chapter's own anchor is its start: no anchor needed.
        let at_start = ix.anchors.get(chapter.0 as usize).is_some_and(|a| a == &id);
        return Ok((chapter, (!at_start).then_some(id), None));
    }
    if path.is_empty() {
        // A bare `#id` that lives in another note.
        for c in 0..ix.local_ids.len() {
            let c = ChapterId(c as u32);
            if let Some(id) = ix.anchor_in(c, anchor) {
                return Ok((c, Some(id), None));
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

fn by_path_or_url(path: &str, from_dir: &Path, from: ChapterId, ix: &Index) -> Option<ChapterId> {
    if !path.starts_with('/')
        && let Some(c) = normalize(&from_dir.join(path)).and_then(|p| ix.path_lookup(&p))
    {
        return Some(c);
    }
    if let Some(c) = clean_rel(path).and_then(|p| ix.path_lookup(&p)) {
        return Some(c);
    }
    // Hugo URLs: absolute (`/section/slug/`) or relative to the page's own URL.
    let url = if path.starts_with('/') || path.contains("://") {
        path.to_owned()
    } else {
        let page = ix
            .urls
            .get(from.0 as usize)
            .cloned()
            .flatten()
            .unwrap_or_else(|| "/".to_owned());
        normalize(&Path::new(&page).join(path))?
            .to_string_lossy()
            .into_owned()
    };
    let key = url::key(&url, &ix.rules);
    // Hugo's `GetPage` (and render hooks built on it) also reads `a/b/` from the root.
    if !ix.by_url.contains_key(&key) && !path.starts_with('/') && !path.starts_with('.') {
        return ix.by_url.get(&url::key(path, &ix.rules)).copied();
    }
    ix.by_url.get(&key).copied()
}
