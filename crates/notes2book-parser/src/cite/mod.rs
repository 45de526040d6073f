//! Citations and the bibliography. With a bibliography (`bibliography:` in the config or
//! in a note's front matter), pandoc's citations in the notes' text are set by a CSL style
//! (Chicago author-date unless `citation_style:` or `csl:` says otherwise), each linking to
//! its entry, and the works cited are listed in a References chapter at the end of the
//! book, or under a heading with the id `refs`.

mod csljson;
mod style;
pub(crate) mod syntax;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use hayagriva::Library;
use notes2book_model::vfs::Vfs;
use notes2book_model::{
    Block, Chapter, ChapterId, ChapterKind, Diagnostic, Footnote, FrontMatter, Inline, LinkTarget,
    Sources, Span, Value,
};

pub use style::DEFAULT_STYLE;
use syntax::Found;

/// How citations are set: from the config, paths relative to the book's root, each with
/// where the config names it.
#[derive(Debug, Clone, Default)]
pub struct CiteOptions {
    pub bibliography: Vec<(String, Option<Span>)>,
    /// A CSL style file.
    pub csl: Option<(String, Option<Span>)>,
    /// A bundled style's name (`apa`, `ieee`, `nature`, `mla`, `chicago-author-date`…).
    pub style: Option<(String, Option<Span>)>,
    /// The bibliography chapter's title [default: "References" in the book's language].
    pub title: Option<String>,
}

/// Where the pass reads from and reports to.
pub(crate) struct Ctx<'a> {
    pub vfs: &'a dyn Vfs,
    pub root: &'a Path,
    pub input: &'a Path,
    pub language: &'a str,
    pub sources: &'a mut Sources,
    pub diags: &'a mut Vec<Diagnostic>,
}

/// Set the book's citations and add its bibliography (nothing without a bibliography).
pub(crate) fn cite(chapters: &mut Vec<Chapter>, opts: &CiteOptions, cx: &mut Ctx<'_>) {
    let files = bibliography_files(chapters, opts, cx);
    if files.is_empty() {
        return;
    }
    let (library, written, scopes) = load(&files, cx);
    let Some(style) = choose_style(opts, cx) else {
        return;
    };
    // A work is known to every note when the config names its file, else to the notes
    // whose front matter does.
    let known_in = |c: usize, k: &str| {
        library.get(k).is_some()
            && scopes
                .get(k)
                .is_none_or(|s| s.as_ref().is_none_or(|s| s.contains(&c)))
    };
    // First pass: what is cited, where, in reading order.
    let mut found: Vec<Cited> = Vec::new();
    for (c, ch) in chapters.iter_mut().enumerate() {
        scan_chapter(ch, &|k| known_in(c, k), &mut |f, span, in_note| {
            found.push(Cited {
                found: f.clone(),
                span,
                chapter: c,
                in_note,
            });
            None
        });
    }
    report_unknown(&found, &library, &known_in, cx);
    // Where the entries go, so that citations can link to them.
    let (refs_chapter, refs_at) = match refs_place(chapters) {
        Some((c, i, replace)) => (c, Some((i, replace))),
        None => (chapters.len(), None),
    };
    let target = |key: &str| LinkTarget::Internal {
        chapter: ChapterId(refs_chapter as u32),
        anchor: Some(entry_id(key)),
    };
    let note_style = style::is_note_style(&style);
    let ((asked, requests), (named, authors)) = requests(&found, note_style, &known_in);
    let locales = style::locales();
    let language = (cx.language, locales.as_slice());
    let set = style::set(&library, &style, language, &requests, &target);
    // Second pass: each citation replaced by what the style made of it, in the same order;
    // with a note style, a citation in the text becomes a footnote.
    let mut made = Made {
        main: asked.into_iter().zip(set.citations).collect(),
        // The authors named in sentences are set apart: to the style they would be the
        // first citations of their works, and the notes would get the short form.
        author: match authors.is_empty() {
            true => HashMap::new(),
            false => {
                let names = style::set(&library, &style, language, &authors, &target);
                named.into_iter().zip(names.citations).collect()
            }
        },
    };
    let mut k = 0;
    for (c, ch) in chapters.iter_mut().enumerate() {
        let first_new = ch.footnotes.len();
        let mut notes: Vec<Footnote> = Vec::new();
        scan_chapter(ch, &|key| known_in(c, key), &mut |_, _, _| {
            let out = made.output(k, &found[k], note_style, &known_in, first_new, &mut notes);
            k += 1;
            Some(out)
        });
        if !notes.is_empty() {
            ch.footnotes.extend(notes);
            renumber_notes(ch);
        }
    }
    let entries = set
        .entries
        .into_iter()
        .map(|(key, content)| {
            let span = written.get(&key).copied();
            (key, content, span)
        })
        .collect();
    place_entries(chapters, entries, (refs_chapter, refs_at), opts, cx);
}

/// A citation found: where, and whether it is in a footnote already.
struct Cited {
    found: Found,
    span: Option<Span>,
    chapter: usize,
    in_note: bool,
}

/// Requests to the style, each with the citation it is for (its index in `found`).
type Requests<'a> = (Vec<usize>, Vec<style::Request<'a>>);

/// The requests for the style: the citations, and the authors that a note style names in
/// the sentence (`@key`) before the note. Only citations with a known work are sent.
fn requests<'a>(
    found: &'a [Cited],
    note_style: bool,
    known_in: &dyn Fn(usize, &str) -> bool,
) -> (Requests<'a>, Requests<'a>) {
    let (mut asked, mut requests) = (Vec::new(), Vec::new());
    let (mut named, mut authors) = (Vec::new(), Vec::new());
    let mut notes = 0;
    for (k, cited) in found.iter().enumerate() {
        let items: Vec<&syntax::Item> = cited
            .found
            .items
            .iter()
            .filter(|i| known_in(cited.chapter, &i.key))
            .collect();
        if items.is_empty() {
            continue;
        }
        let own_note = note_style && !cited.in_note;
        notes += usize::from(own_note);
        if own_note && cited.found.in_text {
            named.push(k);
            authors.push(style::Request {
                items: items.clone(),
                form: style::Form::Author,
                note: None,
            });
        }
        let form = if cited.found.in_text && !note_style {
            style::Form::InText
        } else {
            style::Form::Cited
        };
        asked.push(k);
        requests.push(style::Request {
            items,
            form,
            note: note_style.then_some(notes.max(1)),
        });
    }
    ((asked, requests), (named, authors))
}

/// What the style made for each citation (by its index in `found`).
struct Made {
    main: HashMap<usize, Vec<Inline>>,
    author: HashMap<usize, Vec<Inline>>,
}

impl Made {
    /// The inlines that replace a citation; with a note style, a citation in the text is
    /// a footnote reference (after the author, for `@key`) and its note is added to
    /// `notes`, numbered after the chapter's `first_new` notes.
    fn output(
        &mut self,
        k: usize,
        cited: &Cited,
        note_style: bool,
        known_in: &dyn Fn(usize, &str) -> bool,
        first_new: usize,
        notes: &mut Vec<Footnote>,
    ) -> Vec<Inline> {
        let mut main = self.main.remove(&k).unwrap_or_default();
        let f = &cited.found;
        // `[-@key]` keeps its brackets as parentheses: "Doe agreed (2020)".
        if !note_style && !f.in_text && !main.is_empty() && f.items.iter().all(|i| i.year_only) {
            main.insert(0, Inline::Text("(".into()));
            main.push(Inline::Text(")".into()));
        }
        let mut unknown = Vec::new();
        for item in f.items.iter().filter(|i| !known_in(cited.chapter, &i.key)) {
            unknown.push(Inline::Strong(vec![Inline::Text(item.key.clone())]));
        }
        if !note_style || cited.in_note || main.is_empty() {
            let mut out = main;
            for u in unknown {
                if !out.is_empty() {
                    out.push(Inline::Text("; ".into()));
                }
                out.push(u);
            }
            return out;
        }
        let mut out = self.author.remove(&k).unwrap_or_default();
        for u in unknown {
            out.push(Inline::Text(if out.is_empty() { "" } else { " " }.into()));
            out.push(u);
        }
        notes.push(Footnote {
            label: format!("cite-{}", first_new + notes.len() + 1),
            blocks: vec![Block::Paragraph {
                content: main,
                span: cited.span,
            }],
            span: cited.span,
        });
        out.push(Inline::FootnoteRef {
            number: (first_new + notes.len()) as u32,
            span: cited.span,
        });
        out
    }
}

/// Which notes may cite a file's works: all (`None`, the config names it) or those whose
/// front matter names it.
type Scope = Option<BTreeSet<usize>>;

/// A bibliography file, where it is named, and who may cite its works.
type File = (PathBuf, Option<Span>, Scope);

/// The bibliography files named by the config (relative to the root) and by the notes'
/// front matter (relative to the note), each once, in that order.
fn bibliography_files(chapters: &[Chapter], opts: &CiteOptions, cx: &Ctx<'_>) -> Vec<File> {
    let mut out: Vec<File> = opts
        .bibliography
        .iter()
        .map(|(p, span)| (cx.root.join(p), *span, None))
        .collect();
    for (c, ch) in chapters.iter().enumerate() {
        let Some(value) = ch.front.params.get("bibliography") else {
            continue;
        };
        let dir = cx.input.join(
            ch.path
                .as_deref()
                .and_then(Path::parent)
                .unwrap_or(Path::new("")),
        );
        let names: Vec<&str> = match value {
            Value::List(list) => list.iter().filter_map(Value::as_str).collect(),
            v => v.as_str().into_iter().collect(),
        };
        for name in names {
            let path = dir.join(name);
            match out.iter_mut().find(|f| f.0 == path) {
                Some((_, _, Some(notes))) => {
                    notes.insert(c);
                }
                Some(_) => {}
                None => out.push((path, ch.span, Some(BTreeSet::from([c])))),
            }
        }
    }
    out
}

/// Every entry of every file, the first of a key kept, where each key is written and
/// which notes may cite it; what cannot be read is reported.
fn load(
    files: &[File],
    cx: &mut Ctx<'_>,
) -> (Library, HashMap<String, Span>, HashMap<String, Scope>) {
    let mut library = Library::new();
    let mut written = HashMap::new();
    let mut scopes = HashMap::new();
    for (path, named_at, scope) in files {
        let text = match cx.vfs.read(path, crate::MAX_NOTE_BYTES) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                cx.diags.push(
                    Diagnostic::error(
                        "bibliography-unreadable",
                        format!("cannot read the bibliography {}: {e}", path.display()),
                    )
                    .at_opt(*named_at)
                    .hint("check the path: it is relative to notes2book.yaml, or to the note that names it"),
                );
                continue;
            }
        };
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let file = cx.sources.add(path.clone(), text.clone());
        // CSL-JSON is read as the Hayagriva YAML it amounts to.
        let (source, yaml) = if ext == "json" {
            match csljson::to_yaml(&text) {
                Ok(y) => (y, true),
                Err((message, line, column)) => {
                    let at = style::offset_of(&text, line, column);
                    cx.diags.push(
                        Diagnostic::error("bibliography-invalid", message)
                            .at(Span::new(file, at, at))
                            .hint("fix the item; the works of this file are left out until then"),
                    );
                    continue;
                }
            }
        } else {
            (text.clone(), matches!(ext.as_str(), "yml" | "yaml"))
        };
        match style::library(&source, yaml) {
            Ok(lib) => {
                for entry in lib.iter() {
                    if library.get(entry.key()).is_some() {
                        cx.diags.push(Diagnostic::warning(
                            "bibliography-duplicate",
                            format!("the key `{}` is in more than one bibliography: the first is used", entry.key()),
                        ).at(Span::new(file, 0, 0)));
                    } else {
                        if let Some(at) = key_in(&text, entry.key()) {
                            let span = Span::new(file, at.start, at.end);
                            written.insert(entry.key().to_string(), span);
                        }
                        scopes.insert(entry.key().to_string(), scope.clone());
                        library.push(entry);
                    }
                }
            }
            Err(errors) => {
                for (message, range) in errors {
                    cx.diags.push(
                        Diagnostic::error("bibliography-invalid", message)
                            .at(Span::new(file, range.start, range.end))
                            .hint("fix the entry; the works of this file are left out until then"),
                    );
                }
            }
        }
    }
    (library, written, scopes)
}

/// Where a key is defined in a bibliography's text: `@book{key,` or a YAML `key:` line.
fn key_in(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let mut from = 0;
    while let Some(off) = text[from..].find(key) {
        let at = from + off;
        let before = text[..at].trim_end_matches([' ', '\t']);
        let after = text[at + key.len()..].trim_start_matches([' ', '\t']);
        let bib = before.ends_with('{') && after.starts_with(',');
        let json = before.ends_with('"')
            && after.starts_with('"')
            && before[..before.len() - 1]
                .trim_end()
                .strip_suffix(':')
                .is_some_and(|b| b.trim_end().ends_with("\"id\""));
        let yaml = (before.is_empty() || before.ends_with('\n')) && after.starts_with(':');
        if bib || yaml || json {
            return Some(at..at + key.len());
        }
        from = at + key.len();
    }
    None
}

/// The style to set citations in: a `.csl` file, a bundled style by name, or the default.
fn choose_style(
    opts: &CiteOptions,
    cx: &mut Ctx<'_>,
) -> Option<hayagriva::citationberg::IndependentStyle> {
    if let Some((path, span)) = &opts.csl {
        let read = cx
            .vfs
            .read(&cx.root.join(path), crate::MAX_NOTE_BYTES)
            .map_err(|e| e.to_string())
            .and_then(|b| style::from_csl(&String::from_utf8_lossy(&b)));
        match read {
            Ok(s) => return Some(s),
            Err(e) => cx.diags.push(
                Diagnostic::error("csl-invalid", format!("cannot use the style {path}: {e}"))
                    .at_opt(*span)
                    .hint("give an independent CSL 1.0 style file, or name a bundled style with citation_style"),
            ),
        }
    }
    if let Some((name, span)) = &opts.style {
        if let Some(s) = style::bundled(name) {
            return Some(s);
        }
        let names = style::bundled_names();
        let near = names
            .iter()
            .min_by_key(|n| strsim::levenshtein(n, name))
            .copied()
            .unwrap_or(DEFAULT_STYLE);
        cx.diags.push(
            Diagnostic::warning(
                "citation-style-unknown",
                format!("no bundled citation style is called `{name}`: {DEFAULT_STYLE} is used"),
            )
            .at_opt(*span)
            .hint(format!("did you mean `{near}`? Bundled: apa, ieee, nature, mla, chicago-author-date and more")),
        );
    }
    style::bundled(DEFAULT_STYLE)
}

/// A warning for each cited key the bibliography lacks, at the citation, with the nearest
/// keys it has.
fn report_unknown(
    found: &[Cited],
    library: &Library,
    known_in: &dyn Fn(usize, &str) -> bool,
    cx: &mut Ctx<'_>,
) {
    let keys: Vec<&str> = library.keys().collect();
    for Cited {
        found: f,
        span,
        chapter: c,
        ..
    } in found
    {
        for item in f.items.iter().filter(|i| !known_in(*c, &i.key)) {
            let mut near: Vec<&str> = keys
                .iter()
                .copied()
                .filter(|k| known_in(*c, k))
                .filter(|k| strsim::normalized_levenshtein(k, &item.key) > 0.5)
                .collect();
            near.sort_by_key(|k| strsim::levenshtein(k, &item.key));
            near.truncate(3);
            let at = span.map(|s| key_span(cx.sources, s, &item.key));
            let mut d = Diagnostic::warning(
                "citation-unknown",
                format!("no work with the key `{}` is in the bibliography", item.key),
            )
            .at_opt(at);
            d = if library.get(&item.key).is_some() {
                d.hint("the work is in another note's bibliography only: name that file in this note's front matter too, or in notes2book.yaml")
            } else if near.is_empty() {
                d.hint("add it to the bibliography, or correct the key")
            } else {
                d.hint(format!(
                    "did you mean {}?",
                    near.iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            };
            cx.diags.push(d);
        }
    }
}

/// Where `@key` is written inside the block of `block`.
pub(crate) fn key_span(sources: &Sources, block: Span, key: &str) -> Span {
    let needle = format!("@{key}");
    let (start, end) = (block.start as usize, block.end as usize);
    sources
        .get(block.file_id())
        .and_then(|s| s.text.get(start..end))
        .and_then(|t| t.find(&needle))
        .map_or(block, |at| {
            Span::new(block.file_id(), start + at, start + at + needle.len())
        })
}

/// Where the entries go, as pandoc puts them: after a heading with the id `refs`, or in
/// place of an empty `::: {#refs}` div (which Markdown leaves as a paragraph). The
/// chapter, the block, and whether the block is the div's (replaced).
fn refs_place(chapters: &[Chapter]) -> Option<(usize, usize, bool)> {
    let marked = chapters.iter().enumerate().find_map(|(c, ch)| {
        ch.blocks.iter().enumerate().find_map(|(i, b)| match b {
            Block::Heading { id, .. } if id == "refs" => Some((c, i, false)),
            b if is_refs_div(b) => Some((c, i, true)),
            _ => None,
        })
    });
    // pandoc puts the entries at the end of the document: a last note that is only a
    // "References" title (as thesis templates have) is where they go.
    marked.or_else(|| {
        let (c, last) = chapters
            .iter()
            .enumerate()
            .rev()
            .find(|(_, ch)| ch.path.is_some())?;
        let title = last.title.trim().to_lowercase();
        let named =
            ["references", "bibliography", "works cited", "literature"].contains(&title.as_str());
        (named && last.blocks.is_empty() && c + 1 == chapters.len()).then_some((c, 0, false))
    })
}

/// `::: {#refs}` and its closing `:::` (with classes or attributes beside the id), which
/// Markdown reads as a paragraph, or as a term whose definition is `::`.
fn is_refs_div(block: &Block) -> bool {
    let text = match block {
        Block::Paragraph { content, .. } => notes2book_model::plain_text(content),
        Block::DefinitionList { items, .. } => match items.as_slice() {
            [item] => {
                let mut t = notes2book_model::plain_text(&item.term);
                t.push(':');
                for d in item.definitions.iter().flatten() {
                    notes2book_model::block_inlines(d, &mut |i| {
                        if let Inline::Text(x) = i {
                            t.push_str(x);
                        }
                    });
                }
                t
            }
            _ => return false,
        },
        _ => return false,
    };
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    text.strip_prefix(":::{#refs")
        .and_then(|t| t.strip_suffix(":::"))
        .is_some_and(|attrs| attrs.starts_with(['}', '.']) && attrs.ends_with('}'))
}

/// The XML id of a work's entry.
fn entry_id(key: &str) -> String {
    format!("ref-{}", notes2book_model::slugify(key))
}

/// The entries as paragraphs, each with its id: under the `refs` heading or in place of
/// the `refs` div, or in a chapter of their own at the end.
fn place_entries(
    chapters: &mut Vec<Chapter>,
    entries: Vec<(String, Vec<Inline>, Option<Span>)>,
    (chapter, at): (usize, Option<(usize, bool)>),
    opts: &CiteOptions,
    cx: &Ctx<'_>,
) {
    if entries.is_empty() {
        // Nothing was cited: the div is not left as text.
        if let (Some((i, true)), Some(ch)) = (at, chapters.get_mut(chapter)) {
            ch.blocks.remove(i);
        }
        return;
    }
    let entries = entries
        .into_iter()
        .map(|(key, content, span)| {
            let mut inlines = vec![Inline::Anchor {
                name: key.clone(),
                id: entry_id(&key),
            }];
            inlines.extend(content);
            notes2book_model::BibEntry {
                content: inlines,
                span,
            }
        })
        .collect();
    let blocks = vec![Block::Bibliography { entries }];
    if let (Some((i, replace)), Some(ch)) = (at, chapters.get_mut(chapter)) {
        let place = match (replace, ch.blocks.is_empty()) {
            (true, _) => i..i + 1,
            (false, true) => 0..0,
            (false, false) => i + 1..i + 1,
        };
        ch.blocks.splice(place, blocks);
        return;
    }
    let title = opts
        .title
        .clone()
        .unwrap_or_else(|| crate::words::words(cx.language).references.to_string());
    chapters.push(Chapter {
        id: ChapterId(chapter as u32),
        kind: ChapterKind::Note,
        depth: 0,
        path: None,
        anchor: unique_anchor(chapters, "ch-references"),
        title,
        toc_title: None,
        front: FrontMatter::default(),
        blocks,
        footnotes: Vec::new(),
        span: None,
    });
}

fn unique_anchor(chapters: &[Chapter], base: &str) -> String {
    let taken = |a: &str| chapters.iter().any(|c| c.anchor == a);
    (1..)
        .map(|n| {
            if n == 1 {
                base.to_string()
            } else {
                format!("{base}-{n}")
            }
        })
        .find(|a| !taken(a))
        .unwrap_or_else(|| base.to_string())
}

/// What [`scan_chapter`] calls for each citation: it, its block's span, whether it is in
/// a footnote; it may give inlines to put in its place.
type InChapter<'f> = dyn FnMut(&Found, Option<Span>, bool) -> Option<Vec<Inline>> + 'f;

/// Every citation of a chapter, its text's and then its footnotes', with whether it is in
/// a footnote; `f` may give inlines to put in its place.
fn scan_chapter(ch: &mut Chapter, known: &dyn Fn(&str) -> bool, f: &mut InChapter<'_>) {
    scan_blocks(&mut ch.blocks, known, &mut |found, span| {
        f(found, span, false)
    });
    for note in &mut ch.footnotes {
        scan_blocks(&mut note.blocks, known, &mut |found, span| {
            f(found, span, true)
        });
    }
}

/// Footnotes numbered again in the order they are first referred to (text first, then
/// notes), after citations made notes of their own.
fn renumber_notes(ch: &mut Chapter) {
    let count = ch.footnotes.len();
    let mut order: Vec<u32> = Vec::with_capacity(count);
    let mut seen = vec![false; count + 1];
    let mut visit = |i: &mut Inline| {
        if let Inline::FootnoteRef { number, .. } = i
            && let Some(s) = seen.get_mut(*number as usize)
            && !*s
        {
            *s = true;
            order.push(*number);
        }
    };
    crate::walk::inlines_mut(&mut ch.blocks, &mut visit);
    for note in &mut ch.footnotes {
        crate::walk::inlines_mut(&mut note.blocks, &mut visit);
    }
    order.extend((1..=count as u32).filter(|n| !seen[*n as usize]));
    let mut new_of = vec![0u32; count + 1];
    for (i, old) in order.iter().enumerate() {
        new_of[*old as usize] = i as u32 + 1;
    }
    let mut fix = |i: &mut Inline| {
        if let Inline::FootnoteRef { number, .. } = i
            && let Some(&n) = new_of.get(*number as usize)
            && n > 0
        {
            *number = n;
        }
    };
    crate::walk::inlines_mut(&mut ch.blocks, &mut fix);
    for note in &mut ch.footnotes {
        crate::walk::inlines_mut(&mut note.blocks, &mut fix);
    }
    let mut old: Vec<Option<Footnote>> = std::mem::take(&mut ch.footnotes)
        .into_iter()
        .map(Some)
        .collect();
    ch.footnotes = order
        .iter()
        .filter_map(|n| old.get_mut(*n as usize - 1).and_then(Option::take))
        .collect();
}

/// A note's mark joins the word before it, and comes after the punctuation that follows
/// the citation, as pandoc places it: "hard [@x]." → "hard.¹". The text before (without
/// its space) and the punctuation moved, for a replacement that is a note's mark.
fn join_note<'t>(
    before: &'t str,
    after: &'t str,
    replacement: &[Inline],
) -> (&'t str, Option<&'t str>) {
    if !matches!(replacement, [Inline::FootnoteRef { .. }]) {
        return (before, None);
    }
    let moved = after
        .chars()
        .next()
        .filter(|c| ".,;:!?".contains(*c))
        .map(|c| &after[..c.len_utf8()]);
    (before.trim_end(), moved)
}

/// Whether the last inline is text that ends with a full stop.
fn ends_with_stop(last: Option<&Inline>) -> bool {
    matches!(last, Some(Inline::Text(t)) if t.ends_with('.'))
}

pub(crate) type Replace<'f> = dyn FnMut(&Found, Option<Span>) -> Option<Vec<Inline>> + 'f;

/// Every citation in the blocks' text, in reading order, with the span of its block;
/// `f` may give inlines to put in its place.
pub(crate) fn scan_blocks(blocks: &mut [Block], known: &dyn Fn(&str) -> bool, f: &mut Replace<'_>) {
    for block in blocks {
        let span = block.span();
        match block {
            Block::Paragraph { content, .. } | Block::Heading { content, .. } => {
                scan_list(content, span, known, f)
            }
            Block::Table {
                head,
                rows,
                caption,
                ..
            } => {
                scan_list(caption, span, known, f);
                for cell in head.iter_mut().chain(rows.iter_mut().flatten()) {
                    scan_list(cell, span, known, f);
                }
            }
            Block::Figure(fig) => scan_list(&mut fig.caption, span, known, f),
            Block::BlockQuote { blocks, .. }
            | Block::Callout { blocks, .. }
            | Block::Details { blocks, .. } => scan_blocks(blocks, known, f),
            Block::List { items, .. } => {
                for item in items {
                    scan_blocks(&mut item.blocks, known, f);
                }
            }
            Block::DefinitionList { items, .. } => {
                for item in items {
                    scan_list(&mut item.term, span, known, f);
                    for d in &mut item.definitions {
                        scan_blocks(d, known, f);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The citations in one list of inlines (not inside links or code).
fn scan_list(
    list: &mut Vec<Inline>,
    span: Option<Span>,
    known: &dyn Fn(&str) -> bool,
    f: &mut Replace<'_>,
) {
    // Most lists cite nothing: look before rebuilding them.
    let mut any = false;
    notes2book_model::walk_inlines(list, &mut |i| {
        any |= matches!(i, Inline::Text(t) if t.contains('@'));
    });
    if !any {
        return;
    }
    *list = style::merge_text(std::mem::take(list));
    let mut out = Vec::with_capacity(list.len());
    for inline in std::mem::take(list) {
        match inline {
            Inline::Text(text) => {
                let mut rest = 0;
                for found in syntax::find(&text, known) {
                    if let Some(replacement) = f(&found, span) {
                        let (before, after) =
                            (&text[rest..found.range.start], &text[found.range.end..]);
                        rest = found.range.end;
                        let (before, moved) = join_note(before, after, &replacement);
                        out.push(Inline::Text(before.to_string()));
                        if let Some(p) = moved {
                            out.push(Inline::Text(p.to_string()));
                            rest += p.len();
                        }
                        out.extend(replacement);
                        // A citation that ends its sentence gives the sentence its stop.
                        if ends_with_stop(out.last()) && after.starts_with('.') && moved.is_none() {
                            rest += 1;
                        }
                    }
                }
                out.push(Inline::Text(text[rest..].to_string()));
            }
            Inline::Emph(mut c) => {
                scan_list(&mut c, span, known, f);
                out.push(Inline::Emph(c));
            }
            Inline::Strong(mut c) => {
                scan_list(&mut c, span, known, f);
                out.push(Inline::Strong(c));
            }
            other => out.push(other),
        }
    }
    out.retain(|i| !matches!(i, Inline::Text(t) if t.is_empty()));
    *list = out;
}
