#!/usr/bin/env bash
# How the cost of `notes2book check` grows with the number of notes: corpora of 10, 100
# and 1000 notes (2000 words each, about notes/2 small images: 800x600 photos and
# diagrams), each checked RUNS=3 times with all cores.
#
#   bench/corpus.sh                  # 10 100 1000
#   bench/corpus.sh 10 100 1000 5000 # other sizes
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(10 100 1000)

build
setup_timer

declare -A ROW
for n in "${SIZES[@]}"; do
    photos=$(((n + 2) / 3))
    diagrams=$((n / 6))
    dir=$BENCH_DIR/notes-$n
    corpus "$dir" --notes "$n" --photos "$photos" --diagrams "$diagrams" \
        --photo-size 800x600 --diagram-size 800x600 --words-per-note 2000 --seed 1
    check_once "$dir"
    log "notes2book check on $n notes, $RUNS runs:"
    read -r wall cpu peak < <(cd "$dir" && bench_runs "$N2B" check)
    md_bytes=$(find "$dir/content" -name '*.md' -exec cat {} + | wc -c)
    ms_note=$(awk -v w="$wall" -v n="$n" 'BEGIN { printf "%.1f", 1000 * w / n }')
    ROW[$n]="| $n | $((photos + diagrams)) | $(awk -v b="$md_bytes" 'BEGIN { printf "%.1f", b / 1e6 }') | $(du -sh "$dir" | cut -f1) | $wall | $cpu | $peak | $ms_note |"
done

echo
machine
echo
echo "| notes | images | Markdown MB | corpus size | wall s (median of $RUNS) | CPU s | peak RSS MB | ms per note |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in "${SIZES[@]}"; do
    echo "${ROW[$n]}"
done
