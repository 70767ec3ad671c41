//! A tower [`Layer`] that holds `order/get` traffic to the contract, for gateways built on
//! hyper 1 or axum 0.8 (feature `tower`).
//!
//! For `POST …/vision/customer/cloudstorage/order/get` with a JSON body, the layer reads the
//! request body (up to a limit), validates it, forwards it unchanged, then reads the upstream
//! response body and validates it together with its request ([`Validator::validate_exchange`]:
//! the response must be for the requested `iotId` and `orderId`). Every other request (another
//! path, another method, a non-JSON `Content-Type`) streams through untouched, frame by frame,
//! and so does a non-JSON response.
//!
//! Two [`Mode`]s:
//! - **observe** passes everything through, byte for byte, and hands each verdict to a
//!   callback ([`ContractLayer::on_inspection`]);
//! - **enforce** answers a request that breaks the contract with `400` without calling
//!   upstream, a request over the size limit with `413`, a compressed request with `415`, and
//!   an upstream response that breaks the contract (or is over the limit, or compressed) with
//!   `502`. The answer is the platform's own error
//!   envelope, `{"code": 400, "message": …, "localizedMsg": …, "data": null}`, whose message
//!   names the rule and the JSON Pointer of the first errors, never a credential.
//!
//! # Examples
//!
//! An axum application that rejects non-conforming `order/get` calls and logs every verdict:
//!
//! ```no_run
//! use cloudstorage_contract::tower::{ContractLayer, Mode};
//! use cloudstorage_contract::{Options, Validator};
//!
//! use axum::http::{HeaderName, header::CONTENT_TYPE};
//!
//! async fn order_get(request: axum::body::Bytes) -> ([(HeaderName, &'static str); 1], String) {
//!     // Ask the platform and hand back its JSON: the layer checks it against `request`.
//! #   let _ = request;
//!     ([(CONTENT_TYPE, "application/json")], String::from("{}"))
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let layer = ContractLayer::new(Validator::new(Options::default().keep_payload(false))?)
//!     .mode(Mode::Enforce)
//!     .on_inspection(|inspection| eprintln!("{inspection:?}"));
//! let app = axum::Router::new()
//!     .route("/vision/customer/cloudstorage/order/get", axum::routing::post(order_get))
//!     .layer(layer);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```
//!
//! The same layer goes in front of a proxy service built on hyper-util's client; see
//! `examples/gateway.rs`.
//!
//! # Design
//!
//! - A request without `Content-Type` is read as JSON: the endpoint speaks nothing else, and
//!   an enforcing gateway must not be bypassed by leaving the header out. A request that
//!   declares another media type is not this endpoint's traffic and passes untouched.
//! - A compressed body (`Content-Encoding` other than `identity`) cannot be checked without
//!   decompressing it, which a contract layer should not do behind the application's back. In
//!   observe mode it passes unread, with an [`Outcome::Encoded`] verdict; in enforce mode a
//!   compressed request is refused with `415`, and the forwarded request loses its
//!   `Accept-Encoding`, so that upstream answers uncompressed (a compressed answer is `502`).
//! - Declared lengths are checked first: a `Content-Length` over the limit is refused (enforce)
//!   or streamed through (observe) without reading a byte. Otherwise the body is read up to the
//!   limit and no further.
//! - Validation runs inline on the request's task: `order/get` bodies are about 600 bytes and
//!   validate in microseconds. Keep the limits small (the default is 1 MiB). A validator built
//!   with [`Options::keep_payload(false)`](crate::Options::keep_payload) is faster, and the
//!   layer never reads the typed payload.
//! - The inspecting path boxes its future, which awaits the body, upstream and the response in
//!   sequence; one allocation per call is nothing next to a network round trip.

mod body;
mod reply;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode, header};
use http_body::Body;
use tower_layer::Layer;
use tower_service::Service;

use crate::diagnostic::Report;
use crate::schema::Kind;
use crate::validate::Validator;

pub use body::ContractBody;
use body::{Collected, collect};
use reply::Fault;

/// The path the layer inspects: a request path that ends with it (after any prefix, such as
/// a gateway's mount point).
pub const ORDER_GET_PATH: &str = "/vision/customer/cloudstorage/order/get";

/// The default largest body the layer reads, in bytes, for requests and responses alike.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// What the layer does with traffic that breaks the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Mode {
    /// Pass everything through unchanged and report.
    #[default]
    Observe,
    /// Answer a bad request with 400 (413 over the limit) without calling upstream, and a bad
    /// upstream response with 502.
    Enforce,
}

/// What the layer did with a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Passed on, unchanged.
    Forwarded,
    /// Replaced by the layer's own answer with this status (400, 413, 415 or 502).
    Rejected(StatusCode),
}

/// What the layer found in a body.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Outcome {
    /// The body was validated. A response's report includes the comparison with its request
    /// (`exchange-mismatch`) when the request was read whole.
    Checked(Report),
    /// The body is over the limit, in bytes: not validated.
    TooLarge {
        /// The limit it went over.
        limit: usize,
    },
    /// The body stream failed before its end: not validated.
    Interrupted,
    /// The body is compressed (a `Content-Encoding` other than `identity`): not read, not
    /// validated.
    Encoded,
}

/// One verdict, handed to the [`ContractLayer::on_inspection`] callback: one for the request,
/// then one for the response (when upstream was called and answered JSON).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Inspection {
    /// Which body.
    pub kind: Kind,
    /// What the layer found.
    pub outcome: Outcome,
    /// What the layer did.
    pub action: Action,
}

impl Inspection {
    /// A verdict, as the layer makes them: for front ends' tests and for services that judge
    /// bodies the layer did not read.
    pub fn new(kind: Kind, outcome: Outcome, action: Action) -> Inspection {
        Inspection {
            kind,
            outcome,
            action,
        }
    }

    /// The validator's report, when the body was validated.
    pub fn report(&self) -> Option<&Report> {
        match &self.outcome {
            Outcome::Checked(report) => Some(report),
            Outcome::TooLarge { .. } | Outcome::Interrupted | Outcome::Encoded => None,
        }
    }
}

type Callback = Arc<dyn Fn(&Inspection) + Send + Sync>;

#[derive(Clone)]
struct Config {
    validator: Arc<Validator>,
    mode: Mode,
    max_request_bytes: usize,
    max_response_bytes: usize,
    on_inspection: Option<Callback>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("mode", &self.mode)
            .field("max_request_bytes", &self.max_request_bytes)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("on_inspection", &self.on_inspection.is_some())
            .finish_non_exhaustive()
    }
}

/// A tower [`Layer`] that validates `order/get` requests and responses; see the
/// [module documentation](self).
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::tower::{ContractLayer, Mode};
/// use cloudstorage_contract::{Options, Validator};
///
/// let layer = ContractLayer::new(Validator::new(Options::default())?)
///     .mode(Mode::Enforce)
///     .max_request_bytes(64 * 1024)
///     .on_inspection(|inspection| {
///         for d in inspection.report().into_iter().flat_map(|r| r.errors()) {
///             eprintln!("{} {} at {:?}: {}", inspection.kind, d.rule(), d.pointer(), d.message());
///         }
///     });
/// # let _ = layer;
/// # Ok::<(), cloudstorage_contract::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ContractLayer {
    config: Config,
}

impl ContractLayer {
    /// A layer in [`Mode::Observe`] with [`DEFAULT_MAX_BODY_BYTES`] limits and no callback.
    pub fn new(validator: impl Into<Arc<Validator>>) -> Self {
        ContractLayer {
            config: Config {
                validator: validator.into(),
                mode: Mode::default(),
                max_request_bytes: DEFAULT_MAX_BODY_BYTES,
                max_response_bytes: DEFAULT_MAX_BODY_BYTES,
                on_inspection: None,
            },
        }
    }

    /// Observe or enforce.
    #[must_use]
    pub fn mode(mut self, mode: Mode) -> Self {
        self.config.mode = mode;
        self
    }

    /// The largest request body read and validated, in bytes.
    #[must_use]
    pub fn max_request_bytes(mut self, bytes: usize) -> Self {
        self.config.max_request_bytes = bytes;
        self
    }

    /// The largest upstream response body read and validated, in bytes.
    #[must_use]
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.config.max_response_bytes = bytes;
        self
    }

    /// Calls `callback` with every verdict, in both modes. It runs on the request's task:
    /// keep it quick (log, count, or send to a channel).
    #[must_use]
    pub fn on_inspection(mut self, callback: impl Fn(&Inspection) + Send + Sync + 'static) -> Self {
        self.config.on_inspection = Some(Arc::new(callback));
        self
    }
}

impl<S> Layer<S> for ContractLayer {
    type Service = ContractService<S>;

    fn layer(&self, inner: S) -> ContractService<S> {
        ContractService {
            inner,
            config: Arc::new(self.config.clone()),
        }
    }
}

/// The [`Service`] that [`ContractLayer`] wraps around an inner service (an axum router, a
/// proxy client).
#[derive(Debug, Clone)]
pub struct ContractService<S> {
    inner: S,
    config: Arc<Config>,
}

/// The future of [`ContractService`].
pub type ResponseFuture<B, E> =
    Pin<Box<dyn Future<Output = Result<Response<ContractBody<B>>, E>> + Send>>;

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ContractService<S>
where
    S: Service<Request<ContractBody<ReqBody>>, Response = Response<ResBody>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    ReqBody: Body + Send + 'static,
    ReqBody::Data: Send,
    ReqBody::Error: Send,
    ResBody: Body + Send + 'static,
    ResBody::Data: Send,
    ResBody::Error: Send,
{
    type Response = Response<ContractBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let inspected = request.method() == Method::POST
            && request.uri().path().ends_with(ORDER_GET_PATH)
            && is_json(request.headers());
        if !inspected {
            let future = self.inner.call(request.map(ContractBody::new));
            return Box::pin(async move { Ok(future.await?.map(ContractBody::new)) });
        }
        // The clone that was not polled ready stays; the ready one serves this call.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(inspect(Arc::clone(&self.config), inner, request))
    }
}

/// Whether a message's `Content-Type` is JSON (`application/json`, `…+json`) or absent.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return true;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence
            .rsplit_once('+')
            .is_some_and(|(_, suffix)| suffix.eq_ignore_ascii_case("json"))
}

/// Whether a message's body is compressed: a `Content-Encoding` other than `identity`.
fn is_encoded(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::CONTENT_ENCODING)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("unreadable").split(','))
        .any(|coding| !coding.trim().eq_ignore_ascii_case("identity") && !coding.trim().is_empty())
}

/// The `Content-Length` a message declares, if it declares a valid one.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Whether `report` is a verdict against the payload. A report with an internal error has no
/// verdict: the traffic is forwarded, not blamed for a bug of this crate, and the callback sees
/// [`Report::internal_error`].
fn violates(report: &Report) -> bool {
    !report.conforms() && report.internal_error().is_none()
}

/// The layer's own answer.
fn rejection<B: Body>(
    status: StatusCode,
    kind: Kind,
    fault: &Fault<'_>,
) -> Response<ContractBody<B>> {
    reply::reject(status, kind, fault).map(ContractBody::full)
}

/// What the layer found in one `order/get` call, attached to the response it hands back as an
/// [extension](http::Extensions): `response.extensions().get::<Verdicts>()`.
///
/// A front end reads it to log, count or record the call with its verdicts, without
/// correlating [`ContractLayer::on_inspection`] callbacks with responses. The bodies are the
/// bytes the layer read (shared, not copied).
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::tower::Verdicts;
///
/// fn log(response: &http::Response<()>) {
///     if let Some(verdicts) = response.extensions().get::<Verdicts>() {
///         for inspection in verdicts.inspections() {
///             let errors = inspection.report().map_or(0, |r| r.error_count());
///             eprintln!("{}: {errors} errors, {:?}", inspection.kind, inspection.action);
///         }
///     }
/// }
/// # log(&http::Response::new(()));
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Verdicts {
    /// The request's verdict.
    pub request: Option<Inspection>,
    /// The response's verdict, when upstream was called and answered JSON.
    pub response: Option<Inspection>,
    /// The request body, when the layer read it whole.
    pub request_body: Option<Bytes>,
    /// The upstream response body, when the layer read it whole.
    pub response_body: Option<Bytes>,
}

impl Verdicts {
    /// The request's verdict, then the response's.
    pub fn inspections(&self) -> impl Iterator<Item = &Inspection> {
        self.request.iter().chain(&self.response)
    }
}

/// One call's verdicts as they are found: each goes to the callback, then into [`Verdicts`].
struct Trace<'c> {
    config: &'c Config,
    verdicts: Verdicts,
}

impl Trace<'_> {
    fn note(&mut self, kind: Kind, outcome: Outcome, action: Action) {
        let inspection = Inspection {
            kind,
            outcome,
            action,
        };
        if let Some(callback) = &self.config.on_inspection {
            callback(&inspection);
        }
        match kind {
            Kind::Request => self.verdicts.request = Some(inspection),
            Kind::Response => self.verdicts.response = Some(inspection),
        }
    }

    /// Attaches the verdicts to the response handed back.
    fn attach<B>(self, mut response: Response<B>) -> Response<B> {
        response.extensions_mut().insert(self.verdicts);
        response
    }

    /// The layer's own answer, with the verdicts.
    fn reject<B: Body>(
        self,
        status: StatusCode,
        kind: Kind,
        fault: &Fault<'_>,
    ) -> Response<ContractBody<B>> {
        self.attach(reply::reject(status, kind, fault).map(ContractBody::full))
    }
}

/// The inspecting path: read and judge the request, call upstream, read and judge the answer.
async fn inspect<S, ReqBody, ResBody>(
    config: Arc<Config>,
    mut inner: S,
    request: Request<ReqBody>,
) -> Result<Response<ContractBody<ResBody>>, S::Error>
where
    S: Service<Request<ContractBody<ReqBody>>, Response = Response<ResBody>>,
    ReqBody: Body,
    ResBody: Body,
{
    let mut trace = Trace {
        config: &config,
        verdicts: Verdicts::default(),
    };
    let enforce = config.mode == Mode::Enforce;
    let (mut parts, body) = request.into_parts();
    if is_encoded(&parts.headers) {
        if enforce {
            let status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
            trace.note(Kind::Request, Outcome::Encoded, Action::Rejected(status));
            return Ok(trace.reject(status, Kind::Request, &Fault::Encoded));
        }
        trace.note(Kind::Request, Outcome::Encoded, Action::Forwarded);
        let request = Request::from_parts(parts, ContractBody::new(body));
        let response = inner.call(request).await?;
        return Ok(trace.attach(response.map(ContractBody::new)));
    }
    if enforce {
        // The answer must be checked, so ask upstream for it uncompressed.
        parts.headers.remove(header::ACCEPT_ENCODING);
    }
    let declared = declared_length(&parts.headers);
    let (body, asked) = match collect(body, declared, config.max_request_bytes).await {
        Collected::Whole { data, trailers } => {
            let (report, asked) = config.validator.validate_asked(&data);
            trace.verdicts.request_body = Some(data.clone());
            if enforce && violates(&report) {
                let status = StatusCode::BAD_REQUEST;
                let response: Response<ContractBody<ResBody>> =
                    rejection(status, Kind::Request, &Fault::Violates(&report));
                trace.note(
                    Kind::Request,
                    Outcome::Checked(report),
                    Action::Rejected(status),
                );
                return Ok(trace.attach(response));
            }
            trace.note(Kind::Request, Outcome::Checked(report), Action::Forwarded);
            (ContractBody::replay(data, trailers, None), Some(asked))
        }
        Collected::TooLarge { prefix, rest } => {
            let limit = config.max_request_bytes;
            if enforce {
                let status = StatusCode::PAYLOAD_TOO_LARGE;
                trace.note(
                    Kind::Request,
                    Outcome::TooLarge { limit },
                    Action::Rejected(status),
                );
                return Ok(trace.reject(status, Kind::Request, &Fault::TooLarge(limit)));
            }
            trace.note(
                Kind::Request,
                Outcome::TooLarge { limit },
                Action::Forwarded,
            );
            (ContractBody::prefixed(prefix, rest), None)
        }
        Collected::Interrupted { data, error } => {
            if enforce {
                let status = StatusCode::BAD_REQUEST;
                trace.note(
                    Kind::Request,
                    Outcome::Interrupted,
                    Action::Rejected(status),
                );
                return Ok(trace.reject(status, Kind::Request, &Fault::Interrupted));
            }
            trace.note(Kind::Request, Outcome::Interrupted, Action::Forwarded);
            (ContractBody::replay(data, None, Some(error)), None)
        }
    };

    let response = inner.call(Request::from_parts(parts, body)).await?;
    if !is_json(response.headers()) {
        return Ok(trace.attach(response.map(ContractBody::new)));
    }
    let (parts, body) = response.into_parts();
    let status = StatusCode::BAD_GATEWAY;
    if is_encoded(&parts.headers) {
        if enforce {
            trace.note(Kind::Response, Outcome::Encoded, Action::Rejected(status));
            return Ok(trace.reject(status, Kind::Response, &Fault::Encoded));
        }
        trace.note(Kind::Response, Outcome::Encoded, Action::Forwarded);
        return Ok(trace.attach(Response::from_parts(parts, ContractBody::new(body))));
    }
    let declared = declared_length(&parts.headers);
    let body = match collect(body, declared, config.max_response_bytes).await {
        Collected::Whole { data, trailers } => {
            let report = match &asked {
                Some(asked) => config.validator.validate_answer(asked, &data),
                None => config.validator.validate_response(&data),
            };
            trace.verdicts.response_body = Some(data.clone());
            if enforce && violates(&report) {
                let response = rejection(status, Kind::Response, &Fault::Violates(&report));
                trace.note(
                    Kind::Response,
                    Outcome::Checked(report),
                    Action::Rejected(status),
                );
                return Ok(trace.attach(response));
            }
            trace.note(Kind::Response, Outcome::Checked(report), Action::Forwarded);
            ContractBody::replay(data, trailers, None)
        }
        Collected::TooLarge { prefix, rest } => {
            let limit = config.max_response_bytes;
            if enforce {
                trace.note(
                    Kind::Response,
                    Outcome::TooLarge { limit },
                    Action::Rejected(status),
                );
                return Ok(trace.reject(status, Kind::Response, &Fault::TooLarge(limit)));
            }
            trace.note(
                Kind::Response,
                Outcome::TooLarge { limit },
                Action::Forwarded,
            );
            ContractBody::prefixed(prefix, rest)
        }
        Collected::Interrupted { data, error } => {
            if enforce {
                trace.note(
                    Kind::Response,
                    Outcome::Interrupted,
                    Action::Rejected(status),
                );
                return Ok(trace.reject(status, Kind::Response, &Fault::Interrupted));
            }
            trace.note(Kind::Response, Outcome::Interrupted, Action::Forwarded);
            ContractBody::replay(data, None, Some(error))
        }
    };
    Ok(trace.attach(Response::from_parts(parts, body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layer_is_shareable() {
        fn is_send_sync<T: Send + Sync>() {}
        is_send_sync::<ContractLayer>();
        is_send_sync::<ContractService<()>>();
    }

    fn headers(content_type: Option<&'static str>) -> HeaderMap {
        let mut map = HeaderMap::new();
        if let Some(value) = content_type {
            map.insert(header::CONTENT_TYPE, http::HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn compressed_bodies() {
        let coded = |values: &[&'static str]| {
            let mut map = HeaderMap::new();
            for v in values {
                map.append(header::CONTENT_ENCODING, http::HeaderValue::from_static(v));
            }
            is_encoded(&map)
        };
        assert!(!coded(&[]));
        assert!(!coded(&["identity"]));
        assert!(!coded(&["Identity", " identity "]));
        assert!(coded(&["gzip"]));
        assert!(coded(&["identity, br"]));
        assert!(coded(&["identity", "deflate"]));
    }

    #[test]
    fn json_media_types() {
        for json in [
            None,
            Some("application/json"),
            Some("application/json;charset=utf-8"),
            Some("Application/JSON ; charset=UTF-8"),
            Some("application/problem+json"),
        ] {
            assert!(is_json(&headers(json)), "{json:?}");
        }
        for other in [
            Some("text/plain"),
            Some("application/octet-stream"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=json"),
        ] {
            assert!(!is_json(&headers(other)), "{other:?}");
        }
    }
}
