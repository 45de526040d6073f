//! Tables: column widths from content within the measure, wrapped cells, alignment,
//! booktabs-style rules, and the header row repeated after a page break.

use std::sync::Arc;

use notes2book_model::{Align as MAlign, Inline};

use super::{Ctx, Layouter, VItem};
use crate::fonts::Style;
use crate::frame::{Color, Draw, TEXT, Tag, TagKind};
use crate::inline::{Align, Fmt};

/// Column widths: each column gets at least its longest unbreakable piece; the space left
/// is shared in proportion to how much more each column would like (its one-line width).
/// If even the minimums do not fit, the widest columns are cut to a common width (no
/// narrower than `floor`) while the narrow ones keep their words; only if that is not
/// enough are all scaled down.
pub fn column_widths(min: &[f32], max: &[f32], width: f32, floor: f32) -> Vec<f32> {
    let smin: f32 = min.iter().sum();
    let smax: f32 = max.iter().sum();
    if smax <= width {
        return max.to_vec();
    }
    if smin >= width || smax <= smin {
        // The widest columns are cut down to a common cap, the narrow ones keep their
        // words: the cap c with Σ min(mᵢ, c) = width, if it is no narrower than `floor`.
        let capped = |c: f32| min.iter().map(|m| m.min(c)).sum::<f32>();
        let (mut lo, mut hi) = (0.0f32, min.iter().copied().fold(0.0, f32::max));
        for _ in 0..40 {
            let mid = (lo + hi) / 2.0;
            if capped(mid) > width {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        if lo >= floor {
            let mut w: Vec<f32> = min.iter().map(|m| m.min(lo)).collect();
            // What rounding leaves goes to the capped columns.
            let left = width - w.iter().sum::<f32>();
            let n = w.iter().filter(|x| **x >= lo).count().max(1) as f32;
            for x in w.iter_mut().filter(|x| **x >= lo) {
                *x += left / n;
            }
            return w;
        }
        let s = width / smin.max(0.01);
        return min.iter().map(|m| m * s).collect();
    }
    let f = (width - smin) / (smax - smin);
    min.iter().zip(max).map(|(a, b)| a + (b - a) * f).collect()
}

/// The smallest a table's type is scaled to make its columns fit (of its usual size).
const MIN_TABLE_SCALE: f32 = 0.72;

/// Each column's narrowest (its widest unbreakable piece) and widest (its longest cell on
/// one line) width, padding included, with type of `size`.
fn column_extents(
    lay: &mut Layouter<'_, '_>,
    (head, rows): (&[Vec<Inline>], &[Vec<Vec<Inline>>]),
    ncols: usize,
    size: f32,
) -> (Vec<f32>, Vec<f32>) {
    let pad = size * 0.45;
    let head_fmt = Fmt::new(Style::Bold, size);
    let body_fmt = Fmt::new(Style::Regular, size);
    let mut min = vec![size * 2.0; ncols];
    let mut max = vec![size * 2.0; ncols];
    let all =
        std::iter::once((head, &head_fmt)).chain(rows.iter().map(|r| (r.as_slice(), &body_fmt)));
    for (row, fmt) in all {
        for (c, cell) in row.iter().enumerate() {
            let (natural, widest) = lay.measure_inlines(cell, fmt);
            min[c] = min[c].max(widest + 2.0 * pad);
            max[c] = max[c].max(natural + 2.0 * pad);
        }
    }
    (min, max)
}

pub(super) fn table(
    lay: &mut Layouter<'_, '_>,
    align: &[MAlign],
    head: &[Vec<Inline>],
    rows: &[Vec<Vec<Inline>>],
    caption: &[Inline],
    ctx: &Ctx,
    out: &mut Vec<VItem>,
) {
    let (left, width) = (ctx.left, ctx.width);
    let ncols = rows
        .iter()
        .map(Vec::len)
        .chain([head.len()])
        .max()
        .unwrap_or(0);
    if ncols == 0 {
        return;
    }
    // A table whose unbreakable pieces do not fit side by side is set in smaller type,
    // down to a floor; only then do its cells break inside words.
    let mut size = ctx.size * 0.9;
    let (mut min, mut max) = column_extents(lay, (head, rows), ncols, size);
    let need: f32 = min.iter().sum();
    if need > width && need > 0.0 {
        let shrink = (width / need).max(MIN_TABLE_SCALE);
        size *= shrink;
        (min, max) = column_extents(lay, (head, rows), ncols, size);
    }
    let leading = size * 1.3;
    let pad = size * 0.45;
    let head_fmt = Fmt::new(Style::Bold, size);
    let body_fmt = Fmt::new(Style::Regular, size);
    let widths = column_widths(&min, &max, width, size * 3.0);
    let total: f32 = widths.iter().sum();
    let col_align = |c: usize| match align.get(c) {
        Some(MAlign::Center) => Align::Center,
        Some(MAlign::Right) => Align::Right,
        _ => Align::Left,
    };
    // Each row is tagged as a row of the table, each cell in it as a cell.
    let row_item = |lay: &mut Layouter<'_, '_>, cells: &[Vec<Inline>], header: bool| -> VItem {
        let fmt = if header { &head_fmt } else { &body_fmt };
        let row = Tag::new(TagKind::TableRow, None, ctx.tag.clone());
        let mut draws = Vec::new();
        let mut footnotes = Vec::new();
        let mut height: f32 = leading;
        let mut x = left;
        for (c, w) in widths.iter().enumerate() {
            let empty = Vec::new();
            let cell = cells.get(c).unwrap_or(&empty);
            let lines = lay.cell_lines(cell, fmt, (w - 2.0 * pad).max(1.0), col_align(c), leading);
            let cell_tag = Tag::new(TagKind::TableCell(header), None, Some(row.clone()));
            draws.push(Draw::Mark(cell_tag));
            let mut y = pad * 0.6;
            for l in lines {
                let baseline = y + leading * 0.78;
                draws.extend(l.draws.iter().map(|d| d.shifted(x + pad, baseline)));
                footnotes.extend(l.footnotes);
                y += leading;
            }
            height = height.max(y + pad * 0.6);
            x += w;
        }
        VItem {
            height,
            draws,
            footnotes,
            tag: Some(row),
            ..VItem::default()
        }
    };
    let rule = |y: f32, w: f32, color: Color| Draw::Line {
        x1: left,
        y1: y,
        x2: left + total,
        y2: y,
        width: w,
        color,
    };
    let mut header = if head.iter().any(|c| !c.is_empty()) {
        Some(row_item(lay, head, true))
    } else {
        None
    };
    if let Some(h) = &mut header {
        h.draws.insert(0, rule(0.0, 0.8, TEXT));
        h.draws.push(rule(h.height, 0.5, TEXT));
        h.keep_with_next = true;
    }
    // The header repeated on later pages is furniture: a reader hears it once.
    let repeat = header.as_ref().map(|h| {
        let mut again = h.clone();
        again.draws.retain(|d| !matches!(d, Draw::Mark(_)));
        again.tag = Some(Tag::new(TagKind::Artifact, None, None));
        Arc::new(vec![again])
    });
    out.push(VItem::space(leading * 0.4));
    if !caption.is_empty() {
        out.push(caption_item(lay, caption, size, total, ctx));
    }
    if let Some(h) = header {
        out.push(h);
    }
    let n = rows.len();
    for (i, r) in rows.iter().enumerate() {
        let mut item = row_item(lay, r, false);
        if i + 1 == n {
            item.draws.push(rule(item.height, 0.8, TEXT));
        } else {
            item.draws
                .push(rule(item.height, 0.25, Color(0.75, 0.75, 0.75)));
        }
        if i == 0 && repeat.is_none() {
            item.draws.insert(0, rule(0.0, 0.8, TEXT));
        }
        item.repeat_header = repeat.clone();
        out.push(item);
    }
    out.push(VItem::space(leading * 0.4));
}

/// A table's caption, above it as tables have theirs: italic, at the table's left edge,
/// kept with the table, tagged as the table's caption; a label in it is an anchor.
fn caption_item(
    lay: &mut Layouter<'_, '_>,
    caption: &[Inline],
    size: f32,
    width: f32,
    ctx: &Ctx,
) -> VItem {
    let leading = size * 1.3;
    let lines = lay.cell_lines(
        caption,
        &Fmt::new(Style::Italic, size),
        width.max(ctx.width * 0.5),
        Align::Left,
        leading,
    );
    let mut draws = Vec::new();
    let mut footnotes = Vec::new();
    let mut height = 0.0;
    for l in lines {
        let baseline = height + leading * 0.78;
        draws.extend(l.draws.iter().map(|d| d.shifted(ctx.left, baseline)));
        footnotes.extend(l.footnotes);
        height += leading;
    }
    VItem {
        height: height + leading * 0.3,
        draws,
        footnotes,
        keep_with_next: true,
        anchors: super::anchors_of(caption),
        tag: Some(Tag::new(TagKind::Caption, None, ctx.tag.clone())),
        ..VItem::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_fit_the_measure_and_respect_minimums() {
        // Natural widths fit: kept.
        assert_eq!(
            column_widths(&[10.0, 10.0], &[40.0, 50.0], 200.0, 30.0),
            vec![40.0, 50.0]
        );
        // Too wide: each column at least its minimum, the sum exactly the measure.
        let w = column_widths(&[30.0, 20.0, 40.0], &[300.0, 60.0, 400.0], 400.0, 30.0);
        assert!((w.iter().sum::<f32>() - 400.0).abs() < 0.01, "{w:?}");
        assert!(w[0] >= 30.0 && w[1] >= 20.0 && w[2] >= 40.0);
        // The column that wants more gets more.
        assert!(w[2] > w[1]);
        // Even the minimums are too wide: scaled to fit.
        let w = column_widths(&[300.0, 300.0], &[400.0, 400.0], 400.0, 30.0);
        assert!((w.iter().sum::<f32>() - 400.0).abs() < 0.01);
        // Short columns keep their minimum; the widest are cut to a common width.
        let w = column_widths(
            &[25.0, 60.0, 200.0, 300.0],
            &[25.0, 60.0, 300.0, 400.0],
            400.0,
            30.0,
        );
        assert!((w.iter().sum::<f32>() - 400.0).abs() < 0.01, "{w:?}");
        assert_eq!((w[0], w[1]), (25.0, 60.0));
        assert!(w[2] < 200.0 && (w[3] - w[2]).abs() < 0.01, "{w:?}");
    }
}
