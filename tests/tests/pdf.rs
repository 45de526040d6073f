//! The PDF of content/ read back with poppler and qpdf: file structure, fonts, the words of
//! the notes, determinism.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use notes2book_tests::{note, repo, run_env, stderr, tool};

fn build_pdf(out: &Path, env: &[(&str, &str)]) -> PathBuf {
    let o = run_env(&repo(), &["--pdf", "-o", &out.display().to_string()], env);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdfs: Vec<PathBuf> = std::fs::read_dir(out)
        .expect("out dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    assert_eq!(pdfs.len(), 1, "one PDF: {pdfs:?}");
    pdfs[0].clone()
}

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Every text and code string in the model dump.
fn model_text(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::Object(m) => {
            let ty = m.get("type").and_then(|t| t.as_str());
            if let (Some("text" | "code"), Some(serde_json::Value::String(s))) =
                (ty, m.get("value"))
            {
                out.push_str(s);
                out.push(' ');
            }
            if let Some(serde_json::Value::String(t)) = m.get("title")
                && m.contains_key("anchor")
            {
                out.push_str(t);
                out.push(' ');
            }
            for (k, x) in m {
                // Figures whose image is missing show the path instead of the alt text;
                // math is shown as its TeX source; links' destinations are not text.
                if k == "front" || k == "dest" || k == "url" || k == "params" {
                    continue;
                }
                model_text(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| model_text(x, out)),
        _ => {}
    }
}

#[test]
fn content_pdf_is_valid_embeds_its_fonts_and_has_every_word() {
    let (Some(qpdf), Some(pdffonts), Some(pdftotext)) =
        (tool("qpdf"), tool("pdffonts"), tool("pdftotext"))
    else {
        note("skipped: qpdf or poppler-utils not installed");
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let pdf = build_pdf(tmp.path(), &[]);

    let check = Command::new(qpdf)
        .arg("--check")
        .arg(&pdf)
        .output()
        .expect("qpdf");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );

    let fonts = Command::new(pdffonts).arg(&pdf).output().expect("pdffonts");
    let fonts = String::from_utf8_lossy(&fonts.stdout).into_owned();
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(
        rows.len() >= 3,
        "body, bold, italic and code fonts: {fonts}"
    );
    for row in &rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type... emb sub uni object gen
        let n = cols.len();
        assert!(n >= 6, "{row}");
        assert_eq!(
            &cols[n - 5..n - 2],
            &["yes", "yes", "yes"],
            "embedded, subset, ToUnicode: {row}"
        );
    }

    // Words of the notes (from the model) against the PDF's text, with line-end
    // hyphenation undone both ways (a hyphen that was only a break, or a real one).
    let dump = run_env(&repo(), &["dump"], &[]);
    assert!(dump.status.success(), "{}", stderr(&dump));
    let model: serde_json::Value = serde_json::from_slice(&dump.stdout).expect("dump is JSON");
    let mut text = String::new();
    model_text(&model["chapters"], &mut text);
    let expected: BTreeSet<String> = words_of(&text).into_iter().collect();
    assert!(
        expected.len() > 500,
        "the model has text: {}",
        expected.len()
    );

    let out = Command::new(&pdftotext)
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    let pdf_text = String::from_utf8_lossy(&out.stdout).into_owned();
    let joined = pdf_text.replace("-\n", "");
    let kept = pdf_text.replace("-\n", "-");
    // pdftotext joins a line ending in a hyphen to the next one (`well-` + `disciplined`
    // reads `welldisciplined`); its raw mode keeps the lines as they are.
    let raw = Command::new(&pdftotext)
        .args(["-raw"])
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext -raw");
    let raw = String::from_utf8_lossy(&raw.stdout).replace("-\n", "-");
    let found: BTreeSet<String> = words_of(&joined)
        .into_iter()
        .chain(words_of(&kept))
        .chain(words_of(&raw))
        .collect();
    let missing: Vec<&String> = expected.iter().filter(|w| !found.contains(*w)).collect();
    assert!(
        missing.is_empty(),
        "{} words of the notes are not in the PDF: {missing:?}",
        missing.len()
    );
    // Ligatures extract as letters, accents and typographic punctuation survive.
    for w in ["Zürich", "—"] {
        assert!(pdf_text.contains(w), "{w} in the PDF text");
    }
}

#[test]
fn same_input_same_pdf_bytes() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let env = [("SOURCE_DATE_EPOCH", "1700000000")];
    let pa = build_pdf(a.path(), &env);
    let pb = build_pdf(b.path(), &env);
    let (x, y) = (
        std::fs::read(pa).expect("pdf a"),
        std::fs::read(pb).expect("pdf b"),
    );
    assert!(x.len() > 10_000);
    assert!(x == y, "two builds differ");
}

fn pages_text(pdf: &Path) -> Vec<String> {
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    String::from_utf8_lossy(&out.stdout)
        .split('\u{c}')
        .map(str::to_string)
        .collect()
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn pdf_string(o: &lopdf::Object) -> String {
    match o {
        lopdf::Object::String(b, _) if b.starts_with(&[0xFE, 0xFF]) => {
            let u: Vec<u16> = b[2..]
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            String::from_utf16_lossy(&u)
        }
        lopdf::Object::String(b, _) => String::from_utf8_lossy(b).into_owned(),
        _ => String::new(),
    }
}

/// (title, depth, 1-based page) of every outline item, in order.
fn outline(doc: &lopdf::Document) -> Vec<(String, usize, usize)> {
    let pages: Vec<lopdf::ObjectId> = doc.get_pages().values().copied().collect();
    let catalog = doc.catalog().expect("catalog");
    let root = catalog
        .get(b"Outlines")
        .and_then(lopdf::Object::as_reference)
        .expect("/Outlines");
    let mut out = Vec::new();
    let first = |id: lopdf::ObjectId| {
        doc.get_dictionary(id)
            .ok()
            .and_then(|d| d.get(b"First").and_then(lopdf::Object::as_reference).ok())
    };
    let mut stack: Vec<(Option<lopdf::ObjectId>, usize)> = vec![(first(root), 0)];
    while let Some((cur, depth)) = stack.pop() {
        let Some(id) = cur else { continue };
        let d = doc.get_dictionary(id).expect("outline item");
        let title = d.get(b"Title").map(pdf_string).unwrap_or_default();
        let page = d
            .get(b"Dest")
            .and_then(lopdf::Object::as_array)
            .ok()
            .and_then(|a| a.first())
            .and_then(|p| p.as_reference().ok())
            .and_then(|p| pages.iter().position(|x| *x == p))
            .map_or(0, |i| i + 1);
        out.push((title, depth, page));
        let next = d.get(b"Next").and_then(lopdf::Object::as_reference).ok();
        stack.push((next, depth));
        stack.push((first(id), depth + 1));
    }
    out
}

#[test]
fn outline_links_labels_and_metadata_match_the_model() {
    if tool("pdftotext").is_none() {
        note("skipped: poppler-utils not installed");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let pdf = build_pdf(tmp.path(), &[("SOURCE_DATE_EPOCH", "1700000000")]);
    let bytes = std::fs::read(&pdf).expect("pdf");
    let doc = lopdf::Document::load_mem(&bytes).expect("lopdf reads the PDF");
    let dump = run_env(&repo(), &["dump"], &[]);
    let model: serde_json::Value = serde_json::from_slice(&dump.stdout).expect("dump is JSON");
    let texts = pages_text(&pdf);

    // The outline is the model's table of contents to depth 2, nested, each item on the
    // page where its heading is printed.
    let mut expected = Vec::new();
    let mut stack: Vec<(&serde_json::Value, usize)> = model["toc"]
        .as_array()
        .expect("toc")
        .iter()
        .rev()
        .map(|e| (e, 0))
        .collect();
    while let Some((e, depth)) = stack.pop() {
        // Every chapter, and headings two levels deep within their note.
        let chapter = e["chapter"].as_u64().unwrap_or(0) as usize;
        let chapter_depth = model["chapters"][chapter]["depth"].as_u64().unwrap_or(0);
        if !e["anchor"].is_null() && e["level"].as_u64().unwrap_or(9) > chapter_depth + 2 {
            continue;
        }
        expected.push((e["title"].as_str().unwrap_or("").to_string(), depth));
        if let Some(children) = e["children"].as_array() {
            stack.extend(children.iter().rev().map(|c| (c, depth + 1)));
        }
    }
    let got = outline(&doc);
    let got_titles: Vec<(String, usize)> = got.iter().map(|(t, d, _)| (t.clone(), *d)).collect();
    assert_eq!(got_titles, expected, "outline = TOC, nested");
    assert!(got.iter().any(|(_, d, _)| *d == 1), "nested entries");
    for (title, _, page) in &got {
        let text = squash(texts.get(page - 1).map_or("", String::as_str));
        assert!(text.contains(&squash(title)), "`{title}` is on page {page}");
    }

    // Page labels: roman front matter, then 1, 2, ...
    let catalog = doc.catalog().expect("catalog");
    let labels = catalog
        .get(b"PageLabels")
        .and_then(lopdf::Object::as_dict)
        .expect("/PageLabels");
    let nums = labels
        .get(b"Nums")
        .and_then(lopdf::Object::as_array)
        .expect("/Nums");
    assert_eq!(nums.len(), 4, "{nums:?}");
    let style = |o: &lopdf::Object| {
        o.as_dict()
            .ok()
            .and_then(|d| d.get(b"S").ok())
            .and_then(|s| s.as_name().ok())
            .map(|n| n.to_vec())
    };
    assert_eq!(style(&nums[1]), Some(b"r".to_vec()));
    assert_eq!(style(&nums[3]), Some(b"D".to_vec()));
    let front = nums[2].as_i64().expect("body start") as usize;
    // The first body page prints folio 1 at its foot.
    let first_body = texts[front].trim_end();
    assert!(
        first_body.ends_with('1'),
        "folio 1 on the first body page: …{}",
        &first_body[first_body.len().saturating_sub(40)..]
    );

    // Links: every TOC entry and every cross-link between notes is a GoTo; the external
    // links are URIs.
    let (mut goto, mut uri) = (0, 0);
    let deref = |o: &lopdf::Object| -> Option<lopdf::Object> {
        doc.dereference(o).ok().map(|(_, x)| x.clone())
    };
    for (_, page) in doc.get_pages() {
        let page = doc.get_dictionary(page).expect("page");
        let annots = page.get(b"Annots").ok().and_then(deref);
        let Some(lopdf::Object::Array(annots)) = annots else {
            continue;
        };
        for a in &annots {
            let Some(lopdf::Object::Dictionary(a)) = deref(a) else {
                continue;
            };
            let Some(lopdf::Object::Dictionary(action)) = a.get(b"A").ok().and_then(deref) else {
                continue;
            };
            match action.get(b"S").and_then(lopdf::Object::as_name) {
                Ok(b"GoTo") => goto += 1,
                Ok(b"URI") => uri += 1,
                _ => {}
            }
            let width = a
                .get(b"Border")
                .and_then(lopdf::Object::as_array)
                .ok()
                .and_then(|b| b.get(2))
                .and_then(|w| {
                    w.as_float()
                        .ok()
                        .or_else(|| w.as_i64().ok().map(|i| i as f32))
                });
            assert_eq!(width, Some(0.0), "links have no visible border");
        }
    }
    let dump_text = String::from_utf8_lossy(&dump.stdout);
    let internal = dump_text.matches("\"internal\"").count();
    let external = dump_text.matches("\"external\"").count();
    assert!(internal > 10, "the model has cross-links: {internal}");
    assert!(
        goto >= internal + expected.len(),
        "{goto} GoTo links for {internal} cross-links and {} TOC entries",
        expected.len()
    );
    assert!(
        uri >= external,
        "{uri} URI links for {external} external links"
    );

    // Metadata.
    let info_id = doc
        .trailer
        .get(b"Info")
        .and_then(lopdf::Object::as_reference)
        .expect("/Info");
    let info = doc.get_dictionary(info_id).expect("info");
    let get = |k: &[u8]| info.get(k).map(pdf_string).unwrap_or_default();
    assert_eq!(
        get(b"Title"),
        model["metadata"]["title"].as_str().unwrap_or("")
    );
    assert!(
        get(b"Creator").starts_with("notes2book "),
        "{}",
        get(b"Creator")
    );
    assert!(
        get(b"CreationDate").starts_with("D:20231114"),
        "{}",
        get(b"CreationDate")
    );
    assert!(
        get(b"ModDate").starts_with("D:20231114"),
        "{}",
        get(b"ModDate")
    );
    assert!(!get(b"Keywords").is_empty());
    assert_eq!(
        catalog.get(b"Lang").map(pdf_string).unwrap_or_default(),
        "en"
    );
    assert!(info.get(b"GTS_PDFXVersion").is_err(), "no PDF/X claim");
}

#[test]
fn contents_page_numbers_are_where_the_headings_are() {
    if tool("pdftotext").is_none() {
        note("skipped: poppler-utils not installed");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let pdf = build_pdf(tmp.path(), &[]);
    let texts = pages_text(&pdf);
    let contents = texts
        .iter()
        .position(|t| t.contains("Contents"))
        .expect("a contents page");
    // Contents lines end in dot leaders and a page number.
    let mut entries = Vec::new();
    for line in texts[contents].lines() {
        let t = line.trim_end();
        let Some((head, num)) = t.rsplit_once(' ') else {
            continue;
        };
        let Ok(n) = num.parse::<usize>() else {
            continue;
        };
        let title = head.trim_end_matches(['.', ' ']).trim();
        if !title.is_empty() && head.contains(". .") {
            entries.push((title.to_string(), n));
        }
    }
    assert!(entries.len() >= 20, "{entries:?}");
    // Physical page of body page 1: the first page after the front matter whose foot is "1".
    let body_start = texts
        .iter()
        .enumerate()
        .skip(contents + 1)
        .find(|(_, t)| {
            t.trim_end().ends_with("\n1")
                || t.trim_end().lines().last().is_some_and(|l| l.trim() == "1")
        })
        .map(|(i, _)| i)
        .expect("body page 1");
    for (title, n) in &entries {
        let page = squash(&texts[body_start + n - 1]);
        assert!(page.contains(&squash(title)), "`{title}` is on page {n}");
    }
}

#[test]
fn accents_ligatures_and_punctuation_extract_exactly() {
    let Some(pdftotext) = tool("pdftotext") else {
        note("skipped: poppler-utils not installed");
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("content")).expect("mkdir");
    let probes = "Jürgen Müller in Zürich, a café, naïve façade, Straße, Œuvres complètes — “quoted” — an office, fluffy affinity, efflorescence, a fjord, Zoë Núñez; Ελληνικά and кириллица.";
    std::fs::write(dir.join("content/a.md"), format!("# Probes\n\n{probes}\n")).expect("note");
    let o = run_env(dir, &["--pdf"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = dir.join("book/probes.pdf");
    let pdf = if pdf.exists() {
        pdf
    } else {
        std::fs::read_dir(dir.join("book"))
            .expect("book")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "pdf"))
            .expect("a pdf")
    };
    let out = Command::new(pdftotext)
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    let text = squash(&String::from_utf8_lossy(&out.stdout).replace("-\n", ""));
    for w in probes.split([' ', ',', ';', '.']).filter(|w| !w.is_empty()) {
        assert!(text.contains(w), "`{w}` not extracted exactly from: {text}");
    }
}

#[test]
fn page_size_and_margins_come_from_the_config() {
    let Some(_) = tool("pdfinfo") else {
        note("skipped: poppler-utils not installed");
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("content")).expect("mkdir");
    std::fs::write(dir.join("content/a.md"), "# A\n\nText.\n").expect("note");
    std::fs::write(dir.join("notes2book.yaml"), "title: Sizes\npdf:\n  page_size: 6x9\n  margins: {top: 15, bottom: 18, inner: 16, outer: 12}\n  two_sided: true\n").expect("config");
    let page_size = || {
        let o = run_env(dir, &["--pdf"], &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        let info = Command::new("pdfinfo")
            .arg(dir.join("book/sizes.pdf"))
            .output()
            .expect("pdfinfo");
        String::from_utf8_lossy(&info.stdout).into_owned()
    };
    let info = page_size();
    assert!(info.contains("432 x 648 pts"), "{info}");

    // Sizes with units.
    std::fs::write(
        dir.join("notes2book.yaml"),
        "title: Sizes\npdf:\n  page_size: 148mm x 210mm\n",
    )
    .expect("config");
    let info = page_size();
    assert!(info.contains("419.528 x 595.276 pts"), "{info}");

    // A page size it does not know is a configuration error: exit 2, nothing written.
    std::fs::write(
        dir.join("notes2book.yaml"),
        "title: Sizes\npdf:\n  page_size: B7\n",
    )
    .expect("config");
    std::fs::remove_file(dir.join("book/sizes.pdf")).expect("rm");
    let o = run_env(dir, &["--pdf"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("error[config-pdf]")
            && err.contains("unknown page size `B7`")
            && err.contains("A4, Letter, A5, B5, 6x9"),
        "{err}"
    );
    assert!(!dir.join("book/sizes.pdf").exists());
}

#[test]
fn a_configured_cover_is_the_first_page_then_the_title_page() {
    let Some(pdfimages) = tool("pdfimages") else {
        note("skipped: poppler-utils not installed");
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("content")).expect("mkdir");
    std::fs::create_dir_all(dir.join("images")).expect("mkdir");
    std::fs::write(dir.join("content/a.md"), "# A\n\nText.\n").expect("note");
    let cover = image::RgbImage::from_fn(600, 900, |x, y| {
        image::Rgb([(x / 3) as u8, (y / 4) as u8, 120])
    });
    cover.save(dir.join("images/cover.jpg")).expect("cover");
    std::fs::write(dir.join("notes2book.yaml"), "title: Covered Book\nsubtitle: With a picture\nauthors: [A. Writer]\ncover: images/cover.jpg\n").expect("config");
    let o = run_env(dir, &["--pdf"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = dir.join("book/covered-book.pdf");
    let list = Command::new(pdfimages)
        .arg("-list")
        .arg(&pdf)
        .output()
        .expect("pdfimages");
    let list = String::from_utf8_lossy(&list.stdout).into_owned();
    let first_image_page = list
        .lines()
        .nth(2)
        .and_then(|l| l.split_whitespace().next())
        .and_then(|p| p.parse::<usize>().ok());
    assert_eq!(first_image_page, Some(1), "the cover is on page 1: {list}");
    assert!(
        list.lines()
            .nth(2)
            .is_some_and(|l| l.contains("600") && l.contains("900")),
        "{list}"
    );
    let texts = pages_text(&pdf);
    assert!(
        squash(&texts[0]).is_empty(),
        "nothing but the cover on page 1: {}",
        texts[0]
    );
    let title = squash(&texts[1]);
    for w in ["Covered Book", "With a picture", "A. Writer"] {
        assert!(title.contains(w), "`{w}` on the title page: {title}");
    }
}

/// Characters the bundled fonts lack are set in a font found in a font folder or on the
/// machine; `--ignore-system-fonts` alone gives the missing-glyph warning with what to
/// install, and the same bytes whatever the machine has.
#[test]
fn fonts_are_found_for_characters_the_bundled_ones_lack() {
    let (Some(pdffonts), Some(pdftotext)) = (tool("pdffonts"), tool("pdftotext")) else {
        note("skipped: poppler-utils not installed");
        return;
    };
    let Some(dejavu) = dejavu() else { return };
    // Georgian: Charis SIL and JetBrains Mono lack it, DejaVu Sans has it.
    let (tmp, _) =
        one_note("# Greetings\n\nIn Georgian: გამარჯობა, მსოფლიო. In Greek: Ελληνικά.\n");
    let root = tmp.path();
    let build = |args: &[&str], env: &[(&str, &str)]| {
        let o = run_env(root, args, env);
        assert!(o.status.success(), "{}", stderr(&o));
        stderr(&o)
    };
    let dir = dejavu.display().to_string();
    let err = build(
        &[
            "--pdf",
            "-o",
            "found",
            "--ignore-system-fonts",
            "--font-path",
            &dir,
        ],
        &[],
    );
    assert!(!err.contains("pdf-missing-glyphs"), "{err}");
    let pdf_in = |dir: &str| {
        std::fs::read_dir(root.join(dir))
            .expect("out dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "pdf"))
            .expect("a PDF")
    };
    let pdf = pdf_in("found");
    let fonts = Command::new(&pdffonts)
        .arg(&pdf)
        .output()
        .expect("pdffonts");
    let fonts = String::from_utf8_lossy(&fonts.stdout).into_owned();
    // The body is a serif: DejaVu Serif is preferred to DejaVu Sans, and the Greek that
    // Charis SIL lacks is set in it rather than in the monospace.
    assert!(fonts.contains("DejaVuSerif"), "{fonts}");
    assert!(!fonts.contains("JetBrainsMono"), "{fonts}");
    let text = Command::new(&pdftotext)
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("გამარჯობა, მსოფლიო"),
        "the Georgian reads back"
    );
    // Without any font folder: the warning, and bytes that do not depend on the machine's
    // fonts (a different font configuration gives the same file).
    let err = build(&["--pdf", "-o", "alone", "--ignore-system-fonts"], &[]);
    assert!(
        err.contains("warning[pdf-missing-glyphs]") && err.contains("--font-path"),
        "{err}"
    );
    build(
        &["--pdf", "-o", "other", "--ignore-system-fonts"],
        &[
            ("FONTCONFIG_FILE", "/nonexistent"),
            ("XDG_DATA_HOME", "/nonexistent"),
        ],
    );
    assert_eq!(
        std::fs::read(pdf_in("alone")).expect("pdf"),
        std::fs::read(pdf_in("other")).expect("pdf")
    );
}

/// Debian's DejaVu fonts folder (`.ci/run` installs fonts-dejavu-core), or `None` with a
/// note when this machine lacks them.
fn dejavu() -> Option<&'static Path> {
    let dir = Path::new("/usr/share/fonts/truetype/dejavu");
    if dir.join("DejaVuSerif.ttf").is_file() && dir.join("DejaVuSans.ttf").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        ".ci/run installs fonts-dejavu-core"
    );
    note("skipped: DejaVu fonts not installed");
    None
}

/// A temporary book folder with one note, `content/a.md`.
fn one_note(text: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(tmp.path().join("content")).expect("mkdir");
    let note = tmp.path().join("content/a.md");
    std::fs::write(&note, text).expect("write");
    (tmp, note)
}

/// `pdf.fonts` sets the book in families found by name; a wrong name is an error that
/// says which families are near.
#[test]
fn the_book_is_set_in_the_families_pdf_fonts_names() {
    let Some(pdffonts) = tool("pdffonts") else {
        note("skipped: poppler-utils not installed");
        return;
    };
    let Some(dejavu) = dejavu() else { return };
    let (tmp, _) = one_note("# A heading\n\nBody text with *emphasis*, **strong** and `code`.\n");
    let root = tmp.path();
    let config = |fonts: &str| {
        std::fs::write(
            root.join("notes2book.yaml"),
            format!("title: Families\npdf:\n  fonts:\n{fonts}"),
        )
        .expect("write")
    };
    let dir = dejavu.display().to_string();
    let args = [
        "--pdf",
        "-o",
        "out",
        "--ignore-system-fonts",
        "--font-path",
        &dir,
    ];
    config("    body: DejaVu Serif\n    heading: DejaVu Sans\n    mono: DejaVu Sans Mono\n");
    let o = run_env(root, &args, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let fonts = Command::new(&pdffonts)
        .arg(root.join("out/families.pdf"))
        .output()
        .expect("pdffonts");
    let fonts = String::from_utf8_lossy(&fonts.stdout).into_owned();
    for want in [
        "DejaVuSerif ",
        "DejaVuSerif-Italic",
        "DejaVuSerif-Bold",
        "DejaVuSans-Bold",
        "DejaVuSansMono",
    ] {
        assert!(fonts.contains(want), "{want} not in {fonts}");
    }
    assert!(
        !fonts.contains("CharisSIL") && !fonts.contains("JetBrainsMono"),
        "{fonts}"
    );
    // A misspelt family stops the build and names the nearest.
    config("    body: DejaVu Serf\n");
    let o = run_env(root, &args, &[]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("error[config-pdf]: pdf.fonts.body: no font family `DejaVu Serf`")
            && err.contains("similar: DejaVu Serif"),
        "{err}"
    );
}
