//! A Hugo site's configuration: `hugo.toml|yaml|yml|json` in the site root, the older
//! `config.*` (only beside a `content/` folder: the name alone is too common), or the
//! `config/_default/` folder (with its `params.*`). Hugo's keys are case-insensitive.
//!
//! Used: `contentDir` (the notes folder, default `content`), `staticDir` (one or a list) and
//! `assetDir` (folders for `/…` references), `title`, `languageCode` or else
//! `defaultContentLanguage`, `params.author`/`params.authors`/`author` (a name, a list, or
//! maps with a `name`), `copyright` (the rights), `params.description`.

use std::path::{Path, PathBuf};

use notes2book_model::Sources;
use notes2book_model::vfs::{EntryKind, Vfs};
use serde_json::Value as J;

use super::{Site, SiteMetadata, folder_in, invalid, load};

const EXTENSIONS: &[&str] = &["toml", "yaml", "yml", "json"];

fn first_file(vfs: &dyn Vfs, dir: &Path, stems: &[&str]) -> Option<PathBuf> {
    stems.iter().find_map(|stem| {
        EXTENSIONS
            .iter()
            .map(|ext| dir.join(format!("{stem}.{ext}")))
            .find(|p| vfs.kind(p) == Some(EntryKind::File))
    })
}

/// The file that makes `dir` a Hugo site root, if any.
pub fn marker(vfs: &dyn Vfs, dir: &Path) -> Option<PathBuf> {
    first_file(vfs, dir, &["hugo"])
        .or_else(|| first_file(vfs, &dir.join("config/_default"), &["hugo", "config"]))
        .or_else(|| {
            (vfs.kind(&dir.join("content")) == Some(EntryKind::Dir))
                .then(|| first_file(vfs, dir, &["config"]))
                .flatten()
        })
}

/// Parse a configuration file of any of Hugo's formats, keys in lower case.
fn parse(path: &Path, text: &str) -> Result<J, (usize, String)> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let value = match ext {
        "toml" => toml::from_str::<toml::Table>(text)
            .map_err(|e| (e.span().map_or(0, |s| s.start), e.message().to_owned()))
            .and_then(|t| serde_json::to_value(t).map_err(|e| (0, e.to_string())))?,
        "json" => serde_json::from_str::<J>(text).map_err(|e| {
            let line_start: usize = text
                .split_inclusive('\n')
                .take(e.line().saturating_sub(1))
                .map(str::len)
                .sum();
            (line_start, e.to_string())
        })?,
        _ => serde_yaml::from_str::<J>(text)
            .map_err(|e| (e.location().map_or(0, |l| l.index()), e.to_string()))?,
    };
    Ok(lower_keys(value))
}

fn lower_keys(v: J) -> J {
    match v {
        J::Object(m) => J::Object(
            m.into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), lower_keys(v)))
                .collect(),
        ),
        other => other,
    }
}

fn string(v: Option<&J>) -> Option<String> {
    v.and_then(J::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Names from `"A"`, `["A", "B"]`, `{name: "A"}` or a list of such maps.
fn names(v: Option<&J>) -> Vec<String> {
    match v {
        Some(J::Array(items)) => items.iter().flat_map(|i| names(Some(i))).collect(),
        Some(J::Object(m)) => string(m.get("name")).into_iter().collect(),
        other => string(other).into_iter().collect(),
    }
}

/// One or a list of folder names.
fn folders(v: Option<&J>) -> Vec<String> {
    match v {
        Some(J::Array(items)) => items.iter().filter_map(|i| string(Some(i))).collect(),
        other => string(other).into_iter().collect(),
    }
}

/// `copyright` often holds HTML (`&copy; 2024 <a href=…>Ann</a>`): the text of it.
fn plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&copy;", "©")
        .replace("&amp;", "&")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn read(vfs: &dyn Vfs, root: &Path, path: &Path, sources: &mut Sources) -> Site {
    let mut site = Site::default();
    let mut files = vec![path.to_path_buf()];
    let in_default = path.parent() == Some(root.join("config/_default").as_path());
    if in_default && let Some(p) = first_file(vfs, &root.join("config/_default"), &["params"]) {
        files.push(p);
    }
    let mut config = serde_json::Map::new();
    for (i, file_path) in files.iter().enumerate() {
        let Some((file, text)) = load(vfs, file_path, sources, &mut site.diagnostics) else {
            continue;
        };
        let name = file_path
            .strip_prefix(root)
            .unwrap_or(file_path)
            .display()
            .to_string();
        match parse(file_path, &text) {
            // `config/_default/params.toml` is the `params` table of the main file.
            Ok(J::Object(m)) if i > 0 => {
                config.insert("params".to_owned(), J::Object(m));
            }
            Ok(J::Object(m)) => config.extend(m),
            Ok(_) => {}
            Err((at, msg)) => site.diagnostics.push(invalid(file, at, &name, &msg)),
        }
    }
    let params = config.get("params");
    let param = |k: &str| params.and_then(|p| p.get(k));
    let content = string(config.get("contentdir")).unwrap_or_else(|| "content".to_owned());
    site.input = folder_in(root, &content);
    let mut statics = folders(config.get("staticdir"));
    if statics.is_empty() {
        statics.push("static".to_owned());
    }
    statics.push(string(config.get("assetdir")).unwrap_or_else(|| "assets".to_owned()));
    site.static_dirs = statics.iter().filter_map(|d| folder_in(root, d)).collect();
    let mut authors = names(param("author"));
    if authors.is_empty() {
        authors = names(param("authors"));
    }
    if authors.is_empty() {
        authors = names(config.get("author"));
    }
    site.metadata = SiteMetadata {
        title: string(config.get("title")),
        authors,
        language: string(config.get("languagecode"))
            .or_else(|| string(config.get("defaultcontentlanguage"))),
        description: string(param("description")),
        rights: string(config.get("copyright"))
            .map(|c| plain(&c))
            .filter(|c| !c.is_empty()),
    };
    site
}
