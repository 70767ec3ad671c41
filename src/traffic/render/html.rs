//! The HTML format: one self-contained HTML5 document, for a browser or a CI artefact. Each
//! section is a table and, where the view gives one, an inline SVG bar chart.
//!
//! Design:
//! - **Nothing leaves the page.** No script, no font, no image, no link but to the page's own
//!   sections; the styles are inline, and a Content-Security-Policy (`default-src 'none'`) makes
//!   a browser refuse any fetch that a later change might add by mistake.
//! - **Every text is escaped at the edge**, by [`escape`] alone: a table cell, an attribute, an
//!   SVG `<text>` or `<title>`. Controls are shown as the terminal shows them (`\u{1b}`), then
//!   `& < > " '` become character references, so a member named `<script>` is text wherever it
//!   lands.
//! - **The charts are bounded**: at most [`MAX_BARS`] bars each, the rest counted in a note (the
//!   table lists them all), so a hostile capture cannot make the page huge.
//! - **Colours follow the reader's scheme** (`prefers-color-scheme`), from a palette that stays
//!   distinct for the common colour-vision deficiencies (Okabe and Ito's).

use std::fmt::Write as _;

use super::view::{Chart, Section};

/// The most bars a chart draws; the rest are counted in a note below it.
pub(crate) const MAX_BARS: usize = 60;

/// The most characters of a bar's label drawn beside it; the whole label is in its tooltip.
const LABEL_CHARS: usize = 34;

/// The chart's geometry, in SVG user units (the SVG scales down to the page's width).
const WIDTH: u32 = 760;
const LABEL_WIDTH: u32 = 260;
const BAR_WIDTH: u32 = 400;
const ROW: u32 = 22;
const BAR_HEIGHT: u32 = 14;
const LEGEND: u32 = 28;

/// The palette has this many colours (`--s0` … `--s7` in the style sheet); a chart with more
/// series reuses them in turn.
const COLOURS: usize = 8;

const STYLE: &str = r#"
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --stripe: #f6f8fa;
  --accent: #0969da; --track: #eef1f4;
  --s0: #009e73; --s1: #d55e00; --s2: #e69f00; --s3: #0072b2;
  --s4: #cc79a7; --s5: #56b4e9; --s6: #8c8c8c; --s7: #c9b800;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --stripe: #151b23;
    --accent: #4493f8; --track: #212830;
    --s0: #2fc597; --s1: #ff7a3d; --s2: #ffb627; --s3: #4ca3e8;
    --s4: #e29ac3; --s5: #7cc8f2; --s6: #a0a0a0; --s7: #f0e442;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 68rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
h1 { font-size: 1.75rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2.5rem 0 .5rem; padding-bottom: .3rem; border-bottom: 1px solid var(--line); }
p { margin: .4rem 0 1rem; }
.lead, .note { color: var(--muted); }
.note { font-size: .9rem; }
a { color: var(--accent); }
code { font: .9em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--stripe); padding: .05em .3em; border-radius: 4px; }
nav ol { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; padding: 0; margin: 1rem 0; list-style: none; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: .9rem; min-width: 50%; }
th, td { padding: .3rem .75rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { font-weight: 600; border-bottom-width: 2px; }
tbody tr:nth-child(even) { background: var(--stripe); }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 1rem 0 1.5rem; }
svg { display: block; max-width: 100%; height: auto; }
svg text { fill: var(--fg); font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
svg .track { fill: var(--track); }
.s0 { fill: var(--s0); } .s1 { fill: var(--s1); } .s2 { fill: var(--s2); } .s3 { fill: var(--s3); }
.s4 { fill: var(--s4); } .s5 { fill: var(--s5); } .s6 { fill: var(--s6); } .s7 { fill: var(--s7); }
"#;

/// The sections as one HTML5 document.
pub(crate) fn render(sections: &[Section]) -> String {
    let mut out = String::with_capacity(16 * 1024);
    out.push_str(concat!(
        "<!DOCTYPE html>\n",
        "<html lang=\"en\">\n",
        "<head>\n",
        "<meta charset=\"utf-8\">\n",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<meta name=\"color-scheme\" content=\"light dark\">\n",
        "<title>Traffic profile</title>\n",
        "<style>",
    ));
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<main>\n<h1>Traffic profile</h1>\n");
    out.push_str(
        "<p class=\"lead\">What the traffic of <code>order/get</code> carried, and how it covers the contract.</p>\n",
    );
    out.push_str("<nav aria-label=\"Sections\"><ol>\n");
    for section in sections {
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            escape(section.id),
            escape(section.title)
        );
    }
    out.push_str("</ol></nav>\n");
    for section in sections {
        render_section(&mut out, section);
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn render_section(out: &mut String, section: &Section) {
    let id = escape(section.id);
    let _ = writeln!(
        out,
        "<section id=\"{id}\" aria-labelledby=\"{id}-title\">\n<h2 id=\"{id}-title\">{}</h2>\n<p>{}</p>",
        escape(section.title),
        prose(&section.intro)
    );
    if let Some(chart) = &section.chart {
        svg(out, section, chart);
    }
    if !section.rows.is_empty() {
        table(out, section);
    }
    out.push_str("</section>\n");
}

fn table(out: &mut String, section: &Section) {
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for column in &section.columns {
        let class = if column.numeric { " class=\"num\"" } else { "" };
        let _ = write!(out, "<th scope=\"col\"{class}>{}</th>", escape(column.name));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &section.rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let numeric = section.columns.get(i).is_some_and(|c| c.numeric);
            let class = if numeric { " class=\"num\"" } else { "" };
            let _ = write!(out, "<td{class}>{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
}

/// A horizontal stacked bar chart: a legend of the series, then one bar per [`super::view::Bar`]
/// scaled to the largest total, each segment with its count as a tooltip.
fn svg(out: &mut String, section: &Section, chart: &Chart) {
    let shown = &chart.bars[..chart.bars.len().min(MAX_BARS)];
    if shown.is_empty() {
        return;
    }
    let largest = shown
        .iter()
        .map(|b| b.counts.iter().copied().fold(0, u64::saturating_add))
        .max()
        .unwrap_or(0);
    let height = LEGEND + ROW * shown.len() as u32 + 6;
    let id = escape(section.id);
    let _ = writeln!(
        out,
        "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-labelledby=\"{id}-chart\">\n<title id=\"{id}-chart\">{}: {} bars</title>",
        escape(section.title),
        chart.bars.len()
    );
    // The legend, left to right.
    let mut x = 8;
    for (i, series) in chart.series.iter().enumerate() {
        let _ = writeln!(
            out,
            "<rect class=\"key s{}\" x=\"{x}\" y=\"6\" width=\"12\" height=\"12\" rx=\"2\"/><text x=\"{}\" y=\"16\">{}</text>",
            i % COLOURS,
            x + 16,
            escape(series)
        );
        x += 16 + 7 * series.chars().count() as u32 + 18;
    }
    for (row, bar) in shown.iter().enumerate() {
        let y = LEGEND + ROW * row as u32;
        let total = bar.counts.iter().copied().fold(0, u64::saturating_add);
        let label = escape(&cut(&bar.label, LABEL_CHARS));
        let _ = writeln!(
            out,
            "<g><title>{}: {total}</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{label}</text><rect class=\"track\" x=\"{LABEL_WIDTH}\" y=\"{y}\" width=\"{BAR_WIDTH}\" height=\"{BAR_HEIGHT}\" rx=\"2\"/></g>",
            escape(&bar.label),
            LABEL_WIDTH - 8,
            y + 11,
        );
        let mut x = f64::from(LABEL_WIDTH);
        for (i, count) in bar.counts.iter().enumerate() {
            if *count == 0 || largest == 0 {
                continue;
            }
            let width = *count as f64 / largest as f64 * f64::from(BAR_WIDTH);
            let series = chart.series.get(i).map(String::as_str).unwrap_or_default();
            let _ = writeln!(
                out,
                "<rect class=\"bar s{}\" x=\"{x:.1}\" y=\"{y}\" width=\"{width:.1}\" height=\"{BAR_HEIGHT}\"><title>{}, {}: {count}</title></rect>",
                i % COLOURS,
                escape(&bar.label),
                escape(series),
            );
            x += width;
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\">{total}</text>",
            LABEL_WIDTH + BAR_WIDTH + 8,
            y + 11
        );
    }
    out.push_str("</svg>\n");
    let left = chart.bars.len() - shown.len();
    if left > 0 {
        let _ = writeln!(
            out,
            "<figcaption class=\"note\">The first {} bars of {}: {left} left out (the table lists them all).</figcaption>",
            shown.len(),
            chart.bars.len()
        );
    }
    out.push_str("</figure>\n");
}

/// `text` cut to `chars` characters, ending with `…` when cut.
fn cut(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars.saturating_sub(1)) {
        Some((at, _)) if text.chars().count() > chars => format!("{}…", &text[..at]),
        _ => text.to_owned(),
    }
}

/// A section's sentence: [escaped](escape), with its `code` spans (between backticks) set as
/// code when they pair up.
fn prose(text: &str) -> String {
    let escaped = escape(text);
    let parts: Vec<&str> = escaped.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return escaped;
    }
    let mut out = String::with_capacity(escaped.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        if !i.is_multiple_of(2) {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// `text` as HTML text or a quoted attribute's value: controls shown as the terminal shows them
/// ([`crate::terminal::escape`]), then `& < > " '` as character references. The one escape of this
/// format: every text from the traffic goes through it, wherever it lands in the page.
pub(crate) fn escape(text: &str) -> String {
    crate::markup::html(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::render::view::{Bar, Column};

    #[test]
    fn markup_from_the_traffic_is_text() {
        assert_eq!(
            escape("<script>alert('1')</script>"),
            "&lt;script&gt;alert(&#39;1&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("\"onmouseover=&amp;"), "&quot;onmouseover=&amp;amp;");
        assert_eq!(escape("a\u{1b}[31m\u{202e}b"), "a\\u{1b}[31m\\u{202e}b");
    }

    #[test]
    fn code_spans_pair_up_or_stay_text() {
        assert_eq!(
            prose("`a` and `<b>`"),
            "<code>a</code> and <code>&lt;b&gt;</code>"
        );
        assert_eq!(prose("a ` b"), "a ` b");
    }

    #[test]
    fn a_label_is_cut_to_its_characters() {
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abcd", 4), "abcd");
        assert_eq!(cut("ééééé", 3), "éé…");
    }

    #[test]
    fn a_chart_escapes_its_labels_and_series() {
        let section = Section {
            id: "x",
            title: "X",
            intro: String::new(),
            columns: Vec::new(),
            rows: Vec::new(),
            chart: Some(Chart {
                series: vec!["</svg><img src=x>".into()],
                bars: vec![Bar {
                    label: "<script>alert('1')</script>\u{7}".into(),
                    counts: vec![1],
                }],
            }),
        };
        let html = render(&[section]);
        assert!(
            !html.contains("<script") && !html.contains("<img"),
            "{html}"
        );
        assert!(!html.contains('\u{7}'), "{html}");
        // In the label, the bar's tooltip and the segment's.
        assert_eq!(
            html.matches("&lt;script&gt;alert(&#39;1&#39;)").count(),
            3,
            "{html}"
        );
        assert!(
            html.contains("&lt;/svg&gt;&lt;img src=x&gt;</text>"),
            "{html}"
        );
        assert!(html.contains("\\u{7}"), "{html}");
    }

    #[test]
    fn a_chart_draws_at_most_its_bars_and_says_how_many_are_left() {
        let section = Section {
            id: "rules",
            title: "Rules",
            intro: String::new(),
            columns: vec![Column {
                name: "rule",
                numeric: false,
            }],
            rows: Vec::new(),
            chart: Some(Chart {
                series: vec!["findings".into()],
                bars: (0..100)
                    .map(|i| Bar {
                        label: format!("r{i}"),
                        counts: vec![i + 1],
                    })
                    .collect(),
            }),
        };
        let html = render(&[section]);
        assert_eq!(html.matches("class=\"bar s0\"").count(), MAX_BARS);
        assert!(
            html.contains("The first 60 bars of 100: 40 left out"),
            "{html}"
        );
        // The largest drawn total (60) fills the bar.
        assert!(html.contains("width=\"400.0\""), "{html}");
    }
}
