//! A load generator for `benches/serve.sh`: N keep-alive connections, each sending `order/get`
//! calls one after another for a fixed time, then requests per second and latency quantiles.
//!
//! ```text
//! cargo run --release -p cloudstorage-contract-cli --example load -- URL [CONNECTIONS] [SECONDS] [PREFER]
//! ```
//!
//! Prints one JSON line: `{"requests": N, "seconds": S, "rps": R, "p50_ms": .., "p99_ms": ..,
//! "errors": E, "statuses": {"200": N, ...}}`. Each connection cycles through 64 requests with
//! different `orderId`s. Loopback only: the URL must name 127.0.0.1, [::1] or localhost.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

const ORDER_GET: &str = "/vision/customer/cloudstorage/order/get";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(url) = args.first() else {
        eprintln!("usage: load URL [CONNECTIONS] [SECONDS] [PREFER]");
        std::process::exit(2);
    };
    let loopback = ["http://127.0.0.1:", "http://[::1]:", "http://localhost:"];
    if !loopback.iter().any(|p| url.starts_with(p)) {
        eprintln!("load: only loopback URLs (http://127.0.0.1:PORT)");
        std::process::exit(2);
    }
    let connections: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(16);
    let seconds: f64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5.0);
    let prefer = args.get(3).cloned();
    let uri: http::Uri = match format!("{}{ORDER_GET}", url.trim_end_matches('/')).parse() {
        Ok(uri) => uri,
        Err(e) => {
            eprintln!("load: {e}");
            std::process::exit(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("load: {e}");
            std::process::exit(2);
        }
    };
    let result = runtime.block_on(run(uri, connections, seconds, prefer));
    println!("{result}");
}

async fn run(uri: http::Uri, connections: usize, seconds: f64, prefer: Option<String>) -> String {
    let bodies: Vec<Bytes> = (0..64)
        .map(|i| {
            Bytes::from(format!(
                r#"{{"id":"{i}","version":"1.0","request":{{"apiVer":"1.0.6","iotToken":"token-{i}"}},"params":{{"iotId":"QIuozfUcxRX6frOTO4dK0001","orderId":"2020073112411500{i:02}"}}}}"#
            ))
        })
        .collect();
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(connections)
        .build_http();
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let client = client.clone();
        let uri = uri.clone();
        let bodies = bodies.clone();
        let prefer = prefer.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
            let mut errors = 0u64;
            let mut i = c;
            while Instant::now() < deadline {
                let mut request =
                    http::Request::post(uri.clone()).header("content-type", "application/json");
                if let Some(prefer) = &prefer {
                    request = request.header("prefer", prefer.as_str());
                }
                let Ok(request) = request.body(Full::new(bodies[i % bodies.len()].clone())) else {
                    errors += 1;
                    break;
                };
                i += 1;
                let sent = Instant::now();
                let answer = tokio::time::timeout(Duration::from_secs(10), async {
                    let response = client.request(request).await.ok()?;
                    let status = response.status().as_u16();
                    response.into_body().collect().await.ok()?;
                    Some(status)
                })
                .await;
                match answer {
                    Ok(Some(status)) => {
                        latencies.push(sent.elapsed().as_micros() as u64);
                        *statuses.entry(status).or_default() += 1;
                    }
                    _ => errors += 1,
                }
            }
            (latencies, statuses, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
    let mut errors = 0;
    for task in tasks {
        if let Ok((l, s, e)) = task.await {
            latencies.extend(l);
            for (status, n) in s {
                *statuses.entry(status).or_default() += n;
            }
            errors += e;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let quantile = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |us| *us as f64 / 1000.0)
    };
    let statuses: BTreeMap<String, u64> = statuses
        .into_iter()
        .map(|(s, n)| (s.to_string(), n))
        .collect();
    serde_json::json!({
        "requests": latencies.len(),
        "seconds": elapsed,
        "rps": latencies.len() as f64 / elapsed,
        "p50_ms": quantile(0.50),
        "p99_ms": quantile(0.99),
        "errors": errors,
        "statuses": statuses,
    })
    .to_string()
}
