//! Right-to-left text: the Unicode bidirectional algorithm (unicode-bidi) gives each
//! character of a paragraph its embedding level; the line breaker works in logical
//! order, and each line's pieces are then put in visual order (rule L2).

use unicode_bidi::{BidiInfo, Level};

/// Whether `c` is written right to left, or is a control that may start such a run.
fn may_be_rtl(c: char) -> bool {
    matches!(c as u32,
        0x0590..=0x08FF
        | 0xFB1D..=0xFDFF
        | 0xFE70..=0xFEFF
        | 0x10800..=0x10FFF
        | 0x1E800..=0x1EFFF
        | 0x200F | 0x202B | 0x202E | 0x2067)
}

/// The direction of a paragraph from its first strong character (rules P2 and P3):
/// `None` when it has none (digits, punctuation, an image alone).
pub fn first_strong_rtl(text: &str) -> Option<bool> {
    match unicode_bidi::get_base_direction(text) {
        unicode_bidi::Direction::Ltr => Some(false),
        unicode_bidi::Direction::Rtl => Some(true),
        unicode_bidi::Direction::Mixed => None,
    }
}

/// The embedding level of each byte of `text` in a paragraph of direction `rtl`, or
/// `None` when every byte is at level 0 (left-to-right text with nothing to reorder,
/// the common case, costs nothing more).
pub fn levels(text: &str, rtl: bool) -> Option<Vec<u8>> {
    if !rtl && !text.chars().any(may_be_rtl) {
        return None;
    }
    let base = if rtl { Level::rtl() } else { Level::ltr() };
    let info = BidiInfo::new(text, Some(base));
    Some(info.levels.iter().map(|l| l.number()).collect())
}

/// Put a line's pieces, given in logical order with their levels, in visual order
/// (left to right): every maximal sequence at level ≥ k is reversed, for k from the
/// highest level down to the lowest odd one (UAX #9, L2).
pub fn reorder<T>(pieces: &mut [(u8, T)]) {
    let Some(&highest) = pieces.iter().map(|(l, _)| l).max() else {
        return;
    };
    let lowest_odd = pieces.iter().map(|(l, _)| *l).min().unwrap_or(0) | 1;
    let mut k = highest;
    while k >= lowest_odd && k > 0 {
        let mut i = 0;
        while i < pieces.len() {
            if pieces[i].0 >= k {
                let start = i;
                while i < pieces.len() && pieces[i].0 >= k {
                    i += 1;
                }
                pieces[start..i].reverse();
            } else {
                i += 1;
            }
        }
        k -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_text_has_no_levels_to_compute() {
        assert_eq!(levels("Plain English, 2024.", false), None);
        assert_eq!(first_strong_rtl("2024 Plain"), Some(false));
        assert_eq!(first_strong_rtl("2024 שלום"), Some(true));
        assert_eq!(first_strong_rtl("2024 …"), None);
    }

    #[test]
    fn lines_are_reordered_by_level() {
        // "abc" [Hebrew word 1] [Hebrew word 2] "def" in a left-to-right paragraph: the two
        // Hebrew words swap.
        let mut line = vec![
            (0, "abc"),
            (0, " "),
            (1, "W1"),
            (1, " "),
            (1, "W2"),
            (0, " "),
            (0, "def"),
        ];
        reorder(&mut line);
        let order: Vec<&str> = line.iter().map(|p| p.1).collect();
        assert_eq!(order, ["abc", " ", "W2", " ", "W1", " ", "def"]);
        // A number inside a right-to-left paragraph keeps its digits' order.
        let mut line = vec![(1, "A"), (1, " "), (2, "2024"), (1, " "), (1, "B")];
        reorder(&mut line);
        let order: Vec<&str> = line.iter().map(|p| p.1).collect();
        assert_eq!(order, ["B", " ", "2024", " ", "A"]);
    }

    #[test]
    fn levels_follow_the_algorithm() {
        let text = "abc אבג 12";
        let l = levels(text, false).expect("Hebrew present");
        assert_eq!(l.len(), text.len());
        assert_eq!(l[0], 0);
        assert_eq!(l[text.find('א').unwrap_or(0)], 1);
        let rtl = levels("אבג abc", true).expect("rtl");
        assert_eq!(rtl[0], 1);
        assert_eq!(rtl["אבג ".len()], 2);
    }
}
