//! The `tower` layer in a real gateway: an upstream (axum) on 127.0.0.1, a reverse proxy (hyper
//! and hyper-util's client) wrapped in `ContractLayer` in front of it, and a real HTTP client.
//! Every server listens on an ephemeral port and is aborted when its handle drops; every
//! request has a timeout.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::{Request as AxumRequest, State};
use bytes::Bytes;
use cloudstorage_contract::tower::{
    Action, ContractBody, ContractLayer, Inspection, Mode, Outcome, Verdicts,
};
use cloudstorage_contract::{Kind, Options, Rule, Validator};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode, Uri, header};
use http_body::{Body, Frame};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tower_layer::Layer;
use tower_service::Service;

const ORDER_GET: &str = "/vision/customer/cloudstorage/order/get";
/// The bound on every step that waits for the network.
const TIMEOUT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// Payloads

const CLOUD_TOKEN: &str = "CLOUD-SECRET-7f3a";
const IOT_TOKEN: &str = "IOT-SECRET-91bc";

fn order_request(order_id: &str) -> Bytes {
    json!({
        "id": "req-1",
        "version": "1.0",
        "request": { "apiVer": "1.0.6", "cloudToken": CLOUD_TOKEN },
        "params": { "iotId": "dev-1", "orderId": order_id },
    })
    .to_string()
    .into()
}

/// Lacks `params.orderId`, and sends the app token inside an array.
fn bad_request() -> Bytes {
    json!({
        "id": "req-2",
        "version": "1.0",
        "request": { "apiVer": "1.0.6", "iotToken": [IOT_TOKEN] },
        "params": { "iotId": "dev-1" },
    })
    .to_string()
    .into()
}

fn order(iot_id: &str, order_id: &str) -> Value {
    json!({
        "iotId": iot_id, "identityId": "u1", "commodityCode": "ilopLVCloudResource",
        "specification": "eventResource_7", "copies": 1, "price": "1.0", "userName": "alice",
        "userId": "u1", "orderId": order_id, "outOrderNo": "206700019700001", "status": 0,
        "paymentStatus": 1, "orderType": 0, "recordType": 2,
        "startTime": "2020-08-25 10:00:00", "endTime": "2020-09-25 10:00:00",
        "startTimeUTC": "2020-08-25T02:00:00Z", "endTimeUTC": "2020-09-25T02:00:00Z",
    })
}

/// The upstream's answer, chosen by the request's `orderId`.
fn upstream_answer(request: &[u8]) -> (&'static str, String) {
    let request: Value = serde_json::from_slice(request).unwrap_or(Value::Null);
    let iot_id = request["params"]["iotId"].as_str().unwrap_or("");
    let order_id = request["params"]["orderId"].as_str().unwrap_or("");
    let envelope = |data: Value| {
        json!({ "code": 200, "message": "success", "localizedMsg": "成功", "data": data })
            .to_string()
    };
    let json = "application/json;charset=utf-8";
    match order_id {
        "order-ok" => (json, envelope(order(iot_id, order_id))),
        "order-quirk" => {
            let mut data = order(iot_id, order_id);
            data["startTime"] = "2020-08-25 10:00:0".into();
            (json, envelope(data))
        }
        "order-bad" => {
            let mut response: Value = serde_json::from_str(&envelope(order(iot_id, order_id)))
                .expect("JSON");
            response["code"] = "200".into();
            (json, response.to_string())
        }
        "order-mismatch" => (json, envelope(order(iot_id, "someone-elses-order"))),
        "order-huge" => {
            let mut data = order(iot_id, order_id);
            data["padding"] = "x".repeat(40_000).into();
            (json, envelope(data))
        }
        "order-text" => ("text/plain", "upstream says hello".to_owned()),
        _ => (
            json,
            r#"{"code":460,"message":"request parameter error","localizedMsg":"请求参数错误","data":null}"#
                .to_owned(),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Bodies and servers

/// A body fed from a channel, one frame per message: to stream in both directions.
struct ChannelBody(mpsc::Receiver<Bytes>);

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|c| Ok(Frame::data(c))))
    }
}

/// A spawned server, aborted when dropped.
struct Server {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Aborts the server and waits until its listener is closed.
    async fn stop(mut self) {
        self.task.abort();
        let _ = tokio::time::timeout(TIMEOUT, &mut self.task).await;
    }

    fn url(&self, path: &str) -> Uri {
        format!("http://{}{path}", self.addr).parse().expect("URI")
    }
}

#[derive(Clone, Default)]
struct Upstream {
    calls: Arc<AtomicUsize>,
    received: Arc<Mutex<Vec<Bytes>>>,
    /// The `Accept-Encoding` of every JSON request.
    accept_encoding: Arc<Mutex<Vec<Option<HeaderValue>>>>,
}

impl Upstream {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn last_received(&self) -> Option<Bytes> {
        self.received.lock().expect("lock").last().cloned()
    }

    fn last_accept_encoding(&self) -> Option<HeaderValue> {
        self.accept_encoding
            .lock()
            .expect("lock")
            .last()
            .cloned()
            .flatten()
    }
}

fn is_json_request(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("application/json"))
}

/// Echoes every request frame as soon as it arrives.
fn echo(body: axum::body::Body) -> axum::response::Response {
    let (tx, rx) = mpsc::channel::<Bytes>(4);
    tokio::spawn(async move {
        let mut body = body;
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data()
                && tx.send(data).await.is_err()
            {
                break;
            }
        }
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(axum::body::Body::new(ChannelBody(rx)))
        .expect("response")
}

async fn order_get(
    State(upstream): State<Upstream>,
    request: AxumRequest,
) -> axum::response::Response {
    upstream.calls.fetch_add(1, Ordering::SeqCst);
    if !is_json_request(request.headers()) {
        return echo(request.into_body());
    }
    let accept = request.headers().get(header::ACCEPT_ENCODING).cloned();
    upstream.accept_encoding.lock().expect("lock").push(accept);
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    upstream.received.lock().expect("lock").push(body.clone());
    let (content_type, answer) = upstream_answer(&body);
    let mut response = Response::builder().header(header::CONTENT_TYPE, content_type);
    if body.windows(10).any(|w| w == b"order-gzip") {
        // Bytes that only claim to be gzip: the layer must not read them either way.
        response = response.header(header::CONTENT_ENCODING, "gzip");
        return response
            .body(axum::body::Body::from(&b"\x1f\x8b not really gzip"[..]))
            .expect("response");
    }
    response
        .body(axum::body::Body::from(answer))
        .expect("response")
}

fn upstream_router(upstream: Upstream) -> axum::Router {
    axum::Router::new()
        .route(ORDER_GET, axum::routing::post(order_get))
        .route(
            "/vision/customer/cloudstorage/echo",
            axum::routing::post(|request: AxumRequest| async move { echo(request.into_body()) }),
        )
        .with_state(upstream)
}

async fn serve_axum(router: axum::Router) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serve");
    });
    Server { addr, task }
}

async fn spawn_upstream() -> (Server, Upstream) {
    let upstream = Upstream::default();
    (
        serve_axum(upstream_router(upstream.clone())).await,
        upstream,
    )
}

type ProxyBody = BoxBody<Bytes, hyper::Error>;

/// A minimal reverse proxy: every request to the upstream, over hyper-util's client.
#[derive(Clone)]
struct Proxy {
    client: Client<HttpConnector, ContractBody<Incoming>>,
    upstream: SocketAddr,
}

impl Service<Request<ContractBody<Incoming>>> for Proxy {
    type Response = Response<ProxyBody>;
    type Error = hyper_util::client::legacy::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ProxyBody>, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: Request<ContractBody<Incoming>>) -> Self::Future {
        let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
        *request.uri_mut() = format!("http://{}{path}", self.upstream)
            .parse()
            .expect("URI");
        request.headers_mut().remove(header::HOST);
        let future = self.client.request(request);
        Box::pin(async move { Ok(future.await?.map(BodyExt::boxed)) })
    }
}

/// What the callback received.
type Seen = Arc<Mutex<Vec<Inspection>>>;

async fn spawn_gateway(upstream: &Server, layer: ContractLayer) -> (Server, Seen) {
    let seen = Seen::default();
    let record = Arc::clone(&seen);
    let service = layer
        .on_inspection(move |i| record.lock().expect("lock").push(i.clone()))
        .layer(Proxy {
            client: Client::builder(TokioExecutor::new()).build_http(),
            upstream: upstream.addr,
        });
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (Server { addr, task }, seen)
}

fn layer(mode: Mode) -> ContractLayer {
    ContractLayer::new(Validator::new(Options::default()).expect("validator")).mode(mode)
}

// ---------------------------------------------------------------------------------------------
// The client

type ClientBody = BoxBody<Bytes, Infallible>;

fn client() -> Client<HttpConnector, ClientBody> {
    Client::builder(TokioExecutor::new()).build_http()
}

/// Status, headers and body of an answer.
#[derive(Debug, PartialEq)]
struct Answer {
    status: StatusCode,
    content_type: Option<HeaderValue>,
    body: Bytes,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

async fn send(url: Uri, headers: &[(header::HeaderName, &str)], body: ClientBody) -> Answer {
    let mut request = Request::post(url);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let request = request.body(body).expect("request");
    let exchange = async {
        let response = client().request(request).await.expect("a response");
        let status = response.status();
        let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("the body")
            .to_bytes();
        Answer {
            status,
            content_type,
            body,
        }
    };
    tokio::time::timeout(TIMEOUT, exchange)
        .await
        .expect("an answer within the timeout")
}

async fn post(server: &Server, body: Bytes) -> Answer {
    send_with(server, &[], body).await
}

/// `(kind, action, rules of the errors)` of each inspection, or `TooLarge` as a rule-less row.
fn summary(seen: &Seen) -> Vec<(Kind, Action, Vec<Rule>)> {
    seen.lock()
        .expect("lock")
        .iter()
        .map(|i| {
            let rules = i
                .report()
                .map(|r| r.errors().map(|d| d.rule()).collect())
                .unwrap_or_default();
            (i.kind, i.action, rules)
        })
        .collect()
}

fn validator() -> Validator {
    Validator::new(Options::default()).expect("validator")
}

/// A gateway's own answer: the platform's error envelope, conforming to the contract.
fn assert_envelope(answer: &Answer, status: StatusCode) -> String {
    assert_eq!(answer.status, status, "{answer:?}");
    assert_eq!(
        answer.content_type.as_ref().and_then(|v| v.to_str().ok()),
        Some("application/json;charset=utf-8")
    );
    let body = answer.json();
    assert_eq!(body["code"], status.as_u16(), "{body}");
    assert_eq!(body["data"], Value::Null, "{body}");
    assert!(body["localizedMsg"].is_string(), "{body}");
    let report = validator().validate_response(&answer.body);
    assert!(report.conforms(), "{:?}", report.diagnostics());
    for secret in [CLOUD_TOKEN, IOT_TOKEN] {
        assert!(
            !String::from_utf8_lossy(&answer.body).contains(secret),
            "{body}"
        );
    }
    body["message"].as_str().expect("a message").to_owned()
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn enforce_passes_conforming_exchanges_unchanged() {
    let (upstream, counter) = spawn_upstream().await;
    let (gateway, seen) = spawn_gateway(&upstream, layer(Mode::Enforce)).await;

    for order_id in ["order-ok", "order-quirk"] {
        let request = order_request(order_id);
        let direct = post(&upstream, request.clone()).await;
        let via = post(&gateway, request.clone()).await;
        assert_eq!(via, direct, "{order_id}");
        assert_eq!(via.status, StatusCode::OK);
        assert_eq!(counter.last_received(), Some(request), "{order_id}");
    }
    assert_eq!(counter.calls(), 4);
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 4);
    assert!(seen.iter().all(|i| i.action == Action::Forwarded));
    assert!(
        seen.iter()
            .all(|i| i.report().is_some_and(|r| r.conforms()))
    );
    // The single-digit seconds of the page's own example: a warning, forwarded.
    let warnings: Vec<Rule> = seen[3]
        .report()
        .into_iter()
        .flat_map(|r| r.warnings().map(|d| d.rule()))
        .collect();
    assert_eq!(warnings, [Rule::SingleDigitSeconds]);
}

#[tokio::test]
async fn enforce_rejects_a_bad_request_without_calling_upstream() {
    let (upstream, counter) = spawn_upstream().await;
    let (gateway, seen) = spawn_gateway(&upstream, layer(Mode::Enforce)).await;

    let answer = post(&gateway, bad_request()).await;
    let message = assert_envelope(&answer, StatusCode::BAD_REQUEST);
    assert!(
        message.contains("[missing-field] at \"/params\""),
        "{message}"
    );
    assert!(
        message.contains("[wrong-type] at \"/request/iotToken\""),
        "{message}"
    );
    assert_eq!(counter.calls(), 0, "upstream must not be called");
    let summary = summary(&seen);
    assert_eq!(summary.len(), 1);
    assert_eq!(
        (summary[0].0, summary[0].1),
        (Kind::Request, Action::Rejected(StatusCode::BAD_REQUEST))
    );
    assert!(summary[0].2.contains(&Rule::MissingField), "{summary:?}");

    // The OpenAPI document's example is what the gateway says.
    let answer = post(
        &gateway,
        Bytes::from_static(br#"{"id": "1", "version": "1.0", "request": {"apiVer": "1.0.6"}, "params": {"iotId": "d"}}"#),
    )
    .await;
    assert_envelope(&answer, StatusCode::BAD_REQUEST);
    let documented = cloudstorage_contract::openapi::generate()
        .pointer(
            "/components/responses/ContractError/content/application~1json/examples/missing-order-id/value",
        )
        .cloned();
    assert_eq!(Some(answer.json()), documented);

    // Not JSON at all.
    let answer = post(&gateway, Bytes::from_static(b"{\"id\": ")).await;
    let message = assert_envelope(&answer, StatusCode::BAD_REQUEST);
    assert!(message.contains("at \"\""), "{message}");
    assert_eq!(counter.calls(), 0);
}

#[tokio::test]
async fn enforce_answers_502_for_a_bad_upstream_response() {
    let (upstream, counter) = spawn_upstream().await;
    let (gateway, seen) = spawn_gateway(&upstream, layer(Mode::Enforce)).await;

    let answer = post(&gateway, order_request("order-bad")).await;
    let message = assert_envelope(&answer, StatusCode::BAD_GATEWAY);
    assert!(message.contains("[wrong-type] at \"/code\""), "{message}");
    assert!(
        message.starts_with("the upstream response violates"),
        "{message}"
    );

    // Conforming on its own, but for another order: the exchange does not hold.
    let answer = post(&gateway, order_request("order-mismatch")).await;
    let message = assert_envelope(&answer, StatusCode::BAD_GATEWAY);
    assert!(
        message.contains("[exchange-mismatch] at \"/data/orderId\""),
        "{message}"
    );
    assert_eq!(counter.calls(), 2);
    let rejected = Action::Rejected(StatusCode::BAD_GATEWAY);
    assert_eq!(
        summary(&seen),
        [
            (Kind::Request, Action::Forwarded, vec![]),
            (Kind::Response, rejected, vec![Rule::WrongType]),
            (Kind::Request, Action::Forwarded, vec![]),
            (Kind::Response, rejected, vec![Rule::ExchangeMismatch]),
        ]
    );
}

#[tokio::test]
async fn observe_changes_no_byte_and_reports() {
    let (upstream, counter) = spawn_upstream().await;
    let (gateway, seen) = spawn_gateway(&upstream, layer(Mode::Observe)).await;

    let requests = [
        order_request("order-ok"),
        bad_request(),
        order_request("order-bad"),
        order_request("order-mismatch"),
        order_request("order-quirk"),
        Bytes::from_static(b"not json"),
    ];
    for request in &requests {
        let direct = post(&upstream, request.clone()).await;
        let direct_received = counter.last_received();
        let via = post(&gateway, request.clone()).await;
        assert_eq!(via, direct, "{request:?}");
        assert_eq!(counter.last_received(), direct_received, "{request:?}");
        assert_eq!(counter.last_received().as_ref(), Some(request));
    }
    assert_eq!(counter.calls(), 2 * requests.len());

    let forwarded = Action::Forwarded;
    let (request, response) = (Kind::Request, Kind::Response);
    let summary = summary(&seen);
    let expected: [(Kind, Action, Vec<Rule>); 4] = [
        (request, forwarded, vec![]),
        (response, forwarded, vec![]),
        (
            request,
            forwarded,
            vec![Rule::MissingField, Rule::WrongType],
        ),
        // The upstream answers 460 to the bad request: a conforming failure.
        (response, forwarded, vec![]),
    ];
    assert_eq!(summary[..4], expected);
    assert_eq!(summary[5], (response, forwarded, vec![Rule::WrongType]));
    assert_eq!(
        summary[7],
        (response, forwarded, vec![Rule::ExchangeMismatch])
    );
    assert_eq!(summary[10], (request, forwarded, vec![Rule::InvalidJson]));
    assert_eq!(summary.len(), 12);
}

#[tokio::test]
async fn size_limits_hold() {
    let (upstream, counter) = spawn_upstream().await;
    let limited = |mode| {
        layer(mode)
            .max_request_bytes(1024)
            .max_response_bytes(16 * 1024)
    };
    let (enforcing, enforced) = spawn_gateway(&upstream, limited(Mode::Enforce)).await;
    let (observing, observed) = spawn_gateway(&upstream, limited(Mode::Observe)).await;

    // A declared length over the limit.
    let mut long: Value = serde_json::from_slice(&order_request("order-ok")).expect("JSON");
    long["id"] = "i".repeat(2000).into();
    let long = Bytes::from(long.to_string());
    let answer = post(&enforcing, long.clone()).await;
    let message = assert_envelope(&answer, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(message.contains("limit of 1024 bytes"), "{message}");
    assert_eq!(counter.calls(), 0);

    // No declared length: chunks that add up to more than the limit.
    let (tx, rx) = mpsc::channel(8);
    for chunk in long.chunks(500) {
        tx.send(Bytes::copy_from_slice(chunk)).await.expect("send");
    }
    drop(tx);
    let answer = send(
        enforcing.url(ORDER_GET),
        &[(header::CONTENT_TYPE, "application/json")],
        ChannelBody(rx).boxed(),
    )
    .await;
    assert_envelope(&answer, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(counter.calls(), 0);

    // A response over the limit.
    let answer = post(&enforcing, order_request("order-huge")).await;
    let message = assert_envelope(&answer, StatusCode::BAD_GATEWAY);
    assert!(message.contains("limit of 16384 bytes"), "{message}");
    assert_eq!(counter.calls(), 1);
    let too_large = |i: &Inspection| matches!(i.outcome, Outcome::TooLarge { .. });
    let enforced = enforced.lock().expect("lock").clone();
    assert_eq!(enforced.len(), 4);
    assert!(too_large(&enforced[0]) && too_large(&enforced[1]) && too_large(&enforced[3]));

    // Observe: both pass through, unvalidated, byte for byte.
    for request in [long.clone(), order_request("order-huge")] {
        let direct = post(&upstream, request.clone()).await;
        let via = post(&observing, request.clone()).await;
        assert_eq!(via, direct);
        assert_eq!(counter.last_received(), Some(request));
    }
    let observed = observed.lock().expect("lock").clone();
    assert_eq!(observed.len(), 4);
    assert!(too_large(&observed[0]) && observed[0].kind == Kind::Request);
    // The response to an unread request is still validated, on its own.
    assert!(observed[1].report().is_some_and(|r| r.conforms()));
    assert!(observed[2].report().is_some_and(|r| r.conforms()));
    assert!(too_large(&observed[3]) && observed[3].kind == Kind::Response);
    assert!(observed.iter().all(|i| i.action == Action::Forwarded));
}

/// Sends `first`, waits for its echo, then sends `second`: if the gateway buffered either
/// direction, the echo of `first` would never come before the end, and the wait times out.
async fn assert_streams(gateway: &Server, path: &str, content_type: &str) {
    let (tx, rx) = mpsc::channel::<Bytes>(1);
    let request = Request::post(gateway.url(path))
        .header(header::CONTENT_TYPE, content_type)
        .body(ChannelBody(rx).boxed())
        .expect("request");
    let client = client();
    let mut sender = Some(tx);
    let exchange = async {
        let first = Bytes::from_static(b"{\"first\": ");
        let second = Bytes::from_static(b"\"second\"}");
        sender
            .as_ref()
            .expect("sender")
            .send(first.clone())
            .await
            .expect("send");
        let response = client.request(request).await.expect("a response");
        assert_eq!(response.status(), StatusCode::OK);
        let mut body = response.into_body();
        let mut echoed = Vec::new();
        while echoed.len() < first.len() {
            let frame = body.frame().await.expect("a frame").expect("data");
            echoed.extend_from_slice(&frame.into_data().expect("data"));
        }
        assert_eq!(echoed, first);
        let tx = sender.take().expect("sender");
        tx.send(second.clone()).await.expect("send");
        drop(tx);
        let rest = body.collect().await.expect("the rest").to_bytes();
        assert_eq!(rest, second);
    };
    tokio::time::timeout(TIMEOUT, exchange)
        .await
        .unwrap_or_else(|_| panic!("{path} ({content_type}) did not stream"));
}

#[tokio::test]
async fn other_routes_and_non_json_bodies_stream_through() {
    let (upstream, counter) = spawn_upstream().await;
    let (gateway, seen) = spawn_gateway(&upstream, layer(Mode::Enforce)).await;

    // Another path, with a JSON content type.
    assert_streams(
        &gateway,
        "/vision/customer/cloudstorage/echo",
        "application/json",
    )
    .await;
    // The order/get path, with a body that is not JSON.
    assert_streams(&gateway, ORDER_GET, "application/octet-stream").await;
    assert_eq!(counter.calls(), 1);
    assert!(seen.lock().expect("lock").is_empty(), "nothing inspected");

    // A JSON request whose upstream answers something else: the answer passes untouched.
    let request = order_request("order-text");
    let via = post(&gateway, request.clone()).await;
    assert_eq!(via, post(&upstream, request).await);
    assert_eq!(via.body, "upstream says hello");
    assert_eq!(summary(&seen), [(Kind::Request, Action::Forwarded, vec![])]);
}

#[tokio::test]
async fn an_axum_router_takes_the_layer() {
    let counter = Upstream::default();
    let seen = Seen::default();
    let record = Arc::clone(&seen);
    let router = upstream_router(counter.clone()).layer(
        layer(Mode::Enforce).on_inspection(move |i| record.lock().expect("lock").push(i.clone())),
    );
    let app = serve_axum(router).await;

    let answer = post(&app, bad_request()).await;
    assert_envelope(&answer, StatusCode::BAD_REQUEST);
    assert_eq!(counter.calls(), 0);

    let answer = post(&app, order_request("order-ok")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(validator().validate_response(&answer.body).conforms());
    assert_eq!(counter.calls(), 1);
    assert_streams(
        &app,
        "/vision/customer/cloudstorage/echo",
        "application/json",
    )
    .await;
    assert_eq!(seen.lock().expect("lock").len(), 3);
}

#[tokio::test]
async fn servers_stop_when_dropped() {
    let (upstream, _) = spawn_upstream().await;
    let addr = upstream.addr;
    upstream.stop().await;
    let connect = tokio::time::timeout(TIMEOUT, tokio::net::TcpStream::connect(addr)).await;
    assert!(matches!(connect, Ok(Err(_))), "the listener is closed");
}

/// Sends `body` as a JSON request, with extra headers.
async fn send_with(server: &Server, extra: &[(header::HeaderName, &str)], body: Bytes) -> Answer {
    let mut headers = vec![(header::CONTENT_TYPE, "application/json")];
    headers.extend_from_slice(extra);
    send(server.url(ORDER_GET), &headers, Full::new(body).boxed()).await
}

fn outcomes(seen: &Seen) -> Vec<(Kind, Action, bool)> {
    seen.lock()
        .expect("lock")
        .iter()
        .map(|i| (i.kind, i.action, matches!(i.outcome, Outcome::Encoded)))
        .collect()
}

#[tokio::test]
async fn compressed_bodies_are_never_read() {
    let (upstream, counter) = spawn_upstream().await;
    let gzip = [(header::CONTENT_ENCODING, "gzip")];

    // Observe: a compressed request and a compressed answer pass unread, byte for byte.
    let (gateway, seen) = spawn_gateway(&upstream, layer(Mode::Observe)).await;
    let request = order_request("order-ok");
    let answer = send_with(&gateway, &gzip, request.clone()).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(counter.last_received(), Some(request));
    assert_eq!(outcomes(&seen), [(Kind::Request, Action::Forwarded, true)]);
    let accept = [(header::ACCEPT_ENCODING, "gzip")];
    let answer = send_with(&gateway, &accept, order_request("order-gzip")).await;
    assert_eq!(&answer.body[..], b"\x1f\x8b not really gzip");
    assert_eq!(
        outcomes(&seen)[1..],
        [
            (Kind::Request, Action::Forwarded, false),
            (Kind::Response, Action::Forwarded, true)
        ]
    );
    // Observe changes no header either.
    let forwarded = counter.last_accept_encoding();
    assert_eq!(forwarded, Some(HeaderValue::from_static("gzip")));
    gateway.stop().await;

    // Enforce: a compressed request is refused with 415, upstream is asked for an
    // uncompressed answer, and a compressed one anyway is refused with 502.
    let calls = counter.calls();
    let (gateway, seen) = spawn_gateway(&upstream, layer(Mode::Enforce)).await;
    let answer = send_with(&gateway, &gzip, order_request("order-ok")).await;
    let message = assert_envelope(&answer, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(message.contains("compressed"), "{message}");
    assert_eq!(counter.calls(), calls, "upstream must not be called");
    let answer = send_with(&gateway, &accept, order_request("order-ok")).await;
    assert_eq!(answer.status, StatusCode::OK);
    let forwarded = counter.last_accept_encoding();
    assert_eq!(forwarded, None, "enforce asks upstream for identity");
    let answer = send_with(&gateway, &accept, order_request("order-gzip")).await;
    assert_envelope(&answer, StatusCode::BAD_GATEWAY);
    assert_eq!(
        outcomes(&seen),
        [
            (
                Kind::Request,
                Action::Rejected(StatusCode::UNSUPPORTED_MEDIA_TYPE),
                true
            ),
            (Kind::Request, Action::Forwarded, false),
            (Kind::Response, Action::Forwarded, false),
            (Kind::Request, Action::Forwarded, false),
            (
                Kind::Response,
                Action::Rejected(StatusCode::BAD_GATEWAY),
                true
            ),
        ]
    );
}

/// An upstream as a plain service: answers every call with this JSON, without a network.
#[derive(Clone)]
struct Fixed(Bytes);

impl<B: Send + 'static> Service<Request<B>> for Fixed {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Response<Full<Bytes>>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<B>) -> Self::Future {
        let mut response = Response::new(Full::new(self.0.clone()));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        std::future::ready(Ok(response))
    }
}

#[tokio::test]
async fn every_inspected_response_carries_its_verdicts() {
    let answer =
        Bytes::from(json!({"code": 200, "data": order("dev-1", "order-other")}).to_string());
    let call = |mode: Mode, body: Bytes| {
        let mut service = layer(mode).layer(Fixed(answer.clone()));
        let request = Request::post(ORDER_GET)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(body))
            .expect("request");
        async move { service.call(request).await.expect("infallible") }
    };

    // Observe: both verdicts and both bodies, the response's with its exchange mismatch.
    let response = call(Mode::Observe, order_request("order-1")).await;
    let verdicts = response
        .extensions()
        .get::<Verdicts>()
        .expect("the verdicts");
    assert_eq!(
        verdicts.request_body.as_deref(),
        Some(&order_request("order-1")[..])
    );
    assert_eq!(verdicts.response_body.as_deref(), Some(&answer[..]));
    let rules: Vec<(Kind, Vec<Rule>)> = verdicts
        .inspections()
        .map(|i| {
            let report = i.report().expect("checked");
            (i.kind, report.errors().map(|d| d.rule()).collect())
        })
        .collect();
    assert_eq!(
        rules,
        [
            (Kind::Request, vec![]),
            (Kind::Response, vec![Rule::ExchangeMismatch])
        ]
    );

    // Enforce: a bad request is answered by the layer, with the request's verdict only.
    let response = call(Mode::Enforce, bad_request()).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let verdicts = response.extensions().get::<Verdicts>().expect("verdicts");
    assert_eq!(
        verdicts.request.as_ref().map(|i| i.action),
        Some(Action::Rejected(StatusCode::BAD_REQUEST))
    );
    assert!(verdicts.response.is_none() && verdicts.response_body.is_none());

    // Other traffic carries none.
    let mut service = layer(Mode::Observe).layer(Fixed(answer.clone()));
    let request = Request::get("/elsewhere")
        .body(Full::new(Bytes::new()))
        .expect("request");
    let response = service.call(request).await.expect("infallible");
    assert!(response.extensions().get::<Verdicts>().is_none());
}
