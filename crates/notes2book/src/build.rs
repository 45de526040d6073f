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
    stage(path, bytes)?.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// `bytes` in a temporary file beside `path`, complete and synced, ready to be renamed.
fn stage(path: &Path, bytes: &[u8]) -> std::io::Result<tempfile::NamedTempFile> {
    let mut tmp = new_temp(path)?;
    tmp.write_all(bytes)?;
    seal(&tmp)?;
    Ok(tmp)
}

/// An empty temporary file beside `path` (its folder made if need be), private until it is
/// complete, deleted if dropped before it is renamed into place.
fn new_temp(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = folder_of(path);
    std::fs::create_dir_all(dir)?;
    tempfile::Builder::new()
        .prefix(".notes2book-")
        .suffix(".tmp")
        .tempfile_in(dir)
}

/// On disk, with the permissions a new file would get: a book is for reading.
fn seal(tmp: &tempfile::NamedTempFile) -> std::io::Result<()> {
    tmp.as_file().sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    Ok(())
}

/// The folders from the top down that `dir` needs and that do not exist yet.
fn missing_folders(dir: &Path) -> Vec<PathBuf> {
    let mut missing: Vec<PathBuf> = dir
        .ancestors()
        .filter(|d| !d.as_os_str().is_empty())
        .take_while(|d| !d.exists())
        .map(Path::to_path_buf)
        .collect();
    missing.reverse();
    missing
}

/// Remove the folders a build made (deepest first) when it wrote nothing after all; a
/// folder something else has put a file in meanwhile stays.
fn remove_folders(made: &[PathBuf]) {
    for d in made.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
}

/// Write the EPUB straight into a temporary file beside `path`, complete and synced. Its
/// images are put on disk (by a thread of their own) while the text is being rendered.
fn stage_epub(
    path: &Path,
    book: &notes2book_model::Book,
    assets: &notes2book_assets::Assets,
    opts: &notes2book_epub::EpubOptions,
) -> Result<(tempfile::NamedTempFile, Vec<Diagnostic>), EpubFailure> {
    use notes2book_epub::EpubError;
    let tmp = new_temp(path).map_err(EpubFailure::Write)?;
    let early = tmp.as_file().try_clone().ok();
    let diagnostics = std::thread::scope(|s| {
        let syncing = std::sync::Mutex::new(None);
        let out = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file());
        let written = notes2book_epub::write_epub_to(book, assets, opts, out, || {
            if let (Some(file), Ok(mut slot)) = (early, syncing.lock()) {
                *slot = Some(s.spawn(move || file.sync_data()));
            }
        });
        let early_sync = syncing.into_inner().ok().flatten().map(|h| {
            h.join()
                .unwrap_or_else(|_| Err(std::io::Error::other("sync failed")))
        });
        let written = match written {
            Ok(w) => w,
            Err(EpubError::Write(e)) => return Err(EpubFailure::Write(e)),
            Err(EpubError::Assemble(d)) => return Err(EpubFailure::Bug(d)),
        };
        // An error the early sync saw is not reported again to the final one.
        early_sync.transpose().map_err(EpubFailure::Write)?;
        written
            .out
            .into_inner()
            .map_err(|e| EpubFailure::Write(e.into_error()))?;
        Ok(written.diagnostics)
    })?;
    seal(&tmp).map_err(EpubFailure::Write)?;
    Ok((tmp, diagnostics))
}

/// The PDF written to a temporary file, and what making it said.
struct StagedPdf {
    diagnostics: Vec<Diagnostic>,
    /// Where each body page begins, for the EPUB's page list.
    page_starts: Vec<notes2book_model::PageStart>,
    /// `None` when the PDF could not be put together (an error diagnostic says why).
    file: std::io::Result<Option<tempfile::NamedTempFile>>,
}

/// The PDF laid out and written straight into a temporary file beside `path` (a big book
/// is never whole in memory).
fn stage_pdf(
    path: &Path,
    book: &notes2book_model::Book,
    assets: &notes2book_assets::Assets,
    opts: &notes2book_pdf::PdfOptions,
) -> StagedPdf {
    let tmp = match new_temp(path) {
        Ok(t) => t,
        Err(e) => {
            return StagedPdf {
                diagnostics: Vec::new(),
                page_starts: Vec::new(),
                file: Err(e),
            };
        }
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file());
    let (report, written) = notes2book_pdf::write(book, assets, opts, &mut out);
    let file = written
        .and_then(|()| out.into_inner().map_err(|e| e.into_error()).map(drop))
        .and_then(|()| {
            let failed = report.diagnostics.iter().any(|d| d.code == "pdf-failed");
            if failed {
                return Ok(None);
            }
            seal(&tmp).map(|()| Some(tmp))
        });
    StagedPdf {
        diagnostics: report.diagnostics,
        page_starts: report.page_starts,
        file,
    }
}

/// Kobo's kepub of the staged EPUB, staged beside it.
fn stage_kepub(path: &Path, epub: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let bytes = std::fs::read(epub)?;
    let kepub = notes2book_epub::kepub(&bytes).map_err(std::io::Error::other)?;
    stage(path, &kepub)
}

/// Why the EPUB was not staged.
enum EpubFailure {
    Write(std::io::Error),
    Bug(Diagnostic),
}

/// Put every staged output in place or none: each is renamed over its path, and should a
/// rename fail, the outputs already renamed get their previous versions back.
fn write_all_or_none(
    staged: Vec<(PathBuf, tempfile::NamedTempFile)>,
) -> Result<(), (PathBuf, std::io::Error)> {
    // The previous versions, kept under temporary names (deleted when dropped) until every
    // new file is in place.
    let mut replaced: Vec<(PathBuf, Option<tempfile::TempPath>)> = Vec::new();
    for (path, tmp) in staged {
        match replace(&path, tmp) {
            Ok(old) => replaced.push((path, old)),
            Err(e) => {
                for (done, old) in replaced.into_iter().rev() {
                    let _ = match old {
                        Some(old) => std::fs::rename(&old, &done),
                        None => std::fs::remove_file(&done),
                    };
                }
                return Err((path, e));
            }
        }
    }
    Ok(())
}

/// Rename `tmp` over `path`, moving the previous file (if any) aside rather than losing it.
fn replace(
    path: &Path,
    tmp: tempfile::NamedTempFile,
) -> std::io::Result<Option<tempfile::TempPath>> {
    let old = if path.is_file() {
        let keep = tempfile::Builder::new()
            .prefix(".notes2book-old-")
            .tempfile_in(folder_of(path))?
            .into_temp_path();
        std::fs::rename(path, &keep)?;
        Some(keep)
    } else {
        None
    };
    if let Err(e) = tmp.persist(path) {
        if let Some(old) = &old {
            let _ = std::fs::rename(old, path);
        }
        return Err(e.error);
    }
    Ok(old)
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

/// "prepare images", with how many came from the cache.
pub fn images_phase(assets: &notes2book_assets::Assets) -> &'static str {
    if assets.cached > 0 {
        "prepare images (some from the cache)"
    } else {
        "prepare images"
    }
}

/// Which outputs to make.
#[derive(Debug, Clone, Copy)]
pub struct Formats {
    pub epub: bool,
    pub pdf: bool,
    /// Kobo's kepub beside the EPUB.
    pub kepub: bool,
}

/// Where the PDF looks for fonts besides the bundled ones.
#[derive(Debug, Clone, Default)]
pub struct FontArgs {
    /// `--ignore-system-fonts`
    pub ignore_system: bool,
    /// `--font-path`
    pub paths: Vec<PathBuf>,
}

/// Build the requested outputs: images prepared once for both, the two backends side by
/// side, then every output written atomically (nothing is written when the book has
/// errors, or warnings under `--strict`).
pub fn build(
    project: &mut Project,
    out_dir: &Path,
    (formats, fonts): (Formats, &FontArgs),
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
        cache: project.cache_dir.clone(),
        ..Default::default()
    };
    let mut assets = prepare_images(project, &opts, progress);
    timings.push((images_phase(&assets), t.elapsed()));
    let modified = modified_time(project);
    let epub_opts = formats.epub.then(|| epub_options(project, modified));
    let pdf_opts = formats
        .pdf
        .then(|| crate::pdf::options(project, modified, fonts));

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
    let name = output_name(project);
    let epub_path = out_dir.join(format!("{name}.epub"));
    let pdf_path = out_dir.join(format!("{name}.pdf"));
    let made = missing_folders(out_dir);
    let epub_phase = formats.epub.then(|| progress.spinner("EPUB"));
    let pdf_phase = formats.pdf.then(|| progress.spinner("PDF"));
    // With both, the PDF is laid out first: the EPUB marks where its pages begin. The
    // EPUB's cover, when one is made, is drawn meanwhile.
    let cover_fonts = match &pdf_opts {
        Some(o) => o.layout.clone(),
        None => cover_layout(fonts),
    };
    // `pdf.cover`: the PDF opens with the cover made, so it is made first.
    if formats.pdf && project.config.pdf.cover {
        crate::cover::add_generated(project, &mut assets, &cover_fonts);
    }
    let book = &project.parsed.book;
    let cover_config = project.config.cover.clone();
    let cache = project.cache_dir.clone();
    let (mut pdf, cover) = rayon::join(
        || {
            pdf_opts
                .as_ref()
                .map(|o| stage_pdf(&pdf_path, book, &assets, o))
        },
        || {
            formats.epub.then(|| {
                crate::cover::make(book, cover_config.as_ref(), &cover_fonts, cache.as_deref())
            })
        },
    );
    if let Some(ph) = pdf_phase {
        ph.finish();
    }
    if let Some(made) = cover {
        crate::cover::add_made(project, &mut assets, made);
    }
    let book = &project.parsed.book;
    let epub = epub_opts.map(|mut o| {
        if let Some(p) = &mut pdf {
            o.pages = std::mem::take(&mut p.page_starts);
            o.page_source = Some(format!("the PDF edition ({name}.pdf)"));
        }
        stage_epub(&epub_path, book, &assets, &o)
    });
    if let Some(p) = epub_phase {
        p.finish();
    }
    timings.push(("lay out and render", t.elapsed()));
    let mut staged: Vec<(PathBuf, tempfile::NamedTempFile)> = Vec::new();
    let mut failed = None;
    match epub {
        Some(Ok((tmp, diagnostics))) => {
            project.parsed.diagnostics.extend(diagnostics);
            if formats.kepub {
                let kepub_path = out_dir.join(format!("{name}.kepub.epub"));
                match stage_kepub(&kepub_path, tmp.path()) {
                    Ok(k) => staged.push((kepub_path, k)),
                    Err(e) => failed = Some((kepub_path, e)),
                }
            }
            staged.push((epub_path.clone(), tmp));
        }
        Some(Err(EpubFailure::Bug(d))) => project.parsed.diagnostics.push(d),
        Some(Err(EpubFailure::Write(e))) => failed = Some((epub_path, e)),
        None => {}
    }
    let t = std::time::Instant::now();
    if let Some(p) = pdf {
        project.parsed.diagnostics.extend(p.diagnostics);
        if failed.is_none() && !blocked(project, strict) {
            match p.file {
                Ok(Some(tmp)) => staged.push((pdf_path, tmp)),
                Ok(None) => {}
                Err(e) => failed = Some((pdf_path, e)),
            }
        }
    }
    let outputs: Vec<PathBuf> = staged.iter().map(|(p, _)| p.clone()).collect();
    let failed = match failed {
        Some(f) => Some(f),
        None if blocked(project, strict) => {
            drop(staged);
            remove_folders(&made);
            return Outcome::Refused;
        }
        None => write_all_or_none(staged).err(),
    };
    if let Some((path, e)) = failed {
        remove_folders(&made);
        let others = if formats.epub && formats.pdf {
            "; no output was changed"
        } else {
            ""
        };
        return Outcome::WriteFailed(
            Diagnostic::error(
                "write-failed",
                format!("cannot write {}: {e}{others}", path.display()),
            )
            .hint("check that the output folder is a writable folder (-o DIR)"),
        );
    }
    timings.push(("save", t.elapsed()));
    Outcome::Written(outputs)
}

/// The faces a generated cover is set in when no PDF is made: the bundled ones, and the
/// machine's for characters they lack (unless `--ignore-system-fonts`).
pub fn cover_layout(fonts: &FontArgs) -> notes2book_typeset::Options {
    notes2book_typeset::Options {
        discovery: notes2book_typeset::discover::Discovery {
            system: !fonts.ignore_system,
            dirs: fonts.paths.clone(),
        },
        ..Default::default()
    }
}

/// The EPUB as `build` would write it, in memory (for the store checks), with the cover
/// a build would make; its diagnostics join the project's.
pub fn epub_in_memory(project: &mut Project, assets: &mut notes2book_assets::Assets) -> Vec<u8> {
    crate::cover::add_generated(project, assets, &cover_layout(&FontArgs::default()));
    let modified = modified_time(project);
    let opts = epub_options(project, modified);
    let out = std::io::Cursor::new(Vec::new());
    match notes2book_epub::write_epub_to(&project.parsed.book, assets, &opts, out, || {}) {
        Ok(w) => {
            project.parsed.diagnostics.extend(w.diagnostics);
            w.out.into_inner()
        }
        Err(notes2book_epub::EpubError::Assemble(d)) => {
            project.parsed.diagnostics.push(d);
            Vec::new()
        }
        Err(notes2book_epub::EpubError::Write(_)) => Vec::new(),
    }
}

/// The `epub:` section → the EPUB backend's options (an unreadable stylesheet is an error).
fn epub_options(project: &mut Project, modified: i64) -> notes2book_epub::EpubOptions {
    let cfg = project.config.epub.clone();
    let a11y = project.config.a11y.clone();
    let mut epub_opts = notes2book_epub::EpubOptions {
        modified,
        embed_fonts: cfg.embed_fonts,
        a11y: notes2book_epub::Accessibility {
            conforms_to: a11y.conforms_to,
            certified_by: a11y.certified_by,
            certifier_credential: a11y.certifier_credential,
            summary: a11y.summary,
        },
        cache: project.cache_dir.clone(),
        ..Default::default()
    };
    if let Some(d) = cfg.toc_depth {
        epub_opts.toc_depth = d.clamp(1, 6);
    }
    match cfg.math.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("mathml") => {}
        Some("svg") => epub_opts.math = notes2book_epub::MathOutput::Svg,
        Some(other) => project.parsed.diagnostics.push(
            Diagnostic::error("config-epub", format!("unknown epub.math `{other}`"))
                .hint("epub.math is `mathml` (the default) or `svg` (images, for Kindle)"),
        ),
    }
    if let Some(s) = cfg.split_size {
        epub_opts.split_size = s.max(10_000);
    }
    if let Some(css) = &cfg.css {
        let path = project.config_dir.join(css);
        // Through the book's file access, like every other file: a stylesheet outside the
        // book's folders (`/proc/self/environ`, say) is refused, not copied into the EPUB.
        use notes2book_model::vfs::Vfs as _;
        let read = project.vfs.read(&path, 8 * 1024 * 1024).and_then(|bytes| {
            String::from_utf8(bytes).map_err(|_| std::io::Error::other("not UTF-8 text"))
        });
        match read {
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
