//! A Hugo site's configuration: `hugo.toml|yaml|yml|json` in the site root, the older
//! `config.*` (only beside a `content/` folder: the name alone is too common), or the
//! `config/_default/` folder (with its `params.*`). Hugo's keys are case-insensitive.
//!
//! Used: `contentDir` (the notes folder, default `content`; a `[[module.mounts]]` whose
//! target is `content`, or the default language's `contentDir`, wins), `staticDir` (one or
//! a list), `assetDir` and mounts targeting `static` or `assets` (folders for `/…`
//! references), `baseURL`, `[permalinks]`, `disablePathToLower` and the languages (for page
//! addresses), `title`, `languageCode` or else
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
        J::Array(items) => J::Array(items.into_iter().map(lower_keys).collect()),
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

/// `[[module.mounts]]`: the folder mounted as `content` (for the default language, or for
/// all), and the folders mounted as `static` or `assets`.
#[derive(Debug, Default)]
struct Mounts {
    content: Option<String>,
    statics: Vec<String>,
}

impl Mounts {
    fn of(config: &serde_json::Map<String, J>, lang: &str) -> Mounts {
        let mut m = Mounts::default();
        let list = config
            .get("module")
            .and_then(|v| v.get("mounts"))
            .and_then(J::as_array);
        for mount in list.into_iter().flatten() {
            let (Some(source), Some(target)) =
                (string(mount.get("source")), string(mount.get("target")))
            else {
                continue;
            };
            // The languages a mount is for: `lang` (older Hugo) or `sites.matrix.languages`.
            let langs: Vec<String> = match mount.get("lang") {
                Some(l) => folders(Some(l)),
                None => folders(
                    mount
                        .get("sites")
                        .and_then(|s| s.get("matrix"))
                        .and_then(|m| m.get("languages")),
                ),
            };
            let ours = langs.is_empty() || langs.iter().any(|l| l == lang);
            match target.trim_matches('/') {
                "content" if ours && m.content.is_none() => m.content = Some(source),
                "static" | "assets" => m.statics.push(source),
                _ => {}
            }
        }
        m
    }
}

/// What the configuration says about page addresses.
fn url_rules(config: &serde_json::Map<String, J>, lang: &str) -> crate::UrlRules {
    let mut permalinks = std::collections::BTreeMap::new();
    if let Some(J::Object(p)) = config.get("permalinks") {
        // `[permalinks.page]` (newer Hugo) or the flat `[permalinks]` of sections.
        let table = match p.get("page") {
            Some(J::Object(page)) => page,
            _ => p,
        };
        for (section, pattern) in table {
            if let Some(pattern) = pattern.as_str() {
                permalinks.insert(section.trim_matches('/').to_owned(), pattern.to_owned());
            }
        }
    }
    let mut languages: Vec<String> = match config.get("languages") {
        Some(J::Object(l)) => l.keys().cloned().collect(),
        _ => Vec::new(),
    };
    if !languages.iter().any(|l| l == lang) {
        languages.push(lang.to_owned());
    }
    crate::UrlRules {
        permalinks,
        keep_case: config
            .get("disablepathtolower")
            .and_then(J::as_bool)
            .unwrap_or(false),
        base_url: string(config.get("baseurl")),
        languages,
    }
}

pub fn read(vfs: &dyn Vfs, root: &Path, path: &Path, sources: &mut Sources) -> Site {
    let mut site = Site::default();
    // `config/_default/params.toml` is the `params` table of the main file; likewise
    // `module`, `permalinks` and `languages`.
    let mut files = vec![(path.to_path_buf(), None)];
    let in_default = path.parent() == Some(root.join("config/_default").as_path());
    if in_default {
        for table in ["params", "module", "permalinks", "languages"] {
            if let Some(p) = first_file(vfs, &root.join("config/_default"), &[table]) {
                files.push((p, Some(table)));
            }
        }
    }
    let mut config = serde_json::Map::new();
    for (file_path, table) in &files {
        let Some((file, text)) = load(vfs, file_path, sources, &mut site.diagnostics) else {
            continue;
        };
        let name = file_path
            .strip_prefix(root)
            .unwrap_or(file_path)
            .display()
            .to_string();
        match parse(file_path, &text) {
            Ok(J::Object(m)) if let Some(table) = table => {
                config.insert((*table).to_owned(), J::Object(m));
            }
            Ok(J::Object(m)) => config.extend(m),
            Ok(_) => {}
            Err((at, msg)) => site.diagnostics.push(invalid(file, at, &name, &msg)),
        }
    }
    let params = config.get("params");
    let param = |k: &str| params.and_then(|p| p.get(k));
    let lang = string(config.get("defaultcontentlanguage")).unwrap_or_else(|| "en".to_owned());
    let mounts = Mounts::of(&config, &lang);
    let content = mounts
        .content
        .clone()
        .or_else(|| {
            string(
                config
                    .get("languages")
                    .and_then(|l| l.get(lang.as_str()))
                    .and_then(|l| l.get("contentdir")),
            )
        })
        .or_else(|| string(config.get("contentdir")))
        .unwrap_or_else(|| "content".to_owned());
    site.input = folder_in(root, &content);
    let mut statics = folders(config.get("staticdir"));
    if statics.is_empty() {
        statics.push("static".to_owned());
    }
    statics.push(string(config.get("assetdir")).unwrap_or_else(|| "assets".to_owned()));
    statics.extend(mounts.statics);
    statics.dedup();
    site.static_dirs = statics.iter().filter_map(|d| folder_in(root, d)).collect();
    site.urls = url_rules(&config, &lang);
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
