//! What every page's layout needs: who is signed in, the CSRF token for its
//! forms (the logout button included), and a one-line notice after a redirect.

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};

use super::assets;
use crate::auth::session::{CurrentUser, SessionState};
use crate::error::AppError;

#[derive(Clone, Debug, Default)]
pub struct Page {
    pub user: Option<CurrentUser>,
    pub csrf_token: String,
    pub notice: Option<Notice>,
}

/// A notice named in `?melding=`, and its colour: a refusal or a loss is
/// a warning, not a success.
#[derive(Clone, Copy, Debug)]
pub struct Notice {
    pub text: &'static str,
    pub colour: &'static str,
}

/// The notices that tell of something refused or lost.
const WARNINGS: [&str; 7] = [
    "forkastet",
    "skjema-skjermet",
    "skjermet-uten-deg",
    "plan-krever-kartlegging",
    "relokalisering-pagar",
    "relokalisering-lukket",
    "utdrag-krever-godkjent",
];

impl Page {
    pub fn from_session(session: &SessionState) -> Self {
        Page {
            user: session.user().cloned(),
            csrf_token: session
                .active()
                .map(|s| s.csrf_token.clone())
                .unwrap_or_default(),
            notice: None,
        }
    }

    /// The URL of a file under `static/`.
    pub fn asset(&self, name: &str) -> String {
        assets::url(name)
    }

    /// For form fields that show no error of their own.
    pub fn no_error(&self) -> Option<&'static str> {
        None
    }

    /// Whether the signed-in user holds `permission`: what the navigation
    /// and the dashboard offer follows the same table as the routes.
    pub fn may(&self, permission: crate::auth::Permission) -> bool {
        self.user.as_ref().is_some_and(|u| u.may(permission))
    }
}

/// Notices named in `?melding=` after a redirect; unknown names show nothing.
fn notice(key: &str) -> Option<&'static str> {
    Some(match key {
        "logget-ut" => "Du er logget ut.",
        "innlogging-utlopt" => {
            "Du må begynne innloggingen på nytt. Skriv inn e-post og passord igjen."
        }
        "okt-avsluttet" => "Nettleseren er logget ut.",
        "andre-okter-avsluttet" => "Du er logget ut i alle andre nettlesere.",
        "totrinn-nullstilt" => {
            "Totrinnsinnloggingen er nullstilt. Brukeren er logget ut og setter den opp på nytt ved neste innlogging."
        }
        "okter-avsluttet" => "Brukeren er logget ut overalt.",
        "passord-endret" => "Passordet ditt er endret.",
        "velkommen" => "Trygg er satt opp, og du er logget inn som administrator.",
        "rolle-endret" => "Rollen er endret.",
        "deaktivert" => {
            "Kontoen er deaktivert, alle øktene er avsluttet, og brukeren er tatt av listene over saker med begrenset tilgang."
        }
        "aktivert" => "Kontoen er aktivert igjen.",
        "senter-lagret" => "Innstillingene for senteret er lagret.",
        "forkastet" => "Det du skrev før økta utløp, er forkastet.",
        "sak-lagret" => "Saken er lagret.",
        "skjema-skjermet" => {
            "Du har ikke lenger tilgang til saken du skrev i, så det du skrev, er ikke lagret. Gi opplysningene til kontaktpersonen eller en koordinator med tilgang så snart som mulig. Er noen i fare nå? Ring 112."
        }
        "sak-fra-begrenset" => {
            "Saken er opprettet. Den hadde begrenset tilgang ved senteret den kom fra, så her kan bare du åpne den nå. Velg med en gang under «Tilgang» hvem flere som skal ha tilgang, også dem som må kunne handle på kvelds-, natt- og helgevakt."
        }
        "sak-skjermet" => "Tilgangen er begrenset. Bare de du krysset av for, kan åpne saken.",
        "skjerming-opphevet" => {
            "Begrensningen er opphevet. Alle ansatte ved senteret kan åpne saken igjen."
        }
        "skjermet-uten-deg" => {
            "Tilgangen til saken er begrenset, og du har ikke tilgang. Du kan ikke lenger åpne saken."
        }
        "barn-lagt-til" => "Barnet er lagt til.",
        "barn-fjernet" => {
            "Barnet er fjernet fra saken. Kartleggingene og sikkerhetsplanene er tatt vare på."
        }
        "kartlegging-lagret" => "Utkastet til kartlegging er lagret.",
        "kartlegging-fullfort" => "Kartleggingen er fullført og lagret som en ny versjon.",
        "plan-lagret" => "Utkastet til sikkerhetsplan er lagret.",
        "plan-ny-kartlegging" => {
            "Planen bygger nå på den nyeste kartleggingen. Se over hva tiltakene svarer på."
        }
        "plan-sendt" => "Sikkerhetsplanen er sendt til godkjenning.",
        "plan-krever-kartlegging" => "Fullfør kartleggingen først: sikkerhetsplanen bygger på den.",
        "plan-godkjent" => "Sikkerhetsplanen er godkjent.",
        "utdrag-krever-godkjent" => {
            "Utdraget til barnehagen eller skolen kan bare skrives ut fra den gjeldende, godkjente versjonen av planen."
        }
        "plan-returnert" => "Sikkerhetsplanen er returnert med kommentaren din.",
        "relokalisering-lagret" => "Relokaliseringen er lagret.",
        "relokalisering-besluttet" => {
            "Flyttingen er besluttet. Registrer kontakten med lokalt politi der det nye krisesenteret ligger, samtykket, barnas del og digital sikkerhet før flyttingen."
        }
        "relokalisering-flyttet" => {
            "Flyttingen er registrert. Saken er avsluttet og kan fortsatt leses."
        }
        "relokalisering-avbrutt" => "Relokaliseringen er avbrutt.",
        "hendelse-registrert" => "Hendelsen er registrert.",
        "utover-lagret" => "Opplysningene om voldsutøveren er lagret.",
        "relokalisering-pagar" => "En relokalisering pågår allerede i saken: her er den.",
        "relokalisering-lukket" => "Saken er avsluttet: en ny relokalisering kan ikke startes.",
        "sak-fra-deling" => {
            "Saken er opprettet. Kartleggingen fra forrige senter er versjon 1; gå gjennom den med beboeren."
        }
        _ => return None,
    })
}

impl<S: Send + Sync> FromRequestParts<S> for Page {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = SessionState::from_request_parts(parts, state).await?;
        let mut page = Page::from_session(&session);
        page.notice = parts.uri.query().and_then(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == "melding")
                .and_then(|(_, key)| {
                    let colour = if WARNINGS.contains(&key.as_str()) {
                        "warning"
                    } else {
                        "success"
                    };
                    notice(&key).map(|text| Notice { text, colour })
                })
        });
        Ok(page)
    }
}

pub fn render(template: &impl Template) -> Result<Response, AppError> {
    Ok(Html(template.render()?).into_response())
}

pub fn render_with_status(
    status: StatusCode,
    template: &impl Template,
) -> Result<Response, AppError> {
    Ok((status, Html(template.render()?)).into_response())
}
