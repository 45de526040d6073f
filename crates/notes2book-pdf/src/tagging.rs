//! What each page's marked content belongs to, recorded while the page is written (in
//! parallel) and turned into the structure tree afterwards ([`crate::structure`]).
//!
//! Every piece of a page's content is either real content, in a marked-content sequence
//! with an MCID that one structure element owns, or an artifact (running heads, folios,
//! rules, backgrounds, leaders) that a reader skips.

use std::sync::Arc;

use notes2book_typeset::frame::{Tag, TagKind};

/// Who a marked-content sequence belongs to.
#[derive(Debug, Clone)]
pub enum Owner {
    /// A block, by its tag.
    Block(Arc<Tag>),
    /// The page's `n`th link, inside `parent`'s block.
    Link { parent: Arc<Tag>, n: usize },
}

impl Owner {
    fn same(&self, other: &Owner) -> bool {
        match (self, other) {
            (Owner::Block(a), Owner::Block(b)) => Arc::ptr_eq(a, b),
            (Owner::Link { n: a, .. }, Owner::Link { n: b, .. }) => a == b,
            _ => false,
        }
    }

    /// The structure type its marked content is tagged with in the page stream.
    pub fn role(&self) -> &'static str {
        match self {
            Owner::Block(t) => struct_type(t.kind).unwrap_or("Span"),
            Owner::Link { .. } => "Link",
        }
    }
}

/// What an artifact is (ISO 32000-1, 14.8.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Artifact {
    /// Running heads and folios.
    Pagination,
    /// Rules, backgrounds, leaders: drawing that is not text.
    Layout,
}

/// What the content about to be drawn is.
#[derive(Debug, Clone)]
pub enum Want {
    Content(Owner),
    Artifact(Artifact),
}

/// Something the structure tree must know, in page order.
#[derive(Debug, Clone)]
pub enum Event {
    /// The next MCID of the page belongs to this owner.
    Content(Owner),
    /// The block exists here even if it draws nothing (an empty table cell).
    Declare(Arc<Tag>),
}

/// A link annotation of the page, in the order of the page's `/Annots`.
#[derive(Debug, Clone, Default)]
pub struct LinkRecord {
    /// The block the link is in (`None`: furniture).
    pub parent: Option<Arc<Tag>>,
    /// The text of the link, for the annotation's `/Contents`.
    pub text: String,
    /// Whether the annotation was written (a link to nowhere is not).
    pub written: bool,
}

/// A page's tagging: its events (MCIDs in order) and its links.
#[derive(Debug, Clone, Default)]
pub struct PageTags {
    pub events: Vec<Event>,
    pub links: Vec<LinkRecord>,
}

/// The open marked-content sequence of a page being written.
#[derive(Debug, Clone, Default)]
pub struct Open(Option<Want>);

impl Open {
    /// Whether content wanting `want` can continue the open sequence.
    pub fn continues(&self, want: &Want) -> bool {
        match (&self.0, want) {
            (Some(Want::Content(a)), Want::Content(b)) => a.same(b),
            (Some(Want::Artifact(a)), Want::Artifact(b)) => a == b,
            _ => false,
        }
    }

    pub fn is_open(&self) -> bool {
        self.0.is_some()
    }

    pub fn set(&mut self, want: Option<Want>) {
        self.0 = want;
    }
}

/// The standard structure type of a tag kind (ISO 32000-1, 14.8.4); `None` for artifacts.
pub fn struct_type(kind: TagKind) -> Option<&'static str> {
    Some(match kind {
        TagKind::Chapter => "Sect",
        TagKind::Title => "H1",
        TagKind::Heading(l) => ["H1", "H2", "H3", "H4", "H5", "H6"][usize::from(l.clamp(1, 6)) - 1],
        TagKind::Paragraph => "P",
        TagKind::Quote => "BlockQuote",
        TagKind::Callout
        | TagKind::DefinitionList
        | TagKind::Details
        | TagKind::Embed
        | TagKind::Html
        | TagKind::Rule => "Div",
        TagKind::List => "L",
        TagKind::ListItem => "LI",
        TagKind::ListLabel => "Lbl",
        TagKind::Code => "Code",
        TagKind::Table => "Table",
        TagKind::TableRow => "TR",
        TagKind::TableCell(true) => "TH",
        TagKind::TableCell(false) => "TD",
        TagKind::Figure => "Figure",
        TagKind::Caption => "Caption",
        TagKind::Math => "Formula",
        TagKind::Footnote => "Note",
        TagKind::Contents => "TOC",
        TagKind::ContentsEntry => "TOCI",
        TagKind::Artifact => return None,
    })
}

/// What a drawing under `tag` is: content of its block, or an artifact of kind `artifact`
/// (a group's own artifact tag is page furniture, one marked inside a group is layout).
pub fn want_of(tag: Option<&Arc<Tag>>, artifact: Artifact) -> Want {
    match tag {
        Some(t) if t.kind != TagKind::Artifact => Want::Content(Owner::Block(t.clone())),
        Some(_) => Want::Artifact(artifact),
        None => Want::Artifact(Artifact::Layout),
    }
}
