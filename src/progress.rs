//! The progress line on a terminal's stderr (`12/100, 1 failed, 35 conn/s, ETA 3s`) and the one
//! way anything else reaches the terminal while it is drawn: every write goes through `write`,
//! which erases the line, writes, and draws it again, so a `-v` trace line, a table block or an
//! error never lands in the middle of it. A bottom layer: it imports nothing, and every layer
//! that prints (the `-v` trace in `zoho`, the commands) may use it.

use std::{
    io::Write as _,
    sync::Mutex,
    time::{Duration, Instant},
};

/// What is drawn on stderr now (`None`: nothing), behind the one lock every terminal write takes.
static LINE: Mutex<Option<String>> = Mutex::new(None);

/// Erases the line the cursor stands on: back to its start, then clear it.
const ERASE: &str = "\r\x1b[2K";

/// Where a write goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Writes `text` to `stream`, with the progress line (if one is drawn) erased first and drawn
/// again after. Returns the stream's own error; a stderr that cannot be written for the progress
/// line is not one.
pub fn write(stream: Stream, text: &[u8]) -> std::io::Result<()> {
    let line = LINE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut err = std::io::stderr().lock();
    if line.is_some() {
        let _ = err.write_all(ERASE.as_bytes()).and_then(|()| err.flush());
    }
    let written = match stream {
        Stream::Stderr => err.write_all(text),
        Stream::Stdout => {
            let mut out = std::io::stdout().lock();
            out.write_all(text).and_then(|()| out.flush())
        }
    };
    if let Some(shown) = line.as_deref() {
        let _ = err.write_all(shown.as_bytes());
    }
    let _ = err.flush();
    written
}

/// Draws `text` as the progress line (replacing the one drawn, if any).
fn draw(text: String) {
    let mut line = LINE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut err = std::io::stderr().lock();
    let _ = err
        .write_all(format!("{ERASE}{text}").as_bytes())
        .and_then(|()| err.flush());
    *line = Some(text);
}

/// Erases the progress line and draws no more.
fn erase() {
    let mut line = LINE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if line.take().is_some() {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(ERASE.as_bytes()).and_then(|()| err.flush());
    }
}

/// The most often the line is redrawn: ten times a second reads as live and costs nothing.
const REDRAW_EVERY: Duration = Duration::from_millis(100);

/// A run's progress: counts its connections and draws the line, if it is on.
#[derive(Debug)]
pub struct Progress {
    on: bool,
    total: usize,
    done: usize,
    failed: usize,
    started: Instant,
    drawn_at: Option<Instant>,
}

impl Progress {
    /// A progress line that is drawn only when `on` (stderr is a terminal, and not `-q`).
    pub fn new(on: bool) -> Progress {
        Progress {
            on,
            total: 0,
            done: 0,
            failed: 0,
            started: Instant::now(),
            drawn_at: None,
        }
    }

    /// The run has `total` connections to check: the line appears, its clock started by the
    /// first call (a count that grows as rows are read keeps the clock).
    pub fn start(&mut self, total: usize) {
        if self.total == 0 {
            self.started = Instant::now();
        }
        self.total = total;
        self.redraw(true);
    }

    /// One connection finished; `failed`: it failed.
    pub fn finished(&mut self, failed: bool) {
        self.done += 1;
        self.failed += usize::from(failed);
        self.redraw(self.done == self.total);
    }

    /// Time passed: the rate and ETA are drawn again, though no connection finished.
    pub fn tick(&mut self) {
        self.redraw(false);
    }

    /// The run is over: the line goes.
    pub fn end(&mut self) {
        if self.on {
            erase();
        }
    }

    /// Draws the line when it is on and a redraw is due (`drawn_at` keeps time either way).
    fn redraw(&mut self, now_anyway: bool) {
        let now = Instant::now();
        let due = self
            .drawn_at
            .is_none_or(|at| now.duration_since(at) >= REDRAW_EVERY);
        if !(due || now_anyway) {
            return;
        }
        self.drawn_at = Some(now);
        if self.on {
            draw(line(
                self.done,
                self.total,
                self.failed,
                now.duration_since(self.started),
            ));
        }
    }
}

impl Drop for Progress {
    /// A run that ends early (an error) leaves no line behind.
    fn drop(&mut self) {
        self.end();
    }
}

/// The progress line's text: `done/total, N failed, R conn/s, ETA Ms` after `elapsed`.
pub fn line(done: usize, total: usize, failed: usize, elapsed: Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    #[expect(
        clippy::cast_precision_loss,
        reason = "a rate for people: a count past 2^52 is not a concern"
    )]
    let rate = if seconds > 0.0 {
        done as f64 / seconds
    } else {
        0.0
    };
    let rate_text = if rate < 10.0 {
        format!("{rate:.1}")
    } else {
        format!("{rate:.0}")
    };
    let left = total.saturating_sub(done);
    let eta = if left == 0 {
        "0s".to_owned()
    } else if rate > 0.0 {
        #[expect(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a whole number of seconds for people, from a positive, finite estimate"
        )]
        let secs = (left as f64 / rate).ceil() as u64;
        duration(secs)
    } else {
        "?".to_owned()
    };
    format!("{done}/{total}, {failed} failed, {rate_text} conn/s, ETA {eta}")
}

/// `42s`, `3m05s`, `1h02m`.
fn duration(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ => format!("{}h{:02}m", secs / 3600, secs % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_counts_rates_and_estimates() {
        assert_eq!(
            line(0, 100, 0, Duration::ZERO),
            "0/100, 0 failed, 0.0 conn/s, ETA ?"
        );
        assert_eq!(
            line(25, 100, 2, Duration::from_secs(5)),
            "25/100, 2 failed, 5.0 conn/s, ETA 15s"
        );
        assert_eq!(
            line(1000, 10_000, 0, Duration::from_secs(2)),
            "1000/10000, 0 failed, 500 conn/s, ETA 18s"
        );
        assert_eq!(
            line(3, 10, 1, Duration::from_secs(7)),
            "3/10, 1 failed, 0.4 conn/s, ETA 17s",
            "the estimate rounds up"
        );
        assert_eq!(
            line(10, 1000, 0, Duration::from_secs(10)),
            "10/1000, 0 failed, 1.0 conn/s, ETA 16m30s"
        );
        assert_eq!(
            line(1, 10_000, 0, Duration::from_secs(1)),
            "1/10000, 0 failed, 1.0 conn/s, ETA 2h46m"
        );
        assert_eq!(
            line(7, 7, 7, Duration::from_millis(700)),
            "7/7, 7 failed, 10 conn/s, ETA 0s"
        );
    }

    #[test]
    fn a_tick_redraws_the_line_once_a_redraw_is_due() {
        // Off: the same timing, and no line drawn over the other tests' output.
        let mut progress = Progress::new(false);
        progress.start(3);
        let first = progress.drawn_at.expect("drawn at the start");
        progress.tick();
        assert_eq!(progress.drawn_at, Some(first), "not due yet");
        std::thread::sleep(REDRAW_EVERY);
        progress.tick();
        assert!(progress.drawn_at.expect("drawn") > first, "redrawn");
    }

    #[test]
    fn a_progress_that_is_off_draws_nothing() {
        let mut progress = Progress::new(false);
        progress.start(3);
        progress.finished(true);
        assert!(
            LINE.lock().map(|line| line.is_none()).unwrap_or(false),
            "nothing drawn"
        );
        assert_eq!((progress.done, progress.failed), (1, 1));
    }
}
