//! The vertical list of a chapter → pages, with footnotes at the foot of the page that
//! refers to them.
//!
//! Pages are filled greedily; when an item does not fit, the page ends at the last place a
//! break is allowed (not after an item marked `keep_with_next`), so headings stay with
//! their text and paragraphs leave no single line at the top or foot of a page. The
//! bottom is ragged rather than stretched. A line whose footnote does not fit with it goes
//! to the next page; only a footnote taller than what is left of an otherwise empty page
//! continues onto the next page.
//!
//! A figure that does not fit at the foot of a page does not leave the page short: the
//! text after it moves up to fill the page, as LaTeX floats figures, and the figure heads
//! the next page. Text never moves past another figure, so figures keep their order.
//! What is left short is spread: the space between blocks on a page that is not a
//! chapter's last grows (each by at most a line) so that its last line sits on the foot.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use crate::frame::{Color, Draw};
use crate::layout::VItem;

/// A page of a chapter: items with their top y (from the top of the text area).
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub body: Vec<(f32, VItem)>,
    pub notes: Vec<(f32, VItem)>,
    /// A page break was forced inside a run of items that should have stayed together.
    pub forced: bool,
}

const EPS: f32 = 0.01;

/// Where a page ends: the first item not on it, the footnotes it places, whether the break
/// was forced, and a footnote to split (number, lines on this page).
struct Plan {
    end: usize,
    notes: Vec<u32>,
    forced: bool,
    split_note: Option<(u32, usize)>,
}

/// The text area pages are cut to: its height and width, and the body's line spacing.
#[derive(Debug, Clone, Copy)]
pub struct Sheet {
    pub height: f32,
    pub measure: f32,
    pub leading: f32,
}

/// A page may end this many lines short before a figure before text is moved up.
const SHORT_LINES: f32 = 2.0;

/// Cut `items` into pages of the sheet. `notes` are the laid-out footnotes by number.
pub fn paginate(items: Vec<VItem>, notes: &BTreeMap<u32, Vec<VItem>>, sheet: Sheet) -> Vec<Page> {
    let mut p = Paginator {
        items: items.into_iter().map(Some).collect(),
        notes,
        height: sheet.height,
        measure: sheet.measure,
        leading: sheet.leading,
        placed: HashSet::new(),
        carry: Vec::new(),
    };
    let n = p.items.len();
    let mut pages = Vec::new();
    let mut i = 0;
    let mut prev_was_row = false;
    loop {
        while i < n && p.items[i].as_ref().is_some_and(|it| it.discardable) {
            i += 1;
        }
        if i >= n && p.carry.is_empty() {
            break;
        }
        // A table continued from the previous page gets its header again.
        let header: Option<Vec<VItem>> = p
            .items
            .get(i)
            .and_then(|it| it.as_ref())
            .and_then(|it| it.repeat_header.as_ref())
            .filter(|_| prev_was_row)
            .map(|h| h.as_ref().clone());
        let mut plan = p.plan(i, header.as_deref());
        if p.float_figure(i, &plan, header.as_deref()) {
            plan = p.plan(i, header.as_deref());
        }
        let room = p.height - p.used(i, &plan, header.as_deref());
        let mut page = p.body(i, &plan, header);
        if plan.end < n {
            spread(&mut page, room, p.leading);
        }
        prev_was_row = page
            .body
            .last()
            .is_some_and(|(_, it)| it.repeat_header.is_some());
        p.foot(&mut page, plan.notes, plan.split_note);
        i = plan.end;
        pages.push(page);
        if i >= n && p.carry.is_empty() {
            break;
        }
    }
    if pages.is_empty() {
        pages.push(Page::default());
    }
    pages
}

/// Lets the empty space between blocks on `page` grow, each by at most `leading`, to take
/// up `room`. Spaces with drawings (a callout's background) keep their height.
fn spread(page: &mut Page, room: f32, leading: f32) {
    let stretchy = |it: &VItem| it.discardable && it.draws.is_empty();
    let k = page.body.iter().filter(|(_, it)| stretchy(it)).count();
    if k == 0 || room <= EPS {
        return;
    }
    let each = (room / k as f32).min(leading);
    let mut shift = 0.0;
    for (y, it) in &mut page.body {
        *y += shift;
        if stretchy(it) {
            shift += each;
        }
    }
}

/// Space above the footnote rule.
const GAP: f32 = 10.0;

struct Paginator<'n> {
    /// The items not yet placed.
    items: Vec<Option<VItem>>,
    notes: &'n BTreeMap<u32, Vec<VItem>>,
    height: f32,
    measure: f32,
    leading: f32,
    /// Footnotes already on a page.
    placed: HashSet<u32>,
    /// The rest of a footnote split at the foot of the previous page.
    carry: Vec<VItem>,
}

impl Paginator<'_> {
    fn note_h(&self, n: &u32) -> f32 {
        self.notes
            .get(n)
            .map_or(0.0, |v| v.iter().map(|i| i.height).sum::<f32>())
    }

    /// How much of the list from `i` fits on a page that starts with `header`, with its
    /// footnotes: up to the last place a break is allowed.
    fn plan(&self, i: usize, header: Option<&[VItem]>) -> Plan {
        let (height, n) = (self.height, self.items.len());
        let mut h: f32 = header.map_or(0.0, |v| v.iter().map(|x| x.height).sum());
        let mut nh: f32 = if self.carry.is_empty() {
            0.0
        } else {
            GAP + self.carry.iter().map(|c| c.height).sum::<f32>()
        };
        let mut page_notes: Vec<u32> = Vec::new();
        let mut last_break: Option<(usize, Vec<u32>)> = None;
        let mut j = i;
        let mut split_note: Option<(u32, usize)> = None;
        while j < n {
            let Some(it) = self.items[j].as_ref() else {
                break;
            };
            let new: Vec<u32> = it
                .footnotes
                .iter()
                .copied()
                .filter(|f| !self.placed.contains(f) && !page_notes.contains(f))
                .collect();
            let mut extra: f32 = new.iter().map(|f| self.note_h(f)).sum();
            if extra > 0.0 && nh == 0.0 {
                extra += GAP;
            }
            if h + it.height + nh + extra <= height + EPS {
                h += it.height;
                nh += extra;
                page_notes.extend(new);
                j += 1;
                if !it.keep_with_next {
                    last_break = Some((j, page_notes.clone()));
                }
                continue;
            }
            if j == i {
                // Nothing on the page yet: the item goes here whatever happens; a footnote
                // that does not fit is continued on the next page.
                h += it.height;
                page_notes.extend(new.iter().copied());
                if let Some(&first) = new.first() {
                    split_note =
                        Some((first, self.note_lines_fitting(first, height - h - nh - GAP)));
                }
                j += 1;
                last_break = Some((j, page_notes.clone()));
            }
            break;
        }
        let (end, notes, forced) = if j >= n {
            (n, page_notes, false)
        } else {
            match last_break {
                Some((b, pn)) if b > i => (b, pn, false),
                // No allowed break on the whole page: break where the page is full.
                _ => (j.max(i + 1).min(n), page_notes, true),
            }
        };
        Plan {
            end,
            notes,
            forced,
            split_note,
        }
    }

    /// The height a plan fills: the items from `i` to its end without the space at its foot,
    /// and its footnotes.
    fn used(&self, i: usize, plan: &Plan, header: Option<&[VItem]>) -> f32 {
        let mut body: Vec<&VItem> = header.map_or(Vec::new(), |h| h.iter().collect());
        body.extend(self.items[i..plan.end].iter().flatten());
        while body.last().is_some_and(|it| it.discardable) {
            body.pop();
        }
        let mut notes: f32 = plan.notes.iter().map(|n| self.note_h(n)).sum();
        notes += self.carry.iter().map(|c| c.height).sum::<f32>();
        let gap = if notes > 0.0 { GAP } else { 0.0 };
        body.iter().map(|it| it.height).sum::<f32>() + notes + gap
    }

    /// When the page ends more than a couple of lines short before a figure that does not
    /// fit, moves the text after the figure (never past the next figure) before it, as much
    /// as fills the page. Returns whether anything moved.
    fn float_figure(&mut self, i: usize, plan: &Plan, header: Option<&[VItem]>) -> bool {
        let n = self.items.len();
        let is = |k: usize, f: fn(&VItem) -> bool| {
            self.items.get(k).and_then(|s| s.as_ref()).is_some_and(f)
        };
        // The figure with the space above it and its own space below: [a, b).
        let mut a = plan.end;
        while a > i && is(a - 1, |it| it.discardable) {
            a -= 1;
        }
        let mut f = plan.end;
        while f < n && is(f, |it| it.discardable) {
            f += 1;
        }
        if plan.forced || f >= n || !is(f, |it| it.float) {
            return false;
        }
        if self.height - self.used(i, plan, header) <= SHORT_LINES * self.leading {
            return false;
        }
        // The figure's own space below goes with it; the space of what follows stays.
        let own = self.items[f].as_ref().and_then(|it| it.tag.clone());
        let mut b = f + 1;
        while b < n
            && self.items[b].as_ref().is_some_and(|it| {
                it.discardable
                    && own
                        .as_ref()
                        .zip(it.tag.as_ref())
                        .is_some_and(|(a, b)| Arc::ptr_eq(a, b))
            })
        {
            b += 1;
        }
        // The text that may move: up to the next figure, and no more than a page holds.
        let mut limit = b;
        let mut taken_h = 0.0;
        while limit < n && taken_h <= self.height {
            let Some(it) = self.items[limit].as_ref().filter(|it| !it.float) else {
                break;
            };
            taken_h += it.height;
            limit += 1;
        }
        if limit == b {
            return false;
        }
        // Try moving all of it, see how much of it the page takes, and move only that.
        self.items[a..limit].rotate_left(b - a);
        let trial = self.plan(i, header);
        self.items[a..limit].rotate_right(b - a);
        let taken = trial.end.saturating_sub(a).min(limit - b);
        if taken == 0 {
            return false;
        }
        self.items[a..b + taken].rotate_left(b - a);
        true
    }

    /// How many lines of footnote `num` fit in `room` (at least one).
    fn note_lines_fitting(&self, num: u32, room: f32) -> usize {
        let lines = self.notes.get(&num).map_or(&[][..], |v| v.as_slice());
        let mut used = 0.0;
        let mut k = 0;
        while k < lines.len() && used + lines[k].height <= room {
            used += lines[k].height;
            k += 1;
        }
        k.max(1).min(lines.len())
    }

    /// The page's text: the repeated header, then the items from `i` to the plan's end,
    /// without space at the top or the foot.
    fn body(&mut self, i: usize, plan: &Plan, header: Option<Vec<VItem>>) -> Page {
        let mut page = Page {
            forced: plan.forced,
            ..Page::default()
        };
        let mut y = 0.0;
        if let Some(hdr) = header
            && plan.end > i
        {
            for it in hdr {
                let hh = it.height;
                page.body.push((y, it));
                y += hh;
            }
        }
        for slot in self.items.iter_mut().take(plan.end).skip(i) {
            let Some(it) = slot.take() else { continue };
            if it.discardable && page.body.is_empty() {
                continue;
            }
            let hh = it.height;
            page.body.push((y, it));
            y += hh;
        }
        while page.body.last().is_some_and(|(_, it)| it.discardable) {
            page.body.pop();
        }
        page
    }

    /// Footnotes at the foot of the page under a short rule: the continued ones first,
    /// then those referenced here (the split one cut where the plan says).
    fn foot(&mut self, page: &mut Page, here: Vec<u32>, split_note: Option<(u32, usize)>) {
        let mut foot: Vec<VItem> = std::mem::take(&mut self.carry);
        for num in here {
            if !self.placed.insert(num) {
                continue;
            }
            let lines = self.notes.get(&num).cloned().unwrap_or_default();
            match split_note {
                Some((s, k)) if s == num && k < lines.len() => {
                    let mut lines = lines;
                    self.carry = lines.split_off(k);
                    foot.extend(lines);
                }
                _ => foot.extend(lines),
            }
        }
        if foot.is_empty() {
            return;
        }
        let total: f32 = foot.iter().map(|f| f.height).sum();
        let mut fy = self.height - total;
        page.notes.push((
            fy - GAP * 0.5,
            VItem {
                height: 0.0,
                draws: vec![Draw::Line {
                    x1: 0.0,
                    y1: 0.0,
                    x2: self.measure * 0.3,
                    y2: 0.0,
                    width: 0.4,
                    color: Color(0.3, 0.3, 0.3),
                }],
                ..VItem::default()
            },
        ));
        for f in foot {
            let hh = f.height;
            page.notes.push((fy, f));
            fy += hh;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHEET: Sheet = Sheet {
        height: 100.0,
        measure: 300.0,
        leading: 10.0,
    };

    fn line(keep: bool) -> VItem {
        VItem {
            height: 10.0,
            keep_with_next: keep,
            ..VItem::default()
        }
    }

    /// A paragraph of `n` lines with widow and orphan keeps, as the layout makes them.
    fn para(n: usize) -> Vec<VItem> {
        (0..n)
            .map(|i| line((i == 0 && n > 1) || (n >= 2 && i + 2 == n)))
            .collect()
    }

    fn heights(p: &Page) -> usize {
        p.body.iter().filter(|(_, i)| !i.discardable).count()
    }

    #[test]
    fn no_widow_or_orphan_at_page_breaks() {
        // Page holds 10 lines. 9 lines, then a paragraph of 5: one line would fit (orphan),
        // so the whole paragraph moves.
        let mut items = para(9);
        items.extend(para(5));
        let pages = paginate(items, &BTreeMap::new(), SHEET);
        assert_eq!(pages.len(), 2);
        assert_eq!(heights(&pages[0]), 9);
        assert_eq!(heights(&pages[1]), 5);
        // A paragraph of 11 lines: 10 fit, but the 11th alone would be a widow: 9 + 2.
        let pages = paginate(para(11), &BTreeMap::new(), SHEET);
        assert_eq!(heights(&pages[0]), 9);
        assert_eq!(heights(&pages[1]), 2);
    }

    /// A figure with its space above and below, all tagged as the figure (as the layout
    /// makes them).
    fn figure(height: f32) -> Vec<VItem> {
        let tag = Some(crate::frame::Tag::new(
            crate::frame::TagKind::Figure,
            None,
            None,
        ));
        let fig = VItem {
            height,
            float: true,
            tag: tag.clone(),
            ..VItem::default()
        };
        let space = VItem {
            tag,
            ..VItem::space(5.0)
        };
        vec![space.clone(), fig, space]
    }

    /// The heights of a page's items that are not space, in order.
    fn order(p: &Page) -> Vec<f32> {
        p.body
            .iter()
            .filter(|(_, i)| !i.discardable)
            .map(|(_, i)| i.height)
            .collect()
    }

    #[test]
    fn text_after_a_figure_fills_the_page_the_figure_does_not_fit_on() {
        // 3 lines, a figure of 80 (does not fit in the 70 left), then 12 lines of text.
        let mut items = para(3);
        items.extend(figure(80.0));
        items.extend(para(12));
        let pages = paginate(items.clone(), &BTreeMap::new(), SHEET);
        // Page 1: the 3 lines and 7 lines moved up from after the figure (a widow-safe
        // break: 7 + 5 left); page 2: the figure first, then the other 5 lines.
        assert_eq!(order(&pages[0]), vec![10.0; 10]);
        assert_eq!(order(&pages[1])[0], 80.0);
        assert_eq!(heights(&pages[1]), 1 + 1);
        assert_eq!(pages.len(), 3);
        assert_eq!(heights(&pages[2]), 4);
        // Without the float mark the page stays short before the figure.
        for it in &mut items {
            it.float = false;
        }
        let pages = paginate(items, &BTreeMap::new(), SHEET);
        assert_eq!(heights(&pages[0]), 3);
    }

    #[test]
    fn text_moved_past_a_figure_keeps_its_own_space() {
        // The space above a heading after the figure stays above the heading.
        let mut items = para(3);
        items.extend(figure(80.0));
        items.push(VItem::space(7.0));
        let mut heading = line(true);
        heading.heading = Some((2, "H".into()));
        items.push(heading);
        items.extend(para(6));
        let pages = paginate(items, &BTreeMap::new(), SHEET);
        let body = &pages[0].body;
        let h = body
            .iter()
            .position(|(_, it)| it.heading.is_some())
            .expect("the heading moved up");
        assert_eq!(body[h - 1].1.height, 7.0);
        assert!(body[h - 1].1.discardable);
        assert_eq!(order(&pages[1])[0], 80.0);
    }

    #[test]
    fn text_never_moves_past_another_figure() {
        let mut items = para(3);
        items.extend(figure(80.0));
        items.extend(figure(20.0));
        items.extend(para(4));
        let pages = paginate(items, &BTreeMap::new(), SHEET);
        assert_eq!(heights(&pages[0]), 3, "figures keep their order");
        // A page only a line or two short is left as it is.
        let mut items = para(8);
        items.extend(figure(80.0));
        items.extend(para(4));
        let pages = paginate(items, &BTreeMap::new(), SHEET);
        assert_eq!(heights(&pages[0]), 8);
    }

    /// The bottom of the last item on a page.
    fn foot(p: &Page) -> f32 {
        p.body.last().map_or(0.0, |(y, it)| y + it.height)
    }

    #[test]
    fn space_between_blocks_spreads_to_fill_a_short_page() {
        // Two paragraphs of 4 with a space of 5 between, then a paragraph of 4 that does
        // not fit in the 15 left: the space grows by at most a line (10), to 15.
        let mut items = para(4);
        items.push(VItem::space(5.0));
        items.extend(para(4));
        items.push(VItem::space(5.0));
        items.extend(para(4));
        let pages = paginate(items.clone(), &BTreeMap::new(), SHEET);
        assert_eq!(heights(&pages[0]), 8);
        assert!((foot(&pages[0]) - 95.0).abs() < EPS, "{}", foot(&pages[0]));
        // Two spaces share what is left: 30 + 5 + 20 + 5 + 20 = 80, and the next
        // paragraph of three lines does not fit: 20 is spread, 10 to each space.
        let mut items = para(3);
        for n in [2, 2, 3] {
            items.push(VItem::space(5.0));
            items.extend(para(n));
        }
        let pages = paginate(items, &BTreeMap::new(), SHEET);
        assert_eq!(heights(&pages[0]), 7);
        assert!((foot(&pages[0]) - 100.0).abs() < EPS, "{}", foot(&pages[0]));
        // The chapter's last page keeps its natural spacing.
        let last = pages.last().expect("a page");
        let natural: f32 = last.body.iter().map(|(_, i)| i.height).sum();
        assert!((foot(last) - natural).abs() < EPS);
    }

    #[test]
    fn headings_stay_with_what_follows() {
        let mut items = para(8);
        let mut heading = line(true);
        heading.heading = Some((2, "H".into()));
        items.push(heading);
        items.extend(para(4));
        let pages = paginate(items, &BTreeMap::new(), SHEET);
        // The heading would fit as line 9 with one line of text: it moves to page 2.
        assert_eq!(heights(&pages[0]), 8);
        assert!(pages[1].body[0].1.heading.is_some());
    }

    #[test]
    fn table_header_repeats_after_a_break() {
        let header = VItem {
            height: 10.0,
            keep_with_next: true,
            ..VItem::default()
        };
        let hdr = std::sync::Arc::new(vec![header.clone()]);
        let mut items = vec![header];
        for _ in 0..15 {
            items.push(VItem {
                height: 10.0,
                repeat_header: Some(hdr.clone()),
                ..VItem::default()
            });
        }
        let pages = paginate(items, &BTreeMap::new(), SHEET);
        assert_eq!(pages.len(), 2);
        // Page 2 starts with the header again, then the remaining 6 rows.
        assert!(pages[1].body[0].1.repeat_header.is_none());
        assert_eq!(pages[1].body.len(), 7);
        assert!(
            pages
                .iter()
                .all(|p| p.body.iter().map(|(_, i)| i.height).sum::<f32>() <= 100.0)
        );
    }

    #[test]
    fn footnotes_go_to_the_page_that_refers_to_them() {
        let mut notes = BTreeMap::new();
        notes.insert(1, vec![line(false), line(false)]);
        let mut items = para(8);
        items[6].footnotes = vec![1];
        // 8 lines + 2 note lines + gap do not fit in 100: the line with the reference (and
        // the widow-kept last line) move to the next page with the note.
        let pages = paginate(items, &BTreeMap::from([(1, notes[&1].clone())]), SHEET);
        let page_of_ref = pages
            .iter()
            .position(|p| p.body.iter().any(|(_, i)| i.footnotes.contains(&1)))
            .expect("reference placed");
        let page_of_note = pages
            .iter()
            .position(|p| p.notes.len() > 1)
            .expect("note placed");
        assert_eq!(page_of_ref, page_of_note);
        for p in &pages {
            let body: f32 = p.body.iter().map(|(_, i)| i.height).sum();
            let notes_top = p.notes.first().map_or(100.0, |(y, _)| *y);
            assert!(
                body <= notes_top + EPS,
                "body {body} runs into notes at {notes_top}"
            );
        }
    }

    #[test]
    fn a_footnote_taller_than_the_page_continues() {
        let notes = BTreeMap::from([(1, (0..15).map(|_| line(false)).collect::<Vec<_>>())]);
        let mut items = para(3);
        items[0].footnotes = vec![1];
        let pages = paginate(items, &notes, SHEET);
        let note_lines: usize = pages.iter().map(|p| p.notes.len().saturating_sub(1)).sum();
        assert_eq!(note_lines, 15, "every footnote line is placed once");
        assert!(pages.len() >= 2);
    }
}
