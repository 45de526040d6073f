//! The `notes2book` command: arguments, config, diagnostics and exit codes. The work is
//! done by the library crates; this crate is the only one that talks to the user.
//!
//! Exit codes: 0 done; 1 the book has errors (or warnings under `--strict`); 2 bad usage,
//! bad config or missing input; 3 an output could not be written.

mod args;
mod build;
mod config;
mod cover;
mod formats;
mod init;
mod pdf;
mod progress;
mod project;
mod report;
mod store;
mod watch;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, Common};
use notes2book_model::Severity;
use progress::Progress;
use report::{Counts, Reporter};

/// mimalloc, not the system's: see the workspace's Cargo.toml.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let common = match &cli.command {
        Some(Command::Check(c)) => &c.common,
        Some(Command::Dump(c)) => c,
        Some(Command::Watch(b)) => &b.common,
        Some(Command::Init { dir }) => return init_command(dir),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            // Into a buffer first: the generator panics on a closed pipe.
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "notes2book", &mut buf);
            return print_stdout(&buf);
        }
        Some(Command::Man) => {
            use clap::CommandFactory;
            let mut buf = Vec::new();
            return match clap_mangen::Man::new(Cli::command()).render(&mut buf) {
                Ok(()) => print_stdout(&buf),
                Err(_) => ExitCode::from(3),
            };
        }
        None => &cli.build.common,
    };
    let color = match common.color {
        args::Color::Always => true,
        args::Color::Never => false,
        args::Color::Auto => {
            use std::io::IsTerminal;
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let format = match common.message_format {
        args::MessageFormat::Human => report::Format::Human,
        args::MessageFormat::Short => report::Format::Short,
        args::MessageFormat::Json => report::Format::Json,
        args::MessageFormat::Github => report::Format::Github,
    };
    let reporter = Reporter::new(color, format);
    if let Some(n) = common.jobs
        && let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
    {
        let _ = writeln!(std::io::stderr(), "error: cannot start {n} threads: {e}");
        return ExitCode::from(2);
    }
    match &cli.command {
        Some(Command::Check(c)) => run(&c.common, Mode::Check(c.store.clone()), &reporter),
        Some(Command::Dump(c)) => run(c, Mode::Dump, &reporter),
        Some(Command::Init { .. } | Command::Completions { .. } | Command::Man) => {
            ExitCode::SUCCESS
        }
        Some(Command::Watch(b)) => {
            let (out, mode) = build_mode(b);
            watch::run(&b.common, &mode, &out, &reporter)
        }
        None => run(&cli.build.common, build_mode(&cli.build).1, &reporter),
    }
}

/// What the build arguments ask for: the output folder, the formats, the fonts.
fn build_mode(b: &args::Build) -> (PathBuf, Mode) {
    let out = b.out_dir.clone().unwrap_or_else(|| PathBuf::from("book"));
    let only_kepub = b.kepub && !b.epub && !b.pdf;
    let formats = build::Formats {
        epub: b.epub || b.kepub || !b.pdf,
        pdf: b.pdf || !(b.epub || only_kepub),
        kepub: b.kepub,
    };
    let fonts = build::FontArgs {
        ignore_system: b.ignore_system_fonts,
        paths: b.font_path.clone(),
    };
    (
        out.clone(),
        Mode::Build {
            out,
            formats,
            fonts,
        },
    )
}

/// Write to stdout; a reader that stopped early (`| head`) is not an error.
fn print_stdout(bytes: &[u8]) -> ExitCode {
    match std::io::stdout().lock().write_all(bytes) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(3),
    }
}

fn init_command(dir: &std::path::Path) -> ExitCode {
    let mut err = std::io::stderr();
    match init::init(dir) {
        Ok(files) => {
            for f in files {
                let _ = writeln!(err, "created {f}");
            }
            let _ = writeln!(err, "next: {}notes2book", init::cd_prefix(dir));
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            ExitCode::from(2)
        }
    }
}

enum Mode {
    /// `check`, with the stores whose rules to check.
    Check(Vec<store::Store>),
    Dump,
    Build {
        out: PathBuf,
        formats: build::Formats,
        fonts: build::FontArgs,
    },
}

fn run(args: &Common, mode: Mode, reporter: &Reporter) -> ExitCode {
    // Not locked for the whole run: the progress bars draw on stderr from their own threads.
    let mut err = std::io::stderr();
    // Progress bars are for people; a program reading the messages gets only those.
    let progress = Progress::new(
        Progress::wanted(args.quiet, args.no_progress)
            && args.message_format == args::MessageFormat::Human,
    );
    let out_dir = match &mode {
        Mode::Build { out, .. } => Some(out.as_path()),
        _ => None,
    };
    let started = std::time::Instant::now();
    let mut timings: Vec<(String, std::time::Duration)> = Vec::new();
    let phase = progress.spinner("parse");
    let prepared = project::prepare(args, out_dir);
    phase.finish();
    let prepared = match prepared {
        Ok(p) => p,
        Err(f) => {
            for d in &f.diagnostics {
                let _ = reporter.render(&mut err, d, &f.sources);
            }
            return ExitCode::from(2);
        }
    };
    timings.push(("read and parse the notes".into(), started.elapsed()));
    let books = match which_books(&prepared.config, args.book.as_deref(), &mode) {
        Ok(b) => b,
        Err(d) => {
            let _ = reporter.render(&mut err, &d, &prepared.notes.sources);
            return ExitCode::from(2);
        }
    };
    let mut run = Run::new(args, &mode, reporter, &progress, books.len() > 1);
    run.timings = timings;
    let mut prepared = Some(prepared);
    let made = run.books(&books, started, true, |last, book| {
        if last {
            prepared.take().map(|p| p.into_project(book))
        } else {
            prepared.as_ref().map(|p| p.project(book))
        }
    });
    if let Err(code) = made {
        return code;
    }
    run.finish(started)
}

/// The books to make: every book of `books:` (or the one `--book` names), else the whole
/// vault as one book.
fn which_books(
    config: &config::Config,
    wanted: Option<&str>,
    mode: &Mode,
) -> Result<Vec<Option<config::BookConfig>>, notes2book_model::Diagnostic> {
    let names = || {
        config
            .books
            .iter()
            .map(|b| format!("`{}`", b.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match wanted {
        Some(name) => match config.books.iter().find(|b| b.name == name) {
            Some(b) => Ok(vec![Some(b.clone())]),
            None if config.books.is_empty() => Err(notes2book_model::Diagnostic::error(
                "book-unknown",
                format!("--book {name}: the config has no `books:`"),
            )
            .hint("add `books:` to notes2book.yaml, or build without --book")),
            None => Err(notes2book_model::Diagnostic::error(
                "book-unknown",
                format!("there is no book named `{name}` in `books:`"),
            )
            .hint(format!("the books are: {}", names()))),
        },
        None if config.books.is_empty() => Ok(vec![None]),
        None if matches!(mode, Mode::Dump) && config.books.len() > 1 => {
            Err(notes2book_model::Diagnostic::error(
                "book-unknown",
                "`dump` prints one book, and the config has several",
            )
            .hint(format!("pass --book NAME; the books are: {}", names())))
        }
        None => Ok(config.books.iter().cloned().map(Some).collect()),
    }
}

/// A diagnostic as printed: code, message, file and offset.
type Said = (&'static str, String, Option<(std::path::PathBuf, u32)>);

/// One run over one book or several: what has been said and done so far.
struct Run<'a> {
    args: &'a Common,
    mode: &'a Mode,
    reporter: &'a Reporter,
    progress: &'a Progress,
    /// Diagnostics already printed (a note in two books is reported once).
    seen: std::collections::HashSet<Said>,
    counts: Counts,
    timings: Vec<(String, std::time::Duration)>,
    outcomes: Vec<build::Outcome>,
    several: bool,
}

impl<'a> Run<'a> {
    fn new(
        args: &'a Common,
        mode: &'a Mode,
        reporter: &'a Reporter,
        progress: &'a Progress,
        several: bool,
    ) -> Self {
        Run {
            args,
            mode,
            reporter,
            progress,
            seen: std::collections::HashSet::new(),
            counts: Counts::default(),
            timings: Vec::new(),
            outcomes: Vec::new(),
            several,
        }
    }

    /// Make every book of `books`, each from the project `make` gives (told whether it is
    /// the last); `leak_last` keeps the last one from being freed (the process ends next).
    fn books(
        &mut self,
        books: &[Option<config::BookConfig>],
        started: std::time::Instant,
        leak_last: bool,
        mut make: impl FnMut(bool, Option<&config::BookConfig>) -> Option<project::Project>,
    ) -> Result<(), ExitCode> {
        let last = books.len().saturating_sub(1);
        for (i, book) in books.iter().enumerate() {
            let t = std::time::Instant::now();
            let Some(project) = make(i == last, book.as_ref()) else {
                break;
            };
            // The last book is never dropped when the process ends right after: freeing
            // the book's many small allocations one by one took a few milliseconds.
            let mut project = std::mem::ManuallyDrop::new(project);
            match book.as_ref().filter(|_| self.several) {
                Some(b) => self.timings.push((
                    format!("link `{}`, resolve its images", b.name),
                    t.elapsed(),
                )),
                // One book: one phase from the start, as before there were books.
                None => {
                    self.timings.clear();
                    self.timings.push((
                        "read, parse and link the notes, resolve images".into(),
                        started.elapsed(),
                    ));
                }
            }
            self.book(&mut project)?;
            if !leak_last || i != last {
                drop(std::mem::ManuallyDrop::into_inner(project));
            }
            if self.several {
                let name = book.as_ref().map_or("", |b| b.name.as_str());
                self.timings
                    .push((format!("the book `{name}` in all"), t.elapsed()));
            }
        }
        Ok(())
    }

    /// Check, dump or build one book and print what it found; `Err` ends the run.
    fn book(&mut self, project: &mut project::Project) -> Result<(), ExitCode> {
        let mut err = std::io::stderr();
        let (args, reporter, progress) = (self.args, self.reporter, self.progress);
        let mut timings: Vec<(&'static str, std::time::Duration)> = Vec::new();
        match self.mode {
            Mode::Check(stores) => {
                // `check` does everything a build does except writing: images are prepared too.
                let opts = notes2book_assets::ProcessOptions {
                    cache: project.cache_dir.clone(),
                    ..Default::default()
                };
                let t = std::time::Instant::now();
                let mut assets = build::prepare_images(project, &opts, progress);
                timings.push((build::images_phase(&assets), t.elapsed()));
                if !stores.is_empty() {
                    let t = std::time::Instant::now();
                    let epub = build::epub_in_memory(project, &mut assets);
                    let book = &project.parsed.book;
                    let found = store::check(stores, book, book.metadata.language_given, &epub);
                    project.parsed.diagnostics.extend(found);
                    timings.push(("store checks", t.elapsed()));
                }
            }
            Mode::Dump => {}
            Mode::Build {
                out,
                formats,
                fonts,
            } => {
                if out.is_file() {
                    let d = notes2book_model::Diagnostic::error(
                        "out-dir-is-file",
                        format!("the output folder {} is a file", out.display()),
                    )
                    .hint("pass another folder with -o DIR");
                    let _ = reporter.render(&mut err, &d, &project.parsed.sources);
                    return Err(ExitCode::from(3));
                }
                let outcome = build::build(
                    project,
                    out,
                    (*formats, fonts),
                    args.strict,
                    &mut timings,
                    progress,
                );
                self.outcomes.push(outcome);
            }
        }
        self.timings
            .extend(timings.into_iter().map(|(w, d)| (w.to_string(), d)));
        let parsed = &project.parsed;
        for d in &parsed.diagnostics {
            if args.quiet && d.severity != Severity::Error {
                continue;
            }
            // Renumbered headings are worth a word only to someone who asks (-v).
            if d.code == notes2book_parser::HEADING_RENUMBERED && !args.verbose {
                continue;
            }
            let at = d.span.and_then(|s| {
                parsed
                    .sources
                    .get(notes2book_model::FileId(s.file))
                    .map(|f| (f.path.clone(), s.start))
            });
            if !self.seen.insert((d.code, d.message.clone(), at)) {
                continue;
            }
            self.counts.add(d.severity);
            let _ = reporter.render(&mut err, d, &parsed.sources);
        }
        if args.verbose && !reporter.is_machine() {
            let _ = writeln!(err, "{}", project.root_reason);
            let _ = writeln!(
                err,
                "{} chapters, {} images ({} files), {} diagnostics",
                parsed.book.chapters.len(),
                parsed.book.images.len(),
                parsed.book.assets.len(),
                parsed.diagnostics.len()
            );
        }
        if let Mode::Dump = self.mode {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            let written = serde_json::to_writer_pretty(&mut out, &parsed.book)
                .map_err(std::io::Error::other)
                .and_then(|()| writeln!(out));
            if let Err(e) = written
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                let _ = writeln!(err, "error: cannot write the dump: {e}");
                return Err(ExitCode::from(3));
            }
        }
        if let Some(build::Outcome::WriteFailed(d)) = self.outcomes.last() {
            let _ = reporter.render(&mut err, d, &parsed.sources);
            return Err(ExitCode::from(3));
        }
        Ok(())
    }

    /// The summary, the files written and the exit code.
    fn finish(self, started: std::time::Instant) -> ExitCode {
        let mut err = std::io::stderr();
        let (args, reporter) = (self.args, self.reporter);
        let counts = self.counts;
        let _ = reporter.summary(&mut err, counts);
        if args.verbose && !reporter.is_machine() {
            for (what, d) in &self.timings {
                let _ = writeln!(err, "{:>9.1} ms  {what}", d.as_secs_f64() * 1000.0);
            }
            let _ = writeln!(
                err,
                "{:>9.1} ms  in all",
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
        let mut code = None;
        for outcome in &self.outcomes {
            match outcome {
                build::Outcome::Written(paths) if !args.quiet => {
                    for p in paths {
                        let _ = reporter.wrote(&mut err, p);
                    }
                }
                build::Outcome::BadConfig => {
                    let _ = reporter.line(&mut err, "nothing written: fix the configuration above");
                    code = Some(2);
                }
                build::Outcome::Refused => {
                    let strict = if args.strict {
                        " (--strict counts warnings)"
                    } else {
                        ""
                    };
                    let what = if self.several {
                        "a book was not written"
                    } else {
                        "nothing written"
                    };
                    let _ =
                        reporter.line(&mut err, &format!("{what}: fix the errors above{strict}"));
                    code = Some(code.unwrap_or(1).max(1));
                }
                _ => {}
            }
        }
        if let Some(c) = code {
            return ExitCode::from(c);
        }
        if counts.errors > 0 || (args.strict && counts.warnings > 0) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }
}
