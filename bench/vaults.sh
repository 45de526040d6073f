#!/usr/bin/env bash
# Big vaults: the EPUB and the PDF of generated vaults of 500 and 2,000 notes (2,000 words
# each; a twentieth of them with an image: 1600x1200 photos and 1200x800 diagrams) in one
# run of notes2book each, with all cores and no image cache: wall time, CPU time, peak
# memory, and how the time grows from the first size to the last.
#
#   bench/vaults.sh              # 500 2000
#   bench/vaults.sh 500 2000 5000
#   MAX_MEM_MB=8000 bench/vaults.sh 5000   # a run needing more fails cleanly
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(500 2000)

build
setup_timer

declare -A ROW WALL
for n in "${SIZES[@]}"; do
    images=$((n / 20))
    dir=$BENCH_DIR/vault-$n
    corpus "$dir" --notes "$n" --photos $(((images + 1) / 2)) --diagrams $((images / 2)) \
        --photo-size 1600x1200 --diagram-size 1200x800 --words-per-note 2000 --seed 1
    out=$(mktemp -d)
    log "notes2book (EPUB and PDF) on $n notes, $RUNS runs:"
    limit=()
    [[ -n ${MAX_MEM_MB:-} ]] && limit=(prlimit --as=$((MAX_MEM_MB * 1024 * 1024)))
    read -r wall cpu peak < <(cd "$dir" && bench_runs "${limit[@]}" "$N2B" --no-cache -o "$out")
    pages=$(pdfinfo "$out"/*.pdf 2>/dev/null | awk '/^Pages:/ { print $2 }')
    epub_mb=$(du -m "$out"/*.epub | cut -f1)
    pdf_mb=$(du -m "$out"/*.pdf | cut -f1)
    rm -rf "$out"
    WALL[$n]=$wall
    ROW[$n]="| $n | $images | ${pages:-?} | $wall | $cpu | $peak | $epub_mb / $pdf_mb |"
done

echo
machine
echo
echo "| notes | images | PDF pages | wall s (median of $RUNS) | CPU s | peak RSS MB | EPUB / PDF MB |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for n in "${SIZES[@]}"; do
    echo "${ROW[$n]}"
done
first=${SIZES[0]}
last=${SIZES[${#SIZES[@]} - 1]}
if [[ $first != "$last" ]]; then
    echo
    awk -v a="${WALL[$first]}" -v b="${WALL[$last]}" -v n="$first" -v m="$last" \
        'BEGIN { printf "%s notes take %.2fx the time of %s notes (%.2fx the notes)\n", m, b / a, n, m / n }'
fi
