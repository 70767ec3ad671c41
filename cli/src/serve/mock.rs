//! `mock`: route, validate the request, choose the answer, answer in the platform's envelope.
//!
//! A conforming request gets a conforming order for its `iotId` and `orderId`, drawn from a
//! fixed hash of (seed, `iotId`, `orderId`): the same order is the same answer on every call,
//! on every machine, next year too, with no state kept. A request that breaks the contract gets
//! HTTP 400 and the platform's error envelope with code 460 ("request parameter error", the
//! platform's code for a request whose parameters are wrong), or 400 ("request error") when the
//! body is not a JSON object at all; its message names the rule and pointer of the first errors
//! and never a credential.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use serde_json::json;

use cloudstorage_contract::tower::ORDER_GET_PATH;
use cloudstorage_contract::{Kind, Report, Response as Envelope, Stage, Validator, sample};

use super::listen::{Body, full};
use super::log::{Log, bounded, now};
use super::metrics::{Metrics, Verdict};
use super::prefer::{self, Choice, Preference};

/// How many errors a refusal names; the rest are counted.
const NAMED_ERRORS: usize = 3;

pub(crate) struct Mock {
    pub(crate) validator: Validator,
    pub(crate) seed: u64,
    /// Calls so far: the `dynamic` answers' stream.
    pub(crate) calls: AtomicU64,
    pub(crate) max_body_bytes: usize,
    pub(crate) log: Arc<Log>,
    pub(crate) metrics: Arc<Metrics>,
}

/// What was answered, for the log.
struct Answered {
    status: StatusCode,
    code: Option<i32>,
    what: String,
}

impl Mock {
    pub(crate) async fn handle(&self, request: Request<Incoming>) -> Response<Body> {
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let on_route = path.ends_with(ORDER_GET_PATH);
        self.metrics.call(on_route && method == Method::POST);
        let mut verdict: Option<Report> = None;
        let (response, answered) = self.answer(request, &mut verdict).await;
        self.metrics.answer(answered.status.as_u16());
        if let Some(report) = &verdict {
            self.metrics
                .verdict(Kind::Request, Verdict::of(report), Some(report));
        }
        self.log.line(&json!({
            "time": now(),
            "method": bounded(method.as_str()),
            "path": bounded(&path),
            "route": if on_route { "order/get" } else { "other" },
            "request": verdict.as_ref().map(|r| json!({
                "verdict": Verdict::of(r).as_str(),
                "errors": r.error_count(),
                "warnings": r.warning_count(),
                "findings": r.diagnostics().iter().map(|d| json!({
                    "rule": d.rule().id(),
                    "severity": d.severity().as_str(),
                    "pointer": d.pointer(),
                })).collect::<Vec<_>>(),
            })),
            "answer": {
                "status": answered.status.as_u16(),
                "code": answered.code,
                "what": answered.what,
            },
        }));
        response
    }

    async fn answer(
        &self,
        request: Request<Incoming>,
        verdict: &mut Option<Report>,
    ) -> (Response<Body>, Answered) {
        if !request.uri().path().ends_with(ORDER_GET_PATH) {
            return refuse(
                StatusCode::NOT_FOUND,
                404,
                "service not found: the mock serves POST /vision/customer/cloudstorage/order/get",
                "服务不存在：本模拟服务只提供 POST /vision/customer/cloudstorage/order/get",
            );
        }
        if request.method() != Method::POST {
            let (mut response, answered) = refuse(
                StatusCode::METHOD_NOT_ALLOWED,
                405,
                &format!(
                    "method {} is not allowed: order/get takes POST",
                    bounded(request.method().as_str())
                ),
                "请求方法不被允许：order/get 只接受 POST",
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return (response, answered);
        }
        let prefer = request
            .headers()
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok());
        let preference = match prefer::parse(prefer, request.uri().query()) {
            Ok(preference) => preference,
            Err(message) => {
                return refuse(StatusCode::BAD_REQUEST, 400, &message, "Prefer 取值无效");
            }
        };
        if let Some(refusal) = unreadable_media(request.headers()) {
            return refusal;
        }
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let over = |limit: usize| {
            refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                413,
                &format!("the request body is over the mock's limit of {limit} bytes"),
                &format!("请求体超过上限 {limit} 字节"),
            )
        };
        // A declared length over the limit is refused before a byte of the body is read.
        if declared.is_some_and(|n| n > self.max_body_bytes as u64) {
            return over(self.max_body_bytes);
        }
        let bytes = match Limited::new(request.into_body(), self.max_body_bytes)
            .collect()
            .await
        {
            Ok(collected) => collected.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                return over(self.max_body_bytes);
            }
            Err(_) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    400,
                    "the request body ended with an error before it was complete",
                    "请求体未完整读取",
                );
            }
        };
        let report = self.validator.validate_request(&bytes);
        let refused = !report.conforms();
        let ids = report
            .request()
            .map(|r| (r.params.iot_id.clone(), r.params.order_id.clone()));
        let reason = report.error_summary(NAMED_ERRORS);
        let text_level = report.errors().next().map(|d| d.rule().info().stage) == Some(Stage::Text);
        *verdict = Some(report);
        if refused {
            // 460 "request parameter error" is the platform's code for parameters that are
            // wrong; 400 "request error" for a body that is not a JSON object at all.
            let code = if text_level { 400 } else { 460 };
            return refuse(
                StatusCode::BAD_REQUEST,
                code,
                &format!("the request violates the order/get 1.0.6 contract: {reason}"),
                &format!("请求不符合 order/get 1.0.6 接口约定：{reason}"),
            );
        }
        let Some((iot_id, order_id)) = ids else {
            // A conforming request always deserializes; answer as the platform would fail.
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                500,
                "service error",
                "服务端错误",
            );
        };
        self.choose(preference, &iot_id, &order_id)
    }

    /// The answer the preference asks for, for these ids.
    fn choose(
        &self,
        preference: Preference,
        iot_id: &str,
        order_id: &str,
    ) -> (Response<Body>, Answered) {
        let seed = if preference.dynamic {
            let call = self.calls.fetch_add(1, Ordering::Relaxed);
            fnv1a(&[&self.seed.to_le_bytes(), b"dynamic", &call.to_le_bytes()])
        } else {
            fnv1a(&[
                &self.seed.to_le_bytes(),
                iot_id.as_bytes(),
                &[0xff],
                order_id.as_bytes(),
            ])
        };
        let (text, code): (Bytes, Option<i32>) = match preference.choice {
            Choice::Order => (
                sample::answer(seed, iot_id, order_id).text.into(),
                Some(200),
            ),
            Choice::Code(error) => (
                serde_json::to_vec(&error.envelope())
                    .unwrap_or_default()
                    .into(),
                Some(error.code),
            ),
            Choice::Example(example) => (
                Bytes::from_static(example.text().as_bytes()),
                serde_json::from_str::<serde_json::Value>(example.text())
                    .ok()
                    .and_then(|v| v["code"].as_i64())
                    .and_then(|c| i32::try_from(c).ok()),
            ),
            Choice::Rule(rule) => match sample::near_miss_answer(rule, seed, iot_id, order_id) {
                Some(s) => (s.text.into(), None),
                None => {
                    return refuse(
                        StatusCode::BAD_REQUEST,
                        400,
                        &format!("no answer breaks `{rule}`"),
                        "无法生成该规则的响应",
                    );
                }
            },
        };
        (
            json_response(StatusCode::OK, text),
            Answered {
                status: StatusCode::OK,
                code,
                what: preference.describe(),
            },
        )
    }
}

/// 415 for a compressed body or one that declares another media type than JSON.
fn unreadable_media(headers: &http::HeaderMap) -> Option<(Response<Body>, Answered)> {
    let encoded = headers
        .get_all(header::CONTENT_ENCODING)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("unreadable").split(','))
        .any(|c| !c.trim().is_empty() && !c.trim().eq_ignore_ascii_case("identity"));
    if encoded {
        return Some(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            415,
            "the request body is compressed; send it uncompressed",
            "请求体经过压缩；请发送未压缩的内容",
        ));
    }
    let json = headers.get(header::CONTENT_TYPE).is_none_or(|value| {
        let essence = value
            .to_str()
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        essence == "application/json" || essence.ends_with("+json")
    });
    (!json).then(|| {
        refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            415,
            "order/get takes a JSON body (Content-Type: application/json)",
            "order/get 只接受 JSON 请求体（Content-Type: application/json）",
        )
    })
}

/// The platform's error envelope under `status`.
fn refuse(
    status: StatusCode,
    code: i32,
    message: &str,
    localized: &str,
) -> (Response<Body>, Answered) {
    let envelope = Envelope::failure(code, message, localized);
    let body = serde_json::to_vec(&envelope).unwrap_or_default();
    (
        json_response(status, body.into()),
        Answered {
            status,
            code: Some(code),
            what: "refusal".to_owned(),
        },
    )
}

fn json_response(status: StatusCode, body: Bytes) -> Response<Body> {
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    response
}

/// 64-bit FNV-1a over the parts: a fixed hash, so that the same ids give the same order in
/// every version of Rust.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in *part {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_is_the_published_function() {
        // The FNV-1a 64-bit test vectors.
        assert_eq!(fnv1a(&[b""]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(&[b"a"]), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(&[b"foo", b"bar"]), fnv1a(&[b"foobar"]));
    }
}
