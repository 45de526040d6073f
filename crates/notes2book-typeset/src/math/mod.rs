//! Math layout: a formula's MathML (what the converter wrote for the EPUB, so both books
//! agree on what it means) laid out from the OpenType MATH table of the bundled math face,
//! as TeX and MathML Core do it: fractions, radicals, scripts and limits, stretchy fences,
//! accents and braces, tables, spacing from an operator dictionary.
//!
//! The result is a [`MathBox`]: its width, height and depth and the glyphs and rules in
//! it, which the line breaker takes as one unbreakable box and a display sets on its own.

mod alpha;
mod font;
mod layout;
mod ops;
mod svg;

use std::sync::Arc;

use crate::fonts::{FaceId, FontSet};
use crate::frame::{Color, Draw, PlacedGlyph};

pub use font::math_font;
pub use svg::Drawn;

/// Something in a formula, relative to its origin on the baseline (y grows upwards).
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Glyph {
        x: f32,
        y: f32,
        size: f32,
        gid: u16,
        /// The text it stands for, for copying (the first glyph of a cluster).
        text: Option<String>,
        /// A text face for what the math face lacks (Chinese in `\text{}`); `None`: the
        /// math face.
        face: Option<FaceId>,
    },
    /// A filled rectangle: bottom-left corner at (x, y).
    Rule { x: f32, y: f32, w: f32, h: f32 },
}

/// A laid-out formula or part of one. Lengths in points.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MathBox {
    pub width: f32,
    pub ascent: f32,
    pub descent: f32,
    /// How far the last glyph leans out to the right (a superscript moves by it).
    pub italic: f32,
    /// Where an accent over it is centred, when the font says.
    pub accent_x: Option<f32>,
    /// A single token (scripts on it keep their standard shifts).
    pub simple: bool,
    /// A large operator (its subscript tucks in by its italic correction).
    pub large: bool,
    pub pieces: Vec<Piece>,
}

impl MathBox {
    /// Put `other` with its origin at (dx, dy).
    fn add(&mut self, other: MathBox, dx: f32, dy: f32) {
        self.pieces
            .extend(other.pieces.into_iter().map(|p| match p {
                Piece::Glyph {
                    x,
                    y,
                    size,
                    gid,
                    text,
                    face,
                } => Piece::Glyph {
                    x: x + dx,
                    y: y + dy,
                    size,
                    gid,
                    text,
                    face,
                },
                Piece::Rule { x, y, w, h } => Piece::Rule {
                    x: x + dx,
                    y: y + dy,
                    w,
                    h,
                },
            }));
    }

    /// The same box made `s` times as large.
    pub fn scaled(&self, s: f32) -> MathBox {
        MathBox {
            width: self.width * s,
            ascent: self.ascent * s,
            descent: self.descent * s,
            italic: self.italic * s,
            accent_x: self.accent_x.map(|a| a * s),
            simple: self.simple,
            large: self.large,
            pieces: self
                .pieces
                .iter()
                .map(|p| match p {
                    Piece::Glyph {
                        x,
                        y,
                        size,
                        gid,
                        text,
                        face,
                    } => Piece::Glyph {
                        x: x * s,
                        y: y * s,
                        size: size * s,
                        gid: *gid,
                        text: text.clone(),
                        face: *face,
                    },
                    Piece::Rule { x, y, w, h } => Piece::Rule {
                        x: x * s,
                        y: y * s,
                        w: w * s,
                        h: h * s,
                    },
                })
                .collect(),
        }
    }

    /// The drawings, relative to (origin, baseline) with y growing downwards: glyphs on one
    /// baseline and size in one run.
    pub fn draws(&self, face: FaceId, color: Color) -> Vec<Draw> {
        let mut draws: Vec<Draw> = Vec::new();
        for p in &self.pieces {
            match p {
                Piece::Glyph {
                    x,
                    y,
                    size,
                    gid,
                    text,
                    face: own,
                } => {
                    let g = PlacedGlyph {
                        gid: *gid,
                        x: *x,
                        text: text.as_deref().map(Arc::from),
                    };
                    let in_face = own.unwrap_or(face);
                    match draws.last_mut() {
                        Some(Draw::Glyphs {
                            face: f,
                            size: s,
                            baseline,
                            glyphs,
                            ..
                        }) if *f == in_face
                            && *s == *size
                            && *baseline == -*y
                            && glyphs.last().is_some_and(|l| l.x < *x) =>
                        {
                            glyphs.push(g)
                        }
                        _ => draws.push(Draw::Glyphs {
                            face: in_face,
                            size: *size,
                            color,
                            baseline: -*y,
                            glyphs: vec![g],
                            stretch: 1.0,
                        }),
                    }
                }
                Piece::Rule { x, y, w, h } => draws.push(Draw::Rect {
                    x: *x,
                    y: -(y + h),
                    w: *w,
                    h: *h,
                    color,
                }),
            }
        }
        draws
    }
}

/// Why a formula could not be laid out (it is then shown as its source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MathLayoutError(pub String);

/// A formula laid out, with the characters the math face lacks.
#[derive(Debug, Clone)]
pub struct Laid {
    pub math: Arc<MathBox>,
    pub missing: Vec<char>,
}

/// Lay out `mathml` (one `<math>` element) at `size` points, in display style when
/// `display`. `fonts` must have the math face ([`FontSet::add_math`]).
pub fn layout(
    fonts: &FontSet,
    mathml: &str,
    display: bool,
    size: f32,
) -> Result<Laid, MathLayoutError> {
    let (Some(font), Some(face)) = (math_font(), fonts.math) else {
        return Err(MathLayoutError("the math font could not be read".into()));
    };
    lay_with(font, (fonts.face(face), Some(fonts)), mathml, display, size)
}

/// Lay out with the math face and, when given, the text faces for what it lacks.
fn lay_with(
    font: &'static font::MathFont,
    (face, text): (&crate::fonts::Face, Option<&FontSet>),
    mathml: &str,
    display: bool,
    size: f32,
) -> Result<Laid, MathLayoutError> {
    let doc = roxmltree::Document::parse(mathml)
        .map_err(|e| MathLayoutError(format!("the MathML does not parse ({e})")))?;
    let mut l = layout::Layout::new(font, face, text, size);
    let b = l.formula(doc.root_element(), display)?;
    Ok(Laid {
        math: Arc::new(b),
        missing: l.missing,
    })
}

/// A formula drawn as SVG by the same engine (for EPUB readers without MathML), set at
/// 10 points and measured in ems.
pub fn draw_svg(mathml: &str, display: bool) -> Result<Drawn, MathLayoutError> {
    static FACE: std::sync::OnceLock<Option<crate::fonts::Face>> = std::sync::OnceLock::new();
    let face = FACE.get_or_init(|| {
        let f = notes2book_assets::MATH_FONT;
        crate::fonts::Face::from_bytes(f.file_name, Arc::from(f.bytes), 0)
    });
    let (Some(font), Some(face)) = (math_font(), face.as_ref()) else {
        return Err(MathLayoutError("the math font could not be read".into()));
    };
    const SIZE: f32 = 10.0;
    // Only the math face's outlines are drawn: no text faces.
    let laid = lay_with(font, (face, None), mathml, display, SIZE)?;
    if let Some(c) = laid.missing.first() {
        return Err(MathLayoutError(format!("the math font has no `{c}`")));
    }
    Ok(svg::draw(font, &laid.math, SIZE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> FontSet {
        let (mut fonts, _) = FontSet::new(&[]);
        fonts.add_math();
        fonts
    }

    #[test]
    fn what_cannot_be_laid_out_is_an_error_not_a_panic() {
        let fonts = fonts();
        for bad in [
            "<math><merror><mtext>x</mtext></merror></math>",
            "<math><mfrac><mi>a</mi></mfrac></math>",
            "<math><msub><mi>a</mi></msub></math>",
            "<math><mroot><mi>a</mi></mroot></math>",
            "<math><mi>a</mi>",
        ] {
            assert!(layout(&fonts, bad, true, 10.0).is_err(), "{bad}");
        }
        let (plain, _) = FontSet::new(&[]);
        assert!(layout(&plain, "<math><mi>a</mi></math>", false, 10.0).is_err());
    }

    #[test]
    fn boxes_have_the_size_their_parts_need() {
        let fonts = fonts();
        let lay = |m: &str, display: bool| {
            layout(&fonts, m, display, 10.0)
                .map(|l| l.math)
                .unwrap_or_else(|e| panic!("{m}: {e:?}"))
        };
        let x = lay("<math><mi>x</mi></math>", false);
        let frac = lay("<math><mfrac><mi>a</mi><mi>b</mi></mfrac></math>", false);
        assert!(frac.ascent > x.ascent && frac.descent > x.descent);
        let text_sum = lay("<math><mo>∑</mo></math>", false);
        let display_sum = lay("<math><mo>∑</mo></math>", true);
        assert!(display_sum.ascent + display_sum.descent > text_sum.ascent + text_sum.descent);
        // Fences grow with what they enclose.
        let small = lay(
            "<math><mrow><mo>(</mo><mi>x</mi><mo>)</mo></mrow></math>",
            true,
        );
        let tall = lay(
            "<math><mrow><mo>(</mo><mfrac><mfrac><mi>a</mi><mi>b</mi></mfrac><mi>c</mi></mfrac><mo>)</mo></mrow></math>",
            true,
        );
        assert!(tall.ascent + tall.descent > 1.5 * (small.ascent + small.descent));
        // A superscript is raised, a subscript lowered, both smaller.
        let sup = lay("<math><msup><mi>x</mi><mn>2</mn></msup></math>", false);
        let sub = lay("<math><msub><mi>x</mi><mn>2</mn></msub></math>", false);
        assert!(sup.ascent > x.ascent && sub.descent > x.descent);
        let sizes: Vec<f32> = sup
            .pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Glyph { size, .. } => Some(*size),
                Piece::Rule { .. } => None,
            })
            .collect();
        assert!(sizes.len() == 2 && sizes[1] < sizes[0] * 0.8, "{sizes:?}");
        // Letters are italic, copied back as written.
        let italic = math_font().and_then(|f| f.glyph('𝑥'));
        assert!(matches!(
            &x.pieces[..],
            [Piece::Glyph { gid, text: Some(t), .. }] if Some(*gid) == italic && t == "x"
        ));
    }
}
