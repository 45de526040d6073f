//! `notes2book watch`: build, then build again on every change to the notes, images, config
//! or bibliography. Events are debounced; a change to a note re-parses that note only (the
//! others are reused), a change to the config reads everything again. Outputs are written
//! at the same paths, atomically, so a PDF viewer reloads them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use notify_debouncer_mini::{new_debouncer, notify::RecursiveMode};

use crate::args::Common;
use crate::progress::Progress;
use crate::project::{self, Prepared};
use crate::report::Reporter;
use crate::{Mode, Run, which_books};

/// How long the files must be quiet before a rebuild (an editor's save is several events).
const QUIET: Duration = Duration::from_millis(120);

/// Site configurations: a change to one reads everything again.
const SITE_CONFIGS: &[&str] = &[
    "book.toml",
    "hugo.toml",
    "hugo.yaml",
    "hugo.yml",
    "hugo.json",
    "config.toml",
    "config.yaml",
    "config.yml",
    "config.json",
];

pub fn run(args: &Common, mode: &Mode, out: &Path, reporter: &Reporter) -> ExitCode {
    let mut err = std::io::stderr();
    let progress = Progress::new(false);
    let Some(mut prepared) = prepare(args, out, reporter) else {
        return ExitCode::from(2);
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let mut debouncer = match new_debouncer(QUIET, tx) {
        Ok(d) => d,
        Err(e) => {
            let _ = writeln!(err, "error: cannot watch for changes: {e}");
            return ExitCode::from(2);
        }
    };
    let watched = watched(&prepared);
    for dir in &watched {
        if let Err(e) = debouncer.watcher().watch(dir, RecursiveMode::Recursive) {
            let _ = writeln!(err, "error: cannot watch {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    }
    let started = Instant::now();
    build(&prepared, args, mode, reporter, &progress, started);
    let shown: Vec<String> = watched.iter().map(|d| d.display().to_string()).collect();
    let _ = reporter.line(
        &mut err,
        &format!("watching {} for changes (Ctrl-C to stop)", shown.join(", ")),
    );
    let out = project::real(out);
    let ignored = Ignored {
        roots: watched,
        out,
        cache: prepared.cache_dir.clone(),
    };
    let mut files = Snapshot::default();
    for r in &ignored.roots {
        files.walk(r, &ignored, 0);
    }
    while let Ok(events) = rx.recv() {
        let Ok(events) = events else { continue };
        let mut paths: Vec<PathBuf> = events
            .into_iter()
            .map(|e| e.path)
            .filter(|p| !ignored.ignores(p))
            .collect();
        paths.sort();
        paths.dedup();
        // Reading a file is an event too (the build's own reads): only a file whose size or
        // time changed, or that came or went, is a change.
        let changed: Vec<PathBuf> = paths.into_iter().filter(|p| files.changed(p)).collect();
        if changed.is_empty() {
            continue;
        }
        let started = Instant::now();
        let config = changed.iter().any(|p| is_config(p, &prepared));
        if config {
            match prepare(args, &ignored.out, reporter) {
                Some(p) => prepared = p,
                None => continue,
            }
        } else {
            prepared.reread();
        }
        let parsed = prepared.notes.reparsed;
        let total = prepared.notes.paths().count();
        build(&prepared, args, mode, reporter, &progress, started);
        let what: Vec<String> = changed
            .iter()
            .take(3)
            .map(|p| project::shown(p, &prepared.root).display().to_string())
            .collect();
        let more = if changed.len() > 3 { ", …" } else { "" };
        let _ = reporter.line(
            &mut err,
            &format!(
                "rebuilt in {} ms: {parsed} of {total} notes parsed again{} ({}{more} changed)",
                started.elapsed().as_millis(),
                if config {
                    ", the config read again"
                } else {
                    ""
                },
                what.join(", ")
            ),
        );
    }
    ExitCode::SUCCESS
}

fn prepare(args: &Common, out: &Path, reporter: &Reporter) -> Option<Prepared> {
    match project::prepare(args, Some(out)) {
        Ok(p) => Some(p),
        Err(f) => {
            let mut err = std::io::stderr();
            for d in &f.diagnostics {
                let _ = reporter.render(&mut err, d, &f.sources);
            }
            None
        }
    }
}

/// Make every book once; what it says is printed, its exit code only shown.
fn build(
    prepared: &Prepared,
    args: &Common,
    mode: &Mode,
    reporter: &Reporter,
    progress: &Progress,
    started: Instant,
) {
    let books = match which_books(&prepared.config, args.book.as_deref(), mode) {
        Ok(b) => b,
        Err(d) => {
            let _ = reporter.render(&mut std::io::stderr(), &d, &prepared.notes.sources);
            return;
        }
    };
    let mut run = Run::new(args, mode, reporter, progress, books.len() > 1);
    let _ = run.books(&books, started, false, |_, book| {
        Some(prepared.project(book))
    });
    let _ = run.finish(started);
}

/// Where changes matter: the book's root, the notes folder and the static folders.
fn watched(p: &Prepared) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = vec![p.root.clone()];
    for d in std::iter::once(&p.input).chain(&p.static_dirs) {
        if !dirs.iter().any(|w| d.starts_with(w)) && d.is_dir() {
            dirs.push(d.clone());
        }
    }
    dirs
}

/// The size and time of every file watched, to tell a change from a read.
#[derive(Default)]
struct Snapshot {
    files: std::collections::HashMap<PathBuf, (std::time::SystemTime, u64)>,
}

impl Snapshot {
    fn stamp(p: &Path) -> Option<(std::time::SystemTime, u64)> {
        let m = std::fs::metadata(p).ok().filter(|m| m.is_file())?;
        Some((m.modified().ok()?, m.len()))
    }

    fn walk(&mut self, dir: &Path, ignored: &Ignored, depth: usize) {
        if depth > notes2book_parser::MAX_DIR_DEPTH {
            return;
        }
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if ignored.ignores(&p) {
                continue;
            }
            match e.file_type() {
                Ok(t) if t.is_dir() => self.walk(&p, ignored, depth + 1),
                Ok(_) => {
                    if let Some(s) = Self::stamp(&p) {
                        self.files.insert(p, s);
                    }
                }
                Err(_) => {}
            }
        }
    }

    /// Whether `p` changed since it was last seen (and remember it as it is now). A
    /// folder is never a change itself: its files' events say what changed in it.
    fn changed(&mut self, p: &Path) -> bool {
        if p.is_dir() {
            return false;
        }
        let now = Self::stamp(p);
        let before = match now {
            Some(s) => self.files.insert(p.to_path_buf(), s),
            None => self.files.remove(p),
        };
        before != now
    }
}

/// Paths whose changes are not the book's: the outputs, the cache, hidden files and
/// folders (`.git`, `.obsidian`, editors' swap files) and editors' backups.
struct Ignored {
    roots: Vec<PathBuf>,
    out: PathBuf,
    cache: Option<PathBuf>,
}

impl Ignored {
    fn ignores(&self, p: &Path) -> bool {
        if p.starts_with(&self.out) || self.cache.as_ref().is_some_and(|c| p.starts_with(c)) {
            return true;
        }
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        if name.ends_with('~') || name == "4913" {
            return true;
        }
        let inside = self.roots.iter().find_map(|r| p.strip_prefix(r).ok());
        inside.is_some_and(|rel| {
            rel.components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
        })
    }
}

fn is_config(p: &Path, prepared: &Prepared) -> bool {
    prepared.config_file.as_deref() == Some(p)
        || (p.parent() == Some(prepared.root.as_path())
            && p.file_name()
                .is_some_and(|n| SITE_CONFIGS.iter().any(|c| n == *c)))
}
