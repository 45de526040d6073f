#!/usr/bin/env bash
# What math costs: the same corpus (NOTES notes of 1000 words, no images) built without
# formulas and with FORMULAS formulas in all (half inline, half display: fractions, sums,
# integrals, matrices, aligned, cases, ...), EPUB and PDF each RUNS=3 times with all
# cores. The cost per formula is the difference of the medians over the formula count.
#
#   bench/math.sh                      # 100 notes, 3000 formulas
#   NOTES=200 FORMULAS=6000 bench/math.sh
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NOTES=${NOTES:-100}
FORMULAS=${FORMULAS:-3000}
per_note=$((FORMULAS / NOTES))
[[ $per_note -ge 1 ]] || {
    log "error: FORMULAS must be at least NOTES"
    exit 2
}

build
setup_timer

declare -A WALL CPU PEAK
for kind in plain math; do
    f=0
    [[ $kind == math ]] && f=$per_note
    dir=$BENCH_DIR/math-$kind-$NOTES
    corpus "$dir" --notes "$NOTES" --photos 0 --diagrams 0 --words-per-note 1000 \
        --formulas-per-note "$f" --seed 1
    check_once "$dir"
    for out in epub pdf; do
        log "notes2book --$out on $kind ($NOTES notes, $((f * NOTES)) formulas), $RUNS runs:"
        read -r wall cpu peak < <(cd "$dir" && bench_runs "$N2B" "--$out" -q -o "$BENCH_DIR/out-$kind")
        WALL[$kind-$out]=$wall
        CPU[$kind-$out]=$cpu
        PEAK[$kind-$out]=$peak
    done
done

n=$((per_note * NOTES))
echo
machine
echo
echo "| output | without math: wall s / CPU s / peak MB | with $n formulas | cost per formula, wall / CPU |"
echo "|---|---:|---:|---:|"
for out in epub pdf; do
    per=$(awk -v a="${WALL[plain-$out]}" -v b="${WALL[math-$out]}" -v n="$n" 'BEGIN { printf "%.1f µs", 1e6 * (b - a) / n }')
    per_cpu=$(awk -v a="${CPU[plain-$out]}" -v b="${CPU[math-$out]}" -v n="$n" 'BEGIN { printf "%.1f µs", 1e6 * (b - a) / n }')
    echo "| $out | ${WALL[plain-$out]} / ${CPU[plain-$out]} / ${PEAK[plain-$out]} | ${WALL[math-$out]} / ${CPU[math-$out]} / ${PEAK[math-$out]} | $per / $per_cpu |"
done
