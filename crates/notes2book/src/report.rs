//! Rendering diagnostics for people, with `annotate-snippets`: severity and stable code
//! (`warning[image-missing]: …`), `--> path:line:col`, the source line with a caret under
//! the span, the hint, and a closing count.

use std::io::Write;

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use notes2book_model::{Diagnostic, Severity, SourceFile, Sources, Span};

#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

impl Counts {
    /// Count one more diagnostic of this severity.
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Note => self.notes += 1,
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// How diagnostics are printed (`--message-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// For people: the source line, a caret under the place, the hint.
    #[default]
    Human,
    /// `file:line:col: severity[code]: message`.
    Short,
    /// One JSON object per line.
    Json,
    /// GitHub Actions workflow commands.
    Github,
}

/// Renders diagnostics, in colour or as plain text (decided once, by `main`, from
/// `--color` and the terminal), in the format asked for.
#[derive(Debug, Clone)]
pub struct Reporter {
    renderer: Renderer,
    format: Format,
    /// The current folder (real path): files inside it are shown relative to it.
    base: std::path::PathBuf,
}

impl Reporter {
    pub fn new(color: bool, format: Format) -> Self {
        Reporter {
            renderer: if color && format == Format::Human {
                Renderer::styled()
            } else {
                Renderer::plain()
            },
            format,
            base: std::env::current_dir()
                .and_then(std::fs::canonicalize)
                .unwrap_or_default(),
        }
    }

    /// Whether the output is for a program: only its own lines are printed.
    pub fn is_machine(&self) -> bool {
        self.format == Format::Json
    }

    /// The closing count: "2 warnings, 0 errors", or a JSON summary.
    pub fn summary(&self, out: &mut dyn Write, c: Counts) -> std::io::Result<()> {
        match self.format {
            Format::Json => writeln!(
                out,
                "{}",
                crate::formats::json_summary(c.errors, c.warnings, c.notes)
            ),
            _ => summary(out, c),
        }
    }

    /// A line about the run as a whole ("nothing written: …").
    pub fn line(&self, out: &mut dyn Write, text: &str) -> std::io::Result<()> {
        match self.format {
            Format::Json => writeln!(
                out,
                "{}",
                serde_json::json!({"kind": "message", "message": text})
            ),
            _ => writeln!(out, "{text}"),
        }
    }

    /// A book written.
    pub fn wrote(&self, out: &mut dyn Write, path: &std::path::Path) -> std::io::Result<()> {
        match self.format {
            Format::Json => writeln!(out, "{}", crate::formats::json_artifact(path)),
            _ => writeln!(out, "wrote {}", path.display()),
        }
    }

    /// A source file's path as the user would type it from here.
    fn shown(&self, path: &std::path::Path) -> String {
        crate::project::shown(path, &self.base)
            .display()
            .to_string()
    }

    pub fn render(
        &self,
        out: &mut dyn Write,
        d: &Diagnostic,
        sources: &Sources,
    ) -> std::io::Result<()> {
        use crate::formats;
        let at = || formats::place(d, sources, &|p| self.shown(p));
        match self.format {
            Format::Human => self.render_human(out, d, sources),
            Format::Short => writeln!(out, "{}", formats::short(d, at().as_ref())),
            Format::Json => writeln!(out, "{}", formats::json(d, at().as_ref())),
            Format::Github => writeln!(out, "{}", formats::github(d, at().as_ref())),
        }
    }

    fn render_human(
        &self,
        out: &mut dyn Write,
        d: &Diagnostic,
        sources: &Sources,
    ) -> std::io::Result<()> {
        let level = match d.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
            Severity::Note => Level::NOTE,
        };
        let mut group = Group::with_title(level.primary_title(d.message.as_str()).id(d.code));
        if let Some(span) = d.span
            && let Some(file) = sources.get(span.file_id())
        {
            group = match source_line(file, span) {
                Some(line) => group.element(
                    Snippet::source(line.text)
                        .path(self.shown(&file.path))
                        .line_start(line.number)
                        .annotation(AnnotationKind::Primary.span(line.span)),
                ),
                // Nothing to show (an empty line, the end of the file): the place only.
                None => {
                    let (line, col) = file.line_col(span.start as usize);
                    group.element(
                        Origin::path(self.shown(&file.path))
                            .line(line)
                            .char_column(col),
                    )
                }
            };
        }
        if let Some(h) = &d.hint {
            // Hints quote note text and file names: no control characters reach the terminal.
            let hint = annotate_snippets::normalize_untrusted_str(h);
            group = group.element(Level::HELP.with_name("hint").message(hint));
        }
        // A blank line after each, as compilers do: one diagnostic is one paragraph.
        writeln!(out, "{}\n", self.renderer.render(&[group]))
    }
}

/// The line a span starts on, and the span within it as a byte range (what
/// annotate-snippets expects; it counts the columns it prints in characters).
struct SourceLine<'a> {
    text: &'a str,
    number: usize,
    span: std::ops::Range<usize>,
}

fn source_line(file: &SourceFile, span: Span) -> Option<SourceLine<'_>> {
    let (number, _) = file.line_col(span.start as usize);
    let text = file.line(number);
    if text.trim().is_empty() {
        return None;
    }
    let line_start = file.line_start(number);
    // Only the first line of a span is shown; a span that ends past it is cut at its end.
    let start = char_floor(text, (span.start as usize).saturating_sub(line_start));
    let end = char_floor(text, (span.end as usize).saturating_sub(line_start)).max(start);
    Some(SourceLine {
        text,
        number,
        span: start..end,
    })
}

/// `at`, clamped to the text and moved back to the start of the character it falls in.
fn char_floor(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

pub fn summary(out: &mut dyn Write, c: Counts) -> std::io::Result<()> {
    writeln!(
        out,
        "{}, {}",
        plural(c.warnings, "warning"),
        plural(c.errors, "error")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(text: &str, start: usize, end: usize, hint: Option<&str>) -> String {
        let mut sources = Sources::default();
        let file = sources.add("notes/a.md".into(), text.to_owned());
        let mut d = Diagnostic::warning("image-missing", "image `x.png` not found")
            .at(Span::new(file, start, end));
        if let Some(h) = hint {
            d = d.hint(h);
        }
        let mut out = Vec::new();
        Reporter::new(false, Format::Human)
            .render(&mut out, &d, &sources)
            .expect("write to a Vec");
        String::from_utf8(out).expect("UTF-8")
    }

    /// The column of the first `^` under the source line, in characters.
    fn caret(out: &str) -> (usize, usize) {
        let line = out
            .lines()
            .find(|l| l.contains('^'))
            .unwrap_or_else(|| panic!("no caret in\n{out}"));
        let bar = line.find('|').expect("gutter");
        let after: Vec<char> = line[bar + 2..].chars().collect();
        let col = after.iter().position(|&c| c == '^').expect("caret");
        let len = after[col..].iter().take_while(|&&c| c == '^').count();
        (col, len)
    }

    #[test]
    fn severity_code_place_line_caret_and_hint() {
        let text = "# T\n\nSee ![a](x.png) here.\n";
        let start = text.find("![a]").expect("span");
        let out = rendered(text, start, start + 11, Some("add the file"));
        assert!(
            out.starts_with("warning[image-missing]: image `x.png` not found\n"),
            "{out}"
        );
        assert!(out.contains("--> notes/a.md:3:5\n"), "{out}");
        assert!(out.contains("3 | See ![a](x.png) here.\n"), "{out}");
        assert_eq!(caret(&out), (4, 11), "{out}");
        assert!(out.contains("= hint: add the file"), "{out}");
    }

    #[test]
    fn columns_count_characters_after_accents_and_cjk() {
        // A two-byte é and two three-byte CJK characters before the span: the byte offset
        // is 10, the column 6 (5 characters before it), and the caret stands under `![`.
        let text = "é 東京 ![b](y.png)\n";
        let start = text.find("![").expect("span");
        assert_eq!(start, 10);
        let out = rendered(text, start, start + 11, None);
        assert!(out.contains("--> notes/a.md:1:6\n"), "{out}");
        let (col, len) = caret(&out);
        // East Asian characters take two columns each on a terminal.
        assert_eq!((col, len), (7, 11), "{out}");
    }

    #[test]
    fn a_span_inside_a_character_or_past_the_line_is_clamped() {
        let text = "aé\nnext\n";
        // Byte 2 is inside `é`; the end is on the next line.
        let out = rendered(text, 2, 6, None);
        assert!(out.contains("--> notes/a.md:1:2\n"), "{out}");
        assert_eq!(caret(&out), (1, 1), "{out}");
    }

    #[test]
    fn without_a_span_severity_code_and_message_still_print() {
        let d = Diagnostic::error("out-dir-is-file", "the output folder book is a file")
            .hint("pass another folder with -o DIR");
        let mut out = Vec::new();
        Reporter::new(false, Format::Human)
            .render(&mut out, &d, &Sources::default())
            .expect("write to a Vec");
        let out = String::from_utf8(out).expect("UTF-8");
        assert!(
            out.starts_with("error[out-dir-is-file]: the output folder book is a file\n"),
            "{out}"
        );
        assert!(
            out.contains("= hint: pass another folder with -o DIR"),
            "{out}"
        );
        assert!(!out.contains("-->"), "{out}");
    }

    #[test]
    fn an_empty_line_gives_the_place_without_a_snippet() {
        let mut sources = Sources::default();
        let file = sources.add("notes2book.yaml".into(), "title: A\n\n".to_owned());
        let d = Diagnostic::error("config-invalid", "invalid config").at(Span::new(file, 9, 9));
        let mut out = Vec::new();
        Reporter::new(false, Format::Human)
            .render(&mut out, &d, &sources)
            .expect("write to a Vec");
        let out = String::from_utf8(out).expect("UTF-8");
        assert!(out.contains("--> notes2book.yaml:2:1"), "{out}");
        assert!(!out.contains('^'), "{out}");
    }

    #[test]
    fn colour_only_when_asked() {
        let d = Diagnostic::warning("w", "m");
        let mut plain = Vec::new();
        let mut styled = Vec::new();
        let sources = Sources::default();
        Reporter::new(false, Format::Human)
            .render(&mut plain, &d, &sources)
            .expect("write");
        Reporter::new(true, Format::Human)
            .render(&mut styled, &d, &sources)
            .expect("write");
        assert!(!plain.contains(&0x1b));
        assert!(styled.contains(&0x1b));
    }
}
