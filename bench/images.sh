#!/usr/bin/env bash
# Image-preparation benchmark: `notes2book check` on 300 images (200 JPEG photos of
# 3000x2000 and 100 PNG diagrams) referenced from 30 notes, with --jobs 1 and with all
# cores. `check` reads, decodes, orients, downscales and re-encodes every image into its
# EPUB and PDF variants, so this measures the asset pipeline.
#
#   bench/images.sh              # RUNS=3 runs each; corpus cached in $BENCH_DIR
#   RUNS=5 BENCH_DIR=/tmp/b bench/images.sh
#   NOTES2BOOK=/tmp/old/notes2book bench/images.sh   # a given binary, no build
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build
setup_timer
DIR=$BENCH_DIR/images-200x3000
corpus "$DIR" --notes 30 --photos 200 --diagrams 100 --photo-size 3000x2000 \
    --words-per-note 1000 --seed 1

CORES=$(nproc)
log "checking once (also warms the page cache)..."
check_once "$DIR" --jobs "$CORES"

JOBS=(1)
[[ $CORES -gt 1 ]] && JOBS+=("$CORES")
declare -A WALL CPU PEAK
for jobs in "${JOBS[@]}"; do
    log "notes2book check --jobs $jobs, $RUNS runs:"
    read -r "WALL[$jobs]" "CPU[$jobs]" "PEAK[$jobs]" < <(
        cd "$DIR" && bench_runs "$N2B" check --jobs "$jobs"
    )
done

echo
machine
printf 'Corpus: %s (%s), 300 images: %s photos 3000x2000 + %s diagrams, %s notes\n' \
    "$DIR" "$(du -sh "$DIR" | cut -f1)" \
    "$(find "$DIR/content/static/images" -name 'photo-*.jpg' | wc -l)" \
    "$(find "$DIR/content/static/images" -name 'diagram-*.png' | wc -l)" \
    "$(find "$DIR/content" -name '*.md' ! -name '_index.md' | wc -l)"
echo
echo "| jobs | wall s (median of $RUNS) | CPU s (user+sys) | peak RSS MB |"
echo "|---:|---:|---:|---:|"
for jobs in "${JOBS[@]}"; do
    echo "| $jobs | ${WALL[$jobs]} | ${CPU[$jobs]} | ${PEAK[$jobs]} |"
done
echo
if [[ $CORES -gt 1 ]]; then
    awk -v a="${WALL[1]}" -v b="${WALL[$CORES]}" -v n="$CORES" \
        'BEGIN { if (b > 0) printf "Speed-up of --jobs %d over --jobs 1: %.2fx (ideal %dx)\n", n, a / b, n }'
fi
