//! The faces the PDF uses: the bundled book fonts plus any fallback fonts from the
//! configuration, and shaping with harfrust.
//!
//! Text is shaped a word at a time (the unit the line breaker works with), so results are
//! cached per chapter by the caller. Glyph advances are kept in font units; the renderer
//! turns them into PDF positions.

use std::sync::{Arc, Mutex};

use harfrust::{Buffer, Direction, Font, Language, Script, ShapeOptions, ShapePlan, ShaperFont};
use notes2book_assets::{BUNDLED_FONTS, MATH_FONT};

/// Index into [`FontSet::faces`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FaceId(pub u16);

/// The styles the layout asks for; each maps to a face (with fallbacks for missing
/// characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    Regular,
    Italic,
    Bold,
    BoldItalic,
    Mono,
    MonoBold,
    /// Headings: the bold of the book face unless `pdf.fonts.heading` names another.
    Heading,
    HeadingItalic,
}

impl Style {
    pub fn with_italic(self) -> Style {
        match self {
            Style::Regular => Style::Italic,
            Style::Bold => Style::BoldItalic,
            Style::Heading => Style::HeadingItalic,
            other => other,
        }
    }

    pub fn with_bold(self) -> Style {
        match self {
            Style::Regular => Style::Bold,
            Style::Italic => Style::BoldItalic,
            Style::Mono => Style::MonoBold,
            other => other,
        }
    }

    pub fn is_mono(self) -> bool {
        matches!(self, Style::Mono | Style::MonoBold)
    }

    /// The bold of this style (what code inside it is set in, for one).
    pub fn is_bold(self) -> bool {
        matches!(
            self,
            Style::Bold | Style::BoldItalic | Style::Heading | Style::HeadingItalic
        )
    }
}

/// One font face.
pub struct Face {
    /// PostScript-like name for messages.
    pub name: String,
    pub bytes: Arc<[u8]>,
    /// The face's index in its file (a collection, `.ttc`, holds several).
    pub index: u32,
    font: Font,
    pub units_per_em: f32,
    pub ascender: f32,
    pub descender: f32,
    /// Nominal advance of every glyph, in font units.
    advances: Vec<f32>,
    /// Glyphs are pictures (colour emoji in CBDT or sbix), with no outlines to embed.
    pub bitmap: bool,
    /// Shape plans by direction, script and language: building one compiles the font's
    /// lookups, and doing that per word was an eighth of a whole build.
    plans: Mutex<Vec<(PlanKey, Arc<ShapePlan>)>>,
}

/// Direction, script, language and the `ssty` (math script style) level of a plan.
type PlanKey = (Direction, Option<Script>, Option<Language>, u32);

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face").field("name", &self.name).finish()
    }
}

impl Face {
    pub fn from_bytes(name: &str, bytes: Arc<[u8]>, index: u32) -> Option<Face> {
        let font = Font::new(bytes.to_vec(), index)?;
        let (upem, asc, desc, advances) = {
            let shaper = ShaperFont::new(&font);
            let upem = f32::from(font.units_per_em().max(1));
            // Typographic extents from the font's own metrics; fall back to common values.
            let ext = shaper
                .nominal_glyph(u32::from('H'))
                .and_then(|g| shaper.glyph_extents(g));
            let asc = ext.map(|e| e.y_bearing as f32).unwrap_or(0.7 * upem);
            let desc = shaper
                .nominal_glyph(u32::from('p'))
                .and_then(|g| shaper.glyph_extents(g))
                .map(|e| -((e.y_bearing + e.height) as f32))
                .unwrap_or(0.2 * upem);
            let advances = (0..font.num_glyphs())
                .map(|g| shaper.glyph_h_advance(harfrust::GlyphId::new(g)) as f32)
                .collect();
            (upem, asc, desc, advances)
        };
        let bitmap = ttf_parser::Face::parse(&bytes, index).is_ok_and(|f| {
            let t = f.tables();
            t.glyf.is_none() && t.cff.is_none() && t.cff2.is_none()
        });
        Some(Face {
            name: name.to_string(),
            bitmap,
            bytes,
            index,
            font,
            units_per_em: upem,
            ascender: asc,
            descender: desc,
            advances,
            plans: Mutex::new(Vec::new()),
        })
    }

    pub fn has_char(&self, c: char) -> bool {
        self.font.charmap().map_unicode(c).is_some()
    }

    /// Shape `text` (one word or run, no line breaks).
    pub fn shape(
        &self,
        text: &str,
        language: Option<&harfrust::Language>,
        rtl: bool,
    ) -> Vec<Glyph> {
        let shaper = ShaperFont::new(&self.font);
        let mut buffer = Buffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        // The direction is the bidi algorithm's (digits in Arabic text stay left to right).
        buffer.set_direction(if rtl {
            Direction::RightToLeft
        } else {
            Direction::LeftToRight
        });
        if let Some(lang) = language {
            buffer.set_language(Some(lang.clone()));
        }
        let plan = self.plan(&buffer, 0);
        let options = ShapeOptions::new().plan(plan.as_deref());
        if harfrust::shape(&shaper, &mut buffer, options).is_err() {
            // Shaping only fails on misuse of the buffer; fall back to nominal glyphs.
            return text
                .char_indices()
                .map(|(i, c)| {
                    let gid = self.glyph_for(c).unwrap_or(0);
                    Glyph {
                        gid,
                        advance: self.advance(gid),
                        cluster: i,
                    }
                })
                .collect();
        }
        let infos = buffer.glyph_infos();
        let positions = buffer.glyph_positions();
        infos
            .iter()
            .zip(positions)
            .map(|(info, pos)| Glyph {
                gid: info.glyph_id as u16,
                advance: pos.x_advance as f32,
                cluster: info.cluster as usize,
            })
            .collect()
    }

    /// Shape a math run (no line breaks) with the `ssty` alternates of script level `ssty`
    /// (0 for none): positions as (gid, advance in font units, byte offset of its cluster).
    pub fn shape_math(&self, text: &str, ssty: u32) -> Vec<Glyph> {
        let shaper = ShaperFont::new(&self.font);
        let mut buffer = Buffer::new();
        buffer.push_str(text);
        buffer.set_direction(Direction::LeftToRight);
        buffer.set_script(Some(Script::MATH));
        let plan = self.plan(&buffer, ssty);
        let options = ShapeOptions::new().plan(plan.as_deref());
        if plan.is_none() || harfrust::shape(&shaper, &mut buffer, options).is_err() {
            return Vec::new();
        }
        buffer
            .glyph_infos()
            .iter()
            .zip(buffer.glyph_positions())
            .map(|(info, pos)| Glyph {
                gid: info.glyph_id as u16,
                advance: pos.x_advance as f32,
                cluster: info.cluster as usize,
            })
            .collect()
    }

    /// The cached plan for the buffer's segment properties (`None` for an invalid direction,
    /// which shaping then reports).
    fn plan(&self, buffer: &Buffer, ssty: u32) -> Option<Arc<ShapePlan>> {
        let direction = buffer.direction();
        if direction == Direction::Invalid {
            return None;
        }
        let key: PlanKey = (direction, buffer.script(), buffer.language().cloned(), ssty);
        let mut plans = self.plans.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, p)) = plans.iter().find(|(k, _)| *k == key) {
            return Some(Arc::clone(p));
        }
        let features = [harfrust::Feature::new(
            harfrust::Tag::new(b"ssty"),
            ssty,
            ..,
        )];
        let plan = Arc::new(ShapePlan::new(
            &self.font,
            key.0,
            key.1,
            key.2.as_ref(),
            if ssty > 0 { &features[..] } else { &[] },
        ));
        plans.push((key, Arc::clone(&plan)));
        Some(plan)
    }

    /// The advance of a glyph as the PDF's `/W` array will state it, in thousandths of an
    /// em (printpdf truncates `advance * 1000 / upem`; positioning compensates exactly).
    pub fn pdf_width(&self, gid: u16) -> f32 {
        let adv = self.advance(gid);
        ((adv * 1000.0 / self.units_per_em) as i64) as f32
    }

    /// Nominal advance in font units.
    pub fn advance(&self, gid: u16) -> f32 {
        self.advances.get(usize::from(gid)).copied().unwrap_or(0.0)
    }

    pub fn glyph_for(&self, c: char) -> Option<u16> {
        self.font
            .charmap()
            .map_unicode(c)
            .map(|g| g.to_u32() as u16)
    }
}

/// A shaped glyph: advance in font units, cluster = byte offset into the shaped text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glyph {
    pub gid: u16,
    pub advance: f32,
    pub cluster: usize,
}

/// All faces and which serve which style.
#[derive(Debug)]
pub struct FontSet {
    pub faces: Vec<Face>,
    styles: [FaceId; 8],
    /// Fallback faces, tried in order for characters the style's face lacks.
    pub fallbacks: Vec<FaceId>,
    /// The bold face of a fallback's family, where one was found (by fallback face).
    bold_of: Vec<(FaceId, FaceId)>,
    /// The math face, once [`FontSet::add_math`] added it.
    pub math: Option<FaceId>,
}

/// What a family of faces is used for (`pdf.fonts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Body,
    Heading,
    Mono,
}

/// The faces of one family found for `pdf.fonts` (any may be missing).
#[derive(Debug, Clone, Default)]
pub struct Family {
    pub regular: Option<FallbackFont>,
    pub italic: Option<FallbackFont>,
    pub bold: Option<FallbackFont>,
    pub bold_italic: Option<FallbackFont>,
}

/// A fallback font given in the configuration.
#[derive(Debug, Clone)]
pub struct FallbackFont {
    pub name: String,
    pub bytes: Arc<[u8]>,
    /// The face's index in a collection (0 for a single font).
    pub index: u32,
}

impl FontSet {
    /// The bundled faces plus `fallbacks`. Returns the names of fallbacks that could not be
    /// read as fonts.
    pub fn new(fallbacks: &[FallbackFont]) -> (FontSet, Vec<String>) {
        let mut faces = Vec::new();
        let mut styles = [FaceId(0); 8];
        for f in BUNDLED_FONTS {
            let Some(face) = Face::from_bytes(f.file_name, Arc::from(f.bytes), 0) else {
                continue;
            };
            let id = FaceId(faces.len() as u16);
            let slot = match (f.monospace, f.bold, f.italic) {
                (false, false, false) => 0,
                (false, false, true) => 1,
                (false, true, false) => 2,
                (false, true, true) => 3,
                (true, false, _) => 4,
                (true, true, _) => 5,
            };
            styles[slot] = id;
            faces.push(face);
        }
        // Headings are in the bold until a heading family is set.
        styles[6] = styles[2];
        styles[7] = styles[3];
        let mut bad = Vec::new();
        let mut fb = Vec::new();
        for f in fallbacks {
            match Face::from_bytes(&f.name, f.bytes.clone(), f.index) {
                Some(face) => {
                    fb.push(FaceId(faces.len() as u16));
                    faces.push(face);
                }
                None => bad.push(f.name.clone()),
            }
        }
        (
            FontSet {
                faces,
                styles,
                fallbacks: fb,
                bold_of: Vec::new(),
                math: None,
            },
            bad,
        )
    }

    /// Add a fallback face after the configured ones (a face found on the machine), with
    /// its family's bold if there is one (for headings and strong text).
    pub fn add_fallback(&mut self, font: &FallbackFont, bold: Option<&FallbackFont>) -> bool {
        let Some(face) = Face::from_bytes(&font.name, font.bytes.clone(), font.index) else {
            return false;
        };
        let id = FaceId(self.faces.len() as u16);
        self.fallbacks.push(id);
        self.faces.push(face);
        if let Some(b) = bold
            && let Some(face) = Face::from_bytes(&b.name, b.bytes.clone(), b.index)
        {
            self.bold_of.push((id, FaceId(self.faces.len() as u16)));
            self.faces.push(face);
        }
        true
    }

    /// Whether a face for prose (any but the monospace ones) has `c`.
    pub fn covers(&self, c: char) -> bool {
        let mono = [
            self.style_face(Style::Mono),
            self.style_face(Style::MonoBold),
        ];
        self.faces
            .iter()
            .enumerate()
            .any(|(i, f)| !mono.contains(&FaceId(i as u16)) && f.has_char(c))
    }

    /// Add the bundled math face (last, so that a book without math keeps its faces and
    /// bytes).
    pub fn add_math(&mut self) -> Option<FaceId> {
        if self.math.is_none() {
            let face = Face::from_bytes(MATH_FONT.file_name, Arc::from(MATH_FONT.bytes), 0)?;
            self.math = Some(FaceId(self.faces.len() as u16));
            self.faces.push(face);
        }
        self.math
    }

    pub fn face(&self, id: FaceId) -> &Face {
        &self.faces[usize::from(id.0)]
    }

    pub fn style_face(&self, style: Style) -> FaceId {
        let i = match style {
            Style::Regular => 0,
            Style::Italic => 1,
            Style::Bold => 2,
            Style::BoldItalic => 3,
            Style::Mono => 4,
            Style::MonoBold => 5,
            Style::Heading => 6,
            Style::HeadingItalic => 7,
        };
        self.styles[i]
    }

    /// Set a role of the book in the faces of `family` (those it has; the others keep
    /// the bundled ones). Returns the names of faces that could not be read.
    pub fn set_family(&mut self, role: Role, family: &Family) -> Vec<String> {
        let slots: &[(usize, &Option<FallbackFont>)] = match role {
            Role::Body => &[
                (0, &family.regular),
                (1, &family.italic),
                (2, &family.bold),
                (3, &family.bold_italic),
            ],
            // A heading is bold: the family's bold, or its regular when it has none.
            Role::Heading => &[
                (
                    6,
                    family
                        .bold
                        .as_ref()
                        .map_or(&family.regular, |_| &family.bold),
                ),
                (
                    7,
                    family
                        .bold_italic
                        .as_ref()
                        .map_or(&family.italic, |_| &family.bold_italic),
                ),
            ],
            Role::Mono => &[(4, &family.regular), (5, &family.bold)],
        };
        let mut bad = Vec::new();
        for (slot, font) in slots {
            let Some(font) = font else { continue };
            match Face::from_bytes(&font.name, font.bytes.clone(), font.index) {
                Some(face) => {
                    self.styles[*slot] = FaceId(self.faces.len() as u16);
                    self.faces.push(face);
                }
                None => bad.push(font.name.clone()),
            }
        }
        bad
    }

    /// Split `text` into runs of one face each: the style's face where it has the
    /// character, else the first fallback that has it. Characters no face has stay with
    /// the style's face and are returned in `missing`.
    pub fn runs(&self, text: &str, style: Style, missing: &mut Vec<char>) -> Vec<(FaceId, String)> {
        let primary = self.style_face(style);
        let mut runs: Vec<(FaceId, String)> = Vec::new();
        let mut prev: Option<char> = None;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            let face = match (prev, runs.last()) {
                // An emoji sequence (modifier, joiner, flag, keycap) stays in one face.
                (Some(p), Some((f, _))) if joins_emoji(p, c) => *f,
                _ if is_emoji(c) || chars.peek() == Some(&'\u{FE0F}') => self
                    .colour_face(c)
                    .unwrap_or_else(|| self.face_for(c, style, primary, missing)),
                _ => self.face_for(c, style, primary, missing),
            };
            prev = Some(c);
            match runs.last_mut() {
                Some((f, s)) if *f == face => s.push(c),
                _ => runs.push((face, c.to_string())),
            }
        }
        runs
    }

    /// A colour (bitmap) fallback face that has `c`: emoji are drawn in colour when the
    /// machine has such a face, rather than in an outline font's black.
    fn colour_face(&self, c: char) -> Option<FaceId> {
        self.fallbacks
            .iter()
            .copied()
            .find(|&f| self.face(f).bitmap && self.face(f).has_char(c))
    }

    /// The face for `c` in `style`: the style's face where it has the character, else the
    /// first fallback that has it; a character no face has stays with the style's face
    /// and is added to `missing`.
    fn face_for(&self, c: char, style: Style, primary: FaceId, missing: &mut Vec<char>) -> FaceId {
        if c.is_whitespace() || is_invisible(c) || self.face(primary).has_char(c) {
            return primary;
        }
        // Another style of the book face (e.g. an arrow only the regular has), then the
        // configured and found fallbacks, the monospace last for prose (its Greek is no
        // text face), and the math face.
        let regular = [self.style_face(Style::Regular)];
        let mono = [self.style_face(Style::Mono)];
        let fallbacks = self.fallbacks.iter().copied();
        let order: Vec<FaceId> = if style.is_mono() {
            regular.into_iter().chain(mono).chain(fallbacks).collect()
        } else {
            regular.into_iter().chain(fallbacks).chain(mono).collect()
        };
        match order
            .into_iter()
            .chain(self.math)
            .find(|&f| self.face(f).has_char(c))
        {
            Some(f) if style.is_bold() => self
                .bold_of
                .iter()
                .find(|(r, b)| *r == f && self.face(*b).has_char(c))
                .map_or(f, |(_, b)| *b),
            Some(f) => f,
            None => {
                missing.push(c);
                primary
            }
        }
    }
}

/// Whether `c` continues the emoji sequence that `prev` is part of: a joiner or what it
/// joins, a variation selector, a skin-tone modifier, a tag, a keycap, a flag's second
/// letter.
fn joins_emoji(prev: char, c: char) -> bool {
    let regional = |c: char| ('\u{1F1E6}'..='\u{1F1FF}').contains(&c);
    matches!(c, '\u{200D}' | '\u{FE0E}' | '\u{FE0F}' | '\u{20E3}' | '\u{1F3FB}'..='\u{1F3FF}' | '\u{E0020}'..='\u{E007F}')
        || prev == '\u{200D}'
        || (regional(prev) && regional(c))
}

/// Characters shown as emoji by default (Emoji_Presentation): the pictographs of the
/// supplementary planes and the dingbats and symbols that are emoji by default.
pub(crate) fn is_emoji(c: char) -> bool {
    matches!(c,
        '\u{1F000}'..='\u{1FAFF}'
        | '\u{231A}' | '\u{231B}' | '\u{23E9}'..='\u{23EC}' | '\u{23F0}' | '\u{23F3}'
        | '\u{25FD}' | '\u{25FE}' | '\u{2614}' | '\u{2615}' | '\u{2648}'..='\u{2653}'
        | '\u{267F}' | '\u{2693}' | '\u{26A1}' | '\u{26AA}' | '\u{26AB}' | '\u{26BD}'
        | '\u{26BE}' | '\u{26C4}' | '\u{26C5}' | '\u{26CE}' | '\u{26D4}' | '\u{26EA}'
        | '\u{26F2}' | '\u{26F3}' | '\u{26F5}' | '\u{26FA}' | '\u{26FD}' | '\u{2705}'
        | '\u{270A}' | '\u{270B}' | '\u{2728}' | '\u{274C}' | '\u{274E}'
        | '\u{2753}'..='\u{2755}' | '\u{2757}' | '\u{2795}'..='\u{2797}' | '\u{27B0}'
        | '\u{27BF}' | '\u{2B1B}' | '\u{2B1C}' | '\u{2B50}' | '\u{2B55}')
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{00AD}' | '\u{2060}' | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_faces_load_and_shape_ligatures() {
        let (set, bad) = FontSet::new(&[]);
        assert!(bad.is_empty());
        assert_eq!(set.faces.len(), 6);
        let face = set.face(set.style_face(Style::Regular));
        let glyphs = face.shape("office", None, false);
        // "ffi" becomes one glyph in Charis SIL.
        assert!(glyphs.len() < 6, "{glyphs:?}");
        assert!(glyphs.iter().all(|g| g.gid != 0));
        assert!(
            face.has_char('ü') && face.has_char('—') && face.has_char('Ж') && face.has_char('λ')
        );
    }

    #[test]
    fn characters_no_face_has_are_reported() {
        let (set, _) = FontSet::new(&[]);
        let mut missing = Vec::new();
        let runs = set.runs("time 時間", Style::Regular, &mut missing);
        assert_eq!(missing, vec!['時', '間']);
        assert_eq!(runs.len(), 1);
    }
}
