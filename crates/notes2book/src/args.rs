//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  notes2book                       build book/<title>.epub and .pdf from content/ (or `input:`)
  notes2book --epub                only the EPUB
  notes2book ~/vault --epub -o out
  notes2book check --strict        check every note and image, write nothing
  notes2book watch --pdf           rebuild the PDF on every change
  notes2book dump content/ > book.json
  notes2book init my-book          start a new book (config and a first note)";

#[derive(Debug, Parser)]
#[command(
    name = "notes2book",
    version,
    about = "Turn a folder of Markdown notes (Hugo, Obsidian, mdBook) into a book",
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub build: Build,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read and check every note and image; report all problems; write nothing.
    Check(CheckArgs),
    /// Print the book's document model as JSON on stdout.
    Dump(Common),
    /// Build, then build again whenever a note, image, the config or a bibliography
    /// changes (only the notes that changed are parsed again); Ctrl-C stops it.
    Watch(Build),
    /// Start a book: a commented notes2book.yaml and a first note (never overwrites).
    Init {
        /// Folder to start the book in
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Print shell completions (bash, zsh, fish, powershell, elvish) on stdout.
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff) on stdout.
    Man,
}

/// `check`: the common options, and the stores whose rules to check.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
    /// Also check the EPUB against a store's published rules (file size, images, cover,
    /// fonts, language, contents, remote resources, identifier, KDP's metadata limits);
    /// repeatable. Problems are warnings: --strict fails on them
    #[arg(long, value_enum, value_name = "STORE")]
    pub store: Vec<crate::store::Store>,
}

/// Building the book (the default command).
#[derive(Debug, Args)]
pub struct Build {
    #[command(flatten)]
    pub common: Common,
    /// Write the EPUB (book/<name>.epub)
    #[arg(long)]
    pub epub: bool,
    /// Write the PDF (book/<name>.pdf); with neither flag, both are written
    #[arg(long)]
    pub pdf: bool,
    /// Also write Kobo's flavour of the EPUB (book/<name>.kepub.epub)
    #[arg(long)]
    pub kepub: bool,
    /// Output folder [default: book]
    #[arg(short, long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Use only the bundled fonts and those named in the config or by --font-path, not the
    /// machine's (the same notes then give the same PDF on every machine)
    #[arg(long)]
    pub ignore_system_fonts: bool,
    /// A folder of fonts to search for characters the bundled fonts lack (repeatable)
    #[arg(long, value_name = "DIR")]
    pub font_path: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct Common {
    /// The notes folder, or the book's root [default: the notes folder of the root found
    /// by walking up (notes2book.yaml's `input:`, mdBook's src, Hugo's contentDir, an
    /// Obsidian vault), else content/, else the current folder]
    pub input: Option<PathBuf>,
    /// The config file [default: notes2book.yaml in the book's root, else here]
    #[arg(short, long)]
    pub config: Option<PathBuf>,
    /// Make only this book of the config's `books:` [default: every book]
    #[arg(long, value_name = "NAME")]
    pub book: Option<String>,
    /// Include notes marked `draft: true`
    #[arg(long)]
    pub drafts: bool,
    /// Treat warnings as errors (exit code 1, nothing written)
    #[arg(long)]
    pub strict: bool,
    /// Worker threads [default: all cores]
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Print errors only (no warnings, no progress bars)
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also print how long each phase took
    #[arg(short, long)]
    pub verbose: bool,
    /// Colour the diagnostics: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Prepare every image again, without reading or filling the cache of prepared images
    /// ($NOTES2BOOK_CACHE_DIR, else $XDG_CACHE_HOME/notes2book, else ~/.cache/notes2book;
    /// safe to delete)
    #[arg(long)]
    pub no_cache: bool,
    /// Never show progress bars (they appear only on a terminal, for phases that take a while)
    #[arg(long)]
    pub no_progress: bool,
    /// How diagnostics are printed: human (with the source line), short
    /// (file:line:col: severity[code]: message), json (one object per line), github
    /// (GitHub Actions annotations)
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    Human,
    Short,
    Json,
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}
