//! Numbered cross-references in Quarto's syntax: figures labelled `{#fig-x}` and display
//! equations `{#eq-x}` are numbered through the book (captions become "Figure 3: …",
//! equations get "(4)"), headings `{#sec-x}` are named by their title, and `@fig-x`,
//! `[-@fig-x]` (the number alone) and `[Fig. @fig-x]` (the reader's words) become links.

use std::collections::HashMap;

use notes2book_model::{
    Block, Chapter, ChapterId, Diagnostic, Inline, Link, LinkSyntax, LinkTarget, Sources, Span,
    plain_text,
};

use crate::cite::syntax::Found;

/// The label prefixes and what they name.
const KINDS: [(&str, &str); 4] = [
    ("fig-", "Figure"),
    ("eq-", "Equation"),
    ("sec-", "Section"),
    ("tbl-", "Table"),
];

/// Whether `key` is a cross-reference label rather than a citation key.
pub fn is_label(key: &str) -> bool {
    KINDS.iter().any(|(p, _)| key.starts_with(p))
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

/// Number the labelled figures and equations, then turn every reference into a link.
pub fn resolve(chapters: &mut [Chapter], sources: &Sources, diags: &mut Vec<Diagnostic>) {
    let targets = number(chapters, diags);
    let is_ref = |k: &str| is_label(k);
    for ch in chapters.iter_mut() {
        crate::cite::scan_blocks(&mut ch.blocks, &is_ref, &mut |found, span| {
            if !found.items.iter().all(|i| is_label(&i.key)) {
                return None;
            }
            Some(render(found, span, &targets, sources, diags))
        });
    }
}

/// The labels in reading order, numbered; captions and equation tags get their numbers.
fn number(chapters: &mut [Chapter], diags: &mut Vec<Diagnostic>) -> HashMap<String, Target> {
    let mut targets: HashMap<String, Target> = HashMap::new();
    let (mut figures, mut equations) = (0, 0);
    for (c, ch) in chapters.iter_mut().enumerate() {
        notes2book_model::walk_blocks_mut(&mut ch.blocks, &mut |b| {
            let span = b.span();
            let found = match b {
                Block::Figure(fig) => {
                    let Some(Inline::Anchor { name, id }) = fig.caption.first() else {
                        return;
                    };
                    let (name, id) = (name.clone(), id.clone());
                    if !name.starts_with("fig-") {
                        if is_label(&name) {
                            diags.push(kind_mismatch(&name, "an image", "fig-", span));
                        }
                        return;
                    }
                    figures += 1;
                    let rest = fig.caption.len() > 1;
                    let label = format!("Figure {figures}{}", if rest { ": " } else { "" });
                    fig.caption.insert(1, Inline::Text(label));
                    let t = Target {
                        chapter: c,
                        anchor: id,
                        name: format!("Figure {figures}"),
                        number: figures.to_string(),
                    };
                    Some((name, t))
                }
                Block::Math {
                    label: Some(l),
                    tag,
                    ..
                } => {
                    if !l.starts_with("eq-") {
                        if is_label(l) {
                            diags.push(kind_mismatch(l, "an equation", "eq-", span));
                        }
                        return;
                    }
                    equations += 1;
                    let shown = tag.get_or_insert_with(|| format!("({equations})")).clone();
                    let t = Target {
                        chapter: c,
                        anchor: l.clone(),
                        name: format!("Equation {shown}"),
                        number: shown,
                    };
                    Some((l.clone(), t))
                }
                Block::Heading { id, content, .. } if id.starts_with("sec-") => {
                    let title = plain_text(content);
                    let t = Target {
                        chapter: c,
                        anchor: id.clone(),
                        name: title.clone(),
                        number: title,
                    };
                    Some((id.clone(), t))
                }
                _ => None,
            };
            let Some((label, target)) = found else { return };
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
                    .hint("give each figure, equation and section its own label"),
                ),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(target);
                }
            }
        });
    }
    targets
}

fn kind_mismatch(label: &str, what: &str, prefix: &str, span: Option<Span>) -> Diagnostic {
    Diagnostic::warning(
        "crossref-kind",
        format!("`{label}` labels {what}, whose labels start with `{prefix}`; it is not numbered"),
    )
    .at_opt(span)
    .hint(format!(
        "write {{#{prefix}{}}}",
        label.split_once('-').map_or(label, |(_, r)| r)
    ))
}

/// A reference as links: "Figure 3", "3" for `-@`, the reader's words and the number for
/// `[Fig. @fig-x]`; an unknown label is reported and shown as itself.
fn render(
    found: &Found,
    span: Option<Span>,
    targets: &HashMap<String, Target>,
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
                out.push(Inline::Link(Link {
                    dest: format!("#{}", item.key),
                    target: LinkTarget::Internal {
                        chapter: ChapterId(t.chapter as u32),
                        anchor: Some(t.anchor.clone()),
                    },
                    syntax: LinkSyntax::Markdown,
                    title: None,
                    content: vec![Inline::Text(text)],
                    span,
                }));
            }
            None => {
                let at = span.map(|s| crate::cite::key_span(sources, s, &item.key));
                diags.push(
                    Diagnostic::warning(
                        "crossref-unknown",
                        format!("no figure, equation or section is labelled `{}`", item.key),
                    )
                    .at_opt(at)
                    .hint("label it ({#fig-x} after an image, {#eq-x} after $$…$$, {#sec-x} on a heading), or correct the reference"),
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
