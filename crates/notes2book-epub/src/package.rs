//! Files, links, pages and the package: from a rendered book to deterministic EPUB bytes.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read, Seek, Write};
use std::ops::Range;

use epub_builder::{EpubBuilder, EpubContent, EpubVersion, ReferenceType, TocElement, ZipLibrary};
use notes2book_assets::Assets;
use notes2book_model::{
    Block, Book, Chapter, ChapterId, ChapterKind, Diagnostic, Inline, TocEntry,
};
use rayon::prelude::*;

use crate::mathsvg::MathImages;
use crate::xhtml::{Highlighted, LinkMap, PageMarks, Writer, escape, escape_attr};
use crate::{Epub, EpubError, EpubOptions, Written};

/// One XHTML file of a chapter: its name and the chapter's top-level blocks it holds.
#[derive(Debug, Clone)]
struct File {
    name: String,
    blocks: Range<usize>,
}

fn fail(e: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error(
        "epub-write",
        format!("the EPUB could not be assembled: {e}"),
    )
    .hint("this is a bug in notes2book; please report it with the notes that caused it")
}

/// Build the EPUB in memory.
pub fn write_epub(book: &Book, assets: &Assets, opts: &EpubOptions) -> Result<Epub, Diagnostic> {
    match write_epub_to(book, assets, opts, Cursor::new(Vec::new()), || {}) {
        Ok(w) => Ok(Epub {
            bytes: w.out.into_inner(),
            diagnostics: w.diagnostics,
        }),
        Err(EpubError::Write(e)) => Err(fail(e)),
        Err(EpubError::Assemble(d)) => Err(d),
    }
}

/// Build the EPUB into `out` (a file, or a `Cursor<Vec<u8>>`).
///
/// The images, which are most of an illustrated book's bytes and need no more work, are
/// written first, while the chapters are rendered and compressed beside them;
/// `images_written` is then called (a file can start putting those bytes on disk). The
/// text follows, and the zip's directory last.
pub fn write_epub_to<W: Write + Seek + Send>(
    book: &Book,
    assets: &Assets,
    opts: &EpubOptions,
    out: W,
    images_written: impl FnOnce() + Send,
) -> Result<Written<W>, EpubError> {
    let math = (opts.math == crate::MathOutput::Svg).then(|| MathImages::draw(book));
    let mut images = image_files(book, assets);
    if let Some(m) = &math {
        images.extend(m.files().into_iter().map(|f| ImageFile {
            path: f.path.clone(),
            bytes: f.svg.as_bytes(),
            media_type: "image/svg+xml",
            width: 0,
            height: 0,
            cover: false,
        }));
    }
    let time = zip_time(opts.modified);
    let failed = std::sync::Arc::new(std::sync::Mutex::new(None));
    let out = Sticky {
        out,
        failed: failed.clone(),
        pos: 0,
    };
    let first_error = || failed.lock().ok().and_then(|mut f| f.take());
    let (head, text) = rayon::join(
        || {
            let zip = write_images(out, &images, time)?;
            images_written();
            Ok::<_, zip::result::ZipError>(zip)
        },
        || text_parts(book, assets, opts, &images, math.as_ref(), time),
    );
    let mut zip = head.map_err(zip_error)?;
    if let Some(e) = first_error() {
        return Err(EpubError::Write(e));
    }
    let (parts, mut diagnostics) = text?;
    if let Some(m) = &math {
        diagnostics.extend(m.diagnostics.iter().cloned());
    }
    for (_, part) in parts {
        let mut one = zip::ZipArchive::new(Cursor::new(part)).map_err(zip_error)?;
        let file = one.by_index_raw(0).map_err(zip_error)?;
        zip.raw_copy_file(file).map_err(zip_error)?;
    }
    let out = zip.finish().map_err(zip_error)?;
    if let Some(e) = first_error() {
        return Err(EpubError::Write(e));
    }
    let mut out = out.out;
    let size = out.stream_position().map_err(EpubError::Write)?;
    if size > opts.warn_size as u64 {
        diagnostics.push(size_warning(book, assets, size));
    }
    Ok(Written { out, diagnostics })
}

/// The output, which after its first error accepts everything and does nothing: the error
/// is kept for us to report, and the zip writer, whose drop finishes the archive and prints
/// to stderr when that fails, finds nothing to complain about.
struct Sticky<W> {
    out: W,
    failed: std::sync::Arc<std::sync::Mutex<Option<std::io::Error>>>,
    /// Where the writer is, or would be had nothing failed (the zip writer computes sizes
    /// from positions).
    pos: u64,
}

impl<W> Sticky<W> {
    fn has_failed(&self) -> bool {
        self.failed.lock().map_or(true, |f| f.is_some())
    }

    /// Keep the first error; go on as if nothing happened.
    fn fail<T>(&self, e: std::io::Error, pretend: T) -> std::io::Result<T> {
        if let Ok(mut f) = self.failed.lock() {
            f.get_or_insert(e);
        }
        Ok(pretend)
    }
}

impl<W: Write> Write for Sticky<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = if self.has_failed() {
            buf.len()
        } else {
            match self.out.write(buf) {
                Ok(n) => n,
                Err(e) => self.fail(e, buf.len())?,
            }
        };
        self.pos += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.has_failed() {
            return Ok(());
        }
        match self.out.flush() {
            Ok(()) => Ok(()),
            Err(e) => self.fail(e, ()),
        }
    }
}

impl<W: Seek> Seek for Sticky<W> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        let pretend = match pos {
            std::io::SeekFrom::Start(p) => p,
            std::io::SeekFrom::Current(d) | std::io::SeekFrom::End(d) => {
                self.pos.saturating_add_signed(d)
            }
        };
        self.pos = if self.has_failed() {
            pretend
        } else {
            match self.out.seek(pos) {
                Ok(p) => p,
                Err(e) => self.fail(e, pretend)?,
            }
        };
        Ok(self.pos)
    }
}

/// An I/O error is the output's (a full disk, say); anything else is ours.
fn zip_error(e: zip::result::ZipError) -> EpubError {
    match e {
        zip::result::ZipError::Io(e) => EpubError::Write(e),
        e => EpubError::Assemble(fail(e)),
    }
}

/// One image file of the EPUB (an image used twice is written once).
struct ImageFile<'a> {
    /// Path inside `OEBPS/`, by content hash: `images/img-3fa2c1d0e9b8.jpg`.
    path: String,
    bytes: &'a [u8],
    media_type: &'static str,
    width: u32,
    height: u32,
    cover: bool,
}

/// The book's images in the order of first use, each once.
fn image_files<'a>(book: &Book, assets: &'a Assets) -> Vec<ImageFile<'a>> {
    let path = |p: &notes2book_assets::Prepared| {
        p.epub
            .as_ref()
            .map(|e| format!("images/{}.{}", p.name, e.extension))
    };
    let cover = book
        .metadata
        .cover
        .and_then(|id| book.images.get(id.0 as usize))
        .and_then(|u| u.asset)
        .and_then(|a| assets.get(a))
        .and_then(path);
    let mut seen = BTreeSet::new();
    let mut files = Vec::new();
    for a in &book.assets {
        let Some(p) = assets.get(a.id) else { continue };
        let (Some(e), Some(path)) = (&p.epub, path(p)) else {
            continue;
        };
        if seen.insert(path.clone()) {
            files.push(ImageFile {
                cover: cover.as_ref() == Some(&path),
                path,
                bytes: &e.bytes,
                media_type: e.media_type,
                width: e.width,
                height: e.height,
            });
        }
    }
    files
}

/// The zip's options for an entry: compressed formats are stored, the rest deflated.
fn entry_options(name: &str, time: zip::DateTime) -> zip::write::SimpleFileOptions {
    let method = if name == "mimetype" || is_compressed(name) {
        zip::CompressionMethod::Stored
    } else {
        zip::CompressionMethod::Deflated
    };
    // Text at level 2: a sixth of the book's time went to deflating its text at the
    // default level, for entries a fifth smaller (images are most of an EPUB's bytes).
    let level = (method == zip::CompressionMethod::Deflated).then_some(2);
    zip::write::SimpleFileOptions::default()
        .compression_method(method)
        .compression_level(level)
        .last_modified_time(time)
        .unix_permissions(0o644)
}

/// `mimetype` (first and stored, as OCF requires), then the images in name order.
fn write_images<W: Write + Seek>(
    out: W,
    images: &[ImageFile<'_>],
    time: zip::DateTime,
) -> zip::result::ZipResult<zip::ZipWriter<W>> {
    let mut zip = zip::ZipWriter::new(out);
    zip.start_file("mimetype", entry_options("mimetype", time))?;
    zip.write_all(b"application/epub+zip")?;
    let mut sorted: Vec<&ImageFile<'_>> = images.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    for img in sorted {
        let name = format!("OEBPS/{}", img.path);
        zip.start_file(name.as_str(), entry_options(&name, time))?;
        zip.write_all(img.bytes)?;
    }
    Ok(zip)
}

/// One entry compressed on its own, as a zip of one file (copied raw into the EPUB).
fn zipped(name: &str, data: &[u8], time: zip::DateTime) -> Result<Vec<u8>, Diagnostic> {
    let mut one = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(data.len() / 3 + 256)));
    one.start_file(name, entry_options(name, time))
        .map_err(fail)?;
    one.write_all(data).map_err(fail)?;
    Ok(one.finish().map_err(fail)?.into_inner())
}

/// Entry name and its single-entry zip.
type Part = (String, Vec<u8>);

/// Every entry but `mimetype` and the images, each compressed, in name order: the chapter
/// pages rendered in parallel while epub-builder writes the package documents (it is
/// given the pages, images and fonts as empty placeholders).
fn text_parts(
    book: &Book,
    assets: &Assets,
    opts: &EpubOptions,
    images: &[ImageFile<'_>],
    math: Option<&MathImages>,
    time: zip::DateTime,
) -> Result<(Vec<Part>, Vec<Diagnostic>), EpubError> {
    // Sizes are measured with links as long as the final ones (to each chapter's first file).
    let draft = LinkMap {
        chapter_file: book
            .chapters
            .iter()
            .map(|c| format!("{}.xhtml", c.anchor))
            .collect(),
        ..LinkMap::default()
    };
    let highlighted = Highlighted::new(opts.cache.clone());
    let plans: Vec<Vec<File>> = book
        .chapters
        .par_iter()
        .map(|c| {
            plan(
                book,
                assets,
                c,
                opts.split_size,
                &draft,
                (&highlighted, math),
            )
        })
        .collect();
    let links = link_map(book, &plans);

    // Every file of every chapter, rendered and compressed in parallel, in order.
    let jobs: Vec<(ChapterId, usize, &File)> = all_files(&plans).collect();
    let marks = (!opts.pages.is_empty()).then(|| crate::xhtml::page_marks(&opts.pages));
    type Page = Result<(Part, Vec<Diagnostic>, Vec<(String, String)>), Diagnostic>;
    let (pages, package) = rayon::join(
        || {
            jobs.par_iter()
                .map(|&(c, f, file)| -> Page {
                    let (xhtml, d, labels) = render_file(
                        book,
                        assets,
                        &links,
                        (c, f, file),
                        (&highlighted, math, marks.as_ref()),
                    );
                    let breaks = labels
                        .into_iter()
                        .map(|l| {
                            let href = format!("{}#page-{l}", file.name);
                            (l, href)
                        })
                        .collect();
                    let name = format!("OEBPS/{}", file.name);
                    let part = zipped(&name, xhtml.as_bytes(), time)?;
                    Ok(((name, part), d, breaks))
                })
                .collect::<Vec<Page>>()
        },
        || -> Result<(Vec<Part>, Option<Entry>), Diagnostic> {
            let bytes = package(book, opts, &plans, images).map_err(fail)?;
            let mut entries = package_entries(&bytes, book, &plans, images, opts)?;
            // The navigation document waits for the page list, known once pages are written.
            let nav = entries
                .iter()
                .position(|(n, _)| n == "OEBPS/nav.xhtml")
                .map(|i| entries.remove(i));
            let parts = entries
                .par_iter()
                .map(|(name, data)| Ok((name.clone(), zipped(name, data, time)?)))
                .collect::<Result<Vec<Part>, Diagnostic>>()?;
            Ok((parts, nav))
        },
    );
    let (mut parts, nav) = package.map_err(EpubError::Assemble)?;
    let mut diagnostics = Vec::new();
    let mut breaks = Vec::new();
    // A page is listed once, where its marker first stands.
    let mut listed = BTreeSet::new();
    for page in pages {
        let (part, d, b) = page.map_err(EpubError::Assemble)?;
        parts.push(part);
        diagnostics.extend(d);
        breaks.extend(b.into_iter().filter(|(l, _)| listed.insert(l.clone())));
    }
    if let Some((name, data)) = nav {
        let nav = add_page_list(&String::from_utf8_lossy(&data), &breaks);
        parts.push((
            name.clone(),
            zipped(&name, nav.as_bytes(), time).map_err(EpubError::Assemble)?,
        ));
    }
    parts.sort_by(|a, b| a.0.cmp(&b.0));
    // The same problem in raw HTML is reported once even if an embed repeats it.
    let mut seen = BTreeSet::new();
    diagnostics.retain(|d| seen.insert((d.code, d.message.clone(), d.span)));
    Ok((parts, diagnostics))
}

fn size_warning(book: &Book, assets: &Assets, size: u64) -> Diagnostic {
    let mut largest: Vec<(usize, String)> = book
        .assets
        .iter()
        .filter_map(|a| {
            let p = assets.get(a.id)?;
            Some((p.epub.as_ref()?.bytes.len(), a.path.display().to_string()))
        })
        .collect();
    largest.sort_by(|a, b| b.cmp(a));
    let names: Vec<String> = largest
        .iter()
        .take(5)
        .map(|(n, p)| format!("{p} ({:.1} MB)", *n as f64 / 1e6))
        .collect();
    Diagnostic::warning(
        "epub-too-large",
        format!(
            "the EPUB is {:.1} MB, over the 50 MB that Send to Kindle accepts; largest images: {}",
            size as f64 / 1e6,
            names.join(", ")
        ),
    )
    .hint("lower epub.max_image_px, or leave out some images")
}

/// The navigation document with a `page-list` of the print edition's pages (none without
/// markers).
fn add_page_list(nav: &str, breaks: &[(String, String)]) -> String {
    if breaks.is_empty() {
        return nav.to_owned();
    }
    let mut list = String::from(
        "  <nav epub:type=\"page-list\" role=\"doc-pagelist\" aria-label=\"Pages\" hidden=\"hidden\">\n    <ol>\n",
    );
    for (label, href) in breaks {
        list.push_str(&format!(
            "      <li><a href=\"{}\">{}</a></li>\n",
            escape_attr(href),
            escape(label)
        ));
    }
    list.push_str("    </ol>\n  </nav>\n");
    match nav.rfind("</body>") {
        Some(at) => format!("{}{list}{}", &nav[..at], &nav[at..]),
        None => nav.to_owned(),
    }
}

/// Every file of every chapter in reading order: chapter, index in the chapter, file.
fn all_files(plans: &[Vec<File>]) -> impl Iterator<Item = (ChapterId, usize, &File)> {
    plans.iter().enumerate().flat_map(|(c, files)| {
        files
            .iter()
            .enumerate()
            .map(move |(f, file)| (ChapterId(c as u32), f, file))
    })
}

/// Split a chapter into files of at most `split` bytes, at level-2 headings.
fn plan(
    book: &Book,
    assets: &Assets,
    ch: &Chapter,
    split: usize,
    draft: &LinkMap,
    (highlighted, math): (&Highlighted, Option<&MathImages>),
) -> Vec<File> {
    let base = ch.anchor.clone();
    let mut w = Writer::new(book, assets, ch.id, draft, "")
        .with_highlighted(highlighted)
        .with_math(math);
    let mut sizes = Vec::with_capacity(ch.blocks.len());
    for b in &ch.blocks {
        let before = w.out.len();
        w.blocks(std::slice::from_ref(b));
        sizes.push(w.out.len() - before);
    }
    let mut files = vec![File {
        name: format!("{base}.xhtml"),
        blocks: 0..0,
    }];
    // Leave room for the page around the blocks, footnotes and longer final links.
    let split = split - split / 20;
    let mut size = 2_000;
    let top = top_level(&ch.blocks);
    for (i, (b, s)) in ch.blocks.iter().zip(sizes).enumerate() {
        let splittable = matches!(b, Block::Heading { level, .. } if *level <= top);
        if size + s > split && splittable && i > files.last().map_or(0, |f| f.blocks.start) {
            let n = files.len() + 1;
            // `ch-x-2` may be another chapter's name (a second note titled "X"): then the
            // part is `ch-x.2`, a name no chapter has (anchors have no dots).
            let mut name = format!("{base}-{n}.xhtml");
            if draft.chapter_file.contains(&name) {
                name = format!("{base}.{n}.xhtml");
            }
            files.push(File { name, blocks: i..i });
            size = 2_000;
        }
        size += s;
        if let Some(f) = files.last_mut() {
            f.blocks.end = i + 1;
        }
    }
    files
}

/// The highest heading level used in the chapter (the one written as `<h2>`).
fn top_level(blocks: &[Block]) -> u8 {
    blocks
        .iter()
        .filter_map(|b| {
            if let Block::Heading { level, .. } = b {
                Some(*level)
            } else {
                None
            }
        })
        .min()
        .unwrap_or(2)
}

fn link_map(book: &Book, plans: &[Vec<File>]) -> LinkMap {
    let mut map = LinkMap::default();
    for (ch, files) in book.chapters.iter().zip(plans) {
        let first = files.first().map(|f| f.name.clone()).unwrap_or_default();
        map.chapter_file.push(first.clone());
        map.anchor_file.insert(ch.anchor.clone(), first);
        let mut notes: BTreeMap<u32, String> = BTreeMap::new();
        for f in files {
            let blocks = &ch.blocks[f.blocks.clone()];
            let mut ids = Vec::new();
            heading_ids(blocks, &mut ids);
            for id in ids {
                map.anchor_file.insert(id, f.name.clone());
            }
            let mut refs = Vec::new();
            footnote_refs_blocks(blocks, &mut refs);
            for n in refs {
                notes.entry(n).or_insert_with(|| f.name.clone());
            }
        }
        // Footnotes referred to only from other footnotes go with the file of the first of
        // those; a footnote nothing refers to is not placed at all (its back-link would
        // lead nowhere). Placed footnotes wait in a queue, lowest number first, and each is
        // looked into once: a chain of n footnotes defined in reverse order took n passes
        // over all n footnotes.
        let mut queue: BTreeSet<u32> = notes.keys().copied().collect();
        while let Some(n) = queue.pop_first() {
            let (Some(f), Some(file)) = (
                n.checked_sub(1).and_then(|i| ch.footnotes.get(i as usize)),
                notes.get(&n).cloned(),
            ) else {
                continue;
            };
            let mut refs = Vec::new();
            footnote_refs_blocks(&f.blocks, &mut refs);
            for r in refs {
                if let std::collections::btree_map::Entry::Vacant(e) = notes.entry(r) {
                    e.insert(file.clone());
                    queue.insert(r);
                }
            }
        }
        map.footnote_file.push(notes);
    }
    map
}

/// The ids of the places links can lead to: headings, anchors and labelled equations.
fn heading_ids(blocks: &[Block], out: &mut Vec<String>) {
    notes2book_model::walk_blocks(blocks, &mut |b| {
        match b {
            Block::Heading { id, .. } => out.push(id.clone()),
            Block::Math { label: Some(l), .. } => out.push(l.clone()),
            _ => {}
        }
        notes2book_model::block_inlines(b, &mut |i| {
            if let Inline::Anchor { id, .. } = i {
                out.push(id.clone());
            }
        });
    });
}

fn footnote_refs_blocks(blocks: &[Block], out: &mut Vec<u32>) {
    notes2book_model::walk_blocks(blocks, &mut |b| match b {
        Block::Paragraph { content, .. } | Block::Heading { content, .. } => {
            footnote_refs(content, out)
        }
        Block::Callout { title, .. } => footnote_refs(title, out),
        Block::DefinitionList { items, .. } => {
            items.iter().for_each(|i| footnote_refs(&i.term, out))
        }
        Block::Table { head, rows, .. } => head
            .iter()
            .chain(rows.iter().flatten())
            .for_each(|c| footnote_refs(c, out)),
        Block::Figure(f) => footnote_refs(&f.caption, out),
        _ => {}
    });
}

fn footnote_refs(inlines: &[Inline], out: &mut Vec<u32>) {
    for i in inlines {
        match i {
            Inline::FootnoteRef { number, .. } => out.push(*number),
            Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) | Inline::Highlight(c) => {
                footnote_refs(c, out)
            }
            Inline::Link(l) => footnote_refs(&l.content, out),
            _ => {}
        }
    }
}

/// An XHTML document in `lang`, right to left when the language is written so.
fn page(lang: &str, title: &str, body: &str) -> String {
    let dir = if notes2book_model::is_rtl_language(lang) {
        " dir=\"rtl\""
    } else {
        ""
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" lang=\"{l}\" xml:lang=\"{l}\"{dir}>\n<head>\n<meta charset=\"utf-8\"/>\n<title>{t}</title>\n<link rel=\"stylesheet\" type=\"text/css\" href=\"stylesheet.css\"/>\n</head>\n<body>\n{body}</body>\n</html>\n",
        l = escape_attr(lang),
        t = escape(title),
    )
}

fn render_file(
    book: &Book,
    assets: &Assets,
    links: &LinkMap,
    (c, f, file): (ChapterId, usize, &File),
    (highlighted, math, pages): (&Highlighted, Option<&MathImages>, Option<&PageMarks>),
) -> (String, Vec<Diagnostic>, Vec<String>) {
    let Some(ch) = book.chapter(c) else {
        return (String::new(), Vec::new(), Vec::new());
    };
    let mut w = Writer::new(book, assets, c, links, &file.name)
        .with_highlighted(highlighted)
        .with_math(math)
        .with_pages(pages);
    let (epub_type, class) = match ch.kind {
        ChapterKind::Note => ("chapter", "chapter"),
        ChapterKind::Section => ("part", "section-opening"),
        ChapterKind::Part => ("part", "part-page"),
    };
    // Each `epub:type` with its DPUB-ARIA role, labelled by the chapter's title.
    let label = if f == 0 {
        format!(" aria-labelledby=\"{}\"", escape_attr(&ch.anchor))
    } else {
        String::new()
    };
    w.out.push_str(&format!(
        "<section epub:type=\"{epub_type}\" role=\"doc-{epub_type}\" class=\"{class}\"{label}>\n"
    ));
    if f == 0 {
        // A page that begins with the chapter is marked before its title.
        let title = format!(
            "<h1 class=\"chapter-title\" id=\"{}\">{}</h1>\n",
            escape_attr(&ch.anchor),
            escape(&ch.title)
        );
        w.marked(ch.span, false, |w| w.out.push_str(&title));
    }
    w.blocks(&ch.blocks[file.blocks.clone()]);
    let here: Vec<u32> = links
        .footnote_file
        .get(c.0 as usize)
        .map(|m| {
            m.iter()
                .filter(|(_, name)| **name == file.name)
                .map(|(n, _)| *n)
                .collect()
        })
        .unwrap_or_default();
    w.footnotes(&here);
    w.out.push_str("</section>\n");
    let lang = ch.front.lang.as_deref().unwrap_or(&book.metadata.language);
    (
        page(lang, &ch.title, &w.out),
        std::mem::take(&mut w.diags),
        std::mem::take(&mut w.page_labels),
    )
}

fn title_page(book: &Book) -> String {
    let m = &book.metadata;
    let mut body = String::from("<section epub:type=\"titlepage\" class=\"title-page\">\n");
    body.push_str(&format!("<h1 class=\"title\">{}</h1>\n", escape(&m.title)));
    if let Some(s) = &m.subtitle {
        body.push_str(&format!("<p class=\"subtitle\">{}</p>\n", escape(s)));
    }
    if !m.authors.is_empty() {
        body.push_str(&format!(
            "<p class=\"authors\">{}</p>\n",
            escape(&m.authors.join(", "))
        ));
    }
    if let Some(d) = m.date.as_ref().or(m.newest_note_date.as_ref()) {
        let day = d.get(..10).unwrap_or(d);
        body.push_str(&format!("<p class=\"date\">{}</p>\n", escape(day)));
    }
    if let Some(p) = &m.publisher {
        body.push_str(&format!("<p class=\"publisher\">{}</p>\n", escape(p)));
    }
    body.push_str("</section>\n");
    page(&m.language, &m.title, &body)
}

fn cover_page(book: &Book, src: &str, w: u32, h: u32) -> String {
    let body = format!(
        "<section class=\"cover-page\">\n<img epub:type=\"cover\" role=\"doc-cover\" src=\"{}\" alt=\"{}\" width=\"{w}\" height=\"{h}\"/>\n</section>\n",
        escape_attr(src),
        escape_attr(&book.metadata.title)
    );
    page(&book.metadata.language, &book.metadata.title, &body)
}

/// Heading entries of the TOC per chapter (flattened): headings less than `depth` levels
/// below their chapter (depth 2: a chapter and its `##` sections). Chapters themselves
/// are always listed.
fn toc_children(book: &Book, depth: u8) -> BTreeMap<ChapterId, Vec<TocEntry>> {
    fn walk(
        book: &Book,
        entries: &[TocEntry],
        depth: u8,
        out: &mut BTreeMap<ChapterId, Vec<TocEntry>>,
    ) {
        for e in entries {
            let chapter_level = book
                .chapter(e.chapter)
                .map_or(1, |c| c.depth.saturating_add(1));
            if e.anchor.is_some() && e.level.saturating_sub(chapter_level) < depth {
                out.entry(e.chapter).or_default().push(TocEntry {
                    children: Vec::new(),
                    ..e.clone()
                });
            }
            walk(book, &e.children, depth, out);
        }
    }
    let mut out = BTreeMap::new();
    walk(book, &book.toc, depth, &mut out);
    out
}

fn chrono_time(secs: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(secs.max(0), 0).unwrap_or_default()
}

/// Seconds since 1970 of a `YYYY-MM-DD` or RFC 3339 date.
fn date_secs(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.as_second());
    }
    let d = s.get(..10)?.parse::<jiff::civil::Date>().ok()?;
    jiff::tz::Offset::UTC
        .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
        .ok()
        .map(|t| t.as_second())
}

fn package(
    book: &Book,
    opts: &EpubOptions,
    plans: &[Vec<File>],
    images: &[ImageFile<'_>],
) -> Result<Vec<u8>, epub_builder::Error> {
    let m = &book.metadata;
    let mut b = EpubBuilder::new(ZipLibrary::new()?)?;
    b.epub_version(EpubVersion::V30);
    b.set_title(m.title.clone());
    b.set_lang(m.language.clone());
    if notes2book_model::is_rtl_language(&m.language) {
        // Pages turn right to left in a book whose language is written so. (epub-builder
        // 0.8.2's `epub_direction` sets a field its template never reads; the metadata
        // key is what reaches the spine.)
        b.metadata("direction", "rtl")?;
    }
    b.set_authors(m.authors.clone());
    b.set_generator(format!("notes2book {}", env!("CARGO_PKG_VERSION")));
    b.set_toc_name("Contents");
    if let Some(d) = &m.description {
        b.add_description(d.clone());
    }
    b.set_subjects(m.subjects.clone());
    if let Some(r) = &m.rights {
        b.set_license(r.clone());
    }
    b.set_uuid(book_uuid(book));
    b.set_modified_date(chrono_time(opts.modified));
    if let Some(secs) = m
        .date
        .as_deref()
        .or(m.newest_note_date.as_deref())
        .and_then(date_secs)
    {
        b.set_publication_date(chrono_time(secs));
    }
    // epub-builder deflates whatever it is given: fonts, images and pages go in empty, and
    // their bytes are compressed (or stored) once, when the EPUB is written.
    let mut css = crate::default_css();
    if opts.embed_fonts {
        for f in notes2book_assets::BUNDLED_FONTS {
            b.add_resource(format!("fonts/{}", f.file_name), &[][..], "font/ttf")?;
        }
        css.push_str(&font_css());
    }
    if let Some(extra) = &opts.css {
        css.push_str("\n/* epub.css */\n");
        css.push_str(extra);
    }
    b.stylesheet(css.as_bytes())?;

    for img in images {
        if img.cover {
            b.add_cover_image(&img.path, &[][..], img.media_type)?;
        } else {
            b.add_resource(&img.path, &[][..], img.media_type)?;
        }
    }
    let cover = images.iter().find(|i| i.cover);

    // Front matter: cover page (if any), title page, contents.
    match cover {
        Some(c) => {
            let xhtml = cover_page(book, &c.path, c.width, c.height);
            b.add_content(
                EpubContent::new("cover.xhtml", xhtml.as_bytes())
                    .title("Cover")
                    .reftype(ReferenceType::Cover),
            )?;
        }
        None => {
            let xhtml = title_page(book);
            b.add_content(
                EpubContent::new("title.xhtml", xhtml.as_bytes())
                    .title(m.title.clone())
                    .reftype(ReferenceType::TitlePage),
            )?;
        }
    }
    b.inline_toc();

    let children = toc_children(book, opts.toc_depth);
    let mut first_text = true;
    for (c, f, file) in all_files(plans) {
        let Some(ch) = book.chapter(c) else { continue };
        let mut content = EpubContent::new(file.name.clone(), &[][..]);
        if f == 0 {
            let title = ch.toc_title.clone().unwrap_or_else(|| ch.title.clone());
            content = content.title(title).level(i32::from(ch.depth) + 1);
            let in_file = anchor_files(book, plans, c);
            for e in children.get(&c).map(Vec::as_slice).unwrap_or_default() {
                let Some(anchor) = &e.anchor else { continue };
                let name = in_file.get(anchor.as_str()).unwrap_or(&file.name);
                content = content.child(
                    TocElement::new(format!("{name}#{anchor}"), e.title.clone())
                        .level(i32::from(e.level)),
                );
            }
        }
        if first_text && f == 0 {
            let title = ch.toc_title.clone().unwrap_or_else(|| ch.title.clone());
            content = content.title(title).reftype(ReferenceType::Text);
            first_text = false;
        }
        b.add_content(content)?;
    }
    let mut out = Vec::new();
    b.generate(&mut out)?;
    Ok(out)
}

/// `@font-face` rules for the bundled fonts (paths relative to the stylesheet).
fn font_css() -> String {
    let mut css = String::from("\n/* epub.embed_fonts */\n");
    for f in notes2book_assets::BUNDLED_FONTS {
        css.push_str(&format!(
            "@font-face {{ font-family: \"{}\"; font-style: {}; font-weight: {}; src: url(\"fonts/{}\"); }}\n",
            f.family,
            if f.italic { "italic" } else { "normal" },
            if f.bold { "bold" } else { "normal" },
            f.file_name
        ));
    }
    css.push_str("body { font-family: \"Charis SIL\", serif; }\ncode, pre, kbd, samp { font-family: \"JetBrains Mono\", monospace; }\n");
    css
}

/// Heading id → the file of the chapter it is in (the first, should one repeat), built once
/// per chapter: looking each contents entry up by walking the chapter made a chapter with
/// n headings cost n².
fn anchor_files(book: &Book, plans: &[Vec<File>], c: ChapterId) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let (Some(ch), Some(files)) = (book.chapter(c), plans.get(c.0 as usize)) else {
        return map;
    };
    for f in files {
        let mut ids = Vec::new();
        heading_ids(&ch.blocks[f.blocks.clone()], &mut ids);
        for id in ids {
            map.entry(id).or_insert_with(|| f.name.clone());
        }
    }
    map
}

/// A stable identifier: UUID v5 from the title and authors.
fn book_uuid(book: &Book) -> uuid::Uuid {
    let name = format!(
        "notes2book:{}:{}",
        book.metadata.title,
        book.metadata.authors.join(";")
    );
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes())
}

/// Already compressed formats, stored as they are.
fn is_compressed(name: &str) -> bool {
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    ["jpg", "jpeg", "png", "gif", "webp"]
        .iter()
        .any(|c| ext.eq_ignore_ascii_case(c))
}

/// A zip entry's name and bytes (a bundled font's are borrowed).
type Entry = (String, Cow<'static, [u8]>);

/// The entries epub-builder wrote, but `mimetype` (written first by us) and the images
/// (written before the text); each placeholder it was given must be there and empty. Fonts
/// get their bytes; the OPF gets the configured identifier, the subtitle and the publisher.
fn package_entries(
    bytes: &[u8],
    book: &Book,
    plans: &[Vec<File>],
    images: &[ImageFile<'_>],
    opts: &EpubOptions,
) -> Result<Vec<Entry>, Diagnostic> {
    let mut placeholders: BTreeMap<String, Option<&'static [u8]>> = BTreeMap::new();
    for img in images {
        placeholders.insert(format!("OEBPS/{}", img.path), None);
    }
    for file in plans.iter().flatten() {
        placeholders.insert(format!("OEBPS/{}", file.name), None);
    }
    if opts.embed_fonts {
        for f in notes2book_assets::BUNDLED_FONTS {
            placeholders.insert(format!("OEBPS/fonts/{}", f.file_name), Some(f.bytes));
        }
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(fail)?;
    let mut entries = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).map_err(fail)?;
        let name = f.name().to_owned();
        if f.is_dir() || name == "mimetype" {
            continue;
        }
        let mut data = Vec::with_capacity(f.size() as usize);
        f.read_to_end(&mut data).map_err(fail)?;
        match placeholders.remove(&name) {
            Some(_) if !data.is_empty() => {
                return Err(fail(format!("{name}: placeholder is not empty")));
            }
            Some(Some(font)) => entries.push((name, Cow::Borrowed(font))),
            Some(None) => {}
            None if name == "OEBPS/content.opf" => {
                let facts = crate::a11y::Facts::of(book, opts.math, !opts.pages.is_empty());
                let mut meta = crate::a11y::metadata(&facts, &opts.a11y);
                if let Some(src) = opts.page_source.as_deref().filter(|_| facts.pages) {
                    // The print edition the page numbers are from (EPUBCheck 5.3 does not
                    // know `a11y:pageBreakSource` yet; `dc:source` with `source-of` it does).
                    meta.push_str(&format!(
                        "    <dc:source id=\"page-source\">{}</dc:source>\n    <meta refines=\"#page-source\" property=\"source-of\">pagination</meta>\n",
                        escape(src)
                    ));
                }
                let opf = patch_opf(&String::from_utf8_lossy(&data), book, &meta);
                let opf = if opts.math == crate::MathOutput::MathMl {
                    mark_mathml(&opf, &math_files(book, plans))
                } else {
                    opf
                };
                entries.push((name, Cow::Owned(opf.into_bytes())));
            }
            None if name == "OEBPS/nav.xhtml" || name == "OEBPS/toc.xhtml" => {
                let nav = patch_nav(&String::from_utf8_lossy(&data), &book.metadata.language);
                entries.push((name, Cow::Owned(nav.into_bytes())));
            }
            None => entries.push((name, Cow::Owned(data))),
        }
    }
    if let Some(name) = placeholders.keys().next() {
        return Err(fail(format!("{name} was not written by epub-builder")));
    }
    Ok(entries)
}

/// Whether blocks hold a formula written as MathML.
/// The chapter files that hold MathML, in their blocks or in the footnotes placed in them.
fn math_files(book: &Book, plans: &[Vec<File>]) -> BTreeSet<String> {
    let links = link_map(book, plans);
    let mut out = BTreeSet::new();
    for ((ch, files), notes) in book.chapters.iter().zip(plans).zip(&links.footnote_file) {
        for f in files {
            if ch
                .blocks
                .get(f.blocks.clone())
                .is_some_and(notes2book_model::has_formula)
            {
                out.insert(f.name.clone());
            }
        }
        for (n, file) in notes {
            let note = n.checked_sub(1).and_then(|i| ch.footnotes.get(i as usize));
            if note.is_some_and(|f| notes2book_model::has_formula(&f.blocks)) {
                out.insert(file.clone());
            }
        }
    }
    out
}

/// `properties="mathml"` on the manifest items of `files` (epub-builder cannot set it).
fn mark_mathml(opf: &str, files: &BTreeSet<String>) -> String {
    let mut opf = opf.to_owned();
    for name in files {
        let href = format!("href=\"{}\"", escape_attr(name));
        let Some(at) = opf.find(&href) else { continue };
        let (Some(start), Some(end)) = (opf[..at].rfind("<item "), opf[at..].find("/>")) else {
            continue;
        };
        let end = at + end;
        match opf[start..end].find("properties=\"") {
            Some(p) => opf.insert_str(start + p + "properties=\"".len(), "mathml "),
            None => opf.insert_str(end, " properties=\"mathml\""),
        }
    }
    opf
}

fn zip_time(secs: i64) -> zip::DateTime {
    let t = chrono_time(secs);
    use chrono::{Datelike, Timelike};
    zip::DateTime::from_date_and_time(
        t.year().clamp(1980, 2107) as u16,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )
    .unwrap_or_default()
}

/// A navigation document as epub-builder wrote it, made accessible: the book's language on
/// the document, the contents a `doc-toc` landmark labelled by its heading, the landmarks
/// list labelled and hidden (it is for reading systems, not for reading).
fn patch_nav(nav: &str, lang: &str) -> String {
    let lang = escape_attr(lang);
    nav.replacen(
        "xmlns:epub=\"http://www.idpf.org/2007/ops\">",
        &format!(
            "xmlns:epub=\"http://www.idpf.org/2007/ops\" lang=\"{lang}\" xml:lang=\"{lang}\">"
        ),
        1,
    )
    .replacen(
        "<nav epub:type = \"toc\" id=\"toc\">",
        "<nav epub:type=\"toc\" role=\"doc-toc\" id=\"toc\" aria-labelledby=\"toc-title\">",
        1,
    )
    .replacen(
        "<nav epub:type = \"landmarks\">",
        "<nav epub:type=\"landmarks\" aria-label=\"Landmarks\" hidden=\"hidden\">",
        1,
    )
}

/// The OPF as epub-builder wrote it, with what it cannot write: the package's language, a
/// configured identifier, subtitle and publisher, and `extra` metadata (accessibility).
fn patch_opf(opf: &str, book: &Book, extra_meta: &str) -> String {
    let m = &book.metadata;
    let mut opf = opf.to_owned();
    if let Some(at) = opf.find("<package ") {
        let lang = escape_attr(&m.language);
        opf.insert_str(at + "<package ".len(), &format!("xml:lang=\"{lang}\" "));
    }
    if let Some(at) = opf.find("  </metadata>") {
        opf.insert_str(at, extra_meta);
    }
    if let Some(id) = m.identifier.as_deref().filter(|i| !i.trim().is_empty())
        && let (Some(a), Some(b)) = (
            opf.find("<dc:identifier id=\"epub-id-1\">"),
            opf.find("</dc:identifier>"),
        )
    {
        let start = a + "<dc:identifier id=\"epub-id-1\">".len();
        if start <= b {
            opf.replace_range(start..b, &escape(id.trim()));
        }
    }
    let mut extra = String::new();
    if let Some(s) = &m.subtitle {
        extra.push_str(&format!(
            "\n    <dc:title id=\"subtitle\">{}</dc:title>\n    <meta refines=\"#subtitle\" property=\"title-type\">subtitle</meta>",
            escape(s)
        ));
    }
    if let Some(p) = &m.publisher {
        extra.push_str(&format!("\n    <dc:publisher>{}</dc:publisher>", escape(p)));
    }
    if !extra.is_empty()
        && let Some(end) = opf.find("</dc:title>")
    {
        let at = end + "</dc:title>".len();
        opf.insert_str(at, &extra);
        opf = opf.replacen("<dc:title>", "<dc:title id=\"title\">", 1);
        if m.subtitle.is_some() {
            let main = "\n    <meta refines=\"#title\" property=\"title-type\">main</meta>";
            if let Some(end) = opf.find("</dc:title>") {
                opf.insert_str(end + "</dc:title>".len(), main);
            }
        }
    }
    opf
}

#[cfg(test)]
mod tests {
    use super::*;
    use notes2book_model::{Block, Chapter, ChapterKind, Inline};

    fn book() -> Book {
        let mut book = Book::default();
        book.metadata.title = "T".into();
        book.metadata.language = "en".into();
        book.chapters.push(Chapter {
            id: ChapterId(0),
            kind: ChapterKind::Note,
            depth: 0,
            path: Some("a.md".into()),
            anchor: "ch-a".into(),
            title: "A".into(),
            toc_title: None,
            front: Default::default(),
            blocks: vec![Block::Paragraph {
                content: vec![Inline::Text("text".into())],
                span: None,
            }],
            footnotes: Vec::new(),
            span: None,
        });
        book
    }

    #[test]
    fn an_epub_over_the_kindle_limit_is_reported() {
        let opts = EpubOptions {
            warn_size: 100,
            ..Default::default()
        };
        let Ok(epub) = write_epub(&book(), &Assets::default(), &opts) else {
            panic!("not written")
        };
        assert!(epub.diagnostics.iter().any(|d| d.code == "epub-too-large"));
        let Ok(epub) = write_epub(&book(), &Assets::default(), &EpubOptions::default()) else {
            panic!()
        };
        assert!(epub.diagnostics.is_empty());
    }

    #[test]
    fn the_same_book_gives_the_same_bytes() {
        let opts = EpubOptions {
            modified: 1_700_000_000,
            ..Default::default()
        };
        let a = write_epub(&book(), &Assets::default(), &opts)
            .map(|e| e.bytes)
            .ok();
        let b = write_epub(&book(), &Assets::default(), &opts)
            .map(|e| e.bytes)
            .ok();
        assert!(a.is_some() && a == b);
    }

    /// A chapter whose text refers to footnote 1 only; 1 refers to n, n to n - 1, …, 3 to 2.
    fn book_of_chained_footnotes(n: u32) -> Book {
        let mut book = book();
        let ch = &mut book.chapters[0];
        let note_ref = |number| Inline::FootnoteRef { number, span: None };
        ch.blocks = vec![Block::Paragraph {
            content: vec![Inline::Text("Text".into()), note_ref(1)],
            span: None,
        }];
        ch.footnotes = (1..=n)
            .map(|i| {
                let next = match i {
                    1 => Some(n),
                    2 => None,
                    _ => Some(i - 1),
                };
                let mut content = vec![Inline::Text(format!("Note {i}."))];
                content.extend(next.filter(|&m| m != 1).map(note_ref));
                notes2book_model::Footnote {
                    label: format!("n{i}"),
                    blocks: vec![Block::Paragraph {
                        content,
                        span: None,
                    }],
                    span: None,
                }
            })
            .collect();
        book
    }

    #[test]
    fn footnotes_chained_backwards_are_all_placed_in_linear_time() {
        let opts = EpubOptions::default();
        let Ok(epub) = write_epub(&book_of_chained_footnotes(50), &Assets::default(), &opts) else {
            panic!("not written")
        };
        let mut zip = zip::ZipArchive::new(Cursor::new(epub.bytes)).expect("a zip");
        let mut text = String::new();
        zip.by_name("OEBPS/ch-a.xhtml")
            .expect("chapter")
            .read_to_string(&mut text)
            .expect("text");
        for i in 1..=50 {
            assert!(
                text.contains(&format!("Note {i}.")),
                "footnote {i} left out"
            );
        }
        // Placing them took one pass over all footnotes per link of the chain: n².
        let secs = |n: u32| best_secs(&book_of_chained_footnotes(n), &opts);
        let (t1, t4) = (secs(1_000), secs(4_000));
        assert!(t4 / t1 < 10.0, "1,000 footnotes: {t1} s, 4,000: {t4} s");
    }

    /// The fastest of five timed `write_epub` runs, in seconds: other tests running beside
    /// this one only ever slow a run down, so the fastest is the least disturbed.
    fn best_secs(book: &Book, opts: &EpubOptions) -> f64 {
        (0..5)
            .map(|_| {
                let start = std::time::Instant::now();
                let _ = write_epub(book, &Assets::default(), opts);
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    }

    /// One chapter of n `##` headings with some text each, all in the contents.
    fn book_of_headings(n: usize) -> Book {
        let mut book = book();
        let mut entries = Vec::new();
        let ch = &mut book.chapters[0];
        ch.blocks.clear();
        for i in 0..n {
            let id = format!("h-{i}");
            ch.blocks.push(Block::Heading {
                level: 2,
                id: id.clone(),
                classes: Vec::new(),
                content: vec![Inline::Text(format!("Heading {i}"))],
                in_toc: true,
                span: None,
            });
            ch.blocks.push(Block::Paragraph {
                content: vec![Inline::Text("Some text.".into())],
                span: None,
            });
            entries.push(TocEntry {
                title: format!("Heading {i}"),
                chapter: ChapterId(0),
                anchor: Some(id),
                level: 2,
                children: Vec::new(),
            });
        }
        book.toc = vec![TocEntry {
            title: "A".into(),
            chapter: ChapterId(0),
            anchor: None,
            level: 1,
            children: entries,
        }];
        book
    }

    #[test]
    fn a_split_part_never_takes_another_chapters_file_name() {
        let mut book = book_of_headings(200);
        let first = book.chapters[0].anchor.clone();
        let mut other = book.chapters[0].clone();
        other.id = ChapterId(1);
        other.anchor = format!("{first}-2");
        other.blocks.truncate(2);
        book.chapters.push(other);
        let opts = EpubOptions {
            split_size: 10_000,
            ..Default::default()
        };
        let Ok(epub) = write_epub(&book, &Assets::default(), &opts) else {
            panic!("not written: two files of one name")
        };
        let zip = zip::ZipArchive::new(Cursor::new(epub.bytes)).expect("a zip");
        let names: Vec<&str> = zip.file_names().collect();
        assert!(
            names.contains(&format!("OEBPS/{first}-2.xhtml").as_str()),
            "{names:?}"
        );
        assert!(
            names.contains(&format!("OEBPS/{first}.2.xhtml").as_str()),
            "{names:?}"
        );
    }

    #[test]
    fn contents_of_a_split_chapter_lead_to_the_right_files_in_linear_time() {
        let opts = EpubOptions {
            split_size: 10_000,
            ..Default::default()
        };
        let Ok(epub) = write_epub(&book_of_headings(200), &Assets::default(), &opts) else {
            panic!("not written")
        };
        let mut zip = zip::ZipArchive::new(Cursor::new(epub.bytes)).expect("a zip");
        let mut nav = String::new();
        zip.by_name("OEBPS/nav.xhtml")
            .expect("nav")
            .read_to_string(&mut nav)
            .expect("text");
        let file_of = |id: &str| {
            let at = nav.find(&format!("#{id}\"")).expect("entry");
            let start = nav[..at].rfind('"').map_or(0, |q| q + 1);
            nav[start..at].to_owned()
        };
        let (first, last) = (file_of("h-0"), file_of("h-199"));
        assert_ne!(first, last, "the chapter is split");
        let mut text = String::new();
        zip.by_name(&format!("OEBPS/{last}"))
            .expect("the file of the last heading")
            .read_to_string(&mut text)
            .expect("text");
        assert!(text.contains("id=\"h-199\""));
        // Each contents entry once walked every heading of the chapter: n² for n headings.
        let secs = |n: usize| best_secs(&book_of_headings(n), &opts);
        let (t1, t4) = (secs(2_000), secs(8_000));
        assert!(t4 / t1 < 10.0, "2,000 headings: {t1} s, 8,000: {t4} s");
    }
}
