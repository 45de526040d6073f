//! Links whose scheme no e-reader opens (`obsidian:`, `zotero:`, `vscode:`, `file:` …)
//! become their text: a reader taps them and nothing happens, and EPUBCheck warns about
//! every one (HTM-025). One warning per scheme per book, with the count, not one per link.

use std::collections::BTreeMap;

use notes2book_model::{Chapter, Diagnostic, Inline, LinkTarget, Span};

use crate::walk;

/// Schemes a reading system can hand to something that opens them, and that EPUBCheck
/// knows: the web, mail, telephone and messaging, and a few long-registered others.
const OPENABLE: &[&str] = &[
    "http", "https", "mailto", "tel", "sms", "ftp", "ftps", "sftp", "geo", "urn", "news", "nntp",
    "irc", "ircs", "xmpp", "sip", "sips", "callto", "magnet", "gopher", "git", "ssh", "webcal",
];

/// The scheme of an address, lower case (`None` for a protocol-relative `//host/x`).
fn scheme(url: &str) -> Option<String> {
    let (scheme, _) = url.split_once(':')?;
    (!scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
    .then(|| scheme.to_ascii_lowercase())
}

/// Turn the links to schemes no reader opens into their text, with a warning per scheme.
pub fn drop_unopenable(chapters: &mut [Chapter], diags: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<String, (usize, Option<Span>)> = BTreeMap::new();
    for ch in chapters.iter_mut() {
        let mut check = |inline: &mut Inline| {
            let Inline::Link(link) = inline else { return };
            let LinkTarget::External { url } = &link.target else {
                return;
            };
            let Some(s) = scheme(url).filter(|s| !OPENABLE.contains(&s.as_str())) else {
                return;
            };
            let entry = seen.entry(s).or_insert((0, link.span));
            entry.0 += 1;
            if link.content.is_empty() {
                link.content = vec![Inline::Text(link.dest.clone())];
            }
            link.target = LinkTarget::Unresolved;
        };
        walk::inlines_mut(&mut ch.blocks, &mut check);
        for f in &mut ch.footnotes {
            walk::inlines_mut(&mut f.blocks, &mut check);
        }
    }
    for (s, (count, span)) in seen {
        let what = if count == 1 {
            "1 link shows".to_owned()
        } else {
            format!("{count} links show")
        };
        diags.push(
            Diagnostic::warning(
                "link-scheme",
                format!(
                    "`{s}:` links open nothing in an e-reader; {what} as text (the first is here)"
                ),
            )
            .at_opt(span)
            .hint("link to a web address instead, or leave the text unlinked"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::scheme;

    #[test]
    fn schemes() {
        assert_eq!(
            scheme("obsidian://show-plugin?id=x").as_deref(),
            Some("obsidian")
        );
        assert_eq!(scheme("HTTPS://a").as_deref(), Some("https"));
        assert_eq!(scheme("//host/x"), None);
        assert_eq!(scheme("no scheme: here"), None);
    }
}
