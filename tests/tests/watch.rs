//! `notes2book watch` end to end: it builds, a changed note is rebuilt (that note alone
//! parsed again) into the same path, a broken note is reported without stopping it, and it
//! stops when killed.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use notes2book_tests::{bin, epub_chapters_text as chapter_text};

struct Watching {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Watching {
    fn start(root: &std::path::Path, args: &[&str]) -> Watching {
        let mut child = Command::new(bin())
            .arg("watch")
            .args(args)
            .current_dir(root)
            .env("NOTES2BOOK_CACHE_DIR", root.join("cache"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start watch");
        let err = child.stderr.take().expect("stderr");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Watching {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The first line from now on that holds `what` (all lines up to it are kept).
    fn wait_for(&mut self, what: &str) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(what) {
                        return line;
                    }
                }
                Err(_) => panic!("no `{what}` within 60 s:\n{}", self.seen.join("\n")),
            }
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_changed_note_is_rebuilt_alone_into_the_same_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    let content = root.join("content");
    std::fs::create_dir_all(&content).expect("mkdir");
    std::fs::write(
        root.join("notes2book.yaml"),
        "title: Watched\ncover: false\n",
    )
    .expect("cfg");
    for (name, text) in [
        ("a.md", "# Alpha\n\nThe first note.\n"),
        (
            "b.md",
            "# Beta\n\nThe second note, linking [Alpha](a.md).\n",
        ),
        ("c.md", "# Gamma\n\nThe third note.\n"),
    ] {
        std::fs::write(content.join(name), text).expect("note");
    }
    let out = root.join("out");
    let mut w = Watching::start(root, &["--epub", "-o", &out.display().to_string()]);
    w.wait_for("watching");
    let epub = out.join("watched.epub");
    assert!(chapter_text(&epub).contains("The second note"));

    // An edit: only that note is parsed again, and the EPUB at the same path has it.
    std::fs::write(
        content.join("b.md"),
        "# Beta\n\nThe second note, rewritten while watched.\n",
    )
    .expect("edit");
    let line = w.wait_for("rebuilt in");
    assert!(line.contains("1 of 3 notes parsed again"), "{line}");
    assert!(line.contains("content/b.md changed"), "{line}");
    let ms: u64 = line
        .split("rebuilt in ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    notes2book_tests::note(&format!("watch: an EPUB rebuild took {ms} ms"));
    let text = chapter_text(&epub);
    assert!(text.contains("rewritten while watched"), "{text}");
    assert!(!text.contains("linking"), "{text}");

    // A new note joins the book; a broken image is reported, and watching goes on.
    std::fs::write(content.join("d.md"), "# Delta\n\n![gone](gone.png)\n").expect("new");
    let line = w.wait_for("rebuilt in");
    assert!(line.contains("of 4 notes"), "{line}");
    assert!(
        w.seen.iter().any(|l| l.contains("image-missing")),
        "{}",
        w.seen.join("\n")
    );
    assert!(chapter_text(&epub).contains("Delta"));

    // Reading the outputs (a viewer reloading) is not a change.
    let _ = std::fs::read(&epub).expect("read");
    std::thread::sleep(Duration::from_millis(600));
    while let Ok(line) = w.lines.try_recv() {
        assert!(
            !line.contains("rebuilt in"),
            "a rebuild without a change: {line}"
        );
    }
}
