#!/usr/bin/env bash
# notes2book side by side with what users would pick instead, measured in the same run:
#
#   notes2book --epub and --pdf, with --jobs 1 and with all cores;
#   pandoc EPUB (and a second, newer pandoc's EPUB when one is found for Typst);
#   pandoc PDF through its default engine, pdflatex (where installed);
#   Typst: the same Markdown converted by pandoc to Typst (not timed, reported apart),
#   then compiled to PDF (the `typst` CLI if on PATH, else the Python binding).
#
# pandoc and Typst get all notes concatenated into one Markdown file in notes2book's
# reading order (bench/concat_notes.py: ids and links between notes, unique footnote
# labels, figure shortcodes as images with absolute paths). Prepared once per corpus and
# cached beside it, like the corpora.
#
# Corpora (arguments; default: book book-img0 book-img120 10 100 1000):
#   book          60 notes x 2000 words (about 120,000 words of prose), 20 photos of
#                 1600x1200 + 10 diagrams of 1200x800: the issue's target book
#   book-img0     the same notes without images; book-img120: with 80 photos + 40 diagrams
#                 (how cost grows with images)
#   N             N notes x 2000 words, (N+2)/3 photos + N/6 diagrams of 800x600 (the
#                 corpora of bench/corpus.sh; how cost grows with notes)
#
# Tools are run round-robin, one at a time: each round runs every tool once, RUNS rounds
# (default 3), medians reported; a tool whose run takes more than SLOW_S seconds (default
# 60) is run once only. pandoc and Typst are skipped above COMPARE_MAX_NOTES notes (default
# 1000; a 5000-note corpus is 10 million words). MAX_MEM_MB caps notes2book's address space
# (ulimit -v), so a run that would need more memory than the machine has fails cleanly and
# is reported as failed instead of waking the OOM killer.
#
#   bench/compare.sh                       # the defaults
#   MAX_MEM_MB=12000 bench/compare.sh 2000 5000
#   RUNS=5 bench/compare.sh book
#   NOTES2BOOK=/tmp/n2b/notes2book NOTES2BOOK_REV=abc1234 GEN_CORPUS=/tmp/n2b/gen-corpus \
#       bench/compare.sh               # a given build (say of a clean checkout), no cargo
#   PANDOC=/opt/pandoc-3/bin/pandoc TYPST=/opt/typst/typst bench/compare.sh
#
# Needs: pandoc (apt-get install pandoc), for its PDF pdflatex (apt-get install
# --no-install-recommends texlive-latex-base texlive-latex-recommended
# texlive-fonts-recommended lmodern), for Typst a pandoc >= 3.1.2 (`-t typst`; Debian 12's
# is 2.17: pip install pypandoc_binary is found automatically, or PANDOC_TYPST=path) and
# Typst (pip install typst, or the typst CLI). Missing tools are skipped with a note.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CORPORA=("$@")
[[ ${#CORPORA[@]} -gt 0 ]] || CORPORA=(book book-img0 book-img120 10 100 1000)
COMPARE_MAX_NOTES=${COMPARE_MAX_NOTES:-1000}
SLOW_S=${SLOW_S:-60}
CORES=$(nproc)
START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

build
setup_timer

# --- the other tools, and their versions ---------------------------------------------

VERSIONS=()
PANDOC=${PANDOC:-pandoc}
if command -v "$PANDOC" >/dev/null 2>&1; then
    PANDOC=$(command -v "$PANDOC")
    VERSIONS+=("pandoc (EPUB, PDF): $("$PANDOC" --version | head -n 1) ($PANDOC)")
else
    log "note: no pandoc; pandoc EPUB and PDF are skipped (apt-get install pandoc)"
    PANDOC=""
fi
PDFLATEX=""
if [[ -n $PANDOC ]] && command -v pdflatex >/dev/null 2>&1; then
    PDFLATEX=$(command -v pdflatex)
    VERSIONS+=("pdflatex: $(pdflatex --version | head -n 1)")
elif [[ -n $PANDOC ]]; then
    log "note: no pdflatex; pandoc PDF is skipped (see the top of this script)"
fi

knows_typst() { "$1" --list-output-formats 2>/dev/null | grep -qx typst; }
PANDOC_TYPST=${PANDOC_TYPST:-}
if [[ -z $PANDOC_TYPST ]]; then
    if [[ -n $PANDOC ]] && knows_typst "$PANDOC"; then
        PANDOC_TYPST=$PANDOC
    else
        PANDOC_TYPST=$(python3 -c 'import pypandoc; print(pypandoc.get_pandoc_path())' 2>/dev/null || true)
    fi
fi
if [[ -n $PANDOC_TYPST ]] && knows_typst "$PANDOC_TYPST"; then
    VERSIONS+=("pandoc (to Typst): $("$PANDOC_TYPST" --version | head -n 1) ($PANDOC_TYPST)")
else
    log "note: no pandoc that writes Typst (>= 3.1.2); Typst is skipped (pip install pypandoc_binary)"
    PANDOC_TYPST=""
fi
# A second pandoc (the one that writes Typst) also gets its EPUB timed.
PANDOC2=""
if [[ -n $PANDOC_TYPST && $PANDOC_TYPST != "$PANDOC" ]]; then
    PANDOC2=$PANDOC_TYPST
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
TYPST=${TYPST:-$(command -v typst || true)}
TYPST_RUN=()
if [[ -z $PANDOC_TYPST ]]; then
    :
elif [[ -n $TYPST ]]; then
    TYPST_RUN=("$TYPST" compile --root /)
    VERSIONS+=("Typst: $("$TYPST" --version) (CLI, $TYPST)")
elif python3 -c 'import typst' 2>/dev/null; then
    cat >"$WORK/typst_compile.py" <<'EOF'
import sys, typst
typst.compile(sys.argv[1], output=sys.argv[2], root="/")
EOF
    TYPST_RUN=(python3 "$WORK/typst_compile.py")
    printf '#metadata(str(sys.version)) <v>\n' >"$WORK/v.typ"
    tv=$(python3 -c "import json, typst; print(json.loads(typst.query('$WORK/v.typ', '<v>', field='value', one=True)))" 2>/dev/null || echo '?')
    VERSIONS+=("Typst: compiler $tv (sys.version) through the Python binding typst $(python3 -c 'import importlib.metadata as m; print(m.version("typst"))') (pip; python3 start-up and import are counted)")
else
    log "note: no Typst (pip install typst, or the typst CLI on PATH); Typst is skipped"
fi

# --- measuring -------------------------------------------------------------------------

declare -A ROWS FAILED FINISHED RESULT OUTINFO

# tool_cmd KEY: run the tool KEY once on the current corpus, measured (in a subshell, so
# the memory cap stays there).
tool_cmd() {
    local key=$1
    # Not for pandoc: the GHC runtime reserves a terabyte of address space at start.
    if [[ -n ${MAX_MEM_MB:-} && $key == n2b-* ]]; then
        ulimit -v $((MAX_MEM_MB * 1024))
    fi
    case $key in
    n2b-epub-*) (cd "$CDIR" && measure "$N2B" --epub -q --jobs "${key##*-}" -o "$OUT/$key") ;;
    n2b-pdf-*) (cd "$CDIR" && measure "$N2B" --pdf -q --jobs "${key##*-}" -o "$OUT/$key") ;;
    pandoc-epub) (cd "$PDIR" && measure "$PANDOC" book.md -o "$OUT/pandoc.epub" --toc --epub-chapter-level=2) ;;
    pandoc2-epub) (cd "$PDIR" && measure "$PANDOC2" book.md -o "$OUT/pandoc2.epub" --toc --split-level=2) ;;
    pandoc-pdf) (cd "$PDIR" && measure "$PANDOC" book.md -o "$OUT/pandoc.pdf" --toc \
        -V documentclass=book --top-level-division=part) ;;
    typst-pdf) (cd "$PDIR" && measure "${TYPST_RUN[@]}" book.typ "$OUT/typst.pdf") ;;
    esac
}

# run_round KEYS...: run each tool that is not done once; a failed or slow one is done.
run_round() {
    local key out wall user sys kb rc
    for key in "$@"; do
        [[ -n ${FINISHED[$key]:-} ]] && continue
        out=$(MEASURE_LOG="$OUT/$key.log" tool_cmd "$key")
        read -r wall user sys kb rc <<<"$out"
        if [[ $rc != 0 ]]; then
            log "  $key: failed (exit $rc); see the end of its log:"
            tail -n 5 "$OUT/$key.log" >&2 || true
            FAILED[$key]="exit $rc"
            if grep -qiE 'memory allocation|cannot allocate|out of memory' "$OUT/$key.log"; then
                FAILED[$key]+=", out of memory under MAX_MEM_MB=${MAX_MEM_MB:-}"
            fi
            FINISHED[$key]=1
            continue
        fi
        log "  $key: wall ${wall}s user ${user}s sys ${sys}s peak $((kb / 1024)) MB"
        ROWS[$key]+="$wall $user $sys $kb"$'\n'
        if awk -v w="$wall" -v s="$SLOW_S" 'BEGIN { exit !(w > s) }'; then
            FINISHED[$key]=1
        fi
    done
}

# median: the median of the numbers on stdin, one a line (the mean of the middle two when
# their count is even).
median() {
    sort -n | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); printf "%.2f", NR % 2 ? v[m] : (v[m] + v[m + 1]) / 2 }'
}

# summarise KEY: "wall_median cpu_median peak_mb_max runs" of the runs of KEY.
summarise() {
    local rows=${ROWS[$1]:-}
    local n
    n=$(printf '%s' "$rows" | grep -c . || true)
    [[ $n -gt 0 ]] || return 0
    printf '%s %s %s %s\n' \
        "$(printf '%s' "$rows" | awk '{ print $1 }' | median)" \
        "$(printf '%s' "$rows" | awk '{ print $2 + $3 }' | median)" \
        "$(printf '%s' "$rows" | awk '$4 > m { m = $4 } END { printf "%.0f", m / 1024 }')" \
        "$n"
}

# describe FILE: "9.4 MB" and, for a PDF and with pdfinfo, "526 pages".
describe() {
    local f=$1 s
    [[ -f $f ]] || {
        echo "no output"
        return
    }
    s=$(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.1f MB", b / 1e6 }')
    if [[ $f == *.pdf ]] && command -v pdfinfo >/dev/null 2>&1; then
        s+=", $(pdfinfo "$f" 2>/dev/null | awk '/^Pages:/ { print $2 }') pages"
    fi
    echo "$s"
}

first() { find "$1" -maxdepth 1 -name "$2" 2>/dev/null | head -n 1; }

declare -A NOTES IMAGES WORDS MDMB TOTYPST
for c in "${CORPORA[@]}"; do
    case $c in
    book) args=(--notes 60 --photos 20 --diagrams 10) ;;
    book-img0) args=(--notes 60 --photos 0 --diagrams 0) ;;
    book-img120) args=(--notes 60 --photos 80 --diagrams 40) ;;
    *[!0-9]* | "")
        log "error: unknown corpus '$c' (book, book-img0, book-img120 or a number of notes)"
        exit 2
        ;;
    *) args=(--notes "$c" --photos $(((c + 2) / 3)) --diagrams $((c / 6))
        --photo-size 800x600 --diagram-size 800x600) ;;
    esac
    args+=(--words-per-note 2000 --seed 1)
    case $c in
    book*) CDIR=$BENCH_DIR/${c/book/book-60} ;;
    *) CDIR=$BENCH_DIR/notes-$c ;;
    esac
    corpus "$CDIR" "${args[@]}"
    check_once "$CDIR"
    NOTES[$c]=${args[1]}
    IMAGES[$c]=$((args[3] + args[5]))
    WORDS[$c]=$(find "$CDIR/content" -name '*.md' -exec cat {} + | wc -w)
    MDMB[$c]=$(find "$CDIR/content" -name '*.md' -exec cat {} + | wc -c | awk '{ printf "%.1f", $1 / 1e6 }')
    OUT=$WORK/$c
    mkdir -p "$OUT"

    KEYS=(n2b-epub-1)
    [[ $CORES -gt 1 ]] && KEYS+=("n2b-epub-$CORES")
    KEYS+=(n2b-pdf-1)
    [[ $CORES -gt 1 ]] && KEYS+=("n2b-pdf-$CORES")
    PDIR=$CDIR.pandoc
    if [[ ${NOTES[$c]} -le $COMPARE_MAX_NOTES && (-n $PANDOC || -n $PANDOC_TYPST) ]]; then
        # The concatenated Markdown, remade when the corpus or the script changes.
        want="$(<"$CDIR/.gen-corpus")$(cksum <"$ROOT/bench/concat_notes.py")"
        if [[ ! -f $PDIR/book.md || "$(cat "$PDIR/.source" 2>/dev/null)" != "$want" ]]; then
            log "concatenating the notes for pandoc and Typst into $PDIR/book.md ..."
            mkdir -p "$PDIR"
            rm -f "$PDIR/book.typ" "$PDIR/.source"
            t0=$(date +%s.%N)
            (cd "$CDIR" && "$N2B" dump 2>/dev/null) >"$WORK/dump.json"
            python3 "$ROOT/bench/concat_notes.py" "$CDIR" "$WORK/dump.json" "$PDIR/book.md"
            rm -f "$WORK/dump.json"
            printf '%s' "$want" >"$PDIR/.source"
            log "  made in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s (dump and concatenation, not counted)"
        fi
        [[ -n $PANDOC ]] && KEYS+=(pandoc-epub)
        [[ -n $PANDOC2 ]] && KEYS+=(pandoc2-epub)
        [[ -n $PDFLATEX ]] && KEYS+=(pandoc-pdf)
        if [[ ${#TYPST_RUN[@]} -gt 0 ]]; then
            log "converting to Typst with $("$PANDOC_TYPST" --version | head -n 1) (not counted) ..."
            read -r wall _ <<<"$(cd "$PDIR" && measure "$PANDOC_TYPST" book.md -t typst -s --toc -o book.typ)"
            TOTYPST[$c]=$wall
            KEYS+=(typst-pdf)
        fi
    else
        log "pandoc and Typst skipped on $c notes (COMPARE_MAX_NOTES=$COMPARE_MAX_NOTES)"
    fi

    log "corpus $c ($CDIR): ${NOTES[$c]} notes, ${IMAGES[$c]} images, ${WORDS[$c]} words; $RUNS rounds of: ${KEYS[*]}"
    for ((round = 1; round <= RUNS; round++)); do
        log " round $round of $RUNS (load average $(cut -d' ' -f1 /proc/loadavg)):"
        run_round "${KEYS[@]}"
    done
    for key in "${KEYS[@]}"; do
        if [[ -n ${FAILED[$key]:-} ]]; then
            RESULT[$c/$key]="failed"
            OUTINFO[$c/$key]=${FAILED[$key]}
        else
            RESULT[$c/$key]=$(summarise "$key")
            case $key in
            n2b-epub-*) OUTINFO[$c/$key]=$(describe "$(first "$OUT/$key" '*.epub')") ;;
            n2b-pdf-*) OUTINFO[$c/$key]=$(describe "$(first "$OUT/$key" '*.pdf')") ;;
            pandoc-epub) OUTINFO[$c/$key]=$(describe "$OUT/pandoc.epub") ;;
            pandoc2-epub) OUTINFO[$c/$key]=$(describe "$OUT/pandoc2.epub") ;;
            pandoc-pdf) OUTINFO[$c/$key]=$(describe "$OUT/pandoc.pdf") ;;
            typst-pdf) OUTINFO[$c/$key]=$(describe "$OUT/typst.pdf") ;;
            esac
        fi
    done
    unset ROWS FAILED FINISHED
    declare -A ROWS FAILED FINISHED
    rm -rf "$OUT"
done

# Python start-up and import, counted in every Typst time when the binding is used.
TYPST_START=""
if [[ ${TYPST_RUN[0]:-} == python3 ]]; then
    printf 'Hello.\n' >"$WORK/empty.typ"
    read -r TYPST_START _ <<<"$(cd "$WORK" && measure "${TYPST_RUN[@]}" empty.typ empty.pdf)"
fi

# --- report ----------------------------------------------------------------------------

label() {
    case $1 in
    n2b-epub-*) echo "notes2book EPUB | ${1##*-}" ;;
    n2b-pdf-*) echo "notes2book PDF | ${1##*-}" ;;
    pandoc-epub) echo "pandoc $("$PANDOC" --version | awk 'NR == 1 { print $2 }') EPUB | —" ;;
    pandoc2-epub) echo "pandoc $("$PANDOC2" --version | awk 'NR == 1 { print $2 }') EPUB | —" ;;
    pandoc-pdf) echo "pandoc + pdflatex PDF | —" ;;
    typst-pdf) echo "Typst PDF | —" ;;
    esac
}

wall_of() { awk '{ print $1 }' <<<"${RESULT[$1]:-}"; }
cpu_of() { awk '{ print $2 }' <<<"${RESULT[$1]:-}"; }
ratio() {
    # ratio OTHER N2B: how many times longer OTHER takes than N2B.
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "failed") print "—"; else if (b + 0 == 0) print "n/a (under 0.01 s)"; else printf "%.1f×", a / b }'
}

echo
machine
echo "Load average at the start: $START_LOAD (other work on the machine slows every tool alike; the rounds interleave the tools)"
if [[ -z ${NOTES2BOOK:-} ]]; then
    echo "notes2book: $("$N2B" --version), commit $(git -C "$ROOT" describe --always --dirty), release build"
else
    echo "notes2book: $("$N2B" --version) ($N2B${NOTES2BOOK_REV:+, commit $NOTES2BOOK_REV})"
fi
for v in "${VERSIONS[@]}"; do echo "$v"; done
echo

echo "| corpus | tool | jobs | wall s | CPU s | peak RSS MB | output | runs |"
echo "|---|---|---:|---:|---:|---:|---|---:|"
for c in "${CORPORA[@]}"; do
    name="$c: ${NOTES[$c]} notes, ${IMAGES[$c]} images, $((WORDS[$c] / 1000))k words"
    for key in n2b-epub-1 "n2b-epub-$CORES" n2b-pdf-1 "n2b-pdf-$CORES" pandoc-epub pandoc2-epub pandoc-pdf typst-pdf; do
        [[ -n ${RESULT[$c/$key]:-} ]] || continue
        if [[ ${RESULT[$c/$key]} == failed ]]; then
            echo "| $name | $(label "$key") | failed | | | ${OUTINFO[$c/$key]} | |"
        else
            read -r wall cpu peak n <<<"${RESULT[$c/$key]}"
            echo "| $name | $(label "$key") | $wall | $cpu | $peak | ${OUTINFO[$c/$key]} | $n |"
        fi
        name=""
    done
done
echo
echo "Times are medians over the runs (GNU time: wall, user+sys of the tool and the children it"
echo "waits for; peak RSS is the largest single process). Ratios: how many times longer the other"
echo "tool takes than notes2book with all $CORES cores (wall; CPU in brackets)."
echo
# both KEY N2B-KEY CORPUS: "wall ratio (CPU ratio)".
both() {
    echo "$(ratio "$(wall_of "$3/$1")" "$(wall_of "$3/$2")") ($(ratio "$(cpu_of "$3/$1")" "$(cpu_of "$3/$2")"))"
}
v1=$([[ -n $PANDOC ]] && "$PANDOC" --version | awk 'NR == 1 { print $2 }')
v2=$([[ -n $PANDOC2 ]] && "$PANDOC2" --version | awk 'NR == 1 { print $2 }')
echo "| corpus | EPUB: pandoc $v1 ÷ notes2book | EPUB: pandoc ${v2:-(none)} ÷ notes2book | PDF: Typst ÷ notes2book | PDF: pandoc+pdflatex ÷ notes2book | pandoc → Typst conversion s (not counted) |"
echo "|---|---:|---:|---:|---:|---:|"
for c in "${CORPORA[@]}"; do
    [[ -n ${RESULT[$c/pandoc-epub]:-}${RESULT[$c/typst-pdf]:-} ]] || continue
    echo "| $c | $(both pandoc-epub "n2b-epub-$CORES" "$c") | $(both pandoc2-epub "n2b-epub-$CORES" "$c") | $(both typst-pdf "n2b-pdf-$CORES" "$c") | $(both pandoc-pdf "n2b-pdf-$CORES" "$c") | ${TOTYPST[$c]:-—} |"
done
if [[ -n $TYPST_START ]]; then
    echo
    echo "Typst through Python: python3 start-up, import and an empty document take ${TYPST_START} s, counted in every Typst time above."
fi

# Growth: milliseconds per note (all cores) over the notes series, per image over the
# book series.
SERIES=()
for c in "${CORPORA[@]}"; do [[ $c == *[!0-9]* ]] || SERIES+=("$c"); done
if [[ ${#SERIES[@]} -gt 1 ]]; then
    per() { awk -v w="$1" -v n="$2" 'BEGIN { if (w == "" || w == "failed") print "—"; else printf "%.1f", 1000 * w / n }'; }
    echo
    echo "Cost per note, ms ÷ notes (notes2book with all $CORES cores; CPU time is the steadier"
    echo "measure when the machine is shared):"
    echo
    echo "| notes | images | Markdown MB | notes2book EPUB wall | CPU | notes2book PDF wall | CPU | pandoc EPUB wall | pandoc+pdflatex PDF wall | Typst PDF wall |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for c in "${SERIES[@]}"; do
        echo "| $c | ${IMAGES[$c]} | ${MDMB[$c]} | $(per "$(wall_of "$c/n2b-epub-$CORES")" "$c") | $(per "$(cpu_of "$c/n2b-epub-$CORES")" "$c") | $(per "$(wall_of "$c/n2b-pdf-$CORES")" "$c") | $(per "$(cpu_of "$c/n2b-pdf-$CORES")" "$c") | $(per "$(wall_of "$c/pandoc-epub")" "$c") | $(per "$(wall_of "$c/pandoc-pdf")" "$c") | $(per "$(wall_of "$c/typst-pdf")" "$c") |"
    done
fi
if [[ -n ${RESULT[book-img0/n2b-epub-$CORES]:-} && -n ${RESULT[book-img120/n2b-epub-$CORES]:-} ]]; then
    img() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "failed" || b == "failed") print "—"; else printf "%.0f", 1000 * (b - a) / 120 }'; }
    echo
    echo "Cost per image (wall ms, (book-img120 − book-img0) ÷ 120 images of 1600×1200 and 1200×800):"
    echo
    echo "| notes2book EPUB, 1 job | notes2book EPUB, $CORES jobs | notes2book PDF, 1 job | notes2book PDF, $CORES jobs | pandoc EPUB | pandoc+pdflatex PDF | Typst PDF |"
    echo "|---:|---:|---:|---:|---:|---:|---:|"
    row="|"
    for key in n2b-epub-1 "n2b-epub-$CORES" n2b-pdf-1 "n2b-pdf-$CORES" pandoc-epub pandoc-pdf typst-pdf; do
        row+=" $(img "$(wall_of "book-img0/$key")" "$(wall_of "book-img120/$key")") |"
    done
    echo "$row"
fi
