//! Small text helpers shared by the parser and the backends.

use crate::Inline;

/// The visible text of inlines, without markup: what a TOC entry or an `alt` shows.
pub fn plain_text(inlines: &[Inline]) -> String {
    let mut out = String::new();
    push_plain(inlines, &mut out);
    out
}

fn push_plain(inlines: &[Inline], out: &mut String) {
    // Iterative so that deeply nested emphasis cannot overflow the stack.
    let mut stack: Vec<std::slice::Iter<'_, Inline>> = vec![inlines.iter()];
    while let Some(top) = stack.last_mut() {
        let Some(inline) = top.next() else {
            stack.pop();
            continue;
        };
        match inline {
            Inline::Text(t) | Inline::Code(t) => out.push_str(t),
            Inline::Math { tex, formula, .. } => {
                out.push_str(formula.as_ref().map_or(tex.as_str(), |f| f.text.as_str()))
            }
            Inline::SoftBreak | Inline::HardBreak => out.push(' '),
            Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) | Inline::Highlight(c) => {
                stack.push(c.iter())
            }
            Inline::Link(l) => stack.push(l.content.iter()),
            Inline::Image { alt, .. } => out.push_str(alt),
            Inline::FootnoteRef { .. }
            | Inline::Html { .. }
            | Inline::Anchor { .. }
            | Inline::PageRef { .. } => {}
        }
    }
}

/// Words of `text`, lower case, joined by `-`: letters and digits kept (beyond ASCII too),
/// `-`, `_` and white space separate words, other punctuation is dropped.
pub fn slug_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.extend(c.to_lowercase());
        } else if c == '-' || c == '_' || c.is_whitespace() {
            pending_dash = true;
        }
    }
    out
}

/// A heading id in the style of GitHub and Hugo: [`slug_words`], made a valid XML id (it
/// always starts with a letter).
pub fn slugify(text: &str) -> String {
    let mut out = slug_words(text);
    if out.is_empty() {
        out.push_str("section");
    }
    if !out.starts_with(|c: char| c.is_alphabetic()) {
        out.insert_str(0, "h-");
    }
    out
}

/// The syntax-highlighting token for a code fence's language: common fence names mapped to
/// the names syntect knows them by (`sh` → `bash`, `py` → `python`). Both backends use it so
/// that code is coloured the same way in the EPUB and the PDF.
pub fn syntax_token(lang: &str) -> String {
    let l = lang.to_ascii_lowercase();
    let alias = match l.as_str() {
        "sh" | "shell" | "zsh" | "console" => "bash",
        "js" | "jsx" => "javascript",
        "py" => "python",
        "rs" => "rust",
        "yml" => "yaml",
        "c++" => "cpp",
        "golang" => "go",
        other => other,
    };
    alias.to_string()
}

/// Text for XML content or, with `attr`, a double-quoted attribute value (a quote escaped,
/// line breaks and tabs as spaces). Characters XML 1.0 forbids are left out.
pub fn xml_escape(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\n' | '\t' | '\r' if attr => out.push(' '),
            '\u{0}'..='\u{8}'
            | '\u{B}'
            | '\u{C}'
            | '\u{E}'..='\u{1F}'
            | '\u{FFFE}'
            | '\u{FFFF}' => {}
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_xml_ids() {
        assert_eq!(slugify("Leap seconds & smearing"), "leap-seconds-smearing");
        assert_eq!(slugify("2. Install"), "h-2-install");
        assert_eq!(slugify("Zürich — UTC"), "zürich-utc");
        assert_eq!(slugify("!!!"), "section");
        assert_eq!(slugify("snake_case_name"), "snake-case-name");
    }
}

/// Whether a BCP 47 language tag names a language written right to left (Arabic, Hebrew,
/// Persian, Urdu and the others of those scripts), or has a right-to-left script subtag.
pub fn is_rtl_language(tag: &str) -> bool {
    let mut parts = tag.split(['-', '_']);
    let primary = parts.next().unwrap_or("").to_ascii_lowercase();
    let script_rtl = parts.any(|p| {
        matches!(
            p.to_ascii_lowercase().as_str(),
            "arab" | "hebr" | "thaa" | "syrc" | "nkoo" | "adlm" | "rohg"
        )
    });
    script_rtl
        || matches!(
            primary.as_str(),
            "ar" | "he" | "iw" | "fa" | "ur" | "yi" | "ps" | "sd" | "ug" | "dv" | "ckb" | "syr"
        )
}

#[cfg(test)]
mod rtl_tests {
    #[test]
    fn right_to_left_languages() {
        for t in ["ar", "he", "fa-IR", "ur", "az-Arab", "yi"] {
            assert!(super::is_rtl_language(t), "{t}");
        }
        for t in ["en", "zh-Hant", "arn", "hi", ""] {
            assert!(!super::is_rtl_language(t), "{t}");
        }
    }
}
