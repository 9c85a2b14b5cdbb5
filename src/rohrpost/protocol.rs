//! The rohrpost wire format as pure functions: a text frame in, a
//! [`Request`] or the exact error frame out; reply frames encoded as
//! rohrpost's `json.dumps(build_message(...))`.

use serde_json::{Map, Value};

use super::json::{dumps, is_truthy, is_truthy_ordered, python_str};
use super::ordered::Ordered;

/// One rohrpost request: a JSON object with an `id`, a `type` (the handler's
/// name) and, by convention, `data`.
///
/// ```
/// use wsviews::rohrpost::Request;
///
/// let request = Request::parse(r#"{"id": 7, "type": "ping", "data": [1]}"#)?;
/// assert_eq!(request.message_type(), "ping");
/// assert_eq!(request.id(), &serde_json::json!(7));
/// assert_eq!(request.data(), Some(&serde_json::json!([1])));
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    id: Value,
    message_type: Value,
    fields: Map<String, Value>,
    /// `data` with its keys in the order sent, for echoing it.
    data: Option<Ordered>,
}

impl Request {
    /// Parses and validates one text frame, as rohrpost does before it looks
    /// up the handler.
    ///
    /// # Errors
    /// The `error` text rohrpost answers with: `Received empty message.`,
    /// `Could not decode JSON message. Error: <detail>`, `Expected a JSON
    /// object as message.`, `Missing required field 'type'.` or `Missing
    /// required field 'id'.`.
    pub fn parse(text: &str) -> Result<Request, String> {
        parse(Some(text)).map_err(|rejection| rejection.message())
    }

    /// The request's `id`, any JSON value, echoed in replies as sent.
    pub fn id(&self) -> &Value {
        &self.id
    }

    /// The request's `type`: the name of the handler it is for. Handlers
    /// only see requests whose type is a string.
    pub fn message_type(&self) -> &str {
        self.message_type.as_str().unwrap_or("")
    }

    /// The `type` value as sent (a string, unless the client erred).
    pub fn message_type_value(&self) -> &Value {
        &self.message_type
    }

    /// The `data` field, if the request has one.
    pub fn data(&self) -> Option<&Value> {
        self.fields.get("data")
    }

    /// `data[key]`, if `data` is an object holding `key`.
    pub fn data_field(&self, key: &str) -> Option<&Value> {
        self.data().and_then(|data| data.get(key))
    }

    /// Every field of the request object (rohrpost hands handlers the
    /// whole request). The map orders its keys as serde_json's features say
    /// (sorted by default); replies that echo `data` through
    /// [`handlers::ping`](super::handlers::ping) keep the client's order.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// `data` with its keys in the order the client sent them.
    pub(crate) fn ordered_data(&self) -> Option<&Ordered> {
        self.data.as_ref()
    }
}

/// Why a frame was refused before any handler saw it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Rejection {
    /// An empty text frame, or a binary frame.
    Empty,
    /// Not JSON; the decoder's explanation.
    Undecodable(String),
    /// JSON, but not an object.
    NotAnObject,
    /// A required field is missing (`type`, then `id`).
    Missing(&'static str),
}

impl Rejection {
    /// The `error` text of the reply.
    pub fn message(&self) -> String {
        match self {
            Rejection::Empty => "Received empty message.".to_owned(),
            Rejection::Undecodable(detail) => {
                format!("Could not decode JSON message. Error: {detail}")
            }
            Rejection::NotAnObject => "Expected a JSON object as message.".to_owned(),
            Rejection::Missing(field) => format!("Missing required field '{field}'."),
        }
    }

    /// The reply frame: `{"error": "..."}`, with neither id nor type.
    pub fn reply(&self) -> String {
        let error = Ordered::Scalar(Value::String(self.message()));
        encode(None, None, Some(&error), None)
    }
}

/// Parses one frame's text (`None` for a binary frame), checking what
/// rohrpost checks, in its order. `"handler"` is accepted in place of a
/// missing `"type"`.
pub(crate) fn parse(text: Option<&str>) -> Result<Request, Rejection> {
    let text = text.filter(|t| !t.is_empty()).ok_or(Rejection::Empty)?;
    let value = Ordered::parse(text).map_err(|e| Rejection::Undecodable(e.to_string()))?;
    let data = value.get("data").cloned();
    let Value::Object(fields) = value.to_value() else {
        return Err(Rejection::NotAnObject);
    };
    let message_type = fields
        .get("type")
        .or_else(|| fields.get("handler"))
        .cloned()
        .ok_or(Rejection::Missing("type"))?;
    let id = fields.get("id").cloned().ok_or(Rejection::Missing("id"))?;
    Ok(Request {
        id,
        message_type,
        fields,
        data,
    })
}

/// The reply to a request for a type no handler is registered under:
/// `{"id": <id>, "type": <type>, "error": "Unknown message type '<type>'."}`.
pub(crate) fn unknown_type(request: &Request) -> String {
    let error = format!(
        "Unknown message type '{}'.",
        python_str(&request.message_type)
    );
    encode(
        Some(&request.id),
        Some(&request.message_type),
        Some(&Ordered::Scalar(Value::String(error))),
        None,
    )
}

/// A reply frame in rohrpost's key order, `id`, `type`, `error`, `data`.
/// As in rohrpost, `type`, `error` and `data` are left out when falsy (in
/// Python's sense: null, false, 0, "", [], {}); unlike rohrpost, an `id` is
/// written whatever its value.
pub(crate) fn encode(
    id: Option<&Value>,
    message_type: Option<&Value>,
    error: Option<&Ordered>,
    data: Option<&Ordered>,
) -> String {
    let mut content = Vec::new();
    if let Some(id) = id {
        content.push(("id", Ordered::from(id.clone())));
    }
    if let Some(message_type) = message_type.filter(|v| is_truthy(v)) {
        content.push(("type", Ordered::from(message_type.clone())));
    }
    for (key, value) in [("error", error), ("data", data)] {
        if let Some(value) = value.filter(|v| is_truthy_ordered(v)) {
            content.push((key, value.clone()));
        }
    }
    dumps(&Ordered::object(content))
}

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
