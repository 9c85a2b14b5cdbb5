//! Connections to one Redis, shared by the Redis channel layers: a small
//! pool of idle connections, timeouts on connecting and on every reply, and
//! recovery after a failure.

use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use redis::{Client, Cmd, Connection, FromRedisValue, RedisError, RedisResult, ToRedisArgs};

use crate::{Error, Result};

/// How long opening a connection (TCP connect and handshake) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one command may wait for its reply, beyond a blocking pop's own
/// wait.
pub(crate) const IO_TIMEOUT: Duration = Duration::from_secs(3);
/// How many idle connections a pool keeps open for later operations.
const MAX_IDLE: usize = 16;

/// The connections of a layer to its Redis.
///
/// Each operation borrows an idle connection, or opens one if none is idle,
/// and gives it back when done, so threads never wait for each other's
/// commands. Nothing waits on Redis for ever: connecting times out after
/// 2 s, and a reply after 3 s. A connection that saw any error is dropped
/// rather than pooled; an I/O error, a dropped connection or a timeout also
/// drops every idle connection (Redis may have restarted), so the next
/// operation connects anew. Creating the pool does not connect.
pub(crate) struct RedisPool {
    client: Client,
    /// `host:port/db`, for `Debug` and errors (the URL may hold a password).
    address: String,
    idle: Mutex<Vec<Connection>>,
    /// What a reply that comes too late means for the layer (see
    /// [`open`](Self::open)).
    late_reply: &'static str,
}

impl RedisPool {
    /// A pool for the Redis at `url` (`redis://host:port/db`).
    /// `late_reply` says what it means for the layer that Redis did not
    /// answer a command in time (frozen, overloaded): Redis may still carry
    /// it out when it answers, and that reply is lost. It goes into the
    /// error, so the caller's log says it.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `url` is not a valid Redis URL.
    pub(crate) fn open(url: &str, late_reply: &'static str) -> Result<Self> {
        let client = Client::open(url)
            .map_err(|e| Error::Config(format!("invalid Redis URL: {}", e.category())))?;
        let info = client.get_connection_info();
        let address = format!("{}/{}", info.addr(), info.redis_settings().db());
        Ok(RedisPool {
            client,
            address,
            idle: Mutex::default(),
            late_reply,
        })
    }

    /// `host:port/db`: the URL without its password.
    pub(crate) fn address(&self) -> &str {
        &self.address
    }

    /// How many connections are idle in the pool.
    pub(crate) fn idle_count(&self) -> usize {
        self.idle_lock().len()
    }

    /// Runs `op` on a pooled connection, or a new one; pools it again only
    /// if `op` succeeded.
    ///
    /// # Errors
    ///
    /// [`Error::Layer`] when connecting or `op` fails.
    pub(crate) fn with_connection<T>(
        &self,
        op: impl FnOnce(&mut Connection) -> RedisResult<T>,
    ) -> Result<T> {
        let mut connection = self.checkout()?;
        match op(&mut connection) {
            Ok(value) => {
                self.checkin(connection);
                Ok(value)
            }
            Err(e) => Err(self.failure(e, true)),
        }
    }

    /// `GET key`.
    ///
    /// # Errors
    ///
    /// As [`with_connection`](Self::with_connection).
    pub(crate) fn get<T: FromRedisValue>(&self, key: &str) -> Result<Option<T>> {
        self.with_connection(|c| redis::cmd("GET").arg(key).query(c))
    }

    /// `SET key value PX lifetime`: a value Redis forgets after `lifetime`.
    ///
    /// # Errors
    ///
    /// As [`with_connection`](Self::with_connection).
    pub(crate) fn set_expiring(
        &self,
        key: &str,
        value: impl ToRedisArgs,
        lifetime: Duration,
    ) -> Result<()> {
        let px = millis(lifetime);
        self.with_connection(|c| {
            redis::cmd("SET")
                .arg(key)
                .arg(value)
                .arg("PX")
                .arg(px)
                .query(c)
        })
    }

    /// `DEL key`.
    ///
    /// # Errors
    ///
    /// As [`with_connection`](Self::with_connection).
    pub(crate) fn delete(&self, key: &str) -> Result<()> {
        self.with_connection(|c| redis::cmd("DEL").arg(key).query(c))
    }

    fn checkout(&self) -> Result<Connection> {
        if let Some(connection) = self.idle_lock().pop() {
            return Ok(connection);
        }
        let connection = self
            .client
            .get_connection_with_timeout(CONNECT_TIMEOUT)
            .map_err(|e| self.failure(e, false))?;
        connection
            .set_read_timeout(Some(IO_TIMEOUT))
            .and_then(|()| connection.set_write_timeout(Some(IO_TIMEOUT)))
            .map_err(|e| self.failure(e, false))?;
        log::debug!("channel layer: connected to Redis at {}", self.address);
        Ok(connection)
    }

    fn checkin(&self, connection: Connection) {
        let mut idle = self.idle_lock();
        if idle.len() < MAX_IDLE {
            idle.push(connection);
        }
    }

    fn idle_lock(&self) -> MutexGuard<'_, Vec<Connection>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Turns a Redis failure into [`Error::Layer`]. After a failure, any
    /// idle connection is suspect too (Redis may have restarted): drop them.
    /// A command `sent` but not answered in time may still be carried out
    /// when Redis answers; the error says so, and what that costs the layer.
    fn failure(&self, e: RedisError, sent: bool) -> Error {
        if e.is_io_error() || e.is_connection_dropped() || e.is_timeout() {
            self.idle_lock().clear();
        }
        log::debug!("channel layer: Redis at {} failed: {e}", self.address);
        if sent && e.is_timeout() {
            return Error::Layer(format!(
                "Redis at {}: no reply in time; Redis may still carry the command out when it answers ({}): {e}",
                self.address, self.late_reply
            ));
        }
        Error::Layer(format!("Redis at {}: {e}", self.address))
    }
}

/// How long a receive may still wait for a message: until `deadline`, or
/// an hour at a time when it waits for ever (`None`).
pub(crate) fn wait_until(deadline: Option<Instant>) -> Duration {
    deadline.map_or(Duration::from_secs(3600), |deadline| {
        deadline.saturating_duration_since(Instant::now())
    })
}

/// Runs a blocking command (`BLPOP`, `BLMOVE`, `BZPOPMIN`) with `wait` as
/// its timeout argument, giving the reply that long and [`IO_TIMEOUT`] more.
pub(crate) fn query_blocking<T: FromRedisValue>(
    c: &mut Connection,
    cmd: &mut Cmd,
    wait: Duration,
) -> RedisResult<T> {
    // Blocking commands take seconds, where 0 means for ever: at least 1 ms.
    let seconds = format!("{:.3}", wait.max(Duration::from_millis(1)).as_secs_f64());
    c.set_read_timeout(Some(wait + IO_TIMEOUT))?;
    let reply = cmd.arg(seconds).query(c)?;
    c.set_read_timeout(Some(IO_TIMEOUT))?;
    Ok(reply)
}

/// `duration` in whole milliseconds, as Redis' `PX` and `PEXPIRE` take it.
pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl fmt::Debug for RedisPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisPool")
            .field("address", &self.address)
            .field("idle_connections", &self.idle_count())
            .finish()
    }
}
