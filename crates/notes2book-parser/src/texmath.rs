//! Math delimiters, found before the Markdown parser sees the text (as shortcodes are), so
//! that nothing inside a formula is read as Markdown: no emphasis in `$a*b*c$`, no table
//! cell split at `$|x|$`, no setext heading from a `-` line inside `$$`.
//!
//! - `$…$` inline, with pandoc's rule for money: the opening `$` is followed by a
//!   non-space, the closing one preceded by a non-space and not followed by a digit
//!   (`$5 and $10` stays text); a formula does not cross a blank line.
//! - `$$…$$` display, on its own lines or within a line; `\(…\)` inline and `\[…\]`
//!   display (Hugo's passthrough delimiters, and what many exports write), also doubled
//!   (`\\(…\\)`), as notes for MathJax on a Jekyll site write them.
//! - Escaped delimiters (`\$`, `\\(`) and code are left alone.

use std::ops::Range;

/// One formula found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The formula with its delimiters.
    pub range: Range<usize>,
    /// The TeX between the delimiters (for a formula over several lines of a quote or a
    /// list, without the quote markers and indentation that Markdown takes off).
    pub tex: String,
    pub display: bool,
    /// Where `tex` starts in the text, when it is a plain slice of it.
    pub tex_at: Option<usize>,
}

/// Every formula in `text` outside `code`, in order.
pub fn find(text: &str, code: &[Range<usize>]) -> Vec<Found> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(rel) = bytes[pos..].iter().position(|&b| b == b'$' || b == b'\\') {
        let at = pos + rel;
        if let Some(r) = code.iter().find(|r| r.contains(&at)) {
            pos = r.end.max(at + 1);
            continue;
        }
        if escaped(bytes, at) {
            pos = at + 1;
            continue;
        }
        let found = if bytes[at] == b'$' {
            if bytes.get(at + 1) == Some(&b'$') {
                delimited(text, at, "$$", "$$", true).map(|mut f| {
                    f.display = !in_running_text(text, &f.range);
                    f
                })
            } else {
                dollar(text, at)
            }
        } else {
            match (bytes.get(at + 1), bytes.get(at + 2)) {
                (Some(b'('), _) => delimited(text, at, "\\(", "\\)", false),
                (Some(b'['), _) => delimited(text, at, "\\[", "\\]", true),
                // `\\(…\\)` and `\\[…\\]`: what Markdown turns into `\(…\)` for MathJax on
                // a Jekyll or Hugo site (pandoc's `tex_math_double_backslash`).
                (Some(b'\\'), Some(b'(')) => delimited(text, at, "\\\\(", "\\\\)", false),
                (Some(b'\\'), Some(b'[')) => delimited(text, at, "\\\\[", "\\\\]", true),
                // `\\`, `\$` and the like: the escaped character is not a delimiter.
                _ => None,
            }
        };
        match found {
            Some(f) if !f.tex.trim().is_empty() && !code.iter().any(|r| overlaps(r, &f.range)) => {
                pos = f.range.end;
                out.push(f);
            }
            _ => pos = at + if bytes[at] == b'\\' { 2 } else { 1 },
        }
    }
    out
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// Whether the character at `at` follows an odd number of backslashes.
fn escaped(bytes: &[u8], at: usize) -> bool {
    bytes[..at]
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count()
        % 2
        == 1
}

/// Whether a one-line `$$…$$` shares its line with words (`the number of heads in $$n$$
/// coin flips`): it is then read inline, as GitBook and Jupyter show it, rather than as a
/// display that would cut the sentence in two. A list marker or quote marker in front, or
/// punctuation after, does not count.
fn in_running_text(text: &str, range: &Range<usize>) -> bool {
    if text[range.clone()].contains('\n') {
        return false;
    }
    let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[range.end..]
        .find('\n')
        .map_or(text.len(), |i| range.end + i);
    let before =
        text[line_start..range.start].trim_start_matches(|c: char| c.is_whitespace() || c == '>');
    let before = before
        .strip_prefix(['-', '*', '+'])
        .or_else(|| {
            let digits = before.trim_start_matches(|c: char| c.is_ascii_digit());
            (digits.len() < before.len())
                .then(|| digits.strip_prefix(['.', ')']))
                .flatten()
        })
        .filter(|rest| rest.starts_with(char::is_whitespace))
        .unwrap_or(before);
    let words = |s: &str| s.chars().any(char::is_alphanumeric);
    // A label after the formula (`$$ E = mc^2 $$ {#eq-x}`) is not text around it.
    let after = text[range.end..line_end].trim();
    let label = after.starts_with("{#") && after.ends_with('}');
    words(before) || (!label && words(after))
}

/// The end of the paragraph that `from` is in: the next blank line, or the end.
fn paragraph_end(text: &str, from: usize) -> usize {
    let mut pos = from;
    for line in text[from..].split_inclusive('\n') {
        if pos > from && line.trim().is_empty() {
            return pos;
        }
        pos += line.len();
    }
    text.len()
}

/// `open … close`, closing within the paragraph.
fn delimited(text: &str, at: usize, open: &str, close: &str, display: bool) -> Option<Found> {
    let start = at + open.len();
    let end = paragraph_end(text, at);
    let bytes = text.as_bytes();
    let mut search = start;
    let close_at = loop {
        let rel = text.get(search..end)?.find(close)?;
        let c = search + rel;
        // `\\)` is an escaped backslash and a parenthesis, not a closing `\)`.
        if close.starts_with('\\') && escaped(bytes, c) {
            search = c + 1;
            continue;
        }
        if close == "$$" && escaped(bytes, c) {
            search = c + 1;
            continue;
        }
        break c;
    };
    let raw = &text[start..close_at];
    let (tex, plain) = unprefixed(text, at, raw);
    Some(Found {
        range: at..close_at + close.len(),
        tex,
        display,
        tex_at: plain.then_some(start),
    })
}

/// `$…$` by pandoc's rule (see the module's text).
fn dollar(text: &str, at: usize) -> Option<Found> {
    let bytes = text.as_bytes();
    let first = text[at + 1..].chars().next()?;
    if first.is_whitespace() {
        return None;
    }
    let end = paragraph_end(text, at);
    let mut q = at + 1 + first.len_utf8();
    while q < end {
        if bytes[q] == b'$' && !escaped(bytes, q) {
            let before = text[..q].chars().next_back().unwrap_or(' ');
            let after = bytes.get(q + 1).copied();
            if after == Some(b'$') {
                // `$$` opens display math: an inline formula does not run into it.
                return None;
            }
            if !before.is_whitespace() && !after.is_some_and(|b| b.is_ascii_digit()) {
                let raw = &text[at + 1..q];
                let (tex, plain) = unprefixed(text, at, raw);
                return Some(Found {
                    range: at..q + 1,
                    tex,
                    display: false,
                    tex_at: plain.then_some(at + 1),
                });
            }
        }
        q += 1;
    }
    None
}

/// A formula's text without the container markers that start its later lines: the quote
/// markers (`>`) and indentation in front of the line that opens it. Returns whether the
/// text was left as it is.
fn unprefixed(text: &str, at: usize, raw: &str) -> (String, bool) {
    if !raw.contains('\n') {
        return (raw.to_owned(), true);
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let quotes = text[line_start..at].matches('>').count();
    let mut out = String::with_capacity(raw.len());
    let mut changed = false;
    for (i, line) in raw.split('\n').enumerate() {
        if i == 0 {
            out.push_str(line);
            continue;
        }
        out.push('\n');
        let mut rest = line;
        for _ in 0..quotes {
            let t = rest.trim_start_matches([' ', '\t']);
            match t.strip_prefix('>') {
                Some(after) => rest = after,
                None => break,
            }
        }
        let trimmed = rest.trim_start_matches([' ', '\t']);
        changed |= trimmed.len() != line.len();
        out.push_str(trimmed);
    }
    (out, !changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texs(text: &str) -> Vec<(String, bool)> {
        find(text, &[])
            .into_iter()
            .map(|f| (f.tex, f.display))
            .collect()
    }

    #[test]
    fn dollars_follow_pandocs_rule_for_money() {
        assert!(texs("It costs $5 and $10 today.").is_empty());
        assert!(texs("From $20,000 to $30,000.").is_empty());
        assert!(texs("A $ sign alone, and \\$x\\$ escaped.").is_empty());
        assert_eq!(
            texs("Let $x^2$ be, and $ y $ not."),
            [("x^2".into(), false)]
        );
        assert_eq!(
            texs("$a$, $b$."),
            [("a".into(), false), ("b".into(), false)]
        );
        assert!(texs("Not across\n\nparagraphs $a\n\nb$.").is_empty());
    }

    #[test]
    fn display_and_backslash_delimiters() {
        assert_eq!(
            texs("Above\n$$\nE = mc^2\n-\n$$\nbelow"),
            [("\nE = mc^2\n-\n".into(), true)]
        );
        assert_eq!(
            texs(r"inline \(a+b\) and \[c\]"),
            [("a+b".into(), false), ("c".into(), true)]
        );
        assert_eq!(
            texs(r"doubled \\(a\\) and \\[b\\]"),
            [("a".into(), false), ("b".into(), true)]
        );
        assert_eq!(
            texs("$$a$$ and $b$"),
            [("a".into(), false), ("b".into(), false)]
        );
    }

    #[test]
    fn double_dollars_in_a_sentence_are_inline() {
        let display = |t: &str| find(t, &[])[0].display;
        assert!(!display("the number of heads in $$n$$ coin flips"));
        assert!(!display("denoted as $$\\lambda$$. Note"));
        assert!(!display("$$x$$ is the input"));
        assert!(display("$$E = mc^2$$"));
        assert!(display("Where:\n$$E = mc^2$$.\nThen"));
        assert!(display("- $$x + y$$"));
        assert!(display("> 12. $$x + y$$,"));
        assert!(display("Hence $$\na = b\n$$"));
        assert!(display("$$ E = mc^2 $$ {#eq-energy}"));
        assert!(!display("$$x$$ {#eq-x} is the input"));
    }

    #[test]
    fn quote_markers_and_indentation_are_not_part_of_a_formula() {
        let text = "> [!note]\n> $$\n> \\frac{1}{2}\n> $$\n";
        let f = &find(text, &[])[0];
        assert_eq!(f.tex, "\n\\frac{1}{2}\n");
        assert_eq!(f.tex_at, None);
        let text = "- item\n  $$\n  a \\\\ b\n  $$\n";
        assert_eq!(find(text, &[])[0].tex, "\na \\\\ b\n");
    }

    #[test]
    fn code_is_left_alone() {
        let text = "`$x$` and $y$";
        let code = vec![Range { start: 0, end: 5 }];
        assert_eq!(find(text, &code).len(), 1);
        assert_eq!(find(text, &code)[0].tex, "y");
    }
}
