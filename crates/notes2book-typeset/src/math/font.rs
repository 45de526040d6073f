//! The math face's MATH table: constants, italic corrections, accent attachments, and the
//! bigger variants and assemblies that stretchy delimiters, radicals and braces are built
//! from. Read with ttf-parser; values in font units.

use std::sync::OnceLock;

use notes2book_assets::MATH_FONT;
use ttf_parser::math::{Constants, MathValue};
use ttf_parser::{Face, GlyphId};

/// The bundled math face, parsed once.
pub struct MathFont {
    pub face: Face<'static>,
    constants: Constants<'static>,
    table: ttf_parser::math::Table<'static>,
    pub upem: f32,
    /// Glyph bounds (x min, y min, x max, y max), read when first asked for.
    bounds: Vec<OnceLock<[f32; 4]>>,
}

impl std::fmt::Debug for MathFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MathFont").finish_non_exhaustive()
    }
}

/// The bundled math font, or `None` if it has no MATH table (then formulas are shown as
/// their source).
pub fn math_font() -> Option<&'static MathFont> {
    static FONT: OnceLock<Option<MathFont>> = OnceLock::new();
    FONT.get_or_init(|| {
        let face = Face::parse(MATH_FONT.bytes, 0).ok()?;
        let table = face.tables().math?;
        let constants = table.constants?;
        let upem = f32::from(face.units_per_em().max(1));
        let bounds = (0..face.number_of_glyphs())
            .map(|_| OnceLock::new())
            .collect();
        Some(MathFont {
            face,
            constants,
            table,
            upem,
            bounds,
        })
    })
    .as_ref()
}

/// A glyph built to a size: one variant, or parts stacked with overlaps.
#[derive(Debug, Clone)]
pub enum Stretched {
    Variant(u16),
    /// Parts from the bottom (or left) with the offset of each, and the total length.
    Assembly(Vec<(u16, f32)>, f32),
}

impl MathFont {
    pub fn constant(&self, get: fn(&Constants<'static>) -> MathValue<'static>) -> f32 {
        f32::from(get(&self.constants).value)
    }

    pub fn script_scale(&self, level: u8) -> f32 {
        let pct = match level {
            0 => return 1.0,
            1 => self.constants.script_percent_scale_down(),
            _ => self.constants.script_script_percent_scale_down(),
        };
        if pct > 0 {
            f32::from(pct) / 100.0
        } else if level == 1 {
            0.7
        } else {
            0.5
        }
    }

    pub fn display_operator_min_height(&self) -> f32 {
        f32::from(self.constants.display_operator_min_height())
    }

    pub fn radical_degree_bottom_raise(&self) -> f32 {
        f32::from(self.constants.radical_degree_bottom_raise_percent()) / 100.0
    }

    pub fn glyph(&self, c: char) -> Option<u16> {
        self.face.glyph_index(c).map(|g| g.0)
    }

    pub fn advance(&self, gid: u16) -> f32 {
        f32::from(self.face.glyph_hor_advance(GlyphId(gid)).unwrap_or(0))
    }

    /// (x min, y min, x max, y max); zeros for a glyph with no outline.
    pub fn bounds(&self, gid: u16) -> [f32; 4] {
        let read = || {
            self.face
                .glyph_bounding_box(GlyphId(gid))
                .map_or([0.0; 4], |r| {
                    [
                        f32::from(r.x_min),
                        f32::from(r.y_min),
                        f32::from(r.x_max),
                        f32::from(r.y_max),
                    ]
                })
        };
        match self.bounds.get(usize::from(gid)) {
            Some(cell) => *cell.get_or_init(read),
            None => [0.0; 4],
        }
    }

    pub fn italic_correction(&self, gid: u16) -> f32 {
        self.table
            .glyph_info
            .and_then(|i| i.italic_corrections)
            .and_then(|v| v.get(GlyphId(gid)))
            .map_or(0.0, |v| f32::from(v.value))
    }

    /// Where an accent over this glyph is centred (font units from the glyph's origin).
    pub fn top_accent(&self, gid: u16) -> Option<f32> {
        self.table
            .glyph_info
            .and_then(|i| i.top_accent_attachments)
            .and_then(|v| v.get(GlyphId(gid)))
            .map(|v| f32::from(v.value))
    }

    /// The first variant of `gid` at least `target` long (vertically or horizontally), or
    /// an assembly of its parts; the largest variant if neither reaches.
    pub fn stretch(&self, gid: u16, target: f32, horizontal: bool) -> Stretched {
        let Some(variants) = self.table.variants else {
            return Stretched::Variant(gid);
        };
        let constructions = if horizontal {
            variants.horizontal_constructions
        } else {
            variants.vertical_constructions
        };
        let Some(construction) = constructions.get(GlyphId(gid)) else {
            return Stretched::Variant(gid);
        };
        let mut best = gid;
        for v in construction.variants {
            best = v.variant_glyph.0;
            if f32::from(v.advance_measurement) >= target {
                return Stretched::Variant(best);
            }
        }
        match construction.assembly {
            Some(a) => assemble(&a, target, f32::from(variants.min_connector_overlap))
                .unwrap_or(Stretched::Variant(best)),
            None => Stretched::Variant(best),
        }
    }
}

/// Parts repeated until they span `target`: every part once, extenders as often as needed,
/// each joint overlapping by at least `min_overlap` and at most what both connectors allow.
fn assemble(
    a: &ttf_parser::math::GlyphAssembly<'_>,
    target: f32,
    min_overlap: f32,
) -> Option<Stretched> {
    let parts: Vec<ttf_parser::math::GlyphPart> = a.parts.into_iter().collect();
    if parts.is_empty() || parts.len() > 16 {
        return None;
    }
    for repeats in 1..=64 {
        let seq: Vec<&ttf_parser::math::GlyphPart> = parts
            .iter()
            .flat_map(|p| {
                let n = if p.part_flags.extender() { repeats } else { 1 };
                std::iter::repeat_n(p, n)
            })
            .collect();
        let full: f32 = seq.iter().map(|p| f32::from(p.full_advance)).sum();
        // The most each joint may overlap, and the length with the least overlap.
        let joints: Vec<f32> = seq
            .windows(2)
            .map(|w| {
                f32::from(w[0].end_connector_length.min(w[1].start_connector_length))
                    .max(min_overlap)
            })
            .collect();
        let longest = full - min_overlap * joints.len() as f32;
        if longest < target && repeats < 64 {
            continue;
        }
        // Overlap evenly so that the assembly is `target` long (never overlapping less
        // than the minimum or more than the connectors).
        let shortest = full - joints.iter().sum::<f32>();
        let extra = (longest - target.max(shortest)).max(0.0);
        let share = if joints.is_empty() {
            0.0
        } else {
            extra / joints.len() as f32
        };
        let mut pos = 0.0;
        let mut placed = Vec::with_capacity(seq.len());
        for (k, p) in seq.iter().enumerate() {
            placed.push((p.glyph_id.0, pos));
            let overlap = joints.get(k).map_or(0.0, |j| (min_overlap + share).min(*j));
            pos += f32::from(p.full_advance) - overlap;
        }
        let total = placed.last().map_or(0.0, |(_, at)| {
            *at + f32::from(seq[seq.len() - 1].full_advance)
        });
        return Some(Stretched::Assembly(placed, total));
    }
    None
}
