//! Resolution rules, in order:
//! 1. remote (`http:`, `https:`, …): not fetched; a warning.
//! 2. relative paths: the note's leaf bundle / own folder (`./`, `..` inside the book),
//!    then the notes folder and the book's root (where pandoc runs from).
//! 3. paths starting with `/`: the static folders (`static/` inside and beside the notes
//!    folder, configured `static_dirs`), Hugo `assets/`, then the notes folder itself.
//!    Relative paths are also looked for in the vault's attachment folder (Obsidian's
//!    `attachmentFolderPath`: one folder, or a folder beside each note).
//! 4. Obsidian embeds `![[x.png]]` and Markdown images by a bare file name (`![](x.png)`):
//!    also a lookup by file name across the book (an ambiguous name is a warning naming the
//!    candidates).
//!
//! A name that only matches with different letter case is a warning naming the real file
//! (it would break on a case-sensitive file system) and is used.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use notes2book_model::vfs::{EntryKind, Vfs, normalize};
use notes2book_model::{AssetFile, AssetId, Book, Diagnostic, ImageStatus, ImageSyntax};

#[derive(Debug, Clone, Default)]
pub struct ResolveOptions {
    /// The book's root: nothing outside it (and the static folders) is read.
    pub root: PathBuf,
    /// The notes folder.
    pub input: PathBuf,
    /// Extra static folders from the config, already made absolute.
    pub static_dirs: Vec<PathBuf>,
    /// Attachment folders searched after the note's own folder (absolute).
    pub attachment_dirs: Vec<PathBuf>,
    /// An attachment folder beside every note, relative to the note's folder.
    pub attachments_beside_note: Option<PathBuf>,
}

impl ResolveOptions {
    /// The folders searched for `/absolute` references, in order.
    fn static_folders(&self) -> Vec<PathBuf> {
        let mut v = vec![self.input.join("static")];
        if let Some(parent) = self.input.parent() {
            v.push(parent.join("static"));
        }
        v.extend(self.static_dirs.iter().cloned());
        v.push(self.input.join("assets"));
        if let Some(parent) = self.input.parent() {
            v.push(parent.join("assets"));
        }
        v.push(self.input.clone());
        v.dedup();
        v
    }

    fn allowed(&self, p: &Path) -> bool {
        p.starts_with(&self.root)
            || p.starts_with(&self.input)
            || self.static_dirs.iter().any(|d| p.starts_with(d))
    }
}

fn is_remote(src: &str) -> bool {
    let lower = src.to_ascii_lowercase();
    ["http://", "https://", "ftp://", "//", "data:"]
        .iter()
        .any(|p| lower.starts_with(p))
}

fn decode(src: &str) -> String {
    let path = src.split(['?', '#']).next().unwrap_or(src);
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}

enum Found {
    File(PathBuf),
    /// Found only when letter case is ignored: the real file.
    CaseOnly(PathBuf),
    Outside(PathBuf),
    Missing(Vec<PathBuf>),
}

/// Resolve every image reference of the book.
pub fn resolve(book: &mut Book, vfs: &dyn Vfs, opts: &ResolveOptions) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut by_name: Option<BTreeMap<String, Vec<PathBuf>>> = None;
    let mut assets: BTreeMap<PathBuf, AssetId> = BTreeMap::new();
    let mut listings: Listings = BTreeMap::new();
    for use_ in &mut book.images {
        let src = use_.src.trim().to_owned();
        if src.is_empty() {
            use_.status = ImageStatus::Missing;
            diags.push(
                Diagnostic::warning("image-empty", "this image has no path")
                    .at_opt(use_.span)
                    .hint("give the image's file name"),
            );
            continue;
        }
        if is_remote(&src) {
            use_.status = ImageStatus::Remote;
            diags.push(
                Diagnostic::warning("image-remote", format!("`{src}` is on the web; it is not fetched (builds are offline and reproducible)"))
                    .at_opt(use_.span)
                    .hint("download the image into the book's folder and refer to it by path; the book shows its text with a link meanwhile"),
            );
            continue;
        }
        let path = decode(&src);
        // The cover is named in the config, relative to the book's root.
        let note_dir = if use_.syntax == ImageSyntax::Cover {
            opts.root.clone()
        } else {
            opts.input.join(&use_.note_dir)
        };
        let found = if let Some(abs) = path.strip_prefix('/') {
            match find_in(vfs, opts, &opts.static_folders(), abs) {
                // An absolute path to a real file elsewhere on the machine.
                Found::Missing(_) if vfs.escapes(Path::new(&path)) => {
                    Found::Outside(PathBuf::from(&path))
                }
                other => other,
            }
        } else {
            let mut bases = vec![note_dir.clone()];
            if use_.syntax != ImageSyntax::Cover {
                bases.extend(
                    opts.attachments_beside_note
                        .iter()
                        .map(|b| note_dir.join(b)),
                );
                bases.extend(opts.attachment_dirs.iter().cloned());
                // pandoc resolves paths from where it runs: a thesis's notes in `source/`
                // write `source/figures/x.jpg`, relative to the project's root. A path
                // that climbs (`../img`) means the note's folder only.
                if !path.split(['/', '\\']).any(|c| c == "..") {
                    bases.push(opts.input.clone());
                    bases.push(opts.root.clone());
                }
            }
            bases.dedup();
            match find_in(vfs, opts, &bases, &path) {
                // `![[x.png]]`, and `![](x.png)` with a bare file name (Obsidian resolves
                // both by name across the vault).
                Found::Missing(tried)
                    if use_.syntax == ImageSyntax::WikiEmbed
                        || use_.syntax == ImageSyntax::Markdown && !path.contains('/') =>
                {
                    let names = by_name.get_or_insert_with(|| index_names(vfs, &opts.input));
                    let file = Path::new(&path)
                        .file_name()
                        .map(|f| f.to_string_lossy().to_lowercase())
                        .unwrap_or_default();
                    match names.get(&file) {
                        Some(c) if c.len() == 1 => Found::File(c[0].clone()),
                        Some(c) => {
                            let list: Vec<String> = c
                                .iter()
                                .map(|p| rel(p, opts).display().to_string())
                                .collect();
                            diags.push(
                                Diagnostic::warning(
                                    "image-ambiguous",
                                    format!(
                                        "`{src}` matches {} files: {}; the first is used",
                                        c.len(),
                                        list.join(", ")
                                    ),
                                )
                                .at_opt(use_.span)
                                .hint("write the path to the one you mean"),
                            );
                            Found::File(c[0].clone())
                        }
                        None => Found::Missing(tried),
                    }
                }
                other => other,
            }
        };
        let found = match found {
            // On a case-insensitive file system the exact lookup succeeds: check the name.
            Found::File(p) => match case_check(vfs, &p, &mut listings) {
                Some(real) => Found::CaseOnly(real),
                None => Found::File(p),
            },
            other => other,
        };
        let (found, case_only) = match found {
            Found::CaseOnly(real) => (Found::File(real), true),
            other => (other, false),
        };
        match found {
            Found::File(p) => {
                if case_only {
                    diags.push(
                        Diagnostic::warning("image-case", format!("`{src}` only matches `{}` when letter case is ignored", rel(&p, opts).display()))
                            .at_opt(use_.span)
                            .hint("fix the letter case: this breaks on case-sensitive file systems (Linux, CI)"),
                    );
                }
                let relp = rel(&p, opts);
                let next = AssetId(assets.len() as u32);
                let id = *assets.entry(relp.clone()).or_insert(next);
                if id == next {
                    book.assets.push(AssetFile { id, path: relp });
                }
                use_.asset = Some(id);
                use_.status = ImageStatus::Found;
            }
            Found::Outside(p) => {
                use_.status = ImageStatus::Refused;
                diags.push(
                    Diagnostic::error(
                        "image-outside",
                        format!(
                            "`{src}` leads outside the book's folders ({}); it is not read",
                            p.display()
                        ),
                    )
                    .at_opt(use_.span)
                    .hint("copy the image into the book's folder"),
                );
            }
            Found::CaseOnly(_) => {}
            Found::Missing(tried) => {
                use_.status = ImageStatus::Missing;
                let tried: Vec<String> = tried
                    .iter()
                    .map(|p| rel(p, opts).display().to_string())
                    .collect();
                diags.push(
                    Diagnostic::warning("image-missing", format!("image `{src}` not found (looked for {})", tried.join(", ")))
                        .at_opt(use_.span)
                        .hint("add the file, or fix the path; the book shows a placeholder with the caption meanwhile"),
                );
            }
        }
    }
    diags
}

fn rel(p: &Path, opts: &ResolveOptions) -> PathBuf {
    p.strip_prefix(&opts.root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| p.to_path_buf())
}

fn find_in(vfs: &dyn Vfs, opts: &ResolveOptions, bases: &[PathBuf], path: &str) -> Found {
    let mut tried = Vec::new();
    for base in bases {
        // Folders outside the book (a missing `static/` beside the notes) are not searched.
        if !opts.allowed(base) {
            continue;
        }
        let Some(p) = normalize(&base.join(path)) else {
            return Found::Outside(base.join(path));
        };
        if !opts.allowed(&p) {
            return Found::Outside(p);
        }
        if vfs.escapes(&p) {
            return Found::Outside(p);
        }
        if vfs.kind(&p) == Some(EntryKind::File) {
            return Found::File(p);
        }
        if let Some(real) = vfs.case_insensitive_match(&p)
            && vfs.kind(&real) == Some(EntryKind::File)
        {
            return Found::CaseOnly(real);
        }
        tried.push(p);
    }
    Found::Missing(tried)
}

/// `Some(real)` when `p` names an existing file only case-insensitively.
fn case_check(vfs: &dyn Vfs, p: &Path, listings: &mut Listings) -> Option<PathBuf> {
    let name = p.file_name()?.to_str()?;
    let parent = p.parent()?;
    // Each folder is listed once per run: books keep hundreds of images in one folder.
    let names = listings.entry(parent.to_path_buf()).or_insert_with(|| {
        vfs.list(parent)
            .map(|l| l.into_iter().map(|e| e.name).collect())
            .unwrap_or_default()
    });
    if names.iter().any(|n| n == name) {
        return None;
    }
    names
        .iter()
        .find(|n| n.eq_ignore_ascii_case(name))
        .map(|n| p.with_file_name(n))
}

/// File names of the folders listed so far.
type Listings = BTreeMap<PathBuf, Vec<String>>;

/// Every file under the notes folder by lower-case file name (for `![[x.png]]`).
fn index_names(vfs: &dyn Vfs, input: &Path) -> BTreeMap<String, Vec<PathBuf>> {
    let mut out: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    let mut stack = vec![(input.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = vfs.list(&dir) else {
            continue;
        };
        for e in entries {
            if e.name.starts_with('.') {
                continue;
            }
            let p = dir.join(&e.name);
            match e.kind {
                EntryKind::Dir if depth < 32 => stack.push((p, depth + 1)),
                EntryKind::File => out.entry(e.name.to_lowercase()).or_default().push(p),
                _ => {}
            }
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use notes2book_model::vfs::MemFs;
    use notes2book_model::{ImageId, ImageUse};

    fn use_of(src: &str, dir: &str, syntax: ImageSyntax) -> ImageUse {
        ImageUse {
            src: src.into(),
            syntax,
            note_dir: dir.into(),
            in_bundle: false,
            span: None,
            asset: None,
            status: ImageStatus::Unresolved,
        }
    }

    fn run(fs: &MemFs, uses: Vec<ImageUse>) -> (Book, Vec<Diagnostic>) {
        let mut book = Book {
            images: uses,
            ..Book::default()
        };
        let opts = ResolveOptions {
            root: "b".into(),
            input: "b/content".into(),
            static_dirs: vec![],
            ..Default::default()
        };
        let d = resolve(&mut book, fs, &opts);
        (book, d)
    }

    #[test]
    fn rules_in_order() {
        let mut fs = MemFs::new();
        fs.insert("b/content/static/images/a.png", "x");
        fs.insert("b/static/images/b.png", "x");
        fs.insert("b/content/post/c.jpg", "x");
        fs.insert("b/content/attachments/d e.png", "x");
        fs.insert("b/content/post/Photo.JPG", "x");
        let (book, d) = run(
            &fs,
            vec![
                use_of("/images/a.png", "post", ImageSyntax::Shortcode),
                use_of("/images/b.png", "post", ImageSyntax::Markdown),
                use_of("./c.jpg", "post", ImageSyntax::Markdown),
                use_of("../attachments/d%20e.png", "post", ImageSyntax::Markdown),
                use_of("d e.png", "post", ImageSyntax::WikiEmbed),
                use_of("/images/a.png", "", ImageSyntax::Markdown),
                use_of("photo.jpg", "post", ImageSyntax::Markdown),
            ],
        );
        let found: Vec<_> = book.images.iter().map(|u| u.status).collect();
        assert_eq!(found, vec![ImageStatus::Found; 7], "{d:?}");
        assert_eq!(book.assets.len(), 5, "a.png is one asset");
        assert_eq!(book.images[0].asset, book.images[5].asset);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "image-case");
        let _ = ImageId(0);
    }

    #[test]
    fn a_path_from_the_root_is_found_as_pandoc_finds_it_but_never_by_climbing() {
        let mut fs = MemFs::new();
        fs.insert("b/content/figures/a.png", "x");
        fs.insert("b/content/chapters/b.png", "x");
        fs.insert("img/c.png", "x");
        let (book, d) = run(
            &fs,
            vec![
                // Written from the root (pandoc runs there), in a note in a subfolder.
                use_of("content/figures/a.png", "chapters", ImageSyntax::Markdown),
                use_of("figures/a.png", "chapters", ImageSyntax::Markdown),
                // The note's own folder first.
                use_of("b.png", "chapters", ImageSyntax::Markdown),
                // `..` is the note's folder's parent only: never the root's.
                use_of("../../img/c.png", "chapters", ImageSyntax::Markdown),
            ],
        );
        let found: Vec<_> = book.images.iter().map(|u| u.status).collect();
        assert_eq!(
            found[..3],
            [ImageStatus::Found, ImageStatus::Found, ImageStatus::Found],
            "{d:?}"
        );
        assert_ne!(found[3], ImageStatus::Found, "{d:?}");
        assert_eq!(book.images[0].asset, book.images[1].asset);
    }

    #[test]
    fn a_bare_file_name_is_found_by_name_across_the_book() {
        let mut fs = MemFs::new();
        fs.insert("b/content/Attachments/shot.png", "x");
        let mut book = Book {
            images: vec![
                use_of("shot.png#interface", "Notes", ImageSyntax::Markdown),
                use_of("sub/shot.png", "Notes", ImageSyntax::Markdown),
            ],
            ..Book::default()
        };
        let opts = ResolveOptions {
            root: "b".into(),
            input: "b/content".into(),
            ..Default::default()
        };
        let d = resolve(&mut book, &fs, &opts);
        assert_eq!(book.images[0].status, ImageStatus::Found);
        // A path with a folder in it means that folder.
        assert_eq!(book.images[1].status, ImageStatus::Missing);
        assert_eq!(d.len(), 1, "{d:?}");
    }

    #[test]
    fn attachment_folders_come_after_the_note_folder() {
        let mut fs = MemFs::new();
        fs.insert("b/content/Files/a.png", "x");
        fs.insert("b/content/post/att/b.png", "x");
        fs.insert("b/content/post/c.png", "x");
        fs.insert("b/content/Files/c.png", "x");
        let mut book = Book {
            images: vec![
                use_of("a.png", "post", ImageSyntax::Markdown),
                use_of("b.png", "post", ImageSyntax::WikiEmbed),
                use_of("c.png", "post", ImageSyntax::Markdown),
            ],
            ..Book::default()
        };
        let opts = ResolveOptions {
            root: "b".into(),
            input: "b/content".into(),
            attachment_dirs: vec!["b/content/Files".into()],
            attachments_beside_note: Some("att".into()),
            ..Default::default()
        };
        let d = resolve(&mut book, &fs, &opts);
        assert!(d.is_empty(), "{d:?}");
        let paths: Vec<_> = book.assets.iter().map(|a| a.path.clone()).collect();
        assert_eq!(
            paths,
            [
                PathBuf::from("content/Files/a.png"),
                PathBuf::from("content/post/att/b.png"),
                PathBuf::from("content/post/c.png"),
            ]
        );
    }

    #[test]
    fn refusals_and_misses() {
        let mut fs = MemFs::new();
        fs.insert("b/content/a.md", "x");
        fs.insert("secret.png", "x");
        let (book, d) = run(
            &fs,
            vec![
                use_of("../../../secret.png", "", ImageSyntax::Markdown),
                use_of("https://example.com/x.png", "", ImageSyntax::Markdown),
                use_of("/images/missing.png", "", ImageSyntax::Shortcode),
            ],
        );
        let codes: Vec<_> = d.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["image-outside", "image-remote", "image-missing"]);
        assert_eq!(book.images[0].status, ImageStatus::Refused);
        assert!(book.assets.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_that_lead_out_are_refused_on_disk() {
        use notes2book_model::vfs::DiskFs;
        let tmp = tempfile::tempdir().expect("tempdir");
        let outside = tmp.path().join("outside");
        let book = tmp.path().join("book");
        let content = book.join("content");
        std::fs::create_dir_all(&outside).expect("mkdir");
        std::fs::create_dir_all(content.join("static")).expect("mkdir");
        std::fs::write(outside.join("secret.png"), "x").expect("write");
        std::fs::write(content.join("ok.png"), "x").expect("write");
        std::os::unix::fs::symlink(outside.join("secret.png"), content.join("link.png"))
            .expect("symlink");
        std::os::unix::fs::symlink(&outside, content.join("static/images")).expect("symlink");
        let root = std::fs::canonicalize(&book).expect("canon");
        let input = root.join("content");
        let fs = DiskFs::new(std::slice::from_ref(&root));
        let mut book = Book {
            images: vec![
                use_of("link.png", "", ImageSyntax::Markdown),
                use_of("/images/secret.png", "", ImageSyntax::Shortcode),
                use_of("ok.png", "", ImageSyntax::Markdown),
                use_of(
                    &outside.join("secret.png").display().to_string(),
                    "",
                    ImageSyntax::Html,
                ),
            ],
            ..Book::default()
        };
        let opts = ResolveOptions {
            root: root.clone(),
            input,
            static_dirs: vec![],
            ..Default::default()
        };
        let d = resolve(&mut book, &fs, &opts);
        let codes: Vec<_> = d.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            ["image-outside", "image-outside", "image-outside"],
            "{d:?}"
        );
        assert_eq!(book.images[2].status, ImageStatus::Found);
    }
}
