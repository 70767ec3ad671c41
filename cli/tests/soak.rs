//! A soak: `proxy --mode enforce --record` in front of `mock`, under concurrent keep-alive
//! clients on 127.0.0.1 for `SOAK_SECONDS` (10 by default), one call in ten asking the mock for
//! a broken answer. Ignored by `cargo test`; `.ci/run` runs it on its own:
//!
//! ```text
//! SOAK_SECONDS=30 cargo test -p cloudstorage-contract-cli --test soak -- --ignored --nocapture
//! ```
//!
//! It holds that no call is lost or answered with another call's order, that every broken
//! answer is refused (502) and none reaches a client, that the proxy's memory stays flat, and
//! that after SIGTERM the proxy exits 0 with one request line per call in its recording.
//!
//! Every loop is bounded in time and count, every network step has a timeout, and both
//! processes are killed when their guards drop, whether the test passes or fails.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cloudstorage_contract::{Rule, Severity, sample};
use serde_json::{Value, json};

const ORDER_GET: &str = "/vision/customer/cloudstorage/order/get";
/// The bound on every network step.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Concurrent clients, each on its own keep-alive connection.
const CLIENTS: usize = 8;
/// A bound on each client's calls, whatever the duration.
const MAX_CALLS_PER_CLIENT: u64 = 2_000_000;
/// A client that fails this many calls stops early: the test has failed by then.
const MAX_FAILURES_PER_CLIENT: usize = 20;
/// How much the proxy's resident memory may grow from the start of the run to its end.
const RSS_SLACK: f64 = 0.10;

#[path = "support/server.rs"]
mod server;
use server::Server;

/// A process's resident set in KiB, from `/proc/PID/status`.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// One keep-alive connection: a request out, its answer back, framed by `Content-Length` or
/// chunks.
struct Connection {
    reader: BufReader<TcpStream>,
}

/// An answer: status, body, and whether the server closes the connection after it.
struct Answer {
    status: u16,
    body: Vec<u8>,
    close: bool,
}

impl Connection {
    fn open(addr: SocketAddr) -> std::io::Result<Connection> {
        let stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        stream.set_write_timeout(Some(TIMEOUT))?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            reader: BufReader::new(stream),
        })
    }

    fn post(&mut self, prefer: Option<&str>, body: &[u8]) -> std::io::Result<Answer> {
        let mut head = format!(
            "POST {ORDER_GET} HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
        if let Some(prefer) = prefer {
            head.push_str(&format!("Prefer: {prefer}\r\n"));
        }
        head.push_str("\r\n");
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        self.read_answer()
    }

    fn line(&mut self) -> std::io::Result<String> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the connection closed before the answer",
            ));
        }
        Ok(line.trim_end().to_owned())
    }

    fn read_answer(&mut self) -> std::io::Result<Answer> {
        let invalid = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
        let status_line = self.line()?;
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| invalid("no status"))?;
        let mut length = None;
        let mut chunked = false;
        let mut close = false;
        // A head has a bounded number of lines.
        for _ in 0..100 {
            let line = self.line()?;
            if line.is_empty() {
                break;
            }
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
            match name.as_str() {
                "content-length" => length = value.parse::<usize>().ok(),
                "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        let mut body = Vec::new();
        if chunked {
            // A body of a bounded number of chunks.
            for _ in 0..10_000 {
                let size = usize::from_str_radix(self.line()?.split(';').next().unwrap_or(""), 16)
                    .map_err(|_| invalid("a bad chunk size"))?;
                if size == 0 {
                    // The trailer section ends with an empty line.
                    while !self.line()?.is_empty() {}
                    break;
                }
                let start = body.len();
                body.resize(start + size, 0);
                self.reader.read_exact(&mut body[start..])?;
                self.line()?;
            }
        } else {
            let length = length.ok_or_else(|| invalid("no Content-Length"))?;
            body.resize(length, 0);
            self.reader.read_exact(&mut body)?;
        }
        Ok(Answer {
            status,
            body,
            close,
        })
    }
}

/// What one client saw.
#[derive(Default)]
struct Tally {
    calls: u64,
    /// Conforming answers, each for its own call's order.
    answered: u64,
    /// Broken answers refused with 502.
    refused: u64,
    /// Calls with no answer (a connection error, a timeout), with what happened.
    lost: Vec<String>,
    /// Answers that are not the one the call asked for.
    mixed: Vec<String>,
    /// Every `orderId` this client sent.
    order_ids: Vec<String>,
}

/// The rules whose broken answers enforce must refuse: the errors among the mock's defects.
fn error_defects() -> Vec<Rule> {
    sample::answer_defects()
        .iter()
        .copied()
        .filter(|r| r.info().default_severity == Severity::Error)
        .collect()
}

fn client(
    index: usize,
    proxy: SocketAddr,
    deadline: Instant,
    broken_rules: &[Rule],
    stop: &AtomicBool,
) -> Tally {
    let mut tally = Tally::default();
    let iot_id = format!("soak-device-{index}");
    let mut connection: Option<Connection> = None;
    let mut n: u64 = 0;
    while Instant::now() < deadline
        && n < MAX_CALLS_PER_CLIENT
        && tally.lost.len() + tally.mixed.len() < MAX_FAILURES_PER_CLIENT
        && !stop.load(Ordering::Relaxed)
    {
        // Unique across the run: the client and the call.
        let order_id = format!("soak-{index}-{n}");
        // One call in ten asks for a broken answer, cycling through the error rules.
        let broken = (n % 10 == 9).then(|| broken_rules[(n / 10) as usize % broken_rules.len()]);
        let prefer = broken.map(|rule| format!("rule={rule}"));
        let body = json!({
            "id": format!("{index}-{n}"),
            "version": "1.0",
            "request": { "apiVer": "1.0.6", "iotToken": "SOAK-TOKEN" },
            "params": { "iotId": iot_id, "orderId": order_id },
        })
        .to_string();
        n += 1;
        tally.calls += 1;
        tally.order_ids.push(order_id.clone());
        let result = match connection.as_mut() {
            Some(c) => Ok(c),
            None => Connection::open(proxy).map(|c| connection.insert(c)),
        }
        .and_then(|c| c.post(prefer.as_deref(), body.as_bytes()));
        let answer = match result {
            Ok(answer) => answer,
            Err(e) => {
                tally.lost.push(format!("{order_id}: {e}"));
                connection = None;
                continue;
            }
        };
        if answer.close {
            connection = None;
        }
        let value: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        let text = || {
            String::from_utf8_lossy(&answer.body)
                .chars()
                .take(300)
                .collect::<String>()
        };
        match broken {
            Some(rule) => {
                // Refused whole: the gateway's envelope, no order in it.
                if answer.status == 502 && value["code"] == 502 && value["data"].is_null() {
                    tally.refused += 1;
                } else {
                    tally.mixed.push(format!(
                        "{order_id} (rule={rule}): passed on as {}: {}",
                        answer.status,
                        text()
                    ));
                }
            }
            None => {
                let ours = answer.status == 200
                    && value["code"] == 200
                    && value["data"]["orderId"] == order_id.as_str()
                    && value["data"]["iotId"] == iot_id.as_str();
                if ours {
                    tally.answered += 1;
                } else {
                    tally.mixed.push(format!(
                        "{order_id}: answered {}: {}",
                        answer.status,
                        text()
                    ));
                }
            }
        }
    }
    tally
}

/// The peak of the samples taken within `[from, to]` seconds.
fn peak(samples: &[(f64, u64)], from: f64, to: f64) -> Option<u64> {
    samples
        .iter()
        .filter(|(t, _)| (from..=to).contains(t))
        .map(|&(_, kib)| kib)
        .max()
}

fn soak_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("soak-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the soak's folder");
    dir
}

#[test]
#[ignore = "a soak of SOAK_SECONDS (10 by default); `.ci/run` runs it with --ignored"]
fn enforce_proxy_under_load_loses_nothing_and_stays_flat() {
    let seconds: u64 = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
        .clamp(3, 600);
    let duration = Duration::from_secs(seconds);
    let dir = soak_dir();
    let recording = dir.join("soak.ndjson");
    let broken_rules = error_defects();
    assert!(!broken_rules.is_empty());

    let mock = Server::start(&[
        "mock",
        "--listen",
        "127.0.0.1:0",
        "--log",
        dir.join("mock.ndjson").to_str().expect("utf-8"),
    ]);
    let upstream = format!("http://{}", mock.addr);
    let mut proxy = Server::start(&[
        "proxy",
        &upstream,
        "--mode",
        "enforce",
        "--listen",
        "127.0.0.1:0",
        "--record",
        recording.to_str().expect("utf-8"),
        "--log",
        "/dev/null",
    ]);
    let proxy_pid = proxy.pid();
    let proxy_addr = proxy.addr;

    let started = Instant::now();
    let deadline = started + duration;
    let stop = Arc::new(AtomicBool::new(false));
    // The proxy's resident set, once a second, until the clients are done.
    let sampler = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut samples = Vec::new();
            // Bounded: one sample a second, the duration and a little more.
            for _ in 0..seconds + 30 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if let Some(kib) = rss_kib(proxy_pid) {
                    samples.push((started.elapsed().as_secs_f64(), kib));
                }
                std::thread::sleep(Duration::from_secs(1));
            }
            samples
        })
    };
    let clients: Vec<_> = (0..CLIENTS)
        .map(|index| {
            let rules = broken_rules.clone();
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || client(index, proxy_addr, deadline, &rules, &stop))
        })
        .collect();
    let tallies: Vec<Tally> = clients
        .into_iter()
        .map(|c| c.join().expect("a client thread"))
        .collect();
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut samples = sampler.join().expect("the sampler");
    // One last sample, after the load.
    if let Some(kib) = rss_kib(proxy_pid) {
        samples.push((started.elapsed().as_secs_f64(), kib));
    }

    let calls: u64 = tallies.iter().map(|t| t.calls).sum();
    let answered: u64 = tallies.iter().map(|t| t.answered).sum();
    let refused: u64 = tallies.iter().map(|t| t.refused).sum();
    let lost: Vec<&String> = tallies.iter().flat_map(|t| &t.lost).collect();
    let mixed: Vec<&String> = tallies.iter().flat_map(|t| &t.mixed).collect();
    // The windows: the first and last 10 s, or the first and last thirds of a shorter run.
    let window = if elapsed >= 30.0 { 10.0 } else { elapsed / 3.0 };
    let first = peak(&samples, 0.0, window);
    let last = peak(&samples, elapsed - window, f64::MAX);
    eprintln!(
        "soak: {calls} calls in {elapsed:.1} s ({:.0}/s) from {CLIENTS} clients: {answered} answered, \
         {refused} broken answers refused, {} lost, {} mixed up",
        calls as f64 / elapsed,
        lost.len(),
        mixed.len()
    );
    eprintln!(
        "soak: proxy VmRSS peak {} KiB in the first {window:.0} s, {} KiB in the last {window:.0} s \
         ({} samples)",
        first.unwrap_or(0),
        last.unwrap_or(0),
        samples.len()
    );

    assert!(lost.is_empty(), "calls with no answer: {lost:?}");
    assert!(mixed.is_empty(), "wrong answers: {mixed:?}");
    assert_eq!(answered + refused, calls);
    assert!(calls >= 100 * seconds, "too few calls to judge: {calls}");
    assert!(
        refused >= calls / 10 - CLIENTS as u64,
        "{refused} refused of {calls}"
    );
    let (Some(first), Some(last)) = (first, last) else {
        panic!("too few memory samples: {samples:?}");
    };
    assert!(
        last as f64 <= first as f64 * (1.0 + RSS_SLACK),
        "the proxy's memory grew: {first} KiB then {last} KiB; samples {samples:?}"
    );

    // SIGTERM: the proxy finishes, closes the recording and exits 0.
    assert_eq!(proxy.terminate(), 0, "the proxy's exit code");
    drop(mock);

    // One request line per call, each call's own; one response line per upstream answer.
    let sent: HashSet<&str> = tallies
        .iter()
        .flat_map(|t| t.order_ids.iter().map(String::as_str))
        .collect();
    let file = std::fs::File::open(&recording).expect("the recording");
    let mut recorded_requests = 0u64;
    let mut recorded_responses = 0u64;
    let mut recorded_ids = HashSet::new();
    for line in BufReader::new(file).lines() {
        let line = line.expect("a line of the recording");
        // A broken upstream answer may not be JSON at all: only requests must parse.
        let value: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        if value.get("params").is_some() {
            recorded_requests += 1;
            let id = value["params"]["orderId"].as_str().unwrap_or_default();
            assert!(sent.contains(id), "recorded a request never sent: {id}");
            assert!(recorded_ids.insert(id.to_owned()), "recorded twice: {id}");
            assert!(
                !line.contains("SOAK-TOKEN"),
                "a credential in the recording"
            );
        } else {
            recorded_responses += 1;
        }
    }
    eprintln!(
        "soak: recording {} holds {recorded_requests} requests and {recorded_responses} responses",
        recording.display()
    );
    assert_eq!(recorded_requests, calls, "one request line per call");
    // Every upstream answer is recorded, the broken ones the proxy refused included: they
    // are what a recording is for.
    assert_eq!(
        recorded_responses,
        answered + refused,
        "one response line per upstream answer"
    );
    // A recording of a long run is large: kept only when the test fails.
    let _ = std::fs::remove_dir_all(&dir);
}
