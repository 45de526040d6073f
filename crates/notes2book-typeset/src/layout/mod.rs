//! Blocks → a vertical list of lines and boxes with keep rules, ready for pagination.
//!
//! Every item is either a line of text (or a table row, a figure, a code line) with its
//! height and drawings, or vertical space. Keep rules decide where a page may break:
//! never after a heading, never after a paragraph's first line (orphan) or before its last
//! line (widow), never inside a figure or a table row.

mod blocks;
mod code;
mod figure;
pub mod table;

use std::sync::Arc;

use notes2book_model::{Block, Chapter, Figure, ImageId, Inline};

use crate::fonts::Style;
use crate::frame::{Draw, PlacedGlyph, Tag, TagKind};
use crate::inline::{self, Align, Fmt, LineOut, ParaStyle, Shaper};

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
    /// The innermost block this item belongs to.
    pub tag: Option<Arc<Tag>>,
    /// A figure in the main text: when it does not fit at the foot of a page, the text
    /// after it may move up to fill the page.
    pub float: bool,
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
pub type ImageInfo<'b> = &'b (dyn Fn(ImageId) -> Option<(f32, f32)> + Sync);

/// Page geometry and type settings the layout needs.
#[derive(Debug, Clone)]
pub struct Geometry {
    pub measure: f32,
    pub page_height: f32,
    pub size: f32,
    pub leading: f32,
    pub justify: bool,
    pub hyphenate: bool,
    /// Where highlighted code is kept between runs.
    pub cache: Option<std::path::PathBuf>,
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
    /// The block being laid out, parent of the blocks inside it.
    tag: Option<Arc<Tag>>,
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
            tag: None,
        }
    }

    /// The vertical list of a chapter, starting with its title.
    pub fn chapter(&mut self, ch: &Chapter) -> Vec<VItem> {
        let mut out = Vec::new();
        // The chapter is the parent of its title and blocks, in its note's language.
        let chapter = Arc::new(Tag {
            kind: TagKind::Chapter,
            span: ch.span,
            parent: None,
            alt: None,
            lang: ch.front.lang.clone(),
        });
        let ctx = Ctx {
            tag: Some(chapter.clone()),
            ..self.ctx()
        };
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
            &Fmt::new(Style::Heading, size),
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
        tag_untagged(
            &mut out,
            Some(&Tag::new(TagKind::Title, ch.span, Some(chapter))),
        );
        self.blocks(&ch.blocks, &ctx, &mut out);
        out
    }

    /// The vertical list of one footnote, at the footnote size.
    pub fn footnote(&mut self, number: u32, blocks: &[Block]) -> Vec<VItem> {
        let size = self.geo.size * 0.82;
        let leading = size * 1.3;
        let indent = size * 1.6;
        // A right-to-left note hangs its number on the right.
        let rtl = blocks::blocks_rtl(blocks).unwrap_or(self.shaper.rtl());
        let ctx = Ctx {
            left: if rtl { 0.0 } else { indent },
            width: self.geo.measure - indent,
            size,
            leading,
            deco: Vec::new(),
            first: true,
            tight: false,
            tag: Some(Tag::new(TagKind::Footnote, None, None)),
        };
        let mut out = Vec::new();
        self.blocks(blocks, &ctx, &mut out);
        tag_untagged(&mut out, ctx.tag.as_ref());
        // The number hangs in the indent of the first line.
        if let Some(first) = out.iter_mut().find(|i| !i.discardable) {
            let fmt = Fmt::new(Style::Regular, size);
            let (label, x) = if rtl {
                (format!(".{number}"), self.geo.measure - indent + size * 0.4)
            } else {
                (format!("{number}."), 0.0)
            };
            if let Some(d) = self.label(&label, &fmt, x, baseline_of(first)) {
                first.draws.push(d);
            }
        }
        out
    }

    fn blocks(&mut self, blocks: &[Block], ctx: &Ctx, out: &mut Vec<VItem>) {
        let mut ctx = ctx.clone();
        let parent = ctx.tag.clone();
        for (i, block) in blocks.iter().enumerate() {
            let start = out.len();
            let tag = block_tag(block, parent.clone());
            ctx.tag = Some(tag.clone());
            self.block(block, &ctx, out);
            tag_untagged(&mut out[start..], Some(&tag));
            ctx.tag = parent.clone();
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
        let para = ParaStyle::ragged(Align::Left, false);
        let p = inline::prepare(
            &mut self.shaper,
            &[Inline::Text(text.into())],
            fmt,
            &para,
            1e6,
            &|_| None,
        );
        // Set on its own width: a label in a right-to-left chapter must not be aligned to
        // the right of a huge measure.
        let natural = p.widths().0;
        let line = inline::set_lines(&mut self.shaper, &p, natural, &para, fmt.size)
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
        let para = ParaStyle::ragged(align, hyphenate);
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
        let para = ParaStyle::ragged(align, self.geo.hyphenate);
        let p = inline::prepare(&mut self.shaper, content, fmt, &para, width, self.images);
        inline::set_lines(&mut self.shaper, &p, width, &para, leading)
    }

    /// Natural (one-line) width and longest unbreakable piece of some inlines.
    pub fn measure_inlines(&mut self, content: &[Inline], fmt: &Fmt) -> (f32, f32) {
        let para = ParaStyle::ragged(Align::Left, false);
        let p = inline::prepare(&mut self.shaper, content, fmt, &para, 1e6, self.images);
        p.widths()
    }
}

/// Items not yet tagged by a block inside get `tag`.
fn tag_untagged(items: &mut [VItem], tag: Option<&Arc<Tag>>) {
    for item in items.iter_mut().filter(|i| i.tag.is_none()) {
        item.tag = tag.cloned();
    }
}

/// A block's tag; figures and formulas carry what they show in words.
fn block_tag(block: &Block, parent: Option<Arc<Tag>>) -> Arc<Tag> {
    let kind = tag_kind(block);
    let alt = match block {
        Block::Figure(f) => figure_alt(f),
        Block::Math { tex, .. } => Some(tex.trim().to_string()),
        _ => None,
    };
    match alt {
        Some(alt) => Tag::described(kind, block.span(), parent, alt),
        None => Tag::new(kind, block.span(), parent),
    }
}

/// What a figure shows in words: its alternative text, else its caption.
fn figure_alt(f: &Figure) -> Option<String> {
    Some(f.alt.trim())
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .or_else(|| Some(notes2book_model::plain_text(&f.caption)))
        .filter(|c| !c.trim().is_empty())
}

/// The tag of a figure that is not a block of its own (an image in raw HTML).
fn figure_tag(f: &Figure, parent: Option<Arc<Tag>>) -> Arc<Tag> {
    match figure_alt(f) {
        Some(alt) => Tag::described(TagKind::Figure, f.span, parent, alt),
        None => Tag::new(TagKind::Figure, f.span, parent),
    }
}

fn tag_kind(block: &Block) -> TagKind {
    match block {
        Block::Paragraph { .. } => TagKind::Paragraph,
        Block::Heading { level, .. } => TagKind::Heading(*level),
        Block::BlockQuote { .. } => TagKind::Quote,
        Block::Callout { .. } => TagKind::Callout,
        Block::List { .. } | Block::Bibliography { .. } => TagKind::List,
        Block::DefinitionList { .. } => TagKind::DefinitionList,
        Block::CodeBlock { .. } => TagKind::Code,
        Block::Table { .. } => TagKind::Table,
        Block::Figure(_) => TagKind::Figure,
        Block::Math { .. } => TagKind::Math,
        Block::Details { .. } => TagKind::Details,
        Block::Embed { .. } => TagKind::Embed,
        Block::Html { .. } => TagKind::Html,
        Block::Rule { .. } => TagKind::Rule,
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
    let height = top + (leading * 0.22).max(line.descent);
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
