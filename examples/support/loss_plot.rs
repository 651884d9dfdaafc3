//! The loss curves of a training run as an SVG chart, through plotters'
//! SVG backend: one line per curve, by epoch, a test curve dashed in the
//! colour of its training curve.

use std::error::Error;

use plotters::prelude::*;

/// One line of the chart: a loss per epoch, from epoch 1.
pub struct Curve<'a> {
    /// The legend's text.
    pub name: String,
    /// The loss after each epoch.
    pub losses: &'a [f64],
    /// Which colour of the palette (a training curve and its test curve
    /// share one).
    pub colour: usize,
    /// Whether the line is dashed (test curves).
    pub dashed: bool,
}

/// The chart of `curves` as an SVG document.
pub fn loss_plot_svg(title: &str, y_label: &str, curves: &[Curve]) -> Result<String, Box<dyn Error>> {
    let mut svg = String::new();
    let epochs = curves.iter().map(|c| c.losses.len()).max().unwrap_or(0).max(2);
    let finite = curves.iter().flat_map(|c| c.losses.iter().copied()).filter(|v| v.is_finite());
    let (low, high) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (low, high) = if low <= high { (low.min(0.0), high * 1.05) } else { (0.0, 1.0) };

    let root = SVGBackend::with_string(&mut svg, (800, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(1..epochs, low..high)?;
    chart.configure_mesh().light_line_style(TRANSPARENT).x_desc("epoch").y_desc(y_label).draw()?;
    for curve in curves {
        let style = Palette99::pick(curve.colour).stroke_width(2);
        let points = curve.losses.iter().enumerate().map(|(k, &v)| (k + 1, v));
        let series = if curve.dashed {
            chart.draw_series(DashedLineSeries::new(points, 6, 4, style))?
        } else {
            chart.draw_series(LineSeries::new(points, style))?
        };
        // A dashed curve's key is two dashes.
        let gap = if curve.dashed { 6 } else { 0 };
        series.label(&curve.name).legend(move |(x, y)| {
            EmptyElement::at((x, y))
                + PathElement::new(vec![(0, 0), (10 - gap / 2, 0)], style)
                + PathElement::new(vec![(10 + gap / 2, 0), (20, 0)], style)
        });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    drop(chart);
    drop(root);
    Ok(svg)
}
