//! Page setup: the page size, margins and type settings the book is set with.

use crate::fonts::FallbackFont;
use crate::layout::Geometry;

/// Page margins in points; inner and outer swap on even pages when two-sided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Margins {
    pub top: f32,
    pub bottom: f32,
    pub inner: f32,
    pub outer: f32,
}

/// How the book is set.
#[derive(Debug, Clone)]
pub struct Options {
    /// Page width and height in points.
    pub page_size: (f32, f32),
    pub margins: Margins,
    /// Body text size in points.
    pub font_size: f32,
    /// Baseline distance as a multiple of the font size.
    pub line_height: f32,
    pub fallback_fonts: Vec<FallbackFont>,
    pub justify: bool,
    pub hyphenate: bool,
    pub two_sided: bool,
    /// A table of contents after the title page.
    pub toc: bool,
    /// Heading depth of the contents and the outline (1 = chapters only).
    pub toc_depth: u8,
    /// Where to find fonts for characters the bundled and configured faces lack (nowhere
    /// by default: the same notes then give the same PDF on every machine).
    pub discovery: crate::discover::Discovery,
    /// Families that replace the bundled faces for a role (`pdf.fonts`).
    pub families: Vec<(crate::fonts::Role, crate::fonts::Family)>,
}

/// A named page size: `A4`, `Letter`, `A5`, `6x9` (inches), case-insensitive.
pub fn page_size(name: &str) -> Option<(f32, f32)> {
    let mm = |w: f32, h: f32| (w * 72.0 / 25.4, h * 72.0 / 25.4);
    match name.to_ascii_lowercase().replace(' ', "").as_str() {
        "a4" => Some(mm(210.0, 297.0)),
        "a5" => Some(mm(148.0, 210.0)),
        "letter" | "us-letter" => Some((612.0, 792.0)),
        "6x9" | "6x9in" => Some((432.0, 648.0)),
        _ => None,
    }
}

/// The page sizes `page_size` knows, for messages.
pub const PAGE_SIZES: &[&str] = &["A4", "Letter", "A5", "6x9"];

impl Default for Options {
    fn default() -> Self {
        let mm = 72.0 / 25.4;
        Options {
            page_size: page_size("A4").unwrap_or((595.28, 841.89)),
            margins: Margins {
                top: 25.0 * mm,
                bottom: 30.0 * mm,
                inner: 30.0 * mm,
                outer: 38.0 * mm,
            },
            font_size: 11.0,
            line_height: 1.38,
            fallback_fonts: Vec::new(),
            justify: true,
            hyphenate: true,
            two_sided: false,
            toc: true,
            toc_depth: 2,
            discovery: crate::discover::Discovery::default(),
            families: Vec::new(),
        }
    }
}

impl Options {
    /// The width of the text block.
    pub fn measure(&self) -> f32 {
        let m = self.margins;
        (self.page_size.0 - m.inner - m.outer).max(72.0)
    }

    /// The height of the text block.
    pub fn text_height(&self) -> f32 {
        let m = self.margins;
        (self.page_size.1 - m.top - m.bottom).max(72.0)
    }

    pub(crate) fn geometry(&self) -> Geometry {
        Geometry {
            measure: self.measure(),
            page_height: self.text_height(),
            size: self.font_size,
            leading: self.font_size * self.line_height,
            justify: self.justify,
            hyphenate: self.hyphenate,
        }
    }

    /// The left edge of the text block on page `physical` (1-based).
    pub(crate) fn left(&self, physical: usize) -> f32 {
        if self.two_sided && physical.is_multiple_of(2) {
            self.margins.outer
        } else {
            self.margins.inner
        }
    }
}
