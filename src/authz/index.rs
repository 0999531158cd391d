//! The access index: our copy of the relation tuples this backend writes to Keto
//! on documents and groups, so that a list finds a page of candidates in SQL
//! instead of listing every tuple the caller can reach in Keto.
//!
//! It never decides anything: a list re-checks every candidate of its page in
//! Keto (one batch check), so a row too many costs a candidate and nothing else.
//! A row too few would hide something Keto grants, so the writes are ordered to
//! keep the index a superset of Keto (ARCHITECTURE.md, "Consistency"):
//!
//! - insert: the row goes in `pending` *before* Keto, and becomes `active` after;
//! - delete: the row is marked `deleting` before Keto, and removed after;
//! - Keto refusing: the rows this write added are removed, the marked ones are
//!   `active` again;
//! - a crash between the steps leaves `pending` or `deleting` rows, which the
//!   reconciler settles by asking Keto whether the tuple exists.
//!
//! Only tuples whose object and subject are ids (documents, groups, people) are
//! mirrored; `App:home`, the one tuple that is not, is never listed.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Order, QueryFilter, QuerySelect,
    TransactionTrait,
    prelude::Expr,
    sea_query::{ExprTrait, Query, QueryStatementBuilder, SelectStatement},
};
use uuid::Uuid;

use self::entity::{Column as C, Entity as Rows};
use crate::{
    auth::UserId,
    authz::{Name, Principal, Resource, USER_NAMESPACE},
    db::RowState,
    documents::DocumentId,
    groups::{GroupId, GroupRelation},
    ory::{
        RelationTuple, Subject,
        keto::{Matching, TupleChange},
    },
};

pub mod entity {
    use sea_orm::entity::prelude::*;

    use crate::db::RowState;

    /// `namespace:object#relation@subject_namespace:subject_object#subject_relation`.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "access_index")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub namespace: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub object: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub relation: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub subject_namespace: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub subject_object: Uuid,
        /// Empty for a person (`User:<id>`).
        #[sea_orm(primary_key, auto_increment = false)]
        pub subject_relation: String,
        pub state: RowState,
        pub updated_at: DateTimeUtc,
        /// On a document's rows, the document's `updated_at`: the list's order
        /// (`feed`). Written with the row and with every change of the document.
        pub sort_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `access_index_generations`: per subject, how many times its rows were
/// added or removed (see `AccessIndex::count_reached`).
pub mod generation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "access_index_generations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub subject_object: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub subject_namespace: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub subject_relation: String,
        pub generation: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A subject as the index stores it: object, namespace, relation (the order of
/// `access_index_generations`' key).
type SubjectKey = (Uuid, String, String);

/// A tuple as the index keys it; `None` for tuples it does not mirror.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    namespace: String,
    object: Uuid,
    relation: String,
    subject_namespace: String,
    subject_object: Uuid,
    subject_relation: String,
}

impl Key {
    fn of(tuple: &RelationTuple) -> Option<Key> {
        let Subject::Set { namespace, object, relation } = &tuple.subject;
        Some(Key {
            namespace: tuple.namespace.clone(),
            object: tuple.object.parse().ok()?,
            relation: tuple.relation.clone(),
            subject_namespace: namespace.clone(),
            subject_object: object.parse().ok()?,
            subject_relation: relation.clone(),
        })
    }

    fn tuple(&self) -> RelationTuple {
        RelationTuple {
            namespace: self.namespace.clone(),
            object: self.object.to_string(),
            relation: self.relation.clone(),
            subject: Subject::Set {
                namespace: self.subject_namespace.clone(),
                object: self.subject_object.to_string(),
                relation: self.subject_relation.clone(),
            },
        }
    }

    fn from_row(row: &entity::Model) -> Key {
        Key {
            namespace: row.namespace.clone(),
            object: row.object,
            relation: row.relation.clone(),
            subject_namespace: row.subject_namespace.clone(),
            subject_object: row.subject_object,
            subject_relation: row.subject_relation.clone(),
        }
    }

    fn row(&self, state: RowState, updated_at: chrono::DateTime<Utc>) -> entity::ActiveModel {
        entity::ActiveModel {
            namespace: Set(self.namespace.clone()),
            object: Set(self.object),
            relation: Set(self.relation.clone()),
            subject_namespace: Set(self.subject_namespace.clone()),
            subject_object: Set(self.subject_object),
            subject_relation: Set(self.subject_relation.clone()),
            state: Set(state),
            updated_at: Set(updated_at),
            sort_at: sea_orm::ActiveValue::NotSet,
        }
    }

    fn subject(&self) -> SubjectKey {
        (self.subject_object, self.subject_namespace.clone(), self.subject_relation.clone())
    }

    fn filter(&self) -> Condition {
        Condition::all()
            .add(C::Namespace.eq(self.namespace.as_str()))
            .add(C::Object.eq(self.object))
            .add(C::Relation.eq(self.relation.as_str()))
            .add(C::SubjectNamespace.eq(self.subject_namespace.as_str()))
            .add(C::SubjectObject.eq(self.subject_object))
            .add(C::SubjectRelation.eq(self.subject_relation.as_str()))
    }
}

/// What step 1 of a write changed, so that it can be undone if Keto refuses.
#[derive(Debug, Default)]
pub struct Prepared {
    inserted: Vec<Key>,
    marked: Vec<Key>,
}

/// Which tuples a change set touches: the ones the index mirrors.
fn split(changes: &[TupleChange]) -> (Vec<Key>, Vec<Key>) {
    let (mut inserts, mut deletes) = (Vec::new(), Vec::new());
    for change in changes {
        match change {
            TupleChange::Insert(tuple) => inserts.extend(Key::of(tuple)),
            TupleChange::Delete(tuple) => deletes.extend(Key::of(tuple)),
        }
    }
    (inserts, deletes)
}

/// The rows of `namespace` that `matching` selects; `None` when it names
/// something the index does not mirror (an object or subject that is not an id).
fn select(namespace: &str, matching: &Matching<'_>) -> Option<Condition> {
    let namespace = C::Namespace.eq(namespace);
    Some(match matching {
        Matching::Object(object) => Condition::all().add(namespace).add(C::Object.eq(object.parse::<Uuid>().ok()?)),
        Matching::Subject(Subject::Set { namespace: subject_namespace, object, relation }) => Condition::all()
            .add(namespace)
            .add(C::SubjectNamespace.eq(subject_namespace.as_str()))
            .add(C::SubjectObject.eq(object.parse::<Uuid>().ok()?))
            .add(C::SubjectRelation.eq(relation.as_str())),
    })
}

/// The rows of `namespace` on any of `objects`.
fn on_objects(namespace: &str, objects: &[Uuid]) -> Condition {
    Condition::all().add(C::Namespace.eq(namespace)).add(C::Object.is_in(objects.iter().copied()))
}

/// What `count_reached` remembers a count under: the namespace, and each
/// principal with its generation when it was counted.
type CountKey = (&'static str, Vec<(Principal, i64)>);

#[derive(Clone)]
pub struct AccessIndex {
    db: DatabaseConnection,
    counts: moka::sync::Cache<CountKey, u64>,
}

impl AccessIndex {
    pub fn new(db: DatabaseConnection) -> Self {
        // A count is worth keeping while its person pages through a list; the
        // generations, not time, decide when it is wrong.
        let counts =
            moka::sync::Cache::builder().max_capacity(10_000).time_to_idle(std::time::Duration::from_secs(600)).build();
        AccessIndex { db, counts }
    }

    /// Step 1, before Keto: new rows `pending` (an existing row is left as it
    /// is, and so is not undone), rows to delete `deleting`.
    pub async fn prepare(&self, changes: &[TupleChange]) -> Result<Prepared, DbErr> {
        let (inserts, deletes) = split(changes);
        let mut prepared = Prepared::default();
        if inserts.is_empty() && deletes.is_empty() {
            return Ok(prepared);
        }
        let now = Utc::now();
        let txn = self.db.begin().await?;
        bump(&txn, inserts.iter().map(Key::subject)).await?;
        Self::hold_documents(&txn, &inserts).await?;
        for key in inserts {
            let result = Rows::insert(key.row(RowState::Pending, now))
                .on_conflict_do_nothing()
                .exec_without_returning(&txn)
                .await?;
            if matches!(result, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
                prepared.inserted.push(key);
            }
        }
        Self::stamp(&txn, &prepared.inserted).await?;
        for key in deletes {
            let marked = Rows::update_many()
                .col_expr(C::State, Expr::value(RowState::Deleting))
                .col_expr(C::UpdatedAt, Expr::value(now))
                .filter(key.filter())
                .filter(C::State.eq(RowState::Active))
                .exec(&txn)
                .await?;
            if marked.rows_affected > 0 {
                prepared.marked.push(key);
            }
        }
        txn.commit().await?;
        Ok(prepared)
    }

    /// Step 3, after Keto confirmed: inserted rows `active` (written again if a
    /// concurrent write that failed removed them meanwhile), deleted rows gone.
    pub async fn confirm(&self, changes: &[TupleChange]) -> Result<(), DbErr> {
        let (inserts, deletes) = split(changes);
        if inserts.is_empty() && deletes.is_empty() {
            return Ok(());
        }
        let now = Utc::now();
        let txn = self.db.begin().await?;
        bump(&txn, inserts.iter().chain(&deletes).map(Key::subject)).await?;
        Self::hold_documents(&txn, &inserts).await?;
        for key in &inserts {
            Rows::insert(key.row(RowState::Active, now))
                .on_conflict(
                    sea_orm::sea_query::OnConflict::columns([
                        C::Namespace,
                        C::Object,
                        C::Relation,
                        C::SubjectNamespace,
                        C::SubjectObject,
                        C::SubjectRelation,
                    ])
                    .update_columns([C::State, C::UpdatedAt])
                    .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }
        // A row a concurrent failed write removed meanwhile is new again.
        Self::stamp(&txn, &inserts).await?;
        for key in deletes {
            Rows::delete_many().filter(key.filter()).exec(&txn).await?;
        }
        txn.commit().await
    }

    /// Keto refused: remove what step 1 added, restore what it marked. Rows a
    /// concurrent write confirmed meanwhile are left alone.
    pub async fn undo(&self, prepared: Prepared) -> Result<(), DbErr> {
        if prepared.inserted.is_empty() && prepared.marked.is_empty() {
            return Ok(());
        }
        let txn = self.db.begin().await?;
        bump(&txn, prepared.inserted.iter().map(Key::subject)).await?;
        for key in prepared.inserted {
            Rows::delete_many().filter(key.filter()).filter(C::State.eq(RowState::Pending)).exec(&txn).await?;
        }
        for key in prepared.marked {
            Rows::update_many()
                .col_expr(C::State, Expr::value(RowState::Active))
                .filter(key.filter())
                .filter(C::State.eq(RowState::Deleting))
                .exec(&txn)
                .await?;
        }
        txn.commit().await
    }

    /// Step 1 of forgetting what `matching` selects (every row on an object, or
    /// every row naming a subject): its `active` rows `deleting`. A `pending`
    /// row belongs to an insert still under way, which settles it; whatever
    /// Keto ends with, the index can then only hold a row too many.
    pub async fn prepare_forget(&self, namespace: &str, matching: &Matching<'_>) -> Result<(), DbErr> {
        let Some(selected) = select(namespace, matching) else { return Ok(()) };
        self.set_state(selected, RowState::Active, RowState::Deleting).await
    }

    /// Keto refused to forget: the rows are `active` again.
    pub async fn undo_forget(&self, namespace: &str, matching: &Matching<'_>) -> Result<(), DbErr> {
        let Some(selected) = select(namespace, matching) else { return Ok(()) };
        self.set_state(selected, RowState::Deleting, RowState::Active).await
    }

    /// Step 3 of forgetting: the `deleting` rows are removed.
    pub async fn confirm_forget(&self, namespace: &str, matching: &Matching<'_>) -> Result<(), DbErr> {
        let Some(selected) = select(namespace, matching) else { return Ok(()) };
        self.remove_deleting(selected).await
    }

    /// `prepare_forget` for every row on any of `objects`, in one statement.
    pub async fn prepare_forget_objects(&self, namespace: &str, objects: &[Uuid]) -> Result<(), DbErr> {
        self.set_state(on_objects(namespace, objects), RowState::Active, RowState::Deleting).await
    }

    /// `undo_forget` for every row on any of `objects`.
    pub async fn undo_forget_objects(&self, namespace: &str, objects: &[Uuid]) -> Result<(), DbErr> {
        self.set_state(on_objects(namespace, objects), RowState::Deleting, RowState::Active).await
    }

    /// `confirm_forget` for every row on any of `objects`, in one transaction.
    pub async fn confirm_forget_objects(&self, namespace: &str, objects: &[Uuid]) -> Result<(), DbErr> {
        self.remove_deleting(on_objects(namespace, objects)).await
    }

    /// Removes the `deleting` rows `selected` names, and bumps their subjects'
    /// generations with them.
    async fn remove_deleting(&self, selected: Condition) -> Result<(), DbErr> {
        use self::generation::{Column as G, Entity as Generations};
        let selected = selected.add(C::State.eq(RowState::Deleting));
        let subject = [C::SubjectObject, C::SubjectNamespace, C::SubjectRelation];
        // The subjects are read and bumped by one statement, the transaction's
        // first: on SQLite it takes the write lock before reading (a read first
        // could not become a write once another commit lands), and on
        // PostgreSQL it locks them in key order, as `bump` does.
        let subjects = Query::select()
            .distinct()
            .columns(subject)
            .expr(Expr::val(1i64))
            .from(Rows)
            .cond_where(selected.clone())
            .order_by_columns(subject.map(|column| (column, Order::Asc)))
            .to_owned();
        let bump = Query::insert()
            .into_table(Generations)
            .columns([G::SubjectObject, G::SubjectNamespace, G::SubjectRelation, G::Generation])
            .select_from(subjects)
            .map_err(|error| DbErr::Custom(error.to_string()))?
            .on_conflict(
                sea_orm::sea_query::OnConflict::columns([G::SubjectObject, G::SubjectNamespace, G::SubjectRelation])
                    .value(G::Generation, Expr::col((Generations, G::Generation)).add(1))
                    .to_owned(),
            )
            .to_owned();
        let txn = self.db.begin().await?;
        txn.execute(&bump).await?;
        Rows::delete_many().filter(selected).exec(&txn).await?;
        txn.commit().await
    }

    async fn set_state(&self, selected: Condition, from: RowState, to: RowState) -> Result<(), DbErr> {
        Rows::update_many()
            .col_expr(C::State, Expr::value(to))
            .col_expr(C::UpdatedAt, Expr::value(Utc::now()))
            .filter(selected)
            .filter(C::State.eq(from))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Rows left `pending` or `deleting` for longer than `grace`, as tuples:
    /// writes a crash interrupted, for the reconciler to settle against Keto.
    pub async fn unsettled(&self, grace: chrono::Duration) -> Result<Vec<RelationTuple>, DbErr> {
        let rows = Rows::find()
            .filter(C::State.is_in([RowState::Pending, RowState::Deleting]))
            .filter(C::UpdatedAt.lte(Utc::now() - grace))
            .all(&self.db)
            .await?;
        Ok(rows.iter().map(|row| Key::from_row(row).tuple()).collect())
    }

    /// Settles one row to what Keto holds: `active` if the tuple exists there,
    /// removed if not.
    pub async fn settle(&self, tuple: &RelationTuple, in_keto: bool) -> Result<(), DbErr> {
        let Some(key) = Key::of(tuple) else { return Ok(()) };
        if in_keto {
            Rows::update_many()
                .col_expr(C::State, Expr::value(RowState::Active))
                .col_expr(C::UpdatedAt, Expr::value(Utc::now()))
                .filter(key.filter())
                .exec(&self.db)
                .await?;
        } else {
            let txn = self.db.begin().await?;
            bump(&txn, [key.subject()]).await?;
            Rows::delete_many().filter(key.filter()).exec(&txn).await?;
            txn.commit().await?;
        }
        Ok(())
    }

    /// Whom `user` acts as in the index: themselves, and the members of every
    /// group they own or belong to (as `keto/namespaces.keto.ts` has it, a
    /// group's owners are its members). Rows in every state count: the index
    /// may only err on the side of a candidate too many, which Keto then drops.
    pub async fn principals_of(&self, user: UserId) -> Result<Vec<Principal>, DbErr> {
        let groups: Vec<Uuid> = Rows::find()
            .select_only()
            .column(C::Object)
            .distinct()
            .filter(subject_is(&Principal::User(user)))
            .filter(C::Namespace.eq(GroupId::NAMESPACE))
            .filter(C::Relation.is_in([GroupRelation::Owners.as_str(), GroupRelation::Members.as_str()]))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(std::iter::once(Principal::User(user))
            .chain(groups.into_iter().map(|g| Principal::GroupMembers(GroupId(g))))
            .collect())
    }

    /// How many distinct objects of `namespace` the principals hold a relation
    /// on. Counting reads every row the principals have, the one part of a list
    /// that grows with what a person can see, so a count is kept under the
    /// principals' generations and reused until one of them moves: exact on
    /// every replica, at the cost of one lookup per principal.
    pub async fn count_reached(&self, namespace: &'static str, principals: &[Principal]) -> Result<u64, DbErr> {
        let key: CountKey = (namespace, principals.iter().copied().zip(self.generations(principals).await?).collect());
        let cached = self.counts.get(&key);
        metrics::counter!("access_index_count_lookups_total", "result" => if cached.is_some() { "hit" } else { "miss" })
            .increment(1);
        if let Some(count) = cached {
            return Ok(count);
        }
        let count = self.count_now(namespace, principals).await?;
        self.counts.insert(key, count);
        Ok(count)
    }

    /// Each principal's generation, 0 for one never written.
    async fn generations(&self, principals: &[Principal]) -> Result<Vec<i64>, DbErr> {
        use self::generation::{Column as G, Entity as Generations};
        let mut found: HashMap<SubjectKey, i64> = HashMap::new();
        for chunk in principals.chunks(PRINCIPALS_PER_STATEMENT) {
            let any = chunk.iter().fold(Condition::any(), |any, principal| {
                let (namespace, object, relation) = subject_of(principal);
                any.add(
                    Condition::all()
                        .add(G::SubjectObject.eq(object))
                        .add(G::SubjectNamespace.eq(namespace))
                        .add(G::SubjectRelation.eq(relation)),
                )
            });
            for row in Generations::find().filter(any).all(&self.db).await? {
                found.insert((row.subject_object, row.subject_namespace, row.subject_relation), row.generation);
            }
        }
        Ok(principals
            .iter()
            .map(|principal| {
                let (namespace, object, relation) = subject_of(principal);
                found.get(&(object, namespace.to_owned(), relation.to_owned())).copied().unwrap_or(0)
            })
            .collect())
    }

    async fn count_now(&self, namespace: &str, principals: &[Principal]) -> Result<u64, DbErr> {
        let reached = Self::reached_by(principals);
        let count: Option<i64> = Rows::find()
            .select_only()
            .column_as(Expr::col(C::Object).count_distinct(), "count")
            .filter(C::Namespace.eq(namespace))
            .filter(reached)
            .into_tuple()
            .one(&self.db)
            .await?;
        Ok(u64::try_from(count.unwrap_or(0)).unwrap_or(0))
    }

    /// Index rows whose subject is one of `principals`, for a caller's own
    /// count over the rows (joined with what it filters on).
    pub fn reached_by(principals: &[Principal]) -> Condition {
        principals.iter().fold(Condition::any(), |any, principal| any.add(subject_is(principal)))
    }

    /// The newest `limit` objects of `namespace` on which `principal` holds a
    /// relation, by `sort_at` then object, both descending, each with one of
    /// the relations held (a share being changed briefly has two rows): a walk
    /// down `access_index_feed` that stops after `limit` objects. The caller
    /// joins what it needs (the object's own state).
    pub fn feed(namespace: &str, principal: &Principal, limit: u64) -> SelectStatement {
        Query::select()
            .columns([(Rows, C::Object), (Rows, C::SortAt)])
            .expr_as(Expr::col((Rows, C::Relation)).min(), C::Relation)
            .from(Rows)
            .cond_where(subject_is(principal))
            .and_where(Expr::col((Rows, C::Namespace)).eq(namespace))
            // Only a row whose document is gone lacks a time (`stamp`); leaving
            // those out keeps one order in both databases, which sort NULL
            // differently, and lets PostgreSQL walk the index backwards.
            .and_where(Expr::col((Rows, C::SortAt)).is_not_null())
            .group_by_columns([(Rows, C::SortAt), (Rows, C::Object)])
            .order_by((Rows, C::SortAt), Order::Desc)
            .order_by((Rows, C::Object), Order::Desc)
            .limit(limit)
            .to_owned()
    }

    /// The documents among `keys`' objects, sorted, once each.
    fn documents_of(keys: &[Key]) -> Vec<Uuid> {
        let mut objects: Vec<Uuid> =
            keys.iter().filter(|key| key.namespace == DocumentId::NAMESPACE).map(|key| key.object).collect();
        objects.sort_unstable();
        objects.dedup();
        objects
    }

    /// Locks the rows of the documents a write adds index rows on, until the
    /// write commits, before it writes them. An edit of one of those documents
    /// in flight (`restamp`) cannot see the new rows, and on PostgreSQL (READ
    /// COMMITTED) `stamp` would read the document's time from before it: the
    /// new rows would keep the old time, and the list would place the document
    /// there for whoever the rows reach. With the lock, whichever of the two
    /// comes second waits for the other and then sees its rows. Both take the
    /// document first and the index rows after, so neither waits for the other
    /// in a cycle. SQLite has no row locks and needs none: one writer at a time.
    async fn hold_documents(txn: &impl ConnectionTrait, keys: &[Key]) -> Result<(), DbErr> {
        use crate::documents::entity::{Column as D, Entity as Documents};
        let objects = Self::documents_of(keys);
        if objects.is_empty() || txn.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        let lock = Query::select()
            .column(D::Id)
            .from(Documents)
            .and_where(Expr::col(D::Id).is_in(objects))
            .order_by(D::Id, Order::Asc)
            .lock_shared()
            .to_owned();
        txn.query_all(&lock).await?;
        Ok(())
    }

    /// Step 1 and 3 of an insert write a row; this gives a document's new rows
    /// the document's `updated_at`, in the same transaction (see `sort_at`, and
    /// `hold_documents` for an edit in flight).
    async fn stamp(txn: &impl ConnectionTrait, keys: &[Key]) -> Result<(), DbErr> {
        use crate::documents::entity::{Column as D, Entity as Documents};
        let objects = Self::documents_of(keys);
        if objects.is_empty() {
            return Ok(());
        }
        let updated_at = Query::select()
            .column((Documents, D::UpdatedAt))
            .from(Documents)
            .and_where(Expr::col((Documents, D::Id)).equals((Rows, C::Object)))
            .to_owned();
        Rows::update_many()
            .col_expr(C::SortAt, Expr::SubQuery(None, Box::new(updated_at.into_sub_query_statement())))
            .filter(C::Namespace.eq(DocumentId::NAMESPACE))
            .filter(C::Object.is_in(objects))
            .filter(C::SortAt.is_null())
            .exec(txn)
            .await?;
        Ok(())
    }

    /// A document changed: its rows take its new `updated_at`, in the caller's
    /// transaction, so the list's order never disagrees with the document.
    pub async fn restamp(
        txn: &impl ConnectionTrait,
        document: Uuid,
        updated_at: chrono::DateTime<Utc>,
    ) -> Result<(), DbErr> {
        Rows::update_many()
            .col_expr(C::SortAt, Expr::value(updated_at))
            .filter(C::Namespace.eq(DocumentId::NAMESPACE))
            .filter(C::Object.eq(document))
            .exec(txn)
            .await?;
        Ok(())
    }
}

/// Rows whose subject is `principal`: a prefix of both `access_index_subject`
/// and `access_index_feed`.
fn subject_is(principal: &Principal) -> Condition {
    let (namespace, object, relation) = subject_of(principal);
    Condition::all()
        .add(Expr::col((Rows, C::SubjectObject)).eq(object))
        .add(Expr::col((Rows, C::SubjectNamespace)).eq(namespace))
        .add(Expr::col((Rows, C::SubjectRelation)).eq(relation))
}

/// A principal as the index's subject columns hold it: namespace, object, relation.
fn subject_of(principal: &Principal) -> (&'static str, Uuid, &'static str) {
    match principal {
        Principal::User(user) => (USER_NAMESPACE, user.0, ""),
        Principal::GroupMembers(group) => (GroupId::NAMESPACE, group.0, GroupRelation::Members.as_str()),
    }
}

/// Principals (or subjects) per statement: SQLite allows 500 terms in a
/// compound select (a list's feed) and 1,000 levels of expression depth (an
/// `OR` chain).
pub const PRINCIPALS_PER_STATEMENT: usize = 100;

/// Raises the generation of each subject, first thing in a transaction that
/// adds or removes rows of theirs, so that a count kept under the old one is
/// not used again. Sorted: two transactions on PostgreSQL take the row locks
/// in one order, and so never wait for each other in a cycle.
async fn bump(txn: &impl ConnectionTrait, subjects: impl IntoIterator<Item = SubjectKey>) -> Result<(), DbErr> {
    use self::generation::{ActiveModel, Column as G, Entity as Generations};
    let mut subjects: Vec<SubjectKey> = subjects.into_iter().collect();
    subjects.sort_unstable();
    subjects.dedup();
    for chunk in subjects.chunks(PRINCIPALS_PER_STATEMENT) {
        let rows = chunk.iter().map(|(object, namespace, relation)| ActiveModel {
            subject_object: Set(*object),
            subject_namespace: Set(namespace.clone()),
            subject_relation: Set(relation.clone()),
            generation: Set(1),
        });
        Generations::insert_many(rows)
            .on_conflict(
                sea_orm::sea_query::OnConflict::columns([G::SubjectObject, G::SubjectNamespace, G::SubjectRelation])
                    .value(G::Generation, Expr::col((Generations, G::Generation)).add(1))
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}
