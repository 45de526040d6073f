//! The cache of prepared images: a second build reads them back and writes the same bytes;
//! `--no-cache` neither reads nor fills it; a damaged or deleted cache only costs time.

use std::path::Path;

use notes2book_tests::{run_env, stderr};

/// A note with a photo larger than the EPUB takes (so it is decoded and scaled: work worth
/// caching).
fn book() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let content = dir.path().join("content");
    std::fs::create_dir_all(&content).expect("mkdir");
    let photo = image::RgbImage::from_fn(2400, 1600, |x, y| {
        let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) % 97;
        image::Rgb([(x % 256) as u8, (y % 256) as u8, (n * 2) as u8])
    });
    photo.save(content.join("photo.jpg")).expect("photo");
    std::fs::write(
        content.join("a.md"),
        "---\ntitle: Cached\n---\n\nA photo:\n\n![A photo](photo.jpg)\n",
    )
    .expect("note");
    std::fs::write(
        dir.path().join("notes2book.yaml"),
        "title: Cached\ncover: false\n",
    )
    .expect("config");
    dir
}

fn build(root: &Path, cache: &Path, extra: &[&str]) -> (String, Vec<u8>) {
    let out = root.join("out");
    let o = out.display().to_string();
    let mut args = vec!["--epub", "-v", "-o", &o];
    args.extend_from_slice(extra);
    let run = run_env(
        root,
        &args,
        &[
            ("NOTES2BOOK_CACHE_DIR", &cache.display().to_string()),
            ("SOURCE_DATE_EPOCH", "1700000000"),
        ],
    );
    let err = stderr(&run);
    assert!(run.status.success(), "{err}");
    let epub = std::fs::read(out.join("cached.epub")).unwrap_or_else(|e| panic!("{e}\n{err}"));
    (err, epub)
}

fn entries(cache: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![cache.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                found.push(p);
            }
        }
    }
    found
}

#[test]
fn a_second_build_reads_prepared_images_from_the_cache() {
    let dir = book();
    let cache = dir.path().join("cache");
    let (err, first) = build(dir.path(), &cache, &[]);
    assert!(!err.contains("from the cache"), "{err}");
    let stored = entries(&cache);
    assert_eq!(stored.len(), 1, "one entry for the one photo: {stored:?}");

    let (err, second) = build(dir.path(), &cache, &[]);
    assert!(
        err.contains("prepare images (some from the cache)"),
        "{err}"
    );
    assert!(first == second, "the same EPUB from the cache");

    // --no-cache neither reads it nor writes to it.
    std::fs::remove_dir_all(&cache).expect("rm");
    let (err, third) = build(dir.path(), &cache, &["--no-cache"]);
    assert!(!err.contains("from the cache"), "{err}");
    assert!(!cache.exists(), "--no-cache wrote {:?}", entries(&cache));
    assert!(first == third);
}

#[test]
fn a_damaged_entry_is_prepared_again() {
    let dir = book();
    let cache = dir.path().join("cache");
    let (_, first) = build(dir.path(), &cache, &[]);
    let entry = entries(&cache).pop().expect("an entry");
    let bytes = std::fs::read(&entry).expect("read");
    std::fs::write(&entry, &bytes[..bytes.len() / 2]).expect("damage");
    let (err, second) = build(dir.path(), &cache, &[]);
    assert!(!err.contains("from the cache"), "{err}");
    assert!(first == second);
    // ... and stored again whole.
    let (err, third) = build(dir.path(), &cache, &[]);
    assert!(err.contains("from the cache"), "{err}");
    assert!(first == third);
}
