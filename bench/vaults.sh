#!/usr/bin/env bash
# Big vaults: the EPUB and the PDF of generated vaults of 500 and 2,000 notes (2,000 words
# each; a twentieth of them with an image: 1600x1200 photos and 1200x800 diagrams) in one
# run of notes2book each, with all cores and no image cache: wall time, CPU time, peak
# memory, and how the time grows from the first size to the last. The sizes take turns,
# round by round (RUNS rounds).
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

declare -A ROWS WALL ROW
for n in "${SIZES[@]}"; do
    images=$((n / 20))
    corpus "$BENCH_DIR/vault-$n" --notes "$n" --photos $(((images + 1) / 2)) \
        --diagrams $((images / 2)) --photo-size 1600x1200 --diagram-size 1200x800 \
        --words-per-note 2000 --seed 1
done
limit=()
[[ -n ${MAX_MEM_MB:-} ]] && limit=(prlimit --as=$((MAX_MEM_MB * 1024 * 1024)))
# Round by round, every size once a round: this machine's speed drifts by minutes, and a
# slow minute then costs each size alike instead of skewing their ratio.
out=$(mktemp -d)
for ((r = 1; r <= RUNS; r++)); do
    for n in "${SIZES[@]}"; do
        rm -rf "$out"/*
        read -r wall user sys kb rc < <(cd "$BENCH_DIR/vault-$n" &&
            measure "${limit[@]}" "$N2B" --no-cache -o "$out")
        [[ $rc == 0 || $rc == 1 ]] || log "warning: $n notes, round $r exited with $rc"
        log "  round $r, $n notes: wall ${wall}s user ${user}s sys ${sys}s peak $((kb / 1024)) MB"
        ROWS[$n]+="$wall $user $sys $kb"$'\n'
        if [[ $r == 1 ]]; then
            pages=$(pdfinfo "$out"/*.pdf 2>/dev/null | awk '/^Pages:/ { print $2 }')
            ROW[$n]="${pages:-?}|$(du -m "$out"/*.epub | cut -f1) / $(du -m "$out"/*.pdf | cut -f1)"
        fi
    done
done
rm -rf "$out"
mid=$(((RUNS + 1) / 2))
declare -A LINE
for n in "${SIZES[@]}"; do
    rows=${ROWS[$n]}
    wall=$(printf '%s' "$rows" | awk '{ print $1 }' | sort -n | sed -n "${mid}p")
    cpu=$(printf '%s' "$rows" | awk '{ printf "%.2f\n", $2 + $3 }' | sort -n | sed -n "${mid}p")
    peak=$(printf '%s' "$rows" | awk '$4 > m { m = $4 } END { printf "%.0f", m / 1024 }')
    WALL[$n]=$wall
    LINE[$n]="| $n | $((n / 20)) | ${ROW[$n]%%|*} | $wall | $cpu | $peak | ${ROW[$n]#*|} |"
done

echo
machine
echo
echo "| notes | images | PDF pages | wall s (median of $RUNS rounds) | CPU s | peak RSS MB | EPUB / PDF MB |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for n in "${SIZES[@]}"; do
    echo "${LINE[$n]}"
done
first=${SIZES[0]}
last=${SIZES[${#SIZES[@]} - 1]}
if [[ $first != "$last" ]]; then
    echo
    awk -v a="${WALL[$first]}" -v b="${WALL[$last]}" -v n="$first" -v m="$last" \
        'BEGIN { printf "%s notes take %.2fx the time of %s notes (%.2fx the notes)\n", m, b / a, n, m / n }'
fi
