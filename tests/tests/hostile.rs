//! Broken and hostile notes through the real binary: every input ends in its documented
//! exit code and diagnostic (with `file:line:col`), never in a panic, a stack overflow or a
//! hang; both outputs are written completely or not at all, the previous ones are left
//! untouched, and nothing outside the book's folder is read (a canary file beside the book
//! must not show up in the dump, the EPUB or the PDF).
//!
//! Large inputs are generated here into a temporary folder. The tests run one at a time
//! (`serial`) so that the growth-rate test at the end measures without competition.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use notes2book_tests::{bin, note, zip_entries};

/// Written beside the book, never inside it: if it is ever read, it shows.
const CANARY: &str = "CANARY-5b1e9f-this-lives-outside-the-book";
/// What the planted "previous" outputs hold.
const OLD_EPUB: &[u8] = b"the previous EPUB";
const OLD_PDF: &[u8] = b"the previous PDF";
/// A run that takes longer than this has hung (the slowest case takes a few seconds).
const TIMEOUT: Duration = Duration::from_secs(120);

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A book in a temporary folder: `<tmp>/book/notes2book.yaml` (output name `out`) and
/// `<tmp>/book/content/`, with canary files in `<tmp>`, outside the book.
struct Book {
    tmp: tempfile::TempDir,
}

struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

impl Book {
    fn new() -> Book {
        Book::with_config("")
    }

    fn with_config(extra: &str) -> Book {
        let tmp = tempfile::tempdir().expect("tempdir");
        let book = Book { tmp };
        std::fs::create_dir_all(book.root().join("content")).expect("mkdir");
        book.file("notes2book.yaml", format!("output_name: out\n{extra}"));
        for name in ["canary.txt", "canary.md", "canary.png", "canary.css"] {
            std::fs::write(book.tmp.path().join(name), CANARY).expect("canary");
        }
        book
    }

    /// The book's folder (the current folder of every run).
    fn root(&self) -> PathBuf {
        self.tmp.path().join("book")
    }

    fn file(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.root().join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("mkdir");
        }
        std::fs::write(&path, bytes).expect("write");
        path
    }

    fn note(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
        self.file(&format!("content/{rel}"), text)
    }

    fn out_dir(&self) -> PathBuf {
        self.root().join("book")
    }

    /// Outputs from an earlier build, which a failed build must leave as they are.
    fn plant_previous(&self) {
        self.file("book/out.epub", OLD_EPUB);
        self.file("book/out.pdf", OLD_PDF);
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(bin());
        cmd.args(args);
        self.run_cmd(cmd)
    }

    /// Run with a time limit, reading both pipes meanwhile (a full pipe must not stall it).
    fn run_cmd(&self, mut cmd: Command) -> Run {
        cmd.current_dir(self.root())
            .env("NO_COLOR", "1")
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("run notes2book");
        let pipe = |mut r: Box<dyn std::io::Read + Send>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = r.read_to_end(&mut buf);
                buf
            })
        };
        let out = pipe(Box::new(child.stdout.take().expect("stdout")));
        let err = pipe(Box::new(child.stderr.take().expect("stderr")));
        let started = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break s;
            }
            if started.elapsed() > TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                panic!("notes2book {cmd:?} hung: still running after {TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Run {
            code: status.code(),
            stdout: out.join().expect("stdout reader"),
            stderr: String::from_utf8_lossy(&err.join().expect("stderr reader")).into_owned(),
        }
    }

    /// Both outputs complete, or (`false`) both exactly as planted; never a temporary
    /// file left behind.
    fn assert_outputs(&self, written: bool, r: &Run) {
        let (epub, pdf) = (
            self.out_dir().join("out.epub"),
            self.out_dir().join("out.pdf"),
        );
        let read = |p: &Path| std::fs::read(p).unwrap_or_default();
        if written {
            let names: Vec<String> = zip_entries(&epub).into_iter().map(|e| e.0).collect();
            assert_eq!(
                names.first().map(String::as_str),
                Some("mimetype"),
                "{}",
                r.stderr
            );
            assert!(names.iter().any(|n| n.ends_with(".opf")), "{names:?}");
            let pdf = read(&pdf);
            assert!(pdf.starts_with(b"%PDF-"), "{}", r.stderr);
            assert!(
                pdf.trim_ascii_end().ends_with(b"%%EOF"),
                "the PDF is cut short"
            );
        } else {
            assert_eq!(
                read(&epub),
                OLD_EPUB,
                "the previous EPUB changed: {}",
                r.stderr
            );
            assert_eq!(
                read(&pdf),
                OLD_PDF,
                "the previous PDF changed: {}",
                r.stderr
            );
        }
        let leftovers: Vec<_> = std::fs::read_dir(self.out_dir())
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".notes2book"))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    }

    /// The canary's content is nowhere in what the run printed or wrote.
    fn assert_no_canary(&self, r: &Run) {
        assert!(!String::from_utf8_lossy(&r.stdout).contains(CANARY));
        assert!(!r.stderr.contains(CANARY), "{}", r.stderr);
        let epub = self.out_dir().join("out.epub");
        if epub.is_file() && std::fs::read(&epub).is_ok_and(|b| b != OLD_EPUB) {
            for (name, data, _) in zip_entries(&epub) {
                assert!(
                    !String::from_utf8_lossy(&data).contains(CANARY),
                    "the canary is in {name}"
                );
            }
        }
        let pdf = self.out_dir().join("out.pdf");
        if pdf.is_file()
            && std::fs::read(&pdf).is_ok_and(|b| b != OLD_PDF)
            && let Some(text) = pdf_text(&pdf)
        {
            assert!(!text.contains(CANARY), "the canary is in the PDF");
        }
    }
}

/// The PDF's text by pdftotext, or `None` when poppler is not installed (outside CI).
fn pdf_text(pdf: &Path) -> Option<String> {
    match Command::new("pdftotext").arg(pdf).arg("-").output() {
        Ok(o) => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        Err(_) if std::env::var_os("CI").is_none() => {
            note("note: pdftotext not installed; the PDF's text is not searched");
            None
        }
        Err(e) => panic!("pdftotext is needed under CI: {e}"),
    }
}

impl Run {
    /// No panic, no stack overflow or other signal, the expected exit code, and each
    /// diagnostic: `(head, place)` where head starts the first line (`error[code]: …`) and
    /// place (`path:line:col`) is the `-->` line right below it.
    fn expect(&self, code: i32, diagnostics: &[(&str, Option<&str>)]) -> &Run {
        let err = &self.stderr;
        assert!(!err.contains("panicked"), "panic:\n{err}");
        assert!(!err.contains("overflowed its stack"), "{err}");
        assert!(self.code.is_some(), "killed by a signal:\n{err}");
        assert_ne!(self.code, Some(101), "{err}");
        assert_eq!(self.code, Some(code), "exit code:\n{err}");
        let lines: Vec<&str> = err.lines().collect();
        for (head, place) in diagnostics {
            let found = lines.iter().enumerate().any(|(i, l)| {
                l.starts_with(head)
                    && place.is_none_or(|p| {
                        lines
                            .get(i + 1)
                            .and_then(|n| n.trim_start().strip_prefix("--> "))
                            == Some(p)
                    })
            });
            assert!(found, "no `{head}` at {place:?} in:\n{err}");
        }
        self
    }

    fn count(&self, head: &str) -> usize {
        self.stderr.lines().filter(|l| l.starts_with(head)).count()
    }

    fn dump(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("dump is not JSON: {e}\n{}", self.stderr))
    }
}

/// A build that must fail: the given code and diagnostics, nothing written, the previous
/// outputs untouched, nothing read from outside.
fn refused(book: &Book, code: i32, diagnostics: &[(&str, Option<&str>)]) -> Run {
    book.plant_previous();
    let r = book.run(&[]);
    r.expect(code, diagnostics);
    book.assert_outputs(false, &r);
    book.assert_no_canary(&r);
    r
}

/// A build that must succeed with warnings: both outputs written in full.
fn built(book: &Book, diagnostics: &[(&str, Option<&str>)]) -> Run {
    book.plant_previous();
    let r = book.run(&[]);
    r.expect(0, diagnostics);
    book.assert_outputs(true, &r);
    book.assert_no_canary(&r);
    r
}

fn ok_note(book: &Book) {
    book.note("ok.md", "# Fine\n\nA note that is fine.\n");
}

#[test]
fn invalid_yaml_front_matter() {
    let _s = serial();
    let book = Book::new();
    ok_note(&book);
    book.note(
        "a.md",
        "---\ntitle: [unclosed\nfoo: : bar\n---\nBody text.\n",
    );
    refused(
        &book,
        1,
        &[(
            "error[front-matter-yaml]: invalid YAML front matter",
            Some("content/a.md:3:4"),
        )],
    );
    // The note is still read without it, and the others too.
    let r = book.run(&["dump"]);
    let dump = String::from_utf8_lossy(&r.stdout);
    assert!(dump.contains("Body text.") && dump.contains("A note that is fine."));
}

#[test]
fn unterminated_front_matter() {
    let _s = serial();
    let book = Book::new();
    ok_note(&book);
    book.note("a.md", "---\ntitle: Never closed\n\nBody text.\n");
    refused(
        &book,
        1,
        &[("error[front-matter-unterminated]", Some("content/a.md:1:1"))],
    );
}

#[test]
fn yaml_alias_bomb() {
    let _s = serial();
    let book = Book::new();
    ok_note(&book);
    // Nine levels of nine aliases each: 9⁹ (387 million) strings if expanded.
    let mut yaml = String::from(
        "---\na0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..9 {
        let p = format!("*a{}", i - 1);
        yaml.push_str(&format!("a{i}: &a{i} [{}]\n", vec![p; 9].join(",")));
    }
    yaml.push_str("title: Bomb\n---\nBody.\n");
    book.note("a.md", yaml);
    refused(
        &book,
        1,
        &[(
            "error[front-matter-yaml]: invalid YAML front matter: repetition limit exceeded",
            Some("content/a.md:2:1"),
        )],
    );
}

#[test]
fn include_and_parameter_bombs() {
    let _s = serial();
    let book = Book::new();
    // Each level includes the one below 30 times: 30³ copies of 100 kB at level 3.
    book.file("content/parts/l0.txt", "word ".repeat(20_000));
    for i in 1..=3 {
        book.file(
            &format!("content/parts/l{i}.txt"),
            format!("{{{{#include l{}.txt}}}}\n", i - 1).repeat(30),
        );
    }
    book.note("inc.md", "# Inc\n\n{{#include parts/l3.txt}}\n");
    // A 100 kB parameter used a hundred times.
    book.note(
        "param.md",
        format!(
            "---\ntitle: P\nparams:\n  big: \"{}\"\n---\n{}",
            "word ".repeat(20_000),
            "{{< param big >}}\n\n".repeat(100)
        ),
    );
    let r = refused(
        &book,
        1,
        &[
            (
                "error[include-too-large]",
                Some("content/parts/l1.txt:11:1"),
            ),
            ("warning[param-too-large]", Some("content/param.md:26:1")),
        ],
    );
    assert_eq!(r.count("error[include-too-large]"), 1, "said once");
    assert_eq!(r.count("warning[param-too-large]"), 1, "said once");
}

#[test]
fn binary_file_named_md() {
    let _s = serial();
    let book = Book::new();
    ok_note(&book);
    let mut bytes = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    bytes.extend((0..4096u32).map(|i| (i * 7 % 256) as u8));
    book.note("a.md", bytes);
    refused(
        &book,
        1,
        &[("error[binary-file]", Some("content/a.md:1:1"))],
    );
}

#[test]
fn invalid_utf8_is_read_as_windows_1252() {
    let _s = serial();
    let book = Book::new();
    book.note("a.md", b"# Caf\xe9\n\nNa\xefve bytes \x93quoted\x94.\n");
    let r = built(&book, &[("warning[not-utf8]", Some("content/a.md:1:6"))]);
    assert_eq!(r.count("warning["), 1, "{}", r.stderr);
    let dump = String::from_utf8_lossy(&book.run(&["dump"]).stdout).into_owned();
    assert!(dump.contains("Naïve bytes “quoted”."), "{dump}");
}

#[test]
fn a_20_mb_single_line_note() {
    let _s = serial();
    let book = Book::new();
    let line = "word ".repeat(4_000_000);
    book.note("a.md", format!("# Long\n\n{line}\n"));
    // The EPUB and the model in full. The PDF of 20 MB takes minutes and gigabytes in a
    // debug build: its growth is checked below on smaller inputs, and on 1 MB here.
    book.plant_previous();
    let r = book.run(&["--epub"]);
    r.expect(0, &[]);
    let entries = zip_entries(&book.out_dir().join("out.epub"));
    let text: usize = entries
        .iter()
        .filter(|e| e.0.ends_with(".xhtml"))
        .map(|e| e.1.windows(5).filter(|w| w == b"word ").count())
        .sum();
    assert!(text >= 3_999_999, "words in the EPUB: {text}");
    book.note("a.md", format!("# Long\n\n{}\n", "word ".repeat(200_000)));
    built(&book, &[]);
}

#[test]
fn nesting_20000_deep() {
    let _s = serial();
    let book = Book::new();
    let n = 20_000;
    book.note("quotes.md", format!("# Q\n\n{}deep\n", "> ".repeat(n)));
    book.note("lists.md", format!("# L\n\n{}deep\n", "- ".repeat(n)));
    book.note("ordered.md", format!("# O\n\n{}deep\n", "1. ".repeat(n)));
    book.note(
        "emphasis.md",
        format!("# E\n\n{}deep{}\n", "*a ".repeat(n), " b*".repeat(n)),
    );
    book.note(
        "html.md",
        format!(
            "# H\n\ntext {}deep{}\n\n<div>{}deep</div>\n",
            "<span>".repeat(n),
            "</span>".repeat(n),
            "<div>".repeat(n)
        ),
    );
    let head = "warning[nesting-too-deep]: content is nested more than 64 levels deep";
    let r = built(
        &book,
        &[
            (head, Some("content/quotes.md:3:129")),
            (head, Some("content/lists.md:3:65")),
            (head, Some("content/ordered.md:3:97")),
            (head, Some("content/emphasis.md:3:190")),
            ("warning[html-too-deep]", Some("content/html.md:3:6")),
            ("warning[html-too-deep]", Some("content/html.md:5:1")),
        ],
    );
    assert_eq!(r.count("warning[nesting-too-deep]"), 4, "one per note");
    // Nothing is lost: the innermost text is in the EPUB.
    let entries = zip_entries(&book.out_dir().join("out.epub"));
    let deep = entries
        .iter()
        .filter(|e| e.0.ends_with(".xhtml"))
        .map(|e| String::from_utf8_lossy(&e.1).matches("deep").count())
        .sum::<usize>();
    assert!(deep >= 6, "{deep}");
}

#[test]
fn identical_headings() {
    let _s = serial();
    let book = Book::new();
    book.note("a.md", format!("# A\n\n{}", "## Same\n\n".repeat(100_000)));
    // The EPUB with 100,000; the PDF (a contents page of 100,000 lines) with 10,000 in a
    // debug build.
    book.plant_previous();
    book.run(&["--epub"]).expect(0, &[]);
    let mut ids = std::collections::BTreeSet::new();
    for (name, data, _) in zip_entries(&book.out_dir().join("out.epub")) {
        if name.ends_with(".xhtml") && !name.ends_with("nav.xhtml") && !name.ends_with("toc.xhtml")
        {
            let text = String::from_utf8_lossy(&data);
            for part in text.split("<h2 id=\"").skip(1) {
                ids.insert(part.split('"').next().unwrap_or("").to_owned());
            }
        }
    }
    assert_eq!(
        ids.len(),
        100_000,
        "every heading is there, with its own id"
    );
    assert!(ids.contains("same") && ids.contains("same-99999"));
    book.note("a.md", format!("# A\n\n{}", "## Same\n\n".repeat(10_000)));
    built(&book, &[]);
}

#[test]
fn hostile_math() {
    let _s = serial();
    let book = Book::new();
    ok_note(&book);
    let long = format!("$${}$$", "x+".repeat(15_000));
    let deep = format!("${}x{}$", "{".repeat(500), "}".repeat(500));
    let wide = format!("$$\\begin{{matrix}}{}\\end{{matrix}}$$", "a&".repeat(6_000));
    // math-core copies \operatorname's argument raw: what it writes must not reach the book.
    let evil = r"$\operatorname{</math><script>alert(1)</script>}$";
    let unclosed = "$$\\left( x\n\n$$ $\\frac{1}{$ $$ $";
    book.note(
        "math.md",
        format!("# Math\n\n{long}\n\n{deep}\n\n{wide}\n\n{evil}\n\n{unclosed}\n\nMoney: $5, $6$7 and a lone $.\n"),
    );
    let r = built(
        &book,
        &[
            ("warning[math-too-large]", Some("content/math.md:3:3")),
            ("warning[math-too-large]", Some("content/math.md:5:2")),
            ("warning[math-too-large]", Some("content/math.md:7:3")),
            ("warning[math-invalid]", Some("content/math.md:9:2")),
        ],
    );
    assert!(r.count("warning[math-") >= 5, "{}", r.stderr);
    let epub = zip_entries(&book.out_dir().join("out.epub"));
    let page = epub
        .iter()
        .find(|(n, _, _)| n.ends_with("ch-math.xhtml"))
        .map(|(_, d, _)| String::from_utf8_lossy(d).into_owned())
        .expect("chapter");
    assert!(!page.contains("<script") && page.contains("&lt;script&gt;"));
}

#[test]
fn a_note_that_links_to_and_embeds_itself() {
    let _s = serial();
    let book = Book::new();
    book.note(
        "a.md",
        "---\ntitle: Self\n---\n# Self\n\nSee [me](a.md), [[a]], [here](#self) and ![[a]].\n",
    );
    let r = built(
        &book,
        &[("warning[embed-cycle]", Some("content/a.md:6:42"))],
    );
    assert_eq!(r.count("warning["), 1, "{}", r.stderr);
    let dump = book.run(&["dump"]).dump();
    let text = dump.to_string();
    assert!(!text.contains("\"unresolved\""), "self links resolve");
}

#[test]
fn embed_cycles() {
    let _s = serial();
    let book = Book::new();
    book.note("a.md", "# A\n\n![[b]]\n");
    book.note("b.md", "# B\n\n![[c]]\n");
    book.note("c.md", "# C\n\n![[a]]\n");
    // A chain longer than the limit, without a cycle.
    for i in 0..12 {
        book.note(
            &format!("chain{i}.md"),
            format!("# Chain {i}\n\n![[chain{}]]\n", i + 1),
        );
    }
    book.note("chain12.md", "# Chain 12\n\nThe end.\n");
    let r = built(&book, &[("warning[embed-cycle]", Some("content/c.md:3:1"))]);
    assert!(r.count("warning[embed-cycle]") >= 2, "{}", r.stderr);
}

#[test]
fn duplicate_ids() {
    let _s = serial();
    let book = Book::new();
    book.note(
        "a.md",
        "# A\n\n## Intro {#x}\n\n## Other {#x}\n\n## Intro\n\n## Intro\n",
    );
    book.note("b.md", "# B {#x}\n\n## Intro {#x}\n\nSee [x](#x).\n");
    let head = "warning[duplicate-id]: the id `x` is already used in this note";
    let r = built(
        &book,
        &[
            (head, Some("content/a.md:5:1")),
            (head, Some("content/b.md:3:1")),
        ],
    );
    assert_eq!(r.count("warning[duplicate-id]"), 2, "{}", r.stderr);
}

#[test]
fn empty_folder() {
    let _s = serial();
    let book = Book::new();
    refused(&book, 1, &[("error[book-empty]", None)]);
}

#[test]
fn only_drafts() {
    let _s = serial();
    let book = Book::new();
    book.note("a.md", "---\ntitle: D1\ndraft: true\n---\nx\n");
    book.note("b.md", "---\ntitle: D2\ndraft: true\n---\ny\n");
    refused(
        &book,
        1,
        &[
            ("note[draft-left-out]", Some("content/a.md:1:1")),
            ("note[draft-left-out]", Some("content/b.md:1:1")),
            ("error[book-empty]", None),
        ],
    );
}

#[cfg(unix)]
#[test]
fn unreadable_files() {
    use std::os::unix::fs::PermissionsExt;
    let _s = serial();
    let book = Book::new();
    ok_note(&book);
    book.note("img.md", "# I\n\n![i](locked.png)\n");
    // A dangling symlink and a named pipe: unreadable for root too.
    std::os::unix::fs::symlink("/nonexistent/gone.md", book.root().join("content/gone.md"))
        .expect("symlink");
    let made = Command::new("mkfifo")
        .arg(book.root().join("content/pipe.md"))
        .status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo is needed");
    let locked = book.note("locked.md", "# Locked\n\nsecret\n");
    let image = book.file("content/locked.png", b"not read");
    let dir = book.root().join("content/locked-dir");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("c.md"), "# C\n").expect("write");
    let deny = |p: &Path| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o000)).expect("chmod")
    };
    deny(&locked);
    deny(&image);
    deny(&dir);
    let common = [
        (
            "error[note-unreadable]: cannot read this note: No such file or directory",
            Some("content/gone.md:1:1"),
        ),
        (
            "error[note-unreadable]: cannot read this note: not a regular file",
            Some("content/pipe.md:1:1"),
        ),
    ];
    // chmod 000 does not stop root: then run the binary as `nobody`, if we can.
    let as_root = std::fs::read(&locked).is_ok();
    let mut denied = common.to_vec();
    denied.extend([
        (
            "error[note-unreadable]: cannot read this note: Permission denied",
            Some("content/locked.md:1:1"),
        ),
        ("error[image-unreadable]", Some("content/img.md:3:1")),
        ("warning[folder-unreadable]", None),
    ]);
    book.plant_previous();
    let r = if !as_root {
        book.run(&[])
    } else {
        let setpriv = Command::new("setpriv").arg("--version").output().is_ok();
        if !setpriv {
            note(
                "note: running as root without setpriv: chmod 000 cannot be tested; only the dangling symlink and the pipe are",
            );
            let r = book.run(&[]);
            r.expect(1, &common);
            book.assert_outputs(false, &r);
            return;
        }
        note(
            "note: running as root, where chmod 000 does not stop reads: the binary runs as `nobody` (setpriv) for this test",
        );
        for p in [self_tmp(&book), book.root(), book.out_dir()] {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        }
        for p in [
            "book/out.epub",
            "book/out.pdf",
            "notes2book.yaml",
            "content/ok.md",
            "content/img.md",
        ] {
            std::fs::set_permissions(book.root().join(p), std::fs::Permissions::from_mode(0o666))
                .expect("chmod");
        }
        std::fs::set_permissions(
            book.root().join("content"),
            std::fs::Permissions::from_mode(0o777),
        )
        .expect("chmod");
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(bin());
        book.run_cmd(cmd)
    };
    // Readable again, so that the temporary folder can be removed.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    r.expect(1, &denied);
    book.assert_outputs(false, &r);
    assert!(!r.stderr.contains("secret"));
}

fn self_tmp(book: &Book) -> PathBuf {
    book.tmp.path().to_path_buf()
}

#[test]
fn unclosed_shortcodes() {
    let _s = serial();
    let book = Book::new();
    book.note(
        "a.md",
        "# SC\n\nText {{< figure src=\"x.png\" \n\nmore {{< details summary=\"s\" >}} never closed\n\n{{% unclosed\n",
    );
    let r = built(
        &book,
        &[
            (
                "warning[shortcode-unclosed]: the shortcode `figure`",
                Some("content/a.md:3:6"),
            ),
            (
                "warning[shortcode-unclosed]: `details` is opened here",
                Some("content/a.md:5:6"),
            ),
            (
                "warning[shortcode-unclosed]: the shortcode `unclosed`",
                Some("content/a.md:7:1"),
            ),
        ],
    );
    // Their braces never reach the book.
    for (name, data, _) in zip_entries(&book.out_dir().join("out.epub")) {
        let text = String::from_utf8_lossy(&data);
        assert!(!text.contains("{{"), "shortcode braces in {name}");
    }
    assert!(!r.stderr.contains("error["));
}

#[test]
fn scripts_iframes_and_event_handlers() {
    let _s = serial();
    let book = Book::new();
    book.note(
        "a.md",
        "# H\n\n<script>alert(1)</script>\n\n<iframe src=\"https://evil.example\"></iframe>\n\n<p onclick=\"alert(2)\" onmouseover=\"x()\">para <a href=\"javascript:alert(3)\">link</a> <img src=\"x.png\" onerror=\"alert(4)\"></p>\n\nInline <span onclick=\"y()\">span</span> and <script>inline()</script>. <svg onload=\"alert(5)\"></svg>\n",
    );
    let head = "warning[html-removed]: raw HTML: removed";
    built(
        &book,
        &[
            (head, Some("content/a.md:3:1")),
            (head, Some("content/a.md:5:1")),
            (head, Some("content/a.md:7:1")),
            (head, Some("content/a.md:9:8")),
            ("warning[image-missing]", Some("content/a.md:7:1")),
        ],
    );
    for (name, data, _) in zip_entries(&book.out_dir().join("out.epub")) {
        let text = String::from_utf8_lossy(&data).to_lowercase();
        for bad in [
            "<script",
            "<iframe",
            "<svg",
            "onclick",
            "onerror",
            "onmouseover",
            "onload",
            "javascript:",
            "alert(",
            "inline()",
        ] {
            assert!(!text.contains(bad), "`{bad}` in {name}");
        }
    }
    if let Some(text) = pdf_text(&book.out_dir().join("out.pdf")) {
        assert!(!text.contains("alert("), "{text}");
    }
}

/// A PNG whose header claims `w`×`h` pixels (with a token of image data).
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::new(1, 1);
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    // IHDR data starts at byte 16: width, height; its CRC covers bytes 12..29.
    png[16..20].copy_from_slice(&w.to_be_bytes());
    png[20..24].copy_from_slice(&h.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut out),
        image::ImageFormat::Jpeg,
    )
    .expect("jpeg");
    out
}

#[test]
fn broken_images() {
    let _s = serial();
    let book = Book::new();
    book.note("huge.md", "# Huge\n\n![huge](huge.png)\n");
    book.file("content/huge.png", png_header(100_000, 100_000));
    book.note("trunc.md", "# Trunc\n\n![trunc](trunc.jpg)\n");
    let full = jpeg(400, 300);
    book.file("content/trunc.jpg", &full[..full.len() / 2]);
    book.note("empty.md", "# Empty\n\n![empty](empty.png)\n");
    book.file("content/empty.png", b"");
    let r = refused(
        &book,
        1,
        &[
            (
                "error[image-too-large]: content/huge.png",
                Some("content/huge.md:3:1"),
            ),
            (
                "error[image-corrupt]: content/trunc.jpg",
                Some("content/trunc.md:3:1"),
            ),
            (
                "error[image-empty-file]: content/empty.png",
                Some("content/empty.md:3:1"),
            ),
        ],
    );
    assert!(
        r.stderr.contains("claims 100000×100000")
            || r.stderr.contains("larger than the image limits")
    );
}

#[cfg(unix)]
#[test]
fn traversal_and_symlink_escapes_in_every_kind_of_image_reference() {
    let _s = serial();
    let book = Book::with_config("cover: ../canary.png\n");
    std::os::unix::fs::symlink(
        self_tmp(&book).join("canary.png"),
        book.root().join("content/link.png"),
    )
    .expect("symlink");
    let abs = self_tmp(&book).join("canary.png");
    let abs = abs.display();
    book.note(
        "a.md",
        format!(
            "# Images\n\n![t1](../../canary.png)\n\n![t2]({abs})\n\n![t3](link.png)\n\n{{{{< figure src=\"../../canary.png\" caption=\"fig\" >}}}}\n\n{{{{< figure src=\"link.png\" >}}}}\n\n<img src=\"../../canary.png\">\n\n<img src=\"link.png\">\n\n![[../../canary.png]]\n\n![[link.png]]\n\n![t5](%2e%2e/%2e%2e/canary.png)\n\n![[canary.png]]\n"
        ),
    );
    // A note, an include and an SVG that lead out.
    std::os::unix::fs::symlink(
        self_tmp(&book).join("canary.md"),
        book.root().join("content/evil.md"),
    )
    .expect("symlink");
    book.note(
        "inc.md",
        "# Inc\n\n{{#include ../../canary.txt}}\n\n![svg](pic.svg)\n",
    );
    book.file(
        "content/pic.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><image href=\"../../canary.png\" width=\"10\" height=\"10\"/></svg>",
    );
    let out = "error[image-outside]";
    let r = refused(
        &book,
        1,
        &[
            (out, Some("content/a.md:3:1")),
            (out, Some("content/a.md:5:1")),
            (out, Some("content/a.md:7:1")),
            (out, Some("content/a.md:9:1")),
            (out, Some("content/a.md:11:1")),
            (out, Some("content/a.md:13:1")),
            (out, Some("content/a.md:15:1")),
            (out, Some("content/a.md:17:1")),
            (out, Some("content/a.md:19:1")),
            (out, Some("content/a.md:21:1")),
            (out, Some("notes2book.yaml:2:8")),
            (
                "error[note-unreadable]: cannot read this note: it leads outside",
                Some("content/evil.md:1:1"),
            ),
            ("error[include-outside]", Some("content/inc.md:3:1")),
            ("error[svg-unsafe]", Some("content/inc.md:5:1")),
        ],
    );
    // A name lookup across the book never finds the canary beside it.
    assert!(
        r.stderr.contains("`![[canary.png]]`") || r.stderr.contains("`canary.png` not found"),
        "{}",
        r.stderr
    );
    let dump = book.run(&["dump"]);
    assert!(!String::from_utf8_lossy(&dump.stdout).contains(CANARY));
}

#[test]
fn escapes_that_are_only_warnings_read_nothing() {
    let _s = serial();
    let book = Book::new();
    let abs = self_tmp(&book).join("canary.png");
    book.note(
        "a.md",
        format!(
            "# Esc\n\n![[../../canary]]\n\n[[../../canary]] and [x](../../canary.md)\n\n<img src=\"file://{}\">\n\n<object data=\"../../canary.txt\"></object>\n\n<link rel=\"stylesheet\" href=\"../../canary.css\">\n\n<div style=\"background:url(../../canary.png)\">styled</div>\n",
            abs.display()
        ),
    );
    built(
        &book,
        &[
            ("warning[embed-unresolved]", Some("content/a.md:3:1")),
            ("warning[link-unresolved]", Some("content/a.md:5:1")),
            ("warning[link-unresolved]", Some("content/a.md:5:22")),
            ("warning[image-missing]", Some("content/a.md:7:1")),
            (
                "warning[html-removed]: raw HTML: removed <object>",
                Some("content/a.md:9:1"),
            ),
            (
                "warning[html-removed]: raw HTML: removed <link>",
                Some("content/a.md:11:1"),
            ),
        ],
    );
}

#[test]
fn a_stylesheet_outside_the_book_is_refused() {
    let _s = serial();
    let book = Book::with_config("epub:\n  css: ../canary.css\n");
    ok_note(&book);
    let r = refused(&book, 2, &[("error[config-css]", None)]);
    assert!(
        r.stderr.contains("outside the book's folders"),
        "{}",
        r.stderr
    );
}

#[test]
fn output_folder_that_is_a_file() {
    let _s = serial();
    let book = Book::new();
    ok_note(&book);
    let file = book.file("outfile", b"not a folder");
    let r = book.run(&["-o", "outfile"]);
    r.expect(
        3,
        &[(
            "error[out-dir-is-file]: the output folder outfile is a file",
            None,
        )],
    );
    assert_eq!(std::fs::read(file).unwrap_or_default(), b"not a folder");
    let r = book.run(&["-o", "outfile/sub"]);
    r.expect(3, &[("error[write-failed]", None)]);
}

/// A build under a real write error: the file size limit (RLIMIT_FSIZE, `ulimit -f` of 64
/// blocks, which binds root too) with SIGXFSZ ignored, so the write that crosses it fails
/// with EFBIG.
fn run_with_file_size_limit(book: &Book) -> Run {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -f 64 && trap '' XFSZ && exec \"$0\"")
        .arg(bin());
    book.run_cmd(cmd)
}

#[test]
fn a_write_that_fails_part_way_changes_nothing() {
    let _s = serial();
    // No cover: its picture would take the EPUB over the size limit this test needs it
    // under.
    let book = Book::with_config("cover: false\n");
    // Enough text that the PDF is well over the size limit below, and the EPUB under it.
    let words = [
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "kappa",
    ];
    let mut rng = notes2book_tests::Rng(7);
    let mut text = String::from("# W\n\n");
    for _ in 0..200 {
        let para: Vec<&str> = (0..60).map(|_| rng.pick(&words)).collect();
        text.push_str(&para.join(" "));
        text.push_str("\n\n");
    }
    book.note("a.md", &text);

    book.plant_previous();
    let r = run_with_file_size_limit(&book);
    r.expect(
        3,
        &[(
            "error[write-failed]: cannot write book/out.pdf: File too large",
            None,
        )],
    );
    assert!(r.stderr.contains("no output was changed"), "{}", r.stderr);
    book.assert_outputs(false, &r);

    // The PDF's place taken by a folder: the EPUB, renamed into place first, is put back.
    std::fs::remove_file(book.out_dir().join("out.pdf")).expect("rm");
    std::fs::create_dir(book.out_dir().join("out.pdf")).expect("mkdir");
    let r = book.run(&[]);
    r.expect(
        3,
        &[("error[write-failed]: cannot write book/out.pdf", None)],
    );
    assert_eq!(
        std::fs::read(book.out_dir().join("out.epub")).unwrap_or_default(),
        OLD_EPUB,
        "the EPUB changed though the PDF could not be written"
    );
    assert!(book.out_dir().join("out.pdf").is_dir());

    // And with nothing in the way, both are written.
    std::fs::remove_dir(book.out_dir().join("out.pdf")).expect("rmdir");
    std::fs::write(book.out_dir().join("out.pdf"), OLD_PDF).expect("write");
    let r = book.run(&[]);
    r.expect(0, &[]);
    book.assert_outputs(true, &r);
    // The premise of the first step: the EPUB fits under the limit (32 KiB in 512-byte
    // blocks, 64 KiB in 1024-byte ones), the PDF does not.
    let size = |p: &str| std::fs::metadata(book.out_dir().join(p)).map_or(0, |m| m.len());
    assert!(size("out.epub") < 32 * 1024 && size("out.pdf") > 64 * 1024);
}

/// The EPUB is written into its temporary file as it is made, images first: a write that
/// fails there (the file size limit again) leaves both previous outputs and no temporary
/// file, and the PDF is not written either.
#[test]
fn an_epub_that_fails_while_it_is_written_changes_nothing() {
    let _s = serial();
    let book = Book::new();
    // A photo of noise: about 100 KB that no compression makes smaller.
    let mut rng = notes2book_tests::Rng(11);
    let noise = image::RgbImage::from_fn(300, 200, |_, _| {
        image::Rgb([
            rng.below(256) as u8,
            rng.below(256) as u8,
            rng.below(256) as u8,
        ])
    });
    let mut photo = Vec::new();
    noise
        .write_to(
            &mut std::io::Cursor::new(&mut photo),
            image::ImageFormat::Jpeg,
        )
        .expect("jpeg");
    assert!(photo.len() > 64 * 1024, "{} bytes", photo.len());
    book.note("a.md", "# Noise\n\n![noise](noise.jpg)\n\nText.\n");
    book.file("content/noise.jpg", &photo);
    book.plant_previous();
    let r = run_with_file_size_limit(&book);
    r.expect(
        3,
        &[(
            "error[write-failed]: cannot write book/out.epub: File too large",
            None,
        )],
    );
    assert!(r.stderr.contains("no output was changed"), "{}", r.stderr);
    book.assert_outputs(false, &r);
    // Without the limit both are written.
    let r = book.run(&[]);
    r.expect(0, &[]);
    book.assert_outputs(true, &r);
}

/// Milliseconds of a phase from `-v` (`   12.3 ms  read, parse …`).
fn phase_ms(stderr: &str, phase: &str) -> f64 {
    stderr
        .lines()
        .find(|l| l.trim_end().ends_with(phase))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no `{phase}` timing in:\n{stderr}"))
}

#[test]
fn time_grows_linearly_on_pathological_notes() {
    let _s = serial();
    type Make = fn(usize) -> String;
    // (family, n for the parser, n for the layout, the note for size n)
    let families: [(&str, usize, usize, Make); 6] = [
        ("deep nesting", 20_000, 2_000, |n| {
            format!(
                "# A\n\n{}x\n\n{}y\n\n{}z{}\n\n<div>{}h</div>\n",
                "> ".repeat(n),
                "- ".repeat(n),
                "*a ".repeat(n),
                " b*".repeat(n),
                "<span>".repeat(n),
            )
        }),
        ("many headings", 5_000, 500, |n| {
            format!("# A\n\n{}", "## Same\n\nText.\n\n".repeat(n))
        }),
        ("long lines", 100_000, 10_000, |n| {
            format!("# A\n\n{}\n\n`{}`\n", "word ".repeat(n), "x".repeat(n))
        }),
        ("many footnotes", 5_000, 1_000, |n| {
            // Referred to in order, and chained from the last definition to the first.
            let refs: String = (0..n).map(|i| format!("Text[^{i}]. ")).collect();
            let defs: String = (0..n)
                .rev()
                .map(|i| format!("[^{i}]: Note {i}.\n[^c{i}]: Chained[^c{}].\n", i + 1))
                .collect();
            format!("# A\n\n{refs}[^c0]\n\n{defs}")
        }),
        ("many links", 5_000, 1_000, |n| {
            format!(
                "# A\n\n## Target\n\n{}",
                "[b](b.md) [[b]] [t](#target) [[b#Part]] <https://example.org> ".repeat(n)
            )
        }),
        ("long tables", 5_000, 1_000, |n| {
            format!(
                "# A\n\n| a | b |\n|---|---|\n{}",
                "| x *y* | [[b]] |\n".repeat(n)
            )
        }),
    ];
    let parse = "read, parse and link the notes, resolve images";
    let render = "lay out and render";
    // (what is measured, its phase), from one run: `--epub -v` times the parser and the
    // EPUB writer apart, `--pdf -v` the PDF layout (on smaller notes: it is the slowest).
    /// Arguments, whether the parser's n is used, and (label, phase) pairs to read.
    type Runs<'a> = [(&'a [&'a str], bool, &'a [(&'a str, &'a str)]); 2];
    let runs: Runs = [
        (
            &["--epub", "-v"],
            true,
            &[("parser", parse), ("EPUB", render)],
        ),
        (&["--pdf", "-v"], false, &[("PDF layout", render)]),
    ];
    let book = Book::new();
    book.note("b.md", "# B\n\n## Part\n\nThe other note.\n");
    // The median of three runs, for each phase.
    let medians = |args: &[&str], phases: &[(&str, &str)]| -> Vec<f64> {
        let runs: Vec<String> = (0..3)
            .map(|_| {
                let r = book.run(args);
                r.expect(0, &[]);
                r.stderr
            })
            .collect();
        phases
            .iter()
            .map(|(_, phase)| {
                let mut ms: Vec<f64> = runs.iter().map(|e| phase_ms(e, phase)).collect();
                ms.sort_by(f64::total_cmp);
                ms[1]
            })
            .collect()
    };
    let mut report = String::new();
    let mut slow = Vec::new();
    for (family, n_parse, n_layout, make) in families {
        for (args, for_parser, phases) in runs {
            let n = if for_parser { n_parse } else { n_layout };
            book.note("a.md", make(n));
            let t1 = medians(args, phases);
            book.note("a.md", make(4 * n));
            let t4 = medians(args, phases);
            for (((what, _), t1), t4) in phases.iter().zip(t1).zip(t4) {
                let ratio = t4 / t1.max(0.1);
                report.push_str(&format!(
                    "{family:15} {what:10} n={n:6}: {t1:8.1} ms, 4n: {t4:8.1} ms, ratio {ratio:5.2}\n"
                ));
                if ratio > 10.0 {
                    slow.push(format!("{family} ({what})"));
                }
            }
        }
    }
    note(&report);
    assert!(slow.is_empty(), "super-linear: {slow:?}\n{report}");
}
