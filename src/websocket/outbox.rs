//! Deliveries from other threads (the reply listener) that must never wait
//! on a slow client: written at once when the socket takes them, otherwise
//! queued in a bounded outbox drained by a short-lived thread.

use std::io::{self, Write};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tungstenite::protocol::frame::coding::{Control, Data, OpCode};

use super::message::Message;
use super::writer::{format_header, Shared};
use crate::error::Result;

/// What another thread delivers to this WebSocket without waiting for it:
/// group and reply-channel messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// Send a message.
    Message(Message),
    /// Close with this code.
    Close(u16),
}

/// Deliveries waiting for a slow client, drained by a helper thread that
/// exists only while there is a backlog.
#[derive(Debug, Default)]
pub(super) struct Outbox {
    pub(super) queue: std::collections::VecDeque<Delivery>,
    pub(super) draining: bool,
}

/// Deliveries one WebSocket may have waiting before further ones are dropped
/// (as Django Channels drops messages for a member that cannot keep up).
const OUTBOX_LIMIT: usize = 1024;

/// How a non-blocking send went.
enum TrySend {
    Sent,
    /// Nothing was written: queue it.
    NotStarted,
    /// Part was written; the rest is `pending` and must be flushed.
    Started,
    Closed,
}

impl Shared {
    /// Delivers from another thread (the reply listener) without ever
    /// waiting on this client: written at once if the socket takes it,
    /// otherwise queued for a drain thread; dropped if the queue is full.
    pub fn deliver(self: &Arc<Self>, delivery: Delivery) {
        let mut outbox = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
        if outbox.queue.is_empty() && !outbox.draining {
            match self.try_send(&delivery) {
                TrySend::Sent | TrySend::Closed => return,
                TrySend::Started => return self.start_drain(&mut outbox),
                TrySend::NotStarted => {}
            }
        }
        if outbox.queue.len() >= OUTBOX_LIMIT {
            log::debug!("WebSocket outbox full; a delivery was dropped");
            return;
        }
        outbox.queue.push_back(delivery);
        if !outbox.draining {
            self.start_drain(&mut outbox);
        }
    }

    fn try_send(&self, delivery: &Delivery) -> TrySend {
        let mut state = match self.state.try_lock() {
            Ok(state) => state,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return TrySend::NotStarted,
        };
        if state.close_sent.is_some() || state.broken {
            return TrySend::Closed;
        }
        if !state.pending.is_empty() {
            return TrySend::NotStarted;
        }
        let (opcode, payload) = match delivery {
            Delivery::Message(Message::Text(text)) => {
                (OpCode::Data(Data::Text), text.as_bytes().to_vec())
            }
            Delivery::Message(Message::Binary(bytes)) => {
                (OpCode::Data(Data::Binary), bytes.clone())
            }
            Delivery::Close(code) => (OpCode::Control(Control::Close), code.to_be_bytes().to_vec()),
        };
        let mut frame = Vec::with_capacity(payload.len() + 14);
        if format_header(&mut frame, opcode, payload.len()).is_err() {
            return TrySend::Closed;
        }
        frame.extend_from_slice(&payload);
        let written = match self.stream.write_nonblocking(&frame) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
            Err(_) => {
                state.broken = true;
                return TrySend::Closed;
            }
        };
        if written > 0 {
            match delivery {
                Delivery::Message(_) => drop(self.messages_out.fetch_add(1, Ordering::Relaxed)),
                Delivery::Close(code) => state.close_sent = Some(*code),
            }
        }
        match written {
            0 => TrySend::NotStarted,
            n if n == frame.len() => TrySend::Sent,
            n => {
                state.pending = frame.split_off(n);
                TrySend::Started
            }
        }
    }

    fn start_drain(self: &Arc<Self>, outbox: &mut Outbox) {
        let shared = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name("wsviews-drain".into())
            .stack_size(64 * 1024)
            .spawn(move || shared.drain());
        match spawned {
            Ok(_) => outbox.draining = true,
            Err(e) => {
                log::warn!(
                    "cannot start a drain thread ({e}); {} deliveries dropped",
                    outbox.queue.len()
                );
                outbox.queue.clear();
            }
        }
    }

    /// Sends the pending frame and queued deliveries, blocking as a view's
    /// own send does, until the outbox is empty.
    fn drain(&self) {
        loop {
            let next = self
                .outbox
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .queue
                .pop_front();
            let Some(next) = next else {
                let flushed = self.flush_pending();
                let mut outbox = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
                if outbox.queue.is_empty() || flushed.is_err() {
                    outbox.queue.clear();
                    outbox.draining = false;
                    return;
                }
                continue;
            };
            let sent = match next {
                Delivery::Message(message) => self.send_message(&message),
                Delivery::Close(code) => self.close(Some(code), "").map(drop),
            };
            if sent.is_err() {
                let mut outbox = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
                outbox.queue.clear();
                outbox.draining = false;
                return;
            }
        }
    }

    fn flush_pending(&self) -> Result<()> {
        let mut state = self.lock();
        if !state.pending.is_empty() {
            state.broken = true;
            (&*self.stream).write_all(&state.pending)?;
            state.pending = Vec::new();
            state.broken = false;
        }
        Ok(())
    }
}
