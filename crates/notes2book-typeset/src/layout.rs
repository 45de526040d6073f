//! Blocks → a vertical list of lines and boxes with keep rules, ready for pagination.
//!
//! Every item is either a line of text (or a table row, a figure, a code line) with its
//! height and drawings, or vertical space. Keep rules decide where a page may break:
//! never after a heading, never after a paragraph's first line (orphan) or before its last
//! line (widow), never inside a figure or a table row.

use std::sync::{Arc, OnceLock};

use notes2book_model::{Block, Chapter, Figure, ImageId, Inline};
use notes2book_model::{plain_text, syntax_token};
use syntect::easy::HighlightLines;
use syntect::highlighting::{FontStyle, Theme, ThemeSet};
use syntect::parsing::SyntaxSet;

use crate::fonts::Style;
use crate::inline::{
    self, Align, Color, Draw, Fmt, LineOut, MUTED, ParaStyle, PlacedGlyph, Shaper, TEXT,
};

/// One element of the vertical list.
#[derive(Debug, Clone, Default)]
pub struct VItem {
    pub height: f32,
    /// Drawings relative to the item's top-left corner at the left text margin.
    pub draws: Vec<Draw>,
    /// Footnotes referenced here (numbers in the chapter's footnote list).
    pub footnotes: Vec<u32>,
    /// Ids that links can point at.
    pub anchors: Vec<String>,
    /// A page may not break between this item and the next.
    pub keep_with_next: bool,
    /// Vertical space: dropped at the top and foot of a page.
    pub discardable: bool,
    /// A table row: the header to repeat when the row starts a page.
    pub repeat_header: Option<Arc<Vec<VItem>>>,
    /// A heading (level, text) for the outline and running heads.
    pub heading: Option<(u8, String)>,
}

impl VItem {
    pub fn space(h: f32) -> VItem {
        VItem {
            height: h,
            discardable: true,
            ..VItem::default()
        }
    }
}

/// Size of an image in points at its natural size, or `None` when it is not available.
pub type ImageInfo<'b> = &'b dyn Fn(ImageId) -> Option<(f32, f32)>;

/// Page geometry and type settings the layout needs.
#[derive(Debug, Clone)]
pub struct Geometry {
    pub measure: f32,
    pub page_height: f32,
    pub size: f32,
    pub leading: f32,
    pub justify: bool,
    pub hyphenate: bool,
}

/// Block-level context: indent, width, decorations.
#[derive(Debug, Clone)]
struct Ctx {
    left: f32,
    width: f32,
    size: f32,
    leading: f32,
    /// Backgrounds and bars drawn beside every item (quotes, callouts).
    deco: Vec<Draw>,
    /// The next paragraph follows a heading or starts a block: no indent.
    first: bool,
    /// Inside a tight list item: no space between its blocks.
    tight: bool,
}

pub struct Layouter<'a, 'b> {
    pub shaper: Shaper<'a>,
    pub geo: Geometry,
    pub images: ImageInfo<'b>,
    /// Images that were missing: (image, caption) drawn as placeholders.
    pub book: &'a notes2book_model::Book,
}

impl std::fmt::Debug for Layouter<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Layouter").finish_non_exhaustive()
    }
}

fn heading_scale(level: u8) -> f32 {
    match level {
        1 => 1.55,
        2 => 1.3,
        3 => 1.12,
        _ => 1.0,
    }
}

impl Layouter<'_, '_> {
    fn ctx(&self) -> Ctx {
        Ctx {
            left: 0.0,
            width: self.geo.measure,
            size: self.geo.size,
            leading: self.geo.leading,
            deco: Vec::new(),
            first: true,
            tight: false,
        }
    }

    /// The vertical list of a chapter, starting with its title.
    pub fn chapter(&mut self, ch: &Chapter) -> Vec<VItem> {
        let mut out = Vec::new();
        let ctx = self.ctx();
        self.shaper.span = ch.span;
        // Chapter title: large, ragged, with space above.
        let size = self.geo.size * 2.0;
        out.push(VItem {
            height: self.geo.leading * 3.0,
            anchors: vec![ch.anchor.clone()],
            keep_with_next: true,
            ..VItem::default()
        });
        let title = vec![Inline::Text(ch.title.clone())];
        let mut lines = self.text_lines(
            &title,
            &Fmt::new(Style::Bold, size),
            &ctx,
            false,
            Align::Left,
            size * 1.2,
        );
        if let Some(first) = lines.first_mut() {
            first.heading = Some((0, ch.title.clone()));
        }
        for l in &mut lines {
            l.keep_with_next = true;
        }
        out.extend(lines);
        out.push(VItem {
            height: self.geo.leading * 2.0,
            keep_with_next: true,
            ..VItem::default()
        });
        self.blocks(&ch.blocks, &ctx, &mut out);
        out
    }

    /// The vertical list of one footnote, at the footnote size.
    pub fn footnote(&mut self, number: u32, blocks: &[Block]) -> Vec<VItem> {
        let size = self.geo.size * 0.82;
        let leading = size * 1.3;
        let indent = size * 1.6;
        let ctx = Ctx {
            left: indent,
            width: self.geo.measure - indent,
            size,
            leading,
            deco: Vec::new(),
            first: true,
            tight: false,
        };
        let mut out = Vec::new();
        self.blocks(blocks, &ctx, &mut out);
        // The number hangs in the indent of the first line.
        if let Some(first) = out.iter_mut().find(|i| !i.discardable) {
            let fmt = Fmt::new(Style::Regular, size);
            if let Some(d) = self.label(&format!("{number}."), &fmt, 0.0, baseline_of(first)) {
                first.draws.push(d);
            }
        }
        out
    }

    fn blocks(&mut self, blocks: &[Block], ctx: &Ctx, out: &mut Vec<VItem>) {
        let mut ctx = ctx.clone();
        for (i, block) in blocks.iter().enumerate() {
            let start = out.len();
            self.block(block, &ctx, out);
            let is_heading = matches!(block, Block::Heading { .. });
            ctx.first = is_heading;
            let both_paragraphs = matches!(block, Block::Paragraph { .. })
                && matches!(blocks.get(i + 1), Some(Block::Paragraph { .. }));
            if i + 1 < blocks.len() && !is_heading && !both_paragraphs && !ctx.tight {
                out.push(with_deco(VItem::space(ctx.leading * 0.5), &ctx));
            }
            if is_heading {
                for item in &mut out[start..] {
                    item.keep_with_next = true;
                }
            }
        }
    }

    fn block(&mut self, block: &Block, ctx: &Ctx, out: &mut Vec<VItem>) {
        let size = ctx.size;
        match block {
            Block::Paragraph { content, span } => {
                if span.is_some() {
                    self.shaper.span = *span;
                }
                let indent = if ctx.first { 0.0 } else { size * 1.5 };
                let para = ParaStyle {
                    justify: self.geo.justify,
                    hyphenate: self.geo.hyphenate,
                    align: Align::Left,
                    indent,
                };
                self.paragraph(content, &Fmt::new(Style::Regular, size), &para, ctx, out);
            }
            Block::Heading {
                level,
                id,
                content,
                span,
                ..
            } => {
                if span.is_some() {
                    self.shaper.span = *span;
                }
                let hsize = size * heading_scale(*level);
                let style = if *level >= 4 {
                    Style::BoldItalic
                } else {
                    Style::Bold
                };
                out.push(with_deco(
                    VItem::space(ctx.leading * if *level <= 2 { 1.2 } else { 0.8 }),
                    ctx,
                ));
                let mut lines = self.text_lines(
                    content,
                    &Fmt::new(style, hsize),
                    ctx,
                    false,
                    Align::Left,
                    hsize * 1.25,
                );
                if let Some(first) = lines.first_mut() {
                    first.anchors.push(id.clone());
                    first.heading = Some((*level, plain_text(content)));
                }
                for l in lines {
                    out.push(with_deco(l, ctx));
                }
                out.push(VItem {
                    height: ctx.leading * 0.4,
                    ..VItem::default()
                });
            }
            Block::BlockQuote { blocks, .. } => {
                let inset = size * 1.5;
                let mut inner = self.inner(ctx, inset, inset * 0.5);
                inner.deco.push(Draw::Rect {
                    x: ctx.left + size * 0.3,
                    y: 0.0,
                    w: size * 0.15,
                    h: 0.0,
                    color: Color(0.75, 0.75, 0.75),
                });
                self.blocks(blocks, &inner, out);
            }
            Block::Callout {
                kind,
                title,
                blocks,
                ..
            } => {
                let color = callout_color(kind);
                let inset = size * 1.0;
                let mut inner = self.inner(ctx, inset, inset);
                inner.deco.push(Draw::Rect {
                    x: ctx.left,
                    y: 0.0,
                    w: ctx.width,
                    h: 0.0,
                    color: Color(
                        1.0 - (1.0 - color.0) * 0.1,
                        1.0 - (1.0 - color.1) * 0.1,
                        1.0 - (1.0 - color.2) * 0.1,
                    ),
                });
                inner.deco.push(Draw::Rect {
                    x: ctx.left,
                    y: 0.0,
                    w: size * 0.25,
                    h: 0.0,
                    color,
                });
                out.push(with_deco(VItem::space(ctx.leading * 0.3), &inner));
                let mut fmt = Fmt::new(Style::Bold, size);
                fmt.color = color;
                let mut lines =
                    self.text_lines(title, &fmt, &inner, false, Align::Left, ctx.leading);
                for l in &mut lines {
                    l.keep_with_next = true;
                }
                for l in lines {
                    out.push(with_deco(l, &inner));
                }
                self.blocks(blocks, &inner, out);
                out.push(with_deco(
                    VItem {
                        height: ctx.leading * 0.3,
                        ..VItem::default()
                    },
                    &inner,
                ));
            }
            Block::List {
                start,
                items,
                tight,
                ..
            } => {
                let depth = ctx
                    .deco
                    .iter()
                    .filter(|d| matches!(d, Draw::Glyphs { .. }))
                    .count();
                let inset = size * 1.6;
                let inner = self.inner(ctx, inset, 0.0);
                let bullet_level = (ctx.left / inset).round() as usize + depth;
                for (n, item) in items.iter().enumerate() {
                    let begin = out.len();
                    let mut ictx = inner.clone();
                    ictx.first = true;
                    ictx.tight = *tight;
                    self.blocks(&item.blocks, &ictx, out);
                    if !tight && n + 1 < items.len() {
                        out.push(with_deco(VItem::space(ctx.leading * 0.3), ctx));
                    }
                    // The marker goes on the item's first line.
                    let Some(first) = out[begin..].iter_mut().find(|i| !i.discardable) else {
                        continue;
                    };
                    let baseline = baseline_of(first);
                    let fmt = Fmt::new(Style::Regular, size);
                    if let Some(checked) = item.task {
                        let b = size * 0.7;
                        let x = inner.left - size * 1.2;
                        first.draws.push(Draw::Frame {
                            x,
                            y: baseline - b,
                            w: b,
                            h: b,
                            width: 0.6,
                            color: TEXT,
                        });
                        if checked {
                            first.draws.push(Draw::Line {
                                x1: x + b * 0.18,
                                y1: baseline - b * 0.5,
                                x2: x + b * 0.42,
                                y2: baseline - b * 0.2,
                                width: 1.0,
                                color: TEXT,
                            });
                            first.draws.push(Draw::Line {
                                x1: x + b * 0.42,
                                y1: baseline - b * 0.2,
                                x2: x + b * 0.85,
                                y2: baseline - b * 0.85,
                                width: 1.0,
                                color: TEXT,
                            });
                        }
                    } else {
                        let label = match start {
                            Some(s) => format!("{}.", s.saturating_add(n as u64)),
                            None => ["•", "◦", "▪", "–"][bullet_level % 4].to_string(),
                        };
                        if let Some(d) = self.label(&label, &fmt, inner.left - size * 0.5, baseline)
                        {
                            first.draws.push(right_align(d));
                        }
                    }
                }
            }
            Block::DefinitionList { items, .. } => {
                for item in items {
                    let lines = self.text_lines(
                        &item.term,
                        &Fmt::new(Style::Bold, size),
                        ctx,
                        false,
                        Align::Left,
                        ctx.leading,
                    );
                    let mut anchors = anchors_of(&item.term);
                    for mut l in lines {
                        l.keep_with_next = true;
                        l.anchors.append(&mut anchors);
                        out.push(with_deco(l, ctx));
                    }
                    let mut inner = self.inner(ctx, size * 1.5, 0.0);
                    for def in &item.definitions {
                        inner.first = true;
                        self.blocks(def, &inner, out);
                    }
                    out.push(with_deco(VItem::space(ctx.leading * 0.3), ctx));
                }
            }
            Block::CodeBlock {
                lang, code, span, ..
            } => {
                if span.is_some() {
                    self.shaper.span = *span;
                }
                self.code(lang.as_deref(), code, ctx, out);
            }
            Block::Table {
                align,
                head,
                rows,
                span,
            } => {
                if span.is_some() {
                    self.shaper.span = *span;
                }
                crate::table::table(self, align, head, rows, ctx.left, ctx.width, ctx.size, out);
            }
            Block::Figure(fig) => self.figure(fig, ctx, out),
            Block::Math { tex, .. } => {
                let fmt = Fmt::new(Style::Mono, size * 0.9);
                let lines = self.text_lines(
                    &[Inline::Text(tex.clone())],
                    &fmt,
                    ctx,
                    false,
                    Align::Center,
                    ctx.leading,
                );
                for l in lines {
                    out.push(with_deco(l, ctx));
                }
            }
            Block::Details {
                summary, blocks, ..
            } => {
                let lines = self.text_lines(
                    summary,
                    &Fmt::new(Style::Bold, size),
                    ctx,
                    false,
                    Align::Left,
                    ctx.leading,
                );
                for mut l in lines {
                    l.keep_with_next = true;
                    out.push(with_deco(l, ctx));
                }
                let inner = self.inner(ctx, size * 1.0, 0.0);
                self.blocks(blocks, &inner, out);
            }
            Block::Embed {
                blocks,
                seamless: true,
                ..
            } => self.blocks(blocks, ctx, out),
            Block::Embed { blocks, .. } => {
                let mut inner = self.inner(ctx, size * 1.2, 0.0);
                inner.deco.push(Draw::Rect {
                    x: ctx.left + size * 0.3,
                    y: 0.0,
                    w: size * 0.08,
                    h: 0.0,
                    color: Color(0.6, 0.6, 0.6),
                });
                self.blocks(blocks, &inner, out);
            }
            Block::Html { html, images, span } => self.html(html, images, *span, ctx, out),
            Block::Rule { .. } => {
                let w = ctx.width * 0.3;
                out.push(with_deco(
                    VItem {
                        height: ctx.leading * 1.5,
                        draws: vec![Draw::Line {
                            x1: ctx.left + (ctx.width - w) / 2.0,
                            y1: ctx.leading * 0.75,
                            x2: ctx.left + (ctx.width + w) / 2.0,
                            y2: ctx.leading * 0.75,
                            width: 0.5,
                            color: MUTED,
                        }],
                        ..VItem::default()
                    },
                    ctx,
                ));
            }
        }
    }

    /// A context indented by `left` and `right`, never narrower than 40% of the measure.
    fn inner(&self, ctx: &Ctx, left: f32, right: f32) -> Ctx {
        let min = self.geo.measure * 0.4;
        let width = (ctx.width - left - right).max(min.min(ctx.width));
        let left_add = (ctx.width - width - right).max(0.0).min(left);
        Ctx {
            left: ctx.left + left_add,
            width,
            first: true,
            ..ctx.clone()
        }
    }

    /// A one-line label at the origin (baseline 0) and its width.
    pub fn label_draw(&mut self, text: &str, fmt: &Fmt) -> Option<(Draw, f32)> {
        let para = ParaStyle {
            justify: false,
            hyphenate: false,
            align: Align::Left,
            indent: 0.0,
        };
        let p = inline::prepare(
            &mut self.shaper,
            &[Inline::Text(text.into())],
            fmt,
            &para,
            1e6,
            &|_| None,
        );
        let line = inline::set_lines(&mut self.shaper, &p, 1e6, &para, fmt.size)
            .into_iter()
            .next()?;
        let width = line.width;
        let glyphs: Vec<Draw> = line
            .draws
            .into_iter()
            .filter(|d| matches!(d, Draw::Glyphs { .. }))
            .collect();
        glyphs.into_iter().next().map(|d| (d, width))
    }

    /// A single-line label (list number, footnote number) as a glyph drawing at
    /// (x, baseline).
    fn label(&mut self, text: &str, fmt: &Fmt, x: f32, baseline: f32) -> Option<Draw> {
        self.label_draw(text, fmt)
            .map(|(d, _)| d.shifted(x, baseline))
    }

    fn paragraph(
        &mut self,
        content: &[Inline],
        fmt: &Fmt,
        para: &ParaStyle,
        ctx: &Ctx,
        out: &mut Vec<VItem>,
    ) {
        let p = inline::prepare(&mut self.shaper, content, fmt, para, ctx.width, self.images);
        let lines = inline::set_lines(&mut self.shaper, &p, ctx.width, para, ctx.leading);
        let n = lines.len();
        let mut anchors = anchors_of(content);
        for (i, line) in lines.into_iter().enumerate() {
            let hyphenated = line.hyphenated;
            let mut item = line_item(line, ctx.left, ctx.leading);
            item.anchors.append(&mut anchors);
            // Orphans and widows: the first two and the last two lines stay together; a
            // word is never split across pages.
            item.keep_with_next = (i == 0 && n > 1) || (n >= 2 && i + 2 == n) || hyphenated;
            out.push(with_deco(item, ctx));
        }
    }

    /// Ragged lines of a heading, caption or label.
    fn text_lines(
        &mut self,
        content: &[Inline],
        fmt: &Fmt,
        ctx: &Ctx,
        hyphenate: bool,
        align: Align,
        leading: f32,
    ) -> Vec<VItem> {
        let para = ParaStyle {
            justify: false,
            hyphenate,
            align,
            indent: 0.0,
        };
        let p = inline::prepare(
            &mut self.shaper,
            content,
            fmt,
            &para,
            ctx.width,
            self.images,
        );
        inline::set_lines(&mut self.shaper, &p, ctx.width, &para, leading)
            .into_iter()
            .map(|l| line_item(l, ctx.left, leading))
            .collect()
    }

    /// Lines for a table cell or caption at an arbitrary width (ragged-right).
    pub fn cell_lines(
        &mut self,
        content: &[Inline],
        fmt: &Fmt,
        width: f32,
        align: Align,
        leading: f32,
    ) -> Vec<LineOut> {
        let para = ParaStyle {
            justify: false,
            hyphenate: self.geo.hyphenate,
            align,
            indent: 0.0,
        };
        let p = inline::prepare(&mut self.shaper, content, fmt, &para, width, self.images);
        inline::set_lines(&mut self.shaper, &p, width, &para, leading)
    }

    /// Natural (one-line) width and longest unbreakable piece of some inlines.
    pub fn measure_inlines(&mut self, content: &[Inline], fmt: &Fmt) -> (f32, f32) {
        let para = ParaStyle {
            justify: false,
            hyphenate: false,
            align: Align::Left,
            indent: 0.0,
        };
        let p = inline::prepare(&mut self.shaper, content, fmt, &para, 1e6, self.images);
        p.widths()
    }

    fn figure(&mut self, fig: &Figure, ctx: &Ctx, out: &mut Vec<VItem>) {
        if fig.span.is_some() {
            self.shaper.span = fig.span;
        }
        let size = ctx.size;
        let max_h = self.geo.page_height * 0.6;
        let mut draws = Vec::new();
        let (w, h) = match (self.images)(fig.image) {
            Some((w, h)) => {
                let want = fig
                    .width
                    .map(|l| crate::length_pt(l, ctx.width, size))
                    .unwrap_or(w);
                let (w, h) = inline::fit(w, h, want.min(ctx.width), max_h);
                draws.push(Draw::Image {
                    image: fig.image,
                    x: ctx.left + (ctx.width - w) / 2.0,
                    y: 0.0,
                    w,
                    h,
                });
                (w, h)
            }
            None => {
                // A framed placeholder saying what is missing.
                let w = ctx.width * 0.8;
                let h = ctx.leading * 4.0;
                let x = ctx.left + (ctx.width - w) / 2.0;
                draws.push(Draw::Frame {
                    x,
                    y: 0.0,
                    w,
                    h,
                    width: 0.8,
                    color: MUTED,
                });
                let src = self
                    .book
                    .images
                    .get(fig.image.0 as usize)
                    .map(|u| u.src.clone())
                    .unwrap_or_default();
                let mut fmt = Fmt::new(Style::Italic, size * 0.9);
                fmt.color = MUTED;
                let text = format!("Image not available: {src}");
                let lines = self.cell_lines(
                    &[Inline::Text(text)],
                    &fmt,
                    w - size * 2.0,
                    Align::Center,
                    ctx.leading,
                );
                let mut y = (h - ctx.leading * lines.len() as f32) / 2.0 + ctx.leading * 0.75;
                for l in lines {
                    for d in l.draws {
                        draws.push(d.shifted(x + size, y));
                    }
                    y += ctx.leading;
                }
                (w, h)
            }
        };
        let _ = w;
        let mut height = h;
        // Caption (and attribution) below, centred, italic, smaller.
        let mut caption: Vec<Inline> = fig.caption.clone();
        if let Some(attr) = &fig.attribution {
            if !caption.is_empty() {
                caption.push(Inline::Text(" — ".into()));
            }
            caption.push(Inline::Text(attr.clone()));
        }
        if !caption.is_empty() {
            let csize = size * 0.9;
            let leading = csize * 1.3;
            let lines = self.cell_lines(
                &caption,
                &Fmt::new(Style::Italic, csize),
                ctx.width * 0.9,
                Align::Center,
                leading,
            );
            height += leading * 0.5;
            for l in lines {
                let baseline = height + leading * 0.78;
                for d in l.draws {
                    draws.push(d.shifted(ctx.left + ctx.width * 0.05, baseline));
                }
                for n in l.footnotes {
                    let _ = n;
                }
                height += leading;
            }
        }
        out.push(with_deco(VItem::space(ctx.leading * 0.5), ctx));
        out.push(with_deco(
            VItem {
                height,
                draws,
                ..VItem::default()
            },
            ctx,
        ));
        out.push(with_deco(VItem::space(ctx.leading * 0.5), ctx));
    }

    /// Raw HTML: its text as paragraphs, its images as figures where they stand (the
    /// diagrams of an mdBook or a Hugo post are `<figure><img …><figcaption>` blocks), a
    /// `<figcaption>` right after an image as that figure's caption.
    fn html(
        &mut self,
        html: &str,
        images: &[ImageId],
        span: Option<notes2book_model::Span>,
        ctx: &Ctx,
        out: &mut Vec<VItem>,
    ) {
        let pieces = html_pieces(html, images.len());
        let mut i = 0;
        while i < pieces.len() {
            match &pieces[i] {
                HtmlPiece::Image(n) => {
                    let caption = match pieces.get(i + 1) {
                        Some(HtmlPiece::Caption(c)) => {
                            i += 1;
                            vec![Inline::Text(c.clone())]
                        }
                        _ => Vec::new(),
                    };
                    let fig = Figure {
                        image: images[*n],
                        alt: String::new(),
                        title: None,
                        caption,
                        attribution: None,
                        attribution_link: None,
                        link: None,
                        width: None,
                        syntax: notes2book_model::ImageSyntax::Html,
                        span,
                    };
                    self.figure(&fig, ctx, out);
                }
                HtmlPiece::Text(text) | HtmlPiece::Caption(text) => {
                    let para = ParaStyle {
                        justify: self.geo.justify,
                        hyphenate: self.geo.hyphenate,
                        align: Align::Left,
                        indent: 0.0,
                    };
                    self.paragraph(
                        &[Inline::Text(text.clone())],
                        &Fmt::new(Style::Regular, ctx.size),
                        &para,
                        ctx,
                        out,
                    );
                }
            }
            i += 1;
        }
    }

    fn code(&mut self, lang: Option<&str>, code: &str, ctx: &Ctx, out: &mut Vec<VItem>) {
        let size = ctx.size * 0.82;
        let leading = size * 1.35;
        let pad = size * 0.6;
        let width = ctx.width - 2.0 * pad;
        let fonts = self.shaper.fonts;
        let mono = fonts.face(fonts.style_face(Style::Mono));
        let cell = mono
            .glyph_for('0')
            .map(|g| mono.advance(g) * size / mono.units_per_em)
            .unwrap_or(size * 0.6);
        let per_line = ((width - cell * 2.0) / cell).floor().max(10.0) as usize;
        let lines = highlight(lang, code);
        let bg = Color(0.955, 0.955, 0.955);
        let mut rows: Vec<VItem> = Vec::new();
        for spans in lines {
            // Wrap by characters: code keeps its columns; a mark shows the continuation.
            let mut chunks: Vec<Vec<(String, Color, bool)>> = vec![Vec::new()];
            let mut col = 0;
            for (text, color, bold) in spans {
                for c in text.chars() {
                    if c == '\n' {
                        continue;
                    }
                    let c = if c == '\t' { ' ' } else { c };
                    if col >= per_line {
                        chunks.push(Vec::new());
                        col = 0;
                    }
                    let last = chunks.last_mut();
                    if let Some(chunk) = last {
                        match chunk.last_mut() {
                            Some((t, cc, b)) if *cc == color && *b == bold => t.push(c),
                            _ => chunk.push((c.to_string(), color, bold)),
                        }
                    }
                    col += 1;
                }
            }
            let n = chunks.len();
            for (k, chunk) in chunks.into_iter().enumerate() {
                let mut draws = vec![Draw::Rect {
                    x: ctx.left,
                    y: 0.0,
                    w: ctx.width,
                    h: leading,
                    color: bg,
                }];
                let baseline = leading * 0.76;
                let mut x = ctx.left + pad;
                for (text, color, bold) in chunk {
                    let mut fmt = Fmt::new(if bold { Style::MonoBold } else { Style::Mono }, size);
                    fmt.color = color;
                    draws.extend(inline::mono_draw(
                        &mut self.shaper,
                        &text,
                        &fmt,
                        x,
                        cell,
                        baseline,
                    ));
                    x += text.chars().count() as f32 * cell;
                }
                if k + 1 < n {
                    // Continuation mark at the right edge.
                    let mut fmt = Fmt::new(Style::Mono, size);
                    fmt.color = MUTED;
                    if let Some(d) = self.label(
                        continuation_mark(self.shaper.fonts),
                        &fmt,
                        ctx.left + ctx.width - pad - cell,
                        baseline,
                    ) {
                        draws.push(d);
                    }
                }
                rows.push(VItem {
                    height: leading,
                    draws,
                    ..VItem::default()
                });
            }
        }
        // Padding rows above and below, kept with the code.
        let pad_row = |h: f32| VItem {
            height: h,
            draws: vec![Draw::Rect {
                x: ctx.left,
                y: 0.0,
                w: ctx.width,
                h,
                color: bg,
            }],
            ..VItem::default()
        };
        let n = rows.len();
        let mut top = pad_row(pad * 0.6);
        top.keep_with_next = true;
        out.push(with_deco(VItem::space(ctx.leading * 0.3), ctx));
        out.push(with_deco(top, ctx));
        for (i, mut r) in rows.into_iter().enumerate() {
            // Keep at least two lines together at each end of a block.
            r.keep_with_next = i == 0 || i + 2 >= n;
            out.push(with_deco(r, ctx));
        }
        out.push(with_deco(pad_row(pad * 0.6), ctx));
    }
}

/// The baseline of an item's first glyph drawing (or its height × 0.75).
fn baseline_of(item: &VItem) -> f32 {
    item.draws
        .iter()
        .find_map(|d| match d {
            Draw::Glyphs { baseline, .. } => Some(*baseline),
            _ => None,
        })
        .unwrap_or(item.height * 0.75)
}

/// Move a label so that it ends at its x (for list markers).
fn right_align(d: Draw) -> Draw {
    if let Draw::Glyphs { glyphs, .. } = &d
        && let (Some(first), Some(_)) = (glyphs.first(), glyphs.last())
    {
        let end = first.x + label_width(glyphs);
        return d.shifted(first.x - end, 0.0);
    }
    d
}

fn label_width(glyphs: &[PlacedGlyph]) -> f32 {
    match (glyphs.first(), glyphs.last()) {
        (Some(a), Some(b)) if glyphs.len() > 1 => {
            (b.x - a.x) * glyphs.len() as f32 / (glyphs.len() - 1) as f32
        }
        _ => 5.0,
    }
}

/// A paragraph line as a vertical item: baseline placed so that lines of the same size
/// keep a regular leading; taller content (inline images) makes the line taller.
pub fn line_item(line: LineOut, left: f32, leading: f32) -> VItem {
    let top = (leading * 0.78).max(line.ascent);
    let height = top + (leading * 0.22).max(line.descent.min(leading));
    VItem {
        height,
        draws: line.draws.iter().map(|d| d.shifted(left, top)).collect(),
        footnotes: line.footnotes,
        ..VItem::default()
    }
}

fn with_deco(mut item: VItem, ctx: &Ctx) -> VItem {
    if ctx.deco.is_empty() {
        return item;
    }
    let mut draws: Vec<Draw> = ctx
        .deco
        .iter()
        .map(|d| match d {
            Draw::Rect { x, w, color, .. } => Draw::Rect {
                x: *x,
                y: 0.0,
                w: *w,
                h: item.height,
                color: *color,
            },
            other => other.clone(),
        })
        .collect();
    draws.append(&mut item.draws);
    item.draws = draws;
    item
}

fn callout_color(kind: &str) -> Color {
    match kind {
        "warning" | "caution" | "attention" => Color(0.85, 0.5, 0.0),
        "danger" | "error" | "failure" | "bug" => Color(0.8, 0.15, 0.15),
        "tip" | "success" | "hint" | "important" => Color(0.1, 0.55, 0.3),
        "question" | "example" => Color(0.45, 0.3, 0.75),
        "quote" => Color(0.45, 0.45, 0.45),
        _ => Color(0.15, 0.4, 0.75),
    }
}

/// Text of raw HTML with the tags removed and common entities decoded (scripts and styles
/// dropped). The PDF shows what a reader would read.
/// The ids of the anchors in a paragraph or term (block ids, definition terms): links to
/// them land on the block's first line.
fn anchors_of(content: &[Inline]) -> Vec<String> {
    let mut ids = Vec::new();
    notes2book_model::walk_inlines(content, &mut |i| {
        if let Inline::Anchor { id, .. } = i {
            ids.push(id.clone());
        }
    });
    ids
}

/// A piece of a raw HTML block, in order.
#[derive(Debug, Clone, PartialEq)]
enum HtmlPiece {
    Text(String),
    /// The n-th of the block's images (the model holds one per `<img>` with a `src`).
    Image(usize),
    /// The text of a `<figcaption>`.
    Caption(String),
}

/// Split raw HTML into text, images and captions; empty text is left out, and images the
/// tags do not account for come last.
fn html_pieces(html: &str, images: usize) -> Vec<HtmlPiece> {
    let lower = html.to_ascii_lowercase();
    let mut pieces = Vec::new();
    let text = |s: &str, pieces: &mut Vec<HtmlPiece>, caption: bool| {
        let t = html_text(s);
        if !t.is_empty() {
            pieces.push(if caption {
                HtmlPiece::Caption(t)
            } else {
                HtmlPiece::Text(t)
            });
        }
    };
    let mut pos = 0;
    let mut next_image = 0;
    loop {
        let img = lower[pos..].find("<img").map(|p| pos + p);
        let cap = lower[pos..].find("<figcaption").map(|p| pos + p);
        if let Some(at) = img.filter(|a| cap.is_none_or(|c| *a < c)) {
            text(&html[pos..at], &mut pieces, false);
            let end = lower[at..].find('>').map_or(lower.len(), |e| at + e + 1);
            let tag = &lower[at..end];
            let has_src =
                tag.contains("src=") && !tag.contains("src=\"\"") && !tag.contains("src=''");
            if has_src && next_image < images {
                pieces.push(HtmlPiece::Image(next_image));
                next_image += 1;
            }
            pos = end;
        } else if let Some(at) = cap {
            text(&html[pos..at], &mut pieces, false);
            let end = lower[at..]
                .find("</figcaption")
                .map_or(lower.len(), |e| at + e);
            text(&html[at..end], &mut pieces, true);
            pos = end;
        } else {
            break;
        }
    }
    text(&html[pos..], &mut pieces, false);
    pieces.extend((next_image..images).map(HtmlPiece::Image));
    pieces
}

pub fn html_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let after = &rest[lt..];
        let lower = after.get(..8).unwrap_or(after).to_ascii_lowercase();
        let skip_to = if lower.starts_with("<script") {
            after.to_ascii_lowercase().find("</script>").map(|i| i + 9)
        } else if lower.starts_with("<style") {
            after.to_ascii_lowercase().find("</style>").map(|i| i + 8)
        } else {
            after.find('>').map(|i| i + 1)
        };
        match skip_to {
            Some(n) => rest = &after[n..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    let out = out
        .replace("&nbsp;", "\u{a0}")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

fn theme() -> Option<&'static Theme> {
    static THEME: OnceLock<Option<Theme>> = OnceLock::new();
    THEME
        .get_or_init(|| ThemeSet::load_defaults().themes.remove("InspiredGitHub"))
        .as_ref()
}

/// Highlighted lines of code: (text, colour, bold) spans, in the EPUB's theme.
fn highlight(lang: Option<&str>, code: &str) -> Vec<Vec<(String, Color, bool)>> {
    let set = syntaxes();
    let syntax = lang.and_then(|l| {
        let token = syntax_token(l);
        set.find_syntax_by_token(&token)
            .or_else(|| set.find_syntax_by_extension(&token))
    });
    let plain = |line: &str| vec![(line.to_string(), TEXT, false)];
    let code = code.strip_suffix('\n').unwrap_or(code);
    match (syntax, theme()) {
        (Some(syntax), Some(theme)) => {
            let mut h = HighlightLines::new(syntax, theme);
            code.split('\n')
                .map(|line| {
                    let with_nl = format!("{line}\n");
                    match h.highlight_line(&with_nl, set) {
                        Ok(ranges) => ranges
                            .into_iter()
                            .map(|(style, text)| {
                                let c = style.foreground;
                                (
                                    text.to_string(),
                                    Color(
                                        f32::from(c.r) / 255.0,
                                        f32::from(c.g) / 255.0,
                                        f32::from(c.b) / 255.0,
                                    ),
                                    style.font_style.contains(FontStyle::BOLD),
                                )
                            })
                            .collect(),
                        Err(_) => plain(line),
                    }
                })
                .collect()
        }
        _ => code.split('\n').map(plain).collect(),
    }
}

/// The mark at the end of a wrapped code line: the first of these arrows a bundled face has.
fn continuation_mark(fonts: &crate::fonts::FontSet) -> &'static str {
    ["↩", "↪", "↵", "→", "»"]
        .into_iter()
        .find(|m| {
            m.chars()
                .next()
                .is_some_and(|c| fonts.faces.iter().any(|f| f.has_char(c)))
        })
        .unwrap_or(">")
}

#[cfg(test)]
mod tests {
    use super::{HtmlPiece, html_pieces};

    #[test]
    fn html_blocks_keep_their_images_in_place() {
        let html = "<p>Before.</p>\n<figure>\n<img alt=\"A\" src=\"img/a.svg\" class=\"center\" />\n<figcaption>Figure 4-1: A &amp; B</figcaption>\n</figure>\n<img src=\"\"><p>After <img src='b.png'> end.</p>";
        assert_eq!(
            html_pieces(html, 2),
            [
                HtmlPiece::Text("Before.".into()),
                HtmlPiece::Image(0),
                HtmlPiece::Caption("Figure 4-1: A & B".into()),
                HtmlPiece::Text("After".into()),
                HtmlPiece::Image(1),
                HtmlPiece::Text("end.".into()),
            ]
        );
        // Images the tags do not account for still show, after the text.
        assert_eq!(
            html_pieces("<p>x</p>", 1),
            [HtmlPiece::Text("x".into()), HtmlPiece::Image(0)]
        );
    }
}
