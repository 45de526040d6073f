use std::path::{Path, PathBuf};

use notes2book_model::Sources;
use notes2book_model::vfs::MemFs;

use super::*;

fn fs(files: &[(&str, &str)]) -> MemFs {
    let mut fs = MemFs::new();
    for (p, t) in files {
        fs.insert(*p, t.as_bytes());
    }
    fs
}

fn site(fs: &MemFs, start: &str) -> (Located, Site) {
    let located = locate(fs, Path::new(start)).expect("a root");
    let site = read(fs, &located, &mut Sources::default());
    (located, site)
}

#[test]
fn an_mdbook_is_found_from_its_src_folder() {
    let fs = fs(&[
        (
            "b/book.toml",
            "[book]\ntitle = \"Widgets\"\nauthors = [\"Ann\", \"\"]\nlanguage = \"de\"\nmultilingual = false\nsrc = \"text\"\n[output.html]\nx = 1\n",
        ),
        ("b/text/SUMMARY.md", "- [A](a.md)\n"),
        ("b/.git/HEAD", "ref"),
    ]);
    let (located, site) = site(&fs, "b/text");
    assert_eq!(located.root, PathBuf::from("b"));
    assert_eq!(located.kind(), Some(SiteKind::MdBook));
    assert_eq!(site.input, Some(PathBuf::from("b/text")));
    assert_eq!(site.metadata.title.as_deref(), Some("Widgets"));
    assert_eq!(site.metadata.authors, ["Ann"]);
    assert_eq!(site.metadata.language.as_deref(), Some("de"));
    assert!(site.diagnostics.is_empty(), "{:?}", site.diagnostics);
}

#[test]
fn notes2book_yaml_wins_over_book_toml_in_the_same_folder() {
    let fs = fs(&[
        ("b/book.toml", "[book]\ntitle = \"T\"\n"),
        ("b/notes2book.yaml", "title: Ours\n"),
    ]);
    let (located, site) = site(&fs, "b/src");
    assert_eq!(located.kind(), Some(SiteKind::Notes2book));
    assert_eq!(located.markers.len(), 2);
    // book.toml still gives what notes2book.yaml leaves unset.
    assert_eq!(site.metadata.title.as_deref(), Some("T"));
    assert!(
        located
            .why()
            .contains("notes2book (b/notes2book.yaml), then mdBook")
    );
}

#[test]
fn the_walk_stops_at_the_repository() {
    let fs = fs(&[
        ("book.toml", "[book]\n"),
        ("repo/.git/HEAD", "x"),
        ("repo/notes/a.md", "x"),
    ]);
    assert_eq!(locate(&fs, Path::new("repo/notes")), None);
}

#[test]
fn a_hugo_site_gives_its_folders_and_metadata() {
    let fs = fs(&[(
        "s/hugo.toml",
        "title = 'My Blog'\nlanguageCode = 'en-gb'\ncontentDir = 'posts'\nstaticDir = ['static', 'more']\ncopyright = '&copy; 2024 <a href=\"/\">Ann</a>'\n[params]\nauthor = { name = 'Ann' }\ndescription = ''\n",
    )]);
    let (located, site) = site(&fs, "s/posts/2024");
    assert_eq!(located.root, PathBuf::from("s"));
    assert_eq!(site.input, Some(PathBuf::from("s/posts")));
    assert_eq!(
        site.static_dirs,
        [
            PathBuf::from("s/static"),
            PathBuf::from("s/more"),
            PathBuf::from("s/assets")
        ]
    );
    assert_eq!(site.metadata.title.as_deref(), Some("My Blog"));
    assert_eq!(site.metadata.authors, ["Ann"]);
    assert_eq!(site.metadata.language.as_deref(), Some("en-gb"));
    assert_eq!(site.metadata.rights.as_deref(), Some("© 2024 Ann"));
    assert_eq!(site.metadata.description, None);
}

#[test]
fn hugo_config_default_folder_and_yaml() {
    let fs = fs(&[
        (
            "s/config/_default/hugo.yaml",
            "Title: Docs\ndefaultContentLanguage: fr\n",
        ),
        ("s/config/_default/params.yaml", "authors: [Bea, Cy]\n"),
    ]);
    let (_, site) = site(&fs, "s");
    assert_eq!(site.metadata.title.as_deref(), Some("Docs"));
    assert_eq!(site.metadata.authors, ["Bea", "Cy"]);
    assert_eq!(site.metadata.language.as_deref(), Some("fr"));
    assert_eq!(site.input, Some(PathBuf::from("s/content")));
}

#[test]
fn a_lone_config_toml_is_not_a_hugo_site() {
    let fs = fs(&[("s/config.toml", "title = 'x'\n"), ("s/notes/a.md", "x")]);
    assert_eq!(locate(&fs, Path::new("s/notes")), None);
    let fs = self::fs(&[("s/config.toml", "title = 'x'\n"), ("s/content/a.md", "x")]);
    assert_eq!(
        locate(&fs, Path::new("s/content")).and_then(|l| l.kind()),
        Some(SiteKind::Hugo)
    );
}

#[test]
fn a_broken_site_config_is_a_warning_at_its_line() {
    let fs = fs(&[("s/hugo.toml", "title = 'x'\ntitle = = 3\n")]);
    let mut sources = Sources::default();
    let located = locate(&fs, Path::new("s")).expect("root");
    let site = read(&fs, &located, &mut sources);
    assert_eq!(site.diagnostics.len(), 1);
    let d = &site.diagnostics[0];
    assert_eq!(d.code, "site-config-invalid");
    assert!(d.span.is_some_and(|s| s.start >= 12), "{d:?}");
    // The defaults still hold.
    assert_eq!(site.input, Some(PathBuf::from("s/content")));
}

#[test]
fn an_obsidian_vault_and_its_attachment_folder() {
    for (setting, want) in [
        (
            "Files/img",
            Some(Attachments::Folder(PathBuf::from("v/Files/img"))),
        ),
        ("/", Some(Attachments::Folder(PathBuf::from("v")))),
        ("./", Some(Attachments::BesideNote(PathBuf::new()))),
        ("./att", Some(Attachments::BesideNote(PathBuf::from("att")))),
        ("./../x", None),
        ("../x", None),
    ] {
        let fs = fs(&[
            (
                "v/.obsidian/app.json",
                &format!("{{\"attachmentFolderPath\": \"{setting}\"}}"),
            ),
            ("v/notes/a.md", "x"),
        ]);
        let (located, site) = site(&fs, "v/notes");
        assert_eq!(located.kind(), Some(SiteKind::Obsidian));
        assert_eq!(site.input, Some(PathBuf::from("v")));
        assert_eq!(site.attachments, want, "{setting}");
    }
}

#[test]
fn a_vault_inside_a_hugo_site_keeps_the_site_as_root() {
    let fs = fs(&[
        ("s/hugo.toml", "title = 'x'\n"),
        (
            "s/content/.obsidian/app.json",
            "{\"attachmentFolderPath\": \"img\"}",
        ),
        ("s/content/a.md", "x"),
    ]);
    let (located, site) = site(&fs, "s/content");
    assert_eq!(located.root, PathBuf::from("s"));
    assert_eq!(located.kind(), Some(SiteKind::Hugo));
    assert_eq!(site.input, Some(PathBuf::from("s/content")));
    assert_eq!(
        site.attachments,
        Some(Attachments::Folder(PathBuf::from("s/content/img")))
    );
}
