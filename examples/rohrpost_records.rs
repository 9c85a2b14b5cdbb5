//! Records edited over HTTP and watched over rohrpost: rohrpost's model
//! mixins, in Rust.
//!
//! ```text
//! cargo run --example rohrpost_records -- runserver 127.0.0.1:8000 --multithreaded
//! ```
//!
//! - `GET /records` lists the records; `POST /records` with
//!   `{"title": "...", "done": false}` creates one (201).
//! - `GET`, `PUT` (any of `title`, `done`) and `DELETE` `/records/<id>`.
//! - `/rohrpost` is a rohrpost WebSocket with `ping`, `subscribe` and
//!   `unsubscribe`. Subscribe to `record-<id>` (before or after the record
//!   exists) to hear of its creation, updates and deletion:
//!
//! ```text
//! → {"id": 1, "type": "subscribe", "data": {"group": "record-1"}}
//! ← {"id": 1, "type": "subscribe", "data": {"group": "record-1"}}
//!   (curl -X PUT localhost:8000/records/1 -d '{"done": true}')
//! ← {"id": 397, "type": "subscription-update", "data": {"group": "record-1", "type": "update",
//!    "object": {"id": 1, "title": "Milk", "done": true, "updated_fields": ["done"]}}}
//! ```
//!
//! With a Redis channel layer, subscribers on every server process hear of
//! edits made through any of them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Map, Value};
use wsviews::layers::{self, ChannelLayer};
use wsviews::rohrpost::{self, Change, Notify};
use wsviews::{path, HttpResponse, Request, UrlPattern};

/// One record.
#[derive(Debug, Clone)]
pub struct Record {
    id: u64,
    title: String,
    done: bool,
}

impl Notify for Record {
    fn pk(&self) -> Value {
        json!(self.id)
    }

    fn model_name(&self) -> String {
        "Record".into()
    }

    fn notification_data(&self, _updated_fields: &[&str]) -> Value {
        self.to_json()
    }
}

impl Record {
    fn to_json(&self) -> Value {
        json!({"id": self.id, "title": self.title, "done": self.done})
    }

    /// Applies the fields of `changes`; returns their names, in order.
    fn apply(&mut self, changes: &Map<String, Value>) -> Result<Vec<&'static str>, String> {
        let mut updated = Vec::new();
        for (field, value) in changes {
            match (field.as_str(), value) {
                ("title", Value::String(title)) => {
                    self.title = title.clone();
                    updated.push("title");
                }
                ("done", Value::Bool(done)) => {
                    self.done = *done;
                    updated.push("done");
                }
                _ => return Err(format!("bad field {field:?}: {value}")),
            }
        }
        Ok(updated)
    }
}

/// The records, in memory (a database would do the same job).
#[derive(Debug, Default)]
pub struct Store {
    records: Mutex<BTreeMap<u64, Record>>,
}

impl Store {
    fn records(&self) -> MutexGuard<'_, BTreeMap<u64, Record>> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Where notifications go: the process's default layer (`None`, read at
/// each change, so `runserver --channel-layer` is honoured) or a given one.
#[derive(Debug, Clone)]
struct Notifier(Option<Arc<dyn ChannelLayer>>);

impl Notifier {
    fn send(&self, record: &Record, change: Change<'_>) {
        let layer = self.0.clone().unwrap_or_else(layers::default_layer);
        if let Err(e) = rohrpost::notify(&*layer, record, change) {
            log::warn!("record {}: notification failed: {e}", record.id);
        }
    }
}

/// The app: the records API and the rohrpost endpoint. Notifications go
/// through `layer` (the default layer if `None`).
pub fn urlpatterns(store: Arc<Store>, layer: Option<Arc<dyn ChannelLayer>>) -> Vec<UrlPattern> {
    let registry = rohrpost::Registry::new()
        .with("subscribe", rohrpost::handlers::subscribe)
        .and_then(|r| r.with("unsubscribe", rohrpost::handlers::unsubscribe))
        .expect("the handler names are distinct");
    let notifier = Notifier(layer);
    let (store_one, notifier_one) = (Arc::clone(&store), notifier.clone());
    vec![
        path("records", move |request: &Request| {
            collection(request, &store, &notifier)
        }),
        path("records/<int:id>", move |request: &Request| {
            item(request, &store_one, &notifier_one)
        }),
        path("rohrpost", rohrpost::view(registry)),
    ]
}

/// `GET` lists, `POST` creates.
fn collection(request: &Request, store: &Store, notifier: &Notifier) -> HttpResponse {
    match request.method() {
        "GET" => {
            let list: Vec<Value> = store.records().values().map(Record::to_json).collect();
            HttpResponse::json(&Value::Array(list))
        }
        "POST" => match json_body(request) {
            Ok(fields) => create(store, notifier, &fields),
            Err(response) => response,
        },
        _ => HttpResponse::not_allowed(&["GET", "POST"]),
    }
}

fn create(store: &Store, notifier: &Notifier, fields: &Map<String, Value>) -> HttpResponse {
    let mut records = store.records();
    let id = records.keys().next_back().map_or(1, |last| last + 1);
    let mut record = Record {
        id,
        title: String::new(),
        done: false,
    };
    if let Err(why) = record.apply(fields) {
        return HttpResponse::bad_request(why);
    }
    records.insert(id, record.clone());
    drop(records);
    notifier.send(&record, Change::Created);
    HttpResponse::json(&record.to_json()).with_status(201)
}

/// `GET`, `PUT` and `DELETE` one record.
fn item(request: &Request, store: &Store, notifier: &Notifier) -> HttpResponse {
    let Some(id) = request.kwarg("id").and_then(|id| id.parse::<u64>().ok()) else {
        return HttpResponse::not_found("no such record");
    };
    let mut records = store.records();
    let Some(record) = records.get_mut(&id) else {
        return HttpResponse::not_found("no such record");
    };
    match request.method() {
        "GET" => HttpResponse::json(&record.to_json()),
        "PUT" => {
            let mut changed = record.clone();
            let updated = match json_body(request).map(|fields| changed.apply(&fields)) {
                Ok(Ok(updated)) => updated,
                Ok(Err(why)) => return HttpResponse::bad_request(why),
                Err(response) => return response,
            };
            *record = changed;
            let record = record.clone();
            drop(records);
            notifier.send(&record, Change::Updated(&updated));
            HttpResponse::json(&record.to_json())
        }
        "DELETE" => {
            let record = records.remove(&id).expect("the record is there");
            drop(records);
            notifier.send(&record, Change::Deleted);
            HttpResponse::new(Vec::new()).with_status(204)
        }
        _ => HttpResponse::not_allowed(&["GET", "PUT", "DELETE"]),
    }
}

fn json_body(request: &Request) -> Result<Map<String, Value>, HttpResponse> {
    match serde_json::from_slice(request.body()) {
        Ok(Value::Object(fields)) => Ok(fields),
        _ => Err(HttpResponse::bad_request("expected a JSON object")),
    }
}

fn main() {
    let store = Arc::new(Store::default());
    wsviews::management::execute_from_command_line(urlpatterns(store, None));
}
