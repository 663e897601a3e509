//! Hostile input: every server function, called by every kind of identity with arguments generated
//! from its row in the authorization matrix (each argument in turn over-long, empty, control and
//! invisible characters, emoji, injection strings, negative and huge numbers, the wrong JSON type, or
//! missing; and whole bodies that are empty, cut short, not UTF-8, nested 10,000 deep, of another content type, or too large), must never
//! answer 500, must always answer a refusal as JSON with a code and a sentence, and must leave the
//! sharing tables exactly as they were (audit rows of refusals may be added).

use crate::helpers::*;
use crate::matrix::{body_of, form_body, percent_encode, request, rows, Encoding, Fixture, Row, WHO};
use axum::body::Body;
use http::StatusCode;
use serde_json::{json, Value};

/// Strings no argument should need, each of which has broken a parser, a query or a page somewhere.
pub(crate) fn hostile_strings() -> Vec<String> {
    vec![
        String::new(),
        " ".to_owned(),
        "a".repeat(5_000),
        "\u{0}".to_owned(),
        "bs\u{0}1".to_owned(),
        "😀🔥 emoji".to_owned(),
        "\u{202E}txt.exe".to_owned(),
        "\u{200B}".to_owned(),
        "\u{FFFD}\u{FFFE}\u{FEFF}".to_owned(),
        "' or '1'='1".to_owned(),
        "x'); drop table resource_share; --".to_owned(),
        "<script>alert(1)</script>".to_owned(),
        "../../../etc/passwd".to_owned(),
        "%00%ff".to_owned(),
        "=cmd|' /C calc'!A0".to_owned(),
    ]
}

/// Text where a number or a yes/no is expected (only for such arguments: as a name, "abc" is fine).
fn wrong_scalars() -> Vec<String> {
    ["-1", "-9223372036854775809", "9223372036854775808", "1e309", "abc", "maybe", "1", "TRUE", ""]
        .map(str::to_owned)
        .to_vec()
}

/// Values of another JSON type than any argument's, and out-of-range numbers.
fn hostile_json_values() -> Vec<Value> {
    vec![
        json!(null),
        json!(-1),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(1e300),
        json!(true),
        json!([]),
        json!({}),
        Value::Array(vec![json!("a"); 100]),
    ]
}

/// One generated call: a description for the failure message and the body.
struct Case {
    what: String,
    content_type: &'static str,
    body: Vec<u8>,
}

/// The paths of every leaf of `args` (object keys and array indexes).
fn leaves(args: &Value, path: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match args {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                path.push(json!(k));
                out.push(path.clone()); // the object or value under this key, replaced or removed
                if v.is_object() || v.is_array() {
                    leaves(v, path, out);
                }
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(json!(i));
                out.push(path.clone());
                leaves(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(args: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(args, |v, step| match step {
        Value::String(k) => &mut v[k.as_str()],
        Value::Number(i) => &mut v[i.as_u64().unwrap() as usize],
        _ => unreachable!(),
    })
}

fn removed(args: &Value, path: &[Value]) -> Value {
    let mut args = args.clone();
    let (last, parent) = path.split_last().unwrap();
    let parent = at(&mut args, parent);
    match (parent, last) {
        (Value::Object(map), Value::String(k)) => {
            map.remove(k);
        }
        (Value::Array(items), Value::Number(i)) => {
            items.remove(i.as_u64().unwrap() as usize);
        }
        _ => {}
    }
    args
}

fn cases(row: &Row, args: &Value) -> Vec<Case> {
    let content_type = match row.encoding {
        Encoding::Form => "application/x-www-form-urlencoded",
        Encoding::Json => "application/json",
    };
    let case = |what: String, body: Vec<u8>| Case { what, content_type, body };
    let mut out = Vec::new();
    let mut paths = Vec::new();
    leaves(args, &mut Vec::new(), &mut paths);
    for path in &paths {
        let name = path.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(".");
        out.push(case(format!("{name} missing"), body_of(row.encoding, &removed(args, path)).into_bytes()));
        let original = at(&mut args.clone(), path).clone();
        let strings =
            if original.is_string() { hostile_strings() } else { [hostile_strings(), wrong_scalars()].concat() };
        for s in strings {
            let mut a = args.clone();
            *at(&mut a, path) = json!(s);
            let shown: String = s.chars().take(24).collect();
            out.push(case(format!("{name} = {shown:?}"), body_of(row.encoding, &a).into_bytes()));
        }
        if row.encoding == Encoding::Json {
            for v in hostile_json_values() {
                let mut a = args.clone();
                *at(&mut a, path) = v.clone();
                out.push(case(format!("{name} = {v}"), a.to_string().into_bytes()));
            }
        }
    }
    let valid = body_of(row.encoding, args);
    let refused_before_decoding = [
        case("100 KB body".into(), format!("{valid}&pad={}", "x".repeat(100 * 1024)).into_bytes()),
        Case { what: "text/plain body".into(), content_type: "text/plain", body: valid.clone().into_bytes() },
        Case {
            what: "multipart body".into(),
            content_type: "multipart/form-data; boundary=x",
            body: valid.clone().into_bytes(),
        },
    ];
    // A function without arguments decodes any form body (unknown fields are ignored), so every body
    // of its type *is* the call itself (signing out, leaving the directory): only what is refused before
    // decoding is hostile there.
    if args.as_object().is_some_and(|a| a.is_empty()) {
        return refused_before_decoding.into();
    }
    out.push(case("empty body".into(), Vec::new()));
    out.push(case("body cut short".into(), valid.as_bytes()[..valid.len() / 2].to_vec()));
    out.push(case("not UTF-8".into(), b"\xff\xfe\x00garbage=\xc3\x28".to_vec()));
    out.push(case("a JSON array".into(), b"[1,2,3]".to_vec()));
    out.push(case("deeply nested".into(), format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes()));
    if row.encoding == Encoding::Form {
        out.push(case("only an unknown field".into(), format!("{}=1", percent_encode("zz\u{0}")).into_bytes()));
        out.push(case("bracketed keys".into(), b"a[b][c][d][e][f][g]=1&x[]=2".to_vec()));
        out.push(case("form of a JSON body".into(), form_body(&json!({ "{\"a\":1}": "" })).into_bytes()));
    }
    out.extend(refused_before_decoding);
    out
}

/// Every row of the sharing tables, in order, as text: equal strings mean byte-for-byte equal data.
async fn sharing_tables(app: &TestApp) -> String {
    let mut out = String::new();
    for table in [
        "resource_share",
        "share_resource",
        "share_principal",
        "invitation",
        "shared_backup_set",
        "membership_revocation",
    ] {
        let columns: Vec<String> =
            sqlx::query_scalar(&format!("select name from pragma_table_info('{table}') order by cid"))
                .fetch_all(&app.pool)
                .await
                .expect(table);
        let row = columns.iter().map(|c| format!("quote({c})")).collect::<Vec<_>>().join(" || ',' || ");
        let rows: Vec<String> = sqlx::query_scalar(&format!("select {row} as r from {table} order by r"))
            .fetch_all(&app.pool)
            .await
            .expect(table);
        out.push_str(&format!("{table} ({} rows)\n{}\n", rows.len(), rows.join("\n")));
    }
    out
}

async fn other_tables(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for table in [
        "identity",
        "identity_policy",
        "rd_folder",
        "rd_member",
        "ticket",
        "restore_job",
        "backup_set",
        "cluster",
        "audit_event",
    ] {
        out.push((table, app.count(&format!("select count(*) from {table}")).await));
    }
    out
}

/// The rows are called in this many parts, each a test of its own on its own fixture, so that the
/// ~18,000 calls run side by side (nextest runs each test in its own process) and no one test takes
/// minutes on a busy machine. Every row is in exactly one part (`row index % PARTS`).
const PARTS: usize = 4;

/// The calls of every row in `part` (see [`PARTS`]).
async fn hostile_arguments_of_part(part: usize) {
    let fixture = Fixture::new().await;
    let app = &fixture.app;
    let before = sharing_tables(app).await;
    let others_before = other_tables(app).await;
    let audit_before = app.count("select count(*) from audit_event").await;
    let mut failures = Vec::new();
    let mut calls = 0;
    for row in rows().into_iter().enumerate().filter(|(i, _)| i % PARTS == part).map(|(_, row)| row) {
        let args = fixture.fill(&row.args);
        // A body the generator makes twice (an empty string is both a hostile string and a wrong
        // scalar; a number replaced by its own text) is one case: it is sent once.
        let mut sent = std::collections::BTreeSet::new();
        for case in cases(&row, &args).into_iter().filter(|c| sent.insert((c.content_type, c.body.clone()))) {
            for (w, (who, _)) in WHO.iter().enumerate() {
                let mut request =
                    request(row.name, row.encoding, Body::from(case.body.clone()), fixture.cookies[w].as_deref());
                request.headers_mut().insert(http::header::CONTENT_TYPE, case.content_type.parse().unwrap());
                let answer = app.send(request).await;
                calls += 1;
                let status = answer.status.as_u16();
                let code = answer.json["code"].as_str().unwrap_or("");
                let message = answer.json["message"].as_str().unwrap_or("");
                if status >= 500 {
                    failures.push(format!("{} [{}] as {who}: {status} {}", row.name, case.what, answer.json));
                } else if status >= 400 && (code.is_empty() || message.len() < 12 || !message.ends_with('.')) {
                    failures.push(format!(
                        "{} [{}] as {who}: {status} without a code and a sentence: {}",
                        row.name, case.what, answer.json
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {calls} calls failed:\n{}", failures.len(), failures.join("\n"));
    let after = sharing_tables(app).await;
    let gone: Vec<&str> = before.lines().filter(|l| !after.lines().any(|a| a == *l)).collect();
    let new: Vec<&str> = after.lines().filter(|l| !before.lines().any(|b| b == *l)).collect();
    assert!(
        gone.is_empty() && new.is_empty(),
        "hostile calls changed the sharing tables:\nbefore: {gone:#?}\nafter: {new:#?}"
    );
    assert!(app.count("select count(*) from audit_event").await >= audit_before);
    // Not an assertion (a hostile-looking value can be a valid ticket message or folder name): what
    // the accepted calls added outside the sharing tables, for a reader judging the input rules.
    println!(
        "{calls} hostile calls; rows before -> after outside the sharing tables: {others_before:?} -> {:?}",
        other_tables(app).await
    );
    assert!(calls > 3_000, "{calls} calls");
}

#[tokio::test]
async fn no_hostile_argument_gets_a_500_a_bare_answer_or_a_change_to_the_sharing_tables_part_1() {
    hostile_arguments_of_part(0).await;
}

#[tokio::test]
async fn no_hostile_argument_gets_a_500_a_bare_answer_or_a_change_to_the_sharing_tables_part_2() {
    hostile_arguments_of_part(1).await;
}

#[tokio::test]
async fn no_hostile_argument_gets_a_500_a_bare_answer_or_a_change_to_the_sharing_tables_part_3() {
    hostile_arguments_of_part(2).await;
}

#[tokio::test]
async fn no_hostile_argument_gets_a_500_a_bare_answer_or_a_change_to_the_sharing_tables_part_4() {
    hostile_arguments_of_part(3).await;
}

/// The parts together generate what one test did: more than 10,000 calls over every row.
#[test]
fn the_parts_of_the_hostile_arguments_cover_every_row_with_over_ten_thousand_calls() {
    let (rows, identities) = (rows(), WHO.len());
    let cases: usize = rows
        .iter()
        .map(|row| {
            let args = row.args.clone();
            let mut sent = std::collections::BTreeSet::new();
            cases(row, &args).into_iter().filter(|c| sent.insert((c.content_type, c.body.clone()))).count()
        })
        .sum();
    assert!(cases * identities > 10_000, "{} calls", cases * identities);
    for part in 0..PARTS {
        assert!((0..rows.len()).any(|i| i % PARTS == part), "part {part} has rows");
    }
}

// ---- What this session added: DescribeBackups' time range, the lists' NextToken, RAM users' name@alias ----

use crate::openapi::{acs3, api_code, create_key, owner_key, shared_with_partner_and_accepted, Key, PD, RS};

/// A refusal as the OpenAPI writes one: 4xx, a code and a sentence; never a 500.
fn api_refusal_or_ok(r: &Response, what: &str) -> Result<(), String> {
    let status = r.status.as_u16();
    if status >= 500 {
        return Err(format!("{what}: {status} {}", r.json));
    }
    let message = r.json["Message"].as_str().unwrap_or("");
    if status >= 400
        && (r.json["Code"].as_str().unwrap_or("").is_empty() || message.len() < 12 || !message.ends_with('.'))
    {
        return Err(format!("{what}: {status} without a code and a sentence: {}", r.json));
    }
    Ok(())
}

fn hex_token(keys: &str) -> String {
    format!("nt1{}", keys.bytes().map(|b| format!("{b:02x}")).collect::<String>())
}

/// NextTokens nobody was given: hostile text, tokens of invalid UTF-8 or of the wrong length, and
/// well-formed `nt1` tokens whose keys are odd (U+10FFFF, the first page's sentinel; NUL; injection;
/// none, fewer or more keys than any list's sort key; offsets out of range).
fn hostile_tokens() -> Vec<String> {
    let mut tokens = hostile_strings();
    tokens
        .extend(["nt1", "NT100", "nt1ff", "nt1fffe", "nt1c0af", "nt1 ", "nt1-1", "nt1+0a", "nt10x"].map(str::to_owned));
    tokens.push(format!("nt1{}", "61".repeat(126)));
    tokens.push(format!("nt1{}", "61".repeat(127)));
    let max = "\u{10FFFF}";
    for keys in [
        String::new(),
        "\n".to_owned(),
        "\n\n\n\n\n".to_owned(),
        max.to_owned(),
        format!("{max}\n{max}"),
        format!("{max}\n{max}\n{max}"),
        format!("{max}\n{max}\n{max}\n{max}\n{max}"),
        format!("9999-12-31T00:00:00Z\n{max}\n{max}"),
        "9999-12-31T00:00:00Z".to_owned(),
        "9999-12-31T00:00:00Z\nrs-zzzzzzzz\n9999999999999999\nextra".to_owned(),
        "0000\n\u{0}".to_owned(),
        "\u{0}\n\u{0}\n\u{0}".to_owned(),
        "\u{FFFF}\n\u{FFFE}\n\u{FEFF}".to_owned(),
        "\u{202E}\n\u{200B}".to_owned(),
        "😀\n🔥\n😀".to_owned(),
        "' or '1'='1\n' or '1'='1\n' or '1'='1".to_owned(),
        "2026-11-25T08:00:00Z\nrs-x'); drop table resource_share; --".to_owned(),
        "-1".to_owned(),
        "0".to_owned(),
        "18446744073709551615".to_owned(),
        "18446744073709551616".to_owned(),
        "99999999999999999999999999".to_owned(),
        "1e309".to_owned(),
        "a".repeat(100),
    ] {
        tokens.push(hex_token(&keys));
    }
    tokens
}

/// The JSON list of an OpenAPI list answer (its one array).
fn listed(r: &Response) -> Vec<Value> {
    r.json.as_object().and_then(|o| o.values().find_map(Value::as_array)).cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_hostile_or_forged_next_token_never_gets_a_500_nor_a_row_outside_the_callers_own_list() {
    let app = TestApp::new().await;
    let (_, owner) = owner_key(&app).await;
    let accepted = shared_with_partner_and_accepted(&app, &owner, "hostile-tokens").await;
    let outsider_cookie = app.sign_in("outsider").await;
    let outsider = create_key(&app, &outsider_cookie, "outsider").await;
    let lists: [(&str, &[(&str, &str)]); 9] = [
        ("ListResourceShares", &[("ResourceOwner", "Self")]),
        ("ListResourceShares", &[("ResourceOwner", "OtherAccounts")]),
        ("ListResourceShareAssociations", &[("AssociationType", "Resource")]),
        ("ListResourceShareAssociations", &[("AssociationType", "Target")]),
        ("ListResourceShareInvitations", &[]),
        ("ListSharedResources", &[("ResourceOwner", "Self")]),
        ("ListSharedResources", &[("ResourceOwner", "OtherAccounts"), ("RegionId", "cn-hangzhou")]),
        ("ListSharedTargets", &[("ResourceOwner", "Self")]),
        ("ListSharedTargets", &[("ResourceOwner", "Self"), ("ResourceId", accepted.backup.as_str())]),
    ];
    let callers: [(&str, &Key); 3] = [("owner", &owner), ("partner", &accepted.partner), ("outsider", &outsider)];
    let before = app.sharing_state().await;
    let tokens = hostile_tokens();
    let mut failures = Vec::new();
    let mut calls = 0;
    for (action, params) in &lists {
        for (who, key) in &callers {
            // Everything the caller may list: a forged token may only narrow it.
            let mut all: Vec<(&str, &str)> = params.to_vec();
            all.push(("MaxResults", "100"));
            let whole = acs3(&app, key, action, RS, &all).await;
            assert_eq!(whole.status, StatusCode::OK, "{action} {params:?} as {who}: {:?}", whole.json);
            let whole = listed(&whole);
            for token in &tokens {
                let mut with: Vec<(&str, &str)> = all.clone();
                with.push(("NextToken", token));
                let r = acs3(&app, key, action, RS, &with).await;
                calls += 1;
                let what =
                    format!("{action} {params:?} as {who} NextToken={:?}", token.chars().take(40).collect::<String>());
                if let Err(e) = api_refusal_or_ok(&r, &what) {
                    failures.push(e);
                } else if r.status == StatusCode::OK {
                    if let Some(foreign) = listed(&r).into_iter().find(|row| !whole.contains(row)) {
                        failures.push(format!("{what}: a row outside the caller's own list: {foreign}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {calls} calls failed:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(app.sharing_state().await, before, "reading lists changed nothing");
    // The owner's own token, borrowed by the outsider, reads the outsider's (empty) list.
    let first = acs3(&app, &owner, "ListSharedTargets", RS, &[("ResourceOwner", "Self"), ("MaxResults", "1")]).await;
    if let Some(token) = first.json["NextToken"].as_str() {
        let borrowed =
            acs3(&app, &outsider, "ListSharedTargets", RS, &[("ResourceOwner", "Self"), ("NextToken", token)]).await;
        assert_eq!((borrowed.status, listed(&borrowed).len()), (StatusCode::OK, 0), "{:?}", borrowed.json);
    }
    // The first page's sentinel as a token reads the same first page as no token.
    let sentinel = hex_token("\u{10FFFF}\n\u{10FFFF}");
    let no_token = acs3(&app, &owner, "ListResourceShares", RS, &[("ResourceOwner", "Self")]).await;
    let with_sentinel =
        acs3(&app, &owner, "ListResourceShares", RS, &[("ResourceOwner", "Self"), ("NextToken", &sentinel)]).await;
    assert_eq!(listed(&with_sentinel), listed(&no_token));
    assert!(!listed(&no_token).is_empty());
    assert!(calls > 1_000, "{calls} calls");
}

#[tokio::test]
async fn hostile_start_and_end_times_of_describe_backups_are_refused_with_a_code_and_change_nothing() {
    let app = TestApp::new().await;
    let (_, key) = owner_key(&app).await;
    let mut values = hostile_strings();
    values.extend(
        [
            "2026-13-01T00:00Z",
            "2026-02-30T00:00Z",
            "2026-11-25T24:00Z",
            "2026-11-25T07:60Z",
            "2026-11-25T07:30:00Z",
            "2026-11-25 07:30Z",
            "2026-11-25T07:30+08:00",
            "2026-11-25T07:30",
            "2026-11-25T07:30z",
            " 2026-11-25T07:30Z",
            "2026-11-25T07:30Z\n",
            "+2026-11-25T07:30Z",
            "-0001-01-01T00:00Z",
            "0000-01-01T00:00Z",
            "9999-12-31T23:59Z",
            "99999-01-01T00:00Z",
            "２０２６-11-25T07:30Z",
            "2026-1-5T7:3Z",
            "1732519800",
            "-1",
            "1e309",
            "true",
            "null",
            "[]",
            "2026-11-25T07:30Z' or '1'='1",
        ]
        .map(str::to_owned),
    );
    let valid =
        [("DBClusterId", SHAREABLE_CLUSTER), ("StartTime", "2026-10-01T00:00Z"), ("EndTime", "2026-11-26T00:00Z")];
    let before = app.sharing_state().await;
    let sets_before = app.count("select count(*) from backup_set where deleted_at is null").await;
    let mut failures = Vec::new();
    for i in 1..valid.len() {
        for value in &values {
            let mut with = valid.to_vec();
            with[i].1 = value.as_str();
            let r = acs3(&app, &key, "DescribeBackups", PD, &with).await;
            let what = format!("DescribeBackups {}={:?}", valid[i].0, value.chars().take(30).collect::<String>());
            if let Err(e) = api_refusal_or_ok(&r, &what) {
                failures.push(e);
            } else if r.status == StatusCode::OK {
                let items = r.json["Items"]["Backup"].as_array().cloned().unwrap_or_default();
                if items.iter().any(|b| b["DBClusterId"] != SHAREABLE_CLUSTER) {
                    failures.push(format!("{what}: another cluster's backups: {}", r.json));
                }
            }
        }
        // Missing (a parameter given twice is refused before any action, by the request's parser).
        let without: Vec<(&str, &str)> = valid.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, p)| *p).collect();
        let missing = acs3(&app, &key, "DescribeBackups", PD, &without).await;
        assert!(missing.status.is_client_error(), "{:?}", missing.json);
        assert_eq!(api_refusal_or_ok(&missing, "missing"), Ok(()));
    }
    assert!(failures.is_empty(), "{} failed:\n{}", failures.len(), failures.join("\n"));
    // The range's ends: an empty or reversed range is refused as such.
    for (start, end) in [("2026-11-25T07:30Z", "2026-11-25T07:30Z"), ("2026-11-26T00:00Z", "2026-10-01T00:00Z")] {
        let r = acs3(
            &app,
            &key,
            "DescribeBackups",
            PD,
            &[("DBClusterId", SHAREABLE_CLUSTER), ("StartTime", start), ("EndTime", end)],
        )
        .await;
        assert_eq!(api_code(&r), (400, "InvalidParameter.EndTime"), "{start}..{end}: {:?}", r.json);
    }
    // Valid times on another account's cluster, or one that does not exist: refused, nothing read.
    for cluster in ["pc-2zepartner0001", "pc-nothere0000", "' or '1'='1"] {
        let r = acs3(
            &app,
            &key,
            "DescribeBackups",
            PD,
            &[("DBClusterId", cluster), ("StartTime", "0000-01-01T00:00Z"), ("EndTime", "9999-12-31T23:59Z")],
        )
        .await;
        assert!(r.status.is_client_error(), "{cluster}: {:?}", r.json);
        assert_eq!(api_refusal_or_ok(&r, cluster), Ok(()));
    }
    assert_eq!(app.sharing_state().await, before);
    assert_eq!(app.count("select count(*) from backup_set where deleted_at is null").await, sets_before);
}

#[tokio::test]
async fn a_ram_user_name_is_always_the_callers_name_at_its_own_alias_or_refused_with_a_code_changing_nothing() {
    let app = TestApp::new().await;
    let owner = app.sign_in("owner").await;
    let mut names = hostile_strings();
    names.extend(
        [
            "x@harbor",
            "x@orbit",
            "x@1000000000000001",
            "x@lumen@lumen",
            "x@@lumen",
            "x@lumen@",
            "@lumen",
            "@",
            "x@",
            "@@",
            "x@LUMEN",
            "x@Lumen",
            "x@lumen.onaliyun.com",
            "x@lumen.",
            "x@lumenqa",
            "x@lume",
            "lumen@x",
            "x@ lumen",
            "x @lumen",
            "x\u{0}@lumen",
            "x@lumen\u{200B}",
            "x\u{202E}@lumen",
            "ünïcode",
            "名字",
            "名字@lumen",
            "x@ＬＵＭＥＮ",
            "x%40lumen",
            "x&login_name=y",
            "owner",
            "operator",
            ".",
            "-",
            "..",
            "_",
        ]
        .map(str::to_owned),
    );
    names.push("a".repeat(64));
    names.push("a".repeat(58));
    names.push(format!("{}@lumen", "a".repeat(58)));
    names.push(format!("{}@lumen", "a".repeat(57)));
    names.push(format!("{}@lumen", "b".repeat(200)));
    let identities = "select group_concat(account_id || ':' || login_name, ',') from (select account_id, login_name from identity order by account_id, login_name)";
    let mut failures = Vec::new();
    for name in &names {
        let before: Option<String> = sqlx::query_scalar(identities).fetch_one(&app.pool).await.unwrap();
        let r = app
            .form(
                Some(&owner),
                "create_ram_user",
                &format!("login_name={}&password=Hostile-Pass-2026", crate::matrix::percent_encode(name)),
            )
            .await;
        let after: Option<String> = sqlx::query_scalar(identities).fetch_one(&app.pool).await.unwrap();
        let what = format!("create_ram_user login_name={:?}", name.chars().take(30).collect::<String>());
        let status = r.status.as_u16();
        let message = r.json["message"].as_str().unwrap_or("");
        if status >= 500 {
            failures.push(format!("{what}: {status} {}", r.json));
        } else if status >= 400 {
            if r.json["code"].as_str().unwrap_or("").is_empty() || message.len() < 12 || !message.ends_with('.') {
                failures.push(format!("{what}: {status} without a code and a sentence: {}", r.json));
            }
            if after != before {
                failures.push(format!("{what}: refused but changed the identities"));
            }
        } else {
            // Accepted: exactly one new identity, the owner's, named name@lumen with one '@'.
            let (before, after) = (before.unwrap_or_default(), after.unwrap_or_default());
            let new: Vec<&str> = after.split(',').filter(|i| !before.split(',').any(|b| b == *i)).collect();
            let ok = new.len() == 1
                && new[0].strip_prefix("1000000000000001:").is_some_and(|login| {
                    login.ends_with("@lumen")
                        && login.matches('@').count() == 1
                        && !login.starts_with('@')
                        && login.chars().count() <= 64
                });
            if !ok {
                failures.push(format!("{what}: accepted as {new:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} failed:\n{}", failures.len(), failures.join("\n"));
    // Another account's ending is refused as such, whether or not that user exists.
    for name in ["reader@harbor", "nobody@harbor"] {
        let r =
            app.form(Some(&owner), "create_ram_user", &format!("login_name={name}&password=Hostile-Pass-2026")).await;
        assert_eq!(r.refusal(), (422, "InvalidParameter.UserName"), "{name}");
    }
}
