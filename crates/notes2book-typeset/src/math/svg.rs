//! A laid-out formula as a standalone SVG drawing, for e-readers that cannot show MathML
//! (Kindle, older Kobo firmware): glyph outlines as paths, so the reader needs no font, and
//! rules as rectangles. Lengths are written in points of the size the formula was set at.

use std::fmt::Write;

use ttf_parser::{GlyphId, OutlineBuilder};

use super::font::MathFont;
use super::{MathBox, Piece};

/// A formula drawn: the SVG document, and its size in ems of the text it sits in (width,
/// height above the baseline, depth below it).
#[derive(Debug, Clone, PartialEq)]
pub struct Drawn {
    pub svg: String,
    pub width_em: f32,
    pub ascent_em: f32,
    pub descent_em: f32,
}

/// Room around the ink, in ems: italic letters and accents lean past the box.
const PAD: f32 = 0.08;

/// Draw `math`, which was laid out at `size` points.
pub fn draw(font: &MathFont, math: &MathBox, size: f32) -> Drawn {
    let pad = PAD * size;
    let (w, asc, desc) = (
        math.width + math.italic.max(0.0) + 2.0 * pad,
        math.ascent + pad,
        math.descent + pad,
    );
    let h = asc + desc;
    let mut svg = String::with_capacity(256 + math.pieces.len() * 400);
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{}pt\" height=\"{}pt\" viewBox=\"0 0 {} {}\">",
        num(w),
        num(h),
        num(w),
        num(h)
    );
    let mut paths = String::new();
    for p in &math.pieces {
        match p {
            Piece::Glyph {
                x, y, size, gid, ..
            } => {
                let mut pen = Pen {
                    d: &mut paths,
                    x0: pad + x,
                    y0: asc - y,
                    s: size / font.upem,
                };
                font.face.outline_glyph(GlyphId(*gid), &mut pen);
            }
            Piece::Rule { x, y, w: rw, h: rh } => {
                let _ = write!(
                    paths,
                    "M{} {}h{}v{}h{}Z",
                    num(pad + x),
                    num(asc - y - rh),
                    num(*rw),
                    num(*rh),
                    num(-rw)
                );
            }
        }
    }
    if !paths.is_empty() {
        let _ = write!(svg, "<path d=\"{paths}\"/>");
    }
    svg.push_str("</svg>");
    Drawn {
        svg,
        width_em: w / size,
        ascent_em: asc / size,
        descent_em: desc / size,
    }
}

/// Outline commands in page coordinates (y down).
struct Pen<'a> {
    d: &'a mut String,
    x0: f32,
    y0: f32,
    s: f32,
}

impl Pen<'_> {
    fn pt(&self, x: f32, y: f32) -> (String, String) {
        (num(self.x0 + x * self.s), num(self.y0 - y * self.s))
    }
}

impl OutlineBuilder for Pen<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        let (a, b) = self.pt(x, y);
        let _ = write!(self.d, "M{a} {b}");
    }

    fn line_to(&mut self, x: f32, y: f32) {
        let (a, b) = self.pt(x, y);
        let _ = write!(self.d, "L{a} {b}");
    }

    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (a, b) = self.pt(x1, y1);
        let (c, d) = self.pt(x, y);
        let _ = write!(self.d, "Q{a} {b} {c} {d}");
    }

    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (a, b) = self.pt(x1, y1);
        let (c, d) = self.pt(x2, y2);
        let (e, f) = self.pt(x, y);
        let _ = write!(self.d, "C{a} {b} {c} {d} {e} {f}");
    }

    fn close(&mut self) {
        self.d.push('Z');
    }
}

/// A number with at most two decimals and no trailing zeros (`-0` as `0`).
fn num(v: f32) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r == 0.0 || !r.is_finite() {
        return "0".into();
    }
    let s = format!("{r:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
