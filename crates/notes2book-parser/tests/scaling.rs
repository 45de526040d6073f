//! The parser on growing pathological notes: parsing a note 4× as large must take about 4×
//! as long, never 16× (the ratio test of pulldown-cmark's denial-of-service fuzzer). Times
//! are only ever compared with each other, never with a fixed number of seconds.
//!
//! Each family once cost n² here: 20,000-deep emphasis walked the whole stack of skipped
//! levels at every event, and 100,000 identical headings tried `same-1`, `same-2`, … from
//! the start for each one; each of n nested `details` shortcodes searched the rest of the
//! note for its closing tag, and each unclosed `{{#include` searched it for `}}`.

use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use notes2book_model::Sources;
use notes2book_model::vfs::MemFs;
use notes2book_parser::{ParseOptions, parse_book};

/// t(4n) / t(n) above this is super-linear (linear is about 4, quadratic about 16).
const MAX_RATIO: f64 = 10.0;
const RUNS: usize = 3;

fn parse(note: &str) -> Duration {
    let mut fs = MemFs::new();
    fs.insert(Path::new("book/content/a.md"), note.as_bytes().to_vec());
    fs.insert(
        Path::new("book/content/b.md"),
        b"# B\n\nThe other note.\n".to_vec(),
    );
    let opts = ParseOptions::new("book/content");
    let t = Instant::now();
    let parsed = parse_book(&fs, &opts, Sources::default());
    let took = t.elapsed();
    assert_eq!(parsed.book.chapters.len(), 2, "{:?}", parsed.diagnostics);
    took
}

fn median(note: &str) -> f64 {
    let mut times: Vec<f64> = (0..RUNS).map(|_| parse(note).as_secs_f64()).collect();
    times.sort_by(f64::total_cmp);
    times[RUNS / 2]
}

/// Note generators for size n, and an n large enough that parsing takes tens of
/// milliseconds (so that noise does not dominate).
/// A family of notes: its name, a size n, and the note of size n.
type Family = (&'static str, usize, fn(usize) -> String);

fn families() -> Vec<Family> {
    vec![
        ("nested emphasis", 10_000, |n| {
            format!("# A\n\n{}x{}\n", "*a ".repeat(n), " b*".repeat(n))
        }),
        ("nested quotes", 20_000, |n| {
            format!("# A\n\n{}x\n", "> ".repeat(n))
        }),
        ("nested lists", 20_000, |n| {
            format!("# A\n\n{}x\n", "- ".repeat(n))
        }),
        ("identical headings", 2_000, |n| {
            format!("# A\n\n{}", "## Same\n\nText.\n\n".repeat(n))
        }),
        ("one id written many times", 2_000, |n| {
            format!("# A\n\n{}", "## Same {#same}\n\n".repeat(n))
        }),
        ("footnotes", 2_000, |n| {
            let refs: String = (0..n).map(|i| format!("Text[^{i}]. ")).collect();
            let defs: String = (0..n).map(|i| format!("[^{i}]: Note {i}.\n")).collect();
            format!("# A\n\n{refs}\n\n{defs}")
        }),
        ("links", 2_000, |n| {
            "[b](b.md) [[b]] [self](#a) <https://example.org> ".repeat(n)
        }),
        ("long table", 2_000, |n| {
            format!("| a | b |\n|---|---|\n{}", "| x *y* | [[b]] |\n".repeat(n))
        }),
        ("long line", 100_000, |n| {
            format!("# A\n\n{}\n", "word ".repeat(n))
        }),
        ("unclosed shortcodes", 5_000, |n| {
            format!("# A\n\n{}\n", "{{< figure src=\"x.png\" ".repeat(n))
        }),
        ("nested details", 2_000, |n| {
            let open = "{{< details summary=\"s\" >}}\n\n".repeat(n);
            format!("# A\n\n{open}inner\n\n{}", "{{< /details >}}\n\n".repeat(n))
        }),
        ("unclosed details", 2_000, |n| {
            format!(
                "# A\n\n{}",
                "{{< details summary=\"s\" >}}\n\nx\n\n".repeat(n)
            )
        }),
        ("unclosed includes", 5_000, |n| {
            format!("# A\n\n{}}}}}\n", "{{#include x\n{{#title y\n".repeat(n))
        }),
        ("inline HTML", 5_000, |n| {
            format!(
                "# A\n\ntext {}x{}\n",
                "<span>".repeat(n),
                "</span>".repeat(n)
            )
        }),
    ]
}

#[test]
fn parse_time_grows_linearly_on_pathological_notes() {
    let mut report = String::new();
    let mut slow = Vec::new();
    for (name, n, make) in families() {
        let small = make(n);
        let large = make(4 * n);
        let _ = parse(&small); // warm up
        let (t1, t4) = (median(&small), median(&large));
        let ratio = t4 / t1.max(1e-6);
        report.push_str(&format!(
            "{name:28} n={n:6}: {:8.1} ms, 4n: {:8.1} ms, ratio {ratio:5.2}\n",
            t1 * 1e3,
            t4 * 1e3
        ));
        if ratio > MAX_RATIO {
            slow.push(name);
        }
    }
    let _ = write!(std::io::stderr(), "{report}");
    assert!(slow.is_empty(), "super-linear: {slow:?}\n{report}");
}

#[test]
fn parameter_text_is_capped() {
    // 100 kB of parameter used 100 times: 10 MB of text from a 100 kB note, uncapped.
    let note = format!(
        "---\ntitle: P\nparams:\n  big: \"{}\"\n---\n{}",
        "word ".repeat(20_000),
        "{{< param big >}}\n\n".repeat(100)
    );
    let mut fs = MemFs::new();
    fs.insert(Path::new("book/content/a.md"), note.into_bytes());
    let parsed = parse_book(&fs, &ParseOptions::new("book/content"), Sources::default());
    let text = serde_json::to_string(&parsed.book).expect("model as JSON");
    assert!(text.len() < 2 * 1024 * 1024, "{} bytes", text.len());
    assert!(text.len() > 1024 * 1024 / 2, "{} bytes", text.len());
    let warned: Vec<_> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.code == "param-too-large")
        .collect();
    assert_eq!(warned.len(), 1, "{:?}", parsed.diagnostics);
}
