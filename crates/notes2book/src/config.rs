//! `notes2book.yaml`: book metadata, chapter order, folders and switches.
//! Unknown keys are errors with a suggestion; a wrong type points at its line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use notes2book_model::{Diagnostic, FileId, Span, Value};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// Every key of notes2book.yaml. Keep README's configuration reference in step.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub authors: Option<OneOrMany>,
    pub language: Option<String>,
    pub identifier: Option<String>,
    pub date: Option<String>,
    pub description: Option<String>,
    pub publisher: Option<String>,
    pub rights: Option<String>,
    /// The cover: an image relative to this file, or the design of the cover made when
    /// there is none (`{design: band, colour: "#7a1f1f"}`), or `false` for no cover.
    pub cover: Option<CoverConfig>,
    /// The notes folder, relative to this file.
    pub input: Option<PathBuf>,
    /// Explicit chapter order: note paths relative to the notes folder.
    pub chapters: Option<Vec<String>>,
    /// More folders searched for `/images/...` references, relative to this file.
    #[serde(default)]
    pub static_dirs: Vec<PathBuf>,
    #[serde(default)]
    pub drafts: bool,
    pub fix_mojibake: Option<bool>,
    /// Values for the `param` shortcode.
    #[serde(default)]
    pub params: BTreeMap<String, serde_yaml::Value>,
    /// File name of the outputs, without extension [default: the title as a slug].
    pub output_name: Option<String>,
    #[serde(default)]
    pub epub: EpubConfig,
    #[serde(default)]
    pub pdf: PdfConfig,
    /// What the publisher states about the book's accessibility.
    #[serde(default)]
    pub a11y: A11yConfig,
    /// Bibliography files (BibLaTeX `.bib`, CSL-JSON `.json`, Hayagriva `.yml`), relative
    /// to this file.
    pub bibliography: Option<OneOrMany>,
    /// A CSL style file, relative to this file.
    pub csl: Option<String>,
    /// A bundled citation style: `chicago-author-date` [default], `apa`, `ieee`, `nature`,
    /// `mla`, …
    pub citation_style: Option<String>,
    /// The bibliography chapter's title [default: "References" in the book's language].
    pub bibliography_title: Option<String>,
    /// How numbered figures, tables and equations are numbered and referred to.
    #[serde(default)]
    pub crossref: CrossrefConfig,
    /// Several books from one vault, each a selection of its notes; all are built in one
    /// run (`--book NAME` builds one).
    #[serde(default)]
    pub books: Vec<BookConfig>,
}

/// One book of `books:`: its name, what it says about itself (the rest comes from the
/// config's top level) and which notes it holds. A note is in the book when any of
/// `folders`, `tags`, `where` and `notes` takes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookConfig {
    /// What `--book` calls it, and its output name unless `output_name` is given.
    pub name: String,
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub authors: Option<OneOrMany>,
    pub description: Option<String>,
    pub language: Option<String>,
    pub identifier: Option<String>,
    pub cover: Option<CoverConfig>,
    pub output_name: Option<String>,
    /// Folders relative to the notes folder: every note below them.
    #[serde(default)]
    pub folders: Vec<String>,
    /// Notes with any of these tags (front matter, or `#tag` in the text; `rust` takes
    /// `rust/async` too).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Notes whose front matter has one of these values (`publish: true`).
    #[serde(default, rename = "where")]
    pub values: BTreeMap<String, serde_yaml::Value>,
    /// Notes by path relative to the notes folder (`.md` may be left out).
    #[serde(default)]
    pub notes: Vec<String>,
}

impl BookConfig {
    /// The parser's selection for this book.
    pub fn selection(&self) -> notes2book_parser::Selection {
        let path =
            |p: &String| PathBuf::from(p.trim().trim_start_matches("./").trim_end_matches('/'));
        notes2book_parser::Selection {
            name: self.name.clone(),
            folders: self.folders.iter().map(path).collect(),
            tags: self.tags.clone(),
            values: self
                .values
                .iter()
                .map(|(k, v)| (k.clone(), yaml_to_value(v)))
                .collect(),
            notes: self.notes.iter().map(path).collect(),
        }
    }

    fn selects_nothing(&self) -> bool {
        self.folders.is_empty()
            && self.tags.is_empty()
            && self.values.is_empty()
            && self.notes.is_empty()
    }
}

/// What is wrong with `books:`: a book without a name or a selection, or two of one name
/// or output name.
pub fn check_books(config: &Config, loaded: &Loaded) -> Option<Diagnostic> {
    let mut names = std::collections::BTreeSet::new();
    let mut outputs = std::collections::BTreeSet::new();
    for b in &config.books {
        let at = loaded.find(&b.name, "books:");
        let name = b.name.trim();
        if name.is_empty() {
            return Some(
                Diagnostic::error("config-book", "a book in `books:` has an empty `name`")
                    .at_opt(loaded.find("name", "books:"))
                    .hint("give every book a name: `--book NAME` builds it"),
            );
        }
        if !names.insert(name.to_owned()) {
            return Some(
                Diagnostic::error("config-book", format!("two books are named `{name}`"))
                    .at_opt(at)
                    .hint("give each book of `books:` its own name"),
            );
        }
        let output = b.output_name.clone().unwrap_or_else(|| name.to_owned());
        if !outputs.insert(output.clone()) {
            return Some(
                Diagnostic::error(
                    "config-book",
                    format!("two books would be written as `{output}`"),
                )
                .at_opt(at)
                .hint("give each book of `books:` its own `output_name`"),
            );
        }
        if b.selects_nothing() {
            return Some(
                Diagnostic::error("config-book", format!("the book `{name}` selects no notes"))
                    .at_opt(at)
                    .hint("give it `folders:`, `tags:`, `where:` (e.g. `{publish: true}`) or `notes:`"),
            );
        }
    }
    None
}

/// The `crossref:` section.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrossrefConfig {
    /// Number per chapter, "Figure 2.3" [default: through the book, "Figure 7"].
    #[serde(default)]
    pub chapters: bool,
    /// In the PDF, a reference adds the page it leads to: "Figure 3 on page 41".
    #[serde(default)]
    pub page_numbers: bool,
}

/// `cover:`: an image, a generated cover's design, or none.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum CoverConfig {
    Image(String),
    /// `false`: no cover (`true` is the default, a generated one).
    Enabled(bool),
    Generated(GeneratedCover),
}

/// A generated cover's look.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratedCover {
    /// `classic` (a dark field) [default], `band` or `minimal`.
    pub design: Option<String>,
    /// The field's or band's colour, `#rrggbb` [default: a deep blue].
    #[serde(alias = "color")]
    pub colour: Option<String>,
}

impl CoverConfig {
    /// The image named, if one is.
    pub fn image(&self) -> Option<&str> {
        match self {
            CoverConfig::Image(p) => Some(p),
            _ => None,
        }
    }
}

/// The `a11y:` section: statements only a publisher can make (nothing is claimed by
/// default beyond what the book shows).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct A11yConfig {
    /// `dcterms:conformsTo`, e.g. "EPUB Accessibility 1.1 - WCAG 2.1 Level AA".
    pub conforms_to: Option<String>,
    /// Who checked the book (`a11y:certifiedBy`).
    pub certified_by: Option<String>,
    /// Their credential (`a11y:certifierCredential`).
    pub certifier_credential: Option<String>,
    /// Replaces the generated accessibility summary.
    pub summary: Option<String>,
}

/// `pdf.fonts`: a family for each role.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FontsConfig {
    pub body: Option<String>,
    pub heading: Option<String>,
    pub mono: Option<String>,
}

/// The `pdf:` section.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PdfConfig {
    /// A4, Letter, A5 or 6x9 [default: A4].
    pub page_size: Option<String>,
    /// Margins in millimetres.
    pub margins: Option<Margins>,
    /// Body text size in points [default: 11].
    pub font_size: Option<f32>,
    /// Baseline distance as a multiple of the font size [default: 1.38].
    pub line_height: Option<f32>,
    /// Font files tried, in order, for characters the bundled fonts lack (relative to
    /// this file).
    #[serde(default)]
    pub fallback_fonts: Vec<PathBuf>,
    /// Folders of fonts searched for characters the bundled fonts lack, besides the
    /// machine's (relative to this file).
    #[serde(default)]
    pub font_dirs: Vec<PathBuf>,
    /// The families the book is set in, by name (found like the fallback fonts) or as a
    /// font file relative to this file [default: Charis SIL, its bold for headings,
    /// JetBrains Mono].
    #[serde(default)]
    pub fonts: FontsConfig,
    /// Justify body text [default: true].
    pub justify: Option<bool>,
    /// Micro-typography for justified text: font expansion of up to ±2 % a line and
    /// punctuation protruding into the margins [default: true].
    pub microtype: Option<bool>,
    /// Hyphenate by the book's language [default: true].
    pub hyphenate: Option<bool>,
    /// A table of contents after the title page [default: true].
    pub toc: Option<bool>,
    /// Heading depth of the table of contents [default: 2].
    pub toc_depth: Option<u8>,
    /// Inner and outer margins alternate, for printing on both sides [default: false].
    #[serde(default)]
    pub two_sided: bool,
    /// The generated cover as the PDF's first page, when `cover:` names no image
    /// [default: false; a cover image given is always the first page].
    #[serde(default)]
    pub cover: bool,
}

/// Page margins in millimetres; `inner` is the binding side.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Margins {
    pub top: Option<f32>,
    pub bottom: Option<f32>,
    pub inner: Option<f32>,
    pub outer: Option<f32>,
}

/// The `epub:` section.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpubConfig {
    /// A stylesheet added after the default one (path relative to the config file).
    pub css: Option<PathBuf>,
    /// Heading depth of the table of contents [default: 2].
    pub toc_depth: Option<u8>,
    /// Longest side of images, in pixels [default: 1600].
    pub max_image_px: Option<u32>,
    /// Largest XHTML file before a chapter is split, in bytes [default: 250000].
    pub split_size: Option<usize>,
    /// Embed the bundled fonts [default: false, the reader's fonts win].
    #[serde(default)]
    pub embed_fonts: bool,
    /// How formulas are written: `mathml` [default] or `svg` (images, for Kindle).
    pub math: Option<String>,
}

pub const KEYS: &[&str] = &[
    "title",
    "subtitle",
    "authors",
    "language",
    "identifier",
    "date",
    "description",
    "publisher",
    "rights",
    "cover",
    "input",
    "chapters",
    "static_dirs",
    "drafts",
    "fix_mojibake",
    "params",
    "output_name",
    "epub",
    "pdf",
    "a11y",
    "bibliography",
    "csl",
    "citation_style",
    "bibliography_title",
    "crossref",
    "books",
];

/// A loaded config and where it came from.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub path: PathBuf,
    pub file: FileId,
    pub text: String,
}

impl Loaded {
    /// The folder the config's relative paths are relative to.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new(""))
    }

    /// Span of the first occurrence of `needle` after `after` (a key), for diagnostics.
    pub fn find(&self, needle: &str, after: &str) -> Option<Span> {
        let from = self.text.find(after).unwrap_or(0);
        let at = from + self.text[from..].find(needle)?;
        Some(Span::new(self.file, at, at + needle.len()))
    }
}

pub fn parse(text: &str, file: FileId) -> Result<Config, Diagnostic> {
    if text.trim().is_empty() {
        return Ok(Config::default());
    }
    serde_yaml::from_str::<Config>(text).map_err(|e| {
        let offset = e.location().map_or(0, |l| l.index());
        let full = e.to_string();
        let msg = full.split(" at line ").next().unwrap_or(&full).to_owned();
        let span = Span::new(file, offset.min(text.len()), offset.min(text.len()));
        // In a section the message starts with its path: `epub: unknown field ...`.
        let (section, rest) = match msg.find("unknown field `") {
            Some(i) => (msg[..i].trim_end_matches([':', ' ']).to_owned(), &msg[i..]),
            None => (String::new(), msg.as_str()),
        };
        if let Some(name) = rest
            .strip_prefix("unknown field `")
            .and_then(|r| r.split('`').next())
        {
            // The keys allowed where the unknown one stands (top level or a section).
            let expected: Vec<&str> = msg
                .split("expected one of ")
                .nth(1)
                .map(|l| l.split(", ").map(|k| k.trim_matches('`')).collect())
                .unwrap_or_else(|| KEYS.to_vec());
            let hint = match suggest(name, &expected) {
                Some(s) => format!(
                    "did you mean `{s}`? The keys here are: {}",
                    expected.join(", ")
                ),
                None => format!("the keys here are: {}", expected.join(", ")),
            };
            return Diagnostic::error(
                "config-unknown-key",
                if section.is_empty() {
                    format!("unknown key `{name}` in the config")
                } else {
                    format!("unknown key `{name}` in `{section}:`")
                },
            )
            .at(span)
            .hint(hint);
        }
        Diagnostic::error("config-invalid", format!("invalid config: {msg}"))
            .at(span)
            .hint("see the configuration reference in README.md")
    })
}

fn suggest<'k>(name: &str, keys: &[&'k str]) -> Option<&'k str> {
    keys.iter()
        .map(|k| (strsim::damerau_levenshtein(name, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min()
        .map(|(_, k)| k)
}

pub fn yaml_to_value(v: &serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(*b),
        Y::Number(n) => n
            .as_i64()
            .map_or(Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int),
        Y::String(s) => Value::String(s.clone()),
        Y::Sequence(s) => Value::List(s.iter().map(yaml_to_value).collect()),
        Y::Mapping(m) => Value::Map(
            m.iter()
                .filter_map(|(k, v)| k.as_str().map(|k| (k.to_owned(), yaml_to_value(v))))
                .collect(),
        ),
        Y::Tagged(t) => yaml_to_value(&t.value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_suggests() {
        let Err(d) = parse("title: A\ntitel: B\n", FileId(0)) else {
            panic!("accepted")
        };
        assert_eq!(d.code, "config-unknown-key");
        assert!(
            d.hint
                .as_deref()
                .is_some_and(|h| h.starts_with("did you mean `title`?"))
        );
        assert_eq!(d.span.map(|s| s.start), Some(9));
    }

    #[test]
    fn wrong_type_points_at_line() {
        let Err(d) = parse("title: A\ndrafts: [1]\n", FileId(0)) else {
            panic!("accepted")
        };
        assert_eq!(d.code, "config-invalid");
        assert!(d.span.is_some_and(|s| s.start >= 9));
    }

    #[test]
    fn unknown_key_in_a_section_suggests_from_that_section() {
        let Err(d) = parse("epub:\n  tocdepth: 3\n", FileId(0)) else {
            panic!("accepted")
        };
        assert!(
            d.hint
                .as_deref()
                .is_some_and(|h| h.starts_with("did you mean `toc_depth`?")),
            "{d:?}"
        );
    }

    #[test]
    fn authors_one_or_many() {
        let Ok(c) = parse("authors: Ann\n", FileId(0)) else {
            panic!()
        };
        assert_eq!(
            c.authors.map(OneOrMany::into_vec),
            Some(vec!["Ann".to_owned()])
        );
    }
}
