//! The command-line tool: parse arguments, call the library, render, exit.
//!
//! Exit codes follow ripgrep's contract: 0 all good, 1 something does not conform (or a schema
//! drifted), 2 the tool could not run.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::schema::{self, Kind, Variant};

/// Check payloads of Alibaba Cloud IoT `order/get` (API 1.0.6) against the contract.
#[derive(Debug, Parser)]
#[command(name = "cloudstorage-contract", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the JSON Schemas derived from the types, write them, or compare them with a folder.
    Schema(SchemaArgs),
}

#[derive(Debug, clap::Args)]
struct SchemaArgs {
    /// Which envelope to print (both, one after the other, when omitted).
    #[arg(long, value_enum)]
    kind: Option<KindArg>,
    /// Print the strict variant (canonical times, closed objects).
    #[arg(long)]
    strict: bool,
    /// Write every schema file into DIR instead of printing.
    #[arg(long, value_name = "DIR", conflicts_with = "check")]
    write: Option<PathBuf>,
    /// Compare the schema files in DIR with the types; exit 1 with a diff on drift.
    #[arg(long, value_name = "DIR")]
    check: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KindArg {
    Request,
    Response,
}

impl From<KindArg> for Kind {
    fn from(k: KindArg) -> Kind {
        match k {
            KindArg::Request => Kind::Request,
            KindArg::Response => Kind::Response,
        }
    }
}

/// Runs the command line of this process and returns its exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with success; usage errors exit 2.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, crate::Error> {
    match cli.command {
        Command::Schema(args) => schema_command(args),
    }
}

fn schema_command(args: SchemaArgs) -> Result<ExitCode, crate::Error> {
    let mut out = std::io::stdout().lock();
    let stdout_err = |e| crate::Error::io("<stdout>", e);
    if let Some(dir) = args.write {
        for file in schema::write_all(&dir)? {
            writeln!(out, "wrote {}", dir.join(file).display()).map_err(stdout_err)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(dir) = args.check {
        let drifts = schema::check_dir(&dir)?;
        for drift in &drifts {
            write!(out, "{}", drift.diff).map_err(stdout_err)?;
        }
        if drifts.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "error: {} schema file(s) in `{}` differ from the types; run `cloudstorage-contract schema --write {}`",
            drifts.len(),
            dir.display(),
            dir.display()
        );
        return Ok(ExitCode::from(1));
    }
    let variant = if args.strict {
        Variant::Strict
    } else {
        Variant::Tolerant
    };
    let kinds = match args.kind {
        Some(k) => vec![k.into()],
        None => Kind::ALL.to_vec(),
    };
    for kind in kinds {
        out.write_all(schema::generate_text(kind, variant).as_bytes())
            .map_err(stdout_err)?;
    }
    Ok(ExitCode::SUCCESS)
}
