//! `drnfs exporter`: the live engine (the same one the view and `snapshot` use) serving
//! its latest report as metrics over HTTP, for Prometheus to scrape.
//!
//! A scrape never samples anything: the engine samples on its own interval and a scrape
//! renders the report it last made, so ten scrapers cost ten renders, not ten reads of
//! /proc and the socket table. HTTP is hyper's; drnfs parses none of it.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::engine::Report;
use crate::engine::session::{Feed, Session};
use crate::report::metrics::{self, Format, Options};

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Serves `/metrics` on `listener` from a session on `feed` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    feed: Feed,
    vips: Vec<IpAddr>,
    top_clients: usize,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let (mut session, _) = Session::start(feed, vips);
    let (tx, rx) = watch::channel::<Option<Arc<Report>>>(None);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            changed = session.changed(None) => {
                if changed {
                    tx.send_replace(session.report().map(Arc::new));
                }
            }
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    // Out of file descriptors and the like: say so, keep serving.
                    Err(e) => {
                        tracing::warn!("exporter: accept failed: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let rx = rx.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let report = rx.borrow().clone();
                        async move { Ok::<_, Infallible>(respond(&req, report.as_deref(), top_clients)) }
                    });
                    let io = hyper_util::rt::TokioIo::new(stream);
                    // A slow or silent client holds only its own task, and not for ever.
                    let conn = hyper::server::conn::http1::Builder::new()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(std::time::Duration::from_secs(10))
                        .serve_connection(io, service);
                    if let Err(e) = conn.await {
                        tracing::debug!("exporter: connection from {peer}: {e}");
                    }
                });
            }
            () = &mut shutdown => return Ok(()),
        }
    }
}

/// The answer to one request: `/metrics` in the format the scraper asked for (OpenMetrics
/// when its Accept header names it, as Prometheus' does, else the 0.0.4 text format).
fn respond(req: &Request<Incoming>, report: Option<&Report>, top_clients: usize) -> Response<Full<Bytes>> {
    let text = |status: StatusCode, body: String| {
        let mut r = Response::new(Full::new(Bytes::from(body)));
        *r.status_mut() = status;
        r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        r
    };
    match (req.method(), req.uri().path()) {
        (&Method::GET | &Method::HEAD, "/metrics") => {
            let Some(report) = report else {
                return text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "drnfs has not sampled yet; try again in a second\n".into(),
                );
            };
            let openmetrics = req
                .headers()
                .get_all(ACCEPT)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.contains("application/openmetrics-text"));
            let format = if openmetrics { Format::OpenMetrics } else { Format::Prometheus };
            let body = metrics::render(report, &Options { format, top_clients });
            let mut r = Response::new(Full::new(Bytes::from(body)));
            r.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static(if openmetrics { OPENMETRICS } else { PROMETHEUS_TEXT }),
            );
            r
        }
        (&Method::GET, "/") => text(StatusCode::OK, "drnfs exporter: metrics at /metrics\n".into()),
        (&Method::GET | &Method::HEAD, _) => text(StatusCode::NOT_FOUND, "not found: metrics are at /metrics\n".into()),
        _ => text(StatusCode::METHOD_NOT_ALLOWED, "only GET\n".into()),
    }
}

/// Binds `addr` (a port of 0 picks a free one) and says where it serves.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    let listener = TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let bound = listener.local_addr()?;
    eprintln!("drnfs: serving metrics on http://{bound}/metrics");
    Ok(listener)
}
