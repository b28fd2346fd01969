//! Turns every error response that is not already a page (our own errors,
//! axum's rejections, 404s for unknown paths) into a friendly Norwegian page
//! that names the request id and nothing of the internals.

use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use super::page::Page;
use crate::auth::session::SessionState;
use crate::error::ErrorKind;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Page,
    heading: &'static str,
    message: &'static str,
    request_id: String,
    /// A form the database was down for, to send again.
    resend: Option<super::form_body::Resend>,
}

pub async fn render_error_pages(req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let response = next.run(req).await;
    let status = response.status();
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_page {
        return response;
    }

    let kind = response.extensions().get::<ErrorKind>().copied();
    let csrf = kind == Some(ErrorKind::Csrf);
    // The session layer hands over what it found; it is missing when the
    // database failed.
    let session = response
        .extensions()
        .get::<SessionState>()
        .cloned()
        .unwrap_or_default();
    let (heading, message) = match status {
        _ if csrf => (
            "Skjemaet kunne ikke sendes",
            "Skjemaet var for gammelt, eller økta di har gått ut. Gå tilbake, last inn siden på nytt \
             og prøv igjen.",
        ),
        StatusCode::NOT_FOUND => (
            "Siden finnes ikke",
            "Vi fant ikke det du ba om. Lenken kan være feil, eller det du leter etter, finnes \
             ikke lenger.",
        ),
        StatusCode::FORBIDDEN => ("Ingen tilgang", "Du har ikke tilgang til denne siden."),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "Skjemaet er for stort",
            "Det du sendte, var for stort, og ingenting ble lagret. Gå tilbake med tilbakeknappen \
             i nettleseren. Teksten står som regel der fortsatt. Gjør den lengste teksten \
             kortere, og send på nytt.",
        ),
        StatusCode::SERVICE_UNAVAILABLE if kind == Some(ErrorKind::DatabaseDown) => (
            "Trygg får ikke kontakt med databasen",
            "Trygg får ikke kontakt med databasen akkurat nå. Det som var lagret fra før, er ikke \
             borte. Sendte du et skjema, ble det trolig ikke lagret. Gå tilbake med \
             tilbakeknappen i nettleseren. Teksten står som regel der fortsatt. Vent et minutt, \
             og send på nytt. Virker det ikke etter ti minutter, si fra til lederen din eller \
             IT-kontakten på senteret, og oppgi feilkoden nederst.",
        ),
        StatusCode::SERVICE_UNAVAILABLE => (
            "Prøv igjen om litt",
            "Mange logger inn samtidig akkurat nå. Vent noen sekunder, gå tilbake og send \
             skjemaet på nytt. Det du sendte, ble ikke lagret.",
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "Skjemaet kom ikke fram",
            "Forbindelsen var for treg, så det du sendte, ble ikke lagret. Gå tilbake med \
             tilbakeknappen i nettleseren. Teksten står som regel der fortsatt. Sjekk at du er på \
             nett, og send på nytt.",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "Det går ikke an her",
            "Siden finnes, men ikke for det du prøvde å gjøre.",
        ),
        s if s.is_client_error() => (
            "Noe var galt med forespørselen",
            "Vi kunne ikke lese det som ble sendt. Gå tilbake og prøv igjen.",
        ),
        _ => (
            "Noe gikk galt",
            "Det oppstod en feil hos oss. Prøv igjen om litt. Hvis feilen varer, oppgi feilkoden \
             under til den som drifter Trygg.",
        ),
    };
    let resend = response
        .extensions()
        .get::<super::form_body::Resend>()
        .cloned();
    // With a form to send again, the page says what to do (templates/error.html).
    let heading = match resend {
        Some(_) => "Det du sendte, ble trolig ikke lagret. Teksten din er ikke borte.",
        None => heading,
    };
    let template = ErrorPage {
        page: Page::from_session(&session),
        heading,
        message,
        request_id,
        resend,
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    match template.render() {
        Ok(html) => (parts, Html(html)).into_response(),
        Err(_) => (status, "Noe gikk galt.").into_response(),
    }
}
