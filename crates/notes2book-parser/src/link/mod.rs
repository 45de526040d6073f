//! Linking: chapters from the reading order, book-unique ids, embeds, links between notes,
//! and the table of contents. One file per stage, in the order `lib.rs` runs them:
//! [`assemble`], [`Index::new`], [`resolve_embeds`], [`assign_ids`], [`resolve_links`],
//! [`toc`].

use std::path::{Path, PathBuf};

use notes2book_model::vfs::normalize;

mod assemble;
mod embed;
mod ids;
mod index;
mod resolve;
mod toc;
mod url;

pub use assemble::assemble;
pub use embed::resolve_embeds;
pub use ids::assign_ids;
pub use index::Index;
pub use resolve::resolve_links;
pub use toc::toc;
pub use url::UrlRules;

/// Deepest chain of `![[embeds]]` followed.
pub const MAX_EMBED_DEPTH: usize = 8;

/// A path as written in a link or list, made relative and clean; `None` if it climbs out.
pub fn clean_rel(p: &str) -> Option<PathBuf> {
    let p = p.trim().trim_start_matches("./").trim_start_matches('/');
    normalize(Path::new(p))
}

pub fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn stem_of(rel: &Path) -> String {
    let name = rel.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if name == "index" || name == "_index" {
        rel.parent()
            .and_then(|p| p.file_name())
            .and_then(|s| s.to_str())
            .unwrap_or("index")
            .to_owned()
    } else {
        name.to_owned()
    }
}

/// Chapters from `visible` on are pages the site does not render, there only to be
/// included or embedded: they go, and links to them become their text, with a warning.
pub fn drop_hidden(
    chapters: &mut Vec<notes2book_model::Chapter>,
    visible: usize,
    outside_book: &[bool],
    book: Option<&str>,
    diags: &mut Vec<notes2book_model::Diagnostic>,
) {
    use notes2book_model::{Block, Diagnostic, Inline, LinkTarget};
    if chapters.len() <= visible {
        return;
    }
    chapters.truncate(visible);
    let hidden = |c: &notes2book_model::ChapterId| c.0 as usize >= visible;
    let outside = |c: &notes2book_model::ChapterId| {
        (c.0 as usize)
            .checked_sub(visible)
            .and_then(|k| outside_book.get(k))
            .copied()
            .unwrap_or(false)
    };
    // Links out of this book: one warning for the book, at the first, naming a few.
    let mut out_of_book: Vec<(String, Option<notes2book_model::Span>)> = Vec::new();
    for ch in chapters.iter_mut() {
        let mut unlink = |i: &mut Inline| {
            let Inline::Link(l) = i else { return };
            let LinkTarget::Internal { chapter, .. } = &l.target else {
                return;
            };
            if !hidden(chapter) {
                return;
            }
            if outside(chapter) {
                out_of_book.push((l.dest.clone(), l.span));
            } else {
                diags.push(
                    Diagnostic::warning(
                        "link-unrendered",
                        format!("`{}` leads to a page the site does not render (`build: {{render: never}}` or `headless`); its text is shown without a link", l.dest),
                    )
                    .at_opt(l.span)
                    .hint("include the page's text where it is needed, or let the site render it"),
                );
            }
            l.target = LinkTarget::Unresolved;
        };
        crate::walk::inlines_mut(&mut ch.blocks, &mut unlink);
        for f in &mut ch.footnotes {
            crate::walk::inlines_mut(&mut f.blocks, &mut unlink);
        }
        notes2book_model::walk_blocks_mut(&mut ch.blocks, &mut |b| {
            if let Block::Embed { chapter, .. } = b
                && chapter.as_ref().is_some_and(hidden)
            {
                *chapter = None;
            }
        });
    }
    if let Some((_, first)) = out_of_book.first() {
        let mut names: Vec<&str> = out_of_book.iter().map(|(d, _)| d.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let shown: Vec<String> = names.iter().take(5).map(|n| format!("`{n}`")).collect();
        let more = if names.len() > 5 { ", …" } else { "" };
        let n = out_of_book.len();
        diags.push(
            Diagnostic::warning(
                "link-outside-book",
                format!(
                    "{n} link{} in the book `{}` lead{} to notes it does not hold ({}{more}); their text is shown without a link",
                    if n == 1 { "" } else { "s" },
                    book.unwrap_or(""),
                    if n == 1 { "s" } else { "" },
                    shown.join(", ")
                ),
            )
            .at_opt(*first)
            .hint("add the notes to the book's selection in `books:`, or leave the links as text"),
        );
    }
}
