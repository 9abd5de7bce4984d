//! The HTTP side: axum routes, refusals as JSON, the per-IP rate limit,
//! CORS for widgets on other origins, and the static page folder.

use super::state::{LogState, State};
use super::store;
use super::writer::{Ballot, Msg};
use super::Refusal;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path as UrlPath, State as AppState};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::StreamExt;
use onus::json::{self as ojson, Numbers};
use onus::statement::{self, format_time, id_to_hex, key_to_string, Body as StBody, Statement, MAX_LINE_BYTES};
use onus::{merkle, receipt, signature};
use rusqlite::Connection;
use serde_json::json;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Bytes of trace.jsonl read from SQLite before they are sent on.
const TRACE_CHUNK: usize = 64 * 1024;
/// A body over the line limit is still read (and dropped) up to this size before the 413.
const DRAIN_LIMIT: usize = 8 << 20;

#[derive(Clone)]
pub struct App {
    pub shared: Arc<RwLock<State>>,
    pub tx: mpsc::Sender<Msg>,
    pub readers: Arc<Readers>,
    pub limiter: Arc<Limiter>,
}

/// A few read-only SQLite connections for the handlers (WAL: readers never wait for the writer).
pub struct Readers {
    dir: PathBuf,
    pool: Mutex<Vec<Connection>>,
}

impl Readers {
    pub fn new(dir: &Path) -> Readers {
        Readers { dir: dir.to_path_buf(), pool: Mutex::new(Vec::new()) }
    }
    fn with<T>(&self, f: impl FnOnce(&Connection) -> Result<T, String>) -> Result<T, String> {
        let pooled = self.pool.lock().expect("pool lock").pop();
        let conn = match pooled {
            Some(c) => c,
            None => store::open_reader(&self.dir)?,
        };
        let r = f(&conn);
        let mut pool = self.pool.lock().expect("pool lock");
        if pool.len() < 8 {
            pool.push(conn);
        }
        r
    }
}

/// A token bucket per client address (IPv6 by /64), refilled at `rate` per second up to `burst`.
pub struct Limiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl Limiter {
    /// `rate` 0 turns the limit off.
    pub fn new(rate: f64, burst: u32) -> Limiter {
        Limiter { rate, burst: burst.max(1) as f64, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token, or says how many seconds to wait.
    pub fn take(&self, ip: IpAddr) -> Result<(), u64> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let key = match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let s = v6.segments();
                    IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
                }
            },
            v4 => v4,
        };
        let now = Instant::now();
        let (rate, burst) = (self.rate, self.burst);
        let mut m = self.buckets.lock().expect("limiter lock");
        if m.len() >= 100_000 {
            m.retain(|_, (tokens, at)| *tokens + rate * now.duration_since(*at).as_secs_f64() < burst);
        }
        let (tokens, at) = m.entry(key).or_insert((burst, now));
        *tokens = (*tokens + rate * now.duration_since(*at).as_secs_f64()).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / rate).ceil().max(1.0) as u64)
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
    Router::new()
        .route("/logs", get(list_logs))
        .route("/logs/{name}", get(log_info))
        .route("/logs/{name}/statements", post(post_statement))
        .route("/logs/{name}/trace.jsonl", get(trace))
        .route("/logs/{name}/checkpoint", get(checkpoint))
        .route("/logs/{name}/receipt/{id}", get(receipt_of))
        .fallback_service(files)
        .with_state(app)
        .layer(cors)
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
}

fn unknown_log(name: &str) -> Refusal {
    Refusal::new(404, "log.unknown", format!("There is no log named {name:?} on this collector. GET /logs lists its logs."))
}

pub fn log_json(l: &LogState) -> serde_json::Value {
    let base = format!("/logs/{}", l.name);
    json!({
        "name": l.name,
        "origin": l.origin,
        "log_key": key_to_string(&l.public),
        "vkey": l.vkey(),
        "statements": l.size(),
        "sealed": l.sealed.as_ref().map(|s| json!({"size": s.size, "root": hex::encode(s.root)})),
        "trace": format!("{base}/trace.jsonl"),
        "checkpoint": format!("{base}/checkpoint"),
        "polls": l.polls.iter().map(|p| json!({
            "id": id_to_hex(&p.id),
            "index": p.index,
            "question": p.question,
            "options": p.options,
            "closes": format_time(p.closes),
            "widget": format!("/poll.html?log={base}&poll={}", id_to_hex(&p.id)),
        })).collect::<Vec<_>>(),
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

/// Everything about a ballot that does not depend on the log: one line,
/// a well-formed `vote` statement with one ref, and a valid signature.
fn prepare(bytes: &[u8]) -> Result<(Statement, String), Refusal> {
    let malformed = |status: u16, why: String| Refusal::new(status, "statement.malformed", why);
    let mut line = bytes;
    if let Some(l) = line.strip_suffix(b"\n") {
        line = l.strip_suffix(b"\r").unwrap_or(l);
    }
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
    if let Err(e) = signature::verify_one(&st.actor, &st.id, &st.sig) {
        let why = match e {
            signature::SigError::BadKey => "The actor key is not a valid Ed25519 public key (malformed, non-canonical or weak).",
            signature::SigError::Invalid => "The signature does not verify for this statement and actor key: sign the 32 bytes of the statement's id (FORMAT.md section 2) with the actor's key.",
        };
        return Err(Refusal::new(403, "statement.signature.invalid", why.into()));
    }
    let canonical = String::from_utf8(ojson::canonical(&v)).expect("canonical JSON is UTF-8");
    Ok((st, canonical))
}

async fn post_statement(AppState(app): AppState<App>, ConnectInfo(peer): ConnectInfo<SocketAddr>, UrlPath(name): UrlPath<String>, headers: HeaderMap, body: Body) -> Response {
    if let Err(wait) = app.limiter.take(peer.ip()) {
        return Refusal::rate_limited(wait).into_response();
    }
    let too_large = || Refusal::new(413, "statement.malformed", "The body is over the 1 MiB limit of a statement line (FORMAT.md section 2).".into());
    // Bodies a little over the limit are read to their end before the refusal,
    // so that the client, still sending, reads the 413 instead of a broken pipe.
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT as u64) {
        return too_large().into_response();
    }
    let mut bytes = Vec::new();
    let mut seen = 0usize;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => {
                seen += c.len();
                if seen > DRAIN_LIMIT {
                    return too_large().into_response();
                }
                if seen <= MAX_LINE_BYTES + 2 {
                    bytes.extend_from_slice(&c);
                }
            }
            Err(e) => return Refusal::new(400, "request.body", format!("The request body could not be read: {e}.")).into_response(),
        }
    }
    if seen > MAX_LINE_BYTES + 2 {
        return too_large().into_response();
    }
    let (st, line) = match prepare(&bytes) {
        Ok(x) => x,
        Err(r) => return r.into_response(),
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

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, String> + Send + 'static) -> Result<T, Refusal> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Refusal::storage(&e)),
        Err(e) => Err(Refusal::storage(&e.to_string())),
    }
}

/// The whole log, statements and checkpoint lines in order, streamed from one
/// SQLite read (a consistent snapshot) without holding it in memory.
async fn trace(AppState(app): AppState<App>, UrlPath(name): UrlPath<String>) -> Response {
    let readers = app.readers.clone();
    let lookup = name.clone();
    let db_id = match blocking(move || readers.with(|c| store::find_log(c, &lookup))).await {
        Ok(Some(row)) => row.db_id,
        Ok(None) => return unknown_log(&name).into_response(),
        Err(r) => return r.into_response(),
    };
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let readers = app.readers.clone();
    tokio::task::spawn_blocking(move || {
        let sent = readers.with(|c| {
            let mut st = c.prepare_cached("SELECT line FROM lines WHERE log = ?1 ORDER BY seq").map_err(store::sql)?;
            let mut rows = st.query([db_id]).map_err(store::sql)?;
            let mut buf = Vec::with_capacity(TRACE_CHUNK + 1024);
            while let Some(row) = rows.next().map_err(store::sql)? {
                let line = row.get_ref(0).map_err(store::sql)?.as_bytes().map_err(|e| e.to_string())?;
                buf.extend_from_slice(line);
                buf.push(b'\n');
                if buf.len() >= TRACE_CHUNK {
                    let full = std::mem::replace(&mut buf, Vec::with_capacity(TRACE_CHUNK + 1024));
                    if tx.blocking_send(Ok(Bytes::from(full))).is_err() {
                        return Ok(()); // the client went away
                    }
                }
            }
            if !buf.is_empty() {
                let _ = tx.blocking_send(Ok(Bytes::from(buf)));
            }
            Ok(())
        });
        if let Err(e) = sent {
            let _ = tx.blocking_send(Err(std::io::Error::other(e)));
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    Response::builder()
        .header(header::CONTENT_TYPE, "application/jsonl; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(stream))
        .expect("valid response")
}

async fn checkpoint(AppState(app): AppState<App>, UrlPath(name): UrlPath<String>) -> Response {
    let s = app.shared.read().expect("state lock");
    let Some(log) = s.get(&name) else { return unknown_log(&name).into_response() };
    match &log.sealed {
        Some(sealed) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], sealed.note.clone()).into_response(),
        None => Refusal::new(404, "log.unsealed", "The log has no checkpoint yet; retry in a few seconds.".into()).retry(2).into_response(),
    }
}

async fn receipt_of(AppState(app): AppState<App>, ConnectInfo(peer): ConnectInfo<SocketAddr>, UrlPath((name, id_hex)): UrlPath<(String, String)>) -> Response {
    if let Err(wait) = app.limiter.take(peer.ip()) {
        return Refusal::rate_limited(wait).into_response();
    }
    let id = match statement::parse_hash(&id_hex) {
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
    let readers = app.readers.clone();
    let made = blocking(move || {
        let line = readers.with(|c| store::statement_line(c, db_id, index))?.ok_or_else(|| format!("statement {index} is missing from the database"))?;
        let proof = merkle::inclusion_proof(index, &leaves);
        receipt::make_receipt(line.as_bytes(), index, &proof, &note)
    })
    .await;
    match made {
        Ok(r) => ([(header::CONTENT_TYPE, "application/json")], r).into_response(),
        Err(r) => r.into_response(),
    }
}
