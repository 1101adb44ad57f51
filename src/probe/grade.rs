//! How the probe grades what it sends: forgeries (accepted is FAIL, a crash WARN) and genuine
//! variants (rejected is INTEROP).

use super::cases::info;
use super::{Answered, CaseResult, Grade, Probe};
use crate::delivery::Delivery;

impl Probe {
    pub(super) fn result(
        &self,
        id: &str,
        grade: Grade,
        sent: String,
        expected: &'static str,
        why: String,
    ) -> CaseResult {
        CaseResult {
            info: info(id),
            grade,
            sent,
            expected,
            answer: None,
            why,
            advice: None,
        }
    }

    pub(super) fn not_applicable(&mut self, id: &'static str, why: &str) {
        let result = self.result(id, Grade::NotApplicable, String::new(), "", why.to_string());
        self.record(result);
    }

    pub(super) fn graded(
        &mut self,
        id: &'static str,
        mut result: CaseResult,
        answer: Option<Answered>,
        advice: &str,
    ) {
        result.answer = answer;
        if matches!(result.grade, Grade::Fail | Grade::Warn | Grade::Interop) {
            result.advice = Some(advice.to_string());
        }
        debug_assert_eq!(result.info.id, id);
        self.record(result);
    }

    /// Send forgeries; the worst answer decides: accepted is FAIL, a crash WARN, else PASS.
    pub(super) async fn forgeries(
        &mut self,
        id: &'static str,
        tries: Vec<(String, Delivery, Vec<String>)>,
        advice: &str,
    ) {
        self.forgeries_graded(id, tries, Grade::Fail, "", advice)
            .await
    }

    /// [`Probe::forgeries`], with `accepted` the grade of an accepted one (WARN where accepting is
    /// weaker than the provider's libraries rather than a forgery) and `why_accepted` said of it.
    pub(super) async fn forgeries_graded(
        &mut self,
        id: &'static str,
        tries: Vec<(String, Delivery, Vec<String>)>,
        accepted: Grade,
        why_accepted: &str,
        advice: &str,
    ) {
        if tries.is_empty() {
            return self.not_applicable(id, "the scheme has no such signature");
        }
        let sent = tries
            .iter()
            .map(|(label, _, _)| label.clone())
            .collect::<Vec<_>>()
            .join("; ");
        let mut worst = (Grade::Pass, String::from("every one was rejected"), None);
        for (label, delivery, valid) in tries {
            let (grade, why, answer) = match self.send(id, &delivery, &valid).await {
                Ok(answer) if self.accepts(answer.status) => (
                    accepted,
                    format!("accepted {label} with {}{why_accepted}", answer.status),
                    Some(answer),
                ),
                Ok(answer) if self.crashed(answer.status) => (
                    Grade::Warn,
                    format!(
                        "answered {label} with {}: a crash on hostile input",
                        answer.status
                    ),
                    Some(answer),
                ),
                Ok(answer) => {
                    let why = format!("rejected with {}", answer.status);
                    (Grade::Pass, why, Some(answer))
                }
                Err(error) => (Grade::Info, format!("no answer to {label}: {error}"), None),
            };
            let rank = |g: Grade| match g {
                Grade::Fail => 4,
                Grade::Warn if g == accepted => 3,
                Grade::Warn => 2,
                Grade::Info => 1,
                _ => 0,
            };
            if rank(grade) > rank(worst.0)
                || (worst.2.is_none() && answer.is_some() && rank(grade) == rank(worst.0))
            {
                worst = (grade, why, answer);
            }
        }
        let result = self.result(id, worst.0, sent, "rejected", worst.1);
        self.graded(id, result, worst.2, advice);
    }

    /// Send a genuine variant: accepted is PASS, rejected INTEROP.
    pub(super) async fn genuine_variant(
        &mut self,
        id: &'static str,
        label: String,
        delivery: Delivery,
        title_case: bool,
        advice: &str,
    ) {
        let result = self
            .genuine_variant_result(id, label, delivery, title_case, advice)
            .await;
        self.record(result);
    }

    pub(super) async fn genuine_variant_result(
        &mut self,
        id: &'static str,
        label: String,
        delivery: Delivery,
        title_case: bool,
        advice: &str,
    ) -> CaseResult {
        let (grade, why, answer) = match self.send_with(id, &delivery, &[], title_case).await {
            Ok(answer) if self.accepts(answer.status) => (
                Grade::Pass,
                format!("accepted with {}", answer.status),
                Some(answer),
            ),
            Ok(answer) => (
                Grade::Interop,
                format!("a genuine delivery was rejected with {}", answer.status),
                Some(answer),
            ),
            Err(error) => (Grade::Info, format!("no answer: {error}"), None),
        };
        let mut result = self.result(id, grade, label, "accepted", why);
        result.answer = answer;
        if grade == Grade::Interop {
            result.advice = Some(advice.to_string());
        }
        result
    }
}
