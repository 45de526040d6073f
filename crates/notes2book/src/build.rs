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
    /// A section of the config has a wrong value (reported among the diagnostics).
    BadConfig,
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

/// Which outputs to make.
#[derive(Debug, Clone, Copy)]
pub struct Formats {
    pub epub: bool,
    pub pdf: bool,
}

/// Build the requested outputs: images prepared once for both, the two backends side by
/// side, then every output written atomically (nothing is written when the book has
/// errors, or warnings under `--strict`).
pub fn build(
    project: &mut Project,
    out_dir: &Path,
    formats: Formats,
    strict: bool,
    timings: &mut Vec<(&'static str, std::time::Duration)>,
    progress: &Progress,
) -> Outcome {
    let t = std::time::Instant::now();
    let cfg = project.config.epub.clone();
    let opts = notes2book_assets::ProcessOptions {
        epub: formats.epub,
        pdf: formats.pdf,
        epub_max_px: cfg.max_image_px.unwrap_or(1600).max(16),
        ..Default::default()
    };
    let assets = prepare_images(project, &opts, progress);
    timings.push(("prepare images", t.elapsed()));
    let modified = modified_time(project);
    let epub_opts = formats.epub.then(|| epub_options(project, modified));
    let pdf_opts = formats.pdf.then(|| crate::pdf::options(project, modified));
    let config_error = project
        .parsed
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error && d.code.starts_with("config-"));
    if config_error {
        return Outcome::BadConfig;
    }
    if blocked(project, strict) {
        return Outcome::Refused;
    }
    let t = std::time::Instant::now();
    let book = &project.parsed.book;
    let epub_phase = formats.epub.then(|| progress.spinner("EPUB"));
    let pdf_phase = formats.pdf.then(|| progress.spinner("PDF"));
    let (epub, pdf) = rayon::join(
        || {
            let e = epub_opts
                .as_ref()
                .map(|o| notes2book_epub::write_epub(book, &assets, o));
            if let Some(p) = epub_phase {
                p.finish();
            }
            e
        },
        || {
            let p = pdf_opts
                .as_ref()
                .map(|o| notes2book_pdf::build(book, &assets, o));
            if let Some(ph) = pdf_phase {
                ph.finish();
            }
            p
        },
    );
    timings.push(("lay out and render", t.elapsed()));
    let mut outputs: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let name = output_name(project);
    match epub {
        Some(Ok(e)) => {
            project.parsed.diagnostics.extend(e.diagnostics);
            outputs.push((out_dir.join(format!("{name}.epub")), e.bytes));
        }
        Some(Err(d)) => project.parsed.diagnostics.push(d),
        None => {}
    }
    if let Some(p) = pdf {
        project.parsed.diagnostics.extend(p.diagnostics);
        outputs.push((out_dir.join(format!("{name}.pdf")), p.bytes));
    }
    if blocked(project, strict) {
        return Outcome::Refused;
    }
    let t = std::time::Instant::now();
    let mut written = Vec::new();
    for (path, bytes) in outputs {
        if let Err(e) = write_atomic(&path, &bytes) {
            return Outcome::WriteFailed(
                Diagnostic::error(
                    "write-failed",
                    format!("cannot write {}: {e}", path.display()),
                )
                .hint("check that the output folder is a writable folder (-o DIR)"),
            );
        }
        written.push(path);
    }
    timings.push(("save", t.elapsed()));
    Outcome::Written(written)
}

/// The `epub:` section → the EPUB backend's options (an unreadable stylesheet is an error).
fn epub_options(project: &mut Project, modified: i64) -> notes2book_epub::EpubOptions {
    let cfg = project.config.epub.clone();
    let mut epub_opts = notes2book_epub::EpubOptions {
        modified,
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
    epub_opts
}

fn blocked(project: &Project, strict: bool) -> bool {
    project
        .parsed
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error || (strict && d.severity == Severity::Warning))
}
