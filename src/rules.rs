//! The rule catalogue: every check the validator makes, with its stable id, default severity and
//! reason, in one table.
//!
//! Adding a rule takes four things: a variant here and its row in [`RULES`], the check that emits
//! it (in `validate.rs` or `semantic.rs`), a fixture that triggers it and a near miss that does not.

use std::fmt;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The payload does not honour the contract.
    Error,
    /// The payload conforms, but shows a known quirk or something suspicious.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a user makes of a rule, like rustc's lint levels: applied after the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// Do not report the rule.
    Allow,
    /// Report it as a warning.
    Warn,
    /// Report it as an error.
    Deny,
}

impl Level {
    /// Every level, from the mildest.
    pub const ALL: [Level; 3] = [Level::Allow, Level::Warn, Level::Deny];

    /// `allow`, `warn` or `deny`: the flag (`--allow`) and the configuration file's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

/// Which stage of the validator checks a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// The JSON text itself.
    Text,
    /// The committed JSON Schema.
    Schema,
    /// Cross-field meaning, beyond what a schema can say.
    Semantic,
}

macro_rules! rules {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $id:literal, $severity:ident, $stage:ident, $fatal:literal, $summary:literal;
    )*) => {
        /// A rule of the contract. Its [`id`](Rule::id) is stable: CI configurations, SARIF
        /// consumers and `--allow`/`--warn`/`--deny` refer to it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Rule {
            $($(#[$doc])* $variant,)*
        }

        /// Every rule with its id, default severity, stage and summary, in catalogue order.
        pub const RULES: &[RuleInfo] = &[
            $(RuleInfo {
                rule: Rule::$variant,
                id: $id,
                default_severity: Severity::$severity,
                stage: Stage::$stage,
                fatal: $fatal,
                summary: $summary,
            },)*
        ];
    };
}

rules! {
    /// The input is not JSON text.
    InvalidJson = "invalid-json", Error, Text, true, "the input is not valid JSON text";
    /// The input is not UTF-8.
    InvalidUtf8 = "invalid-utf8", Error, Text, true, "the input is not UTF-8";
    /// The input is empty.
    EmptyInput = "empty-input", Error, Text, true, "the input is empty or only whitespace";
    /// Something follows the JSON value.
    TrailingData = "trailing-data", Error, Text, true, "data follows the JSON value";
    /// The input is over the size limit.
    TooLarge = "too-large", Error, Text, true, "the input is larger than the size limit";
    /// The input nests deeper than the depth limit.
    TooDeep = "too-deep", Error, Text, true, "the input nests deeper than the depth limit";
    /// An object names the same member twice.
    DuplicateKey = "duplicate-key", Error, Text, false, "an object has the same key twice; parsers disagree on which one wins";
    /// The top level is not an object.
    NotAnObject = "not-an-object", Error, Text, true, "the top-level value is not an object";
    /// The payload is neither a request nor a response.
    UnknownKind = "unknown-kind", Error, Text, true, "neither a request (`params`) nor a response (`code`)";
    /// A value has the wrong JSON type.
    WrongType = "wrong-type", Error, Schema, false, "a value has the wrong JSON type";
    /// A required member is missing.
    MissingField = "missing-field", Error, Schema, false, "a required member is missing";
    /// An integer code is not one of the documented values.
    InvalidEnum = "invalid-enum", Error, Schema, false, "an integer code is not one of the documented values";
    /// A string does not have the documented shape.
    MalformedValue = "malformed-value", Error, Schema, false, "a string does not have the documented shape (time, price)";
    /// A number is outside its range.
    OutOfRange = "out-of-range", Error, Schema, false, "a number is outside its documented range";
    /// `code` is 200 without an order in `data`.
    MissingData = "missing-data", Error, Schema, false, "`code` is 200 but `data` is not an order";
    /// A member that the contract does not define.
    UnknownField = "unknown-field", Warning, Semantic, false, "a member that this endpoint's contract does not define";
    /// A date or time that does not exist.
    ImpossibleTime = "impossible-time", Error, Semantic, false, "a date or time that does not exist (February 30, hour 25)";
    /// The documented single-digit seconds quirk.
    SingleDigitSeconds = "single-digit-seconds", Warning, Semantic, false, "a local time with a single-digit seconds field, as in the endpoint's own example";
    /// A local time and its UTC twin are not a real UTC offset apart.
    UtcOffset = "utc-offset", Error, Semantic, false, "a local time and its UTC twin are not a real UTC offset apart";
    /// The start and end pairs use different UTC offsets.
    InconsistentOffsets = "inconsistent-offsets", Warning, Semantic, false, "the start and end times use different UTC offsets (a daylight-saving change, or a mistake)";
    /// A local time does not match the configured time zone.
    ZoneOffset = "zone-offset", Error, Semantic, false, "a local time does not match the configured time zone at that instant";
    /// The package ends before it starts.
    EndBeforeStart = "end-before-start", Error, Semantic, false, "the package does not end after it starts";
    /// More time consumed than the package lasts.
    PreConsumeExceedsDuration = "pre-consume-exceeds-duration", Warning, Semantic, false, "`preConsume` is longer than the package lasts";
    /// An error response that still carries an order.
    DataOnError = "data-on-error", Warning, Semantic, false, "an error `code` with an order in `data`";
    /// A request for another API version.
    ApiVersion = "api-version", Warning, Semantic, false, "`request.apiVer` is not 1.0.6, the version this contract describes";
    /// A request with another protocol version.
    ProtocolVersion = "protocol-version", Warning, Semantic, false, "`version` is not 1.0, the platform's protocol version";
    /// An order still being created that is already paid.
    PaidWhileCreating = "paid-while-creating", Warning, Semantic, false, "status 3 (being created, unpaid) with paymentStatus 1 (paid)";
    /// A paid order in use that is not paid.
    UnpaidInUse = "unpaid-in-use", Warning, Semantic, false, "a paid order (orderType 0) in use (status 0) with paymentStatus 0 (unpaid)";
    /// A free order with a price.
    FreeWithPrice = "free-with-price", Warning, Semantic, false, "a free order (orderType 1) with a price above zero";
    /// The response describes another device or order than the request asked for.
    ExchangeMismatch = "exchange-mismatch", Error, Semantic, false, "the response's `data.iotId` or `data.orderId` differs from the request's `params`";
}

/// A row of the rule catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuleInfo {
    /// The rule.
    pub rule: Rule,
    /// Its stable id, such as `single-digit-seconds`.
    pub id: &'static str,
    /// Its severity in the default profile.
    pub default_severity: Severity,
    /// The stage that checks it.
    pub stage: Stage,
    /// Whether nothing else can be checked after it (no JSON value, no known kind). A fatal rule
    /// cannot be allowed or downgraded.
    pub fatal: bool,
    /// One line on what it checks.
    pub summary: &'static str,
}

impl Rule {
    /// The rule's catalogue row.
    pub fn info(self) -> &'static RuleInfo {
        // The table is built from the enum by the same macro, in the same order.
        &RULES[self as usize]
    }

    /// The stable id, such as `single-digit-seconds`.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::Rule;
    ///
    /// assert_eq!(Rule::SingleDigitSeconds.id(), "single-digit-seconds");
    /// assert_eq!(Rule::from_id("single-digit-seconds"), Some(Rule::SingleDigitSeconds));
    /// ```
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// The rule with this id.
    pub fn from_id(id: &str) -> Option<Rule> {
        RULES.iter().find(|r| r.id == id).map(|r| r.rule)
    }

    /// Whether `level` may be set for this rule: a [fatal](RuleInfo::fatal) rule cannot be
    /// allowed or downgraded.
    ///
    /// # Errors
    ///
    /// A usage error that says why, for a fatal rule at another level than deny.
    pub fn check_level(self, level: Level) -> Result<(), crate::Error> {
        if self.info().fatal && level != Level::Deny {
            return Err(crate::Error::usage(format!(
                "rule `{self}` cannot be allowed or downgraded: without it there is nothing to check"
            )));
        }
        Ok(())
    }
}

/// An id that names no rule, from [`Rule`]'s `FromStr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRule {
    id: String,
}

impl UnknownRule {
    /// The id given.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The message, with `context` after the id, such as `` in `--allow` ``: `` unknown rule
    /// `x` in `--allow`, expected one of: … ``.
    pub fn message_in(&self, context: &str) -> String {
        let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        format!(
            "unknown rule `{}`{context}, expected one of: {} (see `cloudstorage-contract rules`)",
            self.id,
            ids.join(", ")
        )
    }
}

impl fmt::Display for UnknownRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_in(""))
    }
}

impl std::error::Error for UnknownRule {}

impl std::str::FromStr for Rule {
    type Err = UnknownRule;

    /// The rule with this id.
    ///
    /// # Examples
    ///
    /// ```
    /// use cloudstorage_contract::Rule;
    ///
    /// let rule: Rule = "single-digit-seconds".parse()?;
    /// assert_eq!(rule, Rule::SingleDigitSeconds);
    /// assert_eq!(rule.to_string(), "single-digit-seconds");
    /// assert!("no-such-rule".parse::<Rule>().is_err());
    /// # Ok::<(), cloudstorage_contract::UnknownRule>(())
    /// ```
    fn from_str(id: &str) -> Result<Rule, UnknownRule> {
        Rule::from_id(id).ok_or_else(|| UnknownRule { id: id.to_owned() })
    }
}

impl From<UnknownRule> for crate::Error {
    fn from(e: UnknownRule) -> crate::Error {
        crate::Error::usage(e.to_string())
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_match_their_variants_and_ids_are_unique() {
        for (i, row) in RULES.iter().enumerate() {
            assert_eq!(row.rule as usize, i);
            assert_eq!(Rule::from_id(row.id), Some(row.rule));
            assert!(
                row.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                row.id
            );
        }
    }
}
