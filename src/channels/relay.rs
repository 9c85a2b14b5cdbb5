//! Group messages through a cross-process layer (Redis), one per process:
//! the members of a group that are WebSockets of wsviews servers have
//! process-specific reply channels (`<inbox>!<token>`), so a group send
//! pushes the message once to each process inbox, listing that process's
//! members, and the process's reply listener hands it to each of them. A
//! burst to a large group then costs each inbox one slot per message rather
//! than one per member (which overflowed the inbox's capacity and lost
//! messages). Other members (consumers' channels) get the message itself.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::layers::{self, ChannelLayer};

/// The key of a relayed message that lists its local recipients.
pub(crate) const MEMBERS: &str = "__wsviews_members";

/// The channel of a process inbox that relayed group messages are sent to.
const RELAY: &str = "group-relay";

/// Most recipients listed in one relayed message.
const CHUNK: usize = 1000;

/// What a relayed group send did: members reached, members that missed it
/// (a full inbox or channel, logged).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Relayed {
    pub reached: usize,
    pub missed: usize,
}

/// Sends `message` to every member of `group` on `layer`, one message per
/// process inbox.
pub(crate) fn send_group(
    layer: &dyn ChannelLayer,
    group: &str,
    message: &layers::Message,
) -> Result<Relayed> {
    let members = layer.group_channels(group)?;
    let mut by_inbox: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut others = Vec::new();
    for channel in &members {
        match channel.find('!') {
            Some(end) => by_inbox.entry(&channel[..=end]).or_default().push(channel),
            None => others.push(channel.as_str()),
        }
    }
    let mut relayed = Relayed::default();
    for (inbox, channels) in by_inbox {
        for chunk in channels.chunks(CHUNK) {
            let mut relay = message.clone();
            relay.insert(MEMBERS.into(), Value::from(chunk.to_vec()));
            let sent = layer.send(&format!("{inbox}{RELAY}"), &relay);
            count(sent, chunk.len(), group, &mut relayed)?;
        }
    }
    for channel in others {
        count(layer.send(channel, message), 1, group, &mut relayed)?;
    }
    Ok(relayed)
}

/// Counts one send; a full channel is a miss (logged), another error ends
/// the send (the layer is down).
fn count(sent: Result<()>, members: usize, group: &str, relayed: &mut Relayed) -> Result<()> {
    match sent {
        Ok(()) => relayed.reached += members,
        Err(Error::ChannelFull(channel)) => {
            log::warn!("group {group:?}: {members} member(s) missed a message: {channel} is full");
            relayed.missed += members;
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// The recipients a relayed message lists, and the message without the
/// list; `None` for any other message.
pub(crate) fn recipients(message: &layers::Message) -> Option<(Vec<String>, layers::Message)> {
    let list = message.get(MEMBERS)?.as_array()?;
    let channels = list
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let mut inner = message.clone();
    inner.remove(MEMBERS);
    Some((channels, inner))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::InMemoryLayer;
    use std::time::Duration;

    #[test]
    fn one_message_per_process_and_one_per_other_member() {
        let layer = InMemoryLayer::new();
        for channel in ["p1!a", "p1!b", "p2!c", "consumer.x"] {
            layer.group_add("room", channel).expect("add");
        }
        let mut message = layers::Message::new();
        message.insert("content".into(), "hi".into());
        let relayed = send_group(&layer, "room", &message).expect("send");
        assert_eq!((relayed.reached, relayed.missed), (4, 0));
        let (channel, got) = layer
            .receive(&["p1!"], Duration::ZERO)
            .expect("receive")
            .expect("a relayed message");
        assert_eq!(channel, "p1!group-relay");
        let (mut to, inner) = recipients(&got).expect("a relay");
        to.sort();
        assert_eq!(
            (to, inner),
            (vec!["p1!a".to_owned(), "p1!b".to_owned()], message.clone())
        );
        assert!(layer
            .receive(&["p1!"], Duration::ZERO)
            .expect("receive")
            .is_none());
        let (_, got) = layer
            .receive(&["consumer.x"], Duration::ZERO)
            .expect("receive")
            .expect("sent");
        assert_eq!(got, message);
        assert!(recipients(&message).is_none());
    }
}
