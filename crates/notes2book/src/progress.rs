//! Progress on stderr while a phase runs: a spinner for phases of unknown size (parse,
//! EPUB), a bar with a count for phases of known size (images).
//!
//! Only on a terminal, never with `--quiet` or `--no-progress`, and only for work that takes
//! more than a moment: a phase's bar stays hidden until [`DELAY`] has passed, so a fast run
//! (and every run in a CI log) shows the summary alone. The libraries never draw anything;
//! a phase with items hands [`Phase::tick`] to them as a callback.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a phase runs before its bar appears.
const DELAY: Duration = Duration::from_millis(300);

/// The progress display of one run. Phases may overlap (the PDF and EPUB backends run side
/// by side): each gets its own line.
#[derive(Debug)]
pub struct Progress {
    /// `None` when progress is off.
    multi: Option<MultiProgress>,
    delay: Duration,
}

impl Progress {
    /// Progress on stderr when `on`; otherwise every phase is silent.
    pub fn new(on: bool) -> Self {
        Progress {
            multi: on.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
            delay: DELAY,
        }
    }

    /// Whether progress is shown: stderr is a terminal and neither `--quiet` nor
    /// `--no-progress` was given.
    pub fn wanted(quiet: bool, no_progress: bool) -> bool {
        use std::io::IsTerminal;
        !quiet && !no_progress && std::io::stderr().is_terminal()
    }

    /// A phase of unknown size: a spinner with the phase's name and its time so far.
    pub fn spinner(&self, name: &'static str) -> Phase {
        let style = ProgressStyle::with_template("{spinner} {msg:<7} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        self.start(ProgressBar::hidden().with_style(style), name)
    }

    /// A phase of `len` items: a bar with a count, advanced by [`Phase::tick`].
    pub fn bar(&self, name: &'static str, len: usize) -> Phase {
        let style = ProgressStyle::with_template("{msg:<7} [{bar:30}] {pos}/{len} {elapsed}")
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        let bar = ProgressBar::hidden().with_style(style);
        bar.set_length(len as u64);
        self.start(bar, name)
    }

    fn start(&self, bar: ProgressBar, name: &'static str) -> Phase {
        bar.set_message(name);
        let Some(multi) = &self.multi else {
            return Phase {
                bar,
                shown: None,
                multi: None,
            };
        };
        // The bar counts from the start but is drawn only once the delay has passed; the
        // waiting thread is told when the phase ends sooner.
        let (done, wait) = mpsc::channel::<()>();
        let (b, m, delay) = (bar.clone(), multi.clone(), self.delay);
        let waiter = std::thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = wait.recv_timeout(delay) {
                let b = m.add(b);
                b.enable_steady_tick(Duration::from_millis(100));
            }
        });
        Phase {
            bar,
            shown: Some((done, waiter)),
            multi: Some(multi.clone()),
        }
    }
}

/// One running phase. Its line disappears when the phase is dropped or finished.
#[derive(Debug)]
pub struct Phase {
    bar: ProgressBar,
    shown: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
    multi: Option<MultiProgress>,
}

impl Phase {
    /// One item done (called from worker threads, in any order).
    pub fn tick(&self) {
        self.bar.inc(1);
    }

    /// End the phase and clear its line (dropping the phase does the same).
    pub fn finish(self) {}
}

impl Drop for Phase {
    fn drop(&mut self) {
        if let Some((done, waiter)) = self.shown.take() {
            // Wake the waiting thread (it may already have shown the bar) and wait for it,
            // so that the bar cannot appear after it was cleared.
            let _ = done.send(());
            let _ = waiter.join();
        }
        self.bar.finish_and_clear();
        if let Some(m) = &self.multi {
            m.remove(&self.bar);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A terminal that records what is drawn on it.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<String>>);

    impl Screen {
        fn text(&self) -> String {
            self.0.lock().map(|s| s.clone()).unwrap_or_default()
        }
        fn put(&self, s: &str) -> std::io::Result<()> {
            if let Ok(mut t) = self.0.lock() {
                t.push_str(s);
            }
            Ok(())
        }
    }

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            80
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            self.put("<up>")
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            self.put("<down>")
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.put(s)?;
            self.put("\n")
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.put(s)
        }
        fn clear_line(&self) -> std::io::Result<()> {
            self.put("<clear>")
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn on(screen: &Screen, delay: Duration) -> Progress {
        Progress {
            multi: Some(MultiProgress::with_draw_target(
                ProgressDrawTarget::term_like(Box::new(screen.clone())),
            )),
            delay,
        }
    }

    #[test]
    fn a_quick_phase_draws_nothing() {
        let screen = Screen::default();
        let progress = on(&screen, Duration::from_secs(10));
        let phase = progress.bar("images", 3);
        (0..3).for_each(|_| phase.tick());
        phase.finish();
        progress.spinner("EPUB").finish();
        assert_eq!(screen.text(), "");
    }

    #[test]
    fn a_slow_phase_is_drawn_then_cleared() {
        let screen = Screen::default();
        let progress = on(&screen, Duration::from_millis(20));
        let phase = progress.bar("images", 4);
        phase.tick();
        std::thread::sleep(Duration::from_millis(400));
        phase.finish();
        let text = screen.text();
        assert!(text.contains("images") && text.contains("1/4"), "{text:?}");
        let (drawn, cleared) = (text.rfind("images"), text.rfind("<clear>"));
        assert!(cleared > drawn, "the line is cleared at the end: {text:?}");
    }

    #[test]
    fn off_means_silent() {
        let progress = Progress::new(false);
        assert!(progress.multi.is_none());
        let phase = progress.spinner("parse");
        phase.tick();
        phase.finish();
    }
}
