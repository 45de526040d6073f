//! Notes to model: the first half of the notes2book pipeline.
//!
//! [`parse_book`] discovers the notes under the input folder, reads and decodes them (BOM,
//! line ends, Windows-1252, mojibake repair), splices in mdBook includes, then parses every
//! note in parallel (front matter, Hugo shortcodes, Obsidian syntax, Markdown), orders the
//! chapters, gives every heading a book-unique id, resolves embeds and links between notes,
//! and builds the table of contents. It returns the [`Book`], the [`Sources`] its spans point
//! into, and all diagnostics, in a stable order. It never prints and never panics on input.

pub mod cite;
mod crossref;
pub use crossref::CrossrefOptions;
mod dates;
mod decode;
mod discover;
mod frontmatter;
mod headless;
mod include;
mod link;
mod listfix;
mod markdown;
mod note;
mod obsidian;
mod order;
mod outline;
pub use outline::RENUMBERED as HEADING_RENUMBERED;
mod scheme;
mod segmap;
mod select;
pub use select::Selection;
mod shortcode;
pub mod site;
mod summary;
mod texmath;
mod walk;
mod words;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use notes2book_model::vfs::{EntryKind, Vfs};
use notes2book_model::{Book, Diagnostic, Metadata, Sources, Value};
use rayon::prelude::*;

pub use dates::date_key;
pub use discover::MAX_DIR_DEPTH;
pub use include::{MAX_DEPTH as MAX_INCLUDE_DEPTH, MAX_INCLUDE_BYTES};
pub use link::{MAX_EMBED_DEPTH, UrlRules};
pub use markdown::MAX_NESTING;
pub use order::ChapterEntry;

/// The parser's inner stages, for the fuzz targets in `fuzz/` and their replay test in
/// `tests/`. Not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::frontmatter::{Split, parse_values, split, typed};
    pub use crate::shortcode::{Kind, Shortcode, code_ranges, restore, scan};
}

/// Largest note read; a larger file is an error diagnostic.
pub const MAX_NOTE_BYTES: u64 = 64 * 1024 * 1024;

/// Book metadata given by the configuration; anything unset falls back to the notes.
#[derive(Debug, Clone, Default)]
pub struct MetadataConfig {
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub authors: Vec<String>,
    pub language: Option<String>,
    pub date: Option<String>,
    pub identifier: Option<String>,
    pub description: Option<String>,
    pub publisher: Option<String>,
    pub rights: Option<String>,
    /// Cover image path, relative to the book's root, and where the config names it.
    pub cover: Option<(String, Option<notes2book_model::Span>)>,
}

#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// The notes folder.
    pub input: PathBuf,
    /// The book's root, in the same form as `input` (both absolute, or both relative):
    /// includes may reach anything inside it [default: `input`].
    pub root: Option<PathBuf>,
    /// Include notes marked `draft: true`.
    pub drafts: bool,
    /// Repair mojibake (on by default).
    pub fix_mojibake: bool,
    /// Explicit chapter order (`chapters:` in the config).
    pub chapters: Option<Vec<ChapterEntry>>,
    pub metadata: MetadataConfig,
    /// Values for the `param` shortcode when a note's front matter lacks them.
    pub site_params: BTreeMap<String, Value>,
    /// Folders under the input that are not notes (the output folder).
    pub exclude: Vec<PathBuf>,
    /// How the author's site makes page addresses (Hugo), for links written against them.
    pub urls: UrlRules,
    /// Read Obsidian's `[[wikilinks]]` and `![[embeds]]` (not in a Hugo site or an mdBook
    /// that holds no vault: their tools show them as written).
    pub wikilinks: bool,
    /// Bibliographies and the citation style.
    pub citations: cite::CiteOptions,
    /// Numbered cross-references: per chapter, with page numbers.
    pub crossref: CrossrefOptions,
    /// The notes that make this book, when a vault holds several (`books:`) [default: all].
    pub selection: Option<Selection>,
}

impl ParseOptions {
    pub fn new(input: impl Into<PathBuf>) -> Self {
        ParseOptions {
            input: input.into(),
            root: None,
            drafts: false,
            fix_mojibake: true,
            chapters: None,
            metadata: MetadataConfig::default(),
            site_params: BTreeMap::new(),
            exclude: Vec::new(),
            urls: UrlRules::default(),
            wikilinks: true,
            citations: cite::CiteOptions::default(),
            crossref: CrossrefOptions::default(),
            selection: None,
        }
    }
}

/// The result of parsing: the book, the sources its spans index, and every diagnostic.
#[derive(Debug)]
pub struct Parsed {
    pub book: Book,
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == notes2book_model::Severity::Error)
    }
}

/// Parse the notes under `opts.input` into a book. `sources` may already hold files (the
/// config) whose spans the options refer to.
pub fn parse_book(vfs: &dyn Vfs, opts: &ParseOptions, sources: Sources) -> Parsed {
    assemble(vfs, opts, read_notes(vfs, opts, sources, None))
}

/// The notes read and parsed, not yet ordered and linked into a book: what the books of one
/// vault share, and what a rebuild reuses for the notes that did not change.
#[derive(Debug, Clone, Default)]
pub struct Notes {
    tree: discover::Dir,
    notes: Vec<note::ParsedNote>,
    /// For each note, a hash of the text it was parsed from (with includes spliced in).
    parsed_from: Vec<u64>,
    /// The sources, the config first; the notes' spans point into them.
    pub sources: Sources,
    /// What reading and parsing each note found.
    pub diagnostics: Vec<Diagnostic>,
    /// How many notes were parsed this time rather than reused.
    pub reparsed: usize,
    input_missing: bool,
}

impl Notes {
    /// The paths of the notes read, relative to the notes folder.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.notes.iter().map(|n| n.rel.as_path())
    }
}

fn text_hash(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// Read, decode and parse every note under `opts.input`, in parallel. A note whose text
/// and place are those it had in `previous` is not parsed again.
pub fn read_notes(
    vfs: &dyn Vfs,
    opts: &ParseOptions,
    mut sources: Sources,
    previous: Option<&Notes>,
) -> Notes {
    let mut diags: Vec<Diagnostic> = Vec::new();
    let input = opts.input.as_path();
    if vfs.kind(input) != Some(EntryKind::Dir) {
        diags.push(
            Diagnostic::error(
                "input-missing",
                format!("the notes folder {} does not exist", input.display()),
            )
            .hint("pass the folder of your notes, e.g. `notes2book content/`"),
        );
        return Notes {
            tree: discover::Dir::default(),
            notes: Vec::new(),
            parsed_from: Vec::new(),
            sources,
            diagnostics: diags,
            reparsed: 0,
            input_missing: true,
        };
    }
    let tree = discover::walk(vfs, input, &opts.exclude, &mut diags);
    let files = tree.all_files();

    // Read and decode in parallel; register sources in path order (stable file ids).
    let decoded: Vec<_> = files
        .par_iter()
        .map(|f| {
            let bytes = vfs.read(&input.join(&f.rel), MAX_NOTE_BYTES);
            let d = bytes.map(|b| decode::decode(&b, opts.fix_mojibake));
            (f, d)
        })
        .collect();
    let mut loaded = Vec::with_capacity(decoded.len());
    for (f, result) in decoded {
        match result {
            Err(e) => {
                let file = sources.add(input.join(&f.rel), String::new());
                let what = if e.kind() == std::io::ErrorKind::PermissionDenied
                    && e.to_string().contains("outside")
                {
                    "it leads outside the book's folders".to_owned()
                } else {
                    e.to_string()
                };
                diags.push(
                    Diagnostic::error("note-unreadable", format!("cannot read this note: {what}"))
                        .at(notes2book_model::Span::new(file, 0, 0))
                        .hint("check that the file exists and is readable"),
                );
            }
            Ok(Err(problem)) => {
                let file = sources.add(input.join(&f.rel), String::new());
                if let Some(src) = sources.get(file) {
                    diags.push(problem.into_diagnostic(file, src));
                }
            }
            Ok(Ok(d)) => {
                let file = sources.add(input.join(&f.rel), d.text);
                if let Some(src) = sources.get(file) {
                    diags.extend(d.problems.into_iter().map(|p| p.into_diagnostic(file, src)));
                }
                loaded.push((f.clone(), file));
            }
        }
    }

    // Includes read files: sequential, in path order.
    let root = opts.root.clone().unwrap_or_else(|| input.to_path_buf());
    let mut notes_in: Vec<note::Loaded> = Vec::with_capacity(loaded.len());
    for (f, file) in loaded {
        let len = sources.get(file).map_or(0, |s| s.text.len());
        let map = segmap::SegMap::identity(file, len);
        let mut expanded = None;
        if sources.get(file).is_some_and(|s| s.text.contains("{{#")) {
            let text = sources
                .get(file)
                .map(|s| s.text.clone())
                .unwrap_or_default();
            let dir = input.join(f.rel.parent().unwrap_or(Path::new("")));
            let mut ctx = include::Ctx {
                vfs,
                root: &root,
                sources: &mut sources,
                diags: &mut diags,
                included: 0,
            };
            let mut stack = vec![input.join(&f.rel)];
            expanded = include::expand(&text, &map, &dir, &mut stack, &mut ctx);
        }
        notes_in.push(note::Loaded {
            file,
            rel: f.rel.clone(),
            expanded,
            map,
            bundle: f.bundle,
        });
    }

    // Parse every note in parallel (unless the same text was parsed at the same place
    // before), collected in path order.
    let sources_ref = &sources;
    let before: std::collections::HashMap<(&Path, u32), (u64, &note::ParsedNote)> = previous
        .map(|p| {
            p.notes
                .iter()
                .zip(&p.parsed_from)
                .map(|(n, h)| ((n.rel.as_path(), n.span.file), (*h, n)))
                .collect()
        })
        .unwrap_or_default();
    let parsed: Vec<(note::ParsedNote, u64, bool)> = notes_in
        .par_iter()
        .map(|n| {
            let text = match &n.expanded {
                Some((t, _)) => t.as_str(),
                None => sources_ref.get(n.file).map_or("", |s| s.text.as_str()),
            };
            let hash = text_hash(text);
            // A note with includes points into the included files too, whose ids may have
            // moved: it is always parsed again.
            match before.get(&(n.rel.as_path(), n.file.0)) {
                Some((h, old)) if *h == hash && n.expanded.is_none() => {
                    ((*old).clone(), hash, false)
                }
                _ => (note::parse(n, text, opts), hash, true),
            }
        })
        .collect();
    let reparsed = parsed.iter().filter(|p| p.2).count();
    let (notes, parsed_from): (Vec<note::ParsedNote>, Vec<u64>) =
        parsed.into_iter().map(|(n, h, _)| (n, h)).unzip();
    for n in &notes {
        diags.extend(n.diags.iter().cloned());
    }
    Notes {
        tree,
        notes,
        parsed_from,
        sources,
        diagnostics: diags,
        reparsed,
        input_missing: false,
    }
}

/// The notes ordered, linked and cited into a book: those `opts.selection` takes, or all.
pub fn assemble(vfs: &dyn Vfs, opts: &ParseOptions, read: Notes) -> Parsed {
    let Notes {
        tree,
        mut notes,
        mut sources,
        diagnostics: mut diags,
        input_missing,
        ..
    } = read;
    if input_missing {
        return Parsed {
            book: Book::default(),
            sources,
            diagnostics: diags,
        };
    }
    let input = opts.input.as_path();
    let root = opts.root.clone().unwrap_or_else(|| input.to_path_buf());
    group_repeats(&mut diags, "shortcode-unknown");

    // Reading order.
    let headless = headless::headless(&notes);
    let outside = match &opts.selection {
        Some(sel) => select::outside(&notes, &tree, sel),
        None => vec![false; notes.len()],
    };
    let hidden: Vec<bool> = headless
        .iter()
        .zip(&outside)
        .map(|(h, o)| *h || *o)
        .collect();
    let mut orderer = order::Orderer::new(&notes, opts.drafts, hidden.clone());
    orderer.outside = outside.clone();
    let summary_path = input.join("SUMMARY.md");
    let slots = if let Some(entries) = &opts.chapters {
        orderer.by_config(entries)
    } else if vfs.kind(&summary_path) == Some(EntryKind::File) {
        match vfs
            .read(&summary_path, MAX_NOTE_BYTES)
            .map(|b| decode::decode(&b, false))
        {
            Ok(Ok(d)) => {
                let file = sources.add(summary_path.clone(), d.text.clone());
                let entries = summary::parse(&d.text, file, &mut orderer.diags);
                orderer.by_summary(&entries)
            }
            _ => {
                orderer.diags.push(
                    Diagnostic::error("summary-unreadable", "SUMMARY.md cannot be read")
                        .hint("check that it is a readable UTF-8 text file"),
                );
                orderer.by_tree(&tree)
            }
        }
    } else {
        orderer.by_tree(&tree)
    };
    let left_out = std::mem::take(&mut orderer.left_out);
    diags.append(&mut orderer.diags);
    let home = tree
        .index
        .as_ref()
        .and_then(|p| notes.iter().position(|n| &n.rel == p));
    let home_front = home.map(|i| notes[i].front.clone());
    let single_front = (slots.iter().filter(|s| s.note.is_some()).count() == 1)
        .then(|| {
            slots
                .iter()
                .find_map(|s| s.note)
                .map(|i| (notes[i].front.clone(), notes[i].title.clone()))
        })
        .flatten();

    // Pages Hugo does not render, and notes outside this book, come after the book's
    // chapters while linking, so that they can be included and embedded; then they go.
    let visible = slots.len();
    let mut slots = slots;
    let hidden_slots: Vec<usize> = (0..notes.len()).filter(|&i| hidden[i]).collect();
    let outside_book: Vec<bool> = hidden_slots.iter().map(|&i| outside[i]).collect();
    slots.extend(hidden_slots.iter().map(|&i| order::Slot {
        note: Some(i),
        kind: notes2book_model::ChapterKind::Note,
        depth: 0,
        label: None,
        span: None,
    }));
    let (mut chapters, images, title_ids) = link::assemble(&slots, &mut notes, &mut diags);
    let mut ix = link::Index::new(&chapters, &opts.urls);
    link::resolve_embeds(&mut chapters, &ix, &mut diags);
    link::assign_ids(&mut chapters, &mut ix, &title_ids, &mut diags);
    link::resolve_links(&mut chapters, &ix, &mut diags);
    link::drop_hidden(
        &mut chapters,
        visible,
        &outside_book,
        opts.selection.as_ref().map(|s| s.name.as_str()),
        &mut diags,
    );
    scheme::drop_unopenable(&mut chapters, &mut diags);
    let metadata = metadata(opts, &chapters, home_front.as_ref(), single_front.as_ref());
    crossref::resolve(
        &mut chapters,
        &title_ids,
        &opts.crossref,
        &metadata.language,
        &sources,
        &mut diags,
    );
    cite::cite(
        &mut chapters,
        &opts.citations,
        &mut cite::Ctx {
            vfs,
            root: &root,
            input,
            language: &metadata.language,
            sources: &mut sources,
            diags: &mut diags,
        },
    );
    outline::tidy(&mut chapters, &mut diags);
    let toc = link::toc(&chapters);

    if chapters.is_empty()
        && !diags
            .iter()
            .any(|d| d.severity == notes2book_model::Severity::Error)
    {
        diags.push(
            Diagnostic::error(
                "book-empty",
                format!("{} holds no notes to build a book from", input.display()),
            )
            .hint("add .md files, or build with --drafts if every note is a draft"),
        );
    }
    let mut images = images;
    let mut metadata = metadata;
    if let Some((src, span)) = &opts.metadata.cover {
        images.push(notes2book_model::ImageUse {
            src: src.clone(),
            syntax: notes2book_model::ImageSyntax::Cover,
            note_dir: PathBuf::new(),
            in_bundle: false,
            span: *span,
            asset: None,
            status: notes2book_model::ImageStatus::Unresolved,
        });
        metadata.cover = Some(notes2book_model::ImageId(images.len() as u32 - 1));
    }
    let book = Book {
        metadata,
        chapters,
        toc,
        images,
        assets: Vec::new(),
        left_out,
    };
    Parsed {
        book,
        sources,
        diagnostics: diags,
    }
}

fn metadata(
    opts: &ParseOptions,
    chapters: &[notes2book_model::Chapter],
    home: Option<&notes2book_model::FrontMatter>,
    single: Option<&(notes2book_model::FrontMatter, Option<String>)>,
) -> Metadata {
    let cfg = &opts.metadata;
    let fallback = single.map(|(f, _)| f).or(home);
    // An empty value anywhere (`description: ""` in the config, the site's or a note's)
    // counts as absent: the next source is asked, and nothing empty is ever written.
    let given = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let title = given(&cfg.title)
        .or_else(|| single.and_then(|(_, t)| given(t)))
        .or_else(|| home.and_then(|h| given(&h.title)))
        .or_else(|| {
            opts.input
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "Notes".into());
    let mut subjects: Vec<String> = chapters
        .iter()
        .flat_map(|c| c.front.tags.iter().chain(&c.front.categories))
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    subjects.sort();
    subjects.dedup();
    let newest = chapters
        .iter()
        .flat_map(|c| [&c.front.date, &c.front.lastmod])
        .flatten()
        .filter_map(|d| date_key(d).map(|k| (k, d.clone())))
        .max_by_key(|(k, _)| *k)
        .map(|(_, d)| d);
    let names = |list: &[String]| -> Vec<String> {
        list.iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect()
    };
    let mut authors = names(&cfg.authors);
    if authors.is_empty() {
        authors = fallback.map(|f| names(&f.authors)).unwrap_or_default();
    }
    let language = given(&cfg.language).or_else(|| fallback.and_then(|f| given(&f.lang)));
    Metadata {
        title,
        subtitle: given(&cfg.subtitle),
        authors,
        language_given: language.is_some(),
        language: language.unwrap_or_else(|| "en".into()),
        date: given(&cfg.date).or_else(|| single.and_then(|(f, _)| given(&f.date))),
        identifier: given(&cfg.identifier),
        description: given(&cfg.description)
            .or_else(|| fallback.and_then(|f| given(&f.description))),
        publisher: given(&cfg.publisher),
        rights: given(&cfg.rights),
        subjects,
        newest_note_date: newest,
        cover: None,
    }
}

/// One warning per cause: diagnostics of `code` about the same name (the first `` `…` ``
/// of the message: an unknown shortcode that a site uses on hundreds of pages) become the
/// first one, with the count.
fn group_repeats(diags: &mut Vec<Diagnostic>, code: &str) {
    let key = |m: &str| m.split('`').nth(1).unwrap_or(m).to_owned();
    let mut first: BTreeMap<String, usize> = BTreeMap::new();
    let mut counts: Vec<usize> = vec![0; diags.len()];
    let mut keep = vec![true; diags.len()];
    for (i, d) in diags.iter().enumerate() {
        if d.code != code {
            continue;
        }
        match first.get(&key(&d.message)) {
            Some(&f) => {
                counts[f] += 1;
                keep[i] = false;
            }
            None => {
                first.insert(key(&d.message), i);
                counts[i] = 1;
            }
        }
    }
    for (d, &n) in diags.iter_mut().zip(&counts) {
        if n > 1 {
            d.message = format!("{} ({n} uses in the book; the first is here)", d.message);
        }
    }
    let mut i = 0;
    diags.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}
