//! Markdown (pulldown-cmark events with offsets) to model blocks, for one note.
//!
//! The converter keeps an explicit stack of frames instead of recursing, so deeply nested
//! input cannot overflow the stack. Containers nested deeper than [`MAX_NESTING`] are
//! flattened into their parent (with one warning), which also bounds the depth of the
//! model tree. Shortcode placeholders (see `shortcode.rs`) are turned into nodes here.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;

use notes2book_model::{
    Align, Block, CodeOptions, DefinitionItem, Diagnostic, Figure, Footnote, ImageId, ImageStatus,
    ImageSyntax, ImageUse, Inline, Length, Link, LinkSyntax, LinkTarget, ListItem, Span, Value,
    plain_text, slugify,
};
use pulldown_cmark::{
    Alignment, BlockQuoteKind, CodeBlockKind, Event, HeadingLevel, LinkType, Options, Parser, Tag,
    TagEnd,
};

use crate::obsidian;
use crate::segmap::SegMap;
use crate::shortcode::{self, DROP, DROP_FILL, Kind, MARK, MATH_FILL, MATH_MARK, Shortcode};

/// Deepest nesting of containers (block quotes, lists, emphasis, ...) kept as structure.
pub const MAX_NESTING: usize = 64;

/// Internal marker for a block-level item found inside a paragraph (`U+E001` + index).
const BLOCK_MARK: char = '\u{E001}';

/// The one place where the Markdown options are chosen. `[[wikilinks]]` only where the
/// author's tool reads them (Hugo and mdBook show them as written).
pub fn options(wikilinks: bool) -> Options {
    let wiki = if wikilinks {
        Options::ENABLE_WIKILINKS
    } else {
        Options::empty()
    };
    wiki | Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
        | Options::ENABLE_DEFINITION_LIST
}

/// What the converter needs to know about the note.
pub struct Input<'a> {
    /// The Markdown body with shortcode placeholders.
    pub body: &'a str,
    /// The body before placeholders were put in (for code, where shortcodes show as text).
    pub original: &'a str,
    /// Offset of `body` in the text that `map` describes.
    pub base: usize,
    pub map: &'a SegMap,
    pub shortcodes: &'a [Shortcode],
    /// Front matter values for the `param` shortcode: the note's, then the book's.
    pub params: &'a BTreeMap<String, Value>,
    pub site_params: &'a BTreeMap<String, Value>,
    pub note_dir: PathBuf,
    pub in_bundle: bool,
    /// Read `[[wikilinks]]` and `![[embeds]]`.
    pub wikilinks: bool,
}

/// The converted note body.
#[derive(Debug, Default)]
pub struct Output {
    pub blocks: Vec<Block>,
    pub footnotes: Vec<Footnote>,
    /// Note-local image uses; `ImageId`s in the blocks index this list.
    pub images: Vec<ImageUse>,
    pub diags: Vec<Diagnostic>,
}

enum Marker {
    Block(Box<Block>),
    DetailsOpen {
        summary: String,
        open: bool,
        span: Span,
    },
    DetailsClose {
        open: usize,
    },
}

#[derive(Clone, Copy, PartialEq)]
enum SpanKind {
    Emph,
    Strong,
    Strike,
}

enum Frame {
    Root {
        blocks: Vec<Block>,
    },
    Para {
        inlines: Vec<Inline>,
        start: usize,
        implicit: bool,
    },
    Heading {
        level: u8,
        id: Option<String>,
        classes: Vec<String>,
        inlines: Vec<Inline>,
        start: usize,
    },
    Quote {
        kind: Option<BlockQuoteKind>,
        blocks: Vec<Block>,
        start: usize,
        end: usize,
    },
    Code {
        lang: Option<String>,
        options: CodeOptions,
        text: String,
        start: usize,
    },
    Html {
        text: String,
        start: usize,
    },
    List {
        first: Option<u64>,
        items: Vec<ListItem>,
        loose: bool,
        start: usize,
    },
    Item {
        blocks: Vec<Block>,
        task: Option<bool>,
        explicit_para: bool,
    },
    FootDef {
        label: String,
        blocks: Vec<Block>,
        start: usize,
    },
    DefList {
        items: Vec<DefinitionItem>,
        start: usize,
    },
    DefTitle {
        inlines: Vec<Inline>,
    },
    DefDef {
        blocks: Vec<Block>,
    },
    Table {
        align: Vec<Align>,
        head: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
        row: Vec<Vec<Inline>>,
        start: usize,
    },
    Cell {
        inlines: Vec<Inline>,
    },
    Span {
        kind: SpanKind,
        inlines: Vec<Inline>,
    },
    Link {
        dest: String,
        title: String,
        link_type: LinkType,
        inlines: Vec<Inline>,
        start: usize,
        end: usize,
    },
    Image {
        dest: String,
        title: String,
        link_type: LinkType,
        inlines: Vec<Inline>,
        start: usize,
        end: usize,
    },
    Details {
        marker: usize,
        summary: String,
        open: bool,
        blocks: Vec<Block>,
        span: Span,
    },
    /// A container past the nesting limit: its content goes to the frame below.
    Skip,
}

impl Frame {
    fn is_block_container(&self) -> bool {
        matches!(
            self,
            Frame::Root { .. }
                | Frame::Quote { .. }
                | Frame::Item { .. }
                | Frame::FootDef { .. }
                | Frame::DefDef { .. }
                | Frame::Details { .. }
        )
    }

    fn blocks_mut(&mut self) -> Option<&mut Vec<Block>> {
        match self {
            Frame::Root { blocks }
            | Frame::Quote { blocks, .. }
            | Frame::Item { blocks, .. }
            | Frame::FootDef { blocks, .. }
            | Frame::DefDef { blocks }
            | Frame::Details { blocks, .. } => Some(blocks),
            _ => None,
        }
    }

    fn inlines_mut(&mut self) -> Option<&mut Vec<Inline>> {
        match self {
            Frame::Para { inlines, .. }
            | Frame::Heading { inlines, .. }
            | Frame::DefTitle { inlines }
            | Frame::Cell { inlines }
            | Frame::Span { inlines, .. }
            | Frame::Link { inlines, .. }
            | Frame::Image { inlines, .. } => Some(inlines),
            _ => None,
        }
    }
}

struct Converter<'a> {
    input: &'a Input<'a>,
    stack: Vec<Frame>,
    /// Indices of the frames on `stack` that are not `Skip`, so that finding the innermost
    /// real frame does not walk past thousands of skipped levels on every event.
    real: Vec<usize>,
    depth: usize,
    deep_warned: bool,
    markers: Vec<Marker>,
    footnote_numbers: BTreeMap<String, u32>,
    footnote_order: Vec<String>,
    footnote_defs: BTreeMap<String, (Vec<Block>, Span)>,
    out: Output,
    /// Shortcode index → marker index of its `details` opening, to match the closing tag.
    details_open: BTreeMap<usize, usize>,
    /// Anchors of a paragraph that held nothing else (`<a id="x"></a>` on its own line):
    /// they go to the start of the next block.
    pending_anchors: Vec<Inline>,
    /// Shortcode index of an opening tag → index of its closing tag.
    closing: Vec<Option<usize>>,
    /// Text put in by `{{< param >}}` so far (see [`MAX_PARAM_TEXT`]).
    param_text: usize,
}

/// Most text `{{< param >}}` may put into one note: a 1 MB parameter used 1,000 times
/// would otherwise make a 2 MB note a 1 GB chapter.
pub const MAX_PARAM_TEXT: usize = 1024 * 1024;

/// Pairs each opening shortcode with its closing tag (same name, innermost first) in one
/// pass; searching forward from each opening cost n² for n nested or unclosed ones.
fn pair_shortcodes(shortcodes: &[Shortcode]) -> Vec<Option<usize>> {
    let mut closing = vec![None; shortcodes.len()];
    let mut open: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, sc) in shortcodes.iter().enumerate() {
        match sc.kind {
            Kind::Open => open.entry(sc.name.as_str()).or_default().push(i),
            Kind::Close => {
                if let Some(o) = open.get_mut(sc.name.as_str()).and_then(Vec::pop) {
                    closing[o] = Some(i);
                }
            }
            _ => {}
        }
    }
    closing
}

pub fn convert(input: &Input<'_>) -> Output {
    let mut c = Converter {
        input,
        stack: vec![Frame::Root { blocks: Vec::new() }],
        real: vec![0],
        depth: 0,
        deep_warned: false,
        markers: Vec::new(),
        footnote_numbers: BTreeMap::new(),
        footnote_order: Vec::new(),
        footnote_defs: BTreeMap::new(),
        out: Output::default(),
        details_open: BTreeMap::new(),
        pending_anchors: Vec::new(),
        closing: pair_shortcodes(input.shortcodes),
        param_text: 0,
    };
    let parser = Parser::new_ext(input.body, options(input.wikilinks)).into_offset_iter();
    for (event, range) in parser {
        c.event(event, range);
    }
    c.finish()
}

/// A link's destination; in a table, Obsidian writes a wikilink's `|` as `\|`
/// (`[[Engelbart.jpg\|100]]`), which leaves a `\` at the end of the target.
fn wiki_dest(dest: &str, link_type: LinkType) -> String {
    match link_type {
        LinkType::WikiLink { .. } => dest.strip_suffix('\\').unwrap_or(dest).to_owned(),
        _ => dest.to_owned(),
    }
}

fn heading_level(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Elements opened minus elements closed in an HTML fragment (void elements, comments,
/// declarations and self-closed tags count for nothing).
fn html_balance(html: &str) -> i64 {
    let mut balance = 0i64;
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        if let Some(closing) = tag.strip_prefix('/') {
            if closing.starts_with(|c: char| c.is_ascii_alphabetic()) {
                balance -= 1;
            }
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let void = matches!(
            name.as_str(),
            "area"
                | "base"
                | "br"
                | "col"
                | "embed"
                | "hr"
                | "img"
                | "input"
                | "link"
                | "meta"
                | "source"
                | "track"
                | "wbr"
        );
        if !name.is_empty() && !void && !tag.ends_with('/') {
            balance += 1;
        }
    }
    balance
}

/// True for destinations that leave the book (`https:`, `mailto:`, ...).
pub fn is_external(dest: &str) -> bool {
    if dest.starts_with("//") {
        return true;
    }
    let Some(colon) = dest.find(':') else {
        return false;
    };
    let scheme = &dest[..colon];
    colon > 1
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
}

const IMAGE_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff", "svg", "avif",
];

pub fn is_image_path(dest: &str) -> bool {
    let path = dest.split(['#', '?']).next().unwrap_or(dest);
    path.rsplit_once('.')
        .is_some_and(|(_, ext)| IMAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

impl<'a> Converter<'a> {
    fn span(&self, range: Range<usize>) -> Span {
        let b = self.input.base;
        self.input.map.span(b + range.start..b + range.end)
    }

    fn top(&mut self) -> &mut Frame {
        // The root frame is never popped.
        let n = self.stack.len() - 1;
        &mut self.stack[n]
    }

    /// Index of the topmost frame that is not a `Skip`.
    fn real_top(&self) -> usize {
        self.real.last().copied().unwrap_or(0)
    }

    /// The innermost real frame (at or below the top) that `is` accepts.
    fn innermost(&self, is: impl Fn(&Frame) -> bool) -> Option<usize> {
        self.real
            .iter()
            .rev()
            .copied()
            .find(|&j| is(&self.stack[j]))
    }

    /// Every push goes through here, to keep `real` in step with `stack`.
    fn push_raw(&mut self, frame: Frame) {
        if !matches!(frame, Frame::Skip) {
            self.real.push(self.stack.len());
        }
        self.stack.push(frame);
    }

    /// Every pop goes through here, to keep `real` in step with `stack`.
    fn pop_raw(&mut self) -> Option<Frame> {
        let f = self.stack.pop()?;
        if self.real.last() == Some(&self.stack.len()) {
            self.real.pop();
        }
        Some(f)
    }

    fn push_frame(&mut self, frame: Frame, range: &Range<usize>) {
        if self.depth >= MAX_NESTING {
            if !self.deep_warned {
                self.deep_warned = true;
                let span = self.span(range.clone());
                self.out.diags.push(
                    Diagnostic::warning(
                        "nesting-too-deep",
                        format!("content is nested more than {MAX_NESTING} levels deep; the deeper levels are flattened"),
                    )
                    .at(span)
                    .hint("reduce the nesting of quotes, lists or emphasis"),
                );
            }
            self.push_raw(Frame::Skip);
        } else {
            self.depth += 1;
            self.push_raw(frame);
        }
    }

    fn pop_frame(&mut self) -> Frame {
        if self.stack.len() <= 1 {
            return Frame::Skip;
        }
        let f = self.pop_raw().unwrap_or(Frame::Skip);
        if !matches!(f, Frame::Skip) {
            self.depth = self.depth.saturating_sub(1);
        }
        f
    }

    fn close_implicit_para(&mut self) {
        if matches!(self.top(), Frame::Para { implicit: true, .. })
            && let Frame::Para { inlines, start, .. } = self.pop_frame()
        {
            self.finish_paragraph(inlines, start, start);
        }
    }

    /// Blank lines end an HTML block in CommonMark, so `<figure>`, an `<img>`, a
    /// `<figcaption>` and `</figure>` written with blank lines between them are four blocks.
    /// One whose elements are still open takes the next HTML block into itself, so the
    /// backends see the element whole. Returns whether `html` was taken.
    fn continue_html(&mut self, html: &str, images: &[ImageId], span: Span) -> bool {
        self.close_implicit_para();
        let i = self.innermost(Frame::is_block_container).unwrap_or(0);
        let Some(Block::Html {
            html: open,
            images: imgs,
            span: Some(open_span),
        }) = self.stack[i].blocks_mut().and_then(|b| b.last_mut())
        else {
            return false;
        };
        if open_span.file_id() != span.file_id() || html_balance(open) <= 0 {
            return false;
        }
        open.push_str("\n\n");
        open.push_str(html);
        imgs.extend_from_slice(images);
        *open_span = Span::new(
            open_span.file_id(),
            open_span.start as usize,
            span.end as usize,
        );
        true
    }

    fn push_block(&mut self, mut block: Block) {
        self.close_implicit_para();
        if !self.pending_anchors.is_empty() {
            match &mut block {
                Block::Paragraph { content, .. } | Block::Heading { content, .. } => {
                    content.splice(0..0, std::mem::take(&mut self.pending_anchors));
                }
                _ => self.flush_anchors(),
            }
        }
        let i = self.innermost(Frame::is_block_container).unwrap_or(0);
        if let Some(blocks) = self.stack[i].blocks_mut() {
            blocks.push(block);
        }
    }

    /// The empty caption of a table just written, for `Table: …` after it.
    fn uncaptioned_table(&mut self) -> Option<&mut Vec<Inline>> {
        let i = self.innermost(Frame::is_block_container).unwrap_or(0);
        match self.stack[i].blocks_mut()?.last_mut()? {
            Block::Table { caption, .. } if caption.is_empty() => Some(caption),
            _ => None,
        }
    }

    /// A `Table: …` paragraph just before a table is its caption: taken out of the text.
    fn caption_before_table(&mut self) -> Vec<Inline> {
        let i = self.innermost(Frame::is_block_container).unwrap_or(0);
        let Some(blocks) = self.stack[i].blocks_mut() else {
            return Vec::new();
        };
        match blocks.last() {
            Some(Block::Paragraph { content, .. }) if is_table_caption(content) => {}
            _ => return Vec::new(),
        }
        match blocks.pop() {
            Some(Block::Paragraph { content, .. }) => table_caption(content),
            _ => Vec::new(),
        }
    }

    /// Anchors with no block after them to join: a paragraph of their own.
    fn flush_anchors(&mut self) {
        if self.pending_anchors.is_empty() {
            return;
        }
        let content = std::mem::take(&mut self.pending_anchors);
        let i = self.innermost(Frame::is_block_container).unwrap_or(0);
        if let Some(blocks) = self.stack[i].blocks_mut() {
            blocks.push(Block::Paragraph {
                content,
                span: None,
            });
        }
    }

    fn push_inline(&mut self, inline: Inline, at: usize) {
        let i = self.real_top();
        if self.stack[i].is_block_container() {
            // A line break with no paragraph around it means nothing.
            if matches!(inline, Inline::SoftBreak | Inline::HardBreak) {
                return;
            }
            self.push_raw(Frame::Para {
                inlines: Vec::new(),
                start: at,
                implicit: true,
            });
            self.depth += 1;
        }
        let i = self.real_top();
        if let Some(inlines) = self.stack[i].inlines_mut() {
            push_merged(inlines, inline);
        }
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        match event {
            Event::Start(tag) => self.start(tag, range),
            Event::End(tag) => self.end(tag, range),
            Event::Text(t) => self.text(&t, range),
            Event::Code(t) => {
                let code = shortcode::restore(&t, self.input.shortcodes, self.input.original);
                self.push_inline(Inline::Code(code), range.start)
            }
            // Math is found before the Markdown parser runs (`texmath`); its own math
            // extension is off.
            Event::InlineMath(_) | Event::DisplayMath(_) => {}
            Event::Html(t) => {
                let i = self.real_top();
                if let Frame::Html { text, .. } = &mut self.stack[i] {
                    text.push_str(&t);
                }
            }
            Event::InlineHtml(t) => {
                if is_comment(&t) {
                    return;
                }
                if let Some(anchor) = html_anchor(&t) {
                    self.push_inline(anchor, range.start);
                    return;
                }
                let span = self.span(range.clone());
                let images = self.html_images(&t, span);
                self.push_inline(
                    Inline::Html {
                        html: t.to_string(),
                        images,
                        span: Some(span),
                    },
                    range.start,
                )
            }
            Event::FootnoteReference(label) => {
                let next = self.footnote_numbers.len() as u32 + 1;
                let number = *self
                    .footnote_numbers
                    .entry(label.to_string())
                    .or_insert_with(|| {
                        self.footnote_order.push(label.to_string());
                        next
                    });
                let span = self.span(range.clone());
                self.push_inline(
                    Inline::FootnoteRef {
                        number,
                        span: Some(span),
                    },
                    range.start,
                )
            }
            Event::SoftBreak => self.push_inline(Inline::SoftBreak, range.start),
            Event::HardBreak => self.push_inline(Inline::HardBreak, range.start),
            Event::Rule => {
                let span = self.span(range);
                self.push_block(Block::Rule { span: Some(span) })
            }
            Event::TaskListMarker(checked) => {
                let i = self.innermost(|f| matches!(f, Frame::Item { .. }));
                if let Some(Frame::Item { task, .. }) = i.map(|i| &mut self.stack[i]) {
                    *task = Some(checked);
                }
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>, range: Range<usize>) {
        let s = range.start;
        let frame = match tag {
            Tag::Paragraph => {
                self.close_implicit_para();
                let top = self.real_top();
                if let Some(Frame::Item { explicit_para, .. }) = self.stack.get_mut(top) {
                    *explicit_para = true;
                }
                Frame::Para {
                    inlines: Vec::new(),
                    start: s,
                    implicit: false,
                }
            }
            Tag::Heading {
                level, id, classes, ..
            } => {
                self.close_implicit_para();
                Frame::Heading {
                    level: heading_level(level),
                    id: id.map(|i| i.to_string()),
                    classes: classes.into_iter().map(|c| c.to_string()).collect(),
                    inlines: Vec::new(),
                    start: s,
                }
            }
            Tag::BlockQuote(kind) => {
                self.close_implicit_para();
                Frame::Quote {
                    kind,
                    blocks: Vec::new(),
                    start: s,
                    end: range.end,
                }
            }
            Tag::CodeBlock(kind) => {
                self.close_implicit_para();
                // ```` ```go {linenos=table,hl_lines=[2,"4-5"]} ````: Hugo's fence attributes.
                let (lang, options) = match kind {
                    CodeBlockKind::Fenced(info) => {
                        let lang = info
                            .split([' ', ',', '{'])
                            .next()
                            .filter(|l| !l.is_empty())
                            .map(str::to_owned);
                        let attrs = info
                            .find('{')
                            .map_or("", |i| info[i + 1..].trim_end().trim_end_matches('}'));
                        (lang, code_options(attrs))
                    }
                    CodeBlockKind::Indented => (None, code_options("")),
                };
                Frame::Code {
                    lang,
                    options,
                    text: String::new(),
                    start: s,
                }
            }
            Tag::HtmlBlock => {
                self.close_implicit_para();
                Frame::Html {
                    text: String::new(),
                    start: s,
                }
            }
            Tag::List(first) => {
                self.close_implicit_para();
                Frame::List {
                    first,
                    items: Vec::new(),
                    loose: false,
                    start: s,
                }
            }
            Tag::Item => Frame::Item {
                blocks: Vec::new(),
                task: None,
                explicit_para: false,
            },
            Tag::FootnoteDefinition(label) => {
                self.close_implicit_para();
                Frame::FootDef {
                    label: label.to_string(),
                    blocks: Vec::new(),
                    start: s,
                }
            }
            Tag::DefinitionList => {
                self.close_implicit_para();
                Frame::DefList {
                    items: Vec::new(),
                    start: s,
                }
            }
            Tag::DefinitionListTitle => Frame::DefTitle {
                inlines: Vec::new(),
            },
            Tag::DefinitionListDefinition => Frame::DefDef { blocks: Vec::new() },
            Tag::Table(aligns) => {
                self.close_implicit_para();
                let align = aligns
                    .iter()
                    .map(|a| match a {
                        Alignment::None => Align::None,
                        Alignment::Left => Align::Left,
                        Alignment::Center => Align::Center,
                        Alignment::Right => Align::Right,
                    })
                    .collect();
                Frame::Table {
                    align,
                    head: Vec::new(),
                    rows: Vec::new(),
                    row: Vec::new(),
                    start: s,
                }
            }
            Tag::TableHead | Tag::TableRow => return,
            Tag::TableCell => Frame::Cell {
                inlines: Vec::new(),
            },
            Tag::Emphasis => self.inline_frame(SpanKind::Emph, s),
            Tag::Strong => self.inline_frame(SpanKind::Strong, s),
            Tag::Strikethrough => self.inline_frame(SpanKind::Strike, s),
            // Not enabled; kept as plain content if they ever appear.
            Tag::Superscript | Tag::Subscript | Tag::MetadataBlock(_) => {
                self.push_raw(Frame::Skip);
                return;
            }
            Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            } => {
                self.ensure_inline_container(s);
                Frame::Link {
                    dest: wiki_dest(&dest_url, link_type),
                    title: title.to_string(),
                    link_type,
                    inlines: Vec::new(),
                    start: s,
                    end: range.end,
                }
            }
            Tag::Image {
                link_type,
                dest_url,
                title,
                ..
            } => {
                self.ensure_inline_container(s);
                Frame::Image {
                    dest: wiki_dest(&dest_url, link_type),
                    title: title.to_string(),
                    link_type,
                    inlines: Vec::new(),
                    start: s,
                    end: range.end,
                }
            }
        };
        self.push_frame(frame, &range);
    }

    fn inline_frame(&mut self, kind: SpanKind, s: usize) -> Frame {
        self.ensure_inline_container(s);
        Frame::Span {
            kind,
            inlines: Vec::new(),
        }
    }

    /// Inline content directly in a list item (tight lists) gets an implicit paragraph.
    fn ensure_inline_container(&mut self, at: usize) {
        let i = self.real_top();
        if self.stack[i].is_block_container() {
            self.push_raw(Frame::Para {
                inlines: Vec::new(),
                start: at,
                implicit: true,
            });
            self.depth += 1;
        }
    }

    fn end(&mut self, tag: TagEnd, range: Range<usize>) {
        if matches!(tag, TagEnd::TableHead | TagEnd::TableRow) {
            let i = self.real_top();
            if let Frame::Table {
                head, rows, row, ..
            } = &mut self.stack[i]
            {
                let r = std::mem::take(row);
                if matches!(tag, TagEnd::TableHead) {
                    *head = r;
                } else {
                    rows.push(r);
                }
            }
            return;
        }
        // An implicit paragraph never has an end event of its own: it ends with whatever
        // ends next (also a paragraph that was flattened past the nesting limit).
        self.close_implicit_para();
        // A `details` shortcode left open inside a container ends with it.
        while matches!(self.top(), Frame::Details { .. })
            && !matches!(
                tag,
                TagEnd::Paragraph
                    | TagEnd::Emphasis
                    | TagEnd::Strong
                    | TagEnd::Strikethrough
                    | TagEnd::Link
                    | TagEnd::Image
            )
        {
            self.close_details(None);
        }
        let frame = self.pop_frame();
        match frame {
            Frame::Skip | Frame::Root { .. } => {}
            Frame::Para { inlines, start, .. } => self.finish_paragraph(inlines, start, range.end),
            Frame::Heading {
                level,
                id,
                classes,
                inlines,
                start,
            } => {
                let span = self.span(start..range.end);
                let content = obsidian::highlights(trim_breaks(inlines));
                let id = id.unwrap_or_else(|| notes2book_model::slugify(&plain_text(&content)));
                self.push_block(Block::Heading {
                    level,
                    id,
                    classes,
                    content,
                    in_toc: true,
                    span: Some(span),
                });
            }
            Frame::Quote {
                kind,
                blocks,
                start,
                end,
            } => {
                let span = self.span(start..end);
                let block = match kind {
                    Some(k) => Block::Callout {
                        kind: obsidian::gfm_kind(k).into(),
                        title: vec![Inline::Text(obsidian::gfm_title(k).into())],
                        folded: None,
                        blocks,
                        span: Some(span),
                    },
                    None => obsidian::callout(blocks, span),
                };
                self.push_block(block);
            }
            Frame::Code {
                lang,
                options,
                text,
                start,
            } => {
                let span = self.span(start..range.end);
                let code = shortcode::restore(&text, self.input.shortcodes, self.input.original);
                let code = code.strip_suffix('\n').unwrap_or(&code).to_owned();
                // GitHub's ```` ```math ```` fence is display math.
                if lang
                    .as_deref()
                    .is_some_and(|l| l.eq_ignore_ascii_case("math"))
                {
                    let block = self.display_math(&code, span, start..range.end);
                    self.push_block(block);
                    return;
                }
                self.push_block(Block::CodeBlock {
                    lang,
                    code,
                    options,
                    span: Some(span),
                });
            }
            Frame::Html { text, start } => {
                if is_comment(&text) {
                    return;
                }
                let span = self.span(start..range.end);
                let html = shortcode::restore(&text, self.input.shortcodes, self.input.original);
                let images = self.html_images(&html, span);
                if !self.continue_html(&html, &images, span) {
                    self.push_block(Block::Html {
                        html,
                        images,
                        span: Some(span),
                    });
                }
            }
            Frame::List {
                first,
                items,
                loose,
                start,
            } => {
                let span = self.span(start..range.end);
                let block = Block::List {
                    start: first,
                    tight: !loose,
                    items,
                    span: Some(span),
                };
                self.push_block(block);
            }
            Frame::Item {
                blocks,
                task,
                explicit_para,
            } => {
                let i = self.real_top();
                if let Frame::List { items, loose, .. } = &mut self.stack[i] {
                    items.push(ListItem { task, blocks });
                    *loose |= explicit_para;
                }
            }
            Frame::FootDef {
                label,
                blocks,
                start,
            } => {
                let span = self.span(start..range.end);
                self.footnote_defs.insert(label, (blocks, span));
            }
            Frame::DefList { items, start } => {
                let span = self.span(start..range.end);
                self.push_block(Block::DefinitionList {
                    items,
                    span: Some(span),
                });
            }
            Frame::DefTitle { inlines } => {
                let i = self.real_top();
                if let Frame::DefList { items, .. } = &mut self.stack[i] {
                    // A term is a place links lead to (`#publishdir`), as with Hugo's
                    // `autoDefinitionTermID`.
                    let mut term = trim_breaks(inlines);
                    let name = slugify(&plain_text(&term));
                    if !plain_text(&term).trim().is_empty() {
                        term.insert(
                            0,
                            Inline::Anchor {
                                id: name.clone(),
                                name,
                            },
                        );
                    }
                    items.push(DefinitionItem {
                        term,
                        definitions: Vec::new(),
                    });
                }
            }
            Frame::DefDef { blocks } => {
                let i = self.real_top();
                if let Frame::DefList { items, .. } = &mut self.stack[i] {
                    match items.last_mut() {
                        Some(item) => item.definitions.push(blocks),
                        None => items.push(DefinitionItem {
                            term: Vec::new(),
                            definitions: vec![blocks],
                        }),
                    }
                }
            }
            Frame::Table {
                align,
                head,
                rows,
                start,
                ..
            } => {
                let span = self.span(start..range.end);
                let caption = self.caption_before_table();
                self.push_block(Block::Table {
                    align,
                    head,
                    rows,
                    caption,
                    span: Some(span),
                });
            }
            Frame::Cell { inlines } => {
                let i = self.real_top();
                if let Frame::Table { row, .. } = &mut self.stack[i] {
                    row.push(autolink(obsidian::highlights(trim_breaks(inlines))));
                }
            }
            Frame::Span { kind, inlines } => {
                let inline = match kind {
                    SpanKind::Emph => Inline::Emph(inlines),
                    SpanKind::Strong => Inline::Strong(inlines),
                    SpanKind::Strike => Inline::Strike(inlines),
                };
                self.push_inline(inline, range.start);
            }
            Frame::Link {
                dest,
                title,
                link_type,
                inlines,
                start,
                end,
            } => self.finish_link(dest, title, link_type, inlines, start..end),
            Frame::Image {
                dest,
                title,
                link_type,
                inlines,
                start,
                end,
            } => self.finish_image(dest, title, link_type, inlines, start..end),
            Frame::Details { .. } => {}
        }
    }

    fn text(&mut self, t: &str, range: Range<usize>) {
        let i = self.real_top();
        match &mut self.stack[i] {
            Frame::Code { text, .. } | Frame::Html { text, .. } => {
                text.push_str(t);
                return;
            }
            _ => {}
        }
        if !t.contains(MARK)
            && !t.contains(DROP)
            && !t.contains(DROP_FILL)
            && !t.contains(MATH_MARK)
        {
            self.push_inline(Inline::Text(t.to_owned()), range.start);
            return;
        }
        // Split around placeholders; the event text maps 1:1 to the source here.
        let mut rest = t;
        let mut offset = range.start;
        while let Some(p) = rest.find([MARK, MATH_MARK]) {
            self.plain(&rest[..p], offset);
            if rest[p..].starts_with(MATH_MARK) {
                let width = shortcode::math_width(self.input.shortcodes.len());
                let found = shortcode::math_index(&rest[p..], width)
                    .and_then(|i| self.input.shortcodes.get(i).map(|s| (i, s)));
                let Some((idx, sc)) = found else {
                    rest = &rest[p + MATH_MARK.len_utf8()..];
                    offset += p + MATH_MARK.len_utf8();
                    continue;
                };
                let len = sc.range.len().min(rest.len() - p);
                self.shortcode(idx, sc);
                rest = &rest[p + len..];
                offset += p + len;
                continue;
            }
            let after = &rest[p + MARK.len_utf8()..];
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            let Some((idx, sc)) = digits
                .parse::<usize>()
                .ok()
                .and_then(|i| self.input.shortcodes.get(i).map(|s| (i, s)))
            else {
                rest = after;
                offset += p + MARK.len_utf8();
                continue;
            };
            let len = shortcode::placeholder_len(&rest[p..], sc.range.len());
            self.shortcode(idx, sc);
            rest = &rest[p + len..];
            offset += p + len;
        }
        self.plain(rest, offset);
    }

    fn plain(&mut self, t: &str, at: usize) {
        let t: String = t
            .chars()
            .filter(|&c| c != DROP && c != DROP_FILL && c != MATH_FILL)
            .collect();
        if !t.is_empty() {
            self.push_inline(Inline::Text(t), at);
        }
    }

    /// True when the innermost inline container is a paragraph: a block may split it.
    fn in_paragraph(&self) -> bool {
        let i = self.real_top();
        matches!(self.stack[i], Frame::Para { .. }) || self.stack[i].is_block_container()
    }

    /// A display formula: its tag and label taken out, converted.
    fn display_math(&mut self, tex: &str, span: Span, place: Range<usize>) -> Block {
        let parts = notes2book_math::split_tags(tex);
        let formula = self.formula(&parts.tex, tex.trim(), true, place);
        Block::Math {
            tex: tex.trim().to_owned(),
            formula,
            tag: parts.tag,
            label: parts.label,
            span: Some(span),
        }
    }

    /// MathML for a formula, or a warning at its place (`place`: the TeX's bytes in the
    /// body, so that the converter's position inside it can be pointed at).
    fn formula(
        &mut self,
        tex: &str,
        source: &str,
        display: bool,
        place: Range<usize>,
    ) -> Option<notes2book_model::Formula> {
        match notes2book_math::convert(tex, source.trim(), display) {
            Ok(c) => Some(notes2book_model::Formula {
                mathml: c.mathml,
                text: c.text,
            }),
            Err(e) => {
                let inside =
                    e.at.as_ref()
                        .filter(|r| place.len() == tex.len() && r.end <= tex.len())
                        .map(|r| place.start + r.start..place.start + r.end.max(r.start + 1));
                let at = self.span(inside.unwrap_or(place));
                let (code, hint) = if e.limit {
                    (
                        "math-too-large",
                        "split the formula, or show it as an image",
                    )
                } else {
                    (
                        "math-invalid",
                        "check the TeX; MathJax reads more commands than notes2book does (see README)",
                    )
                };
                let what = if e.limit {
                    "this formula is too large to set"
                } else {
                    "this formula cannot be read"
                };
                self.out.diags.push(
                    Diagnostic::warning(
                        code,
                        format!("{what} ({}); it is shown as its TeX source", e.message),
                    )
                    .at(at)
                    .hint(hint),
                );
                None
            }
        }
    }

    fn block_marker(&mut self, block: Block, at: usize) {
        if self.in_paragraph() {
            self.markers.push(Marker::Block(Box::new(block)));
            let text = format!("{BLOCK_MARK}{}", self.markers.len() - 1);
            self.push_inline(Inline::Text(text), at);
        } else {
            // Inside a heading, table cell or link: keep the block's text inline.
            let inline = match block {
                Block::Math { tex, span, .. } => {
                    // A display formula in a heading or a table cell is set inline.
                    let place = span.map_or(0..0, |_| at..at);
                    let formula = self.formula(&tex, &tex, false, place);
                    Inline::Math { tex, formula, span }
                }
                Block::CodeBlock { code, .. } => Inline::Code(code),
                Block::Figure(f) => Inline::Image {
                    image: f.image,
                    alt: f.alt,
                    title: f.title,
                    width: f.width,
                    span: f.span,
                },
                _ => return,
            };
            self.push_inline(inline, at);
        }
    }

    fn shortcode(&mut self, idx: usize, sc: &Shortcode) {
        let at = sc.range.start;
        let span = self.span(sc.range.clone());
        match &sc.kind {
            Kind::Comment => {}
            Kind::Literal(l) => self.push_inline(Inline::Text(l.clone()), at),
            Kind::Math {
                tex,
                display,
                tex_at,
            } => {
                let place = tex_at.map_or(sc.range.clone(), |s| s..s + tex.len());
                if *display {
                    let block = self.display_math(tex, span, place);
                    self.block_marker(block, at);
                } else {
                    let formula = self.formula(tex, tex, false, place);
                    let inline = Inline::Math {
                        tex: tex.trim().to_owned(),
                        formula,
                        span: Some(span),
                    };
                    self.push_inline(inline, at);
                }
            }
            Kind::Raw { inner } => {
                if !matches!(sc.name.as_str(), "highlight" | "code") {
                    self.out.diags.push(
                        Diagnostic::warning(
                            "shortcode-unknown",
                            format!("unknown shortcode `{}`; its inner content is shown as code", sc.name),
                        )
                        .at(span)
                        .hint("the site's theme gives it its look; write a fenced code block for the book"),
                    );
                }
                let lang = sc
                    .arg("lang")
                    .or_else(|| sc.positional.first().map(String::as_str))
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned);
                let options = code_options(sc.positional.get(1).map(String::as_str).unwrap_or(""));
                let block = Block::CodeBlock {
                    lang,
                    code: inner.clone(),
                    options,
                    span: Some(span),
                };
                self.block_marker(block, at);
            }
            Kind::Close => {
                if sc.name == "details"
                    && let Some(&m) = self.details_open.get(&idx)
                    && self.in_paragraph()
                {
                    self.markers.push(Marker::DetailsClose { open: m });
                    let text = format!("{BLOCK_MARK}{}", self.markers.len() - 1);
                    self.push_inline(Inline::Text(text), at);
                }
            }
            Kind::Single | Kind::Open => self.named_shortcode(idx, sc, span),
        }
    }

    fn named_shortcode(&mut self, idx: usize, sc: &Shortcode, span: Span) {
        let at = sc.range.start;
        match sc.name.as_str() {
            "figure" => {
                let Some(src) = sc.arg_or("src", 0) else {
                    self.out.diags.push(
                        Diagnostic::warning(
                            "shortcode-missing-arg",
                            "this figure has no `src`; it is left out",
                        )
                        .at(span)
                        .hint("add src=\"/images/name.png\""),
                    );
                    return;
                };
                let image = self.add_image(src, ImageSyntax::Shortcode, span);
                let caption_text = sc.arg("caption").unwrap_or("");
                let caption = inline_markdown(caption_text);
                let alt = sc
                    .arg("alt")
                    .map(str::to_owned)
                    .unwrap_or_else(|| plain_text(&caption));
                let link = sc.arg("link").map(|l| Link {
                    dest: l.to_owned(),
                    target: if is_external(l) {
                        LinkTarget::External { url: l.to_owned() }
                    } else {
                        LinkTarget::Unresolved
                    },
                    syntax: LinkSyntax::Figure,
                    title: None,
                    content: Vec::new(),
                    span: Some(span),
                });
                let figure = Figure {
                    image,
                    alt,
                    title: sc.arg("title").map(str::to_owned),
                    caption,
                    attribution: sc.arg("attr").map(str::to_owned),
                    attribution_link: sc.arg("attrlink").map(str::to_owned),
                    link,
                    width: sc.arg("width").and_then(parse_length),
                    syntax: ImageSyntax::Shortcode,
                    span: Some(span),
                };
                self.block_marker(Block::Figure(figure), at);
            }
            "details" => {
                let summary = sc.arg_or("summary", 0).unwrap_or("Details").to_owned();
                let open = sc.arg("open").is_some_and(|v| v == "true" || v == "open");
                if sc.kind == Kind::Single {
                    // `{{< details summary="x" />}}`: a fold with nothing in it.
                    let summary = inline_markdown(&summary);
                    self.block_marker(
                        Block::Details {
                            summary,
                            open,
                            blocks: Vec::new(),
                            span: Some(span),
                        },
                        at,
                    );
                } else if self.in_paragraph() {
                    self.markers.push(Marker::DetailsOpen {
                        summary,
                        open,
                        span,
                    });
                    let m = self.markers.len() - 1;
                    if let Some(close) = self.closing_of(idx) {
                        self.details_open.insert(close, m);
                    }
                    let text = format!("{BLOCK_MARK}{m}");
                    self.push_inline(Inline::Text(text), at);
                } else {
                    self.out.diags.push(
                        Diagnostic::warning("shortcode-placement", "`details` must open its own paragraph; its content is shown without the fold")
                            .at(span)
                            .hint("put `{{< details >}}` and `{{< /details >}}` on lines of their own"),
                    );
                }
            }
            "ref" | "relref" => {
                let target = sc.arg_or("path", 0).unwrap_or("").to_owned();
                let link = Link {
                    dest: target,
                    target: LinkTarget::Unresolved,
                    syntax: LinkSyntax::Ref,
                    title: None,
                    content: Vec::new(),
                    span: Some(span),
                };
                self.push_inline(Inline::Link(Box::new(link)), at);
            }
            // A site's `{{% include "page" %}}` (Hugo's own docs): the page's text in place.
            "include" if sc.arg_or("path", 0).is_some_and(|p| !p.trim().is_empty()) => {
                let target = sc.arg_or("path", 0).unwrap_or_default().trim().to_owned();
                let embed = Block::Embed {
                    target,
                    chapter: None,
                    blocks: Vec::new(),
                    seamless: true,
                    span: Some(span),
                };
                self.block_marker(embed, at);
            }
            "param" => {
                let key = sc.arg_or("name", 0).unwrap_or("");
                let value = lookup_param(self.input.params, key)
                    .or_else(|| lookup_param(self.input.site_params, key));
                match value.and_then(Value::display) {
                    Some(v) if self.param_text + v.len() > MAX_PARAM_TEXT => {
                        // Said once; the later ones are left out too.
                        if self.param_text <= MAX_PARAM_TEXT {
                            self.out.diags.push(
                                Diagnostic::warning(
                                    "param-too-large",
                                    format!("`{{{{< param {key} >}}}}` would take the text parameters put into this note past {} MiB; it and the later ones are left out", MAX_PARAM_TEXT / (1024 * 1024)),
                                )
                                .at(span)
                                .hint("use shorter parameters, or fewer"),
                            );
                        }
                        self.param_text = MAX_PARAM_TEXT + 1;
                    }
                    Some(v) => {
                        self.param_text += v.len();
                        self.push_inline(Inline::Text(v), at)
                    }
                    None => self.out.diags.push(
                        Diagnostic::warning(
                            "param-missing",
                            format!(
                                "no parameter `{key}` in the front matter or the book's params"
                            ),
                        )
                        .at(span)
                        .hint(format!("add `{key}:` to the note's front matter")),
                    ),
                }
            }
            "youtube" | "vimeo" | "x" | "tweet" | "twitter" | "instagram" | "gist" => {
                match embed_link(sc) {
                    Some((url, label)) => {
                        let link = Link {
                            dest: url.clone(),
                            target: LinkTarget::External { url },
                            syntax: LinkSyntax::Embed,
                            title: None,
                            content: vec![Inline::Text(label)],
                            span: Some(span),
                        };
                        self.push_inline(Inline::Link(Box::new(link)), at);
                    }
                    None => self.out.diags.push(
                        Diagnostic::warning(
                            "shortcode-missing-arg",
                            format!("`{}` needs an id", sc.name),
                        )
                        .at(span)
                        .hint(format!("write {{{{< {} ID >}}}}", sc.name)),
                    ),
                }
            }
            "highlight" => self.out.diags.push(
                Diagnostic::warning(
                    "shortcode-unclosed",
                    "`highlight` has no closing `{{< /highlight >}}`; nothing is shown",
                )
                .at(span)
                .hint("close it with {{< /highlight >}} after the code"),
            ),
            name => {
                let what = if sc.kind == Kind::Open {
                    "; its inner content is kept"
                } else {
                    "; it is left out"
                };
                self.out.diags.push(
                    Diagnostic::warning("shortcode-unknown", format!("unknown shortcode `{name}`{what}"))
                        .at(span)
                        .hint("notes2book knows figure, highlight, details, ref, relref, param, comment, youtube, vimeo, x, instagram and gist"),
                );
            }
        }
    }

    /// Register the `<img src>` of raw HTML as images of the book, in order.
    fn html_images(&mut self, html: &str, span: Span) -> Vec<ImageId> {
        img_sources(html)
            .into_iter()
            .map(|src| self.add_image(&src, ImageSyntax::Html, span))
            .collect()
    }

    fn closing_of(&self, open_idx: usize) -> Option<usize> {
        self.closing.get(open_idx).copied().flatten()
    }

    fn add_image(&mut self, src: &str, syntax: ImageSyntax, span: Span) -> ImageId {
        self.out.images.push(ImageUse {
            src: src.to_owned(),
            syntax,
            note_dir: self.input.note_dir.clone(),
            in_bundle: self.input.in_bundle,
            span: Some(span),
            asset: None,
            status: ImageStatus::Unresolved,
        });
        ImageId(self.out.images.len() as u32 - 1)
    }

    fn finish_link(
        &mut self,
        dest: String,
        title: String,
        link_type: LinkType,
        inlines: Vec<Inline>,
        range: Range<usize>,
    ) {
        let span = self.span(range.clone());
        let (dest, syntax) = if let Some(p) = dest.find(MARK) {
            // `[text]({{< ref "x.md" >}})`
            let digits: String = dest[p + MARK.len_utf8()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let sc = digits
                .parse::<usize>()
                .ok()
                .and_then(|i| self.input.shortcodes.get(i));
            match sc {
                Some(sc) if sc.name == "ref" || sc.name == "relref" => (
                    sc.arg_or("path", 0).unwrap_or("").to_owned(),
                    LinkSyntax::Ref,
                ),
                _ => (
                    shortcode::restore(&dest, self.input.shortcodes, self.input.original),
                    LinkSyntax::Markdown,
                ),
            }
        } else {
            let syntax = match link_type {
                LinkType::WikiLink { .. } => LinkSyntax::Wiki,
                LinkType::Autolink | LinkType::Email => LinkSyntax::Autolink,
                _ => LinkSyntax::Markdown,
            };
            let dest = if link_type == LinkType::Email && !dest.starts_with("mailto:") {
                format!("mailto:{dest}")
            } else {
                dest
            };
            (dest, syntax)
        };
        let mut inlines = inlines;
        let dest = if let LinkType::WikiLink { has_pothole } = link_type {
            // `[[b\|Bee]]` in a table: the backslash only protects the pipe.
            let dest = dest.strip_suffix('\\').unwrap_or(&dest).to_owned();
            if !has_pothole {
                inlines = vec![Inline::Text(obsidian::wiki_label(&dest))];
            }
            dest
        } else {
            dest
        };
        let target = if syntax != LinkSyntax::Wiki && is_external(&dest) {
            // A protocol-relative address needs a scheme in a book.
            let url = if dest.starts_with("//") {
                format!("https:{dest}")
            } else {
                dest.clone()
            };
            LinkTarget::External { url }
        } else {
            LinkTarget::Unresolved
        };
        let link = Link {
            dest,
            target,
            syntax,
            title: (!title.is_empty()).then_some(title),
            content: obsidian::highlights(inlines),
            span: Some(span),
        };
        self.push_inline(Inline::Link(Box::new(link)), range.start);
    }

    fn finish_image(
        &mut self,
        dest: String,
        title: String,
        link_type: LinkType,
        inlines: Vec<Inline>,
        range: Range<usize>,
    ) {
        let span = self.span(range.clone());
        let label = plain_text(&inlines);
        if let LinkType::WikiLink { .. } = link_type {
            if !is_image_path(&dest) {
                // `![[Other note]]`: the note's content in place.
                let embed = Block::Embed {
                    target: dest.clone(),
                    chapter: None,
                    blocks: Vec::new(),
                    seamless: false,
                    span: Some(span),
                };
                if self.in_paragraph() {
                    self.block_marker(embed, range.start);
                } else {
                    let link = Link {
                        dest,
                        target: LinkTarget::Unresolved,
                        syntax: LinkSyntax::Wiki,
                        title: None,
                        content: inlines,
                        span: Some(span),
                    };
                    self.push_inline(Inline::Link(Box::new(link)), range.start);
                }
                return;
            }
            let width = wiki_width(&label);
            let alt = if width.is_some() || label == dest {
                file_stem(&dest)
            } else {
                label
            };
            let image = self.add_image(&dest, ImageSyntax::WikiEmbed, span);
            self.push_inline(
                Inline::Image {
                    image,
                    alt,
                    title: None,
                    width,
                    span: Some(span),
                },
                range.start,
            );
            return;
        }
        let image = self.add_image(&dest, ImageSyntax::Markdown, span);
        let title = (!title.is_empty()).then_some(title);
        self.push_inline(
            Inline::Image {
                image,
                alt: label,
                title,
                width: None,
                span: Some(span),
            },
            range.start,
        );
    }

    fn finish_paragraph(&mut self, inlines: Vec<Inline>, start: usize, end: usize) {
        let inlines = strip_block_id(collapse_breaks(autolink(obsidian::highlights(
            image_attributes(inlines),
        ))));
        let mut current: Vec<Inline> = Vec::new();
        let mut cur_start = start;
        let mut inlines = inlines.into_iter().peekable();
        while let Some(inline) = inlines.next() {
            let marker = match &inline {
                Inline::Text(t) => t
                    .strip_prefix(BLOCK_MARK)
                    .and_then(|d| d.parse::<usize>().ok()),
                _ => None,
            };
            let Some(m) = marker else {
                current.push(inline);
                continue;
            };
            self.emit_paragraph(std::mem::take(&mut current), cur_start, end);
            cur_start = end;
            // `$$ … $$ {#eq-x}`: the formula's label.
            if let (Some(Marker::Block(b)), Some(Inline::Text(next))) =
                (self.markers.get_mut(m), inlines.peek_mut())
                && let Block::Math { label, .. } = b.as_mut()
                && let Some(rest) = next.trim_start().strip_prefix("{#")
                && let Some(close) = rest.find('}')
            {
                *label = Some(rest[..close].to_owned());
                *next = rest[close + 1..].to_owned();
            }
            self.apply_marker(m);
        }
        self.emit_paragraph(current, cur_start, end);
    }

    fn emit_paragraph(&mut self, inlines: Vec<Inline>, start: usize, end: usize) {
        let inlines = trim_breaks(inlines);
        if inlines
            .iter()
            .all(|i| matches!(i, Inline::Text(t) if t.trim().is_empty()))
        {
            return;
        }
        let only_anchors = inlines.iter().all(|i| match i {
            Inline::Anchor { .. } | Inline::SoftBreak | Inline::HardBreak => true,
            Inline::Text(t) => t.trim().is_empty(),
            Inline::Html { html, .. } => html.trim().eq_ignore_ascii_case("</a>"),
            _ => false,
        });
        if only_anchors {
            self.pending_anchors.extend(
                inlines
                    .into_iter()
                    .filter(|i| matches!(i, Inline::Anchor { .. })),
            );
            return;
        }
        // Raw LaTeX on lines of its own (`\newpage`, `\singlespacing`), as pandoc Markdown
        // for a PDF writes it: pandoc leaves it out of other formats, and so does a book.
        if is_raw_tex(&inlines) {
            return;
        }
        if is_table_caption(&inlines)
            && let Some(slot) = self.uncaptioned_table()
        {
            *slot = table_caption(inlines);
            return;
        }
        let span = self.span(start..end.max(start));
        // A lone image is shown as a figure; its title (not its alt) is the caption. With a
        // label (`{#fig-x}`), as in pandoc and Quarto, the alt is the caption when there is
        // no title, and the label leads the caption (an anchor references land on).
        let (image_only, label) = match inlines.as_slice() {
            [img @ Inline::Image { .. }] => (Some(img), None),
            [img @ Inline::Image { .. }, anchor @ Inline::Anchor { .. }] => {
                (Some(img), Some(anchor.clone()))
            }
            _ => (None, None),
        };
        if let Some(Inline::Image {
            image,
            alt,
            title,
            width,
            span: ispan,
        }) = image_only
        {
            let mut caption = title.as_deref().map(inline_markdown).unwrap_or_default();
            if let Some(anchor) = label {
                if caption.is_empty() {
                    caption = inline_markdown(alt);
                }
                caption.insert(0, anchor);
            }
            self.push_block(Block::Figure(Figure {
                image: *image,
                alt: alt.clone(),
                title: None,
                caption,
                attribution: None,
                attribution_link: None,
                link: None,
                width: *width,
                syntax: self
                    .out
                    .images
                    .get(image.0 as usize)
                    .map_or(ImageSyntax::Markdown, |u| u.syntax),
                span: *ispan,
            }));
            return;
        }
        // Raw HTML images alone (`<img … />` over several lines, which CommonMark does not
        // take as an HTML block): a block, so each backend shows them as drawings, not as
        // images in a line of text.
        let only_html_images = inlines.iter().all(|i| match i {
            Inline::Html { html, .. } => html.trim_start().to_ascii_lowercase().starts_with("<img"),
            Inline::Text(t) => t.trim().is_empty(),
            Inline::SoftBreak | Inline::HardBreak => true,
            _ => false,
        }) && inlines
            .iter()
            .any(|i| matches!(i, Inline::Html { images, .. } if !images.is_empty()));
        if only_html_images {
            let mut html = String::new();
            let mut images = Vec::new();
            for i in inlines {
                if let Inline::Html {
                    html: h,
                    images: imgs,
                    ..
                } = i
                {
                    html.push_str(&h);
                    html.push('\n');
                    images.extend(imgs);
                }
            }
            self.push_block(Block::Html {
                html,
                images,
                span: Some(span),
            });
            return;
        }
        let mut inlines = inlines;
        compact(&mut inlines);
        self.push_block(Block::Paragraph {
            content: inlines,
            span: Some(span),
        });
    }

    fn apply_marker(&mut self, m: usize) {
        let Some(marker) = self.markers.get_mut(m) else {
            return;
        };
        match std::mem::replace(marker, Marker::DetailsClose { open: usize::MAX }) {
            Marker::Block(b) => self.push_block(*b),
            Marker::DetailsOpen {
                summary,
                open,
                span,
            } => {
                self.close_implicit_para();
                self.push_raw(Frame::Details {
                    marker: m,
                    summary,
                    open,
                    blocks: Vec::new(),
                    span,
                });
                self.depth += 1;
            }
            Marker::DetailsClose { open } => {
                if matches!(self.top(), Frame::Details { marker, .. } if *marker == open) {
                    self.close_details(Some(open));
                }
            }
        }
    }

    fn close_details(&mut self, _expected: Option<usize>) {
        if let Frame::Details {
            summary,
            open,
            blocks,
            span,
            ..
        } = self.pop_frame()
        {
            let summary = inline_markdown(&summary);
            self.push_block(Block::Details {
                summary,
                open,
                blocks,
                span: Some(span),
            });
        }
    }

    fn finish(mut self) -> Output {
        self.close_implicit_para();
        self.flush_anchors();
        // Whatever is still open is closed as its end event would close it, so that
        // nothing written in it is lost.
        while self.stack.len() > 1 {
            if matches!(self.top(), Frame::Details { .. }) {
                self.close_details(None);
                continue;
            }
            match synthetic_end(self.top()) {
                Some(tag) => self.end(tag, 0..0),
                None => {
                    let _ = self.pop_frame();
                }
            }
        }
        if let Some(Frame::Root { blocks }) = self.pop_raw() {
            self.out.blocks = blocks;
        }
        for label in std::mem::take(&mut self.footnote_order) {
            let (blocks, span) = match self.footnote_defs.remove(&label) {
                Some((b, s)) => (b, Some(s)),
                None => (Vec::new(), None),
            };
            self.out.footnotes.push(Footnote {
                label,
                blocks,
                span,
            });
        }
        for (label, (_, span)) in std::mem::take(&mut self.footnote_defs) {
            self.out.diags.push(
                Diagnostic::warning(
                    "footnote-unused",
                    format!("footnote `[^{label}]` is never referenced; it is left out"),
                )
                .at(span)
                .hint(format!(
                    "refer to it with [^{label}] in the text, or delete it"
                )),
            );
        }
        self.undefined_footnotes();
        self.out
    }

    /// pulldown-cmark leaves `[^x]` without a definition as text: say so, at the reference.
    fn undefined_footnotes(&mut self) {
        let mut labels: Vec<String> = Vec::new();
        crate::walk::inlines_mut(&mut self.out.blocks, &mut |i| {
            if let Inline::Text(t) = i {
                let mut rest = t.as_str();
                while let Some(p) = rest.find("[^") {
                    let after = &rest[p + 2..];
                    match after.find(']') {
                        Some(e) if e > 0 && !after[..e].contains([' ', '[']) => {
                            let label = after[..e].to_owned();
                            if !labels.contains(&label) {
                                labels.push(label);
                            }
                            rest = &after[e..];
                        }
                        _ => rest = after,
                    }
                }
            }
        });
        for label in labels {
            let needle = format!("[^{label}]");
            let body = self.input.body;
            let at = body
                .match_indices(&needle)
                .map(|(i, _)| i)
                .find(|&i| !body[i + needle.len()..].starts_with(':'));
            let span = at.map(|i| self.span(i..i + needle.len()));
            self.out.diags.push(
                Diagnostic::warning(
                    "footnote-undefined",
                    format!("footnote `[^{label}]` has no definition; it is shown as text"),
                )
                .at_opt(span)
                .hint(format!(
                    "add `[^{label}]: …` on a line of its own, usually at the end of the note"
                )),
            );
        }
    }
}

/// The end event that closes a frame, for frames left open at the end of the input.
fn synthetic_end(f: &Frame) -> Option<TagEnd> {
    Some(match f {
        Frame::Root { .. } | Frame::Details { .. } => return None,
        Frame::Skip => TagEnd::BlockQuote(None),
        Frame::Para { .. } => TagEnd::Paragraph,
        Frame::Heading { level, .. } => TagEnd::Heading(match level {
            1 => HeadingLevel::H1,
            2 => HeadingLevel::H2,
            3 => HeadingLevel::H3,
            4 => HeadingLevel::H4,
            5 => HeadingLevel::H5,
            _ => HeadingLevel::H6,
        }),
        Frame::Quote { kind, .. } => TagEnd::BlockQuote(*kind),
        Frame::Code { .. } => TagEnd::CodeBlock,
        Frame::Html { .. } => TagEnd::HtmlBlock,
        Frame::List { first, .. } => TagEnd::List(first.is_some()),
        Frame::Item { .. } => TagEnd::Item,
        Frame::FootDef { .. } => TagEnd::FootnoteDefinition,
        Frame::DefList { .. } => TagEnd::DefinitionList,
        Frame::DefTitle { .. } => TagEnd::DefinitionListTitle,
        Frame::DefDef { .. } => TagEnd::DefinitionListDefinition,
        Frame::Table { .. } => TagEnd::Table,
        Frame::Cell { .. } => TagEnd::TableCell,
        Frame::Span {
            kind: SpanKind::Emph,
            ..
        } => TagEnd::Emphasis,
        Frame::Span {
            kind: SpanKind::Strong,
            ..
        } => TagEnd::Strong,
        Frame::Span {
            kind: SpanKind::Strike,
            ..
        } => TagEnd::Strikethrough,
        Frame::Link { .. } => TagEnd::Link,
        Frame::Image { .. } => TagEnd::Image,
    })
}

/// The `src` of every `<img>` tag in raw HTML (quoted or bare), entities not decoded
/// beyond `&amp;`.
pub fn img_sources(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(p) = lower[pos..].find("<img") {
        let start = pos + p + 4;
        let end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
        let tag = &html[start..end];
        let tag_lower = &lower[start..end];
        let mut search = 0;
        while let Some(q) = tag_lower[search..].find("src") {
            let at = search + q;
            let before_ok = at == 0 || tag_lower.as_bytes()[at - 1].is_ascii_whitespace();
            let rest = tag[at + 3..].trim_start();
            if before_ok && rest.starts_with('=') {
                let v = rest[1..].trim_start();
                let value = match v.chars().next() {
                    Some(q @ ('"' | '\'')) => v[1..].split(q).next().unwrap_or(""),
                    _ => v
                        .split(|c: char| c.is_whitespace() || c == '>')
                        .next()
                        .unwrap_or(""),
                };
                let value = value.trim_end_matches('/').replace("&amp;", "&");
                if !value.is_empty() {
                    out.push(value);
                }
                break;
            }
            search = at + 3;
        }
        pos = end;
    }
    out
}

/// Runs of line breaks (left where a dropped comment or shortcode stood) become one.
fn collapse_breaks(inlines: Vec<Inline>) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::with_capacity(inlines.len());
    for i in inlines {
        let is_break = matches!(i, Inline::SoftBreak | Inline::HardBreak);
        match out.last_mut() {
            Some(last @ Inline::SoftBreak) if is_break => *last = i,
            Some(Inline::HardBreak) if is_break => {}
            _ => out.push(i),
        }
    }
    out
}

/// Obsidian block ids (`text ^quote-1` at a paragraph's end) are anchors, not text.
/// An Obsidian block id (` ^quote-1` at the end of a paragraph or list item) becomes an
/// anchor at the block's start, so `[[Note#^quote-1]]` leads there.
fn strip_block_id(mut inlines: Vec<Inline>) -> Vec<Inline> {
    let mut found = None;
    if let Some(Inline::Text(t)) = inlines.last_mut() {
        let trimmed = t.trim_end();
        if let Some(caret) = trimmed.rfind('^') {
            let id = &trimmed[caret + 1..];
            let before = &trimmed[..caret];
            if !id.is_empty()
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && (before.is_empty() || before.ends_with(char::is_whitespace))
            {
                found = Some(id.to_owned());
                *t = before.trim_end().to_owned();
                if t.is_empty() {
                    inlines.pop();
                }
            }
        }
    }
    if let Some(id) = found {
        inlines.insert(
            0,
            Inline::Anchor {
                name: format!("^{id}"),
                id: slugify(&id),
            },
        );
    }
    inlines
}

/// The anchor a raw `<a id="x"></a>` or `<a name="x">` sets (no `href`): kept places that
/// links from other pages lead to (the Rust Book keeps its old section ids this way).
fn html_anchor(html: &str) -> Option<Inline> {
    let t = html.trim();
    let lower = t.to_ascii_lowercase();
    if !lower.starts_with("<a ") || lower.contains("href") {
        return None;
    }
    let value = |attr: &str| {
        let at = lower.find(&format!("{attr}="))? + attr.len() + 1;
        let rest = &t[at..];
        let q = rest.chars().next()?;
        let v = if q == '"' || q == '\'' {
            rest[1..].split(q).next()?
        } else {
            rest.split(|c: char| c.is_whitespace() || c == '>').next()?
        };
        (!v.is_empty()).then(|| v.to_owned())
    };
    let name = value("id").or_else(|| value("name"))?;
    Some(Inline::Anchor {
        id: slugify(&name),
        name,
    })
}

/// Bare `https://…`, `http://…` and `www.…` addresses become links, as in GFM and Hugo.
/// A paragraph's inlines without the room their vectors and strings kept while they grew
/// (text is appended a line at a time): a big vault's notes are held to the end.
fn compact(inlines: &mut Vec<Inline>) {
    inlines.shrink_to_fit();
    for inline in inlines {
        match inline {
            Inline::Text(t) | Inline::Code(t) => t.shrink_to_fit(),
            Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) | Inline::Highlight(c) => {
                compact(c)
            }
            Inline::Link(l) => compact(&mut l.content),
            _ => {}
        }
    }
}

/// Text inside an inline HTML `<a href>…</a>` is already a link and stays as it is.
fn autolink(inlines: Vec<Inline>) -> Vec<Inline> {
    let mut out = Vec::with_capacity(inlines.len());
    let mut in_anchor = 0usize;
    for inline in inlines {
        match inline {
            Inline::Html { ref html, .. } => {
                let tag = html.trim_start().to_ascii_lowercase();
                if tag.starts_with("<a ") || tag.starts_with("<a>") {
                    in_anchor += 1;
                } else if tag.starts_with("</a") {
                    in_anchor = in_anchor.saturating_sub(1);
                }
                out.push(inline);
            }
            Inline::Text(t) if in_anchor == 0 && (t.contains("://") || t.contains("www.")) => {
                split_urls(&t, &mut out)
            }
            Inline::Emph(c) => out.push(Inline::Emph(autolink(c))),
            Inline::Strong(c) => out.push(Inline::Strong(autolink(c))),
            Inline::Strike(c) => out.push(Inline::Strike(autolink(c))),
            Inline::Highlight(c) => out.push(Inline::Highlight(autolink(c))),
            other => out.push(other),
        }
    }
    out
}

fn split_urls(t: &str, out: &mut Vec<Inline>) {
    let mut rest = t;
    loop {
        let found = ["https://", "http://", "www."]
            .iter()
            .filter_map(|p| {
                rest.match_indices(p)
                    .find(|(i, _)| {
                        *i == 0
                            || rest[..*i].ends_with(|c: char| {
                                c.is_whitespace() || c == '(' || c == '*' || c == '_' || c == '~'
                            })
                    })
                    .map(|(i, _)| i)
            })
            .min();
        let Some(start) = found else { break };
        let tail = &rest[start..];
        let mut end = tail
            .find(|c: char| c.is_whitespace() || c == '<')
            .unwrap_or(tail.len());
        // Trailing punctuation is not part of the address; a `)` only when unbalanced.
        loop {
            let u = &tail[..end];
            let Some(last) = u.chars().last() else { break };
            let unbalanced = last == ')' && u.matches('(').count() < u.matches(')').count();
            if matches!(
                last,
                '.' | ',' | ':' | ';' | '!' | '?' | '\'' | '"' | '*' | '_' | '~'
            ) || unbalanced
            {
                end -= last.len_utf8();
            } else {
                break;
            }
        }
        let url_text = &tail[..end];
        let host_ok = url_text
            .split("://")
            .last()
            .is_some_and(|h| h.contains('.') || h.starts_with("localhost"));
        if end == 0 || !host_ok {
            push_merged(out, Inline::Text(rest[..start + end.max(1)].to_owned()));
            rest = &rest[start + end.max(1)..];
            continue;
        }
        if start > 0 {
            push_merged(out, Inline::Text(rest[..start].to_owned()));
        }
        let url = if url_text.starts_with("www.") {
            format!("http://{url_text}")
        } else {
            url_text.to_owned()
        };
        out.push(Inline::Link(Box::new(Link {
            dest: url.clone(),
            target: LinkTarget::External { url },
            syntax: LinkSyntax::Autolink,
            title: None,
            content: vec![Inline::Text(url_text.to_owned())],
            span: None,
        })));
        rest = &tail[end..];
    }
    if !rest.is_empty() {
        push_merged(out, Inline::Text(rest.to_owned()));
    }
}

fn is_comment(html: &str) -> bool {
    let t = html.trim();
    t.len() >= 7
        && t.starts_with("<!--")
        && t.ends_with("-->")
        && t[4..].find("-->") == Some(t.len() - 7)
}

fn push_merged(inlines: &mut Vec<Inline>, inline: Inline) {
    if let (Some(Inline::Text(prev)), Inline::Text(t)) = (inlines.last_mut(), &inline)
        && !prev.starts_with(BLOCK_MARK)
        && !t.starts_with(BLOCK_MARK)
    {
        prev.push_str(t);
        return;
    }
    inlines.push(inline);
}

fn trim_breaks(mut inlines: Vec<Inline>) -> Vec<Inline> {
    while matches!(inlines.last(), Some(Inline::SoftBreak | Inline::HardBreak)) {
        inlines.pop();
    }
    let lead = inlines
        .iter()
        .take_while(|i| matches!(i, Inline::SoftBreak | Inline::HardBreak))
        .count();
    inlines.drain(..lead);
    if let Some(Inline::Text(t)) = inlines.first_mut() {
        let trimmed = t.trim_start();
        if trimmed.len() != t.len() {
            *t = trimmed.to_owned();
        }
    }
    if let Some(Inline::Text(t)) = inlines.last_mut() {
        let trimmed = t.trim_end();
        if trimmed.len() != t.len() {
            *t = trimmed.to_owned();
        }
    }
    inlines.retain(|i| !matches!(i, Inline::Text(t) if t.is_empty()));
    inlines
}

/// A paragraph whose every line is a LaTeX command with its arguments (`\newpage`,
/// `\setlength{\parindent}{0in}`), and nothing else.
fn is_raw_tex(inlines: &[Inline]) -> bool {
    let mut lines = 0;
    for i in inlines {
        match i {
            Inline::Text(t) if is_tex_command(t.trim()) => lines += 1,
            Inline::SoftBreak | Inline::HardBreak => {}
            _ => return false,
        }
    }
    lines > 0
}

/// `\name`, then `{…}` and `[…]` arguments only (nested braces allowed).
fn is_tex_command(line: &str) -> bool {
    let Some(rest) = line.strip_prefix('\\') else {
        return false;
    };
    let name = rest.chars().take_while(char::is_ascii_alphabetic).count();
    if name == 0 {
        return false;
    }
    let mut depth = 0i32;
    for c in rest[name..].chars() {
        match c {
            '{' | '[' => depth += 1,
            '}' | ']' => depth -= 1,
            c if depth == 0 && !c.is_whitespace() => return false,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0
}

/// pandoc's table caption paragraph: `Table: …`, `table: …` or `: …`.
fn is_table_caption(inlines: &[Inline]) -> bool {
    matches!(inlines.first(), Some(Inline::Text(t))
        if ["Table: ", "table: ", ": "].iter().any(|p| t.starts_with(p)))
}

/// The caption's inlines without `Table: `; a label at its end (`{#tbl-x}`) becomes an
/// anchor first in it, as a figure's does.
fn table_caption(mut inlines: Vec<Inline>) -> Vec<Inline> {
    if let Some(Inline::Text(t)) = inlines.first_mut() {
        let cut = t.find(": ").map_or(0, |p| p + 2);
        *t = t[cut..].trim_start().to_owned();
    }
    let mut label = None;
    if let Some(Inline::Text(t)) = inlines.last_mut() {
        let end = t.trim_end();
        // Attributes only (`{#tbl-x .wide}`), not a caption that ends in `{a, b}`;
        // pandoc-crossref writes them on an empty span: `[]{#tbl:x short-caption="…"}`.
        if end.ends_with('}')
            && let Some(open) = end.rfind('{')
            && let attrs = attr_tokens(&end[open + 1..end.len() - 1])
            && attrs
                .iter()
                .all(|a| a.starts_with(['#', '.']) || a.contains('='))
        {
            label = attrs
                .iter()
                .find_map(|a| a.strip_prefix('#').filter(|id| !id.is_empty()))
                .map(str::to_owned);
            let before = end[..open].trim_end();
            *t = before
                .strip_suffix("[]")
                .unwrap_or(before)
                .trim_end()
                .to_owned();
        }
    }
    inlines.retain(|i| !matches!(i, Inline::Text(t) if t.is_empty()));
    let mut caption = trim_breaks(inlines);
    if let Some(id) = label {
        caption.insert(
            0,
            Inline::Anchor {
                name: id.clone(),
                id,
            },
        );
    }
    caption
}

/// Pandoc-style attributes after an image, `![x](a.png){width=60% #fig-x}`: understood,
/// not printed; an `#id` becomes an anchor right after the image.
fn image_attributes(mut inlines: Vec<Inline>) -> Vec<Inline> {
    let mut ids: Vec<(usize, String)> = Vec::new();
    for i in 1..inlines.len() {
        let (before, after) = inlines.split_at_mut(i);
        let (Some(Inline::Image { width, .. }), Some(Inline::Text(t))) =
            (before.last_mut(), after.first_mut())
        else {
            continue;
        };
        if !t.starts_with('{') {
            continue;
        }
        let Some(close) = t.find('}') else { continue };
        for attr in t[1..close].split_whitespace() {
            if let Some(v) = attr.strip_prefix("width=") {
                *width = parse_length(v.trim_matches('"'));
            } else if let Some(id) = attr.strip_prefix('#').filter(|id| !id.is_empty()) {
                ids.push((i, id.to_owned()));
            }
        }
        *t = t[close + 1..].to_owned();
    }
    for (i, id) in ids.into_iter().rev() {
        inlines.insert(
            i,
            Inline::Anchor {
                name: id.clone(),
                id,
            },
        );
    }
    inlines.retain(|i| !matches!(i, Inline::Text(t) if t.is_empty()));
    inlines
}

pub fn parse_length(v: &str) -> Option<Length> {
    let v = v.trim();
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let n: f32 = v[..split].parse().ok()?;
    Some(match &v[split..] {
        "" | "px" => Length::Px(n),
        "%" => Length::Percent(n),
        "em" => Length::Em(n),
        "cm" => Length::Cm(n),
        "mm" => Length::Mm(n),
        "in" => Length::In(n),
        _ => return None,
    })
}

fn wiki_width(label: &str) -> Option<Length> {
    let w = label.split('x').next()?;
    if !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()) {
        w.parse().ok().map(Length::Px)
    } else {
        None
    }
}

fn file_stem(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(s, _)| s).to_owned()
}

fn lookup_param<'v>(params: &'v BTreeMap<String, Value>, key: &str) -> Option<&'v Value> {
    let mut parts = key.split('.');
    let first = parts.next()?;
    let mut v = params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(first))
        .map(|(_, v)| v)?;
    for p in parts {
        match v {
            Value::Map(m) => {
                v = m
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(p))
                    .map(|(_, v)| v)?
            }
            _ => return None,
        }
    }
    Some(v)
}

fn embed_link(sc: &Shortcode) -> Option<(String, String)> {
    let id = sc.arg_or("id", 0).filter(|s| !s.is_empty())?;
    let title = sc.arg("title").map(str::to_owned);
    let (url, what) = match sc.name.as_str() {
        "youtube" => (
            format!("https://www.youtube.com/watch?v={id}"),
            "Video on YouTube",
        ),
        "vimeo" => (format!("https://vimeo.com/{id}"), "Video on Vimeo"),
        "instagram" => (
            format!("https://www.instagram.com/p/{id}/"),
            "Post on Instagram",
        ),
        "gist" => {
            let file = sc
                .positional
                .get(2)
                .or(sc.positional.get(1).filter(|_| sc.positional.len() == 2));
            let (user, gist) = match sc.arg("user") {
                Some(u) => (u.to_owned(), sc.arg("id").unwrap_or(id).to_owned()),
                None => (
                    id.to_owned(),
                    sc.positional.get(1).cloned().unwrap_or_default(),
                ),
            };
            let _ = file;
            (format!("https://gist.github.com/{user}/{gist}"), "Gist")
        }
        _ => {
            let user = sc.arg("user").unwrap_or("i");
            let id = sc
                .arg("id")
                .or_else(|| sc.positional.last().map(String::as_str))
                .unwrap_or(id);
            (format!("https://x.com/{user}/status/{id}"), "Post on X")
        }
    };
    let label = match title {
        Some(t) => format!("{what}: {t}"),
        None => format!("{what}: {url}"),
    };
    Some((url, label))
}

/// `linenos=table,hl_lines=2 4-5,linenostart=10`
fn code_options(s: &str) -> CodeOptions {
    let mut o = CodeOptions {
        line_number_start: 1,
        ..CodeOptions::default()
    };
    for part in split_attrs(s) {
        let (k, v) = part.split_once('=').unwrap_or((&part, ""));
        let v = v.trim().trim_matches('"');
        match k.trim() {
            "linenos" => o.line_numbers = !matches!(v, "false" | ""),
            "linenostart" => o.line_number_start = v.parse().unwrap_or(1),
            "hl_lines" => {
                for r in v.trim_matches(['[', ']']).split([' ', ',', ';']) {
                    let r = r.trim().trim_matches('"');
                    let (a, b) = r.split_once('-').unwrap_or((r, r));
                    if let (Ok(a), Ok(b)) = (a.trim().parse(), b.trim().parse()) {
                        o.highlight_lines.push((a, b));
                    }
                }
            }
            _ => {}
        }
    }
    o
}

/// Pandoc attributes split at spaces outside double quotes: `#x key="a b" .c` (the
/// quotes may have been made curly by smart punctuation).
fn attr_tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (None, false);
    for (i, c) in s.char_indices() {
        match c {
            '"' | '“' | '”' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if let Some(st) = start.take() {
                    out.push(&s[st..i]);
                }
                continue;
            }
            _ => {}
        }
        start.get_or_insert(i);
    }
    if let Some(st) = start {
        out.push(&s[st..]);
    }
    out
}

/// Split `a=1,b=[2,"3-4"] c="x y"` at commas and spaces outside brackets and quotes. A
/// space separates only when a `key=` follows, so `hl_lines=2 4-5` stays one value.
fn split_attrs(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut depth, mut quoted) = (0usize, false);
    for (i, c) in s.char_indices() {
        let key_follows = || {
            let next = s[i + 1..].trim_start();
            let word = next.split([',', ' ']).next().unwrap_or("");
            word.contains('=')
        };
        match c {
            '"' => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth = depth.saturating_sub(1),
            ',' if !quoted && depth == 0 => {
                if !cur.trim().is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
                continue;
            }
            ' ' if !quoted && depth == 0 && key_follows() => {
                if !cur.trim().is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

/// Markdown inside a shortcode argument (a figure caption): inline content only, no spans.
pub fn inline_markdown(text: &str) -> Vec<Inline> {
    if text.is_empty() {
        return Vec::new();
    }
    let map = SegMap::default();
    let params = BTreeMap::new();
    // Math in a caption is math too.
    let (found, replaced, _) = shortcode::scan(text, &shortcode::code_ranges(text));
    let math: Vec<Shortcode> = found
        .into_iter()
        .map(|mut s| {
            if !matches!(s.kind, Kind::Math { .. }) {
                s.kind = Kind::Literal(text[s.range.clone()].to_owned());
            }
            s
        })
        .collect();
    let input = Input {
        body: &replaced,
        original: text,
        base: 0,
        map: &map,
        shortcodes: &math,
        params: &params,
        site_params: &params,
        note_dir: PathBuf::new(),
        in_bundle: false,
        wikilinks: true,
    };
    let out = convert(&input);
    let mut inlines = Vec::new();
    for b in out.blocks {
        if let Block::Paragraph { content, .. } = b {
            if !inlines.is_empty() {
                inlines.push(Inline::SoftBreak);
            }
            inlines.extend(strip_spans(content));
        }
    }
    inlines
}

fn strip_spans(inlines: Vec<Inline>) -> Vec<Inline> {
    inlines
        .into_iter()
        .map(|i| match i {
            Inline::Emph(c) => Inline::Emph(strip_spans(c)),
            Inline::Strong(c) => Inline::Strong(strip_spans(c)),
            Inline::Strike(c) => Inline::Strike(strip_spans(c)),
            Inline::Highlight(c) => Inline::Highlight(strip_spans(c)),
            Inline::Math { tex, formula, .. } => Inline::Math {
                tex,
                formula,
                span: None,
            },
            Inline::Html { html, images, .. } => Inline::Html {
                html,
                images,
                span: None,
            },
            Inline::Link(mut l) => {
                l.span = None;
                l.content = strip_spans(l.content);
                Inline::Link(l)
            }
            other => other,
        })
        .collect()
}
