//! Obsidian syntax on top of Markdown: callouts and `==highlight==`.
//! (Wikilinks and embeds come from pulldown-cmark's wikilink option; `%%comments%%` are
//! dropped with the shortcodes.)

use notes2book_model::{Block, Inline, Span};
use pulldown_cmark::BlockQuoteKind;

/// Obsidian's callout types and their aliases, mapped to the canonical type.
fn canonical(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "note" => "note",
        "abstract" | "summary" | "tldr" => "abstract",
        "info" => "info",
        "todo" => "todo",
        "tip" | "hint" | "important" => "tip",
        "success" | "check" | "done" => "success",
        "question" | "help" | "faq" => "question",
        "warning" | "caution" | "attention" => "warning",
        "failure" | "fail" | "missing" => "failure",
        "danger" | "error" => "danger",
        "bug" => "bug",
        "example" => "example",
        "quote" | "cite" => "quote",
        _ => return None,
    })
}

/// How Obsidian labels a wikilink without an alias: `Note > Heading`, `Heading`, and
/// `Note > Heading > Subheading` for a nested heading path.
pub fn wiki_label(dest: &str) -> String {
    dest.trim()
        .split('#')
        .map(|p| p.trim().trim_start_matches('^'))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" > ")
}

/// `faq` → `Faq`, `CAUTION` → `Caution`.
pub fn type_title(written: &str) -> String {
    let lower = written.to_lowercase();
    let mut c = lower.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub fn gfm_title(k: BlockQuoteKind) -> &'static str {
    match k {
        BlockQuoteKind::Note => "Note",
        BlockQuoteKind::Tip => "Tip",
        BlockQuoteKind::Important => "Important",
        BlockQuoteKind::Warning => "Warning",
        BlockQuoteKind::Caution => "Caution",
    }
}

pub fn gfm_kind(k: BlockQuoteKind) -> &'static str {
    match k {
        BlockQuoteKind::Note => "note",
        BlockQuoteKind::Tip | BlockQuoteKind::Important => "tip",
        BlockQuoteKind::Warning | BlockQuoteKind::Caution => "warning",
    }
}

/// A block quote whose first line is `[!type]`, `[!type]-` or `[!type]+ Title` becomes a
/// callout; any other block quote stays one.
pub fn callout(mut blocks: Vec<Block>, span: Span) -> Block {
    let Some(header) = callout_header(&blocks) else {
        return Block::BlockQuote {
            blocks,
            span: Some(span),
        };
    };
    let (written, folded, first_rest) = header;
    let kind = canonical(&written.to_lowercase());
    let mut title: Vec<Inline> = Vec::new();
    let mut first_empty = false;
    if let Some(Block::Paragraph { content, .. }) = blocks.first_mut() {
        // The title runs to the first line break; the rest is the first paragraph.
        let break_at = content
            .iter()
            .position(|i| matches!(i, Inline::SoftBreak | Inline::HardBreak))
            .unwrap_or(content.len());
        title = content.drain(..break_at).collect();
        if !content.is_empty() {
            content.remove(0);
        }
        first_empty = content.is_empty();
    }
    if first_empty {
        blocks.remove(0);
    }
    if first_rest.is_empty() {
        title.remove(0);
    } else if let Some(Inline::Text(t)) = title.first_mut() {
        *t = first_rest;
    }
    // Without a title, Obsidian shows the type as written, capitalised.
    let title = if title.is_empty() {
        vec![Inline::Text(type_title(&written))]
    } else {
        title
    };
    Block::Callout {
        kind: kind.unwrap_or("note").to_owned(),
        title,
        folded,
        blocks,
        span: Some(span),
    }
}

/// `[!type]`, the fold marker and the rest of the first text, when the quote is a callout.
fn callout_header(blocks: &[Block]) -> Option<(String, Option<bool>, String)> {
    let Some(Block::Paragraph { content, .. }) = blocks.first() else {
        return None;
    };
    let Some(Inline::Text(first)) = content.first() else {
        return None;
    };
    let rest = first.strip_prefix("[!")?;
    let close = rest.find(']')?;
    let written = &rest[..close];
    if written.is_empty()
        || !written
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    let after = &rest[close + 1..];
    let (folded, after) = match after.chars().next() {
        Some('-') => (Some(true), &after[1..]),
        Some('+') => (Some(false), &after[1..]),
        _ => (None, after),
    };
    Some((written.to_owned(), folded, after.trim_start().to_owned()))
}

/// Wrap `==text==` runs in `Inline::Highlight`. An opening `==` must be followed, and a
/// closing one preceded, by a non-space; unmatched ones stay text.
pub fn highlights(inlines: Vec<Inline>) -> Vec<Inline> {
    if !inlines
        .iter()
        .any(|i| matches!(i, Inline::Text(t) if t.contains("==")))
    {
        return inlines;
    }
    enum Tok {
        Node(Inline),
        Delim,
    }
    let mut toks: Vec<Tok> = Vec::new();
    for inline in inlines {
        match inline {
            Inline::Text(t) if t.contains("==") => {
                let mut rest = t.as_str();
                while let Some(p) = rest.find("==") {
                    if p > 0 {
                        toks.push(Tok::Node(Inline::Text(rest[..p].to_owned())));
                    }
                    toks.push(Tok::Delim);
                    rest = &rest[p + 2..];
                }
                if !rest.is_empty() {
                    toks.push(Tok::Node(Inline::Text(rest.to_owned())));
                }
            }
            other => toks.push(Tok::Node(other)),
        }
    }
    let starts_space = |t: Option<&Tok>| match t {
        Some(Tok::Node(Inline::Text(s))) => s.starts_with(char::is_whitespace),
        None | Some(Tok::Delim) => true,
        _ => false,
    };
    let ends_space = |t: Option<&Tok>| match t {
        Some(Tok::Node(Inline::Text(s))) => s.ends_with(char::is_whitespace),
        None | Some(Tok::Delim) => true,
        _ => false,
    };
    // Flanking of each delimiter, decided before the tokens are consumed.
    let flanks: Vec<(bool, bool)> = (0..toks.len())
        .map(|i| {
            (
                i == 0 || ends_space(toks.get(i - 1)),
                starts_space(toks.get(i + 1)),
            )
        })
        .collect();
    let mut out: Vec<Inline> = Vec::new();
    let mut open: Option<usize> = None; // index in `out` where the highlight starts
    for (tok, (prev_space, next_space)) in toks.into_iter().zip(flanks) {
        match tok {
            Tok::Node(n) => push_text(&mut out, n, open),
            Tok::Delim => match open {
                Some(start) if !prev_space && out.len() > start => {
                    let inner: Vec<Inline> = out.drain(start..).collect();
                    out.push(Inline::Highlight(inner));
                    open = None;
                }
                None if !next_space => open = Some(out.len()),
                _ => push_text(&mut out, Inline::Text("==".into()), open),
            },
        }
    }
    if let Some(start) = open {
        out.insert(start, Inline::Text("==".into()));
        let merged: Vec<Inline> = std::mem::take(&mut out);
        for n in merged {
            push_text(&mut out, n, None);
        }
    }
    out
}

/// Append, merging adjacent text, but never across `barrier` (where a highlight opened).
fn push_text(out: &mut Vec<Inline>, n: Inline, barrier: Option<usize>) {
    let can_merge = barrier.is_none_or(|b| out.len() > b);
    if let (true, Some(Inline::Text(prev)), Inline::Text(t)) = (can_merge, out.last_mut(), &n) {
        prev.push_str(t);
        return;
    }
    if matches!(&n, Inline::Text(t) if t.is_empty()) {
        return;
    }
    out.push(n);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Inline {
        Inline::Text(s.into())
    }

    #[test]
    fn highlight_pairs() {
        let out = highlights(vec![t("a ==b== c == d")]);
        assert_eq!(
            format!("{out:?}"),
            format!(
                "{:?}",
                vec![t("a "), Inline::Highlight(vec![t("b")]), t(" c == d")]
            )
        );
        let out = highlights(vec![t("x ==a "), Inline::Emph(vec![t("b")]), t("== y")]);
        assert!(
            matches!(&out[1], Inline::Highlight(c) if c.len() == 2),
            "{out:?}"
        );
        let out = highlights(vec![t("if a == b then")]);
        assert_eq!(
            format!("{out:?}"),
            format!("{:?}", vec![t("if a == b then")])
        );
    }
}
