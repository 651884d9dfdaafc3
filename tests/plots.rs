//! The loss charts of the training examples: well-formed SVG with one line
//! per curve through every epoch, and the legend's names.

#[allow(dead_code)]
#[path = "../examples/support/loss_plot.rs"]
mod loss_plot;

use loss_plot::{loss_plot_svg, Curve};

#[test]
fn the_loss_chart_is_svg_with_a_line_and_a_legend_entry_per_curve() {
    let train = [0.9, 0.5, 0.3, 0.25, 0.2];
    let test = [1.0, 0.6, 0.4, 0.35, 0.3];
    let curves = [
        Curve { name: "train loss".into(), losses: &train, colour: 0, dashed: false },
        Curve { name: "test loss".into(), losses: &test, colour: 0, dashed: true },
    ];
    let svg = loss_plot_svg("a chart", "loss", &curves).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts: Vec<&str> =
        doc.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text()).map(str::trim).collect();
    for want in ["a chart", "train loss", "test loss", "epoch", "loss"] {
        assert!(texts.contains(&want), "no text `{want}` in {texts:?}");
    }
    // The solid curve is one polyline through the 5 epochs.
    let polylines: Vec<usize> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter_map(|n| n.attribute("points"))
        .map(|p| p.split_whitespace().count())
        .collect();
    assert!(polylines.contains(&5), "no polyline of 5 points: {polylines:?}");
}

#[test]
fn an_empty_run_still_makes_a_chart() {
    let svg = loss_plot_svg("nothing yet", "loss", &[]).unwrap();
    roxmltree::Document::parse(&svg).expect("well-formed XML");
}
