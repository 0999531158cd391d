//! A stand-in for faults the real Ory services cannot produce on demand: Keto's
//! write API failing while its read API works, between two steps of one of our
//! requests; Kratos' admin API failing while its public API works (a stopped
//! Kratos, restarted on its port, races other tests' connections for the port).
//! Everything else passes through untouched to the real service.

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicI64, Ordering},
};

use tokio::{
    io::AsyncWriteExt,
    net::{TcpListener, TcpStream},
    sync::watch,
};

pub struct FaultProxy {
    pub port: u16,
    failing: Arc<AtomicBool>,
    /// Connections still let through before every one fails; negative: no limit.
    passes: Arc<AtomicI64>,
    changed: watch::Sender<bool>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `127.0.0.1:upstream`.
    pub async fn start(upstream: u16) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let failing = Arc::new(AtomicBool::new(false));
        let passes = Arc::new(AtomicI64::new(-1));
        let (changed, _) = watch::channel(false);
        let (flag, left, notify) = (failing.clone(), passes.clone(), changed.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                let pass = !flag.load(Ordering::SeqCst)
                    && match left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n > 0).then(|| n - 1)) {
                        Ok(_) => true,
                        Err(n) => n < 0,
                    };
                if !pass {
                    let _ = client
                        .write_all(
                            b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        )
                        .await;
                    continue;
                }
                let mut switched = notify.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                        return;
                    };
                    // Pooled connections made before the switch are cut when it flips,
                    // so no request slips through to the real Keto while failing.
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = switched.changed() => {}
                    }
                });
            }
        });
        FaultProxy { port, failing, passes, changed }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    pub fn fail(&self, failing: bool) {
        self.passes.store(-1, Ordering::SeqCst);
        self.failing.store(failing, Ordering::SeqCst);
        let _ = self.changed.send(failing);
    }

    /// Lets the next `connections` through, then fails every one after them
    /// (until `fail(false)`). Counts connections, not requests: the client
    /// must not reuse them.
    pub fn fail_after(&self, connections: i64) {
        self.failing.store(false, Ordering::SeqCst);
        self.passes.store(connections, Ordering::SeqCst);
    }
}
