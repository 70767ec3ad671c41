//! How a client chooses the mock's answer: Prism's `Prefer` header (`Prefer: code=2063`) or
//! the matching query parameters (`?__code=2063`), which win over the header.
//!
//! One table of choices: `code` (200 or a documented error code), `example` (the page's own
//! examples), `rule` (a near miss that breaks exactly that rule) and `dynamic` (a fresh order
//! on every call). Other preferences (RFC 7240's `return=minimal`, …) are ignored; an unknown
//! value of a known one is refused with the list of valid values.

use cloudstorage_contract::codes::{self, ErrorCode};
use cloudstorage_contract::{Rule, sample};

/// The page's own examples a client can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Example {
    /// The page's success example, `10:00:0` times and all.
    Page,
    /// The page's error example (460, "auth failed").
    PageError,
}

impl Example {
    const ALL: [(&'static str, Example); 2] =
        [("page", Example::Page), ("page-error", Example::PageError)];

    pub(crate) fn text(self) -> &'static str {
        match self {
            Example::Page => sample::PAGE_SUCCESS,
            Example::PageError => sample::PAGE_ERROR,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, e)| *e == self)
            .map_or("page", |(n, _)| n)
    }
}

/// What the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Choice {
    /// A conforming order for the request's ids.
    Order,
    /// The documented error envelope for this code.
    Code(&'static ErrorCode),
    /// One of the page's examples, byte for byte.
    Example(Example),
    /// A response that breaks exactly this rule.
    Rule(Rule),
}

/// The client's preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Preference {
    pub(crate) choice: Choice,
    /// A fresh order on every call rather than the same order for the same ids.
    pub(crate) dynamic: bool,
}

impl Preference {
    /// What the answer was, for the log: `order`, `code=2063`, `example=page`,
    /// `rule=end-before-start`, with `dynamic` when set.
    pub(crate) fn describe(&self) -> String {
        let choice = match self.choice {
            Choice::Order => "order".to_owned(),
            Choice::Code(code) => format!("code={}", code.code),
            Choice::Example(example) => format!("example={}", example.name()),
            Choice::Rule(rule) => format!("rule={rule}"),
        };
        if self.dynamic {
            format!("{choice}, dynamic")
        } else {
            choice
        }
    }
}

/// The preference in the `Prefer` header values and the query string. `Err` is the message of
/// the 400 answer: the unknown value and the valid ones.
pub(crate) fn parse<'h>(
    headers: impl Iterator<Item = &'h str>,
    query: Option<&str>,
) -> Result<Preference, String> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for value in headers {
        for item in value.split([',', ';']) {
            if let Some((key, value)) = item.split_once('=') {
                pairs.push((key.trim().to_ascii_lowercase(), unquote(value)));
            }
        }
    }
    // The query's come last, so that they win.
    for item in query.unwrap_or_default().split('&') {
        if let Some((key, value)) = item.split_once('=')
            && let Some(key) = key.strip_prefix("__")
        {
            pairs.push((key.to_ascii_lowercase(), unquote(value)));
        }
    }
    let mut code = None;
    let mut example = None;
    let mut rule = None;
    let mut dynamic = false;
    for (key, value) in &pairs {
        match key.as_str() {
            "code" => code = Some(parse_code(value)?),
            "example" => example = Some(parse_example(value)?),
            "rule" => rule = Some(parse_rule(value)?),
            "dynamic" => dynamic = parse_bool(value)?,
            _ => {}
        }
    }
    let chosen = [
        code.flatten().map(Choice::Code),
        example.map(Choice::Example),
        rule.map(Choice::Rule),
    ];
    let mut chosen = chosen.into_iter().flatten();
    let choice = chosen.next().unwrap_or(Choice::Order);
    if chosen.next().is_some() {
        return Err(
            "choose one answer: `code` (other than 200), `example` or `rule`, not several"
                .to_owned(),
        );
    }
    Ok(Preference { choice, dynamic })
}

fn unquote(value: &str) -> String {
    let value = value.trim();
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
        .to_owned()
}

/// `Some(None)` is 200 (a success, which is the default answer).
fn parse_code(value: &str) -> Result<Option<&'static ErrorCode>, String> {
    let valid = || {
        let codes: Vec<String> = std::iter::once("200".to_owned())
            .chain(codes::DOCUMENTED.iter().map(|c| c.code.to_string()))
            .collect();
        format!(
            "unknown `code` {}: expected one of {}",
            shown(value),
            codes.join(", ")
        )
    };
    let code: i32 = value.parse().map_err(|_| valid())?;
    if code == 200 {
        return Ok(None);
    }
    codes::lookup(code).map(Some).ok_or_else(valid)
}

fn parse_example(value: &str) -> Result<Example, String> {
    Example::ALL
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, e)| *e)
        .ok_or_else(|| {
            let names: Vec<&str> = Example::ALL.iter().map(|(n, _)| *n).collect();
            format!(
                "unknown `example` {}: expected one of {}",
                shown(value),
                names.join(", ")
            )
        })
}

fn parse_rule(value: &str) -> Result<Rule, String> {
    let defects = sample::answer_defects();
    value
        .parse::<Rule>()
        .ok()
        .filter(|rule| defects.contains(rule))
        .ok_or_else(|| {
            let ids: Vec<&str> = defects.iter().map(|r| r.id()).collect();
            format!(
                "unknown `rule` {}: expected one of {}",
                shown(value),
                ids.join(", ")
            )
        })
}

fn parse_bool(value: &str) -> Result<bool, String> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!(
            "unknown `dynamic` {}: expected true or false",
            shown(value)
        )),
    }
}

/// A value from the network, quoted and cut for a message: JSON-escaped, at most 64 chars.
fn shown(value: &str) -> String {
    let cut: String = value.chars().take(64).collect();
    let quoted = serde_json::to_string(&cut).unwrap_or_default();
    if cut.len() < value.len() {
        format!("{quoted}…")
    } else {
        quoted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(value: &str) -> Result<Preference, String> {
        parse(std::iter::once(value), None)
    }

    #[test]
    fn the_choices() {
        assert_eq!(header("").map(|p| p.choice), Ok(Choice::Order));
        assert_eq!(header("code=200").map(|p| p.choice), Ok(Choice::Order));
        assert!(matches!(
            header("code=2063").map(|p| p.choice),
            Ok(Choice::Code(c)) if c.code == 2063
        ));
        assert_eq!(
            header("example=page").map(|p| p.choice),
            Ok(Choice::Example(Example::Page))
        );
        assert_eq!(
            header(r#"rule="end-before-start""#).map(|p| p.choice),
            Ok(Choice::Rule(Rule::EndBeforeStart))
        );
        assert_eq!(header("dynamic=true").map(|p| p.dynamic), Ok(true));
        // RFC 7240's own preferences are not the mock's business.
        assert_eq!(
            header("return=minimal, respond-async, wait=5").map(|p| p.choice),
            Ok(Choice::Order)
        );
    }

    #[test]
    fn the_query_wins() {
        let p = parse(
            std::iter::once("code=2063"),
            Some("a=1&__code=200&__dynamic=true"),
        );
        assert_eq!(
            p,
            Ok(Preference {
                choice: Choice::Order,
                dynamic: true
            })
        );
    }

    #[test]
    fn unknown_values_list_the_valid_ones() {
        let e = header("code=999").expect_err("refused");
        assert!(
            e.contains("\"999\"") && e.contains("2063") && e.contains("460"),
            "{e}"
        );
        let e = header("example=nope").expect_err("refused");
        assert!(e.contains("page, page-error"), "{e}");
        let e = header("rule=no-such-rule").expect_err("refused");
        assert!(e.contains("end-before-start"), "{e}");
        let e = header("dynamic=yes").expect_err("refused");
        assert!(e.contains("true or false"), "{e}");
        let e = header("code=2063, example=page").expect_err("refused");
        assert!(e.contains("one answer"), "{e}");
        // Network text is quoted, escaped and cut.
        let e = header(&format!("example=\u{1b}[31m{}", "x".repeat(500))).expect_err("refused");
        assert!(!e.contains('\u{1b}') && e.len() < 200, "{e}");
    }
}
