//! Page URLs as Hugo computes them, so that a link written against the author's site
//! (`/posts/2024/05/my-post/`, `../other/`, `https://example.org/docs/x.html`) finds its
//! note: the front matter's `url`, `[permalinks]` patterns per section, `slug`, bundles,
//! and the site's address and language prefixes stripped from links.

use std::collections::BTreeMap;
use std::path::Path;

use notes2book_model::{Chapter, Value};

use super::stem_of;

/// What the site's configuration says about its URLs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlRules {
    /// `[permalinks]` patterns for regular pages, by top-level section (`posts`).
    pub permalinks: BTreeMap<String, String>,
    /// `disablePathToLower`: URLs keep the letter case of file names and slugs.
    pub keep_case: bool,
    /// The site's own address (`baseURL`): links to it are links inside the book.
    pub base_url: Option<String>,
    /// Language codes a link may start with (`/en/docs/`): the prefix is dropped.
    pub languages: Vec<String>,
}

/// A path made the way Hugo makes page paths: spaces become `-`, characters other than
/// letters, digits and `. _ - ~ + # @ /` are dropped, and letters are lower case unless the
/// site keeps their case.
pub fn sanitize(path: &str, keep_case: bool) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c.is_whitespace() {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else if c.is_alphanumeric() || "._-~+#@/".contains(c) {
            if keep_case {
                out.push(c);
            } else {
                out.extend(c.to_lowercase());
            }
        }
    }
    out
}

/// `/a/b/` from any of the forms a page's address takes: with or without the slashes,
/// `index.html` or `.html` at the end (`uglyURLs`), percent-encoded, with the site's
/// address or a language code in front.
pub fn key(path: &str, rules: &UrlRules) -> String {
    let mut p = crate::link::percent_decode(path.trim());
    if let Some(base) = &rules.base_url
        && let Some(rest) = strip_base(&p, base)
    {
        p = rest;
    }
    let mut p = p.trim_matches('/').to_owned();
    for lang in &rules.languages {
        if let Some(rest) = p.strip_prefix(lang.as_str())
            && (rest.is_empty() || rest.starts_with('/'))
        {
            p = rest.trim_start_matches('/').to_owned();
            break;
        }
    }
    for suffix in ["/index.html", "index.html", "/index.htm"] {
        if let Some(rest) = p.strip_suffix(suffix) {
            p = rest.to_owned();
        }
    }
    if let Some(rest) = p.strip_suffix(".html") {
        p = rest.to_owned();
    }
    let p = sanitize(p.trim_matches('/'), rules.keep_case);
    if p.is_empty() {
        "/".to_owned()
    } else {
        format!("/{p}/")
    }
}

/// The path after the site's address (`https://example.org/docs/x/` → `docs/x/`), for a
/// link that starts with it (either scheme, with or without `www.`).
fn strip_base(link: &str, base: &str) -> Option<String> {
    let bare = |s: &str| {
        let s = s.trim();
        let s = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .or_else(|| s.strip_prefix("//"))
            .unwrap_or(s);
        s.strip_prefix("www.").unwrap_or(s).to_ascii_lowercase()
    };
    let (l, b) = (bare(link), bare(base));
    let b = b.trim_end_matches('/');
    if b.is_empty() || !(link.contains("//")) {
        return None;
    }
    let rest = l.strip_prefix(b)?;
    (rest.is_empty() || rest.starts_with('/')).then(|| {
        // Keep the link's own letter case for the rest.
        let from = link.len() - rest.len();
        link.get(from..).unwrap_or(rest).to_owned()
    })
}

/// Whether `link` is an address on the site at `base` (`baseURL`).
pub fn is_on_site(link: &str, base: &str) -> bool {
    strip_base(link, base).is_some()
}

/// The page's address on the author's site.
pub fn page_url(ch: &Chapter, rules: &UrlRules) -> Option<String> {
    let rel = ch.path.as_ref()?;
    if let Some(url) = ch.front.params.get("url").and_then(Value::display) {
        return Some(key(&url, rules));
    }
    let dir = rel.parent().unwrap_or(Path::new(""));
    let name = rel.file_name()?.to_str()?;
    if name == "_index.md" {
        return Some(key(&dir.to_string_lossy(), rules));
    }
    // A leaf bundle's page is its folder.
    let (dir, file) = if name == "index.md" {
        (dir.parent().unwrap_or(Path::new("")), stem_of(rel))
    } else {
        (dir, stem_of(rel))
    };
    let sections: Vec<String> = dir
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let section = sections.first().cloned().unwrap_or_default();
    let slug = ch.front.slug.clone().filter(|s| !s.trim().is_empty());
    if let Some(pattern) = rules.permalinks.get(&section) {
        let date = ch
            .front
            .date
            .as_deref()
            .or(ch.front.publish_date.as_deref());
        let title = sanitize(&ch.title, rules.keep_case);
        let parts = Parts {
            date: date.and_then(ymd),
            section: &section,
            sections: &sections,
            title: &title,
            slug: slug.as_deref(),
            file: &file,
        };
        return Some(key(&parts.expand(pattern), rules));
    }
    let last = slug.unwrap_or(file);
    Some(key(&dir.join(last).to_string_lossy(), rules))
}

/// Year, month and day of a front-matter date (`2024-05-03`, RFC 3339, TOML dates).
fn ymd(date: &str) -> Option<(u32, u32, u32)> {
    let d = date.trim().get(..10)?;
    let mut it = d.split('-').map(|p| p.parse::<u32>().ok());
    Some((it.next()??, it.next()??, it.next()??))
}

/// What a permalink pattern's tokens are made of, for one page.
struct Parts<'a> {
    date: Option<(u32, u32, u32)>,
    section: &'a str,
    sections: &'a [String],
    title: &'a str,
    slug: Option<&'a str>,
    file: &'a str,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

impl Parts<'_> {
    /// The value of one `:token`, or `None` when the token is not one Hugo knows.
    fn token(&self, t: &str) -> Option<String> {
        let (y, m, d) = self.date.unwrap_or((1, 1, 1));
        Some(match t {
            "year" => format!("{y:04}"),
            "month" => format!("{m:02}"),
            "monthname" => MONTHS.get(m as usize - 1).copied().unwrap_or("").to_owned(),
            "day" => format!("{d:02}"),
            "section" => self.section.to_owned(),
            "sections" => self.sections.join("/"),
            "title" => self.title.to_owned(),
            "slug" => self
                .slug
                .map_or_else(|| self.title.to_owned(), str::to_owned),
            "filename" | "contentbasename" => self.file.to_owned(),
            "slugorfilename" | "slugorcontentbasename" => self.slug.unwrap_or(self.file).to_owned(),
            _ => return None,
        })
    }

    /// A pattern with its tokens replaced (`/:year/:month/:slug/`); unknown tokens stay.
    fn expand(&self, pattern: &str) -> String {
        let mut out = String::with_capacity(pattern.len() + 32);
        let mut rest = pattern;
        while let Some(at) = rest.find(':') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let len = after
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(after.len());
            match self.token(&after[..len]) {
                Some(v) => out.push_str(&v),
                None => out.push_str(&rest[at..at + 1 + len]),
            }
            rest = &after[len..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notes2book_model::{ChapterId, ChapterKind, FrontMatter};

    fn chapter(path: &str, title: &str, front: FrontMatter) -> Chapter {
        Chapter {
            id: ChapterId(0),
            kind: ChapterKind::Note,
            depth: 0,
            path: Some(path.into()),
            anchor: String::new(),
            title: title.into(),
            toc_title: None,
            front,
            blocks: Vec::new(),
            footnotes: Vec::new(),
            span: None,
        }
    }

    #[test]
    fn keys_are_one_form_of_many() {
        let rules = UrlRules {
            base_url: Some("https://gohugo.io/".into()),
            languages: vec!["en".into()],
            ..UrlRules::default()
        };
        for link in [
            "/functions/strings/Split/",
            "/functions/strings/split",
            "functions/strings/split/index.html",
            "/en/functions/strings/split/",
            "https://gohugo.io/functions/strings/split/",
            "http://www.gohugo.io/functions/strings/split.html",
        ] {
            assert_eq!(key(link, &rules), "/functions/strings/split/", "{link}");
        }
        assert_eq!(key("/", &rules), "/");
        assert_eq!(key("/My Notes/Über%20uns/", &rules), "/my-notes/über-uns/");
    }

    #[test]
    fn permalinks_slugs_bundles_and_url() {
        let mut rules = UrlRules::default();
        rules
            .permalinks
            .insert("posts".into(), "/:year/:month/:slug/".into());
        rules
            .permalinks
            .insert("notes".into(), "/:section/:filename.html".into());
        let dated = FrontMatter {
            date: Some("2024-05-03T10:00:00Z".into()),
            ..FrontMatter::default()
        };
        let p = chapter("posts/my-first.md", "My First Post!", dated.clone());
        assert_eq!(
            page_url(&p, &rules).as_deref(),
            Some("/2024/05/my-first-post/")
        );
        let slugged = FrontMatter {
            slug: Some("hello".into()),
            ..dated
        };
        let p = chapter("posts/bundle/index.md", "B", slugged);
        assert_eq!(page_url(&p, &rules).as_deref(), Some("/2024/05/hello/"));
        let n = chapter("notes/Deep Dive.md", "D", FrontMatter::default());
        assert_eq!(page_url(&n, &rules).as_deref(), Some("/notes/deep-dive/"));
        let s = chapter("docs/_index.md", "Docs", FrontMatter::default());
        assert_eq!(page_url(&s, &rules).as_deref(), Some("/docs/"));
        let b = chapter("docs/setup/index.md", "Setup", FrontMatter::default());
        assert_eq!(page_url(&b, &rules).as_deref(), Some("/docs/setup/"));
        let mut front = FrontMatter::default();
        front
            .params
            .insert("url".into(), Value::String("/custom/place/".into()));
        let u = chapter("posts/x.md", "X", front);
        assert_eq!(page_url(&u, &rules).as_deref(), Some("/custom/place/"));
    }
}
