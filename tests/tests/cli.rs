//! End to end: fixture note folders run through the real `notes2book` binary; stdout (the
//! model dump), stderr (diagnostics) and exit codes are asserted.

use std::path::Path;
use std::process::Output;

use notes2book_tests::{repo, run_env, stderr};
use serde_json::Value;

fn run(dir: &Path, args: &[&str]) -> Output {
    run_env(dir, args, &[])
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("dump is not JSON: {e}\n{}", stderr(o)))
}

fn titles(book: &Value) -> Vec<String> {
    book["chapters"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| c["title"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Every value of `key` anywhere under `v`.
fn all<'a>(v: &'a Value, key: &str, out: &mut Vec<&'a Value>) {
    match v {
        Value::Object(m) => {
            if let Some(x) = m.get(key) {
                out.push(x);
            }
            for x in m.values() {
                all(x, key, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| all(x, key, out)),
        _ => {}
    }
}

fn count_type(book: &Value, ty: &str) -> usize {
    let mut types = Vec::new();
    all(&book["chapters"], "type", &mut types);
    types.iter().filter(|t| t.as_str() == Some(ty)).count()
}

/// Whether stderr holds a diagnostic that starts with `head` (`warning[code]: message…`)
/// and points at `place` (`path:line:col`, annotate-snippets' `--> path:line:col` line).
fn reported_at(err: &str, head: &str, place: &str) -> bool {
    let lines: Vec<&str> = err.lines().collect();
    lines
        .windows(2)
        .any(|w| w[0].starts_with(head) && w[1].trim_start().strip_prefix("--> ") == Some(place))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let dest = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).expect("copy");
        }
    }
}

#[test]
fn sample_book_dumps_in_order_with_the_missing_image_reported_once() {
    let out = run(&repo(), &["dump", "content"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let book = json(&out);
    assert_eq!(
        titles(&book),
        [
            "Telling time by the Sun",
            "Oscillators and quartz",
            "Leap seconds",
            "Synchronising clocks with NTP",
            "Wall clocks and monotonic clocks",
            "Time in distributed systems",
            "Happened-before and Lamport clocks",
            "Vector clocks",
            "Time zones",
            "References",
        ]
    );
    assert_eq!(book["metadata"]["title"], "How Computers Keep Time");
    // The draft is left out, and the run says so.
    assert!(err.contains("gps-time.md is a draft"), "{err}");
    assert_eq!(book["left_out"][0]["path"], "gps-time.md");
    // The missing figure: one warning, with file:line:col.
    assert_eq!(err.matches("image-missing").count(), 1, "{err}");
    assert!(
        reported_at(
            &err,
            "warning[image-missing]: image `/images/missing-escapement.png` not found",
            "content/sundials/index.md:35:1"
        ),
        "{err}"
    );
    assert!(err.contains("1 warning, 0 errors"), "{err}");
    // Shortcodes and wikilinks are model nodes, not text.
    let mut syntaxes = Vec::new();
    all(&book["chapters"], "syntax", &mut syntaxes);
    for want in ["shortcode", "wiki", "ref"] {
        assert!(
            syntaxes.iter().any(|s| s.as_str() == Some(want)),
            "no {want} node"
        );
    }
    assert!(count_type(&book, "details") >= 1);
    assert!(count_type(&book, "callout") >= 2);
    assert!(count_type(&book, "highlight") >= 1);
    let mut texts = Vec::new();
    all(&book["chapters"], "value", &mut texts);
    let leaked: Vec<_> = texts
        .iter()
        .filter_map(|t| t.as_str())
        .filter(|t| t.contains("{{<") || t.contains("[[") || t.contains("%%"))
        .collect();
    assert!(
        leaked.is_empty(),
        "shortcode or wiki syntax leaked into text: {leaked:?}"
    );
    // Every link between notes resolved.
    let mut targets = Vec::new();
    all(&book["chapters"], "target", &mut targets);
    assert!(targets.len() >= 15);
    assert!(
        targets.iter().all(|t| t["to"] != "unresolved"),
        "{targets:?}"
    );
}

#[test]
fn drafts_flag_brings_the_draft_back() {
    let out = run(&repo(), &["dump", "content", "--drafts"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let book = json(&out);
    assert!(titles(&book).iter().any(|t| t == "GPS time"));
    assert_eq!(book["left_out"].as_array().map(Vec::len), Some(0));
}

#[test]
fn strict_fails_on_the_missing_image() {
    let out = run(&repo(), &["check", "content", "--strict"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn windows_1252_and_mojibake_notes_are_repaired_and_reported() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let book = tmp.path().join("book");
    copy_dir(&repo().join("content"), &book);
    // One note saved as Windows-1252.
    let zones = std::fs::read_to_string(book.join("time-zones.md")).expect("read");
    let (cp1252, _, lossy) = encoding_rs::WINDOWS_1252.encode(&zones);
    assert!(!lossy, "the note must be representable in Windows-1252");
    std::fs::write(book.join("time-zones.md"), &cp1252).expect("write");
    // One note whose accented words went through a UTF-8 → Latin-1 mix-up.
    let garbled = |s: &str| s.bytes().map(char::from).collect::<String>();
    let mojibake = format!(
        "---\ntitle: Mojibake\nweight: 90\n---\nThe {} cluster in {} serves a {} {}.\n\nCorrect text: Zürich, naïve, 東京, Ελληνικά.\n",
        garbled("Kübernetes"),
        garbled("Zürich"),
        garbled("café"),
        garbled("—")
    );
    std::fs::write(book.join("mojibake.md"), mojibake).expect("write");
    let out = run(tmp.path(), &["dump", "book"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.lines()
            .any(|l| l.trim_start().starts_with("--> book/time-zones.md:"))
            && err.contains("warning[not-utf8]"),
        "{err}"
    );
    assert_eq!(
        err.matches("warning[mojibake]").count(),
        1,
        "one line repaired: {err}"
    );
    assert!(err.contains("--> book/mojibake.md:5:"), "{err}");
    let dump = String::from_utf8_lossy(&out.stdout);
    assert!(
        dump.contains("The Kübernetes cluster in Zürich serves a café —."),
        "repaired text missing"
    );
    assert!(
        dump.contains("Correct text: Zürich, naïve, 東京, Ελληνικά."),
        "correct text changed"
    );
    // The Windows-1252 note reads exactly as the UTF-8 original did.
    let original = run(&repo(), &["dump", "content"]);
    let orig_book = json(&original);
    let new_book = json(&out);
    let find = |b: &Value| {
        b["chapters"].as_array().and_then(|a| {
            a.iter()
                .find(|c| c["title"] == "Time zones")
                .map(|c| c["blocks"].clone())
        })
    };
    let strip_spans = |v: Option<Value>| v.map(|v| v.to_string().split("\"span\"").count());
    assert_eq!(strip_spans(find(&orig_book)), strip_spans(find(&new_book)));
    let text_of = |v: Option<Value>| {
        let v = v.unwrap_or(Value::Null);
        let mut t = Vec::new();
        all(&v, "value", &mut t);
        t.iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect::<Vec<_>>()
    };
    assert_eq!(text_of(find(&orig_book)), text_of(find(&new_book)));
}

#[test]
fn broken_front_matter_is_an_error_but_the_other_notes_build() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let notes = tmp.path().join("notes");
    std::fs::create_dir_all(&notes).expect("mkdir");
    std::fs::write(notes.join("good.md"), "# Good\n\nFine.\n").expect("write");
    std::fs::write(
        notes.join("bad.md"),
        "---\ntitle: Bad\ntags: [a, b\n---\nBody.\n",
    )
    .expect("write");
    let out = run(tmp.path(), &["dump", "notes"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        reported_at(&err, "error[front-matter-yaml]", "notes/bad.md:4:1"),
        "{err}"
    );
    let book = json(&out);
    assert!(titles(&book).contains(&"Good".to_owned()));
}

#[test]
fn config_unknown_key_suggests_the_right_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tmp.path().join("content")).expect("mkdir");
    std::fs::write(tmp.path().join("content/a.md"), "# A\n").expect("write");
    std::fs::write(
        tmp.path().join("notes2book.yaml"),
        "title: T\nautors: [Ann]\n",
    )
    .expect("write");
    let out = run(tmp.path(), &["check"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        reported_at(
            &err,
            "error[config-unknown-key]: unknown key `autors`",
            "notes2book.yaml:2:1"
        ),
        "{err}"
    );
    assert!(err.contains("did you mean `authors`?"), "{err}");
}

#[test]
fn missing_input_is_a_usage_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = run(tmp.path(), &["check", "nowhere"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("the notes folder nowhere does not exist"));
}

#[test]
fn config_chapters_order_and_missing_entry() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let c = tmp.path().join("content");
    std::fs::create_dir_all(&c).expect("mkdir");
    std::fs::write(c.join("a.md"), "# A\n").expect("write");
    std::fs::write(c.join("b.md"), "# B\n").expect("write");
    std::fs::write(
        tmp.path().join("notes2book.yaml"),
        "chapters:\n  - b.md\n  - a.md\n  - nope.md\n",
    )
    .expect("write");
    let out = run(tmp.path(), &["dump"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        reported_at(&err, "error[chapter-missing]", "notes2book.yaml:4:5"),
        "{err}"
    );
    assert_eq!(titles(&json(&out)), ["B", "A"]);
}

#[test]
fn init_starts_a_book_that_builds_and_never_overwrites() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = run(tmp.path(), &["init", "mybook"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let dir = tmp.path().join("mybook");
    assert!(dir.join("notes2book.yaml").is_file() && dir.join("content/welcome.md").is_file());
    let out = run(&dir, &["--epub", "--strict"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dir.join("book/my-notes.epub").is_file());
    notes2book_tests::assert_epubcheck_clean(&dir.join("book/my-notes.epub"));
    let before = std::fs::read(dir.join("notes2book.yaml")).expect("read");
    let out = run(tmp.path(), &["init", "mybook"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists; init never overwrites anything"));
    assert_eq!(
        std::fs::read(dir.join("notes2book.yaml")).expect("read"),
        before
    );
}

#[test]
fn init_in_the_current_folder_names_files_and_the_next_step_plainly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = run(tmp.path(), &["init"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[..2],
        ["created notes2book.yaml", "created content/welcome.md"],
        "{err}"
    );
    assert!(
        lines
            .get(2)
            .is_some_and(|l| l.starts_with("next: notes2book")),
        "no `cd .` for the current folder: {err}"
    );
    let out = run(tmp.path(), &["init"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: notes2book.yaml already exists;"),
        "{}",
        stderr(&out)
    );
    let out = run(tmp.path(), &["init", "my book"]);
    let err = stderr(&out);
    assert!(
        err.contains("next: cd 'my book' && notes2book"),
        "a name with a space is quoted: {err}"
    );
}

#[test]
fn completions_man_page_and_timings() {
    let out = run(&repo(), &["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("_notes2book()"));
    let out = run(&repo(), &["man"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains(".TH notes2book 1"));
    let out = run(&repo(), &["check", "-v"]);
    let err = stderr(&out);
    assert!(
        err.contains("10 chapters") && err.contains("ms  in all"),
        "{err}"
    );
}

/// `text` without its ANSI colour sequences (`ESC [ … m`).
fn strip_colour(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("\u{1b}[") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 2..];
        rest = tail.find('m').map_or("", |m| &tail[m + 1..]);
    }
    out.push_str(rest);
    out
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let plain = stderr(&run(&repo(), &["check"]));
    assert!(!plain.contains('\u{1b}'), "no colour in a pipe");
    let coloured = stderr(&run(&repo(), &["check", "--color", "always"]));
    // The severity and code in yellow, the rest as in plain text.
    assert!(
        coloured.contains("\u{1b}[33mwarning[image-missing]"),
        "{coloured}"
    );
    assert_eq!(strip_colour(&coloured), plain);
    let never = stderr(&run(&repo(), &["check", "--color", "never"]));
    assert_eq!(never, plain);
}

#[test]
fn a_diagnostic_shows_its_line_a_caret_under_the_span_and_the_hint() {
    let err = stderr(&run(&repo(), &["check"]));
    let lines: Vec<&str> = err.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("warning[image-missing]"))
        .unwrap_or_else(|| panic!("no image-missing warning:\n{err}"));
    let block = &lines[at..];
    assert_eq!(block[1], "  --> content/sundials/index.md:35:1", "{err}");
    assert_eq!(block[2], "   |", "{err}");
    assert!(
        block[3].starts_with("35 | {{< figure src=\"/images/missing-escapement.png\""),
        "{err}"
    );
    // The span is the whole shortcode: carets from column 1 to its `}}`.
    let source = block[3].trim_start_matches("35 | ");
    assert_eq!(
        block[4],
        format!("   | {}", "^".repeat(source.chars().count())),
        "{err}"
    );
    assert!(
        block.iter().take(8).any(|l| l
            == &"   = hint: add the file, or fix the path; the book shows a placeholder with the caption meanwhile"),
        "{err}"
    );
    assert_eq!(lines.last(), Some(&"1 warning, 0 errors"), "{err}");
}

#[test]
fn columns_and_carets_count_characters_after_accents_and_cjk() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let c = tmp.path().join("content");
    std::fs::create_dir_all(&c).expect("mkdir");
    // `Café 東京 ` is 8 characters and 13 bytes; on a terminal 東 and 京 are two columns wide.
    std::fs::write(c.join("a.md"), "# A\n\nCafé 東京 ![x](nope.png) here.\n").expect("write");
    let err = stderr(&run(tmp.path(), &["check"]));
    assert!(
        reported_at(
            &err,
            "warning[image-missing]: image `nope.png` not found",
            "content/a.md:3:9"
        ),
        "{err}"
    );
    assert!(
        err.contains("3 | Café 東京 ![x](nope.png) here.\n"),
        "{err}"
    );
    assert!(
        err.contains(&format!("\n  | {}^", " ".repeat(10))),
        "the caret stands under `!`:\n{err}"
    );
}

#[test]
fn no_progress_is_accepted_and_a_pipe_gets_no_progress_drawing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out_dir = tmp.path().to_string_lossy().into_owned();
    let mut outputs = Vec::new();
    for extra in [&[][..], &["--no-progress"][..]] {
        // A full build (parse, images, EPUB) with stderr going to a pipe, as in a CI log.
        let mut args = vec!["--epub", "-o", out_dir.as_str()];
        args.extend_from_slice(extra);
        let out = run(&repo(), &args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(
            !err.contains("\u{1b}[") && !err.contains('\r'),
            "{args:?}: progress drawing in a pipe: {err:?}"
        );
        assert!(
            err.contains("1 warning, 0 errors\nwrote "),
            "{args:?}: {err}"
        );
        outputs.push(err);
    }
    assert_eq!(
        outputs[0], outputs[1],
        "--no-progress changes nothing in a pipe"
    );
    for cmd in ["check", "dump"] {
        let out = run(&repo(), &[cmd, "--no-progress"]);
        assert_eq!(out.status.code(), Some(0), "{cmd}: {}", stderr(&out));
    }
}
