//! The GitHub Action (`action.yml`): its steps call the scripts in `action/`, and those
//! scripts run here as the runner runs them: the install step finds a cached binary and
//! puts it on the PATH, the build step builds a git repository's notes with the commit's
//! time, prints workflow commands, writes the step's outputs, and fails under `strict`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use notes2book_tests::{bin, epub_text, repo};

fn script(name: &str) -> PathBuf {
    repo().join("action").join(name)
}

/// Run a script of the action with `env`, in `dir`.
fn run(name: &str, dir: &Path, env: &[(&str, &Path)], vars: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new("bash");
    cmd.arg(script(name))
        .current_dir(dir)
        .env("GITHUB_ACTION_PATH", repo())
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().expect("bash")
}

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", "2024-03-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-03-01T12:00:00Z")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.org")
        .output()
        .expect("git");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn the_action_yml_runs_the_scripts_with_every_input() {
    let text = std::fs::read_to_string(repo().join("action.yml")).expect("action.yml");
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).expect("YAML");
    assert_eq!(yaml["runs"]["using"], "composite");
    let steps = yaml["runs"]["steps"].as_sequence().expect("steps");
    for s in steps {
        if let Some(run) = s["run"].as_str() {
            assert_eq!(s["shell"], "bash", "{run}");
            let file = run
                .strip_prefix("\"$GITHUB_ACTION_PATH/")
                .and_then(|r| r.strip_suffix('"'))
                .unwrap_or_else(|| panic!("a step runs something else: {run}"));
            assert!(repo().join(file).is_file(), "{file}");
        }
    }
    for input in yaml["inputs"].as_mapping().expect("inputs").keys() {
        let name = input.as_str().expect("name");
        assert!(
            text.contains(&format!("inputs.{name} "))
                || text.contains(&format!("inputs.{name} }}")),
            "input {name} is not used"
        );
    }
}

#[test]
fn install_uses_a_cached_binary_and_build_annotates_and_reproduces() {
    let dir = tempfile::tempdir().expect("tmp");
    // A cached install: the action restores ~/.notes2book.
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join("bin")).expect("mkdir");
    std::fs::copy(bin(), home.join("bin/notes2book")).expect("copy the binary");
    let github_path = dir.path().join("github_path");
    let o = run(
        "install.sh",
        dir.path(),
        &[("NOTES2BOOK_HOME", &home), ("GITHUB_PATH", &github_path)],
        &[],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let added = std::fs::read_to_string(&github_path).expect("GITHUB_PATH");
    assert_eq!(added.trim(), home.join("bin").display().to_string());

    // A repository of notes with a missing image.
    let notes = dir.path().join("notes");
    std::fs::create_dir_all(notes.join("content")).expect("mkdir");
    std::fs::write(notes.join("notes2book.yaml"), "title: Released\n").expect("config");
    std::fs::write(
        notes.join("content/a.md"),
        "# A\n\nText.\n\n![chart](chart.png)\n",
    )
    .expect("note");
    git(&notes, &["init", "-q"]);
    git(&notes, &["add", "."]);
    git(&notes, &["commit", "-q", "-m", "notes"]);

    let build = |strict: &str, output: &Path| {
        run(
            "build.sh",
            &notes,
            &[
                ("NOTES2BOOK", &home.join("bin/notes2book")),
                ("GITHUB_OUTPUT", output),
            ],
            &[
                ("INPUT_FORMATS", "epub"),
                ("INPUT_OUT", "dist"),
                ("INPUT_STRICT", strict),
                ("INPUT_INPUT", ""),
                ("INPUT_ARGS", "--drafts"),
            ],
        )
    };
    let output = dir.path().join("github_output");
    let o = build("false", &output);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{err}");
    assert!(
        err.lines().any(|l| l.starts_with(
            "::warning file=content/a.md,line=5,col=1,endLine=5,endColumn=20,title=notes2book image-missing::"
        )),
        "{err}"
    );
    let outputs = std::fs::read_to_string(&output).expect("GITHUB_OUTPUT");
    assert!(outputs.lines().any(|l| l == "dir=dist"), "{outputs}");
    let epub = outputs
        .lines()
        .find_map(|l| l.strip_prefix("epub="))
        .map(|p| notes.join(p))
        .unwrap_or_else(|| panic!("no epub= in {outputs}"));
    // The commit's time is the book's.
    let opf = epub_text(&epub, "OEBPS/content.opf");
    assert!(opf.contains("2024-03-01T12:00:00Z"), "{opf}");
    let first = std::fs::read(&epub).expect("epub");
    let o = build("false", &dir.path().join("again"));
    assert!(o.status.success());
    assert_eq!(
        first,
        std::fs::read(&epub).expect("epub"),
        "a rebuild differs"
    );

    // Strict: the warning fails the job, and nothing new is written.
    let o = build("true", &dir.path().join("strict"));
    assert_eq!(o.status.code(), Some(1));
}
