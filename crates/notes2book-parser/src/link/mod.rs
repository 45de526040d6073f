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

pub use assemble::assemble;
pub use embed::resolve_embeds;
pub use ids::assign_ids;
pub use index::Index;
pub use resolve::resolve_links;
pub use toc::toc;

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
