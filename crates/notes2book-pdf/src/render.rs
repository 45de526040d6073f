//! Placed pages → printpdf operations.
//!
//! Glyph positions are absolute: every glyph gets the offset that moves the pen from where
//! the PDF's own widths would leave it to where the layout put it, so justification and
//! kerning are exact and copied text keeps its spaces (spaces are real space glyphs).

use std::collections::HashMap;
use std::sync::Arc;

use notes2book_model::ImageId;
use printpdf::{
    Actions, BorderArray, Codepoint, ColorArray, Destination, DictItem, FontId, HighlightingMode,
    Line, LineCapStyle, LinePoint, LinkAnnotation, Op, PaintMode, PdfFontHandle, Point, Pt, Rect,
    Rgb, TextItem, TextMatrix, XObjectId, XObjectTransform,
};

use notes2book_typeset::document::Anchors;
use notes2book_typeset::fonts::{FaceId, FontSet};
use notes2book_typeset::frame::{Color, Draw, Frame, LinkDest, MUTED, PlacedGlyph, Position, Tag};

use crate::tagging::{Artifact, Event, LinkRecord, Open, Owner, PageTags, Want, want_of};

/// The y of a link's or bookmark's destination, from the page bottom: a little above the
/// line, so that the viewer shows it whole.
pub fn dest_y(at: &Position, page_height: f32) -> f32 {
    page_height - at.top - at.y + 2.0
}

/// An image placed in the document: its XObject and pixel size.
#[derive(Debug, Clone)]
pub struct PlacedImage {
    pub id: XObjectId,
    pub px_w: f32,
    pub px_h: f32,
}

#[derive(Debug)]
pub struct Renderer<'a> {
    pub fonts: &'a FontSet,
    /// The text each glyph reads back as (ToUnicode), from [`canonical_text`].
    pub canonical: &'a HashMap<(FaceId, u16), String>,
    /// The pictures of the glyphs of bitmap faces (colour emoji), from [`add_emoji`].
    pub emoji: &'a HashMap<(FaceId, u16), Emoji>,
    pub font_ids: &'a [FontId],
    pub images: &'a HashMap<ImageId, PlacedImage>,
    pub anchors: &'a Anchors,
    pub page_height: f32,
}

fn rgb(c: Color) -> printpdf::Color {
    printpdf::Color::Rgb(Rgb {
        r: c.0,
        g: c.1,
        b: c.2,
        icc_profile: None,
    })
}

/// A page's operations and the state they leave, so that a text object stays open across
/// consecutive words and the font and fill colour are set only when they change. (One text
/// object per word, with its font and colour, was six operations a word; printpdf then
/// could not merge a line's words into one `TJ`.)
#[derive(Debug, Default)]
pub struct PageOps {
    ops: Vec<Op>,
    in_text: bool,
    font: Option<(u16, f32)>,
    fill: Option<Color>,
    /// Horizontal scaling (Tz) in percent, when not 100.
    scaling: Option<f32>,
    /// The open marked-content sequence, the next MCID, and what the page's MCIDs and
    /// links belong to.
    open: Open,
    mcid: usize,
    tags: PageTags,
}

impl PageOps {
    fn text(&mut self) {
        if !self.in_text {
            self.ops.push(Op::StartTextSection);
            self.in_text = true;
        }
    }

    fn graphics(&mut self) {
        if self.in_text {
            self.ops.push(Op::EndTextSection);
            self.in_text = false;
        }
    }

    fn fill(&mut self, c: Color) {
        if self.fill != Some(c) {
            self.ops.push(Op::SetFillColor { col: rgb(c) });
            self.fill = Some(c);
        }
    }

    fn push(&mut self, op: Op) {
        self.ops.push(op);
    }

    /// Select `font` (of face `face`) at `size`, if it is not the current one.
    fn set_font(&mut self, face: FaceId, font: &FontId, size: f32) {
        if self.font != Some((face.0, size)) {
            self.ops.push(Op::SetFont {
                font: PdfFontHandle::External(font.clone()),
                size: Pt(size),
            });
            self.font = Some((face.0, size));
        }
    }

    /// Set the horizontal scaling (percent) for the text that follows, if it changes.
    /// Tz is part of the text state, which outlives text objects.
    fn scaling(&mut self, percent: f32) {
        let now = self.scaling.unwrap_or(100.0);
        if (now - percent).abs() > 1e-3 {
            self.ops.push(Op::SetHorizontalScaling { percent });
            self.scaling = (percent != 100.0).then_some(percent);
        }
    }

    /// Put what follows in a marked-content sequence for `want`: the open one if it is
    /// the same, else a new one. Sequences never cross a text object's bounds.
    fn mark(&mut self, want: Want) {
        if self.open.continues(&want) {
            return;
        }
        self.close_mark();
        match &want {
            Want::Content(owner) => {
                let mut map = std::collections::BTreeMap::new();
                map.insert("MCID".to_string(), DictItem::Int(self.mcid as i64));
                self.ops.push(Op::BeginMarkedContentWithProperties {
                    tag: owner.role().into(),
                    properties: DictItem::Dict { map },
                });
                self.mcid += 1;
                self.tags.events.push(Event::Content(owner.clone()));
            }
            Want::Artifact(Artifact::Layout) => self.ops.push(Op::BeginMarkedContent {
                tag: "Artifact".into(),
            }),
            Want::Artifact(Artifact::Pagination) => {
                let mut map = std::collections::BTreeMap::new();
                map.insert("Type".to_string(), DictItem::Name(b"Pagination".to_vec()));
                self.ops.push(Op::BeginMarkedContentWithProperties {
                    tag: "Artifact".into(),
                    properties: DictItem::Dict { map },
                });
            }
        }
        self.open.set(Some(want));
    }

    fn close_mark(&mut self) {
        self.graphics();
        if self.open.is_open() {
            self.ops.push(Op::EndMarkedContent);
            self.open.set(None);
        }
    }

    /// The operations, with any open text object and marked content closed, and what the
    /// page's marked content belongs to.
    pub fn finish(mut self) -> (Vec<Op>, PageTags) {
        self.close_mark();
        // Growing by doubling leaves up to half unused; every page's operations live until
        // the document is serialised.
        self.ops.shrink_to_fit();
        (self.ops, self.tags)
    }
}

impl Renderer<'_> {
    /// Draw `draws` with their origin at (x, top) in layout coordinates (y down from the
    /// page top), as content of `tag` (or as furniture).
    pub fn draw(
        &self,
        draws: &[Draw],
        (x, top): (f32, f32),
        tag: Option<&Arc<Tag>>,
        ops: &mut PageOps,
    ) {
        let ph = self.page_height;
        let base = want_of(tag, Artifact::Pagination);
        let mut current = base.clone();
        // The group's links, numbered in page order, so that the text under each can be
        // tagged as the link before its annotation is written.
        let mut areas = Vec::new();
        for d in draws {
            if let Draw::Link { x, y, w, h, dest } = d
                && self.action(dest).is_some()
            {
                areas.push(([*x, *y, *w, *h], ops.tags.links.len()));
                ops.tags.links.push(LinkRecord::default());
            }
        }
        let mut next_link = areas.iter().map(|(_, n)| *n);
        // A rectangle (x, y, w, h) of the layout in PDF coordinates.
        let rect = |rx: f32, y: f32, w: f32, h: f32, mode: Option<PaintMode>| Rect {
            x: Pt(round2(x + rx)),
            y: Pt(round2(ph - (top + y + h))),
            width: Pt(round2(w)),
            height: Pt(round2(h)),
            mode,
            winding_order: None,
        };
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
                    ops.fill(*color);
                    ops.push(Op::DrawRectangle {
                        rectangle: rect(*rx, *y, *w, *h, Some(PaintMode::Fill)),
                    });
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
                    ops.push(Op::SetOutlineColor { col: rgb(*color) });
                    ops.push(Op::SetOutlineThickness { pt: Pt(*width) });
                    ops.push(Op::DrawRectangle {
                        rectangle: rect(*rx, *y, *w, *h, Some(PaintMode::Stroke)),
                    });
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
                    self.image(*image, rect(*ix, *y, *w, *h, None), (*w, *h), ops)
                }
                Draw::Link {
                    x: lx,
                    y,
                    w,
                    h,
                    dest,
                } => {
                    let Some(actions) = self.action(dest) else {
                        continue;
                    };
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
                    link(actions, rect(*lx, *y, *w, *h, None), ops);
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
        ops: &mut PageOps,
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
        let Some(font) = self.font_ids.get(usize::from(face.0)) else {
            return;
        };
        let f = self.fonts.face(face);
        // The pen moves by the PDF's own (truncated) widths; an offset puts it back where
        // the layout wants the next glyph whenever the drift exceeds DRIFT (invisible), so
        // most glyphs need no offset at all.
        const DRIFT: f32 = 0.04;
        // Pieces of the run to show: a cluster whose glyphs do not each read back as its
        // text (a conjunct, a reordered vowel sign, a glyph that stands for different text
        // elsewhere) is shown inside a span whose /ActualText is the cluster's text.
        let mut pieces: Vec<(Option<&str>, Vec<Codepoint>)> = Vec::new();
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
            let cp = Codepoint {
                gid: g.gid,
                offset,
                cid: canonical.cloned(),
            };
            match &g.text {
                Some(t) => {
                    let alone = glyphs.get(k + 1).is_none_or(|n| n.text.is_some());
                    let plain = alone && canonical.is_some_and(|c| c == t);
                    let actual = (!plain).then_some(t.as_str());
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
        ops.set_font(face, font, size);
        ops.fill(color);
        ops.scaling(round2(stretch * 100.0));
        ops.push(Op::SetTextMatrix {
            matrix: TextMatrix::Translate(Pt(round2(x + first.x)), Pt(round2(baseline))),
        });
        for (actual, cps) in pieces {
            let show = Op::ShowText {
                items: vec![TextItem::GlyphIds(cps)],
            };
            match actual {
                Some(text) => {
                    ops.push(Op::BeginMarkedContentWithProperties {
                        tag: "Span".into(),
                        properties: actual_text(text),
                    });
                    ops.push(show);
                    ops.push(Op::EndMarkedContent);
                }
                None => ops.push(show),
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
        ops: &mut PageOps,
    ) {
        let f = self.fonts.face(face);
        for g in glyphs {
            let width = f.advance(g.gid) * size / f.units_per_em;
            if f.bitmap {
                let Some(e) = self.emoji.get(&(face, g.gid)) else {
                    continue;
                };
                let s = size / e.ppem;
                let at = (Pt(x + g.x + e.dx * s), Pt(baseline + e.dy * s));
                place(&e.id, at, (s, s), ops);
            } else {
                ops.graphics();
                ops.push(Op::SetOutlineColor { col: rgb(MUTED) });
                ops.push(Op::SetOutlineThickness {
                    pt: Pt(size * 0.05),
                });
                ops.push(Op::DrawRectangle {
                    rectangle: Rect {
                        x: Pt(round2(x + g.x + size * 0.05)),
                        y: Pt(round2(baseline)),
                        width: Pt(round2((width - size * 0.1).max(size * 0.2))),
                        height: Pt(round2(size * 0.7)),
                        mode: Some(PaintMode::Stroke),
                        winding_order: None,
                    },
                });
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
        ops: &mut PageOps,
    ) {
        let text_face = self
            .fonts
            .style_face(notes2book_typeset::fonts::Style::Regular);
        let tf = self.fonts.face(text_face);
        let (Some(space), Some(font)) = (
            tf.glyph_for(' '),
            self.font_ids.get(usize::from(text_face.0)),
        ) else {
            return;
        };
        let space_em = tf.advance(space) / tf.units_per_em;
        let stretch = round2(width / (space_em * size).max(0.01) * 100.0);
        ops.text();
        ops.set_font(text_face, font, size);
        ops.scaling(stretch);
        ops.push(Op::SetTextMatrix {
            matrix: TextMatrix::Translate(Pt(round2(x)), Pt(round2(baseline))),
        });
        ops.push(Op::BeginMarkedContentWithProperties {
            tag: "Span".into(),
            properties: actual_text(text),
        });
        ops.push(Op::ShowText {
            items: vec![TextItem::GlyphIds(vec![Codepoint {
                gid: space,
                offset: 0.0,
                cid: Some(" ".into()),
            }])],
        });
        ops.push(Op::EndMarkedContent);
    }

    /// An image at `at` (PDF coordinates), scaled to `(w, h)` points.
    fn image(&self, image: ImageId, at: Rect, (w, h): (f32, f32), ops: &mut PageOps) {
        let Some(placed) = self.images.get(&image) else {
            return;
        };
        let scale = (w / placed.px_w.max(1.0), h / placed.px_h.max(1.0));
        place(&placed.id, (at.x, at.y), scale, ops);
    }

    /// Where a link goes; `None` for an internal link whose target is not in the book.
    fn action(&self, dest: &LinkDest) -> Option<Actions> {
        Some(match dest {
            LinkDest::Uri(u) => Actions::Uri(u.clone()),
            LinkDest::Internal { chapter, anchor } => {
                let at = self
                    .anchors
                    .get(&(*chapter, anchor.clone()))
                    .or_else(|| self.anchors.get(&(*chapter, None)))?;
                Actions::Goto(Destination::Xyz {
                    page: at.page,
                    left: None,
                    top: Some(round2(dest_y(at, self.page_height))),
                    zoom: None,
                })
            }
        })
    }
}

/// A link area.
fn link(actions: Actions, area: Rect, ops: &mut PageOps) {
    ops.push(Op::LinkAnnotation {
        link: LinkAnnotation::new(
            area,
            actions,
            Some(BorderArray::Solid([0.0, 0.0, 0.0])),
            Some(ColorArray::Transparent),
            Some(HighlightingMode::Invert),
        ),
    });
}

/// What a glyph run is: the text of a link when it lies in one of the group's link areas
/// (its text is added to the link's), else what the drawings around it are.
fn link_want(
    current: &Want,
    glyphs: &[PlacedGlyph],
    baseline: f32,
    areas: &[([f32; 4], usize)],
    ops: &mut PageOps,
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
fn line(points: [(f32, f32); 2], width: f32, color: Color, ops: &mut PageOps) {
    ops.graphics();
    ops.push(Op::SetOutlineColor { col: rgb(color) });
    ops.push(Op::SetOutlineThickness { pt: Pt(width) });
    ops.push(Op::SetLineCapStyle {
        cap: LineCapStyle::Butt,
    });
    let p = |(px, py): (f32, f32)| LinePoint {
        p: Point {
            x: Pt(round2(px)),
            y: Pt(round2(py)),
        },
        bezier: false,
    };
    ops.push(Op::DrawLine {
        line: Line {
            points: points.map(p).to_vec(),
            is_closed: false,
        },
    });
}

fn round2(v: f32) -> f32 {
    (v * 100.0).round() / 100.0
}

/// Keep `Arc` in scope for callers building link destinations.
pub type Dest = Arc<LinkDest>;

/// The text each glyph of each face reads back as: that of the first cluster it forms
/// alone. (A PDF maps a glyph to one text for the whole file; every other use of the
/// glyph gets an /ActualText span.)
pub fn canonical_text(pages: &[Frame]) -> HashMap<(FaceId, u16), String> {
    let mut canonical = HashMap::new();
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
                        .or_insert_with(|| t.clone());
                }
            }
        }
    }
    canonical
}

/// `<< /ActualText (text) >>`, the text as UTF-16BE with a byte-order mark.
fn actual_text(text: &str) -> DictItem {
    let mut data = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        data.extend(unit.to_be_bytes());
    }
    let mut map = std::collections::BTreeMap::new();
    map.insert(
        "ActualText".to_string(),
        DictItem::String {
            data,
            literal: false,
        },
    );
    DictItem::Dict { map }
}

/// The picture of a bitmap glyph: its image, size in pixels, offset of its bottom-left
/// corner from the glyph origin in pixels, and its pixels per em.
#[derive(Debug, Clone)]
pub struct Emoji {
    pub id: XObjectId,
    pub px_w: f32,
    pub px_h: f32,
    pub dx: f32,
    pub dy: f32,
    pub ppem: f32,
}

/// Every glyph of a bitmap face the pages use, embedded once as an image (its largest
/// strike), in the order of first use.
pub fn add_emoji(
    doc: &mut printpdf::PdfDocument,
    fonts: &FontSet,
    pages: &[Frame],
) -> HashMap<(FaceId, u16), Emoji> {
    let mut out: HashMap<(FaceId, u16), Emoji> = HashMap::new();
    let mut parsed: HashMap<FaceId, Option<ttf_parser::Face<'_>>> = HashMap::new();
    for g in pages.iter().flat_map(|p| &p.groups) {
        for d in &g.draws {
            let Draw::Glyphs { face, glyphs, .. } = d else {
                continue;
            };
            let f = fonts.face(*face);
            if !f.bitmap {
                continue;
            }
            let tf = parsed
                .entry(*face)
                .or_insert_with(|| ttf_parser::Face::parse(&f.bytes, f.index).ok());
            let Some(tf) = tf.as_ref() else { continue };
            for gl in glyphs {
                if out.contains_key(&(*face, gl.gid)) {
                    continue;
                }
                let Some(img) = tf.glyph_raster_image(ttf_parser::GlyphId(gl.gid), u16::MAX) else {
                    continue;
                };
                if img.format != ttf_parser::RasterImageFormat::PNG {
                    continue;
                }
                let Some(id) = crate::images::add_with_alpha(doc, img.data) else {
                    continue;
                };
                out.insert(
                    (*face, gl.gid),
                    Emoji {
                        id,
                        px_w: f32::from(img.width),
                        px_h: f32::from(img.height),
                        dx: f32::from(img.x),
                        dy: f32::from(img.y),
                        ppem: f32::from(img.pixels_per_em.max(1)),
                    },
                );
            }
        }
    }
    out
}

/// Draw image `id` with its lower-left corner at `at`, one pixel scaled to `scale` points.
fn place(id: &XObjectId, (x, y): (Pt, Pt), (sx, sy): (f32, f32), ops: &mut PageOps) {
    ops.graphics();
    ops.push(Op::UseXobject {
        id: id.clone(),
        transform: XObjectTransform {
            translate_x: Some(x),
            translate_y: Some(y),
            rotate: None,
            scale_x: Some(sx),
            scale_y: Some(sy),
            dpi: Some(72.0),
            ..XObjectTransform::default()
        },
    });
}
