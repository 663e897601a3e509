#![recursion_limit = "256"]
//! polarshare: a console for PolarDB shared backup sets.
//!
//! `domain` holds the sharing rules (pure); `server` (ssr only) stores and serves; `api` is the server
//! functions; `app`, `pages` and `components` are what the user sees.

pub mod api;
pub mod app;
pub mod command;
pub mod components;
pub mod domain;
pub mod error;
pub mod pages;
pub mod read_model;
#[cfg(feature = "ssr")]
pub mod server;

/// The server allocates and frees on every request from several threads (hyper, serde, sqlx's row
/// copies); mimalloc's thread-local free lists cost less per call than glibc's arenas.
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    components::local_time::show_local_times();
}
