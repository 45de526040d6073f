#!/usr/bin/env bash
# Print quality at every page size, measured: the 120,000-word benchmark book (60 notes x
# 2000 words, as bench/compare.sh's "book") set by notes2book at A4, Letter, A5 and 6x9
# with nothing configured but `page_size`, and by Typst at A5 (the same Markdown through
# pandoc's Typst writer and template: justified, hyphenated, Libertinus Serif 11 pt), each
# measured with pdfmetrics.py: characters a line, loose lines (word space > 0.5 em),
# hyphenated line ends, the longest hyphen ladder, widows + orphans, overfull lines; and
# with bench/short_pages.py, the pages that end more than 3 lines short (not before a
# chapter opening).
#
#   bench/typography.sh                    # A4 Letter A5 6x9, and Typst at A5
#   bench/typography.sh A5 5x8 "7in x 10in"
#
# Needs pdfmetrics.py (PDFMETRICS=path; default ../shared/tools/pdfmetrics.py beside the
# repository) with qpdf, poppler-utils, mupdf-tools and pypdf; for Typst, a pandoc >= 3.1.2
# (pip install pypandoc_binary) and Typst (pip install typst, or the typst CLI).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(A4 Letter A5 6x9)
PDFMETRICS=${PDFMETRICS:-$ROOT/../shared/tools/pdfmetrics.py}
[[ -f $PDFMETRICS ]] || {
    log "error: no pdfmetrics.py at $PDFMETRICS (set PDFMETRICS)"
    exit 2
}

build
CDIR=$BENCH_DIR/book
corpus "$CDIR" --notes 60 --photos 20 --diagrams 10 --seed 1
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# row LABEL PDF: one table row from pdfmetrics' report.
row() {
    python3 "$PDFMETRICS" "$2" 2>/dev/null | python3 -c '
import json, sys
label = sys.argv[1]
d = json.load(sys.stdin)
l = d.get("layout", {})
pct = lambda v: "%.1f %%" % (100 * v) if isinstance(v, (int, float)) else "?"
print("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
    label, d.get("info", {}).get("pages", "?"), l.get("chars_per_line_median", "?"),
    pct(l.get("loose_share")), pct(l.get("hyphenated_share")),
    l.get("max_consecutive_hyphens", "?"),
    "%s + %s" % (l.get("widows", "?"), l.get("orphans", "?")), l.get("overfull_lines", "?"),
    sys.argv[2]))
' "$1" "$(python3 "$ROOT/bench/short_pages.py" "$2")"
}

ROWS=()
for size in "${SIZES[@]}"; do
    dir=$WORK/n2b
    rm -rf "$dir"
    mkdir -p "$dir"
    ln -s "$CDIR/content" "$dir/content"
    grep -v '^pdf:' "$CDIR/notes2book.yaml" >"$dir/notes2book.yaml"
    printf 'pdf:\n  page_size: "%s"\n' "$size" >>"$dir/notes2book.yaml"
    log "notes2book at $size ..."
    (cd "$dir" && SOURCE_DATE_EPOCH=1700000000 "$N2B" --pdf -q -o "$WORK/out-n2b")
    ROWS+=("$(row "notes2book, $size" "$WORK/out-n2b/"*.pdf)")
    rm -rf "$WORK/out-n2b"
done

PANDOC_TYPST=${PANDOC_TYPST:-$(python3 -c 'import pypandoc; print(pypandoc.get_pandoc_path())' 2>/dev/null || true)}
TYPST=${TYPST:-$(command -v typst || true)}
if [[ -n $PANDOC_TYPST ]] && { [[ -n $TYPST ]] || python3 -c 'import typst' 2>/dev/null; }; then
    log "Typst at A5 ..."
    (cd "$CDIR" && "$N2B" dump 2>/dev/null) >"$WORK/dump.json"
    python3 "$ROOT/bench/concat_notes.py" "$CDIR" "$WORK/dump.json" "$WORK/book.md"
    (cd "$WORK" && "$PANDOC_TYPST" book.md -t typst -s -V papersize=a5 -o book.typ)
    if [[ -n $TYPST ]]; then
        "$TYPST" compile --root / "$WORK/book.typ" "$WORK/typst.pdf"
    else
        python3 -c 'import sys, typst; typst.compile(sys.argv[1], output=sys.argv[2], root="/")' \
            "$WORK/book.typ" "$WORK/typst.pdf"
    fi
    ROWS+=("$(row "Typst $(python3 -c 'import importlib.metadata as m; print(m.version("typst"))' 2>/dev/null || echo), A5" "$WORK/typst.pdf")")
else
    log "note: no pandoc that writes Typst or no Typst; Typst is skipped"
fi

echo "| set by, page size | pages | chars a line | loose lines | hyphenated ends | hyphen ladder | widows + orphans | overfull | short pages |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
