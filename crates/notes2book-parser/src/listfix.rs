//! Repair of over-indented nested list items.
//!
//! CommonMark reads a list item indented four or more columns past its parent's text as
//! text of the item above (or as code): `- a` followed by `       - b` gives one item
//! "a - b". Notes are full of such lists, and their authors mean a nested item. This pass
//! moves such items (and the lines that belong to them) left to the parent's text column
//! and says so in a warning. Indents that CommonMark already reads as nesting (3 or 7
//! spaces under a parent whose text is 2 or 5 columns in) are left alone.

use std::ops::Range;

use crate::segmap::{Builder, SegMap};

#[derive(Debug, Clone, Copy)]
struct Item {
    /// Original column of the item's text.
    orig_content: usize,
    /// Bytes removed from the start of the item's lines.
    shift: usize,
}

/// A line that was moved: its range in the input text and the columns removed.
#[derive(Debug, Clone)]
pub struct Fix {
    pub line: Range<usize>,
    pub removed: usize,
    pub parent_col: usize,
}

/// Returns `None` when nothing needs repair.
pub fn repair(text: &str, map: &SegMap) -> Option<(String, SegMap, Vec<Fix>)> {
    let mut stack: Vec<Item> = Vec::new();
    let mut shifts: Vec<(usize, usize)> = Vec::new(); // (line start, bytes to drop)
    let mut fixes = Vec::new();
    let mut fence: Option<(u8, usize)> = None;
    let mut prev_blank = true;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let start = pos;
        pos += line.len();
        let body = line.trim_end_matches('\n');
        let indent = body.len() - body.trim_start_matches(' ').len();
        let t = &body[indent..];
        if let Some((c, n)) = fence {
            let run = t.bytes().take_while(|&b| b == c).count();
            if run >= n && t[run..].trim().is_empty() {
                fence = None;
            }
            drop_for_top(&stack, indent, start, &mut shifts);
            continue;
        }
        if t.is_empty() {
            prev_blank = true;
            continue;
        }
        let fc = t.as_bytes()[0];
        if (fc == b'`' || fc == b'~') && t.bytes().take_while(|&b| b == fc).count() >= 3 {
            fence = Some((fc, t.bytes().take_while(|&b| b == fc).count()));
            drop_for_top(&stack, indent, start, &mut shifts);
            prev_blank = false;
            continue;
        }
        if let Some(width) = marker_width(t) {
            while stack.last().is_some_and(|top| indent < top.orig_content) {
                stack.pop();
            }
            let (shift, parent_new) = match stack.last() {
                Some(p) => (p.shift, p.orig_content - p.shift),
                None => (0, 0),
            };
            let new_indent = indent - shift.min(indent);
            let mut total = shift.min(indent);
            if !stack.is_empty() && new_indent >= parent_new + 4 {
                let extra = new_indent - parent_new;
                total += extra;
                fixes.push(Fix {
                    line: start..start + body.len(),
                    removed: extra,
                    parent_col: parent_new,
                });
            }
            if total > 0 {
                shifts.push((start, total));
            }
            stack.push(Item {
                orig_content: indent + width,
                shift: total,
            });
        } else {
            if prev_blank {
                while stack.last().is_some_and(|top| indent < top.orig_content) {
                    stack.pop();
                }
            }
            drop_for_top(&stack, indent, start, &mut shifts);
        }
        prev_blank = false;
    }
    if fixes.is_empty() {
        return None;
    }
    let mut b = Builder::with_capacity(text.len());
    let mut last = 0;
    for (line_start, n) in shifts {
        b.copy_mapped(text, last..line_start, map);
        last = line_start + n;
    }
    b.copy_mapped(text, last..text.len(), map);
    let (t, m) = b.finish();
    Some((t, m, fixes))
}

/// Lines inside a moved item move with it.
fn drop_for_top(stack: &[Item], indent: usize, start: usize, shifts: &mut Vec<(usize, usize)>) {
    if let Some(top) = stack.last()
        && top.shift > 0
        && indent >= top.orig_content
    {
        shifts.push((start, top.shift));
    }
}

/// Width of a list marker and the spaces after it, or `None` if the line is no list item.
fn marker_width(t: &str) -> Option<usize> {
    let b = t.as_bytes();
    let marker = match b.first()? {
        b'-' | b'+' | b'*' => {
            if is_thematic_break(t) {
                return None;
            }
            1
        }
        b'0'..=b'9' => {
            let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits > 9 || !matches!(b.get(digits), Some(b'.' | b')')) {
                return None;
            }
            digits + 1
        }
        _ => return None,
    };
    match b.get(marker) {
        None => Some(marker + 1),
        Some(b' ' | b'\t') => {
            let spaces = b[marker..].iter().take_while(|&&c| c == b' ').count();
            Some(marker + if (1..=4).contains(&spaces) { spaces } else { 1 })
        }
        _ => None,
    }
}

fn is_thematic_break(t: &str) -> bool {
    let c = t.as_bytes()[0];
    let n = t.bytes().filter(|&b| b == c).count();
    n >= 3 && t.bytes().all(|b| b == c || b == b' ' || b == b'\t')
}

#[cfg(test)]
mod tests {
    use super::*;
    use notes2book_model::FileId;

    fn fix(text: &str) -> Option<(String, Vec<Fix>)> {
        repair(text, &SegMap::identity(FileId(0), text.len())).map(|(t, _, f)| (t, f))
    }

    #[test]
    fn commonmark_nesting_is_left_alone() {
        assert!(fix("- a\n   + b\n       - c\n- d\n").is_none());
        assert!(fix("1. a\n    - b\n").is_none());
        assert!(fix("text\n\n    code\n").is_none());
    }

    #[test]
    fn over_indented_items_move_left() {
        let Some((t, f)) = fix("- a\n       - b\n         more of b\n- c\n") else {
            panic!()
        };
        assert_eq!(t, "- a\n  - b\n    more of b\n- c\n");
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].removed, f[0].parent_col), (5, 2));
        let Some((t, _)) = fix("- a\n      - b\n          - c\n") else {
            panic!()
        };
        assert_eq!(t, "- a\n  - b\n      - c\n");
    }

    #[test]
    fn fenced_code_is_not_touched() {
        assert!(fix("```\n- a\n       - b\n```\n").is_none());
    }
}
