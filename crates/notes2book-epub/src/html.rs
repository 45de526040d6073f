//! Raw HTML from notes, parsed with a real HTML parser (html5ever through scraper) and
//! written back as well-formed XHTML that EPUBCheck accepts.
//!
//! - `script`, `style`, `iframe`, `object`, `embed` and the like are removed with a warning,
//!   as are event-handler attributes and `javascript:` links.
//! - Elements EPUB does not allow are mapped (`center` → `div`, `font` → `span`, `tt` →
//!   `code`, `strike` → `s`) or unwrapped (their content is kept).
//! - Only known attributes are kept (presentational ones such as `align` or `style` go, so
//!   the reader's settings win). Links that leave the book keep their address; links into
//!   the notes folder are not followed from raw HTML and become plain text.
//! - `<img>` takes the prepared image in order (or a placeholder if it is missing).

use scraper::{Html, Node};

use crate::xhtml::{escape, escape_attr};

/// Deepest HTML nesting written as structure; deeper content is kept as text.
const MAX_DEPTH: usize = 64;

/// Deepest tag nesting handed to the HTML parser. Its tree builder looks through every open
/// element at each start tag, so 20,000 nested `<div>`s cost 20,000² steps; tags deeper
/// than this (counted plainly: opening tags minus closing tags) are dropped before parsing,
/// and their text is kept.
pub const MAX_PARSE_DEPTH: usize = 512;

/// Where `<img>` number `i` of this fragment goes: its EPUB path and size, or `None`.
pub trait ImageSource {
    fn image(&mut self, index: usize) -> ImgOut;
}

pub enum ImgOut {
    Found {
        src: String,
        width: u32,
        height: u32,
    },
    /// Missing or refused: a placeholder with the alt text.
    Missing,
    /// On the web: a link with the alt text.
    Remote(String),
}

/// The sanitised XHTML and what was removed (for warnings).
pub struct Clean {
    pub xhtml: String,
    pub removed: Vec<String>,
    /// Tags nested deeper than [`MAX_PARSE_DEPTH`] were dropped (their text kept).
    pub too_deep: bool,
}

/// Elements that do not deepen the count: void ones, and ones whose end tag is optional
/// (a `<p>` or `<li>` closes the one before, so a thousand unclosed `<p>`s are not nested).
fn flat_html(name: &str) -> bool {
    [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody",
        "tfoot", "colgroup", "caption", "option", "optgroup", "rb", "rt", "rtc", "rp", "html",
        "head", "body",
    ]
    .iter()
    .any(|v| v.eq_ignore_ascii_case(name))
}

/// The fragment without the tags that sit deeper than [`MAX_PARSE_DEPTH`], or `None` when
/// none do. One pass; each byte is looked at a bounded number of times.
fn drop_deep_tags(fragment: &str) -> Option<String> {
    let b = fragment.as_bytes();
    let mut depth = 0usize;
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        let start = i;
        let closing = b.get(i + 1) == Some(&b'/');
        let name_start = start + 1 + usize::from(closing);
        let mut j = name_start;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-') {
            j += 1;
        }
        if j == name_start || !b[name_start].is_ascii_alphabetic() {
            i = start + 1;
            continue;
        }
        let name = &fragment[name_start..j];
        // The tag ends at the next `>`, unless another `<` comes first (then it was text).
        while j < b.len() && b[j] != b'>' && b[j] != b'<' {
            j += 1;
        }
        if j == b.len() || b[j] == b'<' {
            i = j;
            continue;
        }
        let end = j + 1;
        let deep = if flat_html(name) || (!closing && b[j - 1] == b'/') {
            depth >= MAX_PARSE_DEPTH
        } else if closing {
            let deep = depth > MAX_PARSE_DEPTH;
            depth = depth.saturating_sub(1);
            deep
        } else {
            depth += 1;
            depth > MAX_PARSE_DEPTH
        };
        if deep {
            let o = out.get_or_insert_with(|| String::with_capacity(fragment.len()));
            o.push_str(&fragment[copied..start]);
            copied = end;
        }
        i = end;
    }
    out.map(|mut o| {
        o.push_str(&fragment[copied..]);
        o
    })
}

const DANGEROUS: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "link", "meta",
    "base", "noscript", "template", "svg", "math", "audio", "video", "canvas",
];
const DROPPED_QUIETLY: &[&str] = &[
    "form", "input", "button", "select", "textarea", "option", "head", "title",
];

fn map_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "a" => "a",
        "abbr" | "acronym" => "abbr",
        "b" => "b",
        "big" | "font" | "span" | "label" => "span",
        "blockquote" => "blockquote",
        "br" => "br",
        "caption" => "caption",
        "center" | "div" => "div",
        "cite" => "cite",
        "code" | "tt" => "code",
        "col" => "col",
        "colgroup" => "colgroup",
        "dd" => "dd",
        "del" => "del",
        "dfn" => "dfn",
        "dl" => "dl",
        "dt" => "dt",
        "em" => "em",
        "figcaption" => "figcaption",
        "figure" => "figure",
        "h1" => "h2",
        "h2" => "h2",
        "h3" => "h3",
        "h4" => "h4",
        "h5" => "h5",
        "h6" => "h6",
        "hr" => "hr",
        "i" => "i",
        "img" => "img",
        "ins" => "ins",
        "kbd" => "kbd",
        "li" => "li",
        "mark" => "mark",
        "ol" => "ol",
        "p" => "p",
        "pre" => "pre",
        "q" => "q",
        "rp" => "rp",
        "rt" => "rt",
        "ruby" => "ruby",
        "s" | "strike" => "s",
        "samp" => "samp",
        "section" | "article" | "header" | "footer" | "main" | "aside" | "nav" => "div",
        "small" => "small",
        "strong" => "strong",
        "sub" => "sub",
        "sup" => "sup",
        "table" => "table",
        "tbody" => "tbody",
        "td" => "td",
        "tfoot" => "tfoot",
        "th" => "th",
        "thead" => "thead",
        "time" => "time",
        "tr" => "tr",
        "u" => "u",
        "ul" => "ul",
        "var" => "var",
        "wbr" => "wbr",
        "details" => "div",
        "summary" => "p",
        _ => return None,
    })
}

fn is_one_of(node: ego_tree::NodeRef<'_, Node>, names: &[&str]) -> bool {
    node.value()
        .as_element()
        .is_some_and(|e| names.iter().any(|n| e.name().eq_ignore_ascii_case(n)))
}

fn parent_is(node: ego_tree::NodeRef<'_, Node>, names: &[&str]) -> bool {
    node.parent().is_some_and(|p| is_one_of(p, names))
}

fn has_ancestor(node: ego_tree::NodeRef<'_, Node>, names: &[&str]) -> bool {
    node.ancestors().any(|a| is_one_of(a, names))
}

fn is_void(name: &str) -> bool {
    matches!(name, "br" | "hr" | "img" | "wbr" | "col")
}

fn attr_allowed(el: &str, attr: &str) -> bool {
    matches!(attr, "title" | "lang" | "dir")
        || match el {
            "a" => attr == "href",
            "img" => matches!(attr, "alt" | "width" | "height"),
            "td" | "th" => matches!(attr, "colspan" | "rowspan"),
            "ol" => matches!(attr, "start" | "reversed"),
            "li" => attr == "value",
            "time" => attr == "datetime",
            "col" | "colgroup" => attr == "span",
            _ => false,
        }
}

fn is_external(href: &str) -> bool {
    let l = href.trim().to_ascii_lowercase();
    ["http://", "https://", "mailto:", "ftp://", "tel:"]
        .iter()
        .any(|p| l.starts_with(p))
        && notes2book_model::url::host_is_valid(href.trim())
}

fn numeric(v: &str) -> bool {
    !v.is_empty() && v.len() < 7 && v.chars().all(|c| c.is_ascii_digit())
}

/// Block elements: inside a paragraph (`inline`) they are unwrapped, keeping their content.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "ul"
            | "ol"
            | "li"
            | "dl"
            | "dt"
            | "dd"
            | "table"
            | "thead"
            | "tbody"
            | "tfoot"
            | "tr"
            | "td"
            | "th"
            | "caption"
            | "col"
            | "colgroup"
            | "blockquote"
            | "pre"
            | "figure"
            | "figcaption"
            | "hr"
    )
}

/// Sanitise an HTML fragment into XHTML. `inline`: the fragment stands inside a paragraph,
/// so block elements are unwrapped.
/// Where a fragment of raw HTML goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Between blocks.
    Block,
    /// Inside a paragraph or another block's text: block elements are unwrapped.
    Inline,
    /// Inside a link as well: links are unwrapped too (a link in a link is invalid).
    InLink,
}

pub fn sanitize(fragment: &str, images: &mut dyn ImageSource, place: Place) -> Clean {
    let shallow = drop_deep_tags(fragment);
    let doc = Html::parse_fragment(shallow.as_deref().unwrap_or(fragment));
    let mut out = Clean {
        xhtml: String::with_capacity(fragment.len()),
        removed: Vec::new(),
        too_deep: shallow.is_some(),
    };
    let mut img_index = 0;
    let root = doc.root_element();
    let mut ctx = Ctx {
        images,
        img_index: &mut img_index,
        inline: place != Place::Block,
        in_link: place == Place::InLink,
    };
    // An explicit stack rather than recursion: 20,000 nested `<span>`s must not overflow
    // the thread's stack (past MAX_DEPTH they are unwrapped, but still visited).
    let mut stack: Vec<Step<'_>> = root.children().rev().map(|c| Step::Enter(c, 0)).collect();
    while let Some(step) = stack.pop() {
        match step {
            Step::Close(tag) => {
                out.xhtml.push_str("</");
                out.xhtml.push_str(tag);
                out.xhtml.push('>');
            }
            Step::Enter(node, depth) => {
                if let Then::Descend(close) = write_node(node, depth, &mut out, &mut ctx) {
                    if let Some(tag) = close {
                        stack.push(Step::Close(tag));
                    }
                    stack.extend(node.children().rev().map(|c| Step::Enter(c, depth + 1)));
                }
            }
        }
    }
    out
}

enum Step<'a> {
    Enter(ego_tree::NodeRef<'a, Node>, usize),
    Close(&'static str),
}

/// What comes after a node's opening: nothing, or its children (then its closing tag).
enum Then {
    Done,
    Descend(Option<&'static str>),
}

struct Ctx<'a> {
    images: &'a mut dyn ImageSource,
    img_index: &'a mut usize,
    inline: bool,
    in_link: bool,
}

/// Writes a node's opening (or all of a text or void node) and says whether its children
/// follow.
fn write_node(
    node: ego_tree::NodeRef<'_, Node>,
    depth: usize,
    out: &mut Clean,
    ctx: &mut Ctx<'_>,
) -> Then {
    match node.value() {
        Node::Text(t) => {
            out.xhtml.push_str(&escape(t));
            Then::Done
        }
        Node::Element(el) => {
            let name = el.name().to_ascii_lowercase();
            if DANGEROUS.contains(&name.as_str()) {
                out.removed.push(format!("<{name}>"));
                return Then::Done;
            }
            if DROPPED_QUIETLY.contains(&name.as_str()) {
                return Then::Done;
            }
            for (a, v) in el.attrs() {
                let a = a.to_ascii_lowercase();
                if a.starts_with("on") {
                    out.removed.push(format!("the `{a}` attribute of <{name}>"));
                } else if (a == "href" || a == "src")
                    && v.trim().to_ascii_lowercase().starts_with("javascript:")
                {
                    out.removed
                        .push(format!("a `javascript:` link in <{name}>"));
                }
            }
            let mapped = if depth >= MAX_DEPTH {
                None
            } else {
                map_name(&name)
            };
            // Inside `<pre>` only phrasing content is allowed (`<pre><div>` from pasted
            // editor markup): block elements are unwrapped there too.
            let mapped =
                mapped.filter(|t| !((ctx.inline || has_ancestor(node, &["pre"])) && is_block(t)));
            // A link inside a link is invalid: the inner one keeps only its content.
            let in_link = ctx.in_link || has_ancestor(node, &["a"]);
            if name == "img" {
                // A remote image becomes a link: not inside another link.
                write_img(el, out, ctx.images, ctx.img_index, in_link);
                return Then::Done;
            }
            if ctx.inline && name == "hr" {
                return Then::Done;
            }
            let Some(tag) = mapped else {
                // Unknown element: keep its content.
                return Then::Descend(None);
            };
            // An `<a>` that stays inside the notes folder cannot be followed from raw HTML.
            let href = el.attr("href").map(str::trim);
            let tag = if tag == "a" && (in_link || !href.is_some_and(is_external)) {
                "span"
            } else if tag == "figcaption" && !parent_is(node, &["figure"])
                || tag == "li" && !parent_is(node, &["ul", "ol", "menu"])
                || matches!(tag, "dt" | "dd") && !parent_is(node, &["dl"])
            {
                // A caption, list item or definition whose figure or list was split off by
                // Markdown (a blank line, then an indented line, ends an HTML block).
                if ctx.inline { "span" } else { "div" }
            } else {
                tag
            };
            out.xhtml.push('<');
            out.xhtml.push_str(tag);
            let mut attrs: Vec<(String, String)> = el
                .attrs()
                .map(|(a, v)| (a.to_ascii_lowercase(), v.to_owned()))
                .filter(|(a, v)| {
                    attr_allowed(tag, a)
                        && (a != "href" || is_external(v))
                        && (!matches!(
                            a.as_str(),
                            "width" | "height" | "colspan" | "rowspan" | "start" | "value" | "span"
                        ) || numeric(v.trim()))
                })
                .collect();
            attrs.sort();
            attrs.dedup_by(|a, b| a.0 == b.0);
            for (a, v) in attrs {
                if a == "reversed" {
                    out.xhtml.push_str(" reversed=\"reversed\"");
                } else {
                    let v = if a == "href" {
                        crate::xhtml::encode_url(&v)
                    } else {
                        v
                    };
                    out.xhtml.push_str(&format!(" {a}=\"{}\"", escape_attr(&v)));
                }
            }
            if is_void(tag) {
                out.xhtml.push_str("/>");
                return Then::Done;
            }
            out.xhtml.push('>');
            Then::Descend(Some(tag))
        }
        // Comments, doctypes and processing instructions are dropped.
        _ => Then::Done,
    }
}

fn write_img(
    el: &scraper::node::Element,
    out: &mut Clean,
    images: &mut dyn ImageSource,
    img_index: &mut usize,
    in_link: bool,
) {
    let has_src = el.attr("src").is_some_and(|s| !s.trim().is_empty());
    if !has_src {
        return;
    }
    let i = *img_index;
    *img_index += 1;
    let alt = el.attr("alt").unwrap_or("").to_owned();
    match images.image(i) {
        ImgOut::Found { src, width, height } => {
            out.xhtml.push_str(&format!(
                "<img src=\"{}\" alt=\"{}\" width=\"{width}\" height=\"{height}\"/>",
                escape_attr(&src),
                escape_attr(&alt)
            ));
        }
        ImgOut::Missing => {
            let label = if alt.is_empty() {
                "image"
            } else {
                alt.as_str()
            };
            out.xhtml.push_str(&format!(
                "<span class=\"missing-image\">[{}]</span>",
                escape(label)
            ));
        }
        ImgOut::Remote(url) => {
            let label = if alt.is_empty() {
                url.as_str()
            } else {
                alt.as_str()
            };
            if in_link {
                out.xhtml.push_str(&escape(label));
            } else {
                out.xhtml.push_str(&format!(
                    "<a href=\"{}\">{}</a>",
                    escape_attr(&crate::xhtml::encode_url(&url)),
                    escape(label)
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoImages;
    impl ImageSource for NoImages {
        fn image(&mut self, _: usize) -> ImgOut {
            ImgOut::Found {
                src: "images/x.png".into(),
                width: 10,
                height: 5,
            }
        }
    }

    fn clean(s: &str) -> Clean {
        sanitize(s, &mut NoImages, Place::Block)
    }

    #[test]
    fn inside_a_paragraph_blocks_are_unwrapped() {
        let c = sanitize(
            "Text and a stray </p> closer <div>in div</div>",
            &mut NoImages,
            Place::Inline,
        );
        assert_eq!(c.xhtml, "Text and a stray  closer in div");
    }

    #[test]
    fn unclosed_tags_become_well_formed() {
        let c = clean("<p>one<br>two<img src=\"a.png\" alt=\"A\"><b>bold");
        assert_eq!(
            c.xhtml,
            "<p>one<br/>two<img src=\"images/x.png\" alt=\"A\" width=\"10\" height=\"5\"/><b>bold</b></p>"
        );
        assert!(c.removed.is_empty());
    }

    #[test]
    fn dangerous_content_is_removed_and_reported() {
        let c = clean(
            "<div onclick=\"x()\">hi<script>alert(1)</script><iframe src=\"https://e.x\"></iframe><a href=\"javascript:evil()\">j</a><style>p{}</style></div>",
        );
        assert_eq!(c.xhtml, "<div>hi<span>j</span></div>");
        assert_eq!(c.removed.len(), 5, "{:?}", c.removed);
    }

    #[test]
    fn presentational_markup_is_mapped() {
        let c = clean(
            "<center><font color=red>Big</font></center><table align=center><tr><td colspan=2 width=50%>x</td></tr></table><a href=\"other.md\">local</a> <a href=\"https://e.org/?a=1&b=2\">web</a>",
        );
        assert_eq!(
            c.xhtml,
            "<div><span>Big</span></div><table><tbody><tr><td colspan=\"2\">x</td></tr></tbody></table><span>local</span> <a href=\"https://e.org/?a=1&amp;b=2\">web</a>"
        );
    }

    #[test]
    fn comments_never_leak() {
        assert_eq!(clean("a<!-- x -- y -->b").xhtml, "ab");
    }

    #[test]
    fn deep_nesting_neither_overflows_the_stack_nor_loses_text() {
        // Recursing once per level overflowed a 2 MB test thread long before this depth.
        let n = 100_000;
        let html = format!("{}deep text{}", "<span>".repeat(n), "</span>".repeat(n));
        let c = clean(&html);
        assert!(c.too_deep);
        assert!(c.xhtml.contains("deep text"));
        assert_eq!(c.xhtml.matches("<span>").count(), MAX_DEPTH);
        assert_eq!(c.xhtml.matches("</span>").count(), MAX_DEPTH);
        // Inside a paragraph too.
        let c = sanitize(&html, &mut NoImages, Place::Inline);
        assert!(c.too_deep && c.xhtml.contains("deep text"));
    }

    #[test]
    fn tags_with_optional_ends_do_not_count_as_nesting() {
        let html = "<p>para".repeat(2 * MAX_PARSE_DEPTH);
        let c = clean(&html);
        assert!(!c.too_deep);
        assert_eq!(c.xhtml.matches("<p>").count(), 2 * MAX_PARSE_DEPTH);
        let html = format!("<ul>{}</ul>", "<li>item".repeat(2 * MAX_PARSE_DEPTH));
        assert!(!clean(&html).too_deep);
        // Text with `<` in it is not a tag.
        assert!(drop_deep_tags(&"a < b <3 <<".repeat(1000)).is_none());
    }

    #[test]
    fn orphans_of_split_html_blocks_stay_valid() {
        // A list item or caption whose list or figure ended in an earlier HTML block.
        assert_eq!(
            clean("<li><div>item</div></li><figcaption>cap</figcaption>").xhtml,
            "<div><div>item</div></div><div>cap</div>"
        );
        assert_eq!(clean("<ul><li>in</li></ul>").xhtml, "<ul><li>in</li></ul>");
    }

    #[test]
    fn a_remote_image_inside_a_link_is_its_label() {
        struct Remote;
        impl ImageSource for Remote {
            fn image(&mut self, _: usize) -> ImgOut {
                ImgOut::Remote("https://e.org/a[1].png".into())
            }
        }
        let c = sanitize(
            "<a href=\"https://e.org\"><img src=\"https://e.org/a[1].png\"></a> <img src=\"x\" alt=\"X\">",
            &mut Remote,
            Place::Inline,
        );
        assert_eq!(
            c.xhtml,
            "<a href=\"https://e.org\">https://e.org/a[1].png</a> <a href=\"https://e.org/a%5B1%5D.png\">X</a>"
        );
    }

    #[test]
    fn invalid_nesting_from_pasted_markup_is_repaired() {
        assert_eq!(
            clean("<dt>Platforms</dt><dd>Windows</dd><pre><div><span>code</span></div></pre>")
                .xhtml,
            "<div>Platforms</div><div>Windows</div><pre><span>code</span></pre>"
        );
        assert_eq!(
            clean("<p><a href=\"https://a.example/\">out <a href=\"https://b.example/\">in</a></a></p>").xhtml,
            "<p><a href=\"https://a.example/\">out </a><a href=\"https://b.example/\">in</a></p>"
        );
        // Inside a link of the Markdown around it, a raw link is only its text.
        let c = sanitize(
            "<a href=\"https://b.example/\">in</a>",
            &mut NoImages,
            Place::InLink,
        );
        assert_eq!(c.xhtml, "<span>in</span>");
        // An address whose host cannot be valid is not a link.
        assert_eq!(
            clean("<a href=\"http://127.0.0.1:%s/\">x</a>").xhtml,
            "<span>x</span>"
        );
    }
}
