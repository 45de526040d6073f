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
    /// Micro-typography for justified text: font expansion of up to ±2 % a line and
    /// punctuation protruding into the margins.
    pub microtype: bool,
    /// Where highlighted code is kept between runs (`None`: made every time).
    pub cache: Option<std::path::PathBuf>,
}

/// A page size by name (`A4`, `Letter`, `A5`, `B5`, `6x9`, `5x8`, `5.5x8.5`, `7x10`, the
/// last four in inches), or as `W x H` with units (`148mm x 210mm`, `6in x 9in`, `15cm x
/// 23cm`, `432pt x 648pt`), case-insensitive: (width, height) in points.
pub fn page_size(name: &str) -> Option<(f32, f32)> {
    let mm = |w: f32, h: f32| (w * 72.0 / 25.4, h * 72.0 / 25.4);
    let inch = |w: f32, h: f32| (w * 72.0, h * 72.0);
    let key = name.to_ascii_lowercase().replace(' ', "");
    let named = match key.trim_end_matches("in") {
        "a4" => Some(mm(210.0, 297.0)),
        "a5" => Some(mm(148.0, 210.0)),
        "b5" => Some(mm(176.0, 250.0)),
        "letter" | "us-letter" => Some(inch(8.5, 11.0)),
        "6x9" => Some(inch(6.0, 9.0)),
        "5x8" => Some(inch(5.0, 8.0)),
        "5.5x8.5" => Some(inch(5.5, 8.5)),
        "7x10" => Some(inch(7.0, 10.0)),
        _ => None,
    };
    named.or_else(|| {
        let (w, h) = key.split_once('x')?;
        let (w, h) = (length(w)?, length(h)?);
        let sane = |v: f32| (72.0..=72.0 * 40.0).contains(&v);
        (sane(w) && sane(h)).then_some((w, h))
    })
}

/// `148mm`, `6in`, `15cm`, `432pt` in points.
fn length(s: &str) -> Option<f32> {
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let value: f32 = s[..split].parse().ok()?;
    let unit = match &s[split..] {
        "mm" => 72.0 / 25.4,
        "cm" => 72.0 / 2.54,
        "in" => 72.0,
        "pt" => 1.0,
        _ => return None,
    };
    Some(value * unit).filter(|v| v.is_finite())
}

/// The page sizes `page_size` knows by name, for messages.
pub const PAGE_SIZES: &[&str] = &[
    "A4",
    "Letter",
    "A5",
    "B5",
    "6x9",
    "5x8",
    "5.5x8.5",
    "7x10",
    "W x H (148mm x 210mm)",
];

/// The body size that suits a page: 10 pt on pocket sizes, up to 11.5 pt on A4 and
/// Letter.
pub fn font_size_for(page: (f32, f32)) -> f32 {
    let w_mm = page.0 * 25.4 / 72.0;
    if w_mm < 140.0 {
        10.0
    } else if w_mm < 165.0 {
        10.5
    } else if w_mm < 190.0 {
        11.0
    } else {
        11.5
    }
}

/// Characters a line should hold (book typography's 60 to 75, aimed at the middle).
const TARGET_CHARS_PER_LINE: f32 = 68.0;
/// The width of the bundled body face's average character, spaces included, in ems.
const AVERAGE_CHAR_EM: f32 = 0.463;

/// Margins for a page and body size in the spirit of the book canons: a measure of
/// about 68 characters (never wider than the page less 30 mm), the rest of the width
/// split 2:3 between the inner and the outer margin, the top and bottom in the same
/// unit (2.4:3.6), each at least what the running head and the folio need.
pub fn margins_for(page: (f32, f32), size: f32) -> Margins {
    let mm = 72.0 / 25.4;
    let (w, _) = page;
    let measure = (TARGET_CHARS_PER_LINE * AVERAGE_CHAR_EM * size).min(w - 30.0 * mm);
    let sides = (w - measure).max(30.0 * mm);
    let unit = sides / 5.0;
    let inner = (2.0 * unit).max(14.0 * mm);
    let outer = sides - inner;
    // The running head sits 2.2 ems above the text, the folio 2.6 ems below: room for
    // them and 10 mm to the trim.
    let top = (2.4 * unit).max(2.2 * size + 10.0 * mm + size);
    let bottom = (3.6 * unit).max(2.6 * size + 10.0 * mm + size);
    Margins {
        top,
        bottom,
        inner,
        outer,
    }
}

impl Default for Options {
    fn default() -> Self {
        let page = page_size("A4").unwrap_or((595.28, 841.89));
        let size = font_size_for(page);
        Options {
            page_size: page,
            margins: margins_for(page, size),
            font_size: size,
            line_height: 1.38,
            fallback_fonts: Vec::new(),
            justify: true,
            hyphenate: true,
            two_sided: false,
            toc: true,
            toc_depth: 2,
            discovery: crate::discover::Discovery::default(),
            families: Vec::new(),
            microtype: true,
            cache: None,
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
            cache: self.cache.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_by_name_and_with_units() {
        let close =
            |a: (f32, f32), b: (f32, f32)| (a.0 - b.0).abs() < 0.05 && (a.1 - b.1).abs() < 0.05;
        let a5 = page_size("A5").expect("A5");
        assert!(close(page_size("148mm x 210mm").expect("mm"), a5));
        assert!(close(page_size("14.8cm x 21cm").expect("cm"), a5));
        assert!(close(page_size("6in x 9in").expect("in"), (432.0, 648.0)));
        assert!(close(page_size("6x9").expect("6x9"), (432.0, 648.0)));
        assert!(close(
            page_size("432pt x 648pt").expect("pt"),
            (432.0, 648.0)
        ));
        for name in ["B5", "5x8", "5.5x8.5", "7x10", "Letter"] {
            assert!(page_size(name).is_some(), "{name}");
        }
        for bad in ["A7x", "6 x 9 furlongs", "0mm x 10mm", "1e9in x 2in", ""] {
            assert_eq!(page_size(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_page_size_gets_a_book_text_block() {
        for name in ["A4", "Letter", "A5", "B5", "6x9", "5x8", "5.5x8.5", "7x10"] {
            let page = page_size(name).expect("size");
            let size = font_size_for(page);
            let m = margins_for(page, size);
            let measure = page.0 - m.inner - m.outer;
            let chars = measure / (AVERAGE_CHAR_EM * size);
            assert!(
                (55.0..=75.0).contains(&chars),
                "{name}: {chars} characters a line"
            );
            assert!(m.inner < m.outer, "{name}: {m:?}");
            assert!(m.top < m.bottom, "{name}: {m:?}");
            let lines = (page.1 - m.top - m.bottom) / (size * 1.38);
            assert!(lines > 28.0, "{name}: {lines} lines a page");
        }
    }
}
