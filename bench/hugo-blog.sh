#!/usr/bin/env bash
# Acceptance check for the asset pipeline on a Hugo blog of realistic size: 40 posts with
# 150 images (120 photos of 2600x1950, 30 diagrams; about 135 MB) referenced as
# /images/... from figure shortcodes, Markdown images and raw <img> tags, plus two
# references to images that do not exist. Builds the EPUB and checks that it holds every
# image that exists, none over 1600 px on its long side, and that it stays under 50 MB.
#
#   bench/hugo-blog.sh           # corpus cached in $BENCH_DIR
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build
DIR=$BENCH_DIR/hugo-blog-150
corpus "$DIR" --notes 40 --photos 120 --diagrams 30 --photo-size 2600x1950 --words-per-note 800 --seed 7
# Raw <img> references (unclosed, as in real posts) to a few images, and two missing ones.
cat > "$DIR/content/raw-html.md" <<'MD'
---
title: Images in raw HTML
weight: 900
---
<p><img src="/images/photo-0001.jpg" alt="first photo"><br>
<img src=/images/diagram-0001.png alt="first diagram"></p>

<img src="/images/not-committed.jpg" alt="missing on purpose">

![also missing](/images/never-there.png)
MD
log "corpus: $(du -sh "$DIR/content/static/images" | cut -f1) of images"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
( cd "$DIR" && /usr/bin/env time -f '%e s wall, %M KB peak' "$N2B" --epub -q -o "$OUT" ) 2>&1 | tail -3
EPUB=$(ls "$OUT"/*.epub)
python3 - "$EPUB" "$DIR/content/static/images" <<'PY'
import struct, sys, zipfile, os
epub, images_dir = sys.argv[1], sys.argv[2]
def size(data):
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return struct.unpack(">II", data[16:24])
    i = 2
    while i < len(data):
        if data[i] != 0xFF: i += 1; continue
        m = data[i + 1]
        if m in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", data[i + 5:i + 9]); return (w, h)
        i += 2 + struct.unpack(">H", data[i + 2:i + 4])[0]
    raise ValueError("no size")
z = zipfile.ZipFile(epub)
imgs = [n for n in z.namelist() if n.startswith("OEBPS/images/")]
sides = [max(size(z.read(n))) for n in imgs]
existing = len([f for f in os.listdir(images_dir) if not f.startswith(".")])
mb = os.path.getsize(epub) / 1e6
print(f"EPUB {mb:.1f} MB; {len(imgs)} images in it, {existing} image files in the blog; longest side {max(sides)} px")
ok = len(imgs) == existing and max(sides) <= 1600 and mb < 50
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
