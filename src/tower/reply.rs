//! The layer's own answers, in the platform's error envelope.
//!
//! `{"code": 400, "message": "...", "localizedMsg": "...", "data": null}`: the shape of the
//! platform's own failures, so that clients parse it like any other. Built from [`Response`]
//! itself, so the answer honours the contract it enforces. The messages name the rule and the
//! pointer of the first errors; the diagnostics they quote never show a credential.

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};

use crate::diagnostic::Report;
use crate::envelope::Response;
use crate::schema::Kind;

/// How many errors a message names; the rest are counted.
const NAMED_ERRORS: usize = 3;

/// What went wrong, for the message.
pub(crate) enum Fault<'r> {
    /// The body breaks the contract.
    Violates(&'r Report),
    /// The body is over the limit.
    TooLarge(usize),
    /// The body stream failed before its end.
    Interrupted,
    /// The body is compressed (`Content-Encoding`), so it cannot be checked.
    Encoded,
}

/// The error envelope for `status`, about a body of `kind`.
pub(crate) fn reject(status: StatusCode, kind: Kind, fault: &Fault<'_>) -> http::Response<Bytes> {
    let (message, localized) = messages(kind, fault);
    let envelope = Response::failure(i32::from(status.as_u16()), message, localized);
    // Serializing the contract's own types into a `Vec` cannot fail.
    let body = serde_json::to_vec(&envelope).unwrap_or_default();
    let mut response = http::Response::new(Bytes::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    response
}

fn messages(kind: Kind, fault: &Fault<'_>) -> (String, String) {
    let (what, what_zh) = match kind {
        Kind::Request => ("the request", "请求"),
        Kind::Response => ("the upstream response", "上游响应"),
    };
    match fault {
        Fault::Violates(report) => {
            let details = report.error_summary(NAMED_ERRORS);
            (
                format!("{what} violates the order/get 1.0.6 contract: {details}"),
                format!("{what_zh}不符合 order/get 1.0.6 接口约定：{details}"),
            )
        }
        Fault::TooLarge(limit) => (
            format!("{what} body is over the gateway's limit of {limit} bytes"),
            format!("{what_zh}体超过网关上限 {limit} 字节"),
        ),
        Fault::Interrupted => (
            format!("{what} body ended with an error before it was complete"),
            format!("{what_zh}体未完整读取"),
        ),
        Fault::Encoded => (
            format!(
                "{what} body is compressed, so the gateway cannot check it; send it uncompressed"
            ),
            format!("{what_zh}体经过压缩，网关无法校验；请发送未压缩的内容"),
        ),
    }
}
