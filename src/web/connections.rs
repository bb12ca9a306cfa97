//! Accepting connections with bounds a slow or greedy client cannot get round: a time
//! limit on reading request headers (which also closes idle keep-alive connections), a
//! cap on open connections, and the client's address handed to every request.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::HeaderName;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use ipnet::IpNet;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use super::{Metrics, RouteClass};
use crate::telemetry::RequestId;
use crate::telemetry::request_id;

/// How long open requests may run on after shutdown is asked for.
const DRAIN: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// How long a client may take to send its request headers. hyper starts the clock as
    /// soon as it waits for a request, so idle keep-alive connections close after it too.
    pub header_timeout: Duration,
    pub max_connections: usize,
}

/// What every request records: its duration (by class) and its request id, which a
/// proxy of `trusted_proxies` may choose.
#[derive(Clone)]
pub struct Observed {
    pub metrics: Arc<Metrics>,
    pub trusted_proxies: Arc<[IpNet]>,
}

const REQUEST_ID: HeaderName = HeaderName::from_static(request_id::HEADER);

/// Counts shared with `/metrics`.
#[derive(Default)]
pub struct ConnectionStats {
    pub open: AtomicU64,
    /// Times a new connection had to wait because the cap was reached.
    pub limit_reached: AtomicU64,
}

/// Serves `router` on `listener` until `stop` turns true, then lets open requests finish
/// (for a while) before returning.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    observed: Observed,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let stats = observed.metrics.connections.clone();
    // HTTP/1.1: what browsers, feed readers and CDNs speak to an origin without TLS.
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let saturated = AtomicBool::new(false);
    let graceful = GracefulShutdown::new();

    loop {
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => {
                if saturated.swap(false, Ordering::Relaxed) {
                    tracing::info!("open connections are below the limit again");
                }
                slot
            }
            Err(_) => {
                stats.limit_reached.fetch_add(1, Ordering::Relaxed);
                if !saturated.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "connection limit reached; new connections wait in the listen queue until others close (PAYSTATUS_MAX_CONNECTIONS)"
                    );
                }
                tokio::select! {
                    slot = slots.clone().acquire_owned() => match slot {
                        Ok(slot) => slot,
                        Err(_) => break,
                    },
                    () = stopped(&mut stop) => break,
                }
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait for some to be freed
                    // rather than spin.
                    tracing::error!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        // Small responses go out at once rather than waiting for more to send.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let router = router.clone();
        let observed = observed.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            if let Some(uri) = super::static_paths::route_form(req.uri()) {
                *req.uri_mut() = uri;
            }
            // Every route passes here, with the peer known: the one place to choose the
            // request id and time the answer (until its head; the body streams after).
            let route = RouteClass::of(req.uri().path());
            let id = RequestId::for_request(req.headers(), peer.ip(), &observed.trusted_proxies);
            // Only the admin API, the console, customers' reports and subscribing ask who
            // the client is (to throttle wrong keys and passwords, count a reporter once,
            // limit confirmation mails per client); public reads skip the allocation an
            // extension costs.
            let path = req.uri().path();
            if path.starts_with("/api/admin/")
                || path.starts_with("/console/")
                || path == "/report"
                || path == "/subscribe"
            {
                req.extensions_mut().insert(ConnectInfo(peer));
            }
            let answer = id.scope(router.clone().oneshot(req));
            let metrics = observed.metrics.clone();
            let started = Instant::now();
            async move {
                let mut response = answer.await?;
                metrics
                    .http
                    .observe(route, response.status(), started.elapsed());
                match id.header_value() {
                    Some(value) => response.headers_mut().insert(REQUEST_ID, value),
                    // Only visible ASCII is ever held, so this does not happen; never
                    // leave a prepared document's placeholder in its place.
                    None => response.headers_mut().remove(REQUEST_ID),
                };
                Ok::<_, std::convert::Infallible>(response)
            }
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        let stats = stats.clone();
        stats.open.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            stats.open.fetch_sub(1, Ordering::Relaxed);
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections were still busy {DRAIN:?} after shutdown began");
    }
    Ok(())
}

/// Resolves when shutdown is asked for (or the app that could ask is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is dropped here, before any other await.
    let _ = stop.wait_for(|s| *s).await;
}

/// Raises this process's limit on open files to the most it may have: every connection
/// is a file, and the usual soft limit (1,024) would refuse connections long before the
/// connection cap. Returns the limit in force.
#[cfg(unix)]
pub fn raise_open_file_limit() -> std::io::Result<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            limit = raised;
        }
    }
    Ok(limit.rlim_cur)
}

#[cfg(not(unix))]
pub fn raise_open_file_limit() -> std::io::Result<u64> {
    Ok(u64::MAX)
}
