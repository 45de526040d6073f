//! From command-line arguments to a parsed, resolved book: find the config and the input,
//! work out the book's root, parse the notes and resolve their images.

use std::path::{Path, PathBuf};

use notes2book_assets::ResolveOptions;
use notes2book_model::vfs::DiskFs;
use notes2book_model::{Diagnostic, Sources};
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

fn load_config(args: &Common, sources: &mut Sources) -> Result<Option<Loaded>, Diagnostic> {
    let path = match &args.config {
        Some(p) => {
            if !p.is_file() {
                return Err(Diagnostic::error(
                    "config-missing",
                    format!("the config file {} does not exist", p.display()),
                )
                .hint("give an existing file to --config, or leave it out"));
            }
            p.clone()
        }
        None => {
            let here = PathBuf::from("notes2book.yaml");
            let beside = args.input.as_ref().map(|i| {
                let parent = i
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                parent.join("notes2book.yaml")
            });
            let inside = args.input.as_ref().map(|i| i.join("notes2book.yaml"));
            match [Some(here), beside, inside]
                .into_iter()
                .flatten()
                .find(|p| p.is_file())
            {
                Some(p) => p,
                None => return Ok(None),
            }
        }
    };
    let bytes = std::fs::read(&path).map_err(|e| {
        Diagnostic::error(
            "config-unreadable",
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let text = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
    let file = sources.add(path.clone(), text.clone());
    let config = config::parse(&text, file)?;
    Ok(Some(Loaded {
        config,
        path,
        file,
        text,
    }))
}

pub struct Project {
    pub parsed: Parsed,
    pub vfs: DiskFs,
    /// The book's root (real path); asset paths in the model are relative to it.
    pub root: PathBuf,
    pub config: config::Config,
    /// Folder of the config file (relative paths in it are relative to this).
    pub config_dir: PathBuf,
}

/// `exclude`: folders under the input that are not notes (the output folder).
pub fn load(args: &Common, out_dir: Option<&Path>) -> Result<Project, Fatal> {
    let mut sources = Sources::default();
    let loaded = match load_config(args, &mut sources) {
        Ok(l) => l,
        Err(d) => return Err(fatal(d, sources)),
    };
    let cfg = loaded
        .as_ref()
        .map(|l| l.config.clone())
        .unwrap_or_default();
    let cfg_dir = loaded.as_ref().map(|l| l.dir().to_path_buf());
    let input = match (&args.input, &cfg.input, &cfg_dir) {
        (Some(i), _, _) => i.clone(),
        (None, Some(i), Some(dir)) => dir.join(i),
        _ => PathBuf::from("content"),
    };
    if !input.is_dir() {
        let d = Diagnostic::error("input-missing", format!("the notes folder {} does not exist", input.display()))
            .hint("pass your notes folder (`notes2book check path/to/notes`) or set `input:` in notes2book.yaml");
        return Err(fatal(d, sources));
    }
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    // The book's root: the config's folder, else the current folder when it holds the
    // input, else the input itself. Nothing outside it (and static_dirs) is read.
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let root = match &cfg_dir {
        Some(d) => abs(if d.as_os_str().is_empty() {
            Path::new(".")
        } else {
            d
        }),
        None if abs(&input).starts_with(abs(&cwd)) => abs(&cwd),
        None => abs(&input),
    };
    let static_dirs: Vec<PathBuf> = cfg
        .static_dirs
        .iter()
        .map(|d| abs(&cfg_dir.clone().unwrap_or_default().join(d)))
        .collect();
    let mut allowed = vec![root.clone(), abs(&input)];
    allowed.extend(static_dirs.iter().cloned());
    let vfs = DiskFs::new(&allowed);

    let mut exclude = vec![input.join("book")];
    if let Some(o) = out_dir {
        exclude.push(abs(o));
        exclude.push(o.to_path_buf());
    }
    let chapters = cfg.chapters.as_ref().map(|list| {
        list.iter()
            .map(|c| ChapterEntry {
                path: c.clone(),
                span: loaded.as_ref().and_then(|l| l.find(c, "chapters:")),
            })
            .collect()
    });
    let opts = ParseOptions {
        input: input.clone(),
        drafts: args.drafts || cfg.drafts,
        fix_mojibake: cfg.fix_mojibake.unwrap_or(true),
        chapters,
        metadata: MetadataConfig {
            title: cfg.title.clone(),
            subtitle: cfg.subtitle.clone(),
            authors: cfg
                .authors
                .clone()
                .map(config::OneOrMany::into_vec)
                .unwrap_or_default(),
            language: cfg.language.clone(),
            date: cfg.date.clone(),
            identifier: cfg.identifier.clone(),
            description: cfg.description.clone(),
            publisher: cfg.publisher.clone(),
            rights: cfg.rights.clone(),
            cover: cfg.cover.clone().map(|c| {
                let span = loaded.as_ref().and_then(|l| l.find(&c, "cover:"));
                (c, span)
            }),
        },
        site_params: cfg
            .params
            .iter()
            .map(|(k, v)| (k.clone(), config::yaml_to_value(v)))
            .collect(),
        exclude: exclude.clone(),
    };
    let mut parsed = notes2book_parser::parse_book(&vfs, &opts, sources);
    let resolve = ResolveOptions {
        root: root.clone(),
        input: abs(&input),
        static_dirs,
    };
    // The resolver works on real paths; note folders in the model are relative to the input.
    let diags = notes2book_assets::resolve(&mut parsed.book, &vfs, &resolve);
    parsed.diagnostics.extend(diags);
    let config_dir = cfg_dir.unwrap_or_default();
    Ok(Project {
        parsed,
        vfs,
        root,
        config: cfg,
        config_dir,
    })
}
