//! A progress bar for training loops that keeps quiet outside a terminal.
//!
//! [`Progress`] is a thin wrapper over an [`indicatif`] bar counting epochs.
//! It draws on standard error only when standard error is a terminal, so
//! tests, CI logs and output piped to a file get nothing from it.
//!
//! # Example
//!
//! ```
//! use autodiff_runtime::Progress;
//!
//! let epochs = 20;
//! let progress = Progress::new(epochs);
//! for epoch in 0..epochs {
//!     let loss = 1.0 / (epoch + 1) as f64; // ... one epoch of training ...
//!     progress.set_message(format!("loss {loss:.4}"));
//!     progress.inc();
//! }
//! progress.finish();
//! ```

use std::borrow::Cow;
use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The layout of the bar: position, length, elapsed time, message.
const TEMPLATE: &str = "{bar:30.cyan/blue} {pos:>4}/{len} epochs [{elapsed_precise}] {msg}";

/// A progress bar over a number of epochs, drawn on standard error when it
/// is a terminal, and nowhere otherwise.
///
/// # Example
///
/// ```
/// use autodiff_runtime::Progress;
///
/// // A bar that never draws, whatever the terminal.
/// let progress = Progress::hidden(3);
/// progress.inc();
/// assert_eq!((progress.position(), progress.is_visible()), (1, false));
/// ```
#[derive(Clone, Debug)]
pub struct Progress {
    /// The indicatif bar, drawing nowhere when hidden.
    bar: ProgressBar,
    /// Whether the bar draws.
    visible: bool,
}

impl Progress {
    /// A bar of `total_epochs` steps, visible only if standard error is a
    /// terminal.
    ///
    /// # Example
    ///
    /// ```
    /// use std::io::IsTerminal;
    ///
    /// let progress = autodiff_runtime::Progress::new(100);
    /// assert_eq!(progress.is_visible(), std::io::stderr().is_terminal());
    /// ```
    pub fn new(total_epochs: usize) -> Self {
        Self::with_visibility(total_epochs, std::io::stderr().is_terminal())
    }

    /// A bar of `total_epochs` steps that never draws: the same calls, no
    /// output.
    ///
    /// # Example
    ///
    /// ```
    /// assert!(!autodiff_runtime::Progress::hidden(10).is_visible());
    /// ```
    pub fn hidden(total_epochs: usize) -> Self {
        Self::with_visibility(total_epochs, false)
    }

    fn with_visibility(total_epochs: usize, visible: bool) -> Self {
        let target = if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(Some(total_epochs as u64), target);
        bar.set_style(
            ProgressStyle::with_template(TEMPLATE)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Self { bar, visible }
    }

    /// Whether the bar draws anything.
    ///
    /// # Example
    ///
    /// ```
    /// assert!(!autodiff_runtime::Progress::hidden(1).is_visible());
    /// ```
    pub fn is_visible(&self) -> bool {
        self.visible
    }

    /// Shows `message` after the bar (typically the latest loss).
    ///
    /// # Example
    ///
    /// ```
    /// let progress = autodiff_runtime::Progress::hidden(10);
    /// progress.set_message(format!("loss {:.3}", 0.25));
    /// assert_eq!(progress.message(), "loss 0.250");
    /// ```
    pub fn set_message(&self, message: impl Into<Cow<'static, str>>) {
        self.bar.set_message(message);
    }

    /// The message last set.
    ///
    /// # Example
    ///
    /// ```
    /// let progress = autodiff_runtime::Progress::hidden(10);
    /// assert_eq!(progress.message(), "");
    /// ```
    pub fn message(&self) -> String {
        self.bar.message()
    }

    /// Advances the bar by one epoch.
    ///
    /// # Example
    ///
    /// ```
    /// let progress = autodiff_runtime::Progress::hidden(10);
    /// progress.inc();
    /// progress.inc();
    /// assert_eq!(progress.position(), 2);
    /// ```
    pub fn inc(&self) {
        self.bar.inc(1);
    }

    /// The number of epochs done.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::Progress::hidden(10).position(), 0);
    /// ```
    pub fn position(&self) -> usize {
        usize::try_from(self.bar.position()).unwrap_or(usize::MAX)
    }

    /// Prints `line` on standard output, above the bar when it is visible
    /// (which it then redraws); for per-epoch logs that should stay.
    ///
    /// # Example
    ///
    /// ```
    /// let progress = autodiff_runtime::Progress::hidden(10);
    /// progress.println("epoch 1: loss 0.5");
    /// ```
    pub fn println(&self, line: impl AsRef<str>) {
        self.bar.suspend(|| println!("{}", line.as_ref()));
    }

    /// Fills the bar and leaves it on screen with its last message.
    ///
    /// # Example
    ///
    /// ```
    /// let progress = autodiff_runtime::Progress::hidden(10);
    /// progress.finish();
    /// assert_eq!(progress.position(), 10);
    /// ```
    pub fn finish(&self) {
        self.bar.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_bar_counts_like_a_visible_one() {
        let p = Progress::hidden(5);
        for _ in 0..3 {
            p.inc();
        }
        p.set_message("halfway");
        assert_eq!((p.position(), p.message().as_str()), (3, "halfway"));
        p.finish();
        assert_eq!(p.position(), 5);
    }

    #[test]
    fn visibility_follows_stderr() {
        assert_eq!(Progress::new(1).is_visible(), std::io::stderr().is_terminal());
    }

    #[test]
    fn template_is_valid() {
        assert!(ProgressStyle::with_template(TEMPLATE).is_ok());
    }
}
