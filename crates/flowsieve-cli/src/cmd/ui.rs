//! What the commands say on stderr besides their final error: notes (what was assumed;
//! silenced by `--quiet`), warnings (always), lists of findings counted when long, and the
//! progress bar (stderr only, only on a terminal, never under `--quiet` or `--no-progress`,
//! cleared when the command ends or is interrupted).

use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use indicatif::{ProgressBar, ProgressStyle};

/// Lines of one kind printed before the rest are counted ("… and 12 more").
pub const LIST_LIMIT: usize = 10;

static QUIET: AtomicBool = AtomicBool::new(false);
static NO_PROGRESS: AtomicBool = AtomicBool::new(false);
static BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

fn bar() -> MutexGuard<'static, Option<ProgressBar>> {
    BAR.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `--quiet` (no notes, no progress) and `--no-progress`.
pub fn configure(quiet: bool, no_progress: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
    NO_PROGRESS.store(quiet || no_progress, Ordering::Relaxed);
}

/// Whether `--quiet` is in force.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Prints one line on stderr without tearing the progress bar.
pub fn line(text: &str) {
    match bar().as_ref() {
        Some(bar) => bar.suspend(|| eprintln!("{text}")),
        None => eprintln!("{text}"),
    }
}

/// `flowsieve: note: …`, unless `--quiet`.
pub fn note(text: &str) {
    if !quiet() {
        line(&format!("flowsieve: note: {text}"));
    }
}

/// `flowsieve: warning: …`.
pub fn warn(text: &str) {
    line(&format!("flowsieve: warning: {text}"));
}

/// Prints `lines` (each already prefixed), the first [`LIST_LIMIT`] of them, then
/// `flowsieve: … and N more {what}` when there are more.
pub fn list(lines: &[String], what: &str) {
    for text in lines.iter().take(LIST_LIMIT) {
        line(text);
    }
    if lines.len() > LIST_LIMIT {
        line(&format!(
            "flowsieve: … and {} more {what}",
            lines.len() - LIST_LIMIT
        ));
    }
}

/// A progress bar on stderr, or nothing (not a terminal, `--quiet`, `--no-progress`). Cleared
/// when dropped.
#[derive(Debug)]
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar of `total` units drawn with `template` (indicatif's syntax).
    pub fn new(total: u64, template: &str) -> Progress {
        if NO_PROGRESS.load(Ordering::Relaxed) || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        *self::bar() = Some(bar.clone());
        Progress(Some(bar))
    }

    /// Advances by `units`.
    pub fn inc(&self, units: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(units);
        }
    }

    /// Sets the length.
    pub fn set_length(&self, total: u64) {
        if let Some(bar) = &self.0 {
            bar.set_length(total);
        }
    }

    /// Sets the position.
    pub fn set(&self, position: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(position);
        }
    }

    /// Sets the message (`{msg}` in the template).
    pub fn message(&self, text: impl FnOnce() -> String) {
        if let Some(bar) = &self.0 {
            bar.set_message(text());
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
            *self::bar() = None;
        }
    }
}

/// Clears the bar on the way out of an interrupted run.
pub fn clear_progress() {
    if let Some(bar) = bar().take() {
        bar.finish_and_clear();
    }
}
