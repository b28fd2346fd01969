//! Counts the SQL statements a request sends, so a test can hold every page
//! to a fixed, small number of them, none per row (issue 16).
//!
//! sqlx reports each statement it has run as a `tracing` event of target
//! `sqlx::query`, in the task that ran it. [`StatementCounter`] is a layer
//! that adds one to the count of the request whose task that is, and
//! [`count_per_request`] scopes a count to each request and reports it in a
//! response header. Neither is on in production: the tests and the benchmark
//! install them.

use std::cell::Cell;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Subscriber;
use tracing::subscriber::Interest;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;

/// The response header that carries a request's count.
pub const HEADER: &str = "x-trygg-statements";

/// The target of sqlx's event for each statement it has run.
const SQLX_STATEMENT: &str = "sqlx::query";

tokio::task_local! {
    static STATEMENTS: Cell<u32>;
}

/// A `tracing` layer that counts sqlx's statements for the request being
/// served; statements outside a request are not counted.
pub struct StatementCounter;

impl<S: Subscriber> Layer<S> for StatementCounter {
    fn register_callsite(&self, metadata: &'static tracing::Metadata<'static>) -> Interest {
        if metadata.target() == SQLX_STATEMENT {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        metadata.target() == SQLX_STATEMENT
    }

    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() == SQLX_STATEMENT {
            count_one();
        }
    }
}

/// Installs [`StatementCounter`] as this process's `tracing` subscriber, if
/// none is yet (the tests and the benchmark; never the server).
pub fn install_counter() {
    use tracing_subscriber::layer::SubscriberExt as _;
    let subscriber = tracing_subscriber::registry().with(StatementCounter);
    let _already_installed = tracing::subscriber::set_global_default(subscriber);
}

/// Counts one statement for the request being served, sent on its behalf
/// by another task (its read event's share of a batch).
pub fn count_one() {
    let _outside_a_request = STATEMENTS.try_with(|count| count.set(count.get() + 1));
}

/// Middleware: the statements sent while serving a request, in [`HEADER`].
pub async fn count_per_request(request: Request, next: Next) -> Response {
    STATEMENTS
        .scope(Cell::new(0), async move {
            let mut response = next.run(request).await;
            let count = STATEMENTS.with(Cell::get);
            response
                .headers_mut()
                .insert(HEADER, HeaderValue::from(count));
            response
        })
        .await
}
