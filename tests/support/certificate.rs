//! A self-signed certificate for `localhost` made at test time: its PEM
//! files in a temporary directory (removed on drop) and a rustls client
//! configuration that trusts it. Shared by the `wss://` and HTTPS tests.

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

/// A TLS client stream over a raw test socket.
pub type TlsStream = StreamOwned<ClientConnection, TcpStream>;

/// The certificate's PEM files (`cert.pem`, `key.pem` in `dir`) and a client
/// configuration that trusts it.
pub struct Certificate {
    pub dir: PathBuf,
    pub client: Arc<ClientConfig>,
}

impl Certificate {
    /// Makes a fresh certificate in a directory of its own.
    pub fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let made =
            rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
        let dir = std::env::temp_dir().join(format!(
            "wsviews-tls-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("cert.pem"), made.cert.pem()).expect("cert.pem");
        std::fs::write(dir.join("key.pem"), made.signing_key.serialize_pem()).expect("key.pem");
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from(made.cert.der().to_vec()))
            .expect("root");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let client = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        Certificate {
            dir,
            client: Arc::new(client),
        }
    }

    /// The certificate's PEM file.
    pub fn cert_pem(&self) -> PathBuf {
        self.dir.join("cert.pem")
    }

    /// The private key's PEM file.
    pub fn key_pem(&self) -> PathBuf {
        self.dir.join("key.pem")
    }

    /// A TLS client connection to `addr` (a raw test socket with timeouts)
    /// that trusts this certificate.
    pub fn connect(&self, addr: SocketAddr) -> TlsStream {
        let name = ServerName::try_from("localhost").expect("name");
        let conn = ClientConnection::new(Arc::clone(&self.client), name).expect("client");
        StreamOwned::new(conn, crate::support::connect(addr))
    }
}

impl Drop for Certificate {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
