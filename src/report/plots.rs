//! The plots of the HTML report, drawn by `plotters` into inline SVG: accuracy against strength
//! for each single-parameter sweep (one line per model, the clean accuracy dashed), accuracy per
//! branch for each model, and the models' clean accuracy side by side.

use plotters::prelude::*;

use crate::results::{BranchResult, RunResults};

const SIZE: (u32, u32) = (640, 360);
const COLOURS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// A plot: its title and its SVG text (or why it could not be drawn).
pub struct Plot {
    pub title: String,
    pub svg: Result<String, String>,
}

/// Every plot of `results`.
pub fn plots(results: &RunResults) -> Vec<Plot> {
    let mut plots = Vec::new();
    for (dataset, perturbation, axis) in sweeps(&results.branches) {
        let title = format!("Accuracy against {axis} of {perturbation} on {dataset}");
        let svg = curve(&results.branches, &title, &dataset, &perturbation, &axis);
        plots.push(Plot { title, svg });
    }
    for (model, dataset) in pairs(&results.branches) {
        let branches: Vec<&BranchResult> = results
            .branches
            .iter()
            .filter(|b| b.model == model && b.dataset == dataset)
            .collect();
        let title = format!("Accuracy of {model} on {dataset} per perturbation");
        let labels = branches.iter().map(|b| b.label.clone()).collect();
        let values = branches.iter().map(|b| b.accuracy).collect();
        plots.push(Plot {
            svg: bars(&title, labels, values),
            title,
        });
    }
    let clean: Vec<&BranchResult> = results
        .branches
        .iter()
        .filter(|b| b.perturbation.is_none())
        .collect();
    if clean.len() > 1 {
        let title = "Clean accuracy of each model".to_string();
        let labels = clean
            .iter()
            .map(|b| format!("{} on {}", b.model, b.dataset))
            .collect();
        let values = clean.iter().map(|b| b.accuracy).collect();
        plots.push(Plot {
            svg: bars(&title, labels, values),
            title,
        });
    }
    plots
}

/// The (dataset, perturbation, parameter) of every perturbation swept over one numeric parameter
/// with at least two members.
fn sweeps(branches: &[BranchResult]) -> Vec<(String, String, String)> {
    let mut found: Vec<(String, String, String)> = Vec::new();
    for branch in branches {
        let (Some(perturbation), 1) = (&branch.perturbation, branch.swept.len()) else {
            continue;
        };
        let Some(axis) = branch.swept.keys().next() else {
            continue;
        };
        let key = (branch.dataset.clone(), perturbation.clone(), axis.clone());
        let members = branches
            .iter()
            .filter(|b| b.dataset == key.0 && b.perturbation.as_ref() == Some(&key.1))
            .count();
        if members > 1 && !found.contains(&key) {
            found.push(key);
        }
    }
    found
}

/// The (model, dataset) pairs, in order of first appearance.
fn pairs(branches: &[BranchResult]) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    for b in branches {
        let pair = (b.model.clone(), b.dataset.clone());
        if !found.contains(&pair) {
            found.push(pair);
        }
    }
    found
}

/// One model's line of a sweep plot: its name, its (strength, accuracy) points, its clean
/// accuracy.
type Series = (String, Vec<(f64, f64)>, Option<f64>);

fn curve(
    branches: &[BranchResult],
    title: &str,
    dataset: &str,
    perturbation: &str,
    axis: &str,
) -> Result<String, String> {
    let mut series: Vec<Series> = Vec::new();
    for (model, _) in pairs(branches).into_iter().filter(|(_, d)| d == dataset) {
        let mut points: Vec<(f64, f64)> = branches
            .iter()
            .filter(|b| b.model == model && b.perturbation.as_deref() == Some(perturbation))
            .filter(|b| b.dataset == dataset)
            .filter_map(|b| Some((*b.swept.get(axis)?, b.accuracy)))
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let clean = branches
            .iter()
            .find(|b| b.model == model && b.dataset == dataset && b.perturbation.is_none())
            .map(|b| b.accuracy);
        if !points.is_empty() {
            series.push((model, points, clean));
        }
    }
    let xs = series.iter().flat_map(|(_, p, _)| p.iter().map(|q| q.0));
    let (low, high) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| {
        (l.min(x), h.max(x))
    });
    let pad = ((high - low) * 0.05).max(1e-9);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d((low - pad)..(high + pad), 0f64..1.02f64)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(axis)
            .y_desc("accuracy")
            .draw()
            .map_err(|e| e.to_string())?;
        for (index, (model, points, clean)) in series.iter().enumerate() {
            let colour = COLOURS[index % COLOURS.len()];
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    colour.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(model.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour));
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))
                .map_err(|e| e.to_string())?;
            if let Some(clean) = *clean {
                chart
                    .draw_series(DashedLineSeries::new(
                        [(low - pad, clean), (high + pad, clean)],
                        6,
                        4,
                        colour.stroke_width(1),
                    ))
                    .map_err(|e| e.to_string())?
                    .label(format!("{model} clean"))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour));
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerLeft)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// Horizontal room for one bar's label.
const BAR_WIDTH: u32 = 120;

fn bars(title: &str, labels: Vec<String>, values: Vec<f64>) -> Result<String, String> {
    let n = labels.len();
    let width = SIZE.0.max(BAR_WIDTH * n as u32 + 60);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, SIZE.1)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(60)
            .y_label_area_size(48)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..1.02f64)
            .map_err(|e| e.to_string())?;
        let label_of = |x: &f64| {
            let index = x.round();
            match (x - index).abs() < 1e-6 && index >= 0.0 {
                true => labels.get(index as usize).cloned().unwrap_or_default(),
                false => String::new(),
            }
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.max(1))
            .x_label_formatter(&label_of)
            .y_desc("accuracy")
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(values.iter().enumerate().map(|(i, &v)| {
                let x = i as f64;
                Rectangle::new([(x - 0.35, 0.0), (x + 0.35, v)], COLOURS[0].filled())
            }))
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}
