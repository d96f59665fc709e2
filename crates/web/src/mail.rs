//! E-mail to applicants (issue #6: a reply sent online is also e-mailed when the applicant gave an
//! address). One SMTP relay configured by URL (`smtp://host:25` for a local relay,
//! `smtp://user:pass@host:587?tls=required` for STARTTLS, `smtps://user:pass@host:465`), sent
//! with lettre; the tests use a sink on 127.0.0.1. A failure is reported to the staff member in
//! Chinese and nothing is marked as sent.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Where e-mail goes out.
#[derive(Clone, PartialEq, Eq)]
pub struct Mailer {
    /// The relay, as an `smtp://` or `smtps://` URL (may hold a password: never print it).
    pub smtp_url: String,
    /// The sender, e.g. `长春市残联政务公开办公室 <gongkai@example.gov.cn>`.
    pub from: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// How long one delivery may take before it is given up (the staff member waits for it).
const TIMEOUT: Duration = Duration::from_secs(20);

impl Mailer {
    /// Sends a plain-text UTF-8 message. Errors are Chinese sentences for the staff member.
    pub async fn send(&self, to: &str, subject: &str, text: &str) -> Result<(), String> {
        let from = self
            .from
            .parse()
            .map_err(|_| format!("发件人地址“{}”无效，请联系系统管理员", self.from))?;
        let to = to
            .trim()
            .parse()
            .map_err(|_| format!("收件人邮箱“{}”格式不正确", to.trim()))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(text.to_string())
            .map_err(|e| format!("邮件内容无法生成：{e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&self.smtp_url)
            .map_err(|_| "邮件服务器地址配置有误，请联系系统管理员".to_string())?
            .timeout(Some(TIMEOUT))
            .build();
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("邮件未能发出（{e}），请稍后重试或改用其他送达方式"))
    }
}

/// What [`send_reminders`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailReport {
    pub sent: u64,
    pub failed: u64,
}

/// Mails the reminders made in the last day that were never mailed (issues #6/#9) to the
/// published e-mail addresses of the office and department concerned. Each reminder is claimed
/// first (`reminders::claim_mail`), so two instances never mail one twice; a failure, or a
/// reminder with nobody to mail to, is recorded and not retried (the console shows it anyway).
pub async fn send_reminders(
    db: &gongkai_store::Db,
    mailer: &Mailer,
) -> gongkai_store::Result<MailReport> {
    use gongkai_store::reminders;
    let since = gongkai_store::now_ms() - 24 * 3600 * 1000;
    let mut report = MailReport::default();
    for out in reminders::unmailed(db, since).await? {
        let r = &out.reminder;
        if !reminders::claim_mail(db, r.id, &out.to).await? {
            continue;
        }
        if out.to.is_empty() {
            reminders::mail_failed(db, r.id, "机构未登记电子邮箱，仅在工作台提示").await?;
            report.failed += 1;
            continue;
        }
        let text = format!(
            "{}\n\n{}\n\n请登录政务公开工作台处理：{}\n\n（本邮件由系统自动发送，请勿回复。）\n",
            r.title, r.body, r.link
        );
        let mut error = None;
        for to in &out.to {
            if let Err(e) = mailer
                .send(to, &format!("【提醒】{}", r.title), &text)
                .await
            {
                error = Some(e);
            }
        }
        match error {
            Some(e) => {
                tracing::warn!(reminder = r.id, error = %e, "reminder not mailed");
                reminders::mail_failed(db, r.id, &e).await?;
                report.failed += 1;
            }
            None => report.sent += 1,
        }
    }
    Ok(report)
}
