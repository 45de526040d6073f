//! The whole book → frames: chapters laid out in parallel, the body assembled page by page,
//! the front matter laid out knowing the body's page numbers, every page given its
//! furniture, every anchor its position.

use std::collections::{BTreeMap, HashMap};

use notes2book_model::{Book, Diagnostic, Span};
use rayon::prelude::*;

use crate::contents::{self, Bookmark};
use crate::fonts::FontSet;
use crate::frame::{Frame, Group, Position};
use crate::front::{self, FrontKind};
use crate::furniture::{self, Furniture};
use crate::inline::{Folios, Shaper};
use crate::layout::{ImageInfo, Layouter};
use crate::paginate::{self, Page};
use crate::setup::Options;

/// Where internal links land: (chapter, anchor) → position.
pub type Anchors = HashMap<(usize, Option<String>), Position>;

/// The book set in pages, but for the body's pages, which went to the caller's sink as
/// they were made (so that they need not all be held at once).
#[derive(Debug)]
pub struct Typeset {
    /// The front matter's pages (cover, title page, contents), which come first.
    pub front: Vec<Frame>,
    /// How many body pages went to the sink.
    pub body_pages: usize,
    /// Every anchor's position, its page counted from the front matter's first (1-based).
    pub anchors: Anchors,
    pub outline: Vec<Bookmark>,
    /// The number of front-matter pages (numbered i, ii, …); the body is numbered from 1.
    pub front_pages: usize,
    /// Where each body page begins in the book's blocks (for the EPUB's page list).
    pub page_starts: Vec<notes2book_model::PageStart>,
    pub diagnostics: Vec<Diagnostic>,
}

/// One chapter laid out: its pages and what went wrong.
struct LaidOut {
    pages: Vec<Page>,
    findings: Findings,
}

/// What laying out found, kept after the pages are gone.
#[derive(Default)]
struct Findings {
    missing: Vec<(char, Option<Span>)>,
    overfull: Vec<(Option<Span>, String)>,
    forced: usize,
    math_errors: Vec<(Option<Span>, String)>,
    math_scaled: Vec<Option<Span>>,
}

impl Findings {
    fn add(&mut self, other: Findings) {
        self.missing.extend(other.missing);
        self.overfull.extend(other.overfull);
        self.forced += other.forced;
        self.math_errors.extend(other.math_errors);
        self.math_scaled.extend(other.math_scaled);
    }
}

/// Where a chapter's anchors are: (page within the chapter, y, anchor), and its length.
#[derive(Debug, Clone, PartialEq)]
struct Extent {
    pages: usize,
    anchors: Vec<(usize, f32, String)>,
}

impl Extent {
    fn of(l: &LaidOut) -> Extent {
        let mut anchors = Vec::new();
        for (pi, page) in l.pages.iter().enumerate() {
            for (y, item) in &page.body {
                for a in &item.anchors {
                    anchors.push((pi, *y, a.clone()));
                }
            }
        }
        Extent {
            pages: l.pages.len(),
            anchors,
        }
    }
}

fn warn(code: &'static str, message: String, span: Option<Span>, hint: Option<&str>) -> Diagnostic {
    let d = Diagnostic::warning(code, message).at_opt(span);
    match hint {
        Some(h) => d.hint(h),
        None => d,
    }
}

/// The faces the book is set in, with the math font when it has formulas.
pub fn setup_fonts(book: &Book, options: &Options) -> (FontSet, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut fonts = book_fonts(book, options, &mut diagnostics);
    let has_math = book.chapters.iter().any(|ch| {
        notes2book_model::has_formula(&ch.blocks)
            || ch
                .footnotes
                .iter()
                .any(|f| notes2book_model::has_formula(&f.blocks))
    });
    if has_math && fonts.add_math().is_none() {
        diagnostics.push(warn(
            "pdf-font",
            "the bundled math font could not be read; formulas are shown as their source".into(),
            None,
            None,
        ));
    }
    (fonts, diagnostics)
}

/// How many chapters are laid out at a time: enough to keep every thread busy, few enough
/// that their pages are a small part of a big book.
fn batch_size() -> usize {
    (rayon::current_num_threads() * 8).max(16)
}

/// Set the book. `images` gives an image's natural size in points (`None` when it is not
/// available: a placeholder is drawn). The body's pages go to `sink` in order, a batch at
/// a time with the body index of the first (0-based); the front matter, laid out last
/// knowing where everything is, comes back with the rest.
pub fn typeset(
    book: &Book,
    fonts: &FontSet,
    images: ImageInfo<'_>,
    options: &Options,
    sink: &mut dyn FnMut(usize, Vec<Frame>),
) -> Typeset {
    let mut diagnostics = Vec::new();
    let all: Vec<usize> = (0..book.chapters.len()).collect();
    let folios = page_ref_folios(book, fonts, images, options);
    let mut findings = Findings::default();
    let mut extents: Vec<Extent> = Vec::with_capacity(all.len());
    let mut page_starts = Vec::new();
    let mut body_len = 0;
    let mut prev_end = 0;
    for batch in all.chunks(batch_size()) {
        let laid = lay_chapters(book, fonts, images, options, folios.as_ref(), batch);
        // Each chapter from a new page (a right-hand one when two-sided).
        let mut chapters: Vec<Option<usize>> = Vec::new();
        let mut body: Vec<Page> = Vec::new();
        for (&ci, l) in batch.iter().zip(laid) {
            extents.push(Extent::of(&l));
            findings.add(l.findings);
            while options.two_sided && (prev_end + body.len()) % 2 == 1 {
                chapters.push(None);
                body.push(Page::default());
            }
            for p in l.pages {
                chapters.push(Some(ci));
                body.push(p);
            }
        }
        let first = prev_end;
        prev_end += body.len();
        page_starts.extend(crate::pagemap::page_starts(&body, first));
        let furniture = furniture::body(book, &chapters, first, options.two_sided);
        let frames = frames(
            body,
            furniture,
            first,
            fonts,
            &book.metadata.language,
            options,
        );
        body_len += frames.len();
        sink(first, frames);
    }
    report(&findings, &mut diagnostics);
    let body_anchors = body_anchors(book, &extents, options.two_sided);
    // Printed body page numbers do not depend on the length of the contents, so the
    // contents can be laid out knowing them.
    let body_locate = |ch: usize, anchor: Option<&str>| -> Option<(String, Position)> {
        let key = (ch, anchor.map(str::to_string));
        let at = body_anchors
            .get(&key)
            .or_else(|| body_anchors.get(&(ch, None)))?;
        Some(((at.page + 1).to_string(), *at))
    };
    let mut lay = Layouter {
        shaper: Shaper::new(fonts, &book.metadata.language, false),
        geo: options.geometry(),
        images,
        book,
    };
    let front = front::front_matter(&mut lay, options, &body_locate);
    let front_len = front.len();
    let top = options.margins.top;
    let place = |at: &Position| Position {
        page: front_len + at.page + 1,
        top,
        y: at.y,
    };
    let locate = |ch: usize, anchor: Option<&str>| -> Option<(String, Position)> {
        body_locate(ch, anchor).map(|(folio, at)| (folio, place(&at)))
    };
    let anchors: Anchors = body_anchors
        .iter()
        .map(|(key, at)| (key.clone(), place(at)))
        .collect();
    let chapter_depth = |c: usize| book.chapters.get(c).map_or(0, |ch| ch.depth + 1);
    let outline = contents::bookmarks(&book.toc, &chapter_depth, options.toc_depth.max(1), &locate);
    let kinds: Vec<FrontKind> = front.iter().map(|(k, _)| *k).collect();
    let furniture = furniture::front(&kinds);
    let pages: Vec<Page> = front.into_iter().map(|(_, p)| p).collect();
    let front = frames(pages, furniture, 0, fonts, &book.metadata.language, options);
    Typeset {
        front,
        body_pages: body_len,
        anchors,
        outline,
        front_pages: front_len,
        page_starts,
        diagnostics,
    }
}

/// The book's faces: the bundled ones or those configured, then the fallbacks found on
/// the machine for the characters they lack; what cannot be read is reported.
pub fn book_fonts(book: &Book, options: &Options, diagnostics: &mut Vec<Diagnostic>) -> FontSet {
    fonts_for(
        &|fonts| crate::discover::uncovered(book, fonts),
        &book.metadata.language,
        options,
        diagnostics,
    )
}

/// The configured faces, and fallbacks found for what `uncovered` says they lack.
pub fn fonts_for(
    uncovered: &dyn Fn(&FontSet) -> std::collections::BTreeSet<char>,
    language: &str,
    options: &Options,
    diagnostics: &mut Vec<Diagnostic>,
) -> FontSet {
    let (mut fonts, mut bad) = FontSet::new(&options.fallback_fonts);
    for (role, family) in &options.families {
        bad.extend(fonts.set_family(*role, family));
    }
    let d = &options.discovery;
    let missing = if d.system || !d.dirs.is_empty() {
        uncovered(&fonts)
    } else {
        Default::default()
    };
    for (font, bold) in crate::discover::fallbacks(&missing, language, d) {
        if !fonts.add_fallback(&font, bold.as_ref()) {
            diagnostics.push(warn(
                "pdf-font",
                format!(
                    "the font `{}` found on this machine could not be read",
                    font.name
                ),
                None,
                None,
            ));
        }
    }
    for name in bad {
        diagnostics.push(warn(
            "pdf-font",
            format!("`{name}` is not a font notes2book can read; it is not used"),
            None,
            Some("give a TrueType or OpenType file (.ttf, .otf)"),
        ));
    }
    fonts
}

/// Font expansion of justified lines with micro-typography on (pdfTeX's microtype
/// default: ±2 %).
const EXPANSION: f32 = 0.02;

/// References that name a page ("Figure 3 on page 41") are set first with a stand-in
/// number; the chapters that hold them are set again with the pages found, until no
/// number changes (a longer number can move what follows to another page). Only where
/// things are is kept from these passes; the pages are made once, after. `None` when no
/// reference names a page.
fn page_ref_folios(
    book: &Book,
    fonts: &FontSet,
    images: ImageInfo<'_>,
    options: &Options,
) -> Option<Folios> {
    let referring: Vec<usize> = book
        .chapters
        .iter()
        .enumerate()
        .filter(|(_, ch)| has_page_ref(ch))
        .map(|(i, _)| i)
        .collect();
    if referring.is_empty() {
        return None;
    }
    let all: Vec<usize> = (0..book.chapters.len()).collect();
    let mut extents: Vec<Extent> = Vec::with_capacity(all.len());
    for batch in all.chunks(batch_size()) {
        let laid = lay_chapters(book, fonts, images, options, None, batch);
        extents.extend(laid.iter().map(Extent::of));
    }
    let folios_of = |extents: &[Extent]| -> Folios {
        body_anchors(book, extents, options.two_sided)
            .into_iter()
            .map(|(key, at)| (key, at.page + 1))
            .collect()
    };
    let mut folios = folios_of(&extents);
    for _ in 0..MAX_PAGE_REF_PASSES {
        let again = lay_chapters(book, fonts, images, options, Some(&folios), &referring);
        for (&i, l) in referring.iter().zip(&again) {
            extents[i] = Extent::of(l);
        }
        let found = folios_of(&extents);
        if found == folios {
            break;
        }
        folios = found;
    }
    Some(folios)
}

/// How many times the chapters with page references are set again at most; one more
/// is rare (a number one digit longer that moves a line to the next page).
const MAX_PAGE_REF_PASSES: usize = 3;

/// Whether a chapter (its text or its footnotes) refers to a page.
fn has_page_ref(ch: &notes2book_model::Chapter) -> bool {
    let mut found = false;
    let mut look = |blocks: &[notes2book_model::Block]| {
        notes2book_model::walk_blocks(blocks, &mut |b| {
            notes2book_model::block_inlines(b, &mut |i| {
                found |= matches!(i, notes2book_model::Inline::PageRef { .. });
            })
        });
    };
    look(&ch.blocks);
    for f in &ch.footnotes {
        look(&f.blocks);
    }
    found
}

/// The chapters `which`, in parallel, set into pages; `folios` gives the pages that
/// references name, when they are known.
fn lay_chapters(
    book: &Book,
    fonts: &FontSet,
    images: ImageInfo<'_>,
    options: &Options,
    folios: Option<&Folios>,
    which: &[usize],
) -> Vec<LaidOut> {
    let geo = options.geometry();
    which
        .par_iter()
        .filter_map(|&i| book.chapters.get(i))
        .map(|ch| {
            // A note in another language is hyphenated, shaped and set in its own.
            let mut shaper = Shaper::new(
                fonts,
                ch.front.lang.as_deref().unwrap_or(&book.metadata.language),
                options.hyphenate,
            );
            shaper.expansion = if options.microtype { EXPANSION } else { 0.0 };
            shaper.folios = folios;
            let mut lay = Layouter {
                shaper,
                geo: geo.clone(),
                images,
                book,
            };
            let items = lay.chapter(ch);
            let mut notes = BTreeMap::new();
            for (k, f) in ch.footnotes.iter().enumerate() {
                let n = k as u32 + 1;
                notes.insert(n, lay.footnote(n, &f.blocks));
            }
            let pages = paginate::paginate(
                items,
                &notes,
                paginate::Sheet {
                    height: geo.page_height,
                    measure: geo.measure,
                    leading: geo.leading,
                },
            );
            let forced = pages.iter().filter(|p| p.forced).count();
            LaidOut {
                pages,
                findings: Findings {
                    missing: lay.shaper.missing,
                    overfull: lay.shaper.overfull,
                    forced,
                    math_errors: lay.shaper.math_errors,
                    math_scaled: lay.shaper.math_scaled,
                },
            }
        })
        .collect()
}

/// What laying out found: characters in no font (one warning), words wider than the line,
/// page breaks that had to split what should stay together.
fn report(laid: &Findings, diagnostics: &mut Vec<Diagnostic>) {
    // One warning per script, at the first place one of its characters is missing.
    let mut scripts: Vec<(&str, &str, Vec<char>, Option<Span>)> = Vec::new();
    for (c, s) in &laid.missing {
        let (name, hint) = crate::discover::script_of(*c);
        match scripts.iter_mut().find(|g| g.0 == name) {
            Some(g) if g.2.contains(c) => {}
            Some(g) => g.2.push(*c),
            None => scripts.push((name, hint, vec![*c], *s)),
        }
    }
    for (name, hint, chars, span) in scripts {
        let list: String = chars
            .iter()
            .take(40)
            .map(|c| format!("{c} (U+{:04X}) ", *c as u32))
            .collect();
        let more = if chars.len() > 40 { "…" } else { "" };
        let noun = if name == "other" {
            "character".to_string()
        } else {
            format!("{name} character")
        };
        diagnostics.push(warn(
            "pdf-missing-glyphs",
            format!(
                "{} {noun}{} in no font of the PDF: {}{more}",
                chars.len(),
                if chars.len() == 1 { " is" } else { "s are" },
                list.trim_end()
            ),
            span,
            Some(hint),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (span, word) in &laid.overfull {
        if seen.insert(*span) {
            let what = if word.is_empty() {
                "a word or URL".to_string()
            } else {
                format!("`{word}`")
            };
            diagnostics.push(warn(
                "pdf-overfull",
                format!("{what} is longer than the line; it was broken where it did not fit"),
                *span,
                Some("add a space or a break opportunity to the long word or URL"),
            ));
        }
    }
    report_math(laid, diagnostics);
    let forced = laid.forced;
    if forced > 0 {
        diagnostics.push(warn(
            "pdf-forced-break",
            format!(
                "{forced} page break{} had to split text that should stay together",
                if forced == 1 { "" } else { "s" }
            ),
            None,
            None,
        ));
    }
}

/// One warning `(code, message, hint)` for each distinct place in `places`.
fn once_per_place<'a>(
    places: impl Iterator<Item = &'a Option<Span>>,
    (code, message, hint): (&'static str, &str, &str),
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut seen = std::collections::HashSet::new();
    for span in places {
        if seen.insert(*span) {
            diagnostics.push(warn(code, message.to_string(), *span, Some(hint)));
        }
    }
}

/// Formulas the engine could not lay out (each once, where it is) and formulas set smaller
/// to fit the measure.
fn report_math(laid: &Findings, diagnostics: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::HashSet::new();
    for (span, why) in &laid.math_errors {
        if seen.insert(*span) {
            diagnostics.push(warn(
                "pdf-math",
                format!("this formula is shown as its source in the PDF: {why}"),
                *span,
                Some("simplify the formula, or report it with the TeX"),
            ));
        }
    }
    once_per_place(
        laid.math_scaled.iter(),
        (
            "pdf-math-scaled",
            "this formula is wider than the text; it was set smaller to fit",
            "break it over lines with `aligned` or `split`",
        ),
        diagnostics,
    );
}

/// The 0-based body page each chapter begins on: after the one before, on a right-hand
/// (odd-numbered) page when two-sided.
fn first_pages(extents: &[Extent], two_sided: bool) -> Vec<usize> {
    let mut next = 0;
    extents
        .iter()
        .map(|l| {
            if two_sided && next % 2 == 1 {
                next += 1;
            }
            let start = next;
            next += l.pages;
            start
        })
        .collect()
}

/// Where every anchor is in the body: (chapter, anchor) → (0-based body page, y in the text
/// block). `(chapter, None)` is the chapter's start.
fn body_anchors(book: &Book, extents: &[Extent], two_sided: bool) -> Anchors {
    let mut anchors = Anchors::new();
    for ((ch, l), start) in extents
        .iter()
        .enumerate()
        .zip(first_pages(extents, two_sided))
    {
        for (pi, y, a) in &l.anchors {
            let at = Position {
                page: start + pi,
                top: 0.0,
                y: *y,
            };
            anchors.entry((ch, Some(a.clone()))).or_insert(at);
            if a == &book.chapters[ch].anchor {
                anchors.entry((ch, None)).or_insert(at);
            }
        }
    }
    anchors
}

/// Pages → frames, in parallel: the text block's items where the margins put them, then
/// the furniture. Each page is dropped as soon as it is a frame.
fn frames(
    pages: Vec<Page>,
    furniture: Vec<Furniture>,
    first: usize,
    fonts: &FontSet,
    language: &str,
    options: &Options,
) -> Vec<Frame> {
    let (pw, ph) = options.page_size;
    let top = options.margins.top;
    pages
        .into_par_iter()
        .zip(furniture)
        .enumerate()
        .map(|(pi, (page, furniture))| {
            // The front matter is an even number of pages when two-sided, so a body page's
            // side follows from its body index.
            let physical = first + pi + 1;
            let left = options.left(physical);
            let mut groups: Vec<Group> = page
                .body
                .into_iter()
                .chain(page.notes)
                .map(|(y, item)| Group {
                    x: left,
                    y: top + y,
                    draws: item.draws,
                    tag: item.tag,
                })
                .collect();
            groups.extend(furniture::groups(
                &furniture, physical, left, fonts, language, options,
            ));
            Frame {
                width: pw,
                height: ph,
                groups,
            }
        })
        .collect()
}
