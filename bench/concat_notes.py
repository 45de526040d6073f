#!/usr/bin/env python3
"""Concatenate a gen-corpus notes folder into one pandoc Markdown file, for bench/compare.sh.

    concat_notes.py CORPUS DUMP.json OUT.md

The notes come in notes2book's reading order (the chapters of `notes2book dump`), so pandoc
and Typst get the same text as notes2book, as a user would prepare it for them:

- front matter is dropped; the book's title, subtitle, authors, language and date become
  one YAML block at the top;
- each section opening (`_index.md`) becomes a `#` heading and each note a `##` heading with
  its own headings one level down (so a note is a chapter, as in notes2book's EPUB);
- every heading gets an explicit id, unique in the book (`stem--slug`), and links between
  notes (`other.md`, `../dir/other.md#id`, `[[wikilinks]]`) point at those ids;
- footnote labels are made unique per note (`[^1]` becomes `[^stem-1]`);
- `{{< figure >}}` shortcodes become Markdown images and every image path becomes the
  image's absolute path, with the caption as the image's text (pandoc's figure caption).

Only what gen-corpus writes is handled; this is not a general Hugo-to-pandoc converter.
"""

import json
import os
import re
import sys


def slug(text):
    """notes2book_model::slugify: letters and digits kept, `-`, `_` and spaces separate."""
    out, dash = [], False
    for c in text:
        if c.isalnum():
            if dash and out:
                out.append("-")
            dash = False
            out.append(c.lower())
        elif c in "-_" or c.isspace():
            dash = True
    s = "".join(out) or "section"
    return s if s[0].isalpha() else "h-" + s


def strip_front_matter(text):
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end >= 0:
            return text[end + 5 :]
    return text


FIGURE = re.compile(r'\{\{<\s*figure\s+(.*?)\s*>\}\}')
ARG = re.compile(r'(\w+)="([^"]*)"')
IMAGE = re.compile(r'!\[([^\]]*)\]\((/[^)\s]+)(?:\s+"([^"]*)")?\)')
LINK = re.compile(r'\]\(((?:\.\./[^/)]+/)?[^/)#\s]+\.md)(?:#([^)\s]+))?\)')
WIKI = re.compile(r'\[\[([^\]|#]+)(?:#([^\]|]+))?(?:\|([^\]]+))?\]\]')
FOOTNOTE = re.compile(r'\[\^(\w+)\]')
HEADING = re.compile(r'^(#{1,6})\s+(.*?)\s*$')


def main():
    corpus, dump_path, out_path = sys.argv[1:4]
    with open(dump_path, encoding="utf-8") as f:
        model = json.load(f)
    content = os.path.join(os.path.abspath(corpus), "content")
    static = os.path.join(content, "static")

    chapters = model["chapters"]
    stem_of = lambda path: os.path.splitext(os.path.basename(path))[0]
    ids = {}
    titles = {}
    for ch in chapters:
        path = ch["path"]
        key = stem_of(path) if ch["kind"] == "note" else "sec-" + (os.path.dirname(path) or "home")
        ids[path] = key
        titles[stem_of(path)] = ch["title"]

    def image(path_in_site, caption):
        path = os.path.join(static, path_in_site.lstrip("/"))
        if not os.path.exists(path):
            path = os.path.join(content, path_in_site.lstrip("/"))
        return f"![{caption}]({path})"

    meta = model["metadata"]
    out = ["---"]
    out.append("title: " + json.dumps(meta["title"], ensure_ascii=False))
    if meta.get("subtitle"):
        out.append("subtitle: " + json.dumps(meta["subtitle"], ensure_ascii=False))
    if meta.get("authors"):
        out.append("author: " + json.dumps(meta["authors"], ensure_ascii=False))
    out.append("lang: " + json.dumps(meta.get("language") or "en"))
    if meta.get("date"):
        out.append("date: " + json.dumps(meta["date"]))
    out.append("---\n")

    for ch in chapters:
        path = ch["path"]
        me = ids[path]
        shift = ch["depth"]
        with open(os.path.join(content, path), encoding="utf-8") as f:
            body = strip_front_matter(f.read())
        out.append(f"{'#' * (shift + 1)} {ch['title']} {{#{me}}}\n")

        def link(m):
            target, anchor = m.group(1), m.group(2)
            dest = stem_of(target)
            return f"](#{dest}--{anchor})" if anchor else f"](#{dest})"

        def wiki(m):
            dest, heading, label = m.group(1).strip(), m.group(2), m.group(3)
            if heading:
                return f"[{label or heading}](#{dest}--{slug(heading)})"
            return f"[{label or titles.get(dest, dest)}](#{dest})"

        def figure(m):
            args = dict(ARG.findall(m.group(1)))
            return image(args["src"], args.get("caption") or args.get("alt", ""))

        fence = None
        lines = []
        for line in body.split("\n"):
            stripped = line.lstrip()
            if fence:
                if stripped.startswith(fence):
                    fence = None
                lines.append(line)
                continue
            if stripped.startswith("```") or stripped.startswith("~~~"):
                fence = stripped[:3]
                lines.append(line)
                continue
            h = HEADING.match(line)
            if h:
                text = h.group(2)
                line = f"{'#' * (len(h.group(1)) + shift)} {text} {{#{me}--{slug(text)}}}"
            else:
                line = IMAGE.sub(lambda m: image(m.group(2), m.group(3) or m.group(1)), line)
                line = FIGURE.sub(figure, line)
                line = LINK.sub(link, line)
                line = WIKI.sub(wiki, line)
                line = FOOTNOTE.sub(lambda m: f"[^{me}-{m.group(1)}]", line)
            lines.append(line)
        out.append("\n".join(lines).strip("\n") + "\n")

    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
