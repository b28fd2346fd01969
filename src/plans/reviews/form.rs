//! The two decision forms of a review, as typed and parsed: return with a
//! comment, or approve with the next review date (P10) and, where needed, a
//! reason for measures that answer nothing (P7) and one for a review after
//! the planned departure (P10) — two questions, two answers.

use time::{Date, Duration};

use crate::forms::{self, FieldErrors, FormFields};
use crate::locale;

/// P10: an approved plan is reviewed again within four weeks unless the
/// coordinator sets another date, and never more than a year on.
const DEFAULT_REVIEW_WEEKS: i64 = 4;
const LONGEST_REVIEW_DAYS: i64 = 366;

/// What the two decision forms show: as typed, or fresh.
pub(super) struct Typed {
    pub(super) comment: String,
    pub(super) reason: String,
    pub(super) late_reason: String,
    pub(super) next_review: String,
}

impl Typed {
    /// Empty, with the default next review for a case departing on `departure`.
    pub(super) fn fresh(departure: Option<Date>) -> Self {
        Typed {
            comment: String::new(),
            reason: String::new(),
            late_reason: String::new(),
            next_review: locale::date(default_next_review(locale::today(), departure)),
        }
    }
}

/// P10: four weeks on, or a week before a planned departure if that comes
/// first (the day before, when the week is already gone): the plan is
/// revised while there is time to prepare the child for leaving.
pub(super) fn default_next_review(today: Date, departure: Option<Date>) -> Date {
    let in_four_weeks = today + Duration::weeks(DEFAULT_REVIEW_WEEKS);
    let Some(leaves) = departure else {
        return in_four_weeks;
    };
    [leaves - Duration::weeks(1), leaves - Duration::days(1)]
        .into_iter()
        .find(|day| *day > today)
        .map_or(in_four_weeks, |day| day.min(in_four_weeks))
}

/// The version a decision form was read at; an unreadable one is 0, which
/// no version has (they start at 1), so the decision is a conflict.
fn read_at(lock_version: &str) -> i32 {
    lock_version.parse().unwrap_or(0)
}

/// The return form as typed.
pub(super) struct ReturnForm {
    comment: String,
    lock_version: String,
}

/// Returning a version: what must change, and the version read.
#[derive(Debug)]
pub(super) struct Returning {
    pub(super) comment: String,
    pub(super) read_at: i32,
}

impl ReturnForm {
    pub(super) fn read(f: &FormFields) -> Self {
        ReturnForm {
            comment: f.get("comment").trim().to_owned(),
            lock_version: f.get("lock_version").to_owned(),
        }
    }

    pub(super) fn parse(&self) -> Result<Returning, FieldErrors> {
        let mut errors = FieldErrors::default();
        let comment = forms::required_text(
            &mut errors,
            "comment",
            &self.comment,
            "hva som må endres",
            5_000,
        );
        errors.into_result(|| Returning {
            comment,
            read_at: read_at(&self.lock_version),
        })
    }

    pub(super) fn typed(&self, departure: Option<Date>) -> Typed {
        Typed {
            comment: self.comment.clone(),
            ..Typed::fresh(departure)
        }
    }
}

/// The approval form as typed.
pub(super) struct ApproveForm {
    next_review: String,
    reason: String,
    late_reason: String,
    lock_version: String,
}

/// Approving a version: when it is reviewed next, why measures without a
/// fear or threat are kept, and the version read.
#[derive(Debug)]
pub(super) struct Approval {
    pub(super) next_review_on: Date,
    pub(super) reason: String,
    pub(super) read_at: i32,
}

impl ApproveForm {
    pub(super) fn read(f: &FormFields) -> Self {
        ApproveForm {
            next_review: f.get("next_review").trim().to_owned(),
            reason: f.get("reason").trim().to_owned(),
            late_reason: f.get("late_reason").trim().to_owned(),
            lock_version: f.get("lock_version").to_owned(),
        }
    }

    /// `needs_reason` when a measure answers no fear or threat (P7): the
    /// version decides it, not the form.
    /// `departure`: the case's planned departure; a next review after it
    /// needs a reason too (P10).
    pub(super) fn parse(
        &self,
        today: Date,
        needs_reason: bool,
        departure: Option<Date>,
    ) -> Result<Approval, FieldErrors> {
        let mut errors = FieldErrors::default();
        let next_review = forms::date_field(&mut errors, "next_review", &self.next_review, true);
        if let Some(day) = next_review {
            if day <= today {
                errors.add("next_review", "Neste revisjon må være etter i dag.");
            } else if day > today + Duration::days(LONGEST_REVIEW_DAYS) {
                errors.add(
                    "next_review",
                    "Neste revisjon må være innen ett år. Planen skal revideres jevnlig.",
                );
            }
        }
        let reason = forms::optional_text(&mut errors, "reason", &self.reason, 5_000);
        if needs_reason && reason.is_empty() {
            errors.add(
                "reason",
                "Noen tiltak svarer ikke på noen frykt eller trussel. Begrunn hvorfor de likevel trengs, eller returner planen.",
            );
        }
        let late_reason =
            forms::optional_text(&mut errors, "late_reason", &self.late_reason, 5_000);
        if let (Some(day), Some(leaves)) = (next_review, departure) {
            if day >= leaves && late_reason.is_empty() {
                let message = if leaves <= today {
                    format!(
                        "Planlagt utflytting ({}) er passert. Endre datoen i saken, fyll inn «Utflyttet» hvis familien har flyttet, eller skriv hvorfor revisjonen kan vente.",
                        locale::date(leaves)
                    )
                } else {
                    format!(
                        "Planlagt utflytting er {}. Planen skal revideres før utflytting: velg en tidligere dato, eller skriv hvorfor revisjonen kan vente.",
                        locale::date(leaves)
                    )
                };
                errors.add("late_reason", message);
            }
        }
        let (Some(next_review_on), true) = (next_review, errors.is_empty()) else {
            return Err(errors);
        };
        // One decision comment: each answer under its own question.
        let reason = match late_reason.as_str() {
            "" => reason,
            late if reason.is_empty() => format!("Revisjon etter utflytting: {late}"),
            late => format!("{reason}\n\nRevisjon etter utflytting: {late}"),
        };
        Ok(Approval {
            next_review_on,
            reason,
            read_at: read_at(&self.lock_version),
        })
    }

    pub(super) fn typed(&self) -> Typed {
        Typed {
            comment: String::new(),
            reason: self.reason.clone(),
            late_reason: self.late_reason.clone(),
            next_review: self.next_review.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_approval_needs_a_reason_only_when_the_version_says_so() {
        let today = Date::from_calendar_date(2026, time::Month::November, 24).unwrap();
        let form = ApproveForm::read(&FormFields::of(&[
            ("next_review", " 22.12.2026 "),
            ("lock_version", "3"),
        ]));
        let approval = form.parse(today, false, None).unwrap();
        assert_eq!(approval.next_review_on, today + Duration::weeks(4));
        assert_eq!(approval.read_at, 3);
        let errors = form.parse(today, true, None).unwrap_err();
        assert!(errors.get("reason").is_some(), "P7");
        assert_eq!(form.typed().next_review, "22.12.2026");
    }

    #[test]
    fn a_return_needs_a_comment_and_reads_a_bad_version_as_none() {
        assert!(
            ReturnForm::read(&FormFields::of(&[("comment", "  ")]))
                .parse()
                .unwrap_err()
                .get("comment")
                .is_some()
        );
        let returning = ReturnForm::read(&FormFields::of(&[
            ("comment", "Mer om skolen"),
            ("lock_version", "x"),
        ]))
        .parse()
        .unwrap();
        assert_eq!(returning.read_at, 0);
    }

    #[test]
    fn p10_the_default_review_comes_before_a_planned_departure() {
        let today = Date::from_calendar_date(2026, time::Month::December, 1).unwrap();
        let leaves = Date::from_calendar_date(2026, time::Month::December, 15).unwrap();
        assert_eq!(
            default_next_review(today, Some(leaves)),
            leaves - Duration::weeks(1)
        );
        // Leaving in four days: the day before.
        assert_eq!(
            default_next_review(today, Some(today + Duration::days(4))),
            today + Duration::days(3)
        );
        assert_eq!(default_next_review(today, None), today + Duration::weeks(4));
        // Far off, or leaving tomorrow (no day in between): four weeks.
        assert_eq!(
            default_next_review(today, Some(today + Duration::weeks(10))),
            today + Duration::weeks(4)
        );
        assert_eq!(
            default_next_review(today, today.next_day()),
            today + Duration::weeks(4)
        );
    }

    #[test]
    fn p10_a_review_after_the_departure_needs_a_reason() {
        let today = Date::from_calendar_date(2026, time::Month::December, 1).unwrap();
        let leaves = Date::from_calendar_date(2026, time::Month::December, 15).unwrap();
        let late = |day: &str, why: &str| {
            ApproveForm::read(&FormFields::of(&[
                ("next_review", day),
                ("late_reason", why),
            ]))
        };
        let errors = late("22.12.2026", "")
            .parse(today, false, Some(leaves))
            .unwrap_err();
        assert!(errors.get("late_reason").unwrap().contains("15.12.2026"));
        assert!(
            errors.get("reason").is_none(),
            "the other question is not asked"
        );
        // On the day of departure is too late as well.
        assert!(
            late("15.12.2026", "")
                .parse(today, false, Some(leaves))
                .is_err()
        );
        let approval = late("22.12.2026", "Familien blir boende i kommunen.")
            .parse(today, false, Some(leaves))
            .unwrap();
        assert_eq!(
            approval.reason,
            "Revisjon etter utflytting: Familien blir boende i kommunen."
        );
        assert!(late("22.12.2026", "").parse(today, false, None).is_ok());
        // A departure already passed: the message says what to do instead.
        let passed = late("22.12.2026", "")
            .parse(today, false, Some(today - Duration::days(2)))
            .unwrap_err();
        assert!(passed.get("late_reason").unwrap().contains("er passert"));
    }
}
