//! `mock` and `proxy`: the contract in front of live traffic.
//!
//! One front end, two commands: both listen the same way ([`listen`]), validate with the same
//! validator as `check`, log one JSON line per event ([`log`]) and count into [`metrics`].

mod findings;
mod listen;
mod log;
mod metrics;
mod mock;
mod prefer;
mod proxy;
mod record;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use cloudstorage_contract::tower::{ContractLayer, Mode};
use cloudstorage_contract::{Error, Options, Profile, Validator};

use crate::config;

/// Options both servers share.
#[derive(Debug, clap::Args)]
pub(crate) struct Common {
    /// The address to listen on; port 0 picks a free one. The first line on stdout is
    /// `listening on http://ADDR`.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Serve `GET /metrics` (Prometheus text) on this address; port 0 picks a free one, and the
    /// second line on stdout is `metrics on http://ADDR`.
    #[arg(long, value_name = "ADDR")]
    metrics: Option<SocketAddr>,
    /// Listen over TLS (HTTPS) with this certificate chain (PEM, leaf first).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of `--tls-cert` (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Write the JSON log lines to PATH (appended) instead of stderr.
    #[arg(long, value_name = "PATH")]
    log: Option<PathBuf>,
    /// The strict profile: every warning is an error.
    #[arg(long)]
    strict: bool,
    /// Check each local time against this IANA time zone, such as `Asia/Shanghai`.
    #[arg(long, value_name = "IANA")]
    time_zone: Option<String>,
    /// The largest body read, in bytes.
    #[arg(long, value_name = "N", default_value_t = 1024 * 1024)]
    max_body_bytes: usize,
    /// Connections open at once; more wait until one closes.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    max_connections: usize,
    /// Seconds a client may take to send a request's head, or sit idle between requests.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    idle_timeout: u64,
    #[command(flatten)]
    config: config::Choice,
}

impl Common {
    fn limits(&self) -> listen::Limits {
        listen::Limits {
            max_connections: self.max_connections,
            header_timeout: Duration::from_secs(self.idle_timeout.max(1)),
            max_header_bytes: 64 * 1024,
            grace: Duration::from_secs(10),
        }
    }

    /// The validator: these flags over the configuration file's `time-zone`, `strict` and
    /// `[rules]`.
    fn validator(&self) -> Result<Validator, Error> {
        let file = config::File::<crate::FormatArg, crate::CheckKind>::load(&self.config)?;
        let from_file = file.map(|f| f.validation()).unwrap_or_default();
        let strict = self.strict || from_file.strict.unwrap_or(false);
        let mut options = Options::default()
            .profile(if strict {
                Profile::Strict
            } else {
                Profile::Default
            })
            .max_bytes(self.max_body_bytes);
        if let Some(zone) = self.time_zone.clone().or(from_file.time_zone) {
            options = options.time_zone(zone);
        }
        for (rule, level) in from_file.levels {
            options = options.level(rule, level);
        }
        Validator::new(options)
    }
}

const MOCK_AFTER_HELP: &str = "\
Every `POST .../vision/customer/cloudstorage/order/get` is checked like `check` checks a request.
A request that breaks the contract gets HTTP 400 with the platform's error envelope (code 460,
or 400 when the body is not a JSON object); a conforming one gets HTTP 200 and a conforming order
for its `iotId` and `orderId`, the same order for the same ids (and seed) every time.

Choosing the answer (Prism's `Prefer` header, or the query parameters `__code`, `__example`,
`__rule`, `__dynamic`):
  Prefer: code=2063            the documented error envelope for the code
  Prefer: example=page         the page's own success example (`10:00:0` times)
  Prefer: rule=end-before-start  an answer that breaks exactly that rule
  Prefer: dynamic=true         a fresh order on every call

Example:
  cloudstorage-contract mock --listen 127.0.0.1:8080 &
  curl -s localhost:8080/vision/customer/cloudstorage/order/get -H 'Prefer: code=2063' \\
    -d '{\"id\":\"1\",\"version\":\"1.0\",\"request\":{\"apiVer\":\"1.0.6\"},\"params\":{\"iotId\":\"d1\",\"orderId\":\"o1\"}}'";

/// `mock`'s options.
#[derive(Debug, clap::Args)]
#[command(after_help = MOCK_AFTER_HELP)]
pub(crate) struct MockArgs {
    /// The seed every answer is drawn from.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    common: Common,
}

const PROXY_AFTER_HELP: &str = "\
observe (the default) passes every byte through and adds `x-contract-findings` to the answers
of `order/get` calls that have findings: rule ids and pointers, at most 4 KiB. enforce answers a
request that breaks the contract with 400 (413 over --max-body-bytes, 415 compressed) without
calling upstream, and a response that breaks it with 502. An upstream that cannot be reached is
502, one that does not answer in time 504. Other routes stream through untouched.

--log writes one line per verdict: the object `check --format json` prints for the body.
--record writes every order/get exchange as it happens: `.har` (HAR 1.2, complete after every
write), `.ndjson` or `.ndjson.gz` (one payload per line). Credentials are masked unless
--record-credentials. SIGINT or SIGTERM stops accepting, finishes the calls in flight, closes the
recording and exits 0.

Example:
  cloudstorage-contract proxy https://api.example.com --record staging.har --log verdicts.ndjson";

/// `proxy`'s options.
#[derive(Debug, clap::Args)]
#[command(after_help = PROXY_AFTER_HELP)]
pub(crate) struct ProxyArgs {
    /// The upstream, `http://` or `https://`, with an optional path prefix.
    #[arg(value_name = "UPSTREAM_URL", value_parser = upstream_url)]
    upstream: http::Uri,
    /// observe: pass everything and report; enforce: refuse what breaks the contract.
    #[arg(long, value_enum, default_value_t = ModeArg::Observe)]
    mode: ModeArg,
    /// Record every order/get exchange to PATH (`.har`, `.ndjson` or `.ndjson.gz`).
    #[arg(long, value_name = "PATH")]
    record: Option<PathBuf>,
    /// Record credentials (`iotToken`, `cloudToken`, authorization headers) as they are.
    #[arg(long, requires = "record")]
    record_credentials: bool,
    /// Also trust the certificate authorities in this PEM file (repeatable).
    #[arg(long, value_name = "FILE")]
    ca: Vec<PathBuf>,
    /// Seconds to connect to the upstream before answering 504.
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    connect_timeout: u64,
    /// Seconds to wait for the upstream's answer before answering 504.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ModeArg {
    Observe,
    Enforce,
}

fn upstream_url(value: &str) -> Result<http::Uri, String> {
    let uri: http::Uri = value
        .parse()
        .map_err(|e| format!("not a URL ({e}); expected http://HOST[:PORT][/PREFIX]"))?;
    match uri.scheme_str() {
        Some("http" | "https") if uri.authority().is_some() => {}
        _ => return Err("expected http://HOST[:PORT][/PREFIX] or https://...".to_owned()),
    }
    if uri.query().is_some() {
        return Err("the upstream URL cannot have a query".to_owned());
    }
    Ok(uri)
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the runtime: {e}")))
}

/// Serves `GET /metrics` on `listener` until `stop` completes.
async fn serve_metrics(
    listener: tokio::net::TcpListener,
    metrics: Arc<metrics::Metrics>,
    limits: listen::Limits,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let service = move |request: http::Request<hyper::body::Incoming>| {
        let metrics = Arc::clone(&metrics);
        async move {
            let mut response = if request.uri().path() == "/metrics" {
                let mut response = http::Response::new(listen::full(metrics.render()));
                response.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                );
                response
            } else {
                http::Response::new(listen::full("not found\n"))
            };
            if request.uri().path() != "/metrics" {
                *response.status_mut() = http::StatusCode::NOT_FOUND;
            }
            Ok::<_, std::convert::Infallible>(response)
        }
    };
    listen::serve(listener, None, service, limits, stopped(stop)).await;
}

/// Binds `--metrics`, if given: before the first line is printed, so that a bad address fails
/// the start.
async fn bind_metrics(addr: Option<SocketAddr>) -> Result<Option<tokio::net::TcpListener>, Error> {
    match addr {
        Some(addr) => listen::bind(addr).await.map(Some),
        None => Ok(None),
    }
}

/// Announces the metrics listener on the second stdout line and serves it.
fn spawn_metrics(
    listener: Option<tokio::net::TcpListener>,
    metrics: &Arc<metrics::Metrics>,
    limits: listen::Limits,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> Result<Option<tokio::task::JoinHandle<()>>, Error> {
    let Some(listener) = listener else {
        return Ok(None);
    };
    listen::announce(&listener, "metrics", false)?;
    Ok(Some(tokio::spawn(serve_metrics(
        listener,
        Arc::clone(metrics),
        limits,
        stop.clone(),
    ))))
}

/// Completes when the watched flag turns true (or its sender is gone).
async fn stopped(mut stop: tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Binds `--listen` (and `--metrics`), prints the first line, and serves `handle` until SIGINT
/// or SIGTERM, then lets the calls in flight finish.
async fn run<H, F>(common: &Common, metrics: &Arc<metrics::Metrics>, handle: H) -> Result<(), Error>
where
    H: Fn(http::Request<hyper::body::Incoming>) -> F + Clone + Send + Sync + 'static,
    F: std::future::Future<Output = http::Response<listen::Body>> + Send + 'static,
{
    let limits = common.limits();
    let tls = match (&common.tls_cert, &common.tls_key) {
        (Some(cert), Some(key)) => Some(listen::tls_acceptor(cert, key)?),
        _ => None,
    };
    let listener = listen::bind(common.listen).await?;
    let metrics_listener = bind_metrics(common.metrics).await?;
    let (stop, watch) = tokio::sync::watch::channel(false);
    listen::announce(&listener, "listening", tls.is_some())?;
    let metrics_task = spawn_metrics(metrics_listener, metrics, limits, &watch)?;
    let service = move |request| {
        let answer = handle(request);
        async move { Ok(answer.await) }
    };
    listen::serve(listener, tls, service, limits, listen::signal()).await;
    let _ = stop.send(true);
    if let Some(task) = metrics_task {
        let _ = task.await;
    }
    Ok(())
}

/// `mock`: runs until SIGINT or SIGTERM.
pub(crate) fn mock(args: &MockArgs) -> Result<(), Error> {
    let metrics = Arc::new(metrics::Metrics::default());
    let log = Arc::new(log::Log::open(args.common.log.as_deref())?);
    let mock = Arc::new(mock::Mock {
        validator: args.common.validator()?,
        seed: args.seed,
        calls: AtomicU64::new(0),
        max_body_bytes: args.common.max_body_bytes,
        log: Arc::clone(&log),
        metrics: Arc::clone(&metrics),
    });
    let runtime = runtime()?;
    let served = runtime.block_on(run(&args.common, &metrics, move |request| {
        let mock = Arc::clone(&mock);
        async move { mock.handle(request).await }
    }));
    drop(runtime);
    log.close();
    served
}

/// `proxy`: runs until SIGINT or SIGTERM, then closes the recording.
pub(crate) fn proxy(args: &ProxyArgs) -> Result<(), Error> {
    let metrics = Arc::new(metrics::Metrics::default());
    let log = Arc::new(log::Log::open(args.common.log.as_deref())?);
    let recorder = args
        .record
        .as_deref()
        .map(|path| record::Recorder::open(path, args.record_credentials))
        .transpose()?;
    let forward = proxy::Forward::new(proxy::Upstream {
        base: args.upstream.clone(),
        connect_timeout: Duration::from_secs(args.connect_timeout.max(1)),
        response_timeout: Duration::from_secs(args.timeout.max(1)),
        ca: args.ca.clone(),
    })?;
    let layer = ContractLayer::new(args.common.validator()?)
        .mode(match args.mode {
            ModeArg::Observe => Mode::Observe,
            ModeArg::Enforce => Mode::Enforce,
        })
        .max_request_bytes(args.common.max_body_bytes)
        .max_response_bytes(args.common.max_body_bytes);
    let proxy = Arc::new(proxy::Proxy {
        service: tower_layer::Layer::layer(&layer, forward),
        log: Arc::clone(&log),
        metrics: Arc::clone(&metrics),
        record: recorder.as_ref().map(record::Recorder::sender),
        keep_credentials: args.record_credentials,
        // Reading the request, the upstream's answer and its body: a little more than the
        // upstream's own timeout.
        deadline: Duration::from_secs(args.timeout.max(1) + 5),
        calls: AtomicU64::new(0),
    });
    let runtime = runtime()?;
    let served = runtime.block_on(run(&args.common, &metrics, move |request| {
        let proxy = Arc::clone(&proxy);
        async move { proxy.handle(request).await }
    }));
    // Every handler is gone with the runtime: the writer drains the channel, then closes.
    drop(runtime);
    log.close();
    let recorded = recorder.map(record::Recorder::close).transpose()?;
    served?;
    if let (Some(count), Some(path)) = (recorded, &args.record) {
        eprintln!(
            "recorded {count} exchange{} to {}",
            if count == 1 { "" } else { "s" },
            cloudstorage_contract::terminal::escape(&path.to_string_lossy())
        );
    }
    Ok(())
}
