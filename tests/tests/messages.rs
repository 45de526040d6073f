//! `--message-format`: every diagnostic of a real build in each format, read back the way
//! its consumer reads it (JSON parsed, GitHub workflow commands checked against their
//! grammar, short lines split at their colons).

use notes2book_tests::{run_env, stderr};

/// A book with a missing image, a broken link and a draft: a warning with a place, one
/// with a hint, a note.
fn book() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    let content = dir.path().join("content");
    std::fs::create_dir_all(&content).expect("mkdir");
    std::fs::write(
        content.join("a.md"),
        "# A note\n\nSee ![the chart](chart.png), and [b](missing.md).\n",
    )
    .expect("a");
    std::fs::write(content.join("d.md"), "---\ndraft: true\n---\n# Draft\n").expect("d");
    dir
}

fn messages(format: &str) -> (String, bool) {
    let dir = book();
    let out = dir.path().join("out");
    let o = run_env(
        dir.path(),
        &[
            "--epub",
            "--message-format",
            format,
            "-o",
            &out.display().to_string(),
        ],
        &[],
    );
    (stderr(&o), o.status.success())
}

#[test]
fn json_is_one_object_per_line_with_the_documented_fields() {
    let (err, ok) = messages("json");
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = err
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}\n{err}")))
        .collect();
    let diags: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["kind"] == "diagnostic").collect();
    let image = diags
        .iter()
        .find(|d| d["code"] == "image-missing")
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(image["severity"], "warning");
    assert_eq!(image["file"], "content/a.md");
    assert_eq!(
        (image["line"].as_u64(), image["column"].as_u64()),
        (Some(3), Some(5))
    );
    assert_eq!(image["end"]["line"], 3);
    assert!(image["end"]["column"].as_u64() > image["column"].as_u64());
    assert!(
        image["message"]
            .as_str()
            .is_some_and(|m| m.contains("chart.png"))
    );
    assert!(image["hint"].is_string());
    assert!(
        diags
            .iter()
            .any(|d| d["severity"] == "note" && d["code"] == "draft-left-out")
    );
    for d in &diags {
        for key in [
            "severity", "code", "message", "file", "line", "column", "end", "hint",
        ] {
            assert!(d.get(key).is_some(), "{key} missing in {d}");
        }
    }
    // The run closes with what it wrote and the counts.
    assert!(lines.iter().any(
        |l| l["kind"] == "artifact" && l["path"].as_str().is_some_and(|p| p.ends_with(".epub"))
    ));
    let summary = lines
        .iter()
        .find(|l| l["kind"] == "summary")
        .unwrap_or_else(|| panic!("no summary in\n{err}"));
    assert_eq!(
        summary["warnings"].as_u64(),
        Some(diags.iter().filter(|d| d["severity"] == "warning").count() as u64)
    );
}

/// A workflow command read back: its name, its properties, its message.
type Command = (String, Vec<(String, String)>, String);

/// `::warning file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`: GitHub's
/// workflow command grammar (properties without a raw `,` or `:`, newlines escaped).
fn workflow_command(line: &str) -> Option<Command> {
    let rest = line.strip_prefix("::")?;
    let (head, message) = rest.split_once("::")?;
    let (command, props) = head.split_once(' ').unwrap_or((head, ""));
    if !["error", "warning", "notice"].contains(&command) || message.contains(['\n', '\r']) {
        return None;
    }
    let mut parsed = Vec::new();
    for p in props.split(',').filter(|p| !p.is_empty()) {
        let (k, v) = p.split_once('=')?;
        if !k.chars().all(|c| c.is_ascii_alphabetic()) || v.contains(':') {
            return None;
        }
        parsed.push((k.to_string(), v.to_string()));
    }
    Some((command.to_string(), parsed, message.to_string()))
}

#[test]
fn github_lines_are_workflow_commands_on_the_right_line() {
    let (err, ok) = messages("github");
    assert!(ok, "{err}");
    let commands: Vec<_> = err.lines().filter(|l| l.starts_with("::")).collect();
    assert!(commands.len() >= 3, "{err}");
    for c in &commands {
        assert!(workflow_command(c).is_some(), "not a workflow command: {c}");
    }
    let (kind, props, message) = commands
        .iter()
        .filter_map(|c| workflow_command(c))
        .find(|(_, _, m)| m.contains("chart.png"))
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(kind, "warning");
    let get = |k: &str| props.iter().find(|(p, _)| p == k).map(|(_, v)| v.as_str());
    assert_eq!(get("file"), Some("content/a.md"));
    assert_eq!((get("line"), get("col")), (Some("3"), Some("5")));
    assert_eq!(get("title"), Some("notes2book image-missing"));
    assert!(message.contains("%0Ahint: "), "{message}");
    assert!(commands.iter().any(|c| c.starts_with("::notice ")), "{err}");
}

#[test]
fn short_lines_are_file_line_col_severity_code_message() {
    let (err, ok) = messages("short");
    assert!(ok, "{err}");
    let image = err
        .lines()
        .find(|l| l.contains("image-missing"))
        .unwrap_or_else(|| panic!("{err}"));
    let parts: Vec<&str> = image.splitn(4, ':').collect();
    assert_eq!(parts[..3], ["content/a.md", "3", "5"], "{image}");
    assert!(
        parts[3].starts_with(" warning[image-missing]: image `chart.png`"),
        "{image}"
    );
    // One line each: no source lines, no carets.
    assert!(!err.contains(" | ") && !err.contains('^'), "{err}");
}
