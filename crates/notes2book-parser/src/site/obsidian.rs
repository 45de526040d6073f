//! An Obsidian vault: the folder that holds `.obsidian/`. The vault itself is the notes
//! folder; `.obsidian/app.json`'s `attachmentFolderPath` says where pasted images go:
//! `/` the vault's root, `./` the note's own folder, `./sub` a folder beside the note,
//! `sub` a folder of the vault.

use std::path::{Path, PathBuf};

use notes2book_model::Sources;
use notes2book_model::vfs::{EntryKind, Vfs};

use super::{Site, folder_in, invalid, load};

/// Where a vault keeps its attachments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attachments {
    /// One folder of the vault (absolute).
    Folder(PathBuf),
    /// A folder beside each note, relative to the note's folder (empty: the folder itself).
    BesideNote(PathBuf),
}

pub fn read(vfs: &dyn Vfs, vault: &Path, sources: &mut Sources) -> Site {
    let mut site = Site {
        input: Some(vault.to_path_buf()),
        ..Site::default()
    };
    let path = vault.join(".obsidian/app.json");
    if vfs.kind(&path) != Some(EntryKind::File) {
        return site;
    }
    let Some((file, text)) = load(vfs, &path, sources, &mut site.diagnostics) else {
        return site;
    };
    let app: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            let at: usize = text
                .split_inclusive('\n')
                .take(e.line().saturating_sub(1))
                .map(str::len)
                .sum();
            let msg = e.to_string();
            site.diagnostics
                .push(invalid(file, at, ".obsidian/app.json", &msg));
            return site;
        }
    };
    let Some(setting) = app.get("attachmentFolderPath").and_then(|v| v.as_str()) else {
        return site;
    };
    let setting = setting.trim();
    site.attachments = if let Some(beside) = setting.strip_prefix("./") {
        beside_note(beside).map(Attachments::BesideNote)
    } else if setting == "." {
        Some(Attachments::BesideNote(PathBuf::new()))
    } else {
        folder_in(vault, setting.trim_start_matches('/')).map(Attachments::Folder)
    };
    site
}

/// A folder below the note's: no `..`, nothing absolute.
fn beside_note(rel: &str) -> Option<PathBuf> {
    let path = Path::new(rel.trim_matches('/'));
    path.components()
        .all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        })
        .then(|| path.to_path_buf())
}
