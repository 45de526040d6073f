//! Placed pages → printpdf operations.
//!
//! Glyph positions are absolute: every glyph gets the offset that moves the pen from where
//! the PDF's own widths would leave it to where the layout put it, so justification and
//! kerning are exact and copied text keeps its spaces (spaces are real space glyphs).

use std::collections::HashMap;
use std::sync::Arc;

use notes2book_model::ImageId;
use printpdf::{
    Actions, BorderArray, Codepoint, ColorArray, Destination, FontId, HighlightingMode, Line,
    LineCapStyle, LinePoint, LinkAnnotation, Op, PaintMode, PdfFontHandle, Point, Pt, Rect, Rgb,
    TextItem, TextMatrix, XObjectId, XObjectTransform,
};

use notes2book_typeset::document::Anchors;
use notes2book_typeset::fonts::FontSet;
use notes2book_typeset::frame::{Color, Draw, LinkDest, Position};

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

    /// The operations, with any open text object closed.
    pub fn finish(mut self) -> Vec<Op> {
        self.graphics();
        // Growing by doubling leaves up to half unused; every page's operations live until
        // the document is serialised.
        self.ops.shrink_to_fit();
        self.ops
    }
}

impl Renderer<'_> {
    /// Draw `draws` with their origin at (x, top) in layout coordinates (y down from the
    /// page top).
    pub fn draw(&self, draws: &[Draw], x: f32, top: f32, ops: &mut PageOps) {
        let ph = self.page_height;
        for d in draws {
            match d {
                Draw::Glyphs {
                    face,
                    size,
                    color,
                    baseline,
                    glyphs,
                } => {
                    let Some(first) = glyphs.first() else {
                        continue;
                    };
                    let Some(font) = self.font_ids.get(usize::from(face.0)) else {
                        continue;
                    };
                    let f = self.fonts.face(*face);
                    // The pen moves by the PDF's own (truncated) widths; an offset puts it
                    // back where the layout wants the next glyph whenever the drift exceeds
                    // DRIFT (invisible), so most glyphs need no offset at all.
                    const DRIFT: f32 = 0.04;
                    let mut cps = Vec::with_capacity(glyphs.len());
                    let mut pen = first.x;
                    for (k, g) in glyphs.iter().enumerate() {
                        pen += f.pdf_width(g.gid) * size / 1000.0;
                        let offset = match glyphs.get(k + 1) {
                            Some(next) if (next.x - pen).abs() > DRIFT => {
                                let o = -(next.x - pen) * 1000.0 / size;
                                let o = (o * 100.0).round() / 100.0;
                                pen -= o * size / 1000.0;
                                o
                            }
                            _ => 0.0,
                        };
                        cps.push(Codepoint {
                            gid: g.gid,
                            offset,
                            cid: g.text.clone(),
                        });
                    }
                    ops.text();
                    if ops.font != Some((face.0, *size)) {
                        ops.push(Op::SetFont {
                            font: PdfFontHandle::External(font.clone()),
                            size: Pt(*size),
                        });
                        ops.font = Some((face.0, *size));
                    }
                    ops.fill(*color);
                    ops.push(Op::SetTextMatrix {
                        matrix: TextMatrix::Translate(
                            Pt(round2(x + first.x)),
                            Pt(round2(ph - (top + baseline))),
                        ),
                    });
                    ops.push(Op::ShowText {
                        items: vec![TextItem::GlyphIds(cps)],
                    });
                }
                Draw::Rect {
                    x: rx,
                    y,
                    w,
                    h,
                    color,
                } => {
                    ops.graphics();
                    ops.fill(*color);
                    ops.push(Op::DrawRectangle {
                        rectangle: Rect {
                            x: Pt(round2(x + rx)),
                            y: Pt(round2(ph - (top + y + h))),
                            width: Pt(round2(*w)),
                            height: Pt(round2(*h)),
                            mode: Some(PaintMode::Fill),
                            winding_order: None,
                        },
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
                    ops.graphics();
                    ops.push(Op::SetOutlineColor { col: rgb(*color) });
                    ops.push(Op::SetOutlineThickness { pt: Pt(*width) });
                    ops.push(Op::DrawRectangle {
                        rectangle: Rect {
                            x: Pt(round2(x + rx)),
                            y: Pt(round2(ph - (top + y + h))),
                            width: Pt(round2(*w)),
                            height: Pt(round2(*h)),
                            mode: Some(PaintMode::Stroke),
                            winding_order: None,
                        },
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
                    ops.graphics();
                    ops.push(Op::SetOutlineColor { col: rgb(*color) });
                    ops.push(Op::SetOutlineThickness { pt: Pt(*width) });
                    ops.push(Op::SetLineCapStyle {
                        cap: LineCapStyle::Butt,
                    });
                    let p = |px: f32, py: f32| LinePoint {
                        p: Point {
                            x: Pt(round2(x + px)),
                            y: Pt(round2(ph - (top + py))),
                        },
                        bezier: false,
                    };
                    ops.push(Op::DrawLine {
                        line: Line {
                            points: vec![p(*x1, *y1), p(*x2, *y2)],
                            is_closed: false,
                        },
                    });
                }
                Draw::Image {
                    image,
                    x: ix,
                    y,
                    w,
                    h,
                } => {
                    let Some(placed) = self.images.get(image) else {
                        continue;
                    };
                    ops.graphics();
                    ops.push(Op::UseXobject {
                        id: placed.id.clone(),
                        transform: XObjectTransform {
                            translate_x: Some(Pt(round2(x + ix))),
                            translate_y: Some(Pt(round2(ph - (top + y + h)))),
                            rotate: None,
                            scale_x: Some(w / placed.px_w.max(1.0)),
                            scale_y: Some(h / placed.px_h.max(1.0)),
                            dpi: Some(72.0),
                            ..XObjectTransform::default()
                        },
                    });
                }
                Draw::Link {
                    x: lx,
                    y,
                    w,
                    h,
                    dest,
                } => {
                    let actions = match dest.as_ref() {
                        LinkDest::Uri(u) => Actions::Uri(u.clone()),
                        LinkDest::Internal { chapter, anchor } => {
                            let target = self
                                .anchors
                                .get(&(*chapter, anchor.clone()))
                                .or_else(|| self.anchors.get(&(*chapter, None)));
                            let Some(at) = target else { continue };
                            Actions::Goto(Destination::Xyz {
                                page: at.page,
                                left: None,
                                top: Some(round2(dest_y(at, ph))),
                                zoom: None,
                            })
                        }
                    };
                    ops.push(Op::LinkAnnotation {
                        link: LinkAnnotation::new(
                            Rect {
                                x: Pt(round2(x + lx)),
                                y: Pt(round2(ph - (top + y + h))),
                                width: Pt(round2(*w)),
                                height: Pt(round2(*h)),
                                mode: None,
                                winding_order: None,
                            },
                            actions,
                            Some(BorderArray::Solid([0.0, 0.0, 0.0])),
                            Some(ColorArray::Transparent),
                            Some(HighlightingMode::Invert),
                        ),
                    });
                }
            }
        }
    }
}

fn round2(v: f32) -> f32 {
    (v * 100.0).round() / 100.0
}

/// Keep `Arc` in scope for callers building link destinations.
pub type Dest = Arc<LinkDest>;
