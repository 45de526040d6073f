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

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, Common};
use notes2book_model::Severity;
use progress::Progress;
use report::{Counts, Reporter};

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
        None => {
            let out = cli
                .build
                .out_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from("book"));
            let only_kepub = cli.build.kepub && !cli.build.epub && !cli.build.pdf;
            let formats = build::Formats {
                epub: cli.build.epub || cli.build.kepub || !cli.build.pdf,
                pdf: cli.build.pdf || !(cli.build.epub || only_kepub),
                kepub: cli.build.kepub,
            };
            let fonts = build::FontArgs {
                ignore_system: cli.build.ignore_system_fonts,
                paths: cli.build.font_path.clone(),
            };
            run(
                &cli.build.common,
                Mode::Build {
                    out,
                    formats,
                    fonts,
                },
                &reporter,
            )
        }
    }
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
    let mut timings: Vec<(&'static str, std::time::Duration)> = Vec::new();
    let phase = progress.spinner("parse");
    let loaded = project::load(args, out_dir);
    phase.finish();
    // Never dropped: the process ends right after, and freeing the book's many small
    // allocations one by one took a few milliseconds at exit.
    let mut project = std::mem::ManuallyDrop::new(match loaded {
        Ok(p) => p,
        Err(f) => {
            for d in &f.diagnostics {
                let _ = reporter.render(&mut err, d, &f.sources);
            }
            return ExitCode::from(2);
        }
    });
    timings.push((
        "read, parse and link the notes, resolve images",
        started.elapsed(),
    ));
    let mut outcome = None;
    match &mode {
        Mode::Check(stores) => {
            // `check` does everything a build does except writing: images are prepared too.
            let opts = notes2book_assets::ProcessOptions::default();
            let t = std::time::Instant::now();
            let mut assets = build::prepare_images(&mut project, &opts, &progress);
            timings.push(("prepare images", t.elapsed()));
            if !stores.is_empty() {
                let t = std::time::Instant::now();
                let epub = build::epub_in_memory(&mut project, &mut assets);
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
                return ExitCode::from(3);
            }
            outcome = Some(build::build(
                &mut project,
                out,
                (*formats, fonts),
                args.strict,
                &mut timings,
                &progress,
            ));
        }
    }
    let parsed = &project.parsed;
    for d in &parsed.diagnostics {
        if args.quiet && d.severity != Severity::Error {
            continue;
        }
        // Renumbered headings are worth a word only to someone who asks (-v).
        if d.code == notes2book_parser::HEADING_RENUMBERED && !args.verbose {
            continue;
        }
        let _ = reporter.render(&mut err, d, &parsed.sources);
    }
    let counts = Counts::of(&parsed.diagnostics);
    let _ = reporter.summary(&mut err, counts);
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
        for (what, d) in &timings {
            let _ = writeln!(err, "{:>9.1} ms  {what}", d.as_secs_f64() * 1000.0);
        }
        let _ = writeln!(
            err,
            "{:>9.1} ms  in all",
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    if let Mode::Dump = mode {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let written = serde_json::to_writer_pretty(&mut out, &parsed.book)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out));
        if let Err(e) = written
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            let _ = writeln!(err, "error: cannot write the dump: {e}");
            return ExitCode::from(3);
        }
    }
    match outcome {
        Some(build::Outcome::WriteFailed(d)) => {
            let _ = reporter.render(&mut err, &d, &parsed.sources);
            return ExitCode::from(3);
        }
        Some(build::Outcome::Written(paths)) if !args.quiet => {
            for p in paths {
                let _ = reporter.wrote(&mut err, &p);
            }
        }
        Some(build::Outcome::BadConfig) => {
            let _ = reporter.line(&mut err, "nothing written: fix the configuration above");
            return ExitCode::from(2);
        }
        Some(build::Outcome::Refused) => {
            let strict = if args.strict {
                " (--strict counts warnings)"
            } else {
                ""
            };
            let _ = reporter.line(
                &mut err,
                &format!("nothing written: fix the errors above{strict}"),
            );
            return ExitCode::from(1);
        }
        _ => {}
    }
    if counts.errors > 0 || (args.strict && counts.warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
