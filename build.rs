// `sqlx::migrate!` embeds the migrations at compile time: a new or changed file in migrations/ must
// rebuild the crate, or the tests run against the schema of the last build.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
