//! From command-line arguments to a parsed, resolved book: find the config and the input,
//! work out the book's root, parse the notes and resolve their images.

use std::path::{Path, PathBuf};

use notes2book_assets::ResolveOptions;
use notes2book_model::vfs::DiskFs;
use notes2book_model::{Diagnostic, Sources};
use notes2book_parser::site::{self, Attachments, Located, Site, SiteKind};
use notes2book_parser::{ChapterEntry, MetadataConfig, ParseOptions, Parsed};

use crate::args::Common;
use crate::config::{self, Loaded};

/// Why nothing could be parsed: exit code 2.
#[derive(Debug)]
pub struct Fatal {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
}

fn fatal(d: Diagnostic, sources: Sources) -> Fatal {
    Fatal {
        diagnostics: vec![d],
        sources,
    }
}

/// The config file: `--config`, else `notes2book.yaml` in the book's root, else in the
/// current folder.
fn config_path(args: &Common, located: Option<&Located>) -> Result<Option<PathBuf>, Diagnostic> {
    if let Some(p) = &args.config {
        if !p.is_file() {
            return Err(Diagnostic::error(
                "config-missing",
                format!("the config file {} does not exist", p.display()),
            )
            .hint("give an existing file to --config, or leave it out"));
        }
        return Ok(Some(p.clone()));
    }
    let in_root = located
        .filter(|l| l.kind() == Some(SiteKind::Notes2book))
        .map(|l| l.root.join(site::CONFIG_FILE));
    let here = PathBuf::from(site::CONFIG_FILE);
    Ok(in_root.or_else(|| here.is_file().then_some(here)))
}

fn load_config(path: &Path, sources: &mut Sources) -> Result<Loaded, Diagnostic> {
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::error(
            "config-unreadable",
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let text = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
    let file = sources.add(path.to_path_buf(), text.clone());
    let config = config::parse(&text, file)?;
    Ok(Loaded {
        config,
        path: path.to_path_buf(),
        file,
        text,
    })
}

/// Everything known before the notes are made into a book: the config, the folders, and the
/// notes read and parsed. The books of a vault (`books:`) are made from it one by one, and
/// `watch` keeps it between builds to reuse the notes that did not change.
pub struct Prepared {
    pub vfs: DiskFs,
    pub root: PathBuf,
    /// The notes folder.
    pub input: PathBuf,
    /// More folders images are found in.
    pub static_dirs: Vec<PathBuf>,
    pub config: config::Config,
    pub config_dir: PathBuf,
    pub root_reason: String,
    /// The config file, when there is one.
    pub config_file: Option<PathBuf>,
    /// Where prepared images are kept between runs (`None` with --no-cache).
    pub cache_dir: Option<PathBuf>,
    loaded: Option<Loaded>,
    opts: ParseOptions,
    resolve: ResolveOptions,
    site_diagnostics: Vec<Diagnostic>,
    /// The sources before any note: the config and the site's files.
    base_sources: Sources,
    pub notes: notes2book_parser::Notes,
}

pub struct Project {
    pub parsed: Parsed,
    /// Where prepared images are kept between runs.
    pub cache_dir: Option<PathBuf>,
    pub vfs: DiskFs,
    /// The book's root (real path); asset paths in the model are relative to it.
    pub root: PathBuf,
    pub config: config::Config,
    /// Folder of the config file (relative paths in it are relative to this).
    pub config_dir: PathBuf,
    /// Which root was found and why, for `-v`.
    pub root_reason: String,
}

/// The real, absolute form of a path (as given when it does not exist).
pub fn real(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| std::path::absolute(p).unwrap_or(p.to_path_buf()))
}

/// The root and its markers: walking up from the input (or the current folder), or the
/// folder of `--config`.
fn locate(args: &Common) -> Option<Located> {
    let start = real(match (&args.config, &args.input) {
        (Some(c), _) => c
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
        (None, Some(i)) => i,
        (None, None) => Path::new("."),
    });
    // Only marker names are looked at on the way up, before the root is known.
    let top = start.ancestors().last().unwrap_or(&start).to_path_buf();
    let found = site::locate(&DiskFs::new(&[top]), &start);
    match &args.config {
        Some(_) => Some(found.filter(|l| l.root == start).unwrap_or(Located {
            root: start,
            markers: Vec::new(),
            vault: None,
        })),
        None => found,
    }
}

/// Find the config and the folders, and read and parse every note. `out_dir` is left out of
/// the notes.
pub fn prepare(args: &Common, out_dir: Option<&Path>) -> Result<Prepared, Fatal> {
    let mut sources = Sources::default();
    let located = locate(args);
    let loaded = match config_path(args, located.as_ref())
        .and_then(|p| p.map(|p| load_config(&p, &mut sources)).transpose())
    {
        Ok(l) => l,
        Err(d) => return Err(fatal(d, sources)),
    };
    if let Some(d) = loaded
        .as_ref()
        .and_then(|l| config::check_books(&l.config, l))
    {
        return Err(fatal(d, sources));
    }
    let cfg = loaded
        .as_ref()
        .map(|l| l.config.clone())
        .unwrap_or_default();
    let cfg_dir = loaded.as_ref().map(|l| real(l.dir()));
    let site = match &located {
        Some(l) => {
            let top = l.root.ancestors().last().unwrap_or(&l.root).to_path_buf();
            site::read(&DiskFs::new(&[top]), l, &mut sources)
        }
        None => Site::default(),
    };
    let cwd = real(Path::new("."));
    // The book's root: the config's folder, else the root found, else the current folder
    // when it holds the input, else the input itself. Nothing outside it (and the static
    // folders) is read.
    let given = args.input.as_deref().map(real);
    let root = match (&cfg_dir, &located) {
        (Some(d), _) => d.clone(),
        (None, Some(l)) => l.root.clone(),
        (None, None) => match &given {
            Some(i) if !i.starts_with(&cwd) => i.clone(),
            _ => cwd.clone(),
        },
    };
    // The notes folder: the argument, unless it is the root itself; then (or without an
    // argument) `input:`, else the folder the root's tool builds, else content/, else the
    // current folder.
    let derived = cfg
        .input
        .as_ref()
        .zip(cfg_dir.as_ref())
        .map(|(i, d)| real(&d.join(i)))
        .or_else(|| site.input.as_deref().map(real));
    let input = match given {
        Some(i) if i == root => derived.unwrap_or(i),
        Some(i) => i,
        // A folder of notes with no marker and no content/ (a TIL repository): itself.
        None => derived.unwrap_or_else(|| {
            let content = real(Path::new("content"));
            if content.is_dir() {
                content
            } else {
                cwd.clone()
            }
        }),
    };
    if !input.is_dir() {
        let d = Diagnostic::error("input-missing", format!("the notes folder {} does not exist", shown(&input, &cwd).display()))
            .hint("pass your notes folder (`notes2book check path/to/notes`) or set `input:` in notes2book.yaml");
        return Err(fatal(d, sources));
    }
    let mut static_dirs: Vec<PathBuf> = cfg
        .static_dirs
        .iter()
        .map(|d| real(&cfg_dir.clone().unwrap_or_default().join(d)))
        .collect();
    static_dirs.extend(site.static_dirs.iter().map(|d| real(d)));
    static_dirs.dedup();
    let (attachment_dirs, attachments_beside_note) = match &site.attachments {
        Some(Attachments::Folder(f)) => (vec![real(f)], None),
        Some(Attachments::BesideNote(b)) => (Vec::new(), Some(b.clone())),
        None => (Vec::new(), None),
    };
    let mut allowed = vec![root.clone(), input.clone()];
    allowed.extend(static_dirs.iter().cloned());
    let vfs = DiskFs::new(&allowed);

    let mut exclude = vec![input.join("book")];
    if let Some(o) = out_dir {
        exclude.push(real(o));
    }
    let chapters = cfg.chapters.as_ref().map(|list| {
        list.iter()
            .map(|c| ChapterEntry {
                path: c.clone(),
                span: loaded.as_ref().and_then(|l| l.find(c, "chapters:")),
            })
            .collect()
    });
    let from_site = &site.metadata;
    let or_site = |ours: &Option<String>, theirs: &Option<String>| ours.clone().or(theirs.clone());
    let authors = cfg
        .authors
        .clone()
        .map(config::OneOrMany::into_vec)
        .unwrap_or_default();
    let opts = ParseOptions {
        input: input.clone(),
        root: input.starts_with(&root).then(|| root.clone()),
        drafts: args.drafts || cfg.drafts,
        fix_mojibake: cfg.fix_mojibake.unwrap_or(true),
        chapters,
        metadata: MetadataConfig {
            title: or_site(&cfg.title, &from_site.title),
            subtitle: cfg.subtitle.clone(),
            authors: if authors.is_empty() {
                from_site.authors.clone()
            } else {
                authors
            },
            language: or_site(&cfg.language, &from_site.language),
            date: cfg.date.clone(),
            identifier: cfg.identifier.clone(),
            description: or_site(&cfg.description, &from_site.description),
            publisher: cfg.publisher.clone(),
            rights: or_site(&cfg.rights, &from_site.rights),
            cover: cfg
                .cover
                .as_ref()
                .and_then(|c| c.image())
                .map(str::to_owned)
                .map(|c| {
                    let span = loaded.as_ref().and_then(|l| l.find(&c, "cover:"));
                    (c, span)
                }),
        },
        site_params: cfg
            .params
            .iter()
            .map(|(k, v)| (k.clone(), config::yaml_to_value(v)))
            .collect(),
        exclude,
        urls: site.urls.clone(),
        // Hugo and mdBook show `[[x]]` as written, unless the root holds an Obsidian vault.
        wikilinks: located.as_ref().is_none_or(|l| {
            l.vault.is_some() || !matches!(l.kind(), Some(SiteKind::Hugo | SiteKind::MdBook))
        }),
        citations: citations(&cfg, loaded.as_ref()),
        crossref: notes2book_parser::CrossrefOptions {
            chapters: cfg.crossref.chapters,
            page_numbers: cfg.crossref.page_numbers,
        },
        selection: None,
    };
    let resolve = ResolveOptions {
        root: root.clone(),
        input: input.clone(),
        static_dirs: static_dirs.clone(),
        attachment_dirs,
        attachments_beside_note,
    };
    let root_reason = match &located {
        Some(l) => format!("{}; notes in {}", l.why(), input.display()),
        None => format!(
            "book root {} (no notes2book.yaml, book.toml, Hugo configuration or .obsidian/ found up to the repository's top); notes in {}",
            root.display(),
            input.display()
        ),
    };
    let notes = notes2book_parser::read_notes(&vfs, &opts, sources.clone(), None);
    Ok(Prepared {
        vfs,
        root,
        input,
        static_dirs,
        config: cfg,
        config_dir: cfg_dir.unwrap_or(cwd),
        root_reason,
        config_file: loaded.as_ref().map(|l| l.path.clone()),
        cache_dir: (!args.no_cache).then(cache_dir).flatten(),
        loaded,
        opts,
        resolve,
        site_diagnostics: site.diagnostics,
        base_sources: sources,
        notes,
    })
}

impl Prepared {
    /// Read the notes again, parsing only those whose text changed.
    pub fn reread(&mut self) {
        let notes = notes2book_parser::read_notes(
            &self.vfs,
            &self.opts,
            self.base_sources.clone(),
            Some(&self.notes),
        );
        self.notes = notes;
    }

    /// One book of the vault (`None`: all its notes), from a copy of the notes.
    pub fn project(&self, book: Option<&config::BookConfig>) -> Project {
        self.make(book, self.notes.clone())
    }

    /// The book, from the notes themselves.
    pub fn into_project(mut self, book: Option<&config::BookConfig>) -> Project {
        let notes = std::mem::take(&mut self.notes);
        self.make(book, notes)
    }

    fn make(&self, book: Option<&config::BookConfig>, notes: notes2book_parser::Notes) -> Project {
        let mut opts = self.opts.clone();
        let mut cfg = self.config.clone();
        if let Some(b) = book {
            apply_book(b, &mut opts, &mut cfg, self.loaded.as_ref());
        }
        let mut parsed = notes2book_parser::assemble(&self.vfs, &opts, notes);
        parsed
            .diagnostics
            .splice(0..0, self.site_diagnostics.iter().cloned());
        let diags = notes2book_assets::resolve(&mut parsed.book, &self.vfs, &self.resolve);
        parsed.diagnostics.extend(diags);
        Project {
            parsed,
            cache_dir: self.cache_dir.clone(),
            vfs: self.vfs.clone(),
            root: self.root.clone(),
            config: cfg,
            config_dir: self.config_dir.clone(),
            root_reason: self.root_reason.clone(),
        }
    }
}

/// A book of `books:` over the top-level settings: its metadata, output name, cover and
/// selection.
fn apply_book(
    b: &config::BookConfig,
    opts: &mut ParseOptions,
    cfg: &mut config::Config,
    loaded: Option<&Loaded>,
) {
    let meta = &mut opts.metadata;
    let set = |ours: &Option<String>, theirs: &mut Option<String>| {
        if ours.is_some() {
            theirs.clone_from(ours);
        }
    };
    set(&b.title, &mut meta.title);
    if meta.title.is_none() {
        meta.title = Some(b.name.clone());
    }
    set(&b.subtitle, &mut meta.subtitle);
    set(&b.description, &mut meta.description);
    set(&b.language, &mut meta.language);
    set(&b.identifier, &mut meta.identifier);
    if let Some(a) = &b.authors {
        meta.authors = a.clone().into_vec();
    }
    if let Some(c) = &b.cover {
        meta.cover = c.image().map(|img| {
            let span = loaded.and_then(|l| l.find(img, "books:"));
            (img.to_owned(), span)
        });
        cfg.cover = Some(c.clone());
    }
    cfg.title.clone_from(&meta.title);
    cfg.output_name = Some(b.output_name.clone().unwrap_or_else(|| b.name.clone()));
    opts.selection = Some(b.selection());
}

/// The cache folder: $NOTES2BOOK_CACHE_DIR, else $XDG_CACHE_HOME/notes2book, else
/// ~/.cache/notes2book.
fn cache_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("NOTES2BOOK_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("notes2book")))
        .or_else(|| env("HOME").map(|h| h.join(".cache").join("notes2book")))
}

/// `path` relative to `base` when it lies inside it.
pub fn shown(path: &Path, base: &Path) -> PathBuf {
    path.strip_prefix(base)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Bibliographies and the citation style named by the config, each with where it is named.
fn citations(
    cfg: &config::Config,
    loaded: Option<&config::Loaded>,
) -> notes2book_parser::cite::CiteOptions {
    let at = |value: &str, key: &str| loaded.and_then(|l| l.find(value, key));
    let named = |v: &Option<String>, key: &str| {
        v.clone().map(|s| {
            let span = at(&s, key);
            (s, span)
        })
    };
    notes2book_parser::cite::CiteOptions {
        bibliography: cfg
            .bibliography
            .clone()
            .map(config::OneOrMany::into_vec)
            .unwrap_or_default()
            .into_iter()
            .map(|p| {
                let span = at(&p, "bibliography:");
                (p, span)
            })
            .collect(),
        csl: named(&cfg.csl, "csl:"),
        style: named(&cfg.citation_style, "citation_style:"),
        title: cfg.bibliography_title.clone(),
    }
}
