//! Links whose host cannot be valid become their text, with a warning each.
//! Links whose scheme no e-reader opens (`obsidian:`, `zotero:`, `vscode:`, `file:` …)
//! become their text: a reader taps them and nothing happens, and EPUBCheck warns about
//! every one (HTM-025). One warning per scheme per book, with the count, not one per link.

use std::collections::BTreeMap;

use notes2book_model::url::{host_is_valid, scheme};
use notes2book_model::{Chapter, Diagnostic, Inline, LinkTarget, Span};

use crate::walk;

/// Schemes a reading system can hand to something that opens them, and that EPUBCheck
/// knows: the web, mail, telephone and messaging, and a few long-registered others.
const OPENABLE: &[&str] = &[
    "http", "https", "mailto", "tel", "sms", "ftp", "ftps", "sftp", "geo", "urn", "news", "nntp",
    "irc", "ircs", "xmpp", "sip", "sips", "callto", "magnet", "gopher", "git", "ssh", "webcal",
];

/// A web address written without the slashes after its scheme (`http:host/path`), with
/// them put back.
fn missing_slashes(url: &str) -> Option<String> {
    let (s, rest) = url.split_once(':')?;
    let web = ["http", "https", "ftp"].contains(&s.to_ascii_lowercase().as_str());
    let host = rest.trim_start_matches('/');
    let host_first = host
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    (web && !rest.starts_with("//") && host_first).then(|| format!("{s}://{host}"))
}

/// Turn the links to schemes no reader opens into their text, with a warning per scheme.
pub fn drop_unopenable(chapters: &mut [Chapter], diags: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<String, (usize, Option<Span>)> = BTreeMap::new();
    let mut bad_hosts = Vec::new();
    for ch in chapters.iter_mut() {
        let mut check = |inline: &mut Inline| {
            let Inline::Link(link) = inline else { return };
            let LinkTarget::External { url } = &mut link.target else {
                return;
            };
            // `http:golang.org/…`: a web address without its `//` (EPUBCheck's RSC-020).
            if let Some(fixed) = missing_slashes(url) {
                bad_hosts.push(
                    Diagnostic::warning(
                        "link-invalid",
                        format!("`{url}` lacks the `//` after its scheme; linked as `{fixed}`"),
                    )
                    .at_opt(link.span)
                    .hint("write web addresses as `https://host/path`"),
                );
                *url = fixed;
            }
            if !host_is_valid(url) {
                bad_hosts.push(
                    Diagnostic::warning(
                        "link-invalid",
                        format!("`{url}` is not a valid address (its host or port cannot be); its text is shown without a link"),
                    )
                    .at_opt(link.span)
                    .hint("fix the address: a space, a `%` or a placeholder such as `%s` cannot be in a host name or port"),
                );
                link.target = LinkTarget::Unresolved;
                return;
            }
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
    diags.append(&mut bad_hosts);
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
    #[test]
    fn web_addresses_without_slashes_are_repaired() {
        let fix = super::missing_slashes;
        assert_eq!(
            fix("http:golang.org/doc/effective_go.html").as_deref(),
            Some("http://golang.org/doc/effective_go.html")
        );
        assert_eq!(fix("https://example.org"), None);
        assert_eq!(fix("mailto:someone@example.org"), None);
        assert_eq!(fix("http:/"), None);
        assert_eq!(
            fix("https:/example.org/a").as_deref(),
            Some("https://example.org/a")
        );
    }
}
