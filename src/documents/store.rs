//! Documents in the database and their tuples in Keto. Creation and deletion go
//! through `db::create` and `db::delete`, which order the two stores' writes so
//! that a failure at any step can be undone or finished (ARCHITECTURE.md,
//! "Consistency"): the row is always written before its tuples and removed after
//! them, so a tuple never points at nothing, and a row without its owner tuple is
//! never `active`.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    QueryFilter, Set, TransactionTrait, prelude::Expr, sea_query::ExprTrait,
};
use uuid::Uuid;

use super::{
    DocumentId, DocumentPermission, DocumentRelation,
    domain::{DocumentChanges, ListFilter, NewDocument, Owner, Page, TitleSearch, fold_title},
    entity::{self, Entity as Documents},
};
use crate::{
    auth::UserId,
    authz::{
        Authorizer, Name, Principal, Resource,
        index::{
            AccessIndex, PRINCIPALS_PER_STATEMENT,
            entity::{Column as IndexColumn, Entity as IndexRows},
        },
    },
    db::{self, RowState, StoreError},
};

pub async fn create(
    db: &DatabaseConnection,
    authz: &Authorizer,
    owner: UserId,
    new: NewDocument,
) -> Result<entity::Model, StoreError> {
    let now = Utc::now();
    let id = DocumentId(Uuid::new_v4());
    let row = entity::ActiveModel {
        id: Set(id.0),
        title_folded: Set(fold_title(&new.title)),
        title: Set(new.title),
        body: Set(new.body),
        owner_id: Set(owner.0),
        state: Set(RowState::Pending),
        created_at: Set(now),
        updated_at: Set(now),
    };
    db::create(db, row, id.0, authz.grant(&id, DocumentRelation::Owners, owner)).await
}

/// The document, if it exists and is active.
pub async fn find(db: &DatabaseConnection, id: DocumentId) -> Result<Option<entity::Model>, StoreError> {
    Ok(Documents::find_by_id(id.0).filter(entity::Column::State.eq(RowState::Active)).one(db).await?)
}

pub async fn update(
    db: &DatabaseConnection,
    model: entity::Model,
    changes: DocumentChanges,
) -> Result<entity::Model, StoreError> {
    let mut row: entity::ActiveModel = model.into();
    if let Some(title) = changes.title {
        row.title_folded = Set(fold_title(&title));
        row.title = Set(title);
    }
    if let Some(body) = changes.body {
        row.body = Set(body);
    }
    let now = Utc::now();
    row.updated_at = Set(now);
    // The list's order lives on the index rows too (`sort_at`): both change
    // together or not at all.
    let txn = db.begin().await?;
    let model = row.update(&txn).await?;
    AccessIndex::restamp(&txn, model.id, now).await?;
    txn.commit().await?;
    Ok(model)
}

pub async fn delete(db: &DatabaseConnection, authz: &Authorizer, id: DocumentId) -> Result<(), StoreError> {
    db::delete::<Documents, _>(db, id.0, authz.forget(&id)).await
}

/// Deletes `ids` for an account's purge (`account::deletion`), `PURGE_CHUNK`
/// at a time. The ordered sequence of `delete`, but each database step once
/// for a whole chunk: one at a time, a person's thousands of documents took
/// four commits each, and a purge of 3,334 took half a minute. The deletion
/// only goes forward: if Keto fails for one of a chunk, the chunk's rows stay
/// `deleting` (invisible) and the reconciler finishes them.
pub async fn purge(db: &DatabaseConnection, authz: &Authorizer, ids: &[DocumentId]) -> Result<(), StoreError> {
    use sea_orm::QuerySelect;
    for chunk in ids.chunks(PURGE_CHUNK) {
        let chunk: Vec<Uuid> = chunk.iter().map(|id| id.0).collect();
        Documents::update_many()
            .col_expr(entity::Column::State, Expr::value(RowState::Deleting))
            .col_expr(entity::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(entity::Column::Id.is_in(chunk.iter().copied()))
            .filter(entity::Column::State.eq(RowState::Active))
            .exec(db)
            .await?;
        // Ours, and any other deletion's marked first: both want them gone. A
        // row still `pending` is a create in flight, which the reconciler ends.
        let marked: Vec<DocumentId> = Documents::find()
            .select_only()
            .column(entity::Column::Id)
            .filter(entity::Column::Id.is_in(chunk))
            .filter(entity::Column::State.eq(RowState::Deleting))
            .into_tuple::<Uuid>()
            .all(db)
            .await?
            .into_iter()
            .map(DocumentId)
            .collect();
        authz.forget_all(&marked).await?;
        Documents::delete_many()
            .filter(entity::Column::Id.is_in(marked.iter().map(|id| id.0)))
            .filter(entity::Column::State.eq(RowState::Deleting))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Documents a purge deletes per chunk.
const PURGE_CHUNK: usize = 100;

/// A page of the documents `user` may view, newest first, and how many they
/// reach. Every step is bounded by the page, not by what the person can see
/// (issue 10), except the count, which reads only index entries and runs beside
/// Keto's check:
///
/// 1. whom `user` acts as: themselves and their groups (one indexed lookup);
/// 2. the page's candidates from the access index (`feed`);
/// 3. at once: Keto's word on each candidate (`check_held`: one round trip, two
///    if the index is behind), the candidates' rows, and the count.
pub async fn page_for(
    db: &DatabaseConnection,
    authz: &Authorizer,
    user: UserId,
    page: &Page,
    filter: &ListFilter,
) -> Result<(Vec<entity::Summary>, u64), StoreError> {
    let index = authz.index();
    // Owning is a relation of the person, never of a group they are in: their
    // own documents are all reached through themselves.
    let principals = match filter.owner {
        Some(Owner::Me) => vec![Principal::User(user)],
        _ => index.principals_of(user).await?,
    };
    let candidates = feed(db, &principals, page, filter.condition(user)).await?;
    let held: Vec<(DocumentId, DocumentRelation)> = candidates.iter().map(|c| (c.id, c.relation)).collect();
    let ids: Vec<Uuid> = candidates.iter().map(|c| c.id.0).collect();
    let (allowed, mut rows, total) = tokio::try_join!(
        async { authz.check_held(user, &held, DocumentPermission::View).await.map_err(StoreError::from) },
        async {
            let rows = Documents::find()
                .filter(entity::Column::Id.is_in(ids))
                .filter(entity::Column::State.eq(RowState::Active))
                .into_partial_model::<entity::Summary>()
                .all(db)
                .await?;
            Ok::<_, StoreError>(rows.into_iter().map(|row| (row.id, row)).collect::<HashMap<_, _>>())
        },
        async {
            Ok::<_, StoreError>(match filter.is_everything() {
                true => index.count_reached(DocumentId::NAMESPACE, &principals).await?,
                false => count_matching(db, &principals, filter.condition(user)).await?,
            })
        },
    )?;
    let page = candidates
        .iter()
        .zip(allowed)
        .filter(|(_, allowed)| *allowed)
        .filter_map(|(candidate, _)| rows.remove(&candidate.id.0))
        .collect();
    Ok((page, total))
}

/// Every document `user` may view, newest first (each page checked by Keto, as
/// the list's), with the body of those they own: what an export of their
/// account holds. Its cost grows with what the person can see; it is asked for
/// rarely, and one page at a time.
pub async fn everything_for(
    db: &DatabaseConnection,
    authz: &Authorizer,
    user: UserId,
) -> Result<Vec<(entity::Summary, Option<String>)>, StoreError> {
    const PER_PAGE: u64 = 100;
    let mut all = Vec::new();
    for number in 1.. {
        let page = Page { page: number, per_page: PER_PAGE };
        let (rows, total) = page_for(db, authz, user, &page, &ListFilter::default()).await?;
        all.extend(rows);
        if number * PER_PAGE >= total {
            break;
        }
    }
    let owned: Vec<Uuid> = all.iter().filter(|row| row.owner_id == user.0).map(|row| row.id).collect();
    let mut bodies = HashMap::new();
    for chunk in owned.chunks(500) {
        let rows = Documents::find()
            .filter(entity::Column::Id.is_in(chunk.iter().copied()))
            .filter(entity::Column::State.eq(RowState::Active))
            .all(db)
            .await?;
        bodies.extend(rows.into_iter().map(|row| (row.id, row.body)));
    }
    Ok(all
        .into_iter()
        .map(|row| {
            let body = bodies.remove(&row.id);
            (row, body)
        })
        .collect())
}

/// A document the caller reaches, with the relation the index says they hold.
struct Candidate {
    id: DocumentId,
    relation: DocumentRelation,
}

#[derive(FromQueryResult)]
struct FeedRow {
    object: Uuid,
    sort_at: chrono::DateTime<Utc>,
    relation: String,
}

/// The page's candidates, newest first. For each principal, the newest active
/// documents it holds a relation on, as many as the page reaches: each a walk
/// down `access_index_feed` that stops there, so every document of the page is
/// among them. Merged, one entry per document (keeping the strongest relation
/// seen), and cut to the page. Ties on `updated_at` go by id, descending, in
/// SQL and here alike.
///
/// With a filter, each walk skips the documents it leaves out, so it reads as
/// far down the principal's rows as it takes to fill the page: a filter costs
/// SQL, never more than the page in Keto.
async fn feed(
    db: &DatabaseConnection,
    principals: &[Principal],
    page: &Page,
    filter: Condition,
) -> Result<Vec<Candidate>, StoreError> {
    use sea_orm::sea_query::{Alias, Asterisk, Query, UnionType};

    let reach = page.page.saturating_mul(page.per_page);
    let backend = db.get_database_backend();
    let mut rows = Vec::new();
    for chunk in principals.chunks(PRINCIPALS_PER_STATEMENT) {
        let mut arms = chunk.iter().enumerate().map(|(i, principal)| {
            let mut arm = AccessIndex::feed(DocumentId::NAMESPACE, principal, reach);
            arm.inner_join(Documents, kept_documents(filter.clone()));
            Query::select().column(Asterisk).from_subquery(arm, Alias::new(format!("arm{i}"))).to_owned()
        });
        let Some(mut statement) = arms.next() else { continue };
        for arm in arms {
            statement.union(UnionType::All, arm);
        }
        rows.extend(FeedRow::find_by_statement(backend.build(&statement)).all(db).await?);
    }
    rows.sort_by_key(|row| std::cmp::Reverse((row.sort_at, row.object)));
    // A document's rows carry one time, except when a share and an edit race
    // on PostgreSQL (the edit restamps the rows it can see): then its newest
    // row places it, and it is listed once all the same.
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut placed: HashMap<Uuid, usize> = HashMap::new();
    for row in rows {
        let Some(relation) = DocumentRelation::parse(&row.relation) else { continue };
        match placed.get(&row.object) {
            Some(&at) => candidates[at].relation = candidates[at].relation.min(relation),
            None => {
                placed.insert(row.object, candidates.len());
                candidates.push(Candidate { id: DocumentId(row.object), relation });
            }
        }
    }
    Ok(candidates.into_iter().skip(((page.page - 1) * page.per_page) as usize).take(page.per_page as usize).collect())
}

/// How many documents the principals reach that `filter` keeps. Counted each
/// time, unlike the whole list's count: a title edit moves a document in or out
/// of a search without moving any principal's generation. It reads every index
/// row the principals have, in SQL only.
async fn count_matching(
    db: &DatabaseConnection,
    principals: &[Principal],
    filter: Condition,
) -> Result<u64, StoreError> {
    use sea_orm::sea_query::Query;

    let count = Query::select()
        .expr_as(Expr::col((IndexRows, IndexColumn::Object)).count_distinct(), "count")
        .from(IndexRows)
        .inner_join(Documents, kept_documents(filter))
        .and_where(Expr::col((IndexRows, IndexColumn::Namespace)).eq(DocumentId::NAMESPACE))
        .cond_where(AccessIndex::reached_by(principals))
        .to_owned();
    let row = db.query_one(&count).await?;
    let count: i64 = match row {
        Some(row) => row.try_get("", "count")?,
        None => 0,
    };
    Ok(u64::try_from(count).unwrap_or(0))
}

/// The join of index rows with their documents: active ones that `filter`
/// keeps. The feed and the filtered count share it, so a count never counts a
/// document the pages would not show.
fn kept_documents(filter: Condition) -> Condition {
    Condition::all()
        .add(Expr::col((Documents, entity::Column::Id)).equals((IndexRows, IndexColumn::Object)))
        .add(Expr::col((Documents, entity::Column::State)).eq(RowState::Active))
        .add(filter)
}

impl ListFilter {
    /// The documents' side of the filter, for the join with `documents`.
    fn condition(&self, user: UserId) -> Condition {
        let owner = Expr::col((Documents, entity::Column::OwnerId));
        Condition::all().add_option(self.title.as_ref().map(title_matches)).add_option(self.owner.map(|owner_is| {
            match owner_is {
                Owner::Me => owner.eq(user.0),
                Owner::Others => owner.ne(user.0),
            }
        }))
    }
}

/// The title contains the search, case and accents aside: both folded in Rust
/// (`fold_title`), not by the database, whose `lower` folds only ASCII letters
/// on SQLite.
fn title_matches(search: &TitleSearch) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::LikeExpr;
    Expr::col((Documents, entity::Column::TitleFolded)).like(LikeExpr::new(search.pattern()).escape('\\'))
}

/// Finishes or undoes what a crash left behind: rows stuck in `pending` or
/// `deleting` for longer than `grace` lose their tuples and are deleted.
pub async fn reconcile(
    db: &DatabaseConnection,
    authz: &Authorizer,
    grace: chrono::Duration,
) -> Result<usize, StoreError> {
    let stale = db::unfinished::<Documents>(db, grace).await?;
    for row in &stale {
        authz.forget(&DocumentId(row.id)).await?;
        Documents::delete_by_id(row.id).exec(db).await?;
        tracing::warn!(document = %row.id, state = ?row.state, "reconciled an unfinished document write");
    }
    Ok(stale.len())
}

impl db::Stateful for Documents {
    const ID: entity::Column = entity::Column::Id;
    const STATE: entity::Column = entity::Column::State;
    const UPDATED_AT: entity::Column = entity::Column::UpdatedAt;

    fn activate(model: &mut entity::Model) {
        model.state = RowState::Active;
    }
}
