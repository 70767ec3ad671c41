//! Colour on the terminal, by anstream's rules: `--color` first, then `NO_COLOR` (never),
//! `CLICOLOR_FORCE` (always), `CLICOLOR=0` (never), and otherwise colour only on a terminal that
//! is not `TERM=dumb`. Each stream decides for itself: stdout for the human report, stderr for
//! the `error:` lines.

use std::io::Write;

use anstream::ColorChoice;

use cloudstorage_contract::terminal;

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
/// message [made safe](cloudstorage_contract::terminal) for the terminal.
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

/// `command` for parsing `argv`, and whether it is unstyled: clap, refusing a command line,
/// quotes the argument it refused as it is, and keeps its escape sequences on a terminal. So a
/// command line that holds an [unsafe](cloudstorage_contract::terminal) character is parsed by an unstyled
/// command, whose message [`clap_error`] can then escape whole.
pub(crate) fn for_args(
    command: clap::Command,
    argv: &[std::ffi::OsString],
) -> (clap::Command, bool) {
    let plain = argv
        .iter()
        .any(|arg| arg.to_string_lossy().contains(terminal::is_unsafe));
    if plain {
        (command.styles(clap::builder::Styles::plain()), true)
    } else {
        (command, false)
    }
}

/// Prints what clap says of a command line it refused (a usage error, on stderr) or answered
/// (help or version, on stdout), and returns the exit code: 2 for a usage error. If the command
/// line held an [unsafe](cloudstorage_contract::terminal) character (`plain`, and the command unstyled), each
/// line of the message is made safe.
pub(crate) fn clap_error(e: &clap::Error, plain: bool) -> std::process::ExitCode {
    if plain {
        let text = e.render().ansi().to_string();
        let safe: Vec<_> = text.split('\n').map(terminal::escape).collect();
        let safe = safe.join("\n");
        let _ = if e.use_stderr() {
            std::io::stderr().lock().write_all(safe.as_bytes())
        } else {
            std::io::stdout().lock().write_all(safe.as_bytes())
        };
    } else {
        let _ = e.print();
    }
    if e.use_stderr() {
        std::process::ExitCode::from(2)
    } else {
        std::process::ExitCode::SUCCESS
    }
}
