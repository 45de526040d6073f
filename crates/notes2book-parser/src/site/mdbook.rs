//! mdBook's `book.toml`: `[book] src` names the notes folder (default `src`); `title`,
//! `authors`, `language` and `description` are the book's metadata. Everything else
//! (`multilingual`, `[output.*]`, `[preprocessor.*]`, `[rust]`) is for mdBook's renderers
//! and is passed over quietly.

use std::path::Path;

use notes2book_model::Sources;
use notes2book_model::vfs::Vfs;

use super::{Site, SiteMetadata, folder_in, invalid, load, text};

pub fn read(vfs: &dyn Vfs, path: &Path, sources: &mut Sources) -> Site {
    let mut site = Site::default();
    let root = path.parent().unwrap_or(Path::new(""));
    let Some((file, source)) = load(vfs, path, sources, &mut site.diagnostics) else {
        return site;
    };
    let table: toml::Table = match toml::from_str(&source) {
        Ok(t) => t,
        Err(e) => {
            let at = e.span().map_or(0, |s| s.start);
            site.diagnostics
                .push(invalid(file, at, "book.toml", e.message()));
            site.input = folder_in(root, "src");
            return site;
        }
    };
    let book = table.get("book").and_then(toml::Value::as_table);
    let get = |k: &str| book.and_then(|b| b.get(k));
    let src = text(get("src")).unwrap_or_else(|| "src".to_owned());
    site.input = folder_in(root, &src);
    site.metadata = SiteMetadata {
        title: text(get("title")),
        authors: get("authors")
            .and_then(toml::Value::as_array)
            .map(|a| a.iter().filter_map(|v| text(Some(v))).collect())
            .unwrap_or_default(),
        language: text(get("language")),
        description: text(get("description")),
        rights: None,
    };
    site
}
