//! Gives memory freed after a burst back to the system.
//!
//! Each open connection holds buffers (tens of KiB). When a thousand close,
//! glibc's allocator keeps the freed memory in its arenas for reuse, so the
//! process stayed at its peak resident size long after the burst (25 MiB idle,
//! 38 MiB with 1,000 connections, still 38 MiB idle afterwards, on this
//! machine). `malloc_trim` returns the free pages of every arena to the system;
//! called every few seconds it costs microseconds when there is nothing to return.
//! mimalloc as the global allocator was tried and kept more (41 MiB idle, 57 MiB
//! after the burst). Figures: `scripts/bench.sh`, "memory".

use std::time::Duration;

/// How often freed memory is handed back.
pub const TRIM_INTERVAL: Duration = Duration::from_secs(10);

/// Runs forever on the current runtime.
pub async fn trim_forever() {
    let mut ticks = tokio::time::interval(TRIM_INTERVAL);
    loop {
        ticks.tick().await;
        trim();
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim only walks glibc's own heaps; it takes no pointer of ours.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
