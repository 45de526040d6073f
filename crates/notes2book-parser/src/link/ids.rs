//! Chapter anchors and book-unique heading ids.

use std::collections::{BTreeMap, BTreeSet};

use notes2book_model::{Block, Chapter, Diagnostic, Inline, plain_text, slugify};

use super::{Index, stem_of};

/// The first of `base`, `base-1`, `base-2`, … that `taken` refuses. `next` remembers where
/// each base's search ended, so n headings with one text cost n steps rather than n²; this
/// is exact as long as the set behind `taken` only grows while `next` is in use.
fn first_free(
    base: &str,
    next: &mut BTreeMap<String, usize>,
    taken: impl Fn(&str) -> bool,
) -> String {
    let mut n = next.get(base).copied().unwrap_or(0);
    let id = loop {
        let id = if n == 0 {
            base.to_owned()
        } else {
            format!("{base}-{n}")
        };
        if !taken(&id) {
            break id;
        }
        n += 1;
    };
    next.insert(base.to_owned(), n);
    id
}

/// Give every chapter an anchor and every heading a book-unique id. Explicit ids
/// (`{#id}`) are kept as written where they can be; automatic ones make way for them. The
/// id of a note's title heading (removed from the body) leads to the chapter's start.
/// An explicit `{#id}` written twice in one note is a warning: `#id` reaches the first only.
pub fn assign_ids(
    chapters: &mut [Chapter],
    ix: &mut Index,
    title_ids: &[Option<String>],
    diags: &mut Vec<Diagnostic>,
) {
    let mut used: BTreeSet<String> = BTreeSet::new();
    let unique = |base: &str, used: &mut BTreeSet<String>, next: &mut BTreeMap<String, usize>| {
        let id = first_free(base, next, |id| used.contains(id));
        used.insert(id.clone());
        id
    };
    let mut next_anchor = BTreeMap::new();
    for ch in chapters.iter_mut() {
        let base = match &ch.path {
            Some(p) => format!("ch-{}", slugify(&stem_of(p)).trim_start_matches("h-")),
            None => format!("part-{}", slugify(&ch.title).trim_start_matches("h-")),
        };
        ch.anchor = unique(&base, &mut used, &mut next_anchor);
    }
    ix.anchors = chapters.iter().map(|c| c.anchor.clone()).collect();
    // Explicit ids first, so that an automatic id elsewhere cannot take their name.
    let is_explicit = |id: &str, content: &[Inline]| id != slugify(&plain_text(content));
    let mut explicit: BTreeSet<String> = BTreeSet::new();
    for ch in chapters.iter_mut() {
        notes2book_model::walk_blocks_mut(&mut ch.blocks, &mut |b| {
            if let Block::Heading {
                id,
                content,
                in_toc: true,
                ..
            } = b
                && is_explicit(id, content)
                && !used.contains(id.as_str())
            {
                explicit.insert(id.clone());
            }
        });
    }
    // Headings of the notes themselves first, across the whole book, so that embedded
    // copies (not in the TOC) take the suffixes. `used` and `explicit` together only grow
    // (an id leaves `explicit` only to join `used`), as `first_free` needs.
    let mut next_global = BTreeMap::new();
    for pass_in_toc in [true, false] {
        for ch in chapters.iter_mut() {
            let mut local_seen: BTreeSet<String> = BTreeSet::new();
            let mut next_local = BTreeMap::new();
            let mut outline: Vec<(u8, String, String)> = Vec::new();
            let locals = &mut ix.local_ids[ch.id.0 as usize];
            if pass_in_toc {
                // A removed title heading keeps its id, leading to the chapter's start.
                if let Some(t) = title_ids.get(ch.id.0 as usize).cloned().flatten() {
                    local_seen.insert(t.clone());
                    locals.insert(t, ch.anchor.clone());
                }
            }
            notes2book_model::walk_blocks_mut(&mut ch.blocks, &mut |b| {
                let Block::Heading {
                    id,
                    level,
                    in_toc,
                    content,
                    span,
                    ..
                } = b
                else {
                    return;
                };
                if *in_toc != pass_in_toc {
                    return;
                }
                let mine = is_explicit(id, content);
                let local = if *in_toc {
                    unique(id, &mut local_seen, &mut next_local)
                } else {
                    id.clone()
                };
                if mine && local != *id {
                    diags.push(
                        Diagnostic::warning(
                            "duplicate-id",
                            format!("the id `{id}` is already used in this note; this heading gets `{local}`, and `#{id}` leads to the first one"),
                        )
                        .at_opt(*span)
                        .hint("give each heading its own {#id}"),
                    );
                }
                let global = if *in_toc && mine && explicit.remove(&local) {
                    used.insert(local.clone());
                    local.clone()
                } else {
                    // Automatic ids make way for explicit ones still to come.
                    let g = first_free(&local, &mut next_global, |g| {
                        used.contains(g) || explicit.contains(g)
                    });
                    used.insert(g.clone());
                    g
                };
                if *in_toc {
                    locals.insert(local, global.clone());
                    outline.push((*level, plain_text(content), global.clone()));
                }
                *id = global;
            });
            if pass_in_toc {
                // `#the-title` leads to the chapter's start unless a heading has that id.
                locals
                    .entry(slugify(&ch.title))
                    .or_insert_with(|| ch.anchor.clone());
                // Links written against mdBook's or GitHub's ids (`the--operator` for
                // "the `?` Operator") land too.
                let mut seen = BTreeSet::new();
                let mut next = BTreeMap::new();
                for (_, text, global) in &outline {
                    let theirs = first_free(&md_id(text), &mut next, |k| seen.contains(k));
                    seen.insert(theirs.clone());
                    locals.entry(theirs).or_insert_with(|| global.clone());
                }
                ix.headings[ch.id.0 as usize] = std::mem::take(&mut outline);
            }
        }
    }
    // Anchors (block ids, definition terms, `<a id>`) after the headings, so that a
    // heading keeps its id; copies in embeds have no name and are not link targets.
    // The originals first, across the book, so that copies take the suffixes.
    for originals in [true, false] {
        for ch in chapters.iter_mut() {
            let locals = &mut ix.local_ids[ch.id.0 as usize];
            crate::walk::inlines_mut(&mut ch.blocks, &mut |i| {
                if let Inline::Anchor { name, id } = i
                    && name.is_empty() != originals
                {
                    let g = first_free(id, &mut next_global, |g| {
                        used.contains(g) || explicit.contains(g)
                    });
                    used.insert(g.clone());
                    if name.starts_with('^') {
                        locals.entry(name.clone()).or_insert_with(|| g.clone());
                    } else if !name.is_empty() {
                        // A term shares the page's ids with its headings, as in Hugo: a
                        // second `cascade` is `cascade-1`.
                        let local =
                            first_free(name, &mut BTreeMap::new(), |k| locals.contains_key(k));
                        locals.insert(local, g.clone());
                    }
                    *id = g;
                }
            });
        }
    }
}

/// A heading id as mdBook and GitHub make it: letters, digits, `_` and `-` kept (lower
/// case), each white-space character a `-`, everything else dropped.
fn md_id(text: &str) -> String {
    text.trim()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_lowercase().next().unwrap_or(c))
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}
