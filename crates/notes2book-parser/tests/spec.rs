//! Spec-style parser tests: every `tests/spec/*.txt` file holds many small cases, each a set
//! of note files (in memory) and the expected outline of the parsed book plus the expected
//! diagnostics. Run with `UPDATE_SPECS=1` to write the actual results into all files, or
//! `UPDATE_SPECS=name` (e.g. `markdown`) for one file, then review the diff; without it,
//! any difference or missing expectation fails.
//!
//! Format:
//! ```text
//! ==== case: a name [drafts] [no-mojibake-fix]
//! ---- file: a.md
//! # Hello
//! ---- outline
//! chapter 0 Note depth=0 "Hello" a.md #ch-a
//! ---- diagnostics
//! book/a.md:1:1: warning[code]: message
//! ```
//! File contents may use `\t` for a tab, `\r` for a carriage return and `\xNN` for a raw
//! byte (only where a file section starts with `---- bytes: name`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use notes2book_model::vfs::MemFs;
use notes2book_model::{Sources, outline};
use notes2book_parser::{ParseOptions, parse_book, site};

struct Case {
    header: String,
    name: String,
    files: Vec<(String, String, bool)>,
    outline: Option<String>,
    diagnostics: Option<String>,
}

fn parse_spec(text: &str) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    let mut section: Option<(String, String)> = None; // (kind, name)
    let mut buf = String::new();
    let flush = |cases: &mut Vec<Case>, section: &Option<(String, String)>, buf: &mut String| {
        let body = std::mem::take(buf);
        let Some(case) = cases.last_mut() else { return };
        match section.as_ref().map(|(k, n)| (k.as_str(), n.clone())) {
            Some(("file", n)) => case.files.push((n, body, false)),
            Some(("bytes", n)) => case.files.push((n, body, true)),
            Some(("outline", _)) => case.outline = Some(body),
            Some(("diagnostics", _)) => case.diagnostics = Some(body),
            _ => {}
        }
    };
    for line in text.split_inclusive('\n') {
        if let Some(h) = line.strip_prefix("==== case: ") {
            flush(&mut cases, &section, &mut buf);
            section = None;
            let h = h.trim_end().to_owned();
            let name = h.split(" [").next().unwrap_or(&h).to_owned();
            cases.push(Case {
                header: h,
                name,
                files: vec![],
                outline: None,
                diagnostics: None,
            });
        } else if let Some(s) = line.strip_prefix("---- ") {
            flush(&mut cases, &section, &mut buf);
            let s = s.trim_end();
            let (kind, name) = s.split_once(": ").map_or((s, ""), |(k, n)| (k, n));
            section = Some((kind.to_owned(), name.to_owned()));
        } else {
            buf.push_str(line);
        }
    }
    flush(&mut cases, &section, &mut buf);
    cases
}

fn unescape_bytes(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len() + 1
            && b.get(i + 1) == Some(&b'x')
            && let Ok(v) = u8::from_str_radix(&s[i + 2..i + 4], 16)
        {
            out.push(v);
            i += 4;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn run_case(case: &Case) -> (String, String) {
    let mut fs = MemFs::new();
    for (name, body, raw) in &case.files {
        let body = body.replace("\\t", "\t").replace("\\r", "\r");
        let bytes = if *raw {
            unescape_bytes(&body)
        } else {
            body.into_bytes()
        };
        fs.insert(Path::new("book").join(name), bytes);
    }
    let mut opts = ParseOptions::new("book/content");
    if !case.files.iter().any(|(n, _, _)| n.starts_with("content/")) {
        opts.input = PathBuf::from("book");
    }
    opts.drafts = case.header.contains("[drafts]");
    opts.fix_mojibake = !case.header.contains("[no-mojibake-fix]");
    // A site's configuration among the files (`hugo.toml`, `book.toml`) is read as the
    // CLI reads it: the notes folder, page addresses, whether `[[x]]` is a link.
    let mut sources = Sources::default();
    if let Some(located) = site::locate(&fs, Path::new("book"))
        && located
            .kind()
            .is_some_and(|k| k != site::SiteKind::Notes2book)
    {
        let site = site::read(&fs, &located, &mut sources);
        if let Some(input) = site.input {
            opts.input = input;
        }
        opts.urls = site.urls;
        opts.wikilinks = located.vault.is_some()
            || !matches!(
                located.kind(),
                Some(site::SiteKind::Hugo | site::SiteKind::MdBook)
            );
    }
    let mut parsed = parse_book(&fs, &opts, sources);
    let resolve = notes2book_assets::ResolveOptions {
        root: PathBuf::from("book"),
        input: opts.input.clone(),
        static_dirs: vec![],
        ..Default::default()
    };
    let d = notes2book_assets::resolve(&mut parsed.book, &fs, &resolve);
    parsed.diagnostics.extend(d);
    let mut diags = String::new();
    for d in &parsed.diagnostics {
        let loc = d
            .span
            .and_then(|s| parsed.sources.locate(s))
            .map_or("-".into(), |l| l.to_string());
        let _ = writeln!(diags, "{loc}: {}[{}]: {}", d.severity, d.code, d.message);
    }
    (outline(&parsed.book), diags)
}

fn render(cases: &[(&Case, String, String)]) -> String {
    let mut out = String::new();
    for (case, outline, diags) in cases {
        let _ = writeln!(out, "==== case: {}", case.header);
        for (name, body, raw) in &case.files {
            let kind = if *raw { "bytes" } else { "file" };
            let _ = write!(out, "---- {kind}: {name}\n{body}");
        }
        let _ = write!(out, "---- outline\n{outline}");
        let _ = write!(out, "---- diagnostics\n{diags}");
    }
    out
}

#[test]
fn spec_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/spec");
    let update_spec = std::env::var("UPDATE_SPECS").ok();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.retain(|p| p.extension().is_some_and(|e| e == "txt"));
    entries.sort();
    assert!(!entries.is_empty(), "no spec files in {}", dir.display());
    let mut failures = Vec::new();
    let mut count = 0;
    for path in entries {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let cases = parse_spec(&text);
        let mut results = Vec::new();
        for case in &cases {
            count += 1;
            let (outline, diags) = run_case(case);
            let file = path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            if case.outline.as_deref() != Some(outline.as_str()) {
                failures.push(format!(
                    "{file} / {}: outline differs\n--- expected\n{}--- actual\n{outline}",
                    case.name,
                    case.outline.as_deref().unwrap_or("(missing)\n")
                ));
            }
            if case.diagnostics.as_deref() != Some(diags.as_str()) {
                failures.push(format!(
                    "{file} / {}: diagnostics differ\n--- expected\n{}--- actual\n{diags}",
                    case.name,
                    case.diagnostics.as_deref().unwrap_or("(missing)\n")
                ));
            }
            results.push((case, outline, diags));
        }
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if update_spec
            .as_deref()
            .is_some_and(|u| u == "1" || u == stem)
        {
            let _ = std::fs::write(&path, render(&results));
        }
    }
    if update_spec.is_some() {
        return;
    }
    assert!(
        failures.is_empty(),
        "{} of {count} spec cases failed:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}
