//! The contract of Alibaba Cloud IoT Living Link's `POST /vision/customer/cloudstorage/order/get`
//! (API version 1.0.6, 获取云存储套餐订单详情), made executable.
//!
//! - Typed request and response envelopes ([`Request`], [`Response`], [`OrderDetail`]) that
//!   cannot hold bad data: integer enums with their documented meanings, and newtypes for
//!   local times, UTC times and prices.
//! - JSON Schemas (draft 2020-12) derived from those types, committed under `schemas/` for teams
//!   in other languages ([`schema`]).
//! - The documented error codes with their messages, and their error envelopes ([`codes`]).
//!
//! # Examples
//!
//! ```
//! use cloudstorage_contract::{OrderStatus, Response};
//!
//! let body = r#"{
//!     "code": 200,
//!     "data": {
//!         "iotId": "QIuozfUcxRX6frOTO4dK0001", "identityId": "u1",
//!         "commodityCode": "ilopLVCloudResource", "specification": "eventResource_7",
//!         "copies": 1, "price": "1.0", "userName": "alice", "userId": "u1",
//!         "orderId": "202007311241150001", "outOrderNo": "206700019700001",
//!         "status": 0, "paymentStatus": 1, "orderType": 0, "recordType": 2,
//!         "startTime": "2020-08-25 10:00:00", "endTime": "2020-09-25 10:00:00",
//!         "startTimeUTC": "2020-08-25T02:00:00Z", "endTimeUTC": "2020-09-25T02:00:00Z"
//!     }
//! }"#;
//! let response: Response = serde_json::from_str(body)?;
//! let order = response.data.value().expect("code 200 carries the order");
//! assert_eq!(order.status, OrderStatus::InUse);
//! assert!(order.start_time.is_canonical());
//! # Ok::<(), serde_json::Error>(())
//! ```
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod artefacts;
pub mod codes;
mod contract;
mod diagnostic;
mod engine;
mod envelope;
mod error;
mod findings;
pub mod har;
mod json_string;
#[cfg(feature = "report")]
mod markup;
mod mask;
mod message;
pub mod ndjson;
mod object;
pub mod openapi;
mod order;
mod pointer;
mod position;
mod reference;
mod replay;
#[cfg(feature = "report")]
#[cfg_attr(docsrs, doc(cfg(feature = "report")))]
pub mod report;
mod rules;
pub mod sample;
pub mod schema;
mod semantic;
#[cfg(feature = "proptest")]
#[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
pub mod strategy;
#[cfg(feature = "report")]
#[cfg_attr(docsrs, doc(cfg(feature = "report")))]
pub mod terminal;
mod text;
mod time;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub mod tower;
pub mod traffic;
mod validate;

pub use diagnostic::{Diagnostic, Payload, Report};
pub use envelope::{Credential, Params, Presence, Request, Response, SystemParams};
pub use error::Error;
pub use mask::mask_credentials;
pub use order::{
    OrderDetail, OrderStatus, OrderType, PaymentStatus, Price, PriceError, RecordType,
};
pub use position::{LineIndex, Position};
pub use rules::{Level, RULES, Rule, RuleInfo, Severity, Stage, UnknownRule};
pub use schema::Kind;
pub use time::{LocalTime, TimeError, UtcTime};
pub use traffic::TrafficProfile;
pub use validate::{
    Asked, DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_DIAGNOSTICS, Engine, Exchange,
    MAX_DEPTH_CAP, Options, Profile, Validator, check_time_zone,
};

#[cfg(feature = "report")]
#[cfg_attr(docsrs, doc(cfg(feature = "report")))]
pub use report::explain;
/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
