//! CSL-JSON bibliographies (what Zotero, Mendeley and pandoc export) read into hayagriva's
//! entries: each item is written as a Hayagriva YAML entry (its type, with a parent for
//! the journal, book or proceedings it appears in), which hayagriva then reads.

use serde_json::Value as Json;
use serde_yaml::{Mapping, Value as Yaml};

/// The items of a CSL-JSON file as Hayagriva YAML text, or what is wrong and at which
/// line and column.
pub fn to_yaml(text: &str) -> Result<String, (String, usize, usize)> {
    let json: Json =
        serde_json::from_str(text).map_err(|e| (e.to_string(), e.line(), e.column()))?;
    let Json::Array(items) = json else {
        return Err((
            "a CSL-JSON bibliography is a list of items: `[ {…}, … ]`".into(),
            1,
            1,
        ));
    };
    let mut out = Mapping::new();
    for (n, item) in items.iter().enumerate() {
        let Some(id) = item.get("id").and_then(scalar) else {
            return Err((format!("item {} has no `id`", n + 1), 1, 1));
        };
        out.insert(Yaml::String(id), entry(item));
    }
    serde_yaml::to_string(&Yaml::Mapping(out)).map_err(|e| (e.to_string(), 1, 1))
}

/// A number or a string as text.
fn scalar(v: &Json) -> Option<String> {
    match v {
        Json::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One item: its own fields, and those of the work it is part of under `parent`.
fn entry(item: &Json) -> Yaml {
    let ty = item.get("type").and_then(Json::as_str).unwrap_or("");
    let (own, parent) = match ty {
        "article-journal" => ("article", Some("periodical")),
        "article-magazine" => ("article", Some("periodical")),
        "article-newspaper" => ("article", Some("newspaper")),
        "chapter" | "entry-encyclopedia" | "entry-dictionary" => ("chapter", Some("book")),
        "paper-conference" => ("article", Some("proceedings")),
        "book" => ("book", None),
        "thesis" => ("thesis", None),
        "report" => ("report", None),
        "webpage" | "post" | "post-weblog" => ("web", None),
        "software" => ("repository", None),
        "dataset" => ("misc", None),
        _ => ("misc", None),
    };
    let mut m = Mapping::new();
    let set = |m: &mut Mapping, k: &str, v: Option<Yaml>| {
        if let Some(v) = v {
            m.insert(Yaml::String(k.into()), v);
        }
    };
    let text = |k: &str| item.get(k).and_then(scalar).map(Yaml::String);
    set(&mut m, "type", Some(Yaml::String(own.into())));
    set(&mut m, "title", text("title"));
    set(&mut m, "author", names(item.get("author")));
    set(
        &mut m,
        "editor",
        names(item.get("editor")).filter(|_| parent.is_none()),
    );
    set(
        &mut m,
        "date",
        item.get("issued").and_then(date).map(Yaml::String),
    );
    set(&mut m, "page-range", text("page"));
    set(&mut m, "publisher", text("publisher"));
    set(&mut m, "location", text("publisher-place"));
    set(&mut m, "edition", text("edition"));
    set(&mut m, "language", text("language"));
    set(&mut m, "note", text("note"));
    if let Some(url) = item.get("URL").and_then(scalar) {
        let mut u = Mapping::new();
        u.insert(Yaml::String("value".into()), Yaml::String(url));
        if let Some(d) = item.get("accessed").and_then(date) {
            u.insert(Yaml::String("date".into()), Yaml::String(d));
        }
        m.insert(Yaml::String("url".into()), Yaml::Mapping(u));
    }
    let mut serial = Mapping::new();
    for (csl, ours) in [("DOI", "doi"), ("ISBN", "isbn"), ("ISSN", "issn")] {
        if let Some(v) = item.get(csl).and_then(scalar) {
            serial.insert(Yaml::String(ours.into()), Yaml::String(v));
        }
    }
    if !serial.is_empty() {
        m.insert(Yaml::String("serial-number".into()), Yaml::Mapping(serial));
    }
    match parent {
        Some(pty) => {
            let mut p = Mapping::new();
            set(&mut p, "type", Some(Yaml::String(pty.into())));
            set(&mut p, "title", text("container-title"));
            set(&mut p, "volume", text("volume"));
            set(&mut p, "issue", text("issue"));
            set(&mut p, "editor", names(item.get("editor")));
            m.insert(Yaml::String("parent".into()), Yaml::Mapping(p));
        }
        None => {
            set(&mut m, "volume", text("volume"));
            set(&mut m, "organization", text("authority"));
        }
    }
    Yaml::Mapping(m)
}

/// CSL names (`{family, given}` or `{literal}`) as hayagriva's `Family, Given`.
fn names(v: Option<&Json>) -> Option<Yaml> {
    let list: Vec<Yaml> = v?
        .as_array()?
        .iter()
        .filter_map(|n| {
            if let Some(l) = n.get("literal").and_then(Json::as_str) {
                return Some(l.to_string());
            }
            let family = n.get("family").and_then(Json::as_str)?;
            Some(match n.get("given").and_then(Json::as_str) {
                Some(g) => format!("{family}, {g}"),
                None => family.to_string(),
            })
        })
        .map(Yaml::String)
        .collect();
    (!list.is_empty()).then_some(Yaml::Sequence(list))
}

/// A CSL date (`{"date-parts": [[1978, 7, 1]]}` or `{"raw": "1978"}`) as `1978-07-01`.
fn date(v: &Json) -> Option<String> {
    if let Some(parts) = v
        .get("date-parts")
        .and_then(|p| p.get(0))
        .and_then(Json::as_array)
    {
        let n: Vec<i64> = parts
            .iter()
            .filter_map(|x| x.as_i64().or_else(|| x.as_str()?.parse().ok()))
            .collect();
        return match n.as_slice() {
            [y] => Some(format!("{y:04}")),
            [y, m] => Some(format!("{y:04}-{m:02}")),
            [y, m, d, ..] => Some(format!("{y:04}-{m:02}-{d:02}")),
            [] => None,
        };
    }
    v.get("raw").and_then(scalar)
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = r#"[
      {"id": "lamport1978", "type": "article-journal",
       "title": "Time, Clocks, and the Ordering of Events in a Distributed System",
       "author": [{"family": "Lamport", "given": "Leslie"}],
       "container-title": "Communications of the ACM", "volume": 21, "issue": "7",
       "page": "558-565", "issued": {"date-parts": [[1978, 7]]},
       "DOI": "10.1145/359545.359563"},
      {"id": "iers", "type": "webpage", "title": "Bulletin C",
       "author": [{"literal": "IERS"}], "URL": "https://www.iers.org/",
       "issued": {"date-parts": [["2024"]]}}
    ]"#;

    #[test]
    fn items_become_entries_with_their_container() {
        let yaml = to_yaml(JSON).expect("converts");
        let lib = hayagriva::io::from_yaml_str(&yaml).expect("hayagriva reads it");
        let lamport = lib.get("lamport1978").expect("entry");
        assert_eq!(lamport.authors().map(|a| a.len()), Some(1));
        assert!(lamport.doi().is_some());
        let parent = &lamport.parents()[0];
        assert_eq!(
            parent.title().map(|t| t.value.to_str().to_string()),
            Some("Communications of the ACM".to_string())
        );
        assert!(lib.get("iers").and_then(|e| e.url()).is_some());
        let (message, line, _) = to_yaml("[{\"id\": 1,}]").expect_err("bad JSON");
        assert!(!message.is_empty() && line == 1);
        assert!(to_yaml("{\"id\": \"x\"}").is_err());
    }
}
