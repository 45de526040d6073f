//! Frames: what the typesetting engine hands to a backend. A frame is one page: groups of
//! drawings (glyph runs, rules, images, link areas) at positions on the page, each group
//! with the semantic tag of the block it came from (kind and source span), so a backend can
//! write the page without knowing how it was laid out, and a tagged PDF can rebuild the
//! structure.

use std::sync::Arc;

use notes2book_model::{ImageId, Span};

use crate::fonts::FaceId;

/// RGB colour, 0–1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Color(pub f32, pub f32, pub f32);

pub const TEXT: Color = Color(0.07, 0.07, 0.07);
pub const LINK: Color = Color(0.08, 0.22, 0.55);
pub const MUTED: Color = Color(0.35, 0.35, 0.35);

/// Where a link goes.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkDest {
    Uri(String),
    Internal {
        chapter: usize,
        anchor: Option<String>,
    },
}

/// Something drawn, relative to a box's top-left corner (y grows downwards).
#[derive(Debug, Clone, PartialEq)]
pub enum Draw {
    /// Glyphs on one baseline, each at its own x.
    Glyphs {
        face: FaceId,
        size: f32,
        color: Color,
        baseline: f32,
        glyphs: Vec<PlacedGlyph>,
        /// Horizontal scale of the glyphs (font expansion; 1 for none).
        stretch: f32,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Color,
    },
    /// An outlined rectangle.
    Frame {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        width: f32,
        color: Color,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Color,
    },
    Image {
        image: ImageId,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    Link {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        dest: Arc<LinkDest>,
    },
    /// The drawings after this one in its group, up to the next mark, belong to this tag
    /// (a table cell in a row, the leaders of a contents line) rather than to the group's.
    Mark(Arc<Tag>),
}

impl Draw {
    /// The same drawing moved by (dx, dy).
    pub fn shifted(&self, dx: f32, dy: f32) -> Draw {
        let mut d = self.clone();
        match &mut d {
            Draw::Glyphs {
                baseline, glyphs, ..
            } => {
                *baseline += dy;
                for g in glyphs {
                    g.x += dx;
                }
            }
            Draw::Rect { x, y, .. }
            | Draw::Frame { x, y, .. }
            | Draw::Image { x, y, .. }
            | Draw::Link { x, y, .. } => {
                *x += dx;
                *y += dy;
            }
            Draw::Line { x1, y1, x2, y2, .. } => {
                *x1 += dx;
                *x2 += dx;
                *y1 += dy;
                *y2 += dy;
            }
            Draw::Mark(_) => {}
        }
        d
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlacedGlyph {
    pub gid: u16,
    pub x: f32,
    /// The text this glyph stands for (for ToUnicode): a cluster's text on its first glyph.
    /// Shared: a word's clusters are made once per chapter, not once per use.
    pub text: Option<Arc<str>>,
}

/// What a group of drawings is, for the reader's structure (tagged PDF, reading order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagKind {
    /// A chapter: its title and blocks.
    Chapter,
    Title,
    Paragraph,
    Heading(u8),
    Quote,
    Callout,
    List,
    ListItem,
    /// A list item's marker (bullet or number).
    ListLabel,
    DefinitionList,
    Code,
    Table,
    TableRow,
    /// A cell; `true` for a header cell.
    TableCell(bool),
    Figure,
    Caption,
    Math,
    Details,
    Embed,
    Html,
    Rule,
    Footnote,
    Contents,
    /// One entry of the contents.
    ContentsEntry,
    /// Page furniture: running heads, folios, the cover. Not part of the text.
    Artifact,
}

/// The block a drawing belongs to, and the blocks around it (`parent`), each with where it
/// came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub kind: TagKind,
    pub span: Option<Span>,
    pub parent: Option<Arc<Tag>>,
    /// What a picture or formula says, for readers who cannot see it.
    pub alt: Option<String>,
    /// The language of the block, when it is not the book's.
    pub lang: Option<String>,
}

impl Tag {
    pub fn new(kind: TagKind, span: Option<Span>, parent: Option<Arc<Tag>>) -> Arc<Tag> {
        Arc::new(Tag {
            kind,
            span,
            parent,
            alt: None,
            lang: None,
        })
    }

    /// A tag whose block has alternative text.
    pub fn described(
        kind: TagKind,
        span: Option<Span>,
        parent: Option<Arc<Tag>>,
        alt: String,
    ) -> Arc<Tag> {
        Arc::new(Tag {
            kind,
            span,
            parent,
            alt: Some(alt),
            lang: None,
        })
    }
}

/// Drawings placed together: `draws` are relative to (x, y), y down from the page top.
#[derive(Debug, Clone)]
pub struct Group {
    pub x: f32,
    pub y: f32,
    pub draws: Vec<Draw>,
    pub tag: Option<Arc<Tag>>,
}

/// One page: its size in points and its groups in reading order.
#[derive(Debug, Clone)]
pub struct Frame {
    pub width: f32,
    pub height: f32,
    pub groups: Vec<Group>,
}

/// A place in the document: the 1-based page, the top of the text block on it and the
/// distance below that top (kept apart so that every backend computes the same numbers).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    pub page: usize,
    pub top: f32,
    pub y: f32,
}
