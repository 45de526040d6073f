//! File access behind a small trait: the real file system for the CLI, an in-memory one for
//! tests. Every read goes through a [`Vfs`], which refuses anything outside the book's
//! allowed folders (`..`, absolute paths elsewhere, symlinks that lead out).

use std::collections::BTreeMap;
use std::io;
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub kind: EntryKind,
}

/// Read-only access to the book's files. Paths are real paths (absolute for [`DiskFs`]).
pub trait Vfs: Sync {
    /// Read a whole file, at most `limit` bytes (a larger file is an error, not a partial read).
    fn read(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>>;
    /// Entries of a folder, sorted by name.
    fn list(&self, dir: &Path) -> io::Result<Vec<DirEntry>>;
    fn kind(&self, path: &Path) -> Option<EntryKind>;
    /// True when the path exists but leads outside the allowed folders (a symlink out).
    fn escapes(&self, _path: &Path) -> bool {
        false
    }
    /// The real path of an existing entry when its name differs only by case (what a
    /// case-insensitive file system would have found); `None` otherwise.
    fn case_insensitive_match(&self, path: &Path) -> Option<PathBuf> {
        let parent = path.parent()?;
        let name = path.file_name()?.to_str()?.to_lowercase();
        self.list(parent)
            .ok()?
            .into_iter()
            .find(|e| e.name.to_lowercase() == name)
            .map(|e| parent.join(e.name))
    }
}

/// Lexically normalise a path: drop `.`, apply `..` (never above the first component).
/// Returns `None` when `..` would climb above the start.
pub fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    let mut depth = 0usize;
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if depth == 0 {
                    return None;
                }
                out.pop();
                depth -= 1;
            }
            Component::Normal(n) => {
                out.push(n);
                depth += 1;
            }
            Component::RootDir | Component::Prefix(_) => {
                out.push(c.as_os_str());
            }
        }
    }
    Some(out)
}

fn refused(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!("{} is outside the book's folders", path.display()),
    )
}

/// The real file system, limited to a set of allowed folders.
#[derive(Debug, Clone)]
pub struct DiskFs {
    allowed: Vec<PathBuf>,
}

impl DiskFs {
    /// `allowed` folders are canonicalised; ones that do not exist are skipped.
    pub fn new(allowed: &[PathBuf]) -> Self {
        let allowed = allowed
            .iter()
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect();
        DiskFs { allowed }
    }

    /// The canonical path if it exists and lies inside an allowed folder.
    fn check(&self, path: &Path) -> io::Result<PathBuf> {
        let real = std::fs::canonicalize(path)?;
        if self.allowed.iter().any(|root| real.starts_with(root)) {
            Ok(real)
        } else {
            Err(refused(path))
        }
    }
}

impl Vfs for DiskFs {
    fn read(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        use std::io::Read;
        let real = self.check(path)?;
        // A FIFO or a device named like a note would block or never end: regular files only.
        let meta = std::fs::metadata(&real)?;
        if !meta.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a regular file (a pipe, socket or device)",
            ));
        }
        let file = std::fs::File::open(real)?;
        // Sized once (the limit still holds should the file grow meanwhile): growing the
        // buffer step by step copied every image several times over.
        let mut buf = Vec::with_capacity(meta.len().min(limit).saturating_add(1) as usize);
        file.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
        if buf.len() as u64 > limit {
            return Err(io::Error::new(
                io::ErrorKind::FileTooLarge,
                format!("larger than the limit of {limit} bytes"),
            ));
        }
        Ok(buf)
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<DirEntry>> {
        let real = self.check(dir)?;
        let mut out = Vec::new();
        for entry in std::fs::read_dir(real)? {
            let entry = entry?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            // Follow symlinks for the kind, but only when they stay inside.
            let kind = match self.check(&entry.path()) {
                Ok(p) if p.is_dir() => EntryKind::Dir,
                Ok(_) => EntryKind::File,
                // A link leading out (or dangling) is listed as a file so that reading it
                // gives the refusal as a diagnostic.
                Err(_) => EntryKind::File,
            };
            out.push(DirEntry { name, kind });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn kind(&self, path: &Path) -> Option<EntryKind> {
        // Through `check`: a path that leads outside (by `..` or a symlink on the way) is
        // reported as absent here and as an escape by `escapes`.
        let real = self.check(path).ok()?;
        Some(if real.is_dir() {
            EntryKind::Dir
        } else {
            EntryKind::File
        })
    }

    fn escapes(&self, path: &Path) -> bool {
        std::fs::symlink_metadata(path).is_ok()
            && matches!(self.check(path), Err(e) if e.kind() == io::ErrorKind::PermissionDenied)
    }
}

/// An in-memory file system for tests: paths are relative, folders are implied by files.
#[derive(Debug, Clone, Default)]
pub struct MemFs {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl MemFs {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), bytes.into());
    }

    fn key(path: &Path) -> io::Result<PathBuf> {
        normalize(path).ok_or_else(|| refused(path))
    }
}

impl Vfs for MemFs {
    fn read(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        let key = Self::key(path)?;
        let bytes = self
            .files
            .get(&key)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))?;
        if bytes.len() as u64 > limit {
            return Err(io::Error::new(io::ErrorKind::FileTooLarge, "too large"));
        }
        Ok(bytes.clone())
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<DirEntry>> {
        let dir = Self::key(dir)?;
        let mut out: BTreeMap<String, EntryKind> = BTreeMap::new();
        for path in self.files.keys() {
            let Ok(rest) = path.strip_prefix(&dir) else {
                continue;
            };
            let mut comps = rest.components();
            let Some(first) = comps.next() else { continue };
            let name = first.as_os_str().to_string_lossy().into_owned();
            let kind = if comps.next().is_some() {
                EntryKind::Dir
            } else {
                EntryKind::File
            };
            out.entry(name).or_insert(kind);
        }
        if out.is_empty() && !dir.as_os_str().is_empty() {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no such folder"));
        }
        Ok(out
            .into_iter()
            .map(|(name, kind)| DirEntry { name, kind })
            .collect())
    }

    fn kind(&self, path: &Path) -> Option<EntryKind> {
        let key = Self::key(path).ok()?;
        if self.files.contains_key(&key) {
            return Some(EntryKind::File);
        }
        self.files
            .keys()
            .any(|p| p.starts_with(&key) && p != &key)
            .then_some(EntryKind::Dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_pipe_named_like_a_note_is_refused_without_waiting() {
        let dir = std::env::temp_dir().join(format!("notes2book-vfs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp folder");
        let pipe = dir.join("pipe.md");
        let _ = std::fs::remove_file(&pipe);
        let made = std::process::Command::new("mkfifo").arg(&pipe).status();
        assert!(
            made.is_ok_and(|s| s.success()),
            "mkfifo (coreutils) is needed"
        );
        // Opening a FIFO for reading waits for a writer: read in a thread, give it time.
        let (tx, rx) = std::sync::mpsc::channel();
        let fs = DiskFs::new(std::slice::from_ref(&dir));
        let path = pipe.clone();
        std::thread::spawn(move || {
            let _ = tx.send(fs.read(&path, 100).map_err(|e| e.to_string()));
        });
        let got = rx.recv_timeout(std::time::Duration::from_secs(10));
        let _ = std::fs::remove_dir_all(&dir);
        match got {
            Ok(Err(e)) => assert!(e.contains("not a regular file"), "{e}"),
            Ok(Ok(_)) => panic!("a pipe was read as a note"),
            Err(_) => panic!("reading a pipe named pipe.md blocked"),
        }
    }

    #[test]
    fn normalize_refuses_climbing_out() {
        assert_eq!(
            normalize(Path::new("a/./b/../c")),
            Some(PathBuf::from("a/c"))
        );
        assert_eq!(normalize(Path::new("a/../../etc/passwd")), None);
    }

    #[test]
    fn memfs_lists_folders() {
        let mut fs = MemFs::new();
        fs.insert("book/a.md", "x");
        fs.insert("book/sub/b.md", "y");
        let names: Vec<_> = fs.list(Path::new("book")).unwrap_or_default();
        assert_eq!(
            names,
            vec![
                DirEntry {
                    name: "a.md".into(),
                    kind: EntryKind::File
                },
                DirEntry {
                    name: "sub".into(),
                    kind: EntryKind::Dir
                },
            ]
        );
        assert_eq!(fs.kind(Path::new("book/sub")), Some(EntryKind::Dir));
        assert!(fs.read(Path::new("book/../../x"), 10).is_err());
    }
}
