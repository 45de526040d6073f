//! Page furniture: running heads and folios. They are not part of the text (tagged as
//! artifacts) and are drawn after the page's text.

use std::sync::Arc;

use notes2book_model::{Book, Inline};

use crate::fonts::{FontSet, Style};
use crate::frame::{Group, Tag, TagKind};
use crate::front::FrontKind;
use crate::inline::{self, Align, Fmt, Shaper};
use crate::setup::Options;

/// What a page shows besides its text.
#[derive(Debug, Clone, Default)]
pub struct Furniture {
    pub head: Option<String>,
    pub folio: Option<String>,
}

/// Lower-case roman numerals for front-matter folios.
pub fn roman(mut n: usize) -> String {
    const TABLE: [(usize, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    for (v, s) in TABLE {
        while n >= v {
            out.push_str(s);
            n -= v;
        }
    }
    out
}

/// Front matter: only the contents pages have folios (roman), and no page has a head.
pub fn front(kinds: &[FrontKind]) -> Vec<Furniture> {
    kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| Furniture {
            head: None,
            folio: (*kind == FrontKind::Contents).then(|| roman(i + 1)),
        })
        .collect()
}

/// The body: folios from 1; a head on every page but a chapter's first, the chapter's
/// title (the book's title on left-hand pages when two-sided). `chapters` has the chapter
/// of every body page from body page `first` (0-based; `None` for the blank pages before a
/// chapter), and begins with a chapter's first page or a blank one. The front matter is an
/// even number of pages when two-sided, so a page's side follows from its body index.
pub fn body(
    book: &Book,
    chapters: &[Option<usize>],
    first: usize,
    two_sided: bool,
) -> Vec<Furniture> {
    let mut prev_ch: Option<usize> = None;
    let mut out = Vec::with_capacity(chapters.len());
    for (k, ch) in chapters.iter().enumerate() {
        let bi = first + k;
        let opening = ch.is_some() && *ch != prev_ch;
        if ch.is_some() {
            prev_ch = *ch;
        }
        let physical = bi + 1;
        let head = match ch {
            Some(c) if !opening => {
                let chapter = &book.chapters[*c];
                let chapter_title = chapter
                    .toc_title
                    .clone()
                    .unwrap_or_else(|| chapter.title.clone());
                Some(if two_sided && physical.is_multiple_of(2) {
                    book.metadata.title.clone()
                } else {
                    chapter_title
                })
            }
            _ => None,
        };
        let folio = ch.map(|_| (bi + 1).to_string());
        out.push(Furniture { head, folio });
    }
    out
}

/// The furniture of page `physical` (1-based) as groups: the folio in the outer corner of
/// the foot when two-sided (else centred), the head centred above the text.
pub fn groups(
    furniture: &Furniture,
    physical: usize,
    left: f32,
    fonts: &FontSet,
    language: &str,
    options: &Options,
) -> Vec<Group> {
    let small = options.font_size * 0.85;
    let measure = options.measure();
    let (_, ph) = options.page_size;
    let m = options.margins;
    let tag = Tag::new(TagKind::Artifact, None, None);
    let mut shaper = Shaper::new(fonts, language, false);
    let mut out = Vec::new();
    let mut line = |text: &str, style: Style, align: Align, top: f32| {
        if let Some(draws) = one_line(&mut shaper, text, &Fmt::new(style, small), align, measure) {
            out.push(Group {
                x: left,
                y: top,
                draws,
                tag: Some(Arc::clone(&tag)),
            });
        }
    };
    if let Some(folio) = &furniture.folio {
        let align = if !options.two_sided {
            Align::Center
        } else if physical.is_multiple_of(2) {
            Align::Left
        } else {
            Align::Right
        };
        line(
            folio,
            Style::Regular,
            align,
            ph - m.bottom + options.font_size * 2.6,
        );
    }
    if let Some(head) = &furniture.head {
        line(
            head,
            Style::Italic,
            Align::Center,
            m.top - options.font_size * 2.2,
        );
    }
    out
}

/// The first line of `text` set across `measure`, relative to (line start, baseline).
fn one_line(
    shaper: &mut Shaper<'_>,
    text: &str,
    fmt: &Fmt,
    align: Align,
    measure: f32,
) -> Option<Vec<crate::frame::Draw>> {
    let para = inline::ParaStyle::ragged(align, false);
    let p = inline::prepare(
        shaper,
        &[Inline::Text(text.to_string())],
        fmt,
        &para,
        measure,
        &|_| None,
    );
    inline::set_lines(shaper, &p, measure, &para, fmt.size)
        .into_iter()
        .next()
        .map(|l| l.draws)
}
