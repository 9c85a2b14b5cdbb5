//! The demo's chat contract on delivery: any room name works, and a
//! member's burst reaches every member in order.

#[path = "support/examples.rs"]
mod examples;
#[path = "support/processes.rs"]
mod processes;

use processes::{App, Client};

#[test]
fn a_room_with_a_non_ascii_name_chats() {
    let app = App::runserver("demo", &["--multithreaded", "--nostatic"]);
    let room = "/chat/%C3%BCn%C3%AFcode";
    let mut ann = Client::connect(app.addr(), room);
    ann.send("ann here");
    assert_eq!(ann.recv(), "ann here");
    let mut bob = Client::connect(app.addr(), room);
    bob.send("bob here");
    assert_eq!(bob.recv(), "bob here");
    // Order is kept per sender, not across senders: ann hears bob before
    // she speaks, so her own messages cannot overtake his.
    assert_eq!(ann.recv(), "bob here");
    for n in 0..50 {
        ann.send(&format!("hello {n}"));
    }
    for n in 0..50 {
        assert_eq!(bob.recv(), format!("hello {n}"));
        assert_eq!(ann.recv(), format!("hello {n}"));
    }
    assert!(!app.log().contains("1011"), "{}", app.log());
}
