//! Deliveries over time for a story's stats page: the recorded per-minute
//! outcomes cut into at most [`MAX_POINTS`] equal spans (a minute, five,
//! an hour… whatever covers the time the story's notifications took), one
//! series per notification job, drawn by [`super::charts`] and listed in a
//! table of the same numbers. Pure: unit-tested here.

use chrono::DateTime;
use chrono_tz::Tz;

use super::charts::{self, LineChart};
use crate::content::dates;
use crate::store::DeliveryTally;

/// Points on the chart at most.
pub const MAX_POINTS: i64 = 60;
/// The spans a point may stand for, in minutes: the first that keeps the
/// chart within [`MAX_POINTS`].
const SPANS: [i64; 12] = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];
/// About how many labels the time axis has.
const AXIS_LABELS: usize = 6;

/// A job as the chart names it.
#[derive(Debug, Clone)]
pub struct ChartJob {
    pub id: i64,
    /// "Original", "Update 1"…
    pub name: String,
    /// Unix minute it started sending, if it has.
    pub start: Option<i64>,
}

/// The chart and its table.
#[derive(Debug, Clone)]
pub struct DeliveryChart {
    pub chart: LineChart,
    /// "minute", "5 minutes", "hour"…: what each point counts.
    pub span: String,
    /// The series' names, the table's columns.
    pub names: Vec<String>,
    pub rows: Vec<ChartRow>,
}

/// A point in time and each job's deliveries in the span from it.
#[derive(Debug, Clone)]
pub struct ChartRow {
    pub iso: String,
    /// The span's start, in the site's style.
    pub when: String,
    /// Per job, "–" before the job started.
    pub values: Vec<String>,
}

/// Deliveries per span for each of `jobs` (those with recorded outcomes),
/// times shown in `zone`; `None` when nothing is recorded yet.
pub fn delivery_chart(
    jobs: &[ChartJob],
    tallies: &[DeliveryTally],
    zone: Tz,
) -> Option<DeliveryChart> {
    let first = tallies.iter().map(|t| t.minute).min()?;
    let last = tallies.iter().map(|t| t.minute).max()?;
    let jobs: Vec<&ChartJob> = jobs
        .iter()
        .filter(|j| tallies.iter().any(|t| t.job_id == j.id))
        .collect();
    let first = jobs
        .iter()
        .filter_map(|j| j.start)
        .min()
        .map_or(first, |s| s.min(first));
    let span = SPANS
        .into_iter()
        .find(|s| last.div_euclid(*s) - first.div_euclid(*s) < MAX_POINTS)
        .unwrap_or(1440);
    let start = first.div_euclid(span);
    let count = (last.div_euclid(span) - start + 1) as usize;
    let series: Vec<(String, Vec<Option<i64>>)> = jobs
        .iter()
        .map(|job| {
            let began = job
                .start
                .or_else(|| {
                    tallies
                        .iter()
                        .filter(|t| t.job_id == job.id)
                        .map(|t| t.minute)
                        .min()
                })
                .map_or(0, |m| m.div_euclid(span) - start);
            let mut values: Vec<Option<i64>> = (0..count as i64)
                .map(|i| (i >= began).then_some(0))
                .collect();
            for t in tallies.iter().filter(|t| t.job_id == job.id) {
                let i = (t.minute.div_euclid(span) - start) as usize;
                if let Some(Some(v)) = values.get_mut(i) {
                    *v += t.delivered;
                }
            }
            (job.name.clone(), values)
        })
        .collect();
    let times: Vec<DateTime<chrono::Utc>> = (0..count as i64)
        .filter_map(|i| DateTime::from_timestamp((start + i) * span * 60, 0))
        .collect();
    let one_day = times.first().zip(times.last()).is_some_and(|(a, b)| {
        a.with_timezone(&zone).date_naive() == b.with_timezone(&zone).date_naive()
    });
    let format = match (span >= 1440, one_day) {
        (true, _) => "%-d %b",
        (false, true) => "%H:%M",
        (false, false) => "%-d %b %H:%M",
    };
    let labels: Vec<String> = times
        .iter()
        .map(|t| t.with_timezone(&zone).format(format).to_string())
        .collect();
    let chart = charts::line_chart_every(&labels, &series, count.div_ceil(AXIS_LABELS).max(1));
    let rows = times
        .iter()
        .enumerate()
        .map(|(i, t)| ChartRow {
            iso: dates::iso(*t),
            when: dates::full(*t, zone),
            values: series
                .iter()
                .map(|(_, v)| v[i].map_or_else(|| "–".to_owned(), |n| n.to_string()))
                .collect(),
        })
        .collect();
    Some(DeliveryChart {
        chart,
        span: span_words(span),
        names: series.into_iter().map(|(name, _)| name).collect(),
        rows,
    })
}

impl DeliveryChart {
    /// The chart's title.
    pub fn title(&self) -> String {
        format!("Notifications delivered per {}", self.span)
    }

    /// What the chart shows, for those who cannot see it.
    pub fn description(&self) -> String {
        format!(
            "A line per notification ({}), one point per {}, the latest at the right. \
             The numbers are in the table below the chart.",
            self.names.join(", "),
            self.span
        )
    }
}

/// "minute", "5 minutes", "hour", "2 hours", "day".
fn span_words(minutes: i64) -> String {
    match minutes {
        1 => "minute".to_owned(),
        60 => "hour".to_owned(),
        1440 => "day".to_owned(),
        m if m % 60 == 0 => format!("{} hours", m / 60),
        m => format!("{m} minutes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(job_id: i64, minute: i64, delivered: i64) -> DeliveryTally {
        DeliveryTally {
            job_id,
            minute,
            host: "fcm.googleapis.com".into(),
            delivered,
            gone: 0,
            failed: 0,
        }
    }

    /// 4 December 2026, 20:13 UTC, in Unix minutes.
    const AT: i64 = 1_796_415_180 / 60;

    #[test]
    fn minutes_for_a_short_fan_out_one_series_per_job() {
        let jobs = [
            ChartJob {
                id: 1,
                name: "Original".into(),
                start: Some(AT),
            },
            ChartJob {
                id: 2,
                name: "Update 1".into(),
                start: Some(AT + 2),
            },
            // Never sent: not drawn.
            ChartJob {
                id: 3,
                name: "Update 2".into(),
                start: None,
            },
        ];
        let tallies = [
            tally(1, AT, 5),
            tally(1, AT, 2),
            tally(1, AT + 1, 1),
            tally(2, AT + 3, 4),
        ];
        let chart = delivery_chart(&jobs, &tallies, Tz::UTC).expect("a chart");
        assert_eq!(chart.span, "minute");
        assert_eq!(chart.names, ["Original", "Update 1"]);
        let rows: Vec<(&str, Vec<&str>)> = chart
            .rows
            .iter()
            .map(|r| {
                (
                    r.when.as_str(),
                    r.values.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("4 December 2026, 20:13 UTC", vec!["7", "–"]),
                ("4 December 2026, 20:14 UTC", vec!["1", "–"]),
                ("4 December 2026, 20:15 UTC", vec!["0", "0"]),
                ("4 December 2026, 20:16 UTC", vec!["0", "4"]),
            ]
        );
        assert_eq!(chart.rows[0].iso, "2026-12-04T20:13:00Z");
        assert_eq!(chart.chart.series.len(), 2);
        let ticks: Vec<&str> = chart
            .chart
            .x_ticks
            .iter()
            .map(|t| t.label.as_str())
            .collect();
        assert_eq!(ticks.first(), Some(&"20:13"));
        assert_eq!(ticks.last(), Some(&"20:16"));
    }

    #[test]
    fn longer_spans_keep_the_chart_small_and_times_are_the_zones() {
        let jobs = [ChartJob {
            id: 1,
            name: "Original".into(),
            start: Some(AT),
        }];
        // Retries trickling in for three hours: 5-minute spans.
        let tallies = [
            tally(1, AT, 100),
            tally(1, AT + 1, 1),
            tally(1, AT + 180, 1),
        ];
        let london: Tz = "Europe/London".parse().expect("zone");
        let chart = delivery_chart(&jobs, &tallies, london).expect("a chart");
        assert_eq!(chart.span, "5 minutes");
        assert!(chart.rows.len() as i64 <= MAX_POINTS);
        assert_eq!(chart.rows[0].values, ["101"]);
        assert_eq!(chart.rows[0].when, "4 December 2026, 20:10 GMT");
        let total: i64 = chart
            .rows
            .iter()
            .map(|r| r.values[0].parse::<i64>().expect("a number"))
            .sum();
        assert_eq!(total, 102);
        // Two days: the labels name the day.
        let tallies = [tally(1, AT, 1), tally(1, AT + 2 * 1440, 1)];
        let chart = delivery_chart(&jobs, &tallies, Tz::UTC).expect("a chart");
        assert_eq!(chart.span, "hour");
        assert_eq!(chart.chart.x_ticks[0].label, "4 Dec 20:00");
        assert!(delivery_chart(&jobs, &[], Tz::UTC).is_none());
    }

    #[test]
    fn spans_are_named_for_people() {
        assert_eq!(span_words(1), "minute");
        assert_eq!(span_words(15), "15 minutes");
        assert_eq!(span_words(120), "2 hours");
        assert_eq!(span_words(1440), "day");
    }
}
