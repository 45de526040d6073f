//! Generates a deterministic, realistic corpus of Markdown notes with images, for
//! benchmarks and stress tests of `notes2book`.
//!
//! ```text
//! cargo run --release -p notes2book-tests --bin gen-corpus -- OUT \
//!     --notes N --photos P --diagrams D \
//!     [--photo-size 1600x1200] [--diagram-size 1200x800] \
//!     [--words-per-note 2000] [--formulas-per-note 0] [--seed 1] [--jobs N] [--force]
//! ```
//!
//! It writes `OUT/` as a Hugo-style notes folder:
//!
//! - `OUT/notes2book.yaml`: title, authors, language and `input: content`;
//! - `OUT/content/_index.md`: the home page;
//! - `OUT/content/<section>/_index.md`: a few sections (YAML front matter with a
//!   title and a weight), each holding its share of the N notes;
//! - `OUT/content/<section>/<name>-NNNN.md`: notes of about W words with YAML front
//!   matter (title, date, weight, tags), `##`/`###` headings, paragraphs, emphasis,
//!   strong text, inline code, bullet and ordered lists (some nested), tables,
//!   fenced code blocks (rust, python, go, sh), block quotes, footnotes, links to
//!   other notes (`other.md`, `../section/other.md#heading-id` with the target's
//!   real heading ids), Obsidian wikilinks and figures (alternately a Hugo
//!   `{{< figure >}}` shortcode and a Markdown image with a title);
//! - `OUT/content/static/images/photo-NNNN.jpg`: photo-like JPEGs (quality 85:
//!   gradients, hills, soft shapes, texture and grain, so sizes are realistic);
//! - `OUT/content/static/images/diagram-NNNN.png`: line-art PNGs (boxes, arrows,
//!   circles, a small plot; some with a transparent border);
//! - `OUT/.gen-corpus`: the arguments that made the corpus, written last (scripts can
//!   compare it to decide whether a cached corpus is complete and current).
//!
//! Every image is referenced at least once and about a fifth of them twice.
//!
//! The output depends on the arguments only: all randomness comes from a
//! splitmix64 generator seeded by `--seed` (per note and per image, so the
//! parallel image workers cannot change the result), there is no clock, no hash
//! map and no floating-point function from the platform's maths library, so the
//! same arguments give byte-identical files.
//!
//! OUT must be missing or empty; `--force` regenerates a folder that an earlier
//! run of this program wrote (it removes `OUT/content` first) and refuses others.
//! `--fingerprint` prints what `OUT/.gen-corpus` would hold and writes nothing, so
//! a script can reuse a cached corpus when the two match (see `bench/`).

// Heading ids exactly as the parser makes them, so generated links always resolve.
use notes2book_model::slugify;
use notes2book_tests::Rng;
use std::fmt::{self, Write as _};
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder, RgbImage, RgbaImage};

/// JPEG quality of the photos.
const JPEG_QUALITY: u8 = 85;
/// Name of the marker file written last into OUT.
const MARKER: &str = ".gen-corpus";
/// First line of the generated `notes2book.yaml`.
const CONFIG_HEADER: &str = "# Written by gen-corpus; regenerate instead of editing.\n";
/// Bump when the same arguments give different files, so cached corpora are remade.
const GENERATOR_VERSION: u32 = 1;

const USAGE: &str = "\
usage: gen-corpus OUT [options]

Writes a deterministic Hugo-style notes folder (OUT/notes2book.yaml, OUT/content/)
with notes and images, for benchmarks and tests of notes2book.

options:
  --notes N              number of notes [default: 20]
  --photos P             number of JPEG photos [default: 10]
  --diagrams D           number of PNG diagrams [default: 5]
  --photo-size WxH       photo size in pixels [default: 1600x1200]
  --diagram-size WxH     diagram size in pixels [default: 1200x800]
  --words-per-note W     about how many words each note has [default: 2000]
  --formulas-per-note F  TeX formulas in each note, half of them display [default: 0]
  --seed S               seed of the generator [default: 1]
  --jobs N               image worker threads [default: all cores]
  --force                regenerate an OUT written by an earlier gen-corpus run
  --fingerprint          print what OUT/.gen-corpus will contain, write nothing
  -h, --help             print this help";

/// An error with a message meant for a person; `main` prints it as is.
struct GenError(String);

impl fmt::Debug for GenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, GenError> {
    Err(GenError(msg.into()))
}

fn io_err(what: &str, path: &Path, e: &io::Error) -> GenError {
    GenError(format!("could not {what} {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------
// Arguments

#[derive(Debug, Clone)]
struct Options {
    out: PathBuf,
    notes: usize,
    photos: usize,
    diagrams: usize,
    photo_size: (u32, u32),
    diagram_size: (u32, u32),
    words: usize,
    /// Formulas per note (half inline, half display).
    formulas: usize,
    seed: u64,
    jobs: usize,
    force: bool,
}

impl Options {
    /// The options that shape the output, as written to the marker file.
    fn fingerprint(&self) -> String {
        // Without formulas the fingerprint is what it was before the option existed.
        let formulas = if self.formulas > 0 {
            format!("formulas-per-note {}\n", self.formulas)
        } else {
            String::new()
        };
        let head = format!(
            "gen-corpus {GENERATOR_VERSION}\nnotes {}\nphotos {}\ndiagrams {}\nphoto-size {}x{}\ndiagram-size {}x{}\nwords-per-note {}\nseed {}\n",
            self.notes,
            self.photos,
            self.diagrams,
            self.photo_size.0,
            self.photo_size.1,
            self.diagram_size.0,
            self.diagram_size.1,
            self.words,
            self.seed
        );
        head + &formulas
    }
}

enum Parsed {
    Run(Options),
    Help,
    /// Print what `OUT/.gen-corpus` will hold for these options, and stop.
    Fingerprint(Options),
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Parsed, GenError> {
    let mut out: Option<PathBuf> = None;
    let mut fingerprint = false;
    let mut o = Options {
        out: PathBuf::new(),
        notes: 20,
        photos: 10,
        diagrams: 5,
        photo_size: (1600, 1200),
        diagram_size: (1200, 800),
        words: 2000,
        formulas: 0,
        seed: 1,
        jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
        force: false,
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, GenError> {
            match inline.clone().or_else(|| args.next()) {
                Some(v) => Ok(v),
                None => err(format!("{name} needs a value\n\n{USAGE}")),
            }
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--force" => o.force = true,
            "--fingerprint" => fingerprint = true,
            "--notes" => o.notes = number(&name, &value(&name)?, 1, 1_000_000)?,
            "--photos" => o.photos = number(&name, &value(&name)?, 0, 99_999)?,
            "--diagrams" => o.diagrams = number(&name, &value(&name)?, 0, 99_999)?,
            "--words-per-note" => o.words = number(&name, &value(&name)?, 20, 1_000_000)?,
            "--formulas-per-note" => o.formulas = number(&name, &value(&name)?, 0, 100_000)?,
            "--jobs" => o.jobs = number(&name, &value(&name)?, 1, 1024)?,
            "--seed" => {
                let v = value(&name)?;
                o.seed = v
                    .parse()
                    .map_err(|_| GenError(format!("--seed expects a whole number, not `{v}`")))?;
            }
            "--photo-size" => o.photo_size = size(&name, &value(&name)?)?,
            "--diagram-size" => o.diagram_size = size(&name, &value(&name)?)?,
            s if s.starts_with('-') && s.len() > 1 => {
                return err(format!("unknown option `{s}`\n\n{USAGE}"));
            }
            _ => {
                if out.is_some() {
                    return err(format!(
                        "more than one output folder given (`{arg}`)\n\n{USAGE}"
                    ));
                }
                out = Some(PathBuf::from(arg));
            }
        }
    }
    match out {
        Some(p) => {
            o.out = p;
            Ok(if fingerprint {
                Parsed::Fingerprint(o)
            } else {
                Parsed::Run(o)
            })
        }
        None => err(format!("missing the output folder OUT\n\n{USAGE}")),
    }
}

fn number(name: &str, v: &str, min: usize, max: usize) -> Result<usize, GenError> {
    match v.parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => err(format!(
            "{name} expects a whole number from {min} to {max}, not `{v}`"
        )),
    }
}

fn size(name: &str, v: &str) -> Result<(u32, u32), GenError> {
    let parsed = v
        .split_once(['x', 'X'])
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)));
    match parsed {
        Some((w, h)) if (16..=20_000).contains(&w) && (16..=20_000).contains(&h) => Ok((w, h)),
        _ => err(format!(
            "{name} expects WIDTHxHEIGHT with sides from 16 to 20000 pixels, not `{v}`"
        )),
    }
}

// ---------------------------------------------------------------------------
// Main

fn main() -> Result<(), GenError> {
    let opts = match parse_args(std::env::args().skip(1))? {
        Parsed::Help => {
            let mut out = io::stdout().lock();
            return writeln!(out, "{USAGE}")
                .map_err(|e| GenError(format!("could not write to standard output: {e}")));
        }
        Parsed::Fingerprint(o) => {
            let mut out = io::stdout().lock();
            return out
                .write_all(o.fingerprint().as_bytes())
                .map_err(|e| GenError(format!("could not write to standard output: {e}")));
        }
        Parsed::Run(o) => o,
    };
    prepare_out(&opts)?;

    let plan = plan_book(&opts);
    let content = opts.out.join("content");
    let mut text_bytes = 0u64;
    let mut write_text = |path: &Path, text: &str| -> Result<(), GenError> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| io_err("create folder", dir, &e))?;
        }
        fs::write(path, text).map_err(|e| io_err("write", path, &e))?;
        text_bytes += text.len() as u64;
        Ok(())
    };

    write_text(&opts.out.join("notes2book.yaml"), &config_yaml(&opts))?;
    write_text(&content.join("_index.md"), &home_page(&opts, &plan))?;
    for (si, sec) in plan.sections.iter().enumerate() {
        let text = section_page(&opts, si, sec);
        write_text(&content.join(&sec.dir).join("_index.md"), &text)?;
    }
    for i in 0..plan.notes.len() {
        let text = note_text(&opts, &plan, i);
        let note = &plan.notes[i];
        let path = content
            .join(&plan.sections[note.section].dir)
            .join(format!("{}.md", note.stem));
        write_text(&path, &text)?;
    }

    let image_bytes = write_images(&opts, &content.join("static").join("images"))?;

    let marker = opts.out.join(MARKER);
    fs::write(&marker, opts.fingerprint()).map_err(|e| io_err("write", &marker, &e))?;

    let mut out = io::stdout().lock();
    writeln!(
        out,
        "wrote {} notes in {} sections ({:.1} MB of Markdown) and {} photos + {} diagrams ({:.1} MB) to {}",
        plan.notes.len(),
        plan.sections.len(),
        text_bytes as f64 / 1e6,
        opts.photos,
        opts.diagrams,
        image_bytes as f64 / 1e6,
        opts.out.display()
    )
    .map_err(|e| GenError(format!("could not write to standard output: {e}")))
}

/// Checks that OUT is missing or empty (or, with --force, one of ours) and creates it.
fn prepare_out(opts: &Options) -> Result<(), GenError> {
    let out = &opts.out;
    if out.exists() {
        if !out.is_dir() {
            return err(format!("{} exists and is not a folder", out.display()));
        }
        let mut entries = fs::read_dir(out).map_err(|e| io_err("read folder", out, &e))?;
        if entries.next().is_some() {
            if !opts.force {
                return err(format!(
                    "{} is not empty; pass --force to regenerate a folder written by gen-corpus",
                    out.display()
                ));
            }
            // Ours: the marker (a finished run) or our config header (an interrupted one).
            let config = fs::read_to_string(out.join("notes2book.yaml")).unwrap_or_default();
            let marker = out.join(MARKER);
            if !marker.is_file() && !config.starts_with(CONFIG_HEADER) {
                return err(format!(
                    "{} is not empty and was not written by gen-corpus (no {MARKER} file); refusing to overwrite it even with --force",
                    out.display()
                ));
            }
            if marker.is_file() {
                fs::remove_file(&marker).map_err(|e| io_err("remove", &marker, &e))?;
            }
            let content = out.join("content");
            if content.exists() {
                fs::remove_dir_all(&content).map_err(|e| io_err("remove", &content, &e))?;
            }
        }
    }
    fs::create_dir_all(out).map_err(|e| io_err("create folder", out, &e))
}

// ---------------------------------------------------------------------------
// A small deterministic random number generator (splitmix64)

// (`Rng` is the test crate's, shared with the collections test.)

// ---------------------------------------------------------------------------
// Vocabulary

#[rustfmt::skip]
const NOUNS: &[&str] = &[
    "harbour", "clock", "signal", "river", "bridge", "engine", "garden", "library", "window",
    "network", "server", "message", "packet", "record", "ledger", "pattern", "shadow",
    "mountain", "valley", "island", "village", "market", "station", "railway", "journey",
    "letter", "lantern", "compass", "map", "archive", "notebook", "chapter", "sentence",
    "paragraph", "kitchen", "recipe", "orchard", "meadow", "forest", "glacier", "coast",
    "lighthouse", "sailor", "captain", "teacher", "student", "reader", "writer", "painter",
    "builder", "gardener", "farmer", "merchant", "traveller", "neighbour", "stranger",
    "question", "answer", "problem", "method", "theory", "experiment", "measurement", "error",
    "estimate", "average", "sample", "table", "column", "row", "index", "cache", "buffer",
    "queue", "thread", "process", "kernel", "driver", "device", "sensor", "battery", "circuit",
    "crystal", "pendulum", "spring", "wheel", "gear", "lever", "hammer", "ladder", "rope",
    "anchor", "sail", "storm", "cloud", "rain", "winter", "summer", "morning", "evening",
    "season", "century", "decade", "moment", "minute", "second", "calendar", "festival",
    "street", "square", "tower", "wall", "door", "roof", "stair", "corridor", "museum",
    "theatre", "concert", "melody", "rhythm", "voice", "story", "legend", "promise", "decision",
    "argument", "reason", "habit", "memory", "routine", "schedule", "deadline", "budget",
    "invoice", "contract", "draft", "version", "release", "branch", "commit", "review", "test",
    "benchmark", "profile", "log", "report", "diagram", "sketch", "photograph", "camera",
    "lens", "mirror", "candle", "kettle", "teapot", "bicycle", "ferry", "tram", "valve", "café",
    "façade", "résumé", "crème", "piñata", "jalapeño", "smörgåsbord", "naïveté",
];

#[rustfmt::skip]
const ADJECTIVES: &[&str] = &[
    "quiet", "bright", "narrow", "ancient", "careful", "naïve", "steady", "hidden", "distant",
    "gentle", "heavy", "light", "sudden", "patient", "curious", "simple", "complex", "rough",
    "smooth", "early", "late", "local", "remote", "formal", "informal", "fragile", "robust",
    "modest", "generous", "stubborn", "precise", "approximate", "hollow", "crowded", "empty",
    "familiar", "strange", "useful", "obscure", "public", "private", "frequent", "rare",
    "silent", "noisy", "warm", "cold", "wooden", "metal", "paper", "digital", "analogue",
    "northern", "southern", "coastal", "urban", "rural", "small", "large", "slow", "fast",
    "fresh", "stale", "clever", "honest", "practical", "elegant", "awkward", "minor", "major",
    "little", "older", "younger", "blue", "green", "grey", "golden", "dark", "pale", "soft",
    "sharp", "tidy", "messy", "déclassé", "soigné", "outré",
];

/// Regular verbs in the base form; `third` makes "carries" from "carry".
#[rustfmt::skip]
const VERBS: &[&str] = &[
    "measure", "record", "carry", "follow", "cross", "explain", "describe", "collect",
    "compare", "repair", "build", "open", "close", "watch", "reach", "push", "pull", "hold",
    "keep", "lose", "find", "count", "order", "sort", "replace", "remember", "forget", "visit",
    "paint", "write", "read", "copy", "check", "test", "change", "shape", "guide", "warn",
    "join", "split", "trace", "signal", "schedule", "cache", "store", "send", "receive",
    "answer", "question", "balance", "borrow", "lend", "offer", "accept", "refuse", "support",
    "replay", "wrap", "mark", "sketch", "publish", "review", "observe", "predict", "adjust",
    "protect", "reveal", "cover", "align",
];

#[rustfmt::skip]
const ADVERBS: &[&str] = &[
    "slowly", "rarely", "quickly", "quietly", "carefully", "often", "sometimes", "always",
    "never", "usually", "gently", "firmly", "briefly", "openly", "silently", "eventually",
    "suddenly", "barely", "nearly", "almost", "simply", "clearly", "roughly", "precisely",
];

#[rustfmt::skip]
const PREPOSITIONS: &[&str] = &[
    "across", "beneath", "beside", "through", "near", "after", "before", "within", "without",
    "along", "under", "over", "behind", "around", "against", "towards", "inside", "outside",
    "beyond", "despite",
];

#[rustfmt::skip]
const CONJUNCTIONS: &[&str] = &[
    "and", "but", "because", "while", "although", "so", "until", "whereas", "since", "unless",
];

#[rustfmt::skip]
const PLACES: &[&str] = &[
    "Zürich", "Kraków", "Malmö", "Montréal", "Reykjavík", "Lisbon", "Oslo", "Kyoto", "Dublin",
    "Tromsø", "Córdoba", "Genève", "Porto", "Edinburgh", "Bogotá", "Nîmes",
];

#[rustfmt::skip]
const OPENERS: &[&str] = &[
    "In practice", "At first", "Of course", "In the end", "For a while", "Even so", "Later",
    "Meanwhile", "In short", "Oddly enough", "To be fair", "As a rule", "Déjà vu aside",
];

#[rustfmt::skip]
const CODE_WORDS: &[&str] = &[
    "fsync", "read_to_string", "--jobs", "Vec<u8>", "BTreeMap", "git rebase", "SIGTERM",
    "O_DIRECT", "mmap", "utf-8", "std::thread::scope", "#[derive(Debug)]", "0x7f", "null",
    "async fn", "ENOENT", "len()", "notes2book.yaml", "--release", "Ctrl-C", "PATH", "errno",
];

#[rustfmt::skip]
const CODE_NOUNS: &[&str] = &[
    "call", "flag", "function", "option", "value", "setting", "command",
];

#[rustfmt::skip]
const TAGS: &[&str] = &[
    "clocks", "networking", "storage", "history", "rust", "python", "go", "shell", "travel",
    "design", "maths", "reading", "café", "gardening", "sailing", "hardware",
];

const SECTION_NAMES: &[(&str, &str)] = &[
    ("foundations", "Foundations"),
    ("measurement", "Measurement and error"),
    ("networks", "Networks and messages"),
    ("storage", "Storage and archives"),
    ("journeys", "Journeys"),
    ("workshop", "In the workshop"),
    ("cafe", "Café conversations"),
    ("field-notes", "Field notes"),
];

// ---------------------------------------------------------------------------
// The book's plan: sections, notes with titles, headings and figures

#[derive(Debug)]
struct Section {
    dir: String,
    title: String,
}

#[derive(Debug)]
struct Heading {
    level: usize,
    text: String,
    id: String,
}

#[derive(Debug, Clone, Copy)]
enum ImageKind {
    Photo,
    Diagram,
}

#[derive(Debug, Clone, Copy)]
struct ImageRef {
    kind: ImageKind,
    /// 1-based number in the file name.
    number: usize,
}

impl ImageRef {
    fn url(self) -> String {
        match self.kind {
            ImageKind::Photo => format!("/images/photo-{:04}.jpg", self.number),
            ImageKind::Diagram => format!("/images/diagram-{:04}.png", self.number),
        }
    }
}

#[derive(Debug)]
struct NotePlan {
    section: usize,
    stem: String,
    title: String,
    weight: usize,
    date: String,
    tags: Vec<String>,
    headings: Vec<Heading>,
    figures: Vec<ImageRef>,
}

#[derive(Debug)]
struct Plan {
    sections: Vec<Section>,
    notes: Vec<NotePlan>,
}

fn capitalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut done = false;
    for c in s.chars() {
        if !done && c.is_alphabetic() {
            out.extend(c.to_uppercase());
            done = true;
        } else {
            out.push(c);
        }
    }
    out
}

fn plan_book(opts: &Options) -> Plan {
    let mut rng = Rng::stream(opts.seed, &[1]);
    let n_sections = (2 + opts.notes / 10)
        .min(SECTION_NAMES.len())
        .min(opts.notes);
    let sections: Vec<Section> = SECTION_NAMES[..n_sections]
        .iter()
        .enumerate()
        .map(|(i, (dir, title))| Section {
            dir: format!("{:02}-{dir}", i + 1),
            title: (*title).to_owned(),
        })
        .collect();

    let ascii_nouns: Vec<&str> = NOUNS.iter().copied().filter(|w| w.is_ascii()).collect();
    let mut notes = Vec::with_capacity(opts.notes);
    let mut weight_in_section = vec![0usize; n_sections];
    for i in 0..opts.notes {
        let section = i * n_sections / opts.notes;
        weight_in_section[section] += 1;
        let a = rng.pick(&ascii_nouns);
        let mut b = rng.pick(&ascii_nouns);
        while b == a {
            b = rng.pick(&ascii_nouns);
        }
        let adj = rng.pick(ADJECTIVES);
        let title = match rng.below(4) {
            0 => format!("{} {a} and the {b}", capitalise(adj)),
            1 => format!("Notes on the {a} {b}"),
            2 => format!("How the {a} {} the {b}", third(rng.pick(VERBS))),
            _ => format!("The {adj} {a} of {}", rng.pick(PLACES)),
        };
        let stem = format!("{a}-{b}-{:04}", i + 1);
        let days = 17_532 + rng.below(2_900) as i64; // from 2018-01-01
        let n_tags = rng.range(1, 3);
        let mut tags: Vec<String> = Vec::new();
        while tags.len() < n_tags {
            let t = (rng.pick(TAGS)).to_owned();
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        notes.push(NotePlan {
            section,
            stem,
            title,
            weight: weight_in_section[section],
            date: civil_date(days),
            tags,
            headings: plan_headings(&mut rng, opts.words),
            figures: Vec::new(),
        });
    }

    // Every image once, about a fifth twice; shuffled, then dealt out in order.
    let total = opts.photos + opts.diagrams;
    let mut refs: Vec<ImageRef> = (1..=opts.photos)
        .map(|number| ImageRef {
            kind: ImageKind::Photo,
            number,
        })
        .chain((1..=opts.diagrams).map(|number| ImageRef {
            kind: ImageKind::Diagram,
            number,
        }))
        .collect();
    for _ in 0..total / 5 {
        let r = refs[rng.below(total)];
        refs.push(r);
    }
    for i in (1..refs.len()).rev() {
        let j = rng.below(i + 1);
        refs.swap(i, j);
    }
    let n_refs = refs.len();
    for (k, r) in refs.into_iter().enumerate() {
        notes[k * opts.notes / n_refs].figures.push(r);
    }
    Plan { sections, notes }
}

/// About one `##` per 350 words, some with one or two `###` beneath; unique ids.
fn plan_headings(rng: &mut Rng, words: usize) -> Vec<Heading> {
    let n_h2 = (words / 350).max(1);
    let mut out: Vec<Heading> = Vec::new();
    for _ in 0..n_h2 {
        push_heading(rng, &mut out, 2);
        if rng.chance(0.4) {
            for _ in 0..rng.range(1, 2) {
                push_heading(rng, &mut out, 3);
            }
        }
    }
    out
}

fn push_heading(rng: &mut Rng, out: &mut Vec<Heading>, level: usize) {
    loop {
        let noun = rng.pick(NOUNS);
        let text = match rng.below(6) {
            0 => format!("The {} {noun}", rng.pick(ADJECTIVES)),
            1 => format!("{} and {}", capitalise(noun), rng.pick(NOUNS)),
            2 => format!("Why the {noun} {}", third(rng.pick(VERBS))),
            3 => format!("A {noun} in {}", rng.pick(PLACES)),
            4 => format!("{} {}s", capitalise(rng.pick(ADJECTIVES)), noun),
            _ => format!("{} the {noun}", capitalise(&ing(rng.pick(VERBS)))),
        };
        let id = slugify(&text);
        if !out.iter().any(|h| h.id == id) {
            out.push(Heading { level, text, id });
            return;
        }
    }
}

/// "carry" → "carries", "watch" → "watches", "read" → "reads".
fn third(verb: &str) -> String {
    if let Some(stem) = verb.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    if verb.ends_with(['s', 'x', 'z', 'o']) || verb.ends_with("sh") || verb.ends_with("ch") {
        return format!("{verb}es");
    }
    format!("{verb}s")
}

/// "write" → "writing", "keep" → "keeping" (no doubling; good enough for headings).
fn ing(verb: &str) -> String {
    match verb.strip_suffix('e') {
        Some(stem) if !verb.ends_with("ee") => format!("{stem}ing"),
        _ => format!("{verb}ing"),
    }
}

/// `YYYY-MM-DD` for a count of days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

// ---------------------------------------------------------------------------
// Text: config, home page, sections

fn yaml_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn config_yaml(opts: &Options) -> String {
    format!(
        "{CONFIG_HEADER}\
         title: {}\n\
         subtitle: A generated corpus for benchmarks\n\
         authors: [Gen Corpus]\n\
         language: en\n\
         date: 2026-01-01\n\
         input: content\n",
        yaml_quote(&format!(
            "Generated notes: {} notes, {} images (seed {})",
            opts.notes,
            opts.photos + opts.diagrams,
            opts.seed
        ))
    )
}

fn home_page(opts: &Options, plan: &Plan) -> String {
    let mut rng = Rng::stream(opts.seed, &[2]);
    let mut s = String::from("---\ntitle: \"Generated notes\"\n---\n\n");
    let mut t = Text::new(&mut rng, plan, usize::MAX, false);
    t.paragraph();
    s.push_str(&t.out);
    s
}

fn section_page(opts: &Options, si: usize, sec: &Section) -> String {
    let mut rng = Rng::stream(opts.seed, &[3, si as u64]);
    let mut s = format!(
        "---\ntitle: {}\nweight: {}\n---\n\n",
        yaml_quote(&sec.title),
        si + 1
    );
    let empty = Plan {
        sections: Vec::new(),
        notes: Vec::new(),
    };
    let mut t = Text::new(&mut rng, &empty, usize::MAX, false);
    t.paragraph();
    s.push_str(&t.out);
    s
}

// ---------------------------------------------------------------------------
// Text: notes

fn note_text(opts: &Options, plan: &Plan, index: usize) -> String {
    let note = &plan.notes[index];
    let mut rng = Rng::stream(opts.seed, &[4, index as u64]);
    let mut s = String::new();
    let _ = write!(
        s,
        "---\ntitle: {}\ndate: {}\nweight: {}\ntags: [{}]\n",
        yaml_quote(&note.title),
        note.date,
        note.weight,
        note.tags.join(", ")
    );
    if rng.chance(0.3) {
        let mut t = Text::new(&mut rng, plan, index, false);
        let sentence = t.sentence();
        let _ = writeln!(s, "description: {}", yaml_quote(&sentence));
    }
    s.push_str("---\n\n");

    let mut t = Text::new(&mut rng, plan, index, true);
    // Figure syntax alternates across the whole book, not just within a note.
    t.figures = plan.notes[..index].iter().map(|n| n.figures.len()).sum();
    let words = opts.words;
    let intro = (words / 12).max(10);
    let per_heading = (words - intro.min(words)) / note.headings.len().max(1);
    let n_fig = note.figures.len();
    let mut next_fig = 0;
    // Place figure k once this many words are written.
    let fig_at = |k: usize| (words * (k + 1)) / (n_fig + 1);
    // Formula k once this many words are written (the rest at the end).
    let n_math = opts.formulas;
    let mut next_math = 0;
    let math_at = |k: usize| (words * (k + 1)) / (n_math + 1);

    while t.words < intro {
        t.paragraph();
    }
    for (hi, h) in note.headings.iter().enumerate() {
        let _ = write!(t.out, "{} {}\n\n", "#".repeat(h.level), h.text);
        let goal = intro + per_heading * (hi + 1);
        let mut first = true;
        while t.words < goal || first {
            if first {
                t.paragraph();
                first = false;
            } else {
                t.block();
            }
            while next_fig < n_fig && t.words >= fig_at(next_fig) {
                t.figure(note.figures[next_fig]);
                next_fig += 1;
            }
            while next_math < n_math && t.words >= math_at(next_math) {
                t.formula(next_math % 2 == 1);
                next_math += 1;
            }
        }
    }
    while next_math < n_math {
        t.formula(next_math % 2 == 1);
        next_math += 1;
    }
    while next_fig < n_fig {
        t.figure(note.figures[next_fig]);
        next_fig += 1;
    }
    t.footnote_definitions();
    s.push_str(&t.out);
    s
}

/// Writes Markdown into `out`, counting the words of its prose.
struct Text<'a> {
    rng: &'a mut Rng,
    plan: &'a Plan,
    /// The note being written (links go elsewhere); `usize::MAX` for none.
    me: usize,
    /// Links, footnotes and figures are only written into notes.
    rich: bool,
    out: String,
    words: usize,
    footnotes: Vec<String>,
    figures: usize,
    /// The last block was a list.
    after_list: bool,
}

impl<'a> Text<'a> {
    fn new(rng: &'a mut Rng, plan: &'a Plan, me: usize, rich: bool) -> Self {
        Text {
            rng,
            plan,
            me,
            rich,
            out: String::new(),
            words: 0,
            footnotes: Vec::new(),
            figures: 0,
            after_list: false,
        }
    }

    fn count(&mut self, s: &str) {
        self.words += s.split_whitespace().count();
    }

    /// "the quiet harbour", "a *café*", "the `fsync` call", "an old map".
    fn noun_phrase(&mut self, decorate: bool) -> String {
        let r = &mut *self.rng;
        if decorate && r.chance(0.04) {
            return format!("the `{}` {}", r.pick(CODE_WORDS), r.pick(CODE_NOUNS));
        }
        let det = r.pick(&[
            "the", "the", "the", "a", "every", "each", "this", "that", "one", "another", "no",
        ]);
        let adj = if r.chance(0.4) {
            Some(r.pick(ADJECTIVES))
        } else {
            None
        };
        let noun = r.pick(NOUNS);
        let first = adj.unwrap_or(noun);
        let det = if det == "a" && first.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            det
        };
        let body = match adj {
            Some(a) => format!("{a} {noun}"),
            None => noun.to_owned(),
        };
        let body = if !decorate {
            body
        } else if r.chance(0.04) {
            format!("*{body}*")
        } else if r.chance(0.03) {
            format!("**{body}**")
        } else {
            body
        };
        format!("{det} {body}")
    }

    fn clause(&mut self, decorate: bool) -> String {
        let subject = self.noun_phrase(decorate);
        let r = &mut *self.rng;
        match r.below(5) {
            0 => {
                let adj = r.pick(ADJECTIVES);
                let prep = r.pick(PREPOSITIONS);
                let np = self.noun_phrase(decorate);
                format!("{subject} is {adj} {prep} {np}")
            }
            1 => {
                let adv = r.pick(ADVERBS);
                let verb = third(r.pick(VERBS));
                let np = self.noun_phrase(decorate);
                format!("{subject} {adv} {verb} {np}")
            }
            _ => {
                let verb = third(r.pick(VERBS));
                let object = self.noun_phrase(decorate);
                if self.rng.chance(0.5) {
                    let prep = self.rng.pick(PREPOSITIONS);
                    let np = self.noun_phrase(decorate);
                    format!("{subject} {verb} {object} {prep} {np}")
                } else {
                    format!("{subject} {verb} {object}")
                }
            }
        }
    }

    /// One sentence, capitalised and punctuated, without the trailing space.
    fn sentence(&mut self) -> String {
        let r = &mut *self.rng;
        let kind = r.below(20);
        let s = if kind == 0 {
            let verb = r.pick(VERBS);
            let a = self.noun_phrase(true);
            let b = self.noun_phrase(true);
            format!("Why does {a} {verb} {b}?")
        } else if kind == 1 {
            let place = r.pick(PLACES);
            let c = self.clause(true);
            format!("In {place}, {c}.")
        } else if kind == 2 {
            let opener = r.pick(OPENERS);
            let c = self.clause(true);
            format!("{opener}, {c}.")
        } else if kind < 9 {
            let a = self.clause(true);
            let conj = self.rng.pick(CONJUNCTIONS);
            let b = self.clause(true);
            format!("{a}, {conj} {b}.")
        } else {
            format!("{}.", self.clause(true))
        };
        capitalise(&s)
    }

    fn other_note(&mut self) -> Option<usize> {
        let n = self.plan.notes.len();
        if !self.rich || n < 2 {
            return None;
        }
        let k = self.rng.below(n - 1);
        Some(if k >= self.me { k + 1 } else { k })
    }

    /// A sentence with a link to another note (relative path or wikilink).
    fn link_sentence(&mut self) -> Option<String> {
        let target = self.other_note()?;
        let plan = self.plan;
        let (me, to) = (&plan.notes[self.me], &plan.notes[target]);
        let heading = if to.headings.is_empty() || self.rng.chance(0.4) {
            None
        } else {
            Some(&to.headings[self.rng.below(to.headings.len())])
        };
        let link = if self.rng.chance(0.25) {
            match (heading, self.rng.below(3)) {
                (Some(h), 0) => format!("[[{}#{}]]", to.stem, h.text),
                (_, 1) => format!("[[{}|{}]]", to.stem, to.title.to_lowercase()),
                _ => format!("[[{}]]", to.stem),
            }
        } else {
            let mut path = if to.section == me.section {
                format!("{}.md", to.stem)
            } else {
                format!("../{}/{}.md", plan.sections[to.section].dir, to.stem)
            };
            let label = match heading {
                Some(h) => {
                    path.push('#');
                    path.push_str(&h.id);
                    h.text.to_lowercase()
                }
                None => to.title.clone(),
            };
            format!("[{label}]({path})")
        };
        let c = self.clause(false);
        Some(match self.rng.below(4) {
            0 => capitalise(&format!("as {link} explains, {c}.")),
            1 => capitalise(&format!("{c} (see {link}).")),
            2 => format!("For more on this, read {link}."),
            _ => capitalise(&format!("{c}, which {link} also covers.")),
        })
    }

    /// A formula of the kinds course notes hold, inline in a sentence or on its own.
    fn formula(&mut self, display: bool) {
        let r = &mut *self.rng;
        let v = r.pick(&["x", "y", "z", "t", "u", "\\theta", "\\lambda", "\\mu"]);
        let w = r.pick(&["a", "b", "n", "k", "\\alpha", "\\beta", "\\sigma"]);
        let n = r.range(2, 12);
        let tex = match r.below(16) {
            0 => format!("{v}^{n} + {w}^{n} = c^{n}"),
            1 => format!("\\frac{{{v} + {n}}}{{{w}^2 - 1}}"),
            2 => format!("\\sum_{{i=1}}^{{{w}}} {v}_i^2"),
            3 => format!("\\int_0^{{{n}}} e^{{-{v}^2}}\\,d{v}"),
            4 => format!("\\sqrt{{{v}^2 + {w}^2}}"),
            5 => {
                format!("\\lim_{{{v} \\to \\infty}} \\left(1 + \\frac{{1}}{{{v}}}\\right)^{{{v}}}")
            }
            6 => format!("\\begin{{pmatrix}} {w} & {n} \\\\ 0 & {v} \\end{{pmatrix}}"),
            7 => format!(
                "\\begin{{aligned}} f({v}) &= {w}{v} + {n} \\\\ f'({v}) &= {w} \\end{{aligned}}"
            ),
            8 => format!(
                "|{v}| = \\begin{{cases}} {v} & {v} \\ge 0 \\\\ -{v} & \\text{{otherwise}} \\end{{cases}}"
            ),
            9 => format!("\\mathbb{{E}}[{v}] = \\sum_{{k}} k\\,P({v} = k)"),
            10 => format!("\\hat{{{v}}} = \\operatorname{{arg\\,max}}_{{{w}}} \\mathcal{{L}}({w})"),
            11 => format!("\\binom{{{n}}}{{k}} = \\frac{{{n}!}}{{k!\\,({n}-k)!}}"),
            12 => r"\nabla \cdot \mathbf{E} = \frac{\rho}{\varepsilon_0}".to_owned(),
            13 => format!("\\prod_{{j=1}}^{{{n}}} (1 - {v}_j) \\le e^{{-\\sum_j {v}_j}}"),
            14 => format!("\\|{v}\\|_2 \\le \\sqrt{{{n}}}\\,\\|{v}\\|_\\infty"),
            _ => format!("{v}_{{t+1}} = {v}_t - \\eta \\nabla_{{{v}}} J({v}_t)"),
        };
        if display {
            let _ = write!(self.out, "$$\n{tex}\n$$\n\n");
        } else {
            let _ = write!(self.out, "It follows that ${tex}$ holds here.\n\n");
        }
    }

    fn paragraph(&mut self) {
        let n = self.rng.range(3, 7);
        let mut para = String::new();
        let link_at = if self.rich && self.rng.chance(0.3) {
            Some(self.rng.below(n))
        } else {
            None
        };
        let note_at = if self.rich && self.rng.chance(0.15) {
            Some(self.rng.below(n))
        } else {
            None
        };
        for i in 0..n {
            let mut s = if link_at == Some(i) {
                self.link_sentence().unwrap_or_else(|| self.sentence())
            } else {
                self.sentence()
            };
            if note_at == Some(i) {
                let k = self.footnotes.len() + 1;
                let def = format!("{} {}", self.sentence(), self.sentence());
                self.footnotes.push(def);
                // Before the final punctuation mark.
                let end = s.pop().unwrap_or('.');
                let _ = write!(s, "[^{k}]{end}");
            }
            if i > 0 {
                para.push(' ');
            }
            para.push_str(&s);
        }
        self.count(&para);
        self.out.push_str(&para);
        self.out.push_str("\n\n");
    }

    fn list_item(&mut self) -> String {
        let s = if self.rng.chance(0.6) {
            let c = self.clause(true);
            capitalise(&c)
        } else {
            self.sentence()
        };
        self.count(&s);
        s
    }

    fn bullet_list(&mut self) {
        let task = self.rng.chance(0.1);
        for _ in 0..self.rng.range(3, 6) {
            let item = self.list_item();
            let mark = if task {
                if self.rng.chance(0.5) {
                    "- [x] "
                } else {
                    "- [ ] "
                }
            } else {
                "- "
            };
            let _ = writeln!(self.out, "{mark}{item}");
            if !task && self.rng.chance(0.25) {
                for _ in 0..self.rng.range(2, 3) {
                    let sub = self.list_item();
                    let _ = writeln!(self.out, "  - {sub}");
                }
            }
        }
        self.out.push('\n');
        self.after_list = true;
    }

    fn ordered_list(&mut self) {
        for n in 1..=self.rng.range(3, 6) {
            let item = self.list_item();
            let _ = writeln!(self.out, "{n}. {item}");
            if self.rng.chance(0.2) {
                for _ in 0..self.rng.range(2, 3) {
                    let sub = self.list_item();
                    let _ = writeln!(self.out, "   - {sub}");
                }
            }
        }
        self.out.push('\n');
        self.after_list = true;
    }

    fn table(&mut self) {
        let r = &mut *self.rng;
        let cols = r.range(3, 4);
        let rows = r.range(3, 6);
        let head = ["Item", "Count", "Ratio", "Remark"];
        let _ = writeln!(self.out, "| {} |", head[..cols].join(" | "));
        let align = ["---", "---:", "---:", "---"];
        let _ = writeln!(self.out, "|{}|", align[..cols].join("|"));
        for _ in 0..rows {
            let r = &mut *self.rng;
            let noun = capitalise(r.pick(NOUNS));
            let count = r.range(1, 9999);
            let ratio = r.below(10_000);
            let mut cells = vec![noun, count.to_string(), format!("0.{ratio:04}")];
            if cols == 4 {
                let adj = r.pick(ADJECTIVES);
                let adv = r.pick(ADVERBS);
                cells.push(format!("{adv} {adj}"));
            }
            let line = format!("| {} |", cells.join(" | "));
            self.count(&line.replace('|', " "));
            self.out.push_str(&line);
            self.out.push('\n');
        }
        self.out.push('\n');
    }

    fn quote(&mut self) {
        let n = self.rng.range(1, 3);
        let mut q = String::new();
        for i in 0..n {
            if i > 0 {
                q.push(' ');
            }
            q.push_str(&self.sentence());
        }
        self.count(&q);
        let _ = write!(self.out, "> {q}\n\n");
    }

    fn code_block(&mut self) {
        let ascii: Vec<&str> = NOUNS.iter().copied().filter(|w| w.is_ascii()).collect();
        let r = &mut *self.rng;
        let mut names: Vec<&str> = Vec::new();
        while names.len() < 4 {
            let w = r.pick(&ascii);
            if !names.contains(&w) {
                names.push(w);
            }
        }
        let (noun, arg, acc, x) = (names[0], names[1], names[2], names[3]);
        let verb = r.pick(VERBS);
        let n = r.range(2, 99);
        let m = r.range(2, 9);
        let (lang, code) = match r.below(4) {
            0 => (
                "rust",
                format!(
                    "/// Keeps every {x} above {n} and adds them up.\n\
                     fn {verb}_{noun}({arg}: &[u32]) -> Option<u32> {{\n    \
                         let mut {acc} = 0u32;\n    \
                         for {x} in {arg} {{\n        \
                             if *{x} > {n} {{\n            \
                                 {acc} = {acc}.wrapping_add(*{x} * {m});\n        \
                             }}\n    \
                         }}\n    \
                         ({acc} > 0).then_some({acc})\n\
                     }}\n"
                ),
            ),
            1 => (
                "python",
                format!(
                    "def {verb}_{noun}({arg}):\n    \
                         \"\"\"Return every {x} above {n}, times {m}.\"\"\"\n    \
                         {acc} = []\n    \
                         for {x} in {arg}:\n        \
                             if {x} > {n}:\n            \
                                 {acc}.append({x} * {m})\n    \
                         return {acc}\n"
                ),
            ),
            2 => (
                "go",
                format!(
                    "// {V}{N} adds up every {x} above {n}.\n\
                     func {V}{N}({arg} []int) int {{\n\
                     \t{acc} := 0\n\
                     \tfor _, {x} := range {arg} {{\n\
                     \t\tif {x} > {n} {{\n\
                     \t\t\t{acc} += {x} * {m}\n\
                     \t\t}}\n\
                     \t}}\n\
                     \treturn {acc}\n\
                     }}\n",
                    V = capitalise(verb),
                    N = capitalise(noun)
                ),
            ),
            _ => (
                "sh",
                format!(
                    "#!/bin/sh\n\
                     # Count the notes that mention a {x}.\n\
                     set -eu\n\
                     for f in {noun}/*.md; do\n    \
                         printf '%s %s\\n' \"$(grep -c '{x}' \"$f\" || true)\" \"$f\"\n\
                     done | sort -rn | head -n {n}\n"
                ),
            ),
        };
        let _ = write!(self.out, "```{lang}\n{code}```\n\n");
    }

    fn figure(&mut self, img: ImageRef) {
        let what = match img.kind {
            ImageKind::Photo => "A photograph of",
            ImageKind::Diagram => "A diagram of",
        };
        let np = self.noun_phrase(false);
        let prep = self.rng.pick(PREPOSITIONS);
        let np2 = self.noun_phrase(false);
        let caption = capitalise(&format!("{np} {prep} {np2}"));
        let alt = format!("{what} {np}");
        if self.figures.is_multiple_of(2) {
            if self.rng.chance(0.5) {
                let _ = write!(
                    self.out,
                    "{{{{< figure src=\"{}\" alt=\"{alt}\" caption=\"{caption}\" >}}}}\n\n",
                    img.url()
                );
            } else {
                let _ = write!(
                    self.out,
                    "{{{{< figure src=\"{}\" caption=\"{caption}\" >}}}}\n\n",
                    img.url()
                );
            }
        } else {
            let _ = write!(self.out, "![{alt}]({} \"{caption}\")\n\n", img.url());
        }
        self.figures += 1;
    }

    /// Any block after a heading's first paragraph.
    fn block(&mut self) {
        // Two lists in a row would merge into one: a paragraph comes between.
        if std::mem::take(&mut self.after_list) {
            self.paragraph();
            return;
        }
        match self.rng.below(100) {
            0..=61 => self.paragraph(),
            62..=71 => self.bullet_list(),
            72..=78 => self.ordered_list(),
            79..=87 => self.code_block(),
            88..=92 => self.table(),
            _ => self.quote(),
        }
    }

    fn footnote_definitions(&mut self) {
        for (i, def) in self.footnotes.iter().enumerate() {
            let _ = writeln!(self.out, "[^{}]: {def}", i + 1);
        }
        if !self.footnotes.is_empty() {
            self.out.push('\n');
        }
        // One trailing newline at the end of the file.
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
    }
}

// ---------------------------------------------------------------------------
// Images

fn write_images(opts: &Options, dir: &Path) -> Result<u64, GenError> {
    let total = opts.photos + opts.diagrams;
    if total == 0 {
        return Ok(0);
    }
    fs::create_dir_all(dir).map_err(|e| io_err("create folder", dir, &e))?;
    let job = |i: usize| -> Result<u64, GenError> {
        let (path, bytes) = if i < opts.photos {
            let n = i + 1;
            let mut rng = Rng::stream(opts.seed, &[5, n as u64]);
            let img = photo(&mut rng, opts.photo_size);
            let mut buf = Vec::new();
            JpegEncoder::new_with_quality(&mut buf, JPEG_QUALITY)
                .encode_image(&img)
                .map_err(|e| GenError(format!("could not encode photo {n}: {e}")))?;
            (dir.join(format!("photo-{n:04}.jpg")), buf)
        } else {
            let n = i - opts.photos + 1;
            let mut rng = Rng::stream(opts.seed, &[6, n as u64]);
            let transparent = rng.chance(0.3);
            let img = diagram(&mut rng, opts.diagram_size, transparent);
            let mut buf = Vec::new();
            let enc = PngEncoder::new(&mut buf);
            let (w, h) = img.dimensions();
            let res = if transparent {
                enc.write_image(img.as_raw(), w, h, ExtendedColorType::Rgba8)
            } else {
                let rgb = RgbImage::from_fn(w, h, |x, y| {
                    let p = img.get_pixel(x, y);
                    image::Rgb([p[0], p[1], p[2]])
                });
                enc.write_image(rgb.as_raw(), w, h, ExtendedColorType::Rgb8)
            };
            res.map_err(|e| GenError(format!("could not encode diagram {n}: {e}")))?;
            (dir.join(format!("diagram-{n:04}.png")), buf)
        };
        fs::write(&path, &bytes).map_err(|e| io_err("write", &path, &e))?;
        Ok(bytes.len() as u64)
    };

    let next = AtomicUsize::new(0);
    let threads = opts.jobs.min(total).max(1);
    let mut results: Vec<(usize, Result<u64, GenError>)> = Vec::with_capacity(total);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= total {
                            break;
                        }
                        let r = job(i);
                        let failed = r.is_err();
                        mine.push((i, r));
                        if failed {
                            // Stop handing out work; the error is reported below.
                            next.store(total, Ordering::Relaxed);
                            break;
                        }
                    }
                    mine
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(mine) => results.extend(mine),
                Err(_) => results.push((0, err("an image worker thread panicked"))),
            }
        }
    });
    results.sort_by_key(|(i, _)| *i);
    let mut bytes = 0;
    for (_, r) in results {
        bytes += r?;
    }
    Ok(bytes)
}

type Colour = [f32; 3];

fn lerp(a: Colour, b: Colour, t: f32) -> Colour {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// A deterministic value in `0.0..1.0` for a lattice point.
fn lattice(ix: i32, iy: i32, seed: u32) -> f32 {
    let mut h = (ix as u32)
        .wrapping_mul(0x27d4_eb2d)
        .wrapping_add((iy as u32).wrapping_mul(0x1656_67b1))
        .wrapping_add(seed.wrapping_mul(0x9e37_79b9));
    h = (h ^ (h >> 15)).wrapping_mul(0x85eb_ca6b);
    h = (h ^ (h >> 13)).wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    (h >> 8) as f32 / (1u32 << 24) as f32
}

/// Smooth value noise in `0.0..1.0`.
fn value_noise(x: f32, y: f32, seed: u32) -> f32 {
    let (fx, fy) = (x.floor(), y.floor());
    let (ix, iy) = (fx as i32, fy as i32);
    let (tx, ty) = (x - fx, y - fy);
    let (sx, sy) = (tx * tx * (3.0 - 2.0 * tx), ty * ty * (3.0 - 2.0 * ty));
    let a = lattice(ix, iy, seed);
    let b = lattice(ix + 1, iy, seed);
    let c = lattice(ix, iy + 1, seed);
    let d = lattice(ix + 1, iy + 1, seed);
    let top = a + (b - a) * sx;
    let bottom = c + (d - c) * sx;
    top + (bottom - top) * sy
}

/// Fractal noise: `octaves` layers of value noise, each twice as fine and half as strong.
fn fbm(x: f32, y: f32, seed: u32, octaves: u32) -> f32 {
    let (mut sum, mut amp, mut freq, mut norm) = (0.0, 0.5, 1.0, 0.0);
    for o in 0..octaves {
        sum += amp * value_noise(x * freq, y * freq, seed.wrapping_add(o * 7919));
        norm += amp;
        amp *= 0.5;
        freq *= 2.0;
    }
    sum / norm
}

const PALETTES: &[[Colour; 4]] = &[
    // sky top, sky at the horizon, far ground, near ground
    [
        [70.0, 110.0, 180.0],
        [200.0, 215.0, 230.0],
        [90.0, 120.0, 80.0],
        [50.0, 80.0, 40.0],
    ],
    [
        [40.0, 50.0, 110.0],
        [240.0, 150.0, 90.0],
        [80.0, 70.0, 90.0],
        [40.0, 35.0, 45.0],
    ],
    [
        [120.0, 150.0, 190.0],
        [230.0, 225.0, 210.0],
        [150.0, 130.0, 100.0],
        [110.0, 85.0, 60.0],
    ],
    [
        [90.0, 140.0, 200.0],
        [190.0, 220.0, 240.0],
        [60.0, 100.0, 130.0],
        [30.0, 60.0, 90.0],
    ],
    [
        [60.0, 60.0, 70.0],
        [170.0, 170.0, 175.0],
        [100.0, 105.0, 95.0],
        [60.0, 62.0, 58.0],
    ],
];

/// A soft round shape on a photo (a tree, a rock, the sun).
struct Blob {
    cx: f32,
    cy: f32,
    r: f32,
    colour: Colour,
    opacity: f32,
}

/// A photo-like picture: sky with clouds, hills, textured ground, soft shapes,
/// vignette and grain.
fn photo(rng: &mut Rng, (w, h): (u32, u32)) -> RgbImage {
    let pal = rng.pick(PALETTES);
    let jitter = |rng: &mut Rng, c: Colour| -> Colour {
        [
            c[0] + rng.frange(-15.0, 15.0),
            c[1] + rng.frange(-15.0, 15.0),
            c[2] + rng.frange(-15.0, 15.0),
        ]
    };
    let pal = [
        jitter(rng, pal[0]),
        jitter(rng, pal[1]),
        jitter(rng, pal[2]),
        jitter(rng, pal[3]),
    ];
    let (wf, hf) = (w as f32, h as f32);
    let unit = wf.min(hf);
    let horizon = hf * rng.frange(0.35, 0.6);
    let hill_amp = hf * rng.frange(0.05, 0.25);
    let seeds: [u32; 4] = [
        (rng.next_u64() >> 32) as u32,
        (rng.next_u64() >> 32) as u32,
        (rng.next_u64() >> 32) as u32,
        (rng.next_u64() >> 32) as u32,
    ];
    // The skyline, one value per column.
    let skyline: Vec<f32> = (0..w)
        .map(|x| horizon + (fbm(x as f32 / unit * 3.0, 0.5, seeds[0], 5) - 0.5) * 2.0 * hill_amp)
        .collect();
    let blobs: Vec<Blob> = (0..rng.range(3, 9))
        .map(|_| {
            let cx = rng.frange(0.0, wf);
            let col = (cx as usize).min(skyline.len() - 1);
            let base = skyline[col] + rng.frange(0.02, 0.35) * hf;
            let r = unit * rng.frange(0.03, 0.12);
            let dark = rng.frange(0.2, 0.6);
            Blob {
                cx,
                cy: base,
                r,
                colour: [pal[3][0] * dark, pal[3][1] * dark, pal[3][2] * dark],
                opacity: rng.frange(0.6, 0.95),
            }
        })
        .collect();
    let grain = 22.0;
    let mut img = RgbImage::new(w, h);
    let mut grain_state = (rng.next_u64() >> 32) as u32 | 1;
    for (y, row) in img.enumerate_rows_mut() {
        let yf = y as f32;
        let v = yf / unit;
        for (x, _, px) in row {
            let xf = x as f32;
            let u = xf / unit;
            let sky_line = skyline[x as usize];
            let mut c = if yf < sky_line {
                let t = (yf / sky_line.max(1.0)).clamp(0.0, 1.0);
                let base = lerp(pal[0], pal[1], t * t);
                let cloud = fbm(u * 2.5, v * 6.0, seeds[1], 4);
                let cloud = ((cloud - 0.45) * 3.0).clamp(0.0, 1.0) * (1.0 - 0.6 * t);
                lerp(base, [245.0, 245.0, 248.0], cloud * 0.8)
            } else {
                let t = ((yf - sky_line) / (hf - sky_line).max(1.0)).clamp(0.0, 1.0);
                let base = lerp(pal[2], pal[3], t);
                let depth = 4.0 + 20.0 * t;
                let tex = fbm(u * depth, v * depth * 2.0, seeds[2], 4);
                // Fine, grass-like detail that gets coarser towards the viewer.
                let fine = value_noise(u * (400.0 - 250.0 * t), v * (500.0 - 300.0 * t), seeds[3]);
                let k = 0.6 + 0.5 * tex + 0.35 * fine;
                [base[0] * k, base[1] * k, base[2] * k]
            };
            for b in &blobs {
                let (dx, dy) = (xf - b.cx, (yf - b.cy) * 1.3);
                let d2 = dx * dx + dy * dy;
                let r2 = b.r * b.r;
                if d2 < r2 {
                    let edge = 1.0 - d2 / r2;
                    let a = (edge * 4.0).min(1.0) * b.opacity;
                    let leaf = 0.8 + 0.4 * value_noise(xf * 0.05, yf * 0.05, seeds[3]);
                    c = lerp(
                        c,
                        [b.colour[0] * leaf, b.colour[1] * leaf, b.colour[2] * leaf],
                        a,
                    );
                }
            }
            let (du, dv) = (xf / wf - 0.5, yf / hf - 0.5);
            let vignette = 1.0 - 0.5 * (du * du + dv * dv);
            // xorshift32 grain
            grain_state ^= grain_state << 13;
            grain_state ^= grain_state >> 17;
            grain_state ^= grain_state << 5;
            let g = ((grain_state >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * grain;
            *px = image::Rgb([
                (c[0] * vignette + g).round().clamp(0.0, 255.0) as u8,
                (c[1] * vignette + g).round().clamp(0.0, 255.0) as u8,
                (c[2] * vignette + g).round().clamp(0.0, 255.0) as u8,
            ]);
        }
    }
    img
}

/// Blends `colour` over the pixel at (x, y) with opacity `a`, keeping it opaque.
fn blend(img: &mut RgbaImage, x: i64, y: i64, colour: Colour, a: f32) {
    if a <= 0.0 || x < 0 || y < 0 || x >= i64::from(img.width()) || y >= i64::from(img.height()) {
        return;
    }
    let p = img.get_pixel_mut(x as u32, y as u32);
    for k in 0..3 {
        let old = f32::from(p[k]);
        p[k] = (old + (colour[k] - old) * a.min(1.0))
            .round()
            .clamp(0.0, 255.0) as u8;
    }
}

fn paint(
    img: &mut RgbaImage,
    bbox: (f32, f32, f32, f32),
    colour: Colour,
    cover: impl Fn(f32, f32) -> f32,
) {
    let (x0, y0, x1, y1) = bbox;
    for y in (y0.floor() as i64 - 1)..=(y1.ceil() as i64 + 1) {
        for x in (x0.floor() as i64 - 1)..=(x1.ceil() as i64 + 1) {
            let a = cover(x as f32 + 0.5, y as f32 + 0.5);
            blend(img, x, y, colour, a);
        }
    }
}

fn dist_to_segment(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    };
    let (qx, qy) = (a.0 + t * dx - p.0, a.1 + t * dy - p.1);
    (qx * qx + qy * qy).sqrt()
}

fn line(img: &mut RgbaImage, a: (f32, f32), b: (f32, f32), width: f32, colour: Colour) {
    let h = width / 2.0;
    let bbox = (
        a.0.min(b.0) - h,
        a.1.min(b.1) - h,
        a.0.max(b.0) + h,
        a.1.max(b.1) + h,
    );
    paint(img, bbox, colour, |x, y| {
        (h + 0.5 - dist_to_segment((x, y), a, b)).clamp(0.0, 1.0)
    });
}

fn arrow(img: &mut RgbaImage, a: (f32, f32), b: (f32, f32), width: f32, colour: Colour) {
    line(img, a, b, width, colour);
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt().max(1e-3);
    let (ux, uy) = (dx / len, dy / len);
    let size = 14.0;
    for side in [-1.0f32, 1.0] {
        // Back along the line and out to the side (about ±27°).
        let tip = (
            b.0 - size * ux + side * 0.5 * size * -uy,
            b.1 - size * uy + side * 0.5 * size * ux,
        );
        line(img, b, tip, width, colour);
    }
}

fn ring(img: &mut RgbaImage, c: (f32, f32), r: f32, width: f32, colour: Colour) {
    let h = width / 2.0;
    paint(
        img,
        (c.0 - r - h, c.1 - r - h, c.0 + r + h, c.1 + r + h),
        colour,
        |x, y| {
            let d = ((x - c.0) * (x - c.0) + (y - c.1) * (y - c.1)).sqrt();
            (h + 0.5 - (d - r).abs()).clamp(0.0, 1.0)
        },
    );
}

fn fill_rect(img: &mut RgbaImage, p0: (f32, f32), p1: (f32, f32), colour: Colour) {
    paint(img, (p0.0, p0.1, p1.0, p1.1), colour, |x, y| {
        let cx = (x - p0.0 + 0.5)
            .clamp(0.0, 1.0)
            .min((p1.0 - x + 0.5).clamp(0.0, 1.0));
        let cy = (y - p0.1 + 0.5)
            .clamp(0.0, 1.0)
            .min((p1.1 - y + 0.5).clamp(0.0, 1.0));
        cx * cy
    });
}

fn rect_outline(img: &mut RgbaImage, p0: (f32, f32), p1: (f32, f32), width: f32, colour: Colour) {
    let corners = [p0, (p1.0, p0.1), p1, (p0.0, p1.1)];
    for i in 0..4 {
        line(img, corners[i], corners[(i + 1) % 4], width, colour);
    }
}

const INK: Colour = [34.0, 38.0, 48.0];
const FILLS: &[Colour] = &[
    [232.0, 238.0, 246.0],
    [246.0, 236.0, 220.0],
    [228.0, 242.0, 230.0],
    [244.0, 228.0, 232.0],
];
const ACCENTS: &[Colour] = &[
    [196.0, 72.0, 40.0],
    [40.0, 96.0, 170.0],
    [40.0, 140.0, 90.0],
];

/// Line art: boxes with fake labels joined by arrows, circles and a small plot, on
/// white; with `transparent`, a transparent border around the white card.
fn diagram(rng: &mut Rng, (w, h): (u32, u32), transparent: bool) -> RgbaImage {
    let mut img = RgbaImage::from_pixel(w, h, image::Rgba([255, 255, 255, 255]));
    let (wf, hf) = (w as f32, h as f32);
    let unit = wf.min(hf) / 800.0;
    let margin = if transparent {
        (24.0 * unit).round().max(4.0)
    } else {
        0.0
    };
    let inner = (
        margin + 30.0 * unit,
        margin + 30.0 * unit,
        wf - margin - 30.0 * unit,
        hf - margin - 30.0 * unit,
    );

    // A grid of boxes, some left out.
    let cols = rng.range(2, 4);
    let rows = rng.range(1, 3);
    let cell_w = (inner.2 - inner.0) / cols as f32;
    let cell_h = (inner.3 - inner.1) * 0.7 / rows as f32;
    let mut centres: Vec<(f32, f32, f32, f32)> = Vec::new();
    for r in 0..rows {
        for c in 0..cols {
            if rng.chance(0.2) {
                continue;
            }
            let bw = cell_w * rng.frange(0.5, 0.75);
            let bh = cell_h * rng.frange(0.4, 0.6);
            let cx = inner.0 + cell_w * (c as f32 + 0.5);
            let cy = inner.1 + cell_h * (r as f32 + 0.5);
            centres.push((cx, cy, bw, bh));
        }
    }
    let line_w = (3.0 * unit).max(1.0);
    for &(cx, cy, bw, bh) in &centres {
        let p0 = (cx - bw / 2.0, cy - bh / 2.0);
        let p1 = (cx + bw / 2.0, cy + bh / 2.0);
        fill_rect(&mut img, p0, p1, rng.pick(FILLS));
        rect_outline(&mut img, p0, p1, line_w, INK);
        // Fake label: two bars of "text".
        for k in 0..2 {
            let y = cy - bh * 0.15 + k as f32 * bh * 0.25;
            let len = bw * rng.frange(0.35, 0.7);
            fill_rect(
                &mut img,
                (cx - len / 2.0, y),
                (cx + len / 2.0, y + 5.0 * unit),
                INK,
            );
        }
    }
    let accent = rng.pick(ACCENTS);
    for pair in centres.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        // From box edge to box edge along the dominant axis.
        let (start, end) = if dx.abs() >= dy.abs() {
            let s = dx.signum();
            ((a.0 + s * a.2 / 2.0, a.1), (b.0 - s * b.2 / 2.0, b.1))
        } else {
            let s = dy.signum();
            ((a.0, a.1 + s * a.3 / 2.0), (b.0, b.1 - s * b.3 / 2.0))
        };
        arrow(&mut img, start, end, line_w * 0.8, accent);
    }

    // Circles along the bottom.
    let bottom = inner.1 + (inner.3 - inner.1) * 0.85;
    for _ in 0..rng.range(1, 3) {
        let r = rng.frange(20.0, 50.0) * unit;
        let cx = rng.frange(inner.0 + r, inner.0 + (inner.2 - inner.0) * 0.5);
        ring(&mut img, (cx, bottom), r, line_w, INK);
    }
    // A small plot: axes and a random walk.
    let (px0, py1) = (inner.0 + (inner.2 - inner.0) * 0.6, inner.3);
    let (px1, py0) = (inner.2, inner.1 + (inner.3 - inner.1) * 0.72);
    line(&mut img, (px0, py1), (px1, py1), line_w * 0.7, INK);
    line(&mut img, (px0, py1), (px0, py0), line_w * 0.7, INK);
    let steps = 24;
    let mut yv = 0.5f32;
    let mut prev = (px0, py1 - (py1 - py0) * yv);
    for i in 1..=steps {
        yv = (yv + rng.frange(-0.15, 0.15)).clamp(0.05, 0.95);
        let p = (
            px0 + (px1 - px0) * i as f32 / steps as f32,
            py1 - (py1 - py0) * yv,
        );
        line(&mut img, prev, p, line_w * 0.7, accent);
        prev = p;
    }

    if transparent {
        let m = margin as u32;
        for (x, y, p) in img.enumerate_pixels_mut() {
            if x < m || y < m || x >= w.saturating_sub(m) || y >= h.saturating_sub(m) {
                *p = image::Rgba([0, 0, 0, 0]);
            }
        }
    }
    img
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_match_notes2book() {
        assert_eq!(slugify("A café in Zürich"), "a-café-in-zürich");
        assert_eq!(slugify("Leap seconds & smearing"), "leap-seconds-smearing");
    }

    #[test]
    fn verbs() {
        assert_eq!(third("carry"), "carries");
        assert_eq!(third("watch"), "watches");
        assert_eq!(third("read"), "reads");
        assert_eq!(ing("write"), "writing");
    }

    #[test]
    fn dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(17_532), "2018-01-01");
    }
}
