//! `receive` as channels_redis does it: put back what a receiver left in
//! flight, pop the oldest member (`BZPOPMIN`), keep it in the in-flight
//! backup until it is decoded, then drop it from there. A group message for
//! several channels of one inbox is buffered and handed out one by one.
//!
//! Within a process, the backup of a queue is put back only when no other
//! thread is receiving from it (its member in flight is not lost, and must
//! not be delivered twice), as channels_redis' per-channel locks ensure.

use std::time::{Duration, Instant};

use std::sync::PoisonError;

use redis::{Connection, RedisResult};

use super::{codec, now_seconds, wire, ChannelsRedisLayer};
use crate::layers::names::rotate_randomly;
use crate::layers::redis_pool::{query_blocking, wait_until};
use crate::layers::Message;
use crate::{Error, Result};

/// A member popped from a queue: the queue key, the member, its score.
type Popped = (String, Vec<u8>, f64);

/// One receive in progress, registered until dropped.
struct Receiving<'a> {
    layer: &'a ChannelsRedisLayer,
    keys: Vec<String>,
}

impl Drop for Receiving<'_> {
    fn drop(&mut self) {
        let mut active = self
            .layer
            .receiving
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for key in &self.keys {
            if let Some(count) = active.get_mut(key) {
                *count -= 1;
                if *count == 0 {
                    active.remove(key);
                }
            }
        }
    }
}

impl ChannelsRedisLayer {
    /// [`ChannelLayer::receive`](crate::layers::ChannelLayer::receive).
    pub(super) fn receive_any(
        &self,
        channels: &[&str],
        timeout: Duration,
    ) -> Result<Option<(String, Message)>> {
        if channels.is_empty() {
            return Err(Error::InvalidName(
                "receive needs at least one channel".into(),
            ));
        }
        let mut queues = channels.to_vec();
        for queue in &queues {
            wire::validate_channel(queue, true)?;
        }
        rotate_randomly(&mut queues);
        let deadline = Instant::now().checked_add(timeout);
        loop {
            if let Some(buffered) = self.take_buffered(&queues) {
                return Ok(Some(buffered));
            }
            let keys: Vec<String> = queues
                .iter()
                .map(|q| wire::queue_key(&self.prefix, q))
                .collect();
            let receiving = self.start_receiving(keys)?;
            let Some((key, member, score)) = self.pop(&receiving, deadline)? else {
                return Ok(None);
            };
            let queue = &key[self.prefix.len()..];
            self.unpack(queue, &member, score);
            let inflight = wire::inflight_key(&key);
            self.pool
                .with_connection(|c| redis::cmd("ZPOPMIN").arg(&inflight).query::<()>(c))?;
        }
    }

    /// Registers a receive from `keys`, after putting back the in-flight
    /// backups of the keys no other thread of this process receives from.
    /// The registry stays locked during that restore, so that no thread
    /// pops (and backs up) from those queues before it is done.
    fn start_receiving(&self, keys: Vec<String>) -> Result<Receiving<'_>> {
        let mut active = self
            .receiving
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let idle: Vec<&String> = keys
            .iter()
            .filter(|key| !active.contains_key(*key))
            .collect();
        if !idle.is_empty() {
            self.pool.with_connection(|c| {
                for key in &idle {
                    let mut restore = self.scripts.restore_inflight.key(*key);
                    restore.key(wire::inflight_key(key)).invoke::<()>(c)?;
                }
                Ok(())
            })?;
        }
        for key in &keys {
            *active.entry(key.clone()).or_default() += 1;
        }
        Ok(Receiving { layer: self, keys })
    }

    /// The oldest buffered message for one of `queues`.
    fn take_buffered(&self, queues: &[&str]) -> Option<(String, Message)> {
        let mut buffer = self.buffer_lock();
        for queue in queues {
            if let Some(waiting) = buffer.get_mut(*queue) {
                let next = waiting.pop_front();
                if waiting.is_empty() {
                    buffer.remove(*queue);
                }
                if next.is_some() {
                    return next;
                }
            }
        }
        None
    }

    /// Decodes a popped member into the buffer, or counts why it is dropped.
    fn unpack(&self, queue: &str, member: &[u8], score: f64) {
        let counter = &self.counters.undeliverable;
        let age = now_seconds() - score;
        if age > self.config.expiry.as_secs_f64() {
            let why = format_args!(
                "dropped a message that waited {age:.1} s in {queue:?}, over the expiry"
            );
            return self.dropped(counter, 1, why);
        }
        let message = match wire::body_of(member).and_then(codec::decode) {
            Ok(message) => message,
            Err(e) => {
                return self.dropped(
                    counter,
                    1,
                    format_args!("dropped a message in {queue:?}: {e}"),
                )
            }
        };
        let (deliveries, ignored) = wire::route(queue, message);
        if ignored > 0 {
            let why = format_args!("a message in {queue:?} named {ignored} channel(s) outside it");
            self.dropped(counter, ignored as u64, why);
        }
        if !deliveries.is_empty() {
            self.buffer_lock()
                .entry(queue.to_owned())
                .or_default()
                .extend(deliveries);
        }
    }

    /// Pops the oldest member of the first non-empty queue, waiting until
    /// `deadline` (`None`: for ever), and backs it up in flight.
    fn pop(&self, receiving: &Receiving<'_>, deadline: Option<Instant>) -> Result<Option<Popped>> {
        self.pool.with_connection(|c| {
            let popped = pop_until(c, &receiving.keys, deadline)?;
            if let Some((key, member, score)) = &popped {
                redis::cmd("ZADD")
                    .arg(wire::inflight_key(key))
                    .arg(super::ops::score(*score))
                    .arg(member.as_slice())
                    .query::<()>(c)?;
            }
            Ok(popped)
        })
    }
}

/// `ZPOPMIN`s the queues in turn without waiting, or `BZPOPMIN`s them until
/// `deadline`, in slices of at most an hour.
fn pop_until(
    c: &mut Connection,
    keys: &[String],
    deadline: Option<Instant>,
) -> RedisResult<Option<Popped>> {
    loop {
        let wait = wait_until(deadline);
        if wait.is_zero() {
            return pop_now(c, keys);
        }
        let popped: Option<(String, Vec<u8>, f64)> =
            query_blocking(c, redis::cmd("BZPOPMIN").arg(keys), wait)?;
        if popped.is_some() || deadline.is_some() {
            return Ok(popped);
        }
    }
}

fn pop_now(c: &mut Connection, keys: &[String]) -> RedisResult<Option<Popped>> {
    for key in keys {
        let popped: Vec<(Vec<u8>, f64)> = redis::cmd("ZPOPMIN").arg(key).query(c)?;
        if let Some((member, score)) = popped.into_iter().next() {
            return Ok(Some((key.clone(), member, score)));
        }
    }
    Ok(None)
}
