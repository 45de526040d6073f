//! Syntax highlighting with syntect, as CSS classes (`hl-…`) so the reader's theme and the
//! stylesheet stay in charge. Lines are wrapped one by one (spans re-opened on each line)
//! so that highlighted lines and line numbers can be marked.

use std::sync::OnceLock;

use notes2book_model::CodeOptions;
use syntect::html::{ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style};
use syntect::parsing::SyntaxSet;

const STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// The stylesheet for the highlight classes (a light theme that prints well).
pub fn css() -> String {
    let themes = syntect::highlighting::ThemeSet::load_defaults();
    themes
        .themes
        .get("InspiredGitHub")
        .and_then(|t| css_for_theme_with_class_style(t, STYLE).ok())
        .unwrap_or_default()
}

/// Map common fence names to syntect's names for languages it knows under another token.
fn lookup(lang: &str) -> Option<&'static syntect::parsing::SyntaxReference> {
    let set = syntaxes();
    let alias = notes2book_model::syntax_token(lang);
    let alias = alias.as_str();
    set.find_syntax_by_token(alias)
        .or_else(|| set.find_syntax_by_extension(alias))
}

/// Highlighted code as XHTML lines (without the surrounding `<pre>`). Unknown languages
/// and code without a language come out escaped and uncoloured.
pub fn highlight(code: &str, lang: Option<&str>, options: &CodeOptions) -> String {
    let html = remembered(code, lang);
    wrap_lines(&html, options)
}

/// Code highlighted before in this process is not highlighted again (a rebuild under
/// `watch` changes one note; highlighting was a third of an EPUB's time). What is kept
/// is forgotten past `MEMO_BYTES`.
fn remembered(code: &str, lang: Option<&str>) -> std::sync::Arc<str> {
    type Memo = std::collections::HashMap<(Option<String>, String), std::sync::Arc<str>>;
    static MEMO: OnceLock<std::sync::Mutex<(Memo, usize)>> = OnceLock::new();
    const MEMO_BYTES: usize = 64 << 20;
    let memo = MEMO.get_or_init(Default::default);
    let key = (lang.map(str::to_owned), code.to_owned());
    if let Some(found) = memo.lock().ok().and_then(|m| m.0.get(&key).cloned()) {
        return found;
    }
    let html: std::sync::Arc<str> = classed(code, lang).into();
    if let Ok(mut m) = memo.lock() {
        if m.1 > MEMO_BYTES {
            *m = Default::default();
        }
        m.1 += 2 * code.len() + html.len();
        m.0.insert(key, html.clone());
    }
    html
}

/// syntect's classed HTML for the code, or the code escaped.
fn classed(code: &str, lang: Option<&str>) -> String {
    match lang.and_then(lookup) {
        Some(syntax) => {
            let mut g = ClassedHTMLGenerator::new_with_class_style(syntax, syntaxes(), STYLE);
            let mut ok = true;
            for line in syntect::util::LinesWithEndings::from(code) {
                if g.parse_html_for_line_which_includes_newline(line).is_err() {
                    ok = false;
                    break;
                }
            }
            if ok {
                g.finalize()
            } else {
                crate::xhtml::escape(code)
            }
        }
        None => crate::xhtml::escape(code),
    }
}

/// Balance each line's spans and wrap it: `<span class="line">` (or `line hl` for
/// highlighted lines), with a line number first when asked for.
fn wrap_lines(html: &str, options: &CodeOptions) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let mut open: Vec<String> = Vec::new();
    let start = options.line_number_start.max(1);
    let mut lines: Vec<String> = html
        .trim_end_matches('\n')
        .split('\n')
        .map(str::to_owned)
        .collect();
    // Closing tags after the last line end belong to the last line.
    if lines.len() > 1 && lines.last().is_some_and(|l| without_tags(l).is_empty()) {
        let tail = lines.pop().unwrap_or_default();
        if let Some(last) = lines.last_mut() {
            last.push_str(&tail);
        }
    }
    let width = (start as usize + lines.len()).to_string().len();
    for (i, line) in lines.iter().enumerate() {
        let n = start + i as u32;
        let hl = options
            .highlight_lines
            .iter()
            .any(|&(a, b)| (a..=b).contains(&(i as u32 + 1)));
        out.push_str(if hl {
            "<span class=\"line hl\">"
        } else {
            "<span class=\"line\">"
        });
        if options.line_numbers {
            out.push_str(&format!("<span class=\"ln\">{n:>width$} </span>"));
        }
        for tag in &open {
            out.push_str(tag);
        }
        // Track the spans this line opens and closes.
        let mut rest = line.as_str();
        while let Some(p) = rest.find('<') {
            let tail = &rest[p..];
            let end = tail.find('>').map_or(tail.len(), |e| e + 1);
            let tag = &tail[..end];
            if tag.starts_with("</span") {
                open.pop();
            } else if tag.starts_with("<span") {
                open.push(tag.to_owned());
            }
            rest = &tail[end..];
        }
        out.push_str(line);
        for _ in 0..open.len() {
            out.push_str("</span>");
        }
        out.push_str("</span>\n");
    }
    out
}

fn without_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_balance_per_line() {
        let code = "fn main() {\n    let s = \"a\nb\";\n}\n";
        let opts = CodeOptions {
            line_numbers: true,
            line_number_start: 1,
            highlight_lines: vec![(2, 2)],
        };
        let html = highlight(code, Some("rust"), &opts);
        for line in html.lines() {
            assert_eq!(
                line.matches("<span").count(),
                line.matches("</span>").count(),
                "{line}"
            );
        }
        assert!(html.contains("class=\"line hl\""));
        assert!(html.contains("hl-"), "coloured");
        assert_eq!(html.lines().count(), 4);
        let plain = highlight("a < b && c", None, &CodeOptions::default());
        assert!(plain.contains("a &lt; b &amp;&amp; c"));
    }
}
