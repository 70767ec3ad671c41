//! A traffic profile rendered for people: a terminal, a pull request, a browser. Every format
//! shows the same sections ([`view`]), drift first when a baseline was given.

mod html;
mod human;
mod markdown;
mod view;

use super::{Drift, TrafficProfile};

/// The profile (and its drift from a baseline) as terminal tables that fit `width` columns;
/// text from the traffic is escaped for the terminal.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::traffic::{self, Origin, TrafficProfile};
/// use cloudstorage_contract::{Options, Validator};
///
/// let validator = Validator::new(Options::default())?;
/// let mut profile = TrafficProfile::new();
/// let page = std::fs::read("examples/page/response-success.json").unwrap();
/// validator.validate_profiled(&page, None, &Origin::file("page.json"), &mut profile);
/// let text = traffic::human(&profile, None, 80);
/// assert!(text.contains("single-digit seconds"));
/// assert!(text.lines().all(|l| l.chars().count() <= 80));
/// # Ok::<(), cloudstorage_contract::Error>(())
/// ```
pub fn human(profile: &TrafficProfile, drift: Option<&Drift>, width: usize) -> String {
    human::render(&view::sections(profile, drift), width)
}

/// The profile (and its drift) as GitHub-flavoured markdown, for a pull request's comment or
/// the step summary; text from the traffic is escaped to show as text.
pub fn markdown(profile: &TrafficProfile, drift: Option<&Drift>) -> String {
    markdown::render(&view::sections(profile, drift))
}

/// The profile (and its drift) as one self-contained HTML5 document: a table per section and
/// inline SVG bar charts (rule counts, each enumeration's coverage, the members' type mixes, the
/// daily series). The page fetches nothing (its Content-Security-Policy forbids it) and every
/// text from the traffic is escaped, so a member named `<script>` shows as text.
///
/// # Examples
///
/// ```
/// use cloudstorage_contract::traffic::{self, Origin, TrafficProfile};
/// use cloudstorage_contract::{Options, Validator};
///
/// let validator = Validator::new(Options::default())?;
/// let mut profile = TrafficProfile::new();
/// let body = br#"{"code": 200, "data": null, "<script>": 1}"#;
/// validator.validate_profiled(body, None, &Origin::file("a.json"), &mut profile);
/// let page = traffic::html(&profile, None);
/// assert!(page.starts_with("<!DOCTYPE html>"));
/// assert!(page.contains("/&lt;script&gt;"));
/// assert!(!page.contains("<script"));
/// # Ok::<(), cloudstorage_contract::Error>(())
/// ```
pub fn html(profile: &TrafficProfile, drift: Option<&Drift>) -> String {
    html::render(&view::sections(profile, drift))
}
