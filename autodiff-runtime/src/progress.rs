//! A progress bar for training loops that keeps quiet outside a terminal.
//!
//! [`Progress`] is a thin wrapper over an [`indicatif`] bar counting epochs.
//! It draws on standard error only when standard error is a terminal, so
//! tests, CI logs and output piped to a file get nothing from it. When it
//! finishes it ends its line, so what is printed next starts on a line of
//! its own.
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
use std::io::{self, IsTerminal};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

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
    /// The terminal the bar draws on; `None` when hidden.
    terminal: Option<Shared>,
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
        if std::io::stderr().is_terminal() {
            Self::on_terminal(total_epochs, Arc::new(console::Term::buffered_stderr()))
        } else {
            Self::hidden(total_epochs)
        }
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
        Self { bar: Self::bar(total_epochs, ProgressDrawTarget::hidden()), terminal: None }
    }

    /// A bar drawing on `terminal`, at most 20 times a second (as
    /// indicatif's own standard-error target).
    fn on_terminal(total_epochs: usize, terminal: Arc<dyn TermLike>) -> Self {
        let terminal = Shared(terminal);
        let target = ProgressDrawTarget::term_like_with_hz(Box::new(terminal.clone()), 20);
        let bar = Self::bar(total_epochs, target);
        Self { bar, terminal: Some(terminal) }
    }

    fn bar(total_epochs: usize, target: ProgressDrawTarget) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(Some(total_epochs as u64), target);
        bar.set_style(
            ProgressStyle::with_template(TEMPLATE)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar
    }

    /// Whether the bar draws anything.
    ///
    /// # Example
    ///
    /// ```
    /// assert!(!autodiff_runtime::Progress::hidden(1).is_visible());
    /// ```
    pub fn is_visible(&self) -> bool {
        self.terminal.is_some()
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

    /// Fills the bar and leaves it on screen with its last message, then
    /// ends its line: the next `println!` starts on a fresh line. A second
    /// call does nothing.
    ///
    /// # Example
    ///
    /// ```
    /// let progress = autodiff_runtime::Progress::hidden(10);
    /// progress.finish();
    /// assert_eq!(progress.position(), 10);
    /// ```
    pub fn finish(&self) {
        if self.bar.is_finished() {
            return;
        }
        self.bar.finish();
        if let Some(terminal) = &self.terminal {
            // indicatif leaves the cursor at the end of the bar's line.
            // Nothing to do if the terminal is gone.
            let _ = terminal.write_line("").and_then(|()| terminal.flush());
        }
    }
}

/// A terminal shared by the bar, which draws on it, and [`Progress`], which
/// ends the bar's line when it finishes.
#[derive(Clone, Debug)]
struct Shared(Arc<dyn TermLike>);

impl TermLike for Shared {
    fn width(&self) -> u16 {
        self.0.width()
    }

    fn height(&self) -> u16 {
        self.0.height()
    }

    fn move_cursor_up(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_up(n)
    }

    fn move_cursor_down(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_down(n)
    }

    fn move_cursor_right(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_right(n)
    }

    fn move_cursor_left(&self, n: usize) -> io::Result<()> {
        self.0.move_cursor_left(n)
    }

    fn write_line(&self, s: &str) -> io::Result<()> {
        self.0.write_line(s)
    }

    fn write_str(&self, s: &str) -> io::Result<()> {
        self.0.write_str(s)
    }

    fn clear_line(&self) -> io::Result<()> {
        self.0.clear_line()
    }

    fn flush(&self) -> io::Result<()> {
        self.0.flush()
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

    /// A terminal that records what is written on it: text as is, a
    /// cleared line as `\r`, the cursor's moves as `<up n>` and the like.
    #[derive(Debug, Default)]
    struct Recorder(std::sync::Mutex<String>);

    impl Recorder {
        fn push(&self, text: &str) -> io::Result<()> {
            self.0.lock().unwrap().push_str(text);
            Ok(())
        }

        fn text(&self) -> String {
            self.0.lock().unwrap().clone()
        }
    }

    impl TermLike for Recorder {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, n: usize) -> io::Result<()> {
            self.push(&format!("<up {n}>"))
        }
        fn move_cursor_down(&self, n: usize) -> io::Result<()> {
            self.push(&format!("<down {n}>"))
        }
        fn move_cursor_right(&self, n: usize) -> io::Result<()> {
            self.push(&format!("<right {n}>"))
        }
        fn move_cursor_left(&self, n: usize) -> io::Result<()> {
            self.push(&format!("<left {n}>"))
        }
        fn write_line(&self, s: &str) -> io::Result<()> {
            self.push(&format!("{s}\n"))
        }
        fn write_str(&self, s: &str) -> io::Result<()> {
            self.push(s)
        }
        fn clear_line(&self) -> io::Result<()> {
            self.push("\r")
        }
        fn flush(&self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_finished_bar_leaves_the_cursor_at_the_start_of_a_fresh_line() {
        let terminal = Arc::new(Recorder::default());
        let progress = Progress::on_terminal(3, terminal.clone());
        assert!(progress.is_visible());
        for epoch in 1..=3 {
            progress.set_message(format!("loss {epoch}"));
            progress.inc();
        }
        progress.finish();
        let text = terminal.text();
        // The bar's last drawing stays, and its line is ended: what is
        // printed next starts on a line of its own.
        let (rest, last_line) = text.trim_end_matches('\n').rsplit_once('\r').expect("the bar was drawn");
        assert!(last_line.contains("3/3 epochs") && last_line.contains("loss 3"), "{text:?}");
        assert!(text.ends_with('\n'), "the bar's line is not ended: {text:?}");
        assert!(!rest.is_empty());
        // Once only.
        progress.finish();
        assert_eq!(terminal.text(), text);
    }
}
