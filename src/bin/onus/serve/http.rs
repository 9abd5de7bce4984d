//! The HTTP side: axum routes, refusals as JSON, the per-address limits,
//! CORS for widgets on other origins, and the static page folder.

use super::limits::{retry_secs, Limiter, PerAddress};
use super::state::{LogState, State};
use super::store::{self, LogKind};
use super::writer::{Ballot, Msg};
use super::Refusal;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path as UrlPath, Request, State as AppState};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::StreamExt;
use onus::json::{self as ojson, Numbers};
use onus::statement::{self, format_time, id_to_hex, key_to_string, Body as StBody, Statement, MAX_LINE_BYTES};
use onus::{merkle, receipt, signature};
use super::backend::Reader;
use super::objects::Objects;
use serde_json::json;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, Semaphore};
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// trace.jsonl is read in batches of at most this many lines...
const TRACE_BATCH_LINES: i64 = 4096;
/// ...and about this many bytes, each batch its own short read.
const TRACE_BATCH_BYTES: usize = 1 << 20;
/// A body over the line limit is still read (and dropped) up to this size before the 413.
const DRAIN_LIMIT: usize = 8 << 20;
/// A posted body costs one rate token per started block of this size.
const BODY_TOKEN_BYTES: u64 = 64 * 1024;
/// A trace download costs one rate token per MiB sent (the first MiB is free).
const DOWNLOAD_TOKEN_BYTES: u64 = 1 << 20;

#[derive(Clone)]
pub struct App {
    pub shared: Arc<RwLock<State>>,
    pub tx: mpsc::Sender<Msg>,
    pub readers: Arc<Readers>,
    pub limiter: Arc<Limiter>,
    /// Trace downloads per client address.
    pub downloads: Arc<PerAddress>,
    /// Ballot parses and signature checks at once: about one per core, off the async threads.
    pub checks: Arc<Semaphore>,
    pub body_timeout: Duration,
    /// For tests: how long each check is made to take.
    pub prepare_delay: Duration,
    /// With `--tiles`: checkpoints and tiles are read from the object store.
    pub objects: Option<Arc<Objects>>,
    /// With `--witness`: each witness's URL and key, for `GET /logs/NAME/policy`.
    pub witnesses: Arc<Vec<(String, onus::cosignature::WitnessKey)>>,
}

/// Read connections for the handlers (SQLite in WAL mode, whose readers never
/// wait for the writer, or PostgreSQL), at most `permits` reads at once, each a
/// short blocking task: no read transaction is ever held while a client is waited for.
pub struct Readers {
    open: Box<dyn Fn() -> Result<Box<dyn Reader>, String> + Send + Sync>,
    pool: Mutex<Vec<Box<dyn Reader>>>,
    permits: Arc<Semaphore>,
    size: usize,
}

/// A PostgreSQL client runs its own small runtime and may not be dropped on an
/// async thread ("Cannot start a runtime from within a runtime"): the pool is
/// dropped on a thread of its own, wherever the last reference goes.
impl Drop for Readers {
    fn drop(&mut self) {
        let pool = std::mem::take(&mut *self.pool.lock().unwrap_or_else(|e| e.into_inner()));
        if !pool.is_empty() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

impl Readers {
    pub fn sqlite(dir: &Path, size: usize) -> Readers {
        let dir = dir.to_path_buf();
        Readers::new(Box::new(move || store::open_reader(&dir).map(|c| Box::new(c) as Box<dyn Reader>)), size)
    }

    pub fn postgres(url: &str, size: usize) -> Readers {
        let url = url.to_string();
        Readers::new(Box::new(move || Ok(Box::new(super::pg::PgReader::new(&url)) as Box<dyn Reader>)), size)
    }

    fn new(open: Box<dyn Fn() -> Result<Box<dyn Reader>, String> + Send + Sync>, size: usize) -> Readers {
        let size = size.max(1);
        Readers { open, pool: Mutex::new(Vec::new()), permits: Arc::new(Semaphore::new(size)), size }
    }

    fn with<T>(&self, f: impl FnOnce(&mut dyn Reader) -> Result<T, String>) -> Result<T, String> {
        let pooled = self.pool.lock().expect("pool lock").pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => (self.open)()?,
        };
        let r = f(conn.as_mut());
        let mut pool = self.pool.lock().expect("pool lock");
        if pool.len() < self.size {
            pool.push(conn);
        }
        r
    }

    /// Runs `f` on a pooled connection in the blocking pool, waiting for a permit first.
    pub async fn read<T: Send + 'static>(self: &Arc<Self>, f: impl FnOnce(&mut dyn Reader) -> Result<T, String> + Send + 'static) -> Result<T, Refusal> {
        let permit = self.permits.clone().acquire_owned().await.map_err(|e| Refusal::storage(&e.to_string()))?;
        let me = self.clone();
        let r = tokio::task::spawn_blocking(move || {
            let r = me.with(f);
            drop(permit);
            r
        })
        .await;
        match r {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(Refusal::storage(&e)),
            Err(e) => Err(Refusal::storage(&e.to_string())),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut body = json!({"code": self.code, "message": self.message});
        if let Some(i) = self.index {
            body["index"] = i.into();
        }
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (status, Json(body)).into_response();
        resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(s) = self.retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if self.status == 408 {
            // What is left of the body will not be read: end the connection.
            resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        resp
    }
}

pub fn router(app: App, www: &Path) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE])
        .expose_headers([header::RETRY_AFTER, header::LOCATION])
        .max_age(Duration::from_secs(86400))
        .allow_private_network(true);
    let files = ServeDir::new(www).append_index_html_on_directories(true);
    let static_files = move |req: Request| {
        let files = files.clone();
        async move {
            if !servable(req.uri().path()) {
                return StatusCode::NOT_FOUND.into_response();
            }
            // A published log's entry bundles and checkpoint have no file extension; say what they are
            // (and so they go gzipped).
            let path = req.uri().path();
            let text = if path.contains("/tile/entries/") {
                Some("application/jsonl; charset=utf-8")
            } else if path.ends_with("/checkpoint") {
                Some("text/plain; charset=utf-8")
            } else {
                None
            };
            match tower::ServiceExt::oneshot(files, req).await {
                Ok(r) => {
                    let mut r = r.into_response();
                    if let (Some(t), StatusCode::OK) = (text, r.status()) {
                        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(t));
                    }
                    r
                }
                Err(never) => match never {},
            }
        }
    };
    Router::new()
        .route("/logs", get(list_logs))
        .route("/logs/{name}", get(log_info))
        .route("/logs/{name}/statements", post(post_statement))
        .route("/logs/{name}/trace.jsonl", get(trace))
        .route("/logs/{name}/checkpoint", get(checkpoint))
        .route("/logs/{name}/policy", get(policy))
        .route("/logs/{name}/receipt/{id}", get(receipt_of))
        .route("/logs/{name}/tile/{*rest}", get(super::tiles::tile))
        .fallback(static_files)
        .with_state(app)
        .layer(cors)
        // Text (entry bundles, traces, JSON, the page and its wasm) goes compressed to a client that asks
        // (brotli at 4, gzip at 6: an entry bundle to about 38 %, in 1-3 ms). Hash tiles are random bytes
        // and go as they are.
        .layer(CompressionLayer::new().br(true).gzip(true).quality(CompressionLevel::Default).compress_when(DefaultPredicate::new().and(NotForContentType::const_new("application/octet-stream"))))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
}

/// Whether a path of the page folder may be served: never dot files or folders,
/// key files (`*.key`, `*.key.pending`, `*.key.unused-*`) or the database
/// (`onus.db`, `onus.db-wal`, `-shm`, `-journal`), whatever the layout (a link to the data folder, a data folder
/// inside the page folder); never an empty segment (`//host` in a redirect's
/// Location is another host to a browser).
fn servable(path: &str) -> bool {
    let Ok(decoded) = String::from_utf8(percent_decode(path.as_bytes())) else { return false };
    if decoded.contains("//") || decoded.contains('\\') || decoded.contains('\0') {
        return false;
    }
    decoded.split('/').filter(|seg| !seg.is_empty()).all(|seg| {
        let seg = seg.to_ascii_lowercase();
        !(seg.starts_with('.') || seg.ends_with(".key") || seg.contains(".key.") || seg == store::DB_FILE || seg.starts_with(&format!("{}-", store::DB_FILE)))
    })
}

/// %XX decoding as the file service does it (other bytes, and malformed escapes, as they are).
fn percent_decode(b: &[u8]) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn unknown_log(name: &str) -> Refusal {
    Refusal::new(404, "log.unknown", format!("There is no log named {name:?} on this collector. GET /logs lists its logs."))
}

pub fn log_json(l: &LogState) -> serde_json::Value {
    let base = format!("/logs/{}", l.name);
    json!({
        "name": l.name,
        "kind": l.kind.as_str(),
        "origin": l.origin,
        "log_key": key_to_string(&l.public),
        "vkey": l.vkey(),
        "statements": l.size(),
        "sealed": l.sealed.as_ref().map(|s| json!({"size": s.size, "root": hex::encode(s.root)})),
        "trace": format!("{base}/trace.jsonl"),
        "checkpoint": format!("{base}/checkpoint"),
        // The same log as tiles (FORMAT.md section 8): `onus verify URL/`, the page's ?log=.
        "tiled": format!("{base}/"),
        "polls": l.polls.iter().map(|p| json!({
            "id": id_to_hex(&p.id),
            "index": p.index,
            "question": p.question,
            "options": p.options,
            "closes": format_time(p.closes),
            "widget": format!("/poll.html?log={base}&poll={}", id_to_hex(&p.id)),
        })).collect::<Vec<_>>(),
        "roster": l.roster.iter().map(|(k, (name, role))| json!({"key": key_to_string(k), "name": name, "role": role})).collect::<Vec<_>>(),
        "problems": l.problems,
    })
}

async fn list_logs(AppState(app): AppState<App>) -> Response {
    let s = app.shared.read().expect("state lock");
    Json(json!({"logs": s.logs.iter().map(log_json).collect::<Vec<_>>()})).into_response()
}

async fn log_info(AppState(app): AppState<App>, UrlPath(name): UrlPath<String>) -> Response {
    let s = app.shared.read().expect("state lock");
    match s.get(&name) {
        Some(l) => Json(log_json(l)).into_response(),
        None => unknown_log(&name).into_response(),
    }
}

/// Everything about a statement that does not depend on the log's state: one
/// line, well formed, a valid signature; for a poll log (or one not known
/// here) a `vote` with one ref; for a network log, a well-formed body.
fn prepare(bytes: &[u8], delay: Duration, kind: Option<LogKind>) -> Result<(Statement, String), Refusal> {
    std::thread::sleep(delay);
    let malformed = |status: u16, why: String| Refusal::new(status, "statement.malformed", why);
    let line = onus::verify::line_content(bytes);
    if line.len() > MAX_LINE_BYTES {
        return Err(malformed(413, format!("The statement is {} bytes, over the 1 MiB limit of a line (FORMAT.md section 2).", line.len())));
    }
    if line.is_empty() {
        return Err(malformed(400, "The body is empty: post one statement, as one line of JSON.".into()));
    }
    if line.iter().any(|&b| b == b'\n' || b == b'\r') {
        return Err(malformed(400, "Post one statement per request, on one line (no line breaks inside it).".into()));
    }
    let v = ojson::parse(line, Numbers::SafeIntegers).map_err(|e| malformed(400, format!("The statement is not acceptable JSON: {e}. Build it with the onus core (draftStatement/signedStatement).")))?;
    let st = statement::statement_from_json(&v).map_err(|e| malformed(400, format!("The statement is malformed: {e} (FORMAT.md section 2).")))?;
    if kind == Some(LogKind::Network) {
        return prepare_member(&v, st);
    }
    if st.kind != "vote" {
        return Err(Refusal::new(
            422,
            "statement.kind.refused",
            format!("This collector appends only ballots (kind `vote`); a `{}` statement is refused. Polls are added by the operator with `onus poll create`.", st.kind),
        ));
    }
    if let StBody::Invalid(why) = &st.body {
        return Err(Refusal::new(422, "body.invalid", format!("{why}. A ballot's body is {{\"choice\": N}}, N counting options from 0.")));
    }
    if st.refs.len() != 1 {
        return Err(Refusal::new(422, "body.invalid", format!("A ballot refers to exactly one statement, its poll; this one has {} refs.", st.refs.len())));
    }
    if let Err(e) = signature::verify_one(&st.actor, &st.id.0, &st.sig) {
        let why = format!("The statement is refused: {}. Sign the 32 bytes of the statement's id (FORMAT.md section 2) with the actor's key.", e.explain());
        return Err(Refusal::new(403, "statement.signature.invalid", why));
    }
    let canonical = String::from_utf8(ojson::canonical(&v)).expect("canonical JSON is UTF-8");
    Ok((st, canonical))
}

fn prepare_member(v: &ojson::Json, st: Statement) -> Result<(Statement, String), Refusal> {
    if st.kind == "log" {
        return Err(Refusal::new(422, "statement.kind.refused", "A log has one `log` statement, its first, made when the log was created; post other kinds.".into()));
    }
    if let StBody::Invalid(why) = &st.body {
        return Err(Refusal::new(422, "body.invalid", format!("{why} (FORMAT.md section 4 gives each kind's body).")));
    }
    if let Err(e) = signature::verify_one(&st.actor, &st.id.0, &st.sig) {
        let why = format!("The statement is refused: {}. Sign the 32 bytes of the statement's id (FORMAT.md section 2) with the actor's key.", e.explain());
        return Err(Refusal::new(403, "statement.signature.invalid", why));
    }
    let canonical = String::from_utf8(ojson::canonical(v)).expect("canonical JSON is UTF-8");
    Ok((st, canonical))
}

/// Rate tokens for a body of `bytes`: one per started 64 KiB block, at least one.
fn body_cost(bytes: u64) -> f64 {
    bytes.div_ceil(BODY_TOKEN_BYTES).max(1) as f64
}

async fn post_statement(AppState(app): AppState<App>, ConnectInfo(peer): ConnectInfo<SocketAddr>, UrlPath(name): UrlPath<String>, headers: HeaderMap, body: Body) -> Response {
    let too_large = || Refusal::new(413, "statement.malformed", "The body is over the 1 MiB limit of a statement line (FORMAT.md section 2).".into());
    // Bodies a little over the limit are read to their end before the refusal,
    // so that the client, still sending, reads the 413 instead of a broken pipe.
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let charged = body_cost(declared.unwrap_or(0).min(DRAIN_LIMIT as u64 + 1));
    let limited = app.limiter.take(peer.ip(), charged).err();
    if declared.is_some_and(|n| n > DRAIN_LIMIT as u64) {
        return too_large().into_response();
    }
    let read = async {
        let mut bytes = Vec::new();
        let mut seen = 0usize;
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let c = chunk.map_err(|e| Refusal::new(400, "request.body", format!("The request body could not be read: {e}.")))?;
            seen += c.len();
            if seen > DRAIN_LIMIT {
                return Err(too_large());
            }
            if seen <= MAX_LINE_BYTES + 2 {
                bytes.extend_from_slice(&c);
            }
        }
        Ok((bytes, seen))
    };
    let (bytes, seen) = match tokio::time::timeout(app.body_timeout, read).await {
        Ok(Ok(x)) => x,
        Ok(Err(r)) => return r.into_response(),
        Err(_) => {
            let secs = app.body_timeout.as_secs_f64();
            return Refusal::new(408, "request.timeout", format!("The request body did not arrive within {secs} s; nothing was stored. Send the ballot at once and retry.")).into_response();
        }
    };
    // Refused by the rate limit: after reading (cheap), before parsing (costly).
    if let Some(wait) = limited {
        return Refusal::rate_limited(retry_secs(wait)).into_response();
    }
    // A body sent without a length is charged for what it turned out to be.
    let extra = body_cost(seen as u64) - charged;
    if extra > 0.0 {
        if let Err(wait) = app.limiter.take(peer.ip(), extra) {
            return Refusal::rate_limited(retry_secs(wait)).into_response();
        }
    }
    if seen > MAX_LINE_BYTES + 2 {
        return too_large().into_response();
    }
    // Parsing and the signature check are CPU work: a bounded blocking pool keeps
    // them off the async threads, so a flood of big bodies never stalls other requests.
    let Ok(permit) = app.checks.clone().acquire_owned().await else { return Refusal::unavailable().into_response() };
    let delay = app.prepare_delay;
    let kind = app.shared.read().expect("state lock").get(&name).map(|l| l.kind);
    let prepared = tokio::task::spawn_blocking(move || {
        let r = prepare(&bytes, delay, kind);
        drop(permit);
        r
    })
    .await;
    let (st, line) = match prepared {
        Ok(Ok(x)) => x,
        Ok(Err(r)) => return r.into_response(),
        Err(_) => return Refusal::unavailable().into_response(),
    };
    let (reply, answer) = oneshot::channel();
    if app.tx.send(Msg::Ballot(Box::new(Ballot { log: name.clone(), st, line, reply }))).await.is_err() {
        return Refusal::unavailable().into_response();
    }
    match answer.await {
        Ok(Ok(acc)) => {
            let id = id_to_hex(&acc.id);
            let receipt = format!("/logs/{name}/receipt/{id}");
            let mut resp = (StatusCode::CREATED, Json(json!({"index": acc.index, "id": id, "receipt": receipt}))).into_response();
            if let Ok(v) = HeaderValue::from_str(&receipt) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
            resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
        Ok(Err(r)) => r.into_response(),
        Err(_) => Refusal::unavailable().into_response(),
    }
}

/// Where a trace download is: the next line to read, the end fixed when it began.
struct TraceCursor {
    app: App,
    ip: IpAddr,
    db_id: i64,
    next: i64,
    end: i64,
    sent: u64,
    charged: u64,
    _slot: super::limits::Held,
}

/// The log's lines as they were when the request came (lines are append-only, so
/// this is a consistent prefix), read in short batches as the client takes them:
/// no read transaction, connection or thread is held while the client is slow.
async fn trace(AppState(app): AppState<App>, ConnectInfo(peer): ConnectInfo<SocketAddr>, UrlPath(name): UrlPath<String>) -> Response {
    let (db_id, end) = {
        let s = app.shared.read().expect("state lock");
        match s.get(&name) {
            Some(l) => (l.db_id, l.next_seq),
            None => return unknown_log(&name).into_response(),
        }
    };
    let Some(slot) = app.downloads.enter(peer.ip()) else {
        let n = app.downloads.limit();
        return Refusal::new(429, "rate.limited", format!("Your address is already downloading {n} traces at once, the most it may; finish one and retry.")).retry(2).into_response();
    };
    let cursor = TraceCursor { app, ip: peer.ip(), db_id, next: 0, end, sent: 0, charged: 0, _slot: slot };
    let stream = futures_util::stream::unfold(cursor, |mut c| async move {
        if c.next >= c.end {
            return None;
        }
        // Big downloads are charged to the address's rate; they wait, never fail.
        while c.sent / DOWNLOAD_TOKEN_BYTES > c.charged {
            c.app.limiter.take_waiting(c.ip, 1.0).await;
            c.charged += 1;
        }
        let (db_id, from, end) = (c.db_id, c.next, c.end);
        match c.app.readers.read(move |conn| conn.trace_batch(db_id, from, end, TRACE_BATCH_LINES, TRACE_BATCH_BYTES)).await {
            Ok((bytes, _)) if bytes.is_empty() => None,
            Ok((bytes, next)) => {
                c.next = next;
                c.sent += bytes.len() as u64;
                Some((Ok(Bytes::from(bytes)), c))
            }
            Err(r) => {
                // Cut the response short: the client sees an incomplete body, not a shorter log.
                c.next = c.end;
                Some((Err(std::io::Error::other(r.message)), c))
            }
        }
    });
    // Fused: a body wrapper (gzip) may poll once more after the end, which an unfold must never see.
    Response::builder()
        .header(header::CONTENT_TYPE, "application/jsonl; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(stream.fuse()))
        .expect("valid response")
}

async fn checkpoint(AppState(app): AppState<App>, UrlPath(name): UrlPath<String>) -> Response {
    if let Some(objects) = &app.objects {
        if app.shared.read().expect("state lock").get(&name).is_none() {
            return unknown_log(&name).into_response();
        }
        // The store's checkpoint: the one whose tiles are all there.
        return match objects.get(&name, "checkpoint").await {
            Ok(Some(bytes)) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], bytes).into_response(),
            Ok(None) => Refusal::new(404, "log.unsealed", "The log has no published checkpoint yet; retry in a few seconds.".into()).retry(2).into_response(),
            Err(e) => Refusal::new(503, "tiles.unavailable", format!("The object store could not be read ({e}); retry in a few seconds.")).retry(2).into_response(),
        };
    }
    let s = app.shared.read().expect("state lock");
    let Some(log) = s.get(&name) else { return unknown_log(&name).into_response() };
    match &log.sealed {
        Some(sealed) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], sealed.note.clone()).into_response(),
        None => Refusal::new(404, "log.unsealed", "The log has no checkpoint yet; retry in a few seconds.".into()).retry(2).into_response(),
    }
}

/// The trust policy that requires every witness this collector asks (404 when it asks none).
async fn policy(AppState(app): AppState<App>, UrlPath(name): UrlPath<String>) -> Response {
    let vkey = {
        let s = app.shared.read().expect("state lock");
        let Some(log) = s.get(&name) else { return unknown_log(&name).into_response() };
        log.vkey()
    };
    if app.witnesses.is_empty() {
        return Refusal::new(404, "policy.none", format!("This collector asks no witness to cosign log {name:?}: only the log's own signature vouches for its checkpoints.")).into_response();
    }
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], super::witnesses::policy_text(&vkey, &app.witnesses)).into_response()
}

async fn receipt_of(AppState(app): AppState<App>, ConnectInfo(peer): ConnectInfo<SocketAddr>, UrlPath((name, id_hex)): UrlPath<(String, String)>) -> Response {
    if let Err(wait) = app.limiter.take(peer.ip(), 1.0) {
        return Refusal::rate_limited(retry_secs(wait)).into_response();
    }
    let id = match statement::parse_id(&id_hex) {
        Ok(id) => id,
        Err(e) => return Refusal::new(400, "request.id", format!("A statement id is 64 lowercase hex characters: {e}.")).into_response(),
    };
    let found = {
        let s = app.shared.read().expect("state lock");
        let Some(log) = s.get(&name) else { return unknown_log(&name).into_response() };
        let Some(&index) = log.ids.get(&id) else {
            return Refusal::new(404, "statement.unknown", format!("No statement with id {id_hex} is in log {name:?}. A ballot is in the log once its POST answered 201.")).into_response();
        };
        match &log.sealed {
            Some(sealed) if sealed.size > index => (log.db_id, index, sealed.note.clone(), log.leaves[..sealed.size as usize].to_vec()),
            _ => {
                return Refusal::new(404, "receipt.unsealed", format!("Statement {index} is in the log but not sealed yet: no signed checkpoint covers it. Retry in a few seconds."))
                    .retry(2)
                    .into_response()
            }
        }
    };
    let (db_id, index, note, leaves) = found;
    let made = app
        .readers
        .read(move |c| {
            let line = c.statement_line(db_id, index)?.ok_or_else(|| format!("statement {index} is missing from the database"))?;
            let proof = merkle::inclusion_proof(index, &leaves);
            receipt::make_receipt(line.as_bytes(), index, &proof, &note)
        })
        .await;
    match made {
        Ok(r) => ([(header::CONTENT_TYPE, "application/json")], r).into_response(),
        Err(r) => r.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::servable;

    #[test]
    fn what_the_page_folder_may_serve() {
        for ok in ["/", "/index.html", "/pkg/onus_bg.wasm", "/widget/poll.js", "/a%20b.txt", "/100%", "/%zz", "/keys.html", "/onus.dbx.html"] {
            assert!(servable(ok), "{ok}");
        }
        for no in [
            "//pkg",
            "/pkg//x",
            "/a%2F%2Fb",
            "/.git/config",
            "/%2egit",
            "/x/.onus-data/polls.key",
            "/polls.KEY",
            "/polls.key.pending",
            "/polls.key.unused-1700000000",
            "/onus.db",
            "/Onus.DB-wal",
            "/onus.db-journal",
            "/a\\b",
            "/%00",
        ] {
            assert!(!servable(no), "{no}");
        }
    }
}
