//! The layout on growing pathological notes: laying out a note 4× as large must take about
//! 4× as long, never 16× (the ratio test of pulldown-cmark's denial-of-service fuzzer).
//! Times are only compared with each other, never with a fixed number of seconds.
//!
//! A long paragraph once cost words × break opportunities here: every word scanned the
//! break opportunities and format spans of its whole paragraph.

use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

use notes2book_model::vfs::MemFs;
use notes2book_pdf::{PdfOptions, build};

/// t(4n) / t(n) above this is super-linear (linear is about 4, quadratic about 16).
const MAX_RATIO: f64 = 10.0;
const RUNS: usize = 3;

/// The median time of laying out and writing the note (parsing and images not counted).
fn layout_secs(note: &str) -> f64 {
    let mut fs = MemFs::new();
    fs.insert(Path::new("book/content/a.md"), note.as_bytes().to_vec());
    let (parsed, assets) = notes2book_tests::prepared_book(&fs, Path::new("book"), vec![]);
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            let pdf = build(&parsed.book, &assets, &PdfOptions::default());
            let took = t.elapsed().as_secs_f64();
            assert!(pdf.bytes.starts_with(b"%PDF-"));
            took
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[RUNS / 2]
}

/// Note generators for size n, with an n large enough that the note's own part of the
/// layout outweighs the fixed cost of a PDF (fonts, title page).
/// A family of notes: its name, a size n, and the note of size n.
type Family = (&'static str, usize, fn(usize) -> String);

fn families() -> Vec<Family> {
    vec![
        ("one long paragraph", 8_000, |n| {
            format!("# A\n\n{}\n", "word ".repeat(n))
        }),
        ("a paragraph of many spans", 2_000, |n| {
            format!("# A\n\n{}\n", "*em* **strong** `code` ".repeat(n))
        }),
        ("one long word", 100_000, |n| {
            format!("# A\n\n{}\n", "a".repeat(n))
        }),
        ("many headings", 500, |n| {
            format!("# A\n\n{}", "## Same\n\nText.\n\n".repeat(n))
        }),
        ("many footnotes", 1_000, |n| {
            let refs: String = (0..n).map(|i| format!("Text[^{i}]. ")).collect();
            let defs: String = (0..n).map(|i| format!("[^{i}]: Note {i}.\n")).collect();
            format!("# A\n\n{refs}\n\n{defs}")
        }),
        ("long table", 1_000, |n| {
            format!(
                "# A\n\n| a | b |\n|---|---|\n{}",
                "| x *y* | z |\n".repeat(n)
            )
        }),
        ("long code line", 25_000, |n| {
            format!("# A\n\n```\n{}\n```\n", "x = 1; ".repeat(n))
        }),
        ("many deep quotes and lists", 200, |n| {
            format!(
                "# A\n\n{}",
                format!("{}x\n\n{}y\n\n", "> ".repeat(30), "- ".repeat(30)).repeat(n)
            )
        }),
    ]
}

#[test]
fn layout_time_grows_linearly_on_pathological_notes() {
    let mut report = String::new();
    let mut slow = Vec::new();
    for (name, n, make) in families() {
        let (small, large) = (make(n), make(4 * n));
        let (t1, t4) = (layout_secs(&small), layout_secs(&large));
        let ratio = t4 / t1.max(1e-6);
        report.push_str(&format!(
            "{name:26} n={n:6}: {:8.1} ms, 4n: {:8.1} ms, ratio {ratio:5.2}\n",
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
