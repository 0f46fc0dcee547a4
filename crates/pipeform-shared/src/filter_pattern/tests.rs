//! Cases shaped after the AWS documentation's filter-pattern examples (the same kinds of events
//! and patterns, with the outcomes the documentation gives), plus the lines the job writes.

use super::FilterPattern;

fn matches(pattern: &str, event: &str) -> bool {
    FilterPattern::parse(pattern)
        .unwrap_or_else(|e| panic!("{e}"))
        .matches(event)
}

/// Which of `events` the pattern matches, by index.
fn which(pattern: &str, events: &[&str]) -> Vec<usize> {
    let p = FilterPattern::parse(pattern).unwrap_or_else(|e| panic!("{e}"));
    events
        .iter()
        .enumerate()
        .filter(|(_, e)| p.matches(e))
        .map(|(i, _)| i)
        .collect()
}

const HTTP_ERRORS: [&str; 5] = [
    "[ERROR 400] BAD REQUEST",
    "[ERROR 401] UNAUTHORIZED REQUEST",
    "[ERROR 419] MISSING ARGUMENTS",
    "[ERROR 420] INVALID ARGUMENTS",
    "[ERROR 500] INTERNAL SERVER ERROR",
];

const APP_LINES: [&str; 4] = [
    "[ERROR] A fatal exception has occurred",
    "Exiting with ERRORCODE: -1",
    "[WARN] Caught IllegalArgumentException",
    "[INFO] Unhandled Exception in thread main",
];

// --- terms -----------------------------------------------------------------------------------

#[test]
fn one_term_matches_every_event_holding_it() {
    assert_eq!(which("ERROR", &HTTP_ERRORS), vec![0, 1, 2, 3, 4]);
}

#[test]
fn several_terms_must_all_be_present() {
    assert_eq!(which("ERROR ARGUMENTS", &HTTP_ERRORS), vec![2, 3]);
}

#[test]
fn question_mark_terms_need_any_one() {
    assert_eq!(which("?ARGUMENTS ?REQUEST", &HTTP_ERRORS), vec![0, 1, 2, 3]);
    assert_eq!(which("?WARN ?fatal", &APP_LINES), vec![0, 2]);
}

#[test]
fn quoted_phrase_matches_exactly_that_phrase() {
    assert_eq!(which("\"INTERNAL SERVER ERROR\"", &HTTP_ERRORS), vec![4]);
    assert_eq!(
        which("\"SERVER INTERNAL\"", &HTTP_ERRORS),
        Vec::<usize>::new()
    );
}

#[test]
fn minus_excludes_a_term() {
    assert_eq!(which("ERROR -ARGUMENTS", &HTTP_ERRORS), vec![0, 1, 4]);
    assert_eq!(which("ERROR -Exiting", &APP_LINES), vec![0]);
}

#[test]
fn minus_excludes_a_quoted_phrase() {
    assert_eq!(
        which("ERROR -\"MISSING ARGUMENTS\"", &HTTP_ERRORS),
        vec![0, 1, 3, 4]
    );
}

#[test]
fn terms_are_substrings() {
    // The documentation's own example: ERROR matches "Exiting with ERRORCODE: -1".
    assert_eq!(which("ERROR", &APP_LINES), vec![0, 1]);
    // Case counts: "exception" in the first line is not "Exception".
    assert_eq!(which("Exception", &APP_LINES), vec![2, 3]);
}

#[test]
fn terms_are_case_sensitive() {
    assert_eq!(which("error", &HTTP_ERRORS), Vec::<usize>::new());
    assert!(!matches("\"job_status=failed\"", "JOB_STATUS=FAILED"));
}

#[test]
fn empty_and_blank_patterns_match_everything() {
    assert_eq!(which("", &HTTP_ERRORS), vec![0, 1, 2, 3, 4]);
    assert_eq!(which("\" \"", &APP_LINES), vec![0, 1, 2, 3]);
}

#[test]
fn punctuation_terms_match_quoted_or_not() {
    let line = "2026-11-28T03:00:01.120Z ERROR JOB_STATUS=FAILED reason=tables.csv line 3";
    assert!(matches("\"JOB_STATUS=FAILED\"", line));
    assert!(matches("JOB_STATUS=FAILED", line));
    assert!(!matches("JOB_STATUS=SUCCEEDED", line));
}

#[test]
fn the_jobs_status_lines() {
    let failed = "2026-11-28T03:00:01.120Z ERROR JOB_STATUS=FAILED reason=x";
    let ok = "2026-11-28T03:00:01.120Z INFO JOB_STATUS=SUCCEEDED";
    assert!(matches("JOB_STATUS=FAILED", failed) && !matches("JOB_STATUS=FAILED", ok));
    assert!(matches("JOB_STATUS=SUCCEEDED", ok) && !matches("JOB_STATUS=SUCCEEDED", failed));
    // A too-wide pattern catches both, which `alarm.pattern` reports.
    assert!(matches("JOB_STATUS", ok) && matches("JOB_STATUS", failed));
}

#[test]
fn optional_and_excluded_terms_combine() {
    assert_eq!(which("?ERROR ?WARN -Exiting", &APP_LINES), vec![0, 2]);
}

#[test]
fn unterminated_quote_is_an_error_naming_the_position() {
    let e = FilterPattern::parse("ERROR \"half").unwrap_err();
    assert_eq!(e.at, 6);
    assert!(e.reason.contains("unterminated"), "{e}");
}

#[test]
fn dangling_question_mark_is_an_error() {
    assert!(FilterPattern::parse("ERROR ?").is_err());
    assert!(FilterPattern::parse("-").is_err());
}

#[test]
fn regular_expressions_are_refused_clearly() {
    let e = FilterPattern::parse("%ERROR [0-9]+%").unwrap_err();
    assert!(e.reason.contains("regular expression"), "{e}");
    assert!(e.regex(), "{e}");
}

/// The documentation lets a regex stand alone or take the place of a term or of a compared
/// value in the JSON and space-delimited forms: each is refused (not read as literal text,
/// which would judge a working filter wrong), and only inside quotes is `%` plain text.
#[test]
fn regular_expressions_anywhere_are_refused_not_read_literally() {
    for (pattern, at) in [
        ("%JOB_STATUS=FAIL(ED)?%", 0),
        ("  %AUTHORIZED%", 2),
        ("ERROR %JOB_STATUS=FAIL%", 6),
        ("?%FAILED% ?ERROR", 1),
        ("INFO -%DEBUG%", 6),
        ("{ $.status = %FAIL[A-Z]*% }", 13),
        ("{ $.a = 1 || $.status != %^OK$% }", 25),
        ("[ts, level, status = %FAIL%]", 21),
        ("[..., status = %4[0-9]{2}%]", 15),
    ] {
        let e = FilterPattern::parse(pattern).expect_err(pattern);
        assert!(e.regex(), "{pattern}: {e}");
        assert_eq!(e.at, at, "{pattern}: {e}");
    }
    let quoted = FilterPattern::parse("\"100%\" \"%done%\"").expect("quoted % is text");
    assert!(quoted.matches("at 100% (%done%)"));
    assert!(!quoted.matches("at 100% done"));
    let e = FilterPattern::parse("[a b]").expect_err("bad field list");
    assert!(!e.regex(), "{e}");
}

// --- space-delimited -------------------------------------------------------------------------

const ACCESS: &str =
    "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 1534";
const ACCESS_404: &str =
    "127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] \"GET /index.html HTTP/1.0\" 404 310";
const FLOW: &str = "2 123456789010 eni-abc123de 10.0.0.1 10.0.0.2 20641 22 6 20 4249 1418530010 1418530070 REJECT OK";

#[test]
fn delimited_fields_bind_by_position_with_quotes_and_brackets_as_one() {
    assert!(matches(
        "[ip, user, username, timestamp, request, status_code, bytes]",
        ACCESS
    ));
    // Seven fields are needed: six or eight do not match.
    assert!(!matches(
        "[ip, user, username, timestamp, request, status_code]",
        ACCESS
    ));
    assert!(!matches("[a, b, c, d, e, f, g, h]", ACCESS));
}

#[test]
fn delimited_numeric_and_text_conditions() {
    let p = "[ip, user, username, timestamp, request, status_code = 404, bytes]";
    assert!(!matches(p, ACCESS) && matches(p, ACCESS_404));
    assert!(matches(
        "[ip, user, username, timestamp, request, status_code, bytes > 1000]",
        ACCESS
    ));
    assert!(!matches(
        "[ip, user, username, timestamp, request, status_code, bytes > 1000]",
        ACCESS_404
    ));
    assert!(matches("[ip = 127.0.0.1, ...]", ACCESS));
}

#[test]
fn delimited_wildcards_in_text_conditions() {
    let p = "[ip, user, username, timestamp, request = *.html*, status_code = 4*, bytes]";
    assert!(matches(p, ACCESS_404) && !matches(p, ACCESS));
}

#[test]
fn delimited_quoted_field_keeps_its_spaces_but_not_its_quotes() {
    assert!(matches(
        "[ip, user, username, timestamp, request = \"GET /apache_pb.gif HTTP/1.0\", ...]",
        ACCESS
    ));
    assert!(matches(
        "[..., timestamp = \"10/Oct/2000:13:25:15 -0700\", request, status, bytes]",
        ACCESS
    ));
}

#[test]
fn delimited_ellipsis_takes_any_number_of_fields() {
    assert!(matches("[..., status_code = 200, bytes]", ACCESS));
    assert!(matches("[ip, ..., bytes = 1534]", ACCESS));
    assert!(matches("[...]", ACCESS));
    assert!(!matches("[..., status_code = 500, bytes]", ACCESS));
}

#[test]
fn delimited_or_and_and_between_conditions() {
    let p = "[..., status_code = 404 || status_code = 410, bytes]";
    assert!(matches(p, ACCESS_404) && !matches(p, ACCESS));
    let p = "[..., status_code = 4* && bytes < 500, bytes]";
    assert!(matches(p, ACCESS_404) && !matches(p, ACCESS));
}

#[test]
fn delimited_vpc_flow_log_rejected_ssh() {
    let p = "[version, account_id, interface_id, srcaddr, dstaddr, srcport, dstport = 22, protocol, packets, bytes, start, end, action = REJECT, log_status]";
    assert!(matches(p, FLOW));
    assert!(!matches(p, &FLOW.replace("REJECT", "ACCEPT")));
}

#[test]
fn delimited_not_equal_and_ranges() {
    assert!(matches("[..., status_code != 404, bytes]", ACCESS));
    assert!(matches(
        "[..., status_code >= 200 && status_code < 300, bytes]",
        ACCESS
    ));
    assert!(!matches(
        "[..., status_code >= 200 && status_code < 300, bytes]",
        ACCESS_404
    ));
}

#[test]
fn delimited_errors_name_the_problem() {
    assert!(FilterPattern::parse("[ip, user").is_err());
    let e = FilterPattern::parse("[ip, user = x || nobody = 3]").unwrap_err();
    assert!(e.reason.contains("nobody"), "{e}");
    let e = FilterPattern::parse("[ip, bytes > big]").unwrap_err();
    assert!(e.reason.contains("numbers"), "{e}");
}

// --- JSON ------------------------------------------------------------------------------------

const EVENT: &str = r#"{
  "eventType": "UpdateTrail",
  "sourceIPAddress": "123.123.123.123",
  "arrayKey": ["value", "another value"],
  "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
  "SomeObject": null,
  "cidr": "123.123.0.0/16",
  "ThisFlag": true,
  "falseFlag": false,
  "bandwidth": 75,
  "latency": 500,
  "user": {"id": 1, "email": "John.Doe@example.com"},
  "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],
  "actions": ["GET", "PUT", "DELETE"],
  "coordinates": [[0, 1], [3, 4]]
}"#;

#[test]
fn json_string_equality() {
    assert!(matches(r#"{ $.eventType = "UpdateTrail" }"#, EVENT));
    assert!(!matches(r#"{ $.eventType = "CreateTrail" }"#, EVENT));
    assert!(!matches(r#"{ $.eventType = "updatetrail" }"#, EVENT));
}

#[test]
fn json_unquoted_wildcard_not_equal() {
    assert!(!matches("{ $.sourceIPAddress != 123.123.* }", EVENT));
    assert!(matches("{ $.sourceIPAddress != 124.* }", EVENT));
    assert!(matches("{ $.sourceIPAddress = 123.123.* }", EVENT));
}

#[test]
fn json_array_and_object_selectors() {
    assert!(matches(r#"{ $.arrayKey[0] = "value" }"#, EVENT));
    assert!(matches("{ $.objectList[1].id = 2 }", EVENT));
    assert!(matches("{ $.coordinates[1][0] = 3 }", EVENT));
    assert!(!matches("{ $.objectList[5].id = 2 }", EVENT));
}

#[test]
fn json_numeric_comparisons() {
    assert!(matches("{ $.bandwidth > 70 }", EVENT));
    assert!(!matches("{ $.bandwidth > 75 }", EVENT));
    assert!(matches("{ $.latency >= 500 }", EVENT));
    assert!(matches("{ $.latency <= 500 && $.latency != 499 }", EVENT));
    assert!(matches("{ $.latency = 5e2 }", EVENT));
    // A number never equals a string field, nor a string a number field.
    assert!(!matches("{ $.eventType > 1 }", EVENT));
    assert!(!matches(r#"{ $.latency = "500" }"#, EVENT));
}

#[test]
fn json_and_or_with_parentheses() {
    assert!(matches(
        r#"{ $.user.id = 1 && $.users[0].email = "John.Doe@example.com" }"#,
        EVENT
    ));
    assert!(matches(
        r#"{ ($.user.id = 2 && $.users[0].email = "nobody") || $.actions[2] = "DELETE" }"#,
        EVENT
    ));
    assert!(!matches(
        r#"{ $.user.id = 2 && ($.users[0].email = "nobody" || $.actions[2] = "DELETE") }"#,
        EVENT
    ));
}

#[test]
fn json_is_true_false_null_and_exists() {
    assert!(matches("{ $.ThisFlag IS TRUE }", EVENT));
    assert!(!matches("{ $.ThisFlag IS FALSE }", EVENT));
    assert!(matches("{ $.falseFlag IS FALSE }", EVENT));
    assert!(matches("{ $.SomeObject IS NULL }", EVENT));
    assert!(matches("{ $.SomeOtherObject NOT EXISTS }", EVENT));
    assert!(!matches("{ $.SomeObject NOT EXISTS }", EVENT));
    assert!(matches("{ $.user EXISTS }", EVENT));
}

#[test]
fn json_missing_field_never_compares() {
    assert!(!matches(r#"{ $.nothing != "x" }"#, EVENT));
    assert!(!matches("{ $.nothing < 3 }", EVENT));
}

#[test]
fn json_wildcard_in_quoted_value() {
    assert!(matches(r#"{ $.user.email = "*@example.com" }"#, EVENT));
    assert!(matches(r#"{ $.cidr = "123.123.*/16" }"#, EVENT));
    assert!(!matches(r#"{ $.user.email = "*@example.org" }"#, EVENT));
}

#[test]
fn json_pattern_never_matches_plain_text() {
    assert!(!matches(
        r#"{ $.eventType = "UpdateTrail" }"#,
        "eventType UpdateTrail"
    ));
}

#[test]
fn json_errors_name_the_problem() {
    let e = FilterPattern::parse("{ eventType = 1 }").unwrap_err();
    assert!(e.reason.contains("'$'"), "{e}");
    assert!(FilterPattern::parse("{ $.a = 1 ").is_err());
    assert!(FilterPattern::parse("{ $.a ~ 1 }").is_err());
    assert!(FilterPattern::parse("{ $.a = 1 } trailing").is_err());
}

/// Found while fuzzing `filter_pattern`: every `...` multiplies the ways to split the fields,
/// so twelve in a row against forty fields did not finish in minutes. Consecutive ones mean
/// one `...`, and are read as one.
#[test]
fn consecutive_ellipses_are_one() {
    let one = FilterPattern::parse("[..., a = 1]").expect("valid");
    let many = FilterPattern::parse(&format!("[{} a = 1]", "..., ".repeat(12))).expect("valid");
    assert_eq!(many, one);
    let fields = ["x"; 40].join(" ");
    assert!(!many.matches(&fields));
    assert!(many.matches(&format!("{fields} 1")));
}

/// Ellipses between named fields multiplied the splits tried just as consecutive ones did
/// (`[..., f1, ..., f2, ...]`: fields-choose-ellipses bindings; twelve against sixty fields is
/// over 10^11). Fields judged on their own value are now matched position by position.
#[test]
fn ellipses_between_fields_are_matched_without_trying_every_split() {
    let names: Vec<String> = (1..=12).map(|i| format!("f{i}")).collect();
    let pattern = format!("[..., {}, ..., a = 1]", names.join(", ..., "));
    let p = FilterPattern::parse(&pattern).expect("valid");
    let fields = ["x"; 60].join(" ");
    assert!(!p.matches(&fields));
    assert!(p.matches(&format!("{fields} 1")));
    assert!(!p.matches(&format!("{} 1", ["x"; 11].join(" "))));
    // Names without conditions may repeat.
    let p = FilterPattern::parse(&format!("[{} ..., a = 1]", "..., f, ".repeat(12))).expect("ok");
    assert!(p.matches(&format!("{fields} 1")));
}

/// The position-by-position matcher agrees with trying every split, on every small pattern and
/// event built from these pieces.
#[test]
fn positional_matching_agrees_with_trying_every_binding() {
    use super::{
        bind, conditions_hold, judged_field_by_field, positional_match, split_fields, Kind,
    };
    let pieces = ["...", "a", "a", "b = 1", "b", "c != 2", "d = x*", "e > 0"];
    let events = [
        "",
        "1",
        "x 1",
        "1 2 x",
        "xa 0 1 2",
        "2 1 1 x 5",
        "x x x x 1 3",
    ];
    let mut patterns = Vec::new();
    for &p1 in &pieces {
        for &p2 in &pieces {
            for &p3 in &pieces {
                patterns.push(format!("[{p1}, {p2}, {p3}]"));
            }
            patterns.push(format!("[{p1}, {p2}]"));
        }
    }
    let mut compared = 0;
    for text in &patterns {
        let Ok(p) = FilterPattern::parse(text) else {
            continue;
        };
        let Kind::Delimited(fields) = &p.kind else {
            panic!("{text} is delimited");
        };
        if !judged_field_by_field(fields) {
            continue;
        }
        for event in events {
            let values = split_fields(event);
            let mut bound = Vec::new();
            let mut steps = 0;
            let every = bind(
                fields,
                &values,
                &mut bound,
                &|bound| conditions_hold(fields, bound),
                &mut steps,
            );
            assert_eq!(
                Some(positional_match(fields, &values)),
                every,
                "{text} on {event:?}"
            );
            compared += 1;
        }
    }
    assert!(compared > 500, "{compared}");
}

/// A condition that names another field, among many `...`: trying every split grows
/// exponentially with the fields (the fuzzer's input kept in `fuzz/known-slow`). The evaluator
/// gives up after a bounded number of steps and says so, instead of running for hours.
#[test]
fn too_many_splits_to_try_is_not_evaluated_rather_than_a_hang() {
    let input =
        include_str!("../../../../fuzz/known-slow/filter_pattern/repeated-conditioned-name");
    let (pattern, line) = input.split_once('\n').expect("pattern, newline, line");
    let p = FilterPattern::parse(pattern).unwrap_or_else(|e| panic!("{e}"));
    let err = p.evaluate(line).expect_err("too many splits to try");
    assert!(err.to_string().contains("not evaluated"), "{err}");
    // `matches` says no for it, as for any event it cannot prove.
    assert!(!p.matches(line));
    // The same kind of pattern on a short event is still evaluated.
    let short =
        FilterPattern::parse("[a, ..., b = x && a = y, ...]").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(short.evaluate("y q x z"), Ok(true));
    assert_eq!(short.evaluate("z q x z"), Ok(false));
}
