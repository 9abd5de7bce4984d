//! The accept loop (hyper 1.x HTTP/1.1): connection limits and the timeouts
//! that keep slow or stuck clients from holding the collector.
//!
//! - The global connection permit is taken *before* `accept()`, so excess
//!   connections wait in the listen backlog instead of costing memory and files.
//! - An address over its connection limit gets a short 503 and a close.
//! - Each connection's reads are timed by [`Clock`]: while no request is in
//!   flight, the client has `idle` to start one and then `header` to finish its
//!   head. Writes that make no progress for `send` (a client that stopped
//!   reading) end the connection. Request bodies are timed by their handler.
//! - At the connection limit, connections that hold a slot doing nothing (idle
//!   for [`SHED_IDLE`], or a head begun [`SHED_HEAD`] ago and not finished)
//!   are closed, so that many addresses each under their own limit cannot keep
//!   everyone else waiting for the idle timeout.

use super::limits::PerAddress;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};

/// Refused connections whose 503 may still be in flight (read what they sent
/// for a moment so that the close does not reset the answer away).
pub const LINGER_SLOTS: usize = 64;
const LINGER: Duration = Duration::from_millis(500);
/// At the connection limit: how long a new connection waits before idle ones are closed...
const SHED_AFTER: Duration = Duration::from_millis(200);
/// ...and how long a connection must have been idle, or in its head, to be closed then.
const SHED_IDLE: Duration = Duration::from_secs(1);
const SHED_HEAD: Duration = Duration::from_secs(2);
/// How long a graceful stop waits for requests in flight.
pub const DRAIN: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug)]
pub struct ConnLimits {
    pub header: Duration,
    pub idle: Duration,
    pub send: Duration,
    pub max_connections: usize,
    pub per_address: usize,
    pub linger_slots: usize,
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets requests
/// in flight finish (at most [`DRAIN`]).
pub async fn serve(listener: TcpListener, router: Router, limits: ConnLimits, shutdown: impl Future<Output = ()>) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let lingering = Arc::new(Semaphore::new(limits.linger_slots));
    let per_address = PerAddress::new(limits.per_address.max(1));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    // hyper's own head timer starts when a connection goes idle; ours (Clock) is
    // finer, this is the backstop.
    builder.timer(TokioTimer::new()).header_read_timeout(limits.idle + limits.header).keep_alive(true);
    let registry = Registry::default();
    tokio::pin!(shutdown);
    loop {
        let permit = loop {
            tokio::select! {
                p = permits.clone().acquire_owned() => break Some(p.expect("the semaphore is never closed")),
                () = tokio::time::sleep(SHED_AFTER) => registry.shed(),
                () = &mut shutdown => break None,
            }
        };
        let Some(permit) = permit else { break };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(held) = per_address.enter(peer.ip()) else {
            drop(permit);
            refuse(stream, &lingering, limits.per_address);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let clock = Arc::new(Clock::new(limits.header, limits.idle));
        registry.add(&clock, limits.max_connections);
        let io = TokioIo::new(TimedIo::new(stream, clock.clone(), limits.send));
        let service = PerRequest { router: router.clone(), peer, clock };
        let conn = graceful.watch(builder.serve_connection(io, service));
        tokio::spawn(async move {
            let _ = conn.await;
            drop(held);
            drop(permit);
        });
    }
    drop(listener);
    let open = graceful.count();
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        eprintln!("onus serve: {open} connection(s) were still open after {} s; closing them", DRAIN.as_secs());
    }
}

/// Too many open files and the like: wait a little instead of spinning; say so
/// at most once a minute.
async fn accept_failed(e: io::Error) {
    static LAST: AtomicU64 = AtomicU64::new(0);
    if matches!(e.kind(), io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::Interrupted) {
        return;
    }
    let now = super::now() as u64;
    if now.saturating_sub(LAST.swap(now, Ordering::Relaxed)) >= 60 {
        eprintln!("onus serve: WARNING: cannot accept connections: {e} (raise the open-file limit, ulimit -n, or lower --max-connections)");
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// The answer to a connection over its address's limit: a 503 and a close.
fn refuse(stream: TcpStream, lingering: &Arc<Semaphore>, limit: usize) {
    use std::io::Write;
    let body = format!(
        "{{\"code\":\"connection.limit\",\"message\":\"Your address already has {limit} connections open to this collector, the most it may have; this one is closed. Close some and retry.\"}}"
    );
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nretry-after: 5\r\ncache-control: no-store\r\naccess-control-allow-origin: *\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let Ok(std) = stream.into_std() else { return };
    // A fresh socket's send buffer is empty: this small write does not block.
    let _ = (&std).write(answer.as_bytes());
    let _ = std.shutdown(std::net::Shutdown::Write);
    let Ok(slot) = lingering.clone().try_acquire_owned() else { return };
    tokio::spawn(async move {
        let Ok(mut s) = TcpStream::from_std(std) else { return };
        let drain = async {
            let mut buf = [0u8; 4096];
            let mut seen = 0;
            while seen < 64 * 1024 {
                match tokio::io::AsyncReadExt::read(&mut s, &mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen += n,
                }
            }
        };
        let _ = tokio::time::timeout(LINGER, drain).await;
        drop(slot);
    });
}

/// Every open connection's clock, for closing idle ones at the connection limit.
#[derive(Default)]
struct Registry(Mutex<Vec<std::sync::Weak<Clock>>>);

impl Registry {
    fn add(&self, clock: &Arc<Clock>, max: usize) {
        let mut v = self.0.lock().expect("registry lock");
        if v.len() >= 2 * max.max(1) {
            v.retain(|w| w.strong_count() > 0);
        }
        v.push(Arc::downgrade(clock));
    }

    /// Closes the connections that hold a slot doing nothing; says so at most once a minute.
    fn shed(&self) {
        static LAST: AtomicU64 = AtomicU64::new(0);
        let mut v = self.0.lock().expect("registry lock");
        v.retain(|w| w.strong_count() > 0);
        let now = Instant::now();
        let shed = v.iter().filter_map(|w| w.upgrade()).filter(|c| c.shed_if_idle(now)).count();
        let secs = super::now() as u64;
        if shed > 0 && secs.saturating_sub(LAST.swap(secs, Ordering::Relaxed)) >= 60 {
            eprintln!("onus serve: at the connection limit ({} open): closed {shed} idle connection(s) to make room", v.len());
        }
    }
}

/// What the read timer of a connection goes by: requests in flight, when it went
/// idle, when the next request's head began.
pub struct Clock {
    header: Duration,
    idle: Duration,
    state: Mutex<ClockState>,
}

struct ClockState {
    busy: usize,
    idle_since: Instant,
    head_since: Option<Instant>,
    /// Closed to make room at the connection limit ([`Registry::shed`]).
    shed: bool,
    /// The reader waiting on this connection, woken when it is shed.
    waker: Option<std::task::Waker>,
}

/// A request in flight, from its head until its response body is done (or dropped).
pub struct Busy(Arc<Clock>);

impl Clock {
    fn new(header: Duration, idle: Duration) -> Clock {
        Clock { header, idle, state: Mutex::new(ClockState { busy: 0, idle_since: Instant::now(), head_since: None, shed: false, waker: None }) }
    }

    /// Marks the connection shed if it holds its slot doing nothing, and wakes its reader.
    fn shed_if_idle(&self, now: Instant) -> bool {
        let mut s = self.state.lock().expect("clock lock");
        let idle = match (s.busy, s.head_since) {
            (0, None) => now.duration_since(s.idle_since) >= SHED_IDLE,
            (0, Some(t)) => now.duration_since(t) >= SHED_HEAD,
            _ => false,
        };
        if idle && !s.shed {
            s.shed = true;
            if let Some(w) = s.waker.take() {
                w.wake();
            }
            return true;
        }
        false
    }

    /// Whether the connection was shed; else keeps `waker` to be woken if it is.
    fn parked(&self, waker: &std::task::Waker) -> bool {
        let mut s = self.state.lock().expect("clock lock");
        if !s.shed {
            s.waker = Some(waker.clone());
        }
        s.shed
    }

    fn read_some(&self) {
        let mut s = self.state.lock().expect("clock lock");
        if s.busy == 0 && s.head_since.is_none() {
            s.head_since = Some(Instant::now());
        }
    }

    /// When reading must have made progress by, and whether a head was begun.
    fn deadline(&self) -> Option<(Instant, bool)> {
        let s = self.state.lock().expect("clock lock");
        match (s.busy, s.head_since) {
            (0, Some(t)) => Some((t + self.header, true)),
            (0, None) => Some((s.idle_since + self.idle, false)),
            _ => None,
        }
    }

    fn busy(self: &Arc<Self>) -> Busy {
        let mut s = self.state.lock().expect("clock lock");
        s.busy += 1;
        s.head_since = None;
        Busy(self.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut s = self.0.state.lock().expect("clock lock");
        s.busy -= 1;
        if s.busy == 0 {
            s.idle_since = Instant::now();
        }
    }
}

/// The TCP stream with the read timer of its [`Clock`] and the send-stall timer.
struct TimedIo {
    io: TcpStream,
    clock: Arc<Clock>,
    send: Duration,
    read_timer: Pin<Box<Sleep>>,
    read_deadline: Option<Instant>,
    write_timer: Pin<Box<Sleep>>,
    write_armed: bool,
}

const HEAD_TIMEOUT_ANSWER: &[u8] = b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\ncontent-length: 60\r\nconnection: close\r\n\r\nThe request's head did not arrive in time; send it at once.\n";

impl TimedIo {
    fn new(io: TcpStream, clock: Arc<Clock>, send: Duration) -> TimedIo {
        let far = Instant::now() + Duration::from_secs(86400 * 365);
        TimedIo { io, clock, send, read_timer: Box::pin(tokio::time::sleep_until(far)), read_deadline: None, write_timer: Box::pin(tokio::time::sleep_until(far)), write_armed: false }
    }

    /// A write that is not ready starts (or checks) the stall timer; progress stops it.
    fn stalled<T>(&mut self, cx: &mut Context<'_>, r: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if r.is_ready() {
            self.write_armed = false;
            return r;
        }
        if !self.write_armed {
            self.write_armed = true;
            self.write_timer.as_mut().reset(Instant::now() + self.send);
        }
        if self.write_timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "the client stopped reading")));
        }
        Poll::Pending
    }
}

impl AsyncRead for TimedIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.clock.read_some();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                if this.clock.parked(cx.waker()) {
                    if this.clock.deadline().is_some_and(|(_, in_head)| in_head) {
                        let _ = this.io.try_write(HEAD_TIMEOUT_ANSWER);
                    }
                    return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "closed to make room at the connection limit")));
                }
                let Some((at, in_head)) = this.clock.deadline() else { return Poll::Pending };
                if this.read_deadline != Some(at) {
                    this.read_deadline = Some(at);
                    this.read_timer.as_mut().reset(at);
                }
                if this.read_timer.as_mut().poll(cx).is_ready() {
                    if in_head {
                        // No response is being written while a head is read: best effort, never blocks.
                        let _ = this.io.try_write(HEAD_TIMEOUT_ANSWER);
                    }
                    let what = if in_head { "request head" } else { "idle connection" };
                    return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, format!("{what} timed out"))));
                }
                Poll::Pending
            }
        }
    }
}

impl AsyncWrite for TimedIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_write(cx, buf);
        this.stalled(cx, r)
    }

    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.stalled(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_flush(cx);
        this.stalled(cx, r)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.io).poll_shutdown(cx);
        this.stalled(cx, r)
    }
}

/// The router per connection: the peer address for the handlers, and the
/// connection's clock marked busy until each response is sent.
#[derive(Clone)]
struct PerRequest {
    router: Router,
    peer: SocketAddr,
    clock: Arc<Clock>,
}

type Answer = Pin<Box<dyn Future<Output = Result<axum::response::Response, std::convert::Infallible>> + Send>>;

impl hyper::service::Service<hyper::Request<Incoming>> for PerRequest {
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = Answer;

    fn call(&self, mut req: hyper::Request<Incoming>) -> Answer {
        req.extensions_mut().insert(ConnectInfo(self.peer));
        let busy = self.clock.busy();
        let router = self.router.clone();
        Box::pin(async move {
            let resp = tower::ServiceExt::oneshot(router, req).await?;
            Ok(resp.map(|inner| Body::new(Tracked { inner, _busy: busy })))
        })
    }
}

/// A response body that keeps its request marked in flight until it is done.
struct Tracked {
    inner: Body,
    _busy: Busy,
}

impl http_body::Body for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        http_body::Body::is_end_stream(&self.inner)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::Body::size_hint(&self.inner)
    }
}

/// Raises the soft open-file limit towards `wanted` if the hard limit allows;
/// returns the soft limit in force (None where it cannot be read).
#[allow(clippy::unnecessary_cast)] // rlim_t is not u64 on every system
pub fn open_file_limit(wanted: u64) -> Option<u64> {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: plain system calls on a local struct.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
            return None;
        }
        let cur = lim.rlim_cur as u64;
        if cur < wanted && (lim.rlim_max as u64) > cur {
            let raised = libc::rlimit { rlim_cur: wanted.min(lim.rlim_max as u64) as libc::rlim_t, rlim_max: lim.rlim_max };
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
                return Some(raised.rlim_cur as u64);
            }
        }
        Some(cur)
    }
    #[cfg(not(unix))]
    {
        let _ = wanted;
        None
    }
}
