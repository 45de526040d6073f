//! One block at a time: which layout each kind of block gets.

use notes2book_model::{BibEntry, Block, DefinitionItem, Inline, ListItem, Span, plain_text};

use super::{Ctx, Layouter, VItem, anchors_of, baseline_of, right_align, with_deco};
use crate::fonts::Style;
use crate::frame::{Color, Draw, MUTED, TEXT, Tag, TagKind};
use crate::inline::{Align, Fmt, ParaStyle};
use crate::math::MathBox;

fn heading_scale(level: u8) -> f32 {
    match level {
        1 => 1.55,
        2 => 1.3,
        3 => 1.12,
        _ => 1.0,
    }
}

fn callout_color(kind: &str) -> Color {
    match kind {
        "warning" | "caution" | "attention" => Color(0.85, 0.5, 0.0),
        "danger" | "error" | "failure" | "bug" => Color(0.8, 0.15, 0.15),
        "tip" | "success" | "hint" | "important" => Color(0.1, 0.55, 0.3),
        "question" | "example" => Color(0.45, 0.3, 0.75),
        "quote" => Color(0.45, 0.45, 0.45),
        _ => Color(0.15, 0.4, 0.75),
    }
}

/// A bar or ground drawn beside every item of a block (quotes, callouts, embeds); its
/// height is set per item.
fn bar(x: f32, w: f32, color: Color) -> Draw {
    Draw::Rect {
        x,
        y: 0.0,
        w,
        h: 0.0,
        color,
    }
}

impl Layouter<'_, '_> {
    pub(super) fn block(&mut self, block: &Block, ctx: &Ctx, out: &mut Vec<VItem>) {
        let size = ctx.size;
        match block {
            Block::Paragraph { content, span } => {
                if span.is_some() {
                    self.shaper.span = *span;
                }
                let indent = if ctx.first { 0.0 } else { size * 1.5 };
                let para = ParaStyle {
                    justify: self.geo.justify,
                    hyphenate: self.geo.hyphenate,
                    align: Align::Left,
                    indent,
                };
                self.paragraph(content, &Fmt::new(Style::Regular, size), &para, ctx, out);
            }
            Block::Heading {
                level,
                id,
                content,
                span,
                ..
            } => {
                if span.is_some() {
                    self.shaper.span = *span;
                }
                self.heading(*level, id, content, ctx, out);
            }
            Block::BlockQuote { blocks, .. } => {
                let inset = size * 1.5;
                let mut inner = self.inner(ctx, inset, inset * 0.5);
                inner.deco.push(bar(
                    ctx.left + size * 0.3,
                    size * 0.15,
                    Color(0.75, 0.75, 0.75),
                ));
                self.blocks(blocks, &inner, out);
            }
            Block::Callout {
                kind,
                title,
                blocks,
                ..
            } => self.callout(kind, title, blocks, ctx, out),
            Block::List {
                start,
                items,
                tight,
                ..
            } => self.list(*start, items, *tight, ctx, out),
            Block::DefinitionList { items, .. } => self.definition_list(items, ctx, out),
            Block::CodeBlock {
                lang, code, span, ..
            } => {
                if span.is_some() {
                    self.shaper.span = *span;
                }
                self.code(lang.as_deref(), code, ctx, out);
            }
            Block::Table {
                align,
                head,
                rows,
                caption,
                span,
            } => {
                if span.is_some() {
                    self.shaper.span = *span;
                }
                super::table::table(self, align, head, rows, caption, ctx, out);
            }
            Block::Figure(fig) => self.figure(fig, ctx, out),
            Block::Math {
                tex,
                formula,
                tag,
                label,
                span,
            } => {
                let mathml = formula.as_ref().map(|f| f.mathml.as_str());
                let laid = mathml.and_then(|m| self.display_formula(m, tag.as_deref(), *span, ctx));
                match laid {
                    Some(mut item) => {
                        // References to the equation land on it.
                        item.anchors.extend(label.clone());
                        out.push(with_deco(VItem::space(ctx.leading * 0.35), ctx));
                        out.push(with_deco(item, ctx));
                        out.push(with_deco(VItem::space(ctx.leading * 0.35), ctx));
                    }
                    None => self.display_math(tex, ctx, out),
                }
            }
            Block::Details {
                summary, blocks, ..
            } => {
                self.lead_lines(summary, Style::Bold, ctx, out);
                let inner = self.inner(ctx, size * 1.0, 0.0);
                self.blocks(blocks, &inner, out);
            }
            Block::Embed {
                blocks,
                seamless: true,
                ..
            } => self.blocks(blocks, ctx, out),
            Block::Embed { blocks, .. } => {
                let mut inner = self.inner(ctx, size * 1.2, 0.0);
                inner.deco.push(bar(
                    ctx.left + size * 0.3,
                    size * 0.08,
                    Color(0.6, 0.6, 0.6),
                ));
                self.blocks(blocks, &inner, out);
            }
            Block::Html { html, images, span } => self.html(html, images, *span, ctx, out),
            Block::Rule { .. } => out.push(with_deco(rule(ctx), ctx)),
            Block::Bibliography { entries } => self.bibliography(entries, ctx, out),
        }
    }

    fn heading(
        &mut self,
        level: u8,
        id: &str,
        content: &[Inline],
        ctx: &Ctx,
        out: &mut Vec<VItem>,
    ) {
        let hsize = ctx.size * heading_scale(level);
        let style = if level >= 4 {
            Style::HeadingItalic
        } else {
            Style::Heading
        };
        out.push(with_deco(
            VItem::space(ctx.leading * if level <= 2 { 1.2 } else { 0.8 }),
            ctx,
        ));
        let mut lines = self.text_lines(
            content,
            &Fmt::new(style, hsize),
            ctx,
            false,
            Align::Left,
            hsize * 1.25,
        );
        if let Some(first) = lines.first_mut() {
            first.anchors.push(id.to_string());
            first.heading = Some((level, plain_text(content)));
        }
        for l in lines {
            out.push(with_deco(l, ctx));
        }
        out.push(VItem {
            height: ctx.leading * 0.4,
            ..VItem::default()
        });
    }

    /// Bold lines kept with what follows: a details summary, a definition term.
    fn lead_lines(&mut self, content: &[Inline], style: Style, ctx: &Ctx, out: &mut Vec<VItem>) {
        let lines = self.text_lines(
            content,
            &Fmt::new(style, ctx.size),
            ctx,
            false,
            Align::Left,
            ctx.leading,
        );
        let mut anchors = anchors_of(content);
        for mut l in lines {
            l.keep_with_next = true;
            l.anchors.append(&mut anchors);
            out.push(with_deco(l, ctx));
        }
    }

    fn callout(
        &mut self,
        kind: &str,
        title: &[Inline],
        blocks: &[Block],
        ctx: &Ctx,
        out: &mut Vec<VItem>,
    ) {
        let size = ctx.size;
        let color = callout_color(kind);
        let mut inner = self.inner(ctx, size, size);
        let tint = |c: f32| 1.0 - (1.0 - c) * 0.1;
        inner.deco.push(bar(
            ctx.left,
            ctx.width,
            Color(tint(color.0), tint(color.1), tint(color.2)),
        ));
        inner.deco.push(bar(ctx.left, size * 0.25, color));
        out.push(with_deco(VItem::space(ctx.leading * 0.3), &inner));
        let mut fmt = Fmt::new(Style::Bold, size);
        fmt.color = color;
        for mut l in self.text_lines(title, &fmt, &inner, false, Align::Left, ctx.leading) {
            l.keep_with_next = true;
            out.push(with_deco(l, &inner));
        }
        self.blocks(blocks, &inner, out);
        out.push(with_deco(
            VItem {
                height: ctx.leading * 0.3,
                ..VItem::default()
            },
            &inner,
        ));
    }

    fn list(
        &mut self,
        start: Option<u64>,
        items: &[ListItem],
        tight: bool,
        ctx: &Ctx,
        out: &mut Vec<VItem>,
    ) {
        let size = ctx.size;
        let depth = ctx
            .deco
            .iter()
            .filter(|d| matches!(d, Draw::Glyphs { .. }))
            .count();
        let inset = size * 1.6;
        // A right-to-left list is indented from the right, its markers on the right.
        let rtl = items
            .iter()
            .find_map(|i| blocks_rtl(&i.blocks))
            .unwrap_or(self.shaper.rtl());
        let inner = if rtl {
            self.inner(ctx, 0.0, inset)
        } else {
            self.inner(ctx, inset, 0.0)
        };
        let bullet_level = (ctx.left / inset).round() as usize + depth;
        for (n, item) in items.iter().enumerate() {
            let begin = out.len();
            let mut ictx = inner.clone();
            ictx.first = true;
            ictx.tight = tight;
            let span = item.blocks.first().and_then(Block::span);
            let item_tag = Tag::new(TagKind::ListItem, span, ctx.tag.clone());
            ictx.tag = Some(item_tag.clone());
            self.blocks(&item.blocks, &ictx, out);
            if !tight && n + 1 < items.len() {
                out.push(with_deco(VItem::space(ctx.leading * 0.3), ctx));
            }
            // The marker goes on the item's first line.
            let Some(first) = out[begin..].iter_mut().find(|i| !i.discardable) else {
                continue;
            };
            let baseline = baseline_of(first);
            let right = inner.left + inner.width;
            if let Some(checked) = item.task {
                let x = if rtl {
                    right + size * 0.4
                } else {
                    inner.left - size * 1.2
                };
                first.draws.extend(task_box(checked, x, baseline, size));
                continue;
            }
            let label = match start {
                // Read right to left, the full stop comes first.
                Some(s) if rtl => format!(".{}", s.saturating_add(n as u64)),
                Some(s) => format!("{}.", s.saturating_add(n as u64)),
                None => ["•", "◦", "▪", "–"][bullet_level % 4].to_string(),
            };
            let fmt = Fmt::new(Style::Regular, size);
            let marker = if rtl {
                self.label(&label, &fmt, right + size * 0.5, baseline)
            } else {
                self.label(&label, &fmt, inner.left - size * 0.5, baseline)
                    .map(right_align)
            };
            if let Some(d) = marker {
                put_label(first, d, &item_tag);
            }
        }
    }

    /// The works cited: ragged paragraphs with a hanging indent, tagged as a list.
    fn bibliography(&mut self, entries: &[BibEntry], ctx: &Ctx, out: &mut Vec<VItem>) {
        let hang = ctx.size * 1.5;
        let mut inner = self.inner(ctx, hang, 0.0);
        let para = ParaStyle::ragged(Align::Left, self.geo.hyphenate);
        let fmt = Fmt::new(Style::Regular, ctx.size);
        for (i, entry) in entries.iter().enumerate() {
            // Tagged with where the work is written, so that a page can begin in it.
            let item = Tag::new(TagKind::ListItem, entry.span, ctx.tag.clone());
            let tag = Tag::new(TagKind::Paragraph, entry.span, Some(item));
            inner.tag = Some(tag.clone());
            let start = out.len();
            self.paragraph(&entry.content, &fmt, &para, &inner, out);
            // The first line hangs out into the indent (it is ragged, so set at the
            // narrower width it loses nothing).
            if let Some(first) = out[start..].iter_mut().find(|i| !i.discardable) {
                first.draws = first.draws.iter().map(|d| d.shifted(-hang, 0.0)).collect();
            }
            super::tag_untagged(&mut out[start..], Some(&tag));
            if i + 1 < entries.len() {
                out.push(with_deco(VItem::space(ctx.leading * 0.3), ctx));
            }
        }
    }

    fn definition_list(&mut self, items: &[DefinitionItem], ctx: &Ctx, out: &mut Vec<VItem>) {
        for item in items {
            self.lead_lines(&item.term, Style::Bold, ctx, out);
            let mut inner = self.inner(ctx, ctx.size * 1.5, 0.0);
            for def in &item.definitions {
                inner.first = true;
                self.blocks(def, &inner, out);
            }
            out.push(with_deco(VItem::space(ctx.leading * 0.3), ctx));
        }
    }

    /// A display formula centred on the measure, its tag at the right margin; set smaller
    /// if it would not fit beside the tag.
    fn display_formula(
        &mut self,
        mathml: &str,
        tag: Option<&str>,
        span: Option<Span>,
        ctx: &Ctx,
    ) -> Option<VItem> {
        let math = self.shaper.math(mathml, true, ctx.size, span)?;
        let face = self.shaper.fonts.math?;
        let label = tag.and_then(|t| self.label_draw(t, &Fmt::new(Style::Regular, ctx.size)));
        let tag_room = label.as_ref().map_or(0.0, |(_, w)| w + ctx.size * 1.5);
        let room = (ctx.width - 2.0 * tag_room).max(ctx.width * 0.5);
        let scaled;
        let math: &MathBox = if math.width > room {
            self.shaper.math_scaled.push(span.or(self.shaper.span));
            scaled = math.scaled(room / math.width);
            &scaled
        } else {
            &math
        };
        let pad = ctx.size * 0.25;
        let baseline = pad + math.ascent;
        let x = ctx.left + (ctx.width - math.width) / 2.0;
        let mut draws: Vec<Draw> = math
            .draws(face, TEXT)
            .into_iter()
            .map(|d| d.shifted(x, baseline))
            .collect();
        if let Some((d, w)) = label {
            draws.push(d.shifted(ctx.left + ctx.width - w, baseline));
        }
        Some(VItem {
            height: baseline + math.descent + pad,
            draws,
            ..VItem::default()
        })
    }

    /// Display math that could not be read: its source, centred.
    fn display_math(&mut self, tex: &str, ctx: &Ctx, out: &mut Vec<VItem>) {
        let fmt = Fmt::new(Style::Mono, ctx.size * 0.9);
        let lines = self.text_lines(
            &[Inline::Text(tex.to_string())],
            &fmt,
            ctx,
            false,
            Align::Center,
            ctx.leading,
        );
        for l in lines {
            out.push(with_deco(l, ctx));
        }
    }
}

/// A task list's box at (x, baseline), ticked when done.
/// The direction of the first block with text among `blocks`, by its first strong
/// character.
pub(super) fn blocks_rtl(blocks: &[Block]) -> Option<bool> {
    blocks.iter().find_map(|b| match b {
        Block::Paragraph { content, .. } | Block::Heading { content, .. } => {
            crate::bidi::first_strong_rtl(&notes2book_model::plain_text(content))
        }
        _ => None,
    })
}

fn task_box(checked: bool, x: f32, baseline: f32, size: f32) -> Vec<Draw> {
    let b = size * 0.7;
    let mut draws = vec![Draw::Frame {
        x,
        y: baseline - b,
        w: b,
        h: b,
        width: 0.6,
        color: TEXT,
    }];
    if checked {
        let tick = |(x1, y1): (f32, f32), (x2, y2): (f32, f32)| Draw::Line {
            x1: x + b * x1,
            y1: baseline - b * y1,
            x2: x + b * x2,
            y2: baseline - b * y2,
            width: 1.0,
            color: TEXT,
        };
        draws.push(tick((0.18, 0.5), (0.42, 0.2)));
        draws.push(tick((0.42, 0.2), (0.85, 0.85)));
    }
    draws
}

/// A short centred rule for a thematic break.
fn rule(ctx: &Ctx) -> VItem {
    let w = ctx.width * 0.3;
    VItem {
        height: ctx.leading * 1.5,
        draws: vec![Draw::Line {
            x1: ctx.left + (ctx.width - w) / 2.0,
            y1: ctx.leading * 0.75,
            x2: ctx.left + (ctx.width + w) / 2.0,
            y2: ctx.leading * 0.75,
            width: 0.5,
            color: MUTED,
        }],
        ..VItem::default()
    }
}

/// A list item's marker, first in its first line's drawings and tagged as the item's label
/// (a screen reader says "1." before the item's text); the line's own drawings follow.
fn put_label(first: &mut VItem, marker: Draw, item: &std::sync::Arc<Tag>) {
    let back = first.tag.clone().unwrap_or_else(|| item.clone());
    let label = Tag::new(TagKind::ListLabel, None, Some(item.clone()));
    first
        .draws
        .splice(0..0, [Draw::Mark(label), marker, Draw::Mark(back)]);
}
