//! Building the book: prepare images, run the backends, write the outputs atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use notes2book_model::{Diagnostic, Severity};

use crate::progress::Progress;
use crate::project::Project;

/// What a build produced, or why it stopped.
pub enum Outcome {
    /// Written files.
    Written(Vec<PathBuf>),
    /// The book has errors (or warnings under --strict): nothing written.
    Refused,
    /// An output could not be written.
    WriteFailed(Diagnostic),
}

/// `SOURCE_DATE_EPOCH`, else the newest note date, else 0: the book's "modified" time.
pub fn modified_time(project: &Project) -> i64 {
    if let Some(secs) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
    {
        return secs;
    }
    project
        .parsed
        .book
        .metadata
        .newest_note_date
        .as_deref()
        .and_then(notes2book_parser::date_key)
        .unwrap_or(0)
}

/// The outputs' file name: `output_name`, else the title as a slug.
pub fn output_name(project: &Project) -> String {
    if let Some(n) = project
        .config
        .output_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        return n.replace(['/', '\\'], "-");
    }
    let slug = notes2book_model::slug_words(&project.parsed.book.metadata.title);
    if slug.is_empty() { "book".into() } else { slug }
}

/// Write `bytes` to `path` through a temporary file in the same folder, then rename: a
/// failed write leaves the previous file untouched and no partial file behind.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".notes2book-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    // A book is for reading: the permissions a new file would get (the temporary file is
    // private until it is complete).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Prepare every image of the book (with a progress bar counting the files); their
/// diagnostics join the book's.
pub fn prepare_images(
    project: &mut Project,
    opts: &notes2book_assets::ProcessOptions,
    progress: &Progress,
) -> notes2book_assets::Assets {
    let phase = progress.bar("images", project.parsed.book.assets.len());
    let (assets, diags) = notes2book_assets::prepare_with_progress(
        &project.parsed.book,
        &project.vfs,
        &project.root,
        opts,
        &|| phase.tick(),
    );
    phase.finish();
    project.parsed.diagnostics.extend(diags);
    assets
}

pub fn build_epub(
    project: &mut Project,
    out_dir: &Path,
    strict: bool,
    timings: &mut Vec<(&'static str, std::time::Duration)>,
    progress: &Progress,
) -> Outcome {
    let t = std::time::Instant::now();
    let cfg = project.config.epub.clone();
    let opts = notes2book_assets::ProcessOptions {
        epub: true,
        pdf: false,
        epub_max_px: cfg.max_image_px.unwrap_or(1600).max(16),
        ..Default::default()
    };
    let assets = prepare_images(project, &opts, progress);
    timings.push(("prepare images", t.elapsed()));
    let t = std::time::Instant::now();
    let mut epub_opts = notes2book_epub::EpubOptions {
        modified: modified_time(project),
        embed_fonts: cfg.embed_fonts,
        ..Default::default()
    };
    if let Some(d) = cfg.toc_depth {
        epub_opts.toc_depth = d.clamp(1, 6);
    }
    if let Some(s) = cfg.split_size {
        epub_opts.split_size = s.max(10_000);
    }
    if let Some(css) = &cfg.css {
        let path = project.config_dir.join(css);
        match std::fs::read_to_string(&path) {
            Ok(text) => epub_opts.css = Some(text),
            Err(e) => project.parsed.diagnostics.push(
                Diagnostic::error(
                    "config-css",
                    format!("cannot read the stylesheet {}: {e}", path.display()),
                )
                .hint("epub.css is relative to notes2book.yaml"),
            ),
        }
    }
    if blocked(project, strict) {
        return Outcome::Refused;
    }
    let phase = progress.spinner("EPUB");
    let written = notes2book_epub::write_epub(&project.parsed.book, &assets, &epub_opts);
    phase.finish();
    let epub = match written {
        Ok(e) => e,
        Err(d) => {
            project.parsed.diagnostics.push(d);
            return Outcome::Refused;
        }
    };
    project.parsed.diagnostics.extend(epub.diagnostics);
    timings.push(("render and package the EPUB", t.elapsed()));
    if blocked(project, strict) {
        return Outcome::Refused;
    }
    let path = out_dir.join(format!("{}.epub", output_name(project)));
    let t = std::time::Instant::now();
    let written = write_atomic(&path, &epub.bytes);
    timings.push(("save the EPUB", t.elapsed()));
    match written {
        Ok(()) => Outcome::Written(vec![path]),
        Err(e) => Outcome::WriteFailed(
            Diagnostic::error(
                "write-failed",
                format!("cannot write {}: {e}", path.display()),
            )
            .hint("check that the output folder is a writable folder (-o DIR)"),
        ),
    }
}

fn blocked(project: &Project, strict: bool) -> bool {
    project
        .parsed
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error || (strict && d.severity == Severity::Warning))
}
