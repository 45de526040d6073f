//! Rendering diagnostics for people: `path:line:col: severity[code]: message`, the source
//! line with a caret under the spot, the hint, and a closing count.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use notes2book_model::{Diagnostic, Severity, Sources};

#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

impl Counts {
    pub fn of(diags: &[Diagnostic]) -> Self {
        let mut c = Counts::default();
        for d in diags {
            match d.severity {
                Severity::Error => c.errors += 1,
                Severity::Warning => c.warnings += 1,
                Severity::Note => c.notes += 1,
            }
        }
        c
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

static COLOR: AtomicBool = AtomicBool::new(false);

/// Colour the severities (set once by `main` from `--color` and the terminal).
pub fn set_color(on: bool) {
    COLOR.store(on, Ordering::Relaxed);
}

fn severity(s: Severity) -> String {
    if !COLOR.load(Ordering::Relaxed) {
        return s.to_string();
    }
    let code = match s {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Note => "1;36",
    };
    format!("\x1b[{code}m{s}\x1b[0m")
}

pub fn render(out: &mut dyn Write, d: &Diagnostic, sources: &Sources) -> std::io::Result<()> {
    let loc = d.span.and_then(|s| sources.locate(s));
    let sev = severity(d.severity);
    match &loc {
        Some(l) => writeln!(out, "{l}: {sev}[{}]: {}", d.code, d.message)?,
        None => writeln!(out, "{sev}[{}]: {}", d.code, d.message)?,
    }
    if let (Some(l), Some(span)) = (&loc, d.span)
        && let Some(file) = sources.get(span.file_id())
    {
        let line = file.line(l.line);
        if !line.is_empty() {
            let shown: String = line.chars().take(160).collect();
            let width = l.line.to_string().len();
            writeln!(out, "{:width$} |", "")?;
            writeln!(out, "{} | {}", l.line, shown.replace('\t', " "))?;
            let lead = l.col.saturating_sub(1).min(shown.chars().count());
            let caret_len = file
                .text
                .get(span.start as usize..span.end as usize)
                .map_or(1, |s| s.split('\n').next().unwrap_or("").chars().count())
                .clamp(1, 80);
            writeln!(
                out,
                "{:width$} | {}{}",
                "",
                " ".repeat(lead),
                "^".repeat(caret_len)
            )?;
        }
    }
    if let Some(h) = &d.hint {
        writeln!(out, "  = hint: {h}")?;
    }
    Ok(())
}

pub fn summary(out: &mut dyn Write, c: Counts) -> std::io::Result<()> {
    writeln!(
        out,
        "{}, {}",
        plural(c.warnings, "warning"),
        plural(c.errors, "error")
    )
}
