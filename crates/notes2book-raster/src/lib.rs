//! A frame of the typesetting engine drawn as pixels: its rectangles, rules and glyph
//! outlines written as SVG paths, rendered by resvg, encoded as a JPEG. Used for the
//! generated cover, which e-readers want as an image.

use std::collections::HashMap;
use std::fmt::Write as _;

use notes2book_typeset::fonts::{FaceId, FontSet};
use notes2book_typeset::frame::{Color, Draw, Frame};

/// The frame as a JPEG of `scale` pixels a point, at `quality` (1–100).
pub fn jpeg(frame: &Frame, fonts: &FontSet, scale: f32, quality: u8) -> Result<Vec<u8>, String> {
    let svg = svg(frame, fonts);
    let tree = resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default())
        .map_err(|e| format!("the cover's drawing cannot be read: {e}"))?;
    let (w, h) = (
        (frame.width * scale).round() as u32,
        (frame.height * scale).round() as u32,
    );
    let mut pixmap =
        resvg::tiny_skia::Pixmap::new(w, h).ok_or_else(|| format!("no {w}×{h} picture"))?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    // Opaque: the cover's first drawing fills it.
    let rgb: Vec<u8> = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let mut out = Vec::new();
    let (w16, h16) = (
        u16::try_from(w).map_err(|_| "too wide a picture".to_string())?,
        u16::try_from(h).map_err(|_| "too tall a picture".to_string())?,
    );
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    // Colour at half resolution, as cameras store it: half the work, no visible change on
    // flat fields and type this size.
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    encoder
        .encode(&rgb, w16, h16, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| format!("the cover cannot be encoded: {e}"))?;
    Ok(out)
}

/// The frame as an SVG document in points.
pub fn svg(frame: &Frame, fonts: &FontSet) -> String {
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\">",
        frame.width, frame.height, frame.width, frame.height
    );
    let mut outlines = Outlines::default();
    for g in &frame.groups {
        for d in &g.draws {
            draw(&mut out, &d.shifted(g.x, g.y), fonts, &mut outlines);
        }
    }
    out.push_str("</svg>");
    out
}

fn rgb(c: Color) -> String {
    let v = |x: f32| (x.clamp(0.0, 1.0) * 255.0).round() as u8;
    format!("#{:02x}{:02x}{:02x}", v(c.0), v(c.1), v(c.2))
}

fn draw<'f>(out: &mut String, d: &Draw, fonts: &'f FontSet, outlines: &mut Outlines<'f>) {
    match d {
        Draw::Rect { x, y, w, h, color } => {
            let _ = write!(
                out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"{}\"/>",
                rgb(*color)
            );
        }
        Draw::Frame {
            x,
            y,
            w,
            h,
            width,
            color,
        } => {
            let _ = write!(
                out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{width}\"/>",
                rgb(*color)
            );
        }
        Draw::Line {
            x1,
            y1,
            x2,
            y2,
            width,
            color,
        } => {
            let _ = write!(
                out,
                "<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"{}\" stroke-width=\"{width}\"/>",
                rgb(*color)
            );
        }
        Draw::Glyphs {
            face,
            size,
            color,
            baseline,
            glyphs,
            stretch,
        } => {
            let units = fonts.face(*face).units_per_em.max(1.0);
            let s = size / units;
            for g in glyphs {
                let Some(path) = outlines.get(fonts, *face, g.gid) else {
                    continue;
                };
                let _ = write!(
                    out,
                    "<path transform=\"matrix({} 0 0 {} {} {baseline})\" fill=\"{}\" d=\"{path}\"/>",
                    s * stretch,
                    -s,
                    g.x,
                    rgb(*color)
                );
            }
        }
        // Pictures, link areas and tags have nothing to draw on a cover.
        Draw::Image { .. } | Draw::Link { .. } | Draw::Mark(_) => {}
    }
}

/// Glyph outlines as SVG path data in font units (y up), each face and glyph read once.
#[derive(Default)]
struct Outlines<'f> {
    faces: HashMap<FaceId, Option<ttf_parser::Face<'f>>>,
    paths: HashMap<(FaceId, u16), Option<String>>,
}

impl<'f> Outlines<'f> {
    fn get(&mut self, fonts: &'f FontSet, face: FaceId, gid: u16) -> Option<&str> {
        let parsed = self.faces.entry(face).or_insert_with(|| {
            let f = fonts.face(face);
            ttf_parser::Face::parse(&f.bytes, f.index).ok()
        });
        self.paths
            .entry((face, gid))
            .or_insert_with(|| {
                let mut b = PathData(String::new());
                parsed
                    .as_ref()?
                    .outline_glyph(ttf_parser::GlyphId(gid), &mut b)?;
                Some(b.0)
            })
            .as_deref()
    }
}

struct PathData(String);

impl ttf_parser::OutlineBuilder for PathData {
    fn move_to(&mut self, x: f32, y: f32) {
        let _ = write!(self.0, "M{x} {y}");
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let _ = write!(self.0, "L{x} {y}");
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let _ = write!(self.0, "Q{x1} {y1} {x} {y}");
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let _ = write!(self.0, "C{x1} {y1} {x2} {y2} {x} {y}");
    }
    fn close(&mut self) {
        self.0.push('Z');
    }
}
