//! Cookbook: streaming the progress of a long job to the browser, two ways.
//!
//! - `GET /job` answers with a chunked [`HttpResponse::streaming`]: each step
//!   reaches the browser (or `curl -N`) as soon as it is done.
//! - `ws://…/job/ws` runs the same job and sends each step as a JSON message;
//!   the client may send `"cancel"` at any time, which the job notices between
//!   steps with the non-blocking `read()`.
//! - `GET /` is a page showing both.
//!
//! ```text
//! cargo run --example cookbook_progress -- runserver --multithreaded
//! curl -N http://127.0.0.1:8000/job
//! ```

use std::thread;
use std::time::Duration;

use wsviews::{accept_websocket, path, HttpResponse, Request};

const STEPS: u32 = 10;

/// One step of the "long job".
fn work(step: u32) -> u32 {
    thread::sleep(Duration::from_millis(300));
    step * 100 / STEPS
}

/// `GET /job`: a chunked response, one line per step.
fn job_http(_request: &Request) -> HttpResponse {
    let steps = (1..=STEPS).map(|step| format!("{}%\n", work(step)));
    HttpResponse::streaming(steps.chain(["done\n".to_owned()]))
        .with_content_type("text/plain; charset=utf-8")
        .with_header("Cache-Control", "no-cache")
}

/// `ws://…/job/ws`: the same job, with progress as JSON and cancelling.
fn job_ws(request: &Request) -> wsviews::Result<HttpResponse> {
    let Some(websocket) = request.websocket() else {
        return Ok(HttpResponse::bad_request("open this as a WebSocket"));
    };
    for step in 1..=STEPS {
        if websocket
            .read()
            .is_some_and(|m| m.as_text() == Some("cancel"))
        {
            websocket.send(r#"{"cancelled": true}"#)?;
            return Ok(HttpResponse::new(""));
        }
        let percent = work(step);
        websocket.send(serde_json::json!({ "step": step, "percent": percent }).to_string())?;
    }
    websocket.send(r#"{"done": true}"#)?;
    Ok(HttpResponse::new(""))
}

fn index(_request: &Request) -> HttpResponse {
    HttpResponse::new(PAGE).with_content_type("text/html; charset=utf-8")
}

const PAGE: &str = r#"<!doctype html>
<title>progress</title>
<progress id="bar" max="100" value="0"></progress> <button id="cancel">cancel</button>
<pre id="log"></pre>
<script>
const ws = new WebSocket(`ws://${location.host}/job/ws`);
ws.onmessage = (e) => {
  const update = JSON.parse(e.data);
  if (update.percent !== undefined) bar.value = update.percent;
  log.textContent += e.data + "\n";
};
cancel.onclick = () => ws.send("cancel");
fetch("/job").then(async (r) => {
  const reader = r.body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    log.textContent += "http: " + new TextDecoder().decode(value);
  }
});
</script>
"#;

fn main() {
    wsviews::management::execute_from_command_line(vec![
        path("", index),
        path("job", job_http),
        path("job/ws", accept_websocket(job_ws)),
    ]);
}
