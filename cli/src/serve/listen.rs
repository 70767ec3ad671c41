//! Listening: bind, announce the URL, accept within limits, and shut down gracefully.
//!
//! Every connection is served by hyper's HTTP/1 server with a bounded header size and a header
//! timeout (which also closes idle keep-alive connections), and at most `max_connections` are
//! open at once: past that, new ones wait in the kernel's backlog, and the ones open are served
//! on as before, so a slow or hostile client holds one slot, never the others.
//! SIGINT or SIGTERM stops accepting; the calls in flight get `grace` to finish.

use std::convert::Infallible;
use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

use cloudstorage_contract::Error;

/// The body every server here answers with.
pub(crate) type Body = BoxBody<Bytes, BoxError>;
/// A body stream's error.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A complete body.
pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    http_body_util::Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// The limits every connection is held to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Connections open at once.
    pub(crate) max_connections: usize,
    /// How long a client may take to send a request's headers, and how long a kept-alive
    /// connection may sit idle.
    pub(crate) header_timeout: Duration,
    /// The largest request head (request line and headers), in bytes.
    pub(crate) max_header_bytes: usize,
    /// How long the calls in flight may take to finish after a shutdown signal.
    pub(crate) grace: Duration,
}

/// Binds `addr`, or fails with a message that names it.
pub(crate) async fn bind(addr: SocketAddr) -> Result<TcpListener, Error> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| Error::usage(format!("cannot listen on {addr}: {e}")))
}

/// Prints `WHAT on http://ADDR` (`https` with TLS) on stdout: the first line is
/// `listening on ...`, for scripts and tests.
pub(crate) fn announce(listener: &TcpListener, what: &str, tls: bool) -> Result<SocketAddr, Error> {
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("<listener>", e))?;
    let scheme = if tls { "https" } else { "http" };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{what} on {scheme}://{addr}")
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("<stdout>", e))?;
    Ok(addr)
}

/// Serves `service` on `listener` (over TLS with `tls`) until `shutdown` completes, then lets
/// the calls in flight finish within the grace period.
pub(crate) async fn serve<S, F>(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    service: S,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) where
    S: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<Response<Body>, Infallible>> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_header_bytes.max(8192))
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = Arc::clone(&slots).acquire_owned() => slot,
        };
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // Out of file descriptors, or a connection reset before it was accepted: wait a
            // little rather than spin, and go on.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = hyper::service::service_fn(service.clone());
        let Some(tls) = &tls else {
            let connection =
                graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
            tokio::spawn(async move {
                let _ = connection.await;
                drop(slot);
            });
            continue;
        };
        // The handshake runs on the connection's own task, bounded like a request head, so
        // that a client that never finishes it holds its slot only that long.
        let (tls, builder, watcher) = (tls.clone(), builder.clone(), graceful.watcher());
        let timeout = limits.header_timeout;
        tokio::spawn(async move {
            if let Ok(Ok(stream)) = tokio::time::timeout(timeout, tls.accept(stream)).await {
                let connection = builder.serve_connection(TokioIo::new(stream), service);
                let _ = watcher.watch(connection).await;
            }
            drop(slot);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(limits.grace, graceful.shutdown()).await;
}

/// The TLS acceptor for `--tls-cert` and `--tls-key` (PEM files): the certificate chain, leaf
/// first, and its private key. HTTP/1.1 only.
pub(crate) fn tls_acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, Error> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let shown =
        |path: &Path| cloudstorage_contract::terminal::escape(&path.to_string_lossy()).into_owned();
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| Error::usage(format!("`--tls-cert {}`: {e}", shown(cert))))?;
    if chain.is_empty() {
        return Err(Error::usage(format!(
            "`--tls-cert {}`: no PEM certificate in the file",
            shown(cert)
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| Error::usage(format!("`--tls-key {}`: {e}", shown(key))))?;
    // ring, as for the proxy's client (see `proxy::tls_config`).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::internal(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| Error::usage(format!("`--tls-cert`/`--tls-key`: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Completes on the first SIGINT or SIGTERM (Ctrl-C elsewhere).
pub(crate) async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut interrupt), Ok(mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
