//! Prometheus metrics of the delivery engine, served at `/metrics`: outcomes
//! by push-service host, publish-to-delivery latency, queue depth, and the
//! pace (the process's limit, and how long messages waited for it).

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// A delivery outcome at one push service.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// delivered, gone, retry, failed.
    pub outcome: &'static str,
    /// The push service's host name (never the endpoint path: a capability),
    /// shared with the sender rather than copied per message.
    pub host: Arc<String>,
}

/// Every metric, registered once.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub outcomes: Family<OutcomeLabels, Counter>,
    pub latency: Histogram,
    pub pending_shards: Gauge,
    pub pending_retries: Gauge,
    /// The process's pace (`push.max_messages_per_second`; 0: none).
    pub pace_limit: Gauge,
    /// Seconds messages waited for their turn under that pace.
    pub paced_seconds: Counter<f64, AtomicU64>,
    /// Seconds messages waited for their turn in a job spread over minutes.
    pub spread_seconds: Counter<f64, AtomicU64>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("herald_push");
        let outcomes = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "messages",
            "Push messages by outcome and push-service host",
            outcomes.clone(),
        );
        let latency = Histogram::new(exponential_buckets(0.005, 2.0, 16));
        registry.register(
            "publish_to_delivery_seconds",
            "Time from a story's fan-out being planned to each message being accepted",
            latency.clone(),
        );
        let pending_shards = Gauge::default();
        registry.register(
            "pending_shards",
            "Fan-out shards not yet finished",
            pending_shards.clone(),
        );
        let pending_retries = Gauge::default();
        registry.register(
            "pending_retries",
            "Messages waiting for another try",
            pending_retries.clone(),
        );
        let pace_limit = Gauge::default();
        registry.register(
            "max_messages_per_second",
            "Messages this process sends per second at most (push.max_messages_per_second; 0: no limit)",
            pace_limit.clone(),
        );
        let paced_seconds = Counter::<f64, AtomicU64>::default();
        registry.register(
            "paced_seconds",
            "Seconds messages waited for their turn under push.max_messages_per_second",
            paced_seconds.clone(),
        );
        let spread_seconds = Counter::<f64, AtomicU64>::default();
        registry.register(
            "spread_seconds",
            "Seconds messages waited for their turn in a notification spread over minutes",
            spread_seconds.clone(),
        );
        Metrics {
            registry,
            spread_seconds,
            pace_limit,
            paced_seconds,
            outcomes,
            latency,
            pending_shards,
            pending_retries,
        }
    }
}

impl Metrics {
    /// Counts one outcome at `host`.
    pub fn count(&self, outcome: &'static str, host: &Arc<String>) {
        self.outcomes
            .get_or_create(&OutcomeLabels {
                outcome,
                host: host.clone(),
            })
            .inc();
    }

    /// The text exposition format, with the metrics of `others` (the page
    /// cache's) after these.
    pub fn encode(&self, others: &[&Registry]) -> String {
        use prometheus_client::encoding::text::{encode_eof, encode_registry};
        let mut text = String::new();
        // Writing to a String cannot fail.
        for registry in std::iter::once(&self.registry).chain(others.iter().copied()) {
            let _ = encode_registry(&mut text, registry);
        }
        let _ = encode_eof(&mut text);
        text
    }
}
