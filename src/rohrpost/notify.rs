//! Change notifications, as rohrpost's Django model mixins
//! (`NotifyOnCreate`, `NotifyOnUpdate`, `NotifyOnDelete`).

use serde_json::{json, Value};

use super::json::{dumps, python_str};
use super::ordered::Ordered;
use super::reply::random_id;
use crate::error::Result;
use crate::layers::ChannelLayer;

/// A type whose changes are pushed to subscribers, as rohrpost's
/// `NotifyOnChange` mixin. Implement [`pk`](Self::pk); the rest has
/// rohrpost's defaults.
///
/// ```
/// use serde_json::{json, Value};
/// use wsviews::rohrpost::Notify;
///
/// struct Record {
///     id: u64,
///     title: String,
/// }
///
/// impl Notify for Record {
///     fn pk(&self) -> Value {
///         json!(self.id)
///     }
///
///     fn model_name(&self) -> String {
///         "Record".into()
///     }
///
///     fn notification_data(&self, _updated_fields: &[&str]) -> Value {
///         json!({"id": self.id, "title": self.title})
///     }
/// }
///
/// let record = Record { id: 7, title: "Hello".into() };
/// assert_eq!(record.group_name(), "record-7");
/// ```
pub trait Notify {
    /// The primary key.
    fn pk(&self) -> Value;

    /// The model's name (Django's class name). Defaults to the last segment
    /// of the Rust type's name, as [`std::any::type_name`] tells it; that
    /// text is best-effort, so override this where the group names must
    /// not change between compiler versions.
    fn model_name(&self) -> String {
        let full = std::any::type_name::<Self>();
        let without_generics = full.split('<').next().unwrap_or(full);
        without_generics
            .rsplit("::")
            .next()
            .unwrap_or(without_generics)
            .to_owned()
    }

    /// The group notified of changes. Defaults to rohrpost's
    /// `<model name lower-cased>-<pk>`, e.g. `record-7`.
    fn group_name(&self) -> String {
        format!(
            "{}-{}",
            self.model_name().to_lowercase(),
            python_str(&self.pk())
        )
    }

    /// The `object` sent with a notification. Defaults to `{"id": <pk>}`;
    /// `updated_fields` lists what an update changed (empty if unknown).
    fn notification_data(&self, updated_fields: &[&str]) -> Value {
        let _ = updated_fields;
        json!({ "id": self.pk() })
    }
}

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change<'a> {
    /// It was created (`"create"`).
    Created,
    /// It was updated (`"update"`), changing these fields (empty if unknown).
    Updated(&'a [&'a str]),
    /// It was deleted (`"delete"`).
    Deleted,
}

impl Change<'_> {
    /// The notification's `type`: `create`, `update` or `delete`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Change::Created => "create",
            Change::Updated(_) => "update",
            Change::Deleted => "delete",
        }
    }

    fn updated_fields(&self) -> &[&str] {
        match self {
            Change::Updated(fields) => fields,
            Change::Created | Change::Deleted => &[],
        }
    }
}

/// Tells subscribers of `object`'s group that it was created, through the
/// channel layer of the server whose view calls (the process's default
/// layer outside any view).
///
/// # Errors
/// An invalid group name, or a channel-layer failure.
pub fn notify_created<T: Notify + ?Sized>(object: &T) -> Result<()> {
    notify(
        &*crate::channels::groups::current_layer(),
        object,
        Change::Created,
    )
}

/// Tells subscribers that `object` was updated; `updated_fields` (if not
/// empty) is added to the object data as `updated_fields`, unless that data
/// already has one.
///
/// # Errors
/// As [`notify_created`].
pub fn notify_updated<T: Notify + ?Sized>(object: &T, updated_fields: &[&str]) -> Result<()> {
    notify(
        &*crate::channels::groups::current_layer(),
        object,
        Change::Updated(updated_fields),
    )
}

/// Tells subscribers that `object` was deleted.
///
/// # Errors
/// As [`notify_created`].
pub fn notify_deleted<T: Notify + ?Sized>(object: &T) -> Result<()> {
    notify(
        &*crate::channels::groups::current_layer(),
        object,
        Change::Deleted,
    )
}

/// Sends the notification of `change` to `object`'s group on `layer`: the
/// text frame `{"id": <random>, "type": "subscription-update", "data":
/// {"group": <group>, "type": "create"|"update"|"delete", "object": {...}}}`,
/// reaching every subscriber on every server sharing the layer.
///
/// # Errors
/// As [`notify_created`].
pub fn notify<T: Notify + ?Sized>(
    layer: &dyn ChannelLayer,
    object: &T,
    change: Change<'_>,
) -> Result<()> {
    let group = object.group_name();
    let text = notification_text(&group, object, change);
    let message = crate::channels::frames::send_message(&crate::Message::Text(text));
    layer.send_group(
        &group,
        &crate::channels::events::typed_reply(layer, &message),
    )
}

/// The notification frame, id aside, as rohrpost's `_send_notify` builds it.
fn notification_text<T: Notify + ?Sized>(group: &str, object: &T, change: Change<'_>) -> String {
    let updated_fields = change.updated_fields();
    let mut object_data = Ordered::from(object.notification_data(updated_fields));
    if let Ordered::Object(fields) = &mut object_data {
        if !updated_fields.is_empty() && !fields.iter().any(|(k, _)| k == "updated_fields") {
            fields.push(("updated_fields".into(), json!(updated_fields).into()));
        }
    }
    let data = Ordered::object([
        ("group", Value::from(group).into()),
        ("type", Value::from(change.as_str()).into()),
        ("object", object_data),
    ]);
    dumps(&Ordered::object([
        ("id", Value::from(random_id()).into()),
        ("type", Value::from("subscription-update").into()),
        ("data", data),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct BlogPost(u32);

    impl Notify for BlogPost {
        fn pk(&self) -> Value {
            json!(self.0)
        }
    }

    struct Tagged(&'static str);

    impl Notify for Tagged {
        fn pk(&self) -> Value {
            json!(self.0)
        }

        fn group_name(&self) -> String {
            "tags".into()
        }

        fn notification_data(&self, updated_fields: &[&str]) -> Value {
            json!({"name": self.0, "updated_fields": updated_fields.len()})
        }
    }

    /// The text after the random id.
    fn without_id(text: &str) -> &str {
        let rest = text.strip_prefix(r#"{"id": "#).expect("starts with the id");
        &rest[rest.find(',').expect("a comma after the id")..]
    }

    #[test]
    fn defaults_are_rohrposts() {
        let post = BlogPost(42);
        assert_eq!(post.model_name(), "BlogPost");
        assert_eq!(post.group_name(), "blogpost-42");
        assert_eq!(post.notification_data(&[]), json!({"id": 42}));
    }

    #[test]
    fn notification_frames() {
        let post = BlogPost(3);
        let table = [
            (
                Change::Created,
                r#", "type": "subscription-update", "data": {"group": "blogpost-3", "type": "create", "object": {"id": 3}}}"#,
            ),
            (
                Change::Updated(&[]),
                r#", "type": "subscription-update", "data": {"group": "blogpost-3", "type": "update", "object": {"id": 3}}}"#,
            ),
            (
                Change::Updated(&["title", "body"]),
                r#", "type": "subscription-update", "data": {"group": "blogpost-3", "type": "update", "object": {"id": 3, "updated_fields": ["title", "body"]}}}"#,
            ),
            (
                Change::Deleted,
                r#", "type": "subscription-update", "data": {"group": "blogpost-3", "type": "delete", "object": {"id": 3}}}"#,
            ),
        ];
        for (change, tail) in table {
            let text = notification_text(&post.group_name(), &post, change);
            assert_eq!(without_id(&text), tail);
        }
        let tagged = Tagged("rust");
        let text = notification_text(&tagged.group_name(), &tagged, Change::Updated(&["name"]));
        assert_eq!(
            without_id(&text),
            r#", "type": "subscription-update", "data": {"group": "tags", "type": "update", "object": {"name": "rust", "updated_fields": 1}}}"#
        );
    }
}
