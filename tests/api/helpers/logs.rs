//! Every test app logs into one in-memory buffer at debug level (trace for our
//! crate), so a test can assert on what the logs contain, such as no session token.

use std::{
    io,
    sync::{Mutex, Once},
};

use ory_spa::{config::LogFormat, telemetry};

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static INIT: Once = Once::new();

struct Capture;

impl io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        if std::env::var_os("TEST_LOG").is_some() {
            io::stderr().write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub fn init() {
    INIT.call_once(|| {
        // SAFETY: runs once, before any app thread that could read the environment.
        unsafe { std::env::remove_var("RUST_LOG") };
        telemetry::init(telemetry::subscriber(LogFormat::Json, "debug,ory_spa=trace", || Capture));
    });
}

pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}
