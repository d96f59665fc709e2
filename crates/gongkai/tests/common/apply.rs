//! The public application form (`/apply`) as a person without JavaScript uses it: load the
//! form (anonymous CSRF cookie, the question in words), answer the question, submit multipart
//! with an optional identity proof, read the tracking number and secret from the receipt.
//! And the check that what was acknowledged is in the database, exactly as submitted.

use super::{cookie_value, http_from};
use gongkai_core::vault::Vault;
use gongkai_store::Db;
use gongkai_store::applications;
use std::net::IpAddr;

/// One application's content.
#[derive(Debug, Clone)]
pub struct Applicant {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub request: String,
    /// An identity proof (PNG) to upload with it.
    pub proof: Option<Vec<u8>>,
}

/// An application the server acknowledged (its receipt page was received).
#[derive(Debug, Clone)]
pub struct Acked {
    pub applicant: Applicant,
    pub tracking_no: String,
    pub secret: String,
}

/// A valid 18-digit resident ID (GB 11643 check digit), distinct for each `n`.
pub fn resident_id(n: u32) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap()
        + chrono::Days::new(u64::from(n / 900));
    let body = format!("110105{}{:03}", birth.format("%Y%m%d"), n % 900 + 100);
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

impl Applicant {
    /// The `n`th applicant of a test run (`tag` makes the request text unique to the run).
    pub fn numbered(tag: &str, n: u32, with_proof: bool) -> Applicant {
        Applicant {
            name: format!("申请人{n}号"),
            id_number: resident_id(n),
            phone: format!("139{:08}", n),
            request: format!("{tag}：请公开2025年第{n}批残疾人两项补贴发放明细"),
            proof: with_proof.then(gongkai_store::testing::png_with_author),
        }
    }
}

fn between<'a>(body: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let at = body.find(start)? + start.len();
    let rest = &body[at..];
    Some(&rest[..rest.find(end)?])
}

/// The answer to a question such as 「三加四等于几？请填写数字。」.
fn answer(question: &str) -> Option<i64> {
    let q: Vec<char> = question.chars().collect();
    let a = gongkai_web::antiabuse::parse_answer(&q.first()?.to_string())?;
    let b = gongkai_web::antiabuse::parse_answer(&q.get(2)?.to_string())?;
    match q.get(1)? {
        '加' => Some(a + b),
        '减' => Some(a - b),
        _ => None,
    }
}

/// Submits `a` to organisation `org_id` through `/apply` from source address `from`. Returns
/// the final status and page body (200 with the receipt when acknowledged); an `Err` when the
/// connection failed (e.g. the server was killed).
pub fn submit(
    addr: &str,
    from: IpAddr,
    org_id: i64,
    a: &Applicant,
) -> std::io::Result<(u16, String)> {
    let (status, head, page) = http_from(
        Some(from),
        addr,
        format!("GET /apply HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )?;
    if status != 200 {
        return Ok((status, page));
    }
    let bad = |what: &str| std::io::Error::other(format!("the form has no {what}"));
    let csrf = cookie_value(&head, "gk_csrf").ok_or_else(|| bad("CSRF cookie"))?;
    let token = between(&page, "name=\"captcha_token\" value=\"", "\"")
        .ok_or_else(|| bad("challenge"))?
        .to_string();
    let question = between(&page, "<label for=\"captcha_answer\">", "</label>")
        .ok_or_else(|| bad("question"))?;
    let answer = answer(question).ok_or_else(|| bad("question it can answer"))?;
    let org = org_id.to_string();
    let answer = answer.to_string();
    let fields: [(&str, &str); 13] = [
        ("csrf", &csrf),
        ("org_id", &org),
        ("applicant_type", "natural_person"),
        ("applicant_name", &a.name),
        ("id_kind", "resident_id"),
        ("id_number", &a.id_number),
        ("phone", &a.phone),
        ("item1_desc", &a.request),
        ("info_form", "electronic"),
        ("delivery", "online"),
        ("help_reading", "1"),
        ("captcha_token", &token),
        ("captcha_answer", &answer),
    ];
    let boundary = "gongkai-test-boundary-7f3a";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some(png) = &a.proof {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"identity_proof\"; filename=\"id.png\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(png);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let mut request = format!(
        "POST /apply?csrf={csrf} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: gk_csrf={csrf}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(&body);
    let (status, _, page) = http_from(Some(from), addr, &request)?;
    Ok((status, page))
}

/// The tracking number and secret on a receipt page.
pub fn receipt(page: &str) -> Option<(String, String)> {
    let no = between(page, "受理编号：<strong>", "</strong>")?;
    let secret = between(page, "查询密码：<strong>", "</strong>")?;
    Some((no.to_string(), secret.to_string()))
}

/// Every acknowledged application is in the database with exactly the submitted content (its
/// personal data opened with the vault, its identity proof read back and opened), and the
/// tracking numbers of all applications are unique.
pub async fn check_acknowledged(db: &Db, data: &std::path::Path, vault: &Vault, acked: &[Acked]) {
    for a in acked {
        let found = applications::find_for_applicant(db, &a.tracking_no, &a.secret)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged application {} is lost", a.tracking_no));
        let who = &a.applicant;
        assert_eq!(found.applicant_name, who.name, "{}", a.tracking_no);
        assert_eq!(found.channel, "online");
        let contact = found.contact(vault).unwrap();
        assert_eq!(contact.id_number, who.id_number, "{}", a.tracking_no);
        assert_eq!(contact.phone, who.phone, "{}", a.tracking_no);
        let items = applications::items(db, found.id).await.unwrap();
        assert_eq!(items.len(), 1, "{}", a.tracking_no);
        assert_eq!(items[0].description, who.request, "{}", a.tracking_no);
        let proof = applications::identity_proof(db, data, vault, &found)
            .await
            .unwrap();
        match (&who.proof, proof) {
            (None, None) => {}
            (Some(sent), Some((_, bytes))) => {
                // Stored as uploaded, less its metadata (the author chunk).
                let kind = gongkai_core::filetype::FileKind::Png;
                let expected = gongkai_core::filetype::strip_metadata(kind, sent).unwrap();
                assert_eq!(bytes, expected.bytes, "{}: identity proof", a.tracking_no);
            }
            (sent, got) => panic!(
                "{}: identity proof sent {}, stored {}",
                a.tracking_no,
                sent.is_some(),
                got.is_some()
            ),
        }
    }
    let numbers: Vec<String> = gongkai_store::on_db!(db, |p| sqlx::query_scalar(
        "SELECT tracking_no FROM applications"
    )
    .fetch_all(p)
    .await
    .unwrap());
    let unique: std::collections::BTreeSet<&String> = numbers.iter().collect();
    assert_eq!(unique.len(), numbers.len(), "tracking numbers repeat");
}
