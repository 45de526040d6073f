//! Where a paragraph's text may break, script by script.
//!
//! UAX #14 (unicode-linebreak) gives the opportunities of most scripts, including every
//! gap between ideographs and kana and the kinsoku rules (no closing punctuation, small
//! kana or iteration mark at a line's start, no opening bracket at its end). On top:
//! - Korean breaks at spaces only (the "keep-all" of Korean typesetting), so a word of
//!   Hangul syllables stays whole;
//! - Thai, Lao, Khmer and Burmese, written without spaces between words, break between the
//!   words a dictionary finds (icu_segmenter);
//! - a gap between two East Asian characters is marked, so that the line breaker can
//!   justify such text by spacing its characters rather than only at the rare spaces.

use icu_segmenter::LineSegmenter;
use unicode_linebreak::{BreakClass, BreakOpportunity, break_property, linebreaks};

/// What kind of break an opportunity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Between words or after a hyphen or dash (UAX #14).
    Plain,
    /// Between two East Asian characters: the gap may also stretch.
    Wide,
}

/// The break opportunities inside `text` (byte offsets, ascending, not at 0), with
/// mandatory ones included: where the line breaker may end a line.
pub fn opportunities(text: &str) -> Vec<(usize, Kind)> {
    let mut out: Vec<(usize, Kind)> = Vec::new();
    for (at, op) in linebreaks(text) {
        if at == 0 || at >= text.len() && op == BreakOpportunity::Mandatory {
            continue;
        }
        let before = text[..at].chars().next_back();
        let after = text[at..].chars().next();
        match (before, after) {
            (Some(b), Some(a)) if is_hangul(b) && is_hangul(a) => continue,
            (Some(b), Some(a)) if is_wide(b) && is_wide(a) => out.push((at, Kind::Wide)),
            _ => out.push((at, Kind::Plain)),
        }
    }
    out.extend(complex_breaks(text).into_iter().map(|at| (at, Kind::Plain)));
    out.sort_by_key(|o| o.0);
    out.dedup_by_key(|o| o.0);
    out
}

/// Breaks between the words of each run of Southeast Asian script (UAX #14 class SA),
/// found with the dictionaries of icu_segmenter.
fn complex_breaks(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut run: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let sa = break_property(c as u32) == BreakClass::ComplexContext;
        if sa && run.is_none() {
            run = Some(i);
        }
        let ends = !sa || chars.peek().is_none();
        if let (true, Some(start)) = (ends, run) {
            let end = if sa { i + c.len_utf8() } else { i };
            let piece = &text[start..end];
            SEGMENTER.with(|seg| {
                out.extend(
                    seg.segment_str(piece)
                        .filter(|&b| b > 0 && b < piece.len())
                        .map(|b| start + b),
                );
            });
            run = None;
        }
    }
    out
}

thread_local! {
    // Not `Sync` (its data is reference-counted): one per thread, built on first use.
    static SEGMENTER: LineSegmenter = LineSegmenter::new_dictionary();
}

fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

/// Ideographs, kana, CJK symbols and punctuation, fullwidth forms: characters set on a
/// square grid, between which a justified line may add space.
pub fn is_wide(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{2FDF}'
        | '\u{3000}'..='\u{30FF}'
        | '\u{3190}'..='\u{31FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FF60}'
        | '\u{20000}'..='\u{3FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Vec<&str> {
        let mut cuts = vec![0];
        cuts.extend(opportunities(text).iter().map(|o| o.0));
        cuts.push(text.len());
        cuts.windows(2).map(|w| &text[w[0]..w[1]]).collect()
    }

    #[test]
    fn ideographs_break_anywhere_but_before_closing_punctuation() {
        assert_eq!(at("我们的书。你好"), ["我", "们", "的", "书。", "你", "好"]);
        // Small kana and the prolonged sound mark do not start a line (strict kinsoku),
        // an opening bracket does not end one.
        assert_eq!(at("キャットとデータ"), ["キャッ", "ト", "と", "デー", "タ"]);
        assert_eq!(at("我「书」你"), ["我", "「书」", "你"]);
        let wide = opportunities("书书 ab");
        assert_eq!(wide, [(3, Kind::Wide), (7, Kind::Plain)]);
    }

    #[test]
    fn korean_breaks_at_spaces_only() {
        assert_eq!(at("한국어 문장입니다"), ["한국어 ", "문장입니다"]);
    }

    #[test]
    fn thai_breaks_between_dictionary_words() {
        let parts = at("ภาษาไทยง่ายนิดเดียว");
        assert!(parts.len() >= 4, "{parts:?}");
        assert_eq!(parts.concat(), "ภาษาไทยง่ายนิดเดียว");
        assert!(parts.contains(&"ภาษา"), "{parts:?}");
    }
}
