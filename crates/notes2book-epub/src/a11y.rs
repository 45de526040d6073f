//! EPUB Accessibility 1.1 metadata, stated from what the book holds: how it can be read
//! (`accessMode`, `accessModeSufficient`), what helps (`accessibilityFeature`), hazards,
//! and a summary in words. Nothing is claimed that the book does not show: alternative
//! text only when every image has it, MathML only when formulas are written so, page
//! navigation only with a page list. A conformance claim and a certifier come from the
//! publisher (`a11y:` in notes2book.yaml), never by default.

use notes2book_model::{Block, Book, walk_blocks, walk_images};

use crate::xhtml::escape;
use crate::{Accessibility, MathOutput};

/// What the book holds, as far as its accessibility metadata is concerned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub images: usize,
    /// Images with neither alternative text nor a caption.
    pub without_alt: usize,
    pub formulas: bool,
    /// Formulas are written as MathML (else as pictures with their TeX as alternative).
    pub mathml: bool,
    /// The print edition's pages are marked (a page list).
    pub pages: bool,
}

impl Facts {
    pub fn of(book: &Book, math: MathOutput, pages: bool) -> Facts {
        let mut facts = Facts {
            mathml: math == MathOutput::MathMl,
            pages,
            ..Facts::default()
        };
        let mut count = |blocks: &[Block]| {
            facts.formulas |= notes2book_model::has_formula(blocks);
            walk_images(blocks, &mut |described, _| {
                facts.images += 1;
                facts.without_alt += usize::from(!described);
            });
            walk_blocks(blocks, &mut |b| {
                if let Block::Html { html, images, .. } = b {
                    facts.images += images.len();
                    facts.without_alt += images.len().saturating_sub(html_alts(html));
                }
            });
        };
        for ch in &book.chapters {
            count(&ch.blocks);
            for f in &ch.footnotes {
                count(&f.blocks);
            }
        }
        facts
    }
}

/// How many `<img>` tags of raw HTML have a non-empty `alt`.
fn html_alts(html: &str) -> usize {
    html.split("<img")
        .skip(1)
        .filter(|tag| {
            let tag = tag.split('>').next().unwrap_or("");
            ["alt=\"", "alt='"].iter().any(|a| {
                tag.find(a).is_some_and(|at| {
                    let rest = &tag[at + a.len()..];
                    !rest.trim_start().starts_with(['"', '\''])
                })
            })
        })
        .count()
}

/// The `<meta>` elements for the package's metadata, one a line.
pub fn metadata(facts: &Facts, config: &Accessibility) -> String {
    let mut m: Vec<(&str, String)> = vec![("schema:accessMode", "textual".into())];
    let visual = facts.images > 0 || (facts.formulas && !facts.mathml);
    if visual {
        m.push(("schema:accessMode", "visual".into()));
    }
    if facts.without_alt == 0 {
        m.push(("schema:accessModeSufficient", "textual".into()));
    }
    if visual {
        m.push(("schema:accessModeSufficient", "textual,visual".into()));
    }
    let mut features = vec![
        "tableOfContents",
        "structuralNavigation",
        "readingOrder",
        "displayTransformability",
    ];
    if facts.images > 0 && facts.without_alt == 0 {
        features.push("alternativeText");
    }
    if facts.formulas && facts.mathml {
        features.push("MathML");
    }
    if facts.formulas && !facts.mathml {
        features.push("describedMath");
    }
    if facts.pages {
        features.extend(["pageNavigation", "printPageNumbers"]);
    }
    for f in features {
        m.push(("schema:accessibilityFeature", f.into()));
    }
    m.push(("schema:accessibilityHazard", "none".into()));
    let summary = config.summary.clone().unwrap_or_else(|| summary(facts));
    m.push(("schema:accessibilitySummary", summary));
    if let Some(c) = &config.conforms_to {
        m.push(("dcterms:conformsTo", c.clone()));
    }
    if let Some(c) = &config.certified_by {
        m.push(("a11y:certifiedBy", c.clone()));
    }
    if let Some(c) = &config.certifier_credential {
        m.push(("a11y:certifierCredential", c.clone()));
    }
    m.iter()
        .map(|(p, v)| format!("    <meta property=\"{p}\">{}</meta>\n", escape(v)))
        .collect()
}

/// What is true of this book, in words.
pub fn summary(facts: &Facts) -> String {
    let mut s = String::from(
        "The book has a table of contents, headings in order for navigation, and one \
         reading order; text and colours can be changed by the reader.",
    );
    match (facts.images, facts.without_alt) {
        (0, _) => {}
        (n, 0) => s.push_str(&format!(
            " Every image ({n}) has a text alternative or a caption."
        )),
        (n, k) => s.push_str(&format!(
            " {k} of {n} images have no text alternative and are described only by the \
             text around them."
        )),
    }
    if facts.formulas {
        s.push_str(if facts.mathml {
            " Formulas are written in MathML."
        } else {
            " Formulas are pictures whose text alternative is their TeX source."
        });
    }
    if facts.pages {
        s.push_str(" The pages of the print edition are marked and listed.");
    }
    s.push_str(" It has no flashing, motion or sound hazards.");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternative_text_is_claimed_only_when_every_image_has_it() {
        let all = Facts {
            images: 2,
            ..Facts::default()
        };
        let meta = metadata(&all, &Accessibility::default());
        assert!(meta.contains(">alternativeText<"));
        assert!(meta.contains("schema:accessModeSufficient\">textual<"));
        let some = Facts {
            images: 2,
            without_alt: 1,
            ..Facts::default()
        };
        let meta = metadata(&some, &Accessibility::default());
        assert!(!meta.contains("alternativeText"));
        assert!(!meta.contains("accessModeSufficient\">textual<"));
        assert!(meta.contains("1 of 2 images have no text alternative"));
    }

    #[test]
    fn math_and_pages_are_claimed_from_the_book() {
        let plain = metadata(&Facts::default(), &Accessibility::default());
        for absent in ["MathML", "printPageNumbers", "visual", "conformsTo"] {
            assert!(!plain.contains(absent), "{absent} in {plain}");
        }
        let facts = Facts {
            formulas: true,
            mathml: true,
            pages: true,
            ..Facts::default()
        };
        let meta = metadata(&facts, &Accessibility::default());
        for present in ["MathML", "pageNavigation", "printPageNumbers"] {
            assert!(meta.contains(present), "{present} missing");
        }
        let config = Accessibility {
            conforms_to: Some("EPUB Accessibility 1.1 - WCAG 2.1 Level AA".into()),
            certified_by: Some("A & B".into()),
            ..Accessibility::default()
        };
        let meta = metadata(&Facts::default(), &config);
        assert!(meta.contains("<meta property=\"a11y:certifiedBy\">A &amp; B</meta>"));
        assert!(meta.contains("dcterms:conformsTo"));
    }

    #[test]
    fn html_images_need_a_non_empty_alt() {
        assert_eq!(
            html_alts("<img src=a alt=\"x\"><img alt=\"\" src=b><img src=c>"),
            1
        );
    }
}
