//! A compact, line-based text form of a [`Book`], for spec tests and for reading by eye.
//!
//! ```text
//! chapter 0 note depth=0 "Title" a.md #ch-a
//!   heading 2 #setup: "Setup"
//!   para: "Read " *this* [the other note](->1#id) `code` [^1]
//! ```

use std::fmt::Write;

use crate::{Block, Book, Chapter, Inline, Length, LinkTarget};

pub fn outline(book: &Book) -> String {
    let mut out = String::new();
    for ch in &book.chapters {
        chapter(&mut out, ch);
    }
    for (i, img) in book.images.iter().enumerate() {
        let asset = match img.asset {
            Some(a) => book
                .assets
                .get(a.0 as usize)
                .map_or(String::new(), |f| format!(" -> {}", f.path.display())),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "image {i} {:?} {:?} {:?}{asset}",
            img.src, img.syntax, img.status
        );
    }
    for l in &book.left_out {
        let _ = writeln!(out, "left out {} ({})", l.path.display(), l.reason);
    }
    out
}

fn chapter(out: &mut String, ch: &Chapter) {
    let path = ch
        .path
        .as_ref()
        .map_or(String::new(), |p| format!(" {}", p.display()));
    let toc = ch
        .toc_title
        .as_ref()
        .map_or(String::new(), |t| format!(" toc={t:?}"));
    let _ = writeln!(
        out,
        "chapter {} {:?} depth={} {:?}{path} #{}{toc}",
        ch.id.0, ch.kind, ch.depth, ch.title, ch.anchor
    );
    blocks(out, &ch.blocks, 1);
    for (i, f) in ch.footnotes.iter().enumerate() {
        let _ = writeln!(out, "  footnote {} [^{}]", i + 1, f.label);
        blocks(out, &f.blocks, 2);
    }
}

fn pad(depth: usize) -> String {
    "  ".repeat(depth)
}

fn blocks(out: &mut String, blocks_: &[Block], depth: usize) {
    let p = pad(depth);
    for b in blocks_ {
        match b {
            Block::Paragraph { content, .. } => {
                let _ = writeln!(out, "{p}para: {}", inlines(content));
            }
            Block::Heading {
                level,
                id,
                content,
                in_toc,
                classes,
                ..
            } => {
                let toc = if *in_toc { "" } else { " (not in toc)" };
                let cls = if classes.is_empty() {
                    String::new()
                } else {
                    format!(" .{}", classes.join(" ."))
                };
                let _ = writeln!(
                    out,
                    "{p}heading {level} #{id}{cls}{toc}: {}",
                    inlines(content)
                );
            }
            Block::Bibliography { entries } => {
                let _ = writeln!(out, "{p}bibliography");
                for e in entries {
                    let _ = writeln!(out, "{p}  entry: {}", inlines(&e.content));
                }
            }
            Block::BlockQuote { blocks: b, .. } => {
                let _ = writeln!(out, "{p}quote");
                blocks(out, b, depth + 1);
            }
            Block::Callout {
                kind,
                title,
                folded,
                blocks: b,
                ..
            } => {
                let title = inlines(title);
                let fold = match folded {
                    Some(true) => " folded",
                    Some(false) => " foldable",
                    None => "",
                };
                let _ = writeln!(out, "{p}callout {kind}{fold}: {title}");
                blocks(out, b, depth + 1);
            }
            Block::List {
                start,
                tight,
                items,
                ..
            } => {
                let kind = match start {
                    Some(n) => format!("ordered start={n}"),
                    None => "bullet".into(),
                };
                let _ = writeln!(
                    out,
                    "{p}list {kind}{}",
                    if *tight { " tight" } else { " loose" }
                );
                for item in items {
                    let task = match item.task {
                        Some(true) => " [x]",
                        Some(false) => " [ ]",
                        None => "",
                    };
                    let _ = writeln!(out, "{p}  item{task}");
                    blocks(out, &item.blocks, depth + 2);
                }
            }
            Block::DefinitionList { items, .. } => {
                let _ = writeln!(out, "{p}deflist");
                for item in items {
                    let _ = writeln!(out, "{p}  term: {}", inlines(&item.term));
                    for d in &item.definitions {
                        let _ = writeln!(out, "{p}  definition");
                        blocks(out, d, depth + 2);
                    }
                }
            }
            Block::CodeBlock {
                lang,
                code,
                options,
                ..
            } => {
                let lang = lang.as_deref().unwrap_or("-");
                let mut opts = String::new();
                if options.line_numbers {
                    let _ = write!(opts, " linenos from {}", options.line_number_start);
                }
                for (a, b) in &options.highlight_lines {
                    let _ = write!(opts, " hl={a}-{b}");
                }
                let _ = writeln!(out, "{p}code {lang}{opts}: {code:?}");
            }
            Block::Table {
                align,
                head,
                rows,
                caption,
                ..
            } => {
                let _ = writeln!(out, "{p}table {align:?}");
                if !caption.is_empty() {
                    let _ = writeln!(out, "{p}  caption: {}", inlines(caption));
                }
                let row = |cells: &Vec<Vec<Inline>>| {
                    cells
                        .iter()
                        .map(|c| inlines(c))
                        .collect::<Vec<_>>()
                        .join(" | ")
                };
                let _ = writeln!(out, "{p}  head: {}", row(head));
                for r in rows {
                    let _ = writeln!(out, "{p}  row: {}", row(r));
                }
            }
            Block::Figure(f) => {
                let width = f
                    .width
                    .map_or(String::new(), |w| format!(" width={}", length(w)));
                let link = f.link.as_ref().map_or(String::new(), |l| {
                    format!(" link={}", target(&l.target, &l.dest))
                });
                let attr = f
                    .attribution
                    .as_ref()
                    .map_or(String::new(), |a| format!(" attr={a:?}"));
                let _ = writeln!(
                    out,
                    "{p}figure img{} {:?} alt={:?}{width}{link}{attr}: {}",
                    f.image.0,
                    f.syntax,
                    f.alt,
                    inlines(&f.caption)
                );
            }
            Block::Math {
                tex,
                formula,
                tag,
                label,
                ..
            } => {
                let read = if formula.is_some() { "" } else { " (source)" };
                let tag = tag.as_ref().map_or(String::new(), |t| format!(" tag={t}"));
                let label = label
                    .as_ref()
                    .map_or(String::new(), |l| format!(" label={l}"));
                let _ = writeln!(out, "{p}math{read}{tag}{label}: {tex:?}");
            }
            Block::Details {
                summary,
                open,
                blocks: b,
                ..
            } => {
                let _ = writeln!(
                    out,
                    "{p}details{}: {}",
                    if *open { " open" } else { "" },
                    inlines(summary)
                );
                blocks(out, b, depth + 1);
            }
            Block::Embed {
                target,
                chapter,
                blocks: b,
                seamless,
                ..
            } => {
                let to = chapter.map_or("?".into(), |c| c.0.to_string());
                let kind = if *seamless { "include" } else { "embed" };
                let _ = writeln!(out, "{p}{kind} {target:?} ->{to}");
                blocks(out, b, depth + 1);
            }
            Block::Html { html, images, .. } => {
                let imgs: String = images.iter().map(|i| format!(" img{}", i.0)).collect();
                let _ = writeln!(out, "{p}html{imgs}: {html:?}");
            }
            Block::Rule { .. } => {
                let _ = writeln!(out, "{p}rule");
            }
        }
    }
}

fn length(l: Length) -> String {
    match l {
        Length::Px(v) => format!("{v}px"),
        Length::Percent(v) => format!("{v}%"),
        Length::Em(v) => format!("{v}em"),
        Length::Cm(v) => format!("{v}cm"),
        Length::Mm(v) => format!("{v}mm"),
        Length::In(v) => format!("{v}in"),
    }
}

fn target(t: &LinkTarget, dest: &str) -> String {
    match t {
        LinkTarget::External { url } => url.clone(),
        LinkTarget::Internal {
            chapter,
            anchor: Some(a),
        } => format!("->{}#{a}", chapter.0),
        LinkTarget::Internal {
            chapter,
            anchor: None,
        } => format!("->{}", chapter.0),
        LinkTarget::Unresolved => format!("unresolved:{dest}"),
    }
}

/// Inline content in a Markdown-like notation; text is quoted.
pub fn inlines(list: &[Inline]) -> String {
    let mut s = String::new();
    for (i, inline) in list.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        match inline {
            Inline::Text(t) => {
                let _ = write!(s, "{t:?}");
            }
            Inline::Emph(c) => {
                let _ = write!(s, "*{}*", inlines(c));
            }
            Inline::Strong(c) => {
                let _ = write!(s, "**{}**", inlines(c));
            }
            Inline::Strike(c) => {
                let _ = write!(s, "~~{}~~", inlines(c));
            }
            Inline::Highlight(c) => {
                let _ = write!(s, "=={}==", inlines(c));
            }
            Inline::Code(c) => {
                let _ = write!(s, "`{c}`");
            }
            Inline::Link(l) => {
                let _ = write!(
                    s,
                    "[{}]({} {:?})",
                    inlines(&l.content),
                    target(&l.target, &l.dest),
                    l.syntax
                );
            }
            Inline::Image {
                image, alt, width, ..
            } => {
                let w = width.map_or(String::new(), |w| format!(" width={}", length(w)));
                let _ = write!(s, "![{alt:?}](img{}{w})", image.0);
            }
            Inline::FootnoteRef { number, .. } => {
                let _ = write!(s, "[^{number}]");
            }
            Inline::PageRef {
                template,
                chapter,
                anchor,
            } => {
                let at = anchor.as_deref().unwrap_or("");
                let _ = write!(s, "(page of ch{}#{at} {template:?})", chapter.0);
            }
            Inline::Math { tex, formula, .. } => {
                let read = if formula.is_some() { "" } else { "(source)" };
                let _ = write!(s, "${tex}${read}");
            }
            Inline::SoftBreak => s.push('↵'),
            Inline::HardBreak => s.push('⏎'),
            Inline::Anchor { name, id } => {
                let _ = write!(s, "⚓{name}={id}");
            }
            Inline::Html { html, images, .. } => {
                let imgs: String = images.iter().map(|i| format!(" img{}", i.0)).collect();
                let _ = write!(s, "html{imgs}{html:?}");
            }
        }
    }
    s
}
