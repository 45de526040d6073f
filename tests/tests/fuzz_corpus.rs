//! Replays the fuzz corpus on stable Rust: every committed seed (`fuzz/corpus/<target>/`)
//! and every input a fuzzer ever failed on (`fuzz/regressions/<target>/`) goes through the
//! same property check as in `cargo fuzz run <target>` (see `notes2book_tests::fuzz`).
//! A file in `regressions/` is named for what it found; the test that shows the fix is
//! beside the fix.

use std::path::Path;

use notes2book_tests::{fuzz, repo};

fn replay(target: &str, check: fn(&[u8])) {
    let mut files = Vec::new();
    for dir in ["corpus", "regressions"] {
        let dir = repo().join("fuzz").join(dir).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        // In the corpus folders only the committed seeds: a running fuzzer adds and
        // removes its own files there.
        files.extend(
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| dir_is_regressions(p) || name(p).starts_with("seed-")),
        );
    }
    files.sort();
    assert!(
        files.len() >= 10,
        "fuzz/corpus/{target} should hold the committed seeds, found {}",
        files.len()
    );
    let mut failed = Vec::new();
    for f in &files {
        let data = std::fs::read(f).unwrap_or_else(|e| panic!("read {}: {e}", f.display()));
        if std::panic::catch_unwind(|| check(&data)).is_err() {
            failed.push(name(f));
        }
    }
    assert!(
        failed.is_empty(),
        "{target}: the property fails for {failed:?}"
    );
}

fn dir_is_regressions(p: &Path) -> bool {
    p.parent()
        .and_then(Path::parent)
        .is_some_and(|d| d.ends_with("regressions"))
}

fn name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn front_matter_corpus() {
    replay("front_matter", fuzz::front_matter);
}

#[test]
fn shortcode_corpus() {
    replay("shortcode", fuzz::shortcodes);
}

#[test]
fn note_corpus() {
    replay("note", fuzz::note);
}

#[test]
fn xhtml_corpus() {
    replay("xhtml", fuzz::xhtml);
}
