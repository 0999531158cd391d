//! How a document's title is folded for the list's search (`documents.title_folded`).
//!
//! It lives here, not in the backend, because a migration must fill the column
//! for the rows already there with exactly the backend's fold, and a migration
//! cannot depend on the backend's crate (which depends on this one). The backend
//! folds each title it writes, and each search, with this function.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, FromQueryResult},
};
use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// `title` as a search compares it: lower-cased, in compatibility decomposition
/// (NFKD: "ﬁ" is "fi", a full-width "Ａ" is "a"), without combining marks (accents:
/// "Résumé" is "resume", "Über" is "uber"), and "ß" as "ss" (so "STRASSE" finds
/// "Straße"). Lower-casing comes first, since it can itself add a mark ("İ").
/// The same on every database: SQLite's `lower()` folds ASCII letters only.
pub fn fold_title(title: &str) -> String {
    let mut folded = String::with_capacity(title.len());
    for c in title.to_lowercase().nfkd().filter(|c| !is_combining_mark(*c)) {
        match c {
            'ß' => folded.push_str("ss"),
            c => folded.push(c),
        }
    }
    folded
}

/// Writes `fold(title)` into `documents.title_folded` for every document there.
/// By title, not by id: one statement per distinct title, and no id type to
/// read, which differs between the two databases.
pub(crate) async fn fill_title_folded(manager: &SchemaManager<'_>, fold: fn(&str) -> String) -> Result<(), DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        title: String,
    }
    let db = manager.get_connection();
    let select = Query::select().distinct().column(Documents::Title).from(Documents::Table).to_owned();
    let rows = Row::find_by_statement(db.get_database_backend().build(&select)).all(db).await?;
    for row in rows {
        let update = Query::update()
            .table(Documents::Table)
            .value(Documents::TitleFolded, fold(&row.title))
            .and_where(Expr::col(Documents::Title).eq(row.title))
            .to_owned();
        db.execute(&update).await?;
    }
    Ok(())
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    Title,
    TitleFolded,
}

#[cfg(test)]
mod tests {
    use super::fold_title;

    #[test]
    fn folds_case_accents_compatibility_forms_and_sharp_s() {
        assert_eq!(fold_title("Über den Ärger"), "uber den arger");
        assert_eq!(fold_title("RÉSUMÉ"), "resume");
        assert_eq!(fold_title("Straße"), fold_title("STRASSE"));
        assert_eq!(fold_title("ẞ"), "ss");
        assert_eq!(fold_title("ﬁle Ａ1"), "file a1");
        assert_eq!(fold_title("İstanbul"), "istanbul");
        assert_eq!(fold_title("Ελληνικά"), "ελληνικα");
        assert_eq!(fold_title("文档 100%_a\\b"), "文档 100%_a\\b", "the rest as it is");
    }

    #[test]
    fn the_same_text_composed_or_decomposed_folds_alike() {
        assert_eq!(fold_title("caf\u{e9}"), fold_title("cafe\u{301}"));
        assert_eq!(fold_title("cafe\u{301}"), "cafe");
    }
}
