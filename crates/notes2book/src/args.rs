//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  notes2book check                 check the notes in content/ (or `input:` of notes2book.yaml)
  notes2book check ~/vault --strict
  notes2book dump content/ > book.json
  notes2book dump --drafts | jq '.chapters[].title'";

#[derive(Debug, Parser)]
#[command(name = "notes2book", version, about = "Turn a folder of Markdown notes (Hugo, Obsidian, mdBook) into a book", after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read and check every note; report all problems; write nothing.
    Check(Common),
    /// Print the book's document model as JSON on stdout.
    Dump(Common),
}

#[derive(Debug, Args)]
pub struct Common {
    /// The notes folder [default: `input:` in notes2book.yaml, else content/]
    pub input: Option<PathBuf>,
    /// The config file [default: notes2book.yaml here, else beside INPUT]
    #[arg(short, long)]
    pub config: Option<PathBuf>,
    /// Include notes marked `draft: true`
    #[arg(long)]
    pub drafts: bool,
    /// Treat warnings as errors (exit code 1)
    #[arg(long)]
    pub strict: bool,
    /// Worker threads [default: all cores]
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Print errors only
    #[arg(short, long)]
    pub quiet: bool,
}
