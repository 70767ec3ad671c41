//! `sample::answer` and `sample::near_miss_answer`, as a mock serves them: checked against a
//! request for the same ids with `Validator::validate_exchange`, on both engines, over many
//! seeds and ids that are hard to carry (quotes, controls, unicode, empty, 10 KB).

use cloudstorage_contract::{
    Engine, Kind, Options, RULES, Request, Rule, Severity, Validator, sample,
};

fn validators() -> Vec<Validator> {
    [Engine::OnePass, Engine::Reference]
        .into_iter()
        .map(|engine| Validator::new(Options::default().engine(engine)).expect("valid options"))
        .collect()
}

fn odd_ids() -> Vec<(String, String)> {
    // 16 bytes a time: 11 200 bytes of UTF-8.
    let long = "设备0123456789".repeat(700);
    assert!(long.len() >= 10 * 1024);
    [
        ("QIuozfUcxRX6frOTO4dK****", "20200731124115****"),
        ("", ""),
        ("\"", "\\"),
        (r#"a"},"iotId":"b"#, r#"1","orderId":"2"#),
        ("\u{0}\u{1b}[31m\u{7f}", "\u{202e}\u{2066}\u{9f}"),
        ("设备🙂", "订单\u{fffd}"),
        ("}", "]"),
        ("x", long.as_str()),
        (long.as_str(), "y"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect()
}

/// A conforming request (drawn from `seed`) for these ids, serialized through the types.
fn request_for(seed: u64, iot_id: &str, order_id: &str) -> String {
    let text = sample::conforming(Kind::Request, seed).text;
    let mut request: Request = serde_json::from_str(&text).expect("a conforming request");
    iot_id.clone_into(&mut request.params.iot_id);
    order_id.clone_into(&mut request.params.order_id);
    serde_json::to_string(&request).expect("the types serialize")
}

fn found(report: &cloudstorage_contract::Report) -> Vec<(Rule, String)> {
    report
        .diagnostics()
        .iter()
        .map(|d| (d.rule(), d.pointer().to_owned()))
        .collect()
}

#[test]
fn answers_have_nothing_to_report_in_their_exchange() {
    for validator in validators() {
        for (i, (iot_id, order_id)) in odd_ids().iter().enumerate() {
            for seed in 0..60 {
                let request = request_for(seed + i as u64, iot_id, order_id);
                let answer = sample::answer(seed, iot_id, order_id);
                assert_eq!((answer.kind, answer.breaks), (Kind::Response, None));
                assert!(!answer.text.contains('\n'));
                let exchange =
                    validator.validate_exchange(request.as_bytes(), answer.text.as_bytes());
                assert!(exchange.request.diagnostics().is_empty(), "{request}");
                assert!(
                    exchange.response.diagnostics().is_empty(),
                    "seed {seed}: {:?}\n{}",
                    found(&exchange.response),
                    answer.text
                );
                let order = exchange.response.response().and_then(|r| r.data.value());
                let order = order.expect("a conforming success is typed");
                assert_eq!((&order.iot_id, &order.order_id), (iot_id, order_id));
            }
        }
    }
}

#[test]
fn near_miss_answers_break_their_rule_and_nothing_else() {
    for validator in validators() {
        for (i, (iot_id, order_id)) in odd_ids().iter().enumerate() {
            for &rule in sample::answer_defects() {
                for seed in 0..24 {
                    let request = request_for(seed + i as u64, iot_id, order_id);
                    let s = sample::near_miss_answer(rule, seed, iot_id, order_id)
                        .expect("a rule of answer_defects");
                    assert_eq!((s.kind, s.breaks), (Kind::Response, Some(rule)));
                    let pointer = s.pointer.clone().expect("a near miss names its pointer");
                    let exchange =
                        validator.validate_exchange(request.as_bytes(), s.text.as_bytes());
                    let report = &exchange.response;
                    let context = || {
                        format!(
                            "{rule} at {pointer:?}, seed {seed}: {:?}\n{}",
                            found(report),
                            s.text
                        )
                    };
                    assert!(exchange.request.diagnostics().is_empty(), "{request}");
                    assert!(
                        report
                            .diagnostics()
                            .iter()
                            .any(|d| d.rule() == rule && d.pointer() == pointer),
                        "{}",
                        context()
                    );
                    // Exactly the one defect: in particular no exchange mismatch, unless it is
                    // the defect.
                    assert!(
                        report.diagnostics().iter().all(|d| d.rule() == rule),
                        "{}",
                        context()
                    );
                    match rule.info().default_severity {
                        Severity::Error => assert!(!report.conforms(), "{}", context()),
                        _ => assert!(report.conforms(), "{}", context()),
                    }
                }
            }
        }
    }
}

#[test]
fn answer_defects_are_exactly_the_rules_near_miss_answer_supports() {
    let defects = sample::answer_defects();
    for info in RULES {
        let made = sample::near_miss_answer(info.rule, 0, "d", "o");
        assert_eq!(made.is_some(), defects.contains(&info.rule), "{}", info.id);
    }
    // Every rule a response near miss breaks, and the exchange mismatch.
    let mut cycled: Vec<Rule> = (0..200)
        .filter_map(|seed| sample::near_miss(Kind::Response, seed).breaks)
        .collect();
    cycled.sort();
    cycled.dedup();
    cycled.push(Rule::ExchangeMismatch);
    let mut sorted = defects.to_vec();
    sorted.sort();
    assert_eq!(sorted, cycled);
}

#[test]
fn answers_are_deterministic() {
    for (iot_id, order_id) in odd_ids() {
        for seed in [0, 1, 42, u64::MAX] {
            assert_eq!(
                sample::answer(seed, &iot_id, &order_id),
                sample::answer(seed, &iot_id, &order_id)
            );
            for &rule in sample::answer_defects() {
                assert_eq!(
                    sample::near_miss_answer(rule, seed, &iot_id, &order_id),
                    sample::near_miss_answer(rule, seed, &iot_id, &order_id)
                );
            }
        }
    }
    // Other ids change only the ids: the rest is the seed's.
    let a = sample::answer(5, "device-a", "order-a").text;
    let b = sample::answer(5, "device-b", "order-b").text;
    assert_eq!(
        a.replace("device-a", "D").replace("order-a", "O"),
        b.replace("device-b", "D").replace("order-b", "O")
    );
}

#[test]
fn the_answer_text_is_pinned() {
    // As `conforming`: the same arguments give the same text, forever.
    assert_eq!(
        sample::answer(42, "QIuozfUcxRX6frOTO4dK****", "20200731124115****").text,
        r#"{"id":"450d3c59-3788-4a31-871b-f19914bcfbcd","code":200,"message":null,"localizedMsg":null,"data":{"iotId":"QIuozfUcxRX6frOTO4dK****","identityId":"4ca5op128f53250da8e04f9059f4eeea","commodityCode":"ilopLVCloudResource","specification":"eventResource_7","copies":1,"price":"30.00","userName":"carol.ivan@example.com","userId":"4ca5op128f53250da8e04f9059f4eeea","orderId":"20200731124115****","outOrderNo":"202428162923284","status":0,"paymentStatus":1,"recordType":2,"orderType":0,"startTime":"2023-06-18 22:53:23","endTime":"2023-07-19 22:53:23","startTimeUTC":"2023-06-19T03:53:23Z","endTimeUTC":"2023-07-20T03:53:23Z","preConsume":2137089}}"#
    );
}

/// The exchange in two halves (`validate_asked`, then `validate_answer`) judges every response
/// as `validate_exchange` does, on both engines: answers, near misses, and requests that are
/// themselves broken.
#[test]
fn an_exchange_in_two_halves_is_the_same_exchange() {
    for validator in validators() {
        for seed in 0..300 {
            let requests = [
                sample::conforming(Kind::Request, seed).text,
                sample::near_miss(Kind::Request, seed).text,
            ];
            let responses = [
                sample::answer(seed, "QIuozfUcxRX6frOTO4dK0001", "order-1").text,
                sample::conforming(Kind::Response, seed).text,
                sample::near_miss(Kind::Response, seed).text,
            ];
            for request in &requests {
                let (report, asked) = validator.validate_asked(request.as_bytes());
                assert_eq!(report, validator.validate_request(request.as_bytes()));
                for response in &responses {
                    let whole =
                        validator.validate_exchange(request.as_bytes(), response.as_bytes());
                    assert_eq!(whole.request, report);
                    assert_eq!(
                        validator.validate_answer(&asked, response.as_bytes()),
                        whole.response,
                        "{request}\n{response}"
                    );
                }
            }
        }
    }
}
