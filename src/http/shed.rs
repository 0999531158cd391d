//! Load shedding for password submissions. Each one makes Kratos hash a password
//! (argon2: up to hundreds of milliseconds of CPU and 64 MB, kratos/kratos.yml),
//! so a burst larger than Kratos' cores can serve only makes every login in it
//! wait together until all of them time out. A bounded number wait on Kratos at
//! once; the rest are refused at once with 503 and `Retry-After`, so the
//! accepted ones complete.

use std::{
    future::{Ready, ready},
    sync::Arc,
};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::ApiError;

/// How many password submissions may be with Kratos at once (per replica).
#[derive(Clone)]
pub struct PasswordGate(Arc<Semaphore>);

impl PasswordGate {
    pub fn new(in_flight: usize) -> Self {
        PasswordGate(Arc::new(Semaphore::new(in_flight)))
    }
}

/// A place in the gate, held while the handler runs, or until it drops it once
/// Kratos has answered. Take it as the handler's first argument, so that a
/// refused request costs nothing else.
pub struct PasswordSlot(#[allow(dead_code)] OwnedSemaphorePermit);

impl FromRequest for PasswordSlot {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(gate) = req.app_data::<web::Data<PasswordGate>>() else {
            return ready(Err(ApiError::Internal("password gate not configured".into())));
        };
        ready(match gate.0.clone().try_acquire_owned() {
            Ok(permit) => Ok(PasswordSlot(permit)),
            Err(_) => {
                let route = req.match_pattern().unwrap_or_default();
                metrics::counter!("http_requests_shed_total", "route" => route).increment(1);
                Err(ApiError::Overloaded)
            }
        })
    }
}
