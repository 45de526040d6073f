#!/usr/bin/env bash
# The action's build step: the books built with the commit's time as SOURCE_DATE_EPOCH (the
# same commit gives the same bytes), diagnostics as workflow commands (each shown on its
# line in a pull request), the books' paths as the step's outputs.
set -euo pipefail
bin="${NOTES2BOOK:-notes2book}"
out="${INPUT_OUT:-book}"
if [ -z "${SOURCE_DATE_EPOCH:-}" ] && commit_time=$(git log -1 --format=%ct 2> /dev/null); then
  export SOURCE_DATE_EPOCH="$commit_time"
fi
args=(--message-format github -o "$out")
case "${INPUT_FORMATS:-epub pdf}" in *epub*) args+=(--epub) ;; esac
case "${INPUT_FORMATS:-epub pdf}" in *pdf*) args+=(--pdf) ;; esac
if [ "${INPUT_STRICT:-true}" = "true" ]; then args+=(--strict); fi
if [ -n "${INPUT_INPUT:-}" ]; then args+=("$INPUT_INPUT"); fi
# More arguments, split at spaces as a shell would.
read -r -a more <<< "${INPUT_ARGS:-}"
"$bin" "${args[@]}" "${more[@]}"
{
  echo "dir=$out"
  for kind in epub pdf; do
    for f in "$out"/*."$kind"; do
      if [ -f "$f" ]; then echo "$kind=$f"; fi
    done
  done
} >> "${GITHUB_OUTPUT:-/dev/null}"
