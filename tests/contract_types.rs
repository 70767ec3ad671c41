//! The page's three examples against the types: they deserialize, and serialize back to
//! equivalent JSON.

use cloudstorage_contract::{
    Credential, OrderStatus, OrderType, PaymentStatus, Presence, RecordType, Request, Response,
};
use serde_json::Value;

fn page(name: &str) -> String {
    let path = format!("{}/examples/page/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(text: &str) -> T {
    let typed: T = serde_json::from_str(text).expect("the example deserializes");
    let original: Value = serde_json::from_str(text).expect("the example is JSON");
    let back = serde_json::to_value(&typed).expect("the value serializes");
    assert_eq!(back, original, "round trip changed the payload");
    typed
}

#[test]
fn request_example_round_trips() {
    let request: Request = round_trip(&page("request.json"));
    assert_eq!(request.request.api_ver, "1.0.6");
    assert_eq!(request.params.iot_id, "QIuozfUcxRX6frOTO4dK****");
    assert_eq!(request.params.order_id, "20200731124115****");
    assert_eq!(request.params.device_no_owner, Some(false));
}

#[test]
fn success_example_round_trips_and_keeps_the_quirk() {
    let response: Response = round_trip(&page("response-success.json"));
    assert_eq!(response.code, 200);
    assert_eq!(response.message, Presence::Null);
    let order = response.data.value().expect("data is an object");
    assert_eq!(order.status, OrderStatus::InUse);
    assert_eq!(order.payment_status, PaymentStatus::Paid);
    assert_eq!(order.order_type, OrderType::Paid);
    assert_eq!(order.record_type, RecordType::Event);
    assert_eq!(order.copies.get(), 1);
    assert_eq!(order.price.as_str(), "1.0");
    assert_eq!(order.start_time.to_string(), "2020-08-25 10:00:0");
    assert!(!order.start_time.is_canonical());
    assert!(!order.end_time.is_canonical());
    assert_eq!(order.pre_consume, None);
}

#[test]
fn error_example_round_trips() {
    let response: Response = round_trip(&page("response-error.json"));
    assert_eq!(response.code, 460);
    assert_eq!(response.message, Presence::Value("auth failed".to_owned()));
    assert_eq!(response.data, Presence::Null);
}

#[test]
fn absent_and_null_members_stay_apart() {
    let absent: Response = round_trip(r#"{"code": 500}"#);
    assert_eq!(absent.message, Presence::Absent);
    assert_eq!(absent.data, Presence::Absent);
    let null: Response = round_trip(r#"{"code": 500, "message": null}"#);
    assert_eq!(null.message, Presence::Null);
}

#[test]
fn the_types_reject_what_the_contract_forbids() {
    let success = page("response-success.json");
    for (from, to) in [
        (r#""status": 0"#, r#""status": 4"#),
        (r#""copies": 1"#, r#""copies": 0"#),
        (r#""price": "1.0""#, r#""price": "1,0""#),
        (r#""2020-08-25 10:00:0""#, r#""2020-02-30 10:00:00""#),
        (
            r#""2020-08-25T02:00:00Z""#,
            r#""2020-08-25T02:00:00+08:00""#,
        ),
        (r#""code": 200"#, r#""code": "200""#),
    ] {
        assert!(success.contains(from), "{from} is in the example");
        let broken = success.replacen(from, to, 1);
        assert!(
            serde_json::from_str::<Response>(&broken).is_err(),
            "{to} was accepted"
        );
    }
}

#[test]
fn credentials_never_show_in_debug() {
    let text = r#"{"id":"1","version":"1.0","request":{"apiVer":"1.0.6","iotToken":"s3cr3t-iot","cloudToken":"s3cr3t-cloud"},"params":{"iotId":"d","orderId":"o"}}"#;
    let request: Request = round_trip(text);
    let debug = format!("{request:?} {request:#?}");
    assert!(!debug.contains("s3cr3t"), "{debug}");
    assert_eq!(
        request.request.iot_token.as_ref().map(Credential::expose),
        Some("s3cr3t-iot")
    );
}
