//! Diagnostics for machines: `short` (`file:line:col: severity[code]: message`, what
//! editors and `grep` read), `json` (one object per line, the fields documented in README
//! and stable) and `github` (GitHub Actions workflow commands, so that a pull request shows
//! each problem on its line).

use notes2book_model::{Diagnostic, Severity, Sources};
use serde::Serialize;

/// Where a diagnostic is: the file as the user would type it, and 1-based line and
/// column (in characters) of its start and end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end: End,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct End {
    pub line: usize,
    pub column: usize,
}

/// The place of a diagnostic, when it has one; `shown` turns a source path into the path
/// printed.
pub fn place(
    d: &Diagnostic,
    sources: &Sources,
    shown: &dyn Fn(&std::path::Path) -> String,
) -> Option<Place> {
    let span = d.span?;
    let file = sources.get(span.file_id())?;
    let (line, column) = file.line_col(span.start as usize);
    let (end_line, end_column) = file.line_col(span.end as usize);
    Some(Place {
        file: shown(&file.path),
        line,
        column,
        end: End {
            line: end_line,
            column: end_column,
        },
    })
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// `notes/a.md:3:5: warning[image-missing]: image `x.png` not found`.
pub fn short(d: &Diagnostic, at: Option<&Place>) -> String {
    let head = format!(
        "{}[{}]: {}",
        severity(d.severity),
        d.code,
        one_line(&d.message)
    );
    match at {
        Some(p) => format!("{}:{}:{}: {head}", p.file, p.line, p.column),
        None => head,
    }
}

/// One JSON object: `{"kind":"diagnostic","severity":…,"code":…,"message":…,"file":…,
/// "line":…,"column":…,"end":{"line":…,"column":…},"hint":…}`; the place's fields are
/// `null` when the diagnostic has none.
pub fn json(d: &Diagnostic, at: Option<&Place>) -> String {
    #[derive(Serialize)]
    struct Json<'a> {
        kind: &'static str,
        severity: &'static str,
        code: &'a str,
        message: &'a str,
        file: Option<&'a str>,
        line: Option<usize>,
        column: Option<usize>,
        end: Option<&'a End>,
        hint: Option<&'a str>,
    }
    let j = Json {
        kind: "diagnostic",
        severity: severity(d.severity),
        code: d.code,
        message: &d.message,
        file: at.map(|p| p.file.as_str()),
        line: at.map(|p| p.line),
        column: at.map(|p| p.column),
        end: at.map(|p| &p.end),
        hint: d.hint.as_deref(),
    };
    serde_json::to_string(&j).unwrap_or_default()
}

/// A GitHub Actions workflow command: `::warning file=…,line=…,col=…,endLine=…,
/// endColumn=…,title=…::message` (`notice` for notes), the hint on the message's second
/// line.
pub fn github(d: &Diagnostic, at: Option<&Place>) -> String {
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let mut props = Vec::new();
    if let Some(p) = at {
        props.push(format!("file={}", property(&p.file)));
        props.push(format!("line={}", p.line));
        props.push(format!("col={}", p.column));
        props.push(format!("endLine={}", p.end.line));
        // GitHub takes an end column only on the start's line.
        if p.end.line == p.line {
            props.push(format!("endColumn={}", p.end.column));
        }
    }
    props.push(format!(
        "title={}",
        property(&format!("notes2book {}", d.code))
    ));
    let mut message = d.message.clone();
    if let Some(h) = &d.hint {
        message.push_str("\nhint: ");
        message.push_str(h);
    }
    format!("::{command} {}::{}", props.join(","), data(&message))
}

/// `{"kind":"summary","errors":…,"warnings":…,"notes":…}`.
pub fn json_summary(errors: usize, warnings: usize, notes: usize) -> String {
    serde_json::json!({"kind": "summary", "errors": errors, "warnings": warnings, "notes": notes})
        .to_string()
}

/// `{"kind":"artifact","path":…}`: a book written.
pub fn json_artifact(path: &std::path::Path) -> String {
    serde_json::json!({"kind": "artifact", "path": path.display().to_string()}).to_string()
}

/// A workflow command's message, escaped as the runner unescapes it.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: also `:` and `,` escaped.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A message on one line (the short format is read line by line).
fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use notes2book_model::Span;

    fn sample() -> (Diagnostic, Sources) {
        let mut sources = Sources::default();
        let file = sources.add(
            "notes/a.md".into(),
            "# T\n\nSee ![a](x,y.png) 東京\n".into(),
        );
        let d = Diagnostic::warning("image-missing", "image `x,y.png` not found: 100%")
            .at(Span::new(file, 9, 23))
            .hint("add the file\nor fix the path");
        (d, sources)
    }

    fn shown(p: &std::path::Path) -> String {
        p.display().to_string()
    }

    #[test]
    fn every_format_says_where() {
        let (d, sources) = sample();
        let at = place(&d, &sources, &shown);
        let p = at.as_ref().expect("a place");
        assert_eq!((p.line, p.column, p.end.line, p.end.column), (3, 5, 3, 19));
        assert_eq!(
            short(&d, at.as_ref()),
            "notes/a.md:3:5: warning[image-missing]: image `x,y.png` not found: 100%"
        );
        let j: serde_json::Value = serde_json::from_str(&json(&d, at.as_ref())).expect("JSON");
        assert_eq!(j["severity"], "warning");
        assert_eq!(j["code"], "image-missing");
        assert_eq!(j["file"], "notes/a.md");
        assert_eq!(
            (j["line"].as_u64(), j["column"].as_u64()),
            (Some(3), Some(5))
        );
        assert_eq!(j["end"]["column"], 19);
        assert_eq!(j["hint"], "add the file\nor fix the path");
        assert_eq!(
            github(&d, at.as_ref()),
            "::warning file=notes/a.md,line=3,col=5,endLine=3,endColumn=19,\
             title=notes2book image-missing::image `x,y.png` not found: 100%25%0Ahint: add \
             the file%0Aor fix the path"
        );
    }

    #[test]
    fn without_a_place_the_fields_are_absent_or_null() {
        let d = Diagnostic::note("draft-left-out", "a.md is a draft");
        assert_eq!(short(&d, None), "note[draft-left-out]: a.md is a draft");
        let j: serde_json::Value = serde_json::from_str(&json(&d, None)).expect("JSON");
        assert!(j["file"].is_null() && j["line"].is_null() && j["end"].is_null());
        assert_eq!(
            github(&d, None),
            "::notice title=notes2book draft-left-out::a.md is a draft"
        );
    }
}
