//! One page of a list and the size of the whole, from one query: each paged query adds
//! `count(*) over () as total_rows` (computed before LIMIT/OFFSET cut the page).

use crate::domain::PageRequest;
use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, Row};

/// A row of a paged query with the number of rows of the whole list.
#[derive(Debug, Clone)]
pub struct Counted<R> {
    pub row: R,
    pub total_rows: i64,
}

impl<'r, R: FromRow<'r, SqliteRow>> FromRow<'r, SqliteRow> for Counted<R> {
    fn from_row(row: &'r SqliteRow) -> sqlx::Result<Self> {
        Ok(Counted { row: R::from_row(row)?, total_rows: row.try_get("total_rows")? })
    }
}

/// Loads one page with `load(limit, offset)` and returns its rows and the list's size. A page past the
/// end has no row to carry the size: then the list's first row is loaded alone to learn it.
pub async fn load_page<R, F, Fut>(page: PageRequest, load: F) -> sqlx::Result<(Vec<R>, i64)>
where
    F: Fn(i64, i64) -> Fut,
    Fut: std::future::Future<Output = sqlx::Result<Vec<Counted<R>>>>,
{
    let rows = load(page.limit(), page.offset()).await?;
    let total = match rows.first() {
        Some(r) => r.total_rows,
        None if page.offset() > 0 => load(1, 0).await?.first().map_or(0, |r| r.total_rows),
        None => 0,
    };
    Ok((rows.into_iter().map(|r| r.row).collect(), total))
}
