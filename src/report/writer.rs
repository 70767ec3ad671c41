//! [`Writer`]: a run's report in one [`Format`], written a payload at a time.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use super::{Checked, Summary, github, human, json, junit, push_item, sarif};
use crate::error::Error;

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// `path:line:col: severity[rule]: message` with the source line and a caret, like rustc.
    Human,
    /// One JSON document: a `payloads` list, a line each, then the `summary`.
    Json,
    /// JUnit XML: a test case per payload.
    Junit,
    /// SARIF 2.1.0, for code-scanning viewers.
    Sarif,
    /// GitHub Actions workflow commands: an annotation per finding.
    Github,
}

impl Format {
    /// Every format, in the order `--format` lists them.
    pub const ALL: [Format; 5] = [
        Format::Human,
        Format::Json,
        Format::Junit,
        Format::Sarif,
        Format::Github,
    ];

    /// `human`, `json`, `junit`, `sarif` or `github`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Junit => "junit",
            Format::Sarif => "sarif",
            Format::Github => "github",
        }
    }

    /// Whether the format writes each payload as it comes; JUnit needs its counts up front and
    /// writes every payload at the end.
    pub fn streams(self) -> bool {
        self != Format::Junit
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = Error;

    /// The format named `human`, `json`, `junit`, `sarif` or `github`.
    fn from_str(name: &str) -> Result<Format, Error> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == name)
            .ok_or_else(|| {
                Error::usage(format!(
                    "unknown format `{name}`, expected one of: human, json, junit, sarif, github"
                ))
            })
    }
}

/// One way of rendering a report: a format, with colour or without (only the human format has
/// colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rendering {
    format: Format,
    color: bool,
}

impl Rendering {
    /// `format`, coloured when `color` and the format is human.
    pub fn new(format: Format, color: bool) -> Rendering {
        Rendering {
            format,
            color: color && format == Format::Human,
        }
    }

    /// The format.
    pub fn format(self) -> Format {
        self.format
    }

    /// Whether it is coloured.
    pub fn color(self) -> bool {
        self.color
    }

    /// Appends one payload's text onto `out`, for a run of payloads rendered together (on
    /// another thread, say) and written with [`Writer::write_rendered`]. For json and sarif the
    /// text is an item of a list: `any` says whether `out` holds one already, for the commas.
    /// A payload with an [internal error](Checked::internal) and the junit format append
    /// nothing.
    pub fn render(self, checked: &Checked, out: &mut Vec<u8>, any: &mut bool) {
        if checked.internal.is_some() {
            return;
        }
        match self.format {
            Format::Human => out.extend_from_slice(
                human::payload(checked, human::Style::new(self.color)).as_bytes(),
            ),
            Format::Github => out.extend_from_slice(github::payload(checked).as_bytes()),
            Format::Json => {
                if *any {
                    out.extend_from_slice(b",\n");
                }
                json::payload(out, checked);
                *any = true;
            }
            Format::Sarif => push_item(out, any, sarif::payload(checked).as_bytes()),
            Format::Junit => {}
        }
    }
}

/// A run's report in one format, written to `out` a payload at a time.
///
/// [`write`](Writer::write) each payload in order, then [`finish`](Writer::finish): the writer
/// counts the run's [`Summary`] itself. A caller that renders runs of payloads elsewhere hands
/// their text to [`write_rendered`](Writer::write_rendered) and ends with
/// [`end`](Writer::end), giving the counts.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::report::{Checked, Format, Origin, Writer};
/// use cloudstorage_contract::{Options, Validator};
///
/// let validator = Validator::new(Options::default())?;
/// let mut json = Writer::new(Format::Json, Vec::new())?;
/// for (i, line) in [&br#"{"code": 200, "data": null}"#[..], br#"{"code": 460}"#].into_iter().enumerate() {
///     let origin = Origin::line("traffic.ndjson", i as u32 + 1);
///     json.write(&Checked::new(validator.validate(line), origin, line, false))?;
/// }
/// let document: serde_json::Value = serde_json::from_slice(&json.finish()?)?;
/// assert_eq!(document["summary"]["violating"], 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Writer<W: Write> {
    rendering: Rendering,
    out: W,
    /// The document's opening, for the formats that have one (json, sarif).
    head: Cow<'static, str>,
    /// Whether the opening was written.
    begun: bool,
    /// Whether an item of the json or sarif list was written, for the commas.
    any: bool,
    /// The counts of what [`Writer::write`] wrote.
    summary: Summary,
    /// What [`Writer::write`] wrote, for junit.
    kept: Vec<Checked>,
    /// A buffer for one payload's text.
    text: Vec<u8>,
}

impl<W: Write> Writer<W> {
    /// A writer of `format`, without colour.
    ///
    /// # Errors
    ///
    /// When the sarif format's rule help cannot be built: an internal error.
    pub fn new(format: Format, out: W) -> Result<Self, Error> {
        Writer::with_rendering(Rendering::new(format, false), out)
    }

    /// A writer of `rendering`.
    ///
    /// # Errors
    ///
    /// As [`Writer::new`].
    pub fn with_rendering(rendering: Rendering, out: W) -> Result<Self, Error> {
        let head = match rendering.format {
            Format::Json => Cow::Owned(json::begin()),
            Format::Sarif => Cow::Borrowed(sarif::begin()?),
            Format::Human | Format::Junit | Format::Github => Cow::Borrowed(""),
        };
        Ok(Writer {
            rendering,
            out,
            head,
            begun: false,
            any: false,
            summary: Summary::default(),
            kept: Vec::new(),
            text: Vec::new(),
        })
    }

    /// What it writes.
    pub fn rendering(&self) -> Rendering {
        self.rendering
    }

    /// Writes the document's opening, if not yet written. The other writing calls do it first.
    ///
    /// # Errors
    ///
    /// When `out` fails.
    pub fn begin(&mut self) -> io::Result<()> {
        if !self.begun {
            self.begun = true;
            self.out.write_all(self.head.as_bytes())?;
        }
        Ok(())
    }

    /// Writes one payload, and counts it. A payload with an [internal
    /// error](Checked::internal) has no verdict: it is neither written nor counted.
    ///
    /// # Errors
    ///
    /// When `out` fails.
    pub fn write(&mut self, checked: &Checked) -> io::Result<()> {
        if checked.internal.is_some() {
            return Ok(());
        }
        self.summary.add(checked);
        if !self.rendering.format.streams() {
            self.kept.push(checked.clone());
            return Ok(());
        }
        let mut text = std::mem::take(&mut self.text);
        text.clear();
        let mut any = false;
        self.rendering.render(checked, &mut text, &mut any);
        let written = self.write_rendered(&text);
        self.text = text;
        written
    }

    /// Counts `skipped` HAR entries that are not `order/get` calls, for the summary.
    pub fn skip(&mut self, skipped: usize) {
        self.summary.skipped += skipped;
    }

    /// Writes the text of a run of payloads, rendered by this writer's [`Rendering`]; for json
    /// and sarif, one or more items of their list. They are not counted: end with
    /// [`end`](Writer::end).
    ///
    /// # Errors
    ///
    /// When `out` fails.
    pub fn write_rendered(&mut self, text: &[u8]) -> io::Result<()> {
        self.begin()?;
        if text.is_empty() {
            return Ok(());
        }
        if matches!(self.rendering.format, Format::Json | Format::Sarif) && self.any {
            self.out.write_all(b",\n")?;
        }
        self.any = true;
        self.out.write_all(text)
    }

    /// Writes the end of the report for a run counted in `summary` (for junit, the whole
    /// document, of the payloads `kept`), flushes, and gives `out` back.
    ///
    /// # Errors
    ///
    /// When `out` fails.
    pub fn end(mut self, summary: &Summary, kept: &[Checked]) -> io::Result<W> {
        self.begin()?;
        let color = self.rendering.color;
        let text = match self.rendering.format {
            Format::Human => human::summary(summary, human::Style::new(color)),
            Format::Github => github::summary(summary),
            Format::Json => json::end(summary),
            Format::Sarif => sarif::end(summary),
            Format::Junit => junit::render(kept, summary),
        };
        self.out.write_all(text.as_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }

    /// Ends the report of what [`write`](Writer::write) wrote, and gives `out` back.
    ///
    /// # Errors
    ///
    /// When `out` fails.
    pub fn finish(mut self) -> io::Result<W> {
        let (summary, kept) = (self.summary, std::mem::take(&mut self.kept));
        self.end(&summary, &kept)
    }

    /// Flushes `out`, for a reader who follows the run.
    ///
    /// # Errors
    ///
    /// When `out` fails.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
