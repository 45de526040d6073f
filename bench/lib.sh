# Shared helpers for the benchmark scripts in bench/; sourced, not run.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-$HOME/.cache/notes2book-bench}
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release
RUNS=${RUNS:-3}
# NOTES2BOOK=/path/to/notes2book benchmarks that binary instead of building one;
# GEN_CORPUS=/path/to/gen-corpus uses that generator instead of building it.
N2B=${NOTES2BOOK:-$BIN/notes2book}
GEN=${GEN_CORPUS:-$BIN/gen-corpus}

log() { printf '%s\n' "$*" >&2; }

# Build gen-corpus and (unless NOTES2BOOK is set) notes2book in release mode; cargo may
# wait for the build lock.
build() {
    if [[ -n ${NOTES2BOOK:-} ]]; then
        [[ -x $N2B ]] || {
            log "error: NOTES2BOOK=$N2B is not an executable"
            exit 2
        }
        log "benchmarking $N2B (not building notes2book)"
    else
        log "building notes2book (release)..."
        (cd "$ROOT" && cargo build --release --quiet -p notes2book --bin notes2book)
    fi
    if [[ -n ${GEN_CORPUS:-} ]]; then
        [[ -x $GEN ]] || {
            log "error: GEN_CORPUS=$GEN is not an executable"
            exit 2
        }
    else
        log "building gen-corpus (release)..."
        (cd "$ROOT" && cargo build --release --quiet -p notes2book-tests --bin gen-corpus)
    fi
    log "notes2book: $("$N2B" --version 2>/dev/null || echo '?')"
}

# corpus DIR GEN-CORPUS-ARGS...: generate DIR once; reuse it while its .gen-corpus marker
# matches what these arguments would produce.
corpus() {
    local dir=$1
    shift
    local want have=""
    want=$("$GEN" "$dir" "$@" --fingerprint)
    [[ -f $dir/.gen-corpus ]] && have=$(<"$dir/.gen-corpus")
    if [[ $have == "$want" ]]; then
        log "reusing $dir"
        return
    fi
    log "generating $dir ..."
    mkdir -p "$(dirname "$dir")"
    local force=()
    [[ -e $dir ]] && force=(--force)
    "$GEN" "$dir" "$@" "${force[@]}" >&2
}

# Pick a way to measure wall time, CPU time and peak RSS: GNU time, else python3.
setup_timer() {
    if /usr/bin/time -f '%e' true >/dev/null 2>&1; then
        TIMER=gnu
        return
    fi
    if command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
        log "installing GNU time (apt package 'time')..."
        if apt-get install -y -qq time >/dev/null 2>&1 && /usr/bin/time -f '%e' true >/dev/null 2>&1; then
            TIMER=gnu
            return
        fi
    fi
    command -v python3 >/dev/null 2>&1 || {
        log "error: need /usr/bin/time (apt-get install time) or python3"
        exit 2
    }
    log "using python3's resource module to measure (no GNU time)"
    TIMER=python
}

# measure CMD...: run CMD with its output discarded (stderr appended to $MEASURE_LOG if
# set); print "wall user sys peak_kb rc". CPU time and peak RSS include the children CMD
# waits for (pdflatex under pandoc, say).
measure() {
    local errlog=${MEASURE_LOG:-/dev/null}
    if [[ $TIMER == gnu ]]; then
        local t rc=0
        t=$(mktemp)
        /usr/bin/time -f '%e %U %S %M' -o "$t" "$@" >/dev/null 2>>"$errlog" || rc=$?
        printf '%s %s\n' "$(tail -n 1 "$t")" "$rc"
        rm -f "$t"
    else
        python3 - "$errlog" "$@" <<'EOF'
import resource, subprocess, sys, time
t = time.monotonic()
with open(sys.argv[1], "ab") as err:
    rc = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=err).returncode
wall = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.2f} {r.ru_utime:.2f} {r.ru_stime:.2f} {r.ru_maxrss} {rc}")
EOF
    fi
}

# bench_runs CMD...: run CMD $RUNS times in the current folder; print
# "wall_median cpu_median peak_mb_max".
bench_runs() {
    local i out rows=""
    for ((i = 1; i <= RUNS; i++)); do
        out=$(measure "$@")
        read -r wall user sys kb rc <<<"$out"
        if [[ $rc != 0 && $rc != 1 ]]; then
            log "warning: run $i exited with $rc: $*"
        fi
        log "  run $i: wall ${wall}s user ${user}s sys ${sys}s peak $((kb / 1024)) MB"
        rows+="$wall $user $sys $kb"$'\n'
    done
    local mid=$(((RUNS + 1) / 2))
    printf '%s %s %s\n' \
        "$(printf '%s' "$rows" | awk '{ print $1 }' | sort -n | sed -n "${mid}p")" \
        "$(printf '%s' "$rows" | awk '{ printf "%.2f\n", $2 + $3 }' | sort -n | sed -n "${mid}p")" \
        "$(printf '%s' "$rows" | awk '$4 > m { m = $4 } END { printf "%.0f", m / 1024 }')"
}

# check_once DIR ARGS...: run `notes2book check` once from DIR, show the summary and
# stop if it reports errors.
check_once() {
    local dir=$1
    shift
    local errf rc=0
    errf=$(mktemp)
    (cd "$dir" && "$N2B" check "$@") 2>"$errf" || rc=$?
    log "  notes2book check: $(tail -n 1 "$errf") (exit $rc)"
    if [[ $rc != 0 ]] || grep -q 'warning\[' "$errf"; then
        grep -E '(warning|error)\[' "$errf" | head -n 20 >&2 || true
    fi
    rm -f "$errf"
    if [[ $rc != 0 ]]; then
        log "error: notes2book check failed on $dir"
        exit 1
    fi
}

machine() {
    local mem
    mem=$(free -h 2>/dev/null | awk '/^Mem:/ { print $2 }')
    printf 'Machine: %s cores (nproc), %s RAM, %s; load average (1, 5, 15 min) at the end: %s\n' \
        "$(nproc)" "${mem:-?}" \
        "$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)" \
        "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
}
