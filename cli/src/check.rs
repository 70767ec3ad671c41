//! `check`: read the inputs ([`super::read`]) on every thread through the one scheduler
//! ([`super::schedule`]), validate and render each batch where it was read
//! ([`super::render`]), and write the reports in input order ([`super::output`]).

use std::io::{self, Write};
use std::path::PathBuf;

use cloudstorage_contract::report::Rendering;
use cloudstorage_contract::schema::Kind;
use cloudstorage_contract::traffic::TrafficProfile;
use cloudstorage_contract::{Error, Validator};

use super::inputs::{self, How, Input, Walk};
use super::output::{self, Output, OutputFile, Sink};
use super::read::Reader;
use super::render::{PerThread, Texts, Work};
use super::schedule;

pub(crate) use super::output::Format;

/// What `check` was asked to do, options resolved.
#[derive(Debug)]
pub(crate) struct Config {
    /// `None` to detect each payload's kind.
    pub(crate) kind: Option<Kind>,
    /// Read stdin and files of other extensions as NDJSON.
    pub(crate) ndjson: bool,
    pub(crate) jobs: usize,
    pub(crate) format: Format,
    pub(crate) color: bool,
    pub(crate) quiet: bool,
    pub(crate) max_bytes: usize,
    /// What a directory walk leaves out.
    pub(crate) walk: Walk,
    /// The files of `--output`, each with what it holds.
    pub(crate) outputs: Vec<(Output, PathBuf)>,
    /// Gather the traffic profile of the run for the caller, as well as for any file of
    /// `--output profile=PATH` (`profile`, which prints it).
    pub(crate) profile: bool,
    /// Where to append the GitHub step summary (`GITHUB_STEP_SUMMARY`, with the github format).
    pub(crate) step_summary: Option<PathBuf>,
}

/// What a run ends with.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// The exit code of `check`: 0, 1 or 2.
    pub(crate) code: u8,
    /// The traffic profile of everything read, when [`Config::profile`] asked for it.
    pub(crate) profile: Option<TrafficProfile>,
}

/// Runs `check` over `paths`, writing to `out`.
///
/// # Errors
///
/// When a path does not exist or a directory holds no input: nothing is checked then. Errors
/// on one input while checking (unreadable, not a HAR) are printed to stderr and the run goes
/// on, ending with exit code 2.
pub(crate) fn run(
    validator: &Validator,
    config: &Config,
    paths: &[PathBuf],
    out: impl Write,
) -> Result<Outcome, Error> {
    let mut inputs = inputs::inputs(paths, config.ndjson, config.walk)?;
    let files = output::create(&config.outputs, paths)?;
    // A report is never read as an input, even where a folder walk finds it.
    let written: Vec<PathBuf> = files.iter().map(|f| output::identity(&f.path)).collect();
    if !written.is_empty() {
        inputs.retain(|input| {
            input
                .path
                .as_ref()
                .is_none_or(|p| !written.contains(&output::identity(p)))
        });
    }
    let reader = Reader::new(&inputs, config.max_bytes, config.jobs);
    run_with(validator, config, out, files, reader, true).map(|(outcome, _)| outcome)
}

/// `check` over the bytes of one input held in memory, read as NDJSON or (`har`) as a HAR
/// file: what [`run`] does with a file, for the fuzz targets.
///
/// # Errors
///
/// When the input cannot be read (a HAR that is not one): the error [`run`] prints.
pub(crate) fn run_bytes(
    validator: &Validator,
    config: &Config,
    har: bool,
    bytes: &[u8],
    out: impl Write,
) -> Result<u8, Error> {
    let input = [Input {
        path: None,
        name: "<bytes>".into(),
        how: if har { How::Har } else { How::Ndjson },
        gzip: false,
    }];
    let reader = Reader::new(&input, config.max_bytes, config.jobs).with_bytes(bytes);
    let (outcome, reader) = run_with(validator, config, out, Vec::new(), reader, false)?;
    match reader.and_then(Reader::into_failure) {
        Some(e) => Err(e),
        None => Ok(outcome.code),
    }
}

/// Reads the inputs of `reader`, validates and renders them on `config.jobs` threads, and
/// writes the reports and the summary to `out` (unless quiet) and to `files`, printing the
/// error of an input that cannot be read when `print_failures`; returns the exit code and the
/// profile, and the reader when it was read to its end.
fn run_with<'a, W: Write>(
    validator: &Validator,
    config: &Config,
    out: W,
    files: Vec<OutputFile>,
    reader: Reader<'a>,
    print_failures: bool,
) -> Result<(Outcome, Option<Reader<'a>>), Error> {
    let stdout = (!config.quiet).then(|| (Rendering::new(config.format, config.color), out));
    let step_summary = config.step_summary.clone();
    let mut sink = Sink::new(stdout, files, step_summary, print_failures, config.profile)?;
    let render = sink.render();
    let work = Work {
        validator,
        kind: config.kind,
        max_bytes: config.max_bytes,
        render,
        want_source: render.renderings.has(Format::Human),
    };
    let mut read = None;
    let result = (|| -> io::Result<()> {
        sink.begin()?;
        let (source, threads) = schedule::ordered(
            reader,
            config.jobs,
            |batch, own: &mut PerThread, texts: Texts| work.batch(batch, own, texts),
            |rendered| sink.emit(rendered),
        )?;
        read = Some(source);
        for profile in threads.into_iter().filter_map(|own| own.profile) {
            sink.add_profile(profile);
        }
        sink.end()
    })();
    if let Some(e) = sink.file_failed {
        return Err(e);
    }
    match result {
        Ok(()) => {}
        // A closed pipe (`| head`) ends the run quietly.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(Error::io("<stdout>", e)),
    }
    let code = sink.code();
    let profile = sink.profile.take();
    Ok((Outcome { code, profile }, read))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{Render, Renderings};
    use cloudstorage_contract::report::{Checked, Origin};

    /// NDJSON of every shape a line can take: conforming payloads and near misses of both
    /// kinds, blank lines, `\r\n` ends, lines over `--max-bytes`, no newline at the end.
    fn mixed_ndjson(lines: u64) -> Vec<u8> {
        let mut text = Vec::new();
        for seed in 0..lines {
            let kind = Kind::ALL[(seed % 2) as usize];
            let sample = match seed % 3 {
                0 => cloudstorage_contract::sample::near_miss(kind, seed),
                _ => cloudstorage_contract::sample::conforming(kind, seed),
            };
            text.extend_from_slice(sample.text.as_bytes());
            text.extend_from_slice(match seed % 7 {
                0 => b"\r\n".as_slice(),
                1 => b"\n\n   \n",
                2 => b"\n{\"a\": \"far too long for the limit of this test, which is low\"}\n",
                _ => b"\n",
            });
        }
        text.extend_from_slice(b"{\"last\": \"without a newline\"}");
        text
    }

    /// `check --ndjson --max-bytes 1000` in `format` on `jobs` threads, no colour.
    fn ndjson_config(format: Format, jobs: usize) -> Config {
        Config {
            kind: None,
            ndjson: true,
            jobs,
            format,
            color: false,
            quiet: false,
            max_bytes: 1000,
            walk: Walk::default(),
            outputs: Vec::new(),
            profile: false,
            step_summary: None,
        }
    }

    #[test]
    fn every_thread_count_writes_the_same_output() {
        let validator = Validator::new(cloudstorage_contract::Options::default()).unwrap();
        // Enough lines for batches of every size, a few of them too long.
        let input = mixed_ndjson(2500);
        for format in [Format::Json, Format::Human, Format::Junit, Format::Github] {
            let run = |jobs| {
                let config = ndjson_config(format, jobs);
                let mut out = Vec::new();
                let code = run_bytes(&validator, &config, false, &input, &mut out).unwrap();
                (code, String::from_utf8(out).unwrap())
            };
            let one = run(1);
            assert_eq!(one.0, 1, "{format:?}");
            if matches!(format, Format::Human | Format::Github) {
                // Every sample, every long line, and the last line.
                let payloads = 2500 + (0..2500).filter(|seed| seed % 7 == 2).count() + 1;
                let summary = format!("checked {payloads} payloads");
                assert!(one.1.contains(&summary), "{format:?}: {summary}");
            }
            for jobs in [2, 3] {
                // Compare line by line, for a readable failure.
                let many = run(jobs);
                assert_eq!(many.0, one.0, "{format:?} on {jobs} threads");
                for (a, b) in one.1.lines().zip(many.1.lines()) {
                    assert_eq!(a, b, "{format:?} on {jobs} threads");
                }
                assert_eq!(many.1.len(), one.1.len(), "{format:?} on {jobs} threads");
            }
        }
    }

    /// A violating NDJSON payload (`in/a&b.ndjson:3`), then two conforming ones, the first with
    /// warnings (`page.json`).
    fn mixed_results(validator: &Validator) -> Vec<Checked> {
        let violating = br#"{"code": "200"}"#;
        let mut results = vec![Checked::new(
            validator.validate(violating),
            Origin::line("in/a&b.ndjson", 3),
            violating,
            false,
        )];
        // The page's own success response: it conforms, with warnings (`10:00:0`).
        let page = include_bytes!("../../examples/page/response-success.json");
        results.push(Checked::new(
            validator.validate(page),
            Origin::file("page.json"),
            page,
            false,
        ));
        let sample = cloudstorage_contract::sample::conforming(Kind::Response, 1);
        let report = validator.validate(sample.text.as_bytes());
        let origin = Origin::line("ok.ndjson", 1);
        results.push(Checked::new(report, origin, sample.text.as_bytes(), false));
        results
    }

    #[test]
    fn an_internal_error_is_no_verdict_and_fails_the_run() {
        let validator = Validator::new(cloudstorage_contract::Options::default()).unwrap();
        for format in [Format::Json, Format::Human, Format::Junit] {
            let mut results = mixed_results(&validator);
            results[0].internal = Some("the types refuse it".into());
            let mut renderings = Renderings::default();
            renderings.insert(Rendering::new(format, false));
            let render = Render {
                renderings,
                tally: false,
                profile: false,
            };
            let rendered = render.all(results);
            assert_eq!(rendered.internal.len(), 1, "{format:?}");
            assert!(
                rendered.internal[0].starts_with("internal error on in/a&b.ndjson:3: the types"),
                "{}",
                rendered.internal[0]
            );
            assert_eq!(
                rendered.summary.payloads, 2,
                "the internal one is not counted: {format:?}"
            );
            assert_eq!(rendered.summary.violating, 0, "{format:?}");
            let config = ndjson_config(format, 1);
            let mut out = Vec::new();
            let stdout = Some((Rendering::new(config.format, false), &mut out));
            let mut sink = Sink::new(stdout, Vec::new(), None, true, false).unwrap();
            sink.begin().unwrap();
            sink.emit(rendered).unwrap();
            sink.end().unwrap();
            assert_eq!(sink.code(), 2, "{format:?}");
            drop(sink);
            let out = String::from_utf8(out).unwrap();
            assert!(!out.contains("a&b") && !out.contains("a&amp;b"), "{out}");
            assert!(out.contains("page.json"), "{out}");
        }
    }
}
