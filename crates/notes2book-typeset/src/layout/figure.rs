//! Figures (an image or a placeholder saying what is missing, with its caption) and raw
//! HTML blocks (their text as paragraphs, their images as figures).

use notes2book_model::{Figure, ImageId, Inline, Span};

use super::{Ctx, Layouter, VItem, with_deco};
use crate::fonts::Style;
use crate::frame::{Draw, MUTED, Tag, TagKind};
use crate::html::{HtmlPiece, html_pieces};
use crate::inline::{self, Align, Fmt, ParaStyle};

impl Layouter<'_, '_> {
    pub(super) fn figure(&mut self, fig: &Figure, ctx: &Ctx, out: &mut Vec<VItem>) {
        if fig.span.is_some() {
            self.shaper.span = fig.span;
        }
        let size = ctx.size;
        let max_h = self.geo.page_height * 0.6;
        let mut draws = Vec::new();
        let own = ctx.tag.as_ref().filter(|t| t.kind == TagKind::Figure);
        if own.is_some_and(|t| t.alt.is_none()) {
            // Nothing says what it shows: decoration to a reader who cannot see it.
            draws.push(Draw::Mark(Tag::new(TagKind::Artifact, fig.span, None)));
        }
        let (w, h) = match (self.images)(fig.image) {
            Some((w, h)) => {
                let want = fig
                    .width
                    .map(|l| crate::length_pt(l, ctx.width, size))
                    .unwrap_or(w);
                let (w, h) = inline::fit(w, h, want.min(ctx.width), max_h);
                draws.push(Draw::Image {
                    image: fig.image,
                    x: ctx.left + (ctx.width - w) / 2.0,
                    y: 0.0,
                    w,
                    h,
                });
                (w, h)
            }
            None => {
                // A framed placeholder saying what is missing.
                let w = ctx.width * 0.8;
                let h = ctx.leading * 4.0;
                let x = ctx.left + (ctx.width - w) / 2.0;
                draws.push(Draw::Frame {
                    x,
                    y: 0.0,
                    w,
                    h,
                    width: 0.8,
                    color: MUTED,
                });
                let src = self
                    .book
                    .images
                    .get(fig.image.0 as usize)
                    .map(|u| u.src.clone())
                    .unwrap_or_default();
                let mut fmt = Fmt::new(Style::Italic, size * 0.9);
                fmt.color = MUTED;
                let text = format!("Image not available: {src}");
                let lines = self.cell_lines(
                    &[Inline::Text(text)],
                    &fmt,
                    w - size * 2.0,
                    Align::Center,
                    ctx.leading,
                );
                let mut y = (h - ctx.leading * lines.len() as f32) / 2.0 + ctx.leading * 0.75;
                for l in lines {
                    for d in l.draws {
                        draws.push(d.shifted(x + size, y));
                    }
                    y += ctx.leading;
                }
                (w, h)
            }
        };
        let _ = w;
        let mut height = h;
        // Caption (and attribution) below, centred, italic, smaller.
        let mut caption: Vec<Inline> = fig.caption.clone();
        if let Some(attr) = &fig.attribution {
            if !caption.is_empty() {
                caption.push(Inline::Text(" — ".into()));
            }
            caption.push(Inline::Text(attr.clone()));
        }
        if !caption.is_empty() {
            let csize = size * 0.9;
            let leading = csize * 1.3;
            let lines = self.cell_lines(
                &caption,
                &Fmt::new(Style::Italic, csize),
                ctx.width * 0.9,
                Align::Center,
                leading,
            );
            height += leading * 0.5;
            // The caption is read as itself, beside the picture's alternative text.
            let parent = own.map_or(ctx.tag.clone(), |t| t.parent.clone());
            draws.push(Draw::Mark(Tag::new(TagKind::Caption, fig.span, parent)));
            for l in lines {
                let baseline = height + leading * 0.78;
                for d in l.draws {
                    draws.push(d.shifted(ctx.left + ctx.width * 0.05, baseline));
                }
                for n in l.footnotes {
                    let _ = n;
                }
                height += leading;
            }
        }
        out.push(with_deco(VItem::space(ctx.leading * 0.5), ctx));
        // Only a figure of the main text floats: inside a list, quote or callout the text
        // around it belongs to the same box.
        let float = ctx.deco.is_empty() && ctx.left == 0.0 && ctx.width >= self.geo.measure;
        out.push(with_deco(
            VItem {
                height,
                draws,
                float,
                // A labelled figure's anchor leads its caption: references land on it.
                anchors: super::anchors_of(&fig.caption),
                ..VItem::default()
            },
            ctx,
        ));
        out.push(with_deco(VItem::space(ctx.leading * 0.5), ctx));
    }

    /// Raw HTML: its text as paragraphs, its images as figures where they stand (the
    /// diagrams of an mdBook or a Hugo post are `<figure><img …><figcaption>` blocks), a
    /// `<figcaption>` right after an image as that figure's caption.
    pub(super) fn html(
        &mut self,
        html: &str,
        images: &[ImageId],
        span: Option<Span>,
        ctx: &Ctx,
        out: &mut Vec<VItem>,
    ) {
        let pieces = html_pieces(html, images.len());
        let mut i = 0;
        while i < pieces.len() {
            match &pieces[i] {
                HtmlPiece::Image(n) => {
                    let caption = match pieces.get(i + 1) {
                        Some(HtmlPiece::Caption(c)) => {
                            i += 1;
                            vec![Inline::Text(c.clone())]
                        }
                        _ => Vec::new(),
                    };
                    let fig = Figure {
                        image: images[*n],
                        alt: String::new(),
                        title: None,
                        caption,
                        attribution: None,
                        attribution_link: None,
                        link: None,
                        width: None,
                        syntax: notes2book_model::ImageSyntax::Html,
                        span,
                    };
                    // Tagged as a figure of its own, as a Markdown image is.
                    let start = out.len();
                    let tag = super::figure_tag(&fig, ctx.tag.clone());
                    let inner = Ctx {
                        tag: Some(tag.clone()),
                        ..ctx.clone()
                    };
                    self.figure(&fig, &inner, out);
                    super::tag_untagged(&mut out[start..], Some(&tag));
                }
                HtmlPiece::Text(text) | HtmlPiece::Caption(text) => {
                    let para = ParaStyle {
                        justify: self.geo.justify,
                        hyphenate: self.geo.hyphenate,
                        align: Align::Left,
                        indent: 0.0,
                    };
                    self.paragraph(
                        &[Inline::Text(text.clone())],
                        &Fmt::new(Style::Regular, ctx.size),
                        &para,
                        ctx,
                        out,
                    );
                }
            }
            i += 1;
        }
    }
}
