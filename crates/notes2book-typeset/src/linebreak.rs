//! Knuth–Plass total-fit line breaking (Knuth & Plass 1981, as in TeX's `line_break`).
//!
//! [`break_lines`] chooses all the breaks of a paragraph at once so that the sum of the
//! demerits of its lines is least, instead of filling one line after another. The caller
//! turns text into [`Item`]s (boxes for words, glue for spaces, flagged penalties for
//! hyphenation points) and gets back [`Line`]s with the adjustment ratio for each one.
//!
//! As in TeX, up to three passes run: without hyphenation at [`Params::pretolerance`], with
//! it at [`Params::tolerance`], and an emergency pass that accepts any line that is not
//! overfull, so that every paragraph gets a result; overfull and underfull lines are
//! reported in [`Breaks`] rather than hidden.
//!
//! Cost is linear in the number of items for ordinary paragraphs: only nodes from which a
//! line could still fit stay active, and line numbers are told apart only while the measure
//! still changes from line to line (TeX's `easy_line`).

/// One element of a paragraph, in points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Item {
    /// Unbreakable material (a word or word fragment).
    Box { width: f32 },
    /// Interword space: breakable when it follows a box. Shrink beyond the width is not
    /// used (glue never becomes negative).
    Glue {
        width: f32,
        stretch: f32,
        shrink: f32,
    },
    /// A possible break. `width` is material added at the line end if broken here
    /// (a hyphen); `penalty` ≥ 10000 forbids, ≤ -10000 forces; `flagged` marks hyphen breaks.
    Penalty {
        width: f32,
        penalty: f32,
        flagged: bool,
    },
}

/// A penalty at or above this forbids a break; at or below its negative forces one.
pub const INFINITY_PENALTY: f32 = 10000.0;

/// How lines are judged. Values are TeX's, with tolerances given as adjustment ratios.
#[derive(Debug, Clone)]
pub struct Params {
    /// Largest adjustment ratio accepted in the first pass (TeX pretolerance 100 ≈ ratio 1.0);
    /// the first pass ignores flagged (hyphen) breaks. Negative skips the first pass.
    pub pretolerance: f32,
    /// Largest ratio in the second pass, which uses hyphen breaks (TeX tolerance 200 ≈ 1.26).
    pub tolerance: f32,
    /// Extra stretch per line, in points, allowed in a final emergency pass (TeX
    /// emergencystretch). It only steers the choice: lines are set with their real glue.
    pub emergency_stretch: f32,
    /// Demerits for every line, so that fewer lines are preferred (10).
    pub line_penalty: f32,
    /// Not used by the breaker itself (penalties carry it); kept for callers (50).
    pub hyphen_penalty: f32,
    /// Extra demerits for two hyphenated lines in a row (10000).
    pub double_hyphen_demerits: f32,
    /// Extra demerits for a hyphen on the second-last line (5000).
    pub final_hyphen_demerits: f32,
    /// Extra demerits when the fitness class jumps by more than one between lines (10000).
    pub adj_demerits: f32,
    /// At most this many hyphenated lines in a row where any other solution exists (2).
    pub max_consecutive_hyphens: usize,
    /// Ragged-right mode (headings, table cells, captions): glue is set at its natural width,
    /// lines are chosen to be of even length using this fixed stretch per line as the
    /// badness basis.
    pub ragged: bool,
    /// The stretch every line is assumed to have in ragged mode (3 em).
    pub ragged_stretch: f32,
    /// Font expansion (micro-typography): the share by which the boxes of a line may be
    /// widened or narrowed, as glue is stretched or shrunk (0.02: ±2 %; 0: none).
    pub expansion: f32,
    /// TeX \looseness: 0 = optimum; +1/-1 try for one line more/fewer. Honoured as closely
    /// as the tolerance allows in the first two passes, for paragraphs of at most 5000 items;
    /// the emergency pass ignores it. [`Breaks::looseness`] says what was achieved.
    pub looseness: i32,
}

impl Params {
    /// Justified text at `font_size` points: TeX's plain values, emergency stretch 3 em.
    pub fn justified(font_size: f32) -> Self {
        let em = clean(font_size) as f32;
        Self {
            pretolerance: 1.0,
            tolerance: 1.26,
            emergency_stretch: 3.0 * em,
            line_penalty: 10.0,
            hyphen_penalty: 50.0,
            double_hyphen_demerits: 10000.0,
            final_hyphen_demerits: 5000.0,
            adj_demerits: 10000.0,
            max_consecutive_hyphens: 2,
            ragged: false,
            ragged_stretch: 3.0 * em,
            expansion: 0.0,
            looseness: 0,
        }
    }

    /// Ragged-right text at `font_size` points: as [`Params::justified`], lines balanced
    /// against a stretch of 3 em.
    pub fn ragged(font_size: f32) -> Self {
        Self {
            ragged: true,
            ..Self::justified(font_size)
        }
    }
}

/// One line of the result.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// First item of the line (glue and penalties after a break are discarded, as in TeX).
    /// Equal to `end` for the empty line between two forced breaks in a row.
    pub start: usize,
    /// The break: index of the glue or penalty where the line ends, or `items.len()` for
    /// the last line (whose content ends at the last box: trailing glue and penalties are
    /// not measured).
    pub end: usize,
    /// Adjustment ratio to apply to the line's glue: width = natural + ratio*stretch
    /// (ratio ≥ 0) or natural + ratio*shrink (ratio < 0). Never below -1. Always 0 in
    /// ragged mode, on the paragraph's last line and lines ending at a forced break when they
    /// are short (they are set at natural width unless they would need shrinking), and on
    /// lines that have no stretch at all.
    pub ratio: f32,
    /// The line ends at a flagged penalty: draw the penalty's material (a hyphen).
    pub hyphenated: bool,
    /// Natural width of the line's content including the penalty's width if it ends at one.
    pub natural: f32,
}

/// The chosen lines and what went wrong with them.
#[derive(Debug, Clone, Default)]
pub struct Breaks {
    pub lines: Vec<Line>,
    /// Indices into `lines` of lines that could not be made to fit: either a single box
    /// wider than the line (the caller is expected to pre-split such boxes; the line is
    /// still returned so nothing is lost) or too tight even at full shrink. Such a line has
    /// ratio -1 (0 in ragged mode) and sticks out of the measure. Never empty silently:
    /// callers report these.
    pub overfull: Vec<usize>,
    /// Lines whose ratio exceeds `tolerance` (set loose in the emergency pass), including
    /// short lines with no stretch at all. In ragged mode: lines shorter than the measure
    /// by more than `tolerance * ragged_stretch`.
    pub underfull: Vec<usize>,
    /// Which pass succeeded: 1, 2 or 3 (emergency); 0 when there was nothing to break.
    pub pass: u8,
    /// Total demerits of the chosen breaks (for diagnostics and tests).
    pub demerits: f64,
    /// Lines more (positive) or fewer than the optimum, as asked by [`Params::looseness`].
    pub looseness: i32,
}

/// Break `items` into lines. `line_width(i)` is the measure of line i (0-based), allowing
/// indents or shaped paragraphs.
///
/// The caller does NOT append the paragraph end: break_lines behaves as if a `\parfillskip`
/// (glue with infinite stretch) and a forced break followed the last box. Input without a
/// box gives no lines. Forced breaks inside the items are honoured; a line ending at one
/// that is short is set at natural width (ratio 0), like the last line; glue just before a
/// forced break stays in its line, as in TeX. Non-finite or negative widths, stretches and
/// shrinks count as 0.
pub fn break_lines(items: &[Item], line_width: &dyn Fn(usize) -> f32, params: &Params) -> Breaks {
    let Some(para) = Paragraph::new(items, line_width, params) else {
        return Breaks::default();
    };
    let want = if params.looseness != 0 && items.len() <= LOOSENESS_MAX_ITEMS {
        params.looseness
    } else {
        0
    };
    let first = Pass {
        max_badness: max_badness(params.pretolerance),
        hyphens: false,
        extra_stretch: 0.0,
        emergency: false,
        exact_lines: want != 0,
    };
    let mut fallback = None;
    if params.pretolerance >= 0.0
        && let Some(found) = para.run(&first, want)
    {
        if found.looseness == want {
            return para.finish(&found, 1);
        }
        fallback = Some(found);
    }
    let second = Pass {
        max_badness: max_badness(params.tolerance),
        hyphens: true,
        ..first
    };
    if let Some(found) = para.run(&second, want) {
        return para.finish(&found, 2);
    }
    if let Some(found) = fallback {
        return para.finish(&found, 1);
    }
    let emergency = Pass {
        max_badness: f64::INFINITY,
        hyphens: true,
        extra_stretch: clean(params.emergency_stretch),
        emergency: true,
        exact_lines: false,
    };
    match para.run(&emergency, 0) {
        Some(found) => para.finish(&found, 3),
        // Not reached: the emergency pass keeps one node alive at every break.
        None => para.everything_on_one_line(),
    }
}

/// Widths differing by less than this count as equal (a thousandth of a point).
const EPS: f64 = 1e-3;
/// Badness of a line that cannot stretch enough (TeX's inf_bad).
const INF_BAD: f64 = 10_000.0;
/// Demerits for a hyphenated line beyond `max_consecutive_hyphens` in the emergency pass,
/// far above any sum of ordinary line demerits.
const RUN_DEMERITS: f64 = 1e10;
/// Looseness needs every line count kept apart, which costs time quadratic in the number
/// of lines; beyond this many items it is ignored.
const LOOSENESS_MAX_ITEMS: usize = 5_000;
const NO_NODE: usize = usize::MAX;

const VERY_LOOSE: u8 = 0;
const LOOSE: u8 = 1;
const DECENT: u8 = 2;
const TIGHT: u8 = 3;

/// A length from the caller: NaN, infinite and negative values count as 0.
fn clean(x: f32) -> f64 {
    if x.is_finite() && x > 0.0 {
        f64::from(x)
    } else {
        0.0
    }
}

const PENALTY_LIMIT: f64 = INFINITY_PENALTY as f64;

/// A penalty from the caller, within ±[`INFINITY_PENALTY`]; NaN counts as 0.
fn penalty_value(p: f32) -> f64 {
    finite(p.clamp(-INFINITY_PENALTY, INFINITY_PENALTY))
}

/// A demerit parameter: NaN and infinities count as 0.
fn finite(x: f32) -> f64 {
    if x.is_finite() { f64::from(x) } else { 0.0 }
}

/// The largest badness a pass accepts for a ratio tolerance (TeX works in badness).
fn max_badness(tolerance: f32) -> f64 {
    if tolerance.is_nan() {
        -1.0
    } else {
        let t = f64::from(tolerance);
        100.0 * t * t * t
    }
}

/// 100·|r|³, at most [`INF_BAD`].
fn badness(r: f64) -> f64 {
    let a = r.abs();
    if a.is_finite() {
        (100.0 * a * a * a).min(INF_BAD)
    } else {
        INF_BAD
    }
}

/// TeX's four fitness classes, from very loose to tight.
fn fitness(r: f64, badness: f64) -> u8 {
    if r > 0.0 {
        if badness > 99.0 {
            VERY_LOOSE
        } else if badness > 12.0 {
            LOOSE
        } else {
            DECENT
        }
    } else if badness > 12.0 {
        TIGHT
    } else {
        DECENT
    }
}

/// The adjustment ratio of a line that falls `shortfall` short of the measure, or `None`
/// when it is overfull. `natural_end` lines (paragraph end, forced breaks) have infinite
/// stretch; a line without stretch that is short gets an infinite ratio.
fn adjustment(shortfall: f64, stretch: f64, shrink: f64, natural_end: bool) -> Option<f64> {
    if shortfall > EPS {
        Some(if natural_end {
            0.0
        } else if stretch > 0.0 {
            shortfall / stretch
        } else {
            f64::INFINITY
        })
    } else if shortfall < -EPS {
        if -shortfall > shrink + EPS {
            None
        } else {
            Some((shortfall / shrink).max(-1.0))
        }
    } else {
        Some(0.0)
    }
}

/// A place where a line may end.
#[derive(Debug, Clone)]
struct Breakpoint {
    /// End of the line's measured content (the break's index, or the end of the last box).
    end: usize,
    /// Index reported in [`Line::end`].
    item: usize,
    width: f64,
    penalty: f64,
    flagged: bool,
    forced: bool,
    last: bool,
    /// First item of the line after this break.
    next_start: usize,
}

/// The paragraph, cleaned and summed, shared by the passes.
struct Paragraph<'p> {
    params: &'p Params,
    /// Prefix sums: `width[i]` is the natural width of items `0..i`.
    width: Vec<f64>,
    stretch: Vec<f64>,
    shrink: Vec<f64>,
    breakpoints: Vec<Breakpoint>,
    /// The measure of each line that can exist (there are no more lines than breakpoints).
    measures: Vec<f64>,
    /// From this line on, every line has the same measure.
    easy_line: usize,
    item_count: usize,
}

/// How one pass judges lines.
#[derive(Debug, Clone, Copy)]
struct Pass {
    max_badness: f64,
    hyphens: bool,
    extra_stretch: f64,
    emergency: bool,
    /// Keep nodes with different line counts apart even where the measure no longer
    /// changes (needed for looseness).
    exact_lines: bool,
}

/// An active node: a feasible break with the best way found to reach it.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// Index into `breakpoints`, or [`NO_NODE`] for the paragraph start.
    bp: usize,
    /// First item of the line that starts here.
    start: usize,
    /// Lines before this break.
    line: usize,
    fitness: u8,
    /// Hyphenated lines in a row ending here (at most `max_consecutive_hyphens + 1`).
    run: usize,
    total: f64,
    prev: usize,
}

/// A possible new node at the current breakpoint.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    /// Nodes in different classes have different futures and are never compared.
    class: usize,
    node: Node,
    /// An active node competing again, rather than a new one.
    existing: Option<usize>,
}

/// The end of a pass: its nodes and the chosen final one.
#[derive(Debug)]
struct Found {
    nodes: Vec<Node>,
    best: usize,
    looseness: i32,
}

impl<'p> Paragraph<'p> {
    fn new(items: &[Item], line_width: &dyn Fn(usize) -> f32, params: &'p Params) -> Option<Self> {
        let content_end = items.iter().rposition(|i| matches!(i, Item::Box { .. }))? + 1;
        let n = items.len();
        let mut width = Vec::with_capacity(n + 1);
        let mut stretch = Vec::with_capacity(n + 1);
        let mut shrink = Vec::with_capacity(n + 1);
        let (mut w, mut y, mut z) = (0.0, 0.0, 0.0);
        let expansion = if params.ragged {
            0.0
        } else {
            clean(params.expansion).clamp(0.0, 0.1)
        };
        for item in items {
            width.push(w);
            stretch.push(y);
            shrink.push(z);
            match *item {
                Item::Box { width } => {
                    let bw = clean(width);
                    w += bw;
                    y += bw * expansion;
                    z += bw * expansion;
                }
                Item::Glue {
                    width,
                    stretch,
                    shrink,
                } => {
                    let gw = clean(width);
                    w += gw;
                    y += clean(stretch);
                    z += clean(shrink).min(gw);
                }
                Item::Penalty { .. } => {}
            }
        }
        width.push(w);
        stretch.push(y);
        shrink.push(z);

        // next_content[i]: the first box or forced break at or after i.
        let mut next_content = vec![n; n + 1];
        for i in (0..n).rev() {
            next_content[i] = match items[i] {
                Item::Box { .. } => i,
                Item::Penalty { penalty, .. } if penalty_value(penalty) <= -PENALTY_LIMIT => i,
                _ => next_content[i + 1],
            };
        }

        let mut breakpoints = Vec::new();
        for (i, item) in items.iter().enumerate().take(content_end) {
            let (bp_width, penalty, flagged) = match *item {
                Item::Glue { .. } if i > 0 && matches!(items[i - 1], Item::Box { .. }) => {
                    (0.0, 0.0, false)
                }
                Item::Penalty {
                    width,
                    penalty,
                    flagged,
                } if penalty_value(penalty) < PENALTY_LIMIT => {
                    (clean(width), penalty_value(penalty), flagged)
                }
                _ => continue,
            };
            breakpoints.push(Breakpoint {
                end: i,
                item: i,
                width: bp_width,
                penalty,
                flagged,
                forced: penalty <= -PENALTY_LIMIT,
                last: false,
                next_start: next_content[i + 1],
            });
        }
        breakpoints.push(Breakpoint {
            end: content_end,
            item: n,
            width: 0.0,
            penalty: 0.0,
            flagged: false,
            forced: true,
            last: true,
            next_start: n,
        });

        let measures: Vec<f64> = (0..breakpoints.len())
            .map(|l| {
                let m = line_width(l);
                if m == f32::INFINITY {
                    f64::from(f32::MAX)
                } else {
                    clean(m)
                }
            })
            .collect();
        let last = measures.len() - 1;
        let mut easy_line = last;
        while easy_line > 0 && measures[easy_line - 1] == measures[last] {
            easy_line -= 1;
        }
        Some(Self {
            params,
            width,
            stretch,
            shrink,
            breakpoints,
            measures,
            easy_line,
            item_count: n,
        })
    }

    fn measure(&self, line: usize) -> f64 {
        self.measures[line.min(self.measures.len() - 1)]
    }

    /// Natural width, stretch and shrink of items `start..end` (nothing if empty).
    fn sums(&self, start: usize, end: usize) -> (f64, f64, f64) {
        if start >= end {
            return (0.0, 0.0, 0.0);
        }
        (
            self.width[end] - self.width[start],
            self.stretch[end] - self.stretch[start],
            self.shrink[end] - self.shrink[start],
        )
    }

    /// Demerits of a line of badness `bad` from `from` to `bp` (TeX §859).
    fn demerits(&self, bad: f64, bp: &Breakpoint, from: &Node, fitness: u8, over_run: bool) -> f64 {
        let p = self.params;
        let base = finite(p.line_penalty) + bad;
        let mut d = base * base;
        if !bp.forced {
            if bp.penalty > 0.0 {
                d += bp.penalty * bp.penalty;
            } else {
                d -= bp.penalty * bp.penalty;
            }
        }
        if from.run > 0 {
            if bp.flagged {
                d += finite(p.double_hyphen_demerits);
            } else if bp.last {
                d += finite(p.final_hyphen_demerits);
            }
        }
        if fitness.abs_diff(from.fitness) > 1 {
            d += finite(p.adj_demerits).max(0.0);
        }
        if over_run {
            d += RUN_DEMERITS;
        }
        d
    }

    /// One pass over all breakpoints; `None` when no feasible set of breaks exists.
    fn run(&self, pass: &Pass, looseness: i32) -> Option<Found> {
        let p = self.params;
        let adj = finite(p.adj_demerits).max(0.0);
        let max_run = p.max_consecutive_hyphens;
        let ragged_stretch = clean(p.ragged_stretch);
        let mut nodes = vec![Node {
            bp: NO_NODE,
            start: 0,
            line: 0,
            fitness: DECENT,
            run: 0,
            total: 0.0,
            prev: NO_NODE,
        }];
        let mut active = vec![0];
        let mut next_active = Vec::new();
        let mut candidates = Vec::new();
        for (bi, bp) in self.breakpoints.iter().enumerate() {
            if bp.flagged && !bp.forced && !pass.hyphens {
                continue;
            }
            next_active.clear();
            candidates.clear();
            for &ai in &active {
                let from: Node = nodes[ai];
                if !bp.forced && from.start >= bp.end {
                    // The line would be empty: only a forced break may end one.
                    next_active.push(ai);
                    continue;
                }
                let measure = self.measure(from.line);
                let (w, y, z) = self.sums(from.start, bp.end);
                let (stretch, shrink) = if p.ragged {
                    (ragged_stretch, 0.0)
                } else {
                    (y, z)
                };
                // Deactivate when even the material before this break no longer fits: every
                // later line from here holds at least as much (shrink never exceeds width).
                if !bp.forced && w - shrink <= measure + EPS {
                    next_active.push(ai);
                }
                let natural = w + bp.width;
                let stretch = stretch + pass.extra_stretch;
                let Some(r) = adjustment(measure - natural, stretch, shrink, bp.forced) else {
                    continue;
                };
                let bad = badness(r);
                if bad > pass.max_badness {
                    continue;
                }
                let over_run = bp.flagged && from.run >= max_run;
                if over_run && !pass.emergency {
                    continue;
                }
                let fit = fitness(r, bad);
                let total = from.total + self.demerits(bad, bp, &from, fit, over_run);
                offer(
                    &mut candidates,
                    self.candidate(pass, bi, ai, &from, fit, total),
                );
            }
            if next_active.is_empty() && candidates.is_empty() {
                if !pass.emergency {
                    return None;
                }
                // Every line to here is overfull and nothing else stays active: take the
                // shortest such line, without demerits, as TeX does (§854).
                let &ai = active.last()?;
                let from = nodes[ai];
                offer(
                    &mut candidates,
                    self.candidate(pass, bi, ai, &from, TIGHT, from.total),
                );
            }
            // Nodes from earlier breaks in the same run of glue and penalties start their next
            // line at the same item, so they compete with the new ones; this keeps long runs
            // of penalties from piling up nodes.
            if !candidates.is_empty() {
                while let Some(&ai) = next_active.last()
                    && nodes[ai].start == bp.next_start
                {
                    next_active.pop();
                    let again = Candidate {
                        class: self.class(nodes[ai].line, pass),
                        node: nodes[ai],
                        existing: Some(ai),
                    };
                    offer(&mut candidates, again);
                }
            }
            prune(&mut candidates, adj);
            for c in &candidates {
                if let Some(ai) = c.existing {
                    next_active.push(ai);
                } else {
                    next_active.push(nodes.len());
                    nodes.push(c.node);
                }
            }
            std::mem::swap(&mut active, &mut next_active);
            if bp.last {
                let (best, looseness) = choose(&nodes, &active, looseness)?;
                return Some(Found {
                    nodes,
                    best,
                    looseness,
                });
            }
        }
        None
    }

    fn candidate(
        &self,
        pass: &Pass,
        bi: usize,
        from_index: usize,
        from: &Node,
        fitness: u8,
        total: f64,
    ) -> Candidate {
        let bp = &self.breakpoints[bi];
        let line = from.line + 1;
        let run = if bp.flagged {
            from.run
                .saturating_add(1)
                .min(self.params.max_consecutive_hyphens.saturating_add(1))
        } else {
            0
        };
        Candidate {
            class: self.class(line, pass),
            existing: None,
            node: Node {
                bp: bi,
                start: bp.next_start,
                line,
                fitness,
                run,
                total,
                prev: from_index,
            },
        }
    }

    /// Nodes after `line` lines compete only with nodes of the same class.
    fn class(&self, line: usize, pass: &Pass) -> usize {
        if pass.exact_lines {
            line
        } else {
            line.min(self.easy_line)
        }
    }

    /// Turn the chosen chain of nodes into lines, measuring each one with its real glue.
    fn finish(&self, found: &Found, pass: u8) -> Breaks {
        let p = self.params;
        let mut chain = Vec::new();
        let mut k = found.best;
        while k != NO_NODE {
            chain.push(k);
            k = found.nodes[k].prev;
        }
        chain.reverse();
        let max_bad = max_badness(p.tolerance);
        let mut out = Breaks {
            pass,
            demerits: found.nodes[found.best].total,
            looseness: found.looseness,
            ..Breaks::default()
        };
        for (index, pair) in chain.windows(2).enumerate() {
            let from = &found.nodes[pair[0]];
            let bp = &self.breakpoints[found.nodes[pair[1]].bp];
            let (w, y, z) = self.sums(from.start, bp.end);
            let natural = w + bp.width;
            let shortfall = self.measure(from.line) - natural;
            let (ratio, overfull, underfull) = if p.ragged {
                let r = if shortfall > EPS {
                    shortfall / clean(p.ragged_stretch)
                } else {
                    0.0
                };
                (
                    0.0,
                    shortfall < -EPS,
                    !bp.forced && badness(r) > max_bad && r > 0.0,
                )
            } else {
                match adjustment(shortfall, y, z, bp.forced) {
                    None => (-1.0, true, false),
                    Some(r) if r.is_infinite() => (0.0, false, true),
                    Some(r) => (r, false, r > 0.0 && badness(r) > max_bad),
                }
            };
            if overfull {
                out.overfull.push(index);
            }
            if underfull {
                out.underfull.push(index);
            }
            out.lines.push(Line {
                start: from.start.min(bp.item),
                end: bp.item,
                ratio: ratio as f32,
                hyphenated: bp.flagged,
                natural: natural as f32,
            });
        }
        out
    }

    /// A last resort that keeps every item: one overfull line.
    fn everything_on_one_line(&self) -> Breaks {
        let natural = self.width.last().copied().unwrap_or(0.0);
        Breaks {
            lines: vec![Line {
                start: 0,
                end: self.item_count,
                ratio: 0.0,
                hyphenated: false,
                natural: natural as f32,
            }],
            overfull: vec![0],
            pass: 3,
            ..Breaks::default()
        }
    }
}

/// Add a candidate to those for the current breakpoint, kept sorted by class, hyphen run
/// and fitness with the cheapest (first on ties) for each.
fn offer(kept: &mut Vec<Candidate>, c: Candidate) {
    let key = |c: &Candidate| (c.class, c.node.run, c.node.fitness);
    match kept.binary_search_by(|k| key(k).cmp(&key(&c))) {
        Ok(i) => {
            if c.node.total < kept[i].node.total {
                kept[i] = c;
            }
        }
        Err(i) => kept.insert(i, c),
    }
}

/// Keep only candidates that can still be part of an optimal solution. Within a class, `b`
/// is dropped when some `a` has a hyphen run no longer and fewer demerits, counting
/// `adj_demerits` if their fitness differs: whatever follows `b` can follow `a` for no more
/// (TeX keeps one node per fitness class within `adj_demerits` of the best, §836).
fn prune(candidates: &mut Vec<Candidate>, adj: f64) {
    if candidates.len() < 2 {
        return;
    }
    let dominates = |a: &Candidate, b: &Candidate| {
        let jump = if a.node.fitness == b.node.fitness {
            0.0
        } else {
            adj
        };
        a.node.run <= b.node.run && a.node.total + jump <= b.node.total
    };
    let mut keep = vec![true; candidates.len()];
    let mut group = 0;
    while group < candidates.len() {
        let class = candidates[group].class;
        let end = candidates[group..]
            .iter()
            .position(|c| c.class != class)
            .map_or(candidates.len(), |len| group + len);
        for b in group..end {
            keep[b] = !(group..end).any(|a| {
                a != b
                    && dominates(&candidates[a], &candidates[b])
                    && (a < b || !dominates(&candidates[b], &candidates[a]))
            });
        }
        group = end;
    }
    let mut index = 0;
    candidates.retain(|_| {
        index += 1;
        keep[index - 1]
    });
}

/// The final node with the fewest demerits, or with looseness the one whose line count is
/// nearest the asked difference from that optimum (TeX §875).
fn choose(nodes: &[Node], finals: &[usize], looseness: i32) -> Option<(usize, i32)> {
    let mut best = *finals.first()?;
    for &f in finals {
        if nodes[f].total < nodes[best].total {
            best = f;
        }
    }
    if looseness == 0 {
        return Some((best, 0));
    }
    let best_line = nodes[best].line;
    let mut actual = 0i32;
    let mut bet = best;
    for &f in finals {
        let diff = nodes[f].line as i64 - best_line as i64;
        let diff = diff.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        if (diff < actual && looseness <= diff) || (diff > actual && looseness >= diff) {
            bet = f;
            actual = diff;
        } else if diff == actual && nodes[f].total < nodes[bet].total {
            bet = f;
        }
    }
    Some((bet, actual))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPACE: Item = Item::Glue {
        width: 3.0,
        stretch: 1.5,
        shrink: 1.0,
    };

    fn hyphen() -> Item {
        Item::Penalty {
            width: 4.0,
            penalty: 50.0,
            flagged: true,
        }
    }

    fn forced() -> Item {
        Item::Penalty {
            width: 0.0,
            penalty: -INFINITY_PENALTY,
            flagged: false,
        }
    }

    /// Words of `chars * 5` points; `-` inside a word is a hyphenation point.
    fn text(words: &str) -> Vec<Item> {
        text_spaced(words, SPACE)
    }

    fn text_spaced(words: &str, space: Item) -> Vec<Item> {
        let mut items = Vec::new();
        for (i, word) in words.split(' ').enumerate() {
            if i > 0 {
                items.push(space);
            }
            for (j, part) in word.split('-').enumerate() {
                if j > 0 {
                    items.push(hyphen());
                }
                items.push(Item::Box {
                    width: part.len() as f32 * 5.0,
                });
            }
        }
        items
    }

    fn params() -> Params {
        Params::justified(10.0)
    }

    fn ends(b: &Breaks) -> Vec<usize> {
        b.lines.iter().map(|l| l.end).collect()
    }

    /// splitmix64, so that every run sees the same paragraphs.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        /// A multiple of 0.5 in `lo..hi`: sums stay exact.
        fn halves(&mut self, lo: u64, hi: u64) -> f32 {
            (2 * lo + self.below(2 * (hi - lo))) as f32 / 2.0
        }
    }

    /// A paragraph of `words` random words: `hyphens` in 3 are split at one or two random
    /// points (some unflagged penalties with a width among them), one space in 8 has one or
    /// two penalties before it, and with `forced_breaks` one in 12 is a forced break.
    fn random_paragraph(
        rng: &mut Rng,
        words: usize,
        hyphens: u64,
        forced_breaks: bool,
    ) -> Vec<Item> {
        let mut items = Vec::new();
        for i in 0..words {
            if i > 0 && rng.below(8) == 0 {
                // Break opportunities before a space, one or two in a row.
                for _ in 0..1 + rng.below(2) {
                    items.push(Item::Penalty {
                        width: rng.halves(0, 4),
                        penalty: [0.0, 50.0, -50.0][rng.below(3) as usize],
                        flagged: rng.below(2) == 0,
                    });
                }
            }
            if i > 0 {
                items.push(if forced_breaks && rng.below(12) == 0 {
                    forced()
                } else {
                    match rng.below(3) {
                        0 => SPACE,
                        1 => Item::Glue {
                            width: 2.5,
                            stretch: 2.0,
                            shrink: 0.5,
                        },
                        _ => Item::Glue {
                            width: 4.0,
                            stretch: 1.0,
                            shrink: 1.5,
                        },
                    }
                });
            }
            let mut width = rng.halves(5, 45);
            if width >= 10.0 && rng.below(3) < hyphens {
                for _ in 0..1 + rng.below(2) {
                    if width < 2.0 {
                        break;
                    }
                    let part = rng.halves(1, width as u64);
                    if part >= width {
                        break;
                    }
                    items.push(Item::Box { width: part });
                    items.push(Item::Penalty {
                        width: rng.halves(1, 7),
                        penalty: [0.0, 50.0, 100.0, -50.0][rng.below(4) as usize],
                        flagged: rng.below(5) != 0,
                    });
                    width -= part;
                }
            }
            items.push(Item::Box { width });
        }
        items
    }

    /// Natural width, stretch and shrink of a line, summed item by item.
    fn measure_line(items: &[Item], line: &Line) -> (f64, f64, f64) {
        let mut end = line.end.min(items.len());
        if line.end == items.len() {
            while end > line.start && !matches!(items[end - 1], Item::Box { .. }) {
                end -= 1;
            }
        }
        let (mut w, mut y, mut z) = (0.0, 0.0, 0.0);
        for item in &items[line.start..end] {
            match *item {
                Item::Box { width } => w += f64::from(width),
                Item::Glue {
                    width,
                    stretch,
                    shrink,
                } => {
                    w += f64::from(width);
                    y += f64::from(stretch);
                    z += f64::from(shrink);
                }
                Item::Penalty { .. } => {}
            }
        }
        if let Some(Item::Penalty { width, .. }) = items.get(line.end) {
            w += f64::from(*width);
        }
        (w, y, z)
    }

    /// The width a line is set at with its ratio, and its measure.
    fn set_width(items: &[Item], line: &Line) -> f64 {
        let (w, y, z) = measure_line(items, line);
        let r = f64::from(line.ratio);
        if r >= 0.0 { w + r * y } else { w + r * z }
    }

    /// Every box is in exactly one line, in order, and lines end where they say.
    fn assert_covers(items: &[Item], b: &Breaks) {
        let mut next = 0;
        for (i, line) in b.lines.iter().enumerate() {
            assert!(line.start <= line.end, "line {i}: {line:?}");
            for item in &items[next..line.start] {
                assert!(!matches!(item, Item::Box { .. }), "line {i} skips a box");
            }
            if i + 1 < b.lines.len() {
                assert!(
                    matches!(items[line.end], Item::Glue { .. } | Item::Penalty { .. }),
                    "line {i} ends on a box"
                );
                next = line.end + 1;
            } else {
                assert_eq!(line.end, items.len());
            }
        }
        if b.lines.is_empty() {
            assert!(!items.iter().any(|i| matches!(i, Item::Box { .. })));
        }
    }

    /// An exhaustive optimal breaker, written from the definitions without active nodes,
    /// prefix sums or pruning, for paragraphs with few breakpoints.
    struct Brute<'a> {
        items: &'a [Item],
        widths: &'a dyn Fn(usize) -> f32,
        p: &'a Params,
    }

    impl Brute<'_> {
        fn content_end(&self) -> usize {
            self.items
                .iter()
                .rposition(|i| matches!(i, Item::Box { .. }))
                .map_or(0, |i| i + 1)
        }

        /// (index, forced) of every legal break before the paragraph end.
        fn legal(&self) -> Vec<(usize, bool)> {
            (0..self.content_end())
                .filter_map(|i| match self.items[i] {
                    Item::Glue { .. } if i > 0 && matches!(self.items[i - 1], Item::Box { .. }) => {
                        Some((i, false))
                    }
                    Item::Penalty { penalty, .. } if penalty < INFINITY_PENALTY => {
                        Some((i, penalty <= -INFINITY_PENALTY))
                    }
                    _ => None,
                })
                .collect()
        }

        /// Demerits of breaking at `breaks` (item indices, increasing) in `pass`, or None
        /// if a line is infeasible there or overfull.
        fn score(&self, breaks: &[usize], pass: u8) -> Option<f64> {
            let p = self.p;
            let n = self.items.len();
            let tolerance = match pass {
                1 => f64::from(p.pretolerance),
                2 => f64::from(p.tolerance),
                _ => f64::INFINITY,
            };
            let (mut start, mut prev_fit, mut run, mut prev_flagged) = (0, 2i32, 0usize, false);
            let mut total = 0.0;
            for (k, &b) in breaks.iter().chain([n].iter()).enumerate() {
                let last = b == n;
                let (pw, pi, flagged, forced) = match self.items.get(b) {
                    Some(Item::Penalty {
                        width,
                        penalty,
                        flagged,
                    }) => (
                        f64::from(*width),
                        f64::from(*penalty),
                        *flagged,
                        *penalty <= -INFINITY_PENALTY,
                    ),
                    _ => (0.0, 0.0, false, last),
                };
                if pass == 1 && flagged && !forced {
                    return None;
                }
                if !forced && start >= b {
                    return None;
                }
                let end = if last { self.content_end() } else { b };
                let (mut w, mut y, mut z) = (pw, 0.0, 0.0);
                for item in &self.items[start.min(end)..end] {
                    match *item {
                        Item::Box { width } => w += f64::from(width),
                        Item::Glue {
                            width,
                            stretch,
                            shrink,
                        } => {
                            w += f64::from(width);
                            y += f64::from(stretch);
                            z += f64::from(shrink.min(width));
                        }
                        Item::Penalty { .. } => {}
                    }
                }
                if p.ragged {
                    (y, z) = (f64::from(p.ragged_stretch), 0.0);
                }
                if pass == 3 {
                    y += f64::from(p.emergency_stretch);
                }
                let shortfall = f64::from((self.widths)(k)) - w;
                let r = if shortfall > 1e-3 {
                    if forced {
                        0.0
                    } else if y > 0.0 {
                        shortfall / y
                    } else {
                        f64::INFINITY
                    }
                } else if shortfall < -1e-3 {
                    if -shortfall > z + 1e-3 {
                        return None;
                    }
                    (shortfall / z).max(-1.0)
                } else {
                    0.0
                };
                let bad = if r.is_finite() {
                    (100.0 * r.abs().powi(3)).min(10000.0)
                } else {
                    10000.0
                };
                if bad > 100.0 * tolerance.powi(3) {
                    return None;
                }
                let fit = match (r > 0.0, bad) {
                    (true, b) if b > 99.0 => 0,
                    (true, b) if b > 12.0 => 1,
                    (false, b) if b > 12.0 => 3,
                    _ => 2,
                };
                run = if flagged { run + 1 } else { 0 };
                let over = flagged && run > p.max_consecutive_hyphens;
                if over && pass < 3 {
                    return None;
                }
                let mut d = (f64::from(p.line_penalty) + bad).powi(2);
                if !forced {
                    d += pi.signum() * pi * pi;
                }
                if prev_flagged && flagged {
                    d += f64::from(p.double_hyphen_demerits);
                }
                if prev_flagged && last {
                    d += f64::from(p.final_hyphen_demerits);
                }
                if (fit - prev_fit).abs() > 1 {
                    d += f64::from(p.adj_demerits);
                }
                if over {
                    d += 1e10;
                }
                total += d;
                prev_fit = fit;
                prev_flagged = flagged;
                start = b + 1;
                while start < n
                    && match self.items[start] {
                        Item::Glue { .. } => true,
                        Item::Penalty { penalty, .. } => penalty > -INFINITY_PENALTY,
                        Item::Box { .. } => false,
                    }
                {
                    start += 1;
                }
            }
            Some(total)
        }

        /// Every feasible way to break in `pass`: (line count, demerits).
        fn solutions(&self, pass: u8) -> Vec<(usize, f64)> {
            let legal = self.legal();
            let optional: Vec<usize> = legal.iter().filter(|l| !l.1).map(|l| l.0).collect();
            assert!(optional.len() <= 16, "too many breakpoints for brute force");
            let mut out = Vec::new();
            for mask in 0u32..(1 << optional.len()) {
                let mut breaks: Vec<usize> = legal
                    .iter()
                    .filter(|l| l.1)
                    .map(|l| l.0)
                    .chain(
                        optional
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| mask & (1 << i) != 0)
                            .map(|(_, &b)| b),
                    )
                    .collect();
                breaks.sort_unstable();
                if let Some(d) = self.score(&breaks, pass) {
                    out.push((breaks.len() + 1, d));
                }
            }
            out
        }

        /// What break_lines must find: the pass, the demerits, the looseness achieved. The
        /// first two passes pick by looseness as TeX does (the line count nearest the asked
        /// difference from the optimum, then the least demerits); the emergency pass
        /// ignores looseness.
        fn best(&self) -> Option<(u8, f64, i32)> {
            let want = self.p.looseness;
            let pick = |pass: u8| {
                let sols = self.solutions(pass);
                let &(best_lines, _) = sols.iter().min_by(|a, b| a.1.total_cmp(&b.1))?;
                let diffs = sols.iter().map(|s| s.0 as i32 - best_lines as i32);
                let achieved = if want >= 0 {
                    diffs.filter(|&d| d >= 0 && d <= want).max()
                } else {
                    diffs.filter(|&d| d <= 0 && d >= want).min()
                }
                .unwrap_or(0);
                let least = sols
                    .iter()
                    .filter(|s| s.0 as i32 - best_lines as i32 == achieved)
                    .map(|s| s.1)
                    .min_by(f64::total_cmp)?;
                Some((pass, least, achieved))
            };
            let first = if self.p.pretolerance >= 0.0 {
                pick(1)
            } else {
                None
            };
            if let Some(found) = first
                && found.2 == want
            {
                return Some(found);
            }
            pick(2).or(first).or_else(|| {
                let least = self
                    .solutions(3)
                    .iter()
                    .map(|s| s.1)
                    .min_by(f64::total_cmp)?;
                Some((3, least, 0))
            })
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
    }

    /// Check `b` against the brute force: same pass, optimal demerits, honest report.
    fn assert_optimal(
        items: &[Item],
        widths: &dyn Fn(usize) -> f32,
        p: &Params,
        b: &Breaks,
    ) -> Option<u8> {
        let brute = Brute { items, widths, p };
        let Some((pass, least, looseness)) = brute.best() else {
            // Nothing fits without an overfull line: the emergency pass must say so.
            assert_eq!(b.pass, 3);
            assert!(!b.overfull.is_empty(), "{b:?}");
            return None;
        };
        assert_eq!(b.pass, pass, "{b:?}");
        assert_eq!(b.looseness, looseness);
        let chosen: Vec<usize> = b.lines[..b.lines.len() - 1].iter().map(|l| l.end).collect();
        let Some(ours) = brute.score(&chosen, pass) else {
            panic!("chose infeasible breaks {chosen:?} in pass {pass}");
        };
        assert!(
            close(ours, least),
            "ours {ours} vs optimum {least}: {chosen:?}"
        );
        assert!(
            close(b.demerits, least),
            "reported {} vs {least}",
            b.demerits
        );
        assert!(b.overfull.is_empty());
        Some(pass)
    }

    #[test]
    fn total_fit_matches_brute_force_on_random_paragraphs() {
        let mut rng = Rng(7);
        let mut per_pass = [0; 4];
        let mut loosened = 0;
        for case in 0..1500 {
            // One case in five is hyphen-heavy and narrow, so that runs of hyphens matter.
            let heavy = case % 5 == 4;
            let words = 2 + rng.below(8) as usize;
            let hyphens = if heavy { 3 } else { case % 4 };
            let items = random_paragraph(&mut rng, words, hyphens, case % 5 == 0);
            let optional = Brute {
                items: &items,
                widths: &|_| 0.0,
                p: &params(),
            }
            .legal()
            .iter()
            .filter(|l| !l.1)
            .count();
            if optional > 12 {
                continue;
            }
            let mut p = params();
            p.max_consecutive_hyphens = if heavy { 2 } else { rng.below(3) as usize };
            if case % 2 == 0 || heavy {
                // Cheap hyphen runs, so that the longest allowed run is what stops them.
                p.double_hyphen_demerits = 0.0;
                p.adj_demerits = [0.0, 500.0][rng.below(2) as usize];
            }
            p.ragged = case % 7 == 0;
            p.ragged_stretch = 20.0;
            if case % 11 == 0 {
                p.pretolerance = -1.0;
            }
            if case % 3 == 1 {
                p.looseness = [-1, 1, 2][rng.below(3) as usize];
                // A wider choice of feasible lines, so that other line counts exist.
                p.tolerance = 3.0;
            }
            let measure = if heavy {
                rng.halves(15, 60)
            } else {
                rng.halves(25, 150)
            };
            // Shaped paragraphs: the first lines narrower or wider, as around a float.
            let shape = if case % 3 == 0 {
                [
                    rng.halves(10, 150),
                    rng.halves(10, 150),
                    rng.halves(10, 150),
                ]
            } else {
                [measure; 3]
            };
            let widths = move |l: usize| shape.get(l).copied().unwrap_or(measure);
            let b = break_lines(&items, &widths, &p);
            assert_covers(&items, &b);
            let pass = assert_optimal(&items, &widths, &p, &b);
            per_pass[usize::from(pass.unwrap_or(0))] += 1;
            if b.looseness != 0 {
                loosened += 1;
            }
        }
        // Every pass, paragraphs that cannot be set and looseness were exercised.
        assert!(per_pass.iter().all(|&n| n >= 50), "{per_pass:?}");
        assert!(loosened >= 25, "{loosened}");
    }

    /// First fit, for comparison: each line takes as many words as fit at full shrink.
    fn first_fit(items: &[Item], measure: f64) -> Vec<usize> {
        let mut ends = Vec::new();
        let mut start = 0;
        loop {
            let glues = (start + 1..items.len()).filter(|&i| matches!(items[i], Item::Glue { .. }));
            let fits = |end: usize| {
                let line = Line {
                    start,
                    end,
                    ratio: 0.0,
                    hyphenated: false,
                    natural: 0.0,
                };
                let (w, _, z) = measure_line(items, &line);
                w - z <= measure
            };
            if fits(items.len()) {
                return ends;
            }
            let Some(end) = glues.take_while(|&g| fits(g)).last() else {
                return ends;
            };
            ends.push(end);
            start = end + 1;
        }
    }

    #[test]
    fn total_fit_beats_first_fit() {
        // long time ago in a galaxy far away there: 20 20 15 10 5 30 15 20 25 points.
        let items = text("long time ago in a galaxy far away there");
        let b = break_lines(&items, &|_| 78.0, &params());
        // "long time ago in" 74 + stretch 4.5 (ratio 0.889, badness 70.2, loose), "a galaxy far
        // away" 79 - shrink 3 (ratio -0.333, badness 3.7, decent), "there" at natural width:
        // (10+70.2)² + (10+3.7)² + 10² = 6725 demerits.
        assert_eq!(ends(&b), [7, 15, 17]);
        assert_eq!(
            b.lines.iter().map(|l| l.start).collect::<Vec<_>>(),
            [0, 8, 16]
        );
        assert_eq!(b.pass, 1);
        assert!((b.lines[0].ratio - 8.0 / 9.0).abs() < 1e-5);
        assert!((b.lines[1].ratio + 1.0 / 3.0).abs() < 1e-5);
        assert_eq!(b.lines[2].ratio, 0.0);
        assert!((b.demerits - 6725.157).abs() < 0.01, "{}", b.demerits);
        // First fit fills line one at full shrink ("long time ago in a", 82 - 4) and leaves
        // "galaxy far away" 71 points wide with 3 of stretch: ratio 2.33, beyond tolerance.
        assert_eq!(first_fit(&items, 78.0), [9, 15]);
        let brute = Brute {
            items: &items,
            widths: &|_| 78.0,
            p: &params(),
        };
        assert_eq!(brute.score(&[9, 15], 2), None);
        assert!(brute.score(&[9, 15], 3).is_some());
    }

    /// Lines are set within the measure, justified lines fill it, and the report is honest.
    fn assert_well_set(items: &[Item], widths: &dyn Fn(usize) -> f32, p: &Params, b: &Breaks) {
        assert_covers(items, b);
        for (i, line) in b.lines.iter().enumerate() {
            let measure = f64::from(widths(i));
            let (w, y, z) = measure_line(items, line);
            let set = set_width(items, line);
            let last = i + 1 == b.lines.len();
            let at_forced = matches!(items.get(line.end), Some(Item::Penalty { penalty, .. }) if *penalty <= -INFINITY_PENALTY);
            assert!(
                line.ratio.is_finite() && line.ratio >= -1.0,
                "line {i}: {line:?}"
            );
            assert!(
                (f64::from(line.natural) - w).abs() < 0.01,
                "line {i}: {line:?} vs {w}"
            );
            assert_eq!(
                line.hyphenated,
                matches!(
                    items.get(line.end),
                    Some(Item::Penalty { flagged: true, .. })
                )
            );
            if b.overfull.contains(&i) {
                let least = if p.ragged { w } else { w - z };
                assert!(least > measure, "line {i} is not overfull: {line:?}");
                continue;
            }
            assert!(
                set <= measure + 0.01,
                "line {i} is {set} wide in {measure}: {line:?}"
            );
            if p.ragged {
                assert_eq!(line.ratio, 0.0);
            } else if !last && !at_forced && !b.underfull.contains(&i) {
                assert!(
                    (set - measure).abs() < 0.01,
                    "line {i} is {set} wide in {measure}"
                );
            }
            if b.underfull.contains(&i) && !p.ragged {
                assert!(
                    f64::from(line.ratio) > f64::from(p.tolerance) || y == 0.0,
                    "{line:?}"
                );
            }
        }
    }

    #[test]
    fn lines_never_exceed_the_measure() {
        let mut rng = Rng(42);
        for case in 0..300 {
            let words = 30 + rng.below(270) as usize;
            let items = random_paragraph(&mut rng, words, case % 4, case % 3 == 0);
            let mut p = params();
            p.ragged = case % 5 == 0;
            let measure = rng.halves(40, 300);
            let first = rng.halves(40, 300);
            let widths = move |l: usize| if l == 0 { first } else { measure };
            let b = break_lines(&items, &widths, &p);
            assert_well_set(&items, &widths, &p, &b);
            // Only boxes wider than the measure may stick out.
            for &i in &b.overfull {
                let widest = items[b.lines[i].start..b.lines[i].end.min(items.len())]
                    .iter()
                    .map(|item| match item {
                        Item::Box { width } => *width,
                        _ => 0.0,
                    })
                    .fold(0.0, f32::max);
                assert!(
                    f64::from(widest) > f64::from(widths(i)) - 10.0,
                    "{:?}",
                    b.lines[i]
                );
            }
        }
    }

    #[test]
    fn hyphenation_avoids_loose_lines() {
        // 25 | 20-10 | 10-20 | 10-25 | 10-20 points, in a measure of 75.
        let items = text("Notes mark-er re-mark co-lumns in-dent");
        let b = break_lines(&items, &|_| 75.0, &params());
        assert_eq!(b.pass, 2);
        // "Notes marker re-" and "mark columns in-" are exactly 75 with their hyphens.
        assert_eq!(ends(&b), [7, 15, 17]);
        assert_eq!(
            b.lines.iter().map(|l| l.hyphenated).collect::<Vec<_>>(),
            [true, true, false]
        );
        assert_eq!(
            b.lines.iter().map(|l| l.natural).collect::<Vec<_>>(),
            [75.0, 75.0, 20.0]
        );
        assert!(b.underfull.is_empty() && b.overfull.is_empty());
        // Without the hyphenation points only loose lines are left.
        let plain = text("Notes marker remark columns indent");
        let loose = break_lines(&plain, &|_| 75.0, &params());
        assert_eq!(loose.pass, 3);
        assert!(!loose.underfull.is_empty());
    }

    #[test]
    fn hyphen_runs_are_limited_where_avoidable() {
        // Built so that the cheapest way to the second hyphen ("r1-") takes two hyphenated
        // lines, but the only good third line is hyphenated too: with at most two in a row
        // the breaker must keep the dearer way with one, and find it. All measures are 200.
        let glue = Item::Glue {
            width: 4.0,
            stretch: 4.0,
            shrink: 2.0,
        };
        let hyphen = hyphen_of(5.0);
        let mut items = Vec::new();
        let word = |parts: &[f32], items: &mut Vec<Item>| {
            if !items.is_empty() {
                items.push(glue);
            }
            for (i, &w) in parts.iter().enumerate() {
                if i > 0 {
                    items.push(hyphen);
                }
                items.push(Item::Box { width: w });
            }
        };
        for w in [25.0, 25.0, 25.0, 25.0, 30.0, 30.0] {
            word(&[w], &mut items); // 180 with 20 of stretch
        }
        word(&[11.0, 24.0], &mut items); // q1-q2: "... q1-" is exactly 200
        for _ in 0..6 {
            word(&[20.0], &mut items);
        }
        word(&[12.0, 43.0], &mut items); // "q2 ... r1-" is 189, "q1q2 ... r1-" 200
        word(&[50.0], &mut items);
        word(&[50.0], &mut items);
        word(&[40.0, 30.0], &mut items); // "r2 y y s1-" is exactly 200; nothing else fits
        word(&[30.0], &mut items);
        assert_eq!(items.len(), 41);
        let widths = |_| 200.0;

        let b = break_lines(&items, &widths, &params());
        assert_eq!(b.pass, 2);
        assert_eq!(ends(&b), [11, 29, 37, 41]);
        assert_eq!(
            b.lines.iter().map(|l| l.hyphenated).collect::<Vec<_>>(),
            [false, true, true, false]
        );
        // 180 in 200 with 20 of stretch: badness 100, very loose after the decent start
        // (+10000); then exact lines: decent after very loose (+10000), two hyphens in a row
        // (+10000), a hyphen before the last line (+5000); penalties 50² twice.
        let expected =
            110.0f64.powi(2) + 10000.0 + 3.0 * 100.0 + 2.0 * 10000.0 + 5000.0 + 2.0 * 2500.0;
        assert!(close(b.demerits, expected), "{}", b.demerits);

        // Allowed three in a row, the cheaper way is taken.
        let three = Params {
            max_consecutive_hyphens: 3,
            ..params()
        };
        let b = break_lines(&items, &widths, &three);
        assert_eq!(ends(&b), [13, 29, 37, 41]);
        assert!(b.lines[..3].iter().all(|l| l.hyphenated));
        // Exact, then "q2 ... r1-" 11 short with 28 of stretch (badness 6.06), exact, last:
        // three penalties, two double hyphens, a final hyphen.
        let loose = 10.0 + 100.0 * (11.0f64 / 28.0).powi(3);
        let expected = 3.0 * 100.0 + loose * loose + 3.0 * 2500.0 + 2.0 * 10000.0 + 5000.0;
        assert!(close(b.demerits, expected), "{}", b.demerits);
    }

    fn hyphen_of(width: f32) -> Item {
        Item::Penalty {
            width,
            penalty: 50.0,
            flagged: true,
        }
    }

    #[test]
    fn forced_breaks_are_honoured() {
        // "aa bb" \\ "cc dd": the first line is short and set at natural width.
        let mut items = text("aa bb");
        items.push(forced());
        items.extend(text("cc dd"));
        let b = break_lines(&items, &|_| 100.0, &params());
        assert_eq!(ends(&b), [3, 7]);
        assert_eq!(b.lines[1].start, 4);
        assert_eq!(b.lines[0].ratio, 0.0);
        assert_eq!(b.lines[0].natural, 23.0);
        assert_eq!(b.pass, 1);

        // Two in a row leave an empty line; one at the very end adds nothing.
        let items = [
            Item::Box { width: 10.0 },
            forced(),
            SPACE,
            forced(),
            Item::Box { width: 10.0 },
            forced(),
        ];
        let b = break_lines(&items, &|_| 100.0, &params());
        assert_eq!(ends(&b), [1, 3, 6]);
        assert_eq!((b.lines[1].start, b.lines[1].natural), (3, 0.0));
        assert_eq!(b.lines[2].start, 4);
        assert!(b.overfull.is_empty() && b.underfull.is_empty());

        // A forced break is taken even where a longer line would be better.
        let mut items = text("xxxxxxxx xxxxxxxx");
        items.push(forced());
        items.extend(text("xxxxxxxx xxxxxxxx xxxxxxxx"));
        let b = break_lines(&items, &|_| 127.0, &params());
        assert_eq!(b.lines[0].end, 3);
        assert_well_set(&items, &|_| 127.0, &params(), &b);
    }

    #[test]
    fn last_line_is_set_at_natural_width_unless_too_long() {
        let items = text("aa bb cc");
        let b = break_lines(&items, &|_| 100.0, &params());
        assert_eq!(ends(&b), [5]);
        assert_eq!((b.lines[0].ratio, b.lines[0].natural), (0.0, 36.0));
        // 36 natural with 2 of shrink in 35: shrunk by half.
        let b = break_lines(&items, &|_| 35.0, &params());
        assert_eq!(ends(&b), [5]);
        assert_eq!(b.lines[0].ratio, -0.5);
    }

    #[test]
    fn ragged_lines_are_even_and_unstretched() {
        // 30 | 10 | 20 | 40 | 10 points in a measure of 50. First fit gives lines of 43,
        // 20 and 40 ("margin is / kept / balanced by"); total fit moves "is" down: 30, 33, 40.
        let items = text("margin is kept balanced by");
        let p = Params::ragged(10.0);
        let b = break_lines(&items, &|_| 50.0, &p);
        assert_eq!(ends(&b), [1, 5, 7, 9]);
        assert_eq!(
            b.lines.iter().map(|l| l.natural).collect::<Vec<_>>(),
            [30.0, 33.0, 40.0, 10.0]
        );
        assert!(b.lines.iter().all(|l| l.ratio == 0.0));
        assert_eq!(first_fit(&items, 50.0), [3, 5, 7]);
        assert_well_set(&items, &|_| 50.0, &p, &b);
    }

    #[test]
    fn overfull_box_is_reported_and_breaking_goes_on() {
        let mut items = text("aaaa bbbb cccc dddd");
        items.push(SPACE);
        let wide = items.len();
        items.push(Item::Box { width: 150.0 });
        items.push(SPACE);
        items.extend(text("eeee ffff gggg hhhh iiii"));
        let b = break_lines(&items, &|_| 100.0, &params());
        assert_eq!(b.pass, 3);
        assert_eq!(b.overfull.len(), 1);
        let line = &b.lines[b.overfull[0]];
        // The wide box alone, not the words before it.
        assert_eq!((line.start, line.end), (wide, wide + 1));
        assert_eq!(line.ratio, -1.0);
        assert_well_set(&items, &|_| 100.0, &params(), &b);
    }

    #[test]
    fn emergency_pass_sets_loose_lines_and_reports_them() {
        // Two 40-point words are 83 wide with 1.5 of stretch; three do not fit in 100.
        let items = text("xxxxxxxx xxxxxxxx xxxxxxxx xxxxxxxx");
        let b = break_lines(&items, &|_| 100.0, &params());
        assert_eq!(b.pass, 3);
        assert_eq!(ends(&b), [3, 7]);
        assert_eq!(b.underfull, [0]);
        assert!(b.overfull.is_empty());
        assert!((b.lines[0].ratio - 17.0 / 1.5).abs() < 1e-4);
        assert!((set_width(&items, &b.lines[0]) - 100.0).abs() < 0.01);
        assert_eq!(b.lines[1].ratio, 0.0);
    }

    #[test]
    fn empty_and_boxless_input_give_no_lines() {
        let b = break_lines(&[], &|_| 100.0, &params());
        assert!(b.lines.is_empty() && b.overfull.is_empty());
        assert_eq!(b.pass, 0);
        let b = break_lines(&[SPACE, forced(), hyphen()], &|_| 100.0, &params());
        assert!(b.lines.is_empty());
    }

    #[test]
    fn bad_numbers_do_not_panic() {
        let nan = f32::NAN;
        let items = [
            Item::Box { width: nan },
            Item::Glue {
                width: -3.0,
                stretch: f32::INFINITY,
                shrink: nan,
            },
            Item::Box {
                width: f32::INFINITY,
            },
            Item::Penalty {
                width: nan,
                penalty: nan,
                flagged: true,
            },
            Item::Box { width: -20.0 },
            SPACE,
            Item::Box { width: 20.0 },
            Item::Penalty {
                width: 0.0,
                penalty: f32::NEG_INFINITY,
                flagged: false,
            },
            Item::Box { width: 20.0 },
        ];
        let weird = Params {
            pretolerance: nan,
            tolerance: nan,
            emergency_stretch: nan,
            line_penalty: nan,
            adj_demerits: -5.0,
            ragged_stretch: nan,
            ..params()
        };
        for p in [params(), weird, Params::ragged(nan)] {
            for measure in [nan, -10.0, 0.0, 50.0, f32::INFINITY] {
                let b = break_lines(&items, &|_| measure, &p);
                assert_covers(&items, &b);
                assert!(
                    b.lines
                        .iter()
                        .all(|l| l.ratio.is_finite() && l.natural.is_finite())
                );
                // The -inf penalty forces a break.
                assert!(b.lines.iter().any(|l| l.end == 7));
            }
        }
        // Negative widths count as nothing.
        let negative = [Item::Box { width: 30.0 }, SPACE, Item::Box { width: -30.0 }];
        let zero = [Item::Box { width: 30.0 }, SPACE, Item::Box { width: 0.0 }];
        let b = break_lines(&negative, &|_| 40.0, &params());
        assert_eq!(b.lines, break_lines(&zero, &|_| 40.0, &params()).lines);
        assert_eq!(b.lines.len(), 1);
        assert_eq!(b.lines[0].natural, 33.0);
    }

    #[test]
    fn zero_measure_puts_every_word_on_an_overfull_line() {
        let items = text("aa bb-cc dd ee");
        for p in [params(), Params::ragged(10.0)] {
            let b = break_lines(&items, &|_| 0.0, &p);
            assert_eq!(b.pass, 3);
            assert_eq!(b.lines.len(), 5);
            assert_eq!(b.overfull, [0, 1, 2, 3, 4]);
        }
    }

    #[test]
    fn long_paragraph_completes_and_fits() {
        let mut rng = Rng(2024);
        let items = random_paragraph(&mut rng, 20_000, 1, false);
        let widths = |_| 300.0;
        let b = break_lines(&items, &widths, &params());
        assert!(b.lines.len() > 1000);
        assert!(b.overfull.is_empty());
        assert_well_set(&items, &widths, &params(), &b);
    }

    #[test]
    fn looseness_adds_or_removes_a_line_when_it_can() {
        let items = text_spaced(
            "Notes become a book when the lines are broken well: the whole para-graph is \
             weighed at once, and a line may be a little loose so that the next one need not \
             be very tight or end with a hy-phen",
            Item::Glue {
                width: 3.0,
                stretch: 3.0,
                shrink: 1.5,
            },
        );
        let check = |measure: f32, want: i32, got: i32| {
            let widths = move |_| measure;
            let optimum = break_lines(&items, &widths, &params());
            let p = Params {
                looseness: want,
                ..params()
            };
            let b = break_lines(&items, &widths, &p);
            assert_eq!(b.looseness, got, "{measure} {want}");
            assert_eq!(b.lines.len() as i32, optimum.lines.len() as i32 + got);
            if got != 0 {
                assert!(b.demerits > optimum.demerits);
            }
            assert_well_set(&items, &widths, &p, &b);
        };
        check(170.0, 1, 1); // 5 lines become 6
        check(210.0, -1, -1); // 5 lines become 4
        check(170.0, -1, 0); // 4 lines would be too tight
    }

    #[test]
    fn glue_never_shrinks_below_nothing() {
        // 3 points of glue claiming 10 of shrink: the two words need at least 100.
        let items = [
            Item::Box { width: 50.0 },
            Item::Glue {
                width: 3.0,
                stretch: 1.0,
                shrink: 10.0,
            },
            Item::Box { width: 50.0 },
        ];
        let b = break_lines(&items, &|_| 99.0, &params());
        assert_eq!(ends(&b), [1, 3]);
        let b = break_lines(&items, &|_| 100.0, &params());
        assert_eq!(ends(&b), [3]);
        assert_eq!(b.lines[0].ratio, -1.0);
    }
}
