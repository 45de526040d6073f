//! Placed pages → content streams ([`crate::content`]).
//!
//! Glyph positions are absolute: every glyph gets the offset that moves the pen from where
//! the PDF's own widths would leave it to where the layout put it, so justification and
//! kerning are exact and copied text keeps its spaces (spaces are real space glyphs).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use notes2book_model::ImageId;

use notes2book_typeset::fonts::{FaceId, FontSet};
use notes2book_typeset::frame::{Color, Draw, Frame, LinkDest, MUTED, PlacedGlyph, Position, Tag};

use crate::content::{Content, PageLink};
use crate::tagging::{Artifact, Event, LinkRecord, Owner, Want, want_of};

/// The y of a link's or bookmark's destination, from the page bottom: a little above the
/// line, so that the viewer shows it whole.
pub fn dest_y(at: &Position, page_height: f32) -> f32 {
    page_height - at.top - at.y + 2.0
}

/// An image placed in the document: its resource name and pixel size.
#[derive(Debug, Clone)]
pub struct PlacedImage {
    pub name: String,
    pub px_w: f32,
    pub px_h: f32,
}

#[derive(Debug)]
pub struct Renderer<'a> {
    pub fonts: &'a FontSet,
    /// The text each glyph reads back as (ToUnicode), from [`canonical_text`].
    pub canonical: &'a Canonical,
    /// The pictures of the glyphs of bitmap faces (colour emoji), read as they are met.
    pub emoji: &'a Mutex<HashMap<(FaceId, u16), Option<Emoji>>>,
    pub images: &'a HashMap<ImageId, PlacedImage>,
    pub page_height: f32,
}

/// A piece of a glyph run: the text it reads as when its glyphs do not say it, and its
/// glyphs with their offsets.
type Piece<'t> = (Option<&'t str>, Vec<(u16, f32)>);

/// The resource name of a face's font.
pub fn font_name(face: u16) -> String {
    format!("F{face}")
}

/// The resource name of a bitmap glyph's picture.
pub fn emoji_name((face, gid): (u16, u16)) -> String {
    format!("E{face}-{gid}")
}

/// A page drawn: its content and what its tags and links say.
pub fn draw_frame(renderer: &Renderer<'_>, frame: &Frame) -> Content {
    let mut c = Content::default();
    for g in &frame.groups {
        renderer.draw(&g.draws, (g.x, g.y), g.tag.as_ref(), &mut c);
    }
    c.finish();
    c
}

impl Renderer<'_> {
    /// Draw `draws` with their origin at (x, top) in layout coordinates (y down from the
    /// page top), as content of `tag` (or as furniture).
    pub fn draw(
        &self,
        draws: &[Draw],
        (x, top): (f32, f32),
        tag: Option<&Arc<Tag>>,
        ops: &mut Content,
    ) {
        let ph = self.page_height;
        let base = want_of(tag, Artifact::Pagination);
        let mut current = base.clone();
        // The group's links, numbered in page order, so that the text under each can be
        // tagged as the link before its annotation is written.
        let mut areas = Vec::new();
        for d in draws {
            if let Draw::Link { x, y, w, h, .. } = d {
                areas.push(([*x, *y, *w, *h], ops.tags.links.len()));
                ops.tags.links.push(LinkRecord::default());
            }
        }
        let mut next_link = areas.iter().map(|(_, n)| *n);
        // A rectangle (x, y, w, h) of the layout in PDF coordinates: [x, y, w, h] from its
        // lower-left corner.
        let rect = |rx: f32, y: f32, w: f32, h: f32| [x + rx, ph - (top + y + h), w, h];
        for d in draws {
            match d {
                Draw::Mark(t) => {
                    current = want_of(Some(t), Artifact::Layout);
                    if let Want::Content(_) = current {
                        ops.tags.events.push(Event::Declare(t.clone()));
                    }
                }
                Draw::Glyphs {
                    face,
                    size,
                    color,
                    baseline,
                    glyphs,
                    stretch,
                } => {
                    let want = link_want(&current, glyphs, *baseline, &areas, ops);
                    ops.mark(want);
                    self.glyphs(
                        (*face, *size, *stretch),
                        *color,
                        glyphs,
                        (x, ph - (top + baseline)),
                        ops,
                    )
                }
                Draw::Rect {
                    x: rx,
                    y,
                    w,
                    h,
                    color,
                } => {
                    ops.mark(Want::Artifact(Artifact::Layout));
                    ops.graphics();
                    ops.fill(*color);
                    ops.rect(rect(*rx, *y, *w, *h), false);
                }
                Draw::Frame {
                    x: rx,
                    y,
                    w,
                    h,
                    width,
                    color,
                } => {
                    ops.mark(Want::Artifact(Artifact::Layout));
                    ops.graphics();
                    ops.stroke(*color, *width);
                    ops.rect(rect(*rx, *y, *w, *h), true);
                }
                Draw::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    width,
                    color,
                } => {
                    ops.mark(Want::Artifact(Artifact::Layout));
                    line(
                        [(x + x1, ph - (top + y1)), (x + x2, ph - (top + y2))],
                        *width,
                        *color,
                        ops,
                    )
                }
                Draw::Image {
                    image,
                    x: ix,
                    y,
                    w,
                    h,
                } => {
                    ops.mark(current.clone());
                    self.image(*image, rect(*ix, *y, *w, *h), ops)
                }
                Draw::Link {
                    x: lx,
                    y,
                    w,
                    h,
                    dest,
                } => {
                    let Some(n) = next_link.next() else { continue };
                    if let Some(record) = ops.tags.links.get_mut(n) {
                        record.written = true;
                        if record.parent.is_none() {
                            record.parent = [&current, &base].into_iter().find_map(|w| match w {
                                Want::Content(Owner::Block(t)) => Some(t.clone()),
                                _ => None,
                            });
                        }
                    }
                    let [rx, ry, rw, rh] = rect(*lx, *y, *w, *h);
                    ops.links.push(PageLink {
                        rect: [rx, ry, rx + rw, ry + rh],
                        dest: dest.clone(),
                    });
                }
            }
        }
    }

    /// A glyph run starting at (x + its first glyph's x, baseline) in PDF coordinates.
    fn glyphs(
        &self,
        (face, size, stretch): (FaceId, f32, f32),
        color: Color,
        glyphs: &[PlacedGlyph],
        (x, baseline): (f32, f32),
        ops: &mut Content,
    ) {
        let Some(first) = glyphs.first() else {
            return;
        };
        if self.fonts.face(face).bitmap {
            self.stand_ins(face, size, glyphs, (x, baseline), ops);
            return;
        }
        if glyphs.iter().any(|g| g.gid == 0) {
            let (missing, found): (Vec<PlacedGlyph>, Vec<PlacedGlyph>) =
                glyphs.iter().cloned().partition(|g| g.gid == 0);
            self.stand_ins(face, size, &missing, (x, baseline), ops);
            self.glyphs((face, size, stretch), color, &found, (x, baseline), ops);
            return;
        }
        let f = self.fonts.face(face);
        // The pen moves by the PDF's own (truncated) widths; an offset puts it back where
        // the layout wants the next glyph whenever the drift exceeds DRIFT (invisible), so
        // most glyphs need no offset at all.
        const DRIFT: f32 = 0.04;
        // Pieces of the run to show: a cluster whose glyphs do not each read back as its
        // text (a conjunct, a reordered vowel sign, a glyph that stands for different text
        // elsewhere) is shown inside a span whose /ActualText is the cluster's text.
        let mut pieces: Vec<Piece<'_>> = Vec::new();
        let mut pen = first.x;
        // Widths and offsets are scaled by the horizontal scaling (Tz) too.
        let unit = size * stretch / 1000.0;
        for (k, g) in glyphs.iter().enumerate() {
            pen += f.pdf_width(g.gid) * unit;
            let offset = match glyphs.get(k + 1) {
                Some(next) if (next.x - pen).abs() > DRIFT => {
                    let o = -(next.x - pen) / unit;
                    let o = (o * 100.0).round() / 100.0;
                    pen -= o * unit;
                    o
                }
                _ => 0.0,
            };
            let canonical = self.canonical.get(&(face, g.gid));
            let cp = (g.gid, offset);
            match &g.text {
                Some(t) => {
                    let alone = glyphs.get(k + 1).is_none_or(|n| n.text.is_some());
                    let plain = alone && canonical.is_some_and(|c| c.as_str() == &**t);
                    let actual = (!plain).then_some(&**t);
                    match pieces.last_mut() {
                        Some((None, cps)) if actual.is_none() => cps.push(cp),
                        _ => pieces.push((actual, vec![cp])),
                    }
                }
                None => match pieces.last_mut() {
                    Some((_, cps)) => cps.push(cp),
                    None => pieces.push((None, vec![cp])),
                },
            }
        }
        ops.text();
        ops.set_font(face.0, size);
        ops.fill(color);
        ops.scaling(round2(stretch * 100.0));
        ops.text_at(x + first.x, baseline);
        for (actual, cps) in pieces {
            match actual {
                Some(text) => {
                    ops.begin_actual_text(text);
                    ops.show(face.0, &cps);
                    ops.end_marked();
                }
                None => ops.show(face.0, &cps),
            }
        }
    }

    /// Glyphs drawn as something else, each with its text read back through an invisible
    /// space: those of a bitmap face (colour emoji) as their pictures, and glyphs no font
    /// has (the font's .notdef, which PDF/UA forbids showing) as an outlined box.
    fn stand_ins(
        &self,
        face: FaceId,
        size: f32,
        glyphs: &[PlacedGlyph],
        (x, baseline): (f32, f32),
        ops: &mut Content,
    ) {
        let f = self.fonts.face(face);
        for g in glyphs {
            let width = f.advance(g.gid) * size / f.units_per_em;
            if f.bitmap {
                let Some(e) = self.emoji_of(face, g.gid) else {
                    continue;
                };
                let s = size / e.ppem;
                let at = [
                    x + g.x + e.dx * s,
                    baseline + e.dy * s,
                    e.px_w * s,
                    e.px_h * s,
                ];
                ops.xobject(&emoji_name((face.0, g.gid)), at);
                ops.pictures.insert((face.0, g.gid));
            } else {
                ops.graphics();
                ops.stroke(MUTED, size * 0.05);
                ops.rect(
                    [
                        x + g.x + size * 0.05,
                        baseline,
                        (width - size * 0.1).max(size * 0.2),
                        size * 0.7,
                    ],
                    true,
                );
            }
            if let Some(text) = &g.text {
                self.spoken(text, (x + g.x, baseline), width, size, ops);
            }
        }
    }

    /// `text` as an invisible space `width` wide at (x, baseline), whose /ActualText is
    /// the text: it reads back and is found by search, and no gap reads as a word break.
    fn spoken(
        &self,
        text: &str,
        (x, baseline): (f32, f32),
        width: f32,
        size: f32,
        ops: &mut Content,
    ) {
        let text_face = self
            .fonts
            .style_face(notes2book_typeset::fonts::Style::Regular);
        let tf = self.fonts.face(text_face);
        let Some(space) = tf.glyph_for(' ') else {
            return;
        };
        let space_em = tf.advance(space) / tf.units_per_em;
        let stretch = round2(width / (space_em * size).max(0.01) * 100.0);
        ops.text();
        ops.set_font(text_face.0, size);
        ops.scaling(stretch);
        ops.text_at(x, baseline);
        ops.begin_actual_text(text);
        ops.show(text_face.0, &[(space, 0.0)]);
        ops.end_marked();
    }

    /// An image filling `at` (PDF coordinates: lower-left corner, width, height).
    fn image(&self, image: ImageId, at: [f32; 4], ops: &mut Content) {
        let Some(placed) = self.images.get(&image) else {
            return;
        };
        ops.xobject(&placed.name, at);
    }

    /// The picture of a bitmap glyph, read from its face the first time it is met.
    fn emoji_of(&self, face: FaceId, gid: u16) -> Option<Emoji> {
        let mut known = self.emoji.lock().ok()?;
        known
            .entry((face, gid))
            .or_insert_with(|| emoji_metrics(self.fonts, face, gid))
            .clone()
    }
}

/// What a glyph run is: the text of a link when it lies in one of the group's link areas
/// (its text is added to the link's), else what the drawings around it are.
fn link_want(
    current: &Want,
    glyphs: &[PlacedGlyph],
    baseline: f32,
    areas: &[([f32; 4], usize)],
    ops: &mut Content,
) -> Want {
    let Want::Content(Owner::Block(tag)) = current else {
        return current.clone();
    };
    let (Some(a), Some(b)) = (glyphs.first(), glyphs.last()) else {
        return current.clone();
    };
    let mid = (a.x + b.x) / 2.0;
    let inside =
        |[x, y, w, h]: [f32; 4]| mid >= x && mid <= x + w && baseline >= y && baseline <= y + h;
    let Some(&(_, n)) = areas.iter().find(|(r, _)| inside(*r)) else {
        return current.clone();
    };
    if let Some(record) = ops.tags.links.get_mut(n) {
        record.parent.get_or_insert_with(|| tag.clone());
        record
            .text
            .extend(glyphs.iter().filter_map(|g| g.text.as_deref()));
    }
    Want::Content(Owner::Link {
        parent: tag.clone(),
        n,
    })
}

/// A straight line between two points in PDF coordinates, butt ends.
fn line(points: [(f32, f32); 2], width: f32, color: Color, ops: &mut Content) {
    ops.graphics();
    ops.stroke(color, width);
    ops.line(points[0], points[1]);
}

fn round2(v: f32) -> f32 {
    (v * 100.0).round() / 100.0
}

/// Keep `Arc` in scope for callers building link destinations.
pub type Dest = Arc<LinkDest>;

/// The text each glyph reads back as, by face and glyph.
pub type Canonical = rustc_hash::FxHashMap<(FaceId, u16), String>;

/// The text each glyph of each face reads back as: that of the first cluster it forms
/// alone, the pages read in order (a batch at a time, each adding what is new). A PDF maps
/// a glyph to one text for the whole file; every other use of the glyph gets an
/// /ActualText span.
pub fn canonical_text(pages: &[Frame], canonical: &mut Canonical) {
    for g in pages.iter().flat_map(|p| &p.groups) {
        for d in &g.draws {
            let Draw::Glyphs { face, glyphs, .. } = d else {
                continue;
            };
            for (k, gl) in glyphs.iter().enumerate() {
                let alone = glyphs.get(k + 1).is_none_or(|n| n.text.is_some());
                if let (Some(t), true) = (&gl.text, alone) {
                    canonical
                        .entry((*face, gl.gid))
                        .or_insert_with(|| t.to_string());
                }
            }
        }
    }
}

/// The picture of a bitmap glyph: its image, size in pixels, offset of its bottom-left
/// corner from the glyph origin in pixels, and its pixels per em.
#[derive(Debug, Clone)]
pub struct Emoji {
    pub px_w: f32,
    pub px_h: f32,
    pub dx: f32,
    pub dy: f32,
    pub ppem: f32,
}

/// A bitmap glyph's largest strike, if it is a PNG.
fn strike(fonts: &FontSet, face: FaceId, gid: u16) -> Option<(Emoji, Vec<u8>)> {
    let f = fonts.face(face);
    let tf = ttf_parser::Face::parse(&f.bytes, f.index).ok()?;
    let img = tf.glyph_raster_image(ttf_parser::GlyphId(gid), u16::MAX)?;
    if img.format != ttf_parser::RasterImageFormat::PNG {
        return None;
    }
    let e = Emoji {
        px_w: f32::from(img.width),
        px_h: f32::from(img.height),
        dx: f32::from(img.x),
        dy: f32::from(img.y),
        ppem: f32::from(img.pixels_per_em.max(1)),
    };
    Some((e, img.data.to_vec()))
}

fn emoji_metrics(fonts: &FontSet, face: FaceId, gid: u16) -> Option<Emoji> {
    strike(fonts, face, gid).map(|(e, _)| e)
}

/// Every bitmap glyph drawn, embedded as an image under its resource name, in order.
pub fn add_emoji(
    doc: &mut printpdf::PdfDocument,
    fonts: &FontSet,
    drawn: &std::collections::BTreeSet<(u16, u16)>,
) -> Vec<(printpdf::XObjectId, String)> {
    let mut out = Vec::new();
    for &(face, gid) in drawn {
        let Some((_, png)) = strike(fonts, FaceId(face), gid) else {
            continue;
        };
        if let Some(id) = crate::images::add_with_alpha(doc, &png) {
            out.push((id, emoji_name((face, gid))));
        }
    }
    out
}
