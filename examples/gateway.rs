//! A reverse proxy on loopback that holds `order/get` traffic to the contract.
//!
//! ```sh
//! cargo run --features tower --example gateway -- http://127.0.0.1:8080 \
//!     --mode enforce --listen 127.0.0.1:3000
//! ```
//!
//! Every request to `127.0.0.1:3000` goes to the upstream URL (its path appended to the URL's
//! path). `POST …/vision/customer/cloudstorage/order/get` calls are validated on the way in and
//! on the way out; each verdict is printed on stderr, one finding per line with its rule,
//! JSON Pointer and message. In `enforce` mode, a bad request is answered with 400 and a bad
//! upstream response with 502; in `observe` mode (the default) nothing is changed.
//! Other routes stream through untouched.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::ExitCode;
use std::task::{Context, Poll};

use bytes::Bytes;
use cloudstorage_contract::tower::{
    Action, ContractBody, ContractLayer, DEFAULT_MAX_BODY_BYTES, Inspection, Mode, Outcome,
};
use cloudstorage_contract::{Options, Validator};
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderValue, Request, Response, StatusCode, Uri, header};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use tower_layer::Layer;
use tower_service::Service;

const USAGE: &str = "usage: gateway UPSTREAM_URL [--mode observe|enforce] \
                     [--listen 127.0.0.1:PORT] [--max-bytes N]";

struct Args {
    upstream: Uri,
    mode: Mode,
    listen: SocketAddr,
    max_bytes: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut upstream = None;
    let mut mode = Mode::Observe;
    let mut listen: SocketAddr = ([127, 0, 0, 1], 3000).into();
    let mut max_bytes = DEFAULT_MAX_BODY_BYTES;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("`{name}` needs a value"));
        match arg.as_str() {
            "--mode" => {
                mode = match value("--mode")?.as_str() {
                    "observe" => Mode::Observe,
                    "enforce" => Mode::Enforce,
                    other => {
                        return Err(format!(
                            "unknown mode `{other}`, expected `observe` or `enforce`"
                        ));
                    }
                }
            }
            "--listen" => {
                let text = value("--listen")?;
                listen = text
                    .parse()
                    .map_err(|e| format!("`--listen {text}`: {e}"))?;
            }
            "--max-bytes" => {
                let text = value("--max-bytes")?;
                max_bytes = text
                    .parse()
                    .map_err(|e| format!("`--max-bytes {text}`: {e}"))?;
            }
            "-h" | "--help" => return Err(String::new()),
            url if upstream.is_none() && !url.starts_with('-') => {
                let uri: Uri = url.parse().map_err(|e| format!("upstream `{url}`: {e}"))?;
                if uri.scheme() != Some(&Scheme::HTTP) || uri.authority().is_none() {
                    return Err(format!(
                        "upstream `{url}`: expected an `http://host:port` URL"
                    ));
                }
                upstream = Some(uri);
            }
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    let upstream = upstream.ok_or("the upstream URL is required")?;
    Ok(Args {
        upstream,
        mode,
        listen,
        max_bytes,
    })
}

type ProxyBody = BoxBody<Bytes, hyper::Error>;

/// Forwards every request to the upstream, over a pooled HTTP/1 client.
#[derive(Clone)]
struct Proxy {
    client: Client<HttpConnector, ContractBody<Incoming>>,
    authority: Authority,
    base_path: String,
}

/// Headers that describe one connection, not the message: never forwarded.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

impl Service<Request<ContractBody<Incoming>>> for Proxy {
    type Response = Response<ProxyBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ProxyBody>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request<ContractBody<Incoming>>) -> Self::Future {
        let path = request
            .uri()
            .path_and_query()
            .map_or("/", PathAndQuery::as_str);
        let target = format!("{}{path}", self.base_path);
        let uri = Uri::builder()
            .scheme(Scheme::HTTP)
            .authority(self.authority.clone())
            .path_and_query(target)
            .build();
        let client = self.client.clone();
        let authority = self.authority.clone();
        Box::pin(async move {
            let Ok(uri) = uri else {
                return Ok(bad_gateway("the request path cannot be forwarded"));
            };
            *request.uri_mut() = uri;
            for name in HOP_BY_HOP {
                request.headers_mut().remove(name);
            }
            if let Ok(host) = HeaderValue::from_str(authority.as_str()) {
                request.headers_mut().insert(header::HOST, host);
            }
            match client.request(request).await {
                Ok(mut response) => {
                    for name in HOP_BY_HOP {
                        response.headers_mut().remove(name);
                    }
                    Ok(response.map(BodyExt::boxed))
                }
                Err(e) => {
                    eprintln!("gateway: upstream: {e}");
                    Ok(bad_gateway("the upstream could not be reached"))
                }
            }
        })
    }
}

/// A 502 in the platform's error envelope.
fn bad_gateway(message: &str) -> Response<ProxyBody> {
    let body = format!(
        r#"{{"code":502,"message":{},"localizedMsg":"上游服务不可用","data":null}}"#,
        serde_json::Value::from(message)
    );
    let body = Full::new(Bytes::from(body))
        .map_err(|never| match never {})
        .boxed();
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::BAD_GATEWAY;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    response
}

/// One verdict on stderr: a summary line, then one line per finding.
fn print_inspection(inspection: &Inspection) {
    let action = match inspection.action {
        Action::Rejected(status) => format!("rejected with {}", status.as_u16()),
        _ => "forwarded".to_owned(),
    };
    let mut text = match &inspection.outcome {
        Outcome::Checked(report) => format!(
            "{}: {}, {} error(s), {} warning(s), {action}\n",
            inspection.kind,
            if report.conforms() {
                "conforms"
            } else {
                "violates"
            },
            report.error_count(),
            report.warning_count(),
        ),
        Outcome::TooLarge { limit } => {
            format!(
                "{}: over the {limit}-byte limit, not validated, {action}\n",
                inspection.kind
            )
        }
        _ => format!(
            "{}: body failed before its end, {action}\n",
            inspection.kind
        ),
    };
    for d in inspection
        .report()
        .into_iter()
        .flat_map(|r| r.diagnostics())
    {
        text.push_str(&format!(
            "  {}[{}] at {:?}: {}\n",
            d.severity(),
            d.rule(),
            d.pointer(),
            d.message()
        ));
    }
    eprint!("{text}");
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("error: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    // A gateway needs verdicts, not typed payloads: the faster path without them.
    let validator = match Validator::new(Options::default().keep_payload(false)) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(authority) = args.upstream.authority().cloned() else {
        eprintln!("error: the upstream URL has no host");
        return ExitCode::from(2);
    };
    let proxy = Proxy {
        client: Client::builder(TokioExecutor::new()).build_http(),
        authority,
        base_path: args.upstream.path().trim_end_matches('/').to_owned(),
    };
    let service = ContractLayer::new(validator)
        .mode(args.mode)
        .max_request_bytes(args.max_bytes)
        .max_response_bytes(args.max_bytes)
        .on_inspection(print_inspection)
        .layer(proxy);
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: `{}`: {e}", args.listen);
            return ExitCode::from(2);
        }
    };
    let local = listener.local_addr().unwrap_or(args.listen);
    let mode = if args.mode == Mode::Enforce {
        "enforce"
    } else {
        "observe"
    };
    eprintln!(
        "gateway: listening on http://{local}, forwarding to {} ({mode} mode)",
        args.upstream
    );
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("gateway: accept: {e}");
                continue;
            }
        };
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            let served = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
            if let Err(e) = served {
                eprintln!("gateway: connection: {e}");
            }
        });
    }
}
