//! Numbered cross-references in Quarto's syntax: figures labelled `{#fig-x}`, tables
//! `{#tbl-x}` and display equations `{#eq-x}` are numbered through the book or per chapter
//! (captions become "Figure 3: …", equations get "(4)"), headings `{#sec-x}` are named by
//! their title, and `@fig-x`, `[-@fig-x]` (the number alone) and `[Fig. @fig-x]` (the
//! reader's words) become links, with the page in the PDF when asked.

use std::collections::HashMap;

use notes2book_model::{
    Block, Chapter, ChapterId, ChapterKind, Diagnostic, Inline, Link, LinkSyntax, LinkTarget,
    Sources, Span, plain_text,
};

use crate::cite::syntax::Found;
use crate::words::Words;

/// The kinds of labelled things, as labels start: `fig-x` (Quarto) or `fig:x`
/// (pandoc-crossref).
const KINDS: [&str; 4] = ["fig", "eq", "sec", "tbl"];

/// The kind a label names (`fig`, `eq`, `sec`, `tbl`), if it is a cross-reference label
/// rather than a citation key.
fn kind_of(label: &str) -> Option<&'static str> {
    KINDS.iter().copied().find(|k| {
        label
            .strip_prefix(k)
            .is_some_and(|rest| rest.len() > 1 && rest.starts_with(['-', ':']))
    })
}

/// Whether `key` is a cross-reference label rather than a citation key.
pub fn is_label(key: &str) -> bool {
    kind_of(key).is_some()
}

/// How references are numbered and shown (`crossref:` in notes2book.yaml).
#[derive(Debug, Clone, Default)]
pub struct CrossrefOptions {
    /// Numbers restart in each chapter and carry its number: "Figure 2.3".
    pub chapters: bool,
    /// A reference in the PDF adds the page its target is on: "Figure 3 on page 41".
    pub page_numbers: bool,
}

/// Something a label names: where it is, and how a reference reads.
#[derive(Debug, Clone)]
struct Target {
    chapter: usize,
    anchor: String,
    /// "Figure 3", "Equation (4)", a section's title.
    name: String,
    /// "3", "(4)", the title.
    number: String,
}

/// Number the labelled figures, tables and equations, then turn every reference into a
/// link.
pub fn resolve(
    chapters: &mut [Chapter],
    title_ids: &[Option<String>],
    opts: &CrossrefOptions,
    language: &str,
    sources: &Sources,
    diags: &mut Vec<Diagnostic>,
) {
    let words = crate::words::words(language);
    let mut targets = number(chapters, opts, words, diags);
    // A note's title heading labelled `{#sec-x}` is the chapter it begins.
    for (c, ch) in chapters.iter().enumerate() {
        if let Some(Some(id)) = title_ids.get(ch.id.0 as usize)
            && kind_of(id) == Some("sec")
        {
            let t = Target {
                chapter: c,
                anchor: ch.anchor.clone(),
                name: ch.title.clone(),
                number: ch.title.clone(),
            };
            add(&mut targets, id.clone(), t, ch.span, diags);
        }
    }
    let is_ref = |k: &str| is_label(k);
    let page = opts.page_numbers.then_some(words.on_page);
    for ch in chapters.iter_mut() {
        crate::cite::scan_blocks(&mut ch.blocks, &is_ref, &mut |found, span| {
            if !found.items.iter().all(|i| is_label(&i.key)) {
                return None;
            }
            Some(render(found, span, &targets, page, sources, diags))
        });
    }
}

/// The numbers of one kind of element: through the book ("3"), or per chapter ("2.3").
#[derive(Default)]
struct Counter {
    chapter: Option<u32>,
    n: u32,
}

impl Counter {
    fn next(&mut self, chapter: Option<u32>) -> String {
        if chapter.is_some() && chapter != self.chapter {
            self.chapter = chapter;
            self.n = 0;
        }
        self.n += 1;
        match chapter {
            Some(c) => format!("{c}.{}", self.n),
            None => self.n.to_string(),
        }
    }
}

/// Each chapter's number for per-chapter numbering: the top-level chapters (not parts)
/// count 1, 2, …; a note inside one has its number.
fn chapter_numbers(chapters: &[Chapter]) -> Vec<Option<u32>> {
    let mut n = 0;
    let mut current = None;
    chapters
        .iter()
        .map(|ch| {
            if ch.depth == 0 {
                current = (ch.kind != ChapterKind::Part).then(|| {
                    n += 1;
                    n
                });
            }
            current
        })
        .collect()
}

/// What labels a captioned element: the anchor that leads its caption.
fn caption_label(caption: &[Inline]) -> Option<(String, String)> {
    match caption.first() {
        Some(Inline::Anchor { name, id }) => Some((name.clone(), id.clone())),
        _ => None,
    }
}

/// The labels in reading order, numbered; captions and equation tags get their numbers.
fn number(
    chapters: &mut [Chapter],
    opts: &CrossrefOptions,
    words: &Words,
    diags: &mut Vec<Diagnostic>,
) -> HashMap<String, Target> {
    let mut targets: HashMap<String, Target> = HashMap::new();
    let numbers = chapter_numbers(chapters);
    let (mut figures, mut tables, mut equations) =
        (Counter::default(), Counter::default(), Counter::default());
    for (c, ch) in chapters.iter_mut().enumerate() {
        let chapter = numbers[c].filter(|_| opts.chapters);
        notes2book_model::walk_blocks_mut(&mut ch.blocks, &mut |b| {
            let span = b.span();
            let (caption, what, prefix, word, counter): (_, _, _, _, &mut Counter) = match b {
                Block::Figure(fig) => (
                    &mut fig.caption,
                    "an image",
                    "fig",
                    words.figure,
                    &mut figures,
                ),
                Block::Table { caption, .. } => {
                    (caption, "a table", "tbl", words.table, &mut tables)
                }
                Block::Math {
                    label: Some(l),
                    tag,
                    ..
                } => {
                    if kind_of(l) != Some("eq") {
                        if is_label(l) {
                            diags.push(kind_mismatch(l, "an equation", "eq", span));
                        }
                        return;
                    }
                    let shown = match tag {
                        Some(t) => t.clone(),
                        None => format!("({})", equations.next(chapter)),
                    };
                    *tag = Some(shown.clone());
                    let t = Target {
                        chapter: c,
                        anchor: l.clone(),
                        name: format!("{} {shown}", words.equation),
                        number: shown,
                    };
                    add(&mut targets, l.clone(), t, span, diags);
                    return;
                }
                Block::Heading { id, content, .. } if kind_of(id) == Some("sec") => {
                    let title = plain_text(content);
                    let t = Target {
                        chapter: c,
                        anchor: id.clone(),
                        name: title.clone(),
                        number: title,
                    };
                    add(&mut targets, id.clone(), t, span, diags);
                    return;
                }
                _ => return,
            };
            let Some((name, id)) = caption_label(caption) else {
                return;
            };
            if kind_of(&name) != Some(prefix) {
                if is_label(&name) {
                    diags.push(kind_mismatch(&name, what, prefix, span));
                }
                return;
            }
            let number = counter.next(chapter);
            let rest = if caption.len() > 1 { ": " } else { "" };
            caption.insert(1, Inline::Text(format!("{word} {number}{rest}")));
            let t = Target {
                chapter: c,
                anchor: id,
                name: format!("{word} {number}"),
                number,
            };
            add(&mut targets, name, t, span, diags);
        });
    }
    targets
}

/// Record a label; a label used twice is reported and leads to its first use.
fn add(
    targets: &mut HashMap<String, Target>,
    label: String,
    target: Target,
    span: Option<Span>,
    diags: &mut Vec<Diagnostic>,
) {
    match targets.entry(label) {
        std::collections::hash_map::Entry::Occupied(e) => diags.push(
            Diagnostic::warning(
                "crossref-duplicate",
                format!(
                    "the label `{}` is used twice; references lead to the first",
                    e.key()
                ),
            )
            .at_opt(span)
            .hint("give each figure, table, equation and section its own label"),
        ),
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(target);
        }
    }
}

fn kind_mismatch(label: &str, what: &str, kind: &str, span: Option<Span>) -> Diagnostic {
    // The label's own separator: `fig-x` → `tbl-x`, `fig:x` → `tbl:x`.
    let (sep, rest) = label
        .find(['-', ':'])
        .map_or(("-", label), |i| (&label[i..i + 1], &label[i + 1..]));
    Diagnostic::warning(
        "crossref-kind",
        format!(
            "`{label}` labels {what}, whose labels start with `{kind}{sep}`; it is not numbered"
        ),
    )
    .at_opt(span)
    .hint(format!("write {{#{kind}{sep}{rest}}}"))
}

/// A reference as links: "Figure 3", "3" for `-@`, the reader's words and the number for
/// `[Fig. @fig-x]`; an unknown label is reported and shown as itself.
fn render(
    found: &Found,
    span: Option<Span>,
    targets: &HashMap<String, Target>,
    page: Option<&str>,
    sources: &Sources,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Inline> {
    let mut out = Vec::new();
    for (k, item) in found.items.iter().enumerate() {
        if k > 0 {
            out.push(Inline::Text(", ".into()));
        }
        if !item.prefix.is_empty() {
            out.push(Inline::Text(format!("{} ", item.prefix)));
        }
        match targets.get(&item.key) {
            Some(t) => {
                let text = if item.year_only || !item.prefix.is_empty() {
                    t.number.clone()
                } else {
                    t.name.clone()
                };
                out.push(Inline::Link(Box::new(Link {
                    dest: format!("#{}", item.key),
                    target: LinkTarget::Internal {
                        chapter: ChapterId(t.chapter as u32),
                        anchor: Some(t.anchor.clone()),
                    },
                    syntax: LinkSyntax::Markdown,
                    title: None,
                    content: vec![Inline::Text(text)],
                    span,
                })));
                // A section is found by its title in the contents; a number is not.
                if let Some(template) = page.filter(|_| kind_of(&item.key) != Some("sec")) {
                    out.push(Inline::PageRef {
                        template: template.to_owned(),
                        chapter: ChapterId(t.chapter as u32),
                        anchor: Some(t.anchor.clone()),
                    });
                }
            }
            None => {
                let at = span.map(|s| crate::cite::key_span(sources, s, &item.key));
                diags.push(
                    Diagnostic::warning(
                        "crossref-unknown",
                        format!(
                            "no figure, table, equation or section is labelled `{}`",
                            item.key
                        ),
                    )
                    .at_opt(at)
                    .hint("label it ({#fig-x} after an image, {#tbl-x} after a table's caption, {#eq-x} after $$…$$, {#sec-x} on a heading), or correct the reference"),
                );
                out.push(Inline::Strong(vec![Inline::Text(format!("?{}", item.key))]));
            }
        }
        if !item.suffix.is_empty() {
            out.push(Inline::Text(format!(" {}", item.suffix)));
        }
    }
    out
}
