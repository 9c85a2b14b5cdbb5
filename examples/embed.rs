//! wsviews embedded in a tool: start a server on a free port, talk to it over
//! a real WebSocket, and shut it down.
//!
//! ```text
//! cargo run --example embed
//! ```

use wsviews::{path, require_websocket, Request, Server};

fn shout(request: &Request) -> wsviews::Result<()> {
    let websocket = request
        .websocket()
        .expect("require_websocket gives a WebSocket");
    for message in websocket {
        websocket.send(message.to_string().to_uppercase())?;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The three lines that embed the server:
    let urlpatterns = vec![path("shout", require_websocket(shout))];
    let server = Server::bind("127.0.0.1:0", urlpatterns)?.spawn()?;
    let url = format!("ws://{}/shout", server.local_addr());

    // The tool talks to it.
    let (mut client, _) = tungstenite::connect(&url)?;
    for word in ["hello", "wsviews"] {
        client.send(tungstenite::Message::text(word))?;
        println!("{word} -> {}", client.read()?);
    }
    client.close(None)?;
    while client.read().is_ok() {}

    let report = server.shutdown();
    println!("server stopped: {report:?}");
    Ok(())
}
