//! Addresses of links: their scheme, and whether a reader could open them at all.

/// The scheme of an address, lower case (`None` for a protocol-relative `//host/x`).
pub fn scheme(url: &str) -> Option<String> {
    let (scheme, _) = url.split_once(':')?;
    (scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
    .then(|| scheme.to_ascii_lowercase())
}

/// Whether the host and port of a `scheme://host:port/…` address can be valid: a name of
/// letters, digits, `-`, `_` and `.`, or an IPv6 address in brackets, and a port of
/// digits. `http://example.org%20x/` or `http://127.0.0.1:%s` (a template left in a note)
/// cannot be, and EPUBCheck rejects them. Addresses without `//` have no host to check.
pub fn host_is_valid(url: &str) -> bool {
    let Some(at) = url.find("://") else {
        return true;
    };
    let rest = &url[at + 3..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        match v6.split_once(']') {
            Some((addr, after))
                if addr
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || ":.".contains(c)) =>
            {
                ("v6", after.strip_prefix(':'))
            }
            _ => return false,
        }
    } else {
        match host_port.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && port.is_none_or(|p| p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn hosts() {
        for ok in [
            "https://example.org/a b",
            "http://localhost:8080/",
            "http://user:pw@host.example:1/x",
            "http://[::1]:3000/",
            "https://例え.jp/",
            "mailto:a@b.example",
            "https://e.org?q=1",
        ] {
            assert!(host_is_valid(ok), "{ok}");
        }
        for bad in [
            "http://easyb.org%20easyb/",
            "http://127.0.0.1:%s%s",
            "http://a b/",
            "https:///path",
            "http://[zz]/",
        ] {
            assert!(!host_is_valid(bad), "{bad}");
        }
    }
}
