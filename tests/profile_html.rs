//! The HTML format of the traffic profile: a well-formed HTML5 document (no parse error, as a
//! browser's parser reads it), every string from the traffic shown as text, and a snapshot of
//! the page's examples. `tests/profile_browser.rs` opens it in a real browser.

mod traffic_support;

use cloudstorage_contract::traffic;
use scraper::{Html, Selector};
use traffic_support::{HOSTILE, corpus_profile, hostile_profile, page_profile};

fn parse(html: &str) -> Html {
    let document = Html::parse_document(html);
    assert_eq!(
        document.errors,
        Vec::<std::borrow::Cow<'_, str>>::new(),
        "parse errors"
    );
    // The doctype puts the page in standards mode.
    assert_eq!(format!("{:?}", document.quirks_mode), "NoQuirks");
    document
}

fn count(document: &Html, selector: &str) -> usize {
    let selector = Selector::parse(selector).expect("a selector");
    document.select(&selector).count()
}

#[test]
fn the_corpus_profile_is_html5_without_parse_errors() {
    let html = traffic::html(&corpus_profile(), None);
    let document = parse(&html);
    assert_eq!(count(&document, "script"), 0);
    // Nothing that would fetch: no link, image, frame, object or external reference.
    for fetching in [
        "link",
        "img",
        "iframe",
        "object",
        "embed",
        "image",
        "use",
        "[src]",
        "[href^='http']",
    ] {
        assert_eq!(count(&document, fetching), 0, "{fetching}");
    }
    assert_eq!(
        count(&document, "meta[http-equiv='Content-Security-Policy']"),
        1
    );
    // One table and one entry in the contents per section; a chart for each section that has one.
    let sections = count(&document, "section[id]");
    assert!(sections >= 6, "{sections} sections");
    assert_eq!(count(&document, "section > div > table > thead"), sections);
    assert_eq!(count(&document, "nav a[href^='#']"), sections);
    for id in ["payloads", "rules", "enumerations", "members"] {
        assert_eq!(count(&document, &format!("section#{id} svg")), 1, "{id}");
    }
    // Numbers are right-aligned, in their header and their cells.
    assert!(count(&document, "th.num") > 0 && count(&document, "td.num") > 0);
    // Each drawn segment has its tooltip.
    let bars = count(&document, "svg rect.bar");
    assert!(bars > 0);
    assert_eq!(count(&document, "svg rect.bar > title"), bars);
}

#[test]
fn hostile_strings_are_text() {
    let html = traffic::html(&hostile_profile(), None);
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "a raw script tag");
    assert!(!lower.contains("<img"), "a raw image tag");
    assert!(!html.contains('\u{1b}'), "a raw control");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;/svg&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("&quot;onmouseover=alert(1) x=&quot;"));
    assert!(html.contains("&amp;amp;"));
    assert!(html.contains("\\u{1b}[31mred"));

    let document = parse(&html);
    assert_eq!(count(&document, "script"), 0);
    assert_eq!(count(&document, "img"), 0);
    // No attribute was broken out of: no event handler anywhere.
    for element in document.root_element().descendent_elements() {
        for (name, _) in element.value().attrs() {
            assert!(
                !name.starts_with("on"),
                "attribute {name} on {}",
                element.value().name()
            );
        }
    }
    // Each string reads back as the text it was, in the tables and in the charts.
    let text: String = document.root_element().text().collect();
    for s in HOSTILE {
        let shown = cloudstorage_contract::terminal::escape(s);
        assert!(text.contains(&*shown), "{shown:?} not shown as text");
    }
}

#[test]
fn the_page_examples_html() {
    let html = traffic::html(&page_profile(), None);
    parse(&html);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.bind(|| insta::assert_snapshot!("traffic_page_html", html));
}
