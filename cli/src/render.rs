//! Validating and rendering a batch of payloads, on the thread that read it: each payload's
//! report placed in its input, then rendered once per rendering the destinations ask for, and,
//! when a traffic profile is asked for, fed to the thread's own [`TrafficProfile`] from the same
//! walk (the run merges the threads' profiles at its end: a profile per batch, folded and
//! merged each time, cost more than the feeding itself).

use std::sync::Arc;

use cloudstorage_contract::Validator;
use cloudstorage_contract::har::Entry;
use cloudstorage_contract::report::step_summary::Tally;
use cloudstorage_contract::report::{Checked, Format, Origin, Rendering, Summary};
use cloudstorage_contract::schema::Kind;
use cloudstorage_contract::traffic::{self, TrafficProfile};

use super::read::{Batch, Content, Job};

/// Bytes reserved for a batch's json text: a line per payload, about 150 bytes for a conforming
/// one.
const JSON_RESERVE: usize = 128 * 160;

/// How many distinct [`Rendering`]s there are: the five formats, and the human one coloured.
pub(crate) const RENDERINGS: usize = 6;

/// Each rendering's text of a run of payloads, by [`slot`].
pub(crate) type Texts = [Vec<u8>; RENDERINGS];

/// Where a rendering's text goes in [`Texts`].
pub(crate) fn slot(rendering: Rendering) -> usize {
    match (rendering.format(), rendering.color()) {
        (Format::Human, false) => 0,
        (Format::Json, _) => 1,
        (Format::Junit, _) => 2,
        (Format::Sarif, _) => 3,
        (Format::Github, _) => 4,
        (Format::Human, true) => 5,
        // A format this command line does not know yet has no slot: it is never asked for.
        _ => 0,
    }
}

/// The renderings a run needs, each once, in a fixed order.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Renderings {
    list: [Option<Rendering>; RENDERINGS],
}

impl Renderings {
    pub(crate) fn insert(&mut self, rendering: Rendering) {
        self.list[slot(rendering)] = Some(rendering);
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = Rendering> + '_ {
        self.list.iter().flatten().copied()
    }

    pub(crate) fn has(&self, format: Format) -> bool {
        self.iter().any(|r| r.format() == format)
    }
}

/// What validating a batch needs; the same on every thread of a run.
#[derive(Clone, Copy)]
pub(crate) struct Work<'env> {
    pub(crate) validator: &'env Validator,
    /// The kind every payload is read as, or `None` to detect each one's.
    pub(crate) kind: Option<Kind>,
    /// `--max-bytes`.
    pub(crate) max_bytes: usize,
    pub(crate) render: Render,
    /// Whether findings keep their source line (for the human format).
    pub(crate) want_source: bool,
}

impl Work<'_> {
    /// Validates and renders the payloads of `batch` into `texts`, empty buffers to reuse,
    /// with what this thread keeps from batch to batch (`own`).
    pub(crate) fn batch(self, batch: &Batch, own: &mut PerThread, texts: Texts) -> Rendered {
        let mut out = self.render.start(texts);
        let PerThread { name, profile } = own;
        if self.render.profile && profile.is_none() {
            *profile = Some(TrafficProfile::new());
        }
        for job in &batch.jobs {
            self.job(batch, job, name, &mut out, profile.as_mut());
        }
        out.summary.skipped += batch.skipped;
        if let Some(profile) = profile {
            profile.add_skipped(batch.skipped as u64);
        }
        out.failure.clone_from(&batch.failure);
        out
    }

    /// Validates one job, a payload or a HAR call's request and response, and renders its
    /// results onto `out` as they are made; feeds `profile` from the same walk when given.
    fn job(
        self,
        batch: &Batch,
        job: &Job,
        name: &mut OwnName,
        out: &mut Rendered,
        profile: Option<&mut TrafficProfile>,
    ) {
        let validator = self.validator;
        let mut origin = || {
            let file = name.of(batch.file(job));
            match job.line {
                Some(line) => Origin::line(file, line),
                None => Origin::file(file),
            }
        };
        match &job.content {
            Content::Bytes(range) => {
                let bytes = batch.bytes(range);
                let origin = origin();
                let report = match (profile, self.kind) {
                    (Some(profile), kind) => {
                        let at = name.profiled(&origin);
                        validator.validate_profiled(bytes, kind, at, profile)
                    }
                    (None, None) => validator.validate(bytes),
                    (None, Some(Kind::Request)) => validator.validate_request(bytes),
                    (None, Some(Kind::Response)) => validator.validate_response(bytes),
                };
                let checked = Checked::new(report, origin, bytes, self.want_source);
                self.render.push(out, checked);
            }
            Content::TooLarge(len) => {
                let checked = Checked::too_large(origin(), *len, self.max_bytes);
                if let Some(profile) = profile {
                    profile.add_too_large(&traffic::Origin::from(&checked.origin));
                }
                self.render.push(out, checked);
            }
            Content::Call { har, call } => {
                let Some((har, call)) = batch
                    .hars
                    .get(*har)
                    .and_then(|h| Some((h, h.calls.get(*call)?)))
                else {
                    return;
                };
                let (request, response) = (&call.request.bytes, &call.response.bytes);
                let exchange = match profile {
                    Some(profile) => {
                        let at =
                            traffic::Origin::entry(&*har.name, entry_index(&call.request.entry));
                        let started = call.started.as_deref();
                        validator
                            .validate_exchange_profiled(request, response, &at, started, profile)
                    }
                    None => validator.validate_exchange(request, response),
                };
                let placer = &har.placer;
                for (report, body) in [
                    (&exchange.request, &call.request),
                    (&exchange.response, &call.response),
                ] {
                    let checked = placer.checked(report, body, self.want_source);
                    self.render.push(out, checked);
                }
            }
        }
    }
}

/// A HAR entry's index, as a profile's origin holds it.
fn entry_index(entry: &Entry) -> u32 {
    u32::try_from(entry.index).unwrap_or(u32::MAX)
}

/// What a thread keeps from batch to batch.
#[derive(Default)]
pub(crate) struct PerThread {
    pub(crate) name: OwnName,
    /// The profile of the thread's batches, when one is gathered.
    pub(crate) profile: Option<TrafficProfile>,
}

/// A thread's own copy of a file name. Every result names its file, and an `Arc` shared by the
/// threads would have them all bump one reference count per payload, a cache line passed from
/// core to core.
#[derive(Default)]
pub(crate) struct OwnName {
    /// The shared name last seen, and this thread's copy of it.
    last: Option<(Arc<str>, Arc<str>)>,
    /// The copy last given a profile's origin, and that origin: made again only when the file
    /// changes, not for each payload.
    profiled: Option<(Arc<str>, traffic::Origin)>,
}

impl OwnName {
    /// `origin`, named by this thread's copy ([`OwnName::of`]), as a traffic profile orders it.
    fn profiled(&mut self, origin: &Origin) -> &traffic::Origin {
        let fresh = match &self.profiled {
            Some((file, _)) => !Arc::ptr_eq(file, &origin.file),
            None => true,
        };
        if fresh {
            let at = traffic::Origin::from(origin);
            self.profiled = Some((Arc::clone(&origin.file), at));
        }
        let (_, at) = self
            .profiled
            .get_or_insert_with(|| (Arc::clone(&origin.file), traffic::Origin::from(origin)));
        at.line = origin.line;
        at.entry = origin.entry.as_ref().map(entry_index);
        at
    }

    fn of(&mut self, shared: Option<&Arc<str>>) -> Arc<str> {
        let Some(shared) = shared else {
            return Arc::default();
        };
        match &self.last {
            Some((seen, own)) if Arc::ptr_eq(seen, shared) => Arc::clone(own),
            _ => {
                let own: Arc<str> = Arc::from(&**shared);
                self.last = Some((Arc::clone(shared), Arc::clone(&own)));
                own
            }
        }
    }
}

/// What a batch of payloads renders to, on the thread that read it.
#[derive(Debug, Default)]
pub(crate) struct Rendered {
    pub(crate) summary: Summary,
    /// The output of the streaming formats, by rendering: for json and sarif, items of their
    /// list.
    pub(crate) texts: Texts,
    /// The results themselves, for the format that needs them all (junit).
    pub(crate) kept: Vec<Checked>,
    /// The `error:` lines of payloads that met an internal error instead of a verdict.
    pub(crate) internal: Vec<String>,
    /// What the GitHub step summary needs, when one is written.
    pub(crate) tally: Tally,
    /// An input that could not be read after these payloads: the error line to print.
    pub(crate) failure: Option<String>,
    /// Whether an item of a list was rendered, by slot, for the json and sarif commas.
    any: [bool; RENDERINGS],
}

/// What a thread needs to render: every rendering the destinations ask for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Render {
    pub(crate) renderings: Renderings,
    /// Whether to gather a [`Tally`] for the GitHub step summary.
    pub(crate) tally: bool,
    /// Whether to gather each thread's [`TrafficProfile`].
    pub(crate) profile: bool,
}

impl Render {
    /// Renders payloads in order.
    #[cfg(test)]
    pub(crate) fn all(self, results: impl IntoIterator<Item = Checked>) -> Rendered {
        let mut out = self.start(Texts::default());
        for checked in results {
            self.push(&mut out, checked);
        }
        out
    }

    /// The start of a batch's rendering into `texts`, empty buffers to reuse.
    pub(crate) fn start(self, texts: Texts) -> Rendered {
        let mut out = Rendered {
            texts,
            ..Rendered::default()
        };
        if self.renderings.has(Format::Json) {
            // A line per payload, about 150 bytes for a conforming one.
            out.texts[slot(Rendering::new(Format::Json, false))].reserve(JSON_RESERVE);
        }
        out
    }

    /// Renders one payload onto `out`, after those rendered before.
    pub(crate) fn push(self, out: &mut Rendered, checked: Checked) {
        if let Some(message) = &checked.internal {
            // Not a verdict: neither counted nor rendered, and the run fails.
            out.internal.push(format!(
                "internal error on {}: {message} (a bug: please report it with the payload)",
                checked.origin.name()
            ));
            return;
        }
        out.summary.add(&checked);
        if self.tally {
            out.tally.add(&checked);
        }
        for rendering in self.renderings.iter() {
            let slot = slot(rendering);
            rendering.render(&checked, &mut out.texts[slot], &mut out.any[slot]);
        }
        if self.renderings.has(Format::Junit) {
            out.kept.push(checked);
        }
    }
}
