//! Where a book's root is, as its author's tool says: the folder of `notes2book.yaml`,
//! an mdBook's `book.toml`, a Hugo site's configuration, or an Obsidian vault's
//! `.obsidian/`. [`locate`] walks up from the input to find it; [`read`] takes from the
//! tool's own configuration what a book needs: the notes folder, metadata to fall back on,
//! static folders, and the vault's attachment folder.
//!
//! Precedence, when one folder holds several markers: `notes2book.yaml`, then `book.toml`,
//! then the Hugo configuration, then `.obsidian/`. Walking up, the nearest folder with one of
//! the first three wins; a vault counts only when none of them is found. The walk stops at
//! the folder that holds `.git` (a repository is a book's widest possible root) or at the
//! top of the file system.

mod hugo;
mod mdbook;
mod obsidian;

use std::path::{Path, PathBuf};

use notes2book_model::vfs::{EntryKind, Vfs};
use notes2book_model::{Diagnostic, FileId, Sources, Span};

pub use obsidian::Attachments;

/// The marker file of our own configuration.
pub const CONFIG_FILE: &str = "notes2book.yaml";

/// Which tool a root belongs to, in order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SiteKind {
    Notes2book,
    MdBook,
    Hugo,
    Obsidian,
}

impl SiteKind {
    pub fn name(self) -> &'static str {
        match self {
            SiteKind::Notes2book => "notes2book",
            SiteKind::MdBook => "mdBook",
            SiteKind::Hugo => "Hugo",
            SiteKind::Obsidian => "Obsidian",
        }
    }
}

/// A folder found by [`locate`], with what marks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub root: PathBuf,
    /// Markers in `root`, in order of precedence, each with the file or folder that shows it.
    pub markers: Vec<(SiteKind, PathBuf)>,
    /// An Obsidian vault at or below `root` on the way up from the input, if any.
    pub vault: Option<PathBuf>,
}

impl Located {
    pub fn kind(&self) -> Option<SiteKind> {
        self.markers.first().map(|(k, _)| *k)
    }

    /// One line for `-v`: which root, and why.
    pub fn why(&self) -> String {
        let shown: Vec<String> = self
            .markers
            .iter()
            .map(|(k, p)| format!("{} ({})", k.name(), p.display()))
            .collect();
        format!(
            "book root {}: {}",
            self.root.display(),
            if shown.is_empty() {
                "no marker found".to_owned()
            } else {
                shown.join(", then ")
            }
        )
    }
}

/// Metadata that the tool's configuration gives; the book's own config wins over it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteMetadata {
    pub title: Option<String>,
    pub authors: Vec<String>,
    pub language: Option<String>,
    pub description: Option<String>,
    pub rights: Option<String>,
}

impl SiteMetadata {
    /// Fill what is still unset from `other`.
    fn or(mut self, other: SiteMetadata) -> SiteMetadata {
        self.title = self.title.or(other.title);
        if self.authors.is_empty() {
            self.authors = other.authors;
        }
        self.language = self.language.or(other.language);
        self.description = self.description.or(other.description);
        self.rights = self.rights.or(other.rights);
        self
    }
}

/// What a root's tool configuration says about the book.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// The notes folder the tool builds (absolute), when it names one.
    pub input: Option<PathBuf>,
    pub metadata: SiteMetadata,
    /// Folders searched for `/…` references (absolute), in order.
    pub static_dirs: Vec<PathBuf>,
    /// Where the vault keeps attachments.
    pub attachments: Option<Attachments>,
    /// Problems in the tool's configuration (it is still used as far as it can be read).
    pub diagnostics: Vec<Diagnostic>,
    /// How the site makes page addresses (Hugo).
    pub urls: crate::UrlRules,
}

/// The markers in one folder, in order of precedence.
fn markers(vfs: &dyn Vfs, dir: &Path) -> Vec<(SiteKind, PathBuf)> {
    let mut found = Vec::new();
    let file = |name: &str| {
        let p = dir.join(name);
        (vfs.kind(&p) == Some(EntryKind::File)).then_some(p)
    };
    if let Some(p) = file(CONFIG_FILE) {
        found.push((SiteKind::Notes2book, p));
    }
    if let Some(p) = file("book.toml") {
        found.push((SiteKind::MdBook, p));
    }
    if let Some(p) = hugo::marker(vfs, dir) {
        found.push((SiteKind::Hugo, p));
    }
    let vault = dir.join(".obsidian");
    if vfs.kind(&vault) == Some(EntryKind::Dir) {
        found.push((SiteKind::Obsidian, vault));
    }
    found
}

/// The book's root for notes in `start` (an absolute, real path): see the module's text.
pub fn locate(vfs: &dyn Vfs, start: &Path) -> Option<Located> {
    let mut vault: Option<Located> = None;
    for dir in start.ancestors() {
        let found = markers(vfs, dir);
        if found.iter().any(|(k, _)| *k != SiteKind::Obsidian) {
            let nearer_vault = vault.map(|v| v.root);
            let own_vault = found
                .iter()
                .any(|(k, _)| *k == SiteKind::Obsidian)
                .then(|| dir.to_path_buf());
            return Some(Located {
                root: dir.to_path_buf(),
                markers: found,
                vault: nearer_vault.or(own_vault),
            });
        }
        if vault.is_none() && !found.is_empty() {
            vault = Some(Located {
                root: dir.to_path_buf(),
                markers: found,
                vault: Some(dir.to_path_buf()),
            });
        }
        if vfs.kind(&dir.join(".git")).is_some() {
            break;
        }
    }
    vault
}

/// Read what the root's tools say about the book (not `notes2book.yaml`: the CLI reads it).
pub fn read(vfs: &dyn Vfs, located: &Located, sources: &mut Sources) -> Site {
    let mut site = Site::default();
    for (kind, path) in &located.markers {
        let part = match kind {
            SiteKind::Notes2book | SiteKind::Obsidian => continue,
            SiteKind::MdBook => mdbook::read(vfs, path, sources),
            SiteKind::Hugo => hugo::read(vfs, &located.root, path, sources),
        };
        site.input = site.input.or(part.input);
        site.metadata = site.metadata.or(part.metadata);
        site.static_dirs.extend(part.static_dirs);
        site.diagnostics.extend(part.diagnostics);
        if site.urls == crate::UrlRules::default() {
            site.urls = part.urls;
        }
    }
    if let Some(vault) = &located.vault {
        let part = obsidian::read(vfs, vault, sources);
        if located.kind() == Some(SiteKind::Obsidian) {
            site.input = site.input.or(part.input);
        }
        site.attachments = part.attachments;
        site.diagnostics.extend(part.diagnostics);
    }
    site
}

/// Read a configuration file into the sources (for spans), at most 1 MiB.
fn load(
    vfs: &dyn Vfs,
    path: &Path,
    sources: &mut Sources,
    diags: &mut Vec<Diagnostic>,
) -> Option<(FileId, String)> {
    match vfs.read(path, 1024 * 1024) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
            let file = sources.add(path.to_path_buf(), text.clone());
            Some((file, text))
        }
        Err(e) => {
            diags.push(
                Diagnostic::warning(
                    "site-config-unreadable",
                    format!("cannot read {}: {e}; it is not used", path.display()),
                )
                .hint("make the file readable, or remove it"),
            );
            None
        }
    }
}

/// A configuration file that does not parse: a warning at the fault; the file is not used.
fn invalid(file: FileId, at: usize, what: &str, msg: &str) -> Diagnostic {
    Diagnostic::warning(
        "site-config-invalid",
        format!("{what} cannot be read: {msg}; its settings are not used"),
    )
    .at(Span::new(file, at, at))
    .hint("fix the file so that its own tool reads it, or set the book's values in notes2book.yaml")
}

/// A text value, trimmed; empty counts as absent.
fn text(v: Option<&toml::Value>) -> Option<String> {
    v.and_then(toml::Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A relative folder named by a tool's configuration, inside `root` (never above it).
fn folder_in(root: &Path, rel: &str) -> Option<PathBuf> {
    let rel = rel.trim().trim_start_matches("./");
    if rel.is_empty() {
        return Some(root.to_path_buf());
    }
    let joined = notes2book_model::vfs::normalize(&root.join(rel))?;
    joined.starts_with(root).then_some(joined)
}

#[cfg(test)]
mod tests;
