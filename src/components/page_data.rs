//! The resources pages load their data with.
//!
//! A resource's value reaches the browser twice: in the server-rendered page (decoded when the page
//! hydrates) and from its server function on a later reload. Leptos' default codec decodes the first
//! with `serde_json::from_str` while server functions decode their answers with
//! `serde_json::from_slice`, and serde_json instantiates a whole deserialiser per type for each of
//! the two readers. Decoding both from bytes keeps one per type (docs/performance.md).

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

/// serde_json, decoded from bytes like a server function's answer.
pub struct JsonBytes;

impl<T: Serialize> Encoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, Self::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<T, Self::Error> {
        serde_json::from_slice(encoded.as_bytes())
    }
}

/// `Resource::new` with the [`JsonBytes`] codec: `fetcher` runs again whenever `source` changes.
#[track_caller]
pub fn page_resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, JsonBytes>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

/// While `busy()` holds, bumps `refresh` every two seconds, so the resources keyed on it load again:
/// how a page follows what the server finishes on its own schedule (a restore, a share's deletion).
/// In the browser only; a page without JavaScript shows the state when it was loaded.
pub fn refresh_while(busy: impl Fn() -> bool + 'static, refresh: RwSignal<u32>) {
    #[cfg(feature = "hydrate")]
    {
        let tick = move || {
            if busy() {
                refresh.update(|n| *n += 1);
            }
        };
        if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_secs(2)) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (busy, refresh);
}
