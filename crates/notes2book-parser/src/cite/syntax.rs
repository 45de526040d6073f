//! Citations as pandoc writes them, found in a note's text: `[@key]`, `[@key, p. 33]`,
//! `[see @a, ch. 2; @b]`, `[-@key]` (the year only) in brackets, and `@key` in running text
//! (the author named in the sentence).

/// One work cited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub key: String,
    /// Words before the key (`see`).
    pub prefix: String,
    /// The locator's kind as written (`p.`, `ch.`; empty for a bare number: a page) and
    /// its value (`33`, `33-35`).
    pub locator: Option<(String, String)>,
    /// Words after the locator.
    pub suffix: String,
    /// `-@key`: the year only.
    pub year_only: bool,
}

/// A citation found in text: its byte range, and whether it stands in the sentence
/// (`@key`) or in brackets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub range: std::ops::Range<usize>,
    pub items: Vec<Item>,
    pub in_text: bool,
}

/// Whether `c` may continue a citation key (pandoc: letters, digits, `_` and internal
/// punctuation `:.#$%&-+?<>~/`).
fn key_char(c: char) -> bool {
    c.is_alphanumeric() || "_:.#$%&-+?<>~/".contains(c)
}

/// The key that starts at `s` (after the `@`), without trailing punctuation.
fn key_at(s: &str) -> Option<&str> {
    let first = s.chars().next()?;
    if !(first.is_alphanumeric() || first == '_') {
        return None;
    }
    let end = s.find(|c: char| !key_char(c)).unwrap_or(s.len());
    let key = s[..end].trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
    (!key.is_empty()).then_some(key)
}

/// Every citation in `text`. Bare `@key` counts only when `known(key)`: an `@name` in a
/// blog post is not a citation unless the bibliography has it.
pub fn find(text: &str, known: &dyn Fn(&str) -> bool) -> Vec<Found> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = text[i..].find(['[', '@']) {
        let at = i + off;
        if text[at..].starts_with('[') {
            if let Some(f) = bracketed(text, at) {
                i = f.range.end;
                out.push(f);
                continue;
            }
        } else if let Some(f) = in_text(text, at, known) {
            i = f.range.end;
            out.push(f);
            continue;
        }
        i = at + 1;
    }
    out
}

/// `@key` in the sentence, not inside a word or an e-mail address.
fn in_text(text: &str, at: usize, known: &dyn Fn(&str) -> bool) -> Option<Found> {
    let before = text[..at].chars().next_back();
    if before.is_some_and(|c| c.is_alphanumeric() || "_.-@/:[".contains(c)) {
        return None;
    }
    let key = key_at(&text[at + 1..])?;
    if !known(key) {
        return None;
    }
    let mut end = at + 1 + key.len();
    // `@key [p. 33]`: the locator in brackets after the key, as pandoc reads it.
    let (mut loc, mut suffix) = (None, String::new());
    let after = &text[end..];
    let gap = after.len() - after.trim_start_matches(' ').len();
    if gap <= 1
        && after[gap..].starts_with('[')
        && let Some(close) = after[gap..].find(']')
        && let inner = &after[gap + 1..gap + close]
        && !inner.contains(['@', '[', '^'])
        && !after[gap + close + 1..].starts_with(['(', '['])
    {
        (loc, suffix) = locator(inner.trim());
        end += gap + close + 1;
    }
    Some(Found {
        range: at..end,
        items: vec![Item {
            key: key.to_string(),
            prefix: String::new(),
            locator: loc,
            suffix,
            year_only: false,
        }],
        in_text: true,
    })
}

/// `[…]` whose every `;`-separated part cites a key; `None` for any other bracket (a
/// link's text, a task box, a footnote reference).
fn bracketed(text: &str, at: usize) -> Option<Found> {
    let close = at + text[at..].find(']')?;
    let inner = &text[at + 1..close];
    if inner.contains('[') || !inner.contains('@') {
        return None;
    }
    // `[text](url)` and `[text][ref]` are links, `[^1]` a footnote.
    if text[close + 1..].starts_with(['(', '[']) || inner.starts_with('^') {
        return None;
    }
    let items = inner.split(';').map(item).collect::<Option<Vec<Item>>>()?;
    Some(Found {
        range: at..close + 1,
        items,
        in_text: false,
    })
}

/// One part of a bracketed citation: `prefix -@key, locator suffix`.
fn item(part: &str) -> Option<Item> {
    let at = part.find('@')?;
    let (mut prefix, mut year_only) = (part[..at].trim(), false);
    if let Some(p) = prefix.strip_suffix('-') {
        prefix = p.trim();
        year_only = true;
    }
    if prefix.contains('@') {
        return None;
    }
    let key = key_at(&part[at + 1..])?;
    let rest = part[at + 1 + key.len()..].trim();
    let (locator, suffix) = match rest.strip_prefix(',') {
        Some(r) => locator(r.trim()),
        None => (None, rest.to_string()),
    };
    Some(Item {
        key: key.to_string(),
        prefix: prefix.to_string(),
        locator,
        suffix,
        year_only,
    })
}

/// `p. 33 and note`, `pp. 33–35`, `ch. 2`, `33`: the locator and what follows it.
fn locator(s: &str) -> (Option<(String, String)>, String) {
    let (label, rest) = match s.find(|c: char| c.is_ascii_digit()) {
        Some(0) => ("", s),
        Some(d) => (s[..d].trim(), &s[d..]),
        None => return (None, s.to_string()),
    };
    if label.contains(' ') && !label.ends_with('.') || label.len() > 12 {
        return (None, s.to_string());
    }
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || "-–,.:".contains(c)))
        .unwrap_or(rest.len());
    let value = rest[..end].trim_end_matches([',', '.']);
    let suffix = rest[value.len()..].trim_start_matches(',').trim();
    (
        Some((label.to_string(), value.to_string())),
        suffix.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str) -> Vec<Item> {
        find(text, &|k| k == "known")
            .into_iter()
            .flat_map(|f| f.items)
            .collect()
    }

    /// An item: prefix, key, locator (kind, value), suffix, year only.
    fn it(prefix: &str, key: &str, loc: Option<(&str, &str)>, suffix: &str, year: bool) -> Item {
        Item {
            key: key.into(),
            prefix: prefix.into(),
            locator: loc.map(|(a, b)| (a.into(), b.into())),
            suffix: suffix.into(),
            year_only: year,
        }
    }

    #[test]
    fn every_pandoc_form_is_read() {
        assert_eq!(
            items("As shown [@knuth1984, p. 33]."),
            [it("", "knuth1984", Some(("p.", "33")), "", false)]
        );
        assert_eq!(
            items("[see @a, ch. 2; @b]"),
            [
                it("see", "a", Some(("ch.", "2")), "", false),
                it("", "b", None, "", false)
            ]
        );
        assert_eq!(
            items("Knuth says so [-@knuth]."),
            [it("", "knuth", None, "", true)]
        );
        assert_eq!(
            items("[@a, pp. 33-35 and passim]"),
            [it("", "a", Some(("pp.", "33-35")), "and passim", false)]
        );
        assert_eq!(
            items("[@a, 12]"),
            [it("", "a", Some(("", "12")), "", false)]
        );
        // In the sentence: only a key the bibliography has.
        let found = find("As @known shows, and @unknown too.", &|k| k == "known");
        assert_eq!(found.len(), 1);
        assert!(found[0].in_text);
        assert_eq!(found[0].range, 3..9);
        // In the sentence with a locator in brackets after it.
        let text = "As @known [p. 33] shows, @known [link](x) too.";
        let found = find(text, &|k| k == "known");
        assert_eq!(&text[found[0].range.clone()], "@known [p. 33]");
        assert_eq!(
            found[0].items,
            [it("", "known", Some(("p.", "33")), "", false)]
        );
        assert_eq!(&text[found[1].range.clone()], "@known");
    }

    #[test]
    fn links_mail_addresses_and_plain_brackets_are_not_citations() {
        for text in [
            "write to me@known.org",
            "[a link](https://x.org/@known)",
            "[@known](https://x.org)",
            "[no key here]",
            "[^1]",
            "[x] done",
            "price [5 @ 3]",
        ] {
            assert!(find(text, &|k| k == "known").is_empty(), "{text}");
        }
    }
}
