//! The counters' SQL: one row per bucket and window, incremented with a single
//! upsert so that concurrent requests on any replica count exactly.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbErr, Statement,
    sea_query::{Alias, Expr, ExprTrait, OnConflict, Query},
};

fn table() -> Alias {
    Alias::new("rate_limits")
}

fn col(name: &'static str) -> Alias {
    Alias::new(name)
}

/// Adds one to the bucket's count in the window; returns the new count.
pub async fn increment(db: &DatabaseConnection, bucket: &str, window_start: i64) -> Result<u64, DbErr> {
    let insert = Query::insert()
        .into_table(table())
        .columns([col("bucket"), col("window_start"), col("hits")])
        .values_panic([bucket.into(), window_start.into(), 1i32.into()])
        .on_conflict(
            OnConflict::columns([col("bucket"), col("window_start")])
                .value(col("hits"), Expr::col((table(), col("hits"))).add(1))
                .to_owned(),
        )
        .returning_col(col("hits"))
        .to_owned();
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(backend.build(&insert))
        .await?
        .ok_or_else(|| DbErr::Custom("the rate-limit upsert returned no row".into()))?;
    count(row.try_get("", "hits")?)
}

/// The bucket's count in the window (0 when nothing was counted).
pub async fn hits(db: &DatabaseConnection, bucket: &str, window_start: i64) -> Result<u64, DbErr> {
    let select = Query::select()
        .column(col("hits"))
        .from(table())
        .and_where(Expr::col(col("bucket")).eq(bucket))
        .and_where(Expr::col(col("window_start")).eq(window_start))
        .to_owned();
    let backend = db.get_database_backend();
    match db.query_one_raw(backend.build(&select)).await? {
        Some(row) => count(row.try_get("", "hits")?),
        None => Ok(0),
    }
}

pub async fn clear(db: &DatabaseConnection, bucket: &str) -> Result<(), DbErr> {
    let delete = Query::delete().from_table(table()).and_where(Expr::col(col("bucket")).eq(bucket)).to_owned();
    exec(db, db.get_database_backend().build(&delete)).await.map(drop)
}

/// Deletes windows that started before `horizon` (unix seconds).
pub async fn prune(db: &DatabaseConnection, horizon: i64) -> Result<u64, DbErr> {
    let delete = Query::delete().from_table(table()).and_where(Expr::col(col("window_start")).lt(horizon)).to_owned();
    exec(db, db.get_database_backend().build(&delete)).await
}

fn count(hits: i32) -> Result<u64, DbErr> {
    u64::try_from(hits).map_err(|_| DbErr::Custom(format!("a negative rate-limit count: {hits}")))
}

async fn exec(db: &DatabaseConnection, statement: Statement) -> Result<u64, DbErr> {
    Ok(db.execute_raw(statement).await?.rows_affected())
}
