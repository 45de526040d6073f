//! The front matter: the cover, the title page and the contents, as pages.

use std::collections::BTreeMap;

use notes2book_model::{Book, Inline};

use crate::contents::{self, Locate};
use crate::fonts::Style;
use crate::frame::{Draw, Tag, TagKind};
use crate::inline::{self, Align, Fmt};
use crate::layout::{self, Layouter, VItem};
use crate::paginate::{self, Page};
use crate::setup::Options;

/// What a front-matter page is; the contents are numbered in roman, the others not at all.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FrontKind {
    Cover,
    Title,
    Contents,
    Blank,
}

/// Cover, title page, contents, with blank pages so that the body starts on a right-hand
/// page when two-sided.
pub fn front_matter(
    lay: &mut Layouter<'_, '_>,
    options: &Options,
    locate: Locate<'_>,
) -> Vec<(FrontKind, Page)> {
    let book = lay.book;
    let mut front: Vec<(FrontKind, Page)> = Vec::new();
    if let Some(page) = cover(lay, options) {
        front.push((FrontKind::Cover, page));
    }
    front.push((FrontKind::Title, title_page(lay, book, options)));
    if options.two_sided {
        front.push((FrontKind::Blank, Page::default()));
    }
    let chapter_depth = |c: usize| book.chapters.get(c).map_or(0, |ch| ch.depth + 1);
    let toc_entries = contents::flatten_toc(&book.toc, &chapter_depth, options.toc_depth);
    if options.toc && !toc_entries.is_empty() {
        let items = contents::toc_items(lay, &toc_entries, locate);
        let sheet = paginate::Sheet {
            height: lay.geo.page_height,
            measure: lay.geo.measure,
            leading: lay.geo.leading,
        };
        for p in paginate::paginate(items, &BTreeMap::new(), sheet) {
            front.push((FrontKind::Contents, p));
        }
        if options.two_sided && front.len() % 2 == 1 {
            front.push((FrontKind::Blank, Page::default()));
        }
    }
    front
}

/// The cover fills the page (inside a small bleed-free margin), aspect kept.
fn cover(lay: &Layouter<'_, '_>, options: &Options) -> Option<Page> {
    let cover = lay.book.metadata.cover?;
    let (w, h) = (lay.images)(cover)?;
    let (pw, ph) = options.page_size;
    let m = options.margins;
    let (cw, chh) = inline::fit(w, h, pw - 36.0, ph - 36.0);
    let mut page = Page::default();
    page.body.push((
        0.0,
        VItem {
            draws: vec![Draw::Image {
                image: cover,
                x: (pw - cw) / 2.0 - m.inner,
                y: (ph - chh) / 2.0 - m.top,
                w: cw,
                h: chh,
            }],
            tag: Some(Tag::described(
                TagKind::Figure,
                None,
                None,
                format!("Cover of {}", lay.book.metadata.title),
            )),
            ..Default::default()
        },
    ));
    Some(page)
}

/// The title page: title, subtitle, authors and date, centred.
fn title_page(lay: &mut Layouter<'_, '_>, book: &Book, options: &Options) -> Page {
    let mut page = Page::default();
    let measure = lay.geo.measure;
    let mut y = lay.geo.page_height * 0.25;
    let md = &book.metadata;
    let fs = options.font_size;
    // The title is the page's heading; subtitle, authors and date are its paragraphs.
    let mut add = |lay: &mut Layouter<'_, '_>, text: &str, style: Style, size: f32, gap: f32| {
        let kind = match style {
            Style::Heading => TagKind::Title,
            _ => TagKind::Paragraph,
        };
        let tag = Tag::new(kind, None, None);
        if text.is_empty() {
            y += gap;
            return;
        }
        for l in lay.cell_lines(
            &[Inline::Text(text.to_string())],
            &Fmt::new(style, size),
            measure,
            Align::Center,
            size * 1.25,
        ) {
            let mut item = layout::line_item(l, 0.0, size * 1.25);
            item.tag = Some(tag.clone());
            let h = item.height;
            page.body.push((y, item));
            y += h;
        }
        y += gap;
    };
    add(lay, &md.title, Style::Heading, fs * 2.6, fs * 1.5);
    add(
        lay,
        md.subtitle.as_deref().unwrap_or(""),
        Style::Italic,
        fs * 1.5,
        fs * 3.0,
    );
    add(lay, &md.authors.join(", "), Style::Regular, fs * 1.3, fs);
    if let Some(d) = &md.date {
        add(lay, d.get(..10).unwrap_or(d), Style::Regular, fs, 0.0);
    }
    page
}
