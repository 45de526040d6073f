//! Citations and the bibliography set by a CSL style, through hayagriva: bibliography
//! files read, styles found by name or read from a `.csl` file, and hayagriva's output
//! turned into the model's inlines (emphasis, links to the entries, DOIs and URLs).

use std::ops::Range;

use hayagriva::archive::ArchivedStyle;
use hayagriva::citationberg::taxonomy::Locator;
use hayagriva::citationberg::{FontStyle, FontWeight, IndependentStyle, Locale, LocaleCode, Style};
use hayagriva::{
    BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest, CitePurpose, ElemChild,
    ElemChildren, ElemMeta, Library, LocatorPayload, SpecificLocator,
};
use notes2book_model::{Inline, Link, LinkSyntax, LinkTarget};

use super::syntax::Item;

/// The style used when none is named.
pub const DEFAULT_STYLE: &str = "chicago-author-date";

/// A bibliography file's entries, or what is wrong with it: messages with the byte
/// range they are about.
pub fn library(text: &str, yaml: bool) -> Result<Library, Vec<(String, Range<usize>)>> {
    if yaml {
        return hayagriva::io::from_yaml_str(text).map_err(|e| {
            let at = e
                .location()
                .map_or(0, |l| offset_of(text, l.line(), l.column()));
            vec![(e.to_string(), at..at)]
        });
    }
    let mut bib = biblatex::Bibliography::parse(text).map_err(|e| {
        let span = e.span.clone();
        vec![(hayagriva::io::BibLaTeXError::Parse(e).to_string(), span)]
    })?;
    for entry in bib.iter_mut() {
        // hayagriva makes a paper in proceedings an article whose proceedings' title is
        // also the volume's, which Chicago and MLA print as a journal's "special issue"
        // and APA without "In"; as a part of a book every bundled style reads "In Proc.
        // of OSDI" (Chicago then leaves out the pages).
        let event = ["eventtitle", "venue", "eventdate"]
            .iter()
            .any(|f| entry.fields.contains_key(*f));
        if entry.entry_type == biblatex::EntryType::InProceedings && !event {
            entry.entry_type = biblatex::EntryType::InBook;
        }
        for (name, value) in entry.fields.iter_mut() {
            if name.ends_with("title") || name == "journal" || name == "series" {
                protect_cased_words(value);
            }
        }
    }
    hayagriva::io::from_biblatex(&bib).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| {
                let span = e.span.clone();
                (hayagriva::io::BibLaTeXError::Type(e).to_string(), span)
            })
            .collect()
    })
}

/// A title with a word that has a capital after its first letter (`MapReduce`,
/// `TeXbook`, `OSDI`) is kept as written: hayagriva's title case would print `Mapreduce`,
/// and it drops the space after a word kept alone (`{MDN} Web` → `MDNWeb`), so the whole
/// title is kept. BibTeX users brace such words; most hand-written files do not.
fn protect_cased_words(chunks: &mut biblatex::Chunks) {
    use biblatex::Chunk;
    let cased = chunks.iter().any(|c| match &c.v {
        Chunk::Normal(text) => words(text).any(|(_, w)| {
            let mut letters = w.chars().filter(|c| c.is_alphabetic());
            letters.next().is_some() && letters.any(char::is_uppercase)
        }),
        _ => false,
    });
    if cased {
        for c in chunks.iter_mut() {
            if let Chunk::Normal(text) = &mut c.v {
                c.v = Chunk::Verbatim(std::mem::take(text));
            }
        }
    }
}

/// The words of `text` (runs of letters and digits, `-` and `'` inside them) with their
/// byte offsets.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .scan(0, move |pos, w| {
            let at = *pos;
            *pos += w.len()
                + text[at + w.len()..]
                    .chars()
                    .next()
                    .map_or(0, char::len_utf8);
            Some((at, w))
        })
        .filter(|(_, w)| !w.is_empty())
}

/// The byte offset of a 1-based line and column.
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len())
}

/// The CSL locales hayagriva bundles (63), decoded in parallel: one after another they
/// were most of the time a small book with a bibliography took.
pub fn locales() -> Vec<Locale> {
    use rayon::prelude::*;
    hayagriva::archive::LOCALES
        .par_iter()
        .filter_map(|bytes| ciborium::de::from_reader(*bytes).ok())
        .collect()
}

/// A bundled style by name (`apa`, `ieee`, `nature`, `mla`, `chicago-author-date`, and
/// the others hayagriva ships).
pub fn bundled(name: &str) -> Option<IndependentStyle> {
    match ArchivedStyle::by_name(name)?.get() {
        Style::Independent(s) => Some(s),
        Style::Dependent(_) => None,
    }
}

/// The names of the bundled styles, for suggestions.
pub fn bundled_names() -> Vec<&'static str> {
    ArchivedStyle::all()
        .iter()
        .flat_map(|s| (*s).names().iter().copied())
        .collect()
}

/// A style read from a `.csl` file.
pub fn from_csl(text: &str) -> Result<IndependentStyle, String> {
    match Style::from_xml(text) {
        Ok(Style::Independent(s)) => Ok(s),
        Ok(Style::Dependent(_)) => Err(
            "this is a dependent style (it names a parent style): give the parent's file".into(),
        ),
        Err(e) => Err(e.to_string()),
    }
}

/// The CSL locator of a label as people write it (`p.`, `ch.`, `sec.`, `§`).
fn locator_kind(label: &str) -> Locator {
    let l = label.trim().trim_end_matches('.').to_lowercase();
    match l.as_str() {
        "" | "p" | "pp" | "page" | "pages" => Locator::Page,
        "ch" | "chap" | "chaps" | "chapter" | "chapters" => Locator::Chapter,
        "sec" | "secs" | "section" | "sections" | "§" | "§§" => Locator::Section,
        "para" | "paras" | "paragraph" | "¶" => Locator::Paragraph,
        "fig" | "figs" | "figure" => Locator::Figure,
        "vol" | "vols" | "volume" => Locator::Volume,
        "n" | "nn" | "note" | "notes" => Locator::Note,
        "l" | "ll" | "line" | "lines" => Locator::Line,
        "col" | "cols" | "column" => Locator::Column,
        "bk" | "book" => Locator::Book,
        "pt" | "part" => Locator::Part,
        "v" | "vv" | "verse" | "verses" => Locator::Verse,
        "no" | "issue" => Locator::Issue,
        "tab" | "table" => Locator::Table,
        "eq" | "equation" => Locator::Equation,
        "app" | "appendix" => Locator::Appendix,
        _ => Locator::Page,
    }
}

/// One citation to set: its items whose keys the library has, with what links each to
/// its entry, and whether it stands in the sentence.
#[derive(Debug)]
pub struct Request<'a> {
    pub items: Vec<&'a Item>,
    pub form: Form,
    /// The number of the footnote the citation is (or is in), for a note style.
    pub note: Option<usize>,
}

/// How a citation reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `[@key]`: in parentheses, or a note's text.
    Cited,
    /// `@key` in the sentence: "Knuth (1984)".
    InText,
    /// The author alone, which a note style puts in the sentence before its note.
    Author,
}

/// Whether the style sets citations as footnotes (Chicago notes), not in the text.
pub fn is_note_style(style: &IndependentStyle) -> bool {
    style.settings.class == hayagriva::citationberg::StyleClass::Note
}

/// What the style made: each citation's inlines (in request order) and the bibliography's
/// entries in the style's order, each with its key.
#[derive(Debug, Default)]
pub struct Set {
    pub citations: Vec<Vec<Inline>>,
    pub entries: Vec<(String, Vec<Inline>)>,
}

/// Set every citation and the bibliography. `target(key)` is where a citation of `key`
/// links to.
pub fn set(
    library: &Library,
    style: &IndependentStyle,
    (language, locales): (&str, &[Locale]),
    requests: &[Request<'_>],
    target: &dyn Fn(&str) -> LinkTarget,
) -> Set {
    let locale = Some(LocaleCode(language.to_string()));
    let mut driver = BibliographyDriver::new();
    for r in requests {
        let items = r
            .items
            .iter()
            .filter_map(|i| {
                let entry = library.get(&i.key)?;
                let locator = i.locator.as_ref().map(|(label, value)| {
                    SpecificLocator(locator_kind(label), LocatorPayload::Str(value))
                });
                let purpose = match r.form {
                    Form::Author => Some(CitePurpose::Author),
                    _ if i.year_only => Some(CitePurpose::Year),
                    Form::InText => Some(CitePurpose::Prose),
                    Form::Cited => None,
                };
                Some(CitationItem::new(entry, locator, None, false, purpose))
            })
            .collect();
        driver.citation(CitationRequest::new(
            items,
            style,
            locale.clone(),
            locales,
            r.note,
        ));
    }
    let rendered = driver.finish(BibliographyRequest::new(style, locale, locales));
    let citations = rendered
        .citations
        .iter()
        .zip(requests)
        .map(|(c, r)| {
            let mut out = Vec::new();
            inlines(&c.citation, Some((&r.items, target)), &mut out);
            out
        })
        .collect();
    let entries = rendered
        .bibliography
        .map(|b| {
            b.items
                .into_iter()
                .map(|item| {
                    let mut out = Vec::new();
                    if let Some(first) = &item.first_field {
                        inlines(&ElemChildren(vec![first.clone()]), None, &mut out);
                        out.push(Inline::Text(" ".into()));
                    }
                    inlines(&item.content, None, &mut out);
                    (item.key, merge_text(out))
                })
                .collect()
        })
        .unwrap_or_default();
    Set { citations, entries }
}

type Cited<'r, 'a> = Option<(&'r [&'a Item], &'r dyn Fn(&str) -> LinkTarget)>;

/// hayagriva's output as inlines; in a citation, each work's part links to its entry,
/// with the words written before and after it.
fn inlines(children: &ElemChildren, cited: Cited<'_, '_>, out: &mut Vec<Inline>) {
    for child in &children.0 {
        match child {
            ElemChild::Text(f) => {
                let mut i = Inline::Text(f.text.clone());
                if f.formatting.font_style == FontStyle::Italic {
                    i = Inline::Emph(vec![i]);
                }
                if f.formatting.font_weight == FontWeight::Bold {
                    i = Inline::Strong(vec![i]);
                }
                out.push(i);
            }
            ElemChild::Markup(m) => out.push(Inline::Text(m.clone())),
            ElemChild::Link { text, url } => out.push(Inline::Link(Box::new(Link {
                dest: url.clone(),
                target: LinkTarget::External { url: url.clone() },
                syntax: LinkSyntax::Markdown,
                title: None,
                content: vec![Inline::Text(text.text.clone())],
                span: None,
            }))),
            ElemChild::Transparent { .. } => {}
            ElemChild::Elem(e) => match (&e.meta, cited) {
                (Some(ElemMeta::Entry(i)), Some((items, target))) if *i < items.len() => {
                    let item = items[*i];
                    if !item.prefix.is_empty() {
                        out.push(Inline::Text(format!("{} ", item.prefix)));
                    }
                    let mut content = Vec::new();
                    inlines(&e.children, None, &mut content);
                    // A note's full citation holds its DOI or URL as a link: links do not
                    // nest, so the entry's link ends where that one starts.
                    let own = content
                        .iter()
                        .position(|i| matches!(i, Inline::Link(_)))
                        .unwrap_or(content.len());
                    let rest = content.split_off(own);
                    if !content.is_empty() {
                        out.push(Inline::Link(Box::new(Link {
                            dest: format!("#{}", item.key),
                            target: target(&item.key),
                            syntax: LinkSyntax::Markdown,
                            title: None,
                            content: merge_text(content),
                            span: None,
                        })));
                    }
                    out.extend(rest);
                    if !item.suffix.is_empty() {
                        out.push(Inline::Text(format!(" {}", item.suffix)));
                    }
                }
                _ => inlines(&e.children, cited, out),
            },
        }
    }
}

/// Adjacent plain texts as one.
pub fn merge_text(inlines: Vec<Inline>) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::with_capacity(inlines.len());
    for i in inlines {
        match (out.last_mut(), i) {
            (Some(Inline::Text(a)), Inline::Text(b)) => a.push_str(&b),
            (_, i) => out.push(i),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use notes2book_model::ChapterId;

    const BIB: &str = "@book{knuth1984, author = {Knuth, Donald E.}, title = {The TeXbook}, \
                       publisher = {Addison-Wesley}, year = {1984}}\n\
                       @article{gross, author = {Gross, E. P.}, title = {Structure of a \
                       Quantized Vortex}, journal = {Il Nuovo Cimento}, year = {1961}, \
                       volume = {20}, pages = {454--477}, doi = {10.1007/BF02731494}}\n";

    fn text(inlines: &[Inline]) -> String {
        notes2book_model::plain_text(inlines)
    }

    fn item(key: &str, prefix: &str, locator: Option<(&str, &str)>, year_only: bool) -> Item {
        Item {
            key: key.into(),
            prefix: prefix.into(),
            locator: locator.map(|(a, b)| (a.into(), b.into())),
            suffix: String::new(),
            year_only,
        }
    }

    #[test]
    fn author_date_citations_link_to_their_entries() {
        let lib = library(BIB, false).expect("the .bib reads");
        let style = bundled(DEFAULT_STYLE).expect("bundled");
        let locales = locales();
        let a = item("knuth1984", "", Some(("p.", "33")), false);
        let b = item("gross", "see", Some(("ch.", "2")), false);
        let c = item("knuth1984", "", None, true);
        let requests = [
            Request {
                items: vec![&a],
                form: Form::Cited,
                note: None,
            },
            Request {
                items: vec![&b, &a],
                form: Form::Cited,
                note: None,
            },
            Request {
                items: vec![&c],
                form: Form::Cited,
                note: None,
            },
        ];
        let target = |k: &str| LinkTarget::Internal {
            chapter: ChapterId(9),
            anchor: Some(format!("ref-{k}")),
        };
        let set = set(&lib, &style, ("en-US", &locales), &requests, &target);
        assert_eq!(text(&set.citations[0]), "(Knuth 1984, 33)");
        assert!(text(&set.citations[1]).starts_with("(see Gross 1961, chap. 2"));
        assert_eq!(text(&set.citations[2]), "1984");
        assert!(matches!(&set.citations[0][1], Inline::Link(l)
            if matches!(&l.target, LinkTarget::Internal { anchor: Some(a), .. } if a == "ref-knuth1984")));
        // Both works, in the style's order, the DOI a link.
        let keys: Vec<&str> = set.entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["gross", "knuth1984"]);
        assert!(
            set.entries[0]
                .1
                .iter()
                .any(|i| matches!(i, Inline::Link(_)))
        );
    }

    #[test]
    fn capitals_inside_words_survive_title_case() {
        let bib = "@inproceedings{dean, author = {Dean, Jeffrey}, title = {MapReduce: \
                   Simplified Data Processing at OSDI}, booktitle = {Proc. of OSDI}, \
                   year = {2004}, pages = {137--150}}\n\
                   @online{mdn, title = {MDN Web Docs}, author = {Mozilla}, year = {2020}}\n";
        let lib = library(bib, false).expect("the .bib reads");
        let style = bundled(DEFAULT_STYLE).expect("bundled");
        let locales = locales();
        let target = |_: &str| LinkTarget::Unresolved;
        let (dean, mdn) = (item("dean", "", None, false), item("mdn", "", None, false));
        let cite = Request {
            items: vec![&dean, &mdn],
            form: Form::Cited,
            note: None,
        };
        let set = set(&lib, &style, ("en-US", &locales), &[cite], &target);
        let entry = text(&set.entries[0].1);
        assert!(
            entry.contains("MapReduce: Simplified Data Processing at OSDI"),
            "{entry}"
        );
        // A paper in proceedings is in them, not in a journal's special issue.
        assert!(
            entry.contains(" In Proc. ") && !entry.contains("pecial issue"),
            "{entry}"
        );
        let mdn = text(&set.entries[1].1);
        assert!(mdn.contains("“MDN Web Docs.”"), "{mdn}");
        let words: Vec<(usize, &str)> = words("a MapReduce-like, it's").collect();
        assert_eq!(
            words,
            [(0, "a"), (2, "MapReduce"), (12, "like"), (18, "it's")]
        );
    }

    #[test]
    fn broken_bibliographies_say_where() {
        let errors = library("@book{a, title = {x}\n", false).expect_err("unclosed");
        assert!(!errors.is_empty());
        let errors = library("a:\n  type: book\n  title: [\n", true).expect_err("bad YAML");
        assert!(errors[0].1.start > 0, "{errors:?}");
        assert!(bundled("apa").is_some() && bundled("ieee").is_some());
        assert!(bundled("nature").is_some() && bundled("mla").is_some());
        assert!(bundled("no-such-style").is_none());
    }
}
