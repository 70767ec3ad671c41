//! `proxy`: the library's tower layer in front of an HTTP client, between an app and the
//! platform (or staging).
//!
//! The upstream is called over hyper-util's pooled client (connections are reused), through
//! rustls with the operating system's trust roots and any `--ca` files. A connection that
//! cannot be made answers 502; one that is not made within the connect timeout, or an answer
//! that does not come within the response timeout, answers 504. Hop-by-hop headers are not
//! forwarded, and `Host` names the upstream.

use std::convert::Infallible;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode, Uri};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::sync::mpsc;
use tower_service::Service;

use cloudstorage_contract::report::{Checked, Origin};
use cloudstorage_contract::tower::{
    Action, ContractBody, ContractService, Inspection, ORDER_GET_PATH, Outcome, Verdicts,
};
use cloudstorage_contract::{Error, Response as Envelope};

use super::findings;
use super::listen::{Body, BoxError, full};
use super::log::{Log, bounded};
use super::metrics::{Metrics, Verdict};
use super::record::{Answer, Exchange};

/// What the upstream client needs.
#[derive(Debug, Clone)]
pub(crate) struct Upstream {
    /// Scheme, authority and an optional path prefix.
    pub(crate) base: Uri,
    pub(crate) connect_timeout: Duration,
    pub(crate) response_timeout: Duration,
    /// PEM files of private certificate authorities to trust besides the system's.
    pub(crate) ca: Vec<PathBuf>,
}

type HttpsClient = Client<HttpsConnector<HttpConnector>, ContractBody<Incoming>>;

/// The client to the upstream, as a service the layer wraps. It never fails: an upstream that
/// cannot be reached is a 502, one too slow a 504.
#[derive(Clone)]
pub(crate) struct Forward {
    client: HttpsClient,
    upstream: Arc<Upstream>,
}

impl Forward {
    pub(crate) fn new(upstream: Upstream) -> Result<Forward, Error> {
        let tls = tls_config(&upstream.ca)?;
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(upstream.connect_timeout));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .build(connector);
        Ok(Forward {
            client,
            upstream: Arc::new(upstream),
        })
    }

    /// The upstream URI for a request's path and query.
    fn target(&self, uri: &Uri) -> Result<Uri, http::Error> {
        let base = &self.upstream.base;
        let prefix = base.path().trim_end_matches('/');
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let mut parts = http::uri::Parts::default();
        parts.scheme = base.scheme().cloned();
        parts.authority = base.authority().cloned();
        parts.path_and_query = Some(format!("{prefix}{path}").parse()?);
        Ok(Uri::from_parts(parts)?)
    }
}

/// The rustls client configuration: the system's roots and the `--ca` files.
fn tls_config(ca: &[PathBuf]) -> Result<rustls::ClientConfig, Error> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    // Roots that do not parse are skipped, as browsers do; the private CAs must parse.
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    for path in ca {
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| Error::usage(format!("`--ca {}`: {e}", path.display())))?;
        let mut added = 0;
        for cert in certs {
            let cert = cert.map_err(|e| Error::usage(format!("`--ca {}`: {e}", path.display())))?;
            roots
                .add(cert)
                .map_err(|e| Error::usage(format!("`--ca {}`: {e}", path.display())))?;
            added += 1;
        }
        if added == 0 {
            return Err(Error::usage(format!(
                "`--ca {}`: no PEM certificate in the file",
                path.display()
            )));
        }
    }
    // ring rather than aws-lc-rs: no C toolchain beyond `cc` to build it. Its provider is
    // deprecated only for lacking post-quantum key exchange, which a staging proxy can do
    // without.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::internal(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Headers that concern one connection, never forwarded (RFC 9110, 7.6.1).
const HOP_BY_HOP: [HeaderName; 7] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
        .collect();
    for name in HOP_BY_HOP.iter().chain(&named) {
        headers.remove(name);
    }
    headers.remove(header::PROXY_AUTHORIZATION);
}

impl Service<Request<ContractBody<Incoming>>> for Forward {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request<ContractBody<Incoming>>) -> Self::Future {
        let target = match self.target(request.uri()) {
            Ok(target) => target,
            Err(_) => {
                return Box::pin(async {
                    Ok(own_answer(
                        StatusCode::BAD_REQUEST,
                        "the request's path cannot be forwarded",
                        "请求路径无法转发",
                    ))
                });
            }
        };
        strip_hop_by_hop(request.headers_mut());
        if let Some(authority) = target.authority()
            && let Ok(host) = HeaderValue::from_str(authority.as_str())
        {
            request.headers_mut().insert(header::HOST, host);
        }
        *request.uri_mut() = target;
        let future = self.client.request(request);
        let timeout = self.upstream.response_timeout;
        Box::pin(async move {
            Ok(match tokio::time::timeout(timeout, future).await {
                Ok(Ok(response)) => {
                    let (mut parts, body) = response.into_parts();
                    strip_hop_by_hop(&mut parts.headers);
                    Response::from_parts(parts, body.map_err(BoxError::from).boxed())
                }
                Ok(Err(e)) if timed_out(&e) => too_slow(),
                Ok(Err(e)) => unreachable_upstream(&e),
                Err(_) => too_slow(),
            })
        })
    }
}

/// Whether a client error is a timeout (the connect timeout).
fn timed_out(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return true;
        }
        source = e.source();
    }
    false
}

fn too_slow() -> Response<Body> {
    own_answer(
        StatusCode::GATEWAY_TIMEOUT,
        "the upstream did not answer in time",
        "上游未在限定时间内响应",
    )
}

fn unreachable_upstream(error: &hyper_util::client::legacy::Error) -> Response<Body> {
    let cause = cloudstorage_contract::terminal::chain(error);
    own_answer(
        StatusCode::BAD_GATEWAY,
        &format!("the upstream cannot be reached: {}", bounded(&cause)),
        "无法连接上游",
    )
}

/// Marks an answer the proxy made itself in place of upstream's (502, 504), so that the layer's
/// verdict on it is not taken for upstream's.
#[derive(Debug, Clone, Copy)]
struct OwnAnswer;

/// The proxy's own answer in the platform's error envelope, `code` the HTTP status.
pub(crate) fn own_answer(status: StatusCode, message: &str, localized: &str) -> Response<Body> {
    let envelope = Envelope::failure(i32::from(status.as_u16()), message, localized);
    let body = serde_json::to_vec(&envelope).unwrap_or_default();
    let mut response = Response::new(full(body));
    response.extensions_mut().insert(OwnAnswer);
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    response
}

/// Everything a call needs, shared by every connection.
pub(crate) struct Proxy {
    pub(crate) service: ContractService<Forward>,
    pub(crate) log: Arc<Log>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) record: Option<mpsc::Sender<Exchange>>,
    pub(crate) keep_credentials: bool,
    /// The bound on a whole call: reading the request, upstream, reading its answer.
    pub(crate) deadline: Duration,
    pub(crate) calls: AtomicU64,
}

impl Proxy {
    pub(crate) async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Response<Body> {
        let started = jiff::Timestamp::now();
        let clock = Instant::now();
        let number = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        let method = request.method().clone();
        let uri = request.uri().clone();
        let order_get = method == Method::POST && uri.path().ends_with(ORDER_GET_PATH);
        self.metrics.call(order_get);
        let request_headers = if order_get && self.record.is_some() {
            header_list(request.headers(), self.keep_credentials)
        } else {
            Vec::new()
        };
        let mut service = self.service.clone();
        let mut response = match tokio::time::timeout(self.deadline, service.call(request)).await {
            Ok(Ok(response)) => response.map(|body| body.map_err(BoxError::from).boxed()),
            Ok(Err(never)) => match never {},
            Err(_) => too_slow(),
        };
        let Some(verdicts) = response.extensions_mut().remove::<Verdicts>() else {
            self.metrics.answer(response.status().as_u16());
            return response;
        };
        // Upstream unreachable or too slow: the response the layer judged is the proxy's own.
        let own = response.extensions().get::<OwnAnswer>().is_some();
        let (mut parts, mut body) = response.into_parts();
        if let Some(value) = findings::value(&verdicts)
            && let Ok(value) = HeaderValue::from_str(&value)
        {
            parts
                .headers
                .insert(HeaderName::from_static(findings::NAME), value);
        }
        self.metrics.answer(parts.status.as_u16());
        if let Some(record) = &self.record {
            let refused = verdicts
                .inspections()
                .any(|i| matches!(i.action, Action::Rejected(_)));
            let answer_body = match (&verdicts.response_body, refused) {
                (Some(upstream), _) => upstream.clone(),
                (None, true) => {
                    // The proxy's own answer, in memory: read it to record it.
                    let bytes = body
                        .collect()
                        .await
                        .map(|c| c.to_bytes())
                        .unwrap_or_default();
                    body = full(bytes.clone());
                    bytes
                }
                (None, false) => Bytes::new(),
            };
            let exchange = Exchange {
                started,
                millis: clock.elapsed().as_secs_f64() * 1000.0,
                method: method.to_string(),
                url: bounded(&uri.to_string()),
                request_headers,
                request_body: verdicts.request_body.clone().unwrap_or_default(),
                response: Some(Answer {
                    status: parts.status.as_u16(),
                    headers: header_list(&parts.headers, true),
                    body: answer_body,
                    from_upstream: verdicts.response_body.is_some() && !own,
                    answered_by_proxy: refused || own,
                }),
            };
            // Waits while the writer is behind: nothing recorded is dropped.
            let _ = record.send(exchange).await;
        }
        let label = bounded(uri.path());
        let mut verdicts = verdicts;
        if let Some(request) = verdicts.request.take() {
            self.log_verdict(&label, number, request, verdicts.request_body.as_deref());
        }
        if let Some(response) = verdicts.response.take().filter(|_| !own) {
            self.log_verdict(&label, number, response, verdicts.response_body.as_deref());
        }
        Response::from_parts(parts, body)
    }

    /// One `--log` line: the object `check --format json` prints for the body.
    fn log_verdict(&self, label: &str, number: u64, inspection: Inspection, bytes: Option<&[u8]>) {
        let origin = Origin::line(label, u32::try_from(number).unwrap_or(u32::MAX));
        match inspection.outcome {
            Outcome::Checked(report) => {
                self.metrics
                    .verdict(inspection.kind, Verdict::of(&report), Some(&report));
                let checked = Checked::new(report, origin, bytes.unwrap_or_default(), false);
                // The json format's own writer: serde's bytes, written faster.
                let mut line = Vec::with_capacity(256);
                cloudstorage_contract::report::json::payload(&mut line, &checked);
                self.log.raw_line(line);
            }
            other => {
                self.metrics.verdict(inspection.kind, Verdict::Unread, None);
                let reason = match other {
                    Outcome::TooLarge { .. } => "too-large",
                    Outcome::Interrupted => "interrupted",
                    Outcome::Encoded => "compressed",
                    _ => "unread",
                };
                self.log.line(&serde_json::json!({
                    "file": origin.file.as_ref(),
                    "line": origin.line,
                    "entry": null,
                    "kind": inspection.kind.as_str(),
                    "verdict": "unread",
                    "reason": reason,
                }));
            }
        }
    }
}

/// Headers as recorded: names and values, credentials masked unless `keep` (values that are
/// not text are left out).
fn header_list(headers: &HeaderMap, keep: bool) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(name, value)| {
            let value = value.to_str().ok()?;
            let secret = !keep && is_secret_header(name.as_str());
            Some((
                name.as_str().to_owned(),
                if secret {
                    "********".to_owned()
                } else {
                    value.to_owned()
                },
            ))
        })
        .collect()
}

/// Headers that carry credentials.
fn is_secret_header(name: &str) -> bool {
    matches!(
        name,
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    ) || ["token", "secret", "signature", "api-key", "apikey"]
        .iter()
        .any(|part| name.contains(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_stay_behind() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONNECTION,
            HeaderValue::from_static("close, x-private"),
        );
        headers.insert("x-private", HeaderValue::from_static("1"));
        headers.insert(
            header::TRANSFER_ENCODING,
            HeaderValue::from_static("chunked"),
        );
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        strip_hop_by_hop(&mut headers);
        assert_eq!(
            headers.keys().map(HeaderName::as_str).collect::<Vec<_>>(),
            ["content-type"]
        );
    }

    #[test]
    fn secret_headers_are_masked() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        headers.insert("x-ca-signature", HeaderValue::from_static("sig"));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let masked = header_list(&headers, false);
        assert!(masked.iter().all(|(_, v)| v != "Bearer abc" && v != "sig"));
        assert!(masked.contains(&("content-type".into(), "application/json".into())));
        assert!(
            header_list(&headers, true).contains(&("authorization".into(), "Bearer abc".into()))
        );
    }
}
