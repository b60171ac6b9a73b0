//! Confirmations before the newsroom reaches readers or destroys
//! something. Publishing or scheduling with a notification, and sending
//! an update, first show the editor again with a `<dialog>` that names
//! how many readers it will reach now and how many their reminder
//! settings will hold ("Publish and notify 12,408 readers who follow
//! Politics or Russia?"); only its button, which posts the same form with
//! `…-confirmed`, acts. The page works without script (the dialog is open
//! in the page; its Cancel closes it natively); the newsroom's script
//! makes it modal. The dialog carries the count it showed, so that the
//! confirmed post reports it without walking the audience a second time
//! (the fan-out walks it again, for real, when it sends). Destructive actions (unpublish, remove an account,
//! revoke a token, log out everywhere) answer a first post with a page
//! that says what will be lost, whose form posts `confirmed=1`.

use askama::Template;
use axum::response::Response;

use super::layout::{self, Chrome, Section};
use crate::accounts::Principal;
use crate::editorial::{AudienceCount, Pace, Plan, Reach};
use crate::web::AppState;

/// The suffix of an action whose confirmation was given.
const CONFIRMED: &str = "-confirmed";

/// Whether a form's `action` is a confirmed one (`publish-confirmed`).
pub fn is_confirmed_action(action: &str) -> bool {
    action.ends_with(CONFIRMED)
}

/// The action without its confirmation (`publish-confirmed` → `publish`).
pub fn plain_action(action: &str) -> &str {
    action.strip_suffix(CONFIRMED).unwrap_or(action)
}

/// The field a destructive form's confirmation page adds.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Confirmed {
    #[serde(default)]
    confirmed: String,
}

impl Confirmed {
    /// Whether the confirmation page's button sent the form.
    pub fn given(&self) -> bool {
        self.confirmed == "1"
    }
}

/// The dialog over the editor, asking before readers are notified.
#[derive(Debug, Clone)]
pub struct AudienceDialog {
    /// "Publish and notify 12,408 readers who follow Politics?"
    pub question: String,
    /// What reminders will hold, and when it happens.
    pub detail: String,
    /// The form the confirm button submits (`story-form`, `update-form`).
    pub form_id: &'static str,
    /// The confirm button's `action` value (`publish-confirmed`).
    pub action: String,
    pub button: &'static str,
    /// The count shown, sent back with the confirmation.
    pub count: AudienceCount,
}

/// The count a confirmation carries back from its dialog
/// ([`AudienceDialog::count`]), when it carries one: it is only reported
/// back to the editor who confirmed it.
pub fn confirmed_count(audience: &str, held_now: &str) -> Option<AudienceCount> {
    Some(AudienceCount {
        audience: audience.trim().parse().ok()?,
        held_now: held_now.trim().parse().ok()?,
    })
}

/// What is being confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notifying {
    Publish,
    Schedule,
    Update,
}

/// The dialog for `what`, going out as `plan` says, to `count` readers
/// now.
pub fn audience_dialog(what: Notifying, plan: &Plan, count: &AudienceCount) -> AudienceDialog {
    let reach = &plan.reach;
    let n = count.audience;
    let whom = match reach {
        Reach::Followers(topics) if !topics.is_empty() => format!(
            "{} who {} {}",
            readers(n),
            if n == 1 { "follows" } else { "follow" },
            Reach::topic_list(topics)
        ),
        Reach::Everyone => format!("every subscriber ({}), as breaking news", readers(n)),
        _ => readers(n),
    };
    let nobody = n == 0;
    let (question, form_id, action, button) = match what {
        Notifying::Publish if nobody => (
            "Publish without notifying anyone?".to_owned(),
            "story-form",
            "publish",
            "Publish",
        ),
        Notifying::Publish => (
            format!("Publish and notify {whom}?"),
            "story-form",
            "publish",
            "Publish and notify",
        ),
        Notifying::Schedule => (
            format!("Schedule with a notification? Right now it would reach {whom}."),
            "story-form",
            "schedule",
            "Schedule with notification",
        ),
        Notifying::Update if nobody => (
            "Send an update that reaches no one?".to_owned(),
            "update-form",
            "send",
            "Send the update",
        ),
        Notifying::Update => (
            format!("Send an updated notification to {whom}?"),
            "update-form",
            "send",
            "Send the update",
        ),
    };
    let detail = match reach {
        Reach::Followers(topics) if nobody && !topics.is_empty() => format!(
            "Nobody follows {} yet, so no reader would be notified.",
            Reach::topic_list(topics)
        ),
        Reach::Everyone if nobody => {
            "Nobody has subscribed to notifications yet, so no reader would be notified.".into()
        }
        _ => held_detail(count, &plan.pace, what),
    };
    AudienceDialog {
        question,
        detail,
        form_id,
        action: format!("{action}{CONFIRMED}"),
        button,
        count: count.clone(),
    }
}

fn held_detail(count: &AudienceCount, pace: &Pace, what: Notifying) -> String {
    if count.audience == 0 {
        return "No reader will be notified: nobody follows these topics yet.".into();
    }
    let held = match (count.held_now, pace.spread_minutes) {
        (0, 0) => {
            "Every one of them gets it now; nobody's quiet hours or daily limit holds it back."
                .to_owned()
        }
        (0, _) => "Nobody's quiet hours or daily limit holds it back.".to_owned(),
        (held, _) => format!(
            "{} of them are in their quiet hours or at their daily limit: they get it in their next digest instead.",
            grouped(held)
        ),
    };
    match pace_sentence(pace, what) {
        Some(pace) => format!("{held} {pace}"),
        None => held,
    }
}

/// When a spread notification reaches its readers, or why the spread asked
/// for does not apply; `None` for a notification sent at once as asked.
fn pace_sentence(pace: &Pace, what: Notifying) -> Option<String> {
    if pace.spread_minutes > 0 {
        let over = duration(pace.spread_minutes);
        return Some(format!(
            "It is spread over {over}: readers get it a share at a time, the last about {over} after sending starts."
        ));
    }
    if pace.asked_minutes == 0 {
        return None;
    }
    let asked = duration(pace.asked_minutes);
    Some(match what {
        Notifying::Publish | Notifying::Schedule => format!(
            "As breaking news it goes to all of them at once, not over {asked}: tick “Spread breaking news too” to spread it."
        ),
        Notifying::Update => {
            format!("As breaking news it goes to all of them at once, not over {asked}.")
        }
    })
}

/// "1 minute", "45 minutes", "2 hours", "1 hour and 30 minutes".
pub fn duration(minutes: u32) -> String {
    let unit = |n: u32, one: &str| match n {
        1 => format!("1 {one}"),
        n => format!("{n} {one}s"),
    };
    match (minutes / 60, minutes % 60) {
        (0, m) => unit(m, "minute"),
        (h, 0) => unit(h, "hour"),
        (h, m) => format!("{} and {}", unit(h, "hour"), unit(m, "minute")),
    }
}

/// "1 reader", "12,408 readers".
pub fn readers(n: u64) -> String {
    match n {
        1 => "1 reader".into(),
        n => format!("{} readers", grouped(n)),
    }
}

/// `n` with thousands separated by commas: 12408 → "12,408".
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What a finished notifying action says: how many it went to.
pub fn reached_message(audience: u64, held: u64) -> String {
    match (audience, held) {
        (0, _) => "No reader follows its topics, so no notification was sent.".into(),
        (n, 0) => format!("The notification is on its way to {}.", readers(n)),
        (n, held) => format!(
            "The notification is on its way to {}; {} will get it in their next digest.",
            readers(n),
            grouped(held)
        ),
    }
}

/// A page that asks before a destructive action.
#[derive(Template)]
#[template(path = "newsroom/confirm.html")]
pub struct ConfirmPage {
    pub chrome: Chrome,
    pub csrf: String,
    /// "Unpublish “Harbour wall gives way”?"
    pub question: String,
    /// What is lost, one sentence each.
    pub losses: Vec<String>,
    /// Where the confirmed form posts.
    pub action_url: String,
    pub button: String,
    /// Where Cancel goes.
    pub back_url: String,
}

/// A destructive action's confirmation page.
pub struct Destructive<'a> {
    pub section: Section,
    pub question: String,
    pub losses: Vec<String>,
    pub action_url: String,
    pub button: &'a str,
    pub back_url: String,
}

/// Renders the confirmation page of `what` for `user`.
pub fn destructive_page(state: &AppState, user: &Principal, what: Destructive<'_>) -> Response {
    let page = ConfirmPage {
        chrome: Chrome::for_user(state, user, what.section),
        csrf: user.csrf_token().unwrap_or_default().to_owned(),
        question: what.question,
        losses: what.losses,
        action_url: what.action_url,
        button: what.button.to_owned(),
        back_url: what.back_url,
    };
    layout::render(&page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::model::TopicRef;

    #[test]
    fn counts_read_as_a_person_writes_them() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(12_408), "12,408");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(readers(1), "1 reader");
        assert_eq!(readers(2), "2 readers");
        assert_eq!(
            reached_message(12_408, 312),
            "The notification is on its way to 12,408 readers; 312 will get it in their next digest."
        );
    }

    fn topic(name: &str) -> TopicRef {
        TopicRef {
            slug: name.to_lowercase(),
            name: name.to_owned(),
        }
    }

    /// A plan sent at once, or spread over `asked` minutes, of which
    /// `spread` apply.
    fn plan(reach: &Reach, spread: u32, asked: u32) -> Plan {
        Plan {
            reach: reach.clone(),
            pace: Pace {
                spread_minutes: spread,
                asked_minutes: asked,
            },
        }
    }

    fn count(audience: u64, held_now: u64) -> AudienceCount {
        AudienceCount { audience, held_now }
    }

    #[test]
    fn the_question_names_whom_it_reaches() {
        let politics = Reach::Followers(vec![topic("Politics"), topic("Russia")]);
        let at_once = |reach: &Reach| plan(reach, 0, 0);
        let dialog = audience_dialog(Notifying::Publish, &at_once(&politics), &count(12_408, 312));
        assert_eq!(
            dialog.question,
            "Publish and notify 12,408 readers who follow Politics or Russia?"
        );
        assert_eq!(
            dialog.detail,
            "312 of them are in their quiet hours or at their daily limit: they get it in their next digest instead."
        );
        assert_eq!(
            (dialog.form_id, dialog.action.as_str()),
            ("story-form", "publish-confirmed")
        );
        let one = audience_dialog(Notifying::Update, &at_once(&politics), &count(1, 0));
        assert_eq!(
            one.question,
            "Send an updated notification to 1 reader who follows Politics or Russia?"
        );
        assert_eq!(
            one.detail,
            "Every one of them gets it now; nobody's quiet hours or daily limit holds it back."
        );
        let breaking = audience_dialog(
            Notifying::Publish,
            &at_once(&Reach::Everyone),
            &count(40, 0),
        );
        assert_eq!(
            breaking.question,
            "Publish and notify every subscriber (40 readers), as breaking news?"
        );
        let no_subscriber =
            audience_dialog(Notifying::Publish, &at_once(&Reach::Everyone), &count(0, 0));
        assert_eq!(
            no_subscriber.detail,
            "Nobody has subscribed to notifications yet, so no reader would be notified."
        );
        let nobody = audience_dialog(Notifying::Publish, &at_once(&politics), &count(0, 0));
        assert_eq!(nobody.question, "Publish without notifying anyone?");
        assert_eq!(
            nobody.detail,
            "Nobody follows Politics or Russia yet, so no reader would be notified."
        );
        assert_eq!(nobody.button, "Publish");
    }

    #[test]
    fn the_detail_says_when_readers_get_it() {
        let politics = Reach::Followers(vec![topic("Politics")]);
        // Spread: nobody "gets it now".
        let spread = audience_dialog(Notifying::Publish, &plan(&politics, 30, 30), &count(200, 0));
        assert_eq!(
            spread.detail,
            "Nobody's quiet hours or daily limit holds it back. It is spread over 30 minutes: \
             readers get it a share at a time, the last about 30 minutes after sending starts."
        );
        let held = audience_dialog(Notifying::Update, &plan(&politics, 90, 90), &count(200, 12));
        assert!(
            held.detail
                .starts_with("12 of them are in their quiet hours")
                && held.detail.ends_with(
                    "It is spread over 1 hour and 30 minutes: readers get it a share at a time, \
                     the last about 1 hour and 30 minutes after sending starts."
                ),
            "{}",
            held.detail
        );
        // Asked for, but breaking news goes at once: the editor is told
        // why, and on the push panel how to spread it anyway.
        let breaking = plan(&Reach::Everyone, 0, 45);
        let publish = audience_dialog(Notifying::Schedule, &breaking, &count(40, 0));
        assert!(
            publish.detail.ends_with(
                "As breaking news it goes to all of them at once, not over 45 minutes: \
                 tick “Spread breaking news too” to spread it."
            ),
            "{}",
            publish.detail
        );
        let update = audience_dialog(Notifying::Update, &breaking, &count(40, 0));
        assert!(
            update
                .detail
                .ends_with("As breaking news it goes to all of them at once, not over 45 minutes."),
            "{}",
            update.detail
        );
        // Nobody to reach: nothing about when.
        let nobody = audience_dialog(Notifying::Publish, &plan(&politics, 30, 30), &count(0, 0));
        assert!(!nobody.detail.contains("spread"), "{}", nobody.detail);
    }

    #[test]
    fn durations_read_as_a_person_says_them() {
        assert_eq!(duration(1), "1 minute");
        assert_eq!(duration(45), "45 minutes");
        assert_eq!(duration(60), "1 hour");
        assert_eq!(duration(61), "1 hour and 1 minute");
        assert_eq!(duration(150), "2 hours and 30 minutes");
        assert_eq!(duration(1440), "24 hours");
    }

    #[test]
    fn confirmed_actions_are_told_apart() {
        assert!(is_confirmed_action("publish-confirmed"));
        assert!(!is_confirmed_action("publish"));
        assert_eq!(plain_action("schedule-confirmed"), "schedule");
        assert_eq!(plain_action("save"), "save");
    }
}
