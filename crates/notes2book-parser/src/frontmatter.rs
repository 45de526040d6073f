//! Front matter: split off by our own code (YAML `---`, TOML `+++`, JSON `{ }`), parsed,
//! and typed into [`FrontMatter`]; unknown keys are kept in `params`.

use std::collections::BTreeMap;

use notes2book_model::{Diagnostic, FileId, FrontMatter, FrontMatterFormat, Span, Value};

/// Where the front matter and the body are in a note's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    pub format: Option<FrontMatterFormat>,
    /// Byte range of the front matter's content (without the fences).
    pub raw: (usize, usize),
    /// Byte offset where the Markdown body starts.
    pub body_start: usize,
}

/// Split the front matter off a note. An opening fence without a closing one is an error.
pub fn split(text: &str, file: FileId) -> Result<Split, Diagnostic> {
    let fence = if text.starts_with("---") {
        Some(("---", FrontMatterFormat::Yaml))
    } else if text.starts_with("+++") {
        Some(("+++", FrontMatterFormat::Toml))
    } else {
        None
    };
    if let Some((fence, format)) = fence {
        let first_line_end = text.find('\n').unwrap_or(text.len());
        if text[..first_line_end].trim_end() == fence {
            let content_start = (first_line_end + 1).min(text.len());
            let mut pos = content_start;
            while pos < text.len() {
                let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
                let line = text[pos..end].trim_end();
                if line == fence || (format == FrontMatterFormat::Yaml && line == "...") {
                    return Ok(Split {
                        format: Some(format),
                        raw: (content_start, pos),
                        body_start: (end + 1).min(text.len()),
                    });
                }
                pos = end + 1;
            }
            return Err(Diagnostic::error(
                "front-matter-unterminated",
                format!("the front matter opened here with `{fence}` is never closed"),
            )
            .at(Span::new(file, 0, 3))
            .hint(format!(
                "add a line with only `{fence}` after the last front matter key"
            )));
        }
    }
    // JSON front matter is an object: `{` then a quoted key (or `}`), never `{{`.
    let json_like = text.strip_prefix('{').is_some_and(|r| {
        let r = r.trim_start();
        r.starts_with('"') || r.starts_with('}')
    });
    if json_like {
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
        return match stream.next() {
            Some(Ok(_)) => {
                let end = stream.byte_offset();
                let body_start = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
                Ok(Split {
                    format: Some(FrontMatterFormat::Json),
                    raw: (0, end),
                    body_start,
                })
            }
            Some(Err(e)) => Err(json_error(text, file, &e, 0)),
            None => Ok(Split {
                format: None,
                raw: (0, 0),
                body_start: 0,
            }),
        };
    }
    Ok(Split {
        format: None,
        raw: (0, 0),
        body_start: 0,
    })
}

fn json_error(text: &str, file: FileId, e: &serde_json::Error, base: usize) -> Diagnostic {
    let offset = base + offset_of(&text[base..], e.line(), e.column());
    Diagnostic::error(
        "front-matter-json",
        format!("invalid JSON front matter: {e}"),
    )
    .at(Span::new(file, offset, offset))
    .hint("JSON front matter is one object: `{ \"title\": \"...\" }` followed by a line break")
}

/// Byte offset of a 1-based line and column (columns counted in characters, 0 = line start).
fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut start = 0;
    for _ in 1..line.max(1) {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    let line_text = &text[start..];
    start
        + line_text.char_indices().nth(col.saturating_sub(1)).map_or(
            line_text
                .len()
                .min(line_text.find('\n').unwrap_or(usize::MAX)),
            |(i, _)| i,
        )
}

/// Parse the front matter into raw values; errors point at the fault.
pub fn parse_values(
    text: &str,
    split: &Split,
    file: FileId,
) -> Result<BTreeMap<String, Value>, Diagnostic> {
    let (start, end) = split.raw;
    let raw = &text[start..end];
    let at = |local: usize| Span::new(file, start + local, start + local);
    let value = match split.format {
        None => return Ok(BTreeMap::new()),
        Some(FrontMatterFormat::Yaml) => {
            if raw.trim().is_empty() {
                return Ok(BTreeMap::new());
            }
            match serde_yaml::from_str::<serde_yaml::Value>(raw) {
                Ok(v) => from_yaml(v),
                Err(e) => {
                    let local = e.location().map_or(0, |l| l.index());
                    let msg = e.to_string();
                    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
                    return Err(Diagnostic::error(
                        "front-matter-yaml",
                        format!("invalid YAML front matter: {msg}"),
                    )
                    .at(at(local.min(raw.len())))
                    .hint("check the indentation and quote values that contain `: ` or start with `{`, `[`, `*` or `&`"));
                }
            }
        }
        Some(FrontMatterFormat::Toml) => {
            match toml::from_str::<toml::Table>(raw) {
                Ok(t) => from_toml(toml::Value::Table(t)),
                Err(e) => {
                    let local = e.span().map_or(0, |r| r.start);
                    return Err(Diagnostic::error(
                    "front-matter-toml",
                    format!("invalid TOML front matter: {}", e.message().trim()),
                )
                .at(at(local.min(raw.len())))
                .hint("TOML front matter uses `key = \"value\"`; strings need quotes, dates do not"));
                }
            }
        }
        Some(FrontMatterFormat::Json) => match serde_json::from_str::<serde_json::Value>(raw) {
            Ok(v) => from_json(v),
            Err(e) => return Err(json_error(text, file, &e, start)),
        },
    };
    match value {
        Value::Map(m) => Ok(m),
        Value::Null => Ok(BTreeMap::new()),
        _ => Err(Diagnostic::error(
            "front-matter-shape",
            "front matter must be a set of `key: value` pairs",
        )
        .at(at(0))
        .hint("write one `key: value` per line")),
    }
}

fn from_yaml(v: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Y::String(s) => Value::String(s),
        Y::Sequence(seq) => Value::List(seq.into_iter().map(from_yaml).collect()),
        Y::Mapping(m) => Value::Map(
            m.into_iter()
                .map(|(k, v)| (yaml_key(k), from_yaml(v)))
                .collect(),
        ),
        Y::Tagged(t) => from_yaml(t.value),
    }
}

fn yaml_key(k: serde_yaml::Value) -> String {
    match from_yaml(k) {
        Value::String(s) => s,
        other => other.display().unwrap_or_default(),
    }
}

fn from_toml(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::Int(i),
        toml::Value::Float(f) => Value::Float(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::List(a.into_iter().map(from_toml).collect()),
        toml::Value::Table(t) => {
            Value::Map(t.into_iter().map(|(k, v)| (k, from_toml(v))).collect())
        }
    }
}

fn from_json(v: serde_json::Value) -> Value {
    use serde_json::Value as J;
    match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Value::String(s),
        J::Array(a) => Value::List(a.into_iter().map(from_json).collect()),
        J::Object(o) => Value::Map(o.into_iter().map(|(k, v)| (k, from_json(v))).collect()),
    }
}

/// The keys typed into [`FrontMatter`] (lower case); the others are kept as params.
const KNOWN_KEYS: &[&str] = &[
    "title",
    "linktitle",
    "description",
    "summary",
    "slug",
    "lang",
    "date",
    "lastmod",
    "publishdate",
    "draft",
    "weight",
    "author",
    "authors",
    "tags",
    "categories",
    "aliases",
    "params",
];

/// Type the known keys. Wrong types are warnings pointing at the key; the value is ignored.
/// Empty values of known keys are dropped.
pub fn typed(
    values: BTreeMap<String, Value>,
    text: &str,
    split: &Split,
    file: FileId,
    diags: &mut Vec<Diagnostic>,
) -> FrontMatter {
    let mut fm = FrontMatter {
        format: split.format,
        ..FrontMatter::default()
    };
    let (start, end) = split.raw;
    let raw = &text[start..end];
    let key_span = |key: &str| {
        let local = key_offset(raw, key).unwrap_or(0);
        Span::new(file, start + local, start + local + key.len())
    };
    let wrong = |key: &str, want: &str, diags: &mut Vec<Diagnostic>| {
        diags.push(
            Diagnostic::warning(
                "front-matter-type",
                format!("`{key}` should be {want}; it is ignored"),
            )
            .at(key_span(key))
            .hint(format!("write `{key}` as {want}")),
        );
    };
    for (key, value) in values {
        // `description = ""`, `tags: []`, `author: null`: as if the key were not there, so
        // nothing empty reaches the OPF, the NCX or the PDF's document information.
        let k = key.to_ascii_lowercase();
        if value.is_blank() && KNOWN_KEYS.contains(&k.as_str()) {
            continue;
        }
        match k.as_str() {
            "title" | "linktitle" | "description" | "summary" | "slug" | "lang" => {
                let Some(s) = scalar_string(&value) else {
                    wrong(&key, "a text", diags);
                    continue;
                };
                let slot = match k.as_str() {
                    "title" => &mut fm.title,
                    "linktitle" => &mut fm.link_title,
                    "description" => &mut fm.description,
                    "summary" => &mut fm.summary,
                    "slug" => &mut fm.slug,
                    _ => &mut fm.lang,
                };
                *slot = Some(s);
            }
            "date" | "lastmod" | "publishdate" => {
                let Some(s) = scalar_string(&value) else {
                    wrong(&key, "a date such as 2024-03-02", diags);
                    continue;
                };
                if crate::dates::date_key(&s).is_none() {
                    diags.push(
                        Diagnostic::warning("date-invalid", format!("`{key}: {s}` is not a date"))
                            .at(key_span(&key))
                            .hint("use YYYY-MM-DD or an RFC 3339 date-time such as 2024-03-02T10:00:00Z"),
                    );
                    continue;
                }
                let slot = match k.as_str() {
                    "date" => &mut fm.date,
                    "lastmod" => &mut fm.lastmod,
                    _ => &mut fm.publish_date,
                };
                *slot = Some(s);
            }
            "draft" => match value {
                Value::Bool(b) => fm.draft = b,
                Value::String(ref s) if s.eq_ignore_ascii_case("true") => fm.draft = true,
                Value::String(ref s) if s.eq_ignore_ascii_case("false") => fm.draft = false,
                _ => wrong(&key, "true or false", diags),
            },
            "weight" => match value {
                Value::Int(i) => fm.weight = i,
                Value::String(ref s) if s.trim().parse::<i64>().is_ok() => {
                    fm.weight = s.trim().parse().unwrap_or(0)
                }
                _ => wrong(&key, "a whole number", diags),
            },
            "author" | "authors" => match string_list(&value) {
                Some(list) => fm.authors.extend(list),
                None => wrong(&key, "a name or a list of names", diags),
            },
            "tags" | "categories" | "aliases" => match string_list(&value) {
                Some(list) => match k.as_str() {
                    "tags" => fm.tags = list,
                    "categories" => fm.categories = list,
                    _ => fm.aliases = list,
                },
                None => wrong(&key, "a list of texts", diags),
            },
            "params" => match value {
                Value::Map(m) => fm.params.extend(m),
                _ => wrong(&key, "a map of `key: value`", diags),
            },
            _ => {
                fm.params.insert(key, value);
            }
        }
    }
    fm
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::List(_) | Value::Map(_) | Value::Null => None,
        other => other.display(),
    }
}

fn string_list(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::List(items) => items
            .iter()
            .filter(|i| !i.is_blank())
            .map(scalar_string)
            .collect(),
        Value::Null => Some(Vec::new()),
        other => scalar_string(other).map(|s| vec![s]),
    }
}

/// Offset of a key in raw front matter, for pointing diagnostics at it.
fn key_offset(raw: &str, key: &str) -> Option<usize> {
    let mut pos = 0;
    for line in raw.split_inclusive('\n') {
        let t = line.trim_start();
        let indent = line.len() - t.len();
        let t2 = t.trim_start_matches('"');
        let quoted = t.len() - t2.len();
        if let Some(after) = t2.strip_prefix(key) {
            let rest = after.trim_start_matches('"').trim_start();
            if rest.starts_with(':') || rest.starts_with('=') {
                return Some(pos + indent + quoted);
            }
        }
        pos += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: FileId = FileId(0);

    fn parse(text: &str) -> (FrontMatter, Vec<Diagnostic>, usize) {
        let mut diags = Vec::new();
        let s = match split(text, F) {
            Ok(s) => s,
            Err(d) => return (FrontMatter::default(), vec![d], 0),
        };
        match parse_values(text, &s, F) {
            Ok(v) => (typed(v, text, &s, F, &mut diags), diags, s.body_start),
            Err(d) => (FrontMatter::default(), vec![d], s.body_start),
        }
    }

    #[test]
    fn yaml_toml_json() {
        let (fm, d, body) = parse("---\ntitle: A\nweight: 3\ndraft: true\ntags: [x, y]\n---\nbody");
        assert!(d.is_empty());
        assert_eq!(fm.title.as_deref(), Some("A"));
        assert_eq!((fm.weight, fm.draft), (3, true));
        assert_eq!(fm.tags, ["x", "y"]);
        assert_eq!(body, 52);
        let (fm, d, _) = parse("+++\ntitle = \"B\"\ndate = 2024-03-02\n[params]\nx = 1\n+++\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(fm.date.as_deref(), Some("2024-03-02"));
        assert_eq!(fm.params.get("x"), Some(&Value::Int(1)));
        let (fm, d, body) = parse("{\n \"title\": \"C\",\n \"author\": \"Ann\"\n}\nbody\n");
        assert!(d.is_empty());
        assert_eq!(fm.title.as_deref(), Some("C"));
        assert_eq!(fm.authors, ["Ann"]);
        assert_eq!(body, 36);
    }

    #[test]
    fn later_rules_are_not_front_matter() {
        let (fm, _, body) = parse("# Title\n\n---\n\ntext\n---\n");
        assert_eq!(fm.format, None);
        assert_eq!(body, 0);
    }

    #[test]
    fn errors_point_at_the_fault() {
        let (_, d, _) = parse("---\ntitle: A\nbad: [unclosed\n---\n");
        assert_eq!(d[0].code, "front-matter-yaml");
        let (_, d, _) = parse("---\ntitle: A\n");
        assert_eq!(d[0].code, "front-matter-unterminated");
        let (_, d, _) = parse("+++\ntitle = B\n+++\n");
        assert_eq!(d[0].code, "front-matter-toml");
        assert_eq!(d[0].span.map(|s| s.start), Some(12));
        let (_, d, _) = parse("---\nweight: heavy\ndate: yesterday\n---\n");
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].code, "date-invalid");
        assert_eq!(d[0].span.map(|s| s.start), Some(18));
        assert_eq!(d[1].code, "front-matter-type");
    }
}
