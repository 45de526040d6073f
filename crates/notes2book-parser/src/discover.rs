//! Discovery: which files in the notes folder are notes, sections and bundles.
//!
//! Notes are `.md` and `.markdown` files, found recursively. Hidden files and folders,
//! `static/`, `assets/`, `node_modules/` and the excluded folders (the output folder) are
//! skipped. `_index.md` opens its folder's section. A folder with `index.md` is a leaf
//! bundle: its other files (Markdown included) are its resources, not notes.

use std::path::{Path, PathBuf};

use notes2book_model::Diagnostic;
use notes2book_model::vfs::{EntryKind, Vfs};

/// Folders deeper than this are not searched (guards against symlink loops too).
pub const MAX_DIR_DEPTH: usize = 32;

#[derive(Debug, Default)]
pub struct Dir {
    /// Relative to the input folder.
    pub rel: PathBuf,
    /// `_index.md` of this folder.
    pub index: Option<PathBuf>,
    /// Notes directly in this folder, and leaf bundles below it (`dir/index.md`).
    pub notes: Vec<NoteFile>,
    pub dirs: Vec<Dir>,
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

const SKIPPED_DIRS: &[&str] = &[
    "static",
    "assets",
    "node_modules",
    "_site",
    "public",
    "resources",
];

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
                if entry.name == "_index.md" {
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
                if vfs.kind(&input.join(&index)) == Some(EntryKind::File) {
                    out.notes.push(NoteFile {
                        rel: index,
                        bundle: true,
                    });
                    continue;
                }
                let mut sub = Dir::default();
                walk_dir(vfs, input, &child, exclude, depth + 1, &mut sub, diags);
                if sub.index.is_some() || !sub.notes.is_empty() || !sub.dirs.is_empty() {
                    out.dirs.push(sub);
                }
            }
        }
    }
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
            "c/bundle/res.md",
            "c/bundle/pic.png",
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
                "sec/b.markdown"
            ]
        );
        assert!(d.notes.iter().any(|n| n.bundle));
    }
}
