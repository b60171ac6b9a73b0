//! Single flight: when many requests miss the same cached page at once,
//! one renders it and the others wait for that render.
//!
//! The first to [`Flights::join`] a key leads: it renders, then
//! [`Lead::finish`]es with the result. Those who join while it renders
//! follow and receive that result. A lead that fails, or whose request is
//! dropped mid-render, ends without a result: its followers learn it at
//! once and render for themselves (errors are not shared nor cached).
//! [`Flights::forget_all`] detaches every flight in progress, so requests
//! that arrive after a content change never wait for a render that began
//! before it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::watch;

/// A flight in progress: its lead's id, and where its result will appear.
type Flight<T> = (u64, watch::Receiver<Option<T>>);

/// The renders in progress, by key.
#[derive(Debug)]
pub struct Flights<T> {
    in_progress: Mutex<HashMap<String, Flight<T>>>,
    next_id: AtomicU64,
}

impl<T> Default for Flights<T> {
    fn default() -> Self {
        Flights {
            in_progress: Mutex::default(),
            next_id: AtomicU64::new(0),
        }
    }
}

/// A request's part in a flight.
pub enum Role<'a, T> {
    /// Found ready (checked while no flight could end unseen).
    Ready(T),
    /// Renders, then finishes.
    Lead(Lead<'a, T>),
    /// Waits for the lead's result.
    Follow(Follower<T>),
}

/// The request that renders for the others.
pub struct Lead<'a, T> {
    flights: &'a Flights<T>,
    key: String,
    id: u64,
    result: watch::Sender<Option<T>>,
}

/// A request waiting for the lead's render.
pub struct Follower<T>(watch::Receiver<Option<T>>);

impl<T: Clone> Flights<T> {
    /// Joins the flight for `key`: `ready` first says whether the value is
    /// already there (asked under the same lock a lead finishes under, so a
    /// request sees either the finished value or the flight).
    pub fn join(&self, key: &str, ready: impl FnOnce() -> Option<T>) -> Role<'_, T> {
        let Ok(mut in_progress) = self.in_progress.lock() else {
            return Role::Lead(self.lead(key));
        };
        if let Some(value) = ready() {
            return Role::Ready(value);
        }
        if let Some((_, receiver)) = in_progress.get(key) {
            return Role::Follow(Follower(receiver.clone()));
        }
        let lead = self.lead(key);
        in_progress.insert(key.to_owned(), (lead.id, lead.result.subscribe()));
        Role::Lead(lead)
    }

    fn lead(&self, key: &str) -> Lead<'_, T> {
        Lead {
            flights: self,
            key: key.to_owned(),
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            result: watch::Sender::new(None),
        }
    }

    /// Detaches every flight in progress: later requests start their own.
    pub fn forget_all(&self) {
        if let Ok(mut in_progress) = self.in_progress.lock() {
            in_progress.clear();
        }
    }
}

impl<T> Lead<'_, T> {
    /// Hands the result to every follower.
    pub fn finish(self, value: T) {
        self.result.send_replace(Some(value));
    }
}

impl<T> Drop for Lead<'_, T> {
    fn drop(&mut self) {
        if let Ok(mut in_progress) = self.flights.in_progress.lock()
            && in_progress
                .get(&self.key)
                .is_some_and(|(id, _)| *id == self.id)
        {
            in_progress.remove(&self.key);
        }
    }
}

impl<T: Clone> Follower<T> {
    /// The lead's result, or `None` when it ended without one.
    pub async fn result(mut self) -> Option<T> {
        self.0
            .wait_for(Option::is_some)
            .await
            .ok()
            .and_then(|value| value.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn followers_get_the_leads_value_and_a_failed_lead_frees_them() {
        let flights = Flights::<u32>::default();
        let Role::Lead(lead) = flights.join("k", || None) else {
            panic!("the first request leads");
        };
        let Role::Follow(follower) = flights.join("k", || None) else {
            panic!("the second follows");
        };
        lead.finish(7);
        assert_eq!(follower.result().await, Some(7));
        assert!(matches!(flights.join("k", || Some(1)), Role::Ready(1)));

        let Role::Lead(lead) = flights.join("k", || None) else {
            panic!("a new flight once the last finished");
        };
        let Role::Follow(follower) = flights.join("k", || None) else {
            panic!("follows");
        };
        drop(lead);
        assert_eq!(follower.result().await, None);
    }
}
