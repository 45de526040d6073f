//! Pages Hugo does not render: `headless: true`, `build: {render: never}` (or the older
//! `_build: {render: false}`), on the page itself or cascaded from a section's `_index.md`
//! (`cascade: {build: {render: never}}`). Such a page is not a chapter of the book, but its
//! text can still be included elsewhere (Hugo's `.RenderShortcodes`, our embeds).

use std::path::Path;

use notes2book_model::Value;

use crate::note::ParsedNote;

/// For each note, whether Hugo leaves it unrendered.
pub fn headless(notes: &[ParsedNote]) -> Vec<bool> {
    // Sections whose `_index.md` cascades "do not render" to the pages below.
    let hidden_dirs: Vec<&Path> = notes
        .iter()
        .filter(|n| n.rel.file_name().is_some_and(|f| f == "_index.md"))
        .filter(|n| n.front.params.get("cascade").is_some_and(cascades_never))
        .filter_map(|n| n.rel.parent())
        .collect();
    notes
        .iter()
        .map(|n| {
            if n.front.params.get("headless").is_some_and(is_true) {
                return true;
            }
            // The page's own setting wins over a cascade.
            let own = ["build", "_build"]
                .iter()
                .find_map(|k| n.front.params.get(*k).and_then(render_setting));
            // A cascade reaches the section's own page too, unless it says otherwise.
            let below = hidden_dirs.iter().any(|d| n.rel.starts_with(d));
            own.map_or(below, |rendered| !rendered)
        })
        .collect()
}

fn is_true(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// Whether a `build` map says the page is rendered: `render: never` or `false` (older
/// Hugo) is `Some(false)`, `always`, `link` or `true` is `Some(true)`.
fn render_setting(build: &Value) -> Option<bool> {
    let Value::Map(m) = build else { return None };
    let (_, v) = m.iter().find(|(k, _)| k.eq_ignore_ascii_case("render"))?;
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "never" | "false" => Some(false),
            "always" | "link" | "true" => Some(true),
            _ => None,
        },
        _ => None,
    }
}

fn never_rendered(build: &Value) -> bool {
    render_setting(build) == Some(false)
}

/// A `cascade` (one map, or a list of maps) that says "do not render" to every page
/// below; entries aimed at some pages only (`target`) are passed over.
fn cascades_never(cascade: &Value) -> bool {
    let entry = |v: &Value| {
        let Value::Map(m) = v else { return false };
        let targeted = m.keys().any(|k| matches!(k.as_str(), "target" | "_target"));
        !targeted
            && m.iter()
                .any(|(k, v)| matches!(k.as_str(), "build" | "_build") && never_rendered(v))
    };
    match cascade {
        Value::List(items) => items.iter().any(entry),
        other => entry(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn map(pairs: &[(&str, Value)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    #[test]
    fn render_never_in_all_its_spellings() {
        let never = map(&[("render", Value::String("never".into()))]);
        assert!(never_rendered(&never));
        assert!(never_rendered(&map(&[("render", Value::Bool(false))])));
        assert!(!never_rendered(&map(&[(
            "render",
            Value::String("always".into())
        )])));
        assert!(!never_rendered(&map(&[(
            "list",
            Value::String("never".into())
        )])));
        assert!(cascades_never(&map(&[("build", never.clone())])));
        assert!(cascades_never(&Value::List(vec![map(&[(
            "_build",
            never.clone()
        )])])));
        let targeted = map(&[
            ("build", never),
            ("target", map(&[("path", Value::String("/x/**".into()))])),
        ]);
        assert!(!cascades_never(&targeted));
    }
}
