//! Discovery: which files in the notes folder are notes, sections and bundles.
//!
//! Notes are `.md` and `.markdown` files, found recursively. Hidden files and folders,
//! `static/`, `assets/`, `node_modules/` and the excluded folders (the output folder) are
//! skipped. `_index.md` opens its folder's section. A folder with `index.md` is a leaf
//! bundle whose other files are its resources; but where such a folder also holds other
//! notes (common in Obsidian vaults) they are not dropped: `index.md` then opens the
//! folder's section, with a note saying so.

use std::path::{Path, PathBuf};

use notes2book_model::Diagnostic;
use notes2book_model::vfs::{EntryKind, Vfs};

/// Folders deeper than this are not searched (guards against symlink loops too).
pub const MAX_DIR_DEPTH: usize = 32;

#[derive(Debug, Clone, Default)]
pub struct Dir {
    /// Relative to the input folder.
    pub rel: PathBuf,
    /// `_index.md` of this folder.
    pub index: Option<PathBuf>,
    /// Notes directly in this folder, and leaf bundles below it (`dir/index.md`).
    pub notes: Vec<NoteFile>,
    pub dirs: Vec<Dir>,
    /// `index.md` opens this folder's section (a bundle folder that also holds notes).
    index_opens: bool,
}

#[derive(Debug, Clone)]
pub struct NoteFile {
    pub rel: PathBuf,
    pub bundle: bool,
}

pub fn is_note(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".md") || lower.ends_with(".markdown")
}

/// Folders at the top of the notes folder that never hold notes.
const SKIPPED_DIRS: &[&str] = &["static", "assets", "node_modules"];

pub fn walk(vfs: &dyn Vfs, input: &Path, exclude: &[PathBuf], diags: &mut Vec<Diagnostic>) -> Dir {
    let mut root = Dir::default();
    walk_dir(vfs, input, Path::new(""), exclude, 0, &mut root, diags);
    root
}

fn walk_dir(
    vfs: &dyn Vfs,
    input: &Path,
    rel: &Path,
    exclude: &[PathBuf],
    depth: usize,
    out: &mut Dir,
    diags: &mut Vec<Diagnostic>,
) {
    out.rel = rel.to_path_buf();
    let entries = match vfs.list(&input.join(rel)) {
        Ok(e) => e,
        Err(e) => {
            diags.push(
                Diagnostic::warning(
                    "folder-unreadable",
                    format!("cannot read the folder {}: {e}", input.join(rel).display()),
                )
                .hint("check its permissions"),
            );
            return;
        }
    };
    for entry in entries {
        if entry.name.starts_with('.') {
            continue;
        }
        let child = rel.join(&entry.name);
        if exclude.iter().any(|x| x == &input.join(&child)) {
            continue;
        }
        match entry.kind {
            EntryKind::File => {
                if !is_note(&entry.name) {
                    continue;
                }
                if entry.name == "_index.md" || (entry.name == "index.md" && out.index_opens) {
                    out.index = Some(child);
                } else if rel.as_os_str().is_empty() && entry.name == "SUMMARY.md" {
                    // mdBook's table of contents, read by the ordering step.
                } else {
                    out.notes.push(NoteFile {
                        rel: child,
                        bundle: false,
                    });
                }
            }
            EntryKind::Dir => {
                if SKIPPED_DIRS.contains(&entry.name.as_str()) && depth == 0 {
                    continue;
                }
                if depth + 1 >= MAX_DIR_DEPTH {
                    diags.push(
                        Diagnostic::warning(
                            "folder-too-deep",
                            format!(
                                "{} is more than {MAX_DIR_DEPTH} folders deep; it is not searched",
                                child.display()
                            ),
                        )
                        .hint("move the notes up, or check for a symlink loop"),
                    );
                    continue;
                }
                let index = child.join("index.md");
                let mut sub = Dir::default();
                if vfs.kind(&input.join(&index)) == Some(EntryKind::File) {
                    if !has_other_notes(vfs, &input.join(&child)) {
                        out.notes.push(NoteFile {
                            rel: index,
                            bundle: true,
                        });
                        continue;
                    }
                    sub.index_opens = true;
                    diags.push(Diagnostic::note(
                        "bundle-with-notes",
                        format!(
                            "{} holds index.md and other notes: index.md opens the folder's section and the other notes are its chapters (in Hugo they would be resources of a leaf bundle)",
                            child.display()
                        ),
                    ));
                }
                walk_dir(vfs, input, &child, exclude, depth + 1, &mut sub, diags);
                if sub.index.is_some() || !sub.notes.is_empty() || !sub.dirs.is_empty() {
                    out.dirs.push(sub);
                }
            }
        }
    }
}

/// True when a folder holds Markdown files other than `index.md` (or folders with notes).
fn has_other_notes(vfs: &dyn Vfs, dir: &Path) -> bool {
    let Ok(entries) = vfs.list(dir) else {
        return false;
    };
    entries.iter().any(|e| {
        !e.name.starts_with('.')
            && match e.kind {
                EntryKind::File => is_note(&e.name) && e.name != "index.md",
                EntryKind::Dir => {
                    !SKIPPED_DIRS.contains(&e.name.as_str())
                        && has_notes_below(vfs, &dir.join(&e.name), 0)
                }
            }
    })
}

fn has_notes_below(vfs: &dyn Vfs, dir: &Path, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    let Ok(entries) = vfs.list(dir) else {
        return false;
    };
    entries.iter().any(|e| {
        !e.name.starts_with('.')
            && match e.kind {
                EntryKind::File => is_note(&e.name),
                EntryKind::Dir => has_notes_below(vfs, &dir.join(&e.name), depth + 1),
            }
    })
}

/// A sort key that orders `2-x` before `10-x` and ignores letter case, as file browsers
/// and Obsidian do.
pub fn natural_key(p: &Path) -> Vec<(u8, u64, String)> {
    let s = p.to_string_lossy().to_lowercase();
    let mut key = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut n: u64 = 0;
            let mut digits = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n = n
                    .saturating_mul(10)
                    .saturating_add(u64::from(d as u8 - b'0'));
                digits.push(d);
                chars.next();
            }
            key.push((0, n, digits));
        } else {
            let mut run = String::new();
            while let Some(&d) = chars.peek().filter(|d| !d.is_ascii_digit()) {
                run.push(d);
                chars.next();
            }
            key.push((1, 0, run));
        }
    }
    key
}

impl Dir {
    /// Every note file in the tree (sections' `_index.md` included), in path order.
    pub fn all_files(&self) -> Vec<NoteFile> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(d) = stack.pop() {
            if let Some(i) = &d.index {
                out.push(NoteFile {
                    rel: i.clone(),
                    bundle: false,
                });
            }
            out.extend(d.notes.iter().cloned());
            stack.extend(d.dirs.iter().rev());
        }
        out.sort_by(|a, b| a.rel.cmp(&b.rel));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notes2book_model::vfs::MemFs;

    #[test]
    fn sections_bundles_and_skips() {
        let mut fs = MemFs::new();
        for p in [
            "c/a.md",
            "c/_index.md",
            "c/.hidden.md",
            "c/.obsidian/x.md",
            "c/static/s.md",
            "c/sec/_index.md",
            "c/sec/b.markdown",
            "c/bundle/index.md",
            "c/bundle/data.csv",
            "c/bundle/pic.png",
            "c/vault/index.md",
            "c/vault/x.md",
            "c/notes.txt",
            "c/out/book.md",
        ] {
            fs.insert(p, "x");
        }
        let mut diags = vec![];
        let d = walk(&fs, Path::new("c"), &[PathBuf::from("c/out")], &mut diags);
        let files: Vec<String> = d
            .all_files()
            .iter()
            .map(|f| f.rel.display().to_string())
            .collect();
        assert_eq!(
            files,
            [
                "_index.md",
                "a.md",
                "bundle/index.md",
                "sec/_index.md",
                "sec/b.markdown",
                "vault/index.md",
                "vault/x.md"
            ]
        );
        assert_eq!(
            diags.len(),
            1,
            "a bundle folder with notes is read as a section"
        );
        assert!(d.notes.iter().any(|n| n.bundle));
    }
}
