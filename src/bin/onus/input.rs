//! Where a command's input comes from: a file, standard input, or an http(s)
//! URL with connect and read timeouts that say what happened.

use crate::Fail;
use std::io::Read;
use std::time::Duration;

/// How long a server may take to accept the connection, and (by default) to send the next bytes.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

pub fn open_input(arg: &str, read_timeout: Duration) -> Result<(Box<dyn Read + Send>, Option<u64>), Fail> {
    if arg == "-" {
        return Ok((Box::new(std::io::stdin()), None));
    }
    if arg.starts_with("http://") || arg.starts_with("https://") {
        let agent = ureq::AgentBuilder::new().timeout_connect(CONNECT_TIMEOUT).timeout_read(read_timeout).build();
        let resp = agent.get(arg).call().map_err(|e| match e {
            ureq::Error::Status(code, r) => Fail(format!("{arg}: the server answered {code} {}; check the URL", r.status_text())),
            ureq::Error::Transport(t) if is_timeout(&t) => Fail(format!(
                "{arg}: the server did not answer in time (connect {} s, then {} s without data); try again later or check the address",
                CONNECT_TIMEOUT.as_secs(),
                read_timeout.as_secs()
            )),
            ureq::Error::Transport(t) => Fail(format!("{arg}: cannot fetch it ({t}); check the address and your network")),
        })?;
        let len = resp.header("content-length").and_then(|l| l.parse().ok());
        return Ok((Box::new(TimeoutReader { inner: resp.into_reader(), secs: read_timeout.as_secs() }), len));
    }
    let f = std::fs::File::open(arg).map_err(|e| Fail(format!("cannot open {arg}: {e}")))?;
    let len = f.metadata().ok().map(|m| m.len());
    Ok((Box::new(f), len))
}

fn is_timeout(t: &ureq::Transport) -> bool {
    use std::error::Error;
    let mut e: Option<&(dyn Error + 'static)> = t.source();
    while let Some(cur) = e {
        if cur.downcast_ref::<std::io::Error>().is_some_and(|io| matches!(io.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock)) {
            return true;
        }
        e = cur.source();
    }
    t.to_string().contains("timed out")
}

/// A response body whose read timeouts say how long the server was silent.
struct TimeoutReader<R> {
    inner: R,
    secs: u64,
}

impl<R: Read> Read for TimeoutReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                std::io::Error::new(std::io::ErrorKind::TimedOut, format!("the server sent nothing for {} s (see --timeout); try again later", self.secs))
            }
            _ => e,
        })
    }
}

/// Says what a failed read of the input means.
pub fn read_failure(what: &str, e: std::io::Error) -> Fail {
    Fail(format!("reading {what} failed: {e}"))
}

/// A receipt or other small input: at most `MAX_SMALL_INPUT` bytes.
const MAX_SMALL_INPUT: u64 = 4 << 20;

pub fn read_all(arg: &str) -> Result<Vec<u8>, Fail> {
    let (r, _) = open_input(arg, READ_TIMEOUT)?;
    let mut v = Vec::new();
    r.take(MAX_SMALL_INPUT + 1).read_to_end(&mut v).map_err(|e| read_failure(arg, e))?;
    if v.len() as u64 > MAX_SMALL_INPUT {
        return Err(Fail(format!("{arg} is over {} MiB; a receipt is a few kilobytes: check that this is the receipt", MAX_SMALL_INPUT >> 20)));
    }
    Ok(v)
}

