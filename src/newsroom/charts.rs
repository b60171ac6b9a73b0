//! The dashboard's charts as pure functions from numbers to SVG shapes:
//! scales, paths and label positions are computed here and unit-tested; the
//! templates only draw them. Every chart is paired with a table of the same
//! numbers on the page, and each line is labelled with its name at its end,
//! so nothing depends on telling colours apart.

/// Line colours, each at least 3:1 against white (WCAG 1.4.11).
pub const PALETTE: [&str; 6] = [
    "#0b5cad", "#a40000", "#1b6b1b", "#6a3d9a", "#8a4b00", "#00606b",
];

/// Rounds to a tenth of a pixel, so the SVG stays short.
fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// The smallest "nice" step (1, 2 or 5 times a power of ten) that covers
/// `max` in at most `count` steps.
pub fn nice_step(max: i64, count: u32) -> i64 {
    let count = i64::from(count.max(1));
    let raw = (max.max(1) + count - 1) / count;
    let mut power = 1i64;
    while power.saturating_mul(10) <= raw {
        power *= 10;
    }
    [1, 2, 5, 10]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= raw)
        .unwrap_or(10 * power)
}

/// Ticks from zero up to the first multiple of a nice step at or above `max`.
pub fn nice_ticks(max: i64, count: u32) -> Vec<i64> {
    let step = nice_step(max, count);
    let top = ((max.max(1) + step - 1) / step) * step;
    (0..=top / step).map(|i| i * step).collect()
}

/// An SVG path through `points`; `None` is a gap that starts a new segment.
/// A point alone between gaps becomes a dot (a zero-length line drawn with
/// round caps), so a single day's number still shows.
pub fn svg_path(points: &[Option<(f64, f64)>]) -> String {
    let mut path = String::new();
    let mut segment_len = 0;
    for (i, point) in points.iter().enumerate() {
        match point {
            Some((x, y)) => {
                let command = if segment_len == 0 { 'M' } else { 'L' };
                if !path.is_empty() {
                    path.push(' ');
                }
                path.push_str(&format!("{command}{} {}", round1(*x), round1(*y)));
                segment_len += 1;
                let next_is_gap = points.get(i + 1).is_none_or(Option::is_none);
                if segment_len == 1 && next_is_gap {
                    path.push_str(" h0");
                }
            }
            None => segment_len = 0,
        }
    }
    path
}

/// Moves label positions (in any order) apart so that each is at least
/// `gap` from the next, staying within `top..=bottom` where they fit, and
/// moving each as little as this simple two-pass scheme allows.
pub fn spread_labels(ys: &[f64], gap: f64, top: f64, bottom: f64) -> Vec<f64> {
    let mut order: Vec<usize> = (0..ys.len()).collect();
    order.sort_by(|a, b| ys[*a].total_cmp(&ys[*b]));
    let mut placed: Vec<f64> = order.iter().map(|i| ys[*i].clamp(top, bottom)).collect();
    for i in 1..placed.len() {
        placed[i] = placed[i].max(placed[i - 1] + gap);
    }
    if let Some(last) = placed.last_mut() {
        *last = last.min(bottom);
    }
    for i in (0..placed.len().saturating_sub(1)).rev() {
        placed[i] = placed[i].min(placed[i + 1] - gap);
    }
    let mut out = vec![0.0; ys.len()];
    for (slot, i) in order.into_iter().enumerate() {
        out[i] = round1(placed[slot]);
    }
    out
}

/// A horizontal bar chart: one bar per labelled number.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub width: u32,
    pub height: u32,
    /// Where bars start; labels end a little left of it.
    pub bars_x: u32,
    pub labels_x: u32,
    pub bars: Vec<Bar>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Shortened to fit; the table beside the chart has the full name.
    pub label: String,
    pub value: i64,
    pub y: f64,
    pub length: f64,
    pub thickness: f64,
    /// The baseline of the label and value texts.
    pub text_y: f64,
    /// Where the value is written, just past the bar's end.
    pub value_x: f64,
}

const BAR_CHART_WIDTH: u32 = 640;
const BAR_LABEL_WIDTH: u32 = 170;
const BAR_VALUE_ROOM: f64 = 60.0;
const BAR_ROW: f64 = 26.0;
const BAR_THICKNESS: f64 = 18.0;
const LABEL_CHARS: usize = 22;

/// Shortens `text` to `max` characters, ending with "…" when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.truncate(short.trim_end().len());
    short.push('…');
    short
}

/// Bars for `items` (label, value), in the order given, scaled so that the
/// largest fills the width.
pub fn bar_chart(items: &[(String, i64)]) -> BarChart {
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let room = f64::from(BAR_CHART_WIDTH - BAR_LABEL_WIDTH) - BAR_VALUE_ROOM;
    let bars = items
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let y = 4.0 + i as f64 * BAR_ROW;
            let length = round1((*value).max(0) as f64 / max * room);
            Bar {
                label: shorten(label, LABEL_CHARS),
                value: *value,
                y,
                length,
                thickness: BAR_THICKNESS,
                text_y: y + 13.5,
                value_x: round1(f64::from(BAR_LABEL_WIDTH) + length + 6.0),
            }
        })
        .collect();
    BarChart {
        width: BAR_CHART_WIDTH,
        height: (8.0 + items.len() as f64 * BAR_ROW).ceil() as u32,
        bars_x: BAR_LABEL_WIDTH,
        labels_x: BAR_LABEL_WIDTH - 8,
        bars,
    }
}

/// A line chart of several series over the same days.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    pub width: u32,
    pub height: u32,
    pub plot_left: f64,
    pub plot_right: f64,
    pub plot_top: f64,
    pub plot_bottom: f64,
    /// Where the number axis' labels end, and the series' names start.
    pub numbers_x: f64,
    pub names_x: f64,
    pub series: Vec<LineSeries>,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LineSeries {
    pub name: String,
    pub colour: &'static str,
    pub path: String,
    /// Where the name is written: right of the plot, level with the
    /// series' last point (moved apart from the other names).
    pub label_y: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// x for the day axis, y for the number axis.
    pub at: f64,
    /// The other coordinate of the label's baseline: y for the day axis,
    /// and for the number axis y again, a little below the grid line.
    pub label_at: f64,
    pub label: String,
    /// `start`, `middle` or `end`: the SVG `text-anchor` that keeps the
    /// label inside the chart.
    pub anchor: &'static str,
}

const LINE_CHART_WIDTH: u32 = 640;
const LINE_CHART_HEIGHT: u32 = 260;
const PLOT_LEFT: f64 = 48.0;
const PLOT_RIGHT: f64 = 480.0;
const PLOT_TOP: f64 = 12.0;
const PLOT_BOTTOM: f64 = 228.0;
const NAME_GAP: f64 = 14.0;

/// Lines for `series` (name, one value per day or `None` where there is no
/// number), over days labelled `days`. The day axis shows the first and
/// last days and every seventh day counting back from the last.
pub fn line_chart(days: &[String], series: &[(String, Vec<Option<i64>>)]) -> LineChart {
    line_chart_every(days, series, 7)
}

/// Lines for `series` over points labelled `labels` (days, minutes…): the
/// axis shows the first and last labels and every `every`th counting back
/// from the last.
pub fn line_chart_every(
    labels: &[String],
    series: &[(String, Vec<Option<i64>>)],
    every: usize,
) -> LineChart {
    let days = labels;
    let every = every.max(1);
    let max = series
        .iter()
        .flat_map(|(_, values)| values.iter().flatten().copied())
        .max()
        .unwrap_or(0);
    let y_ticks_values = nice_ticks(max, 4);
    let top_value = y_ticks_values.last().copied().unwrap_or(1).max(1) as f64;
    let y_of = |v: i64| PLOT_BOTTOM - (v as f64 / top_value) * (PLOT_BOTTOM - PLOT_TOP);
    let span = days.len().saturating_sub(1).max(1) as f64;
    let x_of = |i: usize| {
        if days.len() <= 1 {
            (PLOT_LEFT + PLOT_RIGHT) / 2.0
        } else {
            PLOT_LEFT + i as f64 / span * (PLOT_RIGHT - PLOT_LEFT)
        }
    };

    let mut lines: Vec<LineSeries> = series
        .iter()
        .enumerate()
        .map(|(n, (name, values))| {
            let points: Vec<Option<(f64, f64)>> = values
                .iter()
                .enumerate()
                .map(|(i, v)| v.map(|v| (x_of(i), y_of(v))))
                .collect();
            let last = values.iter().rev().flatten().next().copied().unwrap_or(0);
            LineSeries {
                name: shorten(name, 18),
                colour: PALETTE[n % PALETTE.len()],
                path: svg_path(&points),
                label_y: y_of(last),
            }
        })
        .collect();
    let wanted: Vec<f64> = lines.iter().map(|l| l.label_y + 4.0).collect();
    let placed = spread_labels(&wanted, NAME_GAP, PLOT_TOP + 4.0, PLOT_BOTTOM + 4.0);
    for (line, y) in lines.iter_mut().zip(placed) {
        line.label_y = y;
    }

    let last = days.len().saturating_sub(1);
    let mut x_ticks: Vec<Tick> = Vec::new();
    if !days.is_empty() {
        let mut indices: Vec<usize> = (0..=last).rev().step_by(every).collect();
        if indices.last() != Some(&0) {
            // Drop a tick too close to the first one's.
            if indices.last().is_some_and(|i| *i < every.div_ceil(2)) {
                indices.pop();
            }
            indices.push(0);
        }
        indices.reverse();
        x_ticks = indices
            .into_iter()
            .map(|i| Tick {
                at: round1(x_of(i)),
                label_at: PLOT_BOTTOM + 20.0,
                label: days[i].clone(),
                anchor: if days.len() == 1 {
                    "middle"
                } else if i == 0 {
                    "start"
                } else if i == last {
                    "end"
                } else {
                    "middle"
                },
            })
            .collect();
    }
    let y_ticks = y_ticks_values
        .into_iter()
        .map(|v| Tick {
            at: round1(y_of(v)),
            label_at: round1(y_of(v) + 4.0),
            label: v.to_string(),
            anchor: "end",
        })
        .collect();

    LineChart {
        width: LINE_CHART_WIDTH,
        height: LINE_CHART_HEIGHT,
        plot_left: PLOT_LEFT,
        plot_right: PLOT_RIGHT,
        plot_top: PLOT_TOP,
        plot_bottom: PLOT_BOTTOM,
        numbers_x: PLOT_LEFT - 6.0,
        names_x: PLOT_RIGHT + 8.0,
        series: lines,
        x_ticks,
        y_ticks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(0, 4), 1);
        assert_eq!(nice_step(4, 4), 1);
        assert_eq!(nice_step(7, 4), 2);
        assert_eq!(nice_step(18, 4), 5);
        assert_eq!(nice_step(40, 4), 10);
        assert_eq!(nice_step(41, 4), 20);
        assert_eq!(nice_step(1234, 4), 500);
        assert_eq!(nice_ticks(0, 4), vec![0, 1]);
        assert_eq!(nice_ticks(7, 4), vec![0, 2, 4, 6, 8]);
        assert_eq!(nice_ticks(1234, 4), vec![0, 500, 1000, 1500]);
    }

    #[test]
    fn a_path_has_a_segment_per_run_of_points_and_dots_for_lone_points() {
        assert_eq!(svg_path(&[]), "");
        assert_eq!(
            svg_path(&[Some((0.0, 10.0)), Some((5.0, 7.25)), Some((10.0, 0.0))]),
            "M0 10 L5 7.3 L10 0"
        );
        assert_eq!(
            svg_path(&[Some((0.0, 1.0)), None, Some((2.0, 3.0)), Some((3.0, 4.0))]),
            "M0 1 h0 M2 3 L3 4"
        );
        assert_eq!(svg_path(&[None, Some((1.0, 2.0))]), "M1 2 h0");
    }

    #[test]
    fn labels_are_moved_apart_and_kept_in_bounds() {
        // Far apart: untouched.
        assert_eq!(
            spread_labels(&[10.0, 100.0], 14.0, 0.0, 200.0),
            vec![10.0, 100.0]
        );
        // Equal: pushed apart, order of input kept.
        assert_eq!(
            spread_labels(&[50.0, 50.0, 50.0], 14.0, 0.0, 200.0),
            vec![50.0, 64.0, 78.0]
        );
        // At the bottom: pushed up so the last fits.
        let placed = spread_labels(&[200.0, 195.0], 14.0, 0.0, 200.0);
        assert_eq!(placed, vec![200.0, 186.0]);
    }

    #[test]
    fn bars_are_scaled_to_the_largest_value_and_keep_their_order() {
        let chart = bar_chart(&[
            ("Politics".into(), 200),
            ("Science".into(), 50),
            ("A topic with a very long name indeed".into(), 0),
        ]);
        assert_eq!(chart.bars.len(), 3);
        let full = f64::from(chart.width - chart.bars_x) - BAR_VALUE_ROOM;
        assert_eq!(chart.bars[0].length, full);
        assert_eq!(chart.bars[1].length, round1(full / 4.0));
        assert_eq!(chart.bars[2].length, 0.0);
        assert_eq!(chart.bars[2].label, "A topic with a very l…");
        assert!(chart.bars[1].y > chart.bars[0].y);
        assert!(chart.height as f64 >= chart.bars[2].y + chart.bars[2].thickness);
        // No numbers at all: nothing divides by zero.
        assert_eq!(bar_chart(&[("None".into(), 0)]).bars[0].length, 0.0);
    }

    #[test]
    fn a_line_chart_maps_days_across_and_numbers_up() {
        let days: Vec<String> = (1..=15).map(|d| format!("{d} Nov")).collect();
        let mut rising: Vec<Option<i64>> = (0..15).map(Some).collect();
        rising[3] = None;
        let flat = vec![Some(0); 15];
        let chart = line_chart(
            &days,
            &[("Politics".into(), rising), ("Sport".into(), flat)],
        );
        // 14 followers at most: ticks 0, 5, 10, 15; zero at the bottom.
        let labels: Vec<&str> = chart.y_ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0", "5", "10", "15"]);
        assert_eq!(chart.y_ticks[0].at, PLOT_BOTTOM);
        assert_eq!(chart.y_ticks[3].at, PLOT_TOP);
        // The gap splits the first line in two segments.
        assert_eq!(chart.series[0].path.matches('M').count(), 2);
        assert!(
            chart.series[0].path.starts_with("M48 228 L78.9 213.6"),
            "{}",
            chart.series[0].path
        );
        assert!(
            chart.series[1].path.ends_with("L480 228"),
            "{}",
            chart.series[1].path
        );
        // The last day and every seventh before it, plus the first.
        let x: Vec<&str> = chart.x_ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(x, ["1 Nov", "8 Nov", "15 Nov"]);
        assert_eq!(chart.x_ticks[0].anchor, "start");
        assert_eq!(chart.x_ticks[2].anchor, "end");
        // Names sit level with the last points, apart from each other.
        assert_eq!(chart.series[0].label_y, 30.4);
        assert!(chart.series[1].label_y - chart.series[0].label_y >= NAME_GAP);
    }

    #[test]
    fn a_one_day_chart_draws_dots() {
        let chart = line_chart(&["27 Nov".into()], &[("Politics".into(), vec![Some(3)])]);
        assert!(
            chart.series[0].path.ends_with(" h0"),
            "{}",
            chart.series[0].path
        );
        assert_eq!(chart.x_ticks.len(), 1);
        assert_eq!(chart.x_ticks[0].anchor, "middle");
    }
}
