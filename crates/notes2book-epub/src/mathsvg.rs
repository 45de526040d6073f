//! Math for readers without MathML (`epub.math: svg`): every formula drawn once, by the
//! same engine that sets the PDF, as an SVG image of its glyph outlines. A page shows it
//! with `<img>`, the TeX source as its `alt`, sized in ems and lowered to its baseline, so
//! it scales with the reader's text and sits on the line like text.

use std::collections::{BTreeMap, HashMap};

use notes2book_model::{Block, Book, Diagnostic, Inline, Span};
use rayon::prelude::*;

/// One formula drawn.
#[derive(Debug)]
pub struct MathImage {
    /// Path inside `OEBPS/`, by content: `math/m-3fa2c1d0e9b8a7f6.svg`.
    pub path: String,
    pub svg: String,
    pub width_em: f32,
    pub ascent_em: f32,
    pub descent_em: f32,
}

/// Every formula of the book drawn, by its MathML and whether it is displayed.
#[derive(Debug, Default)]
pub struct MathImages {
    drawn: HashMap<(String, bool), MathImage>,
    pub diagnostics: Vec<Diagnostic>,
}

impl MathImages {
    /// Draw every formula in `book` (in parallel, each distinct one once).
    pub fn draw(book: &Book) -> MathImages {
        // Each distinct formula with the first place it is written.
        let mut wanted: BTreeMap<(&str, bool), Option<Span>> = BTreeMap::new();
        let blocks = book.chapters.iter().flat_map(|ch| {
            std::iter::once(&ch.blocks).chain(ch.footnotes.iter().map(|f| &f.blocks))
        });
        for blocks in blocks {
            notes2book_model::walk_blocks(blocks, &mut |b| {
                if let Block::Math {
                    formula: Some(f),
                    span,
                    ..
                } = b
                {
                    wanted.entry((&f.mathml, true)).or_insert(*span);
                }
                notes2book_model::block_inlines(b, &mut |i| {
                    if let Inline::Math {
                        formula: Some(f),
                        span,
                        ..
                    } = i
                    {
                        wanted.entry((&f.mathml, false)).or_insert(*span);
                    }
                });
            });
        }
        let results: Vec<((String, bool), Result<MathImage, Diagnostic>)> = wanted
            .into_par_iter()
            .map(|((mathml, display), span)| {
                let key = (mathml.to_string(), display);
                (key, draw_one(mathml, display, span))
            })
            .collect();
        let mut out = MathImages::default();
        for (key, r) in results {
            match r {
                Ok(img) => {
                    out.drawn.insert(key, img);
                }
                Err(d) => out.diagnostics.push(d),
            }
        }
        out
    }

    pub fn get(&self, mathml: &str, display: bool) -> Option<&MathImage> {
        self.drawn.get(&(mathml.to_string(), display))
    }

    /// The drawings, in path order.
    pub fn files(&self) -> Vec<&MathImage> {
        let mut files: Vec<&MathImage> = self.drawn.values().collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        files
    }
}

fn draw_one(mathml: &str, display: bool, span: Option<Span>) -> Result<MathImage, Diagnostic> {
    let drawn = notes2book_typeset::math::draw_svg(mathml, display).map_err(|e| {
        Diagnostic::warning(
            "epub-math-svg",
            format!("this formula could not be drawn for readers without MathML ({}); its source is shown", e.0),
        )
        .at_opt(span)
        .hint("simplify the formula, or keep `epub.math: mathml`")
    })?;
    let hash = blake3::hash(drawn.svg.as_bytes()).to_hex();
    Ok(MathImage {
        path: format!("math/m-{}.svg", &hash[..16]),
        svg: drawn.svg,
        width_em: drawn.width_em,
        ascent_em: drawn.ascent_em,
        descent_em: drawn.descent_em,
    })
}

/// The `<img>` of a formula: sized in ems, its baseline on the line's.
pub fn img(image: &MathImage, alt: &str, display: bool) -> String {
    let class = if display {
        "math-svg display"
    } else {
        "math-svg"
    };
    format!(
        "<img class=\"{class}\" src=\"{}\" alt=\"{}\" style=\"width:{:.3}em;height:{:.3}em;vertical-align:-{:.3}em\"/>",
        image.path,
        crate::xhtml::escape_attr(alt),
        image.width_em,
        image.ascent_em + image.descent_em,
        image.descent_em
    )
}
