//! The book, its chapters and their content.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::Span;

/// The whole resolved book.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Book {
    pub metadata: Metadata,
    /// Chapters in reading order; [`ChapterId`] indexes this list.
    pub chapters: Vec<Chapter>,
    /// Nested table of contents: chapters and their headings.
    pub toc: Vec<TocEntry>,
    /// Every image reference in the book, in reading order; [`ImageId`] indexes this list.
    pub images: Vec<ImageUse>,
    /// The distinct files the images resolved to (filled by the asset resolver).
    pub assets: Vec<AssetFile>,
    /// Notes left out of the book (drafts), so the run can say which.
    pub left_out: Vec<LeftOut>,
}

impl Book {
    pub fn chapter(&self, id: ChapterId) -> Option<&Chapter> {
        self.chapters.get(id.0 as usize)
    }
}

/// Book-level metadata: from notes2book.yaml, else (for a one-note book) that note's front
/// matter.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Metadata {
    pub title: String,
    pub subtitle: Option<String>,
    pub authors: Vec<String>,
    /// BCP 47 language tag; `en` unless configured.
    pub language: String,
    /// Whether the language was given (config, site or front matter), not assumed.
    #[serde(skip)]
    pub language_given: bool,
    /// `YYYY-MM-DD` or an RFC 3339 date-time.
    pub date: Option<String>,
    pub identifier: Option<String>,
    pub description: Option<String>,
    pub publisher: Option<String>,
    pub rights: Option<String>,
    /// Tags and categories of all notes, sorted and deduplicated (EPUB subjects).
    pub subjects: Vec<String>,
    /// The newest `date`/`lastmod` among the notes (a fallback for the book's date).
    pub newest_note_date: Option<String>,
    /// The cover image (`cover:` in the config), an entry of [`Book::images`].
    pub cover: Option<ImageId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ChapterId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ImageId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct AssetId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChapterKind {
    /// An ordinary note.
    Note,
    /// The opening page of a section (`_index.md`, or a folder's title).
    Section,
    /// A part title from SUMMARY.md, with no text of its own.
    Part,
}

#[derive(Debug, Clone, Serialize)]
pub struct Chapter {
    pub id: ChapterId,
    pub kind: ChapterKind,
    /// Nesting depth in the book: 0 for top-level chapters, 1 inside a section, ...
    pub depth: u8,
    /// Source path relative to the input folder (`None` for parts).
    pub path: Option<PathBuf>,
    /// Book-unique XML id of the chapter's start, e.g. `ch-leap-seconds`.
    pub anchor: String,
    pub title: String,
    /// Shorter title for the table of contents (`linkTitle`, or SUMMARY.md's label).
    pub toc_title: Option<String>,
    pub front: FrontMatter,
    pub blocks: Vec<Block>,
    /// Footnotes in order of first reference; `Inline::FootnoteRef::number` is 1-based into it.
    pub footnotes: Vec<Footnote>,
    pub span: Option<Span>,
}

/// Typed front matter; keys the model does not know are kept in `params`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct FrontMatter {
    pub format: Option<FrontMatterFormat>,
    pub title: Option<String>,
    pub link_title: Option<String>,
    pub date: Option<String>,
    pub lastmod: Option<String>,
    pub publish_date: Option<String>,
    pub draft: bool,
    pub weight: i64,
    pub description: Option<String>,
    pub summary: Option<String>,
    pub authors: Vec<String>,
    pub tags: Vec<String>,
    pub categories: Vec<String>,
    pub slug: Option<String>,
    pub aliases: Vec<String>,
    pub lang: Option<String>,
    pub params: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FrontMatterFormat {
    Yaml,
    Toml,
    Json,
}

/// A front-matter value of any of the three formats.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Null, a text of only white space, or a list or map of nothing but blanks: what an
    /// author leaves when a value is not filled in (`description = ""`, `tags: []`).
    pub fn is_blank(&self) -> bool {
        match self {
            Value::Null => true,
            Value::String(s) => s.trim().is_empty(),
            Value::List(items) => items.iter().all(Value::is_blank),
            Value::Map(m) => m.values().all(Value::is_blank),
            Value::Bool(_) | Value::Int(_) | Value::Float(_) => false,
        }
    }

    /// Text form of a scalar, as a shortcode `param` prints it.
    pub fn display(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LeftOut {
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TocEntry {
    /// Plain text: links, footnotes and formatting are flattened.
    pub title: String,
    pub chapter: ChapterId,
    /// `None` for the chapter itself, else a heading id.
    pub anchor: Option<String>,
    /// 1 for chapters at depth 0, +1 per section depth and per heading level below.
    pub level: u8,
    pub children: Vec<TocEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Footnote {
    pub label: String,
    pub blocks: Vec<Block>,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    None,
    Left,
    Center,
    Right,
}

/// How an image reference was written; the resolver uses it to choose its rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageSyntax {
    Markdown,
    Shortcode,
    WikiEmbed,
    Html,
    Cover,
}

/// One place where the book shows an image.
#[derive(Debug, Clone, Serialize)]
pub struct ImageUse {
    /// The reference as written (`/images/x.png`, `x.png`, `https://...`).
    pub src: String,
    pub syntax: ImageSyntax,
    /// Folder of the note that refers to it, relative to the input folder.
    pub note_dir: PathBuf,
    /// True when the note is a leaf bundle (`index.md`) whose folder holds its resources.
    pub in_bundle: bool,
    pub span: Option<Span>,
    /// Filled by the asset resolver; `None` while unresolved, missing or remote.
    pub asset: Option<AssetId>,
    pub status: ImageStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ImageStatus {
    #[default]
    Unresolved,
    Found,
    Missing,
    Remote,
    Refused,
}

/// A distinct image file, relative to the book's root.
#[derive(Debug, Clone, Serialize)]
pub struct AssetFile {
    pub id: AssetId,
    pub path: PathBuf,
}

/// Where a link goes, already resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum LinkTarget {
    External {
        url: String,
    },
    Internal {
        chapter: ChapterId,
        anchor: Option<String>,
    },
    /// Could not be resolved (a warning was given): backends render the link's text only.
    Unresolved,
}

/// How a link was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkSyntax {
    Markdown,
    Autolink,
    Wiki,
    /// Hugo `ref`/`relref` shortcode.
    Ref,
    /// A link made by a shortcode (youtube, vimeo, gist, ...).
    Embed,
    /// A figure's `link` argument.
    Figure,
}

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// The destination as written.
    pub dest: String,
    pub target: LinkTarget,
    pub syntax: LinkSyntax,
    pub title: Option<String>,
    pub content: Vec<Inline>,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Inline {
    Text(String),
    Emph(Vec<Inline>),
    Strong(Vec<Inline>),
    Strike(Vec<Inline>),
    /// Obsidian `==highlight==`.
    Highlight(Vec<Inline>),
    Code(String),
    /// Boxed: a link is big and rare beside text, and every inline is as big as the
    /// biggest kind (128 bytes with the link inline, for each word run and line break).
    Link(Box<Link>),
    Image {
        image: ImageId,
        alt: String,
        title: Option<String>,
        /// Requested width (`{width=60%}`, `![[x.png|300]]`, figure `width`).
        width: Option<Length>,
        span: Option<Span>,
    },
    /// 1-based index into the chapter's footnotes.
    FootnoteRef {
        number: u32,
        span: Option<Span>,
    },
    /// Inline math: the TeX as written and, when it could be read, the formula.
    Math {
        tex: String,
        formula: Option<Formula>,
        span: Option<Span>,
    },
    SoftBreak,
    HardBreak,
    /// Raw inline HTML as written (backends sanitise and re-serialise it). `images` are
    /// the `<img src>` in it, in order.
    Html {
        html: String,
        images: Vec<ImageId>,
        span: Option<Span>,
    },
    /// A place that links can lead to, other than a heading: an Obsidian block id
    /// (`^quote-1` at the end of a paragraph or list item) or a definition list's term.
    /// `name` is what an author writes after `#`; `id` is the book-unique id of the place.
    Anchor {
        name: String,
        id: String,
    },
    /// The page a place is on, after a reference to it (`crossref: {page_numbers: true}`):
    /// `template` with `{}` for the printed page number, " on page {}". Only paged outputs
    /// show it; the EPUB leaves it out.
    PageRef {
        template: String,
        chapter: ChapterId,
        anchor: Option<String>,
    },
}

/// A formula that could be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Formula {
    /// MathML, checked (only MathML 3 elements and attributes, valid XML), with the TeX
    /// source as `alttext` and as an `application/x-tex` annotation.
    pub mathml: String,
    /// The formula as plain text that reads (`x² + y² = z²`), for titles, the contents
    /// and the outline.
    pub text: String,
}

/// A length given by the author.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Length {
    Px(f32),
    Percent(f32),
    Em(f32),
    Cm(f32),
    Mm(f32),
    In(f32),
}

/// One work in the bibliography: its text as the style sets it, which begins with an
/// [`Inline::Anchor`] that citations link to.
#[derive(Debug, Clone, Serialize)]
pub struct BibEntry {
    pub content: Vec<Inline>,
    /// Where the work is in its bibliography file (its key).
    pub span: Option<Span>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListItem {
    /// `Some(checked)` for task-list items.
    pub task: Option<bool>,
    pub blocks: Vec<Block>,
}

/// Every block in `blocks` and, depth first, the blocks nested in it (quotes, callouts,
/// list items, definitions, details, embeds), each given to `f` before its children.
/// Recursion is bounded: the parser limits nesting (`MAX_NESTING`) and embed depth.
pub fn walk_blocks<'a>(blocks: &'a [Block], f: &mut impl FnMut(&'a Block)) {
    for b in blocks {
        f(b);
        match b {
            Block::BlockQuote { blocks, .. }
            | Block::Callout { blocks, .. }
            | Block::Details { blocks, .. }
            | Block::Embed { blocks, .. } => walk_blocks(blocks, f),
            Block::List { items, .. } => items.iter().for_each(|i| walk_blocks(&i.blocks, f)),
            Block::DefinitionList { items, .. } => items
                .iter()
                .flat_map(|i| &i.definitions)
                .for_each(|d| walk_blocks(d, f)),
            _ => {}
        }
    }
}

/// [`walk_blocks`] for changing the blocks in place.
pub fn walk_blocks_mut(blocks: &mut [Block], f: &mut impl FnMut(&mut Block)) {
    for b in blocks {
        f(b);
        match b {
            Block::BlockQuote { blocks, .. }
            | Block::Callout { blocks, .. }
            | Block::Details { blocks, .. }
            | Block::Embed { blocks, .. } => walk_blocks_mut(blocks, f),
            Block::List { items, .. } => items
                .iter_mut()
                .for_each(|i| walk_blocks_mut(&mut i.blocks, f)),
            Block::DefinitionList { items, .. } => items
                .iter_mut()
                .flat_map(|i| &mut i.definitions)
                .for_each(|d| walk_blocks_mut(d, f)),
            _ => {}
        }
    }
}

/// Every inline in `inlines`, depth first into emphasis and link content.
pub fn walk_inlines<'a>(inlines: &'a [Inline], f: &mut impl FnMut(&'a Inline)) {
    // Explicit stack: emphasis nests as deep as the parser allows.
    let mut stack: Vec<std::slice::Iter<'a, Inline>> = vec![inlines.iter()];
    while let Some(top) = stack.last_mut() {
        let Some(i) = top.next() else {
            stack.pop();
            continue;
        };
        f(i);
        match i {
            Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) | Inline::Highlight(c) => {
                stack.push(c.iter())
            }
            Inline::Link(l) => stack.push(l.content.iter()),
            _ => {}
        }
    }
}

/// Every inline of one block's own text (not of the blocks nested in it: pair with
/// [`walk_blocks`]), depth first: paragraphs, headings, captions, table cells, terms,
/// callout titles and details summaries, and the content of emphasis and links.
pub fn block_inlines<'a>(block: &'a Block, f: &mut impl FnMut(&'a Inline)) {
    match block {
        Block::Paragraph { content, .. } | Block::Heading { content, .. } => {
            walk_inlines(content, f)
        }
        Block::Callout { title, .. } => walk_inlines(title, f),
        Block::Details { summary, .. } => walk_inlines(summary, f),
        Block::Table {
            head,
            rows,
            caption,
            ..
        } => {
            walk_inlines(caption, f);
            for cell in head.iter().chain(rows.iter().flatten()) {
                walk_inlines(cell, f);
            }
        }
        Block::DefinitionList { items, .. } => items.iter().for_each(|i| walk_inlines(&i.term, f)),
        Block::Figure(fig) => walk_inlines(&fig.caption, f),
        Block::Bibliography { entries } => entries.iter().for_each(|e| walk_inlines(&e.content, f)),
        _ => {}
    }
}

/// Whether the blocks (at any depth) hold a formula that was read, displayed or inline.
/// Every Markdown image of `blocks` (figures and inline images, not raw HTML), with
/// whether something describes it to a reader who cannot see it (alternative text, or a
/// figure's caption) and where it is written.
pub fn walk_images(blocks: &[Block], f: &mut impl FnMut(bool, Option<Span>)) {
    walk_blocks(blocks, &mut |b| {
        if let Block::Figure(fig) = b {
            f(
                !fig.alt.trim().is_empty() || !fig.caption.is_empty(),
                fig.span,
            );
        }
        block_inlines(b, &mut |i| {
            if let Inline::Image { alt, span, .. } = i {
                f(!alt.trim().is_empty(), *span);
            }
        });
    });
}

pub fn has_formula(blocks: &[Block]) -> bool {
    let mut found = false;
    walk_blocks(blocks, &mut |b| {
        found |= matches!(
            b,
            Block::Math {
                formula: Some(_),
                ..
            }
        );
        block_inlines(b, &mut |i| {
            found |= matches!(
                i,
                Inline::Math {
                    formula: Some(_),
                    ..
                }
            );
        });
    });
    found
}

#[derive(Debug, Clone, Serialize)]
pub struct DefinitionItem {
    pub term: Vec<Inline>,
    pub definitions: Vec<Vec<Block>>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct CodeOptions {
    pub line_numbers: bool,
    pub line_number_start: u32,
    /// Highlighted lines (1-based, inclusive ranges).
    pub highlight_lines: Vec<(u32, u32)>,
}

/// A figure: an image shown as a block, with an optional caption.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub image: ImageId,
    pub alt: String,
    pub title: Option<String>,
    pub caption: Vec<Inline>,
    /// Attribution (`attr`) and its link (`attrlink`).
    pub attribution: Option<String>,
    pub attribution_link: Option<String>,
    /// The image links here when clicked (`link`).
    pub link: Option<Link>,
    pub width: Option<Length>,
    pub syntax: ImageSyntax,
    pub span: Option<Span>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Paragraph {
        content: Vec<Inline>,
        span: Option<Span>,
    },
    Heading {
        /// 1 to 6, as written in the note.
        level: u8,
        /// Book-unique XML id.
        id: String,
        classes: Vec<String>,
        content: Vec<Inline>,
        /// False for headings inside embeds and details, which are not in the TOC.
        in_toc: bool,
        span: Option<Span>,
    },
    BlockQuote {
        blocks: Vec<Block>,
        span: Option<Span>,
    },
    /// Obsidian callout or GFM alert.
    Callout {
        /// Canonical type: note, abstract, info, todo, tip, success, question, warning,
        /// failure, danger, bug, example, quote.
        kind: String,
        /// The title as written; without one, the type as written, capitalised
        /// (`[!faq]` → "Faq"), as Obsidian shows it.
        title: Vec<Inline>,
        /// `Some(true)` folded (`-`), `Some(false)` foldable but open (`+`).
        folded: Option<bool>,
        blocks: Vec<Block>,
        span: Option<Span>,
    },
    List {
        /// Start number for ordered lists.
        start: Option<u64>,
        tight: bool,
        items: Vec<ListItem>,
        span: Option<Span>,
    },
    DefinitionList {
        items: Vec<DefinitionItem>,
        span: Option<Span>,
    },
    /// The works cited, in the citation style's order.
    Bibliography {
        entries: Vec<BibEntry>,
    },
    CodeBlock {
        lang: Option<String>,
        code: String,
        options: CodeOptions,
        span: Option<Span>,
    },
    Table {
        align: Vec<Align>,
        head: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
        /// `Table: …` or `: …` beside the table, as pandoc and Quarto write it; a label
        /// (`{#tbl-x}`) is an anchor first in it. Empty when the table has none.
        caption: Vec<Inline>,
        span: Option<Span>,
    },
    Figure(Figure),
    /// Display math: the TeX as written, the formula when it could be read, and the
    /// `\tag{…}` (as shown: `(1.2)`) and `\label{…}` taken out of it.
    Math {
        tex: String,
        formula: Option<Formula>,
        tag: Option<String>,
        label: Option<String>,
        span: Option<Span>,
    },
    /// A collapsible block (Hugo `details`).
    Details {
        summary: Vec<Inline>,
        open: bool,
        blocks: Vec<Block>,
        span: Option<Span>,
    },
    /// The content of another note shown in place (Obsidian `![[Note]]`, or a Hugo site's
    /// `{{% include "page" %}}`).
    Embed {
        /// The target as written (`Other note`, `Other note#Heading`).
        target: String,
        /// The embedded chapter; `None` before linking, or when it is not in the book (a
        /// page the site does not render).
        chapter: Option<ChapterId>,
        blocks: Vec<Block>,
        /// The text joins the page with no frame around it (an include, not an embed).
        seamless: bool,
        span: Option<Span>,
    },
    /// Raw block HTML as written (backends sanitise and re-serialise it). `images` are the
    /// `<img src>` in it, in order.
    Html {
        html: String,
        images: Vec<ImageId>,
        span: Option<Span>,
    },
    Rule {
        span: Option<Span>,
    },
}

impl Block {
    /// Where the block was written.
    pub fn span(&self) -> Option<Span> {
        match self {
            Block::Figure(fig) => fig.span,
            Block::Paragraph { span, .. }
            | Block::Heading { span, .. }
            | Block::BlockQuote { span, .. }
            | Block::Callout { span, .. }
            | Block::List { span, .. }
            | Block::DefinitionList { span, .. }
            | Block::CodeBlock { span, .. }
            | Block::Table { span, .. }
            | Block::Math { span, .. }
            | Block::Details { span, .. }
            | Block::Embed { span, .. }
            | Block::Html { span, .. }
            | Block::Rule { span } => *span,
            Block::Bibliography { entries } => entries.first().and_then(|e| e.span),
        }
    }
}
