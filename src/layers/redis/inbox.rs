//! Receiving from a process inbox (a queue whose name ends in `!`, read by
//! the one process that made it) without losing a message to a Redis that
//! stops answering.
//!
//! A plain `BLPOP` loses a message when its reply comes too late: the
//! receive gives up after its timeout and drops the connection, and when
//! Redis answers again it may still pop a message for it, and write it to
//! nobody. So an inbox receive moves the body key it takes into
//! `<queue>$inflight` (`BLMOVE`), reads the body, and only then deletes the
//! body and the key (the acknowledgement). After a receive failed, each
//! receive for a while puts what is in flight back at the head of the queue
//! first, so such a message is received then. It may come twice if Redis
//! carried out a late acknowledgement after the message was put back: at
//! least once, in that corner, rather than lost. An inbox has one reader,
//! its process's listener; two threads receiving from one inbox could each
//! put back what the other has in flight, and get it twice.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::{Connection, RedisResult};

use super::RedisLayer;
use crate::layers::redis_pool::{query_blocking, wait_until};
use crate::Result;

/// Puts everything in flight back at the head of the queue, oldest first:
/// KEYS = queue, its in-flight list. Returns how many.
pub(super) const RESTORE_SCRIPT: &str = r"
local n = 0
while redis.call('LMOVE', KEYS[2], KEYS[1], 'RIGHT', 'LEFT') do n = n + 1 end
return n
";

/// How long after a failed receive the following receives put back what is
/// in flight: longer than any command on a dropped connection can wait in
/// Redis once it answers again.
const RESTORE_FOR: Duration = Duration::from_secs(10);

/// The inboxes whose last receives failed, and until when to restore them.
#[derive(Debug, Default)]
pub(super) struct Suspect(Mutex<HashMap<String, Instant>>);

impl Suspect {
    fn mark(&self, key: &str) {
        let until = Instant::now() + RESTORE_FOR;
        self.lock().insert(key.to_owned(), until);
    }

    /// Whether to restore `key` now; forgets it once its time is over (this
    /// is then the last restore).
    fn take_turn(&self, key: &str) -> bool {
        let mut suspect = self.lock();
        match suspect.get(key) {
            Some(until) if Instant::now() >= *until => {
                suspect.remove(key);
                true
            }
            Some(_) => true,
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The in-flight list of a queue key.
pub(super) fn inflight_key(queue_key: &str) -> String {
    format!("{queue_key}$inflight")
}

impl RedisLayer {
    /// Takes the next message of one inbox (its queue key `key`), waiting
    /// until `deadline` (`None`: for ever); returns its body key and body.
    pub(super) fn receive_inbox(
        &self,
        key: &str,
        deadline: Option<Instant>,
    ) -> Result<Option<(String, String)>> {
        let inflight = inflight_key(key);
        if self.suspect.take_turn(key) {
            let mut restore = self.restore_script.key(key);
            let restored: usize = self
                .pool
                .with_connection(|c| restore.key(&inflight).invoke(c))
                .inspect_err(|_| self.suspect.mark(key))?;
            if restored > 0 {
                log::info!(
                    "channel layer: {restored} message(s) taken from {key} while Redis was not answering are received again"
                );
            }
        }
        let taken = self
            .pool
            .with_connection(|c| take(c, key, &inflight, deadline))
            .inspect_err(|_| self.suspect.mark(key))?;
        let Some((body_key, body)) = taken else {
            return Ok(None);
        };
        // The message is ours even if the acknowledgement fails; what may
        // still be in flight then is put back by the next receives.
        let acked = self
            .pool
            .with_connection(|c| acknowledge(c, &inflight, &body_key));
        if acked.is_err() {
            self.suspect.mark(key);
        }
        Ok(Some((body_key, body)))
    }
}

/// Moves body keys into `inflight` until one whose body has not expired
/// (expired ones are dropped), waiting until `deadline` for one.
fn take(
    c: &mut Connection,
    key: &str,
    inflight: &str,
    deadline: Option<Instant>,
) -> RedisResult<Option<(String, String)>> {
    loop {
        let wait = wait_until(deadline);
        let moved: Option<String> = if wait.is_zero() {
            redis::cmd("LMOVE")
                .arg(key)
                .arg(inflight)
                .arg("LEFT")
                .arg("RIGHT")
                .query(c)?
        } else {
            let mut blmove = redis::cmd("BLMOVE");
            blmove.arg(key).arg(inflight).arg("LEFT").arg("RIGHT");
            query_blocking(c, &mut blmove, wait)?
        };
        let Some(body_key) = moved else {
            if deadline.is_none() {
                continue;
            }
            return Ok(None);
        };
        let body: Option<String> = redis::cmd("GET").arg(&body_key).query(c)?;
        match body {
            Some(body) => return Ok(Some((body_key, body))),
            // The body expired: an expired message is never delivered.
            None => acknowledge(c, inflight, &body_key)?,
        }
    }
}

/// Deletes a received body and its in-flight entry, together.
fn acknowledge(c: &mut Connection, inflight: &str, body_key: &str) -> RedisResult<()> {
    redis::pipe()
        .atomic()
        .cmd("DEL")
        .arg(body_key)
        .ignore()
        .cmd("LREM")
        .arg(inflight)
        .arg(1)
        .arg(body_key)
        .ignore()
        .query(c)
}
