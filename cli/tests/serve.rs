//! `mock` and `proxy` over real sockets on 127.0.0.1: the built binary, a plain HTTP/1.1
//! client with timeouts, and (for HTTPS) a TLS terminator with a certificate made here.
//!
//! Every server listens on a port the system picks, every read and write has a timeout, and
//! every process started is killed when its guard drops, whether the test passes or fails.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use cloudstorage_contract::{Options, Rule, Validator, sample};
use serde_json::{Value, json};

const ORDER_GET: &str = "/vision/customer/cloudstorage/order/get";
/// The bound on every network step.
const TIMEOUT: Duration = Duration::from_secs(10);
const IOT_TOKEN: &str = "IOT-SECRET-5d1e";

#[path = "support/server.rs"]
mod server;
use server::Server;

/// An answer: status, headers (lower-case names), body.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// One HTTP/1.1 exchange on its own connection (`Connection: close`).
fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    stream.set_write_timeout(Some(TIMEOUT)).expect("timeout");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("write");
    stream.write_all(body).expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the answer");
    parse(&raw)
}

/// A request head that declares a body of `length` bytes and sends none: a server over its
/// limit answers from the head alone (sending the body would race its close).
fn declared(addr: SocketAddr, length: usize) -> Answer {
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    let head = format!(
        "POST {ORDER_GET} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the answer");
    parse(&raw)
}

fn parse(raw: &[u8]) -> Answer {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        body = unchunk(&body);
    }
    Answer {
        status,
        headers,
        body,
    }
}

fn unchunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[end + 2 + size + 2..];
    }
}

fn post(addr: SocketAddr, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut all = vec![("Content-Type", "application/json")];
    all.extend_from_slice(headers);
    call(addr, "POST", path, &all, body)
}

fn request(iot_id: &str, order_id: &str) -> Vec<u8> {
    json!({
        "id": "req-1",
        "version": "1.0",
        "request": { "apiVer": "1.0.6", "iotToken": IOT_TOKEN },
        "params": { "iotId": iot_id, "orderId": order_id },
    })
    .to_string()
    .into_bytes()
}

fn validator() -> Validator {
    Validator::new(Options::default()).expect("validator")
}

/// The rules of the findings in the response to `request`, judged as an exchange.
fn response_rules(request: &[u8], response: &[u8]) -> Vec<Rule> {
    validator()
        .validate_exchange(request, response)
        .response
        .diagnostics()
        .iter()
        .map(|d| d.rule())
        .collect()
}

fn mock() -> Server {
    Server::start(&["mock", "--listen", "127.0.0.1:0"])
}

#[test]
fn mock_answers_the_same_conforming_order_for_the_same_ids() {
    let mock = mock();
    let asked = request("dev-1", "order-7");
    let first = post(mock.addr, ORDER_GET, &[], &asked);
    assert_eq!(first.status, 200);
    assert!(
        first
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json"))
    );
    assert_eq!(response_rules(&asked, &first.body), []);
    assert_eq!(first.json()["data"]["orderId"], "order-7");
    let again = post(mock.addr, ORDER_GET, &[], &asked);
    assert_eq!(again.body, first.body);
    let other = post(mock.addr, ORDER_GET, &[], &request("dev-1", "order-8"));
    assert_ne!(other.body, first.body);
    assert_eq!(
        response_rules(&request("dev-1", "order-8"), &other.body),
        []
    );
    // Behind a mount point too.
    let mounted = post(mock.addr, &format!("/gateway{ORDER_GET}"), &[], &asked);
    assert_eq!(mounted.body, first.body);
}

#[test]
fn mock_answers_what_the_client_prefers() {
    let mock = mock();
    let asked = request("dev-1", "order-7");

    let error = post(mock.addr, ORDER_GET, &[("Prefer", "code=2063")], &asked);
    assert_eq!(error.status, 200);
    let envelope = error.json();
    assert_eq!(envelope["code"], 2063);
    assert_eq!(envelope["data"], Value::Null);
    assert_eq!(response_rules(&asked, &error.body), []);
    let by_query = post(mock.addr, &format!("{ORDER_GET}?__code=2063"), &[], &asked);
    assert_eq!(by_query.body, error.body);

    let page = post(mock.addr, ORDER_GET, &[("Prefer", "example=page")], &asked);
    assert_eq!(page.body, sample::PAGE_SUCCESS.as_bytes());

    for rule in sample::answer_defects() {
        let answer = post(
            mock.addr,
            ORDER_GET,
            &[("Prefer", &format!("rule={rule}"))],
            &asked,
        );
        assert_eq!(answer.status, 200, "{rule}");
        assert!(
            response_rules(&asked, &answer.body).contains(rule),
            "{rule}: {}",
            String::from_utf8_lossy(&answer.body)
        );
    }

    let a = post(mock.addr, ORDER_GET, &[("Prefer", "dynamic=true")], &asked);
    let b = post(mock.addr, ORDER_GET, &[("Prefer", "dynamic=true")], &asked);
    assert_ne!(a.body, b.body);
    assert_eq!(response_rules(&asked, &a.body), []);

    let unknown = post(mock.addr, ORDER_GET, &[("Prefer", "code=999")], &asked);
    assert_eq!(unknown.status, 400);
    let message = unknown.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("2063") && message.contains("460"),
        "{message}"
    );
}

#[test]
fn mock_refuses_what_breaks_the_contract() {
    let mock = mock();
    let bad = json!({
        "id": "1", "version": "1.0",
        "request": { "apiVer": "1.0.6", "iotToken": IOT_TOKEN },
        "params": { "iotId": "dev-1" },
    })
    .to_string();
    let refused = post(mock.addr, ORDER_GET, &[], bad.as_bytes());
    assert_eq!(refused.status, 400);
    let envelope = refused.json();
    assert_eq!(envelope["code"], 460);
    let message = envelope["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("[missing-field]") && message.contains("/params"),
        "{message}"
    );
    assert!(!String::from_utf8_lossy(&refused.body).contains(IOT_TOKEN));
    // The refusal itself honours the contract.
    assert_eq!(
        validator().validate_response(&refused.body).error_count(),
        0
    );

    let not_json = post(mock.addr, ORDER_GET, &[], b"{not json");
    assert_eq!(
        (not_json.status, not_json.json()["code"].clone()),
        (400, json!(400))
    );

    let get = call(mock.addr, "GET", ORDER_GET, &[], b"");
    assert_eq!(get.status, 405);
    assert_eq!(get.header("allow"), Some("POST"));
    assert_eq!(get.json()["code"], 405);

    let elsewhere = post(mock.addr, "/vision/other", &[], &request("d", "o"));
    assert_eq!(
        (elsewhere.status, elsewhere.json()["code"].clone()),
        (404, json!(404))
    );

    let gzip = post(
        mock.addr,
        ORDER_GET,
        &[("Content-Encoding", "gzip")],
        b"\x1f\x8b",
    );
    assert_eq!(gzip.status, 415);
    let text = call(
        mock.addr,
        "POST",
        ORDER_GET,
        &[("Content-Type", "text/plain")],
        b"x",
    );
    assert_eq!(text.status, 415);

    let over = declared(mock.addr, 2 * 1024 * 1024);
    assert_eq!(over.status, 413);

    // After all that, it still answers.
    let ok = post(mock.addr, ORDER_GET, &[], &request("dev-1", "order-7"));
    assert_eq!(ok.status, 200);
}

fn proxy(upstream: &str, extra: &[&str]) -> Server {
    let mut args = vec!["proxy", upstream, "--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    Server::start(&args)
}

#[test]
fn observe_passes_bytes_and_adds_the_findings_header() {
    let mock = mock();
    let proxy = proxy(&mock.url(), &[]);
    let asked = request("dev-1", "order-7");
    for prefer in [
        "code=200",
        "rule=end-before-start",
        "example=page",
        "code=460",
    ] {
        let direct = post(mock.addr, ORDER_GET, &[("Prefer", prefer)], &asked);
        let via = post(proxy.addr, ORDER_GET, &[("Prefer", prefer)], &asked);
        assert_eq!(
            (via.status, &via.body),
            (direct.status, &direct.body),
            "{prefer}"
        );
        let findings = via.header("x-contract-findings");
        match prefer {
            "rule=end-before-start" => assert!(
                findings
                    .is_some_and(|f| f.contains("response error end-before-start /data/endTime")),
                "{findings:?}"
            ),
            // The page's example answers another order: the exchange does not hold.
            "example=page" => assert!(
                findings.is_some_and(
                    |f| f.contains("single-digit-seconds") && f.contains("exchange-mismatch")
                ),
                "{findings:?}"
            ),
            _ => assert_eq!(findings, None, "{prefer}"),
        }
    }
    // Other routes stream through untouched.
    let other = call(proxy.addr, "GET", ORDER_GET, &[], b"");
    assert_eq!(other.status, 405);
}

#[test]
fn enforce_refuses_bad_requests_and_bad_answers() {
    let mock = mock();
    let proxy = proxy(&mock.url(), &["--mode", "enforce"]);
    let asked = request("dev-1", "order-7");
    let good = post(proxy.addr, ORDER_GET, &[], &asked);
    assert_eq!(good.status, 200);
    assert_eq!(response_rules(&asked, &good.body), []);

    let refused = post(proxy.addr, ORDER_GET, &[], br#"{"params": {}}"#);
    assert_eq!(refused.status, 400);
    assert!(
        refused
            .header("x-contract-findings")
            .is_some_and(|f| f.contains("request error"))
    );

    let broken = post(
        proxy.addr,
        ORDER_GET,
        &[("Prefer", "rule=wrong-type")],
        &asked,
    );
    assert_eq!(broken.status, 502);
    assert_eq!(broken.json()["code"], 502);

    // A warning is not a violation: passed on.
    let warned = post(
        proxy.addr,
        ORDER_GET,
        &[("Prefer", "rule=single-digit-seconds")],
        &asked,
    );
    assert_eq!(warned.status, 200);

    // Compressed and oversize requests, refused before upstream.
    let gzip = post(
        proxy.addr,
        ORDER_GET,
        &[("Content-Encoding", "gzip")],
        b"\x1f\x8b\x08",
    );
    assert_eq!(
        (gzip.status, gzip.json()["code"].clone()),
        (415, json!(415))
    );
    let over = declared(proxy.addr, 2 * 1024 * 1024);
    assert_eq!(
        (over.status, over.json()["code"].clone()),
        (413, json!(413))
    );
    assert_eq!(post(proxy.addr, ORDER_GET, &[], &asked).status, 200);
}

#[test]
fn metrics_count_calls_verdicts_and_findings() {
    let mock = mock();
    let mut proxy = proxy(&mock.url(), &["--metrics", "127.0.0.1:0"]);
    let metrics = proxy.next_addr("metrics");
    let asked = request("dev-1", "order-7");
    post(proxy.addr, ORDER_GET, &[], &asked);
    post(
        proxy.addr,
        ORDER_GET,
        &[("Prefer", "rule=wrong-type")],
        &asked,
    );
    post(proxy.addr, "/elsewhere", &[], b"");
    let text = call(metrics, "GET", "/metrics", &[], b"");
    assert_eq!(text.status, 200);
    let text = String::from_utf8_lossy(&text.body).into_owned();
    for line in [
        "cloudstorage_contract_calls_total{route=\"order/get\"} 2",
        "cloudstorage_contract_calls_total{route=\"other\"} 1",
        "cloudstorage_contract_verdicts_total{kind=\"request\",verdict=\"conforms\"} 2",
        "cloudstorage_contract_verdicts_total{kind=\"response\",verdict=\"violates\"} 1",
        "cloudstorage_contract_findings_total{rule=\"wrong-type\",severity=\"error\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
    }
    assert_eq!(call(metrics, "GET", "/other", &[], b"").status, 404);
}

#[test]
fn upstream_faults_answer_502_and_504_and_the_proxy_goes_on() {
    // Nothing listens on a port just released.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed_url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let down = proxy(&closed_url, &[]);
    let asked = request("dev-1", "order-7");
    assert_eq!(post(down.addr, ORDER_GET, &[], &asked).status, 502);
    assert_eq!(post(down.addr, ORDER_GET, &[], &asked).status, 502);

    // An upstream that accepts and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_url = format!("http://{}", silent.local_addr().expect("addr"));
    let slow = proxy(&silent_url, &["--timeout", "1"]);
    let started = Instant::now();
    let answer = post(slow.addr, ORDER_GET, &[], &asked);
    assert_eq!(answer.status, 504);
    assert!(started.elapsed() < TIMEOUT);
    assert_eq!(answer.json()["code"], 504);
    drop(silent);

    // An upstream that resets every other connection in the middle of a body, and answers
    // the others whole.
    let flaky = TcpListener::bind("127.0.0.1:0").expect("bind");
    let flaky_url = format!("http://{}", flaky.local_addr().expect("addr"));
    let server = std::thread::spawn(move || {
        let whole = br#"{"code": 2063, "message": "iotId not exist", "data": null}"#;
        for n in 0..4 {
            let Ok((mut stream, _)) = flaky.accept() else {
                return;
            };
            let _ = stream.set_read_timeout(Some(TIMEOUT));
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            let _ = if n % 2 == 0 {
                stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"code\": 200, \"da",
                )
            } else {
                stream
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
                            whole.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|()| stream.write_all(whole))
            };
        }
    });
    for mode in ["observe", "enforce"] {
        let proxy = proxy(&flaky_url, &["--mode", mode]);
        let mut stream = TcpStream::connect(proxy.addr).expect("connect");
        stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        let body = request("d", "o");
        let head = format!(
            "POST {ORDER_GET} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).expect("write");
        stream.write_all(&body).expect("write");
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        if mode == "enforce" {
            // Refused whole; observe passes the broken stream on as it came.
            assert_eq!(parse(&raw).status, 502, "{}", String::from_utf8_lossy(&raw));
        }
        let next = post(proxy.addr, ORDER_GET, &[], &request("d", "o"));
        assert_eq!(
            (next.status, next.json()["code"].clone()),
            (200, json!(2063)),
            "{mode}"
        );
    }
    let _ = server.join();
}

#[test]
fn a_client_that_leaves_mid_call_harms_no_other() {
    let mock = mock();
    let proxy = proxy(&mock.url(), &[]);
    for _ in 0..20 {
        let mut stream = TcpStream::connect(proxy.addr).expect("connect");
        let _ = stream.write_all(
            format!("POST {ORDER_GET} HTTP/1.1\r\nHost: x\r\nContent-Length: 600\r\n\r\n{{\"id\"")
                .as_bytes(),
        );
        drop(stream);
    }
    let asked = request("dev-1", "order-7");
    assert_eq!(post(proxy.addr, ORDER_GET, &[], &asked).status, 200);
}

fn check_json(path: &Path) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_cloudstorage-contract"))
        .args(["check", "--no-config", "--format", "json"])
        .arg(path)
        .output()
        .expect("check runs");
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)))
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "cloudstorage-contract-serve-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn the_recording_reads_back_with_the_logged_verdicts() {
    for file in ["calls.har", "calls.ndjson", "calls.ndjson.gz"] {
        let dir = temp(file);
        let record = dir.join(file);
        let log = dir.join("verdicts.ndjson");
        let mock = mock();
        let mut proxy = proxy(
            &mock.url(),
            &[
                "--record",
                record.to_str().expect("utf-8"),
                "--log",
                log.to_str().expect("utf-8"),
            ],
        );
        let asked = request("dev-1", "order-7");
        let mut answered = 0;
        for prefer in [
            "code=200",
            "rule=wrong-type",
            "rule=single-digit-seconds",
            "code=2063",
        ] {
            let a = post(proxy.addr, ORDER_GET, &[("Prefer", prefer)], &asked);
            assert_eq!(a.status, 200);
            answered += 1;
        }
        assert_eq!(
            post(proxy.addr, ORDER_GET, &[], br#"{"params": {}}"#).status,
            400
        );
        answered += 1;
        assert_eq!(proxy.terminate(), 0, "{file}");

        let text = std::fs::read(&record).expect("the recording");
        if file != "calls.ndjson.gz" {
            assert!(
                !String::from_utf8_lossy(&text).contains(IOT_TOKEN),
                "{file}"
            );
        }
        let logged: Vec<Value> = std::fs::read_to_string(&log)
            .expect("the log")
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect();
        let checked = check_json(&record);
        let payloads = checked["payloads"].as_array().expect("payloads");
        let verdicts = |list: &[Value]| {
            list.iter()
                .map(|p| {
                    let rules: Vec<String> = p["diagnostics"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|d| d["rule"] != "exchange-mismatch")
                        .map(|d| d["rule"].as_str().unwrap_or_default().to_owned())
                        .collect();
                    (p["kind"].clone(), rules)
                })
                .collect::<Vec<_>>()
        };
        // Every request answered, each with its response.
        let requests = payloads.iter().filter(|p| p["kind"] == "request").count();
        assert_eq!(requests, answered, "{file}");
        assert_eq!(verdicts(payloads), verdicts(&logged), "{file}");
    }
}

/// A CA made here, and a certificate for `localhost` it issued, with its key.
fn certificates() -> (rcgen::Certificate, rcgen::Certificate, rcgen::KeyPair) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("CA");
    let issuer = Issuer::from_params(&ca_params, &ca_key);
    let leaf_key = KeyPair::generate().expect("key");
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .expect("params")
        .signed_by(&leaf_key, &issuer)
        .expect("leaf");
    (ca, leaf, leaf_key)
}

/// A TLS terminator on 127.0.0.1 in front of `backend`, with a certificate for `localhost`
/// issued by a CA made here; returns its port, the CA's PEM, and the runtime serving it.
fn tls_front(backend: SocketAddr) -> (u16, String, tokio::runtime::Runtime) {
    let (ca, leaf, leaf_key) = certificates();
    #[allow(deprecated)]
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls_pki_types::PrivatePkcs8KeyDer::from(leaf_key.serialize_der()).into(),
        )
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    runtime.spawn(async move {
        // Bounded: a test makes a handful of connections.
        for _ in 0..64 {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(Ok(mut tls)) = tokio::time::timeout(TIMEOUT, acceptor.accept(tcp)).await
                else {
                    return;
                };
                let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::time::timeout(
                    TIMEOUT,
                    tokio::io::copy_bidirectional(&mut tls, &mut plain),
                )
                .await;
            });
        }
    });
    (port, ca.pem(), runtime)
}

#[test]
fn an_https_upstream_trusted_through_ca() {
    let mock = mock();
    let (port, ca_pem, _runtime) = tls_front(mock.addr);
    let dir = temp("https");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, ca_pem).expect("write the CA");
    let upstream = format!("https://localhost:{port}");
    let asked = request("dev-1", "order-7");

    let trusting = proxy(&upstream, &["--ca", ca.to_str().expect("utf-8")]);
    let answer = post(trusting.addr, ORDER_GET, &[], &asked);
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.body, post(mock.addr, ORDER_GET, &[], &asked).body);

    // Without the CA, the certificate is not trusted: 502, and nothing else breaks.
    let doubting = proxy(&upstream, &[]);
    let refused = post(doubting.addr, ORDER_GET, &[], &asked);
    assert_eq!(refused.status, 502);
    assert!(
        refused.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("certificate"))
    );
}

#[test]
fn idle_and_slow_clients_cannot_hold_the_server() {
    // Four connection slots, all taken by clients that send nothing; the header timeout
    // frees them, and a real call is answered.
    let mock = Server::start(&[
        "mock",
        "--listen",
        "127.0.0.1:0",
        "--max-connections",
        "4",
        "--idle-timeout",
        "1",
    ]);
    let idle: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(mock.addr).expect("connect"))
        .collect();
    // A slow client: half a head, then nothing.
    let mut slow = TcpStream::connect(mock.addr).expect("connect");
    let _ = slow.write_all(b"POST /vision/customer/cloudstorage/order/get HTTP/1.1\r\nHost: x\r\n");
    let started = Instant::now();
    let answer = post(mock.addr, ORDER_GET, &[], &request("dev-1", "order-7"));
    assert_eq!(answer.status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The idle ones were closed by the server.
    for mut stream in idle {
        stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
        let mut buffer = [0u8; 64];
        assert!(matches!(stream.read(&mut buffer), Ok(0) | Err(_)));
    }
    drop(slow);
}

#[test]
fn https_listening_for_mock_and_proxy() {
    let dir = temp("listen-tls");
    let (ca, leaf, leaf_key) = certificates();
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path.to_str().expect("utf-8").to_owned()
    };
    let (ca, cert, key) = (
        write("ca.pem", ca.pem()),
        write("cert.pem", leaf.pem()),
        write("key.pem", leaf_key.serialize_pem()),
    );
    let mock = Server::start(&[
        "mock",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
    ]);
    // The proxy, a client that trusts the CA, reaches the mock over HTTPS.
    let upstream = format!("https://localhost:{}", mock.addr.port());
    let proxy = proxy(&upstream, &["--ca", &ca]);
    let asked = request("dev-1", "order-7");
    let answer = post(proxy.addr, ORDER_GET, &[], &asked);
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(response_rules(&asked, &answer.body), []);
    // Plain HTTP to the TLS listener gets no answer, and the listener goes on.
    let mut plain = TcpStream::connect(mock.addr).expect("connect");
    plain.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    let _ = plain.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut raw = Vec::new();
    let _ = plain.read_to_end(&mut raw);
    assert!(!raw.starts_with(b"HTTP/1.1 200"));
    assert_eq!(post(proxy.addr, ORDER_GET, &[], &asked).status, 200);
}

#[test]
fn an_unreachable_upstream_is_not_recorded_as_its_answer() {
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed_url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let dir = temp("unreachable");
    let (record, log) = (dir.join("calls.ndjson"), dir.join("verdicts.ndjson"));
    let mut proxy = proxy(
        &closed_url,
        &[
            "--record",
            record.to_str().expect("utf-8"),
            "--log",
            log.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(
        post(proxy.addr, ORDER_GET, &[], &request("d", "o")).status,
        502
    );
    assert_eq!(proxy.terminate(), 0);
    // The request, and no response: upstream never answered.
    let recorded = std::fs::read_to_string(&record).expect("the recording");
    assert_eq!(recorded.lines().count(), 1, "{recorded}");
    assert!(recorded.contains("\"params\""));
    let logged = std::fs::read_to_string(&log).expect("the log");
    assert_eq!(logged.lines().count(), 1, "{logged}");
    assert!(logged.contains("\"kind\":\"request\""), "{logged}");
}

#[test]
fn sigterm_during_load_loses_nothing_recorded() {
    let dir = temp("sigterm");
    let (record, log) = (dir.join("calls.har"), dir.join("verdicts.ndjson"));
    let mock = mock();
    let mut proxy = proxy(
        &mock.url(),
        &[
            "--record",
            record.to_str().expect("utf-8"),
            "--log",
            log.to_str().expect("utf-8"),
        ],
    );
    let addr = proxy.addr;
    // Four clients call until the proxy stops answering (or 20 s pass); each counts the calls
    // that got a whole answer.
    let clients: Vec<_> = (0..4)
        .map(|c| {
            std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(20);
                let mut answered = 0u64;
                for i in 0.. {
                    if Instant::now() > deadline {
                        break;
                    }
                    let Ok(mut stream) = TcpStream::connect_timeout(&addr, TIMEOUT) else {
                        break;
                    };
                    let _ = stream.set_read_timeout(Some(TIMEOUT));
                    let body = request("dev-1", &format!("order-{c}-{i}"));
                    let prefer = if i % 5 == 0 { "rule=wrong-type" } else { "code=200" };
                    let head = format!(
                        "POST {ORDER_GET} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nPrefer: {prefer}\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    );
                    if stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body)).is_err() {
                        break;
                    }
                    let mut raw = Vec::new();
                    if stream.read_to_end(&mut raw).is_err() || !raw.starts_with(b"HTTP/1.1 200") {
                        break;
                    }
                    answered += 1;
                }
                answered
            })
        })
        .collect();
    // SIGTERM while they call: the proxy stops accepting, finishes what it accepted, closes
    // the recording and exits 0; the clients stop when their calls are refused.
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(proxy.terminate(), 0);
    let answered: u64 = clients.into_iter().map(|c| c.join().unwrap_or(0)).sum();
    assert!(answered > 0);

    // The recording is a whole HAR with one entry per call answered.
    let har: Value = serde_json::from_slice(&std::fs::read(&record).expect("the recording"))
        .expect("a whole HAR");
    let entries = har["log"]["entries"].as_array().expect("entries").len() as u64;
    assert_eq!(entries, answered);
    // `check` reads it with the verdicts the log holds.
    let checked = check_json(&record);
    let rules = |list: &[Value]| {
        let mut all: Vec<(String, Vec<String>)> = list
            .iter()
            .map(|p| {
                let rules = p["diagnostics"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|d| d["rule"].as_str().unwrap_or_default().to_owned())
                    .collect();
                (p["kind"].as_str().unwrap_or_default().to_owned(), rules)
            })
            .collect();
        all.sort();
        all
    };
    let logged: Vec<Value> = std::fs::read_to_string(&log)
        .expect("the log")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let payloads = checked["payloads"].as_array().expect("payloads");
    assert_eq!(payloads.len() as u64, 2 * answered);
    assert_eq!(rules(payloads), rules(&logged));
}
