//! Colour on the terminal, by anstream's rules: `--color` first, then `NO_COLOR` (never),
//! `CLICOLOR_FORCE` (always), `CLICOLOR=0` (never), and otherwise colour only on a terminal that
//! is not `TERM=dumb`. Each stream decides for itself: stdout for the human report, stderr for
//! the `error:` lines.

use std::io::Write;

use anstream::ColorChoice;

use crate::terminal;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum When {
    Auto,
    Always,
    Never,
}

/// Makes `when` the choice of every stream of this process.
pub(crate) fn choose(when: When) {
    ColorChoice::write_global(match when {
        When::Auto => ColorChoice::Auto,
        When::Always => ColorChoice::Always,
        When::Never => ColorChoice::Never,
    });
}

/// Whether the report on stdout is coloured.
pub(crate) fn stdout() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != ColorChoice::Never
}

/// Prints `error: MESSAGE` on stderr, `error:` in bold red where stderr takes colour, the
/// message [made safe](crate::terminal) for the terminal.
pub(crate) fn error(message: &str) {
    let style = anstyle::AnsiColor::Red.on_default().bold();
    let stderr = std::io::stderr();
    let label = if anstream::AutoStream::choice(&stderr) == ColorChoice::Never {
        "error:".to_owned()
    } else {
        format!("{}error:{}", style.render(), style.render_reset())
    };
    let _ = writeln!(stderr.lock(), "{label} {}", terminal::escape(message));
}
