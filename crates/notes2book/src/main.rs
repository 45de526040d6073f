//! The `notes2book` command: arguments, config, diagnostics and exit codes. The work is
//! done by the library crates; this crate is the only one that talks to the user.
//!
//! Exit codes: 0 done; 1 the book has errors (or warnings under `--strict`); 2 bad usage,
//! bad config or missing input; 3 an output could not be written.

mod args;
mod config;
mod project;
mod report;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, Common};
use report::Counts;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let (common, dump) = match &cli.command {
        Command::Check(c) => (c, false),
        Command::Dump(c) => (c, true),
    };
    if let Some(n) = common.jobs
        && let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
    {
        let _ = writeln!(std::io::stderr(), "error: cannot start {n} threads: {e}");
        return ExitCode::from(2);
    }
    run(common, dump)
}

fn run(args: &Common, dump: bool) -> ExitCode {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let project = match project::load(args) {
        Ok(p) => p,
        Err(f) => {
            for d in &f.diagnostics {
                let _ = report::render(&mut err, d, &f.sources);
            }
            return ExitCode::from(2);
        }
    };
    let mut project = project;
    if !dump {
        // `check` does everything a build does except writing: images are prepared too.
        let opts = notes2book_assets::ProcessOptions::default();
        let (_assets, diags) =
            notes2book_assets::prepare(&project.parsed.book, &project.vfs, &project.root, &opts);
        project.parsed.diagnostics.extend(diags);
    }
    let parsed = &project.parsed;
    for d in &parsed.diagnostics {
        if args.quiet && d.severity != notes2book_model::Severity::Error {
            continue;
        }
        let _ = report::render(&mut err, d, &parsed.sources);
    }
    let counts = Counts::of(&parsed.diagnostics);
    let _ = report::summary(&mut err, counts);
    if dump {
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
    if counts.errors > 0 || (args.strict && counts.warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
