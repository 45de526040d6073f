#!/usr/bin/env bash
# The action's install step: notes2book built from the action's own source into
# $NOTES2BOOK_HOME/bin (~/.notes2book/bin, which the action caches), unless a cached one is
# there; that folder is put on the job's PATH.
set -euo pipefail
home="${NOTES2BOOK_HOME:-$HOME/.notes2book}"
src="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
if [ -x "$home/bin/notes2book" ]; then
  echo "notes2book: using $home/bin/notes2book ($("$home/bin/notes2book" --version))"
else
  if ! command -v cargo > /dev/null; then
    echo "::error title=notes2book::cargo is not installed on this runner; add dtolnay/rust-toolchain@stable before this action"
    exit 2
  fi
  cargo install --locked --path "$src/crates/notes2book" --root "$home"
fi
echo "$home/bin" >> "${GITHUB_PATH:-/dev/null}"
