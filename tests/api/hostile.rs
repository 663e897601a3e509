//! Hostile input: every server function, called by every kind of identity with arguments generated
//! from its row in the authorization matrix (each argument in turn over-long, empty, control and
//! invisible characters, emoji, injection strings, negative and huge numbers, the wrong JSON type, or
//! missing; and whole bodies that are empty, cut short, not UTF-8, nested 10,000 deep, of another content type, or too large), must never
//! answer 500, must always answer a refusal as JSON with a code and a sentence, and must leave the
//! sharing tables exactly as they were (audit rows of refusals may be added).

use crate::helpers::*;
use crate::matrix::{body_of, form_body, percent_encode, request, rows, Encoding, Fixture, Row, WHO};
use axum::body::Body;
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
    ["-1", "-9223372036854775809", "9223372036854775808", "1e309", "abc", "maybe", "1", "TRUE", ""].map(str::to_owned).to_vec()
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
        let strings = if original.is_string() { hostile_strings() } else { [hostile_strings(), wrong_scalars()].concat() };
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
        Case { what: "multipart body".into(), content_type: "multipart/form-data; boundary=x", body: valid.clone().into_bytes() },
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
    for table in ["resource_share", "share_resource", "share_principal", "invitation", "shared_backup_set", "membership_revocation"] {
        let columns: Vec<String> = sqlx::query_scalar(&format!("select name from pragma_table_info('{table}') order by cid"))
            .fetch_all(&app.pool)
            .await
            .expect(table);
        let row = columns.iter().map(|c| format!("quote({c})")).collect::<Vec<_>>().join(" || ',' || ");
        let rows: Vec<String> = sqlx::query_scalar(&format!("select {row} as r from {table} order by r")).fetch_all(&app.pool).await.expect(table);
        out.push_str(&format!("{table} ({} rows)\n{}\n", rows.len(), rows.join("\n")));
    }
    out
}

async fn other_tables(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for table in ["identity", "identity_policy", "rd_folder", "rd_member", "ticket", "restore_job", "backup_set", "cluster", "audit_event"] {
        out.push((table, app.count(&format!("select count(*) from {table}")).await));
    }
    out
}

#[tokio::test]
async fn no_hostile_argument_gets_a_500_a_bare_answer_or_a_change_to_the_sharing_tables() {
    let fixture = Fixture::new().await;
    let app = &fixture.app;
    let before = sharing_tables(app).await;
    let others_before = other_tables(app).await;
    let audit_before = app.count("select count(*) from audit_event").await;
    let mut failures = Vec::new();
    let mut calls = 0;
    for row in rows() {
        let args = fixture.fill(&row.args);
        for case in cases(&row, &args) {
            for (w, (who, _)) in WHO.iter().enumerate() {
                let mut request = request(row.name, row.encoding, Body::from(case.body.clone()), fixture.cookies[w].as_deref());
                request.headers_mut().insert(http::header::CONTENT_TYPE, case.content_type.parse().unwrap());
                let answer = app.send(request).await;
                calls += 1;
                let status = answer.status.as_u16();
                let code = answer.json["code"].as_str().unwrap_or("");
                let message = answer.json["message"].as_str().unwrap_or("");
                if status >= 500 {
                    failures.push(format!("{} [{}] as {who}: {status} {}", row.name, case.what, answer.json));
                } else if status >= 400 && (code.is_empty() || message.len() < 12 || !message.ends_with('.')) {
                    failures.push(format!("{} [{}] as {who}: {status} without a code and a sentence: {}", row.name, case.what, answer.json));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {calls} calls failed:\n{}", failures.len(), failures.join("\n"));
    let after = sharing_tables(app).await;
    let gone: Vec<&str> = before.lines().filter(|l| !after.lines().any(|a| a == *l)).collect();
    let new: Vec<&str> = after.lines().filter(|l| !before.lines().any(|b| b == *l)).collect();
    assert!(gone.is_empty() && new.is_empty(), "hostile calls changed the sharing tables:\nbefore: {gone:#?}\nafter: {new:#?}");
    assert!(app.count("select count(*) from audit_event").await >= audit_before);
    // Not an assertion (a hostile-looking value can be a valid ticket message or folder name): what
    // the accepted calls added outside the sharing tables, for a reader judging the input rules.
    println!("{calls} hostile calls; rows before -> after outside the sharing tables: {others_before:?} -> {:?}", other_tables(app).await);
    assert!(calls > 10_000, "{calls} calls");
}
