#!/usr/bin/env python3
"""Count the pages of a PDF that end short: more than LINES lines (default 3) between a
page's last line of text and the foot of the text block. A page before a chapter opening
(a page whose text starts lower than other pages' text) and the last page are not counted,
nor is the folio (a number alone at the foot).

    short_pages.py BOOK.pdf [LINES] [-v]

Prints the count; with -v, each short page and by how many lines. Needs poppler-utils.
"""
import re
import statistics
import subprocess
import sys


def pages_lines(path):
    """Per page, its lines as (top, bottom, text), the folio left out."""
    xml = subprocess.run(['pdftotext', '-bbox-layout', path, '-'],
                         capture_output=True, text=True, check=True).stdout
    pages = []
    for page in re.split(r'<page ', xml)[1:]:
        height = float(re.search(r'height="([\d.]+)"', page).group(1))
        lines = []
        for ln in re.findall(r'<line (.*?)</line>', page, re.S):
            top, bottom = (float(v) for v in re.search(
                r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', ln).groups())
            text = ' '.join(re.findall(r'>([^<]*)</word>', ln)).strip()
            lines.append((top, bottom, text))
        if lines:
            low = max(lines, key=lambda l: l[1])
            if re.fullmatch(r'[0-9ivxlcdm]+', low[2]):
                lines.remove(low)
        # the running head sits in the top 6 % of the page
        pages.append([l for l in lines if l[0] > height * 0.06])
    return pages


def main():
    args = [a for a in sys.argv[1:] if a != '-v']
    verbose = '-v' in sys.argv
    path = args[0]
    limit = float(args[1]) if len(args) > 1 else 3.0
    pages = pages_lines(path)
    tops = sorted(l[0] for p in pages for l in p)
    pitches = [round(p[k + 1][0] - p[k][0], 1) for p in pages for k in range(len(p) - 1)
               if 5 < p[k + 1][0] - p[k][0] < 30]
    leading = statistics.mode(pitches) if pitches else 12.0
    foot = max((max(l[1] for l in p) for p in pages if p), default=0.0)
    top = statistics.mode(round(min(l[0] for l in p)) for p in pages if p) if tops else 0
    opens = {k for k, p in enumerate(pages) if p and min(l[0] for l in p) > top + 2 * leading}
    short = []
    for k, p in enumerate(pages):
        if not p or k + 1 >= len(pages) or (k + 1) in opens:
            continue
        gap = (foot - max(l[1] for l in p)) / leading
        if gap > limit:
            short.append((k + 1, gap))
    print(len(short))
    if verbose:
        for page, gap in short:
            print(f'page {page}: {gap:.1f} lines short', file=sys.stderr)


if __name__ == '__main__':
    main()
